/**
 * Argument checking at the syscall boundary. Every public call of a
 * Process converts its arguments here, so a wrong value fails *at the call*
 * with a SysError whose message names the argument — never later, inside
 * the stack or on another host:
 *
 * - a bad buffer (data that is not bytes, an address that is not an
 *   address, an fd_set that is not an FdSet) is EFAULT, as a bad pointer
 *   is on Linux;
 * - an fd that is not an integer is EBADF (C cannot pass one: it is an fd
 *   no table holds);
 * - anything else of the wrong type or out of range is EINVAL;
 * - a misspelt constant name is EINVAL (ENOPROTOOPT for option levels and
 *   names, as Linux gives for unknown ones) with the closest right name.
 *
 * The message is Linux's text followed by the detail in parentheses:
 * `send: Invalid argument (flags: unknown send/recv flag name "MSG_DONTWAT"; did you mean MSG_DONTWAIT?)`.
 *
 * What counts as data: a `Uint8Array` (a Node `Buffer` is one), any other
 * `ArrayBufferView` (`Uint16Array`, `DataView`, …: its bytes, as Node's
 * `socket.write` and Python's buffer protocol take them — a Uint16Array of
 * 3 elements is 6 bytes), or a string (sent as UTF-8). A bare
 * `ArrayBuffer` is refused with EFAULT, as Node's `socket.write` refuses
 * it (wrap it: `new Uint8Array(buf)`). Bytes are viewed, not copied; the
 * send path copies them once, as it always did.
 */
import { SysError } from "../core/sys-error.js";
import { AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC } from "../socket/constants.js";
import { DOMAINS, lookupName, unknownNameReason, type NameTable } from "../socket/names.js";
import type { SockAddr } from "../socket/sockaddr.js";
import { formatIpv4Address } from "../wire/ipv4-address.js";
import { parseIpv6Text } from "../wire/ipv6-address.js";
import { GaiError, type Resolver } from "./netdb.js";

/** Linux MAX_RW_COUNT (INT_MAX rounded down to a page): longer reads and writes are cut to it. */
export const MAX_RW_COUNT = 0x7ffff000;
/** Linux UIO_MAXIOV: the most buffers readv/writev/sendmsg take. */
export const UIO_MAXIOV = 1024;

/** A short description of a JS value for messages: `null`, `a number (1.5)`, `an Array`. */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  switch (typeof v) {
    case "number": return `the number ${v}`;
    case "string": return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
    case "boolean": return `the boolean ${v}`;
    case "bigint": return `the bigint ${v}n`;
    case "symbol": return "a symbol";
    case "function": return "a function";
  }
  if (Array.isArray(v)) return "an Array";
  const ctor = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === "string" && ctor !== "Object" ? `${/^[AEIOU]/.test(ctor) ? "an" : "a"} ${ctor}` : "an object";
}

const encoder = new TextEncoder();

/**
 * An fd argument: an integer (a negative or unused one is the caller's
 * EBADF later); anything else → EBADF naming the argument.
 */
export function argFd(v: unknown, sc: string, name = "fd"): number {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  throw new SysError("EBADF", sc, `${name}: expected an integer file descriptor, got ${describe(v)}`);
}

/**
 * A data argument → bytes (see the module comment for what is accepted);
 * anything else → EFAULT.
 */
export function argData(v: unknown, sc: string, name = "data"): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string") return encoder.encode(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const hint = v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer) ? " (wrap it: new Uint8Array(buffer))" : "";
  throw new SysError("EFAULT", sc, `${name}: expected bytes (a Uint8Array, a Buffer, another typed array or a DataView) or a string, got ${describe(v)}${hint}`);
}

/** A list of data buffers (writev, sendmsg): EFAULT when not an array, EINVAL beyond UIO_MAXIOV. */
export function argIov(v: unknown, sc: string, name = "iov"): Uint8Array[] {
  if (!Array.isArray(v)) throw new SysError("EFAULT", sc, `${name}: expected an array of buffers, got ${describe(v)}`);
  if (v.length > UIO_MAXIOV) throw new SysError("EINVAL", sc, `${name}: ${v.length} buffers, more than UIO_MAXIOV (${UIO_MAXIOV})`);
  return v.map((d, i) => argData(d, sc, `${name}[${i}]`));
}

/**
 * A byte count: a non-negative integer (EINVAL otherwise, as Python's
 * "negative buffersize"); counts above MAX_RW_COUNT are cut to it, as Linux does.
 */
export function argLength(v: unknown, sc: string, name = "n"): number {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return Math.min(v, MAX_RW_COUNT);
  throw new SysError("EINVAL", sc, `${name}: expected a byte count (an integer ≥ 0), got ${describe(v)}`);
}

