/**
 * Runs scenarios that could freeze the JS event loop — a spin never returns
 * to the host loop, so neither virtual time nor a real `setTimeout` in the
 * same thread can stop it — in a worker thread watched from the test's
 * thread. A scenario that does not finish within the watchdog's real-time
 * bound is reported as a hang (the worker is terminated, which interrupts
 * even a synchronous loop) and a fresh worker runs the next one, so a
 * regression fails in seconds instead of freezing the runner.
 *
 * The bound is a watchdog, not a measurement: a passing scenario finishes
 * in milliseconds of real time and never waits on it. Scenarios themselves
 * run on virtual time and should bound it too (`net.runUntil(…, { timeout })`,
 * `net.run({ until })`), so that a call blocked forever ends the run as well.
 *
 * @example
 * const runner = new BoundedRunner(new URL("./freeze-scenarios.ts", import.meta.url));
 * after(() => runner.close());
 * test("urgent byte", async () => assert.equal(await runner.run("urgentByte"), "abc"));
 */
import { Worker } from "node:worker_threads";

/** Thrown by {@link BoundedRunner.run} when a scenario overran the watchdog. */
export class HangError extends Error {
  constructor(readonly scenario: string, readonly ms: number) {
    super(`scenario ${scenario} did not finish within ${ms} ms of real time: it hangs (spins or blocks the event loop)`);
    this.name = "HangError";
  }
}

// The worker: registers tsx, imports the scenario module once, runs one named export per message.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const ready = import("tsx/esm/api").then((api) => { api.register(); return import(workerData.module); });
parentPort.on("message", async ({ id, name }) => {
  try {
    const mod = await ready;
    if (typeof mod[name] !== "function") throw new Error("no scenario named " + name);
    const value = await mod[name]();
    parentPort.postMessage({ id, ok: true, value });
  } catch (e) {
    parentPort.postMessage({ id, ok: false, error: { name: e && e.name, message: String(e && e.message || e), code: e && e.code, stack: e && e.stack } });
  }
});
`;

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: { name: string; message: string; code?: string; stack?: string };
}

/** A worker running the named exports of one scenario module, one at a time, under a watchdog. */
export class BoundedRunner {
  readonly #module: string;
  readonly #timeoutMs: number;
  #worker: Worker | null = null;
  #next = 0;
  #chain: Promise<unknown> = Promise.resolve();

  /** `module`: the scenario file; `timeoutMs`: the watchdog's real-time bound per scenario (default 20 s). */
  constructor(module: URL, opts: { timeoutMs?: number } = {}) {
    this.#module = module.href;
    this.#timeoutMs = opts.timeoutMs ?? 20_000;
  }

  #spawn(): Worker {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: this.#module } });
    w.unref();
    return w;
  }

  /** Runs scenario `name`; resolves with its (structured-cloned) result, rejects with its error or a {@link HangError}. */
  run(name: string): Promise<unknown> {
    const p = this.#chain.then(() => this.#run(name));
    this.#chain = p.catch(() => undefined);
    return p;
  }

  #run(name: string): Promise<unknown> {
    const w = (this.#worker ??= this.#spawn());
    const id = ++this.#next;
    return new Promise<unknown>((resolve, reject) => {
      const onMessage = (r: Reply): void => {
        if (r.id !== id) return;
        cleanup();
        if (r.ok) resolve(r.value);
        else {
          const e = new Error(r.error!.message);
          e.name = r.error!.name;
          if (r.error!.stack) e.stack = r.error!.stack;
          (e as Error & { code?: string }).code = r.error!.code;
          reject(e);
        }
      };
      const onError = (e: Error): void => {
        cleanup();
        this.#worker = null;
        reject(e);
      };
      const timer = setTimeout(() => {
        cleanup();
        this.#worker = null;
        void w.terminate();
        reject(new HangError(name, this.#timeoutMs));
      }, this.#timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        w.off("message", onMessage);
        w.off("error", onError);
      };
      w.on("message", onMessage);
      w.on("error", onError);
      w.postMessage({ id, name });
    });
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = null;
    if (w) await w.terminate();
  }
}
