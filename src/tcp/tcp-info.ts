/**
 * A `tcp_info`-like snapshot of a connection (Linux `struct tcp_info`,
 * what `getsockopt(TCP_INFO)` and `ss -i` report), for tests, the script
 * runner's `%{ assert tcpi_… }%` blocks and the tools. Times are in µs
 * like Linux's (except `lastDataSent`… in ms, as Linux reports them).
 */
import type { Micros } from "../core/time.js";
import { TCP_INFINITE_SSTHRESH } from "./congestion/congestion-control.js";
import type { Tcb } from "./tcb.js";
import { TcpState } from "./tcp-state.js";
import { TCP_ECN_OK, TCP_ECN_SEEN } from "./ecn.js";
import { chronoStats } from "./chrono.js";
import type { BbrInfo } from "./congestion/congestion-control.js";
import { maxPacingRate, pacingRate } from "./pacing.js";

/** tcpi_options bits. */
export const TCPI_OPT_TIMESTAMPS = 1;
export const TCPI_OPT_SACK = 2;
export const TCPI_OPT_WSCALE = 4;
/** ECN was negotiated (RFC 3168; Linux TCP_ECN_OK). */
export const TCPI_OPT_ECN = 8;
/** ECT or CE data arrived (Linux TCP_ECN_SEEN). */
export const TCPI_OPT_ECN_SEEN = 16;
/** The SYN's data was acknowledged (TCP Fast Open, either side). */
export const TCPI_OPT_SYN_DATA = 32;

/** tcpi_pacing_rate / tcpi_max_pacing_rate "no limit" (Linux ~0ULL; as a JS number, 2^64 rounded). */
export const TCPI_RATE_UNLIMITED = 2 ** 64 - 1;

/** Linux tcp_ca_state numbers. */
const CA_STATE = { open: 0, disorder: 1, cwr: 2, recovery: 3, loss: 4 } as const;

/** The snapshot; field names follow Linux's `tcpi_` fields without the prefix. */
export interface TcpInfo {
  state: TcpState;
  ca_state: number;
  retransmits: number;
  probes: number;
  backoff: number;
  options: number;
  /** Why the last active Fast Open failed (Linux tcpi_fastopen_client_fail: 1 no cookie, 2 data not acknowledged, 3 SYN retransmitted). */
  fastopen_client_fail: number;
  snd_wscale: number;
  rcv_wscale: number;
  /** µs */
  rto: number;
  /** µs */
  ato: number;
  snd_mss: number;
  rcv_mss: number;
  /** Segments sent and not acknowledged (Linux packets_out). */
  unacked: number;
  sacked: number;
  lost: number;
  retrans: number;
  /** ms since the last data was sent / received, the last ACK received. */
  last_data_sent: number;
  last_data_recv: number;
  last_ack_recv: number;
  pmtu: number;
  rcv_ssthresh: number;
  /** µs */
  rtt: number;
  /** µs */
  rttvar: number;
  snd_ssthresh: number;
  snd_cwnd: number;
  advmss: number;
  reordering: number;
  /** Times reordering was detected (Linux tcpi_reord_seen; RACK's evidence, tcp/rack.ts). */
  reord_seen: number;
  /** Segments delivered: acknowledged or SACKed, the SYN (or SYN-ACK) counting one (Linux tcpi_delivered). */
  delivered: number;
  rcv_space: number;
  total_retrans: number;
  bytes_sent: number;
  bytes_retrans: number;
  bytes_acked: number;
  bytes_received: number;
  segs_out: number;
  segs_in: number;
  data_segs_out: number;
  data_segs_in: number;
  notsent_bytes: number;
  /** µs */
  min_rtt: number;
  snd_wnd: number;
  rcv_wnd: number;
  /** Segments the peer acknowledged with ECN-Echo (Linux tcpi_delivered_ce). */
  delivered_ce: number;
  /** Bytes per second the connection paces at (Linux sk_pacing_rate; for an unpaced window-based flow, tcp_update_pacing_rate's value, as Linux reports it). */
  pacing_rate: number;
  /** SO_MAX_PACING_RATE, bytes per second ({@link TCPI_RATE_UNLIMITED}: none). */
  max_pacing_rate: number;
  /** The last delivery-rate sample kept, bytes per second (0 without rate sampling: sockstack samples only for BBR). */
  delivery_rate: number;
  /** That sample was application-limited (1/0). */
  delivery_rate_app_limited: number;
  /** µs the connection had data to send or acknowledge (Linux tcpi_busy_time; chrono.ts). */
  busy_time: number;
  /** µs of that the peer's receive window limited it (tcpi_rwnd_limited). */
  rwnd_limited: number;
  /** µs of that the send buffer limited it (tcpi_sndbuf_limited). */
  sndbuf_limited: number;
  /** sockstack extras for tools: the congestion-control name and buffer fill. */
  cc: string;
  /** BBR's model (Linux `struct tcp_bbr_info`, `ss -i`'s `bbr:(…)`, TCP_CC_INFO), or null for other algorithms. */
  bbr: BbrInfo | null;
  send_q: number;
  recv_q: number;
}

