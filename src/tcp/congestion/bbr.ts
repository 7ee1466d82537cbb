/**
 * BBR congestion control (Cardwell et al., "BBR: Congestion-Based
 * Congestion Control", ACM Queue 2016), as Linux 6.18's net/ipv4/tcp_bbr.c
 * runs it — BBRv1 with its mainline refinements (ACK-aggregation
 * provisioning, departure-time awareness, the long-term "policer" model).
 *
 * BBR models the path by two numbers measured from delivery-rate samples
 * (rate-sample.ts): the bottleneck bandwidth (a windowed max over 10
 * round trips) and the round-trip propagation time (a min over 10 s). It
 * paces at `pacing_gain × bw` and caps what is in flight at
 * `cwnd_gain × bw × min_rtt`, moving through four modes:
 *
 * - STARTUP: gains 2/ln 2 ≈ 2.89 — doubles the sending rate each round
 *   until three rounds bring less than 25 % more bandwidth;
 * - DRAIN: pacing gain 1/2.89 until what is in flight falls to one BDP;
 * - PROBE_BW: an eight-phase pacing-gain cycle 1.25, 0.75, 1 × 6 (each
 *   phase one min_rtt), cwnd gain 2; entered at a random phase;
 * - PROBE_RTT: when min_rtt was not refreshed for 10 s, cwnd 4 for at
 *   least 200 ms and one round, then back.
 *
 * Loss does not cut the model: in the first round of recovery cwnd follows
 * packet conservation, then grows back at most 2 segments per segment
 * delivered, and the cwnd from before the recovery is restored at its end
 * or on undo. When two sampling intervals of ≥ 4 rounds each show a loss
 * rate ≥ 20 % and the same delivery rate (within 1/8 or 4 kbit/s), the
 * flow is judged policed and paces at that long-term rate for 48 rounds.
 *
 * Numbers are kept in Linux's fixed point (bandwidth in segments per µs
 * << 24, gains << 8) so rounding matches. ssthresh stays "infinite" except
 * that DRAIN sets it to the BDP (as Linux does, for `ss`); BBR asks for
 * internal pacing (output.ts / pacing.ts).
 *
 * Differences from Linux: the pacing "skb" is a burst of up to
 * {@link Bbr.tsoSegsGoal} MSS-sized segments (sockstack has no TSO/GSO);
 * `is_ack_delayed` is never set (rate-sample.ts).
 */
import type { Micros } from "../../core/time.js";
import { TCP_INFINITE_SSTHRESH, TCP_INIT_CWND, type AckSample, type BbrInfo, type CaState, type CcContext, type CongestionControl } from "./congestion-control.js";
import type { DeliveryRate, RateSample } from "./rate-sample.js";
import { WindowedMax } from "./minmax.js";
import { LongTermBw } from "./bbr-lt.js";

const BBR_SCALE = 8;
const BBR_UNIT = 1 << BBR_SCALE;
const BW_SCALE = 24;
const BW_UNIT = 2 ** BW_SCALE;

/** BBR's modes (Linux `enum bbr_mode`). */
export const BbrMode = { STARTUP: 0, DRAIN: 1, PROBE_BW: 2, PROBE_RTT: 3 } as const;
/** Mode names for tests and docs. */
export const BBR_MODE_NAMES = ["STARTUP", "DRAIN", "PROBE_BW", "PROBE_RTT"] as const;

const CYCLE_LEN = 8;
const BW_RTTS = CYCLE_LEN + 2;
const MIN_RTT_WIN_SEC = 10;
const PROBE_RTT_MODE_MS = 200;
const MIN_TSO_RATE = 1_200_000; // bits/s
const PACING_MARGIN_PERCENT = 1;
/** 2/ln(2) × 256 + 1: the smallest gain that doubles the rate each round. */
export const BBR_HIGH_GAIN = Math.floor((BBR_UNIT * 2885) / 1000) + 1;
const DRAIN_GAIN = Math.floor((BBR_UNIT * 1000) / 2885);
const CWND_GAIN = BBR_UNIT * 2;
const PACING_GAIN = [(BBR_UNIT * 5) / 4, (BBR_UNIT * 3) / 4, BBR_UNIT, BBR_UNIT, BBR_UNIT, BBR_UNIT, BBR_UNIT, BBR_UNIT];
const CYCLE_RAND = 7;
const CWND_MIN_TARGET = 4;
const FULL_BW_THRESH = (BBR_UNIT * 5) / 4;
const FULL_BW_CNT = 3;
const EXTRA_ACKED_GAIN = BBR_UNIT;
const EXTRA_ACKED_WIN_RTTS = 5;
const ACK_EPOCH_ACKED_RESET_THRESH = 1 << 20;
const EXTRA_ACKED_MAX_US = 100_000;
/** Linux GSO_LEGACY_MAX_SIZE − 1 − MAX_TCP_HEADER: the largest burst tso_segs_goal considers. */
const GSO_MAX_BYTES = 65536 - 1 - 320;
/** Linux `sk_pacing_shift` default: a burst carries about 1 ms (2^-10 s) of the pacing rate. */
export const SK_PACING_SHIFT = 10;

