/**
 * Data flow (seeds D5, D6, G1, G3, C3, C4, E3): MSS segmentation, the
 * advertised window as free buffer space, zero window and probes, Nagle
 * and delayed ACK, random ISNs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import { twoHosts, conns } from "../helpers/tcp.js";
import { expectTcp } from "../helpers/capture.js";
import { connectTo, drive, establishedPair, listenAccept, listenOn } from "../helpers/vocabulary.js";

test("D5: the kernel cuts the byte stream into MSS-sized segments whatever the send() sizes", async () => {
  const { net, cp, cfd, sp, sfd, capture } = await establishedPair({ link: { latency: ms(1) } });
  const sink = (async () => { while ((await sp.recv(sfd, 1 << 16)).length) { /* drain */ } })();
  assert.equal(await cp.send(cfd, new Uint8Array(10000)), 10000); // one big write
  await cp.close(cfd);
  await drive(net, sink);
  await net.advance(sec(1));
  // mss 1460 − 12 bytes of timestamps = 1448; the initial window (10) sends all seven at once. The short
  // seventh leaves with the write (Minshall's Nagle: no earlier short segment is unacknowledged), so the
  // FIN that close() queues finds nothing unsent to ride on and goes alone (Linux 6.18, tcp_send_fin).
  // They leave as two GSO packets — 5 segments (Linux tcp_cwnd_test: at most half of cwnd, "at least 2 GSO
  // packets in flight"), then 2 — each with PSH on its last segment (checked on Linux 6.18 over veth: a
  // 10000-byte write left as [P.] 0:7240 and [P.] 7240:10000).
  capture.expectSequence([0, 1, 2, 3, 4, 5].map((i) => ({ from: "client", flags: i === 4 ? "P." : ".", seq: 1 + i * 1448, ack: 1, len: 1448, at: ms(3) })));
  capture.expectTcp({ from: "client", flags: "P.", seq: 8689, ack: 1, len: 1312, at: ms(3) });
  capture.expectTcp({ from: "client", flags: "F.", seq: 10001, ack: 1, len: 0, at: ms(3) });
  // Quick ACKs at the start of a connection: one per segment, the window shrinking as the data waits unread.
  capture.expectSequence([1449, 2897, 4345, 5793, 7241, 8689, 10001].map((ack) => ({ from: "server", flags: ".", seq: 1, ack, at: ms(4) })));
  capture.expectTcp({ from: "server", flags: ".", seq: 1, ack: 10002, at: ms(44) }); // the FIN's ACK, delayed 40 ms
  capture.expectNoMore();
});

test("D6 G3: a full receive buffer advertises window 0; the sender probes at snd.una − 1 with backoff; reading reopens the window", async () => {
  const { net, server, cp, cfd, sp, sfd, capture } = await establishedPair({
    link: { latency: ms(1) },
    beforeListen: (p, l) => p.setsockopt(l, "SOL_SOCKET", "SO_RCVBUF", 8192),
  });
  let sent = 0;
  const buf = new Uint8Array(100000);
  const writer = (async () => {
    while (sent < buf.length) sent += await cp.send(cfd, buf.subarray(sent));
    await cp.close(cfd);
  })();
  await net.advance(sec(10));
  const [srv] = conns(server, 9090);
  // SO_RCVBUF 8192 is stored doubled (16384); half of it is payload window (Linux scaling_ratio 50 %),
  // and rounding the scaled window up (wscale 10) lets Recv-Q end a little above 8192, as on Linux.
  assert.equal(srv!.rcvBuf.length, 11160);
  capture.skipUntil((s) => s.from === "server" && s.win === 0);
  capture.expectTcp({ from: "server", flags: ".", seq: 1, ack: 11161, win: 0, at: ms(257) });
  // Zero-window probes: an old byte's sequence number (snd.una − 1), no data, each answered with window 0;
  // the interval doubles (RTO backoff).
  const probes = [670_750, 1_496_250, 3_147_250, 6_449_250];
  for (const at of probes) {
    capture.expectTcp({ from: "client", flags: ".", seq: 11160, ack: 1, len: 0, at });
    capture.expectTcp({ from: "server", flags: ".", seq: 1, ack: 11161, win: 0, at: at + ms(1) });
  }
  capture.expectNoMore();
  let total = 0;
  const reader = (async () => {
    for (;;) {
      const d = await sp.recv(sfd, 65536);
      if (!d.length) break;
      total += d.length;
    }
  })();
  await drive(net, Promise.all([reader, writer]));
  assert.equal(total, 100000);
});

