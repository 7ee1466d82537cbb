/**
 * The simulated network: hosts, the links and segments between them, and
 * the virtual clock that drives them all. Every random choice (ISNs,
 * ports, impairments) comes from the network's seed, so the same seed and
 * the same program give the same packets, byte for byte.
 *
 * @example
 * const net = new Network({ seed: 1 });
 * const a = net.addHost("a"), b = net.addHost("b");
 * net.link(a, b, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(5) });
 * b.spawn("echo", async (p) => {
 *   // … socket, bind, recvfrom, sendto …
 * });
 * await net.run();
 */
import { Rng } from "../core/rng.js";
import { Scheduler } from "../core/scheduler.js";
import type { Sysctls } from "../core/sysctl.js";
import type { Micros } from "../core/time.js";
import { Host } from "../host/host.js";
import type { NetInterface } from "../ip/interface.js";
import { HostsTable } from "../sys/netdb.js";
import { formatIpv4Address, inPrefix } from "../wire/ipv4-address.js";
import { Link, type LinkOptions } from "./link.js";
import { EtherLink, type EtherLinkOptions } from "./ether-link.js";
import { Switch, type SwitchOptions, type SwitchPort } from "./switch.js";
import { EthernetDevice, type FrameEndpoint } from "../link/ethernet.js";
import { ExternalWire, type FrameSink } from "../link/external.js";
import { localMacFrom, parseMac, type MacAddress } from "../wire/ethernet.js";
import type { LinkConfigInput } from "./impairments.js";
import { SharedSegment, type SharedSegmentOptions } from "./shared-segment.js";
import { SpinError } from "../sys/spin.js";
import { describeCall, type SyscallListener } from "../sys/syscall-boundary.js";
import { VirtualDriver, type RunOptions, type RunResult, type RunUntilOptions, type VirtualDriverOptions } from "./virtual-driver.js";

/** Options of a {@link Network}. */
export interface NetworkOptions {
  /** Seed of every random choice (default 1). */
  seed?: number | string;
  /** Driver options (warnings, yielding policy). */
  driver?: VirtualDriverOptions;
  /** Kernel calls without progress at one instant before a SpinError (per host; default DEFAULT_SPIN_LIMIT, 100,000). */
  spinLimit?: number;
}

/** The virtual time `net.run()` may take before it gives up (1 hour). */
export const DEFAULT_RUN_LIMIT: Micros = 3600 * 1_000_000;

/** Options of {@link Network.run}. */
export interface NetworkRunOptions extends RunOptions {
  /**
   * Virtual time (µs) the run may take before it fails with a
   * {@link RunLimitError} listing what is still pending (default
   * {@link DEFAULT_RUN_LIMIT}, one hour). Not applied with `until`.
   */
  limit?: Micros;
  /** Ignore client programs: run until nothing is left to do (no timer armed), as with no clients. */
  untilIdle?: boolean;
}

/** What {@link Network.run} returns. */
export interface NetworkRunResult extends RunResult {
  /** Programs that exited with a non-zero status during the run (wrap()'s exit(1), kills). */
  failed: { host: string; name: string; pid: number; code: number }[];
}

/**
 * `net.run()` reached its virtual-time limit with client programs still
 * running (or, without clients, with work still scheduled). The message
 * lists each process and thread, the call it is blocked in, and the next timers.
 */
export class RunLimitError extends Error {
  constructor(limit: Micros, readonly pending: string) {
    super(`net.run(): still running after ${limit / 1e6} s of virtual time (the limit; pass { limit } to change it, or mark servers { daemon: true })\n${pending}`);
    this.name = "RunLimitError";
  }
}

/** Options of {@link Network.addHost}. */
export interface AddHostOptions {
  /** Sysctl overrides. */
  sysctl?: Partial<Sysctls>;
  /** Route between interfaces (sets ip_forward). */
  router?: boolean;
}

