/**
 * IPv6 address configuration of one host (Linux net/ipv6/addrconf.c):
 * the per-interface state, addresses and their lifetimes, duplicate
 * address detection, router solicitation, what router advertisements
 * give, multicast membership and source address selection.
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
 */
import type { StackContext } from "../core/stack-context.js";
import type { Micros } from "../core/time.js";
import { SEC } from "../core/time.js";
import { Timer } from "../core/scheduler.js";
import type { Rng } from "../core/rng.js";
import { EthernetDevice, isEthernet } from "../link/ethernet.js";
import { IPV6_MIN_MTU } from "../wire/ipv6.js";
import {
  IN6ADDR_ANY, IN6ADDR_LOOPBACK, LINK_LOCAL_PREFIX, eui64Address, formatIpv6Address, ipv6CommonPrefixLen, ipv6Equal, ipv6InPrefix, ipv6Key,
  ipv6Scope, isLinkLocal6, isLoopback6, isMulticast6, linkLocalFromMac, solicitedNode, type Ipv6Address,
} from "../wire/ipv6-address.js";
import type { NdPrefix } from "../wire/icmpv6.js";
import type { NetInterface } from "../ip/interface.js";
import type { IpLayer } from "../ip/ip-layer.js";
import { IP6_RT_PRIO_USER } from "./route6.js";
import type { Ip6Layer } from "./ip6-layer.js";

/** The state of an IPv6 interface address (`ip -6 addr` flags). */
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
  /** Joined multicast groups by key. */
  groups: Map<string, Ipv6Address>;
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


/** RFC 4862 §5.5.3(e): a prefix's valid lifetime is not cut below two hours by an unauthenticated RA. */
const TWO_HOURS = 7200 * SEC;

/** The addresses and per-interface IPv6 state of one host. */
export class Addrconf {
  readonly ctx: StackContext;
  readonly ip: IpLayer;
  readonly #devs = new Map<number, Inet6Dev>();
  /** Local unicast addresses (keys) that are usable (not tentative or failed), with their count of holders. */
  readonly #local = new Map<string, number>();

  constructor(readonly ip6: Ip6Layer) {
    this.ctx = ip6.ctx;
    this.ip = ip6.ip;
  }

  /** True when `iface` has IPv6 state (every attached interface). */
  has(iface: NetInterface): boolean {
    return this.#devs.has(iface.index);
  }

  /** The IPv6 MTU a router advertisement set on `iface`, or 0 for the device's. */
  linkMtu(iface: NetInterface): number {
    return this.#devs.get(iface.index)?.mtu ?? 0;
  }

  /** Stops the address and router-solicitation timers (host power-off). */
  stop(): void {
    for (const d of this.#devs.values()) {
      this.ctx.scheduler.disarm(d.rsTimer);
      for (const a of d.addrs) this.ctx.scheduler.disarm(a.timer);
    }
  }

