/**
 * Turning script packet lines into real datagrams (inbound `<`) and real
 * datagrams into comparable records (outbound `>`), plus the packetdrill
 * notation used in failure messages (`S. 0:0(0) ack 1 win 65535 <mss 1460>`).
 * Sequence-space translation (ISN, TS ecr) is the runner's job; these
 * functions take the numbers as they go on the wire. Both families: an
 * address is an IPv4 number or a 16-byte IPv6 address, and the packet is
 * built or read with that family's codec (src/wire); inbound IPv6 packets
 * carry real upper-layer checksums over the RFC 8200 §8.1 pseudo header.
 * Inbound ICMP errors ({@link encodeIcmp}) quote a packet of the
 * connection as packetdrill builds them (icmp_packet.c).
 */
import type { IcmpPacketSpec, TcpOption as ScriptOption, TcpPacketSpec } from "./ast.js";
import { emitIcmp, ICMP_DEST_UNREACH, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, ICMP_TIME_EXCEEDED } from "../wire/icmp.js";
import {
  emitIcmpv6, ICMPV6_DEST_UNREACH, ICMPV6_ECHO_REPLY, ICMPV6_ECHO_REQUEST, ICMPV6_PARAMPROB, ICMPV6_PKT_TOOBIG, ICMPV6_TIME_EXCEED,
} from "../wire/icmpv6.js";
import { emitIpv4, IPPROTO_ICMP, IPPROTO_TCP, parseIpv4 } from "../wire/ipv4.js";
import type { Ipv4Address } from "../wire/ipv4-address.js";
import { emitIpv6, IPV6, NEXTHDR_ICMPV6, NEXTHDR_TCP, parseIpv6 } from "../wire/ipv6.js";
import { formatIpv6Address, ipv6Equal, type Ipv6Address } from "../wire/ipv6-address.js";
import { EMPTY, finalizeChecksums, Packet } from "../wire/packet.js";
import {
  emitTcp, parseTcp, tcpEmitOptionsLength, tcpOptionList, TCP, TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG,
  type TcpHeader,
} from "../wire/tcp.js";
import { TCP_MAX_OPTIONS_LENGTH, type TcpOption as WireOption } from "../wire/tcp-options.js";
import { WireError } from "../wire/wire-error.js";

const FLAG_BITS: Record<string, number> = { F: TCP_FIN, S: TCP_SYN, R: TCP_RST, P: TCP_PSH, ".": TCP_ACK, U: TCP_URG, E: TCP_ECE, W: TCP_CWR };

/** Flag letters (`"S."`) → header bits. */
export function flagBits(letters: string): number {
  let f = 0;
  for (const c of letters) f |= FLAG_BITS[c] ?? 0;
  return f;
}

/** Header bits → packetdrill's letters, in packetdrill's order (`S.`, `F.`, `P.`, `R.`). */
export function flagLetters(bits: number): string {
  let s = "";
  if (bits & TCP_FIN) s += "F";
  if (bits & TCP_SYN) s += "S";
  if (bits & TCP_RST) s += "R";
  if (bits & TCP_PSH) s += "P";
  if (bits & TCP_URG) s += "U";
  if (bits & TCP_ECE) s += "E";
  if (bits & TCP_CWR) s += "W";
  if (bits & TCP_ACK) s += ".";
  return s || "-";
}

/** An address on the wire: an IPv4 number or a 16-byte IPv6 address. */
export type WireAddress = Ipv4Address | Ipv6Address;

/** Whether two wire addresses are the same (either family). */
export function sameAddress(a: WireAddress, b: WireAddress): boolean {
  if (typeof a === "number" || typeof b === "number") return a === b;
  return ipv6Equal(a, b);
}

/** An address in its text form (`192.0.2.1`, `2001:db8::1`). */
export function formatAddress(a: WireAddress): string {
  return typeof a === "number" ? `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}` : formatIpv6Address(a);
}

