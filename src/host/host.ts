/**
 * A host: the "kernel" that ties the layers together (DESIGN.md) — its
 * interfaces and routes, the protocol modules (ip, icmp, udp, tcp), the
 * sysctls and counters, and its processes. Hosts are created by a sim
 * `Network` (or the Node real-time driver), which supplies the clock.
 */
import { Counters } from "../core/counters.js";
import type { ErrnoCode } from "../core/errno.js";
import type { Rng } from "../core/rng.js";
import type { Scheduler } from "../core/scheduler.js";
import type { StackContext } from "../core/stack-context.js";
import { linuxSysctls, type Sysctls } from "../core/sysctl.js";
import type { Device } from "../link/device.js";
import { IcmpLayer } from "../icmp/icmp-layer.js";
import type { NetInterface } from "../ip/interface.js";
import { IpLayer } from "../ip/ip-layer.js";
import type { RouteMetrics } from "../ip/route-metrics.js";
import { Ip6Layer } from "../ip6/ip6-layer.js";
import { IP6_RT_PRIO_USER } from "../ip6/route6.js";
import { Icmp6Layer } from "../icmp/icmp6-layer.js";
import { formatIpv6Address, ipv6, isLinkLocal6, parseCidr6 } from "../wire/ipv6-address.js";
import { NET_AF_INET, NET_AF_INET6, parseInetAddress } from "../net/inet-address.js";
import { Ipv4Net } from "../net/ipv4-net.js";
import { Ipv6Net } from "../net/ipv6-net.js";
import { NetStack } from "../net/network-layer.js";
import { AF_INET, AF_INET6, AF_UNIX, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_STREAM } from "../socket/constants.js";
import { DgramSocket } from "../socket/dgram-socket.js";
import { PingSocket } from "../socket/ping-socket.js";
import { StreamSocket } from "../socket/stream-socket.js";
import { TcpLayer } from "../tcp/tcp-layer.js";
import type { Socket } from "../socket/socket.js";
import { UnixNamespace } from "../socket/unix-namespace.js";
import { createUnixSocket } from "../socket/unix-factory.js";
import type { UnixSocket } from "../socket/unix-socket.js";
import { Process, type Kernel } from "../sys/process.js";
import { HostsTable } from "../sys/netdb.js";
import { FileSystem } from "../sys/fs.js";
import { SpinGuard } from "../sys/spin.js";
import { formatEnterArgs } from "../sys/strace.js";
import type { SyscallHooks, SyscallListener } from "../sys/syscall-boundary.js";
import { Program, type SpawnOptions } from "./program.js";
import { UdpLayer } from "../udp/udp-layer.js";
import { ipv4, type Ipv4Address } from "../wire/ipv4-address.js";

/** Options of a host. */
export interface HostOptions {
  name: string;
  scheduler: Scheduler;
  rng: Rng;
  /** Sysctl overrides on top of the Linux defaults. */
  sysctl?: Partial<Sysctls>;
  /** Told when a blocked syscall wakes (the virtual-time driver's notifyWake). */
  notifyWake?: () => void;
  /**
   * The hosts table names are looked up in (a Network passes its shared
   * one and registers the host); by default a table of this host alone
   * (`localhost` and its own name).
   */
  hostsFile?: HostsTable;
  /** Steps without progress at one instant before a SpinError (default DEFAULT_SPIN_LIMIT). */
  spinLimit?: number;
}

/** Parses `"10.0.0.1/24"` (prefix defaults to 32). */
export function parseCidr(cidr: string): { addr: Ipv4Address; prefixLen: number } {
  const [a, p] = cidr.split("/");
  const prefixLen = p === undefined ? 32 : Number(p);
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 32) throw new TypeError(`bad prefix length in ${JSON.stringify(cidr)}`);
  return { addr: ipv4(a!), prefixLen };
}

