/**
 * What the façade's `net` pieces share (net-socket.ts, net-server.ts,
 * net.ts): option types, Node's argument normalisation and error texts,
 * and the symbols by which a server and its accepted sockets talk.
 */
import type { DuplexOptions } from "node:stream";
import * as nodeNet from "node:net";
import { ADDRCONFIG, ALL, V4MAPPED } from "node:dns";
import { SysError } from "../../core/sys-error.js";
import { strerror } from "../../core/errno.js";
import type { SockAddr } from "../../socket/sockaddr.js";
import { describeReceived, fromSysError, nodeCodeError, nodeError } from "./errors.js";

/** `net.isIP`: 4, 6 or 0 (Node's own implementation). */
export const isIP = nodeNet.isIP;
/** `net.isIPv4`. */
export const isIPv4 = nodeNet.isIPv4;
/** `net.isIPv6`. */
export const isIPv6 = nodeNet.isIPv6;

/** Options of {@link SimSocket} (Node's `net.SocketOptions`, TCP only). */
export interface SimSocketOptions extends DuplexOptions {
  /** Keep the writable side open after the peer's FIN (default false: end() follows 'end'). */
  allowHalfOpen?: boolean;
  /** Not supported: a simulated socket has no OS descriptor. */
  fd?: number;
}

/** Options of {@link SimSocket.connect} (Node's `net.TcpNetConnectOpts`). */
export interface SimConnectOptions {
  port: number | string;
  host?: string;
  localAddress?: string;
  localPort?: number;
  /** 4, 6 (or "IPv4"/"IPv6"): resolve names to that family only; 0 (default): both, with happy eyeballs. */
  family?: number | "IPv4" | "IPv6";
  timeout?: number;
  /** Node 20's happy eyeballs for names with addresses of both families (default: `net.getDefaultAutoSelectFamily()`). */
  autoSelectFamily?: boolean;
  /** ms each attempt but the last gets before the next address is tried (default 250, at least 10). */
  autoSelectFamilyAttemptTimeout?: number;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  allowHalfOpen?: boolean;
  /** Unix-domain sockets are not offered by the façade yet. */
  path?: string;
  /** A custom lookup (`dns.lookup`'s signature), called as Node calls it. */
  lookup?: unknown;
}

/** `socket.address()` / `server.address()`. */
export interface AddressInfo {
  address: string;
  family: string;
  port: number;
}

/** A server hands an accepted fd to a new socket through this method. @internal */
export const kAttach = Symbol("attach");
/** A socket tells its server it closed through this method. @internal */
export const kForget = Symbol("forget");

/** A simulated `sockaddr_in`/`sockaddr_in6` as Node's `{ address, family, port }` (`::ffff:10.0.0.1` for a mapped peer, as Node), null for other families. */
export function inet(a: SockAddr | null): AddressInfo | null {
  if (!a) return null;
  if (a.family === 2) return { address: a.addr, family: "IPv4", port: a.port };
  if (a.family === 10) return { address: a.addr, family: "IPv6", port: a.port };
  return null;
}

/** The simulated socket family for Node's address type (4 or 6). */
export function socketFamily(addressType: number): "AF_INET" | "AF_INET6" {
  return addressType === 6 ? "AF_INET6" : "AF_INET";
}

function uvDescription(code: string): string {
  // libuv's uv_strerror texts where they differ from Linux's strerror.
  if (code === "EADDRNOTAVAIL") return "address not available";
  if (code === "EACCES") return "permission denied";
  try {
    return strerror(code as Parameters<typeof strerror>[0]).toLowerCase();
  } catch {
    return code;
  }
}

/**
 * Node's error for listen/bind failures (uvExceptionWithHostPort):
 * `listen EADDRINUSE: address already in use :::80`; the port only when
 * it is not 0 (`listen EADDRNOTAVAIL: address not available 2001:db8::2`).
 */
export function listenError(e: unknown, syscall: string, address: string, port: number): Error {
  if (!(e instanceof SysError)) return fromSysError(e, syscall);
  const err = nodeError(e.code, e.errno, syscall, address, port);
  err.message = `${syscall} ${e.code}: ${uvDescription(e.code)} ${port > 0 ? `${address}:${port}` : address}`;
  return err;
}

/** Node's port validation: an integer 0–65535 (or such a string), else ERR_SOCKET_BAD_PORT. */
export function validatePort(p: unknown): number {
  const n = typeof p === "string" && p.trim() !== "" ? Number(p) : p;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw nodeCodeError(RangeError, "ERR_SOCKET_BAD_PORT", `Port should be >= 0 and < 65536. Received ${typeof p === "string" ? `type string ('${p}')` : `type ${typeof p} (${String(p)})`}.`);
  }
  return n;
}

/** What Node's `net` accepts as `hints` (dns.ADDRCONFIG | dns.V4MAPPED | dns.ALL). */
const HINTS = ADDRCONFIG | V4MAPPED | ALL;

/**
 * Node's synchronous checks of `connect()`'s options (lookupAndConnect):
 * `hints` a combination of the dns flags, `port` a number or a string
 * (ERR_INVALID_ARG_TYPE) in 0–65535 (ERR_SOCKET_BAD_PORT). Returns the port.
 */
export function validateConnectOptions(o: SimConnectOptions): number {
  const hints = (o as { hints?: unknown }).hints;
  if (hints !== undefined && hints !== 0 && (typeof hints !== "number" || (hints & ~HINTS) !== 0)) {
    throw nodeCodeError(TypeError, "ERR_INVALID_ARG_VALUE", `The argument 'hints' is invalid. Received ${String(hints)}`);
  }
  if (o.localAddress && !nodeNet.isIP(o.localAddress)) throw nodeCodeError(TypeError, "ERR_INVALID_IP_ADDRESS", `Invalid IP address: ${String(o.localAddress)}`);
  if (o.autoSelectFamily != null && typeof o.autoSelectFamily !== "boolean") {
    throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "options.autoSelectFamily" property must be of type boolean. Received ${describeReceived(o.autoSelectFamily)}`);
  }
  const t = o.autoSelectFamilyAttemptTimeout;
  if (t != null && (typeof t !== "number" || !Number.isInteger(t) || t < 1 || t > 2 ** 31 - 1)) {
    if (typeof t !== "number") throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "options.autoSelectFamilyAttemptTimeout" property must be of type number. Received ${describeReceived(t)}`);
    throw nodeCodeError(RangeError, "ERR_OUT_OF_RANGE", `The value of "options.autoSelectFamilyAttemptTimeout" is out of range. It must be ${Number.isInteger(t) ? ">= 1 && <= 2147483647" : "an integer"}. Received ${String(t)}`);
  }
  const port: unknown = o.port;
  if (typeof port !== "number" && typeof port !== "string") {
    throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "options.port" property must be one of type number or string. Received ${describeReceived(port)}`);
  }
  return validatePort(port);
}

/** `connect(port[, host][, cb])` / `connect(options[, cb])` / `connect(path[, cb])` as one options object and the callback. */
export function normalizeConnectArgs(args: unknown[]): [SimConnectOptions, (() => void) | undefined] {
  let cb: (() => void) | undefined;
  if (typeof args[args.length - 1] === "function") cb = args.pop() as () => void;
  const a0 = args[0];
  if (a0 !== null && typeof a0 === "object") return [a0 as SimConnectOptions, cb];
  // Node's isPipeName: a string that is not a non-negative number ("0x3039" is a port).
  if (typeof a0 === "string" && !(Number(a0) >= 0)) return [{ path: a0, port: 0 }, cb];
  return [{ port: a0 as number, host: args[1] as string | undefined }, cb];
}
