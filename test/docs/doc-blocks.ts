/**
 * Doc tests: finds every code block of the Markdown docs and every
 * `@example` of a doc comment, classifies each, and turns each TypeScript
 * snippet into a module that the tests type-check (one TypeScript program
 * for all of them) and run. docs/doc-tests.md states the rules for writers;
 * in short:
 *
 * - Markdown fences must name their kind in the info string:
 *   - ```` ```ts ```` — TypeScript. A block that imports from the package
 *     (`from "sockstack"`, `"sockstack/tools"`, …) is a program: it is
 *     type-checked and run as written, and when the next block is a
 *     ```` ```text ```` block, what it prints must equal that block. A block
 *     without such imports is a fragment: it is type-checked with every
 *     export of the package and the names of test/docs/doc-context.ts
 *     (`p`, `host`, `fd`, …) in scope, and run when it uses none of the
 *     latter.
 *   - ```` ```ts norun REASON ```` — type-checked, never run (needs root, a
 *     TUN device, the real network…); the reason is required.
 *   - ```` ```sh ```` — every line is a `sockstack …` command (an `npx `
 *     prefix and `# comments` allowed); each runs through the CLI in a
 *     temporary directory and must exit 0, or the status its comment names
 *     (`# … (exit 1)`).
 *   - ```` ```sh norun REASON ```` — shell commands not run (installing,
 *     root, the whole test suite); the reason is required.
 *   - ```` ```text ```` — output or a picture; never code.
 *   Any other fence (no info string, another language) is an error.
 * - An `@example` is a fragment (or a program, when it imports from the
 *   package); the names its own module exports are in scope too. Examples
 *   in src/node and src/cli are type-checked only: those folders do real
 *   I/O (processes, files, sockets), which the layer rule keeps out of
 *   every other folder.
 * - In code that runs, a statement that is only a comparison
 *   (`htons(9090) === 0x8223`) is asserted: it must hold.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";

export const ROOT = join(import.meta.dirname, "..", "..");
/** The ambient names of fragments. */
export const CONTEXT_FILE = join(ROOT, "test", "docs", "doc-context.ts");

export interface Snippet {
  /** `README.md:51` or `src/sys/inet.ts:23`. */
  where: string;
  /** Repo-relative file and 1-based line of the first code line. */
  file: string;
  line: number;
  /** "md" for a Markdown block, "example" for an `@example`. */
  origin: "md" | "example";
  /** What the tests do with it. */
  kind: "ts" | "ts-norun" | "sh" | "sh-norun" | "text";
  /** The reason of a `norun` block; for `ts` examples of src/node and src/cli, why they only type-check. */
  reason: string | null;
  code: string;
  /** For a `ts` Markdown program: the `text` block that follows it. */
  expected: string | null;
  /** For an `@example`: the absolute path of the module it documents. */
  module: string | null;
}

export interface DocError {
  where: string;
  message: string;
}

/** Markdown files with code blocks: README.md, BENCHMARKS.md, docs/, and every README of src/ (src/bench too), test/, scripts/. */
export function markdownFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (name === "node_modules" || name.startsWith(".") || name === "dist") continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".md")) out.push(relative(ROOT, p));
    }
  };
  for (const f of readdirSync(ROOT)) if (f.endsWith(".md")) out.push(f);
  for (const d of ["docs", "src", "test", "scripts"]) if (statSync(join(ROOT, d), { throwIfNoEntry: false })?.isDirectory()) walk(join(ROOT, d));
  return out.sort();
}

/** TypeScript sources whose doc comments count (no tests). */
export function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) out.push(relative(ROOT, p));
    }
  };
  walk(join(ROOT, "src"));
  return out.sort();
}

const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;

