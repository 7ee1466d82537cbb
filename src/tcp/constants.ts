/**
 * TCP's fixed numbers, with Linux's names and values (include/net/tcp.h),
 * in one place. What a user may change is a sysctl (core/sysctl.ts) or a
 * socket option; these are the constants the kernel compiles in. Times are
 * microseconds (Linux keeps most in jiffies; HZ = 1000 here).
 *
 * @example TCP_RTO_MAX === 120_000_000 // 120 s
 */
import { MS, SEC, type Micros } from "../core/time.js";

/** Linux TCP_TIMEOUT_INIT: the RTO before any sample, and the first SYN-ACK retransmission (RFC 6298 §2.1). */
export const TCP_TIMEOUT_INIT: Micros = 1 * SEC;
/** Linux TCP_RESOURCE_PROBE_INTERVAL: the probe timer's interval while the local qdisc drops what TCP sends (500 ms). */
export const TCP_RESOURCE_PROBE_INTERVAL: Micros = SEC / 2;

/** Linux TCP_RTO_MAX: the largest RTO, persist and SYN-ACK interval (RFC 6298 §2.5 allows a maximum ≥ 60 s). */
export const TCP_RTO_MAX: Micros = 120 * SEC;
/** Linux TCP_RTO_MIN, the default of `tcp_rto_min_us` and the base of the `tcp_retries2` time model (RFC 6298 says 1 s; Linux uses 200 ms). */
export const TCP_RTO_MIN: Micros = 200 * MS;
/** Linux TCP_DELACK_MAX: the longest an ACK is delayed. */
export const TCP_DELACK_MAX: Micros = 200 * MS;
/** Linux TCP_DELACK_MIN: the shortest delayed-ACK timeout (HZ/25). */
export const TCP_DELACK_MIN: Micros = 40 * MS;
/** Linux TCP_ATO_MIN: the delayed-ACK timeout a connection starts with and falls back to (HZ/25). */
export const TCP_ATO_MIN: Micros = 40 * MS;
/** Linux TCP_MAX_QUICKACKS: the most segments ACKed at once after the start or an idle period. */
export const TCP_MAX_QUICKACKS = 16;
/** Linux TCP_TIMEWAIT_LEN: how long TIME-WAIT lasts (2·MSL, RFC 9293). */
export const TCP_TIMEWAIT_LEN: Micros = 60 * SEC;
/** Linux TCP_FIN_TIMEOUT_MAX: the largest TCP_LINGER2 (an orphan's FIN-WAIT-2 lifetime). */
export const TCP_FIN_TIMEOUT_MAX: Micros = 120 * SEC;
/** Linux TCP_PAWS_24DAYS: TS.Recent older than this is invalid for PAWS (RFC 7323 §5.5). */
export const TCP_PAWS_24DAYS: Micros = 24 * 24 * 3600 * SEC;

/** Linux TCP_MSS_DEFAULT: the MSS assumed when the peer announced none (RFC 9293 §3.7.1; RFC 879). */
export const TCP_MSS_DEFAULT = 536;
/** Linux TCP_MIN_MSS: the smallest TCP_MAXSEG and receive-MSS guess. */
export const TCP_MIN_MSS = 88;
/** Linux TCP_MIN_SND_MSS: the smallest send MSS (the default of `tcp_min_snd_mss`). */
export const TCP_MIN_SND_MSS = 48;
/** Linux MAX_TCP_WINDOW: the largest unscaled window, and the largest TCP_MAXSEG. */
export const MAX_TCP_WINDOW = 32767;
/** Linux TCP_MAX_WSCALE: the largest window scale (RFC 7323 §2.3). */
export const TCP_MAX_WSCALE = 14;
/** Linux IP_MAX_MTU: IPv4 cannot carry more than 65535 bytes (lo's MTU 65536 gives a path MTU of 65535). */
export const IP_MAX_MTU = 65535;
/** The largest MSS announced: IP_MAX_MTU less the IPv4 and TCP headers (Linux ipv4_default_advmss). */
export const TCP_MAX_ADV_MSS = IP_MAX_MTU - 40;
/** Linux TCPOLEN_TSTAMP_ALIGNED: the timestamp option with its two NOPs. */
export const TCPOLEN_TSTAMP_ALIGNED = 12;

/** Linux MAX_TCP_HEADER on 6.18 x86_64 with this kernel's configuration (no WLAN, no IP tunnels; see send-skbs.ts). */
export const MAX_TCP_HEADER = 192;
/**
 * `sk_gso_max_size` of sockstack's devices: Linux sk_setup_caps takes the
 * device's GSO_LEGACY_MAX_SIZE (65536) less MAX_TCP_HEADER + 1 — 65343. It
 * bounds an skb (tcp_xmit_size_goal) and a TSO burst (tcp_tso_autosize).
 */
export const SK_GSO_MAX_SIZE = 65536 - MAX_TCP_HEADER - 1;
/** `sk_gso_max_segs` of sockstack's devices: Linux GSO_MAX_SEGS (65535), tcp_tso_segs' cap on segments per skb. */
export const SK_GSO_MAX_SEGS = 65535;
