/**
 * Delivery-rate sampling, as Linux's net/ipv4/tcp_rate.c (the estimator
 * BBR is built on; draft-cheng-iccrg-delivery-rate-estimation).
 *
 * Each transmission snapshots the connection's delivery state into the
 * segment (`tcp_rate_skb_sent`): how many segments had been delivered
 * (`delivered`), when that count last grew (`deliveredTime`), when the
 * current send phase began (`firstTx`) and whether the connection was
 * application-limited. When a segment is SACKed or cumulatively
 * acknowledged, the snapshot of the most recently sent one among them
 * starts the sample (`tcp_rate_skb_delivered`); at the end of the ACK the
 * sample is formed (`tcp_rate_gen`):
 *
 *   delivered = delivered now − delivered when that segment left
 *   interval  = max(send phase, ACK phase)     (ACK compression safe)
 *   rate      = delivered / interval
 *
 * A sample whose interval is shorter than min_rtt is invalid (interval −1).
 *
 * The per-segment snapshots live beside the sent log's entries (sent-log.ts,
 * four numbers a segment, allocated only when a {@link DeliveryRate} is
 * attached: a congestion control that uses rate samples, i.e. BBR); this
 * object holds the connection-level half (Linux `tp->delivered_mstamp`,
 * `first_tx_mstamp`, `app_limited`, `rate_delivered`, `rate_interval_us`,
 * `rate_app_limited`) and the sample of the ACK being processed.
 *
 * Differences from Linux: `is_ack_delayed` (FLAG_ACK_MAYBE_DELAYED) is
 * never set, so a min_rtt filter that expired accepts the next sample even
 * from a possibly delayed ACK.
 */
import type { Micros } from "../../core/time.js";

/** One ACK's delivery-rate sample (Linux `struct rate_sample`). */
export interface RateSample {
  /** `tp->delivered` when the most recently sent delivered segment left (0: none). */
  priorDelivered: number;
  /** `delivered_mstamp` snapshot of that segment (0: no sample). */
  priorTime: Micros;
  /** Segments delivered over the sample's interval, or -1 (invalid). */
  delivered: number;
  /** The sample's interval, µs, or -1 (invalid). */
  interval: Micros;
  /** Send phase (first to last transmission), µs. */
  sndInterval: Micros;
  /** ACK phase, µs. */
  rcvInterval: Micros;
  /** RTT of the most recently sent segment this ACK delivered (never retransmitted), µs, or -1. */
  rtt: Micros;
  /** Segments newly marked lost while processing this ACK. */
  losses: number;
  /** Segments newly delivered (acked or SACKed) by this ACK. */
  ackedSacked: number;
  /** Packets in flight before this ACK. */
  priorInFlight: number;
  /** The sampled segment left while the connection was application-limited. */
  isAppLimited: boolean;
  /** The sampled segment was a retransmission. */
  isRetrans: boolean;
  /** Linux FLAG_ACK_MAYBE_DELAYED (never set here; see the module comment). */
  isAckDelayed: boolean;
  /** Transmit time of the most recently sent delivered segment that was never retransmitted (for `rtt`), or -1. */
  lastAckt: Micros;
}

/** A fresh sample (reset per ACK by {@link DeliveryRate.beginAck}). */
function newRateSample(): RateSample {
  return {
    priorDelivered: 0, priorTime: 0, delivered: -1, interval: -1, sndInterval: 0, rcvInterval: 0, rtt: -1,
    losses: 0, ackedSacked: 0, priorInFlight: 0, isAppLimited: false, isRetrans: false, isAckDelayed: false, lastAckt: -1,
  };
}

/**
 * The connection-level delivery-rate state and the current ACK's sample.
 * `delivered` counts are the sent log's (`SentLog.delivered`, Linux
 * `tp->delivered` without the SYN); times are µs of the host clock (never 0
 * in practice: a stamp of 0 means "none", as in Linux).
 * @example
 * const r = new DeliveryRate();
 * r.beginAck(10); // then skbDelivered(...) per segment, then gen(...)
 */
export class DeliveryRate {
  /** When `delivered` last grew (Linux `delivered_mstamp`). */
  deliveredTime: Micros = 0;
  /** Send time of the most recently delivered segment: the start of the current send phase (`first_tx_mstamp`). */
  firstTx: Micros = 0;
  /** Delivered count at which the app-limited "bubble" ends, 0 when not app-limited (`tp->app_limited`). */
  appLimited = 0;
  /** The last non-app-limited (or the best app-limited) sample: delivered segments and interval (tcpi_delivery_rate). */
  rateDelivered = 0;
  rateInterval: Micros = 0;
  /** That sample was app-limited (tcpi_delivery_rate_app_limited). */
  rateAppLimited = false;
  /** The sample of the ACK being processed. */
  readonly rs: RateSample = newRateSample();

