/**
 * IPv4 as a {@link NetworkLayer}: a thin view of the host's {@link IpLayer}
 * (src/ip/). Datagrams go up unconverted — the IPv4 header record IP parses
 * already has the {@link NetRx} fields, so the per-segment path costs no
 * copy and no extra call — and ICMP errors are classified here, with
 * Linux's `icmp_err_convert` table, into a {@link NetIcmpError}.
 */
import type { ErrnoCode } from "../core/errno.js";
import type { IpLayer } from "../ip/ip-layer.js";
import type { IcmpErrorInfo } from "../ip/protocol.js";
import type { RouteResult } from "../ip/route-table.js";
import { pseudoHeaderSum } from "../wire/checksum.js";
import { IPV4, type Ipv4Header } from "../wire/ipv4.js";
import { INADDR_BROADCAST, isLoopback, type Ipv4Address } from "../wire/ipv4-address.js";
import type { Packet } from "../wire/packet.js";
import { NET_AF_INET, type InetAddress } from "./inet-address.js";
import type { NetIcmpError, NetRoute, NetRx, NetUnreachable, NetworkLayer, TransportHandler } from "./network-layer.js";

/** The smallest IPv4 MTU (RFC 791: every host takes 68-byte datagrams; Linux's PMTU floor). */
export const IPV4_MIN_MTU = 68;

/** ICMP destination-unreachable codes → errno (Linux icmp_err_convert, codes 0–15). */
const UNREACH_ERRNO: readonly ErrnoCode[] = [
  "ENETUNREACH", "EHOSTUNREACH", "ENOPROTOOPT", "ECONNREFUSED", "EMSGSIZE", "EOPNOTSUPP",
  "ENETUNREACH", "EHOSTDOWN", "ENONET", "ENETUNREACH", "EHOSTUNREACH", "ENETUNREACH", "EHOSTUNREACH",
  "EHOSTUNREACH", "EHOSTUNREACH", "EHOSTUNREACH",
];

/** Which destination-unreachable codes are hard errors (icmp_err_convert's `fatal`, codes 0–15). */
const UNREACH_FATAL: readonly boolean[] = [
  false, false, true, true, false, false, true, true, true, true, true, false, false, true, true, true,
];

/**
 * Whether Linux counts an ICMP error as hard (__udp4_lib_err's `harderr`):
 * unreachable by code (unknown codes soft), a parameter problem hard, time
 * exceeded soft. Fragmentation needed is soft here; UDP makes it hard
 * unless the socket turned path-MTU discovery off.
 * @example icmpErrHard(3, 3) === true // port unreachable
 */
export function icmpErrHard(type: number, code: number): boolean {
  if (type === 3) return UNREACH_FATAL[code] ?? false;
  return type === 12;
}

/**
 * The errno Linux reports for an ICMP error (icmp_err_convert for
 * destination unreachable; EHOSTUNREACH for time exceeded, EPROTO for a
 * parameter problem, as tcp_v4_err and __udp4_lib_err).
 * @example icmpErrConvert(3, 3) === "ECONNREFUSED"
 */
export function icmpErrConvert(type: number, code: number): ErrnoCode {
  if (type === 3) return UNREACH_ERRNO[code] ?? "EHOSTUNREACH";
  if (type === 12) return "EPROTO";
  return "EHOSTUNREACH";
}

/** Classifies an IPv4 ICMP error for a transport (RFC 1122 §4.2.3.9, Linux tcp_v4_err / __udp4_lib_err). */
export function classifyIcmpV4(info: IcmpErrorInfo): NetIcmpError {
  const { type, code } = info;
  // Fragmentation needed is a PMTU update; source quench (4) and redirect (5) are no error for the socket.
  const kind = type === 3 && code === 4 ? "pmtu" : type === 4 || type === 5 ? "ignore" : "error";
  return {
    family: NET_AF_INET, kind, errno: icmpErrConvert(type, code), hard: icmpErrHard(type, code), mtu: info.mtu, from: info.from,
    quotedSrc: info.quoted.src, quotedDst: info.quoted.dst, quotedL4: info.quotedL4, type, code,
  };
}

