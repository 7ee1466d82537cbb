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
import { StreamSocket } from "../socket/stream-socket.js";
import { TcpState } from "../tcp/tcp-state.js";
import type { TcpSock } from "../tcp/tables.js";
import { TimeWaitSock } from "../tcp/timewait.js";

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

function seconds(key: "tcp_fin_timeout" | "tcp_keepalive_time" | "tcp_keepalive_intvl"): SysctlSetter {
  return (h, v) => {
    const n = num(v);
    if (!Number.isInteger(n) || n <= 0) return unsupported(`sysctl ${key}=${v}`);
    h.sysctl[key] = n * SEC;
    return OK;
  };
}

const SYSCTLS: Record<string, SysctlSetter> = {
  // ---- Linux names
  "net.ipv4.tcp_sack": bool("tcp_sack"),
  "net.ipv4.tcp_dsack": bool("tcp_dsack"),
  "net.ipv4.tcp_timestamps": bool("tcp_timestamps"),
  "net.ipv4.tcp_window_scaling": bool("tcp_window_scaling"),
  "net.ipv4.tcp_abort_on_overflow": bool("tcp_abort_on_overflow"),
  "net.ipv4.tcp_rfc1337": bool("tcp_rfc1337"),
  "net.ipv4.tcp_syncookies": int("tcp_syncookies", 0, 2),
  "net.ipv4.tcp_ecn": (h, v) => (v === "0" || v === "2" ? int("tcp_ecn", 0, 2)(h, v) : unsupported(`sysctl net.ipv4.tcp_ecn=${v}: sockstack does not negotiate ECN`)),
  "net.ipv4.tcp_keepalive_probes": int("tcp_keepalive_probes", 1),
  "net.ipv4.tcp_syn_retries": int("tcp_syn_retries", 1, 127),
  "net.ipv4.tcp_synack_retries": int("tcp_synack_retries", 1, 255),
  "net.ipv4.tcp_retries2": int("tcp_retries2", 1),
  "net.ipv4.tcp_orphan_retries": int("tcp_orphan_retries"),
  "net.ipv4.tcp_max_syn_backlog": int("tcp_max_syn_backlog", 1),
  "net.ipv4.tcp_tw_reuse": int("tcp_tw_reuse", 0, 2),
  "net.core.somaxconn": int("somaxconn", 0),
  "net.ipv4.tcp_fin_timeout": seconds("tcp_fin_timeout"),
  "net.ipv4.tcp_keepalive_time": seconds("tcp_keepalive_time"),
  "net.ipv4.tcp_keepalive_intvl": seconds("tcp_keepalive_intvl"),

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

/** Runs one command of the whitelist against `host`. */
export function runShellCommand(host: Host, command: string): ShellResult {
  const parts = command.split(/;|&&/).map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) return OK;
  for (const part of parts) {
    const r = runOne(host, part);
    if (r.status !== "ok") return r;
  }
  return OK;
}

function runOne(host: Host, cmd: string): ShellResult {
  const words = cmd.split(/\s+/);
  if (words[0] === "sysctl") return sysctl(host, words.slice(1));
  if (words[0] === "sockstat") return sockstat(host, cmd);
  if (words[0] === "tcpdrop") return tcpdrop(host, words.slice(1));
  return unsupported(`shell command \`${cmd}\` is not supported`);
}

function sysctl(host: Host, args: string[]): ShellResult {
  let assigned = 0;
  for (const a of args) {
    if (a === "-w" || a === "-q" || a === "-e") continue;
    const eq = a.indexOf("=");
    if (a.startsWith("-") || eq < 0) return unsupported(`sysctl ${a}: only writes (NAME=VALUE) are supported`);
    const name = a.slice(0, eq);
    const value = a.slice(eq + 1);
    const set = SYSCTLS[name];
    if (!set) return unsupported(`sysctl ${name} is not supported`);
    const r = set(host, value);
    if (r.status !== "ok") return r;
    assigned++;
  }
  return assigned ? OK : unsupported("sysctl without an assignment");
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