/**
 * A TCP segment as the runner compares it (numbers as on the wire): the
 * codec's header fields, the ordered option list, and the IP fields the
 * runner checks.
 */
export interface WireSegment extends Pick<TcpHeader, "srcPort" | "dstPort" | "seq" | "ack" | "flags" | "window" | "urgent"> {
  src: WireAddress;
  dst: WireAddress;
  /** The TOS byte (IPv4) or traffic class (IPv6). */
  tos: number;
  /** The IPv6 flow label (0 for IPv4). */
  flowLabel: number;
  /** TTL (IPv4) or hop limit (IPv6). */
  ttl: number;
  options: WireOption[];
  /** Payload length in bytes. */
  len: number;
}

/**
 * Decodes a captured datagram (IPv4 or IPv6 by its version nibble); null
 * for anything that is not TCP (or is malformed).
 */
export function decodeSegment(p: Packet): WireSegment | WireError | null {
  const flat = p.payload.length && p.head.length < IPV6.HEADER + TCP.MAX_HEADER ? p.bytes() : p.head;
  if (p.head.length && p.head[0]! >> 4 === 6) {
    const ip = parseIpv6(flat, p.length);
    if (ip instanceof WireError) return ip;
    // The stack's TCP segments carry no extension headers.
    if (ip.nextHeader !== NEXTHDR_TCP) return null;
    const t = parseTcp(flat, IPV6.HEADER, ip.payloadLength);
    if (t instanceof WireError) return t;
    return {
      src: ip.src, dst: ip.dst, tos: ip.trafficClass, flowLabel: ip.flowLabel, ttl: ip.hopLimit,
      srcPort: t.srcPort, dstPort: t.dstPort, seq: t.seq, ack: t.ack, flags: t.flags, window: t.window, urgent: t.urgent,
      options: tcpOptionList(t),
      len: ip.payloadLength - t.headerLength,
    };
  }
  const ip = parseIpv4(p.head, p.length, false);
  if (ip instanceof WireError) return ip;
  if (ip.protocol !== IPPROTO_TCP) return null;
  const bytes = p.payload.length && p.head.length < ip.headerLength + TCP.MAX_HEADER ? p.bytes() : p.head;
  const t = parseTcp(bytes, ip.headerLength, ip.totalLength - ip.headerLength);
  if (t instanceof WireError) return t;
  return {
    src: ip.src, dst: ip.dst, tos: ip.tos, flowLabel: 0, ttl: ip.ttl,
    srcPort: t.srcPort, dstPort: t.dstPort, seq: t.seq, ack: t.ack, flags: t.flags, window: t.window, urgent: t.urgent,
    options: tcpOptionList(t),
    len: ip.totalLength - ip.headerLength - t.headerLength,
  };
}

/** What {@link encodeSegment} needs beyond the script line: addresses, ports, translated numbers. */
export interface EncodeArgs {
  /** Both of one family: it chooses the packet's. */
  src: WireAddress;
  dst: WireAddress;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** TOS byte / traffic class. */
  tos: number;
  /** TTL / hop limit. */
  ttl: number;
  /** IPv6 flow label (ignored for IPv4). */
  flowLabel?: number;
  /** The options with ecr / SACK edges already translated. */
  options: WireOption[];
}

