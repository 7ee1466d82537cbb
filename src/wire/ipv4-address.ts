/**
 * IPv4 addresses are unsigned 32-bit numbers in host order inside the
 * stack (fast to compare, hash and mask); these helpers convert to and from
 * dotted quads.
 */

/** An IPv4 address as an unsigned 32-bit number (host order). */
export type Ipv4Address = number;

/**
 * Parses a dotted quad; returns null when `s` is not one.
 * @example parseIpv4Address("10.0.0.1") === 0x0a000001
 */
export function parseIpv4Address(s: string): Ipv4Address | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v >>> 0;
}

/**
 * Like {@link parseIpv4Address} but throws a TypeError on bad input
 * (for configuration code, not for packet or syscall paths).
 */
export function ipv4(s: string): Ipv4Address {
  const v = parseIpv4Address(s);
  if (v === null) throw new TypeError(`not an IPv4 address: ${JSON.stringify(s)}`);
  return v;
}

/**
 * Formats an address as a dotted quad.
 * @example formatIpv4Address(0x7f000001) === "127.0.0.1"
 */
export function formatIpv4Address(a: Ipv4Address): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** The netmask of a prefix length: 24 → 0xffffff00. */
export function prefixMask(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

/** True when `a` lies in `net/prefixLen`. */
export function inPrefix(a: Ipv4Address, net: Ipv4Address, prefixLen: number): boolean {
  const m = prefixMask(prefixLen);
  return ((a & m) >>> 0) === ((net & m) >>> 0);
}

/** Reads a big-endian address at `off`. */
export function readIpv4Address(buf: Uint8Array, off: number): Ipv4Address {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

/** Writes a big-endian address at `off`. */
export function writeIpv4Address(buf: Uint8Array, off: number, a: Ipv4Address): void {
  buf[off] = a >>> 24;
  buf[off + 1] = (a >>> 16) & 255;
  buf[off + 2] = (a >>> 8) & 255;
  buf[off + 3] = a & 255;
}

/** 0.0.0.0 */
export const INADDR_ANY: Ipv4Address = 0;
/** 127.0.0.1 */
export const INADDR_LOOPBACK: Ipv4Address = 0x7f000001;
/** 255.255.255.255 */
export const INADDR_BROADCAST: Ipv4Address = 0xffffffff;

/** True for 127.0.0.0/8. */
export function isLoopback(a: Ipv4Address): boolean {
  return a >>> 24 === 127;
}

/** True for 224.0.0.0/4. */
export function isMulticast(a: Ipv4Address): boolean {
  return a >>> 28 === 0xe;
}
