/**
 * `sweep()`: one target (a demo scenario, a packetdrill script, a
 * `node:test` module) run under every seed of a range — or of one shard of
 * it — on worker threads, into a {@link SweepReport}.
 */
import os from "node:os";
import { runPool, type SeedOutcome } from "./pool.js";
import { REPORT_FORMAT, type SweepReport } from "./report.js";
import { parseSeedRange, parseShard, rangeSize, shardRange, type SeedRange, type Shard } from "./seeds.js";
import { replayCommand, type SweepTarget } from "./target.js";

/** Options of {@link sweep}. */
export interface SweepOptions {
  /** The seeds: a range, or its text (`"1..1000"`, `"1000"` = 1..1000). */
  seeds: SeedRange | string;
  /** Run only this shard of the range (`{ index: 2, count: 4 }` or `"2/4"`). */
  shard?: Shard | string;
  /** Worker threads (default: the machine's available parallelism). */
  workers?: number;
  /** Start no seed after the first failure (the seeds in flight finish). */
  failFast?: boolean;
  /** Real time one seed may take before it fails as a hang (ms; default 300,000). */
  timeoutMs?: number;
  /** Called after each seed, in completion order (progress). */
  onSeed?: (o: SeedOutcome) => void;
}

/** The machine line of a report. */
function machine(): SweepReport["machine"] {
  return { cores: os.availableParallelism(), node: process.version, loadavg: os.loadavg().map((x) => x.toFixed(2)).join(" ") };
}

/**
 * Runs `target` under each seed of `opts.seeds` (or of shard `opts.shard`
 * of it) on worker threads and reports the failing seeds, each with the
 * command that replays it. Rejects only when the target cannot be loaded
 * at all; a seed that fails, crashes its worker or hangs is a failure in
 * the report.
 * @example
 * const report = await sweep({ kind: "scenario", name: "handshake" }, { seeds: "1..100", workers: 2 });
 * for (const f of report.failures) console.log(f.seed, f.replay);
 */
export async function sweep(target: SweepTarget, opts: SweepOptions): Promise<SweepReport> {
  const range = typeof opts.seeds === "string" ? parseSeedRange(opts.seeds) : opts.seeds;
  const shard = opts.shard === undefined ? null : typeof opts.shard === "string" ? parseShard(opts.shard) : opts.shard;
  const mine = shard ? shardRange(range, shard) : range;
  const workers = Math.max(1, Math.floor(opts.workers ?? os.availableParallelism()));
  const t0 = performance.now();
  const { outcomes, stopped } = mine
    ? await runPool(target, mine, { workers, failFast: opts.failFast ?? false, timeoutMs: opts.timeoutMs, onOutcome: opts.onSeed })
    : { outcomes: [], stopped: false };
  const failures = outcomes.filter((o) => !o.ok).map((o) => ({ seed: o.seed, reason: o.reason ?? "failed", replay: replayCommand(target, o.seed) }));
  return {
    format: REPORT_FORMAT,
    target,
    range,
    shard: shard ? { index: shard.index, count: shard.count, from: mine?.from ?? null, to: mine?.to ?? null } : null,
    workers,
    failFast: opts.failFast ?? false,
    planned: mine ? rangeSize(mine) : 0,
    ran: outcomes.length,
    passed: outcomes.length - failures.length,
    failures,
    stopped,
    wall_s: (performance.now() - t0) / 1000,
    machine: machine(),
  };
}
