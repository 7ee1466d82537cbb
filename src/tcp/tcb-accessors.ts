// Generated from the lists in tcb-fields.ts by tcbAccessorsSource(): do not edit.
// Regenerate: UPDATE_GENERATED=1 node scripts/run-tests.mjs tcb-fields
/**
 * The TCB's compactly stored fields behind plain names (see tcb-fields.ts):
 * int32 sequence numbers, one bit per flag, copy-on-write cold and warm state.
 */
import { Timer } from "../core/scheduler.js";
import { COLD_DEFAULTS, TcbCold, TcbWarm, WARM_DEFAULTS } from "./tcb-fields.js";
import type { TcpState } from "./tcp-state.js";

// Bits of TcbAccessors.#flags (position in TCB_FLAGS).
const F_WSCALEOK = 1 << 0;
const F_ATOSTARTED = 1 << 1;
const F_SYNDELIVERED = 1 << 2;
const F_SACKOK = 1 << 3;
const F_TSOK = 1 << 4;
const F_SNDBUFLOCKED = 1 << 5;
const F_RCVBUFLOCKED = 1 << 6;
const F_FINQUEUED = 1 << 7;
const F_FINSENT = 1 << 8;
const F_FINRECEIVED = 1 << 9;
const F_RCVSHUTDOWN = 1 << 10;
const F_SNDSHUTDOWN = 1 << 11;
const F_ORPHAN = 1 << 12;
const F_RESET = 1 << 13;
const F_PINGPONG = 1 << 14;
const F_NODELAY = 1 << 15;
const F_CORK = 1 << 16;
const F_KEEPALIVE = 1 << 17;
const F_LINGERON = 1 << 18;
const F_OOBINLINE = 1 << 19;
const F_REUSEADDR = 1 << 20;
const F_REUSEPORT = 1 << 21;
const F_BINDEXPLICIT = 1 << 22;
const F_PORTHELD = 1 << 23;
const F_HASHED = 1 << 24;
const F_PASSIVE = 1 << 25;
const F_FINREAD = 1 << 26;
const F_ISCWNDLIMITED = 1 << 27;
const F_INET6 = 1 << 28;
const F_V6ONLY = 1 << 29;

/** The base class of `Tcb`: its int32 sequence numbers, flag bits and cold state as accessors. */
export abstract class TcbAccessors extends Timer {
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
  #sndSml = 0;
  #tsRecent = 0;
  #cwndUsageSeq = 0;
  #p0 = 0;
  #p1 = 35127832;
  #p2 = 1879048728;
  #p3 = 0;
  #flags = 0;
  #cold: TcbCold = COLD_DEFAULTS;
  #warm: TcbWarm = WARM_DEFAULTS;

  // ---- sequence numbers, stored as int32 ----

  /** Initial send sequence number (ISS). */
  get iss(): number {
    return this.#iss >>> 0;
  }
  set iss(v: number) {
    this.#iss = v | 0;
  }

  /** Oldest unacknowledged sequence number (SND.UNA). */
  get sndUna(): number {
    return this.#sndUna >>> 0;
  }
  set sndUna(v: number) {
    this.#sndUna = v | 0;
  }

  /** Next sequence number to send (SND.NXT). */
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

  /** Segment sequence number of the last window update (SND.WL1). */
  get sndWl1(): number {
    return this.#sndWl1 >>> 0;
  }
  set sndWl1(v: number) {
    this.#sndWl1 = v | 0;
  }

  /** Segment acknowledgment number of the last window update (SND.WL2). */
  get sndWl2(): number {
    return this.#sndWl2 >>> 0;
  }
  set sndWl2(v: number) {
    this.#sndWl2 = v | 0;
  }

  /** Initial receive sequence number (IRS). */
  get irs(): number {
    return this.#irs >>> 0;
  }
  set irs(v: number) {
    this.#irs = v | 0;
  }

  /** Next sequence number expected (RCV.NXT). */
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

  /** Sequence number of our FIN (once queued). */
  get finSeq(): number {
    return this.#finSeq >>> 0;
  }
  set finSeq(v: number) {
    this.#finSeq = v | 0;
  }

  /** Sequence number being timed without timestamps (Karn), sent at `rttTime`. */
  get rttSeq(): number {
    return this.#rttSeq >>> 0;
  }
  set rttSeq(v: number) {
    this.#rttSeq = v | 0;
  }

