/**
 * The sender's chronograph (Linux tcp_chrono_start / tcp_chrono_stop,
 * net/ipv4/tcp_output.c; read by tcp_get_info_chrono_stats): how long the
 * connection has been busy sending, and how much of that the peer's
 * receive window or the local send buffer limited it — `tcpi_busy_time`,
 * `tcpi_rwnd_limited`, `tcpi_sndbuf_limited`.
 *
 * One chrono runs at a time, the "most interesting" condition winning
 * (SNDBUF_LIMITED > RWND_LIMITED > BUSY): starting one of higher rank
 * closes the running one; stopping one drops to UNSPEC when nothing is
 * left to send or to acknowledge, else to BUSY when it was the running one.
 * Where each starts and stops, as Linux:
 * - BUSY starts when data is queued with no unsent data before it
 *   (tcp_add_write_queue_tail); stops when an ACK leaves nothing in flight
 *   (tcp_clean_rtx_queue) or the connection's data is dropped;
 * - RWND_LIMITED starts when the transmit loop stops at the peer's window
 *   (tcp_snd_wnd_test), stops when a transmit loop does not;
 * - SNDBUF_LIMITED starts when a transmit loop that was not cwnd-limited
 *   sent everything while a writer had found the buffer full
 *   (tcp_cwnd_validate with SOCK_NOSPACE), stops when an ACK makes the
 *   socket writable again (tcp_check_space).
 * Time is counted in jiffies (HZ 1000, as tcp_jiffies32) and reported in µs.
 */
import type { Micros } from "../core/time.js";
import { seqGe } from "../core/seq.js";
import type { Tcb } from "./tcb.js";

/** `enum tcp_chrono`. */
export const TCP_CHRONO_UNSPEC = 0;
export const TCP_CHRONO_BUSY = 1;
export const TCP_CHRONO_RWND_LIMITED = 2;
export const TCP_CHRONO_SNDBUF_LIMITED = 3;

/** µs per jiffy (HZ 1000). */
const JIFFY: Micros = 1000;

/** A connection's chronograph (`t.chrono`, created when it first has data to send). */
export class TcpChrono {
  /** `chrono_type`: the running chrono. */
  type = TCP_CHRONO_UNSPEC;
  /** `chrono_start`, in jiffies. */
  start = 0;
  /** `chrono_stat[]`: jiffies accumulated by BUSY, RWND_LIMITED, SNDBUF_LIMITED. */
  readonly stat = [0, 0, 0];
  /** SOCK_NOSPACE: a writer found the send buffer full and the socket has not been writable since. */
  nospace = false;
}

function set(c: TcpChrono, type: number, now: Micros): void {
  const j = Math.floor(now / JIFFY);
  if (c.type > TCP_CHRONO_UNSPEC) c.stat[c.type - 1]! += j - c.start;
  c.start = j;
  c.type = type;
}

/** Nothing to send and nothing unacknowledged (Linux tcp_rtx_and_write_queues_empty). */
function queuesEmpty(t: Tcb): boolean {
  return t.sndBuf.length === 0 && seqGe(t.sndUna, t.sndMax) && !(t.finQueued && !t.finSent);
}

/** tcp_chrono_start: `type` runs unless one of higher rank already does. */
export function chronoStart(t: Tcb, type: number, now: Micros): void {
  const c = (t.chrono ??= new TcpChrono());
  if (type > c.type) set(c, type, now);
}

/** tcp_chrono_stop: the condition `type` ended. */
export function chronoStop(t: Tcb, type: number, now: Micros): void {
  const c = t.chrono;
  if (!c || c.type === TCP_CHRONO_UNSPEC) return;
  if (queuesEmpty(t)) set(c, TCP_CHRONO_UNSPEC, now);
  else if (type === c.type) set(c, TCP_CHRONO_BUSY, now);
}

/** A writer found the send buffer full (Linux sets SOCK_NOSPACE before it waits or returns). */
export function chronoNoSpace(t: Tcb): void {
  (t.chrono ??= new TcpChrono()).nospace = true;
}

/** The socket became writable after an ACK freed space (sk_stream_write_space clears SOCK_NOSPACE). */
export function chronoWritable(t: Tcb, now: Micros): void {
  const c = t.chrono;
  if (!c || !c.nospace) return;
  c.nospace = false;
  chronoStop(t, TCP_CHRONO_SNDBUF_LIMITED, now);
}

/** tcp_get_info_chrono_stats: busy, rwnd-limited and sndbuf-limited time in µs (the running chrono included). */
export function chronoStats(t: Tcb, now: Micros): { busy: Micros; rwnd: Micros; sndbuf: Micros } {
  const c = t.chrono;
  if (!c) return { busy: 0, rwnd: 0, sndbuf: 0 };
  const s = [c.stat[0]!, c.stat[1]!, c.stat[2]!];
  if (c.type > TCP_CHRONO_UNSPEC) s[c.type - 1]! += Math.floor(now / JIFFY) - c.start;
  return { busy: (s[0]! + s[1]! + s[2]!) * JIFFY, rwnd: s[1]! * JIFFY, sndbuf: s[2]! * JIFFY };
}
