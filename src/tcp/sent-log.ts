/**
 * The sent log: each segment in flight as it was sent — sequence range,
 * last transmit time, SACKED / LOST / RETRANS marks — the part of Linux's
 * retransmission queue RACK-TLP needs (rack.ts, tlp.ts), without the data
 * (the payload stays in the send buffer). One Float64Array ring, four
 * numbers a segment (32 bytes), grown by doubling from 8 entries and given
 * back when nothing is in flight; the RACK and TLP state of the connection
 * lives beside it, so a connection that has sent keeps only that.
 */
import { seqGe, seqGt, seqLe, seqLt } from "../core/seq.js";
import type { Micros } from "../core/time.js";
import type { DeliveryRate } from "./congestion/rate-sample.js";

/** Segment flags (Linux TCPCB_*): SACKed. */
const F_SACKED = 1;
/** Retransmitted at least once (TCPCB_EVER_RETRANS). */
const F_EVER_RETRANS = 2;
/** A retransmission of it is in flight (TCPCB_SACKED_RETRANS). */
const F_RTX = 4;
/** Marked lost (TCPCB_LOST). */
const F_LOST = 8;

const NO_SEGMENTS = new Float64Array(0);

/** Entries of the smallest ring (a fresh flight's first ring). */
const FIRST_CAP = 8;
/**
 * Smallest rings given back when a flight ends, for the next flight of any
 * connection: a request/response connection empties its log at every
 * response, and a typed array over 64 bytes is an off-heap allocation
 * (about a microsecond, and GC work). Zeroed on reuse, so a reused ring is
 * indistinguishable from a fresh one; bounded, so it holds a few KiB.
 */
const spareRings: Float64Array[] = [];
const SPARE_RINGS_MAX = 32;

/** A zeroed ring of `cap` entries (4 numbers each): a spare one when there is one of that size. */
function newRing(cap: number): Float64Array {
  if (cap === FIRST_CAP) {
    const a = spareRings.pop();
    if (a) return a.fill(0);
  }
  return new Float64Array(cap * 4);
}

/** Gives a ring back (only the smallest size is kept). */
function dropRing(a: Float64Array): void {
  if (a.length === FIRST_CAP * 4 && spareRings.length < SPARE_RINGS_MAX) spareRings.push(a);
}

/** What one ACK's cumulative part did to the log. */
export interface LogAckResult {
  /** Segments removed. */
  segs: number;
  /** Lowest start of a removed segment that was neither SACKed nor retransmitted (reordering evidence), or -1. */
  reord: number;
  /**
   * Transmit time of the most recently sent segment removed that was neither SACKed nor retransmitted
   * (Linux tcp_clean_rtx_queue's `last_ackt`), or -1; -1 too when a retransmitted one was removed
   * (FLAG_RETRANS_DATA_ACKED: no RTT sample from this ACK).
   */
  lastAckt: Micros;
}

/**
 * The segments in flight (Linux's retransmission queue without the data)
 * and the RACK / TLP state of one connection (Linux `tp->rack`,
 * `tlp_high_seq`, `reord_seen`).
 */
