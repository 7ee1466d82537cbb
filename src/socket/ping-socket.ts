/**
 * Ping sockets: `socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)` and
 * `socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6)` (Linux net/ipv4/ping.c,
 * with pingv6_ops for IPv6), what unprivileged `ping` uses. Creating one
 * needs the process's group inside `net.ipv4.ping_group_range` (EACCES
 * otherwise; the kernel's default `1 0` allows nobody). The socket's
 * "port" is the echo identifier: bind chooses it (a held one only when
 * every holder and the newcomer have SO_REUSEADDR, which ping sockets start
 * with), connect and the first send autobind one; bind may name a local
 * address, and then only replies to it arrive. sendto takes a whole echo
 * request (type 8 or 128, code 0, at least 8 bytes — else EINVAL) whose
 * identifier and checksum the kernel fills in; recvfrom returns the reply
 * with its ICMP header, the sender named with port 0. getpeername is
 * ENOTCONN even when connected (the peer has no port). ICMP errors about
 * the socket's requests follow ping_err: without IP_RECVERR /
 * IPV6_RECVERR only a connected socket hears them, hard ones only, as
 * SO_ERROR; with it every error sets SO_ERROR and is queued for
 * recvmsg(MSG_ERRQUEUE) with its sock_extended_err and offender. Pinned
 * against Linux 6.18 by test/syscalls/ping-socket.test.ts.
 */
