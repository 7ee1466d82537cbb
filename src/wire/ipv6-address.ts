/**
 * IPv6 addresses (RFC 4291) as 16-byte `Uint8Array`s in network order,
 * with text in and out as glibc's `inet_pton`/`inet_ntop` (RFC 5952
 * canonical form: lower case, leading zeros dropped, the longest run of
 * two or more zero groups — the first on a tie — as `::`; an IPv4-mapped
 * `::ffff:a.b.c.d` or IPv4-compatible `::a.b.c.d` tail in dotted form, as
 * glibc prints it), zone (scope) ids `fe80::1%eth0`, prefixes, and the
 * derived addresses Neighbor Discovery uses (solicited-node multicast,
 * EUI-64 interface identifiers, the multicast MAC).
 *
 * Maps key addresses by {@link ipv6Key} (a 32-digit hex string).
 */
import { ipv6MulticastMac, type MacAddress } from "./ethernet.js";

/** An IPv6 address: 16 bytes, network order. Treat as immutable once built. */
export type Ipv6Address = Uint8Array;

/** A parsed textual address with its optional zone (`%eth0` or `%2`). */
export interface Ipv6Text {
  addr: Ipv6Address;
  /** The zone after `%` (an interface name or number), or "" when absent. */
  zone: string;
}

const HEX = /^[0-9a-fA-F]{1,4}$/;

/**
 * Parses IPv6 text as `inet_pton(AF_INET6)` does (no zone); null when it
 * is not an address.
 * @example formatIpv6Address(parseIpv6Address("2001:DB8:0:0::1")!) === "2001:db8::1"
 */
export function parseIpv6Address(s: string): Ipv6Address | null {
  if (s.length === 0 || s.length > 45) return null;
  const out = new Uint8Array(16);
  const dbl = s.indexOf("::");
  if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) return null;
  const headText = dbl >= 0 ? s.slice(0, dbl) : s;
  const tailText = dbl >= 0 ? s.slice(dbl + 2) : "";
  const head = headText === "" ? [] : headText.split(":");
  const tail = tailText === "" ? [] : tailText.split(":");
  const groups: number[] = [];
  const parseGroups = (parts: string[], allowV4Last: boolean): number[] | null => {
    const g: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && allowV4Last && p.includes(".")) {
        const q = p.split(".");
        if (q.length !== 4) return null;
        const b: number[] = [];
        for (const x of q) {
          if (!/^\d{1,3}$/.test(x) || Number(x) > 255 || (x.length > 1 && x[0] === "0")) return null;
          b.push(Number(x));
        }
        g.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
        continue;
      }
      if (!HEX.test(p)) return null;
      g.push(parseInt(p, 16));
    }
    return g;
  };
  const hg = parseGroups(head, dbl < 0);
  const tg = parseGroups(tail, true);
  if (!hg || !tg) return null;
  if (dbl < 0) {
    if (hg.length !== 8) return null;
    groups.push(...hg);
  } else {
    if (hg.length + tg.length > 7) return null;
    groups.push(...hg, ...new Array<number>(8 - hg.length - tg.length).fill(0), ...tg);
  }
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i]! >>> 8;
    out[2 * i + 1] = groups[i]! & 255;
  }
  return out;
}

/**
 * Parses an address with an optional zone (`fe80::1%eth0`), as
 * getaddrinfo and the tools accept it; null when it is not one.
 */
export function parseIpv6Text(s: string): Ipv6Text | null {
  const pct = s.indexOf("%");
  const zone = pct >= 0 ? s.slice(pct + 1) : "";
  if (pct >= 0 && zone === "") return null;
  const addr = parseIpv6Address(pct >= 0 ? s.slice(0, pct) : s);
  return addr ? { addr, zone } : null;
}

/**
 * Like {@link parseIpv6Address} but throws a TypeError on bad input
 * (configuration code, not packet or syscall paths).
 * @example formatIpv6Address(ipv6("fe80::1")) === "fe80::1"
 */
export function ipv6(s: string): Ipv6Address {
  const a = parseIpv6Address(s);
  if (!a) throw new TypeError(`not an IPv6 address: ${JSON.stringify(s)}`);
  return a;
}

