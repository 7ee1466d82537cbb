/**
 * Urgent data (C8), ICMP errors during connect (EHOSTUNREACH), and a
 * connection moving to another route when its interface goes down.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { Network } from "../../src/sim/network.js";
import { connectTo, drive, establishedPair } from "../helpers/vocabulary.js";

test("C8: send(MSG_OOB) marks the last byte urgent: recv(MSG_OOB) gets it, the stream does not; SO_OOBINLINE keeps it inline", async () => {
  for (const inline of [false, true]) {
    const { net, cp, cfd, sp, sfd, capture } = await establishedPair({
      link: { latency: ms(1) },
      beforeListen: (p, l) => { if (inline) p.setsockopt(l, "SOL_SOCKET", "SO_OOBINLINE", 1); },
    });
    await cp.send(cfd, "abc", 0x1);
    await net.advance(ms(50));
    // One segment with URG set and the urgent pointer just past the urgent byte (Linux: seq + 3).
    capture.expectTcp({ from: "client", flags: "P.U", seq: 1, ack: 1, data: "abc", urg: 3 });
    capture.expectTcp({ from: "server", flags: ".", seq: 1, ack: 4 });
    capture.expectNoMore();
    const out = [new TextDecoder().decode(await drive(net, sp.recv(sfd, 100)))];
    try {
      out.push(`oob ${new TextDecoder().decode(await sp.recv(sfd, 1, 0x1))}`);
    } catch (e) {
      out.push((e as Error).message);
    }
    // Inline, the read stops at the urgent mark (before "c"), as Linux 6.18 does (test/tcp/urgent-mark.test.ts).
    if (inline) assert.deepEqual(out, ["ab", "recv: Invalid argument"], "inline: the read did not stop at the urgent mark");
    else assert.deepEqual(out, ["ab", "oob c"]);
  }
});

test("G4: connect through a router that has no route to the destination fails with EHOSTUNREACH/ENETUNREACH from ICMP", async () => {
  const net = new Network({ seed: 3 });
  const a = net.addHost("a"), r = net.addHost("r", { router: true });
  net.link(a, r, { a: "10.0.1.1/24", b: "10.0.1.254/24", latency: ms(1) });
  a.addRoute("default", "10.0.1.254");
  let err = "";
  a.spawn("c", async (p) => {
    try { await connectTo(p, "192.0.2.9", 80); } catch (e) { err = (e as Error).message; }
  });
  await net.run();
  assert.equal(err, "connect: Network is unreachable");
  assert.equal(r.counters.Icmp.OutDestUnreachs, 1);
});

test("a connection whose interface goes down moves to the next route (Linux flushes the down device's routes and the cached dst)", async () => {
  // a and b share a direct link (10.0.0.0/24) and also reach each other through r by their default routes.
  const net = new Network({ seed: 4 });
  const a = net.addHost("a"), r = net.addHost("r", { router: true }), b = net.addHost("b");
  const direct = net.link(a, b, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(1) });
  net.link(a, r, { a: "10.0.1.1/24", b: "10.0.1.254/24", latency: ms(5) });
  net.link(r, b, { a: "10.0.2.254/24", b: "10.0.2.1/24", latency: ms(5) });
  a.addRoute("default", "10.0.1.254");
  b.addRoute("default", "10.0.2.254");
  r.addRoute("10.0.0.1/32", "10.0.1.1");
  r.addRoute("10.0.0.2/32", "10.0.2.1");
  const got: string[] = [];
  b.spawn("server", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 7]);
    p.listen(l, 1);
    const { fd } = await p.accept(l);
    for (;;) {
      const data = await p.recv(fd, 100);
      if (data.length === 0) break;
      got.push(new TextDecoder().decode(data));
      await p.send(fd, data);
    }
  });
  const echoed: string[] = [];
  a.spawn("client", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 7);
    for (const word of ["before", "after"]) {
      if (word === "after") {
        direct.link.a.up = false; // ip link set eth0 down, at both ends
        direct.link.b.up = false;
      }
      await p.send(fd, word);
      echoed.push(new TextDecoder().decode(await p.recv(fd, 100)));
    }
    await p.close(fd);
  });
  await net.advance(ms(2000));
  assert.deepEqual(echoed, ["before", "after"], "the echo after the link went down came back through r");
  assert.deepEqual(got, ["before", "after"], "the server read both words");
  assert.ok(r.counters.Ip.ForwDatagrams >= 4, `r forwarded the data and the ACKs both ways (${r.counters.Ip.ForwDatagrams})`);
  assert.equal(a.counters.Tcp.RetransSegs ?? 0, 0, "no retransmission: the first send after the down already took the new route");
});

test("data leaving after an idle period with nothing in flight is CUBIC's CA_EVENT_TX_START, with the time since the last data sent (Linux tcp_event_data_sent)", async () => {
  const { net, cp, cfd, cli } = await establishedPair({ link: { latency: ms(5) } });
  const idles: number[] = [];
  const cc = cli.cc;
  const orig = cc.onTxStart.bind(cc);
  cc.onTxStart = (now, idle) => {
    idles.push(idle);
    orig(now, idle);
  };
  await cp.send(cfd, new Uint8Array(3000)); // the first data: nothing sent before, no event
  await net.advance(ms(100));
  await cp.send(cfd, new Uint8Array(3000)); // all acknowledged, 100 ms after the last data
  await net.advance(ms(5)); // still in flight (10 ms round trip): the next write's segments are no restart
  await cp.send(cfd, new Uint8Array(2896));
  await net.advance(ms(100));
  assert.deepEqual(idles, [ms(100)], "one TX_START, for the write after the idle period, with its 100 ms");
});
