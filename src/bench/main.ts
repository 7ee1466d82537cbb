/**
 * `npm run bench` / `sockstack bench [NAME…] [--quick] [--json[=FILE]]`:
 * every benchmark runs sockstack and its kernel counterpart (Node's `net`
 * over 127.0.0.1) in this same run, alternating repetitions, and prints
 * medians, min–max and the ratio. `--json` prints
 * `{"machine":…,"results":[{"name","unit","sockstack","kernel","ratio",…}]}`
 * (to FILE with `--json=FILE`). Progress goes to stderr.
 */
import os from "node:os";
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatTable, runBenchmark, type Benchmark, type BenchResult } from "./harness.js";
import { kernelConnectRate, kernelThroughput } from "./kernel.js";
import { simConnectRate, simIdleTimers, simLossy, simRouted, simThroughput } from "./sim.js";
import { runInChild } from "./child.js";
import { LAB_UNAVAILABLE, labFps, labLadder } from "./lab.js";
import { FETCH_UNAVAILABLE, kernelFetch, kernelHttp, simFetch, simHttp } from "./http.js";
import { BASELINE_FORMAT, compareFigures, figuresOf, formatComparison, makeBaseline, type Baseline } from "./compare.js";

/** The Mathis et al. bound MSS/RTT · 1.22/√p, in Mbit/s. */
export function mathisMbps(mss: number, rttSec: number, p: number): number {
  return ((mss * 8) / rttSec) * (1.22 / Math.sqrt(p)) / 1e6;
}

const MB = 1e6;
/** MSS of the lossy link: 1500 − 20 (IP) − 20 (TCP) − 12 (timestamps). */
const LOSSY_MSS = 1448;

