/**
 * Every code block of the Markdown docs and every `@example` of a doc
 * comment, checked (the rules: docs/doc-tests.md, test/docs/doc-blocks.ts):
 * each block is classified, every TypeScript snippet type-checks against
 * the sources (`sockstack` resolves to src/ through the exports map), the
 * programs run and print what the ```text block after them says, the
 * fragments that need no context run with their comparisons asserted, and
 * every `sockstack …` shell line runs through the CLI.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  DocChecker, ROOT, allSnippets, generate, packageEntries, type DocError, type Generated, type Snippet,
} from "./doc-blocks.js";

const REGISTER = pathToFileURL(join(ROOT, "test", "docs", "register-src.mjs")).href;
const { snippets, errors: classifyErrors } = allSnippets();

function report(errors: readonly DocError[]): string {
  return errors.map((e) => `${e.where}: ${e.message}`).join("\n");
}

function runNode(file: string, cwd: string): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "--import", REGISTER, file], { cwd, encoding: "utf8", timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Runs `jobs` with at most `n` at a time. */
async function pool<T>(jobs: (() => Promise<T>)[], n: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  }));
  return out;
}

test("every code block is classified: ts, ts norun <reason>, sh, sh norun <reason> or text", () => {
  assert.equal(classifyErrors.length, 0, report(classifyErrors));
  assert.ok(snippets.some((s) => s.file === "README.md" && s.kind === "ts" && s.expected !== null), "the README's example and its output");
});

let generated: Generated[] = [];
let runnable: Generated[] = [];

test("every TypeScript block and @example type-checks", () => {
  const checker = new DocChecker();
  const modules = [...new Set([...packageEntries().values(), ...snippets.flatMap((s) => (s.module ? [s.module] : []))])];
  generated = generate(snippets, checker.exportNames(modules));
  const { errors, usesContext } = checker.check(generated);
  assert.equal(errors.length, 0, `${errors.length} type errors in doc code:\n${report(errors)}`);
  runnable = generated.filter((g) => g.snippet.kind === "ts" && g.snippet.reason === null && !usesContext.has(g.path) && !g.declares);
  // Each Markdown program (it imports the package) runs; a program that used a context name would fail to run.
  for (const g of generated) {
    if (g.snippet.origin === "md" && g.snippet.kind === "ts" && g.offset === 0) assert.ok(runnable.includes(g), `${g.snippet.where}: a program uses a name it does not import or declare`);
  }
});