/** An integer argument (EINVAL otherwise). */
export function argInt(v: unknown, sc: string, name: string): number {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  throw new SysError("EINVAL", sc, `${name}: expected an integer, got ${describe(v)}`);
}

/** An integer of C's int or unsigned int range given as a flags number. */
function flagNumber(v: number, sc: string, name: string): number {
  if (Number.isInteger(v) && v >= -0x80000000 && v <= 0xffffffff) return v;
  throw new SysError("EINVAL", sc, `${name}: ${v} is not a 32-bit integer`);
}

function nameValue(n: unknown, t: NameTable, sc: string, name: string, errno: "EINVAL" | "ENOPROTOOPT"): number {
  if (typeof n === "number") return flagNumber(n, sc, name);
  if (typeof n !== "string") throw new SysError("EINVAL", sc, `${name}: expected a number or a name, got ${describe(n)}`);
  const key = n.trim();
  const x = lookupName(t, key);
  if (x === undefined) throw new SysError(errno, sc, `${name}: ${key === "" ? `empty ${t.kind} name` : unknownNameReason(key, t)}`);
  return x;
}

/**
 * A flags argument: a number, a name, names joined by `|`, or an array of
 * names (or numbers), against the table of this argument's kind; undefined
 * gives `dflt`. A name of the wrong kind or an unknown one → EINVAL.
 */
export function argFlags(v: unknown, sc: string, t: NameTable, name = "flags", dflt = 0): number {
  if (v === undefined) return dflt;
  if (typeof v === "number") return flagNumber(v, sc, name);
  let parts: readonly unknown[];
  if (typeof v === "string") {
    const hit = parsedFlags.get(t)?.get(v);
    if (hit !== undefined) return hit;
    parts = v.split("|");
  }
  else if (Array.isArray(v)) parts = v;
  else throw new SysError("EINVAL", sc, `${name}: expected a number, a name, "A|B" or a list of names, got ${describe(v)}`);
  let x = 0;
  for (const p of parts) x |= nameValue(p, t, sc, name, "EINVAL");
  // Keep the unsigned form when the top bit is set (EPOLLET), as the constants are written.
  if (x < 0) x = x >>> 0;
  if (typeof v === "string") {
    let m = parsedFlags.get(t);
    if (!m) parsedFlags.set(t, (m = new Map()));
    if (m.size < FLAG_CACHE_MAX) m.set(v, x);
  }
  return x;
}

/**
 * Flag strings already resolved, per table (a program passes the same
 * "MSG_DONTWAIT" on every recv): at most FLAG_CACHE_MAX entries each, so
 * memory stays bounded whatever strings a program makes up.
 */
const parsedFlags = new WeakMap<NameTable, Map<string, number>>();
const FLAG_CACHE_MAX = 256;

/** A one-name argument (domain, protocol, how, cmd, …): a number or a name of `t`. */
export function argName(v: unknown, sc: string, t: NameTable, name: string, errno: "EINVAL" | "ENOPROTOOPT" = "EINVAL"): number {
  return nameValue(v, t, sc, name, errno);
}

/**
 * A timeout in milliseconds (poll, epoll_wait) → µs; negative, Infinity,
 * null or undefined = forever (−1). NaN or a non-number → EINVAL.
 */
export function argTimeoutMs(v: unknown, sc: string, name = "timeout"): number {
  if (v === undefined || v === null) return -1;
  if (typeof v !== "number" || Number.isNaN(v)) throw new SysError("EINVAL", sc, `${name}: expected milliseconds (a number; negative = forever), got ${describe(v)}`);
  if (v < 0 || v === Infinity) return -1;
  return Math.round(v * 1000);
}

/** True when `s` is a dotted quad (four decimal parts of 1–3 digits, each ≤ 255): a char loop, no allocation. */
export function isDottedQuad(s: string): boolean {
  let parts = 0, digits = 0, val = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++parts > 3) return false;
      digits = val = 0;
    } else if (c >= 48 && c <= 57) {
      if (++digits > 3) return false;
      val = val * 10 + (c - 48);
      if (val > 255) return false;
    } else return false;
  }
  return parts === 3 && digits > 0;
}

function port(v: unknown, sc: string, name: string): number {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 65535) return v;
  throw new SysError("EINVAL", sc, `${name}: port must be 0-65535, got ${describe(v)}`);
}