/** Sysctls Linux no longer has: naming one is an error that says so rather than a knob that does nothing (C9). */
const REMOVED_SYSCTLS: Readonly<Record<string, string>> = {
  tcp_tw_recycle: "sysctl tcp_tw_recycle does not exist: net.ipv4.tcp_tw_recycle was removed in Linux 4.12 (it broke clients behind NAT); see tcp_tw_reuse",
};

/**
 * The Linux defaults with `overrides` applied. An unknown name throws a
 * TypeError (as `sysctl -w` fails with "cannot stat /proc/sys/…"), and the
 * table is sealed, so `host.sysctl.tcp_tw_recycle = 1` throws too.
 */
function sysctlTable(overrides: Partial<Sysctls> | undefined): Sysctls {
  const t = linuxSysctls();
  for (const [k, v] of Object.entries(overrides ?? {})) {
    if (!(k in t)) throw new TypeError(REMOVED_SYSCTLS[k] ?? `sysctl ${k} does not exist`);
    (t as unknown as Record<string, unknown>)[k] = v;
  }
  return Object.seal(t);
}

/** A host with its kernel and processes. */
export class Host implements Kernel {
  /** The kernel's resolver (Kernel.resolver): the hosts table. */
  get resolver(): HostsTable {
    return this.hostsFile;
  }
  readonly ctx: StackContext;
  readonly ip: IpLayer;
  /** The network layers the transports use, by address family (IPv4 today: src/net/README.md). */
  readonly net: NetStack;
  readonly icmp: IcmpLayer;
  /** The IPv6 layer (addresses, routes, Neighbor Discovery). */
  readonly ip6: Ip6Layer;
  /** ICMPv6. */
  readonly icmp6: Icmp6Layer;
  readonly udp: UdpLayer;
  readonly tcp: TcpLayer;
  /** The AF_UNIX name space of this host (socket paths, E7). */
  readonly unix = new UnixNamespace<UnixSocket>();
  /** The host's in-memory filesystem: /tmp, /dev/zero, /dev/null and what programs create (sys/fs.ts). */
  readonly fs = new FileSystem();
  /** Live processes by pid. */
  readonly processes = new Map<number, Process>();
  /** Processes that ended with an uncaught error (the network's run() reports them). */
  readonly crashed: Process[] = [];
  /** Where this host's programs look host names up (`connect(fd, ["server", 80])`, getaddrinfo): its /etc/hosts. */
  readonly hostsFile: HostsTable;
  /** Programs started with {@link Host.spawn} that have not exited yet. */
  readonly programs = new Set<Program>();
  /** Programs that exited with a non-zero status since the network last reported them. */
  readonly failed: Program[] = [];
  /** The syscall boundary's state: the spin detector and the tracer. */
  readonly sys: SyscallHooks;
  #tracers: SyscallListener[] = [];
  #nextPid = 1000;
  #nextInode = 10000;

  constructor(opts: HostOptions) {
    const notify = opts.notifyWake ?? (() => {});
    this.ctx = {
      hostName: opts.name,
      scheduler: opts.scheduler,
      rng: opts.rng,
      sysctl: sysctlTable(opts.sysctl),
      counters: new Counters(),
      notifyWake: notify,
      allocInode: () => this.#nextInode++,
    };
    this.sys = { spin: new SpinGuard(opts.scheduler, opts.spinLimit), trace: null, formatEnter: null };
    this.ip = new IpLayer(this.ctx);
    this.icmp = new IcmpLayer(this.ctx, this.ip);
    this.ip6 = new Ip6Layer(this.ctx, this.ip);
    this.icmp6 = new Icmp6Layer(this.ctx, this.ip6);
    // One identifier space for both families' ping endpoints (Linux's single ping_table).
    this.icmp.echo.peer = this.icmp6.echo;
    this.icmp6.echo.peer = this.icmp.echo;
    this.net = new NetStack(new Ipv4Net(this.ip));
    this.net.register(new Ipv6Net(this.ip6));
    this.udp = new UdpLayer(this.ctx, this.net);
    this.tcp = new TcpLayer(this.ctx, this.net);
    if (opts.hostsFile) this.hostsFile = opts.hostsFile;
    else {
      this.hostsFile = new HostsTable();
      this.hostsFile.addHost(opts.name, () => this.ipv4Addresses(), () => this.ipv6Addresses());
    }
  }

