/**
 * packetdrill's configuration: its command-line options (config.c's
 * option table, with the same names and arguments), the option lines of a
 * script's header (`--tolerance_usecs=10000`), and how the two combine —
 * as packetdrill does, the header is read first and the command line
 * overrides it, `-D`/`--define` symbols included.
 *
 * Options that change nothing in a simulation are accepted and named in
 * {@link NO_EFFECT}; options sockstack cannot honour (`--wire_client`,
 * `--so_filename`) make the script `unsupported` with the reason (see
 * {@link finalizeConfig}). `--ip_version` chooses packetdrill's three
 * flavours: ipv4 (AF_INET sockets, IPv4 packets), ipv4-mapped-ipv6
 * (AF_INET6 sockets bound and connected to `::ffff:a.b.c.d`, IPv4
 * packets) and ipv6 (AF_INET6 sockets, IPv6 packets).
 *
 * @example
 * const cli = parsePacketdrillArgs(["--ip_version=ipv4", "-D", "TFO_COOKIE=3021b9d889017eeb"]);
 * const cfg = finalizeConfig([{ name: "tolerance_usecs", value: "10000", line: 2 }], cli);
 * // cfg.ok && cfg.config.toleranceUsecs === 10000 && cfg.config.defines.TFO_COOKIE === "3021b9d889017eeb"
 */
import { formatIpv6Address, parseIpv6Address } from "../wire/ipv6-address.js";

/** Whether an option takes a value (config.c's `has_arg`). */
const OPTIONS: Record<string, boolean> = {
  ip_version: true,
  bind_port: true,
  code_command: true,
  code_format: true,
  code_sockopt: true,
  connect_port: true,
  remote_ip: true,
  local_ip: true,
  gateway_ip: true,
  netmask_ip: true,
  speed: true,
  mss: true,
  mtu: true,
  init_scripts: true,
  tolerance_usecs: true,
  tolerance_percent: true,
  wire_client: false,
  wire_server: false,
  wire_server_ip: true,
  wire_server_at: true,
  wire_server_port: true,
  wire_client_dev: true,
  wire_server_dev: true,
  so_filename: true,
  so_flags: true,
  tcp_ts_ecr_scaled: false,
  tcp_ts_tick_usecs: true,
  strict_segments: false,
  non_fatal: true,
  dry_run: false,
  is_anyip: false,
  send_omit_free: false,
  debug: false,
  define: true,
  verbose: false,
  // FreeBSD's packetdrill (the tcp-testsuite's): TCP over UDP encapsulation.
  udp_encapsulation: true,
};

/** Options accepted with no effect in a simulation, and why. */
export const NO_EFFECT: Readonly<Record<string, string>> = {
  speed: "the tun device has no line rate in packetdrill either (it sets the reported ethtool speed)",
  send_omit_free: "packetdrill's own buffer management for zero-copy sends; sockstack copies nothing it would free",
  debug: "packetdrill's debug logging",
  verbose: "packetdrill's verbose logging",
  gateway_ip: "the runner routes everything through the tun device; the gateway address only names the next hop",
  code_command: "sockstack evaluates %{ }% blocks itself (a Python subset), no interpreter is run",
};

/** Options that make a script unsupported, and why. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  wire_client: "packetdrill's two-machine wire mode needs real NICs",
  wire_server: "packetdrill's two-machine wire mode needs real NICs",
  wire_server_ip: "packetdrill's two-machine wire mode needs real NICs",
  wire_server_at: "packetdrill's two-machine wire mode needs real NICs",
  wire_server_port: "packetdrill's two-machine wire mode needs real NICs",
  wire_client_dev: "packetdrill's two-machine wire mode needs real NICs",
  wire_server_dev: "packetdrill's two-machine wire mode needs real NICs",
  so_filename: "packetdrill's shared-object stack mode loads a C library",
  so_flags: "packetdrill's shared-object stack mode loads a C library",
  is_anyip: "AnyIP (local routes to whole prefixes) is not implemented",
  udp_encapsulation: "TCP over UDP (FreeBSD's net.inet.tcp.udp_tunneling_port, an option of FreeBSD's packetdrill) is not implemented",
};

/** Options given on a command line: `--name=value`, `--name value`, `-D NAME=VALUE`, `-v`. */
export interface PacketdrillArgs {
  /** Options by name (the last one wins), without `define`. */
  options: Record<string, string>;
  /** `-D` / `--define` symbols in order (`NAME=VALUE`, or `NAME` = defined empty). */
  defines: Record<string, string>;
}

