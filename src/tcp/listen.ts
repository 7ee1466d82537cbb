/**
 * LISTEN processing (RFC 9293 §3.10.7.2; Linux tcp_conn_request,
 * tcp_check_req, cookie_v4_check): SYNs create small request entries in
 * the SYN queue (B4) and are answered with SYN-ACKs; the final ACK promotes
 * a request to a full connection in the accept queue — or, when the queue
 * is full, is dropped with the request kept in SYN-RECV (B2). SYN cookies
 * (B5) replace the SYN queue when it overflows. See listener.ts for the
 * queue rules.
 */
import { POLLIN } from "../core/poll-events.js";
import { Timer } from "../core/scheduler.js";
import { netHeaderLen, type InetAddress } from "../net/inet-address.js";
import { IPPROTO_TCP } from "../wire/ipv4.js";
import { EMPTY } from "../wire/packet.js";
import { Listener, requestKey, type RequestSock } from "./listener.js";
import { sendResetFor } from "./output.js";
import { oowLimited } from "./oow-ack.js";
import { seqGt, seqLt } from "../core/seq.js";
import { establishedOptions, synOptions } from "./options-out.js";
import { tcpEmitOptionsLength, writeTcpHeader } from "../wire/tcp.js";
import { ACK, FIN, RST, SYN, type Segment } from "./segment.js";
import { decodeCookieTimestamp, encodeCookieTimestamp } from "./syncookie.js";
import type { Tcb } from "./tcb.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";
import { tsVal } from "./isn.js";
import { TCP_MAX_ADV_MSS, TCP_MAX_WSCALE, TCP_MSS_DEFAULT, TCP_RTO_MAX, TCP_TIMEOUT_INIT, TCPOLEN_TSTAMP_ALIGNED } from "./constants.js";
import { SEC } from "../core/time.js";
import { establish, initConnection, initTransfer, updateMss } from "./setup.js";
import { startPassiveChild, tryFastOpen } from "./fastopen-open.js";
import type { FoCookie } from "./fastopen.js";
import { selectInitialWindow } from "./recv-window.js";


const timers = new WeakMap<Listener, Timer>();
const NO_SACK: number[] = [];

/**
 * Handles a segment addressed to a listening socket. Returns the new
 * connection when the segment completed a handshake (the caller processes
 * the rest of the segment, data or FIN, on it), else null.
 */
