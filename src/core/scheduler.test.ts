import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "./rng.js";
import { Scheduler, Timer } from "./scheduler.js";

test("timers fire in deadline order, ties in arm order; re-arming moves a timer to the back of its instant", () => {
  const s = new Scheduler();
  const fired: string[] = [];
  const mk = (name: string) => new Timer(() => fired.push(name));
  const a = mk("a"), b = mk("b"), c = mk("c"), d = mk("d");
  s.arm(a, 10);
  s.arm(b, 5);
  s.arm(c, 10);
  s.arm(d, 10);
  s.arm(a, 10); // re-armed: now after c and d
  s.setNow(10);
  assert.equal(s.runDue(), 4);
  assert.deepEqual(fired, ["b", "c", "d", "a"]);
  assert.equal(s.size, 0);
  assert.equal(s.nextDeadline(), -1);
});

test("a callback may arm timers for the same instant; they fire in the same runDue; disarm inside a callback", () => {
  const s = new Scheduler();
  const fired: string[] = [];
  const late = new Timer(() => fired.push("late"));
  const x = new Timer(() => {
    fired.push("x");
    s.arm(y, s.now());
    s.disarm(late);
  });
  const y = new Timer((_now, t) => {
    fired.push("y");
    assert.equal(t.armed, false);
    assert.equal(t.deadline, -1);
  });
  s.arm(x, 3);
  s.arm(late, 3);
  s.setNow(3);
  assert.equal(s.runDue(), 2);
  assert.deepEqual(fired, ["x", "y"]);
});

test("random arms, re-arms and disarms fire exactly like a sorted reference (heap keys kept in step)", () => {
  const rng = new Rng(7);
  const s = new Scheduler();
  const n = 300;
  const fired: number[] = [];
  const timers = Array.from({ length: n }, (_, i) => new Timer(() => fired.push(i)));
  // reference: id → [deadline, order] while armed
  const ref = new Map<number, [number, number]>();
  let order = 0;
  for (let round = 0; round < 40; round++) {
    for (let k = 0; k < 200; k++) {
      const i = rng.below(n);
      if (rng.below(4) === 0) {
        s.disarm(timers[i]!);
        ref.delete(i);
      } else {
        const at = s.now() + rng.below(50);
        s.arm(timers[i]!, at);
        ref.set(i, [at, order++]);
      }
    }
    assert.equal(s.size, ref.size);
    const now = s.now() + rng.below(30);
    const due = [...ref].filter(([, [at]]) => at <= now).sort((p, q) => p[1][0] - q[1][0] || p[1][1] - q[1][1]).map(([i]) => i);
    fired.length = 0;
    s.setNow(now);
    s.runDue();
    assert.deepEqual(fired, due);
    for (const i of due) ref.delete(i);
    const min = Math.min(...[...ref.values()].map(([at]) => at));
    assert.equal(s.nextDeadline(), ref.size ? min : -1);
    for (const [i, [at]] of ref) assert.equal(timers[i]!.deadline, at);
  }
});
