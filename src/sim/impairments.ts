/**
 * The conditions of one simulated wire: delay, loss, duplication,
 * reordering, corruption, rate and MTU — the knobs of Linux `tc netem` and
 * `tbf`, as a plain value ({@link LinkConfig}) plus the few pure random
 * models behind them (jitter samples, the Gilbert-Elliott burst-loss chain,
 * bit corruption). {@link Channel} applies them to packets; a point-to-point
 * {@link Link} has one Channel per direction, a {@link SharedSegment} one for the
 * whole broadcast domain.
 *
 * Everything here is deterministic given the Rng streams passed in.
 */
import type { Micros } from "../core/time.js";
import type { Rng } from "../core/rng.js";
import { EMPTY, Packet, finalizeChecksums } from "../wire/packet.js";
import { updateChecksum16 } from "../wire/checksum.js";

/**
 * Gilbert-Elliott burst loss (the two-state Markov chain of netem's
 * `loss gemodel p r 1-h 1-k`). The chain moves once per packet; a packet is
 * lost with `lossInGood` / `lossInBad` according to the state it meets, then
 * the state transitions. With the defaults (0 and 1) losses come in bursts
 * whose mean length is `1 / pBadToGood`, separated by gaps of mean length
 * `1 / pGoodToBad`; the long-run loss rate is `p / (p + r)`.
 */
export interface BurstLoss {
  /** Probability of moving from the good to the bad state (netem `p`). */
  pGoodToBad: number;
  /** Probability of moving from the bad to the good state (netem `r`). */
  pBadToGood: number;
  /** Loss probability in the good state (netem `1-k`, default 0). */
  lossInGood?: number;
  /** Loss probability in the bad state (netem `1-h`, default 1). */
  lossInBad?: number;
}

/**
 * Active queue management of a rate-limited wire's queue: a step AQM (RED
 * with min = max = threshold and probability 1 — what DCTCP deployments
 * configure — or fq_codel's `ce_threshold`, counted in packets instead of
 * sojourn time). A packet that arrives while `threshold` or more packets
 * wait for the wire gets a congestion signal: with `ecn` (the default) an
 * ECN-capable one — ECT(0) or ECT(1) — is marked CE (RFC 3168 §5, the IP
 * checksum updated) and sent on, anything else is dropped (`aqm`), as
 * `tc qdisc … red … ecn` does; without `ecn` every signalled packet is
 * dropped. The tail drop of a full queue still applies.
 */
export interface AqmConfig {
  /** Waiting packets at or above which arriving packets are signalled (≥ 0; 0 signals every packet that must wait). */
  threshold: number;
  /** Mark ECN-capable packets CE instead of dropping them. Default true. */
  ecn?: boolean;
}

/** How {@link LinkConfig.jitter} is distributed. */
export type JitterDistribution = "uniform" | "normal";

/**
 * The complete conditions of one direction of a link (or of a segment).
 * All times in µs, probabilities in [0, 1], rate in bits/s.
 * @example
 * link.configure({ latency: ms(20), jitter: ms(2), loss: 0.01, rate: 10e6 });
 */
