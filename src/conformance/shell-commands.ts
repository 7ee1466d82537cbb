/**
 * The commands of the packetdrill shell other than sysctl: Google's
 * set_sysctls.py helper, grep, nstat, `ip tcp_metrics`, `ip route`
 * (shell-ip-route.ts), `ethtool -K`,
 * `tc qdisc` on the tun device, and FreeBSD's sockstat and tcpdrop.
 */
import type { Host } from "../host/host.js";
import { nstat } from "../tools/nstat.js";
import { snapshot } from "../tools/snapshot.js";
import { StreamSocket } from "../socket/stream-socket.js";
import { TcpState } from "../tcp/tcp-state.js";
import type { TcpSock } from "../tcp/tables.js";
import { TimeWaitSock } from "../tcp/timewait.js";
import { formatInetAddress } from "../net/inet-address.js";
import { parseIpv4Address } from "../wire/ipv4-address.js";
import { readAny, writeAny } from "./shell-files.js";
import { ipRoute } from "./shell-ip-route.js";
import { OK, ShellUnsupported, fail, ok, unsupported, type ShellEnv, type ShellResult, type Status } from "./shell-status.js";

const BYTES = new TextEncoder();

/**
 * Google's set_sysctls.py: for each `/proc/sys/…=value`, remembers the
 * current value in `/tmp/sysctl_restore_${PACKETDRILL_PID}.sh` (a shell
 * script of `echo "old" > /proc/sys/…` lines the script runs at its end)
 * and writes the new one. Like the helper (os.system), a refused write
 * does not change its exit status; an unreadable file does (exit 1).
 */
export function setSysctlsPy(host: Host, env: ShellEnv, args: string[]): Status {
  const restore = `/tmp/sysctl_restore_${env.vars["PACKETDRILL_PID"]}.sh`;
  let script = "#!/bin/bash\n";
  host.fs.writeFile(restore, BYTES.encode(script));
  for (const a of args) {
    const eq = a.indexOf("=");
    const path = eq < 0 ? a : a.slice(0, eq);
    const value = eq < 0 ? "" : a.slice(eq + 1);
    const cur = readAny(host, env, path);
    if (cur === null) return fail(1, `cat: ${path}: No such file or directory`);
    script += `echo "${cur.trim()}" > ${path}\n`;
    host.fs.writeFile(restore, BYTES.encode(script));
    const w = writeAny(host, env, path, `${value}\n`, false, true);
    if (w.code !== 0) continue;
  }
  return ok();
}

export function grep(host: Host, env: ShellEnv, args: string[], stdin: string): Status {
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

export function nstatCommand(host: Host, env: ShellEnv, args: string[]): Status {
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

export function ipCommand(host: Host, args: string[]): Status {
  let v6 = false;
  while (args[0] === "-4" || args[0] === "-6") {
    v6 = args[0] === "-6";
    args = args.slice(1);
  }
  const [obj, verb] = args;
  if (obj === "route" || obj === "r" || obj === "ro" || obj === "rou" || obj === "rout") {
    try {
      return ipRoute(host, args.slice(1), v6);
    } catch (e) {
      if (e instanceof TypeError) return fail(1, `Error: ${e.message}\n`);
      throw e;
    }
  }
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
        out += formatInetAddress(addr);
        if (m.mss) out += ` fo_mss ${m.mss}`;
        if (m.synLoss) out += ` fo_syn_drops ${m.synLoss}`;
        if (m.cookie.len > 0) out += ` fo_cookie ${Array.from(m.cookie.val, (b) => b.toString(16).padStart(2, "0")).join("")}`;
        out += "\n";
      }
      return ok(out);
    }
  }
  throw new ShellUnsupported(`\`ip ${args.join(" ")}\` is not supported`);
}

/**
 * `ethtool -K DEV FEATURE on|off…`: sockstack's tun device has no
 * segmentation offloads (TSO, GSO, GRO, LRO — every segment is built at
 * most one MSS long), so turning them off changes nothing; turning one on
 * is unsupported.
 */
export function ethtool(env: ShellEnv, args: string[]): Status {
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

export function tcCommand(env: ShellEnv, args: string[]): Status {
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

export function sockstat(host: Host, cmd: string): ShellResult {
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

export function tcpdrop(host: Host, args: string[]): ShellResult {
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