/** Options of {@link Network.link}: addresses of both ends plus link conditions. */
export interface NetworkLinkOptions extends LinkOptions {
  /** Address of the `a` side, `"10.0.0.1/24"`. */
  a?: string;
  /** Address of the `b` side. */
  b?: string;
  /**
   * Automatic addressing when neither `a` nor `b` is given (default true):
   * the link gets the first free subnet 10.X.Y.0/24 in the order
   * 10.0.0.0, 10.0.1.0, … 10.0.255.0, 10.1.0.0, …, skipping any subnet an
   * interface of the network already uses; `a` gets .1 and `b` gets .2.
   * false leaves both ends without an address.
   */
  auto?: boolean;
  /**
   * `"p2p"` (default): a point-to-point IP link without a link layer.
   * `"ethernet"`: two Ethernet cards (MACs, ARP, MTU 1500) joined by a
   * cable; see {@link Network.link}'s Ethernet overload.
   */
  kind?: "p2p";
}

/** Options of an Ethernet {@link Network.link}. */
export interface NetworkEtherLinkOptions extends EtherLinkOptions {
  kind: "ethernet";
  /** Address of the `a` side (automatic numbering as for point-to-point links). */
  a?: string;
  b?: string;
  auto?: boolean;
  aName?: string;
  bName?: string;
  /** MAC of the `a` card (default: derived from the seed, host and interface name). */
  aMac?: string;
  bMac?: string;
}

/** An Ethernet link created by {@link Network.link}. */
export interface NetworkEtherLink {
  link: EtherLink;
  aIface: NetInterface;
  bIface: NetInterface;
}

/** Options of {@link Network.attach} for a switch. */
export interface SwitchAttachOptions extends EtherLinkOptions {
  /** Interface name (default the next free `ethN`). */
  name?: string;
  /** The card's MAC (default: derived from the seed, host and interface name). */
  mac?: string;
}

/** A link created by {@link Network.link}, with the interfaces it attached. */
export interface NetworkLink {
  link: Link;
  aIface: NetInterface;
  bIface: NetInterface;
}

/** A deterministic simulated network. */
export class Network {
  readonly scheduler = new Scheduler();
  readonly rng: Rng;
  readonly driver: VirtualDriver;
  readonly hosts = new Map<string, Host>();
  readonly links: Link[] = [];
  readonly segments: SharedSegment[] = [];
  /** Ethernet cables: Ethernet links and switch port cables. */
  readonly cables: EtherLink[] = [];
  /** Switches, in creation order. */
  readonly switches: Switch[] = [];
  /** Subnet of each switch that numbers its hosts automatically. */
  readonly #switchNet = new Map<Switch, { net: number; next: number }>();
  /**
   * The network's hosts table, an /etc/hosts every host shares: each
   * host's name with its current addresses, plus lines you add
   * (`net.hostsFile.add("10.0.0.2", "www.example.com")`).
   * `String(net.hostsFile)` prints it. Lookups are instantaneous and send
   * no packets. (`net.hosts` is the map of Host objects by name.)
   */
  readonly hostsFile = new HostsTable();
  #reboots = 0;
  readonly #spinLimit: number | undefined;
  readonly #tracers: SyscallListener[] = [];

  constructor(opts: NetworkOptions = {}) {
    this.rng = new Rng(opts.seed ?? 1);
    this.#spinLimit = opts.spinLimit;
    this.driver = new VirtualDriver(this.scheduler, { describe: () => this.describePending(), ...opts.driver });
  }

  /** Current virtual time in µs. */
  now(): Micros {
    return this.scheduler.now();
  }

