/**
 * Packet builders and mutators for the packet fuzzer: IPv4 datagrams with
 * TCP, UDP or ICMP inside (checksums right or deliberately wrong), TCP
 * option lists well- and ill-formed, fragments, and byte-level mutation of
 * captured packets. Every function draws from the Rng it is given, so a
 * seed gives the same bytes.
 */
import type { Rng } from "../core/rng.js";
import { foldChecksum, internetChecksum, pseudoHeaderSum, sum16 } from "../wire/checksum.js";
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from "../wire/ipv4.js";
import { readU32 as r32, writeU16 as w16, writeU32 as w32 } from "../wire/byte-order.js";
import { TCP, writeTcpHeader } from "../wire/tcp.js";
import { TCP_MAX_OPTIONS_LENGTH } from "../wire/tcp-options.js";

/** The IP header fields of a built datagram (defaults: a plain unfragmented one). */
export interface IpFields {
  src: number;
  dst: number;
  protocol: number;
  id?: number;
  ttl?: number;
  tos?: number;
  df?: boolean;
  mf?: boolean;
  /** Fragment offset in bytes (multiple of 8 unless fuzzing). */
  fragOffset?: number;
  /** IP options bytes (padded to 4 by the builder). */
  options?: Uint8Array;
  /** Total-length field override (a lie about the size). */
  totalLength?: number;
  /** Leave the header checksum wrong. */
  badChecksum?: boolean;
}

/** An IPv4 datagram around `l4` (the transport bytes are taken as they are). */
export function ipDatagram(f: IpFields, l4: Uint8Array): Uint8Array {
  const optLen = f.options ? (f.options.length + 3) & ~3 : 0;
  const hl = 20 + Math.min(optLen, 40);
  const out = new Uint8Array(hl + l4.length);
  out[0] = 0x40 | (hl >> 2);
  out[1] = f.tos ?? 0;
  const total = f.totalLength ?? out.length;
  out[2] = (total >>> 8) & 255;
  out[3] = total & 255;
  const id = f.id ?? 0;
  out[4] = (id >>> 8) & 255;
  out[5] = id & 255;
  const word = (f.df ? 0x4000 : 0) | (f.mf ? 0x2000 : 0) | (((f.fragOffset ?? 0) >>> 3) & 0x1fff);
  out[6] = word >>> 8;
  out[7] = word & 255;
  out[8] = f.ttl ?? 64;
  out[9] = f.protocol & 255;
  w32(out, 12, f.src);
  w32(out, 16, f.dst);
  if (f.options) out.set(f.options.subarray(0, hl - 20), 20);
  const cs = internetChecksum(out, 0, hl);
  const c2 = f.badChecksum ? (cs ^ 0x5a5a) & 0xffff : cs;
  out[10] = c2 >>> 8;
  out[11] = c2 & 255;
  out.set(l4, hl);
  return out;
}

/** Fields of a TCP segment to build. */
export interface TcpFields {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  window?: number;
  urgent?: number;
  /** Option bytes (padded with NOPs/EOL to a multiple of 4 unless `rawDoff`). */
  options?: Uint8Array;
  /** Data-offset field override (in 32-bit words). */
  rawDoff?: number;
  data?: Uint8Array;
}

/** A TCP segment (checksum computed for `src`→`dst` unless `badChecksum`). */
export function tcpSegment(src: number, dst: number, f: TcpFields, badChecksum = false): Uint8Array {
  const opt = f.options ?? new Uint8Array(0);
  const optLen = Math.min((opt.length + 3) & ~3, TCP_MAX_OPTIONS_LENGTH);
  const data = f.data ?? new Uint8Array(0);
  const out = new Uint8Array(TCP.MIN_HEADER + optLen + data.length);
  const padded = new Uint8Array(optLen); // zero (EOL) padding
  padded.set(opt.subarray(0, optLen));
  writeTcpHeader(out, 0, f.sport, f.dport, f.seq, f.ack, f.flags, f.window ?? 65535, f.urgent ?? 0, padded);
  if (f.rawDoff !== undefined) out[TCP.DATA_OFFSET] = (f.rawDoff & 15) << 4;
  out.set(data, TCP.MIN_HEADER + optLen);
  setL4Checksum(out, TCP.CHECKSUM, src, dst, IPPROTO_TCP, badChecksum);
  return out;
}

/** A UDP datagram (length field may lie; checksum right, zero or wrong). */
export function udpDatagram(src: number, dst: number, sport: number, dport: number, data: Uint8Array, opts: { length?: number; checksum?: "ok" | "zero" | "bad" } = {}): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  w16(out, 0, sport);
  w16(out, 2, dport);
  w16(out, 4, opts.length ?? out.length);
  out.set(data, 8);
  const mode = opts.checksum ?? "ok";
  if (mode !== "zero") setL4Checksum(out, 6, src, dst, IPPROTO_UDP, mode === "bad");
  return out;
}

/** An ICMP message (type, code, 4 bytes of rest-of-header, body). */
export function icmpMessage(type: number, code: number, rest: number, body: Uint8Array, badChecksum = false): Uint8Array {
  const out = new Uint8Array(8 + body.length);
  out[0] = type & 255;
  out[1] = code & 255;
  w32(out, 4, rest);
  out.set(body, 8);
  let cs = internetChecksum(out);
  if (badChecksum) cs = (cs ^ 0x1234) & 0xffff;
  out[2] = cs >>> 8;
  out[3] = cs & 255;
  return out;
}

