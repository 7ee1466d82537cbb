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
 * RTT estimator; the congestion-control object comes with the first data.
 * The TCB itself stays small: sequence numbers are stored as int32 so V8
 * keeps them unboxed, the booleans are bits of one field, and rarely set
 * state (socket options, urgent data, undo bookkeeping) lives in a shared
 * {@link TcbCold} defaults object until first written. Accessors keep the
 * field names, so input/output/timers read and write them as plain fields.
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

// Bits of Tcb.#flags.
const F_WSCALEOK = 1 << 0;
const F_SACKOK = 1 << 1;
const F_TSOK = 1 << 2;
const F_SNDBUFLOCKED = 1 << 3;
const F_RCVBUFLOCKED = 1 << 4;
const F_FINQUEUED = 1 << 5;
const F_FINSENT = 1 << 6;
const F_FINRECEIVED = 1 << 7;
const F_RCVSHUTDOWN = 1 << 8;
const F_SNDSHUTDOWN = 1 << 9;
const F_ORPHAN = 1 << 10;
const F_RESET = 1 << 11;
const F_PINGPONG = 1 << 12;
const F_NODELAY = 1 << 13;
const F_CORK = 1 << 14;
const F_KEEPALIVE = 1 << 15;
const F_LINGERON = 1 << 16;
const F_OOBINLINE = 1 << 17;
const F_REUSEADDR = 1 << 18;
const F_REUSEPORT = 1 << 19;
const F_BINDEXPLICIT = 1 << 20;
const F_PORTHELD = 1 << 21;
const F_HASHED = 1 << 22;
const F_PASSIVE = 1 << 23;
const F_FINREAD = 1 << 24;

/**
 * State that an idle established connection leaves at its defaults (socket
 * options, urgent data, loss-undo bookkeeping, rare counters). A TCB shares
 * {@link COLD_DEFAULTS} until one of these is first set to another value,
 * then owns a copy: ≈ 200 B that most connections never pay.
 */
class TcbCold {
  /** TCP_MAXSEG set by the user (0 = none). */
  userMss = 0;
  /** Zero-window probe backoff exponent (Linux icsk_backoff while probing). */
  probeBackoff = 0;
  /** Total retransmitted segments (tcpi_total_retrans). */
  totalRetrans = 0;
  /** Segments the peer reported received twice by D-SACK (Linux tp->dsack_dups). */
  dsackDups = 0;
  /** When the last out-of-window / challenge ACK was sent (Linux last_oow_ack_time), µs, or -1. */
  lastOowAck: Micros = -1;
  /** Linux undo_marker: snd.una when the current loss episode began, or -1 (no undo possible). */
  undoMarker = -1;
  /** Linux undo_retrans: retransmissions of this episode not yet shown spurious by D-SACK. */
  undoRetrans = 0;
  keepIdle: Micros = 0;
  keepIntvl: Micros = 0;
  keepCnt = 0;
  synRetries = 0;
  /** TCP_LINGER2 in µs (0 = tcp_fin_timeout; -1 = no FIN-WAIT-2 timeout... Linux < 0 means immediate close). */
  linger2: Micros = 0;
  /** TCP_USER_TIMEOUT in µs (0 = off). */
  userTimeout: Micros = 0;
  lingerTime: Micros = 0;
  /** IP_TOS of the owning socket: the TOS byte of every segment (ECN bits stay 0). */
  tos = 0;
  /** IP_TTL of the owning socket, or -1 for ip_default_ttl. */
  ttl = -1;
  /** SO_RCVLOWAT */
  rcvLowat = 1;
  /**
   * TCP_DEFER_ACCEPT as Linux keeps it (rskq_defer_accept): a number of
   * SYN-ACK timeouts during which a listener drops bare final ACKs (see
   * tcp/listen.ts `secsToRetrans`).
   */
  deferAccept = 0;
  /** Sequence number of the urgent byte in flight from the peer, or -1. */
  urgSeq = -1;
  /** The out-of-band byte waiting for recv(MSG_OOB), or -1. */
  urgByte = -1;
  /** Our urgent pointer (send side): seq after the last urgent byte, or -1. */
  sndUp = -1;
  /** Our out-of-order FIN's sequence number, or -1. */
  oooFinSeq = -1;
  /** A soft error (ICMP) reported if the connection times out. */
  softError: ErrnoCode | null = null;
  bytesRetrans = 0;
  /** Reordering degree seen (tcpi_reordering; RFC 6675 DupThresh). */
  reordering = 3;
  /** The queues of a listening socket (state LISTEN). */
  lq: Listener | null = null;
}

