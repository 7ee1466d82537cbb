/**
 * `nstat` (iproute2) over two snapshots: the counters that changed between
 * them, named like nstat (`TcpPassiveOpens`, `TcpExtListenOverflows` —
 * group + counter) in /proc order, as `%-32s%-16u%6.1f` lines under
 * `#kernel`. `-a` prints absolute values of the later snapshot, `-z` keeps
 * zeros, `-j` prints nstat's JSON. Gauges nstat ignores (TcpCurrEstab,
 * TcpRtoMin…) are left out. The rate column is 0.0: nstat's rate is a
 * moving average over wall-clock samples that two snapshots do not give.
 * sockstack's own drop counters (group `Sockstack`) come last.
 *
 * @example
 * const before = snapshot(host); await net.advance(sec(1));
 * nstat(before, snapshot(host));
 * // #kernel
 * // IpInReceives                    10                 0.0
 */
import type { CounterGroup } from "../core/counters.js";
import type { HostSnapshot } from "./snapshot.js";
import { splitArgs } from "./ss.js";

/**
 * Linux's /proc order of the counters sockstack keeps (others follow
 * alphabetically). Every name here is one Linux 6.18 lists in /proc even at
 * 0, so `-z` prints it on a fresh host; the per-type IcmpMsg and Icmp6
 * counters, which Linux lists only once non-zero, are not here.
 */
