/**
 * The out-of-order queue (seed D4: "segment 3 waits until 1 and 2 arrive";
 * Linux `tp->out_of_order_queue`, `tcp_data_queue_ofo`, `tcp_ofo_queue`),
 * plus the receiver's SACK state (RFC 2018) and D-SACK (RFC 2883).
 *
 * **Entries** are (seq, view) pairs kept sorted and non-overlapping. Views
 * are kept by reference; two entries whose views are adjacent in the same
 * ArrayBuffer (consecutive slices of one sender block on the in-memory
 * link) are merged into one view without copying.
 *
 * **Overlaps.** TCP defines no answer for different bytes at the same
 * sequence number; we do what Linux ends up delivering: for overlapping
 * bytes the segment that *starts earlier* wins (Linux keeps both skbs
 * and trims the later one when moving them to the receive queue); when
 * both start at the same sequence number the longer one wins (Linux
 * replaces a queued skb that the new one covers, and drops a new one that
 * is entirely present). Every byte received twice is reported as D-SACK.
 *
 * **SACK blocks** follow Linux `tcp_sack_new_ofo_skb`: up to 4 blocks in
 * most-recently-changed order, so the first block contains the most
 * recently received segment (RFC 2018 §4); a segment adjoining or
 * overlapping a block extends it and moves it to the front, merging any
 * block it now touches; a new block pushes the oldest out of a full list.
 * Blocks at or below rcv.nxt disappear as data is delivered. How many go
 * in an ACK depends on option space (3 with timestamps, 4 without): the
 * caller passes the limit to {@link OooQueue.sackBlocks}.
 *
 * **D-SACK** (RFC 2883 §4): one pending duplicate range, reported first
 * in the next ACK and then forgotten (Linux `rx_opt.dsack`). Duplicates
 * below rcv.nxt are the TCB's to report via {@link OooQueue.reportDuplicate}.
 *
 * **Bounds.** The TCB checks acceptability against the receive window
 * before inserting (RFC 9293 §3.10.7.4). Memory is charged like Linux's
 * skb truesize ({@link OooQueue.truesize}: bytes plus
 * {@link SKB_TRUESIZE_OVERHEAD} per entry; a small view that would pin a
 * much larger buffer is copied out first, {@link condense}) against the
 * receive buffer, and when the connection is over it the TCB (tcp/input.ts
 * `tcpPruneQueue`) first collapses sequence-contiguous entries into one
 * copy ({@link OooQueue.collapse}, Linux `tcp_collapse_ofo_queue`), then
 * drops entries from the highest sequence numbers
 * ({@link OooQueue.pruneTail}, Linux `tcp_prune_ofo_queue`) and forgets the
 * SACK blocks.
 *
 * **FIN.** A FIN beyond a hole is queued too (Linux keeps it on its skb in
 * the out-of-order queue, tcp_data_queue_ofo): {@link OooQueue.insertFin}
 * records its sequence number and SACKs it like a byte (a FIN-only segment
 * at 5 is the block 5:6; data 5:7 with FIN is 5:8), a repeated FIN is
 * D-SACKed, and data that covers a queued FIN replaces it (its D-SACK
 * reports the FIN's sequence number, as Linux reports the replaced skb).
 * When the hole fills, {@link OooQueue.takeFin} hands it to the TCB.
 *
 * All sequence comparisons are modular (RFC 9293 §3.4); everything queued
 * lies within one receive window (< 2^31) of rcv.nxt.
 */
import { seqGt, seqLe, seqLt, seqMax, seqMin } from "../core/seq.js";
import { SKB_TRUESIZE_OVERHEAD, condense } from "../core/truesize.js";

/** Linux TCP_NUM_SACKS: SACK blocks remembered by the receiver. */
export const TCP_NUM_SACKS = 4;

interface Entry {
  seq: number;
  end: number;
  view: Uint8Array;
}

