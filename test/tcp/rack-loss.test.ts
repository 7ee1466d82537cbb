/**
 * The Loss state of a RACK connection (src/tcp/loss.ts; Linux
 * tcp_enter_loss, tcp_timeout_mark_lost, tcp_process_loss,
 * tcp_xmit_retransmit_queue): what an RTO marks lost, how later ACKs walk
 * the marks, a retransmission RACK finds lost again, the undo of a
 * spurious timeout — against a raw peer (peer MSS 1000 with SACK, RTT
 * 100 ms, tail loss probes off so that the RTO comes first), with F-RTO
 * (tcp_frto 2, Linux's default) unless a test turns it off. The F-RTO
 * scenarios are test/tcp/linux-loss-rack-probe.py's frto and
 * frto-spurious, checked on Linux 6.18.
 * test/pkt/linux/loss-rack-lost-retransmit.pkt is the scenario checked on
 * Linux 6.18.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { tsVal } from "../../src/tcp/isn.js";
import { TCP_INFINITE_SSTHRESH } from "../../src/tcp/congestion/congestion-control.js";
import { injectTcp, listenOn, rawPeer } from "../helpers/vocabulary.js";

const PORT = 8080;
const PEER = 40000;

/** An accepted connection whose handshake took 100 ms (srtt = min_rtt = 100 ms, RTO 300 ms), TLP off. */
async function established(opts: { withTs?: boolean; tcp_frto?: number } = {}) {
  const withTs = opts.withTs === true;
  const t = rawPeer();
  t.host.sysctl.tcp_early_retrans = 0;
  if (opts.tcp_frto !== undefined) t.host.sysctl.tcp_frto = opts.tcp_frto;
  const l = listenOn(t.p, PORT);
  const ts = (ecr: number) => (withTs ? { tsVal: 1, tsEcr: ecr } : {});
  injectTcp(t.host, { flags: "S", port: PORT, peerPort: PEER, options: { mss: 1000, sackOk: true, wscale: 7, ...ts(0) } });
  const synAck = t.capture.expectTcp({ flags: "S.", seq: 0, ack: 1 });
  await t.net.advance(ms(100));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1, win: 320, options: ts(synAck.header.tsVal ?? 0) });
  const { fd } = await t.p.accept(l);
  const tcb = t.conn(PORT)!;
  /** A SACK option for relative ranges [s, e) of our data. */
  const sack = (...r: number[]) => ({ sack: r.map((x) => (tcb.iss + x) >>> 0) });
  const counter = (name: string) => t.host.counters.TcpExt[name] ?? 0;
  return { ...t, fd, tcb, sack, counter, ts };
}

test("Loss: the RTO resends the first segment only (cwnd 1, all marked lost); each ACK then walks the lost marks as cwnd allows, then new data", async () => {
  const t = await established({ tcp_frto: 0 });
  await t.p.send(t.fd, new Uint8Array(4000));
  t.capture.drain();
  await t.net.advance(ms(300));
  t.capture.expectTcp({ flags: ".", seq: 1, len: 1000, at: ms(400) });
  t.capture.expectNoMore();
  assert.equal(t.tcb.caState, "loss");
  assert.equal(t.tcb.cwnd, 1, "tcp_enter_loss: nothing in flight once all is marked lost, cwnd = 0 + 1");
  assert.equal(t.tcb.cc.ssthresh, 7);
  assert.equal(t.tcb.sentLog!.lostSegs, 4);
  assert.equal(t.tcb.sndNxt, (t.tcb.iss + 4001) >>> 0, "snd.nxt does not go back (no go-back-N)");
  // More data while in Loss: it waits for the lost segments.
  await t.p.send(t.fd, new Uint8Array(3000));
  t.capture.expectNoMore();
  await t.net.advance(ms(150));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1001, win: 320 });
  t.capture.expectSequence([{ flags: ".", seq: 1001, len: 1000 }, { flags: ".", seq: 2001, len: 1000 }]);
  t.capture.expectNoMore();
  assert.equal(t.counter("TCPSlowStartRetrans"), 2);
  await t.net.advance(ms(150));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 3001, win: 320 });
  // cwnd 4: the last lost segment, then new data with what is left.
  t.capture.expectSequence([{ seq: 3001, len: 1000 }, { seq: 4001, len: 1000 }, { seq: 5001, len: 1000 }, { seq: 6001, len: 1000 }]);
  assert.equal(t.counter("TCPSlowStartRetrans"), 3);
  await t.net.advance(ms(150));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 4001, win: 320 });
  assert.equal(t.tcb.caState, "open", "snd.una reached the recovery point (the RTO's snd.nxt)");
  assert.equal(t.counter("TCPLossUndo"), 0);
});

