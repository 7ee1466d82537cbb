// The core's own tests, run in a real browser: a representative part of
// the library's test suite (core, wire, sim, the TCP pieces, UDP, and TCP
// end to end on the simulated network) is bundled by esbuild for the
// browser — `node:test` and `node:assert/strict` replaced by the small
// stand-ins of test/browser/, every other Node built-in refused — loaded
// into headless Chromium (Debian's chromium-headless-shell or chromium,
// through playwright-core) and run there. Every test must pass, and as many
// must run as the files declare: the proof that the core runs in a browser.
// Files that need Node (a Node built-in anywhere in their imports, or a
// Node global such as Buffer or setImmediate) cannot run there: they are
// excluded, each with its reason, and the test checks the reasons. Skipped
// when no Chromium is installed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BrowserTestResult } from "../../test/browser/node-test.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SHIM_TEST = resolve(ROOT, "test/browser/node-test.ts");
const SHIM_ASSERT = resolve(ROOT, "test/browser/assert.ts");

/**
 * The files offered to the browser: the core's own unit tests and TCP end
 * to end (the lecture, ping-pong, closing). src/tcp/tcb-fields.test.ts
 * (reads and writes files) and src/core/siphash.test.ts (Buffer) are in the
 * list to show that files needing Node are refused, with the reason.
 * src/tcp/send-buffer.test.ts is left out for time alone: its model check
 * pushes 4.3 GiB through a send buffer, 8× slower in Chromium than in Node
 * (1.7 s against 0.2 s per 256 MiB measured here: byte copies), which
 * would take this test past its half-minute budget.
 */
const CANDIDATES = [
  "src/core/core.test.ts", "src/core/fifo.test.ts", "src/core/scheduler.test.ts", "src/core/siphash.test.ts",
  "src/wire/checksum.test.ts", "src/wire/codecs.test.ts", "src/wire/golden.test.ts", "src/wire/tcp.test.ts",
  "src/sim/link.test.ts", "src/sim/network.test.ts", "src/sim/shared-segment.test.ts", "src/sim/switch.test.ts",
  "src/tcp/isn.test.ts", "src/tcp/ooo-queue.test.ts", "src/tcp/recv-buffer.test.ts", "src/tcp/recv-window.test.ts",
  "src/tcp/rtt.test.ts", "src/tcp/sack-scoreboard.test.ts", "src/tcp/syncookie.test.ts",
  "src/tcp/tcb.test.ts", "src/tcp/tcb-fields.test.ts",
  "src/udp/udp.test.ts",
  "test/tcp/lecture.test.ts", "test/tcp/pingpong.test.ts", "test/tcp/closing.test.ts",
];

/** Node globals a browser lacks, as the test files would use them. */
const NODE_GLOBAL = /\b(Buffer\.|process\.(env|argv|exit|nextTick|hrtime|memoryUsage|cwd|on)\b|setImmediate\(|require\(|__dirname|__filename)/;

const BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith("_")));
const isBuiltin = (p: string) => p.startsWith("node:") || BUILTINS.has(p.split("/")[0]!);

const CHROMIUM = [process.env.SOCKSTACK_CHROMIUM, "/usr/bin/chromium-headless-shell", "/usr/bin/chromium"].find((p) => p && existsSync(p));
const skip = CHROMIUM ? false : "no Chromium (apt-get install chromium-headless-shell, or set SOCKSTACK_CHROMIUM)";

/** The candidates that cannot run in a browser, with why: a Node built-in imported somewhere below them, or a Node global used. */
async function excluded(esbuild: typeof import("esbuild")): Promise<Map<string, string>> {
  const r = await esbuild.build({
    stdin: { contents: CANDIDATES.map((f) => `import ${JSON.stringify(`./${f}`)};`).join("\n"), resolveDir: ROOT, loader: "ts" },
    bundle: true, write: false, metafile: true, logLevel: "silent", platform: "browser", format: "esm",
    plugins: [{
      name: "note-builtins",
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (a) => (isBuiltin(a.path) && a.path !== "node:test" && !a.path.startsWith("node:assert") ? { path: a.path, namespace: "node-builtin" } : undefined));
        b.onResolve({ filter: /^node:(test|assert)/ }, (a) => ({ path: a.path, namespace: "node-builtin-shimmed" }));
        b.onLoad({ filter: /.*/, namespace: "node-builtin" }, () => ({ contents: "" }));
        b.onLoad({ filter: /.*/, namespace: "node-builtin-shimmed" }, () => ({ contents: "" }));
      },
    }],
  });
  const inputs = r.metafile!.inputs;
  const why = new Map<string, string>();
  for (const f of CANDIDATES) {
    const seen = new Set<string>();
    const stack = [f];
    while (stack.length) {
      const p = stack.pop()!;
      if (seen.has(p)) continue;
      seen.add(p);
      for (const i of inputs[p]?.imports ?? []) stack.push(i.path);
    }
    const builtins = [...seen].filter((p) => p.startsWith("node-builtin:")).map((p) => `'${p.slice("node-builtin:".length)}'`).sort();
    if (builtins.length) {
      why.set(f, `imports the Node built-in${builtins.length > 1 ? "s" : ""} ${builtins.join(", ")}`);
      continue;
    }
    for (const p of [...seen].filter((q) => !q.includes(":"))) {
      const m = NODE_GLOBAL.exec(readFileSync(resolve(ROOT, p), "utf8"));
      if (!m) continue;
      why.set(f, `${p === f ? "uses" : `imports ${p}, which uses`} the Node global '${m[1]!.replace(/[.(]$/, "")}'`);
      break;
    }
  }
  return why;
}

