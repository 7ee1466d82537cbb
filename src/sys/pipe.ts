/**
 * Pipes (pipe(2), pipe2(2)) as Linux's fs/pipe.c keeps them: a ring of at
 * most 16 page buffers (PIPE_DEF_BUFFERS × 4096 B = 65536 B, F_GETPIPE_SZ),
 * a read end and a write end counted separately. A write first tops up
 * the last page when the whole sub-page remainder fits there (a write of
 * up to PIPE_BUF = 4096 B is therefore atomic), then takes a fresh page
 * per 4096 B; with no free page a blocking writer sleeps and a
 * non-blocking one returns what it wrote or EAGAIN. Reads take from the
 * oldest page and free it when drained. End of file: a read with no
 * writers left and nothing queued returns 0 bytes; a write with no readers
 * left is EPIPE (sockstack has no signals: no SIGPIPE, as for sockets).
 *
 * Poll (pipe_poll): the read end is POLLIN | POLLRDNORM with data,
 * POLLHUP once every writer closed; the write end POLLOUT | POLLWRNORM
 * while a page is free, POLLERR once every reader closed. Checked on
 * Linux 6.18 by test/syscalls/files-probe.py.
 */
import type { ErrnoCode } from "../core/errno.js";
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from "../core/poll-events.js";
import type { StackContext } from "../core/stack-context.js";
import { WaitQueue } from "../core/wait-queue.js";
import { O_NONBLOCK, O_RDONLY, O_WRONLY } from "./fs.js";
import { waitMany } from "./wait-many.js";

/** Bytes of one pipe buffer (a page). */
export const PIPE_PAGE = 4096;
/** Buffers of a new pipe (PIPE_DEF_BUFFERS). */
export const PIPE_DEF_BUFFERS = 16;
/** A pipe's capacity in bytes: what F_GETPIPE_SZ reports (65536). */
export const PIPE_SIZE = PIPE_PAGE * PIPE_DEF_BUFFERS;
/** Writes up to this size are atomic (POSIX PIPE_BUF; Linux's is a page). */
export const PIPE_BUF = 4096;

/** One page of a pipe: bytes `off .. off+len` are queued. */
interface PipeBuffer {
  readonly bytes: Uint8Array;
  off: number;
  len: number;
  /** A page written by write(2) may take more bytes; one spliced in from a socket or file may not. */
  readonly canMerge: boolean;
}

/** The shared state of a pipe: its pages and the count of open ends. */
export class Pipe {
  readonly #bufs: PipeBuffer[] = [];
  /** Open read ends (file descriptions, not fds). */
  readers = 0;
  /** Open write ends. */
  writers = 0;
  /** Woken on data, space and the other end's close. */
  readonly wq = new WaitQueue();

  constructor(
    readonly ctx: StackContext,
    /** pipefs inode (lsof's NODE). */
    readonly ino: number,
  ) {}

