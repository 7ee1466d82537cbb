/**
 * IPv4 and IPv6 reassembly (RFC 791 §3.2, RFC 8200 §4.5; Linux
 * net/ipv4/ip_fragment.c, net/ipv6/reassembly.c and inet_fragment.c as of
 * 6.x): one engine, a {@link ReassemblyFamily} per family (its counters,
 * limits and how the whole datagram is rebuilt; each family's engine has
 * its own memory, as Linux's fqdir per family). IPv4 queues are keyed by
 * (src, dst, protocol, id), IPv6 ones by (src, dst, id).
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
import type { CounterGroup, Counters } from "../core/counters.js";
import type { Sysctls } from "../core/sysctl.js";
import type { Micros } from "../core/time.js";
import { Timer } from "../core/scheduler.js";
import { CONDENSE_SLACK, SKB_TRUESIZE_OVERHEAD } from "../core/truesize.js";
import { type Ipv4Header, IPV4 } from "../wire/ipv4.js";
import { Packet } from "../wire/packet.js";
import { datagramTail } from "./protocol.js";

/** The first `n` bytes of a datagram (a copy), across head and payload. */
function datagramHead(p: Packet, n: number): Uint8Array {
  if (n <= p.head.length) return p.head.slice(0, n);
  const out = new Uint8Array(n);
  out.set(p.head, 0);
  out.set(p.payload.subarray(0, n - p.head.length), p.head.length);
  return out;
}

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

/**
 * What differs between IPv4 and IPv6 reassembly (Linux: one
 * inet_frags engine, a `struct inet_frags` per family with its own
 * memory accounting, limits and counters).
 */
export interface ReassemblyFamily {
  /** The counter group of ReasmReqds/OKs/Fails/Timeout (`Ip`, `Ip6`). */
  counters(c: Counters): CounterGroup;
  /** Where overlaps are counted (IPv4: IpExt ReasmOverlaps), or null (IPv6: Linux counts none /proc shows). */
  overlapCounters(c: Counters): CounterGroup | null;
  /** The memory cap (`ipfrag_high_thresh`, `ip6frag_high_thresh`). */
  highThresh(s: Sysctls): number;
  /** The queue lifetime (`ipfrag_time`, `ip6frag_time`). */
  timeout(s: Sysctls): Micros;
  /** The largest end offset a fragment may reach. */
  maxEnd: number;
  /**
   * Builds the reassembled datagram: `first` is the first fragment's
   * header bytes (everything before its data), `len` the data length;
   * the data is copied in at `dataOffset` of the result by the engine.
   * Returns the buffer and where the data goes.
   */
  finish(first: Uint8Array, len: number): { out: Uint8Array; dataOffset: number };
}

/** IPv4's reassembly (RFC 791): the first header with the total length, MF and offset rewritten. */
export const IPV4_REASSEMBLY: ReassemblyFamily = {
  counters: (c) => c.Ip,
  overlapCounters: (c) => c.IpExt,
  highThresh: (s) => s.ipfrag_high_thresh,
  timeout: (s) => s.ipfrag_time,
  maxEnd: 65535 - IPV4.MIN_HEADER,
  finish(first, len) {
    const hl = first.length;
    const out = new Uint8Array(hl + len);
    out.set(first, 0);
    const total = out.length;
    out[2] = total >>> 8;
    out[3] = total & 255;
    out[6]! &= 0x80; // clear MF and the offset (keep the reserved bit as received)
    out[7] = 0;
    return { out, dataOffset: hl };
  },
};

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
    /** IPv4 (the default) or IPv6 rules. */
    readonly family: ReassemblyFamily = IPV4_REASSEMBLY,
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
    return this.addFragment(`${hdr.src}/${hdr.dst}/${hdr.protocol}/${hdr.id}`, packet, hdr.headerLength, hdr.fragOffset, hdr.mf);
  }

  /**
   * Adds a fragment of any family: `key` names its datagram, its data
   * starts at byte `dataStart` of the packet (everything before is its
   * header, kept from the first fragment), `fragOffset` is the data's
   * offset in the datagram, `mf` the more-fragments flag. Returns the
   * reassembled datagram (built by the family's `finish`) or null.
   */
  addFragment(key: string, packet: Packet, dataStart: number, fragOffset: number, mf: boolean): Packet | null {
    const fam = this.family;
    const c = this.ctx.counters;
    const g = fam.counters(c);
    c.inc(g, "ReasmReqds");
    // Linux inet_frag_find: over the high threshold, every fragment is refused (no queue is looked up or made).
    const high = fam.highThresh(this.ctx.sysctl);
    if (high <= 0 || this.#memory > high) {
      c.inc(g, "ReasmFails");
      this.onDrop("memory", null, null);
      return null;
    }
    let q = this.#queues.get(key);
    if (!q) {
      // A fragment that would kill the queue it creates (no data, or beyond 64 KiB) creates none:
      // the same counters as Linux, which makes the queue and kills it at once.
      const dataLen = packet.length - dataStart;
      const end = mf ? (fragOffset + dataLen) & ~7 : fragOffset + dataLen;
      if (end <= fragOffset || fragOffset + dataLen > fam.maxEnd) {
        c.inc(g, "ReasmFails");
        this.onDrop(end <= fragOffset ? "malformed" : "too-big", null, null);
        return null;
      }
      q = new FragQueue(key, this.#onTimer);
      this.#queues.set(key, q);
      this.#memory += FRAG_QUEUE_SIZE;
      this.ctx.scheduler.armIn(q, fam.timeout(this.ctx.sysctl));
    }
    let data = datagramTail(packet, dataStart);
    const start = fragOffset;
    let end = start + data.length;
    if (end > fam.maxEnd) return this.#fail(q, "too-big");
    if (!mf) {
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
      const oc = fam.overlapCounters(c);
      if (oc) c.inc(oc, "ReasmOverlaps");
      return this.#fail(q, "overlap");
    }
    // Keep only what the fragment needs: a small fragment inside a big buffer is copied out.
    if (data.buffer.byteLength > data.length + CONDENSE_SLACK) data = data.slice();
    const truesize = SKB_TRUESIZE_OVERHEAD + data.buffer.byteLength;
    frags.splice(i, 0, { start, end, data, truesize });
    if (start === 0) q.firstHeader = datagramHead(packet, dataStart);
    q.meat += end - start;
    q.mem += truesize;
    this.#memory += truesize;
    if (!q.lastIn || !q.firstHeader || q.meat !== q.len) return null;
    // Complete: build one flat datagram with the first fragment's header.
    const { out, dataOffset } = fam.finish(q.firstHeader, q.len);
    for (const f of frags) out.set(f.data, dataOffset + f.start);
    this.#remove(q);
    c.inc(g, "ReasmOKs");
    // The header checksum is now stale; mark partial so it is recomputed if the datagram is ever re-emitted.
    return new Packet(out, undefined, true);
  }

  /** Linux discard_qp: the queue dies with the fragment that broke it (ReasmFails). */
  #fail(q: FragQueue, reason: ReassemblyDrop): null {
    this.#remove(q);
    const c = this.ctx.counters;
    c.inc(this.family.counters(c), "ReasmFails");
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
    const g = this.family.counters(c);
    c.inc(g, "ReasmFails");
    c.inc(g, "ReasmTimeout");
    const first = q.frags[0];
    this.onDrop("timeout", q.firstHeader, q.firstHeader && first && first.start === 0 ? first.data : null);
  }
}
