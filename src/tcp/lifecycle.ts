/**
 * How a connection ends (RFC 9293 §3.10.4 CLOSE, §3.10.5 ABORT; Linux
 * tcp_close, tcp_shutdown, tcp_done, tcp_time_wait, tcp_disconnect):
 * shutdown and close with FIN or RST, orphans, the TIME-WAIT hand-over to a
 * compact record, and destruction — tables, port, timers and buffers
 * released, the socket woken.
 */
import { anyAddressOf, familyOps, NET_AF_INET6 } from "../net/inet-address.js";
import { md5TimeWait } from "./md5sig.js";
import type { ErrnoCode } from "../core/errno.js";
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP } from "../core/poll-events.js";
import { TCP_TIMEWAIT_LEN } from "./constants.js";
import { tcpOutput } from "./output.js";
import { sendActiveReset } from "./control-out.js";
import type { TcpSock } from "./tables.js";
import type { Tcb } from "./tcb.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";
import { rearm } from "./timers.js";
import { TimeWaitSock } from "./timewait.js";
import { txTimestampPurge } from "./tx-timestamp.js";
import { chronoStop, TCP_CHRONO_BUSY } from "./chrono.js";

/**
 * shutdown(): SHUT_WR queues a FIN after the data (half-close, F2);
 * SHUT_RD makes reads return 0.
 */
export function shutdown(tl: TcpLayer, t: Tcb, rd: boolean, wr: boolean): void {
  if (rd) t.rcvShutdown = true;
  if (wr && !t.sndShutdown) {
    t.sndShutdown = true;
    closeState(tl, t);
  }
  t.wake(POLLIN | POLLOUT | POLLRDHUP);
  tl.ctx.notifyWake();
}

/** Linux tcp_close_state: the transition a local CLOSE makes, then send the FIN. */
function closeState(tl: TcpLayer, t: Tcb): void {
  switch (t.state) {
    case TcpState.ESTABLISHED:
    case TcpState.SYN_RECV:
      tl.setState(t, TcpState.FIN_WAIT1);
      break;
    case TcpState.CLOSE_WAIT:
      tl.setState(t, TcpState.LAST_ACK);
      break;
    default:
      return;
  }
  t.finQueued = true;
  tcpOutput(tl, t);
}

/**
 * close() of the last reference (RFC 9293 §3.10.4 CLOSE; Linux
 * tcp_close): unread data or SO_LINGER 0 → RST (F5, C6); otherwise FIN
 * after the queued data, and the connection lives on as an orphan.
 */
export function close(tl: TcpLayer, t: Tcb): void {
  const c = tl.ctx.counters;
  t.orphan = true;
  t.inode = 0;
  t.rcvShutdown = true;
  t.sndShutdown = true;
  switch (t.state) {
    case TcpState.LISTEN:
      closeListener(tl, t);
      return;
    case TcpState.CLOSE:
      destroy(tl, t);
      return;
    case TcpState.SYN_SENT:
      destroy(tl, t);
      return;
  }
  const unread = t.rcvBuf.length + (t.ooo?.bytes ?? 0);
  if (unread > 0 || (t.lingerOn && t.lingerTime === 0)) {
    c.inc(c.TcpExt, unread > 0 ? "TCPAbortOnClose" : "TCPAbortOnData");
    if (t.state !== TcpState.TIME_WAIT) {
      sendActiveReset(tl, t);
      c.inc(c.Tcp, t.state === TcpState.SYN_RECV ? "AttemptFails" : "EstabResets");
    }
    t.rcvBuf.clear();
    destroy(tl, t);
    return;
  }
  closeState(tl, t);
  if (t.state === TcpState.FIN_WAIT2) orphanFinWait2(tl, t);
}

/** An orphaned FIN-WAIT-2 lasts tcp_fin_timeout / TCP_LINGER2 (Linux: a timewait sock in FIN-WAIT-2). */
function orphanFinWait2(tl: TcpLayer, t: Tcb): void {
  if (t.linger2 < 0) {
    sendActiveReset(tl, t);
    destroy(tl, t);
    return;
  }
  t.lifetimeAt = tl.ctx.scheduler.now() + (t.linger2 || tl.ctx.sysctl.tcp_fin_timeout);
  rearm(tl, t);
}

/** Called by input when a connection reaches FIN-WAIT-2: an orphan starts its lifetime. */
export function enteredFinWait2(tl: TcpLayer, t: Tcb): void {
  if (t.orphan) orphanFinWait2(tl, t);
}

/** Closing a listener resets the connections waiting in its accept queue; its requests just go. */
function closeListener(tl: TcpLayer, t: Tcb): void {
  const lq = t.lq!;
  lq.closed = true;
  tl.tables.removeListener(t);
  for (const child of lq.acceptQueue.splice(0)) {
    child.listener = null;
    abort(tl, child, null, true);
  }
  lq.synQueue.clear();
  tl.setState(t, TcpState.CLOSE);
  destroy(tl, t);
  lq.wq.wake(POLLIN | POLLHUP);
  tl.ctx.notifyWake();
}

/**
 * Aborts a connection: optionally sends RST (ABORT call, linger 0,
 * listener close), records `err` for the socket, and destroys it.
 */
export function abort(tl: TcpLayer, t: Tcb, err: ErrnoCode | null, sendRst: boolean): void {
  if (sendRst && t.state !== TcpState.CLOSE && t.state !== TcpState.SYN_SENT && t.state !== TcpState.TIME_WAIT && t.state !== TcpState.LISTEN) {
    sendActiveReset(tl, t);
    const c = tl.ctx.counters;
    c.inc(c.Tcp, "EstabResets");
  }
  if (err) t.error = err;
  destroy(tl, t);
}