const ORDER: Record<string, string[]> = {
  Ip: ["Forwarding", "DefaultTTL", "InReceives", "InHdrErrors", "InAddrErrors", "ForwDatagrams", "InUnknownProtos", "InDiscards", "InDelivers",
    "OutRequests", "OutDiscards", "OutNoRoutes", "ReasmTimeout", "ReasmReqds", "ReasmOKs", "ReasmFails", "FragOKs", "FragFails", "FragCreates",
    "OutTransmits"],
  Icmp: ["InMsgs", "InErrors", "InCsumErrors", "InDestUnreachs", "InTimeExcds", "InParmProbs", "InSrcQuenchs", "InRedirects", "InEchos",
    "InEchoReps", "OutMsgs", "OutErrors", "OutRateLimitGlobal", "OutRateLimitHost", "OutDestUnreachs", "OutTimeExcds", "OutEchos", "OutEchoReps"],
  IcmpMsg: [],
  Tcp: ["RtoAlgorithm", "RtoMin", "RtoMax", "MaxConn", "ActiveOpens", "PassiveOpens", "AttemptFails", "EstabResets", "CurrEstab", "InSegs",
    "OutSegs", "RetransSegs", "InErrs", "OutRsts", "InCsumErrors"],
  Udp: ["InDatagrams", "NoPorts", "InErrors", "OutDatagrams", "RcvbufErrors", "SndbufErrors", "InCsumErrors", "IgnoredMulti", "MemErrors"],
  // /proc/net/snmp6 order (Linux 6.18 on this machine); nstat prints these groups before /proc/net/netstat's TcpExt and IpExt.
  Ip6: ["InReceives", "InHdrErrors", "InTooBigErrors", "InNoRoutes", "InAddrErrors", "InUnknownProtos", "InTruncatedPkts", "InDiscards",
    "InDelivers", "OutForwDatagrams", "OutRequests", "OutDiscards", "OutNoRoutes", "ReasmTimeout", "ReasmReqds", "ReasmOKs", "ReasmFails",
    "FragOKs", "FragFails", "FragCreates", "InMcastPkts", "OutMcastPkts", "InOctets", "OutOctets", "InMcastOctets", "OutMcastOctets",
    "InBcastOctets", "OutBcastOctets", "InNoECTPkts", "InECT1Pkts", "InECT0Pkts", "InCEPkts", "OutTransmits"],
  Icmp6: ["InMsgs", "InErrors", "OutMsgs", "OutErrors", "InCsumErrors", "OutRateLimitHost", "InDestUnreachs", "InPktTooBigs", "InTimeExcds",
    "InParmProblems", "InEchos", "InEchoReplies", "InGroupMembQueries", "InGroupMembResponses", "InGroupMembReductions", "InRouterSolicits",
    "InRouterAdvertisements", "InNeighborSolicits", "InNeighborAdvertisements", "InRedirects", "InMLDv2Reports", "OutDestUnreachs",
    "OutPktTooBigs", "OutTimeExcds", "OutParmProblems", "OutEchos", "OutEchoReplies", "OutGroupMembQueries", "OutGroupMembResponses",
    "OutGroupMembReductions", "OutRouterSolicits", "OutRouterAdvertisements", "OutNeighborSolicits", "OutNeighborAdvertisements",
    "OutRedirects", "OutMLDv2Reports"],
  Udp6: ["InDatagrams", "NoPorts", "InErrors", "OutDatagrams", "RcvbufErrors", "SndbufErrors", "InCsumErrors", "IgnoredMulti", "MemErrors"],
  TcpExt: ["SyncookiesSent", "SyncookiesRecv", "SyncookiesFailed", "EmbryonicRsts", "PruneCalled", "RcvPruned", "OfoPruned", "OutOfWindowIcmps",
    "LockDroppedIcmps", "ArpFilter", "TW", "TWRecycled", "TWKilled", "PAWSActive", "PAWSEstab", "PAWSTimewait", "DelayedACKs", "DelayedACKLocked",
    "DelayedACKLost", "ListenOverflows", "ListenDrops", "TCPHPHits", "TCPPureAcks", "TCPHPAcks", "TCPRenoRecovery", "TCPSackRecovery",
    "TCPSACKReneging", "TCPSACKReorder", "TCPRenoReorder", "TCPTSReorder", "TCPFullUndo", "TCPPartialUndo", "TCPDSACKUndo", "TCPLossUndo",
    "TCPLostRetransmit", "TCPRenoFailures", "TCPSackFailures", "TCPLossFailures", "TCPFastRetrans", "TCPSlowStartRetrans", "TCPTimeouts",
    "TCPLossProbes", "TCPLossProbeRecovery", "TCPRenoRecoveryFail", "TCPSackRecoveryFail", "TCPRcvCollapsed", "TCPDSACKOldSent",
    "TCPDSACKOfoSent", "TCPDSACKRecv", "TCPDSACKOfoRecv", "TCPAbortOnData", "TCPAbortOnClose", "TCPAbortOnMemory", "TCPAbortOnTimeout",
    "TCPAbortOnLinger", "TCPAbortFailed", "TCPMemoryPressures", "TCPMemoryPressuresChrono", "TCPSACKDiscard", "TCPDSACKIgnoredOld",
    "TCPDSACKIgnoredNoUndo", "TCPSpuriousRTOs", "TCPMD5NotFound", "TCPMD5Unexpected", "TCPMD5Failure", "TCPSackShifted", "TCPSackMerged",
    "TCPSackShiftFallback", "TCPBacklogDrop", "PFMemallocDrop", "TCPMinTTLDrop", "TCPDeferAcceptDrop", "IPReversePathFilter",
    "TCPTimeWaitOverflow", "TCPReqQFullDoCookies", "TCPReqQFullDrop", "TCPRetransFail", "TCPRcvCoalesce", "TCPOFOQueue", "TCPOFODrop",
    "TCPOFOMerge", "TCPChallengeACK", "TCPSYNChallenge", "TCPFastOpenActive", "TCPFastOpenActiveFail", "TCPFastOpenPassive",
    "TCPFastOpenPassiveFail", "TCPFastOpenListenOverflow", "TCPFastOpenCookieReqd", "TCPFastOpenBlackhole", "TCPSpuriousRtxHostQueues", "BusyPollRxPackets",
    "TCPAutoCorking", "TCPFromZeroWindowAdv", "TCPToZeroWindowAdv", "TCPWantZeroWindowAdv", "TCPSynRetrans", "TCPOrigDataSent",
    "TCPHystartTrainDetect", "TCPHystartTrainCwnd", "TCPHystartDelayDetect", "TCPHystartDelayCwnd", "TCPACKSkippedSynRecv",
    "TCPACKSkippedPAWS", "TCPACKSkippedSeq", "TCPACKSkippedFinWait2", "TCPACKSkippedTimeWait", "TCPACKSkippedChallenge", "TCPWinProbe",
    "TCPKeepAlive", "TCPMTUPFail", "TCPMTUPSuccess", "TCPDelivered", "TCPDeliveredCE", "TCPAckCompressed", "TCPZeroWindowDrop",
    "TCPRcvQDrop", "TCPWqueueTooBig", "TCPFastOpenPassiveAltKey", "TcpTimeoutRehash", "TcpDuplicateDataRehash", "TCPDSACKRecvSegs",
    "TCPDSACKIgnoredDubious", "TCPMigrateReqSuccess", "TCPMigrateReqFailure"],
  // TCPRcvOutOfWindow (sockstack) is no 6.18 /proc name: it sorts after these, printed only when non-zero.
  IpExt: ["InNoRoutes", "InTruncatedPkts", "InMcastPkts", "OutMcastPkts", "InBcastPkts", "OutBcastPkts", "InOctets", "OutOctets",
    "InMcastOctets", "OutMcastOctets", "InBcastOctets", "OutBcastOctets", "InCsumErrors", "InNoECTPkts", "InECT1Pkts", "InECT0Pkts", "InCEPkts",
    "ReasmOverlaps"],
  Sockstack: [],
};

