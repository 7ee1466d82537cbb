import { test } from "node:test";
import assert from "node:assert/strict";
import { formatReport, mergeReports, MergeError, REPORT_FORMAT, reportPassed, type SweepReport } from "./report.js";
import { shardRange } from "./seeds.js";
import { replayCommand, type SweepTarget } from "./target.js";

const target: SweepTarget = { kind: "scenario", name: "handshake-and-close" };
const range = { from: 1, to: 10 };

/** The report shard `index` of 3 would give with the seeds in `failing` failing. */
function shardReport(index: number, failing: number[], count = 3, t: SweepTarget = target): SweepReport {
  const s = shardRange(range, { index, count })!;
  const failures = failing.filter((x) => x >= s.from && x <= s.to).map((seed) => ({ seed, reason: `seed ${seed} failed`, replay: replayCommand(t, seed) }));
  const planned = s.to - s.from + 1;
  return {
    format: REPORT_FORMAT, target: t, range, shard: { index, count, from: s.from, to: s.to }, workers: 2, failFast: false,
    planned, ran: planned, passed: planned - failures.length, failures, stopped: false, wall_s: index, machine: { cores: 2, node: "v20", loadavg: "0 0 0" },
  };
}

test("merge: the shards of one sweep join into a report over the whole range, failures in seed order", () => {
  const m = mergeReports([shardReport(3, [9, 2, 5]), shardReport(1, [9, 2, 5]), shardReport(2, [9, 2, 5])]);
  assert.equal(m.shard, null, "a merge covers the range");
  assert.deepEqual([m.planned, m.ran, m.passed], [10, 10, 7], "counts summed");
  assert.deepEqual(m.failures.map((f) => f.seed), [2, 5, 9], "failures sorted by seed");
  assert.deepEqual(m.merged!.shards.map((s) => [s.index, s.from, s.to, s.failed]), [[1, 1, 4, 1], [2, 5, 7, 1], [3, 8, 10, 1]], "per-shard summary");
  assert.deepEqual(m.merged!.missing, [], "nothing missing");
  assert.equal(m.wall_s, 3, "the slowest shard's wall time");
  assert.equal(reportPassed(m), false, "failures: not passed");
  assert.equal(formatReport(m).at(-1), "sweep scenario handshake-and-close, seeds 1..10, 3 of 3 shards merged: 10 run, 7 passed, 3 failed", "summary line");
  assert.equal(formatReport(m)[1], "  replay: sockstack demo handshake-and-close --seed 2", "each failure has its replay command");
  assert.equal(reportPassed(mergeReports([1, 2, 3].map((i) => shardReport(i, [])))), true, "all shards passed");
});

test("merge: a missing shard is named and fails the merge; mismatched reports are refused", () => {
  const m = mergeReports([shardReport(1, []), shardReport(3, [])]);
  assert.deepEqual(m.merged!.missing, [2], "shard 2 missing");
  assert.equal(reportPassed(m), false, "a missing shard fails the merge");
  assert.equal(formatReport(m).at(-1), "missing shard report(s): 2/3", "named in the text");
  const refused: [SweepReport[], RegExp][] = [
    [[], /no reports/],
    [[shardReport(1, []), shardReport(1, [])], /shard 1\/3 given twice/],
    [[shardReport(1, []), shardReport(2, [], 4)], /different shard counts/],
    [[shardReport(1, []), shardReport(2, [], 3, { kind: "scenario", name: "rst" })], /different targets/],
    [[shardReport(1, []), { ...shardReport(2, []), range: { from: 1, to: 11 } }], /different seed ranges/],
    [[{ ...shardReport(1, []), format: "x" } as unknown as SweepReport], /not a sweep report/],
    [[null as unknown as SweepReport], /not a sweep report/],
    [[m], /cannot be merged again/],
  ];
  for (const [reports, why] of refused) assert.throws(() => mergeReports(reports), (e: unknown) => e instanceof MergeError && why.test(e.message), String(why));
});

test("replay commands: the demo for a registry scenario, a one-seed sweep for modules and scripts, SOCKSTACK_SEED for tests", () => {
  assert.equal(replayCommand({ kind: "scenario", name: "rst" }, 7), "sockstack demo rst --seed 7", "demo scenario");
  assert.equal(replayCommand({ kind: "scenario", name: "./my scen.ts" }, 7), "sockstack sweep scenario './my scen.ts' --seed 7", "quoted path");
  assert.equal(replayCommand({ kind: "pkt", path: "a/b.pkt", personality: "freebsd", args: ["-D", "X=1"] }, 3), "sockstack sweep pkt a/b.pkt --seed 3 --profile freebsd -D X=1", "script with options");
  assert.equal(replayCommand({ kind: "test", path: "t.test.ts" }, 9), "SOCKSTACK_SEED=9 node --import tsx --test t.test.ts", "TypeScript test module");
  assert.equal(replayCommand({ kind: "test", path: "t.test.mjs" }, 9), "SOCKSTACK_SEED=9 node --test t.test.mjs", "JavaScript test module");
});
