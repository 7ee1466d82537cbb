import { test } from "node:test";
import assert from "node:assert/strict";
import { Tcb } from "./tcb.js";
import { SendBuffer } from "./send-buffer.js";
import { RecvBuffer } from "./recv-buffer.js";

const tcb = (): Tcb => new Tcb(16384, 131072, "cubic", 200_000, () => {});

test("sequence numbers read back unsigned whatever the sign they were written with", () => {
  const t = tcb();
  t.sndNxt = 0xfffffff0;
  t.rcvNxt = -1;                 // (x - 1) | 0 style
  t.iss = 0x80000000;
  assert.equal(t.sndNxt, 0xfffffff0);
  assert.equal(t.rcvNxt, 0xffffffff);
  assert.equal(t.iss, 0x80000000);
  t.sndUna = 0xfffffff0;
  t.sndMax = 0x10;               // wrapped
  assert.equal(t.inFlightBytes, 0x20);
});

test("the boolean flags are independent bits", () => {
  const t = tcb();
  t.finSent = true;
  t.sackOk = true;
  assert.equal(t.finSent, true);
  assert.equal(t.sackOk, true);
  assert.equal(t.finReceived, false);
  assert.equal(t.passive, false);
  t.finSent = false;
  assert.equal(t.finSent, false);
  assert.equal(t.sackOk, true);
  t.passive = true;              // the highest bit
  assert.equal(t.passive, true);
  assert.equal(t.wscaleOk, false);
});

test("rarely set state starts at its defaults and is per connection once written", () => {
  const a = tcb(), b = tcb();
  assert.equal(a.ttl, -1);
  assert.equal(a.rcvLowat, 1);
  assert.equal(a.urgByte, -1);
  assert.equal(a.reordering, 3);
  assert.equal(a.softError, null);
  a.keepIdle = 7_000_000;
  a.urgByte = 0x41;
  a.rcvLowat = 1;                // the default: nothing to store
  assert.equal(a.keepIdle, 7_000_000);
  assert.equal(a.urgByte, 0x41);
  assert.equal(b.keepIdle, 0, "another connection keeps the defaults");
  assert.equal(b.urgByte, -1);
  assert.equal(tcb().keepIdle, 0, "the shared defaults were not written");
  a.keepIdle = 0;
  assert.equal(a.keepIdle, 0);
});

test("send and receive buffers start without arrays and each gets its own", () => {
  const s1 = new SendBuffer(4096), s2 = new SendBuffer(4096);
  assert.equal(s1.blockCount, 0);
  s1.write(new Uint8Array([1, 2, 3]));
  assert.equal(s1.length, 3);
  assert.equal(s2.length, 0);
  assert.equal(s2.blockCount, 0, "the shared empty arrays stay empty");
  s2.write(new Uint8Array([9]));
  assert.deepEqual([...s1.peek(0, 3)], [1, 2, 3]);
  assert.deepEqual([...s2.peek(0, 1)], [9]);
  const r1 = new RecvBuffer(4096), r2 = new RecvBuffer(4096);
  r1.push(new Uint8Array([5, 6]));
  assert.equal(r1.length, 2);
  assert.equal(r2.length, 0);
  assert.equal(r2.chunkCount, 0);
});
