/**
 * TCP Fast Open in the connection's life (RFC 7413; Linux tcp_send_syn_data,
 * tcp_rcv_fastopen_synack, tcp_try_fastopen, tcp_fastopen_create_child,
 * tcp_fastopen_synack_timer): the hooks open.ts, setup.ts, listen.ts,
 * segment-arrives.ts and the timers call. The data structures (keys,
 * cookies, the client cache, the sysctl bits) are fastopen.ts.
 */
import { zeroCopyAcked } from "./zerocopy.js";
import { POLLIN, POLLOUT, POLLWRNORM } from "../core/poll-events.js";
import { seqLt } from "../core/seq.js";
import { TCP_TIMEOUT_INIT } from "./constants.js";
import { netHeaderLen } from "../net/inet-address.js";
import {
  foOf, fastOpenCookie, noCookie, parseFoCookie, synDataSpace,
  TFO_CLIENT_NO_COOKIE, TFO_COOKIE_UNAVAILABLE, TFO_DATA_NOT_ACKED, TFO_SERVER_COOKIE_NOT_REQD, TFO_SERVER_ENABLE,
  TFO_BSD_PATH_DISABLE_TIME, TFO_SYN_RETRANSMITTED, TCP_FASTOPEN_COOKIE_SIZE, type FoCookie,
} from "./fastopen.js";
import type { FastOpenSock } from "./fastopen.js";
import { logSynDataLost, transmit } from "./output.js";
import { nonCongestionLoss } from "./loss.js";
import type { Segment } from "./segment.js";
import { ACK, SYN } from "./segment.js";
import type { Tcb } from "./tcb.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";
import { armRetransmit, resetKeepalive } from "./timers.js";

/** The Fast Open cookie a received segment carries, by Linux's rules (fastopen.ts parseFoCookie). */
export function segmentCookie(seg: Segment): FoCookie {
  return parseFoCookie(seg.foCookie, seg.foLen, 0, seg.foExp, (seg.flags & SYN) !== 0);
}

// ---- the active open ---------------------------------------------------------

/**
 * Sends the SYN of an active open that asked for Fast Open (MSG_FASTOPEN,
 * or TCP_FASTOPEN_CONNECT's first write; Linux tcp_send_syn_data): with a
 * cached cookie (or in a no-cookie mode) the SYN carries the cookie and as
 * much of `bufs` as fits (taken into the send buffer), otherwise a cookie
 * request. Returns the bytes the SYN took.
 */
export function sendSynData(tl: TcpLayer, t: Tcb, bufs: readonly Uint8Array[], queueAll = false): number {
  const fo = foOf(t);
  const { ok, cookie, mss } = fastOpenCookieCheck(tl, t);
  let taken = 0;
  if (ok) {
    let size = 0;
    for (const b of bufs) size += b.length;
    let room = synDataSpace(t.pmtu, mss, t.userMss, size, netHeaderLen(t.remoteAddr));
    for (const b of bufs) {
      if (room <= 0) break;
      const n = t.sndBuf.write(b, 0, Math.min(b.length, room));
      taken += n;
      room -= n;
      if (n < b.length) break;
    }
    // Linux tcp_send_syn_data: the data's skb, kept for retransmission, is ACK|PSH and its own skb: later writes
    // start new ones, so its resends keep PSH and end where the SYN's data ended.
    if (taken > 0) {
      t.sndBuf.markPush();
      t.sndBuf.closeRecord();
    }
  }
  fo.synCookie = cookie;
  fo.synData = taken;
  const data = taken > 0 ? t.sndBuf.peek(0, taken) : new Uint8Array(0);
  transmit(tl, t, t.iss, SYN, data);
  fo.synCookie = noCookie(); // SYN retransmissions carry neither the option nor the data
  if (queueAll) {
    // FreeBSD's implied connect: the rest of the write waits in the send buffer for the handshake.
    let skip = taken;
    fo.queued = taken;
    for (const b of bufs) {
      const off = Math.min(skip, b.length);
      skip -= off;
      if (off === b.length) continue;
      const n = t.sndBuf.write(b, off, b.length - off);
      fo.queued += n;
      if (n < b.length - off) break;
    }
  }
  if (taken > 0) {
    t.bytesSent += taken;
    const c = tl.ctx.counters;
    c.inc(c.TcpExt, "TCPOrigDataSent");
  }
  return taken;
}

