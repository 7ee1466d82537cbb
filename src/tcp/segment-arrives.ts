/**
 * A segment for a connection in a synchronized state (RFC 9293 §3.10.7.4;
 * Linux tcp_rcv_state_process, tcp_validate_incoming), checked in the
 * RFC's order: PAWS (RFC 7323), sequence acceptability (acceptable.ts),
 * RST (RFC 5961 §3), SYN (RFC 5961 §4), the ACK bit, then ACK processing
 * (ack.ts), URG, and data and FIN (rcv.ts). SYN-SENT is handed to
 * setup.ts.
 */
import { seqGe, seqGt, seqLe, seqLt, seqMin } from "../core/seq.js";
import { md5Lookup } from "./md5sig.js";
import { EMPTY } from "../wire/packet.js";
import { acceptable } from "./acceptable.js";
import { processAck } from "./ack.js";
import { TCP_PAWS_24DAYS } from "./constants.js";
import { abort } from "./lifecycle.js";
import { challengeAck, oowLimited } from "./oow-ack.js";
import { sendAck, tcpOutput, transmit } from "./output.js";
import { sendResetFor } from "./control-out.js";
import { dsackOld, processData } from "./rcv.js";
import { ACK, FIN, RST, SYN, URG, type Segment } from "./segment.js";
import { establish, synSentInput, updateMss } from "./setup.js";
import { isPassiveFastOpen, passiveEstablished } from "./fastopen-open.js";
import type { Tcb } from "./tcb.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";
import { POLLOUT, POLLWRNORM } from "../core/poll-events.js";
import { lowatCheckSpace } from "./notsent-lowat.js";

