/**
 * The table of socket options sockstack knows: level, name, Linux number,
 * value type, default and what it does. `getsockopt`/`setsockopt` resolve
 * names through it, and docs/syscalls.md is written from it. Which socket
 * types implement an option is up to each socket class; an option the
 * socket does not implement gives ENOPROTOOPT, as Linux does.
 */
import { SysError } from "../core/sys-error.js";
import type { TcpInfo } from "../tcp/tcp-info.js";
import type { TcpMd5SigValue } from "../tcp/md5sig.js";
import { SOL_IP, SOL_IPV6, SOL_SOCKET, SOL_TCP, SOL_UDP } from "./constants.js";
import { LEVEL_NAMES, lookupName, suggestName, unknownNameReason, type LevelName } from "./names.js";

/** How an option's value is passed. */
export type OptionType = "int" | "bool" | "timeval" | "linger" | "string" | "tcp_info" | "in6_pktinfo" | "tcp_md5sig";

/** One row of the table. */
export interface OptionSpec {
  level: number;
  levelName: "SOL_SOCKET" | "IPPROTO_IP" | "IPPROTO_TCP" | "IPPROTO_UDP" | "IPPROTO_IPV6";
  name: string;
  num: number;
  type: OptionType;
  /** Default on a new socket (as getsockopt reports it), in words. */
  default: string;
  /** Behaviour, with the Linux reference. */
  doc: string;
}

const S = (name: string, num: number, type: OptionType, def: string, doc: string): OptionSpec =>
  ({ level: SOL_SOCKET, levelName: "SOL_SOCKET", name, num, type, default: def, doc });
const I = (name: string, num: number, type: OptionType, def: string, doc: string): OptionSpec =>
  ({ level: SOL_IP, levelName: "IPPROTO_IP", name, num, type, default: def, doc });
const V6 = (name: string, num: number, type: OptionType, def: string, doc: string): OptionSpec =>
  ({ level: SOL_IPV6, levelName: "IPPROTO_IPV6", name, num, type, default: def, doc });
const T = (name: string, num: number, type: OptionType, def: string, doc: string): OptionSpec =>
  ({ level: SOL_TCP, levelName: "IPPROTO_TCP", name, num, type, default: def, doc });

