/**
 * The narrow interface between the transports (TCP, UDP) and a network
 * layer of one address family (Linux's `struct inet_connection_sock_af_ops`
 * and the protocol's `net_protocol`/`inet6_protocol` pair, reduced to what
 * sockstack's transports use): route and MTU lookup, the pseudo-header sum,
 * output, local-address checks, and upward delivery of datagrams and ICMP
 * errors. The transports hold a {@link NetStack} and pick the layer by the
 * address they are sending to ({@link NetStack.of}); they never see an IP
 * header.
 */
import type { ErrnoCode } from "../core/errno.js";
import type { Packet } from "../wire/packet.js";
import type { InetAddress, NetFamily } from "./inet-address.js";
import type { RouteMetrics } from "../ip/route-metrics.js";
import { NET_AF_INET } from "./inet-address.js";

/** The transport bytes of a received datagram from an offset (a view unless they straddle the packet's two parts). */
export { datagramTail } from "../ip/protocol.js";

/**
 * A routing decision as the transports see it: the source address to use
 * and the egress interface (its MTU, its name for SO_BINDTODEVICE). The
 * network layer's own route type carries more (next hop, the route) and is
 * what {@link NetworkLayer.output} receives back.
 */
export interface NetRoute {
  /** The source address when the socket has none. */
  readonly src: InetAddress;
  /** The egress interface. */
  readonly iface: { readonly mtu: number; readonly name: string; readonly index: number; readonly device: { readonly up: boolean } };
  /** The route's metrics (ip/route-metrics.ts: advmss, mtu [lock], initcwnd, initrwnd) — TCP's view of the path. */
  readonly metrics: RouteMetrics;
}

/**
 * What the network layer tells a transport about a received datagram. The
 * IPv4 layer passes its parsed header, which has these fields; an IPv6 layer
 * passes its own record (offset past the extension headers).
 */
export interface NetRx {
  /** Source and destination addresses. */
  readonly src: InetAddress;
  readonly dst: InetAddress;
  /** Offset of the transport header in `packet.head`. */
  readonly headerLength: number;
  /** Length of the datagram from the network header to the end of the transport data (link padding excluded). */
  readonly totalLength: number;
  /** The IPv4 TOS byte or IPv6 traffic class: DSCP and the ECN field (RFC 3168 §5, low two bits). */
  readonly tos: number;
  /** The TTL / hop limit it arrived with (IPV6_RECVHOPLIMIT). */
  readonly ttl?: number;
  /** The index of the interface it arrived on (IPV6_PKTINFO, a link-local sender's scope id); IPv4 leaves it out. */
  readonly ifindex?: number;
  /** The IPv6 flow label it arrived with (IPV6_FLOWINFO); IPv4 leaves it out. */
  readonly flowLabel?: number;
}

/** An IPv6 socket's flow-label choice for one packet: an explicit label (IPV6_FLOWINFO_SEND), or IPV6_AUTOFLOWLABEL as set (undefined: the sysctl's default). */
export interface NetFlow {
  label?: number;
  auto?: boolean;
}

/**
 * An ICMP or ICMPv6 error about a datagram this host sent, already
 * classified by the family (Linux icmp_err_convert / icmpv6_err_convert).
 */
export interface NetIcmpError {
  readonly family: NetFamily;
  /**
   * `pmtu`: fragmentation needed / packet too big, `mtu` is the next-hop
   * MTU; `ignore`: no error for the socket (source quench, redirect);
   * `error`: report `errno`.
   */
  readonly kind: "pmtu" | "ignore" | "error";
  /** The errno Linux reports for it (EMSGSIZE for `pmtu`). */
  readonly errno: ErrnoCode;
  /**
   * A hard error (Linux icmp_err_convert's / icmpv6_err_convert's `fatal`:
   * port or protocol unreachable, administratively prohibited, parameter
   * problem…); soft ones (net/host unreachable, time exceeded) reach a
   * connected UDP socket only under IP_RECVERR / IPV6_RECVERR.
   */
  readonly hard: boolean;
  /** Next-hop MTU for `pmtu`, else 0. */
  readonly mtu: number;
  /** Who sent the error. */
  readonly from: InetAddress;
  /** Source and destination of the quoted datagram (ours: local first). */
  readonly quotedSrc: InetAddress;
  readonly quotedDst: InetAddress;
  /** The quoted transport bytes (at least 8). */
  readonly quotedL4: Uint8Array;
  /** The raw ICMP type and code (for IP_RECVERR's ee_type/ee_code). */
  readonly type: number;
  readonly code: number;
}

/** A transport protocol as a network layer sees it. */
export interface TransportHandler {
  /**
   * A datagram for this host (reassembled if it was fragmented); the
   * transport header starts at `rx.headerLength` in `packet.head`. `rx` is
   * valid only during the call.
   */
  input(packet: Packet, rx: NetRx): void;
  /** An ICMP error quoting one of this protocol's datagrams. */
  icmpError?(err: NetIcmpError): void;
}

/** Why the network layer answers a datagram nobody wanted. */
export type NetUnreachable = "port" | "protocol";

