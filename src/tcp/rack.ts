/**
 * RACK, time-based loss detection (RFC 8985 §6; Linux
 * net/ipv4/tcp_recovery.c and the SACK tagging of tcp_input.c), Linux's
 * default (`tcp_recovery` bit 0x1) for connections that negotiated SACK.
 *
 * RACK needs what the byte-range scoreboard (sack-scoreboard.ts) does not
 * keep: each segment as it was sent, with its last transmission time.
 * {@link SentLog} is that record — Linux's retransmission queue minus the
 * data (the payload stays in the send buffer): one entry per segment in
 * `[snd.una, snd.max)`, in sequence order, in one Float64Array ring (32
 * bytes a segment, grown by doubling, given back when nothing is in
 * flight; BENCHMARKS.md). On it:
 *
 * - SACK blocks tag whole segments only, as Linux's `tcp_sacktag_walk`
 *   does (a block covering part of a segment marks nothing;
 *   {@link SentLog.alignSack} trims the blocks the scoreboard sees to the
 *   same segments);
 * - every newly (S)ACKed segment advances RACK.xmit_ts / RACK.rtt
 *   (`tcp_rack_advance`); a never-retransmitted segment delivered below
 *   the highest SACK is reordering (`tcp_check_sack_reordering`);
 * - {@link rackDetectLoss} marks lost every segment sent before the most
 *   recently delivered one whose RACK.rtt + reordering window has passed,
 *   and returns how long the others still have (the reordering timer).
 *
 * The reordering window is `min(min_rtt/4 · steps, srtt)`, zero while no
 * reordering was seen and either recovery is under way or DupThresh
 * segments are SACKed (Linux `tcp_rack_reo_wnd`, RFC 8985 §6.2 step 4;
 * `tcp_recovery` 0x4 turns that DupThresh shortcut off); D-SACKs widen it
 * one step per round trip, for 16 recoveries (`tcp_rack_update_reo_wnd`;
 * `tcp_recovery` 0x2 keeps it static).
 *
 * The tail loss probe (RFC 8985 §7) is tlp.ts; both share the TCB's
 * retransmission deadline, told apart by `t.xmitTimer` (Linux
 * `icsk_pending`: RTO, reordering timeout or loss probe).
 */
import { seqLt } from "../core/seq.js";
import type { Micros } from "../core/time.js";
import type { Tcb } from "./tcb.js";
import type { TcpLayer } from "./tcp-layer.js";
import { rearm } from "./timers.js";
import { SentLog } from "./sent-log.js";

export { SentLog, sentAfter, type LogAckResult } from "./sent-log.js";

/** `tcp_recovery` bits (Linux TCP_RACK_*). */
export const TCP_RACK_LOSS_DETECTION = 0x1;
/** `tcp_recovery` 0x2: the reordering window does not adapt to D-SACKs. */
export const TCP_RACK_STATIC_REO_WND = 0x2;
/** `tcp_recovery` 0x4: no DupThresh shortcut (the window stays open however many segments are SACKed). */
export const TCP_RACK_NO_DUPTHRESH = 0x4;
/** Linux TCP_RACK_RECOVERY_THRESH: recoveries a widened reordering window persists for. */
export const TCP_RACK_RECOVERY_THRESH = 16;
/** Linux TCP_TIMEOUT_MIN (2 jiffies at HZ=1000): added to the reordering timer. */
export const TCP_TIMEOUT_MIN: Micros = 2000;

/** `t.xmitTimer`: what the retransmission deadline (`t.rtoAt`) is for (Linux ICSK_TIME_*). */
export const XMIT_RTO = 0;
/** `t.xmitTimer`: RACK's reordering timer (ICSK_TIME_REO_TIMEOUT). */
export const XMIT_REO = 1;
/** `t.xmitTimer`: the tail loss probe (ICSK_TIME_LOSS_PROBE). */
export const XMIT_TLP = 2;


/** RACK is on for `t` (SACK negotiated and `tcp_recovery` bit 0x1; Linux tcp_is_rack). */
export function rackOn(tl: TcpLayer, t: Tcb): boolean {
  return t.sackOk && (tl.ctx.sysctl.tcp_recovery & TCP_RACK_LOSS_DETECTION) !== 0;
}

/**
 * The reordering window (Linux tcp_rack_reo_wnd, RFC 8985 §6.2 step 4):
 * zero while no reordering has been seen and recovery is under way or
 * DupThresh segments are SACKed; otherwise min_rtt/4 per step, at most SRTT.
 */
export function rackReoWnd(tl: TcpLayer, t: Tcb, log: SentLog): Micros {
  if (!log.reordSeen) {
    const st = t.caState;
    if (st === "recovery" || st === "loss") return 0;
    if (log.sackedSegs >= t.reordering && !(tl.ctx.sysctl.tcp_recovery & TCP_RACK_NO_DUPTHRESH)) return 0;
  }
  return Math.min((t.rtt.minRtt >> 2) * log.reoWndSteps, t.rtt.srtt);
}