  /** Bytes queued (FIONREAD). */
  get queued(): number {
    let n = 0;
    for (const b of this.#bufs) n += b.len;
    return n;
  }

  /** True when every page is in use. */
  get full(): boolean {
    return this.#bufs.length >= PIPE_DEF_BUFFERS;
  }

  /** True when nothing is queued. */
  get empty(): boolean {
    return this.#bufs.length === 0;
  }

  /** Bytes that fit without blocking, counting whole free pages only (what splice into the pipe may take). */
  get freePageBytes(): number {
    return (PIPE_DEF_BUFFERS - this.#bufs.length) * PIPE_PAGE;
  }

  #wake(events: number): void {
    this.wq.wake(events);
    this.ctx.notifyWake();
  }

  /**
   * What pipe_write stores at once: the merge into the last page, then
   * fresh pages while any are free. Returns the bytes taken (maybe 0).
   */
  writeNow(b: Uint8Array, first: boolean): number {
    let done = 0;
    const chars = b.length % PIPE_PAGE;
    if (first && chars && this.#bufs.length) {
      const last = this.#bufs[this.#bufs.length - 1]!;
      const end = last.off + last.len;
      if (last.canMerge && end + chars <= PIPE_PAGE) {
        last.bytes.set(b.subarray(0, chars), end);
        last.len += chars;
        done = chars;
      }
    }
    while (done < b.length && !this.full) {
      const n = Math.min(PIPE_PAGE, b.length - done);
      const page = new Uint8Array(PIPE_PAGE);
      page.set(b.subarray(done, done + n));
      this.#bufs.push({ bytes: page, off: 0, len: n, canMerge: true });
      done += n;
    }
    if (done) this.#wake(POLLIN | POLLRDNORM);
    return done;
  }

  /** Splices bytes in (from a socket or a file): pages of their own, never merged into. */
  spliceIn(data: Uint8Array): number {
    let done = 0;
    while (done < data.length && !this.full) {
      const n = Math.min(PIPE_PAGE, data.length - done);
      this.#bufs.push({ bytes: data.slice(done, done + n), off: 0, len: n, canMerge: false });
      done += n;
    }
    if (done) this.#wake(POLLIN | POLLRDNORM);
    return done;
  }

  /** Up to `n` queued bytes, without taking them. */
  peek(n: number): Uint8Array {
    const out = new Uint8Array(Math.min(n, this.queued));
    let o = 0;
    for (const b of this.#bufs) {
      if (o >= out.length) break;
      const k = Math.min(b.len, out.length - o);
      out.set(b.bytes.subarray(b.off, b.off + k), o);
      o += k;
    }
    return out;
  }

  /** Takes up to `n` queued bytes, freeing drained pages (and waking writers when a page frees). */
  take(n: number): Uint8Array {
    const out = this.peek(n);
    this.consume(out.length);
    return out;
  }

  /** Drops `n` queued bytes from the front. */
  consume(n: number): void {
    let freed = false;
    while (n > 0 && this.#bufs.length) {
      const b = this.#bufs[0]!;
      const k = Math.min(n, b.len);
      b.off += k;
      b.len -= k;
      n -= k;
      if (b.len === 0) {
        this.#bufs.shift();
        freed = true;
      }
    }
    if (freed) this.#wake(POLLOUT | POLLWRNORM);
  }

  /** An end was closed: the other side sees EOF (POLLHUP) or EPIPE (POLLERR). */
  endClosed(end: "read" | "write"): void {
    if (end === "read") {
      this.readers--;
      if (this.readers === 0) this.#wake(POLLOUT | POLLWRNORM | POLLERR);
    } else {
      this.writers--;
      if (this.writers === 0) this.#wake(POLLIN | POLLRDNORM | POLLHUP);
    }
  }
}

/**
 * One end of a pipe, as an open file: F_GETFL gives O_RDONLY or O_WRONLY
 * plus O_NONBLOCK; lsof shows it as `FIFO … pipe`.
 */
export class PipeEnd {
  readonly kind = "fifo";
  refs = 0;
  /** O_NONBLOCK (pipe2 flag, fcntl F_SETFL). */
  nonblocking: boolean;

  constructor(
    readonly pipe: Pipe,
    readonly end: "read" | "write",
    nonblocking: boolean,
  ) {
    this.nonblocking = nonblocking;
    if (end === "read") pipe.readers++;
    else pipe.writers++;
  }

  /** lsof's NAME. */
  readonly path = "pipe";

  /** The pipe's wait queue. */
  get wq(): WaitQueue {
    return this.pipe.wq;
  }

  /** F_GETFL: the access mode and O_NONBLOCK. */
  get flags(): number {
    return (this.end === "read" ? O_RDONLY : O_WRONLY) | (this.nonblocking ? O_NONBLOCK : 0);
  }

  /** pipe_poll for this end. */
  poll(): number {
    const p = this.pipe;
    if (this.end === "read") return (p.empty ? 0 : POLLIN | POLLRDNORM) | (p.writers === 0 ? POLLHUP : 0);
    return (p.full ? 0 : POLLOUT | POLLWRNORM) | (p.readers === 0 ? POLLERR : 0);
  }

  /** The last fd of this end closed. */
  release(): void {
    this.pipe.endClosed(this.end);
  }

  /**
   * Waits until the pipe has data or no writer (read side), or a free page
   * or no reader (write side): the condition is checked again by the caller.
   */
  #waitChange(mask: number): Promise<boolean> {
    return waitMany(this.pipe.ctx, [{ file: this, mask }], -1);
  }

  /**
   * pipe_read: up to `n` bytes; 0 bytes at EOF (no writer, nothing queued);
   * EAGAIN when empty and non-blocking (`nonblock` or O_NONBLOCK); blocks otherwise.
   */
  async read(n: number, nonblock = false): Promise<Uint8Array | ErrnoCode> {
    const p = this.pipe;
    if (n === 0) return new Uint8Array(0);
    for (;;) {
      if (!p.empty) return p.take(n);
      if (p.writers === 0) return new Uint8Array(0);
      if (nonblock || this.nonblocking) return "EAGAIN";
      await this.#waitChange(POLLIN | POLLHUP);
    }
  }

  /**
   * pipe_write: all of `b` (blocking), or what fits (non-blocking: EAGAIN
   * when nothing did); EPIPE when no reader is left (what was written
   * before that is returned instead, as Linux).
   */
  async write(b: Uint8Array, nonblock = false): Promise<number | ErrnoCode> {
    const p = this.pipe;
    if (b.length === 0) return 0;
    let done = 0;
    let first = true;
    for (;;) {
      if (p.readers === 0) return done || "EPIPE";
      done += p.writeNow(b.subarray(done), first);
      first = false;
      if (done === b.length) return done;
      if (nonblock || this.nonblocking) return done || "EAGAIN";
      await this.#waitChange(POLLOUT | POLLERR);
    }
  }
}
