// `sockstack sweep`: the command line (bad arguments → one line and the usage, exit 2), and small real sweeps
// of each kind of target on worker threads — a few seeds each, so the suite stays fast.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "./main.js";
import { captureIo } from "./io.js";
import type { SweepReport } from "../sweep/report.js";

async function run(...argv: string[]) {
  const io = captureIo();
  const code = await main(["sweep", ...argv], io);
  return { code, out: io.stdout, err: io.stderr };
}

const TEST_MODULE = "test/sweep/seed-test-module.mjs";
const SCENARIO_MODULE = "test/sweep/seed-scenario.mjs";

test("sweep bad arguments: one-line reason, usage line, exit 2, before anything runs", async () => {
  const cases: [string[], string][] = [
    [[], "no target given (scenario NAME, pkt FILE or test FILE)"],
    [["bogus", "x", "--seeds", "3"], "unknown target kind 'bogus' (scenario, pkt, test or merge)"],
    [["scenario", "--seeds", "3"], "scenario: no scenario name or file given"],
    [["scenario", "nosuch", "--seeds", "3"], "no scenario 'nosuch' (sockstack demo lists them)"],
    [["scenario", "rst"], "no seeds given (--seeds A..B, or --seed N)"],
    [["scenario", "rst", "--seeds", "9..2"], "seed range 9..2: the last seed is below the first"],
    [["scenario", "rst", "--seeds", "3", "--seed", "2"], "--seeds and --seed together: give one"],
    [["scenario", "rst", "--seeds", "3", "--shard", "5/4"], "shard 5/4: I must be between 1 and 4"],
    [["scenario", "rst", "--seeds", "3", "--shard", "1"], "shard '1' is not I/N (e.g. 1/4)"],
    [["scenario", "rst", "--seeds", "3", "-j", "0"], "option -j: 0 is below the minimum 1"],
    [["scenario", "rst", "--seeds", "3", "--bogus"], "unknown option --bogus"],
    [["scenario", "rst", "extra", "--seeds", "3"], "unexpected argument 'extra'"],
    [["scenario", "rst", "--seeds", "3", "--profile", "linux"], "--profile is for pkt targets"],
    [["scenario", "./nosuch.mjs", "--seeds", "3"], "./nosuch.mjs: No such file or directory"],
    [["pkt", "nosuch.pkt", "--seeds", "3"], "nosuch.pkt: No such file or directory"],
    [["pkt", "test/pkt", "--seeds", "3"], "test/pkt: not a packetdrill script (a .pkt file)"],
    [["pkt", "test/pkt/must-fail/wrong-return.pkt", "--seeds", "3", "--profile", "hpux"], "unknown profile 'hpux' (linux or freebsd)"],
    [["test", "nosuch.test.ts", "--seeds", "3"], "nosuch.test.ts: No such file or directory"],
    [["merge"], "merge: no report files given"],
    [["merge", "nosuch.json"], "nosuch.json: No such file or directory"],
    [["merge", "package.json"], "merge: not a sweep report (format null, expected sockstack-sweep/1)"],
  ];
  for (const [argv, why] of cases) {
    const r = await run(...argv);
    assert.equal(r.code, 2, `exit 2 for ${argv.join(" ")}`);
    assert.deepEqual(r.err[0], `sockstack sweep: ${why}`, `reason for ${argv.join(" ")}`);
    assert.match(r.err[1] ?? "", /^usage: sockstack sweep /, `usage line for ${argv.join(" ")}`);
    assert.equal(r.err.length, 2, `two lines for ${argv.join(" ")}`);
    assert.deepEqual(r.out, [], `nothing on stdout for ${argv.join(" ")}`);
  }
  const h = await run("--help");
  assert.equal(h.code, 0, "--help exits 0");
  assert.match(h.out[0]!, /^usage: sockstack sweep /, "--help starts with the usage");
});

test("sweep test FILE: each seed a fresh worker under SOCKSTACK_SEED; the failing seeds with the failed test and a replay command", async () => {
  const r = await run("test", TEST_MODULE, "--seeds", "1..7", "-j", "2");
  assert.equal(r.code, 1, "a seed failed: exit 1");
  assert.deepEqual(r.out.slice(0, 4), [
    "FAIL seed 3: not ok: a seed-dependent check — seed 3 is divisible by 3",
    `  replay: SOCKSTACK_SEED=3 node --test ${TEST_MODULE}`,
    "FAIL seed 6: not ok: a seed-dependent check — seed 6 is divisible by 3",
    `  replay: SOCKSTACK_SEED=6 node --test ${TEST_MODULE}`,
  ], "failures in seed order, each with its replay");
  assert.match(r.out[4]!, /^sweep test .*, seeds 1\.\.7: 7 run in .* 5 passed, 2 failed$/, "summary");
  const ok = await run("test", TEST_MODULE, "--seeds", "1..2", "--json");
  assert.equal(ok.code, 0, "every seed passed: exit 0");
  const rep = JSON.parse(ok.out.join("\n")) as SweepReport;
  assert.deepEqual([rep.planned, rep.ran, rep.passed, rep.failures.length], [2, 2, 2, 0], "JSON counts");
});

