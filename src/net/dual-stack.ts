/**
 * Linux's dual stack for the transports: which bound sockets take a
 * packet, and which bound addresses overlap for bind()'s EADDRINUSE, when
 * AF_INET and AF_INET6 sockets share a port.
 *
 * A socket's local address says it all, with one flag: an AF_INET socket
 * and an AF_INET6 socket bound to an IPv4-mapped address (`::ffff:a.b.c.d`,
 * kept as the IPv4 number, src/net/README.md) hold an IPv4 address; an
 * AF_INET6 socket bound to `::` holds the IPv6 wildcard and takes IPv4 too
 * unless it is `IPV6_V6ONLY`; one bound to another IPv6 address takes
 * that address only. So a socket covers an IPv4 part (an address, the
 * wildcard 0, or nothing) and an IPv6 part, and two sockets overlap when
 * either part does — Linux's inet_rcv_saddr_equal / ipv6_rcv_saddr_equal,
 * pinned against Linux 6.18 for every pair of seven bindings by
 * test/syscalls/dual-stack.test.ts.
 */
import { addrEq, isAnyAddress, type InetAddress } from "./inet-address.js";

/**
 * Do two bound local addresses overlap (bind conflict candidates)? `aOnly`
 * / `bOnly` are the sockets' IPV6_V6ONLY (meaningful for the IPv6
 * wildcard only).
 * @example bindOverlap(0, false, 0x7f000001, false) === true // 0.0.0.0 covers 127.0.0.1
 */
export function bindOverlap(a: InetAddress, aOnly: boolean, b: InetAddress, bOnly: boolean): boolean {
  const a4 = typeof a === "number", b4 = typeof b === "number";
  if (a4 && b4) return a === 0 || b === 0 || a === b;
  if (!a4 && !b4) return isAnyAddress(a) || isAnyAddress(b) || addrEq(a, b);
  // One IPv4 address, one IPv6 address: only a dual-stack IPv6 wildcard covers IPv4.
  const v6 = (a4 ? b : a) as Exclude<InetAddress, number>;
  return isAnyAddress(v6) && !(a4 ? bOnly : aOnly);
}

/**
 * How well a socket bound to `local` (IPV6_V6ONLY `v6only`) matches a
 * packet for `dst`: -1 not at all; otherwise a score where the exact
 * address (4) beats a wildcard, and for IPv4 an AF_INET wildcard (1) beats
 * a dual-stack AF_INET6 one (0) — Linux's compute_score gives PF_INET
 * sockets one point more for IPv4 packets.
 */
export function localMatch(local: InetAddress, v6only: boolean, dst: InetAddress): number {
  if (typeof dst === "number") {
    if (typeof local === "number") return local === dst ? 5 : local === 0 ? 1 : -1;
    return isAnyAddress(local) && !v6only ? 0 : -1;
  }
  if (typeof local === "number") return -1;
  return isAnyAddress(local) ? 0 : addrEq(local, dst) ? 4 : -1;
}