/** Every option, socket(7), ip(7), ipv6(7), tcp(7) numbering. */
export const OPTIONS: readonly OptionSpec[] = [
  S("SO_DEBUG", 1, "bool", "0", "Accepted and stored; no effect (Linux needs CAP_NET_ADMIN to set it)."),
  S("SO_REUSEADDR", 2, "bool", "0", "Bind even when the port has connections in TIME-WAIT (C5, F6); for UDP, several sockets may bind one port when all set it."),
  S("SO_TYPE", 3, "int", "socket type", "Read-only: SOCK_STREAM, SOCK_DGRAM…"),
  S("SO_ERROR", 4, "int", "0", "Read-only: returns and clears the pending error (non-blocking connect result, ICMP errors)."),
  S("SO_DONTROUTE", 5, "bool", "0", "Stored; sockstack routes all traffic through its table regardless."),
  S("SO_BROADCAST", 6, "bool", "0", "UDP: allow sending to 255.255.255.255 (else EACCES)."),
  S("SO_SNDBUF", 7, "int", "TCP 16384 (tcp_wmem[1]), UDP 212992 (wmem_default)", "Set: doubled and capped at wmem_max·2, minimum 4608 (Linux SOCK_MIN_SNDBUF); get returns the doubled value."),
  S("SO_RCVBUF", 8, "int", "TCP 131072 (tcp_rmem[1]), UDP 212992 (rmem_default)", "Set: doubled and capped at rmem_max·2, minimum 2304 (SOCK_MIN_RCVBUF); get returns the doubled value. UDP datagrams that do not fit are dropped and counted (RcvbufErrors)."),
  S("SO_KEEPALIVE", 9, "bool", "0", "TCP keepalive probes after TCP_KEEPIDLE of idleness (C7)."),
  S("SO_OOBINLINE", 10, "bool", "0", "TCP urgent byte left in the normal data stream (C8)."),
  S("SO_PRIORITY", 12, "int", "0", "Stored; no queueing disciplines in sockstack."),
  S("SO_LINGER", 13, "linger", "{l_onoff: 0, l_linger: 0}", "TCP close: with l_onoff and l_linger 0, close sends RST (C6); with l_linger > 0 close blocks until the data is acknowledged or the time runs out."),
  S("SO_REUSEPORT", 15, "bool", "0", "Several sockets bind one port when all set it; new connections/datagrams are spread by 4-tuple hash."),
  S("SO_RCVLOWAT", 18, "int", "1", "Minimum bytes for a TCP read to return / for POLLIN."),
  S("SO_SNDLOWAT", 19, "int", "1", "Read-only on Linux (setting gives ENOPROTOOPT)."),
  S("SO_RCVTIMEO", 20, "timeval", "{0, 0} (forever)", "Blocking receive/accept gives up with EAGAIN after this time (C1, C2)."),
  S("SO_SNDTIMEO", 21, "timeval", "{0, 0} (forever)", "Blocking send/connect gives up with EAGAIN (connect: EINPROGRESS) after this time."),
  S("SO_ACCEPTCONN", 30, "bool", "0", "Read-only: 1 on a listening socket."),
  S("SO_PROTOCOL", 38, "int", "protocol", "Read-only: IPPROTO_TCP, IPPROTO_UDP…"),
  S("SO_DOMAIN", 39, "int", "family", "Read-only: AF_INET, AF_UNIX…"),
  S("SO_MARK", 36, "int", "0", "Stored; sockstack has no policy routing or packet filter that reads a mark."),
  S("SO_MAX_PACING_RATE", 47, "int", "4294967295 (~0U: no limit)", "Bytes per second a TCP connection may be paced at (Linux sk_max_pacing_rate): a finite value turns on internal pacing (one departure clock per connection, src/tcp/pacing.ts) for any congestion control and caps BBR's pacing rate; ~0U (or -1) removes the limit. Other sockets store it (no fq qdisc in sockstack)."),
  S("SO_ZEROCOPY", 60, "bool", "0", "TCP: send(…, MSG_ZEROCOPY) reports when the peer has acknowledged the data, as a SO_EE_ORIGIN_ZEROCOPY notification on the error queue (recvmsg MSG_ERRQUEUE, POLLERR); the data is copied, so ee_code is SO_EE_CODE_ZEROCOPY_COPIED. Other sockets: EOPNOTSUPP (Linux also allows UDP)."),
  S("SO_TIMESTAMPING", 37, "int", "0", "TCP: transmit timestamps on the error queue (Linux sock_set_timestamping, tcp_tx_timestamp): each sendmsg's last byte gets SCM_TSTAMP_SCHED / SCM_TSTAMP_SND entries when a segment carrying it is sent (TX_SCHED, TX_SOFTWARE) and SCM_TSTAMP_ACK when it is acknowledged (TX_ACK), read by recvmsg(MSG_ERRQUEUE) as an SCM_TIMESTAMPING control message (SOFTWARE; the virtual clock) and a sock_extended_err (ENOMSG, SO_EE_ORIGIN_TIMESTAMPING; OPT_ID numbers bytes from snd.una, OPT_ID_TCP from write_seq); unknown bits, or OPT_ID set in CLOSE or LISTEN: EINVAL. With RX_SOFTWARE and SOFTWARE a read carries SCM_TIMESTAMPING with the arrival time of the data holding its last byte (tcp_recv_timestamp). Hardware timestamps are not produced; other sockets: EOPNOTSUPP (Linux timestamps every kind)."),
  I("IP_TOS", 1, "int", "0", "TOS byte of outgoing datagrams."),
  I("IP_TTL", 2, "int", "64 (ip_default_ttl)", "TTL of outgoing datagrams; -1 restores the default."),
  I("IP_MTU_DISCOVER", 10, "int", "IP_PMTUDISC_WANT (1)", "0–5, else EINVAL. On UDP, `IP_PMTUDISC_DONT` makes \"fragmentation needed\" no error for the socket (otherwise EMSGSIZE, a hard error); TCP always sets DF, UDP sets DF on datagrams that fit the route MTU."),
  I("IP_RECVERR", 11, "bool", "0", "UDP: without it, only a connected socket hears ICMP errors and only hard ones (port/protocol unreachable, parameter problem, fragmentation needed…; not net/host unreachable or time exceeded) — as Linux (probe: `test/syscalls/udp-icmp-probe.py`); with it, every error sets SO_ERROR, connected or not, and is queued on the error queue (recvmsg MSG_ERRQUEUE: an IP_RECVERR control message with the sock_extended_err, origin SO_EE_ORIGIN_ICMP, and the offender; the IPv6 twin's layout, checked for IPv6 only)."),
  I("IP_MTU", 14, "int", "route MTU", "Read-only on a connected socket: the path MTU."),
  I("IP_FREEBIND", 15, "bool", "0", "TCP and UDP, either family: bind may take an address the host does not have (Linux inet->freebind; without it EADDRNOTAVAIL); any non-zero value reads back as 1. One flag with IPV6_FREEBIND. Packets to the address still need a route that delivers them to the host."),
  V6("IPV6_V6ONLY", 26, "bool", "net.ipv6.bindv6only (0)", "AF_INET6 only: bound to `::`, take IPv6 only (no IPv4-mapped peers; binding, connecting or sending to a mapped address gives EINVAL / ENETUNREACH). Set before bind or connect (else EINVAL); AF_INET sockets: ENOPROTOOPT (set), EOPNOTSUPP (get)."),
  V6("IPV6_UNICAST_HOPS", 16, "int", "64 (the route's hop limit; hop_limit)", "Hop limit of outgoing unicast packets (UDP datagrams, every TCP segment — a listener's SYN-ACKs and its accepted connections included); −1 restores the default, −2 or 256 EINVAL."),
  V6("IPV6_MTU_DISCOVER", 23, "int", "IPV6_PMTUDISC_WANT (1)", "0–5, else EINVAL. UDP: DONT and WANT fragment at the path MTU, OMIT at the interface MTU; DO fails with EMSGSIZE above the path MTU, PROBE and INTERFACE above the interface MTU (they ignore Packet Too Big); a Packet Too Big is a hard EMSGSIZE unless DONT, and none at all for INTERFACE/OMIT."),
  V6("IPV6_FREEBIND", 78, "bool", "0", "AF_INET6 only (AF_INET: ENOPROTOOPT to set, EOPNOTSUPP to get): the same flag as IP_FREEBIND."),
  V6("IPV6_MTU", 24, "int", "route MTU", "get: the path MTU of a connected socket (ENOTCONN otherwise); set: the largest packet the socket sends (0 = the path MTU, 1–1279 EINVAL)."),
  V6("IPV6_RECVERR", 25, "bool", "0", "UDP: ICMPv6 errors set SO_ERROR whether or not the socket is connected and are queued on the error queue (recvmsg MSG_ERRQUEUE: an IPV6_RECVERR control message with the sock_extended_err — origin SO_EE_ORIGIN_ICMP6, type, code, ee_info the MTU of a Packet Too Big — the offender's address, the datagram's payload and destination); without it only a connected socket hears hard errors, as Linux (probe: `test/syscalls/ipv6-options-probe.py`)."),
  V6("IPV6_RECVPKTINFO", 49, "bool", "0", "recvmsg returns an IPV6_PKTINFO control message: the datagram's destination address and arrival interface index. sendmsg takes IPV6_PKTINFO to choose the source address (a local one, else EINVAL) and the interface (ENODEV for an unknown index)."),
  V6("IPV6_PKTINFO", 50, "in6_pktinfo", "none", "RFC 3542's sticky option, as Linux 6.18 has it: set-only `{ ipi6_addr, ipi6_ifindex }` (a number is EINVAL; any address and any index are taken); UDP sends leave by its interface (no route that way: ENETUNREACH) unless sendmsg's control message or the destination's scope id names one; its address does not choose the source (Linux ignores it; the control message and bind do). TCP stores it. getsockopt: ENOPROTOOPT."),
  V6("IPV6_HOPLIMIT", 52, "int", "none", "Not a socket option on Linux (setsockopt and getsockopt ENOPROTOOPT, UDP and TCP): a control message only, recvmsg's with IPV6_RECVHOPLIMIT and sendmsg's for one datagram."),
  V6("IPV6_RECVHOPLIMIT", 51, "bool", "0", "recvmsg returns an IPV6_HOPLIMIT control message with the datagram's hop limit; sendmsg takes IPV6_HOPLIMIT (−1–255, else EINVAL) for one datagram."),
  V6("IPV6_FLOWINFO", 11, "bool", "0", "UDP: recvmsg returns an IPV6_FLOWINFO control message with the datagram's traffic class and flow label (`tclass << 20 | label`) when they are not 0, as Linux (sin6_flowinfo of the sender's name stays 0). TCP stores it."),
  V6("IPV6_FLOWINFO_SEND", 33, "bool", "0", "UDP: the flow label of sendto's sin6_flowinfo (or connect's, for later sends) goes on the packet (0: the automatic one); Linux 6.18 takes any label while no socket holds an exclusive one from IPV6_FLOWLABEL_MGR (not implemented: ENOPROTOOPT). TCP stores it."),
  V6("IPV6_AUTOFLOWLABEL", 70, "bool", "1 (net.ipv6.auto_flowlabels 1 or 3), else 0", "UDP: the socket's automatic flow labels — with auto_flowlabels 1 (default) a socket may turn them off, with 2 on; 0 never, 3 always, as Linux. TCP stores it (its segments keep the automatic label)."),
  V6("IPV6_RECVTCLASS", 66, "bool", "0", "recvmsg returns an IPV6_TCLASS control message with the datagram's traffic class; sendmsg takes IPV6_TCLASS (−1–255) for one datagram."),
  V6("IPV6_TCLASS", 67, "int", "0", "Traffic class of outgoing packets (UDP datagrams, every TCP segment — a listener's SYN-ACKs and its accepted connections included); −1 is 0, values outside −1–255 EINVAL; TCP keeps the two ECN bits to itself (0x2b reads back 0x28)."),
  T("TCP_NODELAY", 1, "bool", "0", "Disable Nagle's algorithm (C3)."),
  T("TCP_MAXSEG", 2, "int", "536 before connect, then the MSS", "Clamp the MSS announced in the SYN."),
  T("TCP_CORK", 3, "bool", "0", "Hold partial segments until uncorked (or 200 ms)."),
  T("TCP_KEEPIDLE", 4, "int", "7200 (tcp_keepalive_time)", "Seconds of idleness before the first keepalive probe (C7). 1–32767."),
  T("TCP_KEEPINTVL", 5, "int", "75 (tcp_keepalive_intvl)", "Seconds between keepalive probes. 1–32767."),
  T("TCP_KEEPCNT", 6, "int", "9 (tcp_keepalive_probes)", "Unanswered probes before the connection fails with ETIMEDOUT. 1–127."),
  T("TCP_SYNCNT", 7, "int", "6 (tcp_syn_retries)", "SYN retransmissions before connect fails. 1–255."),
  T("TCP_LINGER2", 8, "int", "60 (tcp_fin_timeout)", "Lifetime of an orphaned FIN-WAIT-2 connection, seconds."),
  T("TCP_DEFER_ACCEPT", 9, "int", "0", "Seconds a listener waits for data before completing a connection."),
  T("TCP_WINDOW_CLAMP", 10, "int", "0", "Bound on the advertised window."),
  T("TCP_INFO", 11, "tcp_info", "—", "Read-only snapshot (state, rto, rtt, cwnd, …)."),
  T("TCP_QUICKACK", 12, "bool", "1", "Enter quick-ACK mode (ACK every segment) now; not sticky, as on Linux."),
  T("TCP_CONGESTION", 13, "string", "cubic (tcp_congestion_control)", "Congestion control algorithm: reno, cubic or bbr (BBRv1 as Linux tcp_bbr.c, paced); unknown names give ENOENT."),
  T("TCP_USER_TIMEOUT", 18, "int", "0", "Milliseconds unacknowledged data may stay before the connection fails with ETIMEDOUT."),
  T("TCP_FASTOPEN", 23, "int", "0", "Listener: the Fast Open queue length (RFC 7413; SYNs with a valid cookie or, with tcp_fastopen 0x200, any data create the connection at once; Linux fastopen_queue_tune caps it at somaxconn). Only in CLOSE or LISTEN (else EINVAL)."),
  T("TCP_FASTOPEN_CONNECT", 30, "bool", "0", "Client: connect() returns at once when a cookie is cached and the first write goes in the SYN (Linux tcp_fastopen_defer_connect); EOPNOTSUPP without the tcp_fastopen client bit, EINVAL after connect."),
  T("TCP_FASTOPEN_NO_COOKIE", 34, "bool", "0", "Fast Open without cookies on this socket (client: data in the SYN without a cookie; listener: accept data in SYNs without one)."),
  T("TCP_KEEPINIT", 128, "int", "75 (net.inet.tcp.keepinit, freebsd personality)", "FreeBSD's: seconds an active open may take before connect() fails with ETIMEDOUT (0: the sysctl). Exists only under the freebsd personality; Linux has no such option (ENOPROTOOPT)."),
  T("TCP_NOTSENT_LOWAT", 25, "int", "0 (the tcp_notsent_lowat sysctl, 4294967295)", "A write takes no new skb while this many bytes or more are unsent, and POLLOUT needs twice the unsent bytes below it (Linux tcp_stream_memory_free); 0 applies the tcp_notsent_lowat sysctl. Setting it wakes writers."),
  T("TCP_CC_INFO", 26, "tcp_info", "—", "Read-only: the congestion control's state (Linux ops->get_info): for bbr, struct tcp_bbr_info { bbr_bw_lo, bbr_bw_hi (bytes/s), bbr_min_rtt (µs), bbr_pacing_gain, bbr_cwnd_gain (×256) }; empty ({}) for reno and cubic, which have none."),
  T("TCP_MD5SIG", 14, "tcp_md5sig", "none", "RFC 2385 signatures (Linux tcp_v4_parse_md5_keys / tcp_v6_parse_md5_keys): set-only `struct tcp_md5sig` — its uapi bytes (216; a shorter optlen is EINVAL) or `{ tcpm_addr: { family, addr }, tcpm_key, tcpm_keylen? }` — adds or replaces the key for one peer address (IPv4 on AF_INET sockets; IPv6 or v4-mapped on AF_INET6; another family EINVAL); keylen 0 deletes it (ENOENT when absent), keylen > 80 EINVAL. Every segment to that peer is signed (option 19, before the others; SYNs leave timestamps out) and every segment from it must carry a valid signature (else dropped: TcpExt TCPMD5NotFound, TCPMD5Failure; a signature without a key: TCPMD5Unexpected). A listener's key for a peer passes to the connections it accepts. getsockopt: ENOPROTOOPT, as Linux."),
  T("TCP_MD5SIG_EXT", 32, "tcp_md5sig", "none", "TCP_MD5SIG honouring `tcpm_flags`: TCP_MD5SIG_FLAG_PREFIX (1) makes the key cover `tcpm_prefixlen` bits of the address (> 32 for IPv4 or v4-mapped, > 128 for IPv6: EINVAL; the longest matching prefix wins), TCP_MD5SIG_FLAG_IFINDEX (2) with a non-zero `tcpm_ifindex` is EINVAL (Linux needs an L3 master (VRF) device; sockstack has none). getsockopt: ENOPROTOOPT."),
  T("TCP_INQ", 36, "bool", "0", "recvmsg returns a TCP_CM_INQ control message: the bytes left to read after the call (Linux tcp_inq_hint: a received FIN not yet read counts 1)."),
];

