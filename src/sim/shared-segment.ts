/**
 * A simulated shared segment: an idealised Ethernet broadcast domain (a hub
 * or switch) without ARP. A device attached to it transmits a datagram with
 * a next hop; the segment delivers it to every *other* attached device
 * whose owner has that address, or to all others for the limited broadcast
 * 255.255.255.255 and multicast (224.0.0.0/4) — no IGMP snooping. When no
 * device takes it the packet is dropped and counted (`noDestination`).
 * Owners are asked at delivery time, so an address added while a packet is
 * in flight is honoured.
 *
 * The whole segment is one {@link Channel}: one set of conditions, one rate
 * (a shared medium: all senders queue for the same wire), one set of
 * counters. A broadcast is one packet on the wire: impairments are decided
 * once and every receiver gets the same fate (the first receiver gets the
 * packet object, the others clones with private headers).
 *
 * Checksum offload follows the link rule: false while the segment may
 * deliver corrupted packets.
 */
import type { Scheduler } from "../core/scheduler.js";
import type { Rng } from "../core/rng.js";
import { type Device, type Tap, runTaps } from "../link/device.js";
import { INADDR_BROADCAST, isMulticast, type Ipv4Address } from "../wire/ipv4-address.js";
import { finalizeChecksums, type Packet } from "../wire/packet.js";
import { Channel, type ChannelCounters, type DropReason } from "./channel.js";
import type { LinkConfigInput } from "./impairments.js";

/**
 * Which addresses an attached device answers for. Either a predicate
 * (`(a) => host.hasAddress(a)`) or a function returning the current list
 * (`() => host.addresses()`): the segment calls it with the next hop and
 * accepts a boolean or an array (then tests membership). Return true for
 * your subnet's directed broadcast address too, if you want to receive it.
 */
export type OwnsAddress = ((addr: Ipv4Address) => boolean) | (() => readonly Ipv4Address[]);

/** Options of {@link SharedSegment}: the conditions of its shared wire. */
export type SharedSegmentOptions = LinkConfigInput;

/** A device attached to a {@link SharedSegment}. */
export class SharedSegmentPort implements Device {
  /** Administrative state; while down, transmit and receive drop (`down`). */
  up = true;
  /**
   * While true the port is cut off the segment: what it sends and what is
   * sent to it is dropped (`partition`). See {@link SharedSegment.isolate}.
   */
  isolated = false;
  readonly taps: Tap[] = [];
  onReceive: Device["onReceive"] = () => {};
  /** False once detached. */
  attached = true;
  readonly #owns: OwnsAddress;

  /** @internal created by {@link SharedSegment.attach}. */
  constructor(
    readonly name: string,
    /** The segment this port is attached to. */
    readonly segment: SharedSegment,
    owns: OwnsAddress,
  ) {
    this.#owns = owns;
  }

  /** The segment's MTU. */
  get mtu(): number {
    return this.segment.channel.config.mtu;
  }

  /** False while the segment may deliver corrupted packets. */
  get checksumOffload(): boolean {
    return !this.segment.channel.corrupting;
  }

