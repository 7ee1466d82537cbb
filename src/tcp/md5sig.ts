/**
 * TCP MD5 signatures (RFC 2385) as Linux 6.18 builds them
 * (CONFIG_TCP_MD5SIG: net/ipv4/tcp_ipv4.c, net/ipv6/tcp_ipv6.c,
 * net/ipv4/tcp.c): the per-socket key list that
 * `setsockopt(IPPROTO_TCP, TCP_MD5SIG / TCP_MD5SIG_EXT, struct tcp_md5sig)`
 * fills, the key lookup by peer address (longest prefix wins), the option
 * (kind 19, length 18, written `nop,nop,md5` first among the options) and
 * its digest — MD5 (core/md5.ts) over the pseudo-header, the 20-byte TCP
 * header with checksum 0, the payload and the key (RFC 2385 §2.0) — and the
 * inbound check (Linux tcp_inbound_hash / tcp_inbound_md5_hash): a segment
 * for a socket holding a key for its source must carry a valid signature.
 *
 * sockstack has no L3 master (VRF) devices, so every key has L3 index 0
 * and TCP_MD5SIG_FLAG_IFINDEX with a non-zero ifindex is EINVAL, as Linux
 * answers for any device that is not one. TCP-AO (RFC 5925) is not built.
 */
import { Md5 } from "../core/md5.js";
import type { ErrnoCode } from "../core/errno.js";
import { NET_AF_INET6, parseInetAddress, type Inet6Address, type InetAddress } from "../net/inet-address.js";
import { formatIpv6Address, isV4Mapped, parseIpv6Text, v4FromMapped } from "../wire/ipv6-address.js";
import { parseIpv4Address } from "../wire/ipv4-address.js";
import { IPPROTO_TCP } from "../wire/ipv4.js";
import { TCPOPT_MD5SIG } from "../wire/tcp-options.js";

/** `TCP_MD5SIG` (<linux/tcp.h>). */
export const TCP_MD5SIG = 14;
/** `TCP_MD5SIG_EXT`: the same struct, with its flags and prefix length honoured. */
export const TCP_MD5SIG_EXT = 32;
/** `TCP_MD5SIG_FLAG_PREFIX`: `tcpm_prefixlen` is valid (TCP_MD5SIG_EXT only). */
export const TCP_MD5SIG_FLAG_PREFIX = 0x1;
/** `TCP_MD5SIG_FLAG_IFINDEX`: `tcpm_ifindex` is valid (an L3 master device). */
export const TCP_MD5SIG_FLAG_IFINDEX = 0x2;
/** `TCP_MD5SIG_MAXKEYLEN`. */
export const TCP_MD5SIG_MAXKEYLEN = 80;
/** `sizeof(struct tcp_md5sig)`: sockaddr_storage (128), flags, prefixlen, keylen (u16), ifindex (int), key[80]. */
export const TCP_MD5SIG_SIZE = 216;
/** `TCPOLEN_MD5SIG`: kind, length and the 16-byte digest. */
export const TCPOLEN_MD5SIG = 18;
/** `TCPOLEN_MD5SIG_ALIGNED`: with the two NOPs before it, what the option takes of the header. */
export const TCPOLEN_MD5SIG_ALIGNED = 20;

/** One key (Linux struct tcp_md5sig_key): the peer prefix it covers and the secret. */
export interface Md5SigKey {
  /** The peer address as given (IPv4 — a v4-mapped one included — is a number). */
  readonly addr: InetAddress;
  readonly prefixlen: number;
  /** TCP_MD5SIG_FLAG_IFINDEX when the key was added with it (it then matches L3 index 0 only here). */
  readonly flags: number;
  /** The secret (1–80 bytes), replaced in place when the same key is added again. */
  key: Uint8Array;
}

/**
 * A socket's keys (Linux tcp_md5sig_info), newest first. Its existence —
 * even emptied — is what turns GSO off for the socket (sk_gso_disable at
 * the first tcp_md5_do_add).
 */
export type Md5Keys = Md5SigKey[];