/**
 * Enters TIME-WAIT (RFC 9293: 2·MSL; Linux TCP_TIMEWAIT_LEN = 60 s, tcp_time_wait):
 * a small {@link TimeWaitSock} replaces the TCB in the tables and keeps the
 * port; the TCB itself is done (a socket still holding it sees CLOSED and
 * end of stream, as on Linux).
 */
export function enterTimeWait(tl: TcpLayer, t: Tcb): void {
  tl.setState(t, TcpState.TIME_WAIT);
  const tw = new TimeWaitSock(t, tl.ctx.scheduler.now() + TCP_TIMEWAIT_LEN);
  if (t.md5 !== null) md5TimeWait(t.md5, t.remoteAddr, tw);
  if (t.hashed) {
    tl.tables.remove(t);
    tl.tables.insert(tw);
  }
  if (t.portHeld) {
    tl.tables.unbindPort(t);
    t.portHeld = false;
    tl.tables.bindPort(tw, !t.bindExplicit);
    tw.portHeld = true;
  }
  tl.timeWait.add(tw);
  tl.ctx.counters.inc(tl.ctx.counters.Sockstack, "TimeWaitCreated");
  // The full socket closes silently (no CLOSED trace: the connection lives on as TIME-WAIT).
  t.state = TcpState.CLOSE;
  release(tl, t);
}

/** Restarts a TIME-WAIT record's 60 s (a retransmitted FIN, RFC 9293). */
export function restartTimeWait(tl: TcpLayer, tw: TimeWaitSock): void {
  tw.expires = tl.ctx.scheduler.now() + TCP_TIMEWAIT_LEN;
  tl.timeWait.add(tw);
}

/** Ends a TIME-WAIT record: frees the tuple and the port. */
export function destroyTimeWait(tl: TcpLayer, tw: TimeWaitSock): void {
  tl.ports.released();
  if (tw.hashed) tl.tables.remove(tw);
  if (tw.portHeld) {
    tl.tables.unbindPort(tw);
    tw.portHeld = false;
  }
  tl.trace?.(tw, TcpState.TIME_WAIT, TcpState.CLOSE);
}

/** Frees whatever the connection (or TIME-WAIT record) holds. */
export function kill(tl: TcpLayer, s: TcpSock): void {
  if (s instanceof TimeWaitSock) destroyTimeWait(tl, s);
  else destroy(tl, s);
}

/**
 * Moves `t` to CLOSED and frees everything: tables, port, timers. Wakes
 * the socket (errors, EOF). Linux tcp_done + inet_csk_destroy_sock.
 */
export function destroy(tl: TcpLayer, t: Tcb): void {
  tl.ports.released();
  const wasListener = t.state === TcpState.LISTEN;
  if (t.state !== TcpState.CLOSE) tl.setState(t, TcpState.CLOSE);
  if (wasListener) tl.tables.removeListener(t);
  // A connection reset while in the accept queue stays there: accept() returns it and the
  // first read reports the error (Linux keeps the child in icsk_accept_queue).
  tl.tables.remove(t);
  if (t.portHeld && (t.orphan || !t.bindExplicit)) {
    tl.tables.unbindPort(t);
    t.portHeld = false;
  }
  t.reset = true;
  release(tl, t);
}

/** Stops the timers, drops the buffers and wakes the socket of a TCB that is done. */
function release(tl: TcpLayer, t: Tcb): void {
  t.rtoAt = t.delackAt = t.keepaliveAt = t.persistAt = t.lifetimeAt = -1;
  tl.ctx.scheduler.disarm(t.timer);
  t.sndBuf.clear();
  t.zc?.acked(0, true); // the data's skbs are freed: their zerocopy ranges complete (Linux tcp_write_queue_purge)
  txTimestampPurge(t); // and their transmit-timestamp marks go with them
  if (t.chrono !== null) chronoStop(t, TCP_CHRONO_BUSY, tl.ctx.scheduler.now());
  t.ooo = null;
  t.sb = null;
  t.wake(POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP);
  tl.ctx.notifyWake();
}

/**
 * Linux tcp_disconnect on a socket whose connect failed (called from
 * connect, __inet_stream_connect's `sock_error` path): forgets the peer
 * and the shutdown and reset state left by tcp_done, so the socket is
 * like a fresh one and the next connect sends a new SYN. The port was
 * already given back when the attempt ended (unless bound explicitly);
 * the source address is unbound too unless it was bound.
 */
export function disconnect(t: Tcb): void {
  if (t.state !== TcpState.CLOSE) return;
  t.reset = false;
  t.error = null;
  t.finReceived = false;
  t.finRead = false;
  t.rcvShutdown = false;
  t.sndShutdown = false;
  t.urgSeq = -1;
  t.urgByte = -1;
  t.urgMark = -1;
  t.urgMarkInline = false;
  t.sndUp = -1;
  t.rcvBuf.clear();
  t.remoteAddr = anyAddressOf(t.remoteAddr);
  t.remotePort = 0;
  // Linux inet_reset_saddr: an AF_INET6 socket goes back to [::] (dual stack), an AF_INET one to 0.0.0.0.
  if (!t.bindExplicit && !t.portHeld) t.localAddr = t.inet6 ? familyOps(NET_AF_INET6).any : 0;
}

/** Releases the port of a closed, never-orphaned socket being closed by the user. */
export function releasePort(tl: TcpLayer, t: Tcb): void {
  if (t.portHeld && t.state === TcpState.CLOSE) {
    tl.ports.released();
    tl.tables.unbindPort(t);
    t.portHeld = false;
  }
}