export function listenInput(tl: TcpLayer, lt: Tcb, seg: Segment): Tcb | null {
  const lq = lt.lq!;
  const c = tl.ctx.counters;
  if (seg.flags & RST) {
    const req = lq.synQueue.get(requestKey(seg.saddr, seg.sport));
    if (!req) {
      c.inc(c.Sockstack, "TcpRstIgnored"); // a RST at a listener (Linux: dropped, no MIB counter)
      return null;
    }
    // A RST exactly at IRS + 1 drops the request; elsewhere the personality decides (Linux
    // tcp_check_req: anywhere inside the window we offered — RFC 5961 does not apply to requests).
    const off = (seg.seq - req.irs) >>> 0;
    const action = off === 1 ? "drop-request" : tl.personality.requestRst(tl, lt, req, off);
    if (action === "drop-request") {
      // Linux tcp_check_req (embryonic_reset): a RST that kills a request counts AttemptFails and EmbryonicRsts.
      lq.synQueue.delete(requestKey(seg.saddr, seg.sport));
      c.inc(c.Tcp, "AttemptFails");
      c.inc(c.TcpExt, "EmbryonicRsts");
    } else if (action === "challenge") {
      sendRequestAck(tl, lt, req);
    } else {
      c.inc(c.Sockstack, "TcpRstOutOfWindow");
    }
    return null;
  }
  const key = requestKey(seg.saddr, seg.sport);
  const req = lq.synQueue.get(key);
  if (seg.flags & SYN) {
    if (seg.flags & ACK) {
      // Linux answers a SYN-ACK at a listener with a RST (FreeBSD drops it and its tuple's request).
      if (tl.personality.dropSynAckAtListener) {
        if (req) lq.synQueue.delete(key);
        c.inc(c.Sockstack, "TcpBadFlagsDrop");
        return null;
      }
      sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, 0);
      return null;
    }
    if (req) {
      // A retransmitted SYN: send the SYN-ACK again (Linux inet_rtx_syn_ack).
      if (seg.seq === req.irs) sendSynAck(tl, req);
      else if (!tl.personality.requestSeqCheck) c.inc(c.Sockstack, "TcpBadFlagsDrop"); // a SYN with another ISN
      else if (!requestInWindow(req, seg)) requestOutOfWindow(tl, lt, req, seg);
      else {
        // Linux tcp_check_req (embryonic_reset): a SYN with another ISN inside the window resets
        // the request — a RST answering the SYN, the request dropped (checked on Linux 6.18:
        // test/tcp/linux-input-states-probe.py A5, A6).
        const len = 1 + seg.data.length + (seg.flags & FIN ? 1 : 0);
        sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, len);
        lq.synQueue.delete(key);
        c.inc(c.Tcp, "AttemptFails");
        c.inc(c.TcpExt, "EmbryonicRsts");
      }
      return null;
    }
    synReceived(tl, lt, lq, seg);
    return null;
  }
  if (!(seg.flags & ACK)) {
    // Neither SYN, RST nor ACK (Linux tcp_rcv_state_process: SKB_DROP_REASON_TCP_FLAGS, no MIB counter);
    // for a request, Linux tcp_check_req answers one outside the window first.
    if (req && tl.personality.requestSeqCheck && !requestInWindow(req, seg)) requestOutOfWindow(tl, lt, req, seg);
    else c.inc(c.Sockstack, "TcpBadFlagsDrop");
    return null;
  }
  if (req) {
    if (seg.ack !== ((req.iss + 1) >>> 0)) {
      // Not for this request: RFC 9293 says RST; Linux tcp_check_req answers a bad ACK with RST too,
      // before it looks at the sequence number.
      sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, 0);
      return null;
    }
    if (!requestInWindow(req, seg)) {
      // Inside the window any sequence number will do — the child sorts out the rest (checked
      // on Linux 6.18: test/tcp/linux-input-states-probe.py A2–A4).
      if (tl.personality.requestSeqCheck) requestOutOfWindow(tl, lt, req, seg);
      else c.inc(c.Sockstack, "TcpRequestOutOfWindow");
      return null;
    }
    // TCP_DEFER_ACCEPT (Linux tcp_check_req): while the deferral lasts, a bare ACK (nothing but the
    // handshake's ACK: no data, no FIN) is dropped and the request stays in SYN-RECV, marked acked.
    const segEnd = (seg.seq + seg.data.length + (seg.flags & FIN ? 1 : 0)) >>> 0;
    if (req.numTimeout < lt.deferAccept && segEnd === ((req.irs + 1) >>> 0)) {
      req.acked = true;
      c.inc(c.TcpExt, "TCPDeferAcceptDrop");
      return null;
    }
    if (lq.acceptQueueFull()) {
      // B2: the final ACK finds the accept queue full — drop it, keep the request (SYN-RECV).
      c.inc(c.TcpExt, "ListenOverflows");
      c.inc(c.TcpExt, "ListenDrops");
      if (tl.ctx.sysctl.tcp_abort_on_overflow) {
        lq.synQueue.delete(key);
        sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, 0);
        return null;
      }
      req.acked = true;
      return null;
    }
    lq.synQueue.delete(key);
    return finishChild(tl, lt, createChild(tl, lt, req, seg), seg);
  }
  // No request: maybe a SYN cookie (B5).
  if (tl.ctx.sysctl.tcp_syncookies && !(seg.flags & FIN)) {
    const now = tl.ctx.scheduler.now();
    const tuple = { localAddr: seg.daddr, localPort: seg.dport, remoteAddr: seg.saddr, remotePort: seg.sport };
    const mss = tl.cookies.checkCookie(tuple, (seg.seq - 1) >>> 0, (seg.ack - 1) >>> 0, now);
    if (mss) {
      if (lq.acceptQueueFull()) {
        c.inc(c.TcpExt, "ListenOverflows");
        c.inc(c.TcpExt, "ListenDrops");
        return null;
      }
      c.inc(c.TcpExt, "SyncookiesRecv");
      const tsOffset = tl.isn.tsOffset(seg.daddr, seg.saddr);
      let wscale = -1, sackOk = false, tsOk = false;
      if (seg.hasTs && seg.tsEcr) {
        const o = decodeCookieTimestamp((seg.tsEcr - tsOffset) >>> 0);
        wscale = o.wscale;
        sackOk = o.sack;
        tsOk = true;
      }
      const r: RequestSock = {
        localAddr: seg.daddr, localPort: seg.dport, remoteAddr: seg.saddr, remotePort: seg.sport,
        iss: (seg.ack - 1) >>> 0, irs: (seg.seq - 1) >>> 0, peerMss: mss, sndWscale: wscale, rcvWscale: 0,
        peerWindow: seg.window, sackOk, tsOk, tsRecent: seg.tsVal, tsOffset, retrans: 0, numTimeout: 0, expires: 0, acked: false, rcvWnd: 0, lastOowAck: -1,
        created: now, listener: lq,
      };
      const rt = tl.net.of(seg.saddr).route(seg.saddr);
      r.rcvWscale = wscale >= 0 ? initialWscale(tl, lt, rt ? rt.iface.mtu : 1500, seg.saddr) : 0;
      return finishChild(tl, lt, createChild(tl, lt, r, seg), seg);
    }
    c.inc(c.TcpExt, "SyncookiesFailed");
  }
  sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, seg.data.length);
  return null;
}

