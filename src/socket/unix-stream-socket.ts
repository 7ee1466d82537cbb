/**
 * AF_UNIX SOCK_STREAM sockets (E7): connect puts a new server-side socket
 * straight into the listener's accept queue — there is no handshake, the
 * client is connected (and may send) before the server accepts. Errnos
 * follow Linux's unix_stream_connect / unix_stream_sendmsg /
 * unix_stream_read_generic (checked against the kernel by
 * test/syscalls/linux-probe.py):
 * - connect: no such name ENOENT; stale socket file or a bound socket that
 *   is not listening ECONNREFUSED; a datagram socket EPROTOTYPE; a full
 *   accept queue (more than `backlog` waiting) blocks, or EAGAIN when
 *   non-blocking (not EINPROGRESS);
 * - send on an unconnected socket ENOTCONN, with an address EOPNOTSUPP
 *   (EISCONN when connected); after the peer closed EPIPE;
 * - recv on an unconnected socket EINVAL; 0 after the peer closed; but
 *   ECONNRESET when the peer closed with unread data in its queue.
 *
 * Flow control: a writer may have `SO_SNDBUF` bytes unread in its peer's
 * queue; it is writable (POLLOUT) while at most a quarter of that is used
 * (Linux unix_writable). Difference: Linux counts skb truesize, so many
 * tiny writes fill the buffer sooner there; sockstack coalesces small
 * writes into shared buffers instead, so memory stays within a small
 * factor of SO_SNDBUF (see `#append`).
 */
import { joinBytes } from "../core/bytes.js";
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRBAND, POLLWRNORM } from "../core/poll-events.js";
import type { StackContext } from "../core/stack-context.js";
import {
  FIONREAD, MSG_DONTWAIT, MSG_OOB, MSG_PEEK, MSG_WAITALL, SHUT_RD, SHUT_RDWR, SHUT_WR, SIOCATMARK, SIOCOUTQ, SOCK_STREAM,
} from "./constants.js";
import type { SockAddr } from "./sockaddr.js";
import { fail, type RecvResult, type Socket, type SocketState } from "./socket.js";
import type { UnixNamespace } from "./unix-namespace.js";
import { RCV_SHUTDOWN, SEND_SHUTDOWN, SHUTDOWN_MASK, UnixSocket } from "./unix-socket.js";

const EMPTY = new Uint8Array(0);
/** Writes below this many bytes are coalesced into a shared tail buffer. */
export const UNIX_SMALL_WRITE = 512;
/** Size of the tail buffer small writes share. */
export const UNIX_TAIL_SIZE = 2048;


/** An AF_UNIX stream socket. */
export class UnixStreamSocket extends UnixSocket {
  /** The connected peer, or null. */
  peer: UnixStreamSocket | null = null;
  #state: "unconnected" | "listening" | "connected" = "unconnected";
  #everConnected = false;
  /** Receive queue: byte chunks in order, `rqBytes` in total. */
  #rq: Uint8Array[] = [];
  #rqBytes = 0;
  /** The buffer small writes are appended to, and how much of it is used (see #append). */
  #tail: Uint8Array | null = null;
  #tailFill = 0;
  /** Accept queue of a listener: connected server-side sockets. */
  #acceptQ: UnixStreamSocket[] = [];
  #backlog = 0;
  #lowat = 1;

  constructor(ctx: StackContext, ns: UnixNamespace<UnixSocket>) {
    super(ctx, ns, SOCK_STREAM);
  }

  /** Connects two fresh sockets to each other (socketpair(2)). */
  static pair(a: UnixStreamSocket, b: UnixStreamSocket): void {
    a.#connectTo(b);
    b.#connectTo(a);
  }

