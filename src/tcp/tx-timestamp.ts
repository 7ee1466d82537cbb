/**
 * SO_TIMESTAMPING's transmit timestamps on a TCP socket (Linux
 * Documentation/networking/timestamping.rst; net/ipv4/tcp.c
 * tcp_tx_timestamp, net/core/skbuff.c __skb_tstamp_tx, net/core/sock.c
 * sock_set_timestamping), in the simulation's virtual time.
 *
 * At the end of each sendmsg that queued data (Linux: on the write queue's
 * tail skb, before the final push) the byte the call wrote last is marked
 * with the socket's recording flags of that moment. Then:
 * - `SOF_TIMESTAMPING_TX_SCHED`: each time a segment carrying the marked
 *   byte is handed to the device's queue (Linux `__dev_queue_xmit`; the
 *   retransmissions too, and a packet the qdisc drops) an `SCM_TSTAMP_SCHED`
 *   entry goes on the error queue;
 * - `SOF_TIMESTAMPING_TX_SOFTWARE`: each time such a segment leaves through
 *   the device (Linux: the driver's `skb_tx_timestamp`; sockstack's devices
 *   send at once, so at the same instant) an `SCM_TSTAMP_SND` entry;
 * - `SOF_TIMESTAMPING_TX_ACK`: once, when the peer acknowledges the byte
 *   (Linux tcp_ack_tstamp), an `SCM_TSTAMP_ACK` entry.
 *
 * Each entry is `sock_extended_err { ee_errno ENOMSG, ee_origin
 * SO_EE_ORIGIN_TIMESTAMPING, ee_info SCM_TSTAMP_* }` with, under
 * `SOF_TIMESTAMPING_OPT_ID`, `ee_data` the byte's offset from the key base
 * (`sk_tskey`: snd.una when OPT_ID was set, write_seq with OPT_ID_TCP); the
 * time (read as an `SCM_TIMESTAMPING` control message when the socket has
 * `SOF_TIMESTAMPING_SOFTWARE`) is the virtual clock; the entry's payload is
 * the packet (IP header on) for SCHED/SND and the segment's data for ACK,
 * none under `SOF_TIMESTAMPING_OPT_TSONLY`.
 */
import { seqGe, seqGt, seqLt } from "../core/seq.js";
import type { Micros } from "../core/time.js";
import { POLLERR } from "../core/poll-events.js";
import type { Tcb } from "./tcb.js";
import type { TcpLayer } from "./tcp-layer.js";
import { TcpState } from "./tcp-state.js";
import { ZeroCopySock } from "./zerocopy.js";

/** `SOF_TIMESTAMPING_*` (<linux/net_tstamp.h>). */
export const SOF_TIMESTAMPING = {
  TX_HARDWARE: 1 << 0,
  TX_SOFTWARE: 1 << 1,
  RX_HARDWARE: 1 << 2,
  RX_SOFTWARE: 1 << 3,
  SOFTWARE: 1 << 4,
  SYS_HARDWARE: 1 << 5,
  RAW_HARDWARE: 1 << 6,
  OPT_ID: 1 << 7,
  TX_SCHED: 1 << 8,
  TX_ACK: 1 << 9,
  OPT_CMSG: 1 << 10,
  OPT_TSONLY: 1 << 11,
  OPT_STATS: 1 << 12,
  OPT_PKTINFO: 1 << 13,
  OPT_TX_SWHW: 1 << 14,
  BIND_PHC: 1 << 15,
  OPT_ID_TCP: 1 << 16,
  OPT_RX_FILTER: 1 << 17,
  TX_COMPLETION: 1 << 18,
} as const;
/** Every defined flag (`SOF_TIMESTAMPING_MASK`). */
export const SOF_TIMESTAMPING_MASK = (SOF_TIMESTAMPING.TX_COMPLETION << 1) - 1;
/** The flags that ask for a transmit timestamp (`SOF_TIMESTAMPING_TX_RECORD_MASK`). */
export const SOF_TIMESTAMPING_TX_RECORD_MASK =
  SOF_TIMESTAMPING.TX_HARDWARE | SOF_TIMESTAMPING.TX_SOFTWARE | SOF_TIMESTAMPING.TX_SCHED | SOF_TIMESTAMPING.TX_ACK |
  SOF_TIMESTAMPING.TX_COMPLETION;

/** `SCM_TSTAMP_*` (<linux/errqueue.h>): `ee_info` of a timestamp entry. */
export const SCM_TSTAMP_SND = 0;
export const SCM_TSTAMP_SCHED = 1;
export const SCM_TSTAMP_ACK = 2;
/** `SO_EE_ORIGIN_TIMESTAMPING` (<linux/errqueue.h>). */
export const SO_EE_ORIGIN_TIMESTAMPING = 4;
/** `ENOMSG`: the `ee_errno` of a timestamp entry. */
const ENOMSG = 42;

