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
  /** Slot in the scheduler's tables while armed, -1 while disarmed. @internal */
  slot = -1;
  /**
   * @param callback called with the firing time (and the timer itself, so
   * one function can serve many timers) when the deadline is reached.
   */
  constructor(public callback: (now: Micros, timer: Timer) => void) {}

  /** True while the timer is armed. */
  get armed(): boolean {
    return this.slot >= 0;
  }
}

/** Initial capacity of the key arrays (they double as needed). */
const INITIAL_CAPACITY = 64;

/**
 * A deterministic timer heap plus the current time.
 *
 * The heap is 4-ary and holds small integers only: each armed timer owns a
 * *slot* (taken when it is armed, given back when it fires or is
 * disarmed), the heap orders slots, and the keys (deadline, arm order) sit
 * in typed arrays beside them by heap position, with each slot's heap
 * position in another. Sifting therefore compares and moves numbers in a
 * few cache lines and never loads or writes a `Timer` it passes (with 10⁵
 * armed timers those object accesses were most of the cost). Firing order
 * is fixed by the (deadline, order) keys alone, never by the heap's shape
 * or the slot numbers.
 */
export class Scheduler implements Clock {
  /** Heap position → slot. */
  #heap = new Int32Array(INITIAL_CAPACITY);
  /** Number of armed timers (heap positions in use). */
  #size = 0;
  /** Heap position → deadline. */
  #dl = new Float64Array(INITIAL_CAPACITY);
  /** Heap position → arm order. */
  #ord = new Float64Array(INITIAL_CAPACITY);
  /** Slot → heap position. */
  #pos = new Int32Array(INITIAL_CAPACITY);
  /** Slot → its armed timer (null while the slot is free). */
  #timers: (Timer | null)[] = [];
  /** Free slots (a stack: the last freed is reused first). */
  #freeSlots: number[] = [];
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
    return this.#size;
  }

  /** The earliest armed deadline, or -1 when nothing is armed. */
  nextDeadline(): Micros {
    // From the Timer, not the Float64Array: a typed-array load is a double,
    // and a clock set from it would make every time stored from `now()`
    // (TCB fields…) a boxed heap number instead of a small integer.
    return this.#size ? this.#timers[this.#heap[0]!]!.deadline : -1;
  }

  /**
   * Arms (or re-arms) `t` to fire at absolute time `at` (clamped to now).
   * Re-arming moves it and gives it a fresh position among equal deadlines.
   */
  arm(t: Timer, at: Micros): void {
    if (at < this.#now) at = this.#now;
    const order = this.#order++;   // kept in #ord only (8 B less per Timer, per TCB)
    t.deadline = at;
    let s = t.slot;
    if (s >= 0) {
      const i = this.#pos[s]!;
      const old = this.#dl[i]!;
      this.#dl[i] = at;
      this.#ord[i] = order;
      if (at < old) this.#up(i, s);
      else this.#down(i, s);
    } else {
      const i = this.#size++;
      if (i === this.#dl.length) this.#grow();
      // A new slot only when every slot is armed, so s ≤ i < capacity.
      const free = this.#freeSlots.pop();
      if (free === undefined) {
        s = this.#timers.length;
        this.#timers.push(t);
      } else {
        s = free;
        this.#timers[s] = t;
      }
      t.slot = s;
      this.#dl[i] = at;
      this.#ord[i] = order;
      this.#up(i, s);
    }
    if (this.#pos[s] === 0 && this.onEarliestChanged) this.onEarliestChanged(at);
  }

  /** Arms `t` to fire `delay` µs from now. */
  armIn(t: Timer, delay: Micros): void {
    this.arm(t, this.#now + delay);
  }

  /** Disarms `t` if it is armed. */
  disarm(t: Timer): void {
    const s = t.slot;
    if (s < 0) return;
    const i = this.#pos[s]!;
    const n = --this.#size;
    if (i !== n) {
      const ls = this.#heap[n]!;
      this.#dl[i] = this.#dl[n]!;
      this.#ord[i] = this.#ord[n]!;
      this.#heap[i] = ls;
      this.#pos[ls] = i;
      this.#down(i, ls);
      if (this.#pos[ls] === i) this.#up(i, ls);
    }
    this.#timers[s] = null;
    this.#freeSlots.push(s);
    t.slot = -1;
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
  runDue(max = Infinity): number {
    let n = 0;
    while (n < max && this.#size && this.#dl[0]! <= this.#now) {
      const t = this.#timers[this.#heap[0]!]!;
      this.disarm(t);
      n++;
      this.fired++;
      t.callback(this.#now, t);
    }
    return n;
  }

  #grow(): void {
    const cap = this.#dl.length * 2;
    const dl = new Float64Array(cap);
    dl.set(this.#dl);
    this.#dl = dl;
    const ord = new Float64Array(cap);
    ord.set(this.#ord);
    this.#ord = ord;
    const heap = new Int32Array(cap);
    heap.set(this.#heap);
    this.#heap = heap;
    const pos = new Int32Array(cap);
    pos.set(this.#pos);
    this.#pos = pos;
  }

  /** Moves slot `s`, whose keys are at `i`, towards the root. */
  #up(i: number, s: number): void {
    const heap = this.#heap, pos = this.#pos;
    const dls = this.#dl, ords = this.#ord;
    const d = dls[i]!, o = ords[i]!;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pd = dls[p]!;
      if (d > pd || (d === pd && o > ords[p]!)) break;
      const ps = heap[p]!;
      heap[i] = ps;
      dls[i] = pd;
      ords[i] = ords[p]!;
      pos[ps] = i;
      i = p;
    }
    heap[i] = s;
    dls[i] = d;
    ords[i] = o;
    pos[s] = i;
  }

  /** Moves slot `s`, whose keys are at `i`, away from the root. */
  #down(i: number, s: number): void {
    const heap = this.#heap, pos = this.#pos;
    const dls = this.#dl, ords = this.#ord;
    const n = this.#size;
    const d = dls[i]!, o = ords[i]!;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      const end = first + 4 < n ? first + 4 : n;
      let c = first;
      let cd = dls[first]!, co = ords[first]!;
      for (let k = first + 1; k < end; k++) {
        const kd = dls[k]!;
        if (kd < cd || (kd === cd && ords[k]! < co)) {
          c = k;
          cd = kd;
          co = ords[k]!;
        }
      }
      if (cd > d || (cd === d && co > o)) break;
      const cs = heap[c]!;
      heap[i] = cs;
      dls[i] = cd;
      ords[i] = co;
      pos[cs] = i;
      i = c;
    }
    heap[i] = s;
    dls[i] = d;
    ords[i] = o;
    pos[s] = i;
  }
}
