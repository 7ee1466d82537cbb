/**
 * ICMPv6 codec (RFC 4443) and the Neighbor Discovery messages it carries
 * (RFC 4861): the 8-byte header (type, code, checksum and the 32-bit
 * word that is an echo id/seq, an MTU, a pointer or ND flags), its
 * checksum over the IPv6 pseudo header, and ND's fixed fields and
 * options (source/target link-layer address, prefix information, MTU).
 * Parsers return a {@link WireError} instead of throwing.
 */
import { foldChecksum, sum16 } from "./checksum.js";
import { readMac, writeMac, type MacAddress } from "./ethernet.js";
import { pseudoHeaderSum6, NEXTHDR_ICMPV6 } from "./ipv6.js";
import type { Ipv6Address } from "./ipv6-address.js";
import { WireError } from "./wire-error.js";

/** ICMPv6 types (Linux's ICMPV6_* / NDISC_* names). */
export const ICMPV6_DEST_UNREACH = 1;
export const ICMPV6_PKT_TOOBIG = 2;
export const ICMPV6_TIME_EXCEED = 3;
export const ICMPV6_PARAMPROB = 4;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;
export const ICMPV6_MLD2_REPORT = 143;
export const NDISC_ROUTER_SOLICITATION = 133;
export const NDISC_ROUTER_ADVERTISEMENT = 134;
export const NDISC_NEIGHBOUR_SOLICITATION = 135;
export const NDISC_NEIGHBOUR_ADVERTISEMENT = 136;
export const NDISC_REDIRECT = 137;

/** Destination-unreachable codes. */
export const ICMPV6_NOROUTE = 0;
export const ICMPV6_ADM_PROHIBITED = 1;
export const ICMPV6_NOT_NEIGHBOUR = 2;
export const ICMPV6_ADDR_UNREACH = 3;
export const ICMPV6_PORT_UNREACH = 4;
export const ICMPV6_REJECT_ROUTE = 6;
/** Time-exceeded codes. */
export const ICMPV6_EXC_HOPLIMIT = 0;
export const ICMPV6_EXC_FRAGTIME = 1;
/** Parameter-problem codes. */
export const ICMPV6_HDR_FIELD = 0;
export const ICMPV6_UNK_NEXTHDR = 1;
export const ICMPV6_UNK_OPTION = 2;

/** Field offsets of the ICMPv6 header. */
export const ICMPV6 = { TYPE: 0, CODE: 1, CHECKSUM: 2, ID: 4, SEQ: 6, MTU: 4, POINTER: 4, HEADER: 8 } as const;

/** An error quotes as much of the offending packet as fits in the minimum MTU (RFC 4443 §2.4(c)): 1280 − 40 − 8. */
export const ICMPV6_QUOTE_MAX = 1232;

/** A parsed ICMPv6 header. */
export interface Icmpv6Header {
  type: number;
  code: number;
  checksum: number;
  /** Echo identifier and sequence (echo request/reply). */
  id: number;
  seq: number;
  /** The second 32-bit word: the MTU of a Packet Too Big, the pointer of a Parameter Problem, ND flags. */
  word: number;
}

/** True for the error types (below 128, RFC 4443 §2.1). */
export function isIcmpv6Error(type: number): boolean {
  return type < 128;
}

/**
 * Parses the ICMPv6 header at `head[off]` (`headLen` bytes of the message
 * there, the rest in `body`); with `verify`, checks the checksum over the
 * pseudo header of `src` → `dst` and the whole message.
 */
export function parseIcmpv6(
  head: Uint8Array, off: number, headLen: number, body: Uint8Array, src: Ipv6Address, dst: Ipv6Address, verify = true,
): Icmpv6Header | WireError {
  if (headLen + body.length < 4 || headLen < Math.min(ICMPV6.HEADER, headLen + body.length)) return new WireError("truncated", "icmp6");
  if (verify) {
    let acc = pseudoHeaderSum6(src, dst, NEXTHDR_ICMPV6, headLen + body.length);
    acc = sum16(head, off, headLen, acc);
    acc = sum16(body, 0, body.length, acc);
    if (foldChecksum(acc) !== 0) return new WireError("bad-checksum", "icmp6");
  }
  const b = (i: number) => (off + i < off + headLen ? head[off + i]! : 0);
  const id = (b(4) << 8) | b(5);
  const seq = (b(6) << 8) | b(7);
  return { type: b(0), code: b(1), checksum: (b(2) << 8) | b(3), id, seq, word: (id * 65536 + seq) >>> 0 };
}

