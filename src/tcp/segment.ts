/**
 * A received TCP segment as the state machine sees it: the header fields,
 * the options it needs, and the payload view (never copied on input).
 */

/** TCP header flag bits. */
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;
export const ECE = 0x40;
export const CWR = 0x80;

/** A parsed inbound segment. */
export interface Segment {
  saddr: number;
  daddr: number;
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
}

/** Sequence space the segment occupies: data + SYN + FIN (RFC 9293 SEG.LEN). */
export function segLen(s: Segment): number {
  return s.data.length + (s.flags & SYN ? 1 : 0) + (s.flags & FIN ? 1 : 0);
}

/** `S.`-style flag string as tcpdump prints it. */
export function flagString(flags: number): string {
  let s = "";
  if (flags & FIN) s += "F";
  if (flags & SYN) s += "S";
  if (flags & RST) s += "R";
  if (flags & PSH) s += "P";
  if (flags & URG) s += "U";
  if (flags & ECE) s += "E";
  if (flags & CWR) s += "W";
  if (flags & ACK) s += ".";
  return s || "none";
}
