/**
 * The benchmark harness: a benchmark measures sockstack and (when it has
 * one) its kernel counterpart in the same run, alternating repetitions
 * (s, k, s, k, …) so that machine noise (other processes on a shared
 * machine, CPU frequency) hits both sides alike; it reports medians with
 * min–max and the ratio sockstack ÷ kernel of the medians.
 *
 * Benchmarks are not tests (DESIGN.md, "Testing"): they read the real
 * clock (`performance.now()`) to measure the stack's CPU cost — the
 * simulated side runs on the virtual-time driver, which jumps virtual time
 * from event to event, so "bytes per wall second" is the work the stack
 * does per second of CPU.
 */

/** One measurement of one side. */
export interface Measurement {
  /** The figure, in the benchmark's unit. */
  value: number;
  /** Secondary figures for the report (heap, virtual time, counters). */
  extra?: Record<string, string | number>;
}

/** Which direction of a figure is better. */
export type Better = "higher" | "lower";

/** A benchmark definition. */
export interface Benchmark {
  name: string;
  /** Unit of {@link Measurement.value} (`MB/s`, `conn/s`, `B/conn`, `s`). */
  unit: string;
  better: Better;
  /** The target in words (`≥ 1.0× kernel`). */
  target: string;
  /** Repetitions per side: full and `--quick`. */
  reps: { full: number; quick: number };
  /** Measures sockstack once. */
  sockstack(quick: boolean): Promise<Measurement>;
  /** Measures the kernel counterpart once (absent: no counterpart). */
  kernel?(quick: boolean): Promise<Measurement>;
  /** A computed reference instead of a kernel run (the Mathis bound, Linux's per-socket memory). */
  reference?: { name: string; value: number };
  /** Whether the target is met, given the medians (null: not applicable). */
  met(r: BenchResult): boolean | null;
  /** The target is an absolute figure at full size: not judged under `--quick`. */
  fullSizeTarget?: boolean;
  /** Run each side once at `--quick` size first, discarded (JIT warm-up). */
  warmup?: boolean;
  /** Set when the benchmark cannot run yet: printed as the result. */
  unavailable?: string;
}

/** Median, minimum, maximum of a side's repetitions. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

/** The result of one benchmark. */
export interface BenchResult {
  name: string;
  unit: string;
  better: Better;
  target: string;
  sockstack: Summary | null;
  kernel: Summary | null;
  /** sockstack ÷ kernel medians (or ÷ reference when there is no kernel run). */
  ratio: number | null;
  /** What {@link ratio} divides by. */
  ratioTo: "kernel" | string | null;
  reference: { name: string; value: number } | null;
  met: boolean | null;
  /** Secondary figures of the median sockstack repetition. */
  extra: Record<string, string | number>;
  /** Secondary figures of the median kernel repetition. */
  kernelExtra: Record<string, string | number>;
  unavailable?: string;
  /** Wall seconds the benchmark took (both sides, all repetitions). */
  wall: number;
}

/** Summarises samples. */
export function summarize(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
  return { median, min: s[0]!, max: s[n - 1]!, samples };
}

/** Index of the sample closest to the median (whose extras are reported). */
function medianIndex(samples: number[], median: number): number {
  let best = 0;
  for (let i = 1; i < samples.length; i++) if (Math.abs(samples[i]! - median) < Math.abs(samples[best]! - median)) best = i;
  return best;
}

/** Progress sink (stderr). */
export type Progress = (line: string) => void;

/** Runs one benchmark: alternating repetitions, summaries, ratio, target check. */
export async function runBenchmark(b: Benchmark, quick: boolean, progress: Progress): Promise<BenchResult> {
  const base: BenchResult = {
    name: b.name, unit: b.unit, better: b.better, target: b.target, sockstack: null, kernel: null,
    ratio: null, ratioTo: null, reference: b.reference ?? null, met: null, extra: {}, kernelExtra: {}, wall: 0,
  };
  if (b.unavailable) return { ...base, unavailable: b.unavailable };
  const t0 = performance.now();
  const reps = quick ? b.reps.quick : b.reps.full;
  const s: Measurement[] = [];
  const k: Measurement[] = [];
  if (b.warmup) {
    progress(`  ${b.name} warm-up (discarded)`);
    await b.sockstack(true);
    if (b.kernel) await b.kernel(true);
  }
  for (let i = 0; i < reps; i++) {
    const m = await b.sockstack(quick);
    s.push(m);
    progress(`  ${b.name} ${i + 1}/${reps} sockstack ${fmt(m.value)} ${b.unit}`);
    if (b.kernel) {
      const km = await b.kernel(quick);
      k.push(km);
      progress(`  ${b.name} ${i + 1}/${reps} kernel    ${fmt(km.value)} ${b.unit}`);
    }
  }
  const ss = summarize(s.map((m) => m.value));
  const ks = k.length ? summarize(k.map((m) => m.value)) : null;
  const r: BenchResult = { ...base, sockstack: ss, kernel: ks };
  r.extra = s[medianIndex(ss.samples, ss.median)]!.extra ?? {};
  if (ks) r.kernelExtra = k[medianIndex(ks.samples, ks.median)]!.extra ?? {};
  if (ks && ks.median > 0) {
    r.ratio = ss.median / ks.median;
    r.ratioTo = "kernel";
  } else if (b.reference && b.reference.value > 0) {
    r.ratio = ss.median / b.reference.value;
    r.ratioTo = b.reference.name;
  }
  r.met = quick && b.fullSizeTarget ? null : b.met(r);
  r.wall = (performance.now() - t0) / 1000;
  return r;
}

/** A number with 3 significant digits (thousands grouped). */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

function cell(s: Summary | null): string {
  if (!s) return "—";
  return s.samples.length > 1 ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : fmt(s.median);
}

/** The results as a text table (one row per benchmark) plus the extras below it. */
export function formatTable(results: BenchResult[]): string[] {
  const rows: string[][] = [["benchmark", "unit", "sockstack median (min–max)", "kernel / reference", "ratio", "target", "met"]];
  for (const r of results) {
    if (r.unavailable) {
      rows.push([r.name, r.unit, `not available: ${r.unavailable}`, "", "", r.target, "—"]);
      continue;
    }
    const kernel = r.kernel ? cell(r.kernel) : r.reference ? `${fmt(r.reference.value)} (${r.reference.name})` : "—";
    const ratio = r.ratio === null ? "—" : `${r.ratio.toFixed(2)}×`;
    rows.push([r.name, r.unit, cell(r.sockstack), kernel, ratio, r.target, r.met === null ? "—" : r.met ? "yes" : "NO"]);
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const out = rows.map((row) => row.map((c, i) => c.padEnd(w[i]!)).join("  ").trimEnd());
  out.splice(1, 0, w.map((n) => "-".repeat(n)).join("  "));
  out.push("");
  for (const r of results) {
    const parts = Object.entries(r.extra).map(([k, v]) => `${k}=${typeof v === "number" ? fmt(v) : v}`);
    const kparts = Object.entries(r.kernelExtra).map(([k, v]) => `${k}=${typeof v === "number" ? fmt(v) : v}`);
    if (parts.length) out.push(`${r.name}: ${parts.join(" ")}`);
    if (kparts.length) out.push(`${r.name} (kernel): ${kparts.join(" ")}`);
  }
  return out;
}
