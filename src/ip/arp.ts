/**
 * ARP (RFC 826) and the neighbour table, as Linux runs them
 * (net/core/neighbour.c, net/ipv4/arp.c): one table per host, entries per
 * (interface, IPv4 address), in Linux's NUD states with its timers.
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
import type { Rng } from "../core/rng.js";
import { SEC, type Micros } from "../core/time.js";
import { Timer } from "../core/scheduler.js";
import { skbTruesize } from "../core/truesize.js";
import { EthernetDevice, type FrameHeader } from "../link/ethernet.js";
import { ARP, ARPOP_REPLY, ARPOP_REQUEST, newArpPacket, parseArpInto, writeArp } from "../wire/arp.js";
import { ETH_P_ARP, ETH_P_IP, MAC_BROADCAST, MAC_ZERO, formatMac, ipv4MulticastMac, isMulticastMac, type MacAddress } from "../wire/ethernet.js";
import { formatIpv4Address, inPrefix, isLoopback, isMulticast, INADDR_BROADCAST, type Ipv4Address } from "../wire/ipv4-address.js";
import { parseIpv4, type Ipv4Header } from "../wire/ipv4.js";
import { Packet } from "../wire/packet.js";
import { WireError } from "../wire/wire-error.js";
import type { NetInterface } from "./interface.js";
import type { RouteResult } from "./route-table.js";

/** Linux's NUD states (`ip neigh` prints them in upper case). */
export type NudState = "INCOMPLETE" | "REACHABLE" | "STALE" | "DELAY" | "PROBE" | "FAILED" | "PERMANENT";

/** States with a valid MAC (NUD_VALID). */
const VALID: ReadonlySet<NudState> = new Set(["REACHABLE", "STALE", "DELAY", "PROBE", "PERMANENT"]);
/** States whose MAC is trusted without probing (NUD_CONNECTED). */
const CONNECTED: ReadonlySet<NudState> = new Set(["REACHABLE", "PERMANENT"]);

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

/** One neighbour entry. */
export class Neighbour {
  state: NudState = "INCOMPLETE";
  /** Its MAC (meaningful in the valid states). */
  mac: MacAddress = MAC_ZERO;
  /** Probes sent in the current INCOMPLETE/PROBE round (Linux `probes`, which starts at ucast_solicit for INCOMPLETE). */
  probes = 0;
  /** Last reachability confirmation, last use by output, last state/MAC change (µs). */
  confirmed: Micros = 0;
  used: Micros = 0;
  updated: Micros = 0;
  /** Packets waiting for resolution, and their truesize. */
  readonly queue: Packet[] = [];
  queueBytes = 0;
  /** @internal */
  readonly timer: Timer;

  constructor(
    readonly iface: NetInterface,
    readonly dev: EthernetDevice,
    readonly addr: Ipv4Address,
    timerFn: (now: Micros, t: Timer) => void,
  ) {
    this.timer = new Timer(timerFn);
    (this.timer as Timer & { neigh?: Neighbour }).neigh = this;
  }

  /** `10.0.0.2 dev eth0 lladdr 02:… REACHABLE` as `ip neigh` prints it. */
  toString(): string {
    const ll = VALID.has(this.state) ? ` lladdr ${formatMac(this.mac)}` : "";
    return `${formatIpv4Address(this.addr)} dev ${this.iface.name}${ll} ${this.state}`;
  }
}

/** Neighbour-table statistics with the names of Linux's `ip -s ntable` / /proc/net/stat/arp_cache. */
export interface NeighStats {
  allocs: number;
  destroys: number;
  lookups: number;
  hits: number;
  res_failed: number;
  rcv_probes_mcast: number;
  rcv_probes_ucast: number;
  periodic_gc_runs: number;
  forced_gc_runs: number;
  unres_discards: number;
  table_fulls: number;
}

/** The time between periodic reachable_time redraws (Linux: 300 s). */
const REDRAW_INTERVAL = 300 * SEC;
/** Forced GC keeps entries updated within this (Linux neigh_forced_gc: 5 s). */
const FORCED_GC_FRESH = 5 * SEC;

