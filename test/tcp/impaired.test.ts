/**
 * Reliability and congestion control, from a clean link to impaired ones
 * (seeds G2, G3): the exact segments of a small echo on a clean link, bulk
 * transfers that arrive byte-exact, and the proof that the impairments
 * really happened (link drop counters, retransmissions, checksum errors).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { twoHosts, conns } from "../helpers/tcp.js";
import { connectTo, establishedPair, listenAccept } from "../helpers/vocabulary.js";
import type { LinkConfigInput } from "../../src/sim/impairments.js";

function pattern(i: number): number {
  return (i * 2654435761 >>> 24) & 255;
}

/** `bytes` of pattern() from client to server port 5001 (no capture: bulk); the sink checks every byte. */
async function transfer(bytes: number, cfg: LinkConfigInput, seed = 1, onSample?: (cwnd: number, now: number) => void) {
  const { net, client, server, link } = twoHosts(cfg, seed, { trace: false });
  let received = 0;
  let bad = -1;
  server.spawn("sink", async (p) => {
    const { fd } = await listenAccept(p, 5001, 1);
    for (;;) {
      const d = await p.recv(fd, 1 << 20);
      if (!d.length) break;
      for (let i = 0; i < d.length; i++) if (d[i] !== pattern(received + i) && bad < 0) bad = received + i;
      received += d.length;
    }
  });
  client.spawn("source", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 5001);
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

test("echo on a clean 5 ms link: handshake, data, its echo, both FINs — exactly these segments, at these times", async () => {
  const { net, cp, cfd, sp, sfd, capture } = await establishedPair({ link: { latency: ms(5) } });
  const [syn, synAck, ack] = capture.all;
  assert.deepEqual([syn, synAck, ack].map((s) => [s!.at, s!.from, s!.flags, s!.rseq, s!.rack]), [
    [0, "client", "S", 0, 0],
    [5000, "server", "S.", 0, 1],
    [10000, "client", ".", 1, 1],
  ]);
  const t0 = net.now(); // 15 ms: establishedPair let the handshake's ACK land
  void cp.send(cfd, "hello");
  const echoed = (async () => {
    const d = await sp.recv(sfd, 1000);
    await sp.send(sfd, d);
    assert.equal((await sp.recv(sfd, 1000)).length, 0, "end of file after the client's FIN");
    await sp.close(sfd);
  })();
  const got = (async () => {
    const d = await cp.recv(cfd, 100);
    await cp.close(cfd);
    return new TextDecoder().decode(d);
  })();
  await net.settle();
  assert.equal(await got, "hello");
  await echoed;
  capture.expectSequence([
    { at: t0, from: "client", flags: "P.", seq: 1, ack: 1, data: "hello" },
    { at: t0 + 5000, from: "server", flags: ".", seq: 1, ack: 6 },
    { at: t0 + 5000, from: "server", flags: "P.", seq: 1, ack: 6, data: "hello" },
    { at: t0 + 10000, from: "client", flags: ".", seq: 6, ack: 6 },
    { at: t0 + 10000, from: "client", flags: "F.", seq: 6, ack: 6 },
    { at: t0 + 15000, from: "server", flags: "F.", seq: 6, ack: 7 }, // the server's FIN carries the ACK of the client's
    { at: t0 + 20000, from: "client", flags: ".", seq: 7, ack: 7 },
  ]);
  capture.expectNoMore();
});

test("bulk transfer over a clean link is byte-exact and loses nothing", async () => {
  const r = await transfer(5_000_000, { latency: ms(1) });
  assert.equal(r.bad, -1);
  assert.equal(r.received, 5_000_000);
  assert.equal(r.client.counters.Tcp.RetransSegs ?? 0, 0, "a clean link loses nothing");
  assert.equal(Object.values(r.link.aToB.counters.dropped).reduce((a, b) => a + b, 0), 0);
});

test("bulk transfer with loss, reordering, duplication: the loss happened, was repaired, and the data arrived byte-exact", async () => {
  const r = await transfer(2_000_000, { latency: ms(2), loss: 0.05, reorder: 0.05, duplicate: 0.01 });
  assert.equal(r.bad, -1);
  assert.equal(r.received, 2_000_000);
  const fwd = r.link.aToB.counters;
  assert.ok(fwd.dropped.loss > 0, `the link dropped data segments (${fwd.dropped.loss})`);
  assert.ok(fwd.reordered > 0 && fwd.duplicated > 0, `reordered ${fwd.reordered}, duplicated ${fwd.duplicated}`);
  assert.ok((r.client.counters.Tcp.RetransSegs ?? 0) >= fwd.dropped.loss / 2, `retransmissions ${r.client.counters.Tcp.RetransSegs} repair ${fwd.dropped.loss} losses`);
});

test("G2: 50 MB byte-exact through 5 % loss, 5 % reordering, 1 % duplication, corruption and a 200 Mbit/s bottleneck", async () => {
  const r = await transfer(50_000_000, {
    latency: ms(2), loss: 0.05, reorder: 0.05, duplicate: 0.01, corrupt: 0.001, rate: 200e6, queuePackets: 200,
  }, 7);
  assert.equal(r.bad, -1);
  assert.equal(r.received, 50_000_000);
  const c = r.client.counters;
  assert.ok(r.link.aToB.counters.dropped.loss > 1000, `losses ${r.link.aToB.counters.dropped.loss}`);
  assert.ok(c.Tcp.RetransSegs! > 1000, `retransmissions ${c.Tcp.RetransSegs}`);
  assert.ok(r.link.aToB.counters.corrupted > 0 && (r.server.counters.Tcp.InCsumErrors ?? 0) > 0, "corrupted segments were caught by the checksum");
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