const TYPE_COUNTER = /^(In|Out)Type(\d+)$/;

/** Counters nstat never prints (nstat.c useless_numbers: gauges and constants). */
const USELESS = new Set(["IpForwarding", "IpDefaultTTL", "TcpRtoAlgorithm", "TcpRtoMin", "TcpRtoMax", "TcpMaxConn", "TcpCurrEstab"]);

/** Every counter as nstat names it, in nstat's order. */
export function nstatNames(groups: Record<string, CounterGroup>): string[] {
  const out: string[] = [];
  for (const [g, order] of Object.entries(ORDER)) {
    const names = Object.keys(groups[g] ?? {});
    names.sort((a, b) => {
      const ia = order.indexOf(a), ib = order.indexOf(b);
      if (ia >= 0 && ib >= 0) return ia - ib;
      if (ia >= 0) return -1;
      if (ib >= 0) return 1;
      // /proc/net/snmp6's per-type ICMPv6 counters go by type, In before Out (Icmp6InType1 Icmp6OutType1 Icmp6OutType135).
      const ta = TYPE_COUNTER.exec(a), tb = TYPE_COUNTER.exec(b);
      if (g === "Icmp6" && ta && tb) return Number(ta[2]) - Number(tb[2]) || (ta[1] === tb[1] ? 0 : ta[1] === "In" ? -1 : 1);
      return a < b ? -1 : a > b ? 1 : 0;
    });
    for (const n of names) out.push(`${g}${n}`);
  }
  return out;
}

function flat(groups: Record<string, CounterGroup>): Map<string, number> {
  const m = new Map<string, number>();
  for (const g of Object.keys(ORDER)) for (const [n, v] of Object.entries(groups[g] ?? {})) m.set(`${g}${n}`, v);
  return m;
}

/** The groups with every {@link ORDER} name present (0 when never incremented), as Linux's /proc files list them. */
function withLinuxZeros(groups: Record<string, CounterGroup>): Record<string, CounterGroup> {
  const out: Record<string, CounterGroup> = {};
  for (const [g, order] of Object.entries(ORDER)) {
    const z: CounterGroup = {};
    for (const n of order) z[n] = 0;
    out[g] = { ...z, ...groups[g] };
  }
  return out;
}

/**
 * Counter deltas between two snapshots (`after − before`), nstat-named, in
 * nstat's order; zero deltas included (as `nstat -z` prints them): every
 * counter Linux's /proc lists at 0 is there even if never incremented.
 */
