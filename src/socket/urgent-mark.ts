/**
 * The urgent mark on the read side of a TCP socket (Linux tcp_recvmsg_locked
 * and tcp_ioctl SIOCATMARK): a read that has copied bytes stops at the mark
 * (the next read continues after it), and SIOCATMARK is 1 while the next
 * byte to read is the urgent one. sockstack takes the urgent byte out of the
 * queue on arrival (tcp/rcv.ts extractUrgent; with SO_OOBINLINE it stays)
 * and remembers its sequence number in `urgMark`.
 */
import type { Tcb } from "../tcp/tcb.js";

/**
 * Queued bytes before the urgent mark (0: the reader is at it), or Infinity
 * when no mark is ahead. Once a read has gone past the mark it is
 * forgotten (`urgMark` = -1) with an out-of-band byte not yet read, as
 * Linux clears urg_data once copied_seq passes urg_seq.
 */
export function bytesBeforeUrgentMark(t: Tcb): number {
  if (t.urgMark < 0) return Infinity;
  // The queue holds every byte received after the urgent one (and, inline, the byte itself) until a read passes it.
  const after = (t.rcvNxt - t.urgMark - 1) >>> 0;
  const ahead = t.rcvBuf.length - after - (t.urgMarkInline ? 1 : 0);
  if (ahead >= 0) return ahead;
  // Linux keeps the out-of-band byte in urg_data, cleared with the mark: recv(MSG_OOB) is EINVAL after.
  if (!t.urgMarkInline) t.urgByte = -1;
  t.urgMark = -1;
  return Infinity;
}

/**
 * How many of `want` queued bytes one read may copy: up to the mark when it
 * is ahead; at the mark, across it (a read that starts there takes the
 * urgent byte inline, or skips where it was). `copied` bytes already taken
 * by this read: at the mark it stops (0).
 */
export function urgentReadLimit(t: Tcb, want: number, copied: number): number {
  const ahead = bytesBeforeUrgentMark(t);
  if (ahead === 0) return copied > 0 ? 0 : want;
  return Math.min(want, ahead);
}

/**
 * SIOCATMARK: 1 when the next byte to read is the urgent one — its mark is
 * reached, or its urgent pointer is known and every byte before it has been
 * read (Linux: urg_data set and urg_seq == copied_seq).
 */
export function atUrgentMark(t: Tcb): number {
  if (bytesBeforeUrgentMark(t) === 0) return 1;
  const copiedSeq = (t.rcvNxt - t.rcvBuf.length) >>> 0;
  return t.urgSeq >= 0 && t.urgSeq === copiedSeq ? 1 : 0;
}
