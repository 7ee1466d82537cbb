/**
 * ACK processing, the sender's half of input (RFC 9293 §3.10.7.4 fifth;
 * RFC 5961 §5; Linux tcp_ack): the window update, RTT samples (RFC 6298,
 * Karn), congestion control, SACK (RFC 2018, RFC 6675) with NewReno
 * recovery (RFC 6582), fast retransmit and limited transmit (RFC 5681,
 * RFC 3042), D-SACK undo (RFC 2883, RFC 3708), and the state changes when
 * our FIN is acknowledged.
 */
import { zeroCopyAcked } from "./zerocopy.js";
import { POLLOUT, POLLWRNORM } from "../core/poll-events.js";
import { seqGe, seqGt, seqLe, seqLt, seqMax, seqMin } from "../core/seq.js";
import { sndbufExpand } from "./autotune.js";
import { destroy, enterTimeWait, enteredFinWait2 } from "./lifecycle.js";
import { challengeAck } from "./oow-ack.js";
import { currentMss, isCwndLimited, lossSample, pipeBytes, retransmitNext, retransmitRange, tcpOutput, transmit } from "./output.js";
import { SackScoreboard } from "./sack-scoreboard.js";
import { ACK, ECE, FIN, PSH, SYN, type Segment } from "./segment.js";
import { retransStampCleanup } from "./retrans-stamp.js";
import { updateMss } from "./setup.js";
import type { Tcb } from "./tcb.js";
import type { CaState } from "./congestion/congestion-control.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";
import { armRetransmit, rearm, restartRetransmit, stopRetransmit } from "./timers.js";
import { type SentLog, TCP_RACK_RECOVERY_THRESH, rackMarkLost, rackSackTag, rackUpdateReoWnd, rackReorderingSeen } from "./rack.js";
import { dsackCoversTlp, processTlpAck, setXmitTimer } from "./tlp.js";
import { processLoss } from "./loss.js";
import { TCP_ECN_OK, ecnAck, ecnQueueCwr, ecnWithdrawCwr } from "./ecn.js";
import { mtuProbeAcked, mtuProbeLost, mtupSyncPending } from "./mtu-probe.js";
import { txTimestampAcked } from "./tx-timestamp.js";
import { chronoStop, chronoWritable, TCP_CHRONO_BUSY } from "./chrono.js";
import { notsentFree } from "./notsent-lowat.js";
import { rateAckBegin, rateAckEnd } from "./rate-control.js";

/** SACK blocks trimmed to whole segments (rack.ts alignSack), reused per ACK. */
const sackAligned: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
/** Reused result of SentLog.ack. */
const logAck = { segs: 0, reord: -1, lastAckt: -1 };

/**
 * ACK processing (RFC 9293 §3.10.7.4 fifth; RFC 5961 §5; RFC 6298; RFC
 * 5681/6582/6675). Returns false when the segment must be dropped.
 */
