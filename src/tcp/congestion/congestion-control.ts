/**
 * The congestion-control interface, modelled on Linux's
 * `struct tcp_congestion_ops` and the generic code around it
 * (net/ipv4/tcp_cong.c, tcp_input.c):
 *
 * | Linux                         | here                                   |
 * |-------------------------------|----------------------------------------|
 * | `snd_cwnd`, `snd_ssthresh`    | {@link CongestionControl.cwnd}, `ssthresh` (segments) |
 * | `ops->pkts_acked` + `ops->cong_avoid` / `tcp_cwnd_reduction` (PRR) | `onAck` |
 * | `tcp_enter_recovery` (+`ops->ssthresh`) | `enterRecovery`              |
 * | `tcp_enter_cwr` (ECN, local drops)      | `enterCwr`                   |
 * | `tcp_end_cwnd_reduction`, state → Open  | `exitRecovery`               |
 * | `tcp_enter_loss` (RTO)                  | `onRto`                      |
 * | `tcp_undo_cwnd_reduction` (+`ops->undo_cwnd`) | `undo`                 |
 * | `tcp_cwnd_restart` (slow start after idle)    | `restartAfterIdle`     |
 * | `ops->cwnd_event(CA_EVENT_TX_START)`          | `onTxStart`            |
 *
 * **Units.** `cwnd` and `ssthresh` count *segments* (full-sized, SMSS),
 * like Linux's `snd_cwnd`; the TCB compares them with its packets in
 * flight (RFC 6675 "pipe" / Linux `tcp_packets_in_flight` = packets_out −
 * (sacked_out + lost_out) + retrans_out). Multiply by the MSS for bytes.
 *
 * **Division of labour.** The TCB detects loss (three duplicate ACKs /
 * RFC 6675 IsLost / RACK, RTO), tracks `high_seq` (RFC 6582 "recover")
 * and decides when recovery starts and ends; it calls the methods below.
 * This object only decides window sizes:
 *
 * - RFC 5681 slow start and congestion avoidance happen in `onAck` while
 *   the state is Open, Disorder or Loss (Linux grows cwnd after an RTO
 *   by slow start, too).
 * - During Recovery and CWR `onAck` applies Proportional Rate Reduction
 *   (RFC 6937, Linux `tcp_cwnd_reduction`): cwnd = pipe + sndcnt, heading
 *   for ssthresh. Linux uses PRR instead of RFC 6582/5681's window
 *   inflation (cwnd = ssthresh + 3, +1 per dupack); the effect — send about
 *   one new segment per two delivered, then cwnd = ssthresh on exit — is
 *   the same, without bursts. Report transmissions with `onTransmit` so PRR
 *   can count them. RFC 6582 NewReno's partial-ACK handling (retransmit
 *   the next hole, stay in recovery until `recover` is acked) is the TCB's.
 * - Without SACK, count each duplicate ACK as one delivered segment
 *   (`ackedSacked = 1`, Linux `tcp_add_reno_sack`).
 *
 * ACKs are passed as one mutable {@link AckSample} the TCB keeps and
 * refills per ACK, so the hot path allocates nothing.
 */
import type { Micros } from "../../core/time.js";
import { seqGt } from "../../core/seq.js";
import type { DeliveryRate, RateSample } from "./rate-sample.js";

/** Linux congestion-avoidance states (`enum tcp_ca_state`). */
export type CaState = "open" | "disorder" | "cwr" | "recovery" | "loss";

/** RFC 6928 / Linux TCP_INIT_CWND: the initial window, in segments. */
export const TCP_INIT_CWND = 10;
/** Linux TCP_INFINITE_SSTHRESH: ssthresh before the first loss. */
export const TCP_INFINITE_SSTHRESH = 0x7fffffff;

/** What the TCB knows about one incoming ACK (refill and reuse one object). */
export interface AckSample {
  /** Current time, µs. */
  now: Micros;
  /** The ACK's cumulative acknowledgment number (SEG.ACK). */
  ack: number;
  /** snd.nxt when the ACK is processed (HyStart rounds). */
  sndNxt: number;
  /** Segments newly delivered by this ACK: cumulatively acked plus newly SACKed (Linux `acked_sacked`). */
  ackedSacked: number;
  /** RTT sample from this ACK in µs, or -1 (none / Karn). */
  rtt: Micros;
  /** Packets in flight after the ACK was processed (RFC 6675 pipe). */
  inflight: number;
  /** Linux `tcp_is_cwnd_limited`: was the sender using its whole cwnd? Growth stops when false (RFC 7661 idea). */
  cwndLimited: boolean;
  /** True when snd.una advanced (PRR: FLAG_SND_UNA_ADVANCED). */
  unaAdvanced: boolean;
  /** Segments newly marked lost while processing this ACK. */
  newlyLost: number;
}