/**
 * Writes the ICMPv6 header at `buf[off]` (the 32-bit `word` after the
 * checksum: id << 16 | seq, an MTU, a pointer or flags) and, unless
 * `withChecksum` is false, the checksum over the pseudo header, the
 * header and `body`. `bodyInBuf` counts bytes of the message already
 * written after the header in `buf` (ND fields), summed before `body`.
 * Returns 8.
 */
export function emitIcmpv6(
  type: number, code: number, word: number, buf: Uint8Array, off: number, body: Uint8Array, src: Ipv6Address, dst: Ipv6Address,
  withChecksum = true, bodyInBuf = 0,
): number {
  buf[off] = type;
  buf[off + 1] = code;
  buf[off + 2] = 0;
  buf[off + 3] = 0;
  buf[off + 4] = word >>> 24;
  buf[off + 5] = (word >>> 16) & 255;
  buf[off + 6] = (word >>> 8) & 255;
  buf[off + 7] = word & 255;
  if (withChecksum) writeIcmpv6Checksum(buf, off, ICMPV6.HEADER + bodyInBuf, body, src, dst);
  return ICMPV6.HEADER;
}

/** (Re)computes the checksum of the ICMPv6 message at `buf[off]` (`len` bytes there, then `body`). */
export function writeIcmpv6Checksum(buf: Uint8Array, off: number, len: number, body: Uint8Array, src: Ipv6Address, dst: Ipv6Address): void {
  buf[off + 2] = 0;
  buf[off + 3] = 0;
  let acc = pseudoHeaderSum6(src, dst, NEXTHDR_ICMPV6, len + body.length);
  acc = sum16(buf, off, len, acc);
  acc = sum16(body, 0, body.length, acc);
  const c = foldChecksum(acc);
  buf[off + 2] = c >>> 8;
  buf[off + 3] = c & 255;
}

// ── Neighbor Discovery ────────────────────────────────────────────────

/** ND option types (RFC 4861 §4.6). */
export const ND_OPT_SOURCE_LL_ADDR = 1;
export const ND_OPT_TARGET_LL_ADDR = 2;
export const ND_OPT_PREFIX_INFO = 3;
export const ND_OPT_REDIRECT_HDR = 4;
export const ND_OPT_MTU = 5;

/** Neighbor Advertisement flags (in the header's 32-bit word). */
export const ND_NA_ROUTER = 0x8000_0000;
export const ND_NA_SOLICITED = 0x4000_0000;
export const ND_NA_OVERRIDE = 0x2000_0000;

/** Router Advertisement flags (the byte after the current hop limit). */
export const ND_RA_MANAGED = 0x80;
export const ND_RA_OTHER = 0x40;

/** Prefix-information flags. */
export const ND_PREFIX_ONLINK = 0x80;
export const ND_PREFIX_AUTO = 0x40;

/** One Prefix Information option (RFC 4861 §4.6.2). */
export interface NdPrefix {
  prefixLen: number;
  onLink: boolean;
  autonomous: boolean;
  /** Lifetimes in seconds (0xffffffff: infinity). */
  validLifetime: number;
  preferredLifetime: number;
  prefix: Ipv6Address;
}

/** The options of an ND message. */
export interface NdOptions {
  /** Source link-layer address, or -1. */
  sllao: MacAddress;
  /** Target link-layer address, or -1. */
  tllao: MacAddress;
  /** MTU option, or -1. */
  mtu: number;
  prefixes: NdPrefix[];
  /** The Redirected Header option's quoted packet, or null. */
  redirected: Uint8Array | null;
}

/** Empty {@link NdOptions}. */
export function newNdOptions(): NdOptions {
  return { sllao: -1, tllao: -1, mtu: -1, prefixes: [], redirected: null };
}