export interface LinkConfig {
  /** One-way propagation delay added to every packet. Default 0. */
  latency: Micros;
  /**
   * Delay variation. `"uniform"`: each packet's delay is latency + U[-jitter,
   * +jitter]; `"normal"`: latency + N(0, jitter²). Delays are clamped at 0.
   * Jitter never reorders packets (a packet is never delivered before one
   * sent earlier in the same direction, like a real FIFO wire, and unlike
   * netem's tfifo): use {@link LinkConfig.reorder} for that. Default 0.
   */
  jitter: Micros;
  /** Distribution of {@link LinkConfig.jitter}. Default `"uniform"`. */
  jitterDistribution: JitterDistribution;
  /** Independent random loss probability per packet. Default 0. */
  loss: number;
  /** Bursty loss on top of {@link LinkConfig.loss}, or null. Default null. */
  burst: BurstLoss | null;
  /**
   * Probability that a packet is delivered twice (the copy arrives right
   * after the original, with its own header buffer). Default 0.
   */
  duplicate: number;
  /**
   * Probability that a packet is held back by an extra
   * {@link LinkConfig.reorderDelay} so that packets sent after it overtake
   * it (netem `reorder`, seen from the delayed packet). Default 0.
   */
  reorder: number;
  /**
   * Extra delay of a reordered packet; null means "latency, but at least
   * 1 ms". Default null.
   */
  reorderDelay: Micros | null;
  /**
   * Probability that one uniformly chosen bit of the datagram is flipped.
   * The link then delivers a private, checksummed copy (the sender's buffers
   * are never touched) and stops offering checksum offload, so the
   * receiver's checksum check catches the flip. Default 0.
   */
  corrupt: number;
  /**
   * Transmit rate in bits/s; 0 means unlimited. A packet occupies the wire
   * for `length·8 / rate` seconds; packets that find the wire busy wait in
   * a FIFO bounded by {@link LinkConfig.queuePackets} and
   * {@link LinkConfig.queueBytes} (tail drop). Default 0.
   */
  rate: number;
  /** Queue bound in packets while rate-limited (Linux `txqueuelen`, default 1000). */
  queuePackets: number;
  /** Queue bound in bytes while rate-limited. Default Infinity. */
  queueBytes: number;
  /**
   * Active queue management of the rate-limit queue ({@link AqmConfig}:
   * CE-mark or drop above a threshold), or null for a plain FIFO with
   * tail drop. Needs {@link LinkConfig.rate}. Default null.
   */
  aqm: AqmConfig | null;
  /**
   * Largest datagram the wire carries (bytes). Larger ones are dropped and
   * counted (`mtu`): IP fragments before sending, so this only catches bugs.
   * Default 1500.
   */
  mtu: number;
}

/** A partial {@link LinkConfig}: what `configure`/`set` accept. */
export type LinkConfigInput = Partial<LinkConfig>;

/** The defaults: an ideal 1500-byte wire with no delay. */
export const DEFAULT_LINK_CONFIG: Readonly<LinkConfig> = Object.freeze({
  latency: 0,
  jitter: 0,
  jitterDistribution: "uniform",
  loss: 0,
  burst: null,
  duplicate: 0,
  reorder: 0,
  reorderDelay: null,
  corrupt: 0,
  rate: 0,
  queuePackets: 1000,
  queueBytes: Infinity,
  aqm: null,
  mtu: 1500,
});

/**
 * `base` with `patch` applied (undefined fields keep their value), validated.
 * Throws a RangeError naming the bad field.
 */
export function resolveLinkConfig(base: Readonly<LinkConfig>, patch: LinkConfigInput | undefined): LinkConfig {
  const c: LinkConfig = { ...base };
  if (patch) {
    for (const k of Object.keys(patch) as (keyof LinkConfig)[]) {
      const v = patch[k];
      if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
    }
  }
  nonNegative("latency", c.latency);
  nonNegative("jitter", c.jitter);
  if (c.jitterDistribution !== "uniform" && c.jitterDistribution !== "normal") {
    throw new RangeError(`link config: jitterDistribution must be "uniform" or "normal"`);
  }
  probability("loss", c.loss);
  probability("duplicate", c.duplicate);
  probability("reorder", c.reorder);
  probability("corrupt", c.corrupt);
  if (c.reorderDelay !== null) nonNegative("reorderDelay", c.reorderDelay);
  nonNegative("rate", c.rate);
  nonNegative("queuePackets", c.queuePackets);
  nonNegative("queueBytes", c.queueBytes);
  if (!(c.mtu >= 68)) throw new RangeError(`link config: mtu must be at least 68 (RFC 791), got ${c.mtu}`);
  if (c.aqm) {
    nonNegative("aqm.threshold", c.aqm.threshold);
    c.aqm = { threshold: c.aqm.threshold, ecn: c.aqm.ecn ?? true };
  }
  if (c.burst) {
    const b = c.burst;
    probability("burst.pGoodToBad", b.pGoodToBad);
    probability("burst.pBadToGood", b.pBadToGood);
    probability("burst.lossInGood", b.lossInGood ?? 0);
    probability("burst.lossInBad", b.lossInBad ?? 1);
    c.burst = { ...b };
  }
  return c;
}

