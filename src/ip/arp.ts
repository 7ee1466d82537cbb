/**
 * ARP (RFC 826) on the family-neutral neighbour table (`neighbour.ts`,
 * Linux's net/core/neighbour.c with net/ipv4/arp.c): one table per host,
 * entries per (interface, IPv4 address), in Linux's NUD states with its
 * timers. The machine's rules, as ARP uses them:
 *
 * - Sending to an unknown neighbour creates it INCOMPLETE and broadcasts a
 *   request now, then every `retrans_time`; packets wait in its queue
 *   (`unres_qlen_bytes`, charged at truesize; the oldest go first,
 *   counted `unres_discards`). After `mcast_solicit` requests without a
 *   reply it is FAILED: each queued packet gets an ICMP host unreachable
 *   (arp_error_report) and the queue is freed.
 * - A reply to us (unicast) makes it REACHABLE for `reachable_time`
 *   (base_reachable_time × a random factor in [0.5, 1.5), redrawn every
 *   300 s) and sends the queue. Requests from a neighbour, and broadcast
 *   replies, only make it STALE (they do not prove two-way reachability).
 * - When REACHABLE expires it turns STALE, or DELAY if it was used within
 *   `delay_first_probe_time`. Sending through a STALE entry turns it
 *   DELAY (the packet goes, with the old MAC); DELAY without a
 *   confirmation for `delay_first_probe_time` turns PROBE: `ucast_solicit`
 *   unicast requests `retrans_time` apart (then `mcast_resolicit`
 *   broadcast ones), then FAILED. As on Linux 6.18 (measured on this
 *   machine), a probe counts as a use, so an idle neighbour that was once
 *   used keeps being re-probed every reachable time + delay.
 * - Requests for a local address (any interface: `arp_ignore` 0; the
 *   receiving one: 1) are answered, and refresh the sender's entry.
 *   `proxy_arp` answers for addresses routed through another interface
 *   (with forwarding on), after a random delay below `proxy_delay` for
 *   broadcast requests. `arp_notify` sends gratuitous ARP. Unsolicited
 *   replies create no entry unless `arp_accept`.
 * - Garbage collection: above `gc_thresh1` entries, every
 *   base_reachable_time/2, unreferenced FAILED entries and entries unused
 *   for `gc_stale_time` go; a new entry above `gc_thresh2` (at most every
 *   5 s) or at `gc_thresh3` forces a collection of FAILED and entries not
 *   updated for 5 s; still at `gc_thresh3`, the packet is dropped
 *   ("neighbour table overflow", `table_fulls`).
 *
 * ip/ owns this (DESIGN.md: ARP/NDP live with their network layer); the
 * Ethernet card (link/ethernet.ts) only moves frames.
 */
import type { StackContext } from "../core/stack-context.js";
import type { Micros } from "../core/time.js";
import { Timer } from "../core/scheduler.js";
import { EthernetDevice, type FrameHeader } from "../link/ethernet.js";
import { ARP, ARPOP_REPLY, ARPOP_REQUEST, newArpPacket, parseArpInto, writeArp } from "../wire/arp.js";
import { ETH_P_ARP, ETH_P_IP, MAC_BROADCAST, MAC_ZERO, ipv4MulticastMac, isMulticastMac, type MacAddress } from "../wire/ethernet.js";
import { formatIpv4Address, inPrefix, isLoopback, isMulticast, INADDR_BROADCAST, type Ipv4Address } from "../wire/ipv4-address.js";
import { parseIpv4, type Ipv4Header } from "../wire/ipv4.js";
import { Packet } from "../wire/packet.js";
import { WireError } from "../wire/wire-error.js";
import type { NetInterface } from "./interface.js";
import type { RouteResult } from "./route-table.js";
import { NeighbourTable, type Neighbour as NeighbourEntry, type NudState } from "./neighbour.js";

export type { NudState, NeighStats } from "./neighbour.js";
export { Neighbour } from "./neighbour.js";

/** What ARP needs from the IP layer (ip/ip-layer.ts implements it). */
export interface ArpHost {
  readonly ctx: StackContext;
  readonly interfaces: readonly NetInterface[];
  /** True for an address of this host (any interface). */
  isLocalAddress(a: Ipv4Address): boolean;
  /** Route lookup (proxy ARP). */
  lookupRoute(dst: Ipv4Address): RouteResult | null;
  /** Sends ICMP host unreachable about a packet that could not be resolved. */
  hostUnreachable(packet: Packet, hdr: Ipv4Header): void;
}

