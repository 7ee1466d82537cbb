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
import { Link, type LinkOptions } from "./link.js";
import { Segment, type SegmentOptions } from "./segment.js";
import { VirtualDriver, type RunOptions, type RunResult, type RunUntilOptions, type VirtualDriverOptions } from "./virtual-driver.js";

/** Options of a {@link Network}. */
export interface NetworkOptions {
  /** Seed of every random choice (default 1). */
  seed?: number | string;
  /** Driver options (warnings, yielding policy). */
  driver?: VirtualDriverOptions;
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
  readonly segments: Segment[] = [];
  #reboots = 0;

  constructor(opts: NetworkOptions = {}) {
    this.rng = new Rng(opts.seed ?? 1);
    this.driver = new VirtualDriver(this.scheduler, opts.driver);
  }

  /** Current virtual time in µs. */
  now(): Micros {
    return this.scheduler.now();
  }

  /** Adds a host named `name` (its RNG stream is derived from the seed and the name). */
  addHost(name: string, opts: AddHostOptions = {}): Host {
    if (this.hosts.has(name)) throw new TypeError(`host ${name} already exists`);
    const host = new Host({
      name,
      scheduler: this.scheduler,
      rng: this.rng.fork(`host:${name}`),
      sysctl: { ...opts.sysctl, ...(opts.router ? { ip_forward: true } : {}) },
      notifyWake: () => this.driver.notifyWake(),
    });
    this.hosts.set(name, host);
    return host;
  }

  /** The host named `name` (throws when absent). */
  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new TypeError(`no host ${name}`);
    return h;
  }

  /**
   * Connects two hosts with a point-to-point link. Interface names default to
   * `eth0`, `eth1`, … in creation order on each host.
   */
  link(a: Host, b: Host, opts: NetworkLinkOptions = {}): NetworkLink {
    const aName = opts.aName ?? nextEth(a);
    const bName = opts.bName ?? nextEth(b);
    const link = new Link(this.scheduler, this.rng.fork(`link:${this.links.length}`), { ...opts, aName, bName });
    this.links.push(link);
    const aIface = a.addInterface(link.a, opts.a);
    const bIface = b.addInterface(link.b, opts.b);
    return { link, aIface, bIface };
  }

  /** Creates a shared segment (a hub/switch without ARP). */
  segment(opts: SegmentOptions = {}): Segment {
    const s = new Segment(this.scheduler, this.rng.fork(`segment:${this.segments.length}`), opts);
    this.segments.push(s);
    return s;
  }

  /** Attaches `host` to `segment` with address `cidr`. */
  attach(host: Host, segment: Segment, cidr: string, name?: string): NetInterface {
    const holder: { iface?: NetInterface } = {};
    const dev = segment.attach(name ?? nextEth(host), (addr) => !!holder.iface && (holder.iface.hasAddress(addr) || holder.iface.isBroadcast(addr)));
    holder.iface = host.addInterface(dev, cidr);
    return holder.iface;
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
    });
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

  /** Runs until nothing is scheduled (or `opts.until`). Rethrows a crashed process's error. */
  async run(opts: RunOptions = {}): Promise<RunResult> {
    const r = await this.driver.run(opts);
    this.#checkCrashes();
    return r;
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

  #checkCrashes(): void {
    for (const h of this.hosts.values()) {
      const p = h.crashed.shift();
      if (p) {
        const e = p.error;
        if (e instanceof Error) e.message = `${h.name}/${p.name}[${p.pid}]: ${e.message}`;
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
