/**
 * Ladder (sequence) diagrams of captured packets — the picture lectures
 * draw by hand: one column per endpoint (`10.0.0.1:47513`), time flowing
 * down, each packet an arrow labelled like tcpdump (`S seq 0`,
 * `S. seq 0 ack 1`, `. ack 1`, `P. 1:5(4) ack 1`, `F. seq 5 ack 1`),
 * as fixed-width text for terminals (`ladderText`, ladder-text.ts) or
 * standalone SVG (`ladderSvg`, ladder-svg.ts). This file turns captures
 * into the diagram's events (`ladderEvents`, `LadderBuilder`).
 *
 * Built from a {@link Capture}'s records. A packet seen `out` at its sender
 * and `in` at its receiver is one arrow (sent → received). A packet seen
 * `out` but never `in`, while the capture does watch the receiving address
 * (some packet to it was seen `in`), was lost on the way: a drop, drawn as
 * an arrow stopping mid-way at `✗`. A TCP segment whose sequence range
 * (data, SYN or FIN) starts below the highest one already sent in its
 * direction is a retransmission, labelled `(retx)` (keepalive probes, one
 * below snd.una, count too). Sequence numbers are relative to the
 * direction's SYN (or to its first packet when the SYN was not captured),
 * acknowledgments to the other direction's, as tcpdump prints them.
 *
 * On Ethernet captures ARP packets are arrows too, from the sender's
 * address to the target's (`ARP who-has 10.0.0.2`, `ARP 10.0.0.2 is-at …`).
 *
 * Packets are matched by their IP and transport headers without TTL and
 * checksums, so capture the two ends of one path (a link, or the two end
 * hosts); a router's taps in between would show a packet twice.
 *
 * @example
 * const cap = Capture.onLink(link, { a: "client", b: "server" });
 * await net.run();
 * console.log(ladderText(cap.records()));            // the whole capture
 * writeFileSync("c.svg", ladderSvg(cap.records(), { connection: 0 }));
 */
import type { Micros } from "../core/time.js";
import { formatIpv4Address } from "../wire/ipv4-address.js";
import { readU16 as u16, readU32 as u32 } from "../wire/byte-order.js";
import { newTcpHeader, parseTcpInto, TCP } from "../wire/tcp.js";
import type { CaptureRecord } from "./capture.js";
import { compileFilter } from "./tcpdump-filter.js";
import { tcpdumpFlags, tcpdumpLine } from "./tcpdump.js";

/** One arrow of the diagram. */
export interface LadderEvent {
  /** When the sender put it on the wire (or when it was first seen), µs. */
  sent: Micros;
  /** When it arrived, µs; null when dropped or not seen at the receiver. */
  received: Micros | null;
  /** Endpoint it came from (`10.0.0.1:47513`; an address alone for ICMP). */
  from: string;
  /** Endpoint it went to. */
  to: string;
  /** tcpdump-like label (`P. 1:5(4) ack 1`, `UDP 5`, `ICMP echo request`), `(retx)` included. */
  label: string;
  /**
   * Lost on the way (sent, never received, and the receiver was watched), or
   * received and dropped by the receiving kernel (a {@link LadderDrop}).
   */
  dropped: boolean;
  /** Why it was dropped: `lost` on the link, or the kernel's reason (`accept queue full`, `out of window`, `bad checksum`). */
  dropReason?: string;
  /** A TCP sequence range sent again. */
  retransmission: boolean;
  /** The connection (or flow) it belongs to: its two endpoints, sorted. */
  conn: string;
}

