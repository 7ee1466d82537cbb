import { test } from "node:test";
import assert from "node:assert/strict";
import { sipKeyFromBytes, sipKeyFromRng, siphash24, siphash2u32, siphash3u32, siphash4u32, siphashHigh } from "./siphash.js";
import { Rng } from "./rng.js";

// Reference vectors (SipHash paper / reference implementation vectors.h):
// key = 00..0f, message i = bytes 00..(i-1); outputs as little-endian bytes.
const VECTORS: string[] = [
  "310e0edd47db6f72", "fd67dc93c539f874", "5a4fa9d909806c0d", "2d7efbd796666785",
  "b7877127e09427cf", "8da699cd64557618", "cee3fe586e46c9cb", "37d1018bf50002ab",
  "6224939a79f5f593", "b0e4a90bdf82009e", "f3b9dd94c5bb5d7a", "a7ad6b22462fb3f4",
  "fbe50e86bc8f1e75", "903d84c02756ea14", "eef27a8e90ca23f7", "e545be4961ca29a1",
];
const KEY = sipKeyFromBytes(Uint8Array.from({ length: 16 }, (_, i) => i));

function leHex(lo: number, hi: number): string {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, lo, true);
  new DataView(b.buffer).setUint32(4, hi, true);
  return Buffer.from(b).toString("hex");
}

test("siphash24 matches the reference vectors for lengths 0..15", () => {
  for (let n = 0; n < VECTORS.length; n++) {
    const msg = Uint8Array.from({ length: n }, (_, i) => i);
    const lo = siphash24(KEY, msg);
    assert.equal(leHex(lo, siphashHigh()), VECTORS[n], `length ${n}`);
    const out = new Uint32Array(2);
    siphash24(KEY, msg, out);
    assert.equal(leHex(out[0]!, out[1]!), VECTORS[n]);
  }
});

test("the paper's worked example (15 bytes) is a129ca6149be45e5", () => {
  const lo = siphash24(KEY, Uint8Array.from({ length: 15 }, (_, i) => i));
  assert.equal(siphashHigh().toString(16) + lo.toString(16).padStart(8, "0"), "a129ca6149be45e5");
});

test("word forms equal siphash24 over the little-endian bytes (like Linux siphash_Nu32)", () => {
  const r = new Rng(7);
  const key = sipKeyFromRng(r);
  for (let i = 0; i < 50; i++) {
    const w = [r.u32(), r.u32(), r.u32(), r.u32()];
    const bytes = new Uint8Array(16);
    const dv = new DataView(bytes.buffer);
    w.forEach((x, j) => dv.setUint32(j * 4, x, true));
    assert.equal(siphash2u32(key, w[0]!, w[1]!), siphash24(key, bytes.subarray(0, 8)));
    const h2 = siphashHigh();
    siphash24(key, bytes.subarray(0, 8));
    assert.equal(h2, siphashHigh());
    assert.equal(siphash3u32(key, w[0]!, w[1]!, w[2]!), siphash24(key, bytes.subarray(0, 12)));
    assert.equal(siphash4u32(key, w[0]!, w[1]!, w[2]!, w[3]!), siphash24(key, bytes));
  }
});

test("keys from the same seed are equal, different seeds differ", () => {
  assert.deepEqual(sipKeyFromRng(new Rng(1)), sipKeyFromRng(new Rng(1)));
  assert.notDeepEqual(sipKeyFromRng(new Rng(1)), sipKeyFromRng(new Rng(2)));
  assert.throws(() => sipKeyFromBytes(new Uint8Array(8)), RangeError);
});