/**
 * Linux tcp_fastopen_cookie_check for an active open to `t.remoteAddr`:
 * whether the SYN may carry data (a cached cookie, or a no-cookie mode;
 * never while a blackhole pause lasts), the cookie option to send (`len`
 * −1 none, 0 a request) and the server's cached MSS (0: unknown).
 */
export function fastOpenCookieCheck(tl: TcpLayer, t: Tcb): { ok: boolean; cookie: FoCookie; mss: number } {
  const fo = foOf(t);
  const s = tl.ctx.sysctl;
  const now = tl.ctx.scheduler.now();
  const m = tl.fastopen.cache.get(t.remoteAddr);
  if (tl.personality.fastOpenApi === "freebsd") {
    // FreeBSD tcp_fastopen_connect: a disabled path gets a plain SYN; a cached cookie goes with data; else a request.
    if (m && m.disabledAt >= 0 && now < m.disabledAt + TFO_BSD_PATH_DISABLE_TIME) return { ok: false, cookie: noCookie(), mss: 0 };
    if (m && m.cookie.len > 0) return { ok: true, cookie: { len: m.cookie.len, val: m.cookie.val, exp: false }, mss: m.mss };
    return { ok: false, cookie: { len: 0, val: new Uint8Array(0), exp: false }, mss: 0 };
  }
  // tcp_fastopen_cache_get: the cached cookie; a request in the experimental form when kind 34 went unanswered.
  const cookie: FoCookie = m && m.cookie.len > 0 ? { len: m.cookie.len, val: m.cookie.val, exp: m.cookie.exp } : { len: 0, val: new Uint8Array(0), exp: m?.tryExp === 1 };
  let ok: boolean;
  // tcp_fastopen_cookie_check
  if (tl.fastopen.shouldDisable(fo, s.tcp_fastopen_blackhole_timeout_sec, now)) {
    cookie.len = -1;
    ok = false;
  } else if ((s.tcp_fastopen & TFO_CLIENT_NO_COOKIE) !== 0 || fo.noCookie) {
    cookie.len = -1;
    ok = true;
  } else if (cookie.len > 0) ok = true;
  else {
    fo.clientFail = TFO_COOKIE_UNAVAILABLE;
    ok = false;
  }
  return { ok, cookie, mss: m?.mss ?? 0 };
}

/**
 * The SYN-ACK of a Fast Open attempt (Linux tcp_rcv_fastopen_synack),
 * after SND.UNA moved to its ACK: the send buffer lets go of the SYN data
 * it acknowledged, the cache learns the server's MSS and cookie (or that
 * the SYN was lost, or that the experimental form should be tried), SYN
 * data left unacknowledged is marked for retransmission right after the
 * handshake (SND.NXT back to SND.UNA), and data the SYN-ACK itself carries
 * is queued now, so the handshake's ACK acknowledges it (Linux
 * tcp_fastopen_add_skb). Returns true when it took the SYN-ACK's data.
 */
export function fastOpenSynAck(tl: TcpLayer, t: Tcb, seg: Segment): boolean {
  const fo = t.fo;
  if (!fo || (!fo.synFastopen && fo.synData === 0)) return false;
  lostOrAcked(tl, t, fo, seg);
  if (seg.data.length === 0 || t.sndNxt !== t.sndMax) return false; // nothing to take, or a fallback under way
  t.rcvBuf.push(seg.data.slice());
  t.bytesReceived += seg.data.length;
  t.dataSegsIn++;
  t.rcvNxt = (t.rcvNxt + seg.data.length) >>> 0;
  t.wake(POLLIN);
  return true;
}

