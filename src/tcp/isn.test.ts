import { test } from "node:test";
import assert from "node:assert/strict";
import { IsnGenerator, isnClock, tsVal } from "./isn.js";
import { Rng } from "../core/rng.js";
import { seqDiff } from "../core/seq.js";
import { SEC } from "../core/time.js";

const A = 0x0a000001, B = 0x0a000002;

test("isn is deterministic per seed and differs between seeds and tuples", () => {
  const g1 = new IsnGenerator(new Rng(1)), g1b = new IsnGenerator(new Rng(1)), g2 = new IsnGenerator(new Rng(2));
  const x = g1.isn(A, 40000, B, 80, 0);
  assert.equal(g1b.isn(A, 40000, B, 80, 0), x);
  assert.notEqual(g2.isn(A, 40000, B, 80, 0), x);
  assert.notEqual(g1.isn(A, 40001, B, 80, 0), x);
  assert.notEqual(g1.isn(B, 40000, A, 80, 0), x);
  assert.ok(x >= 0 && x <= 0xffffffff && Number.isInteger(x));
});

test("isn advances with the 64 ns clock (Linux seq_scale) and wraps mod 2^32", () => {
  const g = new IsnGenerator(new Rng(3));
  const t0 = 123 * SEC;
  const a = g.isn(A, 1, B, 2, t0);
  const b = g.isn(A, 1, B, 2, t0 + 64);         // 64 µs = 1000 ticks of 64 ns
  assert.equal(seqDiff(b, a), 1000);
  assert.equal(isnClock(1), 15);                  // ⌊15.625⌋
  // 2^32 ticks × 64 ns ≈ 274.9 s: the clock term wraps
  const wrapUs = 4294967296 / 15.625;
  assert.equal(isnClock(wrapUs), 0);
  assert.equal(isnClock(wrapUs + 64), 1000);
  // huge times (years) stay exact integers below 2^32
  const v = isnClock(10 * 365 * 86400 * SEC + 7);
  assert.ok(Number.isInteger(v) && v >= 0 && v < 4294967296);
});

test("timestamp offset depends only on the addresses; tsVal is ms + offset mod 2^32", () => {
  const g = new IsnGenerator(new Rng(4));
  const off = g.tsOffset(A, B);
  assert.equal(g.tsOffset(A, B), off);
  assert.notEqual(g.tsOffset(B, A), off);
  assert.equal(tsVal(5_500, 10), 15);
  assert.equal(tsVal(2_000, 0xffffffff), 1);
});
