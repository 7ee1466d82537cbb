/**
 * The event scheduler: a binary min-heap of {@link Timer}s keyed by
 * (deadline, arm order). Events due at the same instant fire in the order
 * they were armed, which makes every run deterministic.
 *
 * A timer costs nothing while disarmed and O(log n) to arm, re-arm or
 * disarm; there is never one JS timer per socket. A protocol object that
 * needs several deadlines (TCP: retransmit, delayed ACK, keepalive…) keeps
 * them as plain numbers and arms one Timer at the earliest ("lazy deadlines").
 *
 * The scheduler does not move time itself: a driver (the simulated network's
 * virtual-time loop or the Node real-time driver) calls {@link Scheduler.runDue}.
 */
import type { Clock, Micros } from "./time.js";

/** Something that can be armed on a {@link Scheduler}. */
export class Timer {
  /** Absolute deadline in µs, or -1 while disarmed. */
  deadline: Micros = -1;
  /** Position in the scheduler's heap, -1 while disarmed. @internal */
  heapIndex = -1;
  /** Arm order, breaks ties between equal deadlines. @internal */
  order = 0;
  /**
   * @param callback called with the firing time (and the timer itself, so
   * one function can serve many timers) when the deadline is reached.
   */
  constructor(public callback: (now: Micros, timer: Timer) => void) {}

  /** True while the timer is armed. */
  get armed(): boolean {
    return this.heapIndex >= 0;
  }
}

/** A deterministic timer heap plus the current time. */
export class Scheduler implements Clock {
  #heap: Timer[] = [];
  #now: Micros;
  #order = 0;
  /** Number of timer callbacks run so far. */
  fired = 0;
  /**
   * Called with the new earliest deadline whenever {@link arm} makes a
   * timer the earliest one (so it may now be earlier than before). The
   * real-time driver (node/) keeps one host timer armed at the earliest
   * deadline and re-arms it from here; the virtual-time driver needs no
   * hook, it reads {@link nextDeadline} between instants. Null by default.
   */
  onEarliestChanged: ((deadline: Micros) => void) | null = null;

  /** @param start the initial time in µs (default 0). */
  constructor(start: Micros = 0) {
    this.#now = start;
  }

  /** The current time in µs. */
  now(): Micros {
    return this.#now;
  }

  /** Number of armed timers. */
  get size(): number {
    return this.#heap.length;
  }

  /** The earliest armed deadline, or -1 when nothing is armed. */
  nextDeadline(): Micros {
    return this.#heap.length ? this.#heap[0]!.deadline : -1;
  }

  /**
   * Arms (or re-arms) `t` to fire at absolute time `at` (clamped to now).
   * Re-arming moves it and gives it a fresh position among equal deadlines.
   */
  arm(t: Timer, at: Micros): void {
    if (at < this.#now) at = this.#now;
    t.order = this.#order++;
    if (t.heapIndex >= 0) {
      const old = t.deadline;
      t.deadline = at;
      if (at < old) this.#up(t.heapIndex);
      else this.#down(t.heapIndex);
    } else {
      t.deadline = at;
      t.heapIndex = this.#heap.length;
      this.#heap.push(t);
      this.#up(t.heapIndex);
    }
    if (t.heapIndex === 0 && this.onEarliestChanged) this.onEarliestChanged(at);
  }

  /** Arms `t` to fire `delay` µs from now. */
  armIn(t: Timer, delay: Micros): void {
    this.arm(t, this.#now + delay);
  }

  /** Disarms `t` if it is armed. */
  disarm(t: Timer): void {
    const i = t.heapIndex;
    if (i < 0) return;
    const last = this.#heap.pop()!;
    if (last !== t) {
      this.#heap[i] = last;
      last.heapIndex = i;
      this.#down(i);
      this.#up(last.heapIndex);
    }
    t.heapIndex = -1;
    t.deadline = -1;
  }

  /**
   * Moves the clock to `t` (never backwards). Used by drivers only.
   * @internal
   */
  setNow(t: Micros): void {
    if (t > this.#now) this.#now = t;
  }

  /**
   * Fires every timer due at or before the current time, in deadline then
   * arm order, including timers armed by those callbacks for the same
   * instant. Returns the number fired.
   */
  runDue(): number {
    let n = 0;
    const heap = this.#heap;
    while (heap.length && heap[0]!.deadline <= this.#now) {
      const t = heap[0]!;
      this.disarm(t);
      n++;
      this.fired++;
      t.callback(this.#now, t);
    }
    return n;
  }

  #less(a: Timer, b: Timer): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.order < b.order);
  }

  #up(i: number): void {
    const heap = this.#heap;
    const t = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = heap[p]!;
      if (!this.#less(t, pt)) break;
      heap[i] = pt;
      pt.heapIndex = i;
      i = p;
    }
    heap[i] = t;
    t.heapIndex = i;
  }

  #down(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const t = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.#less(heap[r]!, heap[l]!)) c = r;
      const ct = heap[c]!;
      if (!this.#less(ct, t)) break;
      heap[i] = ct;
      ct.heapIndex = i;
      i = c;
    }
    heap[i] = t;
    t.heapIndex = i;
  }
}
