/**
 * ACKs that answer out-of-window or invalid segments (RFC 5961 challenge
 * ACKs, duplicate ACKs for old data, PAWS rejects), rate-limited like
 * Linux's tcp_oow_rate_limited.
 */
import { sendAck } from "./output.js";
import { SYN, type Segment } from "./segment.js";
import type { Tcb } from "./tcb.js";
import type { TcpLayer } from "./tcp-layer.js";

/**
 * Linux tcp_oow_rate_limited: ACKs answering out-of-window or invalid
 * segments (duplicate ACKs for old data, PAWS rejects, challenge ACKs) go out
 * at most once per `tcp_invalid_ratelimit` (500 ms) per connection, so two
 * confused peers cannot ping-pong ACKs. Segments carrying data (without SYN)
 * are never limited: they are not part of an ACK loop.
 */
export function oowLimited(tl: TcpLayer, t: Tcb, seg: Segment, mib: string): boolean {
  if (seg.data.length > 0 && !(seg.flags & SYN)) return false;
  const now = tl.ctx.scheduler.now();
  if (t.lastOowAck >= 0 && now - t.lastOowAck < tl.ctx.sysctl.tcp_invalid_ratelimit) {
    tl.ctx.counters.inc(tl.ctx.counters.TcpExt, mib);
    return true;
  }
  t.lastOowAck = now;
  return false;
}

/** An RFC 5961 challenge ACK (for a RST or SYN in the window, or a blind old ACK), rate-limited like Linux's. */
export function challengeAck(tl: TcpLayer, t: Tcb, seg: Segment, syn: boolean): void {
  const c = tl.ctx.counters;
  if (syn) c.inc(c.TcpExt, "TCPSYNChallenge");
  if (oowLimited(tl, t, seg, "TCPACKSkippedChallenge")) return;
  c.inc(c.TcpExt, "TCPChallengeACK");
  sendAck(tl, t, true);
}
