/**
 * IPv6 input of one host (Linux ip6_input.c, exthdrs.c, reassembly.c,
 * ip6_forward): header checks, the extension headers, reassembly,
 * delivery by next header, forwarding, and ICMPv6 errors handed to the
 * protocol of the packet they quote.
 *
 * - **Input** (ip6_rcv_core, ip6_input_finish): version, truncation,
 *   multicast or loopback sources and loopback destinations from outside
 *   are Ip6InHdrErrors / InAddrErrors; the hop-by-hop header (first only)
 *   and destination options act on unknown options by their two high
 *   bits; a routing header with segments left is refused with a
 *   parameter problem pointing at its type (type 0 per RFC 5095, and
 *   every type Linux does not run: 2, 3, 4 without their features);
 *   fragments are reassembled (atomic fragments, RFC 6946, are taken as
 *   they are); unknown next headers get a parameter problem (code 1).
 * - **Output**: the source fragments (fragment header, Linux's sizes)
 *   when the packet exceeds the path MTU — the route's or device's, or
 *   what a Packet Too Big taught (never below 1280, expiring after
 *   `mtu_expires`) — unless the caller forbids it (EMSGSIZE). Flow labels
 *   are Linux's automatic ones (a keyed hash of the flow, 20 bits) unless
 *   the caller gives one.
 * - **Forwarding** (`ipv6_forwarding`): hop limit ≤ 1 → time exceeded;
 *   too big for the next link → Packet Too Big (routers never fragment);
 *   link-local sources are not forwarded (destination unreachable,
 *   beyond scope); no route → destination unreachable, no route.
 */
import type { StackContext } from "../core/stack-context.js";
import {
  IPV6, NEXTHDR_DEST, NEXTHDR_FRAGMENT, NEXTHDR_HOP, NEXTHDR_NONE, NEXTHDR_ROUTING, IPV6_TLV_JUMBO, IPV6_TLV_ROUTERALERT,
  copyIpv6Header, ipv6ExtLength, ipv6OptionAction, isIpv6Extension, newIpv6Header, parseIpv6FragmentInto, parseIpv6Into, scanIpv6Options,
  type Ipv6Fragment, type Ipv6Header, type Ipv6OptionScan,
} from "../wire/ipv6.js";
import { ipv6Equal, ipv6Key, isLinkLocal6, isLoopback6, isMulticast6, isUnspecified6, type Ipv6Address } from "../wire/ipv6-address.js";
import {
  ICMPV6_ADDR_UNREACH, ICMPV6_DEST_UNREACH, ICMPV6_EXC_FRAGTIME, ICMPV6_EXC_HOPLIMIT, ICMPV6_HDR_FIELD, ICMPV6_NOROUTE, ICMPV6_NOT_NEIGHBOUR,
  ICMPV6_PARAMPROB, ICMPV6_PKT_TOOBIG, ICMPV6_TIME_EXCEED, ICMPV6_UNK_NEXTHDR, ICMPV6_UNK_OPTION,
} from "../wire/icmpv6.js";
import { Packet } from "../wire/packet.js";
import type { NetInterface } from "../ip/interface.js";
import { IN_ECN_COUNTERS, type IpLayer } from "../ip/ip-layer.js";
import { trimPacket } from "../ip/protocol.js";
import { Reassembler, type ReassemblyFamily } from "../ip/reassembly.js";
import { xrlimAllow, type XrlimPeer } from "../ip/xrlim.js";
import { EthernetDevice } from "../link/ethernet.js";
import { SEC } from "../core/time.js";
import type { Ip6ProtocolHandler } from "./protocol6.js";
import type { Ip6Layer } from "./ip6-layer.js";

/** Linux's IPv6 reassembly: ip6frag sysctls, Ip6 counters, the fragment header removed. */
const IPV6_REASSEMBLY: ReassemblyFamily = {
  counters: (c) => c.Ip6,
  overlapCounters: () => null,
  highThresh: (s) => s.ip6frag_high_thresh,
  timeout: (s) => s.ip6frag_time,
  maxEnd: 65535,
  finish(first, len) {
    // `first` ends with the fragment header; the header before it takes its next-header value.
    const hl = first.length - 8;
    const out = new Uint8Array(hl + len);
    out.set(first.subarray(0, hl), 0);
    const fragNext = first[hl]!;
    let nhOff = 6;
    let off: number = IPV6.HEADER;
    let nh = first[6]!;
    while (off < hl && isIpv6Extension(nh)) {
      const l = ipv6ExtLength(first, off, hl, nh);
      if (l < 0) break;
      nhOff = off;
      nh = first[off]!;
      off += l;
    }
    out[nhOff] = fragNext;
    const plen = out.length - IPV6.HEADER;
    out[4] = plen >>> 8;
    out[5] = plen & 255;
    return { out, dataOffset: hl };
  },
};


