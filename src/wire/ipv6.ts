/**
 * IPv6 header codec (RFC 8200) and its extension headers. View: named
 * offsets over the bytes; repr: {@link Ipv6Header}. `parseIpv6Into` is
 * the allocation-free twin of `parseIpv4Into` (the record owns its two
 * 16-byte address buffers, refilled per packet). Extension headers are
 * read one at a time ({@link ipv6ExtLength}, {@link parseIpv6FragmentInto},
 * {@link scanIpv6Options}) because what a node does with each depends on
 * where it stands in the chain (RFC 8200 §4.1); the IP layer walks them.
 */
import { sum16 } from "./checksum.js";
import { WireError } from "./wire-error.js";
import type { Ipv6Address } from "./ipv6-address.js";

/** Field offsets of the fixed IPv6 header. */
export const IPV6 = {
  /** Version (4 bits), traffic class (8), flow label (20). */
  VER_TC_FLOW: 0,
  PAYLOAD_LENGTH: 4,
  NEXT_HEADER: 6,
  HOP_LIMIT: 7,
  SRC: 8,
  DST: 24,
  /** Length of the fixed header. */
  HEADER: 40,
} as const;

/** Next-header values (Linux's NEXTHDR_* names). */
export const NEXTHDR_HOP = 0;
export const NEXTHDR_TCP = 6;
export const NEXTHDR_UDP = 17;
export const NEXTHDR_ROUTING = 43;
export const NEXTHDR_FRAGMENT = 44;
export const NEXTHDR_ESP = 50;
export const NEXTHDR_AUTH = 51;
export const NEXTHDR_ICMPV6 = 58;
export const NEXTHDR_NONE = 59;
export const NEXTHDR_DEST = 60;

/** The minimum link MTU every IPv6 link must carry (RFC 8200 §5). */
export const IPV6_MIN_MTU = 1280;

/** A parsed fixed IPv6 header. */
export interface Ipv6Header {
  /** Traffic class (DSCP and ECN). */
  trafficClass: number;
  /** The 20-bit flow label. */
  flowLabel: number;
  /** Bytes after the fixed header (extension headers included). */
  payloadLength: number;
  nextHeader: number;
  hopLimit: number;
  /** Source address (owned by the record, refilled per parse). */
  readonly src: Ipv6Address;
  /** Destination address (owned by the record, refilled per parse). */
  readonly dst: Ipv6Address;
}

/** A zeroed {@link Ipv6Header}, to be filled by {@link parseIpv6Into}. */
export function newIpv6Header(): Ipv6Header {
  return { trafficClass: 0, flowLabel: 0, payloadLength: 0, nextHeader: 0, hopLimit: 0, src: new Uint8Array(16), dst: new Uint8Array(16) };
}

/** A copy of `h` with its own address buffers (to keep beyond the packet). */
export function copyIpv6Header(h: Ipv6Header): Ipv6Header {
  return { ...h, src: h.src.slice(), dst: h.dst.slice() };
}

/**
 * Parses the fixed header at the start of `buf` into `out` without
 * allocating. `available` is how many bytes of the datagram exist (header
 * and payload, possibly over two buffers); the fixed header must lie in
 * `buf`. Returns null, or why the packet is unusable (`truncated`,
 * `bad-version`). A payload length of 0 is an empty payload (sockstack's
 * links carry no RFC 2675 jumbograms; a hop-by-hop header claimed by one
 * then lies past the end and the packet is dropped as truncated).
 */
export function parseIpv6Into(buf: Uint8Array, available: number, out: Ipv6Header): WireError | null {
  if (buf.length < IPV6.HEADER) return new WireError("truncated", "ipv6", `${buf.length} bytes`);
  const b0 = buf[0]!;
  if (b0 >> 4 !== 6) return new WireError("bad-version", "ipv6", `version ${b0 >> 4}`);
  const payloadLength = (buf[4]! << 8) | buf[5]!;
  if (IPV6.HEADER + payloadLength > available) return new WireError("truncated", "ipv6", `payload ${payloadLength} > ${available - IPV6.HEADER}`);
  out.trafficClass = ((b0 & 0x0f) << 4) | (buf[1]! >> 4);
  out.flowLabel = ((buf[1]! & 0x0f) << 16) | (buf[2]! << 8) | buf[3]!;
  out.payloadLength = payloadLength;
  out.nextHeader = buf[6]!;
  out.hopLimit = buf[7]!;
  out.src.set(buf.subarray(8, 24));
  out.dst.set(buf.subarray(24, 40));
  return null;
}