export function nstatDelta(before: HostSnapshot | null, after: HostSnapshot): Map<string, number> {
  const b = before ? flat(before.counters) : new Map<string, number>();
  const groups = withLinuxZeros(after.counters);
  const a = flat(groups);
  const names = nstatNames(groups);
  for (const n of b.keys()) if (!a.has(n)) names.push(n);
  const out = new Map<string, number>();
  for (const n of names) {
    if (USELESS.has(n)) continue;
    out.set(n, (a.get(n) ?? 0) - (b.get(n) ?? 0));
  }
  return out;
}

/** Parsed nstat options. */
export interface NstatOptions {
  /** `-a`: absolute values, not the change since the previous snapshot. */
  absolute: boolean;
  /** `-z`: zero values too. */
  zeros: boolean;
  /** `-j`: JSON. */
  json: boolean;
  /** `-n`: print nothing (nstat only updates its history). */
  noOutput: boolean;
  /** The PATTERN arguments (shell globs, as nstat matches them with fnmatch). */
  patterns: RegExp[];
}

/** fnmatch(3) without flags: `*`, `?`, `[…]`. */
function globRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const j = glob.indexOf("]", i + 2);
      if (j < 0) re += "\\[";
      else {
        re += `[${glob.slice(i + 1, j).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/**
 * Parses nstat's arguments (iproute2 6.x): `-a -z -j -n`, and `-s`, `-r`,
 * `-p` which change nothing for a snapshot (sockstack keeps no history
 * file; JSON is printed compact either way); PATTERN words select counters.
 * `-d`/`-t` (the daemon) are refused by name, unknown options in nstat's
 * words (a TypeError).
 */
export function parseNstatArgs(args: string | readonly string[]): NstatOptions {
  const argv = typeof args === "string" ? splitArgs(args) : args;
  const o: NstatOptions = { absolute: false, zeros: false, json: false, noOutput: false, patterns: [] };
  const long: Record<string, string> = { ignore: "a", zeros: "z", json: "j", nooutput: "n", noupdate: "s", reset: "r", pretty: "p" };
  for (const a of argv) {
    let letters: string;
    if (a.startsWith("--") && a.length > 2) {
      const name = a.slice(2).split("=")[0]!;
      letters = long[name] ?? "";
      if (!letters) {
        if (["scan", "interval", "version", "help"].includes(name)) throw new TypeError(`nstat: option '--${name}' is not supported by sockstack's nstat`);
        throw new TypeError(`nstat: unrecognized option '${a}'`);
      }
    } else if (a.startsWith("-") && a.length > 1) letters = a.slice(1);
    else {
      o.patterns.push(globRegExp(a));
      continue;
    }
    for (const c of letters) {
      if (c === "a") o.absolute = true;
      else if (c === "z") o.zeros = true;
      else if (c === "j") o.json = true;
      else if (c === "n") o.noOutput = true;
      else if ("srp".includes(c)) continue;
      else if ("dtVh".includes(c)) throw new TypeError(`nstat: option -${c} is not supported by sockstack's nstat`);
      else throw new TypeError(`nstat: invalid option -- '${c}'`);
    }
  }
  return o;
}

/**
 * `nstat` text: `nstat(before, after)` prints what changed, `nstat(null,
 * after, "-a")` (or any `-a`) the absolute values, `-z` zeros too, `-j` JSON.
 */
export function nstat(before: HostSnapshot | null, after: HostSnapshot, args: string | readonly string[] = ""): string {
  const o = parseNstatArgs(args);
  const absolute = o.absolute || before === null;
  const delta = nstatDelta(absolute ? null : before, after);
  const rows = [...delta].filter(([n, v]) => (o.zeros || v !== 0) && (o.patterns.length === 0 || o.patterns.some((re) => re.test(n))));
  if (o.noOutput) return "";
  const json = o.json;
  if (json) return `{"kernel":{${rows.map(([n, v]) => `"${n}":${v}`).join(",")}}}\n`;
  let out = "#kernel\n";
  for (const [n, v] of rows) out += `${n.padEnd(32)}${String(v).padEnd(16)}${"0.0".padStart(6)}\n`;
  return out;
}
