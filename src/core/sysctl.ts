/**
 * Host sysctls: every behaviour knob where Linux made a choice lives here,
 * under its Linux name, with the value of a Linux 6.x kernel (read off
 * `/proc/sys/net` of this project's machines, kernel 6.18, except
 * `tcp_congestion_control`, whose upstream default is cubic). A host
 * personality (see host/) may override them.
 */
import type { PersonalityName } from "./personality.js";
import type { Micros } from "./time.js";
import { SEC } from "./time.js";

/** The sysctl table of one host. Names follow `net.ipv4.*` / `net.core.*`. */
export interface Sysctls {
  /** net.ipv4.ip_local_port_range: ephemeral ports, inclusive. */
  ip_local_port_range: [number, number];
  /** net.ipv4.ip_default_ttl */
  ip_default_ttl: number;
  /** net.ipv4.ip_forward: route packets between interfaces. */
  ip_forward: boolean;
  /** net.ipv4.ipfrag_time (µs here; seconds in /proc). */
  ipfrag_time: Micros;
  /**
   * net.ipv4.ipfrag_high_thresh: reassembly memory cap in bytes (queues and
   * fragments charged at truesize); over it, new fragments are dropped.
   */
  ipfrag_high_thresh: number;
  /**
   * net.ipv4.ipfrag_low_thresh: obsolete since Linux 4.17 (it was where the
   * evictor stopped); kept, like Linux, with no effect. See ip/reassembly.ts.
   */
  ipfrag_low_thresh: number;
  /** net.ipv4.icmp_echo_ignore_all */
  icmp_echo_ignore_all: boolean;
  /** net.ipv4.icmp_ratelimit: minimum gap between rate-limited ICMP errors, µs (ms in /proc). */
  icmp_ratelimit: Micros;
  /** net.core.somaxconn: cap on listen() backlogs. */
  somaxconn: number;
  /** net.core.rmem_default / wmem_default (UDP and others). */
  rmem_default: number;
  wmem_default: number;
  /** net.core.rmem_max / wmem_max: cap for SO_RCVBUF / SO_SNDBUF. */
  rmem_max: number;
  wmem_max: number;
  /** net.ipv4.udp_rmem_min */
  udp_rmem_min: number;
  /** net.ipv4.tcp_rmem: min, default, max receive buffer. */
  tcp_rmem: [number, number, number];
  /** net.ipv4.tcp_wmem: min, default, max send buffer. */
  tcp_wmem: [number, number, number];
  tcp_syncookies: number;
  tcp_tw_reuse: number;
  /** tcp_fin_timeout in µs (seconds in /proc). */
  tcp_fin_timeout: Micros;
  /** tcp_keepalive_time in µs (seconds in /proc). */
  tcp_keepalive_time: Micros;
  /** tcp_keepalive_intvl in µs (seconds in /proc). */
  tcp_keepalive_intvl: Micros;
  tcp_keepalive_probes: number;
  tcp_syn_retries: number;
  tcp_synack_retries: number;
  tcp_syn_linear_timeouts: number;
  tcp_retries1: number;
  tcp_retries2: number;
  tcp_orphan_retries: number;
  tcp_max_syn_backlog: number;
  tcp_abort_on_overflow: boolean;
  tcp_sack: boolean;
  tcp_dsack: boolean;
  tcp_timestamps: boolean;
  tcp_window_scaling: boolean;
  tcp_congestion_control: string;
  tcp_slow_start_after_idle: boolean;
  tcp_moderate_rcvbuf: boolean;
  tcp_adv_win_scale: number;
  tcp_challenge_ack_limit: number;
  tcp_rfc1337: boolean;
  tcp_max_tw_buckets: number;
  tcp_min_snd_mss: number;
  tcp_base_mss: number;
  tcp_reordering: number;
  /** net.ipv4.tcp_max_reordering: cap on the reordering degree learned per connection. */
  tcp_max_reordering: number;
  tcp_early_retrans: number;
  tcp_autocorking: boolean;
  /** tcp_rto_min_us (µs). */
  tcp_rto_min: Micros;
  /** tcp_invalid_ratelimit (µs; ms in /proc). */
  tcp_invalid_ratelimit: Micros;
  tcp_notsent_lowat: number;
  tcp_ecn: number;
  /**
   * Accept an in-window RST that is not exactly at rcv.nxt (RFC 793; FreeBSD
   * `net.inet.tcp.insecure_rst=1`). false (Linux, always): RFC 5961 §3 —
   * only an exact match resets, others get a challenge ACK.
   */
  tcp_insecure_rst: boolean;
  /**
   * An in-window SYN in a synchronized state resets the connection (RFC 793;
   * FreeBSD `net.inet.tcp.insecure_syn=1`). false (Linux, always): RFC 5961
   * §4 challenge ACK.
   */
  tcp_insecure_syn: boolean;
  /**
   * Not a Linux sysctl: which kernel TCP imitates where kernels differ
   * (tcp/personality/: SYN option layout, receive windows, delayed ACK,
   * TIME-WAIT, RST errors, syncache, RSTs for bound sockets). "linux", the
   * default, is the reference; core/personality.ts sets "freebsd" with the
   * rest of FreeBSD's defaults.
   */
  tcp_personality: PersonalityName;
  /**
   * FreeBSD `net.inet.tcp.delacktime` (µs, 100 ms): the fixed delayed-ACK
   * timeout of the freebsd personality (no quick-ACK mode, every second
   * in-order segment ACKed at once). Linux's adaptive ATO ignores it.
   */
  tcp_delacktime: Micros;
  /**
   * Drop every segment with both SYN and FIN set, in any state (FreeBSD
   * `net.inet.tcp.drop_synfin`, off by default there too). false (Linux,
   * always): a SYN|FIN is processed as a SYN.
   */
  tcp_drop_synfin: boolean;
}

