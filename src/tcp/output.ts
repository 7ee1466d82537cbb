/**
 * TCP output (RFC 9293 §3.10.4 SEND, §3.8; Linux tcp_output.c): building
 * and sending segments, the transmit loop that decides what may leave now
 * (congestion window, the peer's window, Nagle, TCP_CORK, sender SWS
 * avoidance), retransmission of holes during recovery, window
 * advertisement, ACKs and probes (RSTs and the TIME-WAIT ACK: control-out.ts).
 *
 * The payload of a data segment is a view of the send buffer (no copy);
 * `head` holds the IP and TCP headers.
 */
import { seqGt, seqLt, seqMax, seqMin } from "../core/seq.js";
import type { Micros } from "../core/time.js";
import { IPPROTO_TCP } from "../wire/ipv4.js";
import { EMPTY } from "../wire/packet.js";
import type { NetRoute, NetworkLayer } from "../net/network-layer.js";
import { ACK, FIN, PSH, RST, SYN, URG } from "./segment.js";
import { establishedOptions, synOptions } from "./options-out.js";
import { md5Lookup, md5SackLimit, md5Sign, TCPOLEN_MD5SIG_ALIGNED } from "./md5sig.js";
import { synFastOpenOption } from "./fastopen.js";
import { ecnSendFlags, ecnSynFlags, ecnTos, enterCwr } from "./ecn.js";
import { tcpEmitOptionsLength, writeTcpHeader } from "../wire/tcp.js";
import { tosFor, ttlFor, type Tcb } from "./tcb.js";
import type { AckSample } from "./congestion/congestion-control.js";
import { TcpState } from "./tcp-state.js";
import { tsVal } from "./isn.js";
import { armPersist, armRetransmit } from "./timers.js";
import { SentLog, rackOn } from "./rack.js";
import { scheduleLossProbe, tlpOn } from "./tlp.js";
import type { TcpLayer } from "./tcp-layer.js";
import { txTimestampSent } from "./tx-timestamp.js";
import { chronoStart, chronoStop, TCP_CHRONO_RWND_LIMITED, TCP_CHRONO_SNDBUF_LIMITED } from "./chrono.js";
import { burstSegs, pacingBlocked, pacingRate, pacingSent } from "./pacing.js";
import { rateAttach } from "./rate-control.js";
import { mtuProbeCancel, mtuProbeSent, mtuProbeSize, mtupSyncPending, routeMtuChanged } from "./mtu-probe.js";
import { routePathMtu } from "./route-path.js";
import { NET_AF_INET } from "../net/inet-address.js";

const sackScratch: number[] = [0, 0, 0, 0, 0, 0, 0, 0];

/**
 * The route of a connection, revalidated when the routing table changed or
 * its interface went down (Linux drops a down device's routes and the
 * sockets' cached dst with them, so the next lookup finds another way).
 */
export function routeOf(tl: TcpLayer, t: Tcb, net: NetworkLayer = tl.net.of(t.remoteAddr)): NetRoute | null {
  const gen = net.routeGeneration;
  const old = t.route;
  if (old && t.routeGen === gen && old.iface.device.up) return old;
  const rt = (t.route = net.route(t.remoteAddr, t.boundIf || undefined));
  t.routeGen = gen;
  // A route whose MTU changed (`ip route change … mtu`): the MSS follows from the next segment built
  // (Linux tcp_current_mss: dst_mtu differs from icsk_pmtu_cookie → tcp_sync_mss).
  if (old && rt && old.metrics !== rt.metrics && t.state !== TcpState.LISTEN) {
    const mtu = routePathMtu(net, rt);
    if (mtu !== routePathMtu(net, old)) routeMtuChanged(t, mtu);
  }
  return rt;
}

/** Our current TS val for `t`. */
export function tcpTsVal(tl: TcpLayer, t: Tcb): number {
  return tsVal(tl.ctx.scheduler.now(), t.tsOffset);
}

/** The window field to advertise now (and record it, Linux tcp_select_window). */
function selectWindow(tl: TcpLayer, t: Tcb): number {
  return tl.personality.selectWindow(tl, t);
}

/**
 * Sends one segment of `t`: `flags` (ACK is added in synchronized states),
 * sequence number `seq`, payload `data` (a view). SYN segments carry the
 * SYN options; others carry timestamps and SACK blocks as negotiated.
 * Returns false when IP refused it (no route).
 */