  /** Adds a host named `name` (its RNG stream is derived from the seed and the name). */
  addHost(name: string, opts: AddHostOptions = {}): Host {
    if (typeof name !== "string" || !/^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/.test(name)) {
      throw new TypeError(`host name ${JSON.stringify(name)}: use letters, digits, "-", "_" and "." (it goes into the hosts table)`);
    }
    if (this.hosts.has(name)) throw new TypeError(`host ${name} already exists`);
    const host = new Host({
      name,
      scheduler: this.scheduler,
      rng: this.rng.fork(`host:${name}`),
      sysctl: { ...opts.sysctl, ...(opts.router ? { ip_forward: true } : {}) },
      notifyWake: () => this.driver.notifyWake(),
      hostsFile: this.hostsFile,
      spinLimit: this.#spinLimit,
    });
    for (const t of this.#tracers) host.strace(t);
    this.hosts.set(name, host);
    // Read live through the map, so a rebooted host (a new object) is found too.
    this.hostsFile.addHost(name, () => this.hosts.get(name)?.ipv4Addresses() ?? [], () => this.hosts.get(name)?.ipv6Addresses() ?? []);
    return host;
  }

  /** The host named `name` (throws when absent). */
  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new TypeError(`no host ${name}`);
    return h;
  }

  /**
   * Connects two hosts with an Ethernet cable: each gets an Ethernet card
   * (a MAC derived from the seed unless given, MTU 1500) and they find
   * each other with ARP. Addresses as for point-to-point links.
   * @example
   * const { link } = net.link(client, server, { kind: "ethernet", latency: ms(1) });
   * link.partition();   // pull the cable: neighbours go STALE → PROBE → FAILED
   */
  link(a: Host, b: Host, opts: NetworkEtherLinkOptions): NetworkEtherLink;
  /**
   * Connects two hosts with a point-to-point link. Interface names default to
   * `eth0`, `eth1`, … in creation order on each host. Without `a` and `b`
   * addresses the link is numbered automatically (see
   * {@link NetworkLinkOptions.auto}): the first link 10.0.0.1/24 (a) and
   * 10.0.0.2/24 (b), the next 10.0.1.1/24 and 10.0.1.2/24, and so on.
   * @example
   * net.link(client, server);                // client 10.0.0.1, server 10.0.0.2
   * net.link(client, server, { a: "192.168.1.1/24", b: "192.168.1.2/24", latency: ms(5) });
   */
  link(a: Host, b: Host, opts?: NetworkLinkOptions): NetworkLink;
  link(a: Host, b: Host, opts: NetworkLinkOptions | NetworkEtherLinkOptions = {}): NetworkLink | NetworkEtherLink {
    if (opts.kind === "ethernet") return this.#etherLink(a, b, opts);
    const aName = opts.aName ?? nextEth(a);
    const bName = opts.bName ?? nextEth(b);
    let aAddr = opts.a, bAddr = opts.b;
    if (aAddr === undefined && bAddr === undefined && opts.auto !== false) {
      const net = this.#freeSubnet();
      aAddr = `${formatIpv4Address(net + 1)}/24`;
      bAddr = `${formatIpv4Address(net + 2)}/24`;
    }
    const link = new Link(this.scheduler, this.rng.fork(`link:${this.links.length}`), { ...opts, aName, bName });
    this.links.push(link);
    const aIface = a.addInterface(link.a, aAddr);
    const bIface = b.addInterface(link.b, bAddr);
    return { link, aIface, bIface };
  }

