/**
 * The TCP send buffer (seed D5): bytes written by the application and not
 * yet acknowledged by the peer, i.e. the data between snd.una and the end
 * of what was written — `ss`/`netstat` **Send-Q** on an established socket.
 *
 * **One copy.** `write` copies the user's bytes once into append-only
 * blocks. A block is never reused or overwritten: segments in flight, the
 * retransmission queue and even the peer's receive queue (on the in-memory
 * link the receiver keeps views of the sender's bytes) may hold views into
 * it, and a freed block simply becomes garbage once the last view goes.
 *
 * **Block growth.** An idle connection holds no block (the last block is
 * released when everything written has been acknowledged). A new block is
 * sized max(512, the write's remaining bytes rounded up to a power of two,
 * twice the previous live block), capped at 64 KiB: a 1-byte write costs
 * 512 bytes, a bulk transfer settles on 64 KiB blocks after a few writes.
 * Only the last block is partially filled; earlier ones are full.
 *
 * **Reading.** The TCB cuts segments itself (MSS, cwnd and peer window are
 * its business): `peek(seq − snd.una, min(mss, …))`. A range inside one
 * block comes back as a view (no copy); a range that straddles two blocks
 * is copied (rare: at most once per 64 KiB for MSS-sized reads).
 *
 * **Accounting.** Offsets in the API are relative to snd.una, so 32-bit
 * sequence wrap-around does not matter here and a connection can move any
 * amount of data (internally byte counts are exact up to 2^53). The
 * capacity is `sk_sndbuf` (the doubled SO_SNDBUF, or `tcp_wmem[1]` grown
 * by send-buffer autotuning) and is compared with {@link wmemQueued}:
 * under the Linux personality the writer cuts the data into Linux's skbs
 * ({@link newSkb}, send-skbs.ts) and each costs its payload plus 832 bytes
 * (`sk_wmem_queued`, skb truesize); a buffer that never had an skb opened
 * (FreeBSD personality: `sb_ccc` against `sb_hiwat`) counts payload only.
 */

import { SendRecords } from "./send-records.js";
import { SEND_SKB_OVERHEAD, SendSkbs } from "./send-skbs.js";

/** Largest block allocated (64 KiB). */
export const SEND_BLOCK_MAX = 65536;
/** Smallest block allocated. */
export const SEND_BLOCK_MIN = 512;

/**
 * Blocks of 2–8 KiB are cut from shared 32 KiB slabs rather than each
 * being an ArrayBuffer of its own: a typed array over 64 bytes is an
 * off-heap allocation (about a microsecond, and GC work), and a
 * request/response connection allocates a block for every response. The
 * bytes of a block are still its own: a slab is append-only too (each cut
 * is fresh, zeroed memory, never reused), and the cuts are SLAB_GAP bytes
 * apart, so two blocks are never contiguous in one buffer and the
 * receiver's coalescing of adjacent views (recv-buffer.ts, ooo-queue.ts)
 * sees exactly the pieces it saw with separate buffers. Blocks under 2 KiB
 * keep a buffer of their own: `condense` (core/truesize.ts) copies a small
 * queued view out of a buffer larger than it by CONDENSE_SLACK, and only
 * from 2 KiB up is that decision the same in a slab as in the block's own
 * buffer. A live block keeps its slab alive (at most 16× its size).
 */
const SLAB_SIZE = 32768;
const SLAB_BLOCK_MIN = 2048;
const SLAB_BLOCK_MAX = 8192;
const SLAB_GAP = 8;
let slab: Uint8Array | null = null;
let slabUsed = 0;

