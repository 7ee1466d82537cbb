/**
 * The two directions of a wire — a point-to-point link (link.ts) or an
 * Ethernet cable (ether-link.ts) — and what is done to both at once:
 * change their conditions, cut and reconnect them, hold and release what
 * they carry, read their counters. The wire kinds differ only in what a
 * channel carries and how its ends receive it.
 */
import type { Packet } from "../wire/packet.js";
import type { Channel, ChannelCounters, ReleaseOptions } from "./channel.js";
import type { LinkConfigInput } from "./impairments.js";

/** Which direction(s) of a link an operation applies to. */
export type LinkDirection = "both" | "aToB" | "bToA";

/** Counters of both directions. */
export interface ChannelPairStats {
  aToB: ChannelCounters;
  bToA: ChannelCounters;
}

/** A wire's two channels, a→b and b→a, operated on together or one at a time. */
export abstract class ChannelPair<H> {
  /** The a→b direction. */
  abstract readonly aToB: Channel<H>;
  /** The b→a direction. */
  abstract readonly bToA: Channel<H>;

  /**
   * Changes the conditions of both directions.
   * @example link.configure({ latency: ms(50), loss: 0.02 })
   */
  configure(patch: LinkConfigInput): void {
    this.aToB.set(patch);
    this.bToA.set(patch);
  }

  /** Cuts the wire (default both directions): sent and in-flight packets are dropped. */
  partition(direction: LinkDirection = "both"): void {
    for (const c of this.channels(direction)) c.partition();
  }

  /** Reconnects (default both directions). */
  heal(direction: LinkDirection = "both"): void {
    for (const c of this.channels(direction)) c.heal();
  }

  /** Starts holding packets (see {@link Channel.hold}) in one or both directions. */
  hold(direction: LinkDirection = "both", filter?: (p: Packet) => boolean): void {
    for (const c of this.channels(direction)) c.hold(filter);
  }

  /** Releases held packets (see {@link Channel.release}); returns how many. */
  release(direction: LinkDirection = "both", opts?: ReleaseOptions): number {
    let n = 0;
    for (const c of this.channels(direction)) n += c.release(opts);
    return n;
  }

  /** Plain copies of both directions' counters. */
  stats(): ChannelPairStats {
    return { aToB: this.aToB.stats(), bToA: this.bToA.stats() };
  }

  /** The channels `direction` names. */
  protected channels(direction: LinkDirection): Channel<H>[] {
    return direction === "aToB" ? [this.aToB] : direction === "bToA" ? [this.bToA] : [this.aToB, this.bToA];
  }
}

/** `c` without its undefined fields (so they do not override the shared conditions). */
export function definedConfig(c: LinkConfigInput | undefined): LinkConfigInput {
  if (!c) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) if (v !== undefined) out[k] = v;
  return out as LinkConfigInput;
}