/** A command line packetdrill would refuse. */
export class PacketdrillArgError extends Error {}

/**
 * Parses packetdrill command-line options (not script paths). Throws a
 * {@link PacketdrillArgError} for an unknown option or a missing value.
 * @example parsePacketdrillArgs(["--mtu=1520", "-DX=1"]) // { options: { mtu: "1520" }, defines: { X: "1" } }
 */
export function parsePacketdrillArgs(argv: readonly string[]): PacketdrillArgs {
  const out: PacketdrillArgs = { options: {}, defines: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    let name: string;
    let value: string | undefined;
    if (a === "-v") { out.options["verbose"] = ""; continue; }
    if (a.startsWith("-D")) {
      name = "define";
      value = a.length > 2 ? a.slice(2) : argv[++i];
    } else if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      value = eq < 0 ? undefined : a.slice(eq + 1);
    } else throw new PacketdrillArgError(`unexpected argument '${a}'`);
    const hasArg = OPTIONS[name];
    if (hasArg === undefined) throw new PacketdrillArgError(`unrecognized option '--${name}'`);
    if (hasArg && value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new PacketdrillArgError(`option '--${name}' requires an argument`);
    }
    if (!hasArg && value !== undefined) throw new PacketdrillArgError(`option '--${name}' doesn't allow an argument`);
    if (name === "define") addDefine(out.defines, value!);
    else out.options[name] = value ?? "";
  }
  return out;
}

/**
 * Whether `name` is a packetdrill option: true when it takes a value,
 * false for a flag, undefined when packetdrill has no such option.
 * @example packetdrillOptionTakesValue("mtu") === true
 */
export function packetdrillOptionTakesValue(name: string): boolean | undefined {
  return OPTIONS[name];
}

function addDefine(into: Record<string, string>, text: string): void {
  const eq = text.indexOf("=");
  const name = eq < 0 ? text : text.slice(0, eq);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new PacketdrillArgError(`bad --define '${text}' (NAME=VALUE)`);
  into[name] = eq < 0 ? "" : text.slice(eq + 1);
}

/** packetdrill's three IP flavours (`--ip_version`). */
export type IpVersion = "ipv4" | "ipv4-mapped-ipv6" | "ipv6";

/** The flavours, in run_all.py's order. */
export const IP_VERSIONS: readonly IpVersion[] = ["ipv4", "ipv4-mapped-ipv6", "ipv6"];

/**
 * The arguments Google's `run_all.py` gives every script in each ip
 * version's run (gtests/net/packetdrill/run_all.py), `--send_omit_free`
 * first. The ipv6 run defines no `CODE` (ICMPv4 codes mean nothing there).
 */
