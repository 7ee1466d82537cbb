/**
 * The virtual-time driver: moves a {@link Scheduler}'s clock from deadline
 * to deadline, as fast as the events allow, while async application code
 * (servers, clients awaiting blocking syscalls) keeps up.
 *
 * The loop (DESIGN.md, "Virtual time and async application code"):
 * 1. fire every timer due at `now` (`scheduler.runDue()`);
 * 2. if application code may have been woken, yield to a fresh macrotask,
 *    which lets the microtask queue drain completely — every promise
 *    continuation triggered by this instant runs, including long `await`
 *    chains, and may arm more timers for `now`;
 * 3. repeat 1–2 until nothing is due at `now` and nothing was woken;
 * 4. jump `now` to the next deadline.
 *
 * Why skipping the yield is safe: application code runs only as
 * continuations of promises that sockstack resolves — a blocked syscall's
 * promise (the socket layer calls {@link VirtualDriver.notifyWake} whenever
 * it resolves or rejects one) or the driver's {@link VirtualDriver.sleep}
 * (which counts as a wake). Code started by those continuations runs in the
 * same microtask drain. So if no wake happened since the last yield, no
 * application continuation can be pending and the driver may go on without
 * touching the host event loop. Each `run`/`advance`/`runUntil` also
 * yields once on entry, for whatever the caller started before calling it.
 * (Pass `yieldEveryInstant: true` for code that resolves promises without
 * telling the driver.)
 *
 * Determinism holds as long as applications wait only on sockstack
 * primitives — syscalls and {@link VirtualDriver.sleep} — never on real
 * timers (`setTimeout`), real I/O or other host events: those do not exist
 * in virtual time, which jumps past them. The common mistake shows as a
 * simulation that goes idle (no timer armed) while the condition a
 * `runUntil` waits for is still false; the driver then warns once.
 *
 * This is the one place outside `src/node` that touches the host event
 * loop, and only through the injectable {@link YieldMacrotask}.
 */
import { Timer, type Scheduler } from "../core/scheduler.js";
import type { Micros } from "../core/time.js";

/** Resolves in a fresh macrotask (after the microtask queue has drained). */
export type YieldMacrotask = () => Promise<void>;

interface HostLoop {
  setImmediate?: (cb: () => void) => unknown;
  MessageChannel?: new () => {
    port1: { onmessage: ((ev: unknown) => void) | null; unref?: () => void };
    port2: { postMessage(v: unknown): void; unref?: () => void };
  };
  setTimeout?: (cb: () => void, ms: number) => unknown;
  console?: { warn(...args: unknown[]): void };
}

/**
 * The best macrotask yield the host offers: `setImmediate` (Node), else a
 * `MessageChannel` (browsers, no 4 ms clamping), else `setTimeout(…, 0)`.
 */
export function hostYieldMacrotask(): YieldMacrotask {
  const g = globalThis as unknown as HostLoop;
  if (typeof g.setImmediate === "function") {
    const si = g.setImmediate;
    return () => new Promise<void>((resolve) => void si(resolve));
  }
  if (typeof g.MessageChannel === "function") {
    const ch = new g.MessageChannel();
    const waiting: (() => void)[] = [];
    ch.port1.onmessage = () => waiting.shift()?.();
    ch.port1.unref?.();
    ch.port2.unref?.();
    return () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        ch.port2.postMessage(0);
      });
  }
  const st = g.setTimeout;
  if (typeof st !== "function") throw new Error("VirtualDriver: the host has no macrotask primitive; pass yieldMacrotask");
  // Real time, deliberately: this only yields to the host loop, it never measures time.
  return () => new Promise<void>((resolve) => void st(resolve, 0));
}

