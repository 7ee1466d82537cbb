/**
 * IPv4 reassembly (RFC 791 §3.2; Linux net/ipv4/ip_fragment.c and
 * inet_fragment.c as of 6.x). Queues are keyed by (src, dst, protocol, id).
 *
 * **Memory.** Every queue and fragment is charged what it really costs,
 * like Linux's `frag_mem_limit`: a queue `FRAG_QUEUE_SIZE` bytes (Linux
 * charges `sizeof(struct ipq)` when it creates one), a fragment its
 * truesize — bookkeeping plus the whole buffer it keeps alive (a small
 * fragment inside a big buffer is copied out first, so it does not pin the
 * buffer). Like Linux since 4.17 (`inet_frag_find`), a fragment that
 * arrives while the charged memory exceeds `ipfrag_high_thresh` is dropped
 * (ReasmFails) — old queues are *not* evicted; they leave when they
 * complete, fail or time out. So the memory never exceeds the threshold by
 * more than one queue and one fragment. `ipfrag_low_thresh` is kept as a
 * sysctl but, as in Linux ≥ 4.17, plays no part (documented obsolete).
 *
 * **Expiry.** Each queue is its own {@link Timer} in the host scheduler's
 * heap, armed `ipfrag_time` (30 s) after the queue was created (Linux
 * `mod_timer(&q->timer, jiffies + fqdir->timeout)`), so expiring n queues
 * costs O(n log n), never a scan. An expired queue counts ReasmTimeout and
 * ReasmFails and, when its first fragment had arrived, is answered with an
 * ICMP time exceeded (RFC 792).
 *
 * **Rules** (ip_frag_queue): a last fragment that ends before data already
 * seen, or a second last fragment with another end, a fragment beyond the
 * last one, and a fragment with no data (after its end is rounded down to a
 * multiple of 8 when more fragments follow) kill the queue (ReasmFails); a
 * fragment lying entirely within data already queued is a duplicate and
 * dropped alone; any other overlap kills the queue and counts
 * ReasmOverlaps (Linux ≥ 4.19, RFC 5722).
 */
import type { StackContext } from "../core/stack-context.js";
import { Timer } from "../core/scheduler.js";
import { CONDENSE_SLACK, SKB_TRUESIZE_OVERHEAD } from "../core/truesize.js";
import { type Ipv4Header, IPV4 } from "../wire/ipv4.js";
import { Packet } from "../wire/packet.js";
import { datagramTail } from "./protocol.js";

/**
 * Bytes charged per reassembly queue: Linux charges `sizeof(struct ipq)`
 * (about 200 bytes on x86_64); sockstack charges what a queue costs the JS
 * heap beyond its fragments' truesize — its record and timer slot, Map
 * entry, key string, fragment array and the copy of the first header:
 * measured with `--expose-gc` at 1078 B for a queue holding one 8-byte
 * first fragment (its 28-byte buffer and views included), which is charged
 * 512 + 832 + 28 = 1372 (docs/memory.md).
 */
export const FRAG_QUEUE_SIZE = 512;

interface Frag {
  start: number;
  end: number;
  data: Uint8Array;
  truesize: number;
}

/** One datagram being reassembled; its own expiry timer. */
class FragQueue extends Timer {
  frags: Frag[] = []; // sorted by start, non-overlapping
  firstHeader: Uint8Array | null = null; // IP header of the offset-0 fragment (a copy)
  /** Highest end seen (Linux q.len); final once `lastIn`. */
  len = 0;
  lastIn = false;
  /** Payload bytes queued (Linux q.meat). */
  meat = 0;
  /** Bytes charged (queue + fragment truesizes). */
  mem = FRAG_QUEUE_SIZE;

  constructor(readonly key: string, callback: (now: number, t: Timer) => void) {
    super(callback);
  }
}

/** Why reassembly dropped a datagram. */
export type ReassemblyDrop = "timeout" | "overlap" | "memory" | "too-big" | "malformed";

/** The reassembly engine of one host. */
export class Reassembler {
  #queues = new Map<string, FragQueue>();
  #memory = 0;
  readonly #onTimer = (now: number, t: Timer): void => this.#expire(t as FragQueue);

  /**
   * @param onDrop called when a datagram is given up; `firstHeader` and
   * `firstData` let the caller quote it in an ICMP time-exceeded (sent only
   * when the first fragment had arrived, RFC 792).
   */
  constructor(
    readonly ctx: StackContext,
    readonly onDrop: (reason: ReassemblyDrop, firstHeader: Uint8Array | null, firstData: Uint8Array | null) => void,
  ) {}