type Neighbour = NeighbourEntry<Ipv4Address>;

/** ARP and the IPv4 neighbour table of one host (Linux arp_tbl). */
export class Arp extends NeighbourTable<Ipv4Address> {
  readonly #scratch = newArpPacket();

  constructor(readonly host: ArpHost) {
    super(host.ctx, ETH_P_IP, "neigh");
  }

  protected key(a: Ipv4Address): number {
    return a;
  }

  protected formatAddr(a: Ipv4Address): string {
    return formatIpv4Address(a);
  }

  /** Plugs an Ethernet interface into ARP: installs the card's hooks. */
  attach(iface: NetInterface, dev: EthernetDevice): void {
    this.addTable(iface);
    dev.resolve = (p, nextHop) => this.output(iface, dev, p, nextHop);
    dev.onArp = (p, hdr) => this.input(iface, dev, p, hdr);
    const prev = dev.onLinkChange;
    dev.onLinkChange = (d) => {
      prev?.(d);
      if (!dev.up) this.flush(iface);
      else if (this.host.ctx.sysctl.arp_notify) this.announce(iface);
    };
  }

  /** Sends an IPv4 datagram to `nextHop` on `dev` (broadcast and multicast map to their MACs; unicast resolves). */
  output(iface: NetInterface, dev: EthernetDevice, p: Packet, nextHop: Ipv4Address): void {
    if (nextHop === INADDR_BROADCAST || iface.isBroadcast(nextHop)) {
      dev.sendFrame(MAC_BROADCAST, ETH_P_IP, p);
      return;
    }
    if (isMulticast(nextHop)) {
      dev.sendFrame(ipv4MulticastMac(nextHop), ETH_P_IP, p);
      return;
    }
    this.resolveOutput(iface, dev, p, nextHop);
  }

  /** arp_solicit: a request, unicast to the known MAC (PROBE) or broadcast. */
  protected solicit(n: Neighbour, unicast: boolean): void {
    this.#send(n.dev, ARPOP_REQUEST, unicast ? n.mac : MAC_BROADCAST, this.#solicitSource(n), n.addr, MAC_ZERO);
  }

  /** arp_error_report: ICMP host unreachable to the sender. */
  protected errorReport(p: Packet): void {
    const h = parseIpv4(p.head, p.length, false);
    if (!(h instanceof WireError)) this.host.hostUnreachable(p, h);
  }

