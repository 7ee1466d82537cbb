/**
 * Connection setup (RFC 9293 §3.10.7.3; Linux tcp_rcv_synsent_state_process,
 * tcp_init_transfer): the SYN's options into the TCB, the send MSS, the
 * SYN-SENT state, and what every connection does on becoming ESTABLISHED,
 * whether it was opened actively (here) or passively (listen.ts).
 */
import { POLLOUT, POLLWRNORM } from "../core/poll-events.js";
import { md5Lookup } from "./md5sig.js";
import { seqGt, seqLe, seqLt } from "../core/seq.js";
import { tsVal } from "./isn.js";
import { EMPTY } from "../wire/packet.js";
import { sndbufExpand } from "./autotune.js";
import { TCP_ATO_MIN, TCP_MAX_WSCALE, TCP_MIN_MSS, TCP_MSS_DEFAULT } from "./constants.js";
import type { NetRoute, NetworkLayer } from "../net/network-layer.js";
import { routeAdvMss, routeInitCwnd, routeInitRwnd, routePathMtu } from "./route-path.js";
import { createCongestionControl } from "./congestion/registry.js";
import { TCP_INIT_CWND } from "./congestion/congestion-control.js";
import { fastOpenSynAck } from "./fastopen-open.js";
import { ecnRcvSyn, ecnRcvSynAck } from "./ecn.js";
import { abort } from "./lifecycle.js";
import { sendAck, tcpOutput, transmit } from "./output.js";
import { sendResetFor } from "./control-out.js";
import { finReceived, processData } from "./rcv.js";
import { selectInitialWindow } from "./recv-window.js";
import { ACK, FIN, RST, SYN, type Segment } from "./segment.js";
import type { Tcb } from "./tcb.js";
import { mtupInit, tcpSyncMss } from "./mtu-probe.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";
import { rearm, resetKeepalive, scheduleDelayedAck, stopRetransmit } from "./timers.js";

/**
 * The send side's sequence numbers at the start of a connection: SND.UNA,
 * SND.NXT, the highest sent, the last small segment (Nagle) and the
 * recovery pointer at `una`; the send buffer's first byte at `bufSeq`
 * (after our SYN: ISS + 1).
 */
export function initSendSequence(t: Tcb, una: number, bufSeq: number): void {
  t.sndUna = una;
  t.sndNxt = una;
  t.sndMax = una;
  t.sndSml = una;
  t.sndBufSeq = bufSeq;
  t.highRxt = una;
}

/**
 * Sets MSS, window and TS state for a new connection over its route `rt`,
 * active or passive (Linux tcp_connect_init / tcp_v4_syn_recv_sock): the
 * path MTU (the route's `mtu` metric or the device's), the MSS to announce
 * (the route's `advmss`, TCP_MAXSEG), the initial window (`initrwnd`).
 */
export function initConnection(tl: TcpLayer, t: Tcb, net: NetworkLayer, rt: NetRoute | null): void {
  t.pmtu = routePathMtu(net, rt);
  let adv = routeAdvMss(net, rt);
  if (t.userMss) adv = Math.min(adv, t.userMss);
  t.advMss = adv;
  t.rwin.initWindow(
    selectInitialWindow({
      space: t.rcvBuf.fullSpace(),
      mss: adv,
      wscaleOk: tl.ctx.sysctl.tcp_window_scaling,
      rmemMax2: tl.ctx.sysctl.tcp_rmem[2],
      coreRmemMax: tl.ctx.sysctl.rmem_max,
      initRcvWnd: routeInitRwnd(rt),
    }),
    adv,
  );
}

