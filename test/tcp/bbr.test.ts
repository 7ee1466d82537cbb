/**
 * BBR and pacing on the simulated network (virtual time): BBR fills a
 * bottleneck with a deep buffer without filling the buffer (cubic does),
 * keeps its rate under random loss (cubic collapses), drains in PROBE_RTT
 * after 10 s, leaves in paced bursts; SO_MAX_PACING_RATE paces cubic;
 * `ss -i` and TCP_CC_INFO show BBR's model; the same seed gives the same
 * packets.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ms, sec } from "../../src/core/time.js";
import { twoHosts, conns } from "../helpers/tcp.js";
import { listenAccept } from "../helpers/vocabulary.js";
import type { LinkConfigInput } from "../../src/sim/impairments.js";
import { Bbr, BbrMode } from "../../src/tcp/congestion/bbr.js";
import { snapshot } from "../../src/tools/snapshot.js";
import { ss } from "../../src/tools/ss.js";
import type { Tcb } from "../../src/tcp/tcb.js";

interface Flow {
  /** Goodput, bits per second of virtual time. */
  bps: number;
  /** Virtual seconds the transfer took. */
  seconds: number;
  /** The sender's SRTT sampled every 100 ms, µs. */
  srtts: number[];
  /** Data segments leaving the client, by send time (µs). */
  departures: number[];
  /** The client's connection once done (its congestion control). */
  tcb: Tcb;
  ssText: string;
  ccInfo: unknown;
  packetsHash: string;
}

/** One bulk transfer of `bytes` client → server with congestion control `cc`. */
async function bulk(cc: string, cfg: LinkConfigInput, bytes: number, opts: { seed?: number; maxPacingRate?: number; hash?: boolean } = {}): Promise<Flow> {
  const { net, client, server } = twoHosts(cfg, opts.seed ?? 1, { trace: false });
  let received = 0;
  let tDone = 0;
  const departures: number[] = [];
  const hash = createHash("sha256");
  client.ip.interfaces[1]!.device.taps.push((pkt, dir, now) => {
    if (dir !== "out") return;
    if (opts.hash) hash.update(`${now}:`).update(pkt.head).update(pkt.payload);
    if (pkt.payload.length > 0) departures.push(now);
  });
  let tcb: Tcb | undefined;
  let ssText = "";
  let ccInfo: unknown = null;
  server.spawn("sink", async (p) => {
    const { fd } = await listenAccept(p, 5001, 1);
    for (;;) {
      const d = await p.recv(fd, 1 << 20);
      if (!d.length) break;
      received += d.length;
    }
    tDone = net.now();
    await p.close(fd);
  });
  client.spawn("source", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    p.setsockopt(fd, "IPPROTO_TCP", "TCP_CONGESTION", cc);
    if (opts.maxPacingRate !== undefined) p.setsockopt(fd, "SOL_SOCKET", "SO_MAX_PACING_RATE", opts.maxPacingRate);
    await p.connect(fd, ["10.0.0.2", 5001]);
    const chunk = new Uint8Array(1 << 16);
    let off = 0;
    while (off < bytes) {
      off += await p.send(fd, chunk.subarray(0, Math.min(chunk.length, bytes - off)));
      if (!ssText && off > bytes / 2) {
        ssText = ss(snapshot(client), "-tni");
        ccInfo = p.getsockopt(fd, "IPPROTO_TCP", "TCP_CC_INFO");
      }
    }
    tcb = conns(client, 5001)[0];
    await p.close(fd);
  });
  const srtts: number[] = [];
  let last = 0;
  const ok = await net.runUntil(() => {
    if (net.now() - last >= 100_000) {
      last = net.now();
      const t = conns(client, 5001)[0];
      if (t && t.rtt.srtt) srtts.push(t.rtt.srtt);
    }
    return tDone > 0;
  }, { timeout: sec(600) });
  assert.ok(ok && received === bytes, `${cc}: ${received} of ${bytes} bytes arrived`);
  return { bps: (bytes * 8) / (tDone / 1e6), seconds: tDone / 1e6, srtts, departures, tcb: tcb!, ssText, ccInfo, packetsHash: hash.digest("hex") };
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;