/**
 * Linux tcp_rack_update_reo_wnd, once per ACK: a D-SACK seen at least a
 * round trip after the last change widens the window a step and keeps it
 * for 16 recoveries; otherwise, once those are over, back to one step.
 */
export function rackUpdateReoWnd(tl: TcpLayer, log: SentLog, priorDelivered: number): void {
  if (tl.ctx.sysctl.tcp_recovery & TCP_RACK_STATIC_REO_WND) return;
  if (priorDelivered < log.lastDelivered) log.dsackSeen = false;
  if (log.dsackSeen) {
    log.reoWndSteps = Math.min(0xff, log.reoWndSteps + 1);
    log.dsackSeen = false;
    log.lastDelivered = log.delivered;
    log.reoWndPersist = TCP_RACK_RECOVERY_THRESH;
  } else if (!log.reoWndPersist) {
    log.reoWndSteps = 1;
  }
}

/**
 * Linux tcp_check_sack_reordering: a never-retransmitted segment starting
 * at `low` was delivered below `fack` (the highest SACK): reordering. The
 * degree (in segments) raises `tcpi_reordering`; RACK widens its window.
 */
export function rackReorderingSeen(tl: TcpLayer, t: Tcb, log: SentLog, low: number, fack: number): void {
  if (!seqLt(low, fack)) return;
  const metric = (fack - low) >>> 0;
  const mss = t.mss;
  if (metric > t.reordering * mss && mss) {
    t.reordering = Math.min(Math.ceil(metric / mss), tl.ctx.sysctl.tcp_max_reordering);
    if (t.sb) t.sb.dupThresh = t.reordering;
    tl.ctx.counters.inc(tl.ctx.counters.TcpExt, "TCPSACKReorder");
  }
  log.reordSeen++;
}

/**
 * tcp_rack_mark_lost: after an ACK that moved RACK.xmit_ts, scans for
 * lost segments; when some are not old enough yet, arms the reordering
 * timer. Returns true when the timer was armed (the caller then leaves the
 * retransmission deadline alone).
 */
export function rackMarkLost(tl: TcpLayer, t: Tcb, log: SentLog): boolean {
  log.lostRetransAck = 0;
  if (!log.advanced) return false;
  log.advanced = false;
  const now = tl.ctx.scheduler.now();
  const r = log.detectLoss(now, rackReoWnd(tl, t, log));
  log.lostRetransAck = r.lostRetrans;
  if (r.lostRetrans) countLostRetrans(tl, t, r.lostRetrans);
  if (r.timeout > 0) {
    // usecs_to_jiffies rounds up to the millisecond; plus TCP_TIMEOUT_MIN.
    t.rtoAt = now + Math.ceil(r.timeout / 1000) * 1000 + TCP_TIMEOUT_MIN;
    t.xmitTimer = XMIT_REO;
    t.persistAt = -1;
    rearm(tl, t);
    return true;
  }
  return false;
}

/** Retransmissions RACK found lost again (TCPLostRetransmit) leave retrans_out. */
export function countLostRetrans(tl: TcpLayer, t: Tcb, n: number): void {
  t.retransOut = Math.max(0, t.retransOut - n);
  const c = tl.ctx.counters;
  for (let i = 0; i < n; i++) c.inc(c.TcpExt, "TCPLostRetransmit");
}

/**
 * Tags the segments an ACK's (aligned) SACK blocks cover, lowest block
 * first as Linux sorts them (`skip`: 1 when the first block is a D-SACK),
 * then checks the reordering they reveal (tcp_sacktag_write_queue).
 */
export function rackSackTag(tl: TcpLayer, t: Tcb, log: SentLog, blocks: ArrayLike<number>, n: number, skip: number): void {
  const now = tl.ctx.scheduler.now();
  const minRtt = t.rtt.minRtt;
  let reord = -1;
  // At most four blocks: pick the lowest untagged one each time (no allocation).
  let done = 0;
  for (let round = skip; round < n; round++) {
    let best = -1;
    for (let b = skip; b < n; b++) {
      if (done & (1 << b)) continue;
      if (best < 0 || seqLt(blocks[2 * b]!, blocks[2 * best]!)) best = b;
    }
    if (best < 0) break;
    done |= 1 << best;
    const fack = log.highestSackSeq(t.sndUna);
    const r = log.tagSack(blocks[2 * best]! >>> 0, blocks[2 * best + 1]! >>> 0, now, minRtt, fack);
    if (r >= 0 && (reord < 0 || seqLt(r, reord))) reord = r;
  }
  if (reord >= 0 && log.rack) rackReorderingSeen(tl, t, log, reord, log.highestSackSeq(t.sndUna));
  // tcp_sacktag_one: a SACKed retransmission is no longer out (retrans_out, tcpi_retrans).
  if (log.sackedRetrans) {
    t.retransOut = Math.max(0, t.retransOut - log.sackedRetrans);
    log.sackedRetrans = 0;
  }
}