  /** End of the last new segment sent shorter than the MSS (Linux snd_sml): Nagle holds a small segment only while such a one is unacknowledged (Minshall's variant, tcp_minshall_check). */
  get sndSml(): number {
    return this.#sndSml >>> 0;
  }
  set sndSml(v: number) {
    this.#sndSml = v | 0;
  }

  /** TS.Recent (RFC 7323 §4.3). */
  get tsRecent(): number {
    return this.#tsRecent >>> 0;
  }
  set tsRecent(v: number) {
    this.#tsRecent = v | 0;
  }

  /** Linux tcp_cwnd_validate's `cwnd_usage_seq`: where the window whose cwnd use is recorded (`isCwndLimited`, `maxPacketsOut`) ends. */
  get cwndUsageSeq(): number {
    return this.#cwndUsageSeq >>> 0;
  }
  set cwndUsageSeq(v: number) {
    this.#cwndUsageSeq = v | 0;
  }

  // ---- small integers, packed in int32 words ----

  /** Local port. */
  get localPort(): number {
    return this.#p0 & 0xffff;
  }
  set localPort(v: number) {
    this.#p0 = (this.#p0 & -0x10000) | (v & 0xffff);
  }

  /** Remote port. */
  get remotePort(): number {
    return this.#p0 >>> 16;
  }
  set remotePort(v: number) {
    this.#p0 = (this.#p0 & 0xffff) | ((v & 0xffff) << 16);
  }

  /** Effective send MSS (payload bytes per segment, TCP options excluded). */
  get mss(): number {
    return this.#p1 & 0xffff;
  }
  set mss(v: number) {
    this.#p1 = (this.#p1 & -0x10000) | (v & 0xffff);
  }

  /** MSS we announce (route MTU − 40, or TCP_MAXSEG). */
  get advMss(): number {
    return this.#p1 >>> 16;
  }
  set advMss(v: number) {
    this.#p1 = (this.#p1 & 0xffff) | ((v & 0xffff) << 16);
  }

  /** MSS the peer announced (536 when absent). */
  get peerMss(): number {
    return this.#p2 & 0xffff;
  }
  set peerMss(v: number) {
    this.#p2 = (this.#p2 & -0x10000) | (v & 0xffff);
  }

