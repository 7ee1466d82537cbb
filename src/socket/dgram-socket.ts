/**
 * AF_INET SOCK_DGRAM sockets (UDP) at the socket layer: address checks and
 * errnos of Linux's inet_dgram_ops / udp_sendmsg / udp_recvmsg, blocking
 * and timeouts, and the options UDP supports.
 */
import type { StackContext } from "../core/stack-context.js";
import type { ErrnoCode } from "../core/errno.js";
import { gatherCopy } from "../core/bytes.js";
import { POLLIN, POLLOUT } from "../core/poll-events.js";
import type { WaitQueue } from "../core/wait-queue.js";
import type { UdpLayer, UdpSendControl } from "../udp/udp-layer.js";
import type { Datagram, UdpSock } from "../udp/udp-sock.js";
import { AF_INET, AF_INET6, AF_UNSPEC, IPPROTO_UDP, MSG_DONTWAIT, MSG_ERRQUEUE, MSG_PEEK, MSG_TRUNC, SHUT_RD, SHUT_RDWR, SHUT_WR, SOCK_DGRAM, SOL_IP, SOL_IPV6, FIONREAD, SIOCOUTQ } from "./constants.js";
import { inetAddr, inetEndpoint, needsScopeId, scopeBinding, scopeIdOf, type SockAddr } from "./sockaddr.js";
import { Socket, fail, intValue, type ControlMessage, type RecvResult, type SendControlMessage, type SocketState, type SoFlag } from "./socket.js";
import type { OptionSpec, OptionValue } from "./options.js";
import { getIpv6Option, ipv6SendControl, IPV6_FLOWINFO, IPV6_HOPLIMIT, IPV6_PKTINFO, IPV6_TCLASS, RX_FLOWINFO, RX_HOPLIMIT, RX_PKTINFO, RX_TCLASS, setIpv6Option, type Ipv6OptionSocket } from "./ipv6-sockopt.js";
import { IP_RECVERR, IPV6_RECVERR } from "./error-queue.js";
import { familyOps, NET_AF_INET6, type InetAddress } from "../net/inet-address.js";

/** A UDP socket. */
export class DgramSocket extends Socket {
  readonly sk: UdpSock;

  constructor(ctx: StackContext, readonly udp: UdpLayer, family: number = AF_INET) {
    super(ctx, family, SOCK_DGRAM, IPPROTO_UDP);
    this.sk = udp.createSock();
    this.sk.inode = this.inode;
    if (family === AF_INET6) {
      // An AF_INET6 socket starts on [::], dual stack unless net.ipv6.bindv6only (Linux inet6_create).
      this.sk.inet6 = true;
      this.sk.v6only = ctx.sysctl.ipv6_bindv6only;
      this.sk.localAddr = familyOps(NET_AF_INET6).any;
    }
  }

  get wq(): WaitQueue {
    return this.sk.wq;
  }

  poll(): number {
    return this.sk.poll();
  }

  get socketState(): SocketState {
    return this.sk.connected ? "SS_CONNECTED" : "SS_UNCONNECTED";
  }

  override bind(addr: SockAddr): void {
    const a = inetEndpoint(this.family, this.sk.v6only, null, addr, "bind");
    if (typeof a === "string") fail(a, "bind");
    const dev = this.#scopeForBind(a.addr, scopeIdOf(addr), "bind");
    const e = this.udp.bind(this.sk, a.addr, a.port, this.freebind);
    if (e) fail(e, "bind");
    this.sk.boundIf = dev;
  }