/** The browser bundle of the runnable candidates: an IIFE that publishes `globalThis.sockstackCoreTests`. */
async function bundle(esbuild: typeof import("esbuild"), files: string[]): Promise<string> {
  const entry = [
    `import { runRegisteredTests, registeredTests } from ${JSON.stringify(SHIM_TEST)};`,
    ...files.map((f) => `import ${JSON.stringify(`./${f}`)};`),
    "globalThis.sockstackCoreTests = { run: runRegisteredTests, registered: registeredTests };",
  ].join("\n");
  const abs = new Map(files.map((f) => [resolve(ROOT, f), f]));
  const r = await esbuild.build({
    stdin: { contents: entry, resolveDir: ROOT, loader: "ts" },
    bundle: true, write: false, logLevel: "silent", platform: "browser", format: "iife", target: "es2022",
    plugins: [{
      name: "browser-node-test",
      setup(b) {
        b.onResolve({ filter: /^node:test$/ }, () => ({ path: SHIM_TEST }));
        b.onResolve({ filter: /^node:assert(\/strict)?$/ }, () => ({ path: SHIM_ASSERT }));
        b.onResolve({ filter: /^[^./]/ }, (a) => (isBuiltin(a.path)
          ? { errors: [{ text: `Node built-in '${a.path}' imported by ${a.importer}: cannot run in a browser` }] }
          : undefined));
        // Each test file names itself to the stand-in before its tests register.
        b.onLoad({ filter: /\.test\.ts$/ }, (a) => {
          const rel = abs.get(a.path);
          if (rel === undefined) return undefined;
          const src = readFileSync(a.path, "utf8");
          return { contents: `import { enterFile as __enterFile } from ${JSON.stringify(SHIM_TEST)};\n__enterFile(${JSON.stringify(rel)});\n${src}`, loader: "ts", resolveDir: resolve(a.path, "..") };
        });
      },
    }],
  });
  return r.outputFiles[0]!.text;
}

/** How many tests a file declares: its top-level `test(`, `test.skip(`, `test.todo(` and `it(` calls. */
function declaredTests(file: string): number {
  return readFileSync(resolve(ROOT, file), "utf8").match(/^(test|it)(\.skip|\.todo)?\(/gm)?.length ?? 0;
}

test("in Chromium: the core's own tests run in the page and pass", { skip, timeout: 120_000 }, async (t) => {
  const esbuild = await import("esbuild");
  const why = await excluded(esbuild);
  assert.deepEqual([...why].sort(), [
    ["src/core/siphash.test.ts", "uses the Node global 'Buffer'"],
    ["src/tcp/tcb-fields.test.ts", "imports the Node built-ins 'node:fs', 'node:url'"],
  ], "exactly the files that need Node are excluded, each with its reason");
  for (const [f, reason] of why) t.diagnostic(`excluded ${f}: ${reason}`);
  const files = CANDIDATES.filter((f) => !why.has(f));
  const js = await bundle(esbuild, files);
  assert.doesNotMatch(js, /\brequire\(|from ?"node:/, "no Node module left in the bundle");

  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM!, args: ["--no-sandbox"], timeout: 30_000 });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto("about:blank");
    await page.addScriptTag({ content: js });
    const t0 = performance.now();
    const results = await page.evaluate(() => (globalThis as unknown as { sockstackCoreTests: { run(): Promise<BrowserTestResult[]> } }).sockstackCoreTests.run());
    const wall = performance.now() - t0;
    const failed = results.filter((r) => r.status !== "pass");
    assert.deepEqual(failed.map((r) => `${r.file}: ${r.name}: ${r.status} ${r.detail ?? ""}`), [], "every test passes in the browser");
    for (const f of files) {
      const ran = results.filter((r) => r.file === f).length;
      assert.equal(ran, declaredTests(f), `${f}: ${ran} tests ran, the file declares ${declaredTests(f)}`);
    }
    const declared = files.reduce((n, f) => n + declaredTests(f), 0);
    assert.equal(results.length, declared);
    assert.ok(results.length >= 150, `${results.length} tests`);
    assert.deepEqual(errors, []);
    t.diagnostic(`${results.length} tests from ${files.length} files passed in ${CHROMIUM} in ${(wall / 1000).toFixed(1)} s (${relative(ROOT, SHIM_TEST)} as node:test)`);
  } finally {
    await browser.close();
  }
});
