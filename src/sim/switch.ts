/**
 * A learning switch (an IEEE 802.1D transparent bridge, as Linux's
 * `bridge` device without STP): ports joined to cards by simulated
 * cables (each cable its own conditions: per-port latency, loss, rate,
 * partitions) or to the outside world ({@link ExternalWire}).
 *
 * Forwarding: the source MAC of every frame is learned on its ingress port
 * (`bridge fdb`); a unicast frame to a known MAC goes out of that port
 * only (or nowhere, when that is the port it came in on: `filtered`);
 * broadcast, multicast and unknown unicast frames are flooded to every
 * other port. Entries age out `ageingTime` (Linux: 300 s) after they were
 * last refreshed, checked when used (no timer runs). Frames to the
 * IEEE 802.1D reserved group 01:80:c2:00:00:0X (STP, LACP, pause) are
 * not forwarded (Linux's default group_fwd_mask). The switch adds no
 * delay of its own: a frame leaves at the instant it arrived.
 *
 * Capture: each port's `frameTaps` see frames `in` (from its cable) and
 * `out` (to it), like tcpdump on a Linux bridge port.
 */
import type { Scheduler } from "../core/scheduler.js";
import type { Micros } from "../core/time.js";
import { SEC } from "../core/time.js";
import { isMulticastMac, type MacAddress } from "../wire/ethernet.js";
import type { Packet } from "../wire/packet.js";
import type { FrameDrop, FrameEndpoint, FrameHeader, FrameTap, FrameWire } from "../link/ethernet.js";

/** Linux bridge ageing_time (300 s). */
export const BRIDGE_AGEING_TIME: Micros = 300 * SEC;

/** A learned (or static) forwarding entry. */
export interface FdbEntry {
  mac: MacAddress;
  port: SwitchPort;
  /** When it was last refreshed (µs). */
  updated: Micros;
  /** Added by hand: never ages, never moves. */
  static: boolean;
}

/** Switch counters. */
export interface SwitchStats {
  /** Frames sent out of exactly one port. */
  forwarded: number;
  /** Frames sent out of every other port (broadcast, multicast, unknown unicast). */
  flooded: number;
  /** Unicast frames whose destination is on their ingress port. */
  filtered: number;
  /** Frames to a reserved 802.1D group address, not forwarded. */
  linkLocal: number;
  /** Frames that arrived on a port that is down. */
  dropped: number;
}

/** One port of a {@link Switch}. */
export class SwitchPort implements FrameEndpoint {
  readonly frameTaps: FrameTap[] = [];
  /** Administrative state (`ip link set … down` on a bridge port). */
  up = true;
  /** Where frames leave this port (its cable, or an external wire). */
  wire: FrameWire | null = null;

  /** @internal created by {@link Switch.addPort}. */
  constructor(
    readonly sw: Switch,
    /** Port number, from 1. */
    readonly number: number,
    readonly name: string,
  ) {}

  /** A frame from the port's cable. */
  receiveFrame(hdr: FrameHeader, payload: Packet): FrameDrop | null {
    if (!this.up) {
      this.sw.stats.dropped++;
      return "down";
    }
    const now = this.sw.scheduler.now();
    const ft = this.frameTaps;
    for (let i = 0; i < ft.length; i++) ft[i]!(hdr, payload, "in", now, this);
    this.sw.input(this, hdr, payload, now);
    return null;
  }

  /** @internal sends a frame out of this port. */
  output(hdr: FrameHeader, payload: Packet, now: Micros): void {
    if (!this.up || !this.wire) return;
    const ft = this.frameTaps;
    for (let i = 0; i < ft.length; i++) ft[i]!(hdr, payload, "out", now, this);
    this.wire.sendFrame(this, hdr, payload);
  }
}

