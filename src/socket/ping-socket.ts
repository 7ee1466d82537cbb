/**
 * ICMPv6 ping sockets: `socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6)`
 * (Linux net/ipv4/ping.c with pingv6_ops), what unprivileged `ping -6`
 * uses. Creating one needs the process's group inside
 * `net.ipv4.ping_group_range` (EACCES otherwise; the kernel's default
 * `1 0` allows nobody). The socket's "port" is the echo identifier (bind
 * chooses it, the first send autobinds one); sendto takes a whole ICMPv6
 * echo request (type 128, code 0, at least 8 bytes — else EINVAL) whose
 * identifier and checksum the kernel fills in; recvfrom returns the echo
 * reply with its ICMPv6 header, the sender named with port 0. Errors about
 * the socket's requests set SO_ERROR as for UDP (a connected socket hears
 * hard ones; IPV6_RECVERR is not implemented here). Pinned against Linux
 * 6.18 by test/syscalls/ping-socket.test.ts.
 */
import type { StackContext } from "../core/stack-context.js";
import type { ErrnoCode } from "../core/errno.js";
import { gatherCopy } from "../core/bytes.js";
import { Fifo } from "../core/fifo.js";
import { POLLERR, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from "../core/poll-events.js";
import { WaitQueue } from "../core/wait-queue.js";
import type { Icmp6Layer, Echo6Error, Echo6Reply } from "../icmp/icmp6-layer.js";
import { icmpv6ErrConvert, icmpv6ErrHard, inet6Bytes, inet6FromBytes } from "../net/ipv6-net.js";
import { isAnyAddress, type Inet6Address } from "../net/inet-address.js";
import { emitIcmpv6, ICMPV6 } from "../wire/icmpv6.js";
import type { Ipv6Address } from "../wire/ipv6-address.js";
import { AF_INET6, IPPROTO_ICMPV6, MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC, SOCK_DGRAM } from "./constants.js";
import { inetAddr, parseInet, type SockAddr } from "./sockaddr.js";
import { Socket, fail, type RecvResult, type SocketState } from "./socket.js";

/** A received echo reply, as recvfrom returns it. */
interface PingReply {
  from: Ipv6Address;
  message: Uint8Array;
}

/** An AF_INET6 ICMPv6 ping socket. */
export class PingSocket extends Socket {
  readonly wq = new WaitQueue();
  /** The echo identifier (the socket's port); 0 until bound. */
  #id = 0;
  #peer: Inet6Address | null = null;
  #error: ErrnoCode | null = null;
  readonly #queue = new Fifo<PingReply>();
  #sndbuf: number;
  #rcvbuf: number;

  constructor(ctx: StackContext, readonly icmp6: Icmp6Layer) {
    super(ctx, AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6);
    this.#sndbuf = ctx.sysctl.wmem_default;
    this.#rcvbuf = ctx.sysctl.rmem_default;
  }

  poll(): number {
    let m = POLLOUT | POLLWRNORM;
    if (this.#queue.length) m |= POLLIN | POLLRDNORM;
    if (this.#error) m |= POLLERR;
    return m;
  }

  get socketState(): SocketState {
    return this.#peer ? "SS_CONNECTED" : "SS_UNCONNECTED";
  }

  /** Takes an identifier: `want` (0 = any free one, as inet_autobind). */
  #bindId(want: number, syscall: string): void {
    if (this.#id) fail("EINVAL", syscall);
    const listener = {
      reply: (r: Echo6Reply) => this.#reply(r),
      error: (e: Echo6Error) => this.#icmpError(e),
    };
    const id = want ? this.icmp6.openEchoAt(want, listener) : this.icmp6.openEcho(listener);
    if (id === 0) fail("EADDRINUSE", syscall);
    this.#id = id;
  }

  override bind(addr: SockAddr): void {
    if (addr.family !== AF_INET6) fail("EINVAL", "bind");
    const a = parseInet(addr);
    if (a === "EINVAL" || typeof a.addr === "number") fail("EINVAL", "bind");
    if (!isAnyAddress(a.addr)) fail("EADDRNOTAVAIL", "bind");
    this.#bindId(a.port, "bind");
  }

  override async connect(addr: SockAddr): Promise<void> {
    this.#peer = this.#destination(addr, "connect");
    if (!this.#id) this.#bindId(0, "connect");
  }

  /** An IPv6 destination (a mapped IPv4 one, or another family, is EINVAL as pingv6's checks). */
  #destination(addr: SockAddr, syscall: string): Inet6Address {
    if (addr.family !== AF_INET6) fail("EINVAL", syscall);
    const a = parseInet(addr);
    if (a === "EINVAL" || typeof a.addr === "number") fail("EINVAL", syscall);
    return a.addr;
  }

  async sendmsg(bufs: readonly Uint8Array[], _flags: number, addr: SockAddr | null, syscall: string): Promise<number> {
    const dst = addr ? this.#destination(addr, syscall) : this.#peer;
    if (!dst) fail("EDESTADDRREQ", syscall);
    const msg = gatherCopy(bufs);
    // ping_v6_sendmsg / ping_common_sendmsg: a whole echo request, at least its 8-byte header.
    if (msg.length < ICMPV6.HEADER || msg[0] !== 128 || msg[1] !== 0) fail("EINVAL", syscall);
    const err = this.#error;
    if (err) {
      this.#error = null;
      fail(err, syscall);
    }
    if (!this.#id) this.#bindId(0, syscall);
    const seq = (msg[6]! << 8) | msg[7]!;
    const e = this.icmp6.sendEcho(inet6Bytes(dst), this.#id, seq, msg.subarray(ICMPV6.HEADER));
    if (e) fail(e as ErrnoCode, syscall);
    return msg.length;
  }

  #reply(r: Echo6Reply): void {
    if (this.#peer && !equal16(inet6Bytes(this.#peer), r.from)) return;
    // What ping_recvmsg copies out: the reply's ICMPv6 header (its checksum as sent) and data.
    const message = new Uint8Array(ICMPV6.HEADER + r.data.length);
    message.set(r.data, ICMPV6.HEADER);
    emitIcmpv6(129, 0, ((r.id << 16) | r.seq) >>> 0, message, 0, r.data, r.from, r.to);
    if (this.#bytesQueued() + message.length > this.#rcvbuf) return;
    this.#queue.push({ from: r.from, message });
    this.wq.wake(POLLIN | POLLRDNORM);
    this.ctx.notifyWake();
  }

  #bytesQueued(): number {
    let n = 0;
    for (const q of this.#queue) n += q.message.length;
    return n;
  }

  /** An ICMPv6 error about one of our requests (Linux ping_err): a connected socket takes hard errors. */
  #icmpError(e: Echo6Error): void {
    if (!this.#peer || !icmpv6ErrHard(e.type, e.code)) return;
    this.#error = e.type === 2 ? "EMSGSIZE" : icmpv6ErrConvert(e.type, e.code);
    this.wq.wake(POLLERR | POLLIN | POLLOUT);
    this.ctx.notifyWake();
  }

  async recvmsg(len: number, flags: number, syscall: string): Promise<RecvResult> {
    if (len < 0) fail("EINVAL", syscall);
    const deadline = this.deadline(this.rcvtimeo);
    for (;;) {
      const err = this.#error;
      if (err) {
        this.#error = null;
        fail(err, syscall);
      }
      const r = flags & MSG_PEEK ? this.#queue.peek() : this.#queue.shift();
      if (r) {
        const n = Math.min(len, r.message.length);
        return {
          data: r.message.subarray(0, n), addr: inetAddr(inet6FromBytes(r.from), 0, AF_INET6),
          flags: r.message.length > len ? MSG_TRUNC : 0, length: flags & MSG_TRUNC ? r.message.length : n,
        };
      }
      if (this.nonblocking || (flags & MSG_DONTWAIT)) fail("EAGAIN", syscall);
      if (!(await this.waitUntil(POLLIN, deadline))) fail("EAGAIN", syscall);
    }
  }

  release(): void {
    if (this.#id) this.icmp6.closeEcho(this.#id);
    this.#id = 0;
    this.closed = true;
  }

  getsockname(): SockAddr {
    return { family: AF_INET6, addr: "::", port: this.#id, flowinfo: 0, scopeId: 0 };
  }

  getpeername(): SockAddr {
    if (!this.#peer) fail("ENOTCONN", "getpeername");
    return inetAddr(this.#peer, 0, AF_INET6);
  }

  protected get soSndbuf(): number {
    return this.#sndbuf;
  }
  protected set soSndbuf(bytes: number) {
    this.#sndbuf = bytes;
  }
  protected get soRcvbuf(): number {
    return this.#rcvbuf;
  }
  protected set soRcvbuf(bytes: number) {
    this.#rcvbuf = bytes;
  }
  protected takeSoError(): ErrnoCode | null {
    const e = this.#error;
    this.#error = null;
    return e;
  }
}

function equal16(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}
