/**
 * SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast short-input PRF",
 * 2012): the keyed hash Linux uses for TCP initial sequence numbers
 * (`secure_tcp_seq`), timestamp offsets (`secure_tcp_ts_off`) and SYN
 * cookies. Implemented with 32-bit halves, since JS has no fast u64.
 *
 * The hot entry points ({@link siphash3u32}, {@link siphash4u32},
 * {@link siphash2u32}) hash 32-bit words exactly like Linux's
 * `siphash_2u32/3u32/4u32` (the words are laid out little-endian, so the
 * result equals {@link siphash24} over those bytes) and allocate nothing:
 * they return the low 32 bits and leave the high 32 bits in
 * {@link siphashHigh}.
 */
import type { Rng } from "./rng.js";

/** A 128-bit SipHash key as four little-endian 32-bit words (k0 lo, k0 hi, k1 lo, k1 hi). */
export type SipKey = Uint32Array;

/**
 * Builds a key from 16 bytes (the byte order of the reference implementation).
 * @example sipKeyFromBytes(Uint8Array.from({ length: 16 }, (_, i) => i))
 */
export function sipKeyFromBytes(b: Uint8Array): SipKey {
  if (b.length !== 16) throw new RangeError("a SipHash key is 16 bytes");
  const k = new Uint32Array(4);
  for (let i = 0; i < 4; i++) k[i] = readLe32(b, i * 4, 4);
  return k;
}

/** Draws a fresh key from the host's seeded Rng (Linux: `net_get_random_once`). */
export function sipKeyFromRng(rng: Rng): SipKey {
  return Uint32Array.of(rng.u32(), rng.u32(), rng.u32(), rng.u32());
}

// State v0..v3 as (lo, hi) pairs. Module-level so the hash allocates nothing.
let v0l = 0, v0h = 0, v1l = 0, v1h = 0, v2l = 0, v2h = 0, v3l = 0, v3h = 0;
let high = 0;

/** High 32 bits of the last 64-bit result of any function in this module. */
export function siphashHigh(): number {
  return high;
}

function init(k: SipKey): void {
  const k0l = k[0]!, k0h = k[1]!, k1l = k[2]!, k1h = k[3]!;
  // "somepseudorandomlygeneratedbytes"
  v0l = (k0l ^ 0x70736575) >>> 0; v0h = (k0h ^ 0x736f6d65) >>> 0;
  v1l = (k1l ^ 0x6e646f6d) >>> 0; v1h = (k1h ^ 0x646f7261) >>> 0;
  v2l = (k0l ^ 0x6e657261) >>> 0; v2h = (k0h ^ 0x6c796765) >>> 0;
  v3l = (k1l ^ 0x79746573) >>> 0; v3h = (k1h ^ 0x74656462) >>> 0;
}

function round(): void {
  let lo: number, hi: number, t: number;
  // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
  lo = (v0l + v1l) >>> 0; v0h = (v0h + v1h + (lo < v0l ? 1 : 0)) >>> 0; v0l = lo;
  hi = (v1h << 13) | (v1l >>> 19); lo = (v1l << 13) | (v1h >>> 19);
  v1l = (lo ^ v0l) >>> 0; v1h = (hi ^ v0h) >>> 0;
  t = v0l; v0l = v0h; v0h = t;
  // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
  lo = (v2l + v3l) >>> 0; v2h = (v2h + v3h + (lo < v2l ? 1 : 0)) >>> 0; v2l = lo;
  hi = (v3h << 16) | (v3l >>> 16); lo = (v3l << 16) | (v3h >>> 16);
  v3l = (lo ^ v2l) >>> 0; v3h = (hi ^ v2h) >>> 0;
  // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
  lo = (v0l + v3l) >>> 0; v0h = (v0h + v3h + (lo < v0l ? 1 : 0)) >>> 0; v0l = lo;
  hi = (v3h << 21) | (v3l >>> 11); lo = (v3l << 21) | (v3h >>> 11);
  v3l = (lo ^ v0l) >>> 0; v3h = (hi ^ v0h) >>> 0;
  // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
  lo = (v2l + v1l) >>> 0; v2h = (v2h + v1h + (lo < v2l ? 1 : 0)) >>> 0; v2l = lo;
  hi = (v1h << 17) | (v1l >>> 15); lo = (v1l << 17) | (v1h >>> 15);
  v1l = (lo ^ v2l) >>> 0; v1h = (hi ^ v2h) >>> 0;
  t = v2l; v2l = v2h; v2h = t;
}

// Invariant: every v* holds an unsigned 32-bit value (the carry test needs it).

/** Absorbs one 64-bit message word (two compression rounds: the "2" of 2-4). */
function word(ml: number, mh: number): void {
  v3l = (v3l ^ ml) >>> 0; v3h = (v3h ^ mh) >>> 0;
  round(); round();
  v0l = (v0l ^ ml) >>> 0; v0h = (v0h ^ mh) >>> 0;
}

/** Four finalization rounds (the "4"); returns the low half, sets `high`. */
function finish(): number {
  v2l = (v2l ^ 0xff) >>> 0;
  round(); round(); round(); round();
  high = (v0h ^ v1h ^ v2h ^ v3h) >>> 0;
  return (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
}

function readLe32(b: Uint8Array, off: number, n: number): number {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = (v << 8) | b[off + i]!;
  return v >>> 0;
}

/**
 * SipHash-2-4 of `data` under `key`. Returns the low 32 bits of the 64-bit
 * result; the high 32 bits are then in {@link siphashHigh} (or in `out[1]`
 * when `out` is given, with `out[0]` the low half).
 * @example
 * const key = sipKeyFromBytes(new Uint8Array(16));
 * const lo = siphash24(key, new TextEncoder().encode("abc")); const hi = siphashHigh();
 */
export function siphash24(key: SipKey, data: Uint8Array, out?: Uint32Array): number {
  init(key);
  const n = data.length;
  const full = n & ~7;
  let i = 0;
  for (; i < full; i += 8) word(readLe32(data, i, 4), readLe32(data, i + 4, 4));
  const rest = n - full;
  const ml = rest > 4 ? readLe32(data, i, 4) : readLe32(data, i, rest);
  const mh = rest > 4 ? readLe32(data, i + 4, rest - 4) : 0;
  word(ml, (mh | ((n & 0xff) << 24)) >>> 0);
  const lo = finish();
  if (out) { out[0] = lo; out[1] = high; }
  return lo;
}

/** Linux `siphash_2u32(a, b, key)`: SipHash-2-4 of the 8 bytes a‖b (LE). Low 32 bits. */
export function siphash2u32(key: SipKey, a: number, b: number): number {
  init(key);
  word(a >>> 0, b >>> 0);
  word(0, 8 << 24);
  return finish();
}

/** Linux `siphash_3u32(a, b, c, key)`: SipHash-2-4 of the 12 bytes a‖b‖c (LE). Low 32 bits. */
export function siphash3u32(key: SipKey, a: number, b: number, c: number): number {
  init(key);
  word(a >>> 0, b >>> 0);
  word(c >>> 0, 12 << 24);
  return finish();
}

/** Linux `siphash_4u32(a, b, c, d, key)`: SipHash-2-4 of the 16 bytes a‖b‖c‖d (LE). Low 32 bits. */
export function siphash4u32(key: SipKey, a: number, b: number, c: number, d: number): number {
  init(key);
  word(a >>> 0, b >>> 0);
  word(c >>> 0, d >>> 0);
  word(0, 16 << 24);
  return finish();
}
