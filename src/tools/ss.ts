/**
 * `ss` (iproute2 6.x) over a {@link HostSnapshot}: the same flags, columns,
 * values and spacing as the real tool writing to a pipe.
 *
 * Flags: `-t -u -x -l -a -n -p -o -i -m -e -s -H -4 -6 -r` (and their long
 * forms, anywhere on the line); other ss(8) options are refused by name.
 * The FILTER of ss(8): `state`/`exclude` words first (`state established`,
 * `exclude time-wait`, the groups `connected`, `synchronized`, `bucket`,
 * `big`, `all`), then an expression as ss's lexer reads it — every
 * argument split at blanks, so `'( dport = :9090 or sport = :9090 )'` may
 * be one argument; `(`/`)` (or `\(`/`\)`) as separate words; `or | ||`,
 * `and & &&` or nothing, `not !`; `sport`/`dport` with `= == eq != ne neq
 * > gt < lt >= ge geq <= le leq` and `:PORT`, `PORT`, `inet::PORT` or a
 * service name (`:http`); `src`/`dst` `[=] [inet:|inet6:]ADDR[/LEN][:PORT]` (IPv6 in brackets before a port: `[::1]:80`)
 * (`10.0.0.2`, `10.0.0.0/24`, `193.233.7/24`, `*:9090`, `localhost`, `::1`,
 * `[2001:db8::/32]:80`; an IPv4 prefix also matches IPv4-mapped addresses);
 * `autobound`. Errors use ss's words; `dev`, `fwmark`, `cgroup` are
 * refused (sockstack keeps none of them).
 *
 * Layout (ss's `render()` when stdout is not a terminal): every line is a
 * row of tokens in the columns Netid, State, Recv-Q, Send-Q, `Local
 * Address:` (right-aligned), Port, `Peer Address:` (right-aligned), Port,
 * Process, and a column is as wide as its widest token — except that the
 * very last token of the output is not measured (ss never flushes it),
 * which is why the last line may be padded and the header sometimes not.
 * Netid is hidden when only one protocol is listed, State when only one
 * state is. Everything after the peer port (`users:`, `timer:`, `-e`
 * details, and the `\n\t` line of `-i`/`-m`) is one token of the Process
 * column.
 *
 * Not reproduced: names without `-n` (sockstack prints numbers always),
 * cgroups, DCTCP blocks, `delivered`/`busy` (sockstack does not keep
 * them; `delivery_rate`/`app_limited` only for BBR connections, the only
 * ones that sample delivery rate), netlink/packet/raw sockets
 * (sockstack has none). AF_UNIX sockets (`-x`, and by default) come
 * first, as in ss: `u_str`/`u_dgr`, the name (or `*`) and the inode as
 * the local address and port, `*` and the peer's inode as the peer; they
 * are listed in inode order (ss: the kernel's hash order).
 *
 * @example
 * ss(snapshot(host), "-tanpoi");
 * // State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess
 * // LISTEN 0      2            0.0.0.0:9090      0.0.0.0:*    users:(("server",pid=1000,fd=3))
 */
import { TcpState } from "../tcp/tcp-state.js";
import { TCPI_OPT_ECN, TCPI_OPT_ECN_SEEN, TCPI_OPT_SACK, TCPI_OPT_TIMESTAMPS, TCPI_OPT_WSCALE, TCPI_RATE_UNLIMITED, type TcpInfo } from "../tcp/tcp-info.js";
import { TCP_INFINITE_SSTHRESH } from "../tcp/congestion/congestion-control.js";
import { parseIpv4Address } from "../wire/ipv4-address.js";
import { isV4Mapped, parseIpv6Address } from "../wire/ipv6-address.js";
import type { HostSnapshot, SocketSnapshot, UnixSocketSnapshot } from "./snapshot.js";
import { formatG, msTimer } from "./printf.js";
import { servicePort } from "./services.js";

/** Parsed `ss` options. */
export interface SsOptions {
  tcp: boolean;
  udp: boolean;
  unix: boolean;
  numeric: boolean;
  processes: boolean;
  options: boolean;
  info: boolean;
  memory: boolean;
  extended: boolean;
  summary: boolean;
  noHeader: boolean;
  /** Bit set of Linux state numbers to show. */
  states: number;
  /** Address/port condition, or null. */
  filter: SsExpr | null;
  /** `-4` / `-6`: the address families to list (both false: every family). */
  ipv4: boolean;
  ipv6: boolean;
}

/** A parsed ss filter expression. */
export type SsExpr =
  | { op: "and" | "or"; a: SsExpr; b: SsExpr }
  | { op: "not"; a: SsExpr }
  | { op: "autobound" }
  | { op: "cond"; field: "sport" | "dport" | "src" | "dst"; cmp: "eq" | "ne" | "gt" | "lt" | "ge" | "le"; addr: Uint8Array | null; prefixLen: number; port: number | null; unix?: RegExp };

const ALL_STATES = 0xffe; // states 1..11
const bit = (s: TcpState) => 1 << s;
const SS_CONN = ALL_STATES & ~(bit(TcpState.LISTEN) | bit(TcpState.CLOSE) | bit(TcpState.TIME_WAIT) | bit(TcpState.SYN_RECV));