export class SentLog {
  /** Four numbers per segment — start, end, transmit time, flags — in a ring; empty when nothing is in flight. */
  #a: Float64Array = NO_SEGMENTS;
  #cap = 0;
  #head = 0;
  #n = 0;
  /** Entries carrying the SACKED mark (a split SACKed segment counts twice): `highestSackSeq` without a scan. */
  #sackedEntries = 0;
  /**
   * Delivery-rate snapshots (congestion/rate-sample.ts), four numbers per
   * entry at the entry's ring slot, kept only while {@link rate} is set
   * (a congestion control that samples delivery rate: BBR).
   */
  #r: Float64Array = NO_SEGMENTS;
  /** The connection's delivery-rate state (Linux tcp_rate.c), or null: no rate sampling (cubic, reno). */
  rate: DeliveryRate | null = null;
  /** Segments ever marked lost, a lost retransmission again (Linux `tp->lost`; BBR's long-term sampling). */
  lost = 0;
  /** RACK decides losses (`tcp_recovery` & 1 when the log was created); false: the log serves tail loss probes only. */
  rack = false;
  /** Bytes SACKed (Linux sacked_out, in bytes). */
  sackedBytes = 0;
  /** Segments SACKed (sacked_out). */
  sackedSegs = 0;
  /** Bytes marked lost, not SACKed, not being retransmitted (they leave the pipe). */
  lostBytes = 0;
  /** Segments marked lost and not SACKed (Linux lost_out, tcpi_lost). */
  lostSegs = 0;
  // ---- RACK (RFC 8985 §6; Linux struct tcp_rack) ----
  /** RACK.xmit_ts: transmit time of the most recently sent segment delivered; -1 before any. */
  rackTime: Micros = -1;
  /** RACK.end_seq. */
  rackEnd = 0;
  /** RACK.rtt (µs). */
  rackRtt: Micros = 0;
  /** RACK.xmit_ts moved since the last loss scan. */
  advanced = false;
  /**
   * The lowest end of a never-retransmitted segment this ACK delivered (SACKed or cumulatively
   * acknowledged; Linux FLAG_ORIG_SACK_ACKED when at or below high_seq), or -1; reset per ACK.
   */
  origAckedEnd = -1;
  /** F-RTO is on for the current Loss episode (Linux `tp->frto`, loss.ts). */
  frto = false;
  /** F-RTO step 2.b: new data goes before the lost marks until the next ACK (Linux REXMIT_NEW). */
  frtoHold = false;
  /** Retransmissions in flight that SACK blocks tagged since the caller last took the count (they leave retrans_out). */
  sackedRetrans = 0;
  /** Retransmissions the last ACK's loss scan found lost again (Linux FLAG_LOST_RETRANS when > 0). */
  lostRetransAck = 0;
  /** Reordering seen on this connection (Linux `tp->reord_seen`, `rack.reord`). */
  reordSeen = 0;
  /** The reordering window in min_rtt/4 steps (1..255). */
  reoWndSteps = 1;
  /** Recoveries left before the window falls back to one step. */
  reoWndPersist = 0;
  /** A D-SACK arrived since the window was last adapted. */
  dsackSeen = false;
  /** Segments delivered so far (Linux `tp->delivered`), and at the last window change. */
  delivered = 0;
  lastDelivered = 0;
  // ---- TLP (RFC 8985 §7; Linux tlp_high_seq, tlp_retrans) ----
  /** snd.nxt when the outstanding probe was sent, or -1 (no probe outstanding). */
  tlpHighSeq = -1;
  /** The outstanding probe retransmitted old data (not new data). */
  tlpRetrans = false;


  /**
   * Starts delivery-rate sampling (a congestion control that needs it was
   * chosen): segments already in flight carry no snapshot and give no sample.
   */
  attachRate(rate: DeliveryRate): void {
    if (this.rate) return;
    this.rate = rate;
    this.#r = this.#cap ? new Float64Array(this.#cap * 4) : NO_SEGMENTS;
  }

  /** Segments in the log. */
  get length(): number {
    return this.#n;
  }
  /** Bytes of memory the log holds (BENCHMARKS.md: memory per connection). */
  get memoryBytes(): number {
    return this.#cap * (this.rate ? 64 : 32);
  }
  /** Transmit time of the first segment (RTO and TLP are measured from it), or -1. */
  get headTime(): Micros {
    return this.#n ? this.#a[this.#head * 4 + 2]! : -1;
  }

  /** The first segment was retransmitted at some point (Linux TCPCB_EVER_RETRANS on the rtx queue's head). */
  get headEverRetrans(): boolean {
    return this.#n > 0 && (this.#a[this.#head * 4 + 3]! & F_EVER_RETRANS) !== 0;
  }

