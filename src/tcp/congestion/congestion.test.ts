import { test } from "node:test";
import assert from "node:assert/strict";
import { newAckSample, TCP_INFINITE_SSTHRESH } from "./congestion-control.js";
import type { AckSample, CongestionControl } from "./congestion-control.js";
import { NewReno } from "./newreno.js";
import { Cubic } from "./cubic.js";
import { availableCongestionControls, createCongestionControl } from "./registry.js";
import { MS, SEC } from "../../core/time.js";

/** A flow that is always cwnd-limited: each round sends cwnd segments, one ACK per segment spread over the RTT. */
class Flow {
  s: AckSample = newAckSample();
  t = 0;
  seq = 0xfffff000; // wraps during the test
  constructor(public cc: CongestionControl, public rtt = 100 * MS) {}
  round(rttOverride?: number): void {
    const n = this.cc.cwnd;
    const rtt = rttOverride ?? this.rtt;
    const end = (this.seq + n) >>> 0;
    for (let i = 0; i < n; i++) {
      const s = this.s;
      s.now = this.t + Math.floor(((i + 1) * this.rtt) / n);
      this.seq = (this.seq + 1) >>> 0;
      s.ack = this.seq;
      s.sndNxt = end;
      s.ackedSacked = 1;
      s.rtt = rtt;
      s.inflight = n - i - 1;
      s.cwndLimited = true;
      this.cc.onAck(s);
    }
    this.t += this.rtt;
  }
}

test("registry: reno/newreno/cubic/bbr, unknown → undefined (ENOENT), initial window 10 (RFC 6928)", () => {
  assert.equal(createCongestionControl("reno")?.name, "reno");
  assert.equal(createCongestionControl("newreno")?.name, "reno");
  assert.equal(createCongestionControl("cubic")?.name, "cubic");
  assert.equal(createCongestionControl("bbr")?.name, "bbr", "bbr is registered");
  assert.equal(createCongestionControl("bbr2"), undefined, "BBRv2/v3 are not in mainline Linux");
  assert.equal(createCongestionControl("toString"), undefined);
  assert.equal(createCongestionControl("cubic")?.cwnd, 10);
  assert.equal(createCongestionControl("reno", 4)?.cwnd, 4);
  assert.equal(createCongestionControl("reno")?.ssthresh, TCP_INFINITE_SSTHRESH);
  assert.deepEqual(availableCongestionControls(), ["reno", "bbr", "cubic"], "Linux 6.18's registration order with bbr and cubic built in");
});

for (const name of ["reno", "cubic"]) {
  test(`${name}: slow start doubles cwnd per RTT`, () => {
    const cc = createCongestionControl(name)!;
    const f = new Flow(cc);
    f.round(); assert.equal(cc.cwnd, 20);
    f.round(); assert.equal(cc.cwnd, 40);
    f.round(); assert.equal(cc.cwnd, 80);
    assert.equal(cc.inSlowStart, true);
  });

  test(`${name}: no growth when not cwnd-limited`, () => {
    const cc = createCongestionControl(name)!;
    const s = newAckSample();
    s.ackedSacked = 5; s.cwndLimited = false;
    cc.onAck(s);
    assert.equal(cc.cwnd, 10);
  });

  test(`${name}: RTO → cwnd 1, ssthresh reduced once, then slow start from 1`, () => {
    const cc = createCongestionControl(name)!;
    const f = new Flow(cc);
    f.round(); f.round();                 // cwnd 40
    cc.onRto(f.t);
    assert.equal(cc.cwnd, 1);
    assert.equal(cc.state, "loss");
    const ss = cc.ssthresh;
    assert.equal(ss, name === "reno" ? 20 : 28);
    cc.onRto(f.t + SEC);                  // backoff: no second reduction
    assert.equal(cc.ssthresh, ss);
    f.round(); assert.equal(cc.cwnd, 2);
    f.round(); assert.equal(cc.cwnd, 4);
    cc.exitLoss();
    assert.equal(cc.state, "open");
  });
}

test("reno: congestion avoidance grows about 1 segment per RTT", () => {
  const cc = new NewReno();
  const f = new Flow(cc);
  f.round(); f.round();                     // 40
  cc.enterRecovery(f.t, 40);
  cc.exitRecovery();
  assert.equal(cc.ssthresh, 20);            // reno halves
  assert.equal(cc.cwnd, 20);
  for (let i = 1; i <= 10; i++) {
    f.round();
    assert.equal(cc.cwnd, 20 + i, `round ${i}`);
  }
  assert.equal(cc.inSlowStart, false);
});

test("reno: ssthresh floor is 2 segments", () => {
  const cc = new NewReno(2);
  cc.enterRecovery(0, 2);
  assert.equal(cc.ssthresh, 2);
});

test("PRR (RFC 6937): recovery sends ~ssthresh/cwnd per delivered segment, exits at ssthresh", () => {
  const cc = new NewReno();
  const f = new Flow(cc);
  f.round(); f.round();                     // cwnd 40, all 40 in flight
  cc.enterRecovery(f.t, 40);
  assert.equal(cc.state, "recovery");
  const s = newAckSample();
  s.unaAdvanced = false;
  let pipe = 39;                            // one lost
  let sent = 0;
  for (let i = 0; i < 39; i++) {
    s.ackedSacked = 1;
    pipe -= 1;
    s.inflight = pipe;
    cc.onDupAck(s);
    const canSend = Math.max(0, cc.cwnd - pipe);
    cc.onTransmit(canSend);
    pipe += canSend;
    sent += canSend;
  }
  // first ACK forces the retransmission; overall about half of the delivered
  assert.ok(sent >= 19 && sent <= 21, `sent ${sent}`);
  cc.exitRecovery();
  assert.equal(cc.cwnd, 20);
  assert.equal(cc.state, "open");
});