const BY_NAME = new Map<string, OptionSpec>(OPTIONS.map((o) => [o.name, o]));
const BY_NUM = new Map<string, OptionSpec>(OPTIONS.map((o) => [`${o.level}:${o.num}`, o]));

/** Level names accepted by setsockopt/getsockopt. */
export const LEVELS: Readonly<Record<string, number>> = {
  SOL_SOCKET, SOL_IP, IPPROTO_IP: SOL_IP, SOL_TCP, IPPROTO_TCP: SOL_TCP, SOL_UDP, IPPROTO_UDP: SOL_UDP, SOL_IPV6, IPPROTO_IPV6: SOL_IPV6,
};

const LEVEL_LABEL = new Map<number, string>([[SOL_SOCKET, "SOL_SOCKET"], [SOL_IP, "IPPROTO_IP"], [SOL_TCP, "IPPROTO_TCP"], [SOL_UDP, "IPPROTO_UDP"], [SOL_IPV6, "IPPROTO_IPV6"]]);

/**
 * Finds an option by level and name or number; undefined when unknown.
 * @example findOption("SOL_SOCKET", "SO_REUSEADDR")?.num === 2
 */
export function findOption(level: string | number, name: string | number): OptionSpec | undefined {
  const lv = typeof level === "number" ? level : lookupName(LEVEL_NAMES, level);
  if (lv === undefined) return undefined;
  if (typeof name === "string") {
    const o = BY_NAME.get(name);
    return o && o.level === lv ? o : undefined;
  }
  return BY_NUM.get(`${lv}:${name}`);
}