/** The shared defaults (never written: setters copy first). */
const COLD_DEFAULTS = new TcbCold();

/** Observer of state transitions (traces, ladder diagrams). */
export type StateTrace = (tcb: Tcb, from: TcpState, to: TcpState) => void;

/**
 * One TCP connection. The TCB is its own Timer (one heap entry for all its
 * deadlines) — no separate timer object or closure per connection.
 */
export class Tcb extends Timer {
  // Backing fields of the accessors below.
  #iss = 0;
  #sndUna = 0;
  #sndNxt = 0;
  #sndMax = 0;
  #sndWl1 = 0;
  #sndWl2 = 0;
  #irs = 0;
  #rcvNxt = 0;
  #sndBufSeq = 0;
  #highRxt = 0;
  #recover = 0;
  #finSeq = 0;
  #rttSeq = 0;
  #tsRecent = 0;
  #flags = 0;
  #cold: TcbCold = COLD_DEFAULTS;
  state: TcpState = TcpState.CLOSE;
  localAddr = 0;
  localPort = 0;
  remoteAddr = 0;
  remotePort = 0;

  // ---- send sequence space (RFC 9293 §3.3.1) ----
  /** Peer's window in bytes (already scaled). */
  sndWnd = 0;
  /** Largest window the peer ever offered (sender SWS avoidance). */
  maxWindow = 0;

  // (iss, snd.una/nxt/max, snd.wl1/wl2, irs, rcv.nxt: int32 accessors below;
  // RCV.WND, rcv_wup, rcv_ssthresh, window clamp and our scale live in `rwin`.)

  // ---- options (RFC 7323, RFC 2018) ----
  /** Effective send MSS (payload bytes per segment, TCP options excluded). */
  mss = 536;
  /** MSS we announce (route MTU − 40, or TCP_MAXSEG). */
  advMss = 536;
  /** MSS the peer announced (536 when absent). */
  peerMss = 536;
  /** Peer's window scale. */
  sndWscale = 0;
  /** When tsRecent was last updated (µs), for PAWS' 24-day rule. */
  tsRecentStamp: Micros = 0;
  /** Our TS clock offset (Linux tsoffset). */
  tsOffset = 0;

  // ---- buffers ----
  readonly sndBuf: SendBuffer;
  readonly rcvBuf: RecvBuffer;
  ooo: OooQueue | null = null;

  // ---- errors (FIN / shutdown state: flag accessors below) ----
  /** A pending error for the socket (sk_err): ECONNRESET, ETIMEDOUT, … */
  error: ErrnoCode | null = null;

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
  /** When the first retransmission of the current episode happened (retrans_stamp), µs, or 0. */
  retransStamp: Micros = 0;
  /** Last time a segment was received (keepalive idleness), µs. */
  lastRecv: Micros = 0;
  /** Last time data was sent (slow start after idle). */
  lastSend: Micros = 0;
  /** Retransmitted segments now in flight (RFC 6675 pipe). */
  retransOut = 0;

  // ---- RTT and congestion control ----
  readonly rtt: RttEstimator;
  /** The congestion-control algorithm's name (TCP_CONGESTION); the object is created when first needed. */
  ccName: string;
  #cc: CongestionControl | null = null;
  rttTime: Micros = -1;

