/**
 * The TCB's side of a rate-based congestion control (Linux
 * `ops->cong_control`, BBR): delivery-rate samples attached to the sent
 * log when such an algorithm is chosen, one sample per ACK handed to the
 * algorithm at the end of the ACK (tcp_ack → tcp_rate_gen →
 * tcp_cong_control), the application-limited check when the application
 * writes (tcp_sendmsg → tcp_rate_check_app_limited) and the restart from
 * idle (CA_EVENT_TX_START). Window-based algorithms (cubic, reno) never
 * reach this file: their connections keep no rate state.
 */
import type { Rng } from "../core/rng.js";
import type { CcContext } from "./congestion/congestion-control.js";
import { DeliveryRate } from "./congestion/rate-sample.js";
import { edtDelay, pacingOn } from "./pacing.js";
import type { SentLog } from "./sent-log.js";
import type { Tcb } from "./tcb.js";
import type { TcpLayer } from "./tcp-layer.js";

const NO_COUNTS = { delivered: 0, lost: 0 };

/** One context object, refilled per call (the stack is single-threaded). */
const ctx: CcContext = {
  now: 0, mss: 0, inflight: 0, counts: NO_COUNTS, srtt: 0, minRtt: 0, maxPacingRate: Infinity, edtDelay: 0,
  rate: new DeliveryRate(), random: () => 0,
};
/** One stream per host for the algorithms' random choices (BBR's PROBE_BW phase), forked from the host's seeded RNG at first use. */
const rngs = new WeakMap<TcpLayer, Rng>();
let rngOf: TcpLayer | null = null;
const random = (n: number): number => {
  const tl = rngOf;
  if (!tl) return 0;
  let r = rngs.get(tl);
  if (!r) rngs.set(tl, (r = tl.ctx.rng.fork("tcp-cc")));
  return r.below(n);
};

/** Fills the shared {@link CcContext} for `t` (whose log carries rate state); `inflight` in packets (output.ts pipeBytes / mss). */
export function ccContext(tl: TcpLayer, t: Tcb, log: SentLog, rate: DeliveryRate, inflight: number): CcContext {
  ctx.now = tl.ctx.scheduler.now();
  ctx.mss = t.mss;
  ctx.inflight = inflight;
  ctx.counts = log;
  ctx.srtt = t.rtt.srtt;
  ctx.minRtt = t.rtt.minRtt;
  const p = pacingOn(t);
  ctx.maxPacingRate = p ? p.maxRate : Infinity;
  ctx.edtDelay = edtDelay(tl, t);
  ctx.rate = rate;
  rngOf = tl;
  ctx.random = random;
  return ctx;
}

/**
 * Attaches delivery-rate sampling to the sent log when the congestion
 * control is rate-based and does not have it yet, and runs the
 * algorithm's init (Linux bbr_init: the first pacing rate from the RTT).
 */
export function rateAttach(tl: TcpLayer, t: Tcb, log: SentLog, inflight: number): void {
  const cc = t.cc;
  if (!cc.congControl || log.rate) return;
  const rate = new DeliveryRate();
  log.attachRate(rate);
  cc.init?.(ccContext(tl, t, log, rate, inflight));
}

/** The start of an ACK (the rate sample begins empty; `priorInFlight`, packets, recorded). */
export function rateAckBegin(rate: DeliveryRate, priorInFlight: number): void {
  rate.beginAck(priorInFlight);
}

/**
 * The end of an ACK: forms its rate sample and lets the algorithm set
 * cwnd and pacing rate (Linux tcp_rate_gen + tcp_cong_control).
 */
export function rateAckEnd(tl: TcpLayer, t: Tcb, log: SentLog, rate: DeliveryRate, priorDelivered: number, priorLost: number, inflight: number): void {
  const cc = t.cc;
  if (!cc.congControl) return;
  const now = tl.ctx.scheduler.now();
  const rs = rate.gen(now, log.delivered, log.delivered - priorDelivered, log.lost - priorLost, t.rtt.minRtt, false);
  cc.congControl(rs, ccContext(tl, t, log, rate, inflight));
}

/**
 * The application writes (Linux tcp_sendmsg_locked → tcp_rate_check_app_limited),
 * before its bytes are queued; and, when nothing was in flight or queued,
 * transmission restarts (CA_EVENT_TX_START).
 */
export function rateOnWrite(tl: TcpLayer, t: Tcb, idle: boolean, inflight: number): void {
  const log = t.sentLog;
  const rate = log?.rate;
  if (!log || !rate) return;
  const mss = t.mss;
  rate.checkAppLimited(t.unsentBytes, mss, inflight, t.cc.cwnd, log.lostSegs, t.retransOut, log.delivered);
  if (idle) {
    const now = tl.ctx.scheduler.now();
    t.cc.onTxStart(now, now - t.lastDataSent);
  }
}
