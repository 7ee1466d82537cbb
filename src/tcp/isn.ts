/**
 * Initial sequence numbers and timestamp offsets, as Linux computes them.
 *
 * RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
 * M a clock that ticks at least every 4 µs. Linux (`secure_tcp_seq` in
 * net/core/secure_seq.c) uses F = SipHash-2-4 over (saddr, daddr,
 * sport << 16 | dport) with a boot-time random key, and
 * M = `ktime_get_real_ns() >> 6` (`seq_scale`), a 64 ns tick — faster
 * than RFC 793's 4 µs, so the ISN space wraps every ~4.6 minutes.
 * Here M is derived from the host clock (µs): ⌊now · 1000 / 64⌋.
 *
 * The TCP timestamp clock (RFC 7323 §5.4) is per connection: Linux adds
 * `secure_tcp_ts_off` = SipHash(saddr, daddr) under a second key to its
 * millisecond clock (`tcp_timestamps` = 1), so TSval never leaks uptime
 * and differs between peers.
 *
 * The addresses are always given local-first (Linux calls these with
 * (saddr, daddr) of the outgoing direction: `tcp_v4_connect` uses the
 * socket's own addresses, `tcp_v4_init_seq` swaps the incoming SYN's).
 */
import type { Rng } from "../core/rng.js";
import type { Micros } from "../core/time.js";
import type { SipKey } from "../core/siphash.js";
import { sipKeyFromBytes, sipKeyFromRng, siphash24, siphash2u32, siphash3u32 } from "../core/siphash.js";
import { inetAddressBytes, type InetAddress } from "../net/inet-address.js";

/**
 * SipHash-2-4 of two addresses of any family (network byte order) followed
 * by 32-bit words (little-endian), as Linux hashes an IPv6 tuple
 * (`secure_tcpv6_seq`, `secure_tcpv6_ts_off`). IPv4 callers use the
 * `siphashNu32` fast paths instead: no buffer.
 * @example
 * import type { SipKey } from "../core/siphash.js";
 * declare const k: SipKey; // given: a secret key
 * siphashAddrs(k, 1, 2, [3]) === siphashAddrs(k, 1, 2, [3]);
 */
export function siphashAddrs(key: SipKey, a: InetAddress, b: InetAddress, words: readonly number[]): number {
  const ab = inetAddressBytes(a);
  const bb = inetAddressBytes(b);
  const buf = new Uint8Array(ab.length + bb.length + 4 * words.length);
  buf.set(ab, 0);
  buf.set(bb, ab.length);
  let o = ab.length + bb.length;
  for (const w of words) {
    buf[o++] = w & 255;
    buf[o++] = (w >>> 8) & 255;
    buf[o++] = (w >>> 16) & 255;
    buf[o++] = (w >>> 24) & 255;
  }
  return siphash24(key, buf);
}

/**
 * Where the two clocks stood when the host's scheduler read 0, for a host
 * running in real time (src/node/ computes them; the stack never reads a
 * clock itself). In virtual time both are 0.
 */
export interface IsnClockBase {
  /** The wall clock (Linux `ktime_get_real`) in µs since the epoch: the ISN clock. */
  wallMicros: number;
  /** The monotonic clock (Linux `tcp_clock_ms`, CLOCK_MONOTONIC) in ms: the TSval clock. */
  monotonicMillis: number;
}

/**
 * The per-host secrets and the ISN / TS-offset functions.
 * @example
 * const g = new IsnGenerator(new Rng(1).fork("tcp-isn"));
 * const [local, remote] = [ipv4("10.0.0.1"), ipv4("10.0.0.2")];
 * const iss = g.isn(local, 47513, remote, 9090, 0);
 * const tsOff = g.tsOffset(local, remote);
 * g.isn(local, 47513, remote, 9090, 0) === iss; // same 4-tuple, same instant: same ISN
 */
export class IsnGenerator {
  #seqKey: SipKey;
  #tsKey: SipKey;
  /** ISN clock ticks at scheduler time 0, split as ⌊base·15.625⌋ mod 2^32 and the remainder in 64ths. */
  #isnTicks = 0;
  #isnFrac64 = 0;
  /** ms added to every TS offset. */
  #tsBase = 0;