/** ARP and the neighbour table of one host. */
export class Arp {
  /** Entries by interface index, then address. */
  readonly #tables = new Map<number, Map<Ipv4Address, Neighbour>>();
  #entries = 0;
  #reachableTime = -1;
  #lastRand: Micros = 0;
  /** ARP's own random stream, forked from the host's on first use (hosts without Ethernet draw nothing). */
  #rng: Rng | null = null;
  #lastFlush: Micros = -Infinity;
  readonly #gcTimer: Timer;
  readonly #scratch = newArpPacket();
  readonly #timerFn = (now: Micros, t: Timer) => this.#onTimer((t as Timer & { neigh: Neighbour }).neigh, now);
  /** Table statistics. */
  readonly stats: NeighStats = {
    allocs: 0, destroys: 0, lookups: 0, hits: 0, res_failed: 0, rcv_probes_mcast: 0, rcv_probes_ucast: 0,
    periodic_gc_runs: 0, forced_gc_runs: 0, unres_discards: 0, table_fulls: 0,
  };

  constructor(readonly host: ArpHost) {
    this.#gcTimer = new Timer((now) => this.#periodicGc(now));
  }

  /** Plugs an Ethernet interface into ARP: installs the card's hooks. */
  attach(iface: NetInterface, dev: EthernetDevice): void {
    this.#tables.set(iface.index, new Map());
    dev.resolve = (p, nextHop) => this.output(iface, dev, p, nextHop);
    dev.onArp = (p, hdr) => this.input(iface, dev, p, hdr);
    dev.onLinkChange = () => {
      if (!dev.up) this.flush(iface);
      else if (this.host.ctx.sysctl.arp_notify) this.announce(iface);
    };
  }

  /** The current reachable_time (µs): base_reachable_time × [0.5, 1.5), from the host's RNG. */
  get reachableTime(): Micros {
    return this.#reachTimeNow(this.host.ctx.scheduler.now());
  }

  #random(): Rng {
    return (this.#rng ??= this.host.ctx.rng.fork("neigh"));
  }

  /** Every entry, by interface then insertion order. */
  entries(): Neighbour[] {
    const out: Neighbour[] = [];
    for (const t of this.#tables.values()) for (const n of t.values()) out.push(n);
    return out;
  }

  /** The entry for `addr` on `iface`, if any. */
  lookup(iface: NetInterface, addr: Ipv4Address): Neighbour | undefined {
    return this.#tables.get(iface.index)?.get(addr);
  }

  /** Number of entries. */
  get size(): number {
    return this.#entries;
  }

  // ── output ───────────────────────────────────────────────────────────

  /** Sends an IPv4 datagram to `nextHop` on `dev` (Linux neigh_resolve_output). */
  output(iface: NetInterface, dev: EthernetDevice, p: Packet, nextHop: Ipv4Address): void {
    if (nextHop === INADDR_BROADCAST || iface.isBroadcast(nextHop)) {
      dev.sendFrame(MAC_BROADCAST, ETH_P_IP, p);
      return;
    }
    if (isMulticast(nextHop)) {
      dev.sendFrame(ipv4MulticastMac(nextHop), ETH_P_IP, p);
      return;
    }
    const now = this.host.ctx.scheduler.now();
    this.stats.lookups++;
    let n: Neighbour | null | undefined = this.lookup(iface, nextHop);
    if (n) this.stats.hits++;
    else {
      n = this.#create(iface, dev, nextHop, now);
      if (!n) {
        dev.stats.tx_dropped++;
        return;
      }
    }
    n.used = now;
    const s = n.state;
    if (s === "REACHABLE" || s === "PERMANENT" || s === "DELAY" || s === "PROBE") {
      dev.sendFrame(n.mac, ETH_P_IP, p);
      return;
    }
    if (s === "STALE") {
      // __neigh_event_send: STALE → DELAY, and the packet goes with the old MAC.
      this.#setState(n, "DELAY", now);
      this.#arm(n, now + this.host.ctx.sysctl.neigh_delay_first_probe_time);
      dev.sendFrame(n.mac, ETH_P_IP, p);
      return;
    }
    if (s === "FAILED") {
      const sc = this.host.ctx.sysctl;
      if (sc.neigh_mcast_solicit + sc.neigh_app_solicit === 0) {
        dev.stats.tx_dropped++;
        return;
      }
      this.#startIncomplete(n, now);
      this.#enqueue(n, p);
      this.#probe(n, now);
      return;
    }
    // INCOMPLETE (fresh or in progress)
    const fresh = n.probes === 0 && !n.timer.armed;
    if (fresh) this.#startIncomplete(n, now);
    this.#enqueue(n, p);
    if (fresh) this.#probe(n, now);
  }

  #startIncomplete(n: Neighbour, now: Micros): void {
    const sc = this.host.ctx.sysctl;
    this.#setState(n, "INCOMPLETE", now);
    n.probes = sc.neigh_ucast_solicit;
    this.#arm(n, now + Math.max(sc.neigh_retrans_time, SEC / 2));
  }

