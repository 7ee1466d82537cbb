/**
 * D8: every TCP socket has its timers — retransmission, delayed ACK,
 * keepalive, TIME-WAIT, zero-window probe — and `ss -o` shows the pending
 * one as Linux does: `timer:(on|keepalive|timewait|persist,<left>,<count>)`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import { snapshot } from "../../src/tools/snapshot.js";
import { ss } from "../../src/tools/ss.js";
import { twoHosts } from "../helpers/tcp.js";
import type { Process } from "../../src/sys/process.js";
import { connectTo } from "../helpers/vocabulary.js";

async function sink(p: Process, read: () => boolean, rcvbuf = 0): Promise<void> {
  const l = p.socket("AF_INET", "SOCK_STREAM");
  if (rcvbuf) p.setsockopt(l, "SOL_SOCKET", "SO_RCVBUF", rcvbuf);
  p.bind(l, ["0.0.0.0", 9090]);
  p.listen(l, 1);
  const { fd } = await p.accept(l);
  for (;;) {
    if (!read()) {
      await p.poll([], 100);
      continue;
    }
    if ((await p.recv(fd, 65536)).length === 0) break;
  }
  await p.close(fd);
}

const ssO = (h: Parameters<typeof snapshot>[0]) => ss(snapshot(h), "-tnoH state connected");

test("D8: the retransmission timer: `timer:(on,…)` with the retransmission count while data is unacknowledged", async () => {
  const { net, client, server, link } = twoHosts({ latency: ms(1) });
  server.spawn("s", (p) => sink(p, () => true));
  client.spawn("c", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 9090);
    link.partition();
    await p.send(fd, "lost");
    await p.poll([], 3_600_000);
  });
  await net.advance(ms(50));
  assert.match(ssO(client), /^ESTAB 0 +4 +10\.0\.0\.1:\d+ +10\.0\.0\.2:9090 +timer:\(on,1\d\dms,0\)$/m);
  await net.advance(sec(1));
  // Two retransmissions later (200 ms, then 400 ms): the count and the backed-off RTO.
  assert.match(ssO(client), /timer:\(on,\d+ms,2\)$/m);
});

test("D8 C7: the keepalive timer: `timer:(keepalive,…)` counting down the idle time, then the probe count", async () => {
  const { net, client, server, link } = twoHosts({ latency: ms(1) });
  server.spawn("s", (p) => sink(p, () => true));
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    p.setsockopt(fd, "SOL_SOCKET", "SO_KEEPALIVE", 1);
    await p.connect(fd, ["10.0.0.2", 9090]);
    await p.poll([], 10_000_000);
  });
  await net.advance(sec(60));
  assert.match(ssO(client), /timer:\(keepalive,119min,0\)$/m);
  link.partition();
  await net.advance(sec(7200 + 80));
  // Two probes unanswered (at 7200 s and 7275 s after the handshake); the next is due at 7350 s.
  assert.match(ssO(client), /timer:\(keepalive,10sec,2\)$/m);
});

test("D8 F1: the TIME-WAIT timer: `timer:(timewait,…)` for 60 s after an active close", async () => {
  const { net, client, server } = twoHosts({ latency: ms(1) });
  server.spawn("s", (p) => sink(p, () => true));
  client.spawn("c", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 9090);
    await p.close(fd);
  });
  await net.advance(sec(1));
  assert.match(ss(snapshot(client), "-tnoH state time-wait"), /^0 +0 +10\.0\.0\.1:\d+ +10\.0\.0\.2:9090 +timer:\(timewait,59sec,0\)$/m);
  await net.advance(sec(60));
  assert.equal(ss(snapshot(client), "-tnoH state time-wait"), "");
});

test("D8 D6: the zero-window probe timer: `timer:(persist,…)` while the peer advertises window 0", async () => {
  const { net, client, server } = twoHosts({ latency: ms(1) });
  let reading = false;
  server.spawn("s", (p) => sink(p, () => reading, 4096));
  client.spawn("c", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 9090);
    await p.sendall(fd, new Uint8Array(200_000));
    await p.close(fd);
  });
  await net.advance(sec(5));
  const out = ssO(client);
  assert.match(out, /^ESTAB 0 +\d+ +10\.0\.0\.1:\d+ +10\.0\.0\.2:9090 +timer:\(persist,[\d.]+(ms|sec),\d+\)$/m, out);
  reading = true;
  await net.advance(sec(30));
  assert.match(ssO(client), /^TIME-WAIT .* timer:\(timewait,\d+sec,0\)$/m, "drained and closed");
});

test("D8 G3: the delayed-ACK timer is not listed by ss -o (as on Linux) but its timeout shows as `ato:` in ss -i", async () => {
  const { net, client, server } = twoHosts({ latency: ms(1) });
  server.spawn("s", (p) => sink(p, () => true));
  client.spawn("c", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 9090);
    await p.send(fd, "x");
    await p.poll([], 10_000);
  });
  await net.advance(sec(1));
  const out = ss(snapshot(server), "-tnoiH state established");
  assert.doesNotMatch(out, /timer:/);
  assert.match(out, / ato:40 /);
});
