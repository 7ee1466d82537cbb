/**
 * The backtick commands of packetdrill scripts, as a whitelist. packetdrill
 * runs them in a shell; sockstack maps the few the scripts use onto the
 * host:
 * - `sysctl -w NAME=VALUE` (also `-q`, several assignments, `;`/`&&`
 *   chains): Linux `net.ipv4.*`/`net.core.*` names set the host sysctl;
 *   FreeBSD `net.inet.tcp.*`/`kern.ipc.*` names map onto the equivalent
 *   sysctl, or are accepted when they only restate a default sockstack
 *   already behaves like (host cache flush, blackhole 0, …);
 * - `sockstat -4 -P tcp [-p PORT] -s … | grep -c STATE | grep N`: counts
 *   the host's TCP sockets in STATE and fails unless there are N;
 * - `tcpdrop -s STATE`: drops every connection in STATE (FreeBSD's
 *   tcpdrop(8)).
 * Anything else is `unsupported` — never silently passed.
 *
 * @example runShellCommand(host, "sysctl -w net.inet.tcp.sack.enable=0") // { status: "ok" }; host.sysctl.tcp_sack === false
 */
import { SEC } from "../core/time.js";
import type { Host } from "../host/host.js";
import { availableCongestionControls } from "../tcp/congestion/registry.js";
import { nstat } from "../tools/nstat.js";
import { snapshot, type HostSnapshot } from "../tools/snapshot.js";
import { StreamSocket } from "../socket/stream-socket.js";
import { TcpState } from "../tcp/tcp-state.js";
import type { TcpSock } from "../tcp/tables.js";
import { TimeWaitSock } from "../tcp/timewait.js";
import { formatFastOpenKeys, parseFastOpenKeys } from "../tcp/fastopen.js";
import { formatIpv4Address, parseIpv4Address } from "../wire/ipv4-address.js";

/** What a command did. */
export type ShellResult =
  | { status: "ok" }
  | { status: "unsupported"; reason: string }
  | { status: "failed"; reason: string };

const OK: ShellResult = { status: "ok" };
const unsupported = (reason: string): ShellResult => ({ status: "unsupported", reason });

type SysctlSetter = (host: Host, value: string) => ShellResult;

const num = (v: string): number => Number(v);

/** A FreeBSD sysctl accepted only when it restates `dflt` (sockstack has no such knob). */
function restate(name: string, dflt: string, why: string): SysctlSetter {
  return (_h, v) => (v === dflt ? OK : unsupported(`sysctl ${name}=${v}: ${why}; only ${dflt} is supported`));
}

function bool(key: "tcp_sack" | "tcp_timestamps" | "tcp_window_scaling" | "tcp_dsack" | "tcp_abort_on_overflow" | "tcp_rfc1337" | "tcp_insecure_rst" | "tcp_insecure_syn" | "tcp_drop_synfin"): SysctlSetter {
  return (h, v) => {
    if (v !== "0" && v !== "1") return unsupported(`sysctl value ${v}`);
    h.sysctl[key] = v === "1";
    return OK;
  };
}

function int(key: "tcp_syncookies" | "tcp_ecn" | "tcp_keepalive_probes" | "tcp_syn_retries" | "tcp_synack_retries" | "tcp_retries2" | "tcp_orphan_retries" | "somaxconn" | "tcp_max_syn_backlog" | "tcp_tw_reuse", min = 0, max = 2 ** 31 - 1): SysctlSetter {
  return (h, v) => {
    const n = num(v);
    if (!Number.isInteger(n) || n < min || n > max) return unsupported(`sysctl ${key}=${v}`);
    h.sysctl[key] = n;
    return OK;
  };
}

const SYSCTLS: Record<string, SysctlSetter> = {
  // ---- FreeBSD names (net.inet.tcp.*, kern.ipc.*)
  "net.inet.tcp.rfc1323": (h, v) => {
    if (v !== "0" && v !== "1") return unsupported(`sysctl net.inet.tcp.rfc1323=${v}`);
    h.sysctl.tcp_timestamps = v === "1";
    h.sysctl.tcp_window_scaling = v === "1";
    return OK;
  },
  "net.inet.tcp.sack.enable": bool("tcp_sack"),
  "net.inet.tcp.ecn.enable": (h, v) => (v === "0" || v === "2" ? int("tcp_ecn", 0, 2)(h, v) : unsupported(`sysctl net.inet.tcp.ecn.enable=${v}: sockstack does not negotiate ECN`)),
  "net.inet.tcp.recvspace": (h, v) => {
    const n = num(v);
    if (!Number.isInteger(n) || n <= 0) return unsupported(`sysctl net.inet.tcp.recvspace=${v}`);
    h.sysctl.tcp_rmem = [h.sysctl.tcp_rmem[0], n, Math.max(n, h.sysctl.tcp_rmem[2])];
    return OK;
  },
  "net.inet.tcp.sendspace": (h, v) => {
    const n = num(v);
    if (!Number.isInteger(n) || n <= 0) return unsupported(`sysctl net.inet.tcp.sendspace=${v}`);
    h.sysctl.tcp_wmem = [h.sysctl.tcp_wmem[0], n, Math.max(n, h.sysctl.tcp_wmem[2])];
    return OK;
  },
  "kern.ipc.maxsockbuf": (h, v) => {
    const n = num(v);
    if (!Number.isInteger(n) || n <= 0) return unsupported(`sysctl kern.ipc.maxsockbuf=${v}`);
    h.sysctl.rmem_max = n;
    h.sysctl.wmem_max = n;
    return OK;
  },
  "net.inet.tcp.keepcnt": int("tcp_keepalive_probes", 1),
  "net.inet.tcp.syncookies": (h, v) => (v === "0" || v === "1" ? int("tcp_syncookies", 0, 1)(h, v) : unsupported(`sysctl net.inet.tcp.syncookies=${v}`)),
  // No host cache in sockstack (Linux's tcp_metrics is not kept either): a flush is a no-op.
  "net.inet.tcp.hostcache.purgenow": () => OK,
  // FreeBSD's client Fast Open switch; turning it off empties the client cookie cache (tcp_fastopen_ccache).
  "net.inet.tcp.fastopen.client_enable": (h, v) => {
    if (v !== "0" && v !== "1") return unsupported(`sysctl net.inet.tcp.fastopen.client_enable=${v}`);
    if (v === "0") {
      h.sysctl.tcp_fastopen &= ~1;
      h.tcp.fastopen.cache.flush();
    } else h.sysctl.tcp_fastopen |= 1;
    return OK;
  },
  "net.inet.tcp.blackhole": restate("net.inet.tcp.blackhole", "0", "sockstack always answers closed ports with RST"),
  "net.inet.tcp.rexmit_drop_options": restate("net.inet.tcp.rexmit_drop_options", "0", "retransmitted SYNs keep their options"),
  "net.inet.tcp.rexmit_slop": restate("net.inet.tcp.rexmit_slop", "200", "the RTO floor is tcp_rto_min (200 ms)"),
  "net.inet.tcp.rexmit_initial": restate("net.inet.tcp.rexmit_initial", "1000", "the initial RTO is 1 s (RFC 6298)"),
  "net.inet.tcp.icmp_may_rst": restate("net.inet.tcp.icmp_may_rst", "1", "ICMP errors may reset connections in SYN-SENT"),
  "net.inet.tcp.insecure_rst": bool("tcp_insecure_rst"),
  "net.inet.tcp.insecure_syn": bool("tcp_insecure_syn"),
  "net.inet.tcp.drop_synfin": bool("tcp_drop_synfin"),
  // FreeBSD's fixed delayed-ACK timeout (ms), which the freebsd personality's delayed-ACK model uses.
  "net.inet.tcp.delacktime": (h, v) => {
    const n = num(v);
    if (!Number.isInteger(n) || n <= 0 || n > 200) return unsupported(`sysctl net.inet.tcp.delacktime=${v}`);
    h.sysctl.tcp_delacktime = n * 1000;
    return OK;
  },
  "net.inet.tcp.tolerate_missing_ts": restate("net.inet.tcp.tolerate_missing_ts", "1", "segments without timestamps are accepted (Linux)"),
};