/** A zeroed {@link AckSample} for a TCB to keep and refill. */
export function newAckSample(): AckSample {
  return { now: 0, ack: 0, sndNxt: 0, ackedSacked: 0, rtt: -1, inflight: 0, cwndLimited: true, unaAdvanced: true, newlyLost: 0 };
}

/**
 * What a rate-based algorithm (Linux `ops->cong_control`, BBR) sees of its
 * connection; the TCB refills one object per call.
 */
export interface CcContext {
  /** Current time, µs. */
  now: Micros;
  /** Send MSS, bytes (Linux `mss_cache`). */
  mss: number;
  /** Packets in flight (Linux `tcp_packets_in_flight`). */
  inflight: number;
  /** Segments delivered so far (Linux `tp->delivered`) and ever marked lost (`tp->lost`): the sent log's live counts. */
  counts: { readonly delivered: number; readonly lost: number };
  /** Smoothed RTT, µs; 0 before any sample. */
  srtt: Micros;
  /** The connection's windowed min RTT (Linux `tcp_min_rtt`), µs; 0 before any sample. */
  minRtt: Micros;
  /** SO_MAX_PACING_RATE, bytes per second (Infinity: no limit). */
  maxPacingRate: number;
  /** How far ahead of now the next departure is scheduled (Linux `tcp_wstamp_ns` − now), µs, ≥ 0. */
  edtDelay: Micros;
  /** The connection's delivery-rate state (to mark samples app-limited). */
  rate: DeliveryRate;
  /** A number in [0, n) from the host's seeded RNG. */
  random(n: number): number;
}

/** What `ss -i` and TCP_CC_INFO report of a BBR flow (Linux `struct tcp_bbr_info`). */
export interface BbrInfo {
  /** Bandwidth estimate, bytes per second. */
  bw: number;
  /** BBR's min RTT (10 s window), µs. */
  minRtt: Micros;
  /** Pacing and cwnd gains, ×256 (BBR_UNIT). */
  pacingGain: number;
  cwndGain: number;
}

