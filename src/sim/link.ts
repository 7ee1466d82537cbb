/**
 * A simulated point-to-point link (a cable, a veth pair): two
 * {@link Device} endpoints `a` and `b` and one {@link Channel} per
 * direction (`aToB`, `bToA`), each with its own conditions, counters,
 * partition and hold switches.
 *
 * Checksum offload rule: an endpoint offers `checksumOffload` only while
 * neither direction may deliver a corrupted packet (no corruption
 * configured, none in flight or held). IP reads the flag per packet: while
 * it is false, senders compute checksums and receivers verify them. A
 * packet sent with offloaded checksums that reaches a receiver after
 * corruption was switched on gets its checksums filled in on delivery, so
 * it is not mistaken for a corrupted one.
 *
 * Taps: "out" runs on the sending endpoint when IP transmits (tcpdump sees
 * packets the wire then loses, as on Linux); "in" runs on the receiving
 * endpoint on delivery (with the corrupted bytes, when corrupted).
 */
import type { Scheduler } from "../core/scheduler.js";
import type { Rng } from "../core/rng.js";
import { type Device, type Tap, runTaps } from "../link/device.js";
import type { Ipv4Address } from "../wire/ipv4-address.js";
import { finalizeChecksums, type Packet } from "../wire/packet.js";
import { Channel, type DropReason } from "./channel.js";
import { ChannelPair, definedConfig, type ChannelPairStats, type LinkDirection } from "./channel-pair.js";
import type { LinkConfigInput } from "./impairments.js";

export type { LinkDirection };

/** Options of {@link Link}. */
export interface LinkOptions extends LinkConfigInput {
  /** Name of endpoint `a` (default `"eth0"`). */
  aName?: string;
  /** Name of endpoint `b` (default `"eth0"`). */
  bName?: string;
  /** Conditions of a→b only, applied over the shared ones. */
  aToB?: LinkConfigInput;
  /** Conditions of b→a only, applied over the shared ones. */
  bToA?: LinkConfigInput;
  /**
   * Offer checksum offload (default true, like Linux `lo` and veth). With
   * false the endpoints never offer it, so every packet is checksummed by
   * the sender and verified by the receiver, as on a physical NIC without
   * offload (`ethtool -K eth0 tx off rx off`).
   */
  checksumOffload?: boolean;
}

/** Counters of both directions of a link. */
export type LinkStats = ChannelPairStats;

/** One end of a {@link Link}: the Device IP sends through and receives from. */
export class LinkEndpoint implements Device {
  /** Administrative state; while down, transmit and receive drop (`down`). */
  up = true;
  readonly taps: Tap[] = [];
  onReceive: Device["onReceive"] = () => {};
  /** The other end (set by the Link). */
  peer!: LinkEndpoint;
  /** False when the link was created with `checksumOffload: false`. */
  offloadAllowed = true;

  /** @internal created by {@link Link}. */
  constructor(
    readonly name: string,
    /** The link this endpoint belongs to. */
    readonly link: Link,
    /** The channel this endpoint transmits on. */
    readonly txChannel: Channel<null>,
    /** The channel this endpoint receives from. */
    readonly rxChannel: Channel<null>,
    readonly scheduler: Scheduler,
  ) {}

  /** The MTU of the direction this endpoint sends on. */
  get mtu(): number {
    return this.txChannel.config.mtu;
  }

  /** False while either direction may corrupt (see the file comment). */
  get checksumOffload(): boolean {
    return this.offloadAllowed && !this.txChannel.corrupting && !this.rxChannel.corrupting;
  }

  /** Sends `packet` to the peer (`nextHop` is ignored on point-to-point links). */
  transmit(packet: Packet, _nextHop: Ipv4Address): void {
    if (!this.up) {
      this.txChannel.reject(packet, "down");
      return;
    }
    runTaps(this, packet, "out", this.scheduler.now());
    this.txChannel.send(packet, null);
  }

  /** @internal the channel's delivery to this endpoint. */
  receive(packet: Packet): DropReason | null {
    if (!this.up) return "down";
    if (packet.csumPartial && !this.checksumOffload) finalizeChecksums(packet);
    runTaps(this, packet, "in", this.scheduler.now());
    this.onReceive(packet, this);
    return null;
  }
}

/**
 * A point-to-point link.
 * @example
 * const link = new Link(scheduler, rng.fork("link:a-b"), { latency: ms(10), aName: "eth0", bName: "eth1" });
 * client.addInterface(link.a, "10.0.0.1/24"); server.addInterface(link.b, "10.0.0.2/24");
 * link.bToA.set({ loss: 0.1 });   // lossy return path
 * link.partition();                // cut the cable
 */
export class Link extends ChannelPair<null> {
  /** The a→b direction. */
  readonly aToB: Channel<null>;
  /** The b→a direction. */
  readonly bToA: Channel<null>;
  /** Endpoint a (transmits on {@link aToB}). */
  readonly a: LinkEndpoint;
  /** Endpoint b (transmits on {@link bToA}). */
  readonly b: LinkEndpoint;

  /**
   * @param scheduler the network's scheduler.
   * @param rng a stream for this link alone (e.g. `networkRng.fork("link:h1-h2")`);
   *   each direction forks its own from it ("a>b" first, then "b>a").
   * @param opts endpoint names and initial conditions.
   */
  constructor(scheduler: Scheduler, rng: Rng, opts: LinkOptions = {}) {
    super();
    const { aName = "eth0", bName = "eth0", aToB, bToA, checksumOffload = true, ...shared } = opts;
    const rngAB = rng.fork("a>b");
    const rngBA = rng.fork("b>a");
    this.aToB = new Channel<null>(scheduler, rngAB, { ...shared, ...definedConfig(aToB) }, (p) => this.b.receive(p));
    this.bToA = new Channel<null>(scheduler, rngBA, { ...shared, ...definedConfig(bToA) }, (p) => this.a.receive(p));
    this.a = new LinkEndpoint(aName, this, this.aToB, this.bToA, scheduler);
    this.b = new LinkEndpoint(bName, this, this.bToA, this.aToB, scheduler);
    this.a.peer = this.b;
    this.b.peer = this.a;
    this.a.offloadAllowed = this.b.offloadAllowed = checksumOffload;
  }

  /** The endpoint on the other side of `e`. */
  peerOf(e: LinkEndpoint): LinkEndpoint {
    return e === this.a ? this.b : this.a;
  }

}
