/**
 * The worker pool of a sweep, on `node:worker_threads` directly (the package
 * has no runtime dependencies, and a pool of N slots each taking the next
 * seed is all a sweep needs). Scenarios and packetdrill scripts keep one
 * worker per slot that loads the target once and runs seed after seed; a
 * test module gets a fresh worker per seed (its own `SOCKSTACK_SEED`, its
 * own module state and `node:test` run, as `node --test FILE` would).
 *
 * Seeds are handed out in increasing order. With `failFast`, no seed is
 * started after the first failure, but the seeds in flight finish: every
 * seed below the highest one started has then run, so the lowest failing
 * seed reported is the lowest failing seed of the range, whatever the
 * number of workers.
 */
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { needsTsx, type SweepTarget } from "./target.js";
import type { WorkerAnswer } from "./worker.js";
import { rangeSize, type SeedRange } from "./seeds.js";

/** The outcome of one seed. */
export interface SeedOutcome {
  seed: number;
  ok: boolean;
  /** Why it failed (first line: the summary). */
  reason?: string;
  /** Real milliseconds the seed took. */
  ms: number;
}

/** Options of {@link runPool}. */
export interface PoolOptions {
  /** Worker threads (default 1). */
  workers: number;
  /** Start no seed after the first failure. */
  failFast?: boolean;
  /** Real time a seed may take before it fails as a hang (ms; default 300,000). */
  timeoutMs?: number;
  /** Called after each seed, in completion order. */
  onOutcome?: (o: SeedOutcome) => void;
}

/** The tsx loader's ESM API, from this package's location or else the working directory; null when neither has it. */
function tsxApi(): string | null {
  try {
    return import.meta.resolve("tsx/esm/api");
  } catch {
    try {
      return pathToFileURL(createRequire(join(process.cwd(), "noop.js")).resolve("tsx/esm/api")).href;
    } catch {
      return null;
    }
  }
}

/** Where this module runs from: the TypeScript sources (under tsx) or dist/. */
const FROM_SOURCE = import.meta.url.endsWith(".ts");

/** Starts a worker running `entry` (a module URL), registering tsx first when it is needed. */
function startWorker(entry: string, tsx: boolean, opts: { workerData?: unknown; env?: NodeJS.ProcessEnv }): Worker {
  let code = `import(${JSON.stringify(entry)});`;
  if (tsx) {
    const api = tsxApi();
    if (!api) throw new Error("a TypeScript module needs the tsx loader (npm install --save-dev tsx)");
    // Node 20's workers do not inherit the parent's loader hooks: the worker registers tsx itself.
    code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  }
  return new Worker(code, { eval: true, stdout: true, stderr: true, workerData: opts.workerData, ...(opts.env ? { env: opts.env } : {}) });
}

/** Keeps the last `max` characters a stream wrote. */
function tail(w: Worker, max: number): () => string {
  let s = "";
  const add = (d: Buffer) => {
    s += d.toString();
    if (s.length > 2 * max) s = s.slice(-max);
  };
  w.stdout.on("data", add);
  w.stderr.on("data", add);
  return () => s.slice(-max);
}

/** Memory the slots' workers share with the pool: no message round trip per seed. */
interface Shared {
  /** [0]: the index (in the range) of the next seed to claim. */
  next: BigInt64Array;
  /** [0]: 1 once no seed may start (fail-fast). */
  stop: Int32Array;
  /** [slot]: 1 + the index of the seed the slot's worker runs, 0 when none. */
  cur: BigInt64Array;
}

/**
 * Scenarios and scripts: each slot's worker loads the target once, then
 * claims seeds itself from a shared counter (`Atomics.add`) and posts each
 * outcome without waiting for an answer — on a loaded machine a round trip
 * through the main thread per seed costs more than a small seed. The main
 * thread only collects outcomes and watches the clock: a seed running past
 * the time limit, or a worker that dies, fails that seed, and the slot gets
 * a fresh worker that goes on claiming.
 */
