/**
 * Round-trip time estimation and the retransmission timeout, as Linux does
 * it (net/ipv4/tcp_input.c `tcp_rtt_estimator`, `tcp_set_rto`), which
 * refines RFC 6298:
 *
 * - First sample R (RFC 6298 §2.2): SRTT = R, RTTVAR = R/2 (Linux:
 *   `mdev = 2R` in its ×4 scale).
 * - Later samples (§2.3): SRTT += (R − SRTT)/8 and RTTVAR += (|R − SRTT| −
 *   RTTVAR)/4, except that Linux damps a sample *below* SRTT: its error
 *   enters RTTVAR with weight 1/32 instead of 1/4, so a sudden RTT drop
 *   does not inflate the RTO ("mdev" trick of Eifel / tcp_rtt_estimator).
 * - RTO = SRTT + max(G, 4·RTTVAR) in the RFC. Linux keeps `rttvar_us`
 *   = the largest 4·RTTVAR seen during the last flight (`mdev_max`),
 *   floored at `tcp_rto_min` (200 ms) and decayed by 1/4 per flight, and
 *   sets RTO = SRTT + rttvar_us. Hence RTO ≥ SRTT + 200 ms (on loopback
 *   `ss` shows rto:200..204), not max(SRTT + 4·RTTVAR, 200 ms).
 * - Initial RTO 1 s (RFC 6298 §2.1, `TCP_TIMEOUT_INIT`), maximum 120 s
 *   (`TCP_RTO_MAX`); backoff doubles it (§5.5), capped at the maximum.
 *
 * Linux keeps the RTO in jiffies (HZ 250 or 1000), so its printed `rto`
 * is rounded up to 4 or 1 ms; here everything is exact microseconds.
 *
 * **Karn's algorithm (RFC 6298 §3) is the caller's business**: do not feed
 * a sample measured from a retransmitted segment unless it comes from the
 * timestamp echo (RFC 7323 §4.1, which Linux prefers whenever TS is on).
 * Like Linux (`tcp_ack_update_rtt`), a valid sample resets the backoff.
 *
 * A "flight" boundary (Linux `rtt_seq`) is marked by the caller passing
 * `flightDone = true` when snd.una has passed the snd.nxt recorded at the
 * previous boundary; {@link RttEstimator.sample} returns nothing and the
 * caller keeps that bookkeeping (it owns the sequence numbers).
 */
import type { Micros } from "../core/time.js";
import { SEC } from "../core/time.js";
import { TCP_RTO_MAX, TCP_RTO_MIN, TCP_TIMEOUT_INIT } from "./constants.js";

/** Linux `tcp_min_rtt_wlen` (300 s): the window of the min-RTT filter. */
export const MIN_RTT_WINDOW: Micros = 300 * SEC;

/** A class to extend, abstract or not (what a mixin takes). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TS requires `any[]` for a mixin's constructor
export type AbstractCtor<T = object> = abstract new (...args: any[]) => T;

/**
 * The per-connection RTT estimator as a mixin: `withRttEstimator(Base)` is
 * `Base` with the estimator's fields and methods. The TCB is built this way
 * (`t.rtt` is the TCB itself), so its 16 fields live in the connection
 * record — no separate object, header and pointer per connection
 * (BENCHMARKS.md, memory-per-connection). {@link RttEstimator} is the
 * standalone form.
 * @example
 * import { Timer } from "../core/scheduler.js";
 * class Conn extends withRttEstimator(Timer) {}
 * const c = new Conn(() => {});
 * c.sample(30_000, true);
 */
