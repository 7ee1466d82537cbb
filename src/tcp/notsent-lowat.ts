/**
 * TCP_NOTSENT_LOWAT (Linux tcp_stream_memory_free, `tcp_notsent_lowat`
 * sysctl): a limit on the bytes written and not yet sent.
 *
 * Linux checks it where tcp_sendmsg needs a new skb: the write goes on into
 * the write queue's tail skb while it has room below `size_goal`, and starts
 * another only while fewer than `lowat` bytes are unsent; a full skb at the
 * head of the queue is pushed at once (tcp_push_one), and a transmission
 * that takes part of the tail skb leaves the rest as a new, appendable tail
 * (tso_fragment). So a non-blocking 59000-byte write with cwnd 10, MSS 1000,
 * a 16000-byte size_goal and lowat 4000 returns 26000 (checked on Linux
 * 6.18: 10000 sent, a 16000-byte skb unsent). POLLOUT, and the wakeup of a
 * writer on an ACK, need twice the unsent bytes below the limit
 * (`notsent_bytes << 1 < lowat`).
 *
 * sockstack models skbs here, for every write of the Linux personality
 * (with the default limit 4294967295 only the memory limit applies): the
 * send buffer keeps their bounds (send-skbs.ts), `size_goal` is Linux
 * tcp_xmit_size_goal's. A full skb with more than half the peer's largest
 * window written since the last PSH is marked and pushed (`forced_push`).
 */
import { POLLOUT, POLLWRNORM } from "../core/poll-events.js";
import { seqMax } from "../core/seq.js";
import { TCP_MSS_DEFAULT } from "./constants.js";
import { SK_GSO_MAX_SIZE } from "./constants.js";
import { currentMss, tcpOutput } from "./output.js";
import type { Tcb } from "./tcb.js";
import type { TcpLayer } from "./tcp-layer.js";

/** The sysctl's default: no limit. */
export const NOTSENT_LOWAT_NONE = 4294967295;
/**
 * `sk_gso_max_size` (constants.ts SK_GSO_MAX_SIZE, 65343) — checked on
 * Linux 6.18: with an MSS of 16384 a 65536-byte write is two skbs
 * (49152 + 16384 bytes).
 */
const GSO_MAX_SIZE = SK_GSO_MAX_SIZE;

/** Linux tcp_notsent_lowat: the socket's TCP_NOTSENT_LOWAT, else the sysctl. */
export function notsentLowat(tl: TcpLayer, t: Tcb): number {
  return t.notsentLowat || tl.ctx.sysctl.tcp_notsent_lowat;
}

/** Linux tcp_stream_memory_free(sk, wake): the unsent bytes (doubled when `wake`) are below the limit. */
export function notsentFree(tl: TcpLayer, t: Tcb, wake: boolean): boolean {
  const lowat = notsentLowat(tl, t);
  return lowat >= NOTSENT_LOWAT_NONE || t.unsentBytes * (wake ? 2 : 1) < lowat;
}

/**
 * Linux tcp_xmit_size_goal: the most bytes one skb takes — the GSO size
 * bounded by half the peer's largest window (tcp_bound_to_half_wnd), in
 * whole MSS, at least one; one MSS when GSO is off (TCP_MD5SIG).
 */
export function sizeGoal(t: Tcb): number {
  const mss = currentMss(t);
  if (t.md5 !== null) return mss; // TCP_MD5SIG turned GSO off (sk_gso_disable): sk_gso_max_size 0
  const cutoff = t.maxWindow > TCP_MSS_DEFAULT ? t.maxWindow >> 1 : t.maxWindow;
  const bound = cutoff && GSO_MAX_SIZE > cutoff ? Math.max(cutoff, 68 - 20) : GSO_MAX_SIZE;
  return Math.max(Math.floor(bound / mss) * mss, mss);
}

/** Bytes past snd.una ever sent: an skb starting before them is in the retransmission queue. */
function sentOffset(t: Tcb): number {
  return Math.max(0, (seqMax(t.sndNxt, t.sndMax) - t.sndBufSeq) | 0);
}

/**
 * Whether a write now takes at least one byte (Linux personality): the
 * write queue's tail skb has room below `size_goal` — it takes bytes
 * whatever the memory — or a new skb may be queued (memory below sk_sndbuf).
 */
export function writeTakes(t: Tcb): boolean {
  const sb = t.sndBuf;
  if (sb.memoryFree()) return true;
  const tail = sb.tailSkbBytes(sentOffset(t));
  return tail >= 0 && tail < sizeGoal(t);
}

/**
 * Queues up to `len` bytes of `data` from `off` as Linux's
 * tcp_sendmsg_locked cuts them into skbs; returns the bytes taken. The
 * write queue's tail skb (never sent, not closed by MSG_EOR) takes bytes up
 * to `size_goal` whatever the buffer's memory; a new skb needs
 * sk_stream_memory_free — the socket's memory (`wmemQueued`, skb truesize)
 * below sk_sndbuf and, under a limit `lowat`, fewer unsent bytes than it.
 * So a write may leave the memory above sk_sndbuf by up to one skb.
 */
export function writeUnderLowat(tl: TcpLayer, t: Tcb, data: Uint8Array, off: number, len: number, lowat: number): number {
  const sb = t.sndBuf;
  const goal = sizeGoal(t);
  let n = 0;
  while (n < len) {
    let tail = sb.tailSkbBytes(sentOffset(t));
    if (tail < 0 || tail >= goal) {
      // new_segment: sk_stream_memory_free.
      if (!sb.memoryFree() || t.unsentBytes >= lowat) break;
      sb.newSkb();
      tail = 0;
    }
    const room = goal - tail;
    const k = sb.append(data, off + n, Math.min(len - n, room));
    n += k;
    if (k === room && n < len) {
      // A full skb with more than half the peer's largest window written since the last PSH is
      // marked and pushed (forced_push); else a full skb at the head of the queue goes at once (tcp_push_one).
      if (sb.forcedPush(t.maxWindow >> 1)) {
        sb.forcePush();
        tcpOutput(tl, t);
      } else if (((t.dataEnd - goal) >>> 0) === t.sndNxt) tcpOutput(tl, t);
    }
  }
  return n;
}

/**
 * After an ACK's transmissions (Linux tcp_data_snd_check → tcp_check_space):
 * under a limit, the unsent bytes may have dropped below it by what was
 * just sent — wake the writers and pollers then.
 */
export function lowatCheckSpace(tl: TcpLayer, t: Tcb): void {
  if (notsentLowat(tl, t) >= NOTSENT_LOWAT_NONE) return;
  if (t.sndBuf.isWritable() && notsentFree(tl, t, true)) {
    t.wake(POLLOUT | POLLWRNORM);
    tl.ctx.notifyWake();
  }
}
