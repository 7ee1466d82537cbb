import { test } from "node:test";
import assert from "node:assert/strict";
import { Scheduler, Timer } from "../core/scheduler.js";
import { HOUR, MS, SEC } from "../core/time.js";
import { Link } from "./link.js";
import { Rng } from "../core/rng.js";
import { Packet } from "../wire/packet.js";
import { VirtualDriver, holdVirtualTime, hostYieldMacrotask, trackHostImmediates, type VirtualDriverOptions } from "./virtual-driver.js";

function setup(opts: VirtualDriverOptions = {}) {
  const s = new Scheduler();
  const warnings: string[] = [];
  const d = new VirtualDriver(s, { warn: (m) => warnings.push(m), ...opts });
  return { s, d, warnings };
}

test("an async chain started by a timer completes before the clock moves", async () => {
  const { s, d } = setup();
  const log: string[] = [];
  void (async () => {
    await d.sleep(10 * MS);
    for (let i = 0; i < 50; i++) await Promise.resolve();
    await new Promise<void>((r) => queueMicrotask(r));
    log.push(`chain done at ${s.now()}`);
    await d.sleep(0);
    for (let i = 0; i < 20; i++) await null;
    log.push(`second chain at ${s.now()}`);
  })();
  s.arm(new Timer((now) => log.push(`timer at ${now}`)), 10 * MS + 1);
  const r = await d.run();
  assert.equal(r.reason, "idle");
  assert.deepEqual(log, ["chain done at 10000", "second chain at 10000", "timer at 10001"]);
});

test("a chain woken from a raw timer callback runs when the waker calls notifyWake", async () => {
  const { s, d } = setup();
  const log: number[] = [];
  let wake!: () => void;
  void (async () => {
    await new Promise<void>((r) => (wake = r));
    await Promise.resolve();
    await Promise.resolve();
    log.push(s.now());
  })();
  s.arm(new Timer(() => { wake(); d.notifyWake(); }), 5);
  s.arm(new Timer(() => log.push(-1)), 6);
  await d.run();
  assert.deepEqual(log, [5, -1]);
});

test("without notifyWake the driver does not yield (the optimisation), unless told to every instant", async () => {
  for (const yieldEveryInstant of [false, true]) {
    const { s, d } = setup({ yieldEveryInstant });
    const log: number[] = [];
    let wake!: () => void;
    void (async () => {
      await new Promise<void>((r) => (wake = r));
      log.push(s.now());
    })();
    s.arm(new Timer(() => wake()), 5);
    s.arm(new Timer(() => log.push(-1)), 6);
    await d.run();
    assert.deepEqual(log, yieldEveryInstant ? [5, -1] : [-1, 6]);
  }
});

test("code the caller started before run() is settled first", async () => {
  const { s, d } = setup();
  const log: number[] = [];
  void (async () => {
    await Promise.resolve();
    s.arm(new Timer((now) => log.push(now)), 0);
  })();
  const r = await d.run();
  assert.deepEqual(log, [0]);
  assert.equal(r.events, 1);
});

test("a simulated hour with nothing to do takes two instants and one yield", async () => {
  const { s, d } = setup();
  let fired = -1;
  s.arm(new Timer((now) => (fired = now)), HOUR);
  const r = await d.run();
  assert.equal(fired, HOUR);
  assert.equal(r.now, HOUR);
  assert.deepEqual(d.stats(), { instants: 2, events: 1, yields: 1, wakes: 0, holds: 0 });
});

test("sleep resolves at the virtual deadline and counts as a wake", async () => {
  const { d } = setup();
  const times: number[] = [];
  void (async () => {
    for (let i = 0; i < 3; i++) {
      await d.sleep(SEC);
      times.push(d.now());
    }
  })();
  await d.run();
  assert.deepEqual(times, [SEC, 2 * SEC, 3 * SEC]);
  assert.equal(d.stats().wakes, 3);
  assert.ok(d.stats().yields <= 4);
});

test("runUntil returns true at the first instant the predicate holds", async () => {
  const { d, warnings } = setup();
  let done = false;
  void (async () => {
    await d.sleep(5 * MS);
    await Promise.resolve();
    done = true;
  })();
  // Unrelated later work must not run.
  let late = false;
  void d.sleep(SEC).then(() => (late = true));
  assert.equal(await d.runUntil(() => done, { timeout: 10 * SEC }), true);
  assert.equal(d.now(), 5 * MS);
  assert.equal(late, false);
  assert.deepEqual(warnings, []);
  assert.equal(await d.runUntil(() => true), true, "already true: returns at once");
  assert.equal(d.now(), 5 * MS);
});

