/**
 * UDP (RFC 768) for one host: the port table (bind rules of Linux's
 * udp_lib_get_port: SO_REUSEADDR on both, or SO_REUSEPORT groups),
 * ephemeral port choice from `ip_local_port_range` (random start, like
 * Linux), output, input demultiplexing (connected > bound address >
 * wildcard; a SO_REUSEPORT group picks by 4-tuple hash), port-unreachable
 * errors, and ICMP errors delivered to connected sockets as ECONNREFUSED
 * and friends (unconnected sockets ignore them without IP_RECVERR, as on Linux).
 */
import { errnoNumber, type ErrnoCode } from "../core/errno.js";
import type { StackContext } from "../core/stack-context.js";
import { addrEq, addrKey, anyAddressOf, familyOps, isAnyAddress, NET_AF_INET6, type InetAddress } from "../net/inet-address.js";
import { bindOverlap, localMatch } from "../net/dual-stack.js";
import { datagramTail, type NetIcmpError, type NetRx, type NetStack } from "../net/network-layer.js";
import { icmpErrConvert } from "../net/ipv4-net.js";
import { IPPROTO_UDP } from "../wire/ipv4.js";
import type { Packet } from "../wire/packet.js";
import { UDP, emitUdp, parseUdp, udpChecksumOkWith } from "../wire/udp.js";
import { WireError } from "../wire/wire-error.js";
import { UDP_DATAGRAM_OVERHEAD, UdpSock, type Ipv6SockOpts } from "./udp-sock.js";

/** `SO_EE_ORIGIN_ICMP` / `SO_EE_ORIGIN_ICMP6` (<linux/errqueue.h>): an error-queue entry from an ICMP / ICMPv6 message. */
export const SO_EE_ORIGIN_ICMP = 2;
export const SO_EE_ORIGIN_ICMP6 = 3;

/** One datagram's ancillary choices (sendmsg's control messages, a link-local destination's scope id). */
export interface UdpSendControl {
  /** Source address (IPV6_PKTINFO's ipi6_addr; the caller checked it is local). */
  src?: InetAddress;
  /** Egress interface index (IPV6_PKTINFO's ipi6_ifindex or the scope id). */
  ifindex?: number;
  /** IPV6_HOPLIMIT; −1 = the socket's. */
  hopLimit?: number;
  /** IPV6_TCLASS. */
  tclass?: number;
  /** The flow label sin6_flowinfo names under IPV6_FLOWINFO_SEND. */
  flowLabel?: number;
}

/**
 * Whether an IPv6 datagram may be fragmented and at what size, by
 * IPV6_MTU_DISCOVER (Linux ip6_append_data / ip6_sk_ignore_df): DONT and
 * WANT fragment at the path MTU, DO refuses above it (EMSGSIZE), PROBE and
 * INTERFACE refuse above the interface MTU, OMIT fragments at it; IPV6_MTU
 * lowers the path MTU used. Returns [don't fragment, the MTU].
 */
export function ipv6SendMtu(v6: Ipv6SockOpts, pathMtu: number, devMtu: number): [boolean, number] {
  const pm = v6.mtu ? Math.min(pathMtu, v6.mtu) : pathMtu;
  switch (v6.pmtudisc) {
    case 2: return [true, pm];
    case 3: case 4: return [true, devMtu];
    case 5: return [false, devMtu];
    default: return [false, pm];
  }
}

/** Largest UDP payload over IPv4: 65535 − 20 − 8 (G6). */
export const UDP_MAX_PAYLOAD = 65507;

/**
 * Maps an IPv4 ICMP error to the errno Linux reports (icmp_err_convert; the
 * network layer classifies errors itself, see net/ipv4-net.ts).
 * @example icmpToErrno(3, 3) === "ECONNREFUSED"
 */
export function icmpToErrno(type: number, code: number): ErrnoCode {
  return icmpErrConvert(type, code);
}

/** The UDP module of one host. */
export class UdpLayer {
  /** Bound sockets by local port. */
  readonly ports = new Map<number, UdpSock[]>();
  #hashKey: number;

  constructor(
    readonly ctx: StackContext,
    /** The host's network layers; UDP reaches each through `net.of(address)`. */
    readonly net: NetStack,
  ) {
    net.registerTransport(IPPROTO_UDP, {
      input: (p, rx) => this.input(p, rx),
      icmpError: (err) => this.icmpError(err),
    });
    this.#hashKey = ctx.rng.u32();
  }

  /** A new unbound socket with the host's default buffer sizes. */
  createSock(): UdpSock {
    return new UdpSock(this.ctx.sysctl.rmem_default, this.ctx.sysctl.wmem_default);
  }

