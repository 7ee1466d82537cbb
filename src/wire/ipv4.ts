/**
 * IPv4 header codec (RFC 791). View: named offsets over the bytes; repr:
 * {@link Ipv4Header}. Options are skipped safely (the header length tells
 * their size); sockstack never emits options.
 */
import { internetChecksum } from "./checksum.js";
import { readIpv4Address, writeIpv4Address, type Ipv4Address } from "./ipv4-address.js";
import { WireError } from "./wire-error.js";

/** Field offsets of the IPv4 header. */
export const IPV4 = {
  VER_IHL: 0,
  TOS: 1,
  TOTAL_LENGTH: 2,
  ID: 4,
  FLAGS_FRAG: 6,
  TTL: 8,
  PROTOCOL: 9,
  CHECKSUM: 10,
  SRC: 12,
  DST: 16,
  /** Length of a header without options. */
  MIN_HEADER: 20,
} as const;

/** IP protocol numbers used by sockstack. */
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** The flag bits of the flags/fragment-offset word. */
export const IP_DF = 0x4000;
export const IP_MF = 0x2000;

/** A parsed IPv4 header. */
export interface Ipv4Header {
  /** Header length in bytes (20–60). */
  headerLength: number;
  /** DSCP and ECN byte. */
  tos: number;
  /** Total datagram length in bytes (header + payload). */
  totalLength: number;
  id: number;
  /** Don't Fragment. */
  df: boolean;
  /** More Fragments. */
  mf: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  fragOffset: number;
  ttl: number;
  protocol: number;
  /** The checksum field as received/emitted. */
  checksum: number;
  src: Ipv4Address;
  dst: Ipv4Address;
}

/** Fields needed to emit a header; everything else has a default. */
export interface Ipv4Emit {
  src: Ipv4Address;
  dst: Ipv4Address;
  protocol: number;
  /** Length of everything after the 20-byte header. */
  payloadLength: number;
  ttl?: number;
  tos?: number;
  id?: number;
  df?: boolean;
  mf?: boolean;
  fragOffset?: number;
}

/**
 * Parses the IPv4 header at the start of `buf`. `available` is the number
 * of bytes of the datagram that exist (header + payload, possibly spread
 * over two buffers); the header itself must lie in `buf`.
 * With `verifyChecksum` false (offloaded link) the checksum is not checked.
 */
export function parseIpv4(buf: Uint8Array, available = buf.length, verifyChecksum = true): Ipv4Header | WireError {
  const h = newIpv4Header();
  return parseIpv4Into(buf, available, verifyChecksum, h) ?? h;
}

/** A zeroed {@link Ipv4Header}, to be filled by {@link parseIpv4Into}. */
export function newIpv4Header(): Ipv4Header {
  return {
    headerLength: 0, tos: 0, totalLength: 0, id: 0, df: false, mf: false, fragOffset: 0,
    ttl: 0, protocol: 0, checksum: 0, src: 0, dst: 0,
  };
}

/**
 * {@link parseIpv4} into a caller-owned record (a per-layer scratch on the
 * per-packet input path): returns null when `out` was filled, else the
 * error (then `out` is unspecified).
 */