  #enqueue(n: Neighbour, p: Packet): void {
    const limit = this.host.ctx.sysctl.neigh_unres_qlen_bytes;
    const size = skbTruesize(p.length);
    while (n.queueBytes + size > limit && n.queue.length) {
      const old = n.queue.shift()!;
      n.queueBytes -= skbTruesize(old.length);
      this.stats.unres_discards++;
    }
    if (size > limit) {
      this.stats.unres_discards++;
      return;
    }
    n.queue.push(p);
    n.queueBytes += size;
  }

  // ── timers ───────────────────────────────────────────────────────────

  #arm(n: Neighbour, at: Micros): void {
    this.host.ctx.scheduler.arm(n.timer, at);
  }

  /** neigh_timer_handler */
  #onTimer(n: Neighbour, now: Micros): void {
    const sc = this.host.ctx.sysctl;
    const delay = sc.neigh_delay_first_probe_time;
    let next = now + SEC;
    if (n.state === "REACHABLE") {
      const rt = this.#reachTimeNow(now);
      if (now < n.confirmed + rt) next = n.confirmed + rt;
      else if (now <= n.used + delay) {
        this.#setState(n, "DELAY", now);
        next = now + delay;
      } else {
        this.#setState(n, "STALE", now);
        return;
      }
    } else if (n.state === "DELAY") {
      if (now <= n.confirmed + delay) {
        this.#setState(n, "REACHABLE", now);
        next = n.confirmed + this.#reachTimeNow(now);
      } else {
        this.#setState(n, "PROBE", now);
        n.probes = 0;
        next = now + Math.max(sc.neigh_retrans_time, SEC / 100);
      }
    } else if (n.state === "INCOMPLETE" || n.state === "PROBE") {
      next = now + Math.max(sc.neigh_retrans_time, SEC / 100);
    } else return;
    if ((n.state === "INCOMPLETE" || n.state === "PROBE") && n.probes >= this.#maxProbes(n)) {
      this.#setState(n, "FAILED", now);
      this.stats.res_failed++;
      this.#invalidate(n);
      return;
    }
    if (next <= now) next = now + 1;
    this.#arm(n, next);
    if (n.state === "INCOMPLETE" || n.state === "PROBE") this.#probe(n, now);
  }

  #maxProbes(n: Neighbour): number {
    const sc = this.host.ctx.sysctl;
    return sc.neigh_ucast_solicit + sc.neigh_app_solicit + (n.state === "PROBE" ? sc.neigh_mcast_resolicit : sc.neigh_mcast_solicit);
  }

  /** neigh_probe + arp_solicit: unicast while `probes` < ucast_solicit (PROBE), else broadcast. */
  #probe(n: Neighbour, now: Micros): void {
    const sc = this.host.ctx.sysctl;
    const unicast = n.probes < sc.neigh_ucast_solicit && VALID.has(n.state);
    n.probes++;
    if (unicast) n.used = now; // Linux 6.18: a probe keeps the entry "used" (see the file comment)
    const src = this.#solicitSource(n);
    this.#send(n.dev, ARPOP_REQUEST, unicast ? n.mac : MAC_BROADCAST, src, n.addr, MAC_ZERO);
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

  /** neigh_invalidate: every queued packet gets its error report (ICMP host unreachable). */
  #invalidate(n: Neighbour): void {
    const q = n.queue.splice(0);
    n.queueBytes = 0;
    for (const p of q) {
      const h = parseIpv4(p.head, p.length, false);
      if (!(h instanceof WireError)) this.host.hostUnreachable(p, h);
    }
  }

  #setState(n: Neighbour, s: NudState, now: Micros): void {
    if (n.state !== s) n.updated = now;
    n.state = s;
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
          this.host.ctx.scheduler.arm(t, now + this.#random().below(sc.neigh_proxy_delay));
        }
        return;
      }
    }
    // Update our tables: existing entries always; new ones only with arp_accept.
    let n = this.lookup(iface, spa);
    const garp = spa === tpa || (op === ARPOP_REPLY && a.tha === sha);
    if (!n && sc.arp_accept && (garp || op === ARPOP_REPLY)) n = this.#create(iface, dev, spa, now) ?? undefined;
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
    const n = this.lookup(iface, spa) ?? this.#create(iface, dev, spa, now);
    if (n) this.update(n, sha, "STALE", true, now);
  }

  /**
   * neigh_update: a new MAC and/or state for `n`. A valid entry keeps its
   * MAC against a different one without `override`; a STALE report of the
   * same MAC leaves the state alone. Entering a valid state sends the queue.
   */
  update(n: Neighbour, mac: MacAddress, state: NudState, override: boolean, now: Micros): void {
    const old = n.state;
    let next = state;
    if (state === "REACHABLE" || state === "PERMANENT") n.confirmed = now;
    let newMac = mac;
    if (VALID.has(old)) {
      if (mac !== n.mac && !override) {
        if (CONNECTED.has(old)) return; // (no WEAK_OVERRIDE from ARP)
        return;
      }
      if (mac === n.mac && next === "STALE") next = old;
    }
    if (next !== old || newMac !== n.mac) n.updated = now;
    if (next !== old) {
      this.host.ctx.scheduler.disarm(n.timer);
      if (next === "PROBE") n.probes = 0;
      if (next === "REACHABLE") this.#arm(n, now + this.#reachTimeNow(now));
      else if (next === "DELAY" || next === "PROBE") this.#arm(n, now);
      n.state = next;
    }
    if (newMac !== n.mac) {
      n.mac = newMac;
      if (next !== "REACHABLE" && next !== "PERMANENT") n.confirmed = now - 2 * this.host.ctx.sysctl.neigh_base_reachable_time;
    }
    if (!VALID.has(old) && VALID.has(next)) {
      const q = n.queue.splice(0);
      n.queueBytes = 0;
      newMac = n.mac;
      for (const p of q) n.dev.sendFrame(newMac, ETH_P_IP, p);
    }
  }

  /** reachable_time, redrawn when 300 s have passed (neigh_periodic_work). */
  #reachTimeNow(now: Micros): Micros {
    if (this.#reachableTime < 0 || now - this.#lastRand >= REDRAW_INTERVAL) {
      this.#lastRand = now;
      this.#reachableTime = this.#randReach();
    }
    return this.#reachableTime;
  }

  /** neigh_rand_reach_time: base/2 + random below base. */
  #randReach(): Micros {
    const base = this.host.ctx.sysctl.neigh_base_reachable_time;
    return base > 0 ? Math.floor(base / 2) + this.#random().below(base) : 0;
  }

  // ── table management ─────────────────────────────────────────────────

  #create(iface: NetInterface, dev: EthernetDevice, addr: Ipv4Address, now: Micros): Neighbour | null {
    const sc = this.host.ctx.sysctl;
    if (this.#entries >= sc.neigh_gc_thresh3 || (this.#entries >= sc.neigh_gc_thresh2 && now > this.#lastFlush + FORCED_GC_FRESH)) {
      this.#forcedGc(now);
      if (this.#entries >= sc.neigh_gc_thresh3) {
        this.stats.table_fulls++;
        return null;
      }
    }
    const n = new Neighbour(iface, dev, addr, this.#timerFn);
    n.updated = n.used = now;
    n.confirmed = now - 2 * sc.neigh_base_reachable_time; // neigh_alloc: long unconfirmed
    this.#tables.get(iface.index)!.set(addr, n);
    this.#entries++;
    this.stats.allocs++;
    if (this.#entries >= sc.neigh_gc_thresh1 && !this.#gcTimer.armed) this.#armGc(now);
    return n;
  }

  #destroy(n: Neighbour): void {
    this.host.ctx.scheduler.disarm(n.timer);
    if (this.#tables.get(n.iface.index)?.delete(n.addr)) {
      this.#entries--;
      this.stats.destroys++;
    }
    n.queue.length = 0;
    n.queueBytes = 0;
  }

  #armGc(now: Micros): void {
    this.host.ctx.scheduler.arm(this.#gcTimer, now + Math.max(SEC, this.host.ctx.sysctl.neigh_base_reachable_time / 2));
  }

  /** neigh_periodic_work: runs while the table holds gc_thresh1 entries or more. */
  #periodicGc(now: Micros): void {
    const sc = this.host.ctx.sysctl;
    this.#reachTimeNow(now);
    if (this.#entries < sc.neigh_gc_thresh1) return; // disarmed until the table grows again
    this.stats.periodic_gc_runs++;
    for (const n of this.entries()) {
      if (n.state === "PERMANENT" || n.timer.armed) continue;
      if (n.state === "FAILED" || now - n.used > sc.neigh_gc_stale_time) this.#destroy(n);
    }
    if (this.#entries >= sc.neigh_gc_thresh1) this.#armGc(now);
  }

  /** neigh_forced_gc: drop FAILED entries and entries not updated for 5 s, until under gc_thresh2. */
  #forcedGc(now: Micros): void {
    this.stats.forced_gc_runs++;
    this.#lastFlush = now;
    const max = this.host.ctx.sysctl.neigh_gc_thresh2;
    for (const n of this.entries()) {
      if (this.#entries < max) break;
      if (n.state === "PERMANENT") continue;
      if (n.state === "FAILED" || now - n.updated > FORCED_GC_FRESH) this.#destroy(n);
    }
  }

  /** Stops every timer (host power-off); the entries stay for inspection. */
  stop(): void {
    const sch = this.host.ctx.scheduler;
    for (const n of this.entries()) sch.disarm(n.timer);
    sch.disarm(this.#gcTimer);
  }

  /** Removes every non-permanent entry of `iface` (`ip neigh flush dev eth0`, or the link going down). */
  flush(iface: NetInterface): number {
    let k = 0;
    for (const n of [...(this.#tables.get(iface.index)?.values() ?? [])]) {
      if (n.state === "PERMANENT") continue;
      this.#destroy(n);
      k++;
    }
    return k;
  }

  /** Adds a permanent entry (`ip neigh add 10.0.0.2 lladdr … dev eth0 nud permanent`). */
  addPermanent(iface: NetInterface, addr: Ipv4Address, mac: MacAddress): void {
    const dev = iface.device;
    if (!(dev instanceof EthernetDevice)) throw new TypeError(`${iface.name} has no neighbour table (not an Ethernet interface)`);
    const now = this.host.ctx.scheduler.now();
    const n = this.lookup(iface, addr) ?? this.#create(iface, dev, addr, now);
    if (!n) throw new RangeError("neighbour table overflow");
    this.update(n, mac, "PERMANENT", true, now);
    this.host.ctx.scheduler.disarm(n.timer);
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
