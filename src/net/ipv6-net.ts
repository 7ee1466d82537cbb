/**
 * IPv6 as a {@link NetworkLayer}: a view of the host's {@link Ip6Layer}
 * (src/ip6/). Addresses cross the boundary as {@link Inet6Address} (four
 * 32-bit words) and become 16-byte arrays inside ip6/; routes carry their
 * destination so the path MTU (Packet Too Big) applies; ICMPv6 errors are
 * classified here with Linux's `icmpv6_err_convert`. Registers IPv6's text
 * forms ({@link registerFamily}) for `formatInetAddress`/`parseInetAddress`.
 */
import type { ErrnoCode } from "../core/errno.js";
import type { Ip6Layer } from "../ip6/ip6-layer.js";
import type { Route6Result } from "../ip6/route6.js";
import type { Icmp6ErrorInfo } from "../ip6/protocol6.js";
import { IPV6, IPV6_MIN_MTU, newIpv6Header, parseIpv6Into } from "../wire/ipv6.js";
import { formatIpv6Address, isLoopback6, parseIpv6Address, type Ipv6Address } from "../wire/ipv6-address.js";
import type { Packet } from "../wire/packet.js";
import { NO_METRICS } from "../ip/route-metrics.js";
import type { NetInterface } from "../ip/interface.js";
import { NET_AF_INET6, registerFamily, type Inet6Address, type InetAddress } from "./inet-address.js";
import type { NetFlow, NetIcmpError, NetRoute, NetRx, NetUnreachable, NetworkLayer, TransportHandler } from "./network-layer.js";

/** The big-endian 32-bit word at `b[at]` (a module function, not a per-call closure: tsx wraps each of those). */
function word(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) | 0;
}

/** Writes `w` big-endian at `out[at]`. */
function putWord(out: Uint8Array, at: number, w: number): void {
  out[at] = w >>> 24;
  out[at + 1] = (w >>> 16) & 255;
  out[at + 2] = (w >>> 8) & 255;
  out[at + 3] = w & 255;
}

/** An {@link Inet6Address} from 16 bytes at `b[off]`. */
export function inet6FromBytes(b: Uint8Array, off = 0): Inet6Address {
  const w0 = word(b, off), w1 = word(b, off + 4), w2 = word(b, off + 8), w3 = word(b, off + 12);
  return { family: NET_AF_INET6, w0, w1, w2, w3, key: (w0 ^ Math.imul(w1, 31) ^ Math.imul(w2, 961) ^ Math.imul(w3, 29791)) | 0 };
}

/** The 16 bytes of an {@link Inet6Address}. */
export function inet6Bytes(a: Inet6Address): Ipv6Address {
  const out = new Uint8Array(16);
  putWord(out, 0, a.w0);
  putWord(out, 4, a.w1);
  putWord(out, 8, a.w2);
  putWord(out, 12, a.w3);
  return out;
}

/** `::` as an {@link Inet6Address}. */
export const INET6_ANY: Inet6Address = inet6FromBytes(new Uint8Array(16));

registerFamily({
  family: NET_AF_INET6,
  format: (a) => formatIpv6Address(inet6Bytes(a as Inet6Address)),
  parse: (s) => {
    const b = parseIpv6Address(s);
    return b ? inet6FromBytes(b) : null;
  },
  any: INET6_ANY,
});

/** A route as IPv6 hands it to the transports: the {@link NetRoute} plus what output needs. */
interface Net6Route extends NetRoute {
  readonly r6: Route6Result;
  readonly dst: Ipv6Address;
}

/** ICMPv6 destination-unreachable codes → errno (Linux icmpv6_err_convert's tab_unreach). */
const UNREACH6_ERRNO: readonly ErrnoCode[] = ["ENETUNREACH", "EACCES", "EHOSTUNREACH", "EHOSTUNREACH", "ECONNREFUSED", "EACCES", "EACCES"];

/**
 * The errno Linux reports for an ICMPv6 error (icmpv6_err_convert):
 * unreachable by code, EMSGSIZE for Packet Too Big, EPROTO for a parameter
 * problem, EHOSTUNREACH for time exceeded.
 * @example icmpv6ErrConvert(1, 4) === "ECONNREFUSED"
 */
export function icmpv6ErrConvert(type: number, code: number): ErrnoCode {
  if (type === 1) return UNREACH6_ERRNO[code] ?? "EPROTO";
  if (type === 2) return "EMSGSIZE";
  if (type === 4) return "EPROTO";
  return "EHOSTUNREACH";
}

/** Which ICMPv6 unreachable codes are hard errors (icmpv6_err_convert's tab_unreach `fatal`). */
const UNREACH6_FATAL: readonly boolean[] = [false, true, false, false, true, true, true];

/**
 * Whether Linux counts an ICMPv6 error as hard (icmpv6_err_convert's
 * `fatal`): unreachable by code (unknown codes hard), a parameter problem
 * hard, time exceeded and Packet Too Big soft (UDP makes the latter hard
 * unless the socket turned path-MTU discovery off).
 * @example icmpv6ErrHard(1, 0) === false // no route
 */
export function icmpv6ErrHard(type: number, code: number): boolean {
  if (type === 1) return UNREACH6_FATAL[code] ?? true;
  return type === 4;
}

