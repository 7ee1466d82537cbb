/**
 * The Loss state of a RACK connection (Linux tcp_enter_loss,
 * tcp_timeout_mark_lost, tcp_process_loss, tcp_try_undo_loss,
 * tcp_try_undo_recovery, tcp_non_congestion_loss_retransmit in
 * tcp_input.c): what an RTO marks, how the episode ends, when it is undone.
 *
 * After an RTO nothing goes back to snd.una: every segment not SACKed is
 * marked lost in the sent log — except segments sent less than RACK.rtt
 * ago (after the first), which stay in flight — cwnd becomes what is
 * still in flight + 1, and the first segment is retransmitted at once.
 * Every later ACK lets the transmit loop (output.ts) walk the lost marks
 * as in fast recovery, as far as cwnd allows (Linux
 * tcp_xmit_retransmit_queue, TCPSlowStartRetrans), then send new data with
 * what cwnd has left. RACK keeps judging losses meanwhile: a
 * retransmission it finds lost again (TCPLostRetransmit) moves the
 * connection to fast recovery (tcp_fastretrans_alert's fall-through from
 * TCP_CA_Loss on FLAG_LOST_RETRANS), which retransmits it at once.
 *
 * The episode ends when snd.una reaches the recovery point (high_seq, the
 * snd.nxt of the RTO). It is undone — cwnd and ssthresh restored, the lost
 * marks cleared, TCPLossUndo — when an ACK that advances snd.una shows the
 * timeout spurious: all retransmissions of the episode D-SACKed, or a
 * timestamp echo older than the first retransmission (tcp_packet_delayed,
 * the Eifel test) — or, with F-RTO (`tcp_frto`, RFC 5682), when data never
 * retransmitted is delivered after the timeout ({@link processLoss}).
 *
 * A Fast Open SYN-ACK that leaves the SYN's data unacknowledged enters
 * Loss without a congestion signal ({@link nonCongestionLoss}): cwnd and
 * ssthresh stay, no undo is possible, and the data goes again at once.
 */
import { seqGe, seqGt, seqLe, seqLt } from "../core/seq.js";
import type { Micros } from "../core/time.js";
import { tsVal } from "./isn.js";
import type { Segment } from "./segment.js";
import type { SentLog } from "./sent-log.js";
import type { Tcb } from "./tcb.js";
import type { TcpLayer } from "./tcp-layer.js";
import { countLostRetrans } from "./rack.js";
import { ecnQueueCwr, ecnWithdrawCwr } from "./ecn.js";
import { pipeBytes, retransmitNext, tcpOutput } from "./output.js";

/**
 * The RTO of a RACK connection (Linux tcp_enter_loss and the first
 * retransmission of tcp_retransmit_timer): marks the lost segments, enters
 * Loss (one ssthresh reduction per episode, cwnd = in flight + 1, the undo
 * marker set when the reduction is new) and retransmits the first
 * segment. Returns false when there was nothing to retransmit (the caller
 * then goes back to snd.una).
 */
export function rackEnterLoss(tl: TcpLayer, t: Tcb, log: SentLog, now: Micros): boolean {
  const lostRetrans = log.timeoutMarkLost(now);
  if (lostRetrans) countLostRetrans(tl, t, lostRetrans);
  log.tlpHighSeq = -1;
  const st = t.cc.state;
  // F-RTO (RFC 5682 §3.1 step 1): for a new loss episode, or a timeout repeated on the same snd.una.
  log.frto = tl.ctx.sysctl.tcp_frto !== 0 && (st === "open" || st === "disorder" || st === "cwr" || t.retransmits > 0);
  log.frtoHold = false;
  if (st === "open" || st === "disorder") {
    // tcp_init_undo: the retransmissions from here on may prove the timeout spurious.
    t.undoMarker = t.sndUna;
    t.undoRetrans = t.retransOut;
  }
  t.cc.onRto(now, Math.ceil(pipeBytes(t) / t.mss));
  t.recover = t.sndMax;
  ecnQueueCwr(t);
  t.dupAcks = 0;
  t.rttTime = -1;
  if (t.retransStamp === 0) t.retransStamp = now;
  return retransmitNext(tl, t);
}

/** Linux tcp_packet_delayed: the ACK echoes a timestamp older than the episode's first retransmission. */
function packetDelayed(t: Tcb, seg: Segment, retransStamp: Micros): boolean {
  return retransStamp !== 0 && t.tsOk && seg.hasTs && seg.tsEcr !== 0 && seqLt(seg.tsEcr, tsVal(retransStamp, t.tsOffset));
}

/** Linux tcp_may_undo: an undo marker, and every retransmission D-SACKed or the original delivered. */
function mayUndo(t: Tcb, seg: Segment, retransStamp: Micros): boolean {
  return t.undoMarker >= 0 && (t.undoRetrans === 0 || packetDelayed(t, seg, retransStamp));
}

