/**
 * Data flow (seeds D5, D6, G1, G3, C3, C4, E3): MSS segmentation, the
 * advertised window as free buffer space, zero window and probes, Nagle
 * and delayed ACK, random ISNs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import { twoHosts, conns } from "../helpers/tcp.js";

test("D5: the kernel cuts the byte stream into MSS-sized segments whatever the send() sizes", async () => {
  const { net, client, server, trace } = twoHosts({ latency: ms(1) });
  server.spawn("s", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 9090]);
    p.listen(l, 1);
    const { fd } = await p.accept(l);
    while ((await p.recv(fd, 1 << 16)).length) { /* drain */ }
  });
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 9090]);
    const n = await p.send(fd, new Uint8Array(10000)); // one big write
    assert.equal(n, 10000);
    await p.close(fd);
  });
  await net.run();
  const data = trace.filter((s) => s.from === "client" && s.len > 0).map((s) => s.len);
  assert.deepEqual(data, [1448, 1448, 1448, 1448, 1448, 1448, 1312]); // mss 1460 − 12 bytes of timestamps
});

test("D6 G3: a full receive buffer advertises window 0; the sender probes; reading reopens the window", async () => {
  const { net, client, server, trace } = twoHosts({ latency: ms(1) });
  let readNow = false;
  let total = 0;
  server.spawn("s", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.setsockopt(l, "SOL_SOCKET", "SO_RCVBUF", 8192);
    p.bind(l, ["0.0.0.0", 9090]);
    p.listen(l, 1);
    const { fd } = await p.accept(l);
    while (!readNow) await net.sleep(ms(100));
    for (;;) {
      const d = await p.recv(fd, 65536);
      if (!d.length) break;
      total += d.length;
    }
  });
  let sent = 0;
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 9090]);
    const buf = new Uint8Array(100000);
    while (sent < buf.length) sent += await p.send(fd, buf.subarray(sent));
    await p.close(fd);
  });
  await net.advance(sec(10));
  const [srv] = conns(server, 9090);
  // SO_RCVBUF 8192 is stored doubled (16384); half of it is payload window (Linux scaling_ratio 50 %),
  // and rounding the scaled window up (wscale 10) lets Recv-Q end a little above 8192, as on Linux.
  assert.ok(srv!.rcvBuf.length >= 8192 && srv!.rcvBuf.length < 8192 + 4 * 1448, `Recv-Q ${srv!.rcvBuf.length}`);
  assert.ok(trace.some((s) => s.from === "server" && s.win === 0), "window 0 advertised");
  const probes = trace.filter((s) => s.from === "client" && s.len === 0 && s.flags === "." && s.at > ms(500));
  assert.ok(probes.length >= 3, `zero-window probes sent (${probes.length})`);
  // Probe intervals back off exponentially.
  const gaps = probes.slice(1).map((s, i) => s.at - probes[i]!.at);
  assert.ok(gaps[1]! > gaps[0]!);
  readNow = true;
  await net.run();
  assert.equal(total, 100000);
});

test("C3: Nagle coalesces one-byte writes while data is unacknowledged; TCP_NODELAY sends each at once", async () => {
  for (const nodelay of [false, true]) {
    const { net, client, server, trace } = twoHosts({ latency: ms(10) });
    server.spawn("s", async (p) => {
      const l = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(l, ["0.0.0.0", 9090]);
      p.listen(l, 1);
      const { fd } = await p.accept(l);
      while ((await p.recv(fd, 100)).length) { /* drain */ }
    });
    client.spawn("c", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      if (nodelay) p.setsockopt(fd, "IPPROTO_TCP", "TCP_NODELAY", 1);
      await p.connect(fd, ["10.0.0.2", 9090]);
      for (let i = 0; i < 10; i++) {
        await p.send(fd, "x");
        await net.sleep(ms(2));
      }
      await net.sleep(ms(200));
      await p.close(fd);
    });
    await net.run();
    const segs = trace.filter((s) => s.from === "client" && s.len > 0).map((s) => s.len);
    if (nodelay) assert.deepEqual(segs, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    else {
      assert.equal(segs[0], 1);
      assert.ok(segs.length < 10, `coalesced: ${segs.join(",")}`);
      assert.equal(segs.reduce((a, b) => a + b, 0), 10);
    }
  }
});

test("G1: initial sequence numbers are random per connection, not fixed; ack = seq + 1", async () => {
  const { net, client, server, trace } = twoHosts({ latency: ms(1) });
  server.spawn("s", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 9090]);
    p.listen(l, 8);
    for (let i = 0; i < 3; i++) await p.accept(l);
  });
  client.spawn("c", async (p) => {
    for (let i = 0; i < 3; i++) {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      await p.connect(fd, ["10.0.0.2", 9090]);
    }
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
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 9090]);
    p.listen(l, 1);
    await p.accept(l);
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
  assert.equal(first, 32768); // SO_SNDBUF doubled
  assert.equal(err, "send: Resource temporarily unavailable");
});

test("E1: recv with MSG_WAITALL waits for all the bytes; with SO_RCVTIMEO it returns what came; non-blocking returns a short read", async () => {
  const { net, client, server } = twoHosts({ latency: ms(10) });
  const out: string[] = [];
  server.spawn("s", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 9090]);
    p.listen(l, 1);
    const { fd } = await p.accept(l);
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
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 9090]);
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
