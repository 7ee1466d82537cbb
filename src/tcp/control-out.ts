/**
 * The segments TCP sends outside the data path: the RST that aborts a
 * connection, the RST answering a segment that belongs to no connection, and
 * the bare ACKs of a TIME-WAIT record or a request. Each builds its header alone (no send
 * buffer, no congestion control) and goes out through the network layer of
 * the peer's family.
 */
import { IPPROTO_TCP } from "../wire/ipv4.js";
import { EMPTY } from "../wire/packet.js";
import type { InetAddress } from "../net/inet-address.js";
import { ACK, RST } from "./segment.js";
import { establishedOptions } from "./options-out.js";
import { tcpEmitOptionsLength, writeTcpHeader } from "../wire/tcp.js";
import { tosFor, ttlFor, type Tcb } from "./tcb.js";
import { tsVal } from "./isn.js";
import { routeOf, tcpTsVal } from "./output.js";
import type { TcpLayer } from "./tcp-layer.js";
import type { TimeWaitSock } from "./timewait.js";
import { md5Lookup, md5Sign, md5TimeWaitKey, type Md5SigKey } from "./md5sig.js";
import { OPT_NOP, TCPOPT_MD5SIG, type TcpOption } from "../wire/tcp-options.js";

/** No SACK blocks: these segments never carry any. */
const noSacks: number[] = [];

/** Sends a RST for an established connection being aborted (`<SEQ=SND.NXT><CTL=RST>` — Linux tcp_send_active_reset uses RST|ACK). */
export function sendActiveReset(tl: TcpLayer, t: Tcb): void {
  const net = tl.net.of(t.remoteAddr);
  const rt = routeOf(tl, t, net);
  if (!rt) {
    tl.ctx.counters.inc(tl.ctx.counters.Ip, "OutNoRoutes");
    return;
  }
  const md5 = t.md5 === null ? null : md5Lookup(t.md5, t.remoteAddr);
  const opts = establishedOptions(t.tsOk, tcpTsVal(tl, t), t.tsRecent, noSacks, 0, md5 !== null);
  const head = new Uint8Array(net.headerReserve + 20 + tcpEmitOptionsLength(opts));
  writeTcpHeader(head, net.headerReserve, t.localPort, t.remotePort, t.sndNxt, t.rcvNxt, RST | ACK, 0, 0, opts);
  if (md5) md5Sign(md5, t.localAddr, t.remoteAddr, head, net.headerReserve, EMPTY);
  if (net.output(rt, t.localAddr, t.remoteAddr, IPPROTO_TCP, head, EMPTY, ttlFor(t, t.remoteAddr), tosFor(t, t.remoteAddr), true)) return;
  const c = tl.ctx.counters;
  c.inc(c.Tcp, "OutSegs");
  c.inc(c.Tcp, "OutRsts");
}

/**
 * Sends a bare ACK that belongs to no full connection — a TIME-WAIT record's
 * (Linux tcp_v4_timewait_ack) or a request's (tcp_v4_reqsk_send_ack):
 * `seq`, `ack`, the window field as given, timestamps (`tsOffset`'s clock,
 * echoing `tsRecent`) when negotiated; `ttl` -1 for the default; signed
 * with `md5` when the record or the listener has a key for the peer
 * (`nop,nop,md5` after the timestamps, Linux tcp_v4_send_ack).
 */
export function sendBareAck(
  tl: TcpLayer, local: InetAddress, remote: InetAddress, lport: number, rport: number, seq: number, ack: number, win: number,
  tsOk: boolean, tsOffset: number, tsRecent: number, ttl: number, tos: number, md5: Md5SigKey | null = null,
): void {
  const net = tl.net.of(remote);
  const rt = net.route(remote);
  if (!rt) {
    tl.ctx.counters.inc(tl.ctx.counters.Ip, "OutNoRoutes");
    return;
  }
  const ts = tsOk ? timestampOption(tsVal(tl.ctx.scheduler.now(), tsOffset), tsRecent) : null;
  const opts = md5 ? bareAckOptions(ts) : establishedOptions(tsOk, tsVal(tl.ctx.scheduler.now(), tsOffset), tsRecent, noSacks, 0);
  const head = new Uint8Array(net.headerReserve + 20 + tcpEmitOptionsLength(opts));
  writeTcpHeader(head, net.headerReserve, lport, rport, seq, ack, ACK, win, 0, opts);
  if (md5) md5Sign(md5, local, remote, head, net.headerReserve, EMPTY);
  if (net.output(rt, local, remote, IPPROTO_TCP, head, EMPTY, ttl, tos, true)) return;
  const c = tl.ctx.counters;
  c.inc(c.Tcp, "OutSegs");
}

