/**
 * The fields of a captured IPv4 datagram as plain JSON-ready data — what
 * `sockstack demo --json` puts in its `packet` events (docs/observability.md,
 * "demo --json"). Numbers as on the wire (absolute sequence numbers, the
 * unscaled window); flags as tcpdump letters (`S`, `S.`, `P.`, `F.`, `R`).
 * A datagram that does not parse gives `{ ip: null, error }`.
 *
 * @example
 * packetFields(bytes).tcp?.flags === "S."
 */
import { parseIcmp } from "../wire/icmp.js";
import { formatIpv4Address } from "../wire/ipv4-address.js";
import { parseIpv4 } from "../wire/ipv4.js";
import { parseTcp } from "../wire/tcp.js";
import { parseUdp } from "../wire/udp.js";
import { WireError } from "../wire/wire-error.js";
import { tcpdumpFlags } from "./tcpdump.js";

/** The IPv4 header. */
export interface IpFields {
  src: string;
  dst: string;
  /** `tcp`, `udp`, `icmp` or the protocol number. */
  proto: string;
  ttl: number;
  id: number;
  df: boolean;
  /** Total length (header + payload). */
  length: number;
  /** Fragment offset in bytes, and More Fragments. */
  fragOffset: number;
  mf: boolean;
}

/** The TCP header (options by name, as present). */
export interface TcpFields {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  /** tcpdump's letters in tcpdump's order (`S.`, `FP.`, `S.E`): `F` FIN, `S` SYN, `R` RST, `P` PSH, `.` ACK, `U` URG, `E` ECE, `W` CWR; `none`. */
  flags: string;
  /** The window field, unscaled. */
  window: number;
  /** Payload bytes. */
  length: number;
  options: { mss?: number; wscale?: number; sackOk?: boolean; sack?: [number, number][]; tsVal?: number; tsEcr?: number };
}

/** The UDP header. */
export interface UdpFields {
  sport: number;
  dport: number;
  /** Payload bytes. */
  length: number;
}

/** The ICMP header (id/seq for echo, the quoted datagram's ports for errors left to the line). */
export interface IcmpFields {
  type: number;
  code: number;
  id?: number;
  seq?: number;
}

/** Everything {@link packetFields} extracts. */
export interface PacketFields {
  ip: IpFields | null;
  tcp?: TcpFields;
  udp?: UdpFields;
  icmp?: IcmpFields;
  /** Why the datagram did not parse. */
  error?: string;
}

const wireText = (e: WireError) => `${e.layer}: ${e.reason}${e.detail ? ` (${e.detail})` : ""}`;

const PROTO: Record<number, string> = { 1: "icmp", 6: "tcp", 17: "udp" };

/** Decodes `bytes` (a whole IPv4 datagram, checksums as captured). */
export function packetFields(bytes: Uint8Array): PacketFields {
  const h = parseIpv4(bytes, bytes.length, false);
  if (h instanceof WireError) return { ip: null, error: wireText(h) };
  const ip: IpFields = {
    src: formatIpv4Address(h.src), dst: formatIpv4Address(h.dst), proto: PROTO[h.protocol] ?? String(h.protocol),
    ttl: h.ttl, id: h.id, df: h.df, length: h.totalLength, fragOffset: h.fragOffset, mf: h.mf,
  };
  const out: PacketFields = { ip };
  if (h.fragOffset !== 0) return out; // only the first fragment carries the transport header
  const off = h.headerLength;
  const avail = Math.min(bytes.length, h.totalLength) - off;
  if (h.protocol === 6) {
    const t = parseTcp(bytes, off, avail);
    if (t instanceof WireError) return { ...out, error: wireText(t) };
    const options: TcpFields["options"] = {};
    if (t.mss !== undefined) options.mss = t.mss;
    if (t.wscale !== undefined) options.wscale = t.wscale;
    if (t.sackOk) options.sackOk = true;
    if (t.sack.length) {
      options.sack = [];
      for (let i = 0; i < t.sack.length; i += 2) options.sack.push([t.sack[i]!, t.sack[i + 1]!]);
    }
    if (t.tsVal !== undefined) {
      options.tsVal = t.tsVal;
      options.tsEcr = t.tsEcr ?? 0;
    }
    out.tcp = { sport: t.srcPort, dport: t.dstPort, seq: t.seq, ack: t.ack, flags: tcpdumpFlags(t.flags), window: t.window, length: avail - t.headerLength, options };
  } else if (h.protocol === 17) {
    const u = parseUdp(bytes, off, avail);
    if (u instanceof WireError) return { ...out, error: wireText(u) };
    out.udp = { sport: u.srcPort, dport: u.dstPort, length: u.length - 8 };
  } else if (h.protocol === 1) {
    const i = parseIcmp(bytes, off, avail, new Uint8Array(0), false);
    if (i instanceof WireError) return { ...out, error: wireText(i) };
    out.icmp = { type: i.type, code: i.code, ...(i.type === 0 || i.type === 8 ? { id: i.id, seq: i.seq } : {}) };
  }
  return out;
}
