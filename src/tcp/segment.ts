/**
 * A received TCP segment as the state machine sees it: the header fields,
 * the options it needs, and the payload view (never copied on input).
 */
import type { InetAddress } from "../net/inet-address.js";

/** TCP header flag bits (the wire codec's constants under the short names the state machine uses). */
export {
  TCP_FIN as FIN, TCP_SYN as SYN, TCP_RST as RST, TCP_PSH as PSH, TCP_ACK as ACK, TCP_URG as URG, TCP_ECE as ECE, TCP_CWR as CWR,
} from "../wire/tcp.js";

/** A parsed inbound segment. */
export interface Segment {
  saddr: InetAddress;
  daddr: InetAddress;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  /** The window field as received (unscaled). */
  window: number;
  urgent: number;
  /** Payload (a view). */
  data: Uint8Array;
  /** The IP TOS byte / IPv6 traffic class it arrived with (its low two bits are the ECN field, tcp/ecn.ts). */
  tos: number;
  /** The index of the interface it arrived on (0 when the network layer does not say: IPv4). */
  ifindex: number;
  /** MSS option, or -1. */
  mss: number;
  /** Window-scale option, or -1. */
  wscale: number;
  sackOk: boolean;
  /** SACK blocks as flat [left, right, left, right…], or null. */
  sack: number[] | null;
  /** Timestamps present. */
  hasTs: boolean;
  tsVal: number;
  tsEcr: number;
  /**
   * The ISN for the connection a SYN opens when it reopens a tuple in
   * TIME-WAIT (Linux TCP_SKB_CB(skb)->tcp_tw_isn), else 0.
   */
  twIsn: number;
  /** Fast Open option: the cookie's length as received (0: a request), or -1 when absent. */
  foLen: number;
  /** The cookie bytes (a view of the packet, valid while `foLen` > 0 and the segment is processed). */
  foCookie: Uint8Array;
  /** The option came in the experimental form (kind 254). */
  foExp: boolean;
  /**
   * Where the 16 digest bytes of its MD5 signature option (RFC 2385, kind
   * 19) lie in `th`, or -1 when it carries none.
   */
  md5: number;
  /** The buffer holding the TCP header (valid while the segment is processed; md5sig.ts reads it). */
  th: Uint8Array;
  /** The header's offset in `th`. */
  thOff: number;
}
