/**
 * TCP header codec (RFC 9293 §3.1). View: named offsets ({@link TCP});
 * repr: {@link TcpHeader}. Options live in tcp-options.ts.
 *
 * The one TCP codec of sockstack: the stack's input, the tools (ladder,
 * packet fields), the conformance runner and the test vocabulary all read
 * headers with {@link parseTcpInto} / {@link parseTcp}, and every header
 * is written by {@link writeTcpHeader} ({@link emitTcp} is its object form),
 * its options by the option writers of tcp-options.ts.
 *
 * Parsing allocates nothing: {@link parseTcpInto} fills a caller-owned
 * record (one hidden class, the SACK edges in an array the record owns);
 * the raw options stay in the parsed buffer (the header records `buf` and
 * `offset`, no view is made) and the ordered option list is decoded only on
 * demand ({@link tcpRawOptions}, {@link tcpOptionList}).
 */
import { readU16, readU32, writeU16, writeU32 } from "./byte-order.js";
import { foldChecksum, pseudoHeaderSum, sum16 } from "./checksum.js";
import { IPPROTO_TCP } from "./ipv4.js";
import type { Ipv4Address } from "./ipv4-address.js";
import { EMPTY } from "./packet.js";
import {
  emitLinuxTcpOptions, emitTcpOptions, newTcpOptionFields, parseTcpOptions, parseTcpOptionList, TCP_MAX_OPTIONS_LENGTH,
  type ParsedTcpOptions, type TcpOption, type TcpOptionFields,
} from "./tcp-options.js";
import { WireError } from "./wire-error.js";

/** Field offsets of the TCP header (frozen: the view every TCP reader and writer uses). */
export const TCP = Object.freeze({
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
  /** What an ICMP error is sure to quote of the header (RFC 792): ports and sequence number. */
  QUOTE: 8,
} as const);

/** Flag bits of byte 13 (RFC 9293 §3.1, RFC 3168 for ECE/CWR). */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/** A parsed TCP header. Option fields are `undefined` when absent (`sack` empty). */
export interface TcpHeader extends ParsedTcpOptions {
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
  /**
   * The buffer the header was parsed from and the header's offset in it:
   * the raw options are `buf[offset + 20, offset + headerLength)` (see
   * {@link tcpRawOptions}), valid while that buffer is unchanged.
   */
  buf: Uint8Array;
  offset: number;
}

/** Fields to emit a header ({@link emitTcp}). */
export interface TcpEmit {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  urgent?: number;
  /** Options ({@link TcpEmitOptions}); absent: none. */
  options?: TcpEmitOptions;
}

/**
 * The options {@link writeTcpHeader} takes: an ordered list (written in
 * order, zero-padded to 4 bytes), named fields written in Linux's layout
 * without building a list (`emitLinuxTcpOptions`: the output path), or raw
 * option bytes (copied, e.g. to re-emit a captured header; their length
 * must be a multiple of 4).
 */
export type TcpEmitOptions = readonly TcpOption[] | TcpOptionFields | Uint8Array;

/** A zeroed {@link TcpHeader}, to be filled by {@link parseTcpInto}. */
export function newTcpHeader(): TcpHeader {
  const o = newTcpOptionFields();
  return {
    srcPort: 0, dstPort: 0, seq: 0, ack: 0, headerLength: 0, flags: 0, window: 0, checksum: 0, urgent: 0,
    mss: o.mss, wscale: o.wscale, sackOk: o.sackOk, sack: o.sack, tsVal: o.tsVal, tsEcr: o.tsEcr, foLen: -1, foExp: false, foOff: 0,
    buf: EMPTY, offset: 0,
  };
}