  #etherLink(a: Host, b: Host, opts: NetworkEtherLinkOptions): NetworkEtherLink {
    const { kind: _k, a: aAddr0, b: bAddr0, auto, aName: an, bName: bn, aMac, bMac, ...cable } = opts;
    let aAddr = aAddr0, bAddr = bAddr0;
    if (aAddr === undefined && bAddr === undefined && auto !== false) {
      const net = this.#freeSubnet();
      aAddr = `${formatIpv4Address(net + 1)}/24`;
      bAddr = `${formatIpv4Address(net + 2)}/24`;
    }
    const aDev = this.ethernetCard(a, an ?? nextEth(a), aMac);
    const bDev = this.ethernetCard(b, bn ?? nextEth(b), bMac);
    const link = new EtherLink(this.scheduler, this.rng.fork(`cable:${this.cables.length}`), aDev, bDev, cable);
    this.cables.push(link);
    aDev.wire = bDev.wire = link;
    const aIface = a.addInterface(aDev, aAddr);
    const bIface = b.addInterface(bDev, bAddr);
    return { link, aIface, bIface };
  }

  /**
   * A new Ethernet card for `host` named `name` (not yet attached to the
   * host nor plugged in): its MAC is `mac`, or a locally administered one
   * derived from the seed, the host name and the interface name.
   */
  ethernetCard(host: Host, name: string, mac?: string): EthernetDevice {
    return new EthernetDevice({ name, mac: mac ? parseMac(mac) : this.macFor(host.name, name), scheduler: this.scheduler });
  }

  /** The MAC the network gives interface `ifName` of host `hostName` (deterministic from the seed). */
  macFor(hostName: string, ifName: string): MacAddress {
    const r = this.rng.fork(`mac:${hostName}:${ifName}`);
    const b = new Uint8Array(6);
    for (let i = 0; i < 6; i++) b[i] = r.below(256);
    return localMacFrom(b);
  }

  /** Creates a learning switch (see sim/switch.ts). */
  switch(opts: SwitchOptions = {}): Switch {
    const sw = new Switch(this.scheduler, { name: `sw${this.switches.length}`, ...opts });
    this.switches.push(sw);
    return sw;
  }

  /** Plugs `endpoint` into a new port of `sw` with a cable of `conditions`; returns the port and cable. */
  #plug(sw: Switch, endpoint: FrameEndpoint & { wire: unknown }, conditions: EtherLinkOptions): { port: SwitchPort; cable: EtherLink } {
    const port = sw.addPort();
    const cable = new EtherLink(this.scheduler, this.rng.fork(`cable:${this.cables.length}`), endpoint, port, conditions);
    this.cables.push(cable);
    (endpoint as { wire: EtherLink }).wire = cable;
    port.wire = cable;
    return { port, cable };
  }

  /**
   * The embedding surface (docs/embedding.md): attaches an external frame
   * source/sink — a WebSocket relay, an emulator's network card, another
   * network — to a new port of switch `sw`, or to `host` as a new Ethernet
   * card (named and addressed by `opts`, as {@link attach} does). Frames
   * sent towards the outside go to `sink.send(frame)` (bytes, Ethernet
   * header first, checksums final); frames from outside go in with
   * `receive(frame)`, delivered in a later event at the current instant.
   * @example
   * const sw = net.switch();
   * const relay: Uint8Array[] = [];
   * const ext = net.attachExternal(sw, { send: (f) => relay.push(f) });
   * ext.receive(bytes);   // a frame from the outside world
   */
  attachExternal(sw: Switch, sink: FrameSink): ExternalWire & { port: SwitchPort };
  attachExternal(host: Host, sink: FrameSink, opts?: { name?: string; mac?: string; cidr?: string }): ExternalWire & { iface: NetInterface };
  attachExternal(target: Switch | Host, sink: FrameSink, opts: { name?: string; mac?: string; cidr?: string } = {}): ExternalWire & { port?: SwitchPort; iface?: NetInterface } {
    if (target instanceof Switch) {
      const port = target.addPort();
      const wire = new ExternalWire(this.scheduler, port, sink) as ExternalWire & { port: SwitchPort };
      wire.port = port;
      port.wire = wire;
      return wire;
    }
    const dev = this.ethernetCard(target, opts.name ?? nextEth(target), opts.mac);
    const wire = new ExternalWire(this.scheduler, dev, sink) as ExternalWire & { iface: NetInterface };
    dev.wire = wire;
    wire.iface = target.addInterface(dev, opts.cidr);
    return wire;
  }

  /** The first 10.X.Y.0/24 no interface of the network has an address in (automatic link addressing). */
  #freeSubnet(): number {
    const used: { addr: number; prefixLen: number }[] = [];
    for (const h of this.hosts.values()) {
      for (const i of h.ip.interfaces) if (i !== h.ip.loopback) used.push(...i.addresses);
    }
    for (let n = 0; n < 65536; n++) {
      const net = (0x0a000000 + (n << 8)) >>> 0;
      // Taken when an address lies in this /24, or this /24 lies in a (wider) subnet in use.
      if (!used.some((u) => inPrefix(u.addr, net, 24) || inPrefix(net, u.addr, Math.min(u.prefixLen, 24)))) return net;
    }
    throw new RangeError("automatic addressing: every 10.X.Y.0/24 is in use; give addresses with { a, b }");
  }

  /** Creates a shared segment (a hub/switch without ARP). */
  segment(opts: SharedSegmentOptions = {}): SharedSegment {
    const s = new SharedSegment(this.scheduler, this.rng.fork(`segment:${this.segments.length}`), opts);
    this.segments.push(s);
    return s;
  }

  /** Attaches `host` to `segment` with address `cidr`. */
  attach(host: Host, segment: SharedSegment, cidr: string, name?: string): NetInterface;
  /**
   * Plugs a new Ethernet card of `host` into a new port of switch `sw`,
   * with a cable of the given conditions (per-port impairments). `cidr`
   * undefined numbers the host automatically (the switch's subnet, the
   * first free 10.X.Y.0/24, hosts .1, .2, … in attach order); null leaves
   * it without an address (DHCP).
   * @example
   * const sw = net.switch();
   * net.attach(client, sw);                                 // 10.0.0.1/24
   * net.attach(server, sw, "10.0.0.2/24", { loss: 0.01 });   // a lossy cable
   */
  attach(host: Host, sw: Switch, cidr?: string | null, opts?: SwitchAttachOptions): NetInterface;
  attach(host: Host, target: SharedSegment | Switch, cidr?: string | null, nameOrOpts?: string | SwitchAttachOptions): NetInterface {
    if (target instanceof Switch) return this.#attachSwitch(host, target, cidr, typeof nameOrOpts === "object" ? nameOrOpts : {});
    const segment = target;
    const name = typeof nameOrOpts === "string" ? nameOrOpts : undefined;
    if (typeof cidr !== "string") throw new TypeError("attach to a segment: give the address (\"10.0.0.1/24\")");
    const holder: { iface?: NetInterface } = {};
    const dev = segment.attach(name ?? nextEth(host), (addr) => !!holder.iface && (holder.iface.hasAddress(addr) || holder.iface.isBroadcast(addr)));
    holder.iface = host.addInterface(dev, cidr);
    return holder.iface;
  }

  #attachSwitch(host: Host, sw: Switch, cidr: string | null | undefined, opts: SwitchAttachOptions): NetInterface {
    const { name, mac, ...conditions } = opts;
    const dev = this.ethernetCard(host, name ?? nextEth(host), mac);
    this.#plug(sw, dev, conditions as LinkConfigInput);
    let addr: string | undefined;
    if (cidr === undefined) {
      let n = this.#switchNet.get(sw);
      if (!n) {
        n = { net: this.#freeSubnet(), next: 1 };
        this.#switchNet.set(sw, n);
      }
      if (n.next > 254) throw new RangeError(`${sw.name}: automatic addressing has used 10.x.y.1–254; give addresses`);
      addr = `${formatIpv4Address(n.net + n.next++)}/24`;
    } else if (cidr !== null) addr = cidr;
    return host.addInterface(dev, addr);
  }

  /**
   * Reboots a host: a fresh kernel (no sockets, no processes, new random
   * state) on the same interfaces with the same addresses and routes. Peers
   * that still have connections to it get RSTs for their next segments (C7,
   * G4). Returns the new Host (the old object is dead).
   */
  reboot(name: string): Host {
    const old = this.host(name);
    this.#reboots++;
    const host = new Host({
      name,
      scheduler: this.scheduler,
      rng: this.rng.fork(`host:${name}:boot${this.#reboots}`),
      sysctl: { ...old.sysctl },
      notifyWake: () => this.driver.notifyWake(),
      hostsFile: this.hostsFile,
      spinLimit: this.#spinLimit,
    });
    for (const t of this.#tracers) host.strace(t);
    old.shutdown();
    for (const iface of old.ip.interfaces) {
      if (iface === old.ip.loopback) continue;
      const n = host.ip.addInterface(iface.device);
      for (const a of iface.addresses) host.ip.addAddress(n, a.addr, a.prefixLen);
    }
    for (const r of old.ip.routes.routes) {
      if (r.proto !== "static") continue;
      const n = host.ip.interfaceByName(r.iface.name);
      if (n) host.ip.routes.add({ dest: r.dest, prefixLen: r.prefixLen, gateway: r.gateway, iface: n, src: r.src, metric: r.metric });
    }
    this.hosts.set(name, host);
    return host;
  }

  /**
   * Runs the simulation until every client program has exited — programs
   * started with `host.spawn(…)` without `{ daemon: true }` — and what they
   * sent has landed (no packet in flight, the instant settled, as
   * {@link Network.settle}). Without client programs
   * (only daemons, or hand-driven processes), runs until nothing is left
   * to do (no timer armed). Either way it also stops when nothing is left
   * to do (clients blocked forever stay blocked), at `opts.until`
   * (absolute µs), and fails with a {@link RunLimitError} after
   * `opts.limit` of virtual time (default one hour) — a periodic timer
   * (keepalive, a heartbeat) never lets the simulation go idle.
   * Rejects with the error of a crashed program (after the run, so other
   * hosts are not cut short); programs that exited with a non-zero status
   * are listed in the result's `failed`.
   * @example
   * server.spawn("idle", () => new Promise<never>(() => {}), { daemon: true });
   * client.spawn("client", (p) => p.close(p.socket("AF_INET", "SOCK_DGRAM")));
   * const r = await net.run();        // returns when "client" has exited
   * r.failed.length === 0;
   */
  async run(opts: NetworkRunOptions = {}): Promise<NetworkRunResult> {
    const start = this.now();
    const limited = opts.until === undefined;
    const limit = opts.limit ?? DEFAULT_RUN_LIMIT;
    const hasClients = !opts.untilIdle && this.#liveClients() > 0;
    const stopWhen = opts.stopWhen ?? (hasClients ? () => this.#liveClients() === 0 && this.#inFlight() === 0 : undefined);
    let r: RunResult;
    try {
      r = await this.driver.run({ until: limited ? start + limit : opts.until, maxEvents: opts.maxEvents, stopWhen });
    } finally {
      this.#checkCrashes();
    }
    if (limited && r.reason === "until") throw new RunLimitError(limit, this.describePending());
    const failed: NetworkRunResult["failed"] = [];
    for (const h of this.hosts.values()) {
      for (const p of h.failed.splice(0)) failed.push({ host: h.name, name: p.name, pid: p.pid, code: p.exitCode! });
    }
    return { ...r, failed };
  }

  /**
   * Runs until no packet is in flight on any link or segment and nothing
   * is due at the current instant: "let what was sent land" without
   * guessing a delay. Timers further ahead (retransmissions, keepalive,
   * delayed ACKs) do not count unless a packet is still on its way.
   * Returns the virtual time it took; fails with a RunLimitError after
   * `limit` (default one hour).
   * @example await p.send(fd, "x"); await net.settle(); // the segment has arrived and been ACKed
   */
  async settle(limit: Micros = DEFAULT_RUN_LIMIT): Promise<Micros> {
    const start = this.now();
    const ok = await this.driver.runUntil(() => this.#inFlight() === 0, { timeout: limit });
    this.#checkCrashes();
    if (!ok && this.#inFlight() > 0) throw new RunLimitError(limit, this.describePending());
    return this.now() - start;
  }

  /** Runs for `duration` µs of virtual time. */
  async advance(duration: Micros): Promise<RunResult> {
    const r = await this.driver.advance(duration);
    this.#checkCrashes();
    return r;
  }

  /** Runs until `predicate()` holds; false on timeout or idle. */
  async runUntil(predicate: () => boolean, opts: RunUntilOptions = {}): Promise<boolean> {
    const r = await this.driver.runUntil(predicate, opts);
    this.#checkCrashes();
    return r;
  }

  /** Sleeps in virtual time (for application code). */
  sleep(duration: Micros): Promise<void> {
    return this.driver.sleep(duration);
  }

  /**
   * Traces every system call on every host, present and future (strace
   * -f for the whole network); returns the function that stops it.
   * @example
   * net.strace(straceWriter((line) => console.log(line), { host: true }));
   */
  strace(fn: SyscallListener): () => void {
    this.#tracers.push(fn);
    const stops = [...this.hosts.values()].map((h) => h.strace(fn));
    return () => {
      const i = this.#tracers.indexOf(fn);
      if (i >= 0) this.#tracers.splice(i, 1);
      for (const s of stops) s();
    };
  }

  /**
   * What is still going on, one line each: every live process with its
   * threads and the call each is blocked in (with arguments and since
   * when), packets in flight, and the next timers.
   */
  describePending(): string {
    const now = this.now();
    const lines: string[] = [];
    for (const h of this.hosts.values()) {
      const programs = new Map<number, boolean>();
      for (const prog of h.programs) programs.set(prog.pid, prog.daemon);
      for (const p of h.processes.values()) {
        if (p.exited) continue;
        const kind = programs.has(p.pid) ? (programs.get(p.pid) ? "daemon" : "client") : "process";
        lines.push(`  ${h.name}/${p.name}[${p.pid}] (${kind})`);
        const tids = [p.pid, ...p.threads.filter((t) => !t.done).map((t) => t.tid)];
        for (const tid of tids) {
          const calls = [...p.inflight].filter((r) => r.tid === tid);
          const who = tid === p.pid ? "main" : `thread ${tid}`;
          if (calls.length === 0) lines.push(`    ${who}: not in a system call (running, or awaiting something else)`);
          for (const c of calls) lines.push(`    ${who}: blocked in ${describeCall(c.call, c.args)} since t=${(c.start / 1e6).toFixed(6)}s`);
        }
      }
    }
    const inFlight = this.#inFlight();
    const timers = this.scheduler.size;
    const next = this.scheduler.nextDeadline();
    lines.push(`  at t=${(now / 1e6).toFixed(6)}s: ${inFlight} packet(s) in flight, ${timers} timer(s) armed` +
      (next >= 0 ? `, the next at t=${(next / 1e6).toFixed(6)}s` : ""));
    return lines.join("\n");
  }

  #liveClients(): number {
    let n = 0;
    for (const h of this.hosts.values()) for (const p of h.programs) if (!p.daemon) n++;
    return n;
  }

  #inFlight(): number {
    let n = 0;
    for (const l of this.links) n += l.aToB.inFlight + l.bToA.inFlight;
    for (const s of this.segments) n += s.channel.inFlight;
    for (const c of this.cables) n += c.inFlight;
    return n;
  }

  #checkCrashes(): void {
    for (const h of this.hosts.values()) {
      const p = h.crashed.shift();
      if (p) {
        const e = p.error;
        if (e instanceof Error && !(e instanceof SpinError && e.pid >= 0)) e.message = `${h.name}/${p.name}[${p.pid}]: ${e.message}`;
        throw e;
      }
    }
  }
}

function nextEth(h: Host): string {
  let i = 0;
  while (h.ip.interfaceByName(`eth${i}`)) i++;
  return `eth${i}`;
}
