/**
 * The Transmission Control Block (RFC 9293 §3.3.1; Linux `struct tcp_sock`):
 * everything one connection knows. Variable names follow the RFC (`sndUna`,
 * `sndNxt`, `rcvNxt`, `iss`, `irs`…). Behaviour lives in input.ts,
 * output.ts, timers.ts and listen.ts; this file holds the state, the
 * readiness mask the socket layer polls, and {@link Tcb.setState}, the one
 * place where every transition happens (and is traced).
 *
 * Memory: an idle established connection holds no buffer block (the send
 * buffer releases its last block when everything is acknowledged, the
 * receive queue holds views), one Timer for all its deadlines (lazy
 * deadlines: retransmit, delayed ACK, keepalive, persist, TIME-WAIT) and the
 * RTT estimator, receive window and receive queue (fields of the TCB itself); the
 * congestion-control object comes with the first data,
 * the wait queue with the first waiter.
 * The TCB itself stays small: sequence numbers are stored as int32 so V8
 * keeps them unboxed, the booleans are bits of one field, rarely set
 * state (socket options, urgent data, undo bookkeeping) lives in a shared
 * `TcbCold` defaults object until first written, and the state of data
 * transfer (loss recovery, delayed ACKs, byte counters) in a shared
 * `TcbWarm` until the connection first moves data. These four kinds are
 * declared once, as lists, in tcb-fields.ts; their accessors (generated into
 * tcb-accessors.ts, the base class) keep the field names, so
 * input/output/timers read and write them as plain fields.
 */
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRNORM, POLLPRI } from "../core/poll-events.js";
import { Timer } from "../core/scheduler.js";
import { createCongestionControl } from "./congestion/registry.js";
import { Cubic } from "./congestion/cubic.js";
import type { Micros } from "../core/time.js";
import { WaitQueue } from "../core/wait-queue.js";
import type { NetRoute } from "../net/network-layer.js";
import { TCP_INIT_CWND, type CaState, type CongestionControl } from "./congestion/congestion-control.js";
import { withRecvBuffer, type RcvBuf } from "./recv-buffer.js";
import { withRttEstimator, type Rtt } from "./rtt.js";
import { SendBuffer } from "./send-buffer.js";
import { TcbAccessors } from "./tcb-accessors.js";
import { TcpState, stateName } from "./tcp-state.js";
import type { Listener } from "./listener.js";
import { withReceiveWindow, type Rwin } from "./recv-window.js";
import type { InetAddress } from "../net/inet-address.js";

/** Observer of state transitions (traces, ladder diagrams). */
export type StateTrace = (tcb: Tcb, from: TcpState, to: TcpState) => void;

/**
 * One TCP connection. The TCB is its own Timer (one heap entry for all its
 * deadlines) — no separate timer object or closure per connection — and
 * its own RTT estimator, receive window and receive queue (`t.rtt`,
 * `t.rwin` and `t.rcvBuf` are the TCB: their fields are in this record,
 * not in three more objects; recv-buffer.ts, recv-window.ts, rtt.ts).
 */
export class Tcb extends withRecvBuffer(withReceiveWindow(withRttEstimator(TcbAccessors))) {
  // The int32 sequence numbers (iss, snd.una/nxt/max, snd.wl1/wl2, irs,
  // rcv.nxt, …), the flags (sackOk, finSent, …), the rarely set state
  // (tos, ttl, urgByte, lq, error, fo, …) and the data-transfer state (loss
  // recovery, delayed ACK, byte counters, ooo, sb, sentLog, …) are accessors
  // of TcbAccessors, generated from the lists of tcb-fields.ts; so are the
  // small integers packed in int32 words (state, localPort, remotePort, mss,
  // advMss, peerMss, sndWscale, probesOut).
  localAddr: InetAddress = 0;
  remoteAddr: InetAddress = 0;

  // ---- send sequence space (RFC 9293 §3.3.1) ----
  /** Peer's window in bytes (already scaled). */
  sndWnd = 0;
  /** Largest window the peer ever offered (sender SWS avoidance). */
  maxWindow = 0;

