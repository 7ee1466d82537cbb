/**
 * Open files as a process's fd table sees them. An open file (a socket,
 * the terminal, an epoll instance, a file of the host's filesystem — fs.ts —
 * or a pipe end — pipe.ts) is an open file *description* shared by
 * every fd that refers to it (dup, fork, threads); `refs` counts those fds
 * and the file is released when the last one closes. fds 0–2 are the
 * terminal (A9; stdio.ts).
 */
import type { WaitQueue } from "../core/wait-queue.js";
import type { Socket } from "../socket/socket.js";
import type { EpollFile } from "./epoll.js";
import type { VnodeFile } from "./fs.js";
import type { PipeEnd } from "./pipe.js";
import { type Terminal, terminalPoll } from "./stdio.js";

/**
 * An open file on the process's terminal (`/dev/pts/0`): fd 0, 1 or 2 as
 * the process starts. Reads take typed lines from the terminal's keyboard
 * ({@link Terminal.stdin}); writes go to the stream this fd was opened as —
 * stdout for fds 0 and 1, stderr for fd 2 — so `dup2(1, 2)` merges them as
 * a shell's `2>&1` does.
 * @example await p.write(1, "hello\n"); p.stdout.text === "hello\n";
 */
export class TtyFile {
  readonly kind = "tty";
  refs = 0;
  /** O_NONBLOCK (fcntl F_SETFL): a read with no line typed gives EAGAIN. */
  nonblocking = false;

  constructor(
    /** The terminal this file is open on. */
    readonly terminal: Terminal,
    /** The stream writes go to. */
    readonly stream: "stdout" | "stderr" = "stdout",
  ) {}

  /** The device path lsof shows. */
  get path(): string {
    return this.terminal.path;
  }

  /** Readiness waiters (read on fd 0, select/poll/epoll on the terminal): the keyboard's queue. */
  get wq(): WaitQueue {
    return this.terminal.stdin.wq;
  }

  /** Everything written to the terminal's screen (stdout and stderr interleaved). */
  get output(): string {
    return this.terminal.output;
  }

  /** Types `text` at the terminal (input for fd 0). */
  type(text: string): void {
    this.terminal.stdin.write(text);
  }

  /** Ctrl-D: reads return 0 once the input is consumed. */
  endInput(): void {
    this.terminal.stdin.end();
  }

  /** Appends bytes written by process `pid` at virtual time `at` to this file's stream. */
  write(data: Uint8Array, pid = 0, at = 0): number {
    return this.terminal.write(data, this.stream, pid, at);
  }

  /** Takes up to `n` bytes of input (at most one line); null when none is there yet (not at EOF). */
  read(n: number): Uint8Array | null {
    return this.terminal.stdin.read(n);
  }

  /** POLLIN when a line (or EOF) is there; always writable. */
  poll(): number {
    return terminalPoll(this.terminal.stdin);
  }
}

/** Anything an fd can refer to. */
export type OpenFile = Socket | TtyFile | EpollFile | VnodeFile | PipeEnd;

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