/** Every benchmark, in run order. */
export function benchmarks(progress: (line: string) => void): Benchmark[] {
  const ratioAtLeast = (x: number) => (r: BenchResult) => (r.ratio === null ? null : r.ratio >= x);
  const lossy = (cc: "reno" | "cubic"): Benchmark => ({
    name: `lossy-${cc}`,
    unit: "Mbit/s",
    better: "higher",
    target: "report vs Mathis bound",
    reps: { full: 1, quick: 1 },
    sockstack: (q) => simLossy(q ? 10 * MB : 100 * MB, cc),
    reference: { name: "Mathis", value: mathisMbps(LOSSY_MSS, 0.02, 0.01) },
    met: () => null,
  });
  return [
    {
      name: "throughput-lo",
      unit: "MB/s",
      better: "higher",
      target: "≥ 1.0× kernel",
      reps: { full: 5, quick: 2 },
      warmup: true,
      sockstack: (q) => simThroughput(q ? 50 * MB : 200 * MB, 65536, true),
      kernel: (q) => kernelThroughput(q ? 200 * MB : 1000 * MB),
      met: ratioAtLeast(1.0),
    },
    {
      name: "throughput-1500",
      unit: "MB/s",
      better: "higher",
      target: "≥ 0.5× kernel",
      reps: { full: 5, quick: 2 },
      warmup: true,
      sockstack: (q) => simThroughput(q ? 20 * MB : 100 * MB, 1500, false),
      kernel: (q) => kernelThroughput(q ? 200 * MB : 1000 * MB),
      met: ratioAtLeast(0.5),
    },
    {
      name: "routed-3hop",
      unit: "segs/s",
      better: "higher",
      target: "report (client — 2 routers — server, MTU 1500, checksums)",
      reps: { full: 5, quick: 2 },
      warmup: true,
      sockstack: (q) => simRouted(q ? 10 * MB : 50 * MB),
      met: () => null,
    },
    {
      name: "connect-rate",
      unit: "conn/s",
      better: "higher",
      target: "≥ 4× kernel",
      reps: { full: 5, quick: 2 },
      warmup: true,
      sockstack: (q) => simConnectRate(q ? 5000 : 20000, 200),
      kernel: (q) => kernelConnectRate(q ? 5000 : 20000, 200),
      met: ratioAtLeast(4.0),
    },
    {
      name: "throughput-lo-v6",
      unit: "MB/s",
      better: "higher",
      target: "report (IPv6: fd00::1 → fd00::2, MTU 65536; kernel over ::1)",
      reps: { full: 5, quick: 2 },
      warmup: true,
      sockstack: (q) => simThroughput(q ? 50 * MB : 200 * MB, 65536, true, "AF_INET6"),
      kernel: (q) => kernelThroughput(q ? 200 * MB : 1000 * MB, 6),
      met: () => null,
    },
    {
      name: "connect-rate-v6",
      unit: "conn/s",
      better: "higher",
      target: "report (IPv6; kernel over ::1)",
      reps: { full: 5, quick: 2 },
      warmup: true,
      sockstack: (q) => simConnectRate(q ? 5000 : 20000, 200, "AF_INET6"),
      kernel: (q) => kernelConnectRate(q ? 5000 : 20000, 200, 6),
      met: () => null,
    },
    {
      name: "memory-per-connection",
      fullSizeTarget: true,
      unit: "B/end",
      better: "lower",
      target: "≤ 1 KB (Linux ≈ 3.6 KB kernel)",
      reps: { full: 1, quick: 1 },
      sockstack: (q) => runInChild("memory", q ? 10000 : 100000, ["--max-old-space-size=8192"], progress),
      kernel: (q) => runInChild("kernel-memory", q ? 1000 : 5000, [], progress),
      met: (r) => (r.sockstack ? r.sockstack.median <= 1024 : null),
    },
    {
      name: "million",
      fullSizeTarget: true,
      unit: "s",
      better: "lower",
      target: "completes",
      reps: { full: 1, quick: 1 },
      sockstack: (q) => runInChild("million", q ? 20000 : 1_000_000, ["--max-old-space-size=20000"], progress),
      met: (r) => r.sockstack !== null,
    },
    {
      name: "idle-timers",
      fullSizeTarget: true,
      unit: "s wall",
      better: "lower",
      target: "< 2 s",
      reps: { full: 3, quick: 1 },
      sockstack: (q) => simIdleTimers(q ? 2000 : 10000, 2 * 3600),
      met: (r) => (r.sockstack ? r.sockstack.median < 2 : null),
    },
    {
      name: "http",
      unit: "req/s",
      better: "higher",
      target: "≥ 1.0× kernel",
      reps: { full: 5, quick: 2 },
      warmup: true,
      sockstack: (q) => simHttp(q ? 500 : 3000),
      kernel: (q) => kernelHttp(q ? 500 : 3000),
      met: ratioAtLeast(1.0),
    },
    {
      name: "fetch",
      unit: "req/s",
      better: "higher",
      target: "report (1,000 sequential fetches)",
      reps: { full: 3, quick: 1 },
      warmup: true,
      sockstack: (q) => simFetch(q ? 200 : 1000),
      kernel: (q) => kernelFetch(q ? 200 : 1000),
      met: () => null,
      ...(FETCH_UNAVAILABLE ? { unavailable: FETCH_UNAVAILABLE } : {}),
    },
    lossy("reno"),
    lossy("cubic"),
    {
      // Issue 17's impaired path (the TUN bridge test's impairments, on the simulated link).
      name: "impaired-cubic",
      unit: "Mbit/s",
      better: "higher",
      target: "report (TUN bridge: Linux cubic sender 0.31 MB/s; bbr 1.27 MB/s)",
      reps: { full: 1, quick: 1 },
      sockstack: (q) => simLossy(q ? 5 * MB : 20 * MB, "cubic", true),
      met: () => null,
    },
    {
      name: "frag-flood",
      fullSizeTarget: true,
      unit: "MiB heap",
      better: "lower",
      target: "≤ ipfrag_high_thresh (4 MiB) + 1 MiB",
      reps: { full: 1, quick: 1 },
      sockstack: (q) => runInChild("frag-flood", q ? 100_000 : 1_000_000, [], progress),
      met: (r) => (r.sockstack ? r.sockstack.median <= 5 : null),
    },
    {
      name: "frag-expire",
      fullSizeTarget: true,
      unit: "s cpu",
      better: "lower",
      target: "100,000 queues < 0.5 s",
      reps: { full: 3, quick: 1 },
      sockstack: (q) => runInChild("frag-expire", q ? 20_000 : 100_000, [], progress),
      met: (r) => (r.sockstack ? r.sockstack.median < 0.5 : null),
    },
    {
      name: "ooo-flood",
      fullSizeTarget: true,
      unit: "× rcvbuf",
      better: "lower",
      target: "≤ 2 × the receive buffer",
      reps: { full: 1, quick: 1 },
      sockstack: (q) => runInChild("ooo-flood", q ? 30_000 : 300_000, [], progress),
      met: (r) => (r.sockstack ? r.sockstack.median <= 2 : null),
    },
    {
      name: "lab-ladder",
      fullSizeTarget: true,
      unit: "ms",
      better: "lower",
      target: "10,000 packets < 1 s (Chromium)",
      reps: { full: 3, quick: 1 },
      sockstack: (q) => labLadder(q ? 2000 : 10_000),
      met: (r) => (r.sockstack ? r.sockstack.median < 1000 : null),
      ...(LAB_UNAVAILABLE ? { unavailable: LAB_UNAVAILABLE } : {}),
    },
    {
      name: "lab-fps",
      fullSizeTarget: true,
      unit: "fps",
      better: "higher",
      target: "≥ 60 while playing (Chromium)",
      reps: { full: 3, quick: 1 },
      sockstack: (q) => labFps(q ? 2 : 5),
      met: (r) => (r.sockstack ? r.sockstack.median >= 58 : null),
      ...(LAB_UNAVAILABLE ? { unavailable: LAB_UNAVAILABLE } : {}),
    },
    {
      name: "lab-fps-bulk",
      fullSizeTarget: true,
      unit: "fps",
      better: "higher",
      target: "≥ 60 playing ten bulk connections (Chromium)",
      reps: { full: 3, quick: 1 },
      sockstack: (q) => labFps(q ? 3 : 6, { scenario: "bulk" }),
      met: (r) => (r.sockstack ? r.sockstack.median >= 58 : null),
      ...(LAB_UNAVAILABLE ? { unavailable: LAB_UNAVAILABLE } : {}),
    },
    {
      name: "lab-fps-bulk-noworker",
      fullSizeTarget: true,
      unit: "fps",
      better: "higher",
      target: "(the simulation on the page's thread: what the Worker saves)",
      reps: { full: 1, quick: 1 },
      sockstack: (q) => labFps(q ? 3 : 6, { scenario: "bulk", worker: false }),
      met: () => null,
      ...(LAB_UNAVAILABLE ? { unavailable: LAB_UNAVAILABLE } : {}),
    },
  ];
}

