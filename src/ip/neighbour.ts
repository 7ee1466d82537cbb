/**
 * The neighbour table, family-neutral, as Linux runs it
 * (net/core/neighbour.c): entries per (interface, protocol address) in
 * Linux's NUD states with its timers. ARP (`arp.ts`, IPv4) and Neighbor
 * Discovery (`ndisc.ts`, IPv6) are two protocols on this one machine, as
 * `arp_tbl` and `nd_tbl` are two instances of Linux's: each supplies how
 * to solicit a neighbour, how to report a packet that could not be
 * resolved, its EtherType and how to print and key its addresses.
 *
 * - Sending to an unknown neighbour creates it INCOMPLETE and solicits it
 *   now (broadcast/multicast), then every `retrans_time`; packets wait in
 *   its queue (`unres_qlen_bytes`, charged at truesize; the oldest go
 *   first, counted `unres_discards`). After `mcast_solicit` solicitations
 *   without an answer it is FAILED: each queued packet gets its error
 *   report (ICMP host / address unreachable) and the queue is freed.
 * - A solicited answer makes it REACHABLE for `reachable_time`
 *   (base_reachable_time × a random factor in [0.5, 1.5), redrawn every
 *   300 s) and sends the queue. Unsolicited news only makes it STALE.
 * - When REACHABLE expires it turns STALE, or DELAY if it was used within
 *   `delay_first_probe_time`. Sending through a STALE entry turns it
 *   DELAY (the packet goes, with the old MAC); DELAY without a
 *   confirmation for `delay_first_probe_time` turns PROBE: `ucast_solicit`
 *   unicast solicitations `retrans_time` apart (then `mcast_resolicit`
 *   multicast ones), then FAILED. As on Linux 6.18 (measured on this
 *   machine), a probe counts as a use, so an idle neighbour that was once
 *   used keeps being re-probed every reachable time + delay.
 * - Garbage collection: above `gc_thresh1` entries, every
 *   base_reachable_time/2, unreferenced FAILED entries and entries unused
 *   for `gc_stale_time` go; a new entry above `gc_thresh2` (at most every
 *   5 s) or at `gc_thresh3` forces a collection of FAILED and entries not
 *   updated for 5 s; still at `gc_thresh3`, the packet is dropped
 *   ("neighbour table overflow", `table_fulls`).
 *
 * Both tables read the same `neigh_*` sysctls (Linux has
 * net.ipv4.neigh.* and net.ipv6.neigh.*, with the same defaults).
 */
import type { StackContext } from "../core/stack-context.js";
import type { Rng } from "../core/rng.js";
import { SEC, type Micros } from "../core/time.js";
import { Timer } from "../core/scheduler.js";
import { skbTruesize } from "../core/truesize.js";
import { EthernetDevice } from "../link/ethernet.js";
import { MAC_ZERO, formatMac, type MacAddress } from "../wire/ethernet.js";
import type { Packet } from "../wire/packet.js";
import type { NetInterface } from "./interface.js";

/** Linux's NUD states (`ip neigh` prints them in upper case). */
export type NudState = "INCOMPLETE" | "REACHABLE" | "STALE" | "DELAY" | "PROBE" | "FAILED" | "PERMANENT";

/** States with a valid MAC (NUD_VALID). */
export const NUD_VALID: ReadonlySet<NudState> = new Set(["REACHABLE", "STALE", "DELAY", "PROBE", "PERMANENT"]);
/** States whose MAC is trusted without probing (NUD_CONNECTED). */
export const NUD_CONNECTED: ReadonlySet<NudState> = new Set(["REACHABLE", "PERMANENT"]);

/** One neighbour entry; `A` is the protocol address (an IPv4 number, an IPv6 byte array). */
export class Neighbour<A = number> {
  state: NudState = "INCOMPLETE";
  /** Its MAC (meaningful in the valid states). */
  mac: MacAddress = MAC_ZERO;
  /** Probes sent in the current INCOMPLETE/PROBE round (Linux `probes`, which starts at ucast_solicit for INCOMPLETE). */
  probes = 0;
  /** Last reachability confirmation, last use by output, last state/MAC change (µs). */
  confirmed: Micros = 0;
  used: Micros = 0;
  updated: Micros = 0;
  /** The neighbour is a router (ND's IsRouter flag; always false for ARP). */
  isRouter = false;
  /** Packets waiting for resolution, and their truesize. */
  readonly queue: Packet[] = [];
  queueBytes = 0;
  /** @internal */
  readonly timer: Timer;