  // ---- loss recovery ----
  dupAcks = 0;
  /** The sender's SACK scoreboard (created at the first SACK block). */
  sb: SackScoreboard | null = null;

  // ---- delayed ACK (Linux icsk_ack) ----
  /** Quick ACKs left (ACK every segment at the start, after idle, TCP_QUICKACK). */
  quickAcks = 0;
  /** Adaptive ACK timeout (µs). */
  ato: Micros = 40_000;
  /** Segments received since our last ACK, and bytes. */
  unackedSegs = 0;
  /** Last time data arrived (for ato). */
  lastDataRecv: Micros = 0;

  // ---- bookkeeping ----
  /** The listener whose accept queue holds this connection (until accepted). */
  listener: Listener | null = null;
  /** The receive window (created at SYN time). */
  rwin!: ReceiveWindow;
  /** Estimate of the peer's segment size (Linux icsk_ack.rcv_mss). */
  rcvMss = 536;
  /** Cached route and the route-table generation it was computed for. */
  route: RouteResult | null = null;
  routeGen = -1;
  /** Path MTU. */
  pmtu = 1500;
  /** Inode of the owning socket (tools), 0 when orphaned. */
  inode = 0;
  /** Wait queue of the owning socket. */
  readonly wq = new WaitQueue();
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
  lastDataSent: Micros = 0;
  /** Receive-buffer autotuning (Linux rcvq_space): bytes the application read in the last measured RTT… */
  rcvSpace = 0;
  /** …total bytes read when that measurement started, and when. */
  rcvSpaceCopied = 0;
  rcvSpaceTime: Micros = 0;
  /** Total bytes the application has read. */
  bytesRead = 0;
  lastAckRecv: Micros = 0;

  // ---- sequence numbers, stored as int32 ----
  // V8 keeps a field in the object only while it holds a small integer; a
  // field that ever held an unsigned 32-bit value ≥ 2³¹ becomes a boxed
  // double (16 B more per field per connection). The values are stored
  // `| 0` and read back `>>> 0`: readers see the unsigned number as before.

  get iss(): number {
    return this.#iss >>> 0;
  }
  set iss(v: number) {
    this.#iss = v | 0;
  }

  get sndUna(): number {
    return this.#sndUna >>> 0;
  }
  set sndUna(v: number) {
    this.#sndUna = v | 0;
  }

  get sndNxt(): number {
    return this.#sndNxt >>> 0;
  }
  set sndNxt(v: number) {
    this.#sndNxt = v | 0;
  }

  /** Highest sequence number sent + 1 (snd.nxt before any go-back after an RTO). */
  get sndMax(): number {
    return this.#sndMax >>> 0;
  }
  set sndMax(v: number) {
    this.#sndMax = v | 0;
  }

  get sndWl1(): number {
    return this.#sndWl1 >>> 0;
  }
  set sndWl1(v: number) {
    this.#sndWl1 = v | 0;
  }

  get sndWl2(): number {
    return this.#sndWl2 >>> 0;
  }
  set sndWl2(v: number) {
    this.#sndWl2 = v | 0;
  }

  get irs(): number {
    return this.#irs >>> 0;
  }
  set irs(v: number) {
    this.#irs = v | 0;
  }

  get rcvNxt(): number {
    return this.#rcvNxt >>> 0;
  }
  set rcvNxt(v: number) {
    this.#rcvNxt = v | 0;
  }

  /** Sequence number of the first byte held in sndBuf. */
  get sndBufSeq(): number {
    return this.#sndBufSeq >>> 0;
  }
  set sndBufSeq(v: number) {
    this.#sndBufSeq = v | 0;
  }

  /** Retransmission pointer: everything below it was retransmitted in this recovery episode. */
  get highRxt(): number {
    return this.#highRxt >>> 0;
  }
  set highRxt(v: number) {
    this.#highRxt = v | 0;
  }

