/**
 * A packet in flight inside sockstack: an IPv4 datagram held as two parts,
 * `head` (IP header + transport header, built per packet) and `payload` (a
 * view of the sender's buffer, never copied on the way). Links hand packets
 * over as they are; bytes are concatenated only where they leave the process
 * (TUN, pcap) or where IP must cut them (fragmentation).
 *
 * `csumPartial` is Linux's CHECKSUM_PARTIAL: the sender left the IP and
 * transport checksums unset because the link it used (like `lo`) does not
 * need them. {@link finalizeChecksums} fills them in when a packet leaves
 * that link: forwarding onto a checked link, TUN, pcap, or an impairment
 * that corrupts bits (so the receiver's checksum catches the flip).
 */
import { foldChecksum, pseudoHeaderSum, sum16 } from "./checksum.js";
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, writeIpv4Checksum } from "./ipv4.js";
import { readIpv4Address } from "./ipv4-address.js";
import { IPV6, NEXTHDR_FRAGMENT, NEXTHDR_ICMPV6, ipv6ExtLength, isIpv6Extension, pseudoHeaderSum6At } from "./ipv6.js";

/** An empty payload, shared. */
export const EMPTY: Uint8Array = new Uint8Array(0);

/** An IPv4 or IPv6 datagram in two parts (the version nibble of `head[0]` tells which). */
export class Packet {
  constructor(
    /** IP header and (when not a non-first fragment) the transport header; may hold everything. */
    public head: Uint8Array,
    /** Transport payload following `head`, possibly empty. */
    public payload: Uint8Array = EMPTY,
    /** Checksums not yet computed (offloaded). */
    public csumPartial = false,
  ) {}

  /** Total datagram length in bytes. */
  get length(): number {
    return this.head.length + this.payload.length;
  }

  /**
   * The datagram as one contiguous buffer (copies unless `payload` is
   * empty), with checksums filled in.
   */
  bytes(): Uint8Array {
    finalizeChecksums(this);
    if (this.payload.length === 0) return this.head;
    const out = new Uint8Array(this.length);
    out.set(this.head, 0);
    out.set(this.payload, this.head.length);
    return out;
  }

  /** A copy whose head is private (payload still shared): for links that modify headers. */
  clone(): Packet {
    return new Packet(this.head.slice(), this.payload, this.csumPartial);
  }

  /** Byte `i` of the datagram across both parts. */
  byteAt(i: number): number {
    const h = this.head.length;
    return i < h ? this.head[i]! : this.payload[i - h]!;
  }

  /**
   * Makes the packet contiguous in `head` (copying), so it can be modified
   * anywhere — used before corrupting bits in a link.
   */
  flattenInPlace(): void {
    if (this.payload.length === 0) return;
    const out = new Uint8Array(this.length);
    out.set(this.head, 0);
    out.set(this.payload, this.head.length);
    this.head = out;
    this.payload = EMPTY;
  }
}

/**
 * Computes and writes the IP header checksum and, for an unfragmented or
 * first-fragment TCP/UDP/ICMP datagram whose transport header lies in
 * `head`, the transport checksum. Clears `csumPartial`. A no-op for packets
 * whose checksums are already final.
 */
export function finalizeChecksums(p: Packet): void {
  if (!p.csumPartial) return;
  p.csumPartial = false;
  const h = p.head;
  if (h[0]! >> 4 === 6) {
    finalizeChecksums6(p);
    return;
  }
  const ihl = (h[0]! & 0x0f) * 4;
  writeIpv4Checksum(h, 0);
  const ff = (h[6]! << 8) | h[7]!;
  if ((ff & 0x3fff) !== 0) return; // fragment: transport checksum was final before fragmenting
  const proto = h[9]!;
  const total = (h[2]! << 8) | h[3]!;
  const l4len = total - ihl;
  const inHead = Math.min(h.length, total) - ihl;
  const inPayload = l4len - inHead;
  let csumOff: number;
  let acc: number;
  if (proto === IPPROTO_TCP) {
    csumOff = ihl + 16;
    acc = pseudoHeaderSum(readIpv4Address(h, 12), readIpv4Address(h, 16), proto, l4len);
  } else if (proto === IPPROTO_UDP) {
    csumOff = ihl + 6;
    acc = pseudoHeaderSum(readIpv4Address(h, 12), readIpv4Address(h, 16), proto, l4len);
  } else if (proto === IPPROTO_ICMP) {
    csumOff = ihl + 2;
    acc = 0;
  } else return;
  if (csumOff + 2 > h.length) return;
  h[csumOff] = 0;
  h[csumOff + 1] = 0;
  acc = sum16(h, ihl, inHead, acc);
  if (inPayload > 0) acc = sum16(p.payload, 0, inPayload, acc);
  let c = foldChecksum(acc);
  if (c === 0 && proto === IPPROTO_UDP) c = 0xffff;
  h[csumOff] = c >>> 8;
  h[csumOff + 1] = c & 255;
}

/**
 * The IPv6 half of {@link finalizeChecksums}: the upper-layer checksum
 * (TCP, UDP, ICMPv6 — all over the RFC 8200 §8.1 pseudo header) of a
 * datagram whose extension headers and transport header lie in `head`.
 * IPv6 has no header checksum; a fragment's upper-layer checksum was
 * final before it was cut.
 */
function finalizeChecksums6(p: Packet): void {
  const h = p.head;
  if (h.length < IPV6.HEADER) return;
  const total = IPV6.HEADER + ((h[4]! << 8) | h[5]!);
  let nh = h[6]!;
  let off: number = IPV6.HEADER;
  while (isIpv6Extension(nh)) {
    if (nh === NEXTHDR_FRAGMENT) return;
    const len = ipv6ExtLength(h, off, h.length, nh);
    if (len < 0) return;
    nh = h[off]!;
    off += len;
  }
  let csumOff: number;
  if (nh === IPPROTO_TCP) csumOff = off + 16;
  else if (nh === IPPROTO_UDP) csumOff = off + 6;
  else if (nh === NEXTHDR_ICMPV6) csumOff = off + 2;
  else return;
  if (csumOff + 2 > h.length) return;
  const l4len = total - off;
  const inHead = Math.min(h.length, total) - off;
  const inPayload = l4len - inHead;
  h[csumOff] = 0;
  h[csumOff + 1] = 0;
  let acc = pseudoHeaderSum6At(h, 0, nh, l4len);
  acc = sum16(h, off, inHead, acc);
  if (inPayload > 0) acc = sum16(p.payload, 0, inPayload, acc);
  let c = foldChecksum(acc);
  if (c === 0 && nh === IPPROTO_UDP) c = 0xffff;
  h[csumOff] = c >>> 8;
  h[csumOff + 1] = c & 255;
}