test("F-RTO: the first ACK after the RTO sends new data, not the lost marks; a SACK of only that new data proves the loss and the marks go (as Linux 6.18)", async () => {
  const t = await established();
  await t.p.send(t.fd, new Uint8Array(4000));
  t.capture.drain();
  await t.net.advance(ms(300));
  t.capture.expectTcp({ seq: 1, len: 1000, at: ms(400) });
  await t.p.send(t.fd, new Uint8Array(3000));
  t.capture.expectNoMore();
  await t.net.advance(ms(150));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1001, win: 320 });
  // RFC 5682 step 2.b: two new segments (cwnd 2), the lost 1001:4001 wait.
  t.capture.expectSequence([{ seq: 4001, len: 1000 }, { seq: 5001, len: 1000 }]);
  t.capture.expectNoMore();
  assert.equal(t.tcb.caState, "loss");
  assert.equal(t.tcb.cwnd, 2);
  assert.equal(t.tcb.sentLog!.lostSegs, 3);
  assert.equal(t.counter("TCPSlowStartRetrans"), 0);
  await t.net.advance(ms(150));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1001, win: 320, options: t.sack(4001, 6001) });
  // Step 3.a: the new data arrived, the originals did not — the loss is real: the marks go, cwnd 2.
  t.capture.expectSequence([{ seq: 1001, len: 1000 }, { seq: 2001, len: 1000 }]);
  t.capture.expectNoMore();
  assert.equal(t.tcb.caState, "loss");
  assert.equal(t.counter("TCPSlowStartRetrans"), 2);
  assert.equal(t.counter("TCPSpuriousRTOs"), 0);
  assert.equal(t.tcb.retransOut, 2);
});

test("F-RTO: after its new data, an ACK of data never retransmitted shows the RTO spurious — undone (TCPLossUndo, TCPSpuriousRTOs)", async () => {
  const t = await established();
  await t.p.send(t.fd, new Uint8Array(4000));
  t.capture.drain();
  await t.net.advance(ms(300));
  t.capture.expectTcp({ seq: 1, len: 1000, at: ms(400) });
  await t.p.send(t.fd, new Uint8Array(3000));
  await t.net.advance(ms(150));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1001, win: 320 });
  t.capture.expectSequence([{ seq: 4001, len: 1000 }, { seq: 5001, len: 1000 }]);
  await t.net.advance(ms(150));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 3001, win: 320 });
  assert.equal(t.counter("TCPLossUndo"), 1);
  assert.equal(t.counter("TCPSpuriousRTOs"), 1);
  assert.notEqual(t.tcb.caState, "loss");
  assert.equal(t.counter("TCPSlowStartRetrans"), 0, "no lost mark was walked");
  // Then as on Linux 6.18: cwnd restored and grown, new data; RACK's reordering timer finds 3001:4001 lost
  // (sent before the delivered retransmission) and fast recovery resends it, ssthresh 8 from the grown cwnd.
  t.capture.expectTcp({ seq: 6001, len: 1000, at: ms(700) });
  await t.net.advance(ms(100));
  t.capture.expectTcp({ seq: 3001, len: 1000 });
  assert.equal(t.tcb.caState, "recovery");
  assert.equal(t.tcb.cc.ssthresh, 8);
  assert.equal(t.tcb.cwnd, 4);
});

test("Loss: segments sent less than RACK.rtt before the RTO stay in flight (tcp_timeout_mark_lost's RACK exception); cwnd = in flight + 1", async () => {
  const t = await established();
  await t.p.send(t.fd, new Uint8Array(2000));
  t.capture.drain();
  await t.net.advance(ms(100));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1001, win: 320 });
  // RACK.rtt is 100 ms; the RTO is due 300 ms after this ACK.
  await t.net.advance(ms(250));
  await t.p.send(t.fd, new Uint8Array(2000));
  t.capture.expectSequence([{ seq: 2001, len: 1000 }, { seq: 3001, len: 1000 }]);
  await t.net.advance(ms(50));
  t.capture.expectTcp({ seq: 1001, len: 1000, at: ms(500) });
  t.capture.expectNoMore();
  assert.equal(t.tcb.caState, "loss");
  assert.equal(t.tcb.sentLog!.lostSegs, 1, "only 1001:2001 is lost; 2001:4001 left 50 ms ago");
  assert.equal(t.tcb.cwnd, 3, "two segments in flight + 1");
  await t.net.advance(ms(100));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 4001, win: 320 });
  assert.equal(t.tcb.caState, "open");
  t.capture.expectNoMore();
});