/** The SYN-ACK's verdict on the SYN's cookie and data (see fastOpenSynAck); true when the data must go again. */
function lostOrAcked(tl: TcpLayer, t: Tcb, fo: FastOpenSock, seg: Segment): boolean {
  const c = tl.ctx.counters;
  const acked = Math.min(t.sndBuf.length, Math.max(0, (seg.ack - t.sndBufSeq) | 0));
  if (acked > 0) {
    t.sndBuf.acknowledge(acked);
    t.sndBufSeq = (t.sndBufSeq + acked) >>> 0;
    t.bytesAcked += acked;
    zeroCopyAcked(tl, t);
  }
  const lost0 = seqLt(t.sndUna, t.sndMax);
  if (tl.personality.fastOpenApi === "freebsd") {
    // FreeBSD (tcp_input SYN-SENT, tcp_fastopen_update_cache / _disable_path): a cookie of a valid length
    // (4–16, even) is cached with the MSS; when the SYN's data was acknowledged anything else keeps the
    // cached cookie; otherwise (data unacknowledged, or a request) an invalid cookie or none disables the path.
    const now = tl.ctx.scheduler.now();
    const len = seg.foLen;
    if (len >= 0 && len >= 4 && len <= 16 && (len & 1) === 0) {
      tl.fastopen.cache.set(t.remoteAddr, seg.mss > 0 ? seg.mss : 536, { len, val: seg.foCookie.slice(), exp: false }, false, 0, now);
    } else if (fo.synData === 0 || lost0) tl.fastopen.cache.disable(t.remoteAddr, now);
    if (lost0 && fo.synData > 0) {
      t.sndNxt = t.sndUna;
      return true;
    }
    fo.synDataAcked = fo.synData > 0;
    return false;
  }
  let cookie = segmentCookie(seg);
  const mss = seg.mss > 0 ? seg.mss : 0;
  let synDrop = false;
  let tryExp = 0;
  const lost = seqLt(t.sndUna, t.sndMax);
  if (!fo.synFastopen) cookie = noCookie(); // an unsolicited cookie is ignored
  else if (t.totalRetrans) synDrop = cookie.len < 0 && lost;
  else if (cookie.len < 0 && fo.synData === 0) tryExp = fo.synFastopenExp ? 2 : 1;
  tl.fastopen.cache.set(t.remoteAddr, mss, cookie, synDrop, tryExp, tl.ctx.scheduler.now());
  if (lost && fo.synData > 0) {
    fo.clientFail = t.totalRetrans ? TFO_SYN_RETRANSMITTED : TFO_DATA_NOT_ACKED;
    // tcp_mark_skb_lost on the data, then tcp_non_congestion_loss_retransmit: Loss without a cwnd cut
    // (loss.ts); the transmit loop after the handshake retransmits the lost marks at once. Without RACK's
    // sent log, Loss goes back to snd.una.
    logSynDataLost(tl, t, t.sndUna, t.sndMax, t.retransStamp);
    nonCongestionLoss(t);
    if (!t.sentLog?.rack) t.sndNxt = t.sndUna;
    c.inc(c.TcpExt, "TCPFastOpenActiveFail");
    return true;
  }
  fo.synDataAcked = fo.synData > 0;
  if (fo.synDataAcked) c.inc(c.TcpExt, "TCPFastOpenActive");
  return false;
}

/**
 * Linux tcp_fastopen_active_detect_blackhole, at every retransmission
 * timeout: a Fast Open connection whose third timeout in a row fires (or
 * that gives up before) pauses active Fast Open on the host.
 */
export function fastOpenDetectBlackhole(tl: TcpLayer, t: Tcb, expired: boolean): void {
  const fo = t.fo;
  if (!fo || !(fo.synFastopen || fo.synData > 0 || fo.synDataAcked)) return;
  if (!(t.retransmits === 2 || (t.retransmits < 2 && expired))) return;
  const c = tl.ctx.counters;
  if (tl.fastopen.disable(tl.ctx.sysctl.tcp_fastopen_blackhole_timeout_sec, tl.ctx.scheduler.now())) c.inc(c.TcpExt, "TCPFastOpenBlackhole");
  c.inc(c.TcpExt, "TCPFastOpenActiveFail");
}

