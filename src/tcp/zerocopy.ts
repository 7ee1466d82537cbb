/**
 * MSG_ZEROCOPY completions and the socket's error queue (Linux
 * net/core/skbuff.c msg_zerocopy_*, Documentation/networking/msg_zerocopy.rst).
 *
 * With SO_ZEROCOPY set, each send(…, MSG_ZEROCOPY) of at least one byte
 * gets the next id of a per-socket counter (`sk_zckey`, from 0); a send
 * whose data joins the previous one's still unsent record (Linux appends to
 * the tail skb that carries the previous notification) extends that range
 * instead. When the peer has acknowledged every byte of a range (Linux:
 * the last skb referring to it is freed) a notification goes on the error
 * queue: `sock_extended_err { ee_errno 0, ee_origin SO_EE_ORIGIN_ZEROCOPY,
 * ee_info lo, ee_data hi }`, merged into the queue's last notification when
 * that one is a zerocopy range ending at lo − 1 and has not been read
 * (`skb_zerocopy_notify_extend`). sockstack copies every send into its
 * buffer, so `ee_code` is always SO_EE_CODE_ZEROCOPY_COPIED — what Linux
 * reports when the device copied the pages (the tun device of packetdrill
 * does). Data that never left (a send that copied nothing) takes its id back.
 * Queue entries wake the socket with POLLERR; recvmsg(MSG_ERRQUEUE) reads
 * them (socket layer).
 */
import { POLLERR } from "../core/poll-events.js";
import { seqGe } from "../core/seq.js";
import type { Micros } from "../core/time.js";
import type { Tcb } from "./tcb.js";
import type { TcpLayer } from "./tcp-layer.js";
import type { TxTimestamps } from "./tx-timestamp.js";

/** snd.una moved: completes the zerocopy ranges now acknowledged and wakes the socket (POLLERR). */
export function zeroCopyAcked(tl: TcpLayer, t: Tcb): void {
  if (t.zc && t.zc.acked(t.sndBufSeq)) {
    t.wq.wake(POLLERR);
    tl.ctx.notifyWake();
  }
}

/** `SO_EE_ORIGIN_ZEROCOPY` (<linux/errqueue.h>). */
export const SO_EE_ORIGIN_ZEROCOPY = 5;
/** `SO_EE_CODE_ZEROCOPY_COPIED`: the kernel copied the data after all. */
export const SO_EE_CODE_ZEROCOPY_COPIED = 1;
/** `MAX_SKB_FRAGS` (the `net.core.max_skb_frags` default): user pages one skb may hold. */
export const MAX_SKB_FRAGS = 17;

/** One error-queue entry: Linux's `struct sock_extended_err` (the offender address is not kept). */
export interface ExtendedErr {
  ee_errno: number;
  ee_origin: number;
  ee_type: number;
  ee_code: number;
  ee_pad: number;
  ee_info: number;
  ee_data: number;
  /** A timestamp entry's time (tx-timestamp.ts), in the virtual clock's µs. */
  tstamp?: Micros;
  /** The bytes the entry carries (a timestamp entry's packet or data; zerocopy notifications carry none). */
  payload?: Uint8Array;
}

/** A range of zerocopy ids waiting for its data to be acknowledged. */
interface Pending {
  lo: number;
  len: number;
  /** Sequence number after the range's last byte. */
  end: number;
  /** A sendmsg is still copying into it (Linux holds a reference until it returns). */
  open: boolean;
}

/** A TCP socket's SO_ZEROCOPY state and error queue (`t.zc`, created by setsockopt or inherited from the listener). */
export class ZeroCopySock {
  /** SO_ZEROCOPY (SOCK_ZEROCOPY). */
  enabled = false;
  /** `sk_zckey`: the next id. */
  key = 0;
  #pending: Pending[] = [];
  /** The error queue (`sk_error_queue`), oldest first: zerocopy notifications and transmit timestamps. */
  readonly errQueue: ExtendedErr[] = [];
  /** SO_TIMESTAMPING's transmit side (tx-timestamp.ts), null until the option is set. */
  ts: TxTimestamps | null = null;

  /**
   * A MSG_ZEROCOPY sendmsg starts (Linux msg_zerocopy_realloc): the next
   * id, joined to the previous range when `extend` (its data is still in
   * the unsent tail record) and the ids follow on. The range stays open
   * until {@link end}.
   */
  begin(end: number, extend: boolean): void {
    const last = this.#pending[this.#pending.length - 1];
    if (extend && last && ((last.lo + last.len) >>> 0) === this.key) {
      last.len++;
      last.end = end;
      last.open = true;
    } else {
      this.#pending.push({ lo: this.key, len: 1, end, open: true });
    }
    this.key = (this.key + 1) >>> 0;
  }

  /**
   * The sendmsg returns having queued data up to sequence `end`; `copied`
   * 0 gives the id back (Linux net_zcopy_put_abort).
   */
  end(end: number, copied: number): void {
    const last = this.#pending[this.#pending.length - 1];
    if (!last || !last.open) return;
    last.open = false;
    if (copied > 0) {
      last.end = end;
      return;
    }
    this.key = (this.key - 1) >>> 0;
    if (--last.len === 0) this.#pending.pop();
  }

  /** Whether the last range still waits and ends at `end` (a send now may join it). */
  lastEndsAt(end: number): boolean {
    const last = this.#pending[this.#pending.length - 1];
    return last !== undefined && last.end === end;
  }

  /**
   * snd.una reached `una`: ranges whose data is all acknowledged complete.
   * `all` (the socket's data was dropped: abort, close) completes every
   * range. Returns true when the error queue grew or changed.
   */
  acked(una: number, all = false): boolean {
    let n = 0;
    while (n < this.#pending.length && !this.#pending[n]!.open && (all || seqGe(una, this.#pending[n]!.end))) {
      const p = this.#pending[n++]!;
      this.#notify(p.lo, p.len);
    }
    if (n > 0) this.#pending.splice(0, n);
    return n > 0;
  }

  #notify(lo: number, len: number): void {
    const q = this.errQueue;
    const tail = q[q.length - 1];
    if (tail && tail.ee_origin === SO_EE_ORIGIN_ZEROCOPY && ((tail.ee_data + 1) >>> 0) === lo &&
        (tail.ee_data - tail.ee_info) + 1 + len < 2 ** 32) {
      tail.ee_data = (tail.ee_data + len) >>> 0;
      return;
    }
    q.push({ ee_errno: 0, ee_origin: SO_EE_ORIGIN_ZEROCOPY, ee_type: 0, ee_code: SO_EE_CODE_ZEROCOPY_COPIED, ee_pad: 0, ee_info: lo, ee_data: (lo + len - 1) >>> 0 });
  }
}
