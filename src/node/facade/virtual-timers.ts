/**
 * Application timers on the network's virtual clock (issue 14 item 3):
 * `setTimeout`, `setInterval`, `Date` and `performance.now` are replaced by
 * @sinonjs/fake-timers, and the fake clock is driven by the network's
 * scheduler: one sockstack timer is always armed at the earliest pending
 * application deadline, so simulation events (packets, retransmissions)
 * and application timers fire in one deadline order, deterministically.
 *
 * Not faked: `setImmediate` and `process.nextTick` (the virtual-time driver
 * yields with `setImmediate`; both run before virtual time moves on, so they
 * stay deterministic), Node's internal timers (modules that captured the
 * real functions at load time), worker threads and real I/O.
 */
import { createRequire } from "node:module";
import type FakeTimers from "@sinonjs/fake-timers";
import { Timer } from "../../core/scheduler.js";
import type { Network } from "../../sim/network.js";
import { bindHostContext } from "./als.js";
import { setTimersAlive } from "./liveness.js";

/** The installed fake clock of @sinonjs/fake-timers. */
export type InstalledClock = ReturnType<ReturnType<typeof FakeTimers.withGlobal>["install"]>;

/** What {@link virtualTimers} returns. */
export interface VirtualTimers {
  /** The fake clock (for `clock.now`, `clock.countTimers()`). Do not `tick` it yourself: the network does. */
  readonly clock: InstalledClock;
  /** Restores the real timers and `Date`; pending application timers are dropped. */
  uninstall(): void;
}

interface TimerEntry {
  callAt: number;
}

/** The globals replaced. */
const FAKED = ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date", "performance"] as const;

let installed: VirtualTimers | null = null;

/**
 * Installs virtual application timers driven by `net`: from now on
 * `setTimeout(fn, 1000)` fires after one second of *virtual* time, when
 * `net.run()`/`advance()`/`runUntil()` reaches it. `Date.now()` starts at
 * `epochMs` (default 0, 1970-01-01) plus the network's virtual time.
 * Only one network at a time may own the global timers.
 * @example
 * const vt = virtualTimers(net);
 * try { setTimeout(() => {}, 1000); await net.run(); } finally { vt.uninstall(); }
 */
export function virtualTimers(net: Network, opts: { epochMs?: number } = {}): VirtualTimers {
  if (installed) throw new Error("sockstack/node: virtual timers are already installed (uninstall the previous ones first)");
  const epoch = opts.epochMs ?? 0;
  const scheduler = net.scheduler;
  let ft: typeof FakeTimers;
  try {
    ft = createRequire(import.meta.url)("@sinonjs/fake-timers") as typeof FakeTimers;
  } catch (e) {
    throw Object.assign(new Error("sockstack/node: virtualTimers needs the @sinonjs/fake-timers package (npm install -D @sinonjs/fake-timers)", { cause: e }), { code: "ERR_MODULE_NOT_FOUND" });
  }
  const clock = ft.withGlobal(globalThis).install({ now: epoch + scheduler.now() / 1000, toFake: [...FAKED], shouldClearNativeTimers: false });
  const g = globalThis as unknown as Record<string, unknown>;
  const bridge = new Timer(() => {
    net.driver.notifyWake();
    syncTo(true);
    rearm();
  });
  const simMs = (): number => epoch + scheduler.now() / 1000;
  const nextCallAt = (): number => {
    let min = Infinity;
    // fake-timers keeps its pending timers in `clock.timers` (created at the first timer).
    const timers = (clock as unknown as { timers?: Map<number, TimerEntry> }).timers;
    if (timers) for (const t of timers.values()) if (t.callAt < min) min = t.callAt;
    return min;
  };
  // Moves the fake clock to the network's time. From the bridge timer it runs what is due;
  // from Date.now() it only moves the clock when no timer would fire (no callbacks inside Date.now()).
  let ticking = false;
  const syncTo = (runDue: boolean): void => {
    if (ticking) return;
    const target = simMs();
    // A timer set outside a tick with delay 0 (or one whose callAt equals the clock's now) is due
    // at the current instant: tick(0) runs it. Without this the bridge re-armed itself at the same
    // instant for ever (a timer storm the driver stops as a spin).
    if (target <= clock.now && !(runDue && nextCallAt() <= clock.now)) return;
    if (!runDue && nextCallAt() <= target) return;
    ticking = true;
    try {
      clock.tick(Math.max(0, target - clock.now));
    } finally {
      ticking = false;
    }
  };
  const rearm = (): void => {
    const next = nextCallAt();
    if (next === Infinity) {
      scheduler.disarm(bridge);
      return;
    }
    const at = Math.max(scheduler.now(), Math.ceil((next - epoch) * 1000));
    scheduler.arm(bridge, at);
  };
  // The objects setTimeout/setInterval returned, by timer id: their ref()/unref() say whether the
  // timer keeps Node's loop alive (liveness.ts); fake-timers keeps the flag on them only.
  const handles = new Map<number, { hasRef(): boolean }>();
  const timersAlive = (): boolean => {
    const timers = (clock as unknown as { timers?: Map<number, TimerEntry> }).timers;
    if (!timers) return false;
    for (const id of timers.keys()) if (handles.get(id)?.hasRef() ?? true) return true;
    return false;
  };
  const remember = (r: unknown): void => {
    if (r === null || typeof r !== "object" || typeof (r as { hasRef?: unknown }).hasRef !== "function") return;
    handles.set(Number(r), r as { hasRef(): boolean });
    const timers = (clock as unknown as { timers?: Map<number, TimerEntry> }).timers;
    if (timers && handles.size > 2 * timers.size + 64) for (const id of handles.keys()) if (!timers.has(id)) handles.delete(id);
  };
  // Wrap the faked functions so that every change re-arms the bridge at the earliest deadline.
  const originals: Record<string, unknown> = {};
  for (const name of ["setTimeout", "setInterval", "clearTimeout", "clearInterval"]) {
    const f = g[name] as (...a: unknown[]) => unknown;
    originals[name] = f;
    const wrapped = function (this: unknown, ...a: unknown[]) {
      // The callback runs in the interception context that set the timer (as a real timer's
      // would): code under nodeOn(host).run stays on its simulated host after a timeout.
      if (name.startsWith("set") && typeof a[0] === "function") a[0] = bindHostContext(a[0] as (...x: unknown[]) => unknown);
      syncTo(false);
      const r = f.apply(this, a);
      if (name.startsWith("set")) remember(r);
      rearm();
      return r;
    };
    Object.assign(wrapped, f);
    g[name] = wrapped;
  }
  const DateCtor = g.Date as DateConstructor;
  const fakeNow = DateCtor.now.bind(DateCtor);
  DateCtor.now = () => {
    syncTo(false);
    return fakeNow();
  };
  const perf = g.performance as { now(): number } | undefined;
  const perfNow = perf?.now.bind(perf);
  if (perf && perfNow) {
    perf.now = () => {
      syncTo(false);
      return perfNow();
    };
  }
  const vt: VirtualTimers = {
    clock,
    uninstall() {
      scheduler.disarm(bridge);
      setTimersAlive(null);
      for (const [name, f] of Object.entries(originals)) g[name] = f;
      clock.uninstall();
      installed = null;
    },
  };
  installed = vt;
  setTimersAlive(timersAlive);
  rearm();
  return vt;
}
