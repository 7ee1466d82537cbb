import { test } from "node:test";
import assert from "node:assert/strict";
import { acceptable } from "./acceptable.js";

// RFC 9293 §3.10.7.4's table, case by case, at both sides of each edge.
const NXT = 1000;
const WND = 100;

test("SEG.LEN = 0, RCV.WND = 0: only SEG.SEQ = RCV.NXT", () => {
  assert.equal(acceptable(NXT, 0, NXT, 0), true);
  assert.equal(acceptable(NXT - 1, 0, NXT, 0), false);
  assert.equal(acceptable(NXT + 1, 0, NXT, 0), false);
});

test("SEG.LEN = 0, RCV.WND > 0: RCV.NXT ≤ SEG.SEQ < RCV.NXT + RCV.WND", () => {
  assert.equal(acceptable(NXT - 1, 0, NXT, WND), false);
  assert.equal(acceptable(NXT, 0, NXT, WND), true);
  assert.equal(acceptable(NXT + WND - 1, 0, NXT, WND), true);
  assert.equal(acceptable(NXT + WND, 0, NXT, WND), false);
});

test("SEG.LEN > 0, RCV.WND = 0: never", () => {
  assert.equal(acceptable(NXT, 1, NXT, 0), false);
  assert.equal(acceptable(NXT - 10, 20, NXT, 0), false);
});

test("SEG.LEN > 0, RCV.WND > 0: the first or the last octet in the window", () => {
  // First octet in the window.
  assert.equal(acceptable(NXT, 10, NXT, WND), true);
  assert.equal(acceptable(NXT + WND - 1, 10, NXT, WND), true);
  // Only the last octet in the window (a partially old segment).
  assert.equal(acceptable(NXT - 9, 10, NXT, WND), true);
  // Entirely old: its last octet is RCV.NXT − 1.
  assert.equal(acceptable(NXT - 10, 10, NXT, WND), false);
  // Entirely beyond the window.
  assert.equal(acceptable(NXT + WND, 10, NXT, WND), false);
  // Covering the whole window from before it: neither end inside (RFC's test says no).
  assert.equal(acceptable(NXT - 1, WND + 2, NXT, WND), false);
});

test("sequence numbers wrap around 2^32", () => {
  const nxt = 0xffff_fff0;
  assert.equal(acceptable(0x0000_0010, 0, nxt, 0x40), true); // inside, past the wrap
  assert.equal(acceptable(0x0000_0030, 0, nxt, 0x40), false); // RCV.NXT + RCV.WND = 0x30 excluded
  assert.equal(acceptable(0xffff_ffe8, 10, nxt, 0x40), true); // last octet 0xfffffff1 inside
  assert.equal(acceptable(0xffff_ffe0, 0x10, nxt, 0x40), false); // last octet 0xffffffef is old
});
