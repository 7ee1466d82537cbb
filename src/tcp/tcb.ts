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
 * deadlines: retransmit, delayed ACK, keepalive, persist, TIME-WAIT), the
 * RTT estimator and the congestion-control object.
 */
import type { ErrnoCode } from "../core/errno.js";
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRNORM, POLLPRI } from "../core/poll-events.js";
import { Timer } from "../core/scheduler.js";
import { createCongestionControl } from "./congestion/registry.js";
import { Cubic } from "./congestion/cubic.js";
import type { Micros } from "../core/time.js";
import { WaitQueue } from "../core/wait-queue.js";
import type { RouteResult } from "../ip/route-table.js";
import { TCP_INIT_CWND, type CaState, type CongestionControl } from "./congestion/congestion-control.js";
import { RecvBuffer } from "./recv-buffer.js";
import { RttEstimator } from "./rtt.js";
import { SendBuffer } from "./send-buffer.js";
import { TcpState, stateName } from "./tcp-state.js";
import type { OooQueue } from "./ooo-queue.js";
import type { Listener } from "./listener.js";
import type { ReceiveWindow } from "./recv-window.js";
import type { SackScoreboard } from "./sack-scoreboard.js";

/** Observer of state transitions (traces, ladder diagrams). */
export type StateTrace = (tcb: Tcb, from: TcpState, to: TcpState) => void;

/**
 * One TCP connection. The TCB is its own Timer (one heap entry for all its
 * deadlines) — no separate timer object or closure per connection.
 */
export class Tcb extends Timer {
  state: TcpState = TcpState.CLOSE;
  localAddr = 0;
  localPort = 0;
  remoteAddr = 0;
  remotePort = 0;

  // ---- send sequence space (RFC 9293 §3.3.1) ----
  iss = 0;
  sndUna = 0;
  sndNxt = 0;
  /** Highest sequence number sent + 1 (snd.nxt before any go-back after an RTO). */
  sndMax = 0;
  /** Peer's window in bytes (already scaled). */
  sndWnd = 0;
  sndWl1 = 0;
  sndWl2 = 0;
  /** Largest window the peer ever offered (sender SWS avoidance). */
  maxWindow = 0;

  // ---- receive sequence space (RCV.WND, rcv_wup, rcv_ssthresh, window clamp and our scale live in `rwin`) ----
  irs = 0;
  rcvNxt = 0;

  // ---- options (RFC 7323, RFC 2018) ----
  /** Effective send MSS (payload bytes per segment, TCP options excluded). */
  mss = 536;
  /** MSS we announce (route MTU − 40, or TCP_MAXSEG). */
  advMss = 536;
  /** MSS the peer announced (536 when absent). */
  peerMss = 536;
  /** TCP_MAXSEG set by the user (0 = none). */
  userMss = 0;
  /** Peer's window scale. */
  sndWscale = 0;
  wscaleOk = false;
  sackOk = false;
  tsOk = false;
  /** TS.Recent (RFC 7323 §4.3). */
  tsRecent = 0;
  /** When tsRecent was last updated (µs), for PAWS' 24-day rule. */
  tsRecentStamp: Micros = 0;
  /** Our TS clock offset (Linux tsoffset). */
  tsOffset = 0;

  // ---- buffers ----
  readonly sndBuf: SendBuffer;
  /** Sequence number of the first byte held in sndBuf. */
  sndBufSeq = 0;
  readonly rcvBuf: RecvBuffer;
  ooo: OooQueue | null = null;
  /** User set SO_SNDBUF / SO_RCVBUF (no autotuning then). */
  sndbufLocked = false;
  rcvbufLocked = false;

  // ---- FIN / shutdown ----
  /** The application has no more to send: a FIN follows the queued data. */
  finQueued = false;
  /** Our FIN has been sent (its sequence number is finSeq). */
  finSent = false;
  finSeq = 0;
  /** The peer's FIN was received (read returns 0 after the queue drains). */
  finReceived = false;
  /** shutdown(SHUT_RD) */
  rcvShutdown = false;
  /** shutdown(SHUT_WR) or close(). */
  sndShutdown = false;
  /** close() was called: no socket owns the connection any more (Linux orphan). */
  orphan = false;
  /** A pending error for the socket (sk_err): ECONNRESET, ETIMEDOUT, … */
  error: ErrnoCode | null = null;
  /** A soft error (ICMP) reported if the connection times out. */
  softError: ErrnoCode | null = null;
  /** Set once the connection was reset or timed out (no more I/O). */
  reset = false;