function runClaiming(target: SweepTarget, range: SeedRange, workers: number, failFast: boolean, timeoutMs: number, record: (o: Omit<SeedOutcome, "ms">, ms: number) => void): Promise<void> {
  const size = rangeSize(range);
  const sh: Shared = {
    next: new BigInt64Array(new SharedArrayBuffer(8)),
    stop: new Int32Array(new SharedArrayBuffer(4)),
    cur: new BigInt64Array(new SharedArrayBuffer(8 * workers)),
  };
  const entry = new URL(FROM_SOURCE ? "./worker.ts" : "./worker.js", import.meta.url).href;
  const tsx = FROM_SOURCE || needsTsx(target);
  return new Promise<void>((resolve, reject) => {
    let live = 0;
    let failed: Error | null = null;
    const slots: { worker: Worker | null; seen: bigint; since: number; reported: bigint; output: () => string }[] = [];
    const finishIfDone = () => {
      if (live > 0) return;
      clearInterval(watchdog);
      if (failed) reject(failed);
      else resolve();
    };
    const retire = (i: number, w: Worker) => {
      const slot = slots[i]!;
      if (slot.worker !== w) return;
      slot.worker = null;
      live--;
    };
    const start = (i: number) => {
      const w = startWorker(entry, tsx, { workerData: { target, slot: i, from: range.from, size, failFast, next: sh.next.buffer, stop: sh.stop.buffer, cur: sh.cur.buffer } });
      const slot = (slots[i] ??= { worker: null, seen: 0n, since: 0, reported: 0n, output: () => "" });
      slot.worker = w;
      slot.output = tail(w, 2000);
      live++;
      // The seed the slot was running when its worker died or hung: a failure (unless its outcome came first).
      const lost = (reason: string) => {
        const c = Atomics.load(sh.cur, i);
        if (c !== 0n && c !== slot.reported) {
          const seed = range.from + Number(c - 1n);
          record({ seed, ok: false, reason }, performance.now() - slot.since);
          if (failFast) Atomics.store(sh.stop, 0, 1);
        }
        Atomics.store(sh.cur, i, 0n);
      };
      w.on("message", (m: WorkerAnswer & { ready?: boolean; error?: string; idle?: boolean }) => {
        if (m.ready === false) {
          failed ??= new Error(m.error ?? "the worker could not load the target");
          Atomics.store(sh.stop, 0, 1);
          retire(i, w);
          void w.terminate();
          return finishIfDone();
        }
        if (m.idle) {
          retire(i, w);
          void w.terminate();
          return finishIfDone();
        }
        if (typeof m.seed === "number") {
          slot.reported = BigInt(m.seed - range.from) + 1n;
          record(m.ok ? { seed: m.seed, ok: true } : { seed: m.seed, ok: false, reason: m.reason ?? "failed" }, m.ms);
        }
      });
      const died = (why: string) => {
        if (slot.worker !== w) return;
        lost(why);
        retire(i, w);
        if (!failed && !Atomics.load(sh.stop, 0) && Atomics.load(sh.next, 0) < BigInt(size)) start(i);
        finishIfDone();
      };
      w.on("error", (e) => died(`uncaught in the worker: ${e.stack ?? e.message}`));
      w.on("exit", (code) => died(`the worker exited (${code}): ${slot.output()}`));
    };
    // The clock: when a slot's seed changes, note the time; a seed past the limit is a hang.
    const watchdog = setInterval(() => {
      const now = performance.now();
      slots.forEach((slot, i) => {
        const c = Atomics.load(sh.cur, i);
        if (c !== slot.seen) {
          slot.seen = c;
          slot.since = now;
          return;
        }
        const w = slot.worker;
        if (c === 0n || !w || now - slot.since < timeoutMs) return;
        const seed = range.from + Number(c - 1n);
        slot.reported = c;
        record({ seed, ok: false, reason: `no result after ${timeoutMs / 1000} s of real time (a hang?)` }, now - slot.since);
        if (failFast) Atomics.store(sh.stop, 0, 1);
        Atomics.store(sh.cur, i, 0n);
        retire(i, w);
        void w.terminate();
        if (!Atomics.load(sh.stop, 0) && Atomics.load(sh.next, 0) < BigInt(size)) start(i);
        finishIfDone();
      });
    }, Math.max(10, Math.min(250, timeoutMs / 4)));
    for (let i = 0; i < workers; i++) start(i);
  });
}

