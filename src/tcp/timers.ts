/**
 * When the timers of a connection fire (seed D8; Linux
 * inet_csk_reset_xmit_timer, tcp_send_delayed_ack, tcp_reset_keepalive_timer):
 * every deadline — retransmission, delayed ACK, keepalive, persist,
 * lifetime — is a field of the TCB, and the TCB's single Timer is armed at
 * the earliest (lazy deadlines: a million idle connections cost nothing
 * until one fires). What happens at expiry is timer-expiry.ts; the two are
 * apart because output arms timers and expiry sends segments (one module
 * would be an import cycle with output.ts).
 */
import type { Micros } from "../core/time.js";
import { TCP_DELACK_MAX, TCP_RTO_MAX, TCP_RTO_MIN } from "./constants.js";
import type { Tcb } from "./tcb.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";

/**
 * Linux tcp_model_timeout: how long `boundary` exponentially backed-off
 * retransmissions take from an RTO of `base` (doubling up to TCP_RTO_MAX).
 * tcp_retries2 = 15 → 924.6 s.
 * @example modelTimeout(15) === 924_600_000
 */
export function modelTimeout(boundary: number, base: Micros = TCP_RTO_MIN): Micros {
  const thresh = Math.floor(Math.log2(TCP_RTO_MAX / base));
  if (boundary <= thresh) return ((2 << boundary) - 1) * base;
  return ((2 << thresh) - 1) * base + (boundary - thresh) * TCP_RTO_MAX;
}

/** Arms the single Timer of `t` at its earliest deadline. */
export function rearm(tl: TcpLayer, t: Tcb): void {
  // Five deadlines (six when paced), compared without building an array (this runs for every segment).
  let at = t.rtoAt;
  let d = t.delackAt;
  if (d >= 0 && (at < 0 || d < at)) at = d;
  d = t.keepaliveAt;
  if (d >= 0 && (at < 0 || d < at)) at = d;
  d = t.persistAt;
  if (d >= 0 && (at < 0 || d < at)) at = d;
  d = t.lifetimeAt;
  if (d >= 0 && (at < 0 || d < at)) at = d;
  const p = t.pacing; // the pacing timer (pacing.ts), paced connections only
  if (p !== null) {
    d = p.at;
    if (d >= 0 && (at < 0 || d < at)) at = d;
  }
  const sched = tl.ctx.scheduler;
  if (at < 0) sched.disarm(t.timer);
  else if (t.timer.deadline !== at) sched.arm(t.timer, at);
}

/** Starts the retransmission timer if it is not running (RFC 6298 §5.1). */
export function armRetransmit(tl: TcpLayer, t: Tcb): void {
  if (t.rtoAt >= 0) return;
  t.persistAt = -1;
  t.xmitTimer = 0;
  t.rtoAt = tl.ctx.scheduler.now() + t.rtt.rto;
  rearm(tl, t);
}

/** Restarts the retransmission timer (new data acknowledged, RFC 6298 §5.3). */
export function restartRetransmit(tl: TcpLayer, t: Tcb): void {
  t.rtoAt = tl.ctx.scheduler.now() + t.rtt.rto;
  t.xmitTimer = 0;
  t.persistAt = -1;
  rearm(tl, t);
}

/** Stops the retransmission timer (everything acknowledged, RFC 6298 §5.2). */
export function stopRetransmit(tl: TcpLayer, t: Tcb): void {
  if (t.rtoAt < 0) return;
  t.rtoAt = -1;
  t.xmitTimer = 0;
  rearm(tl, t);
}

/** Starts the persist (zero-window probe) timer (Linux tcp_probe0_when: RTO doubled per probe, at most TCP_RTO_MAX). */
export function armPersist(tl: TcpLayer, t: Tcb): void {
  if (t.persistAt >= 0) return;
  const when = Math.min(t.rtt.rto * 2 ** Math.min(t.probeBackoff, 20), TCP_RTO_MAX);
  t.persistAt = tl.ctx.scheduler.now() + when;
  rearm(tl, t);
}

/** Schedules a delayed ACK (Linux tcp_send_delayed_ack: at most TCP_DELACK_MAX). */
export function scheduleDelayedAck(tl: TcpLayer, t: Tcb): void {
  if (t.delackAt >= 0) return;
  // Linux __tcp_send_delayed_ack: icsk_ack.ato is 0 until the delayed-ACK engine starts (the first
  // data, or quick-ACK mode): an ACK scheduled before that (a FIN before any data) leaves at once.
  const delay = t.atoStarted || !tl.personality.atoFromFirstData ? Math.min(t.ato, TCP_DELACK_MAX) : 0;
  t.delackAt = tl.ctx.scheduler.now() + delay;
  rearm(tl, t);
}

/** Cancels a pending delayed ACK (an ACK just went out). */
export function cancelDelayedAck(tl: TcpLayer, t: Tcb): void {
  if (t.delackAt < 0) return;
  t.delackAt = -1;
  rearm(tl, t);
}

/** (Re)starts keepalive for an established connection with SO_KEEPALIVE. */
export function resetKeepalive(tl: TcpLayer, t: Tcb): void {
  if (!t.keepalive || t.state === TcpState.LISTEN || t.state === TcpState.CLOSE || t.state === TcpState.SYN_SENT) {
    if (t.keepaliveAt >= 0) {
      t.keepaliveAt = -1;
      rearm(tl, t);
    }
    return;
  }
  t.keepaliveAt = tl.ctx.scheduler.now() + keepIdle(tl, t);
  rearm(tl, t);
}

/** The effective keepalive idle time (TCP_KEEPIDLE, else `tcp_keepalive_time`). */
export function keepIdle(tl: TcpLayer, t: Tcb): Micros {
  return t.keepIdle || tl.ctx.sysctl.tcp_keepalive_time;
}

/** The effective keepalive probe interval (TCP_KEEPINTVL, else `tcp_keepalive_intvl`). */
export function keepIntvl(tl: TcpLayer, t: Tcb): Micros {
  return t.keepIntvl || tl.ctx.sysctl.tcp_keepalive_intvl;
}

/** The effective keepalive probe count (TCP_KEEPCNT, else `tcp_keepalive_probes`). */
export function keepCnt(tl: TcpLayer, t: Tcb): number {
  return t.keepCnt || tl.ctx.sysctl.tcp_keepalive_probes;
}
