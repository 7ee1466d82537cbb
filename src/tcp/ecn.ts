/**
 * Explicit Congestion Notification for TCP (RFC 3168 §6.1) as Linux does it
 * (include/net/tcp_ecn.h, tcp_input.c, tcp_output.c, syncookies.c):
 *
 * - **Negotiation.** `tcp_ecn` 1 requests ECN on outgoing connections (an
 *   ECN-setup SYN: ECE|CWR) and 2 — Linux's default — only accepts it: a
 *   listener answers an ECN-setup SYN with an ECN-setup SYN-ACK (ECE) when
 *   `tcp_ecn` ≠ 0, unless the SYN itself arrived ECT or CE (a middlebox
 *   rewrote it; tcp_ecn_create_request). The client keeps ECN only for a
 *   SYN-ACK with ECE and without CWR (tcp_ecn_rcv_synack); a simultaneous
 *   open only for a SYN with both (tcp_ecn_rcv_syn). A retransmitted SYN
 *   drops ECE|CWR (`tcp_ecn_fallback`, tcp_ecn_clear_syn, RFC 3168
 *   §6.1.1.1); SYN-ACK retransmissions keep ECE. A SYN cookie carries the
 *   permission in the timestamp's low bits (syncookie.ts, cookie_ecn_ok).
 * - **Sender.** New data segments leave ECT(0) (tcp_ecn_send); pure ACKs,
 *   retransmissions, zero-window probes, RSTs, SYNs and SYN-ACKs leave
 *   Not-ECT. An ECN-Echo ACK (with data outstanding) enters CWR
 *   (tcp_enter_cwr): ssthresh as for a loss, cwnd brought down by PRR, no
 *   undo; the next new data segment carries CWR. One reduction per window:
 *   the state stays CWR until an ACK goes *past* the highest sequence sent
 *   when it began. Fast recovery and RTO reductions queue the CWR too
 *   (tcp_init_cwnd_reduction, tcp_enter_loss); an ECE during recovery only
 *   forbids its undo.
 * - **Receiver.** Data that arrives CE makes every ACK carry ECE until a
 *   segment with CWR arrives (TCP_ECN_DEMAND_CWR), with quick ACKs at the
 *   first CE (tcp_ecn_check_ce); a data segment with CWR is ACKed at once
 *   (tcp_ecn_accept_cwr). ECT or CE data sets TCP_ECN_SEEN (`ss`'s
 *   `ecnseen`); Not-ECT data after that gets quick ACKs.
 *
 * State is `t.ecnFlags` (Linux tp->ecn_flags); 0 for a connection that did
 * not negotiate ECN, so every hook is one test of a cold field.
 */
import { seqGt, seqLt } from "../core/seq.js";
import { TCP_ATO_MIN } from "./constants.js";
import { ACK, CWR, ECE, FIN, SYN, type Segment } from "./segment.js";
import { tosFor, type Tcb } from "./tcb.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";

/** ECN was negotiated (Linux TCP_ECN_OK). */
export const TCP_ECN_OK = 1;
/** The next new data segment carries CWR (Linux TCP_ECN_QUEUE_CWR). */
export const TCP_ECN_QUEUE_CWR = 2;
/** CE arrived: ACKs carry ECE until the peer's CWR (Linux TCP_ECN_DEMAND_CWR). */
export const TCP_ECN_DEMAND_CWR = 4;
/** ECT or CE data arrived (Linux TCP_ECN_SEEN; tcpi_options' TCPI_OPT_ECN_SEEN). */
export const TCP_ECN_SEEN = 8;
/** sockstack: a data segment with CWR asks for an ACK now (Linux ICSK_ACK_NOW); cleared when an ACK leaves. */
const ECN_ACK_NOW = 16;

/** The IP ECN field (RFC 3168 §5): the low two bits of the TOS / traffic class byte. */
export const INET_ECN_NOT_ECT = 0;
/** ECT(1). */
export const INET_ECN_ECT_1 = 1;
/** ECT(0), what TCP sends (RFC 3168 §5; Linux INET_ECN_xmit). */
export const INET_ECN_ECT_0 = 2;
/** Congestion Experienced. */
export const INET_ECN_CE = 3;
/** The ECN bits of a TOS byte. */
export const INET_ECN_MASK = 3;

/** `tcp_ecn` values that request ECN on outgoing connections (1; Linux's AccECN modes 3 and 4 ask for it too). */
function requestsEcn(v: number): boolean {
  return v === 1 || v === 3 || v === 4;
}

// ---- negotiation ----------------------------------------------------------

/** connect(): whether our SYN asks for ECN (Linux tcp_ecn_send_syn). */
export function ecnConnect(tl: TcpLayer, t: Tcb): void {
  t.ecnFlags = requestsEcn(tl.ctx.sysctl.tcp_ecn) ? TCP_ECN_OK : 0;
}

/**
 * The ECN flags of a SYN or SYN-ACK `t` sends: ECE|CWR on our first SYN
 * (not on its retransmissions with `tcp_ecn_fallback`, Linux
 * tcp_ecn_clear_syn; the personality may keep it for a few), ECE on a
 * SYN-ACK (tcp_ecn_send_synack).
 */