/** Options of the diagrams. */
export interface LadderOptions {
  /** Only packets this tcpdump filter selects (`port 33602`). */
  filter?: string;
  /** Only the N-th connection (0-based, in order of first packet; see {@link ladderConnections}). */
  connection?: number;
  /** Times relative to the first packet instead of the simulation's start. */
  relativeTime?: boolean;
  /** SVG: a title above the diagram. */
  title?: string;
  /** Packets the receiving kernel dropped (matched by bytes and arrival time), with the reason. */
  drops?: readonly LadderDrop[];
  /** TCP state changes, drawn on the endpoint's lifeline at their time. */
  states?: readonly LadderState[];
  /** One pair of columns per connection (lanes) instead of one column per endpoint. */
  lanes?: boolean;
  /** Translates drop reasons and the `lost` mark (`--lang zh`). */
  translate?: (reason: string) => string;
  /**
   * SVG: draw only the last N packets (and the state changes from the first
   * of them on), titled `the last N of M packets` when some are left out —
   * the lab's window on a long run (a 10,000-packet SVG takes seconds to lay out).
   */
  last?: number;
  /**
   * SVG: draw the arrows and state marks only where they fall between these
   * y coordinates (px of the drawing, plus a margin) — what a scrolled
   * viewport shows; the document keeps its full size, its columns and
   * lifelines, so those rows look the same. For a view redrawn while
   * packets arrive: a 1,000-arrow document takes tens of milliseconds to
   * parse, the rows in view a few.
   */
  visible?: { top: number; bottom: number };
  /** SVG drawn from a {@link LadderBuilder}: each arrow's group carries `data-pkt`, its number for {@link LadderBuilder.record} (a page decodes the packet clicked). */
  packetIds?: boolean;
}

/** A packet a host received and dropped (from a drop counter raised while it handled the packet). */
export interface LadderDrop {
  /** When it arrived, µs. */
  t: Micros;
  /** The IP datagram. */
  bytes: Uint8Array;
  /** `accept queue full`, `out of window`, `bad checksum`, … */
  reason: string;
}

/** A TCP state change of one endpoint. */
export interface LadderState {
  t: Micros;
  /** The socket's local endpoint (`10.0.0.2:9090`). */
  endpoint: string;
  /** Its peer (`10.0.0.1:33602`), which connection it is. */
  peer: string;
  /** The new state, netstat's name (`ESTABLISHED`, `TIME_WAIT`). */
  state: string;
}

interface Decoded {
  src: string;
  dst: string;
  dstAddr: number;
  proto: number;
  /** Everything identifying the packet except TTL and checksums. */
  key: string;
  tcp: { seq: number; ack: number; flags: number; win: number; len: number } | null;
  other: string;
}

/** An ARP packet as an arrow from its sender's address to its target's (`ARP who-has 10.0.0.2`, `ARP is-at 02:…`). */
function decodeArp(b: Uint8Array): Decoded | null {
  if (b.length < 28) return null;
  const op = u16(b, 6);
  const spa = u32(b, 14), tpa = u32(b, 24);
  const s = formatIpv4Address(spa), d = formatIpv4Address(tpa);
  let key = "arp/";
  for (let i = 0; i < 28; i++) key += b[i]!.toString(16);
  const mac = Array.from(b.subarray(8, 14), (x) => x.toString(16).padStart(2, "0")).join(":");
  const other = op === 1 ? (spa === tpa ? `ARP announce ${s}` : `ARP who-has ${d}`) : op === 2 ? `ARP ${s} is-at ${mac}` : `ARP op ${op}`;
  return { src: s, dst: d, dstAddr: tpa, proto: -1, key, tcp: null, other };
}

/** A record's arrow: IPv4 datagrams and, on Ethernet captures, ARP packets. */
function decodeRecord(r: CaptureRecord): Decoded | null {
  if (r.etherType === 0x0806) return decodeArp(r.bytes);
  if (r.etherType !== undefined && r.etherType !== 0x0800) return null;
  return decode(r.bytes);
}

/** The TCP header being decoded (nothing keeps a reference to it). */
const th = newTcpHeader();