/** Where output goes. */
export interface BenchIo {
  out(line: string): void;
  err(line: string): void;
}

const HELP = [
  "usage: sockstack bench [NAME…] [--skip NAME] [--quick] [--json[=FILE]] [--list] [--compare FILE [--input RUN.json]] [--write-baseline FILE --repeat N]",
  "",
  "Runs the benchmarks (all, or those named; a name may be a prefix such as",
  "`throughput`): sockstack on the simulated network and its kernel",
  "counterpart (Node's net over 127.0.0.1) in the same run, alternating",
  "repetitions; prints medians (min–max) and the ratio sockstack ÷ kernel.",
  "",
  "  --quick        fewer repetitions, smaller sizes (under a minute)",
  "  --skip NAME    leave a benchmark out (repeatable; e.g. --skip million)",
  "  --json         print JSON instead of the table (--json=FILE: write it to FILE)",
  "  --list         list the benchmarks and their targets",
  "  --compare FILE compare with a baseline (src/bench/baseline.json): runs what the baseline ran",
  "                 (unless benchmarks are named) and prints which figures moved beyond their noise",
  "                 band; exit 1 when one got worse. --input RUN.json compares a --json output instead",
  "  --write-baseline FILE --repeat N   run N times and write a baseline: per figure the median",
  "                 and the noise band (max − min) ÷ median of the N runs",
];

/** The machine line of the report. */
export function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadavg: os.loadavg().map((x) => x.toFixed(2)).join(" "),
  };
}

