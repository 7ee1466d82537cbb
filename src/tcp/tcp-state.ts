/**
 * TCP connection states (RFC 9293 §3.3.2) with Linux's numbering
 * (`include/net/tcp_states.h`, what `tcpi_state` and `ss` report) and both
 * spellings: the RFC's for traces (`SYN-RECEIVED`) and ss's (`SYN-RECV`).
 */

/** Linux state numbers. */
export enum TcpState {
  ESTABLISHED = 1,
  SYN_SENT = 2,
  SYN_RECV = 3,
  FIN_WAIT1 = 4,
  FIN_WAIT2 = 5,
  TIME_WAIT = 6,
  CLOSE = 7,
  CLOSE_WAIT = 8,
  LAST_ACK = 9,
  LISTEN = 10,
  CLOSING = 11,
}

const RFC_NAMES = [
  "", "ESTABLISHED", "SYN-SENT", "SYN-RECEIVED", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSED",
  "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING",
];
const SS_NAMES = [
  "", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "UNCONN",
  "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING",
];
const NETSTAT_NAMES = [
  "", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE",
  "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
];

/**
 * RFC 9293 name of a state.
 * @example stateName(TcpState.SYN_RECV) === "SYN-RECEIVED"
 */
export function stateName(s: TcpState): string {
  return RFC_NAMES[s] ?? `state-${s}`;
}

/** The name `ss` prints (`ESTAB`, `SYN-RECV`, `TIME-WAIT`, `UNCONN`). */
export function ssStateName(s: TcpState): string {
  return SS_NAMES[s] ?? `state-${s}`;
}

/** The name `netstat` prints (`ESTABLISHED`, `SYN_RECV`, `TIME_WAIT`). */
export function netstatStateName(s: TcpState): string {
  return NETSTAT_NAMES[s] ?? `state-${s}`;
}

/** The kernel-facing states in which data may be received (RFC 9293 "synchronized" states that still read). */
export function canReceiveData(s: TcpState): boolean {
  return s === TcpState.ESTABLISHED || s === TcpState.FIN_WAIT1 || s === TcpState.FIN_WAIT2;
}

/** True in the synchronized states (after the handshake, before CLOSED). */
export function isSynchronized(s: TcpState): boolean {
  return s !== TcpState.CLOSE && s !== TcpState.LISTEN && s !== TcpState.SYN_SENT && s !== TcpState.SYN_RECV;
}