  /** Every bound socket (for tools). */
  *socks(): IterableIterator<UdpSock> {
    for (const list of this.ports.values()) yield* list;
  }

  /**
   * Binds `sk` to `addr:port` (port 0 = pick an ephemeral port). Returns an
   * errno on failure: EINVAL when already bound, EADDRINUSE, EADDRNOTAVAIL
   * for a non-local address, EAGAIN when no ephemeral port is free.
   */
  bind(sk: UdpSock, addr: InetAddress, port: number, nonlocal = false): ErrnoCode | null {
    if (sk.bound) return "EINVAL";
    const net = this.net.of(addr);
    // `nonlocal`: IP_FREEBIND (Linux inet_addr_valid_or_nonlocal).
    if (!nonlocal && !isAnyAddress(addr) && !net.isBroadcast(addr) && !net.isLocalAddress(addr)) return "EADDRNOTAVAIL";
    sk.autobound = port === 0; // Linux inet_bind sets SOCK_BINDPORT_LOCK only for a nonzero port
    if (port === 0) {
      const p = this.#ephemeral(sk, addr);
      if (p === 0) return "EAGAIN";
      port = p;
    } else if (this.#conflicts(sk, addr, port)) {
      return "EADDRINUSE";
    }
    sk.localAddr = addr;
    sk.localPort = port;
    sk.addrBound = !isAnyAddress(addr);
    const list = this.ports.get(port);
    if (list) list.unshift(sk); // newest first, like Linux's hash chains
    else this.ports.set(port, [sk]);
    return null;
  }

  /** Removes `sk` from the port table (close). */
  unbind(sk: UdpSock): void {
    const list = this.ports.get(sk.localPort);
    if (!list) return;
    const i = list.indexOf(sk);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.ports.delete(sk.localPort);
  }

  /**
   * Connects `sk` (autobinding it first). Port 0 with AF_UNSPEC semantics
   * (disconnect) is the caller's: pass `addr` 0 and `port` 0.
   */
  connect(sk: UdpSock, addr: InetAddress, port: number): ErrnoCode | null {
    if (isAnyAddress(addr) && port === 0) {
      sk.remoteAddr = anyAddressOf(sk.remoteAddr);
      sk.remotePort = 0;
      // Linux __udp_disconnect: forget the source chosen at connect unless bind() set it
      // (inet_reset_saddr: an AF_INET6 socket goes back to [::], dual stack).
      if (!sk.addrBound) sk.localAddr = sk.inet6 ? familyOps(NET_AF_INET6).any : 0;
      return null;
    }
    const net = this.net.of(addr);
    const rt = net.route(addr, sk.boundIf || undefined);
    if (!rt) return "ENETUNREACH";
    if (!sk.bound) {
      const e = this.bind(sk, sk.localAddr, 0); // unbound: the socket's own wildcard (0.0.0.0 or [::])
      if (e) return e;
    }
    // Linux ip4_datagram_connect: an unbound source address becomes the route's.
    if (isAnyAddress(sk.localAddr)) sk.localAddr = rt.src;
    sk.remoteAddr = addr;
    sk.remotePort = port;
    return null;
  }