function decode(b: Uint8Array): Decoded | null {
  if (b.length < 20 || b[0]! >> 4 !== 4) return null;
  const hl = (b[0]! & 15) * 4;
  const total = Math.min(u16(b, 2), b.length);
  const proto = b[9]!;
  const sa = u32(b, 12);
  const da = u32(b, 16);
  const s = formatIpv4Address(sa);
  const d = formatIpv4Address(da);
  const frag = (u16(b, 6) & 0x1fff) !== 0;
  let key = `${sa}>${da}/${proto}/${u16(b, 4)}/${u16(b, 6)}/${total}/`;
  const l4 = Math.min(b.length, hl + TCP.MIN_HEADER);
  for (let i = hl; i < l4; i++) if (i - hl !== TCP.CHECKSUM && i - hl !== TCP.CHECKSUM + 1) key += b[i]!.toString(16); // skip the TCP checksum
  // A header with malformed options still has its fixed fields (bad-option); other errors get tcpdump's text below.
  const e = !frag && proto === 6 ? parseTcpInto(b, hl, total - hl, th) : null;
  if (!frag && proto === 6 && (e === null || e.reason === "bad-option")) {
    return {
      src: `${s}:${th.srcPort}`, dst: `${d}:${th.dstPort}`, dstAddr: da, proto, key,
      tcp: { seq: th.seq, ack: th.ack, flags: th.flags, win: th.window, len: total - hl - th.headerLength },
      other: "",
    };
  }
  if (!frag && proto === 17 && b.length >= hl + 8) {
    return { src: `${s}:${u16(b, hl)}`, dst: `${d}:${u16(b, hl + 2)}`, dstAddr: da, proto, key, tcp: null, other: `UDP ${Math.max(0, u16(b, hl + 4) - 8)}` };
  }
  const line = tcpdumpLine(b);
  const colon = line.indexOf(": ");
  const text = colon >= 0 ? line.slice(colon + 2).split(",")[0]! : line;
  return { src: s, dst: d, dstAddr: da, proto, key, tcp: null, other: text };
}

/**
 * The connections (flows) in the records, in order of first packet: their
 * two endpoints, `10.0.0.1:33602 <-> 10.0.0.2:9090`. Index them with
 * {@link LadderOptions.connection}.
 */
export function ladderConnections(records: readonly CaptureRecord[], opts: Pick<LadderOptions, "filter"> = {}): string[] {
  const seen: string[] = [];
  const filter = opts.filter ? compileFilter(opts.filter) : null;
  for (const r of records) {
    if (filter && !filter(r.bytes, r.frame?.length, r.frame)) continue;
    const d = decodeRecord(r);
    if (!d) continue;
    const c = connKey(d.src, d.dst);
    if (!seen.includes(c)) seen.push(c);
  }
  return seen;
}

/** The key of a connection from its two endpoints, either way round (`a <-> b`, the smaller first). */
export function connKey(a: string, b: string): string {
  return a < b ? `${a} <-> ${b}` : `${b} <-> ${a}`;
}

/** Per-direction sequence state for labels and retransmissions. */
interface Side {
  base: number;
  /** Highest relative sequence end sent. */
  maxEnd: number;
}

/**
 * The diagram's arrows, in order of sending: matched out/in observations,
 * drops, relative sequence numbers and retransmissions (see the file
 * comment).
 */
export function ladderEvents(records: readonly CaptureRecord[], opts: LadderOptions = {}): LadderEvent[] {
  const b = new LadderBuilder(opts);
  b.add(records);
  const { connection, drops, relativeTime } = opts;
  return b.events({ ...(connection !== undefined ? { connection } : {}), ...(drops ? { drops } : {}), ...(relativeTime ? { relativeTime } : {}) });
}

/** An arrow while it is built: its decode and destination address kept for drops and labels. */
type Building = LadderEvent & { dstAddr: number; d: Decoded; rec: CaptureRecord };

