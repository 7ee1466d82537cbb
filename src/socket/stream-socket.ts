/**
 * AF_INET SOCK_STREAM sockets (TCP) at the socket layer: Linux's
 * inet_stream_ops — the generic socket states (D2), connect's EINPROGRESS /
 * EALREADY / EISCONN, blocking and timeouts (C1, C2, D7), short writes (E3),
 * end of stream (E4), MSG_PEEK / MSG_WAITALL / MSG_DONTWAIT / MSG_OOB, and
 * the SOL_SOCKET, IPPROTO_IP and IPPROTO_TCP options TCP supports.
 *
 * Linux difference: there are no signals, so writing to a broken
 * connection gives EPIPE with or without MSG_NOSIGNAL (no SIGPIPE).
 */
import { joinBytes } from "../core/bytes.js";
import type { ErrnoCode } from "../core/errno.js";
import { POLL_ALL, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRNORM } from "../core/poll-events.js";
import { Timer } from "../core/scheduler.js";
import { seqLt } from "../core/seq.js";
import type { StackContext } from "../core/stack-context.js";
import type { WaitQueue } from "../core/wait-queue.js";
import type { Tcb } from "../tcp/tcb.js";
import { atUrgentMark, bytesBeforeUrgentMark, urgentReadLimit } from "./urgent-mark.js";
import type { TcpLayer } from "../tcp/tcp-layer.js";
import { TcpState } from "../tcp/tcp-state.js";
import { foOf, TFO_CLIENT_ENABLE } from "../tcp/fastopen.js";
import { SEND_EOR, SEND_FIRST, SEND_LAST, SEND_MORE, SEND_TSTAMP, SEND_TSTAMP_NOWAIT, SEND_ZC } from "../tcp/send-records.js";
import { markTxTimestamp, rxTimestampRead, wantsTxTimestamp } from "../tcp/tx-timestamp.js";
import { notsentFree } from "../tcp/notsent-lowat.js";
import { zeroCopyAcked } from "../tcp/zerocopy.js";
import { recvErrQueue, SCM_TIMESTAMPING } from "./error-queue.js";
import { isPassiveFastOpen } from "../tcp/fastopen-open.js";
import {
  AF_INET, AF_INET6, AF_UNSPEC, FIONREAD, IPPROTO_TCP, MSG_DONTWAIT, MSG_EOR, MSG_ERRQUEUE, MSG_FASTOPEN, MSG_MORE, MSG_ZEROCOPY, MSG_OOB, MSG_PEEK, MSG_TRUNC, MSG_WAITALL, SHUT_RD, SHUT_RDWR, SHUT_WR, SOL_SOCKET,
  SIOCATMARK, SIOCOUTQ, SOCK_STREAM, SOL_TCP,
} from "./constants.js";
import { inetAddr, inetEndpoint, needsScopeId, scopeBinding, scopeIdOf, type SockAddr } from "./sockaddr.js";
import { familyOps, NET_AF_INET6, type InetAddress } from "../net/inet-address.js";
import { SUBCLASS_BITS, Socket, fail, type RecvResult, type SocketState, type SoFlag } from "./socket.js";

/** TCP_CM_INQ, the control message of TCP_INQ (Linux uapi tcp.h: same number as the option). */
const TCP_CM_INQ = 36;
import type { Linger, OptionSpec, OptionValue } from "./options.js";
import { getTcpOption, setTcpOption, type TcpOptionSocket } from "./tcp-sockopt.js";
import { getIpv6Option, newIpv6Opts, setIpv6Option, type Ipv6OptionSocket, type Ipv6Opts } from "./ipv6-sockopt.js";

const EMPTY = new Uint8Array(0);

/** The bytes of a read made of several pieces (one piece: itself, no copy; MSG_TRUNC: none). */
function concat(chunks: readonly Uint8Array[], total: number, flags: number): Uint8Array {
  if (flags & MSG_TRUNC && !(flags & MSG_PEEK)) return EMPTY;
  return joinBytes(chunks, total);
}

/** A stream recvmsg's result: the bytes read (`copied` of them, in `chunks`). */
function recvResult(chunks: readonly Uint8Array[], copied: number, flags: number): RecvResult {
  return { data: concat(chunks, copied, flags), addr: null, flags: 0, length: copied };
}

// StreamSocket's bits of Socket's flag word.
const CONNECTING = SUBCLASS_BITS;
const EVER_CONNECTED = SUBCLASS_BITS << 1;