export function processAck(tl: TcpLayer, t: Tcb, seg: Segment): boolean {
  const c = tl.ctx.counters;
  const now = tl.ctx.scheduler.now();
  const ack = seg.ack;
  // RFC 5961 §5.2: an ACK below snd.una − max window is blind injection.
  if (seqLt(ack, (t.sndUna - Math.max(t.maxWindow, 1)) >>> 0)) {
    challengeAck(tl, t, false);
    return false;
  }
  if (seqGt(ack, t.sndMax)) {
    // Acknowledges something not yet sent: RFC 9293 §3.10.7.4 and RFC 5961 §5.2 say send an ACK
    // and drop the segment. Linux 6.18 does, in every synchronized state, as a challenge ACK
    // rate-limited like the others (checked on this machine's kernel:
    // test/tcp/linux-input-states-probe.py; src/tcp/input-states.test.ts); FreeBSD too (dropafterack).
    c.inc(c.Sockstack, "TcpAckUnsentData");
    challengeAck(tl, t, false);
    return false;
  }
  // Linux tcp_ack: an ACK without data or FIN is TCPHPAcks when header prediction took it (an
  // established connection's ACK that advances snd.una) and TCPPureAcks otherwise (sockstack has no
  // separate fast path and applies that rule to every pure ACK).
  if (seg.data.length === 0 && !(seg.flags & (SYN | FIN))) {
    // Named stores (per ACK), not c.inc's megamorphic keyed one.
    const x = c.TcpExt;
    if (t.state === TcpState.ESTABLISHED && seqGt(ack, t.sndUna)) x.TCPHPAcks = (x.TCPHPAcks ?? 0) + 1;
    else x.TCPPureAcks = (x.TCPPureAcks ?? 0) + 1;
  }
  t.lastAckRecv = now;
  t.probesOut = 0;
  t.probesStamp = -1;
  // SACK information (RFC 2018, RFC 6675).
  let newlySacked = 0;
  let dsacking = false;
  let dsackTlp = false;
  const log = t.sentLog;
  const priorDelivered = log ? log.delivered : 0;
  if (log) log.origAckedEnd = -1;
  // Linux tcp_ack's prior_fack: the highest SACKed sequence before this ACK's SACK blocks are tagged.
  const priorFack = log ? log.highestSackSeq(t.sndUna) : t.sndUna;
  // A rate-based congestion control (BBR): this ACK's delivery-rate sample (rate-control.ts).
  const rate = log !== null ? log.rate : null;
  const priorLost = log !== null ? log.lost : 0;
  if (rate !== null) rateAckBegin(rate, Math.ceil(pipeBytes(t) / t.mss));
  if (t.sackOk && seg.sack && seg.sack.length) {
    const sb = (t.sb ??= new SackScoreboard(t.mss, t.reordering));
    let blocks: ArrayLike<number> = seg.sack;
    let nb = seg.sack.length >> 1;
    if (log) {
      // Linux tags whole segments only: a block covering part of one SACKs nothing.
      nb = log.alignSack(seg.sack, nb, ack, sackAligned);
      blocks = sackAligned;
    }
    const u = sb.update(ack, t.sndUna, t.sndMax, blocks, nb);
    newlySacked = u.newlySacked;
    t.delivered += Math.ceil(newlySacked / t.mss);
    if (log && newlySacked > 0) rackSackTag(tl, t, log, blocks, nb, u.dsack ? 1 : 0);
    if (u.dsack) {
      c.inc(c.TcpExt, "TCPDSACKRecv");
      // Linux tcp_dsack_seen: a D-SACK longer than any window offered, or reporting more duplicates
      // than we ever retransmitted, is dubious — somebody replayed old data at the peer — and ignored.
      const len = (u.dsackEnd - u.dsackStart) >>> 0;
      t.dsackDups += len > t.mss ? Math.ceil(len / t.mss) : 1;
      if (len > t.maxWindow || t.dsackDups > t.totalRetrans) {
        c.inc(c.TcpExt, "TCPDSACKIgnoredDubious");
      } else {
        dsacking = true;
        if (log) {
          log.dsackSeen = true;
          dsackTlp = dsackCoversTlp(t, u.dsackStart, u.dsackEnd);
        }
        dsackReceived(tl, t, u.dsackStart, u.dsackEnd);
      }
    }
  }
  const oldWnd = t.sndWnd;
  // Window update (RFC 9293: SND.WL1 < SEG.SEQ or (= and SND.WL2 ≤ SEG.ACK)).
  if (seqLt(t.sndWl1, seg.seq) || (t.sndWl1 === seg.seq && seqLe(t.sndWl2, ack))) {
    t.sndWnd = seg.window << t.sndWscale;
    t.sndWl1 = seg.seq;
    t.sndWl2 = ack;
    if (t.sndWnd > t.maxWindow) {
      t.maxWindow = t.sndWnd;
      updateMss(t);
    }
  }
  // ECN (ecn.ts): the peer's CWR, the end of a CWR episode, an ECN-Echo's window reduction.
  if (t.ecnFlags !== 0 || t.caState === "cwr") ecnAck(tl, t, seg, newlySacked);
  const unaAdvanced = seqGt(ack, t.sndUna);
  const dupack = !unaAdvanced && ack === t.sndUna && seg.data.length === 0 && !(seg.flags & (SYN | FIN)) && t.sndWnd === oldWnd && seqLt(t.sndUna, t.sndMax);
  const priorCa = t.caState;
  // Linux tcp_ack_is_dubious (FLAG_NOT_DUP, FLAG_CA_ALERT, not Open): tcp_fastretrans_alert runs.
  const dubious = dupack || newlySacked > 0 || dsacking || ((seg.flags & ECE) !== 0 && (t.ecnFlags & TCP_ECN_OK) !== 0) || priorCa !== "open";
  // tcp_fastretrans_alert step D: in Open, no retransmission episode is going on.
  if (dubious && priorCa === "open") t.retransStamp = 0;
  if (log && log.rack) {
    // RACK-TLP (rack.ts, tlp.ts): Linux's loss detection for SACK connections.
    const priorRetransStamp = t.retransStamp;
    if (unaAdvanced) newAck(tl, t, seg, newlySacked, priorFack);
    rackAck(tl, t, log, seg, newlySacked, unaAdvanced, dupack, dsacking, dsackTlp, priorDelivered, priorCa, priorRetransStamp);
  } else if (unaAdvanced) {
    newAck(tl, t, seg, newlySacked, priorFack);
    if (log) processTlpAck(tl, t, ack, { unaAdvanced: true, notDup: true, dsackTlp });
  } else if (dupack) {
    // What counts as loss evidence (Linux tcp_ack / tcp_fastretrans_alert): an ACK carrying a D-SACK
    // is no duplicate ACK (FLAG_DSACKING_ACK → num_dupack = 0) — it reports data received twice,
    // which anybody can cause by replaying old data at the receiver. With SACK, only ACKs that SACK
    // new data count (Linux counts SACKed segments, sacked_out, not ACKs). Without SACK every
    // duplicate ACK counts (RFC 5681, Linux tcp_add_reno_sack).
    if (!dsacking && (!t.sackOk || newlySacked > 0)) duplicateAck(tl, t, newlySacked);
  }
  // tcp_try_to_open (reached by a dubious ACK that leaves the connection in Open, Disorder or CWR, the
  // one ending Recovery or Loss included): no retransmission outstanding, so the episode's stamp goes.
  if (dubious && t.caState !== "recovery" && t.caState !== "loss") retransStampCleanup(t);
  if (rate !== null) rateAckEnd(tl, t, log!, rate, priorDelivered, priorLost, Math.ceil(pipeBytes(t) / t.mss));
  // The window opened: stop probing.
  if (t.sndWnd > 0 && (t.persistAt >= 0 || t.probeBackoff)) {
    t.persistAt = -1;
    t.probeBackoff = 0;
    rearm(tl, t);
  }
  return true;
}

