/**
 * The IPv6 layer of one host (RFC 8200; Linux net/ipv6): per-interface
 * addresses (addrconf), routes, output with source fragmentation and
 * path MTU, input with extension headers, reassembly and delivery by
 * next header, forwarding with hop limit, and Neighbor Discovery
 * (`ndisc.ts`) on the Ethernet links.
 *
 * - **Addresses** (Linux addrconf): `::1/128` on `lo`; with IPv6 enabled
 *   (`disable_ipv6` false), a link-local `fe80::/64` address on every
 *   other interface — EUI-64 from the MAC on Ethernet, a random
 *   identifier elsewhere — and `fe80::/64` routes. On Ethernet an address
 *   is tentative until duplicate address detection (RFC 4862) passes:
 *   after a random delay below `router_solicitation_delay`,
 *   `dad_transmits` solicitations from `::` with a nonce, `retrans_time`
 *   apart; a conflict marks it `dadfailed`. Links without neighbour
 *   discovery (loopback, point-to-point) skip DAD, as Linux does for
 *   IFF_NOARP devices. After the link-local address is usable, a host
 *   (not forwarding, `accept_ra`) sends router solicitations with the
 *   RFC 7559 backoff until a router answers; router advertisements give
 *   it a default route (metric 1024, expiring), on-link prefixes, the
 *   hop limit and MTU, and SLAAC addresses (prefix + EUI-64, /64 only)
 *   with valid and preferred lifetimes (RFC 4862 §5.5.3's two-hour rule).
 * - **Input** (ip6_rcv_core, ip6_input_finish): version, truncation,
 *   multicast or loopback sources and loopback destinations from outside
 *   are Ip6InHdrErrors / InAddrErrors; the hop-by-hop header (first only)
 *   and destination options act on unknown options by their two high
 *   bits; a routing header with segments left is refused with a
 *   parameter problem pointing at its type (type 0 per RFC 5095, and
 *   every type Linux does not run: 2, 3, 4 without their features);
 *   fragments are reassembled (atomic fragments, RFC 6946, are taken as
 *   they are); unknown next headers get a parameter problem (code 1).
 * - **Output**: the source fragments (fragment header, Linux's sizes)
 *   when the packet exceeds the path MTU — the route's or device's, or
 *   what a Packet Too Big taught (never below 1280, expiring after
 *   `mtu_expires`) — unless the caller forbids it (EMSGSIZE). Flow labels
 *   are Linux's automatic ones (a keyed hash of the flow, 20 bits) unless
 *   the caller gives one.
 * - **Forwarding** (`ipv6_forwarding`): hop limit ≤ 1 → time exceeded;
 *   too big for the next link → Packet Too Big (routers never fragment);
 *   link-local sources are not forwarded (destination unreachable,
 *   beyond scope); no route → destination unreachable, no route.
 */
import type { StackContext } from "../core/stack-context.js";
import type { ErrnoCode } from "../core/errno.js";
import type { Micros } from "../core/time.js";
import { SEC } from "../core/time.js";
import { Timer } from "../core/scheduler.js";
import type { Rng } from "../core/rng.js";
import { sipKeyFromRng, siphash24, type SipKey } from "../core/siphash.js";
import type { Device } from "../link/device.js";
import { EthernetDevice, isEthernet } from "../link/ethernet.js";
import { ETH_P_IPV6, type MacAddress } from "../wire/ethernet.js";
import {
  IPV6, IPV6_MIN_MTU, IPV6_TLV_JUMBO, IPV6_TLV_ROUTERALERT, NEXTHDR_DEST, NEXTHDR_FRAGMENT, NEXTHDR_HOP, NEXTHDR_NONE, NEXTHDR_ROUTING,
  copyIpv6Header, ipv6ExtLength, ipv6OptionAction, isIpv6Extension, newIpv6Header, parseIpv6FragmentInto, parseIpv6Into, scanIpv6Options,
  writeIpv6FragmentHeader, writeIpv6Header, type Ipv6Fragment, type Ipv6Header, type Ipv6OptionScan,
} from "../wire/ipv6.js";
import {
  IN6ADDR_ANY, IN6ADDR_LOOPBACK, LINK_LOCAL_PREFIX, eui64Address, formatIpv6Address, ipv6CommonPrefixLen, ipv6Equal, ipv6InPrefix, ipv6Key,
  ipv6Scope, isLinkLocal6, isLoopback6, isMulticast6, isUnspecified6, linkLocalFromMac, solicitedNode, type Ipv6Address,
} from "../wire/ipv6-address.js";
import {
  ICMPV6_ADDR_UNREACH, ICMPV6_DEST_UNREACH, ICMPV6_EXC_FRAGTIME, ICMPV6_EXC_HOPLIMIT, ICMPV6_HDR_FIELD, ICMPV6_NOROUTE, ICMPV6_NOT_NEIGHBOUR,
  ICMPV6_PARAMPROB, ICMPV6_PKT_TOOBIG, ICMPV6_TIME_EXCEED, ICMPV6_UNK_NEXTHDR, ICMPV6_UNK_OPTION, type NdPrefix,
} from "../wire/icmpv6.js";
import { Packet, finalizeChecksums } from "../wire/packet.js";
import type { NetInterface } from "../ip/interface.js";
import { IN_ECN_COUNTERS, type IpLayer } from "../ip/ip-layer.js";
import { trimPacket } from "../ip/protocol.js";
import { Reassembler, type ReassemblyFamily } from "../ip/reassembly.js";
import { Route6Table, IP6_RT_PRIO_ADDRCONF, type Route6Result } from "./route6.js";
import { Ndisc } from "./ndisc.js";
import type { Icmp6ErrorSender, Ip6ProtocolHandler } from "./protocol6.js";

/** The state of an interface address (`ip -6 addr` flags). */
export type Inet6AddrState = "tentative" | "preferred" | "deprecated" | "dadfailed";

/** An IPv6 address of an interface (Linux `struct inet6_ifaddr`). */
export interface Inet6Addr {
  addr: Ipv6Address;
  prefixLen: number;
  iface: NetInterface;
  state: Inet6AddrState;
  /** Made by SLAAC (`dynamic` in `ip -6 addr`). */
  autoconf: boolean;
  /** When it stops being valid / preferred (µs), or Infinity (`forever`). */
  validUntil: Micros;
  preferredUntil: Micros;
  /** DAD solicitations still to send; the nonce of ours. */
  dadProbes: number;
  nonce: Uint8Array | null;
  /** @internal DAD / lifetime timer. */
  timer: Timer;
}

