/**
 * One UDP socket's protocol state (Linux `struct udp_sock`): addresses,
 * the receive queue of datagrams with its memory accounting against
 * SO_RCVBUF, a pending error (ICMP port unreachable on a connected socket),
 * and the wait queue the socket layer blocks on.
 */
import { POLLERR, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from "../core/poll-events.js";
import { Fifo } from "../core/fifo.js";
import { WaitQueue } from "../core/wait-queue.js";
import { errnoName, type ErrnoCode } from "../core/errno.js";
import { CONDENSE_SLACK, SKB_TRUESIZE_OVERHEAD } from "../core/truesize.js";
import type { InetAddress } from "../net/inet-address.js";

/**
 * Memory charged per queued datagram beyond its length. Linux charges the
 * skb's truesize, which depends on allocation buckets (measured on this
 * project's kernel over loopback: ~840 bytes for an empty datagram, ~1290
 * for 200–600 bytes, ~2.3 KB up to 1500 bytes); sockstack uses length + 832
 * ({@link SKB_TRUESIZE_OVERHEAD}, shared with TCP and IP reassembly).
 */
export const UDP_DATAGRAM_OVERHEAD = SKB_TRUESIZE_OVERHEAD;

/**
 * The IPv6 settings of a socket (Linux `struct ipv6_pinfo`) besides hop
 * limit and traffic class; socket/ipv6-sockopt.ts sets them.
 */
export interface Ipv6SockOpts {
  /** IPV6_MTU_DISCOVER (IPV6_PMTUDISC_WANT = 1 by default). */
  pmtudisc: number;
  /** IPV6_RECVERR. */
  recverr: boolean;
  /** IPV6_MTU as set: the largest packet the socket sends (0 = the path MTU). */
  mtu: number;
  /** Which control messages recvmsg returns: 1 IPV6_PKTINFO, 2 IPV6_HOPLIMIT, 4 IPV6_TCLASS (Linux np->rxopt). */
  rxopt: number;
  /** The sticky IPV6_PKTINFO's interface index (Linux np->sticky_pktinfo; 0 none): UDP's outgoing interface. */
  stickyIfindex: number;
  /** The sticky IPV6_PKTINFO's address as set (Linux keeps it and does not use it for the source). */
  stickyAddr: string;
  /** IPV6_FLOWINFO_SEND: sin6_flowinfo of sendto/connect names the flow label (Linux np->sndflow). */
  sndflow: boolean;
  /** The flow label connect() gave with IPV6_FLOWINFO_SEND (Linux np->flow_label), 0 none. */
  connFlow: number;
  /** IPV6_AUTOFLOWLABEL as set; null: net.ipv6.auto_flowlabels decides. */
  autoflowlabel: boolean | null;
}

/** {@link Ipv6SockOpts} with Linux's defaults. */
export function newIpv6SockOpts(): Ipv6SockOpts {
  return { pmtudisc: 1, recverr: false, mtu: 0, rxopt: 0, stickyIfindex: 0, stickyAddr: "::", sndflow: false, connFlow: 0, autoflowlabel: null };
}

/** An entry of a UDP socket's error queue (IP_RECVERR / IPV6_RECVERR): what recvmsg(MSG_ERRQUEUE) returns. */
export interface UdpQueuedError {
  /** `struct sock_extended_err`'s fields (ee_origin SO_EE_ORIGIN_ICMP / SO_EE_ORIGIN_ICMP6 / SO_EE_ORIGIN_LOCAL). */
  readonly ee: { ee_errno: number; ee_origin: number; ee_type: number; ee_code: number; ee_pad: number; ee_info: number; ee_data: number };
  /** Who sent the error (SO_EE_OFFENDER); null for a local error. */
  readonly offender: InetAddress | null;
  /** The datagram's destination and port (msg_name). */
  readonly dst: InetAddress;
  readonly dport: number;
  /** The datagram's payload as quoted (the part the error carried). */
  readonly payload: Uint8Array;
  /** Bytes charged against the receive buffer. */
  readonly truesize: number;
}

/** A queued datagram. */
export interface Datagram {
  data: Uint8Array;
  from: InetAddress;
  fromPort: number;
  /** Destination address it was sent to (IP_PKTINFO). */
  to: InetAddress;
  /** Hop limit / TTL, traffic class / TOS, and the arrival interface's index (IPV6_HOPLIMIT, IPV6_TCLASS, IPV6_PKTINFO). */
  hopLimit: number;
  tclass: number;
  ifindex: number;
  /** The IPv6 traffic class and flow label it arrived with (IPV6_FLOWINFO's value), 0 for IPv4. */
  flowinfo?: number;
  /** Bytes charged against the receive buffer. */
  truesize: number;
}

/** UDP socket state. */
export class UdpSock {
  localAddr: InetAddress = 0;
  localPort = 0;
  remoteAddr: InetAddress = 0;
  remotePort = 0;
  /** bind() chose the local address (Linux SOCK_BINDADDR_LOCK). */
  addrBound = false;
  /** The kernel chose the local port (no SOCK_BINDPORT_LOCK): `ss autobound`. */
  autobound = false;
  /** SO_RCVBUF as stored (already doubled, like Linux). */
  rcvbuf: number;
  /** SO_SNDBUF as stored (already doubled). */
  sndbuf: number;
  reuseAddr = false;
  reusePort = false;
  /** Owned by an AF_INET6 socket: unbound or disconnected, its local address is `::`. */
  inet6 = false;
  /** IPV6_V6ONLY: bound to `::`, the socket takes IPv6 only (src/net/dual-stack.ts). */
  v6only = false;
  /** SO_BROADCAST */
  broadcast = false;
  ttl = -1;
  tos = 0;
  /** IPV6_UNICAST_HOPS (−1: the route's) and IPV6_TCLASS: what datagrams to IPv6 peers carry (IP_TTL/IP_TOS to IPv4 ones). */
  hopLimit6 = -1;
  tclass6 = 0;
  /** The other IPv6 settings. */
  readonly v6: Ipv6SockOpts = newIpv6SockOpts();
  /** The interface a link-local bind or connect named (sin6_scope_id; Linux sk_bound_dev_if), 0 for none. */
  boundIf = 0;
  /** The error queue (IP_RECVERR / IPV6_RECVERR), oldest first. */
  readonly errQueue: UdpQueuedError[] = [];
  /** IP_RECVERR: every ICMP error about our datagrams sets the socket's error, connected or not. */
  recverr = false;
  /** IP_MTU_DISCOVER (IP_PMTUDISC_WANT = 1 by default; 0 DONT: "fragmentation needed" is no error). */
  pmtudisc = 1;
  /** Pending asynchronous error (sk_err), reported once. */
  error: ErrnoCode | null = null;
  /** Receive side shut down (shutdown SHUT_RD). */
  rcvShutdown = false;
  sndShutdown = false;
  /** Bytes charged for queued datagrams (sk_rmem_alloc). */
  rmemAlloc = 0;
  /** Datagrams dropped because the buffer was full. */
  drops = 0;
  readonly wq = new WaitQueue();
  readonly #queue = new Fifo<Datagram>();
  /** The owner tag set by the socket layer (inode number for tools). */
  inode = 0;

  constructor(rcvbuf: number, sndbuf: number) {
    this.rcvbuf = rcvbuf;
    this.sndbuf = sndbuf;
  }

  /** True when bound to a port. */
  get bound(): boolean {
    return this.localPort !== 0;
  }

  /** True when connected to a peer. */
  get connected(): boolean {
    return this.remotePort !== 0;
  }

  /** Number of queued datagrams. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Bytes of data queued (what `ss` shows as Recv-Q is rmemAlloc, like Linux). */
  get queuedBytes(): number {
    let n = 0;
    for (const d of this.#queue) n += d.data.length;
    return n;
  }

  /**
   * Queues a datagram (Linux __udp_enqueue_schedule_skb: accepted while the
   * charged memory does not exceed SO_RCVBUF before it, so the queue holds
   * at most SO_RCVBUF plus one datagram's truesize). Returns false when
   * dropped (the caller counts RcvbufErrors and InErrors).
   */
  enqueue(d: Datagram): boolean {
    if (this.rcvShutdown || this.rmemAlloc > this.rcvbuf) {
      this.drops++;
      return false;
    }
    // What the queue charges is what it keeps: a datagram that is a small part of a much larger
    // buffer (an injected frame, a view into a big packet) is copied out instead of pinning it.
    if (d.data.buffer.byteLength > d.data.length + CONDENSE_SLACK) d.data = d.data.slice();
    this.rmemAlloc += d.truesize;
    this.#queue.push(d);
    this.wq.wake(POLLIN | POLLRDNORM);
    return true;
  }

  /** The first queued datagram without removing it. */
  peek(): Datagram | undefined {
    return this.#queue.peek();
  }

  /** Removes and returns the first queued datagram. */
  dequeue(): Datagram | undefined {
    const d = this.#queue.shift();
    if (!d) return undefined;
    this.rmemAlloc -= d.truesize;
    return d;
  }

  /** Sets a pending error and wakes everybody (POLLERR). */
  setError(e: ErrnoCode): void {
    this.error = e;
    this.wq.wake(POLLERR | POLLIN | POLLOUT);
  }

  /** Reads and clears the pending error (SO_ERROR semantics). */
  takeError(): ErrnoCode | null {
    const e = this.error;
    this.error = null;
    return e;
  }

  /**
   * Queues an ICMP error (Linux sock_queue_err_skb: charged against
   * SO_RCVBUF like a datagram, dropped when it is full) and wakes readers
   * with POLLERR.
   */
  queueError(e: UdpQueuedError): void {
    if (this.rmemAlloc + e.truesize > this.rcvbuf) return;
    this.rmemAlloc += e.truesize;
    this.errQueue.push(e);
    this.wq.wake(POLLERR);
  }

  /**
   * Takes the oldest error-queue entry (Linux sock_dequeue_err_skb): the
   * socket's pending error becomes the next entry's errno, or none.
   */
  dequeueError(): UdpQueuedError | undefined {
    const e = this.errQueue.shift();
    if (!e) return undefined;
    this.rmemAlloc -= e.truesize;
    const next = this.errQueue[0];
    this.error = next ? (errnoName(next.ee.ee_errno) ?? null) : null;
    return e;
  }

  /** Current readiness (poll mask). UDP is always writable (sndbuf is not modelled as full). */
  poll(): number {
    let m = POLLOUT | POLLWRNORM;
    if (this.queued > 0 || this.rcvShutdown) m |= POLLIN | POLLRDNORM;
    if (this.error || this.errQueue.length) m |= POLLERR;
    return m;
  }
}