export function transmit(tl: TcpLayer, t: Tcb, seq: number, flags: number, data: Uint8Array): boolean {
  const net = tl.net.of(t.remoteAddr);
  const rt = routeOf(tl, t, net);
  const c = tl.ctx.counters;
  if (!rt) {
    c.inc(c.Ip, "OutNoRoutes");
    return false;
  }
  const now = tl.ctx.scheduler.now();
  let nSack = 0;
  const syn = (flags & SYN) !== 0;
  // TCP_MD5SIG (md5sig.ts): the key for the peer signs the segment; its option leaves less room for others.
  const md5 = t.md5 === null ? null : md5Lookup(t.md5, t.remoteAddr);
  const synOpts = syn
    ? {
      mss: t.advMss,
      wscale: t.state === TcpState.SYN_RECV ? (t.wscaleOk ? t.rwin.rcvWscale : -1) : (tl.ctx.sysctl.tcp_window_scaling && !t.synMssOnly ? t.rwin.rcvWscale : -1),
      sackOk: t.state === TcpState.SYN_RECV ? t.sackOk : tl.ctx.sysctl.tcp_sack && !t.synMssOnly,
      ts: t.state === TcpState.SYN_RECV ? t.tsOk : tl.ctx.sysctl.tcp_timestamps && !t.synMssOnly && md5 === null,
      tsVal: tcpTsVal(tl, t),
      tsEcr: t.state === TcpState.SYN_RECV ? t.tsRecent : 0,
      bsd: tl.personality.synOptionsBsd,
      fastopen: synFastOpenOption(t),
      md5: md5 !== null,
    }
    : null;
  const sackMax = md5SackLimit(t.tsOk, md5 !== null);
  if (!synOpts && t.sackOk && (flags & RST) === 0 && t.ooo) nSack = t.ooo.sackBlocks(sackScratch, sackMax, false);
  const opts = synOpts ? synOptions(synOpts) : establishedOptions(t.tsOk, tcpTsVal(tl, t), t.tsRecent, sackScratch, nSack, md5 !== null);
  const l3 = net.headerReserve;
  const head = new Uint8Array(l3 + 20 + tcpEmitOptionsLength(opts));
  const sync = t.state !== TcpState.SYN_SENT;
  if (sync && (flags & RST) === 0) flags |= ACK;
  // ECN (ecn.ts): the SYN's negotiation flags; ECT(0), CWR and ECE on the other segments.
  let tos = tosFor(t, t.remoteAddr);
  if (t.ecnFlags !== 0) {
    if (syn) flags |= ecnSynFlags(tl, t);
    else {
      tos = ecnTos(t, seq, data.length);
      flags = ecnSendFlags(t, seq, data.length, flags);
    }
  }
  const ack = flags & ACK ? t.rcvNxt : 0;
  const window = flags & RST ? 0 : selectWindow(tl, t);
  let urg = 0;
  if (t.sndUp >= 0 && seqGt(t.sndUp, seq)) {
    flags |= URG;
    urg = Math.min(0xffff, (t.sndUp - seq) >>> 0);
  }
  if (nSack && t.ooo) t.ooo.sackBlocks(sackScratch, sackMax, true); // consume a pending D-SACK now that it is sent
  writeTcpHeader(head, l3, t.localPort, t.remotePort, seq, ack, flags, window, urg, opts);
  if (md5) md5Sign(md5, t.localAddr, t.remoteAddr, head, l3, data);
  // Linux ip_dont_fragment: IPv4 sets DF unless the route's MTU is locked (IPv6 never fragments TCP).
  const df = !(rt.metrics.mtuLock === true && net.family === NET_AF_INET);
  const err = net.output(rt, t.localAddr, t.remoteAddr, IPPROTO_TCP, head, data, ttlFor(t, t.remoteAddr), tos, df);
  localDrop = err === "ENOBUFS";
  // SO_TIMESTAMPING (tx-timestamp.ts): SCHED when the packet reached the device's queue, SND when it left.
  if (data.length !== 0 && t.zc !== null && (!err || localDrop)) txTimestampSent(tl, t, seq, head, data, !err);
  if (err) {
    c.inc(c.Tcp, "OutErrs");
    // The local qdisc dropped it (Linux tcp_transmit_skb: NET_XMIT_DROP → tcp_enter_cwr); the segment counts as not sent.
    if (localDrop) enterCwr(tl, t);
    return false;
  }
  c.Tcp.OutSegs = (c.Tcp.OutSegs ?? 0) + 1; // a named store, not c.inc's megamorphic keyed one (per segment)
  if (flags & RST) c.inc(c.Tcp, "OutRsts");
  t.segsOut++;
  if (flags & ACK) {
    // Any segment with ACK acknowledges everything received: the delayed ACK is done.
    if (t.delackAt >= 0) {
      t.delackAt = -1;
    }
    // Linux tcp_event_ack_sent → tcp_dec_quickack_mode: an ACK of received data spends one quick
    // ACK, pure or riding on data (ICSK_ACK_SCHED is the data not yet acknowledged).
    if (t.unackedSegs > 0 && t.quickAcks > 0) t.quickAcks--;
    t.unackedSegs = 0;
  }
  if (data.length) {
    // Linux tcp_event_data_sent: data leaving when nothing is in flight is CA_EVENT_TX_START (CUBIC shifts
    // its epoch by the time since the last data sent); a rate-based algorithm hears it at the write
    // (rate-control.ts rateOnWrite, where Linux BBR acts on it).
    if (t.sndUna === t.sndMax && t.lastDataSent !== 0) {
      const cc = t.cc;
      if (cc.congControl === undefined) cc.onTxStart(now, now - t.lastDataSent);
    }
    t.dataSegsOut++;
    t.lastDataSent = now;
    // Linux tcp_event_data_sent: data sent within ATO of the last data received is a reply —
    // the connection turns interactive (pingpong; tcp_pingpong_thresh 1) and its ACKs wait to
    // ride on the next reply (Nagle's write-write-read stall against it: sockstack demo nagle).
    // icsk_ack.ato is 0 until the first data or a quick-ACK mode entry (t.atoStarted): no reply before.
    if (t.atoStarted && t.lastDataRecv !== 0 && now - t.lastDataRecv < t.ato) t.pingpong = true;
  }
  return true;
}