/** Copies the negotiated options of a SYN into the TCB (RFC 7323, RFC 2018). */
export function applySynOptions(tl: TcpLayer, t: Tcb, seg: Segment): void {
  const s = tl.ctx.sysctl;
  t.peerMss = seg.mss > 0 ? seg.mss : TCP_MSS_DEFAULT;
  // Options our SYN no longer announced (FreeBSD rexmit_drop_options) are not used either.
  const asked = !t.synMssOnly;
  t.wscaleOk = asked && s.tcp_window_scaling && seg.wscale >= 0;
  t.sndWscale = t.wscaleOk ? Math.min(seg.wscale, TCP_MAX_WSCALE) : 0;
  t.sackOk = asked && s.tcp_sack && seg.sackOk;
  t.tsOk = asked && s.tcp_timestamps && seg.hasTs;
  if (t.tsOk) {
    t.tsRecent = seg.tsVal;
    t.tsRecentStamp = tl.ctx.scheduler.now();
  }
  updateMss(t);
}

/** Send MSS from the path MTU, the peer's MSS and TCP_MAXSEG, less the timestamp option (Linux tcp_sync_mss: mtu-probe.ts). */
export function updateMss(t: Tcb): void {
  tcpSyncMss(t);
}

/** Common setup when a connection becomes ESTABLISHED (Linux tcp_init_transfer). */
export function establish(tl: TcpLayer, t: Tcb): void {
  t.synDelivered = true; // our SYN or SYN-ACK was acknowledged (Linux counts it as delivered)
  initTransfer(tl, t);
  tl.setState(t, TcpState.ESTABLISHED);
  if (t.lifetimeAt >= 0) {
    // The active open's time limit (FreeBSD keepinit) is over.
    t.lifetimeAt = -1;
    rearm(tl, t);
  }
  resetKeepalive(tl, t);
}

/**
 * Linux tcp_init_transfer without the state change: the receive window,
 * receive MSS guess, ATO and send buffer of a connection about to carry
 * data (a Fast Open child runs it while still in SYN-RECV).
 */
export function initTransfer(tl: TcpLayer, t: Tcb): void {
  // Linux tcp_finish_connect / tcp_create_openreq_child: icsk_ack.lrcvtime starts at the handshake
  // (tcpi_last_data_recv counts from it; data sent within ATO of it makes the connection interactive).
  t.lastDataRecv = tl.ctx.scheduler.now();
  tl.personality.learnedMss(tl, t);
  // Linux tcp_init_transfer: tcp_mtup_init (mtu-probe.ts), then snd_cwnd = tcp_init_cwnd (the route's initcwnd).
  mtupInit(tl, t);
  const iw = routeInitCwnd(t.route);
  if (iw !== TCP_INIT_CWND && t.cc.cwnd !== iw) {
    const cc = createCongestionControl(t.ccName, iw);
    if (cc) t.cc = cc;
  }
  t.rwin.established(t.rcvBuf.fullSpace(), t.rcvNxt, t.wscaleOk);
  if (!t.wscaleOk) t.sndWscale = 0;
  // Linux tcp_initialize_rcv_mss: a conservative guess of the peer's segment size.
  t.rcvMss = Math.max(TCP_MIN_MSS, Math.min(t.advMss, t.mss, Math.floor(t.rwin.rcvWnd / 2), TCP_MSS_DEFAULT));
  t.ato = TCP_ATO_MIN;
  t.lastRecv = tl.ctx.scheduler.now();
  sndbufExpand(tl, t);
}