test("C3: Nagle coalesces one-byte writes while data is unacknowledged; TCP_NODELAY sends each at once", async () => {
  for (const nodelay of [false, true]) {
    const { net, cp, cfd, sp, sfd, capture } = await establishedPair({
      link: { latency: ms(10) },
      beforeConnect: (p, fd) => { if (nodelay) p.setsockopt(fd, "IPPROTO_TCP", "TCP_NODELAY", 1); },
    });
    const sink = (async () => { while ((await sp.recv(sfd, 100)).length) { /* drain */ } })();
    const writer = (async () => {
      for (let i = 0; i < 10; i++) {
        await cp.send(cfd, "x");
        await net.sleep(ms(2));
      }
      await net.sleep(ms(200));
      await cp.close(cfd);
    })();
    await drive(net, Promise.all([sink, writer]));
    const data = capture.drain().filter((s) => s.from === "client" && s.len > 0);
    if (nodelay) assert.deepEqual(data.map((s) => [s.at / 1000, s.len]), [...Array(10).keys()].map((i) => [30 + 2 * i, 1]));
    else {
      // The first byte goes at once; the next nine wait for its ACK (one round trip, 20 ms) and leave together.
      expectTcp(data[0], { flags: "P.", seq: 1, len: 1, at: ms(30) });
      expectTcp(data[1], { flags: "P.", seq: 2, len: 9, at: ms(50) });
      assert.equal(data.length, 2);
    }
  }
});

test("G1: initial sequence numbers are random per connection, not fixed; ack = seq + 1", async () => {
  const { net, client, server, trace } = twoHosts({ latency: ms(1) });
  server.spawn("s", async (p) => {
    const l = listenOn(p, 9090, 8);
    for (let i = 0; i < 3; i++) await p.accept(l);
  });
  client.spawn("c", async (p) => {
    for (let i = 0; i < 3; i++) await connectTo(p, "10.0.0.2", 9090);
  });
  await net.run({ until: sec(1) });
  const syns = trace.filter((s) => s.flags === "S");
  const synacks = trace.filter((s) => s.flags === "S.");
  assert.equal(new Set(syns.map((s) => s.seq)).size, 3);
  assert.ok(syns.every((s) => s.seq !== 0));
  synacks.forEach((sa, i) => assert.equal(sa.ack, (syns[i]!.seq + 1) >>> 0));
});

test("E3: send() on a full send buffer returns a short count when non-blocking", async () => {
  const { net, client, server } = twoHosts({ latency: ms(50) });
  server.spawn("s", async (p) => {
    await listenAccept(p, 9090, 1);
    await net.sleep(sec(10));
  });
  let first = 0;
  let err = "";
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    p.setsockopt(fd, "SOL_SOCKET", "SO_SNDBUF", 16384);
    await p.connect(fd, ["10.0.0.2", 9090]);
    p.fcntl(fd, "F_SETFL", 0o4000);
    first = await p.send(fd, new Uint8Array(1_000_000));
    try { await p.send(fd, new Uint8Array(1000)); } catch (e) { err = (e as Error).message; }
  });
  await net.advance(sec(1));
  // SO_SNDBUF doubled: sk_sndbuf 32768, charged with skb truesize (payload + 832 per skb) and checked only when a
  // new skb is needed, as Linux tcp_sendmsg_locked. size_goal is 22 × 1448 (half the peer's 65535-byte SYN window):
  // the first skb takes 31856 bytes; each push of the unsent head cuts off what the initial window sends (two-segment
  // GSO packets at this pacing rate), and the write refills the tail skb up to size_goal without checking memory —
  // 32 segments in all; then the next skb would need memory below sk_sndbuf, and there is none.
  assert.equal(first, 32 * 1448, "a non-blocking write takes what Linux's skbs take of a 1 MB write");
  assert.equal(err, "send: Resource temporarily unavailable");
});

test("E1: recv with MSG_WAITALL waits for all the bytes; with SO_RCVTIMEO it returns what came; non-blocking returns a short read", async () => {
  const { net, client, server } = twoHosts({ latency: ms(10) });
  const out: string[] = [];
  server.spawn("s", async (p) => {
    const { fd } = await listenAccept(p, 9090, 1);
    const a = await p.recv(fd, 20, 0x100); // MSG_WAITALL
    out.push(`waitall ${a.length} at ${net.now() / 1000}`);
    p.setsockopt(fd, "SOL_SOCKET", "SO_RCVTIMEO", { tv_sec: 1, tv_usec: 0 });
    const b = await p.recv(fd, 20, 0x100);
    out.push(`timeout ${b.length} at ${net.now() / 1000}`);
    await net.sleep(ms(1100)); // "67" arrives at 2530 ms
    const c = await p.recv(fd, 20, 0x100 | 0x40); // MSG_WAITALL | MSG_DONTWAIT
    out.push(`dontwait ${c.length}`);
  });
  client.spawn("c", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 9090);
    await p.send(fd, "0123456789");
    await net.sleep(ms(500));
    await p.send(fd, "abcdefghij");
    await net.sleep(ms(500));
    await p.send(fd, "12345");
    await net.sleep(ms(1500));
    await p.send(fd, "67");
    await net.sleep(sec(5));
  });
  await net.advance(sec(10));
  assert.deepEqual(out, ["waitall 20 at 530", "timeout 5 at 1530", "dontwait 2"]);
});
