/**
 * A listening socket's two queues (seed B1, B4): the SYN queue of small
 * request entries (addresses, ISNs, options — not full connections) and
 * the accept queue of established connections waiting for accept().
 *
 * Linux semantics (B2, checked against Linux 6.x):
 * - `backlog` is capped at `somaxconn`; the accept queue is full when it
 *   holds more than `backlog` entries, so it admits backlog + 1.
 * - A SYN that finds the accept queue full is dropped (ListenOverflows,
 *   ListenDrops): the client stays in SYN-SENT and retransmits.
 * - A SYN that finds the SYN queue full (more than `backlog` requests) is answered with a SYN cookie when
 *   `tcp_syncookies` is on (B5), else dropped.
 * - The final ACK of a request that finds the accept queue full is dropped
 *   and the request stays in SYN-RECV with `acked` set; its SYN-ACK is
 *   retransmitted (the client, already ESTABLISHED, answers with an ACK that
 *   completes the connection once there is room). With
 *   `tcp_abort_on_overflow` the server answers that ACK with a RST.
 */
import { POLLIN, POLLRDNORM } from "../core/poll-events.js";
import type { WaitQueue } from "../core/wait-queue.js";
import type { Micros } from "../core/time.js";
import type { Tcb } from "./tcb.js";
import { addrId, type InetAddress } from "../net/inet-address.js";

/** A half-open connection in the SYN queue (Linux `struct request_sock`). */
export interface RequestSock {
  localAddr: InetAddress;
  localPort: number;
  remoteAddr: InetAddress;
  remotePort: number;
  /** Our ISN (the SYN-ACK's sequence number). */
  iss: number;
  /** The client's ISN. */
  irs: number;
  /** MSS the client announced (536 when absent). */
  peerMss: number;
  /** Client's window scale, or -1 when it sent none. */
  sndWscale: number;
  /** Our window scale for this connection. */
  rcvWscale: number;
  /** The SYN's window (unscaled, as received). */
  peerWindow: number;
  sackOk: boolean;
  tsOk: boolean;
  /** The SYN-ACK accepts ECN (Linux inet_rsk(req)->ecn_ok; tcp/ecn.ts). */
  ecnOk: boolean;
  /** Client's TS val (echoed as TS ecr). */
  tsRecent: number;
  /** Our TS offset for this connection. */
  tsOffset: number;
  /** SYN-ACKs re-sent so far (Linux num_retrans). */
  retrans: number;
  /** SYN-ACK timer expirations so far, re-sent or not (Linux num_timeout). */
  numTimeout: number;
  /** When the next SYN-ACK retransmission is due (µs). */
  expires: Micros;
  /**
   * The final ACK arrived but was dropped — the accept queue was full, or
   * TCP_DEFER_ACCEPT waits for data (Linux inet_rsk(req)->acked).
   */
  acked: boolean;
  /** The receive window the SYN-ACK offered, in bytes (Linux rsk_rcv_wnd; RST acceptability). */
  rcvWnd: number;
  /** When the last ACK answering an out-of-window segment went out (µs; -1: never; Linux last_oow_ack_time). */
  lastOowAck: number;
  /** When the request was created (µs). */
  created: Micros;
  /** An ICMP error about its SYN-ACK was seen once (FreeBSD's SCF_UNREACH: the second one may drop it). */
  unreach: boolean;
  /** TTL/TOS of the SYN (for symmetry; unused). */
  listener: Listener;
}

/** A listening endpoint with its queues. */
export class Listener {
  /** The effective backlog (min(listen() arg, somaxconn), ≥ 0). */
  backlog = 0;
  /** Half-open requests by remote "addr:port" key. */
  readonly synQueue = new Map<string, RequestSock>();
  /** Established connections not yet accepted, oldest first. */
  readonly acceptQueue: Tcb[] = [];
  /** Set when close() tears it down. */
  closed = false;
  /** The "SYN flooding, sending cookies" event was counted. */
  cookieWarned = false;

  constructor(
    readonly localAddr: InetAddress,
    readonly localPort: number,
    /** The listening socket's inode (tools). */
    public inode: number,
    /** SO_REUSEPORT: part of a balancing group. */
    readonly reusePort: boolean,
    /** The listening socket's wait queue (accept() and poll wait here). */
    readonly wq: WaitQueue,
  ) {}

  /** Linux sk_acceptq_is_full: more than `backlog` queued connections. */
  acceptQueueFull(): boolean {
    return this.acceptQueue.length > this.backlog;
  }

  /** Linux 6.x inet_csk_reqsk_queue_is_full: more than `backlog` requests. */
  synQueueFull(): boolean {
    return this.synQueue.size > this.backlog;
  }

  /** Adds an established connection to the accept queue and wakes accept(). */
  enqueue(tcb: Tcb): void {
    tcb.listener = this;
    this.acceptQueue.push(tcb);
    this.wq.wake(POLLIN | POLLRDNORM);
  }

  /** Takes the oldest established connection, or undefined. */
  dequeue(): Tcb | undefined {
    const t = this.acceptQueue.shift();
    if (t) t.listener = null;
    return t;
  }

  /** Removes a connection from the accept queue (it was reset before accept). */
  unlink(tcb: Tcb): void {
    const i = this.acceptQueue.indexOf(tcb);
    if (i >= 0) this.acceptQueue.splice(i, 1);
    tcb.listener = null;
  }

  /** Readiness: readable when a connection waits. */
  poll(): number {
    return this.acceptQueue.length ? POLLIN | POLLRDNORM : 0;
  }
}

/** The SYN-queue key of a remote endpoint. */
export function requestKey(remoteAddr: InetAddress, remotePort: number): string {
  return `${addrId(remoteAddr)}:${remotePort}`;
}
