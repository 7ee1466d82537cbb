/**
 * Port allocation for one host's TCP: bind()'s ephemeral choice (Linux
 * inet_csk_find_open_port: odd ports, so even ones stay free for
 * connect()) and connect()'s (Linux __inet_hash_connect: a keyed hash of
 * the destination plus a perturbation, even ports first, a port shared
 * with other destinations when the 4-tuple is unique — A7 — and TIME-WAIT
 * reuse under `tcp_tw_reuse`).
 */
import type { ErrnoCode } from "../core/errno.js";
import type { StackContext } from "../core/stack-context.js";
import { SEC } from "../core/time.js";
import { addrId, addrKey, isAnyAddress, type InetAddress } from "../net/inet-address.js";
import type { NetStack } from "../net/network-layer.js";
import { destroyTimeWait } from "./lifecycle.js";
import type { TcpTables } from "./tables.js";
import type { Tcb } from "./tcb.js";
import type { TcpLayer } from "./tcp-layer.js";
import { TimeWaitSock } from "./timewait.js";

/** Size of the connect() port perturbation table (Linux INET_TABLE_PERTURB_SIZE is 2^16; fewer suffice here). */
const PERTURB_SLOTS = 256;

/**
 * A keyed 32-bit hash of three words (SO_REUSEPORT selection, port offsets).
 * @example hash4(1, 2, 3, 7) === hash4(1, 2, 3, 7) // keyed, deterministic
 */
export function hash4(a: number, b: number, c: number, key: number): number {
  let h = key ^ 0x9e3779b9;
  for (const v of [a, b, c]) {
    h = Math.imul(h ^ v, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** The port choices of one host's TCP (state: the perturbation table and a memo of full destinations). */
export class PortAllocator {
  /** Destinations whose even ports were all taken, and the release count when that was seen. */
  readonly #evenFull = new Map<string, number>();
  /** Counts connections ending (each may free a port or a 4-tuple). */
  #releaseGen = 0;
  /** Linux table_perturb: per-destination-hash offsets for connect()'s port search. */
  readonly #perturb = new Uint32Array(PERTURB_SLOTS);

  constructor(readonly ctx: StackContext, readonly net: NetStack, readonly tables: TcpTables, readonly hashKey: number) {}

  /** Notes that a connection (or TIME-WAIT record) ended: a port or 4-tuple may be free again. */
  released(): void {
    this.#releaseGen++;
  }

  /**
   * bind(): claims `addr:port` for `t` (port 0 = an ephemeral port; Linux
   * inet_csk_find_open_port prefers odd ports for bind so that even ones stay
   * free for connect()).
   */
  bind(t: Tcb, addr: InetAddress, port: number, nonlocal = false): ErrnoCode | null {
    if (t.portHeld) return "EINVAL";
    // `nonlocal`: IP_FREEBIND (Linux inet_addr_valid_or_nonlocal).
    if (!nonlocal && !isAnyAddress(addr) && !this.net.of(addr).isLocalAddress(addr)) return "EADDRNOTAVAIL";
    if (port === 0) {
      const [lo, hi] = this.ctx.sysctl.ip_local_port_range;
      const n = hi - lo + 1;
      let start = (lo + this.ctx.rng.below(n)) | 1;
      for (let i = 0; i < n; i++) {
        let p = start + 2 * i;
        if (p > hi) p = lo + ((p - lo) % n);
        if (!this.tables.bucket(p) && !this.tables.bindConflict(t, addr, p)) {
          port = p;
          break;
        }
      }
      if (port === 0) {
        // Odd ports exhausted: try the even ones.
        start = lo & ~1;
        for (let p = start; p <= hi; p += 2) {
          if (p >= lo && !this.tables.bindConflict(t, addr, p)) {
            port = p;
            break;
          }
        }
      }
      if (port === 0) return "EADDRINUSE";
    } else if (this.tables.bindConflict(t, addr, port)) {
      return "EADDRINUSE";
    }
    t.localAddr = addr;
    t.localPort = port;
    t.bindExplicit = true;
    t.portHeld = true;
    this.tables.bindPort(t, false);
    return null;
  }

  /**
   * connect()'s port choice (Linux __inet_hash_connect): start at a keyed hash
   * of the destination plus a perturbation, step by 2 (even ports first),
   * and take a port whose bucket came from connect() if the 4-tuple is
   * unique there (A7: the same local port serves different destinations),
   * or a free one. A TIME-WAIT holder may be reused under `tcp_tw_reuse`.
   * Returns 0 when every port is taken.
   */
  connectPort(tl: TcpLayer, laddr: InetAddress, raddr: InetAddress, rport: number): number {
    const [lo, hi] = this.ctx.sysctl.ip_local_port_range;
    const n = hi - lo + 1;
    const lk = addrKey(laddr);
    const rk = addrKey(raddr);
    const slot = hash4(lk, rk, rport, this.hashKey ^ 0x5bd1e995) & (PERTURB_SLOTS - 1);
    const offset = (hash4(lk, rk, rport, this.hashKey) + this.#perturb[slot]!) % n;
    // Even ports first (odd ones are bind()'s), then odd; like Linux, the per-destination
    // perturbation moves on by the number of ports tried, so the next connect starts after them.
    // Once every even port is taken for this destination, skip straight to the odd ones until
    // some connection goes away (the outcome is the same; the scan is not repeated per connect).
    const key = `${addrId(laddr)}:${addrId(raddr)}:${rport}`;
    const evenFull = this.#evenFull.get(key) === this.#releaseGen;
    let i = evenFull ? n + (n & 1) : 0;
    for (; i < 2 * n; i += 2) {
      if (i >= n && !evenFull && i < n + 2) this.#evenFull.set(key, this.#releaseGen);
      const k = i < n ? i : i - n + 1;
      let p = lo + ((offset + k) % n);
      p = i < n ? p & ~1 : p | 1;
      if (p < lo || p > hi) continue;
      const b = this.tables.bucket(p);
      if (b) {
        if (!b.fromConnect) continue;
        const other = this.tables.lookup(laddr, p, raddr, rport);
        if (other) {
          if (!(other instanceof TimeWaitSock) || !this.twReusable(other)) continue;
          destroyTimeWait(tl, other);
        }
      }
      this.#perturb[slot] = (this.#perturb[slot]! + i + 2) >>> 0;
      return p;
    }
    return 0;
  }

  /** Linux tcp_twsk_unique: tcp_tw_reuse (2 = loopback only) needs timestamps and a TIME-WAIT older than 1 s. */
  twReusable(tw: TimeWaitSock): boolean {
    const mode = this.ctx.sysctl.tcp_tw_reuse;
    if (mode === 0 || !tw.tsOk) return false;
    if (mode === 2 && !this.net.of(tw.remoteAddr).isLoopback(tw.remoteAddr)) return false;
    return this.ctx.scheduler.now() - tw.tsRecentStamp > 1 * SEC;
  }
}
