/**
 * `sockstack fuzz [packet|syscall|all]`: the packet and syscall fuzzers
 * (src/fuzz), seeded and bounded by time or count, each case in a worker
 * thread under a real-time watchdog — a spin that never yields (which no
 * code on its own thread can stop) becomes a `hang` failure naming the
 * case, the step and the calls in flight, and the run goes on with the
 * next case in a fresh worker. Every failure prints a one-line replay
 * command; `--save DIR` writes it as a corpus entry.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { CaseOutcome, CaseSpec, CorpusEntry } from "../fuzz/corpus.js";
import type { FuzzFailure, FuzzerName } from "../fuzz/harness.js";
import { classify } from "../fuzz/known-issues.js";
import { generateSyscallProgram, type SyscallProgram } from "../fuzz/syscall-fuzzer.js";
import type { CliIo } from "./io.js";

/** Packets per packet case and calls per syscall case, unless `--per-case`. */
export const DEFAULT_PER_CASE: Record<FuzzerName, number> = { packet: 5000, syscall: 200 };
/** Real time a case may go without progress before it is a hang (ms). */
export const DEFAULT_HANG_MS = 5000;

const SHARED_INTS = 16;

/** A case's result under the watchdog: its outcome, or where it hung. */
export type WatchedOutcome = { outcome: CaseOutcome } | { hang: { step: number; actors: number[]; ms: number } };

/**
 * A worker thread that runs cases one at a time under a watchdog. After a
 * hang the stuck thread is terminated and a new one started.
 */
export class FuzzWorker {
  #worker: Worker | null = null;
  #ready: Promise<void> = Promise.resolve();
  #shared = new SharedArrayBuffer(4 * SHARED_INTS);
  #ints = new Int32Array(this.#shared);

