/**
 * Socket addresses at the syscall boundary. IPv4 addresses are written as
 * dotted quads, like `inet_pton` input: `{ family: AF_INET, addr: "10.0.0.1", port: 9090 }`.
 * A Python-style tuple `["10.0.0.1", 9090]` is accepted wherever a
 * sockaddr_in is.
 */
import { AF_INET, AF_UNIX, AF_UNSPEC } from "./constants.js";
import { formatIpv4Address, parseIpv4Address, type Ipv4Address } from "../wire/ipv4-address.js";

/** struct sockaddr_in. */
export interface SockAddrIn {
  family: typeof AF_INET;
  addr: string;
  port: number;
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
export type SockAddr = SockAddrIn | SockAddrUn | SockAddrUnspec;

/** What syscalls accept as an address. */
export type SockAddrLike = SockAddr | readonly [string, number];

/**
 * Builds a sockaddr_in.
 * @example sockaddrIn("0.0.0.0", 9090)
 */
export function sockaddrIn(addr: string, port: number): SockAddrIn {
  return { family: AF_INET, addr, port };
}

/** Normalises the tuple form to a SockAddr. */
export function toSockAddr(a: SockAddrLike): SockAddr {
  if (Array.isArray(a)) return { family: AF_INET, addr: a[0] as string, port: a[1] as number };
  return a as SockAddr;
}

/** Parsed IPv4 endpoint, or an errno when the address is malformed. */
export function parseInet(a: SockAddrIn): { addr: Ipv4Address; port: number } | "EINVAL" {
  const addr = parseIpv4Address(a.addr === "" ? "0.0.0.0" : a.addr);
  if (addr === null || !Number.isInteger(a.port) || a.port < 0 || a.port > 65535) return "EINVAL";
  return { addr, port: a.port };
}

/** A sockaddr_in for a numeric address. */
export function inetAddr(addr: Ipv4Address, port: number): SockAddrIn {
  return { family: AF_INET, addr: formatIpv4Address(addr), port };
}

/** `10.0.0.1:9090` */
export function formatSockAddr(a: SockAddr): string {
  if (a.family === AF_INET) return `${a.addr}:${a.port}`;
  if (a.family === AF_UNIX) return a.path || "(unnamed)";
  return "(unspec)";
}
