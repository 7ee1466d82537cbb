/**
 * ACKs that answer out-of-window or invalid segments (RFC 5961 challenge
 * ACKs, duplicate ACKs for old data, PAWS rejects), rate-limited like
 * Linux's tcp_oow_rate_limited.
 */
import { sendAck } from "./output.js";
import { FIN, SYN, type Segment } from "./segment.js";
import type { Tcb } from "./tcb.js";
import type { TcpLayer } from "./tcp-layer.js";

/**
 * Linux tcp_oow_rate_limited: ACKs answering out-of-window or invalid
 * segments (duplicate ACKs for old data, PAWS rejects) go out at most once
 * per `tcp_invalid_ratelimit` (500 ms) per connection, so two confused
 * peers cannot ping-pong ACKs. Segments that occupy sequence space — data
 * or a FIN — without SYN are never limited: they are not part of an ACK
 * loop. `last` holds the time of the last such ACK (a TCB's, a request's).
 */
export function oowLimited(tl: TcpLayer, last: { lastOowAck: number }, seg: Segment, mib: string): boolean {
  if ((seg.data.length > 0 || seg.flags & FIN) && !(seg.flags & SYN)) return false;
  return rateLimited(tl, last, mib);
}

/**
 * Linux __tcp_oow_rate_limited: true (counting `mib`) when an ACK went out
 * for an invalid segment within the last `tcp_invalid_ratelimit`; else
 * records now and returns false.
 */
export function rateLimited(tl: TcpLayer, last: { lastOowAck: number }, mib: string): boolean {
  const now = tl.ctx.scheduler.now();
  if (last.lastOowAck >= 0 && now - last.lastOowAck < tl.ctx.sysctl.tcp_invalid_ratelimit) {
    tl.ctx.counters.inc(tl.ctx.counters.TcpExt, mib);
    return true;
  }
  last.lastOowAck = now;
  return false;
}

/**
 * An RFC 5961 challenge ACK (for a RST or SYN in the window, or a blind old
 * ACK), rate-limited like Linux's tcp_send_challenge_ack: by
 * __tcp_oow_rate_limited, which — unlike the duplicate ACKs' limit — spares
 * no segment, blind data included (checked on Linux 6.18:
 * test/tcp/linux-input-states-probe.py U).
 */
export function challengeAck(tl: TcpLayer, t: Tcb, syn: boolean): void {
  const c = tl.ctx.counters;
  if (syn) c.inc(c.TcpExt, "TCPSYNChallenge");
  if (rateLimited(tl, t, "TCPACKSkippedChallenge")) return;
  c.inc(c.TcpExt, "TCPChallengeACK");
  sendAck(tl, t, true);
}