/**
 * @example
 * const ooo = new OooQueue();
 * let rcvNxt = 1000;
 * ooo.insert(1100, new Uint8Array(100));     // a segment after rcv.nxt: a hole of 100 bytes
 * const blocks: number[] = [];
 * ooo.sackBlocks(blocks, 3) === 1;           // blocks[0..2n) = start,end pairs: [1100, 1200]
 * // …the hole filled, rcv.nxt moved:
 * rcvNxt = 1100;
 * const got: Uint8Array[] = [];
 * rcvNxt = ooo.drain(rcvNxt, (v) => got.push(v));
 * rcvNxt === 1200;
 */
export class OooQueue {
  #q: Entry[] = [];
  #bytes = 0;
  /** Some entries may touch in sequence space (set by insert, cleared by collapse): collapse is O(1) otherwise. */
  #touching = false;
  #sacks: number[] = [];        // [start0, end0, start1, end1, …], most recent first
  #dsack = false;
  #dStart = 0;
  #dEnd = 0;
  /** The sequence number of a FIN queued out of order, or -1. */
  #finSeq = -1;
  /** Whether D-SACK is reported (sysctl tcp_dsack and the connection's SACK-permitted). */
  dsackEnabled: boolean;

  constructor(dsackEnabled = true) {
    this.dsackEnabled = dsackEnabled;
  }

  /** Payload bytes queued. */
  get bytes(): number {
    return this.#bytes;
  }
  /** Memory charged (Linux truesize of the out-of-order skbs): bytes plus the per-entry overhead. */
  get truesize(): number {
    return this.#bytes + this.#q.length * SKB_TRUESIZE_OVERHEAD;
  }
  /** Number of entries (ranges after merging). */
  get count(): number {
    return this.#q.length;
  }
  /** True when nothing is queued: no data and no FIN. */
  get isEmpty(): boolean {
    return this.#q.length === 0 && this.#finSeq < 0;
  }
  /** The sequence number of the FIN queued out of order, or -1. */
  get finSeq(): number {
    return this.#finSeq;
  }
  /** Lowest queued sequence number (undefined when empty). */
  get firstSeq(): number | undefined {
    return this.#q.length ? this.#q[0]!.seq : undefined;
  }
  /** End (exclusive) of the highest queued range (undefined when empty). */
  get lastEnd(): number | undefined {
    return this.#q.length ? this.#q[this.#q.length - 1]!.end : undefined;
  }