// ---------------------------------------------------------------- the shell

/**
 * Where backquoted commands run: the script's folder (relative paths such
 * as `../common/defaults.sh` resolve against it, as packetdrill runs
 * commands in the script's working directory), how to read files there,
 * and what earlier commands of the same script left behind (files they
 * wrote, nstat's history, knobs sockstack only records).
 */
export interface ShellEnv {
  /** The script's directory ("" when the script has no path: relative files cannot be read). */
  cwd: string;
  /** Reads a file of the script tree; null when it does not exist. Absent: helper files cannot be read (unsupported). */
  readFile: ((path: string) => string | null) | null;
  /** Files written by commands of this script (`/tmp/sysctl_restore_PID.sh`), by absolute path. */
  readonly files: Map<string, string>;
  /** Shell variables: `PPID` and `PACKETDRILL_PID` (packetdrill's pid, as its commands see it). */
  readonly vars: Record<string, string>;
  /** Linux sysctls sockstack accepts without modelling, as set so far (name → value). */
  readonly recorded: Map<string, string>;
  /** Notes for the result: knobs a helper set that sockstack does not honour. */
  readonly notes: string[];
  /** nstat's history (what the previous `nstat` saw). */
  nstatHistory: HostSnapshot | null;
  /** The tun device's root qdisc (`tc qdisc`): kind and packet limit; null = the device's default. */
  qdisc: { kind: string; limit: number } | null;
  /** Called when the qdisc changes (the runner drops packets beyond `limit`). */
  onQdisc: ((q: { kind: string; limit: number } | null) => void) | null;
  /** Name of the tun device (`tun0`). */
  tunName: string;
  /** Nesting depth of script files (a script that runs itself stops at 8). */
  depth: number;
}

/** A fresh {@link ShellEnv}; packetdrill's pid is 4242 (any fixed number: runs are deterministic). */
export function shellEnv(init: Partial<ShellEnv> = {}): ShellEnv {
  return {
    cwd: "", readFile: null, files: new Map(), vars: { PPID: "4242", PACKETDRILL_PID: "4242" }, recorded: new Map(), notes: [],
    nstatHistory: null, qdisc: null, onQdisc: null, tunName: "tun0", depth: 0, ...init,
  };
}

/** A construct the interpreter does not execute faithfully. */
class ShellUnsupported extends Error {}

/** What one command or list did. */
interface Status {
  code: number;
  out: string;
  err: string;
}

const ok = (out = ""): Status => ({ code: 0, out, err: "" });
const fail = (code: number, err: string): Status => ({ code, out: "", err });

/** One simple command after expansion. */
interface SimpleCmd {
  words: string[];
  redirs: { fd: number; op: ">" | ">>" | "<" | ">&"; target: string }[];
}

interface Pipeline {
  cmds: SimpleCmd[];
  /** The source text (FreeBSD's sockstat forms are matched on it). */
  raw: string;
}

interface ListItem {
  pipeline: Pipeline;
  /** How this item joins the previous one. */
  op: ";" | "&&" | "||";
}

/**
 * Runs `command` (a backquoted line of a script) against `host`. Returns
 * ok when its exit status is 0, failed with the status and stderr
 * otherwise, unsupported (with the command) for anything not interpreted.
 */
export function runShellCommand(host: Host, command: string, env: ShellEnv = shellEnv()): ShellResult {
  let st: Status;
  try {
    st = runScriptText(host, command, env, false);
  } catch (e) {
    if (e instanceof ShellUnsupported) return unsupported(e.message);
    throw e;
  }
  if (st.code === 0) return OK;
  const err = st.err.trim();
  return { status: "failed", reason: `\`${command.trim().replace(/\s*\n\s*/g, "; ")}\` exited with status ${st.code}${err ? `: ${err}` : ""}` };
}

/** Runs shell text; the status is the last command's, as sh's. */
function runScriptText(host: Host, text: string, env: ShellEnv, fromFile: boolean): Status {
  const items = parseList(text, env);
  let last: Status = ok();
  let out = "";
  let err = "";
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (i > 0 && ((it.op === "&&" && last.code !== 0) || (it.op === "||" && last.code === 0))) continue;
    last = runPipeline(host, it.pipeline, env, fromFile);
    out += last.out;
    err += last.err;
  }
  return { code: last.code, out, err };
}

function runPipeline(host: Host, p: Pipeline, env: ShellEnv, fromFile: boolean): Status {
  const first = p.cmds[0]?.words[0];
  if (first === "sockstat") return legacy(sockstat(host, p.raw.trim()));
  if (first === "tcpdrop") return legacy(tcpdrop(host, p.cmds[0]!.words.slice(1)));
  let stdin = "";
  let st: Status = ok();
  let err = "";
  for (const c of p.cmds) {
    st = runSimple(host, c, stdin, env, fromFile);
    err += st.err;
    stdin = st.out;
  }
  return { code: st.code, out: st.out, err };
}

function legacy(r: ShellResult): Status {
  if (r.status === "unsupported") throw new ShellUnsupported(r.reason);
  return r.status === "ok" ? ok() : fail(1, r.reason);
}

// ---- lexing and expansion