/** ss state names (`state NAME`) and groups. */
const STATE_NAMES: Record<string, number> = {
  established: bit(TcpState.ESTABLISHED),
  "syn-sent": bit(TcpState.SYN_SENT),
  "syn-recv": bit(TcpState.SYN_RECV),
  "fin-wait-1": bit(TcpState.FIN_WAIT1),
  "fin-wait-2": bit(TcpState.FIN_WAIT2),
  "time-wait": bit(TcpState.TIME_WAIT),
  closed: bit(TcpState.CLOSE),
  "close-wait": bit(TcpState.CLOSE_WAIT),
  "last-ack": bit(TcpState.LAST_ACK),
  listening: bit(TcpState.LISTEN),
  listen: bit(TcpState.LISTEN),
  closing: bit(TcpState.CLOSING),
  all: ALL_STATES,
  connected: ALL_STATES & ~(bit(TcpState.LISTEN) | bit(TcpState.CLOSE)),
  synchronized: ALL_STATES & ~(bit(TcpState.LISTEN) | bit(TcpState.CLOSE) | bit(TcpState.SYN_SENT)),
  bucket: bit(TcpState.SYN_RECV) | bit(TcpState.TIME_WAIT),
  big: ALL_STATES & ~(bit(TcpState.SYN_RECV) | bit(TcpState.TIME_WAIT)),
};