/** Builds the datagram of an inbound TCP line (payload: `len` zero bytes). */
export function encodeSegment(spec: TcpPacketSpec, a: EncodeArgs): Packet {
  const optLen = tcpEmitOptionsLength(a.options);
  if (optLen > TCP_MAX_OPTIONS_LENGTH) throw new RangeError(`TCP options too long (${optLen} bytes)`);
  const v6 = typeof a.src !== "number";
  const ipLen = v6 ? IPV6.HEADER : 20;
  const head = new Uint8Array(ipLen + TCP.MIN_HEADER + optLen);
  const len = spec.seq.len;
  const l4 = TCP.MIN_HEADER + optLen + len;
  if (v6) {
    emitIpv6({ src: a.src as Ipv6Address, dst: a.dst as Ipv6Address, nextHeader: NEXTHDR_TCP, payloadLength: l4, hopLimit: a.ttl, trafficClass: a.tos, flowLabel: a.flowLabel ?? 0 }, head, 0);
  } else {
    emitIpv4({ src: a.src as Ipv4Address, dst: a.dst as Ipv4Address, protocol: IPPROTO_TCP, payloadLength: l4, tos: a.tos, ttl: a.ttl, df: true }, head, 0, true);
  }
  emitTcp({
    srcPort: a.srcPort, dstPort: a.dstPort, seq: a.seq, ack: a.ack, flags: flagBits(spec.flags),
    window: spec.win ?? 0, urgent: spec.urg ?? 0, options: a.options,
  }, head, ipLen);
  const p = new Packet(head, len ? new Uint8Array(len) : EMPTY, true);
  // IPv6 packets carry their TCP checksum (the pseudo header of RFC 8200 §8.1), which the stack verifies.
  if (v6) finalizeChecksums(p);
  return p;
}

/** ICMP type names (packetdrill's icmp_packet.c tables): type byte and code names. */
const ICMP_TYPES: Record<4 | 6, Record<string, { type: number; codes: Record<string, number> }>> = {
  4: {
    echo_reply: { type: ICMP_ECHO_REPLY, codes: {} },
    unreachable: {
      type: ICMP_DEST_UNREACH,
      codes: {
        net_unreachable: 0, host_unreachable: 1, protocol_unreachable: 2, port_unreachable: 3, frag_needed: 4, source_route_failed: 5,
        net_unknown: 6, host_unknown: 7, source_host_isolated: 8, net_prohibited: 9, host_prohibited: 10, net_unreachable_for_tos: 11,
        host_unreachable_for_tos: 12, packet_filtered: 13, precedence_violation: 14, precedence_cutoff: 15,
      },
    },
    source_quench: { type: 4, codes: {} },
    redirect: { type: 5, codes: {} },
    echo_request: { type: ICMP_ECHO_REQUEST, codes: {} },
    time_exceeded: { type: ICMP_TIME_EXCEEDED, codes: {} },
    parameter_problem: { type: 12, codes: {} },
  },
  6: {
    unreachable: {
      type: ICMPV6_DEST_UNREACH,
      codes: { net_unreachable: 0, no_route: 0, admin_prohibited: 1, not_neighbour: 2, address_unreachable: 3, port_unreachable: 4 },
    },
    packet_too_big: { type: ICMPV6_PKT_TOOBIG, codes: {} },
    time_exceeded: { type: ICMPV6_TIME_EXCEED, codes: { exceeded_hop_limit: 0, exceeded_frag_time: 1 } },
    parameter_problem: { type: ICMPV6_PARAMPROB, codes: { header_field: 0, unknown_next_header: 1, unknown_option: 2 } },
    echo_request: { type: ICMPV6_ECHO_REQUEST, codes: {} },
    echo_reply: { type: ICMPV6_ECHO_REPLY, codes: {} },
  },
};

/**
 * An ICMP line's type and code bytes in `family` (packetdrill's names, or
 * `type_N` / `code_N`; no code is 0), or the message packetdrill gives
 * (`bad ICMP code frag_needed` for an ICMPv4 code in an IPv6 run).
 */
export function icmpTypeCode(family: 4 | 6, spec: Pick<IcmpPacketSpec, "icmpType" | "icmpCode">): { type: number; code: number } | string {
  const numbered = (text: string, prefix: string): number | null => {
    const m = new RegExp(`^${prefix}_(\\d+)$`).exec(text);
    return m ? Number(m[1]) : null;
  };
  const known = ICMP_TYPES[family][spec.icmpType];
  const type = numbered(spec.icmpType, "type") ?? known?.type ?? -1;
  if (type < 0 || type > 255) return `bad ICMP type ${spec.icmpType}`;
  if (spec.icmpCode === null) return { type, code: 0 };
  const code = numbered(spec.icmpCode, "code") ?? known?.codes[spec.icmpCode] ?? -1;
  if (code < 0 || code > 255) return `bad ICMP code ${spec.icmpCode}`;
  return { type, code };
}

