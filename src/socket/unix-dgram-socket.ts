/**
 * AF_UNIX SOCK_DGRAM sockets (E7): reliable, ordered datagrams between
 * sockets of one host, addressed by name. Errnos follow Linux's
 * unix_dgram_connect / unix_dgram_sendmsg (checked against the kernel by
 * test/syscalls/linux-probe.py): no such name ENOENT, a stale socket file
 * or a closed peer ECONNREFUSED, a stream socket EPROTOTYPE, a receiver
 * connected to somebody else EPERM, no destination ENOTCONN (UDP says
 * EDESTADDRREQ), more than SO_SNDBUF − 32 bytes EMSGSIZE. A receiver holds
 * at most `max_dgram_qlen` + 1 datagrams (Linux default 10, so 11); then a
 * sender blocks, or gets EAGAIN when non-blocking. Nothing is ever dropped.
 */
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRBAND, POLLWRNORM } from "../core/poll-events.js";
import { gatherCopy } from "../core/bytes.js";
import type { StackContext } from "../core/stack-context.js";
import { AF_UNSPEC, FIONREAD, MSG_DONTWAIT, MSG_OOB, MSG_PEEK, MSG_TRUNC, SHUT_RD, SHUT_RDWR, SHUT_WR, SIOCATMARK, SIOCOUTQ, SOCK_DGRAM } from "./constants.js";
import type { SockAddr } from "./sockaddr.js";
import { fail, type RecvResult, type SocketState } from "./socket.js";
import type { UnixNamespace } from "./unix-namespace.js";
import { RCV_SHUTDOWN, SEND_SHUTDOWN, SHUTDOWN_MASK, UnixSocket } from "./unix-socket.js";

/** net.unix.max_dgram_qlen (Linux default 10). */
export const UNIX_MAX_DGRAM_QLEN = 10;

interface Datagram {
  data: Uint8Array;
  from: string;
}

/** An AF_UNIX datagram socket. */
export class UnixDgramSocket extends UnixSocket {
  /** The default destination set by connect, or null. */
  peer: UnixDgramSocket | null = null;
  #rq: Datagram[] = [];

  constructor(ctx: StackContext, ns: UnixNamespace<UnixSocket>) {
    super(ctx, ns, SOCK_DGRAM);
  }

  /** Connects two fresh sockets to each other (socketpair(2)). */
  static pair(a: UnixDgramSocket, b: UnixDgramSocket): void {
    a.#setPeer(b);
    b.#setPeer(a);
  }

  get socketState(): SocketState {
    if (this.closed) return "SS_FREE";
    return this.peer ? "SS_CONNECTED" : "SS_UNCONNECTED";
  }