/**
 * Like {@link findOption}, but an unknown level or option throws
 * ENOPROTOOPT (Linux's errno) naming what is unknown and the closest
 * known name:
 * `setsockopt: Protocol not available (optname: unknown option name "SO_REUSEADR" at level SOL_SOCKET; did you mean SO_REUSEADDR?)`.
 * A level or name that is neither a number nor a string is EINVAL.
 */
export function resolveOption(level: unknown, name: unknown, syscall: string): OptionSpec {
  let lv: number | undefined;
  if (typeof level === "number" && Number.isInteger(level)) lv = level;
  else if (typeof level === "string") {
    lv = lookupName(LEVEL_NAMES, level);
    if (lv === undefined) throw new SysError("ENOPROTOOPT", syscall, `level: ${unknownNameReason(level, LEVEL_NAMES)}`);
  } else throw new SysError("EINVAL", syscall, `level: expected a number or a level name, got ${typeof level === "number" ? level : level === null ? "null" : typeof level}`);
  const label = LEVEL_LABEL.get(lv) ?? `level ${lv}`;
  if (typeof name === "string") {
    const o = BY_NAME.get(name);
    if (o && o.level === lv) return o;
    if (o) throw new SysError("ENOPROTOOPT", syscall, `optname: ${name} is a ${o.levelName} option, not ${label}`);
    const here = OPTIONS.filter((x) => x.level === lv).map((x) => x.name);
    const s = suggestName(name, here) ?? suggestName(name, BY_NAME.keys());
    const other = s ? BY_NAME.get(s)!.levelName : "";
    const where = s && BY_NAME.get(s)!.level !== lv ? ` (${/^[AEIOU]/.test(other) ? "an" : "a"} ${other} option)` : "";
    throw new SysError("ENOPROTOOPT", syscall, `optname: unknown option name ${JSON.stringify(name)} at level ${label}${s ? `; did you mean ${s}${where}?` : ""}`);
  }
  if (typeof name === "number" && Number.isInteger(name)) {
    const o = BY_NUM.get(`${lv}:${name}`);
    if (o) return o;
    throw new SysError("ENOPROTOOPT", syscall, `optname: no option ${name} at ${label} in sockstack`);
  }
  throw new SysError("EINVAL", syscall, `optname: expected a number or an option name, got ${name === null ? "null" : typeof name}`);
}

