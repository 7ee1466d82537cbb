/**
 * Host personalities: the few places where sockstack can imitate another
 * kernel's defaults, for conformance scripts written against that kernel
 * (docs/personalities.md lists every difference). Linux is the default and
 * the reference; `freebsd` reproduces the defaults the FreeBSD
 * tcp-testsuite scripts expect. A personality is a set of sysctl values;
 * among them `tcp_personality` selects TCP's behaviour where the kernels
 * differ (tcp/personality/, one file per kernel). Protocol code asks that
 * strategy object and never tests a personality's name.
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
    // TCP's behaviour where FreeBSD and Linux differ: tcp/personality/freebsd.ts.
    tcp_personality: "freebsd",
    // tcp_input.c DELAY_ACK, net.inet.tcp.delacktime = 100 ms.
    tcp_delacktime: 100_000,
    // tcp_timewait.c tcp_twcheck: a RST in TIME-WAIT is dropped (RFC 1337).
    tcp_rfc1337: true,
    // FreeBSD's default stack detects loss by DupThresh (tcp_input.c) and sends no tail loss
    // probes: RACK-TLP (tcp/rack.ts, tcp/tlp.ts) stays off.
    tcp_recovery: 0,
    tcp_early_retrans: 0,
    // The restart window after idle (Linux tcp_cwnd_restart) is Linux's; the FreeBSD personality
    // keeps its cwnd.
    tcp_slow_start_after_idle: false,
  };
}
