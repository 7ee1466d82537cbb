/**
 * The names syscalls accept in place of numbers, one table per kind of
 * argument (domains, socket types, protocols, send/recv flags, shutdown's
 * `how`, fcntl commands, ioctl requests, option levels), with their
 * literal-union types, and the lookups that turn a name into its Linux
 * value or into an error that says what is wrong with it:
 *
 * - a misspelt name gets the closest right one (`did you mean MSG_DONTWAIT?`);
 * - a name of another kind says which kind it is (`"SOCK_NONBLOCK" is a
 *   socket type flag, not a send/recv flag`).
 *
 * The types make a misspelt literal a compile error
 * (`p.send(fd, d, "MSG_DONTWAT")`), while numbers and values of type
 * `string` (translated C and Python, names read from a file) stay accepted
 * and are checked at run time: see {@link CheckedName} and
 * {@link CheckedFlags}.
 */
import {
  AF_INET, AF_INET6, AF_LOCAL, AF_UNIX, AF_UNSPEC,
  F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_GETPIPE_SZ, F_SETFD, F_SETFL, F_SETPIPE_SZ, FD_CLOEXEC, O_APPEND, FIONBIO, FIONREAD,
  IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_IP, IPPROTO_TCP, IPPROTO_UDP,
  MSG_CONFIRM, MSG_CTRUNC, MSG_DONTROUTE, MSG_DONTWAIT, MSG_EOR, MSG_ERRQUEUE, MSG_FASTOPEN, MSG_MORE, MSG_NOSIGNAL, MSG_OOB, MSG_ZEROCOPY,
  MSG_PEEK, MSG_TRUNC, MSG_WAITALL, O_NONBLOCK, O_RDWR,
  SHUT_RD, SHUT_RDWR, SHUT_WR, SIOCATMARK, SIOCINQ, SIOCOUTQ,
  SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_RAW, SOCK_SEQPACKET, SOCK_STREAM,
  SOL_IP, SOL_IPV6, SOL_SOCKET, SOL_TCP, SOL_UDP,
} from "./constants.js";

// ---- literal unions -------------------------------------------------------

/** Address family names (`PF_*` are the same values, as in C). */
export type DomainName =
  | "AF_UNSPEC" | "AF_UNIX" | "AF_LOCAL" | "AF_INET" | "AF_INET6"
  | "PF_UNSPEC" | "PF_UNIX" | "PF_LOCAL" | "PF_INET" | "PF_INET6";
/** Socket type names. */
export type SockTypeName = "SOCK_STREAM" | "SOCK_DGRAM" | "SOCK_RAW" | "SOCK_SEQPACKET";
/** Flags that may be or-ed into a socket type (socket, socketpair) or given to accept4. */
export type SockFlagName = "SOCK_NONBLOCK" | "SOCK_CLOEXEC";
/** Protocol names (socket's third argument). */
export type ProtocolName = "IPPROTO_IP" | "IPPROTO_ICMP" | "IPPROTO_TCP" | "IPPROTO_UDP" | "IPPROTO_ICMPV6";
/** send/recv flag names. */
export type MsgFlagName =
  | "MSG_OOB" | "MSG_PEEK" | "MSG_DONTROUTE" | "MSG_CTRUNC" | "MSG_TRUNC" | "MSG_DONTWAIT" | "MSG_EOR"
  | "MSG_WAITALL" | "MSG_CONFIRM" | "MSG_ERRQUEUE" | "MSG_NOSIGNAL" | "MSG_MORE" | "MSG_FASTOPEN" | "MSG_ZEROCOPY";