  /** Datagrams waiting (ss Recv-Q counts bytes). */
  get recvQ(): number {
    let n = 0;
    for (const d of this.#rq) n += d.data.length;
    return n;
  }

  hasRoom(): boolean {
    return this.#rq.length <= UNIX_MAX_DGRAM_QLEN;
  }

  /** Linux unix_dgram_poll. */
  poll(): number {
    let m = 0;
    if (this.error) m |= POLLERR;
    if (this.shutdownBits === SHUTDOWN_MASK) m |= POLLHUP;
    if (this.shutdownBits & RCV_SHUTDOWN) m |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (this.#rq.length) m |= POLLIN | POLLRDNORM;
    // Writable unless our connected peer's queue is full (and it is not connected back to us).
    const p = this.peer;
    const blocked = p && !p.closed && p.peer !== this && !p.hasRoom();
    if (!blocked) m |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return m;
  }

  override async connect(addr: SockAddr): Promise<void> {
    if (addr.family === AF_UNSPEC) {
      this.#setPeer(null);
      return;
    }
    this.#setPeer(this.resolve(addr, "connect") as UnixDgramSocket);
  }

  async sendmsg(bufs: readonly Uint8Array[], flags: number, addr: SockAddr | null, syscall: string): Promise<number> {
    if (flags & MSG_OOB) fail("EOPNOTSUPP", syscall);
    let total = 0;
    for (const b of bufs) total += b.length;
    if (total > this.sndbuf - 32) fail("EMSGSIZE", syscall);
    const deadline = this.deadline(this.sndtimeo);
    for (;;) {
      let other: UnixDgramSocket;
      if (addr && addr.family !== AF_UNSPEC) other = this.resolve(addr, syscall) as UnixDgramSocket;
      else {
        if (!this.peer) fail("ENOTCONN", syscall);
        other = this.peer;
        if (other.closed) {
          // Linux: the peer died; the socket is disconnected and the send refused.
          this.#setPeer(null);
          fail("ECONNREFUSED", syscall);
        }
      }
      if (this.shutdownBits & SEND_SHUTDOWN) fail("EPIPE", syscall);
      if (other.peer && other.peer !== this && !other.peer.closed) fail("EPERM", syscall);
      if (other.shutdownBits & RCV_SHUTDOWN) fail("EPIPE", syscall);
      if (other.hasRoom()) {
        // The one copy of the payload, into the receiver's queue.
        const data = gatherCopy(bufs, total);
        other.#rq.push({ data, from: this.name });
        other.wake(POLLIN | POLLRDNORM);
        return total;
      }
      if (this.nonblocking || flags & MSG_DONTWAIT) fail("EAGAIN", syscall);
      const left = deadline ? deadline - this.ctx.scheduler.now() : 0;
      if (deadline && left <= 0) fail("EAGAIN", syscall);
      if (!(await other.waitForRoom(left))) fail("EAGAIN", syscall);
    }
  }

  async recvmsg(len: number, flags: number, syscall: string): Promise<RecvResult> {
    if (len < 0) fail("EINVAL", syscall);
    if (flags & MSG_OOB) fail("EOPNOTSUPP", syscall);
    const deadline = this.deadline(this.rcvtimeo);
    for (;;) {
      const d = this.#rq[0];
      if (d) {
        if (!(flags & MSG_PEEK)) {
          this.#rq.shift();
          this.peerWait.wake(POLLOUT);
          this.ctx.notifyWake();
          // A connected writer waiting in poll for our queue to drain.
          if (this.hasRoom()) this.#wakeWriters();
        }
        const n = Math.min(len, d.data.length);
        return {
          data: d.data.subarray(0, n),
          addr: d.from ? this.addrOf(d.from) : null,
          flags: d.data.length > len ? MSG_TRUNC : 0,
          length: flags & MSG_TRUNC ? d.data.length : n,
        };
      }
      const err = this.takeError();
      if (err) fail(err, syscall);
      if (this.shutdownBits & RCV_SHUTDOWN) return { data: new Uint8Array(0), addr: null, flags: 0, length: 0 };
      if (this.nonblocking || flags & MSG_DONTWAIT) fail("EAGAIN", syscall);
      if (!(await this.waitUntil(POLLIN, deadline))) fail("EAGAIN", syscall);
    }
  }

  /** Sockets connected to this one: told (POLLOUT) when the queue has room again. */
  #writers = new Set<UnixDgramSocket>();
  #wakeWriters(): void {
    for (const w of this.#writers) if (!w.closed) w.wake(POLLOUT | POLLWRNORM);
  }

  #setPeer(p: UnixDgramSocket | null): void {
    if (this.peer) this.peer.#writers.delete(this);
    this.peer = p;
    if (p) p.#writers.add(this);
  }

  override shutdown(how: number): void {
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) fail("EINVAL", "shutdown");
    this.shutdownBits |= how === SHUT_RD ? RCV_SHUTDOWN : how === SHUT_WR ? SEND_SHUTDOWN : SHUTDOWN_MASK;
    this.wake(POLLIN | POLLOUT | POLLHUP | POLLRDHUP);
  }

  release(): void {
    this.closed = true;
    this.unbind();
    this.#rq = [];
    this.peerWait.wake(POLLOUT);
    this.#setPeer(null);
    // Writers connected to us learn it on their next send (ECONNREFUSED); wake their pollers.
    for (const w of this.#writers) w.wake(POLLOUT | POLLERR);
  }

  getpeername(): SockAddr {
    if (!this.peer) fail("ENOTCONN", "getpeername");
    return this.addrOf(this.peer.name);
  }

  override ioctl(request: number): number {
    // FIONREAD on a datagram socket: the size of the next datagram (Linux unix_ioctl → unix_inq_len).
    if (request === FIONREAD) return this.#rq[0]?.data.length ?? 0;
    if (request === SIOCOUTQ) return 0;
    if (request === SIOCATMARK) fail("EOPNOTSUPP", "ioctl"); // Linux unix_ioctl: only stream sockets have a mark
    fail("ENOTTY", "ioctl");
  }
}