/**
 * Linux tcp_fastopen_active_disable_ofo_check, when a Fast Open client
 * connection ends: no data received and only a FIN out of order looks
 * like a middlebox eating the data (a blackhole); data received after a
 * past detection clears the count (not on loopback).
 */
export function fastOpenCloseCheck(tl: TcpLayer, t: Tcb): void {
  const fo = t.fo;
  if (!fo || !fo.synFastopen) return;
  const c = tl.ctx.counters;
  if (t.dataSegsIn === 0) {
    if (t.ooo && t.ooo.finSeq >= 0 && t.ooo.count === 0) { // an out-of-order FIN alone (Linux tcp_fastopen_active_disable_ofo_check)
      if (tl.fastopen.disable(tl.ctx.sysctl.tcp_fastopen_blackhole_timeout_sec, tl.ctx.scheduler.now())) c.inc(c.TcpExt, "TCPFastOpenBlackhole");
    }
  } else if (fo.checkBlackhole && tl.fastopen.disableTimes) {
    const rt = t.route;
    if (!(rt && rt.iface.name === "lo")) tl.fastopen.disableTimes = 0;
  }
}

// ---- the passive open --------------------------------------------------------

/** Whether a listener has a Fast Open queue, and room in it (Linux tcp_fastopen_queue_check). */
function queueCheck(tl: TcpLayer, lt: Tcb): boolean {
  const fo = lt.fo;
  if (!fo || fo.maxQlen === 0) return false;
  if (fo.qlen >= fo.maxQlen) {
    const c = tl.ctx.counters;
    c.inc(c.TcpExt, "TCPFastOpenListenOverflow");
    return false;
  }
  return true;
}

/** The listener's keys: its own (TCP_FASTOPEN_KEY), else the host's. */
function keysOf(tl: TcpLayer, lt: Tcb): readonly Uint32Array[] {
  return lt.fo?.keys ?? tl.fastopen.keys();
}

/** What a SYN at a Fast Open listener leads to (Linux tcp_try_fastopen). */
export interface PassiveDecision {
  /** Create the child now and take the SYN's data. */
  child: boolean;
  /** The cookie option of the SYN-ACK (`len` −1: none). */
  cookie: FoCookie;
}

/**
 * Linux tcp_try_fastopen for a SYN (`saddr` the client, `daddr` us): with
 * the server bit on and room in the listener's queue, a SYN with data in
 * a no-cookie mode, or with a valid cookie (the primary key's, or the
 * backup's — then the SYN-ACK carries the primary's), makes a child at
 * once; a cookie request is answered with a cookie; an invalid cookie
 * gets the valid one and the data is not taken.
 */
export function tryFastOpen(tl: TcpLayer, lt: Tcb, seg: Segment): PassiveDecision {
  const c = tl.ctx.counters;
  const s = tl.ctx.sysctl;
  const foc = segmentCookie(seg);
  const synData = seg.data.length > 0;
  if (foc.len === 0) c.inc(c.TcpExt, "TCPFastOpenCookieReqd");
  const none: PassiveDecision = { child: false, cookie: noCookie() };
  if (!((s.tcp_fastopen & TFO_SERVER_ENABLE) && (synData || foc.len >= 0) && queueCheck(tl, lt))) return none;
  if ((s.tcp_fastopen & TFO_SERVER_COOKIE_NOT_REQD) !== 0 || lt.fo!.noCookie) {
    c.inc(c.TcpExt, "TCPFastOpenPassive");
    return { child: true, cookie: noCookie() };
  }
  const keys = keysOf(tl, lt);
  const valid: FoCookie = { len: TCP_FASTOPEN_COOKIE_SIZE, val: fastOpenCookie(keys[0]!, seg.saddr, seg.daddr), exp: foc.exp };
  if (foc.len > 0) {
    let match = -1;
    if (foc.len === TCP_FASTOPEN_COOKIE_SIZE) {
      for (let i = 0; i < keys.length && match < 0; i++) {
        const v = i === 0 ? valid.val : fastOpenCookie(keys[i]!, seg.saddr, seg.daddr);
        if (v.every((b, j) => b === foc.val[j])) match = i;
      }
    }
    if (match < 0) {
      c.inc(c.TcpExt, "TCPFastOpenPassiveFail");
      return { child: false, cookie: valid };
    }
    c.inc(c.TcpExt, "TCPFastOpenPassive");
    if (match > 0) {
      c.inc(c.TcpExt, "TCPFastOpenPassiveAltKey");
      return { child: true, cookie: valid };
    }
    return { child: true, cookie: noCookie() };
  }
  // A cookie request is answered with the cookie; data without any option gets a plain SYN-ACK.
  return { child: false, cookie: foc.len === 0 ? valid : noCookie() };
}