/** shutdown's `how`. */
export type ShutdownHowName = "SHUT_RD" | "SHUT_WR" | "SHUT_RDWR";
/** Option level names (setsockopt/getsockopt). */
export type LevelName = "SOL_SOCKET" | "SOL_IP" | "IPPROTO_IP" | "SOL_TCP" | "IPPROTO_TCP" | "SOL_UDP" | "IPPROTO_UDP" | "SOL_IPV6" | "IPPROTO_IPV6";
/** fcntl commands. */
export type FcntlCmdName = "F_DUPFD" | "F_GETFD" | "F_SETFD" | "F_GETFL" | "F_SETFL" | "F_DUPFD_CLOEXEC" | "F_SETPIPE_SZ" | "F_GETPIPE_SZ";
/** Names fcntl's `arg` may be given as (F_SETFL: O_NONBLOCK…, F_SETFD: FD_CLOEXEC). */
export type FcntlArgName = "O_RDWR" | "O_NONBLOCK" | "O_APPEND" | "FD_CLOEXEC";
/** ioctl requests. */
export type IoctlRequestName = "FIONREAD" | "FIONBIO" | "SIOCINQ" | "SIOCOUTQ" | "SIOCATMARK";

// ---- type-level checks ----------------------------------------------------

type Trim<S extends string> = S extends ` ${infer T}` ? Trim<T> : S extends `${infer T} ` ? Trim<T> : S;
/** True when every `|`-separated part of S is one of N. */
type EveryName<S extends string, N extends string> =
  S extends `${infer H}|${infer R}` ? (Trim<H> extends N ? EveryName<R, N> : false) : Trim<S> extends N ? true : false;

/**
 * The type of a one-name argument (domain, protocol, how, level, …): a
 * number, a literal of `N`, or any `string` value (checked at run time).
 * A string *literal* outside `N` is a compile error; the error shows `N`.
 * @example
 * declare function f<const V extends string | number>(v: CheckedName<V, "A" | "B">): void;
 * declare const x: number;
 * f("A"); f(2); f(String(x)); // f("C") does not compile
 */
export type CheckedName<V, N extends string> =
  V extends number ? V : V extends string ? (string extends V ? string | number : V extends N ? V : N) : N | number;

/**
 * The type of a flags argument: a number, one name of `N`, names joined by
 * `|` (`"SOCK_STREAM|SOCK_NONBLOCK"`, any number of them, spaces allowed
 * around `|`), or an array of names — every literal name is checked; a
 * `string` value is accepted and checked at run time (an array must hold
 * known names or numbers: arrays are a JS form, not a translated one).
 */
export type CheckedFlags<F, N extends string> =
  F extends number ? F
    : F extends string ? (string extends F ? Flags : EveryName<F, N> extends true ? F : N)
      : F extends readonly unknown[] ? readonly (N | number)[]
        : Flags<N>;

/** What a flags argument may be, untyped: a number, `"A|B"` names, or a list of names. */
export type Flags<N extends string = string> = number | N | `${N}|${string}` | readonly N[];

// ---- tables -------------------------------------------------------------

/** A table of names for one kind of argument. */
export interface NameTable {
  /** What the names are, for messages: "address family", "send/recv flag"… */
  readonly kind: string;
  readonly values: ReadonlyMap<string, number>;
}

function table<N extends string>(kind: string, entries: Readonly<Record<N, number>>): NameTable {
  const t: NameTable = { kind, values: new Map(Object.entries(entries) as [string, number][]) };
  TABLES.push(t);
  return t;
}

/** Every table, for "is a … name, not a …" messages. Tables of sys/ (epoll, poll) register too. */
const TABLES: NameTable[] = [];

/**
 * Registers a name table (so a name of this kind given where another kind
 * is expected is reported by its kind).
 */
export function nameTable<N extends string>(kind: string, entries: Readonly<Record<N, number>>): NameTable {
  return table(kind, entries);
}

