/**
 * ARP packet codec (RFC 826) for IPv4 over Ethernet: hardware type 1,
 * protocol type 0x0800, address lengths 6 and 4 — 28 bytes. Other
 * hardware or protocol combinations parse as `bad-type` (Linux's
 * arp_process drops them too, for an Ethernet device).
 */
import { readIpv4Address, writeIpv4Address, type Ipv4Address } from "./ipv4-address.js";
import { ETH_P_IP, readMac, writeMac, type MacAddress } from "./ethernet.js";
import { WireError } from "./wire-error.js";

/** Field offsets of an ARP packet for IPv4 over Ethernet. */
export const ARP = {
  HTYPE: 0,
  PTYPE: 2,
  HLEN: 4,
  PLEN: 5,
  OP: 6,
  SHA: 8,
  SPA: 14,
  THA: 18,
  TPA: 24,
  /** The packet length. */
  LENGTH: 28,
} as const;

/** ARPHRD_ETHER */
export const ARPHRD_ETHER = 1;
/** ARPOP_REQUEST */
export const ARPOP_REQUEST = 1;
/** ARPOP_REPLY */
export const ARPOP_REPLY = 2;

/** A parsed ARP packet. */
export interface ArpPacket {
  /** 1 request, 2 reply (others parse, and receivers ignore them). */
  op: number;
  /** Sender hardware address. */
  sha: MacAddress;
  /** Sender protocol address. */
  spa: Ipv4Address;
  /** Target hardware address (zero in a request). */
  tha: MacAddress;
  /** Target protocol address. */
  tpa: Ipv4Address;
}

/** A fresh record for {@link parseArpInto}. */
export function newArpPacket(): ArpPacket {
  return { op: 0, sha: 0, spa: 0, tha: 0, tpa: 0 };
}

/**
 * Parses the ARP packet at `off` (`len` bytes available) into `out`;
 * returns null or why not (`truncated`, `bad-type`). Bytes past the 28
 * (Ethernet padding) are ignored. Allocation-free.
 */
export function parseArpInto(b: Uint8Array, off: number, len: number, out: ArpPacket): WireError | null {
  if (len < ARP.LENGTH) return new WireError("truncated", "arp", `${len} bytes`);
  const htype = (b[off]! << 8) | b[off + 1]!;
  const ptype = (b[off + 2]! << 8) | b[off + 3]!;
  if (htype !== ARPHRD_ETHER || ptype !== ETH_P_IP || b[off + 4] !== 6 || b[off + 5] !== 4) {
    return new WireError("bad-type", "arp", `hrd ${htype} pro 0x${ptype.toString(16)} hln ${b[off + 4]} pln ${b[off + 5]}`);
  }
  out.op = (b[off + 6]! << 8) | b[off + 7]!;
  out.sha = readMac(b, off + ARP.SHA);
  out.spa = readIpv4Address(b, off + ARP.SPA);
  out.tha = readMac(b, off + ARP.THA);
  out.tpa = readIpv4Address(b, off + ARP.TPA);
  return null;
}

/** {@link parseArpInto} into a new record. */
export function parseArp(b: Uint8Array, off = 0, len = b.length - off): ArpPacket | WireError {
  const p = newArpPacket();
  return parseArpInto(b, off, len, p) ?? p;
}

/** Writes `p` as 28 bytes at `off`. */
export function writeArp(b: Uint8Array, off: number, p: ArpPacket): void {
  b[off] = 0;
  b[off + 1] = ARPHRD_ETHER;
  b[off + 2] = ETH_P_IP >>> 8;
  b[off + 3] = ETH_P_IP & 255;
  b[off + 4] = 6;
  b[off + 5] = 4;
  b[off + 6] = p.op >>> 8;
  b[off + 7] = p.op & 255;
  writeMac(b, off + ARP.SHA, p.sha);
  writeIpv4Address(b, off + ARP.SPA, p.spa);
  writeMac(b, off + ARP.THA, p.tha);
  writeIpv4Address(b, off + ARP.TPA, p.tpa);
}

/** The 28 bytes of `p`. */
export function emitArp(p: ArpPacket): Uint8Array {
  const b = new Uint8Array(ARP.LENGTH);
  writeArp(b, 0, p);
  return b;
}
