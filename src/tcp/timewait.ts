/**
 * TIME-WAIT without the connection (Linux `struct tcp_timewait_sock`): when
 * a connection enters TIME-WAIT its TCB is freed and this small record
 * takes its place in the tables for 2·MSL (60 s, Linux TCP_TIMEWAIT_LEN).
 * It holds only what answering late segments needs — the 4-tuple, the
 * sequence numbers, timestamps, the port reservation and reuse flags — so
 * 100,000 connections in TIME-WAIT cost a few megabytes, not the buffers
 * and timers of 100,000 TCBs.
 *
 * Expiry: every record lives the same 60 s (a retransmitted FIN restarts
 * it), so records are kept in one FIFO with one Timer for the whole host.
 */
import { Fifo } from "../core/fifo.js";
import { Timer, type Scheduler } from "../core/scheduler.js";
import type { Micros } from "../core/time.js";
import { TcpState } from "./tcp-state.js";
import { tosFor, ttlFor, type Tcb } from "./tcb.js";
import type { InetAddress } from "../net/inet-address.js";

/** A connection in TIME-WAIT. */
export class TimeWaitSock {
  readonly state = TcpState.TIME_WAIT;
  readonly localAddr: InetAddress;
  readonly localPort: number;
  readonly remoteAddr: InetAddress;
  readonly remotePort: number;
  /** RCV.NXT: the peer's FIN is acknowledged. */
  readonly rcvNxt: number;
  /** SND.NXT: after our FIN. */
  readonly sndNxt: number;
  readonly tsOk: boolean;
  tsRecent: number;
  tsRecentStamp: Micros;
  readonly tsOffset: number;
  /** Window to advertise in ACKs (bytes) and our scale. */
  readonly rcvWnd: number;
  readonly rcvWscale: number;
  /** IP_TOS / IP_TTL of the socket (Linux tw_tos / tw_ttl): its ACKs keep them. */
  readonly tos: number;
  readonly ttl: number;
  /** SO_REUSEADDR / SO_REUSEPORT of the socket (C5: TIME-WAIT inherits them). */
  readonly reuseAddr: boolean;
  readonly reusePort: boolean;
  /** Of an AF_INET6 socket (Linux tw_family): tools name its IPv4 endpoints `::ffff:a.b.c.d`. */
  readonly inet6: boolean;
  /** In the connection tables / holding the port. */
  hashed = false;
  portHeld = false;
  /** When the record expires (µs). */
  expires: Micros;
  /** When the last rate-limited ACK went out (µs; -1: never; Linux tw_last_oow_ack_time, 0 at tcp_time_wait). */
  lastOowAck = -1;
  /** Never owned by a process. */
  readonly inode = 0;
  readonly orphan = true;

  /** A TIME-WAIT record's local address is never the wildcard, so IPV6_V6ONLY cannot matter (a getter: no field per record). */
  get v6only(): boolean {
    return false;
  }

  constructor(t: Tcb, expires: Micros) {
    this.localAddr = t.localAddr;
    this.localPort = t.localPort;
    this.remoteAddr = t.remoteAddr;
    this.remotePort = t.remotePort;
    this.rcvNxt = t.rcvNxt;
    this.sndNxt = t.sndNxt;
    this.tsOk = t.tsOk;
    this.tsRecent = t.tsRecent;
    this.tsRecentStamp = t.tsRecentStamp;
    this.tsOffset = t.tsOffset;
    this.rcvWnd = t.rwin ? t.rwin.receiveWindow(t.rcvNxt) : 0;
    this.rcvWscale = t.rwin ? t.rwin.rcvWscale : 0;
    this.tos = tosFor(t, t.remoteAddr);
    this.ttl = ttlFor(t, t.remoteAddr);
    this.reuseAddr = t.reuseAddr;
    this.reusePort = t.reusePort;
    this.inet6 = t.inet6;
    this.expires = expires;
  }
}

/** The host's TIME-WAIT records in expiry order, with one Timer. */
export class TimeWaitQueue {
  readonly #q = new Fifo<TimeWaitSock>();
  readonly #timer: Timer;

  constructor(readonly scheduler: Scheduler, onExpire: (tw: TimeWaitSock) => void) {
    this.#timer = new Timer((now) => {
      const q = this.#q;
      for (let tw = q.peek(); tw && tw.expires <= now; tw = q.peek()) {
        q.shift();
        if (tw.hashed) onExpire(tw); // not already destroyed (or expired through an earlier entry)
      }
      this.#arm();
    });
  }

  /** Number of queued entries (including stale ones of restarted records). */
  get length(): number {
    return this.#q.length;
  }

  /** Schedules `tw` to expire at `tw.expires` (a restart simply queues it again). */
  add(tw: TimeWaitSock): void {
    // Expiries are almost always increasing: insertByKey inserts from the back.
    this.#q.insertByKey(tw, expiresOf);
    this.#arm();
  }

  /** Forgets everything (host power-off). */
  clear(): void {
    this.#q.clear();
    this.scheduler.disarm(this.#timer);
  }

  #arm(): void {
    const next = this.#q.peek();
    if (!next) this.scheduler.disarm(this.#timer);
    else if (this.#timer.deadline !== next.expires) this.scheduler.arm(this.#timer, next.expires);
  }
}

/** A record's expiry, the TIME-WAIT queue's order. */
function expiresOf(tw: TimeWaitSock): Micros {
  return tw.expires;
}