/**
 * Takes the snapshot at time `now`.
 * @example
 * import type { Tcb } from "./tcb.js";
 * declare const tcb: Tcb;
 * const info = tcpInfo(tcb, net.now()); info.snd_cwnd === 10
 */
export function tcpInfo(t: Tcb, now: Micros): TcpInfo {
  const mss = t.mss || 1;
  const unacked = t.state === TcpState.LISTEN ? 0 : Math.ceil(((t.sndMax - t.sndUna) >>> 0) / mss);
  const ms = (at: Micros) => (at > 0 ? Math.floor((now - at) / 1000) : 0);
  const chrono = chronoStats(t, now);
  const ssthresh = t.cc.ssthresh >= TCP_INFINITE_SSTHRESH ? TCP_INFINITE_SSTHRESH : t.cc.ssthresh;
  return {
    state: t.state,
    ca_state: CA_STATE[t.cc.state],
    retransmits: t.retransmits,
    probes: t.probesOut,
    backoff: t.rtt.backoffs,
    options: (t.tsOk ? TCPI_OPT_TIMESTAMPS : 0) | (t.sackOk ? TCPI_OPT_SACK : 0) | (t.wscaleOk ? TCPI_OPT_WSCALE : 0) |
      (t.fo?.synDataAcked ? TCPI_OPT_SYN_DATA : 0) | (t.ecnFlags & TCP_ECN_OK ? TCPI_OPT_ECN : 0) | (t.ecnFlags & TCP_ECN_SEEN ? TCPI_OPT_ECN_SEEN : 0),
    fastopen_client_fail: t.fo?.clientFail ?? 0,
    snd_wscale: t.sndWscale,
    rcv_wscale: t.rwin ? t.rwin.rcvWscale : 0,
    rto: t.rtt.rto,
    ato: t.ato,
    snd_mss: t.mss,
    rcv_mss: t.rcvMss,
    unacked,
    sacked: t.sb ? Math.ceil(t.sb.sackedBytes / mss) : 0,
    lost: t.sentLog ? t.sentLog.lostSegs : 0,
    retrans: t.retransOut,
    last_data_sent: ms(t.lastDataSent),
    last_data_recv: ms(t.lastDataRecv),
    last_ack_recv: ms(t.lastAckRecv),
    pmtu: t.pmtu,
    rcv_ssthresh: t.rwin ? t.rwin.rcvSsthresh : 0,
    rtt: t.rtt.srtt,
    rttvar: t.rtt.rttvar,
    snd_ssthresh: ssthresh,
    snd_cwnd: t.cc.cwnd,
    // Linux reports tp->advmss less the timestamp option once negotiated (65495 → 65483 on lo).
    advmss: t.advMss - (t.tsOk ? 12 : 0),
    reordering: t.reordering,
    reord_seen: t.sentLog ? t.sentLog.reordSeen : 0,
    delivered: t.delivered + (t.synDelivered ? 1 : 0),
    rcv_space: t.rwin ? Math.min(t.rwin.rcvSsthresh, t.rwin.rcvWnd) : 0,
    total_retrans: t.totalRetrans,
    bytes_sent: t.bytesSent + t.bytesRetrans,
    bytes_retrans: t.bytesRetrans,
    bytes_acked: t.bytesAcked,
    bytes_received: t.bytesReceived,
    segs_out: t.segsOut,
    segs_in: t.segsIn,
    data_segs_out: t.dataSegsOut,
    data_segs_in: t.dataSegsIn,
    notsent_bytes: t.unsentBytes,
    min_rtt: t.rtt.minRtt,
    snd_wnd: t.sndWnd,
    rcv_wnd: t.rwin ? t.rwin.rcvWnd : 0,
    delivered_ce: t.deliveredCe,
    pacing_rate: t.state === TcpState.LISTEN ? 0 : rateOrUnlimited(pacingRate(t)),
    max_pacing_rate: rateOrUnlimited(maxPacingRate(t) === 0xffffffff ? Infinity : maxPacingRate(t)),
    delivery_rate: t.sentLog?.rate ? t.sentLog.rate.deliveryRate(mss) : 0,
    delivery_rate_app_limited: t.sentLog?.rate?.rateAppLimited ? 1 : 0,
    busy_time: chrono.busy,
    rwnd_limited: chrono.rwnd,
    sndbuf_limited: chrono.sndbuf,
    cc: t.cc.name,
    bbr: t.cc.info ? t.cc.info(mss) : null,
    send_q: t.sndBuf.length,
    recv_q: t.rcvBuf.length,
  };
}

function rateOrUnlimited(r: number): number {
  return r === Infinity ? TCPI_RATE_UNLIMITED : Math.floor(r);
}