/**
 * An address argument → SockAddr:
 * - `[host, port]` (Python's tuple): `host` a dotted quad, `""` (INADDR_ANY),
 *   `"<broadcast>"` (INADDR_BROADCAST, Python's spelling) or a host name looked
 *   up in `hosts` (unknown → {@link GaiError} EAI_NONAME, as Python raises);
 *   an IPv6 literal (`"::1"`, `"fe80::1%eth0"`) is a sockaddr_in6;
 * - a sockaddr object: `{ family: AF_INET, addr, port }` with a dotted quad,
 *   `{ family: AF_INET6, addr, port, flowinfo?, scopeId? }` with IPv6 text,
 *   `{ family: AF_UNIX, path }`, `{ family: AF_UNSPEC }` (family also as a
 *   name); another family is passed on (the socket answers EAFNOSUPPORT);
 * - a string: an AF_UNIX path.
 * No address (null, undefined) or a value of another type → EFAULT (a bad
 * pointer); malformed fields → EINVAL.
 */
export function argAddress(v: unknown, sc: string, hosts: Resolver | undefined, name = "addr"): SockAddr {
  if (typeof v === "string") return { family: AF_UNIX, path: v };
  if (Array.isArray(v)) {
    if (v.length !== 2) throw new SysError("EINVAL", sc, `${name}: an address tuple is [host, port], got ${v.length} elements`);
    const [h, p] = v as unknown[];
    if (typeof h !== "string") throw new SysError("EINVAL", sc, `${name}[0]: the host must be a string, got ${describe(h)}`);
    const pn = port(p, sc, `${name}[1]`);
    if (h === "") return { family: AF_INET, addr: "0.0.0.0", port: pn };
    if (h === "<broadcast>") return { family: AF_INET, addr: "255.255.255.255", port: pn };
    if (isDottedQuad(h)) return { family: AF_INET, addr: h, port: pn };
    // An IPv6 literal (Python's AF_INET6 tuple, flowinfo and scope id 0; a zone `%eth0` kept in the text).
    if (h.includes(":") && parseIpv6Text(h)) return { family: AF_INET6, addr: h, port: pn, flowinfo: 0, scopeId: 0 };
    const found = hosts?.lookup(h) ?? [];
    if (found.length === 0) throw new GaiError("EAI_NONAME", sc, `${name}: no host named ${JSON.stringify(h)}`);
    return { family: AF_INET, addr: formatIpv4Address(found[0]!), port: pn };
  }
  if (v === null || v === undefined) throw new SysError("EFAULT", sc, `${name}: no address given (${describe(v)})`);
  if (typeof v !== "object") throw new SysError("EFAULT", sc, `${name}: expected a socket address ([host, port], a sockaddr or an AF_UNIX path), got ${describe(v)}`);
  const o = v as Record<string, unknown>;
  if (!("family" in o)) throw new SysError("EINVAL", sc, `${name}: a sockaddr needs a family (AF_INET, AF_UNIX, AF_UNSPEC)`);
  const family = argName(o.family, sc, DOMAINS, `${name}.family`);
  if (family === AF_INET) {
    if (typeof o.addr !== "string") throw new SysError("EINVAL", sc, `${name}.addr: expected a dotted quad, got ${describe(o.addr)}`);
    if (o.addr !== "" && !isDottedQuad(o.addr)) {
      throw new SysError("EINVAL", sc, `${name}.addr: ${JSON.stringify(o.addr)} is not an IPv4 address (a [host, port] tuple looks names up)`);
    }
    return { family: AF_INET, addr: o.addr, port: port(o.port, sc, `${name}.port`) };
  }
  if (family === AF_INET6) {
    if (typeof o.addr !== "string" || (o.addr !== "" && !parseIpv6Text(o.addr))) {
      throw new SysError("EINVAL", sc, `${name}.addr: ${JSON.stringify(o.addr)} is not an IPv6 address`);
    }
    const flowinfo = typeof o.flowinfo === "number" ? o.flowinfo : 0;
    const scopeId = typeof o.scopeId === "number" ? o.scopeId : 0;
    return { family: AF_INET6, addr: o.addr, port: port(o.port, sc, `${name}.port`), flowinfo, scopeId };
  }
  if (family === AF_UNIX) {
    if (typeof o.path !== "string") throw new SysError("EINVAL", sc, `${name}.path: expected a string, got ${describe(o.path)}`);
    return { family: AF_UNIX, path: o.path };
  }
  if (family === AF_UNSPEC) return { family: AF_UNSPEC };
  return { family } as unknown as SockAddr;
}

/** An optional address (sendto, sendmsg): null or undefined = none. */
export function argOptAddress(v: unknown, sc: string, hosts: Resolver | undefined, name = "addr"): SockAddr | null {
  return v === null || v === undefined ? null : argAddress(v, sc, hosts, name);
}

/** A function argument (fork's child, thread's main): EINVAL otherwise. */
export function argFunction<F>(v: F, sc: string, name: string): F {
  if (typeof v === "function") return v;
  throw new SysError("EINVAL", sc, `${name}: expected a function, got ${describe(v)}`);
}