/**
 * Linux tcp_check_req's tcp_in_window: the segment [seq, seq + len) starts
 * at IRS + 1, or overlaps the window the SYN-ACK offered (its SYN-ACK's
 * window field: at most 65535, Linux tcp_synack_window), or is empty right
 * at its edge.
 */
function requestInWindow(req: RequestSock, seg: Segment): boolean {
  const start = (req.irs + 1) >>> 0;
  const end = (start + Math.min(req.rcvWnd, 65535)) >>> 0;
  const segEnd = (seg.seq + seg.data.length + (seg.flags & (SYN | FIN) ? 1 : 0)) >>> 0;
  if (seg.seq === start) return true;
  if (seqGt(segEnd, start) && seqLt(seg.seq, end)) return true;
  return seg.seq === end && segEnd === end;
}

/**
 * Linux tcp_check_req: a segment outside the window a request's SYN-ACK
 * offered is answered by an ACK — rate-limited like any out-of-window ACK
 * (data and FIN are exempt), TCPACKSkippedSynRecv — and dropped; the
 * request stays (test/tcp/linux-input-states-probe.py A, A4, A6).
 */
function requestOutOfWindow(tl: TcpLayer, lt: Tcb, req: RequestSock, seg: Segment): void {
  if (!oowLimited(tl, req, seg, "TCPACKSkippedSynRecv")) sendRequestAck(tl, lt, req);
}

/** The window scale a SYN-ACK announces over an MTU of `mtu` towards `peer`. */
function initialWscale(tl: TcpLayer, lt: Tcb, mtu: number, peer: InetAddress): number {
  return selectInitialWindow({
    space: lt.rcvBuf.fullSpace(), mss: Math.min(mtu - netHeaderLen(peer) - 20, TCP_MAX_ADV_MSS), wscaleOk: true,
    rmemMax2: tl.ctx.sysctl.tcp_rmem[2], coreRmemMax: tl.ctx.sysctl.rmem_max,
  }).rcvWscale;
}