/**
 * `struct tcp_md5sig` as setsockopt takes it: the uapi bytes (optlen is
 * their length) or its members by name, `tcpm_addr` a socket address
 * (`{ family, addr, port }`) and `tcpm_key` bytes or text.
 */
export type TcpMd5SigValue = Uint8Array | {
  readonly tcpm_addr: { readonly family: number; readonly addr: string; readonly port?: number };
  readonly tcpm_flags?: number;
  readonly tcpm_prefixlen?: number;
  /** Defaults to the key's length. */
  readonly tcpm_keylen?: number;
  readonly tcpm_ifindex?: number;
  readonly tcpm_key?: Uint8Array | string;
};

/** The decoded struct: the address's family and bytes, the scalar members and up to 80 key bytes. */
interface Md5SigCmd {
  family: number;
  /** 4 or 16 address bytes (network order), or null when the family is neither. */
  addr: Uint8Array | null;
  flags: number;
  prefixlen: number;
  keylen: number;
  ifindex: number;
  key: Uint8Array;
}

/** Reads the uapi layout (x86-64 little-endian scalars; the sockaddr's port and address in network order). */
function decodeBytes(b: Uint8Array): Md5SigCmd | "EINVAL" {
  if (b.length < TCP_MD5SIG_SIZE) return "EINVAL"; // optlen < sizeof(cmd)
  const family = b[0]! | (b[1]! << 8);
  const addr = family === 2 ? b.slice(4, 8) : family === 10 ? b.slice(8, 24) : null;
  return {
    family, addr, flags: b[128]!, prefixlen: b[129]!, keylen: b[130]! | (b[131]! << 8),
    ifindex: (b[132]! | (b[133]! << 8) | (b[134]! << 16) | (b[135]! << 24)) | 0, key: b.slice(136, 216),
  };
}

/** Reads the named form; a malformed address text is EINVAL (the caller's only way to get a wrong one). */
function decodeObject(v: Exclude<TcpMd5SigValue, Uint8Array>): Md5SigCmd | "EINVAL" {
  const a = v.tcpm_addr;
  if (typeof a !== "object" || a === null || !Number.isInteger(a.family)) return "EINVAL";
  let addr: Uint8Array | null = null;
  if (a.family === 2) {
    const n = parseIpv4Address(a.addr);
    if (n === null) return "EINVAL";
    addr = Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  } else if (a.family === 10) {
    const t = parseIpv6Text(a.addr);
    if (!t) return "EINVAL";
    addr = t.addr.slice();
  }
  const raw = typeof v.tcpm_key === "string" ? new TextEncoder().encode(v.tcpm_key) : v.tcpm_key ?? new Uint8Array(0);
  const key = new Uint8Array(TCP_MD5SIG_MAXKEYLEN);
  key.set(raw.subarray(0, TCP_MD5SIG_MAXKEYLEN));
  const int = (x: number | undefined, max: number): number => (x === undefined ? 0 : Math.trunc(x) & max);
  return {
    family: a.family, addr, flags: int(v.tcpm_flags, 0xff), prefixlen: int(v.tcpm_prefixlen, 0xff),
    keylen: v.tcpm_keylen === undefined ? raw.length : int(v.tcpm_keylen, 0xffff), ifindex: int(v.tcpm_ifindex, -1) | 0, key,
  };
}

/** An IPv6 address object from 16 bytes. */
function inet6(b: Uint8Array): Inet6Address {
  return parseInetAddress(NET_AF_INET6, formatIpv6Address(b)) as Inet6Address;
}

/**
 * setsockopt(TCP_MD5SIG / TCP_MD5SIG_EXT) on a TCP socket of `sockFamily`
 * (Linux tcp_v4_parse_md5_keys, tcp_v6_parse_md5_keys): adds, replaces or
 * (keylen 0) deletes the key of the exact address, prefix and flags.
 * Returns the new key list (created on the first add) or the errno:
 * EINVAL for a short struct, a family other than the socket's, a prefix
 * too long (> 32 for IPv4 and v4-mapped, > 128), an ifindex (no L3 master
 * devices) or a key longer than 80; ENOENT to delete a key that is not
 * there. `keys` is changed in place when it exists.
 */