  /** True when this port's owner answers for `addr`. */
  owns(addr: Ipv4Address): boolean {
    const r = (this.#owns as (a: Ipv4Address) => boolean | readonly Ipv4Address[])(addr);
    return typeof r === "boolean" ? r : r.includes(addr);
  }

  /** Sends `packet` to the device(s) owning `nextHop`. */
  transmit(packet: Packet, nextHop: Ipv4Address): void {
    const ch = this.segment.channel;
    if (!this.up || !this.attached) {
      ch.reject(packet, "down");
      return;
    }
    runTaps(this, packet, "out", this.segment.scheduler.now());
    if (this.isolated) {
      ch.reject(packet, "partition");
      return;
    }
    ch.send(packet, this, nextHop);
  }

  /** @internal hands a packet to this port's owner. */
  receive(packet: Packet): void {
    if (packet.csumPartial && !this.checksumOffload) finalizeChecksums(packet);
    runTaps(this, packet, "in", this.segment.scheduler.now());
    this.onReceive(packet, this);
  }
}

/**
 * A shared segment: one Ethernet-like broadcast domain (named apart from
 * TCP's `Segment`, a received TCP segment).
 * @example
 * const lan = new SharedSegment(scheduler, rng.fork("lan"), { latency: 100 });
 * const d1 = lan.attach("eth0", (a) => a === ipv4("10.0.0.1"));
 * const d2 = lan.attach("eth0", () => [ipv4("10.0.0.2")]);
 * d1.transmit(packet, ipv4("10.0.0.2"));   // reaches d2
 */
export class SharedSegment {
  /** The shared wire (conditions, counters, partition, hold). */
  readonly channel: Channel<SharedSegmentPort>;
  readonly #ports: SharedSegmentPort[] = [];
  readonly #scratch: SharedSegmentPort[] = [];

  /**
   * @param scheduler the network's scheduler.
   * @param rng a stream for this segment alone.
   * @param opts the conditions of the shared wire.
   */
  constructor(
    readonly scheduler: Scheduler,
    rng: Rng,
    opts: SharedSegmentOptions = {},
  ) {
    this.channel = new Channel<SharedSegmentPort>(scheduler, rng, opts, (p, from, nextHop) => this.#deliver(p, from, nextHop));
  }

  /** Attaches a new device named `name` whose owner answers for the addresses `owns` describes. */
  attach(name: string, owns: OwnsAddress): SharedSegmentPort {
    const port = new SharedSegmentPort(name, this, owns);
    this.#ports.push(port);
    return port;
  }

  /** Detaches `port`: it neither sends nor receives any more. */
  detach(port: SharedSegmentPort): void {
    const i = this.#ports.indexOf(port);
    if (i >= 0) this.#ports.splice(i, 1);
    port.attached = false;
  }

  /** The attached ports, in attach order (a copy). */
  ports(): SharedSegmentPort[] {
    return this.#ports.slice();
  }

  /** Changes the segment's conditions (see {@link Channel.set}). */
  configure(patch: LinkConfigInput): void {
    this.channel.set(patch);
  }

  /** Cuts `port` off the segment (both ways) until {@link rejoin}. */
  isolate(port: SharedSegmentPort): void {
    port.isolated = true;
  }

  /** Undoes {@link isolate}. */
  rejoin(port: SharedSegmentPort): void {
    port.isolated = false;
  }

  /** Cuts the whole segment (every packet dropped, `partition`). */
  partition(): void {
    this.channel.partition();
  }

  /** Reconnects the whole segment. */
  heal(): void {
    this.channel.heal();
  }

  /** A plain copy of the segment's counters. */
  stats(): ChannelCounters {
    return this.channel.stats();
  }

  #deliver(p: Packet, from: SharedSegmentPort, nextHop: Ipv4Address): DropReason | null {
    if (from.isolated || !from.attached) return "partition";
    const everyone = nextHop === INADDR_BROADCAST || isMulticast(nextHop);
    let refused: DropReason = "noDestination";
    const rx = this.#scratch;
    rx.length = 0;
    const ports = this.#ports;
    for (let i = 0; i < ports.length; i++) {
      const port = ports[i]!;
      if (port === from || (!everyone && !port.owns(nextHop))) continue;
      if (!port.up) {
        if (refused === "noDestination") refused = "down";
        continue;
      }
      if (port.isolated) {
        refused = "partition";
        continue;
      }
      rx.push(port);
    }
    const n = rx.length;
    if (n === 0) return refused;
    if (n === 1) {
      rx[0]!.receive(p);
      return null;
    }
    // Several receivers: each gets a private head, made before any of them
    // can modify the original.
    const targets = rx.slice();
    const copies = targets.map((_, i) => (i === 0 ? p : p.clone()));
    for (let i = 0; i < n; i++) targets[i]!.receive(copies[i]!);
    return null;
  }
}