/** One address family's network layer, as the transports use it. */
export interface NetworkLayer {
  readonly family: NetFamily;
  /** The unspecified address (INADDR_ANY, `::`). */
  readonly any: InetAddress;
  /** Bytes the transport reserves at the start of `head` for the network header. */
  readonly headerReserve: number;
  /** The smallest MTU of the family (68 for IPv4, 1280 for IPv6): PMTU never goes below it. */
  readonly minMtu: number;
  /** Changes whenever a cached {@link NetRoute} may be stale (compare and re-route). */
  readonly routeGeneration: number;
  /**
   * True when `a` is an address of this host (bind's EADDRNOTAVAIL test);
   * with `ifindex`, an address of that interface (a link-local address
   * with its scope id).
   */
  isLocalAddress(a: InetAddress, ifindex?: number): boolean;
  /** True when the host has an interface of index `ifindex` (a scope id's ENODEV test). */
  hasInterface(ifindex: number): boolean;
  /** True for a loopback address (127/8, `::1`). */
  isLoopback(a: InetAddress): boolean;
  /** True for the limited broadcast address (255.255.255.255; IPv6 has none). */
  isBroadcast(a: InetAddress): boolean;
  /**
   * How to reach `dst`, or null (ENETUNREACH). `oif`: the interface index
   * the packet must leave by (a link-local destination's scope id,
   * IPV6_PKTINFO's ipi6_ifindex); IPv4 ignores it.
   */
  route(dst: InetAddress, oif?: number): NetRoute | null;
  /** The hop limit / TTL a packet over `rt` gets by default (ip_default_ttl; IPv6: the interface's, from an RA or hop_limit). */
  defaultHopLimit(rt: NetRoute): number;
  /** The MTU towards `dst` over `rt`: the route's `mtu` metric, else the interface's (IPv6: lowered by its PMTU cache). */
  routeMtu(rt: NetRoute): number;
  /** The unfolded one's-complement sum of the pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1). */
  pseudoHeaderSum(src: InetAddress, dst: InetAddress, protocol: number, length: number): number;
  /**
   * Sends a datagram whose `head` starts with {@link headerReserve} free
   * bytes, then the transport header (checksum 0: finalised on the way
   * out). `hopLimit` < 0 means the family's default (`ip_default_ttl`,
   * `hop_limit`); `tclass` is the TOS / traffic class; `df` forbids
   * fragmentation (IPv6 never fragments on the path). `mtu` (IPv6): the
   * size to fragment at or refuse above instead of the path MTU (the
   * interface MTU for IPV6_PMTUDISC_PROBE/INTERFACE/OMIT, IPV6_MTU); 0 =
   * the path MTU. Returns an errno of a local failure (EMSGSIZE,
   * ENETUNREACH) or null.
   */
  output(
    rt: NetRoute, src: InetAddress, dst: InetAddress, protocol: number, head: Uint8Array, payload: Uint8Array,
    hopLimit: number, tclass: number, df: boolean, mtu?: number, flow?: NetFlow,
  ): ErrnoCode | null;
  /** Registers the transport for `protocol` (its datagrams and ICMP errors come to `handler`). */
  register(protocol: number, handler: TransportHandler): void;
  /** Answers `packet` (as received, `rx` its record) with the family's unreachable error (port / protocol). */
  sendUnreachable(why: NetUnreachable, packet: Packet, rx: NetRx): void;
}

/**
 * The network layers of one host, by family: IPv4 always, others when
 * registered. Transports pick the layer of the address they talk to.
 */
export class NetStack {
  readonly #others: NetworkLayer[] = [];
  readonly #transports: [number, TransportHandler][] = [];

  constructor(
    /** The IPv4 layer. */
    readonly inet: NetworkLayer,
  ) {
    if (inet.family !== NET_AF_INET) throw new TypeError("NetStack: the first layer is IPv4");
  }

  /** Adds another family's layer (IPv6). */
  register(layer: NetworkLayer): void {
    if (this.byFamily(layer.family)) throw new TypeError(`NetStack: family ${layer.family} already registered`);
    this.#others.push(layer);
    for (const [p, h] of this.#transports) layer.register(p, h);
  }

  /** The layer of a family, or undefined (EAFNOSUPPORT for the caller). */
  byFamily(f: NetFamily): NetworkLayer | undefined {
    if (f === NET_AF_INET) return this.inet;
    for (const l of this.#others) if (l.family === f) return l;
    return undefined;
  }

  /** The layer that carries `a` (IPv4 for numbers). Throws for an unregistered family (a programming error). */
  of(a: InetAddress): NetworkLayer {
    if (typeof a === "number") return this.inet;
    const l = this.byFamily(a.family);
    if (!l) throw new TypeError(`NetStack: no network layer for family ${a.family}`);
    return l;
  }

  /** Every layer, IPv4 first. */
  all(): NetworkLayer[] {
    return [this.inet, ...this.#others];
  }

  /** Registers a transport with every family's layer, including those {@link register}ed later. */
  registerTransport(protocol: number, handler: TransportHandler): void {
    this.#transports.push([protocol, handler]);
    for (const l of this.all()) l.register(protocol, handler);
  }
}