/**
 * Checks a setsockopt value against the option's type (EINVAL naming the
 * option otherwise; Linux gives EINVAL for a value shorter than the type):
 * int and bool options take a finite number or a boolean, timevals
 * `{ tv_sec, tv_usec }` or a number of milliseconds, SO_LINGER
 * `{ l_onoff, l_linger }`, TCP_CONGESTION a string.
 */
export function checkOptionValue(o: OptionSpec, value: unknown, syscall: string): void {
  const bad = (what: string): never => {
    throw new SysError("EINVAL", syscall, `optval: ${o.name} takes ${what}, got ${describeValue(value)}`);
  };
  const finite = (x: unknown) => typeof x === "number" && Number.isFinite(x);
  switch (o.type) {
    case "int":
    case "bool":
      if (!finite(value) && typeof value !== "boolean") bad("a number or a boolean");
      return;
    case "timeval": {
      const t = value as Timeval | null;
      if (finite(value)) return;
      if (typeof t !== "object" || t === null || !finite(t.tv_sec) || !finite(t.tv_usec)) bad("{ tv_sec, tv_usec } or milliseconds");
      return;
    }
    case "linger": {
      const l = value as Linger | null;
      if (typeof l !== "object" || l === null || !finite(l.l_onoff) || !finite(l.l_linger)) bad("{ l_onoff, l_linger }");
      return;
    }
    case "string":
      if (typeof value !== "string") bad("a string");
      return;
    case "tcp_info":
      return; // read-only: the socket answers ENOPROTOOPT
    case "tcp_md5sig":
      // Linux: an optlen below sizeof(struct tcp_md5sig) — an int, say — is EINVAL; the struct's members are checked by TCP.
      if (typeof value !== "object" || value === null) bad("a struct tcp_md5sig (its bytes or { tcpm_addr, tcpm_key, … })");
      return;
    case "in6_pktinfo": {
      // Linux: an optlen below sizeof(struct in6_pktinfo) — an int — is EINVAL.
      const p = value as In6Pktinfo | null;
      if (typeof p !== "object" || p === null || typeof p.ipi6_addr !== "string" || !Number.isInteger(p.ipi6_ifindex) || p.ipi6_ifindex < 0) bad("{ ipi6_addr, ipi6_ifindex }");
      return;
    }
  }
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return Array.isArray(v) ? "an Array" : typeof v === "object" ? "an object" : typeof v;
}