/** SYN-SENT (RFC 9293 §3.10.7.3). */
export function synSentInput(tl: TcpLayer, t: Tcb, seg: Segment): void {
  const c = tl.ctx.counters;
  const hasAck = (seg.flags & ACK) !== 0;
  if (hasAck && (seqLe(seg.ack, t.iss) || seqGt(seg.ack, t.sndNxt))) {
    // An unacceptable ACK: RST (sendResetFor counts a RST it will not answer).
    sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, 0, 0, -1, md5Lookup(t.md5, seg.saddr));
    return;
  }
  // Linux tcp_rcv_synsent_state_process: a SYN-ACK whose TS ecr is not one of our clock's values since the
  // first SYN is answered with a RST (PAWSActive), as an unacceptable ACK is.
  if (hasAck && !(seg.flags & RST) && seg.hasTs && seg.tsEcr !== 0 && tl.ctx.sysctl.tcp_timestamps) {
    const lo = tsVal(t.retransStamp, t.tsOffset);
    const hi = tsVal(tl.ctx.scheduler.now(), t.tsOffset);
    if (seqLt(seg.tsEcr, lo) || seqGt(seg.tsEcr, hi)) {
      c.inc(c.TcpExt, "PAWSActive");
      sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, 0, 0, -1, md5Lookup(t.md5, seg.saddr));
      return;
    }
  }
  if (seg.flags & RST) {
    if (hasAck) {
      // Connection refused (G4): the peer has no listener.
      c.inc(c.Tcp, "AttemptFails");
      abort(tl, t, "ECONNREFUSED", false);
    } else {
      c.inc(c.Sockstack, "TcpRstIgnored"); // RFC 9293 §3.10.7.3: a RST without ACK is dropped
    }
    return;
  }
  if (!(seg.flags & SYN)) {
    c.inc(c.Sockstack, "TcpBadFlagsDrop"); // neither SYN nor RST in SYN-SENT
    return;
  }
  t.irs = seg.seq;
  t.rcvNxt = (seg.seq + 1) >>> 0;
  // Linux tcp_rcv_synsent_state_process: tcp_mtup_init before the MSS is synced to the SYN-ACK's options.
  mtupInit(tl, t);
  applySynOptions(tl, t, seg);
  tl.personality.learnedMss(tl, t);
  if (!t.wscaleOk) t.rwin.rcvWscale = 0;
  if (hasAck) {
    ecnRcvSynAck(t, seg.flags);
    const now = tl.ctx.scheduler.now();
    if (t.retransmits === 0) t.rtt.sample(now - t.retransStamp, true, now);
    t.sndUna = seg.ack;
    // The SYN-ACK's window is never scaled (RFC 7323 §2.2).
    t.sndWnd = seg.window;
    t.maxWindow = t.sndWnd;
    updateMss(t);
    t.sndWl1 = seg.seq;
    t.sndWl2 = seg.ack;
    // Fast Open: the SYN's data acknowledged or not (not: SND.NXT goes back, tcpOutput below resends it).
    // (It also queues the SYN-ACK's own data, before the ACK below: Linux tcp_fastopen_add_skb.)
    const foData = t.fo !== null && fastOpenSynAck(tl, t, seg);
    t.highRxt = t.sndUna;
    t.retransmits = 0;
    t.retransStamp = 0;
    t.rtt.resetBackoff();
    stopRetransmit(tl, t);
    establish(tl, t);
    t.wake(POLLOUT | POLLWRNORM);
    tl.ctx.notifyWake();
    // A Fast Open SYN-ACK's FIN, after its data, is taken before the ACK too (tcp_fastopen_add_skb → tcp_fin).
    if (foData && seg.flags & FIN) finReceived(tl, t);
    // Data queued before the handshake finished (or none): send it with the ACK, else a bare ACK.
    const before = t.segsOut;
    tcpOutput(tl, t);
    if (t.segsOut === before) {
      // Linux tcp_rcv_synsent_state_process: with a writer blocked in the connect (sk_write_pending) the
      // ACK is delayed, to leave with the data it is about to write.
      if (t.fo?.writePending) {
        // tcp_enter_quickack_mode(TCP_MAX_QUICKACKS): the delayed-ACK engine starts (ato), not interactive.
        t.atoStarted = true;
        t.ato = TCP_ATO_MIN;
        t.pingpong = false;
        scheduleDelayedAck(tl, t);
      }
      else sendAck(tl, t);
    }
    if (!foData && (seg.data.length || seg.flags & FIN)) processData(tl, t, { ...seg, seq: (seg.seq + 1) >>> 0, flags: seg.flags & ~SYN });
    return;
  }
  // Simultaneous open (RFC 9293 §3.5 figure 8): SYN-RECEIVED, send SYN-ACK.
  tl.setState(t, TcpState.SYN_RECV);
  ecnRcvSyn(tl, t, seg.flags);
  t.sndWnd = seg.window;
  transmit(tl, t, t.iss, SYN | ACK, EMPTY);
}
