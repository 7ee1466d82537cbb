/**
 * Packetization-layer path MTU discovery (RFC 4821) as Linux does it
 * (tcp_output.c tcp_mtup_init, tcp_sync_mss, tcp_mtu_probe; tcp_input.c
 * tcp_mtup_probe_success/failed; tcp_timer.c tcp_mtu_probing), and the send
 * MSS it bounds (tcp_sync_mss: setup.ts `updateMss` is this file's
 * {@link tcpSyncMss}).
 *
 * `tcp_mtu_probing` 2 probes from the start, 1 only once black-hole
 * detection turned it on (tcp_retries1 RTOs without an ACK), 0 never. The
 * search runs between `searchLow` (an MTU known to work: `tcp_base_mss` at
 * first) and `searchHigh` (the peer's MSS, lowered by the path MTU): a probe
 * is one segment of (low + high) / 2 bytes of MTU, sent ahead of the normal
 * segments when the send queue holds the probe plus `reordering + 1` MSS,
 * the peer's window takes it, cwnd is at least 11 and has room for two more
 * packets, nothing is being SACKed, and congestion control is Open. Its
 * acknowledgment makes it the new `searchLow` (the MSS grows, cwnd is
 * rescaled to keep the bytes in flight); its loss proven by fast
 * retransmit makes `searchHigh` probe − 1; any retransmission of it cancels
 * it. A search narrower than `tcp_probe_threshold` ends until
 * `tcp_probe_interval` seconds have passed, then starts again from the
 * current MSS. While probing is on, the send MSS never exceeds what
 * `searchLow` allows.
 *
 * A leaf module (types and constants only) so that output.ts, ack.ts,
 * setup.ts and timer-expiry.ts can all call it without an import cycle.
 */
import { seqGt } from "../core/seq.js";
import { SEC, type Micros } from "../core/time.js";
import { netHeaderLen } from "../net/inet-address.js";
import { TCP_MIN_SND_MSS, TCP_MSS_DEFAULT, TCPOLEN_TSTAMP_ALIGNED } from "./constants.js";
import type { Tcb } from "./tcb.js";
import type { TcpLayer } from "./tcp-layer.js";

/** Linux icsk_mtup and tp->mtu_probe: one connection's MTU probing state (`t.mtup`, null until probing may apply). */
export class MtuProbe {
  /** Probing is on (`tcp_mtu_probing` 2, or 1 after a black hole was detected). */
  enabled = false;
  /** The smallest MTU known not to work, or the largest the peer's MSS allows (bytes of IP datagram). */
  searchHigh = 0;
  /** The largest MTU known to work. */
  searchLow = 0;
  /** The MTU of the probe in flight, 0 when none. */
  probeSize = 0;
  /** When the current search began (µs; tcp_probe_interval counts from it). */
  probeTimestamp: Micros = 0;
  /** The probe's sequence range. */
  probeSeqStart = 0;
  probeSeqEnd = 0;
  /** The send MSS when the probe left (the segments after it were cut to it). */
  probeMss = 0;
  /**
   * A new route MTU not yet synced (0: none): Linux keeps the MSS of the old
   * MTU (icsk_pmtu_cookie) until tcp_current_mss next sees the new route —
   * the next write or push, after this transmission and this ACK.
   */
  pendingPmtu = 0;
}

/**
 * The route's MTU changed to `mtu` (output.ts routeOf): synced now, or, while
 * MTU probing state exists, at the next transmission (see
 * {@link MtuProbe.pendingPmtu}; a probe acknowledged meanwhile syncs to the
 * old MTU first, and its search's high end stays below it, as in Linux).
 */
export function routeMtuChanged(t: Tcb, mtu: number): void {
  if (t.mtup !== null) {
    t.mtup.pendingPmtu = mtu;
    return;
  }
  t.pmtu = mtu;
  tcpSyncMss(t);
}

/** Applies a route MTU change left pending (tcp_current_mss at the start of a transmission). */
export function mtupSyncPending(t: Tcb): void {
  const p = t.mtup;
  if (p === null || p.pendingPmtu === 0) return;
  t.pmtu = p.pendingPmtu;
  p.pendingPmtu = 0;
  tcpSyncMss(t);
}

/** Linux tp->tcp_header_len: the TCP header of a data segment, timestamps included, SACK blocks not. */
function tcpHeaderLen(t: Tcb): number {
  return t.tsOk ? 20 + TCPOLEN_TSTAMP_ALIGNED : 20;
}

/** Linux rx_opt.mss_clamp: the peer's MSS, bounded by TCP_MAXSEG. */
function mssClamp(t: Tcb): number {
  return t.userMss ? Math.min(t.peerMss, t.userMss) : t.peerMss;
}