/** struct linger. */
export interface Linger {
  l_onoff: number;
  l_linger: number;
}

/** struct in6_pktinfo (the sticky IPV6_PKTINFO option): an address (text) and an interface index. */
export interface In6Pktinfo {
  ipi6_addr: string;
  ipi6_ifindex: number;
}

/** struct timeval. */
export interface Timeval {
  tv_sec: number;
  tv_usec: number;
}

/** A value passed to or returned by setsockopt/getsockopt. */
export type OptionValue = number | boolean | string | Linger | Timeval | Record<string, unknown> | Uint8Array;

// ---- option types ------------------------------------------------------------

/** An option's level and the types setsockopt takes and getsockopt returns. */
interface Opt<L extends OptionSpec["levelName"], S, G> {
  level: L;
  set: S;
  get: G;
}
/** An int option: a number (booleans become 0/1), read back as a number. */
type IntOpt<L extends OptionSpec["levelName"]> = Opt<L, number | boolean, number>;
/** A read-only option: setsockopt takes nothing (Linux: ENOPROTOOPT). */
type RoOpt<L extends OptionSpec["levelName"], G = number> = Opt<L, never, G>;

/**
 * Every option sockstack knows, by name: its level and value types. A
 * misspelt name, an option at the wrong level or a value of the wrong
 * shape fails to compile (`SO_LINGER` takes a {@link Linger},
 * `SO_RCVTIMEO` a {@link Timeval} or milliseconds, `TCP_NODELAY` a number
 * or boolean, `TCP_INFO` is read-only and returns a {@link TcpInfo}).
 */
