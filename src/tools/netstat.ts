/**
 * `netstat` (net-tools 2.10) over a {@link HostSnapshot}: the connection
 * table (`-natp`, `-tulpn`, `-o`) and the protocol statistics (`-s`) in
 * net-tools' wording.
 *
 * Columns are net-tools' fixed printf widths: `%-4s  %6d %6d %-23s %-23s
 * %-11s`; a listener's Send-Q is 0 here (/proc/net/tcp), unlike ss's backlog; then ` %-20s` for `-p` (`pid/program`, `-` when no process owns
 * the socket — A2's accepted-by-nobody connections) and ` timer (s/retrans/probes)`
 * for `-o`. TCP rows come before UDP rows, listeners before connections.
 * Names are always numeric (as with `-n`).
 *
 * @example
 * netstat(snapshot(host), "-natp");
 * // Active Internet connections (servers and established)
 * // Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name
 * // tcp        0      2 0.0.0.0:9090            0.0.0.0:*               LISTEN      1000/server
 */
import type { CounterGroup } from "../core/counters.js";
import { netstatStateName, TcpState } from "../tcp/tcp-state.js";
import { padRight } from "./printf.js";
import type { HostSnapshot, SocketSnapshot } from "./snapshot.js";
import { splitArgs } from "./ss.js";

/** Parsed netstat options. */
export interface NetstatOptions {
  all: boolean;
  listening: boolean;
  tcp: boolean;
  udp: boolean;
  programs: boolean;
  timers: boolean;
  statistics: boolean;
  /** `-x`: AF_UNIX sockets. */
  unix: boolean;
  /** `-4` / `-6` (`--inet`, `--inet6`): the families to list (both false: every family). */
  inet: boolean;
  inet6: boolean;
  /** `-W` (`--wide`): addresses are not cut to fit their 23 columns. */
  wide: boolean;
}

/** net-tools options sockstack's netstat does not implement: refused by name, not ignored. */
const UNSUPPORTED_SHORT = "rigMcNFCZUSweATVh";
const UNSUPPORTED_LONG = new Set([
  "route", "interfaces", "groups", "masquerade", "continuous", "symbolic", "fib", "cache", "context", "udplite", "sctp",
  "raw", "extend", "protocol", "version", "help", "ax25", "ipx", "netrom", "notrim", "wide-interfaces",
]);

/**
 * Parses `"-natp"`-style arguments. `-n`, `-v` (and `--numeric*`,
 * `--verbose`) change nothing here: names are always numeric. `-W`
 * (`--wide`) keeps long (IPv6) addresses whole. `-4` / `-6` (`--inet`,
 * `--inet6`) list one family's sockets (`tcp`/`udp` read /proc/net/tcp,
 * `tcp6`/`udp6` /proc/net/tcp6). Other net-tools options are refused by name, unknown ones as
 * net-tools words them (a TypeError). Words that are not options are
 * ignored, as net-tools does.
 */
export function parseNetstatArgs(args: string | readonly string[]): NetstatOptions {
  const argv = typeof args === "string" ? splitArgs(args) : args;
  const o: NetstatOptions = { all: false, listening: false, tcp: false, udp: false, programs: false, timers: false, statistics: false, unix: false, inet: false, inet6: false, wide: false };
  const long: Record<string, string> = {
    all: "a", listening: "l", tcp: "t", udp: "u", program: "p", programs: "p", timers: "o", statistics: "s", numeric: "n", unix: "x",
    "numeric-hosts": "n", "numeric-ports": "n", "numeric-users": "n", wide: "W", verbose: "v", inet: "4", inet6: "6",
  };
  for (const a of argv) {
    let letters = "";
    if (a.startsWith("--") && a.length > 2) {
      const name = a.slice(2).split("=")[0]!;
      letters = long[name] ?? "";
      if (!letters) {
        if (UNSUPPORTED_LONG.has(name)) throw new TypeError(`netstat: option '--${name}' is not supported by sockstack's netstat`);
        throw new TypeError(`netstat: unrecognized option '${a}'`);
      }
    } else if (a.startsWith("-") && a.length > 1) letters = a.slice(1);
    for (const c of letters) {
      if (c === "n" || c === "v") continue;
      if (c === "W") {
        o.wide = true;
        continue;
      }
      if (c === "4" || c === "6") {
        if (c === "4") o.inet = true;
        else o.inet6 = true;
        continue;
      }
      if (UNSUPPORTED_SHORT.includes(c)) throw new TypeError(`netstat: option -${c} is not supported by sockstack's netstat`);
      if (c === "a") o.all = true;
      else if (c === "l") o.listening = true;
      else if (c === "t") o.tcp = true;
      else if (c === "u") o.udp = true;
      else if (c === "p") o.programs = true;
      else if (c === "o") o.timers = true;
      else if (c === "s") o.statistics = true;
      else if (c === "x") o.unix = true;
      else throw new TypeError(`netstat: invalid option -- '${c}'`);
    }
  }
  if (!o.tcp && !o.udp && !o.unix) {
    o.tcp = o.udp = true;
    o.unix = !o.inet && !o.inet6; // -4 / -6 alone: the Internet sockets of those families
  }
  return o;
}

