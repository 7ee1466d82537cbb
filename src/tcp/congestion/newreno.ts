/**
 * Reno / NewReno congestion control (Linux "reno", `tcp_reno_*` in
 * net/ipv4/tcp_cong.c): RFC 5681 slow start and congestion avoidance
 * (+1 segment per cwnd segments acked, i.e. about one SMSS per RTT),
 * ssthresh = max(cwnd/2, 2) on loss (RFC 5681 eq. 4 in segments, using
 * cwnd rather than FlightSize, as Linux does), cwnd = 1 after an RTO.
 * Fast recovery (RFC 6582 NewReno / RFC 6675 with SACK) is driven by the
 * TCB, with PRR deciding the window inside it (see congestion-control.ts).
 */
import { CongestionBase } from "./congestion-control.js";
import type { AckSample } from "./congestion-control.js";

/**
 * @example
 * const cc = new NewReno();
 * cc.cwnd; // 10
 */
export class NewReno extends CongestionBase {
  readonly name = "reno";

  protected recalcSsthresh(): number {
    return Math.max(this.cwndValue >> 1, 2);
  }

  protected congAvoid(s: AckSample): void {
    let acked = s.ackedSacked;
    if (this.inSlowStart) {
      acked = this.slowStart(acked);
      if (!acked) return;
    }
    this.congAvoidAi(this.cwndValue, acked);
  }
}