/** A TCP socket. */
export class StreamSocket extends Socket {
  readonly t: Tcb;
  // SS_CONNECTING while a connect() is in progress, and "was ever
  // connected": two bits of the socket's flag word (memory per connection).
  get #connecting(): boolean {
    return this.bit(CONNECTING);
  }
  set #connecting(v: boolean) {
    this.setBit(CONNECTING, v);
  }
  get #everConnected(): boolean {
    return this.bit(EVER_CONNECTED);
  }
  set #everConnected(v: boolean) {
    this.setBit(EVER_CONNECTED, v);
  }

  constructor(ctx: StackContext, readonly tcp: TcpLayer, t?: Tcb, family: number = AF_INET) {
    super(ctx, family, SOCK_STREAM, IPPROTO_TCP);
    this.t = t ?? tcp.createTcb();
    this.t.inode = this.inode;
    if (t) this.#everConnected = true;
    else if (family === AF_INET6) {
      // An AF_INET6 socket starts on [::], dual stack unless net.ipv6.bindv6only (Linux inet6_create).
      this.t.inet6 = true;
      this.t.v6only = ctx.sysctl.ipv6_bindv6only;
      this.t.localAddr = familyOps(NET_AF_INET6).any;
    }
  }

  get wq(): WaitQueue {
    return this.t.wq;
  }

  poll(): number {
    const m = this.t.poll();
    // stream-socket (syscalls engineer): Linux tcp_poll in TCP_CLOSE reports EPOLLHUP and, unless
    // SEND_SHUTDOWN, EPOLLOUT (a fresh socket polls as 0x14); once tcp_done ran (reset, timeout,
    // refused, finished) sk_shutdown is SHUTDOWN_MASK, adding EPOLLIN|EPOLLRDNORM|EPOLLRDHUP and
    // EPOLLOUT (a reset socket polls as ERR|HUP|IN|OUT). Checked by test/syscalls/linux-errno.test.ts.
    if (this.t.state === TcpState.CLOSE) {
      let x = m | POLLHUP | POLLOUT | POLLWRNORM;
      if (this.#everConnected || this.t.reset || this.t.error) x |= POLLIN | POLLRDNORM | POLLRDHUP;
      return x;
    }
    // TCP_NOTSENT_LOWAT (Linux __sk_stream_is_writeable(sk, 1)): writable only while twice the unsent bytes are below it.
    if (m & POLLOUT && !this.t.sndShutdown && !notsentFree(this.tcp, this.t, true)) return m & ~(POLLOUT | POLLWRNORM);
    return m;
  }

  get socketState(): SocketState {
    const st = this.t.state;
    if (st === TcpState.SYN_SENT || st === TcpState.SYN_RECV) return "SS_CONNECTING";
    if (st === TcpState.CLOSE || st === TcpState.LISTEN) return this.closed ? "SS_FREE" : "SS_UNCONNECTED";
    if (st === TcpState.ESTABLISHED || st === TcpState.CLOSE_WAIT) return "SS_CONNECTED";
    return "SS_DISCONNECTING";
  }

  override bind(addr: SockAddr): void {
    const a = inetEndpoint(this.family, this.t.v6only, null, addr, "bind");
    if (typeof a === "string") fail(a, "bind");
    if (this.t.state !== TcpState.CLOSE) fail("EINVAL", "bind");
    // A link-local address needs its interface (Linux inet6_bind): EINVAL without, ENODEV, EADDRNOTAVAIL off it.
    const dev = scopeBinding(a.addr, scopeIdOf(addr), this.t.boundIf);
    if (dev === "EINVAL") fail("EINVAL", "bind");
    if (needsScopeId(a.addr)) {
      const net = this.tcp.net.of(a.addr);
      if (!net.hasInterface(dev)) fail("ENODEV", "bind");
      if (!this.freebind && !net.isLocalAddress(a.addr, dev)) fail("EADDRNOTAVAIL", "bind");
    }
    const e = this.tcp.bind(this.t, a.addr, a.port, this.freebind);
    if (e) fail(e, "bind");
    this.t.boundIf = dev;
  }

  /** A link-local peer's interface (Linux tcp_v6_connect): the scope id or the bound interface, else EINVAL. */
  #connectScope(raddr: InetAddress, addr: SockAddr, syscall: string): void {
    const dev = scopeBinding(raddr, scopeIdOf(addr), this.t.boundIf);
    if (dev === "EINVAL") fail("EINVAL", syscall);
    this.t.boundIf = dev;
  }

  override listen(backlog: number): void {
    const st = this.t.state;
    if (st !== TcpState.CLOSE && st !== TcpState.LISTEN) fail("EINVAL", "listen");
    if (this.#everConnected || this.#connecting) fail("EINVAL", "listen");
    const e = this.tcp.listen(this.t, backlog, this.inode);
    if (e) fail(e, "listen");
  }

  override async accept(): Promise<{ socket: Socket; addr: SockAddr }> {
    const deadline = this.deadline(this.rcvtimeo);
    for (;;) {
      const t = this.t;
      if (t.state !== TcpState.LISTEN || !t.lq) fail("EINVAL", "accept");
      const child = t.lq.dequeue();
      if (child) {
        const s = new StreamSocket(this.ctx, this.tcp, child, this.family);
        // Options set on the listener carry over (Linux sk_clone_lock).
        s.rcvtimeo = this.rcvtimeo;
        s.sndtimeo = this.sndtimeo;
        return { socket: s, addr: inetAddr(child.remoteAddr, child.remotePort, this.family, child.boundIf) };
      }
      if (this.nonblocking) fail("EAGAIN", "accept");
      if (!(await this.waitUntil(POLLIN, deadline))) fail("EAGAIN", "accept");
    }
  }

  override async connect(addr: SockAddr): Promise<void> {
    const t = this.t;
    const a = inetEndpoint(this.family, t.v6only, t.bindExplicit ? t.localAddr : null, addr, "connect");
    // A malformed or wrong-family address fails before the state checks; the dual-stack rules
    // after them (tcp_v6_connect runs only on an unconnected socket).
    if (a === "EINVAL" || (typeof a === "string" && this.family === AF_INET)) fail(a, "connect");
    if (this.#connecting) {
      // Linux __inet_stream_connect: a TCP_FASTOPEN_CONNECT connection waiting for its first write is connected.
      if (t.fo?.deferred) fail("EISCONN", "connect");
      if (t.state === TcpState.SYN_SENT || t.state === TcpState.SYN_RECV) fail("EALREADY", "connect");
      this.#connecting = false;
      // Linux __inet_stream_connect in SS_CONNECTING with the attempt over: TCP_CLOSE means it
      // failed — report sk_err (ECONNABORTED when SO_ERROR already took it) and disconnect.
      if (t.state === TcpState.CLOSE) this.#connectFailed("connect");
      if (t.error) fail(this.tcp.takeError(t), "connect");
      this.#everConnected = true;
      fail("EISCONN", "connect");
    }
    if (t.state !== TcpState.CLOSE || this.#everConnected) {
      if (t.state === TcpState.CLOSE && t.error) fail(this.tcp.takeError(t), "connect");
      fail("EISCONN", "connect");
    }
    if (typeof a === "string") fail(a, "connect");
    this.#connectScope(a.addr, addr, "connect");
    const e = this.tcp.connect(t, a.addr, a.port, t.fo?.connect ? { defer: true, data: null, taken: 0 } : null);
    if (e) fail(e, "connect");
    this.#connecting = true;
    if (t.fo?.deferred) return; // TCP_FASTOPEN_CONNECT with a cookie: the SYN goes with the first write
    if (this.nonblocking) fail("EINPROGRESS", "connect");
    await this.#waitConnected("connect");
  }

  /**
   * Waits for a handshake in progress. `asConnect`: the wait of
   * __inet_stream_connect (connect, and sendmsg with MSG_FASTOPEN), whose
   * failure disconnects the socket; a plain send waits as
   * sk_stream_wait_connect, which leaves it.
   */
  async #waitConnected(syscall: string, asConnect = syscall === "connect"): Promise<void> {
    const t = this.t;
    const deadline = this.deadline(this.sndtimeo);
    while (t.state === TcpState.SYN_SENT || t.state === TcpState.SYN_RECV) {
      if (!(await this.waitUntil(POLLOUT, deadline))) fail(syscall === "connect" ? "EINPROGRESS" : "EAGAIN", syscall);
    }
    this.#connecting = false;
    if (t.state === TcpState.CLOSE) {
      if (asConnect) this.#connectFailed(syscall);
      fail(t.error ? this.tcp.takeError(t) : "ECONNREFUSED", syscall);
    }
    if (t.error) fail(this.tcp.takeError(t), syscall);
    this.#everConnected = true;
  }

  /**
   * A connect that ended in TCP_CLOSE (refused, reset, timed out, ICMP
   * error): throws its error — ECONNABORTED when SO_ERROR already took it —
   * after disconnecting the socket as Linux's __inet_stream_connect does
   * (`sk->sk_prot->disconnect`: tcp_disconnect clears sk_shutdown and the
   * peer). The socket is then like a fresh one: poll reports POLLOUT|POLLHUP
   * without POLLIN, recv gives ENOTCONN, send EPIPE, and the next connect
   * sends a new SYN (the "retry until the server is up" loop). Checked
   * against Linux 6.x by test/syscalls/freeze.test.ts.
   */
  #connectFailed(syscall: string): never {
    const t = this.t;
    const e = t.error ? this.tcp.takeError(t) : "ECONNABORTED";
    this.tcp.disconnect(t);
    fail(e, syscall);
  }

  async sendmsg(bufs: readonly Uint8Array[], flags: number, addr: SockAddr | null, syscall: string): Promise<number> {
    const t = this.t;
    const z = t.zc;
    if (!(flags & MSG_ZEROCOPY) || !z?.enabled || bufs.every((b) => b.length === 0)) return this.#sendmsg(bufs, flags, addr, syscall, 0);
    // MSG_ZEROCOPY (tcp/zerocopy.ts): an id for this call — joined to the previous one while its data waits
    // in the unsent tail — released when the peer has acknowledged the data; taken back if nothing was queued.
    z.begin(t.dataEnd, z.lastEndsAt(t.dataEnd) && t.sndBuf.tailOpen);
    let n = 0;
    try {
      n = await this.#sendmsg(bufs, flags, addr, syscall, SEND_ZC);
      return n;
    } finally {
      z.end(t.dataEnd, n);
      zeroCopyAcked(this.tcp, t);
    }
  }

  async #sendmsg(bufs: readonly Uint8Array[], flags: number, addr: SockAddr | null, syscall: string, zc: number): Promise<number> {
    const t = this.t;
    // Linux ignores the address on a connected stream socket, except for Fast Open.
    if ((flags & MSG_FASTOPEN) !== 0 || t.fo?.deferred) return this.#sendFastOpen(bufs, flags, addr, syscall);
    if (t.fo?.bsdClient && addr && t.state === TcpState.CLOSE && !this.#connecting && !this.#everConnected) return this.#impliedConnect(bufs, addr, syscall);
    if ((t.state === TcpState.SYN_SENT || t.state === TcpState.SYN_RECV) && !isPassiveFastOpen(t)) {
      if (this.nonblocking || (flags & MSG_DONTWAIT)) fail("EAGAIN", syscall);
      await this.#waitConnected(syscall);
    }
    if (t.state === TcpState.LISTEN || (t.state === TcpState.CLOSE && !this.#everConnected && !t.error)) fail("EPIPE", syscall);
    if (flags & MSG_OOB) this.#markUrgent(bufs);
    const deadline = this.deadline(this.sndtimeo);
    // MSG_MORE (Linux tcp_push with TCP_NAGLE_CORK): this call's data is held as under TCP_CORK — until a later
    // push without it, or the cork ceiling (the probe timer) — while the socket's own TCP_CORK is untouched.
    const more = (flags & MSG_MORE) !== 0 && !t.cork;
    // Where each chunk sits in the message (tcp-layer.ts send): PSH at its end unless MSG_MORE, MSG_EOR's record.
    let lastBuf = bufs.length - 1;
    while (lastBuf > 0 && bufs[lastBuf]!.length === 0) lastBuf--;
    const endFlags = SEND_LAST | (flags & MSG_MORE ? SEND_MORE : 0) | (flags & MSG_EOR ? SEND_EOR : 0);
    // SO_TIMESTAMPING: the chunk that ends the call marks its last byte (tx-timestamp.ts); a return
    // on another path (a full buffer, a timeout) marks it in #stampEnd.
    const nowait = this.nonblocking || (flags & MSG_DONTWAIT) !== 0;
    const tsFlags = wantsTxTimestamp(t) ? SEND_TSTAMP | (nowait ? SEND_TSTAMP_NOWAIT : 0) : 0;
    let sent = 0;
    for (let i = 0; i < bufs.length; i++) {
      const b = bufs[i]!;
      let off = 0;
      while (off < b.length) {
        const r = this.#sendChunk(b, off, (sent === 0 ? SEND_FIRST : 0) | (i === lastBuf ? endFlags : 0) | zc | tsFlags, more);
        if (typeof r === "string") {
          if (sent > 0 && r !== "EAGAIN") return this.#stampEnd(sent, tsFlags);
          if (r !== "EAGAIN") fail(r, syscall);
        } else if (r > 0) {
          off += r;
          sent += r;
          continue;
        }
        // The send buffer is full (or the connection is not ready): block or return what was taken (E3).
        if (nowait) {
          if (sent > 0) return this.#stampEnd(sent, tsFlags);
          fail("EAGAIN", syscall);
        }
        if (!(await this.waitUntil(POLLOUT, deadline))) {
          if (sent > 0) return this.#stampEnd(sent, tsFlags);
          fail("EAGAIN", syscall);
        }
      }
    }
    if (sent === 0 && bufs.every((b) => b.length === 0)) {
      const r = this.tcp.send(t, EMPTY, 0, 0);
      if (typeof r === "string" && r !== "EAGAIN") fail(r, syscall);
    }
    return sent;
  }

  /** One chunk of a sendmsg into TCP; with MSG_MORE (`more`) as under TCP_CORK. A method, not a closure per call (tsx wraps named closures). */
  #sendChunk(b: Uint8Array, off: number, msg: number, more: boolean): number | ErrnoCode {
    const t = this.t;
    if (!more) return this.tcp.send(t, b, off, b.length - off, msg);
    t.cork = true;
    try {
      return this.tcp.send(t, b, off, b.length - off, msg);
    } finally {
      t.cork = false;
    }
  }

  /** A sendmsg returns `sent` > 0 bytes before its last chunk: its last byte is marked for SO_TIMESTAMPING (Linux tcp_tx_timestamp at `out:`). */
  #stampEnd(sent: number, tsFlags: number): number {
    if (tsFlags) markTxTimestamp(this.t);
    return sent;
  }

  /**
   * sendto/sendmsg with MSG_FASTOPEN, or the first write after a deferred
   * TCP_FASTOPEN_CONNECT connect (Linux tcp_sendmsg_fastopen): connect
   * with the data in the SYN (as much as fits, when a cookie is cached).
   * Non-blocking, the call returns the bytes the SYN took, or EINPROGRESS
   * when it took none; blocking, it waits for the handshake and sends the
   * rest as a normal write.
   */
  async #sendFastOpen(bufs: readonly Uint8Array[], flags: number, addr: SockAddr | null, syscall: string): Promise<number> {
    const t = this.t;
    if (!(this.ctx.sysctl.tcp_fastopen & TFO_CLIENT_ENABLE) || addr?.family === AF_UNSPEC) fail("EOPNOTSUPP", syscall);
    let taken = 0;
    if (t.fo?.deferred) {
      taken = this.tcp.sendDeferredSyn(t, bufs);
    } else if (this.#connecting) {
      // Linux __inet_stream_connect from sendmsg in SS_CONNECTING: a handshake in progress is EALREADY without waiting,
      // a blocking call waits for it; an attempt that ended connects the socket (SS_CONNECTED) and this call is a
      // plain send — only from then on is MSG_FASTOPEN EISCONN.
      const dontWait = this.nonblocking || (flags & MSG_DONTWAIT) !== 0;
      if ((t.state === TcpState.SYN_SENT || t.state === TcpState.SYN_RECV) && dontWait) fail("EALREADY", syscall);
      await this.#waitConnected(syscall, true);
      return this.#sendmsg(bufs, flags & ~MSG_FASTOPEN, null, syscall, 0);
    } else if (t.state !== TcpState.CLOSE || this.#everConnected) {
      fail("EISCONN", syscall);
    } else {
      if (!addr) fail("EDESTADDRREQ", syscall);
      const a = inetEndpoint(this.family, t.v6only, t.bindExplicit ? t.localAddr : null, addr, "connect");
      if (typeof a === "string") fail(a, syscall);
      this.#connectScope(a.addr, addr, syscall);
      const fo = { defer: false, data: bufs, taken: 0 };
      const e = this.tcp.connect(t, a.addr, a.port, fo);
      if (e) fail(e, syscall);
      this.#connecting = true;
      taken = fo.taken;
    }
    if (this.nonblocking || (flags & MSG_DONTWAIT)) {
      if (taken > 0) return taken;
      fail("EINPROGRESS", syscall);
    }
    // Linux inet_wait_for_connect's writebias: a writer waits (sk_write_pending, the SYN-ACK's ACK is delayed
    // to leave with its data) only when the SYN did not take all of it (tcp_send_syn_data clears fo->data).
    foOf(t).writePending = taken < bufs.reduce((n, b) => n + b.length, 0);
    try {
      await this.#waitConnected(syscall, true);
    } finally {
      foOf(t).writePending = false;
    }
    // The rest of the write, after what the SYN carried.
    const rest: Uint8Array[] = [];
    let skip = taken;
    for (const b of bufs) {
      if (skip >= b.length) {
        skip -= b.length;
        continue;
      }
      rest.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
    if (rest.length === 0) return taken;
    return taken + await this.#sendmsg(rest, flags & ~MSG_FASTOPEN, null, syscall, 0);
  }

  /**
   * FreeBSD's sendto on a `TCP_FASTOPEN` client socket (tcp_usr_send with
   * an address): an implied connect, the data in the SYN when a cookie is
   * cached, otherwise queued for after the handshake; returns at once with
   * the bytes queued.
   */
  #impliedConnect(bufs: readonly Uint8Array[], addr: SockAddr, syscall: string): number {
    const t = this.t;
    const a = inetEndpoint(this.family, t.v6only, t.bindExplicit ? t.localAddr : null, addr, "connect");
    if (typeof a === "string") fail(a, syscall);
    this.#connectScope(a.addr, addr, syscall);
    const fo = { defer: false, data: bufs, taken: 0, queueAll: true };
    const e = this.tcp.connect(t, a.addr, a.port, fo);
    if (e) fail(e, syscall);
    this.#connecting = true;
    return fo.taken;
  }

  /** MSG_OOB: the last byte of this send is urgent (RFC 9293 §3.8.5, Linux's urgent pointer after it). */
  #markUrgent(bufs: readonly Uint8Array[]): void {
    let total = 0;
    for (const b of bufs) total += b.length;
    if (total > 0) this.t.sndUp = (this.t.dataEnd + total) >>> 0;
  }

  /**
   * recvmsg (Linux tcp_recvmsg_locked): returns once `target` bytes are in —
   * all `len` with MSG_WAITALL, else SO_RCVLOWAT of them — or at end of
   * stream, an error, a timeout (with what was copied) or, non-blocking,
   * with whatever is queued. A blocking read short of its target takes what
   * is queued and sleeps for more (so a target larger than the receive
   * buffer still completes: the window reopens as the reader drains it); a
   * peek copies nothing out and waits until the target is queued.
   */
  async recvmsg(len: number, flags: number, syscall: string): Promise<RecvResult> {
    if (flags & MSG_ERRQUEUE) return recvErrQueue(this.t, this.family, len, syscall);
    const r = await this.#recvmsg(len, flags, syscall);
    const t = this.t;
    // SO_TIMESTAMPING's receive software timestamp (Linux tcp_recv_timestamp): when the last byte read arrived.
    if (t.zc?.ts && r.data.length > 0 && !(flags & MSG_OOB)) {
      const next = (t.rcvNxt - t.rcvBuf.length) >>> 0; // copied_seq
      const peek = (flags & MSG_PEEK) !== 0;
      const at = rxTimestampRead(t, peek ? (next + r.data.length - 1) >>> 0 : (next - 1) >>> 0, next, peek);
      if (at >= 0) (r.control ??= []).push({ level: SOL_SOCKET, type: SCM_TIMESTAMPING, data: { scm_sec: Math.floor(at / 1e6), scm_nsec: (at % 1e6) * 1000 } });
    }
    // TCP_INQ (Linux tcp_recvmsg: TCP_CM_INQ with tcp_inq_hint after the copy).
    if (this.stored.get("TCP_INQ")) (r.control ??= []).push({ level: SOL_TCP, type: TCP_CM_INQ, data: this.#inqHint() });
    return r;
  }

  /**
   * Linux tcp_inq_hint: rcv_nxt − copied_seq, so a received FIN the reader
   * has not passed counts 1; 0 on a finished connection (SOCK_DONE) is
   * reported as 1, telling the reader to read on (and see end of stream).
   */
  #inqHint(): number {
    const t = this.t;
    const inq = t.rcvBuf.length + (t.finReceived ? 1 : 0);
    return inq === 0 && t.state === TcpState.CLOSE && this.#everConnected ? 1 : inq;
  }

  async #recvmsg(len: number, flags: number, syscall: string): Promise<RecvResult> {
    const t = this.t;
    if (len < 0) fail("EINVAL", syscall);
    if (flags & MSG_OOB) return this.#recvOob(flags, syscall);
    if (len === 0) return { data: EMPTY, addr: null, flags: 0, length: 0 };
    const peek = (flags & MSG_PEEK) !== 0;
    const nonblock = this.nonblocking || (flags & MSG_DONTWAIT) !== 0;
    // Linux sock_rcvlowat: MSG_WAITALL waits for all `len` bytes, else SO_RCVLOWAT of them.
    const target = flags & MSG_WAITALL ? len : Math.max(1, Math.min(t.rcvLowat, len));
    const deadline = this.deadline(this.rcvtimeo);
    const chunks: Uint8Array[] = [];
    let copied = 0;
    for (;;) {
      if (t.state === TcpState.LISTEN) fail("ENOTCONN", syscall);
      const avail = t.rcvBuf.length;
      // Linux tcp_recvmsg: a read does not cross the urgent mark once it has copied bytes (urgent-mark.ts).
      const upTo = urgentReadLimit(t, avail, copied);
      if (peek) {
        if (upTo >= target || (upTo > 0 && (upTo < avail || nonblock || t.error || this.#eof()))) {
          copied = Math.min(len, upTo);
          chunks.push(this.#take(copied, flags));
          return recvResult(chunks, copied, flags);
        }
      } else if (upTo > 0) {
        const n = Math.min(len - copied, upTo);
        chunks.push(this.#take(n, flags));
        copied += n;
        if (copied >= target) return recvResult(chunks, copied, flags);
      }
      if (copied > 0 && bytesBeforeUrgentMark(t) === 0) return recvResult(chunks, copied, flags);
      // Nothing more queued.
      if (copied > 0 && (nonblock || t.error || this.#eof())) return recvResult(chunks, copied, flags);
      if (copied === 0 && avail === 0) {
        // Linux tcp_recvmsg_locked tests SOCK_DONE (a FIN was received) before sk_err: after the
        // peer's FIN a read is end of stream even when a RST came next (CLOSE-WAIT's EPIPE, or
        // ECONNRESET in CLOSING, stays pending for the next send or SO_ERROR).
        if (t.error && !t.finReceived) fail(this.tcp.takeError(t), syscall);
        if (this.#eof()) {
          if (t.state === TcpState.CLOSE && !this.#everConnected && !t.reset) fail("ENOTCONN", syscall);
          if (t.finReceived && !peek) t.finRead = true;
          return { data: EMPTY, addr: null, flags: 0, length: 0 };
        }
      }
      if (nonblock) fail("EAGAIN", syscall);
      // Wait for the next data, EOF or error — a change, not the readiness level, which may
      // already be true (POLLIN short of MSG_WAITALL / SO_RCVLOWAT, POLLPRI with only urgent data).
      if (!(await this.waitUntil(POLLIN, deadline))) {
        // SO_RCVTIMEO: what was copied, or what is queued, or EAGAIN.
        if (copied === 0 && t.rcvBuf.length > 0) {
          copied = Math.min(len, urgentReadLimit(t, t.rcvBuf.length, 0));
          chunks.push(this.#take(copied, flags));
        }
        if (copied > 0) return recvResult(chunks, copied, flags);
        fail("EAGAIN", syscall);
      }
    }
  }

  /** Takes `n` queued bytes for a recvmsg with `flags` (MSG_PEEK copies, MSG_TRUNC discards). A method, not a closure per call. */
  #take(n: number, flags: number): Uint8Array {
    const t = this.t;
    if (flags & MSG_PEEK) return t.rcvBuf.peek(n);
    let data: Uint8Array;
    if (flags & MSG_TRUNC) {
      t.rcvBuf.skip(n);
      data = EMPTY;
    } else data = t.rcvBuf.read(n);
    this.tcp.afterRead(t, n);
    return data;
  }

  /** End of stream for reads: FIN received, SHUT_RD, or the connection is gone. */
  #eof(): boolean {
    const t = this.t;
    return t.finReceived || t.rcvShutdown || t.state === TcpState.CLOSE;
  }

  /** recv(MSG_OOB): the urgent byte (C8), EINVAL when there is none or it is inline. */
  #recvOob(flags: number, syscall: string): RecvResult {
    const t = this.t;
    bytesBeforeUrgentMark(t); // forgets a mark the reader has passed, and its byte (Linux: urg_data cleared)
    if (t.oobInline || t.urgByte < 0) fail(t.urgByte < 0 && t.urgSeq >= 0 ? "EAGAIN" : "EINVAL", syscall);
    const b = new Uint8Array([t.urgByte]);
    if (!(flags & MSG_PEEK)) t.urgByte = -1;
    return { data: b, addr: null, flags: MSG_OOB, length: 1 };
  }

  override shutdown(how: number): void {
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) fail("EINVAL", "shutdown");
    const t = this.t;
    switch (t.state) {
      case TcpState.CLOSE:
        fail("ENOTCONN", "shutdown");
        break;
      case TcpState.LISTEN:
        // Linux: shutdown(SHUT_RD/RDWR) on a listener stops it; SHUT_WR alone does nothing.
        if (how === SHUT_WR) fail("ENOTCONN", "shutdown");
        this.tcp.close(t);
        t.orphan = false;
        return;
      case TcpState.SYN_SENT:
        this.tcp.abort(t, null, false);
        return;
    }
    this.tcp.shutdown(t, how !== SHUT_WR, how !== SHUT_RD);
  }

  async release(): Promise<void> {
    const t = this.t;
    this.closed = true;
    if (t.state === TcpState.CLOSE) {
      this.tcp.releasePort(t);
      t.orphan = true;
      this.tcp.destroy(t);
      this.tcp.releasePort(t);
      return;
    }
    this.tcp.close(t);
    const state = (): TcpState => t.state;
    if (t.lingerOn && t.lingerTime > 0 && state() !== TcpState.CLOSE) {
      // SO_LINGER with a timeout: close() waits until the data and FIN are acknowledged (C6).
      const deadline = this.ctx.scheduler.now() + t.lingerTime;
      while (state() !== TcpState.CLOSE && state() !== TcpState.TIME_WAIT && state() !== TcpState.FIN_WAIT2 && seqLt(t.sndUna, t.sndMax)) {
        const left = deadline - this.ctx.scheduler.now();
        if (left <= 0) break;
        // Wait for the next event on the socket (an ACK, a reset), not for a readiness level:
        // a closed socket is always "writable" (POLLOUT), which would never block.
        if (!(await this.#nextEvent(left))) break;
      }
    }
  }

  /** Resolves true at the next wake-up of the socket's wait queue, false after `timeout` µs (0: never). */
  #nextEvent(timeout: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const wq = this.wq;
      const sched = this.ctx.scheduler;
      const timer = new Timer(() => {
        wq.remove(waiter);
        this.ctx.notifyWake();
        resolve(false);
      });
      const waiter = {
        mask: POLL_ALL,
        wake: () => {
          wq.remove(waiter);
          sched.disarm(timer);
          this.ctx.notifyWake();
          resolve(true);
        },
      };
      wq.add(waiter);
      if (timeout > 0) sched.armIn(timer, timeout);
    });
  }

  getsockname(): SockAddr {
    return inetAddr(this.t.localAddr, this.t.localPort, this.family, this.t.boundIf);
  }

  getpeername(): SockAddr {
    const st = this.t.state;
    if (st === TcpState.LISTEN || st === TcpState.SYN_SENT || (st === TcpState.CLOSE && !this.#everConnected) || st === TcpState.CLOSE) fail("ENOTCONN", "getpeername");
    return inetAddr(this.t.remoteAddr, this.t.remotePort, this.family, this.t.boundIf);
  }

  override ioctl(request: number): number {
    const t = this.t;
    if (request === FIONREAD) {
      if (t.state === TcpState.LISTEN) fail("EINVAL", "ioctl");
      return t.rcvBuf.length;
    }
    if (request === SIOCOUTQ) {
      if (t.state === TcpState.LISTEN) fail("EINVAL", "ioctl");
      return t.sndBuf.length;
    }
    if (request === SIOCATMARK) return atUrgentMark(t); // Linux tcp_ioctl: 0 on a listener, no EINVAL
    fail("ENOTTY", "ioctl");
  }

  // SOL_SOCKET state TCP acts on lives in the TCB (the base class implements the options).
  protected override soFlag(name: SoFlag): boolean {
    const t = this.t;
    switch (name) {
      case "SO_REUSEADDR": return t.reuseAddr;
      case "SO_REUSEPORT": return t.reusePort;
      case "SO_KEEPALIVE": return t.keepalive;
      case "SO_OOBINLINE": return t.oobInline;
    }
    return super.soFlag(name);
  }
  protected override setSoFlag(name: SoFlag, on: boolean): void {
    const t = this.t;
    switch (name) {
      case "SO_REUSEADDR": t.reuseAddr = on; return;
      case "SO_REUSEPORT": t.reusePort = on; return;
      case "SO_KEEPALIVE": t.keepalive = on; this.tcp.resetKeepalive(t); return;
      case "SO_OOBINLINE": t.oobInline = on; return;
    }
    super.setSoFlag(name, on);
  }
  protected override get soRcvLowat(): number {
    return this.t.rcvLowat;
  }
  protected override set soRcvLowat(v: number) {
    this.t.rcvLowat = v;
  }
  protected override get soLinger(): Linger {
    return { l_onoff: this.t.lingerOn ? 1 : 0, l_linger: Math.floor(this.t.lingerTime / 1_000_000) };
  }
  protected override set soLinger(l: Linger) {
    this.t.lingerOn = l.l_onoff !== 0;
    this.t.lingerTime = l.l_linger * 1_000_000;
  }
  protected get soSndbuf(): number {
    return this.t.sndBuf.capacity;
  }
  /** A user's SO_SNDBUF also stops send-buffer autotuning (Linux SOCK_SNDBUF_LOCK). */
  protected set soSndbuf(bytes: number) {
    this.t.sndBuf.capacity = bytes;
    this.t.sndbufLocked = true;
  }
  protected get soRcvbuf(): number {
    return this.t.rcvBuf.rcvbuf;
  }
  /** A user's SO_RCVBUF also stops receive-buffer autotuning (Linux SOCK_RCVBUF_LOCK). */
  protected set soRcvbuf(bytes: number) {
    this.t.rcvBuf.rcvbuf = bytes;
    this.t.rcvbufLocked = true;
  }
  protected takeSoError(): ErrnoCode | null {
    return this.t.error ? this.tcp.takeError(this.t) : null;
  }
  protected override get soAcceptConn(): boolean {
    return this.t.state === TcpState.LISTEN;
  }

  /** The view of this socket the option handlers of tcp-sockopt.ts take. */
  get #optionSocket(): TcpOptionSocket {
    return { ctx: this.ctx, tcp: this.tcp, t: this.t, family: this.family, stored: () => this.stored };
  }

  /** The view of this socket the IPPROTO_IPV6 handlers of ipv6-sockopt.ts take. */
  get #ipv6Socket(): Ipv6OptionSocket {
    const t = this.t;
    const ctx = this.ctx;
    return {
      family: this.family, portBound: t.portHeld, stream: true, opts: (this.#v6opts ??= newIpv6Opts()),
      get v6only() { return t.v6only; }, set v6only(v: boolean) { t.v6only = v; },
      // The hop limit and traffic class live in the TCB: every segment, SYN-ACKs and accepted children included.
      get hopLimit() { return t.hopLimit6; }, set hopLimit(v: number) { t.hopLimit6 = v; },
      get tclass() { return t.tclass6; }, set tclass(v: number) { t.tclass6 = v; },
      connectedMtu: () => (t.state === TcpState.CLOSE || t.state === TcpState.LISTEN ? null : t.pmtu),
      defaultHopLimit: () => ctx.sysctl.ipv6_hop_limit,
    };
  }
  /** IPPROTO_IPV6 settings TCP stores but does not act on (IPV6_MTU_DISCOVER, IPV6_RECVERR…), made on first use. */
  #v6opts: Ipv6Opts | undefined;

  protected override setOption(o: OptionSpec, value: OptionValue): boolean {
    return setIpv6Option(this.#ipv6Socket, o, value) || setTcpOption(this.#optionSocket, o, value) || super.setOption(o, value);
  }

  protected override getOption(o: OptionSpec): OptionValue | undefined {
    return getIpv6Option(this.#ipv6Socket, o) ?? getTcpOption(this.#optionSocket, o) ?? super.getOption(o);
  }
}
