/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * Sums are accumulated unfolded in a JS number (exact far beyond any packet
 * size) and folded at the end, so a checksum over several pieces — pseudo
 * header, transport header, payload view — needs no concatenation. Pieces
 * must start at an even offset of the summed stream except the last.
 */

/** True on little-endian hosts (every platform Node and browsers run on today). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Below this many bytes the word loop is not worth its typed-array view. */
const WIDE_MIN = 64;

/** The buffer {@link wideView} covers. */
let wideBuffer: ArrayBufferLike | null = null;
/** 32-bit words of {@link wideBuffer}. */
let wideView: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

/**
 * Adds the 16-bit big-endian words of `buf[off, off+len)` to `acc`.
 * An odd trailing byte is padded with zero (RFC 1071).
 *
 * Long runs starting at a 4-byte-aligned address are summed 32 bits at a
 * time through a `Uint32Array` view in the host's byte order, then the
 * folded sum is byte-swapped — the one's complement sum is independent of
 * byte order up to that swap (RFC 1071 §2(B)). Payload views of MSS-sized
 * segments are aligned, so this is the common path for data.
 */
export function sum16(buf: Uint8Array, off: number, len: number, acc = 0): number {
  const addr = buf.byteOffset + off;
  if (len >= WIDE_MIN && (addr & 3) === 0) {
    const words = len >>> 2;
    // One word view per underlying buffer, kept while the next call sums
    // the same buffer (the segments of one send block, one receive ring):
    // a typed-array construction less per call.
    let w = wideView;
    if (buf.buffer !== wideBuffer) {
      wideBuffer = buf.buffer;
      w = wideView = new Uint32Array(buf.buffer, 0, buf.buffer.byteLength >>> 2);
    }
    // Whole 32-bit words added as doubles (exact: < 2^53 for any length
    // up to 2^21 words), four independent sums to keep the adder busy.
    let j = addr >>> 2;
    const end = j + words;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (; j + 4 <= end; j += 4) {
      s0 += w[j]!;
      s1 += w[j + 1]!;
      s2 += w[j + 2]!;
      s3 += w[j + 3]!;
    }
    for (; j < end; j++) s0 += w[j]!;
    let s = s0 + s1 + s2 + s3;
    while (s > 0xffff) s = (s % 65536) + Math.floor(s / 65536);
    if (LITTLE_ENDIAN) s = ((s & 0xff) << 8) | (s >>> 8);
    acc += s;
    off += words << 2;
    len -= words << 2;
  }
  let i = off;
  const end = off + len;
  const even = end - ((end - off) & 1);
  // Unrolled by 8 bytes; a JS number holds the unfolded sum exactly up to 2^53.
  while (i + 8 <= even) {
    acc += ((buf[i]! << 8) | buf[i + 1]!) + ((buf[i + 2]! << 8) | buf[i + 3]!) +
      ((buf[i + 4]! << 8) | buf[i + 5]!) + ((buf[i + 6]! << 8) | buf[i + 7]!);
    i += 8;
  }
  while (i < even) {
    acc += (buf[i]! << 8) | buf[i + 1]!;
    i += 2;
  }
  if (even !== end) acc += buf[end - 1]! << 8;
  return acc;
}

/** Folds an unfolded sum to 16 bits and complements it: the checksum field value. */
export function foldChecksum(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 65536);
  return ~acc & 0xffff;
}

/**
 * The checksum of `buf[off, off+len)`.
 * @example internetChecksum(new Uint8Array([0x45,0,0,0x1c])) // → field value
 */
export function internetChecksum(buf: Uint8Array, off = 0, len = buf.length - off): number {
  return foldChecksum(sum16(buf, off, len));
}

/**
 * The unfolded sum of the IPv4 pseudo header (RFC 9293 §3.1, RFC 768):
 * source, destination, zero, protocol, transport length.
 */
export function pseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/**
 * RFC 1624 eqn. 3: the new checksum after one 16-bit word of the summed
 * data changes from `oldWord` to `newWord`: HC' = ~(~HC + ~m + m').
 * @example
 * import type { Ipv4Header } from "./ipv4.js";
 * declare const hdr: Ipv4Header, oldTtlProto: number, newTtlProto: number;
 * updateChecksum16(hdr.checksum, oldTtlProto, newTtlProto)
 */
export function updateChecksum16(checksum: number, oldWord: number, newWord: number): number {
  let acc = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return ~acc & 0xffff;
}
