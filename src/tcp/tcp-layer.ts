/**
 * TCP for one host: the connection tables, port allocation, the user
 * calls' protocol halves (connect, listen, accept, send, receive, shutdown,
 * close, abort), the timers, and the entry point for received segments
 * (demultiplexing to a connection, a listener, or a RST for nobody).
 * Segment processing itself is in input.ts and listen.ts; output in
 * output.ts; timers in timers.ts.
 */
import type { ErrnoCode } from "../core/errno.js";
import type { StackContext } from "../core/stack-context.js";
import type { Micros } from "../core/time.js";
import type { Timer } from "../core/scheduler.js";
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP } from "../core/poll-events.js";
import type { IpLayer } from "../ip/ip-layer.js";
import type { NetInterface } from "../ip/interface.js";
import type { IcmpErrorInfo } from "../ip/protocol.js";
import { IPPROTO_TCP, type Ipv4Header } from "../wire/ipv4.js";
import { INADDR_ANY } from "../wire/ipv4-address.js";
import type { Packet } from "../wire/packet.js";
import { IsnGenerator } from "./isn.js";
import { SynCookies } from "./syncookie.js";
import { Listener } from "./listener.js";
import { TcpTables, type TcpSock } from "./tables.js";
import { TimeWaitQueue, TimeWaitSock, TCP_TIMEWAIT_LEN } from "./timewait.js";
import { Tcb, type StateTrace } from "./tcb.js";
import { TcpState } from "./tcp-state.js";
import { ReceiveWindow, selectInitialWindow } from "./recv-window.js";
import { spaceFromWin, winFromSpace } from "./recv-buffer.js";
import { sendActiveReset, sendSyn, tcpOutput, sendAck } from "./output.js";
import { tcpInput, tcpIcmpError } from "./input.js";
import { onTcbTimer } from "./timers.js";

export { TCP_TIMEWAIT_LEN };
/** Size of the connect() port perturbation table (Linux INET_TABLE_PERTURB_SIZE is 2^16; fewer suffice here). */
const PERTURB_SLOTS = 256;
/** Largest MSS announced (Linux caps at 65535 − 40). */
const MAX_ADV_MSS = 65495;

