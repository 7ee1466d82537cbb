/**
 * Turning script packet lines into real datagrams (inbound `<`) and real
 * datagrams into comparable records (outbound `>`), plus the packetdrill
 * notation used in failure messages (`S. 0:0(0) ack 1 win 65535 <mss 1460>`).
 * Sequence-space translation (ISN, TS ecr) is the runner's job; these
 * functions take the numbers as they go on the wire.
 */
import type { TcpOption as ScriptOption, TcpPacketSpec } from "./ast.js";
import { emitIpv4, IPPROTO_TCP, parseIpv4 } from "../wire/ipv4.js";
import type { Ipv4Address } from "../wire/ipv4-address.js";
import { EMPTY, Packet } from "../wire/packet.js";
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

/**
 * A TCP segment as the runner compares it (numbers as on the wire): the
 * codec's header fields, the ordered option list, and the IP fields the
 * runner checks.
 */
export interface WireSegment extends Pick<TcpHeader, "srcPort" | "dstPort" | "seq" | "ack" | "flags" | "window" | "urgent"> {
  src: Ipv4Address;
  dst: Ipv4Address;
  tos: number;
  options: WireOption[];
  /** Payload length in bytes. */
  len: number;
}

/** Decodes a captured datagram; null for anything that is not TCP (or is malformed). */
export function decodeSegment(p: Packet): WireSegment | WireError | null {
  const ip = parseIpv4(p.head, p.length, false);
  if (ip instanceof WireError) return ip;
  if (ip.protocol !== IPPROTO_TCP) return null;
  const bytes = p.payload.length && p.head.length < ip.headerLength + TCP.MAX_HEADER ? p.bytes() : p.head;
  const t = parseTcp(bytes, ip.headerLength, ip.totalLength - ip.headerLength);
  if (t instanceof WireError) return t;
  return {
    src: ip.src, dst: ip.dst, tos: ip.tos,
    srcPort: t.srcPort, dstPort: t.dstPort, seq: t.seq, ack: t.ack, flags: t.flags, window: t.window, urgent: t.urgent,
    options: tcpOptionList(t),
    len: ip.totalLength - ip.headerLength - t.headerLength,
  };
}

/** What {@link encodeSegment} needs beyond the script line: addresses, ports, translated numbers. */
export interface EncodeArgs {
  src: Ipv4Address;
  dst: Ipv4Address;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  tos: number;
  ttl: number;
  /** The options with ecr / SACK edges already translated. */
  options: WireOption[];
}

/** Builds the datagram of an inbound TCP line (payload: `len` zero bytes). */
export function encodeSegment(spec: TcpPacketSpec, a: EncodeArgs): Packet {
  const optLen = tcpEmitOptionsLength(a.options);
  if (optLen > TCP_MAX_OPTIONS_LENGTH) throw new RangeError(`TCP options too long (${optLen} bytes)`);
  const head = new Uint8Array(20 + TCP.MIN_HEADER + optLen);
  const len = spec.seq.len;
  emitIpv4({ src: a.src, dst: a.dst, protocol: IPPROTO_TCP, payloadLength: TCP.MIN_HEADER + optLen + len, tos: a.tos, ttl: a.ttl, df: true }, head, 0, true);
  emitTcp({
    srcPort: a.srcPort, dstPort: a.dstPort, seq: a.seq, ack: a.ack, flags: flagBits(spec.flags),
    window: spec.win ?? 0, urgent: spec.urg ?? 0, options: a.options,
  }, head, 20);
  return new Packet(head, len ? new Uint8Array(len) : EMPTY, true);
}

/**
 * Converts a script option to its wire form (numbers untranslated): the
 * same object for the kinds the wire codec shares, a timestamp with `val
 * ...` as 0, null for MD5 (which sockstack does not send).
 */
export function scriptOptionToWire(o: ScriptOption): WireOption | null {
  switch (o.kind) {
    case "sack": return { kind: "sack", blocks: o.blocks.map(([l, r]) => [l >>> 0, r >>> 0] as const) };
    case "timestamp": return { kind: "timestamp", val: (o.val ?? 0) >>> 0, ecr: o.ecr >>> 0 };
    case "md5": return null;
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
