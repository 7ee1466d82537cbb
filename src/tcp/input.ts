/**
 * TCP input (RFC 9293 §3.10.7 SEGMENT ARRIVES; Linux tcp_input.c): the
 * demultiplexing entry point, SYN-SENT processing, and the checks of the
 * synchronized states in the RFC's order — sequence acceptability (with
 * PAWS, RFC 7323), RST (RFC 5961 §3), SYN (RFC 5961 §4), ACK (with RFC
 * 5961 §5's range check, RTT sampling, congestion control, fast
 * retransmit / recovery, window update), data (in order, out of order with
 * SACK, duplicates with D-SACK), and FIN.
 *
 * Malformed segments are dropped and counted, never thrown.
 */
import { POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, POLLRDHUP } from "../core/poll-events.js";
import { seqGe, seqGt, seqLe, seqLt, seqMax, seqMin } from "../core/seq.js";
import type { NetInterface } from "../ip/interface.js";
import { datagramTail, type IcmpErrorInfo } from "../ip/protocol.js";
import { foldChecksum, pseudoHeaderSum, sum16 } from "../wire/checksum.js";
import { IPPROTO_TCP, type Ipv4Header } from "../wire/ipv4.js";
import type { Packet } from "../wire/packet.js";
import { newTcpHeader, parseTcpInto, parseTcpQuoteInto } from "../wire/tcp.js";
import { newAckSample, type AckSample } from "./congestion/congestion-control.js";
import { bsdTcpMss } from "./bsd-mss.js";
import { listenInput } from "./listen.js";
import { OooQueue } from "./ooo-queue.js";
import { retransmitNext, sendAck, sendResetFor, sendTimeWaitAck, tcpOutput, transmit, currentMss, pipeBytes } from "./output.js";
import { TimeWaitSock } from "./timewait.js";
import { SackScoreboard } from "./sack-scoreboard.js";
import { ACK, FIN, RST, SYN, URG, type Segment } from "./segment.js";
import type { Tcb } from "./tcb.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";
import { EMPTY } from "../wire/packet.js";

/** The parsed header of the segment being processed (its SACK edges are the segment's `sack`). */
const hdrScratch = newTcpHeader();
const sample: AckSample = newAckSample();
let segBusy = false;
const segScratch: Segment = newSegment();
/** Linux TCP_ATO_MIN (HZ/25). */
const ATO_MIN = 40_000;
/** Linux TCP_MAX_QUICKACKS. */
const MAX_QUICKACKS = 16;
/** RFC 7323 §5.5: TS.Recent older than 24 days is invalid for PAWS. */
const PAWS_24DAYS = 24 * 24 * 3600 * 1_000_000;

/**
 * IP hands every TCP datagram here: validate (length, data offset,
 * options, checksum), then demultiplex (RFC 9293 §3.10.7).
 */
export function tcpInput(tl: TcpLayer, packet: Packet, ip: Ipv4Header, _iface: NetInterface): void {
  const c = tl.ctx.counters;
  c.inc(c.Tcp, "InSegs");
  const l4 = ip.headerLength;
  const total = ip.totalLength - l4;
  const h = packet.head;
  // Validated in the order that decides which counter a malformed segment
  // bumps: length and data offset, then the checksum, then the options.
  // The header must lie in `head` (a data offset past it is a bad one).
  const th = segBusy ? newTcpHeader() : hdrScratch;
  const err = parseTcpInto(h, l4, Math.min(total, h.length - l4), th);
  if (err !== null && err.reason !== "bad-option") {
    c.inc(c.Tcp, "InErrs");
    if (err.reason === "bad-data-offset") c.inc(c.Sockstack, "TcpBadDataOffset");
    return;
  }
  const doff = th.headerLength;
  const data = datagramTail(packet, l4 + doff);
  const dataLen = total - doff;
  const payload = data.length > dataLen ? data.subarray(0, dataLen) : data;
  if (!packet.csumPartial) {
    let acc = pseudoHeaderSum(ip.src, ip.dst, IPPROTO_TCP, total);
    acc = sum16(h, l4, doff, acc);
    acc = sum16(payload, 0, payload.length, acc);
    if (foldChecksum(acc) !== 0) {
      c.inc(c.Tcp, "InCsumErrors");
      c.inc(c.Tcp, "InErrs");
      return;
    }
  }
  if (err !== null) {
    c.inc(c.Tcp, "InErrs");
    c.inc(c.Sockstack, "TcpBadOption");
    return;
  }
  // One scratch record serves every segment (nothing keeps a reference to
  // it: the special cases that need a modified copy spread it); a fresh one
  // only if input ever re-entered itself.
  const seg = segBusy ? newSegment() : segScratch;
  seg.saddr = ip.src; seg.daddr = ip.dst; seg.sport = th.srcPort; seg.dport = th.dstPort;
  seg.seq = th.seq; seg.ack = th.ack; seg.flags = th.flags; seg.window = th.window; seg.urgent = th.urgent;
  seg.data = payload;
  seg.mss = th.mss ?? -1; seg.wscale = th.wscale ?? -1; seg.sackOk = th.sackOk; seg.sack = th.sack.length ? th.sack : null;
  seg.hasTs = th.tsVal !== undefined; seg.tsVal = th.tsVal ?? 0; seg.tsEcr = th.tsEcr ?? 0;
  const outer = segBusy;
  segBusy = true;
  demux(tl, seg);
  segBusy = outer;
  if (!outer) seg.data = EMPTY;
}

function newSegment(): Segment {
  return {
    saddr: 0, daddr: 0, sport: 0, dport: 0, seq: 0, ack: 0, flags: 0, window: 0, urgent: 0, data: EMPTY,
    mss: -1, wscale: -1, sackOk: false, sack: null, hasTs: false, tsVal: 0, tsEcr: 0,
  };
}

