/**
 * Data receive, the receiver's half of input (RFC 9293 §3.10.7.4 sixth to
 * eighth; Linux tcp_data_queue, tcp_fin, tcp_urg): in-order data to the
 * receive queue, out-of-order data to the out-of-order queue with SACK,
 * duplicates D-SACKed, receive-memory pruning, the peer's FIN, and urgent
 * data. When to ACK is delack.ts.
 */
import { POLLIN, POLLRDNORM, POLLRDHUP } from "../core/poll-events.js";
import { md5Lookup } from "./md5sig.js";
import { seqGt, seqLt } from "../core/seq.js";
import { EMPTY } from "../wire/packet.js";
import { ackSndCheck, eventDataRecv } from "./delack.js";
import { abort, enterTimeWait } from "./lifecycle.js";
import { OooQueue } from "./ooo-queue.js";
import { ecnAckNow, ecnCheckCe } from "./ecn.js";
import { sendAck, tcpOutput } from "./output.js";
import { sendResetFor } from "./control-out.js";
import { FIN, type Segment } from "./segment.js";
import type { Tcb } from "./tcb.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";
import { scheduleDelayedAck } from "./timers.js";
import { rxTimestampQueued } from "./tx-timestamp.js";

/**
 * Data and FIN (RFC 9293 §3.10.7.4 seventh and eighth): in-order data goes
 * to the receive queue (and pulls in-order out-of-order data after it),
 * out-of-order data to the out-of-order queue with SACK, duplicates are
 * D-SACKed; then the ACK is sent now or delayed (Linux __tcp_ack_snd_check).
 */
