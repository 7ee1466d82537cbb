import { test } from "node:test";
import assert from "node:assert/strict";
import { Bbr, BbrMode, BBR_HIGH_GAIN } from "./bbr.js";
import type { CcContext } from "./congestion-control.js";
import { TCP_INFINITE_SSTHRESH } from "./congestion-control.js";
import { DeliveryRate } from "./rate-sample.js";
import { WindowedMax } from "./minmax.js";

/**
 * A synthetic path for one Bbr object: each `round()` delivers `perRound`
 * segments in one ACK after `rtt` µs, losing `lostPerRound`, so that every
 * call starts a new packet-timed round (the rate sample's prior_delivered
 * is the delivered count at the previous round).
 */
class Path {
  readonly counts = { delivered: 0, lost: 0 };
  readonly rate = new DeliveryRate();
  readonly ctx: CcContext;
  readonly cc = new Bbr();
  now = 1_000_000;
  constructor(public rtt = 10_000, public mss = 1000) {
    this.ctx = {
      now: this.now, mss, inflight: 10, counts: this.counts, srtt: rtt, minRtt: rtt, maxPacingRate: Infinity, edtDelay: 0,
      rate: this.rate, random: () => 0,
    };
    this.cc.init(this.ctx);
  }
  round(perRound: number, lostPerRound = 0, inflight = perRound, appLimited = false): void {
    const prior = this.counts.delivered;
    this.now += this.rtt;
    this.counts.delivered += perRound;
    this.counts.lost += lostPerRound;
    this.rate.deliveredTime = this.now;
    const rs = this.rate.rs;
    this.rate.beginAck(inflight);
    rs.priorDelivered = prior;
    rs.priorTime = this.now - this.rtt;
    rs.delivered = perRound;
    rs.interval = this.rtt;
    rs.rtt = this.rtt;
    rs.losses = lostPerRound;
    rs.ackedSacked = perRound;
    rs.isAppLimited = appLimited;
    this.ctx.now = this.now;
    this.ctx.inflight = inflight;
    this.cc.congControl(rs, this.ctx);
  }
}

test("windowed max (win_minmax): keeps the best of the window, forgets it once the window passed", () => {
  const m = new WindowedMax();
  m.reset(0, 0);
  assert.equal(m.update(10, 1, 5), 5, "a new best");
  assert.equal(m.update(10, 2, 3), 5, "a lower sample does not replace the best");
  assert.equal(m.update(10, 8, 4), 5, "still inside the window");
  assert.equal(m.update(10, 12, 2), 4, "the best aged out: the next best of the later part remains");
  assert.equal(m.update(10, 30, 1), 1, "everything aged out");
});

test("delivery-rate sample (tcp_rate_gen): max(send phase, ACK phase); shorter than min_rtt is invalid", () => {
  const r = new DeliveryRate();
  const snap = new Float64Array(4);
  r.onSent(1000, true, 0, snap, 0);
  r.beginAck(1);
  r.onDelivered(snap, 0, 1000, false, false);
  const rs = r.gen(21_000, 1, 1, 0, 10_000, false);
  assert.equal(rs.delivered, 1, "one segment delivered since it left");
  assert.equal(rs.interval, 20_000, "the ACK phase (20 ms) is longer than the send phase (0)");
  assert.equal(rs.rtt, 20_000, "the RTT of the newest delivered segment");
  assert.equal(r.deliveryRate(1000), 50_000, "tcpi_delivery_rate: 1000 B / 20 ms");
  r.onSent(22_000, false, 1, snap, 0);
  r.beginAck(1);
  r.onDelivered(snap, 0, 22_000, false, false);
  assert.equal(r.gen(42_000, 2, 1, 0, 10_000, false).interval, 21_000, "max(send phase from the window's first transmission: 21 ms, ACK phase: 21 ms)");
  r.onSent(50_000, true, 2, snap, 0);
  r.beginAck(1);
  r.onDelivered(snap, 0, 50_000, false, false);
  assert.equal(r.gen(53_000, 3, 1, 0, 10_000, false).interval, -1, "after idle both clocks restart: a 3 ms interval under a 10 ms min_rtt is no sample");
});

