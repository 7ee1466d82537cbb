/**
 * The socket side of a TCP socket's error queue (tcp/zerocopy.ts keeps
 * it): recvmsg(MSG_ERRQUEUE) as Linux `ip_recv_error` /
 * `ipv6_recv_error` — the oldest entry, no payload, one control message
 * (`SOL_IP`/`IP_RECVERR`, or `SOL_IPV6`/`IPV6_RECVERR` on an AF_INET6
 * socket) carrying the `sock_extended_err`, `msg_flags` MSG_ERRQUEUE;
 * EAGAIN when the queue is empty (the call never blocks).
 */
import type { Tcb } from "../tcp/tcb.js";
import { AF_INET6, MSG_ERRQUEUE, SOL_IP } from "./constants.js";
import { fail, type RecvResult } from "./socket.js";

/** `IP_RECVERR` (<linux/in.h>): the control message type of an IPv4 error-queue entry. */
export const IP_RECVERR = 11;
/** `SOL_IPV6` / `IPV6_RECVERR` (<linux/in6.h>). */
export const SOL_IPV6 = 41;
export const IPV6_RECVERR = 25;

/** recvmsg(…, MSG_ERRQUEUE) on a TCP socket. */
export function recvErrQueue(t: Tcb, family: number, syscall: string): RecvResult {
  const e = t.zc?.errQueue.shift();
  if (!e) fail("EAGAIN", syscall);
  const v6 = family === AF_INET6;
  return {
    data: new Uint8Array(0),
    addr: null,
    flags: MSG_ERRQUEUE,
    length: 0,
    control: [{ level: v6 ? SOL_IPV6 : SOL_IP, type: v6 ? IPV6_RECVERR : IP_RECVERR, data: { ...e } }],
  };
}