  /** RFC 6582 "recover" / Linux high_seq. */
  get recover(): number {
    return this.#recover >>> 0;
  }
  set recover(v: number) {
    this.#recover = v | 0;
  }

  get finSeq(): number {
    return this.#finSeq >>> 0;
  }
  set finSeq(v: number) {
    this.#finSeq = v | 0;
  }

  /** Sequence number being timed without timestamps (Karn), and when it was sent. */
  get rttSeq(): number {
    return this.#rttSeq >>> 0;
  }
  set rttSeq(v: number) {
    this.#rttSeq = v | 0;
  }

  /** TS.Recent (RFC 7323 §4.3). */
  get tsRecent(): number {
    return this.#tsRecent >>> 0;
  }
  set tsRecent(v: number) {
    this.#tsRecent = v | 0;
  }

  // ---- flags, one bit each in #flags (one field instead of 24) ----

  get wscaleOk(): boolean {
    return (this.#flags & F_WSCALEOK) !== 0;
  }
  set wscaleOk(v: boolean) {
    this.#flags = v ? this.#flags | F_WSCALEOK : this.#flags & ~F_WSCALEOK;
  }

  get sackOk(): boolean {
    return (this.#flags & F_SACKOK) !== 0;
  }
  set sackOk(v: boolean) {
    this.#flags = v ? this.#flags | F_SACKOK : this.#flags & ~F_SACKOK;
  }

  get tsOk(): boolean {
    return (this.#flags & F_TSOK) !== 0;
  }
  set tsOk(v: boolean) {
    this.#flags = v ? this.#flags | F_TSOK : this.#flags & ~F_TSOK;
  }

  /** User set SO_SNDBUF / SO_RCVBUF (no autotuning then). */
  get sndbufLocked(): boolean {
    return (this.#flags & F_SNDBUFLOCKED) !== 0;
  }
  set sndbufLocked(v: boolean) {
    this.#flags = v ? this.#flags | F_SNDBUFLOCKED : this.#flags & ~F_SNDBUFLOCKED;
  }

  get rcvbufLocked(): boolean {
    return (this.#flags & F_RCVBUFLOCKED) !== 0;
  }
  set rcvbufLocked(v: boolean) {
    this.#flags = v ? this.#flags | F_RCVBUFLOCKED : this.#flags & ~F_RCVBUFLOCKED;
  }

  /** The application has no more to send: a FIN follows the queued data. */
  get finQueued(): boolean {
    return (this.#flags & F_FINQUEUED) !== 0;
  }
  set finQueued(v: boolean) {
    this.#flags = v ? this.#flags | F_FINQUEUED : this.#flags & ~F_FINQUEUED;
  }

  /** Our FIN has been sent (its sequence number is finSeq). */
  get finSent(): boolean {
    return (this.#flags & F_FINSENT) !== 0;
  }
  set finSent(v: boolean) {
    this.#flags = v ? this.#flags | F_FINSENT : this.#flags & ~F_FINSENT;
  }

  /** The peer's FIN was received (read returns 0 after the queue drains). */
  get finReceived(): boolean {
    return (this.#flags & F_FINRECEIVED) !== 0;
  }
  set finReceived(v: boolean) {
    this.#flags = v ? this.#flags | F_FINRECEIVED : this.#flags & ~F_FINRECEIVED;
  }

  /**
   * The application has read the end of stream (a read returned 0): Linux's
   * copied_seq has passed the FIN, so Recv-Q no longer counts it.
   */
  get finRead(): boolean {
    return (this.#flags & F_FINREAD) !== 0;
  }
  set finRead(v: boolean) {
    this.#flags = v ? this.#flags | F_FINREAD : this.#flags & ~F_FINREAD;
  }

  /** shutdown(SHUT_RD) */
  get rcvShutdown(): boolean {
    return (this.#flags & F_RCVSHUTDOWN) !== 0;
  }
  set rcvShutdown(v: boolean) {
    this.#flags = v ? this.#flags | F_RCVSHUTDOWN : this.#flags & ~F_RCVSHUTDOWN;
  }

  /** shutdown(SHUT_WR) or close(). */
  get sndShutdown(): boolean {
    return (this.#flags & F_SNDSHUTDOWN) !== 0;
  }
  set sndShutdown(v: boolean) {
    this.#flags = v ? this.#flags | F_SNDSHUTDOWN : this.#flags & ~F_SNDSHUTDOWN;
  }

  /** close() was called: no socket owns the connection any more (Linux orphan). */
  get orphan(): boolean {
    return (this.#flags & F_ORPHAN) !== 0;
  }
  set orphan(v: boolean) {
    this.#flags = v ? this.#flags | F_ORPHAN : this.#flags & ~F_ORPHAN;
  }

  /** Set once the connection was reset or timed out (no more I/O). */
  get reset(): boolean {
    return (this.#flags & F_RESET) !== 0;
  }
  set reset(v: boolean) {
    this.#flags = v ? this.#flags | F_RESET : this.#flags & ~F_RESET;
  }

  /** Interactive mode: we sent data recently (delayed ACKs may wait longer). */
  get pingpong(): boolean {
    return (this.#flags & F_PINGPONG) !== 0;
  }
  set pingpong(v: boolean) {
    this.#flags = v ? this.#flags | F_PINGPONG : this.#flags & ~F_PINGPONG;
  }

  get nodelay(): boolean {
    return (this.#flags & F_NODELAY) !== 0;
  }
  set nodelay(v: boolean) {
    this.#flags = v ? this.#flags | F_NODELAY : this.#flags & ~F_NODELAY;
  }

  get cork(): boolean {
    return (this.#flags & F_CORK) !== 0;
  }
  set cork(v: boolean) {
    this.#flags = v ? this.#flags | F_CORK : this.#flags & ~F_CORK;
  }

  get keepalive(): boolean {
    return (this.#flags & F_KEEPALIVE) !== 0;
  }
  set keepalive(v: boolean) {
    this.#flags = v ? this.#flags | F_KEEPALIVE : this.#flags & ~F_KEEPALIVE;
  }

  /** SO_LINGER */
  get lingerOn(): boolean {
    return (this.#flags & F_LINGERON) !== 0;
  }
  set lingerOn(v: boolean) {
    this.#flags = v ? this.#flags | F_LINGERON : this.#flags & ~F_LINGERON;
  }

  /** SO_OOBINLINE */
  get oobInline(): boolean {
    return (this.#flags & F_OOBINLINE) !== 0;
  }
  set oobInline(v: boolean) {
    this.#flags = v ? this.#flags | F_OOBINLINE : this.#flags & ~F_OOBINLINE;
  }

  /** SO_REUSEADDR / SO_REUSEPORT at bind time (TIME-WAIT inherits them, C5). */
  get reuseAddr(): boolean {
    return (this.#flags & F_REUSEADDR) !== 0;
  }
  set reuseAddr(v: boolean) {
    this.#flags = v ? this.#flags | F_REUSEADDR : this.#flags & ~F_REUSEADDR;
  }

  get reusePort(): boolean {
    return (this.#flags & F_REUSEPORT) !== 0;
  }
  set reusePort(v: boolean) {
    this.#flags = v ? this.#flags | F_REUSEPORT : this.#flags & ~F_REUSEPORT;
  }

  /** Bound by bind() (vs. by connect's autobind). */
  get bindExplicit(): boolean {
    return (this.#flags & F_BINDEXPLICIT) !== 0;
  }
  set bindExplicit(v: boolean) {
    this.#flags = v ? this.#flags | F_BINDEXPLICIT : this.#flags & ~F_BINDEXPLICIT;
  }

  /** Holds a port in the bind table. */
  get portHeld(): boolean {
    return (this.#flags & F_PORTHELD) !== 0;
  }
  set portHeld(v: boolean) {
    this.#flags = v ? this.#flags | F_PORTHELD : this.#flags & ~F_PORTHELD;
  }

  /** Set while in the connection tables. */
  get hashed(): boolean {
    return (this.#flags & F_HASHED) !== 0;
  }
  set hashed(v: boolean) {
    this.#flags = v ? this.#flags | F_HASHED : this.#flags & ~F_HASHED;
  }

  /** Created by a passive open (accept) rather than connect. */
  get passive(): boolean {
    return (this.#flags & F_PASSIVE) !== 0;
  }
  set passive(v: boolean) {
    this.#flags = v ? this.#flags | F_PASSIVE : this.#flags & ~F_PASSIVE;
  }

  // ---- rarely set state, in the shared TcbCold defaults until first written ----

  /** See {@link TcbCold.userMss}. */
  get userMss(): number {
    return this.#cold.userMss;
  }
  set userMss(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.userMss) return;
      this.#cold = new TcbCold();
    }
    this.#cold.userMss = v;
  }

  /** See {@link TcbCold.probeBackoff}. */
  get probeBackoff(): number {
    return this.#cold.probeBackoff;
  }
  set probeBackoff(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.probeBackoff) return;
      this.#cold = new TcbCold();
    }
    this.#cold.probeBackoff = v;
  }

  /** See {@link TcbCold.totalRetrans}. */
  get totalRetrans(): number {
    return this.#cold.totalRetrans;
  }
  set totalRetrans(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.totalRetrans) return;
      this.#cold = new TcbCold();
    }
    this.#cold.totalRetrans = v;
  }

  /** See {@link TcbCold.dsackDups}. */
  get dsackDups(): number {
    return this.#cold.dsackDups;
  }
  set dsackDups(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.dsackDups) return;
      this.#cold = new TcbCold();
    }
    this.#cold.dsackDups = v;
  }

  /** See {@link TcbCold.lastOowAck}. */
  get lastOowAck(): Micros {
    return this.#cold.lastOowAck;
  }
  set lastOowAck(v: Micros) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.lastOowAck) return;
      this.#cold = new TcbCold();
    }
    this.#cold.lastOowAck = v;
  }

  /** See {@link TcbCold.undoMarker}. */
  get undoMarker(): number {
    return this.#cold.undoMarker;
  }
  set undoMarker(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.undoMarker) return;
      this.#cold = new TcbCold();
    }
    this.#cold.undoMarker = v;
  }

  /** See {@link TcbCold.undoRetrans}. */
  get undoRetrans(): number {
    return this.#cold.undoRetrans;
  }
  set undoRetrans(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.undoRetrans) return;
      this.#cold = new TcbCold();
    }
    this.#cold.undoRetrans = v;
  }

  /** See {@link TcbCold.keepIdle}. */
  get keepIdle(): Micros {
    return this.#cold.keepIdle;
  }
  set keepIdle(v: Micros) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.keepIdle) return;
      this.#cold = new TcbCold();
    }
    this.#cold.keepIdle = v;
  }

  /** See {@link TcbCold.keepIntvl}. */
  get keepIntvl(): Micros {
    return this.#cold.keepIntvl;
  }
  set keepIntvl(v: Micros) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.keepIntvl) return;
      this.#cold = new TcbCold();
    }
    this.#cold.keepIntvl = v;
  }

  /** See {@link TcbCold.keepCnt}. */
  get keepCnt(): number {
    return this.#cold.keepCnt;
  }
  set keepCnt(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.keepCnt) return;
      this.#cold = new TcbCold();
    }
    this.#cold.keepCnt = v;
  }

  /** See {@link TcbCold.synRetries}. */
  get synRetries(): number {
    return this.#cold.synRetries;
  }
  set synRetries(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.synRetries) return;
      this.#cold = new TcbCold();
    }
    this.#cold.synRetries = v;
  }

