/**
 * LISTEN processing (RFC 9293 §3.10.7.2; Linux tcp_conn_request,
 * tcp_check_req, cookie_v4_check): SYNs create small request entries in
 * the SYN queue (B4) and are answered with SYN-ACKs; the final ACK promotes
 * a request to a full connection in the accept queue — or, when the queue
 * is full, is dropped with the request kept in SYN-RECV (B2). SYN cookies
 * (B5) replace the SYN queue when it overflows. See listener.ts for the
 * queue rules.
 */
import { ZeroCopySock } from "./zerocopy.js";
import { md5ChildKeys, md5Lookup } from "./md5sig.js";
import { POLLIN } from "../core/poll-events.js";
import { needsScopeId, netHeaderLen, type InetAddress } from "../net/inet-address.js";
import { Listener, requestKey, type RequestSock } from "./listener.js";
import { sendResetFor } from "./control-out.js";
import { oowLimited } from "./oow-ack.js";
import { seqGt, seqLt } from "../core/seq.js";
import { ACK, FIN, RST, SYN, type Segment } from "./segment.js";
import { decodeCookieTimestamp } from "./syncookie.js";
import { ecnCookieOk, ecnOpenReqChild, ecnRequestOk } from "./ecn.js";
import type { Tcb } from "./tcb.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";
import { TCP_MAX_ADV_MSS, TCP_MAX_WSCALE, TCP_MSS_DEFAULT, TCP_TIMEOUT_INIT } from "./constants.js";
import { establish, initConnection, initSendSequence, initTransfer, updateMss } from "./setup.js";
import { startPassiveChild, tryFastOpen } from "./fastopen-open.js";
import { selectInitialWindow } from "./recv-window.js";
import { armListenerTimer, sendRequestAck, sendSynAck } from "./synack.js";
import { TxTimestamps } from "./tx-timestamp.js";



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
      sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, 0, 0, -1, md5Lookup(lt.md5, seg.saddr));
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
        sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, len, 0, -1, md5Lookup(lt.md5, seg.saddr));
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
      sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, 0, 0, -1, md5Lookup(lt.md5, seg.saddr));
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
        sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, 0, 0, -1, md5Lookup(lt.md5, seg.saddr));
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
      let wscale = -1, sackOk = false, tsOk = false, ecnOk = false;
      if (seg.hasTs && seg.tsEcr) {
        const o = decodeCookieTimestamp((seg.tsEcr - tsOffset) >>> 0);
        wscale = o.wscale;
        sackOk = o.sack;
        tsOk = true;
        ecnOk = ecnCookieOk(tl, o.ecn);
      }
      const r: RequestSock = {
        localAddr: seg.daddr, localPort: seg.dport, remoteAddr: seg.saddr, remotePort: seg.sport,
        iss: (seg.ack - 1) >>> 0, irs: (seg.seq - 1) >>> 0, peerMss: mss, sndWscale: wscale, rcvWscale: 0,
        peerWindow: seg.window, sackOk, tsOk, ecnOk, tsRecent: seg.tsVal, tsOffset, retrans: 0, numTimeout: 0, expires: 0, acked: false, rcvWnd: 0, lastOowAck: -1,
        created: now, listener: lq, unreach: false,
      };
      const rt = tl.net.of(seg.saddr).route(seg.saddr);
      r.rcvWscale = wscale >= 0 ? initialWscale(tl, lt, rt ? rt.iface.mtu : 1500, seg.saddr) : 0;
      return finishChild(tl, lt, createChild(tl, lt, r, seg), seg);
    }
    c.inc(c.TcpExt, "SyncookiesFailed");
  }
  sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, seg.data.length, 0, -1, md5Lookup(lt.md5, seg.saddr));
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
    peerWindow: seg.window, sackOk, tsOk, tsRecent: seg.tsVal, ecnOk: ecnRequestOk(tl, seg),
    tsOffset: tl.isn.tsOffset(seg.daddr, seg.saddr), retrans: 0, numTimeout: 0, rcvWnd: 0, lastOowAck: -1,
    expires: now + TCP_TIMEOUT_INIT, acked: false, created: now, listener: lq, unreach: false,
  };
  if (wantCookie) {
    // Linux tcp_conn_request: a cookie keeps ECN only in the timestamp it encodes.
    if (!tsOk) req.ecnOk = false;
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
  if (lt.zc?.enabled) (t.zc = new ZeroCopySock()).enabled = true;
  // SO_TIMESTAMPING's flags are the socket's (sk_clone_lock copies sk_tsflags); OPT_ID cannot be on a listener.
  if (lt.zc?.ts?.flags) ((t.zc ??= new ZeroCopySock()).ts = new TxTimestamps()).flags = lt.zc.ts.flags;
  t.userTimeout = lt.userTimeout;
  t.linger2 = lt.linger2;
  t.reuseAddr = lt.reuseAddr;
  t.inet6 = lt.inet6;
  t.v6only = lt.v6only;
  t.rcvLowat = lt.rcvLowat;
  t.tos = lt.tos;
  t.ttl = lt.ttl;
  t.tclass6 = lt.tclass6;
  t.hopLimit6 = lt.hopLimit6;
  // The listener's key for the peer, copied as an exact key (Linux tcp_v4_syn_recv_sock; GSO off with it).
  if (lt.md5 !== null) t.md5 = md5ChildKeys(lt.md5, req.remoteAddr);
  // A link-local peer is reached through the interface its handshake came in on (Linux: ireq->ir_iif becomes sk_bound_dev_if).
  t.boundIf = lt.boundIf || (needsScopeId(t.remoteAddr) ? seg.ifindex : 0);
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
  initSendSequence(t, (req.iss + 1) >>> 0, (req.iss + 1) >>> 0);
  t.rcvNxt = (req.irs + 1) >>> 0;
  t.tsOffset = req.tsOffset;
  const net = tl.net.of(req.remoteAddr);
  const rt = net.route(req.remoteAddr, t.boundIf || undefined);
  initConnection(tl, t, net, rt);
  t.route = rt;
  t.routeGen = net.routeGeneration;
  t.peerMss = req.peerMss;
  t.wscaleOk = req.sndWscale >= 0;
  t.sndWscale = t.wscaleOk ? req.sndWscale : 0;
  t.rwin.rcvWscale = t.wscaleOk ? req.rcvWscale : 0;
  t.sackOk = req.sackOk;
  ecnOpenReqChild(t, req.ecnOk);
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