/** A keyed 32-bit hash of a 4-tuple (SO_REUSEPORT selection, port offsets). */
export function hash4(a: number, b: number, c: number, key: number): number {
  let h = key ^ 0x9e3779b9;
  for (const v of [a, b, c]) {
    h = Math.imul(h ^ v, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** The TCP module of one host. */
export class TcpLayer {
  readonly tables = new TcpTables();
  readonly isn: IsnGenerator;
  readonly cookies: SynCookies;
  /** Observer of every state transition (traces, ladder diagrams). */
  trace: StateTrace | null = null;
  readonly #hashKey: number;
  /** TIME-WAIT records in expiry order. */
  readonly timeWait: TimeWaitQueue;
  /** Destinations whose even ports were all taken, and the release count when that was seen. */
  readonly #evenFull = new Map<string, number>();
  /** Counts connections ending (each may free a port or a 4-tuple). */
  #releaseGen = 0;
  /** Linux table_perturb: per-destination-hash offsets for connect()'s port search. */
  readonly #perturb = new Uint32Array(PERTURB_SLOTS);

  constructor(readonly ctx: StackContext, readonly ip: IpLayer) {
    this.isn = new IsnGenerator(ctx.rng.fork("tcp-isn"));
    this.cookies = new SynCookies(ctx.rng.fork("tcp-cookies"));
    this.#hashKey = ctx.rng.u32();
    this.timeWait = new TimeWaitQueue(ctx.scheduler, (tw) => this.destroyTimeWait(tw));
    ip.register(IPPROTO_TCP, {
      input: (p: Packet, h: Ipv4Header, i: NetInterface) => tcpInput(this, p, h, i),
      icmpError: (info: IcmpErrorInfo) => tcpIcmpError(this, info),
    });
  }

  /** The one timer callback shared by every TCB of this host. */
  readonly #onTimer = (now: Micros, timer: Timer): void => onTcbTimer(this, timer as Tcb, now);

  /** Hash used for SO_REUSEPORT selection. */
  tupleHash(saddr: number, sport: number, daddr: number, dport: number): number {
    return hash4(saddr, daddr, ((sport << 16) | dport) >>> 0, this.#hashKey);
  }

  /** A new connection block with the host's defaults (buffers, congestion control, keepalive times). */
  createTcb(): Tcb {
    const s = this.ctx.sysctl;
    // An unknown tcp_congestion_control falls back to cubic when the algorithm is first needed.
    const t = new Tcb(s.tcp_wmem[1], s.tcp_rmem[1], s.tcp_congestion_control, s.tcp_rto_min, this.#onTimer);
    t.created = this.ctx.scheduler.now();
    return t;
  }

  /** Moves `t` to `to`, keeping the counters that depend on states (CurrEstab) right. */
  setState(t: Tcb, to: TcpState): void {
    const from = t.state;
    if (from === to) return;
    const c = this.ctx.counters;
    const wasEst = from === TcpState.ESTABLISHED || from === TcpState.CLOSE_WAIT;
    const isEst = to === TcpState.ESTABLISHED || to === TcpState.CLOSE_WAIT;
    if (wasEst && !isEst) c.inc(c.Tcp, "CurrEstab", -1);
    if (!wasEst && isEst) c.inc(c.Tcp, "CurrEstab");
    t.setState(to, this.trace ?? undefined);
  }

  // ---- timers ---------------------------------------------------------

  /** Arms the single Timer of `t` at its earliest deadline. */
  rearm(t: Tcb): void {
    // Five deadlines, compared without building an array (this runs for every segment).
    let at = t.rtoAt;
    let d = t.delackAt;
    if (d >= 0 && (at < 0 || d < at)) at = d;
    d = t.keepaliveAt;
    if (d >= 0 && (at < 0 || d < at)) at = d;
    d = t.persistAt;
    if (d >= 0 && (at < 0 || d < at)) at = d;
    d = t.lifetimeAt;
    if (d >= 0 && (at < 0 || d < at)) at = d;
    const sched = this.ctx.scheduler;
    if (at < 0) sched.disarm(t.timer);
    else if (t.timer.deadline !== at) sched.arm(t.timer, at);
  }

  /** Starts the retransmission timer if it is not running (RFC 6298 §5.1). */
  armRetransmit(t: Tcb): void {
    if (t.rtoAt >= 0) return;
    t.persistAt = -1;
    t.rtoAt = this.ctx.scheduler.now() + t.rtt.rto;
    this.rearm(t);
  }

  /** Restarts the retransmission timer (new data acknowledged, RFC 6298 §5.3). */
  restartRetransmit(t: Tcb): void {
    t.rtoAt = this.ctx.scheduler.now() + t.rtt.rto;
    t.persistAt = -1;
    this.rearm(t);
  }

  /** Stops the retransmission timer (everything acknowledged, RFC 6298 §5.2). */
  stopRetransmit(t: Tcb): void {
    if (t.rtoAt < 0) return;
    t.rtoAt = -1;
    this.rearm(t);
  }

  /** Starts the persist (zero-window probe) timer (Linux tcp_probe0_when: RTO doubled per probe, at most 120 s). */
  armPersist(t: Tcb): void {
    if (t.persistAt >= 0) return;
    const when = Math.min(t.rtt.rto * 2 ** Math.min(t.probeBackoff, 20), 120_000_000);
    t.persistAt = this.ctx.scheduler.now() + when;
    this.rearm(t);
  }

  /** Schedules a delayed ACK (Linux tcp_send_delayed_ack: at most 200 ms). */
  scheduleDelayedAck(t: Tcb): void {
    if (t.delackAt >= 0) return;
    const delay = Math.min(t.ato, 200_000);
    t.delackAt = this.ctx.scheduler.now() + delay;
    this.rearm(t);
  }

  /** (Re)starts keepalive for an established connection with SO_KEEPALIVE. */
  resetKeepalive(t: Tcb): void {
    if (!t.keepalive || t.state === TcpState.LISTEN || t.state === TcpState.CLOSE || t.state === TcpState.SYN_SENT) {
      if (t.keepaliveAt >= 0) {
        t.keepaliveAt = -1;
        this.rearm(t);
      }
      return;
    }
    t.keepaliveAt = this.ctx.scheduler.now() + this.keepIdle(t);
    this.rearm(t);
  }

  /** Effective keepalive times (socket options or sysctls). */
  keepIdle(t: Tcb): Micros {
    return t.keepIdle || this.ctx.sysctl.tcp_keepalive_time;
  }
  keepIntvl(t: Tcb): Micros {
    return t.keepIntvl || this.ctx.sysctl.tcp_keepalive_intvl;
  }
  keepCnt(t: Tcb): number {
    return t.keepCnt || this.ctx.sysctl.tcp_keepalive_probes;
  }

  // ---- ports ----------------------------------------------------------

  /**
   * bind(): claims `addr:port` for `t` (port 0 = an ephemeral port; Linux
   * inet_csk_find_open_port prefers odd ports for bind so that even ones stay
   * free for connect()).
   */
  bind(t: Tcb, addr: number, port: number): ErrnoCode | null {
    if (t.portHeld) return "EINVAL";
    if (addr !== INADDR_ANY && !this.ip.isLocalAddress(addr)) return "EADDRNOTAVAIL";
    if (port === 0) {
      const [lo, hi] = this.ctx.sysctl.ip_local_port_range;
      const n = hi - lo + 1;
      let start = (lo + this.ctx.rng.below(n)) | 1;
      for (let i = 0; i < n; i++) {
        let p = start + 2 * i;
        if (p > hi) p = lo + ((p - lo) % n);
        if (!this.tables.bucket(p) && !this.tables.bindConflict(t, addr, p)) {
          port = p;
          break;
        }
      }
      if (port === 0) {
        // Odd ports exhausted: try the even ones.
        start = lo & ~1;
        for (let p = start; p <= hi; p += 2) {
          if (p >= lo && !this.tables.bindConflict(t, addr, p)) {
            port = p;
            break;
          }
        }
      }
      if (port === 0) return "EADDRINUSE";
    } else if (this.tables.bindConflict(t, addr, port)) {
      return "EADDRINUSE";
    }
    t.localAddr = addr;
    t.localPort = port;
    t.bindExplicit = true;
    t.portHeld = true;
    this.tables.bindPort(t, false);
    return null;
  }

  /**
   * connect()'s port choice (Linux __inet_hash_connect): start at a keyed hash
   * of the destination plus a perturbation, step by 2 (even ports first),
   * and take a port whose bucket came from connect() if the 4-tuple is
   * unique there (A7: the same local port serves different destinations),
   * or a free one. A TIME-WAIT holder may be reused under `tcp_tw_reuse`.
   */
  #connectPort(_t: Tcb, laddr: number, raddr: number, rport: number): number {
    const [lo, hi] = this.ctx.sysctl.ip_local_port_range;
    const n = hi - lo + 1;
    const slot = hash4(laddr, raddr, rport, this.#hashKey ^ 0x5bd1e995) & (PERTURB_SLOTS - 1);
    const offset = (hash4(laddr, raddr, rport, this.#hashKey) + this.#perturb[slot]!) % n;
    // Even ports first (odd ones are bind()'s), then odd; like Linux, the per-destination
    // perturbation moves on by the number of ports tried, so the next connect starts after them.
    // Once every even port is taken for this destination, skip straight to the odd ones until
    // some connection goes away (the outcome is the same; the scan is not repeated per connect).
    const key = `${laddr}:${raddr}:${rport}`;
    const evenFull = this.#evenFull.get(key) === this.#releaseGen;
    let i = evenFull ? n + (n & 1) : 0;
    for (; i < 2 * n; i += 2) {
      if (i >= n && !evenFull && i < n + 2) this.#evenFull.set(key, this.#releaseGen);
      const k = i < n ? i : i - n + 1;
      let p = lo + ((offset + k) % n);
      p = i < n ? p & ~1 : p | 1;
      if (p < lo || p > hi) continue;
      const b = this.tables.bucket(p);
      if (b) {
        if (!b.fromConnect) continue;
        const other = this.tables.lookup(laddr, p, raddr, rport);
        if (other) {
          if (!(other instanceof TimeWaitSock) || !this.#twReusable(other)) continue;
          this.destroyTimeWait(other);
        }
      }
      this.#perturb[slot] = (this.#perturb[slot]! + i + 2) >>> 0;
      return p;
    }
    return 0;
  }

  /** Linux tcp_twsk_unique: tcp_tw_reuse (2 = loopback only) needs timestamps and a TIME-WAIT older than 1 s. */
  #twReusable(tw: TimeWaitSock): boolean {
    const mode = this.ctx.sysctl.tcp_tw_reuse;
    if (mode === 0 || !tw.tsOk) return false;
    if (mode === 2 && (tw.remoteAddr >>> 24) !== 127) return false;
    return this.ctx.scheduler.now() - tw.tsRecentStamp > 1_000_000;
  }

  // ---- opening ----------------------------------------------------------

  /** Sets MSS, window and TS state for a new connection over its route. */
  #initConnection(t: Tcb, mtu: number): void {
    // IPv4 cannot carry more than 65535 bytes (Linux IP_MAX_MTU): lo's 65536 gives pmtu 65535.
    mtu = Math.min(mtu, 65535);
    t.pmtu = mtu;
    let adv = Math.min(mtu - 40, MAX_ADV_MSS);
    if (t.userMss) adv = Math.min(adv, t.userMss);
    t.advMss = adv;
    t.rwin = new ReceiveWindow(
      selectInitialWindow({
        space: t.rcvBuf.fullSpace(),
        mss: adv,
        wscaleOk: this.ctx.sysctl.tcp_window_scaling,
        rmemMax2: this.ctx.sysctl.tcp_rmem[2],
        coreRmemMax: this.ctx.sysctl.rmem_max,
      }),
      adv,
    );
  }

  /**
   * Active OPEN (RFC 9293 §3.10.1): chooses the source address and port,
   * the ISN (RFC 6528), sends the SYN and enters SYN-SENT.
   */
  connect(t: Tcb, raddr: number, rport: number): ErrnoCode | null {
    const rt = this.ip.route(raddr);
    if (!rt) return "ENETUNREACH";
    const laddr = t.localAddr !== INADDR_ANY ? t.localAddr : rt.src;
    if (!t.portHeld) {
      const p = this.#connectPort(t, laddr, raddr, rport);
      if (!p) return "EADDRNOTAVAIL";
      t.localPort = p;
      t.portHeld = true;
      this.tables.bindPort(t, true);
    } else {
      const other = this.tables.lookup(laddr, t.localPort, raddr, rport);
      if (other) {
        if (!(other instanceof TimeWaitSock) || !this.#twReusable(other)) return "EADDRNOTAVAIL";
        this.destroyTimeWait(other);
      }
    }
    t.localAddr = laddr;
    t.remoteAddr = raddr;
    t.remotePort = rport;
    const now = this.ctx.scheduler.now();
    t.iss = this.isn.isn(laddr, t.localPort, raddr, rport, now);
    t.tsOffset = this.isn.tsOffset(laddr, raddr);
    t.sndUna = t.iss;
    t.sndNxt = t.iss;
    t.sndMax = t.iss;
    t.sndBufSeq = (t.iss + 1) >>> 0;
    t.highRxt = t.iss;
    this.#initConnection(t, rt.iface.mtu);
    t.route = rt;
    t.routeGen = this.ip.routes.generation;
    this.setState(t, TcpState.SYN_SENT);
    this.tables.insert(t);
    const c = this.ctx.counters;
    c.inc(c.Tcp, "ActiveOpens");
    sendSyn(this, t);
    t.sndNxt = (t.iss + 1) >>> 0;
    t.sndMax = t.sndNxt;
    t.retransStamp = now;
    t.rtt.setRto(1_000_000);
    this.armRetransmit(t);
    return null;
  }

  /** Passive OPEN: listen(backlog). Autobinds an ephemeral port when unbound. */
  listen(t: Tcb, backlog: number, inode: number): ErrnoCode | null {
    const b = Math.min(Math.max(backlog, 0), this.ctx.sysctl.somaxconn);
    if (t.state === TcpState.LISTEN) {
      t.lq!.backlog = b;
      return null;
    }
    if (t.state !== TcpState.CLOSE) return "EINVAL";
    if (!t.portHeld) {
      const e = this.bind(t, INADDR_ANY, 0);
      if (e) return e;
      t.bindExplicit = false;
    }
    if (this.tables.bindConflict(t, t.localAddr, t.localPort, true)) return "EADDRINUSE";
    t.lq = new Listener(t.localAddr, t.localPort, inode, t.reusePort, t.wq);
    t.lq.backlog = b;
    this.setState(t, TcpState.LISTEN);
    this.tables.addListener(t);
    return null;
  }

  /** Sets up a child connection created from a completed handshake. */
  initPassive(t: Tcb, mtu: number): void {
    this.#initConnection(t, mtu);
  }

  // ---- data -------------------------------------------------------------

  /**
   * Queues up to `len` bytes of `data` for sending (one copy, D5) and runs
   * output. Returns the bytes queued (0 when the buffer is full) or an errno.
   */
  send(t: Tcb, data: Uint8Array, off: number, len: number): number | ErrnoCode {
    if (t.error) return this.takeError(t);
    if (t.sndShutdown) return "EPIPE";
    const st = t.state;
    if (st !== TcpState.ESTABLISHED && st !== TcpState.CLOSE_WAIT) return st === TcpState.CLOSE ? (t.reset ? "EPIPE" : "ENOTCONN") : "EAGAIN";
    const n = t.sndBuf.write(data, off, len);
    if (n > 0) tcpOutput(this, t);
    return n;
  }

  /** Runs output now (TCP_NODELAY set, TCP_CORK cleared). */
  push(t: Tcb): void {
    tcpOutput(this, t);
  }

  /** Returns and clears the pending error (SO_ERROR semantics). */
  takeError(t: Tcb): ErrnoCode {
    const e = t.error!;
    t.error = null;
    return e;
  }

  /**
   * After the application read `n` bytes: grow the receive buffer when the
   * application keeps up (autotuning), then send a window update when the
   * window opened enough (Linux tcp_cleanup_rbuf: the new window is at least
   * twice what the peer currently has).
   */
  afterRead(t: Tcb, n: number): void {
    t.bytesRead += n;
    if (t.state !== TcpState.ESTABLISHED && t.state !== TcpState.FIN_WAIT1 && t.state !== TcpState.FIN_WAIT2) return;
    this.#rcvSpaceAdjust(t);
    const now = t.rwin.receiveWindow(t.rcvNxt);
    if (2 * now > t.rwin.windowClamp) return;
    const want = t.rwin.wanted(t.rcvBuf.tcpSpace(t.ooo?.bytes ?? 0), t.rcvBuf.fullSpace(), t.rcvMss);
    if (want && want >= 2 * now) sendAck(this, t);
  }

  /**
   * Receive-buffer autotuning (Linux tcp_rcv_space_adjust, "DRS"): once per
   * RTT, if the application read more than in the previous RTT, size the
   * buffer for twice that (plus growth), up to tcp_rmem[2] — unless the user
   * fixed SO_RCVBUF or tcp_moderate_rcvbuf is off.
   */
  #rcvSpaceAdjust(t: Tcb): void {
    if (t.rcvbufLocked || !this.ctx.sysctl.tcp_moderate_rcvbuf) return;
    const rtt = t.rtt.srtt;
    const now = this.ctx.scheduler.now();
    if (rtt <= 0) return;
    if (t.rcvSpaceTime === 0) {
      t.rcvSpaceTime = now;
      t.rcvSpaceCopied = t.bytesRead;
      t.rcvSpace = Math.min(t.rwin.rcvWnd, 10 * t.advMss);
      return;
    }
    if (now - t.rcvSpaceTime < rtt) return;
    const copied = t.bytesRead - t.rcvSpaceCopied;
    if (copied > t.rcvSpace) {
      let rcvwin = 2 * copied + 16 * t.advMss;
      const grow = Math.floor((rcvwin * (copied - t.rcvSpace)) / Math.max(1, t.rcvSpace));
      rcvwin += 2 * grow;
      const rcvbuf = Math.min(spaceFromWin(rcvwin, t.rcvBuf.scalingRatio), this.ctx.sysctl.tcp_rmem[2]);
      if (rcvbuf > t.rcvBuf.rcvbuf) {
        t.rcvBuf.rcvbuf = rcvbuf;
        t.rwin.windowClamp = Math.min(winFromSpace(rcvbuf, t.rcvBuf.scalingRatio), 65535 * 2 ** t.rwin.rcvWscale);
      }
      t.rcvSpace = copied;
    }
    t.rcvSpaceCopied = t.bytesRead;
    t.rcvSpaceTime = now;
  }

  // ---- closing ------------------------------------------------------------

  /**
   * shutdown(): SHUT_WR queues a FIN after the data (half-close, F2);
   * SHUT_RD makes reads return 0.
   */
  shutdown(t: Tcb, rd: boolean, wr: boolean): void {
    if (rd) t.rcvShutdown = true;
    if (wr && !t.sndShutdown) {
      t.sndShutdown = true;
      this.#closeState(t);
    }
    t.wq.wake(POLLIN | POLLOUT | POLLRDHUP);
    this.ctx.notifyWake();
  }

  /** Linux tcp_close_state: the transition a local CLOSE makes, then send the FIN. */
  #closeState(t: Tcb): void {
    switch (t.state) {
      case TcpState.ESTABLISHED:
      case TcpState.SYN_RECV:
        this.setState(t, TcpState.FIN_WAIT1);
        break;
      case TcpState.CLOSE_WAIT:
        this.setState(t, TcpState.LAST_ACK);
        break;
      default:
        return;
    }
    t.finQueued = true;
    tcpOutput(this, t);
  }

  /**
   * close() of the last reference (RFC 9293 §3.10.4 CLOSE; Linux
   * tcp_close): unread data or SO_LINGER 0 → RST (F5, C6); otherwise FIN
   * after the queued data, and the connection lives on as an orphan.
   */
  close(t: Tcb): void {
    const c = this.ctx.counters;
    t.orphan = true;
    t.inode = 0;
    t.rcvShutdown = true;
    t.sndShutdown = true;
    switch (t.state) {
      case TcpState.LISTEN:
        this.#closeListener(t);
        return;
      case TcpState.CLOSE:
        this.destroy(t);
        return;
      case TcpState.SYN_SENT:
        this.destroy(t);
        return;
    }
    const unread = t.rcvBuf.length + (t.ooo?.bytes ?? 0);
    if (unread > 0 || (t.lingerOn && t.lingerTime === 0)) {
      c.inc(c.TcpExt, unread > 0 ? "TCPAbortOnClose" : "TCPAbortOnData");
      if (t.state !== TcpState.TIME_WAIT) {
        sendActiveReset(this, t);
        c.inc(c.Tcp, t.state === TcpState.SYN_RECV ? "AttemptFails" : "EstabResets");
      }
      t.rcvBuf.clear();
      this.destroy(t);
      return;
    }
    this.#closeState(t);
    if (t.state === TcpState.FIN_WAIT2) this.#orphanFinWait2(t);
  }

  /** An orphaned FIN-WAIT-2 lasts tcp_fin_timeout / TCP_LINGER2 (Linux: a timewait sock in FIN-WAIT-2). */
  #orphanFinWait2(t: Tcb): void {
    if (t.linger2 < 0) {
      sendActiveReset(this, t);
      this.destroy(t);
      return;
    }
    t.lifetimeAt = this.ctx.scheduler.now() + (t.linger2 || this.ctx.sysctl.tcp_fin_timeout);
    this.rearm(t);
  }

  /** Called by input when an orphan reaches FIN-WAIT-2. */
  enteredFinWait2(t: Tcb): void {
    if (t.orphan) this.#orphanFinWait2(t);
  }

  /** Closing a listener resets the connections waiting in its accept queue; its requests just go. */
  #closeListener(t: Tcb): void {
    const lq = t.lq!;
    lq.closed = true;
    this.tables.removeListener(t);
    for (const child of lq.acceptQueue.splice(0)) {
      child.listener = null;
      this.abort(child, null, true);
    }
    lq.synQueue.clear();
    this.setState(t, TcpState.CLOSE);
    this.destroy(t);
    lq.wq.wake(POLLIN | POLLHUP);
    this.ctx.notifyWake();
  }

  /**
   * Aborts a connection: optionally sends RST (ABORT call, linger 0,
   * listener close), records `err` for the socket, and destroys it.
   */
  abort(t: Tcb, err: ErrnoCode | null, sendRst: boolean): void {
    if (sendRst && t.state !== TcpState.CLOSE && t.state !== TcpState.SYN_SENT && t.state !== TcpState.TIME_WAIT && t.state !== TcpState.LISTEN) {
      sendActiveReset(this, t);
      const c = this.ctx.counters;
      c.inc(c.Tcp, "EstabResets");
    }
    if (err) t.error = err;
    this.destroy(t);
  }

  /**
   * Enters TIME-WAIT (RFC 9293: 2·MSL; Linux TCP_TIMEWAIT_LEN = 60 s, tcp_time_wait):
   * a small {@link TimeWaitSock} replaces the TCB in the tables and keeps the
   * port; the TCB itself is done (a socket still holding it sees CLOSED and
   * end of stream, as on Linux).
   */
  enterTimeWait(t: Tcb): void {
    this.setState(t, TcpState.TIME_WAIT);
    const tw = new TimeWaitSock(t, this.ctx.scheduler.now() + TCP_TIMEWAIT_LEN);
    if (t.hashed) {
      this.tables.remove(t);
      this.tables.insert(tw);
    }
    if (t.portHeld) {
      this.tables.unbindPort(t);
      t.portHeld = false;
      this.tables.bindPort(tw, !t.bindExplicit);
      tw.portHeld = true;
    }
    this.timeWait.add(tw);
    this.ctx.counters.inc(this.ctx.counters.Sockstack, "TimeWaitCreated");
    // The full socket closes silently (no CLOSED trace: the connection lives on as TIME-WAIT).
    t.state = TcpState.CLOSE;
    this.#release(t);
  }

  /** Restarts a TIME-WAIT record's 60 s (a retransmitted FIN, RFC 9293). */
  restartTimeWait(tw: TimeWaitSock): void {
    tw.expires = this.ctx.scheduler.now() + TCP_TIMEWAIT_LEN;
    this.timeWait.add(tw);
  }

  /** Ends a TIME-WAIT record: frees the tuple and the port. */
  destroyTimeWait(tw: TimeWaitSock): void {
    this.#releaseGen++;
    if (tw.hashed) this.tables.remove(tw);
    if (tw.portHeld) {
      this.tables.unbindPort(tw);
      tw.portHeld = false;
    }
    this.trace?.(tw as unknown as Tcb, TcpState.TIME_WAIT, TcpState.CLOSE);
  }

  /** Frees whatever the connection (or TIME-WAIT record) holds. */
  kill(s: TcpSock): void {
    if (s instanceof TimeWaitSock) this.destroyTimeWait(s);
    else this.destroy(s);
  }

  /**
   * Moves `t` to CLOSED and frees everything: tables, port, timers. Wakes
   * the socket (errors, EOF). Linux tcp_done + inet_csk_destroy_sock.
   */
  destroy(t: Tcb): void {
    this.#releaseGen++;
    const wasListener = t.state === TcpState.LISTEN;
    if (t.state !== TcpState.CLOSE) this.setState(t, TcpState.CLOSE);
    if (wasListener) this.tables.removeListener(t);
    // A connection reset while in the accept queue stays there: accept() returns it and the
    // first read reports the error (Linux keeps the child in icsk_accept_queue).
    this.tables.remove(t);
    if (t.portHeld && (t.orphan || !t.bindExplicit)) {
      this.tables.unbindPort(t);
      t.portHeld = false;
    }
    t.reset = true;
    this.#release(t);
  }

  /** Stops the timers, drops the buffers and wakes the socket of a TCB that is done. */
  #release(t: Tcb): void {
    t.rtoAt = t.delackAt = t.keepaliveAt = t.persistAt = t.lifetimeAt = -1;
    this.ctx.scheduler.disarm(t.timer);
    t.sndBuf.clear();
    t.ooo = null;
    t.sb = null;
    t.wq.wake(POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP);
    this.ctx.notifyWake();
  }

  /**
   * Linux tcp_disconnect on a socket whose connect failed (called from
   * connect, __inet_stream_connect's `sock_error` path): forgets the peer
   * and the shutdown and reset state left by tcp_done, so the socket is
   * like a fresh one and the next connect sends a new SYN. The port was
   * already given back when the attempt ended (unless bound explicitly);
   * the source address is unbound too unless it was bound.
   */
  disconnect(t: Tcb): void {
    if (t.state !== TcpState.CLOSE) return;
    t.reset = false;
    t.error = null;
    t.finReceived = false;
    t.finRead = false;
    t.rcvShutdown = false;
    t.sndShutdown = false;
    t.urgSeq = -1;
    t.urgByte = -1;
    t.sndUp = -1;
    t.oooFinSeq = -1;
    t.rcvBuf.clear();
    t.remoteAddr = INADDR_ANY;
    t.remotePort = 0;
    if (!t.bindExplicit && !t.portHeld) t.localAddr = INADDR_ANY;
  }

  /** Releases the port of a closed, never-orphaned socket being closed by the user. */
  releasePort(t: Tcb): void {
    if (t.portHeld && t.state === TcpState.CLOSE) {
      this.#releaseGen++;
      this.tables.unbindPort(t);
      t.portHeld = false;
    }
  }

  /** Stops every timer (host power-off). */
  shutdownTimers(): void {
    for (const t of this.all()) if (!(t instanceof TimeWaitSock)) this.ctx.scheduler.disarm(t.timer);
    this.timeWait.clear();
    for (const l of this.tables.listeners.values()) for (const t of l) if (t.lq) t.lq.closed = true;
  }

  /** Every listener, connection and TIME-WAIT record (for tools). */
  *all(): IterableIterator<TcpSock> {
    for (const list of this.tables.listeners.values()) yield* list;
    yield* this.tables.connections();
  }
}
