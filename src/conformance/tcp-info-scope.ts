/**
 * The names a `%{ }%` block sees: the `tcp_info` snapshot of the socket
 * under test as `tcpi_<field>` (Linux's names), and the constants
 * packetdrill's Python prelude and the FreeBSD scripts use
 * (`TCPI_ESTABLISHED`/`TCP_ESTABLISHED`, `TCPI_OPT_SACK`, …). State
 * constants carry Linux's numbers, which is what `tcpi_state` holds.
 */
import { TcpState } from "../tcp/tcp-state.js";
import type { Process } from "../sys/process.js";

const STATES: Record<string, TcpState> = {
  ESTABLISHED: TcpState.ESTABLISHED,
  SYN_SENT: TcpState.SYN_SENT,
  SYN_RECV: TcpState.SYN_RECV,
  SYN_RECEIVED: TcpState.SYN_RECV,
  FIN_WAIT1: TcpState.FIN_WAIT1,
  FIN_WAIT_1: TcpState.FIN_WAIT1,
  FIN_WAIT2: TcpState.FIN_WAIT2,
  FIN_WAIT_2: TcpState.FIN_WAIT2,
  TIME_WAIT: TcpState.TIME_WAIT,
  CLOSE: TcpState.CLOSE,
  CLOSED: TcpState.CLOSE,
  CLOSE_WAIT: TcpState.CLOSE_WAIT,
  LAST_ACK: TcpState.LAST_ACK,
  LISTEN: TcpState.LISTEN,
  CLOSING: TcpState.CLOSING,
};

/** tcpi_options bits (Linux include/uapi/linux/tcp.h; FreeBSD uses the same values). */
const OPT_BITS: Record<string, number> = {
  TCPI_OPT_TIMESTAMPS: 1,
  TCPI_OPT_SACK: 2,
  TCPI_OPT_WSCALE: 4,
  TCPI_OPT_ECN: 8,
  TCPI_OPT_ECN_SEEN: 16,
  TCPI_OPT_SYN_DATA: 32,
  TCPI_OPT_TOE: 8,
};

/** tcpi_ca_state values (Linux enum tcp_ca_state), as packetdrill's Python prelude names them. */
const CA_STATES: Record<string, number> = {
  TCP_CA_Open: 0,
  TCP_CA_Disorder: 1,
  TCP_CA_CWR: 2,
  TCP_CA_Recovery: 3,
  TCP_CA_Loss: 4,
  // tcpi_snd_ssthresh before the first loss (Linux TCP_INFINITE_SSTHRESH).
  TCP_INFINITE_SSTHRESH: 0x7fffffff,
};

/**
 * The scope for `fd` of `proc` (a closed or absent socket reads as CLOSED
 * with every other field absent).
 */
export function tcpInfoScope(proc: Process | null, fd: number): Record<string, number> {
  const scope: Record<string, number> = { ...OPT_BITS, ...CA_STATES };
  for (const [name, v] of Object.entries(STATES)) {
    scope[`TCPI_${name}`] = v;
    scope[`TCP_${name}`] = v;
  }
  let info: Record<string, unknown> | null = null;
  if (proc && proc.file(fd)) info = proc.getsockopt(fd, "SOL_TCP", "TCP_INFO") as unknown as Record<string, unknown>;
  if (!info) {
    scope["tcpi_state"] = TcpState.CLOSE;
    return scope;
  }
  for (const [k, v] of Object.entries(info)) {
    if (typeof v === "number") scope[`tcpi_${k}`] = v;
  }
  return scope;
}