  /** The sender address of a request for `n` (arp_announce). */
  #solicitSource(n: Neighbour): Ipv4Address {
    const announce = this.host.ctx.sysctl.arp_announce;
    const last = n.queue[n.queue.length - 1];
    if (last && announce < 2) {
      const src = ((last.head[12]! << 24) | (last.head[13]! << 16) | (last.head[14]! << 8) | last.head[15]!) >>> 0;
      if (this.host.isLocalAddress(src) && (announce === 0 || n.iface.addresses.some((a) => a.addr === src && inPrefix(n.addr, a.addr, a.prefixLen)))) return src;
    }
    return n.iface.sourceFor(n.addr);
  }

  // ── input ────────────────────────────────────────────────────────────

  /** An ARP packet received on `iface` (arp_rcv / arp_process). Bad packets are dropped. */
  input(iface: NetInterface, dev: EthernetDevice, p: Packet, hdr: FrameHeader): void {
    const a = this.#scratch;
    if (parseArpInto(p.head, 0, p.length, a)) return;
    const { op, sha, spa, tpa } = a;
    if (op !== ARPOP_REQUEST && op !== ARPOP_REPLY) return;
    // arp_process: no multicast targets, no loopback, no multicast/broadcast sender MACs.
    if (isMulticast(tpa) || isLoopback(tpa) || isMulticastMac(sha)) return;
    const sc = this.host.ctx.sysctl;
    const now = this.host.ctx.scheduler.now();
    const toUs = hdr.dst === dev.mac;
    if (op === ARPOP_REQUEST) {
      if (toUs) this.stats.rcv_probes_ucast++;
      else this.stats.rcv_probes_mcast++;
    }
    // Duplicate address detection probe (sender 0.0.0.0): answer if the target is ours.
    if (spa === 0) {
      if (op === ARPOP_REQUEST && this.#answersFor(iface, tpa, spa)) this.#send(dev, ARPOP_REPLY, sha, tpa, 0, sha);
      return;
    }
    if (op === ARPOP_REQUEST) {
      if (this.host.isLocalAddress(tpa)) {
        if (this.#answersFor(iface, tpa, spa)) {
          this.#eventNs(iface, dev, spa, sha, now);
          this.#send(dev, ARPOP_REPLY, sha, tpa, spa, sha);
        }
        return;
      }
      if (sc.proxy_arp && sc.ip_forward && this.#proxies(iface, tpa)) {
        this.#eventNs(iface, dev, spa, sha, now);
        if (toUs || sc.neigh_proxy_delay <= 0) this.#send(dev, ARPOP_REPLY, sha, tpa, spa, sha);
        else {
          const t = new Timer(() => {
            if (dev.up) this.#send(dev, ARPOP_REPLY, sha, tpa, spa, sha);
          });
          this.host.ctx.scheduler.arm(t, now + this.random().below(sc.neigh_proxy_delay));
        }
        return;
      }
    }
    // Update our tables: existing entries always; new ones only with arp_accept.
    let n = this.lookup(iface, spa);
    const garp = spa === tpa || (op === ARPOP_REPLY && a.tha === sha);
    if (!n && sc.arp_accept && (garp || op === ARPOP_REPLY)) n = this.create(iface, dev, spa, now) ?? undefined;
    if (!n) return;
    const override = now > n.updated + sc.neigh_locktime || garp;
    const state: NudState = op !== ARPOP_REPLY || !toUs ? "STALE" : "REACHABLE";
    this.update(n, sha, state, override, now);
  }

  /** arp_ignore: does this host answer a request for `tip` from `sip` arriving on `iface`? */
  #answersFor(iface: NetInterface, tip: Ipv4Address, sip: Ipv4Address): boolean {
    const mode = this.host.ctx.sysctl.arp_ignore;
    if (!this.host.isLocalAddress(tip)) return false;
    if (mode === 0) return true;
    const own = iface.addresses.find((x) => x.addr === tip);
    if (!own) return false;
    if (mode === 1) return true;
    if (mode === 2) return sip === 0 || inPrefix(sip, own.addr, own.prefixLen);
    return false; // 8: never; 3/4–7 are not modelled and answer nothing
  }

  /** arp_fwd_proxy: `tip` is routed through another interface. */
  #proxies(iface: NetInterface, tip: Ipv4Address): boolean {
    const rt = this.host.lookupRoute(tip);
    return !!rt && rt.iface !== iface;
  }

  /** neigh_event_ns: the sender of a request to us becomes (at least) STALE. */
  #eventNs(iface: NetInterface, dev: EthernetDevice, spa: Ipv4Address, sha: MacAddress, now: Micros): void {
    const n = this.lookup(iface, spa) ?? this.create(iface, dev, spa, now);
    if (n) this.update(n, sha, "STALE", true, now);
  }

  /** Sends a gratuitous ARP request for each address of `iface` (arp_notify, `arping -U`). */
  announce(iface: NetInterface): void {
    const dev = iface.device;
    if (!(dev instanceof EthernetDevice) || !dev.up) return;
    for (const a of iface.addresses) this.#send(dev, ARPOP_REQUEST, MAC_BROADCAST, a.addr, a.addr, MAC_ZERO);
  }

  /** Called by IP when `addr` is added to `iface`. */
  addressAdded(iface: NetInterface, addr: Ipv4Address): void {
    const dev = iface.device;
    if (this.host.ctx.sysctl.arp_notify && dev instanceof EthernetDevice && dev.up) this.#send(dev, ARPOP_REQUEST, MAC_BROADCAST, addr, addr, MAC_ZERO);
  }

  /**
   * Sends one ARP packet (arp_send): `dst` is the frame's destination,
   * `tha` the target hardware address in the packet.
   */
  #send(dev: EthernetDevice, op: number, dst: MacAddress, spa: Ipv4Address, tpa: Ipv4Address, tha: MacAddress): void {
    const b = new Uint8Array(ARP.LENGTH);
    writeArp(b, 0, { op, sha: dev.mac, spa, tha: op === ARPOP_REQUEST ? tha : tha, tpa });
    dev.sendFrame(dst, ETH_P_ARP, new Packet(b));
  }
}
