/**
 * CUBIC congestion control (RFC 9438), following Linux's tcp_cubic.c:
 *
 * - Window growth W(t) = C·(t − K)³ + W_max with C = 0.4 (Linux
 *   `bic_scale` 41 → 41·10/1024 ≈ 0.4004) and K = ∛(W_max·(1 − β)/C),
 *   t measured from the start of the congestion-avoidance epoch **plus
 *   the minimum RTT** (Linux aims at the window one RTT ahead). Time is
 *   kept in Linux's units: ms "jiffies" (HZ = 1000) and 1/1024 s for t and K.
 * - Multiplicative decrease β = 0.7 (Linux `beta` 717/1024): ssthresh =
 *   max(0.7·cwnd, 2).
 * - Fast convergence (RFC 9438 §4.7): after a loss below the previous
 *   W_max, W_max = cwnd·(1 + β)/2.
 * - TCP-friendly region (RFC 9438 §4.3, Linux `tcp_friendliness`): a
 *   Reno-equivalent window with AIMD α = 3(1 − β)/(1 + β) is tracked
 *   and CUBIC grows at least that fast.
 * - Growth at most 1 segment per 2 acked (cwnd ×1.5 per RTT); before the
 *   first loss at least 5 % per RTT.
 * - HyStart (Ha & Rhee, Linux `hystart=1`) — **simplification:** only the
 *   delay-increase detector (HYSTART_DELAY) is implemented, not the ACK-train
 *   detector: in slow start with cwnd ≥ 16, when the minimum of the first
 *   8 RTT samples of a round exceeds delay_min + clamp(delay_min/8, 4 ms,
 *   16 ms), slow start ends (ssthresh = cwnd). A round starts when an ACK
 *   with an RTT sample passes the previous round's snd.nxt. The samples are
 *   Linux's `ca_rtt_us`: every ACK of never-retransmitted data gives the RTT
 *   of the newest segment it delivered (tcp/ack.ts from the sent log). On an
 *   idealised simulated link (no queueing delay) it never fires, as on Linux
 *   loopback.
 * - After an RTO (state Loss) all CUBIC state is reset (Linux `bictcp_reset`).
 *
 * The cube root is computed with `Math.cbrt` (Linux uses a table-driven
 * integer approximation, within ~0.2 %).
 */
import { CongestionBase, ackBeyond } from "./congestion-control.js";
import type { AckSample, CaState } from "./congestion-control.js";
import type { Micros } from "../../core/time.js";

const BETA_SCALE = 1024;
const BETA = 717;                         // 0.7 × 1024
const BIC_SCALE = 41;
const CUBE_RTT_SCALE = BIC_SCALE * 10;    // C = 410 / 2^10
const BETA_FRIENDLY = Math.floor((8 * (BETA_SCALE + BETA)) / 3 / (BETA_SCALE - BETA)); // 15 (×1/8)
const CUBE_FACTOR = 2 ** 40 / CUBE_RTT_SCALE;   // 2^(10+3·10) / (C·2^10)
const HZ = 1000;                          // jiffies per second (ms clock)
const HYSTART_LOW_WINDOW = 16;
const HYSTART_MIN_SAMPLES = 8;
const HYSTART_DELAY_MIN: Micros = 4000;
const HYSTART_DELAY_MAX: Micros = 16000;

/**
 * @example
 * const cc = new Cubic();
 * cc.enterRecovery(now, cc.cwnd); // ssthresh = 0.7 · cwnd
 */
export class Cubic extends CongestionBase {
  readonly name = "cubic";
  /** HyStart on (Linux module parameter `hystart`). */
  hystart = true;
  /** Fast convergence on (Linux `fast_convergence`). */
  fastConvergence = true;
  /** TCP-friendly region on (Linux `tcp_friendliness`). */
  tcpFriendliness = true;

  #cnt = 0;             // increase cwnd by 1 after cnt acked segments
  #lastMaxCwnd = 0;     // W_max
  #lastCwnd = 0;
  #lastTime = 0;        // ms
  #originPoint = 0;
  #k = 0;               // 1/1024 s
  #delayMin: Micros = 0;
  #epochStart = -1;     // ms, -1 = no epoch
  #ackCnt = 0;
  #tcpCwnd = 0;         // Reno-equivalent window
  // HyStart
  #found = false;
  #roundActive = false;
  #endSeq = 0;
  #currRtt: Micros = Infinity;
  #sampleCnt = 0;

