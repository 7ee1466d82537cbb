/**
 * A smaller path MTU learned from ICMP "fragmentation needed" on an
 * established connection (src/tcp/icmp-error.ts → loss.ts
 * simpleRetransmit; Linux 6.18 tcp_v4_mtu_reduced → tcp_simple_retransmit):
 * the segments longer than the new MSS are marked lost, shorter ones stay
 * in flight; when any is lost the connection enters Loss without a
 * congestion signal (cwnd kept, ssthresh tcp_current_ssthresh, undo
 * impossible) and retransmits them at once (tcp_xmit_retransmit_queue,
 * TCPSlowStartRetrans). Without RACK, Loss goes back to snd.una. A raw
 * peer with MSS 1000 and SACK, RTT 100 ms, TCP_NODELAY. Checked on Linux
 * 6.18.44 with test/tcp/linux-pmtu-probe.py (state, cwnd, which data goes
 * again); Linux re-cuts its 2-segment skbs (860, 860, 280, 860, 140) where
 * sockstack re-sends segment by segment (docs/linux-comparison.md).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { ipv4 } from "../../src/wire/ipv4-address.js";
import { encodeIcmp } from "../../src/conformance/segment-codec.js";
import { runTaps } from "../../src/link/device.js";
import { injectTcp, listenOn, rawPeer } from "../helpers/vocabulary.js";

const PORT = 8080;
const PEER = 40000;

async function established(opts: { sack?: boolean; tcp_recovery?: number } = {}) {
  const t = rawPeer();
  t.host.sysctl.tcp_early_retrans = 0;
  if (opts.tcp_recovery !== undefined) t.host.sysctl.tcp_recovery = opts.tcp_recovery;
  const l = listenOn(t.p, PORT);
  injectTcp(t.host, { flags: "S", port: PORT, peerPort: PEER, options: { mss: 1000, sackOk: opts.sack !== false, wscale: 7 } });
  t.capture.expectTcp({ flags: "S.", seq: 0, ack: 1 });
  await t.net.advance(ms(100));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1, win: 320 });
  const { fd } = await t.p.accept(l);
  t.p.setsockopt(fd, "IPPROTO_TCP", "TCP_NODELAY", 1);
  const tcb = t.conn(PORT)!;
  /** Delivers an ICMP fragmentation needed with `mtu`, quoting our segment at relative `seq`. */
  const fragNeeded = (mtu: number, seq: number) => {
    const p = encodeIcmp({ src: ipv4("10.0.0.1"), dst: ipv4("10.0.0.2"), type: 3, code: 4, mtu, quoteSrcPort: PORT, quoteDstPort: PEER, quoteSeq: (tcb.iss + seq) >>> 0, quotePayload: 1000, ttl: 64, tos: 0 });
    runTaps(t.device, p, "in", t.net.now());
    t.device.onReceive(p, t.device);
  };
  const counter = (name: string) => t.host.counters.TcpExt[name] ?? 0;
  return { ...t, fd, tcb, fragNeeded, counter };
}

test("PMTU drop under RACK: the segments longer than the new MSS are lost and go again at once in new-MSS pieces; a shorter one stays in flight; non-congestion Loss", async () => {
  const t = await established();
  await t.p.send(t.fd, new Uint8Array(3000));
  await t.p.send(t.fd, new Uint8Array(500));
  t.capture.expectSequence([{ seq: 1, len: 1000 }, { seq: 1001, len: 1000 }, { seq: 2001, len: 1000 }, { seq: 3001, len: 500 }]);
  const cwnd = t.tcb.cwnd;
  await t.net.advance(ms(10));
  t.fragNeeded(900, 1);
  assert.equal(t.tcb.caState, "loss", "tcp_simple_retransmit: Loss (something was lost)");
  assert.equal(t.tcb.cwnd, cwnd, "no congestion window cut");
  assert.equal(t.tcb.undoMarker, -1, "undo impossible");
  // MSS 900 − 40 = 860: each 1000-byte segment goes as 860 + 140 (sockstack re-sends segment by segment;
  // Linux re-cuts its skbs 1:2001 and 2001:3001 instead: 860, 860, 280, 860, 140).
  t.capture.expectSequence([
    { seq: 1, len: 860 }, { seq: 861, len: 140 }, { seq: 1001, len: 860 }, { seq: 1861, len: 140 },
    { seq: 2001, len: 860 }, { seq: 2861, len: 140 },
  ]);
  t.capture.expectNoMore();
  assert.equal(t.counter("TCPSlowStartRetrans"), 6, "tcp_xmit_retransmit_queue in Loss: TCPSlowStartRetrans");
  assert.equal(t.host.counters.Tcp.RetransSegs, 6, "RetransSegs per segment");
  // The 500-byte segment was not marked lost: the ACK of everything ends the episode.
  await t.net.advance(ms(100));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 3501, win: 320 });
  assert.equal(t.tcb.caState, "open", "snd.una reached the recovery point");
  assert.equal(t.counter("TCPLossUndo"), 0, "no undo");
  t.capture.expectNoMore();
});

test("PMTU drop with nothing longer than the new MSS in flight: nothing is retransmitted, state unchanged", async () => {
  const t = await established();
  await t.p.send(t.fd, new Uint8Array(500));
  t.capture.expectTcp({ seq: 1, len: 500 });
  await t.net.advance(ms(10));
  t.fragNeeded(900, 1);
  t.capture.expectNoMore();
  assert.equal(t.tcb.caState, "open", "tcp_simple_retransmit: no lost_out, return");
  assert.equal(t.host.counters.Tcp.RetransSegs ?? 0, 0);
});

test("PMTU drop without SACK (no RACK log): non-congestion Loss and go-back-N from snd.una at the new MSS", async () => {
  const t = await established({ sack: false });
  await t.p.send(t.fd, new Uint8Array(2000));
  t.capture.expectSequence([{ seq: 1, len: 1000 }, { seq: 1001, len: 1000 }]);
  const cwnd = t.tcb.cwnd;
  await t.net.advance(ms(10));
  t.fragNeeded(900, 1);
  assert.equal(t.tcb.caState, "loss", "Loss entered");
  assert.equal(t.tcb.cwnd, cwnd, "no congestion window cut");
  t.capture.expectSequence([{ seq: 1, len: 860 }, { seq: 861, len: 860 }, { seq: 1721, len: 280 }]);
  await t.net.advance(ms(100));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 2001, win: 320 });
  assert.equal(t.tcb.caState, "open", "the go-back's end");
});