  constructor(
    readonly iface: NetInterface,
    readonly dev: EthernetDevice,
    readonly addr: A,
    timerFn: (now: Micros, t: Timer) => void,
    readonly formatAddr: (a: A) => string,
  ) {
    this.timer = new Timer(timerFn);
    (this.timer as Timer & { neigh?: Neighbour<A> }).neigh = this;
  }

  /** `10.0.0.2 dev eth0 lladdr 02:… REACHABLE` as `ip neigh` prints it (`router` for ND routers). */
  toString(): string {
    const ll = NUD_VALID.has(this.state) ? ` lladdr ${formatMac(this.mac)}` : "";
    return `${this.formatAddr(this.addr)} dev ${this.iface.name}${ll}${this.isRouter ? " router" : ""} ${this.state}`;
  }
}

/** Neighbour-table statistics with the names of Linux's `ip -s ntable` / /proc/net/stat/arp_cache (ndisc_cache). */
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

/**
 * One neighbour table (Linux `struct neigh_table`): the NUD machine, its
 * timers, queue and garbage collection. A protocol (ARP, ND) extends it
 * with {@link NeighbourTable.solicit}, {@link NeighbourTable.errorReport}
 * and its packet input.
 */
export abstract class NeighbourTable<A> {
  /** Entries by interface index, then address key. */
  readonly #tables = new Map<number, Map<string | number, Neighbour<A>>>();
  #entries = 0;
  #reachableTime = -1;
  #lastRand: Micros = 0;
  /** The table's own random stream, forked from the host's on first use (hosts without Ethernet draw nothing). */
  #rng: Rng | null = null;
  #lastFlush: Micros = -Infinity;
  readonly #gcTimer: Timer;
  readonly #timerFn = (now: Micros, t: Timer) => this.#onTimer((t as Timer & { neigh: Neighbour<A> }).neigh, now);
  /** Table statistics. */
  readonly stats: NeighStats = {
    allocs: 0, destroys: 0, lookups: 0, hits: 0, res_failed: 0, rcv_probes_mcast: 0, rcv_probes_ucast: 0,
    periodic_gc_runs: 0, forced_gc_runs: 0, unres_discards: 0, table_fulls: 0,
  };

  constructor(
    /** The host's context (clock, sysctls, RNG). */
    readonly ctx: StackContext,
    /** The EtherType of the datagrams this table resolves for (ETH_P_IP, ETH_P_IPV6). */
    readonly etherType: number,
    /** The RNG fork name (`neigh`, `ndisc`). */
    readonly rngName: string,
  ) {
    this.#gcTimer = new Timer((now) => this.#periodicGc(now));
  }

  /** The Map key of an address. */
  protected abstract key(a: A): string | number;
  /** An address as `ip neigh` prints it. */
  protected abstract formatAddr(a: A): string;
  /** Sends one solicitation for `n`: unicast to `n.mac` when `unicast`, else broadcast/multicast. */
  protected abstract solicit(n: Neighbour<A>, unicast: boolean): void;
  /** A queued packet whose neighbour failed (ICMP host / address unreachable to its sender). */
  protected abstract errorReport(p: Packet): void;