/** Finds the connection, TIME-WAIT record or listener of a validated segment, or answers with a RST. */
function demux(tl: TcpLayer, seg: Segment): void {
  const c = tl.ctx.counters;
  // tcp(personality): FreeBSD net.inet.tcp.drop_synfin drops SYN|FIN in every state.
  if ((seg.flags & (SYN | FIN)) === (SYN | FIN) && tl.ctx.sysctl.tcp_drop_synfin) {
    c.inc(c.Sockstack, "TcpDropSynFin");
    return;
  }
  const t = tl.tables.lookup(seg.daddr, seg.dport, seg.saddr, seg.sport);
  if (t) {
    if (t instanceof TimeWaitSock) {
      if (timeWaitInput(tl, t, seg)) return;
      // A new SYN reuses the tuple: fall through to the listener.
    } else {
      t.segsIn++;
      segmentArrives(tl, t, seg);
      return;
    }
  }
  const lt = tl.tables.findListener(seg.daddr, seg.dport, tl.tupleHash(seg.saddr, seg.sport, seg.daddr, seg.dport));
  if (lt) {
    listenInput(tl, lt, seg);
    return;
  }
  // CLOSED (RFC 9293 §3.10.7.1): answer with a RST (F5, G4).
  // tcp(personality): FreeBSD finds a bound, closed socket in its PCB table and answers with its TOS/TTL.
  let tos = 0, ttl = -1;
  if (tl.ctx.sysctl.tcp_rst_bound_bsd) {
    const owners = tl.tables.bucket(seg.dport)?.owners;
    if (owners) {
      for (const o of owners) {
        if (!(o instanceof TimeWaitSock) && o.state === TcpState.CLOSE && (o.localAddr === 0 || o.localAddr === seg.daddr)) {
          tos = o.tos;
          ttl = o.ttl;
          break;
        }
      }
    }
  }
  sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, seg.data.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0), tos, ttl);
}

/**
 * TIME-WAIT (RFC 9293 §3.10.7.4, Linux tcp_timewait_state_process):
 * a bare ACK or RST exactly at rcv.nxt is in window — the RST kills the
 * record unless `tcp_rfc1337` (RFC 1337 protection), the ACK restarts the
 * 2MSL wait; a SYN with a higher sequence number (or newer timestamp) may
 * open a new incarnation (returns false: let the listener take it);
 * everything else — a retransmitted FIN above all — is answered with an ACK
 * and restarts the wait. Returns true when consumed.
 */
function timeWaitInput(tl: TcpLayer, tw: TimeWaitSock, seg: Segment): boolean {
  if (tl.ctx.sysctl.tcp_twcheck_bsd) return timeWaitInputBsd(tl, tw, seg);
  const now = tl.ctx.scheduler.now();
  const paws = tw.tsOk && seg.hasTs && seqLt(seg.tsVal, tw.tsRecent) && !(seg.flags & RST);
  const len = seg.data.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
  if (!paws && seg.seq === tw.rcvNxt && (len === 0 || seg.flags & RST)) {
    if (seg.flags & RST) {
      const c = tl.ctx.counters;
      if (!tl.ctx.sysctl.tcp_rfc1337) {
        c.inc(c.Sockstack, "TcpTimeWaitRst");
        tl.destroyTimeWait(tw);
      } else {
        c.inc(c.Sockstack, "TcpRstIgnored"); // RFC 1337 protection
      }
    } else {
      tl.restartTimeWait(tw);
    }
    if (seg.hasTs && tw.tsOk) {
      tw.tsRecent = seg.tsVal;
      tw.tsRecentStamp = now;
    }
    return true;
  }
  if ((seg.flags & (SYN | RST | ACK)) === SYN && !paws &&
      (seqGt(seg.seq, tw.rcvNxt) || (tw.tsOk && seg.hasTs && seqGt(seg.tsVal, tw.tsRecent)))) {
    tl.destroyTimeWait(tw);
    return false;
  }
  if (paws) tl.ctx.counters.inc(tl.ctx.counters.TcpExt, "PAWSTimewait");
  if (seg.flags & RST) {
    tl.ctx.counters.inc(tl.ctx.counters.Sockstack, "TcpRstIgnored");
    return true;
  }
  if (paws || seg.flags & ACK) tl.restartTimeWait(tw);
  sendTimeWaitAck(tl, tw);
  return true;
}

/**
 * TIME-WAIT the FreeBSD way (tcp(personality) `tcp_twcheck_bsd`, FreeBSD
 * tcp_timewait.c tcp_twcheck): a RST is dropped (RFC 1337 unless
 * `tcp_rfc1337` is off); a SYN without ACK above rcv.nxt recycles the tuple
 * (returns false: the listener takes it); other segments without ACK are
 * dropped; a retransmitted FIN restarts the 2·MSL wait; everything but an
 * exact duplicate ACK (flags ACK only, no data, SEQ = RCV.NXT, ACK =
 * SND.NXT) is answered with an ACK. No PAWS. Returns true when consumed.
 */
function timeWaitInputBsd(tl: TcpLayer, tw: TimeWaitSock, seg: Segment): boolean {
  const f = seg.flags;
  const c = tl.ctx.counters;
  if (f & RST) {
    if (!tl.ctx.sysctl.tcp_rfc1337 && seg.seq === tw.rcvNxt) {
      c.inc(c.Sockstack, "TcpTimeWaitRst");
      tl.destroyTimeWait(tw);
    } else {
      c.inc(c.Sockstack, "TcpRstIgnored");
    }
    return true;
  }
  if ((f & (SYN | ACK)) === SYN && seqGt(seg.seq, tw.rcvNxt)) {
    tl.destroyTimeWait(tw);
    return false;
  }
  if (!(f & ACK)) {
    c.inc(c.Sockstack, "TcpBadFlagsDrop");
    return true;
  }
  if (f & FIN && ((seg.seq + seg.data.length + (f & SYN ? 1 : 0) + 1) >>> 0) === tw.rcvNxt) tl.restartTimeWait(tw);
  if (f !== ACK || seg.data.length || seg.seq !== tw.rcvNxt || seg.ack !== tw.sndNxt) sendTimeWaitAck(tl, tw);
  return true;
}

