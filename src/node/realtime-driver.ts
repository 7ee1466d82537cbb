/**
 * The real-time driver: runs a {@link Scheduler} on Node's event loop with
 * the real monotonic clock, so the same stack code that runs in virtual time
 * under the simulator talks to the real world (the TUN bridge, DESIGN.md).
 *
 * How it works:
 * - `now` is the monotonic clock (`performance.now()`, µs resolution) in µs
 *   since {@link RealtimeDriver.start}, added to the scheduler's time at
 *   that moment (the clock never goes back);
 * - ONE Node timer is armed for the earliest deadline of the heap. The
 *   scheduler's {@link Scheduler.onEarliestChanged} hook re-arms it when a
 *   timer armed by anyone (a socket call from application code, a packet)
 *   becomes earlier than the one Node waits for. A timer disarmed or moved
 *   later just makes the Node timer fire early: {@link RealtimeDriver.tick}
 *   then finds nothing due and re-arms — cheaper than tracking every disarm.
 * - packets from the outside are injected with {@link RealtimeDriver.inject}:
 *   the clock is updated first, the packet handled, then due timers run.
 *
 * Application code needs nothing special: blocked syscalls resolve promises
 * and Node runs the continuations as usual; {@link RealtimeDriver.notifyWake}
 * only counts. Unlike the virtual-time driver, nothing here is
 * deterministic — real time and real packets decide the order.
 *
 * Spins: the scheduler's clock moves only when this driver reads the real
 * clock (a tick, an injected packet), so a program looping on calls that
 * return at once without progress does all of it at one stack instant —
 * and the host's spin detector (sys/spin.ts, at the syscall boundary)
 * stops it with a SpinError naming
 * host, process, thread and call, exactly as under the virtual driver.
 * Node's event loop is never frozen by such a loop: the process is ended
 * and its calls never return. (A loop of real-time sleeps is not a spin
 * here: real time passes.)
 *
 * @example
 * import { Scheduler } from "../core/scheduler.js";
 * const sched = new Scheduler();
 * const driver = new RealtimeDriver(sched);
 * const host = new Host({ name: "tun", scheduler: sched, rng: new Rng(1), notifyWake: () => driver.notifyWake() });
 * driver.start();
 * await driver.sleep(ms(10));   // 10 real milliseconds
 * driver.stop();
 */
import { performance } from "node:perf_hooks";
import { Timer, type Scheduler } from "../core/scheduler.js";
import type { Micros } from "../core/time.js";

/** A monotonic clock in µs (any epoch). */
export type MonotonicClock = () => Micros;

/** `performance.now()` in µs, rounded down to an integer. */
export const monotonicMicros: MonotonicClock = () => Math.floor(performance.now() * 1000);

/** Options of {@link RealtimeDriver}. */
export interface RealtimeDriverOptions {
  /** The clock (default {@link monotonicMicros}); tests may inject one. */
  clock?: MonotonicClock;
  /**
   * Keep the Node process alive while a stack timer is armed (default
   * true). With false the host timer is `unref`ed: the process exits when
   * nothing else (a socket, a server) keeps the loop alive.
   */
  ref?: boolean;
  /** Called when a timer callback throws (default: rethrown, crashing like any uncaught error). */
  onError?: (err: unknown) => void;
}

/** Counters of the driver (for `bench` and tests). */
export interface RealtimeDriverStats {
  /** Calls of {@link RealtimeDriver.tick} (timer expiries and injections). */
  ticks: number;
  /** Stack timer callbacks run. */
  events: number;
  /** Packets or other events injected. */
  injected: number;
  /** Times the Node timer was (re)armed. */
  rearms: number;
  /** Wake notifications received. */
  wakes: number;
  /** Largest lateness of a fired deadline seen, µs (how far behind real time the stack ran). */
  maxLateness: Micros;
}

/**
 * Drives a scheduler in real time (see the file comment).
 */
export class RealtimeDriver {
  readonly #scheduler: Scheduler;
  readonly #clock: MonotonicClock;
  readonly #ref: boolean;
  readonly #onError: ((err: unknown) => void) | null;
  #running = false;
  #inTick = false;
  /** Clock reading at start, and the scheduler time it maps to. */
  #t0 = 0;
  #base = 0;
  /** The pending Node timer or immediate, and the stack deadline it serves (-1: none). */
  #handle: ReturnType<typeof setTimeout> | null = null;
  #immediate: ReturnType<typeof setImmediate> | null = null;
  #armedFor: Micros = -1;
  readonly #stats: RealtimeDriverStats = { ticks: 0, events: 0, injected: 0, rearms: 0, wakes: 0, maxLateness: 0 };