/** Per-interface IPv6 state (Linux `struct inet6_dev`). */
interface Inet6Dev {
  iface: NetInterface;
  addrs: Inet6Addr[];
  /** Joined multicast groups (keys). */
  groups: Set<string>;
  /** The interface's IPv6 MTU (RA MTU option), or 0 for the device's. */
  mtu: number;
  /** The hop limit an RA set, or 0 for the sysctl's. */
  hopLimit: number;
  /** Router solicitations sent, the current interval, the timer. */
  rsSent: number;
  rsInterval: Micros;
  rsTimer: Timer;
  /** A router advertisement was received. */
  gotRa: boolean;
}

/** The fields of a router advertisement that addrconf uses. */
export interface RouterAdvert {
  curHopLimit: number;
  /** Seconds; 0: not a default router. */
  routerLifetime: number;
  reachableTime: number;
  retransTimer: number;
  /** MTU option, or -1. */
  mtu: number;
  prefixes: NdPrefix[];
}

/** Per-packet send options. */
export interface Ip6SendOptions {
  hopLimit?: number;
  trafficClass?: number;
  /** A flow label (20 bits); undefined for Linux's automatic one, 0 for none. */
  flowLabel?: number;
  /** IPV6_DONTFRAG: fail with EMSGSIZE rather than fragment. */
  dontFrag?: boolean;
}

/** A learned path MTU. */
interface PmtuEntry {
  mtu: number;
  expires: Micros;
}

/** RFC 4862 §5.5.3(e): a prefix's valid lifetime is not cut below two hours by an unauthenticated RA. */
const TWO_HOURS = 7200 * SEC;

/** Linux's IPv6 reassembly: ip6frag sysctls, Ip6 counters, the fragment header removed. */
const IPV6_REASSEMBLY: ReassemblyFamily = {
  counters: (c) => c.Ip6,
  overlapCounters: () => null,
  highThresh: (s) => s.ip6frag_high_thresh,
  timeout: (s) => s.ip6frag_time,
  maxEnd: 65535,
  finish(first, len) {
    // `first` ends with the fragment header; the header before it takes its next-header value.
    const hl = first.length - 8;
    const out = new Uint8Array(hl + len);
    out.set(first.subarray(0, hl), 0);
    const fragNext = first[hl]!;
    let nhOff = 6;
    let off: number = IPV6.HEADER;
    let nh = first[6]!;
    while (off < hl && isIpv6Extension(nh)) {
      const l = ipv6ExtLength(first, off, hl, nh);
      if (l < 0) break;
      nhOff = off;
      nh = first[off]!;
      off += l;
    }
    out[nhOff] = fragNext;
    const plen = out.length - IPV6.HEADER;
    out[4] = plen >>> 8;
    out[5] = plen & 255;
    return { out, dataOffset: hl };
  },
};

/** The IPv6 layer. */
export class Ip6Layer {
  readonly routes = new Route6Table();
  /** Neighbor Discovery and the IPv6 neighbour table. */
  readonly ndisc: Ndisc;
  /** Installed by the icmp module. */
  icmp6ErrorSender: Icmp6ErrorSender | null = null;
  readonly #devs = new Map<number, Inet6Dev>();
  readonly #handlers: (Ip6ProtocolHandler | undefined)[] = [];
  readonly #reassembler: Reassembler;
  readonly #pmtu = new Map<string, PmtuEntry>();
  readonly #scratch: Ipv6Header = newIpv6Header();
  readonly #frag: Ipv6Fragment = { nextHeader: 0, offset: 0, mf: false, id: 0 };
  readonly #optScan: Ipv6OptionScan = { badOffset: -1, badType: 0, malformed: false };
  #rng: Rng | null = null;
  #flowKey: SipKey | null = null;
  #nextFragId = -1;
  /** Local unicast addresses (keys) that are usable (not tentative or failed), with their count of holders. */
  readonly #local = new Map<string, number>();

