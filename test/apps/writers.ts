/**
 * Several writers on one socket (seed 3 "多线程读写同一套接字", H8). Each
 * writer loops over short writes of a non-blocking socket; between two of
 * its send() calls another thread may send, so the bytes of two frames
 * interleave and the stream is corrupt — a lock around each send() does not
 * help. The fix: the writers put whole messages in a queue and one thread
 * alone writes the socket.
 */
import type { Process } from "../../src/sys/process.js";
import { POLLOUT } from "../../src/core/poll-events.js";

/**
 * Writes all of `data` to a non-blocking socket: send() what fits; after a
 * short write or EAGAIN wait — for POLLOUT, or `retryMs` milliseconds when
 * given (the "sleep and retry" loop) — and repeat. Another thread may run
 * at every `await`.
 */
export async function writeAllNonblocking(p: Process, fd: number, data: Uint8Array, retryMs = 0): Promise<void> {
  let off = 0;
  while (off < data.length) {
    let n = 0;
    try {
      n = await p.send(fd, data.subarray(off));
    } catch (e) {
      if ((e as { code?: string }).code !== "EAGAIN") throw e;
    }
    off += n;
    if (off < data.length) await p.poll(retryMs ? [] : [{ fd, events: POLLOUT, revents: 0 }], retryMs || -1);
  }
}

/** A message queue with a single writer thread draining it to `fd`. */
export class WriterQueue {
  #queue: Uint8Array[] = [];
  #wake: (() => void) | null = null;
  #closed = false;
  readonly done: Promise<void>;

  constructor(readonly p: Process, readonly fd: number) {
    this.done = this.#run();
  }

  /** Queues a whole message (any thread). */
  put(msg: Uint8Array): void {
    this.#queue.push(msg);
    this.#wake?.();
  }

  /** No more messages: the writer drains the queue and stops. */
  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async #run(): Promise<void> {
    for (;;) {
      const m = this.#queue.shift();
      if (m) {
        await writeAllNonblocking(this.p, this.fd, m);
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = null;
    }
  }
}