test("sweep scenario FILE in shards: the merged shard reports equal the whole sweep's failures; --fail-fast stops at the lowest failing seed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockstack-sweep-"));
  try {
    const files = [1, 2].map((i) => join(dir, `shard-${i}.json`));
    for (let i = 1; i <= 2; i++) {
      const r = await run("scenario", SCENARIO_MODULE, "--seeds", "1..10", "--shard", `${i}/2`, "-j", "1", "--report", files[i - 1]!);
      assert.equal(r.code, 1, `shard ${i}: seeds 4 and 8 fail, one in each shard`);
      const rep = JSON.parse(readFileSync(files[i - 1]!, "utf8")) as SweepReport;
      assert.deepEqual(rep.shard, { index: i, count: 2, ...[{ from: 1, to: 5 }, { from: 6, to: 10 }][i - 1] }, `shard ${i}'s seeds`);
    }
    const m = await run("merge", ...files);
    assert.equal(m.code, 1, "merged: failures → exit 1");
    assert.deepEqual(m.out.filter((l) => l.startsWith("FAIL")).map((l) => l.split(":")[0]), ["FAIL seed 4", "FAIL seed 8"], "both failures, in order");
    assert.equal(m.out.at(-1), `sweep scenario ${SCENARIO_MODULE}, seeds 1..10, 2 of 2 shards merged: 10 run, 8 passed, 2 failed`, "summary");
    const partial = await run("merge", files[1]!);
    assert.equal(partial.out.at(-1), "missing shard report(s): 1/2", "a missing shard is named");
    const ff = await run("scenario", SCENARIO_MODULE, "--seeds", "1..10", "-j", "2", "--fail-fast", "--json");
    const rep = JSON.parse(ff.out.join("\n")) as SweepReport;
    assert.equal(rep.failures[0]?.seed, 4, "the lowest failing seed is reported");
    assert.equal(rep.stopped, true, "stopped early");
    assert.ok(rep.ran < 10, `fewer than 10 seeds ran (${rep.ran})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sweep pkt FILE and a demo scenario: the runner's verdict per seed; a registry scenario replays with sockstack demo", async () => {
  const p = await run("pkt", "test/pkt/must-fail/wrong-return.pkt", "--seeds", "1..5", "-j", "1", "--fail-fast");
  assert.equal(p.code, 1, "the script fails");
  assert.deepEqual(p.out.slice(0, 2), [
    "FAIL seed 1: failed at line 5: close(): expected 0, got -1 EBADF (close: Bad file descriptor)",
    "  replay: sockstack sweep pkt test/pkt/must-fail/wrong-return.pkt --seed 1",
  ], "the verdict and the replay");
  assert.match(p.out.at(-1)!, /1 run .* 0 passed, 1 failed; stopped at the first failure \(--fail-fast\), 4 not run$/, "fail-fast with one worker runs one seed");
  const d = await run("scenario", "udp", "--seeds", "1..2", "-j", "1");
  assert.equal(d.code, 0, `the udp demo passes under seeds 1 and 2: ${d.out.join("\n")}`);
  assert.match(d.out.at(-1)!, /^sweep scenario udp, seeds 1\.\.2: 2 run in .* 2 passed, 0 failed$/, "summary");
});

test("sweep: a seed that spins past --timeout, or ends its worker, fails; the slot goes on with a fresh worker", async () => {
  const r = await run("scenario", "test/sweep/seed-hang.mjs", "--seeds", "1..4", "-j", "1", "--timeout", "1", "--json");
  const rep = JSON.parse(r.out.join("\n")) as SweepReport;
  assert.equal(r.code, 1, "failures: exit 1");
  assert.deepEqual(rep.failures.map((f) => [f.seed, f.reason.split(":")[0]]), [[2, "no result after 1 s of real time (a hang?)"], [3, "the worker exited (3)"]], "the hang and the exit");
  assert.deepEqual([rep.ran, rep.passed], [4, 2], "seeds 1 and 4 passed, in fresh workers");
});