export function parseIpv4Into(buf: Uint8Array, available: number, verifyChecksum: boolean, out: Ipv4Header): WireError | null {
  if (buf.length < IPV4.MIN_HEADER) return new WireError("truncated", "ipv4", `${buf.length} bytes`);
  const vi = buf[IPV4.VER_IHL]!;
  if (vi >> 4 !== 4) return new WireError("bad-version", "ipv4", `version ${vi >> 4}`);
  const headerLength = (vi & 0x0f) * 4;
  if (headerLength < IPV4.MIN_HEADER) return new WireError("bad-header-length", "ipv4", `ihl ${headerLength}`);
  if (headerLength > buf.length) return new WireError("truncated", "ipv4", `ihl ${headerLength} > ${buf.length}`);
  const totalLength = (buf[IPV4.TOTAL_LENGTH]! << 8) | buf[IPV4.TOTAL_LENGTH + 1]!;
  if (totalLength < headerLength) return new WireError("bad-total-length", "ipv4", `total ${totalLength} < ihl ${headerLength}`);
  if (totalLength > available) return new WireError("truncated", "ipv4", `total ${totalLength} > ${available}`);
  const checksum = (buf[IPV4.CHECKSUM]! << 8) | buf[IPV4.CHECKSUM + 1]!;
  if (verifyChecksum && internetChecksum(buf, 0, headerLength) !== 0) {
    return new WireError("bad-checksum", "ipv4", `0x${checksum.toString(16).padStart(4, "0")}`);
  }
  const ff = (buf[IPV4.FLAGS_FRAG]! << 8) | buf[IPV4.FLAGS_FRAG + 1]!;
  out.headerLength = headerLength;
  out.tos = buf[IPV4.TOS]!;
  out.totalLength = totalLength;
  out.id = (buf[IPV4.ID]! << 8) | buf[IPV4.ID + 1]!;
  out.df = (ff & IP_DF) !== 0;
  out.mf = (ff & IP_MF) !== 0;
  out.fragOffset = (ff & 0x1fff) * 8;
  out.ttl = buf[IPV4.TTL]!;
  out.protocol = buf[IPV4.PROTOCOL]!;
  out.checksum = checksum;
  out.src = readIpv4Address(buf, IPV4.SRC);
  out.dst = readIpv4Address(buf, IPV4.DST);
  return null;
}

/**
 * Writes a 20-byte IPv4 header (no options) at `buf[off]`, with its
 * checksum unless `withChecksum` is false (offloaded link: left 0).
 * Returns the header length (20).
 */
export function emitIpv4(h: Ipv4Emit, buf: Uint8Array, off = 0, withChecksum = true): number {
  const ff = (h.df ? IP_DF : 0) | (h.mf ? IP_MF : 0) | (((h.fragOffset ?? 0) >>> 3) & 0x1fff);
  writeIpv4Header(buf, off, h.src, h.dst, h.protocol, h.payloadLength, h.ttl ?? 64, h.tos ?? 0, h.id ?? 0, ff);
  if (withChecksum) writeIpv4Checksum(buf, off);
  return IPV4.MIN_HEADER;
}

/**
 * {@link emitIpv4} with positional fields and no checksum (left 0), for the
 * per-packet output path (no options object). `flagsFrag` is the whole
 * flags/fragment-offset word (e.g. {@link IP_DF}).
 * @example
 * declare const head: Uint8Array, payload: Uint8Array, src: Ipv4Address, dst: Ipv4Address, id: number;
 * writeIpv4Header(head, 0, src, dst, IPPROTO_TCP, head.length - 20 + payload.length, 64, 0, id, IP_DF);
 */
export function writeIpv4Header(
  buf: Uint8Array, off: number, src: Ipv4Address, dst: Ipv4Address, protocol: number, payloadLength: number,
  ttl: number, tos: number, id: number, flagsFrag: number,
): void {
  const total = IPV4.MIN_HEADER + payloadLength;
  buf[off] = 0x45;
  buf[off + 1] = tos;
  buf[off + 2] = total >>> 8;
  buf[off + 3] = total & 255;
  buf[off + 4] = id >>> 8;
  buf[off + 5] = id & 255;
  buf[off + 6] = flagsFrag >>> 8;
  buf[off + 7] = flagsFrag & 255;
  buf[off + 8] = ttl;
  buf[off + 9] = protocol;
  buf[off + 10] = 0;
  buf[off + 11] = 0;
  writeIpv4Address(buf, off + 12, src);
  writeIpv4Address(buf, off + 16, dst);
}

/** (Re)computes the header checksum of the IPv4 header at `buf[off]`. */
export function writeIpv4Checksum(buf: Uint8Array, off = 0): void {
  const hl = (buf[off]! & 0x0f) * 4;
  buf[off + 10] = 0;
  buf[off + 11] = 0;
  const c = internetChecksum(buf, off, hl);
  buf[off + 10] = c >>> 8;
  buf[off + 11] = c & 255;
}
