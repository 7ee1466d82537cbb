/**
 * The in-order receive queue (seed D4's "clean data for the reader"): the
 * bytes between the application's read position and rcv.nxt — `ss`/
 * `netstat` **Recv-Q** on an established socket.
 *
 * It keeps *references*: `push` stores the view it is given (a slice of a
 * received packet, or on the in-memory link a view of the sender's
 * send-buffer block, which is never overwritten). Bytes are copied only
 * when the application reads them into its own buffer (`readInto`) or
 * when a `read` spans several chunks.
 *
 * Buffer accounting follows Linux's model of `sk_rcvbuf` vs
 * `sk_rmem_alloc`: memory is charged at skb *truesize*, and the window is
 * the part of the free memory that is expected to be payload,
 * `tcp_win_from_space(space) = space · scaling_ratio / 256`. Linux 6.6+
 * starts with scaling_ratio = 128 (= the old `tcp_adv_win_scale = 1`:
 * half of the buffer is payload) and refines it from observed
 * len/truesize; here the ratio stays fixed and a payload byte is charged
 * 256/ratio bytes, so with the default ratio:
 *
 *     tcp_full_space = rcvbuf / 2            (131072 → 65536)
 *     tcp_space      = rcvbuf / 2 − queued   (queued = in-order + out-of-order bytes)
 *
 * **Memory** ({@link RecvBuffer.truesize}, Linux `sk_rmem_alloc`): each
 * queued chunk is charged its bytes plus {@link SKB_TRUESIZE_OVERHEAD}; a
 * view adjacent in memory to the last chunk extends it (Linux
 * `tcp_try_coalesce`), and {@link RecvBuffer.collapse} copies many small
 * chunks into one (Linux `tcp_collapse`) when the connection is over its
 * buffer. The window above is unchanged by this: it stays the payload
 * model, and the truesize charge only decides pruning (tcp/input.ts).
 */
import { SKB_TRUESIZE_OVERHEAD } from "../core/truesize.js";
import type { AbstractCtor } from "./rtt.js";

/** Linux TCP_RMEM_TO_WIN_SCALE: scaling_ratio is a fraction of 2^8. */
export const TCP_RMEM_TO_WIN_SCALE = 8;
/** Linux TCP_DEFAULT_SCALING_RATIO (128/256 = ½, the former tcp_adv_win_scale = 1). */
export const TCP_DEFAULT_SCALING_RATIO = 128;

/**
 * Linux `tcp_win_from_space`: the payload window that `space` bytes of
 * buffer memory hold.
 * @example winFromSpace(131072) === 65536
 */
export function winFromSpace(space: number, scalingRatio = TCP_DEFAULT_SCALING_RATIO): number {
  if (space <= 0) return 0;
  return Math.floor((space * scalingRatio) / 256);
}

/** Linux `tcp_space_from_win`: buffer memory charged for `win` payload bytes. */
export function spaceFromWin(win: number, scalingRatio = TCP_DEFAULT_SCALING_RATIO): number {
  return Math.floor((win * 256) / scalingRatio);
}

/**
 * The receive queue of one connection as a mixin: `withRecvBuffer(Base)` is
 * `Base` with the queue's fields and methods. The TCB is built this way
 * (`t.rcvBuf` is the TCB itself), so the queue's fields live in the
 * connection record — no separate object, header and pointer per
 * connection (BENCHMARKS.md, memory-per-connection). {@link RecvBuffer} is
 * the standalone form.
 */