/** Options of {@link VirtualDriver}. */
export interface VirtualDriverOptions {
  /** How to yield to a fresh macrotask (default {@link hostYieldMacrotask}). */
  yieldMacrotask?: YieldMacrotask;
  /** Where warnings go (default `console.warn`). */
  warn?: (message: string) => void;
  /**
   * Yield after every batch of events, not only after wakes: slower, but
   * correct for code that resolves promises without {@link VirtualDriver.notifyWake}.
   * Default false.
   */
  yieldEveryInstant?: boolean;
  /**
   * Rounds at one instant before a {@link StuckError} (default
   * {@link DEFAULT_MAX_ROUNDS_PER_INSTANT}): code that keeps re-arming
   * work for "now" (a loop of `sleep(0)`) never lets virtual time move.
   */
  maxRoundsPerInstant?: number;
  /**
   * Timer events at one instant before a {@link StuckError} (default
   * {@link DEFAULT_MAX_EVENTS_PER_INSTANT}): a storm that never lets time
   * move without any program taking part — two endpoints answering each
   * other over a zero-delay path forever — runs inside the scheduler, where
   * neither the syscall boundary's spin detector nor the round count sees it.
   */
  maxEventsPerInstant?: number;
  /** Describes what is pending, for the StuckError's message (the Network lists processes and calls). */
  describe?: () => string;
}

/**
 * Virtual time cannot move: one instant took more than
 * `maxRoundsPerInstant` rounds of events and wake-ups.
 */
export class StuckError extends Error {
  constructor(at: Micros, rounds: number, pending: string, events = 0) {
    super(
      (events > 0
        ? `spin: virtual time is stuck at t=${formatMicros(at)}: ${events} timer events at this instant ` +
          "(a storm of packets or timers that never lets time move, e.g. two endpoints answering each other over a zero-delay path)"
        : `spin: virtual time is stuck at t=${formatMicros(at)}: ${rounds} rounds of events at this instant ` +
          "(code keeps scheduling work for \"now\", e.g. a loop around sleep(0) or a timer re-armed at the current time)") +
        (pending ? `\n${pending}` : ""),
    );
    this.name = "SpinError";
  }
}

/** Counts the host's pending setImmediate callbacks once {@link trackHostImmediates} is on (null until then). */
let pendingImmediates: (() => number) | null = null;

/**
 * Makes `setImmediate` callbacks part of the instant that queued them:
 * from now on every virtual-time driver that yields with the host's
 * `setImmediate` keeps yielding, before moving the clock or going idle,
 * until no (ref'd) immediate is pending in the host — counted with Node's
 * `process.getActiveResourcesInfo()`, so Node's internal ones count too
 * (the JS stream socket under TLS finishes every write with one; undici
 * resumes its request pipeline with one). Without it such a callback runs
 * only after the clock has moved. A no-op where the host cannot count
 * them (browsers). Idempotent; the Node façade turns it on.
 * @example
 * trackHostImmediates();
 */
export function trackHostImmediates(): void {
  const proc = (globalThis as unknown as { process?: { getActiveResourcesInfo?: () => string[] } }).process;
  const info = proc?.getActiveResourcesInfo;
  if (pendingImmediates || typeof info !== "function") return;
  pendingImmediates = () => {
    let n = 0;
    for (const r of info.call(proc)) if (r === "Immediate") n++;
    return n;
  };
}

/** Real work in flight that virtual time waits for (see {@link holdVirtualTime}). */
const realWork = new Set<Promise<void>>();

/**
 * Tells every virtual-time driver in this process that real asynchronous
 * work is in flight whose result simulated code will consume — a
 * WebAssembly compilation (undici's HTTP parser), a thread-pool job — so
 * virtual time must not move, nor a run be declared idle, until `work`
 * settles. The driver then waits in real time: the instant it is at is
 * settled again afterwards (one macrotask yield, then what is due).
 * Virtual time itself stays deterministic; only the wall-clock duration of
 * the run grows. Rejections are ignored here (the code that started the
 * work sees them).
 * @example
 * declare const compiling: Promise<unknown>; // e.g. WebAssembly.compile(bytes)
 * holdVirtualTime(compiling);
 */
export function holdVirtualTime(work: PromiseLike<unknown>): void {
  const p: Promise<void> = Promise.resolve(work).then(() => {}, () => {}).finally(() => realWork.delete(p));
  realWork.add(p);
}

