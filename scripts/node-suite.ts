// Node's own test suite as a yardstick for sockstack/node (issue 14): runs
// every test-*.js of a folder (Node's test/parallel, fetched from Node's
// repository at the tag of this machine's Node — never committed) twice, each
// in its own process with a real-time timeout:
//   native: `node FLAGS FILE` — Node over the kernel, the reference;
//   façade: scripts/node-suite-child.ts — the file inside nodeOn(host).run()
//           on a simulated host, with virtual application timers.
// A test counts when it passes natively; it passes over the façade when it
// exits 0 there too (a `common.skip` counts as skipped, not passed). Prints
// one line per test and the totals; --json FILE writes every result with
// the tail of its output (the failure reason). A measurement, not a CI test.
// Usage: node --import tsx scripts/node-suite.ts DIR [--filter S]… [--jobs N] [--timeout SEC] [--json FILE]
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

interface Outcome {
  status: "pass" | "fail" | "skip" | "timeout";
  code: number | null;
  output: string;
}

interface Result {
  file: string;
  native: Outcome;
  facade?: Outcome;
  reason?: string;
}

const args = process.argv.slice(2);
const opt = (name: string): string[] => args.flatMap((a, i) => (a === name && args[i + 1] !== undefined ? [args[i + 1]!] : []));
const dirArg = args.find((a, i) => !a.startsWith("--") && (i === 0 || !args[i - 1]!.startsWith("--")));
if (!dirArg) {
  process.stderr.write("usage: node --import tsx scripts/node-suite.ts DIR [--filter S]… [--jobs N] [--timeout SEC] [--json FILE]\n");
  process.exit(2);
}
const dir = existsSync(join(resolve(dirArg), "test", "parallel")) ? join(resolve(dirArg), "test", "parallel") : resolve(dirArg);
const filters = opt("--filter");
const jobs = Number(opt("--jobs")[0] ?? 2);
const timeoutMs = Number(opt("--timeout")[0] ?? 30) * 1000;
const jsonOut = opt("--json")[0];
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const child = join(root, "scripts", "node-suite-child.ts");
const tsx = import.meta.resolve("tsx"); // tests run with their own folder as cwd

const files = readdirSync(dir)
  .filter((f) => /^test-.*\.js$/.test(f) && (filters.length === 0 || filters.some((s) => f.includes(s))))
  .sort();

/** The `// Flags:` line of a Node test (node options it needs). */
function flagsOf(file: string): string[] {
  const m = /^\/\/ Flags: (.*)$/m.exec(readFileSync(file, "utf8").slice(0, 2000));
  return m ? m[1]!.trim().split(/\s+/) : [];
}

function runOne(argv: string[], port: number): Promise<Outcome> {
  return new Promise((res) => {
    const p = spawn(process.execPath, argv, { cwd: dir, env: { ...process.env, NODE_COMMON_PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    const keep = (d: Buffer): void => {
      output = (output + d.toString("utf8")).slice(-20_000);
    };
    p.stdout.on("data", keep);
    p.stderr.on("data", keep);
    let timedOut = false;
    const t = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-p.pid!, "SIGKILL"); // the test's process group (it may have children)
      } catch { /* gone */ }
    }, timeoutMs);
    p.on("close", (code) => {
      clearTimeout(t);
      const skipped = /^1\.\.0 # Skipped/m.test(output);
      res({ status: timedOut ? "timeout" : code === 0 ? (skipped ? "skip" : "pass") : code === 124 ? "timeout" : "fail", code, output });
    });
  });
}

/** The first line of the output that says why a test failed. */
function reasonOf(o: Outcome): string {
  if (o.status === "timeout") return o.code === 124 ? "virtual time limit (120 s)" : `real-time limit (${timeoutMs / 1000} s)`;
  const lines = o.output.split("\n");
  let i = lines.findIndex((l) => /^(\w*Error\b|Mismatched|sockstack-suite|Uncaught)/.test(l));
  if (i < 0) i = lines.findIndex((l) => /Error|Mismatched|ERR_|Unexpected|Cannot|not supported|sockstack/i.test(l) && !/^\s+at |^node:/.test(l));
  return (i >= 0 ? lines.slice(i, i + 2).join(" ") : lines.filter((l) => l.trim()).slice(-1)[0] ?? `exit ${o.code}`).trim().slice(0, 300);
}

const results: Result[] = [];
let next = 0;
// Each worker its own common.PORT range: native runs share the machine's loopback with everything else.
const basePort = 20000 + Math.floor(Math.random() * 20000);
async function worker(w: number): Promise<void> {
  const port = basePort + w * 10;
  while (next < files.length) {
    const f = files[next++]!;
    const path = join(dir, f);
    const flags = flagsOf(path);
    const native = await runOne([...flags, path], port);
    const r: Result = { file: f, native };
    if (native.status === "pass") {
      r.facade = await runOne([...flags, "--import", tsx, child, path], port);
      if (r.facade.status !== "pass") r.reason = reasonOf(r.facade);
    } else {
      r.reason = `native: ${native.status}: ${reasonOf(native)}`;
    }
    results.push(r);
    process.stdout.write(`${(r.facade?.status ?? `native-${native.status}`).padEnd(14)} ${f}${r.reason ? `  — ${r.reason}` : ""}\n`);
  }
}
await Promise.all(Array.from({ length: Math.max(1, jobs) }, (_, w) => worker(w)));

const counted = results.filter((r) => r.native.status === "pass");
const passed = counted.filter((r) => r.facade?.status === "pass").length;
const byStatus = (s: string): number => counted.filter((r) => r.facade?.status === s).length;
process.stdout.write(`\n${files.length} files; ${counted.length} pass on Node ${process.version} over the kernel; ` +
  `over the façade: ${passed} pass, ${byStatus("fail")} fail, ${byStatus("timeout")} time out\n`);
if (jsonOut) {
  results.sort((a, b) => a.file.localeCompare(b.file));
  writeFileSync(jsonOut, JSON.stringify(results.map((r) => ({ ...r, native: { ...r.native, output: r.native.output.slice(-2000) }, facade: r.facade && { ...r.facade, output: r.facade.output.slice(-2000) } })), null, 1));
}
