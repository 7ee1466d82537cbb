/**
 * When the first-retransmission time (`Tcb.retransStamp`, Linux
 * tp->retrans_stamp) is forgotten. It dates the current loss episode for
 * tcp_retries2 / TCP_USER_TIMEOUT (timer-expiry.ts) and for timestamp undo
 * (loss.ts packetDelayed), so it must be cleared once no retransmission is
 * left in the network — not only when an ACK covers everything sent, which
 * in a long bulk transfer may never happen while losses keep coming.
 *
 * Linux 6.x (net/ipv4/tcp_input.c): tcp_fastretrans_alert clears it on
 * every dubious ACK that finds the connection in Open; tcp_try_to_open (an
 * ACK handled in Open, Disorder or CWR — including the one that ends
 * Recovery or Loss) and tcp_try_undo_partial clear it when
 * tcp_any_retrans_done is false; tcp_enter_recovery does the same
 * (tcp_retrans_stamp_cleanup) so the fast retransmit starts a new clock.
 */
import { seqGt } from "../core/seq.js";
import type { Tcb } from "./tcb.js";

/**
 * Linux tcp_any_retrans_done: a retransmission is still in flight, or the
 * segment at snd.una was retransmitted at some point (its TCPCB_EVER_RETRANS).
 * Without the sent log, HighRxt above snd.una says the head went again.
 */
export function anyRetransDone(t: Tcb): boolean {
  if (t.retransOut > 0) return true;
  const log = t.sentLog;
  if (log !== null) return log.headEverRetrans;
  return seqGt(t.highRxt, t.sndUna);
}

/** Linux tcp_retrans_stamp_cleanup: forget the stamp when no retransmission is outstanding. */
export function retransStampCleanup(t: Tcb): void {
  if (!anyRetransDone(t)) t.retransStamp = 0;
}
