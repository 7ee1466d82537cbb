/**
 * Segments for a connection in TIME-WAIT (RFC 9293 §3.10.7.4; Linux
 * tcp_timewait_state_process), answered from the compact record
 * (timewait.ts) without the TCB. The Linux personality's hook; FreeBSD's
 * tcp_twcheck is in personality/freebsd.ts.
 */
import { seqGt, seqLt } from "../core/seq.js";
import { destroyTimeWait, restartTimeWait } from "./lifecycle.js";
import { oowLimited } from "./oow-ack.js";
import { sendTimeWaitAck } from "./control-out.js";
import { ACK, FIN, RST, SYN, type Segment } from "./segment.js";
import type { TcpLayer } from "./tcp-layer.js";
import type { TimeWaitSock } from "./timewait.js";

/**
 * TIME-WAIT (RFC 9293 §3.10.7.4, Linux tcp_timewait_state_process):
 * a bare ACK or RST exactly at rcv.nxt is in window — the RST kills the
 * record unless `tcp_rfc1337` (RFC 1337 protection), the ACK restarts the
 * 2MSL wait; a SYN with a higher sequence number (or newer timestamp) may
 * open a new incarnation (returns false: let the listener take it, its ISN
 * set in `seg.twIsn`);
 * everything else — a retransmitted FIN above all — is answered with an ACK
 * (rate-limited like any out-of-window ACK) and restarts the wait. Returns
 * true when consumed.
 */
export function timeWaitInput(tl: TcpLayer, tw: TimeWaitSock, seg: Segment): boolean {
  const now = tl.ctx.scheduler.now();
  const paws = tw.tsOk && seg.hasTs && seqLt(seg.tsVal, tw.tsRecent) && !(seg.flags & RST);
  const len = seg.data.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
  if (!paws && seg.seq === tw.rcvNxt && (len === 0 || seg.flags & RST)) {
    if (seg.flags & RST) {
      const c = tl.ctx.counters;
      if (!tl.ctx.sysctl.tcp_rfc1337) {
        c.inc(c.Sockstack, "TcpTimeWaitRst");
        destroyTimeWait(tl, tw);
      } else {
        c.inc(c.Sockstack, "TcpRstIgnored"); // RFC 1337 protection
      }
    } else {
      restartTimeWait(tl, tw);
    }
    if (seg.hasTs && tw.tsOk) {
      tw.tsRecent = seg.tsVal;
      tw.tsRecentStamp = now;
    }
    return true;
  }
  if ((seg.flags & (SYN | RST | ACK)) === SYN && !paws &&
      (seqGt(seg.seq, tw.rcvNxt) || (tw.tsOk && seg.hasTs && seqGt(seg.tsVal, tw.tsRecent)))) {
    // TCP_TW_SYN: the new incarnation's ISN is the old snd.nxt + 65535 + 2 (never 0), so its
    // sequence numbers stay above the old ones (checked on Linux 6.18:
    // test/tcp/linux-input-states-probe.py I — 65537 past the old snd.nxt).
    seg.twIsn = ((tw.sndNxt + 65535 + 2) >>> 0) || 1;
    destroyTimeWait(tl, tw);
    return false;
  }
  if (paws) tl.ctx.counters.inc(tl.ctx.counters.TcpExt, "PAWSTimewait");
  if (seg.flags & RST) {
    tl.ctx.counters.inc(tl.ctx.counters.Sockstack, "TcpRstIgnored");
    return true;
  }
  if (paws || seg.flags & ACK) restartTimeWait(tl, tw);
  // tcp_timewait_check_oow_rate_limit: one ACK per 500 ms, but never withheld from a segment
  // carrying data or a FIN (checked on Linux 6.18: test/tcp/linux-input-states-probe.py R2).
  if (!oowLimited(tl, tw, seg, "TCPACKSkippedTimeWait")) sendTimeWaitAck(tl, tw);
  return true;
}