const SS_STATE = ["UNKNOWN", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING"];

const SHORT_FLAGS: Record<string, keyof SsOptions | "all" | "listening" | "resolve"> = {
  t: "tcp", u: "udp", x: "unix", n: "numeric", p: "processes", o: "options", i: "info", m: "memory", e: "extended",
  s: "summary", H: "noHeader", a: "all", l: "listening", "4": "ipv4", "6": "ipv6", r: "resolve",
};
const LONG_FLAGS: Record<string, string> = {
  tcp: "t", udp: "u", unix: "x", numeric: "n", processes: "p", options: "o", info: "i", memory: "m", extended: "e",
  summary: "s", "no-header": "H", all: "a", listening: "l", ipv4: "4", ipv6: "6", resolve: "r",
};

/** ss(8) options sockstack does not implement (a clear refusal rather than "invalid option"). */
const UNSUPPORTED_SHORT = "VOTbEZzNKSdwM0fAFDBh";
const UNSUPPORTED_LONG = new Set([
  "version", "oneline", "threads", "bpf", "events", "context", "contexts", "net", "kill", "sctp", "dccp", "raw", "mptcp",
  "packet", "family", "query", "socket", "filter", "diag", "bound-inet", "help", "cgroup", "tipc", "vsock", "xdp",
  "inet-sockopt", "tos", "tipcinfo",
]);

/** Splits a command line into words (single and double quotes group). */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/**
 * Parses ss's arguments (`"-tanpoi state established"` or argv).
 * Throws a TypeError with ss's wording for what it cannot parse.
 */
export function parseSsArgs(args: string | readonly string[]): SsOptions {
  const argv = typeof args === "string" ? splitArgs(args) : [...args];
  const o: SsOptions = {
    tcp: false, udp: false, unix: false, numeric: false, processes: false, options: false, info: false, memory: false,
    extended: false, summary: false, noHeader: false, states: SS_CONN, filter: null, ipv4: false, ipv6: false,
  };
  let all = false;
  let listening = false;
  const rest: string[] = [];
  // Options may follow the filter (ss uses GNU getopt, which permutes); no filter word starts with "-".
  for (const a of argv) {
    if (a.startsWith("--") && a.length > 2) {
      const f = LONG_FLAGS[a.slice(2)];
      if (!f) {
        if (UNSUPPORTED_LONG.has(a.slice(2).split("=")[0]!)) throw new TypeError(`ss: option '${a}' is not supported by sockstack's ss`);
        throw new TypeError(`ss: unrecognized option '${a}'`);
      }
      apply(f);
    } else if (a.startsWith("-") && a.length > 1) {
      for (const c of a.slice(1)) apply(c);
    } else rest.push(a);
  }
  function apply(c: string): void {
    const k = SHORT_FLAGS[c];
    if (!k) {
      if (UNSUPPORTED_SHORT.includes(c)) throw new TypeError(`ss: option -${c} is not supported by sockstack's ss`);
      throw new TypeError(`ss: invalid option -- '${c}'`);
    }
    if (k === "all") all = true;
    else if (k === "listening") listening = true;
    else if (k === "resolve") return;
    else (o as unknown as Record<string, boolean>)[k] = true;
  }
  if (all) o.states = ALL_STATES;
  else if (listening) o.states = bit(TcpState.LISTEN) | bit(TcpState.CLOSE);
  if (!o.tcp && !o.udp && !o.unix) {
    // `-4` / `-6` alone: every table of those families (no AF_UNIX).
    o.tcp = o.udp = true;
    o.unix = !o.ipv4 && !o.ipv6;
  }
  // state / exclude words, then the expression.
  let i = 0;
  let explicit = false;
  while (i < rest.length && (rest[i] === "state" || rest[i] === "exclude" || rest[i] === "excl")) {
    const word = rest[i]!;
    const name = rest[i + 1];
    const mask = name === undefined ? undefined : STATE_NAMES[name.toLowerCase()];
    if (mask === undefined) throw new TypeError(`ss: wrong state name: ${name ?? ""}`);
    if (word === "state") {
      o.states = explicit ? o.states | mask : mask;
      explicit = true;
    } else {
      if (!explicit) o.states = ALL_STATES;
      explicit = true;
      o.states &= ~mask;
    }
    i += 2;
  }
  if (i < rest.length) o.filter = parseExpr(rest.slice(i));
  return o;
}

// ---- filter expressions ---------------------------------------------------

type Cmp = "eq" | "ne" | "gt" | "lt" | "ge" | "le";

/** ss's comparison words (the lexer maps each group to one operator). */
const CMP: Record<string, Cmp> = {
  "=": "eq", "==": "eq", eq: "eq", "!=": "ne", ne: "ne", neq: "ne", ">": "gt", gt: "gt", "<": "lt", lt: "lt",
  ">=": "ge", ge: "ge", geq: "ge", "<=": "le", le: "le", leq: "le",
};
const OR = new Set(["or", "|", "||"]);
const AND = new Set(["and", "&", "&&"]);
const NOT = new Set(["not", "!"]);

/** An ss filter that does not parse: `message` is ss's wording, without the `ss: ` prefix. */
export class SsFilterError extends TypeError {
  constructor(message: string) {
    super(`ss: ${message}`);
    this.name = "SsFilterError";
  }
}

/**
 * The words of a filter as ss's lexer sees them: every argument split at
 * blanks (so `'( dport = :9090 or sport = :9090 )'` may be one argument),
 * `\(` and `\)` read as parentheses. As in ss, a parenthesis glued to a
 * word (`(dport`) is part of that word.
 */
function filterTokens(words: readonly string[]): string[] {
  return words.flatMap((w) => w.split(/\s+/)).filter((t) => t !== "").map((t) => (t === "\\(" ? "(" : t === "\\)" ? ")" : t));
}

function parseExpr(words: string[]): SsExpr {
  const toks = filterTokens(words);
  if (toks.length === 0) throw new SsFilterError('bison bellows (while parsing filter): "syntax error!" Sorry. (an empty filter)');
  let pos = 0;
  // ss's lexer remembers the last keyword: a bare word after sport/dport is read as a port, else as a host.
  let lastPortKeyword = false;
  const peek = () => toks[pos];
  const fail = (): never => {
    const near = pos < toks.length ? `near "${toks.slice(pos).join(" ")}"` : "at the end";
    throw new SsFilterError(`bison bellows (while parsing filter): "syntax error!" Sorry. (${near})`);
  };
  const startsExpr = (t: string | undefined) => t !== undefined && t !== ")" && !OR.has(t) && !AND.has(t);
  function orExpr(): SsExpr {
    let a = andExpr();
    while (OR.has(peek() ?? "")) {
      pos++;
      a = { op: "or", a, b: andExpr() };
    }
    return a;
  }
  function andExpr(): SsExpr {
    let a = unary();
    for (;;) {
      const t = peek();
      if (AND.has(t ?? "")) {
        pos++;
        a = { op: "and", a, b: unary() };
      } else if (startsExpr(t)) a = { op: "and", a, b: unary() }; // juxtaposition means "and"
      else return a;
    }
  }
  function unary(): SsExpr {
    const t = peek();
    if (t === undefined) return fail();
    if (NOT.has(t)) {
      pos++;
      return { op: "not", a: unary() };
    }
    if (t === "(") {
      pos++;
      const e = orExpr();
      if (peek() !== ")") fail();
      pos++;
      return e;
    }
    return cond();
  }
  function cond(): SsExpr {
    const field = peek();
    if (field === "autobound") {
      pos++;
      return { op: "autobound" };
    }
    if (field === "dev" || field === "fwmark" || field === "cgroup") {
      throw new SsFilterError(`the ${field} condition is not supported: sockstack keeps no ${field === "dev" ? "bound devices" : field === "fwmark" ? "firewall marks" : "cgroups"} for its sockets`);
    }
    if (field !== "sport" && field !== "dport" && field !== "src" && field !== "dst") {
      // ss lexes any other word as a host (or a port, after sport/dport): one that does not parse is
      // that error, one that does is a condition without a keyword, a syntax error.
      if (field !== undefined && field !== "(" && field !== ")" && !NOT.has(field)) parseHostCond(field, lastPortKeyword);
      return fail();
    }
    pos++;
    const portCond = field === "sport" || field === "dport";
    lastPortKeyword = portCond;
    let cmp: Cmp = "eq";
    const c = peek();
    if (c !== undefined && CMP[c]) {
      cmp = CMP[c]!;
      // {dst|src} [=] HOST: only the equality forms.
      if (!portCond && cmp !== "eq") return fail();
      pos++;
    }
    const v = toks[pos];
    if (v === undefined || v === ")" || OR.has(v) || AND.has(v)) return fail();
    pos++;
    return { op: "cond", field, cmp, ...parseHostCond(v, portCond) };
  }
  const e = orExpr();
  if (pos !== toks.length) fail();
  return e;
}

/** A port: a number or a service name; `*` or "" for any. */
function parsePort(p: string): number | null {
  if (p === "" || p === "*") return null;
  if (/^\d+$/.test(p)) {
    const n = Number(p);
    if (n <= 65535) return n;
  }
  const named = servicePort(p);
  if (named !== undefined) return named;
  throw new SsFilterError(`"${p}" does not look like a port. (cannot parse dst/src address)`);
}

/**
 * A prefix in iproute2's forms: IPv4 `10.0.0.2`, `10.0.0.0/24`, `193.233.7/24`, `127/8`, `localhost`;
 * IPv6 `::1`, `2001:db8::/32` (no zone: ss refuses `fe80::1%lo` too). `family` is the `inet:`/`inet6:`
 * tag when one was given; without one, text with a colon is IPv6. The address comes back as its
 * 4 or 16 bytes.
 */
function parsePrefix(host: string, family: 4 | 6 | 0): { addr: Uint8Array; prefixLen: number } {
  const bad = () => new SsFilterError(`an inet prefix is expected rather than "${host}". (cannot parse dst/src address)`);
  const [a, l, extra] = host.split("/");
  if (extra !== undefined) throw bad();
  if (family === 6 || (family === 0 && a!.includes(":"))) {
    const addr = parseIpv6Address(a!);
    const prefixLen = l === undefined ? 128 : /^\d+$/.test(l) ? Number(l) : NaN;
    if (addr === null || !(prefixLen >= 0 && prefixLen <= 128)) throw bad();
    return { addr, prefixLen };
  }
  let addr: number | null;
  let parts = 4;
  if (a === "localhost") addr = parseIpv4Address("127.0.0.1");
  else {
    const bytes = a!.split(".");
    parts = bytes.length;
    if (parts > 4 || !bytes.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255)) throw bad();
    while (bytes.length < 4) bytes.push("0");
    addr = parseIpv4Address(bytes.join("."));
  }
  const prefixLen = l === undefined ? 8 * parts : /^\d+$/.test(l) ? Number(l) : NaN;
  if (addr === null || !(prefixLen >= 0 && prefixLen <= 32)) throw bad();
  return { addr: Uint8Array.of(addr >>> 24, (addr >>> 16) & 255, (addr >>> 8) & 255, addr & 255), prefixLen };
}