/** The Linux defaults (see the module comment for their source). */
export function linuxSysctls(): Sysctls {
  return {
    ip_local_port_range: [32768, 60999],
    ip_default_ttl: 64,
    ip_forward: false,
    ipfrag_time: 30 * SEC,
    ipfrag_high_thresh: 4194304,
    ipfrag_low_thresh: 3145728,
    icmp_echo_ignore_all: false,
    icmp_ratelimit: 1000_000, // 1000 ms
    somaxconn: 4096,
    rmem_default: 212992,
    wmem_default: 212992,
    rmem_max: 4194304,
    wmem_max: 4194304,
    udp_rmem_min: 4096,
    tcp_rmem: [4096, 131072, 33554432],
    tcp_wmem: [4096, 16384, 4194304],
    tcp_syncookies: 1,
    tcp_tw_reuse: 2,
    tcp_fin_timeout: 60 * SEC,
    tcp_keepalive_time: 7200 * SEC,
    tcp_keepalive_intvl: 75 * SEC,
    tcp_keepalive_probes: 9,
    tcp_syn_retries: 6,
    tcp_synack_retries: 5,
    tcp_syn_linear_timeouts: 4,
    tcp_retries1: 3,
    tcp_retries2: 15,
    tcp_orphan_retries: 0,
    tcp_max_syn_backlog: 2048,
    tcp_abort_on_overflow: false,
    tcp_sack: true,
    tcp_dsack: true,
    tcp_timestamps: true,
    tcp_window_scaling: true,
    tcp_congestion_control: "cubic",
    tcp_slow_start_after_idle: true,
    tcp_moderate_rcvbuf: true,
    tcp_adv_win_scale: 1,
    tcp_challenge_ack_limit: 2147483647,
    tcp_rfc1337: false,
    tcp_max_tw_buckets: 131072,
    tcp_min_snd_mss: 48,
    tcp_base_mss: 1024,
    tcp_reordering: 3,
    tcp_max_reordering: 300,
    tcp_early_retrans: 3,
    tcp_autocorking: true,
    tcp_rto_min: 200_000,
    tcp_invalid_ratelimit: 500_000,
    tcp_notsent_lowat: 4294967295,
    tcp_ecn: 2,
    tcp_insecure_rst: false,
    tcp_insecure_syn: false,
    tcp_personality: "linux",
    tcp_delacktime: 100_000,
    tcp_drop_synfin: false,
  };
}
