/**
 * Linux's per-destination ICMP rate limit (`inet_peer_xrlim_allow`): a
 * token bucket per peer that refills at one token per microsecond of
 * virtual time, holds at most XRLIM_BURST_FACTOR × `timeout`, and spends
 * `timeout` per message sent. Shared by ICMP (icmp_ratelimit) and ICMPv6
 * (icmpv6_ratelimit, scaled by the destination's prefix length first).
 */
import type { Micros } from "../core/time.js";

/** Linux inetpeer's XRLIM_BURST_FACTOR: the bucket holds six messages' worth. */
export const XRLIM_BURST_FACTOR = 6;

/** One peer's bucket. */
export interface XrlimPeer {
  tokens: Micros;
  last: Micros;
}

/**
 * Whether one more message to `key` may go now; spends its tokens when it may.
 * @example
 * const peers = new Map<number, XrlimPeer>();
 * xrlimAllow(peers, 1, 1000, 0) === true;
 */
export function xrlimAllow<K>(peers: Map<K, XrlimPeer>, key: K, timeout: Micros, now: Micros): boolean {
  const max = XRLIM_BURST_FACTOR * timeout;
  let p = peers.get(key);
  if (!p) {
    p = { tokens: max, last: now };
    peers.set(key, p);
  }
  const tokens = Math.min(p.tokens + (now - p.last), max);
  p.last = now;
  if (tokens >= timeout) {
    p.tokens = tokens - timeout;
    return true;
  }
  p.tokens = tokens;
  return false;
}
