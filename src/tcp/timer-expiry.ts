/**
 * Timer expiry (seed D8; Linux tcp_timer.c): what happens when one of the
 * deadlines of a connection's single Timer passes — retransmission (RFC
 * 6298, with Linux's SYN linear timeouts and tcp_retries2 time budget),
 * delayed ACK, zero-window probe (persist), keepalive (C7), and the end of
 * an orphaned FIN-WAIT-2. The deadlines are set in timers.ts.
 */
import { fastOpenDetectBlackhole } from "./fastopen-open.js";
import type { Micros } from "../core/time.js";
import { TCP_ATO_MIN, TCP_RESOURCE_PROBE_INTERVAL, TCP_TIMEOUT_INIT } from "./constants.js";
import { abort, destroy } from "./lifecycle.js";
import { sendActiveReset } from "./control-out.js";
import { lossSample, pipeBytes, sendAck, sendLastSegment, sendProbe, sendProbeSegment, sendSyn, tcpOutput } from "./output.js";
import { seqGt } from "../core/seq.js";
import type { Tcb } from "./tcb.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";
import { armPersist, armRetransmit, keepCnt, keepIdle, keepIntvl, modelTimeout, rearm } from "./timers.js";
import { XMIT_REO, XMIT_RTO, XMIT_TLP, rackReoWnd, countLostRetrans } from "./rack.js";
import { rearmRto } from "./tlp.js";
import { rackEnterLoss } from "./loss.js";
import { ecnQueueCwr } from "./ecn.js";
import { pacingTimerDue } from "./pacing.js";
import { mtuBlackhole } from "./mtu-probe.js";

/** Dispatches every expired deadline of `t`, then re-arms its Timer. */
export function onTcbTimer(tl: TcpLayer, t: Tcb, now: Micros): void {
  if (t.lifetimeAt >= 0 && now >= t.lifetimeAt) {
    t.lifetimeAt = -1;
    if (t.state === TcpState.SYN_SENT || t.state === TcpState.SYN_RECV) {
      // An active open's time limit (the personality's keepInit, FreeBSD tcp_timer_keep → tcp_drop:
      // a RST once a SYN was received, ETIMEDOUT).
      if (t.state === TcpState.SYN_RECV) sendActiveReset(tl, t);
      writeError(tl, t, "ETIMEDOUT");
      return;
    }
    // TIME-WAIT over (F1, F6), or the orphaned FIN-WAIT-2 gave up (tcp_fin_timeout).
    if (t.state === TcpState.FIN_WAIT2) {
      const c = tl.ctx.counters;
      c.inc(c.TcpExt, "TCPAbortOnTimeout");
    }
    destroy(tl, t);
    return;
  }
  if (t.delackAt >= 0 && now >= t.delackAt) {
    t.delackAt = -1;
    delayedAck(tl, t);
  }
  if (t.rtoAt >= 0 && now >= t.rtoAt) {
    t.rtoAt = -1;
    const kind = t.xmitTimer;
    t.xmitTimer = XMIT_RTO;
    // One deadline, three purposes (Linux icsk_pending): RACK's reordering timer, the tail
    // loss probe, or the RTO.
    if (kind === XMIT_REO) reoTimeout(tl, t);
    else if (kind === XMIT_TLP) sendLossProbe(tl, t);
    else retransmitTimer(tl, t, now);
    if (t.state === TcpState.CLOSE) return;
  }
  if (t.persistAt >= 0 && now >= t.persistAt) {
    t.persistAt = -1;
    probeTimer(tl, t);
    if (t.state === TcpState.CLOSE) return;
  }
  if (t.keepaliveAt >= 0 && now >= t.keepaliveAt) {
    t.keepaliveAt = -1;
    keepaliveTimer(tl, t, now);
    if (t.state === TcpState.CLOSE) return;
  }
  // The pacing timer (pacing.ts; Linux tcp_pace_kick): the next departure time has come.
  if (pacingTimerDue(t, now)) tcpOutput(tl, t);
  rearm(tl, t);
}

/** Linux tcp_delack_timer_handler. */
function delayedAck(tl: TcpLayer, t: Tcb): void {
  if (t.state === TcpState.CLOSE || t.state === TcpState.LISTEN) return;
  if (t.unackedSegs === 0 && t.rcvNxt === t.rwin.rcvWup) return;
  if (!t.pingpong) {
    // Delayed ACK missed: inflate ATO.
    t.ato = Math.min(t.ato * 2, t.rtt.rto);
  } else {
    // Leave interactive mode and deflate ATO.
    t.pingpong = false;
    t.ato = TCP_ATO_MIN;
  }
  sendAck(tl, t);
  const c = tl.ctx.counters;
  c.inc(c.TcpExt, "DelayedACKs");
}