/** Limits of {@link VirtualDriver.run}. */
export interface RunOptions {
  /** Stop after the events of this instant (absolute µs). */
  until?: Micros;
  /** Stop at the first instant boundary after this many timer events. */
  maxEvents?: number;
  /** Stop once this is true, checked after each settled instant (reason "predicate"). */
  stopWhen?: () => boolean;
}

/** Why a run stopped. */
export type StopReason = "idle" | "until" | "maxEvents" | "predicate";

/**
 * Rounds (a macrotask yield plus the events due) one instant may take
 * before the driver decides the simulation spins without moving time.
 */
export const DEFAULT_MAX_ROUNDS_PER_INSTANT = 1_000_000;

/**
 * Timer events one instant may fire before the driver decides a storm
 * keeps time from moving (100 MB echoed at one instant over a zero-delay
 * link takes a few hundred thousand).
 */
export const DEFAULT_MAX_EVENTS_PER_INSTANT = 5_000_000;

/** What {@link VirtualDriver.run} returns. */
export interface RunResult {
  reason: StopReason;
  /** The virtual time when it stopped. */
  now: Micros;
  /** Timer events fired during the run. */
  events: number;
}

/** Options of {@link VirtualDriver.runUntil}. */
export interface RunUntilOptions {
  /** Give up after this much virtual time (µs). Default: never (until idle). */
  timeout?: Micros;
}

/**
 * Called by a run before it moves the clock forward to `next` (the next
 * timer's instant, or a run's `until`), once everything due at the current
 * instant ran. Returning a promise holds the simulation there — in real
 * time; virtual time does not move — until it settles: an observer (the
 * web lab) paces a run to a watchable speed and looks at the hosts between
 * instants. `holdAt(t)` moves the clock to `t` (now ≤ t < next) while
 * holding, so views show the instant the observer is at. After a hold the
 * instant is settled again (whatever the pacer did to the network
 * meanwhile — a link change, a process killed — happens there) and the
 * pacer is asked again; returning nothing lets the clock move.
 */
export type Pacer = (next: Micros, holdAt: (t: Micros) => void) => Promise<void> | void;

/** Counters of the loop itself (for tests and `bench`). */
export interface DriverStats {
  /** Distinct instants processed. */
  instants: number;
  /** Timer events fired. */
  events: number;
  /** Macrotask yields. */
  yields: number;
  /** Wake notifications received. */
  wakes: number;
  /** Times the driver waited for real work in flight ({@link holdVirtualTime}). */
  holds: number;
}

/**
 * Runs a scheduler in virtual time.
 * @example
 * const driver = new VirtualDriver(scheduler);
 * let done = false;
 * void (async () => {                        // async application code
 *   await driver.sleep(ms(5));
 *   done = true;
 * })();
 * await driver.runUntil(() => done, { timeout: sec(10) });
 */
export class VirtualDriver {
  readonly #scheduler: Scheduler;
  readonly #yield: YieldMacrotask;
  #hostYield: YieldMacrotask | null = null;
  readonly #warn: (message: string) => void;
  readonly #yieldEveryInstant: boolean;
  readonly #maxRounds: number;
  readonly #maxEventsPerInstant: number;
  readonly #describe: () => string;
  #wakes = 0;
  #seenWakes = 0;
  #running = false;
  #warned = false;
  readonly #stats: DriverStats = { instants: 0, events: 0, yields: 0, wakes: 0, holds: 0 };
  #pacer: Pacer | null = null;

  /** @param scheduler the network's scheduler (its clock becomes virtual time). */
  constructor(scheduler: Scheduler, opts: VirtualDriverOptions = {}) {
    this.#scheduler = scheduler;
    this.#yield = opts.yieldMacrotask ?? (this.#hostYield = hostYieldMacrotask());
    this.#warn = opts.warn ?? defaultWarn;
    this.#yieldEveryInstant = opts.yieldEveryInstant ?? false;
    this.#maxRounds = opts.maxRoundsPerInstant ?? DEFAULT_MAX_ROUNDS_PER_INSTANT;
    this.#maxEventsPerInstant = opts.maxEventsPerInstant ?? DEFAULT_MAX_EVENTS_PER_INSTANT;
    this.#describe = opts.describe ?? (() => "");
  }