  #idx(i: number): number {
    const cap = this.#cap;
    const k = this.#head + i;
    return k >= cap ? k - cap : k;
  }

  #grow(): void {
    const cap = this.#cap ? this.#cap * 2 : FIRST_CAP;
    const a = newRing(cap);
    for (let i = 0; i < this.#n; i++) a.set(this.#a.subarray(this.#idx(i) * 4, this.#idx(i) * 4 + 4), i * 4);
    if (this.rate) {
      const r = newRing(cap);
      if (this.#r.length) for (let i = 0; i < this.#n; i++) r.set(this.#r.subarray(this.#idx(i) * 4, this.#idx(i) * 4 + 4), i * 4);
      dropRing(this.#r);
      this.#r = r;
    }
    dropRing(this.#a);
    this.#a = a;
    this.#cap = cap;
    this.#head = 0;
  }

  // Field accessors of the entry in ring slot k.
  #s(k: number): number { return this.#a[k * 4]!; }
  #e(k: number): number { return this.#a[k * 4 + 1]!; }
  #t(k: number): number { return this.#a[k * 4 + 2]!; }
  #f(k: number): number { return this.#a[k * 4 + 3]!; }

  /** Inserts an entry at position i (0..n), shifting the later ones. */
  #insert(i: number, start: number, end: number, time: Micros, flags: number): void {
    if (this.#n === this.#cap) this.#grow();
    const a = this.#a;
    for (let j = this.#n; j > i; j--) {
      const to = this.#idx(j) * 4, from = this.#idx(j - 1) * 4;
      a[to] = a[from]!;
      a[to + 1] = a[from + 1]!;
      a[to + 2] = a[from + 2]!;
      a[to + 3] = a[from + 3]!;
    }
    if (this.rate) {
      const r = this.#r;
      for (let j = this.#n; j > i; j--) r.copyWithin(this.#idx(j) * 4, this.#idx(j - 1) * 4, this.#idx(j - 1) * 4 + 4);
    }
    const k = this.#idx(i) * 4;
    a[k] = start >>> 0;
    a[k + 1] = end >>> 0;
    a[k + 2] = time;
    a[k + 3] = flags;
    if (flags & F_SACKED) this.#sackedEntries++;
    this.#n++;
  }

  /** Start, end, transmit time and flags of the i-th segment (tests, `ss`). */
  entry(i: number): { start: number; end: number; time: Micros; sacked: boolean; lost: boolean; retrans: boolean; rtxOut: boolean } {
    const k = this.#idx(i);
    const f = this.#f(k);
    return {
      start: this.#s(k), end: this.#e(k), time: this.#t(k), sacked: (f & F_SACKED) !== 0, lost: (f & F_LOST) !== 0,
      retrans: (f & F_EVER_RETRANS) !== 0, rtxOut: (f & F_RTX) !== 0,
    };
  }

  /** Index of the segment containing `seq`, or -1. */
  #find(seq: number): number {
    // Binary search: starts are increasing (in sequence space from the head).
    let lo = 0, hi = this.#n - 1;
    if (hi < 0) return -1;
    const base = this.#s(this.#head);
    const off = (seq - base) >>> 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const k = this.#idx(mid);
      const s = (this.#s(k) - base) >>> 0;
      const e = (this.#e(k) - base) >>> 0;
      if (off < s) hi = mid - 1;
      else if (off >= e) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  /** Splits segment i at `seq` (start < seq < end); both halves keep its time and flags. */
  #split(i: number, seq: number): void {
    const k = this.#idx(i);
    const end = this.#e(k);
    this.#a[k * 4 + 1] = seq >>> 0;
    const f = this.#f(k);
    this.#insert(i + 1, seq, end, this.#t(k), f);
    // Both halves keep the snapshot of the transmission they came from.
    if (this.rate) this.#r.copyWithin(this.#idx(i + 1) * 4, this.#idx(i) * 4, this.#idx(i) * 4 + 4);
    // Counted in segments, like Linux's lost_out / sacked_out in packets: one more of each kind.
    if (f & F_SACKED) this.sackedSegs++;
    else if (f & F_LOST) this.lostSegs++;
  }

  /**
   * A segment [start, end) left at `now`: beyond the log it is new data,
   * appended; inside it, a retransmission, which stamps the segments it
   * covers (split at its edges) with the new time and the retransmission
   * flags.
   */
  onSent(start: number, end: number, now: Micros): void {
    const n = this.#n;
    const lastEnd = n ? this.#e(this.#idx(n - 1)) : start;
    if (!n || seqGe(start, lastEnd)) {
      // New data (a segment beyond the log; a gap cannot happen, but stays harmless).
      if (n && seqGt(start, lastEnd)) return;
      this.#insert(n, start, end, now, 0);
      if (this.rate) this.rate.onSent(now, n === 0, this.delivered, this.#r, this.#idx(n) * 4);
      return;
    }
    let i = this.#find(start);
    if (i < 0) {
      if (seqLt(start, this.#s(this.#head))) i = 0;
      else return;
    }
    let k = this.#idx(i);
    if (seqLt(this.#s(k), start)) {
      this.#split(i, start);
      i++;
    }
    for (; i < this.#n; i++) {
      k = this.#idx(i);
      if (!seqLt(this.#s(k), end)) break;
      if (seqGt(this.#e(k), end)) this.#split(i, end);
      k = this.#idx(i);
      const f = this.#f(k);
      if (f & F_SACKED) continue;
      if ((f & F_LOST) && !(f & F_RTX)) this.lostBytes -= (this.#e(k) - this.#s(k)) >>> 0;
      this.#a[k * 4 + 3] = f | F_EVER_RETRANS | F_RTX;
      this.#a[k * 4 + 2] = now;
      if (this.rate) this.rate.onSent(now, false, this.delivered, this.#r, k * 4);
    }
    // Data beyond the log sent as part of a "retransmission" (go-back after an RTO past snd.max).
    const tail = this.#e(this.#idx(this.#n - 1));
    if (seqGt(end, tail)) {
      this.#insert(this.#n, tail, end, now, 0);
      if (this.rate) this.rate.onSent(now, false, this.delivered, this.#r, this.#idx(this.#n - 1) * 4);
    }
  }

  /**
   * Writes into `out` the SACK blocks trimmed to whole segments (Linux
   * tcp_match_skb_to_sack: a segment is SACKed only when a block covers all
   * of it) and returns their number; the D-SACK first block is kept as is.
   */
  alignSack(blocks: ArrayLike<number>, n: number, ack: number, out: number[]): number {
    let m = 0;
    for (let b = 0; b < n; b++) {
      const s = blocks[2 * b]! >>> 0, e = blocks[2 * b + 1]! >>> 0;
      if (b === 0) {
        const inSecond = n > 1 && seqLe(blocks[2]! >>> 0, s) && seqLe(e, blocks[3]! >>> 0);
        if (seqLe(e, ack) || inSecond) {
          out[m++] = s;
          out[m++] = e;
          continue;
        }
      }
      // first segment starting at or after s; last ending at or before e
      let as = -1, ae = -1;
      for (let i = 0; i < this.#n; i++) {
        const k = this.#idx(i);
        const st = this.#s(k), en = this.#e(k);
        if (seqGe(st, e)) break;
        if (seqGe(st, s) && seqLe(en, e)) {
          if (as < 0) as = st;
          ae = en;
        }
      }
      if (as >= 0 && seqLt(as, ae)) {
        out[m++] = as;
        out[m++] = ae;
      }
    }
    return m >> 1;
  }

  /**
   * Tags the segments the (aligned, non-D-SACK) block [s, e) covers as
   * SACKed, advancing RACK for each; returns the lowest start of a newly
   * SACKed never-retransmitted segment below `fack` (reordering), or -1.
   */
  tagSack(s: number, e: number, now: Micros, minRtt: Micros, fack: number): number {
    let reord = -1;
    let i = this.#find(s);
    if (i < 0) {
      if (!this.#n || !seqLt(s, this.#s(this.#head))) return -1;
      i = 0;
    }
    for (; i < this.#n; i++) {
      const k = this.#idx(i);
      const st = this.#s(k), en = this.#e(k);
      if (!seqLe(en, e)) break;
      const f = this.#f(k);
      if (f & F_SACKED) continue;
      const len = (en - st) >>> 0;
      if (f & F_LOST) {
        this.lostSegs--;
        if (!(f & F_RTX)) this.lostBytes -= len;
      }
      if (f & F_RTX) this.sackedRetrans++;
      this.#a[k * 4 + 3] = (f | F_SACKED) & ~(F_LOST | F_RTX);
      this.sackedBytes += len;
      this.sackedSegs++;
      this.#sackedEntries++;
      this.delivered++;
      if (this.rate) this.rate.onDelivered(this.#r, k * 4, this.#t(k), (f & F_EVER_RETRANS) !== 0, true);
      if (!(f & F_EVER_RETRANS) && seqLt(st, fack) && (reord < 0 || seqLt(st, reord))) reord = st;
      if (!(f & F_EVER_RETRANS) && (this.origAckedEnd < 0 || seqLt(en, this.origAckedEnd))) this.origAckedEnd = en;
      this.advance(f, en, this.#t(k), now, minRtt);
    }
    return reord;
  }

  /**
   * The end of the highest SACKed segment — or rather Linux's
   * `tcp_highest_sack_seq`: the start of the segment after it (snd.una when
   * nothing is SACKed).
   */
  highestSackSeq(sndUna: number): number {
    // Nothing SACKed (every ACK of a loss-free transfer): no scan of the whole flight.
    if (this.#sackedEntries === 0) return sndUna;
    for (let i = this.#n - 1; i >= 0; i--) {
      const k = this.#idx(i);
      if (this.#f(k) & F_SACKED) return this.#e(k);
    }
    return sndUna;
  }

  /** RACK step "advance" (tcp_rack_advance): a segment sent at `xmit` ending at `end` was delivered. */
  advance(flags: number, end: number, xmit: Micros, now: Micros, minRtt: Micros): void {
    const rtt = now - xmit;
    // Ambiguous: the original or the retransmission may have been delivered. If the RTT is
    // shorter than min_rtt, it was the original (RFC 8985 §6.2 step 2).
    if ((flags & F_EVER_RETRANS) && rtt < minRtt) return;
    // Linux (6.x tcp_rack_advance): RACK.rtt follows every delivered segment, in the order the
    // ACK reports them; RACK.xmit_ts only moves forward.
    this.advanced = true;
    this.rackRtt = rtt;
    if (this.rackTime < 0 || sentAfter(xmit, this.rackTime, end, this.rackEnd)) {
      this.rackTime = xmit;
      this.rackEnd = end >>> 0;
    }
  }

  /**
   * snd.una moved to `ack`: drops the segments below it (trimming one cut
   * in two), advancing RACK for each newly delivered one.
   */
  ack(ack: number, now: Micros, minRtt: Micros, out: LogAckResult): LogAckResult {
    out.segs = 0;
    out.reord = -1;
    out.lastAckt = -1;
    let retransAcked = false;
    while (this.#n) {
      const k = this.#head;
      const st = this.#s(k), en = this.#e(k);
      if (!seqGt(ack, st)) break;
      const f = this.#f(k);
      if (seqLt(ack, en)) {
        // Partly acknowledged: Linux trims the head (tcp_trim_head); the rest stays as it was.
        const cut = (ack - st) >>> 0;
        if (this.rate && !(f & F_SACKED)) this.rate.onDelivered(this.#r, k * 4, this.#t(k), (f & F_EVER_RETRANS) !== 0, false);
        if (f & F_SACKED) this.sackedBytes -= cut;
        else if ((f & F_LOST) && !(f & F_RTX)) this.lostBytes -= cut;
        this.#a[k * 4] = ack >>> 0;
        break;
      }
      const len = (en - st) >>> 0;
      if (f & F_SACKED) {
        this.sackedBytes -= len;
        this.sackedSegs--;
        this.#sackedEntries--;
      } else {
        this.delivered++;
        if (this.rate) this.rate.onDelivered(this.#r, k * 4, this.#t(k), (f & F_EVER_RETRANS) !== 0, false);
        if (!(f & F_EVER_RETRANS) && (out.reord < 0 || seqLt(st, out.reord))) out.reord = st;
        if (f & F_EVER_RETRANS) retransAcked = true;
        else {
          out.lastAckt = this.#t(k);
          if (this.origAckedEnd < 0 || seqLt(en, this.origAckedEnd)) this.origAckedEnd = en;
        }
        this.advance(f, en, this.#t(k), now, minRtt);
        if (f & F_LOST) {
          this.lostSegs--;
          if (!(f & F_RTX)) this.lostBytes -= len;
        }
      }
      this.#head = this.#idx(1);
      this.#n--;
      out.segs++;
    }
    if (!this.#n) {
      // Nothing in flight: the ring is given back (an idle connection keeps only the RACK state).
      dropRing(this.#a);
      dropRing(this.#r);
      this.#a = NO_SEGMENTS;
      this.#r = NO_SEGMENTS;
      this.#cap = 0;
      this.#head = 0;
      this.sackedBytes = this.sackedSegs = this.lostBytes = this.lostSegs = this.#sackedEntries = 0;
    }
    if (retransAcked) out.lastAckt = -1;
    return out;
  }

  /**
   * RACK loss detection (tcp_rack_detect_loss, RFC 8985 §6.2 step 5):
   * marks lost each segment sent before RACK.xmit_ts whose RACK.rtt +
   * `reoWnd` has elapsed; returns the longest time (µs) another still has
   * to go (0 when none) and how many retransmissions were lost again.
   */
  detectLoss(now: Micros, reoWnd: Micros): { timeout: Micros; lostRetrans: number } {
    let timeout = 0;
    let lostRetrans = 0;
    for (let i = 0; i < this.#n; i++) {
      const k = this.#idx(i);
      const f = this.#f(k);
      if (f & F_SACKED) continue;
      if ((f & F_LOST) && !(f & F_RTX)) continue;
      const xmit = this.#t(k);
      if (!sentAfter(this.rackTime, xmit, this.rackEnd, this.#e(k))) {
        // In sequence order, originals are sent in order and a retransmission follows its
        // original: once an original is not older than RACK.xmit_ts, nothing later is.
        if (!(f & F_EVER_RETRANS)) break;
        continue;
      }
      const remaining = this.rackRtt + reoWnd - (now - xmit);
      if (remaining <= 0) {
        const len = (this.#e(k) - this.#s(k)) >>> 0;
        if (f & F_RTX) lostRetrans++;
        if (!(f & F_LOST)) this.lostSegs++;
        this.lost++;
        this.lostBytes += len;
        this.#a[k * 4 + 3] = (f | F_LOST) & ~F_RTX;
      } else {
        timeout = Math.max(timeout, remaining);
      }
    }
    return { timeout, lostRetrans };
  }

  /** RTO (Linux tcp_timeout_mark_lost): every segment not SACKed is lost, no retransmission in flight. */
  markAllLost(): void {
    this.lostBytes = 0;
    this.lostSegs = 0;
    for (let i = 0; i < this.#n; i++) {
      const k = this.#idx(i);
      const f = this.#f(k);
      if (f & F_SACKED) continue;
      if (!(f & F_LOST) || (f & F_RTX)) this.lost++;
      this.#a[k * 4 + 3] = (f | F_LOST) & ~F_RTX;
      this.lostBytes += (this.#e(k) - this.#s(k)) >>> 0;
      this.lostSegs++;
    }
  }

  /**
   * RTO under RACK (Linux tcp_timeout_mark_lost with tcp_is_rack): every
   * segment not SACKed is lost — except, after the first, those sent so
   * recently that RACK.rtt has not yet passed since (`tcp_rack_skb_timeout`
   * with no reordering window is still positive: they stay in flight).
   * A retransmission already marked lost leaves the pipe again. Returns how
   * many retransmissions were lost again (TCPLostRetransmit).
   */
  timeoutMarkLost(now: Micros): number {
    let lostRetrans = 0;
    for (let i = 0; i < this.#n; i++) {
      const k = this.#idx(i);
      const f = this.#f(k);
      if (f & F_SACKED) continue;
      if (i > 0 && this.rackRtt - (now - this.#t(k)) > 0) continue;
      lostRetrans += this.#markSkbLost(k, f);
    }
    return lostRetrans;
  }

  /**
   * Linux tcp_mark_skb_lost on entry `k` (flags `f`): a segment not yet lost
   * becomes lost (a retransmission of it still in flight — a probe's — stays
   * counted in the pipe); a lost one whose retransmission is out has that
   * retransmission lost too. Returns 1 for a lost retransmission, else 0.
   */
  #markSkbLost(k: number, f: number): number {
    const len = (this.#e(k) - this.#s(k)) >>> 0;
    if (f & F_LOST) {
      if (!(f & F_RTX)) return 0;
      this.lost++;
      this.lostBytes += len;
      this.#a[k * 4 + 3] = f & ~F_RTX;
      return 1;
    }
    this.lost++;
    this.lostSegs++;
    if (!(f & F_RTX)) this.lostBytes += len;
    this.#a[k * 4 + 3] = f | F_LOST;
    return 0;
  }

  /**
   * A smaller path MTU (Linux tcp_simple_retransmit): every segment not
   * SACKed and longer than `mss` is marked lost (tcp_mark_skb_lost, as in
   * {@link timeoutMarkLost}); shorter ones stay in flight. Returns how many
   * retransmissions were lost again (TCPLostRetransmit).
   */
  markLostLongerThan(mss: number): number {
    let lostRetrans = 0;
    for (let i = 0; i < this.#n; i++) {
      const k = this.#idx(i);
      const f = this.#f(k);
      if (f & F_SACKED || ((this.#e(k) - this.#s(k)) >>> 0) <= mss) continue;
      lostRetrans += this.#markSkbLost(k, f);
    }
    return lostRetrans;
  }

  /** An undone loss episode (Linux tcp_undo_cwnd_reduction with unmark_loss): no segment is lost any more. */
  unmarkLost(): void {
    for (let i = 0; i < this.#n; i++) {
      const k = this.#idx(i);
      this.#a[k * 4 + 3] = this.#f(k) & ~F_LOST;
    }
    this.lostBytes = 0;
    this.lostSegs = 0;
    this.advanced = true; // RACK looks at every segment again at the next ACK
  }

  /** SACK reneging (the RTO forgets every SACK): all segments become un-SACKed. */
  clearSacks(): void {
    for (let i = 0; i < this.#n; i++) {
      const k = this.#idx(i);
      this.#a[k * 4 + 3] = this.#f(k) & ~F_SACKED;
    }
    this.sackedBytes = 0;
    this.sackedSegs = 0;
    this.#sackedEntries = 0;
  }

  /**
   * The next segment to retransmit in recovery (tcp_xmit_retransmit_queue):
   * the first one marked lost, not SACKed and not already being
   * retransmitted, at or above `from`. Returns its index, or -1.
   */
  nextLost(from: number): number {
    for (let i = 0; i < this.#n; i++) {
      const k = this.#idx(i);
      const f = this.#f(k);
      if ((f & (F_LOST | F_RTX | F_SACKED)) === F_LOST && seqGe(this.#s(k), from)) return i;
    }
    return -1;
  }

  /** The last segment's index, or -1 (the probe retransmits it). */
  get last(): number {
    return this.#n - 1;
  }

  /** Start and end of segment i. */
  startOf(i: number): number {
    return this.#s(this.#idx(i));
  }
  /** End of segment i. */
  endOf(i: number): number {
    return this.#e(this.#idx(i));
  }
}

/** RFC 8985 RACK_sent_after: t1/seq1 was sent after t2/seq2 (ties broken by sequence). */
export function sentAfter(t1: Micros, t2: Micros, seq1: number, seq2: number): boolean {
  return t1 > t2 || (t1 === t2 && seqGt(seq1, seq2));
}
