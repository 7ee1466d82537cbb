import { test } from "node:test";
import assert from "node:assert/strict";
import { Scheduler, Timer } from "../core/scheduler.js";
import { RealtimeDriver } from "./realtime-driver.js";

/** A driver on a hand-moved clock (µs); Node timers unref'd, ticks called by the test — no real time. */
function fixture() {
  let clock = 5_000_000;
  const s = new Scheduler();
  const d = new RealtimeDriver(s, { clock: () => clock, ref: false });
  return { s, d, advance: (us: number) => (clock += us) };
}

test("the stack clock follows the monotonic clock from start, never backwards", () => {
  const { s, d, advance } = fixture();
  d.start();
  assert.equal(s.now(), 0);
  advance(1500);
  assert.equal(d.now(), 1500);
  advance(-200); // a misbehaving clock does not move the stack back
  assert.equal(d.now(), 1500);
  d.stop();
});

test("tick fires what is due at the real time, in order, and nothing early", () => {
  const { s, d, advance } = fixture();
  d.start();
  const log: string[] = [];
  s.arm(new Timer((t) => log.push(`b@${t}`)), 2000);
  s.arm(new Timer((t) => log.push(`a@${t}`)), 1000);
  advance(999);
  assert.equal(d.tick(), 0);
  advance(1500);
  assert.equal(d.tick(), 2);
  assert.deepEqual(log, ["a@2499", "b@2499"]);
  assert.equal(d.stats().maxLateness, 1499);
  d.stop();
});

test("arming an earlier timer re-arms the host timer; a later one does not", () => {
  const { s, d } = fixture();
  d.start();
  const r0 = d.stats().rearms;
  s.arm(new Timer(() => {}), 50_000);
  assert.equal(d.stats().rearms, r0 + 1);
  s.arm(new Timer(() => {}), 90_000); // later: the pending host timer still serves
  assert.equal(d.stats().rearms, r0 + 1);
  s.arm(new Timer(() => {}), 10_000); // earlier: re-armed
  assert.equal(d.stats().rearms, r0 + 2);
  d.stop();
  assert.equal(s.onEarliestChanged, null);
});

test("inject runs the handler at the current real time, then what it made due", () => {
  const { s, d, advance } = fixture();
  d.start();
  advance(777);
  const log: string[] = [];
  d.inject(() => {
    log.push(`packet@${s.now()}`);
    s.arm(new Timer((t) => log.push(`softirq@${t}`)), s.now());
  });
  assert.deepEqual(log, ["packet@777", "softirq@777"]);
  assert.equal(d.stats().injected, 1);
  d.stop();
});

test("a second driver on the same scheduler is refused", () => {
  const { s, d } = fixture();
  d.start();
  assert.throws(() => new RealtimeDriver(s, { clock: () => 0, ref: false }).start(), /already driven/);
  d.stop();
});

test("sleep resolves through the scheduler once real time passes the deadline", async () => {
  const { d, advance } = fixture();
  d.start();
  let done = false;
  const p = d.sleep(3000).then(() => (done = true));
  advance(2999);
  d.tick();
  await Promise.resolve();
  assert.equal(done, false);
  advance(1);
  d.tick();
  await p;
  assert.equal(done, true);
  d.stop();
});

test("real time: a program spinning on a level that is already true is stopped by the host's spin detector, and Node's event loop is not frozen", async () => {
  const { createRealtimeHost } = await import("./realtime-host.js");
  const { SpinError } = await import("../sys/spin.js");
  const { POLLOUT } = await import("../core/poll-events.js");
  const { host, driver } = createRealtimeHost({ driver: { ref: false } });
  host.sys.spin.limit = 1000;
  try {
    const prog = host.spawn("spinner", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_DGRAM");
      for (;;) await p.poll([{ fd, events: POLLOUT }], -1);
    });
    const exit = await prog.exited; // a frozen event loop would never get here
    assert.ok(exit.error instanceof SpinError);
    assert.match((exit.error as Error).message, /^spin: sockstack\/spinner\[1000\] is stuck in poll\(…, -1\)/);
    assert.equal(exit.code, 1);
    await new Promise((r) => setTimeout(r, 1)); // real timers still fire
  } finally {
    driver.stop();
  }
});
