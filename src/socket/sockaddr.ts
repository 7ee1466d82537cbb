/**
 * Socket addresses at the syscall boundary. IPv4 addresses are written as
 * dotted quads, like `inet_pton` input: `{ family: AF_INET, addr: "10.0.0.1", port: 9090 }`.
 * A Python-style tuple `["10.0.0.1", 9090]` is accepted wherever a
 * sockaddr_in is.
 */
import { AF_INET, AF_UNIX, AF_UNSPEC } from "./constants.js";
import { formatInetAddress, isInet4, parseInetAddress, NET_AF_INET, type InetAddress } from "../net/inet-address.js";

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

/**
 * The endpoint of an internet socket address (the family-neutral
 * {@link InetAddress} and the port), or EINVAL when it is malformed.
 */
export function parseInet(a: SockAddrIn): { addr: InetAddress; port: number } | "EINVAL" {
  const addr = parseInetAddress(NET_AF_INET, a.addr === "" ? "0.0.0.0" : a.addr);
  if (addr === null || !Number.isInteger(a.port) || a.port < 0 || a.port > 65535) return "EINVAL";
  return { addr, port: a.port };
}

/**
 * The socket address of an endpoint: a sockaddr_in for an IPv4 address.
 * Another family's sockaddr (sockaddr_in6) is that family's to add here;
 * until then such an address is a programming error (TypeError).
 */
export function inetAddr(addr: InetAddress, port: number): SockAddrIn {
  if (!isInet4(addr)) throw new TypeError(`no sockaddr for address family ${addr.family}`);
  return { family: AF_INET, addr: formatInetAddress(addr), port };
}

/** `10.0.0.1:9090` */
export function formatSockAddr(a: SockAddr): string {
  if (a.family === AF_INET) return `${a.addr}:${a.port}`;
  if (a.family === AF_UNIX) return a.path || "(unnamed)";
  return "(unspec)";
}