export const RUN_ALL_ARGS: Readonly<Record<IpVersion, readonly string[]>> = {
  ipv4: [
    "--send_omit_free",
    "--ip_version=ipv4", "--local_ip=192.168.0.1", "--gateway_ip=192.168.0.1", "--netmask_ip=255.255.0.0", "--remote_ip=192.0.2.1",
    "-D", "TFO_COOKIE=3021b9d889017eeb", "-D", "CODE=host_unreachable", "-D", "CMSG_LEVEL_IP=SOL_IP", "-D", "CMSG_TYPE_RECVERR=IP_RECVERR",
  ],
  "ipv4-mapped-ipv6": [
    "--send_omit_free",
    "--ip_version=ipv4-mapped-ipv6", "--local_ip=192.168.0.1", "--gateway_ip=192.168.0.1", "--netmask_ip=255.255.0.0", "--remote_ip=192.0.2.1",
    "-D", "TFO_COOKIE=3021b9d889017eeb", "-D", "CODE=host_unreachable", "-D", "CMSG_LEVEL_IP=SOL_IPV6", "-D", "CMSG_TYPE_RECVERR=IPV6_RECVERR",
  ],
  ipv6: [
    "--send_omit_free",
    "--ip_version=ipv6", "--mtu=1520", "--local_ip=fd3d:0a0b:17d6::1", "--gateway_ip=fd3d:0a0b:17d6:8888::1", "--remote_ip=fd3d:fa7b:d17d::1",
    "-D", "TFO_COOKIE=c1d1e9742a47a9bc", "-D", "CMSG_LEVEL_IP=SOL_IPV6", "-D", "CMSG_TYPE_RECVERR=IPV6_RECVERR",
  ],
};

/** run_all.py's ipv4 arguments ({@link RUN_ALL_ARGS}`.ipv4`). */
export const RUN_ALL_IPV4_ARGS: readonly string[] = RUN_ALL_ARGS.ipv4;

/**
 * Whether run_all.py runs the script at `path` in `version`'s run: a name
 * ending in `v6.pkt` only in ipv6, one ending in `v4.pkt` only in ipv4 and
 * ipv4-mapped-ipv6, every other script in all three.
 * @example runAllRuns("tcp/mtu_probe/basic-v6.pkt", "ipv4") === false
 */
export function runAllRuns(path: string, version: IpVersion): boolean {
  if (path.endsWith("v6.pkt")) return version === "ipv6";
  if (path.endsWith("v4.pkt")) return version !== "ipv6";
  return true;
}

/** The runner's configuration of one script run. */
export interface PacketdrillConfig {
  ipVersion: IpVersion;
  /** The family of the packets on the wire: 4, or 6 in the ipv6 flavour. */
  wireFamily: 4 | 6;
  /** `socket(..., …)`'s domain: AF_INET (2) in ipv4, AF_INET6 (10) otherwise. */
  socketDomain: 2 | 10;
  /** The host's address on the wire (text). */
  localIp: string;
  /** The peer's address on the wire (text). */
  remoteIp: string;
  /** The address `bind(…, ...)` names: the local one, `::ffff:`-mapped in ipv4-mapped-ipv6. */
  bindIp: string;
  /** The address `connect(…, ...)` names: the remote one, `::ffff:`-mapped in ipv4-mapped-ipv6. */
  connectIp: string;
  /** Prefix length of the local interface (from `--netmask_ip`; 48 in ipv6, as packetdrill). */
  prefixLen: number;
  gatewayIp: string;
  bindPort: number;
  connectPort: number;
  /** tun MTU; packetdrill's default is 1500. */
  mtu: number;
  toleranceUsecs: number;
  tolerancePercent: number;
  /** µs per outbound TS val tick; 0 = TS val not checked (packetdrill's default). */
  tcpTsTickUsecs: number;
  tcpTsEcrScaled: boolean;
  strictSegments: boolean;
  nonFatalPacket: boolean;
  nonFatalSyscall: boolean;
  dryRun: boolean;
  /** `--init_scripts`: commands run before the script (comma-separated file names). */
  initScripts: string[];
  /** Every define in force: the caller's symbols, header `--define`s, then `-D`s. */
  defines: Record<string, string>;
}

/** One `--name=value` line of a script header. */
export interface HeaderOption {
  name: string;
  value: string;
  line: number;
}