/** TCP option bytes: a random mix of well-formed and malformed options. */
export function tcpOptions(rng: Rng): Uint8Array {
  const out: number[] = [];
  const n = rng.range(0, 6);
  for (let i = 0; i < n && out.length < 40; i++) {
    switch (rng.below(9)) {
      case 0: out.push(1); break; // NOP
      case 1: out.push(0); break; // EOL
      case 2: out.push(2, 4, rng.below(256), rng.below(256)); break; // MSS (any value, 0 included)
      case 3: out.push(3, 3, rng.below(256)); break; // window scale (> 14 too)
      case 4: out.push(4, 2); break; // SACK permitted
      case 5: { // timestamps
        out.push(8, 10);
        for (let k = 0; k < 8; k++) out.push(rng.below(256));
        break;
      }
      case 6: { // SACK blocks, any count (malformed lengths too)
        const blocks = rng.range(0, 4);
        out.push(5, rng.chance(0.2) ? rng.below(40) : 2 + 8 * blocks);
        for (let k = 0; k < 8 * blocks; k++) out.push(rng.below(256));
        break;
      }
      case 7: out.push(rng.below(256), rng.below(4)); break; // length 0 or 1: malformed
      default: { // unknown kind, random length that may run past the end
        const len = rng.range(2, 12);
        out.push(rng.range(9, 255), rng.chance(0.2) ? rng.below(60) : len);
        for (let k = 2; k < len; k++) out.push(rng.below(256));
      }
    }
  }
  return Uint8Array.from(out.slice(0, 40));
}

/** `n` random bytes. */
export function randomBytes(rng: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 4) {
    const v = rng.u32();
    b[i] = v & 255;
    if (i + 1 < n) b[i + 1] = (v >>> 8) & 255;
    if (i + 2 < n) b[i + 2] = (v >>> 16) & 255;
    if (i + 3 < n) b[i + 3] = v >>> 24;
  }
  return b;
}

/**
 * A mutated copy of a datagram: bit flips, byte sets, truncation,
 * extension, a changed length or offset field; with `fixChecksums` the IP
 * and transport checksums are recomputed afterwards (so the mutation
 * reaches the code behind the checksum test).
 */
export function mutate(rng: Rng, src: Uint8Array, fixChecksums: boolean): Uint8Array {
  let b: Uint8Array = src.slice();
  const n = rng.range(1, 4);
  for (let i = 0; i < n; i++) {
    switch (rng.below(7)) {
      case 0: if (b.length) { const k = rng.below(b.length * 8); b[k >> 3]! ^= 1 << (k & 7); } break;
      case 1: if (b.length) b[rng.below(Math.min(b.length, 60))] = rng.below(256); break;
      case 2: b = b.subarray(0, rng.below(b.length + 1)); break;
      case 3: { const e = new Uint8Array(b.length + rng.range(1, 64)); e.set(b); e.set(randomBytes(rng, e.length - b.length), b.length); b = e; break; }
      case 4: if (b.length > 4) { const v = rng.below(65536); b[2] = v >>> 8; b[3] = v & 255; } break; // total length
      case 5: if (b.length > 8) { b[6] = rng.below(256); b[7] = rng.below(256); } break; // flags / fragment offset
      default: if (b.length > 33) { b[32] = (rng.below(16) << 4) | (b[32]! & 15); b[33] = rng.below(256); } break; // TCP data offset and flags
    }
  }
  if (fixChecksums) fixDatagramChecksums(b);
  return b;
}

/** Recomputes the IP header checksum and (for a whole TCP/UDP/ICMP datagram) the transport checksum, where the bytes allow. */
export function fixDatagramChecksums(b: Uint8Array): void {
  if (b.length < 20) return;
  const hl = (b[0]! & 15) * 4;
  if (hl < 20 || hl > b.length) return;
  b[10] = 0;
  b[11] = 0;
  const cs = internetChecksum(b, 0, hl);
  b[10] = cs >>> 8;
  b[11] = cs & 255;
  if (((b[6]! << 8) | b[7]!) & 0x3fff) return; // a fragment: the transport checksum spans the datagram
  const total = Math.min((b[2]! << 8) | b[3]!, b.length);
  if (total <= hl) return;
  const l4 = b.subarray(hl, total);
  const src = r32(b, 12), dst = r32(b, 16), proto = b[9]!;
  if (proto === IPPROTO_TCP && l4.length >= TCP.MIN_HEADER) setL4Checksum(l4, TCP.CHECKSUM, src, dst, proto, false);
  else if (proto === IPPROTO_UDP && l4.length >= 8) setL4Checksum(l4, 6, src, dst, proto, false);
  else if (proto === IPPROTO_ICMP && l4.length >= 4) {
    l4[2] = 0;
    l4[3] = 0;
    const c = internetChecksum(l4);
    l4[2] = c >>> 8;
    l4[3] = c & 255;
  }
}

function setL4Checksum(l4: Uint8Array, off: number, src: number, dst: number, proto: number, bad: boolean): void {
  l4[off] = 0;
  l4[off + 1] = 0;
  let c = foldChecksum(sum16(l4, 0, l4.length, pseudoHeaderSum(src, dst, proto, l4.length)));
  if (c === 0 && proto === IPPROTO_UDP) c = 0xffff;
  if (bad) c = (c ^ 0x0f0f) & 0xffff || 1;
  l4[off] = c >>> 8;
  l4[off + 1] = c & 255;
}