  /** W_max (segments) — for tests and `ss -i`. */
  get wmax(): number { return this.#lastMaxCwnd; }
  /** K in seconds (time to reach W_max from the epoch start). */
  get k(): number { return this.#k / 1024; }
  /** Minimum RTT seen (µs), the "t + RTT" of the target. */
  get delayMin(): Micros { return this.#delayMin; }
  /** Whether HyStart ended slow start. */
  get hystartFound(): boolean { return this.#found; }

  #reset(): void {
    this.#cnt = 0;
    this.#lastMaxCwnd = 0;
    this.#lastCwnd = 0;
    this.#lastTime = 0;
    this.#originPoint = 0;
    this.#k = 0;
    this.#delayMin = 0;
    this.#epochStart = -1;
    this.#ackCnt = 0;
    this.#tcpCwnd = 0;
    this.#found = false;
    this.#roundActive = false;
  }

  #hystartReset(sndNxt: number): void {
    this.#roundActive = true;
    this.#endSeq = sndNxt;
    this.#currRtt = Infinity;
    this.#sampleCnt = 0;
  }

  protected override stateChanged(to: CaState): void {
    if (to === "loss") this.#reset();
  }

  protected recalcSsthresh(): number {
    const cwnd = this.cwndValue;
    this.#epochStart = -1;
    if (cwnd < this.#lastMaxCwnd && this.fastConvergence) {
      this.#lastMaxCwnd = Math.floor((cwnd * (BETA_SCALE + BETA)) / (2 * BETA_SCALE));
    } else {
      this.#lastMaxCwnd = cwnd;
    }
    return Math.max(Math.floor((cwnd * BETA) / BETA_SCALE), 2);
  }

  protected override pktsAcked(s: AckSample): void {
    if (s.rtt < 0) return;
    const nowMs = Math.floor(s.now / 1000);
    // discard delay samples right after a reduction (queue still draining)
    if (this.#epochStart >= 0 && nowMs - this.#epochStart < HZ) return;
    const delay = Math.max(1, s.rtt);
    if (this.#delayMin === 0 || this.#delayMin > delay) this.#delayMin = delay;
    if (!this.#found && this.inSlowStart && this.hystart) this.#hystartUpdate(s, delay);
  }

  #hystartUpdate(s: AckSample, delay: Micros): void {
    if (!this.#roundActive || ackBeyond(s.ack, this.#endSeq)) this.#hystartReset(s.sndNxt);
    if (this.cwndValue < HYSTART_LOW_WINDOW) return;
    if (this.#currRtt > delay) this.#currRtt = delay;
    if (this.#sampleCnt < HYSTART_MIN_SAMPLES) {
      this.#sampleCnt++;
      return;
    }
    const thresh = Math.min(Math.max(this.#delayMin >> 3, HYSTART_DELAY_MIN), HYSTART_DELAY_MAX);
    if (this.#currRtt > this.#delayMin + thresh) {
      this.#found = true;
      this.ssthreshValue = this.cwndValue;
    }
  }

  protected congAvoid(s: AckSample): void {
    let acked = s.ackedSacked;
    if (this.inSlowStart) {
      // (Linux 5.8+ starts HyStart's rounds only in hystart_update, from an ACK with an RTT sample.)
      acked = this.slowStart(acked);
      if (!acked) return;
    }
    this.#update(Math.floor(s.now / 1000), acked);
    this.congAvoidAi(this.#cnt, acked);
  }

  /** Linux `bictcp_update`: sets #cnt, the acked segments per +1 of cwnd. */
  #update(nowMs: number, acked: number): void {
    const cwnd = this.cwndValue;
    this.#ackCnt += acked;
    if (this.#lastCwnd === cwnd && nowMs - this.#lastTime <= HZ / 32) return;
    // the cubic function is evaluated at most once per ms
    if (!(this.#epochStart >= 0 && nowMs === this.#lastTime)) {
      this.#lastCwnd = cwnd;
      this.#lastTime = nowMs;
      if (this.#epochStart < 0) {
        this.#epochStart = nowMs;
        this.#ackCnt = acked;
        this.#tcpCwnd = cwnd;
        if (this.#lastMaxCwnd <= cwnd) {
          this.#k = 0;
          this.#originPoint = cwnd;
        } else {
          this.#k = Math.floor(Math.cbrt(CUBE_FACTOR * (this.#lastMaxCwnd - cwnd)));
          this.#originPoint = this.#lastMaxCwnd;
        }
      }
      // t in 1/1024 s, one RTT ahead
      const tMs = nowMs - this.#epochStart + Math.ceil(this.#delayMin / 1000);
      const t = Math.floor((tMs * 1024) / HZ);
      const offs = t < this.#k ? this.#k - t : t - this.#k;
      const delta = Math.floor((CUBE_RTT_SCALE * offs * offs * offs) / 2 ** 40);
      const target = t < this.#k ? this.#originPoint - delta : this.#originPoint + delta;
      this.#cnt = target > cwnd ? Math.floor(cwnd / (target - cwnd)) : 100 * cwnd;
      // before any loss, grow at least 5 % per RTT
      if (this.#lastMaxCwnd === 0 && this.#cnt > 20) this.#cnt = 20;
    }
    if (this.tcpFriendliness) {
      const delta = (cwnd * BETA_FRIENDLY) >> 3;
      while (this.#ackCnt > delta) {
        this.#ackCnt -= delta;
        this.#tcpCwnd++;
      }
      if (this.#tcpCwnd > cwnd) {
        const maxCnt = Math.floor(cwnd / (this.#tcpCwnd - cwnd));
        if (this.#cnt > maxCnt) this.#cnt = maxCnt;
      }
    }
    this.#cnt = Math.max(this.#cnt, 2);
  }

  override onTxStart(now: Micros, idle: Micros): void {
    // application-limited idle period: shift the epoch so the curve resumes
    const nowMs = Math.floor(now / 1000);
    const delta = Math.floor(idle / 1000);
    if (this.#epochStart >= 0 && delta > 0) {
      this.#epochStart += delta;
      if (this.#epochStart > nowMs) this.#epochStart = nowMs;
    }
  }
}
