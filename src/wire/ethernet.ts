/**
 * Ethernet II frame header codec (IEEE 802.3 clause 3, DIX Ethernet II),
 * with one optional IEEE 802.1Q VLAN tag, and MAC addresses.
 *
 * MAC addresses are plain numbers (48 bits fit a JS number exactly), so
 * they compare with `===` and key Maps without allocating; `formatMac`
 * prints them as `ip link` and tcpdump do (`02:00:00:00:19:01`).
 *
 * A type/length field ≤ 1500 is an IEEE 802.3 *length* frame (LLC/SNAP
 * follows): {@link parseEthernetInto} recognises it (`length ≥ 0`,
 * `etherType` 0) so receivers can count and drop it, as Linux does when no
 * LLC protocol is bound (`rx_nohandler`). Values 1501–1535 are neither a
 * length nor an EtherType (`bad-type`).
 *
 * The frame check sequence (FCS) is not carried: like a Linux capture,
 * frames are what the NIC hands the stack, without preamble or FCS.
 */
import { WireError } from "./wire-error.js";

/** A MAC address as a 48-bit unsigned number. */
export type MacAddress = number;

/** Field offsets of the Ethernet header. */
export const ETHER = {
  DST: 0,
  SRC: 6,
  /** EtherType (or 802.3 length, or the 802.1Q TPID). */
  TYPE: 12,
  /** The untagged header length. */
  HEADER: 14,
  /** The length of a header with one 802.1Q tag. */
  VLAN_HEADER: 18,
  /** Ethernet's minimum frame length without FCS (NICs pad shorter frames). */
  MIN_FRAME: 60,
} as const;

/** EtherTypes sockstack knows (Linux's ETH_P_* names). */
export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_8021Q = 0x8100;
export const ETH_P_IPV6 = 0x86dd;
/** Type/length values below this are 802.3 lengths (≤ 1500) or invalid (1501–1535). */
export const ETH_P_802_3_MIN = 0x0600;
/** The largest 802.3 length value. */
export const ETH_DATA_LEN = 1500;

/** ff:ff:ff:ff:ff:ff */
export const MAC_BROADCAST: MacAddress = 0xffff_ffff_ffff;
/** 00:00:00:00:00:00 (unknown target hardware address in ARP requests) */
export const MAC_ZERO: MacAddress = 0;

const TWO32 = 0x1_0000_0000;

/** A parsed Ethernet header. */
export interface EthernetHeader {
  dst: MacAddress;
  src: MacAddress;
  /** The EtherType of the payload (after any VLAN tag); 0 for an 802.3 length frame. */
  etherType: number;
  /** The 802.1Q tag control information (PCP 3 bits, DEI 1, VID 12), or -1 when untagged. */
  vlanTci: number;
  /** The 802.3 length field of a length frame, else -1. */
  length: number;
  /** Header length: 14, or 18 with a VLAN tag. */
  headerLength: number;
}

/** A fresh header record for {@link parseEthernetInto}. */
export function newEthernetHeader(): EthernetHeader {
  return { dst: 0, src: 0, etherType: 0, vlanTci: -1, length: -1, headerLength: ETHER.HEADER };
}

/** Reads the MAC address at `off`. */
export function readMac(b: Uint8Array, off: number): MacAddress {
  return ((b[off]! << 8) | b[off + 1]!) * TWO32 + (((b[off + 2]! << 24) | (b[off + 3]! << 16) | (b[off + 4]! << 8) | b[off + 5]!) >>> 0);
}

/** Writes `mac` at `off`. */
export function writeMac(b: Uint8Array, off: number, mac: MacAddress): void {
  const hi = Math.floor(mac / TWO32);
  const lo = mac >>> 0;
  b[off] = (hi >>> 8) & 255;
  b[off + 1] = hi & 255;
  b[off + 2] = lo >>> 24;
  b[off + 3] = (lo >>> 16) & 255;
  b[off + 4] = (lo >>> 8) & 255;
  b[off + 5] = lo & 255;
}

/**
 * `02:00:00:00:19:01`: lower-case, colon-separated, as `ip link` and tcpdump print.
 * @example formatMac(0xffffffffffff) === "ff:ff:ff:ff:ff:ff"
 */
export function formatMac(mac: MacAddress): string {
  let s = "";
  for (let i = 5; i >= 0; i--) {
    const byte = Math.floor(mac / 2 ** (8 * i)) & 255;
    s += (i === 5 ? "" : ":") + (byte < 16 ? "0" : "") + byte.toString(16);
  }
  return s;
}

/**
 * Parses `aa:bb:cc:dd:ee:ff` (or with `-`); throws a TypeError naming the bad text.
 * @example parseMac("02:00:00:00:19:01") === 0x020000001901
 */
export function parseMac(text: string): MacAddress {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) throw new TypeError(`bad MAC address ${JSON.stringify(text)}`);
  let m = 0;
  for (const p of parts) m = m * 256 + parseInt(p, 16);
  return m;
}

