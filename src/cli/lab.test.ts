// sockstack lab: the browser bundle (no Node built-ins, size budget), the
// TypeScript chunk (its budget, run in a bare context: a TypeScript
// program's packets), the
// bundled lecture run in a bare JavaScript context with no Node globals
// (same packets as `sockstack demo lecture`), the page's script driving a
// stand-in DOM, `lab --build`, the local server, bad flags.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import vm from "node:vm";
import { captureIo } from "./io.js";
import { browserCommand, buildLabBundle, buildLabTsChunk, labCommand, startLabServer, type BrowserCommand } from "./lab.js";
import { main } from "./main.js";
import { LAB_CSS, LAB_HTML } from "../lab/page.js";

/** The bundle's size budget (bytes, minified; docs/lab.md states it). */
const BUNDLE_BUDGET = 850_000;

/** The TypeScript chunk's budget (bytes, minified; sucrase 3.35.1 is ~221 KB; docs/lab.md states it). */
const TS_CHUNK_BUDGET = 260_000;

let js = "";
let tsChunk = "";
const dir = mkdtempSync(join(tmpdir(), "sockstack-lab-"));
before(async () => {
  [js, tsChunk] = await Promise.all([buildLabBundle(), buildLabTsChunk()]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The tcpdump lines `sockstack demo lecture --json --seed N` reports as packet events. */
async function demoLines(seed: number): Promise<string[]> {
  const io = captureIo();
  assert.equal(await main(["demo", "lecture", "--json", "--seed", String(seed)], io), 0);
  const doc = JSON.parse(io.stdout.join("\n")) as { events: { kind: string; line?: string }[] };
  return doc.events.filter((e) => e.kind === "packet").map((e) => e.line!);
}

/**
 * A context with the JavaScript built-ins and the few web APIs the lab uses
 * (TextEncoder/TextDecoder, MessageChannel — every browser has them), and
 * none of Node's globals.
 */
function browserLikeContext(extra: Record<string, unknown> = {}): vm.Context {
  const ctx = vm.createContext({ TextEncoder, TextDecoder, MessageChannel, ...extra });
  for (const g of ["process", "require", "Buffer", "setImmediate", "global", "module"]) {
    assert.equal(vm.runInContext(`typeof ${g}`, ctx), "undefined", g);
  }
  vm.runInContext(js, ctx, { filename: "lab.js" });
  return ctx;
}

/** Awaits `p` while keeping Node's loop alive (the sim yields through unref'd MessagePorts). */
async function keepAlive<T>(p: Promise<T>): Promise<T> {
  const timer = setInterval(() => {}, 1000);
  try {
    return await p;
  } finally {
    clearInterval(timer);
  }
}

test("the bundle has no Node built-in, no import or require, and stays under budget", () => {
  assert.ok(js.length > 10_000, "bundle built");
  assert.ok(js.length < BUNDLE_BUDGET, `bundle ${js.length} bytes, budget ${BUNDLE_BUDGET}`);
  assert.doesNotMatch(js, /["'`]node:[a-z_/]+["'`]/, "a node: specifier");
  assert.doesNotMatch(js, /\brequire\s*\(/, "require()");
  assert.doesNotMatch(js, /\bimport\s*["'{*]|\bimport\.meta\b/, "an import statement left in the bundle");
  assert.equal(js.match(/\bimport\s*\(/g)?.length, 1, "one dynamic import(): the TypeScript chunk's, on first use");
});

test("the TypeScript chunk: its own file under its budget, no Node built-in; in a bare context it strips types line for line and runs a TypeScript program", async () => {
  assert.ok(tsChunk.length > 50_000 && tsChunk.length < TS_CHUNK_BUDGET, `chunk ${tsChunk.length} bytes, budget ${TS_CHUNK_BUDGET}`);
  assert.ok(!/["'`]node:[a-z_/]+["'`]/.test(tsChunk), "a node: specifier in the chunk");
  assert.ok(!js.includes("sucrase") && !js.includes("ts-interface-checker"), "the transform is not in lab.js");
  const ctx = browserLikeContext();
  vm.runInContext(tsChunk, ctx, { filename: "lab-ts.js" }); // a plain script (no import or export statement), as lab.js
  const src = "const n: number = 1;\nfunction f(p: Process): Promise<void> {\n  return p as any;\n}\n";
  const out = vm.runInContext(`sockstackLabTs.toJavaScript(${JSON.stringify(src)})`, ctx) as string;
  assert.equal(out.split("\n").length, src.split("\n").length, `lines kept: ${out}`);
  assert.doesNotMatch(out, /: number|: Process|as any/, out);
  const program = "const dec = new TextDecoder();\nserverHost.spawn('s', async (p: Process) => {\n  const fd: number = p.socket('AF_INET', 'SOCK_DGRAM');\n  p.bind(fd, ['0.0.0.0', 7]);\n  const { data } = await p.recvfrom(fd, 100);\n  await p.write(1, `got ${dec.decode(data as Uint8Array)}\\n`);\n}, { daemon: true });\nclientHost.spawn('c', async (p: Process) => {\n  const fd = p.socket('AF_INET', 'SOCK_DGRAM');\n  await p.sendto(fd, 'hi', 0, ['10.0.0.2', 7]);\n});\n";
  ctx.program = program;
  const res = await keepAlive(vm.runInContext(`(async () => { const s = new sockstackLab.LabSession(0, { program, language: "ts" }); await s.advanceTo(Infinity); return { error: s.error && String(s.error), lines: s.tcpdumpLines(), screens: s.processes().map((p) => p.output) }; })()`, ctx) as Promise<{ error: string | null; lines: string[]; screens: string[] }>);
  assert.equal(res.error, null, "the TypeScript program ran");
  assert.match(res.lines.join("\n"), /IP 10\.0\.0\.1\.\d+ > 10\.0\.0\.2\.7: UDP, length 2/, res.lines.join("\n"));
  assert.deepEqual([...res.screens].filter((x) => x !== ""), ["got hi\n"], "the server got the datagram");
  // A syntax error of the transform: its line and column.
  ctx.bad = "const a = 1;\nlet y: number = ;\n";
  const err = await keepAlive(vm.runInContext(`(async () => { const s = new sockstackLab.LabSession(0, { program: bad, language: "ts" }); await s.advanceTo(Infinity); return String(s.error); })()`, ctx) as Promise<string>);
  assert.equal(err, "ProgramError: line 2:17: SyntaxError: Unexpected token");
});

test("the bundle build fails when a module imports a Node built-in", async () => {
  for (const spec of ["node:fs", "fs", "node:crypto"]) {
    const entry = join(dir, `uses-${spec.replace(":", "-")}.ts`);
    writeFileSync(entry, `import * as m from "${spec}";\nexport const x = m;\n`);
    await assert.rejects(buildLabBundle(entry), new RegExp(`Node built-in '${spec}'`));
  }
});

test("the bundled lecture runs with no Node globals and prints the demo's packets", async () => {
  const ctx = browserLikeContext();
  for (const seed of [0, 1]) {
    const lines = await keepAlive(vm.runInContext(`sockstackLab.runScenarioHeadless(${seed}, "lecture")`, ctx) as Promise<string[]>);
    const expected = await demoLines(seed);
    assert.ok(expected.length >= 20, `seed ${seed}: ${expected.length} packets`);
    assert.deepEqual([...lines], expected, `seed ${seed}`);
  }
});

/** A stand-in for the page's DOM: the elements ui.ts looks up, listeners, frames on demand. */
function fakePage() {
  const ids = [...LAB_HTML.matchAll(/id="([\w-]+)"/g)].map((m) => m[1]!);
  type Listener = (ev?: { target: { getAttribute(n: string): string | null } }) => void;
  const els = new Map<string, { textContent: string | null; innerHTML: string; value: string; disabled: boolean; listeners: Map<string, Listener>; addEventListener(t: string, f: Listener): void }>();
  for (const id of ids) {
    const el = {
      textContent: "" as string | null, innerHTML: "", value: "", disabled: false, listeners: new Map<string, Listener>(),
      addEventListener(t: string, f: Listener) { this.listeners.set(t, f); },
    };
    els.set(id, el);
  }
  els.get("speed")!.value = "4";
  els.get("seed")!.value = "0";
  const frames: ((now: number) => void)[] = [];
  const document = { getElementById: (id: string) => els.get(id) ?? null };
  return { els, frames, document, requestAnimationFrame: (cb: (now: number) => void) => void frames.push(cb) };
}

const macrotask = () => new Promise<void>((r) => setImmediate(r));

test("the page script draws the lecture and plays, steps and resets it", async () => {
  const page = fakePage();
  const { els } = page;
  browserLikeContext({ document: page.document, requestAnimationFrame: page.requestAnimationFrame });
  const unhtml = (h: string) => h.replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
  /** An element's text; the per-host panes (`ss-server`) are drawn inside their container's HTML. */
  const text = (id: string) => {
    const host = /^ss-(.+)$/.exec(id);
    if (host) return unhtml(new RegExp(`<pre id="ss-${host[1]}">([\\s\\S]*?)</pre>`).exec(els.get("ss")!.innerHTML)?.[1] ?? "");
    return id === "tcpdump" ? unhtml(els.get(id)!.innerHTML) : els.get(id)!.textContent ?? "";
  };
  assert.match(text("clock"), /t = 0\.000 s/);
  for (let k = 0; k < 50 && !/LISTEN/.test(text("ss-server")); k++) await keepAlive(macrotask());
  assert.match(text("ss-server"), /LISTEN\s+0\s+2\s+0\.0\.0\.0:9090\s+0\.0\.0\.0:\*\s+users:\(\("server",pid=1000,fd=3\)\)/, "t = 0: the server listens (A1)");
  assert.match(els.get("topology")!.innerHTML, /client[\s\S]*eth0 10\.0\.0\.1\/24[\s\S]*server[\s\S]*eth0 10\.0\.0\.2\/24[\s\S]*50 µs/);

  // Play at 4×: frames of 100 ms real time are 400 ms of virtual time.
  els.get("play")!.listeners.get("click")!();
  let now = 0;
  for (let i = 0; i < 200 && !/t = 2\.\d+ s/.test(text("clock")); i++) {
    const cbs = page.frames.splice(0);
    for (const cb of cbs) cb((now += 100));
    for (let k = 0; k < 20; k++) await keepAlive(macrotask());
  }
  els.get("play")!.listeners.get("click")!(); // pause
  assert.match(text("clock"), /t = 2\.\d+ s/);
  assert.match(text("ss-server"), /LISTEN\s+3\s+2\s+0\.0\.0\.0:9090/, "accept queue full: backlog 2 + 1 (B2)");
  assert.match(text("ss-server"), /ESTAB\s+4\s+0\s+10\.0\.0\.2:9090/, "Recv-Q 4 on a connection nobody accepted (A3)");
  assert.match(text("ss-client"), /SYN-SENT/, "the fourth client (B2)");
  assert.match(els.get("ladder")!.innerHTML, /<svg[\s\S]*class="drop"[\s\S]*accept queue full/, "the fourth client's SYNs dropped by the full accept queue, in the ladder");
  const shown = text("tcpdump").split("\n");
  const demo = await demoLines(0);
  assert.deepEqual(shown, demo.slice(0, shown.length));

  // Step: exactly one more packet.
  els.get("step")!.listeners.get("click")!();
  for (let k = 0; k < 200 && text("tcpdump").split("\n").length === shown.length; k++) await keepAlive(macrotask());
  assert.deepEqual(text("tcpdump").split("\n"), demo.slice(0, shown.length + 1));

  // Reset with another seed starts over.
  els.get("seed")!.value = "1";
  els.get("reset")!.listeners.get("click")!();
  assert.match(text("clock"), /t = 0\.000 s/);
  assert.equal(text("tcpdump"), "");
  for (let k = 0; k < 50 && !/LISTEN/.test(text("ss-server")); k++) await keepAlive(macrotask());
  assert.match(text("ss-client"), /^State.*\n$/, "no client socket at t = 0");
  assert.match(text("status"), /seed 1 /);
});

test("sockstack lab --build DIR writes the page, which loads nothing from the network", async () => {
  const out = join(dir, "site");
  const io = captureIo();
  assert.equal(await main(["lab", "--build", out], io), 0);
  assert.deepEqual(io.stdout, [`sockstack lab: wrote index.html, lab.js, lab.css, lab-ts.js to ${out}`]);
  for (const f of ["index.html", "lab.js", "lab.css", "lab-ts.js"]) assert.ok(existsSync(join(out, f)), f);
  const html = readFileSync(join(out, "index.html"), "utf8");
  assert.equal(html, LAB_HTML);
  assert.match(html, /<script type="module" src="lab\.js"><\/script>/);
  assert.match(html, /<link rel="stylesheet" href="lab\.css">/);
  for (const text of [html, LAB_CSS]) assert.doesNotMatch(text, /https?:|\/\/[a-z]|@import|@font-face/i);
  assert.equal(readFileSync(join(out, "lab.js"), "utf8"), js, "the same bundle every build");
  assert.equal(readFileSync(join(out, "lab-ts.js"), "utf8"), tsChunk, "the TypeScript chunk beside it");
});

test("the lab server serves the page on 127.0.0.1", async () => {
  const srv = await startLabServer(new Map([["index.html", LAB_HTML], ["lab.js", js], ["lab.css", LAB_CSS]]), 0);
  try {
    assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    let r = await fetch(srv.url);
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type")!, /^text\/html/);
    assert.equal(await r.text(), LAB_HTML);
    r = await fetch(srv.url + "lab.js");
    assert.match(r.headers.get("content-type")!, /^text\/javascript/);
    assert.equal((await r.text()).length, js.length);
    r = await fetch(srv.url + "nope.js");
    assert.equal(r.status, 404);
    await r.text();
    r = await fetch(srv.url, { method: "POST", body: "x" });
    assert.equal(r.status, 405);
    await r.text();
  } finally {
    await srv.close();
  }
});

test("sockstack lab: bad flags print one line and the usage", async () => {
  const cases: [string[], RegExp][] = [
    [["--port", "x"], /^sockstack lab: .*'x' is not a number/],
    [["--port", "70000"], /^sockstack lab: .*70000/],
    [["--bogus"], /^sockstack lab: .*--bogus/],
    [["--build", join(dir, "x"), "--port", "1"], /^sockstack lab: --build writes files and serves nothing: drop --port$/],
    [["extra"], /^sockstack lab: unexpected argument 'extra'$/],
    [["--build", join(dir, "x"), "--open"], /^sockstack lab: --build writes files and serves nothing: drop --open$/],
  ];
  for (const [args, re] of cases) {
    const io = captureIo();
    assert.equal(await main(["lab", ...args], io), 2, args.join(" "));
    assert.equal(io.stderr.length, 2, args.join(" "));
    assert.match(io.stderr[0]!, re);
    assert.equal(io.stderr[1], "usage: sockstack lab [--port N] [--open] | sockstack lab --build DIR");
    assert.deepEqual(io.stdout, []);
  }
  const io = captureIo();
  assert.equal(await main(["lab", "--help"], io), 0);
  assert.match(io.stdout[0]!, /^usage: sockstack lab/);
});

test("a lab session's actions (link changes, partition, kill, reboot) replay from its timeline to the same packets", async () => {
  const { LabSession } = await import("../lab/session.js");
  const a = new LabSession(3);
  await a.advanceTo(900_000);
  await a.act({ kind: "configure", impairments: { loss: 0.3, jitterUs: 2000 } });
  await a.advanceTo(2_000_000);
  await a.act({ kind: "partition" });
  assert.ok(a.partitioned(), "every link partitioned");
  await a.advanceTo(3_000_000);
  await a.act({ kind: "heal" });
  await a.advanceTo(5_200_000);
  await a.act({ kind: "kill", host: "server" });
  assert.equal(a.hosts.get("server")!.processes.size, 0, "kill -9: no process left on the server");
  await a.advanceTo(5_500_000);
  const oldClient = a.hosts.get("client")!;
  await a.act({ kind: "reboot", host: "client" });
  assert.notEqual(a.hosts.get("client"), oldClient, "a rebooted host is a new kernel");
  assert.deepEqual(a.sockets("client"), [], "no socket after the reboot");
  await a.advanceTo(Infinity);
  assert.ok(a.done && a.error === null);
  assert.deepEqual(a.timeline.map((x) => [x.t, x.action.kind]), [
    [900_000, "configure"], [2_000_000, "partition"], [3_000_000, "heal"], [5_200_000, "kill"], [5_500_000, "reboot"],
  ]);
  assert.ok(a.packets().some((p) => p.fields.tcp?.flags.includes("R")), "the server's death resets its connections");

  const b = new LabSession(3, { timeline: a.timeline });
  let steps = 0;
  while (await b.stepPacket()) steps++;
  assert.ok(steps > 0 && steps <= a.packets().length, "stepping packet by packet crosses every scripted action");
  assert.deepEqual(b.tcpdumpLines(), a.tcpdumpLines(), "same seed, same timeline: same packets");
  assert.deepEqual(b.timeline, a.timeline);
  assert.equal(b.pending.length, 0);
});

test("browserCommand: $BROWSER first, then open, start or xdg-open and its fallbacks on PATH; null when none", () => {
  const url = "http://127.0.0.1:8417/";
  const exes = new Set(["/usr/bin/xdg-open", "/usr/local/bin/firefox", "/usr/bin/open", "/opt/b/sensible-browser"]);
  const isExecutable = (p: string) => exes.has(p);
  const linux = (env: Record<string, string>) => browserCommand(url, { platform: "linux", env: { PATH: "/usr/local/bin:/usr/bin", ...env }, isExecutable });
  assert.deepEqual(linux({}), { cmd: "/usr/bin/xdg-open", args: [url] });
  assert.deepEqual(linux({ BROWSER: "firefox --new-tab:chromium" }), { cmd: "/usr/local/bin/firefox", args: ["--new-tab", url] });
  assert.deepEqual(linux({ BROWSER: "firefox %s --x" }), { cmd: "/usr/local/bin/firefox", args: [url, "--x"] });
  assert.deepEqual(linux({ BROWSER: "nothere" }), { cmd: "/usr/bin/xdg-open", args: [url] }, "a $BROWSER not found falls back");
  assert.deepEqual(browserCommand(url, { platform: "linux", env: { PATH: "/opt/b" }, isExecutable }), { cmd: "/opt/b/sensible-browser", args: [url] });
  assert.equal(browserCommand(url, { platform: "linux", env: { PATH: "/nowhere" }, isExecutable }), null);
  assert.equal(browserCommand(url, { platform: "linux", env: {}, isExecutable }), null, "no PATH");
  assert.deepEqual(browserCommand(url, { platform: "darwin", env: { PATH: "/usr/bin" }, isExecutable }), { cmd: "open", args: [url] });
  assert.equal(browserCommand(url, { platform: "darwin", env: { PATH: "/x" }, isExecutable }), null);
  assert.deepEqual(browserCommand(url, { platform: "win32", env: {}, isExecutable }), { cmd: "cmd.exe", args: ["/c", "start", '""', url] });
});

test("sockstack lab --open launches the browser with the URL (injected: nothing starts), or says in one line that it cannot", async () => {
  const serve = async (findBrowser: (u: string) => BrowserCommand | null, launch: (c: BrowserCommand, failed: (why: string) => void) => Promise<void>) => {
    const io = captureIo();
    const launched: BrowserCommand[] = [];
    let url = "";
    const code = await labCommand(["--port", "0", "--open"], io, {
      findBrowser: (u) => { url = u; return findBrowser(u); },
      launch: async (c, failed) => { launched.push(c); await launch(c, failed); },
      // The page is served while the browser would load it; then stop.
      stopped: async (srv) => { assert.equal((await fetch(srv.url)).status, 200); },
    });
    return { code, io, launched, url };
  };
  let r = await serve((u) => ({ cmd: "xdg-open", args: [u] }), async () => {});
  assert.equal(r.code, 0);
  assert.match(r.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.deepEqual(r.launched, [{ cmd: "xdg-open", args: [r.url] }]);
  assert.deepEqual(r.io.stdout, [`sockstack lab: serving on ${r.url}  (Ctrl-C to stop)`]);
  assert.deepEqual(r.io.stderr, []);

  r = await serve(() => null, async () => {});
  assert.equal(r.code, 0, "the lab serves on without a browser");
  assert.deepEqual(r.launched, []);
  assert.deepEqual(r.io.stderr, [`sockstack lab: --open: no browser launcher found (set $BROWSER, or install xdg-utils); open ${r.url} yourself`]);

  r = await serve((u) => ({ cmd: "xdg-open", args: [u] }), async (_c, failed) => failed("exited with status 3"));
  assert.equal(r.code, 0);
  assert.deepEqual(r.io.stderr, [`sockstack lab: --open: xdg-open: exited with status 3; open ${r.url} yourself`]);
  r = await serve((u) => ({ cmd: "/no/such/browser", args: [u] }), () => Promise.reject(Object.assign(new Error("spawn /no/such/browser ENOENT"), { code: "ENOENT" })));
  assert.deepEqual(r.io.stderr, [`sockstack lab: --open: /no/such/browser: No such file or directory; open ${r.url} yourself`]);
});