/** Runs the bench command; resolves to the exit status. */
export async function runBench(argv: readonly string[], io: BenchIo): Promise<number> {
  let args = argv;
  // --compare FILE alone runs what the baseline ran.
  let compare: { file: string; baseline: Baseline } | null = null;
  const ci = args.findIndex((a) => a === "--compare" || a.startsWith("--compare="));
  if (ci >= 0) {
    const file = args[ci] === "--compare" ? args[ci + 1] : args[ci]!.slice(10);
    if (!file) {
      io.err("sockstack bench: --compare needs a baseline file");
      io.err(HELP[0]!);
      return 2;
    }
    try {
      const b = JSON.parse(readFileSync(file, "utf8")) as Baseline;
      if (b?.format !== BASELINE_FORMAT) throw new Error(`not a baseline (format ${BASELINE_FORMAT})`);
      compare = { file, baseline: b };
    } catch (e) {
      io.err(`sockstack bench: --compare ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "No such file or directory" : (e as Error).message}`);
      io.err(HELP[0]!);
      return 2;
    }
    const rest = args.filter((_, i) => i !== ci && !(args[ci] === "--compare" && i === ci + 1));
    const selects = rest.some((a) => !a.startsWith("-") || a === "--quick" || a.startsWith("--skip"));
    const inputAt = rest.findIndex((a) => a === "--input" || a.startsWith("--input="));
    if (inputAt >= 0) {
      const input = rest[inputAt] === "--input" ? rest[inputAt + 1] : rest[inputAt]!.slice(8);
      return compareInput(compare, input, io);
    }
    args = [...(selects ? rest : [...compare.baseline.args, ...rest]), "--compare-with", file];
  }
  let quick = false;
  let json: string | boolean = false;
  let list = false;
  let repeat = 1;
  let writeBaseline: string | null = null;
  const names: string[] = [];
  const skip: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--compare-with") i++;
    else if (a === "--repeat" && i + 1 < args.length) repeat = Number(args[++i]);
    else if (a === "--write-baseline" && i + 1 < args.length) writeBaseline = args[++i]!;
    else if (a.startsWith("--write-baseline=")) writeBaseline = a.slice(17);
    else if (a === "--quick") quick = true;
    else if (a === "--skip" && i + 1 < args.length) skip.push(args[++i]!);
    else if (a.startsWith("--skip=")) skip.push(a.slice(7));
    else if (a === "--json") json = true;
    else if (a.startsWith("--json=")) json = a.slice(7);
    else if (a === "--list") list = true;
    else if (a === "-h" || a === "--help") {
      for (const l of HELP) io.out(l);
      return 0;
    } else if (a.startsWith("-")) {
      io.err(`sockstack bench: unknown option ${a}`);
      io.err(HELP[0]!);
      return 2;
    } else names.push(a);
  }
  const all = benchmarks((l) => io.err(l));
  if (list) {
    for (const b of all) io.out(`${b.name.padEnd(22)} ${b.unit.padEnd(7)} target ${b.target}${b.unavailable ? ` (not available: ${b.unavailable})` : ""}`);
    return 0;
  }
  const matches = (b: Benchmark, n: string) => b.name === n || b.name.startsWith(n);
  const chosen = (names.length ? all.filter((b) => names.some((n) => matches(b, n))) : all).filter((b) => !skip.some((n) => matches(b, n)));
  const unknown = [...names, ...skip].filter((n) => !all.some((b) => matches(b, n)));
  if (unknown.length) {
    io.err(`sockstack bench: no benchmark ${unknown.join(", ")} (sockstack bench --list)`);
    return 2;
  }
  // Open --json=FILE now: a bad path fails before minutes of benchmarks, not after.
  let jsonFd: number | null = null;
  if (typeof json === "string") {
    try {
      jsonFd = openSync(json, "w");
    } catch (e) {
      io.err(`sockstack bench: cannot write ${json}: ${(e as Error).message}`);
      return 1;
    }
  }
  if (!Number.isInteger(repeat) || repeat < 1 || (repeat > 1 && !writeBaseline)) {
    io.err(`sockstack bench: --repeat ${repeat}: a whole number, with --write-baseline FILE`);
    io.err(HELP[0]!);
    return 2;
  }
  if (writeBaseline !== null) {
    const runs: BenchResult[][] = [];
    const loads: string[] = [];
    for (let r = 1; r <= repeat; r++) {
      loads.push(machine().loadavg as string);
      io.err(`--- baseline run ${r}/${repeat} (load ${loads.at(-1)}) ---`);
      const one = await runChosen(chosen, quick, io);
      if (one.results.some((x) => x.unavailable?.startsWith("failed"))) {
        io.err("sockstack bench: a benchmark failed; no baseline written");
        return 1;
      }
      runs.push(one.results);
    }
    const selection = args.filter((a, i) => a !== "--repeat" && args[i - 1] !== "--repeat" && a !== "--write-baseline" && args[i - 1] !== "--write-baseline" && !a.startsWith("--write-baseline=") && !a.startsWith("--json"));
    const b = makeBaseline(runs, { args: selection, quick, machine: machine(), loads, created: new Date().toISOString() });
    writeFileSync(writeBaseline, `${JSON.stringify(b, null, 2)}\n`);
    for (const f of b.figures) io.out(`${f.name.padEnd(22)} ${(f.figure === "ratio" ? "ratio" : f.unit).padEnd(9)} ${String(+f.value.toPrecision(4)).padStart(10)}  band ±${(f.band * 100).toFixed(1)} %`);
    io.out(`wrote ${writeBaseline}: ${b.figures.length} figures, median and band of ${repeat} runs`);
    return 0;
  }
  const m = machine();
  const { results, total } = await runChosen(chosen, quick, io);
  if (json) {
    const doc = { machine: m, command: `sockstack bench ${args.join(" ")}`.trim(), source: import.meta.url.endsWith(".ts") ? "tsx-loaded TypeScript sources" : "compiled dist/", wall_s: total, results };
    const text = JSON.stringify(doc, null, 2);
    if (jsonFd !== null) {
      writeSync(jsonFd, `${text}\n`);
      closeSync(jsonFd);
    }
    else io.out(text);
  }
  if (json !== true) {
    for (const l of formatTable(results)) io.out(l);
    io.out(`total ${total.toFixed(1)} s`);
  }
  const failed = results.some((r) => r.unavailable?.startsWith("failed"));
  if (compare) {
    const rows = compareFigures(compare.baseline, figuresOf(results));
    io.out("");
    for (const l of formatComparison(rows, compare.file)) io.out(l);
    if (rows.some((r) => r.verdict === "worse")) return 1;
  }
  return failed ? 1 : 0;
}