  /** Peer's window scale. */
  get sndWscale(): number {
    return (this.#p2 >>> 16) & 0xf;
  }
  set sndWscale(v: number) {
    this.#p2 = (this.#p2 & -0xf0001) | ((v & 0xf) << 16);
  }

  /** Unanswered keepalive / zero-window probes (Linux icsk_probes_out, a u8 there too). */
  get probesOut(): number {
    return (this.#p2 >>> 20) & 0xff;
  }
  set probesOut(v: number) {
    this.#p2 = (this.#p2 & -0xff00001) | ((v & 0xff) << 20);
  }

  /** The connection's state (Linux numbering, tcp-state.ts); changed only by `setState`. */
  get state(): TcpState {
    return this.#p2 >>> 28;
  }
  set state(v: TcpState) {
    this.#p2 = (this.#p2 & 0xfffffff) | ((v & 0xf) << 28);
  }

  /** TCP_KEEPIDLE in µs (0 = tcp_keepalive_time); whole seconds, 1–32767 s. */
  get keepIdle(): number {
    return (this.#p3 & 0x7fff) * 1000000;
  }
  set keepIdle(v: number) {
    this.#p3 = (this.#p3 & -0x8000) | ((v / 1000000) & 0x7fff);
  }

  /** TCP_KEEPINTVL in µs (0 = tcp_keepalive_intvl); whole seconds, 1–32767 s. */
  get keepIntvl(): number {
    return ((this.#p3 >>> 15) & 0x7fff) * 1000000;
  }
  set keepIntvl(v: number) {
    this.#p3 = (this.#p3 & -0x3fff8001) | (((v / 1000000) & 0x7fff) << 15);
  }

  // ---- flags, one bit each in #flags ----

  /** Window scaling negotiated (RFC 7323). */
  get wscaleOk(): boolean {
    return (this.#flags & F_WSCALEOK) !== 0;
  }
  set wscaleOk(v: boolean) {
    this.#flags = v ? this.#flags | F_WSCALEOK : this.#flags & ~F_WSCALEOK;
  }

  /** The delayed-ACK engine has seen data (Linux icsk_ack.ato ≠ 0); adaptAto initialises it on the first. */
  get atoStarted(): boolean {
    return (this.#flags & F_ATOSTARTED) !== 0;
  }
  set atoStarted(v: boolean) {
    this.#flags = v ? this.#flags | F_ATOSTARTED : this.#flags & ~F_ATOSTARTED;
  }

  /** Our SYN or SYN-ACK was acknowledged: tcpi_delivered counts it as one segment (Linux tp->delivered), without a TcbWarm copy at the handshake. */
  get synDelivered(): boolean {
    return (this.#flags & F_SYNDELIVERED) !== 0;
  }
  set synDelivered(v: boolean) {
    this.#flags = v ? this.#flags | F_SYNDELIVERED : this.#flags & ~F_SYNDELIVERED;
  }

  /** SACK negotiated (RFC 2018). */
  get sackOk(): boolean {
    return (this.#flags & F_SACKOK) !== 0;
  }
  set sackOk(v: boolean) {
    this.#flags = v ? this.#flags | F_SACKOK : this.#flags & ~F_SACKOK;
  }

  /** Timestamps negotiated (RFC 7323). */
  get tsOk(): boolean {
    return (this.#flags & F_TSOK) !== 0;
  }
  set tsOk(v: boolean) {
    this.#flags = v ? this.#flags | F_TSOK : this.#flags & ~F_TSOK;
  }

  /** User set SO_SNDBUF (no send-buffer autotuning then). */
  get sndbufLocked(): boolean {
    return (this.#flags & F_SNDBUFLOCKED) !== 0;
  }
  set sndbufLocked(v: boolean) {
    this.#flags = v ? this.#flags | F_SNDBUFLOCKED : this.#flags & ~F_SNDBUFLOCKED;
  }

  /** User set SO_RCVBUF (no receive-buffer autotuning then). */
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

  /** shutdown(SHUT_RD). */
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

  /** TCP_NODELAY. */
  get nodelay(): boolean {
    return (this.#flags & F_NODELAY) !== 0;
  }
  set nodelay(v: boolean) {
    this.#flags = v ? this.#flags | F_NODELAY : this.#flags & ~F_NODELAY;
  }

  /** TCP_CORK. */
  get cork(): boolean {
    return (this.#flags & F_CORK) !== 0;
  }
  set cork(v: boolean) {
    this.#flags = v ? this.#flags | F_CORK : this.#flags & ~F_CORK;
  }

  /** SO_KEEPALIVE. */
  get keepalive(): boolean {
    return (this.#flags & F_KEEPALIVE) !== 0;
  }
  set keepalive(v: boolean) {
    this.#flags = v ? this.#flags | F_KEEPALIVE : this.#flags & ~F_KEEPALIVE;
  }

  /** SO_LINGER. */
  get lingerOn(): boolean {
    return (this.#flags & F_LINGERON) !== 0;
  }
  set lingerOn(v: boolean) {
    this.#flags = v ? this.#flags | F_LINGERON : this.#flags & ~F_LINGERON;
  }

  /** SO_OOBINLINE. */
  get oobInline(): boolean {
    return (this.#flags & F_OOBINLINE) !== 0;
  }
  set oobInline(v: boolean) {
    this.#flags = v ? this.#flags | F_OOBINLINE : this.#flags & ~F_OOBINLINE;
  }

  /** SO_REUSEADDR at bind time (TIME-WAIT inherits it, C5). */
  get reuseAddr(): boolean {
    return (this.#flags & F_REUSEADDR) !== 0;
  }
  set reuseAddr(v: boolean) {
    this.#flags = v ? this.#flags | F_REUSEADDR : this.#flags & ~F_REUSEADDR;
  }

  /** SO_REUSEPORT at bind time (TIME-WAIT inherits it, C5). */
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

  /** The application has read the end of stream (a read returned 0): Linux's copied_seq has passed the FIN, so Recv-Q no longer counts it. */
  get finRead(): boolean {
    return (this.#flags & F_FINREAD) !== 0;
  }
  set finRead(v: boolean) {
    this.#flags = v ? this.#flags | F_FINREAD : this.#flags & ~F_FINREAD;
  }

  /** Linux tcp_cwnd_validate's `is_cwnd_limited`: the last window was cwnd-limited. */
  get isCwndLimited(): boolean {
    return (this.#flags & F_ISCWNDLIMITED) !== 0;
  }
  set isCwndLimited(v: boolean) {
    this.#flags = v ? this.#flags | F_ISCWNDLIMITED : this.#flags & ~F_ISCWNDLIMITED;
  }

  /** Owned by an AF_INET6 socket: unbound or disconnected, its local address is the IPv6 wildcard (`::`). */
  get inet6(): boolean {
    return (this.#flags & F_INET6) !== 0;
  }
  set inet6(v: boolean) {
    this.#flags = v ? this.#flags | F_INET6 : this.#flags & ~F_INET6;
  }

  /** IPV6_V6ONLY (Linux sk_ipv6only): bound to `::`, the socket takes IPv6 only; it cannot bind or connect to IPv4-mapped addresses. */
  get v6only(): boolean {
    return (this.#flags & F_V6ONLY) !== 0;
  }
  set v6only(v: boolean) {
    this.#flags = v ? this.#flags | F_V6ONLY : this.#flags & ~F_V6ONLY;
  }

  // ---- rarely set state, in the shared TcbCold defaults until first written ----

  /** See {@link TcbCold.userMss}. */
  get userMss(): TcbCold["userMss"] {
    return this.#cold.userMss;
  }
  set userMss(v: TcbCold["userMss"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.userMss) return;
      this.#cold = new TcbCold();
    }
    this.#cold.userMss = v;
  }

  /** See {@link TcbCold.probeBackoff}. */
  get probeBackoff(): TcbCold["probeBackoff"] {
    return this.#cold.probeBackoff;
  }
  set probeBackoff(v: TcbCold["probeBackoff"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.probeBackoff) return;
      this.#cold = new TcbCold();
    }
    this.#cold.probeBackoff = v;
  }

  /** See {@link TcbCold.probesStamp}. */
  get probesStamp(): TcbCold["probesStamp"] {
    return this.#cold.probesStamp;
  }
  set probesStamp(v: TcbCold["probesStamp"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.probesStamp) return;
      this.#cold = new TcbCold();
    }
    this.#cold.probesStamp = v;
  }

  /** See {@link TcbCold.totalRetrans}. */
  get totalRetrans(): TcbCold["totalRetrans"] {
    return this.#cold.totalRetrans;
  }
  set totalRetrans(v: TcbCold["totalRetrans"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.totalRetrans) return;
      this.#cold = new TcbCold();
    }
    this.#cold.totalRetrans = v;
  }

  /** See {@link TcbCold.dsackDups}. */
  get dsackDups(): TcbCold["dsackDups"] {
    return this.#cold.dsackDups;
  }
  set dsackDups(v: TcbCold["dsackDups"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.dsackDups) return;
      this.#cold = new TcbCold();
    }
    this.#cold.dsackDups = v;
  }

  /** See {@link TcbCold.lastOowAck}. */
  get lastOowAck(): TcbCold["lastOowAck"] {
    return this.#cold.lastOowAck;
  }
  set lastOowAck(v: TcbCold["lastOowAck"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.lastOowAck) return;
      this.#cold = new TcbCold();
    }
    this.#cold.lastOowAck = v;
  }

  /** See {@link TcbCold.undoMarker}. */
  get undoMarker(): TcbCold["undoMarker"] {
    return this.#cold.undoMarker;
  }
  set undoMarker(v: TcbCold["undoMarker"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.undoMarker) return;
      this.#cold = new TcbCold();
    }
    this.#cold.undoMarker = v;
  }

  /** See {@link TcbCold.undoRetrans}. */
  get undoRetrans(): TcbCold["undoRetrans"] {
    return this.#cold.undoRetrans;
  }
  set undoRetrans(v: TcbCold["undoRetrans"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.undoRetrans) return;
      this.#cold = new TcbCold();
    }
    this.#cold.undoRetrans = v;
  }

  /** See {@link TcbCold.keepCnt}. */
  get keepCnt(): TcbCold["keepCnt"] {
    return this.#cold.keepCnt;
  }
  set keepCnt(v: TcbCold["keepCnt"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.keepCnt) return;
      this.#cold = new TcbCold();
    }
    this.#cold.keepCnt = v;
  }

  /** See {@link TcbCold.synRetries}. */
  get synRetries(): TcbCold["synRetries"] {
    return this.#cold.synRetries;
  }
  set synRetries(v: TcbCold["synRetries"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.synRetries) return;
      this.#cold = new TcbCold();
    }
    this.#cold.synRetries = v;
  }

  /** See {@link TcbCold.keepInit}. */
  get keepInit(): TcbCold["keepInit"] {
    return this.#cold.keepInit;
  }
  set keepInit(v: TcbCold["keepInit"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.keepInit) return;
      this.#cold = new TcbCold();
    }
    this.#cold.keepInit = v;
  }

  /** See {@link TcbCold.synMssOnly}. */
  get synMssOnly(): TcbCold["synMssOnly"] {
    return this.#cold.synMssOnly;
  }
  set synMssOnly(v: TcbCold["synMssOnly"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.synMssOnly) return;
      this.#cold = new TcbCold();
    }
    this.#cold.synMssOnly = v;
  }

  /** See {@link TcbCold.linger2}. */
  get linger2(): TcbCold["linger2"] {
    return this.#cold.linger2;
  }
  set linger2(v: TcbCold["linger2"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.linger2) return;
      this.#cold = new TcbCold();
    }
    this.#cold.linger2 = v;
  }

  /** See {@link TcbCold.userTimeout}. */
  get userTimeout(): TcbCold["userTimeout"] {
    return this.#cold.userTimeout;
  }
  set userTimeout(v: TcbCold["userTimeout"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.userTimeout) return;
      this.#cold = new TcbCold();
    }
    this.#cold.userTimeout = v;
  }

  /** See {@link TcbCold.lingerTime}. */
  get lingerTime(): TcbCold["lingerTime"] {
    return this.#cold.lingerTime;
  }
  set lingerTime(v: TcbCold["lingerTime"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.lingerTime) return;
      this.#cold = new TcbCold();
    }
    this.#cold.lingerTime = v;
  }

  /** See {@link TcbCold.tos}. */
  get tos(): TcbCold["tos"] {
    return this.#cold.tos;
  }
  set tos(v: TcbCold["tos"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.tos) return;
      this.#cold = new TcbCold();
    }
    this.#cold.tos = v;
  }

  /** See {@link TcbCold.ecnFlags}. */
  get ecnFlags(): TcbCold["ecnFlags"] {
    return this.#cold.ecnFlags;
  }
  set ecnFlags(v: TcbCold["ecnFlags"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.ecnFlags) return;
      this.#cold = new TcbCold();
    }
    this.#cold.ecnFlags = v;
  }

  /** See {@link TcbCold.deliveredCe}. */
  get deliveredCe(): TcbCold["deliveredCe"] {
    return this.#cold.deliveredCe;
  }
  set deliveredCe(v: TcbCold["deliveredCe"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.deliveredCe) return;
      this.#cold = new TcbCold();
    }
    this.#cold.deliveredCe = v;
  }

  /** See {@link TcbCold.ttl}. */
  get ttl(): TcbCold["ttl"] {
    return this.#cold.ttl;
  }
  set ttl(v: TcbCold["ttl"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.ttl) return;
      this.#cold = new TcbCold();
    }
    this.#cold.ttl = v;
  }

  /** See {@link TcbCold.hopLimit6}. */
  get hopLimit6(): TcbCold["hopLimit6"] {
    return this.#cold.hopLimit6;
  }
  set hopLimit6(v: TcbCold["hopLimit6"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.hopLimit6) return;
      this.#cold = new TcbCold();
    }
    this.#cold.hopLimit6 = v;
  }

  /** See {@link TcbCold.tclass6}. */
  get tclass6(): TcbCold["tclass6"] {
    return this.#cold.tclass6;
  }
  set tclass6(v: TcbCold["tclass6"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.tclass6) return;
      this.#cold = new TcbCold();
    }
    this.#cold.tclass6 = v;
  }