/** Handles a segment for a connection in any state but LISTEN and TIME-WAIT. */
export function segmentArrives(tl: TcpLayer, t: Tcb, seg: Segment): void {
  const c = tl.ctx.counters;
  const now = tl.ctx.scheduler.now();
  if (t.state === TcpState.SYN_SENT) {
    synSentInput(tl, t, seg);
    return;
  }
  if (t.state === TcpState.CLOSE) {
    c.inc(c.Sockstack, "TcpClosedDrop");
    return;
  }
  t.lastRecv = now;
  const len = seg.data.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);

  // PAWS (RFC 7323 §5.3): an old timestamp means an old duplicate.
  if (t.tsOk && seg.hasTs && !(seg.flags & RST) && seqLt(seg.tsVal, t.tsRecent) && now - t.tsRecentStamp < TCP_PAWS_24DAYS) {
    c.inc(c.TcpExt, "PAWSEstab");
    if (!oowLimited(tl, t, seg, "TCPACKSkippedPAWS")) sendAck(tl, t);
    return;
  }

  // 1. Sequence acceptability (RFC 9293 §3.10.7.4 table).
  const rcvWnd = tl.personality.acceptanceWindow(t, t.rwin.receiveWindow(t.rcvNxt));
  let ok = acceptable(seg.seq, len, t.rcvNxt, rcvWnd);
  // Linux tcp_sequence (and FreeBSD's trimming) also take a segment that ends at rcv.nxt — a
  // retransmitted FIN above all: its ACK is processed (CLOSING → TIME-WAIT), its text is a duplicate.
  if (!ok && len > 0 && seqGe((seg.seq + len) >>> 0, t.rwin.rcvWup) && seqLe(seg.seq, t.rcvNxt)) ok = true;
  // A zero window still lets a segment at exactly rcv.nxt through for its ACK (Linux tcp_sequence); its data is dropped later.
  if (!ok && !(rcvWnd === 0 && seg.seq === t.rcvNxt)) {
    if (seg.flags & RST) {
      // RFC 9293 §3.10.7.4 / RFC 5961 §3.2: an out-of-window RST is dropped (Linux: no MIB counter).
      c.inc(c.Sockstack, "TcpRstOutOfWindow");
      return;
    }
    if (seg.flags & SYN) {
      // Linux tcp_validate_incoming (syn_challenge), FreeBSD tcp_respond: an out-of-window SYN gets a challenge ACK.
      challengeAck(tl, t, true);
      return;
    }
    // A retransmission of data or a FIN we already have (Linux tcp_send_dupack): D-SACK it
    // (RFC 2883; the FIN's sequence number included) and re-ACK. Not rate-limited:
    // tcp_oow_rate_limited exempts segments occupying sequence space (checked on Linux 6.18:
    // scripts/linux-probes/oow-data.py, one duplicate ACK per old segment; the peer ignores the
    // D-SACKs as dubious, see processAck; test/tcp/linux-input-states-probe.py D6 for a FIN).
    if (len > 0 && seqLt(seg.seq, t.rcvNxt)) {
      c.inc(c.TcpExt, "DelayedACKLost");
      dsackOld(tl, t, seg.seq, seqMin((seg.seq + len) >>> 0, t.rcvNxt));
    }
    c.inc(c.TcpExt, "TCPRcvOutOfWindow");
    if (!oowLimited(tl, t, seg, "TCPACKSkippedSeq")) sendAck(tl, t);
    return;
  }

  // 2. RST (RFC 5961 §3): reset only on an exact match, else a challenge ACK.
  if (seg.flags & RST) {
    if (seg.seq === t.rcvNxt || (tl.ctx.sysctl.tcp_insecure_rst && seqGt(seg.seq, t.rcvNxt))) {
      resetReceived(tl, t);
    } else {
      challengeAck(tl, t, false);
    }
    return;
  }

  // 3. SYN in a synchronized state (RFC 5961 §4): challenge ACK.
  // Linux tcp_validate_incoming lets one SYN through: in a simultaneous open, the peer's SYN-ACK
  // reaching SYN-RECEIVED (seq + 1 = rcv.nxt, ack = snd.nxt) completes the handshake — on a
  // self-connect it is our own SYN-ACK, which a challenge or a new SYN-ACK would answer forever.
  const simultaneousSynAck = t.state === TcpState.SYN_RECV && (seg.flags & ACK) !== 0 && len === 1 &&
    ((seg.seq + 1) >>> 0) === t.rcvNxt && seg.ack === t.sndNxt;
  if (seg.flags & SYN && !simultaneousSynAck) {
    if (t.state === TcpState.SYN_RECV && seg.seq === t.irs && !(seg.flags & ACK)) {
      transmit(tl, t, t.iss, SYN | ACK, EMPTY); // retransmitted SYN in a simultaneous open
      return;
    }
    if (tl.ctx.sysctl.tcp_insecure_syn && seqGe(seg.seq, t.rcvNxt)) {
      // RFC 793 (FreeBSD insecure_syn=1): an in-window SYN resets the connection.
      abort(tl, t, "ECONNRESET", true);
      return;
    }
    challengeAck(tl, t, true);
    return;
  }

  // 4. ACK.
  if (!(seg.flags & ACK)) {
    // RFC 9293: "if the ACK bit is off drop the segment" (Linux SKB_DROP_REASON_TCP_FLAGS, no MIB counter).
    c.inc(c.Sockstack, "TcpBadFlagsDrop");
    return;
  }
  if (t.state === TcpState.SYN_RECV) {
    // A Fast Open child's SND.UNA is already past its SYN (Linux tcp_create_openreq_child): ACK = SND.UNA completes it.
    const passiveFo = isPassiveFastOpen(t);
    if ((passiveFo ? seqGe(seg.ack, t.sndUna) : seqGt(seg.ack, t.sndUna)) && seqLe(seg.ack, t.sndNxt)) {
      t.sndWnd = seg.window << t.sndWscale;
      t.maxWindow = Math.max(t.maxWindow, t.sndWnd);
      updateMss(t);
      t.sndWl1 = seg.seq;
      t.sndWl2 = seg.ack;
      if (passiveFo) passiveEstablished(tl, t);
      else {
        establish(tl, t);
        t.wake(POLLOUT | POLLWRNORM);
        tl.ctx.notifyWake();
      }
    } else {
      sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, len, 0, -1, md5Lookup(t.md5, seg.saddr));
      return;
    }
  }
  if (!processAck(tl, t, seg)) return;
  // The ACK of our FIN ended LAST-ACK or CLOSING (Linux tcp_rcv_state_process: tcp_done /
  // tcp_time_wait, then `goto consume`): the rest of the segment is not looked at. (The cast:
  // the checks above narrowed t.state, which processAck has changed since.)
  if ((t.state as TcpState) === TcpState.CLOSE) return;

  // Timestamps: TS.Recent is updated for segments covering Last.ACK.sent (RFC 7323 §4.3).
  if (t.tsOk && seg.hasTs && seqLe(seg.seq, t.rwin.rcvWup)) {
    t.tsRecent = seg.tsVal;
    t.tsRecentStamp = now;
  }

  // 5. URG (RFC 9293 §3.10.7.4 sixth; Linux tcp_urg): remember the urgent byte.
  if (seg.flags & URG && seg.urgent > 0 && !t.rcvShutdown) {
    const urgSeq = (seg.seq + seg.urgent - 1) >>> 0;
    if (seqGe(urgSeq, t.rcvNxt) && (t.urgSeq < 0 || seqGt(urgSeq, t.urgSeq))) t.urgSeq = urgSeq;
  }

  // 6–8. Data and FIN.
  if (seg.data.length || seg.flags & FIN) processData(tl, t, seg);
  else if (simultaneousSynAck) {
    // tcp_data_queue sees the SYN's sequence number as an old retransmission: D-SACK it, ACK at once.
    c.inc(c.TcpExt, "DelayedACKLost");
    dsackOld(tl, t, seg.seq, t.rcvNxt);
    sendAck(tl, t);
  } else {
    tcpOutput(tl, t);
    lowatCheckSpace(tl, t); // TCP_NOTSENT_LOWAT: what was just sent may make the socket writable
  }
}

/** The peer reset the connection (Linux tcp_reset). */
export function resetReceived(tl: TcpLayer, t: Tcb): void {
  const c = tl.ctx.counters;
  // Linux tcp_reset: EPIPE in CLOSE-WAIT, ECONNRESET everywhere else (SYN-SENT's ECONNREFUSED is in synSentInput).
  const err = tl.personality.resetErrno(t.state);
  if (t.state === TcpState.ESTABLISHED || t.state === TcpState.CLOSE_WAIT) c.inc(c.Tcp, "EstabResets");
  // Linux tcp_reset purges the write queue only: data received before the RST stays readable, then
  // the error, then end of stream (checked on Linux 6.18 over loopback: read 10 bytes, ECONNRESET, 0).
  if (t.orphan) t.rcvBuf.clear();
  abort(tl, t, t.orphan ? null : err, false);
}
