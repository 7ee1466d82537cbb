/**
 * UDP header codec (RFC 768). The checksum covers the pseudo header, the
 * UDP header and the data; a transmitted checksum of 0 means "none" and a
 * computed 0 is sent as 0xffff.
 */
import { foldChecksum, pseudoHeaderSum, sum16 } from "./checksum.js";
import { IPPROTO_UDP } from "./ipv4.js";
import type { Ipv4Address } from "./ipv4-address.js";
import { WireError } from "./wire-error.js";

/** Field offsets of the UDP header. */
export const UDP = { SRC_PORT: 0, DST_PORT: 2, LENGTH: 4, CHECKSUM: 6, HEADER: 8 } as const;

/** A parsed UDP header. */
export interface UdpHeader {
  srcPort: number;
  dstPort: number;
  /** Header + data length from the length field. */
  length: number;
  checksum: number;
}

/**
 * Parses the UDP header at `buf[off]`; `available` is the number of
 * transport bytes present (header + data).
 */
export function parseUdp(buf: Uint8Array, off: number, available: number): UdpHeader | WireError {
  if (buf.length - off < UDP.HEADER || available < UDP.HEADER) return new WireError("truncated", "udp");
  const length = (buf[off + 4]! << 8) | buf[off + 5]!;
  if (length < UDP.HEADER) return new WireError("bad-length", "udp", `length ${length}`);
  if (length > available) return new WireError("bad-length", "udp", `length ${length} > ${available}`);
  return {
    srcPort: (buf[off]! << 8) | buf[off + 1]!,
    dstPort: (buf[off + 2]! << 8) | buf[off + 3]!,
    length,
    checksum: (buf[off + 6]! << 8) | buf[off + 7]!,
  };
}

/**
 * Writes an 8-byte UDP header at `buf[off]` for `dataLength` bytes of data.
 * The checksum field is left 0; call {@link udpChecksum} to fill it.
 */
export function emitUdp(srcPort: number, dstPort: number, dataLength: number, buf: Uint8Array, off: number): number {
  const len = UDP.HEADER + dataLength;
  buf[off] = srcPort >>> 8;
  buf[off + 1] = srcPort & 255;
  buf[off + 2] = dstPort >>> 8;
  buf[off + 3] = dstPort & 255;
  buf[off + 4] = len >>> 8;
  buf[off + 5] = len & 255;
  buf[off + 6] = 0;
  buf[off + 7] = 0;
  return UDP.HEADER;
}

/**
 * The UDP checksum over the header at `head[off, off+8)` and `data`, as
 * the field value (a computed 0 is sent as 0xffff). The header's checksum
 * field must be 0 while computing; to verify use {@link udpChecksumOk}.
 */
export function udpChecksum(src: Ipv4Address, dst: Ipv4Address, head: Uint8Array, off: number, data: Uint8Array, dataOff = 0, dataLen = data.length - dataOff): number {
  const len = UDP.HEADER + dataLen;
  let acc = pseudoHeaderSum(src, dst, IPPROTO_UDP, len);
  acc = sum16(head, off, UDP.HEADER, acc);
  acc = sum16(data, dataOff, dataLen, acc);
  const c = foldChecksum(acc);
  return c === 0 ? 0xffff : c;
}

/** True when the received checksum is absent (0) or correct. */
export function udpChecksumOk(src: Ipv4Address, dst: Ipv4Address, head: Uint8Array, off: number, data: Uint8Array, dataOff = 0, dataLen = data.length - dataOff): boolean {
  return udpChecksumOkWith(pseudoHeaderSum(src, dst, IPPROTO_UDP, UDP.HEADER + dataLen), head, off, data, dataOff, dataLen);
}

/**
 * {@link udpChecksumOk} with the pseudo-header's sum given (any address
 * family: the network layer computes it).
 */
export function udpChecksumOkWith(pseudo: number, head: Uint8Array, off: number, data: Uint8Array, dataOff = 0, dataLen = data.length - dataOff): boolean {
  if (head[off + 6] === 0 && head[off + 7] === 0) return true;
  let acc = sum16(head, off, UDP.HEADER, pseudo);
  acc = sum16(data, dataOff, dataLen, acc);
  return foldChecksum(acc) === 0;
}
