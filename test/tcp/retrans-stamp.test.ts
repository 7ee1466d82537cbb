/**
 * When the first-retransmission time (Tcb.retransStamp, Linux
 * tp->retrans_stamp; src/tcp/retrans-stamp.ts) is forgotten: Linux 6.x
 * clears it once no retransmission is outstanding (tcp_try_to_open,
 * tcp_fastretrans_alert in Open, tcp_enter_recovery), not when an ACK
 * covers everything sent. A raw peer (MSS 1000, SACK, RTT 100 ms, RTO
 * 300 ms, tail loss probes and F-RTO off so that the RTO comes first).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { injectTcp, listenOn, rawPeer } from "../helpers/vocabulary.js";

const PORT = 8080;
const PEER = 40000;

async function established() {
  const t = rawPeer();
  t.host.sysctl.tcp_early_retrans = 0;
  t.host.sysctl.tcp_frto = 0;
  const l = listenOn(t.p, PORT);
  injectTcp(t.host, { flags: "S", port: PORT, peerPort: PEER, options: { mss: 1000, sackOk: true, wscale: 7 } });
  t.capture.expectTcp({ flags: "S.", seq: 0, ack: 1 });
  await t.net.advance(ms(100));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1, win: 320 });
  const { fd } = await t.p.accept(l);
  return { ...t, fd, tcb: t.conn(PORT)! };
}

test("retrans_stamp: the ACK that ends Loss with new data still in flight forgets it; the next timeout dates its own episode", async () => {
  const t = await established();
  await t.p.send(t.fd, new Uint8Array(4000));
  t.capture.drain();
  await t.net.advance(ms(300));
  t.capture.expectTcp({ seq: 1, len: 1000, at: ms(400) });
  assert.equal(t.tcb.retransStamp, ms(400), "the RTO's retransmission starts the episode");
  await t.p.send(t.fd, new Uint8Array(3000));
  await t.net.advance(ms(150));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1001, win: 320 });
  await t.net.advance(ms(150));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 3001, win: 320 });
  await t.net.advance(ms(150));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 4001, win: 320 });
  assert.equal(t.tcb.caState, "open", "snd.una reached the recovery point");
  assert.ok(t.tcb.sndMax !== t.tcb.sndUna, "new data is still in flight");
  assert.equal(t.tcb.retransStamp, 0, "tcp_try_to_open: no retransmission outstanding, so the stamp is cleared");
  // The next timeout starts a new episode: its own time, not the first RTO's.
  t.capture.drain();
  const before = t.net.now();
  await t.net.advance(ms(2000));
  assert.equal(t.tcb.caState, "loss", "the rest of the flight timed out");
  assert.ok(t.tcb.retransStamp > before, `the new episode is dated by its own retransmission (stamp ${t.tcb.retransStamp}, ACK at ${before})`);
});

test("retrans_stamp: a dubious ACK in Open clears a stamp left by a loss probe (tcp_fastretrans_alert step D)", async () => {
  const t = await established();
  t.host.sysctl.tcp_early_retrans = 3;
  await t.p.send(t.fd, new Uint8Array(2000));
  t.capture.drain();
  // The tail loss probe (PTO 2·SRTT plus the delayed-ACK allowance for a lone segment) retransmits the last segment: a stamp while still in Open.
  await t.net.advance(ms(250));
  t.capture.expectTcp({ seq: 1001, len: 1000 });
  assert.notEqual(t.tcb.retransStamp, 0, "the probe is a retransmission");
  assert.equal(t.tcb.caState, "open");
  await t.p.send(t.fd, new Uint8Array(2000));
  // An ACK of the first segment with a D-SACK of the probe: dubious (FLAG_DSACKING_ACK) in Open.
  injectTcp(t.host, { flags: ".", seq: 1, ack: 2001, win: 320, options: { sack: [(t.tcb.iss + 1001) >>> 0, (t.tcb.iss + 2001) >>> 0] } });
  assert.equal(t.tcb.retransStamp, 0, "Linux clears retrans_stamp on a dubious ACK found in Open");
});
