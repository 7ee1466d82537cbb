/**
 * ICMP errors about our segments (RFC 5927, RFC 1191; Linux tcp_v4_err).
 */
import { seqGe, seqLe } from "../core/seq.js";
import type { NetIcmpError } from "../net/network-layer.js";
import { parseTcpQuoteInto } from "../wire/tcp.js";
import { abort } from "./lifecycle.js";
import { currentMss, sendSyn } from "./output.js";
import { simpleRetransmit } from "./loss.js";
import { rearm } from "./timers.js";
import type { Tcb } from "./tcb.js";
import { updateMss } from "./setup.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";
import { TimeWaitSock } from "./timewait.js";
import { isPassiveFastOpen } from "./fastopen-open.js";
import { requestKey } from "./listener.js";
import { addrEq, netHeaderLen } from "../net/inet-address.js";

/**
 * An ICMP error about one of our segments (RFC 5927 checks, Linux
 * tcp_v4_err): fragmentation-needed lowers the MSS; during the handshake a
 * hard error fails connect(); otherwise it is remembered as a soft error
 * reported if the connection times out. A personality may rule otherwise
 * (FreeBSD's tcp_ctlinput: `TcpPersonality.icmpError`).
 */
export function tcpIcmpError(tl: TcpLayer, info: NetIcmpError): void {
  const q = tl.rx.quote;
  const c = tl.ctx.counters;
  if (!parseTcpQuoteInto(info.quotedL4, 0, q)) {
    c.inc(c.Icmp, "InErrors"); // IP passes only quotes of 8 bytes or more (Linux icmp_unreach)
    return;
  }
  const seq = q.seq;
  const t = tl.tables.lookup(info.quotedSrc, q.srcPort, info.quotedDst, q.dstPort);
  if (!t) {
    if (!requestIcmpError(tl, info, q.srcPort, q.dstPort, seq)) c.inc(c.Icmp, "InErrors"); // Linux tcp_v4_err: no socket
    return;
  }
  if (t instanceof TimeWaitSock) {
    c.inc(c.Sockstack, "IcmpInDiscards"); // Linux tcp_v4_err: ignored in TIME-WAIT
    return;
  }
  const bsd = info.kind === "pmtu" ? null : tl.personality.icmpError(t, info, seq);
  if (bsd !== null) {
    if (bsd === "out-of-window") c.inc(c.TcpExt, "OutOfWindowIcmps");
    else if (bsd === "ignore") c.inc(c.Sockstack, "IcmpInDiscards");
    else if ("abort" in bsd) {
      c.inc(c.Tcp, "AttemptFails");
      abort(tl, t, bsd.abort, false);
    } else {
      c.inc(c.Sockstack, "IcmpSoftErrors");
      t.softError = bsd.soft;
    }
    return;
  }
  // Linux tcp_v4_err/tcp_v6_err: the quoted sequence number lies in [snd.una, snd.nxt], both ends included
  // (snd_nxt being the highest sent: our sndMax), in every state but LISTEN — in SYN-SENT the ISN or ISN + 1.
  // A passive Fast Open child's window starts at its ISN: the SYN-ACK is still unacknowledged (snt_isn).
  const una = isPassiveFastOpen(t) ? t.iss : t.sndUna;
  if (t.state !== TcpState.LISTEN && !(seqGe(seq, una) && seqLe(seq, t.sndMax))) {
    c.inc(c.TcpExt, "OutOfWindowIcmps");
    return;
  }
  if (info.kind === "pmtu") {
    // A locked route MTU (`ip route … mtu lock N`) is not lowered (Linux __ip_rt_update_pmtu, rt6_update_pmtu).
    if (t.route?.metrics.mtuLock) {
      c.inc(c.Sockstack, "IcmpInDiscards");
      return;
    }
    if (info.mtu >= tl.net.of(info.quotedDst).minMtu && info.mtu < t.pmtu) {
      const priorMss = currentMss(t);
      t.pmtu = info.mtu;
      updateMss(t);
      if (t.state === TcpState.SYN_SENT) {
        synSentPmtu(tl, t);
        return;
      }
      // Retransmit what no longer fits (Linux tcp_simple_retransmit, loss.ts).
      simpleRetransmit(tl, t, currentMss(t), priorMss);
    } else {
      c.inc(c.Sockstack, "IcmpInDiscards"); // no smaller than the path MTU we use (or below 68)
    }
    return;
  }
  if (info.kind === "ignore") {
    // Linux tcp_v4_err: source quench is ignored; a redirect updates the route (not modelled), no error.
    c.inc(c.Sockstack, "IcmpInDiscards");
    return;
  }
  // The family's conversion (Linux icmp_err_convert, as tcp_v4_err uses it).
  const err = info.errno;
  // A Fast Open child already accepted is treated as a connected socket (tcp_v4_err: fastopen->sk is NULL).
  if (t.state === TcpState.SYN_SENT || (t.state === TcpState.SYN_RECV && !(isPassiveFastOpen(t) && t.listener === null))) {
    // Before accept() the Fast Open child stays in the accept queue, closed with the error (tcp_done_with_error).
    c.inc(c.Tcp, "AttemptFails");
    abort(tl, t, err, false);
    return;
  }
  // Kept as the soft error that a timeout reports (Linux sk_err_soft, which no MIB counts).
  c.inc(c.Sockstack, "IcmpSoftErrors");
  t.softError = err;
}