/** A fresh zeroed block of `size` bytes: cut from the current slab when its size suits, else its own buffer. */
function newBlock(size: number): Uint8Array {
  if (size < SLAB_BLOCK_MIN || size > SLAB_BLOCK_MAX) return new Uint8Array(size);
  if (!slab || slabUsed + size > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const b = slab.subarray(slabUsed, slabUsed + size);
  slabUsed += size + SLAB_GAP;
  return b;
}

/**
 * An append-only, acknowledge-from-the-front byte queue.
 * @example
 * const sb = new SendBuffer(16384);
 * sb.write(bytes);               // → bytes accepted (≤ sb.space())
 * const seg = sb.peek(0, 1460);  // first segment, a view when possible
 * sb.acknowledge(1460);          // ACK advanced snd.una by 1460
 */
export class SendBuffer {
  // Both arrays start as the shared empty NO_* sentinels (never written) and
  // are created by the first write: an idle connection that never sent data
  // owns no arrays (memory per connection).
  #blocks: Uint8Array[] = NO_BLOCKS;
  #starts: number[] = NO_STARTS;   // absolute stream offset of each block's first byte
  #head = 0;                // first live block
  #fill = 0;                // bytes used in the last block
  #una = 0;                 // absolute offset of snd.una
  #end = 0;                 // absolute offset after the last written byte
  #pushed = 0;              // absolute write end at the last tcp_mark_push (Linux pushed_seq)
  #capacity: number;
  #cache = 0;               // block index of the last peek
  // PSH and MSG_EOR record ends (send-records.ts), while any matter; it also holds Linux's skbs (send-skbs.ts)
  // from the writer's first newSkb until all is acknowledged — no field of its own (memory per connection).
  #rec: SendRecords | null = null;

  /** @param capacity the byte limit for unacknowledged data (see the module comment). */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Bytes written and not yet acknowledged (Send-Q). */
  get length(): number {
    return this.#end - this.#una;
  }

  /** The byte limit (SO_SNDBUF as the caller interprets it). Lowering it never discards data. */
  get capacity(): number {
    return this.#capacity;
  }
  set capacity(v: number) {
    this.#capacity = v;
  }

  /** Total bytes ever written (the sender's stream offset of the write end). */
  get totalWritten(): number {
    return this.#end;
  }

  /** Total bytes ever acknowledged (Linux `bytes_acked` minus the SYN). */
  get totalAcked(): number {
    return this.#una;
  }

  /** Bytes of block memory currently held. */
  get allocated(): number {
    let n = 0;
    for (let i = this.#head; i < this.#blocks.length; i++) n += this.#blocks[i]!.length;
    return n;
  }

  /** Number of live blocks (for tests and `ss -m`-style views). */
  get blockCount(): number {
    return this.#blocks.length - this.#head;
  }

  /**
   * The memory charged against {@link capacity} (Linux `sk_wmem_queued`):
   * the unacknowledged payload plus {@link SEND_SKB_OVERHEAD} for each
   * skb once skbs are kept (see the module comment).
   */
  get wmemQueued(): number {
    const k = this.#rec?.skbs;
    return k == null ? this.#end - this.#una : this.#end - this.#una + k.count * SEND_SKB_OVERHEAD;
  }

  /** Live skbs (0 when the buffer does not keep them). */
  get skbCount(): number {
    return this.#rec?.skbs?.count ?? 0;
  }

  /** Free space: `capacity − wmemQueued` (Linux sk_stream_wspace), at least 0 — what `write` accepts now. */
  space(): number {
    return Math.max(0, this.#capacity - this.wmemQueued);
  }

  /** Linux sk_stream_memory_free (without TCP_NOTSENT_LOWAT): a new skb may be queued, `wmemQueued < capacity`. */
  memoryFree(): boolean {
    return this.wmemQueued < this.#capacity;
  }

  /**
   * Linux `sk_stream_is_writeable`: free space (`sk_stream_wspace`) at
   * least half of what is queued (`sk_stream_min_wspace`), i.e. at most
   * two thirds of the capacity in use — the POLLOUT / EPOLLOUT condition
   * and when an ACK wakes a blocked writer (avoids waking it for a few bytes).
   */
  isWritable(): boolean {
    const q = this.wmemQueued;
    return this.#capacity - q >= q >> 1 && this.#capacity > q;
  }

  /**
   * Appends up to `len` bytes of `data` from `off`, at most {@link space}.
   * Returns the number of bytes taken (0 when full — the caller blocks or
   * returns EAGAIN; a short count is `send`'s short write, seed E3).
   */
  write(data: Uint8Array, off = 0, len = data.length - off): number {
    const n = Math.min(len, this.space());
    return n <= 0 ? 0 : this.append(data, off, n);
  }

  /**
   * Linux tcp_stream_alloc_skb + tcp_skb_entail: a new, empty skb at the
   * write end (charged at once); from the first call until everything is
   * acknowledged the buffer keeps skbs — bytes already queued without one
   * become one skb.
   */
  newSkb(): void {
    const rec = (this.#rec ??= new SendRecords(this.#una));
    let k = rec.skbs;
    if (k === null) {
      k = rec.skbs = new SendSkbs();
      if (this.#end > this.#una) k.open(this.#una);
    }
    k.open(this.#end);
  }

  /**
   * The bytes in the write queue's tail skb when more may be appended to it
   * (Linux tcp_skb_can_collapse_to, and not yet sent: it starts at or after
   * `sent` bytes past snd.una), else -1 — the writer then needs {@link newSkb}.
   */
  tailSkbBytes(sent: number): number {
    const k = this.#rec?.skbs;
    if (k == null || k.closed) return -1;
    const start = k.lastStart;
    return start < 0 || start < this.#una + sent ? -1 : this.#end - start;
  }

  /** A transmission ended `offset` bytes after snd.una: the skb holding that point is cut there (tcp_fragment). */
  splitSkb(offset: number): void {
    const k = this.#rec?.skbs;
    if (k != null && offset > 0 && offset < this.#end - this.#una) k.split(this.#una + offset);
  }

  /**
   * Appends `len` bytes of `data` from `off` whatever the free space (Linux
   * appends to the tail skb without checking sk_sndbuf): into the last skb
   * when the buffer keeps skbs. Returns `len`.
   */
  append(data: Uint8Array, off: number, len: number): number {
    if (len <= 0) return 0;
    const skbs = this.#rec?.skbs;
    if (skbs != null && skbs.count === 0) skbs.open(this.#end);
    let n = len;
    while (n > 0) {
      let last = this.#blocks.length > this.#head ? this.#blocks[this.#blocks.length - 1]! : undefined;
      if (!last || this.#fill === last.length) {
        last = this.#allocate(n, last ? last.length : 0);
      }
      const k = Math.min(n, last.length - this.#fill);
      last.set(off === 0 && k === data.length ? data : data.subarray(off, off + k), this.#fill); // a Buffer's subarray is a Buffer: not free
      this.#fill += k;
      this.#end += k;
      off += k;
      n -= k;
    }
    return len;
  }

  #allocate(want: number, prev: number): Uint8Array {
    let size = SEND_BLOCK_MIN;
    while (size < want && size < SEND_BLOCK_MAX) size *= 2;
    size = Math.min(Math.max(size, prev * 2), SEND_BLOCK_MAX);
    const b = newBlock(size);
    if (this.#blocks === NO_BLOCKS) {
      this.#blocks = [];
      this.#starts = [];
    }
    this.#blocks.push(b);
    this.#starts.push(this.#end);
    this.#fill = 0;
    return b;
  }

  /**
   * `len` bytes starting `offset` bytes after snd.una (clamped to what
   * was written): a view when they lie in one block, else a fresh copy.
   * The bytes of a returned view never change. Returns an empty array when
   * nothing is there.
   */
  peek(offset: number, len: number): Uint8Array {
    const abs = this.#una + offset;
    if (offset < 0 || abs >= this.#end || len <= 0) return EMPTY;
    len = Math.min(len, this.#end - abs);
    let i = this.#find(abs);
    let b = this.#blocks[i]!;
    let at = abs - this.#starts[i]!;
    if (at + len <= b.length) return b.subarray(at, at + len);
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const k = Math.min(len - done, b.length - at);
      out.set(b.subarray(at, at + k), done);
      done += k;
      b = this.#blocks[++i]!;
      at = 0;
    }
    return out;
  }

  /** Index of the block holding absolute offset `abs` (which must be live). */
  #find(abs: number): number {
    const starts = this.#starts, blocks = this.#blocks;
    const c = this.#cache;
    if (c >= this.#head && c < blocks.length && abs >= starts[c]! && abs < starts[c]! + blocks[c]!.length) return c;
    // sequential access: try the next block first
    if (c + 1 >= this.#head && c + 1 < blocks.length && abs >= starts[c + 1]! && abs < starts[c + 1]! + blocks[c + 1]!.length) {
      return (this.#cache = c + 1);
    }
    let lo = this.#head, hi = blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= abs) lo = mid;
      else hi = mid - 1;
    }
    return (this.#cache = lo);
  }

  /**
   * snd.una advanced by `n` bytes: frees every fully acknowledged block
   * (and the last one when nothing is left). Throws RangeError when `n`
   * exceeds {@link length} (a TCB bug: ACK of unsent data is checked before).
   */
  acknowledge(n: number): void {
    if (n < 0 || n > this.length) throw new RangeError(`acknowledge(${n}) with ${this.length} bytes queued`);
    this.#una += n;
    // All acknowledged: no record and no skb is left (the writer opens skbs again with its next write).
    if (this.#rec) {
      if (this.#una === this.#end) this.#rec = null;
      else {
        this.#rec.acknowledge(this.#una);
        this.#rec.skbs?.acknowledge(this.#una, this.#end);
      }
    }
    const blocks = this.#blocks, starts = this.#starts;
    const lastIdx = blocks.length - 1;
    while (this.#head <= lastIdx) {
      const i = this.#head;
      const end = i === lastIdx ? starts[i]! + this.#fill : starts[i]! + blocks[i]!.length;
      if (end > this.#una) break;
      if (i === lastIdx && this.#una < this.#end) break;
      blocks[i] = EMPTY;    // drop the reference; views elsewhere keep the memory alive
      this.#head++;
    }
    if (this.#head === blocks.length) {
      blocks.length = 0;
      starts.length = 0;
      this.#head = 0;
      this.#fill = 0;
      this.#cache = 0;
    } else if (this.#head >= 32 && this.#head * 2 >= blocks.length) {
      blocks.splice(0, this.#head);
      starts.splice(0, this.#head);
      this.#cache = Math.max(0, this.#cache - this.#head);
      this.#head = 0;
    }
  }

  /**
   * Linux `tcp_mark_push`: the record being filled (the bytes written and
   * not yet sent since the last record closed) ends with PSH — called at
   * the end of a sendmsg without MSG_MORE and before a sendmsg waits for
   * space. See send-records.ts.
   */
  markPush(): void {
    this.#pushed = this.#end;
    (this.#rec ??= new SendRecords(this.#una)).markPush(this.#end);
  }

  /**
   * Linux `forced_push`: more than `halfWindow` bytes written since the last
   * tcp_mark_push (`pushed_seq`).
   */
  forcedPush(halfWindow: number): boolean {
    return this.#end - this.#pushed > halfWindow;
  }

  /** tcp_mark_push on the full skb ending at the write end, inside a write (see send-records.ts `forcePush`). */
  forcePush(): void {
    this.#pushed = this.#end;
    (this.#rec ??= new SendRecords(this.#una)).forcePush(this.#end);
  }

  /** The first byte of a sendmsg is about to be appended to the open record: its PSH is cleared (Linux). */
  unmarkPush(): void {
    this.#rec?.unmarkPush(this.#end);
  }

  /**
   * MSG_EOR, or an skb full of fragments: the open record is closed; no
   * segment crosses its end and later writes start a new one.
   */
  closeRecord(): void {
    (this.#rec ??= new SendRecords(this.#una)).close(this.#end);
    const k = this.#rec.skbs;
    if (k !== null) k.closed = true;
  }

  /** Whether the open record holds unsent bytes (a write now would join it). */
  get tailOpen(): boolean {
    return this.#rec !== null && this.#end > this.#rec.tailStart;
  }

  /** User-memory fragments in the open record (MSG_ZEROCOPY); {@link addFragment} counts one more. */
  get tailFragments(): number {
    return this.#rec !== null && this.#end > this.#rec.tailStart ? this.#rec.tailFrags : 0;
  }

  /** The bytes just written are one more fragment of the open record. */
  addFragment(): void {
    const r = (this.#rec ??= new SendRecords(this.#una));
    if (this.#end > r.tailStart) r.tailFrags++;
  }

  /** A segment ending `offset` bytes after snd.una left for the first time. */
  sent(offset: number): void {
    this.#rec?.sent(this.#una + offset, this.#end);
  }

  /** Whether the segment ending `offset` bytes after snd.una carries PSH (its record's end, marked). */
  pushAt(offset: number): boolean {
    return this.#rec !== null && this.#rec.pushAt(this.#una + offset, this.#end);
  }

  /** `len` clamped so that a segment starting `offset` bytes after snd.una does not cross a MSG_EOR record end. */
  recordLimit(offset: number, len: number): number {
    if (!this.#rec) return len;
    const e = this.#rec.eorAfter(this.#una + offset);
    return e < 0 ? len : Math.min(len, e - this.#una - offset);
  }

  /** `len` clamped so that a transmission starting `offset` bytes after snd.una stays inside its skb (Linux sends one skb at a time). */
  skbLimit(offset: number, len: number): number {
    const k = this.#rec?.skbs;
    if (k == null) return len;
    const e = k.endAfter(this.#una + offset);
    return e < 0 ? len : Math.min(len, e - this.#una - offset);
  }

  /** Whether `offset` bytes after snd.una is the end of a MSG_EOR record. */
  isRecordEnd(offset: number): boolean {
    return this.#rec !== null && this.#rec.isEor(this.#una + offset);
  }

  /** Drops everything (abort / RST): length becomes 0, blocks are released. */
  clear(): void {
    this.#rec = null;
    this.#una = this.#end;
    this.#blocks.length = 0;
    this.#starts.length = 0;
    this.#head = 0;
    this.#fill = 0;
    this.#cache = 0;
  }
}

const EMPTY = new Uint8Array(0);
/** The block and start arrays of a buffer that never held data (shared; never written). */
const NO_BLOCKS: Uint8Array[] = [];
const NO_STARTS: number[] = [];
