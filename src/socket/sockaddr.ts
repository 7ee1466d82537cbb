/**
 * Socket addresses at the syscall boundary. Addresses are written as
 * `inet_pton` input: `{ family: AF_INET, addr: "10.0.0.1", port: 9090 }`,
 * `{ family: AF_INET6, addr: "::1", port: 9090 }`. A Python-style tuple
 * `["10.0.0.1", 9090]` or `["::1", 9090]` is accepted wherever a
 * sockaddr_in / sockaddr_in6 is.
 */
import { AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC } from "./constants.js";
import { formatInetAddress, isInet4, parseInetAddress, NET_AF_INET, NET_AF_INET6, type InetAddress } from "../net/inet-address.js";
import { formatIpv6Address, isV4Mapped, parseIpv6Text, v4FromMapped, v4Mapped } from "../wire/ipv6-address.js";

/** struct sockaddr_in. */
export interface SockAddrIn {
  family: typeof AF_INET;
  addr: string;
  port: number;
}

/**
 * struct sockaddr_in6: the address in RFC 5952 text (`"::1"`,
 * `"fe80::1%eth0"` — a zone names the scope), the port, and the optional
 * flow information and scope id.
 */
export interface SockAddrIn6 {
  family: typeof AF_INET6;
  addr: string;
  port: number;
  flowinfo?: number;
  scopeId?: number;
}

/** struct sockaddr_un. `path` "" is an unnamed socket. */
export interface SockAddrUn {
  family: typeof AF_UNIX;
  path: string;
}

/** AF_UNSPEC (used to disconnect a datagram socket). */
export interface SockAddrUnspec {
  family: typeof AF_UNSPEC;
}

/** Any socket address. */
export type SockAddr = SockAddrIn | SockAddrIn6 | SockAddrUn | SockAddrUnspec;

/** What syscalls accept as an address. */
export type SockAddrLike = SockAddr | readonly [string, number];

/**
 * Builds a sockaddr_in.
 * @example sockaddrIn("0.0.0.0", 9090)
 */
export function sockaddrIn(addr: string, port: number): SockAddrIn {
  return { family: AF_INET, addr, port };
}

/**
 * Builds a sockaddr_in6.
 * @example sockaddrIn6("::1", 80)
 */
export function sockaddrIn6(addr: string, port: number, scopeId = 0): SockAddrIn6 {
  return { family: AF_INET6, addr, port, flowinfo: 0, scopeId };
}

/** Normalises the tuple form to a SockAddr (an address with a `:` is IPv6, as Python's AF_INET6 tuples). */
export function toSockAddr(a: SockAddrLike): SockAddr {
  if (Array.isArray(a)) {
    const host = a[0] as string;
    if (host.includes(":")) return { family: AF_INET6, addr: host, port: a[1] as number, flowinfo: 0, scopeId: 0 };
    return { family: AF_INET, addr: host, port: a[1] as number };
  }
  return a as SockAddr;
}

/**
 * The endpoint of an internet socket address (the family-neutral
 * {@link InetAddress} and the port), or EINVAL when it is malformed.
 */
export function parseInet(a: SockAddr): { addr: InetAddress; port: number } | "EINVAL" {
  if (a.family !== AF_INET && a.family !== AF_INET6) return "EINVAL";
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) return "EINVAL";
  if (a.family === AF_INET6) {
    // An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 endpoint: a dual-stack socket talks IPv4 (RFC 4038 §4.2).
    const t = parseIpv6Text(a.addr === "" ? "::" : a.addr);
    if (!t) return "EINVAL";
    if (isV4Mapped(t.addr)) return { addr: v4FromMapped(t.addr), port: a.port };
    const addr = parseInetAddress(NET_AF_INET6, formatIpv6Address(t.addr));
    return addr === null ? "EINVAL" : { addr, port: a.port };
  }
  const addr = parseInetAddress(NET_AF_INET, a.addr === "" ? "0.0.0.0" : a.addr);
  if (addr === null) return "EINVAL";
  return { addr, port: a.port };
}

/**
 * The socket address of an endpoint as a socket of `family` names it: a
 * sockaddr_in for an IPv4 address of an AF_INET socket, a sockaddr_in6
 * for an AF_INET6 socket (IPv4 endpoints in their mapped form). An IPv6
 * address on an AF_INET socket is a programming error (TypeError).
 */
export function inetAddr(addr: InetAddress, port: number, family: number = AF_INET): SockAddrIn | SockAddrIn6 {
  if (family === AF_INET6) {
    // An AF_INET6 socket names IPv4 endpoints by their mapped form (::ffff:a.b.c.d), as Linux's dual stack.
    const text = isInet4(addr) ? formatIpv6Address(v4Mapped(addr)) : formatInetAddress(addr);
    return { family: AF_INET6, addr: text, port, flowinfo: 0, scopeId: 0 };
  }
  if (!isInet4(addr)) throw new TypeError(`no sockaddr_in for address family ${addr.family}`);
  return { family: AF_INET, addr: formatInetAddress(addr), port };
}

/** `10.0.0.1:9090` */
export function formatSockAddr(a: SockAddr): string {
  if (a.family === AF_INET) return `${a.addr}:${a.port}`;
  if (a.family === AF_INET6) return `[${a.addr}]:${a.port}`;
  if (a.family === AF_UNIX) return a.path || "(unnamed)";
  return "(unspec)";
}
