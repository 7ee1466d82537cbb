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
 * new SysError("EINVAL", "send", "flags: unknown flag name \"MSG_DONTWAT\"").message
 * // === 'send: Invalid argument (flags: unknown flag name "MSG_DONTWAT")'
 */
export class SysError extends Error {
  /** The errno name, e.g. `"ECONNREFUSED"`. */
  readonly code: ErrnoCode;
  /** The errno number, e.g. 111. */
  readonly errno: number;
  /** The system call that failed, e.g. `"connect"`. */
  readonly syscall: string;
  /**
   * What sockstack adds to Linux's text, naming the argument at fault
   * (`flags: unknown flag name "MSG_DONTWAT"; did you mean MSG_DONTWAIT?`);
   * undefined when the errno says it all. The message is
   * `<syscall>: <strerror>` followed by ` (<detail>)`, so it always starts
   * with what perror prints on Linux.
   */
  readonly detail: string | undefined;

  constructor(code: ErrnoCode, syscall: string, detail?: string) {
    super(detail ? `${syscall}: ${strerror(code)} (${detail})` : `${syscall}: ${strerror(code)}`);
    this.name = "SysError";
    this.code = code;
    this.errno = errnoNumber(code);
    this.syscall = syscall;
    this.detail = detail;
  }
}

/** True when `e` is a SysError (optionally with the given code). */
export function isSysError(e: unknown, code?: ErrnoCode): e is SysError {
  return e instanceof SysError && (code === undefined || e.code === code);
}