/** {@link finalizeConfig}'s result: a config, or the option that cannot be honoured. */
export type ConfigResult =
  | { ok: true; config: PacketdrillConfig }
  | { ok: false; line: number; reason: string };

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** packetdrill's IPv6 defaults (config.c): a ULA /48 for the tun, the documentation prefix for the peer. */
export const IPV6_DEFAULTS = {
  /** packetdrill draws a random host in fd3d:fa7b:d17d::/48; sockstack takes ::1 in it, to stay deterministic. */
  local: "fd3d:fa7b:d17d::1",
  remote: "2001:db8::1",
  gateway: "fd3d:fa7b:d17d:8888::",
  prefixLen: 48,
} as const;

function netmaskToPrefix(mask: string): number | null {
  const m = IPV4.exec(mask);
  if (!m) return null;
  const n = ((+m[1]! << 24) | (+m[2]! << 16) | (+m[3]! << 8) | +m[4]!) >>> 0;
  let len = 0;
  while (len < 32 && n & (0x80000000 >>> len)) len++;
  return ((n << len) >>> 0) === 0 || len === 32 ? len : null;
}

/**
 * Combines the header options (`header`) and the command line (`cli`,
 * which wins) into the run's configuration, packetdrill's defaults
 * filling the rest (local 192.168.0.1 — packetdrill picks a random host
 * in 192.168.0.0/16 when none is given; sockstack takes the gateway's
 * address, deterministically — remote 192.0.2.1, /16, port 8080,
 * tolerance 4000 µs or 12.5 %, MTU 1500; in ipv6 {@link IPV6_DEFAULTS}).
 */