  /** Index of the first entry whose end is after `seq`. */
  #lowerBound(seq: number): number {
    const q = this.#q;
    let lo = 0, hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seqLe(q[mid]!.end, seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Queues the segment [seq, seq + view.length), which must start after
   * rcv.nxt and lie in the receive window. Returns the number of bytes
   * that were new (0 = entirely duplicate, then D-SACKed). Updates SACK.
   */
  insert(seq: number, view: Uint8Array): number {
    const len = view.length;
    if (len === 0) return 0;
    seq >>>= 0;
    const end = (seq + len) >>> 0;
    const q = this.#q;
    const fin = this.#finSeq;
    if (fin >= 0 && seqLe(seq, fin) && seqLt(fin, end)) {
      // Data over a queued FIN's sequence number replaces it (Linux tcp_data_queue_ofo drops the covered skb).
      this.#finSeq = -1;
      this.#dsackAdd(fin, (fin + 1) >>> 0);
    }
    let i = this.#lowerBound(seq);
    let s = seq, v = view;
    // an entry starting at or before us that overlaps: it wins the overlap
    if (i < q.length && seqLe(q[i]!.seq, s)) {
      const e = q[i]!;
      if (seqLe(end, e.end)) {
        this.#dsackAdd(seq, end);
        this.#sackAdd(seq, end);
        return 0;
      }
      if (seqLt(e.seq, s)) {
        this.#dsackAdd(s, e.end);
        v = v.subarray((e.end - s) >>> 0);
        s = e.end;
        i++;
      }
      // same start and we are longer: the loop below replaces it
    }
    // entries we overlap from here on start after us: we win their overlap
    let added = v.length;
    while (i < q.length && seqLt(q[i]!.seq, end)) {
      const e = q[i]!;
      if (seqLe(e.end, end)) {
        // covered entirely: drop it
        this.#dsackAdd(e.seq, e.end);
        added -= e.end - e.seq;
        this.#bytes -= e.end - e.seq;
        q.splice(i, 1);
      } else {
        const cut = (end - e.seq) >>> 0;
        this.#dsackAdd(e.seq, end);
        added -= cut;
        this.#bytes -= cut;
        e.view = e.view.subarray(cut);
        e.seq = end;
        break;
      }
    }
    const entry: Entry = { seq: s, end, view: condense(v) };
    q.splice(i, 0, entry);
    this.#bytes += v.length;
    if ((i > 0 && q[i - 1]!.end === s) || (i + 1 < q.length && q[i + 1]!.seq === end)) this.#touching = true;
    this.#coalesce(i);
    this.#sackAdd(seq, end);
    return added;
  }

  /**
   * Queues the FIN at `seq` (after rcv.nxt, in the window; the end of the
   * data it came with, if any, already inserted): SACKed as [seq, seq + 1);
   * a FIN already queued there is a duplicate (D-SACK). Returns false for a
   * duplicate.
   */
  insertFin(seq: number): boolean {
    seq >>>= 0;
    const end = (seq + 1) >>> 0;
    const dup = this.#finSeq === seq;
    if (dup) this.#dsackAdd(seq, end);
    this.#finSeq = seq;
    this.#sackAdd(seq, end);
    return !dup;
  }

  /**
   * Once rcv.nxt has reached the queued FIN (after {@link drain}): true when
   * it is exactly at `rcvNxt` — the caller processes it (Linux tcp_ofo_queue
   * → tcp_fin, which purges the queue: {@link clear}). A FIN that rcv.nxt
   * has passed (data past it replaced or overran it) is forgotten.
   */
  takeFin(rcvNxt: number): boolean {
    const fin = this.#finSeq;
    if (fin < 0 || seqGt(fin, rcvNxt >>> 0)) return false;
    this.#finSeq = -1;
    return fin === rcvNxt >>> 0;
  }

  /** Merges entry i with its neighbours when their views are contiguous in memory. */
  #coalesce(i: number): void {
    const q = this.#q;
    if (i + 1 < q.length && contiguous(q[i]!, q[i + 1]!)) merge(q, i);
    if (i > 0 && contiguous(q[i - 1]!, q[i]!)) merge(q, i - 1);
  }

  /**
   * Moves every range that is now in order to `sink` (trimming bytes
   * below `rcvNxt`, which are D-SACKed) and returns the new rcv.nxt.
   * Drops ranges that lie wholly below `rcvNxt`. Removes covered SACK blocks.
   */
  drain(rcvNxt: number, sink: (view: Uint8Array) => void): number {
    rcvNxt >>>= 0;
    const q = this.#q;
    let n = 0;
    while (n < q.length && seqLe(q[n]!.seq, rcvNxt)) {
      const e = q[n++]!;
      this.#bytes -= e.end - e.seq;
      if (seqLt(e.seq, rcvNxt)) this.#dsackAdd(e.seq, seqMin(e.end, rcvNxt));
      if (seqLe(e.end, rcvNxt)) continue;
      const skip = (rcvNxt - e.seq) >>> 0;
      sink(skip ? e.view.subarray(skip) : e.view);
      rcvNxt = e.end;
    }
    if (n) q.splice(0, n);
    this.#sackRemove(rcvNxt);
    return rcvNxt;
  }

