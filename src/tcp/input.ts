/**
 * TCP input, the entry point (RFC 9293 §3.10.7 SEGMENT ARRIVES; Linux
 * tcp_v4_rcv): validation (length, data offset, options, checksum),
 * parsing into the layer's scratch {@link Segment}, and demultiplexing to
 * a connection (segment-arrives.ts), a TIME-WAIT record
 * (timewait-input.ts), a listener (listen.ts) — whose new child demux
 * alone hands the rest of the segment — or a RST for nobody (CLOSED).
 *
 * Malformed segments are dropped and counted, never thrown.
 */
import { datagramTail, type NetRx } from "../net/network-layer.js";
import { foldChecksum, sum16 } from "../wire/checksum.js";
import { IPPROTO_TCP } from "../wire/ipv4.js";
import { EMPTY, type Packet } from "../wire/packet.js";
import { newTcpHeader, parseTcpInto, type TcpHeader } from "../wire/tcp.js";
import { newAckSample, type AckSample } from "./congestion/congestion-control.js";
import { listenInput } from "./listen.js";
import { sendResetFor } from "./control-out.js";
import { segmentArrives } from "./segment-arrives.js";
import { FIN, SYN, type Segment } from "./segment.js";
import type { TcpLayer } from "./tcp-layer.js";
import { TimeWaitSock } from "./timewait.js";
import { tosFor, ttlFor, type Tcb } from "./tcb.js";
import { md5Inbound, md5OptionOffset, md5ResetKey } from "./md5sig.js";

/**
 * The records input reuses for every segment of one host (one set per
 * {@link TcpLayer}: hosts never share them). Nothing keeps a reference to
 * them after input returns; a path that needs a modified copy of the
 * segment (SYN-SENT's data after the SYN) spreads it.
 */
export class InputScratch {
  /** The parsed header of the segment being processed (its SACK edges are the segment's `sack`). */
  readonly hdr: TcpHeader = newTcpHeader();
  /** The parsed segment. */
  readonly seg: Segment = newSegment();
  /** The quoted header of the ICMP error being processed (icmp-error.ts). */
  readonly quote = { srcPort: 0, dstPort: 0, seq: 0 };
  /** The congestion-control sample of the ACK being processed (ack.ts). */
  readonly sample: AckSample = newAckSample();
  /** Input is running (a re-entered input gets fresh records). */
  busy = false;
}

/**
 * IP hands every TCP datagram here: validate (length, data offset,
 * options, checksum), then demultiplex (RFC 9293 §3.10.7).
 */
export function tcpInput(tl: TcpLayer, packet: Packet, ip: NetRx): void {
  const c = tl.ctx.counters;
  c.Tcp.InSegs = (c.Tcp.InSegs ?? 0) + 1; // a named store, not c.inc's megamorphic keyed one (per segment)
  const l4 = ip.headerLength;
  const total = ip.totalLength - l4;
  const h = packet.head;
  // Validated in the order that decides which counter a malformed segment
  // bumps: length and data offset, then the checksum, then the options.
  // The header must lie in `head` (a data offset past it is a bad one).
  const rx = tl.rx;
  const outer = rx.busy;
  const th = outer ? newTcpHeader() : rx.hdr;
  const err = parseTcpInto(h, l4, Math.min(total, h.length - l4), th);
  if (err !== null && err.reason !== "bad-option") {
    c.inc(c.Tcp, "InErrs");
    if (err.reason === "bad-data-offset") c.inc(c.Sockstack, "TcpBadDataOffset");
    return;
  }
  const doff = th.headerLength;
  const data = datagramTail(packet, l4 + doff);
  const dataLen = total - doff;
  const payload = data.length > dataLen ? data.subarray(0, dataLen) : data;
  if (!packet.csumPartial) {
    let acc = tl.net.of(ip.src).pseudoHeaderSum(ip.src, ip.dst, IPPROTO_TCP, total);
    acc = sum16(h, l4, doff, acc);
    acc = sum16(payload, 0, payload.length, acc);
    if (foldChecksum(acc) !== 0) {
      c.inc(c.Tcp, "InCsumErrors");
      c.inc(c.Tcp, "InErrs");
      return;
    }
  }
  if (err !== null) {
    c.inc(c.Tcp, "InErrs");
    c.inc(c.Sockstack, "TcpBadOption");
    return;
  }
  // One scratch record serves every segment; a fresh one only if input ever re-entered itself.
  const seg = outer ? newSegment() : rx.seg;
  seg.saddr = ip.src; seg.daddr = ip.dst; seg.sport = th.srcPort; seg.dport = th.dstPort;
  seg.seq = th.seq; seg.ack = th.ack; seg.flags = th.flags; seg.window = th.window; seg.urgent = th.urgent;
  seg.data = payload;
  seg.tos = ip.tos;
  seg.ifindex = ip.ifindex ?? 0;
  seg.mss = th.mss ?? -1; seg.wscale = th.wscale ?? -1; seg.sackOk = th.sackOk; seg.sack = th.sack.length ? th.sack : null;
  seg.hasTs = th.tsVal !== undefined; seg.tsVal = th.tsVal ?? 0; seg.tsEcr = th.tsEcr ?? 0;
  seg.twIsn = 0;
  seg.foLen = th.foLen;
  if (th.foLen > 0) seg.foCookie = th.buf.subarray(th.foOff, th.foOff + th.foLen);
  seg.foExp = th.foExp;
  // An MD5 signature option (18 bytes) fits only a header of at least 38.
  seg.md5 = doff >= TCP_MD5_MIN_HEADER ? md5OptionOffset(h, l4 + 20, l4 + doff) : -1;
  seg.th = h;
  seg.thOff = l4;
  rx.busy = true;
  demux(tl, seg);
  rx.busy = outer;
  if (!outer) {
    seg.data = EMPTY;
    seg.th = EMPTY;
  }
}

