import { test } from "node:test";
import assert from "node:assert/strict";
import { RttEstimator, MIN_RTT_WINDOW } from "./rtt.js";
import { TCP_RTO_MAX, TCP_TIMEOUT_INIT } from "./constants.js";
import { MS, SEC } from "../core/time.js";

test("before any sample RTO is 1 s", () => {
  const r = new RttEstimator();
  assert.equal(r.rto, TCP_TIMEOUT_INIT);
  assert.equal(r.hasSample, false);
  assert.equal(r.srtt, 0);
});

test("first sample: SRTT = R, RTTVAR = R/2, RTO = R + max(2R, 200 ms) (Linux)", () => {
  const r = new RttEstimator();
  r.sample(24, true);                     // loopback: ss shows rtt:0.024/0.012 rto:200
  assert.equal(r.srtt, 24);
  assert.equal(r.rttvar, 12);
  assert.equal(r.rto, 24 + 200 * MS);
  assert.equal(r.formatSs(), "rtt:0.024/0.012");
  const w = new RttEstimator();
  w.sample(300 * MS, true);               // WAN: RTO = 3R
  assert.equal(w.rto, 900 * MS);
  assert.equal(w.formatSs(), "rtt:300/150");
});

test("later samples: SRTT gain 1/8, RTTVAR gain 1/4 for a rising RTT (RFC 6298 §2.3)", () => {
  const r = new RttEstimator();
  r.sample(100 * MS, true);
  r.sample(180 * MS, false);
  assert.equal(r.srtt, 110 * MS);              // 100 + 80/8
  assert.equal(r.rttvar, 57_500);              // 3/4·50 + 1/4·80
  assert.equal(r.rto, 110 * MS + 4 * 57_500);  // 340 ms: above the 200 ms floor, RTO = SRTT + 4·RTTVAR
});

test("a falling RTT moves RTTVAR with weight 1/32 only (Linux)", () => {
  const r = new RttEstimator();
  r.sample(100 * MS, true);
  r.sample(20 * MS, false);
  assert.equal(r.srtt, 90 * MS);
  assert.equal(r.rttvar, 50_937);               // 50 + (80 − 50)/8/4, RFC would say 57.5
});

test("steady RTT: the variance term decays per flight to the 200 ms floor, RTO → SRTT + 200 ms", () => {
  const r = new RttEstimator();
  r.sample(100 * MS, true);
  r.sample(900 * MS, true);                     // a spike inflates the RTO
  const spiked = r.rto;
  assert.ok(spiked > 1 * SEC);
  for (let i = 0; i < 200; i++) r.sample(100 * MS, true);
  assert.ok(r.srtt >= 100 * MS && r.srtt < 101 * MS);
  // integer decay (x − floor)/4 stalls 3 µs above the floor, as in Linux
  assert.ok(r.rtoVar >= 200 * MS && r.rtoVar < 200 * MS + 4, `rtoVar ${r.rtoVar}`);
  assert.equal(r.rto, r.srtt + r.rtoVar);
  // without flight boundaries the max is held (no decay)
  const h = new RttEstimator();
  h.sample(100 * MS, true);
  h.sample(900 * MS, false);
  const held = h.rtoVar;
  for (let i = 0; i < 50; i++) h.sample(100 * MS, false);
  assert.equal(h.rtoVar, held);
});

test("backoff doubles, caps at 120 s, and a valid sample resets it", () => {
  const r = new RttEstimator();
  assert.equal(r.backoff(), 2 * SEC);
  assert.equal(r.backoff(), 4 * SEC);
  for (let i = 0; i < 10; i++) r.backoff();
  assert.equal(r.rto, TCP_RTO_MAX);
  assert.equal(r.backoffs, 12);
  r.sample(10 * MS, true);
  assert.equal(r.backoffs, 0);
  assert.equal(r.rto, 10 * MS + 200 * MS);
  r.backoff();
  assert.equal(r.rto, 420 * MS);
  r.resetBackoff();
  assert.equal(r.rto, 210 * MS);
  r.setRto(3 * SEC);
  assert.equal(r.rto, 3 * SEC);
});

test("custom rto_min applies to the floor", () => {
  const r = new RttEstimator(5 * MS);
  r.sample(1 * MS, true);
  assert.equal(r.rto, 1 * MS + 5 * MS);
});

test("minRtt is the minimum over a 300 s window and expires", () => {
  const r = new RttEstimator();
  r.sample(50 * MS, true, 0);
  r.sample(10 * MS, true, 1 * SEC);
  r.sample(30 * MS, true, 2 * SEC);
  assert.equal(r.minRtt, 10 * MS);
  // after the window the old minimum ages out
  r.sample(40 * MS, true, MIN_RTT_WINDOW + 2 * SEC);
  assert.ok(r.minRtt > 10 * MS, `minRtt ${r.minRtt}`);
  r.sample(40 * MS, true, 2 * MIN_RTT_WINDOW + 10 * SEC);
  assert.equal(r.minRtt, 40 * MS);
});