/** A byte a sendmsg marked, waiting for its transmissions and its acknowledgment. */
interface Mark {
  /** Sequence number of the byte (Linux `shinfo->tskey`). */
  seq: number;
  /** The socket's flags when the sendmsg ended (Linux copies them into the skb's tx_flags). */
  flags: number;
}

/** A TCP socket's transmit-timestamping state (`t.zc.ts`). */
export class TxTimestamps {
  /** `sk_tsflags`. */
  flags = 0;
  /** `sk_tskey`: the sequence number `ee_data` counts from (OPT_ID). */
  keyBase = 0;
  /** Marked bytes not yet acknowledged, in sequence order. */
  readonly marks: Mark[] = [];
  /**
   * Receive timestamps (SOF_TIMESTAMPING_RX_SOFTWARE): for each run of
   * in-order data not yet read, the sequence number after it and when it
   * arrived (Linux skb->tstamp), in sequence order.
   */
  readonly rx: { end: number; time: Micros }[] = [];
}

/**
 * setsockopt(SO_TIMESTAMPING) on a TCP socket (Linux sock_set_timestamping):
 * unknown bits, OPT_ID_TCP without OPT_ID, or OPT_ID switched on in CLOSE or
 * LISTEN are EINVAL; switching OPT_ID on sets the key base. Returns the
 * errno or null.
 */
export function setTimestamping(t: Tcb, val: number): "EINVAL" | null {
  if (val & ~SOF_TIMESTAMPING_MASK) return "EINVAL";
  if (val & SOF_TIMESTAMPING.OPT_ID_TCP && !(val & SOF_TIMESTAMPING.OPT_ID)) return "EINVAL";
  const cur = t.zc?.ts ?? null;
  if (val & SOF_TIMESTAMPING.OPT_ID && !((cur?.flags ?? 0) & SOF_TIMESTAMPING.OPT_ID)) {
    if (t.state === TcpState.CLOSE || t.state === TcpState.LISTEN) return "EINVAL";
  }
  if (val === 0 && !cur) return null;
  const ts = (((t.zc ??= new ZeroCopySock()).ts) ??= new TxTimestamps());
  if (val & SOF_TIMESTAMPING.OPT_ID && !(ts.flags & SOF_TIMESTAMPING.OPT_ID)) {
    ts.keyBase = val & SOF_TIMESTAMPING.OPT_ID_TCP ? t.dataEnd : t.sndUna;
  }
  ts.flags = val;
  return null;
}

/** getsockopt(SO_TIMESTAMPING): the socket's flags. */
export function getTimestamping(t: Tcb): number {
  return t.zc?.ts?.flags ?? 0;
}

/** Whether a sendmsg on `t` must mark its last byte (the socket records transmit timestamps). */
export function wantsTxTimestamp(t: Tcb): boolean {
  const ts = t.zc?.ts;
  return ts !== undefined && ts !== null && (ts.flags & SOF_TIMESTAMPING_TX_RECORD_MASK) !== 0;
}

/**
 * A sendmsg that queued data ends (Linux tcp_tx_timestamp): the last byte
 * it wrote is marked with the socket's flags (once: marking it again, as a
 * partial write's return path may, changes nothing).
 */
export function markTxTimestamp(t: Tcb): void {
  const ts = t.zc?.ts;
  if (!ts || !(ts.flags & SOF_TIMESTAMPING_TX_RECORD_MASK) || t.dataEnd === t.sndBufSeq) return;
  const seq = (t.dataEnd - 1) >>> 0;
  const last = ts.marks[ts.marks.length - 1];
  if (last && !seqGt(seq, last.seq)) return;
  ts.marks.push({ seq, flags: ts.flags });
}

/**
 * A data segment [seq, seq + data.length) went to the device (`head`: its
 * IP and TCP headers as sent); `queued` false when the qdisc dropped it
 * (SCHED is taken before the queue, SND only when it left). Marked bytes
 * inside it get their SCHED and SND entries.
 */
