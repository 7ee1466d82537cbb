/**
 * RACK-TLP (RFC 8985; Linux tcp_recovery.c, tcp_send_loss_probe): the
 * reordering window and its timer, the DupThresh shortcut, tail loss
 * probes (when, what, and what their ACK means), and the sysctls that turn
 * them off — against a raw peer that plays the receiver, packetdrill-style
 * (the scenarios of Google's fr-4pkt-fack-last-byte, sack-shift-sacked and
 * tlp scripts, numbers relative, peer MSS 1000 with SACK, RTT 100 ms).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { injectTcp, listenOn, rawPeer } from "../helpers/vocabulary.js";
import { snapshot } from "../../src/tools/snapshot.js";
import { ss } from "../../src/tools/ss.js";

const PORT = 8080;
const PEER = 40000;

/** An accepted connection whose handshake took 100 ms (srtt = min_rtt = 100 ms, RTO 300 ms). */
async function established(sysctl: Record<string, number> = {}) {
  const t = rawPeer();
  Object.assign(t.host.sysctl, sysctl);
  const l = listenOn(t.p, PORT);
  injectTcp(t.host, { flags: "S", port: PORT, peerPort: PEER, options: { mss: 1000, sackOk: true, wscale: 7 } });
  t.capture.expectTcp({ flags: "S.", seq: 0, ack: 1 });
  await t.net.advance(ms(100));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1, win: 320 });
  const { fd } = await t.p.accept(l);
  const tcb = t.conn(PORT)!;
  /** A SACK option for relative ranges [s, e) of our data. */
  const sack = (...r: number[]) => ({ sack: r.map((x) => (tcb.iss + x) >>> 0) });
  const counter = (name: string) => t.host.counters.TcpExt[name] ?? 0;
  return { ...t, fd, tcb, sack, counter };
}

test("RACK: a SACK above a hole waits out the reordering window (min_rtt/4), then the reordering timer retransmits and enters recovery", async () => {
  const t = await established();
  await t.p.send(t.fd, new Uint8Array(10000));
  // Five GSO packets of two segments (tcp_tso_autosize at this rate): PSH on each one's last.
  t.capture.expectSequence(Array.from({ length: 10 }, (_, i) => ({ flags: i % 2 === 1 ? "P." : ".", seq: 1 + 1000 * i, len: 1000 })));
  await t.net.advance(ms(100));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1, win: 320, options: t.sack(7001, 8001) });
  // One segment SACKed: fewer than DupThresh, no reordering seen — RACK waits.
  t.capture.expectNoMore();
  assert.equal(t.tcb.caState, "disorder");
  await t.net.advance(ms(26));
  t.capture.expectNoMore();
  // RACK.rtt 100 ms + reo_wnd 25 ms since the segments were sent, + TCP_TIMEOUT_MIN: 27 ms after the SACK.
  await t.net.advance(ms(1));
  t.capture.expectTcp({ flags: ".", seq: 1, len: 1000, at: ms(227) });
  assert.equal(t.tcb.caState, "recovery");
  assert.equal(t.tcb.sentLog!.lostSegs, 7, "1:7001 lost, as Linux's tcpi_lost");
  assert.equal(t.counter("TCPSackRecovery"), 1);
});

test("RACK: DupThresh segments SACKed close the reordering window: fast retransmit at once", async () => {
  const t = await established();
  await t.p.send(t.fd, new Uint8Array(5000));
  t.capture.drain();
  await t.net.advance(ms(100));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1, win: 320, options: t.sack(1001, 2001) });
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1, win: 320, options: t.sack(1001, 3001) });
  t.capture.expectNoMore();
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1, win: 320, options: t.sack(1001, 4001) });
  t.capture.expectTcp({ flags: ".", seq: 1, len: 1000, at: ms(200) });
});

test("RACK: with tcp_recovery bit 0x4 (no DupThresh shortcut) three SACKed segments still wait the window", async () => {
  const t = await established({ tcp_recovery: 5 });
  await t.p.send(t.fd, new Uint8Array(5000));
  t.capture.drain();
  await t.net.advance(ms(100));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1, win: 320, options: t.sack(1001, 4001) });
  t.capture.expectNoMore();
  await t.net.advance(ms(30));
  t.capture.expectTcp({ flags: ".", seq: 1, len: 1000, at: ms(227) });
});

test("tcp_recovery=0: RFC 6675 DupThresh only — one SACKed segment never starts recovery, the RTO repairs", async () => {
  const t = await established({ tcp_recovery: 0, tcp_early_retrans: 0 });
  await t.p.send(t.fd, new Uint8Array(10000));
  t.capture.drain();
  await t.net.advance(ms(100));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1, win: 320, options: t.sack(7001, 8001) });
  await t.net.advance(ms(150));
  t.capture.expectNoMore();
  await t.net.advance(ms(100));
  t.capture.expectTcp({ flags: ".", seq: 1, len: 1000, at: ms(400) });
  assert.equal(t.counter("TCPTimeouts"), 1);
  assert.equal(t.tcb.sentLog, null, "no sent log without RACK or TLP");
});