export function withRttEstimator<B extends AbstractCtor>(Base: B) {
  abstract class RttEstimatorFields extends Base {
    #srtt8 = 0;       // Linux srtt_us: SRTT × 8, 0 = no sample yet
    #mdev4 = 0;       // Linux mdev_us: RTTVAR × 4 (the "medium deviation")
    #mdevMax = 0;     // Linux mdev_max_us: max mdev4 during this flight
    #rttvar = 0;      // Linux rttvar_us: the variance term of the RTO
    #rto: Micros = TCP_TIMEOUT_INIT;
    #baseRto: Micros = TCP_TIMEOUT_INIT;
    #backoff = 0;
    #rtoMin: Micros = TCP_RTO_MIN;
    // windowed min filter: three (value, time) candidates, best first — plain
    // fields, not two 3-element arrays (160 B per connection in arrays)
    #v0 = 0; #v1 = 0; #v2 = 0;
    #t0: Micros = -1; #t1: Micros = 0; #t2: Micros = 0;   // #t0 < 0: no sample yet

    /** Sets `tcp_rto_min` (sysctl `tcp_rto_min_us`, or the route's rto_min; 200 ms by default). */
    setRtoMin(rtoMin: Micros): void {
      this.#rtoMin = rtoMin;
    }

    /** True once a sample has been taken. */
    get hasSample(): boolean {
      return this.#srtt8 !== 0;
    }
    /** Smoothed RTT in µs (0 before the first sample). `ss` prints it as the first `rtt:` number. */
    get srtt(): Micros {
      return this.#srtt8 >> 3;
    }
    /** RFC 6298 RTTVAR in µs (Linux `tcpi_rttvar` = mdev_us/4), the second `rtt:` number of `ss`. */
    get rttvar(): Micros {
      return this.#mdev4 >> 2;
    }
    /** The variance term actually added to SRTT in the RTO (Linux `rttvar_us`, ≥ rto_min). */
    get rtoVar(): Micros {
      return this.#rttvar;
    }
    /** Current retransmission timeout in µs, backoff included. */
    get rto(): Micros {
      return this.#rto;
    }
    /** Number of consecutive backoffs (Linux `icsk_backoff`). */
    get backoffs(): number {
      return this.#backoff;
    }
    /** Minimum RTT over the last 300 s (Linux `tcp_min_rtt`), µs; 0 before any sample. */
    get minRtt(): Micros {
      return this.#t0 >= 0 ? this.#v0 : 0;
    }

    /**
     * Feeds one RTT measurement `r` (µs, > 0). `flightDone` is Linux's
     * `after(snd_una, rtt_seq)`: true when this ACK ends the flight that
     * was outstanding at the previous boundary (the caller then records
     * snd.nxt as the next boundary). Recomputes the RTO and resets backoff.
     * `now` feeds the min-RTT window (pass the clock; default 0 disables aging).
     */
    sample(r: Micros, flightDone: boolean, now: Micros = 0): void {
      let m = Math.max(1, Math.round(r));
      this.#updateMin(m, now);
      let srtt8 = this.#srtt8;
      if (srtt8 !== 0) {
        m -= srtt8 >> 3;        // error in the estimate
        srtt8 += m;             // SRTT = 7/8 SRTT + 1/8 R
        if (m < 0) {
          m = -m;
          m -= this.#mdev4 >> 2;
          if (m > 0) m >>= 3;   // a falling RTT barely moves RTTVAR
        } else {
          m -= this.#mdev4 >> 2;
        }
        this.#mdev4 += m;       // RTTVAR = 3/4 RTTVAR + 1/4 |err|
        if (this.#mdev4 > this.#mdevMax) {
          this.#mdevMax = this.#mdev4;
          if (this.#mdevMax > this.#rttvar) this.#rttvar = this.#mdevMax;
        }
        if (flightDone) {
          if (this.#mdevMax < this.#rttvar) this.#rttvar -= (this.#rttvar - this.#mdevMax) >> 2;
          this.#mdevMax = this.#rtoMin;
        }
      } else {
        srtt8 = m << 3;
        this.#mdev4 = m << 1;   // RTTVAR = R/2, so RTO starts at 3R
        this.#rttvar = Math.max(this.#mdev4, this.#rtoMin);
        this.#mdevMax = this.#rttvar;
      }
      this.#srtt8 = Math.max(1, srtt8);
      this.#baseRto = Math.min((this.#srtt8 >> 3) + this.#rttvar, TCP_RTO_MAX);
      this.#rto = this.#baseRto;
      this.#backoff = 0;
    }

    /**
     * Exponential backoff after a retransmission timeout (RFC 6298 §5.5):
     * doubles the RTO, capped at the maximum. Returns the new RTO.
     */
    backoff(): Micros {
      this.#backoff++;
      this.#rto = Math.min(this.#rto * 2, TCP_RTO_MAX);
      return this.#rto;
    }

    /**
     * Undoes the backoff without a new sample (e.g. an ACK of new data for a
     * segment sent once, RFC 6298 §5.7 note): RTO = SRTT + rttvar again.
     */
    resetBackoff(): void {
      this.#backoff = 0;
      this.#rto = this.#baseRto;
    }

    /**
     * Sets the RTO without a sample (connect() starts at TCP_TIMEOUT_INIT;
     * Linux `tcp_init_transfer` uses TCP_TIMEOUT_FALLBACK, 3 s, after a
     * handshake whose SYN was retransmitted).
     */
    setRto(rto: Micros): void {
      this.#baseRto = this.#rto = Math.min(rto, TCP_RTO_MAX);
      this.#backoff = 0;
    }

    /**
     * `ss -i` style text: `rtt:<srtt>/<rttvar>` in ms with up to three
     * decimals, e.g. `rtt:0.024/0.012`.
     */
    formatSs(): string {
      return `rtt:${fmtMs(this.srtt)}/${fmtMs(this.rttvar)}`;
    }

    // Windowed minimum (Linux win_minmax): keeps the best, second and third
    // best samples of sub-windows so that the minimum expires after the
    // window without storing every sample.
    #updateMin(v: number, now: Micros): void {
      const win = MIN_RTT_WINDOW;
      if (this.#t0 < 0 || v <= this.#v0 || now - this.#t2 > win) {
        this.#v0 = this.#v1 = this.#v2 = v;
        this.#t0 = this.#t1 = this.#t2 = now;
        return;
      }
      if (v <= this.#v1) { this.#v1 = this.#v2 = v; this.#t1 = this.#t2 = now; }
      else if (v <= this.#v2) { this.#v2 = v; this.#t2 = now; }
      const dt = now - this.#t0;
      if (dt > win) {
        this.#shift(); this.#v2 = v; this.#t2 = now;
        if (now - this.#t0 > win) this.#shift();
      } else if (this.#t1 === this.#t0 && dt > win / 4) {
        this.#v1 = this.#v2 = v; this.#t1 = this.#t2 = now;
      } else if (this.#t2 === this.#t1 && dt > win / 2) {
        this.#v2 = v; this.#t2 = now;
      }
    }

    // Drops the best candidate: second → first, third → second (the third keeps its value).
    #shift(): void {
      this.#v0 = this.#v1; this.#t0 = this.#t1;
      this.#v1 = this.#v2; this.#t1 = this.#t2;
    }
  }
  return RttEstimatorFields;
}

/**
 * A standalone RTT estimator (tests, tools); a TCB is its own (see
 * {@link withRttEstimator}). The RTO ceiling is `TCP_RTO_MAX` (120 s).
 * @example
 * const rtt = new RttEstimator();
 * rtt.sample(30_000, true);   // 30 ms, first sample
 * rtt.rto;                    // 30 ms + 200 ms
 * rtt.formatSs();             // "rtt:30/15"
 */
export class RttEstimator extends withRttEstimator(Object) {
  /** @param rtoMin `tcp_rto_min` (sysctl `tcp_rto_min_us`, or the route's rto_min). */
  constructor(rtoMin: Micros = TCP_RTO_MIN) {
    super();
    this.setRtoMin(rtoMin);
  }
}

/** The estimator's interface, what `t.rtt` of a TCB offers. */
export type Rtt = Pick<RttEstimator, keyof RttEstimator>;

function fmtMs(us: number): string {
  return String(Math.round(us) / 1000);
}
