/**
 * Internet addresses of any family, as the transports, the socket layer
 * and the tools hold them.
 *
 * An IPv4 address stays what it always was: an unsigned 32-bit number
 * (host order). Every other family is an immutable object with a `family`
 * field ({@link Inet6Address}). So `typeof a === "number"` is the IPv4 test,
 * IPv4 connections keep their numbers (no per-connection object, no extra
 * field: memory-per-connection is unchanged), and the IPv4 fast paths
 * (demux, ISN hashing) keep comparing numbers. Objects are compared with
 * {@link addrEq} (they need not be interned: a packet's source address is
 * a fresh object, and interning what arrives from the wire would be an
 * unbounded table).
 *
 * Printing and parsing another family's text form is the family's: it
 * registers {@link FamilyOps} with {@link registerFamily} (IPv4's are built
 * in).
 */
import { formatIpv4Address, parseIpv4Address, type Ipv4Address } from "../wire/ipv4-address.js";

/** Linux's AF_INET. */
export const NET_AF_INET = 2;
/** Linux's AF_INET6. */
export const NET_AF_INET6 = 10;
/** An internet address family: AF_INET or AF_INET6. */
export type NetFamily = typeof NET_AF_INET | typeof NET_AF_INET6;

/**
 * An IPv6 address: the 128 bits as four int32 words, most significant
 * first, and a 32-bit `key` folded from them (the demux and SO_REUSEPORT
 * hashes use it; equality never does). Immutable; built by the IPv6 family.
 */
export interface Inet6Address {
  readonly family: typeof NET_AF_INET6;
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
  /** A 32-bit fold of the four words (not keyed: hash tables mix it with a secret). */
  readonly key: number;
}

/** An address of any family: a number for IPv4, an {@link Inet6Address} otherwise. */
export type InetAddress = Ipv4Address | Inet6Address;

/** True for an IPv4 address (the number representation). */
export function isInet4(a: InetAddress): a is Ipv4Address {
  return typeof a === "number";
}

/**
 * The number of an address known to be IPv4 (tools that build IPv4
 * datagrams); throws a TypeError for another family (a programming error).
 */
export function asInet4(a: InetAddress): Ipv4Address {
  if (typeof a !== "number") throw new TypeError(`not an IPv4 address (family ${a.family})`);
  return a;
}

/** The family of an address. */
export function familyOf(a: InetAddress): NetFamily {
  return typeof a === "number" ? NET_AF_INET : a.family;
}

/** Address equality across families (a number never equals an object). */
export function addrEq(a: InetAddress, b: InetAddress): boolean {
  if (a === b) return true;
  if (typeof a === "number" || typeof b === "number") return false;
  return a.w0 === b.w0 && a.w1 === b.w1 && a.w2 === b.w2 && a.w3 === b.w3 && a.family === b.family;
}

/** A 32-bit signed integer for hash tables: the IPv4 number itself, another family's `key`. */
export function addrKey(a: InetAddress): number {
  return typeof a === "number" ? a | 0 : a.key;
}

/**
 * A string unique per address, for Map keys that combine an address with
 * other values (never shown to users): the decimal number for IPv4.
 */
export function addrId(a: InetAddress): string {
  return typeof a === "number" ? String(a) : `${a.family}/${a.w0},${a.w1},${a.w2},${a.w3}`;
}

/**
 * The fixed network header length of the address's family, which TCP
 * subtracts from an MTU for its MSS (Linux `icsk_af_ops->net_header_len`):
 * 20 for IPv4 (a v4-mapped peer of an IPv6 socket included), 40 for IPv6.
 */
export function netHeaderLen(a: InetAddress): number {
  return typeof a === "number" ? 20 : 40;
}

/** True for the unspecified address (INADDR_ANY, `::`). */
export function isAnyAddress(a: InetAddress): boolean {
  return typeof a === "number" ? a === 0 : (a.w0 | a.w1 | a.w2 | a.w3) === 0;
}

