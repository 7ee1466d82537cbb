/**
 * BBR's long-term bandwidth model (Linux tcp_bbr.c `bbr_lt_bw_sampling`),
 * for paths behind a token-bucket policer: after the first loss, sampling
 * intervals of 4–16 packet-timed rounds each measure the delivery rate and
 * the loss rate; two consecutive intervals with a loss rate ≥ 20 % (50/256)
 * and the same rate (within 1/8, or 4 kbit/s) mean "policed" — BBR then
 * paces at their average, with gain 1, for 48 rounds and starts probing
 * again. An app-limited sample or an interval that grows too long starts
 * over. Bandwidths are BBR's fixed point (segments per µs × 2²⁴).
 */

const BW_UNIT = 2 ** 24;
const BBR_UNIT = 256;
const LT_INTVL_MIN_RTTS = 4;
const LT_LOSS_THRESH = 50;
const LT_BW_RATIO = BBR_UNIT / 8;
const LT_BW_DIFF = 4000 / 8; // bytes/s
const LT_BW_MAX_RTTS = 48;

/** What one sample did to the model. */
export type LongTermEvent = "none" | "policed" | "expired";

/** The delivered / lost counts and the delivery clock the model samples. */
export interface LongTermSource {
  readonly delivered: number;
  readonly lost: number;
  /** When `delivered` last grew, µs (Linux `delivered_mstamp`). */
  readonly deliveredTime: number;
}

/**
 * @example
 * const lt = new LongTermBw(); lt.useBw === false
 */
export class LongTermBw {
  /** The policed rate is in use (Linux `lt_use_bw`). */
  useBw = false;
  /** The long-term rate, segments/µs × 2²⁴ (Linux `lt_bw`). */
  bw = 0;
  #isSampling = false;
  #rttCnt = 0;
  #lastDelivered = 0;
  #lastStamp = 0; // ms
  #lastLost = 0;

  /** Starts a new sampling interval (bbr_reset_lt_bw_sampling_interval). */
  resetInterval(src: LongTermSource): void {
    this.#lastStamp = Math.floor(src.deliveredTime / 1000);
    this.#lastDelivered = src.delivered;
    this.#lastLost = src.lost;
    this.#rttCnt = 0;
  }

  /** Forgets everything (bbr_reset_lt_bw_sampling). */
  reset(src: LongTermSource): void {
    this.bw = 0;
    this.useBw = false;
    this.#isSampling = false;
    this.resetInterval(src);
  }

  /**
   * One ACK's sample: `losses` newly lost, `appLimited`, `roundStart` (a
   * packet-timed round began), `probeBw` (BBR is in PROBE_BW);
   * `bytesPerSec(bw)` converts a rate to bytes/s. "policed": switch to
   * {@link bw} now; "expired": 48 rounds are over, probe again.
   */
  sample(losses: number, appLimited: boolean, roundStart: boolean, probeBw: boolean, src: LongTermSource, bytesPerSec: (bw: number) => number): LongTermEvent {
    if (this.useBw) {
      if (probeBw && roundStart && ++this.#rttCnt >= LT_BW_MAX_RTTS) {
        this.reset(src);
        return "expired";
      }
      return "none";
    }
    // Wait for the first loss: the policer's tokens are then spent.
    if (!this.#isSampling) {
      if (!losses) return "none";
      this.resetInterval(src);
      this.#isSampling = true;
    }
    if (appLimited) {
      this.reset(src);
      return "none";
    }
    if (roundStart) this.#rttCnt++;
    if (this.#rttCnt < LT_INTVL_MIN_RTTS) return "none";
    if (this.#rttCnt > 4 * LT_INTVL_MIN_RTTS) {
      this.reset(src);
      return "none";
    }
    // An interval ends at a loss (the tokens are exhausted).
    if (!losses) return "none";
    const lost = src.lost - this.#lastLost;
    const delivered = src.delivered - this.#lastDelivered;
    if (!delivered || lost * BBR_UNIT < LT_LOSS_THRESH * delivered) return "none";
    let t = Math.floor(src.deliveredTime / 1000) - this.#lastStamp;
    if (t < 1) return "none";
    t *= 1000;
    return this.#intervalDone(Math.floor((delivered * BW_UNIT) / t), src, bytesPerSec);
  }

  #intervalDone(bw: number, src: LongTermSource, bytesPerSec: (bw: number) => number): LongTermEvent {
    if (this.bw) {
      const diff = Math.abs(bw - this.bw);
      if (diff * BBR_UNIT <= LT_BW_RATIO * this.bw || bytesPerSec(diff) <= LT_BW_DIFF) {
        // Two consistent lossy intervals: policed.
        this.bw = Math.floor((bw + this.bw) / 2);
        this.useBw = true;
        this.#rttCnt = 0;
        return "policed";
      }
    }
    this.bw = bw;
    this.resetInterval(src);
    return "none";
  }
}