export function txTimestampSent(tl: TcpLayer, t: Tcb, seq: number, head: Uint8Array, data: Uint8Array, left: boolean): void {
  const ts = t.zc?.ts;
  if (!ts || ts.marks.length === 0) return;
  const end = (seq + data.length) >>> 0;
  let woke = false;
  for (const m of ts.marks) {
    if (seqLt(m.seq, seq)) continue;
    if (!seqLt(m.seq, end)) break;
    let packet: Uint8Array | null = null;
    const payload = (): Uint8Array => {
      if (!packet) {
        packet = new Uint8Array(head.length + data.length);
        packet.set(head);
        packet.set(data, head.length);
      }
      return packet;
    };
    if (m.flags & SOF_TIMESTAMPING.TX_SCHED) woke = queueStamp(tl, t, m, SCM_TSTAMP_SCHED, payload()) || woke;
    if (left && m.flags & SOF_TIMESTAMPING.TX_SOFTWARE) woke = queueStamp(tl, t, m, SCM_TSTAMP_SND, payload()) || woke;
  }
  if (woke) wakeErr(tl, t);
}

/**
 * snd.una moved to `una` (before the send buffer drops the acknowledged
 * bytes): marked bytes now acknowledged get their ACK entry (when asked
 * for) and are forgotten. `data(seq)` gives the acknowledged segment's data.
 */
export function txTimestampAcked(tl: TcpLayer, t: Tcb, una: number, data: (seq: number) => Uint8Array): void {
  const ts = t.zc?.ts;
  if (!ts || ts.marks.length === 0) return;
  let n = 0;
  let woke = false;
  while (n < ts.marks.length && seqGe(una, (ts.marks[n]!.seq + 1) >>> 0)) {
    const m = ts.marks[n++]!;
    if (m.flags & SOF_TIMESTAMPING.TX_ACK) woke = queueStamp(tl, t, m, SCM_TSTAMP_ACK, data(m.seq)) || woke;
  }
  if (n > 0) ts.marks.splice(0, n);
  if (woke) wakeErr(tl, t);
}

/**
 * In-order data up to `end` was queued for the reader at `now` (rcv.ts):
 * remembered for receive timestamps while the socket asks for them
 * (SOF_TIMESTAMPING_RX_SOFTWARE; Linux stamps skbs on arrival once a socket
 * enabled it).
 */
export function rxTimestampQueued(t: Tcb, end: number, now: Micros): void {
  const ts = t.zc?.ts;
  if (!ts || !(ts.flags & SOF_TIMESTAMPING.RX_SOFTWARE)) return;
  const last = ts.rx[ts.rx.length - 1];
  if (last && last.time === now) last.end = end;
  else ts.rx.push({ end, time: now });
}

/**
 * A read returned bytes up to (not including) `readEnd`, the last at
 * `lastByte` (Linux tcp_recvmsg → tcp_update_recv_tstamps on each skb,
 * tcp_recv_timestamp after): the arrival time of the data holding that
 * byte, or -1 when none is known or the socket does not report receive
 * software timestamps (SOF_TIMESTAMPING_SOFTWARE with RX_SOFTWARE). The
 * runs read completely are forgotten unless `peek`.
 */
export function rxTimestampRead(t: Tcb, lastByte: number, readEnd: number, peek: boolean): Micros {
  const ts = t.zc?.ts;
  if (!ts || ts.rx.length === 0) return -1;
  let time: Micros = -1;
  for (const r of ts.rx) {
    if (seqGt(r.end, lastByte)) {
      time = r.time;
      break;
    }
  }
  if (!peek) {
    let n = 0;
    while (n < ts.rx.length && !seqGt(ts.rx[n]!.end, readEnd)) n++;
    if (n > 0) ts.rx.splice(0, n);
  }
  const want = SOF_TIMESTAMPING.SOFTWARE | SOF_TIMESTAMPING.RX_SOFTWARE;
  return (ts.flags & want) === want ? time : -1;
}

/** The connection's data was dropped (abort, close): the marks go with it (Linux frees the skbs). */
export function txTimestampPurge(t: Tcb): void {
  const ts = t.zc?.ts;
  if (ts) {
    ts.marks.length = 0;
    ts.rx.length = 0;
  }
}

function queueStamp(tl: TcpLayer, t: Tcb, m: Mark, type: number, payload: Uint8Array): boolean {
  const z = t.zc!;
  const ts = z.ts!;
  const flags = ts.flags;
  const now: Micros = tl.ctx.scheduler.now();
  z.errQueue.push({
    ee_errno: ENOMSG, ee_origin: SO_EE_ORIGIN_TIMESTAMPING, ee_type: 0, ee_code: 0, ee_pad: 0, ee_info: type,
    ee_data: flags & SOF_TIMESTAMPING.OPT_ID ? ((m.seq - ts.keyBase) >>> 0) : 0,
    tstamp: now,
    payload: flags & SOF_TIMESTAMPING.OPT_TSONLY ? new Uint8Array(0) : payload,
  });
  return true;
}

function wakeErr(tl: TcpLayer, t: Tcb): void {
  t.wq.wake(POLLERR);
  tl.ctx.notifyWake();
}
