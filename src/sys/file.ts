/**
 * Open files as a process's fd table sees them. A socket is an open file
 * description shared by every fd that refers to it (dup, fork); fds 0–2
 * are the terminal (A9).
 */
import type { Socket } from "../socket/socket.js";

/** The terminal behind fds 0, 1, 2. */
export class TtyFile {
  readonly kind = "tty";
  refs = 0;
  constructor(readonly path = "/dev/pts/0") {}
}

/** Anything an fd can refer to. */
export type OpenFile = Socket | TtyFile;

/** One slot of the fd table. */
export interface FdEntry {
  file: OpenFile;
  /** FD_CLOEXEC */
  cloexec: boolean;
}
