/**
 * TCP header codec (RFC 9293 §3.1). View: named offsets ({@link TCP});
 * repr: {@link TcpHeader}. Options live in tcp-options.ts.
 *
 * Parsing is cheap: one object per segment with every field present (one
 * hidden class) and option fields filled in place; the raw options stay in
 * the parsed buffer (the header records `buf` and `offset`, no view is
 * made) and the ordered option list is decoded only on demand
 * ({@link tcpRawOptions}, {@link tcpOptionList}). A SACK block array is the
 * only extra allocation, and only when the segment carries SACK blocks.
 */
import { foldChecksum, pseudoHeaderSum, sum16 } from "./checksum.js";
import { IPPROTO_TCP } from "./ipv4.js";
import type { Ipv4Address } from "./ipv4-address.js";
import { EMPTY } from "./packet.js";
import {
  emitLinuxTcpOptions, emitTcpOptions, linuxTcpOptionsLength, parseTcpOptionFields, parseTcpOptionList,
  tcpOptionsLength, TCP_MAX_OPTIONS_LENGTH, type TcpOption, type TcpOptionFields,
} from "./tcp-options.js";
import { WireError } from "./wire-error.js";

/** Field offsets of the TCP header. */
export const TCP = {
  SRC_PORT: 0,
  DST_PORT: 2,
  SEQ: 4,
  ACK: 8,
  /** Data offset (high 4 bits) and reserved bits. */
  DATA_OFFSET: 12,
  FLAGS: 13,
  WINDOW: 14,
  CHECKSUM: 16,
  URGENT: 18,
  /** Length of a header without options. */
  MIN_HEADER: 20,
  /** Longest header (data offset 15). */
  MAX_HEADER: 60,
} as const;

/** Flag bits of byte 13 (RFC 9293 §3.1, RFC 3168 for ECE/CWR). */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/** A parsed TCP header. Option fields are `undefined` when absent. */
export interface TcpHeader extends TcpOptionFields {
  srcPort: number;
  dstPort: number;
  /** Unsigned 32-bit. */
  seq: number;
  /** Unsigned 32-bit (meaningful when ACK is set). */
  ack: number;
  /** Header length in bytes including options (20–60). */
  headerLength: number;
  /** Bitmask of TCP_FIN … TCP_CWR. */
  flags: number;
  /** The window field as received (not scaled). */
  window: number;
  checksum: number;
  urgent: number;
  sackOk: boolean;
  /**
   * The buffer the header was parsed from and the header's offset in it:
   * the raw options are `buf[offset + 20, offset + headerLength)` (see
   * {@link tcpRawOptions}), valid while that buffer is unchanged.
   */
  buf: Uint8Array;
  offset: number;
}

/** Fields to emit a header. */
export interface TcpEmit {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  urgent?: number;
  /**
   * Options: an ordered list (written in order, zero-padded to 4 bytes),
   * raw option bytes (copied; their length must be a multiple of 4), or
   * named fields written in Linux's layout ({@link linuxTcpOptions}) without
   * building a list. Absent: none.
   */
  options?: readonly TcpOption[] | Uint8Array | TcpOptionFields;
}

/**
 * Parses the TCP header at `buf[off]`. `available` is the number of
 * transport bytes present (header + data, the data possibly continuing in
 * another buffer); the header with its options must lie in `buf`.
 * Errors: `truncated` (fewer than 20 bytes, or options not in `buf`),
 * `bad-data-offset` (data offset < 5, or header longer than `available`),
 * `bad-option` (an option length < 2 or past the header). The checksum is
 * not verified here ({@link tcpChecksumOk}).
 * @example
 * import type { Ipv4Header } from "./ipv4.js";
 * import { WireError } from "./wire-error.js";
 * declare const packet: Packet, ip: Ipv4Header;
 * const t = parseTcp(packet.head, ip.headerLength, ip.totalLength - ip.headerLength);
 * if (t instanceof WireError) console.log(`dropped: ${t.reason}`);
 */
