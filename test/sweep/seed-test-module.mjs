// A node:test module for the sweep tests: its test fails for every seed divisible by 3 (the seed comes from
// SOCKSTACK_SEED, as simulate() of sockstack/node reads it).
import { test } from "node:test";
import assert from "node:assert/strict";

test("a seed-dependent check", () => {
  const seed = Number(process.env.SOCKSTACK_SEED);
  assert.ok(Number.isInteger(seed), `SOCKSTACK_SEED is set (${process.env.SOCKSTACK_SEED})`);
  assert.notEqual(seed % 3, 0, `seed ${seed} is divisible by 3`);
});
