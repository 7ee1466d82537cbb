import { test } from "node:test";
import assert from "node:assert/strict";
import { SendBuffer } from "./send-buffer.js";

const data = (n: number): Uint8Array => new Uint8Array(n);

test("PSH sits at the end of the write's record and moves when more is appended before it is sent", () => {
  const sb = new SendBuffer(1 << 20);
  sb.write(data(1500));
  sb.markPush();
  assert.equal(sb.pushAt(1000), false, "the first MSS of the write carries no PSH");
  assert.equal(sb.pushAt(1500), true, "the write's last byte does");
  sb.sent(1000);
  sb.unmarkPush(); // a new sendmsg appends to the unsent 500 bytes: Linux clears the tail's PSH
  sb.write(data(300));
  assert.equal(sb.pushAt(1500), false, "the old end lost its PSH: the record grew");
  assert.equal(sb.pushAt(1800), false, "MSG_MORE: no PSH marked yet");
  sb.markPush();
  assert.equal(sb.pushAt(1800), true, "marked at the new end");
});

test("a record sent whole keeps its PSH for retransmission; new writes start a new record", () => {
  const sb = new SendBuffer(1 << 20);
  sb.write(data(400));
  sb.markPush();
  sb.sent(400);
  sb.unmarkPush();
  sb.write(data(400));
  assert.equal(sb.pushAt(400), true, "the sent record's PSH stays for a retransmission");
  assert.equal(sb.pushAt(800), false, "the new record is unmarked until its write ends");
  sb.acknowledge(400);
  assert.equal(sb.pushAt(0), false, "acknowledged ends are forgotten");
});

test("MSG_EOR closes the record: segments stop at its end and later writes do not join it", () => {
  const sb = new SendBuffer(1 << 20);
  sb.write(data(400));
  sb.markPush();
  sb.closeRecord();
  sb.write(data(5000));
  sb.markPush();
  assert.equal(sb.recordLimit(0, 1000), 400, "a segment from the start stops at the record's end");
  assert.equal(sb.recordLimit(400, 1000), 1000, "past it, segments are MSS-sized again");
  assert.equal(sb.isRecordEnd(400), true, "400 ends a MSG_EOR record");
  assert.equal(sb.pushAt(400), true, "the record's write ended there: PSH");
  assert.equal(sb.pushAt(5400), true, "and at the second write's end");
  sb.acknowledge(5400);
  assert.equal(sb.recordLimit(0, 1000), 1000, "nothing left to limit");
});