/** What {@link encodeIcmp} needs: the outer addresses and the quoted TCP packet (local → remote). */
export interface IcmpArgs {
  /** The peer (the ICMP's source) and the host (its destination), one family. */
  src: WireAddress;
  dst: WireAddress;
  type: number;
  code: number;
  /** MTU of a fragmentation-needed (IPv4, 16 bits) or Packet Too Big (IPv6, 32 bits); 0 when absent. */
  mtu: number;
  /** The quoted TCP header's ports (the host's port first) and sequence number, live. */
  quoteSrcPort: number;
  quoteDstPort: number;
  quoteSeq: number;
  /** The quoted segment's payload length (the `(len)` of `[seq:end(len)]`). */
  quotePayload: number;
  ttl: number;
  tos: number;
}

/**
 * Builds an inbound ICMP error as packetdrill does: the outer IP header,
 * the ICMP header (with its MTU), then the quoted datagram — an IP header
 * of the host's packet to the peer, the first 8 bytes of its TCP header
 * (ports and sequence number) and `quotePayload` zero bytes.
 */
export function encodeIcmp(a: IcmpArgs): Packet {
  const v6 = typeof a.src !== "number";
  const ipLen = v6 ? IPV6.HEADER : 20;
  const quoteLen = ipLen + 8 + a.quotePayload;
  const icmpLen = 8 + quoteLen;
  const head = new Uint8Array(ipLen + icmpLen);
  const q = head.subarray(ipLen + 8);
  {
    const inner = TCP.MIN_HEADER + a.quotePayload;
    if (v6) emitIpv6({ src: a.dst as Ipv6Address, dst: a.src as Ipv6Address, nextHeader: NEXTHDR_TCP, payloadLength: inner, hopLimit: 0 }, q, 0);
    else emitIpv4({ src: a.dst as Ipv4Address, dst: a.src as Ipv4Address, protocol: IPPROTO_TCP, payloadLength: inner, ttl: 0 }, q, 0, false);
    q[ipLen] = a.quoteSrcPort >>> 8;
    q[ipLen + 1] = a.quoteSrcPort & 255;
    q[ipLen + 2] = a.quoteDstPort >>> 8;
    q[ipLen + 3] = a.quoteDstPort & 255;
    q[ipLen + 4] = a.quoteSeq >>> 24;
    q[ipLen + 5] = (a.quoteSeq >>> 16) & 255;
    q[ipLen + 6] = (a.quoteSeq >>> 8) & 255;
    q[ipLen + 7] = a.quoteSeq & 255;
  }
  if (v6) {
    emitIpv6({ src: a.src as Ipv6Address, dst: a.dst as Ipv6Address, nextHeader: NEXTHDR_ICMPV6, payloadLength: icmpLen, hopLimit: a.ttl, trafficClass: a.tos }, head, 0);
    emitIcmpv6(a.type, a.code, a.mtu >>> 0, head, ipLen, q.slice(), a.src as Ipv6Address, a.dst as Ipv6Address);
  } else {
    emitIpv4({ src: a.src as Ipv4Address, dst: a.dst as Ipv4Address, protocol: IPPROTO_ICMP, payloadLength: icmpLen, ttl: a.ttl, tos: a.tos }, head, 0, true);
    emitIcmp({ type: a.type, code: a.code, mtu: a.mtu }, head, ipLen, q.slice());
  }
  return new Packet(head, EMPTY, false);
}

