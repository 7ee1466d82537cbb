/**
 * Error handling in the style of seed 4's wrap.c (E6) and Python's `_ex`
 * calls (E2).
 *
 * - {@link perror}: the line C's `perror(s)` prints: `bind: Address already in use`.
 * - {@link wrap}: "checked" calls with capitalised names — `Socket`, `Bind`,
 *   `Listen`, `Accept`, `Connect`, `Read`, `Write`, `Close`, plus wrap.c's
 *   `Readn`, `Writen` and `Readline`. A failure does what wrap.c's
 *   `perr_exit` does: `perror` prints `bind: Address already in use` on
 *   the process's stderr (fd 2) and `exit(1)` ends the process — its
 *   status is 1, the other processes and hosts run on, and `net.run()`
 *   lists it in its result's `failed`. Like wrap.c, `Accept` retries on
 *   ECONNABORTED and EINTR, `Read` on EINTR.
 * - {@link ex}: runs any call and returns 0 or the errno number instead of
 *   throwing (`connect_ex` for every call).
 *
 * @example
 * const w = wrap(p);
 * const lfd = w.Socket("AF_INET", "SOCK_STREAM", 0);
 * w.Bind(lfd, ["0.0.0.0", 8000]);   // on failure: stderr "bind: Address already in use", exit status 1
 */
import { strerror } from "../core/errno.js";
import { SysError } from "../core/sys-error.js";
import type { SockAddr } from "../socket/sockaddr.js";
import type { Address, Data, Process } from "./process.js";
import { toBytes } from "./process.js";

/**
 * perror(3)'s line for an error: `"<s>: <strerror(errno)>"`, or just the
 * text when `s` is empty. A SysError without `s` uses its syscall name.
 * @example perror(new SysError("EADDRINUSE", "bind")) === "bind: Address already in use"
 */
export function perror(e: unknown, s?: string): string {
  if (e instanceof SysError) {
    const prefix = s ?? e.syscall;
    return prefix ? `${prefix}: ${strerror(e.code)}` : strerror(e.code);
  }
  const msg = e instanceof Error ? e.message : String(e);
  return s ? `${s}: ${msg}` : msg;
}

/**
 * Runs a call and returns 0, or the errno number of the SysError it threw
 * (E2; other errors propagate).
 * @example await ex(() => p.bind(fd, ["0.0.0.0", 80])) === 98  // EADDRINUSE
 */
export async function ex(call: () => unknown): Promise<number> {
  try {
    await call();
    return 0;
  } catch (e) {
    if (e instanceof SysError) return e.errno;
    throw e;
  }
}

/** The checked calls of wrap.c bound to one process. */
export interface Wrapped {
  Socket(domain: number | string, type: number | string, protocol?: number | string): number;
  Bind(fd: number, addr: Address): void;
  Listen(fd: number, backlog?: number): void;
  Accept(fd: number): Promise<{ fd: number; addr: SockAddr }>;
  Connect(fd: number, addr: Address): Promise<void>;
  Read(fd: number, n: number): Promise<Uint8Array>;
  Write(fd: number, data: Data): Promise<number>;
  Close(fd: number): Promise<void>;
  /** Reads exactly `n` bytes unless the peer closes first. */
  Readn(fd: number, n: number): Promise<Uint8Array>;
  /** Writes all of `data`. */
  Writen(fd: number, data: Data): Promise<number>;
  /** Reads one line including its "\n" ("" at end of stream). */
  Readline(fd: number, max?: number): Promise<string>;
}

/**
 * The program ended inside a wrapped call (perr_exit → exit(1)): thrown out
 * of a synchronous wrapped call only to unwind the program's code; the
 * process has already exited with status 1, so nothing reports it as a crash.
 */
export class PerrExit extends Error {
  constructor(readonly status: number, readonly error: unknown) {
    super(`exit(${status}) after ${perror(error)}`);
    this.name = "PerrExit";
  }
}

/** A promise that never settles: what a wrapped call that exited the process returns. */
const NEVER: Promise<never> = new Promise<never>(() => {});

/**
 * wrap.c for a process. A failing call does what wrap.c's perr_exit does:
 * prints the perror line (`bind: Address already in use`) on fd 2 and
 * exits with status 1. The process ends there: a blocking wrapped call
 * never returns, a synchronous one throws {@link PerrExit} to unwind
 * the code that called it. Errors that are not errno (a bug in the
 * program) propagate as they are.
 */
export function wrap(p: Process): Wrapped {
  const exit = (e: SysError): PerrExit => {
    // perror(3): write(2, "bind: Address already in use\n"), then exit(1).
    void p.write(2, perror(e) + "\n").catch(() => {});
    void p.exit(1);
    return new PerrExit(1, e);
  };
  const fail = (e: unknown, _what: string): never => {
    if (e instanceof SysError) throw exit(e);
    throw e;
  };
  const sync = <T>(what: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      return fail(e, what);
    }
  };
  const async_ = async <T>(_what: string, f: () => Promise<T>, retry: readonly string[] = []): Promise<T> => {
    for (;;) {
      try {
        return await f();
      } catch (e) {
        if (e instanceof SysError && retry.includes(e.code)) continue;
        if (e instanceof SysError) {
          exit(e);
          return NEVER;
        }
        throw e;
      }
    }
  };
  return {
    Socket: (d, t, pr = 0) => sync("socket", () => p.socket(d, t, pr)),
    Bind: (fd, a) => sync("bind", () => p.bind(fd, a)),
    Listen: (fd, b = 128) => sync("listen", () => p.listen(fd, b)),
    Accept: (fd) => async_("accept", () => p.accept(fd), ["ECONNABORTED", "EINTR"]),
    Connect: (fd, a) => async_("connect", () => p.connect(fd, a)),
    Read: (fd, n) => async_("read", () => p.read(fd, n), ["EINTR"]),
    Write: (fd, d) => async_("write", () => p.write(fd, d), ["EINTR"]),
    Close: (fd) => async_("close", () => p.close(fd)),
    Readn: (fd, n) => async_("readn", () => p.recvExactly(fd, n)),
    Writen: (fd, d) => async_("writen", async () => {
      await p.sendall(fd, d);
      return toBytes(d).length;
    }),
    Readline: (fd, max) => async_("readline", () => p.recvLine(fd, max)),
  };
}