/**
 * Formats an address as glibc's `inet_ntop` does (RFC 5952, with the
 * dotted IPv4 tail for `::ffff:a.b.c.d` and `::a.b.c.d`).
 * @example formatIpv6Address(ipv6("2001:db8:0:0:1:0:0:1")) === "2001:db8::1:0:0:1"
 */
export function formatIpv6Address(a: Ipv6Address): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((a[2 * i]! << 8) | a[2 * i + 1]!);
  let bestBase = -1, bestLen = 0, curBase = -1, curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else curLen++;
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
    } else curBase = -1;
  }
  if (bestLen < 2) bestBase = -1;
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ":";
      continue;
    }
    if (i !== 0) s += ":";
    // glibc inet_ntop6: an IPv4 tail after six zero groups, or after ::ffff.
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      s += `${a[12]}.${a[13]}.${a[14]}.${a[15]}`;
      break;
    }
    s += w[i]!.toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) s += ":";
  return s;
}

/** `[addr]` or `[addr%zone]`, as ss and URLs write a socket address's host part. */
export function bracketIpv6(a: Ipv6Address, zone = ""): string {
  return `[${formatIpv6Address(a)}${zone ? `%${zone}` : ""}]`;
}

/** A Map key for an address (32 lower-case hex digits). */
export function ipv6Key(a: Ipv6Address): string {
  let s = "";
  for (let i = 0; i < 16; i++) s += (a[i]! < 16 ? "0" : "") + a[i]!.toString(16);
  return s;
}

/** Reads the 16-byte address at `buf[off]` (a copy). */
export function readIpv6Address(buf: Uint8Array, off: number): Ipv6Address {
  return buf.slice(off, off + 16);
}

/** Writes `a` at `buf[off]`. */
export function writeIpv6Address(buf: Uint8Array, off: number, a: Ipv6Address): void {
  buf.set(a, off);
}

/** True when `a` and `b` are the same address. */
export function ipv6Equal(a: Ipv6Address, b: Ipv6Address): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when the 16 bytes at `buf[off]` equal `a` (no copy). */
export function ipv6EqualAt(buf: Uint8Array, off: number, a: Ipv6Address): boolean {
  for (let i = 0; i < 16; i++) if (buf[off + i] !== a[i]) return false;
  return true;
}

/** True when `a` lies in `net/prefixLen`. */
export function ipv6InPrefix(a: Ipv6Address, net: Ipv6Address, prefixLen: number): boolean {
  const full = prefixLen >>> 3;
  for (let i = 0; i < full; i++) if (a[i] !== net[i]) return false;
  const bits = prefixLen & 7;
  if (bits === 0) return true;
  const m = (0xff << (8 - bits)) & 0xff;
  return (a[full]! & m) === (net[full]! & m);
}

/** `a` with the bits past `prefixLen` cleared (a copy). */
export function ipv6Mask(a: Ipv6Address, prefixLen: number): Ipv6Address {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, prefixLen - 8 * i));
    out[i] = a[i]! & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/** The number of leading bits `a` and `b` share (RFC 6724 CommonPrefixLen). */
export function ipv6CommonPrefixLen(a: Ipv6Address, b: Ipv6Address): number {
  let n = 0;
  for (let i = 0; i < 16; i++) {
    const x = a[i]! ^ b[i]!;
    if (x === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(x) - 24;
  }
  return n;
}

/** `::` */
export const IN6ADDR_ANY: Ipv6Address = new Uint8Array(16);
/** `::1` */
export const IN6ADDR_LOOPBACK: Ipv6Address = ipv6("::1");
/** `ff02::1`, all nodes on the link. */
export const IN6ADDR_ALLNODES: Ipv6Address = ipv6("ff02::1");
/** `ff02::2`, all routers on the link. */
export const IN6ADDR_ALLROUTERS: Ipv6Address = ipv6("ff02::2");

/** True for `::`. */
export function isUnspecified6(a: Ipv6Address): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== 0) return false;
  return true;
}

/** True for `::1`. */
export function isLoopback6(a: Ipv6Address): boolean {
  for (let i = 0; i < 15; i++) if (a[i] !== 0) return false;
  return a[15] === 1;
}

/** True for `ff00::/8`. */
export function isMulticast6(a: Ipv6Address): boolean {
  return a[0] === 0xff;
}

/** True for `fe80::/10`. */
export function isLinkLocal6(a: Ipv6Address): boolean {
  return a[0] === 0xfe && (a[1]! & 0xc0) === 0x80;
}

