/**
 * sockstack's public library API: `import { … } from "sockstack"`.
 *
 * Build a simulated {@link Network}, add hosts and links, run processes
 * that make socket system calls, and run virtual time. Every export below
 * carries the doc comment (with an example) of the module that defines it;
 * the groups here say what each is for.
 *
 * The package's other entry points (package.json `exports`; each file
 * says what it holds): `sockstack/constants` (every Linux constant, also
 * re-exported here), `sockstack/tools` (every view over hosts and packets),
 * `sockstack/conformance` (packetdrill scripts), `sockstack/interop` (Node
 * only: real time, the TUN bridge). `sockstack/node` is reserved for the
 * `net`/`dgram` façade. Paths inside the package are not importable.
 *
 * @example
 * import { Network, ms, ping, sockaddrIn } from "sockstack";
 *
 * const net = new Network({ seed: 1 });
 * const client = net.addHost("client"), server = net.addHost("server");
 * net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(5) });
 * server.spawn("echo", async (p) => {
 *   const fd = p.socket("AF_INET", "SOCK_DGRAM");
 *   p.bind(fd, sockaddrIn("0.0.0.0", 7));
 *   for (;;) {
 *     const { data, addr } = await p.recvfrom(fd, 65535);
 *     await p.sendto(fd, data, 0, addr);
 *   }
 * });
 * const r = ping(client, "10.0.0.2", { count: 2 });
 * await net.run();
 * (await r).received === 2;
 */

// ---- the simulated network ----------------------------------------------
// new Network({ seed }) · net.addHost(name) · net.link(a, b, { a, b, latency, loss, … })
// · net.segment() / net.attach() · net.run() / advance() / runUntil() / sleep()
export { Network, RunLimitError, DEFAULT_RUN_LIMIT } from "./sim/network.js";
export type { NetworkOptions, AddHostOptions, NetworkLinkOptions, NetworkLink, NetworkRunOptions, NetworkRunResult } from "./sim/network.js";
export { Link, LinkEndpoint } from "./sim/link.js";
export type { LinkOptions, LinkDirection, LinkStats } from "./sim/link.js";
export { SharedSegment, SharedSegmentPort } from "./sim/shared-segment.js";
export type { SharedSegmentOptions, OwnsAddress } from "./sim/shared-segment.js";
// Ethernet (docs/ethernet.md): cards, cables, switches, ARP, and the frame API for embedders (docs/embedding.md).
export type { NetworkEtherLinkOptions, NetworkEtherLink, SwitchAttachOptions } from "./sim/network.js";
export { EtherLink } from "./sim/ether-link.js";
export type { EtherLinkOptions, EtherLinkStats } from "./sim/ether-link.js";
export { Switch, SwitchPort, BRIDGE_AGEING_TIME } from "./sim/switch.js";
export type { SwitchOptions, SwitchStats, FdbEntry } from "./sim/switch.js";
export { EthernetDevice, ETHERNET_MTU, frameBytes, isEthernet } from "./link/ethernet.js";
export type { FrameHeader, FrameTap, FrameEndpoint, FrameWire, EtherStats } from "./link/ethernet.js";
export { ExternalWire, EXTERNAL_QUEUE_MAX } from "./link/external.js";
export type { FrameSink, ExternalWireStats } from "./link/external.js";
export { Arp, Neighbour } from "./ip/arp.js";
export type { NudState, NeighStats } from "./ip/arp.js";
export { formatMac, parseMac, parseEthernet, emitEthernetFrame, MAC_BROADCAST, ETH_P_IP, ETH_P_ARP, ETH_P_8021Q } from "./wire/ethernet.js";
export type { MacAddress, EthernetHeader } from "./wire/ethernet.js";
export { parseArp, emitArp, ARPOP_REQUEST, ARPOP_REPLY } from "./wire/arp.js";
export { dhclient, dhcpd, DhcpClient, DhcpServer } from "./host/dhcp.js";
export type { DhcpLease, DhcpClientState, DhcpClientOptions, DhcpServerOptions } from "./host/dhcp.js";
export { parseDhcp, emitDhcp } from "./wire/dhcp.js";
export type { DhcpMessage } from "./wire/dhcp.js";
export type { ArpPacket } from "./wire/arp.js";
export { DEFAULT_LINK_CONFIG } from "./sim/impairments.js";
export type { LinkConfig, LinkConfigInput, BurstLoss, JitterDistribution } from "./sim/impairments.js";
export type { ChannelCounters, DropReason } from "./sim/channel.js";
export { VirtualDriver, StuckError, DEFAULT_MAX_ROUNDS_PER_INSTANT, holdVirtualTime } from "./sim/virtual-driver.js";
export type { RunOptions, RunResult, RunUntilOptions, StopReason, DriverStats, VirtualDriverOptions } from "./sim/virtual-driver.js";

