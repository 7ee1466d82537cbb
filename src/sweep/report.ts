/**
 * A sweep's report (the `--json` document of `sockstack sweep`), its text
 * form, and the merge of the shards' reports into one.
 */
import { formatRange, rangeSize, type SeedRange } from "./seeds.js";
import { describeTarget, type SweepTarget } from "./target.js";

/** The `format` field of every report: the schema's name and version. */
export const REPORT_FORMAT = "sockstack-sweep/1";

/** One failing seed. */
export interface SweepFailure {
  seed: number;
  /** Why: the first line says it, the lines after give the detail. */
  reason: string;
  /** The command that replays this seed alone. */
  replay: string;
}

/** Per shard, in a merged report. */
export interface ShardSummary {
  index: number;
  from: number | null;
  to: number | null;
  ran: number;
  failed: number;
  stopped: boolean;
  wall_s: number;
}

/** The result of a sweep, of one shard of it, or of the merge of its shards. */
export interface SweepReport {
  format: typeof REPORT_FORMAT;
  target: SweepTarget;
  /** The whole seed range of the sweep (every shard's report names the same one). */
  range: SeedRange;
  /** The shard this report covers (`from`/`to` null: an empty shard); null for a whole range or a merge. */
  shard: { index: number; count: number; from: number | null; to: number | null } | null;
  /** In a merged report: how many shards the sweep had and each one's summary; `missing` the indexes no report was given for. */
  merged?: { count: number; shards: ShardSummary[]; missing: number[] };
  workers: number;
  failFast: boolean;
  /** Seeds this report was to run. */
  planned: number;
  ran: number;
  passed: number;
  failures: SweepFailure[];
  /** Fail-fast stopped before every planned seed ran. */
  stopped: boolean;
  /** Real seconds (a merge: the slowest shard's). */
  wall_s: number;
  machine: { cores: number; node: string; loadavg: string };
}

/** The verdict of a report: everything planned ran and passed. */
export function reportPassed(r: SweepReport): boolean {
  return r.failures.length === 0 && r.ran === r.planned && !(r.merged && r.merged.missing.length);
}

/** The report as text: one block per failing seed (reason and replay command), then the summary line. */
export function formatReport(r: SweepReport): string[] {
  const out: string[] = [];
  for (const f of r.failures) {
    const [first, ...rest] = f.reason.split("\n");
    out.push(`FAIL seed ${f.seed}: ${first}`);
    for (const l of rest.slice(0, 12)) out.push(`    ${l}`);
    out.push(`  replay: ${f.replay}`);
  }
  const where = r.shard
    ? `shard ${r.shard.index}/${r.shard.count} (${r.shard.from === null ? "no seeds" : `seeds ${formatRange({ from: r.shard.from, to: r.shard.to! })}`}) of ${formatRange(r.range)}`
    : `seeds ${formatRange(r.range)}${r.merged ? `, ${r.merged.count - r.merged.missing.length} of ${r.merged.count} shards merged` : ""}`;
  const rate = r.wall_s > 0 && r.ran > 0 && !r.merged ? ` in ${r.wall_s.toFixed(1)} s (${(r.ran / r.wall_s).toFixed(1)} seeds/s, ${r.workers} worker${r.workers === 1 ? "" : "s"})` : "";
  const stopped = r.stopped ? `; stopped at the first failure (--fail-fast), ${r.planned - r.ran} not run` : "";
  out.push(`sweep ${describeTarget(r.target)}, ${where}: ${r.ran} run${rate}, ${r.passed} passed, ${r.failures.length} failed${stopped}`);
  if (r.merged?.missing.length) out.push(`missing shard report(s): ${r.merged.missing.map((i) => `${i}/${r.merged!.count}`).join(", ")}`);
  return out;
}

/** A set of reports that do not belong together. */
export class MergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MergeError";
  }
}

/**
 * Merges the reports of the shards of one sweep (same target, same range,
 * same shard count; each shard at most once) into one report over the
 * whole range. Shards without a report are listed in `merged.missing` (the
 * merged report then does not pass).
 * @example
 * declare const a: SweepReport, b: SweepReport; // shards 1/2 and 2/2
 * mergeReports([a, b]).failures.map((f) => f.seed);
 */
export function mergeReports(reports: readonly SweepReport[]): SweepReport {
  if (reports.length === 0) throw new MergeError("no reports to merge");
  for (const r of reports) {
    const format = typeof r === "object" && r !== null ? (r as { format?: unknown }).format : undefined;
    if (format !== REPORT_FORMAT) throw new MergeError(`not a sweep report (format ${JSON.stringify(format ?? null)}, expected ${REPORT_FORMAT})`);
  }
  const first = reports[0]!;
  const count = first.shard?.count ?? 1;
  const seen = new Map<number, SweepReport>();
  for (const r of reports) {
    if (JSON.stringify(r.target) !== JSON.stringify(first.target)) throw new MergeError(`different targets: ${describeTarget(first.target)} and ${describeTarget(r.target)}`);
    if (r.range.from !== first.range.from || r.range.to !== first.range.to) throw new MergeError(`different seed ranges: ${formatRange(first.range)} and ${formatRange(r.range)}`);
    if (r.merged) throw new MergeError("a merged report cannot be merged again: merge the shards' own reports");
    const c = r.shard?.count ?? 1;
    if (c !== count) throw new MergeError(`different shard counts: ${count} and ${c}`);
    const i = r.shard?.index ?? 1;
    if (seen.has(i)) throw new MergeError(`shard ${i}/${count} given twice`);
    seen.set(i, r);
  }
  const shards: ShardSummary[] = [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([index, r]) => ({
    index, from: r.shard ? r.shard.from : r.range.from, to: r.shard ? r.shard.to : r.range.to, ran: r.ran, failed: r.failures.length, stopped: r.stopped, wall_s: r.wall_s,
  }));
  const missing: number[] = [];
  for (let i = 1; i <= count; i++) if (!seen.has(i)) missing.push(i);
  const all = [...seen.values()];
  return {
    format: REPORT_FORMAT,
    target: first.target,
    range: first.range,
    shard: null,
    merged: { count, shards, missing },
    workers: Math.max(...all.map((r) => r.workers)),
    failFast: all.some((r) => r.failFast),
    planned: rangeSize(first.range),
    ran: all.reduce((s, r) => s + r.ran, 0),
    passed: all.reduce((s, r) => s + r.passed, 0),
    failures: all.flatMap((r) => r.failures).sort((a, b) => a.seed - b.seed),
    stopped: all.some((r) => r.stopped),
    wall_s: Math.max(...all.map((r) => r.wall_s)),
    machine: first.machine,
  };
}