/** An ACK that acknowledges new data; `priorFack` is the highest SACKed sequence before its SACK blocks (Linux prior_fack). */
export function newAck(tl: TcpLayer, t: Tcb, seg: Segment, newlySacked: number, priorFack: number): void {
  const now = tl.ctx.scheduler.now();
  const ack = seg.ack;
  const acked = (ack - t.sndUna) >>> 0;
  // Our FIN acknowledged?
  let finAcked = false;
  if (t.finSent && seqGe(ack, (t.finSeq + 1) >>> 0)) {
    finAcked = true;
  }
  // Data bytes acknowledged (the SYN and FIN occupy sequence space but not the buffer).
  const bufAcked = Math.min(t.sndBuf.length, (seqMin(ack, t.dataEnd) - t.sndBufSeq) | 0);
  if (bufAcked > 0) {
    // SO_TIMESTAMPING's ACK entries, with the acknowledged segment's data (before the buffer drops it).
    if (t.zc !== null) txTimestampAcked(tl, t, ack, (seq) => ackedSegmentData(t, seq, bufAcked));
    t.sndBuf.acknowledge(bufAcked);
    t.sndBufSeq = (t.sndBufSeq + bufAcked) >>> 0;
    t.bytesAcked += bufAcked;
    zeroCopyAcked(tl, t); // MSG_ZEROCOPY ranges whose data is all acknowledged go on the error queue
  }
  t.sndUna = ack;
  if (t.mtup !== null) mtuProbeAcked(tl, t, ack); // tcp_clean_rtx_queue: an acknowledged MTU probe succeeded
  if (seqLt(t.sndNxt, ack)) t.sndNxt = ack;
  if (seqLt(t.highRxt, ack)) t.highRxt = ack;
  const sackedBefore = t.sb ? t.sb.sackedBytes : 0;
  t.sb?.advance(ack);
  // Bytes SACKed earlier and now cumulatively acknowledged: already counted as delivered.
  const wasSacked = t.sb ? sackedBefore - t.sb.sackedBytes : 0;
  const priorDupAcks = t.dupAcks;
  t.dupAcks = 0;
  const log = t.sentLog;
  // Linux ca_rtt_us: the RTT of the most recently sent segment this ACK delivered (congestion control's sample).
  let caRtt = -1;
  if (log) {
    // Segments cumulatively acknowledged: RACK advances; one delivered below the highest
    // SACK without having been SACKed or retransmitted was reordered (tcp_clean_rtx_queue).
    const r = log.ack(ack, now, t.rtt.minRtt, logAck);
    if (r.lastAckt >= 0) caRtt = now - r.lastAckt;
    if (log.rack && r.reord >= 0 && seqLt(r.reord, priorFack)) rackReorderingSeen(tl, t, log, r.reord, log.highestSackSeq(ack));
  }
  // RTT (RFC 6298 with Karn's algorithm: no sample from retransmitted data).
  let rtt = -1;
  if (t.rttTime >= 0 && seqGe(ack, t.rttSeq)) {
    rtt = now - t.rttTime;
    t.rttTime = -1;
  } else if (t.tsOk && seg.hasTs && seg.tsEcr !== 0 && t.retransmits === 0 && t.retransOut === 0) {
    rtt = Math.max(0, (((now / 1000) | 0) + t.tsOffset - seg.tsEcr) >>> 0) * 1000;
    if (rtt > 60_000_000) rtt = -1;
  }
  if (rtt >= 0) t.rtt.sample(rtt, true, now);
  if (t.retransmits) {
    t.retransmits = 0;
    t.rtt.resetBackoff();
  }
  if (!seqLt(ack, t.highRxt) || !seqLt(ack, t.sndMax)) t.retransOut = 0;
  else if (t.retransOut > 0) t.retransOut = Math.max(0, t.retransOut - Math.ceil(acked / t.mss));
  // Congestion control.
  const ca = t.cc.state;
  const mss = t.mss;
  const s = tl.rx.sample;
  s.now = now;
  s.ack = ack;
  s.sndNxt = t.sndNxt;
  // Linux acked_sacked (the delivered count's growth): with RACK's sent log, data SACKed before is
  // not delivered again (the FreeBSD personality counts every byte acknowledged).
  s.ackedSacked = Math.max(1, Math.ceil((acked - (t.sentLog ? wasSacked : 0) + newlySacked) / mss));
  // Without SACK, Linux counts each duplicate ACK as a segment delivered (tcp_add_reno_sack); the ACK that
  // then moves snd.una delivers only the rest, at least one (tcp_remove_reno_sacks).
  if (!t.sackOk && priorDupAcks > 0) s.ackedSacked = Math.max(1, Math.ceil(acked / mss) - priorDupAcks);
  t.delivered += Math.ceil(Math.max(0, acked - wasSacked) / mss); // tcp_clean_rtx_queue: segments newly acknowledged
  // Congestion control's RTT sample (Linux ack_sample.rtt_us = ca_rtt_us): every ACK of data sent once
  // gives one when the sent log keeps transmit times; else the estimator's sample.
  s.rtt = log ? caRtt : rtt;
  s.unaAdvanced = true;
  s.newlyLost = 0;
  s.inflight = Math.ceil(pipeBytes(t) / mss);
  s.cwndLimited = isCwndLimited(t);
  if (ca === "recovery") {
    if (seqGe(ack, t.recover)) {
      t.cc.exitRecovery();
      // Linux tcp_try_undo_recovery: a recovery that ends counts down the widened RACK window.
      if (log && log.reoWndPersist > 0) log.reoWndPersist--;
    } else {
      // Partial ACK (RFC 6582 §3.2 step 5): retransmit the next hole at once.
      t.cc.onAck(s);
      if (!t.sackOk) {
        t.highRxt = ack;
        retransmitNext(tl, t);
      }
    }
  } else if (ca === "loss") {
    // Without RACK, the go-back's end; with it, tcp_process_loss (loss.ts) then this sample, in rackAck.
    if (!log || !log.rack) {
      t.cc.onAck(s);
      if (seqGe(ack, t.recover)) t.cc.exitLoss();
    }
  } else {
    if (ca === "disorder") t.cc.toOpen();
    t.cc.onAck(s);
  }
  sndbufExpand(tl, t, true);
  // Timer (RFC 6298 §5.2/5.3).
  if (t.sndUna === t.sndMax) stopRetransmit(tl, t);
  else if (log && log.rack && !t.sb?.isSacked(ack)) {
    // Linux tcp_set_xmit_timer after tcp_clean_rtx_queue: a loss probe, or the RTO (rackAck may
    // replace it by the reordering timer).
    setXmitTimer(tl, t);
  } else if (t.sb?.isSacked(ack)) {
    // Linux tcp_check_sack_reneging: snd.una moved onto data the peer SACKed earlier, so the
    // peer dropped it from its out-of-order queue (tcp_prune_ofo_queue). Don't wait a whole RTO:
    // time out after max(SRTT/2, 10 ms), and the timeout forgets the SACKs (retransmitTimer).
    t.rtoAt = now + Math.max(t.rtt.srtt >> 1, 10_000);
    t.xmitTimer = 0;
    t.persistAt = -1;
    rearm(tl, t);
  } else restartRetransmit(tl, t);
  // Nothing left in flight (Linux tcp_clean_rtx_queue: the retransmission queue is empty).
  if (t.chrono !== null && seqGe(ack, t.sndMax)) chronoStop(t, TCP_CHRONO_BUSY, now);
  // Writers may continue (D7).
  if (t.sndBuf.isWritable() && notsentFree(tl, t, true)) {
    if (t.chrono !== null) chronoWritable(t, now); // SOCK_NOSPACE cleared: no longer sndbuf-limited (tcp_check_space)
    t.wake(POLLOUT | POLLWRNORM);
    tl.ctx.notifyWake();
  }
  if (finAcked) ourFinAcked(tl, t);
}