// ---- hosts and processes ------------------------------------------------
// host.spawn(name, async (p) => …) runs a program; p.socket/bind/sendto/recvfrom/… are its syscalls.
export { Host, parseCidr } from "./host/host.js";
export type { HostOptions } from "./host/host.js";
// Running programs (docs/getting-started.md "Running a simulation"): handles, spins, the syscall trace.
export { Program, ProgramFailed } from "./host/program.js";
export type { ProgramExit, SpawnOptions } from "./host/program.js";
export { SpinError, SpinGuard, DEFAULT_SPIN_LIMIT } from "./sys/spin.js";
export { formatStrace, straceWriter, straceName, straceTime, straceString, straceSockaddr, formatEnterArgs } from "./sys/strace.js";
export type { StraceOptions, StraceWriter } from "./sys/strace.js";
export { SYSCALLS } from "./sys/syscall-boundary.js";
export type { SyscallEvent, SyscallListener, SyscallRecord, SyscallSpec, SyscallClass } from "./sys/syscall-boundary.js";
export { Process, toBytes, DEFAULT_NOFILE } from "./sys/process.js";
export type { Data } from "./sys/process.js";

// ---- tools ----------------------------------------------------------------
// ping(host, "10.0.0.2", { count }) prints like iputils ping.
export { ping } from "./host/ping.js";
export type { PingOptions, PingResult } from "./host/ping.js";
// Captures: push a tap on a device (link.a.taps.push((packet, dir, now) => …)), then
// new TcpdumpFormatter().format(packet, now) → a `tcpdump -nn` line; pcapFile / pcapngFile → file bytes.
export type { Device, Tap, TapDirection } from "./link/device.js";
export { TcpdumpFormatter, tcpdumpLine, formatTcpdumpTime, tcpdumpFlags } from "./tools/tcpdump.js";
export type { TcpdumpOptions } from "./tools/tcpdump.js";
export { PcapWriter, pcapFile, LINKTYPE_RAW } from "./tools/pcap.js";
export type { PcapOptions, CapturedPacket, PacketBytes } from "./tools/pcap.js";
export { PcapngWriter, pcapngFile } from "./tools/pcapng.js";
export type { PcapngOptions, CapturedIfPacket } from "./tools/pcapng.js";
export { Packet } from "./wire/packet.js";

// ---- socket addresses and constants ---------------------------------------
// sockaddrIn("10.0.0.2", 7) or the tuple ["10.0.0.2", 7]; AF_INET, SOCK_DGRAM, MSG_PEEK, SHUT_WR, …
export { sockaddrIn, sockaddrIn6, formatSockAddr } from "./socket/sockaddr.js";
export type { SockAddr, SockAddrIn, SockAddrIn6, SockAddrUn, SockAddrUnspec, SockAddrLike } from "./socket/sockaddr.js";
// Every constant of sockstack/constants (AF_*, SOCK_*, MSG_*, EPOLL*, POLL*, INADDR_*, FD_SETSIZE, WNOHANG, …).
export * from "./constants.js";
export type { OptionValue, Linger, Timeval } from "./socket/options.js";
export { ipv4, parseIpv4Address, formatIpv4Address } from "./wire/ipv4-address.js";
export type { Ipv4Address } from "./wire/ipv4-address.js";
export { ipv6, parseIpv6Address, parseIpv6Text, formatIpv6Address, v4Mapped, isV4Mapped } from "./wire/ipv6-address.js";
export type { Ipv6Address, Ipv6Text } from "./wire/ipv6-address.js";
export { Ip6Layer } from "./ip6/ip6-layer.js";
export type { Inet6Addr, Inet6AddrState, Ip6SendOptions } from "./ip6/ip6-layer.js";
export { Ndisc } from "./ip6/ndisc.js";
export type { RouterAdvertConfig } from "./ip6/ndisc.js";
export { Icmp6Layer } from "./icmp/icmp6-layer.js";
export type { Echo6Reply, Echo6Error, Echo6Listener } from "./icmp/icmp6-layer.js";

// ---- errors ---------------------------------------------------------------
// Every failing syscall throws a SysError: e.code "ECONNREFUSED", e.errno 111, e.message "recv: Connection refused".
export { SysError, isSysError } from "./core/sys-error.js";
export { errnoNumber, errnoName, strerror, isErrnoCode } from "./core/errno.js";
export type { ErrnoCode } from "./core/errno.js";