  /**
   * Sends one datagram from `sk` to `dst:dport` (or the connected peer).
   * `data` is referenced, not copied (the caller copied it out of user memory).
   * `ctl`: one datagram's ancillary choices (sendmsg's IPV6_PKTINFO source
   * and interface, IPV6_HOPLIMIT, IPV6_TCLASS; a link-local destination's
   * scope id as `ifindex`). Returns the number of bytes sent or an errno.
   */
  sendto(sk: UdpSock, data: Uint8Array, dst: InetAddress, dport: number, ctl?: UdpSendControl): number | ErrnoCode {
    const c = this.ctx.counters;
    if (data.length > UDP_MAX_PAYLOAD) return "EMSGSIZE";
    const net = this.net.of(dst);
    if (net.isBroadcast(dst) && !sk.broadcast) return "EACCES";
    if (!sk.bound) {
      const e = this.bind(sk, sk.localAddr, 0); // unbound: the socket's own wildcard (0.0.0.0 or [::])
      if (e) return e;
    }
    const rt = net.route(dst, ctl?.ifindex || sk.boundIf || undefined);
    if (!rt) {
      c.inc(c.Udp, "OutErrors");
      return "ENETUNREACH";
    }
    const src = ctl?.src ?? (!isAnyAddress(sk.localAddr) ? sk.localAddr : rt.src);
    const l3 = net.headerReserve;
    const head = new Uint8Array(l3 + UDP.HEADER);
    emitUdp(sk.localPort, dport, data.length, head, l3);
    let err: ErrnoCode | null;
    if (typeof dst === "number") {
      // Linux's default IP_PMTUDISC_WANT: DF on datagrams that fit, fragment the others.
      err = net.output(rt, src, dst, IPPROTO_UDP, head, data, ctl?.hopLimit ?? sk.ttl, ctl?.tclass ?? sk.tos, l3 + UDP.HEADER + data.length <= net.routeMtu(rt));
    } else {
      const [df, mtu] = ipv6SendMtu(sk.v6, net.routeMtu(rt), rt.iface.mtu);
      err = net.output(rt, src, dst, IPPROTO_UDP, head, data, ctl?.hopLimit ?? sk.hopLimit6, ctl?.tclass ?? sk.tclass6, df, mtu, {
        label: ctl?.flowLabel || sk.v6.connFlow || undefined, auto: sk.v6.autoflowlabel ?? undefined,
      });
    }
    if (err) {
      c.inc(c.Udp, "SndbufErrors");
      // Linux udp_send_skb: a qdisc drop (ENOBUFS) is reported only under IP_RECVERR.
      if (err === "ENOBUFS" && !sk.recverr) return data.length;
      return err;
    }
    c.inc(c.Udp, "OutDatagrams");
    return data.length;
  }

  /** Handles a received datagram. */
  input(packet: Packet, hdr: NetRx): void {
    const c = this.ctx.counters;
    const l4 = hdr.headerLength;
    const u = parseUdp(packet.head, l4, hdr.totalLength - l4);
    if (u instanceof WireError) {
      c.inc(c.Udp, "InErrors");
      return;
    }
    const data = datagramTail(packet, l4 + UDP.HEADER).subarray(0, u.length - UDP.HEADER);
    const net = this.net.of(hdr.src);
    if (!packet.csumPartial && !udpChecksumOkWith(net.pseudoHeaderSum(hdr.src, hdr.dst, IPPROTO_UDP, UDP.HEADER + data.length), packet.head, l4, data)) {
      c.inc(c.Udp, "InCsumErrors");
      c.inc(c.Udp, "InErrors");
      return;
    }
    const sk = this.lookup(hdr.src, u.srcPort, hdr.dst, u.dstPort);
    if (!sk) {
      c.inc(c.Udp, "NoPorts");
      if (!net.isBroadcast(hdr.dst)) net.sendUnreachable("port", packet, hdr);
      return;
    }
    const ok = sk.enqueue({
      data, from: hdr.src, fromPort: u.srcPort, to: hdr.dst, truesize: data.length + UDP_DATAGRAM_OVERHEAD,
      hopLimit: hdr.ttl ?? 0, tclass: hdr.tos, ifindex: hdr.ifindex ?? 0, flowinfo: hdr.flowLabel === undefined ? 0 : ((hdr.tos << 20) | hdr.flowLabel) >>> 0,
    });
    if (!ok) {
      c.inc(c.Udp, "RcvbufErrors");
      c.inc(c.Udp, "InErrors");
      return;
    }
    c.inc(c.Udp, "InDatagrams");
    this.ctx.notifyWake();
  }

