/**
 * One simulated wire in one direction: applies a {@link LinkConfig} to the
 * packets put on it and hands each survivor to its owner's `deliver`
 * function at the right virtual time. A point-to-point {@link Link} has two
 * (`aToB`, `bToA`); a {@link SharedSegment} shares one among its ports.
 *
 * Pipeline of one packet, in this order:
 * 1. partitioned → drop `partition`; longer than the MTU → drop `mtu`;
 * 2. rate limit: wait for the wire in a bounded FIFO (tail drop `queue`),
 *    then occupy it for `length·8/rate`; with an AQM, a packet that finds
 *    the queue at its threshold is marked CE (ECN-capable) or dropped
 *    (`aqm`) first;
 * 3. random decisions (see "random streams"): loss (independent, then
 *    Gilbert-Elliott) → drop `loss`; duplication; corruption (a private
 *    copy with one bit flipped); delay = latency ± jitter, never earlier
 *    than the previous in-order packet; reordering (extra delay, exempt from
 *    that FIFO rule);
 * 4. at delivery time: partitioned → drop `partition` (a cut wire loses
 *    what is in flight); held (see {@link Channel.hold}) → kept; else
 *    `deliver`, which may still refuse (receiver `down`, `noDestination`).
 *
 * Random streams: each impairment draws from its own Rng, forked from the
 * channel's at construction in a fixed order (loss, burst, duplicate,
 * corrupt, jitter, reorder, release). Every packet that reaches step 3
 * takes a fixed number of draws from each *enabled* impairment's stream —
 * even if an earlier decision already lost it — so enabling or tuning one
 * impairment never shifts which packets another one picks. Only the
 * corruption stream varies: the bit position is an extra draw per
 * corrupted packet.
 *
 * Scheduling: one {@link Timer} per channel, armed at the earliest pending
 * delivery; deliveries due at the same instant go in wire order. Even with
 * zero latency a packet is delivered in a later event, never inside
 * `send` (like {@link LoopbackDevice}).
 */
import { Timer, type Scheduler } from "../core/scheduler.js";
import type { Rng } from "../core/rng.js";
import type { Micros } from "../core/time.js";
import { EMPTY, Packet } from "../wire/packet.js";
import { DeliveryQueue, type InFlight } from "./delivery-queue.js";
import {
  DEFAULT_LINK_CONFIG,
  GilbertElliott,
  corruptCopy,
  ecnField,
  markCe,
  reorderDelayOf,
  resolveLinkConfig,
  sampleDelay,
  type LinkConfig,
  type LinkConfigInput,
} from "./impairments.js";

/** Why a channel dropped a packet. */
export type DropReason =
  /** random or burst loss */
  | "loss"
  /** rate-limit queue full (tail drop) */
  | "queue"
  /** the AQM signalled congestion to a packet that is not ECN-capable (or the AQM does not mark) */
  | "aqm"
  /** longer than the wire's MTU */
  | "mtu"
  /** wire partitioned (at send or while in flight) */
  | "partition"
  /** sending or receiving device administratively down */
  | "down"
  /** segment: no attached device owns the next hop */
  | "noDestination"
  /** held packets thrown away by {@link Channel.dropHeld} */
  | "discarded";

/** Every {@link DropReason}. */
export const DROP_REASONS: readonly DropReason[] = ["loss", "queue", "aqm", "mtu", "partition", "down", "noDestination", "discarded"];

/**
 * Counters of one channel. Invariant:
 * `sent + duplicated = delivered + Σ dropped + inFlight + held-now`.
 */
export interface ChannelCounters {
  /** Packets put on the wire (including those then dropped). */
  sent: number;
  sentBytes: number;
  /** Packets handed to a receiver (a broadcast counts once; duplicates count). */
  delivered: number;
  deliveredBytes: number;
  /** Drops by reason. */
  dropped: Record<DropReason, number>;
  /** Extra copies made by duplication. */
  duplicated: number;
  /** Packets delivered with a flipped bit. */
  corrupted: number;
  /** Packets picked for an extra reordering delay. */
  reordered: number;
  /** Packets the AQM marked CE (RFC 3168) instead of dropping them. */
  ceMarked: number;
  /** Packets ever held by {@link Channel.hold}. */
  held: number;
}