/** Copies the negotiated options of a SYN into the TCB (RFC 7323, RFC 2018). */
export function applySynOptions(tl: TcpLayer, t: Tcb, seg: Segment): void {
  const s = tl.ctx.sysctl;
  t.peerMss = seg.mss > 0 ? seg.mss : 536;
  t.wscaleOk = s.tcp_window_scaling && seg.wscale >= 0;
  t.sndWscale = t.wscaleOk ? Math.min(seg.wscale, 14) : 0;
  t.sackOk = s.tcp_sack && seg.sackOk;
  t.tsOk = s.tcp_timestamps && seg.hasTs;
  if (t.tsOk) {
    t.tsRecent = seg.tsVal;
    t.tsRecentStamp = tl.ctx.scheduler.now();
  }
  updateMss(t);
}

/** Send MSS from the path MTU, the peer's MSS and TCP_MAXSEG, less the timestamp option. */
export function updateMss(t: Tcb): void {
  let mss = Math.min(t.peerMss, t.pmtu - 40);
  if (t.userMss) mss = Math.min(mss, t.userMss);
  if (t.tsOk) mss -= 12;
  // Linux tcp_bound_to_half_wnd: never more than half the largest window the peer offered
  // (why `ss` shows mss:32768 on a fresh loopback connection).
  const cutoff = t.maxWindow > 536 ? t.maxWindow >> 1 : t.maxWindow;
  if (cutoff && mss > cutoff) mss = Math.max(cutoff, 68 - 20 - (t.tsOk ? 12 : 0));
  t.mss = Math.max(mss, 48);
  if (t.sb) t.sb.mss = t.mss;
}

/** Common setup when a connection becomes ESTABLISHED (Linux tcp_init_transfer). */
export function establish(tl: TcpLayer, t: Tcb): void {
  bsdTcpMss(tl, t); // tcp(personality): FreeBSD rounds the buffers to the MSS
  t.rwin.established(t.rcvBuf.fullSpace(), t.rcvNxt, t.wscaleOk);
  if (!t.wscaleOk) t.sndWscale = 0;
  // Linux tcp_initialize_rcv_mss: a conservative guess of the peer's segment size.
  t.rcvMss = Math.max(88, Math.min(t.advMss, t.mss, Math.floor(t.rwin.rcvWnd / 2), 536));
  t.ato = ATO_MIN;
  t.lastRecv = tl.ctx.scheduler.now();
  sndbufExpand(tl, t);
  tl.setState(t, TcpState.ESTABLISHED);
  tl.resetKeepalive(t);
}

/**
 * Send-buffer autotuning (Linux tcp_sndbuf_expand): room for twice the
 * congestion window (plus what is in flight), up to tcp_wmem[2], unless the
 * user fixed SO_SNDBUF. Counted in payload bytes.
 */
export function sndbufExpand(tl: TcpLayer, t: Tcb): void {
  if (t.sndbufLocked) return;
  const want = Math.min(tl.ctx.sysctl.tcp_wmem[2], 2 * Math.max(t.cwnd, 10) * t.mss * 2);
  if (want > t.sndBuf.capacity) t.sndBuf.capacity = want;
}