  /** Draws both 128-bit secrets from `rng` (deterministic per seed). */
  constructor(rng: Rng) {
    this.#seqKey = sipKeyFromRng(rng);
    this.#tsKey = sipKeyFromRng(rng);
  }

  /**
   * The ISN for a connection (Linux `secure_tcp_seq` + `seq_scale`), an
   * unsigned 32-bit number. Two calls for the same 4-tuple differ only by
   * the clock term, so a new incarnation starts ahead of the old one
   * (RFC 6528 §3, RFC 9293 §3.4.1).
   */
  isn(localAddr: InetAddress, localPort: number, remoteAddr: InetAddress, remotePort: number, now: Micros): number {
    const ports = ((localPort << 16) | remotePort) >>> 0;
    const f = typeof localAddr === "number" && typeof remoteAddr === "number"
      ? siphash3u32(this.#seqKey, localAddr, remoteAddr, ports)
      : siphashAddrs(this.#seqKey, localAddr, remoteAddr, [ports]);
    // ⌊(base + now)·15.625⌋ = ⌊base·15.625⌋ + ⌊frac(base·15.625) + now·15.625⌋, both terms exact.
    const m = this.#isnFrac64 === 0 ? isnClock(now) : Math.floor(this.#isnFrac64 / 64 + now * 15.625) % 4294967296;
    return (f + this.#isnTicks + m) >>> 0;
  }

  /**
   * The connection's timestamp offset (Linux `secure_tcp_ts_off`, which
   * hashes only the addresses): add it to the ms clock, see {@link tsVal}.
   */
  tsOffset(localAddr: InetAddress, remoteAddr: InetAddress): number {
    const h = typeof localAddr === "number" && typeof remoteAddr === "number"
      ? siphash2u32(this.#tsKey, localAddr, remoteAddr)
      : siphashAddrs(this.#tsKey, localAddr, remoteAddr, []);
    return (h + this.#tsBase) >>> 0;
  }

  /**
   * Real time: the ISN clock becomes the wall clock and the TSval clock the
   * monotonic one, as on Linux, so successive runs of a real-time host (or
   * a restart) give the same 4-tuple a later ISN and the same address pair
   * a later TSval — a new SYN is accepted by a peer's TIME-WAIT (RFC 6191,
   * Linux `tcp_timewait_state_process`) instead of colliding with it.
   * @example
   * declare const isn: IsnGenerator; // given: a real-time host's `host.tcp.isn`
   * isn.setClockBase({ wallMicros: 1_796_320_000_000_000, monotonicMillis: 123_456 });
   */
  setClockBase(base: IsnClockBase): void {
    const w = BigInt(Math.floor(base.wallMicros)) * 1000n; // ns; one tick is 64 ns
    this.#isnTicks = Number((w / 64n) % 4294967296n);
    this.#isnFrac64 = Number(w % 64n);
    this.#tsBase = Math.floor(base.monotonicMillis) >>> 0;
  }

  /**
   * Replaces both secrets with 32 bytes (seq key, then TS key) — the
   * boot-time keys of a machine that outlives one process, such as a TUN
   * bridge session shared by several runs (Linux draws them once per boot).
   */
  rekey(secret: Uint8Array): void {
    if (secret.length !== 32) throw new RangeError("an ISN secret is 32 bytes");
    this.#seqKey = sipKeyFromBytes(secret.subarray(0, 16));
    this.#tsKey = sipKeyFromBytes(secret.subarray(16, 32));
  }
}

/**
 * RFC 6528's M: Linux's `ktime_get_real_ns() >> 6` (64 ns ticks) mod 2^32.
 * 15.625 = 1000/64 is exact in binary, so this is exact for any µs time
 * below 2^53/16.
 */
export function isnClock(now: Micros): number {
  return Math.floor(now * 15.625) % 4294967296;
}

/**
 * The TSval to send (RFC 7323 §5.4): Linux's millisecond TCP clock
 * (`tcp_time_stamp_ms`) plus the connection's offset, mod 2^32.
 * @example tsVal(2_500_000, 100) === 2600 // 2500 ms + the offset
 */
export function tsVal(now: Micros, tsOffset: number): number {
  return (Math.floor(now / 1000) + tsOffset) >>> 0;
}