/**
 * ss's HOST syntax `[inet:|inet6:]ADDRESS[/LEN][:PORT]`, IPv6 in brackets when a port follows
 * (`[::1]:80`, `[2001:db8::/32]`), ports alone for sport/dport (`:9090`, `9090`, `:http`).
 */
function parseHostCond(v: string, portOnly: boolean): { addr: Uint8Array | null; prefixLen: number; port: number | null; unix?: RegExp } {
  let family: 4 | 6 | 0 = 0;
  let s = v;
  if (s.startsWith("inet:")) [s, family] = [s.slice(5), 4];
  else if (s.startsWith("inet6:")) [s, family] = [s.slice(6), 6];
  if (!portOnly && family === 0 && (s.startsWith("unix:") || s.startsWith("/") || s.startsWith("@"))) {
    // unix: ADDRESS is a glob matched case-insensitively against the socket's name (fnmatch).
    return { addr: null, prefixLen: 0, port: null, unix: unixGlob(s.replace(/^unix:/, "")) };
  }
  if (/^(link|netlink|vsock|tipc|xdp):/.test(s)) throw new SsFilterError(`sockstack's ss filters inet, inet6 and unix sockets only, not "${v}"`);
  if (portOnly) {
    if (s.startsWith(":")) s = s.slice(1);
    else if (s.includes(":")) throw new SsFilterError(`"${s}" does not look like a port. (cannot parse dst/src address)`);
    return { addr: null, prefixLen: 0, port: parsePort(s) };
  }
  let host = s;
  let port: number | null = null;
  const close = s.startsWith("[") ? s.indexOf("]") : -1;
  if (close > 0) {
    // [ADDRESS]: what follows the bracket, after an optional colon, is the port (ss reads `[::1]/64` as port "/64").
    host = s.slice(1, close);
    const rest = s.slice(close + 1).replace(/^:/, "");
    if (rest !== "") port = parsePort(rest);
  } else {
    // The port is after the last colon — past the prefix length's slash, if there is one (`::1/128`).
    const i = s.lastIndexOf(":");
    if (i >= 0 && i > s.indexOf("/")) {
      host = s.slice(0, i);
      port = parsePort(s.slice(i + 1));
    }
  }
  if (host === "" || host === "*") return { addr: null, prefixLen: 0, port };
  return { ...parsePrefix(host, family), port };
}