  /** Whether a packet to `addr` (an IPv4 or IPv6 text address) has a route and a source address here (RFC 6724 rule 1). */
  reachable(family: number, addr: string): boolean {
    const a = parseInetAddress(family === AF_INET6 ? NET_AF_INET6 : NET_AF_INET, addr);
    if (a === null) return false;
    const l = this.net.byFamily(family === AF_INET6 ? NET_AF_INET6 : NET_AF_INET);
    return !!l && l.route(a) !== null;
  }

  /**
   * Which families the host has an address of besides the loopback ones
   * (127.0.0.1, ::1): what glibc's getaddrinfo asks the kernel for
   * AI_ADDRCONFIG (__check_pf: a link-local IPv6 address counts).
   */
  addrconfig(): { ipv4: boolean; ipv6: boolean } {
    let ipv4 = false, ipv6 = false;
    for (const i of this.ip.interfaces) {
      if (i.addresses.some((a) => a.addr !== 0x7f000001)) ipv4 = true;
      if (!this.sysctl.disable_ipv6 && this.ip6.addresses(i).some((a) => formatIpv6Address(a.addr) !== "::1")) ipv6 = true;
    }
    return { ipv4, ipv6 };
  }

  /** The IPv4 addresses of the host's interfaces other than loopback, in the order they were assigned. */
  ipv4Addresses(): number[] {
    const out: number[] = [];
    for (const i of this.ip.interfaces) if (i !== this.ip.loopback) for (const a of i.addresses) out.push(a.addr);
    return out;
  }

  /**
   * The usable IPv6 addresses of the host's interfaces other than loopback
   * that are not link-local (what a hosts table lists for the host name),
   * RFC 5952 text, in the order they were assigned; none while IPv6 is
   * disabled on the links (`enableIpv6()` not called).
   */
  ipv6Addresses(): string[] {
    const out: string[] = [];
    if (this.sysctl.disable_ipv6) return out;
    for (const i of this.ip.interfaces) {
      if (i === this.ip.loopback) continue;
      for (const a of this.ip6.addresses(i)) {
        if ((a.state === "preferred" || a.state === "deprecated") && !isLinkLocal6(a.addr)) out.push(formatIpv6Address(a.addr));
      }
    }
    return out;
  }

  /** The host name. */
  get name(): string {
    return this.ctx.hostName;
  }

  /** The sysctl table (mutable: `host.sysctl.ip_forward = true`; sealed: no new names). */
  get sysctl(): Sysctls {
    return this.ctx.sysctl;
  }

  /** The SNMP counters. */
  get counters(): Counters {
    return this.ctx.counters;
  }

  /** Attaches a device, optionally with an address `"10.0.0.1/24"`. */
  addInterface(device: Device, cidr?: string): NetInterface {
    const iface = this.ip.addInterface(device);
    if (cidr) this.addAddress(iface, cidr);
    return iface;
  }

  /**
   * Adds an address (and its connected route) to an interface: IPv4
   * `"10.0.0.1/24"` or IPv6 `"2001:db8::1/64"` (`ip -6 addr add`:
   * tentative until DAD passes on Ethernet).
   */
  addAddress(iface: NetInterface | string, cidr: string): void {
    const i = typeof iface === "string" ? this.ip.interfaceByName(iface) : iface;
    if (!i) throw new TypeError(`${this.name}: no interface ${iface}`);
    if (cidr.includes(":")) {
      const a6 = parseCidr6(cidr);
      this.ip6.addAddress(i, a6.addr, a6.prefixLen);
      return;
    }
    const { addr, prefixLen } = parseCidr(cidr);
    this.ip.addAddress(i, addr, prefixLen);
  }

