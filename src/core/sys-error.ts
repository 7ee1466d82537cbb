/**
 * `SysError`: every failing system call throws one (or the `_ex` forms
 * return it). The message is what `perror(syscall)` prints on Linux:
 * `bind: Address already in use`.
 */
import { type ErrnoCode, errnoNumber, strerror } from "./errno.js";

/**
 * A failed system call.
 * @example
 * const e = new SysError("EADDRINUSE", "bind");
 * e.message === "bind: Address already in use"; e.errno === 98;
 */
export class SysError extends Error {
  /** The errno name, e.g. `"ECONNREFUSED"`. */
  readonly code: ErrnoCode;
  /** The errno number, e.g. 111. */
  readonly errno: number;
  /** The system call that failed, e.g. `"connect"`. */
  readonly syscall: string;

  constructor(code: ErrnoCode, syscall: string) {
    super(`${syscall}: ${strerror(code)}`);
    this.name = "SysError";
    this.code = code;
    this.errno = errnoNumber(code);
    this.syscall = syscall;
  }
}

/** True when `e` is a SysError (optionally with the given code). */
export function isSysError(e: unknown, code?: ErrnoCode): e is SysError {
  return e instanceof SysError && (code === undefined || e.code === code);
}