/**
 * A D-SACK (RFC 2883) reported data the receiver got twice. If it covers a
 * retransmission of the current loss episode, that retransmission was
 * spurious; when all of them were (Linux tcp_try_undo_dsack, RFC 3708),
 * the window reduction is undone — and since the "loss" was reordering,
 * the duplicate threshold rises to the distance seen (Linux
 * tcp_check_sack_reordering), so the same reordering no longer triggers
 * fast retransmit.
 */
export function dsackReceived(tl: TcpLayer, t: Tcb, start: number, end: number): void {
  if (t.undoMarker < 0 || seqLt(start, t.undoMarker) || t.undoRetrans <= 0) return;
  const segs = Math.max(1, Math.ceil(((end - start) >>> 0) / t.mss));
  t.undoRetrans = Math.max(0, t.undoRetrans - segs);
  const high = t.sb?.highSacked;
  if (high !== undefined && seqGt(high, start)) {
    const degree = Math.floor(((high - start) >>> 0) / t.mss) + 1;
    if (degree > t.reordering) {
      t.reordering = Math.min(degree, tl.ctx.sysctl.tcp_max_reordering);
      if (t.sb) t.sb.dupThresh = t.reordering;
      tl.ctx.counters.inc(tl.ctx.counters.TcpExt, "TCPSACKReorder");
    }
  }
  // In Loss under RACK the undo waits for an ACK advancing snd.una (loss.ts, Linux tcp_try_undo_loss).
  const st = t.cc.state;
  if (t.undoRetrans === 0 && (st === "recovery" || (st === "loss" && !t.sentLog?.rack) || st === "open")) {
    const ssthresh = t.cc.ssthresh;
    t.cc.undo();
    if (t.cc.ssthresh > ssthresh) ecnWithdrawCwr(t);
    t.undoMarker = -1;
    // Linux tcp_try_undo_dsack: the spurious recovery gives the RACK window one more to persist.
    if (t.sentLog) t.sentLog.reoWndPersist = Math.min(TCP_RACK_RECOVERY_THRESH, t.sentLog.reoWndPersist + 1);
    tl.ctx.counters.inc(tl.ctx.counters.TcpExt, "TCPDSACKUndo");
  }
}

