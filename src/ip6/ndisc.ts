/**
 * Neighbor Discovery (RFC 4861) on the family-neutral neighbour table
 * (ip/neighbour.ts — Linux's nd_tbl beside arp_tbl, one NUD machine):
 * neighbour solicitations and advertisements as Linux's ndisc.c sends
 * and takes them, and the router side of router discovery (a minimal
 * radvd: {@link Ndisc.advertise}).
 *
 * - Solicit (ndisc_solicit): multicast to the target's solicited-node
 *   group while resolving, unicast to the known MAC while probing; the
 *   source is the queued packet's source when it is ours on that link,
 *   else the link-local address (as the captures on this machine show),
 *   with a source link-layer address option.
 * - A solicitation for one of our addresses makes its sender STALE (with
 *   its link-layer address) and is answered: unicast, Solicited, with the
 *   target link-layer option and Override only when the solicitation was
 *   multicast (ndisc_recv_ns's `inc`); from `::` (someone's DAD) to
 *   ff02::1, not Solicited. One for a tentative address from `::` is a
 *   DAD conflict; from anyone else it is ignored.
 * - An advertisement updates an existing entry: REACHABLE when
 *   Solicited, else STALE; Override replaces the link-layer address, no
 *   Override only demotes a connected entry (weak override). One for a
 *   tentative address of ours is a DAD conflict.
 * - Messages with a hop limit other than 255, a nonzero code, a
 *   multicast target or a source link-layer option from `::` are dropped
 *   (RFC 4861 §7.1.1/§7.1.2), counted Icmp6InErrors by the caller.
 *
 * Redirects: sent by a forwarding router (ip6-input.ts), taken by hosts
 * (`#recvRedirect`). Not modelled: proxy ND, ND options beyond
 * SLLAO/TLLAO/prefix/MTU/nonce/redirected header.
 */
import type { Micros } from "../core/time.js";
import { SEC } from "../core/time.js";
import { Timer } from "../core/scheduler.js";
import { EthernetDevice } from "../link/ethernet.js";
import { ETH_P_IPV6, type MacAddress } from "../wire/ethernet.js";
import {
  ICMPV6, NDISC_NEIGHBOUR_ADVERTISEMENT, NDISC_NEIGHBOUR_SOLICITATION, NDISC_REDIRECT, NDISC_ROUTER_ADVERTISEMENT, NDISC_ROUTER_SOLICITATION,
  ND_OPT_REDIRECT_HDR, ND_NA_OVERRIDE, ND_NA_ROUTER, ND_NA_SOLICITED, ND_OPT_SOURCE_LL_ADDR, ND_OPT_TARGET_LL_ADDR, emitIcmpv6, newNdOptions, parseNdOptions,
  writeNdLinkLayerOption, writeNdMtuOption, writeNdPrefixOption, type NdPrefix,
} from "../wire/icmpv6.js";
import { IPV6, NEXTHDR_ICMPV6, NEXTHDR_TCP, type Ipv6Header } from "../wire/ipv6.js";
import {
  IN6ADDR_ALLNODES, IN6ADDR_ANY, formatIpv6Address, ipv6Equal, isLinkLocal6, ipv6Key, ipv6MulticastMacOf, isMulticast6, isUnspecified6, solicitedNode,
  type Ipv6Address,
} from "../wire/ipv6-address.js";
import { Packet } from "../wire/packet.js";
import type { NetInterface } from "../ip/interface.js";
import { NUD_VALID, NeighbourTable, type Neighbour } from "../ip/neighbour.js";
import type { Ip6Layer } from "./ip6-layer.js";

/** ND option 14 (RFC 7527 nonce), which Linux's enhanced DAD puts in its DAD solicitations. */
export const ND_OPT_NONCE = 14;

/** A router's advertisement configuration on one interface (radvd.conf's essentials). */
export interface RouterAdvertConfig {
  /** Prefixes to advertise (on-link and autonomous by default). */
  prefixes: { prefix: Ipv6Address; prefixLen: number; validLifetime?: number; preferredLifetime?: number; onLink?: boolean; autonomous?: boolean }[];
  /** Router lifetime in seconds (default 1800: 3 × MaxRtrAdvInterval). */
  routerLifetime?: number;
  /** Current hop limit to advertise (default 64). */
  curHopLimit?: number;
  /** An MTU option, or none. */
  mtu?: number;
  /** MaxRtrAdvInterval in µs (default 600 s); MinRtrAdvInterval is a third of it. */
  maxInterval?: Micros;
}