export function md5SetKey(keys: Md5Keys | null, sockFamily: number, ext: boolean, value: unknown): { keys: Md5Keys | null } | ErrnoCode {
  if (typeof value !== "object" || value === null) return "EINVAL";
  const cmd = value instanceof Uint8Array ? decodeBytes(value) : decodeObject(value as Exclude<TcpMd5SigValue, Uint8Array>);
  if (cmd === "EINVAL") return cmd;
  const v6 = sockFamily === 10;
  if (cmd.family !== (v6 ? 10 : 2) || cmd.addr === null) return "EINVAL";
  const mapped = v6 && isV4Mapped(cmd.addr);
  const flags = cmd.flags & TCP_MD5SIG_FLAG_IFINDEX;
  let prefixlen = v6 && !mapped ? 128 : 32;
  if (ext && cmd.flags & TCP_MD5SIG_FLAG_PREFIX) {
    prefixlen = cmd.prefixlen;
    if (prefixlen > (v6 && !mapped ? 128 : 32)) return "EINVAL";
  }
  // Linux: the device must exist and be an L3 master (VRF); sockstack has none.
  if (ext && cmd.ifindex !== 0 && cmd.flags & TCP_MD5SIG_FLAG_IFINDEX) return "EINVAL";
  const addr: InetAddress = !v6
    ? ((cmd.addr[0]! << 24) | (cmd.addr[1]! << 16) | (cmd.addr[2]! << 8) | cmd.addr[3]!) >>> 0
    : mapped ? v4FromMapped(cmd.addr) : inet6(cmd.addr);
  const at = keys ? keys.findIndex((k) => k.prefixlen === prefixlen && (k.flags & TCP_MD5SIG_FLAG_IFINDEX) === flags && sameAddr(k.addr, addr)) : -1;
  if (cmd.keylen === 0) {
    if (at < 0) return "ENOENT";
    keys!.splice(at, 1);
    return { keys };
  }
  if (cmd.keylen > TCP_MD5SIG_MAXKEYLEN) return "EINVAL";
  const secret = cmd.key.slice(0, cmd.keylen);
  if (at >= 0) {
    keys![at]!.key = secret;
    return { keys };
  }
  const list = keys ?? [];
  list.unshift({ addr, prefixlen, flags, key: secret });
  return { keys: list };
}

/**
 * The most SACK blocks a non-SYN segment carries (Linux
 * tcp_established_options: 40 option bytes, less 12 for timestamps and 20
 * for an MD5 signature, a block list needing 4 + 8 per block).
 * @example md5SackLimit(true, true) === 0 // MD5 + timestamps leave 8 bytes
 */
export function md5SackLimit(tsOk: boolean, md5: boolean): number {
  const room = 40 - (tsOk ? 12 : 0) - (md5 ? TCPOLEN_MD5SIG_ALIGNED : 0);
  return room < 12 ? 0 : Math.min(4, (room - 4) >> 3);
}

/** The same address, family included (no prefix). */
function sameAddr(a: InetAddress, b: InetAddress): boolean {
  if (typeof a === "number" || typeof b === "number") return a === b;
  return a.w0 === b.w0 && a.w1 === b.w1 && a.w2 === b.w2 && a.w3 === b.w3;
}

/** Whether the first `bits` bits of two 32-bit words agree. */
function wordPrefixEq(x: number, y: number, bits: number): boolean {
  if (bits <= 0) return true;
  const mask = bits >= 32 ? -1 : ~(-1 >>> bits);
  return ((x ^ y) & mask) === 0;
}

/**
 * The key for peer `addr` (Linux __tcp_md5_do_lookup): among the keys of
 * its family whose prefix covers it, the longest prefix; of equal ones the
 * newest. Null when the socket has none for it.
 */
