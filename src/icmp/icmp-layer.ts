/**
 * ICMPv4 (RFC 792) for one host: answers echo requests, hands echo replies
 * to ping endpoints, passes received errors to the protocol of the quoted
 * datagram, and sends errors for IP and the transports with Linux's rules:
 * never about an ICMP error, a non-first fragment, or a broadcast/multicast
 * datagram; quote as much of the datagram as fits in 576 bytes; rate-limit
 * per destination with a token bucket (`icmp_ratelimit`, burst 6 as
 * Linux's inetpeer XRLIM_BURST_FACTOR, types in `icmp_ratemask` only),
 * never on loopback.
 */
import { EchoIds, type EchoBinding } from "./echo-ids.js";
import type { StackContext } from "../core/stack-context.js";
import type { Micros } from "../core/time.js";
import { xrlimAllow, type XrlimPeer } from "../ip/xrlim.js";
import type { IpLayer } from "../ip/ip-layer.js";
import type { NetInterface } from "../ip/interface.js";
import { datagramTail } from "../ip/protocol.js";
import {
  ICMP, ICMP_DEST_UNREACH, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, ICMP_QUOTE_MAX, emitIcmp, isIcmpError, parseIcmp,
} from "../wire/icmp.js";
import { IPPROTO_ICMP, IPV4, type Ipv4Header } from "../wire/ipv4.js";
import { INADDR_BROADCAST, isMulticast, type Ipv4Address } from "../wire/ipv4-address.js";
import type { Packet } from "../wire/packet.js";
import { WireError } from "../wire/wire-error.js";

/** icmp_ratemask default: dest unreachable, source quench, time exceeded, parameter problem. */
const DEFAULT_RATEMASK = 6168;

/** A received echo reply. */
export interface EchoReply {
  from: Ipv4Address;
  /** The address it was sent to (ours). */
  to: Ipv4Address;
  id: number;
  seq: number;
  ttl: number;
  data: Uint8Array;
  at: Micros;
}

/** An ICMP error received for an echo request (time exceeded, unreachable). */
export interface EchoError {
  from: Ipv4Address;
  type: number;
  code: number;
  /** The next-hop MTU of a fragmentation-needed, the pointer of a parameter problem, else 0 (Linux ee_info). */
  info: number;
  id: number;
  seq: number;
  at: Micros;
  /** The quoted request's destination. */
  dst: Ipv4Address;
  /** The quoted request from its ICMP header on, as far as the error quoted it. */
  quote: Uint8Array;
}

/** Receives echo replies and errors for one echo identifier (a ping endpoint). */
export interface EchoListener {
  reply(r: EchoReply): void;
  error(e: EchoError): void;
}

/** The ICMP module. */
export class IcmpLayer {
  #peers = new Map<Ipv4Address, XrlimPeer>();
  /** The ping endpoints by identifier (the host links it with ICMPv6's: one identifier space). */
  readonly echo: EchoIds<EchoListener, Ipv4Address>;

  constructor(readonly ctx: StackContext, readonly ip: IpLayer) {
    ip.register(IPPROTO_ICMP, { input: (p, h, i) => this.input(p, h, i) });
    ip.icmpErrorSender = (type, code, info, pkt, hdr) => this.sendError(type, code, info, pkt, hdr);
    // Drawn now, not at the first ping: the draw's place in the host's random stream is fixed.
    const first = 1 + ctx.rng.below(0xfffe);
    this.echo = new EchoIds(() => first);
  }

  /**
   * Registers a ping endpoint; returns its echo identifier. With all 65535
   * identifiers in use: EAGAIN, as Linux's inet_autobind gives for a ping
   * socket that finds no free identifier (the search is bounded: it never loops).
   */
  openEcho(listener: EchoListener, binding: EchoBinding<Ipv4Address> | null = null): number {
    return this.echo.open(listener, binding);
  }

  /** Registers a ping endpoint on identifier `id` (a ping socket's bind); 0 when it is taken (EADDRINUSE). */
  openEchoAt(id: number, listener: EchoListener, binding: EchoBinding<Ipv4Address> | null = null): number {
    return this.echo.openAt(id, listener, binding);
  }

