/**
 * The FreeBSD personality (`tcp_personality = "freebsd"`, with the sysctl
 * set of core/personality.ts): the behaviour the FreeBSD tcp-testsuite
 * scripts expect where FreeBSD and Linux differ — tcp_input.c,
 * tcp_output.c, tcp_timewait.c, syncache.c. docs/personalities.md lists
 * each difference beside Linux's.
 */
import type { Micros } from "../../core/time.js";
import { seqGe, seqGt, seqLt } from "../../core/seq.js";
import type { NetIcmpError } from "../../net/network-layer.js";
import { localMatch } from "../../net/dual-stack.js";
import { TCP_MSS_DEFAULT } from "../constants.js";
import { destroyTimeWait, restartTimeWait } from "../lifecycle.js";
import type { RequestSock } from "../listener.js";
import { sendTimeWaitAck } from "../control-out.js";
import { bsdRoundBuffer, bsdSynWindow } from "../recv-window.js";
import { ACK, FIN, RST, SYN, type Segment } from "../segment.js";
import type { Tcb } from "../tcb.js";
import { TcpState } from "../tcp-state.js";
import type { TcpLayer } from "../tcp-layer.js";
import { TimeWaitSock } from "../timewait.js";
import type { IcmpErrorAction, RequestIcmpAction, TcpPersonality } from "./personality.js";

/** AF_INET6's number, the family of an IPv6 ICMP error. */
const AF_INET6_FAMILY = 10;

/** FreeBSD. */
export const freebsdPersonality: TcpPersonality = {
  name: "freebsd",
  // tcp_output.c tcp_addoptions: mss, nop, wscale, sackOK, TS; EOL padding.
  synOptionsBsd: true,
  fastOpenApi: "freebsd",
  // tcp_input.c: a FIN sets TF_ACKNOW (no more data can come).
  writeRecords: false,
  atoFromFirstData: false,
  ackFinAtOnce: true,
  // tcp_input.c: a trimmed duplicate part gets a D-SACK block and TF_ACKNOW when SACK is on.
  ackPartialDuplicate: true,
  // tcp_input.c / syncache_badack: a SYN-ACK at a listener is dropped, with its tuple's request.
  dropSynAckAtListener: true,
  // tcp_input.c (SYN in SYN-SENT): an ECN-setup SYN permits ECN whenever net.inet.tcp.ecn.enable is on.
  ecnSimultaneousAccept: true,
  requestSeqCheck: false,
  nagleMinshall: false,
  // tcp_usrreq.c tcp_connect arms TT_KEEP with TP_KEEPINIT; tcp_timer_keep drops a connection not yet established.
  keepInit: true,
  closedResetOwner,
  timeWaitInput: timeWaitInputBsd,
  learnedMss: tcpMss,
  // tcp_input.c: rcv_wnd is max(sbspace, offered), not capped by the 16-bit field.
  acceptanceWindow: (t, offered) => Math.max(offered, t.rcvBuf.rcvbuf - t.rcvBuf.length),
  // tcp_output.c: the window is the free buffer space (sbspace).
  selectWindow: (_tl, t) => {
    const sbspace = t.rcvBuf.rcvbuf - t.rcvBuf.length;
    if (t.state === TcpState.SYN_SENT || t.state === TcpState.SYN_RECV) return bsdSynWindow(sbspace);
    return t.rwin.selectBsd(t.rcvNxt, sbspace, t.rcvBuf.rcvbuf, t.mss);
  },
  // syncache.c: the SYN-ACK offers the listener's free receive space.
  synAckWindow: (lt, linuxWindow) => (lt ? bsdSynWindow(lt.rcvBuf.rcvbuf) : linuxWindow),
  dataReceived: delayAck,
  // tcp_input.c DELAY_ACK: every second segment is ACKed at once.
  ackThresholdReached: (t) => t.unackedSegs >= 2,
  ackCarriesFin,
  // tcp_input.c RST processing: ECONNREFUSED in SYN-RECEIVED, ECONNRESET otherwise.
  resetErrno: (state) => (state === TcpState.SYN_RECV ? "ECONNREFUSED" : "ECONNRESET"),
  icmpError: icmpErrorBsd,
  requestIcmpError: syncacheUnreach,
  requestRst,
  synSentTimeout,
  // tcp_timer.c: an ECN-setup SYN keeps ECE|CWR while t_rxtshift ≤ net.inet.tcp.ecn.maxretries.
  ecnSynRetries: (tl) => tl.ctx.sysctl.tcp_ecn_maxretries,
};