/** A congestion-control algorithm bound to one connection. */
export interface CongestionControl {
  /** Linux name (`TCP_CONGESTION`, `ss -i`): "reno", "cubic". */
  readonly name: string;
  /** Congestion window, segments. */
  readonly cwnd: number;
  /** Slow-start threshold, segments ({@link TCP_INFINITE_SSTHRESH} until the first loss). */
  readonly ssthresh: number;
  /** Current CA state. */
  readonly state: CaState;
  /** True while cwnd < ssthresh. */
  readonly inSlowStart: boolean;
  /** Upper bound for cwnd (Linux `snd_cwnd_clamp`, TCP_BPF_SNDCWND_CLAMP). */
  cwndClamp: number;
  /** An ACK that delivered data (or SACKed it). Grows cwnd (Open/Disorder/Loss) or applies PRR (Recovery/CWR). */
  onAck(s: AckSample): void;
  /** A duplicate ACK: Open → Disorder; then as `onAck` (pass `ackedSacked` as newly SACKed, or 1 without SACK). */
  onDupAck(s: AckSample): void;
  /** Segments (new or retransmitted) sent while in Recovery/CWR (PRR's prr_out). */
  onTransmit(segments: number): void;
  /** Fast retransmit: ssthresh = algorithm's reduction, PRR starts. `inflight` = pipe at entry. */
  enterRecovery(now: Micros, inflight: number): void;
  /** Congestion Window Reduced (ECN-Echo, local drop): like recovery without retransmissions. */
  enterCwr(now: Micros, inflight: number): void;
  /** Recovery / CWR complete (snd.una ≥ recover): cwnd = ssthresh, state Open. */
  exitRecovery(): void;
  /**
   * Retransmission timeout: ssthresh reduced (once per episode), cwnd =
   * `inflight` + 1 (Linux tcp_enter_loss: what is still in flight once the
   * lost segments are marked; 0 by default), state Loss.
   */
  onRto(now: Micros, inflight?: number): void;
  /**
   * Loss without a congestion signal (Linux tcp_non_congestion_loss_retransmit:
   * a Fast Open SYN's data unacknowledged): state Loss, cwnd unchanged,
   * ssthresh at least 3/4 of cwnd, no undo.
   */
  enterNonCongestionLoss(): void;
  /** Loss recovery after RTO complete: state Open (cwnd keeps slow-starting). */
  exitLoss(): void;
  /** Disorder resolved without loss: back to Open. */
  toOpen(): void;
  /** The reduction was spurious (D-SACK, F-RTO, Eifel): restore cwnd and ssthresh (unless {@link forbidUndo}), state Open. */
  undo(): void;
  /** ECN-Echo (Linux `prior_ssthresh = 0`): the reduction in progress is required — a later undo keeps cwnd and ssthresh. */
  forbidUndo(): void;
  /** Slow start after idle (RFC 5681 §4.1, `tcp_slow_start_after_idle`): call before sending after `idle` µs without sending, when idle > rto. */
  restartAfterIdle(now: Micros, idle: Micros, rto: Micros): void;
  /** Transmission restarts after the application left the connection idle `idle` µs (CUBIC shifts its epoch). */
  onTxStart(now: Micros, idle: Micros): void;
  /**
   * Sets cwnd from outside the algorithm (Linux tcp_snd_cwnd_set as MTU
   * probing uses it, tcp/mtu-probe.ts: the probe's extra segment given back,
   * cwnd rescaled to the new MSS), at least 1, snd_cwnd_cnt reset;
   * `ssthresh`: ssthresh becomes Linux tcp_current_ssthresh of the new
   * cwnd (max(ssthresh, ¾ cwnd) outside a reduction).
   */
  setCwnd(cwnd: number, ssthresh: boolean): void;
  // ---- rate-based algorithms (BBR); absent for window-based ones ----
  /**
   * Linux `ops->cong_control`: the whole window and pacing decision, once
   * per ACK, from the delivery-rate sample (`onAck`/`onDupAck` then only
   * track state). Present ⇒ the TCB keeps delivery-rate samples.
   */
  congControl?(rs: RateSample, c: CcContext): void;
  /** Linux `ops->init` once the connection is established (pacing rate from the first RTT). */
  init?(c: CcContext): void;
  /** The algorithm asks for internal pacing (Linux SK_PACING_NEEDED). */
  readonly pacing?: boolean;
  /** Its pacing rate, bytes per second (Linux `sk_pacing_rate`). */
  readonly pacingRate?: number;
  /** Segments per paced burst it wants at least (Linux `ops->min_tso_segs`). */
  minTsoSegs?(): number;
  /** Send-buffer provisioning in cwnds (Linux `ops->sndbuf_expand`; 2 when absent). */
  readonly sndbufExpand?: number;
  /** `ss -i`'s `bbr:(…)` and TCP_CC_INFO (Linux `ops->get_info`). */
  info?(mss: number): BbrInfo;
}

/**
 * The common machinery (Linux tcp_cong.c + tcp_input.c): slow start,
 * additive increase, PRR, undo, restart. An algorithm subclasses it and
 * overrides the hooks ({@link CongestionBase.recalcSsthresh},
 * {@link CongestionBase.congAvoid}, …), like a `tcp_congestion_ops`.
 */
export abstract class CongestionBase implements CongestionControl {
  abstract readonly name: string;
  cwndClamp = 0xffffffff;
  protected cwndValue: number;
  protected ssthreshValue = TCP_INFINITE_SSTHRESH;
  protected stateValue: CaState = "open";
  /** Linux `snd_cwnd_cnt`: ACK credit towards the next +1 in congestion avoidance. */
  protected cwndCnt = 0;
  #initCwnd: number;
  #priorCwnd = 0;
  #priorSsthresh = 0;
  #prrDelivered = 0;
  #prrOut = 0;

  /** @param initCwnd initial window in segments (RFC 6928: 10; a route's `initcwnd`). */
  constructor(initCwnd = TCP_INIT_CWND) {
    this.#initCwnd = initCwnd;
    this.cwndValue = initCwnd;
  }

  get cwnd(): number { return this.cwndValue; }
  get ssthresh(): number { return this.ssthreshValue; }
  get state(): CaState { return this.stateValue; }
  get inSlowStart(): boolean { return this.cwndValue < this.ssthreshValue; }

  // ---- hooks ----------------------------------------------------------