test("RACK: a segment SACKed below an earlier SACK is reordering: the degree rises, reord_seen counts it", async () => {
  const t = await established();
  await t.p.send(t.fd, new Uint8Array(10000));
  t.capture.drain();
  await t.net.advance(ms(100));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1, win: 320, options: t.sack(7001, 8001) });
  await t.net.advance(ms(27));
  t.capture.expectTcp({ flags: ".", seq: 1, len: 1000 });
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1, win: 320, options: t.sack(3001, 4001, 7001, 8001) });
  // Linux tcp_check_sack_reordering: (8001 − 3001) / mss = 5 (sack-shift-sacked-7-3-4-8-9-fack.pkt).
  assert.equal(t.tcb.reordering, 5);
  assert.equal(t.tcb.sentLog!.reordSeen, 1);
  assert.equal(t.tcb.sentLog!.lostSegs, 6);
  assert.equal(t.counter("TCPSACKReorder"), 1);
  // ss -ti shows them as iproute2 does.
  const line = ss(snapshot(t.host), "-tni");
  assert.match(line, / lost:6 sacked:2 reordering:5 /);
  assert.match(line, / reord_seen:1\b/);
});

test("TLP: the last segment is probed 2·SRTT + 2 ms after the flight; the RTO restarts from the probe (fr-4pkt-fack-last-byte)", async () => {
  const t = await established();
  await t.p.send(t.fd, new Uint8Array(4000));
  t.capture.drain();
  // A SACK of the last byte only covers no whole segment: it tags nothing (Linux tcp_match_skb_to_sack).
  await t.net.advance(ms(100));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1, win: 320, options: t.sack(3999, 4000) });
  t.capture.expectNoMore();
  assert.equal(t.tcb.sb?.sackedBytes ?? 0, 0);
  await t.net.advance(ms(102));
  t.capture.expectTcp({ flags: "P.", seq: 3001, len: 1000, at: ms(302) });
  assert.equal(t.counter("TCPLossProbes"), 1);
  // RTO = 300 ms from the probe.
  await t.net.advance(ms(299));
  t.capture.expectNoMore();
  await t.net.advance(ms(1));
  t.capture.expectTcp({ flags: ".", seq: 1, len: 1000, at: ms(602) });
});

test("TLP: a lone segment waits 2·SRTT + tcp_rto_min for the delayed ACK, capped by the RTO", async () => {
  const t = await established();
  await t.p.send(t.fd, new Uint8Array(500));
  t.capture.drain();
  // min(2·100 + 200, RTO 300) = 300 ms.
  await t.net.advance(ms(300));
  t.capture.expectTcp({ flags: "P.", seq: 1, len: 500, at: ms(400) });
  assert.equal(t.counter("TCPLossProbes"), 1);
  assert.equal(t.counter("TCPTimeouts"), 0);
});

test("TLP: new data goes out as the probe when the peer's window takes it, whatever cwnd says", async () => {
  const t = await established();
  await t.p.send(t.fd, new Uint8Array(15000));
  t.capture.expectSequence(Array.from({ length: 10 }, (_, i) => ({ seq: 1 + 1000 * i, len: 1000 })));
  t.capture.expectNoMore();
  await t.net.advance(ms(202));
  t.capture.expectTcp({ seq: 10001, len: 1000, at: ms(302) });
  assert.equal(t.tcb.sentLog!.tlpHighSeq, (t.tcb.iss + 11001) >>> 0);
});

test("tcp_early_retrans=2: no tail loss probe, the RTO retransmits", async () => {
  const t = await established({ tcp_early_retrans: 2 });
  await t.p.send(t.fd, new Uint8Array(4000));
  t.capture.drain();
  await t.net.advance(ms(300));
  t.capture.expectTcp({ flags: ".", seq: 1, len: 1000, at: ms(400) });
  assert.equal(t.counter("TCPLossProbes"), 0);
  assert.equal(t.counter("TCPTimeouts"), 1);
});

test("TLP: an ACK beyond the probe, no D-SACK of it having come, means the probe repaired a loss — cwnd is reduced (TCPLossProbeRecovery)", async () => {
  const t = await established();
  await t.p.send(t.fd, new Uint8Array(4000));
  t.capture.drain();
  await t.net.advance(ms(202));
  t.capture.expectTcp({ seq: 3001, len: 1000 });
  // The ACK of everything up to the probe does not decide yet: a D-SACK of the probe may follow.
  injectTcp(t.host, { flags: ".", seq: 1, ack: 4001, win: 320 });
  assert.equal(t.counter("TCPLossProbeRecovery"), 0);
  assert.notEqual(t.tcb.sentLog!.tlpHighSeq, -1);
  // An ACK beyond it, no D-SACK having come: the probe was a repair (Linux tcp_process_tlp_ack).
  await t.p.send(t.fd, new Uint8Array(1000));
  const cwnd = t.tcb.cwnd;
  injectTcp(t.host, { flags: ".", seq: 1, ack: 5001, win: 320 });
  assert.equal(t.counter("TCPLossProbeRecovery"), 1);
  assert.ok(t.tcb.cwnd < cwnd, `cwnd ${t.tcb.cwnd} < ${cwnd}`);
  assert.equal(t.tcb.caState, "open");
  assert.equal(t.tcb.sentLog!.tlpHighSeq, -1);
});

test("TLP: a D-SACK of the probe means both copies arrived — no loss, cwnd kept", async () => {
  const t = await established();
  await t.p.send(t.fd, new Uint8Array(4000));
  t.capture.drain();
  await t.net.advance(ms(202));
  t.capture.expectTcp({ seq: 3001, len: 1000 });
  const cwnd = t.tcb.cwnd;
  injectTcp(t.host, { flags: ".", seq: 1, ack: 4001, win: 320, options: t.sack(3001, 4001) });
  assert.equal(t.counter("TCPLossProbeRecovery"), 0);
  assert.equal(t.tcb.sentLog!.tlpHighSeq, -1);
  assert.ok(t.tcb.cwnd >= cwnd);
});
