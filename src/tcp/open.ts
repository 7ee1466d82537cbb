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
import { initConnection } from "./setup.js";
import type { Tcb } from "./tcb.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";
import { armRetransmit } from "./timers.js";
import { TimeWaitSock } from "./timewait.js";

/**
 * Active OPEN (RFC 9293 §3.10.1): chooses the source address and port,
 * the ISN (RFC 6528), sends the SYN and enters SYN-SENT.
 */
export function connect(tl: TcpLayer, t: Tcb, raddr: InetAddress, rport: number): ErrnoCode | null {
  const net = tl.net.of(raddr);
  const rt = net.route(raddr);
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
  t.sndUna = t.iss;
  t.sndNxt = t.iss;
  t.sndMax = t.iss;
  t.sndBufSeq = (t.iss + 1) >>> 0;
  t.highRxt = t.iss;
  initConnection(tl, t, rt.iface.mtu);
  t.route = rt;
  t.routeGen = net.routeGeneration;
  tl.setState(t, TcpState.SYN_SENT);
  tl.tables.insert(t);
  const c = tl.ctx.counters;
  c.inc(c.Tcp, "ActiveOpens");
  sendSyn(tl, t);
  t.sndNxt = (t.iss + 1) >>> 0;
  t.sndMax = t.sndNxt;
  t.retransStamp = now;
  t.rtt.setRto(TCP_TIMEOUT_INIT);
  armRetransmit(tl, t);
  return null;
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
    const e = tl.ports.bind(t, 0, 0);
    if (e) return e;
    t.bindExplicit = false;
  }
  if (tl.tables.bindConflict(t, t.localAddr, t.localPort, true)) return "EADDRINUSE";
  t.lq = new Listener(t.localAddr, t.localPort, inode, t.reusePort, t.wq);
  t.lq.backlog = b;
  tl.setState(t, TcpState.LISTEN);
  tl.tables.addListener(t);
  return null;
}
