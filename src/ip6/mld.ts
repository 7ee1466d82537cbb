/**
 * Multicast Listener Discovery, version 2 (RFC 3810), the host side as
 * Linux's net/ipv6/mcast.c: when an interface joins or leaves a group it
 * reports the change (a state-change report: CHANGE_TO_EXCLUDE with no
 * sources on a join, CHANGE_TO_INCLUDE on a leave) at once and repeats it
 * robustness − 1 more times, each after a random delay below the
 * unsolicited report interval (1 s); when the interface's first link-local
 * address passes duplicate address detection it reports all its groups
 * again the same way (ipv6_mc_dad_complete — the earlier reports went out
 * from `::`); a General Query is answered after a random delay below its
 * Maximum Response Delay with a current-state report (MODE_IS_EXCLUDE) of
 * every group, a Multicast-Address-Specific Query with that group's.
 * Reports go to ff02::16 with hop limit 1 behind a hop-by-hop header
 * carrying the router alert option (value 0, MLD) and a PadN, from the
 * link-local address (`::` while it is tentative). The all-nodes group and
 * interface-local groups are never reported. Checked against Linux 6.18:
 * src/wire/testdata/ipv6-linkup.pcap (the link coming up) and
 * test/ip6/mld.test.ts.
 */
import { Timer } from "../core/scheduler.js";
import type { Rng } from "../core/rng.js";
import type { Micros } from "../core/time.js";
import type { NetInterface } from "../ip/interface.js";
import { EthernetDevice } from "../link/ethernet.js";
import { emitIcmpv6, ICMPV6 } from "../wire/icmpv6.js";
import { IPV6, type Ipv6Header } from "../wire/ipv6.js";
import { IN6ADDR_ANY, ipv6Equal, ipv6Key, isMulticast6, parseIpv6Address, type Ipv6Address } from "../wire/ipv6-address.js";
import type { Packet } from "../wire/packet.js";
import type { Ip6Layer } from "./ip6-layer.js";

/** ICMPv6 types of MLD (RFC 2710, RFC 3810). */
export const MLD_LISTENER_QUERY = 130;
export const MLD2_LISTENER_REPORT = 143;
/** MLDv2 group record types (RFC 3810 §5.2.12). */
export const MLD2_MODE_IS_EXCLUDE = 2;
export const MLD2_CHANGE_TO_INCLUDE = 3;
export const MLD2_CHANGE_TO_EXCLUDE = 4;

/** ff02::16, all MLDv2-capable routers: where reports go. */
export const MLD2_ALL_ROUTERS: Ipv6Address = parseIpv6Address("ff02::16")!;
const ALLNODES: Ipv6Address = parseIpv6Address("ff02::1")!;
/** The robustness variable (net.ipv6.mld_qrv, 2) and the unsolicited report interval (1 s for MLDv2). */
const QRV = 2;
const UNSOLICITED_INTERVAL: Micros = 1_000_000;
/** The hop-by-hop header of every report: next header ICMPv6, router alert (value 0: MLD), PadN. */
const HBH_RTALERT = [58, 0, 5, 2, 0, 0, 1, 0];

/** A group record to send, with how many more times (state changes repeat). */
interface Change {
  group: Ipv6Address;
  type: number;
  left: number;
}

/** One interface's MLD state. */
interface MldIface {
  iface: NetInterface;
  /** Pending state-change records by group key (mca_crcount). */
  changes: Map<string, Change>;
  /** Retransmissions of the all-groups report after DAD (mc_dad_count). */
  dadLeft: number;
  readonly changeTimer: Timer;
  readonly dadTimer: Timer;
  readonly queryTimer: Timer;
  /** The groups a pending query asked for (null: a general query). */
  queryGroups: Ipv6Address[] | null;
}

/** MLDv2 for one host's interfaces. */
export class Mld {
  readonly #ifaces = new Map<number, MldIface>();
  #rng: Rng | null = null;