export interface SocketOptionTypes {
  SO_DEBUG: IntOpt<"SOL_SOCKET">;
  SO_REUSEADDR: IntOpt<"SOL_SOCKET">;
  SO_TYPE: RoOpt<"SOL_SOCKET">;
  SO_ERROR: RoOpt<"SOL_SOCKET">;
  SO_DONTROUTE: IntOpt<"SOL_SOCKET">;
  SO_BROADCAST: IntOpt<"SOL_SOCKET">;
  SO_SNDBUF: IntOpt<"SOL_SOCKET">;
  SO_RCVBUF: IntOpt<"SOL_SOCKET">;
  SO_KEEPALIVE: IntOpt<"SOL_SOCKET">;
  SO_OOBINLINE: IntOpt<"SOL_SOCKET">;
  SO_PRIORITY: IntOpt<"SOL_SOCKET">;
  SO_LINGER: Opt<"SOL_SOCKET", Linger, Linger>;
  SO_REUSEPORT: IntOpt<"SOL_SOCKET">;
  SO_RCVLOWAT: IntOpt<"SOL_SOCKET">;
  SO_MARK: IntOpt<"SOL_SOCKET">;
  SO_ZEROCOPY: IntOpt<"SOL_SOCKET">;
  SO_TIMESTAMPING: IntOpt<"SOL_SOCKET">;
  SO_MAX_PACING_RATE: IntOpt<"SOL_SOCKET">;
  SO_SNDLOWAT: RoOpt<"SOL_SOCKET">;
  SO_RCVTIMEO: Opt<"SOL_SOCKET", Timeval | number, Timeval>;
  SO_SNDTIMEO: Opt<"SOL_SOCKET", Timeval | number, Timeval>;
  SO_ACCEPTCONN: RoOpt<"SOL_SOCKET">;
  SO_PROTOCOL: RoOpt<"SOL_SOCKET">;
  SO_DOMAIN: RoOpt<"SOL_SOCKET">;
  IP_TOS: IntOpt<"IPPROTO_IP">;
  IP_TTL: IntOpt<"IPPROTO_IP">;
  IP_MTU_DISCOVER: IntOpt<"IPPROTO_IP">;
  IP_RECVERR: IntOpt<"IPPROTO_IP">;
  IP_MTU: RoOpt<"IPPROTO_IP">;
  IP_FREEBIND: IntOpt<"IPPROTO_IP">;
  IPV6_FREEBIND: IntOpt<"IPPROTO_IPV6">;
  IPV6_V6ONLY: IntOpt<"IPPROTO_IPV6">;
  IPV6_UNICAST_HOPS: IntOpt<"IPPROTO_IPV6">;
  IPV6_MTU_DISCOVER: IntOpt<"IPPROTO_IPV6">;
  IPV6_MTU: IntOpt<"IPPROTO_IPV6">;
  IPV6_RECVERR: IntOpt<"IPPROTO_IPV6">;
  IPV6_RECVPKTINFO: IntOpt<"IPPROTO_IPV6">;
  IPV6_RECVHOPLIMIT: IntOpt<"IPPROTO_IPV6">;
  IPV6_PKTINFO: Opt<"IPPROTO_IPV6", In6Pktinfo, never>;
  IPV6_FLOWINFO: IntOpt<"IPPROTO_IPV6">;
  IPV6_FLOWINFO_SEND: IntOpt<"IPPROTO_IPV6">;
  IPV6_AUTOFLOWLABEL: IntOpt<"IPPROTO_IPV6">;
  IPV6_HOPLIMIT: IntOpt<"IPPROTO_IPV6">;
  IPV6_RECVTCLASS: IntOpt<"IPPROTO_IPV6">;
  IPV6_TCLASS: IntOpt<"IPPROTO_IPV6">;
  TCP_NODELAY: IntOpt<"IPPROTO_TCP">;
  TCP_MAXSEG: IntOpt<"IPPROTO_TCP">;
  TCP_CORK: IntOpt<"IPPROTO_TCP">;
  TCP_KEEPIDLE: IntOpt<"IPPROTO_TCP">;
  TCP_KEEPINTVL: IntOpt<"IPPROTO_TCP">;
  TCP_KEEPCNT: IntOpt<"IPPROTO_TCP">;
  TCP_SYNCNT: IntOpt<"IPPROTO_TCP">;
  TCP_KEEPINIT: IntOpt<"IPPROTO_TCP">;
  TCP_LINGER2: IntOpt<"IPPROTO_TCP">;
  TCP_DEFER_ACCEPT: IntOpt<"IPPROTO_TCP">;
  TCP_WINDOW_CLAMP: IntOpt<"IPPROTO_TCP">;
  TCP_INFO: RoOpt<"IPPROTO_TCP", TcpInfo>;
  TCP_QUICKACK: IntOpt<"IPPROTO_TCP">;
  TCP_CONGESTION: Opt<"IPPROTO_TCP", string, string>;
  TCP_CC_INFO: RoOpt<"IPPROTO_TCP", Record<string, number>>;
  TCP_USER_TIMEOUT: IntOpt<"IPPROTO_TCP">;
  TCP_INQ: IntOpt<"IPPROTO_TCP">;
  TCP_NOTSENT_LOWAT: IntOpt<"IPPROTO_TCP">;
  TCP_FASTOPEN: IntOpt<"IPPROTO_TCP">;
  TCP_FASTOPEN_CONNECT: IntOpt<"IPPROTO_TCP">;
  TCP_FASTOPEN_NO_COOKIE: IntOpt<"IPPROTO_TCP">;
  TCP_MD5SIG: Opt<"IPPROTO_TCP", TcpMd5SigValue, never>;
  TCP_MD5SIG_EXT: Opt<"IPPROTO_TCP", TcpMd5SigValue, never>;
}

/** Every option name. */
export type OptionName = keyof SocketOptionTypes;