/** The first failing tests of a TAP report (`not ok N - name` and its `error:` line). */
export function tapFailures(tap: string): string {
  const lines = tap.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length && out.length < 6; i++) {
    const m = /^(\s*)not ok \d+ - (.*)$/.exec(lines[i]!);
    if (!m) continue;
    let err = "";
    for (let j = i + 1; j < lines.length && j < i + 40; j++) {
      const l = lines[j]!;
      if (/^\s*(not )?ok \d+ /.test(l)) break;
      const e = /^\s*error: (.*)$/.exec(l);
      if (e) {
        err = e[1]!.replace(/^'(.*)'$/, "$1");
        if (err === "|-" || err === ">-") err = (lines[j + 1] ?? "").trim();
        break;
      }
    }
    out.push(`${m[1]!.length ? "  ".repeat(m[1]!.length / 4) : ""}not ok: ${m[2]}${err ? ` — ${err}` : ""}`);
  }
  return out.join("\n");
}

/** One seed of a test module: a fresh worker with `SOCKSTACK_SEED` set; fails when its tests fail. */
function runTestSeed(t: Extract<SweepTarget, { kind: "test" }>, seed: number, timeoutMs: number): Promise<Omit<SeedOutcome, "ms">> {
  const entry = pathToFileURL(resolve(t.path)).href;
  const env: NodeJS.ProcessEnv = { ...process.env, SOCKSTACK_SEED: String(seed) };
  // Run under a test runner (a sweep from a test), node:test would report to it in its own binary protocol: TAP here.
  delete env.NODE_TEST_CONTEXT;
  const w = startWorker(entry, needsTsx(t), { env });
  const out = tail(w, 20_000);
  let uncaught: Error | null = null;
  w.on("error", (e) => (uncaught = e));
  return new Promise((res) => {
    const timer = setTimeout(() => {
      void w.terminate();
      res({ seed, ok: false, reason: `no result after ${timeoutMs / 1000} s of real time (a hang, or a handle kept open?)` });
    }, timeoutMs);
    w.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0 && !uncaught) return res({ seed, ok: true });
      const failed = tapFailures(out());
      const u = uncaught as Error | null;
      res({ seed, ok: false, reason: failed || (u ? `uncaught: ${u.stack ?? u.message}` : `exit status ${code}: ${out().slice(-1000)}`) });
    });
  });
}

/**
 * Runs the seeds of `range` (in increasing order) on `opts.workers` worker
 * threads; resolves to the outcomes (sorted by seed) and whether fail-fast
 * stopped the sweep before the end of the range. Rejects when the target
 * cannot be loaded at all (no such scenario, a module that does not
 * import), after the other workers have stopped.
 */
export async function runPool(target: SweepTarget, range: SeedRange, opts: PoolOptions): Promise<{ outcomes: SeedOutcome[]; stopped: boolean }> {
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const outcomes: SeedOutcome[] = [];
  const size = rangeSize(range);
  const n = Math.max(1, Math.min(opts.workers, size));
  const record = (o: Omit<SeedOutcome, "ms">, ms: number) => {
    const full: SeedOutcome = { ...o, ms };
    outcomes.push(full);
    opts.onOutcome?.(full);
  };
  if (target.kind === "test") {
    let next = range.from;
    let stopped = false;
    const slot = async (): Promise<void> => {
      while (!stopped && next <= range.to) {
        const seed = next++;
        const t0 = performance.now();
        const o = await runTestSeed(target, seed, timeoutMs);
        record(o, performance.now() - t0);
        if (!o.ok && opts.failFast) stopped = true;
      }
    };
    await Promise.all(Array.from({ length: n }, slot));
  } else {
    await runClaiming(target, range, n, opts.failFast ?? false, timeoutMs, record);
  }
  outcomes.sort((a, b) => a.seed - b.seed);
  return { outcomes, stopped: outcomes.length < size };
}
