/**
 * A syscall trace in the format of `strace -f -tt` (issue 12): each call
 * with its arguments, its result or errno, and the virtual time, from the
 * events of the syscall boundary (`host.strace(fn)`, `net.strace(fn)`).
 *
 * ```text
 * [pid 1000] 00:00:00.000000 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3
 * [pid 1000] 00:00:00.000000 bind(3, {sa_family=AF_INET, sin_port=htons(9090), sin_addr=inet_addr("0.0.0.0")}, 16) = 0
 * [pid 1000] 00:00:00.000000 accept(3,  <unfinished ...>
 * [pid 1001] 00:00:00.000000 connect(3, {sa_family=AF_INET, sin_port=htons(9090), sin_addr=inet_addr("10.0.0.2")}, 16) = 0
 * [pid 1000] 00:00:00.015000 <... accept resumed>{sa_family=AF_INET, sin_port=htons(40000), sin_addr=inet_addr("10.0.0.1")}, [16]) = 4
 * ```
 *
 * As strace prints them (checked against strace 6 on Linux): the `[pid N]`
 * prefix (the thread id for a thread), then `-tt` wall-clock time — here
 * virtual time from `00:00:00.000000`; strings escaped as C and cut after
 * 32 bytes with `...`; constants by name; a call that blocks while other
 * calls are printed shows as `<unfinished ...>` and later
 * `<... name resumed>`; `= -1 ECONNREFUSED (Connection refused)` on
 * failure; `+++ exited with 0 +++` and `+++ killed by SIGKILL +++`.
 * sockstack's calls are named as glibc issues them on x86-64: `send` and
 * `recv` are `sendto`/`recvfrom`, `wait`/`waitpid` are `wait4`,
 * `getrlimit`/`setrlimit` are `prlimit64`, `open` is `openat(AT_FDCWD, …)`,
 * `pipe` is `pipe2(…, 0)`, `pread`/`pwrite` are `pread64`/`pwrite64`,
 * `fstat` is `newfstatat(fd, "", …, AT_EMPTY_PATH)` (glibc 2.33+). Helpers that are loops of calls
 * (`sendall`, `recvExactly`, `recvLine`) show as those calls.
 */
import { errnoName, strerror } from "../core/errno.js";
import { SysError } from "../core/sys-error.js";
import type { Micros } from "../core/time.js";
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDBAND, POLLRDHUP, POLLRDNORM, POLLWRBAND, POLLWRNORM } from "../core/poll-events.js";
import { AF_INET, AF_INET6, AF_UNIX, CONSTANTS } from "../socket/constants.js";
import { findOption } from "../socket/options.js";
import type { SockAddr } from "../socket/sockaddr.js";
import { EPOLL_CONSTANTS } from "./epoll.js";
import { toAddr, type Address } from "./process.js";
import type { FdSet, PollFd, SelectTimeout } from "./select-poll.js";
import type { SyscallEvent, SyscallListener, SyscallRecord } from "./syscall-boundary.js";

/** Options of the formatters. */
export interface StraceOptions {
  /** Print the host name before each line (a whole network's trace). Default false. */
  host?: boolean;
  /** Print `[pid N]` (strace -f). Default true. */
  pids?: boolean;
  /** Longest string shown (strace -s). Default 32. */
  strsize?: number;
}

/** The Linux name of a sockstack call (glibc on x86-64). */
export function straceName(call: string): string {
  switch (call) {
    case "recv": return "recvfrom";
    case "send": return "sendto";
    case "wait": case "waitpid": return "wait4";
    case "getrlimit": case "setrlimit": return "prlimit64";
    case "open": return "openat";
    case "pread": return "pread64";
    case "pwrite": return "pwrite64";
    case "pipe": return "pipe2";
    case "fstat": return "newfstatat";
    default: return call;
  }
}