/** SYN-SENT (RFC 9293 §3.10.7.3). */
function synSentInput(tl: TcpLayer, t: Tcb, seg: Segment): void {
  const c = tl.ctx.counters;
  const hasAck = (seg.flags & ACK) !== 0;
  if (hasAck && (seqLe(seg.ack, t.iss) || seqGt(seg.ack, t.sndNxt))) {
    // An unacceptable ACK: RST (sendResetFor counts a RST it will not answer).
    sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, 0);
    return;
  }
  if (seg.flags & RST) {
    if (hasAck) {
      // Connection refused (G4): the peer has no listener.
      c.inc(c.Tcp, "AttemptFails");
      tl.abort(t, "ECONNREFUSED", false);
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
  applySynOptions(tl, t, seg);
  bsdTcpMss(tl, t); // tcp(personality): FreeBSD sizes the buffers once the peer's MSS is known
  if (!t.wscaleOk) t.rwin.rcvWscale = 0;
  if (hasAck) {
    const now = tl.ctx.scheduler.now();
    if (t.retransmits === 0) t.rtt.sample(now - t.retransStamp, true, now);
    t.sndUna = seg.ack;
    // The SYN-ACK's window is never scaled (RFC 7323 §2.2).
    t.sndWnd = seg.window;
    t.maxWindow = t.sndWnd;
    updateMss(t);
    t.sndWl1 = seg.seq;
    t.sndWl2 = seg.ack;
    t.highRxt = t.sndUna;
    t.retransmits = 0;
    t.retransStamp = 0;
    t.rtt.resetBackoff();
    tl.stopRetransmit(t);
    establish(tl, t);
    t.wq.wake(POLLOUT | POLLWRNORM);
    tl.ctx.notifyWake();
    // Data queued before the handshake finished (or none): send it with the ACK, else a bare ACK.
    const before = t.segsOut;
    tcpOutput(tl, t);
    if (t.segsOut === before) sendAck(tl, t);
    if (seg.data.length || seg.flags & FIN) processData(tl, t, { ...seg, seq: (seg.seq + 1) >>> 0, flags: seg.flags & ~SYN });
    return;
  }
  // Simultaneous open (RFC 9293 §3.5 figure 8): SYN-RECEIVED, send SYN-ACK.
  tl.setState(t, TcpState.SYN_RECV);
  t.sndWnd = seg.window;
  transmit(tl, t, t.iss, SYN | ACK, EMPTY);
}

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
  if (t.tsOk && seg.hasTs && !(seg.flags & RST) && seqLt(seg.tsVal, t.tsRecent) && now - t.tsRecentStamp < PAWS_24DAYS) {
    c.inc(c.TcpExt, "PAWSEstab");
    if (!oowLimited(tl, t, seg, "TCPACKSkippedPAWS")) sendAck(tl, t);
    return;
  }

  // 1. Sequence acceptability (RFC 9293 §3.10.7.4 table).
  let rcvWnd = t.rwin.receiveWindow(t.rcvNxt);
  // tcp(personality): FreeBSD's rcv_wnd is max(sbspace, offered), not capped by the 16-bit field.
  if (tl.ctx.sysctl.tcp_rcvbuf_bsd) rcvWnd = Math.max(rcvWnd, t.rcvBuf.rcvbuf - t.rcvBuf.length);
  let acceptable: boolean;
  if (len === 0) {
    acceptable = rcvWnd === 0 ? seg.seq === t.rcvNxt : seqGe(seg.seq, t.rcvNxt) && seqLt(seg.seq, (t.rcvNxt + rcvWnd) >>> 0) || seg.seq === t.rcvNxt;
  } else if (rcvWnd === 0) {
    acceptable = false;
  } else {
    const end = (seg.seq + len - 1) >>> 0;
    const wndEnd = (t.rcvNxt + rcvWnd) >>> 0;
    acceptable = (seqGe(seg.seq, t.rcvNxt) && seqLt(seg.seq, wndEnd)) || (seqGe(end, t.rcvNxt) && seqLt(end, wndEnd));
  }
  // Linux tcp_sequence (and FreeBSD's trimming) also take a segment that ends at rcv.nxt — a
  // retransmitted FIN above all: its ACK is processed (CLOSING → TIME-WAIT), its text is a duplicate.
  if (!acceptable && len > 0 && seqGe((seg.seq + len) >>> 0, t.rwin.rcvWup) && seqLe(seg.seq, t.rcvNxt)) acceptable = true;
  // A zero window still lets a segment at exactly rcv.nxt through for its ACK (Linux tcp_sequence); its data is dropped later.
  if (!acceptable && !(rcvWnd === 0 && seg.seq === t.rcvNxt)) {
    if (seg.flags & RST) {
      // RFC 9293 §3.10.7.4 / RFC 5961 §3.2: an out-of-window RST is dropped (Linux: no MIB counter).
      c.inc(c.Sockstack, "TcpRstOutOfWindow");
      return;
    }
    if (seg.flags & SYN) {
      // Linux tcp_validate_incoming (syn_challenge), FreeBSD tcp_respond: an out-of-window SYN gets a challenge ACK.
      challengeAck(tl, t, seg, true);
      return;
    }
    // A retransmission of data we already have (Linux tcp_send_dupack): D-SACK it (RFC 2883) and re-ACK.
    // Not rate-limited: tcp_oow_rate_limited exempts segments carrying data (checked on Linux 6.18:
    // scripts/linux-probes/oow-data.py, one duplicate ACK per old segment; the peer ignores the D-SACKs
    // as dubious, see processAck).
    if (seg.data.length > 0 && seqLt(seg.seq, t.rcvNxt)) {
      c.inc(c.TcpExt, "DelayedACKLost");
      const dataEnd = (seg.seq + seg.data.length) >>> 0;
      dsackOld(tl, t, seg.seq, seqMin(dataEnd, t.rcvNxt));
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
      challengeAck(tl, t, seg, false);
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
      tl.abort(t, "ECONNRESET", true);
      return;
    }
    challengeAck(tl, t, seg, true);
    return;
  }

  // 4. ACK.
  if (!(seg.flags & ACK)) {
    // RFC 9293: "if the ACK bit is off drop the segment" (Linux SKB_DROP_REASON_TCP_FLAGS, no MIB counter).
    c.inc(c.Sockstack, "TcpBadFlagsDrop");
    return;
  }
  if (t.state === TcpState.SYN_RECV) {
    if (seqGt(seg.ack, t.sndUna) && seqLe(seg.ack, t.sndNxt)) {
      t.sndWnd = seg.window << t.sndWscale;
      t.maxWindow = Math.max(t.maxWindow, t.sndWnd);
      updateMss(t);
      t.sndWl1 = seg.seq;
      t.sndWl2 = seg.ack;
      establish(tl, t);
      t.wq.wake(POLLOUT | POLLWRNORM);
      tl.ctx.notifyWake();
    } else {
      sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, len);
      return;
    }
  }
  if (!processAck(tl, t, seg)) return;

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
  else tcpOutput(tl, t);
}

/** Linux tcp_dsack_set for data below rcv.nxt: report it in the next ACK's D-SACK block (TCPDSACKOldSent). */
function dsackOld(tl: TcpLayer, t: Tcb, start: number, end: number): void {
  if (!t.sackOk || !tl.ctx.sysctl.tcp_dsack || !seqLt(start, end)) return;
  (t.ooo ??= new OooQueue(true)).reportDuplicate(start, end);
  tl.ctx.counters.inc(tl.ctx.counters.TcpExt, "TCPDSACKOldSent");
}

/**
 * Linux tcp_oow_rate_limited: ACKs answering out-of-window or invalid
 * segments (duplicate ACKs for old data, PAWS rejects, challenge ACKs) go out
 * at most once per `tcp_invalid_ratelimit` (500 ms) per connection, so two
 * confused peers cannot ping-pong ACKs. Segments carrying data (without SYN)
 * are never limited: they are not part of an ACK loop.
 */
function oowLimited(tl: TcpLayer, t: Tcb, seg: Segment, mib: string): boolean {
  if (seg.data.length > 0 && !(seg.flags & SYN)) return false;
  const now = tl.ctx.scheduler.now();
  if (t.lastOowAck >= 0 && now - t.lastOowAck < tl.ctx.sysctl.tcp_invalid_ratelimit) {
    tl.ctx.counters.inc(tl.ctx.counters.TcpExt, mib);
    return true;
  }
  t.lastOowAck = now;
  return false;
}