  /** `ops->ssthresh`: the new ssthresh after a congestion signal (segments). */
  protected abstract recalcSsthresh(): number;
  /** `ops->cong_avoid`: grow cwnd for `s.ackedSacked` delivered segments. */
  protected abstract congAvoid(s: AckSample): void;
  /** `ops->pkts_acked`: sees every ACK first (RTT samples). */
  protected pktsAcked(_s: AckSample): void {}
  /** `ops->set_state`. */
  protected stateChanged(_to: CaState): void {}
  /** `ops->undo_cwnd` (Reno's: max(cwnd, prior cwnd)). */
  protected undoCwnd(): number {
    return Math.max(this.cwndValue, this.#priorCwnd);
  }
  /** `ops->cwnd_event(CA_EVENT_TX_START)`. */
  onTxStart(_now: Micros, _idle: Micros): void {}
  /** `ops->cwnd_event(CA_EVENT_CWND_RESTART)`. */
  protected cwndRestart(_now: Micros): void {}

  // ---- helpers for algorithms (Linux tcp_slow_start / tcp_cong_avoid_ai)

  /**
   * RFC 5681 §3.1 slow start with RFC 3465 byte counting (L = ∞ as in
   * Linux): cwnd += acked, not beyond ssthresh. Returns the acked
   * segments left over for congestion avoidance.
   */
  protected slowStart(acked: number): number {
    const cwnd = Math.min(this.cwndValue + acked, this.ssthresholdForSlowStart());
    acked -= cwnd - this.cwndValue;
    this.cwndValue = Math.min(cwnd, this.cwndClamp);
    return acked;
  }

  /** Slow start stops at ssthresh (an algorithm may move it, e.g. HyStart). */
  protected ssthresholdForSlowStart(): number {
    return this.ssthreshValue;
  }

  /**
   * Additive increase: +1 segment per `w` segments acked (Linux
   * `tcp_cong_avoid_ai`; w = cwnd gives RFC 5681's ~1 SMSS per RTT).
   */
  protected congAvoidAi(w: number, acked: number): void {
    if (this.cwndCnt >= w) {
      this.cwndCnt = 0;
      this.cwndValue++;
    }
    this.cwndCnt += acked;
    if (this.cwndCnt >= w) {
      const delta = Math.floor(this.cwndCnt / w);
      this.cwndCnt -= delta * w;
      this.cwndValue += delta;
    }
    this.cwndValue = Math.min(this.cwndValue, this.cwndClamp);
  }

  /** Linux `tcp_current_ssthresh`: the ssthresh to restore on undo. */
  protected currentSsthresh(): number {
    if (this.stateValue === "cwr" || this.stateValue === "recovery") return this.ssthreshValue;
    return Math.max(this.ssthreshValue, (this.cwndValue >> 1) + (this.cwndValue >> 2));
  }

  #setState(to: CaState): void {
    if (to === this.stateValue) return;
    this.stateChanged(to);
    this.stateValue = to;
  }

  // ---- the interface --------------------------------------------------

  onAck(s: AckSample): void {
    this.pktsAcked(s);
    const st = this.stateValue;
    if (st === "recovery" || st === "cwr") this.#prr(s);
    else if (s.ackedSacked > 0 && s.cwndLimited) this.congAvoid(s);
  }

  onDupAck(s: AckSample): void {
    if (this.stateValue === "open") this.#setState("disorder");
    this.onAck(s);
  }

  onTransmit(segments: number): void {
    this.#prrOut += segments;
  }

  enterRecovery(now: Micros, inflight: number): void {
    this.#beginReduction(now, inflight, "recovery");
  }

  enterCwr(now: Micros, inflight: number): void {
    this.#beginReduction(now, inflight, "cwr");
  }