/**
 * The loss-detection half of an ACK under RACK (Linux tcp_fastretrans_alert
 * with tcp_is_rack, and tcp_process_tlp_ack): adapt the reordering window,
 * judge an outstanding loss probe, mark segments lost (or arm the
 * reordering timer), enter fast recovery when something is lost, and let
 * PRR account for a duplicate ACK. The retransmissions themselves are the
 * transmit loop's (output.ts retransmitNext), run after the ACK.
 */
function rackAck(tl: TcpLayer, t: Tcb, log: SentLog, seg: Segment, newlySacked: number, unaAdvanced: boolean, dupack: boolean, dsacking: boolean, dsackTlp: boolean, priorDelivered: number, priorCa: CaState, priorRetransStamp: number): void {
  const c = tl.ctx.counters;
  const now = tl.ctx.scheduler.now();
  rackUpdateReoWnd(tl, log, priorDelivered);
  processTlpAck(tl, t, seg.ack, { unaAdvanced, notDup: !dupack || newlySacked > 0, dsackTlp });
  if (dupack) t.dupAcks++;
  // tcp_process_loss (loss.ts): undo, F-RTO, the end of the episode.
  if (priorCa === "loss" && t.cc.state === "loss") processLoss(tl, t, log, seg, unaAdvanced, newlySacked > 0 || dupack, priorRetransStamp);
  // Linux tcp_cong_control after tcp_fastretrans_alert: the window grows from what an undo restored (newAck's sample).
  if (unaAdvanced && priorCa === "loss") {
    const s = tl.rx.sample;
    s.inflight = Math.ceil(pipeBytes(t) / t.mss);
    s.cwndLimited = isCwndLimited(t); // tcp_is_cwnd_limited with the window as it is now
    t.cc.onAck(s);
  }
  const st = t.cc.state;
  // tcp_ack_is_dubious: a duplicate, SACKs or D-SACKs, or not in Open state — before this ACK: an
  // ACK that ended Recovery or Loss (or undid it) still looks for losses RACK can now see.
  if (!(dupack || newlySacked > 0 || dsacking || st !== "open" || priorCa !== "open")) return;
  rackMarkLost(tl, t, log);
  // In Loss, a retransmission found lost again (FLAG_LOST_RETRANS) falls through to fast recovery.
  if (log.lostSegs > 0 && st !== "recovery" && (st !== "loss" || log.lostRetransAck > 0)) {
    if (st !== "loss" && t.mtup !== null && mtuProbeLost(tl, t)) return probeRetransmit(tl, t);
    // tcp_time_to_recover, "the loss is proven": fast recovery (tcp_enter_recovery).
    c.inc(c.TcpExt, "TCPSackRecovery");
    enterFastRecovery(t, now);
    log.tlpHighSeq = -1;
    log.frtoHold = false; // REXMIT_LOST overrides F-RTO's new data
    // An ACK that advanced snd.una: PRR for what it delivered (Linux tcp_cong_control runs after
    // tcp_fastretrans_alert; a duplicate ACK gets it below).
    if (unaAdvanced) t.cc.onAck(lossSample(tl, t, Math.max(1, log.delivered - priorDelivered), true, 0));
  }
  if (dupack || (!unaAdvanced && newlySacked > 0)) {
    // PRR (or Open → Disorder) for what this ACK SACKed.
    const s = tl.rx.sample;
    s.now = now;
    s.ack = t.sndUna;
    s.sndNxt = t.sndNxt;
    s.ackedSacked = Math.max(0, Math.ceil(newlySacked / t.mss));
    // Linux tcp_may_raise_cwnd: outside a reduction, SACKed data grows cwnd only once the
    // reordering degree exceeds tcp_reordering; PRR counts it always.
    const st2 = t.cc.state;
    if (st2 !== "recovery" && st2 !== "cwr" && t.reordering <= tl.ctx.sysctl.tcp_reordering) s.ackedSacked = 0;
    s.rtt = -1;
    s.unaAdvanced = false;
    s.newlyLost = 0;
    s.inflight = Math.ceil(pipeBytes(t) / t.mss);
    s.cwndLimited = isCwndLimited(t); // Linux tcp_cong_avoid → tcp_is_cwnd_limited, for SACKed data too
    t.cc.onDupAck(s);
  }
  if (t.cc.state === "recovery" && st !== "recovery") {
    const before = t.totalRetrans;
    tcpOutput(tl, t);
    if (t.totalRetrans > before) c.inc(c.TcpExt, "TCPFastRetrans");
  }
  if (log.frtoHold) {
    // F-RTO step 2.b (tcp_xmit_recovery, REXMIT_NEW): new data now; none could go — conventional recovery.
    tcpOutput(tl, t);
    if (!seqGt(t.sndNxt, t.recover)) log.frto = log.frtoHold = false;
  }
}