/**
 * The address in network byte order (4 bytes for IPv4, 16 for IPv6), for
 * keyed hashes over any family.
 */
export function inetAddressBytes(a: InetAddress): Uint8Array {
  const words = typeof a === "number" ? [a] : [a.w0, a.w1, a.w2, a.w3];
  const out = new Uint8Array(words.length * 4);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    out[i * 4] = w >>> 24;
    out[i * 4 + 1] = (w >>> 16) & 255;
    out[i * 4 + 2] = (w >>> 8) & 255;
    out[i * 4 + 3] = w & 255;
  }
  return out;
}

/** What a family other than IPv4 provides to print and parse its addresses. */
export interface FamilyOps {
  readonly family: NetFamily;
  /** The text form (`inet_ntop`; RFC 5952 for IPv6). */
  format(a: InetAddress): string;
  /** The address of a text form (`inet_pton`), or null. */
  parse(s: string): InetAddress | null;
  /** The unspecified address of the family. */
  readonly any: InetAddress;
}

const IPV4_OPS: FamilyOps = {
  family: NET_AF_INET,
  format: (a) => formatIpv4Address(a as Ipv4Address),
  parse: (s) => parseIpv4Address(s),
  any: 0,
};

const families = new Map<NetFamily, FamilyOps>([[NET_AF_INET, IPV4_OPS]]);

/** Makes a family's text forms known (the IPv6 module calls it once, when loaded). */
export function registerFamily(ops: FamilyOps): void {
  families.set(ops.family, ops);
}

/** The operations of a family; throws a TypeError for one nobody registered (a programming error). */
export function familyOps(f: NetFamily): FamilyOps {
  const ops = families.get(f);
  if (!ops) throw new TypeError(`address family ${f} is not registered`);
  return ops;
}

/** The unspecified address of `a`'s family (0 for IPv4). */
export function anyAddressOf(a: InetAddress): InetAddress {
  return typeof a === "number" ? 0 : familyOps(a.family).any;
}

/**
 * The text form of an address: a dotted quad for IPv4, the registered
 * family's form otherwise.
 * @example formatInetAddress(0x0a000001) === "10.0.0.1"
 */
export function formatInetAddress(a: InetAddress): string {
  return typeof a === "number" ? formatIpv4Address(a) : familyOps(a.family).format(a);
}

/**
 * `addr:port` as ss, netstat and tcpdump print an endpoint: `10.0.0.1:80`,
 * and for IPv6 `[2001:db8::1]:80` (ss's form; tcpdump prints IPv6 ports
 * after a dot, which is the tool's own business).
 * @example formatInetEndpoint(0x0a000001, 80) === "10.0.0.1:80"
 */
export function formatInetEndpoint(a: InetAddress, port: number | string): string {
  return typeof a === "number" ? `${formatIpv4Address(a)}:${port}` : `[${formatInetAddress(a)}]:${port}`;
}

/**
 * Parses an address of `family` from its text form; null when `s` is not
 * one (or the family is not registered).
 * @example parseInetAddress(2, "10.0.0.1") === 0x0a000001
 */
export function parseInetAddress(family: NetFamily, s: string): InetAddress | null {
  if (family === NET_AF_INET) return parseIpv4Address(s);
  return families.get(family)?.parse(s) ?? null;
}

/**
 * True for an IPv6 address that means something only on one link and so
 * needs a scope id (Linux __ipv6_addr_needs_scope_id): link-local unicast
 * fe80::/10 and interface- or link-local multicast (ff01::/16, ff02::/16).
 */
export function needsScopeId(a: InetAddress): boolean {
  if (typeof a === "number") return false;
  const hi = a.w0 >>> 16;
  return (hi & 0xffc0) === 0xfe80 || (hi & 0xff0f) === 0xff01 || (hi & 0xff0f) === 0xff02;
}