/**
 * Parses the TCP header at `buf[off]` into a caller-owned record (a
 * per-layer scratch on the per-packet input path; the twin of
 * `parseIpv4Into`): returns null when `out` was filled, else the error.
 * `len` is the number of transport bytes present (header + data, the data
 * possibly continuing in another buffer); the header with its options must
 * lie in `buf`. Allocates nothing on success (`out.sack` is refilled in
 * place, so a previous parse's SACK edges are overwritten).
 *
 * Errors, in this order: `truncated` (fewer than 20 bytes), `bad-data-offset`
 * (data offset < 5, or header longer than `len`), `truncated` (header
 * within `len` but not within `buf`), `bad-option` (an option length < 2
 * or past the header). On `bad-option` the fixed fields and `headerLength`
 * are filled (so a receiver can verify the checksum before counting the
 * option error, as TCP input does); on the others `out` is unspecified.
 * The checksum is not verified here ({@link tcpChecksumOk}).
 * @example
 * import type { Ipv4Header } from "./ipv4.js";
 * declare const packet: Packet, ip: Ipv4Header;
 * const th = newTcpHeader();                  // once, then reused for every segment
 * const err = parseTcpInto(packet.head, ip.headerLength, ip.totalLength - ip.headerLength, th);
 * if (err) console.log(`dropped: ${err.reason}`); // truncated, bad-data-offset, bad-option
 * else console.log(th.srcPort, th.seq, th.flags & TCP_SYN, th.mss ?? 536, th.sack.length / 2);
 */
export function parseTcpInto(buf: Uint8Array, off: number, len: number, out: TcpHeader): WireError | null {
  const inBuf = buf.length - off;
  if (inBuf < TCP.MIN_HEADER || len < TCP.MIN_HEADER) {
    return new WireError("truncated", "tcp", `${Math.min(inBuf, len)} bytes`);
  }
  const headerLength = (buf[off + TCP.DATA_OFFSET]! >> 4) * 4;
  if (headerLength < TCP.MIN_HEADER) return new WireError("bad-data-offset", "tcp", `data offset ${headerLength / 4}`);
  if (headerLength > len) return new WireError("bad-data-offset", "tcp", `header ${headerLength} > segment ${len}`);
  if (headerLength > inBuf) return new WireError("truncated", "tcp", `header ${headerLength} > ${inBuf} bytes`);
  out.srcPort = readU16(buf, off + TCP.SRC_PORT);
  out.dstPort = readU16(buf, off + TCP.DST_PORT);
  out.seq = readU32(buf, off + TCP.SEQ);
  out.ack = readU32(buf, off + TCP.ACK);
  out.headerLength = headerLength;
  out.flags = buf[off + TCP.FLAGS]!;
  out.window = readU16(buf, off + TCP.WINDOW);
  out.checksum = readU16(buf, off + TCP.CHECKSUM);
  out.urgent = readU16(buf, off + TCP.URGENT);
  out.buf = buf;
  out.offset = off;
  if (headerLength === TCP.MIN_HEADER) {
    out.mss = undefined;
    out.wscale = undefined;
    out.sackOk = false;
    if (out.sack.length !== 0) out.sack.length = 0;
    out.tsVal = undefined;
    out.tsEcr = undefined;
    out.foLen = -1;
    out.foExp = false;
    return null;
  }
  return parseTcpOptions(buf, off + TCP.MIN_HEADER, off + headerLength, out);
}

/**
 * {@link parseTcpInto} into a fresh record: the parsed header, or why not.
 * @example
 * import type { Ipv4Header } from "./ipv4.js";
 * import { WireError } from "./wire-error.js";
 * declare const packet: Packet, ip: Ipv4Header;
 * const t = parseTcp(packet.head, ip.headerLength, ip.totalLength - ip.headerLength);
 * if (t instanceof WireError) console.log(`dropped: ${t.reason}`);
 */
export function parseTcp(buf: Uint8Array, off: number, len: number): TcpHeader | WireError {
  const h = newTcpHeader();
  return parseTcpInto(buf, off, len, h) ?? h;
}

/**
 * The part of a TCP header an ICMP error is sure to quote (RFC 792: the
 * first 8 bytes): ports and sequence number, read into `out` from
 * `buf[off]`. Returns false when fewer than 8 bytes are there.
 * @example
 * declare const quoted: Uint8Array; // the transport bytes an ICMP error quotes
 * const q = newTcpHeader();
 * if (parseTcpQuoteInto(quoted, 0, q)) console.log(q.srcPort, q.dstPort, q.seq);
 */