test("undo restores cwnd and ssthresh after a spurious reduction", () => {
  const cc = new NewReno();
  const f = new Flow(cc);
  f.round(); f.round();                     // 40
  cc.enterRecovery(f.t, 40);
  cc.exitRecovery();
  assert.equal(cc.cwnd, 20);
  cc.undo();
  assert.equal(cc.cwnd, 40);
  assert.equal(cc.ssthresh, TCP_INFINITE_SSTHRESH);
});

test("restart after idle halves cwnd per idle RTO, not below the initial window", () => {
  const cc = new NewReno();
  const f = new Flow(cc);
  f.round(); f.round(); f.round();          // 80
  cc.restartAfterIdle(f.t, 250 * MS, 100 * MS);   // 2 RTOs idle → 80/2 (loop: 150>0 halve, 50>0 halve) 
  assert.equal(cc.cwnd, 20);
  assert.equal(cc.ssthresh, TCP_INFINITE_SSTHRESH); // max(ssthresh, 3/4·cwnd): still infinite
  cc.restartAfterIdle(f.t, 10 * SEC, 100 * MS);
  assert.equal(cc.cwnd, 10);
});

test("cubic: loss reduces by β = 0.7, with fast convergence on a second loss", () => {
  const cc = new Cubic();
  const f = new Flow(cc);
  f.round(); f.round(); f.round(); f.round(); // 160
  assert.equal(cc.cwnd, 160);
  cc.enterRecovery(f.t, 160);
  assert.equal(cc.ssthresh, 112);           // ⌊160·717/1024⌋
  assert.equal(cc.wmax, 160);
  cc.exitRecovery();
  assert.equal(cc.cwnd, 112);
  cc.enterRecovery(f.t, 112);               // below W_max: fast convergence
  assert.equal(cc.wmax, Math.floor((112 * (1024 + 717)) / 2048));
  assert.equal(cc.ssthresh, Math.floor((112 * 717) / 1024));
});

test("cubic: window follows W(t) = C(t − K)³ + W_max (RFC 9438 §4.2)", () => {
  const cc = new Cubic();
  cc.hystart = false;
  const rtt = 100 * MS;
  const f = new Flow(cc, rtt);
  f.round(); f.round(); f.round(); f.round(); // 160
  f.round();                                  // 320 — but keep W_max moderate:
  const wmax = cc.cwnd;
  cc.enterRecovery(f.t, wmax);
  cc.exitRecovery();
  const epoch = f.t;
  const C = 0.4, beta = 0.7;
  const K = Math.cbrt((wmax * (1 - beta)) / C);
  const samples: string[] = [];
  while (f.t - epoch < 2 * K * SEC) {
    f.round();
    const t = (f.t - epoch) / SEC;
    // CUBIC aims one RTT ahead (Linux adds delay_min to t)
    const w = C * (t + rtt / SEC - K) ** 3 + wmax;
    if (t > 1) {
      const err = Math.abs(cc.cwnd - w) / w;
      samples.push(`${t.toFixed(1)}s ${cc.cwnd} vs ${w.toFixed(1)}`);
      assert.ok(err < 0.05, `t=${t} cwnd=${cc.cwnd} W=${w}`);
    }
  }
  assert.ok(Math.abs(cc.k - K) < 0.01, `K ${cc.k} vs ${K}`);
  assert.ok(cc.cwnd > wmax, "grows beyond W_max after K");
  assert.ok(samples.length > 50);
});

test("cubic: TCP-friendly region dominates for small windows and short RTT", () => {
  const cc = new Cubic();
  cc.hystart = false;
  // 10 ms RTT: the cubic curve is slow here. (At ≤ 1 ms RTT Linux's "update at
  // most every HZ/32 while cwnd is unchanged" rule slows the friendly region too.)
  const f = new Flow(cc, 10 * MS);
  f.round();                                   // 20
  cc.enterRecovery(f.t, 20);
  cc.exitRecovery();                           // 14
  const start = cc.cwnd;
  for (let i = 0; i < 100; i++) f.round();
  // Reno-friendly AIMD: α = 3(1−β)/(1+β) ≈ 0.53 segments per RTT → ≈ +50 after 100 RTTs
  const grown = cc.cwnd - start;
  assert.ok(grown >= 40 && grown <= 60, `grew ${grown}`);
});

test("cubic HyStart (delay): exits slow start when the RTT rises, not when it is flat", () => {
  const flat = new Cubic();
  const f1 = new Flow(flat, 50 * MS);
  for (let i = 0; i < 5; i++) f1.round();
  assert.equal(flat.hystartFound, false);
  assert.equal(flat.cwnd, 320);

  const cc = new Cubic();
  const f = new Flow(cc, 50 * MS);
  f.round(); f.round();                        // 40, delay_min 50 ms
  f.round(60 * MS);                            // +10 ms > max(50/8, 4) ms
  assert.equal(cc.hystartFound, true);
  assert.equal(cc.inSlowStart, false);
  assert.ok(cc.ssthresh < 80 && cc.ssthresh >= 40, `ssthresh ${cc.ssthresh}`);
});

test("cubic: RTO resets W_max and the epoch (Linux bictcp_reset on Loss)", () => {
  const cc = new Cubic();
  const f = new Flow(cc);
  f.round(); f.round();
  cc.onRto(f.t);
  assert.equal(cc.cwnd, 1);
  assert.equal(cc.wmax, 0);
  assert.equal(cc.ssthresh, 28);
});
