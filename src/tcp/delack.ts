/**
 * The delayed-ACK engine (RFC 9293 §3.8.6.3, RFC 5681 §4.2; Linux
 * tcp_event_data_recv, __tcp_ack_snd_check): the adaptive ACK timeout
 * (ato) and quick-ACK budget, and the decision to ACK now or arm the
 * delayed-ACK timer (armed in timers.ts).
 */
import type { Micros } from "../core/time.js";
import { TCP_ATO_MIN, TCP_MAX_QUICKACKS } from "./constants.js";
import { sendAck } from "./output.js";
import type { Tcb } from "./tcb.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";
import { cancelDelayedAck, scheduleDelayedAck } from "./timers.js";

/**
 * Linux tcp_event_data_recv: grows the window, learns the peer's segment
 * size, and lets the personality adapt the delayed-ACK timeout.
 */
export function eventDataRecv(tl: TcpLayer, t: Tcb, len: number, now: Micros): void {
  if (len >= 128) t.rwin.grow(len, t.rcvBuf.tcpSpace(t.ooo?.bytes ?? 0));
  if (len > t.rcvMss) t.rcvMss = Math.min(len, t.advMss);
  t.unackedSegs++;
  tl.personality.dataReceived(tl, t, now);
  t.lastDataRecv = now;
}

/**
 * Linux's adaptive delayed-ACK timeout (tcp_event_data_recv): quick ACKs
 * for the first data and after an idle period longer than the RTO
 * (tcp_incr_quickack); otherwise the ACK timeout follows the gaps between
 * segments, between TCP_ATO_MIN and the RTO.
 */
export function adaptAto(_tl: TcpLayer, t: Tcb, now: Micros): void {
  if (!t.atoStarted) {
    // The first data: initialise the delayed-ACK engine with quick ACKs.
    t.atoStarted = true;
    t.quickAcks = Math.min(Math.max(1, Math.floor(t.rwin.rcvWnd / (2 * t.rcvMss))), TCP_MAX_QUICKACKS);
    t.ato = TCP_ATO_MIN;
  } else {
    const m = now - t.lastDataRecv;
    if (m <= TCP_ATO_MIN / 2) t.ato = (t.ato >> 1) + TCP_ATO_MIN / 2;
    else if (m < t.ato) {
      t.ato = (t.ato >> 1) + m;
      if (t.ato > t.rtt.rto) t.ato = t.rtt.rto;
    } else if (m > t.rtt.rto) {
      // After idle: quick ACKs again (Linux tcp_incr_quickack).
      t.quickAcks = Math.min(Math.max(1, Math.floor(t.rwin.rcvWnd / (2 * t.rcvMss))), TCP_MAX_QUICKACKS);
    }
  }
}

/** Linux __tcp_ack_snd_check: ACK now or start the delayed-ACK timer. */
export function ackSndCheck(tl: TcpLayer, t: Tcb, ackNow: boolean): void {
  if (t.state === TcpState.CLOSE) return;
  const pending = t.unackedSegs > 0 || ackNow || t.rcvNxt !== t.rwin.rcvWup;
  if (!pending) return;
  // Linux: more than one rcv_mss unacknowledged (FreeBSD: every second segment).
  const twoSegs = tl.personality.ackThresholdReached(t);
  const quick = t.quickAcks > 0 && !t.pingpong;
  if (ackNow || (t.ooo && !t.ooo.isEmpty) || twoSegs || quick) {
    sendAck(tl, t);
    cancelDelayedAck(tl, t);
    return;
  }
  scheduleDelayedAck(tl, t);
}
