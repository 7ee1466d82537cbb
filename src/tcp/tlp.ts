/**
 * Tail loss probe (RFC 8985 §7; Linux tcp_schedule_loss_probe,
 * tcp_send_loss_probe in tcp_output.c, tcp_process_tlp_ack in
 * tcp_input.c), on when `tcp_early_retrans` is 3 or 4 (Linux's default 3)
 * and the connection negotiated SACK.
 *
 * When the sender is in Open (or CWR) state with data in flight, a probe
 * is scheduled 2·SRTT after the last transmission (+ 2 ms, or + the
 * minimum RTO when one segment is out, for the peer's delayed ACK; 1 s
 * before any RTT sample), never later than the RTO would fire. It sends
 * one new segment if the peer's window allows, else retransmits the last
 * segment, so that a loss at the tail of a flight draws SACKs (and RACK's
 * fast recovery) instead of waiting for the RTO. If the probe itself was
 * what repaired a loss — an ACK beyond it with no D-SACK of it — the loss
 * is treated as a congestion event (cwnd reduced, TCPLossProbeRecovery).
 *
 * Sending the probe is timer-expiry.ts's (it needs output.ts, which
 * schedules probes: one module would be an import cycle).
 *
 * Linux's probe timeout is 2·SRTT + 2 ms; RFC 8985 says max(2·SRTT,
 * 10 ms): sockstack does what Linux does (docs/linux-comparison.md).
 */
import { seqGe, seqGt, seqLt } from "../core/seq.js";
import { TCP_TIMEOUT_INIT } from "./constants.js";
import { TCP_TIMEOUT_MIN, XMIT_RTO, XMIT_TLP, type SentLog } from "./rack.js";
import type { Tcb } from "./tcb.js";
import type { TcpLayer } from "./tcp-layer.js";
import { ecnQueueCwr } from "./ecn.js";
import { rearm } from "./timers.js";

/** `tcp_early_retrans` allows tail loss probes (3, the default, or 4). */
export function tlpOn(tl: TcpLayer, t: Tcb): boolean {
  const e = tl.ctx.sysctl.tcp_early_retrans;
  return (e === 3 || e === 4) && t.sackOk;
}

/**
 * How far in the future the RTO is when measured from the transmission of
 * the first outstanding segment (Linux tcp_rto_delta_us).
 */
function rtoDelta(tl: TcpLayer, t: Tcb, log: SentLog): number {
  const head = log.headTime;
  const now = tl.ctx.scheduler.now();
  return head < 0 ? t.rtt.rto : t.rtt.rto - (now - head);
}

/**
 * Linux tcp_schedule_loss_probe: arms the probe timer when allowed
 * (`advancingRto`: called for an ACK that moved snd.una, the full RTO is
 * the ceiling; otherwise the RTO deadline already set). Returns false when
 * no probe applies.
 */
export function scheduleLossProbe(tl: TcpLayer, t: Tcb, advancingRto: boolean): boolean {
  const log = t.sentLog;
  if (!log || !tlpOn(tl, t)) return false;
  if (t.sndUna === t.sndMax) return false;
  const st = t.caState;
  if (st !== "open" && st !== "cwr") return false;
  let timeout: number;
  const srtt = t.rtt.srtt;
  if (srtt > 0) {
    timeout = 2 * srtt + (log.length === 1 ? tl.ctx.sysctl.tcp_rto_min : TCP_TIMEOUT_MIN);
    timeout = Math.ceil(timeout / 1000) * 1000;
  } else {
    timeout = TCP_TIMEOUT_INIT;
  }
  const delta = advancingRto ? t.rtt.rto : rtoDelta(tl, t, log);
  if (delta > 0) timeout = Math.min(timeout, Math.ceil(delta / 1000) * 1000);
  t.rtoAt = tl.ctx.scheduler.now() + timeout;
  t.xmitTimer = XMIT_TLP;
  t.persistAt = -1;
  rearm(tl, t);
  return true;
}

/**
 * Linux tcp_rearm_rto: the RTO from now — or, when the deadline was a
 * probe or reordering timer (`fromHead` once it has fired), from the
 * first outstanding segment's transmission (so that probes do not
 * postpone the RTO).
 */
export function rearmRto(tl: TcpLayer, t: Tcb, fromHead = false): void {
  const now = tl.ctx.scheduler.now();
  if (t.sndUna === t.sndMax) {
    t.rtoAt = -1;
  } else {
    let rto = t.rtt.rto;
    const log = t.sentLog;
    if (log && (fromHead || (t.rtoAt >= 0 && t.xmitTimer !== XMIT_RTO))) rto = Math.max(rtoDelta(tl, t, log), 1);
    t.rtoAt = now + rto;
    t.persistAt = -1;
  }
  t.xmitTimer = XMIT_RTO;
  rearm(tl, t);
}

/** Linux tcp_set_xmit_timer: a probe if one applies, else the RTO. */
export function setXmitTimer(tl: TcpLayer, t: Tcb): void {
  if (!scheduleLossProbe(tl, t, true)) rearmRto(tl, t);
}

/** The facts about one ACK the probe's fate depends on (Linux FLAG_*). */
export interface TlpAckFlags {
  /** snd.una moved (FLAG_SND_UNA_ADVANCED). */
  unaAdvanced: boolean;
  /** Data, a window update or new SACKs rode on it (FLAG_NOT_DUP | FLAG_DATA_SACKED). */
  notDup: boolean;
  /** A D-SACK reported the probe's retransmission (FLAG_DSACK_TLP). */
  dsackTlp: boolean;
}

/**
 * Linux tcp_process_tlp_ack: was the probe's segment a repair? An ACK
 * past the probe that did not D-SACK it means the original was lost and
 * the probe recovered it: reduce cwnd (CWR, at once back to Open) and
 * count TCPLossProbeRecovery. A D-SACK of it, or a pure duplicate ACK,
 * means both arrived: no loss.
 */
export function processTlpAck(tl: TcpLayer, t: Tcb, ack: number, f: TlpAckFlags): void {
  const log = t.sentLog;
  if (!log || log.tlpHighSeq < 0) return;
  if (seqLt(ack, log.tlpHighSeq)) return;
  if (!log.tlpRetrans) {
    log.tlpHighSeq = -1;
  } else if (f.dsackTlp) {
    log.tlpHighSeq = -1;
  } else if (seqGt(ack, log.tlpHighSeq)) {
    log.tlpHighSeq = -1;
    const cc = t.cc;
    const now = tl.ctx.scheduler.now();
    cc.enterCwr(now, t.cwnd);
    ecnQueueCwr(t);
    cc.exitRecovery();
    const c = tl.ctx.counters;
    c.inc(c.TcpExt, "TCPLossProbeRecovery");
  } else if (!f.unaAdvanced && !f.notDup) {
    log.tlpHighSeq = -1;
  }
}

/** A D-SACK [start, end) covers the outstanding probe's retransmission (Linux FLAG_DSACK_TLP). */
export function dsackCoversTlp(t: Tcb, start: number, end: number): boolean {
  const log = t.sentLog;
  if (!log || log.tlpHighSeq < 0 || !log.tlpRetrans) return false;
  return seqGe(end, log.tlpHighSeq) && seqLt(start, log.tlpHighSeq);
}
