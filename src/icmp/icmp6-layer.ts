/**
 * ICMPv6 (RFC 4443) for one host, as Linux's net/ipv6/icmp.c: answers
 * echo requests (also to multicast groups it joined), hands echo replies
 * to ping endpoints, passes errors to the protocol of the quoted packet
 * (a Packet Too Big lowers the path MTU first), gives Neighbor Discovery
 * messages to ND (ip6/ndisc.ts), and sends errors for IPv6 and the
 * transports with Linux's rules:
 *
 * - never about an ICMPv6 error (or a message whose type cannot be read),
 *   from an unspecified or multicast source, or — except Packet Too Big
 *   and an unknown option whose action asks for it — about a packet to a
 *   multicast address (RFC 4443 §2.4(e));
 * - quote as much of the packet as fits in 1280 bytes;
 * - the source is the offending packet's destination when that is ours,
 *   else the one source selection gives;
 * - rate-limit per destination (icmpv6_xrlim_allow): a token bucket with
 *   `icmpv6_ratelimit` (100 ms), scaled down by the route's prefix
 *   length (`tmo >> ((128 − plen) >> 5)`), burst 6; types outside
 *   `ratemask` (0-1,3-127: Packet Too Big and informational messages) and
 *   loopback are never limited; a refused one counts Icmp6OutRateLimitHost.
 */
import { EchoIds, type EchoBinding } from "./echo-ids.js";
import type { StackContext } from "../core/stack-context.js";
import type { Micros } from "../core/time.js";
import type { NetInterface } from "../ip/interface.js";
import type { Ip6Layer } from "../ip6/ip6-layer.js";
import {
  ICMPV6, ICMPV6_DEST_UNREACH, ICMPV6_ECHO_REPLY, ICMPV6_ECHO_REQUEST, ICMPV6_MLD2_REPORT, ICMPV6_PARAMPROB, ICMPV6_PKT_TOOBIG,
  ICMPV6_QUOTE_MAX, ICMPV6_TIME_EXCEED, ICMPV6_UNK_OPTION, NDISC_NEIGHBOUR_ADVERTISEMENT, NDISC_NEIGHBOUR_SOLICITATION, NDISC_REDIRECT,
  NDISC_ROUTER_ADVERTISEMENT, NDISC_ROUTER_SOLICITATION, emitIcmpv6, isIcmpv6Error, parseIcmpv6,
} from "../wire/icmpv6.js";
import { IPV6, NEXTHDR_FRAGMENT, NEXTHDR_ICMPV6, ipv6ExtLength, isIpv6Extension, type Ipv6Header } from "../wire/ipv6.js";
import { ipv6Equal, ipv6Key, isMulticast6, isUnspecified6, type Ipv6Address } from "../wire/ipv6-address.js";
import { EMPTY, type Packet } from "../wire/packet.js";
import { WireError } from "../wire/wire-error.js";
import { datagramTail } from "../ip/protocol.js";
import { xrlimAllow, type XrlimPeer } from "../ip/xrlim.js";
import { MLD_LISTENER_QUERY } from "../ip6/mld.js";


/** Linux's per-type counter names (icmp6_type_names / snmp6). */
const IN_NAMES: Record<number, string> = {
  [ICMPV6_DEST_UNREACH]: "InDestUnreachs", [ICMPV6_PKT_TOOBIG]: "InPktTooBigs", [ICMPV6_TIME_EXCEED]: "InTimeExcds",
  [ICMPV6_PARAMPROB]: "InParmProblems", [ICMPV6_ECHO_REQUEST]: "InEchos", [ICMPV6_ECHO_REPLY]: "InEchoReplies",
  [NDISC_ROUTER_SOLICITATION]: "InRouterSolicits", [NDISC_ROUTER_ADVERTISEMENT]: "InRouterAdvertisements",
  [NDISC_NEIGHBOUR_SOLICITATION]: "InNeighborSolicits", [NDISC_NEIGHBOUR_ADVERTISEMENT]: "InNeighborAdvertisements",
  [NDISC_REDIRECT]: "InRedirects", [ICMPV6_MLD2_REPORT]: "InMLDv2Reports",
  [MLD_LISTENER_QUERY]: "InGroupMembQueries", 131: "InGroupMembResponses", 132: "InGroupMembReductions",
};
const OUT_NAMES: Record<number, string> = {
  [ICMPV6_DEST_UNREACH]: "OutDestUnreachs", [ICMPV6_PKT_TOOBIG]: "OutPktTooBigs", [ICMPV6_TIME_EXCEED]: "OutTimeExcds",
  [ICMPV6_PARAMPROB]: "OutParmProblems", [ICMPV6_ECHO_REQUEST]: "OutEchos", [ICMPV6_ECHO_REPLY]: "OutEchoReplies",
};