export function parseTcpQuoteInto(buf: Uint8Array, off: number, out: Pick<TcpHeader, "srcPort" | "dstPort" | "seq">): boolean {
  if (buf.length - off < TCP.QUOTE) return false;
  out.srcPort = readU16(buf, off + TCP.SRC_PORT);
  out.dstPort = readU16(buf, off + TCP.DST_PORT);
  out.seq = readU32(buf, off + TCP.SEQ);
  return true;
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

/** Byte length of `options` as {@link writeTcpHeader} writes them (a multiple of 4 for a list or fields). */
export function tcpEmitOptionsLength(options: TcpEmitOptions | undefined): number {
  if (options === undefined) return 0;
  if (options instanceof Uint8Array) return options.length;
  if (Array.isArray(options)) return emitTcpOptions(options as readonly TcpOption[], null, 0);
  return emitLinuxTcpOptions(options as TcpOptionFields, null, 0);
}

/**
 * Writes the TCP header at `buf[off]` — the 20 fixed bytes with the data
 * offset for its options, the options (a list through the one option
 * writer, or raw bytes copied) — with the checksum field 0 (IP output fills
 * it or offloads it). Returns the header length (20 + options, a multiple
 * of 4). Positional, for the per-segment output path (no options object);
 * {@link emitTcp} is the same with named fields. Throws a RangeError when
 * the options exceed 40 bytes or raw options are not a multiple of 4 (a
 * programming error: `buf`, sized by {@link tcpEmitOptionsLength}, may
 * then hold some of them).
 * @example
 * declare const iss: number, irs: number, tsVal: number;
 * const opts = { tsVal, tsEcr: 0 }; // Linux's layout: nop,nop,TS
 * const head = new Uint8Array(20 + 20 + tcpEmitOptionsLength(opts)); // IPv4 header first
 * writeTcpHeader(head, 20, 47513, 9090, iss + 1, irs + 1, TCP_ACK, 502, 0, opts) === 32;
 */
export function writeTcpHeader(
  buf: Uint8Array, off: number, srcPort: number, dstPort: number, seq: number, ack: number, flags: number, window: number,
  urgent = 0, options?: TcpEmitOptions,
): number {
  writeU16(buf, off + TCP.SRC_PORT, srcPort);
  writeU16(buf, off + TCP.DST_PORT, dstPort);
  writeU32(buf, off + TCP.SEQ, seq);
  writeU32(buf, off + TCP.ACK, ack);
  buf[off + TCP.FLAGS] = flags & 255;
  writeU16(buf, off + TCP.WINDOW, window);
  writeU16(buf, off + TCP.CHECKSUM, 0);
  writeU16(buf, off + TCP.URGENT, urgent);
  let optLen = 0;
  if (options instanceof Uint8Array) {
    optLen = options.length;
    if (optLen > 0 && optLen <= TCP_MAX_OPTIONS_LENGTH) buf.set(options, off + TCP.MIN_HEADER);
  } else if (Array.isArray(options)) {
    // One walk: the writer returns the length the data offset needs.
    optLen = emitTcpOptions(options as readonly TcpOption[], buf, off + TCP.MIN_HEADER);
  } else if (options !== undefined) {
    optLen = emitLinuxTcpOptions(options as TcpOptionFields, buf, off + TCP.MIN_HEADER);
  }
  if (optLen > TCP_MAX_OPTIONS_LENGTH || (optLen & 3) !== 0) throw new RangeError(`tcp options length ${optLen}`);
  const hl = TCP.MIN_HEADER + optLen;
  buf[off + TCP.DATA_OFFSET] = (hl >>> 2) << 4;
  return hl;
}

/**
 * {@link writeTcpHeader} from named fields. Returns the header length.
 * @example
 * declare const iss: number, irs: number, tsVal: number, tsEcr: number;
 * const buf = new Uint8Array(80);
 * const n = emitTcp({ srcPort: 9090, dstPort: 47513, seq: iss, ack: irs + 1, flags: TCP_SYN | TCP_ACK,
 *   window: 65160, options: { mss: 1460, sackOk: true, tsVal, tsEcr, wscale: 7 } }, buf, 20);
 */
export function emitTcp(h: TcpEmit, buf: Uint8Array, off: number): number {
  return writeTcpHeader(buf, off, h.srcPort, h.dstPort, h.seq, h.ack, h.flags, h.window, h.urgent ?? 0, h.options);
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
  writeU16(buf, off + TCP.CHECKSUM, checksum);
}