/** fnmatch(3) with FNM_CASEFOLD: `*`, `?`, `[…]`. */
function unixGlob(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[" && glob.indexOf("]", i + 2) > 0) {
      const j = glob.indexOf("]", i + 2);
      re += `[${glob.slice(i + 1, j).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
      i = j;
    } else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "i");
}

/** A filter on an AF_UNIX socket: only unix names match; ports and inet hosts never do. */
function matchesUnix(e: SsExpr, u: UnixSocketSnapshot): boolean {
  switch (e.op) {
    case "and": return matchesUnix(e.a, u) && matchesUnix(e.b, u);
    case "or": return matchesUnix(e.a, u) || matchesUnix(e.b, u);
    case "not": return !matchesUnix(e.a, u);
    case "autobound": return /^@[0-9a-f]{5}$/.test(u.name);
  }
  if (!e.unix || e.field === "sport" || e.field === "dport") return false;
  // src: the socket's own name; dst: its peer's (which ss does not know: "*").
  return e.field === "src" ? u.name !== "" && e.unix.test(u.name) : false;
}

function matches(e: SsExpr, s: SocketSnapshot): boolean {
  switch (e.op) {
    case "and": return matches(e.a, s) && matches(e.b, s);
    case "or": return matches(e.a, s) || matches(e.b, s);
    case "not": return !matches(e.a, s);
    case "autobound": return s.autobound;
  }
  if (e.unix) return false;
  const local = e.field === "sport" || e.field === "src";
  const port = local ? s.localPort : s.remotePort;
  if (e.field === "sport" || e.field === "dport") {
    if (e.port === null) return true;
    const p = e.port;
    switch (e.cmp) {
      case "eq": return port === p;
      case "ne": return port !== p;
      case "gt": return port > p;
      case "lt": return port < p;
      case "ge": return port >= p;
      case "le": return port <= p;
    }
  }
  if (e.port !== null && e.port !== port) return false;
  return e.addr === null || prefixMatches(e.addr, e.prefixLen, local ? s.localAddr : s.remoteAddr, s.family);
}

/**
 * Whether a socket's address lies in the condition's prefix. As iproute2's ss: an IPv4 prefix
 * matches AF_INET sockets and the IPv4-mapped addresses of AF_INET6 ones (`::ffff:10.0.0.1`);
 * an IPv6 prefix matches AF_INET6 sockets only.
 */
function prefixMatches(want: Uint8Array, prefixLen: number, text: string, family: 4 | 6): boolean {
  let have: Uint8Array | null;
  if (family === 4) {
    const a = parseIpv4Address(text);
    have = a === null ? null : Uint8Array.of(a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255);
  } else {
    have = parseIpv6Address(text);
    if (have !== null && want.length === 4) have = isV4Mapped(have) ? have.subarray(12) : null;
  }
  if (have === null || have.length !== want.length) return false;
  for (let bit = 0; bit < prefixLen; bit += 8) {
    const n = Math.min(8, prefixLen - bit);
    const mask = (0xff << (8 - n)) & 0xff;
    if ((have[bit >> 3]! & mask) !== (want[bit >> 3]! & mask)) return false;
  }
  return true;
}


// ---- rows ------------------------------------------------------------------

/**
 * The sockets `ss` would list, in its order (UDP before TCP, as ss dumps
 * them; AF_INET before AF_INET6; within TCP, listeners then the
 * connection table) — the structured
 * form of {@link ss}.
 */
export function ssRows(snap: HostSnapshot, args: string | readonly string[] | SsOptions = ""): SocketSnapshot[] {
  const o = typeof args === "object" && !Array.isArray(args) ? (args as SsOptions) : parseSsArgs(args as string | readonly string[]);
  const fam = (f: 4 | 6) => (f === 4 ? o.ipv4 : o.ipv6) || (!o.ipv4 && !o.ipv6);
  // ss dumps each table per family, AF_INET first, then AF_INET6.
  const pick = (proto: "tcp" | "udp") => [4, 6].flatMap((f) => (fam(f as 4 | 6) ? snap.sockets.filter((s) =>
    s.proto === proto && s.family === f && (o.states & bit(s.state)) !== 0 && (!o.filter || matches(o.filter, s))) : []));
  return [...(o.udp ? pick("udp") : []), ...(o.tcp ? pick("tcp") : [])];
}

/** The AF_UNIX sockets `ss` would list (`-x`, or no table chosen), in inode order. */
export function ssUnixRows(snap: HostSnapshot, args: string | readonly string[] | SsOptions = ""): UnixSocketSnapshot[] {
  const o = typeof args === "object" && !Array.isArray(args) ? (args as SsOptions) : parseSsArgs(args as string | readonly string[]);
  if (!o.unix) return [];
  return snap.unix.filter((u) => (o.states & bit(u.state)) !== 0 && (!o.filter || matchesUnix(o.filter, u)));
}

const COLS = 10;
const COL_PROC = 8;
const HEADER = ["Netid", "State", "Recv-Q", "Send-Q", "Local Address:", "Port", "Peer Address:", "Port", "Process", ""];
const LDELIM = ["", " ", " ", " ", " ", "", " ", "", "", ""];
const RIGHT = [false, false, false, false, true, false, true, false, false, false];

/**
 * ss's buffered renderer for a non-terminal stdout: rows of tokens per
 * column; widths from every token but the last one written.
 */
function render(rows: string[][], enabled: boolean[]): string {
  const tokens: { col: number; text: string }[] = [];
  rows.forEach((r, ri) => {
    const last = ri === rows.length - 1;
    for (let c = 0; c < COLS; c++) {
      if (!enabled[c]) continue;
      if (last && c > r.length - 1) break;
      tokens.push({ col: c, text: r[c] ?? "" });
    }
  });
  const maxLen = new Array<number>(COLS).fill(0);
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i]!;
    maxLen[t.col] = Math.max(maxLen[t.col]!, t.text.length);
  }
  const width = new Array<number>(COLS).fill(0);
  let first = true;
  for (let c = 0; c < COLS; c++) {
    if (!enabled[c]) continue;
    width[c] = !first && maxLen[c] ? maxLen[c]! + LDELIM[c]!.length : maxLen[c]!;
    if (width[c]) first = false;
  }
  let out = "";
  let lineStarted = false;
  for (const t of tokens) {
    const c = t.col;
    let printed = 0;
    if (lineStarted) {
      out += LDELIM[c];
      printed = LDELIM[c]!.length;
    }
    lineStarted = true;
    if (width[c] && RIGHT[c]) {
      const s = width[c]! - t.text.length - printed;
      if (s > 0) {
        out += " ".repeat(s);
        printed += s;
      }
    }
    out += t.text;
    printed += t.text.length;
    if (width[c] && !RIGHT[c]) {
      const s = width[c]! - printed;
      if (s > 0) out += " ".repeat(s);
    }
    if (c === COLS - 1) {
      out += "\n";
      lineStarted = false;
    }
  }
  if (lineStarted) out += "\n";
  return out;
}

/** `%-6d` */
const q6 = (n: number) => String(n).padEnd(6, " ");

/** ss's `sprint_bw` (numbers with -n, else k/M/G/T with 3 significant digits). */
function bw(x: number, numeric: boolean): string {
  if (numeric) return x.toFixed(0);
  if (x >= 1e12) return `${formatG(x / 1e12, 3)}T`;
  if (x >= 1e9) return `${formatG(x / 1e9, 3)}G`;
  if (x >= 1e6) return `${formatG(x / 1e6, 3)}M`;
  if (x >= 1e3) return `${formatG(x / 1e3, 3)}k`;
  return formatG(x);
}

/** The `-i` text of one connection (ss's tcp_stats_print fields in its order). */
export function tcpInfoText(i: TcpInfo, numeric = true): string {
  let s = "";
  if (i.state === TcpState.LISTEN) {
    // Linux's tcp_get_info for a listener: the congestion control, cwnd, and the accept queue as "unacked".
    s += ` ${i.cc} cwnd:${i.snd_cwnd}`;
    if (i.unacked) s += ` unacked:${i.unacked}`;
    return s;
  }
  if (i.options & TCPI_OPT_TIMESTAMPS) s += " ts";
  if (i.options & TCPI_OPT_SACK) s += " sack";
  if (i.options & TCPI_OPT_ECN) s += " ecn";
  if (i.options & TCPI_OPT_ECN_SEEN) s += " ecnseen";
  s += ` ${i.cc}`;
  if (i.options & TCPI_OPT_WSCALE) s += ` wscale:${i.snd_wscale},${i.rcv_wscale}`;
  if (i.rto && i.rto !== 3_000_000) s += ` rto:${formatG(i.rto / 1000)}`;
  if (i.backoff) s += ` backoff:${i.backoff}`;
  if (i.rtt) s += ` rtt:${formatG(i.rtt / 1000)}/${formatG(i.rttvar / 1000)}`;
  if (i.ato) s += ` ato:${formatG(i.ato / 1000)}`;
  if (i.snd_mss) s += ` mss:${i.snd_mss}`;
  if (i.pmtu) s += ` pmtu:${i.pmtu}`;
  if (i.rcv_mss) s += ` rcvmss:${i.rcv_mss}`;
  if (i.advmss) s += ` advmss:${i.advmss}`;
  if (i.snd_cwnd) s += ` cwnd:${i.snd_cwnd}`;
  if (i.snd_ssthresh && i.snd_ssthresh < 0xffff && i.snd_ssthresh < TCP_INFINITE_SSTHRESH) s += ` ssthresh:${i.snd_ssthresh}`;
  if (i.bytes_sent) s += ` bytes_sent:${i.bytes_sent}`;
  if (i.bytes_retrans) s += ` bytes_retrans:${i.bytes_retrans}`;
  if (i.bytes_acked) s += ` bytes_acked:${i.bytes_acked}`;
  if (i.bytes_received) s += ` bytes_received:${i.bytes_received}`;
  if (i.segs_out) s += ` segs_out:${i.segs_out}`;
  if (i.segs_in) s += ` segs_in:${i.segs_in}`;
  if (i.data_segs_out) s += ` data_segs_out:${i.data_segs_out}`;
  if (i.data_segs_in) s += ` data_segs_in:${i.data_segs_in}`;
  if (i.bbr) {
    // iproute2: bbr:(bw:…bps,mrtt:…,pacing_gain:…,cwnd_gain:…), gains /256, mrtt in ms.
    s += ` bbr:(bw:${bw(i.bbr.bw * 8, numeric)}bps,mrtt:${formatG(i.bbr.minRtt / 1000)}`;
    if (i.bbr.pacingGain) s += `,pacing_gain:${formatG(i.bbr.pacingGain / 256)}`;
    if (i.bbr.cwndGain) s += `,cwnd_gain:${formatG(i.bbr.cwndGain / 256)}`;
    s += ")";
  }
  if (i.rtt > 0 && i.snd_mss && i.snd_cwnd) s += ` send ${bw((i.snd_cwnd * i.snd_mss * 8_000_000) / i.rtt, numeric)}bps`;
  if (i.last_data_sent) s += ` lastsnd:${i.last_data_sent}`;
  if (i.last_data_recv) s += ` lastrcv:${i.last_data_recv}`;
  if (i.last_ack_recv) s += ` lastack:${i.last_ack_recv}`;
  // tcpi_pacing_rate (tcp_info.ts: BBR's, or Linux tcp_update_pacing_rate's for window-based flows);
  // iproute2 leaves out ~0 ("no rate") and adds /max_pacing_rate when SO_MAX_PACING_RATE set one.
  if (i.pacing_rate && i.pacing_rate !== TCPI_RATE_UNLIMITED && i.rtt > 0) {
    s += ` pacing_rate ${bw(i.pacing_rate * 8, numeric)}bps`;
    if (i.max_pacing_rate && i.max_pacing_rate !== TCPI_RATE_UNLIMITED) s += `/${bw(i.max_pacing_rate * 8, numeric)}bps`;
  }
  if (i.delivery_rate) s += ` delivery_rate ${bw(i.delivery_rate * 8, numeric)}bps`;
  if (i.delivered_ce) s += ` delivered_ce:${i.delivered_ce}`;
  if (i.delivery_rate_app_limited) s += " app_limited";
  if (i.unacked) s += ` unacked:${i.unacked}`;
  if (i.retrans || i.total_retrans) s += ` retrans:${i.retrans}/${i.total_retrans}`;
  if (i.lost) s += ` lost:${i.lost}`;
  if (i.sacked) s += ` sacked:${i.sacked}`;
  if (i.reordering !== 3) s += ` reordering:${i.reordering}`;
  if (i.rcv_space) s += ` rcv_space:${i.rcv_space}`;
  if (i.rcv_ssthresh) s += ` rcv_ssthresh:${i.rcv_ssthresh}`;
  if (i.notsent_bytes) s += ` notsent:${i.notsent_bytes}`;
  if (i.min_rtt) s += ` minrtt:${formatG(i.min_rtt / 1000)}`;
  if (i.snd_wnd) s += ` snd_wnd:${i.snd_wnd}`;
  // iproute2 prints reord_seen (RACK's count of reorderings, tcpi_reord_seen) last, when non-zero.
  if (i.reord_seen) s += ` reord_seen:${i.reord_seen}`;
  return s;
}

/** The `users:((…))` list of `-p` (ss lists the most recently found owner first). */
function users(s: { owners: readonly { pid: number; fd: number; name: string }[] }): string {
  if (!s.owners.length) return "";
  const list = [...s.owners].sort((a, b) => b.pid - a.pid || b.fd - a.fd);
  return ` users:(${list.map((u) => `("${u.name}",pid=${u.pid},fd=${u.fd})`).join(",")})`;
}

function procToken(s: SocketSnapshot, o: SsOptions): string {
  let t = "";
  if (o.processes) t += users(s);
  if (o.options && s.timer) t += ` timer:(${s.timer.kind},${msTimer(s.timer.expiresMs)},${s.timer.retrans})`;
  if (o.extended) {
    t += ` ino:${s.inode} sk:${s.cookie.toString(16)}`;
    t += ` ${s.shutdown & 1 ? "-" : "<"}-${s.shutdown & 2 ? "-" : ">"}`;
  }
  if (o.memory || (o.info && s.proto === "tcp")) {
    t += "\n\t";
    if (o.memory) {
      const m = s.mem;
      t += ` skmem:(r${m.rmemAlloc},rb${m.rcvbuf},t${m.wmemAlloc},tb${m.sndbuf},f${m.fwdAlloc},w${m.wmemQueued},o${m.optmem},bl${m.backlog},d${m.drops})`;
    }
    if (o.info && s.info) t += tcpInfoText(s.info, o.numeric);
    if (o.info && s.md5) t += ` md5keys:${s.md5.map((k) => `${k.addr}/${k.prefixlen}=`).join(",")}`;
  }
  return t;
}

/**
 * The TCP_MD5SIG secrets of `ss -i`, as iproute2 6.1 prints them: each key
 * through print_escape_buf (bytes that are not printable, `\`, space and
 * comma as `\ooo`), written with printf while the table goes through ss's
 * buffered output — so every secret comes out first, before the header,
 * and `md5keys:addr/prefix=` stands empty (as measured on this machine).
 */
function md5Secrets(rows: readonly SocketSnapshot[], o: SsOptions): string {
  if (!o.info) return "";
  let out = "";
  for (const s of rows) {
    if (s.proto !== "tcp" || !s.md5) continue;
    for (const k of s.md5) {
      for (const b of k.key) out += b >= 0x20 && b < 0x7f && b !== 0x5c && b !== 0x20 && b !== 0x2c ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, "0")}`;
    }
  }
  return out;
}