test("deep buffer (10 Mbit/s, 40 ms RTT, 1000 packets): bbr fills the pipe with a small queue, cubic fills the buffer; PROBE_RTT after 10 s", async (t) => {
  const path = { latency: ms(20), rate: 10e6, queuePackets: 1000 };
  const cubic = await bulk("cubic", path, 16_000_000);
  const bbr = await bulk("bbr", path, 16_000_000);
  const bbrRtt = median(bbr.srtts), cubicRtt = median(cubic.srtts);
  t.diagnostic(`16 MB: cubic ${(cubic.bps / 1e6).toFixed(2)} Mbit/s, median SRTT ${(cubicRtt / 1000).toFixed(1)} ms; bbr ${(bbr.bps / 1e6).toFixed(2)} Mbit/s, median SRTT ${(bbrRtt / 1000).toFixed(1)} ms`);
  assert.ok(bbr.bps >= 0.9 * 9.6e6, `bbr reaches the bottleneck: ${(bbr.bps / 1e6).toFixed(2)} Mbit/s of ~9.6 (payload)`);
  assert.ok(bbrRtt < 1.5 * 40_000, `bbr's median SRTT ${bbrRtt} µs stays within 1.5 × the 40 ms path RTT`);
  assert.ok(cubicRtt > 3 * bbrRtt, `cubic's median SRTT ${cubicRtt} µs is a full buffer's (> 3 × bbr's ${bbrRtt})`);
  const cc = bbr.tcb.cc as Bbr;
  assert.ok(cc instanceof Bbr, "the connection runs bbr");
  assert.ok(cc.modeEntries[BbrMode.PROBE_RTT]! >= 1, `PROBE_RTT entered during the ${bbr.seconds.toFixed(1)} s transfer (entries ${cc.modeEntries.join(",")})`);
  assert.ok(cc.modeEntries[BbrMode.DRAIN] === 1 && cc.modeEntries[BbrMode.PROBE_BW]! >= 1, `STARTUP → DRAIN → PROBE_BW (entries ${cc.modeEntries.join(",")})`);
});

test("2 % random loss (50 Mbit/s, 40 ms RTT): bbr keeps most of the link, cubic collapses", async (t) => {
  const path = { latency: ms(20), rate: 50e6, queuePackets: 1000, loss: 0.02 };
  const cubic = await bulk("cubic", path, 5_000_000);
  const bbr = await bulk("bbr", path, 5_000_000);
  t.diagnostic(`5 MB: cubic ${(cubic.bps / 1e6).toFixed(2)} Mbit/s, bbr ${(bbr.bps / 1e6).toFixed(2)} Mbit/s`);
  assert.ok(bbr.bps >= 0.5 * 50e6, `bbr moves ${(bbr.bps / 1e6).toFixed(1)} Mbit/s, at least half the link despite 2 % loss`);
  assert.ok(bbr.bps >= 5 * cubic.bps, `bbr ${(bbr.bps / 1e6).toFixed(1)} Mbit/s ≥ 5 × cubic ${(cubic.bps / 1e6).toFixed(1)} Mbit/s`);
});

test("pacing: bbr's segments leave in bursts of at most tso_segs_goal; unpaced cubic sends whole windows at once", async () => {
  const path = { latency: ms(20), rate: 10e6, queuePackets: 1000 };
  const burst = (d: number[]) => {
    let max = 0;
    for (let i = 0, j = 0; i < d.length; i = j) {
      for (j = i; j < d.length && d[j] === d[i]; j++);
      max = Math.max(max, j - i);
    }
    return max;
  };
  const bbr = await bulk("bbr", path, 2_000_000);
  const cubic = await bulk("cubic", path, 2_000_000);
  // After the first 10 segments (Linux leaves them unpaced) every burst is ≤ 2 segments at this rate (< 1 ms of data).
  assert.ok(burst(bbr.departures.slice(10)) <= 2, `bbr's largest burst: ${burst(bbr.departures.slice(10))} segments`);
  assert.ok(burst(cubic.departures) >= 10, `cubic's largest burst: ${burst(cubic.departures)} segments (no pacing without fq)`);
});

test("SO_MAX_PACING_RATE paces cubic at the limit (Linux: a limit turns internal pacing on); getsockopt reads it back", async () => {
  const limit = 125_000; // bytes/s = 1 Mbit/s on a 100 Mbit/s path
  const f = await bulk("cubic", { latency: ms(5), rate: 100e6 }, 1_000_000, { maxPacingRate: limit });
  const rate = f.bps / 8;
  // The first 10 segments leave unpaced (Linux), the rest at the limit: (1 MB − 10 MSS) / limit.
  assert.ok(rate <= 1.03 * limit && rate >= 0.9 * limit, `goodput ${rate.toFixed(0)} B/s near the ${limit} B/s limit`);
  assert.match(f.ssText, / pacing_rate \d+bps\/1000000bps/, `ss -i shows pacing_rate/max_pacing_rate: ${f.ssText}`);
  const { net, client } = twoHosts({}, 1, { trace: false });
  const got = client.spawn("opt", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    const before = p.getsockopt(fd, "SOL_SOCKET", "SO_MAX_PACING_RATE");
    p.setsockopt(fd, "SOL_SOCKET", "SO_MAX_PACING_RATE", limit);
    const after = p.getsockopt(fd, "SOL_SOCKET", "SO_MAX_PACING_RATE");
    p.setsockopt(fd, "SOL_SOCKET", "SO_MAX_PACING_RATE", -1);
    return [before, after, p.getsockopt(fd, "SOL_SOCKET", "SO_MAX_PACING_RATE")];
  });
  await net.run();
  assert.deepEqual(await got.result, [0xffffffff, limit, 0xffffffff], "~0U by default, the limit once set, ~0U again after -1");
});