/** Fails the connection with `err` (or its soft error), like Linux tcp_write_err. */
function writeError(tl: TcpLayer, t: Tcb, fallback: "ETIMEDOUT"): void {
  const c = tl.ctx.counters;
  c.inc(c.TcpExt, "TCPAbortOnTimeout");
  if (t.state === TcpState.SYN_SENT || t.state === TcpState.SYN_RECV) c.inc(c.Tcp, "AttemptFails");
  else if (t.state === TcpState.ESTABLISHED || t.state === TcpState.CLOSE_WAIT) c.inc(c.Tcp, "EstabResets");
  abort(tl, t, t.orphan ? null : (t.softError ?? fallback), false);
}

/**
 * The personality's own SYN-SENT schedule (FreeBSD tcp_timer_rexmt; Linux
 * has none): retransmit the SYN and wait what it says, or fail the connect.
 * Returns false for Linux's rules.
 */
function synSentRetransmit(tl: TcpLayer, t: Tcb, now: Micros): boolean {
  const wait = tl.personality.synSentTimeout(tl, t, t.retransmits + 1);
  if (wait === null) return false;
  if (wait < 0) {
    writeError(tl, t, "ETIMEDOUT");
    return true;
  }
  resendSyn(tl, t);
  t.rtoAt = now + wait;
  return true;
}

/** The SYN (or a request's SYN-ACK) again, counted as a retransmission (TCPSynRetrans) and not timed. */
function resendSyn(tl: TcpLayer, t: Tcb): void {
  const c = tl.ctx.counters;
  t.retransmits++;
  c.inc(c.Tcp, "RetransSegs");
  c.inc(c.TcpExt, "TCPSynRetrans");
  t.totalRetrans++;
  t.rttTime = -1;
  sendSyn(tl, t);
}

/** Linux tcp_retransmit_timer. */
function retransmitTimer(tl: TcpLayer, t: Tcb, now: Micros): void {
  const c = tl.ctx.counters;
  if (t.sndUna === t.sndMax && t.state !== TcpState.SYN_SENT && t.state !== TcpState.SYN_RECV) return;
  c.inc(c.TcpExt, "TCPTimeouts");
  if (t.state === TcpState.SYN_SENT && synSentRetransmit(tl, t, now)) return;
  if (t.state === TcpState.SYN_SENT || t.state === TcpState.SYN_RECV) {
    // SYN retries (Linux tcp_write_timeout): tcp_syn_retries (TCP_SYNCNT), plus tcp_syn_linear_timeouts
    // for an active open whose first RTOs stay at 1 s (RTOs 1,1,1,1,1,2,4,…).
    const linear = t.state === TcpState.SYN_SENT ? tl.ctx.sysctl.tcp_syn_linear_timeouts : 0;
    // A Fast Open child's SYN-ACK gets one retry more (Linux tcp_fastopen_synack_timer).
    const synack = tl.ctx.sysctl.tcp_synack_retries + (t.fo?.passive ? 1 : 0);
    const retries = (t.synRetries || (t.state === TcpState.SYN_SENT ? tl.ctx.sysctl.tcp_syn_retries : synack)) + linear;
    // Besides the count, the time a SYN's retries would take at exponential backoff from TCP_TIMEOUT_INIT
    // (retransmits_timed_out with tcp_timeout_init as the base): TCP_SYNCNT 1 gives up 3 s after the first SYN even
    // while the linear timeouts keep the RTO at 1 s. A Fast Open child's SYN-ACK timer counts only (tcp_fastopen_synack_timer).
    const retryUntil = t.synRetries || (t.state === TcpState.SYN_SENT ? tl.ctx.sysctl.tcp_syn_retries : synack);
    const budget = t.userTimeout > 0 ? t.userTimeout : t.fo?.passive ? Infinity : modelTimeout(retryUntil, TCP_TIMEOUT_INIT);
    const expired = t.retransmits >= retries || (t.retransmits > 0 && now - t.retransStamp >= budget);
    if (t.fo !== null) fastOpenDetectBlackhole(tl, t, expired);
    if (expired) {
      writeError(tl, t, "ETIMEDOUT");
      return;
    }
    resendSyn(tl, t);
    if (t.retransmits > linear) t.rtt.backoff();
    t.rtoAt = now + t.rtt.rto;
    return;
  }
  // Give up? (tcp_write_timeout: tcp_retries2's time budget, orphans tcp_orphan_retries (0 → 8), or TCP_USER_TIMEOUT.)
  const elapsed = t.retransStamp ? now - t.retransStamp : 0;
  let boundary = tl.ctx.sysctl.tcp_retries2;
  if (t.orphan) boundary = tl.ctx.sysctl.tcp_orphan_retries || 8;
  const expired = t.userTimeout ? elapsed >= t.userTimeout : t.retransmits > 0 && elapsed >= modelTimeout(boundary);
  if (t.fo !== null) fastOpenDetectBlackhole(tl, t, expired);
  // Linux tcp_write_timeout: tcp_retries1 RTOs without an ACK — MTU black-hole detection (mtu-probe.ts).
  if (t.retransmits > 0 && elapsed >= modelTimeout(tl.ctx.sysctl.tcp_retries1) && tl.ctx.sysctl.tcp_mtu_probing) mtuBlackhole(tl, t);
  if (expired) {
    writeError(tl, t, "ETIMEDOUT");
    return;
  }
  // SACK reneging (Linux tcp_timeout_mark_lost): the first unacknowledged byte is SACKed, so
  // the peer has discarded data it SACKed. Forget every SACK and retransmit all of it.
  if (t.sb && t.sb.isSacked(t.sndUna)) {
    t.sb.clear();
    c.inc(c.TcpExt, "TCPSACKReneging");
  }
  const log = t.sentLog;
  if (log) {
    if (t.sb && t.sb.isEmpty) log.clearSacks();
    if (log.rack) {
      // RACK (loss.ts): the lost marks, Loss, the first segment again; later ACKs walk the marks.
      if (rackEnterLoss(tl, t, log, now)) {
        t.retransmits++;
        t.rtt.backoff();
        t.rtoAt = now + t.rtt.rto;
        return;
      }
    }
    // Linux tcp_timeout_mark_lost: every segment not SACKed is lost; no probe is outstanding.
    log.markAllLost();
    log.tlpHighSeq = -1;
  }
  // Without RACK: enter loss (Linux tcp_enter_loss), cwnd 1, go back to snd.una (SACKed ranges are skipped).
  if (t.cc.state !== "loss") t.recover = t.sndMax;
  t.cc.onRto(now);
  ecnQueueCwr(t);
  t.sndNxt = t.sndUna;
  t.highRxt = t.sndUna;
  t.retransOut = 0;
  t.dupAcks = 0;
  t.rttTime = -1;
  if (t.retransStamp === 0) t.retransStamp = now;
  t.retransmits++;
  t.rtt.backoff();
  tcpOutput(tl, t);
  t.rtoAt = now + t.rtt.rto;
}