  #beginReduction(_now: Micros, _inflight: number, to: CaState): void {
    const st = this.stateValue;
    if (st === "recovery" || st === "cwr") {
      // Linux tcp_enter_recovery inside a cwnd reduction (CWR, ECN): no new reduction, and no undo.
      if (st === "cwr" && to === "recovery") this.#priorSsthresh = 0;
      this.#setState(to);
      return;
    }
    this.#priorSsthresh = this.currentSsthresh();
    this.#priorCwnd = this.cwndValue;
    this.ssthreshValue = this.recalcSsthresh();
    this.#prrDelivered = 0;
    this.#prrOut = 0;
    this.cwndCnt = 0;
    this.#setState(to);
  }

  /** RFC 6937 PRR as Linux `tcp_cwnd_reduction` (PRR-SSRB when pipe < ssthresh). */
  #prr(s: AckSample): void {
    const delivered = s.ackedSacked;
    if (delivered <= 0 || this.#priorCwnd === 0) return;
    const pipe = s.inflight;
    const delta = this.ssthreshValue - pipe;
    this.#prrDelivered += delivered;
    let sndcnt: number;
    if (delta < 0) {
      // proportional part: send ssthresh/prior_cwnd of what was delivered
      sndcnt = Math.floor((this.ssthreshValue * this.#prrDelivered + this.#priorCwnd - 1) / this.#priorCwnd) - this.#prrOut;
    } else if (s.unaAdvanced || s.newlyLost > 0) {
      // slow-start reduction bound: catch up to ssthresh, at most one extra per ACK
      sndcnt = Math.min(delta, Math.max(this.#prrDelivered - this.#prrOut, delivered) + 1);
    } else {
      sndcnt = Math.min(delta, delivered);
    }
    // force the fast retransmit on entering recovery
    sndcnt = Math.max(sndcnt, this.#prrOut ? 0 : 1);
    this.cwndValue = Math.min(Math.max(pipe + sndcnt, 1), this.cwndClamp);
  }

  exitRecovery(): void {
    const st = this.stateValue;
    if ((st === "recovery" || st === "cwr") && this.ssthreshValue < TCP_INFINITE_SSTHRESH) {
      this.cwndValue = Math.min(this.ssthreshValue, this.cwndClamp);
    }
    this.cwndCnt = 0;
    this.#setState("open");
  }

  onRto(_now: Micros, inflight = 0): void {
    const st = this.stateValue;
    // one reduction per loss episode (Linux tcp_enter_loss): a repeated
    // timeout, or an RTO during recovery, keeps the ssthresh already set
    if (st === "open" || st === "disorder") {
      this.#priorSsthresh = this.currentSsthresh();
      this.#priorCwnd = this.cwndValue;
      this.ssthreshValue = this.recalcSsthresh();
    }
    this.cwndValue = Math.min(inflight + 1, this.cwndClamp);
    this.cwndCnt = 0;
    this.#setState("loss");
  }

  enterNonCongestionLoss(): void {
    if (this.stateValue === "loss") return;
    this.ssthreshValue = this.currentSsthresh();
    this.#priorSsthresh = 0;
    this.#setState("loss");
  }

  exitLoss(): void {
    this.#setState("open");
  }

  toOpen(): void {
    if (this.stateValue === "disorder") this.#setState("open");
  }

  undo(): void {
    if (this.#priorCwnd === 0) return;
    // Linux tcp_undo_cwnd_reduction restores only while prior_ssthresh is set (ECN cleared it).
    if (this.#priorSsthresh !== 0) this.cwndValue = Math.min(this.undoCwnd(), this.cwndClamp);
    if (this.#priorSsthresh > this.ssthreshValue) this.ssthreshValue = this.#priorSsthresh;
    this.cwndCnt = 0;
    this.#setState("open");
  }

  forbidUndo(): void {
    this.#priorSsthresh = 0;
  }

  setCwnd(cwnd: number, ssthresh: boolean): void {
    this.cwndValue = Math.max(1, Math.min(Math.floor(cwnd), this.cwndClamp));
    this.cwndCnt = 0;
    if (ssthresh) this.ssthreshValue = this.currentSsthresh();
  }

  restartAfterIdle(now: Micros, idle: Micros, rto: Micros): void {
    this.cwndRestart(now);
    this.ssthreshValue = this.currentSsthresh();
    const restart = Math.min(this.#initCwnd, this.cwndValue);
    let cwnd = this.cwndValue;
    // halve once per RTO of idleness (RFC 2861 style decay, Linux tcp_cwnd_restart)
    while ((idle -= rto) > 0 && cwnd > restart) cwnd >>= 1;
    this.cwndValue = Math.max(cwnd, restart);
    this.cwndCnt = 0;
  }

  /** Debug view for `ss -i`: `cwnd:10 ssthresh:7` (ssthresh omitted while infinite, like ss). */
  formatSs(): string {
    return this.ssthreshValue >= TCP_INFINITE_SSTHRESH ? `cwnd:${this.cwndValue}` : `cwnd:${this.cwndValue} ssthresh:${this.ssthreshValue}`;
  }
}

/** True when `ack` is beyond `endSeq` (a new round trip has started). @internal */
export function ackBeyond(ack: number, endSeq: number): boolean {
  return seqGt(ack, endSeq);
}
