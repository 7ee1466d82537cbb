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
import { Channel } from "./channel.js";
import { ChannelPair, definedConfig, type ChannelPairStats } from "./channel-pair.js";
import type { LinkConfigInput } from "./impairments.js";

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
export type EtherLinkStats = ChannelPairStats;

/**
 * An Ethernet cable between endpoints `a` and `b`.
 * @example
 * const cardA = net.ethernetCard(client, "eth1"), cardB = net.ethernetCard(server, "eth1");
 * const cable = new EtherLink(net.scheduler, net.rng.fork("cable"), cardA, cardB, { latency: ms(1) });
 * cardA.wire = cardB.wire = cable;
 * client.addInterface(cardA, "10.9.0.1/24"); server.addInterface(cardB, "10.9.0.2/24");
 */
export class EtherLink extends ChannelPair<FrameHeader> implements FrameWire {
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
    super();
    const { aToB, bToA, checksumOffload = true, ...shared } = opts;
    this.aToB = new Channel<FrameHeader>(scheduler, rng.fork("a>b"), { ...shared, ...definedConfig(aToB) }, (p, h) => b.receiveFrame(h, p));
    this.bToA = new Channel<FrameHeader>(scheduler, rng.fork("b>a"), { ...shared, ...definedConfig(bToA) }, (p, h) => a.receiveFrame(h, p));
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

  /** Frames on the wire, both directions. */
  get inFlight(): number {
    return this.aToB.inFlight + this.bToA.inFlight;
  }

}