/**
 * RACK's reordering timer (Linux tcp_rack_reo_timeout): the segments that
 * were waiting out the reordering window are now lost — enter fast
 * recovery if not in it, retransmit; then the RTO takes over again.
 */
function reoTimeout(tl: TcpLayer, t: Tcb): void {
  const log = t.sentLog;
  if (!log || t.sndUna === t.sndMax) return;
  const now = tl.ctx.scheduler.now();
  const prior = log.lostBytes;
  const r = log.detectLoss(now, rackReoWnd(tl, t, log));
  if (r.lostRetrans) countLostRetrans(tl, t, r.lostRetrans);
  if (log.lostBytes !== prior) {
    // Linux enters recovery from any other state, Loss included (a retransmission lost again).
    if (t.cc.state !== "recovery") {
      const c = tl.ctx.counters;
      c.inc(c.TcpExt, "TCPSackRecovery");
      t.recover = t.sndMax;
      t.cc.enterRecovery(now, Math.ceil(pipeBytes(t) / t.mss));
      ecnQueueCwr(t);
      t.undoMarker = t.sndUna;
      t.undoRetrans = 0;
      t.rttTime = -1;
      log.tlpHighSeq = -1;
      // tcp_cwnd_reduction(sk, 1, 0): PRR sizes what may go out now.
      t.cc.onAck(lossSample(tl, t, 1, false, 0));
    }
    const before = t.totalRetrans;
    tcpOutput(tl, t);
    if (t.totalRetrans > before) {
      const c = tl.ctx.counters;
      c.inc(c.TcpExt, "TCPFastRetrans");
    }
  }
  if (t.rtoAt < 0 || t.xmitTimer !== XMIT_RTO) rearmRto(tl, t, true);
}

/**
 * The tail loss probe timer fired (Linux tcp_send_loss_probe, RFC 8985
 * §7.3): one new segment if the peer's window takes it, else the last
 * segment again; then the RTO restarts from now.
 */