/** The ACK a TIME-WAIT record sends (Linux tcp_v4_timewait_ack): SND.NXT, RCV.NXT, its last window, timestamps. */
export function sendTimeWaitAck(tl: TcpLayer, tw: TimeWaitSock): void {
  const win = Math.min(Math.floor(tw.rcvWnd / 2 ** tw.rcvWscale), 65535);
  sendBareAck(tl, tw.localAddr, tw.remoteAddr, tw.localPort, tw.remotePort, tw.sndNxt, tw.rcvNxt, win, tw.tsOk, tw.tsOffset, tw.tsRecent, tw.ttl, tw.tos,
    md5TimeWaitKey(tw));
}

/**
 * Sends a RST in answer to a segment that belongs to no connection
 * (RFC 9293 §3.10.7.1; Linux tcp_v4_send_reset): if the segment had ACK,
 * `<SEQ=SEG.ACK><CTL=RST>` (no ACK bit: tcpdump shows `R 1:1(0)`);
 * otherwise `<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>`. Never answers a RST.
 * `tos` / `ttl`: of the socket answering, when there is one (-1: default TTL).
 * `md5`: the key that signs it (Linux tcp_v4_send_reset: the answering
 * socket's key for the peer, or for no socket the rules of md5ResetKey).
 */
export function sendResetFor(
  tl: TcpLayer, saddr: InetAddress, sport: number, daddr: InetAddress, dport: number, seq: number, ack: number, flags: number, len: number,
  tos = 0, ttl = -1, md5: Md5SigKey | null = null,
): void {
  const c = tl.ctx.counters;
  if (flags & RST) {
    // RFC 9293 §3.10.7.1: a RST is never answered (Linux: dropped, no MIB counter).
    c.inc(c.Sockstack, "TcpRstIgnored");
    return;
  }
  const net = tl.net.of(saddr);
  const rt = net.route(saddr);
  if (!rt) {
    // An answer with nowhere to go (an unroutable or martian source).
    c.inc(c.Ip, "OutNoRoutes");
    return;
  }
  const l3 = net.headerReserve;
  const opts = md5 ? bareAckOptions(null) : undefined;
  const head = new Uint8Array(l3 + 20 + tcpEmitOptionsLength(opts));
  if (flags & ACK) writeTcpHeader(head, l3, dport, sport, ack, 0, RST, 0, 0, opts);
  else writeTcpHeader(head, l3, dport, sport, 0, (seq + len) >>> 0, RST | ACK, 0, 0, opts);
  if (md5) md5Sign(md5, daddr, saddr, head, l3, EMPTY);
  if (net.output(rt, daddr, saddr, IPPROTO_TCP, head, EMPTY, ttl, tos, true)) return;
  c.inc(c.Tcp, "OutSegs");
  c.inc(c.Tcp, "OutRsts");
}

/** A timestamp option's value and echo, for {@link bareAckOptions}. */
interface TsPair {
  readonly val: number;
  readonly ecr: number;
}

function timestampOption(val: number, ecr: number): TsPair {
  return { val, ecr };
}

/**
 * The options of a signed reply sent outside a connection (Linux
 * tcp_v4_send_ack, tcp_v4_send_reset): `nop,nop,TS` when there are
 * timestamps, then `nop,nop,md5` (these replies put the signature after
 * the timestamps, where tcp_options_write puts it first).
 */
function bareAckOptions(ts: TsPair | null): TcpOption[] {
  const list: TcpOption[] = [];
  if (ts) list.push(OPT_NOP, OPT_NOP, { kind: "timestamp", val: ts.val, ecr: ts.ecr });
  list.push(OPT_NOP, OPT_NOP, { kind: "unknown", type: TCPOPT_MD5SIG, data: new Uint8Array(16) });
  return list;
}