export function md5Lookup(keys: Md5Keys | null, addr: InetAddress): Md5SigKey | null {
  if (keys === null || keys.length === 0) return null;
  let best: Md5SigKey | null = null;
  for (const k of keys) {
    const ka = k.addr;
    let match: boolean;
    if (typeof ka === "number" || typeof addr === "number") {
      match = typeof ka === "number" && typeof addr === "number" && wordPrefixEq(ka, addr, k.prefixlen);
    } else {
      const p = k.prefixlen;
      match = wordPrefixEq(ka.w0, addr.w0, p) && wordPrefixEq(ka.w1, addr.w1, p - 32) &&
        wordPrefixEq(ka.w2, addr.w2, p - 64) && wordPrefixEq(ka.w3, addr.w3, p - 96);
    }
    if (match && (best === null || best.prefixlen < k.prefixlen)) best = k;
  }
  return best;
}

/**
 * The key a listener's child starts with (Linux tcp_v4_syn_recv_sock,
 * tcp_v6_syn_recv_sock): the listener's key for the peer, copied as an
 * exact one (prefix 32 or 128, the peer's address); null without one.
 */
export function md5ChildKeys(listenerKeys: Md5Keys | null, peer: InetAddress): Md5Keys | null {
  const k = md5Lookup(listenerKeys, peer);
  if (!k) return null;
  return [{ addr: peer, prefixlen: typeof peer === "number" ? 32 : 128, flags: k.flags, key: k.key.slice() }];
}

const hasher = new Md5();
const pseudo = new Uint8Array(40);
const fixedHeader = new Uint8Array(20);

/**
 * The RFC 2385 digest of a segment into `out[outOff]` (16 bytes): MD5 over
 * the pseudo-header (IPv4: source, destination, zero, protocol, TCP length
 * as 16 bits; IPv6: source, destination, length and next header as 32 bits
 * each — Linux tcp6_pseudohdr), the fixed 20 bytes of the TCP header at
 * `th[thOff]` with the checksum field zero, `data`, then the key.
 * `tcpLen` is the TCP header and data length.
 */
export function md5Digest(
  key: Uint8Array, src: InetAddress, dst: InetAddress, th: Uint8Array, thOff: number, tcpLen: number, data: Uint8Array,
  out: Uint8Array, outOff: number,
): void {
  const h = hasher.reset();
  let n: number;
  if (typeof src === "number" && typeof dst === "number") {
    writeBe32(pseudo, 0, src);
    writeBe32(pseudo, 4, dst);
    pseudo[8] = 0;
    pseudo[9] = IPPROTO_TCP;
    pseudo[10] = (tcpLen >>> 8) & 255;
    pseudo[11] = tcpLen & 255;
    n = 12;
  } else {
    writeAddr6(pseudo, 0, src);
    writeAddr6(pseudo, 16, dst);
    writeBe32(pseudo, 32, tcpLen);
    writeBe32(pseudo, 36, IPPROTO_TCP);
    n = 40;
  }
  h.update(pseudo, 0, n);
  fixedHeader.set(th.subarray(thOff, thOff + 20));
  fixedHeader[16] = 0;
  fixedHeader[17] = 0;
  h.update(fixedHeader);
  h.update(data);
  h.update(key);
  h.digest(out, outOff);
}

function writeBe32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = (v >>> 16) & 255;
  b[off + 2] = (v >>> 8) & 255;
  b[off + 3] = v & 255;
}

function writeAddr6(b: Uint8Array, off: number, a: InetAddress): void {
  if (typeof a === "number") throw new TypeError("an IPv6 pseudo-header needs IPv6 addresses");
  writeBe32(b, off, a.w0);
  writeBe32(b, off + 4, a.w1);
  writeBe32(b, off + 8, a.w2);
  writeBe32(b, off + 12, a.w3);
}

/**
 * Where the 16 digest bytes of an MD5 signature option lie in the options
 * `h[from, to)`, or -1 (Linux tcp_parse_md5sig_option: the walk stops at
 * EOL, at a malformed length, and at a kind-19 option whose length is not 18).
 */
export function md5OptionOffset(h: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to;) {
    const kind = h[i]!;
    if (kind === 0) return -1;
    if (kind === 1) {
      i++;
      continue;
    }
    const len = h[i + 1] ?? 0;
    if (len < 2 || i + len > to) return -1;
    if (kind === TCPOPT_MD5SIG) return len === TCPOLEN_MD5SIG ? i + 2 : -1;
    i += len;
  }
  return -1;
}

