/**
 * The worker thread of a sweep (scenarios and packetdrill scripts): loads
 * the target once, says `{ ready }`, then claims seeds from the counter it
 * shares with the other workers (pool.ts) and posts `{ seed, ok, reason }`
 * for each, until the range is done or fail-fast stops it (`{ idle }`). Test modules do not come here: each of
 * their seeds is a fresh worker importing the module (pool.ts).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import type { DemoScenario } from "../demo/context.js";
import { isModulePath, type SweepTarget } from "./target.js";

/** What the worker answers for one seed. */
export interface WorkerAnswer {
  seed: number;
  ok: boolean;
  /** Why it failed: one line first, details after. */
  reason?: string;
  /** Real milliseconds the seed took. */
  ms: number;
}

type RunSeed = (seed: number) => Promise<string | null>;

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.name === "Error" ? "" : `${e.name}: `}${e.message}${e.stack ? `\n${e.stack.split("\n").slice(1, 8).join("\n")}` : ""}`;
  return String(e);
}

async function load(t: SweepTarget): Promise<RunSeed> {
  if (t.kind === "scenario") {
    if (!isModulePath(t.name)) {
      // Loaded on demand: a user's module or a script does not pay for the other kinds' imports.
      const { findScenario } = await import("../demo/registry.js");
      const sc = findScenario(t.name);
      if (!sc) throw new Error(`no scenario '${t.name}'`);
      return await demoRunner(sc);
    }
    const mod = (await import(pathToFileURL(resolve(t.name)).href)) as { default?: unknown; scenario?: unknown };
    const x = mod.default ?? mod.scenario;
    if (typeof x === "function") {
      const fn = x as (seed: number) => unknown;
      return async (seed) => {
        await fn(seed);
        return null;
      };
    }
    if (x && typeof (x as DemoScenario).run === "function") return await demoRunner(x as DemoScenario);
    throw new Error(`${t.name}: the default export is neither a function of the seed nor a scenario ({ run(d) })`);
  }
  if (t.kind === "pkt") {
    const { RUN_ALL_IPV4_ARGS } = await import("../conformance/config.js");
    const { runScript } = await import("../conformance/runner.js");
    const text = readFileSync(t.path, "utf8");
    const args = [...(t.runAll ? RUN_ALL_IPV4_ARGS : []), ...(t.args ?? [])];
    const readFile = (p: string): string | null => {
      try {
        return readFileSync(p, "utf8"); // already resolved against the script's folder by the runner
      } catch {
        return null;
      }
    };
    return async (seed) => {
      const r = await runScript(text, { path: t.path, seed, args, readFile, ...(t.personality ? { personality: t.personality } : {}) });
      if (r.status === "passed") return null;
      return `${r.status}${r.line !== null ? ` at line ${r.line}` : ""}: ${r.reason ?? ""}`;
    };
  }
  throw new Error(`sweep worker: kind ${t.kind} is not run here`);
}

async function demoRunner(sc: Pick<DemoScenario, "run">): Promise<RunSeed> {
  const { DemoContext } = await import("../demo/context.js");
  return async (seed) => {
    const d = new DemoContext(seed, () => {});
    await sc.run(d);
    d.finish();
    return null;
  };
}

interface WorkerData {
  target: SweepTarget;
  slot: number;
  from: number;
  size: number;
  failFast: boolean;
  next: SharedArrayBuffer;
  stop: SharedArrayBuffer;
  cur: SharedArrayBuffer;
}

const port = parentPort!;
const data = workerData as WorkerData;
const next = new BigInt64Array(data.next);
const stop = new Int32Array(data.stop);
const cur = new BigInt64Array(data.cur);

/** Claims seeds from the shared counter until the range is done or the sweep stops; posts each outcome. */
async function claimLoop(run: RunSeed): Promise<void> {
  for (;;) {
    if (Atomics.load(stop, 0)) break;
    const i = Atomics.add(next, 0, 1n);
    if (i >= BigInt(data.size)) break;
    Atomics.store(cur, data.slot, i + 1n);
    const seed = data.from + Number(i);
    const t0 = performance.now();
    let reason: string | null;
    try {
      reason = await run(seed);
    } catch (e) {
      reason = errorText(e);
    }
    const ms = performance.now() - t0;
    port.postMessage((reason === null ? { seed, ok: true, ms } : { seed, ok: false, reason, ms }) satisfies WorkerAnswer);
    if (reason !== null && data.failFast) Atomics.store(stop, 0, 1);
    Atomics.store(cur, data.slot, 0n);
  }
  port.postMessage({ idle: true });
}

load(data.target).then(
  (run) => {
    port.postMessage({ ready: true });
    return claimLoop(run);
  },
  (e: unknown) => port.postMessage({ ready: false, error: errorText(e) }),
);
