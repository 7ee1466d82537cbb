/**
 * TCP internal pacing, as Linux's (tcp_output.c: `tcp_pacing_check`,
 * `tcp_update_skb_after_send`, the pacing hrtimer; the EDT model since
 * 4.20): each transmission moves the earliest departure time of the next
 * one (`tcp_wstamp_ns`) by its length at the pacing rate; the transmit
 * loop stops while that time is in the future and a timer of the
 * connection resumes it then.
 *
 * Linux paces internally only when the socket asks for it
 * (`sk_pacing_status == SK_PACING_NEEDED`): a congestion control that
 * requests it (BBR) or a finite `SO_MAX_PACING_RATE`. Other flows are
 * paced only by the fq qdisc, which sockstack does not model — so cubic
 * and reno leave unpaced, as they do on Linux with the default fq_codel /
 * pfifo_fast qdiscs. The rate is the algorithm's (`sk_pacing_rate`) or,
 * for a window-based one, `tcp_update_pacing_rate`'s: mss·max(cwnd,
 * packets out)/srtt × 200 % in slow start (cwnd < ssthresh/2), × 120 %
 * after; both capped by SO_MAX_PACING_RATE. `tcp_info` reports that rate
 * for every flow (tcpi_pacing_rate), paced or not, as Linux does.
 *
 * Segments leave in bursts the size Linux's TSO autosizing would give one
 * skb (`tcp_tso_autosize`: about 1 ms of the rate, `sk_pacing_shift` 10,
 * at least the algorithm's `min_tso_segs`, 2 by default), each burst's
 * time charged to the departure clock — sockstack sends MSS-sized
 * segments, Linux one GSO skb of the same bytes.
 *
 * Per-connection state (`t.pacing`, a cold TCB field) exists only for
 * paced connections.
 */
import type { Micros } from "../core/time.js";
import { TCP_INFINITE_SSTHRESH } from "./congestion/congestion-control.js";
import { SK_GSO_MAX_SEGS, SK_GSO_MAX_SIZE } from "./constants.js";
import { SK_PACING_SHIFT } from "./congestion/bbr.js";
import type { Tcb } from "./tcb.js";
import type { TcpLayer } from "./tcp-layer.js";
import { rearm } from "./timers.js";

/** Linux `tcp_pacing_ss_ratio` / `tcp_pacing_ca_ratio` defaults (percent). */
const PACING_SS_RATIO = 200;
const PACING_CA_RATIO = 120;
/** Linux `tcp_min_tso_segs` default (the sysctl's value is passed in where a layer is at hand). */
const MIN_TSO_SEGS = 2;
/** Linux `tcp_tso_rtt_log` default: bursts grow by gso_max_size >> (min_rtt >> 9 µs). */
const TSO_RTT_LOG = 9;
/** The most a late pacing timer may leave the departure clock behind now (µs). */
const MAX_TIMER_SLACK = 4000;

/** A paced connection's departure clock (Linux `tcp_wstamp_ns`, the pacing timer). */
export class PacingSock {
  /** Earliest departure time of the next burst, µs (Linux tcp_wstamp_ns). */
  wstamp: Micros = 0;
  /** The pacing timer's deadline, µs, or -1. */
  at: Micros = -1;
  /** Segments the current burst may still send. */
  burst = 0;
  /** Jitter credit (µs) the current burst may still take off its departure time (Linux's len/2 rule, per burst). */
  credit = 0;
  /** How far behind now the departure clock may stay after the pacing timer fired late (µs; 0 in virtual time, where timers are exact). */
  slack = 0;
  /** SO_MAX_PACING_RATE, bytes/s (Infinity: unlimited, Linux ~0UL). */
  maxRate = Infinity;
}

/**
 * Linux `tcp_update_pacing_rate` for a window-based algorithm (bytes/s):
 * what `tcpi_pacing_rate` shows and what SO_MAX_PACING_RATE pacing uses.
 */
export function windowPacingRate(mss: number, cwnd: number, ssthresh: number, packetsOut: number, srtt: Micros): number {
  const ratio = ssthresh < TCP_INFINITE_SSTHRESH && cwnd >= ssthresh / 2 ? PACING_CA_RATIO : PACING_SS_RATIO;
  // Linux: rate = mss · (USEC_PER_SEC/100 << 3) · ratio(%) · max(cwnd, packets_out) / srtt_us (srtt_us = 8 · srtt).
  const rate = mss * 10_000 * 8 * ratio * Math.max(cwnd, packetsOut);
  return srtt > 0 ? Math.floor(rate / (8 * srtt)) : rate;
}

/** The connection's pacing rate now, bytes/s (Linux sk_pacing_rate); Infinity while unknown. */
export function pacingRate(t: Tcb): number {
  const cc = t.cc;
  const max = t.pacing ? t.pacing.maxRate : Infinity;
  if (cc.pacingRate !== undefined && cc.pacingRate > 0) return Math.min(cc.pacingRate, max);
  const packetsOut = Math.ceil(((t.sndMax - t.sndUna) >>> 0) / t.mss);
  return Math.min(windowPacingRate(t.mss, cc.cwnd, cc.ssthresh, packetsOut, t.rtt.srtt), max);
}

/** Does this connection pace internally (Linux SK_PACING_NEEDED)? Creates its state when it first does. */
export function pacingOn(t: Tcb): PacingSock | null {
  const p = t.pacing;
  if (p) return p.maxRate !== Infinity || t.cc.pacing === true ? p : null;
  if (t.cc.pacing !== true) return null;
  return (t.pacing = new PacingSock());
}