/**
 * An ICMP error quoting a SYN-ACK of a request in a listener's SYN queue
 * (Linux finds the request in the established hash: tcp_req_err; FreeBSD
 * syncache_unreach): the personality's verdict. False when no request has
 * the tuple.
 */
function requestIcmpError(tl: TcpLayer, info: NetIcmpError, localPort: number, remotePort: number, seq: number): boolean {
  const local = info.quotedSrc, remote = info.quotedDst;
  const lt = tl.tables.findListener(local, localPort, tl.tupleHash(remote, remotePort, local, localPort));
  const key = requestKey(remote, remotePort);
  const req = lt?.lq?.synQueue.get(key);
  if (!lt || !req || !addrEq(req.localAddr, local)) return false;
  const c = tl.ctx.counters;
  const action = tl.personality.requestIcmpError(req, info, seq);
  if (action === "out-of-window") c.inc(c.TcpExt, "OutOfWindowIcmps");
  else if (action === "ignore") c.inc(c.Sockstack, "IcmpInDiscards");
  else {
    // Linux tcp_req_err: inet_csk_reqsk_queue_drop, counted as a listen drop.
    lt.lq!.synQueue.delete(key);
    c.inc(c.TcpExt, "ListenDrops");
  }
  return true;
}

/**
 * A smaller path MTU learned in SYN-SENT. The route's advertised MSS
 * (MTU − 40) now bounds the MSS our SYNs announce (Linux
 * tcp_advertise_mss); and a Fast Open SYN — its data, or the cookie
 * request's option, may be what did not fit — is taken as lost: a plain SYN
 * goes again at once (tcp_simple_retransmit marks every segment lost for
 * `syn_fastopen`), its data to follow the handshake. A plain SYN waits for
 * its timer, as in Linux.
 */
function synSentPmtu(tl: TcpLayer, t: Tcb): void {
  const adv = t.pmtu - netHeaderLen(t.remoteAddr) - 20;
  if (adv < t.advMss) {
    t.advMss = adv;
    t.rwin.advmss = adv;
  }
  if (!t.fo?.synFastopen) return;
  const c = tl.ctx.counters;
  c.inc(c.Tcp, "RetransSegs");
  t.totalRetrans++;
  t.rttTime = -1;
  sendSyn(tl, t);
  t.rtoAt = tl.ctx.scheduler.now() + t.rtt.rto;
  rearm(tl, t);
}