  /** Forgets every queue and disarms their timers. */
  stop(): void {
    for (const q of this.#queues.values()) this.ctx.scheduler.disarm(q);
    this.#queues.clear();
    this.#memory = 0;
  }

  /** Bytes charged for all queues (Linux frag_mem_limit, `/proc/net/sockstat` FRAG memory). */
  get memory(): number {
    return this.#memory;
  }

  /** Number of datagrams being reassembled (`/proc/net/sockstat` FRAG inuse). */
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
    // Linux inet_frag_find: over ipfrag_high_thresh, every fragment is refused (no queue is looked up or made).
    const high = this.ctx.sysctl.ipfrag_high_thresh;
    if (high <= 0 || this.#memory > high) {
      c.inc(c.Ip, "ReasmFails");
      this.onDrop("memory", null, null);
      return null;
    }
    const key = `${hdr.src}/${hdr.dst}/${hdr.protocol}/${hdr.id}`;
    let q = this.#queues.get(key);
    if (!q) {
      // A fragment that would kill the queue it creates (no data, or beyond 64 KiB) creates none:
      // the same counters as Linux, which makes the queue and kills it at once.
      const dataLen = packet.length - hdr.headerLength;
      const end = hdr.mf ? (hdr.fragOffset + dataLen) & ~7 : hdr.fragOffset + dataLen;
      if (end <= hdr.fragOffset || hdr.fragOffset + dataLen > 65535 - IPV4.MIN_HEADER) {
        c.inc(c.Ip, "ReasmFails");
        this.onDrop(end <= hdr.fragOffset ? "malformed" : "too-big", null, null);
        return null;
      }
      q = new FragQueue(key, this.#onTimer);
      this.#queues.set(key, q);
      this.#memory += FRAG_QUEUE_SIZE;
      this.ctx.scheduler.armIn(q, this.ctx.sysctl.ipfrag_time);
    }
    let data = datagramTail(packet, hdr.headerLength);
    const start = hdr.fragOffset;
    let end = start + data.length;
    if (end > 65535 - IPV4.MIN_HEADER) return this.#fail(q, "too-big");
    if (!hdr.mf) {
      // The last fragment: nothing may lie beyond it, and only one end is possible.
      if (end < q.len || (q.lastIn && end !== q.len)) return this.#fail(q, "malformed");
      q.lastIn = true;
      q.len = end;
    } else {
      end &= ~7; // Linux: a non-last fragment's length is rounded down to a multiple of 8
      if (end > q.len) {
        if (q.lastIn) return this.#fail(q, "malformed");
        q.len = end;
      }
    }
    if (end <= start) return this.#fail(q, "malformed");
    if (end - start !== data.length) data = data.subarray(0, end - start);
    // Insert: a fragment within data already queued is a duplicate; any other overlap poisons the datagram.
    const frags = q.frags;
    let i = frags.length;
    while (i > 0 && frags[i - 1]!.start >= end) i--; // frags[0..i) start before our end
    const prev = frags[i - 1];
    if (prev && prev.end > start) {
      // Overlaps the run ending at prev: a duplicate only if a contiguous run covers [start, end).
      let k = i - 1;
      while (k > 0 && frags[k]!.start > start && frags[k - 1]!.end === frags[k]!.start) k--;
      if (frags[k]!.start <= start && prev.end >= end) return null; // duplicate: dropped alone
      c.inc(c.IpExt, "ReasmOverlaps");
      return this.#fail(q, "overlap");
    }
    // Keep only what the fragment needs: a small fragment inside a big buffer is copied out.
    if (data.buffer.byteLength > data.length + CONDENSE_SLACK) data = data.slice();
    const truesize = SKB_TRUESIZE_OVERHEAD + data.buffer.byteLength;
    frags.splice(i, 0, { start, end, data, truesize });
    if (start === 0) q.firstHeader = packet.head.slice(0, hdr.headerLength);
    q.meat += end - start;
    q.mem += truesize;
    this.#memory += truesize;
    if (!q.lastIn || !q.firstHeader || q.meat !== q.len) return null;
    // Complete: build one flat datagram with the first fragment's header.
    const hl = q.firstHeader.length;
    const out = new Uint8Array(hl + q.len);
    out.set(q.firstHeader, 0);
    for (const f of frags) out.set(f.data, hl + f.start);
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

  /** Linux discard_qp: the queue dies with the fragment that broke it (ReasmFails). */
  #fail(q: FragQueue, reason: ReassemblyDrop): null {
    this.#remove(q);
    const c = this.ctx.counters;
    c.inc(c.Ip, "ReasmFails");
    this.onDrop(reason, null, null);
    return null;
  }

  #remove(q: FragQueue): void {
    this.#queues.delete(q.key);
    this.ctx.scheduler.disarm(q);
    this.#memory -= q.mem;
  }

  /** Linux ip_expire: one queue's timer fired. */
  #expire(q: FragQueue): void {
    this.#remove(q); // the timer only fires while the queue is live: #remove disarms it
    const c = this.ctx.counters;
    c.inc(c.Ip, "ReasmFails");
    c.inc(c.Ip, "ReasmTimeout");
    const first = q.frags[0];
    this.onDrop("timeout", q.firstHeader, q.firstHeader && first && first.start === 0 ? first.data : null);
  }
}
