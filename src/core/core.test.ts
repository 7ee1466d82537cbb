import { test } from "node:test";
import assert from "node:assert/strict";
import { Scheduler, Timer } from "./scheduler.js";
import { Rng } from "./rng.js";
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, seqMax } from "./seq.js";
import { errnoName, errnoNumber, strerror } from "./errno.js";
import { SysError, isSysError } from "./sys-error.js";
import { WaitQueue } from "./wait-queue.js";
import { POLLIN, POLLOUT } from "./poll-events.js";
import { gatherCopy } from "./bytes.js";

test("scheduler fires in deadline order, ties in arm order", () => {
  const s = new Scheduler();
  const log: string[] = [];
  const mk = (n: string) => new Timer(() => log.push(n));
  const a = mk("a"), b = mk("b"), c = mk("c"), d = mk("d");
  s.arm(a, 30); s.arm(b, 10); s.arm(c, 10); s.arm(d, 20);
  s.disarm(d);
  assert.equal(s.size, 3);
  s.setNow(10); s.runDue();
  assert.deepEqual(log, ["b", "c"]);
  s.setNow(100); s.runDue();
  assert.deepEqual(log, ["b", "c", "a"]);
  assert.equal(s.size, 0);
  assert.equal(a.armed, false);
});

test("scheduler re-arm moves a timer and timers armed while firing for now run in the same pass", () => {
  const s = new Scheduler();
  const log: number[] = [];
  const t2 = new Timer((now) => log.push(now));
  const t1 = new Timer((now) => { log.push(now); s.arm(t2, now); });
  s.arm(t1, 50); s.arm(t1, 5);
  assert.equal(s.nextDeadline(), 5);
  s.setNow(5);
  assert.equal(s.runDue(), 2);
  assert.deepEqual(log, [5, 5]);
});

test("scheduler heap stays ordered under random arms and disarms", () => {
  const s = new Scheduler();
  const r = new Rng(7);
  const fired: number[] = [];
  const timers = Array.from({ length: 500 }, () => new Timer((now) => fired.push(now)));
  for (let i = 0; i < 5000; i++) {
    const t = timers[r.below(timers.length)]!;
    if (r.chance(0.3)) s.disarm(t); else s.arm(t, r.below(100000));
  }
  s.setNow(1e9); s.runDue();
  for (let i = 1; i < fired.length; i++) assert.ok(fired[i - 1]! <= fired[i]!);
  assert.equal(s.size, 0);
});

test("rng is deterministic per seed and different across seeds", () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const xa = [a.u32(), a.u32(), a.u32()], xb = [b.u32(), b.u32(), b.u32()], xc = [c.u32(), c.u32(), c.u32()];
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
  const r = new Rng("seed");
  for (let i = 0; i < 1000; i++) {
    const f = r.float();
    assert.ok(f >= 0 && f < 1);
    const v = r.range(3, 5);
    assert.ok(v >= 3 && v <= 5);
  }
});

test("seq arithmetic across wrap-around", () => {
  const near = 0xfffffff0;
  const after = seqAdd(near, 0x20);
  assert.equal(after, 0x10);
  assert.ok(seqLt(near, after));
  assert.ok(seqGt(after, near));
  assert.ok(seqLe(near, near) && seqGe(near, near));
  assert.equal(seqDiff(after, near), 0x20);
  assert.equal(seqMax(near, after), after);
  assert.ok(!seqLt(after, near));
});

test("errno table and SysError use Linux numbers and texts", () => {
  assert.equal(errnoNumber("ECONNREFUSED"), 111);
  assert.equal(errnoNumber("EWOULDBLOCK"), 11);
  assert.equal(strerror("EADDRINUSE"), "Address already in use");
  assert.equal(strerror(24), "Too many open files");
  assert.equal(errnoName(104), "ECONNRESET");
  const e = new SysError("EADDRINUSE", "bind");
  assert.equal(e.message, "bind: Address already in use");
  assert.equal(e.errno, 98);
  assert.ok(isSysError(e, "EADDRINUSE"));
  assert.ok(!isSysError(e, "EINVAL"));
});

test("wait queue wakes matching waiters and one exclusive waiter", () => {
  const q = new WaitQueue();
  const log: string[] = [];
  q.add({ mask: POLLIN, wake: () => log.push("in") });
  q.add({ mask: POLLOUT, wake: () => log.push("out") });
  q.add({ mask: POLLIN, exclusive: true, wake: () => log.push("x1") });
  q.add({ mask: POLLIN, exclusive: true, wake: () => log.push("x2") });
  q.wake(POLLIN);
  assert.deepEqual(log, ["in", "x1"]);
});

test("gatherCopy: chunks back to back in a fresh buffer, never aliasing the input", () => {
  const a = Uint8Array.of(1, 2, 3);
  const b = Uint8Array.of(4, 5);
  const one = gatherCopy([a]);
  assert.deepEqual([...one], [1, 2, 3]);
  a[0] = 9;
  assert.equal(one[0], 1);
  assert.deepEqual([...gatherCopy([a, new Uint8Array(0), b])], [9, 2, 3, 4, 5]);
  assert.deepEqual([...gatherCopy([a, b], 5)], [9, 2, 3, 4, 5]);
  assert.equal(gatherCopy([]).length, 0);
});