/** The receiving half of the IPv6 layer. */
export class Ip6Input {
  readonly ctx: StackContext;
  readonly ip: IpLayer;
  /** The reassembly engine (tests, /proc/net/sockstat6 FRAG6). */
  readonly reassembler: Reassembler;
  readonly #handlers: (Ip6ProtocolHandler | undefined)[] = [];
  /** Redirect rate limits by destination (`d…`) and by sender (`s…`). */
  readonly #redirectPeers = new Map<string, XrlimPeer>();
  readonly #scratch: Ipv6Header = newIpv6Header();
  readonly #frag: Ipv6Fragment = { nextHeader: 0, offset: 0, mf: false, id: 0 };
  readonly #optScan: Ipv6OptionScan = { badOffset: -1, badType: 0, malformed: false };

  constructor(readonly ip6: Ip6Layer) {
    this.ctx = ip6.ctx;
    this.ip = ip6.ip;
    this.reassembler = new Reassembler(this.ctx, (reason, firstHeader, firstData) => {
      // RFC 8200 §4.5: time exceeded (reassembly) only when the first fragment arrived.
      const send = this.ip6.icmp6ErrorSender;
      if (reason !== "timeout" || !firstHeader || !firstData || !send) return;
      const p = new Packet(firstHeader, firstData);
      const h = newIpv6Header();
      if (parseIpv6Into(firstHeader, firstHeader.length + firstData.length, h)) return;
      send(ICMPV6_TIME_EXCEED, ICMPV6_EXC_FRAGTIME, 0, p, h, null);
    }, IPV6_REASSEMBLY);
  }

  /** Registers the handler of a next-header value (6 TCP, 17 UDP, 58 ICMPv6). */
  register(nextHeader: number, handler: Ip6ProtocolHandler): void {
    this.#handlers[nextHeader] = handler;
  }

  /** A packet received on `iface` (ip6_rcv). Never throws on bad input. */
  input(packet: Packet, iface: NetInterface): void {
    const c = this.ctx.counters;
    c.inc(c.Ip6, "InReceives");
    if (!this.ip6.addrconf.has(iface) || (this.ctx.sysctl.disable_ipv6 && iface !== this.ip.loopback)) {
      c.inc(c.Ip6, "InDiscards");
      return;
    }
    // Linux ip6_rcv_core: counted by the traffic class's ECN field (RFC 3168 §5) once the version is right.
    const h0 = packet.head;
    if (h0.length >= IPV6.HEADER && h0[0]! >> 4 === 6) c.inc(c.Ip6, IN_ECN_COUNTERS[(h0[1]! >> 4) & 3]!);
    const h = this.#scratch;
    const err = parseIpv6Into(packet.head, packet.length, h);
    if (err) {
      // ipv6_rcv: a fixed header that is not all there is a header error; a payload beyond the packet is truncated.
      c.inc(c.Ip6, err.reason === "truncated" && packet.head.length >= IPV6.HEADER ? "InTruncatedPkts" : "InHdrErrors");
      return;
    }
    c.inc(c.Ip6, "InOctets", packet.length);
    const fromLo = iface === this.ip.loopback;
    // ip6_rcv_core: multicast sources; loopback addresses from outside; interface-local multicast from outside.
    if (isMulticast6(h.src) || (!fromLo && (isLoopback6(h.src) || isLoopback6(h.dst))) || (!fromLo && isMulticast6(h.dst) && (h.dst[1]! & 0x0f) === 1)) {
      c.inc(c.Ip6, "InHdrErrors");
      return;
    }
    const total = IPV6.HEADER + h.payloadLength;
    if (total < packet.length) trimPacket(packet, total);
    const hdr = copyIpv6Header(h);
    let off: number = IPV6.HEADER;
    let nhOff = 6;
    let nh = hdr.nextHeader;
    // The hop-by-hop header is processed by every node (RFC 8200 §4.3).
    if (nh === NEXTHDR_HOP) {
      const flat = packet.payload.length ? flatten(packet) : packet.head;
      const l = ipv6ExtLength(flat, off, total, nh);
      if (l < 0 || off + l > total) {
        c.inc(c.Ip6, "InHdrErrors");
        return;
      }
      if (!this.#options(packet, hdr, flat, off, l, iface)) return;
      nhOff = off;
      nh = flat[off]!;
      off += l;
    }
    if (isMulticast6(hdr.dst)) {
      c.inc(c.Ip6, "InMcastPkts");
      // ip6_mc_input: a group this interface is not in is dropped without a counter (Linux 6.18: a
      // neighbour's MLD reports to ff02::16 leave Ip6InDiscards at 0).
      if (!this.ip6.isMember(iface, hdr.dst)) return;
      this.#deliver(packet, hdr, off, nhOff, nh, iface);
      return;
    }
    const local = this.ip6.isLocalAddress(hdr.dst) || (fromLo && isLoopback6(hdr.dst)) || this.#tentativeNdTarget(iface, hdr, packet, off, nh);
    if (!local) {
      this.#forward(packet, hdr, iface);
      return;
    }
    this.#deliver(packet, hdr, off, nhOff, nh, iface);
  }

  /** ND messages addressed to a tentative address of ours (DAD) are taken, nothing else (RFC 4862 §5.4). */
  #tentativeNdTarget(iface: NetInterface, hdr: Ipv6Header, p: Packet, off: number, nh: number): boolean {
    if (nh !== 58) return false;
    const a = this.ip6.findAddress(iface, hdr.dst);
    if (!a || a.state !== "tentative") return false;
    const t = p.byteAt(off);
    return t === 135 || t === 136;
  }

