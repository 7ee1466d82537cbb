// The lab's program runner: loop instrumentation (lines and meaning kept),
// the scanner's errors, syntax and runtime errors with their line, the
// loop budget, the ambient clock refused, Math.random seeded; TypeScript
// through the chunk (lines kept, errors at line:column).
import { test } from "node:test";
import assert from "node:assert/strict";
import { compileProgram, instrumentLoops, LOOP_BUDGET, ProgramError, programJavaScript, scanTokens } from "./program.js";
import { LabSession } from "./session.js";

test("instrumentLoops puts the check in every while, do-while and for(;;) condition, on the loop's line", () => {
  assert.equal(instrumentLoops("for (;;) x++;"), "for (;__loop(1);) x++;");
  assert.equal(instrumentLoops("while (a < b) {}"), "while (__loop(1) && (a < b)) {}");
  assert.equal(instrumentLoops("do {\n  i++;\n} while (i < 3);"), "do {\n  i++;\n} while (__loop(3) && (i < 3));");
  assert.equal(instrumentLoops("for (let i = 0; i < f(1, 2); i++) {}"), "for (let i = 0;__loop(1) && ( i < f(1, 2)); i++) {}");
  assert.equal(instrumentLoops("for (const x of xs) {}\nfor (const k in o) {}"), "for (const x of xs) {}\nfor (const k in o) {}", "for-of and for-in: unchanged");
  assert.equal(instrumentLoops("o.while(1); o?.for(2);"), "o.while(1); o?.for(2);", "properties named while/for");
  // Strings, comments, templates and regexes are not code.
  const quiet = "const s = 'while (x)'; // for (;;)\n/* while (1) */ const t = `for (;;) ${'while'}`; const r = /while (x)/g;";
  assert.equal(instrumentLoops(quiet), quiet);
  assert.equal(instrumentLoops("const t = `${(() => { while (a) {} })()}`;"), "const t = `${(() => { while (__loop(1) && (a)) {} })()}`;", "code inside a template's ${}");
  assert.equal(instrumentLoops("x = a / b; while (c) {}"), "x = a / b; while (__loop(1) && (c)) {}", "division is not a regex");
});

test("scanTokens: an unterminated string, comment, template or regex is a syntax error with its line", () => {
  for (const [src, line, what] of [["a;\n'abc", 2, "string"], ["a;\n\n/* x", 3, "comment"], ["`abc\n\n", 1, "template literal"], ["x = /ab\n", 1, "regular expression"]] as const) {
    assert.throws(() => scanTokens(src), (e: unknown) => e instanceof ProgramError && e.line === line && e.message === `line ${line}: SyntaxError: unterminated ${what}`, src);
  }
});

test("compileProgram: a syntax error names its line (the first prefix failing the same way), or the last line for an error at the end of the input", () => {
  const err = (src: string) => { try { compileProgram(src); } catch (e) { return e as ProgramError; } assert.fail("compiled"); };
  assert.equal(err("const a = 1;\nlet b = ;\nconst c = 2;").message, "line 2: SyntaxError: Unexpected token ';'");
  assert.equal(err("let a = 1;\nlet b = 2;\nlet a = 3;").line, 3);
  const open = err("if (x) {\n  y();\n");
  assert.equal(open.line, 1, "the block left open: the first prefix that fails as the whole does");
  assert.equal(typeof compileProgram("const ms = 5; // the program may shadow a name in scope"), "function");
});