function sendLossProbe(tl: TcpLayer, t: Tcb): void {
  const log = t.sentLog;
  if (!log || t.sndUna === t.sndMax) return;
  if (log.tlpHighSeq < 0) {
    log.tlpRetrans = false;
    let sent = false;
    if (t.unsentBytes > 0) {
      const before = t.sndMax;
      sendProbeSegment(tl, t);
      sent = seqGt(t.sndMax, before);
    }
    if (!sent && sendLastSegment(tl, t, log)) {
      log.tlpRetrans = true;
      sent = true;
    }
    if (sent) {
      log.tlpHighSeq = t.sndNxt;
      const c = tl.ctx.counters;
      c.inc(c.TcpExt, "TCPLossProbes");
      // icsk_pending cleared: the RTO restarts from now.
      t.rtoAt = -1;
      t.xmitTimer = XMIT_RTO;
      rearmRto(tl, t);
      return;
    }
  }
  rearmRto(tl, t, true);
}

/**
 * Linux tcp_probe_timer: zero-window probes — and the retries of data the
 * local qdisc dropped (nothing in flight, data waiting) — given up after
 * tcp_retries2 unanswered ones, or once TCP_USER_TIMEOUT has passed since
 * the timer first fired (icsk_probes_tstamp). A probe the qdisc dropped
 * again is retried after TCP_RESOURCE_PROBE_INTERVAL without backoff
 * (tcp_send_probe0), clamped to what is left of the user timeout.
 */
function probeTimer(tl: TcpLayer, t: Tcb): void {
  if (t.unsentBytes === 0 || t.sndNxt !== t.sndUna) {
    t.probesOut = 0;
    t.probesStamp = -1;
    return;
  }
  const now = tl.ctx.scheduler.now();
  if (t.probesStamp < 0) t.probesStamp = now;
  else if (t.userTimeout > 0 && now - t.probesStamp >= t.userTimeout) {
    writeError(tl, t, "ETIMEDOUT");
    return;
  }
  const max = t.orphan ? (tl.ctx.sysctl.tcp_orphan_retries || 8) : tl.ctx.sysctl.tcp_retries2;
  if (t.probesOut >= max) {
    writeError(tl, t, "ETIMEDOUT");
    return;
  }
  const dropped = sendProbe(tl, t, false);
  t.probesOut++;
  if (dropped && t.sndNxt === t.sndUna) {
    // tcp_send_probe0: local congestion — the resource interval, no backoff (tcp_clamp_probe0_to_user_timeout).
    let when = TCP_RESOURCE_PROBE_INTERVAL;
    if (t.userTimeout > 0) when = Math.max(1, Math.min(when, t.userTimeout - (now - t.probesStamp)));
    t.persistAt = now + when;
    rearm(tl, t);
    return;
  }
  t.probeBackoff++;
  if (t.sndNxt === t.sndUna) armPersist(tl, t);
  else armRetransmit(tl, t);
}

/** Linux tcp_keepalive_timer (C7): probes after idleness; ETIMEDOUT after keepcnt unanswered probes. */
function keepaliveTimer(tl: TcpLayer, t: Tcb, now: Micros): void {
  if (!t.keepalive) return;
  const st = t.state;
  if (st !== TcpState.ESTABLISHED && st !== TcpState.CLOSE_WAIT && st !== TcpState.FIN_WAIT1 && st !== TcpState.FIN_WAIT2 && st !== TcpState.CLOSING && st !== TcpState.LAST_ACK) return;
  const idle = keepIdle(tl, t);
  // Data in flight or waiting: the retransmission/probe machinery is in charge.
  if (t.sndMax !== t.sndUna || t.unsentBytes > 0) {
    t.keepaliveAt = now + idle;
    return;
  }
  const elapsed = now - t.lastRecv;
  if (elapsed >= idle) {
    const intvl = keepIntvl(tl, t);
    if ((t.userTimeout && elapsed >= t.userTimeout && t.probesOut > 0) || (!t.userTimeout && t.probesOut >= keepCnt(tl, t))) {
      // Linux tcp_keepalive_timer: tcp_send_active_reset, then tcp_write_err (checked on 6.18: TcpOutRsts +1).
      sendActiveReset(tl, t);
      writeError(tl, t, "ETIMEDOUT");
      return;
    }
    sendProbe(tl, t, true);
    t.probesOut++;
    const c = tl.ctx.counters;
    c.TcpExt.TCPKeepAlive = (c.TcpExt.TCPKeepAlive ?? 0) + 1; // a named store (per probe), not c.inc's keyed one
    t.keepaliveAt = now + intvl;
  } else {
    t.keepaliveAt = t.lastRecv + idle;
  }
}
