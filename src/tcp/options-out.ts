/**
 * TCP options of outgoing segments, laid out exactly as Linux
 * `tcp_options_write` does:
 * - SYN / SYN-ACK: `mss, sackOK, TS, nop, wscale` (sackOK and TS share one
 *   word; without TS: `mss, nop, nop, sackOK, nop, wscale`);
 * - other segments: `nop, nop, TS` then `nop, nop, sack …`.
 * With timestamps an ACK carries at most 3 SACK blocks (40 bytes of option
 * space), 4 without.
 */

/** Option kinds. */
export const OPT_EOL = 0;
export const OPT_NOP = 1;
export const OPT_MSS = 2;
export const OPT_WSCALE = 3;
export const OPT_SACK_PERM = 4;
export const OPT_SACK = 5;
export const OPT_TS = 8;

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
  let n = 4; // mss
  if (o.ts) n += 12; // (sackOK|nop nop) + TS
  else if (o.sackOk) n += 4;
  if (o.wscale >= 0) n += 4;
  return n;
}

function w32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 24;
  buf[off + 1] = (v >>> 16) & 255;
  buf[off + 2] = (v >>> 8) & 255;
  buf[off + 3] = v & 255;
}

/** Writes SYN options at `buf[off]`; returns the length. */
export function writeSynOptions(o: SynOptions, buf: Uint8Array, off: number): number {
  if (o.bsd) return bsdSynOptions(o, buf, off);
  const start = off;
  buf[off] = OPT_MSS;
  buf[off + 1] = 4;
  buf[off + 2] = o.mss >>> 8;
  buf[off + 3] = o.mss & 255;
  off += 4;
  if (o.ts) {
    if (o.sackOk) {
      buf[off] = OPT_SACK_PERM;
      buf[off + 1] = 2;
    } else {
      buf[off] = OPT_NOP;
      buf[off + 1] = OPT_NOP;
    }
    buf[off + 2] = OPT_TS;
    buf[off + 3] = 10;
    w32(buf, off + 4, o.tsVal);
    w32(buf, off + 8, o.tsEcr);
    off += 12;
  } else if (o.sackOk) {
    buf[off] = OPT_NOP;
    buf[off + 1] = OPT_NOP;
    buf[off + 2] = OPT_SACK_PERM;
    buf[off + 3] = 2;
    off += 4;
  }
  if (o.wscale >= 0) {
    buf[off] = OPT_NOP;
    buf[off + 1] = OPT_WSCALE;
    buf[off + 2] = 3;
    buf[off + 3] = o.wscale;
    off += 4;
  }
  return off - start;
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
  const start = off;
  if (ts) {
    buf[off] = OPT_NOP;
    buf[off + 1] = OPT_NOP;
    buf[off + 2] = OPT_TS;
    buf[off + 3] = 10;
    w32(buf, off + 4, tsVal);
    w32(buf, off + 8, tsEcr);
    off += 12;
  }
  if (n > 0) {
    buf[off] = OPT_NOP;
    buf[off + 1] = OPT_NOP;
    buf[off + 2] = OPT_SACK;
    buf[off + 3] = 2 + 8 * n;
    off += 4;
    for (let i = 0; i < n; i++) {
      w32(buf, off, blocks[2 * i]!);
      w32(buf, off + 4, blocks[2 * i + 1]!);
      off += 8;
    }
  }
  return off - start;
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