  /** Gives `iface` its IPv6 state (`::1` on `lo`; a link-local address when IPv6 runs). */
  attach(iface: NetInterface): void {
    if (this.#devs.has(iface.index)) return;
    const d: Inet6Dev = {
      iface, addrs: [], groups: new Map(), mtu: 0, hopLimit: 0, rsSent: 0, rsInterval: 0,
      rsTimer: new Timer(() => this.#rsTimer(d)), gotRa: false,
    };
    this.#devs.set(iface.index, d);
    const dev = iface.device;
    if (isEthernet(dev)) this.ip6.ndisc.attach(iface, dev);
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
      this.ip6.mld.down(iface);
      // Linux addrconf_ifdown: autoconfigured and link-local addresses go; manual ones return to tentative.
      for (const a of [...d.addrs]) {
        if (a.autoconf || isLinkLocal6(a.addr)) this.removeAddress(iface, a.addr);
        else this.#setState(a, "tentative");
      }
      this.ip6.routes.remove((r) => r.iface === iface && (r.proto === "ra" || Number.isFinite(r.expires)));
      d.gotRa = false;
      return;
    }
    if (this.ctx.sysctl.disable_ipv6) return;
    d.groups.set(ipv6Key(ALLNODES), ALLNODES);
    // ipv6_mc_up: groups joined while the link was down are reported now.
    for (const g of d.groups.values()) this.ip6.mld.joined(iface, g);
    if (!d.addrs.some((a) => isLinkLocal6(a.addr))) {
      const ll = isEthernet(dev) ? linkLocalFromMac(dev.mac) : randomLinkLocal(this.ip6.random());
      this.addAddress(iface, ll, 64);
    }
    for (const a of d.addrs) if (a.state === "tentative" && !a.timer.armed) this.#startDad(a);
  }

  /**
   * Adds `addr/prefixLen` to `iface` (`ip -6 addr add`) with its prefix
   * route; tentative until DAD passes on an Ethernet link. Throws when
   * the interface already has it (EEXIST), and while IPv6 is disabled
   * (`disable_ipv6`, the default until `enableIpv6()`) on any interface
   * but loopback, as Linux does.
   */
  addAddress(iface: NetInterface, addr: Ipv6Address, prefixLen: number, opts: { nodad?: boolean; autoconf?: boolean; validLifetime?: Micros; preferredLifetime?: Micros } = {}): Inet6Addr {
    const d = this.#devs.get(iface.index);
    if (!d) throw new TypeError(`${iface.name}: no IPv6 state`);
    // Linux refuses with EACCES and this extack text (checked on 6.18 with a veth and
    // disable_ipv6=1); accepting it would leave an address nothing answers on.
    if (this.ctx.sysctl.disable_ipv6 && iface !== this.ip.loopback) {
      throw new Error(`Error: ipv6: IPv6 is disabled on this device (${iface.name}: call enableIpv6() first)`);
    }
    if (d.addrs.some((a) => ipv6Equal(a.addr, addr))) throw new Error(`RTNETLINK answers: File exists (${formatIpv6Address(addr)} on ${iface.name})`);
    const now = this.ctx.scheduler.now();
    const a: Inet6Addr = {
      addr: addr.slice(), prefixLen, iface, state: "tentative", autoconf: opts.autoconf ?? false,
      validUntil: opts.validLifetime === undefined ? Infinity : now + opts.validLifetime,
      preferredUntil: opts.preferredLifetime === undefined ? Infinity : now + opts.preferredLifetime,
      dadProbes: 0, nonce: null, timer: new Timer(() => this.#addrTimer(a)),
    };
    d.addrs.push(a);
    this.#join(iface, solicitedNode(addr));
    if (iface !== this.ip.loopback && prefixLen < 128) {
      this.ip6.routes.add({ dest: addr, prefixLen, iface, proto: "kernel", expires: a.validUntil });
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
    if (!d.addrs.some((x) => ipv6Equal(solicitedNode(x.addr), solicitedNode(addr)))) {
      // addrconf_leave_solict: the last address of the group leaves it (an MLD report).
      if (d.groups.delete(ipv6Key(solicitedNode(addr))) && iface.device.up && !this.ctx.sysctl.disable_ipv6) this.ip6.mld.left(iface, solicitedNode(addr));
    }
    if (!d.addrs.some((x) => x.prefixLen === a.prefixLen && ipv6InPrefix(x.addr, a.addr, a.prefixLen))) {
      this.ip6.routes.remove((r) => r.iface === iface && r.proto === "kernel" && r.prefixLen === a.prefixLen && ipv6InPrefix(a.addr, r.dest, r.prefixLen));
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
    const rng = this.ip6.random();
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
        this.ip6.ndisc.sendNs(a.iface, dev, a.addr, IN6ADDR_ANY, solicitedNode(a.addr), -1, this.ctx.sysctl.ipv6_dad_transmits > 0 ? a.nonce : null);
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
    // addrconf_dad_completed: the interface's only usable link-local address → ipv6_mc_dad_complete.
    const lls = this.#devs.get(a.iface.index)!.addrs.filter((x) => isLinkLocal6(x.addr) && (x.state === "preferred" || x.state === "deprecated"));
    if (isLinkLocal6(a.addr) && lls.length === 1) this.ip6.mld.dadComplete(a.iface);
    // addrconf_dad_completed: the first usable link-local address starts router solicitation on a host.
    const d = this.#devs.get(a.iface.index)!;
    const sc = this.ctx.sysctl;
    if (isLinkLocal6(a.addr) && !this.ip6.isRouter && sc.ipv6_accept_ra > 0 && sc.ipv6_router_solicitations !== 0 && !d.gotRa &&
      a.iface.device instanceof EthernetDevice) {
      d.rsSent = 0;
      d.rsInterval = backoffInit(sc.ipv6_router_solicitation_interval, this.ip6.random());
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

  /** Joins `group` on `iface`; a new membership on an up interface is reported (MLD). */
  #join(iface: NetInterface, group: Ipv6Address): void {
    const d = this.#devs.get(iface.index);
    if (!d) return;
    const k = ipv6Key(group);
    if (d.groups.has(k)) return;
    d.groups.set(k, group.slice());
    if (iface.device.up && !this.ctx.sysctl.disable_ipv6) this.ip6.mld.joined(iface, group);
  }

  /** The multicast groups `iface` has joined (the all-nodes group once IPv6 runs on it). */
  groupsOf(iface: NetInterface): Ipv6Address[] {
    return [...(this.#devs.get(iface.index)?.groups.values() ?? [])];
  }

  /** True when `iface` listens to multicast `group`. */
  isMember(iface: NetInterface, group: Ipv6Address): boolean {
    const d = this.#devs.get(iface.index);
    if (!d) return false;
    const k = ipv6Key(group);
    if (d.groups.has(k)) return true;
    // ff02::2 (all routers) while forwarding; ff01::1 / ff02::1 always once IPv6 runs on the link.
    return (this.ip6.isRouter && ipv6Equal(group, ALLROUTERS)) || ipv6Equal(group, ALLNODES_IF) || (ipv6Equal(group, ALLNODES) && d.addrs.length > 0);
  }

  #sendRs(d: Inet6Dev): void {
    const dev = d.iface.device;
    if (!(dev instanceof EthernetDevice) || !dev.up) return;
    const src = this.linkLocalOf(d.iface) ?? IN6ADDR_ANY;
    this.ip6.ndisc.sendRs(d.iface, dev, src);
    d.rsSent++;
    const max = this.ctx.sysctl.ipv6_router_solicitations;
    if (max >= 0 && d.rsSent >= max) return;
    this.ctx.scheduler.arm(d.rsTimer, this.ctx.scheduler.now() + d.rsInterval);
  }

  /** addrconf_rs_timer: the next solicitation, with RFC 7559's backoff once the initial ones went unanswered. */
  #rsTimer(d: Inet6Dev): void {
    if (d.gotRa || this.ip6.isRouter) return;
    const sc = this.ctx.sysctl;
    d.rsInterval = backoffUpdate(d.rsInterval, sc.ipv6_router_solicitation_max_interval, this.ip6.random());
    this.#sendRs(d);
  }

  /** A router advertisement arrived on `iface` from `router` (addrconf_prefix_rcv, ndisc_router_discovery). */
  routerAdvertisement(iface: NetInterface, router: Ipv6Address, ra: RouterAdvert): void {
    const sc = this.ctx.sysctl;
    const d = this.#devs.get(iface.index);
    if (!d || this.ip6.isRouter || sc.ipv6_accept_ra <= 0) return;
    const now = this.ctx.scheduler.now();
    d.gotRa = true;
    this.ctx.scheduler.disarm(d.rsTimer);
    const gw = router.slice();
    this.ip6.routes.remove((r) => r.iface === iface && r.proto === "ra" && r.prefixLen === 0 && ipv6Equal(r.gateway, gw));
    if (ra.routerLifetime > 0) {
      this.ip6.routes.add({ dest: IN6ADDR_ANY, prefixLen: 0, gateway: gw, iface, proto: "ra", metric: IP6_RT_PRIO_USER, expires: now + ra.routerLifetime * SEC });
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
      this.ip6.routes.remove((r) => r.iface === d.iface && r.proto === "kernel" && Number.isFinite(r.expires) && r.prefixLen === p.prefixLen &&
        ipv6InPrefix(p.prefix, r.dest, r.prefixLen));
      if (valid > 0) this.ip6.routes.add({ dest: p.prefix, prefixLen: p.prefixLen, iface: d.iface, proto: "kernel", expires: now + valid });
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