/** A received ICMPv6 echo reply. */
export interface Echo6Reply {
  from: Ipv6Address;
  /** The address it was sent to (ours). */
  to: Ipv6Address;
  id: number;
  seq: number;
  hopLimit: number;
  data: Uint8Array;
  at: Micros;
}

/** An ICMPv6 error received about one of our echo requests. */
export interface Echo6Error {
  from: Ipv6Address;
  type: number;
  code: number;
  /** The MTU of a Packet Too Big, the pointer of a Parameter Problem, else 0. */
  info: number;
  id: number;
  seq: number;
  at: Micros;
  /** The quoted request's destination. */
  dst: Ipv6Address;
  /** The quoted request from its ICMPv6 header on, as far as the error quoted it. */
  quote: Uint8Array;
}

/** Receives echo replies and errors for one identifier (a ping endpoint). */
export interface Echo6Listener {
  reply(r: Echo6Reply): void;
  error(e: Echo6Error): void;
}

/** The ICMPv6 module. */
export class Icmp6Layer {
  readonly #peers = new Map<string, XrlimPeer>();
  /** The ping endpoints by identifier (the host links it with ICMPv4's: one identifier space). */
  readonly echo = new EchoIds<Echo6Listener, Ipv6Address>(() => 1 + this.ctx.rng.fork("icmp6").below(0xfffe), ipv6Equal);

  constructor(readonly ctx: StackContext, readonly ip6: Ip6Layer) {
    ip6.register(NEXTHDR_ICMPV6, { input: (p, h, off, i) => this.input(p, h, off, i) });
    ip6.icmp6ErrorSender = (type, code, info, pkt, hdr) => this.sendError(type, code, info, pkt, hdr);
  }

  /** Registers a ping endpoint; returns its identifier (EAGAIN when all 65535 are in use). */
  openEcho(listener: Echo6Listener, binding: EchoBinding<Ipv6Address> | null = null): number {
    return this.echo.open(listener, binding);
  }

  /** Registers a ping endpoint on identifier `id` (a ping socket's bind); 0 when it is taken (EADDRINUSE). */
  openEchoAt(id: number, listener: Echo6Listener, binding: EchoBinding<Ipv6Address> | null = null): number {
    return this.echo.openAt(id, listener, binding);
  }

  /** Unregisters a ping endpoint (all on `id` without `listener`). */
  closeEcho(id: number, listener?: Echo6Listener): void {
    this.echo.close(id, listener);
  }

  /**
   * Sends an echo request to `dst` (`oif` for a link-local or multicast
   * destination's interface; `from`, a bound ping socket's address, else
   * the selected source); returns an errno code on a local failure.
   */
  sendEcho(dst: Ipv6Address, id: number, seq: number, data: Uint8Array, hopLimit?: number, oif?: NetInterface, from?: Ipv6Address): string | null {
    const c = this.ctx.counters;
    const rt = this.ip6.route(dst, oif);
    if (!rt) {
      c.inc(c.Icmp6, "OutErrors");
      return "ENETUNREACH";
    }
    const src = from ?? this.ip6.selectSource(dst, rt.iface);
    if (!src) return "EADDRNOTAVAIL";
    const head = new Uint8Array(IPV6.HEADER + ICMPV6.HEADER);
    emitIcmpv6(ICMPV6_ECHO_REQUEST, 0, ((id << 16) | seq) >>> 0, head, IPV6.HEADER, data, src, dst, !rt.iface.device.checksumOffload);
    this.#countOut(ICMPV6_ECHO_REQUEST);
    return this.ip6.output(rt, src, dst, NEXTHDR_ICMPV6, head, data, { hopLimit });
  }