/** An empty segment record. */
function newSegment(): Segment {
  return {
    saddr: 0, daddr: 0, sport: 0, dport: 0, seq: 0, ack: 0, flags: 0, window: 0, urgent: 0, data: EMPTY, tos: 0, ifindex: 0,
    mss: -1, wscale: -1, sackOk: false, sack: null, hasTs: false, tsVal: 0, tsEcr: 0, twIsn: 0, foLen: -1, foCookie: EMPTY, foExp: false,
    md5: -1, th: EMPTY, thOff: 0,
  };
}

/** Finds the connection, TIME-WAIT record or listener of a validated segment, or answers with a RST. */
function demux(tl: TcpLayer, seg: Segment): void {
  const c = tl.ctx.counters;
  // tcp(personality): FreeBSD net.inet.tcp.drop_synfin drops SYN|FIN in every state.
  if ((seg.flags & (SYN | FIN)) === (SYN | FIN) && tl.ctx.sysctl.tcp_drop_synfin) {
    c.inc(c.Sockstack, "TcpDropSynFin");
    return;
  }
  const t = tl.tables.lookup(seg.daddr, seg.dport, seg.saddr, seg.sport);
  if (t) {
    if (t instanceof TimeWaitSock) {
      if (tl.personality.timeWaitInput(tl, t, seg)) return;
      // A new SYN reuses the tuple: fall through to the listener.
    } else {
      if ((seg.md5 >= 0 || t.md5 !== null) && md5Drop(tl, t, seg)) return;
      t.segsIn++;
      segmentArrives(tl, t, seg);
      return;
    }
  }
  const lt = tl.tables.findListener(seg.daddr, seg.dport, tl.tupleHash(seg.saddr, seg.sport, seg.daddr, seg.dport));
  if (lt) {
    if ((seg.md5 >= 0 || lt.md5 !== null) && md5Drop(tl, lt, seg)) return;
    // A completed handshake returns the new connection: the rest of its final ACK (data, FIN) is its first segment.
    const child = listenInput(tl, lt, seg);
    if (child && (seg.data.length || seg.flags & FIN)) segmentArrives(tl, child, seg);
    return;
  }
  // CLOSED (RFC 9293 §3.10.7.1): answer with a RST (F5, G4).
  // Linux answers from no socket (TOS 0, the default TTL); FreeBSD from a bound, closed one.
  // A signed segment is answered only under a listener's key that verifies it (md5ResetKey).
  const md5 = md5ResetKey((port) => tl.tables.findListener(seg.daddr, port, 0)?.md5, seg);
  if (md5 === false) return;
  const owner = tl.personality.closedResetOwner(tl, seg);
  const len = seg.data.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
  sendResetFor(tl, seg.saddr, seg.sport, seg.daddr, seg.dport, seg.seq, seg.ack, seg.flags, len, owner ? tosFor(owner, seg.saddr) : 0, owner ? ttlFor(owner, seg.saddr) : -1, md5);
}

/** The shortest header that can hold an MD5 signature option (20 + its 18 bytes). */
const TCP_MD5_MIN_HEADER = 38;

/**
 * The MD5 signature check of a segment for a connection or listener
 * (Linux tcp_inbound_hash, before any state changes): a key for the
 * source and no option (TcpExt TCPMD5NotFound), an option and no key
 * (TCPMD5Unexpected), or a wrong digest (TCPMD5Failure) drop it silently.
 * Returns true when it was dropped.
 */
function md5Drop(tl: TcpLayer, t: Tcb, seg: Segment): boolean {
  const tcpLen = (seg.th[seg.thOff + 12]! >> 4) * 4 + seg.data.length;
  const why = md5Inbound(t.md5, seg.saddr, seg.daddr, seg.th, seg.thOff, tcpLen, seg.data, seg.md5);
  if (why === null) return false;
  const c = tl.ctx.counters;
  c.inc(c.TcpExt, why);
  return true;
}