/** The fenced blocks of a Markdown file, classified. */
export function markdownSnippets(file: string, errors: DocError[]): Snippet[] {
  const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
  const out: Snippet[] = [];
  let last: Snippet | null = null;
  let lastEnd = -1; // line index of the closing fence of `last`
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, infoRaw] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      if (l.trimStart().startsWith(fence!) && l.trim() === fence!.charAt(0).repeat(l.trim().length) && l.trim().length >= fence!.length) break;
      body.push(l.startsWith(indent!) ? l.slice(indent!.length) : l.trimStart());
    }
    const where = `${file}:${i + 1}`;
    const info = infoRaw!.trim();
    const [lang = "", mode = "", ...rest] = info.split(/\s+/);
    const reason = rest.join(" ").replace(/^[:—-]\s*/, "") || null;
    const code = body.join("\n") + "\n";
    const snippet = (kind: Snippet["kind"]): Snippet => ({
      where, file, line: i + 2, origin: "md", kind, reason, code, expected: null, module: null,
    });
    let s: Snippet | null = null;
    if (lang === "text" && mode === "") {
      s = snippet("text");
      // Output of the program just before: nothing between them but blank lines or one paragraph ending in ":".
      const between = last ? lines.slice(lastEnd + 1, i).join("\n").trim() : "x";
      const follows = between === "" || (!between.includes("\n\n") && !/^#/m.test(between) && between.endsWith(":"));
      if (last?.kind === "ts" && follows && last.expected === null && IMPORTS_PACKAGE.test(last.code)) last.expected = code;
    } else if ((lang === "ts" || lang === "sh") && (mode === "" || mode === "norun")) {
      if (mode === "norun" && !reason) errors.push({ where, message: `\`${lang} norun\` needs a reason: \`\`\`${lang} norun <why it cannot run>` });
      s = snippet(mode === "norun" ? (lang === "ts" ? "ts-norun" : "sh-norun") : (lang as "ts" | "sh"));
    } else {
      errors.push({
        where,
        message: info === ""
          ? "a code block without an info string: mark it ```ts, ```sh, ```text, or ```ts/sh norun <reason> (docs/doc-tests.md)"
          : `unknown code block kind \`${info}\`: use ts, sh, text, or ts/sh norun <reason> (docs/doc-tests.md)`,
      });
    }
    if (s) {
      out.push(s);
      last = s;
      lastEnd = j;
    }
    i = j;
  }
  return out;
}