  /**
   * Reports a duplicate segment below rcv.nxt (RFC 2883 §4.1.1; Linux
   * `tcp_dsack_set` in tcp_data_queue): replaces any pending D-SACK range.
   */
  reportDuplicate(start: number, end: number): void {
    if (!seqLt(start, end) || !this.dsackEnabled) return;
    this.#dsack = true;
    this.#dStart = start >>> 0;
    this.#dEnd = end >>> 0;
  }

  /** True when a D-SACK block waits to be sent. */
  get hasDsack(): boolean {
    return this.#dsack;
  }

  /**
   * Writes the SACK option blocks for the next ACK into `out` as
   * start, end pairs (D-SACK first when pending, then the SACK blocks in
   * most-recent-first order) and returns how many blocks were written, at
   * most `max` (4 without timestamps, 3 with). A written D-SACK is
   * consumed unless `consumeDsack` is false.
   */
  sackBlocks(out: number[] | Uint32Array, max: number, consumeDsack = true): number {
    let n = 0;
    if (this.#dsack && max > 0) {
      out[0] = this.#dStart;
      out[1] = this.#dEnd;
      n = 1;
      if (consumeDsack) this.#dsack = false;
    }
    const s = this.#sacks;
    for (let i = 0; i < s.length && n < max; i += 2, n++) {
      out[2 * n] = s[i]!;
      out[2 * n + 1] = s[i + 1]!;
    }
    return n;
  }

  /** Number of SACK blocks remembered (≤ 4, D-SACK not counted). */
  get sackCount(): number {
    return this.#sacks.length >> 1;
  }

  /**
   * Drops queued data from the highest sequence numbers down until at
   * most `maxBytes` remain (Linux `tcp_prune_ofo_queue` under memory
   * pressure) and forgets the SACK blocks. Returns the bytes dropped.
   */
  prune(maxBytes: number): number {
    const q = this.#q;
    let dropped = 0;
    while (q.length && this.#bytes > maxBytes) {
      const e = q.pop()!;
      const n = e.end - e.seq;
      this.#bytes -= n;
      dropped += n;
    }
    if (dropped) {
      this.#sacks.length = 0;
      this.#finSeq = -1; // the FIN, above all the data, goes first (Linux prunes from the tail)
    }
    return dropped;
  }

