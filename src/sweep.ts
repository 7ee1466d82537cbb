/**
 * `sockstack/sweep`: a scenario, a packetdrill script or a `node:test`
 * module run under many seeds on worker threads, and split across machines
 * in shards whose reports merge (docs/sweep.md). Node only.
 */
export { sweep, type SweepOptions } from "./sweep/sweep.js";
export { mergeReports, formatReport, reportPassed, MergeError, REPORT_FORMAT, type SweepReport, type SweepFailure, type ShardSummary } from "./sweep/report.js";
export { parseSeedRange, parseShard, shardRange, rangeSize, formatRange, SeedRangeError, MAX_SEED, type SeedRange, type Shard } from "./sweep/seeds.js";
export { replayCommand, describeTarget, TARGET_KINDS, type SweepTarget } from "./sweep/target.js";
export type { SeedOutcome } from "./sweep/pool.js";
