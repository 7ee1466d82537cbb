/**
 * The sender's SACK scoreboard (RFC 6675 §2–§5, RFC 2883 §4 for D-SACK
 * detection): which bytes above snd.una the receiver has reported with
 * SACK, and the RFC 6675 functions the TCB's loss recovery needs —
 * `IsLost`, `SetPipe`, `NextSeg` — over byte ranges (no per-segment
 * objects: the retransmission queue is the send buffer, addressed by
 * sequence number).
 *
 * DupThresh is Linux's `tp->reordering` (sysctl `tcp_reordering`, 3),
 * adjustable per connection as reordering is detected. "pipe" is in
 * bytes, like RFC 6675's octet counting; divide by the MSS for
 * the segment counts the congestion control uses.
 *
 * Linux detects loss with RACK-TLP (RFC 8985) by default and keeps
 * per-skb SACK/LOST/RETRANS bits: so does sockstack when RACK is on
 * (rack.ts, whose sent log decides losses and feeds this scoreboard SACK
 * blocks trimmed to whole segments). This scoreboard's RFC 6675 IsLost /
 * NextSeg decide where RACK is off (`tcp_recovery=0`, the FreeBSD
 * personality).
 */
import { seqDiff, seqGt, seqLe, seqLt, seqMax, seqMin } from "../core/seq.js";

/** Result flags of {@link SackScoreboard.update}. */
export interface SackUpdate {
  /** Bytes newly marked SACKed by this ACK. */
  newlySacked: number;
  /** True when the first block was a D-SACK (RFC 2883 §4): duplicate data reached the receiver. */
  dsack: boolean;
  /** The D-SACK range (valid when `dsack`). */
  dsackStart: number;
  dsackEnd: number;
}

/**
 * @example
 * const sb = new SackScoreboard(1460);
 * // snd.una 1000, snd.max 6840 (4 segments), the peer SACKs the fourth:
 * sb.update(1000, 1000, 6840, [5380, 6840], 1); // for every ACK with SACK blocks
 * sb.advance(1000);                            // after snd.una moved
 * const seq = sb.nextSeg(1000, 1000);          // RFC 6675 NextSeg rule 1
 */
export class SackScoreboard {
  /** SMSS in bytes. */
  mss: number;
  /** DupThresh (Linux `tp->reordering`). */
  dupThresh: number;
  #r: number[] = [];      // sorted disjoint [start, end) pairs above snd.una
  #bytes = 0;
  /** Reused result of {@link update} (no allocation per ACK). */
  readonly result: SackUpdate = { newlySacked: 0, dsack: false, dsackStart: 0, dsackEnd: 0 };

  constructor(mss: number, dupThresh = 3) {
    this.mss = mss;
    this.dupThresh = dupThresh;
  }

  /** Bytes currently SACKed (Linux sacked_out in bytes). */
  get sackedBytes(): number {
    return this.#bytes;
  }
  /** Number of disjoint SACKed ranges. */
  get rangeCount(): number {
    return this.#r.length >> 1;
  }
  /** True when nothing is SACKed. */
  get isEmpty(): boolean {
    return this.#r.length === 0;
  }
  /** RFC 6675 HighSACK + 1: the end of the highest SACKed range (undefined when empty). */
  get highSacked(): number | undefined {
    return this.#r.length ? this.#r[this.#r.length - 1] : undefined;
  }
  /** Snapshot of the SACKed ranges as [start, end) pairs. */
  ranges(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.#r.length; i += 2) out.push([this.#r[i]!, this.#r[i + 1]!]);
    return out;
  }

  /**
   * Processes the SACK blocks of one ACK (`blocks` = start, end pairs,
   * `n` blocks, as parsed from the option) whose cumulative ACK is `ack`.
   * Detects a D-SACK first block (RFC 2883 §4: below the cumulative ACK,
   * or contained in the second block) and ignores blocks outside
   * [sndUna, sndMax] (RFC 6675 §5: invalid SACK information is
   * discarded). Returns {@link result}, refilled.
   */
  update(ack: number, sndUna: number, sndMax: number, blocks: ArrayLike<number>, n: number): SackUpdate {
    const res = this.result;
    res.newlySacked = 0;
    res.dsack = false;
    for (let i = 0; i < n; i++) {
      let s = blocks[2 * i]! >>> 0;
      const e = blocks[2 * i + 1]! >>> 0;
      if (!seqLt(s, e)) continue;
      if (i === 0) {
        const inSecond = n > 1 && seqLe(blocks[2]! >>> 0, s) && seqLe(e, blocks[3]! >>> 0);
        if (seqLe(e, ack) || inSecond) {
          res.dsack = true;
          res.dsackStart = s;
          res.dsackEnd = e;
          continue;
        }
      }
      if (seqGt(e, sndMax)) continue;
      if (seqLe(e, sndUna)) continue;
      if (seqLt(s, sndUna)) s = sndUna >>> 0;
      res.newlySacked += this.#add(s, e);
    }
    return res;
  }