  #countOut(type: number): void {
    const c = this.ctx.counters;
    c.inc(c.Icmp6, "OutMsgs");
    const n = OUT_NAMES[type];
    if (n) c.inc(c.Icmp6, n);
    c.inc(c.Icmp6, `OutType${type}`);
  }

  /** A received ICMPv6 message (icmpv6_rcv); its header starts at `l4off`. */
  input(packet: Packet, hdr: Ipv6Header, l4off: number, iface: NetInterface): void {
    const c = this.ctx.counters;
    c.inc(c.Icmp6, "InMsgs");
    const total = IPV6.HEADER + hdr.payloadLength;
    const headLen = Math.max(0, Math.min(packet.head.length, total) - l4off);
    const body = packet.head.length >= total ? EMPTY : l4off >= packet.head.length ? datagramTail(packet, l4off) : packet.payload;
    const m = l4off >= packet.head.length
      ? parseIcmpv6(body, 0, body.length, EMPTY, hdr.src, hdr.dst, !packet.csumPartial)
      : parseIcmpv6(packet.head, l4off, headLen, body, hdr.src, hdr.dst, !packet.csumPartial);
    if (m instanceof WireError) {
      if (m.reason === "bad-checksum") c.inc(c.Icmp6, "InCsumErrors");
      c.inc(c.Icmp6, "InErrors");
      return;
    }
    const name = IN_NAMES[m.type];
    if (name) c.inc(c.Icmp6, name);
    c.inc(c.Icmp6, `InType${m.type}`);
    const now = this.ctx.scheduler.now();
    if (m.type >= NDISC_ROUTER_SOLICITATION && m.type <= NDISC_REDIRECT) {
      if (!this.ip6.ndisc.input(packet, hdr, l4off, iface)) c.inc(c.Icmp6, "InErrors");
      return;
    }
    if (m.type === MLD_LISTENER_QUERY) {
      // igmp6_event_query: a malformed query is dropped without an error counter.
      this.ip6.mld.input(packet, hdr, l4off, iface);
      return;
    }
    const data = datagramTail(packet, l4off + ICMPV6.HEADER);
    if (m.type === ICMPV6_ECHO_REQUEST) {
      if (this.ctx.sysctl.icmpv6_echo_ignore_all) return;
      this.#echoReply(hdr, m.id, m.seq, data, iface);
      return;
    }
    if (m.type === ICMPV6_ECHO_REPLY) {
      const ep = this.echo.get(m.id, hdr.dst);
      if (ep) ep.reply({ from: hdr.src.slice(), to: hdr.dst.slice(), id: m.id, seq: m.seq, hopLimit: hdr.hopLimit, data, at: now });
      else c.inc(c.Sockstack, "Icmp6InDiscards");
      return;
    }
    if (isIcmpv6Error(m.type)) {
      // An error about one of our echo requests goes to the ping endpoint.
      const q = quotedUpper(data);
      if (q && q.nh === NEXTHDR_ICMPV6 && q.off + 8 <= data.length && data[q.off] === ICMPV6_ECHO_REQUEST) {
        if (m.type === ICMPV6_PKT_TOOBIG) this.ip6.updatePmtu(data.subarray(24, 40), m.word);
        const id = (data[q.off + 4]! << 8) | data[q.off + 5]!;
        const seq = (data[q.off + 6]! << 8) | data[q.off + 7]!;
        const ep = this.echo.get(id, hdr.dst);
        if (ep) ep.error({ from: hdr.src.slice(), type: m.type, code: m.code, info: m.word, id, seq, at: now, dst: data.slice(24, 40), quote: data.subarray(q.off) });
        else c.inc(c.Sockstack, "Icmp6InDiscards");
        return;
      }
      if (!this.ip6.deliverIcmpError(m.type, m.code, m.word, hdr.src.slice(), data)) c.inc(c.Icmp6, "InErrors");
      return;
    }
    // Informational types a host does not act on (MLD reports, node information…) are dropped.
  }

  /** icmpv6_echo_reply */
  #echoReply(hdr: Ipv6Header, id: number, seq: number, data: Uint8Array, iface: NetInterface): void {
    const c = this.ctx.counters;
    const dst = hdr.src.slice();
    const rt = this.ip6.route(dst, iface);
    if (!rt) {
      c.inc(c.Ip6, "OutNoRoutes");
      return;
    }
    const src = !isMulticast6(hdr.dst) && this.ip6.isLocalAddress(hdr.dst) ? hdr.dst.slice() : this.ip6.selectSource(dst, rt.iface);
    if (!src) return;
    const head = new Uint8Array(IPV6.HEADER + ICMPV6.HEADER);
    emitIcmpv6(ICMPV6_ECHO_REPLY, 0, ((id << 16) | seq) >>> 0, head, IPV6.HEADER, data, src, dst, !rt.iface.device.checksumOffload);
    this.#countOut(ICMPV6_ECHO_REPLY);
    // Linux answers with the request's traffic class.
    this.ip6.output(rt, src, dst, NEXTHDR_ICMPV6, head, data, { trafficClass: hdr.trafficClass });
  }

  /** icmp6_send: an error about `offending` (`info`: the MTU of a Packet Too Big, the pointer of a Parameter Problem). */
  sendError(type: number, code: number, info: number, offending: Packet, ohdr: Ipv6Header): void {
    const c = this.ctx.counters;
    if (isMulticast6(ohdr.dst) && !(type === ICMPV6_PKT_TOOBIG || (type === ICMPV6_PARAMPROB && code === ICMPV6_UNK_OPTION))) return;
    if (isUnspecified6(ohdr.src) || isMulticast6(ohdr.src)) return;
    const flat = offending.payload.length ? offending.bytes() : offending.head;
    const q = quotedUpper(flat);
    if (q && q.nh === NEXTHDR_ICMPV6) {
      if (q.off >= flat.length || isIcmpv6Error(flat[q.off]!) || flat[q.off] === NDISC_REDIRECT) return;
    }
    const dst = ohdr.src.slice();
    const rt = this.ip6.route(dst);
    if (!rt) return;
    if (!this.#allow(dst, type, rt.iface === this.ip6.loopback, rt.route.prefixLen)) {
      c.inc(c.Icmp6, "OutRateLimitHost");
      return;
    }
    const src = !isMulticast6(ohdr.dst) && this.ip6.isLocalAddress(ohdr.dst) ? ohdr.dst.slice() : this.ip6.selectSource(dst, rt.iface);
    if (!src) return;
    const quote = flat.subarray(0, Math.min(flat.length, ICMPV6_QUOTE_MAX));
    const head = new Uint8Array(IPV6.HEADER + ICMPV6.HEADER);
    emitIcmpv6(type, code, info >>> 0, head, IPV6.HEADER, quote, src, dst, !rt.iface.device.checksumOffload);
    this.#countOut(type);
    this.ip6.output(rt, src, dst, NEXTHDR_ICMPV6, head, quote);
  }

  /** icmpv6_xrlim_allow + inet_peer_xrlim_allow. */
  #allow(dst: Ipv6Address, type: number, loopback: boolean, prefixLen: number): boolean {
    if (loopback) return true;
    // ratemask 0-1,3-127: Packet Too Big and the informational types are not limited.
    if (type === ICMPV6_PKT_TOOBIG || type >= 128) return true;
    let tmo = this.ctx.sysctl.icmpv6_ratelimit;
    if (tmo <= 0) return true;
    if (prefixLen < 128) tmo = Math.floor(tmo / 2 ** ((128 - prefixLen) >> 5));
    return xrlimAllow(this.#peers, ipv6Key(dst), tmo, this.ctx.scheduler.now());
  }
}

/** The upper-layer protocol and offset of a quoted/offending packet (ipv6_skip_exthdr), or null. */
function quotedUpper(b: Uint8Array): { nh: number; off: number } | null {
  if (b.length < IPV6.HEADER) return null;
  let nh = b[6]!;
  let off: number = IPV6.HEADER;
  while (isIpv6Extension(nh)) {
    const l = ipv6ExtLength(b, off, b.length, nh);
    if (l < 0) return null;
    if (nh === NEXTHDR_FRAGMENT && (((b[off + 2]! << 8) | b[off + 3]!) & 0xfff8) !== 0) return null; // not the first fragment
    nh = b[off]!;
    off += l;
  }
  return { nh, off };
}