/**
 * Converts a script option to its wire form (numbers untranslated): the
 * same object for the kinds the wire codec shares, a timestamp with `val
 * ...` as 0, an MD5 signature written as its 16 bytes in hex as the raw
 * kind-19 option packetdrill builds (null for another MD5 form, e.g. one
 * packetdrill computes from a key).
 */
export function scriptOptionToWire(o: ScriptOption): WireOption | null {
  switch (o.kind) {
    case "sack": return { kind: "sack", blocks: o.blocks.map(([l, r]) => [l >>> 0, r >>> 0] as const) };
    case "timestamp": return { kind: "timestamp", val: (o.val ?? 0) >>> 0, ecr: o.ecr >>> 0 };
    case "md5": return /^[0-9a-fA-F]{32}$/.test(o.key) ? { kind: "unknown", type: 19, data: hexBytes(o.key) } : null;
    case "fastopen": return { kind: "fastopen", cookie: hexBytes(o.cookie), exp: o.experimental };
    default: return o;
  }
}

/** The bytes of an even-length hex string (a Fast Open cookie as scripts write it). */
function hexBytes(h: string): Uint8Array {
  const b = new Uint8Array(h.length >> 1);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return b;
}

/** One option in packetdrill notation. */
export function formatOption(o: WireOption): string {
  switch (o.kind) {
    case "nop": return "nop";
    case "eol": return "eol";
    case "mss": return `mss ${o.mss}`;
    case "wscale": return `wscale ${o.shift}`;
    case "sack-permitted": return "sackOK";
    case "sack": return `sack ${o.blocks.map(([l, r]) => `${l}:${r}`).join(" ")}`;
    case "timestamp": return `TS val ${o.val} ecr ${o.ecr}`;
    case "fastopen": return `${o.exp ? "FOEXP" : "FO"}${o.cookie.length ? " " : ""}${Array.from(o.cookie, (b) => b.toString(16).padStart(2, "0")).join("")}`;
    default: return `opt-${o.type}`;
  }
}

/** A script option in packetdrill notation. */
export function formatScriptOption(o: ScriptOption): string {
  switch (o.kind) {
    case "timestamp": return `TS val ${o.val ?? "..."} ecr ${o.ecr}${o.ecrAbsolute ? "!" : ""}`;
    case "md5": return `md5 ${o.key}`;
    case "fastopen": return `${o.experimental ? "FOEXP" : "FO"}${o.cookie ? ` ${o.cookie}` : ""}`;
    default: return formatOption(scriptOptionToWire(o)!);
  }
}

/**
 * A segment in packetdrill notation, `seqBase` subtracted from its sequence
 * number (the stack's ISN for outbound packets):
 * `S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 6>`.
 */
export function formatSegment(s: WireSegment, seqBase: number): string {
  const rel = (s.seq - seqBase) >>> 0;
  const end = (rel + s.len) >>> 0;
  let out = `${flagLetters(s.flags)} ${rel}:${end}(${s.len})`;
  if (s.flags & TCP_ACK) out += ` ack ${s.ack}`;
  out += ` win ${s.window}`;
  if (s.urgent) out += ` urg ${s.urgent}`;
  if (s.options.length) out += ` <${s.options.map(formatOption).join(",")}>`;
  return out;
}

/** A script TCP line in packetdrill notation (as written, normalised). */
export function formatSpec(spec: TcpPacketSpec): string {
  const q = spec.seq;
  let out = `${spec.flags || "-"} ${q.start === null ? "..." : `${q.start}:${q.end}`}(${q.len})${q.absolute ? "!" : ""}`;
  if (spec.ack !== null) out += ` ack ${spec.ack}`;
  if (spec.win !== null) out += ` win ${spec.win}`;
  if (spec.urg !== null) out += ` urg ${spec.urg}`;
  if (spec.options === "any") out += " <...>";
  else if (spec.options.length) out += ` <${spec.options.map(formatScriptOption).join(",")}>`;
  return out;
}
