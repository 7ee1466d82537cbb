/**
 * H8 E3: two threads writing frames to one non-blocking socket (each
 * looping over short writes: sleep 1 ms, retry) corrupt the stream on short
 * writes; one writer thread with a message queue does not.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FRAMES, directWriters, exchange, main, message, queuedWriters } from "../../examples/writers.js";
import { printed } from "./run-example.js";

const TOTAL = Array.from({ length: FRAMES }, (_, k) => message(0xa, k).length + message(0xb, k).length).reduce((a, b) => a + b, 0);

test("H8: two threads writing frames straight to one socket interleave on short writes: the stream is corrupt", async () => {
  const r = await exchange(directWriters);
  assert.equal(r.bytes, TOTAL, "every byte arrived");
  assert.ok(r.shortWrites > 0, "send() returned short counts");
  assert.equal(r.corrupt, true, `corrupt after ${r.intact.length} intact frames`);
  assert.ok(r.intact.length < 2 * FRAMES);
});

test("H8: the fix — the threads queue whole messages and one writer thread sends them: every frame intact, each thread's in order", async () => {
  const r = await exchange(queuedWriters);
  assert.equal(r.bytes, TOTAL);
  assert.ok(r.shortWrites > 0, "send() returned short counts here too");
  assert.equal(r.corrupt, false);
  assert.equal(r.intact.length, 2 * FRAMES);
  const order = (w: string) => r.intact.filter((x) => x.startsWith(w)).map((x) => Number(x.slice(1)));
  assert.deepEqual(order("A"), [...Array(FRAMES).keys()]);
  assert.deepEqual(order("B"), [...Array(FRAMES).keys()]);
  // The two producers' messages alternate on the wire — interleaved by message, never inside one.
  assert.ok(r.intact.slice(0, 4).some((x) => x.startsWith("B")));
});

test("H8 example: what it prints", async () => {
  assert.equal(await printed(main), `\
two threads writing the socket: 20 short writes, 240780 bytes received
  6 intact frames: A0 B0 A1 A2 A3 A4
  then a corrupt frame at byte 40044: the two threads' bytes are interleaved
two threads, one message queue, one writer thread: 2 short writes, 240780 bytes received
  40 intact frames: A0 B0 A1 A2 B1 A3 A4 A5 B2 A6 A7 A8 B3 A9 A10 A11 B4 A12 A13 A14 B5 A15 A16 A17 B6 A18 A19 B7 B8 B9 B10 B11 B12 B13 B14 B15 B16 B17 B18 B19
  the whole stream parsed
`);
});