  // ---- timers (lazy deadlines; the TCB itself is armed at the earliest) ----
  rtoAt: Micros = -1;
  delackAt: Micros = -1;
  keepaliveAt: Micros = -1;
  persistAt: Micros = -1;
  /** TIME-WAIT end, orphaned FIN-WAIT-2 end, or SYN-RECV / defer limits. */
  lifetimeAt: Micros = -1;
  /** Consecutive RTO expirations (Linux icsk_retransmits). */
  retransmits = 0;
  /** Unanswered keepalive / zero-window probes (icsk_probes_out). */
  probesOut = 0;
  /** Zero-window probe backoff exponent (Linux icsk_backoff while probing). */
  probeBackoff = 0;
  /** When the first retransmission of the current episode happened (retrans_stamp), µs, or 0. */
  retransStamp: Micros = 0;
  /** Last time a segment was received (keepalive idleness), µs. */
  lastRecv: Micros = 0;
  /** Last time data was sent (slow start after idle). */
  lastSend: Micros = 0;
  /** Total retransmitted segments (tcpi_total_retrans). */
  totalRetrans = 0;
  /** Retransmitted segments now in flight (RFC 6675 pipe). */
  retransOut = 0;

  // ---- RTT and congestion control ----
  readonly rtt: RttEstimator;
  /** The congestion-control algorithm's name (TCP_CONGESTION); the object is created when first needed. */
  ccName: string;
  #cc: CongestionControl | null = null;
  /** Sequence number being timed without timestamps (Karn), and when it was sent. */
  rttSeq = 0;
  rttTime: Micros = -1;

  // ---- loss recovery ----
  dupAcks = 0;
  /** RFC 6582 "recover" / Linux high_seq. */
  recover = 0;
  /** Retransmission pointer: everything below it was retransmitted in this recovery episode. */
  highRxt = 0;
  /** The sender's SACK scoreboard (created at the first SACK block). */
  sb: SackScoreboard | null = null;
  /** Reordering degree seen (tcpi_reordering; RFC 6675 DupThresh). */
  reordering = 3;
  /** When the last out-of-window / challenge ACK was sent (Linux last_oow_ack_time), µs, or -1. */
  lastOowAck: Micros = -1;
  /** Linux undo_marker: snd.una when the current loss episode began, or -1 (no undo possible). */
  undoMarker = -1;
  /** Linux undo_retrans: retransmissions of this episode not yet shown spurious by D-SACK. */
  undoRetrans = 0;

  // ---- delayed ACK (Linux icsk_ack) ----
  /** Quick ACKs left (ACK every segment at the start, after idle, TCP_QUICKACK). */
  quickAcks = 0;
  /** Interactive mode: we sent data recently (delayed ACKs may wait longer). */
  pingpong = false;
  /** Adaptive ACK timeout (µs). */
  ato: Micros = 40_000;
  /** Segments received since our last ACK, and bytes. */
  unackedSegs = 0;
  /** Last time data arrived (for ato). */
  lastDataRecv: Micros = 0;

  // ---- socket options living in the TCB ----
  nodelay = false;
  cork = false;
  keepalive = false;
  keepIdle: Micros = 0;
  keepIntvl: Micros = 0;
  keepCnt = 0;
  synRetries = 0;
  /** TCP_LINGER2 in µs (0 = tcp_fin_timeout; -1 = no FIN-WAIT-2 timeout... Linux < 0 means immediate close). */
  linger2: Micros = 0;
  /** TCP_USER_TIMEOUT in µs (0 = off). */
  userTimeout: Micros = 0;
  /** SO_LINGER */
  lingerOn = false;
  lingerTime: Micros = 0;
  /** IP_TOS of the owning socket: the TOS byte of every segment (ECN bits stay 0). */
  tos = 0;
  /** IP_TTL of the owning socket, or -1 for ip_default_ttl. */
  ttl = -1;
  /** SO_OOBINLINE */
  oobInline = false;
  /** SO_RCVLOWAT */
  rcvLowat = 1;
  /** SO_REUSEADDR / SO_REUSEPORT at bind time (TIME-WAIT inherits them, C5). */
  reuseAddr = false;
  reusePort = false;
  /**
   * TCP_DEFER_ACCEPT as Linux keeps it (rskq_defer_accept): a number of
   * SYN-ACK timeouts during which a listener drops bare final ACKs (see
   * tcp/listen.ts `secsToRetrans`).
   */
  deferAccept = 0;

