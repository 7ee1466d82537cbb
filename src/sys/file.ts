/**
 * Open files as a process's fd table sees them. An open file (a socket,
 * the terminal, an epoll instance) is an open file *description* shared by
 * every fd that refers to it (dup, fork, threads); `refs` counts those fds
 * and the file is released when the last one closes. fds 0–2 are the
 * terminal (A9).
 */
import { POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from "../core/poll-events.js";
import { WaitQueue } from "../core/wait-queue.js";
import type { Socket } from "../socket/socket.js";
import type { EpollFile } from "./epoll.js";

const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

/**
 * The terminal behind fds 0, 1, 2: what a program writes to fd 1/2 is kept
 * in {@link TtyFile.output}; what a test types with {@link TtyFile.type}
 * is read from fd 0 (a read blocks until a line arrives — the lecture's
 * server waits on stdin before its accept loop, A2).
 * @example p.write(1, "hello\n"); p.tty.output === "hello\n";
 */
export class TtyFile {
  readonly kind = "tty";
  refs = 0;
  /** Everything written to the terminal, as text. */
  output = "";
  /** Readiness waiters (read on fd 0, select/poll/epoll on the terminal). */
  readonly wq = new WaitQueue();
  #input: Uint8Array[] = [];
  #eof = false;
  constructor(readonly path = "/dev/pts/0") {}

  /** Types `text` at the terminal (input for fd 0). */
  type(text: string): void {
    this.#input.push(new TextEncoder().encode(text));
    this.wq.wake(POLLIN | POLLRDNORM);
  }

  /** Ctrl-D: reads return 0 once the input is consumed. */
  endInput(): void {
    this.#eof = true;
    this.wq.wake(POLLIN | POLLRDNORM);
  }

  /** Appends bytes written by the program. */
  write(data: Uint8Array): number {
    this.output += decoder.decode(data);
    return data.length;
  }

  /** Takes up to `n` bytes of input; null when none is there yet (not at EOF). */
  read(n: number): Uint8Array | null {
    const first = this.#input[0];
    if (!first) return this.#eof ? EMPTY : null;
    if (first.length <= n) {
      this.#input.shift();
      return first;
    }
    this.#input[0] = first.subarray(n);
    return first.subarray(0, n);
  }

  /** POLLIN when input (or EOF) is there; always writable. */
  poll(): number {
    return (this.#input.length || this.#eof ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM;
  }
}

/** Anything an fd can refer to. */
export type OpenFile = Socket | TtyFile | EpollFile;

/** What select/poll/epoll need of a file: a readiness mask and a wait queue (D7). */
export interface Pollable {
  poll(): number;
  readonly wq: WaitQueue;
}

/** One slot of the fd table. */
export interface FdEntry {
  file: OpenFile;
  /** FD_CLOEXEC */
  cloexec: boolean;
}
