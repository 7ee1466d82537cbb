/**
 * SYN cookies (RFC 4987 §3.6), bit for bit the scheme of Linux
 * net/ipv4/syncookies.c (`cookie_v4_init_sequence`, `__cookie_v4_check`,
 * `cookie_init_timestamp`, `cookie_timestamp_decode`).
 *
 * When the SYN queue is full and `tcp_syncookies` allows it, the listener
 * keeps no state: the SYN-ACK's ISN *is* the state.
 *
 *     cookie = H0(tuple) + clientIsn + (count << 24)
 *              + ((H1(tuple, count) + mssIndex) mod 2^24)
 *
 * H0, H1: SipHash-2-4 of (saddr, daddr, sport << 16 | dport, count) under
 * two secret keys (`siphash_4u32`), with the *client* as source (the
 * direction of the SYN and of the final ACK). `count` is a minute counter
 * (`tcp_cookie_time`, TCP_SYNCOOKIE_PERIOD = 60 s); a cookie is accepted
 * while the counter has advanced by less than MAX_SYNCOOKIE_AGE = 2, i.e.
 * for 1–2 minutes. The low 24 bits carry the index of the MSS in
 * {@link MSSTAB}, so the server learns back a (rounded-down) MSS.
 *
 * The other SYN options cannot be stored in 32 bits. When the client sent
 * timestamps, Linux hides them in the low 6 bits of the SYN-ACK's TSval,
 * which the client echoes in TSecr: bits 0–3 = the client's window scale
 * (15 = none), bit 4 = SACK permitted, bit 5 = ECN. Without timestamps
 * the connection has no window scaling and no SACK.
 */
import type { Rng } from "../core/rng.js";
import type { Micros } from "../core/time.js";
import { MINUTE } from "../core/time.js";
import type { SipKey } from "../core/siphash.js";
import { sipKeyFromRng, siphash4u32 } from "../core/siphash.js";
import type { InetAddress } from "../net/inet-address.js";
import { siphashAddrs } from "./isn.js";

/** Linux `msstab`: the MSS values a cookie can carry (index 0..3). */
export const MSSTAB: readonly number[] = [536, 1300, 1440, 1460];
/** Linux TCP_SYNCOOKIE_PERIOD: the cookie counter ticks once a minute. */
export const SYNCOOKIE_PERIOD: Micros = MINUTE;
/** Linux MAX_SYNCOOKIE_AGE: counter values a cookie stays valid for. */
export const MAX_SYNCOOKIE_AGE = 2;

const COOKIEBITS = 24;
const COOKIEMASK = (1 << COOKIEBITS) - 1;
/** Low TSval bits used for options (Linux TSBITS). */
const TSBITS = 6;
const TS_OPT_WSCALE_MASK = 0xf;
const TS_OPT_SACK = 1 << 4;
const TS_OPT_ECN = 1 << 5;

/** The connection as the listener sees it; any object with these fields (e.g. a TCB) will do. */
export interface CookieTuple {
  localAddr: InetAddress;
  localPort: number;
  remoteAddr: InetAddress;
  remotePort: number;
}

/** The result of {@link SynCookies.makeCookie}. */
export interface SynCookie {
  /** The ISN to send in the SYN-ACK. */
  isn: number;
  /** Index into {@link MSSTAB}. */
  mssIndex: number;
  /** The MSS the connection will use: MSSTAB[mssIndex] (≤ the client's). */
  mss: number;
}

/** Options carried in the cookie timestamp. */
export interface CookieTsOptions {
  /** The client's window scale shift, or -1 when it sent no wscale option. */
  wscale: number;
  sack: boolean;
  ecn: boolean;
}

/**
 * The largest MSSTAB index whose value is ≤ `mss` (0 for anything smaller
 * than 536, as Linux does).
 */
export function cookieMssIndex(mss: number): number {
  let i = MSSTAB.length - 1;
  for (; i > 0; i--) if (mss >= MSSTAB[i]!) break;
  return i;
}

/** The cookie counter at time `now` (Linux `tcp_cookie_time`). */
export function cookieCount(now: Micros): number {
  return Math.floor(now / SYNCOOKIE_PERIOD) >>> 0;
}

/**
 * The per-host cookie secrets and functions.
 * @example
 * const jar = new SynCookies(new Rng(1));
 * const tuple = { localAddr: ipv4("10.0.0.2"), localPort: 9090, remoteAddr: ipv4("10.0.0.1"), remotePort: 47513 };
 * const { isn, mss } = jar.makeCookie(tuple, 1000, 1460, 0);
 * // later, on a bare ACK (seq 1001, ack isn + 1) that matches no socket:
 * jar.checkCookie(tuple, (1001 - 1) >>> 0, isn, sec(1)) === mss; // 0 = invalid
 */