export function processData(tl: TcpLayer, t: Tcb, seg: Segment): void {
  const c = tl.ctx.counters;
  const now = tl.ctx.scheduler.now();
  const st = t.state;
  let ackNow = false;
  let data = seg.data;
  let seq = seg.seq;
  // The FIN may be queued: not when the data it ends was cut at the window's edge.
  let finInWindow = true;
  const finIn = st === TcpState.CLOSE_WAIT || st === TcpState.CLOSING || st === TcpState.LAST_ACK;
  if (finIn && !seqLt(seq, t.rcvNxt)) {
    // Linux tcp_rcv_state_process: once the peer's FIN is in, a segment at or beyond rcv.nxt
    // (new data, another FIN) is dropped before tcp_data_queue — no ACK (checked on Linux 6.18:
    // test/tcp/linux-input-states-probe.py D, D3, D4, D5).
    c.inc(c.Sockstack, "TcpAfterFin");
    tcpOutput(tl, t);
    return;
  }
  if (data.length > 0 && (t.rcvShutdown || finIn) && seqGt((seq + data.length) >>> 0, t.rcvNxt)) {
    // RFC 1122 4.2.2.13, Linux tcp_rcv_state_process (TCPAbortOnData): new data after the
    // receive side was shut down (close(), shutdown(SHUT_RD) — in FIN-WAIT-1/2 — or the peer's
    // own FIN: data beyond it) resets the connection, the RST answering this segment.
    if (st === TcpState.FIN_WAIT1 || st === TcpState.FIN_WAIT2 || finIn) {
      c.inc(c.TcpExt, "TCPAbortOnData");
      sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, seg.data.length, 0, -1, md5Lookup(t.md5, seg.saddr));
      if (st === TcpState.CLOSE_WAIT) c.inc(c.Tcp, "EstabResets");
      t.rcvBuf.clear();
      abort(tl, t, t.orphan ? null : tl.personality.resetErrno(st), false);
      return;
    }
  }
  if (data.length > 0) {
    // Trim what we already have (a partially duplicate segment).
    if (seqLt(seq, t.rcvNxt)) {
      const dup = (t.rcvNxt - seq) >>> 0;
      if (dup >= data.length) {
        c.inc(c.TcpExt, "DelayedACKLost");
        dsackOld(tl, t, seq, (seq + data.length) >>> 0);
        data = EMPTY;
        ackNow = true;
      } else {
        dsackOld(tl, t, seq, t.rcvNxt);
        if (t.sackOk && tl.personality.ackPartialDuplicate) ackNow = true;
        data = data.subarray(dup);
        seq = t.rcvNxt;
      }
    }
    // Trim beyond the window.
    const wnd = t.rwin.receiveWindow(t.rcvNxt);
    const maxLen = ((t.rcvNxt + wnd - seq) | 0);
    if (data.length > maxLen) {
      data = maxLen > 0 ? data.subarray(0, maxLen) : EMPTY;
      finInWindow = false;
    }
  }
  if (data.length > 0) {
    // Receive memory (Linux tcp_try_rmem_schedule): over the buffer, collapse and prune; if that
    // cannot make room, the segment is dropped without an ACK (TCPRcvQDrop / TCPOFODrop).
    // In-order data into an empty receive queue is always taken (Linux sk_forced_mem_schedule).
    const inOrder = seq === t.rcvNxt;
    if ((!inOrder || t.rcvBuf.length > 0) && t.rmemAlloc() > t.rcvBuf.rcvbuf && !tcpPruneQueue(tl, t, seq)) {
      c.inc(c.TcpExt, inOrder ? "TCPRcvQDrop" : "TCPOFODrop");
      tcpOutput(tl, t);
      return;
    }
  }
  if (data.length > 0) {
    t.dataSegsIn++;
    if (seq === t.rcvNxt) {
      // In order.
      eventDataRecv(tl, t, data.length, now);
      t.rcvBuf.push(data);
      t.bytesReceived += data.length;
      t.rcvNxt = (t.rcvNxt + data.length) >>> 0;
      if (t.ooo && !t.ooo.isEmpty) {
        const before = t.rcvNxt;
        t.rcvNxt = t.ooo.drain(t.rcvNxt, (v) => t.rcvBuf.push(v));
        t.bytesReceived += (t.rcvNxt - before) >>> 0;
        ackNow = true; // filling a hole: ACK at once (RFC 5681 §4.2)
        // The FIN queued beyond the hole is now in order (Linux tcp_ofo_queue → tcp_fin).
        if (t.ooo.takeFin(t.rcvNxt)) finReceived(tl, t);
      }
      if (t.zc !== null) rxTimestampQueued(t, t.rcvNxt, now); // SO_TIMESTAMPING's receive side (tx-timestamp.ts)
      if (t.urgSeq >= 0) extractUrgent(t);
      t.wake(POLLIN | POLLRDNORM);
      tl.ctx.notifyWake();
    } else {
      // Out of order (D4): queue it, SACK it, ACK at once (RFC 5681 §4.2 duplicate ACK).
      c.inc(c.TcpExt, "TCPOFOQueue");
      (t.ooo ??= new OooQueue(t.sackOk && tl.ctx.sysctl.tcp_dsack)).insert(seq, data);
      ackNow = true;
    }
    // ECN (ecn.ts): CE demands ECE on our ACKs (Linux tcp_ecn_check_ce, in- and out-of-order data).
    if (t.ecnFlags !== 0) ecnCheckCe(t, seg.tos);
  } else if (seg.data.length > 0) {
    ackNow = true;
  }
  if (seg.flags & FIN) {
    const finSeq = (seg.seq + seg.data.length) >>> 0;
    if (finSeq === t.rcvNxt && !t.finReceived) {
      finReceived(tl, t);
      // FIN-WAIT-1/2 → CLOSING/TIME-WAIT already sent the ACK.
      if (t.state === TcpState.TIME_WAIT || t.state === TcpState.CLOSING) return;
      // Linux delays the FIN's ACK like any other (FreeBSD ACKs it at once).
      if (tl.personality.ackFinAtOnce) ackNow = true;
    } else if (seqGt(finSeq, t.rcvNxt)) {
      // A FIN beyond a hole waits in the out-of-order queue, SACKed (Linux tcp_data_queue_ofo;
      // checked on Linux 6.18: test/tcp/linux-input-states-probe.py G–G6); a duplicate ACK now.
      if (finInWindow) {
        if (!seg.data.length) c.inc(c.TcpExt, "TCPOFOQueue");
        (t.ooo ??= new OooQueue(t.sackOk && tl.ctx.sysctl.tcp_dsack)).insertFin(finSeq);
      }
      ackNow = true;
    } else if (seqLt(finSeq, t.rcvNxt)) {
      // A retransmitted FIN, entirely below rcv.nxt: D-SACK it with its data (Linux
      // tcp_data_queue's duplicate path reports seq..end_seq, the FIN included; checked on
      // Linux 6.18: test/tcp/linux-input-states-probe.py D6) and ACK at once.
      dsackOld(tl, t, seg.seq, (finSeq + 1) >>> 0);
      ackNow = true;
    }
  }
  // Our own output may carry the ACK (piggyback).
  tcpOutput(tl, t);
  ackSndCheck(tl, t, ackNow || (t.ecnFlags !== 0 && ecnAckNow(t)));
}