/**
 * Linux tcp_tso_segs with tcp_tso_autosize: segments per burst at `rate`
 * bytes/s — about 1 ms of the rate plus an allowance that halves every
 * 512 µs of min RTT, capped at sk_gso_max_size bytes (65343), at least the
 * algorithm's min_tso_segs, else `minTso` (the `tcp_min_tso_segs` sysctl),
 * and at most sk_gso_max_segs. An unknown rate (Infinity, Linux ~0UL)
 * gives the byte cap: 65 segments at MSS 1000, 45 at 1448.
 */
export function burstSegs(t: Tcb, rate: number, mss: number, minTso = MIN_TSO_SEGS): number {
  let bytes = rate === Infinity ? SK_GSO_MAX_SIZE : Math.floor(rate / 2 ** SK_PACING_SHIFT);
  const r = Math.floor(t.rtt.minRtt / 2 ** TSO_RTT_LOG);
  if (r < 32) bytes += Math.floor(SK_GSO_MAX_SIZE / 2 ** r);
  bytes = Math.min(bytes, SK_GSO_MAX_SIZE);
  const minSegs = t.cc.minTsoSegs ? t.cc.minTsoSegs() : minTso;
  return Math.min(Math.max(Math.floor(bytes / mss), minSegs), SK_GSO_MAX_SEGS);
}

/**
 * Linux tcp_pacing_check: true when the next departure is in the future —
 * the caller stops sending and the pacing timer (armed here) resumes it.
 */
export function pacingBlocked(tl: TcpLayer, t: Tcb): boolean {
  const p = pacingOn(t);
  if (!p || p.burst > 0) return false;
  const now = tl.ctx.scheduler.now();
  if (p.wstamp > now) {
    p.slack = 0;
    // The clock keeps fractions of a µs; the timer fires at the next whole µs (virtual time is integral).
    const at = Math.ceil(p.wstamp);
    if (p.at !== at) {
      p.at = at;
      rearm(tl, t);
    }
    return true;
  }
  // A new burst (Linux: the next skb, tcp_tso_autosize): the clock catches up with now —
  // less the slack a late timer left — and the time it skipped is credit (tcp_update_skb_after_send).
  const floor = now - p.slack;
  p.credit = p.wstamp < floor ? floor - p.wstamp : 0;
  if (p.wstamp < floor) p.wstamp = floor;
  p.burst = burstSegs(t, pacingRate(t), t.mss, tl.ctx.sysctl.tcp_min_tso_segs);
  return false;
}

/**
 * A segment of `len` payload bytes left (Linux tcp_update_skb_after_send):
 * the departure clock advances by its time at the pacing rate, less up to
 * half of it as credit for time the connection left unused.
 */
export function pacingSent(tl: TcpLayer, t: Tcb, len: number): void {
  const p = t.pacing;
  if (!p || (p.maxRate === Infinity && t.cc.pacing !== true)) return;
  if (p.burst > 0) p.burst--;
  const now = tl.ctx.scheduler.now();
  if (p.wstamp < now - p.slack) {
    // Sent outside a burst the clock opened (a retransmission from a timer, limited transmit).
    p.credit = now - p.slack - p.wstamp;
    p.wstamp = now - p.slack;
  }
  const rate = pacingRate(t);
  // Linux tcp_update_skb_after_send: charged once data_segs_out (this segment counted) reaches 10
  // ("original sch_fq does not pace first 10 MSS").
  if (rate === Infinity || rate <= 0 || t.dataSegsOut < 10) return;
  let us = (Math.max(len, 1) * 1e6) / rate;
  // OS jitter (Linux): up to half of the burst's time is forgiven for time the clock lost.
  const c = Math.min(us / 2, p.credit);
  p.credit -= c;
  us -= c;
  p.wstamp += us;
}

/** How far ahead of now the next departure is, µs (BBR's `tcp_wstamp_ns − now`). */
export function edtDelay(tl: TcpLayer, t: Tcb): Micros {
  const p = t.pacing;
  if (!p) return 0;
  return Math.max(0, p.wstamp - tl.ctx.scheduler.now());
}

/** SO_MAX_PACING_RATE (bytes/s; ~0 = 0xffffffff: unlimited): a finite value turns internal pacing on, as on Linux. */
export function setMaxPacingRate(t: Tcb, rate: number): void {
  const unlimited = rate >= 0xffffffff;
  if (unlimited && !t.pacing) return;
  const p = (t.pacing ??= new PacingSock());
  p.maxRate = unlimited ? Infinity : rate;
}

/** SO_MAX_PACING_RATE as getsockopt returns it (0xffffffff: unlimited). */
export function maxPacingRate(t: Tcb): number {
  const r = t.pacing ? t.pacing.maxRate : Infinity;
  return r === Infinity ? 0xffffffff : r;
}

/** The pacing timer fired (Linux tcp_pace_kick): send what the departure clock now allows. */
export function pacingTimerDue(t: Tcb, now: Micros): boolean {
  const p = t.pacing;
  if (!p || p.at < 0 || now < p.at) return false;
  // A timer that fired late (the real-time driver wakes with millisecond granularity; Linux's
  // hrtimer within µs) leaves the clock that far behind: the departures it missed leave now,
  // as a precise timer would have sent them, up to MAX_TIMER_SLACK. Never in virtual time.
  p.slack = Math.min(now - p.at, MAX_TIMER_SLACK);
  p.at = -1;
  return true;
}
