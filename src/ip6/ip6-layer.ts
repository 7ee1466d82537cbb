/**
 * The IPv6 layer of one host (RFC 8200; Linux net/ipv6): what the rest
 * of the stack calls. The work is in four files of this folder —
 * addresses and their configuration in `addrconf.ts`, output with path
 * MTU and source fragmentation in `ip6-output.ts`, input with extension
 * headers, reassembly and forwarding in `ip6-input.ts`, Neighbor
 * Discovery in `ndisc.ts` — and the routing table in `route6.ts`. IPv4
 * hands it every version-6 packet (`IpLayer.ipv6Input`), so one device
 * hook carries both families.
 */
import type { StackContext } from "../core/stack-context.js";
import type { ErrnoCode } from "../core/errno.js";
import type { Micros } from "../core/time.js";
import type { Rng } from "../core/rng.js";
import type { EthernetDevice } from "../link/ethernet.js";
import type { MacAddress } from "../wire/ethernet.js";
import { IN6ADDR_ANY, isLoopback6, isMulticast6, type Ipv6Address } from "../wire/ipv6-address.js";
import type { Packet } from "../wire/packet.js";
import type { NetInterface } from "../ip/interface.js";
import type { IpLayer } from "../ip/ip-layer.js";
import type { Reassembler } from "../ip/reassembly.js";
import { Route6Table, type Route6Result } from "./route6.js";
import { Ndisc } from "./ndisc.js";
import { Addrconf, type Inet6Addr, type RouterAdvert } from "./addrconf.js";
import { Ip6Output, type Ip6SendOptions, type LinkLocalSend } from "./ip6-output.js";
import { Mld } from "./mld.js";
import { Ip6Input } from "./ip6-input.js";
import type { Icmp6ErrorSender, Ip6ProtocolHandler } from "./protocol6.js";

export type { Inet6Addr, Inet6AddrState, RouterAdvert } from "./addrconf.js";
export type { Ip6SendOptions } from "./ip6-output.js";

/** The IPv6 layer. */
export class Ip6Layer {
  readonly routes = new Route6Table();
  /** Neighbor Discovery and the IPv6 neighbour table. */
  readonly ndisc: Ndisc;
  /** MLDv2 reports of the groups the interfaces join (mld.ts). */
  readonly mld: Mld;
  /** Addresses and per-interface state (addrconf). */
  readonly addrconf: Addrconf;
  /** The sending half: headers, path MTU, fragmentation. */
  readonly out: Ip6Output;
  /** The receiving half: extension headers, reassembly, delivery, forwarding. */
  readonly in: Ip6Input;
  /** Installed by the icmp module. */
  icmp6ErrorSender: Icmp6ErrorSender | null = null;
  #rng: Rng | null = null;

  constructor(readonly ctx: StackContext, readonly ip: IpLayer) {
    this.mld = new Mld(this);
    this.ndisc = new Ndisc(this);
    this.addrconf = new Addrconf(this);
    this.out = new Ip6Output(this);
    this.in = new Ip6Input(this);
    ip.ipv6Input = (p, iface) => this.in.input(p, iface);
    ip.onInterfaceAdded = (iface) => this.addrconf.attach(iface);
    for (const iface of ip.interfaces) this.addrconf.attach(iface);
  }