  // (iss, snd.una/nxt/max, snd.wl1/wl2, irs, rcv.nxt: int32 accessors of
  // TcbAccessors; RCV.WND, rcv_wup, rcv_ssthresh, window clamp and our scale
  // live in `rwin`.)

  // ---- options (RFC 7323, RFC 2018) ----
  /** When tsRecent was last updated (µs), for PAWS' 24-day rule. */
  tsRecentStamp: Micros = 0;
  /** Our TS clock offset (Linux tsoffset). */
  tsOffset = 0;

  // ---- buffers ----
  readonly sndBuf: SendBuffer;

  // ---- timers (lazy deadlines; the TCB itself is armed at the earliest; the delayed-ACK and persist deadlines are warm state) ----
  rtoAt: Micros = -1;
  keepaliveAt: Micros = -1;
  /** TIME-WAIT end, orphaned FIN-WAIT-2 end, or SYN-RECV / defer limits. */
  lifetimeAt: Micros = -1;
  /** When our SYN was sent or the first retransmission of the current episode happened (retrans_stamp), µs, or 0. */
  retransStamp: Micros = 0;
  /** Last time a segment was received (keepalive idleness), µs. */
  lastRecv: Micros = 0;
  /**
   * Last time data arrived (for ato; tcpi_last_data_recv), µs — from the
   * handshake on (Linux icsk_ack.lrcvtime), so a plain field: every
   * connection sets it, it would copy the TcbWarm group of each.
   */
  lastDataRecv: Micros = 0;

  // ---- RTT and congestion control ----
  /** The congestion-control algorithm's name (TCP_CONGESTION); the object is created when first needed. */
  ccName: string;
  #cc: CongestionControl | null = null;

  // ---- bookkeeping ----
  /** The listener whose accept queue holds this connection (until accepted). */
  listener: Listener | null = null;
  /** Cached route and the route-table generation it was computed for. */
  route: NetRoute | null = null;
  routeGen = -1;
  /** Path MTU. */
  pmtu = 1500;
  /** Inode of the owning socket (tools), 0 when orphaned. */
  inode = 0;
  /** Wait queue of the owning socket, created when first needed (a waiter registers). */
  #wq: WaitQueue | null = null;
  /** Segments sent and received (tcp_info; the other counters are in the warm state). */
  segsOut = 0;
  segsIn = 0;

  constructor(sndbuf: number, rcvbuf: number, ccName: string, rtoMin: Micros, onTimer: (now: Micros, timer: Timer) => void) {
    super(onTimer);
    this.sndBuf = new SendBuffer(sndbuf);
    this.rcvbuf = rcvbuf;
    this.ccName = ccName;
    this.setRtoMin(rtoMin);
  }

  /** The receive queue (recv-buffer.ts): the TCB itself, whose fields hold it. */
  get rcvBuf(): RcvBuf {
    return this;
  }

  /** The RTT estimator (Linux's; rtt.ts): the TCB itself, whose fields hold it. */
  get rtt(): Rtt {
    return this;
  }

  /** The receive window (recv-window.ts): the TCB itself, set up at SYN time (`initWindow`). */
  get rwin(): Rwin {
    return this;
  }