import type { StackContext } from "../core/stack-context.js";
import { errnoName, errnoNumber, type ErrnoCode } from "../core/errno.js";
import { gatherCopy } from "../core/bytes.js";
import { Fifo } from "../core/fifo.js";
import { POLLERR, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from "../core/poll-events.js";
import { WaitQueue } from "../core/wait-queue.js";
import type { EchoBinding } from "../icmp/echo-ids.js";
import type { EchoError, EchoReply, IcmpLayer } from "../icmp/icmp-layer.js";
import type { Icmp6Layer, Echo6Error, Echo6Reply } from "../icmp/icmp6-layer.js";
import type { IpLayer } from "../ip/ip-layer.js";
import type { Ip6Layer } from "../ip6/ip6-layer.js";
import { icmpErrConvert, icmpErrHard } from "../net/ipv4-net.js";
import { icmpv6ErrConvert, icmpv6ErrHard, inet6Bytes, inet6FromBytes } from "../net/ipv6-net.js";
import { isAnyAddress, type InetAddress } from "../net/inet-address.js";
import { emitIcmp } from "../wire/icmp.js";
import { emitIcmpv6, ICMPV6 } from "../wire/icmpv6.js";
import type { Ipv4Address } from "../wire/ipv4-address.js";
import { ipv6Equal, type Ipv6Address } from "../wire/ipv6-address.js";
import { AF_INET, AF_INET6, IPPROTO_ICMP, IPPROTO_ICMPV6, MSG_DONTWAIT, MSG_ERRQUEUE, MSG_PEEK, MSG_TRUNC, SOCK_DGRAM, SOL_IP, SOL_IPV6 } from "./constants.js";
import { IP_RECVERR, IPV6_RECVERR } from "./error-queue.js";
import type { OptionSpec, OptionValue } from "./options.js";
import { inetAddr, parseInet, type SockAddr } from "./sockaddr.js";
import { Socket, fail, intValue, type RecvResult, type SocketState } from "./socket.js";

/** The echo header's length (ICMP and ICMPv6 alike). */
const ECHO_HEADER = ICMPV6.HEADER;
/** `SO_EE_ORIGIN_ICMP` / `SO_EE_ORIGIN_ICMP6` (<linux/errqueue.h>). */
const SO_EE_ORIGIN_ICMP = 2;
const SO_EE_ORIGIN_ICMP6 = 3;
/** What a queued error costs against SO_RCVBUF besides its payload (an skb's truesize overhead, roughly). */
const ERR_OVERHEAD = 768;

/** The ICMP layer of the socket's family. */
export type PingStack = { v4: IcmpLayer; ip: IpLayer } | { v6: Icmp6Layer; ip6: Ip6Layer };

/** A received echo reply, as recvfrom returns it. */
interface PingReply {
  from: InetAddress;
  message: Uint8Array;
}

/** An error-queue entry (Linux ip_icmp_error / ipv6_icmp_error). */
interface PingQueuedError {
  ee: { ee_errno: number; ee_origin: number; ee_type: number; ee_code: number; ee_pad: number; ee_info: number; ee_data: number };
  offender: InetAddress;
  dst: InetAddress;
  payload: Uint8Array;
}

/** An ICMP or ICMPv6 ping socket. */
export class PingSocket extends Socket {
  readonly wq = new WaitQueue();
  /** The echo identifier (the socket's port); 0 until bound. */
  #id = 0;
  /** The identifier table's view of this socket: SO_REUSEADDR and the bound address. */
  readonly #binding: EchoBinding<Ipv4Address | Ipv6Address>;
  readonly #listener: { reply(r: EchoReply | Echo6Reply): void; error(e: EchoError | Echo6Error): void };
  #peer: InetAddress | null = null;
  /** The pending error (sk_err). */
  #error: ErrnoCode | null = null;
  readonly #errQueue: PingQueuedError[] = [];
  #recverr = false;
  /** IP_TTL / IPV6_UNICAST_HOPS; −1 the default. */
  #ttl = -1;
  readonly #queue = new Fifo<PingReply>();
  #sndbuf: number;
  #rcvbuf: number;

  constructor(ctx: StackContext, readonly stack: PingStack) {
    const v6 = "v6" in stack;
    super(ctx, v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
    this.#sndbuf = ctx.sysctl.wmem_default;
    this.#rcvbuf = ctx.sysctl.rmem_default;
    // Linux's inetsw entry for ping sockets has INET_PROTOSW_REUSE: sk_reuse is set from the start.
    this.setSoFlag("SO_REUSEADDR", true);
    this.#binding = { reuse: () => this.soFlag("SO_REUSEADDR"), addr: null };
    this.#listener = {
      reply: (r) => this.#reply(r.from, "to" in r ? r.to : null, r.id, r.seq, r.data),
      error: (e) => this.#icmpError(e),
    };
  }

  get #v6(): boolean {
    return this.family === AF_INET6;
  }

  poll(): number {
    let m = POLLOUT | POLLWRNORM;
    if (this.#queue.length) m |= POLLIN | POLLRDNORM;
    if (this.#error || this.#errQueue.length) m |= POLLERR;
    return m;
  }

  get socketState(): SocketState {
    return this.#peer ? "SS_CONNECTED" : "SS_UNCONNECTED";
  }

  /** Takes an identifier: `want` (0 = any free one, as inet_autobind). */
  #bindId(want: number, syscall: string): void {
    if (this.#id) fail("EINVAL", syscall);
    const s = this.stack, l = this.#listener, b = this.#binding as EchoBinding<never>;
    let id: number;
    if ("v6" in s) id = want ? s.v6.openEchoAt(want, l, b) : s.v6.openEcho(l, b);
    else id = want ? s.v4.openEchoAt(want, l, b) : s.v4.openEcho(l, b);
    if (id === 0) fail("EADDRINUSE", syscall);
    this.#id = id;
  }

  /** An address of this host (bind's check, EADDRNOTAVAIL otherwise). */
  #isLocal(a: InetAddress): boolean {
    const s = this.stack;
    return "v6" in s ? typeof a !== "number" && s.ip6.isLocalAddress(inet6Bytes(a)) : typeof a === "number" && s.ip.isLocalAddress(a);
  }

  /** The address as the ICMP layer takes it. */
  #raw(a: InetAddress): Ipv4Address | Ipv6Address {
    return typeof a === "number" ? a : inet6Bytes(a);
  }

  override bind(addr: SockAddr): void {
    // ping_check_bind_addr: another family is EINVAL for pingv6, EAFNOSUPPORT for IPv4.
    if (addr.family !== this.family) fail(this.#v6 ? "EINVAL" : "EAFNOSUPPORT", "bind");
    const a = parseInet(addr);
    if (a === "EINVAL" || (typeof a.addr === "number") === this.#v6) fail("EINVAL", "bind");
    if (this.#id) fail("EINVAL", "bind");
    if (!isAnyAddress(a.addr) && !this.#isLocal(a.addr)) fail("EADDRNOTAVAIL", "bind");
    this.#binding.addr = isAnyAddress(a.addr) ? null : this.#raw(a.addr);
    try {
      this.#bindId(a.port, "bind");
    } catch (e) {
      this.#binding.addr = null;
      throw e;
    }
  }

  override async connect(addr: SockAddr): Promise<void> {
    const dst = this.#destination(addr, "connect");
    // ip4_datagram_connect / ip6_datagram_connect: the route's source becomes the bound address.
    if (this.#binding.addr === null) {
      const src = this.#sourceFor(dst);
      if (typeof src === "string") fail(src, "connect");
      this.#binding.addr = src;
    }
    this.#peer = dst;
    if (!this.#id) this.#bindId(0, "connect");
  }

  /** The source address towards `dst`, or the errno of its failure. */
  #sourceFor(dst: InetAddress): Ipv4Address | Ipv6Address | ErrnoCode {
    const s = this.stack;
    if ("v6" in s) {
      const d = inet6Bytes(dst as Exclude<InetAddress, number>);
      const rt = s.ip6.route(d);
      if (!rt) return "ENETUNREACH";
      return s.ip6.selectSource(d, rt.iface) ?? "EADDRNOTAVAIL";
    }
    const rt = s.v4.ip.route(dst as number);
    return rt ? rt.src : "ENETUNREACH";
  }

  /** A destination of the socket's family (pingv6: a mapped IPv4 address is EINVAL; IPv4: another family EAFNOSUPPORT). */
  #destination(addr: SockAddr, syscall: string): InetAddress {
    if (addr.family !== this.family) fail(this.#v6 ? "EINVAL" : "EAFNOSUPPORT", syscall);
    const a = parseInet(addr);
    if (a === "EINVAL" || (typeof a.addr === "number") === this.#v6) fail("EINVAL", syscall);
    return a.addr;
  }

  async sendmsg(bufs: readonly Uint8Array[], _flags: number, addr: SockAddr | null, syscall: string): Promise<number> {
    const dst = addr ? this.#destination(addr, syscall) : this.#peer;
    if (dst === null) fail("EDESTADDRREQ", syscall);
    const msg = gatherCopy(bufs);
    // ping_common_sendmsg: a whole echo request, at least its 8-byte header.
    if (msg.length < ECHO_HEADER || msg[0] !== (this.#v6 ? 128 : 8) || msg[1] !== 0) fail("EINVAL", syscall);
    const err = this.#error;
    if (err) {
      this.#error = null;
      fail(err, syscall);
    }
    if (!this.#id) this.#bindId(0, syscall);
    const seq = (msg[6]! << 8) | msg[7]!;
    const data = msg.subarray(ECHO_HEADER);
    const ttl = this.#ttl >= 0 ? this.#ttl : undefined;
    const s = this.stack, from = this.#binding.addr;
    const e = "v6" in s
      ? s.v6.sendEcho(inet6Bytes(dst as Exclude<InetAddress, number>), this.#id, seq, data, ttl, undefined, (from as Ipv6Address | null) ?? undefined)
      : s.v4.sendEcho(dst as number, this.#id, seq, data, ttl, (from as Ipv4Address | null) ?? undefined);
    if (e) fail(e as ErrnoCode, syscall);
    return msg.length;
  }

  #reply(from: Ipv4Address | Ipv6Address, to: Ipv4Address | Ipv6Address | null, id: number, seq: number, data: Uint8Array): void {
    const peer = this.#peer;
    if (peer !== null && !sameAddr(this.#raw(peer), from)) return;
    // What ping_recvmsg copies out: the reply's ICMP header (its checksum as sent) and data.
    const message = new Uint8Array(ECHO_HEADER + data.length);
    message.set(data, ECHO_HEADER);
    if (typeof from === "number") emitIcmp({ type: 0, code: 0, id, seq }, message, 0, data);
    else emitIcmpv6(129, 0, ((id << 16) | seq) >>> 0, message, 0, data, from, to as Ipv6Address);
    if (this.#bytesQueued() + message.length > this.#rcvbuf) return;
    this.#queue.push({ from: typeof from === "number" ? from : inet6FromBytes(from), message });
    this.wq.wake(POLLIN | POLLRDNORM);
    this.ctx.notifyWake();
  }

  #bytesQueued(): number {
    let n = 0;
    for (const q of this.#queue) n += q.message.length;
    for (const e of this.#errQueue) n += e.payload.length + ERR_OVERHEAD;
    return n;
  }

  /**
   * An ICMP error about one of our requests (Linux ping_err): its errno and
   * hardness by the family's conversion; without RECVERR a connected socket
   * takes hard ones as SO_ERROR, with it every error is queued and set.
   */
  #icmpError(e: EchoError | Echo6Error): void {
    const v6 = this.#v6;
    let err: ErrnoCode;
    let hard: boolean;
    if (v6) {
      err = icmpv6ErrConvert(e.type, e.code);
      hard = icmpv6ErrHard(e.type, e.code);
    } else if (e.type === 3 && e.code === 4) {
      // Fragmentation needed: EMSGSIZE, hard (the socket's path-MTU discovery is on).
      err = "EMSGSIZE";
      hard = true;
    } else if (e.type === 3 || e.type === 11 || e.type === 12) {
      err = icmpErrConvert(e.type, e.code);
      hard = icmpErrHard(e.type, e.code);
    } else {
      return;
    }
    if (!this.#recverr) {
      if (!hard || this.#peer === null) return;
    } else {
      if (this.#bytesQueued() + e.quote.length + ERR_OVERHEAD > this.#rcvbuf) return;
      this.#errQueue.push({
        ee: {
          ee_errno: errnoNumber(err), ee_origin: v6 ? SO_EE_ORIGIN_ICMP6 : SO_EE_ORIGIN_ICMP, ee_type: e.type, ee_code: e.code,
          ee_pad: 0, ee_info: e.info, ee_data: 0,
        },
        offender: typeof e.from === "number" ? e.from : inet6FromBytes(e.from),
        dst: typeof e.dst === "number" ? e.dst : inet6FromBytes(e.dst),
        payload: e.quote.slice(),
      });
    }
    this.#error = err;
    this.wq.wake(POLLERR | POLLIN | POLLOUT);
    this.ctx.notifyWake();
  }

  /**
   * recvmsg(MSG_ERRQUEUE) (ip_recv_error / ipv6_recv_error): the oldest
   * entry — the request as quoted, its destination as the name, one
   * control message with the sock_extended_err and the offender; the
   * pending error becomes the next entry's (sock_dequeue_err_skb). EAGAIN
   * when empty.
   */
  #recvErrQueue(len: number, syscall: string): RecvResult {
    const e = this.#errQueue.shift();
    if (!e) fail("EAGAIN", syscall);
    const next = this.#errQueue[0];
    this.#error = next ? (errnoName(next.ee.ee_errno) ?? null) : null;
    const v6 = this.#v6;
    const n = Math.min(len, e.payload.length);
    return {
      data: e.payload.subarray(0, n),
      addr: inetAddr(e.dst, 0, this.family),
      flags: MSG_ERRQUEUE | (e.payload.length > len ? MSG_TRUNC : 0),
      length: n,
      control: [{ level: v6 ? SOL_IPV6 : SOL_IP, type: v6 ? IPV6_RECVERR : IP_RECVERR, data: { ...e.ee }, addr: inetAddr(e.offender, 0, this.family) }],
    };
  }

  async recvmsg(len: number, flags: number, syscall: string): Promise<RecvResult> {
    if (len < 0) fail("EINVAL", syscall);
    if (flags & MSG_ERRQUEUE) return this.#recvErrQueue(len, syscall);
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
          data: r.message.subarray(0, n), addr: inetAddr(r.from, 0, this.family),
          flags: r.message.length > len ? MSG_TRUNC : 0, length: flags & MSG_TRUNC ? r.message.length : n,
        };
      }
      if (this.nonblocking || (flags & MSG_DONTWAIT)) fail("EAGAIN", syscall);
      if (!(await this.waitUntil(POLLIN, deadline))) fail("EAGAIN", syscall);
    }
  }

  release(): void {
    const s = this.stack;
    if (this.#id) {
      if ("v6" in s) s.v6.closeEcho(this.#id, this.#listener);
      else s.v4.closeEcho(this.#id, this.#listener);
    }
    this.#id = 0;
    this.closed = true;
  }

  getsockname(): SockAddr {
    const a = this.#binding.addr;
    if (a === null) return this.#v6 ? { family: AF_INET6, addr: "::", port: this.#id, flowinfo: 0, scopeId: 0 } : { family: AF_INET, addr: "0.0.0.0", port: this.#id };
    return inetAddr(typeof a === "number" ? a : inet6FromBytes(a), this.#id, this.family);
  }

  /** Linux inet_getname / inet6_getname: the peer has no port (inet_dport 0), so ENOTCONN even when connected. */
  getpeername(): SockAddr {
    return fail("ENOTCONN", "getpeername");
  }

  /** IP_RECVERR / IP_TTL (IPv4), IPV6_RECVERR / IPV6_UNICAST_HOPS (IPv6); the rest of SOL_SOCKET in the base. */
  protected override setOption(o: OptionSpec, value: OptionValue): boolean {
    const v6 = this.#v6;
    if (o.level === (v6 ? SOL_IPV6 : SOL_IP)) {
      const v = intValue(value, "setsockopt");
      switch (o.name) {
        case "IP_RECVERR": case "IPV6_RECVERR":
          this.#recverr = v !== 0;
          // ip_setsockopt / do_ipv6_setsockopt: turning it off purges the queue.
          if (!this.#recverr) this.#errQueue.length = 0;
          return true;
        case "IP_TTL":
          if (v !== -1 && (v < 1 || v > 255)) fail("EINVAL", "setsockopt");
          this.#ttl = v;
          return true;
        case "IPV6_UNICAST_HOPS":
          if (v < -1 || v > 255) fail("EINVAL", "setsockopt");
          this.#ttl = v;
          return true;
      }
      return false;
    }
    return super.setOption(o, value);
  }

  protected override getOption(o: OptionSpec): OptionValue | undefined {
    if (o.level === (this.#v6 ? SOL_IPV6 : SOL_IP)) {
      switch (o.name) {
        case "IP_RECVERR": case "IPV6_RECVERR": return this.#recverr ? 1 : 0;
        case "IP_TTL": return this.#ttl >= 0 ? this.#ttl : this.ctx.sysctl.ip_default_ttl;
        case "IPV6_UNICAST_HOPS": return this.#ttl >= 0 ? this.#ttl : this.ctx.sysctl.ipv6_hop_limit;
      }
      return undefined;
    }
    return super.getOption(o);
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

function sameAddr(a: Ipv4Address | Ipv6Address, b: Ipv4Address | Ipv6Address): boolean {
  return typeof a === "number" || typeof b === "number" ? a === b : ipv6Equal(a, b);
}