/**
 * {@link ladderEvents} kept up to date as a capture grows: {@link add}
 * decodes only the records not seen yet (matching each `in` observation to
 * its `out`, labelling in sending order), so a view redrawn while packets
 * arrive costs the new packets, not the whole capture. {@link events}
 * gives what `ladderEvents` gives for the records added so far.
 * @example
 * const b = new LadderBuilder();
 * b.add(cap.packets);            // again whenever cap.packets grew
 * b.events({ last: 1000 });      // the same arrows as ladderEvents(cap.packets).slice(-1000)
 */
export class LadderBuilder {
  readonly #filter: ((b: Uint8Array, len?: number, frame?: Uint8Array) => boolean) | null;
  /** Records looked at. */
  #seen = 0;
  readonly #events: Building[] = [];
  readonly #pending = new Map<string, Building[]>();
  /** Addresses seen receiving: every connection's, and per connection (what a `connection` view watches). */
  readonly #watched = new Set<number>();
  readonly #watchedBy = new Map<string, Set<number>>();
  /** Connections in order of first packet. */
  readonly #conns: string[] = [];
  readonly #connSet = new Set<string>();
  /** Per-direction sequence state; labels are set through event {@link #labelled}. */
  readonly #sides = new Map<string, Side>();
  #labelled = 0;

  /** `opts.filter` selects the records added (as ladderEvents' filter). */
  constructor(opts: Pick<LadderOptions, "filter"> = {}) {
    this.#filter = opts.filter ? compileFilter(opts.filter) : null;
  }

