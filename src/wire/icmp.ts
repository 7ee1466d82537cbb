/**
 * ICMPv4 codec (RFC 792, RFC 1191 for fragmentation-needed). Error
 * messages quote the offending datagram: its IP header and at least the
 * first 8 bytes of its payload (Linux quotes as much as fits in 576 bytes).
 */
import { foldChecksum, sum16 } from "./checksum.js";
import { WireError } from "./wire-error.js";

/** ICMP types. */
export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_TIME_EXCEEDED = 11;

/** Destination-unreachable codes. */
export const ICMP_NET_UNREACH = 0;
export const ICMP_HOST_UNREACH = 1;
export const ICMP_PROT_UNREACH = 2;
export const ICMP_PORT_UNREACH = 3;
export const ICMP_FRAG_NEEDED = 4;
export const ICMP_NET_PROHIBITED = 9;
export const ICMP_HOST_PROHIBITED = 10;
export const ICMP_ADMIN_PROHIBITED = 13;

/** Time-exceeded codes. */
export const ICMP_EXC_TTL = 0;
export const ICMP_EXC_FRAGTIME = 1;

/** Field offsets of the 8-byte ICMP header. */
export const ICMP = { TYPE: 0, CODE: 1, CHECKSUM: 2, ID: 4, SEQ: 6, MTU: 6, HEADER: 8 } as const;

/** Linux quotes at most this much of an IP packet in an ICMP error (576 − 20 − 8). */
export const ICMP_QUOTE_MAX = 548;

/** A parsed ICMP header; the body (echo data or quoted datagram) follows it. */
export interface IcmpHeader {
  type: number;
  code: number;
  checksum: number;
  /** Echo identifier (echo request/reply). */
  id: number;
  /** Echo sequence number (echo request/reply). */
  seq: number;
  /** Next-hop MTU (destination unreachable, fragmentation needed). */
  mtu: number;
}

/**
 * Parses the ICMP header at `head[off]`. The message continues with
 * `body` (which may be empty when everything is in `head`); `verify`
 * checks the checksum over header and body.
 */
export function parseIcmp(head: Uint8Array, off: number, headLen: number, body: Uint8Array, verify = true): IcmpHeader | WireError {
  if (headLen < ICMP.HEADER) return new WireError("truncated", "icmp");
  if (verify) {
    let acc = sum16(head, off, headLen);
    acc = sum16(body, 0, body.length, acc);
    if (foldChecksum(acc) !== 0) return new WireError("bad-checksum", "icmp");
  }
  const w = (i: number) => (head[off + i]! << 8) | head[off + i + 1]!;
  return { type: head[off]!, code: head[off + 1]!, checksum: w(2), id: w(4), seq: w(6), mtu: w(6) };
}

/** Fields to emit an ICMP header. */
export interface IcmpEmit {
  type: number;
  code: number;
  /** Echo id / seq, or 0. */
  id?: number;
  seq?: number;
  /** Next-hop MTU for fragmentation-needed (written in bytes 6–7). */
  mtu?: number;
}

/**
 * Writes an ICMP header at `buf[off]` and its checksum computed over the
 * header and `body` (unless `withChecksum` is false). Returns 8.
 */
export function emitIcmp(h: IcmpEmit, buf: Uint8Array, off: number, body: Uint8Array, withChecksum = true): number {
  buf[off] = h.type;
  buf[off + 1] = h.code;
  buf[off + 2] = 0;
  buf[off + 3] = 0;
  const id = h.id ?? 0;
  const lo = h.mtu ?? h.seq ?? 0;
  buf[off + 4] = id >>> 8;
  buf[off + 5] = id & 255;
  buf[off + 6] = lo >>> 8;
  buf[off + 7] = lo & 255;
  if (withChecksum) {
    const c = foldChecksum(sum16(body, 0, body.length, sum16(buf, off, ICMP.HEADER)));
    buf[off + 2] = c >>> 8;
    buf[off + 3] = c & 255;
  }
  return ICMP.HEADER;
}

/** True for the error types that quote a datagram. */
export function isIcmpError(type: number): boolean {
  return type === ICMP_DEST_UNREACH || type === ICMP_TIME_EXCEEDED || type === 4 || type === 5 || type === 12;
}
