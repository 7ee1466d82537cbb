/**
 * How transport protocols plug into IP: a handler per protocol number
 * (upward calls go through this interface so ip/ never imports tcp/ or
 * udp/), and helpers to find the transport bytes inside a {@link Packet}.
 */
import type { Ipv4Header } from "../wire/ipv4.js";
import { EMPTY, type Packet } from "../wire/packet.js";
import type { Ipv4Address } from "../wire/ipv4-address.js";
import type { NetInterface } from "./interface.js";

/** An ICMP error delivered to the protocol of the datagram it quotes. */
export interface IcmpErrorInfo {
  type: number;
  code: number;
  /** Next-hop MTU for fragmentation-needed, else 0. */
  mtu: number;
  /** Who sent the ICMP error. */
  from: Ipv4Address;
  /** The quoted datagram's IP header. */
  quoted: Ipv4Header;
  /** The quoted transport bytes (at least 8 when present). */
  quotedL4: Uint8Array;
}

/** A transport protocol as seen by IP. */
export interface IpProtocolHandler {
  /**
   * A datagram arrived for this host (reassembled if it was fragmented).
   * The transport header starts at `hdr.headerLength` in `packet.head`.
   */
  input(packet: Packet, hdr: Ipv4Header, iface: NetInterface): void;
  /** An ICMP error quoting one of this protocol's datagrams arrived. */
  icmpError?(info: IcmpErrorInfo): void;
}

/**
 * The transport bytes from offset `start` (relative to the datagram start)
 * to the end of the datagram: a view when they lie in one part, a copy in
 * the rare case they straddle `head` and `payload`.
 */
export function datagramTail(packet: Packet, start: number): Uint8Array {
  const head = packet.head;
  if (start >= head.length) {
    const off = start - head.length;
    return off === 0 ? packet.payload : packet.payload.subarray(off);
  }
  if (packet.payload.length === 0) return head.subarray(start);
  const out = new Uint8Array(head.length - start + packet.payload.length);
  out.set(head.subarray(start), 0);
  out.set(packet.payload, head.length - start);
  return out;
}

/** Cuts a packet down to `total` bytes (drops link padding beyond the IP total length). */
export function trimPacket(packet: Packet, total: number): void {
  const h = packet.head.length;
  if (total <= h) {
    packet.head = packet.head.subarray(0, total);
    packet.payload = EMPTY;
  } else if (h + packet.payload.length > total) {
    packet.payload = packet.payload.subarray(0, total - h);
  }
}
