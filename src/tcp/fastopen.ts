/**
 * TCP Fast Open (RFC 7413), the way Linux does it (net/ipv4/tcp_fastopen.c,
 * the Fast Open parts of tcp_output.c, tcp_input.c and tcp_metrics.c):
 *
 * - the `tcp_fastopen` sysctl bits ({@link TFO_CLIENT_ENABLE} …);
 * - the server key (`tcp_fastopen_key`, or a listener's `TCP_FASTOPEN_KEY`),
 *   a primary and an optional backup, and the cookie: SipHash-2-4 of the
 *   client's and the server's IPv4 addresses under the key, 8 bytes
 *   little-endian ({@link fastOpenCookie});
 * - the client's cookie cache per destination ({@link FastOpenCache}, Linux
 *   keeps it in tcp_metrics: `ip tcp_metrics flush` empties it), with the
 *   server's MSS, the experimental-option retry state and SYN losses;
 * - the active open: which cookie, how much data the SYN carries, what the
 *   SYN-ACK teaches the cache, and the fallback when the SYN's data is not
 *   acknowledged (it is retransmitted after the handshake);
 * - the passive open: the listener's Fast Open queue (`TCP_FASTOPEN` qlen),
 *   cookie checks, and the child created at once from a SYN with a valid
 *   cookie (SYN-RECV, its data readable before the handshake completes, its
 *   own SYN-ACK retransmission);
 * - the active-side blackhole detection (`tcp_fastopen_blackhole_timeout_sec`).
 *
 * Per-connection state is a {@link FastOpenSock} on the TCB (`t.fo`), null
 * for connections that never touch Fast Open.
 */
import { siphash24, siphashHigh, sipKeyFromRng, type SipKey } from "../core/siphash.js";
import type { Rng } from "../core/rng.js";
import { SEC, type Micros } from "../core/time.js";
import { TcpState } from "./tcp-state.js";
import { formatInetAddress, inetAddressBytes, type InetAddress } from "../net/inet-address.js";

/** `tcp_fastopen` bit: send data in the SYN (client; Linux's default value is 1). */
export const TFO_CLIENT_ENABLE = 0x1;
/** `tcp_fastopen` bit: accept data in SYNs (server, on listeners with a Fast Open queue). */
export const TFO_SERVER_ENABLE = 0x2;
/** `tcp_fastopen` bit: the client sends data in the SYN without any cookie. */
export const TFO_CLIENT_NO_COOKIE = 0x4;
/** `tcp_fastopen` bit: the server accepts data in a SYN without a cookie. */
export const TFO_SERVER_COOKIE_NOT_REQD = 0x200;
/** `tcp_fastopen` bit: every listener gets a Fast Open queue (its backlog) without `TCP_FASTOPEN`. */
export const TFO_SERVER_WO_SOCKOPT1 = 0x400;

/** Shortest and longest cookie RFC 7413 allows (bytes); the size Linux's servers make. */
export const TCP_FASTOPEN_COOKIE_MIN = 4;
export const TCP_FASTOPEN_COOKIE_MAX = 16;
export const TCP_FASTOPEN_COOKIE_SIZE = 8;
/** Bytes of one key (`TCP_FASTOPEN_KEY` takes one or two). */
export const TCP_FASTOPEN_KEY_LENGTH = 16;
/** FreeBSD's net.inet.tcp.fastopen.path_disable_time default: how long a path stays without Fast Open. */
export const TFO_BSD_PATH_DISABLE_TIME = 900 * SEC;
/** Option bytes the SYN's data leaves room for (Linux MAX_TCP_OPTION_SPACE). */
const MAX_TCP_OPTION_SPACE = 40;

/** `tcpi_fastopen_client_fail` values (Linux enum tcp_fastopen_client_fail). */
export const TFO_STATUS_UNSPEC = 0;
export const TFO_COOKIE_UNAVAILABLE = 1;
export const TFO_DATA_NOT_ACKED = 2;
export const TFO_SYN_RETRANSMITTED = 3;

