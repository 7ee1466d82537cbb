/**
 * TCP options of outgoing segments, in the forms `writeTcpHeader` writes
 * (wire/tcp.ts): named fields in Linux's layout (`tcp_options_write`, the
 * codec's `emitLinuxTcpOptions`), or a list for FreeBSD's SYN layout:
 * - SYN / SYN-ACK: `mss, sackOK, TS, nop, wscale` (sackOK and TS share one
 *   word; without TS: `mss, nop, nop, sackOK, nop, wscale`);
 * - other segments: `nop, nop, TS` then `nop, nop, sack …`.
 * With timestamps an ACK carries at most 3 SACK blocks (40 bytes of option
 * space), 4 without; an MD5 signature (20 bytes) leaves room for 2 without
 * timestamps and none with them (Linux tcp_established_options).
 */

import { emitLinuxTcpOptions, OPT_EOL, OPT_NOP, OPT_SACK_PERM, TCP_MAX_OPTIONS_LENGTH, TCPOPT_MD5SIG, type TcpOption, type TcpOptionFields } from "../wire/tcp-options.js";
import type { TcpEmitOptions } from "../wire/tcp.js";

/** Reused for every non-SYN segment (written before the next one is built). */
const established: TcpOptionFields = { mss: undefined, wscale: undefined, sackOk: false, sack: undefined, tsVal: undefined, tsEcr: undefined, md5: false };

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
   * FreeBSD's layout instead of Linux's (the personality's
   * `synOptionsBsd`, tcp/personality/).
   */
  bsd?: boolean;
  /** Fast Open option (cookie or, empty, a request; `exp`: kind 254), absent for none. */
  fastopen?: { readonly cookie: Uint8Array; readonly exp: boolean } | undefined;
  /** An MD5 signature option goes first (`nop,nop,md5`; tcp/md5sig.ts signs it). */
  md5?: boolean;
}

/**
 * The options of a SYN or SYN-ACK: fields for Linux's layout, or
 * FreeBSD's layout as a list with `o.bsd`. Fresh (a SYN is sent once per
 * connection attempt).
 * @example
 * import { tcpEmitOptionsLength } from "../wire/tcp.js";
 * tcpEmitOptionsLength(synOptions({ mss: 1460, wscale: 7, sackOk: true, ts: true, tsVal: 1, tsEcr: 0 })) === 20; // mss,sackOK,TS,nop,wscale
 */
export function synOptions(o: SynOptions): TcpEmitOptions {
  if (o.bsd) return bsdSynOptions(o);
  const f: TcpOptionFields = {
    mss: o.mss, sackOk: o.sackOk, tsVal: o.ts ? o.tsVal : undefined, tsEcr: o.ts ? o.tsEcr : undefined,
    wscale: o.wscale >= 0 ? o.wscale : undefined, sack: undefined, fastopen: o.fastopen, md5: o.md5 === true,
  };
  // Linux tcp_syn_options / tcp_synack_options: the Fast Open option only if it fits the 40 bytes the others left
  // (it always does without an MD5 signature).
  if (f.md5 && f.fastopen && emitLinuxTcpOptions(f, null, 0) > TCP_MAX_OPTIONS_LENGTH) f.fastopen = undefined;
  return f;
}

/**
 * tcp(personality): SYN options in FreeBSD's order and padding
 * (tcp_addoptions): `mss`; `nop` until odd, `wscale`; `nop` until even,
 * `sackOK`; `nop` until ≡ 2 mod 4, `TS`; then EOL up to a multiple of 4.
 */
function bsdSynOptions(o: SynOptions): TcpOption[] {
  // sockstack lays the MD5 option out as Linux does (first, after two NOPs) under both personalities.
  const list: TcpOption[] = o.md5 ? [OPT_NOP, OPT_NOP, { kind: "unknown", type: TCPOPT_MD5SIG, data: new Uint8Array(16) }] : [];
  list.push({ kind: "mss", mss: o.mss });
  let n = 4;
  if (o.wscale >= 0) {
    for (; n % 2 !== 1; n++) list.push(OPT_NOP);
    list.push({ kind: "wscale", shift: o.wscale });
    n += 3;
  }
  if (o.sackOk) {
    for (; n % 2 !== 0; n++) list.push(OPT_NOP);
    list.push(OPT_SACK_PERM);
    n += 2;
  }
  if (o.ts) {
    for (; n % 4 !== 2; n++) list.push(OPT_NOP);
    list.push({ kind: "timestamp", val: o.tsVal, ecr: o.tsEcr });
    n += 10;
  }
  // With an MD5 signature a Fast Open option that would not fit is left out (the header holds 40 option bytes).
  if (o.fastopen && (!o.md5 || 20 + n + (o.fastopen.exp ? 4 : 2) + o.fastopen.cookie.length <= TCP_MAX_OPTIONS_LENGTH)) {
    // FreeBSD tcp_addoptions: the Fast Open option last, then EOL padding.
    list.push({ kind: "fastopen", cookie: o.fastopen.cookie, exp: o.fastopen.exp });
    n += (o.fastopen.exp ? 4 : 2) + o.fastopen.cookie.length;
  }
  for (; n % 4 !== 0; n++) list.push(OPT_EOL);
  return list;
}

/**
 * The options of a non-SYN segment: `nop,nop,TS` (when `ts`) and
 * `nop,nop,sack` with `n` blocks from `blocks` (flat start,end pairs), as
 * Linux-layout fields, after `nop,nop,md5` when `md5`. One record, reused
 * by the next call: write it before building another.
 * @example
 * import { tcpEmitOptionsLength } from "../wire/tcp.js";
 * tcpEmitOptionsLength(establishedOptions(true, 7, 9, [], 0)) === 12; // nop,nop,TS
 */
export function establishedOptions(ts: boolean, tsVal: number, tsEcr: number, blocks: ArrayLike<number>, n: number, md5 = false): TcpOptionFields {
  const f = established;
  f.md5 = md5;
  f.tsVal = ts ? tsVal : undefined;
  f.tsEcr = ts ? tsEcr : undefined;
  // Only ACKs that report out-of-order data carry blocks: the rare path allocates.
  f.sack = n > 0 ? Array.prototype.slice.call(blocks, 0, 2 * n) as number[] : undefined;
  return f;
}