/** A SYN for a listener (Linux tcp_conn_request). */
function synReceived(tl: TcpLayer, lt: Tcb, lq: Listener, seg: Segment): void {
  const c = tl.ctx.counters;
  const s = tl.ctx.sysctl;
  const now = tl.ctx.scheduler.now();
  let wantCookie = false;
  // Linux tcp_conn_request: a SYN reopening a TIME-WAIT tuple (its ISN chosen) never becomes a cookie.
  if ((s.tcp_syncookies === 2 || lq.synQueueFull()) && !seg.twIsn) {
    if (s.tcp_syncookies) {
      wantCookie = true;
      if (!lq.cookieWarned) {
        lq.cookieWarned = true;
        c.inc(c.TcpExt, "TCPReqQFullDoCookies");
      }
    } else {
      c.inc(c.TcpExt, "TCPReqQFullDrop");
      c.inc(c.TcpExt, "ListenDrops");
      return;
    }
  }
  if (lq.acceptQueueFull()) {
    // B2: a SYN that finds the accept queue full is dropped; the client retransmits.
    c.inc(c.TcpExt, "ListenOverflows");
    c.inc(c.TcpExt, "ListenDrops");
    return;
  }
  const rt = tl.net.of(seg.saddr).route(seg.saddr);
  if (!rt) {
    // Linux tcp_conn_request: inet_csk_route_req fails (OutNoRoutes) and the SYN is a listen drop.
    c.inc(c.Ip, "OutNoRoutes");
    c.inc(c.TcpExt, "ListenDrops");
    return;
  }
  c.inc(c.Tcp, "PassiveOpens");
  const peerMss = seg.mss > 0 ? seg.mss : TCP_MSS_DEFAULT;
  const tsOk = s.tcp_timestamps && seg.hasTs;
  const sackOk = s.tcp_sack && seg.sackOk;
  const wscaleOk = s.tcp_window_scaling && seg.wscale >= 0;
  const req: RequestSock = {
    localAddr: seg.daddr, localPort: seg.dport, remoteAddr: seg.saddr, remotePort: seg.sport,
    iss: 0, irs: seg.seq, peerMss, sndWscale: wscaleOk ? Math.min(seg.wscale, TCP_MAX_WSCALE) : -1,
    rcvWscale: wscaleOk ? initialWscale(tl, lt, rt.iface.mtu, seg.saddr) : 0,
    peerWindow: seg.window, sackOk, tsOk, tsRecent: seg.tsVal,
    tsOffset: tl.isn.tsOffset(seg.daddr, seg.saddr), retrans: 0, numTimeout: 0, rcvWnd: 0, lastOowAck: -1,
    expires: now + TCP_TIMEOUT_INIT, acked: false, created: now, listener: lq,
  };
  if (wantCookie) {
    const ck = tl.cookies.makeCookie(req, seg.seq, peerMss, now);
    req.iss = ck.isn;
    req.peerMss = ck.mss;
    c.inc(c.TcpExt, "SyncookiesSent");
    sendSynAck(tl, req, true);
    return;
  }
  req.iss = seg.twIsn || tl.isn.isn(seg.daddr, seg.dport, seg.saddr, seg.sport, now);
  // TCP Fast Open (Linux tcp_try_fastopen): a valid cookie (or a no-cookie mode) makes the child now.
  const fo = tryFastOpen(tl, lt, seg);
  if (fo.child) {
    req.expires = 0; // no RTT sample from the SYN
    const t = createChild(tl, lt, req, seg);
    tl.tables.insert(t);
    t.portHeld = true;
    tl.tables.bindPort(t, false);
    initTransfer(tl, t);
    t.sndWl1 = seg.seq;
    t.sndWl2 = t.sndUna;
    lq.enqueue(t);
    startPassiveChild(tl, lt, t, seg, fo.cookie);
    tl.ctx.notifyWake();
    lq.wq.wake(POLLIN);
    return;
  }
  lq.synQueue.set(requestKey(seg.saddr, seg.sport), req);
  sendSynAck(tl, req, false, fo.cookie);
  armListenerTimer(tl, lt);
}

/**
 * Sends (or re-sends) the SYN-ACK of a request, with Linux's option layout;
 * `fo`: the Fast Open cookie the first SYN-ACK gives the client (`len` −1:
 * none; retransmissions carry none, as Linux's do).
 */