  /**
   * Adds a route: `addRoute("default", "10.0.0.254")`,
   * `addRoute("192.168.1.0/24", "10.0.0.1")`, or with a device and no gateway.
   * `metrics`: the route's metrics, as `ip route add … advmss 600 mtu lock
   * 640 initcwnd 11` sets them (ip/route-metrics.ts: what TCP reads of the path).
   */
  addRoute(dest: string, via?: string, dev?: string, metrics?: RouteMetrics): void {
    if (dest.includes(":") || via?.includes(":") || (dest === "default6")) {
      this.#addRoute6(dest === "default6" ? "::/0" : dest, via, dev, metrics);
      return;
    }
    const { addr, prefixLen } = dest === "default" ? { addr: 0, prefixLen: 0 } : parseCidr(dest);
    const gateway = via ? ipv4(via) : 0;
    let iface: NetInterface | undefined;
    if (dev) iface = this.ip.interfaceByName(dev);
    else if (gateway) iface = this.ip.routes.lookup(gateway)?.iface;
    if (!iface) throw new TypeError(`${this.name}: no interface to reach ${via ?? dev ?? dest}`);
    this.ip.routes.add({ dest: addr, prefixLen, gateway, iface, metrics });
  }

  #addRoute6(dest: string, via?: string, dev?: string, metrics?: RouteMetrics): void {
    const { addr, prefixLen } = parseCidr6(dest === "default" ? "::/0" : dest);
    const gateway = via ? ipv6(via) : undefined;
    let iface: NetInterface | undefined;
    if (dev) iface = this.ip.interfaceByName(dev);
    else if (gateway) iface = this.ip6.routes.lookup(gateway, this.ctx.scheduler.now())?.iface;
    if (!iface) throw new TypeError(`${this.name}: no interface to reach ${via ?? dev ?? dest}`);
    this.ip6.routes.add({ dest: addr, prefixLen, gateway, iface, metric: IP6_RT_PRIO_USER, metrics });
  }

  /**
   * Turns IPv6 on for every interface (`sysctl -w
   * net.ipv6.conf.all.disable_ipv6=0`; sockstack's default keeps it off,
   * docs/ipv6.md): link-local addresses, DAD, router solicitation.
   */
  enableIpv6(): void {
    this.ip6.enable();
  }

  /** The primary address of the first non-loopback interface (for messages and demos). */
  get address(): string {
    const i = this.ip.interfaces.find((x) => x !== this.ip.loopback && x.addresses.length);
    const a = i?.addresses[0]?.addr ?? 0x7f000001;
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }

  /** socket(2) dispatch by family, type and protocol (Linux's errnos for the unsupported). */
  createSocket(domain: number, type: number, protocol: number): Socket | ErrnoCode {
    if (type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_RAW && type !== SOCK_SEQPACKET && type !== 4 && type !== 10) return "EINVAL";
    if (domain === AF_INET || domain === AF_INET6) {
      if (type === SOCK_DGRAM) {
        if ((domain === AF_INET6 && protocol === IPPROTO_ICMPV6) || (domain === AF_INET && protocol === IPPROTO_ICMP)) {
          // Linux ping_init_sock: the caller's group must be in net.ipv4.ping_group_range (processes are group 0).
          const [lo, hi] = this.ctx.sysctl.ping_group_range;
          if (!(lo <= 0 && 0 <= hi)) return "EACCES";
          return domain === AF_INET6 ? new PingSocket(this.ctx, { v6: this.icmp6, ip6: this.ip6 }) : new PingSocket(this.ctx, { v4: this.icmp, ip: this.ip });
        }
        if (protocol !== 0 && protocol !== IPPROTO_UDP) return "EPROTONOSUPPORT";
        return new DgramSocket(this.ctx, this.udp, domain);
      }
      if (type === SOCK_STREAM) {
        if (protocol !== 0 && protocol !== IPPROTO_TCP) return "EPROTONOSUPPORT";
        return new StreamSocket(this.ctx, this.tcp, undefined, domain);
      }
      return "ESOCKTNOSUPPORT";
    }
    if (domain === AF_UNIX) return createUnixSocket(this.ctx, this.unix, type, protocol);
    return "EAFNOSUPPORT";
  }

  /** Creates a process without a program (test code drives its syscalls). */
  createProcess(name: string, ppid = 1): Process {
    const p = new Process(this, this.#nextPid++, name, ppid);
    this.processes.set(p.pid, p);
    return p;
  }

  /** A new id from the pid space (threads). */
  allocPid(): number {
    return this.#nextPid++;
  }

  /**
   * Starts a program: `main` runs as async code making syscalls on `p`.
   * Returns its {@link Program} handle: `exited` (status, return value,
   * error), `result` (the return value), `kill()`, the terminal. A number
   * returned is the exit status; an uncaught error ends the process with
   * status 1, is kept in `crashed` and makes `net.run()` reject. A client
   * (default) is waited for by `net.run()`; a daemon (`{ daemon: true }`,
   * servers) is not.
   * @example
   * server.spawn("sink", async (p) => {
   *   const fd = p.socket("AF_INET", "SOCK_DGRAM");
   *   p.bind(fd, ["0.0.0.0", 9]);
   *   for (;;) await p.recv(fd, 100);
   * }, { daemon: true });
   * const c = client.spawn("client", async (p) => p.socket("AF_INET", "SOCK_DGRAM"));
   * await net.run();                 // until "client" has exited
   * const fd = await c.result;       // 3
   */
  spawn<T>(name: string, main: (p: Process) => Promise<T> | T, opts: SpawnOptions = {}): Program<T> {
    const p = this.createProcess(name);
    const h = new Program<T>(p, opts.daemon ?? false);
    this.programs.add(h);
    void p.whenExited().then((code) => {
      this.programs.delete(h);
      if (code !== 0) this.failed.push(h);
    });
    p.run(main);
    return h;
  }

  /**
   * Traces every system call of this host's processes (strace -f): `fn`
   * gets an event per call entry (blocking calls), return and process exit.
   * Returns the function that stops it. See `formatStrace`/`straceWriter`.
   * @example
   * const stop = host.strace(straceWriter((line) => console.log(line)));
   */
  strace(fn: SyscallListener): () => void {
    this.#tracers.push(fn);
    this.#updateTrace();
    return () => {
      const i = this.#tracers.indexOf(fn);
      if (i >= 0) this.#tracers.splice(i, 1);
      this.#updateTrace();
    };
  }

  #updateTrace(): void {
    const ts = this.#tracers.slice();
    this.sys.trace = ts.length === 0 ? null : ts.length === 1 ? ts[0]! : (ev) => { for (const t of ts) t(ev); };
    this.sys.formatEnter = ts.length === 0 ? null : (rec) => formatEnterArgs(rec);
  }

  /** Kernel hook: a process ended (the tracer's `+++ exited with N +++`). */
  traceExit(p: Process, code: number, signal: string | null): void {
    this.sys.trace?.({ kind: "exited", host: this.name, pid: p.pid, process: p.name, time: this.ctx.scheduler.now(), code, signal });
  }

  /**
   * Powers the host off: every timer of its stack stops and its processes
   * are forgotten (their pending syscalls never return). Used by reboots
   * and crash simulations; the interfaces' devices can be reused.
   */
  shutdown(): void {
    this.tcp.shutdownTimers();
    this.ip.halt(); // no IPv4 packet of this incarnation leaves any more (its devices may be a rebooted host's)
    this.ip6.halt(); // nor any IPv6 packet
    for (const i of this.ip.interfaces) i.device.onReceive = () => {};
    this.processes.clear();
  }

  /** Kernel hook: a process exited. */
  processExited(p: Process): void {
    this.processes.delete(p.pid);
  }
}