  /**
   * A link-local bind's interface (Linux inet6_bind): the scope id or the
   * interface already bound, EINVAL without either, ENODEV for no such
   * interface, EADDRNOTAVAIL when the address is not that interface's.
   */
  #scopeForBind(addr: InetAddress, scopeId: number, syscall: string): number {
    const dev = scopeBinding(addr, scopeId, this.sk.boundIf);
    if (dev === "EINVAL") fail("EINVAL", syscall);
    if (dev !== this.sk.boundIf || needsScopeId(addr)) {
      const net = this.udp.net.of(addr);
      if (!net.hasInterface(dev)) fail("ENODEV", syscall);
      if (!(syscall === "bind" && this.freebind) && !net.isLocalAddress(addr, dev)) fail("EADDRNOTAVAIL", syscall);
    }
    return dev;
  }

  override async connect(addr: SockAddr): Promise<void> {
    if (addr.family === AF_UNSPEC) {
      this.udp.connect(this.sk, 0, 0);
      return;
    }
    const a = inetEndpoint(this.family, this.sk.v6only, this.sk.bound ? this.sk.localAddr : null, addr, "dgram-connect");
    if (typeof a === "string") fail(a, "connect");
    // A link-local peer needs an interface: the scope id (which binds the socket to it) or the bound one (ip6_datagram_connect).
    const dev = scopeBinding(a.addr, scopeIdOf(addr), this.sk.boundIf);
    if (dev === "EINVAL") fail("EINVAL", "connect");
    const before = this.sk.boundIf;
    this.sk.boundIf = dev;
    const e = this.udp.connect(this.sk, a.addr, a.port);
    if (e) {
      this.sk.boundIf = before;
      fail(e, "connect");
    }
    // ip6_datagram_connect: with IPV6_FLOWINFO_SEND the flow label of sin6_flowinfo goes on later sends.
    this.sk.v6.connFlow = this.sk.v6.sndflow ? flowLabelOf(addr) : 0;
  }

  async sendmsg(bufs: readonly Uint8Array[], flags: number, addr: SockAddr | null, syscall: string, control: readonly SendControlMessage[] = []): Promise<number> {
    const sk = this.sk;
    if (sk.sndShutdown) fail("EPIPE", syscall);
    let dst: InetAddress;
    let port: number;
    let scope = 0;
    if (addr && addr.family !== AF_UNSPEC) {
      const a = inetEndpoint(this.family, sk.v6only, sk.bound ? sk.localAddr : null, addr, "sendto");
      if (typeof a === "string") fail(a, syscall);
      if (a.port === 0) fail("EINVAL", syscall);
      dst = a.addr;
      port = a.port;
      // udpv6_sendmsg: a link-local destination's scope id is the egress interface (0: the socket's or the table's).
      if (needsScopeId(dst)) scope = scopeIdOf(addr);
    } else {
      if (!sk.connected) fail("EDESTADDRREQ", syscall);
      dst = sk.remoteAddr;
      port = sk.remotePort;
    }
    let ctl = this.family === AF_INET6 && control.length ? this.#sendControl(control, syscall) : undefined;
    if (scope) ctl = { ...ctl, ifindex: ctl?.ifindex || scope };
    // udpv6_sendmsg: with IPV6_FLOWINFO_SEND, sin6_flowinfo's flow label (Linux takes any while no exclusive lease exists).
    if (addr && this.family === AF_INET6 && sk.v6.sndflow) {
      const label = flowLabelOf(addr);
      if (label) ctl = { ...ctl, flowLabel: label };
    }
    // udpv6_sendmsg: with no interface named, the sticky IPV6_PKTINFO's (unchecked: no route that way is ENETUNREACH).
    const sticky = this.family === AF_INET6 ? sk.v6.stickyIfindex : 0;
    if (sticky && !ctl?.ifindex) ctl = { ...ctl, ifindex: sticky };
    const err = sk.takeError();
    if (err) fail(err, syscall);
    void flags;
    // The one copy of the payload: out of the caller's buffers into a datagram.
    const data = gatherCopy(bufs);
    const r = this.udp.sendto(sk, data, dst === 0 ? 0x7f000001 : dst, port, ctl); // 0.0.0.0 is this host (connected to it)
    if (typeof r === "string") fail(r, syscall);
    return r;
  }

  /** sendmsg's IPPROTO_IPV6 control messages against this host's addresses and interfaces. */
  #sendControl(control: readonly SendControlMessage[], syscall: string): UdpSendControl {
    const net6 = this.udp.net.byFamily(NET_AF_INET6);
    return ipv6SendControl(control, (a) => net6?.isLocalAddress(a) ?? false, (i) => net6?.hasInterface(i) ?? false, syscall);
  }

  /**
   * recvmsg(MSG_ERRQUEUE) (Linux ip_recv_error / ipv6_recv_error): the
   * oldest queued ICMP error — the datagram's payload as quoted, its
   * destination as the name, one control message (IP_RECVERR, or
   * IPV6_RECVERR on an AF_INET6 socket) with the sock_extended_err and the
   * offender; EAGAIN when the queue is empty (it never blocks).
   */
  #recvErrQueue(len: number, syscall: string): RecvResult {
    const e = this.sk.dequeueError();
    if (!e) fail("EAGAIN", syscall);
    const v6 = this.family === AF_INET6;
    const n = Math.min(len, e.payload.length);
    return {
      data: e.payload.subarray(0, n),
      addr: inetAddr(e.dst, e.dport, this.family),
      flags: MSG_ERRQUEUE | (e.payload.length > len ? MSG_TRUNC : 0),
      length: n,
      control: [{
        level: v6 ? SOL_IPV6 : SOL_IP, type: v6 ? IPV6_RECVERR : IP_RECVERR, data: { ...e.ee },
        addr: e.offender === null ? undefined : inetAddr(e.offender, 0, this.family),
      }],
    };
  }

  /** The control messages an AF_INET6 socket asked for (IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS), in Linux's order. */
  #recvControl(d: Datagram): ControlMessage[] | undefined {
    const rx = this.sk.v6.rxopt;
    if (this.family !== AF_INET6 || rx === 0) return undefined;
    const out: ControlMessage[] = [];
    if (rx & RX_PKTINFO) out.push({ level: SOL_IPV6, type: IPV6_PKTINFO, data: { ipi6_ifindex: d.ifindex }, addr: inetAddr(d.to, 0, AF_INET6) });
    if (rx & RX_HOPLIMIT) out.push({ level: SOL_IPV6, type: IPV6_HOPLIMIT, data: d.hopLimit });
    if (rx & RX_TCLASS) out.push({ level: SOL_IPV6, type: IPV6_TCLASS, data: d.tclass });
    // ip6_datagram_recv_ctl: IPV6_FLOWINFO only when the traffic class and flow label are not both 0.
    if (rx & RX_FLOWINFO && d.flowinfo) out.push({ level: SOL_IPV6, type: IPV6_FLOWINFO, data: d.flowinfo });
    return out;
  }

  async recvmsg(len: number, flags: number, syscall: string): Promise<RecvResult> {
    const sk = this.sk;
    if (len < 0) fail("EINVAL", syscall);
    if (flags & MSG_ERRQUEUE) return this.#recvErrQueue(len, syscall);
    const deadline = this.deadline(this.rcvtimeo);
    for (;;) {
      const err = sk.takeError();
      if (err) fail(err, syscall);
      const d = (flags & MSG_PEEK) ? sk.peek() : sk.dequeue();
      if (d) {
        const n = Math.min(len, d.data.length);
        const truncated = d.data.length > len;
        const r: RecvResult = {
          data: d.data.subarray(0, n),
          addr: inetAddr(d.from, d.fromPort, this.family, d.ifindex),
          flags: truncated ? MSG_TRUNC : 0,
          length: (flags & MSG_TRUNC) ? d.data.length : n,
        };
        const control = this.#recvControl(d);
        if (control) r.control = control;
        return r;
      }
      if (sk.rcvShutdown) return { data: new Uint8Array(0), addr: null, flags: 0, length: 0 };
      if (this.nonblocking || (flags & MSG_DONTWAIT)) fail("EAGAIN", syscall);
      if (!(await this.waitUntil(POLLIN, deadline))) fail("EAGAIN", syscall);
    }
  }

  override shutdown(how: number): void {
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) fail("EINVAL", "shutdown");
    // Linux inet_shutdown: an unconnected datagram socket gives ENOTCONN (after recording the flags).
    if (how !== SHUT_WR) this.sk.rcvShutdown = true;
    if (how !== SHUT_RD) this.sk.sndShutdown = true;
    this.sk.wq.wake(POLLIN | POLLOUT);
    this.ctx.notifyWake();
    if (!this.sk.connected) fail("ENOTCONN", "shutdown");
  }

  release(): void {
    this.udp.unbind(this.sk);
    this.closed = true;
  }

  getsockname(): SockAddr {
    return inetAddr(this.sk.localAddr, this.sk.localPort, this.family, this.sk.boundIf);
  }

  getpeername(): SockAddr {
    if (!this.sk.connected) fail("ENOTCONN", "getpeername");
    return inetAddr(this.sk.remoteAddr, this.sk.remotePort, this.family, this.sk.boundIf);
  }

  override ioctl(request: number): number {
    // FIONREAD on UDP: the size of the next datagram (Linux udp_ioctl).
    if (request === FIONREAD) return this.sk.peek()?.data.length ?? 0;
    if (request === SIOCOUTQ) return 0;
    fail("ENOTTY", "ioctl");
  }

  // SOL_SOCKET state UDP acts on lives in the UDP socket (the base class implements the options).
  protected override soFlag(name: SoFlag): boolean {
    const sk = this.sk;
    switch (name) {
      case "SO_REUSEADDR": return sk.reuseAddr;
      case "SO_REUSEPORT": return sk.reusePort;
      case "SO_BROADCAST": return sk.broadcast;
    }
    return super.soFlag(name);
  }
  protected override setSoFlag(name: SoFlag, on: boolean): void {
    const sk = this.sk;
    switch (name) {
      case "SO_REUSEADDR": sk.reuseAddr = on; return;
      case "SO_REUSEPORT": sk.reusePort = on; return;
      case "SO_BROADCAST": sk.broadcast = on; return;
    }
    super.setSoFlag(name, on);
  }
  protected get soSndbuf(): number {
    return this.sk.sndbuf;
  }
  protected set soSndbuf(bytes: number) {
    this.sk.sndbuf = bytes;
  }
  protected get soRcvbuf(): number {
    return this.sk.rcvbuf;
  }
  protected set soRcvbuf(bytes: number) {
    this.sk.rcvbuf = bytes;
  }
  protected takeSoError(): ErrnoCode | null {
    return this.sk.takeError();
  }

  /** The view of this socket the IPPROTO_IPV6 handlers of ipv6-sockopt.ts take. */
  get #ipv6Socket(): Ipv6OptionSocket {
    const sk = this.sk;
    const net = this.udp.net;
    const ctx = this.ctx;
    const connectedRoute = () => {
      if (!sk.connected) return null;
      const rt = net.of(sk.remoteAddr).route(sk.remoteAddr, sk.boundIf || undefined);
      return rt ? { net: net.of(sk.remoteAddr), rt } : null;
    };
    return {
      family: this.family, portBound: sk.bound, stream: false, opts: sk.v6,
      get v6only() { return sk.v6only; }, set v6only(v: boolean) { sk.v6only = v; },
      get hopLimit() { return sk.hopLimit6; }, set hopLimit(v: number) { sk.hopLimit6 = v; },
      get tclass() { return sk.tclass6; }, set tclass(v: number) { sk.tclass6 = v; },
      connectedMtu: () => {
        if (!sk.connected) return null;
        const c = connectedRoute();
        return c ? c.net.routeMtu(c.rt) : 0;
      },
      defaultHopLimit: () => {
        const c = connectedRoute();
        return c ? c.net.defaultHopLimit(c.rt) : ctx.sysctl.ipv6_hop_limit;
      },
      autoFlowlabels: ctx.sysctl.ipv6_auto_flowlabels,
    };
  }

  protected override setOption(o: OptionSpec, value: OptionValue): boolean {
    if (setIpv6Option(this.#ipv6Socket, o, value)) return true;
    const sk = this.sk;
    switch (o.name) {
      case "IP_TTL": {
        const v = intValue(value, "setsockopt");
        if (v !== -1 && (v < 1 || v > 255)) fail("EINVAL", "setsockopt");
        sk.ttl = v;
        return true;
      }
      case "IP_TOS": sk.tos = intValue(value, "setsockopt") & 0xff; return true;
      case "IP_MTU_DISCOVER": {
        const v = intValue(value, "setsockopt");
        if (v < 0 || v > 5) fail("EINVAL", "setsockopt"); // IP_PMTUDISC_DONT … IP_PMTUDISC_OMIT
        sk.pmtudisc = v;
        return true;
      }
      case "IP_RECVERR": sk.recverr = intValue(value, "setsockopt") !== 0; return true;
    }
    return super.setOption(o, value);
  }

  protected override getOption(o: OptionSpec): OptionValue | undefined {
    const v6 = getIpv6Option(this.#ipv6Socket, o);
    if (v6 !== undefined) return v6;
    const sk = this.sk;
    switch (o.name) {
      case "IP_TTL": return sk.ttl >= 0 ? sk.ttl : this.ctx.sysctl.ip_default_ttl;
      case "IP_TOS": return sk.tos;
      case "IP_MTU_DISCOVER": return sk.pmtudisc;
      case "IP_RECVERR": return sk.recverr ? 1 : 0;
      case "IP_MTU": {
        if (!sk.connected) fail("ENOTCONN", "getsockopt");
        const net = this.udp.net.of(sk.remoteAddr);
        const rt = net.route(sk.remoteAddr);
        return rt ? net.routeMtu(rt) : 0;
      }
    }
    return super.getOption(o);
  }
}

/** The flow label (20 bits) of a sockaddr_in6's sin6_flowinfo; 0 for other addresses. */
function flowLabelOf(addr: SockAddr): number {
  return addr.family === AF_INET6 && "flowinfo" in addr && typeof addr.flowinfo === "number" ? addr.flowinfo & 0xfffff : 0;
}