  #connectTo(peer: UnixStreamSocket): void {
    this.peer = peer;
    this.#state = "connected";
    this.#everConnected = true;
  }

  override get listening(): boolean {
    return this.#state === "listening";
  }

  /** Bytes waiting in the receive queue (ss Recv-Q); pending connections for a listener. */
  get recvQ(): number {
    return this.#state === "listening" ? this.#acceptQ.length : this.#rqBytes;
  }

  /** Buffers holding the receive queue (for tests and tools: small writes share them). */
  get queuedChunks(): number {
    return this.#rq.length;
  }

  /** Bytes this socket wrote that the peer has not read (SIOCOUTQ, ss Send-Q). */
  get sendQ(): number {
    return this.#state === "listening" ? this.#backlog : this.peer ? this.peer.#rqBytes : 0;
  }

  get socketState(): SocketState {
    if (this.closed) return "SS_FREE";
    return this.#state === "connected" ? "SS_CONNECTED" : "SS_UNCONNECTED";
  }

  /** Linux unix_poll. */
  poll(): number {
    let m = 0;
    if (this.error) m |= POLLERR;
    if (this.shutdownBits === SHUTDOWN_MASK) m |= POLLHUP;
    if (this.shutdownBits & RCV_SHUTDOWN) m |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (this.#state === "listening") return m | (this.#acceptQ.length ? POLLIN | POLLRDNORM : 0);
    if (this.#rqBytes > 0) m |= POLLIN | POLLRDNORM;
    if (this.#state !== "connected") m |= POLLHUP;
    if (this.#writable()) m |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return m;
  }

  #writable(): boolean {
    return this.sendQ * 4 <= this.sndbuf;
  }

  hasRoom(): boolean {
    return this.#acceptQ.length <= this.#backlog;
  }

  override listen(backlog: number): void {
    if (!this.bound || this.#state === "connected" || this.#everConnected) fail("EINVAL", "listen");
    this.#backlog = Math.max(0, Math.min(backlog, this.ctx.sysctl.somaxconn));
    const wasListening = this.#state === "listening";
    this.#state = "listening";
    if (wasListening) this.peerWait.wake(POLLOUT);
  }

  override async accept(): Promise<{ socket: Socket; addr: SockAddr }> {
    const deadline = this.deadline(this.rcvtimeo);
    for (;;) {
      if (this.#state !== "listening") fail("EINVAL", "accept");
      const s = this.#acceptQ.shift();
      if (s) {
        this.peerWait.wake(POLLOUT);
        this.ctx.notifyWake();
        return { socket: s, addr: this.addrOf(s.peer?.name ?? "") };
      }
      // Linux unix_accept: a listener shut for reading has nothing more to give (EINVAL).
      if (this.shutdownBits & RCV_SHUTDOWN) fail("EINVAL", "accept");
      if (this.nonblocking) fail("EAGAIN", "accept");
      if (!(await this.waitUntil(POLLIN, deadline))) fail("EAGAIN", "accept");
    }
  }

  override async connect(addr: SockAddr): Promise<void> {
    const sc = "connect";
    if (this.#state === "connected") fail("EISCONN", sc);
    if (this.#state === "listening") fail("EINVAL", sc);
    const deadline = this.deadline(this.sndtimeo);
    for (;;) {
      const l = this.resolve(addr, sc) as UnixStreamSocket;
      if (!l.listening) fail("ECONNREFUSED", sc);
      if (l.hasRoom()) {
        // The server side of the new connection: named like the listener (getsockname on an accepted socket).
        const s = new UnixStreamSocket(this.ctx, this.ns);
        s.name = l.name;
        s.sndbuf = l.sndbuf;
        s.rcvbuf = l.rcvbuf;
        UnixStreamSocket.pair(this, s);
        l.#acceptQ.push(s);
        l.wake(POLLIN | POLLRDNORM);
        return;
      }
      if (this.nonblocking) fail("EAGAIN", sc);
      const left = deadline ? deadline - this.ctx.scheduler.now() : 0;
      if (deadline && left <= 0) fail("EAGAIN", sc);
      if (!(await l.waitForRoom(left))) fail("EAGAIN", sc);
      if ((this.#state as string) === "connected") fail("EISCONN", sc); // another thread connected it meanwhile
    }
  }

  async sendmsg(bufs: readonly Uint8Array[], flags: number, addr: SockAddr | null, syscall: string): Promise<number> {
    if (addr) fail(this.#state === "connected" ? "EISCONN" : "EOPNOTSUPP", syscall);
    if (flags & MSG_OOB) fail("EOPNOTSUPP", syscall);
    if (this.#state !== "connected") fail("ENOTCONN", syscall);
    const deadline = this.deadline(this.sndtimeo);
    let sent = 0;
    for (const b of bufs) {
      let off = 0;
      while (off < b.length) {
        const peer = this.peer;
        if (this.shutdownBits & SEND_SHUTDOWN || !peer || peer.closed || peer.shutdownBits & RCV_SHUTDOWN) {
          if (sent > 0) return sent;
          fail("EPIPE", syscall);
        }
        const room = this.sndbuf - peer.#rqBytes;
        if (room > 0) {
          const n = Math.min(room, b.length - off);
          peer.#append(b, off, n); // the one copy, into the peer's queue
          peer.#rqBytes += n;
          off += n;
          sent += n;
          peer.wake(POLLIN | POLLRDNORM);
          continue;
        }
        if (this.nonblocking || flags & MSG_DONTWAIT) {
          if (sent > 0) return sent;
          fail("EAGAIN", syscall);
        }
        if (!(await this.waitUntil(POLLOUT, deadline))) {
          if (sent > 0) return sent;
          fail("EAGAIN", syscall);
        }
      }
    }
    return sent;
  }

  /**
   * recvmsg (Linux unix_stream_read_generic): returns once `target` bytes
   * are in — all `len` with MSG_WAITALL, else SO_RCVLOWAT of them — or at
   * end of stream, an error, a timeout (with what was copied), or,
   * non-blocking, with whatever is queued. A blocking read short of its
   * target takes what is queued and sleeps until the next write; a peek
   * stops at the end of the queue once it has a byte (Linux: checked by
   * test/syscalls/freeze.test.ts).
   */
  async recvmsg(len: number, flags: number, syscall: string): Promise<RecvResult> {
    if (!Number.isSafeInteger(len) || len < 0) fail("EINVAL", syscall);
    if (flags & MSG_OOB) fail("EINVAL", syscall);
    const peek = (flags & MSG_PEEK) !== 0;
    const nonblock = this.nonblocking || (flags & MSG_DONTWAIT) !== 0;
    const target = flags & MSG_WAITALL ? len : Math.min(len, this.#lowat);
    const deadline = this.deadline(this.rcvtimeo);
    const chunks: Uint8Array[] = [];
    let copied = 0;
    const result = (): RecvResult => {
      const data = joinBytes(chunks, copied);
      return { data, addr: null, flags: 0, length: copied };
    };
    for (;;) {
      if (this.#state !== "connected" && !this.#everConnected) fail("EINVAL", syscall);
      if (len === 0) return { data: EMPTY, addr: null, flags: 0, length: 0 };
      if (this.#rqBytes > 0) {
        const n = Math.min(len - copied, this.#rqBytes);
        chunks.push(this.#take(n, peek));
        copied += n;
        if (copied >= target || peek) return result();
      }
      // The queue is empty now.
      const eof = (this.shutdownBits & RCV_SHUTDOWN) !== 0;
      if (copied > 0 && (nonblock || eof || this.error)) return result();
      if (copied === 0) {
        const err = this.takeError();
        if (err) fail(err, syscall);
        if (eof) return { data: EMPTY, addr: null, flags: 0, length: 0 };
        if (nonblock) fail("EAGAIN", syscall);
      }
      // Sleep until the next write, shutdown or error: a change, not the POLLIN level.
      if (!(await this.waitUntil(POLLIN, deadline))) {
        if (copied > 0) return result();
        fail("EAGAIN", syscall);
      }
    }
  }

  /**
   * Copies `src[off, off + n)` to the end of the receive queue. Writes
   * smaller than {@link UNIX_SMALL_WRITE} go into a shared tail buffer of
   * {@link UNIX_TAIL_SIZE} bytes (bytes already queued are never
   * overwritten, so views handed to readers stay valid): a flood of 1-byte
   * writes costs about its bytes, not one buffer and one queue slot per
   * byte. Linux instead charges each write's skb truesize to the sender's
   * SO_SNDBUF, so tiny writes block sooner there; sockstack keeps the byte
   * limit and bounds the memory by coalescing (docs/memory.md).
   */
  #append(src: Uint8Array, off: number, n: number): void {
    const rq = this.#rq;
    if (n >= UNIX_SMALL_WRITE) {
      rq.push(src.slice(off, off + n));
      return;
    }
    const last = rq[rq.length - 1];
    const tail = this.#tail;
    if (tail && last && last.buffer === tail.buffer && last.byteOffset + last.length === this.#tailFill && this.#tailFill + n <= tail.length) {
      tail.set(src.subarray(off, off + n), this.#tailFill);
      rq[rq.length - 1] = new Uint8Array(tail.buffer, last.byteOffset, last.length + n);
      this.#tailFill += n;
      return;
    }
    const buf = new Uint8Array(UNIX_TAIL_SIZE);
    buf.set(src.subarray(off, off + n), 0);
    this.#tail = buf;
    this.#tailFill = n;
    rq.push(buf.subarray(0, n));
  }

  /** Copies `n` bytes out of the queue (a view when one chunk suffices) and wakes the writer. */
  #take(n: number, peek: boolean): Uint8Array {
    const first = this.#rq[0]!;
    let out: Uint8Array;
    if (first.length >= n) out = first.subarray(0, n);
    else {
      out = new Uint8Array(n);
      let o = 0;
      for (const c of this.#rq) {
        const k = Math.min(c.length, n - o);
        out.set(c.subarray(0, k), o);
        o += k;
        if (o === n) break;
      }
    }
    if (peek) return out;
    let left = n;
    while (left > 0) {
      const c = this.#rq[0]!;
      if (c.length <= left) {
        this.#rq.shift();
        left -= c.length;
      } else {
        this.#rq[0] = c.subarray(left);
        left = 0;
      }
    }
    this.#rqBytes -= n;
    const writer = this.peer;
    if (writer && writer.#writable()) writer.wake(POLLOUT | POLLWRNORM);
    return out;
  }

  override shutdown(how: number): void {
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) fail("EINVAL", "shutdown");
    // Linux unix_shutdown: no error on an unconnected socket; the peer gets the mirror image.
    const bits = how === SHUT_RD ? RCV_SHUTDOWN : how === SHUT_WR ? SEND_SHUTDOWN : SHUTDOWN_MASK;
    this.shutdownBits |= bits;
    this.wake(POLLIN | POLLOUT | POLLHUP | POLLRDHUP);
    const peer = this.peer;
    if (peer && this.#state === "connected") {
      const mirror = (bits & RCV_SHUTDOWN ? SEND_SHUTDOWN : 0) | (bits & SEND_SHUTDOWN ? RCV_SHUTDOWN : 0);
      peer.shutdownBits |= mirror;
      peer.wake(POLLIN | POLLOUT | POLLHUP | POLLRDHUP);
    }
  }

  /** Last close (Linux unix_release_sock). */
  release(): void {
    this.closed = true;
    this.unbind();
    // Connections never accepted are torn down: their clients see ECONNRESET.
    for (const s of this.#acceptQ.splice(0)) s.release();
    this.peerWait.wake(POLLOUT);
    const peer = this.peer;
    if (peer) {
      if (this.#rqBytes > 0 || this.#state !== "connected") peer.error = "ECONNRESET";
      peer.shutdownBits = SHUTDOWN_MASK;
      peer.wake(POLLIN | POLLOUT | POLLHUP | POLLRDHUP | (peer.error ? POLLERR : 0));
    }
    this.#rq = [];
    this.#rqBytes = 0;
    this.shutdownBits = SHUTDOWN_MASK;
  }

  getpeername(): SockAddr {
    if (this.#state !== "connected" || !this.peer) fail("ENOTCONN", "getpeername");
    return this.addrOf(this.peer.name);
  }

  override ioctl(request: number): number {
    if (request === FIONREAD || request === SIOCOUTQ) {
      if (this.#state === "listening") fail("EINVAL", "ioctl");
      return request === FIONREAD ? this.#rqBytes : this.sendQ;
    }
    // Linux unix_ioctl answers whether the out-of-band skb is next; sockstack's AF_UNIX has no MSG_OOB, so never.
    if (request === SIOCATMARK) return 0;
    fail("ENOTTY", "ioctl");
  }

  /** SO_RCVLOWAT: a stream read waits for this many bytes (the base class implements the option). */
  protected override get soRcvLowat(): number {
    return this.#lowat;
  }
  protected override set soRcvLowat(v: number) {
    this.#lowat = v;
  }
}