const CA_ORDER: Record<CaState, number> = { open: 0, disorder: 1, cwr: 2, recovery: 3, loss: 4 };

/**
 * @example
 * const cc = new Bbr(); cc.name === "bbr" && cc.pacing === true
 */
export class Bbr implements CongestionControl {
  readonly name = "bbr";
  readonly pacing = true;
  /** Linux bbr_sndbuf_expand: 3 cwnds of send buffer, since BBR may slow-start even during recovery. */
  readonly sndbufExpand = 3;
  cwndClamp = 0xffffffff;
  #cwnd: number;
  #ssthresh = TCP_INFINITE_SSTHRESH;
  #state: CaState = "open";
  #priorSsthresh = 0;
  /** sk_pacing_rate, bytes/s (0 until init). */
  #pacingRate = 0;
  #mss = 1460;
  #rate: DeliveryRate | null = null;
  #counts: { readonly delivered: number; readonly lost: number } = { delivered: 0, lost: 0 };

  #mode: number = BbrMode.STARTUP;
  #bw = new WindowedMax();
  #rttCnt = 0;
  #nextRttDelivered = 0;
  #cycleMstamp: Micros = 0;
  #prevCaState: CaState = "open";
  #packetConservation = false;
  #roundStart = false;
  #idleRestart = false;
  #probeRttRoundDone = false;
  #lt = new LongTermBw();
  #pacingGain = BBR_HIGH_GAIN;
  #cwndGain = BBR_HIGH_GAIN;
  #fullBwReached = false;
  #fullBwCnt = 0;
  #cycleIdx = 0;
  #hasSeenRtt = false;
  #priorCwnd = 0;
  #fullBw = 0;
  #ackEpochMstamp: Micros = 0;
  #extraAcked0 = 0;
  #extraAcked1 = 0;
  #ackEpochAcked = 0;
  #extraAckedWinRtts = 0;
  #extraAckedWinIdx = 0;
  /** min_rtt over 10 s, µs (Infinity: no sample). */
  #minRtt: Micros = Infinity;
  #minRttStamp = 0; // ms
  #probeRttDoneStamp = 0; // ms, 0 = unset
  #initialized = false;
  #conserving = false;
  /** How many times each mode was entered (tests; not in Linux). */
  readonly modeEntries = [1, 0, 0, 0];

  /** @param initCwnd initial window in segments. */
  constructor(initCwnd = TCP_INIT_CWND) {
    this.#cwnd = initCwnd;
  }

