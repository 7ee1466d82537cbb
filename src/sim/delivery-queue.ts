/**
 * The packets on a simulated wire, ordered by delivery time then by the
 * order they were put on it: a binary min-heap. Packets mostly arrive in
 * order (jitter never reorders), so a push usually stops at once and costs
 * O(1); only reordered packets sift.
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

/** A min-heap of {@link InFlight} entries keyed by (at, seq). @internal */
export class DeliveryQueue<T> {
  #heap: InFlight<T>[] = [];

  /** Number of entries. */
  get size(): number {
    return this.#heap.length;
  }

  /** The earliest entry, or undefined. */
  peek(): InFlight<T> | undefined {
    return this.#heap[0];
  }

  /** Adds `e`. */
  push(e: InFlight<T>): void {
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
    return this.#heap.slice().sort((a, b) => (less(a, b) ? -1 : 1)).map((e) => e.packet);
  }
}

function less<T>(a: InFlight<T>, b: InFlight<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