/**
 * Sends a bare ACK now (RFC 9293 "send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>").
 * `challenge`: an RFC 5961 challenge ACK (never carries a FIN).
 */
export function sendAck(tl: TcpLayer, t: Tcb, challenge = false): void {
  // Linux: a bare ACK at SND.NXT (FreeBSD's re-send an unacknowledged FIN).
  if (!challenge && tl.personality.ackCarriesFin(t)) {
    transmit(tl, t, t.finSeq, ACK | FIN, EMPTY);
    return;
  }
  transmit(tl, t, t.sndNxt, ACK, EMPTY);
}

/** Payload bytes per segment now: the MSS less the SACK option bytes a data segment would carry. */
export function currentMss(t: Tcb): number {
  // Linux tcp_current_mss: less the options an established segment carries now (an MD5 signature, SACK blocks).
  const md5 = t.md5 !== null && md5Lookup(t.md5, t.remoteAddr) !== null;
  const mss = md5 ? t.mss - TCPOLEN_MD5SIG_ALIGNED : t.mss;
  if (!t.sackOk || !t.ooo || t.ooo.sackCount === 0) return mss;
  const n = Math.min(t.ooo.sackCount, md5SackLimit(t.tsOk, md5));
  return n === 0 ? mss : Math.max(1, mss - (4 + 8 * n));
}

/**
 * Bytes in flight (RFC 6675 SetPipe with SACK; without SACK the NewReno
 * estimate: each duplicate ACK means one segment left the network).
 */
export function pipeBytes(t: Tcb): number {
  const ca = t.caState;
  const log = t.sentLog;
  if (log && log.rack) {
    // Linux tcp_packets_in_flight: packets_out − sacked_out − lost_out + retrans_out, in bytes
    // (a lost segment being retransmitted counts once).
    return Math.max(0, ((t.sndMax - t.sndUna) | 0) - log.sackedBytes - log.lostBytes);
  }
  if (t.sb && !t.sb.isEmpty) {
    if (ca === "loss") return t.sb.unsackedIn(t.sndUna, t.sndNxt);
    return t.sb.pipe(t.sndUna, t.sndNxt, t.highRxt);
  }
  const out = (t.sndNxt - t.sndUna) | 0;
  if (ca === "recovery" || ca === "disorder") return Math.max(0, out - t.dupAcks * t.mss) + (t.retransOut > 0 ? t.mss : 0);
  return out;
}

/**
 * Fills the layer's reusable ACK sample for a congestion-control call made
 * outside the ACK path's own (RACK entering recovery: Linux runs
 * tcp_cwnd_reduction right after tcp_enter_recovery).
 */
export function lossSample(tl: TcpLayer, t: Tcb, ackedSacked: number, unaAdvanced: boolean, newlyLost: number): AckSample {
  const s = tl.rx.sample;
  s.now = tl.ctx.scheduler.now();
  s.ack = t.sndUna;
  s.sndNxt = t.sndNxt;
  s.ackedSacked = ackedSacked;
  s.rtt = -1;
  s.unaAdvanced = unaAdvanced;
  s.newlyLost = newlyLost;
  s.inflight = Math.ceil(pipeBytes(t) / t.mss);
  s.cwndLimited = true;
  return s;
}

/** Segments the congestion window still allows. */
function cwndQuota(t: Tcb, mss: number): number {
  const inflightSegs = Math.ceil(pipeBytes(t) / mss);
  return t.cc.cwnd - inflightSegs;
}