/** {@link parseIpv6Into} into a fresh record (tools, tests). */
export function parseIpv6(buf: Uint8Array, available = buf.length): Ipv6Header | WireError {
  const h = newIpv6Header();
  return parseIpv6Into(buf, available, h) ?? h;
}

/**
 * Writes the 40-byte fixed header at `buf[off]` (the per-packet output
 * path: positional fields, nothing allocated).
 * @example
 * declare const head: Uint8Array, src: Ipv6Address, dst: Ipv6Address;
 * writeIpv6Header(head, 0, src, dst, NEXTHDR_TCP, head.length - 40, 64, 0, 0x12345);
 */
export function writeIpv6Header(
  buf: Uint8Array, off: number, src: Ipv6Address, dst: Ipv6Address, nextHeader: number, payloadLength: number,
  hopLimit: number, trafficClass: number, flowLabel: number,
): void {
  buf[off] = 0x60 | (trafficClass >>> 4);
  buf[off + 1] = ((trafficClass & 0x0f) << 4) | ((flowLabel >>> 16) & 0x0f);
  buf[off + 2] = (flowLabel >>> 8) & 255;
  buf[off + 3] = flowLabel & 255;
  buf[off + 4] = payloadLength >>> 8;
  buf[off + 5] = payloadLength & 255;
  buf[off + 6] = nextHeader;
  buf[off + 7] = hopLimit;
  buf.set(src, off + 8);
  buf.set(dst, off + 24);
}

/** Fields to emit a fixed header; the rest default to 0 (hop limit 64). */
export interface Ipv6Emit {
  src: Ipv6Address;
  dst: Ipv6Address;
  nextHeader: number;
  /** Bytes after the fixed header. */
  payloadLength: number;
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
}

/** {@link writeIpv6Header} from named fields; returns 40. */
export function emitIpv6(h: Ipv6Emit, buf: Uint8Array, off = 0): number {
  writeIpv6Header(buf, off, h.src, h.dst, h.nextHeader, h.payloadLength, h.hopLimit ?? 64, h.trafficClass ?? 0, h.flowLabel ?? 0);
  return IPV6.HEADER;
}

/** True for the next-header values of extension headers a node walks (RFC 8200 §4). */
export function isIpv6Extension(nh: number): boolean {
  return nh === NEXTHDR_HOP || nh === NEXTHDR_ROUTING || nh === NEXTHDR_FRAGMENT || nh === NEXTHDR_DEST || nh === NEXTHDR_AUTH;
}

/**
 * The length of the extension header at `buf[off]` (of type `nh`), or -1
 * when its length bytes are not there: 8-octet units for hop-by-hop,
 * routing and destination options; 8 for a fragment header; 4-octet units
 * for AH (RFC 4302).
 */
export function ipv6ExtLength(buf: Uint8Array, off: number, end: number, nh: number): number {
  if (nh === NEXTHDR_FRAGMENT) return off + 8 <= end ? 8 : -1;
  if (off + 2 > end) return -1;
  return nh === NEXTHDR_AUTH ? (buf[off + 1]! + 2) * 4 : (buf[off + 1]! + 1) * 8;
}

/** Field offsets of the fragment header (RFC 8200 §4.5). */
export const IPV6_FRAG = { NEXT: 0, OFFSET: 2, ID: 4, LENGTH: 8 } as const;

/** A parsed fragment header. */
export interface Ipv6Fragment {
  nextHeader: number;
  /** Fragment offset in bytes (a multiple of 8). */
  offset: number;
  /** More fragments. */
  mf: boolean;
  id: number;
}

