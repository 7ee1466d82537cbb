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

/** A worker that runs seeds of a scenario or script one at a time. */
class SeedWorker {
  #worker: Worker | null = null;
  #ready: Promise<void> | null = null;
  #output: () => string = () => "";
  constructor(readonly target: SweepTarget) {}

  #start(): Promise<void> {
    const entry = new URL(FROM_SOURCE ? "./worker.ts" : "./worker.js", import.meta.url).href;
    const w = startWorker(entry, FROM_SOURCE || needsTsx(this.target), { workerData: { target: this.target } });
    this.#worker = w;
    this.#output = tail(w, 2000);
    return new Promise<void>((res, rej) => {
      const onMsg = (m: { ready?: boolean; error?: string }) => {
        if (m.ready === undefined) return;
        w.off("message", onMsg);
        w.off("error", rej);
        if (m.ready) res();
        else rej(new Error(m.error ?? "the worker could not load the target"));
      };
      w.on("message", onMsg);
      w.once("error", rej);
      w.once("exit", (code) => rej(new Error(`the worker exited (${code}) before it was ready: ${this.#output()}`)));
    });
  }

  /** Runs one seed; a crash or a timeout is the seed's failure, and the next seed gets a fresh worker. */
  async run(seed: number, timeoutMs: number): Promise<Omit<SeedOutcome, "ms">> {
    if (!this.#worker) this.#ready = this.#start();
    await this.#ready;
    const w = this.#worker!;
    return new Promise((res) => {
      const done = (o: Omit<SeedOutcome, "ms">, restart: boolean) => {
        clearTimeout(timer);
        w.off("message", onMsg);
        w.off("error", onError);
        w.off("exit", onExit);
        if (restart) {
          this.#worker = null;
          void w.terminate();
        }
        res(o);
      };
      const onMsg = (m: WorkerAnswer) => {
        if (m.seed === seed) done(m.ok ? { seed, ok: true } : { seed, ok: false, reason: m.reason ?? "failed" }, false);
      };
      const onError = (e: Error) => done({ seed, ok: false, reason: `uncaught in the worker: ${e.stack ?? e.message}` }, true);
      const onExit = (code: number) => done({ seed, ok: false, reason: `the worker exited (${code}): ${this.#output()}` }, true);
      const timer = setTimeout(() => done({ seed, ok: false, reason: `no result after ${timeoutMs / 1000} s of real time (a hang?)` }, true), timeoutMs);
      w.on("message", onMsg);
      w.once("error", onError);
      w.once("exit", onExit);
      w.postMessage({ seed });
    });
  }

  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = null;
    if (w) await w.terminate();
  }
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
  let next = range.from;
  let stopped = false;
  const slot = async (): Promise<void> => {
    const sw = target.kind === "test" ? null : new SeedWorker(target);
    try {
      while (!stopped && next <= range.to) {
        const seed = next++;
        const t0 = performance.now();
        const o = target.kind === "test" ? await runTestSeed(target, seed, timeoutMs) : await sw!.run(seed, timeoutMs);
        const full: SeedOutcome = { ...o, ms: performance.now() - t0 };
        outcomes.push(full);
        opts.onOutcome?.(full);
        if (!full.ok && opts.failFast) stopped = true;
      }
    } catch (e) {
      stopped = true;
      throw e;
    } finally {
      await sw?.close();
    }
  };
  const size = rangeSize(range);
  const n = Math.max(1, Math.min(opts.workers, size));
  const settled = await Promise.allSettled(Array.from({ length: n }, slot));
  const bad = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (bad) throw bad.reason;
  outcomes.sort((a, b) => a.seed - b.seed);
  return { outcomes, stopped: outcomes.length < size };
}
