/**
 * IPv4 reassembly (RFC 791 §3.2, RFC 815 holes). Queues are keyed by
 * (src, dst, protocol, id); each expires after `ipfrag_time` (30 s), and
 * all queues together are capped at `ipfrag_high_thresh` bytes (the oldest
 * queue is evicted first). Like Linux since 4.19, a fragment that overlaps
 * data already queued (other than an exact duplicate) poisons the whole
 * datagram: it is dropped and counted as a reassembly failure.
 */
import type { StackContext } from "../core/stack-context.js";
import { Timer } from "../core/scheduler.js";
import type { Micros } from "../core/time.js";
import { type Ipv4Header, IPV4 } from "../wire/ipv4.js";
import { Packet } from "../wire/packet.js";
import { datagramTail } from "./protocol.js";

interface Frag {
  start: number;
  end: number;
  data: Uint8Array;
}

interface Queue {
  key: string;
  frags: Frag[]; // sorted by start, non-overlapping
  firstHeader: Uint8Array | null; // IP header of the offset-0 fragment
  totalLength: number; // payload length once the last fragment arrived, else -1
  bytes: number;
  expires: Micros;
  failed: boolean;
  src: number;
  dst: number;
}

/** Why reassembly dropped a datagram. */
export type ReassemblyDrop = "timeout" | "overlap" | "memory" | "too-big" | "malformed";

/** The reassembly engine of one host. */
export class Reassembler {
  #queues = new Map<string, Queue>();
  #memory = 0;
  #timer: Timer;

  /**
   * @param onDrop called when a datagram is given up; `firstHeader` and
   * `firstData` let the caller quote it in an ICMP time-exceeded (sent only
   * when the first fragment had arrived, RFC 792).
   */
  constructor(
    readonly ctx: StackContext,
    readonly onDrop: (reason: ReassemblyDrop, firstHeader: Uint8Array | null, firstData: Uint8Array | null) => void,
  ) {
    this.#timer = new Timer((now) => this.#expire(now));
  }

  /** Forgets every queue and stops the timer. */
  stop(): void {
    this.#queues.clear();
    this.#memory = 0;
    this.ctx.scheduler.disarm(this.#timer);
  }

  /** Bytes held in all queues. */
  get memory(): number {
    return this.#memory;
  }

  /** Number of datagrams being reassembled. */
  get size(): number {
    return this.#queues.size;
  }

  /**
   * Adds a fragment. Returns the reassembled datagram (a flat Packet)
   * when complete, else null.
   */
  add(packet: Packet, hdr: Ipv4Header): Packet | null {
    const c = this.ctx.counters;
    c.inc(c.Ip, "ReasmReqds");
    const key = `${hdr.src}/${hdr.dst}/${hdr.protocol}/${hdr.id}`;
    const now = this.ctx.scheduler.now();
    let q = this.#queues.get(key);
    if (!q) {
      q = {
        key, frags: [], firstHeader: null, totalLength: -1, bytes: 0,
        expires: now + this.ctx.sysctl.ipfrag_time, failed: false, src: hdr.src, dst: hdr.dst,
      };
      this.#queues.set(key, q);
      if (!this.#timer.armed || this.#timer.deadline > q.expires) this.ctx.scheduler.arm(this.#timer, q.expires);
    }
    const data = datagramTail(packet, hdr.headerLength);
    const start = hdr.fragOffset;
    const end = start + data.length;
    if (end > 65535 - IPV4.MIN_HEADER) return this.#fail(q, "too-big");
    if (hdr.mf && data.length % 8 !== 0) return this.#fail(q, "malformed");
    if (!hdr.mf) {
      if (q.totalLength >= 0 && q.totalLength !== end) return this.#fail(q, "overlap");
      q.totalLength = end;
    }
    // Insert, rejecting overlaps (exact duplicates are ignored).
    let i = 0;
    while (i < q.frags.length && q.frags[i]!.start < start) i++;
    const prev = q.frags[i - 1];
    const next = q.frags[i];
    if (next && next.start === start && next.end === end) return null; // duplicate
    if ((prev && prev.end > start) || (next && next.start < end)) return this.#fail(q, "overlap");
    if (q.totalLength >= 0 && end > q.totalLength) return this.#fail(q, "overlap");
    q.frags.splice(i, 0, { start, end, data });
    if (start === 0) q.firstHeader = packet.head.subarray(0, hdr.headerLength);
    q.bytes += data.length;
    this.#memory += data.length;
    if (this.#memory > this.ctx.sysctl.ipfrag_high_thresh) this.#evict(q);
    if (q.totalLength < 0 || !q.firstHeader) return null;
    let at = 0;
    for (const f of q.frags) {
      if (f.start !== at) return null;
      at = f.end;
    }
    if (at !== q.totalLength) return null;
    // Complete: build one flat datagram with the first fragment's header.
    const hl = q.firstHeader.length;
    const out = new Uint8Array(hl + q.totalLength);
    out.set(q.firstHeader, 0);
    for (const f of q.frags) out.set(f.data, hl + f.start);
    const total = out.length;
    out[2] = total >>> 8;
    out[3] = total & 255;
    out[6] &= 0x80; // clear MF and the offset (keep the reserved bit as received)
    out[7] = 0;
    this.#remove(q);
    c.inc(c.Ip, "ReasmOKs");
    // The header checksum is now stale; mark partial so it is recomputed if the datagram is ever re-emitted.
    return new Packet(out, undefined, true);
  }

  #fail(q: Queue, reason: ReassemblyDrop): null {
    this.#remove(q);
    const c = this.ctx.counters;
    c.inc(c.Ip, "ReasmFails");
    if (reason === "overlap") c.inc(c.Sockstack, "ReasmOverlaps");
    this.onDrop(reason, null, null);
    return null;
  }

  #remove(q: Queue): void {
    this.#queues.delete(q.key);
    this.#memory -= q.bytes;
  }

  #evict(keep: Queue): void {
    for (const q of this.#queues.values()) {
      if (this.#memory <= this.ctx.sysctl.ipfrag_high_thresh) break;
      if (q === keep) continue;
      this.#remove(q);
      const c = this.ctx.counters;
      c.inc(c.Ip, "ReasmFails");
      this.onDrop("memory", null, null);
    }
  }

  #expire(now: Micros): void {
    let next = -1;
    for (const q of this.#queues.values()) {
      if (q.expires <= now) {
        this.#remove(q);
        const c = this.ctx.counters;
        c.inc(c.Ip, "ReasmFails");
        c.inc(c.Ip, "ReasmTimeout");
        const first = q.frags[0];
        this.onDrop("timeout", q.firstHeader, q.firstHeader && first && first.start === 0 ? first.data : null);
      } else if (next < 0 || q.expires < next) next = q.expires;
    }
    if (next >= 0) this.ctx.scheduler.arm(this.#timer, next);
  }
}