export function finalizeConfig(header: readonly HeaderOption[], cli: PacketdrillArgs, base: { toleranceUsecs?: number; defines?: Record<string, string> } = {}): ConfigResult {
  const opts = new Map<string, { value: string; line: number }>();
  for (const h of header) if (h.name !== "define" && h.name !== "D") opts.set(h.name, { value: h.value, line: h.line });
  for (const [k, v] of Object.entries(cli.options)) opts.set(k, { value: v, line: 0 });
  const defines: Record<string, string> = { ...base.defines };
  for (const h of header) {
    if (h.name === "define" || h.name === "D") {
      try { addDefine(defines, h.value); } catch (e) { return { ok: false, line: h.line, reason: (e as Error).message }; }
    }
  }
  Object.assign(defines, cli.defines);
  for (const [name, { line }] of opts) {
    if (OPTIONS[name] === undefined) return { ok: false, line, reason: `option --${name} is not a packetdrill option` };
    const why = UNSUPPORTED[name];
    if (why) return { ok: false, line, reason: `option --${name}: ${why}` };
  }
  const get = (n: string) => opts.get(n)?.value;
  const lineOf = (n: string) => opts.get(n)?.line ?? 0;
  const bad = (n: string, why = "bad value") => ({ ok: false as const, line: lineOf(n), reason: `--${n}=${get(n)}: ${why}` });
  const ipv = get("ip_version") ?? "ipv4";
  if (ipv !== "ipv4" && ipv !== "ipv6" && ipv !== "ipv4-mapped-ipv6") return bad("ip_version", "expected ipv4, ipv4-mapped-ipv6 or ipv6");
  const fmt = get("code_format");
  if (fmt !== undefined && fmt !== "python") return bad("code_format", "only the python format of %{ }% blocks is evaluated");
  const sockopt = get("code_sockopt");
  if (sockopt !== undefined && sockopt !== "" && sockopt !== "TCP_INFO") return bad("code_sockopt", "only TCP_INFO snapshots are given to %{ }% blocks");
  const v6 = ipv === "ipv6";
  const noPrefix = (v: string) => v.replace(/\/\d+$/, "");
  for (const n of ["gateway_ip", "local_ip", "remote_ip"]) {
    const v = get(n);
    if (v === undefined) continue;
    if (v6 ? parseIpv6Address(noPrefix(v)) === null : !IPV4.test(noPrefix(v))) return bad(n, v6 ? "not an IPv6 address" : "not an IPv4 address");
  }
  let local: string;
  let remote: string;
  let gateway: string;
  let prefixLen: number | null;
  if (v6) {
    // finalize_ipv6_config: the prefix is always /48; --netmask_ip is not read.
    gateway = formatIpv6Address(parseIpv6Address(noPrefix(get("gateway_ip") ?? IPV6_DEFAULTS.gateway))!);
    local = formatIpv6Address(parseIpv6Address(noPrefix(get("local_ip") ?? IPV6_DEFAULTS.local))!);
    remote = formatIpv6Address(parseIpv6Address(noPrefix(get("remote_ip") ?? IPV6_DEFAULTS.remote))!);
    prefixLen = IPV6_DEFAULTS.prefixLen;
  } else {
    gateway = noPrefix(get("gateway_ip") ?? "192.168.0.1");
    local = noPrefix(get("local_ip") ?? gateway);
    remote = noPrefix(get("remote_ip") ?? "192.0.2.1/24");
    prefixLen = netmaskToPrefix(get("netmask_ip") ?? "255.255.0.0");
    if (prefixLen === null) return bad("netmask_ip", "not a netmask");
  }
  const int = (n: string, dflt: number, min: number, max: number): number | null => {
    const v = get(n);
    if (v === undefined) return dflt;
    const x = Number(v);
    return Number.isInteger(x) && x >= min && x <= max ? x : null;
  };
  const bindPort = int("bind_port", 8080, 1, 65535);
  if (bindPort === null) return bad("bind_port");
  const connectPort = int("connect_port", 8080, 1, 65535);
  if (connectPort === null) return bad("connect_port");
  const mtu = int("mtu", 1500, 68, 65535);
  if (mtu === null) return bad("mtu");
  if (get("mss") !== undefined) {
    // packetdrill's --mss only feeds its TSO/GSO emulation of the wire mode; the tun path ignores it.
    const mss = int("mss", 0, 1, 65535);
    if (mss === null) return bad("mss");
  }
  const tolU = int("tolerance_usecs", base.toleranceUsecs ?? 4000, 0, 2 ** 31 - 1);
  if (tolU === null) return bad("tolerance_usecs");
  const tolP = get("tolerance_percent") === undefined ? 12.5 : Number(get("tolerance_percent"));
  if (!Number.isFinite(tolP) || tolP < 0 || tolP > 100) return bad("tolerance_percent");
  const tick = int("tcp_ts_tick_usecs", 0, 0, 2 ** 31 - 1);
  if (tick === null) return bad("tcp_ts_tick_usecs");
  const nonFatal = (get("non_fatal") ?? "").split(/[, ]+/).filter(Boolean);
  for (const k of nonFatal) if (k !== "packet" && k !== "syscall") return bad("non_fatal", "types are packet and syscall");
  return {
    ok: true,
    config: {
      ipVersion: ipv,
      wireFamily: v6 ? 6 : 4,
      socketDomain: ipv === "ipv4" ? 2 : 10,
      localIp: local,
      remoteIp: remote,
      bindIp: ipv === "ipv4-mapped-ipv6" ? `::ffff:${local}` : local,
      connectIp: ipv === "ipv4-mapped-ipv6" ? `::ffff:${remote}` : remote,
      prefixLen,
      gatewayIp: gateway,
      bindPort,
      connectPort,
      mtu,
      toleranceUsecs: tolU,
      tolerancePercent: tolP,
      tcpTsTickUsecs: tick,
      tcpTsEcrScaled: opts.has("tcp_ts_ecr_scaled"),
      strictSegments: opts.has("strict_segments"),
      nonFatalPacket: nonFatal.includes("packet"),
      nonFatalSyscall: nonFatal.includes("syscall"),
      dryRun: opts.has("dry_run"),
      initScripts: (get("init_scripts") ?? "").split(",").filter(Boolean),
      defines,
    },
  };
}
