/**
 * The packet half of the TCP test vocabulary: a {@link Capture} records
 * every TCP segment the hosts send, decoded by the wire codec
 * (`src/wire/ipv4.ts`, `src/wire/tcp.ts`), with sequence and
 * acknowledgment numbers relative to each direction's initial sequence
 * number (learned from the SYNs, as tcpdump and packetdrill print them).
 * Tests read it like a script: {@link Capture.expectTcp} checks *the next*
 * segment field by field, {@link Capture.expectNoMore} that nothing else
 * was sent.
 *
 * @example
 * const { net, capture } = establishedPair();
 * // … make the server send "hi" …
 * capture.expectTcp({ from: "server", flags: "P.", seq: 1, ack: 1, len: 2, data: "hi" });
 * capture.expectTcp({ from: "client", flags: ".", seq: 1, ack: 3 });
 * capture.expectNoMore();
 */
import assert from "node:assert/strict";
import type { Micros } from "../../src/core/time.js";
import type { Host } from "../../src/host/host.js";
import type { Device } from "../../src/link/device.js";
import { newIpv4Header, parseIpv4Into, IPPROTO_TCP } from "../../src/wire/ipv4.js";
import { formatIpv4Address } from "../../src/wire/ipv4-address.js";
import type { Packet } from "../../src/wire/packet.js";
import { newTcpHeader, parseTcpInto, tcpOptionList, TCP_SYN, type TcpHeader } from "../../src/wire/tcp.js";
import type { TcpOption } from "../../src/wire/tcp-options.js";
import { tcpdumpFlags } from "../../src/tools/tcpdump.js";

/** A decoded TCP segment seen on a link. `seq`/`ack` are absolute; `rseq`/`rack` relative to the ISNs. */
export interface Seen {
  /** Virtual time it left the sender (µs). */
  at: Micros;
  /** Name of the sending host (the capture point). */
  from: string;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** tcpdump's flag letters in its order (`F S R P . U E W`): `S.`, `P.`, `FP.`, `R.`. */
  flags: string;
  seq: number;
  ack: number;
  /** Sequence number relative to the sender's ISN (absolute when no SYN of this direction was seen). */
  rseq: number;
  /** Acknowledgment number relative to the receiver's ISN (absolute when unknown). */
  rack: number;
  /** The window field as sent (unscaled). */
  win: number;
  /** Payload length. */
  len: number;
  /** The parsed header (its options as fields; `tcpOptionList(header)` for the ordered list). */
  header: TcpHeader;
  /** The datagram (payload not copied). */
  packet: Packet;
}

/**
 * tcpdump's flag string of a flags byte (`S`, `S.`, `.`, `P.`, `F.`, `R`,
 * `R.`): the tcpdump tool's own table, checked against the real tcpdump.
 * @example tcpFlagString(0x18) === "P."
 */
export const tcpFlagString: (flags: number) => string = tcpdumpFlags;

const FLAG_LETTERS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, ".": 0x10, U: 0x20, E: 0x40, W: 0x80 };

/**
 * The flags byte of a flag string (the inverse of {@link tcpFlagString};
 * letters in any order).
 * @example tcpFlagBits("P.") === 0x18
 */
export function tcpFlagBits(flags: string): number {
  let bits = 0;
  for (const c of flags) {
    const bit = FLAG_LETTERS[c];
    if (bit === undefined) throw new Error(`unknown TCP flag letter ${JSON.stringify(c)} in ${JSON.stringify(flags)}`);
    bits |= bit;
  }
  return bits;
}

/** The payload bytes of a captured segment (copied). */
export function segmentData(s: Seen): Uint8Array {
  const p = s.packet;
  const start = p.length - s.len;
  const out = new Uint8Array(s.len);
  for (let i = 0; i < s.len; i++) out[i] = p.byteAt(start + i);
  return out;
}