/** True for a group (multicast or broadcast) address: the I/G bit, bit 0 of the first octet. */
export function isMulticastMac(mac: MacAddress): boolean {
  return (Math.floor(mac / 2 ** 40) & 1) === 1;
}

/**
 * The MAC of an IPv4 multicast group (RFC 1112 §6.4): 01:00:5e and the
 * group's low 23 bits.
 * @example formatMac(ipv4MulticastMac(0xe0000001)) === "01:00:5e:00:00:01"
 */
export function ipv4MulticastMac(group: number): MacAddress {
  return 0x01005e * 0x100_0000 + (group & 0x7fffff);
}

/**
 * The MAC of an IPv6 multicast address (RFC 2464 §7): 33:33 and the
 * address's last 32 bits (`low32`).
 * @example formatMac(ipv6MulticastMac(0xff000001)) === "33:33:ff:00:00:01"
 */
export function ipv6MulticastMac(low32: number): MacAddress {
  return 0x3333 * TWO32 + (low32 >>> 0);
}

/**
 * A locally administered unicast MAC (I/G bit clear, U/L bit set) from 6
 * random bytes, as Linux's eth_random_addr() makes for veth and bridges.
 */
export function localMacFrom(bytes: Uint8Array): MacAddress {
  const b = bytes.slice(0, 6);
  b[0] = (b[0]! & 0xfe) | 0x02;
  return readMac(b, 0);
}

/**
 * Parses the Ethernet header at `off` of `buf` (`len` bytes of frame from
 * `off`) into `out`. Returns null, or why the frame is unusable
 * (`truncated`; `bad-type` for a type/length value of 1501–1535). An
 * 802.3 length frame parses with `out.length` set and `etherType` 0.
 * Allocation-free.
 */
export function parseEthernetInto(buf: Uint8Array, off: number, len: number, out: EthernetHeader): WireError | null {
  if (len < ETHER.HEADER) return new WireError("truncated", "ether", `${len} bytes`);
  out.dst = readMac(buf, off);
  out.src = readMac(buf, off + 6);
  let type = (buf[off + 12]! << 8) | buf[off + 13]!;
  out.vlanTci = -1;
  out.length = -1;
  out.headerLength = ETHER.HEADER;
  if (type === ETH_P_8021Q) {
    if (len < ETHER.VLAN_HEADER) return new WireError("truncated", "ether", "802.1Q tag");
    out.vlanTci = (buf[off + 14]! << 8) | buf[off + 15]!;
    type = (buf[off + 16]! << 8) | buf[off + 17]!;
    out.headerLength = ETHER.VLAN_HEADER;
  }
  if (type < ETH_P_802_3_MIN) {
    if (type > ETH_DATA_LEN) return new WireError("bad-type", "ether", `type/length 0x${type.toString(16)}`);
    out.length = type;
    out.etherType = 0;
    return null;
  }
  out.etherType = type;
  return null;
}

/** {@link parseEthernetInto} into a new record. */
export function parseEthernet(buf: Uint8Array, off = 0, len = buf.length - off): EthernetHeader | WireError {
  const h = newEthernetHeader();
  return parseEthernetInto(buf, off, len, h) ?? h;
}

/** VLAN ID (12 bits) of a tag control word. */
export function vlanId(tci: number): number {
  return tci & 0xfff;
}

/** Priority code point (3 bits) of a tag control word. */
export function vlanPcp(tci: number): number {
  return tci >>> 13;
}

/**
 * Writes an Ethernet header at `off`: 14 bytes, or 18 with the 802.1Q tag
 * `vlanTci` (≥ 0). Returns the header length.
 */
export function writeEthernetHeader(b: Uint8Array, off: number, dst: MacAddress, src: MacAddress, etherType: number, vlanTci = -1): number {
  writeMac(b, off, dst);
  writeMac(b, off + 6, src);
  let o = off + 12;
  if (vlanTci >= 0) {
    b[o] = ETH_P_8021Q >>> 8;
    b[o + 1] = ETH_P_8021Q & 255;
    b[o + 2] = (vlanTci >>> 8) & 255;
    b[o + 3] = vlanTci & 255;
    o += 4;
  }
  b[o] = etherType >>> 8;
  b[o + 1] = etherType & 255;
  return o + 2 - off;
}

/** A whole frame: header then `payload` (copied). */
export function emitEthernetFrame(dst: MacAddress, src: MacAddress, etherType: number, payload: Uint8Array, vlanTci = -1): Uint8Array {
  const hl = vlanTci >= 0 ? ETHER.VLAN_HEADER : ETHER.HEADER;
  const f = new Uint8Array(hl + payload.length);
  writeEthernetHeader(f, 0, dst, src, etherType, vlanTci);
  f.set(payload, hl);
  return f;
}
