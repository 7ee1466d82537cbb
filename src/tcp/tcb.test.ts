import { test } from "node:test";
import assert from "node:assert/strict";
import { Tcb } from "./tcb.js";
import { SendBuffer } from "./send-buffer.js";
import { RecvBuffer } from "./recv-buffer.js";
import { COLD_DEFAULTS, TCB_FLAGS, TCB_SEQ_FIELDS, TcbCold } from "./tcb-fields.js";

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

type Fields = Record<string, unknown>;

test("every sequence-number field reads back the unsigned value it was given", () => {
  for (const name of Object.keys(TCB_SEQ_FIELDS)) {
    const t = tcb() as unknown as Fields;
    assert.equal(t[name], 0, name);
    for (const [v, want] of [[0xffffffff, 0xffffffff], [0x80000000, 0x80000000], [-1, 0xffffffff], [0x7fffffff, 0x7fffffff], [2 ** 32 + 5, 5]]) {
      t[name] = v;
      assert.equal(t[name], want, `${name} = ${v}`);
    }
    for (const other of Object.keys(TCB_SEQ_FIELDS)) if (other !== name) assert.equal(t[other], 0, `${name} wrote ${other}`);
  }
});

test("every flag is set and cleared independently of all the others", () => {
  const names = Object.keys(TCB_FLAGS);
  assert.ok(names.length <= 31, "the flags fit in one small integer");
  for (const name of names) {
    const t = tcb() as unknown as Fields;
    for (const n of names) assert.equal(t[n], false, `${n} starts false`);
    t[name] = true;
    for (const n of names) assert.equal(t[n], n === name, `only ${name} set: ${n}`);
    for (const n of names) t[n] = true;
    t[name] = false;
    for (const n of names) assert.equal(t[n], n !== name, `all but ${name} set: ${n}`);
    t[name] = true;
    for (const n of names) assert.equal(t[n], true, `all set again: ${n}`);
  }
});

test("every cold field starts at its default and is copied on its first write, for that connection only", () => {
  const fresh = new TcbCold() as unknown as Fields;
  const defaults = COLD_DEFAULTS as unknown as Fields;
  for (const name of Object.keys(fresh)) {
    const a = tcb() as unknown as Fields, b = tcb() as unknown as Fields;
    const d = defaults[name];
    assert.equal(a[name], d, `${name} default`);
    const v = typeof d === "number" ? d + 7 : name === "softError" ? "EPROTO" : { listener: name };
    a[name] = v;
    assert.equal(a[name], v, `${name} written`);
    assert.equal(b[name], d, `${name}: another connection keeps the default`);
    assert.equal(defaults[name], fresh[name], `${name}: the shared defaults were not written`);
    for (const other of Object.keys(fresh)) if (other !== name) assert.equal(a[other], defaults[other], `${name} wrote ${other}`);
    a[name] = d;
    assert.equal(a[name], d, `${name} back to its default`);
  }
});
