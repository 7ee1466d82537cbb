import { test } from "node:test";
import assert from "node:assert/strict";
import { Fifo } from "./fifo.js";

test("Fifo: first in, first out; empty gives undefined", () => {
  const q = new Fifo<string>();
  assert.equal(q.shift(), undefined);
  assert.equal(q.peek(), undefined);
  q.push("a");
  q.push("b");
  assert.equal(q.length, 2);
  assert.equal(q.peek(), "a");
  assert.equal(q.shift(), "a");
  q.push("c");
  assert.deepEqual([...q], ["b", "c"]);
  assert.equal(q.shift(), "b");
  assert.equal(q.shift(), "c");
  assert.equal(q.length, 0);
  assert.equal(q.shift(), undefined);
});

test("Fifo: order survives compaction of a long-lived queue", () => {
  const q = new Fifo<number>();
  let next = 0;
  let expect = 0;
  for (let round = 0; round < 5000; round++) {
    q.push(next++);
    q.push(next++);
    assert.equal(q.shift(), expect++);
  }
  assert.equal(q.length, 5000);
  for (const v of q) assert.equal(v, expect++);
});

test("Fifo: insertByKey keeps key order, equal keys in arrival order, from the back", () => {
  const q = new Fifo<{ k: number; id: string }>();
  const key = (x: { k: number }): number => x.k;
  for (const [k, id] of [[10, "a"], [30, "b"], [20, "c"], [30, "d"], [5, "e"]] as const) q.insertByKey({ k, id }, key);
  assert.deepEqual([...q].map((x) => x.id), ["e", "a", "c", "b", "d"]);
  q.shift();
  q.insertByKey({ k: 1, id: "f" }, key); // never before the head
  assert.deepEqual([...q].map((x) => x.id), ["f", "a", "c", "b", "d"]);
});

test("Fifo: clear empties it", () => {
  const q = new Fifo<number>();
  q.push(1);
  q.clear();
  assert.equal(q.length, 0);
  assert.deepEqual([...q], []);
});