/**
 * `ss` over a snapshot: `ss(snap, "-tanpoi")`, `ss(snap, "-tln")`,
 * `ss(snap, "-s")`, `ss(snap, ["-tn", "state", "syn-recv"])`.
 */
export function ss(snap: HostSnapshot, args: string | readonly string[] = ""): string {
  const o = parseSsArgs(args);
  if (o.summary) return ssSummary(snap);
  const rows: string[][] = [];
  const dbs = (o.tcp ? 1 : 0) + (o.udp ? 1 : 0) + (o.unix ? 3 : 0);
  const enabled = new Array<boolean>(COLS).fill(true);
  enabled[0] = dbs > 1;
  enabled[1] = (o.states & (o.states - 1)) !== 0;
  if (!o.noHeader) rows.push([...HEADER.slice(0, COL_PROC + 1), ""]);
  for (const u of ssUnixRows(snap, o)) {
    rows.push([
      u.type === "stream" ? "u_str" : "u_dgr",
      SS_STATE[u.state] ?? "UNKNOWN",
      q6(u.recvQ),
      q6(u.sendQ),
      `${u.name || "*"} `,
      String(u.inode),
      "* ",
      String(u.peerInode),
      o.processes ? users(u) : "",
      "",
    ]);
  }
  const tcpRows = ssRows(snap, o);
  for (const s of tcpRows) {
    const r: string[] = [
      s.proto,
      SS_STATE[s.state] ?? "UNKNOWN",
      q6(s.recvQ),
      q6(s.sendQ),
      `${ssAddr(s, s.localAddr)}:`,
      s.localPort ? String(s.localPort) : "*",
      `${ssAddr(s, s.remoteAddr)}:`,
      s.remotePort ? String(s.remotePort) : "*",
      procToken(s, o),
      "",
    ];
    rows.push(r);
  }
  // The output ends in the Process column of the last socket (or the Ext column of the header).
  if (rows.length > 1 || o.noHeader) {
    const last = rows[rows.length - 1];
    if (last) last.length = COL_PROC + 1;
  }
  return md5Secrets(tcpRows, o) + render(rows, enabled);
}

