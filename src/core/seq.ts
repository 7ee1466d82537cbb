/**
 * 32-bit modular sequence-number arithmetic (RFC 9293 §3.4). Sequence
 * numbers are kept as unsigned 32-bit values; compare them only through
 * these helpers: `seqLt(a, b)` ⇔ `((a - b) | 0) < 0`.
 */

/** a < b in sequence space. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
/** a ≤ b in sequence space. */
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}
/** a > b in sequence space. */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
/** a ≥ b in sequence space. */
export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}
/** (a + n) mod 2^32, as an unsigned value. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}
/** Signed distance a − b (positive when a is after b). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}
/** The later of a and b. */
export function seqMax(a: number, b: number): number {
  return seqGt(a, b) ? a : b;
}
/** The earlier of a and b. */
export function seqMin(a: number, b: number): number {
  return seqLt(a, b) ? a : b;
}
/** lo ≤ x < hi in sequence space (an empty range when lo = hi). */
export function seqInRange(x: number, lo: number, hi: number): boolean {
  return seqLe(lo, x) && seqLt(x, hi);
}