/** Linux tcp_dsack_set for data below rcv.nxt: report it in the next ACK's D-SACK block (TCPDSACKOldSent). */
export function dsackOld(tl: TcpLayer, t: Tcb, start: number, end: number): void {
  if (!t.sackOk || !tl.ctx.sysctl.tcp_dsack || !seqLt(start, end)) return;
  (t.ooo ??= new OooQueue(true)).reportDuplicate(start, end);
  tl.ctx.counters.inc(tl.ctx.counters.TcpExt, "TCPDSACKOldSent");
}

/**
 * Linux tcp_prune_queue, for a segment at `inSeq` that found the connection
 * over its receive buffer (`rmemAlloc() > rcvbuf`): clamp the window's
 * growth (tcp_clamp_window: rcv_ssthresh to 2 MSS; Linux may also raise an
 * unlocked sk_rcvbuf towards tcp_rmem[2] here — sockstack does not
 * autotune, so the configured buffer stays the bound), collapse both
 * queues into compact copies (tcp_collapse_ofo_queue, tcp_collapse), then
 * drop out-of-order data from the top (tcp_prune_ofo_queue, OfoPruned).
 * Counts PruneCalled; returns false, counting RcvPruned, when the
 * connection is still over its buffer and the segment must be dropped.
 */
export function tcpPruneQueue(tl: TcpLayer, t: Tcb, inSeq: number): boolean {
  const c = tl.ctx.counters;
  c.inc(c.TcpExt, "PruneCalled");
  const rcvbuf = t.rcvBuf.rcvbuf;
  if (t.rmemAlloc() >= rcvbuf) {
    t.quickAcks = 0;
    t.rwin.rcvSsthresh = Math.min(t.rwin.windowClamp, 2 * t.rwin.advmss);
  }
  if (t.rmemAlloc() <= rcvbuf) return true;
  t.ooo?.collapse();
  t.rcvBuf.collapse();
  if (t.rmemAlloc() <= rcvbuf) return true;
  if (t.ooo && !t.ooo.isEmpty) {
    const pruned = t.ooo.pruneTail(inSeq, rcvbuf >> 3, () => t.rmemAlloc() <= rcvbuf);
    if (pruned) c.inc(c.TcpExt, "OfoPruned"); // a queued FIN went first (the peer retransmits it)
    if (t.rmemAlloc() <= rcvbuf) return true;
  }
  c.inc(c.TcpExt, "RcvPruned");
  return false;
}

/** The peer's FIN arrived in order (RFC 9293 eighth; Linux tcp_fin). */
export function finReceived(tl: TcpLayer, t: Tcb): void {
  t.rcvNxt = (t.rcvNxt + 1) >>> 0;
  t.finReceived = true;
  // Linux tcp_fin: nothing can follow the FIN — purge the out-of-order queue and the SACK state.
  t.ooo?.clear();
  switch (t.state) {
    case TcpState.SYN_RECV:
    case TcpState.ESTABLISHED:
      tl.setState(t, TcpState.CLOSE_WAIT);
      t.pingpong = true;
      scheduleDelayedAck(tl, t);
      break;
    case TcpState.FIN_WAIT1:
      // Simultaneous close (or our FIN not yet acknowledged): CLOSING, ACK now.
      tl.setState(t, TcpState.CLOSING);
      sendAck(tl, t);
      break;
    case TcpState.FIN_WAIT2:
      sendAck(tl, t);
      enterTimeWait(tl, t);
      break;
  }
  t.wake(POLLIN | POLLRDNORM | POLLRDHUP);
  tl.ctx.notifyWake();
}

/**
 * Urgent data (C8, Linux tcp_urg without SO_OOBINLINE): the urgent byte is
 * taken out of the stream for recv(MSG_OOB) once it is in the queue.
 */
export function extractUrgent(t: Tcb): void {
  const urg = t.urgSeq;
  if (!seqLt(urg, t.rcvNxt)) return;
  t.urgSeq = -1;
  // Position of the urgent byte within the receive queue.
  const queued = t.rcvBuf.length;
  const pos = queued - ((t.rcvNxt - urg) >>> 0);
  if (pos < 0) return;
  t.urgMark = urg;
  t.urgMarkInline = t.oobInline;
  if (t.oobInline) return;
  const all = t.rcvBuf.read(queued);
  t.urgByte = all[pos]!;
  const before = all.subarray(0, pos);
  const after = all.subarray(pos + 1);
  if (before.length) t.rcvBuf.push(before);
  if (after.length) t.rcvBuf.push(after);
}
