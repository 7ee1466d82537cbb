/**
 * Seed ranges and shards: the arithmetic of `sockstack sweep --seeds A..B
 * --shard I/N`. A range is inclusive at both ends; shard I of N (1-based, as
 * Playwright's and Jest's `--shard`) is the I-th of N contiguous blocks whose
 * sizes differ by at most one, so any job runner that can hand out an index
 * (a CI matrix, a Kubernetes Indexed Job) covers the range exactly once.
 */

/** An inclusive range of seeds. */
export interface SeedRange {
  readonly from: number;
  readonly to: number;
}

/** The largest seed: seeds are unsigned 32-bit (the RNG's state and `sockstack demo --seed`). */
export const MAX_SEED = 0xffffffff;

/** A seed range or shard that cannot be. */
export class SeedRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SeedRangeError";
  }
}

function seedOf(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new SeedRangeError(`${what} '${text}' is not a seed (an integer 0..${MAX_SEED})`);
  const n = Number(text);
  if (n > MAX_SEED) throw new SeedRangeError(`${what} ${text} is above the largest seed ${MAX_SEED}`);
  return n;
}

/**
 * Parses `A..B` (inclusive), `A-B`, or `N` (the first N seeds, 1..N).
 * @example parseSeedRange("1..1000") // { from: 1, to: 1000 }
 * @example parseSeedRange("50")      // { from: 1, to: 50 }
 */
export function parseSeedRange(text: string): SeedRange {
  const m = /^(\d+)(?:\.\.|-)(\d+)$/.exec(text.trim());
  if (m) {
    const from = seedOf(m[1]!, "first seed");
    const to = seedOf(m[2]!, "last seed");
    if (to < from) throw new SeedRangeError(`seed range ${text}: the last seed is below the first`);
    return { from, to };
  }
  const n = seedOf(text.trim(), "seed count");
  if (n < 1) throw new SeedRangeError("seed count 0: nothing to run");
  return { from: 1, to: n };
}

/** How many seeds a range holds. */
export function rangeSize(r: SeedRange): number {
  return r.to - r.from + 1;
}

/** `A..B` (or `A` when the range holds one seed). */
export function formatRange(r: SeedRange): string {
  return r.from === r.to ? String(r.from) : `${r.from}..${r.to}`;
}

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * Parses `I/N` with 1 ≤ I ≤ N.
 * @example parseShard("2/4") // { index: 2, count: 4 }
 */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new SeedRangeError(`shard '${text}' is not I/N (e.g. 1/4)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new SeedRangeError(`shard ${text}: N must be at least 1`);
  if (index < 1 || index > count) throw new SeedRangeError(`shard ${text}: I must be between 1 and ${count}`);
  return { index, count };
}

/**
 * The seeds of shard `s` of `range`: the `s.index`-th of `s.count`
 * contiguous blocks, the first `size % count` blocks one seed larger. A
 * shard of a range smaller than the shard count may be empty (null).
 * @example shardRange({ from: 1, to: 10 }, { index: 1, count: 3 }) // { from: 1, to: 4 }
 * @example shardRange({ from: 1, to: 10 }, { index: 3, count: 3 }) // { from: 8, to: 10 }
 */
export function shardRange(range: SeedRange, s: Shard): SeedRange | null {
  const size = rangeSize(range);
  const base = Math.floor(size / s.count);
  const extra = size % s.count;
  const start = (i: number) => range.from + i * base + Math.min(i, extra);
  const from = start(s.index - 1);
  const to = start(s.index) - 1;
  return to < from ? null : { from, to };
}
