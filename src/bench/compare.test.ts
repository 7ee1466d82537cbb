// The regression guard: baselines from several runs (median, noise band), a run compared with one, and
// `sockstack bench --compare FILE --input RUN.json` (nothing is benchmarked here: the runs are made up).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchResult } from "./harness.js";
import { summarize } from "./harness.js";
import { compareFigures, figuresOf, formatComparison, makeBaseline } from "./compare.js";
import { runBench } from "./main.js";

/** A result with a kernel side (its figure is the ratio) or without (the median). */
function result(name: string, s: number, k: number | null, better: "higher" | "lower" = "higher"): BenchResult {
  return {
    name, unit: "MB/s", better, target: "", sockstack: summarize([s]), kernel: k === null ? null : summarize([k]), ratio: k === null ? null : s / k,
    ratioTo: k === null ? null : "kernel", reference: null, met: null, extra: {}, kernelExtra: {}, wall: 1,
  };
}

const meta = { args: ["--quick"], quick: true, machine: {}, loads: [], created: "2026-12-04T00:00:00Z" };

test("a baseline: per figure the median of the runs and the band (max − min) ÷ median; ratios where a kernel side ran", () => {
  const runs = [
    [result("tput", 100, 200), result("idle", 4, null, "lower"), result("lossy", 6.5, null)],
    [result("tput", 120, 200), result("idle", 5, null, "lower"), result("lossy", 6.5, null)],
    [result("tput", 90, 200), result("idle", 4.5, null, "lower"), result("lossy", 6.5, null)],
  ];
  const b = makeBaseline(runs, meta);
  assert.deepEqual(b.figures.map((f) => [f.name, f.figure, f.value]), [["tput", "ratio", 0.5], ["idle", "sockstack", 4.5], ["lossy", "sockstack", 6.5]], "medians");
  assert.ok(Math.abs(b.figures[0]!.band - 0.15 / 0.5) < 1e-12, `ratio band (0.6 − 0.45) ÷ 0.5: ${b.figures[0]!.band}`);
  assert.ok(Math.abs(b.figures[1]!.band - 1 / 4.5) < 1e-12, "idle band 1 ÷ 4.5");
  assert.equal(b.figures[2]!.band, 0, "a figure that never moved has band 0");
  const failed = makeBaseline([[result("tput", 1, 2)], [{ ...result("tput", 1, 2), unavailable: "failed: x", sockstack: null }]], meta);
  assert.deepEqual(failed.figures, [], "a figure missing from a run is left out");
});

test("compare: beyond the band is better or worse by the figure's direction; within it is noise; zero band flags any change", () => {
  const b = makeBaseline([[result("tput", 100, 200), result("idle", 4, null, "lower"), result("lossy", 6.5, null)], [result("tput", 110, 200), result("idle", 4.4, null, "lower"), result("lossy", 6.5, null)]], meta);
  const rows = compareFigures(b, figuresOf([result("tput", 150, 200), result("idle", 4.3, null, "lower"), result("lossy", 6.4, null)]));
  assert.deepEqual(rows.map((r) => [r.name, r.verdict]), [["tput", "better"], ["idle", "within noise"], ["lossy", "worse"]], "verdicts");
  const slower = compareFigures(b, figuresOf([result("idle", 9, null, "lower")]));
  assert.deepEqual(slower.map((r) => r.verdict), ["missing", "worse", "missing"], "a time that grew is worse; figures not run are missing");
  const text = formatComparison(rows, "base.json");
  assert.equal(text[0], "compared with base.json:", "heading");
  assert.equal(text.at(-1), "moved beyond the noise band: tput better (+42.9 %), lossy worse (−1.5 %)", "the figures that moved");
});

test("sockstack bench --compare FILE --input RUN.json: the table, exit 1 when a figure got worse; a bad baseline or input exits 2", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockstack-compare-"));
  try {
    const base = join(dir, "base.json");
    writeFileSync(base, JSON.stringify(makeBaseline([[result("tput", 100, 200)], [result("tput", 110, 200)]], meta)));
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runBench(args, { out: (l) => void out.push(l), err: (l) => void err.push(l) });
      return { code, out, err };
    };
    const good = join(dir, "good.json");
    writeFileSync(good, JSON.stringify({ results: [result("tput", 104, 200)] }));
    const g = await run("--compare", base, "--input", good);
    assert.deepEqual([g.code, g.out.at(-1)], [0, "no figure moved beyond its noise band"], "within noise: exit 0");
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ results: [result("tput", 60, 200)] }));
    const w = await run(`--compare=${base}`, "--input", bad);
    assert.deepEqual([w.code, w.out.at(-1)], [1, "moved beyond the noise band: tput worse (−42.9 %)"], "worse: exit 1");
    for (const [args, why] of [
      [["--compare", join(dir, "nosuch.json")], /No such file or directory/],
      [["--compare", good], /not a baseline/],
      [["--compare"], /--compare needs a baseline file/],
      [["--compare", base, "--input", join(dir, "nosuch.json")], /--input .*No such file/],
      [["--compare", base, "--input", base], /no results/],
      [["--repeat", "3"], /--repeat 3: a whole number, with --write-baseline FILE/],
    ] as const) {
      const r = await run(...args);
      assert.equal(r.code, 2, `exit 2: ${args.join(" ")}`);
      assert.match(r.err[0]!, why, `reason: ${args.join(" ")}`);
      assert.match(r.err[1]!, /^usage: sockstack bench /, `usage: ${args.join(" ")}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