  /** Wait queue of the owning socket (created at the first use: a connection nobody waits on has none). */
  get wq(): WaitQueue {
    return (this.#wq ??= new WaitQueue());
  }

  /** Wakes the waiters interested in `events` (none when the queue was never created). */
  wake(events: number): void {
    this.#wq?.wake(events);
  }

  /** The timer of this connection (the TCB itself). */
  get timer(): Timer {
    return this;
  }

  /**
   * The congestion control, created on first use: an idle connection that
   * never sends data never pays for one (memory per idle connection).
   */
  get cc(): CongestionControl {
    return (this.#cc ??= createCongestionControl(this.ccName) ?? new Cubic());
  }
  set cc(cc: CongestionControl) {
    this.#cc = cc;
    this.ccName = cc.name;
  }

  /** The congestion state without creating the algorithm ("open" until it exists). */
  get caState(): CaState {
    return this.#cc ? this.#cc.state : "open";
  }

  /** cwnd in segments without creating the algorithm (the initial window until it exists). */
  get cwnd(): number {
    return this.#cc ? this.#cc.cwnd : TCP_INIT_CWND;
  }

  /** The send buffer in cwnds the algorithm wants (Linux ops->sndbuf_expand: BBR 3, else 2), without creating it. */
  get ccSndbufExpand(): number {
    return this.#cc?.sndbufExpand ?? 2;
  }

  /** Bytes sent and not yet acknowledged (incl. SYN/FIN). */
  get inFlightBytes(): number {
    return (this.sndMax - this.sndUna) | 0;
  }

  /** Sequence number of the end of the data written so far (the FIN's sequence number once queued). */
  get dataEnd(): number {
    return (this.sndBufSeq + this.sndBuf.length) >>> 0;
  }

  /** Bytes written by the application and not yet sent. */
  get unsentBytes(): number {
    const d = (this.dataEnd - this.sndNxt) | 0;
    return d > 0 ? d : 0;
  }

  /** True while our SYN is unacknowledged (SYN-SENT / SYN-RECEIVED). */
  synUnacked(): boolean {
    return this.state === TcpState.SYN_SENT || this.state === TcpState.SYN_RECV;
  }

  /** Moves to `to` (the only place states change), notifying the trace hook. */
  setState(to: TcpState, trace?: StateTrace): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    trace?.(this, from, to);
  }

  /**
   * Receive memory charged (Linux `sk_rmem_alloc`): the truesize of the
   * receive queue plus that of the out-of-order queue, held against
   * `rcvBuf.rcvbuf` (tcp/input.ts prunes when it is exceeded).
   */
  rmemAlloc(): number {
    return this.rcvBuf.truesize + (this.ooo ? this.ooo.truesize : 0);
  }

  /** Readiness for poll/select/epoll (Linux tcp_poll). */
  poll(): number {
    let m = 0;
    const st = this.state;
    if (this.error || (this.zc !== null && this.zc.errQueue.length > 0)) m |= POLLERR;
    if (st === TcpState.LISTEN) return m | (this.lq ? this.lq.poll() : 0);
    if (st === TcpState.CLOSE || (this.sndShutdown && (this.finReceived || this.rcvShutdown)) || this.reset) m |= POLLHUP;
    if (this.rcvShutdown || this.finReceived) m |= POLLIN | POLLRDNORM | POLLRDHUP;
    // A Fast Open child in SYN-RECV is readable and writable like an established socket; a TCP_FASTOPEN_CONNECT
    // socket whose SYN waits for the first write reports POLLOUT so that the write comes (Linux tcp_poll).
    if (st === TcpState.SYN_SENT && this.fo?.deferred) m |= POLLOUT | POLLWRNORM;
    else if (st !== TcpState.SYN_SENT && (st !== TcpState.SYN_RECV || this.fo?.passive)) {
      const avail = this.rcvBuf.length;
      if (avail >= Math.max(1, this.rcvLowat) || (avail > 0 && this.finReceived)) m |= POLLIN | POLLRDNORM;
      if (!this.sndShutdown) {
        if (this.sndBuf.isWritable() && st !== TcpState.CLOSE) m |= POLLOUT | POLLWRNORM;
      } else {
        // Linux: a socket shut for writing reports POLLOUT (a write fails at once with EPIPE).
        m |= POLLOUT | POLLWRNORM;
      }
      if (this.urgByte >= 0) m |= POLLPRI;
    }
    return m;
  }

  /** The ports and state, for debugging: `9090->41000 ESTABLISHED`. */
  override toString(): string {
    return `${this.localPort}->${this.remotePort} ${stateName(this.state)}`;
  }
}

/**
 * The hop limit a socket's segments to `peer` carry: IP_TTL towards an
 * IPv4 peer (a mapped one included), IPV6_UNICAST_HOPS towards an IPv6
 * peer (Linux keeps inet->uc_ttl and np->hop_limit apart); −1 is the
 * family's default.
 */
export function ttlFor(t: Tcb, peer: InetAddress): number {
  return typeof peer === "number" ? t.ttl : t.hopLimit6;
}

/** The TOS byte / traffic class a socket's segments to `peer` carry: IP_TOS for IPv4, IPV6_TCLASS for IPv6. */
export function tosFor(t: Tcb, peer: InetAddress): number {
  return typeof peer === "number" ? t.tos : t.tclass6;
}