/** `12:00:00.200100`: virtual µs as strace -tt's time of day (from midnight). */
export function straceTime(t: Micros): string {
  const us = Math.floor(t) % 86_400_000_000;
  const s = Math.floor(us / 1e6);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}.${String(us % 1e6).padStart(6, "0")}`;
}

const enc = new TextEncoder();

/** A C string as strace prints it: escapes, cut after `max` bytes with `...`. */
export function straceString(d: Uint8Array | string, max = 32): string {
  const b = typeof d === "string" ? enc.encode(d) : d;
  let out = '"';
  const n = Math.min(b.length, max);
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x0c) out += "\\f";
    else if (c === 0x0b) out += "\\v";
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else {
      // Octal, as short as possible unless a digit follows.
      const next = i + 1 < n ? b[i + 1]! : -1;
      out += "\\" + (next >= 0x30 && next <= 0x37 ? c.toString(8).padStart(3, "0") : c.toString(8));
    }
  }
  return out + '"' + (b.length > max ? "..." : "");
}

/** `{sa_family=AF_INET, sin_port=htons(9090), sin_addr=inet_addr("10.0.0.2")}` (or strace's sockaddr_in6 form) and its length. */
export function straceSockaddr(a: SockAddr | null | undefined): { text: string; len: number } {
  if (!a) return { text: "NULL", len: 0 };
  if (a.family === AF_INET) return { text: `{sa_family=AF_INET, sin_port=htons(${a.port}), sin_addr=inet_addr("${a.addr}")}`, len: 16 };
  if (a.family === AF_INET6) {
    // strace 6.x: the address through inet_pton, flow info and scope id as numbers.
    return {
      text: `{sa_family=AF_INET6, sin6_port=htons(${a.port}), sin6_flowinfo=htonl(${a.flowinfo ?? 0}), inet_pton(AF_INET6, "${a.addr}", &sin6_addr), sin6_scope_id=${a.scopeId ?? 0}}`,
      len: 28,
    };
  }
  if (a.family === AF_UNIX) return { text: a.path ? `{sa_family=AF_UNIX, sun_path=${straceString(a.path.replace(/^\0/, "@"), 108)}}` : "{sa_family=AF_UNIX}", len: a.path ? 110 : 2 };
  return { text: "{sa_family=AF_UNSPEC}", len: 16 };
}

function addrArg(a: unknown): { text: string; len: number } {
  if (a === null || a === undefined) return { text: "NULL", len: 0 };
  try {
    return straceSockaddr(toAddr(a as Address));
  } catch {
    return { text: "???", len: 0 };
  }
}

/** Names of the bits of `v` among `names` (in table order), the rest in hex; `zero` when 0. */
function bitNames(v: number, names: readonly [string, number][], zero = "0"): string {
  if (v === 0) return zero;
  const out: string[] = [];
  let rest = v >>> 0;
  for (const [n, bit] of names) {
    if (bit !== 0 && (rest & bit) === bit) {
      out.push(n);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest) out.push(`0x${rest.toString(16)}`);
  return out.join("|");
}

const pick = (prefix: string, table: Readonly<Record<string, number>> = CONSTANTS): [string, number][] =>
  Object.entries(table).filter(([n]) => n.startsWith(prefix));
const MSG = pick("MSG_");
const POLL: [string, number][] = Object.entries({ POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDNORM, POLLRDBAND, POLLWRNORM, POLLWRBAND, POLLRDHUP });
const EPOLL = pick("EPOLL", EPOLL_CONSTANTS).filter(([n]) => !n.startsWith("EPOLL_"));
const FAMILIES: Record<number, string> = { 0: "AF_UNSPEC", 1: "AF_UNIX", 2: "AF_INET", 10: "AF_INET6" };
const TYPES: Record<number, string> = { 1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 5: "SOCK_SEQPACKET" };
const PROTOCOLS: Record<number, string> = { 0: "IPPROTO_IP", 1: "IPPROTO_ICMP", 6: "IPPROTO_TCP", 17: "IPPROTO_UDP" };
const LEVELS: Record<number, string> = { 0: "SOL_IP", 1: "SOL_SOCKET", 6: "SOL_TCP", 17: "SOL_UDP", 41: "SOL_IPV6" };

/** A constant argument given by name or number: the name as given, or looked up. */
function named(v: unknown, byValue: Record<number, string>): string {
  if (typeof v === "string") return v;
  if (typeof v === "number") return byValue[v] ?? String(v);
  return String(v);
}

/** Flags given as a number, a name, "A|B" or a list. */
function flags(v: unknown, table: [string, number][]): string {
  if (v === undefined || v === null) return "0";
  if (typeof v === "number") return bitNames(v, table);
  if (Array.isArray(v)) return v.length ? v.join("|") : "0";
  return String(v) || "0";
}

const OPEN: [string, number][] = Object.entries({
  O_CREAT: 0o100, O_EXCL: 0o200, O_NOCTTY: 0o400, O_TRUNC: 0o1000, O_APPEND: 0o2000, O_NONBLOCK: 0o4000,
  O_LARGEFILE: 0o100000, O_DIRECTORY: 0o200000, O_NOFOLLOW: 0o400000, O_CLOEXEC: 0o2000000,
});
const SPLICE: [string, number][] = [["SPLICE_F_MOVE", 1], ["SPLICE_F_NONBLOCK", 2], ["SPLICE_F_MORE", 4], ["SPLICE_F_GIFT", 8]];

/** open's flags as strace prints them: the access mode first (`O_WRONLY|O_CREAT|O_TRUNC`). */
function openFlags(v: unknown): string {
  if (typeof v !== "number") return flags(v, []);
  const acc = ["O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"][v & 3]!;
  const rest = bitNames(v & ~3, OPEN, "");
  return rest ? `${acc}|${rest}` : acc;
}

/** Whether open's flags (number or names) include O_CREAT: strace then prints the mode. */
function creates(v: unknown): boolean {
  if (typeof v === "number") return (v & 0o100) !== 0;
  return (Array.isArray(v) ? v.join("|") : String(v)).split("|").some((n) => n.trim() === "O_CREAT");
}

/** A loff_t * argument: NULL, or `[n]` (a plain number is shown as the pointer the kernel would get). */
function offsetArg(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  return `[${String(Array.isArray(v) ? v[0] : v)}]`;
}

function socketType(v: unknown): string {
  if (typeof v !== "number") return flags(v, []);
  const base = v & 0xf;
  const extra = bitNames(v & ~0xf, [["SOCK_NONBLOCK", 0o4000], ["SOCK_CLOEXEC", 0o2000000]], "");
  return (TYPES[base] ?? String(base)) + (extra ? `|${extra}` : "");
}

function optValue(v: unknown): { text: string; len: number } {
  if (typeof v === "boolean") return { text: `[${v ? 1 : 0}]`, len: 4 };
  if (typeof v === "number") return { text: `[${v}]`, len: 4 };
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if ("l_onoff" in o) return { text: `{l_onoff=${String(o.l_onoff)}, l_linger=${String(o.l_linger)}}`, len: 8 };
    if ("tv_sec" in o) return { text: `{tv_sec=${String(o.tv_sec)}, tv_usec=${String(o.tv_usec)}}`, len: 16 };
    return { text: "{...}", len: 0 };
  }
  if (typeof v === "string") return { text: straceString(v), len: v.length };
  return { text: String(v), len: 0 };
}

function optName(level: unknown, name: unknown): string {
  if (typeof name === "string") return name;
  return findOption(level as string | number, name as number)?.name ?? String(name);
}

function pollFds(fds: readonly PollFd[], key: "events" | "revents", skipZero = false): string {
  const items = fds.filter((f) => !skipZero || (f.revents ?? 0) !== 0)
    .map((f) => `{fd=${f.fd}, ${key}=${typeof f[key] === "number" ? bitNames(f[key], POLL) : String(f[key])}}`);
  return `[${items.join(", ")}]`;
}

function fdSet(s: FdSet | null | undefined): string {
  return s ? `[${s.fds().join(" ")}]` : "NULL";
}

function timeval(t: SelectTimeout | null | undefined): string {
  return t ? `{tv_sec=${t.tv_sec}, tv_usec=${t.tv_usec}}` : "NULL";
}

function epollData(d: unknown): string {
  return typeof d === "number" ? `{u32=${d >>> 0}, u64=${d}}` : "{u64=...}";
}

function dataArg(d: unknown, max: number): { text: string; len: number } {
  if (typeof d === "string") return { text: straceString(d, max), len: enc.encode(d).length };
  if (d instanceof Uint8Array) return { text: straceString(d, max), len: d.length };
  return { text: "0x...", len: 0 };
}

function iovs(list: readonly unknown[], max: number): string {
  return `[${list.map((d) => { const x = dataArg(d, max); return `{iov_base=${x.text}, iov_len=${x.len}}`; }).join(", ")}]`;
}

/** The part of the arguments known at entry (for `<unfinished ...>`), ending in ", " when outputs follow. */
export function formatEnterArgs(rec: SyscallRecord, opts: StraceOptions = {}): string {
  const a = rec.args;
  const max = opts.strsize ?? 32;
  switch (rec.call) {
    case "socket": return `${named(a[0], FAMILIES)}, ${socketType(a[1])}, ${named(a[2] ?? 0, a[0] === "AF_UNIX" || a[0] === AF_UNIX ? {} : PROTOCOLS)}`;
    case "socketpair": return `${named(a[0], FAMILIES)}, ${socketType(a[1])}, ${named(a[2] ?? 0, {})}, `;
    case "bind": case "connect": { const s = addrArg(a[1]); return `${String(a[0])}, ${s.text}, ${s.len}`; }
    case "listen": return `${String(a[0])}, ${String(a[1] ?? 128)}`;
    case "accept": case "accept4": case "getsockname": case "getpeername":
    case "recv": case "recvfrom": case "recvmsg": case "read": case "readv":
    case "epoll_wait": return `${String(a[0])}, `;
    case "send": { const d = dataArg(a[1], max); return `${String(a[0])}, ${d.text}, ${d.len}, ${flags(a[2] ?? 0, MSG)}, NULL, 0`; }
    case "sendto": { const d = dataArg(a[1], max); const s = addrArg(a[3]); return `${String(a[0])}, ${d.text}, ${d.len}, ${flags(a[2] ?? 0, MSG)}, ${s.text}, ${s.len}`; }
    case "write": { const d = dataArg(a[1], max); return `${String(a[0])}, ${d.text}, ${d.len}`; }
    case "writev": { const l = (a[1] as unknown[]) ?? []; return `${String(a[0])}, ${iovs(l, max)}, ${l.length}`; }
    case "sendmsg": {
      const m = (a[1] ?? {}) as { iov?: unknown[]; name?: unknown };
      const s = addrArg(m.name);
      return `${String(a[0])}, {msg_name=${s.text}, msg_namelen=${s.len}, msg_iov=${iovs(m.iov ?? [], max)}, msg_iovlen=${(m.iov ?? []).length}, msg_controllen=0, msg_flags=0}, ${flags(a[2] ?? 0, MSG)}`;
    }
    case "shutdown": return `${String(a[0])}, ${named(a[1], { 0: "SHUT_RD", 1: "SHUT_WR", 2: "SHUT_RDWR" })}`;
    case "close": case "dup": return String(a[0]);
    case "dup2": return `${String(a[0])}, ${String(a[1])}`;
    case "setsockopt": { const v = optValue(a[3]); return `${String(a[0])}, ${named(a[1], LEVELS)}, ${optName(a[1], a[2])}, ${v.text}, ${v.len}`; }
    case "getsockopt": return `${String(a[0])}, ${named(a[1], LEVELS)}, ${optName(a[1], a[2])}, `;
    case "fcntl": return `${String(a[0])}, ${named(a[1], {})}${a[2] !== undefined ? `, ${String(a[2])}` : ""}`;
    case "ioctl": return `${String(a[0])}, ${named(a[1], { 0x541b: "FIONREAD", 0x5421: "FIONBIO", 0x5411: "SIOCOUTQ", 0x8905: "SIOCATMARK" })}, `;
    case "unlink": return straceString(String(a[0]), 4096);
    case "poll": { const f = (a[0] as PollFd[]) ?? []; return `${pollFds(f, "events")}, ${f.length}, ${String(a[1] ?? -1)}`; }
    case "select": return `${String(a[0])}, ${fdSet(a[1] as FdSet)}, ${fdSet(a[2] as FdSet)}, ${fdSet(a[3] as FdSet)}, ${timeval(a[4] as SelectTimeout)}`;
    case "epoll_create": return String(a[0] ?? 1);
    case "epoll_create1": return flags(a[0] ?? 0, [["EPOLL_CLOEXEC", 0o2000000]]);
    case "epoll_ctl": {
      const ev = a[3] as { events: unknown; data?: unknown } | null | undefined;
      const e = ev ? `{events=${flags(ev.events, EPOLL)}, data=${epollData(ev.data === undefined ? a[2] : ev.data)}}` : "NULL";
      return `${String(a[0])}, ${named(a[1], { 1: "EPOLL_CTL_ADD", 2: "EPOLL_CTL_DEL", 3: "EPOLL_CTL_MOD" })}, ${String(a[2])}, ${e}`;
    }
    case "getrlimit": return "0, RLIMIT_NOFILE, NULL, ";
    case "setrlimit": { const l = (a[1] ?? {}) as { soft?: number; hard?: number }; return `0, RLIMIT_NOFILE, {rlim_cur=${String(l.soft)}, rlim_max=${String(l.hard ?? "RLIM_INFINITY")}}, NULL`; }
    case "fork": return "";
    case "open": return `AT_FDCWD, ${straceString(String(a[0]), 4096)}, ${openFlags(a[1])}${creates(a[1]) ? `, 0${Number(a[2] ?? 0o666).toString(8)}` : ""}`;
    case "pread": return `${String(a[0])}, `;
    case "pwrite": { const d = dataArg(a[1], max); return `${String(a[0])}, ${d.text}, ${d.len}, ${String(a[2])}`; }
    case "lseek": return `${String(a[0])}, ${String(a[1])}, ${named(a[2], { 0: "SEEK_SET", 1: "SEEK_CUR", 2: "SEEK_END" })}`;
    case "fstat": return `${String(a[0])}, "", `;
    case "pipe": return "";
    case "pipe2": return "";
    case "sendfile": return a[2] === null || a[2] === undefined ? `${String(a[0])}, ${String(a[1])}, NULL, ${String(a[3])}` : `${String(a[0])}, ${String(a[1])}, ${offsetArg(a[2])}`;
    case "splice": return `${String(a[0])}, ${offsetArg(a[1])}, ${String(a[2])}, ${offsetArg(a[3])}, ${String(a[4])}, ${typeof a[5] === "number" || a[5] === undefined ? bitNames(Number(a[5] ?? 0), SPLICE) : flags(a[5], SPLICE)}`;
    case "wait": return "-1, ";
    case "waitpid": return `${String(a[0])}, `;
    default: return a.map((x) => (typeof x === "string" ? straceString(x) : String(x))).join(", ");
  }
}

/** The arguments written by the call (after `<... resumed>`); "" when none. */
function formatExitArgs(rec: SyscallRecord, max: number): string {
  const a = rec.args;
  const r = rec.result as Record<string, unknown> | Uint8Array | number | null | undefined;
  const failed = rec.error !== undefined;
  switch (rec.call) {
    case "socketpair": return failed ? "0x..." : `[${(r as unknown as number[]).join(", ")}]`;
    case "accept": case "accept4": {
      const s = failed ? { text: "NULL", len: 0 } : straceSockaddr((r as { addr: SockAddr }).addr);
      const tail = rec.call === "accept4" ? `, ${bitNames(Number(a[1] ?? 0), [["SOCK_NONBLOCK", 0o4000], ["SOCK_CLOEXEC", 0o2000000]])}` : "";
      return failed ? `NULL, NULL${tail}` : `${s.text}, [${s.len}]${tail}`;
    }
    case "getsockname": case "getpeername": {
      if (failed) return "0x..., [16]";
      const s = straceSockaddr(r as unknown as SockAddr);
      return `${s.text}, [${s.len}]`;
    }
    case "recv": case "read": {
      const d = failed ? "0x..." : straceString(r as Uint8Array, max);
      return rec.call === "read" ? `${d}, ${String(a[1])}` : `${d}, ${String(a[1])}, ${flags(a[2] ?? 0, MSG)}, NULL, NULL`;
    }
    case "recvfrom": {
      if (failed) return `0x..., ${String(a[1])}, ${flags(a[2] ?? 0, MSG)}, NULL, NULL`;
      const x = r as { data: Uint8Array; addr: SockAddr | null };
      const s = straceSockaddr(x.addr);
      return `${straceString(x.data, max)}, ${String(a[1])}, ${flags(a[2] ?? 0, MSG)}, ${s.text}, ${x.addr ? `[${s.len}]` : "NULL"}`;
    }
    case "recvmsg": {
      const x = failed ? null : (r as { data: Uint8Array; addr: SockAddr | null; flags: number });
      const s = straceSockaddr(x?.addr);
      const base = x ? straceString(x.data, max) : "0x...";
      return `{msg_name=${s.text}, msg_namelen=${s.len}, msg_iov=[{iov_base=${base}, iov_len=${String(a[1])}}], msg_iovlen=1, msg_controllen=0, msg_flags=${bitNames(x?.flags ?? 0, MSG)}}, ${flags(a[2] ?? 0, MSG)}`;
    }
    case "readv": {
      const sizes = (a[1] as number[]) ?? [];
      const parts = failed ? [] : (r as unknown as Uint8Array[]);
      return `[${sizes.map((n, i) => `{iov_base=${parts[i] ? straceString(parts[i], max) : "0x..."}, iov_len=${n}}`).join(", ")}], ${sizes.length}`;
    }
    case "getsockopt": return failed ? "0x..., [4]" : `${optValue(r).text}, [${optValue(r).len}]`;
    case "ioctl": return failed ? `${String(a[2] ?? 0)}` : `[${String(r)}]`;
    case "epoll_wait": {
      const evs = failed ? null : (r as unknown as { events: number; data: unknown }[]);
      const list = evs ? `[${evs.map((e) => `{events=${bitNames(e.events, EPOLL)}, data=${epollData(e.data)}}`).join(", ")}]` : "0x...";
      return `${list}, ${String(a[1])}, ${String(a[2] ?? -1)}`;
    }
    case "pread": return `${failed ? "0x..." : straceString(r as Uint8Array, max)}, ${String(a[1])}, ${String(a[2])}`;
    case "fstat": {
      if (failed) return "0x...";
      const st = r as { st_mode: number; st_size: number };
      const type = ({ 0o100000: "S_IFREG", 0o040000: "S_IFDIR", 0o020000: "S_IFCHR", 0o010000: "S_IFIFO", 0o140000: "S_IFSOCK" } as Record<number, string>)[st.st_mode & 0o170000] ?? "0";
      return `{st_mode=${type}|0${(st.st_mode & 0o7777).toString(8)}, st_size=${st.st_size}, ...}, AT_EMPTY_PATH`;
    }
    case "pipe": case "pipe2": {
      const fl = rec.call === "pipe" ? "0" : typeof a[0] === "number" || a[0] === undefined ? bitNames(Number(a[0] ?? 0), OPEN) : flags(a[0], OPEN);
      return `${failed ? "0x..." : `[${(r as unknown as number[]).join(", ")}]`}, ${fl}`;
    }
    case "sendfile": {
      if (a[2] === null || a[2] === undefined) return "";
      // A `[n]` argument was updated in place by the call; a plain number is where the read started.
      const end = Array.isArray(a[2]) ? Number(a[2][0]) : Number(a[2]) + (failed ? 0 : (r as unknown as number));
      return ` => [${end}], ${String(a[3])}`;
    }
    case "getrlimit": return failed ? "0x..." : `{rlim_cur=${(r as { soft: number }).soft}, rlim_max=${(r as { hard: number }).hard}}`;
    case "wait": case "waitpid": {
      const st = failed || r === null ? "0x..." : `[{WIFEXITED(s) && WEXITSTATUS(s) == ${(r as { status: number }).status}}]`;
      return `${st}, ${rec.call === "waitpid" ? flags(a[1] ?? 0, [["WNOHANG", 1]]) : "0"}, NULL`;
    }
    default: return "";
  }
}

/** ` = 3`, ` = -1 ECONNREFUSED (Connection refused)`, ` = 1 ([{fd=4, revents=POLLIN}])`. */
function formatReturn(rec: SyscallRecord): string {
  const e = rec.error;
  if (e !== undefined) {
    if (e instanceof SysError) return `-1 ${e.code} (${strerror(e.code)})`;
    const code = typeof (e as { errno?: unknown })?.errno === "number" ? errnoName((e as { errno: number }).errno) : undefined;
    return code ? `-1 ${code} (${strerror(code)})` : `? (${e instanceof Error ? `${e.name}: ${e.message.split("\n")[0]}` : String(e)})`;
  }
  const r = rec.result;
  switch (rec.call) {
    case "accept": case "accept4": return String((r as { fd: number }).fd);
    case "recv": case "read": case "pread": return String((r as Uint8Array).length);
    case "pipe": case "pipe2": case "fstat": return "0";
    case "recvfrom": case "recvmsg": return String((r as { data: Uint8Array }).data.length);
    case "readv": return String((r as Uint8Array[]).reduce((n, b) => n + b.length, 0));
    case "poll": {
      const n = r as number;
      if (n === 0) return "0 (Timeout)";
      return `${n} (${pollFds(rec.args[0] as PollFd[], "revents", true)})`;
    }
    case "select": {
      const n = r as number;
      if (n === 0) return "0 (Timeout)";
      const parts: string[] = [];
      const [rs, ws, xs] = [rec.args[1], rec.args[2], rec.args[3]] as (FdSet | null)[];
      if (rs && rs.fds().length) parts.push(`in [${rs.fds().join(" ")}]`);
      if (ws && ws.fds().length) parts.push(`out [${ws.fds().join(" ")}]`);
      if (xs && xs.fds().length) parts.push(`except [${xs.fds().join(" ")}]`);
      return `${n} (${parts.join(", ")})`;
    }
    case "epoll_wait": return String((r as unknown[]).length);
    case "getsockopt": case "getrlimit": case "setrlimit": case "bind": case "listen": case "connect": case "close":
    case "shutdown": case "setsockopt": case "unlink": case "epoll_ctl": case "socketpair": case "getsockname": case "getpeername": case "ioctl":
      return "0";
    case "wait": case "waitpid": return r === null ? "0" : String((r as { pid: number }).pid);
    case "fcntl": return typeof r === "number" ? (rec.args[1] === "F_GETFL" || rec.args[1] === 3 ? `0x${r.toString(16)} (flags ${bitNames(r, [["O_NONBLOCK", 0o4000], ["O_RDWR", 2]], "O_RDONLY")})` : String(r)) : "0";
    default: return typeof r === "number" ? String(r) : "0";
  }
}

function prefix(host: string, tid: number, t: Micros, o: StraceOptions): string {
  return `${o.host ? `${host} ` : ""}${o.pids === false ? "" : `[pid ${String(tid).padStart(5)}] `}${straceTime(t)} `;
}

/** strace pads `= result` to column 40. */
function withReturn(line: string, ret: string): string {
  return `${line.length < 39 ? line.padEnd(39) : line} = ${ret}`;
}

function enterText(rec: SyscallRecord, o: StraceOptions): string {
  return rec.enterText ?? formatEnterArgs(rec, o);
}

/**
 * One finished call as a complete strace line (or `+++ exited with N +++`).
 * Returns "" for an "enter" event (see {@link straceWriter} for the
 * `<unfinished ...>` lines of a live trace).
 * @example
 * const lines: string[] = [];
 * host.strace((ev) => { const l = formatStrace(ev); if (l) lines.push(l); });
 * // [pid  1000] 00:00:00.010000 connect(3, {sa_family=AF_INET, sin_port=htons(9090), sin_addr=inet_addr("10.0.0.2")}, 16) = 0
 */
export function formatStrace(ev: SyscallEvent, opts: StraceOptions = {}): string {
  if (ev.kind === "exited") {
    const p = prefix(ev.host, ev.pid, ev.time, opts);
    return ev.signal ? `${p}+++ killed by ${ev.signal} +++` : `${p}+++ exited with ${ev.code} +++`;
  }
  if (ev.kind === "enter") return "";
  const rec = ev.rec;
  const head = `${prefix(rec.host, rec.tid, rec.start, opts)}${straceName(rec.call)}(${enterText(rec, opts)}${formatExitArgs(rec, opts.strsize ?? 32)})`;
  return withReturn(head, formatReturn(rec));
}

/** A live strace: a listener that prints lines as strace -f does, and `flush()` for a call still blocked at the end. */
export interface StraceWriter extends SyscallListener {
  /** Prints the call still pending (if any) as `<unfinished ...>`. */
  flush(): void;
}

/**
 * A tracer printing strace -f lines through `print`, with
 * `<unfinished ...>` / `<... resumed>` when a blocking call is interrupted
 * by other lines (as strace does for several processes or threads).
 * @example
 * const out: string[] = [];
 * net.strace(straceWriter((line) => out.push(line), { host: true }));
 */
export function straceWriter(print: (line: string) => void, opts: StraceOptions = {}): StraceWriter {
  let pending: SyscallRecord | null = null; // entered, nothing printed yet
  const unfinished = new Set<SyscallRecord>();
  const interrupt = (): void => {
    const p = pending;
    if (!p) return;
    pending = null;
    unfinished.add(p);
    print(`${prefix(p.host, p.tid, p.start, opts)}${straceName(p.call)}(${enterText(p, opts)} <unfinished ...>`);
  };
  const w = ((ev: SyscallEvent) => {
    if (ev.kind === "enter") {
      interrupt();
      pending = ev.rec;
      return;
    }
    if (ev.kind === "exited") {
      interrupt();
      print(formatStrace(ev, opts));
      return;
    }
    const rec = ev.rec;
    if (pending === rec) {
      pending = null;
      print(formatStrace(ev, opts));
      return;
    }
    interrupt();
    if (unfinished.delete(rec)) {
      const head = `${prefix(rec.host, rec.tid, rec.end, opts)}<... ${straceName(rec.call)} resumed>${formatExitArgs(rec, opts.strsize ?? 32)})`;
      print(withReturn(head, formatReturn(rec)));
    } else {
      print(formatStrace(ev, opts));
    }
  }) as StraceWriter;
  w.flush = interrupt;
  return w;
}
