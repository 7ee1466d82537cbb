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
  /**
   * net.ipv4.tcp_fastopen: TCP Fast Open bits (RFC 7413; tcp/fastopen.ts):
   * 0x1 client, 0x2 server, 0x4 client without cookie, 0x200 server
   * without cookie, 0x400 every listener without TCP_FASTOPEN.
   */
  tcp_fastopen: number;
  /** net.ipv4.tcp_fastopen_blackhole_timeout_sec: pause after a Fast Open blackhole, seconds (0: detection off). */
  tcp_fastopen_blackhole_timeout_sec: number;
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
  /** net.ipv4.tcp_base_mss: the MSS MTU probing starts its search from (search_low; tcp/mtu-probe.ts). */
  tcp_base_mss: number;
  /** net.ipv4.tcp_mtu_probing: 0 off, 1 on after a black hole is detected (RTOs), 2 always (RFC 4821 PLPMTUD, tcp/mtu-probe.ts). */
  tcp_mtu_probing: number;
  /** net.ipv4.tcp_probe_interval: seconds after which MTU probing searches again from the current MSS. */
  tcp_probe_interval: number;
  /** net.ipv4.tcp_probe_threshold: MTU probing stops when its search range is narrower (bytes). */
  tcp_probe_threshold: number;
  /** net.ipv4.tcp_mtu_probe_floor: the smallest MSS black-hole detection falls back to. */
  tcp_mtu_probe_floor: number;
  tcp_reordering: number;
  /** net.ipv4.tcp_max_reordering: cap on the reordering degree learned per connection. */
  tcp_max_reordering: number;
  /** Tail loss probes (RFC 8985 §7) when 3 or 4 (Linux's default 3); 0–2: none. */
  tcp_early_retrans: number;
  /** net.ipv4.tcp_frto: F-RTO (RFC 5682, SACK-enhanced) after an RTO of a RACK connection when not 0 (Linux's default 2). */
  tcp_frto: number;
  /** net.ipv4.tcp_recovery: 0x1 RACK loss detection (RFC 8985), 0x2 static reordering window, 0x4 no DupThresh shortcut. */
  tcp_recovery: number;
  tcp_autocorking: boolean;
  /** tcp_rto_min_us (µs). */
  tcp_rto_min: Micros;
  /** tcp_invalid_ratelimit (µs; ms in /proc). */
  tcp_invalid_ratelimit: Micros;
  tcp_notsent_lowat: number;
  /** net.ipv4.tcp_min_tso_segs: the fewest segments a GSO packet is sized for (Linux tcp_tso_autosize; pacing.ts burstSegs). */
  tcp_min_tso_segs: number;
  /**
   * ECN (RFC 3168; tcp/ecn.ts): 0 off, 1 request it on outgoing connections
   * and accept it on incoming ones, 2 (Linux's default) accept only. Linux's
   * 3–5 add Accurate ECN, which sockstack lacks (3 and 4 request classic
   * ECN, 5 accepts only).
   */
  tcp_ecn: number;
  /** tcp_ecn_fallback: a retransmitted SYN drops ECE|CWR (RFC 3168 §6.1.1.1; Linux default 1). */
  tcp_ecn_fallback: boolean;
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
   * FreeBSD `net.inet.tcp.keepinit` (µs, 75 s): how long an active open may
   * take before connect() fails with ETIMEDOUT (tcp_timer_keep before
   * ESTABLISHED), the default of the socket's TCP_KEEPINIT; used by the
   * freebsd personality only (Linux bounds a connect by `tcp_syn_retries`).
   */
  tcp_keepinit: Micros;
  /**
   * FreeBSD `net.inet.tcp.ecn.maxretries` (1): how many retransmissions of an
   * ECN-setup SYN still carry ECE|CWR before ECN is given up; freebsd
   * personality only (Linux: `tcp_ecn_fallback`).
   */
  tcp_ecn_maxretries: number;
  /**
   * FreeBSD `net.inet.tcp.rexmit_drop_options` (false): from the third
   * retransmission on, an active open's SYNs carry the MSS option alone
   * (for middleboxes that drop unknown options); freebsd personality only.
   */
  tcp_rexmit_drop_options: boolean;
  /**
   * Drop every segment with both SYN and FIN set, in any state (FreeBSD
   * `net.inet.tcp.drop_synfin`, off by default there too). false (Linux,
   * always): a SYN|FIN is processed as a SYN.
   */
  tcp_drop_synfin: boolean;
  /**
   * net.ipv4.neigh.default.base_reachable_time_ms (µs here): a neighbour
   * confirmed this long ago (times a random factor in [0.5, 1.5), redrawn
   * every 300 s, from the host's RNG) is no longer REACHABLE.
   */
  neigh_base_reachable_time: Micros;
  /** net.ipv4.neigh.default.retrans_time_ms (µs here): the gap between ARP probes. */
  neigh_retrans_time: Micros;
  /** net.ipv4.neigh.default.delay_first_probe_time (µs here; seconds in /proc): DELAY before the first unicast probe. */
  neigh_delay_first_probe_time: Micros;
  /** net.ipv4.neigh.default.mcast_solicit: broadcast requests before an unresolved neighbour FAILS. */
  neigh_mcast_solicit: number;
  /** net.ipv4.neigh.default.ucast_solicit: unicast probes of a PROBE neighbour before it FAILS. */
  neigh_ucast_solicit: number;
  /** net.ipv4.neigh.default.app_solicit: probes left to a user-space daemon (none in sockstack: must stay 0). */
  neigh_app_solicit: number;
  /** net.ipv4.neigh.default.mcast_resolicit: broadcast probes after the unicast ones of PROBE. */
  neigh_mcast_resolicit: number;
  /** net.ipv4.neigh.default.unres_qlen_bytes: packets (charged at truesize) queued per unresolved neighbour. */
  neigh_unres_qlen_bytes: number;
  /** net.ipv4.neigh.default.locktime (µs here; centiseconds in /proc): an entry updated more recently keeps its MAC against a non-gratuitous ARP. */
  neigh_locktime: Micros;
  /** net.ipv4.neigh.default.proxy_delay (µs here; centiseconds in /proc): a proxy ARP reply to a broadcast request waits a random time below this. */
  neigh_proxy_delay: Micros;
  /** net.ipv4.neigh.default.gc_thresh1: below this many entries the garbage collector leaves the table alone. */
  neigh_gc_thresh1: number;
  /** net.ipv4.neigh.default.gc_thresh2: the soft limit; above it a new entry forces a collection (at most every 5 s). */
  neigh_gc_thresh2: number;
  /** net.ipv4.neigh.default.gc_thresh3: the hard limit; a new entry beyond it fails ("neighbour table overflow"). */
  neigh_gc_thresh3: number;
  /** net.ipv4.neigh.default.gc_stale_time (µs here; seconds in /proc): an entry unused this long may be collected. */
  neigh_gc_stale_time: Micros;
  /** net.ipv4.neigh.default.gc_interval: kept for completeness; Linux's collector runs every base_reachable_time/2 and ignores it. */
  neigh_gc_interval: Micros;
  /** net.ipv4.conf.all.arp_ignore: 0 answers for any local address; 1 only for addresses of the receiving interface; 2 also requires the sender in that subnet. */
  arp_ignore: number;
  /** net.ipv4.conf.all.arp_announce: 0 any local source address in requests; 1 prefer one in the target's subnet; 2 always the best for the target. */
  arp_announce: number;
  /** net.ipv4.conf.all.arp_notify: 1 sends a gratuitous ARP when an interface comes up or gets an address. */
  arp_notify: number;
  /** net.ipv4.conf.all.arp_accept: 1 creates entries from unsolicited gratuitous ARP / replies (0 only updates existing ones). */
  arp_accept: number;
  /** net.ipv4.conf.all.proxy_arp: answer requests for addresses routed through another interface (with ip_forward). */
  proxy_arp: boolean;
  /**
   * net.ipv6.conf.all.disable_ipv6. Linux's default is 0; sockstack's is
   * true for now (a documented difference, docs/ipv6.md): with it, a host
   * has `::1` on `lo` and IPv6 works over loopback, but its Ethernet
   * interfaces neither configure link-local addresses nor send DAD and
   * router solicitations — so IPv4-only scenarios keep their packet
   * traces and random streams. Set it false (`Host.enableIpv6()`) for
   * Linux's behaviour.
   */
  disable_ipv6: boolean;
  /** net.ipv6.conf.all.forwarding: route IPv6 packets between interfaces (and act as a router: no RA processing, joins ff02::2). */
  ipv6_forwarding: boolean;
  /** net.ipv6.conf.all.accept_redirects: a host takes ICMPv6 redirects (never while forwarding, as Linux). */
  ipv6_accept_redirects: boolean;
  /** net.ipv6.conf.default.hop_limit */
  ipv6_hop_limit: number;
  /** net.ipv6.ip6frag_time (µs here; seconds in /proc). */
  ip6frag_time: Micros;
  /** net.ipv6.ip6frag_high_thresh: IPv6 reassembly memory cap in bytes (its own, as Linux's per-family fqdir). */
  ip6frag_high_thresh: number;
  /** net.ipv6.icmp.ratelimit: minimum gap between rate-limited ICMPv6 messages per destination, µs (ms in /proc). */
  icmpv6_ratelimit: Micros;
  /** net.ipv6.icmp.echo_ignore_all */
  icmpv6_echo_ignore_all: boolean;
  /**
   * net.ipv4.ping_group_range: the groups that may create ping sockets
   * (both families). The kernel's default `1 0` (an empty range) allows
   * nobody; sockstack's processes are group 0, so `[0, 0]` allows them.
   */
  ping_group_range: [number, number];
  /** net.ipv6.conf.default.dad_transmits: neighbour solicitations per duplicate address detection (0: none). */
  ipv6_dad_transmits: number;
  /** net.ipv6.conf.default.accept_dad: 0 no DAD; 1 DAD (a duplicate disables the address). */
  ipv6_accept_dad: number;
  /** net.ipv6.conf.default.router_solicitations: RS to send at start (-1: until a router answers). */
  ipv6_router_solicitations: number;
  /** net.ipv6.conf.default.router_solicitation_interval (µs). */
  ipv6_router_solicitation_interval: Micros;
  /** net.ipv6.conf.default.router_solicitation_max_interval (µs): the backoff's cap once the first ones went unanswered. */
  ipv6_router_solicitation_max_interval: Micros;
  /** net.ipv6.conf.default.router_solicitation_delay (µs): the random delay before the first RS and DAD. */
  ipv6_router_solicitation_delay: Micros;
  /** net.ipv6.conf.default.accept_ra: process router advertisements (when not forwarding). */
  ipv6_accept_ra: number;
  /** net.ipv6.conf.default.autoconf: SLAAC addresses from RA prefix information. */
  ipv6_autoconf: boolean;
  /** net.ipv6.conf.default.accept_source_route: 0 (and -1) refuse type 0 routing headers with segments left (RFC 5095). */
  ipv6_accept_source_route: number;
  /** net.ipv6.route.mtu_expires (µs): how long a path MTU learned from Packet Too Big holds. */
  ip6_rt_mtu_expires: Micros;
  /**
   * net.ipv6.auto_flowlabels: automatic flow labels (a hash of the flow)
   * — 0 off, 1 on unless a socket opts out (IPV6_AUTOFLOWLABEL 0), 2 off
   * unless a socket opts in, 3 always.
   */
  ipv6_auto_flowlabels: number;
  /** net.ipv6.bindv6only: the default of IPV6_V6ONLY for new AF_INET6 sockets. */
  ipv6_bindv6only: boolean;

}