// ---- time, randomness, knobs ------------------------------------------------
// Times are integer microseconds: ms(5) === 5000, sec(1) === 1_000_000.
export { ms, sec, MS, SEC, MINUTE, HOUR } from "./core/time.js";
export type { Micros, Clock } from "./core/time.js";
export { Rng } from "./core/rng.js";
export { linuxSysctls } from "./core/sysctl.js";
export type { Sysctls } from "./core/sysctl.js";
export { Counters } from "./core/counters.js";
export type { CounterGroup } from "./core/counters.js";

// ---- more system calls: multiplexing, helpers (E2, E5, E6, E8) ------------
export { FdSet } from "./sys/select-poll.js";
export type { PollFd, PollEvents, SelectTimeout } from "./sys/select-poll.js";
export type { EpollEvent } from "./sys/epoll.js";
export { wrap, perror, ex, PerrExit } from "./sys/wrappers.js";
export type { Wrapped } from "./sys/wrappers.js";
export { htons, ntohs, htonl, ntohl, inet_pton, inet_ntop, inet_addr, inet_aton, inet_ntoa } from "./sys/inet.js";
export type { Thread, Address, Flags, FileOffset, Stat } from "./sys/process.js";
export { FileSystem, VnodeFile, MAX_FILE_SIZE } from "./sys/fs.js";
export { Pipe, PipeEnd, PIPE_SIZE, PIPE_BUF } from "./sys/pipe.js";
export type { StdinFeed, StdinScriptStep, OutputStream, OutputChunk, Terminal, StdioData } from "./sys/stdio.js";

// ---- TCP state and the views of a host (I1, I2) ----------------------------
export { TcpState, stateName, ssStateName, netstatStateName } from "./tcp/tcp-state.js";
export { tcpInfo } from "./tcp/tcp-info.js";
export type { TcpInfo } from "./tcp/tcp-info.js";
export { snapshot } from "./tools/snapshot.js";
export type { HostSnapshot, SocketSnapshot } from "./tools/snapshot.js";
export { ss, ssSummary } from "./tools/ss.js";
export { netstat, netstatStatistics } from "./tools/netstat.js";
export { lsof } from "./tools/lsof.js";
export { nstat } from "./tools/nstat.js";
export { Capture } from "./tools/capture.js";
export type { CaptureRecord, CaptureDirection, CaptureOptions, CaptureTextOptions } from "./tools/capture.js";
export { compileFilter, filterFromArgs, FilterSyntaxError } from "./tools/tcpdump-filter.js";
export type { PacketPredicate } from "./tools/tcpdump-filter.js";
export { hexDump } from "./tools/tcpdump.js";
export { formatFrame, formatArp } from "./tools/tcpdump-ether.js";
export { ipLink, ipAddr, ipNeigh, arpN, bridgeFdb } from "./tools/ip-views.js";
export type { IpNeighOptions } from "./tools/ip-views.js";
export { LINKTYPE_IPV4 } from "./tools/pcapng.js";
export { ladderConnections, ladderEvents } from "./tools/ladder.js";
export { ladderText } from "./tools/ladder-text.js";
export { ladderSvg } from "./tools/ladder-svg.js";
export type { LadderEvent, LadderOptions } from "./tools/ladder.js";

// ---- names, types and name resolution (issues 11 item 8, 12 items 8, 10, 11) ----
// Literal-union types of every named argument (a typo fails to compile), the option → value-type map,
// and hosts by name: net.hostsFile (an /etc/hosts), p.getaddrinfo / p.gethostbyname, connect(fd, ["server", 80]).
export type {
  DomainName, SockTypeName, SockFlagName, ProtocolName, MsgFlagName, ShutdownHowName, LevelName,
  FcntlCmdName, FcntlArgName, IoctlRequestName, CheckedName, CheckedFlags,
} from "./socket/names.js";
export type { SocketOptionTypes, OptionName, OptionNameAt, CheckedOptionName, OptionSetValue, OptionGetValue } from "./socket/options.js";
export type { PollEventName, EpollEventName, EpollOpName, EpollCreateFlagName, WaitOptionName, OpenFlagName, Pipe2FlagName, WhenceName, SpliceFlagName } from "./sys/names.js";
export type { SendData } from "./sys/process.js";
export {
  HostsTable, GaiError, getaddrinfo, gethostbyname, gai_strerror, EAI_CODES, SERVICES,
  AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST, AI_V4MAPPED, AI_ALL, AI_ADDRCONFIG, AI_NUMERICSERV,
} from "./sys/netdb.js";
export type { Resolver, HostsLine, AddrInfo, GaiCode, GetaddrinfoHints } from "./sys/netdb.js";