/** True for `::ffff:0:0/96`. */
export function isV4Mapped(a: Ipv6Address): boolean {
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return false;
  return a[10] === 0xff && a[11] === 0xff;
}

/** The IPv4-mapped address of an IPv4 address (`::ffff:a.b.c.d`). */
export function v4Mapped(v4: number): Ipv6Address {
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out[12] = v4 >>> 24;
  out[13] = (v4 >>> 16) & 255;
  out[14] = (v4 >>> 8) & 255;
  out[15] = v4 & 255;
  return out;
}

/** The IPv4 address inside a mapped one (its last 32 bits). */
export function v4FromMapped(a: Ipv6Address): number {
  return ((a[12]! << 24) | (a[13]! << 16) | (a[14]! << 8) | a[15]!) >>> 0;
}

/**
 * The scope of an address (RFC 4291 §2.5.6/2.7 and Linux's
 * IPV6_ADDR_SCOPE_*): 1 interface-local (`::1`, `ff01::/16`), 2 link
 * (`fe80::/10`, `ff02::/16`), 5 site (`ff05::/16`), 14 global.
 */
export function ipv6Scope(a: Ipv6Address): number {
  if (isMulticast6(a)) return a[1]! & 0x0f;
  if (isLoopback6(a)) return 1;
  if (isLinkLocal6(a)) return 2;
  return 14;
}

/** The solicited-node multicast group of `a` (RFC 4291 §2.7.1): `ff02::1:ffXX:XXXX`. */
export function solicitedNode(a: Ipv6Address): Ipv6Address {
  const out = new Uint8Array(16);
  out[0] = 0xff;
  out[1] = 0x02;
  out[11] = 0x01;
  out[12] = 0xff;
  out[13] = a[13]!;
  out[14] = a[14]!;
  out[15] = a[15]!;
  return out;
}

/** The Ethernet multicast MAC of an IPv6 multicast address (RFC 2464 §7): 33:33 + its last 32 bits. */
export function ipv6MulticastMacOf(a: Ipv6Address): MacAddress {
  return ipv6MulticastMac(((a[12]! << 24) | (a[13]! << 16) | (a[14]! << 8) | a[15]!) >>> 0);
}

/**
 * The modified EUI-64 interface identifier of a MAC (RFC 4291 app. A):
 * the MAC split by ff:fe with the U/L bit flipped, written into bytes
 * 8–15 of `prefix` (a copy). Linux's addr_gen_mode 0.
 * @example formatIpv6Address(eui64Address(ipv6("fe80::"), 0x020000000001)) === "fe80::ff:fe00:1"
 */
export function eui64Address(prefix: Ipv6Address, mac: MacAddress): Ipv6Address {
  const out = prefix.slice();
  const hi = Math.floor(mac / 2 ** 24);
  const lo = mac % 2 ** 24;
  out[8] = ((hi >>> 16) & 0xff) ^ 0x02;
  out[9] = (hi >>> 8) & 0xff;
  out[10] = hi & 0xff;
  out[11] = 0xff;
  out[12] = 0xfe;
  out[13] = (lo >>> 16) & 0xff;
  out[14] = (lo >>> 8) & 0xff;
  out[15] = lo & 0xff;
  return out;
}

/** `fe80::/64` with the EUI-64 identifier of `mac`: the link-local address Linux gives an Ethernet card. */
export function linkLocalFromMac(mac: MacAddress): Ipv6Address {
  return eui64Address(LINK_LOCAL_PREFIX, mac);
}

/** `fe80::` */
export const LINK_LOCAL_PREFIX: Ipv6Address = ipv6("fe80::");

/**
 * Parses `"2001:db8::1/64"` (prefix length defaults to 128); throws a
 * TypeError on bad input (configuration code).
 */
export function parseCidr6(cidr: string): { addr: Ipv6Address; prefixLen: number } {
  const slash = cidr.indexOf("/");
  const addr = ipv6(slash >= 0 ? cidr.slice(0, slash) : cidr);
  const prefixLen = slash >= 0 ? Number(cidr.slice(slash + 1)) : 128;
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 128) throw new TypeError(`bad prefix length in ${JSON.stringify(cidr)}`);
  return { addr, prefixLen };
}