/**
 * Signs an outgoing segment whose header (at `head[thOff]`, options
 * included) carries the MD5 option: writes the digest into the option.
 * `data` is the payload; src/dst the IP addresses as sent.
 */
export function md5Sign(key: Md5SigKey, src: InetAddress, dst: InetAddress, head: Uint8Array, thOff: number, data: Uint8Array): void {
  const hl = (head[thOff + 12]! >> 4) * 4;
  const at = md5OptionOffset(head, thOff + 20, thOff + hl);
  if (at < 0) throw new Error("md5Sign: the header has no MD5 option"); // a programming error: the option was laid out first
  md5Digest(key.key, src, dst, head, thOff, hl + data.length, data, head, at);
}

const computed = new Uint8Array(16);

/**
 * The inbound check (Linux tcp_inbound_hash, tcp_inbound_md5_hash) of a
 * segment for a socket holding `keys`: null to go on, or the TcpExt
 * counter of the drop — TCPMD5NotFound (a key, no option),
 * TCPMD5Unexpected (an option, no key), TCPMD5Failure (a wrong digest).
 * `hashOff` is where the received digest lies in `th` (-1: no option).
 */
export function md5Inbound(
  keys: Md5Keys | null, saddr: InetAddress, daddr: InetAddress, th: Uint8Array, thOff: number, tcpLen: number,
  data: Uint8Array, hashOff: number,
): "TCPMD5NotFound" | "TCPMD5Unexpected" | "TCPMD5Failure" | null {
  const key = md5Lookup(keys, saddr);
  if (hashOff < 0) return key ? "TCPMD5NotFound" : null;
  if (!key) return "TCPMD5Unexpected";
  md5Digest(key.key, saddr, daddr, th, thOff, tcpLen, data, computed, 0);
  for (let i = 0; i < 16; i++) if (computed[i] !== th[hashOff + i]) return "TCPMD5Failure";
  return null;
}

/** The keys TIME-WAIT records keep (Linux tw_md5_key), beside the records: most have none, so no field per record. */
const timeWaitKeys = new WeakMap<object, Md5SigKey>();

/**
 * A connection entering TIME-WAIT hands its key for the peer to the record
 * (Linux tcp_time_wait copies md5_lookup's key): its ACKs stay signed.
 */
export function md5TimeWait(keys: Md5Keys | null, peer: InetAddress, tw: object): void {
  const k = md5Lookup(keys, peer);
  if (k) timeWaitKeys.set(tw, { ...k, key: k.key.slice() });
}

/** The key a TIME-WAIT record signs its ACKs with, or null. */
export function md5TimeWaitKey(tw: object): Md5SigKey | null {
  return timeWaitKeys.get(tw) ?? null;
}

/** What {@link md5ResetKey} needs of the segment being answered. */
export interface Md5ResetSegment {
  readonly saddr: InetAddress;
  readonly daddr: InetAddress;
  readonly sport: number;
  readonly data: Uint8Array;
  readonly md5: number;
  readonly th: Uint8Array;
  readonly thOff: number;
}

/**
 * The key of a RST answering a segment that found no full socket (Linux
 * tcp_v4_send_reset with `sk` NULL or a TIME-WAIT record): none when the
 * segment is unsigned; when it is signed, the key of a listener on the
 * local port equal to the segment's source port (the BGP case: "active
 * side is lost") for its source, used only when the segment's digest
 * verifies under it — otherwise no RST at all (false).
 */
export function md5ResetKey(listenerKeys: (port: number) => Md5Keys | null | undefined, seg: Md5ResetSegment): Md5SigKey | null | false {
  if (seg.md5 < 0) return null;
  const keys = listenerKeys(seg.sport);
  if (!keys) return false;
  const k = md5Lookup(keys, seg.saddr);
  if (!k) return false;
  const tcpLen = (seg.th[seg.thOff + 12]! >> 4) * 4 + seg.data.length;
  md5Digest(k.key, seg.saddr, seg.daddr, seg.th, seg.thOff, tcpLen, seg.data, computed, 0);
  for (let i = 0; i < 16; i++) if (computed[i] !== seg.th[seg.md5 + i]) return false;
  return k;
}