  constructor(readonly ip6: Ip6Layer) {}

  /** Random draws of their own, so MLD's delays do not shift the draws of DAD and router solicitation. */
  #random(): Rng {
    return (this.#rng ??= this.ip6.ctx.rng.fork("mld"));
  }

  #state(iface: NetInterface): MldIface {
    let s = this.#ifaces.get(iface.index);
    if (!s) {
      const st: MldIface = {
        iface, changes: new Map(), dadLeft: 0, queryGroups: null,
        changeTimer: new Timer(() => this.#sendChanges(st)),
        dadTimer: new Timer(() => this.#sendDad(st)),
        queryTimer: new Timer(() => this.#answerQuery(st)),
      };
      s = st;
      this.#ifaces.set(iface.index, s);
    }
    return s;
  }

  /** Whether a group is reported (not all-nodes, not interface-local: Linux's MLD_MARKER groups and scope). */
  static reportable(group: Ipv6Address): boolean {
    return isMulticast6(group) && (group[1]! & 0x0f) >= 2 && !ipv6Equal(group, ALLNODES);
  }

  /** `iface` joined `group` (igmp6_group_added → mld_ifc_event). */
  joined(iface: NetInterface, group: Ipv6Address): void {
    this.#change(iface, group, MLD2_CHANGE_TO_EXCLUDE);
  }

  /** `iface` left `group` (igmp6_group_dropped). */
  left(iface: NetInterface, group: Ipv6Address): void {
    this.#change(iface, group, MLD2_CHANGE_TO_INCLUDE);
  }

  #change(iface: NetInterface, group: Ipv6Address, type: number): void {
    if (!Mld.reportable(group) || !this.#usable(iface)) return;
    const s = this.#state(iface);
    s.changes.set(ipv6Key(group), { group: group.slice(), type, left: QRV });
    // mld_ifc_start_work(idev, 1): at once, with every pending change (joins at one instant share a report).
    const sched = this.ip6.ctx.scheduler, now = sched.now();
    if (!s.changeTimer.armed || s.changeTimer.deadline > now) sched.arm(s.changeTimer, now);
  }

  /** The first link-local address of `iface` passed DAD (ipv6_mc_dad_complete): all groups again, QRV times. */
  dadComplete(iface: NetInterface): void {
    if (!this.#usable(iface)) return;
    const s = this.#state(iface);
    s.dadLeft = QRV;
    this.#sendDad(s);
  }

  /** The interface went down: pending reports are dropped. */
  down(iface: NetInterface): void {
    const s = this.#ifaces.get(iface.index);
    if (!s) return;
    const sched = this.ip6.ctx.scheduler;
    sched.disarm(s.changeTimer);
    sched.disarm(s.dadTimer);
    sched.disarm(s.queryTimer);
    s.changes.clear();
    s.dadLeft = 0;
  }

  #usable(iface: NetInterface): boolean {
    return iface.device instanceof EthernetDevice && iface.device.up && !this.ip6.halted && !this.ip6.ctx.sysctl.disable_ipv6;
  }

  #sendChanges(s: MldIface): void {
    const recs: [Ipv6Address, number][] = [];
    for (const [k, c] of s.changes) {
      recs.push([c.group, c.type]);
      if (--c.left <= 0) s.changes.delete(k);
    }
    if (recs.length) this.#send(s.iface, recs);
    if (s.changes.size) this.#armRandom(s.changeTimer, UNSOLICITED_INTERVAL);
  }

  #sendDad(s: MldIface): void {
    if (s.dadLeft <= 0) return;
    s.dadLeft--;
    const recs = this.#groups(s.iface).map((g): [Ipv6Address, number] => [g, MLD2_CHANGE_TO_EXCLUDE]);
    if (recs.length) this.#send(s.iface, recs);
    if (s.dadLeft > 0) this.#armRandom(s.dadTimer, UNSOLICITED_INTERVAL);
  }