/**
 * Fast-recovery retransmission (RFC 6675 NextSeg rule 1 with SACK; the
 * segment at snd.una for NewReno, RFC 6582): sends one segment and moves
 * HighRxt past it. Returns true when something was sent.
 */
export function retransmitNext(tl: TcpLayer, t: Tcb): boolean {
  const mss = currentMss(t);
  let seq: number;
  let len: number;
  const log = t.sentLog;
  if (log && log.rack) {
    // RACK (tcp_xmit_retransmit_queue): the first segment marked lost and not yet retransmitted.
    const i = log.nextLost(t.sndUna);
    if (i < 0) return false;
    seq = log.startOf(i);
    len = Math.min(mss, (log.endOf(i) - seq) >>> 0);
  } else if (t.sb && !t.sb.isEmpty) {
    seq = t.sb.nextSeg(t.sndUna, t.highRxt);
    if (seq < 0) return false;
    len = t.sb.holeLength(seq, mss);
  } else {
    seq = t.sndUna;
    if (seqLt(seq, t.highRxt)) return false;
    len = mss;
  }
  const end = seqMin((seq + len) >>> 0, t.sndMax);
  if (!seqLt(seq, end)) return false;
  const sent = sendRange(tl, t, seq, end, true);
  if (sent > 0 && log && log.rack && t.rtoAt >= 0 && t.xmitTimer === 0 && seq === t.sndUna) {
    // Linux tcp_xmit_retransmit_queue: retransmitting the head restarts the RTO.
    t.rtoAt = tl.ctx.scheduler.now() + t.rtt.rto;
  }
  if (sent > 0) t.highRxt = seqMax(t.highRxt, (seq + sent) >>> 0);
  return sent > 0;
}

/**
 * Retransmits [seq, end) in segments of the current MSS now, cwnd aside
 * (Linux tcp_simple_retransmit after an MTU probe was lost: the probe's
 * range, resegmented). Returns the sequence space sent.
 */
export function retransmitRange(tl: TcpLayer, t: Tcb, seq: number, end: number): number {
  const mss = currentMss(t);
  let sent = 0;
  end = seqMin(end, t.sndMax);
  while (seqLt(seq, end)) {
    const n = sendRange(tl, t, seq, seqMin((seq + mss) >>> 0, end), true);
    if (n === 0) break;
    sent += n;
    seq = (seq + n) >>> 0;
  }
  if (sent > 0) armRetransmit(tl, t);
  return sent;
}

/**
 * Sends the sequence range [seq, end) (data from the send buffer, plus the
 * FIN when the range reaches it). Returns the sequence space sent.
 */
function sendRange(tl: TcpLayer, t: Tcb, seq: number, end: number, retrans: boolean, gsoLast = false): number {
  const dataEnd = t.dataEnd;
  let flags = ACK;
  const dataStop = seqMin(end, dataEnd);
  let len = (dataStop - seq) | 0;
  if (len < 0) len = 0;
  let space = len;
  if (t.finQueued && seqGt(end, dataEnd) && !seqGt(seq, dataEnd)) {
    flags |= FIN;
    space++;
  }
  if (len === 0 && !(flags & FIN)) return 0;
  const off = (seq - t.sndBufSeq) >>> 0;
  if (len > 0 && (gsoLast || (tl.personality.writeRecords ? t.sndBuf.pushAt(off + len) : dataStop === dataEnd))) flags |= PSH;
  const data = len > 0 ? t.sndBuf.peek(off, len) : EMPTY;
  if (!transmit(tl, t, seq, flags, data)) return 0;
  if (t.pacing !== null) pacingSent(tl, t, len);
  if (!retrans && len > 0) t.sndBuf.sent(off + len);
  logSent(tl, t, seq, (seq + space) >>> 0, retrans);
  const c = tl.ctx.counters;
  if (retrans) {
    if (t.mtup !== null) mtuProbeCancel(t);
    c.inc(c.Tcp, "RetransSegs");
    t.totalRetrans++;
    t.retransOut++;
    t.bytesRetrans += len;
    if (t.retransStamp === 0) t.retransStamp = tl.ctx.scheduler.now();
    if (t.undoMarker >= 0) t.undoRetrans++;
    if (t.rttTime >= 0 && seqLt(seq, t.rttSeq)) t.rttTime = -1; // Karn: no sample from a retransmitted range
  } else {
    t.bytesSent += len;
  }
  if (flags & FIN) {
    t.finSent = true;
    t.finSeq = dataEnd;
  }
  const newEnd = (seq + space) >>> 0;
  if (seqGt(newEnd, t.sndNxt)) t.sndNxt = newEnd;
  if (seqGt(newEnd, t.sndMax)) t.sndMax = newEnd;
  return space;
}