function probability(name: string, v: number): void {
  if (!(v >= 0 && v <= 1)) throw new RangeError(`link config: ${name} must be a probability in [0, 1], got ${v}`);
}

function nonNegative(name: string, v: number): void {
  if (!(v >= 0)) throw new RangeError(`link config: ${name} must be >= 0, got ${v}`);
}

/** The effective extra delay of a reordered packet under `c`. */
export function reorderDelayOf(c: Readonly<LinkConfig>): Micros {
  return c.reorderDelay ?? Math.max(c.latency, 1000);
}

/**
 * One delay sample (µs, integer, ≥ 0) of `latency ± jitter`. Always takes
 * exactly two draws from `rng` when jitter is on (Box-Muller needs two; the
 * uniform case discards one), so switching the distribution does not shift
 * the stream.
 */
export function sampleDelay(rng: Rng, c: Readonly<LinkConfig>): Micros {
  if (c.jitter <= 0) return c.latency;
  const u1 = rng.float();
  const u2 = rng.float();
  let d: number;
  if (c.jitterDistribution === "normal") {
    // Box-Muller; 1 - u1 lies in (0, 1], so the log is finite.
    d = c.latency + c.jitter * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  } else {
    d = c.latency + c.jitter * (2 * u1 - 1);
  }
  return d <= 0 ? 0 : Math.round(d);
}

/** The state of a Gilbert-Elliott chain (see {@link BurstLoss}). */
export class GilbertElliott {
  /** True while in the bad state. */
  bad = false;

  /**
   * Decides the fate of one packet and advances the chain. Takes exactly
   * two draws from `rng`. Returns true when the packet is lost.
   */
  step(rng: Rng, m: Readonly<BurstLoss>): boolean {
    const lossDraw = rng.float();
    const moveDraw = rng.float();
    const lost = lossDraw < (this.bad ? (m.lossInBad ?? 1) : (m.lossInGood ?? 0));
    if (moveDraw < (this.bad ? m.pBadToGood : m.pGoodToBad)) this.bad = !this.bad;
    return lost;
  }
}

/** The ECN field (RFC 3168 §5) of the IP datagram `p`: 0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE; 0 for anything but IPv4/IPv6. */
export function ecnField(p: Packet): number {
  const h = p.head;
  if (h.length < 2) return 0;
  const v = h[0]! >> 4;
  if (v === 4) return h[1]! & 3;
  if (v === 6) return (h[1]! >> 4) & 3;
  return 0;
}

/**
 * A copy of the IP datagram `p` with its ECN field set to CE (RFC 3168
 * §5): a private head (the sender's capture and buffers keep ECT), the
 * IPv4 header checksum updated incrementally (RFC 1624) unless checksums
 * are still offloaded.
 */
export function markCe(p: Packet): Packet {
  const q = p.clone();
  const h = q.head;
  if (h[0]! >> 4 === 6) {
    h[1] = h[1]! | 0x30;
    return q;
  }
  const old = (h[0]! << 8) | h[1]!;
  h[1] = h[1]! | 3;
  if (!q.csumPartial) {
    const cs = updateChecksum16((h[10]! << 8) | h[11]!, old, (h[0]! << 8) | h[1]!);
    h[10] = cs >>> 8;
    h[11] = cs & 255;
  }
  return q;
}

/**
 * A corrupted copy of `p`: one contiguous private buffer with final
 * checksums, then one bit (chosen uniformly with `rng`) flipped. `p` and the
 * buffers it references are not modified.
 */
export function corruptCopy(p: Packet, rng: Rng): Packet {
  const bytes = new Uint8Array(p.length);
  bytes.set(p.head, 0);
  if (p.payload.length) bytes.set(p.payload, p.head.length);
  const q = new Packet(bytes, EMPTY, p.csumPartial);
  finalizeChecksums(q);
  const bit = rng.below(bytes.length * 8);
  bytes[bit >>> 3] ^= 0x80 >>> (bit & 7);
  return q;
}