  constructor(readonly ctx: StackContext, readonly ip: IpLayer) {
    this.ndisc = new Ndisc(this);
    this.#reassembler = new Reassembler(ctx, (reason, firstHeader, firstData) => {
      // RFC 8200 §4.5: time exceeded (reassembly) only when the first fragment arrived.
      if (reason !== "timeout" || !firstHeader || !firstData || !this.icmp6ErrorSender) return;
      const p = new Packet(firstHeader, firstData);
      const h = newIpv6Header();
      if (parseIpv6Into(firstHeader, firstHeader.length + firstData.length, h)) return;
      this.icmp6ErrorSender(ICMPV6_TIME_EXCEED, ICMPV6_EXC_FRAGTIME, 0, p, h, null);
    }, IPV6_REASSEMBLY);
    ip.ipv6Input = (p, iface) => this.input(p, iface);
    ip.onInterfaceAdded = (iface) => this.#attach(iface);
    for (const iface of ip.interfaces) this.#attach(iface);
  }

  /** The random stream of IPv6 (forked from the host's on first use, so IPv4-only hosts draw nothing). */
  #random(): Rng {
    return (this.#rng ??= this.ctx.rng.fork("ipv6"));
  }

  /** The reassembly engine (tests, /proc/net/sockstat6 FRAG6). */
  get reassembler(): Reassembler {
    return this.#reassembler;
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
    this.#reassembler.stop();
    this.ndisc.stop();
    for (const d of this.#devs.values()) {
      this.ctx.scheduler.disarm(d.rsTimer);
      for (const a of d.addrs) this.ctx.scheduler.disarm(a.timer);
    }
  }

  /** Registers the handler of a next-header value (6 TCP, 17 UDP, 58 ICMPv6). */
  register(nextHeader: number, handler: Ip6ProtocolHandler): void {
    this.#handlers[nextHeader] = handler;
  }

  // ── addresses (addrconf) ─────────────────────────────────────────────

  #attach(iface: NetInterface): void {
    if (this.#devs.has(iface.index)) return;
    const d: Inet6Dev = {
      iface, addrs: [], groups: new Set(), mtu: 0, hopLimit: 0, rsSent: 0, rsInterval: 0,
      rsTimer: new Timer(() => this.#rsTimer(d)), gotRa: false,
    };
    this.#devs.set(iface.index, d);
    const dev = iface.device;
    if (isEthernet(dev)) this.ndisc.attach(iface, dev);
    if (iface === this.ip.loopback) {
      this.addAddress(iface, IN6ADDR_LOOPBACK, 128, { nodad: true });
      return;
    }
    this.linkChanged(iface);
  }

  /** Enables IPv6 on every interface (`sysctl net.ipv6.conf.all.disable_ipv6=0`): link-local addresses, DAD, RS. */
  enable(): void {
    this.ctx.sysctl.disable_ipv6 = false;
    for (const iface of this.ip.interfaces) this.linkChanged(iface);
  }

  /** An interface went up or down (addrconf_notify): link-local address and RS on up; tentative again on down. */
  linkChanged(iface: NetInterface): void {
    const d = this.#devs.get(iface.index);
    if (!d || iface === this.ip.loopback) return;
    const dev = iface.device;
    if (!dev.up) {
      this.ctx.scheduler.disarm(d.rsTimer);
      // Linux addrconf_ifdown: autoconfigured and link-local addresses go; manual ones return to tentative.
      for (const a of [...d.addrs]) {
        if (a.autoconf || isLinkLocal6(a.addr)) this.removeAddress(iface, a.addr);
        else this.#setState(a, "tentative");
      }
      this.routes.remove((r) => r.iface === iface && (r.proto === "ra" || Number.isFinite(r.expires)));
      d.gotRa = false;
      return;
    }
    if (this.ctx.sysctl.disable_ipv6) return;
    d.groups.add(ipv6Key(ALLNODES));
    if (!d.addrs.some((a) => isLinkLocal6(a.addr))) {
      const ll = isEthernet(dev) ? linkLocalFromMac(dev.mac) : randomLinkLocal(this.#random());
      this.addAddress(iface, ll, 64);
    }
    for (const a of d.addrs) if (a.state === "tentative" && !a.timer.armed) this.#startDad(a);
  }

  /**
   * Adds `addr/prefixLen` to `iface` (`ip -6 addr add`) with its prefix
   * route; tentative until DAD passes on an Ethernet link. Throws when
   * the interface already has it (EEXIST).
   */
  addAddress(iface: NetInterface, addr: Ipv6Address, prefixLen: number, opts: { nodad?: boolean; autoconf?: boolean; validLifetime?: Micros; preferredLifetime?: Micros } = {}): Inet6Addr {
    const d = this.#devs.get(iface.index);
    if (!d) throw new TypeError(`${iface.name}: no IPv6 state`);
    if (d.addrs.some((a) => ipv6Equal(a.addr, addr))) throw new Error(`RTNETLINK answers: File exists (${formatIpv6Address(addr)} on ${iface.name})`);
    const now = this.ctx.scheduler.now();
    const a: Inet6Addr = {
      addr: addr.slice(), prefixLen, iface, state: "tentative", autoconf: opts.autoconf ?? false,
      validUntil: opts.validLifetime === undefined ? Infinity : now + opts.validLifetime,
      preferredUntil: opts.preferredLifetime === undefined ? Infinity : now + opts.preferredLifetime,
      dadProbes: 0, nonce: null, timer: new Timer(() => this.#addrTimer(a)),
    };
    d.addrs.push(a);
    d.groups.add(ipv6Key(solicitedNode(addr)));
    if (iface !== this.ip.loopback && prefixLen < 128) {
      this.routes.add({ dest: addr, prefixLen, iface, proto: "kernel", expires: a.validUntil });
    }
    const noDad = opts.nodad || !isEthernet(iface.device) || this.ctx.sysctl.ipv6_accept_dad === 0 || this.ctx.sysctl.ipv6_dad_transmits <= 0;
    if (noDad) this.#setState(a, "preferred");
    else if (iface.device.up && !this.ctx.sysctl.disable_ipv6) this.#startDad(a);
    this.#armLifetime(a, now);
    return a;
  }

  /** Removes `addr` from `iface` with its prefix route (`ip -6 addr del`); false when absent. */
  removeAddress(iface: NetInterface, addr: Ipv6Address): boolean {
    const d = this.#devs.get(iface.index);
    const i = d ? d.addrs.findIndex((a) => ipv6Equal(a.addr, addr)) : -1;
    if (!d || i < 0) return false;
    const a = d.addrs[i]!;
    this.#setState(a, "dadfailed"); // leaves the local set
    d.addrs.splice(i, 1);
    this.ctx.scheduler.disarm(a.timer);
    if (!d.addrs.some((x) => ipv6Equal(solicitedNode(x.addr), solicitedNode(addr)))) d.groups.delete(ipv6Key(solicitedNode(addr)));
    if (!d.addrs.some((x) => x.prefixLen === a.prefixLen && ipv6InPrefix(x.addr, a.addr, a.prefixLen))) {
      this.routes.remove((r) => r.iface === iface && r.proto === "kernel" && r.prefixLen === a.prefixLen && ipv6InPrefix(a.addr, r.dest, r.prefixLen));
    }
    return true;
  }

  /** The addresses of `iface` (all states). */
  addresses(iface: NetInterface): readonly Inet6Addr[] {
    return this.#devs.get(iface.index)?.addrs ?? [];
  }

  /** The interface address `addr` of `iface`, in any state. */
  findAddress(iface: NetInterface, addr: Ipv6Address): Inet6Addr | undefined {
    return this.#devs.get(iface.index)?.addrs.find((a) => ipv6Equal(a.addr, addr));
  }

  /** True when `addr` is a usable address of `iface` (or, with `anyState`, one in any state). */
  addressOn(iface: NetInterface, addr: Ipv6Address, anyState: boolean): boolean {
    const a = this.findAddress(iface, addr);
    return !!a && (anyState || a.state === "preferred" || a.state === "deprecated");
  }

  /** The usable link-local address of `iface`, or null. */
  linkLocalOf(iface: NetInterface): Ipv6Address | null {
    const a = this.#devs.get(iface.index)?.addrs.find((x) => isLinkLocal6(x.addr) && (x.state === "preferred" || x.state === "deprecated"));
    return a ? a.addr : null;
  }

  /** True when `a` is a usable unicast address of this host (any interface; weak host model). */
  isLocalAddress(a: Ipv6Address): boolean {
    return this.#local.has(ipv6Key(a));
  }

  #setState(a: Inet6Addr, s: Inet6AddrState): void {
    const was = a.state === "preferred" || a.state === "deprecated";
    const is = s === "preferred" || s === "deprecated";
    a.state = s;
    if (was === is) return;
    const k = ipv6Key(a.addr);
    const n = (this.#local.get(k) ?? 0) + (is ? 1 : -1);
    if (n > 0) this.#local.set(k, n);
    else this.#local.delete(k);
  }

  /** addrconf_dad_start: a random delay, then `dad_transmits` solicitations `retrans_time` apart. */
  #startDad(a: Inet6Addr): void {
    const sc = this.ctx.sysctl;
    a.state = "tentative";
    a.dadProbes = sc.ipv6_dad_transmits;
    const rng = this.#random();
    a.nonce = new Uint8Array(6);
    for (let i = 0; i < 6; i++) a.nonce[i] = rng.below(256);
    const delay = rng.below(Math.max(1, sc.ipv6_router_solicitation_delay));
    this.ctx.scheduler.arm(a.timer, this.ctx.scheduler.now() + delay);
  }

  /** The address timer: the next DAD step, or a lifetime edge. */
  #addrTimer(a: Inet6Addr): void {
    const now = this.ctx.scheduler.now();
    const dev = a.iface.device;
    if (a.state === "tentative") {
      if (!dev.up) return;
      if (a.dadProbes > 0 && dev instanceof EthernetDevice) {
        a.dadProbes--;
        this.#join(a.iface, solicitedNode(a.addr));
        this.ndisc.sendNs(a.iface, dev, a.addr, IN6ADDR_ANY, solicitedNode(a.addr), -1, this.ctx.sysctl.ipv6_dad_transmits > 0 ? a.nonce : null);
        this.ctx.scheduler.arm(a.timer, now + Math.max(this.ctx.sysctl.neigh_retrans_time, 1));
        return;
      }
      this.#dadCompleted(a, now);
      return;
    }
    this.#armLifetime(a, now);
  }

  #dadCompleted(a: Inet6Addr, now: Micros): void {
    this.#setState(a, now >= a.preferredUntil ? "deprecated" : "preferred");
    this.#armLifetime(a, now);
    // addrconf_dad_completed: the first usable link-local address starts router solicitation on a host.
    const d = this.#devs.get(a.iface.index)!;
    const sc = this.ctx.sysctl;
    if (isLinkLocal6(a.addr) && !this.isRouter && sc.ipv6_accept_ra > 0 && sc.ipv6_router_solicitations !== 0 && !d.gotRa &&
      a.iface.device instanceof EthernetDevice) {
      d.rsSent = 0;
      d.rsInterval = backoffInit(sc.ipv6_router_solicitation_interval, this.#random());
      this.#sendRs(d);
    }
  }

  /** Lifetimes: deprecate at preferredUntil, remove at validUntil. */
  #armLifetime(a: Inet6Addr, now: Micros): void {
    if (a.state === "tentative" || a.state === "dadfailed") return;
    if (now >= a.validUntil) {
      this.removeAddress(a.iface, a.addr);
      return;
    }
    if (now >= a.preferredUntil && a.state === "preferred") this.#setState(a, "deprecated");
    const next = a.state === "preferred" ? a.preferredUntil : a.validUntil;
    if (Number.isFinite(next)) this.ctx.scheduler.arm(a.timer, next);
    else this.ctx.scheduler.disarm(a.timer);
  }

  /** Called by ND on a DAD conflict: the address is `dadfailed` (kept, unusable), as Linux with accept_dad 1. */
  dadFailed(a: Inet6Addr): void {
    this.ctx.scheduler.disarm(a.timer);
    this.#setState(a, "dadfailed");
    this.ctx.counters.inc(this.ctx.counters.Sockstack, "Ip6DadFailures");
  }

  #join(iface: NetInterface, group: Ipv6Address): void {
    this.#devs.get(iface.index)?.groups.add(ipv6Key(group));
  }

  /** True when `iface` listens to multicast `group`. */
  isMember(iface: NetInterface, group: Ipv6Address): boolean {
    const d = this.#devs.get(iface.index);
    if (!d) return false;
    const k = ipv6Key(group);
    if (d.groups.has(k)) return true;
    // ff02::2 (all routers) while forwarding; ff01::1 / ff02::1 always once IPv6 runs on the link.
    return (this.isRouter && ipv6Equal(group, ALLROUTERS)) || ipv6Equal(group, ALLNODES_IF) || (ipv6Equal(group, ALLNODES) && d.addrs.length > 0);
  }

  #sendRs(d: Inet6Dev): void {
    const dev = d.iface.device;
    if (!(dev instanceof EthernetDevice) || !dev.up) return;
    const src = this.linkLocalOf(d.iface) ?? IN6ADDR_ANY;
    this.ndisc.sendRs(d.iface, dev, src);
    d.rsSent++;
    const max = this.ctx.sysctl.ipv6_router_solicitations;
    if (max >= 0 && d.rsSent >= max) return;
    this.ctx.scheduler.arm(d.rsTimer, this.ctx.scheduler.now() + d.rsInterval);
  }

  /** addrconf_rs_timer: the next solicitation, with RFC 7559's backoff once the initial ones went unanswered. */
  #rsTimer(d: Inet6Dev): void {
    if (d.gotRa || this.isRouter) return;
    const sc = this.ctx.sysctl;
    d.rsInterval = backoffUpdate(d.rsInterval, sc.ipv6_router_solicitation_max_interval, this.#random());
    this.#sendRs(d);
  }

  /** A router advertisement arrived on `iface` from `router` (addrconf_prefix_rcv, ndisc_router_discovery). */
  routerAdvertisement(iface: NetInterface, router: Ipv6Address, ra: RouterAdvert): void {
    const sc = this.ctx.sysctl;
    const d = this.#devs.get(iface.index);
    if (!d || this.isRouter || sc.ipv6_accept_ra <= 0) return;
    const now = this.ctx.scheduler.now();
    d.gotRa = true;
    this.ctx.scheduler.disarm(d.rsTimer);
    const gw = router.slice();
    this.routes.remove((r) => r.iface === iface && r.proto === "ra" && r.prefixLen === 0 && ipv6Equal(r.gateway, gw));
    if (ra.routerLifetime > 0) {
      this.routes.add({ dest: IN6ADDR_ANY, prefixLen: 0, gateway: gw, iface, proto: "ra", metric: IP6_RT_PRIO_ADDRCONF, expires: now + ra.routerLifetime * SEC });
    }
    if (ra.curHopLimit > 0) d.hopLimit = ra.curHopLimit;
    if (ra.mtu >= IPV6_MIN_MTU && ra.mtu <= iface.device.mtu) d.mtu = ra.mtu;
    for (const p of ra.prefixes) this.#prefixRcv(d, p, now);
  }

  #prefixRcv(d: Inet6Dev, p: NdPrefix, now: Micros): void {
    if (isLinkLocal6(p.prefix) || isMulticast6(p.prefix) || p.preferredLifetime > p.validLifetime) return;
    const valid = p.validLifetime === 0xffffffff ? Infinity : p.validLifetime * SEC;
    const preferred = p.preferredLifetime === 0xffffffff ? Infinity : p.preferredLifetime * SEC;
    if (p.onLink) {
      // addrconf_prefix_route: an on-link prefix is a `proto kernel` route that expires with the prefix.
      this.routes.remove((r) => r.iface === d.iface && r.proto === "kernel" && Number.isFinite(r.expires) && r.prefixLen === p.prefixLen &&
        ipv6InPrefix(p.prefix, r.dest, r.prefixLen));
      if (valid > 0) this.routes.add({ dest: p.prefix, prefixLen: p.prefixLen, iface: d.iface, proto: "kernel", expires: now + valid });
    }
    const dev = d.iface.device;
    if (!p.autonomous || !this.ctx.sysctl.ipv6_autoconf || p.prefixLen !== 64 || !(dev instanceof EthernetDevice)) return;
    const addr = eui64Address(p.prefix, dev.mac);
    const existing = d.addrs.find((a) => ipv6Equal(a.addr, addr));
    if (!existing) {
      if (valid === 0) return;
      this.addAddress(d.iface, addr, 64, { autoconf: true, validLifetime: valid, preferredLifetime: preferred });
      return;
    }
    if (!existing.autoconf) return;
    // RFC 4862 §5.5.3(e): the valid lifetime only shrinks below two hours if the new one says so and the old one is shorter.
    const remaining = existing.validUntil - now;
    let newValid = valid;
    if (!(valid > TWO_HOURS || valid > remaining)) newValid = remaining <= TWO_HOURS ? remaining : TWO_HOURS;
    existing.validUntil = now + newValid;
    existing.preferredUntil = now + preferred;
    if (existing.state === "deprecated" && preferred > 0) this.#setState(existing, "preferred");
    this.#armLifetime(existing, now);
  }

  // ── routing and source selection ─────────────────────────────────────

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

  /**
   * RFC 6724 §5 source address selection as Linux's ipv6_dev_get_saddr
   * does it (rules 1, 2, 3, 5, 8): the destination itself, then the
   * smallest scope not below the destination's, then preferred over
   * deprecated, then the outgoing interface's, then the longest common
   * prefix. Null when there is no candidate (EADDRNOTAVAIL).
   */
  selectSource(dst: Ipv6Address, oif: NetInterface): Ipv6Address | null {
    const dstScope = ipv6Scope(dst);
    let best: Inet6Addr | null = null;
    let bestScore: number[] = [];
    for (const d of this.#devs.values()) {
      for (const a of d.addrs) {
        if (a.state !== "preferred" && a.state !== "deprecated") continue;
        const scope = ipv6Scope(a.addr);
        if (dstScope <= 2 && d.iface !== oif && !isLoopback6(dst)) continue; // link scope: the outgoing link's addresses only
        if (isLoopback6(a.addr) && !isLoopback6(dst)) continue;
        const score = [
          ipv6Equal(a.addr, dst) ? 1 : 0,
          scope >= dstScope ? 100 - scope : -scope,
          a.state === "preferred" ? 1 : 0,
          d.iface === oif ? 1 : 0,
          ipv6CommonPrefixLen(a.addr, dst),
        ];
        if (!best || greater(score, bestScore)) {
          best = a;
          bestScore = score;
        }
      }
    }
    return best ? best.addr : null;
  }

  /** The hop limit for unicast packets out of `iface` (an RA's, else `ipv6_hop_limit`). */
  hopLimit(iface: NetInterface): number {
    return this.#devs.get(iface.index)?.hopLimit || this.ctx.sysctl.ipv6_hop_limit;
  }

  /** The path MTU towards `dst` through `rt` (PMTU cache, route MTU, RA MTU, device MTU). */
  pathMtu(rt: Route6Result, dst: Ipv6Address): number {
    const e = this.#pmtu.get(ipv6Key(dst));
    const now = this.ctx.scheduler.now();
    const d = this.#devs.get(rt.iface.index);
    let mtu = rt.route.mtu || d?.mtu || rt.iface.device.mtu;
    if (e) {
      if (e.expires <= now) this.#pmtu.delete(ipv6Key(dst));
      else mtu = Math.min(mtu, e.mtu);
    }
    return mtu;
  }

  /**
   * A Packet Too Big about a packet to `dst` (rt6_update_pmtu): the path
   * MTU drops to `mtu`, never below 1280 (RFC 8200 §5: a smaller value
   * means "1280, and add fragment headers", which sockstack, as Linux
   * since 4.x, treats as 1280), for `mtu_expires`. Returns the new value.
   */
  updatePmtu(dst: Ipv6Address, mtu: number): number {
    const m = Math.max(IPV6_MIN_MTU, mtu);
    const rt = this.route(dst);
    const cur = rt ? this.pathMtu(rt, dst) : Infinity;
    if (m >= cur) return cur;
    this.#pmtu.set(ipv6Key(dst), { mtu: m, expires: this.ctx.scheduler.now() + this.ctx.sysctl.ip6_rt_mtu_expires });
    return m;
  }

  /**
   * Linux's automatic flow label (ip6_make_flowlabel with
   * auto_flowlabels 1): a keyed hash of the flow's addresses, next header
   * and first four upper-layer bytes (ports; ICMPv6 type and code), 20
   * bits, never 0 — the same label for every packet of a flow.
   */
  autoFlowLabel(src: Ipv6Address, dst: Ipv6Address, nextHeader: number, l4: Uint8Array, l4off: number): number {
    if (this.ctx.sysctl.ipv6_auto_flowlabels === 0) return 0;
    this.#flowKey ??= sipKeyFromRng(this.#random());
    const b = FLOW_SCRATCH;
    b.set(src, 0);
    b.set(dst, 16);
    b[32] = nextHeader;
    for (let i = 0; i < 4; i++) b[33 + i] = l4off + i < l4.length ? l4[l4off + i]! : 0;
    const h = siphash24(this.#flowKey, b);
    return (h & 0xfffff) || 1;
  }

  // ── output ───────────────────────────────────────────────────────────

  /**
   * Sends a packet. `head` starts with 40 bytes reserved for the IPv6
   * header, then the upper-layer header (its checksum left 0 — filled
   * when bytes leave an offloading link); `payload` follows (a view, not
   * copied). Returns null, or the errno of a local failure (`EMSGSIZE`:
   * too big with `dontFrag`, or beyond 65535 bytes of payload).
   */
  output(rt: Route6Result, src: Ipv6Address, dst: Ipv6Address, nextHeader: number, head: Uint8Array, payload: Uint8Array, opts: Ip6SendOptions = {}): ErrnoCode | null {
    const c = this.ctx.counters;
    c.inc(c.Ip6, "OutRequests");
    const plen = head.length + payload.length - IPV6.HEADER;
    if (plen > 65535) {
      c.inc(c.Ip6, "OutDiscards");
      return "EMSGSIZE";
    }
    const hop = opts.hopLimit ?? (isMulticast6(dst) ? 1 : this.hopLimit(rt.iface));
    const flow = opts.flowLabel ?? this.autoFlowLabel(src, dst, nextHeader, head, IPV6.HEADER);
    writeIpv6Header(head, 0, src, dst, nextHeader, plen, hop, opts.trafficClass ?? 0, flow);
    const packet = new Packet(head, payload, true);
    const total = packet.length;
    if (isMulticast6(dst)) c.inc(c.Ip6, "OutMcastPkts");
    const mtu = this.pathMtu(rt, dst);
    if (total > mtu) {
      if (opts.dontFrag) {
        c.inc(c.Ip6, "FragFails");
        return "EMSGSIZE";
      }
      this.#fragmentAndSend(packet, rt, mtu);
      return null;
    }
    c.inc(c.Ip6, "OutOctets", total);
    this.#transmit(rt.iface.device, packet, rt.nextHop);
    return null;
  }

  #transmit(dev: Device, p: Packet, nextHop: Ipv6Address): void {
    if (!dev.checksumOffload) finalizeChecksums(p);
    this.ctx.counters.inc(this.ctx.counters.Ip6, "OutTransmits");
    dev.transmit(p, nextHop);
  }

  /**
   * Sends an ND message built in `b` (40 bytes reserved, ICMPv6 ready)
   * from `src` to `dst` on `dev`, straight to `mac` (or to `dst`'s
   * multicast MAC when `mac` < 0, or through the table): hop limit 255,
   * no flow label (Linux's ndisc_send_skb).
   */
  sendNd(iface: NetInterface, dev: EthernetDevice, b: Uint8Array, src: Ipv6Address, dst: Ipv6Address, mac: MacAddress): void {
    writeIpv6Header(b, 0, src, dst, 58, b.length - IPV6.HEADER, 255, 0, 0);
    const c = this.ctx.counters;
    c.inc(c.Ip6, "OutRequests");
    if (isMulticast6(dst)) c.inc(c.Ip6, "OutMcastPkts");
    c.inc(c.Ip6, "OutOctets", b.length);
    c.inc(c.Ip6, "OutTransmits");
    const p = new Packet(b);
    if (mac >= 0) dev.sendFrame(mac, ETH_P_IPV6, p);
    else this.ndisc.output(iface, dev, p, dst);
  }

  /** Bumps counters in one group (ND and ICMPv6 share the Icmp6 group). */
  counters(group: "Icmp6" | "Ip6", ...names: string[]): void {
    const c = this.ctx.counters;
    for (const n of names) c.inc(c[group], n);
  }

  /** Source fragmentation (ip6_fragment): a fragment header after the unfragmentable part, 8-byte multiples. */
  #fragmentAndSend(packet: Packet, rt: Route6Result, mtu: number): void {
    const c = this.ctx.counters;
    finalizeChecksums(packet);
    const flat = packet.bytes();
    // The unfragmentable part: the fixed header and any hop-by-hop / routing headers (RFC 8200 §4.5).
    let nhOff = 6;
    let off: number = IPV6.HEADER;
    let nh = flat[6]!;
    while (nh === NEXTHDR_HOP || nh === NEXTHDR_ROUTING) {
      const l = ipv6ExtLength(flat, off, flat.length, nh);
      if (l < 0) break;
      nhOff = off;
      nh = flat[off]!;
      off += l;
    }
    const unfrag = off;
    const dataLen = flat.length - unfrag;
    const per = (mtu - unfrag - 8) & ~7;
    if (per <= 0) {
      c.inc(c.Ip6, "FragFails");
      return;
    }
    if (this.#nextFragId < 0) this.#nextFragId = this.#random().u32();
    const id = this.#nextFragId;
    this.#nextFragId = (id + 1) >>> 0;
    c.inc(c.Ip6, "FragOKs");
    for (let o = 0; o < dataLen; o += per) {
      const n = Math.min(per, dataLen - o);
      const frag = new Uint8Array(unfrag + 8 + n);
      frag.set(flat.subarray(0, unfrag), 0);
      frag[nhOff] = NEXTHDR_FRAGMENT;
      writeIpv6FragmentHeader(frag, unfrag, nh, o, o + n < dataLen, id);
      frag.set(flat.subarray(unfrag + o, unfrag + o + n), unfrag + 8);
      const plen = frag.length - IPV6.HEADER;
      frag[4] = plen >>> 8;
      frag[5] = plen & 255;
      c.inc(c.Ip6, "FragCreates");
      c.inc(c.Ip6, "OutOctets", frag.length);
      this.#transmit(rt.iface.device, new Packet(frag), rt.nextHop);
    }
  }

  // ── input ────────────────────────────────────────────────────────────

  /** A packet received on `iface` (ip6_rcv). Never throws on bad input. */
  input(packet: Packet, iface: NetInterface): void {
    const c = this.ctx.counters;
    c.inc(c.Ip6, "InReceives");
    const d = this.#devs.get(iface.index);
    if (!d || (this.ctx.sysctl.disable_ipv6 && iface !== this.ip.loopback)) {
      c.inc(c.Ip6, "InDiscards");
      return;
    }
    // Linux ip6_rcv_core: counted by the traffic class's ECN field (RFC 3168 §5) once the version is right.
    const h0 = packet.head;
    if (h0.length >= IPV6.HEADER && h0[0]! >> 4 === 6) c.inc(c.Ip6, IN_ECN_COUNTERS[(h0[1]! >> 4) & 3]!);
    const h = this.#scratch;
    const err = parseIpv6Into(packet.head, packet.length, h);
    if (err) {
      // ipv6_rcv: a fixed header that is not all there is a header error; a payload beyond the packet is truncated.
      c.inc(c.Ip6, err.reason === "truncated" && packet.head.length >= IPV6.HEADER ? "InTruncatedPkts" : "InHdrErrors");
      return;
    }
    c.inc(c.Ip6, "InOctets", packet.length);
    const fromLo = iface === this.ip.loopback;
    // ip6_rcv_core: multicast sources; loopback addresses from outside; interface-local multicast from outside.
    if (isMulticast6(h.src) || (!fromLo && (isLoopback6(h.src) || isLoopback6(h.dst))) || (!fromLo && isMulticast6(h.dst) && (h.dst[1]! & 0x0f) === 1)) {
      c.inc(c.Ip6, "InHdrErrors");
      return;
    }
    const total = IPV6.HEADER + h.payloadLength;
    if (total < packet.length) trimPacket(packet, total);
    const hdr = copyIpv6Header(h);
    let off: number = IPV6.HEADER;
    let nhOff = 6;
    let nh = hdr.nextHeader;
    // The hop-by-hop header is processed by every node (RFC 8200 §4.3).
    if (nh === NEXTHDR_HOP) {
      const flat = packet.payload.length ? flatten(packet) : packet.head;
      const l = ipv6ExtLength(flat, off, total, nh);
      if (l < 0 || off + l > total) {
        c.inc(c.Ip6, "InHdrErrors");
        return;
      }
      if (!this.#options(packet, hdr, flat, off, l, iface)) return;
      nhOff = off;
      nh = flat[off]!;
      off += l;
    }
    if (isMulticast6(hdr.dst)) {
      c.inc(c.Ip6, "InMcastPkts");
      if (!this.isMember(iface, hdr.dst)) {
        c.inc(c.Ip6, "InDiscards");
        return;
      }
      this.#deliver(packet, hdr, off, nhOff, nh, iface);
      return;
    }
    const local = this.isLocalAddress(hdr.dst) || (fromLo && isLoopback6(hdr.dst)) || this.#tentativeNdTarget(iface, hdr, packet, off, nh);
    if (!local) {
      this.#forward(packet, hdr, iface);
      return;
    }
    this.#deliver(packet, hdr, off, nhOff, nh, iface);
  }

  /** ND messages addressed to a tentative address of ours (DAD) are taken, nothing else (RFC 4862 §5.4). */
  #tentativeNdTarget(iface: NetInterface, hdr: Ipv6Header, p: Packet, off: number, nh: number): boolean {
    if (nh !== 58) return false;
    const a = this.findAddress(iface, hdr.dst);
    if (!a || a.state !== "tentative") return false;
    const t = p.byteAt(off);
    return t === 135 || t === 136;
  }

  /** Hop-by-hop or destination options: false when the packet must go (with a parameter problem when the option says so). */
  #options(packet: Packet, hdr: Ipv6Header, flat: Uint8Array, off: number, len: number, iface: NetInterface): boolean {
    const s = this.#optScan;
    scanIpv6Options(flat, off, len, (t) => t === IPV6_TLV_ROUTERALERT || t === IPV6_TLV_JUMBO, s);
    const c = this.ctx.counters;
    if (s.malformed) {
      c.inc(c.Ip6, "InHdrErrors");
      return false;
    }
    if (s.badOffset < 0) return true;
    const action = ipv6OptionAction(s.badType);
    c.inc(c.Ip6, "InHdrErrors");
    if (action === 2 || (action === 3 && !isMulticast6(hdr.dst))) {
      this.icmp6ErrorSender?.(ICMPV6_PARAMPROB, ICMPV6_UNK_OPTION, s.badOffset, packet, hdr, iface);
    }
    return false;
  }

  /** ip6_protocol_deliver_rcu: walk the remaining extension headers, then hand over to the upper protocol. */
  #deliver(packet: Packet, hdr: Ipv6Header, off: number, nhOff: number, nh: number, iface: NetInterface): void {
    const c = this.ctx.counters;
    let p = packet;
    let h = hdr;
    for (;;) {
      if (nh === NEXTHDR_DEST || nh === NEXTHDR_ROUTING || nh === NEXTHDR_FRAGMENT) {
        const total = IPV6.HEADER + h.payloadLength;
        const flat = p.payload.length ? flatten(p) : p.head;
        const l = ipv6ExtLength(flat, off, total, nh);
        if (l < 0 || off + l > total) {
          c.inc(c.Ip6, "InHdrErrors");
          return;
        }
        if (nh === NEXTHDR_DEST) {
          if (!this.#options(p, h, flat, off, l, iface)) return;
        } else if (nh === NEXTHDR_ROUTING) {
          const segmentsLeft = flat[off + 3]!;
          if (segmentsLeft !== 0) {
            // ipv6_rthdr_rcv: type 0 (RFC 5095) and every type not run here: parameter problem at the type field.
            c.inc(c.Ip6, "InHdrErrors");
            this.icmp6ErrorSender?.(ICMPV6_PARAMPROB, ICMPV6_HDR_FIELD, off + 2, p, h, iface);
            return;
          }
        } else {
          const r = this.#fragment(p, h, flat, off, nhOff, iface);
          if (!r) return;
          if (r === "atomic") {
            nhOff = off;
            nh = flat[off]!;
            off += 8;
            continue;
          }
          p = r;
          const nhdr = newIpv6Header();
          if (parseIpv6Into(p.head, p.length, nhdr)) {
            c.inc(c.Ip6, "InHdrErrors");
            return;
          }
          h = nhdr;
          // Restart at the header that followed the fragment header (now where it stood).
          const fixed = this.#skipTo(p.head, nhOff);
          off = fixed.off;
          nh = fixed.nh;
          continue;
        }
        nhOff = off;
        nh = flat[off]!;
        off += l;
        continue;
      }
      if (nh === NEXTHDR_NONE) {
        c.inc(c.Ip6, "InDelivers");
        return;
      }
      if (nh === NEXTHDR_HOP) {
        // A hop-by-hop header anywhere but first (RFC 8200 §4.1): parameter problem, unrecognized next header.
        c.inc(c.Ip6, "InUnknownProtos");
        this.icmp6ErrorSender?.(ICMPV6_PARAMPROB, ICMPV6_UNK_NEXTHDR, nhOff, p, h, iface);
        return;
      }
      const handler = this.#handlers[nh];
      if (!handler) {
        c.inc(c.Ip6, "InUnknownProtos");
        this.icmp6ErrorSender?.(ICMPV6_PARAMPROB, ICMPV6_UNK_NEXTHDR, nhOff, p, h, iface);
        return;
      }
      c.inc(c.Ip6, "InDelivers");
      handler.input(p, h, off, iface);
      return;
    }
  }

  /** After reassembly: the offset and next header following the header whose next-header field is at `nhOff`. */
  #skipTo(b: Uint8Array, nhOff: number): { off: number; nh: number } {
    let off: number = IPV6.HEADER;
    let nh = b[6]!;
    let cur = 6;
    while (cur !== nhOff && isIpv6Extension(nh)) {
      const l = ipv6ExtLength(b, off, b.length, nh);
      if (l < 0) break;
      cur = off;
      nh = b[off]!;
      off += l;
    }
    return { off, nh };
  }

  /** ipv6_frag_rcv: checks, then reassembly. Returns the whole packet, "atomic", or null (queued or dropped). */
  #fragment(p: Packet, h: Ipv6Header, flat: Uint8Array, off: number, _nhOff: number, iface: NetInterface): Packet | "atomic" | null {
    const c = this.ctx.counters;
    const f = this.#frag;
    parseIpv6FragmentInto(flat, off, f);
    const total = IPV6.HEADER + h.payloadLength;
    const dataStart = off + 8;
    const dataLen = total - dataStart;
    if (!f.mf && f.offset === 0) {
      // RFC 6946: an atomic fragment is processed in isolation.
      c.inc(c.Ip6, "ReasmReqds");
      c.inc(c.Ip6, "ReasmOKs");
      return "atomic";
    }
    // RFC 8200 §4.5: a non-last fragment whose length is not a multiple of 8 → parameter problem at the payload length.
    // (Linux counts the request first, in ipv6_frag_rcv.)
    if (f.mf && (dataLen & 7) !== 0) {
      c.inc(c.Ip6, "ReasmReqds");
      c.inc(c.Ip6, "InHdrErrors");
      this.icmp6ErrorSender?.(ICMPV6_PARAMPROB, ICMPV6_HDR_FIELD, 4, p, h, iface);
      return null;
    }
    // Beyond 65535 bytes → parameter problem at the fragment offset.
    if (f.offset + dataLen > 65535) {
      c.inc(c.Ip6, "ReasmReqds");
      c.inc(c.Ip6, "InHdrErrors");
      this.icmp6ErrorSender?.(ICMPV6_PARAMPROB, ICMPV6_HDR_FIELD, off + 2, p, h, iface);
      return null;
    }
    const key = `${ipv6Key(h.src)}/${ipv6Key(h.dst)}/${f.id}`;
    const fp = p.payload.length ? new Packet(flat) : p;
    const whole = this.#reassembler.addFragment(key, fp, dataStart, f.offset, f.mf);
    if (whole) whole.csumPartial = p.csumPartial;
    return whole;
  }

  /** ip6_forward */
  #forward(packet: Packet, hdr: Ipv6Header, inIface: NetInterface): void {
    const c = this.ctx.counters;
    if (!this.ctx.sysctl.ipv6_forwarding) {
      c.inc(c.Ip6, "InAddrErrors");
      return;
    }
    if (isUnspecified6(hdr.dst) || isLinkLocal6(hdr.dst)) {
      c.inc(c.Ip6, "InAddrErrors");
      return;
    }
    if (hdr.hopLimit <= 1) {
      c.inc(c.Ip6, "InHdrErrors");
      this.icmp6ErrorSender?.(ICMPV6_TIME_EXCEED, ICMPV6_EXC_HOPLIMIT, 0, packet, hdr, inIface);
      return;
    }
    const rt = this.routes.lookup(hdr.dst, this.ctx.scheduler.now());
    if (!rt) {
      c.inc(c.Ip6, "InNoRoutes");
      this.icmp6ErrorSender?.(ICMPV6_DEST_UNREACH, ICMPV6_NOROUTE, 0, packet, hdr, inIface);
      return;
    }
    if (isLinkLocal6(hdr.src)) {
      // A link-local source may not leave its link (RFC 4291 §2.5.6).
      c.inc(c.Ip6, "InAddrErrors");
      this.icmp6ErrorSender?.(ICMPV6_DEST_UNREACH, ICMPV6_NOT_NEIGHBOUR, 0, packet, hdr, inIface);
      return;
    }
    const mtu = this.pathMtu(rt, hdr.dst);
    if (packet.length > mtu) {
      c.inc(c.Ip6, "InTooBigErrors");
      c.inc(c.Ip6, "FragFails");
      this.icmp6ErrorSender?.(ICMPV6_PKT_TOOBIG, 0, mtu, packet, hdr, inIface);
      return;
    }
    const out = packet.clone();
    out.head[7] = hdr.hopLimit - 1; // IPv6 has no header checksum to update
    c.inc(c.Ip6, "OutForwDatagrams");
    c.inc(c.Ip6, "OutOctets", out.length);
    this.#transmit(rt.iface.device, out, rt.nextHop);
  }

  /** ND could not resolve a neighbour: ICMPv6 address unreachable to the sender of `p` (ndisc_error_report). */
  addressUnreachable(p: Packet): void {
    const h = newIpv6Header();
    if (parseIpv6Into(p.head, p.length, h)) return;
    this.icmp6ErrorSender?.(ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0, p, h, null);
  }

  /**
   * Delivers an ICMPv6 error to the protocol of the quoted packet (after
   * walking its extension headers). Returns false when the quote is not
   * an IPv6 header with at least 8 upper-layer bytes.
   */
  deliverIcmpError(type: number, code: number, info: number, from: Ipv6Address, quoted: Uint8Array): boolean {
    if (quoted.length < IPV6.HEADER + 8) return false;
    const h = newIpv6Header();
    const err = parseIpv6Into(quoted, 65535 + IPV6.HEADER, h);
    if (err) return false;
    let off: number = IPV6.HEADER;
    let nh = h.nextHeader;
    while (isIpv6Extension(nh) && nh !== NEXTHDR_FRAGMENT) {
      const l = ipv6ExtLength(quoted, off, quoted.length, nh);
      if (l < 0) return false;
      nh = quoted[off]!;
      off += l;
    }
    if (nh === NEXTHDR_FRAGMENT) {
      if (off + 8 > quoted.length) return false;
      nh = quoted[off]!;
      off += 8;
    }
    if (type === ICMPV6_PKT_TOOBIG) this.updatePmtu(h.dst, info);
    const handler = this.#handlers[nh];
    if (!handler?.icmpError) return true;
    handler.icmpError({ type, code, info, from, quoted: h, quotedL4: quoted.subarray(off) });
    return true;
  }

  /** `ip -6 addr` for one interface: `inet6 fe80::…/64 scope link` lines with Linux's flags. */
  formatAddresses(iface: NetInterface): string {
    const now = this.ctx.scheduler.now();
    return this.addresses(iface).map((a) => {
      const scope = isLoopback6(a.addr) ? "host" : isLinkLocal6(a.addr) ? "link" : "global";
      const flags = [a.autoconf ? "dynamic" : "", a.state === "tentative" ? "tentative" : "", a.state === "dadfailed" ? "dadfailed tentative" : "",
        a.state === "deprecated" ? "deprecated" : ""].filter(Boolean).join(" ");
      const life = (t: Micros) => (Number.isFinite(t) ? `${Math.max(0, Math.floor((t - now) / SEC))}sec` : "forever");
      return `    inet6 ${formatIpv6Address(a.addr)}/${a.prefixLen} scope ${scope}${flags ? ` ${flags}` : ""} \n       valid_lft ${life(a.validUntil)} preferred_lft ${life(a.preferredUntil)}`;
    }).join("\n");
  }
}