/** An RFC 5961 challenge ACK (for a RST or SYN in the window, or a blind old ACK), rate-limited like Linux's. */
function challengeAck(tl: TcpLayer, t: Tcb, seg: Segment, syn: boolean): void {
  const c = tl.ctx.counters;
  if (syn) c.inc(c.TcpExt, "TCPSYNChallenge");
  if (oowLimited(tl, t, seg, "TCPACKSkippedChallenge")) return;
  c.inc(c.TcpExt, "TCPChallengeACK");
  sendAck(tl, t, true);
}

/** The peer reset the connection (Linux tcp_reset). */
function resetReceived(tl: TcpLayer, t: Tcb): void {
  const c = tl.ctx.counters;
  // Linux tcp_reset: EPIPE in CLOSE-WAIT, ECONNRESET everywhere else (SYN-SENT's ECONNREFUSED is in
  // synSentInput). tcp(personality): FreeBSD reports ECONNREFUSED in SYN-RECEIVED and ECONNRESET in CLOSE-WAIT.
  const bsd = tl.ctx.sysctl.tcp_reset_errno_bsd;
  let err: "ECONNREFUSED" | "EPIPE" | "ECONNRESET" = "ECONNRESET";
  if (t.state === TcpState.CLOSE_WAIT && !bsd) err = "EPIPE";
  else if (t.state === TcpState.SYN_RECV && bsd) err = "ECONNREFUSED";
  if (t.state === TcpState.ESTABLISHED || t.state === TcpState.CLOSE_WAIT) c.inc(c.Tcp, "EstabResets");
  t.rcvBuf.clear();
  tl.abort(t, t.orphan ? null : err, false);
}

/**
 * ACK processing (RFC 9293 §3.10.7.4 fifth; RFC 5961 §5; RFC 6298; RFC
 * 5681/6582/6675). Returns false when the segment must be dropped.
 */
