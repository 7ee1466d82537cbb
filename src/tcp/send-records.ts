/**
 * Where Linux's skbs end in the send buffer, the two things about them the
 * wire shows: the PSH flag and the MSG_EOR record mark.
 *
 * Linux queues written data in skbs and sends each skb as its own
 * segment(s) (`tcp_sendmsg_locked`, `tcp_write_xmit`); PSH is a flag of
 * the skb, set by `tcp_push` → `tcp_mark_push` on the **tail** skb at the
 * end of every sendmsg without MSG_MORE (and before a sendmsg waits for
 * buffer space); it lands on the segment that carries the skb's last byte
 * (`tcp_fragment` keeps PSH on the second part). More data written before
 * the tail is sent is appended to it — the PSH moves with the skb's end —
 * and the first byte a sendmsg appends clears the tail's PSH (`if
 * (!copied) tcp_flags &= ~TCPHDR_PSH`). MSG_EOR closes the tail: nothing
 * is ever appended to it (`tcp_skb_can_collapse_to`), so no segment,
 * retransmission included, crosses its end, and the Nagle test does not
 * hold it (only the write queue's last skb is Nagle-tested).
 *
 * This class keeps those ends as absolute stream offsets (the send
 * buffer's, so 32-bit wrap does not matter): closed records (the tail
 * sent out, or closed by MSG_EOR) in two ascending lists, PSH ends and EOR
 * ends, dropped as they are acknowledged; and the open tail record
 * `[tailStart, end)` with its PSH flag. A `forced_push` inside a long
 * write (notsent-lowat.ts) closes the tail with PSH but no MSG_EOR
 * barrier.
 */
import type { SendSkbs } from "./send-skbs.js";

/** `TcpLayer.send`: the chunk starts its sendmsg. */
export const SEND_FIRST = 1;
/** `TcpLayer.send`: the chunk ends its sendmsg. */
export const SEND_LAST = 2;
/** `TcpLayer.send`: the sendmsg had MSG_MORE (no PSH at its end). */
export const SEND_MORE = 4;
/** `TcpLayer.send`: the sendmsg had MSG_EOR (its data closes a record). */
export const SEND_EOR = 8;
/** `TcpLayer.send`: MSG_ZEROCOPY on an SO_ZEROCOPY socket: the chunk is one fragment of user memory. */
export const SEND_ZC = 16;
/** `TcpLayer.send`: the socket records transmit timestamps: mark the call's last byte when the chunk ends it. */
export const SEND_TSTAMP = 32;
/** `TcpLayer.send`, with SEND_TSTAMP: the call does not wait, so a chunk taken in part ends it too. */
export const SEND_TSTAMP_NOWAIT = 64;

export class SendRecords {
  /** Ascending absolute end offsets of closed records that carry PSH. */
  #psh: number[] = [];
  #pshHead = 0;
  /** Ascending absolute end offsets of records closed by MSG_EOR. */
  #eor: number[] = [];
  #eorHead = 0;
  /** Start of the open tail record (unsent bytes data can be appended to). */
  tailStart = 0;
  /** The tail record carries PSH. */
  tailPush = false;
  /** User-memory fragments in the tail record (MSG_ZEROCOPY: at most MAX_SKB_FRAGS per skb). */
  tailFrags = 0;
  /** The skbs' bounds for the memory they are charged (send-skbs.ts), once the Linux writer opened one. */
  skbs: SendSkbs | null = null;

  /** @param end the buffer's write end when the records start being kept. */
  constructor(end: number) {
    this.tailStart = end;
  }

  /** tcp_mark_push: the tail record (if it holds bytes) gets PSH. */
  markPush(end: number): void {
    if (end > this.tailStart) this.tailPush = true;
  }

  /** tcp_mark_push on an skb a long write filled (forced_push): its end carries PSH, later bytes start a new record (no MSG_EOR barrier). */
  forcePush(end: number): void {
    if (end <= this.tailStart) return;
    this.#psh.push(end);
    this.tailStart = end;
    this.tailPush = false;
    this.tailFrags = 0;
  }

  /** The first byte of a sendmsg is appended to the tail: its PSH is cleared. */
  unmarkPush(end: number): void {
    if (end > this.tailStart) this.tailPush = false;
  }

  /** MSG_EOR (or a full skb): the tail record (if it holds bytes) is closed; later writes start a new one. */
  close(end: number): void {
    if (end <= this.tailStart) return;
    if (this.tailPush) this.#psh.push(end);
    this.#eor.push(end);
    this.tailStart = end;
    this.tailPush = false;
    this.tailFrags = 0;
  }

  /** Bytes up to `abs` have left: the tail starts after them; a tail sent whole is closed. */
  sent(abs: number, end: number): void {
    if (abs <= this.tailStart) return;
    if (abs >= end) {
      if (this.tailPush && end > this.tailStart) this.#psh.push(end);
      this.tailStart = end;
      this.tailPush = false;
      this.tailFrags = 0;
    } else {
      this.tailStart = abs;
    }
  }

  /** Whether a segment ending at `abs` carries PSH. */
  pushAt(abs: number, end: number): boolean {
    if (abs === end && end > this.tailStart) return this.tailPush;
    return indexOf(this.#psh, this.#pshHead, abs) >= 0;
  }

  /** The first record end strictly after `abs` closed by MSG_EOR, or -1. */
  eorAfter(abs: number): number {
    const a = this.#eor;
    let lo = this.#eorHead, hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]! <= abs) lo = mid + 1;
      else hi = mid;
    }
    return lo < a.length ? a[lo]! : -1;
  }

  /** Whether `abs` is the end of a record closed by MSG_EOR. */
  isEor(abs: number): boolean {
    return indexOf(this.#eor, this.#eorHead, abs) >= 0;
  }

  /** snd.una reached `una`: forgets the ends at or below it. */
  acknowledge(una: number): void {
    this.#pshHead = drop(this.#psh, this.#pshHead, una);
    this.#eorHead = drop(this.#eor, this.#eorHead, una);
    if (this.#pshHead > 64 && this.#pshHead * 2 > this.#psh.length) {
      this.#psh.splice(0, this.#pshHead);
      this.#pshHead = 0;
    }
    if (this.#eorHead > 64 && this.#eorHead * 2 > this.#eor.length) {
      this.#eor.splice(0, this.#eorHead);
      this.#eorHead = 0;
    }
  }
}

function drop(a: number[], head: number, una: number): number {
  while (head < a.length && a[head]! <= una) head++;
  if (head === a.length) {
    a.length = 0;
    return 0;
  }
  return head;
}

function indexOf(a: number[], head: number, v: number): number {
  let lo = head, hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = a[mid]!;
    if (x === v) return mid;
    if (x < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