  get cwnd(): number { return this.#cwnd; }
  get ssthresh(): number { return this.#ssthresh; }
  get state(): CaState { return this.#state; }
  get inSlowStart(): boolean { return this.#cwnd < this.#ssthresh; }
  get pacingRate(): number { return this.#pacingRate; }
  /** The current mode (a {@link BbrMode} value). */
  get mode(): number { return this.#mode; }
  /** The bandwidth estimate in use, segments per second. */
  get bwSegsPerSec(): number { return (this.#bwNow() * 1e6) / BW_UNIT; }
  /** BBR's min_rtt, µs (Infinity before a sample). */
  get minRttUs(): Micros { return this.#minRtt; }
  /** Pacing gain ×256. */
  get pacingGain(): number { return this.#pacingGain; }
  /** The long-term (policer) model is in use. */
  get ltUseBw(): boolean { return this.#lt.useBw; }

  // ---- the model ------------------------------------------------------

  #maxBw(): number { return this.#bw.value; }
  #bwNow(): number { return this.#lt.useBw ? this.#lt.bw : this.#maxBw(); }
  #extraAcked(): number { return Math.max(this.#extraAcked0, this.#extraAcked1); }

  /** bw (segments/µs << 24) × gain → bytes/s, 1 % under (bbr_rate_bytes_per_sec). */
  #rateBytesPerSec(rate: number, gain: number): number {
    return Math.floor((Math.floor((rate * this.#mss * gain) / BBR_UNIT) * (1_000_000 / 100) * (100 - PACING_MARGIN_PERCENT)) / BW_UNIT);
  }

  #bwToPacingRate(bw: number, gain: number, c: CcContext): number {
    return Math.min(this.#rateBytesPerSec(bw, gain), c.maxPacingRate);
  }

  #initPacingRateFromRtt(c: CcContext): void {
    let rtt: Micros;
    if (c.srtt > 0) {
      rtt = Math.max(c.srtt, 1);
      this.#hasSeenRtt = true;
    } else {
      rtt = 1000;
    }
    const bw = Math.floor((this.#cwnd * BW_UNIT) / rtt);
    this.#pacingRate = this.#bwToPacingRate(bw, BBR_HIGH_GAIN, c);
  }

  #setPacingRate(bw: number, gain: number, c: CcContext): void {
    const rate = this.#bwToPacingRate(bw, gain, c);
    if (!this.#hasSeenRtt && c.srtt > 0) this.#initPacingRateFromRtt(c);
    if (this.#fullBwReached || rate > this.#pacingRate) this.#pacingRate = rate;
  }

  /** Linux bbr_min_tso_segs: one segment per burst below 1.2 Mbit/s, else two. */
  minTsoSegs(): number {
    return this.#pacingRate < MIN_TSO_RATE >> 3 ? 1 : 2;
  }

  /** Linux bbr_tso_segs_goal: segments per paced burst (about 1 ms of the pacing rate, at least minTsoSegs, at most 127). */
  tsoSegsGoal(): number {
    const bytes = Math.min(Math.floor(this.#pacingRate / 2 ** SK_PACING_SHIFT), GSO_MAX_BYTES);
    return Math.min(Math.max(Math.floor(bytes / this.#mss), this.minTsoSegs()), 0x7f);
  }

  #saveCwnd(): void {
    if (CA_ORDER[this.#prevCaState] < CA_ORDER.recovery && this.#mode !== BbrMode.PROBE_RTT) this.#priorCwnd = this.#cwnd;
    else this.#priorCwnd = Math.max(this.#priorCwnd, this.#cwnd);
  }

  #bdp(bw: number, gain: number): number {
    if (this.#minRtt === Infinity) return TCP_INIT_CWND;
    const w = bw * this.#minRtt;
    return Math.floor((Math.floor((w * gain) / BBR_UNIT) + BW_UNIT - 1) / BW_UNIT);
  }

  #quantizationBudget(cwnd: number): number {
    cwnd += 3 * this.tsoSegsGoal();
    cwnd = (cwnd + 1) & ~1;
    if (this.#mode === BbrMode.PROBE_BW && this.#cycleIdx === 0) cwnd += 2;
    return cwnd;
  }

  #inflight(bw: number, gain: number): number {
    return this.#quantizationBudget(this.#bdp(bw, gain));
  }

  #packetsInNetAtEdt(inflightNow: number, c: CcContext): number {
    const delivered = Math.floor((this.#bwNow() * c.edtDelay) / BW_UNIT);
    let atEdt = inflightNow;
    if (this.#pacingGain > BBR_UNIT) atEdt += this.tsoSegsGoal();
    return delivered >= atEdt ? 0 : atEdt - delivered;
  }

  #ackAggregationCwnd(): number {
    if (!EXTRA_ACKED_GAIN || !this.#fullBwReached) return 0;
    const maxAggr = Math.floor((this.#bwNow() * EXTRA_ACKED_MAX_US) / BW_UNIT);
    const aggr = Math.floor((EXTRA_ACKED_GAIN * this.#extraAcked()) / BBR_UNIT);
    return Math.min(aggr, maxAggr);
  }

  /** Returns the new cwnd; {@link #conserving}: packet conservation decided it. */
  #recoverOrRestore(rs: RateSample, acked: number, c: CcContext): number {
    const prev = this.#prevCaState, state = this.#state;
    let cwnd = this.#cwnd;
    if (rs.losses > 0) cwnd = Math.max(cwnd - rs.losses, 1);
    if (state === "recovery" && prev !== "recovery") {
      // First round of recovery: packet conservation; cut cwnd unused by the application.
      this.#packetConservation = true;
      this.#nextRttDelivered = c.counts.delivered;
      cwnd = c.inflight + acked;
    } else if (CA_ORDER[prev] >= CA_ORDER.recovery && CA_ORDER[state] < CA_ORDER.recovery) {
      // Recovery over: restore the cwnd from before it.
      cwnd = Math.max(cwnd, this.#priorCwnd);
      this.#packetConservation = false;
    }
    this.#prevCaState = state;
    this.#conserving = this.#packetConservation;
    return this.#packetConservation ? Math.max(cwnd, c.inflight + acked) : cwnd;
  }

  #setCwnd(rs: RateSample, acked: number, bw: number, gain: number, c: CcContext): void {
    let cwnd = this.#cwnd;
    if (acked) {
      cwnd = this.#recoverOrRestore(rs, acked, c);
      if (!this.#conserving) {
        let target = this.#bdp(bw, gain);
        target += this.#ackAggregationCwnd();
        target = this.#quantizationBudget(target);
        if (this.#fullBwReached) cwnd = Math.min(cwnd + acked, target);
        else if (cwnd < target || c.counts.delivered < TCP_INIT_CWND) cwnd = cwnd + acked;
        cwnd = Math.max(cwnd, CWND_MIN_TARGET);
      }
    }
    this.#cwnd = Math.min(cwnd, this.cwndClamp);
    if (this.#mode === BbrMode.PROBE_RTT) this.#cwnd = Math.min(this.#cwnd, CWND_MIN_TARGET);
  }

  #isNextCyclePhase(rs: RateSample, c: CcContext): boolean {
    const isFullLength = c.rate.deliveredTime - this.#cycleMstamp > this.#minRtt;
    if (this.#pacingGain === BBR_UNIT) return isFullLength;
    const inflight = this.#packetsInNetAtEdt(rs.priorInFlight, c);
    const bw = this.#maxBw();
    if (this.#pacingGain > BBR_UNIT) return isFullLength && (rs.losses > 0 || inflight >= this.#inflight(bw, this.#pacingGain));
    return isFullLength || inflight <= this.#inflight(bw, BBR_UNIT);
  }

  #advanceCyclePhase(c: { rate: DeliveryRate }): void {
    this.#cycleIdx = (this.#cycleIdx + 1) & (CYCLE_LEN - 1);
    this.#cycleMstamp = c.rate.deliveredTime;
  }

  #enterMode(mode: number): void {
    if (this.#mode !== mode) this.modeEntries[mode]!++;
    this.#mode = mode;
  }

  #resetProbeBwMode(c: { rate: DeliveryRate; random(n: number): number }): void {
    this.#enterMode(BbrMode.PROBE_BW);
    this.#cycleIdx = CYCLE_LEN - 1 - c.random(CYCLE_RAND);
    this.#advanceCyclePhase(c);
  }

  #resetMode(c: { rate: DeliveryRate; random(n: number): number }): void {
    if (!this.#fullBwReached) this.#enterMode(BbrMode.STARTUP);
    else this.#resetProbeBwMode(c);
  }

  // ---- long-term (policer) bandwidth (bbr-lt.ts) ----------------------

  #ltSrcObj = { delivered: 0, lost: 0, deliveredTime: 0 };
  readonly #bytesPerSecAtUnit = (bw: number): number => this.#rateBytesPerSec(bw, BBR_UNIT);
  /** The delivered/lost counts and delivery clock the long-term model samples (one object, refilled). */
  get #ltSrc(): { delivered: number; lost: number; deliveredTime: number } {
    const o = this.#ltSrcObj;
    o.delivered = this.#counts.delivered;
    o.lost = this.#counts.lost;
    o.deliveredTime = this.#rate ? this.#rate.deliveredTime : 0;
    return o;
  }

  #resetLt(): void {
    this.#lt.reset(this.#ltSrc);
  }

  #ltSampling(losses: number, appLimited: boolean, c: { rate: DeliveryRate; random(n: number): number }): void {
    const ev = this.#lt.sample(losses, appLimited, this.#roundStart, this.#mode === BbrMode.PROBE_BW, this.#ltSrc, this.#bytesPerSecAtUnit);
    if (ev === "policed") this.#pacingGain = BBR_UNIT; // try to avoid drops
    else if (ev === "expired") this.#resetProbeBwMode(c);
  }

  // ---- per-ACK model update (bbr_update_model) -------------------------

  #updateBw(rs: RateSample, c: CcContext): void {
    this.#roundStart = false;
    if (rs.delivered < 0 || rs.interval <= 0) return;
    if (rs.priorDelivered >= this.#nextRttDelivered) {
      this.#nextRttDelivered = c.counts.delivered;
      this.#rttCnt++;
      this.#roundStart = true;
      this.#packetConservation = false;
    }
    this.#ltSampling(rs.losses, rs.isAppLimited, c);
    const bw = Math.floor((rs.delivered * BW_UNIT) / rs.interval);
    // App-limited samples only count when they show at least the current estimate.
    if (!rs.isAppLimited || bw >= this.#maxBw()) this.#bw.update(BW_RTTS, this.#rttCnt, bw);
  }

  #updateAckAggregation(rs: RateSample, c: CcContext): void {
    if (!EXTRA_ACKED_GAIN || rs.ackedSacked <= 0 || rs.delivered < 0 || rs.interval <= 0) return;
    if (this.#roundStart) {
      this.#extraAckedWinRtts = Math.min(0x1f, this.#extraAckedWinRtts + 1);
      if (this.#extraAckedWinRtts >= EXTRA_ACKED_WIN_RTTS) {
        this.#extraAckedWinRtts = 0;
        this.#extraAckedWinIdx = this.#extraAckedWinIdx ? 0 : 1;
        if (this.#extraAckedWinIdx) this.#extraAcked1 = 0;
        else this.#extraAcked0 = 0;
      }
    }
    const epoch = c.rate.deliveredTime - this.#ackEpochMstamp;
    let expected = Math.floor((this.#bwNow() * epoch) / BW_UNIT);
    if (this.#ackEpochAcked <= expected || this.#ackEpochAcked + rs.ackedSacked >= ACK_EPOCH_ACKED_RESET_THRESH) {
      this.#ackEpochAcked = 0;
      this.#ackEpochMstamp = c.rate.deliveredTime;
      expected = 0;
    }
    this.#ackEpochAcked = Math.min(0xfffff, this.#ackEpochAcked + rs.ackedSacked);
    const extra = Math.min(this.#ackEpochAcked - expected, this.#cwnd);
    if (this.#extraAckedWinIdx) this.#extraAcked1 = Math.max(this.#extraAcked1, extra);
    else this.#extraAcked0 = Math.max(this.#extraAcked0, extra);
  }

  #checkFullBwReached(rs: RateSample): void {
    if (this.#fullBwReached || !this.#roundStart || rs.isAppLimited) return;
    const thresh = Math.floor((this.#fullBw * FULL_BW_THRESH) / BBR_UNIT);
    if (this.#maxBw() >= thresh) {
      this.#fullBw = this.#maxBw();
      this.#fullBwCnt = 0;
      return;
    }
    this.#fullBwCnt++;
    this.#fullBwReached = this.#fullBwCnt >= FULL_BW_CNT;
  }

  #checkDrain(c: CcContext): void {
    if (this.#mode === BbrMode.STARTUP && this.#fullBwReached) {
      this.#enterMode(BbrMode.DRAIN);
      this.#ssthresh = this.#inflight(this.#maxBw(), BBR_UNIT);
    }
    if (this.#mode === BbrMode.DRAIN && this.#packetsInNetAtEdt(c.inflight, c) <= this.#inflight(this.#maxBw(), BBR_UNIT)) {
      this.#resetProbeBwMode(c);
    }
  }

  #checkProbeRttDone(nowMs: number, c: { rate: DeliveryRate; random(n: number): number }): void {
    if (!(this.#probeRttDoneStamp && nowMs > this.#probeRttDoneStamp)) return;
    this.#minRttStamp = nowMs;
    this.#cwnd = Math.max(this.#cwnd, this.#priorCwnd);
    this.#resetMode(c);
  }

  #updateMinRtt(rs: RateSample, c: CcContext): void {
    const nowMs = Math.floor(c.now / 1000);
    const expired = nowMs > this.#minRttStamp + MIN_RTT_WIN_SEC * 1000;
    if (rs.rtt >= 0 && (rs.rtt <= this.#minRtt || (expired && !rs.isAckDelayed))) {
      this.#minRtt = rs.rtt;
      this.#minRttStamp = nowMs;
    }
    if (PROBE_RTT_MODE_MS > 0 && expired && !this.#idleRestart && this.#mode !== BbrMode.PROBE_RTT) {
      this.#enterMode(BbrMode.PROBE_RTT);
      this.#saveCwnd();
      this.#probeRttDoneStamp = 0;
    }
    if (this.#mode === BbrMode.PROBE_RTT) {
      // Samples during PROBE_RTT are app-limited (low on purpose).
      c.rate.markAppLimited(c.counts.delivered, c.inflight);
      if (!this.#probeRttDoneStamp && c.inflight <= CWND_MIN_TARGET) {
        this.#probeRttDoneStamp = nowMs + PROBE_RTT_MODE_MS || 1;
        this.#probeRttRoundDone = false;
        this.#nextRttDelivered = c.counts.delivered;
      } else if (this.#probeRttDoneStamp) {
        if (this.#roundStart) this.#probeRttRoundDone = true;
        if (this.#probeRttRoundDone) this.#checkProbeRttDone(nowMs, c);
      }
    }
    if (rs.delivered > 0) this.#idleRestart = false;
  }

  #updateGains(): void {
    switch (this.#mode) {
      case BbrMode.STARTUP:
        this.#pacingGain = BBR_HIGH_GAIN;
        this.#cwndGain = BBR_HIGH_GAIN;
        break;
      case BbrMode.DRAIN:
        this.#pacingGain = DRAIN_GAIN;
        this.#cwndGain = BBR_HIGH_GAIN;
        break;
      case BbrMode.PROBE_BW:
        this.#pacingGain = this.#lt.useBw ? BBR_UNIT : PACING_GAIN[this.#cycleIdx]!;
        this.#cwndGain = CWND_GAIN;
        break;
      default:
        this.#pacingGain = BBR_UNIT;
        this.#cwndGain = BBR_UNIT;
    }
  }

  // ---- the interface ---------------------------------------------------

  init(c: CcContext): void {
    this.#mss = c.mss;
    this.#maxPacing = c.maxPacingRate;
    this.#rate = c.rate;
    this.#counts = c.counts;
    if (this.#initialized) return;
    this.#initialized = true;
    this.#minRtt = c.minRtt > 0 ? c.minRtt : Infinity;
    this.#minRttStamp = Math.floor(c.now / 1000);
    this.#bw.reset(this.#rttCnt, 0);
    this.#initPacingRateFromRtt(c);
    this.#resetLt();
    this.#ackEpochMstamp = c.now;
  }

  congControl(rs: RateSample, c: CcContext): void {
    this.init(c);
    // bbr_update_model
    this.#updateBw(rs, c);
    this.#updateAckAggregation(rs, c);
    if (this.#mode === BbrMode.PROBE_BW && this.#isNextCyclePhase(rs, c)) this.#advanceCyclePhase(c);
    this.#checkFullBwReached(rs);
    this.#checkDrain(c);
    this.#updateMinRtt(rs, c);
    this.#updateGains();
    // bbr_main
    const bw = this.#bwNow();
    this.#setPacingRate(bw, this.#pacingGain, c);
    this.#setCwnd(rs, rs.ackedSacked, bw, this.#cwndGain, c);
  }

  /** The window work is congControl's; these only track the CA state (Linux: tcp_cong_control skips PRR). */
  onAck(_s: AckSample): void {}
  onDupAck(_s: AckSample): void {
    if (this.#state === "open") this.#state = "disorder";
  }
  onTransmit(_segments: number): void {}

  enterRecovery(_now: Micros, _inflight: number): void {
    this.#beginReduction("recovery");
  }
  enterCwr(_now: Micros, _inflight: number): void {
    this.#beginReduction("cwr");
  }
  #beginReduction(to: CaState): void {
    const st = this.#state;
    if (st === "recovery" || st === "cwr") {
      if (st === "cwr" && to === "recovery") this.#priorSsthresh = 0;
      this.#state = to;
      return;
    }
    this.#priorSsthresh = this.#currentSsthresh();
    this.#saveCwnd(); // bbr_ssthresh: ssthresh unchanged
    this.#state = to;
  }
  #currentSsthresh(): number {
    if (this.#state === "cwr" || this.#state === "recovery") return this.#ssthresh;
    return Math.max(this.#ssthresh, (this.#cwnd >> 1) + (this.#cwnd >> 2));
  }
  /** Linux tcp_end_cwnd_reduction does nothing for a cong_control algorithm: the next ACK restores prior_cwnd. */
  exitRecovery(): void {
    this.#state = "open";
  }
  onRto(_now: Micros, inflight = 0): void {
    const st = this.#state;
    if (st === "open" || st === "disorder") {
      this.#priorSsthresh = this.#currentSsthresh();
      this.#saveCwnd();
    }
    // tcp_enter_loss: cwnd = in flight + 1 (what RACK left in flight once the lost segments are marked).
    this.#cwnd = inflight + 1;
    this.#enterLossState();
  }
  enterNonCongestionLoss(): void {
    if (this.#state === "loss") return;
    // tcp_non_congestion_loss_retransmit: ssthresh = tcp_current_ssthresh, cwnd untouched, no undo.
    this.#ssthresh = this.#currentSsthresh();
    this.#priorSsthresh = 0;
    this.#enterLossState();
  }
  #enterLossState(): void {
    this.#state = "loss";
    // bbr_set_state(TCP_CA_Loss): an RTO ends a round, restarts full-pipe detection, feeds the policer model.
    this.#prevCaState = "loss";
    this.#fullBw = 0;
    this.#roundStart = true;
    if (this.#rate) this.#ltSampling(1, false, { rate: this.#rate, random: () => 0 });
  }
  exitLoss(): void {
    this.#state = "open";
  }
  toOpen(): void {
    if (this.#state === "disorder") this.#state = "open";
  }
  undo(): void {
    // bbr_undo_cwnd: a spurious slow-down — restart full-pipe detection and the policer model; cwnd stays.
    this.#fullBw = 0;
    this.#fullBwCnt = 0;
    this.#resetLt();
    if (this.#priorSsthresh > this.#ssthresh) this.#ssthresh = this.#priorSsthresh;
    this.#state = "open";
  }
  forbidUndo(): void {
    this.#priorSsthresh = 0;
  }
  /** Linux tcp_slow_start_after_idle_check skips algorithms with cong_control: BBR restarts from idle in onTxStart. */
  restartAfterIdle(_now: Micros, _idle: Micros, _rto: Micros): void {}

  setCwnd(cwnd: number, ssthresh: boolean): void {
    this.#cwnd = Math.max(1, Math.min(Math.floor(cwnd), this.cwndClamp));
    // Linux tcp_current_ssthresh outside a reduction: max(ssthresh, ¾ cwnd).
    if (ssthresh && this.state !== "recovery" && this.state !== "cwr") this.#ssthresh = Math.max(this.#ssthresh, (this.#cwnd >> 1) + (this.#cwnd >> 2));
  }
  /** CA_EVENT_TX_START while app-limited: BBR restarts from idle at the estimated bandwidth. */
  onTxStart(now: Micros, _idle: Micros): void {
    const rate = this.#rate;
    if (!rate || rate.appLimited === 0) return;
    this.#idleRestart = true;
    this.#ackEpochMstamp = now;
    this.#ackEpochAcked = 0;
    const c = { rate, random: () => 0 };
    if (this.#mode === BbrMode.PROBE_BW) {
      const r = this.#rateBytesPerSec(this.#bwNow(), BBR_UNIT);
      if (this.#fullBwReached || r > this.#pacingRate) this.#pacingRate = Math.min(r, this.#maxPacing);
    } else if (this.#mode === BbrMode.PROBE_RTT) {
      this.#checkProbeRttDone(Math.floor(now / 1000), c);
    }
  }
  /** SO_MAX_PACING_RATE as last seen (bytes/s). */
  #maxPacing = Infinity;

  info(mss: number): BbrInfo {
    return {
      bw: Math.floor((this.#bwNow() * mss * 1_000_000) / BW_UNIT),
      minRtt: this.#minRtt === Infinity ? 0xffffffff : this.#minRtt,
      pacingGain: this.#pacingGain,
      cwndGain: this.#cwndGain,
    };
  }
}