/** Destinations whose route result {@link Ipv4Net.route} keeps to share (the cache is emptied when full). */
const ROUTE_SHARE_MAX = 4096;

/** The IPv4 network layer of one host. */
export class Ipv4Net implements NetworkLayer {
  readonly family = NET_AF_INET;
  readonly any: InetAddress = 0;
  readonly headerReserve = IPV4.MIN_HEADER;
  readonly minMtu = IPV4_MIN_MTU;
  /** The last route result per destination, handed out again while a lookup gives the same one. */
  readonly #shared = new Map<Ipv4Address, RouteResult>();

  constructor(
    /** The host's IPv4 layer. */
    readonly ip: IpLayer,
  ) {}

  get routeGeneration(): number {
    return this.ip.routes.generation;
  }

  isLocalAddress(a: InetAddress): boolean {
    return typeof a === "number" && this.ip.isLocalAddress(a);
  }

  hasInterface(ifindex: number): boolean {
    return this.ip.interfaces.some((i) => i.index === ifindex);
  }

  isLoopback(a: InetAddress): boolean {
    return typeof a === "number" && isLoopback(a);
  }

  isBroadcast(a: InetAddress): boolean {
    return a === INADDR_BROADCAST;
  }

  /**
   * The route to `dst`. Every call looks the route up afresh; a result equal
   * to the last one for the same destination is replaced by that one, so
   * the connections to one destination share a single result object (Linux
   * shares the nexthop's cached `rtable` the same way) instead of each TCB
   * holding its own.
   */
  route(dst: InetAddress): NetRoute | null {
    const r = this.ip.route(dst as Ipv4Address);
    if (!r) return null;
    const shared = this.#shared;
    const c = shared.get(dst as Ipv4Address);
    if (c && c.route === r.route && c.iface === r.iface && c.nextHop === r.nextHop && c.src === r.src) return c;
    if (shared.size >= ROUTE_SHARE_MAX) shared.clear();
    shared.set(dst as Ipv4Address, r);
    return r;
  }

  routeMtu(rt: NetRoute): number {
    // Linux ipv4_mtu: the route's `mtu` metric when set (even above the device's), else the device's.
    return Math.min(rt.metrics.mtu || rt.iface.mtu, 0xffff);
  }

  defaultHopLimit(_rt: NetRoute): number {
    return this.ip.ctx.sysctl.ip_default_ttl;
  }

  pseudoHeaderSum(src: InetAddress, dst: InetAddress, protocol: number, length: number): number {
    return pseudoHeaderSum(src as Ipv4Address, dst as Ipv4Address, protocol, length);
  }

  output(
    rt: NetRoute, src: InetAddress, dst: InetAddress, protocol: number, head: Uint8Array, payload: Uint8Array,
    hopLimit: number, tclass: number, df: boolean,
  ): ErrnoCode | null {
    const ip = this.ip;
    return ip.outputWith(
      rt as RouteResult, src as Ipv4Address, dst as Ipv4Address, protocol, head, payload,
      hopLimit >= 0 ? hopLimit : ip.ctx.sysctl.ip_default_ttl, tclass, df,
    );
  }

  register(protocol: number, handler: TransportHandler): void {
    const onError = handler.icmpError?.bind(handler);
    // The parsed IPv4 header is the NetRx: the handler's input is registered as it is.
    this.ip.register(protocol, {
      input: handler.input.bind(handler),
      icmpError: onError ? (info) => onError(classifyIcmpV4(info)) : undefined,
    });
  }

  sendUnreachable(why: NetUnreachable, packet: Packet, rx: NetRx): void {
    this.ip.icmpErrorSender?.(3, why === "port" ? 3 : 2, 0, packet, rx as Ipv4Header);
  }
}
