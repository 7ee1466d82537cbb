#!/usr/bin/env node
/**
 * Lists the runtime import cycles among the TypeScript modules under a
 * folder (default src/). A runtime edge is any import or re-export that
 * survives compilation: `import type` / `export type` are erased, while
 * `import { type A }` stays (as `import {} from`, under
 * verbatimModuleSyntax). Dynamic `import()` is not an edge (it runs later).
 * Prints one cycle per line (strongly connected components of more than one
 * module, or a module importing itself) and exits 1 when there is any.
 *
 * Usage: node scripts/import-cycles.mjs [folder]
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/** Every .ts file (tests included) under `dir`. */
function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith(".ts") && !p.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** The runtime imports of one file, as resolved absolute paths of .ts files. */
export function runtimeImports(file) {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, false);
  const deps = [];
  for (const st of sf.statements) {
    let spec = null;
    if (ts.isImportDeclaration(st)) {
      if (st.importClause?.isTypeOnly) continue;
      spec = st.moduleSpecifier;
    } else if (ts.isExportDeclaration(st)) {
      if (st.isTypeOnly || !st.moduleSpecifier) continue;
      spec = st.moduleSpecifier;
    }
    if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith(".")) continue;
    deps.push(resolve(dirname(file), spec.text.replace(/\.js$/, ".ts")));
  }
  return deps;
}

/** Tarjan's strongly connected components over the runtime import graph of `root`. */
export function importCycles(root) {
  const files = walk(root);
  const graph = new Map(files.map((f) => [f, runtimeImports(f)]));
  let index = 0;
  const idx = new Map(), low = new Map(), stack = [], on = new Set(), cycles = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do { w = stack.pop(); on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(comp.map((f) => relative(process.cwd(), f)).sort());
    }
  };
  for (const f of files) if (!idx.has(f)) visit(f);
  return cycles;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cycles = importCycles(resolve(process.argv[2] ?? "src"));
  for (const c of cycles) console.log(c.join(" ↔ "));
  console.log(`${cycles.length} runtime import cycle(s)`);
  process.exit(cycles.length ? 1 : 0);
}
