/**
 * TCP for one host, the façade: the state one host's TCP owns (connection
 * tables, ISN and SYN-cookie secrets, port allocator, TIME-WAIT queue,
 * input scratch) and the calls the socket layer makes (bind, connect,
 * listen, send, read accounting, shutdown, close, abort). The work is done
 * in the modules by concern — src/tcp/README.md maps them: input.ts
 * (demultiplexing), open.ts, setup.ts, listen.ts, segment-arrives.ts,
 * ack.ts, rcv.ts, output.ts, timers.ts, lifecycle.ts, ports.ts.
 */
import type { ErrnoCode } from "../core/errno.js";
import { POLLOUT, POLLWRNORM } from "../core/poll-events.js";
import type { StackContext } from "../core/stack-context.js";
import type { Micros } from "../core/time.js";
import type { Timer } from "../core/scheduler.js";
import { addrKey, type InetAddress } from "../net/inet-address.js";
import type { NetIcmpError, NetRx, NetStack } from "../net/network-layer.js";
import { IPPROTO_TCP } from "../wire/ipv4.js";
import type { Packet } from "../wire/packet.js";
import { afterRead } from "./autotune.js";
import { tcpIcmpError } from "./icmp-error.js";
import { InputScratch, tcpInput } from "./input.js";
import { IsnGenerator } from "./isn.js";
import { FastOpenHost } from "./fastopen.js";
import { isPassiveFastOpen, releasePassive } from "./fastopen-open.js";
import { abort, close, destroy, destroyTimeWait, disconnect, kill, releasePort, shutdown } from "./lifecycle.js";
import { connect, listen, sendFirstSyn, type FastOpenConnect } from "./open.js";
import { pipeBytes, slowStartAfterIdle, tcpOutput } from "./output.js";
import { rateOnWrite } from "./rate-control.js";
import type { TcpPersonality } from "./personality/personality.js";
import { TCP_PERSONALITIES } from "./personality/registry.js";
import { hash4, PortAllocator } from "./ports.js";
import { SEND_EOR, SEND_FIRST, SEND_LAST, SEND_MORE, SEND_TSTAMP, SEND_TSTAMP_NOWAIT, SEND_ZC } from "./send-records.js";
import { markTxTimestamp } from "./tx-timestamp.js";
import { MAX_SKB_FRAGS } from "./zerocopy.js";
import { SynCookies } from "./syncookie.js";
import { TcpTables, type TcpSock } from "./tables.js";
import { Tcb } from "./tcb.js";
import { TcpState } from "./tcp-state.js";
import { onTcbTimer } from "./timer-expiry.js";
import { keepCnt, keepIdle, keepIntvl, resetKeepalive } from "./timers.js";
import { TimeWaitQueue, TimeWaitSock } from "./timewait.js";
import { chronoNoSpace, chronoStart, TCP_CHRONO_BUSY } from "./chrono.js";
import { NOTSENT_LOWAT_NONE, notsentFree, notsentLowat, writeTakes, writeUnderLowat } from "./notsent-lowat.js";

export { TCP_TIMEWAIT_LEN } from "./constants.js";

/** An observer of TCP state transitions, of connections and TIME-WAIT records alike. */
export type TcpStateTrace = (sock: TcpSock, from: TcpState, to: TcpState) => void;

/** The TCP module of one host. */
export class TcpLayer {
  readonly tables = new TcpTables();
  readonly isn: IsnGenerator;
  readonly cookies: SynCookies;
  /** Fast Open: the server keys, the client's cookie cache, the blackhole detection (fastopen.ts). */
  readonly fastopen: FastOpenHost;
  /** Observer of every state transition (traces, ladder diagrams). */
  trace: TcpStateTrace | null = null;
  readonly #hashKey: number;
  /** Ephemeral ports for bind() and connect(). */
  readonly ports: PortAllocator;
  /** TIME-WAIT records in expiry order. */
  readonly timeWait: TimeWaitQueue;
  /** Scratch records reused by input for every segment of this host (never shared between hosts). */
  readonly rx = new InputScratch();