/**
 * Records a transmission in the connection's {@link SentLog} (created at
 * the first data sent when RACK or tail loss probes apply: SACK negotiated,
 * `tcp_recovery` bit 1 or `tcp_early_retrans` 3/4).
 */
export function logSent(tl: TcpLayer, t: Tcb, seq: number, end: number, retrans: boolean): void {
  let log = t.sentLog;
  if (!log) {
    // A rate-based congestion control (BBR) needs the log for its delivery-rate samples, SACK or not.
    const rateBased = t.cc.congControl !== undefined;
    if (retrans || (!t.sackOk && !rateBased)) return;
    const rack = rackOn(tl, t);
    if (!rack && !tlpOn(tl, t) && !rateBased) return;
    log = t.sentLog = new SentLog();
    log.rack = rack;
  }
  if (log.rate === null && t.cc.congControl) rateAttach(tl, t, log, Math.ceil(pipeBytes(t) / t.mss));
  log.onSent(seq, end, tl.ctx.scheduler.now());
}

/**
 * The SYN's data that its SYN-ACK left unacknowledged (Linux
 * tcp_rcv_fastopen_synack: tcp_mark_skb_lost on the SYN-data skb): entered
 * in the {@link SentLog} as sent with the SYN at `xmit` and lost, so that its
 * retransmission right after the handshake is a retransmission for RACK.
 */
export function logSynDataLost(tl: TcpLayer, t: Tcb, seq: number, end: number, xmit: Micros): void {
  if (t.sentLog || !t.sackOk || !seqLt(seq, end)) return;
  const rack = rackOn(tl, t);
  if (!rack && !tlpOn(tl, t)) return;
  const log = t.sentLog = new SentLog();
  log.rack = rack;
  log.onSent(seq, end, xmit);
  log.markAllLost();
}

/**
 * Where the GSO packet Linux would send from `seq` ends (Linux
 * tcp_write_xmit: one skb per transmission, cut by tcp_mss_split_point to
 * `min(cwnd quota, tcp_tso_autosize)` segments, within the peer's window,
 * the skb's end (send-skbs.ts; a MSG_EOR record's end, the written data's end) and
 * without a trailing partial segment Nagle would hold). Linux's
 * __tcp_transmit_skb sets PSH on every packet of more than one segment
 * (to flush GRO at the receiver); GSO leaves it on the last segment, so
 * sockstack, which sends MSS-sized segments, marks the segment ending the
 * unit. Returns the unit's end, or -1 when the unit is a single segment.
 */
function gsoUnitEnd(tl: TcpLayer, t: Tcb, seq: number, unsent: number, mss: number): number {
  if (t.md5 !== null) return -1; // TCP_MD5SIG turned GSO off (sk_gso_disable): one segment per skb
  // tcp_cwnd_test: at most half of cwnd per GSO packet ("at least 2 GSO packets in flight").
  const segs = Math.min(cwndQuota(t, mss), Math.max(t.cc.cwnd >> 1, 1), burstSegs(t, pacingRate(t), mss, tl.ctx.sysctl.tcp_min_tso_segs));
  if (segs < 2) return -1;
  let avail = t.sndBuf.skbLimit((seq - t.sndBufSeq) >>> 0, t.sndBuf.recordLimit((seq - t.sndBufSeq) >>> 0, unsent));
  const wnd = ((t.sndUna + t.sndWnd) >>> 0) - seq | 0;
  if (wnd < avail) avail = Math.max(wnd, 0);
  let len = segs * mss;
  if (len > avail) {
    len = avail;
    const partial = len % mss;
    // tcp_mss_split_point: a trailing partial segment stays in the unit unless Nagle holds it
    // (sockstack's loop below holds it on the same test, with the unit's full segments in flight).
    const end = (seq + len) >>> 0;
    const recordEnd = end !== t.dataEnd && t.sndBuf.isRecordEnd((end - t.sndBufSeq) >>> 0);
    if (partial > 0 && !t.finQueued && !recordEnd &&
      (t.cork || (!t.nodelay && (!tl.personality.nagleMinshall || (seqGt(t.sndSml, t.sndUna) && !seqGt(t.sndSml, t.sndNxt)))))) {
      len -= partial;
    }
  }
  return len > mss ? (seq + len) >>> 0 : -1;
}

/**
 * The transmit loop (Linux tcp_write_xmit): retransmits holes first while
 * recovering, then sends new data while the congestion window, the peer's
 * window, Nagle and TCP_CORK allow, then the FIN. Arms the retransmission
 * or persist timer as needed.
 */