test("runUntil times out with the clock at the timeout", async () => {
  const { d, warnings } = setup();
  let ticks = 0;
  void (async () => {
    for (;;) {
      await d.sleep(100 * MS);
      ticks++;
    }
  })();
  assert.equal(await d.runUntil(() => false, { timeout: 1 * SEC }), false);
  assert.equal(d.now(), 1 * SEC);
  assert.equal(ticks, 10, "events at exactly the timeout run");
  assert.deepEqual(warnings, [], "busy, not idle: no warning");
});

test("runUntil warns once when the simulation goes idle with the predicate false", async () => {
  const { d, warnings } = setup();
  let done = false;
  // The classic mistake: waiting on something outside the simulation (a
  // real timer, real I/O) — here a promise nothing in virtual time resolves.
  let resolveReal!: () => void;
  const real = new Promise<void>((r) => (resolveReal = r));
  void real.then(() => (done = true));
  assert.equal(await d.runUntil(() => done, { timeout: 10 * SEC }), false);
  assert.equal(d.now(), 10 * SEC);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /simulation is idle/);
  assert.match(warnings[0]!, /not simulated/);
  assert.match(warnings[0]!, /setTimeout/);
  assert.equal(await d.runUntil(() => done), false);
  assert.equal(warnings.length, 1, "warns once");
  resolveReal();
  await real;
  assert.equal(done, true);
});

test("run({ until }) and advance() stop at the limit; maxEvents stops early", async () => {
  const { s, d } = setup();
  const fired: number[] = [];
  for (const t of [1, 2, 3, 10, 20]) s.arm(new Timer((now) => fired.push(now)), t * MS);
  const r1 = await d.run({ until: 3 * MS });
  assert.deepEqual(r1, { reason: "until", now: 3 * MS, events: 3 });
  const r2 = await d.advance(5 * MS);
  assert.equal(r2.now, 8 * MS);
  assert.equal(d.now(), 8 * MS);
  assert.deepEqual(fired, [1, 2, 3].map((x) => x * MS));
  const r3 = await d.run({ maxEvents: 1 });
  assert.deepEqual(r3, { reason: "maxEvents", now: 10 * MS, events: 1 });
  await d.advance(HOUR);
  assert.equal(d.now(), 10 * MS + HOUR, "advance moves the clock even when idle");
  assert.deepEqual(fired, [1, 2, 3, 10, 20].map((x) => x * MS));
});

test("a second concurrent run is refused", async () => {
  const { d } = setup();
  void d.sleep(MS);
  const first = d.run();
  await assert.rejects(d.run(), /already in progress/);
  await first;
  assert.equal(d.running, false);
});

test("the host macrotask yield lets a whole microtask cascade run first", async () => {
  const y = hostYieldMacrotask();
  let n = 0;
  const spin = async () => {
    for (let i = 0; i < 100; i++) {
      await null;
      n++;
    }
  };
  void spin();
  await y();
  assert.equal(n, 100);
});

test("an injected yield is used, and links deliver through the driver", async () => {
  const s = new Scheduler();
  let yields = 0;
  const d = new VirtualDriver(s, { yieldMacrotask: () => { yields++; return new Promise((r) => setImmediate(r)); } });
  const link = new Link(s, new Rng(3), { latency: 7 * MS });
  const arrivals: number[] = [];
  link.b.onReceive = () => arrivals.push(s.now());
  link.a.transmit(new Packet(new Uint8Array(20)), 0);
  await d.run();
  assert.deepEqual(arrivals, [7 * MS]);
  assert.equal(yields, 1);
});

test("a storm of events at one instant with no program in it (a timer re-armed for now, forever) stops with a StuckError", async () => {
  const { s, d } = setup({ maxEventsPerInstant: 10_000 });
  let fired = 0;
  const storm = new Timer(() => {
    fired++;
    s.arm(storm, s.now()); // answered at once, as two sockets answering each other over a zero-delay path
  });
  s.arm(storm, 5);
  await assert.rejects(d.run(), (e: Error) => e.name === "SpinError" && /10001 timer events at this instant/.test(e.message) && /t=0\.000005s/.test(e.message));
  assert.equal(fired, 10_001);
});