/** tcp_timer.h TCP_MAXRXTSHIFT: retransmissions before a connection is dropped. */
const TCP_MAXRXTSHIFT = 12;
/** tcp_timer.h TCPTV_REXMTMAX: the largest retransmission timeout. */
const TCPTV_REXMTMAX: Micros = 64_000_000;
/** net.inet.tcp.rexmit_initial (1 s) and rexmit_slop (200 ms), the values the shell accepts (conformance/shell-sysctl.ts). */
const REXMIT_INITIAL: Micros = 1_000_000;
const REXMIT_SLOP: Micros = 200_000;

/**
 * tcp_timer.c tcp_timer_rexmt in SYN-SENT: give up after TCP_MAXRXTSHIFT
 * retransmissions; otherwise the next timeout is rexmit_initial ×
 * tcp_backoff[shift] (1, 2, 4, … 64) plus rexmit_slop (TCPT_RANGESET), at
 * most TCPTV_REXMTMAX — SYNs at 0, 1, 3.2, 7.4, 15.6, 31.8, 64, 128 s, …
 * (the first timeout, rexmit_initial, is the RTO's initial 1 s). With
 * `rexmit_drop_options`, the third retransmission and later ones announce
 * the MSS alone (TF_REQ_SCALE, TF_REQ_TSTMP and TF_SACK_PERMIT cleared).
 */
function synSentTimeout(tl: TcpLayer, t: Tcb, shift: number): Micros {
  if (shift > TCP_MAXRXTSHIFT) return -1;
  if (shift === 3 && tl.ctx.sysctl.tcp_rexmit_drop_options) t.synMssOnly = true;
  return Math.min(REXMIT_INITIAL * 2 ** Math.min(shift, 6) + REXMIT_SLOP, TCPTV_REXMTMAX);
}

/**
 * tcp_input.c: a segment for a bound socket that neither listens nor is
 * connected finds it in the PCB table, and tcp_dropwithreset answers with
 * its IP_TOS / IP_TTL (IPV6_TCLASS / IPV6_UNICAST_HOPS in IPv6).
 */
function closedResetOwner(tl: TcpLayer, seg: Segment): Tcb | null {
  const owners = tl.tables.bucket(seg.dport)?.owners;
  if (!owners) return null;
  // The best match as in_pcblookup finds it, in either family (an AF_INET6 socket bound to :: or
  // to the address; a dual-stack one for IPv4).
  let best: Tcb | null = null;
  let score = -1;
  for (const o of owners) {
    if (o instanceof TimeWaitSock || o.state !== TcpState.CLOSE) continue;
    const m = localMatch(o.localAddr, o.v6only, seg.daddr);
    if (m > score) {
      score = m;
      best = o;
    }
  }
  return best;
}

/**
 * Buffer sizing when a connection learns its MSS (tcp_input.c `tcp_mss`,
 * called on the SYN-ACK and when the syncache creates the child): both
 * socket buffers are rounded up to a multiple of the segment size —
 * min(peer MSS, our MSS), without timestamp space (FreeBSD's t_maxseg) —
 * at most kern.ipc.maxsockbuf, so `getsockopt(SO_RCVBUF)` reads 65536
 * before the handshake and 65700 (45 · 1460) after it.
 */
function tcpMss(tl: TcpLayer, t: Tcb): void {
  const s = tl.ctx.sysctl;
  const mss = Math.min(t.peerMss || TCP_MSS_DEFAULT, t.advMss);
  t.rcvBuf.rcvbuf = bsdRoundBuffer(t.rcvBuf.rcvbuf, mss, s.rmem_max);
  t.sndBuf.capacity = bsdRoundBuffer(t.sndBuf.capacity, mss, s.wmem_max);
}

/** tcp_input.c DELAY_ACK: a fixed timeout (`net.inet.tcp.delacktime`), no quick-ACK mode. */
function delayAck(tl: TcpLayer, t: Tcb, _now: Micros): void {
  t.quickAcks = 0;
  t.ato = tl.ctx.sysctl.tcp_delacktime;
}