export function ecnSynFlags(tl: TcpLayer, t: Tcb): number {
  if (!(t.ecnFlags & TCP_ECN_OK)) return 0;
  if (t.state !== TcpState.SYN_SENT) return ECE;
  const keep = tl.personality.ecnSynRetries(tl);
  if (keep !== null) return t.retransmits <= keep ? ECE | CWR : 0;
  return t.retransmits === 0 || !tl.ctx.sysctl.tcp_ecn_fallback ? ECE | CWR : 0;
}

/** A SYN-ACK answering our SYN (Linux tcp_ecn_rcv_synack): ECN stays only for ECE without CWR. */
export function ecnRcvSynAck(t: Tcb, flags: number): void {
  if (t.ecnFlags & TCP_ECN_OK && (flags & (ECE | CWR)) !== ECE) t.ecnFlags = 0;
}

/**
 * A SYN crossing ours (simultaneous open, Linux tcp_ecn_rcv_syn): ECN stays
 * only for ECE and CWR both. (The FreeBSD personality also turns it on for
 * such a SYN when our SYN did not ask but `tcp_ecn` accepts.)
 */
export function ecnRcvSyn(tl: TcpLayer, t: Tcb, flags: number): void {
  const setup = (flags & (ECE | CWR)) === (ECE | CWR);
  if (t.ecnFlags & TCP_ECN_OK && !setup) t.ecnFlags = 0;
  else if (setup && tl.personality.ecnSimultaneousAccept && tl.ctx.sysctl.tcp_ecn !== 0) t.ecnFlags |= TCP_ECN_OK;
}

/**
 * Whether a listener accepts ECN for the SYN `seg` (Linux
 * tcp_ecn_create_request): an ECN-setup SYN (ECE and CWR), `tcp_ecn` ≠ 0,
 * and the SYN not itself ECT or CE (RFC 3168 §6.1.1: SYNs are sent
 * Not-ECT — a marked one has crossed something that rewrites the field).
 */
export function ecnRequestOk(tl: TcpLayer, seg: Segment): boolean {
  if ((seg.flags & (ECE | CWR)) !== (ECE | CWR)) return false;
  return tl.ctx.sysctl.tcp_ecn !== 0 && (seg.tos & INET_ECN_MASK) === INET_ECN_NOT_ECT;
}

/** A SYN cookie's ECN bit, as the final ACK echoes it (Linux cookie_ecn_ok: and `tcp_ecn` still ≠ 0). */
export function ecnCookieOk(tl: TcpLayer, cookieEcn: boolean): boolean {
  return cookieEcn && tl.ctx.sysctl.tcp_ecn !== 0;
}

/** A child created from a request (Linux tcp_ecn_openreq_child). */
export function ecnOpenReqChild(t: Tcb, ecnOk: boolean): void {
  t.ecnFlags = ecnOk ? TCP_ECN_OK : 0;
}

// ---- the sender ------------------------------------------------------------

/** A segment of `len` payload bytes at `seq` is new data (not a retransmission, not a probe or pure ACK). */
function newData(t: Tcb, seq: number, len: number): boolean {
  return len > 0 && !seqLt(seq, t.sndMax);
}

/**
 * The TOS byte of a non-SYN segment of an ECN connection (Linux
 * tcp_ecn_send: INET_ECN_xmit / INET_ECN_dontxmit): ECT(0) on new data,
 * Not-ECT otherwise (RFC 3168 §6.1.5, §6.1.6).
 */
export function ecnTos(t: Tcb, seq: number, len: number): number {
  const base = tosFor(t, t.remoteAddr) & ~INET_ECN_MASK;
  return t.ecnFlags & TCP_ECN_OK && newData(t, seq, len) ? base | INET_ECN_ECT_0 : base;
}

/**
 * The ECN flags of a non-SYN segment (Linux tcp_ecn_send): CWR on the first
 * new data segment after a reduction, ECE while the peer's CE is not yet
 * answered by CWR. An ACK leaving settles a pending ACK-now.
 */
export function ecnSendFlags(t: Tcb, seq: number, len: number, flags: number): number {
  let f = t.ecnFlags;
  if (!(f & TCP_ECN_OK)) return flags;
  if (f & TCP_ECN_QUEUE_CWR && newData(t, seq, len)) {
    f &= ~TCP_ECN_QUEUE_CWR;
    flags |= CWR;
  }
  if (f & TCP_ECN_DEMAND_CWR) flags |= ECE;
  if (flags & ACK) f &= ~ECN_ACK_NOW;
  t.ecnFlags = f;
  return flags;
}

/** A cwnd reduction began (fast recovery, RTO, a repaired loss probe): the next new data carries CWR (Linux tcp_ecn_queue_cwr). */
export function ecnQueueCwr(t: Tcb): void {
  if (t.ecnFlags & TCP_ECN_OK) t.ecnFlags |= TCP_ECN_QUEUE_CWR;
}

/** The reduction was undone: no CWR to announce (Linux tcp_ecn_withdraw_cwr). */
export function ecnWithdrawCwr(t: Tcb): void {
  if (t.ecnFlags & TCP_ECN_QUEUE_CWR) t.ecnFlags &= ~TCP_ECN_QUEUE_CWR;
}

