/**
 * ICMP errors about our segments (RFC 5927, RFC 1191; Linux tcp_v4_err).
 */
import { seqGe, seqLe } from "../core/seq.js";
import { isPassiveFastOpen } from "./fastopen-open.js";
import { requestKey } from "./listener.js";

import type { NetIcmpError } from "../net/network-layer.js";
import { parseTcpQuoteInto } from "../wire/tcp.js";
import { abort } from "./lifecycle.js";
import { sendSyn, tcpOutput } from "./output.js";
import { netHeaderLen } from "../net/inet-address.js";
import { rearm } from "./timers.js";
import type { Tcb } from "./tcb.js";
import { updateMss } from "./setup.js";
import { TcpState } from "./tcp-state.js";
import type { TcpLayer } from "./tcp-layer.js";
import { TimeWaitSock } from "./timewait.js";

/** AF_INET6, as `NetIcmpError.family` carries it. */
const AF_INET6_FAMILY = 10;

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
    if (tl.personality.icmpDropsRequest && requestError(tl, info, q.srcPort, q.dstPort, seq)) return;
    c.inc(c.Icmp, "InErrors"); // Linux tcp_v4_err: no socket
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
  // Linux tcp_v4_err: the quoted seq must lie in [snd.una, snd.nxt] in every state but LISTEN; a Fast Open child
  // still in SYN-RECV counts from its ISN (its snd.una is already past the SYN).
  const una = isPassiveFastOpen(t) ? t.iss : t.sndUna;
  if (t.state !== TcpState.LISTEN && !(seqGe(seq, una) && seqLe(seq, t.sndMax))) {
    c.inc(c.TcpExt, "OutOfWindowIcmps");
    return;
  }
  if (info.kind === "pmtu") {
    if (info.mtu >= tl.net.of(info.quotedDst).minMtu && info.mtu < t.pmtu) {
      t.pmtu = info.mtu;
      updateMss(t);
      if (t.state === TcpState.SYN_SENT) {
        synSentPmtu(tl, t);
        return;
      }
      // Retransmit what no longer fits (Linux tcp_simple_retransmit).
      t.sndNxt = t.sndUna;
      tcpOutput(tl, t);
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
  if (t.state === TcpState.SYN_SENT || t.state === TcpState.SYN_RECV) {
    // tcp_done_with_error: a Fast Open child not yet accepted is closed with the error and stays in the accept
    // queue: accept() returns it, its data can be read, then the error (and EPIPE on writes).
    c.inc(c.Tcp, "AttemptFails");
    abort(tl, t, err, false);
    return;
  }
  // Kept as the soft error that a timeout reports (Linux sk_err_soft, which no MIB counts).
  c.inc(c.Sockstack, "IcmpSoftErrors");
  t.softError = err;
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

/**
 * Whether an ICMP error kills a request: for IPv4 (tcp_v4_err) parameter
 * problem, time exceeded and net or host unreachable — what may be a
 * transient routing failure toward a spoofed source; for ICMPv6
 * (tcp_v6_err) the hard errors of icmpv6_err_convert.
 */
function requestAbort(info: NetIcmpError): boolean {
  if (info.kind !== "error") return false;
  if (info.family === AF_INET6_FAMILY) return info.hard;
  return info.type === 12 || info.type === 11 || (info.type === 3 && (info.code === 0 || info.code === 1));
}

/**
 * An ICMP error about a SYN-ACK of a request still in a listener's SYN
 * queue (Linux tcp_req_err): a quote of any other sequence number than the
 * request's ISN is out of window; a hard error at the ISN drops the request
 * silently (counted as a listen drop): the peer's later ACK finds nothing
 * and is answered with a RST. Returns false when no request matches.
 */
function requestError(tl: TcpLayer, info: NetIcmpError, localPort: number, remotePort: number, seq: number): boolean {
  const lt = tl.tables.findListener(info.quotedSrc, localPort, 0);
  const key = requestKey(info.quotedDst, remotePort);
  const req = lt?.lq?.synQueue.get(key);
  if (!lt || !req) return false;
  const c = tl.ctx.counters;
  if (seq !== req.iss) c.inc(c.TcpExt, "OutOfWindowIcmps");
  else if (requestAbort(info)) {
    lt.lq!.synQueue.delete(key);
    c.inc(c.TcpExt, "ListenDrops");
  }
  return true;
}