const TIMER_NAMES = { on: "on", keepalive: "keepalive", timewait: "timewait", persist: "probe" } as const;

function program(s: { owners: readonly { pid: number; name: string }[] }): string {
  const u = s.owners[0];
  if (!u) return "-";
  const pid = String(u.pid);
  // net-tools truncates the program name so that "pid/name" fits PROGNAME_WIDTH (20).
  return `${pid}/${u.name.slice(0, Math.max(0, 20 - pid.length - 2))}`;
}

/** net-tools prints an IPv4-mapped address as the IPv4 address (`127.0.0.1`, not `::ffff:127.0.0.1`), other IPv6 bare (`:::8080`). */
function netstatAddr(a: string): string {
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

/**
 * `ADDRESS:PORT` in a 23-column field: without `-W` net-tools cuts the address so that the
 * whole fits (`2001:db8:1234:5678:8080` for port 8080 of 2001:db8:1234:5678:9abc:def0:1234:5678).
 */
function endpoint(addr: string, port: number, wide: boolean): string {
  const p = port ? String(port) : "*";
  const a = netstatAddr(addr);
  return `${wide || a.length + p.length <= 22 ? a : a.slice(0, Math.max(0, 22 - p.length))}:${p}`;
}

/** Is `s` a "server" (listening) socket in netstat's sense? TCP LISTEN, UDP unconnected. */
function isServer(s: SocketSnapshot): boolean {
  return s.state === TcpState.LISTEN || (s.proto === "udp" && s.state === TcpState.CLOSE);
}

/** The sockets netstat lists, in its order. */
export function netstatRows(snap: HostSnapshot, args: string | readonly string[] = ""): SocketSnapshot[] {
  const o = parseNetstatArgs(args);
  const want = (s: SocketSnapshot) => (o.all ? true : o.listening ? isServer(s) : !isServer(s));
  const fam = (f: 4 | 6) => (f === 4 ? o.inet : o.inet6) || (!o.inet && !o.inet6);
  // /proc/net/tcp, then tcp6, udp, udp6.
  const pick = (proto: "tcp" | "udp") => ([4, 6] as const).flatMap((f) => (fam(f) ? snap.sockets.filter((s) => s.proto === proto && s.family === f && want(s)) : []));
  return [...(o.tcp ? pick("tcp") : []), ...(o.udp ? pick("udp") : [])];
}

/** `netstat -natp` and friends, or `netstat -s`. */
export function netstat(snap: HostSnapshot, args: string | readonly string[] = ""): string {
  const o = parseNetstatArgs(args);
  if (o.statistics) return netstatStatistics(snap.counters);
  const what = o.all ? "servers and established" : o.listening ? "only servers" : "w/o servers";
  let out = "";
  if (o.tcp || o.udp) out += inetSection(snap, o, what, args);
  if (o.unix) out += unixSection(snap, o, what);
  return out;
}

/** The AF_UNIX section (net-tools unix_do_one): RefCnt, `[ ACC ]`, type, state, inode, program, path. */
function unixSection(snap: HostSnapshot, o: NetstatOptions, what: string): string {
  let out = `Active UNIX domain sockets (${what})\n`;
  out += "Proto RefCnt Flags       Type       State         I-Node  ";
  if (o.programs) out += " PID/Program name    ";
  out += " Path\n";
  for (const u of snap.unix) {
    const listening = u.state === TcpState.LISTEN;
    if (!o.all && (o.listening ? !listening : listening)) continue;
    // /proc/net/unix: a connection not yet accepted has no struct socket and shows SS_CONNECTING.
    const state = listening ? "LISTENING" : u.state !== TcpState.ESTABLISHED ? "" : u.type === "stream" && u.owners.length === 0 ? "CONNECTING" : "CONNECTED";
    const refcnt = u.state === TcpState.ESTABLISHED ? 3 : 2;
    out += `${padRight("unix", 5)} ${padRight(String(refcnt), 6)} ${padRight(listening ? "[ ACC ]" : "[ ]", 11)} ${padRight(u.type === "stream" ? "STREAM" : "DGRAM", 10)} ${padRight(state, 13)} ${padRight(String(u.inode), 8)}`;
    if (o.programs) out += ` ${padRight(program(u), 20)}`;
    out += ` ${u.name}\n`;
  }
  return out;
}

function inetSection(snap: HostSnapshot, o: NetstatOptions, what: string, args: string | readonly string[]): string {
  let out = `Active Internet connections (${what})\n`;
  out += `Proto Recv-Q Send-Q ${padRight("Local Address", 23)} ${padRight("Foreign Address", 23)} State      `;
  if (o.programs) out += " PID/Program name    ";
  if (o.timers) out += " Timer";
  out += "\n";
  for (const s of netstatRows(snap, args)) {
    const local = endpoint(s.localAddr, s.localPort, o.wide);
    const remote = endpoint(s.remoteAddr, s.remotePort, o.wide);
    const state = s.proto === "udp" ? (s.state === TcpState.ESTABLISHED ? "ESTABLISHED" : "") : netstatStateName(s.state);
    // /proc/net/tcp (what netstat reads) gives a listener's accept queue as rx_queue but tx_queue 0, not the backlog ss shows.
    const sendQ = s.state === TcpState.LISTEN ? 0 : s.sendQ;
    out += `${padRight(s.family === 6 ? `${s.proto}6` : s.proto, 4)}  ${String(s.recvQ).padStart(6)} ${String(sendQ).padStart(6)} ${padRight(local, 23)} ${padRight(remote, 23)} ${padRight(state, 11)}`;
    if (o.programs) out += ` ${padRight(program(s), 20)}`;
    if (o.timers) {
      const t = s.timer;
      out += t ? ` ${TIMER_NAMES[t.kind]} (${(t.expiresMs / 1000).toFixed(2)}/${t.kind === "on" ? t.retrans : 0}/${t.kind === "on" ? 0 : t.retrans})` : " off (0.00/0/0)";
    }
    out += "\n";
  }
  return out;
}

// ---- -s ---------------------------------------------------------------------

type Line = [name: string, text: string];

/** net-tools' sentences for the counters sockstack keeps (`%u` is the value). */
const IP: Line[] = [
  ["Forwarding", "Forwarding: %u"],
  ["InReceives", "%u total packets received"],
  ["InHdrErrors", "%u with invalid headers"],
  ["InAddrErrors", "%u with invalid addresses"],
  ["ForwDatagrams", "%u forwarded"],
  ["InUnknownProtos", "%u with unknown protocol"],
  ["InDiscards", "%u incoming packets discarded"],
  ["InDelivers", "%u incoming packets delivered"],
  ["OutRequests", "%u requests sent out"],
  ["OutDiscards", "%u outgoing packets dropped"],
  ["OutNoRoutes", "%u dropped because of missing route"],
  ["ReasmTimeout", "%u fragments dropped after timeout"],
  ["ReasmReqds", "%u reassemblies required"],
  ["ReasmOKs", "%u packets reassembled ok"],
  ["ReasmFails", "%u packet reassemblies failed"],
  ["FragOKs", "%u fragments received ok"],
  ["FragFails", "%u fragments failed"],
  ["FragCreates", "%u fragments created"],
];
/** Entries net-tools prints even when zero. */
const IP_ALWAYS = new Set(["Forwarding", "InReceives", "ForwDatagrams", "InDiscards", "InDelivers", "OutRequests"]);
const TCP: Line[] = [
  ["ActiveOpens", "%u active connection openings"],
  ["PassiveOpens", "%u passive connection openings"],
  ["AttemptFails", "%u failed connection attempts"],
  ["EstabResets", "%u connection resets received"],
  ["CurrEstab", "%u connections established"],
  ["InSegs", "%u segments received"],
  ["OutSegs", "%u segments sent out"],
  ["RetransSegs", "%u segments retransmitted"],
  ["InErrs", "%u bad segments received"],
  ["OutRsts", "%u resets sent"],
  ["InCsumErrors", "InCsumErrors: %u"],
];
const UDP: Line[] = [
  ["InDatagrams", "%u packets received"],
  ["NoPorts", "%u packets to unknown port received"],
  ["InErrors", "%u packet receive errors"],
  ["OutDatagrams", "%u packets sent"],
  ["RcvbufErrors", "%u receive buffer errors"],
  ["SndbufErrors", "%u send buffer errors"],
  ["InCsumErrors", "InCsumErrors: %u"],
];
const TCP_EXT: Record<string, string> = {
  SyncookiesSent: "%u SYN cookies sent",
  SyncookiesRecv: "%u SYN cookies received",
  SyncookiesFailed: "%u invalid SYN cookies received",
  EmbryonicRsts: "%u resets received for embryonic SYN_RECV sockets",
  TW: "%u TCP sockets finished time wait in fast timer",
  PAWSEstab: "%u packets rejected in established connections because of timestamp",
  DelayedACKs: "%u delayed acks sent",
  ListenOverflows: "%u times the listen queue of a socket overflowed",
  ListenDrops: "%u SYNs to LISTEN sockets dropped",
  TCPHPHits: "%u packet headers predicted",
  TCPPureAcks: "%u acknowledgments not containing data payload received",
  TCPHPAcks: "%u predicted acknowledgments",
  TCPTimeouts: "TCPTimeouts: %u",
  TCPAbortOnData: "%u connections reset due to unexpected data",
  TCPAbortOnClose: "%u connections reset due to early user close",
  TCPAbortOnTimeout: "%u connections aborted due to timeout",
  TCPFastRetrans: "TCPFastRetrans: %u",
  TCPDSACKRecv: "%u DSACKs received",
  TCPOFOQueue: "TCPOFOQueue: %u",
};

function section(title: string, group: CounterGroup | undefined, lines: Line[], always: (n: string) => boolean): string {
  let s = `${title}:\n`;
  const g = group ?? {};
  for (const [name, text] of lines) {
    const v = g[name] ?? 0;
    if (v || always(name)) s += `    ${text.replace("%u", String(v))}\n`;
  }
  return s;
}

/**
 * `netstat -s`: the groups of /proc/net/snmp and /proc/net/netstat in
 * net-tools' sentences (`3 passive connection openings`,
 * `1 times the listen queue of a socket overflowed`). IP/TCP/UDP lines are
 * printed even at zero as net-tools does; TcpExt lines only when non-zero
 * (TCPHPHits always); counters without a sentence print as `Name: value`.
 */
export function netstatStatistics(c: Record<string, CounterGroup>): string {
  const ip = { Forwarding: 2, ...c.Ip };
  let out = section("Ip", ip, IP, (n) => IP_ALWAYS.has(n));
  const icmp = c.Icmp ?? {};
  out += "Icmp:\n";
  out += `    ${icmp.InMsgs ?? 0} ICMP messages received\n`;
  out += `    ${icmp.InErrors ?? 0} input ICMP message failed\n`;
  out += "    ICMP input histogram:\n";
  const inHist: [string, string][] = [["InDestUnreachs", "destination unreachable"], ["InTimeExcds", "timeout in transit"], ["InEchos", "echo requests"], ["InEchoReps", "echo replies"]];
  for (const [k, t] of inHist) if (icmp[k]) out += `        ${t}: ${icmp[k]}\n`;
  out += `    ${icmp.OutMsgs ?? 0} ICMP messages sent\n`;
  out += `    ${icmp.OutErrors ?? 0} ICMP messages failed\n`;
  out += "    ICMP output histogram:\n";
  const outHist: [string, string][] = [["OutDestUnreachs", "destination unreachable"], ["OutTimeExcds", "time exceeded"], ["OutEchos", "echo requests"], ["OutEchoReps", "echo replies"]];
  for (const [k, t] of outHist) if (icmp[k]) out += `        ${t}: ${icmp[k]}\n`;
  out += section("Tcp", c.Tcp, TCP, (n) => n !== "InCsumErrors");
  out += section("Udp", c.Udp, UDP, (n) => n !== "InCsumErrors");
  out += "UdpLite:\n";
  out += "TcpExt:\n";
  const ext = c.TcpExt ?? {};
  const names = Object.keys(ext).filter((k) => ext[k]);
  if (!names.includes("TCPHPHits")) names.push("TCPHPHits");
  const order = Object.keys(TCP_EXT);
  names.sort((a, b) => (order.indexOf(a) + 1 || 999) - (order.indexOf(b) + 1 || 999));
  for (const k of names) out += `    ${(TCP_EXT[k] ?? `${k}: %u`).replace("%u", String(ext[k] ?? 0))}\n`;
  out += "IpExt:\n";
  for (const [k, v] of Object.entries(c.IpExt ?? {})) if (v) out += `    ${k}: ${v}\n`;
  return out;
}