export function parseTcp(buf: Uint8Array, off: number, available: number): TcpHeader | WireError {
  const inBuf = buf.length - off;
  if (inBuf < TCP.MIN_HEADER || available < TCP.MIN_HEADER) {
    return new WireError("truncated", "tcp", `${Math.min(inBuf, available)} bytes`);
  }
  const headerLength = (buf[off + 12]! >> 4) * 4;
  if (headerLength < TCP.MIN_HEADER) return new WireError("bad-data-offset", "tcp", `data offset ${headerLength / 4}`);
  if (headerLength > available) return new WireError("bad-data-offset", "tcp", `header ${headerLength} > segment ${available}`);
  if (headerLength > inBuf) return new WireError("truncated", "tcp", `header ${headerLength} > ${inBuf} bytes`);
  const h: TcpHeader = {
    srcPort: (buf[off]! << 8) | buf[off + 1]!,
    dstPort: (buf[off + 2]! << 8) | buf[off + 3]!,
    seq: ((buf[off + 4]! << 24) | (buf[off + 5]! << 16) | (buf[off + 6]! << 8) | buf[off + 7]!) >>> 0,
    ack: ((buf[off + 8]! << 24) | (buf[off + 9]! << 16) | (buf[off + 10]! << 8) | buf[off + 11]!) >>> 0,
    headerLength,
    flags: buf[off + 13]!,
    window: (buf[off + 14]! << 8) | buf[off + 15]!,
    checksum: (buf[off + 16]! << 8) | buf[off + 17]!,
    urgent: (buf[off + 18]! << 8) | buf[off + 19]!,
    mss: undefined,
    wscale: undefined,
    sackOk: false,
    sack: undefined,
    tsVal: undefined,
    tsEcr: undefined,
    buf,
    offset: off,
  };
  if (headerLength > TCP.MIN_HEADER) {
    const e = parseTcpOptionFields(buf, off + TCP.MIN_HEADER, off + headerLength, h);
    if (e) return e;
  }
  return h;
}

/**
 * The raw option bytes of a parsed header (a view, `EMPTY` without
 * options); pass them as `options` to {@link emitTcp} to re-emit them as is.
 */
export function tcpRawOptions(h: Pick<TcpHeader, "buf" | "offset" | "headerLength">): Uint8Array {
  if (h.headerLength <= TCP.MIN_HEADER) return EMPTY;
  return h.buf.subarray(h.offset + TCP.MIN_HEADER, h.offset + h.headerLength);
}

/**
 * The ordered option list of a parsed header (NOPs, EOL and unknown kinds
 * included), decoded from its raw options. Allocates; meant for tools,
 * tests and the conformance runner, not the receive path.
 * @example
 * declare const h: TcpHeader;
 * tcpOptionList(h).map((o) => o.kind) // ["nop", "nop", "timestamp"]
 */
export function tcpOptionList(h: Pick<TcpHeader, "buf" | "offset" | "headerLength">): TcpOption[] {
  const r = parseTcpOptionList(tcpRawOptions(h));
  // parseTcp already validated these bytes; a WireError means they changed since.
  return r instanceof WireError ? [] : r;
}

/** Byte length of `h.options` as {@link emitTcp} writes them. */
export function tcpEmitOptionsLength(options: TcpEmit["options"]): number {
  if (options === undefined) return 0;
  if (Array.isArray(options)) return tcpOptionsLength(options as readonly TcpOption[]);
  if (options instanceof Uint8Array) return options.length;
  return linuxTcpOptionsLength(options as TcpOptionFields);
}

/**
 * Writes the header and its options at `buf[off]`, checksum field 0.
 * Returns the header length (20 + options, a multiple of 4). Throws a
 * RangeError when the options exceed 40 bytes (a programming error).
 * @example
 * declare const iss: number, irs: number, tsVal: number, tsEcr: number;
 * const buf = new Uint8Array(80);
 * const n = emitTcp({ srcPort: 9090, dstPort: 47513, seq: iss, ack: irs + 1, flags: TCP_SYN | TCP_ACK,
 *   window: 65160, options: { mss: 1460, sackOk: true, tsVal, tsEcr, wscale: 7 } }, buf, 20);
 */