test("bbr: STARTUP at 2/ln2 gains, leaves after three rounds without 25 % growth, DRAIN sets ssthresh, PROBE_BW cycles", () => {
  const p = new Path();
  assert.equal(p.cc.mode, BbrMode.STARTUP, "starts in STARTUP");
  assert.equal(p.cc.pacingGain, BBR_HIGH_GAIN, "pacing gain 2.89");
  assert.equal(p.cc.ssthresh, TCP_INFINITE_SSTHRESH, "ssthresh infinite");
  for (let i = 1; i <= 5; i++) p.round(10 * 2 ** i);
  assert.equal(p.cc.mode, BbrMode.STARTUP, "bandwidth still doubling: STARTUP");
  for (let i = 0; i < 3; i++) p.round(320, 0, 700);
  assert.equal(p.cc.mode, BbrMode.DRAIN, "three flat rounds: DRAIN");
  assert.ok(p.cc.ssthresh < TCP_INFINITE_SSTHRESH, "DRAIN sets ssthresh to the estimated BDP (bbr_check_drain)");
  p.round(320, 0, 300);
  assert.equal(p.cc.mode, BbrMode.PROBE_BW, "in flight at one BDP: PROBE_BW");
  const gains = new Set<number>();
  p.rtt = 10_500; // each phase lasts a little more than min_rtt
  for (let i = 0; i < 16; i++) {
    p.round(336, 0, 600);
    gains.add(p.cc.pacingGain);
  }
  assert.deepEqual([...gains].sort((a, b) => a - b), [192, 256, 320], "the gain cycle visits 0.75, 1 and 1.25");
  // bw 320 segments per 10 ms (the max filter's) → 32 segments/ms; the pacing rate is ~1 % under bw × gain.
  const bytesPerSec = 32 * 1000 * 1000;
  assert.ok(p.cc.pacingRate! >= 0.7 * bytesPerSec && p.cc.pacingRate! <= 1.25 * bytesPerSec, `pacing rate ${p.cc.pacingRate} near the bandwidth`);
  const info = p.cc.info(1000);
  assert.equal(info.bw, Math.floor((Math.floor((320 * 2 ** 24) / 10_000) * 1000 * 1e6) / 2 ** 24), "tcp_bbr_info.bbr_bw_lo: bytes per second, from Linux's 2^-24 fixed point");
  assert.equal(info.minRtt, 10_000, "bbr_min_rtt µs");
});

test("bbr: loss is no congestion signal — recovery conserves packets for a round, then restores the cwnd from before", () => {
  const p = new Path();
  for (let i = 1; i <= 5; i++) p.round(10 * 2 ** i);
  for (let i = 0; i < 5; i++) p.round(320, 0, 320);
  const before = p.cc.cwnd;
  const ssthresh = p.cc.ssthresh;
  p.cc.enterRecovery(p.now, 300);
  assert.equal(p.cc.ssthresh, ssthresh, "bbr_ssthresh leaves ssthresh as it was (DRAIN's BDP)");
  p.round(20, 5, 250);
  assert.equal(p.cc.cwnd, 250 + 20, "first round of recovery: cwnd = in flight + delivered");
  p.cc.exitRecovery();
  p.round(320, 0, 100);
  // bbr_set_cwnd_to_recover_or_restore: back to the cwnd from before (then capped by the BDP target), not slow start.
  assert.ok(p.cc.cwnd > 270 + 320 && p.cc.cwnd <= before, `recovery over: cwnd ${p.cc.cwnd} restored towards ${before}`);
  p.cc.onRto(p.now);
  assert.equal(p.cc.cwnd, 1, "RTO: cwnd = in flight + 1 (tcp_enter_loss)");
  assert.equal(p.cc.state, "loss", "state Loss");
});

test("bbr: PROBE_RTT once min_rtt is 10 s old — cwnd 4 for 200 ms and a round, then back to PROBE_BW", () => {
  const p = new Path();
  for (let i = 1; i <= 5; i++) p.round(10 * 2 ** i);
  for (let i = 0; i < 5; i++) p.round(320, 0, 320);
  assert.equal(p.cc.mode, BbrMode.PROBE_BW, "steady state");
  p.rtt = 12_000; // queueing: no sample refreshes the 10 ms min_rtt
  const mode = (): number => p.cc.mode;
  while (mode() !== BbrMode.PROBE_RTT) p.round(384, 0, 384);
  assert.ok(p.now >= 1_000_000 + 10_000_000, `PROBE_RTT not before the 10 s window expired (${p.now} µs)`);
  p.round(4, 0, 4);
  assert.ok(p.cc.cwnd <= 4, `cwnd ${p.cc.cwnd} capped at 4 in PROBE_RTT`);
  const entered = p.now;
  while (mode() === BbrMode.PROBE_RTT) p.round(4, 0, 4);
  assert.ok(p.now - entered >= 200_000, `PROBE_RTT lasted ${p.now - entered} µs, at least 200 ms`);
  assert.equal(p.cc.mode, BbrMode.PROBE_BW, "back to PROBE_BW");
  assert.equal(p.cc.minRttUs, 12_000, "min_rtt refreshed from the samples taken meanwhile");
});

test("bbr: a policer (two lossy intervals at the same rate) switches to the long-term bandwidth, for 48 rounds", () => {
  const p = new Path();
  for (let i = 1; i <= 5; i++) p.round(10 * 2 ** i);
  for (let i = 0; i < 5; i++) p.round(320, 0, 320);
  let n = 0;
  while (!p.cc.ltUseBw && n++ < 40) p.round(320, 100, 320); // 31 % loss at a steady rate
  assert.ok(p.cc.ltUseBw, "policed: lt_use_bw");
  assert.ok(n >= 8, `two intervals of ≥ 4 rounds each (${n} rounds)`);
  p.round(320, 0, 320);
  assert.equal(p.cc.pacingGain, 256, "paced at 1.0 × the long-term rate");
  for (let i = 0; i < 48; i++) p.round(320, 0, 320);
  assert.equal(p.cc.ltUseBw, false, "after 48 rounds the long-term model is dropped and probing resumes");
});

test("bbr: app-limited samples below the estimate do not lower it", () => {
  const p = new Path();
  for (let i = 1; i <= 5; i++) p.round(10 * 2 ** i);
  const bw = p.cc.bwSegsPerSec;
  for (let i = 0; i < 12; i++) p.round(10, 0, 10, true);
  assert.equal(p.cc.bwSegsPerSec, bw, "app-limited samples are filtered out");
});
