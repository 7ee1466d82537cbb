/**
 * Byte-order and address helpers of E5 (`<arpa/inet.h>`), with Linux
 * x86-64 behaviour: the host is little-endian, so `htons(0x1234)` is
 * 0x3412 and network order is big-endian, as on the wire.
 *
 * Addresses inside sockstack are numbers in host order (`0x7f000001` for
 * 127.0.0.1) and strings at the syscall boundary; these functions convert
 * between those and the network-order bytes C programs see.
 */
import { SysError } from "../core/sys-error.js";
import { AF_INET, AF_INET6 } from "../socket/constants.js";
import { formatIpv4Address, parseIpv4Address } from "../wire/ipv4-address.js";
import { formatIpv6Address, parseIpv6Address } from "../wire/ipv6-address.js";

export { INADDR_ANY, INADDR_LOOPBACK, INADDR_BROADCAST } from "../wire/ipv4-address.js";
/** INADDR_NONE: what inet_addr returns for a malformed address. */
export const INADDR_NONE = 0xffffffff;
/** Text buffer sizes of inet_ntop. */
export const INET_ADDRSTRLEN = 16;
export const INET6_ADDRSTRLEN = 46;

/**
 * Host → network order, 16 bits (a byte swap on little-endian Linux).
 * @example htons(9090) === 0x8223
 */
export function htons(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}

/** Network → host order, 16 bits. */
export const ntohs = htons;

/**
 * Host → network order, 32 bits (unsigned result).
 * @example htonl(0x7f000001) === 0x0100007f
 */
export function htonl(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | ((x >>> 24) & 0xff)) >>> 0;
}

/** Network → host order, 32 bits. */
export const ntohl = htonl;

/**
 * inet_pton(3): text → network-order bytes (4 for AF_INET, 16 for AF_INET6);
 * null for malformed text (C returns 0); an unknown family throws
 * EAFNOSUPPORT (C returns −1). AF_INET accepts only dotted quads.
 * @example inet_pton(AF_INET, "10.0.0.1") // Uint8Array [10, 0, 0, 1]
 */
export function inet_pton(af: number | "AF_INET" | "AF_INET6", src: string): Uint8Array | null {
  const f = af === "AF_INET" ? AF_INET : af === "AF_INET6" ? AF_INET6 : af;
  if (typeof src !== "string") throw new SysError("EFAULT", "inet_pton", `src: expected a string, got ${src === null ? "null" : typeof src}`);
  if (f === AF_INET) {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(src)) return null;
    const a = parseIpv4Address(src);
    if (a === null) return null;
    return new Uint8Array([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255]);
  }
  if (f === AF_INET6) return parseIpv6Address(src);
  throw new SysError("EAFNOSUPPORT", "inet_pton");
}

/**
 * inet_ntop(3): network-order bytes → text (for IPv6 glibc's RFC 5952 form,
 * with its dotted tails for ::ffff:a.b.c.d and ::a.b.c.d: wire/ipv6-address.ts).
 * @example inet_ntop(AF_INET, new Uint8Array([127, 0, 0, 1])) === "127.0.0.1"
 */
export function inet_ntop(af: number | "AF_INET" | "AF_INET6", src: Uint8Array): string {
  const f = af === "AF_INET" ? AF_INET : af === "AF_INET6" ? AF_INET6 : af;
  if (!(src instanceof Uint8Array)) throw new SysError("EFAULT", "inet_ntop", "src: expected a Uint8Array of network-order bytes");
  if (f === AF_INET) {
    if (src.length < 4) throw new SysError("EINVAL", "inet_ntop", `src: an IPv4 address is 4 bytes, got ${src.length}`);
    return `${src[0]}.${src[1]}.${src[2]}.${src[3]}`;
  }
  if (f === AF_INET6) {
    if (src.length < 16) throw new SysError("EINVAL", "inet_ntop", `src: an IPv6 address is 16 bytes, got ${src.length}`);
    return formatIpv6Address(src.subarray(0, 16));
  }
  throw new SysError("EAFNOSUPPORT", "inet_ntop");
}

/**
 * inet_addr(3): dotted quad → address in network order as a number
 * (INADDR_NONE when malformed). Most code here wants {@link inet_aton}.
 */
export function inet_addr(cp: string): number {
  const b = inet_pton(AF_INET, cp);
  return b ? ((b[3]! << 24) | (b[2]! << 16) | (b[1]! << 8) | b[0]!) >>> 0 : INADDR_NONE;
}

/** inet_aton(3) for dotted quads: the address as a host-order number, or null. */
export function inet_aton(cp: string): number | null {
  return parseIpv4Address(cp);
}

/** inet_ntoa(3): host-order number → dotted quad. */
export function inet_ntoa(addr: number): string {
  return formatIpv4Address(addr >>> 0);
}