/** What {@link expectTcp} compares; every field given must match, the others are not looked at. */
export interface TcpExpect {
  /** Sending host's name. */
  from?: string;
  /** Exact flag string, tcpdump's letters and order (`S.`, `P.`, `F.`, `R`, `R.`, `.`). */
  flags?: string;
  /** Relative sequence number. */
  seq?: number;
  /** Relative acknowledgment number. */
  ack?: number;
  /** Absolute sequence number (a RST answering a segment without ACK has sequence number 0). */
  absSeq?: number;
  /** Absolute acknowledgment number. */
  absAck?: number;
  /** Window field as sent (unscaled). */
  win?: number;
  /** Payload length. */
  len?: number;
  /** Urgent pointer field. */
  urg?: number;
  /** Payload bytes (a string is UTF-8). */
  data?: string | Uint8Array;
  /**
   * The options in wire order as tcpdump prints them, comma-separated:
   * `"mss 1460,sackOK,TS,nop,wscale 7"`. `TS` alone matches any timestamp
   * values; SACK blocks are relative (`"nop,nop,TS,nop,nop,sack 1 {1001:2001}"`).
   * `""` means no options.
   */
  options?: string;
  /** Virtual time it was sent (µs). */
  at?: Micros;
}

/** The options of a captured segment in {@link TcpExpect.options}'s notation, SACK blocks relative to `ackIsn`. */
export function formatOptions(list: readonly TcpOption[], ackIsn = 0): string {
  return list.map((o) => {
    switch (o.kind) {
      case "eol": return "eol";
      case "nop": return "nop";
      case "mss": return `mss ${o.mss}`;
      case "wscale": return `wscale ${o.shift}`;
      case "sack-permitted": return "sackOK";
      case "timestamp": return `TS val ${o.val} ecr ${o.ecr}`;
      case "sack": return `sack ${o.blocks.length} ${o.blocks.map(([l, r]) => `{${(l - ackIsn) >>> 0}:${(r - ackIsn) >>> 0}}`).join("")}`;
      case "unknown": return `unknown-${o.type}`;
    }
  }).join(",");
}

function optionsMatch(want: string, got: string): boolean {
  const w = want === "" ? [] : want.split(",");
  const g = got === "" ? [] : got.split(",");
  return w.length === g.length && w.every((x, i) => x === g[i] || (x === "TS" && g[i]!.startsWith("TS val ")));
}

/** One line describing a segment, tcpdump-like with relative numbers. */
export function describeSeen(s: Seen, ackIsn?: number): string {
  const opts = formatOptions(tcpOptionList(s.header), ackIsn ?? ((s.ack - s.rack) >>> 0));
  return `${(s.at / 1000).toFixed(3)} ms ${s.from} ${s.src}.${s.sport} > ${s.dst}.${s.dport}: [${s.flags}] seq ${s.rseq}` +
    `${s.flags.includes(".") ? ` ack ${s.rack}` : ""} win ${s.win}${opts ? ` <${opts}>` : ""} length ${s.len}`;
}

/**
 * Checks one segment against `want`, field by field. Fails with every
 * differing field (`want … got …`) and the segment itself; fails when
 * `seg` is undefined (no segment was sent).
 * @example
 * expectTcp(capture.next(), { from: "server", flags: "S.", seq: 0, ack: 1, options: "mss 1460,sackOK,TS,nop,wscale 7" });
 */
export function expectTcp(seg: Seen | undefined, want: TcpExpect, what = "segment"): Seen {
  if (seg === undefined) assert.fail(`expected a ${what} ${JSON.stringify(want)}, but none was sent`);
  const diffs: string[] = [];
  const cmp = (name: string, w: unknown, g: unknown): void => {
    if (w !== undefined && w !== g) diffs.push(`  ${name}: want ${JSON.stringify(w)}, got ${JSON.stringify(g)}`);
  };
  cmp("from", want.from, seg.from);
  cmp("flags", want.flags, seg.flags);
  cmp("seq", want.seq, seg.rseq);
  cmp("ack", want.ack, seg.rack);
  cmp("absSeq", want.absSeq, seg.seq);
  cmp("absAck", want.absAck, seg.ack);
  cmp("win", want.win, seg.win);
  cmp("len", want.len, seg.len);
  cmp("urg", want.urg, seg.header.urgent);
  cmp("at", want.at, seg.at);
  if (want.data !== undefined) {
    const w = typeof want.data === "string" ? new TextEncoder().encode(want.data) : want.data;
    const g = segmentData(seg);
    if (w.length !== g.length || w.some((b, i) => b !== g[i])) {
      const show = (b: Uint8Array): string => JSON.stringify(new TextDecoder().decode(b.subarray(0, 64)));
      diffs.push(`  data: want ${show(w)} (${w.length} bytes), got ${show(g)} (${g.length} bytes)`);
    }
  }
  if (want.options !== undefined) {
    const got = formatOptions(tcpOptionList(seg.header), (seg.ack - seg.rack) >>> 0);
    if (!optionsMatch(want.options, got)) diffs.push(`  options: want ${JSON.stringify(want.options)}, got ${JSON.stringify(got)}`);
  }
  if (diffs.length > 0) assert.fail(`${what} differs from ${JSON.stringify(want)}:\n${diffs.join("\n")}\n  the ${what}: ${describeSeen(seg)}`);
  return seg;
}

