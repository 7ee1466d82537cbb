/**
 * Host personalities: the few places where sockstack can imitate another
 * kernel's defaults, for conformance scripts written against that kernel
 * (docs/personalities.md lists every difference). Linux is the default and
 * the reference; `freebsd` reproduces the defaults the FreeBSD
 * tcp-testsuite scripts expect. A personality is only a set of sysctl
 * values: protocol code reads the sysctl, never the personality name.
 *
 * @example
 * const bsd = net.addHost("bsd", { sysctl: personalitySysctls("freebsd") });
 */
import type { Sysctls } from "./sysctl.js";

/** The personalities sockstack knows. */
export type PersonalityName = "linux" | "freebsd";

/** Every personality name, for argument checking. */
export const PERSONALITIES: readonly PersonalityName[] = ["linux", "freebsd"];

/**
 * The sysctl overrides of a personality (empty for Linux, whose values are
 * `linuxSysctls()`).
 */
export function personalitySysctls(name: PersonalityName): Partial<Sysctls> {
  if (name === "linux") return {};
  return {
    // FreeBSD net.inet.tcp.recvspace / sendspace (tcp_usrreq.c); SO_RCVBUF is
    // reported as set (no doubling).
    tcp_rmem: [4096, 65536, 2097152],
    tcp_wmem: [4096, 32768, 2097152],
    // kern.ipc.maxsockbuf 2 MiB
    rmem_max: 2097152,
    wmem_max: 2097152,
    // tcp_output.c tcp_addoptions: mss, nop, wscale, sackOK, TS; EOL padding.
    tcp_syn_options_bsd: true,
    // tcp_output.c / syncache.c windows, tcp_mss buffer rounding.
    tcp_rcvbuf_bsd: true,
    // tcp_input.c DELAY_ACK, net.inet.tcp.delacktime = 100 ms.
    tcp_delack_bsd: 100_000,
    // tcp_timewait.c tcp_twcheck: a RST in TIME-WAIT is dropped (RFC 1337).
    tcp_rfc1337: true,
    // tcp_timewait.c tcp_twcheck: segments without ACK are dropped, only exact duplicate ACKs go unanswered.
    tcp_twcheck_bsd: true,
    // tcp_output.c tcp_outflags: ACKs in FIN-WAIT-1 / CLOSING / LAST-ACK carry the unacknowledged FIN.
    tcp_ack_fin_bsd: true,
    // tcp_input.c RST processing: so_error ECONNREFUSED in SYN-RECEIVED, ECONNRESET otherwise.
    tcp_reset_errno_bsd: true,
    // syncache.c: challenge ACK for an in-window RST, SYN-ACK at a listener dropped (tcp_input.c).
    tcp_syncache_bsd: true,
    // tcp_input.c: a bound, closed inpcb answers with tcp_dropwithreset (its TOS/TTL).
    tcp_rst_bound_bsd: true,
  };
}
