/**
 * `sockstack/tools`: every view over hosts and packets (src/tools), pure
 * functions of plain data that run anywhere, a browser included — host
 * snapshots and the `ss`, `netstat`, `lsof`, `nstat` views with their
 * structured forms (`ssRows`, `netstatRows`, `lsofEntries`, `nstatDelta`);
 * captures, `tcpdump` text and filters, pcap and pcapng files; ladder
 * diagrams; and the seed-0 lecture scenario the docs compare with the
 * kernel. The package root re-exports the common ones (`snapshot`, `ss`,
 * `Capture`, `TcpdumpFormatter`, …). docs/observability.md shows each view
 * next to the real tool.
 *
 * @example
 * import { lectureScenario, snapshot, ss, ssRows } from "sockstack/tools";
 * import { ms } from "sockstack";
 *
 * const sc = lectureScenario();
 * await sc.net.advance(ms(1500)); // four clients tried to connect; three are queued
 * const snap = snapshot(sc.server);
 * console.log(ss(snap, "-tln"));
 * console.log(ssRows(snap, "-tn").length, "connections");
 */

export { snapshot, tcbTimer } from "./tools/snapshot.js";
export type {
  HostSnapshot, SocketSnapshot, ProcessSnapshot, FdSnapshot, TimerSnapshot, TimerKind, SocketOwner, SkMem,
} from "./tools/snapshot.js";
export { ss, ssRows, ssSummary, parseSsArgs, tcpInfoText } from "./tools/ss.js";
export type { SsOptions, SsExpr } from "./tools/ss.js";
export { netstat, netstatRows, netstatStatistics, parseNetstatArgs } from "./tools/netstat.js";
export type { NetstatOptions } from "./tools/netstat.js";
export { lsof, lsofEntries, lsofSocketName } from "./tools/lsof.js";
export type { LsofEntry } from "./tools/lsof.js";
export { nstat, nstatDelta, nstatNames } from "./tools/nstat.js";

export { Capture } from "./tools/capture.js";
export type { CaptureRecord, CaptureDirection, CaptureOptions, CaptureTextOptions } from "./tools/capture.js";
export { TcpdumpFormatter, tcpdumpLine, tcpdumpFlags, formatTcpdumpTime, hexDump } from "./tools/tcpdump.js";
export type { TcpdumpOptions } from "./tools/tcpdump.js";
export { compileFilter, filterFromArgs, FilterSyntaxError } from "./tools/tcpdump-filter.js";
export type { PacketPredicate } from "./tools/tcpdump-filter.js";
export { formatFrame, formatArp } from "./tools/tcpdump-ether.js";
export { ipLink, ipAddr, ipNeigh, arpN, bridgeFdb } from "./tools/ip-views.js";
export type { IpNeighOptions } from "./tools/ip-views.js";
export { PcapWriter, pcapFile, LINKTYPE_RAW, DEFAULT_SNAPLEN } from "./tools/pcap.js";
export type { PcapOptions, CapturedPacket, PacketBytes } from "./tools/pcap.js";
export { PcapngWriter, pcapngFile, LINKTYPE_IPV4 } from "./tools/pcapng.js";
export type { PcapngOptions, CapturedIfPacket } from "./tools/pcapng.js";

export { ladderConnections, ladderEvents } from "./tools/ladder.js";
export { ladderText } from "./tools/ladder-text.js";
export { ladderSvg } from "./tools/ladder-svg.js";
export type { LadderEvent, LadderOptions } from "./tools/ladder.js";
export { lectureScenario } from "./demo/lecture-scenario.js";
export type { LectureScenario, LectureOptions } from "./demo/lecture-scenario.js";