/**
 * Checks a list of segments (a filtered capture: one connection, one
 * sender) against `wants`, one by one, and that there are no more.
 * @example expectSegments(capture.all.filter((s) => s.dport === port), [{ flags: "S" }, { flags: "R" }])
 */
export function expectSegments(segs: readonly Seen[], wants: readonly TcpExpect[]): void {
  wants.forEach((w, i) => expectTcp(segs[i], w, `segment ${i + 1} of ${wants.length}`));
  if (segs.length > wants.length) {
    assert.fail(`expected ${wants.length} segments, got ${segs.length}; the extra ones:\n${segs.slice(wants.length).map((s) => `  ${describeSeen(s)}`).join("\n")}`);
  }
}

/** The IP header of the datagram being decoded (not kept: a Seen keeps addresses as text). */
const IP_SCRATCH = newIpv4Header();

/** Per-direction initial sequence numbers, keyed `src:sport>dst:dport`. */
type IsnTable = Map<string, number>;

function flowKey(src: string, sport: number, dst: string, dport: number): string {
  return `${src}:${sport}>${dst}:${dport}`;
}

/**
 * Every TCP segment the attached devices send, in order, and a read
 * cursor for the scripted checks. Attach with {@link attachCapture}.
 */
export class Capture {
  /** Every segment captured, oldest first. */
  readonly all: Seen[] = [];
  readonly #isn: IsnTable = new Map();
  #cursor = 0;

  /**
   * Decodes a TCP datagram (null for anything else or a malformed one) and
   * learns the ISN of the sender's direction from a SYN.
   */
  decode(p: Packet, at: Micros, from: string): Seen | null {
    const ip = IP_SCRATCH;
    if (parseIpv4Into(p.head, p.length, false, ip) || ip.protocol !== IPPROTO_TCP || ip.fragOffset !== 0) return null;
    const tcp = newTcpHeader();
    if (parseTcpInto(p.head, ip.headerLength, ip.totalLength - ip.headerLength, tcp)) return null;
    const src = formatIpv4Address(ip.src), dst = formatIpv4Address(ip.dst);
    if (tcp.flags & TCP_SYN) this.learnIsn(src, tcp.srcPort, dst, tcp.dstPort, tcp.seq);
    const sIsn = this.isn(src, tcp.srcPort, dst, tcp.dstPort);
    const aIsn = this.isn(dst, tcp.dstPort, src, tcp.srcPort);
    return {
      at, from, src, dst, sport: tcp.srcPort, dport: tcp.dstPort, flags: tcpFlagString(tcp.flags),
      seq: tcp.seq, ack: tcp.ack, rseq: (tcp.seq - (sIsn ?? 0)) >>> 0, rack: (tcp.ack - (aIsn ?? 0)) >>> 0,
      win: tcp.window, len: ip.totalLength - ip.headerLength - tcp.headerLength, header: tcp, packet: p,
    };
  }

  /** Records the ISN of the direction `src:sport → dst:dport` (a SYN's sequence number). */
  learnIsn(src: string, sport: number, dst: string, dport: number, isn: number): void {
    this.#isn.set(flowKey(src, sport, dst, dport), isn >>> 0);
  }

  /** The ISN of direction `src:sport → dst:dport`, if its SYN was seen. */
  isn(src: string, sport: number, dst: string, dport: number): number | undefined {
    return this.#isn.get(flowKey(src, sport, dst, dport));
  }