  /** Unregisters a ping endpoint (all on `id` without `listener`). */
  closeEcho(id: number, listener?: EchoListener): void {
    this.echo.close(id, listener);
  }

  /**
   * Sends an echo request (from `src`, a bound ping socket's address, else
   * the route's); returns an errno code on a local failure.
   */
  sendEcho(dst: Ipv4Address, id: number, seq: number, data: Uint8Array, ttl?: number, src?: Ipv4Address): string | null {
    const rt = this.ip.route(dst);
    const c = this.ctx.counters;
    if (!rt) {
      c.inc(c.Icmp, "OutErrors");
      return "ENETUNREACH";
    }
    const head = new Uint8Array(IPV4.MIN_HEADER + ICMP.HEADER);
    emitIcmp({ type: ICMP_ECHO_REQUEST, code: 0, id, seq }, head, IPV4.MIN_HEADER, data, !rt.iface.device.checksumOffload);
    c.inc(c.Icmp, "OutMsgs");
    c.inc(c.IcmpMsg, "OutType8");
    return this.ip.output(rt, src || rt.src, dst, IPPROTO_ICMP, head, data, { ttl });
  }

  /** Handles a received ICMP message. */
  input(packet: Packet, hdr: Ipv4Header, _iface: NetInterface): void {
    const c = this.ctx.counters;
    c.inc(c.Icmp, "InMsgs");
    const l4 = hdr.headerLength;
    const headLen = Math.min(packet.head.length - l4, hdr.totalLength - l4);
    const body = packet.head.length >= hdr.totalLength ? new Uint8Array(0) : packet.payload;
    const m = parseIcmp(packet.head, l4, headLen, body, !packet.csumPartial);
    if (m instanceof WireError) {
      if (m.reason === "bad-checksum") c.inc(c.Icmp, "InCsumErrors");
      c.inc(c.Icmp, "InErrors");
      return;
    }
    c.inc(c.IcmpMsg, `InType${m.type}`);
    const data = datagramTail(packet, l4 + ICMP.HEADER);
    const now = this.ctx.scheduler.now();
    if (m.type === ICMP_ECHO_REQUEST) {
      if (this.ctx.sysctl.icmp_echo_ignore_all) {
        c.inc(c.Sockstack, "IcmpInDiscards"); // Linux icmp_echo: ignored without a counter
        return;
      }
      if (hdr.dst === INADDR_BROADCAST || isMulticast(hdr.dst)) {
        // Linux icmp_rcv: icmp_echo_ignore_broadcasts drops it as an error (InErrors).
        c.inc(c.Icmp, "InErrors");
        return;
      }
      const rt = this.ip.route(hdr.src);
      if (!rt) {
        c.inc(c.Ip, "OutNoRoutes");
        return;
      }
      const head = new Uint8Array(IPV4.MIN_HEADER + ICMP.HEADER);
      emitIcmp({ type: ICMP_ECHO_REPLY, code: 0, id: m.id, seq: m.seq }, head, IPV4.MIN_HEADER, data, !rt.iface.device.checksumOffload);
      c.inc(c.Icmp, "OutMsgs");
      c.inc(c.IcmpMsg, "OutType0");
      this.ip.output(rt, hdr.dst, hdr.src, IPPROTO_ICMP, head, data);
      return;
    }
    if (m.type === ICMP_ECHO_REPLY) {
      const ep = this.echo.get(m.id, hdr.dst);
      if (ep) ep.reply({ from: hdr.src, to: hdr.dst, id: m.id, seq: m.seq, ttl: hdr.ttl, data, at: now });
      else c.inc(c.Sockstack, "IcmpInDiscards"); // nobody pings with this id (Linux ping_rcv: no counter)
      return;
    }
    if (isIcmpError(m.type)) {
      if (m.type === ICMP_DEST_UNREACH) c.inc(c.Icmp, "InDestUnreachs");
      else if (m.type === 11) c.inc(c.Icmp, "InTimeExcds");
      // An error about one of our echo requests goes to the ping endpoint.
      if (data.length >= IPV4.MIN_HEADER + 8 && data[9] === IPPROTO_ICMP) {
        const qhl = (data[0]! & 0x0f) * 4;
        if (data.length >= qhl + 8 && data[qhl] === ICMP_ECHO_REQUEST) {
          const id = (data[qhl + 4]! << 8) | data[qhl + 5]!;
          const seq = (data[qhl + 6]! << 8) | data[qhl + 7]!;
          const ep = this.echo.get(id, hdr.dst);
          const dst = ((data[16]! << 24) | (data[17]! << 16) | (data[18]! << 8) | data[19]!) >>> 0;
          const info = m.type === ICMP_DEST_UNREACH && m.code === 4 ? m.mtu : m.type === 12 ? m.id >>> 8 : 0;
          if (ep) ep.error({ from: hdr.src, type: m.type, code: m.code, info, id, seq, at: now, dst, quote: data.subarray(qhl) });
          else c.inc(c.Sockstack, "IcmpInDiscards");
          return;
        }
      }
      this.ip.deliverIcmpError(m.type, m.code, m.mtu, hdr.src, data);
      return;
    }
    // Linux icmp_rcv: a type past NR_ICMP_TYPES (18) is an error; the informational
    // types it knows but does not answer (icmp_discard) are dropped without a counter.
    if (m.type > 18) c.inc(c.Icmp, "InErrors");
    else c.inc(c.Sockstack, "IcmpInDiscards");
  }

