/**
 * TCP options of outgoing segments, laid out exactly as Linux
 * `tcp_options_write` does:
 * - SYN / SYN-ACK: `mss, sackOK, TS, nop, wscale` (sackOK and TS share one
 *   word; without TS: `mss, nop, nop, sackOK, nop, wscale`);
 * - other segments: `nop, nop, TS` then `nop, nop, sack …`.
 * With timestamps an ACK carries at most 3 SACK blocks (40 bytes of option
 * space), 4 without.
 */

import {
  TCPOPT_EOL as OPT_EOL, TCPOPT_NOP as OPT_NOP, TCPOPT_MSS as OPT_MSS, TCPOPT_WSCALE as OPT_WSCALE,
  TCPOPT_SACK_PERM as OPT_SACK_PERM, TCPOPT_TIMESTAMP as OPT_TS, emitLinuxTcpOptions, linuxTcpOptionsLength,
  type TcpOptionFields,
} from "../wire/tcp-options.js";

/** Reused for every segment: the wire codec writes Linux's layouts from named fields. */
const fields: TcpOptionFields = {};

function synFields(o: SynOptions): TcpOptionFields {
  fields.mss = o.mss;
  fields.sackOk = o.sackOk;
  fields.tsVal = o.ts ? o.tsVal : undefined;
  fields.tsEcr = o.ts ? o.tsEcr : undefined;
  fields.wscale = o.wscale >= 0 ? o.wscale : undefined;
  fields.sack = undefined;
  return fields;
}

/** What a SYN or SYN-ACK announces. */
export interface SynOptions {
  mss: number;
  /** Window scale to announce, or -1 for none. */
  wscale: number;
  sackOk: boolean;
  /** Include timestamps. */
  ts: boolean;
  tsVal: number;
  tsEcr: number;
  /**
   * tcp(personality): FreeBSD's layout instead of Linux's (sysctl
   * `tcp_syn_options_bsd`, set by the freebsd personality).
   */
  bsd?: boolean;
}

/** Length in bytes of the SYN options. */
export function synOptionsLength(o: SynOptions): number {
  if (o.bsd) return bsdSynOptions(o, null, 0);
  return linuxTcpOptionsLength(synFields(o));
}

/** Writes SYN options at `buf[off]`; returns the length. */
export function writeSynOptions(o: SynOptions, buf: Uint8Array, off: number): number {
  if (o.bsd) return bsdSynOptions(o, buf, off);
  return emitLinuxTcpOptions(synFields(o), buf, off);
}

/**
 * tcp(personality): SYN options in FreeBSD's order and padding
 * (tcp_addoptions): `mss`; `nop` until odd, `wscale`; `nop` until even,
 * `sackOK`; `nop` until ≡ 2 mod 4, `TS`; then EOL up to a multiple of 4.
 * Writes when `buf` is given; returns the length either way.
 */
function bsdSynOptions(o: SynOptions, buf: Uint8Array | null, off: number): number {
  let n = 0;
  const put = (...bytes: number[]) => {
    if (buf) for (let i = 0; i < bytes.length; i++) buf[off + n + i] = bytes[i]!;
    n += bytes.length;
  };
  put(OPT_MSS, 4, o.mss >>> 8, o.mss & 255);
  if (o.wscale >= 0) {
    while (n % 2 !== 1) put(OPT_NOP);
    put(OPT_WSCALE, 3, o.wscale);
  }
  if (o.sackOk) {
    while (n % 2 !== 0) put(OPT_NOP);
    put(OPT_SACK_PERM, 2);
  }
  if (o.ts) {
    while (n % 4 !== 2) put(OPT_NOP);
    put(OPT_TS, 10, o.tsVal >>> 24, (o.tsVal >>> 16) & 255, (o.tsVal >>> 8) & 255, o.tsVal & 255,
      o.tsEcr >>> 24, (o.tsEcr >>> 16) & 255, (o.tsEcr >>> 8) & 255, o.tsEcr & 255);
  }
  while (n % 4 !== 0) put(OPT_EOL);
  return n;
}

/** Length of the options of a non-SYN segment. */
export function establishedOptionsLength(ts: boolean, sackBlocks: number): number {
  return (ts ? 12 : 0) + (sackBlocks ? 4 + 8 * sackBlocks : 0);
}

/**
 * Writes `nop,nop,TS` (when `ts`) and `nop,nop,sack` with `n` blocks from
 * `blocks` (flat start,end pairs). Returns the length.
 */
export function writeEstablishedOptions(ts: boolean, tsVal: number, tsEcr: number, blocks: ArrayLike<number>, n: number, buf: Uint8Array, off: number): number {
  fields.mss = undefined;
  fields.sackOk = false;
  fields.wscale = undefined;
  fields.tsVal = ts ? tsVal : undefined;
  fields.tsEcr = ts ? tsEcr : undefined;
  let sack: [number, number][] | undefined;
  if (n > 0) {
    // Only ACKs that report out-of-order data carry blocks: the rare path allocates.
    sack = [];
    for (let i = 0; i < n; i++) sack.push([blocks[2 * i]!, blocks[2 * i + 1]!]);
  }
  fields.sack = sack;
  return emitLinuxTcpOptions(fields, buf, off);
}

function w32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 24;
  buf[off + 1] = (v >>> 16) & 255;
  buf[off + 2] = (v >>> 8) & 255;
  buf[off + 3] = v & 255;
}

/**
 * Writes the fixed 20-byte TCP header at `buf[off]` with data offset for
 * `optLen` bytes of options; the checksum is left 0 (IP output fills it or
 * offloads it).
 */
export function writeTcpHeader(buf: Uint8Array, off: number, sport: number, dport: number, seq: number, ack: number, flags: number, window: number, urgent: number, optLen: number): void {
  buf[off] = sport >>> 8;
  buf[off + 1] = sport & 255;
  buf[off + 2] = dport >>> 8;
  buf[off + 3] = dport & 255;
  w32(buf, off + 4, seq);
  w32(buf, off + 8, ack);
  buf[off + 12] = ((20 + optLen) >>> 2) << 4;
  buf[off + 13] = flags;
  buf[off + 14] = window >>> 8;
  buf[off + 15] = window & 255;
  buf[off + 16] = 0;
  buf[off + 17] = 0;
  buf[off + 18] = urgent >>> 8;
  buf[off + 19] = urgent & 255;
}