  /** Takes `records[n…]`, where n is how many this builder has seen: pass the same growing capture every time. */
  add(records: readonly CaptureRecord[]): void {
    for (; this.#seen < records.length; this.#seen++) {
      const r = records[this.#seen]!;
      if (this.#filter && !this.#filter(r.bytes, r.frame?.length, r.frame)) continue;
      const d = decodeRecord(r);
      if (!d) continue;
      const conn = connKey(d.src, d.dst);
      if (!this.#connSet.has(conn)) { this.#connSet.add(conn); this.#conns.push(conn); }
      if (r.dir === "in") {
        this.#watched.add(d.dstAddr);
        let w = this.#watchedBy.get(conn);
        if (!w) this.#watchedBy.set(conn, (w = new Set()));
        w.add(d.dstAddr);
        const e = this.#pending.get(d.key)?.shift();
        if (e) {
          e.received = r.t;
          continue;
        }
      }
      const e: Building = { sent: r.t, received: r.dir === "in" ? r.t : null, from: d.src, to: d.dst, label: "", dropped: false, retransmission: false, conn, dstAddr: d.dstAddr, d, rec: r };
      this.#events.push(e);
      if (r.dir === "out") {
        let q = this.#pending.get(d.key);
        if (!q) this.#pending.set(d.key, (q = []));
        q.push(e);
      }
    }
    for (; this.#labelled < this.#events.length; this.#labelled++) this.#label(this.#events[this.#labelled]!);
  }

  /** The connections seen so far, in order of first packet (as {@link ladderConnections} numbers them). */
  connections(): readonly string[] {
    return this.#conns;
  }

  /** How many arrows there are so far: of every connection, or of the one numbered `connection`. */
  count(connection?: number): number {
    if (connection === undefined) return this.#events.length;
    const only = this.#conns[connection];
    let n = 0;
    if (only !== undefined) for (const e of this.#events) if (e.conn === only) n++;
    return n;
  }

  /**
   * The arrows so far, as {@link ladderEvents} gives them with `opts`
   * (`connection`, `drops`, `relativeTime`); with `last`, only the last
   * that many (the others are not built).
   */
  events(opts: Pick<LadderOptions, "connection" | "drops" | "relativeTime" | "last"> = {}): LadderEvent[] {
    return this.indexed(opts).events;
  }

  /** The record an arrow was first seen in (its `out` observation when there is one): arrow `i` of every connection, as {@link indexed} numbers them. */
  record(i: number): CaptureRecord | undefined {
    return this.#events[i]?.rec;
  }

  /** {@link events}, with each arrow's number among the arrows of every connection (for {@link record}). */
  indexed(opts: Pick<LadderOptions, "connection" | "drops" | "relativeTime" | "last"> = {}): { events: LadderEvent[]; index: number[] } {
    const only = opts.connection !== undefined ? this.#conns[opts.connection] : undefined;
    if (opts.connection !== undefined && only === undefined) return { events: [], index: [] };
    const watched = only !== undefined ? this.#watchedBy.get(only) ?? new Set<number>() : this.#watched;
    // Kernel drops: the received packet with the same identity and arrival time, the first such arrow taking it.
    const kernelDrops = new Map<string, LadderDrop[]>();
    for (const k of opts.drops ?? []) {
      const d = decode(k.bytes);
      if (!d) continue;
      const key = `${d.key}@${k.t}`;
      let l = kernelDrops.get(key);
      if (!l) kernelDrops.set(key, (l = []));
      l.push(k);
    }
    const reasons = new Map<Building, string>();
    const all = this.#events;
    let first = -1, count = 0;
    for (let i = 0; i < all.length; i++) {
      const e = all[i]!;
      if (only !== undefined && e.conn !== only) continue;
      if (first < 0) first = i;
      count++;
      if (kernelDrops.size > 0 && e.received !== null) {
        const k = kernelDrops.get(`${e.d.key}@${e.received}`)?.shift();
        if (k) reasons.set(e, k.reason);
      }
    }
    const t0 = opts.relativeTime && first >= 0 ? all[first]!.sent : 0;
    const skip = opts.last !== undefined ? Math.max(0, count - opts.last) : 0;
    const out: LadderEvent[] = [];
    const index: number[] = [];
    let n = 0;
    for (let i = 0; i < all.length; i++) {
      const e = all[i]!;
      if (only !== undefined && e.conn !== only) continue;
      if (n++ < skip) continue;
      index.push(i);
      const kernel = reasons.get(e);
      const lost = e.received === null && watched.has(e.dstAddr);
      out.push({
        sent: e.sent - t0, received: e.received === null ? null : e.received - t0, from: e.from, to: e.to, label: e.label,
        dropped: lost || kernel !== undefined, retransmission: e.retransmission, conn: e.conn,
        ...(kernel !== undefined ? { dropReason: kernel } : lost ? { dropReason: "lost" } : {}),
      });
    }
    return { events: out, index };
  }

  /** The label and retransmission mark of `e`, the next arrow in sending order. */
  #label(e: Building): void {
    const t = e.d.tcp;
    if (!t) {
      e.label = e.d.other;
      return;
    }
    const sides = this.#sides;
    const dirKey = `${e.from}>${e.to}`;
    const syn = (t.flags & 0x02) !== 0;
    let side = sides.get(dirKey);
    if (!side || (syn && side.base !== t.seq)) {
      side = { base: t.seq, maxEnd: 0 };
      sides.set(dirKey, side);
    }
    const peer = sides.get(`${e.to}>${e.from}`);
    const s = (t.seq - side.base) >>> 0;
    const occupies = t.len + (syn ? 1 : 0) + (t.flags & 0x01 ? 1 : 0);
    const end = (s + occupies) >>> 0;
    if (occupies > 0) {
      if (((s - side.maxEnd) | 0) < 0) e.retransmission = true;
      if (((end - side.maxEnd) | 0) > 0) side.maxEnd = end;
    }
    let label = tcpdumpFlags(t.flags);
    if (t.len > 0) label += ` ${s}:${(s + t.len) >>> 0}(${t.len})`;
    else if (t.flags & 0x07) label += ` seq ${s}`;
    if (t.flags & 0x10) label += ` ack ${peer ? (t.ack - peer.base) >>> 0 : t.ack}`;
    if (t.win === 0 && !(t.flags & 0x04)) label += " win 0";
    if (e.retransmission) label += " (retx)";
    e.label = label;
  }
}