/** Linux tcp_mtu_to_mss: the payload of a segment in a datagram of `pmtu` bytes (options of a data segment excluded). */
export function mtuToMss(t: Tcb, pmtu: number): number {
  let mss = Math.min(pmtu - netHeaderLen(t.remoteAddr) - 20, mssClamp(t));
  mss = Math.max(mss, TCP_MIN_SND_MSS);
  return mss - (tcpHeaderLen(t) - 20);
}

/** Linux tcp_mss_to_mtu: the datagram a segment of `mss` payload bytes makes. */
export function mssToMtu(t: Tcb, mss: number): number {
  return mss + tcpHeaderLen(t) + netHeaderLen(t.remoteAddr);
}

/**
 * Linux tcp_sync_mss: the send MSS from the path MTU `t.pmtu`, the peer's
 * MSS and TCP_MAXSEG, less the timestamp option, bounded by half the
 * largest window the peer offered and, while MTU probing is on, by the
 * search's low end; the search's high end never exceeds the path MTU.
 */
export function tcpSyncMss(t: Tcb): void {
  const p = t.mtup;
  if (p !== null && p.searchHigh > t.pmtu) p.searchHigh = t.pmtu;
  // Linux tcp_mtu_to_mss: the path MTU less the network header (icsk_af_ops->net_header_len) and TCP's.
  let mss = Math.min(t.peerMss, t.pmtu - netHeaderLen(t.remoteAddr) - 20);
  if (t.userMss) mss = Math.min(mss, t.userMss);
  if (t.tsOk) mss -= TCPOLEN_TSTAMP_ALIGNED;
  // Linux tcp_bound_to_half_wnd: never more than half the largest window the peer offered
  // (why `ss` shows mss:32768 on a fresh loopback connection).
  const cutoff = t.maxWindow > TCP_MSS_DEFAULT ? t.maxWindow >> 1 : t.maxWindow;
  if (cutoff && mss > cutoff) mss = Math.max(cutoff, 68 - 20 - (t.tsOk ? TCPOLEN_TSTAMP_ALIGNED : 0));
  mss = Math.max(mss, TCP_MIN_SND_MSS);
  if (p !== null && p.enabled) mss = Math.min(mss, mtuToMss(t, p.searchLow));
  t.mss = mss;
  if (t.sb) t.sb.mss = t.mss;
}

/**
 * Linux tcp_mtup_init (at connect and when the connection is established,
 * tcp_init_transfer): the search from `tcp_base_mss` up to the peer's MSS,
 * on when `tcp_mtu_probing` is 2. The state exists only while the sysctl is
 * non-zero (a connection that never probes owns none).
 */
export function mtupInit(tl: TcpLayer, t: Tcb): void {
  const mode = tl.ctx.sysctl.tcp_mtu_probing;
  if (mode === 0 && t.mtup === null) return;
  const p = (t.mtup ??= new MtuProbe());
  p.enabled = mode > 1;
  p.searchHigh = mssClamp(t) + 20 + netHeaderLen(t.remoteAddr);
  p.searchLow = mssToMtu(t, tl.ctx.sysctl.tcp_base_mss);
  p.probeSize = 0;
  if (p.enabled) p.probeTimestamp = tl.ctx.scheduler.now();
}

/**
 * Linux tcp_mtu_probe's decision: the payload of the probe to send now
 * from SND.NXT (> 0), 0 to send nothing now (the probe waits for cwnd or
 * the peer's window), or -1 for no probe (send as usual). `mssNow` is the
 * segment size of this transmission, `inflight` the packets in flight.
 */
export function mtuProbeSize(tl: TcpLayer, t: Tcb, mssNow: number, inflight: number): number {
  const p = t.mtup;
  if (p === null || !p.enabled || p.probeSize !== 0 || t.caState !== "open" || t.cwnd < 11 || (t.ooo !== null && t.ooo.sackCount > 0)) return -1;
  const s = tl.ctx.sysctl;
  const probeSize = mtuToMss(t, (p.searchHigh + p.searchLow) >> 1);
  const sizeNeeded = probeSize + (t.reordering + 1) * t.mss;
  if (probeSize > mtuToMss(t, p.searchHigh) || p.searchHigh - p.searchLow < s.tcp_probe_threshold) {
    // The search is over: after tcp_probe_interval it starts again from the current MSS (tcp_mtu_check_reprobe).
    const now = tl.ctx.scheduler.now();
    if (now - p.probeTimestamp >= s.tcp_probe_interval * SEC) {
      p.probeSize = 0;
      p.searchHigh = mssClamp(t) + 20 + netHeaderLen(t.remoteAddr);
      p.searchLow = mssToMtu(t, mssNow);
      p.probeTimestamp = now;
    }
    return -1;
  }
  if (t.unsentBytes < sizeNeeded || t.sndWnd < sizeNeeded) return -1;
  if (seqGt((t.sndNxt + sizeNeeded) >>> 0, (t.sndUna + t.sndWnd) >>> 0)) return 0;
  // Do not stall with nothing in flight; else wait for room for the probe and one more.
  if (inflight + 2 > t.cwnd) return inflight === 0 ? -1 : 0;
  // tcp_can_coalesce_send_queue_head: the probe may not cross a MSG_EOR record's end.
  if (tl.personality.writeRecords && t.sndBuf.recordLimit((t.sndNxt - t.sndBufSeq) >>> 0, probeSize) < probeSize) return -1;
  return probeSize;
}

