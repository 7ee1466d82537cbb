/**
 * The SYN-ACK side of LISTEN (Linux tcp_v4_send_synack, reqsk_timer_handler):
 * building a request's SYN-ACK and its bare ACK, the listener's one timer
 * that retransmits SYN-ACKs and expires requests, and TCP_DEFER_ACCEPT's
 * seconds ↔ retransmissions conversion. listen.ts decides when.
 */
import { Timer } from "../core/scheduler.js";
import { md5Lookup, md5Sign } from "./md5sig.js";
import { IPPROTO_TCP } from "../wire/ipv4.js";
import { EMPTY } from "../wire/packet.js";
import type { Listener, RequestSock } from "./listener.js";
import { synOptions } from "./options-out.js";
import { tcpEmitOptionsLength, writeTcpHeader } from "../wire/tcp.js";
import { ACK, ECE, SYN } from "./segment.js";
import { encodeCookieTimestamp } from "./syncookie.js";
import { tosFor, ttlFor, type Tcb } from "./tcb.js";
import type { TcpLayer } from "./tcp-layer.js";
import { tsVal } from "./isn.js";
import { sendBareAck } from "./control-out.js";
import { routeAdvMss, routeInitRwnd } from "./route-path.js";
import { TCP_RTO_MAX, TCP_TIMEOUT_INIT, TCPOLEN_TSTAMP_ALIGNED } from "./constants.js";
import { SEC } from "../core/time.js";
import type { FoCookie } from "./fastopen.js";
import { selectInitialWindow } from "./recv-window.js";

/** Each listener's SYN-ACK timer, created on its first request. */
const timers = new WeakMap<Listener, Timer>();

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
  // TCP_MD5SIG: the listener's key for the peer signs it; MD5 with timestamps leaves no room for SACK blocks, so a
  // request that has SACK gives up timestamps (Linux tcp_synack_options; not for a cookie, whose timestamp encodes options).
  const md5 = lt ? md5Lookup(lt.md5, req.remoteAddr) : null;
  if (md5 && !cookie) req.tsOk &&= !req.sackOk;
  // Linux tcp_openreq_init_rwin / tcp_make_synack: the route's advmss (else path MTU − 40), TCP_MAXSEG.
  let adv = routeAdvMss(net, rt);
  if (lt?.userMss) adv = Math.min(adv, lt.userMss);
  const space = lt ? lt.rcvBuf.fullSpace() : 65536;
  const win = selectInitialWindow({
    space, mss: req.tsOk ? adv - TCPOLEN_TSTAMP_ALIGNED : adv, wscaleOk: req.sndWscale >= 0,
    rmemMax2: tl.ctx.sysctl.tcp_rmem[2], coreRmemMax: tl.ctx.sysctl.rmem_max, initRcvWnd: routeInitRwnd(rt),
  });
  req.rcvWnd = Math.min(win.rcvWnd, 65535 << (req.sndWscale >= 0 ? req.rcvWscale : 0));
  const nowMs = Math.floor(tl.ctx.scheduler.now() / 1000);
  const tsv = cookie && req.tsOk
    ? (encodeCookieTimestamp(nowMs >>> 0, req.sndWscale, req.sackOk, req.ecnOk) + req.tsOffset) >>> 0
    : tsVal(tl.ctx.scheduler.now(), req.tsOffset);
  const opts = { mss: adv, wscale: req.sndWscale >= 0 ? req.rcvWscale : -1, sackOk: req.sackOk, ts: req.tsOk, tsVal: tsv, tsEcr: req.tsRecent,
    bsd: tl.personality.synOptionsBsd, fastopen: fo && fo.len >= 0 ? { cookie: fo.val.subarray(0, fo.len), exp: fo.exp } : undefined, md5: md5 !== null };
  const list = synOptions(opts);
  const head = new Uint8Array(net.headerReserve + 20 + tcpEmitOptionsLength(list));
  const synWin = tl.personality.synAckWindow(lt ?? null, Math.min(win.rcvWnd, 65535));
  writeTcpHeader(head, net.headerReserve, req.localPort, req.remotePort, req.iss, (req.irs + 1) >>> 0, SYN | ACK | (req.ecnOk ? ECE : 0), synWin, 0, list);
  if (md5) md5Sign(md5, req.localAddr, req.remoteAddr, head, net.headerReserve, EMPTY);
  // The listener's IP_TOS / IP_TTL or IPV6_TCLASS / IPV6_UNICAST_HOPS (Linux tcp_v4_send_synack, tcp_v6_send_synack).
  if (net.output(rt, req.localAddr, req.remoteAddr, IPPROTO_TCP, head, EMPTY, lt ? ttlFor(lt, req.remoteAddr) : -1, lt ? tosFor(lt, req.remoteAddr) : 0, true)) return;
  const c = tl.ctx.counters;
  c.inc(c.Tcp, "OutSegs");
}

/**
 * A bare ACK for a request (Linux tcp_v4_reqsk_send_ack for an
 * out-of-window segment; FreeBSD syncache_respond with TH_ACK, its RFC 5961
 * challenge ACK): SEQ = ISS + 1, ACK = IRS + 1, the offered window (Linux:
 * scaled by our window scale), timestamps when negotiated.
 */
export function sendRequestAck(tl: TcpLayer, lt: Tcb, req: RequestSock): void {
  const win = tl.personality.synAckWindow(lt, Math.min(req.rcvWnd >>> (req.sndWscale >= 0 ? req.rcvWscale : 0), 65535));
  sendBareAck(tl, req.localAddr, req.remoteAddr, req.localPort, req.remotePort, (req.iss + 1) >>> 0, (req.irs + 1) >>> 0, win,
    req.tsOk, req.tsOffset, req.tsRecent, ttlFor(lt, req.remoteAddr), tosFor(lt, req.remoteAddr), md5Lookup(lt.md5, req.remoteAddr));
}

/** The listener's one timer, armed at the earliest SYN-ACK retransmission due. */
export function armListenerTimer(tl: TcpLayer, lt: Tcb): void {
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