  /**
   * The socket a datagram belongs to: the best-scoring match (connected
   * peer and exact local address score higher), ties broken by a
   * SO_REUSEPORT 4-tuple hash.
   */
  lookup(saddr: InetAddress, sport: number, daddr: InetAddress, dport: number): UdpSock | null {
    const list = this.ports.get(dport);
    if (!list) return null;
    let best: UdpSock | null = null;
    let bestScore = -1;
    let group: UdpSock[] | null = null;
    for (const sk of list) {
      // The local address (dual-stack.ts: exact 4, a wildcard of the packet's family above a dual-stack [::]).
      const m = localMatch(sk.localAddr, sk.v6only, daddr);
      if (m < 0) continue;
      let score = m;
      if (sk.remotePort !== 0) {
        if (!addrEq(sk.remoteAddr, saddr) || sk.remotePort !== sport) continue;
        score += 8;
      }
      if (score > bestScore) {
        best = sk;
        bestScore = score;
        group = sk.reusePort ? [sk] : null;
      } else if (score === bestScore && group && sk.reusePort) {
        group.push(sk);
      }
    }
    if (group && group.length > 1) {
      // Oldest first, then pick by hash (Linux reuseport_select_sock).
      group.reverse();
      const h = tupleHash(addrKey(saddr), sport, addrKey(daddr), dport, this.#hashKey);
      return group[h % group.length]!;
    }
    return best;
  }

  /**
   * An ICMP error about a datagram we sent (Linux __udp4_lib_err,
   * __udp6_lib_err): the socket is the one the quoted datagram came from —
   * a connected socket whose peer it was before an unconnected one. Without
   * IP_RECVERR only a connected socket hears, and only hard errors (port or
   * protocol unreachable, parameter problem…; net/host unreachable and time
   * exceeded are soft); with it, every error sets the socket's error.
   * Fragmentation needed / Packet Too Big is EMSGSIZE and hard unless the
   * socket turned path-MTU discovery off (then it is no error; for IPv6
   * IPV6_PMTUDISC_INTERFACE and OMIT take no Packet Too Big at all); source
   * quench and redirects never are. With IP_RECVERR / IPV6_RECVERR (the
   * option of the error's family) the error is also queued on the error
   * queue with its `sock_extended_err` (Linux ip_icmp_error /
   * ipv6_icmp_error).
   */
  icmpError(info: NetIcmpError): void {
    const q = info.quotedL4;
    const sport = (q[0]! << 8) | q[1]!;
    const dport = (q[2]! << 8) | q[3]!;
    const c = this.ctx.counters;
    const list = this.ports.get(sport);
    if (!list) {
      c.inc(c.Icmp, "InErrors"); // Linux __udp4_lib_err: no socket
      return;
    }
    let sk: UdpSock | null = null;
    for (const s of list) {
      if (!isAnyAddress(s.localAddr) && !addrEq(s.localAddr, info.quotedSrc)) continue;
      if (s.connected) {
        if (!addrEq(s.remoteAddr, info.quotedDst) || s.remotePort !== dport) continue;
        sk = s;
        break;
      }
      sk ??= s;
    }
    const v6 = info.family === NET_AF_INET6;
    let hard = info.hard;
    let errno = info.errno;
    if (info.kind === "pmtu" && sk) {
      const pmtudisc = v6 ? sk.v6.pmtudisc : sk.pmtudisc;
      // Linux ip6_sk_accept_pmtu: INTERFACE and OMIT ignore Packet Too Big altogether.
      hard = pmtudisc !== 0 && !(v6 && pmtudisc >= 4);
      errno = "EMSGSIZE";
    }
    const recverr = sk !== null && (v6 ? sk.v6.recverr : sk.recverr);
    if (!sk || info.kind === "ignore" || (info.kind === "pmtu" && !hard) || (!recverr && !(hard && sk.connected))) {
      c.inc(c.Sockstack, "IcmpInDiscards"); // a socket that takes no such error
      return;
    }
    if (recverr) {
      const payload = q.subarray(UDP.HEADER).slice();
      sk.queueError({
        ee: { ee_errno: errnoNumber(errno), ee_origin: v6 ? SO_EE_ORIGIN_ICMP6 : SO_EE_ORIGIN_ICMP, ee_type: info.type, ee_code: info.code, ee_pad: 0, ee_info: info.kind === "pmtu" ? info.mtu : 0, ee_data: 0 },
        offender: info.from, dst: info.quotedDst, dport, payload, truesize: payload.length + UDP_DATAGRAM_OVERHEAD,
      });
    }
    sk.setError(errno);
    this.ctx.notifyWake();
  }

  #conflicts(sk: UdpSock, addr: InetAddress, port: number): boolean {
    const list = this.ports.get(port);
    if (!list) return false;
    for (const o of list) {
      if (o === sk) continue;
      if (!bindOverlap(o.localAddr, o.v6only, addr, sk.v6only)) continue;
      if (o.reuseAddr && sk.reuseAddr) continue;
      if (o.reusePort && sk.reusePort) continue;
      return true;
    }
    return false;
  }

  #ephemeral(sk: UdpSock, addr: InetAddress): number {
    const [lo, hi] = this.ctx.sysctl.ip_local_port_range;
    const n = hi - lo + 1;
    const start = this.ctx.rng.below(n);
    for (let i = 0; i < n; i++) {
      const port = lo + ((start + i) % n);
      if (!this.#conflicts(sk, addr, port)) return port;
    }
    return 0;
  }
}

/** A keyed hash of a 4-tuple (for SO_REUSEPORT selection). */
export function tupleHash(saddr: number, sport: number, daddr: number, dport: number, key: number): number {
  let h = key ^ 0x9e3779b9;
  for (const v of [saddr, daddr, (sport << 16) | dport]) {
    h = Math.imul(h ^ v, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