/**
 * Makes `t` (a child just built from the SYN, in SYN-RECV) a Fast Open
 * child (Linux tcp_fastopen_create_child): the SYN's window unscaled, its
 * data queued and readable now, RCV.NXT past it; the listener's Fast Open
 * queue counts it until the handshake completes; the SYN-ACK is sent (with
 * `cookie` when the client must learn a new one) and retransmitted by the
 * child's own timer.
 */
export function startPassiveChild(tl: TcpLayer, lt: Tcb, t: Tcb, seg: Segment, cookie: FoCookie): void {
  const lfo = foOf(lt);
  const fo = foOf(t);
  fo.passive = lfo;
  lfo.qlen++;
  t.sndWnd = seg.window; // RFC 7323: the SYN's window is never scaled
  t.maxWindow = t.sndWnd;
  const data = seg.data;
  if (data.length > 0) {
    t.rcvBuf.push(data.slice());
    t.bytesReceived += data.length;
    t.dataSegsIn++;
    t.rcvNxt = (t.rcvNxt + data.length) >>> 0;
    fo.synDataAcked = true;
  }
  fo.synCookie = cookie;
  transmit(tl, t, t.iss, SYN | ACK, new Uint8Array(0));
  fo.synCookie = noCookie();
  t.retransStamp = 0;
  t.rtt.setRto(TCP_TIMEOUT_INIT);
  armRetransmit(tl, t);
  if (data.length > 0) t.wake(POLLIN);
}

/**
 * The final ACK of a Fast Open child's handshake (Linux
 * tcp_rcv_synrecv_state_fastopen): the listener's queue lets it go, the
 * SYN-ACK's timeouts are forgotten, and it is ESTABLISHED (its transfer
 * state was set up when it was created).
 */
export function passiveEstablished(tl: TcpLayer, t: Tcb): void {
  releasePassive(t);
  t.synDelivered = true; // the SYN-ACK was acknowledged (counted in tcpi_delivered)
  t.retransmits = 0;
  t.rtt.resetBackoff();
  tl.setState(t, TcpState.ESTABLISHED);
  resetKeepalive(tl, t);
  t.wake(POLLOUT | POLLWRNORM);
  tl.ctx.notifyWake();
}

/** A Fast Open child leaves SYN-RECV (established, reset or closed): its listener's queue forgets it. */
export function releasePassive(t: Tcb): void {
  const fo = t.fo;
  if (!fo || !fo.passive) return;
  fo.passive.qlen = Math.max(0, fo.passive.qlen - 1);
  fo.passive = null;
}

/** A passive Fast Open child still in its handshake: it may send data and has its own SYN-ACK timer. */
export function isPassiveFastOpen(t: Tcb): boolean {
  return t.fo !== null && t.fo.passive !== null && t.state === TcpState.SYN_RECV;
}

/** listen(): with `tcp_fastopen` 0x400 and 0x2 a listener without TCP_FASTOPEN gets a queue of its backlog (Linux inet_listen). */
export function listenFastOpen(tl: TcpLayer, lt: Tcb, backlog: number): void {
  const f = tl.ctx.sysctl.tcp_fastopen;
  if ((f & 0x400) && (f & TFO_SERVER_ENABLE) && !(lt.fo && lt.fo.maxQlen)) {
    foOf(lt).maxQlen = Math.min(backlog, tl.ctx.sysctl.somaxconn);
  }
}