function processAck(tl: TcpLayer, t: Tcb, seg: Segment): boolean {
  const c = tl.ctx.counters;
  const now = tl.ctx.scheduler.now();
  const ack = seg.ack;
  // RFC 5961 §5.2: an ACK below snd.una − max window is blind injection.
  if (seqLt(ack, (t.sndUna - Math.max(t.maxWindow, 1)) >>> 0)) {
    challengeAck(tl, t, seg, false);
    return false;
  }
  if (seqGt(ack, t.sndMax)) {
    // Acknowledges something not yet sent. RFC 9293 says ACK and drop; Linux tcp_ack drops it
    // silently (SKB_DROP_REASON_TCP_ACK_UNSENT_DATA) — no ACK, so no ACK loop with a confused peer.
    c.inc(c.Sockstack, "TcpAckUnsentData");
    return false;
  }
  // Linux tcp_ack: an ACK without data or FIN is TCPHPAcks when header prediction took it (an
  // established connection's ACK that advances snd.una) and TCPPureAcks otherwise (sockstack has no
  // separate fast path and applies that rule to every pure ACK).
  if (seg.data.length === 0 && !(seg.flags & (SYN | FIN))) {
    c.inc(c.TcpExt, t.state === TcpState.ESTABLISHED && seqGt(ack, t.sndUna) ? "TCPHPAcks" : "TCPPureAcks");
  }
  t.lastAckRecv = now;
  t.probesOut = 0;
  // SACK information (RFC 2018, RFC 6675).
  let newlySacked = 0;
  let dsacking = false;
  if (t.sackOk && seg.sack && seg.sack.length) {
    const sb = (t.sb ??= new SackScoreboard(t.mss, t.reordering));
    const u = sb.update(ack, t.sndUna, t.sndMax, seg.sack, seg.sack.length >> 1);
    newlySacked = u.newlySacked;
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
  if (seqGt(ack, t.sndUna)) {
    newAck(tl, t, seg, newlySacked);
  } else if (ack === t.sndUna && seg.data.length === 0 && !(seg.flags & (SYN | FIN)) && t.sndWnd === oldWnd && seqLt(t.sndUna, t.sndMax)) {
    // What counts as loss evidence (Linux tcp_ack / tcp_fastretrans_alert): an ACK carrying a D-SACK
    // is no duplicate ACK (FLAG_DSACKING_ACK → num_dupack = 0) — it reports data received twice,
    // which anybody can cause by replaying old data at the receiver. With SACK, only ACKs that SACK
    // new data count (Linux counts SACKed segments, sacked_out, not ACKs). Without SACK every
    // duplicate ACK counts (RFC 5681, Linux tcp_add_reno_sack).
    if (!dsacking && (!t.sackOk || newlySacked > 0)) duplicateAck(tl, t, newlySacked);
  }
  // The window opened: stop probing.
  if (t.sndWnd > 0 && (t.persistAt >= 0 || t.probeBackoff)) {
    t.persistAt = -1;
    t.probeBackoff = 0;
    tl.rearm(t);
  }
  return true;
}

/** An ACK that acknowledges new data. */
function newAck(tl: TcpLayer, t: Tcb, seg: Segment, newlySacked: number): void {
  const c = tl.ctx.counters;
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
    t.sndBuf.acknowledge(bufAcked);
    t.sndBufSeq = (t.sndBufSeq + bufAcked) >>> 0;
    t.bytesAcked += bufAcked;
  }
  const prevUna = t.sndUna;
  t.sndUna = ack;
  if (seqLt(t.sndNxt, ack)) t.sndNxt = ack;
  if (seqLt(t.highRxt, ack)) t.highRxt = ack;
  t.sb?.advance(ack);
  t.dupAcks = 0;
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
  if (ack === t.sndMax) t.retransStamp = 0;
  // Congestion control.
  const ca = t.cc.state;
  const mss = t.mss;
  const s = sample;
  s.now = now;
  s.ack = ack;
  s.sndNxt = t.sndNxt;
  s.ackedSacked = Math.max(1, Math.ceil((acked + newlySacked) / mss));
  s.rtt = rtt;
  s.unaAdvanced = true;
  s.newlyLost = 0;
  s.inflight = Math.ceil(pipeBytes(t) / mss);
  s.cwndLimited = s.inflight + s.ackedSacked >= t.cc.cwnd;
  if (ca === "recovery") {
    if (seqGe(ack, t.recover)) {
      t.cc.exitRecovery();
    } else {
      // Partial ACK (RFC 6582 §3.2 step 5): retransmit the next hole at once.
      t.cc.onAck(s);
      if (!t.sackOk) {
        t.highRxt = ack;
        retransmitNext(tl, t);
      }
    }
  } else if (ca === "loss") {
    t.cc.onAck(s);
    if (seqGe(ack, t.recover)) t.cc.exitLoss();
  } else {
    if (ca === "disorder") t.cc.toOpen();
    t.cc.onAck(s);
  }
  sndbufExpand(tl, t);
  // Timer (RFC 6298 §5.2/5.3).
  if (t.sndUna === t.sndMax) tl.stopRetransmit(t);
  else if (t.sb?.isSacked(ack)) {
    // Linux tcp_check_sack_reneging: snd.una moved onto data the peer SACKed earlier, so the
    // peer dropped it from its out-of-order queue (tcp_prune_ofo_queue). Don't wait a whole RTO:
    // time out after max(SRTT/2, 10 ms), and the timeout forgets the SACKs (retransmitTimer).
    t.rtoAt = now + Math.max(t.rtt.srtt >> 1, 10_000);
    t.persistAt = -1;
    tl.rearm(t);
  } else tl.restartRetransmit(t);
  void prevUna;
  // Writers may continue (D7).
  if (t.sndBuf.isWritable()) {
    t.wq.wake(POLLOUT | POLLWRNORM);
    tl.ctx.notifyWake();
  }
  if (finAcked) ourFinAcked(tl, t);
  void c;
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
function dsackReceived(tl: TcpLayer, t: Tcb, start: number, end: number): void {
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
  if (t.undoRetrans === 0 && (t.cc.state === "recovery" || t.cc.state === "loss" || t.cc.state === "open")) {
    t.cc.undo();
    t.undoMarker = -1;
    tl.ctx.counters.inc(tl.ctx.counters.TcpExt, "TCPDSACKUndo");
  }
}

/** State changes when our FIN is acknowledged (RFC 9293 §3.10.7.4). */
function ourFinAcked(tl: TcpLayer, t: Tcb): void {
  switch (t.state) {
    case TcpState.FIN_WAIT1:
      tl.setState(t, TcpState.FIN_WAIT2);
      tl.enteredFinWait2(t);
      t.wq.wake(POLLOUT);
      break;
    case TcpState.CLOSING:
      tl.enterTimeWait(t);
      break;
    case TcpState.LAST_ACK:
      tl.destroy(t);
      break;
  }
}

/** A duplicate ACK (RFC 5681 §3.2, RFC 6675 §5, RFC 3042 limited transmit). */
function duplicateAck(tl: TcpLayer, t: Tcb, newlySacked: number): void {
  const c = tl.ctx.counters;
  const now = tl.ctx.scheduler.now();
  t.dupAcks++;
  const s = sample;
  s.now = now;
  s.ack = t.sndUna;
  s.sndNxt = t.sndNxt;
  s.ackedSacked = t.sackOk ? Math.max(0, Math.ceil(newlySacked / t.mss)) : 1;
  s.rtt = -1;
  s.unaAdvanced = false;
  s.newlyLost = 0;
  s.inflight = Math.ceil(pipeBytes(t) / t.mss);
  s.cwndLimited = true;
  const ca = t.cc.state;
  if (ca === "recovery" || ca === "loss") {
    t.cc.onDupAck(s);
    tcpOutput(tl, t);
    return;
  }
  const lost = t.sb && !t.sb.isEmpty ? t.sb.isLost(t.sndUna) : false;
  if (t.dupAcks >= t.reordering || lost) {
    // Fast retransmit (RFC 5681 §3.2 step 4): enter recovery, retransmit the first hole.
    c.inc(c.TcpExt, t.sackOk ? "TCPSackRecovery" : "TCPRenoRecovery");
    t.recover = t.sndMax;
    // Holes retransmitted in an earlier episode stay retransmitted (Linux keeps per-segment
    // RETRANS marks across episodes); resending them would only produce duplicates.
    t.highRxt = seqMax(t.highRxt, t.sndUna);
    t.cc.enterRecovery(now, Math.ceil(pipeBytes(t) / t.mss));
    t.undoMarker = t.sndUna;
    t.undoRetrans = 0;
    t.rttTime = -1;
    if (retransmitNext(tl, t)) {
      c.inc(c.TcpExt, "TCPFastRetrans");
      t.cc.onTransmit(1);
    }
    tcpOutput(tl, t);
    return;
  }
  t.cc.onDupAck(s);
  // Limited transmit (RFC 3042): a new segment for each of the first two duplicate ACKs.
  if (t.unsentBytes > 0) {
    const mss = currentMss(t);
    const len = Math.min(t.unsentBytes, mss);
    if (len === mss && !seqGt((t.sndNxt + len) >>> 0, (t.sndUna + t.sndWnd) >>> 0)) {
      const before = t.sndNxt;
      tcpOutputLimited(tl, t, len);
      if (t.sndNxt !== before) tl.armRetransmit(t);
    }
  }
}

/** Sends one new segment regardless of cwnd (limited transmit). */
function tcpOutputLimited(tl: TcpLayer, t: Tcb, len: number): void {
  const seq = t.sndNxt;
  const data = t.sndBuf.peek((seq - t.sndBufSeq) >>> 0, len);
  if (transmit(tl, t, seq, ACK, data)) {
    t.sndNxt = (seq + len) >>> 0;
    if (seqGt(t.sndNxt, t.sndMax)) t.sndMax = t.sndNxt;
    t.bytesSent += len;
  }
}

/**
 * Data and FIN (RFC 9293 §3.10.7.4 seventh and eighth): in-order data goes
 * to the receive queue (and pulls in-order out-of-order data after it),
 * out-of-order data to the out-of-order queue with SACK, duplicates are
 * D-SACKed; then the ACK is sent now or delayed (Linux __tcp_ack_snd_check).
 */
function processData(tl: TcpLayer, t: Tcb, seg: Segment): void {
  const c = tl.ctx.counters;
  const now = tl.ctx.scheduler.now();
  const st = t.state;
  let ackNow = false;
  let data = seg.data;
  let seq = seg.seq;
  if (data.length > 0) {
    if (st !== TcpState.ESTABLISHED && st !== TcpState.FIN_WAIT1 && st !== TcpState.FIN_WAIT2) {
      // Data after the peer's FIN: ignore (RFC 9293 "should not occur").
      data = EMPTY;
    } else if (t.rcvShutdown && t.orphan) {
      // Linux: new data for a closed socket aborts the connection with RST (TCPAbortOnData).
      if (seqGt((seq + data.length) >>> 0, t.rcvNxt)) {
        c.inc(c.TcpExt, "TCPAbortOnData");
        tl.abort(t, null, true);
        return;
      }
      data = EMPTY;
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
        data = data.subarray(dup);
        seq = t.rcvNxt;
      }
    }
    // Trim beyond the window.
    const wnd = t.rwin.receiveWindow(t.rcvNxt);
    const maxLen = ((t.rcvNxt + wnd - seq) | 0);
    if (data.length > maxLen) data = maxLen > 0 ? data.subarray(0, maxLen) : EMPTY;
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
        if (t.oooFinSeq >= 0 && t.oooFinSeq === t.rcvNxt) {
          t.oooFinSeq = -1;
          finReceived(tl, t);
        }
      }
      if (t.urgSeq >= 0) extractUrgent(t);
      t.wq.wake(POLLIN | POLLRDNORM);
      tl.ctx.notifyWake();
    } else {
      // Out of order (D4): queue it, SACK it, ACK at once (RFC 5681 §4.2 duplicate ACK).
      c.inc(c.TcpExt, "TCPOFOQueue");
      (t.ooo ??= new OooQueue(t.sackOk && tl.ctx.sysctl.tcp_dsack)).insert(seq, data);
      if (seg.flags & FIN) t.oooFinSeq = (seq + data.length) >>> 0;
      ackNow = true;
    }
  } else if (seg.data.length > 0) {
    ackNow = true;
  }
  if (seg.flags & FIN) {
    const finSeq = (seg.seq + seg.data.length) >>> 0;
    if (finSeq === t.rcvNxt && !t.finReceived) {
      finReceived(tl, t);
      // FIN-WAIT-1/2 → CLOSING/TIME-WAIT already sent the ACK.
      if (t.state === TcpState.TIME_WAIT || t.state === TcpState.CLOSING) return;
      // tcp(personality): FreeBSD ACKs a FIN at once (no more data can come); Linux delays it.
      if (tl.ctx.sysctl.tcp_delack_bsd) ackNow = true;
    } else if (seqGt(finSeq, t.rcvNxt)) {
      t.oooFinSeq = finSeq;
      ackNow = true;
    } else if (seqLt(finSeq, t.rcvNxt)) {
      // A retransmitted FIN: ACK it at once (Linux tcp_data_queue's duplicate path, FreeBSD TF_ACKNOW).
      ackNow = true;
    } else if (!ackNow) {
      // A FIN past the one already received (CLOSE-WAIT, CLOSING, LAST-ACK): Linux's
      // tcp_rcv_state_process drops it without an ACK or a counter.
      c.inc(c.Sockstack, "TcpFinAfterFin");
    }
  }
  // Our own output may carry the ACK (piggyback).
  tcpOutput(tl, t);
  ackSndCheck(tl, t, ackNow);
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
function tcpPruneQueue(tl: TcpLayer, t: Tcb, inSeq: number): boolean {
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
    if (pruned) {
      c.inc(c.TcpExt, "OfoPruned");
      // A FIN beyond what is left went with the pruned data (the peer retransmits it).
      t.oooFinSeq = -1;
    }
    if (t.rmemAlloc() <= rcvbuf) return true;
  }
  c.inc(c.TcpExt, "RcvPruned");
  return false;
}