/** Classifies an ICMPv6 error for a transport. */
export function classifyIcmpV6(info: Icmp6ErrorInfo): NetIcmpError {
  const { type, code } = info;
  return {
    family: NET_AF_INET6, kind: type === 2 ? "pmtu" : "error", errno: icmpv6ErrConvert(type, code), hard: icmpv6ErrHard(type, code), mtu: type === 2 ? info.info : 0,
    from: inet6FromBytes(info.from), quotedSrc: inet6FromBytes(info.quoted.src), quotedDst: inet6FromBytes(info.quoted.dst),
    quotedL4: info.quotedL4, type, code,
  };
}

/** The IPv6 network layer of one host. */
export class Ipv6Net implements NetworkLayer {
  readonly family = NET_AF_INET6;
  readonly any: InetAddress = INET6_ANY;
  readonly headerReserve = IPV6.HEADER;
  readonly minMtu = IPV6_MIN_MTU;

  constructor(
    /** The host's IPv6 layer. */
    readonly ip6: Ip6Layer,
  ) {}

  get routeGeneration(): number {
    return this.ip6.routes.generation;
  }

  isLocalAddress(a: InetAddress, ifindex?: number): boolean {
    if (typeof a === "number") return false;
    if (!ifindex) return this.ip6.isLocalAddress(inet6Bytes(a));
    const iface = this.ip6.ip.interfaces.find((i) => i.index === ifindex);
    return !!iface && this.ip6.addrconf.addressOn(iface, inet6Bytes(a), false);
  }

  hasInterface(ifindex: number): boolean {
    return this.ip6.ip.interfaces.some((i) => i.index === ifindex);
  }

  isLoopback(a: InetAddress): boolean {
    return typeof a !== "number" && isLoopback6(inet6Bytes(a));
  }

  isBroadcast(_a: InetAddress): boolean {
    return false;
  }

  route(dst: InetAddress, oif?: number): NetRoute | null {
    if (typeof dst === "number") return null;
    const d = inet6Bytes(dst);
    let dev: NetInterface | undefined;
    if (oif) {
      dev = this.ip6.ip.interfaces.find((i) => i.index === oif);
      if (!dev) return null;
    }
    const r6 = this.ip6.route(d, dev);
    if (!r6) return null;
    const src = this.ip6.selectSource(d, r6.iface);
    if (!src) return null;
    const m = r6.route.metrics ?? (r6.route.mtu ? { mtu: r6.route.mtu } : NO_METRICS);
    const rt: Net6Route = { src: inet6FromBytes(src), iface: r6.iface, r6, dst: d, metrics: m };
    return rt;
  }

  routeMtu(rt: NetRoute): number {
    const r = rt as Net6Route;
    return r.r6 ? this.ip6.pathMtu(r.r6, r.dst) : rt.iface.mtu;
  }

  defaultHopLimit(rt: NetRoute): number {
    return this.ip6.hopLimit((rt as Net6Route).r6.iface);
  }

  pseudoHeaderSum(src: InetAddress, dst: InetAddress, protocol: number, length: number): number {
    const s = src as Inet6Address, d = dst as Inet6Address;
    let acc = 0;
    for (const w of [s.w0, s.w1, s.w2, s.w3, d.w0, d.w1, d.w2, d.w3]) acc += (w >>> 16) + (w & 0xffff);
    return acc + (length >>> 16) + (length & 0xffff) + protocol;
  }

  output(
    rt: NetRoute, src: InetAddress, dst: InetAddress, protocol: number, head: Uint8Array, payload: Uint8Array,
    hopLimit: number, tclass: number, df: boolean, mtu = 0, flow?: NetFlow,
  ): ErrnoCode | null {
    const r = rt as Net6Route;
    return this.ip6.output(r.r6, inet6Bytes(src as Inet6Address), inet6Bytes(dst as Inet6Address), protocol, head, payload, {
      hopLimit: hopLimit >= 0 ? hopLimit : undefined, trafficClass: tclass, dontFrag: df, mtu: mtu || undefined,
      flowLabel: flow?.label || undefined, autoLabel: flow?.auto,
    });
  }

  register(protocol: number, handler: TransportHandler): void {
    const onError = handler.icmpError?.bind(handler);
    this.ip6.register(protocol, {
      input: (p, h, l4off, iface) => {
        handler.input(p, {
          src: inet6FromBytes(h.src), dst: inet6FromBytes(h.dst), headerLength: l4off, totalLength: IPV6.HEADER + h.payloadLength, tos: h.trafficClass,
          ttl: h.hopLimit, ifindex: iface.index, flowLabel: h.flowLabel,
        });
      },
      icmpError: onError ? (info) => onError(classifyIcmpV6(info)) : undefined,
    });
  }

  sendUnreachable(why: NetUnreachable, packet: Packet, _rx: NetRx): void {
    const h = newIpv6Header();
    if (parseIpv6Into(packet.head, packet.length, h)) return;
    // Port: destination unreachable, port (4); protocol: parameter problem, unrecognized next header at its field.
    if (why === "port") this.ip6.icmp6ErrorSender?.(1, 4, 0, packet, h, null);
    else this.ip6.icmp6ErrorSender?.(4, 1, 6, packet, h, null);
  }
}
