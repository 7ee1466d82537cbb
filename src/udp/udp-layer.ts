/**
 * UDP (RFC 768) for one host: the port table (bind rules of Linux's
 * udp_lib_get_port: SO_REUSEADDR on both, or SO_REUSEPORT groups),
 * ephemeral port choice from `ip_local_port_range` (random start, like
 * Linux), output, input demultiplexing (connected > bound address >
 * wildcard; a SO_REUSEPORT group picks by 4-tuple hash), port-unreachable
 * errors, and ICMP errors delivered to connected sockets as ECONNREFUSED
 * and friends (unconnected sockets ignore them without IP_RECVERR, as on Linux).
 */
import type { ErrnoCode } from "../core/errno.js";
import type { StackContext } from "../core/stack-context.js";
import type { IpLayer } from "../ip/ip-layer.js";
import type { NetInterface } from "../ip/interface.js";
import { datagramTail, type IcmpErrorInfo } from "../ip/protocol.js";
import { IPPROTO_UDP, IPV4, type Ipv4Header } from "../wire/ipv4.js";
import { INADDR_ANY, INADDR_BROADCAST, type Ipv4Address } from "../wire/ipv4-address.js";
import type { Packet } from "../wire/packet.js";
import { UDP, emitUdp, parseUdp, udpChecksumOk } from "../wire/udp.js";
import { WireError } from "../wire/wire-error.js";
import { UDP_DATAGRAM_OVERHEAD, UdpSock } from "./udp-sock.js";

/** Largest UDP payload over IPv4: 65535 − 20 − 8 (G6). */
export const UDP_MAX_PAYLOAD = 65507;

/** ICMP unreachable codes → errno (Linux icmp_err_convert). */
const UNREACH_ERRNO: ErrnoCode[] = [
  "ENETUNREACH", "EHOSTUNREACH", "ENOPROTOOPT", "ECONNREFUSED", "EMSGSIZE", "EOPNOTSUPP",
  "ENETUNREACH", "EHOSTDOWN", "ENONET", "ENETUNREACH", "EHOSTUNREACH", "ENETUNREACH", "EHOSTUNREACH",
  "EHOSTUNREACH", "EHOSTUNREACH", "EHOSTUNREACH",
];

/** Maps an ICMP error to the errno Linux reports (icmp_err_convert). */
export function icmpToErrno(type: number, code: number): ErrnoCode {
  if (type === 3) return UNREACH_ERRNO[code] ?? "EHOSTUNREACH";
  if (type === 11) return "EHOSTUNREACH";
  if (type === 12) return "EPROTO";
  return "EHOSTUNREACH";
}

/** The UDP module of one host. */
export class UdpLayer {
  /** Bound sockets by local port. */
  readonly ports = new Map<number, UdpSock[]>();
  #hashKey: number;

