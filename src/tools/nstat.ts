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

/** Linux's /proc order of the counters sockstack keeps (others follow alphabetically). */
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
  TcpExt: ["SyncookiesSent", "SyncookiesRecv", "SyncookiesFailed", "EmbryonicRsts", "PruneCalled", "RcvPruned", "OfoPruned", "OutOfWindowIcmps",
    "LockDroppedIcmps", "ArpFilter", "TW", "TWRecycled", "TWKilled", "PAWSActive", "PAWSEstab", "DelayedACKs", "DelayedACKLocked",
    "DelayedACKLost", "ListenOverflows", "ListenDrops", "TCPHPHits", "TCPPureAcks", "TCPHPAcks", "TCPRenoRecovery", "TCPSackRecovery",
    "TCPSACKReneging", "TCPSACKReorder", "TCPRenoReorder", "TCPTSReorder", "TCPFullUndo", "TCPPartialUndo", "TCPDSACKUndo", "TCPLossUndo",
    "TCPLostRetransmit", "TCPRenoFailures", "TCPSackFailures", "TCPLossFailures", "TCPFastRetrans", "TCPSlowStartRetrans", "TCPTimeouts",
    "TCPLossProbes", "TCPLossProbeRecovery", "TCPRenoRecoveryFail", "TCPSackRecoveryFail", "TCPRcvCollapsed", "TCPDSACKOldSent",
    "TCPDSACKOfoSent", "TCPDSACKRecv", "TCPDSACKOfoRecv", "TCPAbortOnData", "TCPAbortOnClose", "TCPAbortOnMemory", "TCPAbortOnTimeout",
    "TCPAbortOnLinger", "TCPAbortFailed", "TCPMemoryPressures", "TCPMemoryPressuresChrono", "TCPSACKDiscard", "TCPDSACKIgnoredOld",
    "TCPDSACKIgnoredNoUndo", "TCPSpuriousRTOs", "TCPMD5NotFound", "TCPMD5Unexpected", "TCPMD5Failure", "TCPSackShifted", "TCPSackMerged",
    "TCPSackShiftFallback", "TCPBacklogDrop", "PFMemallocDrop", "TCPMinTTLDrop", "TCPDeferAcceptDrop", "IPReversePathFilter",
    "TCPTimeWaitOverflow", "TCPReqQFullDoCookies", "TCPReqQFullDrop", "TCPRetransFail", "TCPRcvCoalesce", "TCPOFOQueue", "TCPOFODrop",
    "TCPOFOMerge", "TCPChallengeACK", "TCPSYNChallenge", "TCPFastOpenActive", "TCPSpuriousRtxHostQueues", "BusyPollRxPackets",
    "TCPAutoCorking", "TCPFromZeroWindowAdv", "TCPToZeroWindowAdv", "TCPWantZeroWindowAdv", "TCPSynRetrans", "TCPOrigDataSent",
    "TCPHystartTrainDetect", "TCPHystartTrainCwnd", "TCPHystartDelayDetect", "TCPHystartDelayCwnd", "TCPACKSkippedSynRecv",
    "TCPACKSkippedPAWS", "TCPACKSkippedSeq", "TCPACKSkippedFinWait2", "TCPACKSkippedTimeWait", "TCPACKSkippedChallenge", "TCPWinProbe",
    "TCPKeepAlive", "TCPMTUPFail", "TCPMTUPSuccess", "TCPDelivered", "TCPDeliveredCE", "TCPAckCompressed", "TCPZeroWindowDrop",
    "TCPRcvQDrop", "TCPWqueueTooBig", "TCPFastOpenPassiveAltKey", "TcpTimeoutRehash", "TcpDuplicateDataRehash", "TCPDSACKRecvSegs",
    "TCPDSACKIgnoredDubious", "TCPMigrateReqSuccess", "TCPMigrateReqFailure", "TCPRcvOutOfWindow"],
  IpExt: ["InNoRoutes", "InTruncatedPkts", "InMcastPkts", "OutMcastPkts", "InBcastPkts", "OutBcastPkts", "InOctets", "OutOctets"],
  Sockstack: [],
};

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

/**
 * Counter deltas between two snapshots (`after − before`), nstat-named,
 * zero deltas omitted — the structured form of {@link nstat}.
 */
export function nstatDelta(before: HostSnapshot | null, after: HostSnapshot): Map<string, number> {
  const b = before ? flat(before.counters) : new Map<string, number>();
  const a = flat(after.counters);
  const names = nstatNames(after.counters);
  for (const n of b.keys()) if (!a.has(n)) names.push(n);
  const out = new Map<string, number>();
  for (const n of names) {
    if (USELESS.has(n)) continue;
    out.set(n, (a.get(n) ?? 0) - (b.get(n) ?? 0));
  }
  return out;
}

/**
 * `nstat` text: `nstat(before, after)` prints what changed, `nstat(null,
 * after, "-a")` (or any `-a`) the absolute values, `-z` zeros too, `-j` JSON.
 */
export function nstat(before: HostSnapshot | null, after: HostSnapshot, args: string | readonly string[] = ""): string {
  const argv = typeof args === "string" ? splitArgs(args) : args;
  const flags = argv.filter((a) => a.startsWith("-")).join("");
  const absolute = flags.includes("a") || before === null;
  const zeros = flags.includes("z");
  const json = flags.includes("j");
  const delta = nstatDelta(absolute ? null : before, after);
  const rows = [...delta].filter(([, v]) => zeros || v !== 0);
  if (json) return `{"kernel":{${rows.map(([n, v]) => `"${n}":${v}`).join(",")}}}\n`;
  let out = "#kernel\n";
  for (const [n, v] of rows) out += `${n.padEnd(32)}${String(v).padEnd(16)}${"0.0".padStart(6)}\n`;
  return out;
}
