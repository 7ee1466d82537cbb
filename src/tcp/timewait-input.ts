/**
 * Segments for a connection in TIME-WAIT (RFC 9293 §3.10.7.4; Linux
 * tcp_timewait_state_process), answered from the compact record
 * (timewait.ts) without the TCB.
 */
import { seqGt, seqLt } from "../core/seq.js";
import { destroyTimeWait, restartTimeWait } from "./lifecycle.js";
import { sendTimeWaitAck } from "./output.js";
import { ACK, FIN, RST, SYN, type Segment } from "./segment.js";
import type { TcpLayer } from "./tcp-layer.js";
import type { TimeWaitSock } from "./timewait.js";

/**
 * TIME-WAIT (RFC 9293 §3.10.7.4, Linux tcp_timewait_state_process):
 * a bare ACK or RST exactly at rcv.nxt is in window — the RST kills the
 * record unless `tcp_rfc1337` (RFC 1337 protection), the ACK restarts the
 * 2MSL wait; a SYN with a higher sequence number (or newer timestamp) may
 * open a new incarnation (returns false: let the listener take it);
 * everything else — a retransmitted FIN above all — is answered with an ACK
 * and restarts the wait. Returns true when consumed.
 */
export function timeWaitInput(tl: TcpLayer, tw: TimeWaitSock, seg: Segment): boolean {
  if (tl.ctx.sysctl.tcp_twcheck_bsd) return timeWaitInputBsd(tl, tw, seg);
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
    destroyTimeWait(tl, tw);
    return false;
  }
  if (paws) tl.ctx.counters.inc(tl.ctx.counters.TcpExt, "PAWSTimewait");
  if (seg.flags & RST) {
    tl.ctx.counters.inc(tl.ctx.counters.Sockstack, "TcpRstIgnored");
    return true;
  }
  if (paws || seg.flags & ACK) restartTimeWait(tl, tw);
  sendTimeWaitAck(tl, tw);
  return true;
}

/**
 * TIME-WAIT the FreeBSD way (tcp(personality) `tcp_twcheck_bsd`, FreeBSD
 * tcp_timewait.c tcp_twcheck): a RST is dropped (RFC 1337 unless
 * `tcp_rfc1337` is off); a SYN without ACK above rcv.nxt recycles the tuple
 * (returns false: the listener takes it); other segments without ACK are
 * dropped; a retransmitted FIN restarts the 2·MSL wait; everything but an
 * exact duplicate ACK (flags ACK only, no data, SEQ = RCV.NXT, ACK =
 * SND.NXT) is answered with an ACK. No PAWS. Returns true when consumed.
 */
export function timeWaitInputBsd(tl: TcpLayer, tw: TimeWaitSock, seg: Segment): boolean {
  const f = seg.flags;
  const c = tl.ctx.counters;
  if (f & RST) {
    if (!tl.ctx.sysctl.tcp_rfc1337 && seg.seq === tw.rcvNxt) {
      c.inc(c.Sockstack, "TcpTimeWaitRst");
      destroyTimeWait(tl, tw);
    } else {
      c.inc(c.Sockstack, "TcpRstIgnored");
    }
    return true;
  }
  if ((f & (SYN | ACK)) === SYN && seqGt(seg.seq, tw.rcvNxt)) {
    destroyTimeWait(tl, tw);
    return false;
  }
  if (!(f & ACK)) {
    c.inc(c.Sockstack, "TcpBadFlagsDrop");
    return true;
  }
  if (f & FIN && ((seg.seq + seg.data.length + (f & SYN ? 1 : 0) + 1) >>> 0) === tw.rcvNxt) restartTimeWait(tl, tw);
  if (f !== ACK || seg.data.length || seg.seq !== tw.rcvNxt || seg.ack !== tw.sndNxt) sendTimeWaitAck(tl, tw);
  return true;
}