test("real work held with holdVirtualTime keeps virtual time at its instant until it settles", async () => {
  const { s, d, warnings } = setup();
  const log: string[] = [];
  // Real work (standing for a WebAssembly compile) whose result the simulated code needs at t=5 ms;
  // it completes in real time only once the driver is waiting for it (host macrotasks polling the stats).
  const real = new Promise<string>((r) => {
    const poll = (): void => void (d.stats().holds > 0 ? r("compiled") : setImmediate(poll));
    poll();
  });
  holdVirtualTime(real);
  let done = false;
  void (async () => {
    await d.sleep(5 * MS);
    log.push(`${await real} at ${s.now()}`);
    await d.sleep(MS);
    done = true;
  })();
  s.arm(new Timer((now) => log.push(`timer at ${now}`)), 10 * MS);
  assert.equal(await d.runUntil(() => done, { timeout: SEC }), true);
  assert.deepEqual(log, ["compiled at 5000"], "the continuation ran at the instant it was due, before the 10 ms timer");
  assert.equal(s.now(), 6 * MS);
  assert.ok(d.stats().holds >= 1);
  assert.deepEqual(warnings, []);
  // Without the hold, the same code sees the clock run past (the bug class this closes).
  const b = setup();
  let finish!: (v: string) => void;
  const late = new Promise<string>((r) => (finish = r));
  let at = -1;
  void (async () => {
    await b.d.sleep(5 * MS);
    await late;
    at = b.s.now();
  })();
  b.s.arm(new Timer(() => {}), 10 * MS);
  await b.d.run();
  finish("compiled");
  await late;
  await new Promise((r) => setImmediate(r));
  assert.equal(at, 10 * MS, "unheld, the real work finished after virtual time had moved on");
});

test("with trackHostImmediates, setImmediate callbacks queued at an instant run before the clock moves", async () => {
  trackHostImmediates();
  const { s, d } = setup();
  const log: string[] = [];
  void (async () => {
    await d.sleep(5 * MS);
    // Queued after the driver's own yield (undici resumes its pipeline this way), three deep.
    setImmediate(() => {
      log.push(`immediate 1 at ${s.now()}`);
      setImmediate(() => {
        log.push(`immediate 2 at ${s.now()}`);
        const h = setImmediate(() => log.push("cleared: never"));
        clearImmediate(h);
        setImmediate(() => log.push(`immediate 3 at ${s.now()}`));
      });
    });
  })();
  s.arm(new Timer((now) => log.push(`timer at ${now}`)), 6 * MS);
  await d.run();
  assert.deepEqual(log, ["immediate 1 at 5000", "immediate 2 at 5000", "immediate 3 at 5000", "timer at 6000"]);
});

test("a pacer is asked before each clock move, can hold the run at any instant, act there, and changes nothing else", async () => {
  const program = (d: VirtualDriver, s: Scheduler, log: string[]) => {
    for (const t of [5, 10, 30]) s.arm(new Timer((now) => log.push(`timer ${now}`)), t * MS);
    void (async () => {
      await d.sleep(20 * MS);
      log.push(`woke ${s.now()}`);
    })();
  };
  // Unpaced.
  const plain = setup();
  const expected: string[] = [];
  program(plain.d, plain.s, expected);
  await plain.d.run({ until: 40 * MS });

  // Paced: held before 10 ms at 7 ms, where an extra timer is armed; then asked again and let go.
  const { s, d } = setup();
  const log: string[] = [];
  const asked: number[] = [];
  let release = () => {};
  let onHeld = () => {};
  const heldP = new Promise<void>((r) => { onHeld = r; });
  let held = false;
  d.setPacer((next, holdAt) => {
    asked.push(next);
    if (next === 10 * MS && !held) {
      held = true;
      holdAt(7 * MS);
      assert.throws(() => holdAt(10 * MS), RangeError, "not at or past the next instant");
      return new Promise<void>((r) => { release = r; onHeld(); });
    }
  });
  program(d, s, log);
  const run = d.run({ until: 40 * MS });
  await heldP;
  assert.equal(s.now(), 7 * MS, "held at the instant the pacer chose");
  assert.deepEqual(log, ["timer 5000"], "nothing past it ran");
  s.arm(new Timer((now) => log.push(`acted ${now}`)), s.now()); // something done while held, at that instant
  release();
  await run;
  assert.deepEqual(log, ["timer 5000", "acted 7000", ...expected.slice(1)]);
  assert.deepEqual(asked, [5 * MS, 10 * MS, 10 * MS, 20 * MS, 30 * MS], "asked again after the hold; never when idle");
  d.setPacer(null);
});