test("the Markdown programs run and print what their ```text block says", async () => {
  assert.ok(generated.length > 0, "type-checked first");
  const programs = runnable.filter((g) => g.snippet.origin === "md");
  const dir = mkdtempSync(join(tmpdir(), "sockstack-docs-"));
  try {
    const failures = (await pool(programs.map((g, i) => async () => {
      const file = join(dir, `program-${i}.mts`);
      writeFileSync(file, g.run);
      const r = await runNode(file, ROOT);
      const where = g.snippet.where;
      if (r.status !== 0 || r.stderr !== "") return `${where}: exit ${r.status}\n${r.stderr}`;
      if (g.snippet.expected !== null && r.stdout !== g.snippet.expected) {
        return `${where}: prints\n${r.stdout}\ninstead of\n${g.snippet.expected}`;
      }
      return null;
    }), 3)).filter((f) => f !== null);
    assert.deepEqual(failures, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the fragments and @examples that need no context run, their comparisons hold", async () => {
  assert.ok(generated.length > 0, "type-checked first");
  const fragments = runnable.filter((g) => g.offset === 1);
  assert.ok(fragments.length >= 30, `only ${fragments.length} runnable fragments`);
  const dir = mkdtempSync(join(tmpdir(), "sockstack-examples-"));
  try {
    // One process runs them all, one after the other; what they print is kept, not shown.
    const files = fragments.map((g, i) => {
      const file = join(dir, `fragment-${i}.mts`);
      writeFileSync(file, g.run);
      return { where: g.snippet.where, url: pathToFileURL(file).href };
    });
    const driver = join(dir, "driver.mts");
    writeFileSync(driver, `
      const log = console.log;
      console.log = () => {};
      const failures: string[] = [];
      for (const f of ${JSON.stringify(files)}) {
        try { await import(f.url); } catch (e) { failures.push(f.where + ": " + (e instanceof Error ? e.message : String(e))); }
      }
      log(JSON.stringify(failures));
    `);
    const r = await runNode(driver, ROOT);
    assert.equal(r.stderr, "");
    assert.equal(r.status, 0);
    assert.deepEqual(JSON.parse(r.stdout), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Splits a shell line into words (quotes, backslashes); drops a trailing `# comment`. */
function shellWords(line: string): { words: string[]; comment: string } {
  const words: string[] = [];
  let cur: string | null = null;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      cur ??= "";
    } else if (c === "\\" && i + 1 < line.length) {
      cur = (cur ?? "") + line[++i];
    } else if (/\s/.test(c)) {
      if (cur !== null) words.push(cur);
      cur = null;
    } else if (c === "#" && cur === null) {
      return { words, comment: line.slice(i + 1) };
    } else {
      cur = (cur ?? "") + c;
    }
  }
  if (cur !== null) words.push(cur);
  return { words, comment: "" };
}

test("every `sockstack …` line of a sh block runs through the CLI with the exit status it shows", async () => {
  const { main } = await import("../../src/cli/main.js");
  const { captureIo } = await import("../../src/cli/io.js");
  const dir = mkdtempSync(join(tmpdir(), "sockstack-sh-"));
  const cwd = process.cwd();
  const failures: string[] = [];
  let ran = 0;
  try {
    process.chdir(dir);
    for (const s of snippets.filter((x) => x.kind === "sh")) {
      const lines = s.code.split("\n");
      for (let i = 0; i < lines.length; i++) {
        const { words, comment } = shellWords(lines[i]!);
        if (words.length === 0) continue;
        const where = `${s.file}:${s.line + i}`;
        const argv = words[0] === "npx" ? words.slice(1) : words;
        if (argv[0] !== "sockstack") {
          failures.push(`${where}: \`${lines[i]!.trim()}\` is not a sockstack command: mark the block \`sh norun <reason>\``);
          continue;
        }
        const want = Number(/\(exit (\d+)\)/.exec(comment)?.[1] ?? 0);
        const io = captureIo();
        let status: number;
        try {
          status = await main(argv.slice(1), io);
        } catch (e) {
          failures.push(`${where}: threw ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
          continue;
        }
        ran++;
        if (status !== want) failures.push(`${where}: exit ${status} (want ${want})\n${io.stderr.join("\n")}`);
      }
    }
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(failures, []);
  assert.ok(ran >= 20, `only ${ran} commands ran`);
});

  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const table = readme.slice(readme.indexOf("## Layers"), readme.indexOf("\n## ", readme.indexOf("## Layers") + 1));
  const rows = table.split("\n").filter((l) => l.startsWith("| [`src/") || l.startsWith("| `src/"));
  const order = rows.map((r) => [...r.split("|")[1]!.matchAll(/`src\/(\w+)`/g)].map((m) => m[1]!).sort());
test("the README's layer table lists src/ folders in eslint's layer order, each folder has a README", async () => {
  const eslintConfig = "../../eslint.config.js"; // plain JS: loaded at run time
  const { LAYERS } = (await import(eslintConfig)) as { LAYERS: string[][] };
  const layers = LAYERS.map((l) => [...l].sort());
  assert.deepEqual(order, layers, "README.md layer table vs eslint.config.js LAYERS");
  const folders = readdirSync(join(ROOT, "src")).filter((f) => statSync(join(ROOT, "src", f)).isDirectory());
  for (const f of folders) {
    assert.ok(statSync(join(ROOT, "src", f, "README.md"), { throwIfNoEntry: false })?.isFile(), `src/${f}/README.md`);
    assert.ok(layers.flat().includes(f), `src/${f} is in eslint's LAYERS`);
  }
});

/** For a reader of the test output: how the blocks were classified. */
test("doc blocks by kind", (t) => {
  const count = (f: (s: Snippet) => boolean): number => snippets.filter(f).length;
  t.diagnostic(`Markdown: ${count((s) => s.origin === "md" && s.kind === "ts")} ts, ${count((s) => s.kind === "ts-norun")} ts norun, ${count((s) => s.kind === "sh")} sh, ${count((s) => s.kind === "sh-norun")} sh norun, ${count((s) => s.kind === "text")} text`);
  t.diagnostic(`@example: ${count((s) => s.origin === "example")}, run: ${runnable.filter((g) => g.snippet.origin === "example").length}`);
});