/** State changes when our FIN is acknowledged (RFC 9293 §3.10.7.4). */
export function ourFinAcked(tl: TcpLayer, t: Tcb): void {
  switch (t.state) {
    case TcpState.FIN_WAIT1:
      tl.setState(t, TcpState.FIN_WAIT2);
      enteredFinWait2(tl, t);
      t.wake(POLLOUT);
      break;
    case TcpState.CLOSING:
      enterTimeWait(tl, t);
      break;
    case TcpState.LAST_ACK:
      destroy(tl, t);
      break;
  }
}

/**
 * Enters fast recovery (Linux tcp_enter_recovery): recovery point at
 * snd.max, congestion control's reduction (and, with ECN, a CWR queued for
 * the next new data segment), the undo marker set (RFC 2883
 * D-SACK / Eifel undo counts retransmissions from here), RTT sampling off.
 * Holes retransmitted in an earlier episode stay retransmitted (HighRxt is
 * not moved back: Linux keeps per-segment RETRANS marks across episodes;
 * resending them would only produce duplicates).
 */
function enterFastRecovery(t: Tcb, now: number): void {
  retransStampCleanup(t); // 6.x tcp_enter_recovery: the clock starts with this fast retransmit
  t.recover = t.sndMax;
  t.highRxt = seqMax(t.highRxt, t.sndUna);
  t.cc.enterRecovery(now, Math.ceil(pipeBytes(t) / t.mss));
  ecnQueueCwr(t);
  t.undoMarker = t.sndUna;
  t.undoRetrans = 0;
  t.rttTime = -1;
}