const ALLNODES = new Uint8Array([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
const ALLNODES_IF = new Uint8Array([0xff, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
const ALLROUTERS = new Uint8Array([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
const FLOW_SCRATCH = new Uint8Array(37);

/** A contiguous copy of a two-part packet (rare paths: extension headers). */
function flatten(p: Packet): Uint8Array {
  const out = new Uint8Array(p.length);
  out.set(p.head, 0);
  out.set(p.payload, p.head.length);
  return out;
}

/** Lexicographic comparison of two score vectors. */
function greater(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return false;
}

/** A link-local address with a random interface identifier (links without a MAC, as Linux's random addr_gen_mode). */
function randomLinkLocal(rng: Rng): Ipv6Address {
  const a = LINK_LOCAL_PREFIX.slice();
  for (let i = 8; i < 16; i++) a[i] = rng.below(256);
  a[8]! &= 0xfd; // the universal/local bit clear: not a MAC-derived identifier
  return a;
}

/** RFC 7559 / rfc3315_s14_backoff_init: the first interval, randomised to [0.9, 1.0] × irt. */
function backoffInit(irt: Micros, rng: Rng): Micros {
  return Math.floor(((900_000 + rng.below(100_001)) * irt) / 1_000_000);
}

/** rfc3315_s14_backoff_update: doubled with ±5 % jitter, capped at mrt (randomised to [0.9, 1.1] × mrt). */
function backoffUpdate(rt: Micros, mrt: Micros, rng: Rng): Micros {
  let t = Math.floor(((1_900_000 + rng.below(200_001)) * rt) / 1_000_000);
  if (t > mrt) t = Math.floor(((900_000 + rng.below(200_001)) * mrt) / 1_000_000);
  return t;
}