  /** See {@link TcbCold.boundIf}. */
  get boundIf(): TcbCold["boundIf"] {
    return this.#cold.boundIf;
  }
  set boundIf(v: TcbCold["boundIf"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.boundIf) return;
      this.#cold = new TcbCold();
    }
    this.#cold.boundIf = v;
  }

  /** See {@link TcbCold.rcvLowat}. */
  get rcvLowat(): TcbCold["rcvLowat"] {
    return this.#cold.rcvLowat;
  }
  set rcvLowat(v: TcbCold["rcvLowat"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.rcvLowat) return;
      this.#cold = new TcbCold();
    }
    this.#cold.rcvLowat = v;
  }

  /** See {@link TcbCold.notsentLowat}. */
  get notsentLowat(): TcbCold["notsentLowat"] {
    return this.#cold.notsentLowat;
  }
  set notsentLowat(v: TcbCold["notsentLowat"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.notsentLowat) return;
      this.#cold = new TcbCold();
    }
    this.#cold.notsentLowat = v;
  }

  /** See {@link TcbCold.deferAccept}. */
  get deferAccept(): TcbCold["deferAccept"] {
    return this.#cold.deferAccept;
  }
  set deferAccept(v: TcbCold["deferAccept"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.deferAccept) return;
      this.#cold = new TcbCold();
    }
    this.#cold.deferAccept = v;
  }

  /** See {@link TcbCold.urgSeq}. */
  get urgSeq(): TcbCold["urgSeq"] {
    return this.#cold.urgSeq;
  }
  set urgSeq(v: TcbCold["urgSeq"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.urgSeq) return;
      this.#cold = new TcbCold();
    }
    this.#cold.urgSeq = v;
  }

  /** See {@link TcbCold.urgByte}. */
  get urgByte(): TcbCold["urgByte"] {
    return this.#cold.urgByte;
  }
  set urgByte(v: TcbCold["urgByte"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.urgByte) return;
      this.#cold = new TcbCold();
    }
    this.#cold.urgByte = v;
  }

  /** See {@link TcbCold.urgMark}. */
  get urgMark(): TcbCold["urgMark"] {
    return this.#cold.urgMark;
  }
  set urgMark(v: TcbCold["urgMark"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.urgMark) return;
      this.#cold = new TcbCold();
    }
    this.#cold.urgMark = v;
  }

  /** See {@link TcbCold.urgMarkInline}. */
  get urgMarkInline(): TcbCold["urgMarkInline"] {
    return this.#cold.urgMarkInline;
  }
  set urgMarkInline(v: TcbCold["urgMarkInline"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.urgMarkInline) return;
      this.#cold = new TcbCold();
    }
    this.#cold.urgMarkInline = v;
  }

  /** See {@link TcbCold.sndUp}. */
  get sndUp(): TcbCold["sndUp"] {
    return this.#cold.sndUp;
  }
  set sndUp(v: TcbCold["sndUp"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.sndUp) return;
      this.#cold = new TcbCold();
    }
    this.#cold.sndUp = v;
  }

  /** See {@link TcbCold.softError}. */
  get softError(): TcbCold["softError"] {
    return this.#cold.softError;
  }
  set softError(v: TcbCold["softError"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.softError) return;
      this.#cold = new TcbCold();
    }
    this.#cold.softError = v;
  }

  /** See {@link TcbCold.bytesRetrans}. */
  get bytesRetrans(): TcbCold["bytesRetrans"] {
    return this.#cold.bytesRetrans;
  }
  set bytesRetrans(v: TcbCold["bytesRetrans"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.bytesRetrans) return;
      this.#cold = new TcbCold();
    }
    this.#cold.bytesRetrans = v;
  }

  /** See {@link TcbCold.reordering}. */
  get reordering(): TcbCold["reordering"] {
    return this.#cold.reordering;
  }
  set reordering(v: TcbCold["reordering"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.reordering) return;
      this.#cold = new TcbCold();
    }
    this.#cold.reordering = v;
  }

  /** See {@link TcbCold.lq}. */
  get lq(): TcbCold["lq"] {
    return this.#cold.lq;
  }
  set lq(v: TcbCold["lq"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.lq) return;
      this.#cold = new TcbCold();
    }
    this.#cold.lq = v;
  }

  /** See {@link TcbCold.error}. */
  get error(): TcbCold["error"] {
    return this.#cold.error;
  }
  set error(v: TcbCold["error"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.error) return;
      this.#cold = new TcbCold();
    }
    this.#cold.error = v;
  }

  /** See {@link TcbCold.fo}. */
  get fo(): TcbCold["fo"] {
    return this.#cold.fo;
  }
  set fo(v: TcbCold["fo"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.fo) return;
      this.#cold = new TcbCold();
    }
    this.#cold.fo = v;
  }

  /** See {@link TcbCold.zc}. */
  get zc(): TcbCold["zc"] {
    return this.#cold.zc;
  }
  set zc(v: TcbCold["zc"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.zc) return;
      this.#cold = new TcbCold();
    }
    this.#cold.zc = v;
  }

  /** See {@link TcbCold.pacing}. */
  get pacing(): TcbCold["pacing"] {
    return this.#cold.pacing;
  }
  set pacing(v: TcbCold["pacing"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.pacing) return;
      this.#cold = new TcbCold();
    }
    this.#cold.pacing = v;
  }

  /** See {@link TcbCold.md5}. */
  get md5(): TcbCold["md5"] {
    return this.#cold.md5;
  }
  set md5(v: TcbCold["md5"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.md5) return;
      this.#cold = new TcbCold();
    }
    this.#cold.md5 = v;
  }

  /** See {@link TcbCold.mtup}. */
  get mtup(): TcbCold["mtup"] {
    return this.#cold.mtup;
  }
  set mtup(v: TcbCold["mtup"]) {
    if (this.#cold === COLD_DEFAULTS) {
      if (v === COLD_DEFAULTS.mtup) return;
      this.#cold = new TcbCold();
    }
    this.#cold.mtup = v;
  }

  // ---- data-transfer state, in the shared TcbWarm defaults until first written ----

  /** See {@link TcbWarm.retransmits}. */
  get retransmits(): TcbWarm["retransmits"] {
    return this.#warm.retransmits;
  }
  set retransmits(v: TcbWarm["retransmits"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.retransmits) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.retransmits = v;
  }

  /** See {@link TcbWarm.retransOut}. */
  get retransOut(): TcbWarm["retransOut"] {
    return this.#warm.retransOut;
  }
  set retransOut(v: TcbWarm["retransOut"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.retransOut) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.retransOut = v;
  }

  /** See {@link TcbWarm.rttTime}. */
  get rttTime(): TcbWarm["rttTime"] {
    return this.#warm.rttTime;
  }
  set rttTime(v: TcbWarm["rttTime"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.rttTime) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.rttTime = v;
  }

  /** See {@link TcbWarm.dupAcks}. */
  get dupAcks(): TcbWarm["dupAcks"] {
    return this.#warm.dupAcks;
  }
  set dupAcks(v: TcbWarm["dupAcks"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.dupAcks) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.dupAcks = v;
  }

  /** See {@link TcbWarm.sb}. */
  get sb(): TcbWarm["sb"] {
    return this.#warm.sb;
  }
  set sb(v: TcbWarm["sb"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.sb) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.sb = v;
  }

  /** See {@link TcbWarm.sentLog}. */
  get sentLog(): TcbWarm["sentLog"] {
    return this.#warm.sentLog;
  }
  set sentLog(v: TcbWarm["sentLog"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.sentLog) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.sentLog = v;
  }

  /** See {@link TcbWarm.maxPacketsOut}. */
  get maxPacketsOut(): TcbWarm["maxPacketsOut"] {
    return this.#warm.maxPacketsOut;
  }
  set maxPacketsOut(v: TcbWarm["maxPacketsOut"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.maxPacketsOut) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.maxPacketsOut = v;
  }

  /** See {@link TcbWarm.xmitTimer}. */
  get xmitTimer(): TcbWarm["xmitTimer"] {
    return this.#warm.xmitTimer;
  }
  set xmitTimer(v: TcbWarm["xmitTimer"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.xmitTimer) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.xmitTimer = v;
  }

  /** See {@link TcbWarm.delackAt}. */
  get delackAt(): TcbWarm["delackAt"] {
    return this.#warm.delackAt;
  }
  set delackAt(v: TcbWarm["delackAt"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.delackAt) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.delackAt = v;
  }

  /** See {@link TcbWarm.persistAt}. */
  get persistAt(): TcbWarm["persistAt"] {
    return this.#warm.persistAt;
  }
  set persistAt(v: TcbWarm["persistAt"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.persistAt) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.persistAt = v;
  }

  /** See {@link TcbWarm.quickAcks}. */
  get quickAcks(): TcbWarm["quickAcks"] {
    return this.#warm.quickAcks;
  }
  set quickAcks(v: TcbWarm["quickAcks"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.quickAcks) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.quickAcks = v;
  }

  /** See {@link TcbWarm.ato}. */
  get ato(): TcbWarm["ato"] {
    return this.#warm.ato;
  }
  set ato(v: TcbWarm["ato"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.ato) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.ato = v;
  }

  /** See {@link TcbWarm.unackedSegs}. */
  get unackedSegs(): TcbWarm["unackedSegs"] {
    return this.#warm.unackedSegs;
  }
  set unackedSegs(v: TcbWarm["unackedSegs"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.unackedSegs) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.unackedSegs = v;
  }

  /** See {@link TcbWarm.rcvMss}. */
  get rcvMss(): TcbWarm["rcvMss"] {
    return this.#warm.rcvMss;
  }
  set rcvMss(v: TcbWarm["rcvMss"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.rcvMss) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.rcvMss = v;
  }

  /** See {@link TcbWarm.ooo}. */
  get ooo(): TcbWarm["ooo"] {
    return this.#warm.ooo;
  }
  set ooo(v: TcbWarm["ooo"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.ooo) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.ooo = v;
  }

  /** See {@link TcbWarm.dataSegsOut}. */
  get dataSegsOut(): TcbWarm["dataSegsOut"] {
    return this.#warm.dataSegsOut;
  }
  set dataSegsOut(v: TcbWarm["dataSegsOut"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.dataSegsOut) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.dataSegsOut = v;
  }

  /** See {@link TcbWarm.dataSegsIn}. */
  get dataSegsIn(): TcbWarm["dataSegsIn"] {
    return this.#warm.dataSegsIn;
  }
  set dataSegsIn(v: TcbWarm["dataSegsIn"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.dataSegsIn) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.dataSegsIn = v;
  }

  /** See {@link TcbWarm.bytesAcked}. */
  get bytesAcked(): TcbWarm["bytesAcked"] {
    return this.#warm.bytesAcked;
  }
  set bytesAcked(v: TcbWarm["bytesAcked"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.bytesAcked) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.bytesAcked = v;
  }

  /** See {@link TcbWarm.delivered}. */
  get delivered(): TcbWarm["delivered"] {
    return this.#warm.delivered;
  }
  set delivered(v: TcbWarm["delivered"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.delivered) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.delivered = v;
  }

  /** See {@link TcbWarm.bytesReceived}. */
  get bytesReceived(): TcbWarm["bytesReceived"] {
    return this.#warm.bytesReceived;
  }
  set bytesReceived(v: TcbWarm["bytesReceived"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.bytesReceived) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.bytesReceived = v;
  }

  /** See {@link TcbWarm.bytesSent}. */
  get bytesSent(): TcbWarm["bytesSent"] {
    return this.#warm.bytesSent;
  }
  set bytesSent(v: TcbWarm["bytesSent"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.bytesSent) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.bytesSent = v;
  }

  /** See {@link TcbWarm.lastDataSent}. */
  get lastDataSent(): TcbWarm["lastDataSent"] {
    return this.#warm.lastDataSent;
  }
  set lastDataSent(v: TcbWarm["lastDataSent"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.lastDataSent) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.lastDataSent = v;
  }

  /** See {@link TcbWarm.rcvSpace}. */
  get rcvSpace(): TcbWarm["rcvSpace"] {
    return this.#warm.rcvSpace;
  }
  set rcvSpace(v: TcbWarm["rcvSpace"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.rcvSpace) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.rcvSpace = v;
  }

  /** See {@link TcbWarm.rcvSpaceCopied}. */
  get rcvSpaceCopied(): TcbWarm["rcvSpaceCopied"] {
    return this.#warm.rcvSpaceCopied;
  }
  set rcvSpaceCopied(v: TcbWarm["rcvSpaceCopied"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.rcvSpaceCopied) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.rcvSpaceCopied = v;
  }

  /** See {@link TcbWarm.rcvSpaceTime}. */
  get rcvSpaceTime(): TcbWarm["rcvSpaceTime"] {
    return this.#warm.rcvSpaceTime;
  }
  set rcvSpaceTime(v: TcbWarm["rcvSpaceTime"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.rcvSpaceTime) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.rcvSpaceTime = v;
  }

  /** See {@link TcbWarm.bytesRead}. */
  get bytesRead(): TcbWarm["bytesRead"] {
    return this.#warm.bytesRead;
  }
  set bytesRead(v: TcbWarm["bytesRead"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.bytesRead) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.bytesRead = v;
  }

  /** See {@link TcbWarm.lastAckRecv}. */
  get lastAckRecv(): TcbWarm["lastAckRecv"] {
    return this.#warm.lastAckRecv;
  }
  set lastAckRecv(v: TcbWarm["lastAckRecv"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.lastAckRecv) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.lastAckRecv = v;
  }

  /** See {@link TcbWarm.chrono}. */
  get chrono(): TcbWarm["chrono"] {
    return this.#warm.chrono;
  }
  set chrono(v: TcbWarm["chrono"]) {
    if (this.#warm === WARM_DEFAULTS) {
      if (v === WARM_DEFAULTS.chrono) return;
      this.#warm = new TcbWarm();
    }
    this.#warm.chrono = v;
  }
}