  constructor(
    readonly ctx: StackContext,
    /** The host's network layers; TCP reaches each through `net.of(address)`. */
    readonly net: NetStack,
  ) {
    this.isn = new IsnGenerator(ctx.rng.fork("tcp-isn"));
    this.cookies = new SynCookies(ctx.rng.fork("tcp-cookies"));
    // The key is drawn when first needed, so hosts that never serve Fast Open draw nothing (same seed, same packets).
    this.fastopen = new FastOpenHost(() => ctx.rng.fork("tcp-fastopen"));
    this.#hashKey = ctx.rng.u32();
    this.ports = new PortAllocator(ctx, net, this.tables, this.#hashKey);
    this.timeWait = new TimeWaitQueue(ctx.scheduler, (tw) => destroyTimeWait(this, tw));
    net.registerTransport(IPPROTO_TCP, {
      input: (p: Packet, rx: NetRx) => tcpInput(this, p, rx),
      icmpError: (err: NetIcmpError) => tcpIcmpError(this, err),
    });
  }

  /** The one timer callback shared by every TCB of this host. */
  readonly #onTimer = (now: Micros, timer: Timer): void => onTcbTimer(this, timer as Tcb, now);

  /** TCP's behaviour where kernels differ, as the `tcp_personality` sysctl selects it (personality/). */
  get personality(): TcpPersonality {
    return TCP_PERSONALITIES[this.ctx.sysctl.tcp_personality];
  }

  /** Hash used for SO_REUSEPORT selection. */
  tupleHash(saddr: InetAddress, sport: number, daddr: InetAddress, dport: number): number {
    return hash4(addrKey(saddr), addrKey(daddr), ((sport << 16) | dport) >>> 0, this.#hashKey);
  }

  /** A new connection block with the host's defaults (buffers, congestion control, keepalive times). */
  createTcb(): Tcb {
    const s = this.ctx.sysctl;
    // An unknown tcp_congestion_control falls back to cubic when the algorithm is first needed.
    return new Tcb(s.tcp_wmem[1], s.tcp_rmem[1], s.tcp_congestion_control, s.tcp_rto_min, this.#onTimer);
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
    // A Fast Open child leaving SYN-RECV leaves its listener's Fast Open queue.
    if (from === TcpState.SYN_RECV && t.fo !== null) releasePassive(t);
    t.setState(to, this.trace ?? undefined);
  }

  // ---- the socket layer's calls ------------------------------------------

  /** bind(): claims `addr:port` (0 = an ephemeral port) for `t` (ports.ts). */
  bind(t: Tcb, addr: InetAddress, port: number, nonlocal = false): ErrnoCode | null {
    return this.ports.bind(t, addr, port, nonlocal);
  }

  /** connect(): the active open (open.ts). */
  connect(t: Tcb, raddr: InetAddress, rport: number, fastOpen: FastOpenConnect | null = null): ErrnoCode | null {
    return connect(this, t, raddr, rport, fastOpen);
  }

  /** The first write of a TCP_FASTOPEN_CONNECT connection whose connect() returned at once: the SYN goes with `bufs`. Returns the bytes it took. */
  sendDeferredSyn(t: Tcb, bufs: readonly Uint8Array[]): number {
    t.fo!.deferred = false;
    return sendFirstSyn(this, t, bufs);
  }

  /** listen(backlog): the passive open (open.ts). */
  listen(t: Tcb, backlog: number, inode: number): ErrnoCode | null {
    return listen(this, t, backlog, inode);
  }

  /**
   * Queues up to `len` bytes of `data` for sending (one copy, D5) and runs
   * output. Returns the bytes queued (0 when the buffer is full) or an errno.
   * `msg` says where the chunk sits in its sendmsg (Linux tcp_sendmsg_locked,
   * send-records.ts): SEND_FIRST — its first byte clears the open record's
   * PSH; SEND_LAST — the message ends here: PSH unless SEND_MORE
   * (MSG_MORE), the record closed under SEND_EOR (MSG_EOR), then output.
   * A middle chunk queues without output unless the buffer filled (then,
   * as Linux before it waits, PSH and output). SEND_TSTAMP (SO_TIMESTAMPING
   * records transmit timestamps): the chunk that ends the call — taken whole
   * with SEND_LAST, or in part under SEND_TSTAMP_NOWAIT — marks the call's
   * last byte before output (tx-timestamp.ts). Default: a whole message.
   */
  send(t: Tcb, data: Uint8Array, off: number, len: number, msg = SEND_FIRST | SEND_LAST): number | ErrnoCode {
    if (t.error) return this.takeError(t);
    if (t.sndShutdown) return "EPIPE";
    const st = t.state;
    // Linux tcp_sendmsg_locked: a passive Fast Open child may send before the handshake completes.
    if (st !== TcpState.ESTABLISHED && st !== TcpState.CLOSE_WAIT && !isPassiveFastOpen(t)) return st === TcpState.CLOSE ? (t.reset ? "EPIPE" : "ENOTCONN") : "EAGAIN";
    const idle = t.sndUna === t.sndMax && t.unsentBytes === 0;
    const sb = t.sndBuf;
    // The first byte clears the tail's PSH when it is taken (Linux personality: into the tail skb even above sk_sndbuf).
    if (msg & SEND_FIRST && len > 0 && (sb.space() > 0 || (this.personality.writeRecords && writeTakes(t)))) sb.unmarkPush();
    // MSG_ZEROCOPY: each chunk is a fragment of user memory; a full skb is closed (Linux: tcp_mark_push, new_segment).
    if (msg & SEND_ZC && len > 0 && sb.space() > 0 && sb.tailFragments >= MAX_SKB_FRAGS) {
      sb.markPush();
      sb.closeRecord();
    }
    // Linux tcp_rate_check_app_limited, before the bytes are queued (rate-based congestion control only).
    if (t.sentLog !== null && t.sentLog.rate !== null) rateOnWrite(this, t, idle, Math.ceil(pipeBytes(t) / t.mss));
    const unsentBefore = t.unsentBytes;
    // TCP_NOTSENT_LOWAT (notsent-lowat.ts): no new skb while that many bytes wait unsent.
    const lowat = notsentLowat(this, t);
    // Linux's skbs of size_goal (forced_push inside a long write) under the Linux personality.
    const n = lowat < NOTSENT_LOWAT_NONE || this.personality.writeRecords ? writeUnderLowat(this, t, data, off, len, lowat) : sb.write(data, off, len);
    // The buffer is full for this writer (Linux sets SOCK_NOSPACE at wait_for_space).
    if (n < len) chronoNoSpace(t);
    if (n > 0) {
      // Data queued behind no unsent data: the connection is busy (Linux tcp_add_write_queue_tail).
      if (unsentBefore === 0) chronoStart(t, TCP_CHRONO_BUSY, this.ctx.scheduler.now());
      if (msg & SEND_ZC) sb.addFragment();
      if (n < len) sb.markPush();
      else if (msg & SEND_LAST) {
        if (!(msg & SEND_MORE)) sb.markPush();
        if (msg & SEND_EOR) sb.closeRecord();
      }
      if (idle) slowStartAfterIdle(this, t);
      // SO_TIMESTAMPING: the sendmsg's last byte is marked before the push that may send it (Linux tcp_tx_timestamp).
      if (msg & SEND_TSTAMP && (n < len ? msg & SEND_TSTAMP_NOWAIT : msg & SEND_LAST)) markTxTimestamp(t);
      if (n < len || msg & SEND_LAST) tcpOutput(this, t);
    }
    return n;
  }

  /** Linux sk_stream_write_space: wakes writers when the socket is writable (TCP_NOTSENT_LOWAT changed). */
  writeSpace(t: Tcb): void {
    if (t.sndBuf.isWritable() && notsentFree(this, t, true)) {
      t.wake(POLLOUT | POLLWRNORM);
      this.ctx.notifyWake();
    }
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

  /** After the application read `n` bytes: autotuning and window updates (autotune.ts). */
  afterRead(t: Tcb, n: number): void {
    afterRead(this, t, n);
  }

  /** shutdown(): SHUT_RD and/or SHUT_WR (lifecycle.ts). */
  shutdown(t: Tcb, rd: boolean, wr: boolean): void {
    shutdown(this, t, rd, wr);
  }

  /** close() of the last reference: FIN or RST, then an orphan (lifecycle.ts). */
  close(t: Tcb): void {
    close(this, t);
  }

  /** Aborts a connection, optionally with RST, recording `err` for the socket (lifecycle.ts). */
  abort(t: Tcb, err: ErrnoCode | null, sendRst: boolean): void {
    abort(this, t, err, sendRst);
  }

  /** Moves `t` to CLOSED and frees everything it holds (lifecycle.ts). */
  destroy(t: Tcb): void {
    destroy(this, t);
  }

  /** Frees whatever a connection or TIME-WAIT record holds (lifecycle.ts). */
  kill(s: TcpSock): void {
    kill(this, s);
  }

  /** Makes a socket whose connect failed like a fresh one (lifecycle.ts). */
  disconnect(t: Tcb): void {
    disconnect(t);
  }

  /** Releases the port of a closed, never-orphaned socket being closed by the user (lifecycle.ts). */
  releasePort(t: Tcb): void {
    releasePort(this, t);
  }

  /** (Re)starts keepalive after SO_KEEPALIVE or TCP_KEEPIDLE changed (timers.ts). */
  resetKeepalive(t: Tcb): void {
    resetKeepalive(this, t);
  }

  /** The effective keepalive idle time (TCP_KEEPIDLE or the sysctl). */
  keepIdle(t: Tcb): Micros {
    return keepIdle(this, t);
  }

  /** The effective keepalive probe interval (TCP_KEEPINTVL or the sysctl). */
  keepIntvl(t: Tcb): Micros {
    return keepIntvl(this, t);
  }

  /** The effective keepalive probe count (TCP_KEEPCNT or the sysctl). */
  keepCnt(t: Tcb): number {
    return keepCnt(this, t);
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