test("Loss: a SACK showing the retransmission lost again (sent before a SACKed one, RACK.rtt passed) moves to recovery and resends it at once (TCPLostRetransmit)", async () => {
  const t = await established();
  await t.p.send(t.fd, new Uint8Array(5000));
  t.capture.drain();
  await t.net.advance(ms(300));
  t.capture.expectTcp({ seq: 1, len: 1000, at: ms(400) });
  await t.net.advance(ms(150));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1001, win: 320 });
  t.capture.expectSequence([{ seq: 1001, len: 1000 }, { seq: 2001, len: 1000 }]);
  assert.equal(t.tcb.retransOut, 2);
  await t.net.advance(ms(150));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1001, win: 320, options: t.sack(2001, 3001) });
  t.capture.expectTcp({ flags: ".", seq: 1001, len: 1000, at: ms(700) });
  assert.equal(t.tcb.caState, "recovery");
  assert.equal(t.tcb.cc.ssthresh, 2, "recovery's own reduction, from cwnd 2");
  assert.equal(t.counter("TCPLostRetransmit"), 1);
  assert.equal(t.counter("TCPSackRecovery"), 1);
  assert.equal(t.tcb.retransOut, 1, "the SACKed retransmission and the lost one left retrans_out; the new one joined");
});

test("Loss: an ACK echoing a timestamp older than the first retransmission proves the RTO spurious — undone (TCPLossUndo), cwnd and ssthresh back, nothing lost", async () => {
  const t = await established({ withTs: true });
  await t.p.send(t.fd, new Uint8Array(2000));
  const sentTs = t.capture.expectTcp({ seq: 1, len: 988 }).header.tsVal!;
  t.capture.drain();
  assert.equal(sentTs, tsVal(ms(100), t.tcb.tsOffset));
  await t.net.advance(ms(300));
  t.capture.expectTcp({ seq: 1, len: 988, at: ms(400) });
  assert.equal(t.tcb.caState, "loss");
  assert.equal(t.tcb.cwnd, 1);
  // The originals were only delayed: the ACK echoes their TSval, not the retransmission's.
  await t.net.advance(ms(10));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 989, win: 320, options: t.ts(sentTs) });
  assert.equal(t.counter("TCPLossUndo"), 1);
  assert.equal(t.tcb.caState, "open");
  assert.equal(t.tcb.cwnd, 10, "cwnd restored");
  assert.equal(t.tcb.cc.ssthresh, TCP_INFINITE_SSTHRESH, "ssthresh restored");
  assert.equal(t.tcb.sentLog!.lostSegs, 0, "the lost marks are cleared");
  t.capture.expectNoMore();
});

test("Loss: the ACKs were lost, not the data — an ACK advancing snd.una whose D-SACK covers the only retransmission undoes the timeout (tcp_try_undo_loss: TCPLossUndo)", async () => {
  const t = await established();
  await t.p.send(t.fd, new Uint8Array(2000));
  t.capture.drain();
  await t.net.advance(ms(300));
  t.capture.expectTcp({ seq: 1, len: 1000, at: ms(400) });
  // The peer had both segments; the retransmission is a duplicate it reports with a D-SACK.
  await t.net.advance(ms(100));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 2001, win: 320, options: t.sack(1, 1001) });
  assert.equal(t.counter("TCPDSACKRecv"), 1);
  assert.equal(t.counter("TCPLossUndo"), 1);
  assert.equal(t.counter("TCPDSACKUndo"), 0, "in Loss the undo is tcp_try_undo_loss's, not tcp_try_undo_dsack's");
  // As Linux 6.18 (test/tcp/linux-loss-rack-probe.py dsack-undo): Open, cwnd 10, ssthresh infinite.
  assert.equal(t.tcb.caState, "open");
  assert.equal(t.tcb.cwnd, 10);
  assert.equal(t.tcb.cc.ssthresh, TCP_INFINITE_SSTHRESH);
});