export class SynCookies {
  #k0: SipKey;
  #k1: SipKey;

  /** Draws both secrets from `rng` (Linux: `net_get_random_once(syncookie_secret)`). */
  constructor(rng: Rng) {
    this.#k0 = sipKeyFromRng(rng);
    this.#k1 = sipKeyFromRng(rng);
  }

  #hash(t: CookieTuple, count: number, which: 0 | 1): number {
    const key = which ? this.#k1 : this.#k0;
    const ports = ((t.remotePort << 16) | t.localPort) >>> 0;
    const { remoteAddr: r, localAddr: l } = t;
    // IPv4: Linux cookie_hash's siphash_4u32; other families hash the address bytes (cookie_v6 hashes in6_addrs).
    return typeof r === "number" && typeof l === "number" ? siphash4u32(key, r, l, ports, count) : siphashAddrs(key, r, l, [ports, count]);
  }

  /**
   * The cookie ISN for a SYN from `t.remote*` with sequence number
   * `clientIsn` and MSS option `mss` (Linux `__cookie_v4_init_sequence`).
   */
  makeCookie(t: CookieTuple, clientIsn: number, mss: number, now: Micros): SynCookie {
    const mssIndex = cookieMssIndex(mss);
    const count = cookieCount(now);
    const isn = (this.#hash(t, 0, 0) + clientIsn + (count << COOKIEBITS)
      + ((this.#hash(t, count, 1) + mssIndex) & COOKIEMASK)) >>> 0;
    return { isn, mssIndex, mss: MSSTAB[mssIndex]! };
  }

  /**
   * Validates the cookie in a third-handshake ACK (Linux `__cookie_v4_check`):
   * `clientIsn` = SEG.SEQ − 1, `cookie` = SEG.ACK − 1. Returns the MSS the
   * cookie encodes, or 0 when it is forged, for another tuple, or expired.
   */
  checkCookie(t: CookieTuple, clientIsn: number, cookie: number, now: Micros): number {
    const count = cookieCount(now);
    const c = (cookie - this.#hash(t, 0, 0) - clientIsn) >>> 0;
    // c = (count' << 24) + (H1(count') + mssIndex mod 2^24)
    const diff = (count - (c >>> COOKIEBITS)) & (0xffffffff >>> COOKIEBITS);
    if (diff >= MAX_SYNCOOKIE_AGE) return 0;
    const mssIndex = ((c - this.#hash(t, (count - diff) >>> 0, 1)) >>> 0) & COOKIEMASK;
    return mssIndex < MSSTAB.length ? MSSTAB[mssIndex]! : 0;
  }
}

/**
 * The TSval (before the connection's offset is added) of a cookie SYN-ACK
 * (Linux `cookie_init_timestamp`): the ms clock `tsNow` with its low 6
 * bits replaced by the options, never ahead of `tsNow`.
 * @param wscale the client's window-scale shift, or -1 when it sent none.
 */
export function encodeCookieTimestamp(tsNow: number, wscale: number, sack: boolean, ecn: boolean): number {
  let options = wscale >= 0 ? wscale & TS_OPT_WSCALE_MASK : TS_OPT_WSCALE_MASK;
  if (sack) options |= TS_OPT_SACK;
  if (ecn) options |= TS_OPT_ECN;
  tsNow >>>= 0;
  let ts = (((tsNow >>> TSBITS) << TSBITS) | options) >>> 0;
  if (ts > tsNow) ts = (ts - (1 << TSBITS)) >>> 0;
  return ts;
}

/**
 * Recovers the options from the TSecr of the final ACK, minus the
 * connection's TS offset (Linux `cookie_timestamp_decode`).
 * @example decodeCookieTimestamp(encodeCookieTimestamp(12345, 7, true, false)).wscale === 7
 */
export function decodeCookieTimestamp(tsecr: number): CookieTsOptions {
  const options = tsecr & ((1 << TSBITS) - 1);
  const ws = options & TS_OPT_WSCALE_MASK;
  return {
    wscale: ws === TS_OPT_WSCALE_MASK ? -1 : ws,
    sack: (options & TS_OPT_SACK) !== 0,
    ecn: (options & TS_OPT_ECN) !== 0,
  };
}