  /** Merges [s, e) in; returns the bytes that were not SACKed before. */
  #add(s: number, e: number): number {
    const r = this.#r;
    // first range whose end ≥ s (touching ranges merge too)
    let i = 0;
    while (i < r.length && seqLt(r[i + 1]!, s)) i += 2;
    let j = i;
    let covered = 0;
    let ns = s, ne = e;
    while (j < r.length && seqLe(r[j]!, e)) {
      const os = r[j]!, oe = r[j + 1]!;
      covered += Math.max(0, seqDiff(seqMin(oe, e), seqMax(os, s)));
      ns = seqMin(ns, os);
      ne = seqMax(ne, oe);
      j += 2;
    }
    r.splice(i, j - i, ns, ne);
    const added = ((e - s) >>> 0) - covered;
    this.#bytes += added;
    return added;
  }

  /** snd.una advanced: forgets everything below it. */
  advance(sndUna: number): void {
    const r = this.#r;
    let k = 0;
    while (k < r.length && seqLe(r[k + 1]!, sndUna)) {
      this.#bytes -= (r[k + 1]! - r[k]!) >>> 0;
      k += 2;
    }
    if (k) r.splice(0, k);
    if (r.length && seqLt(r[0]!, sndUna)) {
      this.#bytes -= (sndUna - r[0]!) >>> 0;
      r[0] = sndUna >>> 0;
    }
  }

  /** Forgets all SACK information (RTO: RFC 6675 §5.1 allows/Linux may clear on reneging). */
  clear(): void {
    this.#r.length = 0;
    this.#bytes = 0;
  }

  /** True when `seq` lies in a SACKed range. */
  isSacked(seq: number): boolean {
    const r = this.#r;
    for (let i = 0; i < r.length; i += 2) {
      if (seqLt(seq, r[i]!)) return false;
      if (seqLt(seq, r[i + 1]!)) return true;
    }
    return false;
  }

  /**
   * The loss boundary: every un-SACKed byte below it satisfies RFC 6675
   * IsLost (DupThresh discontiguous SACKed ranges above it, or more than
   * (DupThresh − 1)·SMSS bytes SACKed above it). Returns undefined when
   * nothing is lost.
   */
  lostBelow(): number | undefined {
    const r = this.#r;
    let bytes = 0, count = 0;
    for (let i = r.length - 2; i >= 0; i -= 2) {
      bytes += (r[i + 1]! - r[i]!) >>> 0;
      count++;
      if (count >= this.dupThresh || bytes > (this.dupThresh - 1) * this.mss) return r[i]!;
    }
    return undefined;
  }

  /** RFC 6675 IsLost(seq) for an un-SACKed sequence number. */
  isLost(seq: number): boolean {
    const b = this.lostBelow();
    return b !== undefined && seqLt(seq, b) && !this.isSacked(seq);
  }

  /**
   * RFC 6675 SetPipe in bytes: un-SACKed bytes in [sndUna, sndMax) that are
   * not lost, plus un-SACKed bytes already retransmitted (below `highRxt`,
   * RFC 6675 HighRxt + 1; pass sndUna when nothing was retransmitted).
   */
  pipe(sndUna: number, sndMax: number, highRxt: number): number {
    const lost = this.lostBelow();
    const notLostFrom = lost === undefined ? sndUna : seqMax(lost, sndUna);
    return this.#unsackedIn(notLostFrom, sndMax) + this.#unsackedIn(sndUna, seqMin(highRxt, sndMax));
  }

  /** Un-SACKed bytes in [a, b). */
  unsackedIn(a: number, b: number): number {
    return this.#unsackedIn(a, b);
  }

  #unsackedIn(a: number, b: number): number {
    if (!seqLt(a, b)) return 0;
    let n = (b - a) >>> 0;
    const r = this.#r;
    for (let i = 0; i < r.length; i += 2) {
      const s = seqMax(r[i]!, a), e = seqMin(r[i + 1]!, b);
      if (seqLt(s, e)) n -= (e - s) >>> 0;
    }
    return n;
  }

  /**
   * RFC 6675 NextSeg rule (1): the lowest un-SACKed sequence number above
   * both snd.una and `highRxt`, below HighSACK, that IsLost — or -1.
   * With `requireLost = false` it is rule (3) (the rescue candidate: any
   * un-SACKed hole below HighSACK, used when no new data can be sent).
   */
  nextSeg(sndUna: number, highRxt: number, requireLost = true): number {
    const r = this.#r;
    if (!r.length) return -1;
    let s = seqMax(sndUna, highRxt);
    // skip a SACKed range containing s
    for (let i = 0; i < r.length; i += 2) {
      if (seqLe(r[i]!, s) && seqLt(s, r[i + 1]!)) s = r[i + 1]!;
    }
    const high = r[r.length - 1]!;
    if (!seqLt(s, high)) return -1;
    if (requireLost) {
      const lost = this.lostBelow();
      if (lost === undefined || !seqLt(s, lost)) return -1;
    }
    return s >>> 0;
  }

  /**
   * Bytes from `seq` (un-SACKed) up to the next SACKed range, capped at
   * `max` (the MSS): the length of the segment to retransmit.
   */
  holeLength(seq: number, max: number): number {
    const r = this.#r;
    for (let i = 0; i < r.length; i += 2) {
      if (seqGt(r[i]!, seq)) return Math.min(max, (r[i]! - seq) >>> 0);
    }
    return max;
  }
}