export function sendSynAck(tl: TcpLayer, req: RequestSock, cookie = false, fo: FoCookie | null = null): void {
  const net = tl.net.of(req.remoteAddr);
  const rt = net.route(req.remoteAddr);
  if (!rt) {
    tl.ctx.counters.inc(tl.ctx.counters.Ip, "OutNoRoutes");
    return;
  }
  const lt = tl.tables.findListener(req.localAddr, req.localPort, 0);
  const mtu = rt.iface.mtu;
  let adv = Math.min(mtu - net.headerReserve - 20, TCP_MAX_ADV_MSS);
  if (lt?.userMss) adv = Math.min(adv, lt.userMss);
  const space = lt ? lt.rcvBuf.fullSpace() : 65536;
  const win = selectInitialWindow({
    space, mss: req.tsOk ? adv - TCPOLEN_TSTAMP_ALIGNED : adv, wscaleOk: req.sndWscale >= 0,
    rmemMax2: tl.ctx.sysctl.tcp_rmem[2], coreRmemMax: tl.ctx.sysctl.rmem_max,
  });
  req.rcvWnd = Math.min(win.rcvWnd, 65535 << (req.sndWscale >= 0 ? req.rcvWscale : 0));
  const nowMs = Math.floor(tl.ctx.scheduler.now() / 1000);
  const tsv = cookie && req.tsOk
    ? (encodeCookieTimestamp(nowMs >>> 0, req.sndWscale, req.sackOk, false) + req.tsOffset) >>> 0
    : tsVal(tl.ctx.scheduler.now(), req.tsOffset);
  const opts = { mss: adv, wscale: req.sndWscale >= 0 ? req.rcvWscale : -1, sackOk: req.sackOk, ts: req.tsOk, tsVal: tsv, tsEcr: req.tsRecent,
    bsd: tl.personality.synOptionsBsd, fastopen: fo && fo.len >= 0 ? { cookie: fo.val.subarray(0, fo.len), exp: fo.exp } : undefined };
  const list = synOptions(opts);
  const head = new Uint8Array(net.headerReserve + 20 + tcpEmitOptionsLength(list));
  const synWin = tl.personality.synAckWindow(lt ?? null, Math.min(win.rcvWnd, 65535));
  writeTcpHeader(head, net.headerReserve, req.localPort, req.remotePort, req.iss, (req.irs + 1) >>> 0, SYN | ACK, synWin, 0, list);
  // The listener's IP_TOS / IP_TTL (Linux tcp_v4_send_synack uses the listener's tos).
  if (net.output(rt, req.localAddr, req.remoteAddr, IPPROTO_TCP, head, EMPTY, lt ? lt.ttl : -1, lt ? lt.tos : 0, true)) return;
  const c = tl.ctx.counters;
  c.inc(c.Tcp, "OutSegs");
}

/**
 * A bare ACK for a request (Linux tcp_v4_reqsk_send_ack for an
 * out-of-window segment; FreeBSD syncache_respond with TH_ACK, its RFC 5961
 * challenge ACK): SEQ = ISS + 1, ACK = IRS + 1, the offered window (Linux:
 * scaled by our window scale), timestamps when negotiated.
 */
function sendRequestAck(tl: TcpLayer, lt: Tcb, req: RequestSock): void {
  const net = tl.net.of(req.remoteAddr);
  const rt = net.route(req.remoteAddr);
  if (!rt) {
    tl.ctx.counters.inc(tl.ctx.counters.Ip, "OutNoRoutes");
    return;
  }
  const opts = establishedOptions(req.tsOk, tsVal(tl.ctx.scheduler.now(), req.tsOffset), req.tsRecent, NO_SACK, 0);
  const head = new Uint8Array(net.headerReserve + 20 + tcpEmitOptionsLength(opts));
  const win = tl.personality.synAckWindow(lt, Math.min(req.rcvWnd >>> (req.sndWscale >= 0 ? req.rcvWscale : 0), 65535));
  writeTcpHeader(head, net.headerReserve, req.localPort, req.remotePort, (req.iss + 1) >>> 0, (req.irs + 1) >>> 0, ACK, win, 0, opts);
  if (net.output(rt, req.localAddr, req.remoteAddr, IPPROTO_TCP, head, EMPTY, lt.ttl, lt.tos, true)) return;
  const c = tl.ctx.counters;
  c.inc(c.Tcp, "OutSegs");
}

/** The listener's one timer, armed at the earliest SYN-ACK retransmission due. */
function armListenerTimer(tl: TcpLayer, lt: Tcb): void {
  const lq = lt.lq!;
  let timer = timers.get(lq);
  if (!timer) {
    timer = new Timer((now) => listenerTimer(tl, lt, now));
    timers.set(lq, timer);
  }
  let at = -1;
  for (const r of lq.synQueue.values()) if (at < 0 || r.expires < at) at = r.expires;
  if (at < 0 || lq.closed) tl.ctx.scheduler.disarm(timer);
  else if (timer.deadline !== at) tl.ctx.scheduler.arm(timer, at);
}