interface Advertiser {
  cfg: RouterAdvertConfig;
  timer: Timer;
  initialSent: number;
  lastSent: Micros;
}

/** RFC 4861 §10: MAX_INITIAL_RTR_ADVERTISEMENTS, MAX_INITIAL_RTR_ADVERT_INTERVAL, MAX_RA_DELAY_TIME, MIN_DELAY_BETWEEN_RAS. */
const MAX_INITIAL_RTR_ADVERTISEMENTS = 3;
const MAX_INITIAL_RTR_ADVERT_INTERVAL = 16 * SEC;
const MAX_RA_DELAY_TIME = 500_000;
const MIN_DELAY_BETWEEN_RAS = 3 * SEC;

/** Neighbor Discovery and the IPv6 neighbour table of one host. */
export class Ndisc extends NeighbourTable<Ipv6Address> {
  readonly #adverts = new Map<number, Advertiser>();
  readonly #opts = newNdOptions();

  constructor(readonly ip6: Ip6Layer) {
    super(ip6.ctx, ETH_P_IPV6, "ndisc");
  }

  protected key(a: Ipv6Address): string {
    return ipv6Key(a);
  }

  protected formatAddr(a: Ipv6Address): string {
    return formatIpv6Address(a);
  }

  /** Plugs an Ethernet interface into ND. */
  attach(iface: NetInterface, dev: EthernetDevice): void {
    this.addTable(iface);
    dev.resolve6 = (p, nextHop) => this.output(iface, dev, p, nextHop);
    const prev = dev.onLinkChange;
    dev.onLinkChange = (d) => {
      prev?.(d);
      if (!dev.up) this.flush(iface);
      this.ip6.linkChanged(iface);
    };
  }

  /** Sends an IPv6 packet to `nextHop` on `dev`: multicast to its MAC, unicast through the table. */
  output(iface: NetInterface, dev: EthernetDevice, p: Packet, nextHop: Ipv6Address): void {
    if (isMulticast6(nextHop)) {
      dev.sendFrame(ipv6MulticastMacOf(nextHop), ETH_P_IPV6, p);
      return;
    }
    this.resolveOutput(iface, dev, p, nextHop);
  }

  /** ndisc_solicit */
  protected solicit(n: Neighbour<Ipv6Address>, unicast: boolean): void {
    const last = n.queue[n.queue.length - 1];
    let src: Ipv6Address | null = null;
    if (last && last.head.length >= IPV6.HEADER) {
      const s = last.head.subarray(8, 24);
      if (this.ip6.addressOn(n.iface, s, false)) src = s.slice();
    }
    src ??= this.ip6.linkLocalOf(n.iface);
    if (!src) return; // no usable link-local address: Linux sends nothing
    this.sendNs(n.iface, n.dev, n.addr, src, unicast ? n.addr : solicitedNode(n.addr), unicast ? n.mac : -1, null);
  }

  /** ndisc_error_report: ICMPv6 address unreachable to the sender of a packet that could not be resolved. */
  protected errorReport(p: Packet): void {
    this.ip6.addressUnreachable(p);
  }

  /**
   * Sends a neighbour solicitation for `target` from `src` (`::` for DAD,
   * then with `nonce`) to `dst` (MAC `mac`, or -1 for `dst`'s multicast MAC).
   */
  sendNs(iface: NetInterface, dev: EthernetDevice, target: Ipv6Address, src: Ipv6Address, dst: Ipv6Address, mac: MacAddress, nonce: Uint8Array | null): void {
    const dad = isUnspecified6(src);
    const len = 24 + (dad ? (nonce ? 8 : 0) : 8);
    const b = new Uint8Array(IPV6.HEADER + len);
    const o = IPV6.HEADER;
    b.set(target, o + 8);
    if (!dad) writeNdLinkLayerOption(b, o + 24, ND_OPT_SOURCE_LL_ADDR, dev.mac);
    else if (nonce) {
      b[o + 24] = ND_OPT_NONCE;
      b[o + 25] = 1;
      b.set(nonce.subarray(0, 6), o + 26);
    }
    emitIcmpv6(NDISC_NEIGHBOUR_SOLICITATION, 0, 0, b, o, new Uint8Array(0), src, dst, true, len - ICMPV6.HEADER);
    this.ip6.counters("Icmp6", "OutMsgs", "OutNeighborSolicits", "OutType135");
    this.ip6.sendNd(iface, dev, b, src, dst, mac);
  }