/**
 * Parses the ND options in `buf[off, end)` into `out` (RFC 4861 §4.6: an
 * option of length 0 makes the whole message invalid). Unknown options
 * are skipped.
 */
export function parseNdOptions(buf: Uint8Array, off: number, end: number, out: NdOptions): WireError | null {
  out.sllao = out.tllao = out.mtu = -1;
  out.prefixes = [];
  out.redirected = null;
  let i = off;
  while (i < end) {
    if (i + 2 > end) return new WireError("truncated", "ndisc", "option");
    const type = buf[i]!;
    const len = buf[i + 1]! * 8;
    if (len === 0) return new WireError("bad-option", "ndisc", "zero length");
    if (i + len > end) return new WireError("truncated", "ndisc", `option ${type}`);
    if ((type === ND_OPT_SOURCE_LL_ADDR || type === ND_OPT_TARGET_LL_ADDR) && len >= 8) {
      const mac = readMac(buf, i + 2);
      if (type === ND_OPT_SOURCE_LL_ADDR) out.sllao = mac;
      else out.tllao = mac;
    } else if (type === ND_OPT_MTU && len === 8) {
      out.mtu = ((buf[i + 4]! << 24) | (buf[i + 5]! << 16) | (buf[i + 6]! << 8) | buf[i + 7]!) >>> 0;
    } else if (type === ND_OPT_PREFIX_INFO) {
      if (len !== 32) return new WireError("bad-option", "ndisc", "prefix information length");
      const u32 = (o: number) => ((buf[i + o]! << 24) | (buf[i + o + 1]! << 16) | (buf[i + o + 2]! << 8) | buf[i + o + 3]!) >>> 0;
      out.prefixes.push({
        prefixLen: buf[i + 2]!,
        onLink: (buf[i + 3]! & ND_PREFIX_ONLINK) !== 0,
        autonomous: (buf[i + 3]! & ND_PREFIX_AUTO) !== 0,
        validLifetime: u32(4),
        preferredLifetime: u32(8),
        prefix: buf.slice(i + 16, i + 32),
      });
    } else if (type === ND_OPT_REDIRECT_HDR) {
      out.redirected = buf.subarray(i + 8, i + len);
    }
    i += len;
  }
  return null;
}

/** Writes a link-layer address option (8 bytes) at `buf[off]`; returns 8. */
export function writeNdLinkLayerOption(buf: Uint8Array, off: number, type: number, mac: MacAddress): number {
  buf[off] = type;
  buf[off + 1] = 1;
  writeMac(buf, off + 2, mac);
  return 8;
}

/** Writes an MTU option (8 bytes) at `buf[off]`; returns 8. */
export function writeNdMtuOption(buf: Uint8Array, off: number, mtu: number): number {
  buf[off] = ND_OPT_MTU;
  buf[off + 1] = 1;
  buf[off + 2] = 0;
  buf[off + 3] = 0;
  buf[off + 4] = mtu >>> 24;
  buf[off + 5] = (mtu >>> 16) & 255;
  buf[off + 6] = (mtu >>> 8) & 255;
  buf[off + 7] = mtu & 255;
  return 8;
}

/** Writes a Prefix Information option (32 bytes) at `buf[off]`; returns 32. */
export function writeNdPrefixOption(buf: Uint8Array, off: number, p: NdPrefix): number {
  buf[off] = ND_OPT_PREFIX_INFO;
  buf[off + 1] = 4;
  buf[off + 2] = p.prefixLen;
  buf[off + 3] = (p.onLink ? ND_PREFIX_ONLINK : 0) | (p.autonomous ? ND_PREFIX_AUTO : 0);
  const w32 = (o: number, v: number) => {
    buf[off + o] = v >>> 24;
    buf[off + o + 1] = (v >>> 16) & 255;
    buf[off + o + 2] = (v >>> 8) & 255;
    buf[off + o + 3] = v & 255;
  };
  w32(4, p.validLifetime);
  w32(8, p.preferredLifetime);
  w32(12, 0);
  buf.set(p.prefix.subarray(0, 16), off + 16);
  return 32;
}