  /**
   * Sends an ICMP error about `offending` (whose parsed header is `ohdr`).
   * `info` is the next-hop MTU for fragmentation-needed.
   */
  sendError(type: number, code: number, info: number, offending: Packet, ohdr: Ipv4Header): void {
    const c = this.ctx.counters;
    // RFC 1122 §3.2.2: never about an ICMP error, a non-first fragment, broadcast/multicast, or a bogus source.
    if (ohdr.fragOffset !== 0) return;
    if (ohdr.dst === INADDR_BROADCAST || isMulticast(ohdr.dst) || ohdr.src === 0 || ohdr.src === INADDR_BROADCAST || isMulticast(ohdr.src)) return;
    // Nor about a datagram to a subnet's directed broadcast (Linux icmp_send: RTCF_BROADCAST).
    if (this.ip.interfaces.some((i) => i.isBroadcast(ohdr.dst))) return;
    if (ohdr.protocol === IPPROTO_ICMP) {
      const t = offending.byteAt(ohdr.headerLength);
      if (offending.length < ohdr.headerLength + 1 || isIcmpError(t)) return;
    }
    const rt = this.ip.route(ohdr.src);
    if (!rt) return;
    if (!this.#allow(ohdr.src, type, rt.iface === this.ip.loopback)) {
      c.inc(c.Icmp, "RateLimitHost");
      return;
    }
    const quoteLen = Math.min(offending.length, ICMP_QUOTE_MAX);
    const quote = offending.bytes().subarray(0, quoteLen);
    const head = new Uint8Array(IPV4.MIN_HEADER + ICMP.HEADER);
    emitIcmp({ type, code, mtu: type === ICMP_DEST_UNREACH && code === 4 ? info : 0 }, head, IPV4.MIN_HEADER, quote, !rt.iface.device.checksumOffload);
    c.inc(c.Icmp, "OutMsgs");
    if (type === ICMP_DEST_UNREACH) c.inc(c.Icmp, "OutDestUnreachs");
    else if (type === 11) c.inc(c.Icmp, "OutTimeExcds");
    c.inc(c.IcmpMsg, `OutType${type}`);
    const src = this.ip.isLocalAddress(ohdr.dst) ? ohdr.dst : rt.src;
    // Linux sends ICMP errors with TOS 0xc0 (IPTOS_PREC_INTERNETCONTROL).
    this.ip.output(rt, src, ohdr.src, IPPROTO_ICMP, head, quote, { tos: 0xc0 });
  }

  /** Linux inet_peer_xrlim_allow(): a token bucket per destination. */
  #allow(dst: Ipv4Address, type: number, loopback: boolean): boolean {
    if (loopback) return true;
    if (type > 31 || ((DEFAULT_RATEMASK >> type) & 1) === 0) return true;
    const timeout = this.ctx.sysctl.icmp_ratelimit;
    if (timeout <= 0) return true;
    return xrlimAllow(this.#peers, dst, timeout, this.ctx.scheduler.now());
  }
}
