import { test } from "node:test";
import assert from "node:assert/strict";
import { formatRange, MAX_SEED, parseSeedRange, parseShard, rangeSize, SeedRangeError, shardRange } from "./seeds.js";

test("seed ranges: A..B and A-B inclusive, N = 1..N; bad ranges say why", () => {
  assert.deepEqual(parseSeedRange("1..1000"), { from: 1, to: 1000 }, "A..B");
  assert.deepEqual(parseSeedRange("5-5"), { from: 5, to: 5 }, "A-B, one seed");
  assert.deepEqual(parseSeedRange("50"), { from: 1, to: 50 }, "a count");
  assert.deepEqual(parseSeedRange(`0..${MAX_SEED}`), { from: 0, to: MAX_SEED }, "the whole seed space");
  assert.equal(rangeSize({ from: 0, to: MAX_SEED }), 2 ** 32, "size of the whole space");
  assert.equal(formatRange({ from: 3, to: 3 }), "3", "one seed prints alone");
  const bad: [string, RegExp][] = [
    ["10..1", /last seed is below the first/], ["0", /nothing to run/], ["x", /'x' is not a seed/],
    ["1..-3", /not a seed/], [`1..${MAX_SEED + 1}`, /above the largest seed/], ["1.5", /not a seed/],
  ];
  for (const [text, why] of bad) assert.throws(() => parseSeedRange(text), (e: unknown) => e instanceof SeedRangeError && why.test(e.message), text);
});

test("shards: I/N, 1-based; bad shards say why", () => {
  assert.deepEqual(parseShard("2/4"), { index: 2, count: 4 }, "2/4");
  for (const [text, why] of [["0/4", /between 1 and 4/], ["5/4", /between 1 and 4/], ["1/0", /at least 1/], ["2", /not I\/N/], ["a/b", /not I\/N/]] as const) {
    assert.throws(() => parseShard(text), (e: unknown) => e instanceof SeedRangeError && why.test(e.message), text);
  }
});

test("the shards of a range are contiguous, cover it exactly once, in order, and differ in size by at most one", () => {
  assert.deepEqual(shardRange({ from: 1, to: 10 }, { index: 1, count: 3 }), { from: 1, to: 4 }, "first shard takes the extra seed");
  assert.deepEqual(shardRange({ from: 1, to: 10 }, { index: 3, count: 3 }), { from: 8, to: 10 }, "last shard");
  assert.equal(shardRange({ from: 1, to: 2 }, { index: 3, count: 3 }), null, "more shards than seeds: an empty shard");
  assert.deepEqual(shardRange({ from: 0, to: MAX_SEED }, { index: 2, count: 2 }), { from: 2 ** 31, to: MAX_SEED }, "the whole 32-bit space halves");
  for (const from of [0, 1, 1000]) {
    for (let size = 1; size <= 40; size++) {
      for (let count = 1; count <= 12; count++) {
        const range = { from, to: from + size - 1 };
        let next = from;
        const sizes: number[] = [];
        for (let i = 1; i <= count; i++) {
          const s = shardRange(range, { index: i, count });
          if (!s) {
            sizes.push(0);
            continue;
          }
          assert.equal(s.from, next, `shard ${i}/${count} of ${formatRange(range)} starts where the previous ended`);
          next = s.to + 1;
          sizes.push(rangeSize(s));
        }
        assert.equal(next, range.to + 1, `the shards of ${formatRange(range)} over ${count} end at its end`);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes.join(",")} differ by at most one`);
      }
    }
  }
});
