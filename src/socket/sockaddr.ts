/**
 * Socket addresses at the syscall boundary. Addresses are written as
 * `inet_pton` input: `{ family: AF_INET, addr: "10.0.0.1", port: 9090 }`,
 * `{ family: AF_INET6, addr: "::1", port: 9090 }`. A Python-style tuple
 * `["10.0.0.1", 9090]` or `["::1", 9090]` is accepted wherever a
 * sockaddr_in / sockaddr_in6 is.
 */
import { AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC } from "./constants.js";
import type { ErrnoCode } from "../core/errno.js";
import { formatInetAddress, isAnyAddress, isInet4, needsScopeId, parseInetAddress, NET_AF_INET, NET_AF_INET6, type InetAddress } from "../net/inet-address.js";

export { needsScopeId };
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
 * What a syscall uses an address for: Linux checks a sockaddr differently
 * in inet6_bind, tcp_v6_connect, ip6_datagram_connect and udpv6_sendmsg.
 */
export type InetUse = "bind" | "connect" | "dgram-connect" | "sendto";

/**
 * The endpoint `a` names for an internet socket of `family`, with Linux's
 * errnos (pinned by test/syscalls/dual-stack.test.ts). An AF_INET socket
 * takes sockaddr_in only (EAFNOSUPPORT). An AF_INET6 socket takes
 * sockaddr_in6; a sockaddr_in is too short for bind and TCP's connect
 * (EINVAL) but UDP takes it as IPv4 (EAFNOSUPPORT / ENETUNREACH when
 * `v6only`). An IPv4-mapped address is IPv4: EINVAL to bind when
 * `v6only`, ENETUNREACH to reach when `v6only` or when the socket is bound
 * to an IPv6 address; an IPv6 destination from a socket bound to IPv4
 * (`bound`, a mapped address or an IPv4 connect's source) is EAFNOSUPPORT.
 * The unspecified address as a connect or sendto destination is this
 * host (`::1`, `127.0.0.1`), as Linux.
 */
export function inetEndpoint(family: number, v6only: boolean, bound: InetAddress | null, a: SockAddr, use: InetUse): { addr: InetAddress; port: number } | ErrnoCode {
  if (family !== AF_INET6 || a.family === AF_INET) {
    if (family === AF_INET6) {
      // ip6_datagram_connect and udpv6_sendmsg take a sockaddr_in as IPv4; inet6_bind and tcp_v6_connect find it too short.
      if (use === "bind" || use === "connect") return "EINVAL";
      if (v6only) return use === "sendto" ? "ENETUNREACH" : "EAFNOSUPPORT";
    } else if (a.family !== AF_INET) return "EAFNOSUPPORT";
    const r = parseInet(a);
    if (r !== "EINVAL" && (use === "connect" || use === "sendto") && r.addr === 0) r.addr = 0x7f000001;
    return r;
  }
  if (a.family !== AF_INET6) return "EAFNOSUPPORT";
  const r = parseInet(a);
  if (r === "EINVAL") return r;
  const mapped = typeof r.addr === "number";
  if (use === "bind") return mapped && v6only ? "EINVAL" : r;
  if (mapped) {
    if (v6only || (bound !== null && typeof bound !== "number" && !isAnyAddress(bound))) return "ENETUNREACH";
    if (r.addr === 0 && use !== "dgram-connect") r.addr = 0x7f000001;
  } else {
    if (bound !== null && typeof bound === "number") return "EAFNOSUPPORT";
    if (isAnyAddress(r.addr) && use !== "dgram-connect") r.addr = parseInetAddress(NET_AF_INET6, "::1")!;
  }
  return r;
}

/** The sin6_scope_id of a sockaddr (0 for none or another family). */
export function scopeIdOf(a: SockAddr): number {
  return a.family === AF_INET6 && Number.isInteger(a.scopeId) && a.scopeId! > 0 ? a.scopeId! >>> 0 : 0;
}

/**
 * The interface a socket becomes bound to when it binds or connects to
 * `addr` named with `scopeId`, by Linux's rules (inet6_bind,
 * tcp_v6_connect, ip6_datagram_connect): an address that needs a scope
 * takes the scope id, which must agree with the interface the socket is
 * already bound to (else EINVAL), and without either it is EINVAL; other
 * addresses ignore the scope id. Returns the interface index (0: none).
 */
export function scopeBinding(addr: InetAddress, scopeId: number, boundIf: number): number | "EINVAL" {
  if (!needsScopeId(addr)) return boundIf;
  if (scopeId) {
    if (boundIf && boundIf !== scopeId) return "EINVAL";
    return scopeId;
  }
  return boundIf || "EINVAL";
}

/**
 * The socket address of an endpoint as a socket of `family` names it: a
 * sockaddr_in for an IPv4 address of an AF_INET socket, a sockaddr_in6
 * for an AF_INET6 socket (IPv4 endpoints in their mapped form; a
 * link-local address with `ifindex` as its scope id). An IPv6 address on
 * an AF_INET socket is a programming error (TypeError).
 */
export function inetAddr(addr: InetAddress, port: number, family: number = AF_INET, ifindex = 0): SockAddrIn | SockAddrIn6 {
  if (family === AF_INET6) {
    // An AF_INET6 socket names IPv4 endpoints by their mapped form (::ffff:a.b.c.d), as Linux's dual stack.
    const text = isInet4(addr) ? formatIpv6Address(v4Mapped(addr)) : formatInetAddress(addr);
    return { family: AF_INET6, addr: text, port, flowinfo: 0, scopeId: needsScopeId(addr) ? ifindex : 0 };
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