/** Linux tcp_event_data_recv: adapts the delayed-ACK timeout and the quick-ACK budget. */
function eventDataRecv(tl: TcpLayer, t: Tcb, len: number, now: number): void {
  if (len >= 128) t.rwin.grow(len, t.rcvBuf.tcpSpace(t.ooo?.bytes ?? 0));
  if (len > t.rcvMss) t.rcvMss = Math.min(len, t.advMss);
  t.unackedSegs++;
  const bsdDelack = tl.ctx.sysctl.tcp_delack_bsd;
  if (bsdDelack) {
    // tcp(personality): FreeBSD DELAY_ACK — a fixed timeout, no quick-ACK mode.
    t.quickAcks = 0;
    t.ato = bsdDelack;
  } else if (t.lastDataRecv === 0) {
    // The first data: initialise the delayed-ACK engine with quick ACKs.
    t.quickAcks = Math.min(Math.max(1, Math.floor(t.rwin.rcvWnd / (2 * t.rcvMss))), MAX_QUICKACKS);
    t.ato = ATO_MIN;
  } else {
    const m = now - t.lastDataRecv;
    if (m <= ATO_MIN / 2) t.ato = (t.ato >> 1) + ATO_MIN / 2;
    else if (m < t.ato) {
      t.ato = (t.ato >> 1) + m;
      if (t.ato > t.rtt.rto) t.ato = t.rtt.rto;
    } else if (m > t.rtt.rto) {
      // After idle: quick ACKs again (Linux tcp_incr_quickack).
      t.quickAcks = Math.min(Math.max(1, Math.floor(t.rwin.rcvWnd / (2 * t.rcvMss))), MAX_QUICKACKS);
    }
  }
  t.lastDataRecv = now;
}

