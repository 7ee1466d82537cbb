/**
 * A simulated Ethernet cable: two {@link FrameEndpoint}s (cards, switch
 * ports) and one {@link Channel} per direction carrying frames — the link
 * header as the channel's per-packet tag, the payload as a Packet — with
 * the same conditions, partitions, holds and counters as a point-to-point
 * {@link Link}. Channel MTU and rate count the payload (the IP datagram),
 * not the 14-byte header, preamble or inter-frame gap.
 *
 * A corrupted frame reaches the receiver with its bit flipped in the
 * payload (checksums were finalized first, so IP/TCP/UDP catch it); a real
 * NIC would drop it at the FCS check — see docs/ethernet.md.
 */
import type { Scheduler } from "../core/scheduler.js";
import type { Rng } from "../core/rng.js";
import type { FrameEndpoint, FrameHeader, FrameWire } from "../link/ethernet.js";
import type { Packet } from "../wire/packet.js";
import { Channel, type ChannelCounters, type ReleaseOptions } from "./channel.js";
import type { LinkConfigInput } from "./impairments.js";
import type { LinkDirection } from "./link.js";

/** Options of an {@link EtherLink}. */
export interface EtherLinkOptions extends LinkConfigInput {
  /** Conditions of a→b only, over the shared ones. */
  aToB?: LinkConfigInput;
  /** Conditions of b→a only, over the shared ones. */
  bToA?: LinkConfigInput;
  /** Offer checksum offload (default true); false makes senders checksum every datagram. */
  checksumOffload?: boolean;
}

/** Counters of both directions of a cable. */
export interface EtherLinkStats {
  aToB: ChannelCounters;
  bToA: ChannelCounters;
}

/**
 * An Ethernet cable between endpoints `a` and `b`.
 * @example
 * const cardA = net.ethernetCard(client, "eth1"), cardB = net.ethernetCard(server, "eth1");
 * const cable = new EtherLink(net.scheduler, net.rng.fork("cable"), cardA, cardB, { latency: ms(1) });
 * cardA.wire = cardB.wire = cable;
 * client.addInterface(cardA, "10.9.0.1/24"); server.addInterface(cardB, "10.9.0.2/24");
 */
export class EtherLink implements FrameWire {
  readonly aToB: Channel<FrameHeader>;
  readonly bToA: Channel<FrameHeader>;
  readonly #offload: boolean;

  constructor(
    scheduler: Scheduler,
    rng: Rng,
    /** Endpoint a (transmits on {@link aToB}). */
    readonly a: FrameEndpoint,
    /** Endpoint b (transmits on {@link bToA}). */
    readonly b: FrameEndpoint,
    opts: EtherLinkOptions = {},
  ) {
    const { aToB, bToA, checksumOffload = true, ...shared } = opts;
    this.aToB = new Channel<FrameHeader>(scheduler, rng.fork("a>b"), { ...shared, ...clean(aToB) }, (p, h) => b.receiveFrame(h, p));
    this.bToA = new Channel<FrameHeader>(scheduler, rng.fork("b>a"), { ...shared, ...clean(bToA) }, (p, h) => a.receiveFrame(h, p));
    this.#offload = checksumOffload;
  }

  /** Offload unless disabled or either direction may corrupt. */
  get checksumOffload(): boolean {
    return this.#offload && !this.aToB.corrupting && !this.bToA.corrupting;
  }

  /** Carries a frame from `from` to the other end. */
  sendFrame(from: FrameEndpoint, hdr: FrameHeader, payload: Packet): void {
    (from === this.a ? this.aToB : this.bToA).send(payload, hdr);
  }

  /** The endpoint across from `e`. */
  peerOf(e: FrameEndpoint): FrameEndpoint {
    return e === this.a ? this.b : this.a;
  }

  /** Changes the conditions of both directions. */
  configure(patch: LinkConfigInput): void {
    this.aToB.set(patch);
    this.bToA.set(patch);
  }

  /** Pulls the cable (default both directions): sent and in-flight frames are lost. */
  partition(direction: LinkDirection = "both"): void {
    for (const c of this.#channels(direction)) c.partition();
  }

  /** Plugs it back. */
  heal(direction: LinkDirection = "both"): void {
    for (const c of this.#channels(direction)) c.heal();
  }

  /** Holds frames (see Channel.hold). */
  hold(direction: LinkDirection = "both", filter?: (p: Packet) => boolean): void {
    for (const c of this.#channels(direction)) c.hold(filter);
  }

  /** Releases held frames; returns how many. */
  release(direction: LinkDirection = "both", opts?: ReleaseOptions): number {
    let n = 0;
    for (const c of this.#channels(direction)) n += c.release(opts);
    return n;
  }

  /** Frames on the wire, both directions. */
  get inFlight(): number {
    return this.aToB.inFlight + this.bToA.inFlight;
  }

  /** Plain copies of both directions' counters. */
  stats(): EtherLinkStats {
    return { aToB: this.aToB.stats(), bToA: this.bToA.stats() };
  }

  #channels(d: LinkDirection): Channel<FrameHeader>[] {
    return d === "aToB" ? [this.aToB] : d === "bToA" ? [this.bToA] : [this.aToB, this.bToA];
  }
}

function clean(c: LinkConfigInput | undefined): LinkConfigInput {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c ?? {})) if (v !== undefined) out[k] = v;
  return out as LinkConfigInput;
}