/** Options of a {@link Switch}. */
export interface SwitchOptions {
  /** Name for views (`sw0`). */
  name?: string;
  /** FDB ageing time in µs (default 300 s). */
  ageingTime?: Micros;
  /** Most learned entries (Linux fdb_max_learned; 0 = no limit, the default). */
  maxLearned?: number;
}

/**
 * A learning switch.
 * @example
 * const sw = net.switch();
 * for (const h of [client, server]) net.attach(h, sw);   // numbered 10.0.0.1, .2, …
 * sw.fdb();                                      // what it has learned
 */
export class Switch {
  readonly name: string;
  readonly ports: SwitchPort[] = [];
  readonly stats: SwitchStats = { forwarded: 0, flooded: 0, filtered: 0, linkLocal: 0, dropped: 0 };
  ageingTime: Micros;
  readonly maxLearned: number;
  readonly #fdb = new Map<MacAddress, FdbEntry>();
  #learned = 0;

  constructor(
    readonly scheduler: Scheduler,
    opts: SwitchOptions = {},
  ) {
    this.name = opts.name ?? "sw0";
    this.ageingTime = opts.ageingTime ?? BRIDGE_AGEING_TIME;
    this.maxLearned = opts.maxLearned ?? 0;
  }

  /** Adds a port (plug its `wire` in). */
  addPort(): SwitchPort {
    const p = new SwitchPort(this, this.ports.length + 1, `${this.name}p${this.ports.length + 1}`);
    this.ports.push(p);
    return p;
  }

  /** The live forwarding entries (aged ones are removed first). */
  fdb(): FdbEntry[] {
    const now = this.scheduler.now();
    for (const e of [...this.#fdb.values()]) this.#aged(e, now);
    return [...this.#fdb.values()];
  }

  /** Adds a static entry (`bridge fdb add … static`). */
  addStatic(mac: MacAddress, port: SwitchPort): void {
    const old = this.#fdb.get(mac);
    if (old && !old.static) this.#learned--;
    this.#fdb.set(mac, { mac, port, updated: this.scheduler.now(), static: true });
  }

  /** Forgets every learned entry (`bridge fdb flush`). */
  flush(): void {
    for (const e of [...this.#fdb.values()]) if (!e.static) this.#fdb.delete(e.mac);
    this.#learned = 0;
  }

  #aged(e: FdbEntry, now: Micros): boolean {
    if (e.static || now - e.updated < this.ageingTime) return false;
    this.#fdb.delete(e.mac);
    this.#learned--;
    return true;
  }

  /** @internal a frame that arrived on `from`. */
  input(from: SwitchPort, hdr: FrameHeader, payload: Packet, now: Micros): void {
    const src = hdr.src;
    if (!isMulticastMac(src)) {
      const e = this.#fdb.get(src);
      if (e) {
        if (!e.static) {
          e.port = from;
          e.updated = now;
        }
      } else if (this.maxLearned === 0 || this.#learned < this.maxLearned) {
        this.#fdb.set(src, { mac: src, port: from, updated: now, static: false });
        this.#learned++;
      }
    }
    const dst = hdr.dst;
    if (isMulticastMac(dst)) {
      if (Math.floor(dst / 16) === 0x0180c200000) {
        this.stats.linkLocal++;
        return;
      }
      this.#flood(from, hdr, payload, now);
      return;
    }
    const e = this.#fdb.get(dst);
    if (e && !this.#aged(e, now)) {
      if (e.port === from) {
        this.stats.filtered++;
        return;
      }
      this.stats.forwarded++;
      e.port.output(hdr, payload, now);
      return;
    }
    this.#flood(from, hdr, payload, now);
  }

  #flood(from: SwitchPort, hdr: FrameHeader, payload: Packet, now: Micros): void {
    this.stats.flooded++;
    let first = true;
    for (const p of this.ports) {
      if (p === from || !p.up || !p.wire) continue;
      // Each receiver gets its own packet object (private head), the first the original.
      p.output(hdr, first ? payload : payload.clone(), now);
      first = false;
    }
  }
}
