/**
 * Opening a connection (RFC 9293 §3.10.1 OPEN): the active open — source
 * address and port, ISN (RFC 6528), SYN, SYN-SENT — and the passive one,
 * listen(). What happens when the peer answers is setup.ts (active) and
 * listen.ts (passive).
 */
import type { ErrnoCode } from "../core/errno.js";
import { isAnyAddress, type InetAddress } from "../net/inet-address.js";
import { TCP_TIMEOUT_INIT } from "./constants.js";
import { destroyTimeWait } from "./lifecycle.js";
import { Listener } from "./listener.js";
import { sendSyn } from "./output.js";
import { initConnection, initSendSequence } from "./setup.js";
import { ecnConnect } from "./ecn.js";
import { fastOpenCookieCheck, listenFastOpen, sendSynData } from "./fastopen-open.js";
import type { Tcb } from "./tcb.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";
import { armRetransmit } from "./timers.js";
import { TimeWaitSock } from "./timewait.js";

/**
 * Active OPEN (RFC 9293 §3.10.1): chooses the source address and port,
 * the ISN (RFC 6528), sends the SYN and enters SYN-SENT.
 */
export function connect(tl: TcpLayer, t: Tcb, raddr: InetAddress, rport: number, fastOpen: FastOpenConnect | null = null): ErrnoCode | null {
  const net = tl.net.of(raddr);
  const rt = net.route(raddr, t.boundIf || undefined);
  if (!rt) return "ENETUNREACH";
  const laddr = !isAnyAddress(t.localAddr) ? t.localAddr : rt.src;
  if (!t.portHeld) {
    const p = tl.ports.connectPort(tl, laddr, raddr, rport);
    if (!p) return "EADDRNOTAVAIL";
    t.localPort = p;
    t.portHeld = true;
    tl.tables.bindPort(t, true);
  } else {
    const other = tl.tables.lookup(laddr, t.localPort, raddr, rport);
    if (other) {
      if (!(other instanceof TimeWaitSock) || !tl.ports.twReusable(other)) return "EADDRNOTAVAIL";
      destroyTimeWait(tl, other);
    }
  }
  t.localAddr = laddr;
  t.remoteAddr = raddr;
  t.remotePort = rport;
  const now = tl.ctx.scheduler.now();
  t.iss = tl.isn.isn(laddr, t.localPort, raddr, rport, now);
  t.tsOffset = tl.isn.tsOffset(laddr, raddr);
  initSendSequence(t, t.iss, (t.iss + 1) >>> 0);
  initConnection(tl, t, net, rt);
  ecnConnect(tl, t);
  t.route = rt;
  t.routeGen = net.routeGeneration;
  tl.setState(t, TcpState.SYN_SENT);
  tl.tables.insert(t);
  // TCP_FASTOPEN_CONNECT with a cookie at hand (Linux tcp_fastopen_defer_connect): the SYN waits for the first write.
  if (fastOpen?.defer) {
    if (fastOpenCookieCheck(tl, t).ok) {
      t.fo!.deferred = true;
      return null;
    }
    fastOpen.data ??= []; // no cookie: the SYN asks for one
  }
  const taken = sendFirstSyn(tl, t, fastOpen?.data ?? null, fastOpen?.queueAll ?? false);
  if (fastOpen) fastOpen.taken = fastOpen.queueAll ? t.fo!.queued : taken;
  return null;
}

/** What connect() does for TCP Fast Open: defer the SYN (TCP_FASTOPEN_CONNECT), or send it with data (MSG_FASTOPEN). */
export interface FastOpenConnect {
  /** TCP_FASTOPEN_CONNECT: with a cached cookie the SYN waits for the first write (connect() returns at once); without, it asks for a cookie. */
  defer: boolean;
  /** Data for the SYN (MSG_FASTOPEN); null: a plain SYN. */
  data: readonly Uint8Array[] | null;
  /** Out: the bytes the SYN took (with `queueAll`: the bytes queued in all). */
  taken: number;
  /** FreeBSD's implied connect: the part of `data` the SYN does not carry waits in the send buffer. */
  queueAll?: boolean;
}

/**
 * Sends the SYN of an active open (in SYN-SENT) and arms its timer:
 * a plain SYN, or with `data` a Fast Open SYN (fastopen-open.ts). Returns
 * the bytes of `data` the SYN carries.
 */
export function sendFirstSyn(tl: TcpLayer, t: Tcb, data: readonly Uint8Array[] | null, queueAll = false): number {
  const c = tl.ctx.counters;
  const now = tl.ctx.scheduler.now();
  c.inc(c.Tcp, "ActiveOpens");
  let taken = 0;
  if (data !== null) taken = sendSynData(tl, t, data, queueAll);
  else sendSyn(tl, t);
  t.sndNxt = (t.iss + 1 + taken) >>> 0;
  t.sndMax = t.sndNxt;
  if (taken > 0) {
    t.rttSeq = t.sndNxt;
    t.rttTime = now;
  }
  t.retransStamp = now;
  t.rtt.setRto(TCP_TIMEOUT_INIT);
  // FreeBSD's TCP_KEEPINIT / net.inet.tcp.keepinit (the personality's keepInit): the open's time limit.
  if (tl.personality.keepInit) t.lifetimeAt = now + (t.keepInit || tl.ctx.sysctl.tcp_keepinit);
  armRetransmit(tl, t);
  return taken;
}

/** Passive OPEN: listen(backlog). Autobinds an ephemeral port when unbound. */
export function listen(tl: TcpLayer, t: Tcb, backlog: number, inode: number): ErrnoCode | null {
  const b = Math.min(Math.max(backlog, 0), tl.ctx.sysctl.somaxconn);
  if (t.state === TcpState.LISTEN) {
    t.lq!.backlog = b;
    return null;
  }
  if (t.state !== TcpState.CLOSE) return "EINVAL";
  if (!t.portHeld) {
    const e = tl.ports.bind(t, t.localAddr, 0); // unbound: the socket's own wildcard (0.0.0.0 or [::])
    if (e) return e;
    t.bindExplicit = false;
  }
  if (tl.tables.bindConflict(t, t.localAddr, t.localPort, true)) return "EADDRINUSE";
  t.lq = new Listener(t.localAddr, t.localPort, inode, t.reusePort, t.wq);
  t.lq.backlog = b;
  listenFastOpen(tl, t, backlog);
  tl.setState(t, TcpState.LISTEN);
  tl.tables.addListener(t);
  return null;
}