/** tcp_output.c tcp_outflags: in FIN-WAIT-1, CLOSING and LAST-ACK, an ACK while our FIN is unacknowledged re-sends it. */
function ackCarriesFin(t: Tcb): boolean {
  return t.finSent && t.sndNxt === t.sndMax && t.sndMax === ((t.finSeq + 1) >>> 0) &&
    (t.state === TcpState.FIN_WAIT1 || t.state === TcpState.CLOSING || t.state === TcpState.LAST_ACK);
}

/**
 * syncache_chkrst: a RST inside the window the SYN-ACK offered drops the
 * request only with `net.inet.tcp.insecure_rst`; otherwise it gets a
 * challenge ACK (RFC 5961). Outside the window it is ignored.
 */
function requestRst(tl: TcpLayer, lt: Tcb, _req: RequestSock, off: number): "drop-request" | "challenge" | "ignore" {
  if (off < 1 || off > bsdSynWindow(lt.rcvBuf.rcvbuf)) return "ignore";
  return tl.ctx.sysctl.tcp_insecure_rst ? "drop-request" : "challenge";
}

/**
 * TIME-WAIT the FreeBSD way (FreeBSD
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
      destroyTimeWait(tl, tw);
    } else {
      c.inc(c.Sockstack, "TcpRstIgnored");
    }
    return true;
  }
  if ((f & (SYN | ACK)) === SYN && seqGt(seg.seq, tw.rcvNxt)) {
    destroyTimeWait(tl, tw);
    return false;
  }
  if (!(f & ACK)) {
    c.inc(c.Sockstack, "TcpBadFlagsDrop");
    return true;
  }
  if (f & FIN && ((seg.seq + seg.data.length + (f & SYN ? 1 : 0) + 1) >>> 0) === tw.rcvNxt) restartTimeWait(tl, tw);
  if (f !== ACK || seg.data.length || seg.seq !== tw.rcvNxt || seg.ack !== tw.sndNxt) sendTimeWaitAck(tl, tw);
  return true;
}

/**
 * tcp_subr.c tcp_ctlinput / tcp6_ctlinput: the quoted sequence number
 * must lie in [snd_una, snd_max) in every state (SYN-SENT included). With
 * `net.inet.tcp.icmp_may_rst` (1, the default) protocol / port
 * unreachable, administratively prohibited and time exceeded in transit
 * drop a connection in SYN-SENT with ECONNREFUSED (EHOSTUNREACH for time
 * exceeded; tcp_drop_syn_sent) and do nothing in other states; other
 * errors (net or host unreachable) are soft (tcp_notify), ignored once
 * established.
 */
function icmpErrorBsd(t: Tcb, info: NetIcmpError, seq: number): IcmpErrorAction {
  if (!(seqGe(seq, t.sndUna) && seqLt(seq, t.sndMax))) return "out-of-window";
  const v6 = info.family === AF_INET6_FAMILY;
  const refused = v6
    ? info.type === 1 && (info.code === 1 || info.code === 4)
    : info.type === 3 && (info.code === 2 || info.code === 3 || info.code === 9 || info.code === 10 || info.code === 13);
  const transit = v6 ? info.type === 3 && info.code === 0 : info.type === 11 && info.code === 0;
  if (refused || transit) return t.state === TcpState.SYN_SENT ? { abort: refused ? "ECONNREFUSED" : "EHOSTUNREACH" } : "ignore";
  if (t.state === TcpState.ESTABLISHED && (info.errno === "EHOSTUNREACH" || info.errno === "ENETUNREACH" || info.errno === "EHOSTDOWN")) return "ignore";
  return { soft: info.errno };
}

/**
 * syncache.c syncache_unreach (tcp_ctlinput's path when no PCB has the
 * tuple, for every kind of error): a quote of another sequence number than
 * the entry's ISS is bogus; the first error only marks the entry
 * (SCF_UNREACH), and a later one drops it once its SYN-ACK has been
 * retransmitted at least 4 times ("spurious network outage").
 */
function syncacheUnreach(req: RequestSock, _info: NetIcmpError, seq: number): RequestIcmpAction {
  if (seq !== req.iss) return "ignore";
  if (!req.unreach || req.retrans < 3 + 1) {
    req.unreach = true;
    return "ignore";
  }
  return "drop-request";
}