function parseList(text: string, env: ShellEnv): ListItem[] {
  const items: ListItem[] = [];
  let op: ListItem["op"] = ";";
  let cmds: SimpleCmd[] = [];
  let cur: SimpleCmd = { words: [], redirs: [] };
  let rawStart = 0;
  let i = 0;
  const n = text.length;
  const endCmd = () => {
    if (cur.words.length || cur.redirs.length) cmds.push(cur);
    else if (cmds.length) throw new ShellUnsupported(`shell syntax: empty command in a pipeline: \`${text.trim()}\``);
    cur = { words: [], redirs: [] };
  };
  const endPipeline = (end: number, next: ListItem["op"]) => {
    endCmd();
    if (cmds.length) items.push({ pipeline: { cmds, raw: text.slice(rawStart, end) }, op });
    else if (next !== ";") throw new ShellUnsupported(`shell syntax: \`${next}\` without a command: \`${text.trim()}\``);
    cmds = [];
    op = next;
  };
  while (i < n) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\r") { i++; continue; }
    if (c === "\\" && text[i + 1] === "\n") { i += 2; continue; }
    if (c === "\n" || c === ";") {
      endPipeline(i, ";");
      i++;
      rawStart = i;
      continue;
    }
    if (c === "#") {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    if (c === "&" && text[i + 1] === "&") { endPipeline(i, "&&"); i += 2; rawStart = i; continue; }
    if (c === "|" && text[i + 1] === "|") { endPipeline(i, "||"); i += 2; rawStart = i; continue; }
    if (c === "|") { endCmd(); i++; continue; }
    if (c === "&") throw new ShellUnsupported(`background jobs (&) are not supported: \`${text.trim()}\``);
    if (c === "(" || c === ")" || c === "{" || c === "}" && !cur.words.length) {
      throw new ShellUnsupported(`shell syntax '${c}' is not supported: \`${text.trim()}\``);
    }
    // Redirections: [n]> [n]>> < n>&m &>
    const rm = /^(\d?)(>>|>&|>|<)/.exec(text.slice(i, i + 4));
    if (rm) {
      i += rm[0].length;
      const fd = rm[1] ? Number(rm[1]) : rm[2] === "<" ? 0 : 1;
      while (text[i] === " " || text[i] === "\t") i++;
      const w = readWord(text, i, env);
      if (!w) throw new ShellUnsupported(`shell syntax: redirection without a target: \`${text.trim()}\``);
      i = w.end;
      cur.redirs.push({ fd, op: rm[2] as ">" | ">>" | "<" | ">&", target: w.word });
      continue;
    }
    const w = readWord(text, i, env);
    if (!w) throw new ShellUnsupported(`shell syntax not understood at '${text.slice(i, i + 10)}': \`${text.trim()}\``);
    i = w.end;
    // VAR=value before a command: an environment assignment.
    if (!cur.words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.word) && w.plain) {
      throw new ShellUnsupported(`shell variable assignments are not supported: \`${text.trim()}\``);
    }
    cur.words.push(w.word);
  }
  endPipeline(n, ";");
  return items;
}

const WORD_END = new Set([" ", "\t", "\r", "\n", ";", "&", "|", "<", ">", "(", ")"]);

/** Reads one word from `i`: quotes, escapes, `$VAR`, `${VAR}`, `$((arithmetic))`. */
function readWord(text: string, i: number, env: ShellEnv): { word: string; end: number; plain: boolean } | null {
  let word = "";
  let plain = true;
  const start = i;
  while (i < text.length && !WORD_END.has(text[i]!)) {
    const c = text[i]!;
    if (c === "'") {
      const j = text.indexOf("'", i + 1);
      if (j < 0) throw new ShellUnsupported(`unterminated quote: \`${text.trim()}\``);
      word += text.slice(i + 1, j);
      i = j + 1;
      plain = false;
    } else if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && '"\\$`'.includes(text[i + 1] ?? "")) { word += text[i + 1]; i += 2; continue; }
        if (text[i] === "$") {
          const e = expandDollar(text, i, env);
          word += e.value;
          i = e.end;
          continue;
        }
        if (text[i] === "`") throw new ShellUnsupported(`command substitution is not supported: \`${text.trim()}\``);
        word += text[i++];
      }
      if (text[i] !== '"') throw new ShellUnsupported(`unterminated quote: \`${text.trim()}\``);
      i++;
      plain = false;
    } else if (c === "\\") {
      word += text[i + 1] ?? "";
      i += 2;
      plain = false;
    } else if (c === "$") {
      const e = expandDollar(text, i, env);
      word += e.value;
      i = e.end;
    } else if (c === "`") {
      throw new ShellUnsupported(`command substitution is not supported: \`${text.trim()}\``);
    } else {
      word += c;
      i++;
    }
  }
  return i === start ? null : { word, end: i, plain };
}

function expandDollar(text: string, i: number, env: ShellEnv): { value: string; end: number } {
  if (text.startsWith("$((", i)) {
    let depth = 0;
    let j = i + 1;
    for (; j < text.length; j++) {
      if (text[j] === "(") depth++;
      else if (text[j] === ")" && --depth === 0) break;
    }
    if (j >= text.length) throw new ShellUnsupported(`unterminated $((: \`${text.trim()}\``);
    const inner = text.slice(i + 3, j - 1);
    return { value: String(arith(inner.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_m, v: string) => variable(v, env, text)), text)), end: j + 1 };
  }
  if (text[i + 1] === "(") throw new ShellUnsupported(`command substitution is not supported: \`${text.trim()}\``);
  const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(text.slice(i));
  if (!m) return { value: "$", end: i + 1 };
  return { value: variable(m[1] ?? m[2]!, env, text), end: i + m[0].length };
}

function variable(name: string, env: ShellEnv, text: string): string {
  const v = env.vars[name];
  if (v === undefined) throw new ShellUnsupported(`shell variable $${name} is not set by the runner: \`${text.trim()}\``);
  return v;
}

/** Shell arithmetic over integers: + - * / % << >> & | ^ ~ ! ( ), decimal / 0x / 0 octal. */
export function arith(expr: string, context = expr): number {
  const toks = expr.match(/0[xX][0-9a-fA-F]+|\d+|<<|>>|[-+*/%()&|^~!]|\S/g) ?? [];
  let p = 0;
  const bad = (): never => { throw new ShellUnsupported(`arithmetic $((${expr})) not understood: \`${context.trim()}\``); };
  const prec: Record<string, number> = { "|": 1, "^": 2, "&": 3, "<<": 4, ">>": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6 };
  const unary = (): bigint => {
    const t = toks[p++];
    if (t === undefined) return bad();
    if (t === "-") return -unary();
    if (t === "+") return unary();
    if (t === "~") return ~unary();
    if (t === "!") return unary() === 0n ? 1n : 0n;
    if (t === "(") {
      const v = binary(0);
      if (toks[p++] !== ")") bad();
      return v;
    }
    if (/^0[xX]/.test(t)) return BigInt(t);
    if (/^0[0-7]+$/.test(t)) return BigInt(`0o${t.slice(1)}`);
    if (/^\d+$/.test(t)) return BigInt(t);
    return bad();
  };
  const binary = (min: number): bigint => {
    let l = unary();
    for (;;) {
      const op = toks[p];
      const pr = op === undefined ? undefined : prec[op];
      if (pr === undefined || pr <= min - 1 || pr < min) break;
      p++;
      const r = binary(pr + 1);
      switch (op) {
        case "+": l += r; break;
        case "-": l -= r; break;
        case "*": l *= r; break;
        case "/": if (r === 0n) bad(); l /= r; break;
        case "%": if (r === 0n) bad(); l %= r; break;
        case "<<": l <<= r; break;
        case ">>": l >>= r; break;
        case "&": l &= r; break;
        case "|": l |= r; break;
        case "^": l ^= r; break;
      }
      l = BigInt.asIntN(64, l);
    }
    return l;
  };
  const v = binary(0);
  if (p !== toks.length) bad();
  return Number(v);
}

// ---- files