export function tcpOutput(tl: TcpLayer, t: Tcb): void {
  const st = t.state;
  if (st !== TcpState.ESTABLISHED && st !== TcpState.CLOSE_WAIT && st !== TcpState.FIN_WAIT1 &&
      st !== TcpState.CLOSING && st !== TcpState.LAST_ACK && !(st === TcpState.SYN_RECV && t.fo?.passive)) return;
  if (t.mtup !== null) mtupSyncPending(t); // Linux tcp_current_mss: a route MTU change takes effect now
  const mss = currentMss(t);
  // 1. Fast-recovery retransmissions (holes first, RFC 6675 §5 / RFC 6582); under RACK also in
  //    Loss after an RTO, the lost marks walked the same way (Linux tcp_xmit_retransmit_queue; loss.ts).
  const ca = t.caState;
  if (ca === "recovery") {
    while (cwndQuota(t, mss) > 0 && !pacingBlocked(tl, t) && retransmitNext(tl, t)) t.cc.onTransmit(1);
  } else if (ca === "loss" && t.sentLog !== null && t.sentLog.rack && !t.sentLog.frtoHold) {
    const c = tl.ctx.counters;
    while (cwndQuota(t, mss) > 0 && !pacingBlocked(tl, t) && retransmitNext(tl, t)) c.inc(c.TcpExt, "TCPSlowStartRetrans");
  }
  // 2. From snd.nxt: after an RTO this re-sends what was outstanding (go-back-N,
  //    skipping SACKed ranges), then new data; finally the FIN.
  let sent = false;
  let sentNew = false;
  let cwndBound = false;
  let rwndLimited = false;
  // The GSO packet Linux would be sending (gsoUnitEnd): its end, and where the next one starts.
  let unitEnd = -1;
  let unitStop = t.sndNxt;
  // Linux tcp_write_xmit: an MTU probe first (mtu-probe.ts); 0: wait (cwnd or the peer's window) and send nothing.
  if (t.mtup !== null && t.mtup.enabled && t.sndNxt === t.sndMax) {
    const probe = mtuProbeSize(tl, t, mss, Math.ceil(pipeBytes(t) / mss));
    if (probe === 0) return;
    if (probe > 0) {
      const seq = t.sndNxt;
      if (t.rttTime < 0) {
        t.rttSeq = (seq + probe) >>> 0;
        t.rttTime = tl.ctx.scheduler.now();
      }
      if (sendRange(tl, t, seq, (seq + probe) >>> 0, false) > 0) {
        mtuProbeSent(t, seq, probe, mss);
        sent = sentNew = true;
        unitStop = t.sndNxt;
      }
    }
  }
  for (;;) {
    const seq = t.sndNxt;
    const retrans = seqLt(seq, t.sndMax);
    if (retrans && t.sb && t.sb.isSacked(seq)) {
      // Skip a range the receiver already has.
      t.sndNxt = seqMin(skipSacked(t, seq), t.sndMax);
      continue;
    }
    const dataEnd = t.dataEnd;
    const unsent = seqLt(seq, dataEnd) ? (dataEnd - seq) >>> 0 : 0;
    if (unsent === 0) {
      // The FIN: new, or again after a go-back (it needs no window, only cwnd).
      if (t.finQueued && seq === dataEnd && (!t.finSent || retrans) && cwndQuota(t, mss) > 0 && !pacingBlocked(tl, t)) {
        if (sendRange(tl, t, seq, (dataEnd + 1) >>> 0, retrans) > 0) {
          sent = true;
          // A new FIN is new data for the probe (Linux: the FIN is an skb tcp_write_xmit sends, then
          // tcp_schedule_loss_probe; checked on Linux 6.18: a lone unacknowledged FIN is re-sent at the
          // probe timeout, then at the RTO, then backed off).
          if (!retrans) sentNew = true;
        }
      }
      break;
    }
    if (cwndQuota(t, mss) <= 0) {
      cwndBound = true;
      break;
    }
    let len = Math.min(unsent, mss);
    if (retrans) {
      len = Math.min(len, (t.sndMax - seq) >>> 0);
      if (t.sb && !t.sb.isEmpty) len = t.sb.holeLength(seq, len);
    }
    // MSG_EOR (Linux tcp_skb_can_collapse_to): no segment crosses a record's end, and a
    // record followed by more data is not Nagle-tested (only the write queue's last skb is).
    let recordEnd = false;
    if (tl.personality.writeRecords) {
      const off = (seq - t.sndBufSeq) >>> 0;
      len = t.sndBuf.recordLimit(off, len);
      recordEnd = ((seq + len) >>> 0) !== dataEnd && t.sndBuf.isRecordEnd(off + len);
    }
    // Sender SWS avoidance (Linux tcp_snd_wnd_test): the segment must fit the peer's window.
    if (seqGt((seq + len) >>> 0, (t.sndUna + t.sndWnd) >>> 0)) {
      rwndLimited = true;
      break;
    }
    // Nagle (RFC 896) as Linux tcp_nagle_check: hold a small new segment while data is
    // unacknowledged and, Minshall's variant, a small segment sent earlier is among it
    // (tcp_minshall_check) — a write of 2000 bytes with an MSS of 800 leaves as 800, 800, 400
    // (checked on Linux 6.18). The FreeBSD personality holds it while anything is unacknowledged.
    if (!retrans && len < mss && !t.finQueued && !recordEnd) {
      if (t.cork) break;
      if (!t.nodelay && seqLt(t.sndUna, t.sndNxt) &&
        (!tl.personality.nagleMinshall || (seqGt(t.sndSml, t.sndUna) && !seqGt(t.sndSml, t.sndNxt)))) break;
    }
    const end = (seq + len) >>> 0;
    const withFin = t.finQueued && end === dataEnd;
    if (!retrans && t.rttTime < 0) {
      t.rttSeq = end;
      t.rttTime = tl.ctx.scheduler.now();
    }
    // Internal pacing (Linux tcp_pacing_check): the next departure is later — the pacing timer resumes.
    if (pacingBlocked(tl, t)) break;
    if (!retrans && tl.personality.writeRecords && !seqLt(seq, unitStop)) {
      unitEnd = gsoUnitEnd(tl, t, seq, unsent, mss);
      unitStop = unitEnd >= 0 ? unitEnd : end;
      t.sndBuf.splitSkb((unitStop - t.sndBufSeq) >>> 0); // Linux tso_fragment: the unit's skb ends there (send-skbs.ts)
    }
    if (sendRange(tl, t, seq, withFin ? (end + 1) >>> 0 : end, retrans, !retrans && end === unitEnd) === 0) break;
    if (!retrans && len < mss) t.sndSml = end; // Linux tcp_minshall_update
    if (t.caState === "recovery" || t.caState === "cwr") t.cc.onTransmit(1);
    sent = true;
    if (!retrans) sentNew = true;
  }
  if (sent || seqLt(t.sndUna, t.sndMax)) armRetransmit(tl, t);
  // Linux tcp_write_xmit: the peer's window stopped it, or not (chrono.ts).
  if (rwndLimited) chronoStart(t, TCP_CHRONO_RWND_LIMITED, tl.ctx.scheduler.now());
  else if (t.chrono !== null) chronoStop(t, TCP_CHRONO_RWND_LIMITED, tl.ctx.scheduler.now());
  // Linux tcp_write_xmit → tcp_cwnd_validate: remember whether cwnd limited this window.
  const limited = cwndBound || Math.ceil(pipeBytes(t) / mss) >= t.cwnd;
  if (sentNew || limited) {
    cwndValidate(t, limited, mss);
    // tcp_cwnd_validate, the network starving: everything sent while a writer found the buffer full.
    if (!limited && t.unsentBytes === 0 && t.chrono?.nospace && (st === TcpState.ESTABLISHED || st === TcpState.CLOSE_WAIT)) {
      chronoStart(t, TCP_CHRONO_SNDBUF_LIMITED, tl.ctx.scheduler.now());
    }
  }
  // Linux tcp_write_xmit: new data sent, schedule a tail loss probe (tlp.ts).
  if (sentNew && t.sentLog) scheduleLossProbe(tl, t, false);
  // Data waiting, nothing in flight, window too small: the persist timer probes (RFC 9293 §3.8.6.1).
  if (t.unsentBytes > 0 && t.sndNxt === t.sndUna && t.sndMax === t.sndUna && !(t.pacing !== null && t.pacing.at >= 0)) armPersist(tl, t);
}