test("ss -i shows bbr:(bw,mrtt,pacing_gain,cwnd_gain) and pacing_rate as iproute2 does; TCP_CC_INFO is struct tcp_bbr_info", async () => {
  const f = await bulk("bbr", { latency: ms(20), rate: 10e6, queuePackets: 1000 }, 4_000_000);
  assert.match(f.ssText, / bbr wscale:/, `the algorithm's name after the options: ${f.ssText}`);
  assert.match(f.ssText, / bbr:\(bw:\d+bps,mrtt:[\d.]+,pacing_gain:[\d.]+,cwnd_gain:[\d.]+\) send /, `the bbr block before send: ${f.ssText}`);
  assert.match(f.ssText, / pacing_rate \d+bps delivery_rate \d+bps/, `pacing_rate then delivery_rate: ${f.ssText}`);
  const i = f.ccInfo as Record<string, number>;
  assert.deepEqual(Object.keys(i), ["bbr_bw_lo", "bbr_bw_hi", "bbr_min_rtt", "bbr_pacing_gain", "bbr_cwnd_gain"], "tcp_bbr_info's fields");
  assert.ok(i.bbr_bw_lo! > 1_000_000 && i.bbr_bw_lo! < 1_300_000, `bw ${i.bbr_bw_lo} bytes/s near the 1.2 MB/s bottleneck`);
  assert.ok(i.bbr_min_rtt! >= 40_000 && i.bbr_min_rtt! < 45_000, `min_rtt ${i.bbr_min_rtt} µs near the 40 ms path RTT`);
  const c = await bulk("cubic", { latency: ms(5) }, 100_000);
  assert.deepEqual(c.ccInfo, {}, "cubic has no get_info: TCP_CC_INFO is empty");
  assert.doesNotMatch(c.ssText, /bbr:/, "no bbr block for cubic");
});

test("determinism: the same seed gives the same packets, byte for byte, at the same times (bbr, pacing, random loss)", async () => {
  const path = { latency: ms(10), rate: 20e6, queuePackets: 100, loss: 0.01 };
  const a = await bulk("bbr", path, 1_000_000, { seed: 7, hash: true });
  const b = await bulk("bbr", path, 1_000_000, { seed: 7, hash: true });
  const c = await bulk("bbr", path, 1_000_000, { seed: 8, hash: true });
  assert.equal(a.packetsHash, b.packetsHash, "same seed, same packets");
  assert.notEqual(a.packetsHash, c.packetsHash, "another seed, other losses");
});

test("tcp_congestion_control = bbr makes bbr the host's default; without SACK bbr still samples rates from the sent log", async () => {
  for (const sack of [true, false]) {
    const { net, client, server } = twoHosts({ latency: ms(10), rate: 20e6, queuePackets: 200 }, 3, { trace: false });
    client.sysctl.tcp_congestion_control = "bbr";
    client.sysctl.tcp_sack = sack;
    let received = 0;
    server.spawn("sink", async (p) => {
      const { fd } = await listenAccept(p, 5001, 1);
      for (;;) {
        const d = await p.recv(fd, 1 << 20);
        if (!d.length) break;
        received += d.length;
      }
      await p.close(fd);
    });
    const prog = client.spawn("source", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      const name = p.getsockopt(fd, "IPPROTO_TCP", "TCP_CONGESTION");
      await p.connect(fd, ["10.0.0.2", 5001]);
      const chunk = new Uint8Array(1 << 16);
      for (let off = 0; off < 2_000_000;) off += await p.send(fd, chunk.subarray(0, Math.min(chunk.length, 2_000_000 - off)));
      const t = conns(client, 5001)[0]!;
      const info = p.getsockopt(fd, "IPPROTO_TCP", "TCP_CC_INFO") as Record<string, number>;
      await p.close(fd);
      return { name, sackOk: t.sackOk, bw: info.bbr_bw_lo!, cc: t.cc };
    });
    await net.run();
    const r = await prog.result;
    assert.equal(received, 2_000_000, `all bytes arrive (sack ${sack})`);
    assert.equal(r.name, "bbr", "TCP_CONGESTION reads the host's default");
    assert.ok(r.cc instanceof Bbr, "the connection runs bbr");
    assert.equal(r.sackOk, sack, `SACK negotiated: ${sack}`);
    assert.ok(r.bw > 1_500_000 && r.bw < 2_600_000, `bandwidth estimate ${r.bw} B/s near the 2.5 MB/s link (sack ${sack})`);
  }
});