  /** Registers an interface's table (ARP/ND attach it). */
  protected addTable(iface: NetInterface): void {
    if (!this.#tables.has(iface.index)) this.#tables.set(iface.index, new Map());
  }

  /** The current reachable_time (µs): base_reachable_time × [0.5, 1.5), from the host's RNG. */
  get reachableTime(): Micros {
    return this.#reachTimeNow(this.ctx.scheduler.now());
  }

  /** The table's random stream. */
  protected random(): Rng {
    return (this.#rng ??= this.ctx.rng.fork(this.rngName));
  }

  /** Every entry, by interface then insertion order. */
  entries(): Neighbour<A>[] {
    const out: Neighbour<A>[] = [];
    for (const t of this.#tables.values()) for (const n of t.values()) out.push(n);
    return out;
  }

  /** The entry for `addr` on `iface`, if any. */
  lookup(iface: NetInterface, addr: A): Neighbour<A> | undefined {
    return this.#tables.get(iface.index)?.get(this.key(addr));
  }

  /** Number of entries. */
  get size(): number {
    return this.#entries;
  }

  // ── output ───────────────────────────────────────────────────────────

  /** Sends a datagram to the unicast neighbour `nextHop` on `dev` (Linux neigh_resolve_output). */
  resolveOutput(iface: NetInterface, dev: EthernetDevice, p: Packet, nextHop: A): void {
    const now = this.ctx.scheduler.now();
    this.stats.lookups++;
    let n: Neighbour<A> | null | undefined = this.lookup(iface, nextHop);
    if (n) this.stats.hits++;
    else {
      n = this.create(iface, dev, nextHop, now);
      if (!n) {
        dev.stats.tx_dropped++;
        return;
      }
    }
    n.used = now;
    const s = n.state;
    if (s === "REACHABLE" || s === "PERMANENT" || s === "DELAY" || s === "PROBE") {
      dev.sendFrame(n.mac, this.etherType, p);
      return;
    }
    if (s === "STALE") {
      // __neigh_event_send: STALE → DELAY, and the packet goes with the old MAC.
      this.#setState(n, "DELAY", now);
      this.#arm(n, now + this.ctx.sysctl.neigh_delay_first_probe_time);
      dev.sendFrame(n.mac, this.etherType, p);
      return;
    }
    if (s === "FAILED") {
      const sc = this.ctx.sysctl;
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

  #startIncomplete(n: Neighbour<A>, now: Micros): void {
    const sc = this.ctx.sysctl;
    this.#setState(n, "INCOMPLETE", now);
    n.probes = sc.neigh_ucast_solicit;
    this.#arm(n, now + Math.max(sc.neigh_retrans_time, SEC / 2));
  }

  #enqueue(n: Neighbour<A>, p: Packet): void {
    const limit = this.ctx.sysctl.neigh_unres_qlen_bytes;
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

  #arm(n: Neighbour<A>, at: Micros): void {
    this.ctx.scheduler.arm(n.timer, at);
  }

  /** neigh_timer_handler */
  #onTimer(n: Neighbour<A>, now: Micros): void {
    const sc = this.ctx.sysctl;
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

  #maxProbes(n: Neighbour<A>): number {
    const sc = this.ctx.sysctl;
    return sc.neigh_ucast_solicit + sc.neigh_app_solicit + (n.state === "PROBE" ? sc.neigh_mcast_resolicit : sc.neigh_mcast_solicit);
  }

  /** neigh_probe: unicast while `probes` < ucast_solicit (PROBE), else broadcast/multicast. */
  #probe(n: Neighbour<A>, now: Micros): void {
    const sc = this.ctx.sysctl;
    const unicast = n.probes < sc.neigh_ucast_solicit && NUD_VALID.has(n.state);
    n.probes++;
    if (unicast) n.used = now; // Linux 6.18: a probe keeps the entry "used" (see the file comment)
    this.solicit(n, unicast);
  }

  /** neigh_invalidate: every queued packet gets its error report. */
  #invalidate(n: Neighbour<A>): void {
    const q = n.queue.splice(0);
    n.queueBytes = 0;
    for (const p of q) this.errorReport(p);
  }