/** A duplicate ACK (RFC 5681 §3.2, RFC 6675 §5, RFC 3042 limited transmit). */
export function duplicateAck(tl: TcpLayer, t: Tcb, newlySacked: number): void {
  const c = tl.ctx.counters;
  const now = tl.ctx.scheduler.now();
  t.dupAcks++;
  const s = tl.rx.sample;
  s.now = now;
  s.ack = t.sndUna;
  s.sndNxt = t.sndNxt;
  s.ackedSacked = t.sackOk ? Math.max(0, Math.ceil(newlySacked / t.mss)) : 1;
  s.rtt = -1;
  s.unaAdvanced = false;
  s.newlyLost = 0;
  s.inflight = Math.ceil(pipeBytes(t) / t.mss);
  s.cwndLimited = isCwndLimited(t);
  const ca = t.cc.state;
  if (ca === "recovery" || ca === "loss") {
    t.cc.onDupAck(s);
    tcpOutput(tl, t);
    return;
  }
  const lost = t.sb && !t.sb.isEmpty ? t.sb.isLost(t.sndUna) : false;
  if (t.dupAcks >= t.reordering || lost) {
    if (t.mtup !== null && mtuProbeLost(tl, t)) return probeRetransmit(tl, t);
    // Fast retransmit (RFC 5681 §3.2 step 4): enter recovery, retransmit the first hole.
    c.inc(c.TcpExt, t.sackOk ? "TCPSackRecovery" : "TCPRenoRecovery");
    enterFastRecovery(t, now);
    if (retransmitNext(tl, t)) {
      c.inc(c.TcpExt, "TCPFastRetrans");
      t.cc.onTransmit(1);
    }
    tcpOutput(tl, t);
    return;
  }
  // Linux tcp_may_raise_cwnd: outside a reduction a duplicate ACK grows cwnd only when it SACKed data and the
  // reordering degree exceeds tcp_reordering; a NewReno duplicate (tcp_add_reno_sack) never does.
  if (ca !== "cwr" && (!t.sackOk || t.reordering <= tl.ctx.sysctl.tcp_reordering)) s.ackedSacked = 0;
  t.cc.onDupAck(s);
  // Limited transmit (RFC 3042): a new segment for each of the first two duplicate ACKs.
  if (t.unsentBytes > 0) {
    const mss = currentMss(t);
    const len = Math.min(t.unsentBytes, mss);
    if (len === mss && !seqGt((t.sndNxt + len) >>> 0, (t.sndUna + t.sndWnd) >>> 0)) {
      const before = t.sndNxt;
      tcpOutputLimited(tl, t, len);
      if (t.sndNxt !== before) armRetransmit(tl, t);
    }
  }
}