/** Reads the fragment header at `buf[off]` (8 bytes must be there) into `out`. */
export function parseIpv6FragmentInto(buf: Uint8Array, off: number, out: Ipv6Fragment): void {
  const w = (buf[off + 2]! << 8) | buf[off + 3]!;
  out.nextHeader = buf[off]!;
  out.offset = w & 0xfff8;
  out.mf = (w & 1) !== 0;
  out.id = ((buf[off + 4]! << 24) | (buf[off + 5]! << 16) | (buf[off + 6]! << 8) | buf[off + 7]!) >>> 0;
}

/** Writes a fragment header at `buf[off]`; returns 8. */
export function writeIpv6FragmentHeader(buf: Uint8Array, off: number, nextHeader: number, offset: number, mf: boolean, id: number): number {
  buf[off] = nextHeader;
  buf[off + 1] = 0;
  const w = (offset & 0xfff8) | (mf ? 1 : 0);
  buf[off + 2] = w >>> 8;
  buf[off + 3] = w & 255;
  buf[off + 4] = id >>> 24;
  buf[off + 5] = (id >>> 16) & 255;
  buf[off + 6] = (id >>> 8) & 255;
  buf[off + 7] = id & 255;
  return 8;
}

/** Option types of hop-by-hop and destination options headers. */
export const IPV6_TLV_PAD1 = 0;
export const IPV6_TLV_PADN = 1;
export const IPV6_TLV_ROUTERALERT = 5;
export const IPV6_TLV_JUMBO = 0xc2;

/**
 * What to do with an unrecognised option (RFC 8200 §4.2, its two high
 * bits): 0 skip it, 1 discard the packet, 2 discard and send a parameter
 * problem (code 2) whatever the destination, 3 discard and send one only
 * when the destination was not multicast.
 */
export function ipv6OptionAction(type: number): 0 | 1 | 2 | 3 {
  return (type >>> 6) as 0 | 1 | 2 | 3;
}

/** The result of {@link scanIpv6Options}: -1 when every option was fine, else the offset of the first one to act on. */
export interface Ipv6OptionScan {
  /** Offset (from the start of the buffer) of the first unrecognised option with a non-skip action, or -1. */
  badOffset: number;
  /** Its type (valid when `badOffset` ≥ 0). */
  badType: number;
  /** True when the options area is malformed (an option runs past the header). */
  malformed: boolean;
}

/**
 * Walks the options of the hop-by-hop or destination options header at
 * `buf[off, off+len)`. `known(type)` says which types the node
 * recognises (Pad1 and PadN always). Stops at the first unknown option
 * whose action is not "skip".
 */
export function scanIpv6Options(buf: Uint8Array, off: number, len: number, known: (type: number) => boolean, out: Ipv6OptionScan): void {
  out.badOffset = -1;
  out.badType = 0;
  out.malformed = false;
  let i = off + 2;
  const end = off + len;
  while (i < end) {
    const t = buf[i]!;
    if (t === IPV6_TLV_PAD1) {
      i++;
      continue;
    }
    if (i + 2 > end) {
      out.malformed = true;
      return;
    }
    const l = buf[i + 1]!;
    if (i + 2 + l > end) {
      out.malformed = true;
      return;
    }
    if (t !== IPV6_TLV_PADN && !known(t) && ipv6OptionAction(t) !== 0) {
      out.badOffset = i;
      out.badType = t;
      return;
    }
    i += 2 + l;
  }
}

/**
 * The unfolded sum of the IPv6 pseudo header (RFC 8200 §8.1): source,
 * destination, upper-layer length (32 bits), zeros, next header.
 */
export function pseudoHeaderSum6(src: Ipv6Address, dst: Ipv6Address, nextHeader: number, length: number): number {
  let acc = sum16(src, 0, 16);
  acc = sum16(dst, 0, 16, acc);
  return acc + (length >>> 16) + (length & 0xffff) + nextHeader;
}

/** {@link pseudoHeaderSum6} over the addresses of the fixed header at `buf[off]`, without copying them. */
export function pseudoHeaderSum6At(buf: Uint8Array, off: number, nextHeader: number, length: number): number {
  const acc = sum16(buf, off + 8, 32);
  return acc + (length >>> 16) + (length & 0xffff) + nextHeader;
}