/** The level of each option, at run time (checked against {@link OPTIONS} by a test). */
export const OPTION_LEVELS: { readonly [K in OptionName]: SocketOptionTypes[K]["level"] } = {
  SO_DEBUG: "SOL_SOCKET", SO_REUSEADDR: "SOL_SOCKET", SO_TYPE: "SOL_SOCKET", SO_ERROR: "SOL_SOCKET",
  SO_DONTROUTE: "SOL_SOCKET", SO_BROADCAST: "SOL_SOCKET", SO_SNDBUF: "SOL_SOCKET", SO_RCVBUF: "SOL_SOCKET",
  SO_KEEPALIVE: "SOL_SOCKET", SO_OOBINLINE: "SOL_SOCKET", SO_PRIORITY: "SOL_SOCKET", SO_LINGER: "SOL_SOCKET",
  SO_REUSEPORT: "SOL_SOCKET", SO_RCVLOWAT: "SOL_SOCKET", SO_SNDLOWAT: "SOL_SOCKET", SO_RCVTIMEO: "SOL_SOCKET",
  SO_SNDTIMEO: "SOL_SOCKET", SO_ACCEPTCONN: "SOL_SOCKET", SO_PROTOCOL: "SOL_SOCKET", SO_DOMAIN: "SOL_SOCKET",
  SO_MARK: "SOL_SOCKET", SO_ZEROCOPY: "SOL_SOCKET", SO_TIMESTAMPING: "SOL_SOCKET", SO_MAX_PACING_RATE: "SOL_SOCKET",
  IP_TOS: "IPPROTO_IP", IP_TTL: "IPPROTO_IP", IP_MTU_DISCOVER: "IPPROTO_IP", IP_RECVERR: "IPPROTO_IP", IP_MTU: "IPPROTO_IP", IP_FREEBIND: "IPPROTO_IP", IPV6_FREEBIND: "IPPROTO_IPV6",
  IPV6_V6ONLY: "IPPROTO_IPV6", IPV6_UNICAST_HOPS: "IPPROTO_IPV6", IPV6_MTU_DISCOVER: "IPPROTO_IPV6", IPV6_MTU: "IPPROTO_IPV6",
  IPV6_RECVERR: "IPPROTO_IPV6", IPV6_RECVPKTINFO: "IPPROTO_IPV6", IPV6_RECVHOPLIMIT: "IPPROTO_IPV6", IPV6_RECVTCLASS: "IPPROTO_IPV6",
  IPV6_PKTINFO: "IPPROTO_IPV6", IPV6_HOPLIMIT: "IPPROTO_IPV6", IPV6_FLOWINFO: "IPPROTO_IPV6", IPV6_FLOWINFO_SEND: "IPPROTO_IPV6", IPV6_AUTOFLOWLABEL: "IPPROTO_IPV6",
  IPV6_TCLASS: "IPPROTO_IPV6",
  TCP_NODELAY: "IPPROTO_TCP", TCP_MAXSEG: "IPPROTO_TCP", TCP_CORK: "IPPROTO_TCP", TCP_KEEPIDLE: "IPPROTO_TCP",
  TCP_KEEPINTVL: "IPPROTO_TCP", TCP_KEEPCNT: "IPPROTO_TCP", TCP_SYNCNT: "IPPROTO_TCP", TCP_KEEPINIT: "IPPROTO_TCP", TCP_LINGER2: "IPPROTO_TCP",
  TCP_DEFER_ACCEPT: "IPPROTO_TCP", TCP_WINDOW_CLAMP: "IPPROTO_TCP", TCP_INFO: "IPPROTO_TCP", TCP_QUICKACK: "IPPROTO_TCP",
  TCP_CONGESTION: "IPPROTO_TCP", TCP_CC_INFO: "IPPROTO_TCP", TCP_USER_TIMEOUT: "IPPROTO_TCP", TCP_INQ: "IPPROTO_TCP", TCP_NOTSENT_LOWAT: "IPPROTO_TCP",
  TCP_FASTOPEN: "IPPROTO_TCP", TCP_FASTOPEN_CONNECT: "IPPROTO_TCP", TCP_FASTOPEN_NO_COOKIE: "IPPROTO_TCP",
  TCP_MD5SIG: "IPPROTO_TCP", TCP_MD5SIG_EXT: "IPPROTO_TCP",
};

/** A level name in the form the option table uses. */
type CanonLevel<L> = L extends "SOL_SOCKET" ? "SOL_SOCKET"
  : L extends "SOL_IP" | "IPPROTO_IP" ? "IPPROTO_IP"
    : L extends "SOL_TCP" | "IPPROTO_TCP" ? "IPPROTO_TCP"
      : L extends "SOL_UDP" | "IPPROTO_UDP" ? "IPPROTO_UDP"
        : L extends "SOL_IPV6" | "IPPROTO_IPV6" ? "IPPROTO_IPV6" : never;

/** The option names of level `L`. */
export type OptionNameAt<L extends LevelName> = { [K in OptionName]: SocketOptionTypes[K]["level"] extends CanonLevel<L> ? K : never }[OptionName];

/**
 * The type of an option-name argument at level `L`: a literal name must be
 * an option of that level (any option when the level is a number or a
 * `string`); numbers and `string` values are checked at run time.
 */
export type CheckedOptionName<L, N> =
  N extends number ? N
    : N extends string ? (string extends N ? string | number : L extends LevelName ? (N extends OptionNameAt<L> ? N : OptionNameAt<L>) : N extends OptionName ? N : OptionName)
      : OptionName | number;

/** What setsockopt takes for option `N` ({@link OptionValue} when `N` is not a literal name). */
export type OptionSetValue<N> = N extends OptionName ? SocketOptionTypes[N]["set"] : OptionValue;
/** What getsockopt returns for option `N`. */
export type OptionGetValue<N> = N extends OptionName ? SocketOptionTypes[N]["get"] : OptionValue;

/**
 * The option table as a Markdown table (the options part of docs/syscalls.md
 * is generated from this; test/syscalls/docs.test.ts keeps them in sync).
 * @example optionsMarkdown().startsWith("| Level | Option |")
 */
export function optionsMarkdown(): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const rows = OPTIONS.map((o) => `| ${o.levelName} | \`${o.name}\` | ${o.num} | ${o.type} | ${esc(o.default)} | ${esc(o.doc)} |`);
  return ["| Level | Option | Number | Type | Default | Behaviour (Linux reference, differences) |", "|---|---|---|---|---|---|", ...rows].join("\n") + "\n";
}