/**
 * The MTU probe was lost (mtu-probe.ts mtuProbeLost; Linux
 * tcp_simple_retransmit, without a congestion response): what is longer
 * than the MSS goes again at the MSS — the probe's range, or everything
 * from SND.UNA when the MSS has shrunk below the segments sent after it
 * (a route change synced it) — then new data as the window allows.
 */
function probeRetransmit(tl: TcpLayer, t: Tcb): void {
  const p = t.mtup!;
  mtupSyncPending(t); // tcp_simple_retransmit's tcp_current_mss
  if (t.mss < p.probeMss) t.sndNxt = t.sndUna;
  else retransmitRange(tl, t, t.sndUna, p.probeSeqEnd);
  tcpOutput(tl, t);
}

/** Sends one new segment regardless of cwnd (limited transmit). */
export function tcpOutputLimited(tl: TcpLayer, t: Tcb, len: number): void {
  const seq = t.sndNxt;
  const off = (seq - t.sndBufSeq) >>> 0;
  if (tl.personality.writeRecords) len = t.sndBuf.recordLimit(off, len);
  const data = t.sndBuf.peek(off, len);
  const psh = tl.personality.writeRecords && t.sndBuf.pushAt(off + len);
  if (transmit(tl, t, seq, psh ? ACK | PSH : ACK, data)) {
    t.sndBuf.sent(off + len);
    t.sndNxt = (seq + len) >>> 0;
    if (seqGt(t.sndNxt, t.sndMax)) t.sndMax = t.sndNxt;
    t.bytesSent += len;
  }
}

/**
 * The data an ACK timestamp entry carries for the marked byte `seq` (Linux:
 * the acknowledged skb's payload): the segment's worth of bytes ending at it
 * (one MSS, from the send buffer before it drops the `bufAcked` bytes).
 */
function ackedSegmentData(t: Tcb, seq: number, bufAcked: number): Uint8Array {
  const end = Math.min(bufAcked, ((seq + 1 - t.sndBufSeq) >>> 0));
  const start = Math.max(0, end - currentMss(t));
  return t.sndBuf.peek(start, end - start).slice();
}