  // ---- urgent data (RFC 9293 §3.8.5, Linux semantics) ----
  /** Sequence number of the urgent byte in flight from the peer, or -1. */
  urgSeq = -1;
  /** The out-of-band byte waiting for recv(MSG_OOB), or -1. */
  urgByte = -1;
  /** Our urgent pointer (send side): seq after the last urgent byte, or -1. */
  sndUp = -1;

  // ---- bookkeeping ----
  /** The listener whose accept queue holds this connection (until accepted). */
  listener: Listener | null = null;
  /** The queues of a listening socket (state LISTEN). */
  lq: Listener | null = null;
  /** The receive window (created at SYN time). */
  rwin!: ReceiveWindow;
  /** Estimate of the peer's segment size (Linux icsk_ack.rcv_mss). */
  rcvMss = 536;
  /** Our out-of-order FIN's sequence number, or -1. */
  oooFinSeq = -1;
  /** Bound by bind() (vs. by connect's autobind). */
  bindExplicit = false;
  /** Holds a port in the bind table. */
  portHeld = false;
  /** Cached route and the route-table generation it was computed for. */
  route: RouteResult | null = null;
  routeGen = -1;
  /** Path MTU. */
  pmtu = 1500;
  /** Inode of the owning socket (tools), 0 when orphaned. */
  inode = 0;
  /** Wait queue of the owning socket. */
  readonly wq = new WaitQueue();
  /** Set while in the connection tables. */
  hashed = false;
  /** Created by a passive open (accept) rather than connect. */
  passive = false;
  /** Connection start time (µs). */
  created: Micros = 0;
  /** Counters for tcp_info. */
  segsOut = 0;
  segsIn = 0;
  dataSegsOut = 0;
  dataSegsIn = 0;
  bytesAcked = 0;
  bytesReceived = 0;
  bytesSent = 0;
  bytesRetrans = 0;
  lastDataSent: Micros = 0;
  /** Receive-buffer autotuning (Linux rcvq_space): bytes the application read in the last measured RTT… */
  rcvSpace = 0;
  /** …total bytes read when that measurement started, and when. */
  rcvSpaceCopied = 0;
  rcvSpaceTime: Micros = 0;
  /** Total bytes the application has read. */
  bytesRead = 0;
  lastAckRecv: Micros = 0;

  constructor(sndbuf: number, rcvbuf: number, ccName: string, rtoMin: Micros, onTimer: (now: Micros, timer: Timer) => void) {
    super(onTimer);
    this.sndBuf = new SendBuffer(sndbuf);
    this.rcvBuf = new RecvBuffer(rcvbuf);
    this.ccName = ccName;
    this.rtt = new RttEstimator(rtoMin);
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

  /** Readiness for poll/select/epoll (Linux tcp_poll). */
  poll(): number {
    let m = 0;
    const st = this.state;
    if (this.error) m |= POLLERR;
    if (st === TcpState.LISTEN) return m | (this.lq ? this.lq.poll() : 0);
    if (st === TcpState.CLOSE || (this.sndShutdown && (this.finReceived || this.rcvShutdown)) || this.reset) m |= POLLHUP;
    if (this.rcvShutdown || this.finReceived) m |= POLLIN | POLLRDNORM | POLLRDHUP;
    if (st !== TcpState.SYN_SENT && st !== TcpState.SYN_RECV) {
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

  /** `10.0.0.1:9090 ESTABLISHED` */
  override toString(): string {
    return `${this.localPort}->${this.remotePort} ${stateName(this.state)}`;
  }
}