/** Linux __tcp_ack_snd_check: ACK now or start the delayed-ACK timer. */
function ackSndCheck(tl: TcpLayer, t: Tcb, ackNow: boolean): void {
  if (t.state === TcpState.CLOSE) return;
  const pending = t.unackedSegs > 0 || ackNow || t.rcvNxt !== t.rwin.rcvWup;
  if (!pending) return;
  // FreeBSD (tcp_delack_bsd) ACKs every second segment; Linux more than one rcv_mss unacknowledged.
  const twoSegs = tl.ctx.sysctl.tcp_delack_bsd ? t.unackedSegs >= 2 : ((t.rcvNxt - t.rwin.rcvWup) >>> 0) > t.rcvMss;
  const quick = t.quickAcks > 0 && !t.pingpong;
  if (ackNow || (t.ooo && !t.ooo.isEmpty) || twoSegs || quick) {
    if (quick && !ackNow) t.quickAcks--;
    sendAck(tl, t);
    if (t.delackAt >= 0) {
      t.delackAt = -1;
      tl.rearm(t);
    }
    return;
  }
  tl.scheduleDelayedAck(t);
}

/** The peer's FIN arrived in order (RFC 9293 eighth; Linux tcp_fin). */
function finReceived(tl: TcpLayer, t: Tcb): void {
  t.rcvNxt = (t.rcvNxt + 1) >>> 0;
  t.finReceived = true;
  switch (t.state) {
    case TcpState.SYN_RECV:
    case TcpState.ESTABLISHED:
      tl.setState(t, TcpState.CLOSE_WAIT);
      t.pingpong = true;
      tl.scheduleDelayedAck(t);
      break;
    case TcpState.FIN_WAIT1:
      // Simultaneous close (or our FIN not yet acknowledged): CLOSING, ACK now.
      tl.setState(t, TcpState.CLOSING);
      sendAck(tl, t);
      break;
    case TcpState.FIN_WAIT2:
      sendAck(tl, t);
      tl.enterTimeWait(t);
      break;
  }
  t.wq.wake(POLLIN | POLLRDNORM | POLLRDHUP);
  tl.ctx.notifyWake();
}

/**
 * Urgent data (C8, Linux tcp_urg without SO_OOBINLINE): the urgent byte is
 * taken out of the stream for recv(MSG_OOB) once it is in the queue.
 */
function extractUrgent(t: Tcb): void {
  const urg = t.urgSeq;
  if (!seqLt(urg, t.rcvNxt)) return;
  t.urgSeq = -1;
  if (t.oobInline) return;
  // Position of the urgent byte within the receive queue.
  const queued = t.rcvBuf.length;
  const pos = queued - ((t.rcvNxt - urg) >>> 0);
  if (pos < 0) return;
  const all = t.rcvBuf.read(queued);
  t.urgByte = all[pos]!;
  const before = all.subarray(0, pos);
  const after = all.subarray(pos + 1);
  if (before.length) t.rcvBuf.push(before);
  if (after.length) t.rcvBuf.push(after);
}

/** The quoted header of the ICMP error being processed. */
const icmpQuote = { srcPort: 0, dstPort: 0, seq: 0 };

/**
 * An ICMP error about one of our segments (RFC 5927 checks, Linux
 * tcp_v4_err): fragmentation-needed lowers the MSS; during the handshake a
 * hard error fails connect(); otherwise it is remembered as a soft error
 * reported if the connection times out.
 */
export function tcpIcmpError(tl: TcpLayer, info: IcmpErrorInfo): void {
  const q = icmpQuote;
  const c = tl.ctx.counters;
  if (!parseTcpQuoteInto(info.quotedL4, 0, q)) {
    c.inc(c.Icmp, "InErrors"); // IP passes only quotes of 8 bytes or more (Linux icmp_unreach)
    return;
  }
  const seq = q.seq;
  const t = tl.tables.lookup(info.quoted.src, q.srcPort, info.quoted.dst, q.dstPort);
  if (!t) {
    c.inc(c.Icmp, "InErrors"); // Linux tcp_v4_err: no socket
    return;
  }
  if (t instanceof TimeWaitSock) {
    c.inc(c.Sockstack, "IcmpInDiscards"); // Linux tcp_v4_err: ignored in TIME-WAIT
    return;
  }
  if (t.state !== TcpState.SYN_SENT && !(seqGe(seq, t.sndUna) && seqLt(seq, seqMax(t.sndMax, (t.sndUna + 1) >>> 0)))) {
    c.inc(c.TcpExt, "OutOfWindowIcmps");
    return;
  }
  if (info.type === 3 && info.code === 4) {
    if (info.mtu >= 68 && info.mtu < t.pmtu) {
      t.pmtu = info.mtu;
      updateMss(t);
      // Retransmit what no longer fits (Linux tcp_simple_retransmit).
      t.sndNxt = t.sndUna;
      tcpOutput(tl, t);
    } else {
      c.inc(c.Sockstack, "IcmpInDiscards"); // no smaller than the path MTU we use (or below 68)
    }
    return;
  }
  if (info.type === 4 || info.type === 5) {
    // Linux tcp_v4_err: source quench is ignored; a redirect updates the route (not modelled), no error.
    c.inc(c.Sockstack, "IcmpInDiscards");
    return;
  }
  const err = info.type === 3
    ? (["ENETUNREACH", "EHOSTUNREACH", "ENOPROTOOPT", "ECONNREFUSED", "EMSGSIZE", "EOPNOTSUPP"] as const)[info.code] ?? "EHOSTUNREACH"
    : info.type === 12 ? "EPROTO" : "EHOSTUNREACH";
  if (t.state === TcpState.SYN_SENT || t.state === TcpState.SYN_RECV) {
    c.inc(c.Tcp, "AttemptFails");
    tl.abort(t, err, false);
    return;
  }
  // Kept as the soft error that a timeout reports (Linux sk_err_soft, which no MIB counts).
  c.inc(c.Sockstack, "IcmpSoftErrors");
  t.softError = err;
}
