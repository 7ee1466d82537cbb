/**
 * The places where TCP behaves like another kernel (a *personality*, chosen
 * per host by the `tcp_personality` sysctl; core/personality.ts has the
 * sysctl sets, docs/personalities.md every difference), behind one small
 * interface — as congestion control is behind congestion-control.ts. Linux
 * (linux.ts) is the reference; freebsd.ts imitates FreeBSD for the
 * tcp-testsuite scripts. Protocol code asks `tl.personality` and never
 * tests a personality's name; a third personality is a new file here plus
 * its entry in registry.ts.
 */
import type { ErrnoCode } from "../../core/errno.js";
import type { Micros } from "../../core/time.js";
import type { NetIcmpError } from "../../net/network-layer.js";
import type { RequestSock } from "../listener.js";
import type { Segment } from "../segment.js";
import type { Tcb } from "../tcb.js";
import type { TcpState } from "../tcp-state.js";
import type { TcpLayer } from "../tcp-layer.js";
import type { TimeWaitSock } from "../timewait.js";

/**
 * What an ICMP error (not a PMTU one) does to a connection: nothing
 * (`ignore`, `out-of-window` counted as OutOfWindowIcmps), a soft error
 * kept for a timeout to report, or the connection aborted with an errno.
 */
export type IcmpErrorAction = "ignore" | "out-of-window" | { soft: ErrnoCode } | { abort: ErrnoCode };

/** What a listener does with a RST for one of its requests that is not exactly at IRS + 1. */
export type RequestRstAction = "drop-request" | "challenge" | "ignore";

/** The behaviour one kernel's TCP has where kernels differ. */
export interface TcpPersonality {
  /** The name, as `tcp_personality` and the conformance `--profile` spell it. */
  readonly name: string;
  /** SYN and SYN-ACK option layout: FreeBSD's tcp_addoptions order (options-out.ts) instead of Linux's. */
  readonly synOptionsBsd: boolean;
  /**
   * TCP Fast Open's client API and cache rules (tcp/fastopen-open.ts):
   * Linux's (MSG_FASTOPEN, TCP_FASTOPEN_CONNECT) or FreeBSD's
   * (`TCP_FASTOPEN` on the client socket, sendto's implied connect, a path
   * disabled after an invalid or missing cookie).
   */
  readonly fastOpenApi: "linux" | "freebsd";
  /**
   * PSH and MSG_EOR follow the writes (Linux: PSH on the segment that ends
   * a sendmsg's data, none under MSG_MORE; no segment crosses a MSG_EOR
   * end — send-records.ts) instead of PSH on every segment that empties
   * the send buffer (FreeBSD tcp_output), MSG_EOR ignored.
   */
  readonly writeRecords: boolean;
  /**
   * The delayed-ACK timeout is 0 until the delayed-ACK engine has seen data
   * (Linux `icsk_ack.ato`, started by the first data or quick-ACK mode):
   * an ACK delayed before that — a FIN before any data — leaves at once.
   */
  readonly atoFromFirstData: boolean;
  /** A FIN received in order is ACKed at once (no more data can come) instead of with the delayed ACK. */
  readonly ackFinAtOnce: boolean;
  /** A SYN-ACK at a listener is dropped silently, with its tuple's request, instead of answered with a RST. */
  readonly dropSynAckAtListener: boolean;
  /** A simultaneous open's ECN-setup SYN turns ECN on even when our own SYN did not ask (tcp/ecn.ts ecnRcvSyn). */
  readonly ecnSimultaneousAccept: boolean;
  /**
   * Segments for a request are checked against the window its SYN-ACK
   * offered, as Linux tcp_check_req does: outside it, an ACK (rate-limited);
   * a SYN inside it with another ISN resets the request. Without: such
   * segments are dropped (the right ACK still needs only the window).
   */
  readonly requestSeqCheck: boolean;
  /**
   * Nagle holds a small segment only while an earlier *small* segment is
   * unacknowledged (Minshall's variant, Linux tcp_minshall_check) instead
   * of while anything is (RFC 896 as written; FreeBSD sends a small segment
   * only when idle).
   */
  readonly nagleMinshall: boolean;
  /**
   * A hard ICMP error quoting the ISN of a SYN-ACK whose request waits in a
   * listener's SYN queue drops the request (Linux tcp_req_err); false: the
   * error finds no socket and is ignored.
   */
  readonly icmpDropsRequest: boolean;

  /** The socket that answers a segment for a port nobody listens on or is connected to, with its TOS and TTL (null: no socket, TOS 0, default TTL). */
  closedResetOwner(tl: TcpLayer, seg: Segment): Tcb | null;
  /** A segment for a connection in TIME-WAIT; returns false when a new SYN may reopen the tuple (the listener takes it). */
  timeWaitInput(tl: TcpLayer, tw: TimeWaitSock, seg: Segment): boolean;
  /** When a connection learns the peer's MSS (SYN-SENT, or ESTABLISHED): adjust its buffers. */
  learnedMss(tl: TcpLayer, t: Tcb): void;
  /** The receive window the acceptability test uses, given the window offered. */
  acceptanceWindow(t: Tcb, offered: number): number;
  /** The window field of the next segment of `t` (and the window state it records). */
  selectWindow(tl: TcpLayer, t: Tcb): number;
  /** The window of a SYN-ACK (or a request's ACK) from listener `lt`, given Linux's choice `linuxWindow`. */
  synAckWindow(lt: Tcb | null, linuxWindow: number): number;
  /** The delayed-ACK engine on in-order or out-of-order data (`now`: its arrival). */
  dataReceived(tl: TcpLayer, t: Tcb, now: Micros): void;
  /** Enough data is unacknowledged to ACK now rather than delay. */
  ackThresholdReached(t: Tcb): boolean;
  /** Our ACKs while our FIN is unacknowledged re-send the FIN. */
  ackCarriesFin(t: Tcb): boolean;
  /** The error a RST received in `state` leaves on the socket (SYN-SENT aside). */
  resetErrno(state: TcpState): "ECONNREFUSED" | "EPIPE" | "ECONNRESET";
  /**
   * An ICMP error (other than fragmentation needed / packet too big) about
   * a segment of `t` starting at `seq`; null for Linux's rules
   * (tcp_v4_err / tcp_v6_err, tcp/icmp-error.ts).
   */
  icmpError(t: Tcb, info: NetIcmpError, seq: number): IcmpErrorAction | null;
  /** A RST `off` sequence numbers past a request's IRS (off ≠ 1) at listener `lt`. */
  requestRst(tl: TcpLayer, lt: Tcb, req: RequestSock, off: number): RequestRstAction;
}