/** Address families. */
export const DOMAINS = table<DomainName>("address family", {
  AF_UNSPEC, AF_UNIX, AF_LOCAL, AF_INET, AF_INET6,
  PF_UNSPEC: AF_UNSPEC, PF_UNIX: AF_UNIX, PF_LOCAL: AF_LOCAL, PF_INET: AF_INET, PF_INET6: AF_INET6,
});
/** Socket types with the flags socket() accepts in `type`. */
export const SOCK_TYPES = table<SockTypeName | SockFlagName>("socket type", {
  SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_NONBLOCK, SOCK_CLOEXEC,
});
/** accept4's flags. */
export const SOCK_FLAGS = table<SockFlagName>("socket flag", { SOCK_NONBLOCK, SOCK_CLOEXEC });
/** Protocols. */
export const PROTOCOLS = table<ProtocolName>("protocol", { IPPROTO_IP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMPV6 });
/** send/recv flags. */
export const MSG_FLAGS = table<MsgFlagName>("send/recv flag", {
  MSG_OOB, MSG_PEEK, MSG_DONTROUTE, MSG_CTRUNC, MSG_TRUNC, MSG_DONTWAIT, MSG_EOR, MSG_WAITALL,
  MSG_CONFIRM, MSG_ERRQUEUE, MSG_NOSIGNAL, MSG_MORE, MSG_FASTOPEN, MSG_ZEROCOPY,
});
/** shutdown's `how`. */
export const SHUTDOWN_HOWS = table<ShutdownHowName>("shutdown mode", { SHUT_RD, SHUT_WR, SHUT_RDWR });
/** Option levels. */
export const LEVEL_NAMES = table<LevelName>("option level", {
  SOL_SOCKET, SOL_IP, IPPROTO_IP: SOL_IP, SOL_TCP, IPPROTO_TCP: SOL_TCP, SOL_UDP, IPPROTO_UDP: SOL_UDP, SOL_IPV6, IPPROTO_IPV6: SOL_IPV6,
});
/** fcntl commands. */
export const FCNTL_CMDS = table<FcntlCmdName>("fcntl command", { F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC, F_SETPIPE_SZ, F_GETPIPE_SZ });
/** fcntl `arg` names. */
export const FCNTL_ARGS = table<FcntlArgName>("file flag", { O_RDWR, O_NONBLOCK, O_APPEND, FD_CLOEXEC });
/** ioctl requests. */
export const IOCTL_REQUESTS = table<IoctlRequestName>("ioctl request", { FIONREAD, FIONBIO, SIOCINQ, SIOCOUTQ, SIOCATMARK });

// ---- lookups ------------------------------------------------------------

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent
 * transpositions), bounded: returns `max + 1` as soon as it exceeds `max`.
 */
export function editDistance(a: string, b: string, max = 3): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const prev2 = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    for (let j = 0; j <= b.length; j++) prev2[j] = prev[j]!;
    prev = cur;
    if (rowMin > max) return max + 1;
  }
  return prev[b.length]!;
}

/**
 * The known name closest to `name` (same letters in another case, at
 * most 2 edits for names of 6+ letters, 1 for shorter, or a known name
 * `name` starts with), or undefined.
 * @example suggestName("SO_REUSEADR", ["SO_REUSEADDR", "SO_REUSEPORT"]) === "SO_REUSEADDR"
 */
export function suggestName(name: string, candidates: Iterable<string>): string | undefined {
  const upper = name.toUpperCase();
  let best: string | undefined;
  let bestD = name.length >= 6 ? 3 : 2;
  for (const c of candidates) {
    const cu = c.toUpperCase();
    if (cu === upper) return c;
    let d = editDistance(upper, cu, bestD - 1);
    // A known name that the misspelling starts with (SHUT_WRITE → SHUT_WR), or the reverse.
    if (d > 2 && Math.min(cu.length, upper.length) >= 5 && (upper.startsWith(cu) || cu.startsWith(upper))) d = 2;
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** Why `name` is not in `t`: a suggestion, or the kind of name it is. */
export function unknownNameReason(name: string, t: NameTable): string {
  const other = TABLES.find((o) => o !== t && o.values.has(name) && o.kind !== t.kind);
  if (other) return `"${name}" is ${article(other.kind)} ${other.kind}, not ${article(t.kind)} ${t.kind}`;
  const s = suggestName(name, t.values.keys());
  return `unknown ${t.kind} name "${name}"${s ? `; did you mean ${s}?` : ""}`;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}

/** A name's value in `t`, or undefined (own properties only: "toString" is not a name). */
export function lookupName(t: NameTable, name: string): number | undefined {
  return t.values.get(name);
}
