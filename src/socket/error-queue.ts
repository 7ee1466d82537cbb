/**
 * The socket side of a TCP socket's error queue (tcp/zerocopy.ts keeps
 * it): recvmsg(MSG_ERRQUEUE) as Linux `ip_recv_error` /
 * `ipv6_recv_error` — the oldest entry; its payload (a transmit
 * timestamp's packet, tcp/tx-timestamp.ts; zerocopy notifications have
 * none) up to `len` bytes, MSG_TRUNC when it was longer; for a timestamp
 * entry first an `SOL_SOCKET`/`SCM_TIMESTAMPING` control message (when the
 * socket has `SOF_TIMESTAMPING_SOFTWARE`: `ts[0]` as `{ scm_sec, scm_nsec }`,
 * Linux `__sock_recv_timestamp`), then the `SOL_IP`/`IP_RECVERR` (or
 * `SOL_IPV6`/`IPV6_RECVERR` on an AF_INET6 socket) one carrying the
 * `sock_extended_err`; `msg_flags` MSG_ERRQUEUE; EAGAIN when the queue is
 * empty (the call never blocks).
 */
import type { Tcb } from "../tcp/tcb.js";
import { SOF_TIMESTAMPING } from "../tcp/tx-timestamp.js";
import { AF_INET6, MSG_ERRQUEUE, MSG_TRUNC, SOL_IP, SOL_SOCKET } from "./constants.js";
import { fail, type ControlMessage, type RecvResult } from "./socket.js";

/** `IP_RECVERR` (<linux/in.h>): the control message type of an IPv4 error-queue entry. */
export const IP_RECVERR = 11;
/** `SOL_IPV6` / `IPV6_RECVERR` (<linux/in6.h>). */
export const SOL_IPV6 = 41;
export const IPV6_RECVERR = 25;
/** `SCM_TIMESTAMPING` (<asm-generic/socket.h>, = SO_TIMESTAMPING): the control message of a timestamp. */
export const SCM_TIMESTAMPING = 37;

/** recvmsg(…, MSG_ERRQUEUE) on a TCP socket, reading at most `len` bytes of the entry's payload. */
export function recvErrQueue(t: Tcb, family: number, len: number, syscall: string): RecvResult {
  const e = t.zc?.errQueue.shift();
  if (!e) fail("EAGAIN", syscall);
  const v6 = family === AF_INET6;
  const payload = e.payload ?? new Uint8Array(0);
  const control: ControlMessage[] = [];
  if (e.tstamp !== undefined && (t.zc?.ts?.flags ?? 0) & SOF_TIMESTAMPING.SOFTWARE) {
    control.push({ level: SOL_SOCKET, type: SCM_TIMESTAMPING, data: { scm_sec: Math.floor(e.tstamp / 1e6), scm_nsec: (e.tstamp % 1e6) * 1000 } });
  }
  control.push({
    level: v6 ? SOL_IPV6 : SOL_IP,
    type: v6 ? IPV6_RECVERR : IP_RECVERR,
    data: { ee_errno: e.ee_errno, ee_origin: e.ee_origin, ee_type: e.ee_type, ee_code: e.ee_code, ee_pad: e.ee_pad, ee_info: e.ee_info, ee_data: e.ee_data },
  });
  const n = Math.min(len, payload.length);
  return {
    data: payload.subarray(0, n),
    addr: null,
    flags: MSG_ERRQUEUE | (payload.length > len ? MSG_TRUNC : 0),
    length: payload.length,
    control,
  };
}