/**
 * `ss -s`: socket totals. `Total` counts open socket files; the TCP line is
 * Linux's sockstat (`estab` = CurrEstab, `closed` = allocated but not hashed,
 * `orphaned` = closed by the application and still alive, `timewait`).
 */
export function ssSummary(snap: HostSnapshot): string {
  const tcp = snap.sockets.filter((s) => s.proto === "tcp" && !s.request);
  const udp = snap.sockets.filter((s) => s.proto === "udp");
  const files = new Set<number>();
  for (const p of snap.processes) for (const f of p.fds) if (f.kind === "sock" || f.kind === "unix") files.add(f.inode);
  const tw = tcp.filter((s) => s.state === TcpState.TIME_WAIT).length;
  const orphans = tcp.filter((s) => s.inode === 0 && s.state !== TcpState.TIME_WAIT && s.state !== TcpState.LISTEN && s.shutdown === 3).length;
  const hashed = tcp.length;
  const openTcpFiles = snap.processes.flatMap((p) => p.fds).filter((f) => f.proto === "tcp");
  const hashedInodes = new Set(tcp.map((s) => s.inode));
  const unhashed = new Set(openTcpFiles.map((f) => f.inode).filter((ino) => !hashedInodes.has(ino))).size;
  const estab = snap.counters.Tcp?.CurrEstab ?? 0;
  const inuse = hashed - tw;
  const total = inuse + unhashed;
  const d9 = (n: number) => String(n).padEnd(9);
  const row = (name: string, n: number) => `${name}\t  ${d9(n)} ${d9(n)} ${d9(0)}\n`;
  return (
    `Total: ${files.size}\n` +
    `TCP:   ${total} (estab ${estab}, closed ${total - inuse}, orphaned ${orphans}, timewait ${tw})\n\n` +
    "Transport Total     IP        IPv6\n" +
    row("RAW", 0) +
    row("UDP", udp.length) +
    row("TCP", inuse) +
    row("INET", inuse + udp.length) +
    row("FRAG", 0) +
    "\n"
  );
}

/**
 * ss writes an IPv6 address in brackets (`[::1]:80`, `[::ffff:10.0.0.1]:80`),
 * an IPv4 one bare, and the wildcard of a dual-stack AF_INET6 socket as `*`
 * (ss's inet_addr_print: `::` without INET_DIAG_SKV6ONLY).
 */
function ssAddr(s: SocketSnapshot, a: string): string {
  if (a === "::" && s.family === 6 && !s.v6only) return "*";
  return a.includes(":") ? `[${a}]` : a;
}