/**
 * A Fast Open cookie as Linux's `struct tcp_fastopen_cookie`: `len` −1 for
 * none, 0 for a cookie request, else the bytes of `val`; `exp` for the
 * experimental option form (kind 254).
 */
export interface FoCookie {
  len: number;
  val: Uint8Array;
  exp: boolean;
}

/** A cookie with nothing in it (`len` −1). */
export function noCookie(): FoCookie {
  return { len: -1, val: new Uint8Array(0), exp: false };
}

/**
 * The cookie of a received SYN or SYN-ACK by Linux's rules
 * (tcp_parse_fastopen_option): only on a SYN, an even length, 4–16 bytes
 * or 0 (a request); anything else counts as no option (`len` −1).
 * @example
 * parseFoCookie(new Uint8Array([34, 10, 1, 2, 3, 4, 5, 6, 7, 8]), 8, 2, false, true).len === 8
 */
export function parseFoCookie(buf: Uint8Array, len: number, off: number, exp: boolean, syn: boolean): FoCookie {
  if (!syn || len < 0 || (len & 1) !== 0) return noCookie();
  if (len !== 0 && (len < TCP_FASTOPEN_COOKIE_MIN || len > TCP_FASTOPEN_COOKIE_MAX)) return noCookie();
  return { len, val: buf.slice(off, off + len), exp };
}

/**
 * The cookie a server with `key` gives the client at `saddr` reaching it at
 * `daddr` (Linux __tcp_fastopen_cookie_gen_cipher for IPv4): SipHash-2-4
 * over the two addresses in network order, the 64-bit result's bytes
 * little-endian.
 * @example
 * // tcp_fastopen_key a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4, client 192.0.2.1, server 192.168.0.1:
 * const key = Uint32Array.of(0xa1a1a1a1, 0xb2b2b2b2, 0xc3c3c3c3, 0xd4d4d4d4);
 * Array.from(fastOpenCookie(key, 0xc0000201, 0xc0a80001), (b) => b.toString(16).padStart(2, "0")).join("") === "3021b9d889017eeb";
 */
export function fastOpenCookie(key: SipKey, saddr: InetAddress, daddr: InetAddress): Uint8Array {
  // IPv4: the two addresses, 8 bytes (Linux __tcp_fastopen_cookie_gen_cipher over iph->saddr, daddr);
  // IPv6: the two 16-byte addresses (the same function over ip6h->saddr, daddr).
  const sa = inetAddressBytes(saddr);
  const da = inetAddressBytes(daddr);
  const d = new Uint8Array(sa.length + da.length);
  d.set(sa, 0);
  d.set(da, sa.length);
  const lo = siphash24(key, d);
  const hi = siphashHigh();
  const out = new Uint8Array(TCP_FASTOPEN_COOKIE_SIZE);
  const o = new DataView(out.buffer);
  o.setUint32(0, lo, true);
  o.setUint32(4, hi, true);
  return out;
}

/**
 * Parses `tcp_fastopen_key` text: one key, or a primary and a backup
 * separated by a comma, each four hex 32-bit words joined by `-`
 * (`a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4`). Each word is stored
 * little-endian, as Linux's proc_tcp_fastopen_key does. Null when malformed
 * (Linux: EINVAL).
 * @example parseFastOpenKeys("1-2-3-4")?.length === 1
 */
export function parseFastOpenKeys(text: string): SipKey[] | null {
  const parts = text.trim().split(",");
  if (parts.length > 2) return null;
  const keys: SipKey[] = [];
  for (const p of parts) {
    const w = p.split("-");
    if (w.length !== 4 || w.some((x) => !/^[0-9a-fA-F]{1,8}$/.test(x))) return null;
    keys.push(Uint32Array.from(w, (x) => parseInt(x, 16) >>> 0));
  }
  return keys;
}