/** The Linux defaults (see the module comment for their source). */
export function linuxSysctls(): Sysctls {
  return {
    ip_local_port_range: [32768, 60999],
    ip_default_ttl: 64,
    ip_forward: false,
    neigh_base_reachable_time: 30 * SEC,
    neigh_retrans_time: 1 * SEC,
    neigh_delay_first_probe_time: 5 * SEC,
    neigh_mcast_solicit: 3,
    neigh_ucast_solicit: 3,
    neigh_app_solicit: 0,
    neigh_mcast_resolicit: 0,
    neigh_unres_qlen_bytes: 212992,
    neigh_locktime: 1 * SEC,
    neigh_proxy_delay: 800_000,
    neigh_gc_thresh1: 128,
    neigh_gc_thresh2: 512,
    neigh_gc_thresh3: 1024,
    neigh_gc_stale_time: 60 * SEC,
    neigh_gc_interval: 30 * SEC,
    arp_ignore: 0,
    arp_announce: 0,
    arp_notify: 0,
    arp_accept: 0,
    proxy_arp: false,
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
    tcp_fastopen: 1,
    tcp_fastopen_blackhole_timeout_sec: 0,
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
    tcp_mtu_probing: 0,
    tcp_probe_interval: 600,
    tcp_probe_threshold: 8,
    tcp_mtu_probe_floor: 48,
    tcp_reordering: 3,
    tcp_max_reordering: 300,
    tcp_early_retrans: 3,
    tcp_frto: 2,
    tcp_recovery: 1,
    tcp_autocorking: true,
    tcp_rto_min: 200_000,
    tcp_invalid_ratelimit: 500_000,
    tcp_notsent_lowat: 4294967295,
    tcp_min_tso_segs: 2,
    tcp_ecn: 2,
    tcp_ecn_fallback: true,
    tcp_insecure_rst: false,
    tcp_insecure_syn: false,
    tcp_personality: "linux",
    tcp_delacktime: 100_000,
    tcp_keepinit: 75_000_000,
    tcp_ecn_maxretries: 1,
    tcp_rexmit_drop_options: false,
    tcp_drop_synfin: false,
    disable_ipv6: true,
    ipv6_forwarding: false,
    ipv6_accept_redirects: true,
    ipv6_hop_limit: 64,
    ip6frag_time: 60 * SEC,
    ip6frag_high_thresh: 4194304,
    icmpv6_ratelimit: 100_000, // 100 ms
    icmpv6_echo_ignore_all: false,
    ping_group_range: [1, 0],
    ipv6_dad_transmits: 1,
    ipv6_accept_dad: 1,
    ipv6_router_solicitations: -1,
    ipv6_router_solicitation_interval: 4 * SEC,
    ipv6_router_solicitation_max_interval: 3600 * SEC,
    ipv6_router_solicitation_delay: 1 * SEC,
    ipv6_accept_ra: 1,
    ipv6_autoconf: true,
    ipv6_accept_source_route: 0,
    ip6_rt_mtu_expires: 600 * SEC,
    ipv6_auto_flowlabels: 1,
    ipv6_bindv6only: false,
  };
}
