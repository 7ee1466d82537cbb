/**
 * TCP options of outgoing segments, as option lists for the one writer
 * (`writeTcpHeader` → `emitTcpOptions`, wire/tcp-options.ts), laid out
 * exactly as Linux `tcp_options_write` does (the layout is the wire
 * codec's `linuxTcpOptions`):
 * - SYN / SYN-ACK: `mss, sackOK, TS, nop, wscale` (sackOK and TS share one
 *   word; without TS: `mss, nop, nop, sackOK, nop, wscale`);
 * - other segments: `nop, nop, TS` then `nop, nop, sack …`.
 * With timestamps an ACK carries at most 3 SACK blocks (40 bytes of option
 * space), 4 without. The FreeBSD personality's SYN layout is here too.
 */

import {
  OPT_EOL, OPT_NOP, OPT_SACK_PERM, linuxTcpOptions, type TcpOption, type TcpOptionFields,
} from "../wire/tcp-options.js";

/** Reused for every non-SYN segment: the fields, and the list the layout fills. */
const fields: TcpOptionFields = {};
const established: TcpOption[] = [];

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

/**
 * The options of a SYN or SYN-ACK, in Linux's layout (or FreeBSD's with
 * `o.bsd`). A fresh list (a SYN is sent once per connection attempt).
 * @example
 * synOptions({ mss: 1460, wscale: 7, sackOk: true, ts: true, tsVal: 1, tsEcr: 0 }).map((o) => o.kind).join()
 *   === "mss,sack-permitted,timestamp,nop,wscale";
 */
export function synOptions(o: SynOptions): TcpOption[] {
  if (o.bsd) return bsdSynOptions(o);
  return linuxTcpOptions({
    mss: o.mss, sackOk: o.sackOk, tsVal: o.ts ? o.tsVal : undefined, tsEcr: o.ts ? o.tsEcr : undefined,
    wscale: o.wscale >= 0 ? o.wscale : undefined,
  });
}

/**
 * tcp(personality): SYN options in FreeBSD's order and padding
 * (tcp_addoptions): `mss`; `nop` until odd, `wscale`; `nop` until even,
 * `sackOK`; `nop` until ≡ 2 mod 4, `TS`; then EOL up to a multiple of 4.
 */
function bsdSynOptions(o: SynOptions): TcpOption[] {
  const list: TcpOption[] = [{ kind: "mss", mss: o.mss }];
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
  for (; n % 4 !== 0; n++) list.push(OPT_EOL);
  return list;
}

/**
 * The options of a non-SYN segment: `nop,nop,TS` (when `ts`) and
 * `nop,nop,sack` with `n` blocks from `blocks` (flat start,end pairs).
 * The list is reused by the next call: write it before building another.
 * @example
 * establishedOptions(true, 7, 9, [], 0).map((o) => o.kind).join() === "nop,nop,timestamp";
 */
export function establishedOptions(ts: boolean, tsVal: number, tsEcr: number, blocks: ArrayLike<number>, n: number): readonly TcpOption[] {
  fields.tsVal = ts ? tsVal : undefined;
  fields.tsEcr = ts ? tsEcr : undefined;
  // Only ACKs that report out-of-order data carry blocks: the rare path allocates.
  fields.sack = n > 0 ? Array.prototype.slice.call(blocks, 0, 2 * n) as number[] : undefined;
  return linuxTcpOptions(fields, established);
}