/**
 * The probe [seq, seq + len) left (tcp_mtu_probe after tcp_transmit_skb)
 * in a transmission cut at `mssNow`: it counts as two packets, so cwnd
 * gives one back.
 */
export function mtuProbeSent(t: Tcb, seq: number, len: number, mssNow: number): void {
  const p = t.mtup!;
  t.cc.setCwnd(t.cc.cwnd - 1, false);
  p.probeSize = mssToMtu(t, len);
  p.probeSeqStart = seq;
  p.probeSeqEnd = (seq + len) >>> 0;
  p.probeMss = mssNow;
}

/**
 * An ACK moved SND.UNA to `ack` (tcp_clean_rtx_queue): a probe it covers
 * succeeded (tcp_mtup_probe_success) — cwnd rescaled to the bytes in
 * flight at the new size, the probe's MTU the new low end, the MSS synced.
 */
export function mtuProbeAcked(tl: TcpLayer, t: Tcb, ack: number): void {
  const p = t.mtup;
  if (p === null || p.probeSize === 0 || seqGt(p.probeSeqEnd, ack)) return;
  t.cc.setCwnd(Math.floor((t.cc.cwnd * mssToMtu(t, t.mss)) / p.probeSize), true);
  p.searchLow = p.probeSize;
  p.probeSize = 0;
  tcpSyncMss(t);
  const c = tl.ctx.counters;
  c.inc(c.TcpExt, "TCPMTUPSuccess");
}

/**
 * Fast retransmit is due (tcp_fastretrans_alert, before tcp_enter_recovery):
 * when the probe is the first segment missing, the loss is the probe's —
 * it failed (tcp_mtup_probe_failed: the search's high end drops below it),
 * cwnd gets back the segment the probe took, and the caller retransmits
 * without entering recovery (tcp_simple_retransmit). Returns true then.
 */
export function mtuProbeLost(tl: TcpLayer, t: Tcb): boolean {
  const p = t.mtup;
  const st = t.caState;
  if (p === null || p.probeSize === 0 || (st !== "open" && st !== "disorder") || t.sndUna !== p.probeSeqStart) return false;
  p.searchHigh = p.probeSize - 1;
  p.probeSize = 0;
  const c = tl.ctx.counters;
  c.inc(c.TcpExt, "TCPMTUPFail");
  t.cc.setCwnd(t.cc.cwnd + 1, false);
  return true;
}

/** A retransmission (__tcp_retransmit_skb): any probe in flight is abandoned, neither success nor failure. */
export function mtuProbeCancel(t: Tcb): void {
  if (t.mtup !== null) t.mtup.probeSize = 0;
}

/**
 * Black-hole detection (tcp_timer.c tcp_mtu_probing, from tcp_write_timeout
 * once tcp_retries1 RTOs passed without an ACK): with `tcp_mtu_probing` on,
 * the first time turns probing on; later ones halve the search's low end's
 * MSS (not above `tcp_base_mss`, not below `tcp_mtu_probe_floor` and
 * `tcp_min_snd_mss`); the MSS is synced to it.
 */
export function mtuBlackhole(tl: TcpLayer, t: Tcb): void {
  const s = tl.ctx.sysctl;
  if (!s.tcp_mtu_probing) return;
  let p = t.mtup;
  if (p === null) {
    mtupInit(tl, t);
    p = t.mtup!;
  }
  if (!p.enabled) {
    p.enabled = true;
    p.probeTimestamp = tl.ctx.scheduler.now();
  } else {
    let mss = mtuToMss(t, p.searchLow) >> 1;
    mss = Math.min(s.tcp_base_mss, mss);
    mss = Math.max(mss, s.tcp_mtu_probe_floor, s.tcp_min_snd_mss);
    p.searchLow = mssToMtu(t, mss);
  }
  tcpSyncMss(t);
}