  /** @param scheduler the host's scheduler (one driver per scheduler). */
  constructor(scheduler: Scheduler, opts: RealtimeDriverOptions = {}) {
    this.#scheduler = scheduler;
    this.#clock = opts.clock ?? monotonicMicros;
    this.#ref = opts.ref ?? true;
    this.#onError = opts.onError ?? null;
  }

  /** The scheduler driven. */
  get scheduler(): Scheduler {
    return this.#scheduler;
  }

  /** True between {@link start} and {@link stop}. */
  get running(): boolean {
    return this.#running;
  }

  /** A copy of the counters. */
  stats(): RealtimeDriverStats {
    return { ...this.#stats };
  }

  /**
   * Starts driving: from now on the scheduler's clock follows real time and
   * due timers fire. Throws when the scheduler already has a driver hook.
   */
  start(): void {
    if (this.#running) return;
    const s = this.#scheduler;
    if (s.onEarliestChanged) throw new Error("RealtimeDriver: the scheduler is already driven");
    this.#running = true;
    this.#t0 = this.#clock();
    this.#base = s.now();
    s.onEarliestChanged = (deadline) => {
      if (!this.#inTick) this.#armFor(deadline);
    };
    this.tick();
  }

  /** Stops driving: clears the Node timer and the hook; armed stack timers stay armed, frozen. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#scheduler.onEarliestChanged = null;
    this.#clear();
  }

  /** The current stack time (µs), after bringing the scheduler's clock up to real time. */
  now(): Micros {
    if (this.#running) this.#scheduler.setNow(this.#base + (this.#clock() - this.#t0));
    return this.#scheduler.now();
  }

  /** Application code may have been woken. Real time needs no action; counted only. */
  notifyWake(): void {
    this.#stats.wakes++;
  }

  /**
   * Brings the clock up to real time, fires every due timer and re-arms the
   * Node timer for the next deadline. Returns the number of timers fired.
   */
  tick(): number {
    if (!this.#running || this.#inTick) return 0;
    const s = this.#scheduler;
    const st = this.#stats;
    st.ticks++;
    this.#inTick = true;
    let n = 0;
    try {
      const now = this.now();
      const first = s.nextDeadline();
      if (first >= 0 && first <= now && now - first > st.maxLateness) st.maxLateness = now - first;
      n = s.runDue();
    } catch (e) {
      if (!this.#onError) throw e;
      this.#onError(e);
    } finally {
      this.#inTick = false;
      st.events += n;
      this.#rearm();
    }
    return n;
  }

  /**
   * Runs `fn` (typically "a packet arrived: hand it to the device") at the
   * current real time, then fires what became due.
   * @example driver.inject(() => device.onReceive(packet, device));
   */
  inject(fn: () => void): void {
    this.#stats.injected++;
    if (!this.#running) {
      fn();
      return;
    }
    this.now();
    this.#inTick = true;
    try {
      fn();
    } catch (e) {
      if (!this.#onError) throw e;
      this.#onError(e);
    } finally {
      this.#inTick = false;
    }
    this.tick();
  }

  /**
   * A promise resolved after `duration` µs of real time, through the stack's
   * scheduler (so it keeps its place among stack timers).
   * @example await driver.sleep(ms(100));
   */
  sleep(duration: Micros): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = new Timer(() => {
        this.notifyWake();
        resolve();
      });
      this.#scheduler.arm(t, this.now() + Math.max(0, duration));
    });
  }

  #rearm(): void {
    const next = this.#scheduler.nextDeadline();
    if (next < 0) {
      this.#clear();
      return;
    }
    this.#armFor(next);
  }

  /** Makes sure a Node timer fires no later than `deadline`. */
  #armFor(deadline: Micros): void {
    if (!this.#running) return;
    if (this.#armedFor >= 0 && this.#armedFor <= deadline) return;
    this.#clear();
    this.#stats.rearms++;
    this.#armedFor = deadline;
    const delay = deadline - this.now();
    const fire = () => {
      this.#handle = null;
      this.#immediate = null;
      this.#armedFor = -1;
      this.tick();
    };
    if (delay <= 0) {
      this.#immediate = setImmediate(fire);
      if (!this.#ref) this.#immediate.unref();
    } else {
      // Node timers have millisecond granularity: round up so we never wake early for nothing.
      this.#handle = setTimeout(fire, Math.ceil(delay / 1000));
      if (!this.#ref) this.#handle.unref();
    }
  }

  #clear(): void {
    if (this.#handle) clearTimeout(this.#handle);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#handle = null;
    this.#immediate = null;
    this.#armedFor = -1;
  }
}