  /** @internal The random stream of IPv6 (forked from the host's on first use, so IPv4-only hosts draw nothing). */
  random(): Rng {
    return (this.#rng ??= this.ctx.rng.fork("ipv6"));
  }

  /** The reassembly engine (tests, /proc/net/sockstat6 FRAG6). */
  get reassembler(): Reassembler {
    return this.in.reassembler;
  }

  /** The loopback interface. */
  get loopback(): NetInterface {
    return this.ip.loopback;
  }

  /** True when the host routes IPv6 (`net.ipv6.conf.all.forwarding`). */
  get isRouter(): boolean {
    return this.ctx.sysctl.ipv6_forwarding;
  }

  /** Stops every IPv6 timer (host power-off). */
  shutdownTimers(): void {
    this.in.reassembler.stop();
    this.ndisc.stop();
    this.addrconf.stop();
  }

  /** The kernel is gone (crash, reboot): no more IPv6 packet leaves (see {@link halt}). */
  halted = false;

  /**
   * Stops the timers and every transmission for good, as `IpLayer.halt`
   * does for IPv4: a program or timer of a crashed or rebooted host's old
   * incarnation sends nothing on the devices the new one took over.
   */
  halt(): void {
    this.halted = true;
    this.shutdownTimers();
  }

  /** Registers the handler of a next-header value (6 TCP, 17 UDP, 58 ICMPv6). */
  register(nextHeader: number, handler: Ip6ProtocolHandler): void {
    this.in.register(nextHeader, handler);
  }

  // ── addresses (addrconf.ts) ──────────────────────────────────────────

  /** Enables IPv6 on every interface (`sysctl net.ipv6.conf.all.disable_ipv6=0`): link-local addresses, DAD, RS. */
  enable(): void {
    this.addrconf.enable();
  }

  /** An interface went up or down (addrconf_notify). */
  linkChanged(iface: NetInterface): void {
    this.addrconf.linkChanged(iface);
  }

  /** Adds `addr/prefixLen` to `iface` (`ip -6 addr add`); see Addrconf.addAddress. */
  addAddress(iface: NetInterface, addr: Ipv6Address, prefixLen: number, opts: { nodad?: boolean; autoconf?: boolean; validLifetime?: Micros; preferredLifetime?: Micros } = {}): Inet6Addr {
    return this.addrconf.addAddress(iface, addr, prefixLen, opts);
  }

  /** Removes `addr` from `iface` with its prefix route (`ip -6 addr del`); false when absent. */
  removeAddress(iface: NetInterface, addr: Ipv6Address): boolean {
    return this.addrconf.removeAddress(iface, addr);
  }

  /** The addresses of `iface` (all states). */
  addresses(iface: NetInterface): readonly Inet6Addr[] {
    return this.addrconf.addresses(iface);
  }

  /** The interface address `addr` of `iface`, in any state. */
  findAddress(iface: NetInterface, addr: Ipv6Address): Inet6Addr | undefined {
    return this.addrconf.findAddress(iface, addr);
  }

  /** True when `addr` is a usable address of `iface` (or, with `anyState`, one in any state). */
  addressOn(iface: NetInterface, addr: Ipv6Address, anyState: boolean): boolean {
    return this.addrconf.addressOn(iface, addr, anyState);
  }

  /** The usable link-local address of `iface`, or null. */
  linkLocalOf(iface: NetInterface): Ipv6Address | null {
    return this.addrconf.linkLocalOf(iface);
  }

  /** True when `a` is a usable unicast address of this host (any interface; weak host model). */
  isLocalAddress(a: Ipv6Address): boolean {
    return this.addrconf.isLocalAddress(a);
  }

  /** Called by ND on a DAD conflict: the address is `dadfailed`. */
  dadFailed(a: Inet6Addr): void {
    this.addrconf.dadFailed(a);
  }

  /** True when `iface` listens to multicast `group`. */
  isMember(iface: NetInterface, group: Ipv6Address): boolean {
    return this.addrconf.isMember(iface, group);
  }

  /** A router advertisement arrived on `iface` from `router`. */
  routerAdvertisement(iface: NetInterface, router: Ipv6Address, ra: RouterAdvert): void {
    this.addrconf.routerAdvertisement(iface, router, ra);
  }

  /** RFC 6724 source address selection (Addrconf.selectSource). Null: EADDRNOTAVAIL. */
  selectSource(dst: Ipv6Address, oif: NetInterface): Ipv6Address | null {
    return this.addrconf.selectSource(dst, oif);
  }

  /** The hop limit for unicast packets out of `iface` (an RA's, else `ipv6_hop_limit`). */
  hopLimit(iface: NetInterface): number {
    return this.addrconf.hopLimit(iface);
  }

  /** `ip -6 addr` for one interface. */
  formatAddresses(iface: NetInterface): string {
    return this.addrconf.formatAddresses(iface);
  }

  // ── routing ──────────────────────────────────────────────────────────

  /**
   * How to reach `dst`: local addresses through `lo`, link-local and
   * multicast destinations on `oif` (their scope's interface, required
   * for them), others by longest-prefix match. Null: ENETUNREACH.
   */
  route(dst: Ipv6Address, oif?: NetInterface): Route6Result | null {
    if (this.isLocalAddress(dst) || isLoopback6(dst)) {
      const lo = this.ip.loopback;
      return { route: { dest: dst, prefixLen: 128, gateway: IN6ADDR_ANY, iface: lo, metric: 0, proto: "kernel", expires: Infinity, mtu: 0 }, iface: lo, nextHop: dst };
    }
    if (isMulticast6(dst)) {
      const iface = oif ?? this.ip.interfaces.find((i) => i !== this.ip.loopback && i.device.up && this.linkLocalOf(i));
      if (!iface) return null;
      return { route: { dest: dst, prefixLen: 128, gateway: IN6ADDR_ANY, iface, metric: 0, proto: "kernel", expires: Infinity, mtu: 0 }, iface, nextHop: dst };
    }
    return this.routes.lookup(dst, this.ctx.scheduler.now(), oif);
  }

  // ── output (ip6-output.ts) ───────────────────────────────────────────

  /** The path MTU towards `dst` through `rt`. */
  pathMtu(rt: Route6Result, dst: Ipv6Address): number {
    return this.out.pathMtu(rt, dst);
  }

  /** A Packet Too Big about a packet to `dst`: the path MTU drops to `mtu` (never below 1280). Returns the new value. */
  updatePmtu(dst: Ipv6Address, mtu: number): number {
    return this.out.updatePmtu(dst, mtu);
  }

  /** Linux's automatic flow label of a flow. */
  autoFlowLabel(src: Ipv6Address, dst: Ipv6Address, nextHeader: number, l4: Uint8Array, l4off: number): number {
    return this.out.autoFlowLabel(src, dst, nextHeader, l4, l4off);
  }

  /** Sends a packet (Ip6Output.output): null, or the errno of a local failure. */
  output(rt: Route6Result, src: Ipv6Address, dst: Ipv6Address, nextHeader: number, head: Uint8Array, payload: Uint8Array, opts: Ip6SendOptions = {}): ErrnoCode | null {
    return this.out.output(rt, src, dst, nextHeader, head, payload, opts);
  }

  /** Sends an ND message built in `b` (Ip6Output.sendNd). */
  sendNd(iface: NetInterface, dev: EthernetDevice, b: Uint8Array, src: Ipv6Address, dst: Ipv6Address, mac: MacAddress, o: LinkLocalSend = {}): void {
    this.out.sendNd(iface, dev, b, src, dst, mac, o);
  }

  /** Bumps counters in one group (ND and ICMPv6 share the Icmp6 group). */
  counters(group: "Icmp6" | "Ip6", ...names: string[]): void {
    const c = this.ctx.counters;
    for (const n of names) c.inc(c[group], n);
  }

  // ── input (ip6-input.ts) ─────────────────────────────────────────────

  /** A packet received on `iface` (ip6_rcv). Never throws on bad input. */
  input(packet: Packet, iface: NetInterface): void {
    this.in.input(packet, iface);
  }

  /** ND could not resolve a neighbour: ICMPv6 address unreachable to the sender of `p`. */
  addressUnreachable(p: Packet): void {
    this.in.addressUnreachable(p);
  }

  /** Delivers an ICMPv6 error to the protocol of the quoted packet; false when the quote is too short. */
  deliverIcmpError(type: number, code: number, info: number, from: Ipv6Address, quoted: Uint8Array): boolean {
    return this.in.deliverIcmpError(type, code, info, from, quoted);
  }
}