  /** Sends a neighbour advertisement for our `target` to `dst` (MAC `mac`, -1 for multicast). */
  #sendNa(iface: NetInterface, dev: EthernetDevice, target: Ipv6Address, dst: Ipv6Address, mac: MacAddress, solicited: boolean, override: boolean, withTllao: boolean): void {
    const len = 24 + (withTllao ? 8 : 0);
    const b = new Uint8Array(IPV6.HEADER + len);
    const o = IPV6.HEADER;
    b.set(target, o + 8);
    if (withTllao) writeNdLinkLayerOption(b, o + 24, ND_OPT_TARGET_LL_ADDR, dev.mac);
    const flags = (this.ip6.isRouter ? ND_NA_ROUTER : 0) | (solicited ? ND_NA_SOLICITED : 0) | (override ? ND_NA_OVERRIDE : 0);
    emitIcmpv6(NDISC_NEIGHBOUR_ADVERTISEMENT, 0, flags >>> 0, b, o, new Uint8Array(0), target, dst, true, len - ICMPV6.HEADER);
    this.ip6.counters("Icmp6", "OutMsgs", "OutNeighborAdvertisements", "OutType136");
    this.ip6.sendNd(iface, dev, b, target, dst, mac);
  }

  /**
   * An ND message (types 133–137) whose checksum the ICMPv6 layer has
   * verified. Returns false when the message is invalid (the caller
   * counts Icmp6InErrors).
   */
  input(packet: Packet, hdr: Ipv6Header, l4off: number, iface: NetInterface): boolean {
    const dev = iface.device;
    const b = packet.payload.length ? packet.bytes() : packet.head;
    const end = IPV6.HEADER + hdr.payloadLength;
    const type = b[l4off]!;
    if (hdr.hopLimit !== 255 || b[l4off + 1] !== 0) return false;
    if (!(dev instanceof EthernetDevice)) return true; // ND runs on Ethernet links only
    const now = this.ctx.scheduler.now();
    const o = this.#opts;
    if (type === NDISC_NEIGHBOUR_SOLICITATION || type === NDISC_NEIGHBOUR_ADVERTISEMENT) {
      if (end - l4off < 24) return false;
      const target = b.slice(l4off + 8, l4off + 24);
      if (isMulticast6(target)) return false;
      if (parseNdOptions(b, l4off + 24, end, o)) return false;
      if (type === NDISC_NEIGHBOUR_SOLICITATION) return this.#recvNs(iface, dev, hdr, target, b, l4off, end, now);
      const flags = ((b[l4off + 4]! << 24) | (b[l4off + 5]! << 16)) >>> 0;
      return this.#recvNa(iface, hdr, target, flags, now);
    }
    if (type === NDISC_ROUTER_SOLICITATION) {
      if (end - l4off < 8 || parseNdOptions(b, l4off + 8, end, o)) return false;
      if (isUnspecified6(hdr.src) && o.sllao >= 0) return false;
      if (!this.ip6.isRouter) return true; // hosts ignore RS (RFC 4861 §6.2.6)
      if (o.sllao >= 0) this.#learn(iface, dev, hdr.src, o.sllao, now, false);
      const adv = this.#adverts.get(iface.index);
      if (adv) this.#scheduleSolicitedRa(adv, now);
      return true;
    }
    if (type === NDISC_ROUTER_ADVERTISEMENT) {
      if (end - l4off < 16 || parseNdOptions(b, l4off + 16, end, o)) return false;
      if (hdr.src[0] !== 0xfe || (hdr.src[1]! & 0xc0) !== 0x80) return false; // RFC 4861 §6.1.2: source must be link-local
      if (o.sllao >= 0) this.#learn(iface, dev, hdr.src, o.sllao, now, true);
      const u32 = (i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
      this.ip6.routerAdvertisement(iface, hdr.src, {
        curHopLimit: b[l4off + 4]!,
        routerLifetime: (b[l4off + 6]! << 8) | b[l4off + 7]!,
        reachableTime: u32(l4off + 8),
        retransTimer: u32(l4off + 12),
        mtu: o.mtu,
        prefixes: o.prefixes,
      });
      return true;
    }
    if (type === NDISC_REDIRECT) return this.#recvRedirect(iface, dev, hdr, b, l4off, end, now);
    return true;
  }

  /**
   * A Redirect (RFC 4861 §8.1, Linux ndisc_redirect_rcv → rt6_do_redirect):
   * valid when it comes from a link-local address with hop limit 255, is at
   * least 40 bytes, names a unicast destination and a link-local target (or
   * the destination itself: on-link), and its options parse. A host with
   * `accept_redirects` (not a router) then takes it when its sender is the
   * current first hop towards the destination: a /128 route-cache entry
   * through the target, the target's link-layer address (STALE, a router).
   * Linux applies it through the protocol of the redirected packet: ICMPv6
   * and TCP (and a redirect without that header) do; UDP from a socket not
   * bound to a device does not (ip6_sk_redirect looks up with oif 0, which
   * matches no gateway route) — measured on Linux 6.18.
   */
  #recvRedirect(iface: NetInterface, dev: EthernetDevice, hdr: Ipv6Header, b: Uint8Array, l4off: number, end: number, now: Micros): boolean {
    if (end - l4off < 40 || !isLinkLocal6(hdr.src)) return false;
    const target = b.slice(l4off + 8, l4off + 24), dest = b.slice(l4off + 24, l4off + 40);
    if (isMulticast6(dest)) return false;
    const onLink = ipv6Equal(target, dest);
    if (!onLink && !isLinkLocal6(target)) return false;
    const o = this.#opts;
    if (parseNdOptions(b, l4off + 40, end, o)) return false;
    if (this.ip6.isRouter || !this.ctx.sysctl.ipv6_accept_redirects) return true;
    const rh = o.redirected;
    if (rh && rh.length >= 40) {
      const nh = rh[6]!;
      if (nh !== NEXTHDR_ICMPV6 && nh !== NEXTHDR_TCP) return true;
    }
    const rt = this.ip6.routes.lookup(dest, now);
    if (!rt || rt.iface !== iface || !ipv6Equal(rt.nextHop, hdr.src) || rt.nextHop === dest) return true;
    if (o.tllao >= 0) this.#learn(iface, dev, target, o.tllao, now, !onLink);
    this.ip6.routes.add({ dest, prefixLen: 128, gateway: onLink ? IN6ADDR_ANY : target, iface, proto: "redirect", metric: rt.route.metric });
    return true;
  }

  /**
   * Sends a Redirect (ndisc_send_redirect) to `to` on `iface`: `target` is
   * the better first hop for `dest`, with its link-layer address when the
   * neighbour entry has one, and as much of the redirected packet `pkt` as
   * keeps the message within 1280 bytes (8-byte multiples).
   */
  sendRedirect(iface: NetInterface, dev: EthernetDevice, src: Ipv6Address, to: Ipv6Address, target: Ipv6Address, dest: Ipv6Address, pkt: Uint8Array): void {
    const n = this.lookup(iface, target);
    const tllao = n && NUD_VALID.has(n.state) ? n.mac : -1;
    const optLen = tllao >= 0 ? 8 : 0;
    // rd_len = min(IPV6_MIN_MTU - sizeof(ipv6hdr) - sizeof(rd_msg) - optlen, skb->len + 8), rounded down to 8.
    const rdLen = Math.min(1280 - IPV6.HEADER - 40 - optLen, pkt.length + 8) & ~7;
    const len = 40 + optLen + rdLen;
    const m = new Uint8Array(IPV6.HEADER + len);
    const o = IPV6.HEADER;
    m.set(target, o + 8);
    m.set(dest, o + 24);
    if (tllao >= 0) writeNdLinkLayerOption(m, o + 40, ND_OPT_TARGET_LL_ADDR, tllao);
    const r = o + 40 + optLen;
    m[r] = ND_OPT_REDIRECT_HDR;
    m[r + 1] = rdLen / 8;
    m.set(pkt.subarray(0, rdLen - 8), r + 8);
    emitIcmpv6(NDISC_REDIRECT, 0, 0, m, o, new Uint8Array(0), src, to, true, len - ICMPV6.HEADER);
    this.ip6.counters("Icmp6", "OutMsgs", "OutRedirects", "OutType137");
    this.ip6.sendNd(iface, dev, m, src, to, -1);
  }

  #recvNs(iface: NetInterface, dev: EthernetDevice, hdr: Ipv6Header, target: Ipv6Address, b: Uint8Array, l4off: number, end: number, now: Micros): boolean {
    const o = this.#opts;
    const dad = isUnspecified6(hdr.src);
    const toGroup = isMulticast6(hdr.dst);
    if (dad && (o.sllao >= 0 || !toGroup)) return false;
    if (toGroup) this.stats.rcv_probes_mcast++;
    else this.stats.rcv_probes_ucast++;
    const ifa = this.ip6.findAddress(iface, target);
    if (!ifa) return true; // not ours (no proxy ND)
    if (ifa.state === "tentative") {
      if (!dad) return true; // RFC 4862 §5.4.3: ignore
      // Our own DAD looped back (the nonce is ours): not a conflict (RFC 7527).
      const nonceAt = findNonce(b, l4off + 24, end);
      if (nonceAt >= 0 && ifa.nonce && b.subarray(nonceAt, nonceAt + 6).every((x, i) => x === ifa.nonce![i])) return true;
      this.ip6.dadFailed(ifa);
      return true;
    }
    if (ifa.state === "dadfailed") return true;
    if (dad) {
      this.#sendNa(iface, dev, target, IN6ADDR_ALLNODES, -1, false, true, true);
      return true;
    }
    if (o.sllao >= 0) this.#learn(iface, dev, hdr.src, o.sllao, now, false);
    const n = this.lookup(iface, hdr.src);
    const mac = n && n.state !== "INCOMPLETE" && n.state !== "FAILED" ? n.mac : o.sllao;
    if (mac < 0) return true; // cannot answer a unicast solicitation without a link-layer address
    this.#sendNa(iface, dev, target, hdr.src.slice(), mac, true, toGroup, toGroup);
    return true;
  }

  #recvNa(iface: NetInterface, hdr: Ipv6Header, target: Ipv6Address, flags: number, now: Micros): boolean {
    const solicited = (flags & ND_NA_SOLICITED) !== 0;
    if (solicited && isMulticast6(hdr.dst)) return false;
    const ifa = this.ip6.findAddress(iface, target);
    if (ifa) {
      if (ifa.state === "tentative") this.ip6.dadFailed(ifa);
      return true; // someone else claims an address of ours: Linux logs and ignores it
    }
    const n = this.lookup(iface, target);
    if (!n) return true;
    const o = this.#opts;
    if (o.tllao < 0 && n.state === "INCOMPLETE") return true;
    const mac = o.tllao >= 0 ? o.tllao : n.mac;
    const override = (flags & ND_NA_OVERRIDE) !== 0;
    this.update(n, mac, solicited ? "REACHABLE" : "STALE", override, now, !override);
    n.isRouter = (flags & ND_NA_ROUTER) !== 0;
    return true;
  }

  /** ndisc_recv_ns/rs/ra: the sender's link-layer address makes its entry (at least) STALE. */
  #learn(iface: NetInterface, dev: EthernetDevice, addr: Ipv6Address, mac: MacAddress, now: Micros, isRouter: boolean): void {
    const a = addr.slice();
    const n = this.lookup(iface, a) ?? this.create(iface, dev, a, now);
    if (!n) return;
    this.update(n, mac, "STALE", true, now);
    if (isRouter) n.isRouter = true;
  }

  // ── the router side (radvd) ──────────────────────────────────────────

  /**
   * Makes this host advertise itself as a router on `iface` (what radvd
   * does on Linux: the kernel itself sends no RAs): unsolicited router
   * advertisements to ff02::1 — the first three at most 16 s apart, then
   * every MinRtrAdvInterval–MaxRtrAdvInterval — and one in answer to each
   * router solicitation within 0.5 s (at most one per 3 s). Requires
   * `ipv6_forwarding` (radvd refuses to run without it).
   */
  advertise(iface: NetInterface, cfg: RouterAdvertConfig): void {
    if (!this.ctx.sysctl.ipv6_forwarding) throw new Error("advertise: IPv6 forwarding is off (radvd: IPv6 forwarding seems to be disabled)");
    if (!(iface.device instanceof EthernetDevice)) throw new TypeError(`advertise: ${iface.name} is not an Ethernet interface`);
    const old = this.#adverts.get(iface.index);
    if (old) this.ctx.scheduler.disarm(old.timer);
    const adv: Advertiser = { cfg, timer: new Timer(() => this.#unsolicited(iface, adv)), initialSent: 0, lastSent: -Infinity };
    this.#adverts.set(iface.index, adv);
    this.ctx.scheduler.arm(adv.timer, this.ctx.scheduler.now());
  }

  /** Stops advertising on `iface` (sends nothing more; radvd's final RA with lifetime 0 is not modelled). */
  stopAdvertising(iface: NetInterface): void {
    const adv = this.#adverts.get(iface.index);
    if (adv) this.ctx.scheduler.disarm(adv.timer);
    this.#adverts.delete(iface.index);
  }

  #unsolicited(iface: NetInterface, adv: Advertiser): void {
    const now = this.ctx.scheduler.now();
    this.#sendRa(iface, adv, now);
    const max = adv.cfg.maxInterval ?? 600 * SEC;
    const min = Math.floor(max / 3);
    let next = min + this.random().below(Math.max(1, max - min));
    if (adv.initialSent < MAX_INITIAL_RTR_ADVERTISEMENTS) next = Math.min(next, MAX_INITIAL_RTR_ADVERT_INTERVAL);
    this.ctx.scheduler.arm(adv.timer, now + next);
  }

  #scheduleSolicitedRa(adv: Advertiser, now: Micros): void {
    let at = now + this.random().below(MAX_RA_DELAY_TIME);
    if (at < adv.lastSent + MIN_DELAY_BETWEEN_RAS) at = adv.lastSent + MIN_DELAY_BETWEEN_RAS;
    if (!adv.timer.armed || adv.timer.deadline > at) this.ctx.scheduler.arm(adv.timer, at);
  }

  #sendRa(iface: NetInterface, adv: Advertiser, now: Micros): void {
    const dev = iface.device as EthernetDevice;
    const src = this.ip6.linkLocalOf(iface);
    if (!src || !dev.up) return;
    const cfg = adv.cfg;
    const len = 16 + 8 + (cfg.mtu ? 8 : 0) + 32 * cfg.prefixes.length;
    const b = new Uint8Array(IPV6.HEADER + len);
    const o = IPV6.HEADER;
    const life = cfg.routerLifetime ?? 1800;
    let p = o + 16;
    p += writeNdLinkLayerOption(b, p, ND_OPT_SOURCE_LL_ADDR, dev.mac);
    if (cfg.mtu) p += writeNdMtuOption(b, p, cfg.mtu);
    for (const x of cfg.prefixes) {
      const pi: NdPrefix = {
        prefix: x.prefix, prefixLen: x.prefixLen, onLink: x.onLink ?? true, autonomous: x.autonomous ?? true,
        validLifetime: x.validLifetime ?? 86400, preferredLifetime: x.preferredLifetime ?? 14400,
      };
      p += writeNdPrefixOption(b, p, pi);
    }
    const word = ((cfg.curHopLimit ?? 64) << 24) | (life & 0xffff);
    emitIcmpv6(NDISC_ROUTER_ADVERTISEMENT, 0, word >>> 0, b, o, new Uint8Array(0), src, IN6ADDR_ALLNODES, true, len - ICMPV6.HEADER);
    adv.initialSent++;
    adv.lastSent = now;
    this.ip6.counters("Icmp6", "OutMsgs", "OutRouterAdvertisements", "OutType134");
    this.ip6.sendNd(iface, dev, b, src, IN6ADDR_ALLNODES, -1);
  }

  /** Sends a router solicitation on `iface` from `src` (`::` before a link-local address is usable: no SLLAO then). */
  sendRs(iface: NetInterface, dev: EthernetDevice, src: Ipv6Address): void {
    const withLl = !isUnspecified6(src);
    const len = 8 + (withLl ? 8 : 0);
    const b = new Uint8Array(IPV6.HEADER + len);
    if (withLl) writeNdLinkLayerOption(b, IPV6.HEADER + 8, ND_OPT_SOURCE_LL_ADDR, dev.mac);
    const dst = ALLROUTERS;
    emitIcmpv6(NDISC_ROUTER_SOLICITATION, 0, 0, b, IPV6.HEADER, new Uint8Array(0), src, dst, true, len - ICMPV6.HEADER);
    this.ip6.counters("Icmp6", "OutMsgs", "OutRouterSolicits", "OutType133");
    this.ip6.sendNd(iface, dev, b, src, dst, -1);
  }

  /** The random stream of ND (DAD delays and nonces, RA timing). */
  rng(): ReturnType<NeighbourTable<Ipv6Address>["random"]> {
    return this.random();
  }
}

const ALLROUTERS = new Uint8Array([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);

/** The offset of a nonce option's 6 bytes in `b[off, end)`, or -1. */
function findNonce(b: Uint8Array, off: number, end: number): number {
  for (let i = off; i + 8 <= end;) {
    const len = b[i + 1]! * 8;
    if (len === 0) return -1;
    if (b[i] === ND_OPT_NONCE && len >= 8) return i + 2;
    i += len;
  }
  return -1;
}
