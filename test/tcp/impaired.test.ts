/**
 * Reliability and congestion control under impairments (seeds G2, G3).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { twoHosts, conns } from "../helpers/tcp.js";
import type { LinkConfigInput } from "../../src/sim/impairments.js";

function pattern(i: number): number {
  return (i * 2654435761 >>> 24) & 255;
}

async function transfer(bytes: number, cfg: LinkConfigInput, seed = 1, onSample?: (cwnd: number, now: number) => void) {
  const { net, client, server, link } = twoHosts(cfg, seed);
  let received = 0;
  let bad = -1;
  server.spawn("sink", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 5001]);
    p.listen(l, 1);
    const { fd } = await p.accept(l);
    for (;;) {
      const d = await p.recv(fd, 1 << 20);
      if (!d.length) break;
      for (let i = 0; i < d.length; i++) if (d[i] !== pattern(received + i) && bad < 0) bad = received + i;
      received += d.length;
    }
  });
  client.spawn("source", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 5001]);
    const chunk = new Uint8Array(1 << 20);
    let off = 0;
    while (off < bytes) {
      const n = Math.min(chunk.length, bytes - off);
      for (let i = 0; i < n; i++) chunk[i] = pattern(off + i);
      let done = 0;
      while (done < n) done += await p.send(fd, chunk.subarray(done, n));
      off += n;
      if (onSample) {
        const [t] = conns(client, 5001);
        if (t) onSample(t.cc.cwnd, net.now());
      }
    }
    await p.close(fd);
  });
  await net.run();
  return { received, bad, net, client, server, link };
}

test("G2: 50 MB byte-exact through 5 % loss, 5 % reordering, 1 % duplication, corruption and a 200 Mbit/s bottleneck", async () => {
  const r = await transfer(50_000_000, {
    latency: ms(2), loss: 0.05, reorder: 0.05, duplicate: 0.01, corrupt: 0.001, rate: 200e6, queuePackets: 200,
  }, 7);
  assert.equal(r.bad, -1);
  assert.equal(r.received, 50_000_000);
  const c = r.client.counters;
  assert.ok(c.Tcp.RetransSegs! > 1000, `retransmissions ${c.Tcp.RetransSegs}`);
  assert.ok((r.server.counters.Tcp.InCsumErrors ?? 0) > 0, "corrupted segments were caught by the checksum");
});

test("G3: slow start doubles cwnd per RTT; loss at a bottleneck reduces it", async () => {
  const samples: { cwnd: number; now: number }[] = [];
  const r = await transfer(20_000_000, { latency: ms(10), rate: 50e6, queuePackets: 50 }, 3, (cwnd, now) => samples.push({ cwnd, now }));
  assert.equal(r.received, 20_000_000);
  const max = Math.max(...samples.map((s) => s.cwnd));
  assert.ok(max > 40, `cwnd grew to ${max}`);
  // The bottleneck queue overflowed (tail drop) and TCP reduced its window.
  assert.ok(r.link.aToB.counters.dropped.queue > 0);
  const i = samples.findIndex((s) => s.cwnd === max);
  assert.ok(samples.slice(i).some((s) => s.cwnd < max * 0.8), "cwnd reduced after loss");
  assert.ok((r.client.counters.TcpExt.TCPSackRecovery ?? 0) > 0);
});