/** The `@example`s of a source file's doc comments. */
export function exampleSnippets(file: string): Snippet[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const out: Snippet[] = [];
  const re = /\/\*\*[\s\S]*?\*\//g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const startLine = text.slice(0, m.index).split("\n").length;
    const lines = m[0].split("\n").map((l) => l.replace(/^\s*\/\*\*\s?/, "").replace(/\s*\*\/\s*$/, "").replace(/^\s*\* ?/, ""));
    for (let i = 0; i < lines.length; i++) {
      const tag = /^@example\b\s?(.*)$/.exec(lines[i]!);
      if (!tag) continue;
      const body: string[] = [];
      let first = i + 1; // index of the first body line
      if (tag[1]!.trim() !== "") {
        body.push(tag[1]!);
        first = i;
      }
      let j = i + 1;
      for (; j < lines.length && !/^@\w/.test(lines[j]!); j++) body.push(lines[j]!);
      // Drop a ```ts … ``` wrapper (kept as blank lines so line numbers stay).
      const code = body.map((l) => (/^\s*```/.test(l) ? "" : l)).join("\n").replace(/\s+$/, "") + "\n";
      const line = startLine + first;
      const nodeOnly = /^src\/(node|cli|sweep)\//.test(file) || file === "src/sweep.ts";
      out.push({
        where: `${file}:${line}`, file, line, origin: "example", kind: "ts",
        reason: nodeOnly ? "an example of src/node, src/cli or src/sweep: real I/O, type-checked only" : null,
        code, expected: null, module: join(ROOT, file),
      });
      i = j - 1;
    }
  }
  return out;
}

/** Every snippet of the repository, and the classification errors. */
export function allSnippets(): { snippets: Snippet[]; errors: DocError[] } {
  const errors: DocError[] = [];
  const snippets = [
    ...markdownFiles().flatMap((f) => markdownSnippets(f, errors)),
    ...sourceFiles().flatMap((f) => exampleSnippets(f)),
  ];
  return { snippets, errors };
}

// ---- TypeScript ------------------------------------------------------------

interface PackageJson {
  name: string;
  exports: Record<string, string | { default: string }>;
}

/** Package specifier → absolute path of its source entry (package.json `exports`, ./dist/X.js → src/X.ts). */
export function packageEntries(): Map<string, string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as PackageJson;
  const out = new Map<string, string>();
  for (const [sub, target] of Object.entries(pkg.exports)) {
    const file = typeof target === "string" ? target : target.default;
    if (!file.endsWith(".js")) continue;
    out.set(sub === "." ? pkg.name : `${pkg.name}/${sub.slice(2)}`, join(ROOT, file.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts")));
  }
  return out;
}

/** A snippet as a module: the text to type-check and the text to run (same lines). */
export interface Generated {
  snippet: Snippet;
  /** Virtual path of the module for the type check. */
  path: string;
  check: string;
  run: string;
  /** Lines added before the snippet's first line (0: everything added sits on line 1). */
  offset: number;
  /** The snippet declares what it is given (`declare const rb: RecvBuffer;`): type-checked only. */
  declares: boolean;
}

const IMPORTS_PACKAGE = /^\s*import\b[^;]*?\bfrom\s+["']sockstack(\/[\w-]+)?["']/m;
const ASSERT = `const __docAssert = (ok: unknown, where: string): void => { if (!ok) throw new Error(\`\${where}: the example's comparison is false\`); };`;

/**
 * Builds the module of each snippet. A fragment gets one first line of
 * imports (the package's exports, then its own module's, which win) and
 * the assertion helper; its own lines follow unchanged except that a
 * statement that is only a comparison is wrapped in an assertion.
 */
export function generate(snippets: readonly Snippet[], exportsOf: (file: string) => string[]): Generated[] {
  const entries = packageEntries();
  // Every name of every entry point, the first entry that has it wins (the root first).
  const pkgNames = new Map<string, string>();
  for (const [spec, file] of entries) for (const n of exportsOf(file)) if (!pkgNames.has(n)) pkgNames.set(n, spec);
  return snippets.filter((s) => s.kind === "ts" || s.kind === "ts-norun").map((s, i) => {
    // An example's module sits next to the module it documents, so its relative imports mean what they do there.
    const dir = s.module ? dirname(s.module) : join(ROOT, "test", "docs");
    const path = join(dir, `__doc_${i}_${s.line}.ts`);
    const body = assertComparisons(s.code, s.where);
    const sf = ts.createSourceFile("x.ts", s.code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
    const declares = sf.statements.some((st) => ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword));
    // At run time the module lives elsewhere: relative imports become file URLs of the sources.
    const runBody = body.replace(/(\bfrom\s+|\bimport\s*\(\s*)(["'])(\.{1,2}\/[^"']+)\2/g, (_m, pre: string, q: string, spec: string) =>
      `${pre}${q}${pathToFileURL(resolve(dir, spec.replace(/\.js$/, ".ts"))).href}${q}`);
    if (IMPORTS_PACKAGE.test(s.code)) {
      return { snippet: s, path, check: `${ASSERT} ${body}`, run: `${ASSERT} ${runBody}`, offset: 0, declares };
    }
    const own = s.module ? exportsOf(s.module) : [];
    const bySpec = new Map<string, string[]>();
    for (const [n, spec] of pkgNames) {
      if (own.includes(n)) continue;
      if (!bySpec.has(spec)) bySpec.set(spec, []);
      bySpec.get(spec)!.push(n);
    }
    const imports = (selfCheck: string, selfRun: string): string => [
      ...[...bySpec].map(([spec, names]) => `import { ${names.join(", ")} } from ${JSON.stringify(spec)};`),
      own.length ? `import { ${own.join(", ")} } from ${JSON.stringify(selfCheck === "" ? selfRun : selfCheck)};` : "",
      ASSERT,
    ].join(" ");
    const self = s.module ?? "";
    const checkSpec = self.replace(/\.ts$/, ".js");
    const runSpec = self ? pathToFileURL(self).href : "";
    return {
      snippet: s, path,
      check: `${imports(checkSpec, "")}\n${body}`,
      run: `${imports("", runSpec)}\n${runBody}`,
      offset: 1,
      declares,
    };
  });
}

/** Wraps each top-level statement that is only a comparison (`a === b;`) in `__docAssert(…)`, on the same lines. */
export function assertComparisons(code: string, where: string): string {
  const sf = ts.createSourceFile("x.ts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const cmp = new Set([ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken]);
  const edits: { start: number; end: number; text: string }[] = [];
  for (const st of sf.statements) {
    if (!ts.isExpressionStatement(st)) continue;
    const e = st.expression;
    if (!ts.isBinaryExpression(e) || !cmp.has(e.operatorToken.kind)) continue;
    const line = sf.getLineAndCharacterOfPosition(e.getStart(sf)).line;
    const at = where.replace(/:(\d+)$/, (_, n: string) => `:${Number(n) + line}`);
    edits.push({ start: e.getStart(sf), end: e.getEnd(), text: `__docAssert(${e.getText(sf)}, ${JSON.stringify(`${at}: ${e.getText(sf).replace(/\s+/g, " ")}`)})` });
  }
  let out = code;
  for (const ed of edits.reverse()) out = out.slice(0, ed.start) + ed.text + out.slice(ed.end);
  return out;
}

export interface CheckResult {
  errors: DocError[];
  /** Paths of generated modules that use a name of doc-context.ts (so cannot run). */
  usesContext: Set<string>;
}

/**
 * One TypeScript setup for the doc tests: the repository's tsconfig with
 * `sockstack[/x]` mapped to the source entries, and virtual files for the
 * generated modules.
 */
export class DocChecker {
  private readonly options: ts.CompilerOptions;
  private readonly virtual = new Map<string, string>();
  private readonly host: ts.CompilerHost;
  private first: ts.Program | null = null;

  constructor() {
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, "tsconfig.json"), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n")); },
    })!;
    const paths: Record<string, string[]> = {};
    for (const [spec, file] of packageEntries()) paths[spec] = [file];
    this.options = { ...config.options, noEmit: true, paths, verbatimModuleSyntax: false, isolatedModules: false, noUnusedLocals: false };
    const host = ts.createCompilerHost(this.options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, lang, onError, create) => {
      const v = this.virtual.get(name);
      return v !== undefined ? ts.createSourceFile(name, v, lang, true) : getSourceFile(name, lang, onError, create);
    };
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => this.virtual.has(name) || fileExists(name);
    const readFile = host.readFile.bind(host);
    host.readFile = (name) => this.virtual.get(name) ?? readFile(name);
    this.host = host;
  }

  /** The names (values and types) each of `files` exports. */
  exportNames(files: readonly string[]): (file: string) => string[] {
    const program = ts.createProgram([...files], this.options, this.host);
    this.first = program;
    const checker = program.getTypeChecker();
    const cache = new Map<string, string[]>();
    return (file) => {
      let names = cache.get(file);
      if (!names) {
        const sf = program.getSourceFile(file);
        const sym = sf && checker.getSymbolAtLocation(sf);
        names = sym ? checker.getExportsOfModule(sym).map((e) => e.getName()).filter((n) => n !== "default") : [];
        cache.set(file, names);
      }
      return names;
    };
  }

  /** Type-checks every generated module in one program. */
  check(gen: readonly Generated[]): CheckResult {
    for (const g of gen) this.virtual.set(g.path, g.check);
    const program = ts.createProgram([...this.virtual.keys(), CONTEXT_FILE], this.options, this.host, this.first ?? undefined);
    const checker = program.getTypeChecker();
    const errors: DocError[] = [];
    const usesContext = new Set<string>();
    for (const g of gen) {
      const sf = program.getSourceFile(g.path)!;
      for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
        const { line } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
        const at = line < g.offset ? g.snippet.where : `${g.snippet.file}:${g.snippet.line + line - g.offset}`;
        errors.push({ where: at, message: ts.flattenDiagnosticMessageText(d.messageText, "\n") });
      }
      const visit = (n: ts.Node): void => {
        if (ts.isIdentifier(n)) {
          const sym = checker.getSymbolAtLocation(n);
          if (sym?.declarations?.some((d) => d.getSourceFile().fileName === CONTEXT_FILE)) usesContext.add(g.path);
        }
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
    return { errors, usesContext };
  }
}