/**
 * SYN-ACK retransmission (Linux reqsk_timer_handler, syn_ack_recalc): at
 * every expiry (1 s, then doubling up to 120 s) a request's SYN-ACK is
 * re-sent, until `tcp_synack_retries` (TCP_SYNCNT on the listener)
 * expiries, then the request is dropped. Requests whose final ACK was
 * dropped because the accept queue was full (`acked`, B2) keep retrying too,
 * so the client's answering ACK can complete them once accept() made room.
 * Under TCP_DEFER_ACCEPT an acked request is not re-sent while it waits for
 * data, except at the last expiry of the deferral (a last chance for the
 * client's ACK or data), and it lives at least as long as the deferral.
 *
 * **Old requests make way for young ones** (Linux reqsk_timer_handler):
 * when the SYN queue is more than half full (2·qlen > max(8, backlog)),
 * the retry limit of a request whose timer fires drops by one for each
 * halving of the share of *young* requests (those whose SYN-ACK was never
 * retransmitted) — down to 2 — so a SYN flood's unanswered requests die
 * after 1 + 2 + 4 = 7 s instead of 63 s, and a real client gets in.
 */
function listenerTimer(tl: TcpLayer, lt: Tcb, now: number): void {
  const lq = lt.lq;
  if (!lq || lq.closed) return;
  const maxRetries = lt.synRetries || tl.ctx.sysctl.tcp_synack_retries;
  const defer = lt.deferAccept;
  const c = tl.ctx.counters;
  let qlen = lq.synQueue.size;
  let young = 0;
  for (const r of lq.synQueue.values()) if (r.numTimeout === 0) young++;
  for (const [k, r] of lq.synQueue) {
    if (r.expires > now) continue;
    // Linux: thresh = max_syn_ack_retries, lowered while young requests are scarce.
    let max = maxRetries;
    if (2 * qlen > Math.max(8, lq.backlog)) {
      let y = young * 2;
      while (max > 2) {
        if (qlen < y) break;
        max--;
        y *= 2;
      }
    }
    c.inc(c.TcpExt, "TCPTimeouts"); // Linux tcp_syn_ack_timeout: every expiry of a request's timer
    let expire = r.numTimeout >= max;
    let resend = true;
    if (defer) {
      expire &&= !r.acked || r.numTimeout >= defer;
      resend = !r.acked || r.numTimeout >= defer - 1;
    }
    if (expire) {
      lq.synQueue.delete(k);
      qlen--;
      if (r.numTimeout === 0) young--;
      continue;
    }
    if (resend) {
      r.retrans++;
      c.inc(c.Tcp, "RetransSegs");
      c.inc(c.TcpExt, "TCPSynRetrans");
      sendSynAck(tl, r);
    }
    if (r.numTimeout === 0) young--;
    r.numTimeout++;
    r.expires = now + Math.min(TCP_TIMEOUT_INIT * 2 ** r.numTimeout, TCP_RTO_MAX);
  }
  armListenerTimer(tl, lt);
}

/**
 * TCP_DEFER_ACCEPT seconds as Linux stores them (secs_to_retrans): the
 * number of SYN-ACK timeouts (1 s, 2 s, 4 s… up to 120 s) whose sum first
 * reaches `secs`; 0 turns deferral off.
 * @example secsToRetrans(5) === 3 // 1 + 2 + 4 ≥ 5
 */
export function secsToRetrans(secs: number): number {
  if (secs <= 0) return 0;
  let timeout = TCP_TIMEOUT_INIT / SEC;
  let period = timeout;
  let n = 1;
  while (secs > period && n < 255) {
    n++;
    timeout = Math.min(timeout * 2, TCP_RTO_MAX / SEC);
    period += timeout;
  }
  return n;
}

/**
 * The seconds getsockopt(TCP_DEFER_ACCEPT) reports for a stored count
 * (Linux retrans_to_secs): the total of that many SYN-ACK timeouts.
 * @example retransToSecs(3) === 7
 */