/**
 * The ECN half of an ACK (Linux tcp_ack / tcp_fastretrans_alert), before
 * loss detection and the congestion-control update: the peer's CWR ends
 * our ECE (tcp_ecn_accept_cwr), an ACK past the end of a CWR episode ends
 * it (state CWR → Open, cwnd = ssthresh), and an ECN-Echo with data
 * outstanding enters CWR (tcp_enter_cwr) — or, in recovery or loss, just
 * forbids the undo. `newlySacked`: bytes this ACK newly SACKed (for
 * tcpi_delivered_ce and TCPDeliveredCE).
 */
export function ecnAck(tl: TcpLayer, t: Tcb, seg: Segment, newlySacked: number): void {
  const flags = seg.flags;
  const ack = seg.ack;
  if (seqLt(ack, t.sndUna)) return; // an old ACK (Linux tcp_ack: old_ack skips all of it)
  let f = t.ecnFlags;
  if (flags & CWR && f & TCP_ECN_OK) {
    // Linux accepts CWR on pure ACKs too; a data segment with it is ACKed at once (the sender's cwnd may be 1).
    f &= ~TCP_ECN_DEMAND_CWR;
    if (seg.data.length || flags & (SYN | FIN)) f |= ECN_ACK_NOW;
    t.ecnFlags = f;
  }
  if (t.sndUna === t.sndMax) return; // nothing was outstanding (Linux: no_queue)
  const newUna = seqGt(ack, t.sndUna) ? ack : t.sndUna;
  // CWR is held until something *above* high_seq is acknowledged, so the CWR bit has reached the peer.
  if (t.caState === "cwr" && seqGt(newUna, t.recover)) t.cc.exitRecovery();
  if (!(f & TCP_ECN_OK) || !(flags & ECE) || flags & SYN) return;
  const delivered = Math.ceil(((newUna - t.sndUna) >>> 0) / t.mss) + Math.ceil(newlySacked / t.mss);
  if (delivered > 0) {
    t.deliveredCe += delivered;
    const c = tl.ctx.counters;
    c.inc(c.TcpExt, "TCPDeliveredCE", delivered);
  }
  // tcp_fastretrans_alert: "ECE, hence prohibit cwnd undoing, the reduction is required".
  enterCwr(tl, t);
}

/**
 * Linux tcp_enter_cwr (an ECN-Echo, or a segment the local qdisc dropped):
 * from Open or Disorder a one-window PRR reduction starts (CWR state, up
 * to snd.max; tcp_init_cwnd_reduction, which also queues CWR for the
 * peer); in every state a later undo keeps the reduction (prior_ssthresh = 0).
 */
export function enterCwr(tl: TcpLayer, t: Tcb): void {
  const cc = t.cc;
  const st = cc.state;
  if (st === "open" || st === "disorder") {
    cc.enterCwr(tl.ctx.scheduler.now(), t.cwnd);
    t.undoMarker = -1;
    t.recover = t.sndMax;
    if (t.sentLog) t.sentLog.tlpHighSeq = -1;
    ecnQueueCwr(t);
  }
  cc.forbidUndo();
}

// ---- the receiver ----------------------------------------------------------

/** Linux tcp_enter_quickack_mode: up to `max` quick ACKs, interactive mode off, ATO at its minimum. */
function enterQuickAckMode(t: Tcb, max: number): void {
  const q = Math.min(Math.floor(t.rwin.rcvWnd / (2 * t.rcvMss)) || 2, max);
  if (q > t.quickAcks) t.quickAcks = q;
  t.pingpong = false;
  t.ato = TCP_ATO_MIN;
}

/**
 * Data arrived with IP ECN field `tos & 3` (Linux tcp_ecn_check_ce, from
 * tcp_event_data_recv and tcp_data_queue_ofo): CE demands ECE on our ACKs
 * until the peer's CWR, the first one with quick ACKs; ECT or CE marks
 * the connection ECN-seen; Not-ECT after that gets quick ACKs.
 */
export function ecnCheckCe(t: Tcb, tos: number): void {
  let f = t.ecnFlags;
  if (!(f & TCP_ECN_OK)) return;
  switch (tos & INET_ECN_MASK) {
    case INET_ECN_NOT_ECT:
      // "Ensure that GCN will not continue to mark packets."
      if (f & TCP_ECN_SEEN) enterQuickAckMode(t, 2);
      break;
    case INET_ECN_CE:
      if (!(f & TCP_ECN_DEMAND_CWR)) {
        // Better not delay ACKs: the sender may have a very small cwnd.
        enterQuickAckMode(t, 2);
        f |= TCP_ECN_DEMAND_CWR;
      }
      f |= TCP_ECN_SEEN;
      break;
    default:
      f |= TCP_ECN_SEEN;
  }
  t.ecnFlags = f;
}

/** A data segment with CWR is waiting for its immediate ACK. */
export function ecnAckNow(t: Tcb): boolean {
  return (t.ecnFlags & ECN_ACK_NOW) !== 0;
}