  constructor(readonly ctx: StackContext, readonly ip: IpLayer) {
    ip.register(IPPROTO_UDP, {
      input: (p, h, i) => this.input(p, h, i),
      icmpError: (info) => this.icmpError(info),
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
  bind(sk: UdpSock, addr: Ipv4Address, port: number): ErrnoCode | null {
    if (sk.bound) return "EINVAL";
    if (addr !== INADDR_ANY && addr !== INADDR_BROADCAST && !this.ip.isLocalAddress(addr)) return "EADDRNOTAVAIL";
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
    sk.addrBound = addr !== INADDR_ANY;
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
  connect(sk: UdpSock, addr: Ipv4Address, port: number): ErrnoCode | null {
    if (addr === 0 && port === 0) {
      sk.remoteAddr = 0;
      sk.remotePort = 0;
      // Linux __udp_disconnect: forget the source chosen at connect unless bind() set it.
      if (!sk.addrBound) sk.localAddr = INADDR_ANY;
      return null;
    }
    const rt = this.ip.route(addr);
    if (!rt) return "ENETUNREACH";
    if (!sk.bound) {
      const e = this.bind(sk, INADDR_ANY, 0);
      if (e) return e;
    }
    // Linux ip4_datagram_connect: an unbound source address becomes the route's.
    if (sk.localAddr === INADDR_ANY) sk.localAddr = rt.src;
    sk.remoteAddr = addr;
    sk.remotePort = port;
    return null;
  }

  /**
   * Sends one datagram from `sk` to `dst:dport` (or the connected peer).
   * `data` is referenced, not copied (the caller copied it out of user memory).
   * Returns the number of bytes sent or an errno.
   */
  sendto(sk: UdpSock, data: Uint8Array, dst: Ipv4Address, dport: number): number | ErrnoCode {
    const c = this.ctx.counters;
    if (data.length > UDP_MAX_PAYLOAD) return "EMSGSIZE";
    if (dst === INADDR_BROADCAST && !sk.broadcast) return "EACCES";
    if (!sk.bound) {
      const e = this.bind(sk, INADDR_ANY, 0);
      if (e) return e;
    }
    const rt = this.ip.route(dst);
    if (!rt) {
      c.inc(c.Udp, "OutErrors");
      return "ENETUNREACH";
    }
    const src = sk.localAddr !== INADDR_ANY ? sk.localAddr : rt.src;
    const head = new Uint8Array(IPV4.MIN_HEADER + UDP.HEADER);
    emitUdp(sk.localPort, dport, data.length, head, IPV4.MIN_HEADER);
    const err = this.ip.output(rt, src, dst, IPPROTO_UDP, head, data, {
      ttl: sk.ttl >= 0 ? sk.ttl : undefined,
      tos: sk.tos,
      // Linux's default IP_PMTUDISC_WANT: DF on datagrams that fit, fragment the others.
      df: IPV4.MIN_HEADER + UDP.HEADER + data.length <= rt.iface.mtu,
    });
    if (err) {
      c.inc(c.Udp, "SndbufErrors");
      return err;
    }
    c.inc(c.Udp, "OutDatagrams");
    return data.length;
  }

  /** Handles a received datagram. */
  input(packet: Packet, hdr: Ipv4Header, _iface: NetInterface): void {
    const c = this.ctx.counters;
    const l4 = hdr.headerLength;
    const u = parseUdp(packet.head, l4, hdr.totalLength - l4);
    if (u instanceof WireError) {
      c.inc(c.Udp, "InErrors");
      return;
    }
    const data = datagramTail(packet, l4 + UDP.HEADER).subarray(0, u.length - UDP.HEADER);
    if (!packet.csumPartial && !udpChecksumOk(hdr.src, hdr.dst, packet.head, l4, data)) {
      c.inc(c.Udp, "InCsumErrors");
      c.inc(c.Udp, "InErrors");
      return;
    }
    const sk = this.lookup(hdr.src, u.srcPort, hdr.dst, u.dstPort);
    if (!sk) {
      c.inc(c.Udp, "NoPorts");
      if (hdr.dst !== INADDR_BROADCAST) this.ip.icmpErrorSender?.(3, 3, 0, packet, hdr);
      return;
    }
    const ok = sk.enqueue({ data, from: hdr.src, fromPort: u.srcPort, to: hdr.dst, truesize: data.length + UDP_DATAGRAM_OVERHEAD });
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
  lookup(saddr: Ipv4Address, sport: number, daddr: Ipv4Address, dport: number): UdpSock | null {
    const list = this.ports.get(dport);
    if (!list) return null;
    let best: UdpSock | null = null;
    let bestScore = -1;
    let group: UdpSock[] | null = null;
    for (const sk of list) {
      let score = 0;
      if (sk.localAddr !== INADDR_ANY) {
        if (sk.localAddr !== daddr) continue;
        score += 4;
      }
      if (sk.remotePort !== 0) {
        if (sk.remoteAddr !== saddr || sk.remotePort !== sport) continue;
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
      const h = tupleHash(saddr, sport, daddr, dport, this.#hashKey);
      return group[h % group.length]!;
    }
    return best;
  }

  /** An ICMP error about a datagram we sent. */
  icmpError(info: IcmpErrorInfo): void {
    const q = info.quotedL4;
    const sport = (q[0]! << 8) | q[1]!;
    const dport = (q[2]! << 8) | q[3]!;
    const c = this.ctx.counters;
    const list = this.ports.get(sport);
    if (!list) {
      c.inc(c.Icmp, "InErrors"); // Linux __udp4_lib_err: no socket
      return;
    }
    for (const sk of list) {
      if (sk.localAddr !== INADDR_ANY && sk.localAddr !== info.quoted.src) continue;
      // Linux reports errors to unconnected UDP sockets only with IP_RECVERR.
      if (!sk.connected || sk.remoteAddr !== info.quoted.dst || sk.remotePort !== dport) continue;
      if (info.type === 3 && info.code === 4) {
        c.inc(c.Sockstack, "IcmpInDiscards"); // PMTU update: no error for the socket
        return;
      }
      sk.setError(icmpToErrno(info.type, info.code));
      this.ctx.notifyWake();
      return;
    }
    c.inc(c.Sockstack, "IcmpInDiscards"); // a socket that takes no errors (unconnected, no IP_RECVERR)
  }

  #conflicts(sk: UdpSock, addr: Ipv4Address, port: number): boolean {
    const list = this.ports.get(port);
    if (!list) return false;
    for (const o of list) {
      if (o === sk) continue;
      if (o.localAddr !== INADDR_ANY && addr !== INADDR_ANY && o.localAddr !== addr) continue;
      if (o.reuseAddr && sk.reuseAddr) continue;
      if (o.reusePort && sk.reusePort) continue;
      return true;
    }
    return false;
  }

  #ephemeral(sk: UdpSock, addr: Ipv4Address): number {
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