/**
 * `tcp_fastopen_key` text for `keys` (Linux: `%08x-%08x-%08x-%08x`, keys
 * joined by a comma).
 * @example formatFastOpenKeys([Uint32Array.of(1, 2, 3, 4)]) === "00000001-00000002-00000003-00000004"
 */
export function formatFastOpenKeys(keys: readonly SipKey[]): string {
  return keys.map((k) => Array.from(k, (w) => w.toString(16).padStart(8, "0")).join("-")).join(",");
}

/**
 * Keys from `TCP_FASTOPEN_KEY`'s raw bytes: 16 (a primary) or 32 (primary
 * and backup), each read as four little-endian words (Linux
 * tcp_fastopen_reset_cipher takes the bytes as two little-endian u64).
 * Null for another length (EINVAL).
 */
export function fastOpenKeysFromBytes(b: Uint8Array): SipKey[] | null {
  if (b.length !== TCP_FASTOPEN_KEY_LENGTH && b.length !== 2 * TCP_FASTOPEN_KEY_LENGTH) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const keys: SipKey[] = [];
  for (let k = 0; k < b.length; k += TCP_FASTOPEN_KEY_LENGTH) {
    keys.push(Uint32Array.from({ length: 4 }, (_, i) => v.getUint32(k + 4 * i, true)));
  }
  return keys;
}

/** The bytes `getsockopt(TCP_FASTOPEN_KEY)` returns for `keys` (the inverse of {@link fastOpenKeysFromBytes}). */
export function fastOpenKeysToBytes(keys: readonly SipKey[]): Uint8Array {
  const b = new Uint8Array(keys.length * TCP_FASTOPEN_KEY_LENGTH);
  const v = new DataView(b.buffer);
  keys.forEach((k, j) => k.forEach((w, i) => v.setUint32(j * TCP_FASTOPEN_KEY_LENGTH + 4 * i, w, true)));
  return b;
}

/** What the client remembers about one destination (Linux struct tcp_fastopen_metrics). */
export interface FastOpenMetrics {
  /** The server's MSS from its last SYN-ACK (0: unknown). */
  mss: number;
  /** The last cookie the server gave (`len` ≤ 0: none). */
  cookie: FoCookie;
  /** 1: the server ignored our kind-34 request, try the experimental form; 2: that failed too. */
  tryExp: number;
  /** SYNs with data lost in a row, and when the last was. */
  synLoss: number;
  lastSynLoss: Micros;
  /** FreeBSD: when the path was disabled (an invalid or missing cookie), or −1 (tcp_fastopen_disable_path). */
  disabledAt: Micros;
}

/**
 * The client's Fast Open cache per destination address (Linux keeps it in
 * the TCP metrics: `ip tcp_metrics show` lists it, `ip tcp_metrics flush`
 * empties it). Bounded: at most `limit` destinations, the least recently
 * updated one forgotten first.
 */
export class FastOpenCache {
  readonly #m = new Map<number | string, FastOpenMetrics>();
  /** The address of each key (IPv6 addresses are keyed by their text: they are not interned). */
  readonly #addr = new Map<number | string, InetAddress>();

  constructor(readonly limit = 16384) {}

  /** Number of destinations remembered. */
  get size(): number {
    return this.#m.size;
  }

  /** The entry for `daddr`, if any. */
  get(daddr: InetAddress): FastOpenMetrics | undefined {
    return this.#m.get(cacheKey(daddr));
  }

