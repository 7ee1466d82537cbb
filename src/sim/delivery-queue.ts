/**
 * The packets on a simulated wire, ordered by delivery time then by the
 * order they were put on it. Packets mostly arrive in order (a fixed
 * latency never reorders), so those go through a FIFO ring at O(1) per
 * push and pop; only a packet due before the last one queued (the reordering
 * impairment, a packet released from a hold) sifts in a heap.
 */
import type { Micros } from "../core/time.js";
import type { Packet } from "../wire/packet.js";

/** One packet in flight. @internal */
export interface InFlight<T> {
  /** Delivery time. */
  at: Micros;
  /** Tie-break: order of entry onto the wire. */
  seq: number;
  packet: Packet;
  /** Owner data (a segment's sender port). */
  tag: T;
  /** Owner data (a segment's next hop). */
  aux: number;
  /** Released from hold: deliver even while holding. */
  released: boolean;
}

/**
 * The packets in flight keyed by (at, seq): a FIFO ring of the entries that
 * arrived in order — each not earlier than the FIFO's last, so the ring
 * stays sorted and a push or pop costs O(1) — and a binary min-heap of the
 * others (reordered, released from a hold). The earliest entry is the smaller of
 * the two heads, so the order is exactly a single heap's: (at, seq) is a
 * total order (`seq` is unique). @internal
 */
export class DeliveryQueue<T> {
  /** The in-order entries, a power-of-two ring (`#head`, `#count`). */
  #ring: (InFlight<T> | undefined)[] = new Array<InFlight<T> | undefined>(16).fill(undefined);
  #head = 0;
  #count = 0;
  /** The out-of-order entries. */
  #heap: InFlight<T>[] = [];

  /** Number of entries. */
  get size(): number {
    return this.#count + this.#heap.length;
  }

  /** The earliest entry, or undefined. */
  peek(): InFlight<T> | undefined {
    const h = this.#heap[0];
    if (this.#count === 0) return h;
    const f = this.#ring[this.#head]!;
    return h === undefined || less(f, h) ? f : h;
  }

  /** Adds `e`. */
  push(e: InFlight<T>): void {
    const n = this.#count;
    const ring = this.#ring;
    if (n === 0 || !less(e, ring[(this.#head + n - 1) & (ring.length - 1)]!)) {
      if (n === ring.length) this.#grow();
      const r = this.#ring;
      r[(this.#head + n) & (r.length - 1)] = e;
      this.#count = n + 1;
      return;
    }
    const h = this.#heap;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = h[p]!;
      if (!less(e, pe)) break;
      h[i] = pe;
      i = p;
    }
    h[i] = e;
  }

  /** Removes and returns the earliest entry (the queue must not be empty). */
  pop(): InFlight<T> {
    const h = this.#heap;
    if (this.#count !== 0) {
      const ring = this.#ring;
      const f = ring[this.#head]!;
      if (h.length === 0 || less(f, h[0]!)) {
        ring[this.#head] = undefined;
        this.#head = (this.#head + 1) & (ring.length - 1);
        this.#count--;
        return f;
      }
    }
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && less(h[r]!, h[l]!)) c = r;
      const ce = h[c]!;
      if (!less(ce, last)) break;
      h[i] = ce;
      i = c;
    }
    h[i] = last;
    return top;
  }

  /** The packets in delivery order (a copy; for inspection). */
  packets(): Packet[] {
    const all = this.#heap.slice();
    for (let i = 0; i < this.#count; i++) all.push(this.#ring[(this.#head + i) & (this.#ring.length - 1)]!);
    return all.sort((a, b) => (less(a, b) ? -1 : 1)).map((e) => e.packet);
  }

  /** Doubles the full ring, its entries moved to the front in order. */
  #grow(): void {
    const old = this.#ring;
    const r = new Array<InFlight<T> | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.#count; i++) r[i] = old[(this.#head + i) & (old.length - 1)];
    this.#ring = r;
    this.#head = 0;
  }
}

function less<T>(a: InFlight<T>, b: InFlight<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