/**
 * Linux tcp_slow_start_after_idle_check (RFC 5681 §4.1, RFC 2861): new
 * data queued with nothing in flight after more than an RTO without
 * sending data — cwnd restarts from the initial window, halved once per
 * RTO of idleness (`tcp_cwnd_restart`), when `tcp_slow_start_after_idle`.
 */
export function slowStartAfterIdle(tl: TcpLayer, t: Tcb): void {
  if (!tl.ctx.sysctl.tcp_slow_start_after_idle || t.lastDataSent === 0) return;
  const now = tl.ctx.scheduler.now();
  const idle = now - t.lastDataSent;
  if (idle > t.rtt.rto) t.cc.restartAfterIdle(now, idle, t.rtt.rto);
}

/**
 * Linux tcp_cwnd_validate: tracks, per window of data, whether the sender
 * was cwnd-limited and the most segments it had out — what decides whether
 * an ACK may grow cwnd ({@link isCwndLimited}).
 */
function cwndValidate(t: Tcb, limited: boolean, mss: number): void {
  const packetsOut = Math.ceil(((t.sndMax - t.sndUna) >>> 0) / mss);
  if (!seqLt(t.sndUna, t.cwndUsageSeq) || limited || (!t.isCwndLimited && packetsOut > t.maxPacketsOut)) {
    t.isCwndLimited = limited;
    t.maxPacketsOut = packetsOut;
    t.cwndUsageSeq = t.sndNxt;
  }
}

