/**
 * Node-style system errors for the façade: the `Error` objects Node's
 * `net`/`dgram`/`dns` produce from a libuv status (`connect ECONNREFUSED
 * 10.0.0.2:80`, `read ECONNRESET`, `write EPIPE`), built from sockstack's
 * {@link SysError}s.
 */
import { inspect } from "node:util";
import { SysError } from "../../core/sys-error.js";

/** The error shape Node gives system errors (`util.getSystemErrorName` codes, negative errno). */
export interface NodeSystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
  address?: string;
  port?: number;
}

/**
 * Node's error for a failed system call: message `<syscall> <CODE>` and,
 * with an address, ` <address>:<port>` (libuv's `uvExceptionWithHostPort`).
 * `errno` is negative, as in Node.
 * @example nodeError("ECONNREFUSED", 111, "connect", "10.0.0.2", 80).message === "connect ECONNREFUSED 10.0.0.2:80"
 */
export function nodeError(code: string, errno: number, syscall: string, address?: string, port?: number): NodeSystemError {
  let where = "";
  if (address !== undefined) where = port !== undefined && port > 0 ? ` ${address}:${port}` : ` ${address}`;
  const e = new Error(`${syscall} ${code}${where}`) as NodeSystemError;
  e.errno = -errno;
  e.code = code;
  e.syscall = syscall;
  if (address !== undefined) e.address = address;
  if (address !== undefined && port !== undefined && port > 0) e.port = port;
  return e;
}

/**
 * Converts an error thrown by a sockstack syscall into Node's form for
 * `syscall` (Node names them after libuv: `read`, `write`, `connect`,
 * `listen`, `bind`, `send`, `recvmsg`). Anything that is not a SysError
 * is returned unchanged (a bug, not an errno).
 */
export function fromSysError(e: unknown, syscall: string, address?: string, port?: number): Error {
  if (e instanceof SysError) return nodeError(e.code, e.errno, syscall, address, port);
  return e instanceof Error ? e : new Error(String(e));
}

/** Node's `ERR_*` errors (TypeError/RangeError/Error with a `code`). */
export function nodeCodeError<E extends ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor>(ctor: E, code: string, message: string): Error & { code: string } {
  const e = new ctor(message) as Error & { code: string };
  e.code = code;
  return e;
}

/**
 * How Node's ERR_INVALID_ARG_TYPE messages name a value they received
 * (`determineSpecificType`): `null`, `undefined`, `function f`,
 * `an instance of Array`, `type string ('x')`, `type number (1)`.
 */
export function describeReceived(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === "function") return `function ${v.name}`;
  if (typeof v === "object") {
    const name = (v as { constructor?: { name?: string } }).constructor?.name;
    return name ? `an instance of ${name}` : inspect(v, { depth: -1 });
  }
  let shown = inspect(v, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `type ${typeof v} (${shown})`;
}