export function withRecvBuffer<B extends AbstractCtor>(Base: B) {
  abstract class RecvBufferFields extends Base {
    // The shared empty NO_CHUNKS (never written) until the first segment: an
    // idle connection owns no array (memory per connection).
    #chunks: Uint8Array[] = NO_CHUNKS;
    #head = 0;          // first live chunk
    #headOff = 0;       // bytes of the head chunk already consumed
    #length = 0;
    /** SO_RCVBUF in bytes, Linux semantics (`sk_rcvbuf`: the doubled setsockopt value, default tcp_rmem[1]). */
    rcvbuf = 0;
    /** Payload fraction of buffer memory, ×256 (Linux `scaling_ratio`). */
    scalingRatio = TCP_DEFAULT_SCALING_RATIO;

    /** Bytes queued and not yet read (Recv-Q). */
    get length(): number {
      return this.#length;
    }

    /** Number of queued chunks. */
    get chunkCount(): number {
      return this.#chunks.length - this.#head;
    }

    /**
     * Memory charged for the queue (Linux `sk_rmem_alloc` of the receive
     * queue): the bytes plus {@link SKB_TRUESIZE_OVERHEAD} per chunk.
     */
    get truesize(): number {
      return this.#length + (this.#chunks.length - this.#head) * SKB_TRUESIZE_OVERHEAD;
    }

    /**
     * Queues `view` by reference (empty views are ignored). A view that
     * continues the last chunk in the same buffer extends it instead (Linux
     * tcp_try_coalesce): consecutive segments cut from one sender block cost
     * one chunk.
     */
    push(view: Uint8Array): void {
      if (view.length === 0) return;
      if (this.#chunks === NO_CHUNKS) this.#chunks = [];
      const chunks = this.#chunks;
      const n = chunks.length;
      const last = n > this.#head ? chunks[n - 1]! : undefined;
      if (last && last.buffer === view.buffer && last.byteOffset + last.length === view.byteOffset) {
        chunks[n - 1] = new Uint8Array(last.buffer, last.byteOffset, last.length + view.length);
      } else {
        chunks.push(view);
      }
      this.#length += view.length;
    }

    /**
     * Linux `tcp_collapse` of the receive queue: copies the unread bytes of
     * several chunks into one buffer, so a queue of many small segments is
     * charged (and keeps alive) little more than its bytes. Returns the
     * truesize saved.
     */
    collapse(): number {
      const count = this.#chunks.length - this.#head;
      if (count <= 1) return 0;
      const before = this.truesize;
      const all = new Uint8Array(this.#length);
      this.peekInto(all, 0, this.#length);
      this.#chunks = [all];
      this.#head = 0;
      this.#headOff = 0;
      return before - this.truesize;
    }

    /**
     * Takes up to `max` bytes: the head chunk's view when it alone satisfies
     * the read (or is all there is), otherwise a copy gathered from several
     * chunks. Returns an empty array when nothing is queued.
     */
    read(max: number): Uint8Array {
      const out = this.peek(max);
      this.skip(out.length);
      return out;
    }

    /** Copies up to `len` bytes into `dst` at `off` and consumes them; returns the count. */
    readInto(dst: Uint8Array, off: number, len: number): number {
      const n = this.peekInto(dst, off, len);
      this.skip(n);
      return n;
    }

    /** Like {@link read} without consuming (MSG_PEEK). */
    peek(max: number): Uint8Array {
      const n = Math.min(max, this.#length);
      if (n <= 0) return EMPTY;
      const head = this.#chunks[this.#head]!;
      const avail = head.length - this.#headOff;
      if (avail >= n) return head.subarray(this.#headOff, this.#headOff + n);
      const out = new Uint8Array(n);
      this.peekInto(out, 0, n);
      return out;
    }

    /**
     * Copies up to `len` bytes, starting `skip` bytes into the queue, into
     * `dst` at `off` without consuming (MSG_PEEK, MSG_PEEK with SO_PEEK_OFF).
     * Returns the count.
     */
    peekInto(dst: Uint8Array, off: number, len: number, skip = 0): number {
      let n = Math.min(len, this.#length - skip, dst.length - off);
      if (n <= 0) return 0;
      const total = n;
      let i = this.#head;
      let at = this.#headOff + skip;
      while (at >= this.#chunks[i]!.length) at -= this.#chunks[i++]!.length;
      while (n > 0) {
        const c = this.#chunks[i++]!;
        const k = Math.min(n, c.length - at);
        dst.set(c.subarray(at, at + k), off);
        off += k;
        n -= k;
        at = 0;
      }
      return total;
    }

    /** Discards up to `n` bytes from the front (MSG_TRUNC-style); returns the count. */
    skip(n: number): number {
      n = Math.min(n, this.#length);
      let left = n;
      const chunks = this.#chunks;
      while (left > 0) {
        const c = chunks[this.#head]!;
        const avail = c.length - this.#headOff;
        if (left < avail) {
          this.#headOff += left;
          break;
        }
        left -= avail;
        chunks[this.#head++] = EMPTY;
        this.#headOff = 0;
      }
      this.#length -= n;
      if (this.#head === chunks.length) {
        chunks.length = 0;
        this.#head = 0;
      } else if (this.#head >= 64 && this.#head * 2 >= chunks.length) {
        chunks.splice(0, this.#head);
        this.#head = 0;
      }
      return n;
    }

    /** Drops everything (close with unread data → RST, seed F5). Returns the bytes dropped. */
    clear(): number {
      const n = this.#length;
      this.#chunks.length = 0;
      this.#head = 0;
      this.#headOff = 0;
      this.#length = 0;
      return n;
    }

    /** Linux `tcp_full_space`: the window the whole buffer represents. */
    fullSpace(): number {
      return winFromSpace(this.rcvbuf, this.scalingRatio);
    }

    /**
     * Linux `tcp_space`: the window the *free* memory represents, charging
     * the queued bytes plus `otherQueued` (the out-of-order queue) at 256/ratio.
     * Can be negative when the buffer was shrunk or overfilled.
     */
    tcpSpace(otherQueued = 0): number {
      const used = spaceFromWin(this.#length + otherQueued, this.scalingRatio);
      return Math.floor(((this.rcvbuf - used) * this.scalingRatio) / 256);
    }
  }
  return RecvBufferFields;
}

/**
 * A standalone receive queue (tests, tools); a TCB is its own (see
 * {@link withRecvBuffer}).
 * @example
 * const rb = new RecvBuffer(131072);
 * rb.push(new TextEncoder().encode("hello"));
 * const userBuf = new Uint8Array(3);
 * const n = rb.readInto(userBuf, 0, userBuf.length);
 * n === 3; rb.length === 2;
 */
export class RecvBuffer extends withRecvBuffer(Object) {
  /** @param rcvbuf `sk_rcvbuf` (default tcp_rmem[1] = 131072). */
  constructor(rcvbuf: number) {
    super();
    this.rcvbuf = rcvbuf;
  }
}

/** The receive queue's interface, what `t.rcvBuf` of a TCB offers. */
export type RcvBuf = Pick<RecvBuffer, keyof RecvBuffer>;

const EMPTY = new Uint8Array(0);
/** The chunk array of a buffer that never held data (shared; never written). */
const NO_CHUNKS: Uint8Array[] = [];