/**
 * Linux tcp_is_cwnd_limited: cwnd may grow when the last window used all
 * of it — or, in slow start, while cwnd is less than twice the most
 * segments that were out (so cwnd keeps up with what the application sends).
 */
export function isCwndLimited(t: Tcb): boolean {
  if (t.isCwndLimited) return true;
  const cc = t.cc;
  if (cc.inSlowStart) return cc.cwnd < 2 * t.maxPacketsOut;
  return false;
}

/** The end of the SACKed range containing `s`. */
function skipSacked(t: Tcb, s: number): number {
  for (const [a, b] of t.sb!.ranges()) if (!seqLt(s, a) && seqLt(s, b)) return b;
  return (s + 1) >>> 0;
}

/**
 * A window probe (Linux tcp_write_wakeup / tcp_xmit_probe_skb): when the
 * peer's window has room send up to that much new data; otherwise a
 * segment with SEQ = SND.UNA − 1 and no data that forces an ACK (also
 * the keepalive probe, seed C7). Returns true when the local qdisc
 * dropped it (Linux: tcp_write_wakeup's result > 0, "local congestion").
 */
export function sendProbe(tl: TcpLayer, t: Tcb, keepalive: boolean): boolean {
  localDrop = false;
  const wndEnd = (t.sndUna + t.sndWnd) >>> 0;
  if (!keepalive && t.unsentBytes > 0 && seqLt(t.sndNxt, wndEnd)) {
    const len = Math.min(t.unsentBytes, (wndEnd - t.sndNxt) >>> 0, currentMss(t));
    // Linux tcp_write_wakeup marks the skb it sends from PSH (the segment carries it when it ends the skb).
    if (tl.personality.writeRecords) t.sndBuf.markPush();
    sendRange(tl, t, t.sndNxt, (t.sndNxt + len) >>> 0, false);
    return localDrop;
  }
  transmit(tl, t, (t.sndUna - 1) >>> 0, ACK, EMPTY);
  return localDrop;
}

/** The last transmit() was dropped by the local qdisc (ENOBUFS; read by sendProbe's caller through its result). */
let localDrop = false;

/**
 * The tail loss probe's new segment (Linux tcp_send_loss_probe →
 * tcp_write_xmit with Nagle off and one segment): up to an MSS of unsent
 * data if the peer's window takes all of it; cwnd does not apply.
 */
export function sendProbeSegment(tl: TcpLayer, t: Tcb): void {
  const mss = currentMss(t);
  const seq = t.sndNxt;
  if (seqLt(seq, t.sndMax)) return;
  const len = Math.min(t.unsentBytes, mss);
  if (len <= 0 || seqGt((seq + len) >>> 0, (t.sndUna + t.sndWnd) >>> 0)) return;
  const end = (seq + len) >>> 0;
  const withFin = t.finQueued && end === t.dataEnd;
  if (t.rttTime < 0) {
    t.rttSeq = end;
    t.rttTime = tl.ctx.scheduler.now();
  }
  sendRange(tl, t, seq, withFin ? (end + 1) >>> 0 : end, false);
}

/**
 * The tail loss probe's retransmission: the last MSS of the last segment
 * sent (Linux tcp_send_loss_probe fragments a multi-segment skb to its
 * last MSS). Returns true when it left.
 */
export function sendLastSegment(tl: TcpLayer, t: Tcb, log: SentLog): boolean {
  const i = log.last;
  if (i < 0) return false;
  const end = log.endOf(i);
  let seq = log.startOf(i);
  const mss = currentMss(t);
  if (((end - seq) >>> 0) > mss) seq = (end - mss) >>> 0;
  if (seqLt(seq, t.sndUna)) seq = t.sndUna;
  return sendRange(tl, t, seq, end, true) > 0;
}

/** Sends our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED after a simultaneous open). */
export function sendSyn(tl: TcpLayer, t: Tcb): boolean {
  const flags = t.state === TcpState.SYN_RECV ? SYN | ACK : SYN;
  return transmit(tl, t, t.iss, flags, EMPTY);
}
