/**
 * The regression guard (`sockstack bench --compare FILE`): a run's figures
 * against a committed baseline, each with a noise band measured on the
 * machine the baseline was made on.
 *
 * The figure of a benchmark is its ratio sockstack ÷ kernel when it has a
 * kernel run (the kernel side ran alternately in the same process, so the
 * ratio cancels much of the machine's load), else the sockstack median (a
 * time, a memory size, or a goodput of virtual time, which moves only when
 * behaviour changes). A baseline (`--write-baseline FILE --repeat N`) is
 * the median of each figure over N runs of the same command, and its band
 * the spread of those runs, (max − min) ÷ median: a later single run is
 * within the noise when it lies within band × median of the baseline. A
 * figure that did not move in any of the N runs (deterministic: virtual
 * time, counted bytes) has band 0, so any change in it is reported.
 */
import type { Better, BenchResult } from "./harness.js";

/** The `format` of a baseline file. */
export const BASELINE_FORMAT = "sockstack-bench-baseline/1";

/** One figure of a run. */
export interface Figure {
  name: string;
  /** `ratio` (sockstack ÷ kernel) or `sockstack` (the median itself). */
  figure: "ratio" | "sockstack";
  unit: string;
  better: Better;
  value: number;
}

/** One figure of a baseline: the median of N runs and their spread. */
export interface BaselineFigure extends Figure {
  /** Relative half-width of the noise: (max − min) ÷ median of the runs. */
  band: number;
  runs: number[];
}

/** A baseline file. */
export interface Baseline {
  format: typeof BASELINE_FORMAT;
  /** The bench arguments it was made with (`--quick --skip million …`), which `--compare` runs again. */
  args: string[];
  quick: boolean;
  machine: Record<string, string | number>;
  /** Load average before each run. */
  loads: string[];
  created: string;
  figures: BaselineFigure[];
}

/** The figures of a run's results (a benchmark that failed or could not run has none). */
export function figuresOf(results: readonly BenchResult[]): Figure[] {
  const out: Figure[] = [];
  for (const r of results) {
    if (r.unavailable || !r.sockstack) continue;
    if (r.kernel && r.ratio !== null) out.push({ name: r.name, figure: "ratio", unit: "× kernel", better: r.better, value: r.ratio });
    else out.push({ name: r.name, figure: "sockstack", unit: r.unit, better: r.better, value: r.sockstack.median });
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/**
 * A baseline from several runs of the same command: per figure, the median
 * of the runs and the band (max − min) ÷ median. A figure missing from a
 * run (it failed there) is left out.
 */
export function makeBaseline(runs: readonly BenchResult[][], meta: Omit<Baseline, "format" | "figures">): Baseline {
  const per = runs.map(figuresOf);
  const figures: BaselineFigure[] = [];
  for (const f of per[0] ?? []) {
    const values = per.map((p) => p.find((g) => g.name === f.name && g.figure === f.figure)?.value);
    if (values.some((v) => v === undefined)) continue;
    const vs = values as number[];
    const m = median(vs);
    const band = m === 0 ? 0 : (Math.max(...vs) - Math.min(...vs)) / Math.abs(m);
    figures.push({ ...f, value: m, band, runs: vs });
  }
  return { format: BASELINE_FORMAT, ...meta, figures };
}

/** How a figure compares with the baseline. */
export interface Comparison {
  name: string;
  figure: "ratio" | "sockstack";
  unit: string;
  baseline: number;
  band: number;
  /** null: the benchmark did not produce the figure in this run. */
  now: number | null;
  /** (now − baseline) ÷ baseline. */
  change: number | null;
  verdict: "within noise" | "better" | "worse" | "missing";
}

/** Compares a run's figures with a baseline's. */
export function compareFigures(baseline: Baseline, now: readonly Figure[]): Comparison[] {
  return baseline.figures.map((b) => {
    const f = now.find((g) => g.name === b.name && g.figure === b.figure);
    if (!f) return { name: b.name, figure: b.figure, unit: b.unit, baseline: b.value, band: b.band, now: null, change: null, verdict: "missing" };
    const change = b.value === 0 ? (f.value === 0 ? 0 : Infinity) : (f.value - b.value) / Math.abs(b.value);
    // A relative tolerance of 1e-9 keeps floating-point dust of deterministic figures inside a zero band.
    const moved = Math.abs(change) > b.band + 1e-9;
    const up = change > 0;
    const verdict = !moved ? "within noise" : (up === (b.better === "higher")) ? "better" : "worse";
    return { name: b.name, figure: b.figure, unit: b.unit, baseline: b.value, band: b.band, now: f.value, change, verdict };
  });
}

function num(v: number): string {
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(a >= 1 ? 2 : 3);
}

/** The comparison as a table, then one line naming the figures that moved. */
export function formatComparison(rows: readonly Comparison[], baselineFile: string): string[] {
  const table: string[][] = [["figure", "baseline (band)", "now", "change", "verdict"]];
  for (const r of rows) {
    const label = `${r.name}${r.figure === "ratio" ? " ratio" : ""} (${r.unit})`;
    const pct = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(x !== 0 && Math.abs(x) < 0.01 ? 2 : 0)} %`;
    table.push([label, `${num(r.baseline)} (±${(r.band * 100).toFixed(0)} %)`, r.now === null ? "—" : num(r.now), r.change === null ? "—" : pct(r.change), r.verdict === "within noise" ? "within noise" : r.verdict.toUpperCase()]);
  }
  const w = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const out = [`compared with ${baselineFile}:`, ...table.map((row) => row.map((c, i) => c.padEnd(w[i]!)).join("  ").trimEnd())];
  out.splice(2, 0, w.map((n) => "-".repeat(n)).join("  "));
  const moved = rows.filter((r) => r.verdict === "better" || r.verdict === "worse");
  const missing = rows.filter((r) => r.verdict === "missing");
  out.push(moved.length ? `moved beyond the noise band: ${moved.map((r) => `${r.name} ${r.verdict} (${r.change! >= 0 ? "+" : "−"}${Math.abs(r.change! * 100).toFixed(1)} %)`).join(", ")}` : "no figure moved beyond its noise band");
  if (missing.length) out.push(`not measured in this run: ${missing.map((r) => r.name).join(", ")}`);
  return out;
}