  /** The next unread segment (undefined when every captured one was read), advancing the cursor. */
  next(): Seen | undefined {
    return this.all[this.#cursor++];
  }

  /** The unread segments, without consuming them. */
  pending(): Seen[] {
    return this.all.slice(this.#cursor);
  }

  /**
   * Skips unread segments up to (not including) the first one for which
   * `pred` holds; returns the skipped ones. Fails when none matches.
   * @example capture.skipUntil((s) => s.win === 0); // then expectTcp from the first zero window on
   */
  skipUntil(pred: (s: Seen) => boolean): Seen[] {
    const i = this.all.findIndex((s, k) => k >= this.#cursor && pred(s));
    if (i < 0) assert.fail(`skipUntil: no unread segment matches (${this.all.length - this.#cursor} unread)`);
    const skipped = this.all.slice(this.#cursor, i);
    this.#cursor = i;
    return skipped;
  }

  /** Marks every captured segment as read; returns the ones that were not. */
  drain(): Seen[] {
    const rest = this.pending();
    this.#cursor = this.all.length;
    return rest;
  }

  /**
   * Checks the next unread segment against `want` ({@link expectTcp}) and
   * consumes it.
   * @example capture.expectTcp({ from: "client", flags: "R.", seq: 1, ack: 1 })
   */
  expectTcp(want: TcpExpect): Seen {
    const n = this.#cursor;
    return expectTcp(this.next(), want, `segment #${n + 1}`);
  }

  /**
   * Checks the next segments in order, one {@link TcpExpect} each.
   * @example capture.expectSequence([{ flags: "F." }, { flags: "." }])
   */
  expectSequence(wants: readonly TcpExpect[]): Seen[] {
    return wants.map((w) => this.expectTcp(w));
  }

  /** Fails when a segment is left unread, listing them. */
  expectNoMore(): void {
    const rest = this.pending();
    if (rest.length > 0) assert.fail(`expected no more segments, but ${rest.length} more were sent:\n${rest.map((s) => `  ${describeSeen(s)}`).join("\n")}`);
  }
}

/** Where a host's segments are captured and injected: its capture, its device, the address of its peer. */
export interface CapturePoint {
  capture: Capture;
  device: Device;
  /** The peer's address on that device (the source of injected segments). */
  peer: string;
  /** The host's address on that device. */
  local: string;
  /** The last connection seen from or injected to this host: `[localPort, peerPort]`. */
  last?: [number, number];
}

const POINTS = new WeakMap<Host, CapturePoint>();

/**
 * Captures what `host` sends on `device` (default its first non-loopback
 * interface) into `capture`, and records the capture point for
 * `injectTcp`. `peer` is the address injected segments come from (default:
 * the other end of a /24 point-to-point pair, .1 ↔ .2). `record: false`
 * registers the point for `injectTcp` without capturing (bulk runs).
 * @example attachCapture(capture, server)
 */
export function attachCapture(capture: Capture, host: Host, opts: { device?: Device; peer?: string; record?: boolean } = {}): CapturePoint {
  const iface = host.ip.interfaces.find((i) => i.device === opts.device) ?? host.ip.interfaces[1]!;
  const device = opts.device ?? iface.device;
  const local = formatIpv4Address(iface.addresses[0]!.addr);
  const peer = opts.peer ?? local.replace(/\.(\d+)$/, (_, d: string) => `.${d === "1" ? 2 : 1}`);
  const point: CapturePoint = { capture, device, peer, local };
  POINTS.set(host, point);
  if (opts.record === false) return point;
  device.taps.push((p, dir, now) => {
    if (dir !== "out") return;
    const s = capture.decode(p, now, host.name);
    if (!s) return;
    capture.all.push(s);
    point.last = [s.sport, s.dport];
  });
  return point;
}

/** The capture point of `host` (throws when none was attached). */
export function capturePoint(host: Host): CapturePoint {
  const p = POINTS.get(host);
  if (!p) throw new Error(`no capture attached to host ${host.name} (use twoHosts, establishedPair or rawPeer)`);
  return p;
}