  /** Starts the sample of a new ACK (`struct rate_sample rs = { .prior_delivered = 0 }`). */
  beginAck(priorInFlight: number): void {
    const rs = this.rs;
    rs.priorDelivered = 0;
    rs.priorTime = 0;
    rs.delivered = -1;
    rs.interval = -1;
    rs.sndInterval = 0;
    rs.rcvInterval = 0;
    rs.rtt = -1;
    rs.losses = 0;
    rs.ackedSacked = 0;
    rs.priorInFlight = priorInFlight;
    rs.isAppLimited = false;
    rs.isRetrans = false;
    rs.isAckDelayed = false;
    rs.lastAckt = -1;
  }

  /**
   * A segment leaves (`tcp_rate_skb_sent`): with nothing in flight the send
   * and delivery clocks restart now. Writes the snapshot into `out` at `k`:
   * delivered, deliveredTime, firstTx, appLimited (1/0).
   */
  onSent(now: Micros, nothingInFlight: boolean, delivered: number, out: Float64Array, k: number): void {
    if (nothingInFlight) {
      this.firstTx = now;
      this.deliveredTime = now;
    }
    out[k] = delivered;
    out[k + 1] = this.deliveredTime;
    out[k + 2] = this.firstTx;
    out[k + 3] = this.appLimited !== 0 ? 1 : 0;
  }

  /**
   * A segment sent at `xmit` with snapshot `snap[k..k+3]` was SACKed or
   * acknowledged (`tcp_rate_skb_delivered`): the most recently sent one
   * (highest snapshot `delivered`) starts the sample. `retrans`: it was
   * retransmitted (then it gives no RTT either); `sacked`: it was SACKed,
   * so its later cumulative acknowledgment gives no second sample.
   */
  onDelivered(snap: Float64Array, k: number, xmit: Micros, retrans: boolean, sacked: boolean): void {
    const rs = this.rs;
    if (!retrans && xmit > rs.lastAckt) rs.lastAckt = xmit;
    const txDeliveredTime = snap[k + 1]!;
    if (txDeliveredTime === 0) return;
    const txDelivered = snap[k]!;
    if (rs.priorTime === 0 || txDelivered > rs.priorDelivered) {
      rs.priorDelivered = txDelivered;
      rs.priorTime = txDeliveredTime;
      rs.isAppLimited = snap[k + 3] !== 0;
      rs.isRetrans = retrans;
      this.firstTx = xmit;
      rs.interval = xmit - snap[k + 2]!;
    }
    // SACKed now, cumulatively acknowledged later: used once (Linux zeroes tx.delivered_mstamp).
    if (sacked) snap[k + 1] = 0;
  }

  /**
   * Forms the ACK's sample (`tcp_rate_gen`): `delivered` is the connection's
   * delivered count now, `newlyDelivered`/`newlyLost` this ACK's share,
   * `minRtt` the connection's min RTT (µs; a shorter interval is invalid).
   */
  gen(now: Micros, delivered: number, newlyDelivered: number, newlyLost: number, minRtt: Micros, sackReneg: boolean): RateSample {
    const rs = this.rs;
    // The app-limited bubble is acknowledged and gone.
    if (this.appLimited !== 0 && delivered > this.appLimited) this.appLimited = 0;
    if (newlyDelivered > 0) this.deliveredTime = now;
    rs.ackedSacked = newlyDelivered;
    rs.losses = newlyLost;
    if (rs.lastAckt >= 0) rs.rtt = now - rs.lastAckt;
    if (rs.priorTime === 0 || sackReneg) {
      rs.delivered = -1;
      rs.interval = -1;
      return rs;
    }
    rs.delivered = delivered - rs.priorDelivered;
    const snd = rs.interval;
    const ack = now - rs.priorTime;
    rs.interval = Math.max(snd, ack);
    rs.sndInterval = snd;
    rs.rcvInterval = ack;
    if (rs.interval < minRtt) {
      rs.interval = -1;
      return rs;
    }
    // Keep the last non-app-limited sample, or an app-limited one that shows a higher rate.
    if (!rs.isAppLimited || rs.delivered * this.rateInterval >= this.rateDelivered * rs.interval) {
      this.rateDelivered = rs.delivered;
      this.rateInterval = rs.interval;
      this.rateAppLimited = rs.isAppLimited;
    }
    return rs;
  }

  /**
   * The sender may be application-limited (`tcp_rate_check_app_limited`,
   * called when the application writes): less than a segment unsent,
   * cwnd not the limit, every lost segment retransmitted — then samples
   * taken until what is in flight now is delivered are marked app-limited.
   */
  checkAppLimited(unsent: number, mss: number, inflight: number, cwnd: number, lostOut: number, retransOut: number, delivered: number): void {
    if (unsent < mss && inflight < cwnd && lostOut <= retransOut) this.appLimited = delivered + inflight || 1;
  }

  /** Marks samples app-limited until what is in flight is delivered (BBR's PROBE_RTT). */
  markAppLimited(delivered: number, inflight: number): void {
    this.appLimited = delivered + inflight || 1;
  }

  /** tcpi_delivery_rate: bytes per second of the kept sample (0 before any). */
  deliveryRate(mss: number): number {
    return this.rateInterval > 0 ? Math.floor((this.rateDelivered * mss * 1e6) / this.rateInterval) : 0;
  }
}