  /**
   * Linux `tcp_collapse_ofo_queue`: every run of entries contiguous in
   * sequence space becomes one entry holding a copy of its bytes, so many
   * small segments cost one entry's overhead. Returns the truesize saved.
   */
  collapse(): number {
    const q = this.#q;
    if (q.length < 2 || !this.#touching) return 0;
    this.#touching = false;
    const before = this.truesize;
    const out: Entry[] = [];
    for (let i = 0; i < q.length; ) {
      let j = i + 1;
      let len = q[i]!.view.length;
      while (j < q.length && q[j]!.seq === q[j - 1]!.end) len += q[j++]!.view.length;
      if (j - i === 1) out.push(q[i]!);
      else {
        const buf = new Uint8Array(len);
        let o = 0;
        for (let k = i; k < j; k++) {
          buf.set(q[k]!.view, o);
          o += q[k]!.view.length;
        }
        out.push({ seq: q[i]!.seq, end: q[j - 1]!.end, view: buf });
      }
      i = j;
    }
    this.#q = out;
    return before - this.truesize;
  }

  /**
   * Linux `tcp_prune_ofo_queue`: drops entries from the highest sequence
   * numbers, in steps of `goal` charged bytes, until `satisfied()` holds
   * after a step — but never an entry at or below `inSeq`, the segment
   * that asked for room (a segment that would land last in the queue does
   * not evict earlier ones: a flood of ever-higher segments is refused
   * instead). Forgets the SACK blocks when it dropped anything. Returns
   * the number of entries dropped.
   */
  pruneTail(inSeq: number, goal: number, satisfied: () => boolean): number {
    const q = this.#q;
    let dropped = 0;
    let left = goal;
    while (q.length) {
      const e = q[q.length - 1]!;
      if (seqGt(inSeq, e.seq)) break;
      q.pop();
      this.#bytes -= e.end - e.seq;
      dropped++;
      left -= (e.end - e.seq) + SKB_TRUESIZE_OVERHEAD;
      if (!q.length || left <= 0) {
        if (satisfied()) break;
        left = goal;
      }
    }
    if (dropped) {
      this.#sacks.length = 0;
      this.#finSeq = -1;
    }
    return dropped;
  }

  /** Empties the queue, its FIN and the SACK state (connection reset; Linux tcp_fin's purge and tcp_sack_reset). */
  clear(): void {
    this.#q.length = 0;
    this.#bytes = 0;
    this.#sacks.length = 0;
    this.#dsack = false;
    this.#finSeq = -1;
  }

  /** Snapshot of the queued byte ranges as merged [start, end) pairs (for tests and views). */
  ranges(): Array<[number, number]> {
    const r: Array<[number, number]> = [];
    for (const e of this.#q) {
      const last = r[r.length - 1];
      if (last && last[1] === e.seq) last[1] = e.end;
      else r.push([e.seq, e.end]);
    }
    return r;
  }

  #dsackAdd(start: number, end: number): void {
    if (!this.dsackEnabled) return;
    // Linux tcp_dsack_extend: extend a pending block it touches; a pending block that
    // does not touch stays (tcp_sack_extend does nothing), so the first duplicate range
    // of a segment is the one reported (RFC 2883 §4: one D-SACK block per segment).
    if (this.#dsack) {
      if (seqLe(start, this.#dEnd) && seqLe(this.#dStart, end)) {
        this.#dStart = seqMin(this.#dStart, start);
        this.#dEnd = seqMax(this.#dEnd, end);
      }
      return;
    }
    this.#dsack = true;
    this.#dStart = start;
    this.#dEnd = end;
  }

  /** Linux tcp_sack_new_ofo_skb. */
  #sackAdd(start: number, end: number): void {
    const s = this.#sacks;
    for (let i = 0; i < s.length; i += 2) {
      if (seqLe(start, s[i + 1]!) && seqLe(s[i]!, end)) {
        const ns = seqMin(s[i]!, start), ne = seqMax(s[i + 1]!, end);
        s.splice(i, 2);
        s.unshift(ns, ne);
        this.#sackCoalesce();
        return;
      }
    }
    if (s.length >= 2 * TCP_NUM_SACKS) s.length = 2 * (TCP_NUM_SACKS - 1);
    s.unshift(start, end);
  }

  /** Linux tcp_sack_maybe_coalesce: merge blocks the first one now touches. */
  #sackCoalesce(): void {
    const s = this.#sacks;
    for (let i = 2; i < s.length; ) {
      if (seqLe(s[0]!, s[i + 1]!) && seqLe(s[i]!, s[1]!)) {
        s[0] = seqMin(s[0]!, s[i]!);
        s[1] = seqMax(s[1]!, s[i + 1]!);
        s.splice(i, 2);
      } else {
        i += 2;
      }
    }
  }

  /** Linux tcp_sack_remove: blocks whose start rcv.nxt has reached are gone. */
  #sackRemove(rcvNxt: number): void {
    const s = this.#sacks;
    if (this.#q.length === 0 && this.#finSeq < 0) {
      s.length = 0;
      return;
    }
    for (let i = 0; i < s.length; ) {
      if (!seqGt(s[i]!, rcvNxt)) s.splice(i, 2);
      else i += 2;
    }
  }
}

function contiguous(a: Entry, b: Entry): boolean {
  return a.end === b.seq && a.view.buffer === b.view.buffer && a.view.byteOffset + a.view.length === b.view.byteOffset;
}

function merge(q: Entry[], i: number): void {
  const a = q[i]!, b = q[i + 1]!;
  a.view = new Uint8Array(a.view.buffer, a.view.byteOffset, a.view.length + b.view.length);
  a.end = b.end;
  q.splice(i + 1, 1);
}