  /**
   * Linux tcp_fastopen_cache_set: records the server's MSS (when nonzero),
   * a cookie (`len` > 0; otherwise `tryExp` moves forward while no cookie
   * is known), and a lost SYN (`synLost`) or its absence.
   */
  set(daddr: InetAddress, mss: number, cookie: FoCookie | null, synLost: boolean, tryExp: number, now: Micros): void {
    const key = cacheKey(daddr);
    let e = this.#m.get(key);
    if (e) this.#m.delete(key);
    else {
      e = { mss: 0, cookie: noCookie(), tryExp: 0, synLoss: 0, lastSynLoss: 0, disabledAt: -1 };
      if (this.#m.size >= this.limit) {
        const oldest = this.#m.keys().next().value!;
        this.#m.delete(oldest);
        this.#addr.delete(oldest);
      }
    }
    this.#m.set(key, e);
    this.#addr.set(key, daddr);
    if (mss) e.mss = mss;
    if (cookie && cookie.len > 0) e.cookie = { len: cookie.len, val: cookie.val.slice(), exp: cookie.exp };
    else if (tryExp > e.tryExp && e.cookie.len <= 0 && !e.cookie.exp) e.tryExp = tryExp;
    if (synLost) {
      e.synLoss++;
      e.lastSynLoss = now;
    } else e.synLoss = 0;
    if (cookie && cookie.len > 0) e.disabledAt = -1;
  }

  /**
   * FreeBSD tcp_fastopen_disable_path: forget the cookie and MSS of
   * `daddr` and send it no Fast Open option until the disable time has
   * passed (an earlier disable time is kept).
   */
  disable(daddr: InetAddress, now: Micros): void {
    this.set(daddr, 0, null, false, 0, now);
    const e = this.#m.get(cacheKey(daddr))!;
    e.mss = 0;
    e.cookie = noCookie();
    if (e.disabledAt < 0) e.disabledAt = now;
  }

  /** Forgets `daddr` (`ip tcp_metrics delete`); true when it was known. */
  delete(daddr: InetAddress): boolean {
    this.#addr.delete(cacheKey(daddr));
    return this.#m.delete(cacheKey(daddr));
  }

  /** Forgets everything (`ip tcp_metrics flush`). */
  flush(): void {
    this.#m.clear();
    this.#addr.clear();
  }

  /** Every destination and what is known about it. */
  *entries(): IterableIterator<[InetAddress, FastOpenMetrics]> {
    for (const [k, m] of this.#m) yield [this.#addr.get(k)!, m];
  }
}

/** The cache's key for an address: IPv4's number, IPv6's canonical text. */
function cacheKey(a: InetAddress): number | string {
  return typeof a === "number" ? a >>> 0 : formatInetAddress(a);
}

/**
 * One connection's Fast Open state (the Fast Open fields of Linux's
 * tcp_sock). Listeners use `maxQlen`/`qlen`/`keys`/`noCookie`, clients the
 * rest; a passive child has `passive`.
 */
export class FastOpenSock {
  /** TCP_FASTOPEN_CONNECT: connect() defers the SYN to the first write. */
  connect = false;
  /** connect() returned at once: the SYN waits for the first write (Linux DEFER_CONNECT). */
  deferred = false;
  /** TCP_FASTOPEN_NO_COOKIE (client: data in the SYN without a cookie; server: accept such data). */
  noCookie = false;
  /** The option the next SYN / SYN-ACK carries (`len` −1: none). Cleared once sent. */
  synCookie: FoCookie = noCookie();
  /** The SYN carried a Fast Open option (request or cookie), and in the experimental form. */
  synFastopen = false;
  synFastopenExp = false;
  /** FreeBSD's implied connect: the bytes the write queued (in the SYN and after it). */
  queued = 0;
  /** Data bytes the SYN carried. */
  synData = 0;
  /** The server acknowledged the SYN's data (TCPI_OPT_SYN_DATA). */
  synDataAcked = false;
  /** Blackhole detection was past its timeout for this connection (Linux syn_fastopen_ch). */
  checkBlackhole = false;
  /** `tcpi_fastopen_client_fail`. */
  clientFail = TFO_STATUS_UNSPEC;
  /** FreeBSD: `TCP_FASTOPEN` on a client socket — sendto's implied connect uses Fast Open. */
  bsdClient = false;
  /** Listener: the TCP_FASTOPEN queue length (0: Fast Open off on this listener). */
  maxQlen = 0;
  /** Listener: Fast Open children not yet through the handshake. */
  qlen = 0;
  /** Listener: its own keys (TCP_FASTOPEN_KEY), else the host's. */
  keys: SipKey[] | null = null;
  /** A sendto/sendmsg is blocked waiting for this connection's handshake (Linux sk_write_pending): the SYN-ACK's ACK waits for its data. */
  writePending = false;
  /** Child: the listener's Fast Open state, while the handshake is incomplete. */
  passive: FastOpenSock | null = null;
}

/** The `t.fo` of a TCB, created on first use. */
export function foOf(t: { fo: FastOpenSock | null }): FastOpenSock {
  return (t.fo ??= new FastOpenSock());
}

/**
 * One host's Fast Open state: the server keys, the client cache and the
 * blackhole detection's counters (Linux's per-netns ipv4 fields).
 */
export class FastOpenHost {
  readonly cache = new FastOpenCache();
  #keys: SipKey[] | null = null;
  /** tfo_active_disable_times / tfo_active_disable_stamp. */
  disableTimes = 0;
  disableStamp: Micros = 0;