/** Linux tcp_try_undo_loss's undo (tcp_undo_cwnd_reduction with unmark_loss): cwnd and ssthresh back, no lost marks, state Open. */
function undoLoss(tl: TcpLayer, t: Tcb, log: SentLog, frto: boolean): void {
  const ssthresh = t.cc.ssthresh;
  t.cc.undo();
  if (t.cc.ssthresh > ssthresh) ecnWithdrawCwr(t);
  if (t.cc.state === "loss") t.cc.exitLoss();
  log.unmarkLost();
  log.frtoHold = false;
  t.undoMarker = -1;
  t.retransmits = 0;
  const c = tl.ctx.counters;
  c.inc(c.TcpExt, "TCPLossUndo");
  if (frto) c.inc(c.TcpExt, "TCPSpuriousRTOs");
}

/**
 * An ACK in Loss (Linux tcp_process_loss): an ACK advancing snd.una undoes
 * the episode when the timeout proves spurious (tcp_try_undo_loss). F-RTO
 * (RFC 5682 §3.1, SACK-enhanced): never-retransmitted data delivered below
 * the recovery point means the original flight was not lost — undone
 * (TCPSpuriousRTOs, step 3.b); the first ACK advancing snd.una moves the
 * recovery point to snd.nxt and, when unsent data fits the peer's window,
 * lets new data go before the lost marks until the next ACK (step 2.b:
 * {@link SentLog.frtoHold}); SACKs or a duplicate ACK after that new data
 * prove the loss (step 3.a: F-RTO off). Once snd.una reaches the recovery
 * point the episode is over (tcp_try_undo_recovery's end: state Open).
 * `dubious`: the ACK SACKed new data or was a duplicate; `retransStamp`:
 * the episode's first retransmission time as it was before this ACK.
 */
export function processLoss(tl: TcpLayer, t: Tcb, log: SentLog, seg: Segment, unaAdvanced: boolean, dubious: boolean, retransStamp: Micros): void {
  log.frtoHold = false;
  const recovered = seqGe(t.sndUna, t.recover);
  if (unaAdvanced && mayUndo(t, seg, retransStamp)) {
    undoLoss(tl, t, log, false);
    return;
  }
  if (log.frto) {
    if (log.origAckedEnd >= 0 && seqLe(log.origAckedEnd, t.recover)) {
      undoLoss(tl, t, log, true);
      return;
    }
    if (seqGt(t.sndNxt, t.recover)) {
      if (dubious) log.frto = false;
    } else if (unaAdvanced && !recovered) {
      t.recover = t.sndNxt;
      if (t.unsentBytes > 0 && seqGt((t.sndUna + t.sndWnd) >>> 0, t.sndNxt)) {
        log.frtoHold = true;
        return;
      }
      log.frto = false;
    }
  }
  if (!recovered) return;
  // tcp_try_undo_recovery: no undo (tested above), so the widened RACK window counts down.
  if (log.reoWndPersist > 0) log.reoWndPersist--;
  t.cc.exitLoss();
}

/**
 * Linux tcp_non_congestion_loss_retransmit: the marked segments must go
 * again, but the network did not signal congestion — enter Loss without
 * touching cwnd (ssthresh at least 3/4 of it, no undo), unless already in
 * it. The transmit loop then retransmits the lost marks at once.
 */
export function nonCongestionLoss(t: Tcb): void {
  if (t.cc.state === "loss") return;
  t.recover = t.sndMax;
  t.cc.enterNonCongestionLoss();
  t.undoMarker = -1;
}

/**
 * A smaller path MTU learned from ICMP (Linux tcp_simple_retransmit, for
 * an established connection): the segments that no longer fit the new
 * MSS (`mss`) are lost — RACK's sent log marks those longer than it (the
 * shorter ones stay in flight); without RACK, Loss goes back to snd.una
 * when the previous MSS (`priorMss`) was larger. When something is lost,
 * non-congestion Loss (no cwnd cut, no undo: {@link nonCongestionLoss})
 * and the transmit loop retransmits at once, in segments of the new MSS.
 */
export function simpleRetransmit(tl: TcpLayer, t: Tcb, mss: number, priorMss: number): void {
  const log = t.sentLog;
  if (log !== null && log.rack) {
    const lostRetrans = log.markLostLongerThan(mss);
    if (lostRetrans) countLostRetrans(tl, t, lostRetrans);
    if (log.lostSegs === 0) return;
    log.frtoHold = false;
  } else {
    if (priorMss <= mss || !seqLt(t.sndUna, t.sndMax)) return;
    t.sndNxt = t.sndUna;
  }
  nonCongestionLoss(t);
  tcpOutput(tl, t);
}