  /** See {@link TcbCold.linger2}. */
  get linger2(): Micros {
    return this.#cold.linger2;
  }
  set linger2(v: Micros) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.linger2) return;
      this.#cold = new TcbCold();
    }
    this.#cold.linger2 = v;
  }

  /** See {@link TcbCold.userTimeout}. */
  get userTimeout(): Micros {
    return this.#cold.userTimeout;
  }
  set userTimeout(v: Micros) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.userTimeout) return;
      this.#cold = new TcbCold();
    }
    this.#cold.userTimeout = v;
  }

  /** See {@link TcbCold.lingerTime}. */
  get lingerTime(): Micros {
    return this.#cold.lingerTime;
  }
  set lingerTime(v: Micros) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.lingerTime) return;
      this.#cold = new TcbCold();
    }
    this.#cold.lingerTime = v;
  }

  /** See {@link TcbCold.tos}. */
  get tos(): number {
    return this.#cold.tos;
  }
  set tos(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.tos) return;
      this.#cold = new TcbCold();
    }
    this.#cold.tos = v;
  }

  /** See {@link TcbCold.ttl}. */
  get ttl(): number {
    return this.#cold.ttl;
  }
  set ttl(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.ttl) return;
      this.#cold = new TcbCold();
    }
    this.#cold.ttl = v;
  }

  /** See {@link TcbCold.rcvLowat}. */
  get rcvLowat(): number {
    return this.#cold.rcvLowat;
  }
  set rcvLowat(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.rcvLowat) return;
      this.#cold = new TcbCold();
    }
    this.#cold.rcvLowat = v;
  }

  /** See {@link TcbCold.deferAccept}. */
  get deferAccept(): number {
    return this.#cold.deferAccept;
  }
  set deferAccept(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.deferAccept) return;
      this.#cold = new TcbCold();
    }
    this.#cold.deferAccept = v;
  }

  /** See {@link TcbCold.urgSeq}. */
  get urgSeq(): number {
    return this.#cold.urgSeq;
  }
  set urgSeq(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.urgSeq) return;
      this.#cold = new TcbCold();
    }
    this.#cold.urgSeq = v;
  }

  /** See {@link TcbCold.urgByte}. */
  get urgByte(): number {
    return this.#cold.urgByte;
  }
  set urgByte(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.urgByte) return;
      this.#cold = new TcbCold();
    }
    this.#cold.urgByte = v;
  }

  /** See {@link TcbCold.sndUp}. */
  get sndUp(): number {
    return this.#cold.sndUp;
  }
  set sndUp(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.sndUp) return;
      this.#cold = new TcbCold();
    }
    this.#cold.sndUp = v;
  }

  /** See {@link TcbCold.oooFinSeq}. */
  get oooFinSeq(): number {
    return this.#cold.oooFinSeq;
  }
  set oooFinSeq(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.oooFinSeq) return;
      this.#cold = new TcbCold();
    }
    this.#cold.oooFinSeq = v;
  }

  /** See {@link TcbCold.softError}. */
  get softError(): ErrnoCode | null {
    return this.#cold.softError;
  }
  set softError(v: ErrnoCode | null) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.softError) return;
      this.#cold = new TcbCold();
    }
    this.#cold.softError = v;
  }

  /** See {@link TcbCold.bytesRetrans}. */
  get bytesRetrans(): number {
    return this.#cold.bytesRetrans;
  }
  set bytesRetrans(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.bytesRetrans) return;
      this.#cold = new TcbCold();
    }
    this.#cold.bytesRetrans = v;
  }

  /** See {@link TcbCold.reordering}. */
  get reordering(): number {
    return this.#cold.reordering;
  }
  set reordering(v: number) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.reordering) return;
      this.#cold = new TcbCold();
    }
    this.#cold.reordering = v;
  }

  /** See {@link TcbCold.lq}. */
  get lq(): Listener | null {
    return this.#cold.lq;
  }
  set lq(v: Listener | null) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.lq) return;
      this.#cold = new TcbCold();
    }
    this.#cold.lq = v;
  }

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