test("a program: runtime errors on the process's stderr with the line; the loop budget stops an infinite loop; ambient time refused; Math.random seeded", async () => {
  const run = async (program: string) => {
    const s = new LabSession(7, { program });
    await s.advanceTo(Infinity);
    return s;
  };
  let s = await run("clientHost.spawn('c', async (p) => {\n  const fd = p.socket('AF_INET', 'SOCK_STREAM');\n  await p.connect(fd, ['10.0.0.2', 1]);\n});\n");
  assert.equal(s.processes()[0]!.output, "c[1000]: line 3: connect: Connection refused\n");
  assert.ok(s.error instanceof ProgramError);

  s = await run("clientHost.spawn('spin', () => {\n  for (let i = 0; ; i++) {}\n});\n");
  assert.equal(s.processes()[0]!.output, `spin[1000]: line 2: a loop ran ${LOOP_BUDGET.toLocaleString("en-US")} times at t = 0.000 ms without virtual time moving (an infinite loop?): stopped\n`);
  assert.equal(s.processes()[0]!.exitCode, 1);

  s = await run("serverHost.spawn('counter', async (p) => {\n  let n = 0;\n  while (n < 3 * 10_000_000) { n++; if (n % 1_000_000 === 0) await net.sleep(ms(1)); }\n  await p.write(1, `${n}\\n`);\n}, { daemon: true });\n");
  assert.equal(s.processes()[0]!.output, "30000000\n", "a long loop whose clock moves is not stopped");

  s = await run("const t = Date.now();\n");
  assert.equal(String(s.error), "ProgramError: line 1: Date is not available: the simulation runs on virtual time (use await net.sleep(ms(100)) or p.poll([], 100), and net.now())");

  const rand = async () => (await run("clientHost.spawn('r', (p) => p.write(1, String(Math.random())));\n")).processes()[0]!.output;
  const a = await rand();
  assert.match(a, /^0\.\d+$/);
  assert.equal(await rand(), a, "the network's seeded generator");
  assert.equal(Math.PI, (await run("if (Math.PI !== 3.141592653589793) throw new Error('no Math');\n")).error === null ? Math.PI : 0, "the rest of Math is there");
});

test("TypeScript: refused with the reason where no page can serve the chunk; once loaded, types stripped line for line, syntax errors at line:column, runtime lines the TypeScript's", async () => {
  const g = globalThis as { sockstackLabTs?: unknown };
  if (g.sockstackLabTs === undefined) {
    // Node has no page: no lab-ts.js to import.
    await assert.rejects(programJavaScript("const n: number = 1;", "ts"), (e: unknown) => e instanceof ProgramError && /^TypeScript is not available here: no page to load lab-ts\.js from/.test(e.message));
    const s = new LabSession(0, { program: "const n: number = 1;", language: "ts" });
    await s.advanceTo(Infinity);
    assert.ok(s.error instanceof ProgramError && /TypeScript is not available here/.test(s.error.message), "the session fails with that reason");
  }
  await import("./ts-chunk.js"); // what lab-ts.js runs: publishes globalThis.sockstackLabTs
  assert.equal(await programJavaScript("let x = 1 as number;", "js"), "let x = 1 as number;", "JavaScript: as it is (no transform)");
  const src = "enum Dir { In, Out }\nconst d: Dir = Dir.Out;\nfunction f<T>(x: T): T { return x; }\nclass A { constructor(private readonly n: number) {} }\n";
  const js = await programJavaScript(src, "ts");
  assert.equal(js.split("\n").length, src.split("\n").length, `the lines kept:\n${js}`);
  assert.doesNotMatch(js, /: Dir|<T>|: T\b|private readonly/, js);
  await assert.rejects(programJavaScript("const a = 1;\nconst b: = 2;\n", "ts"), (e: unknown) => e instanceof ProgramError && e.line === 2 && e.column === 10 && e.message === "line 2:10: SyntaxError: Unexpected token");
  const s = new LabSession(7, { program: "interface P { port: number }\nconst where: P = { port: 1 };\nclientHost.spawn('c', async (p: Process) => {\n  const fd: number = p.socket('AF_INET', 'SOCK_STREAM');\n  await p.connect(fd, ['10.0.0.2', where.port]);\n});\n", language: "ts" });
  await s.advanceTo(Infinity);
  assert.equal(s.processes()[0]!.output, "c[1000]: line 5: connect: Connection refused\n", "the TypeScript's line");
  // `import type` is dropped (the names are only types); a value import is the engine's error at its line.
  const typed = new LabSession(0, { program: 'import type { Process } from "sockstack";\nclientHost.spawn("c", async (p: Process) => { await p.write(1, "ok\\n"); });\n', language: "ts" });
  await typed.advanceTo(Infinity);
  assert.equal(typed.error, null, "import type: dropped");
  assert.equal(typed.processes()[0]!.output, "ok\n");
  const imported = new LabSession(0, { program: 'import { ms } from "sockstack";\nconst a = ms(1);\n', language: "ts" });
  await imported.advanceTo(Infinity);
  assert.equal(String(imported.error), "ProgramError: line 1: SyntaxError: Cannot use import statement outside a module");
});
