/**
 * How upper protocols plug into IPv6 (the twin of ip/protocol.ts): a
 * handler per next-header value, so ip6/ never imports the layers above.
 */
import type { Ipv6Header } from "../wire/ipv6.js";
import type { Ipv6Address } from "../wire/ipv6-address.js";
import type { Packet } from "../wire/packet.js";
import type { NetInterface } from "../ip/interface.js";

/** An ICMPv6 error delivered to the protocol of the packet it quotes. */
export interface Icmp6ErrorInfo {
  type: number;
  code: number;
  /** The MTU of a Packet Too Big, the pointer of a Parameter Problem, else 0. */
  info: number;
  /** Who sent the error. */
  from: Ipv6Address;
  /** The quoted packet's fixed header. */
  quoted: Ipv6Header;
  /** The quoted upper-layer bytes (past the extension headers). */
  quotedL4: Uint8Array;
}

/** An upper protocol as seen by IPv6. */
export interface Ip6ProtocolHandler {
  /**
   * A packet arrived for this host (reassembled if it was fragmented);
   * its upper-layer header starts at `l4off` of `packet` (after any
   * extension headers), and `hdr` is a record the handler may keep only
   * for the duration of the call.
   */
  input(packet: Packet, hdr: Ipv6Header, l4off: number, iface: NetInterface): void;
  /** An ICMPv6 error quoting one of this protocol's packets arrived. */
  icmpError?(info: Icmp6ErrorInfo): void;
}

/** Sends an ICMPv6 error about `offending` (installed by icmp/); `info` is the MTU or pointer. */
export type Icmp6ErrorSender = (type: number, code: number, info: number, offending: Packet, ohdr: Ipv6Header, iface: NetInterface | null) => void;