  #answerQuery(s: MldIface): void {
    const all = this.#groups(s.iface);
    const asked = s.queryGroups;
    s.queryGroups = null;
    const groups = asked === null ? all : all.filter((g) => asked.some((a) => ipv6Equal(a, g)));
    if (groups.length) this.#send(s.iface, groups.map((g): [Ipv6Address, number] => [g, MLD2_MODE_IS_EXCLUDE]));
  }

  /** The reportable groups `iface` is in. */
  #groups(iface: NetInterface): Ipv6Address[] {
    return this.ip6.addrconf.groupsOf(iface).filter((g) => Mld.reportable(g));
  }

  #armRandom(t: Timer, below: Micros): void {
    const sched = this.ip6.ctx.scheduler;
    sched.arm(t, sched.now() + this.#random().below(Math.max(1, below)));
  }

  /**
   * A received query (igmp6_event_query): from a link-local source, an
   * MLDv2 one (≥ 28 bytes) schedules the answer; an MLDv1 query (24 bytes)
   * is counted and not answered (no MLDv1 compatibility mode).
   */
  input(packet: Packet, hdr: Ipv6Header, l4off: number, iface: NetInterface): boolean {
    const b = packet.bytes();
    const len = IPV6.HEADER + hdr.payloadLength - l4off;
    if (len < 24 || (hdr.src[0] !== 0xfe || (hdr.src[1]! & 0xc0) !== 0x80)) return false;
    if (len < 28) return true;
    const mrc = (b[l4off + 4]! << 8) | b[l4off + 5]!;
    // RFC 3810 §5.1.3: the Maximum Response Code, in ms (a floating-point form from 32768).
    const mrd = mrc < 32768 ? mrc : ((mrc & 0x0fff) | 0x1000) << (((mrc >> 12) & 7) + 3);
    const group = b.slice(l4off + 8, l4off + 24);
    const s = this.#state(iface);
    const general = group.every((x) => x === 0);
    if (general) s.queryGroups = null;
    else if (s.queryTimer.armed && s.queryGroups === null) return true; // a general answer is pending anyway
    else s.queryGroups = [...(s.queryTimer.armed ? s.queryGroups ?? [] : []), group];
    const delay = this.#random().below(Math.max(1, mrd * 1000));
    const sched = this.ip6.ctx.scheduler;
    const at = sched.now() + delay;
    // An earlier pending answer stands (mld_gq_start_work keeps the sooner one).
    if (!s.queryTimer.armed || s.queryTimer.deadline > at) sched.arm(s.queryTimer, at);
    return true;
  }

  /** Sends one MLDv2 report with `recs` from the link-local address (`::` while tentative). */
  #send(iface: NetInterface, recs: [Ipv6Address, number][]): void {
    const dev = iface.device;
    if (!(dev instanceof EthernetDevice) || !dev.up) return;
    const src = this.ip6.addrconf.linkLocalOf(iface) ?? IN6ADDR_ANY;
    const icmpLen = ICMPV6.HEADER + recs.length * 20;
    const b = new Uint8Array(IPV6.HEADER + HBH_RTALERT.length + icmpLen);
    b.set(HBH_RTALERT, IPV6.HEADER);
    const o = IPV6.HEADER + HBH_RTALERT.length;
    let r = o + ICMPV6.HEADER;
    for (const [g, type] of recs) {
      b[r] = type; // aux data length 0, no sources
      b.set(g, r + 4);
      r += 20;
    }
    emitIcmpv6(MLD2_LISTENER_REPORT, 0, recs.length, b, o, new Uint8Array(0), src, MLD2_ALL_ROUTERS, true, icmpLen - ICMPV6.HEADER);
    this.ip6.counters("Icmp6", "OutMsgs", "OutMLDv2Reports", "OutType143");
    this.ip6.sendNd(iface, dev, b, src, MLD2_ALL_ROUTERS, -1, { hopLimit: 1, nextHeader: 0 });
  }
}