/**
 * Delivers one packet to its receiver(s). Returns null when delivered, or
 * the reason it could not be.
 */
export type DeliverFn<T> = (packet: Packet, tag: T, aux: number) => DropReason | null;

/** Order in which {@link Channel.release} delivers the held packets. */
export type ReleaseOrder = "fifo" | "reverse" | "shuffle";

/** Options of {@link Channel.release}. */
export interface ReleaseOptions {
  /** Default `"fifo"` (the order they would have arrived in). */
  order?: ReleaseOrder;
  /** Shorthand for `order: "reverse"`. */
  reorder?: boolean;
}

/** Entries kept for reuse per channel (a burst in flight beyond this is allocated). */
const FREE_MAX = 1024;
/** Placeholder packet of a recycled entry (so it keeps no packet alive). */
const NO_PACKET = new Packet(EMPTY, EMPTY, true);

function zeroDrops(): Record<DropReason, number> {
  return { loss: 0, queue: 0, aqm: 0, mtu: 0, partition: 0, down: 0, noDestination: 0, discarded: 0 };
}

/** One direction of a simulated wire. `T` is per-packet owner data. */
export class Channel<T = null> {
  readonly #scheduler: Scheduler;
  readonly #deliver: DeliverFn<T>;
  #cfg: LinkConfig;
  readonly #counters: ChannelCounters = {
    sent: 0, sentBytes: 0, delivered: 0, deliveredBytes: 0, dropped: zeroDrops(),
    duplicated: 0, corrupted: 0, reordered: 0, ceMarked: 0, held: 0,
  };
  // One stream per impairment (see the file comment).
  readonly #lossRng: Rng;
  readonly #burstRng: Rng;
  readonly #dupRng: Rng;
  readonly #corruptRng: Rng;
  readonly #jitterRng: Rng;
  readonly #reorderRng: Rng;
  readonly #releaseRng: Rng;
  readonly #ge = new GilbertElliott();

  readonly #queue = new DeliveryQueue<T>();
  readonly #timer: Timer;
  #seq = 0;
  /** Delivery time of the last in-order packet (jitter never reorders). */
  #lastAt: Micros = 0;

  // The transmitter (rate limit): packets not yet fully serialised, FIFO.
  #txStart: number[] = [];
  #txFinish: number[] = [];
  #txSize: number[] = [];
  #txHead = 0;
  #txBytes = 0;
  /** When the wire becomes free (fractional µs). */
  #busyUntil = 0;

  #partitioned = false;
  #holding = false;
  #holdFilter: ((p: Packet) => boolean) | null = null;
  #held: InFlight<T>[] = [];
  /** Spent entries, reused by {@link #push} (one allocation less per packet). */
  readonly #free: InFlight<T>[] = [];
  /** A corrupted packet may still be in flight or held. */
  #dirty = false;

  /**
   * @param scheduler the network's scheduler.
   * @param rng this channel's own stream (fork it from the network's Rng).
   * @param config initial conditions (defaults: {@link DEFAULT_LINK_CONFIG}).
   * @param deliver hands a packet to its receiver(s).
   */
  constructor(scheduler: Scheduler, rng: Rng, config: LinkConfigInput | undefined, deliver: DeliverFn<T>) {
    this.#scheduler = scheduler;
    this.#deliver = deliver;
    this.#cfg = resolveLinkConfig(DEFAULT_LINK_CONFIG, config);
    this.#lossRng = rng.fork("loss");
    this.#burstRng = rng.fork("burst");
    this.#dupRng = rng.fork("duplicate");
    this.#corruptRng = rng.fork("corrupt");
    this.#jitterRng = rng.fork("jitter");
    this.#reorderRng = rng.fork("reorder");
    this.#releaseRng = rng.fork("release");
    this.#timer = new Timer((now) => this.#fire(now));
  }

  /** The current conditions (read-only view; change them with {@link set}). */
  get config(): Readonly<LinkConfig> {
    return this.#cfg;
  }

  /**
   * Changes some conditions, effective for packets sent from now on
   * (packets already on the wire keep their computed delivery time).
   * @example link.aToB.set({ loss: 0.05, latency: ms(10) })
   */
  set(patch: LinkConfigInput): void {
    const next = resolveLinkConfig(this.#cfg, patch);
    if (!next.burst) this.#ge.bad = false;
    this.#cfg = next;
  }

  /** Live counters (do not modify). */
  get counters(): Readonly<ChannelCounters> {
    return this.#counters;
  }

  /** A plain copy of the counters, for tests, snapshots and tools. */
  stats(): ChannelCounters {
    const c = this.#counters;
    return { ...c, dropped: { ...c.dropped } };
  }

  /** Total packets dropped, all reasons. */
  get droppedTotal(): number {
    let n = 0;
    for (const r of DROP_REASONS) n += this.#counters.dropped[r];
    return n;
  }

  /**
   * True while the wire may deliver a corrupted packet: corruption is
   * configured, or a corrupted packet is still in flight or held.
   * Receivers must verify checksums meanwhile (their device's
   * `checksumOffload` is false).
   */
  get corrupting(): boolean {
    return this.#cfg.corrupt > 0 || this.#dirty;
  }

  /** Packets on the wire (not counting held ones). */
  get inFlight(): number {
    return this.#queue.size;
  }

  /** The packets on the wire, in delivery order (a copy; for tools and tests). */
  inFlightPackets(): Packet[] {
    return this.#queue.packets();
  }

  /** Packets waiting for the transmitter (rate limit), and their bytes. */
  backlog(): { packets: number; bytes: number } {
    this.#retire(this.#scheduler.now());
    let packets = this.#txFinish.length - this.#txHead;
    let bytes = this.#txBytes;
    if (packets > 0 && this.#txStart[this.#txHead]! <= this.#scheduler.now()) {
      packets--;
      bytes -= this.#txSize[this.#txHead]!;
    }
    return { packets, bytes };
  }

  // ── partition ────────────────────────────────────────────────────────

  /** True while partitioned. */
  get partitioned(): boolean {
    return this.#partitioned;
  }

  /** Cuts the wire: every packet sent, and every packet in flight when its time comes, is dropped (`partition`). */
  partition(): void {
    this.#partitioned = true;
  }

  /** Reconnects the wire (packets lost meanwhile stay lost). */
  heal(): void {
    this.#partitioned = false;
  }

  // ── hold / release ───────────────────────────────────────────────────

  /** True while holding. */
  get holding(): boolean {
    return this.#holding;
  }

  /**
   * Starts holding: packets whose delivery time comes (and that match
   * `filter`, when given) are kept instead of delivered, until
   * {@link release} or {@link dropHeld}. For tests that need a packet
   * delayed or lost on demand.
   * @example
   * link.aToB.hold((p) => p.length > 40); // hold a→b packets larger than bare headers
   * await net.advance(ms(500));
   * link.aToB.release();
   */
  hold(filter?: (p: Packet) => boolean): void {
    this.#holding = true;
    this.#holdFilter = filter ?? null;
  }

  /** Number of packets currently held. */
  get heldCount(): number {
    return this.#held.length;
  }

  /** The held packets, in the order they would have arrived (a copy). */
  heldPackets(): Packet[] {
    return this.#held.map((e) => e.packet);
  }

  /**
   * Stops holding and delivers the held packets in a later event at the
   * current instant, in `order` (default: as they would have arrived;
   * `"reverse"`, or `"shuffle"` from the channel's own stream). Returns how
   * many were released. A partition still drops them.
   */
  release(opts?: ReleaseOptions): number {
    this.#holding = false;
    this.#holdFilter = null;
    const held = this.#held;
    this.#held = [];
    const order = opts?.order ?? (opts?.reorder ? "reverse" : "fifo");
    if (order === "reverse") held.reverse();
    else if (order === "shuffle") {
      for (let i = held.length - 1; i > 0; i--) {
        const j = this.#releaseRng.below(i + 1);
        const t = held[i]!;
        held[i] = held[j]!;
        held[j] = t;
      }
    }
    const now = this.#scheduler.now();
    for (const e of held) {
      e.at = now;
      e.seq = this.#seq++;
      e.released = true;
      this.#queue.push(e);
    }
    if (held.length) this.#armTimer();
    return held.length;
  }

  /** Throws the held packets away (counted as `discarded`); holding continues. Returns how many. */
  dropHeld(): number {
    const n = this.#held.length;
    this.#counters.dropped.discarded += n;
    this.#held = [];
    this.#settleDirty();
    return n;
  }

  // ── the data path ────────────────────────────────────────────────────

  /**
   * Counts a packet refused before it reached the wire (e.g. the sending
   * device is down) as sent and dropped for `reason`.
   */
  reject(packet: Packet, reason: DropReason): void {
    const c = this.#counters;
    c.sent++;
    c.sentBytes += packet.length;
    c.dropped[reason]++;
  }

  /**
   * Puts `packet` on the wire. `tag` and `aux` come back with it in
   * `deliver`. The packet object now belongs to the channel and then to
   * the receiver (which may modify its head).
   */
  send(packet: Packet, tag: T, aux = 0): void {
    const c = this.#counters;
    const cfg = this.#cfg;
    const len = packet.length;
    c.sent++;
    c.sentBytes += len;
    if (this.#partitioned) {
      c.dropped.partition++;
      return;
    }
    if (len > cfg.mtu) {
      c.dropped.mtu++;
      return;
    }
    const now = this.#scheduler.now();
    let depart = now;
    if (cfg.rate > 0) {
      // The AQM decides as the packet joins the queue (a dropped one never occupies the wire).
      let mark = false;
      if (cfg.aqm && this.#aqmSignal(now, cfg.aqm.threshold)) {
        if (cfg.aqm.ecn && ecnField(packet) !== 0) mark = true;
        else {
          c.dropped.aqm++;
          return;
        }
      }
      depart = this.#serialize(now, len, cfg);
      if (depart < 0) {
        c.dropped.queue++;
        return;
      }
      if (mark) {
        packet = markCe(packet);
        c.ceMarked++;
      }
    }
    // Random decisions: fixed draws per enabled impairment, in fixed order.
    let lost = cfg.loss > 0 && this.#lossRng.float() < cfg.loss;
    if (cfg.burst && this.#ge.step(this.#burstRng, cfg.burst)) lost = true;
    const dup = cfg.duplicate > 0 && this.#dupRng.float() < cfg.duplicate;
    const corrupt = cfg.corrupt > 0 && this.#corruptRng.float() < cfg.corrupt;
    const delay = sampleDelay(this.#jitterRng, cfg);
    const reorder = cfg.reorder > 0 && this.#reorderRng.float() < cfg.reorder;
    if (lost) {
      c.dropped.loss++;
      return;
    }
    if (corrupt) {
      packet = corruptCopy(packet, this.#corruptRng);
      c.corrupted++;
      this.#dirty = true;
    }
    let at = depart + delay;
    if (reorder) {
      at += reorderDelayOf(cfg);
      c.reordered++;
    } else {
      if (at < this.#lastAt) at = this.#lastAt;
      this.#lastAt = at;
    }
    this.#push(at, packet, tag, aux);
    if (dup) {
      c.duplicated++;
      this.#push(at, packet.clone(), tag, aux);
    }
    this.#armTimer();
  }

  #push(at: Micros, packet: Packet, tag: T, aux: number): void {
    const e = this.#free.pop();
    if (e === undefined) {
      this.#queue.push({ at, seq: this.#seq++, packet, tag, aux, released: false });
      return;
    }
    e.at = at;
    e.seq = this.#seq++;
    e.packet = packet;
    e.tag = tag;
    e.aux = aux;
    e.released = false;
    this.#queue.push(e);
  }

  /** Returns a delivered (or dropped) entry to the free list. */
  #recycle(e: InFlight<T>): void {
    if (this.#free.length >= FREE_MAX) return;
    e.packet = NO_PACKET;
    e.tag = null as T;
    this.#free.push(e);
  }

  #armTimer(): void {
    const top = this.#queue.peek();
    if (!top) return;
    if (!this.#timer.armed || top.at < this.#timer.deadline) this.#scheduler.arm(this.#timer, top.at);
  }

  /**
   * Admits a packet of `len` bytes to the transmitter; returns when its
   * last bit leaves (integer µs), or -1 for a tail drop.
   */
  #serialize(now: Micros, len: number, cfg: LinkConfig): Micros {
    this.#retire(now);
    const start = this.#busyUntil > now ? this.#busyUntil : now;
    if (start > now) {
      // It must wait: count the packets already waiting (not yet started).
      let waiting = this.#txFinish.length - this.#txHead;
      let bytes = this.#txBytes;
      if (waiting > 0 && this.#txStart[this.#txHead]! <= now) {
        waiting--;
        bytes -= this.#txSize[this.#txHead]!;
      }
      if (waiting + 1 > cfg.queuePackets || bytes + len > cfg.queueBytes) return -1;
    }
    const finish = start + (len * 8 * 1e6) / cfg.rate;
    this.#busyUntil = finish;
    this.#txStart.push(start);
    this.#txFinish.push(finish);
    this.#txSize.push(len);
    this.#txBytes += len;
    return Math.ceil(finish - 1e-6);
  }

  /** A packet arriving `now` must wait behind `threshold` or more packets not yet on the wire (the AQM signals it). */
  #aqmSignal(now: Micros, threshold: number): boolean {
    this.#retire(now);
    if (this.#busyUntil <= now) return false;
    let waiting = this.#txFinish.length - this.#txHead;
    if (waiting > 0 && this.#txStart[this.#txHead]! <= now) waiting--;
    return waiting >= threshold;
  }

  /** Forgets transmitter entries fully sent by `now`. */
  #retire(now: Micros): void {
    const fin = this.#txFinish;
    let h = this.#txHead;
    while (h < fin.length && fin[h]! <= now) {
      this.#txBytes -= this.#txSize[h]!;
      h++;
    }
    if (h === fin.length) {
      if (h) {
        this.#txStart.length = 0;
        fin.length = 0;
        this.#txSize.length = 0;
      }
      h = 0;
    } else if (h > 1024 && h * 2 > fin.length) {
      this.#txStart.splice(0, h);
      fin.splice(0, h);
      this.#txSize.splice(0, h);
      h = 0;
    }
    this.#txHead = h;
  }

  #fire(now: Micros): void {
    const q = this.#queue;
    const c = this.#counters;
    // Deliver only what was on the wire before this event: a packet sent
    // (with zero delay) by a receiver goes in the next event of this
    // instant, after other channels' deliveries due now.
    const endSeq = this.#seq;
    for (let top = q.peek(); top && top.at <= now && top.seq < endSeq; top = q.peek()) {
      const e = q.pop();
      if (this.#partitioned) {
        c.dropped.partition++;
        this.#recycle(e);
        continue;
      }
      if (this.#holding && !e.released && (this.#holdFilter === null || this.#holdFilter(e.packet))) {
        this.#held.push(e);
        c.held++;
        continue;
      }
      const len = e.packet.length;
      const r = this.#deliver(e.packet, e.tag, e.aux);
      this.#recycle(e);
      if (r === null) {
        c.delivered++;
        c.deliveredBytes += len;
      } else {
        c.dropped[r]++;
      }
    }
    const top = q.peek();
    if (top) this.#scheduler.arm(this.#timer, top.at);
    else this.#scheduler.disarm(this.#timer);
    this.#settleDirty();
  }

  #settleDirty(): void {
    if (this.#dirty && this.#queue.size === 0 && this.#held.length === 0) this.#dirty = false;
  }
}