  #setState(n: Neighbour<A>, s: NudState, now: Micros): void {
    if (n.state !== s) n.updated = now;
    n.state = s;
  }

  /**
   * neigh_update: a new MAC and/or state for `n`. A valid entry keeps its
   * MAC against a different one without `override` (with `weakOverride`,
   * ND's NEIGH_UPDATE_F_WEAK_OVERRIDE, a connected entry is only demoted
   * to STALE); a STALE report of the same MAC leaves the state alone.
   * Entering a valid state sends the queue.
   */
  update(n: Neighbour<A>, mac: MacAddress, state: NudState, override: boolean, now: Micros, weakOverride = false): void {
    const old = n.state;
    let next = state;
    if (state === "REACHABLE" || state === "PERMANENT") n.confirmed = now;
    let newMac = mac;
    if (NUD_VALID.has(old)) {
      if (mac !== n.mac && !override) {
        if (weakOverride && NUD_CONNECTED.has(old)) {
          newMac = n.mac;
          next = "STALE";
        } else return;
      } else if (mac === n.mac && next === "STALE") next = old;
    }
    if (next !== old || newMac !== n.mac) n.updated = now;
    if (next !== old) {
      this.ctx.scheduler.disarm(n.timer);
      if (next === "PROBE") n.probes = 0;
      if (next === "REACHABLE") this.#arm(n, now + this.#reachTimeNow(now));
      else if (next === "DELAY" || next === "PROBE") this.#arm(n, now);
      n.state = next;
    }
    if (newMac !== n.mac) {
      n.mac = newMac;
      if (next !== "REACHABLE" && next !== "PERMANENT") n.confirmed = now - 2 * this.ctx.sysctl.neigh_base_reachable_time;
    }
    if (!NUD_VALID.has(old) && NUD_VALID.has(next)) {
      const q = n.queue.splice(0);
      n.queueBytes = 0;
      newMac = n.mac;
      for (const p of q) n.dev.sendFrame(newMac, this.etherType, p);
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
    const base = this.ctx.sysctl.neigh_base_reachable_time;
    return base > 0 ? Math.floor(base / 2) + this.random().below(base) : 0;
  }

  // ── table management ─────────────────────────────────────────────────

  /** Creates the entry for `addr` (neigh_create); null when the table is full. */
  create(iface: NetInterface, dev: EthernetDevice, addr: A, now: Micros): Neighbour<A> | null {
    const sc = this.ctx.sysctl;
    if (this.#entries >= sc.neigh_gc_thresh3 || (this.#entries >= sc.neigh_gc_thresh2 && now > this.#lastFlush + FORCED_GC_FRESH)) {
      this.#forcedGc(now);
      if (this.#entries >= sc.neigh_gc_thresh3) {
        this.stats.table_fulls++;
        return null;
      }
    }
    const n = new Neighbour<A>(iface, dev, addr, this.#timerFn, (a) => this.formatAddr(a));
    n.updated = n.used = now;
    n.confirmed = now - 2 * sc.neigh_base_reachable_time; // neigh_alloc: long unconfirmed
    this.#tables.get(iface.index)!.set(this.key(addr), n);
    this.#entries++;
    this.stats.allocs++;
    if (this.#entries >= sc.neigh_gc_thresh1 && !this.#gcTimer.armed) this.#armGc(now);
    return n;
  }

  #destroy(n: Neighbour<A>): void {
    this.ctx.scheduler.disarm(n.timer);
    if (this.#tables.get(n.iface.index)?.delete(this.key(n.addr))) {
      this.#entries--;
      this.stats.destroys++;
    }
    n.queue.length = 0;
    n.queueBytes = 0;
  }

  #armGc(now: Micros): void {
    this.ctx.scheduler.arm(this.#gcTimer, now + Math.max(SEC, this.ctx.sysctl.neigh_base_reachable_time / 2));
  }

  /** neigh_periodic_work: runs while the table holds gc_thresh1 entries or more. */
  #periodicGc(now: Micros): void {
    const sc = this.ctx.sysctl;
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
    const max = this.ctx.sysctl.neigh_gc_thresh2;
    for (const n of this.entries()) {
      if (this.#entries < max) break;
      if (n.state === "PERMANENT") continue;
      if (n.state === "FAILED" || now - n.updated > FORCED_GC_FRESH) this.#destroy(n);
    }
  }

  /** Stops every timer (host power-off); the entries stay for inspection. */
  stop(): void {
    const sch = this.ctx.scheduler;
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

  /** Adds a permanent entry (`ip neigh add … lladdr … dev eth0 nud permanent`). */
  addPermanent(iface: NetInterface, addr: A, mac: MacAddress): void {
    const dev = iface.device;
    if (!(dev instanceof EthernetDevice)) throw new TypeError(`${iface.name} has no neighbour table (not an Ethernet interface)`);
    const now = this.ctx.scheduler.now();
    this.addTable(iface);
    const n = this.lookup(iface, addr) ?? this.create(iface, dev, addr, now);
    if (!n) throw new RangeError("neighbour table overflow");
    this.update(n, mac, "PERMANENT", true, now);
    this.ctx.scheduler.disarm(n.timer);
  }
}