export function retransToSecs(n: number): number {
  if (n <= 0) return 0;
  let timeout = TCP_TIMEOUT_INIT / SEC;
  let period = timeout;
  while (--n > 0) {
    timeout = Math.min(timeout * 2, TCP_RTO_MAX / SEC);
    period += timeout;
  }
  return period;
}

/** Builds the full connection for a completed handshake (Linux tcp_create_openreq_child). */
function createChild(tl: TcpLayer, lt: Tcb, req: RequestSock, seg: Segment): Tcb {
  const t = tl.createTcb();
  const now = tl.ctx.scheduler.now();
  t.passive = true;
  t.localAddr = req.localAddr;
  t.localPort = req.localPort;
  t.remoteAddr = req.remoteAddr;
  t.remotePort = req.remotePort;
  // Socket options are inherited from the listener (Linux sk_clone_lock).
  t.nodelay = lt.nodelay;
  t.keepalive = lt.keepalive;
  t.keepIdle = lt.keepIdle;
  t.keepIntvl = lt.keepIntvl;
  t.keepCnt = lt.keepCnt;
  t.lingerOn = lt.lingerOn;
  t.lingerTime = lt.lingerTime;
  t.oobInline = lt.oobInline;
  t.userMss = lt.userMss;
  t.userTimeout = lt.userTimeout;
  t.linger2 = lt.linger2;
  t.reuseAddr = lt.reuseAddr;
  t.inet6 = lt.inet6;
  t.v6only = lt.v6only;
  t.rcvLowat = lt.rcvLowat;
  t.tos = lt.tos;
  t.ttl = lt.ttl;
  if (lt.sndbufLocked) {
    t.sndBuf.capacity = lt.sndBuf.capacity;
    t.sndbufLocked = true;
  }
  if (lt.rcvbufLocked) {
    t.rcvBuf.rcvbuf = lt.rcvBuf.rcvbuf;
    t.rcvbufLocked = true;
  }
  t.ccName = lt.ccName; // created on first use
  t.iss = req.iss;
  t.irs = req.irs;
  t.sndUna = (req.iss + 1) >>> 0;
  t.sndNxt = t.sndUna;
  t.sndMax = t.sndUna;
  t.sndBufSeq = t.sndUna;
  t.highRxt = t.sndUna;
  t.rcvNxt = (req.irs + 1) >>> 0;
  t.tsOffset = req.tsOffset;
  const net = tl.net.of(req.remoteAddr);
  const rt = net.route(req.remoteAddr);
  initConnection(tl, t, rt ? rt.iface.mtu : 1500);
  t.route = rt;
  t.routeGen = net.routeGeneration;
  t.peerMss = req.peerMss;
  t.wscaleOk = req.sndWscale >= 0;
  t.sndWscale = t.wscaleOk ? req.sndWscale : 0;
  t.rwin.rcvWscale = t.wscaleOk ? req.rcvWscale : 0;
  t.sackOk = req.sackOk;
  t.tsOk = req.tsOk && seg.hasTs;
  t.tsRecent = seg.hasTs ? seg.tsVal : req.tsRecent;
  t.tsRecentStamp = now;
  t.sndWnd = seg.window << t.sndWscale;
  t.maxWindow = t.sndWnd;
  updateMss(t);
  t.sndWl1 = seg.seq;
  t.sndWl2 = seg.ack;
  if (req.retrans === 0 && req.expires > 0) t.rtt.sample(now - req.created, true, now);
  tl.setState(t, TcpState.SYN_RECV);
  return t;
}

/** Puts a new child in the tables and the accept queue, and returns it for the rest of the ACK segment (data, FIN). */
function finishChild(tl: TcpLayer, lt: Tcb, t: Tcb, seg: Segment): Tcb {
  tl.tables.insert(t);
  // Children hold the listener's port too (Linux inet_inherit_port): a new bind() sees them.
  t.portHeld = true;
  tl.tables.bindPort(t, false);
  establish(tl, t);
  lt.lq!.enqueue(t);
  tl.ctx.notifyWake();
  lt.lq!.wq.wake(POLLIN);
  // Linux: the child takes the handshake's final ACK through tcp_ack's slow path.
  if (!seg.data.length && !(seg.flags & FIN)) tl.ctx.counters.inc(tl.ctx.counters.TcpExt, "TCPPureAcks");
  return t;
}