export function emitTcp(h: TcpEmit, buf: Uint8Array, off: number): number {
  const optLen = tcpEmitOptionsLength(h.options);
  if (optLen > TCP_MAX_OPTIONS_LENGTH || (optLen & 3) !== 0) throw new RangeError(`tcp options length ${optLen}`);
  const hl = TCP.MIN_HEADER + optLen;
  buf[off] = h.srcPort >>> 8;
  buf[off + 1] = h.srcPort & 255;
  buf[off + 2] = h.dstPort >>> 8;
  buf[off + 3] = h.dstPort & 255;
  const s = h.seq >>> 0;
  buf[off + 4] = s >>> 24;
  buf[off + 5] = (s >>> 16) & 255;
  buf[off + 6] = (s >>> 8) & 255;
  buf[off + 7] = s & 255;
  const a = h.ack >>> 0;
  buf[off + 8] = a >>> 24;
  buf[off + 9] = (a >>> 16) & 255;
  buf[off + 10] = (a >>> 8) & 255;
  buf[off + 11] = a & 255;
  buf[off + 12] = (hl >>> 2) << 4;
  buf[off + 13] = h.flags & 255;
  buf[off + 14] = h.window >>> 8;
  buf[off + 15] = h.window & 255;
  buf[off + 16] = 0;
  buf[off + 17] = 0;
  const u = h.urgent ?? 0;
  buf[off + 18] = u >>> 8;
  buf[off + 19] = u & 255;
  const o = h.options;
  if (o !== undefined && optLen > 0) {
    const at = off + TCP.MIN_HEADER;
    if (Array.isArray(o)) emitTcpOptions(o as readonly TcpOption[], buf, at);
    else if (o instanceof Uint8Array) buf.set(o, at);
    else emitLinuxTcpOptions(o as TcpOptionFields, buf, at);
  }
  return hl;
}

/**
 * The TCP checksum (RFC 9293 §3.1) over the pseudo header, the header at
 * `head[off, off+headerLen)` and `data[dataOff, dataOff+dataLen)`, as the
 * field value. The header's checksum field must be 0 while computing; to
 * verify use {@link tcpChecksumOk}. `headerLen` must be even (it is a
 * multiple of 4).
 * @example
 * declare const src: Ipv4Address, dst: Ipv4Address, buf: Uint8Array, off: number, hl: number, data: Uint8Array;
 * const c = tcpChecksum(src, dst, buf, off, hl, data);
 * buf.set([c >>> 8, c & 255], off + TCP.CHECKSUM);
 */
export function tcpChecksum(src: Ipv4Address, dst: Ipv4Address, head: Uint8Array, off: number, headerLen: number, data: Uint8Array, dataOff = 0, dataLen = data.length - dataOff): number {
  let acc = pseudoHeaderSum(src, dst, IPPROTO_TCP, headerLen + dataLen);
  acc = sum16(head, off, headerLen, acc);
  acc = sum16(data, dataOff, dataLen, acc);
  return foldChecksum(acc);
}

/** True when the received checksum of the segment (header in `head`, data in `data`) is correct. */
export function tcpChecksumOk(src: Ipv4Address, dst: Ipv4Address, head: Uint8Array, off: number, headerLen: number, data: Uint8Array, dataOff = 0, dataLen = data.length - dataOff): boolean {
  return tcpChecksum(src, dst, head, off, headerLen, data, dataOff, dataLen) === 0;
}

/** Writes a checksum value into the header at `buf[off]`. */
export function writeTcpChecksum(buf: Uint8Array, off: number, checksum: number): void {
  buf[off + TCP.CHECKSUM] = checksum >>> 8;
  buf[off + TCP.CHECKSUM + 1] = checksum & 255;
}