  /** `rng`: called once, when the host's key is first needed. */
  constructor(readonly rng: () => Rng) {}

  /** The host's keys, drawn from the host's Rng on first use (Linux tcp_fastopen_init_key_once). */
  keys(): SipKey[] {
    return (this.#keys ??= [sipKeyFromRng(this.rng())]);
  }

  /** Replaces the host's keys (`tcp_fastopen_key`). */
  setKeys(keys: SipKey[]): void {
    this.#keys = keys;
  }

  /**
   * Linux tcp_fastopen_active_should_disable: after a blackhole was
   * detected, active Fast Open pauses for `timeoutSec` · 2^min(n−1, 6)
   * (n detections in a row). Past the pause, `fo` is marked so a
   * successful exchange resets the count.
   */
  shouldDisable(fo: FastOpenSock, timeoutSec: number, now: Micros): boolean {
    if (!timeoutSec || !this.disableTimes) return false;
    const mult = 1 << Math.min(this.disableTimes - 1, 6);
    if (now < this.disableStamp + mult * timeoutSec * SEC) return true;
    fo.checkBlackhole = true;
    return false;
  }

  /** Linux tcp_fastopen_active_disable: one more blackhole detection (when the timeout is on). */
  disable(timeoutSec: number, now: Micros): boolean {
    if (!timeoutSec) return false;
    this.disableStamp = now;
    this.disableTimes++;
    return true;
  }
}

/**
 * Payload bytes a Fast Open SYN carries (Linux tcp_send_syn_data): the MSS
 * of the path MTU (less the network header, 20 bytes for IPv4, 40 for
 * IPv6, and TCP's 20: __tcp_mtu_to_mss), bounded by the server's cached MSS
 * and TCP_MAXSEG, less the largest option space, and no more than the write.
 * @example synDataSpace(1500, 940, 0, 1900) === 900
 */
export function synDataSpace(pmtu: number, cachedMss: number, userMss: number, size: number, netHeader = 20): number {
  let mss = pmtu - netHeader - 20;
  if (cachedMss) mss = Math.min(mss, cachedMss);
  if (userMss) mss = Math.min(mss, userMss);
  return Math.max(0, Math.min(mss - MAX_TCP_OPTION_SPACE, size));
}

/** Called by transmit() for a SYN or SYN-ACK: the Fast Open option it carries, if any (and notes that the SYN had one). */
export function synFastOpenOption(t: { state: TcpState; fo: FastOpenSock | null }): { cookie: Uint8Array; exp: boolean } | undefined {
  const fo = t.fo;
  if (!fo || fo.synCookie.len < 0) return undefined;
  if (t.state === TcpState.SYN_SENT) {
    fo.synFastopen = true;
    fo.synFastopenExp = fo.synCookie.exp;
  }
  return { cookie: fo.synCookie.val.subarray(0, fo.synCookie.len), exp: fo.synCookie.exp };
}