function resolvePath(env: ShellEnv, path: string): string {
  const abs = path.startsWith("/") ? path : `${env.cwd || "."}/${path}`;
  const out: string[] = [];
  for (const part of abs.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return (abs.startsWith("/") ? "/" : "") + out.join("/");
}

/** Reads a file as the commands see it: /proc, files written earlier, the script tree. */
function readAny(host: Host, env: ShellEnv, path: string): string | null {
  if (path.startsWith("/proc/sys/")) {
    const name = path.slice("/proc/sys/".length).replace(/\//g, ".");
    const def = LINUX_SYSCTLS[name];
    if (!def) throw new ShellUnsupported(`${path} is not modelled by sockstack`);
    return `${def.get(host, env, name)}\n`;
  }
  if (path === "/proc/net/tcp") return procNetTcp(host);
  if (path === "/proc/net/tcp6") return "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
  if (path.startsWith("/sys/module/")) {
    const name = path.slice("/sys/".length).replace(/\//g, ".");
    const def = LINUX_SYSCTLS[name];
    if (!def) throw new ShellUnsupported(`${path} is not modelled by sockstack`);
    return `${def.get(host, env, name)}\n`;
  }
  if (path.startsWith("/proc/") || path.startsWith("/sys/")) throw new ShellUnsupported(`${path} is not modelled by sockstack`);
  const written = env.files.get(path);
  if (written !== undefined) return written;
  if (path.startsWith("/tmp/") || path.startsWith("/dev/")) return path === "/dev/null" ? "" : null;
  if (!env.readFile) throw new ShellUnsupported(`cannot read ${path}: the runner was given no file reader (run the script from a file)`);
  return env.readFile(resolvePath(env, path));
}

/** Writes `text` to `path` (a redirection): /proc/sys sets a sysctl, /dev/null discards, /tmp keeps it. */
function writeAny(host: Host, env: ShellEnv, path: string, text: string, append: boolean, fromFile: boolean): Status {
  if (path === "/dev/null") return ok();
  if (path.startsWith("/proc/sys/")) {
    const name = path.slice("/proc/sys/".length).replace(/\//g, ".");
    return setSysctl(host, env, name, text.trim(), fromFile, `echo > ${path}`);
  }
  if (path.startsWith("/sys/module/")) {
    const name = path.slice("/sys/".length).replace(/\//g, ".");
    if (!LINUX_SYSCTLS[name]) throw new ShellUnsupported(`writing ${path} is not supported (not modelled)`);
    return setSysctl(host, env, name, text.trim(), fromFile, `echo > ${path}`);
  }
  if (path.startsWith("/tmp/")) {
    env.files.set(path, (append ? env.files.get(path) ?? "" : "") + text);
    return ok();
  }
  throw new ShellUnsupported(`writing ${path} is not supported (only /proc/sys, /tmp and /dev/null)`);
}

/** Linux's /proc/net/tcp: one line per IPv4 TCP socket (listeners, connections, TIME-WAIT). */
function procNetTcp(host: Host): string {
  const hex = (a: string, port: number) => {
    const b = a.split(".").map(Number);
    const le = ((b[3]! << 24) | (b[2]! << 16) | (b[1]! << 8) | b[0]!) >>> 0;
    return `${le.toString(16).toUpperCase().padStart(8, "0")}:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  };
  let out = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
  let sl = 0;
  for (const s of snapshot(host).sockets) {
    if (s.proto !== "tcp" || s.request || s.localAddr.includes(":")) continue;
    const st = s.state.toString(16).toUpperCase().padStart(2, "0");
    out += `${String(sl++).padStart(4)}: ${hex(s.localAddr, s.localPort)} ${hex(s.remoteAddr, s.remotePort)} ${st} ` +
      `${s.sendQ.toString(16).toUpperCase().padStart(8, "0")}:${s.recvQ.toString(16).toUpperCase().padStart(8, "0")} 00:00000000 00000000     0        0 ${s.inode}\n`;
  }
  return out;
}

// ---- commands

/** Commands found by path under these folders run as the builtin of the same name. */
const BIN_DIRS = /^\/(usr\/)?s?bin\//;

function runSimple(host: Host, c: SimpleCmd, stdin: string, env: ShellEnv, fromFile: boolean): Status {
  for (const r of c.redirs) {
    if (r.op === "<") {
      const t = readAny(host, env, r.target);
      if (t === null) return fail(1, `${r.target}: No such file or directory`);
      stdin = t;
    }
  }
  let st: Status = c.words.length ? command(host, c.words, stdin, env, fromFile) : ok();
  // Output redirections, left to right (`> /dev/null 2>&1`, `2>/dev/null`).
  let outTo: string | null = null;
  let errTo: string | null = null;
  let outAppend = false;
  for (const r of c.redirs) {
    if (r.op === "<") continue;
    if (r.op === ">&") {
      if (r.target === "1" && r.fd === 2) errTo = outTo ?? "&1";
      else if (r.target === "2" && r.fd === 1) outTo = errTo ?? "&2";
      else throw new ShellUnsupported(`redirection ${r.fd}>&${r.target} is not supported`);
      continue;
    }
    if (r.fd === 1) { outTo = r.target; outAppend = r.op === ">>"; }
    else if (r.fd === 2) errTo = r.target;
    else throw new ShellUnsupported(`redirection of fd ${r.fd} is not supported`);
  }
  let out = st.out;
  let err = st.err;
  if (errTo === "&1") { out += err; err = ""; }
  if (outTo === "&2") { err += out; out = ""; }
  if (errTo !== null && errTo !== "&1") {
    if (errTo !== "/dev/null") {
      const w = writeAny(host, env, errTo, err, false, fromFile);
      if (w.code !== 0) return w;
    }
    err = "";
  }
  if (outTo !== null && outTo !== "&2") {
    const w = writeAny(host, env, outTo, out, outAppend, fromFile);
    if (w.code !== 0) return { code: w.code, out: "", err: err + w.err };
    out = "";
  }
  st = { code: st.code, out, err };
  return st;
}

function command(host: Host, words: string[], stdin: string, env: ShellEnv, fromFile: boolean): Status {
  let name = words[0]!;
  const args = words.slice(1);
  if (BIN_DIRS.test(name)) name = name.replace(BIN_DIRS, "");
  else if (name.includes("/")) return runFile(host, name, args, env);
  switch (name) {
    case "true":
    case ":":
      return ok();
    case "false":
      return fail(1, "");
    case "sysctl":
      return sysctlCommand(host, env, args, fromFile);
    case "echo": {
      let nl = true;
      let a = args;
      if (a[0] === "-n") { nl = false; a = a.slice(1); }
      return ok(a.join(" ") + (nl ? "\n" : ""));
    }
    case "cat": {
      if (!args.length) return ok(stdin);
      let out = "";
      for (const f of args) {
        const t = readAny(host, env, f);
        if (t === null) return { code: 1, out, err: `cat: ${f}: No such file or directory\n` };
        out += t;
      }
      return ok(out);
    }
    case "grep":
      return grep(host, env, args, stdin);
    case "nstat":
      return nstatCommand(host, env, args);
    case "ip":
      return ipCommand(host, args);
    case "tc":
      return tcCommand(env, args);
    case "rm": {
      for (const f of args.filter((a) => !a.startsWith("-"))) {
        if (!f.startsWith("/tmp/")) throw new ShellUnsupported(`rm ${f}: only files under /tmp are removed`);
        env.files.delete(f);
      }
      return ok();
    }
    case "chmod":
      return ok();
    case "ethtool":
      return ethtool(env, args);
  }
  throw new ShellUnsupported(`shell command \`${words.join(" ")}\` is not supported`);
}

/** A helper file run by path: a shell script is interpreted; `set_sysctls.py` is Google's helper, by name. */
function runFile(host: Host, path: string, args: string[], env: ShellEnv): Status {
  const text = readAny(host, env, path);
  if (text === null) return fail(127, `sh: ${path}: No such file or directory`);
  const shebang = /^#![ \t]*(\S+)(?:[ \t]+(\S+))?/.exec(text)?.slice(1).filter(Boolean).join(" ") ?? "";
  if (/python/.test(shebang)) {
    if (/(^|\/)set_sysctls\.py$/.test(path)) return setSysctlsPy(host, env, args);
    throw new ShellUnsupported(`python helper ${path} is not interpreted (only set_sysctls.py is known)`);
  }
  if (shebang && !/(^|\/)(ba|da)?sh$/.test(shebang)) throw new ShellUnsupported(`${path}: interpreter ${shebang} is not supported`);
  if (args.length) throw new ShellUnsupported(`${path}: arguments to shell scripts are not supported`);
  if (env.depth >= 8) return fail(1, `${path}: scripts nested too deeply`);
  env.depth++;
  try {
    return runScriptText(host, text, env, true);
  } finally {
    env.depth--;
  }
}

/**
 * Google's set_sysctls.py: for each `/proc/sys/…=value`, remembers the
 * current value in `/tmp/sysctl_restore_${PACKETDRILL_PID}.sh` (a shell
 * script of `echo "old" > /proc/sys/…` lines the script runs at its end)
 * and writes the new one. Like the helper (os.system), a refused write
 * does not change its exit status; an unreadable file does (exit 1).
 */
function setSysctlsPy(host: Host, env: ShellEnv, args: string[]): Status {
  const restore = `/tmp/sysctl_restore_${env.vars["PACKETDRILL_PID"]}.sh`;
  let script = "#!/bin/bash\n";
  env.files.set(restore, script);
  for (const a of args) {
    const eq = a.indexOf("=");
    const path = eq < 0 ? a : a.slice(0, eq);
    const value = eq < 0 ? "" : a.slice(eq + 1);
    const cur = readAny(host, env, path);
    if (cur === null) return fail(1, `cat: ${path}: No such file or directory`);
    script += `echo "${cur.trim()}" > ${path}\n`;
    env.files.set(restore, script);
    const w = writeAny(host, env, path, `${value}\n`, false, true);
    if (w.code !== 0) continue;
  }
  return ok();
}

function grep(host: Host, env: ShellEnv, args: string[], stdin: string): Status {
  let count = false;
  let quiet = false;
  let invert = false;
  let fixed = false;
  const rest: string[] = [];
  for (const a of args) {
    if (/^-[cqvFE]+$/.test(a)) {
      count ||= a.includes("c");
      quiet ||= a.includes("q");
      invert ||= a.includes("v");
      fixed ||= a.includes("F");
    } else if (a.startsWith("-") && rest.length === 0) throw new ShellUnsupported(`grep option ${a} is not supported`);
    else rest.push(a);
  }
  const pat = rest.shift();
  if (pat === undefined) return fail(2, "Usage: grep [OPTION]... PATTERNS [FILE]...");
  // Basic regular expressions: . * ^ $ [..] keep their meaning; the rest is literal.
  const re = fixed ? new RegExp(pat.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : new RegExp(pat.replace(/[+?{}()|]/g, "\\$&"));
  const sources = rest.length ? rest.map((f) => ({ f, text: readAny(host, env, f) })) : [{ f: "", text: stdin }];
  let out = "";
  let err = "";
  let n = 0;
  let missing = false;
  for (const { f, text } of sources) {
    if (text === null) { err += `grep: ${f}: No such file or directory\n`; missing = true; continue; }
    for (const line of text.split("\n")) {
      if (line === "" ) continue;
      if (re.test(line) === invert) continue;
      n++;
      out += (rest.length > 1 ? `${f}:` : "") + line + "\n";
    }
  }
  if (count) out = `${n}\n`;
  if (quiet) out = "";
  return { code: missing && !quiet ? 2 : n ? 0 : 1, out, err };
}

function nstatCommand(host: Host, env: ShellEnv, args: string[]): Status {
  const now = snapshot(host);
  let text: string;
  try {
    text = nstat(env.nstatHistory, now, args);
  } catch (e) {
    return fail(1, (e as Error).message);
  }
  // Without -s nstat saves what it saw as its history (iproute2: the counters since boot on the first run).
  if (!args.some((a) => /^-[a-z]*s/.test(a) || a === "--noupdate")) env.nstatHistory = now;
  return ok(text);
}

function ipCommand(host: Host, args: string[]): Status {
  const [obj, verb] = args;
  if (obj === "tcp_metrics" || obj === "tcpmetrics" || obj === "tcp_metr") {
    // sockstack's TCP metrics hold the Fast Open client cache (cookie and MSS per destination); RTT and
    // ssthresh are not saved. flush [all] empties it, delete ADDR forgets one destination.
    const cache = host.tcp.fastopen.cache;
    if (verb === "flush") {
      cache.flush();
      return ok();
    }
    if (verb === "delete" && args[2]) {
      const a = args[2] === "address" ? args[3] : args[2];
      const n = a ? parseIpv4Address(a) : null;
      if (n === null || !cache.delete(n)) return fail(2, "RTNETLINK answers: No such process\n");
      return ok();
    }
    if (verb === "show" || verb === undefined) {
      let out = "";
      for (const [addr, m] of cache.entries()) {
        out += formatIpv4Address(addr);
        if (m.mss) out += ` fo_mss ${m.mss}`;
        if (m.synLoss) out += ` fo_syn_drops ${m.synLoss}`;
        if (m.cookie.len > 0) out += ` fo_cookie ${Array.from(m.cookie.val, (b) => b.toString(16).padStart(2, "0")).join("")}`;
        out += "\n";
      }
      return ok(out);
    }
  }
  throw new ShellUnsupported(`\`ip ${args.join(" ")}\` is not supported${obj === "route" ? " (route metrics such as advmss and mtu lock are not modelled)" : ""}`);
}

/**
 * `ethtool -K DEV FEATURE on|off…`: sockstack's tun device has no
 * segmentation offloads (TSO, GSO, GRO, LRO — every segment is built at
 * most one MSS long), so turning them off changes nothing; turning one on
 * is unsupported.
 */
function ethtool(env: ShellEnv, args: string[]): Status {
  if ((args[0] !== "-K" && args[0] !== "--features" && args[0] !== "--offload") || args.length < 4 || args.length % 2 !== 0) {
    throw new ShellUnsupported(`\`ethtool ${args.join(" ")}\` is not supported (only -K DEV FEATURE off)`);
  }
  if (args[1] !== env.tunName) return fail(1, `Cannot get device settings: No such device`);
  for (let i = 2; i < args.length; i += 2) {
    const f = args[i]!;
    const v = args[i + 1];
    if (!["tso", "gso", "gro", "lro", "tx-tcp-segmentation", "generic-segmentation-offload", "generic-receive-offload"].includes(f)) {
      throw new ShellUnsupported(`ethtool feature ${f} is not modelled`);
    }
    if (v === "on") throw new ShellUnsupported(`ethtool -K ${f} on: sockstack's tun device has no segmentation offload`);
    if (v !== "off") return fail(1, `ethtool: bad argument ${v}`);
  }
  return ok();
}

/** pfifo's default limit: the device's txqueuelen (500 for packetdrill's tun). */
const TUN_TXQUEUELEN = 500;

function tcCommand(env: ShellEnv, args: string[]): Status {
  if (args[0] !== "qdisc") throw new ShellUnsupported(`\`tc ${args.join(" ")}\` is not supported (only tc qdisc on the tun device)`);
  const verb = args[1];
  const rest = args.slice(2);
  const di = rest.indexOf("dev");
  const dev = di >= 0 ? rest[di + 1] : undefined;
  if (dev !== env.tunName) return fail(1, `Cannot find device "${dev ?? ""}"`);
  if (!rest.includes("root")) throw new ShellUnsupported(`\`tc qdisc ${rest.join(" ")}\`: only root qdiscs are modelled`);
  const set = (q: ShellEnv["qdisc"]) => {
    env.qdisc = q;
    env.onQdisc?.(q);
  };
  if (verb === "del" || verb === "delete") {
    if (env.qdisc === null) return fail(2, "Error: Cannot delete qdisc with handle of zero.");
    set(null);
    return ok();
  }
  if (verb !== "add" && verb !== "replace" && verb !== "change") throw new ShellUnsupported(`\`tc qdisc ${verb ?? ""}\` is not supported`);
  const ri = rest.indexOf("root");
  const kind = rest[ri + 1];
  const params = rest.slice(ri + 2);
  if (kind !== "pfifo" && kind !== "bfifo" && kind !== "pfifo_fast") {
    throw new ShellUnsupported(`tc qdisc ${kind ?? "(none)"}: sockstack's tun device models only FIFO qdiscs (no fq pacing, no netem)`);
  }
  let limit = kind === "bfifo" ? TUN_TXQUEUELEN * 1500 : TUN_TXQUEUELEN;
  for (let i = 0; i < params.length; i += 2) {
    if (params[i] === "limit" && params[i + 1] !== undefined && /^\d+$/.test(params[i + 1]!)) limit = Number(params[i + 1]);
    else throw new ShellUnsupported(`tc qdisc ${kind} parameter ${params[i]} is not supported`);
  }
  if (verb === "add" && env.qdisc !== null) return fail(2, "Error: Exclusivity flag on, cannot modify.");
  if (verb === "change" && env.qdisc === null) return fail(2, "Error: Cannot find specified qdisc on specified device.");
  set({ kind, limit });
  return ok();
}

// ---- sysctl

/** A Linux sysctl as the shell sees it (/proc/sys text in and out). */
interface LinuxSysctl {
  get(host: Host, env: ShellEnv, name: string): string;
  /** Sets the value from /proc text; returns an errno-ish message when Linux would refuse it ("Invalid argument"). */
  set(host: Host, env: ShellEnv, text: string, name: string): string | null;
  /** For knobs sockstack does not model: whether `text` is what sockstack does anyway, and what it does. */
  honoured?: (text: string) => boolean;
  lacks?: string;
  /** A partly honoured value is noted even when the script itself sets it (never unsupported). */
  noteOnly?: boolean;
}

/** /proc integers: decimal, 0x hex or 0 octal, as the kernel's proc_dointvec (kstrtoul base 0). */
function procInt(t: string): number | null {
  const s = t.trim();
  if (/^-?\d+$/.test(s)) return Number(s);
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return Number(s);
  return null;
}

type BoolKey = "tcp_sack" | "tcp_timestamps" | "tcp_window_scaling" | "tcp_dsack" | "tcp_abort_on_overflow" | "tcp_rfc1337" | "tcp_moderate_rcvbuf" | "tcp_autocorking";
type IntKey = "tcp_syncookies" | "tcp_ecn" | "tcp_keepalive_probes" | "tcp_syn_retries" | "tcp_synack_retries" | "tcp_retries1" | "tcp_retries2" |
  "tcp_orphan_retries" | "somaxconn" | "tcp_max_syn_backlog" | "tcp_tw_reuse" | "tcp_notsent_lowat" | "tcp_early_retrans" | "tcp_reordering" |
  "tcp_max_reordering" | "tcp_min_snd_mss" | "tcp_fastopen" | "tcp_fastopen_blackhole_timeout_sec" | "tcp_base_mss" | "tcp_adv_win_scale" | "tcp_challenge_ack_limit" | "ip_default_ttl" |
  "rmem_default" | "wmem_default" | "rmem_max" | "wmem_max";

function lbool(key: BoolKey): LinuxSysctl {
  return {
    get: (h) => (h.sysctl[key] ? "1" : "0"),
    set: (h, _e, t) => {
      const n = procInt(t);
      if (n === null) return "Invalid argument";
      h.sysctl[key] = n !== 0;
      return null;
    },
  };
}

function lint(key: IntKey, min: number, max: number, opts: Partial<Pick<LinuxSysctl, "honoured" | "lacks">> = {}): LinuxSysctl {
  return {
    get: (h) => String(h.sysctl[key]),
    set: (h, _e, t) => {
      const n = procInt(t);
      if (n === null || n < min || n > max) return "Invalid argument";
      h.sysctl[key] = n;
      return null;
    },
    ...opts,
  };
}

function lsec(key: "tcp_fin_timeout" | "tcp_keepalive_time" | "tcp_keepalive_intvl"): LinuxSysctl {
  return {
    get: (h) => String(Math.floor(h.sysctl[key] / SEC)),
    set: (h, _e, t) => {
      const n = procInt(t);
      if (n === null || n < 1) return "Invalid argument";
      h.sysctl[key] = n * SEC;
      return null;
    },
  };
}

function ltriple(key: "tcp_rmem" | "tcp_wmem"): LinuxSysctl {
  return {
    get: (h) => h.sysctl[key].join("\t"),
    set: (h, _e, t) => {
      const v = t.trim().split(/\s+/).map(procInt);
      if (v.length !== 3 || v.some((x) => x === null || x < 1)) return "Invalid argument";
      h.sysctl[key] = v as [number, number, number];
      return null;
    },
  };
}

/**
 * A Linux knob sockstack has no model of: the value is kept (reads return
 * it); `honoured` says whether it is what sockstack does anyway.
 */
function recorded(dflt: string, honoured: (t: string) => boolean, lacks: string, valid: (t: string) => boolean = (t) => procInt(t) !== null): LinuxSysctl {
  return {
    get: (_h, env, name) => env.recorded.get(name) ?? dflt,
    set: (_h, env, t, name) => {
      if (!valid(t)) return "Invalid argument";
      env.recorded.set(name, t.trim());
      return null;
    },
    honoured,
    lacks,
  };
}

const is = (...vals: number[]) => (t: string) => vals.includes(procInt(t) ?? NaN);

/** The Linux sysctls the shell knows, by dotted name (/proc/sys path with dots). */
const LINUX_SYSCTLS: Record<string, LinuxSysctl> = {
  "net.ipv4.tcp_sack": lbool("tcp_sack"),
  "net.ipv4.tcp_dsack": lbool("tcp_dsack"),
  "net.ipv4.tcp_timestamps": { ...lint("tcp_syncookies", 0, 2), get: (h) => (h.sysctl.tcp_timestamps ? "1" : "0"), set: (h, _e, t) => {
    const n = procInt(t);
    if (n === null || n < 0 || n > 2) return "Invalid argument";
    if (n === 2) return "value 2 (timestamps without a per-connection offset) is not modelled";
    h.sysctl.tcp_timestamps = n === 1;
    return null;
  } },
  "net.ipv4.tcp_window_scaling": lbool("tcp_window_scaling"),
  "net.ipv4.tcp_abort_on_overflow": lbool("tcp_abort_on_overflow"),
  "net.ipv4.tcp_rfc1337": lbool("tcp_rfc1337"),
  "net.ipv4.tcp_moderate_rcvbuf": lbool("tcp_moderate_rcvbuf"),
  "net.ipv4.tcp_syncookies": lint("tcp_syncookies", 0, 2),
  "net.ipv4.tcp_ecn": lint("tcp_ecn", 0, 5, { honoured: is(0, 2), lacks: "ECN negotiation (RFC 3168) is not implemented: sockstack never requests ECN and ignores it in SYNs (tcp_ecn=2)" }),
  "net.ipv4.tcp_keepalive_probes": lint("tcp_keepalive_probes", 1, 127),
  "net.ipv4.tcp_syn_retries": lint("tcp_syn_retries", 1, 127),
  "net.ipv4.tcp_synack_retries": lint("tcp_synack_retries", 1, 255),
  "net.ipv4.tcp_retries1": lint("tcp_retries1", 0, 255),
  "net.ipv4.tcp_retries2": lint("tcp_retries2", 0, 255),
  "net.ipv4.tcp_orphan_retries": lint("tcp_orphan_retries", 0, 255),
  "net.ipv4.tcp_max_syn_backlog": lint("tcp_max_syn_backlog", 1, 2 ** 31 - 1),
  "net.ipv4.tcp_tw_reuse": lint("tcp_tw_reuse", 0, 2),
  "net.ipv4.tcp_reordering": lint("tcp_reordering", 1, 2 ** 31 - 1, { honoured: is(3), lacks: "new connections start with a reordering degree of 3 whatever tcp_reordering says" }),
  "net.ipv4.tcp_max_reordering": lint("tcp_max_reordering", 1, 2 ** 31 - 1),
  "net.ipv4.tcp_min_snd_mss": lint("tcp_min_snd_mss", 48, 65535),
  "net.ipv4.tcp_base_mss": lint("tcp_base_mss", 1, 65535),
  "net.ipv4.tcp_adv_win_scale": lint("tcp_adv_win_scale", -31, 31),
  "net.ipv4.tcp_challenge_ack_limit": lint("tcp_challenge_ack_limit", 0, 2 ** 31 - 1),
  "net.ipv4.ip_default_ttl": lint("ip_default_ttl", 1, 255),
  "net.core.somaxconn": lint("somaxconn", 0, 2 ** 31 - 1),
  "net.core.rmem_default": lint("rmem_default", 1, 2 ** 31 - 1),
  "net.core.wmem_default": lint("wmem_default", 1, 2 ** 31 - 1),
  "net.core.rmem_max": lint("rmem_max", 1, 2 ** 31 - 1),
  "net.core.wmem_max": lint("wmem_max", 1, 2 ** 31 - 1),
  "net.ipv4.tcp_fin_timeout": lsec("tcp_fin_timeout"),
  "net.ipv4.tcp_keepalive_time": lsec("tcp_keepalive_time"),
  "net.ipv4.tcp_keepalive_intvl": lsec("tcp_keepalive_intvl"),
  "net.ipv4.tcp_rmem": ltriple("tcp_rmem"),
  "net.ipv4.tcp_wmem": ltriple("tcp_wmem"),
  "net.ipv4.tcp_notsent_lowat": { ...lint("tcp_notsent_lowat", 0, 4294967295), honoured: is(4294967295), lacks: "the tcp_notsent_lowat default is not applied to sockets (TCP_NOTSENT_LOWAT is per socket)" },
  "net.ipv4.tcp_congestion_control": {
    get: (h) => h.sysctl.tcp_congestion_control,
    set: (h, _e, t) => {
      const name = t.trim();
      if (!availableCongestionControls().includes(name)) return "No such file or directory";
      h.sysctl.tcp_congestion_control = name;
      return null;
    },
  },
  // Knobs Linux has and sockstack does not model (their values are recorded; reads return them).
  "net.ipv4.tcp_slow_start_after_idle": recorded("1", is(0), "cwnd is not reset after an idle period (RFC 5681 §4.1 restart window), as with tcp_slow_start_after_idle=0"),
  "net.ipv4.tcp_early_retrans": recorded("3", is(0, 1, 2), "tail loss probes (RACK-TLP) are not implemented: none is sent, as with tcp_early_retrans<3"),
  "net.ipv4.tcp_recovery": recorded("1", is(0), "RACK loss detection is not implemented: loss is detected by RFC 6675 DupThresh only, as with tcp_recovery=0"),
  "net.ipv4.tcp_frto": recorded("2", is(0), "F-RTO (RFC 5682) is not implemented"),
  "net.ipv4.tcp_fack": recorded("0", () => true, "no effect on Linux since 4.15 either"),
  "net.ipv4.tcp_tso_win_divisor": recorded("3", () => true, "no TSO in sockstack: segments are MSS-sized, the divisor changes nothing"),
  "net.ipv4.tcp_ecn_option": recorded("2", () => true, "AccECN is not implemented; the option only matters with tcp_ecn=3"),
  "net.ipv4.tcp_pacing_ss_ratio": recorded("200", () => true, "pacing applies only under the fq qdisc or a pacing congestion control (neither here)"),
  "net.ipv4.tcp_pacing_ca_ratio": recorded("120", () => true, "pacing applies only under the fq qdisc or a pacing congestion control (neither here)"),
  "net.ipv4.tcp_fastopen": lint("tcp_fastopen", 0, 2 ** 31 - 1),
  "net.ipv4.tcp_fastopen_key": {
    get: (h) => formatFastOpenKeys(h.tcp.fastopen.keys()),
    set: (h, _e, t) => {
      const keys = parseFastOpenKeys(t);
      if (!keys) return "Invalid argument";
      h.tcp.fastopen.setKeys(keys);
      return null;
    },
  },
  "net.ipv4.tcp_mtu_probing": recorded("0", is(0), "MTU probing (RFC 4821) is not implemented"),
  "net.ipv4.tcp_autocorking": lbool("tcp_autocorking"),
  "net.ipv4.tcp_min_tso_segs": recorded("2", () => true, "no TSO in sockstack: every segment is at most one MSS, so the TSO burst floor changes nothing"),
  "net.ipv4.tcp_fastopen_blackhole_timeout_sec": lint("tcp_fastopen_blackhole_timeout_sec", 0, 2 ** 31 - 1),
  // Module parameters (/sys/module/tcp_cubic/parameters/*), reached by the same table.
  "module.tcp_cubic.parameters.hystart_detect": {
    ...recorded("3", is(2), "sockstack's HyStart has only the delay detector (HYSTART_DELAY = 2), not the ACK-train one"),
    noteOnly: true,
  },
};

/** Linux sysctls that no longer exist (tcp_tw_recycle: 4.12; tcp_low_latency: 4.14; tcp_frto_response, tcp_cookie_size: 3.x). */
const REMOVED_SYSCTLS = new Set(["net.ipv4.tcp_tw_recycle", "net.ipv4.tcp_low_latency", "net.ipv4.tcp_frto_response", "net.ipv4.tcp_cookie_size", "net.ipv4.tcp_max_ssthresh"]);

/** Runs `sysctl [-q] [-w] [-e] NAME=VALUE…` (procps: each assignment on its own; the status is 1 if any failed). */
function sysctlCommand(host: Host, env: ShellEnv, args: string[], fromFile: boolean): Status {
  let quiet = false;
  let ignoreUnknown = false;
  let code = 0;
  let out = "";
  let err = "";
  let assigned = 0;
  for (const a of args) {
    if (/^-[qwe]+$/.test(a)) {
      quiet ||= a.includes("q");
      ignoreUnknown ||= a.includes("e");
      continue;
    }
    const eq = a.indexOf("=");
    if (a.startsWith("-") || eq < 0) throw new ShellUnsupported(`sysctl ${a}: only writes (NAME=VALUE) are supported`);
    const name = a.slice(0, eq).replace(/\//g, ".");
    const value = a.slice(eq + 1);
    assigned++;
    if (!LINUX_SYSCTLS[name] && SYSCTLS[name]) {
      // FreeBSD names: the legacy table (unsupported values are refused outright).
      const r = SYSCTLS[name](host, value);
      if (r.status === "unsupported") throw new ShellUnsupported(r.reason);
      continue;
    }
    const st = setSysctl(host, env, name, value, fromFile, `sysctl ${a}`, ignoreUnknown);
    if (st.code !== 0) code = st.code;
    err += st.err;
    if (st.code === 0 && !quiet) out += `${name} = ${value}\n`;
  }
  if (!assigned) throw new ShellUnsupported("sysctl without an assignment");
  return { code, out, err };
}

/**
 * Sets one Linux sysctl from /proc text. Unknown to sockstack → the script
 * is unsupported (sockstack cannot tell whether Linux has it). A knob
 * sockstack does not model, set to a value it does not honour: from a
 * helper file (defaults.sh, the production values every script inherits)
 * it is noted in the result; set by the script itself, the script tests
 * it, and is unsupported.
 */
function setSysctl(host: Host, env: ShellEnv, name: string, value: string, fromFile: boolean, what: string, ignoreUnknown = false): Status {
  const def = LINUX_SYSCTLS[name];
  if (!def) {
    if (SYSCTLS[name]) {
      const r = SYSCTLS[name](host, value.trim());
      if (r.status === "unsupported") throw new ShellUnsupported(r.reason);
      return ok();
    }
    if (ignoreUnknown) return ok();
    // Sysctls Linux removed: procps cannot stat them (status 1), as on a 6.x kernel.
    if (REMOVED_SYSCTLS.has(name)) return fail(1, `sysctl: cannot stat /proc/sys/${name.replace(/\./g, "/")}: No such file or directory\n`);
    throw new ShellUnsupported(`${what}: sysctl ${name} is not modelled by sockstack`);
  }
  const why = def.set(host, env, value, name);
  if (why !== null) {
    if (why !== "Invalid argument" && why !== "No such file or directory") throw new ShellUnsupported(`${what}: ${why}`);
    return fail(1, `sysctl: setting key "${name}": ${why}\n`);
  }
  if (def.honoured && !def.honoured(value)) {
    const note = `${name.replace(/^net\.ipv4\./, "")}=${value.trim()} (${def.lacks})`;
    if (!fromFile && !def.noteOnly) throw new ShellUnsupported(`${what}: ${def.lacks}`);
    if (!env.notes.includes(note)) env.notes.push(note);
  }
  return ok();
}


/** Every TCP control block of the host: open sockets, connections, TIME-WAIT. */
function allTcbs(host: Host): TcpSock[] {
  const out = new Set<TcpSock>();
  for (const b of host.tcp.tables.binds.values()) for (const t of b.owners) out.add(t);
  for (const p of host.processes.values()) {
    for (const { file } of p.openFds()) if (file instanceof StreamSocket) out.add(file.t);
  }
  return [...out];
}

/** FreeBSD's state names (sockstat, tcpdrop) → sockstack's. */
const BSD_STATES: Record<string, TcpState> = {
  CLOSED: TcpState.CLOSE,
  LISTEN: TcpState.LISTEN,
  SYN_SENT: TcpState.SYN_SENT,
  SYN_RCVD: TcpState.SYN_RECV,
  ESTABLISHED: TcpState.ESTABLISHED,
  CLOSE_WAIT: TcpState.CLOSE_WAIT,
  FIN_WAIT_1: TcpState.FIN_WAIT1,
  CLOSING: TcpState.CLOSING,
  LAST_ACK: TcpState.LAST_ACK,
  FIN_WAIT_2: TcpState.FIN_WAIT2,
  TIME_WAIT: TcpState.TIME_WAIT,
};

function sockstat(host: Host, cmd: string): ShellResult {
  const m = /^sockstat\s+((?:-[46sPp]\s*(?:tcp|\d+)?\s*)+)((?:\|\s*grep\s+\S+\s*)*)\|\s*grep\s+-c\s+([A-Z_0-9]+)\s*((?:\|\s*grep\s+\S+\s*)*)\|\s*grep\s+(\d+)\s*$/.exec(cmd);
  if (!m) return unsupported(`shell command \`${cmd}\` is not supported`);
  const flags = m[1]!;
  const state = BSD_STATES[m[3]!];
  if (state === undefined) return unsupported(`sockstat state ${m[3]}`);
  if (m[4]) return unsupported(`shell command \`${cmd}\` is not supported`);
  const pm = /-p\s*(\d+)/.exec(flags);
  const port = pm ? Number(pm[1]) : null;
  const want = Number(m[5]);
  let n = 0;
  for (const t of allTcbs(host)) {
    // A listener's pending requests are sockets in SYN_RCVD for sockstat (FreeBSD's syncache entries are not, but
    // the scripts count them on a listener with a connection in SYN-RECEIVED, which sockstack keeps as a request).
    if (state === TcpState.SYN_RECV && t.state === TcpState.LISTEN && "lq" in t && t.lq) {
      if (port === null || t.localPort === port) n += t.lq.synQueue.size;
      continue;
    }
    if (t.state !== state) continue;
    if (port !== null && t.localPort !== port && t.remotePort !== port) continue;
    n++;
  }
  // `grep -c` prints the count; `grep N` matches it as a substring.
  if (!String(n).includes(String(want))) return { status: "failed", reason: `\`${cmd}\`: ${n} socket(s) in ${m[3]}, expected ${want}` };
  return OK;
}

function tcpdrop(host: Host, args: string[]): ShellResult {
  if (args.length !== 2 || args[0] !== "-s") return unsupported(`tcpdrop ${args.join(" ")}`);
  const state = BSD_STATES[args[1]!];
  if (state === undefined) return unsupported(`tcpdrop state ${args[1]}`);
  for (const t of allTcbs(host)) {
    if (t.state !== state) continue;
    if (t instanceof TimeWaitSock) host.tcp.kill(t);
    else host.tcp.abort(t, "ECONNABORTED", true);
  }
  return OK;
}