  #start(): Worker {
    this.#shared = new SharedArrayBuffer(4 * SHARED_INTS);
    this.#ints = new Int32Array(this.#shared);
    const here = import.meta.url;
    const opts = { workerData: { shared: this.#shared }, stdout: false, stderr: false };
    let w: Worker;
    if (here.endsWith(".ts")) {
      // Running from source under tsx: the worker registers tsx itself (Node 20 workers do not inherit its hooks).
      // tsx is resolved from here, not from the working directory the command runs in.
      const url = new URL("./fuzz-worker.ts", here).href;
      // tsx is resolved from this file, not from the cwd (an eval'd worker resolves bare names from the
      // cwd); import.meta.resolve gives its ESM entry (require.resolve would give the CommonJS one).
      const tsx = import.meta.resolve("tsx/esm/api");
      w = new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); })`, { ...opts, eval: true });
    } else {
      w = new Worker(new URL("./fuzz-worker.js", here), opts);
    }
    // The watchdog starts once the worker has loaded (compiling the stack must not count as a hang).
    this.#ready = new Promise<void>((resolve, reject) => {
      const onMsg = (m: { ready?: boolean }): void => {
        if (!m.ready) return;
        w.off("message", onMsg);
        w.off("error", reject);
        resolve();
      };
      w.on("message", onMsg);
      w.once("error", reject);
    });
    return w;
  }

  /** Runs `spec`; a case that makes no progress for `hangMs` of real time is reported as a hang. */
  async run(spec: CaseSpec, hangMs: number): Promise<WatchedOutcome> {
    const w = (this.#worker ??= this.#start());
    await this.#ready;
    const ints = this.#ints;
    return new Promise<WatchedOutcome>((resolve, reject) => {
      let beat = Atomics.load(ints, 0);
      let last = Date.now();
      const timer = setInterval(() => {
        const b = Atomics.load(ints, 0);
        if (b !== beat) {
          beat = b;
          last = Date.now();
          return;
        }
        if (Date.now() - last < hangMs) return;
        cleanup();
        const actors: number[] = [];
        for (let i = 8; i < SHARED_INTS; i++) actors.push(Atomics.load(ints, i));
        const step = Atomics.load(ints, 2);
        void w.terminate();
        this.#worker = null;
        resolve({ hang: { step, actors, ms: hangMs } });
      }, Math.min(250, hangMs / 4));
      const onMessage = (m: { ok: boolean; outcome?: CaseOutcome; error?: string; ready?: boolean }): void => {
        if (m.ready) return;
        cleanup();
        if (m.ok) resolve({ outcome: m.outcome! });
        else reject(new Error(`fuzz worker: ${m.error}`));
      };
      const onError = (e: Error): void => {
        cleanup();
        this.#worker = null;
        reject(e);
      };
      const cleanup = (): void => {
        clearInterval(timer);
        w.off("message", onMessage);
        w.off("error", onError);
      };
      w.on("message", onMessage);
      w.on("error", onError);
      w.postMessage({ spec });
    });
  }

  /** Stops the worker thread. */
  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = null;
    if (w) await w.terminate();
  }
}

/**
 * Runs one case in a worker under the watchdog and turns a hang into a
 * failure (for packet cases, diagnosed by a second run without urgent
 * data). Used by the CLI and the corpus test.
 */
export async function runWatched(worker: FuzzWorker, spec: CaseSpec, hangMs: number, diagnose = true): Promise<CaseOutcome> {
  const r = await worker.run(spec, hangMs);
  if ("outcome" in r) return r.outcome;
  return { count: 0, parsed: 0, uncounted: [], failures: [await hangFailure(worker, spec, r.hang, hangMs, diagnose)] };
}

async function hangFailure(worker: FuzzWorker, spec: CaseSpec, h: { step: number; actors: number[] }, hangMs: number, diagnose: boolean): Promise<FuzzFailure> {
  const base = { fuzzer: spec.fuzzer, kind: "hang" as const, seed: spec.seed, case: spec.case, step: h.step };
  if (spec.fuzzer === "syscall") {
    const prog: SyscallProgram = spec.program ?? generateSyscallProgram(spec.seed, spec.case, spec.size);
    const inFlight = h.actors.map((op, a) => ({ op, a })).filter((x) => x.op >= 0 && prog.ops[x.op]);
    const calls = inFlight.map(({ op, a }) => `actor ${a} in op ${op}: ${opText(prog, op)}`);
    return { ...base, message: `no progress for ${hangMs / 1000} s (a spin that never yields); calls in flight: ${calls.join("; ") || "none"}` };
  }
  let diagnosis = "";
  if (diagnose && !spec.stripUrg) {
    const again = await worker.run({ ...spec, stripUrg: true }, hangMs);
    if ("outcome" in again) diagnosis = " — no hang once URG is cleared from the injected segments: urgent data, then a blocking recv";
  }
  return { ...base, message: `no progress for ${hangMs / 1000} s at step ${h.step} (a spin that never yields)${diagnosis}` };
}

function opText(prog: SyscallProgram, i: number): string {
  const op = prog.ops[i]!;
  return `${op.c}(${op.args.map((x) => JSON.stringify(x)).join(", ")})`;
}

/** The command line that replays one failure. */
export function replayCommand(f: FuzzFailure, perCase: number): string {
  const size = f.fuzzer === "packet" ? "--per-case" : "--per-case";
  return `sockstack fuzz ${f.fuzzer} --seed ${f.seed} --case ${f.case} ${size} ${perCase}`;
}

interface FuzzArgs {
  which: FuzzerName[];
  seed: string;
  seconds: number;
  packets: number;
  calls: number;
  only: number | null;
  perCase: Record<FuzzerName, number>;
  hangMs: number;
  save: string | null;
  json: boolean;
  allowKnown: boolean;
  firstCase: number;
}

const HELP = `usage: sockstack fuzz [packet|syscall|all] [options]

Fuzzes the stack on the simulated network and checks its invariants: no
exception out of the stack, no spin, memory within its limits, the guarded
TCP transfer byte-exact, every received packet counted or answered, every
failing call an errno. Each failure prints the command that replays it.

options:
  --seed S          seed of the run (default 1); cases are numbered from 0
  --seconds N       time budget per fuzzer (default 30)
  --packets N       stop the packet fuzzer after N packets
  --calls N         stop the syscall fuzzer after N calls
  --case I          run case I only (a replay)
  --first-case I    start at case I
  --per-case N      packets (default 5000) or calls (default 200) per case
  --hang-ms N       real time without progress that makes a hang (default 5000)
  --save DIR        write each failing case to DIR as a corpus entry (JSON)
  --allow-known     exit 0 when every failure is a known open issue
  --json            one JSON summary object per fuzzer`;

function parseArgs(args: string[], io: CliIo): FuzzArgs | number {
  const a: FuzzArgs = {
    which: ["packet", "syscall"], seed: "1", seconds: 30, packets: Infinity, calls: Infinity, only: null,
    perCase: { ...DEFAULT_PER_CASE }, hangMs: DEFAULT_HANG_MS, save: null, json: false, allowKnown: false, firstCase: 0,
  };
  let perCase: number | null = null;
  for (let i = 0; i < args.length; i++) {
    const x = args[i]!;
    const num = (): number => {
      const v = Number(args[++i]);
      if (!Number.isFinite(v) || v < 0) throw new UsageError(`${x} needs a non-negative number`);
      return v;
    };
    try {
      if (x === "--help" || x === "-h") {
        io.out(HELP);
        return 0;
      } else if (x === "packet" || x === "syscall") a.which = [x];
      else if (x === "all") a.which = ["packet", "syscall"];
      else if (x === "--seed") {
        const s = args[++i];
        if (s === undefined) throw new UsageError("--seed needs a value");
        a.seed = s;
      } else if (x === "--seconds") a.seconds = num();
      else if (x === "--packets") a.packets = num();
      else if (x === "--calls") a.calls = num();
      else if (x === "--case") a.only = Math.floor(num());
      else if (x === "--first-case") a.firstCase = Math.floor(num());
      else if (x === "--per-case") perCase = Math.max(1, Math.floor(num()));
      else if (x === "--hang-ms") a.hangMs = Math.max(100, num());
      else if (x === "--save") {
        const d = args[++i];
        if (d === undefined) throw new UsageError("--save needs a directory");
        a.save = d;
      } else if (x === "--json") a.json = true;
      else if (x === "--allow-known") a.allowKnown = true;
      else throw new UsageError(`unknown argument ${x}`);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      io.err(`sockstack fuzz: ${e.message}`);
      io.err("usage: sockstack fuzz [packet|syscall|all] [--seed S] [--seconds N] [--packets N] [--calls N] [--case I] (--help)");
      return 2;
    }
  }
  if (perCase !== null) for (const f of a.which) a.perCase[f] = perCase;
  return a;
}

class UsageError extends Error {}

/** Summary of one fuzzer's run. */
export interface FuzzSummary {
  fuzzer: FuzzerName;
  seed: string;
  cases: number;
  /** Packets injected or calls made. */
  count: number;
  /** Packets the taps parsed. */
  parsed: number;
  seconds: number;
  perSecond: number;
  failures: FuzzFailure[];
  uncounted: { signature: string; count: number; example: string }[];
}

/**
 * Runs one fuzzer for a budget of real time and/or count, case after
 * case, and returns what it found.
 */
export async function runFuzzer(
  fuzzer: FuzzerName,
  o: { seed: string; seconds: number; limit: number; perCase: number; hangMs: number; only?: number | null; firstCase?: number; onCase?: (c: number, out: CaseOutcome) => void; onProgress?: (line: string) => void },
): Promise<FuzzSummary> {
  const worker = new FuzzWorker();
  const t0 = Date.now();
  let count = 0;
  let parsed = 0;
  let cases = 0;
  const failures: FuzzFailure[] = [];
  const uncounted = new Map<string, { signature: string; count: number; example: string }>();
  let lastReport = t0;
  try {
    for (let c = o.only ?? o.firstCase ?? 0; ; c++) {
      if (o.only == null && (count >= o.limit || (Date.now() - t0) / 1000 >= o.seconds)) break;
      const size = Math.max(1, Math.min(o.perCase, o.limit - count));
      const spec: CaseSpec = { fuzzer, seed: o.seed, case: c, size: o.only != null ? o.perCase : size };
      const out = await runWatched(worker, spec, o.hangMs);
      cases++;
      count += out.count || spec.size;
      parsed += out.parsed;
      failures.push(...out.failures);
      for (const u of out.uncounted) {
        const have = uncounted.get(u.signature);
        if (have) have.count += u.count;
        else uncounted.set(u.signature, { ...u });
      }
      o.onCase?.(c, out);
      if (o.only != null) break;
      if (o.onProgress && Date.now() - lastReport >= 30_000) {
        lastReport = Date.now();
        o.onProgress(`fuzz ${fuzzer}: ${cases} cases, ${count} ${fuzzer === "packet" ? "packets" : "calls"}, ${failures.length} failures, ${((lastReport - t0) / 1000).toFixed(0)} s`);
      }
    }
  } finally {
    await worker.close();
  }
  const seconds = (Date.now() - t0) / 1000;
  return { fuzzer, seed: o.seed, cases, count, parsed, seconds, perSecond: Math.round(count / Math.max(seconds, 1e-3)), failures, uncounted: [...uncounted.values()] };
}

/** `sockstack fuzz …` */
export async function fuzzCommand(args: string[], io: CliIo): Promise<number> {
  const a = parseArgs(args, io);
  if (typeof a === "number") return a;
  let unexplained = 0;
  let total = 0;
  for (const fuzzer of a.which) {
    const limit = fuzzer === "packet" ? a.packets : a.calls;
    const saved: string[] = [];
    const s = await runFuzzer(fuzzer, {
      seed: a.seed, seconds: a.only != null ? Infinity : a.seconds, limit, perCase: a.perCase[fuzzer], hangMs: a.hangMs, only: a.only, firstCase: a.firstCase,
      onProgress: a.json ? undefined : (line) => io.err(line),
      onCase: (c, out) => {
        if (!a.save || out.failures.length === 0) return;
        saved.push(saveEntry(a.save, fuzzer, a.seed, c, a.perCase[fuzzer], out));
      },
    });
    // The drop audit's findings are failures too: a packet that moved no counter and got no answer.
    const audit: FuzzFailure[] = s.uncounted.map((u) => ({
      fuzzer, kind: "uncounted", seed: a.seed, case: -1,
      message: `${u.count} packets moved no counter and got no reply: ${u.signature} (e.g. ${u.example.slice(0, 160)})`,
    }));
    const all = [...s.failures, ...audit];
    total += all.length;
    if (a.json) {
      io.out(JSON.stringify({ ...s, failures: all.map((f) => ({ ...f, knownIssue: classify(f)?.id ?? null, replay: f.case >= 0 ? replayCommand(f, a.perCase[fuzzer]) : null })) }));
    } else {
      const unit = fuzzer === "packet" ? "packets" : "calls";
      io.out(`fuzz ${fuzzer}: seed ${a.seed}, ${s.cases} cases, ${s.count} ${unit} in ${s.seconds.toFixed(1)} s (${s.perSecond} ${unit}/s)` +
        (fuzzer === "packet" ? `, ${s.parsed} packets parsed by taps` : "") + `; ${all.length} failures`);
      for (const f of all) {
        const k = classify(f);
        io.out(`FAIL ${f.fuzzer} ${f.kind}${f.case >= 0 ? ` seed=${f.seed} case=${f.case}${f.step !== undefined ? ` step=${f.step}` : ""}` : ""}${k ? ` [known: ${k.id}]` : ""}: ${f.message.split("\n")[0]}`);
        if (f.case >= 0) io.out(`  replay: ${replayCommand(f, a.perCase[fuzzer])}`);
      }
      for (const p of saved) io.out(`saved ${p}`);
    }
    unexplained += all.filter((f) => !classify(f)).length;
  }
  if (total === 0) return 0;
  return a.allowKnown && unexplained === 0 ? 0 : 1;
}

function saveEntry(dir: string, fuzzer: FuzzerName, seed: string, c: number, perCase: number, out: CaseOutcome): string {
  mkdirSync(dir, { recursive: true });
  const kinds = [...new Set(out.failures.map((f) => f.kind))].join("-");
  const name = `${fuzzer}-${kinds}-s${seed}-c${c}`.replace(/[^A-Za-z0-9_.-]/g, "_");
  const known = out.failures.map(classify).find((k) => k);
  const e: CorpusEntry = {
    name,
    description: out.failures.map((f) => `${f.kind}: ${f.message.split("\n")[0]}`).join(" | ").slice(0, 1000),
    fuzzer,
    ...(known ? { knownIssue: known.id } : {}),
    seed,
    case: c,
    ...(fuzzer === "packet" ? { packets: perCase } : { program: generateSyscallProgram(seed, c, perCase) }),
  };
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(e, null, 1) + "\n");
  return path;
}