/** `--compare FILE --input RUN.json`: a finished run's figures against the baseline, nothing run. */
function compareInput(compare: { file: string; baseline: Baseline }, input: string | undefined, io: BenchIo): number {
  let results: BenchResult[];
  try {
    if (!input) throw new Error("--input needs a file (the output of --json=FILE)");
    results = (JSON.parse(readFileSync(input, "utf8")) as { results?: BenchResult[] }).results!;
    if (!Array.isArray(results)) throw new Error("not the output of sockstack bench --json (no results)");
  } catch (e) {
    io.err(`sockstack bench: --input ${input ?? ""}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "No such file or directory" : (e as Error).message}`);
    io.err(HELP[0]!);
    return 2;
  }
  const rows = compareFigures(compare.baseline, figuresOf(results));
  for (const l of formatComparison(rows, compare.file)) io.out(l);
  return rows.some((r) => r.verdict === "worse") ? 1 : 0;
}

/** Runs the chosen benchmarks once, in order; a benchmark that throws is a failed result. */
async function runChosen(chosen: readonly Benchmark[], quick: boolean, io: BenchIo): Promise<{ results: BenchResult[]; total: number }> {
  const m = machine();
  io.err(`sockstack bench${quick ? " --quick" : ""}: ${chosen.length} benchmark(s) on ${m.cpu} ×${m.cores}, ${m.memGiB} GiB, node ${m.node}, load ${m.loadavg}`);
  const results: BenchResult[] = [];
  const t0 = performance.now();
  for (const b of chosen) {
    io.err(`${b.name}…`);
    try {
      results.push(await runBenchmark(b, quick, (l) => io.err(l)));
    } catch (e) {
      io.err(`  ${b.name} failed: ${(e as Error).stack ?? e}`);
      results.push({
        name: b.name, unit: b.unit, better: b.better, target: b.target, sockstack: null, kernel: null, ratio: null, ratioTo: null,
        reference: null, met: false, extra: {}, kernelExtra: {}, unavailable: `failed: ${(e as Error).message.split("\n")[0]}`, wall: 0,
      });
    }
  }
  return { results, total: (performance.now() - t0) / 1000 };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const status = await runBench(process.argv.slice(2), {
    out: (l) => void process.stdout.write(`${l}\n`),
    err: (l) => void process.stderr.write(`${l}\n`),
  });
  process.exitCode = status;
}