  /** Hop-by-hop or destination options: false when the packet must go (with a parameter problem when the option says so). */
  #options(packet: Packet, hdr: Ipv6Header, flat: Uint8Array, off: number, len: number, iface: NetInterface): boolean {
    const s = this.#optScan;
    scanIpv6Options(flat, off, len, (t) => t === IPV6_TLV_ROUTERALERT || t === IPV6_TLV_JUMBO, s);
    const c = this.ctx.counters;
    if (s.malformed) {
      c.inc(c.Ip6, "InHdrErrors");
      return false;
    }
    if (s.badOffset < 0) return true;
    const action = ipv6OptionAction(s.badType);
    c.inc(c.Ip6, "InHdrErrors");
    if (action === 2 || (action === 3 && !isMulticast6(hdr.dst))) {
      this.ip6.icmp6ErrorSender?.(ICMPV6_PARAMPROB, ICMPV6_UNK_OPTION, s.badOffset, packet, hdr, iface);
    }
    return false;
  }

  /** ip6_protocol_deliver_rcu: walk the remaining extension headers, then hand over to the upper protocol. */
  #deliver(packet: Packet, hdr: Ipv6Header, off: number, nhOff: number, nh: number, iface: NetInterface): void {
    const c = this.ctx.counters;
    let p = packet;
    let h = hdr;
    for (;;) {
      if (nh === NEXTHDR_DEST || nh === NEXTHDR_ROUTING || nh === NEXTHDR_FRAGMENT) {
        const total = IPV6.HEADER + h.payloadLength;
        const flat = p.payload.length ? flatten(p) : p.head;
        const l = ipv6ExtLength(flat, off, total, nh);
        if (l < 0 || off + l > total) {
          c.inc(c.Ip6, "InHdrErrors");
          return;
        }
        if (nh === NEXTHDR_DEST) {
          if (!this.#options(p, h, flat, off, l, iface)) return;
        } else if (nh === NEXTHDR_ROUTING) {
          const segmentsLeft = flat[off + 3]!;
          if (segmentsLeft !== 0) {
            // ipv6_rthdr_rcv: type 0 (RFC 5095) and every type not run here: parameter problem at the type field.
            c.inc(c.Ip6, "InHdrErrors");
            this.ip6.icmp6ErrorSender?.(ICMPV6_PARAMPROB, ICMPV6_HDR_FIELD, off + 2, p, h, iface);
            return;
          }
        } else {
          const r = this.#fragment(p, h, flat, off, nhOff, iface);
          if (!r) return;
          if (r === "atomic") {
            nhOff = off;
            nh = flat[off]!;
            off += 8;
            continue;
          }
          p = r;
          const nhdr = newIpv6Header();
          if (parseIpv6Into(p.head, p.length, nhdr)) {
            c.inc(c.Ip6, "InHdrErrors");
            return;
          }
          h = nhdr;
          // Restart at the header that followed the fragment header (now where it stood).
          const fixed = this.#skipTo(p.head, nhOff);
          off = fixed.off;
          nh = fixed.nh;
          continue;
        }
        nhOff = off;
        nh = flat[off]!;
        off += l;
        continue;
      }
      if (nh === NEXTHDR_NONE) {
        c.inc(c.Ip6, "InDelivers");
        return;
      }
      if (nh === NEXTHDR_HOP) {
        // A hop-by-hop header anywhere but first (RFC 8200 §4.1): parameter problem, unrecognized next header.
        c.inc(c.Ip6, "InUnknownProtos");
        this.ip6.icmp6ErrorSender?.(ICMPV6_PARAMPROB, ICMPV6_UNK_NEXTHDR, nhOff, p, h, iface);
        return;
      }
      const handler = this.#handlers[nh];
      if (!handler) {
        c.inc(c.Ip6, "InUnknownProtos");
        this.ip6.icmp6ErrorSender?.(ICMPV6_PARAMPROB, ICMPV6_UNK_NEXTHDR, nhOff, p, h, iface);
        return;
      }
      c.inc(c.Ip6, "InDelivers");
      handler.input(p, h, off, iface);
      return;
    }
  }

  /** After reassembly: the offset and next header following the header whose next-header field is at `nhOff`. */
  #skipTo(b: Uint8Array, nhOff: number): { off: number; nh: number } {
    let off: number = IPV6.HEADER;
    let nh = b[6]!;
    let cur = 6;
    while (cur !== nhOff && isIpv6Extension(nh)) {
      const l = ipv6ExtLength(b, off, b.length, nh);
      if (l < 0) break;
      cur = off;
      nh = b[off]!;
      off += l;
    }
    return { off, nh };
  }

  /** ipv6_frag_rcv: checks, then reassembly. Returns the whole packet, "atomic", or null (queued or dropped). */
  #fragment(p: Packet, h: Ipv6Header, flat: Uint8Array, off: number, _nhOff: number, iface: NetInterface): Packet | "atomic" | null {
    const c = this.ctx.counters;
    const f = this.#frag;
    parseIpv6FragmentInto(flat, off, f);
    const total = IPV6.HEADER + h.payloadLength;
    const dataStart = off + 8;
    const dataLen = total - dataStart;
    if (!f.mf && f.offset === 0) {
      // RFC 6946: an atomic fragment is processed in isolation.
      c.inc(c.Ip6, "ReasmReqds");
      c.inc(c.Ip6, "ReasmOKs");
      return "atomic";
    }
    // RFC 8200 §4.5: a non-last fragment whose length is not a multiple of 8 → parameter problem at the payload length.
    // (Linux counts the request first, in ipv6_frag_rcv.)
    if (f.mf && (dataLen & 7) !== 0) {
      c.inc(c.Ip6, "ReasmReqds");
      c.inc(c.Ip6, "InHdrErrors");
      this.ip6.icmp6ErrorSender?.(ICMPV6_PARAMPROB, ICMPV6_HDR_FIELD, 4, p, h, iface);
      return null;
    }
    // Beyond 65535 bytes → parameter problem at the fragment offset.
    if (f.offset + dataLen > 65535) {
      c.inc(c.Ip6, "ReasmReqds");
      c.inc(c.Ip6, "InHdrErrors");
      this.ip6.icmp6ErrorSender?.(ICMPV6_PARAMPROB, ICMPV6_HDR_FIELD, off + 2, p, h, iface);
      return null;
    }
    const key = `${ipv6Key(h.src)}/${ipv6Key(h.dst)}/${f.id}`;
    const fp = p.payload.length ? new Packet(flat) : p;
    const whole = this.reassembler.addFragment(key, fp, dataStart, f.offset, f.mf);
    if (whole) whole.csumPartial = p.csumPartial;
    return whole;
  }

  /** ip6_forward */
  #forward(packet: Packet, hdr: Ipv6Header, inIface: NetInterface): void {
    const c = this.ctx.counters;
    if (!this.ctx.sysctl.ipv6_forwarding) {
      c.inc(c.Ip6, "InAddrErrors");
      return;
    }
    if (isUnspecified6(hdr.dst) || isLinkLocal6(hdr.dst)) {
      c.inc(c.Ip6, "InAddrErrors");
      return;
    }
    if (hdr.hopLimit <= 1) {
      c.inc(c.Ip6, "InHdrErrors");
      this.ip6.icmp6ErrorSender?.(ICMPV6_TIME_EXCEED, ICMPV6_EXC_HOPLIMIT, 0, packet, hdr, inIface);
      return;
    }
    const rt = this.ip6.routes.lookup(hdr.dst, this.ctx.scheduler.now());
    if (!rt) {
      c.inc(c.Ip6, "InNoRoutes");
      this.ip6.icmp6ErrorSender?.(ICMPV6_DEST_UNREACH, ICMPV6_NOROUTE, 0, packet, hdr, inIface);
      return;
    }
    if (isLinkLocal6(hdr.src)) {
      // A link-local source may not leave its link (RFC 4291 §2.5.6).
      c.inc(c.Ip6, "InAddrErrors");
      this.ip6.icmp6ErrorSender?.(ICMPV6_DEST_UNREACH, ICMPV6_NOT_NEIGHBOUR, 0, packet, hdr, inIface);
      return;
    }
    const mtu = this.ip6.pathMtu(rt, hdr.dst);
    if (packet.length > mtu) {
      c.inc(c.Ip6, "InTooBigErrors");
      c.inc(c.Ip6, "FragFails");
      this.ip6.icmp6ErrorSender?.(ICMPV6_PKT_TOOBIG, 0, mtu, packet, hdr, inIface);
      return;
    }
    // ip6_forward: a packet leaving by the interface it came in on earns its sender a Redirect.
    if (rt.iface === inIface) this.#redirect(packet, hdr, inIface, rt.route.gateway.some((x) => x !== 0) ? rt.route.gateway : hdr.dst);
    const out = packet.clone();
    out.head[7] = hdr.hopLimit - 1; // IPv6 has no header checksum to update
    c.inc(c.Ip6, "OutForwDatagrams");
    c.inc(c.Ip6, "OutOctets", out.length);
    this.ip6.out.transmit(rt.iface.device, out, rt.nextHop);
  }

  /**
   * ip6_forward's redirect and ndisc_send_redirect's checks: not for a
   * source-routed packet; the router needs a link-local address there; the
   * better first hop `target` must be link-local (or the destination
   * itself); the sender must be on-link; at most one a second per
   * destination and per sender, with a burst of 6 (inet_peer_xrlim_allow).
   */
  #redirect(packet: Packet, hdr: Ipv6Header, iface: NetInterface, target: Ipv6Address): void {
    const dev = iface.device;
    if (!(dev instanceof EthernetDevice) || packet.head[6] === NEXTHDR_ROUTING) return;
    const src = this.ip6.addrconf.linkLocalOf(iface);
    if (!src) return;
    if (!ipv6Equal(target, hdr.dst) && !isLinkLocal6(target)) return;
    const now = this.ctx.scheduler.now();
    const back = this.ip6.routes.lookup(hdr.src, now);
    if (!back || back.iface !== iface || back.route.gateway.some((x) => x !== 0)) return;
    if (!xrlimAllow(this.#redirectPeers, `d${ipv6Key(hdr.dst)}`, SEC, now) || !xrlimAllow(this.#redirectPeers, `s${ipv6Key(hdr.src)}`, SEC, now)) return;
    this.ip6.ndisc.sendRedirect(iface, dev, src, hdr.src.slice(), target.slice(), hdr.dst.slice(), packet.bytes());
  }

  /** ND could not resolve a neighbour: ICMPv6 address unreachable to the sender of `p` (ndisc_error_report). */
  addressUnreachable(p: Packet): void {
    const h = newIpv6Header();
    if (parseIpv6Into(p.head, p.length, h)) return;
    this.ip6.icmp6ErrorSender?.(ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0, p, h, null);
  }

  /**
   * Delivers an ICMPv6 error to the protocol of the quoted packet (after
   * walking its extension headers). Returns false when the quote is not
   * an IPv6 header with at least 8 upper-layer bytes.
   */
  deliverIcmpError(type: number, code: number, info: number, from: Ipv6Address, quoted: Uint8Array): boolean {
    if (quoted.length < IPV6.HEADER + 8) return false;
    const h = newIpv6Header();
    const err = parseIpv6Into(quoted, 65535 + IPV6.HEADER, h);
    if (err) return false;
    let off: number = IPV6.HEADER;
    let nh = h.nextHeader;
    while (isIpv6Extension(nh) && nh !== NEXTHDR_FRAGMENT) {
      const l = ipv6ExtLength(quoted, off, quoted.length, nh);
      if (l < 0) return false;
      nh = quoted[off]!;
      off += l;
    }
    if (nh === NEXTHDR_FRAGMENT) {
      if (off + 8 > quoted.length) return false;
      nh = quoted[off]!;
      off += 8;
    }
    if (type === ICMPV6_PKT_TOOBIG) this.ip6.updatePmtu(h.dst, info);
    const handler = this.#handlers[nh];
    if (!handler?.icmpError) return true;
    handler.icmpError({ type, code, info, from, quoted: h, quotedL4: quoted.subarray(off) });
    return true;
  }
}

/** A contiguous copy of a two-part packet (rare paths: extension headers). */
function flatten(p: Packet): Uint8Array {
  const out = new Uint8Array(p.length);
  out.set(p.head, 0);
  out.set(p.payload, p.head.length);
  return out;
}
