/**
 * The interop payload pattern: byte i of a stream is `(7·i + ⌊i/251⌋) mod 256`.
 * It has period 251·256 = 64256 (7·64256 + 256 ≡ 0 mod 256), does not repeat
 * within a TCP window's worth of small shifts, and the kernel-side helper
 * (test/interop/kernel-peer.py) generates the same bytes, so both sides
 * check a transfer by its SHA-256.
 */

/** Length of one period. */
export const PATTERN_PERIOD = 251 * 256;

/** One period of the pattern (shared, do not modify). */
export const PATTERN_BLOCK: Uint8Array = (() => {
  const b = new Uint8Array(PATTERN_PERIOD);
  for (let i = 0; i < b.length; i++) b[i] = (i * 7 + Math.floor(i / 251)) & 255;
  return b;
})();

/**
 * The first `n` bytes of the pattern (a fresh buffer).
 * @example patternBytes(3) // Uint8Array [0, 7, 14]
 */
export function patternBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let off = 0; off < n; off += PATTERN_PERIOD) out.set(PATTERN_BLOCK.subarray(0, Math.min(PATTERN_PERIOD, n - off)), off);
  return out;
}