  /** The scheduler driven. */
  get scheduler(): Scheduler {
    return this.#scheduler;
  }

  /** The current virtual time (µs). */
  now(): Micros {
    return this.#scheduler.now();
  }

  /** True while a run is in progress. */
  get running(): boolean {
    return this.#running;
  }

  /** A copy of the loop counters. */
  stats(): DriverStats {
    return { ...this.#stats };
  }

  /**
   * Tells the driver that application code may have been woken: call it
   * whenever a promise an application may await is resolved or rejected
   * (the socket layer's blocked syscalls). Cheap; safe to over-call.
   */
  notifyWake(): void {
    this.#wakes++;
    this.#stats.wakes++;
  }

  /**
   * A promise resolved after `duration` µs of virtual time (`sleep(0)`
   * resolves in a later event of the current instant).
   * @example await driver.sleep(ms(100));
   */
  sleep(duration: Micros): Promise<void> {
    return this.sleepUntil(this.#scheduler.now() + Math.max(0, duration));
  }

  /** A promise resolved at virtual time `at` (or in a later event now, if `at` has passed). */
  sleepUntil(at: Micros): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = new Timer(() => {
        this.notifyWake();
        resolve();
      });
      this.#scheduler.arm(t, at);
    });
  }

  /**
   * Installs `pacer` (or removes it with null): every run calls it before
   * moving the clock forward ({@link Pacer}). Determinism is kept: a pacer
   * only delays in real time, and anything it changes happens at the
   * instant it held.
   * @example
   * declare const allowed: Micros, waitForTheUser: () => Promise<void>;
   * net.driver.setPacer((next) => (next > allowed ? waitForTheUser() : undefined));
   */
  setPacer(pacer: Pacer | null): void {
    this.#pacer = pacer;
  }

  /**
   * Runs until nothing is left to do (no timer armed), or a limit.
   * With `until`, the clock ends exactly at `until` unless idle earlier.
   * @example
   * declare const driver: VirtualDriver;
   * const r = await driver.run({ until: sec(60) }); r.reason === "until"
   */
  async run(opts: RunOptions = {}): Promise<RunResult> {
    return this.#loop(opts.until ?? Infinity, opts.maxEvents ?? Infinity, opts.stopWhen ?? null, false);
  }

  /**
   * Runs `duration` µs of virtual time (every event up to and including
   * `now + duration`), leaving the clock at `now + duration` even when idle.
   */
  async advance(duration: Micros): Promise<RunResult> {
    const until = this.#scheduler.now() + Math.max(0, duration);
    const r = await this.#loop(until, Infinity, null, false);
    this.#scheduler.setNow(until);
    return { ...r, now: until, reason: "until" };
  }

  /**
   * Runs until `predicate()` is true — checked once the current instant is
   * settled and again after each instant — and returns true; returns false
   * when `timeout` µs of virtual time pass first (the clock then ends at
   * the timeout) or when the simulation goes idle with the predicate still
   * false (which also warns once: application code is probably waiting on
   * something that is not simulated).
   * @example
   * declare const driver: VirtualDriver;
   * let connected = false;
   * client.spawn("c", async (p) => { await p.connect(p.socket("AF_INET", "SOCK_STREAM"), ["10.0.0.2", 80]); connected = true; });
   * await driver.runUntil(() => connected, { timeout: sec(5) }) === true;
   */
  async runUntil(predicate: () => boolean, opts: RunUntilOptions = {}): Promise<boolean> {
    const timeout = opts.timeout ?? Infinity;
    const until = this.#scheduler.now() + Math.max(0, timeout);
    const r = await this.#loop(until, Infinity, predicate, true);
    if (r.reason === "predicate") return true;
    if (r.reason === "until" || (r.reason === "idle" && until !== Infinity)) this.#scheduler.setNow(until);
    return false;
  }

  async #loop(until: Micros, maxEvents: number, predicate: (() => boolean) | null, warnIdle: boolean): Promise<RunResult> {
    if (this.#running) throw new Error("VirtualDriver: a run is already in progress (do not call run/advance/runUntil from simulated code)");
    this.#running = true;
    const s = this.#scheduler;
    const st = this.#stats;
    let events = 0;
    let forceYield = true; // for whatever the caller started before this run
    let lastInstant = -1;
    try {
      for (;;) {
        // Settle the current instant (again, after waiting for real work: counted once).
        if (s.now() !== lastInstant) st.instants++;
        lastInstant = s.now();
        let rounds = 0;
        let atInstant = 0;
        for (;;) {
          if (++rounds > this.#maxRounds) throw new StuckError(s.now(), rounds - 1, this.#describe());
          if (atInstant > this.#maxEventsPerInstant) throw new StuckError(s.now(), rounds - 1, this.#describe(), atInstant);
          if (forceYield || this.#wakes !== this.#seenWakes) {
            forceYield = false;
            this.#seenWakes = this.#wakes;
            st.yields++;
            await this.#yield();
          }
          const n = s.runDue(this.#maxEventsPerInstant + 1 - atInstant);
          atInstant += n;
          events += n;
          st.events += n;
          if (n > 0) {
            if (this.#yieldEveryInstant) forceYield = true;
            continue;
          }
          if (this.#wakes !== this.#seenWakes) continue;
          if (pendingImmediates && this.#yield === this.#hostYield && pendingImmediates() > 0) {
            // setImmediate callbacks queued at this instant run before the clock moves (trackHostImmediates).
            forceYield = true;
            continue;
          }
          break;
        }
        if (predicate && predicate()) return { reason: "predicate", now: s.now(), events };
        if (realWork.size > 0) {
          // Real work the simulation will consume is in flight: wait for it (real time), then settle this instant again.
          st.holds++;
          await Promise.race(realWork);
          forceYield = true;
          continue;
        }
        if (events >= maxEvents) return { reason: "maxEvents", now: s.now(), events };
        const next = s.nextDeadline();
        if (next < 0) {
          if (predicate && warnIdle) this.#warnIdle();
          return { reason: "idle", now: s.now(), events };
        }
        const to = next > until ? until : next;
        if (this.#pacer && to > s.now() && (await this.#pace(to))) {
          forceYield = true; // the pacer acted at this instant: settle it again before moving on
          continue;
        }
        if (next > until) {
          s.setNow(until);
          return { reason: "until", now: s.now(), events };
        }
        s.setNow(next);
      }
    } finally {
      this.#running = false;
    }
  }

  /**
   * Asks the pacer before the clock moves to `to`; true when it held (it is
   * asked again once this instant is settled) or changed anything without
   * holding (a wake, a new timer, the clock).
   */
  async #pace(to: Micros): Promise<boolean> {
    const s = this.#scheduler;
    const before = { now: s.now(), next: s.nextDeadline(), wakes: this.#wakes };
    const holdAt = (t: Micros) => {
      if (!(t >= s.now() && t < to)) throw new RangeError(`Pacer holdAt(${t}): outside [${s.now()}, ${to})`);
      s.setNow(t);
    };
    const p = this.#pacer!(to, holdAt);
    if (p) {
      await p;
      return true; // held: ask again (the pacer may have acted, or wants to hold on)
    }
    return this.#wakes !== before.wakes || s.nextDeadline() !== before.next || s.now() !== before.now;
  }

  #warnIdle(): void {
    if (this.#warned) return;
    this.#warned = true;
    this.#warn(
      `sockstack: the simulation is idle at t=${formatMicros(this.#scheduler.now())} (no timer armed) ` +
        "but the awaited condition is still false. Application code may be waiting on something " +
        "that is not simulated — a real timer (setTimeout/setInterval), real I/O, or a promise " +
        "sockstack never resolves. Use the simulation's sleep() for delays and sockstack sockets for I/O.",
    );
  }
}

function formatMicros(t: Micros): string {
  return `${(t / 1e6).toFixed(6)}s`;
}

function defaultWarn(message: string): void {
  (globalThis as unknown as HostLoop).console?.warn(message);
}
