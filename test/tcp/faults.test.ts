/**
 * Failures: a peer that vanishes, a peer that reboots, a port nobody
 * listens on (seeds G2, G4, C7, F5).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec, MINUTE } from "../../src/core/time.js";
import { TcpState } from "../../src/tcp/tcp-state.js";
import { twoHosts, conns } from "../helpers/tcp.js";
import type { Process } from "../../src/sys/process.js";

async function echoServer(p: Process, port = 7): Promise<void> {
  const fd = p.socket("AF_INET", "SOCK_STREAM");
  p.bind(fd, ["0.0.0.0", port]);
  p.listen(fd, 16);
  for (;;) {
    const { fd: c } = await p.accept(fd);
    void (async () => {
      for (;;) {
        let d: Uint8Array;
        try { d = await p.recv(c, 65536); } catch { break; }
        if (d.length === 0) break;
        await p.send(c, d);
      }
      await p.close(c);
    })();
  }
}

test("G4: connect to a port with no listener fails with ECONNREFUSED (RST in answer to the SYN)", async () => {
  const { net, client, trace } = twoHosts({ latency: ms(1) });
  let err = "";
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    try { await p.connect(fd, ["10.0.0.2", 9999]); } catch (e) { err = (e as Error).message; }
  });
  await net.run();
  assert.equal(err, "connect: Connection refused");
  // Linux answers a SYN without ACK with <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK> (tcpdump: Flags [R.], seq 0, ack …).
  const rst = trace.find((s) => s.from === "server")!;
  assert.equal(rst.flags, "R.");
  assert.equal(rst.seq, 0);
  assert.equal(rst.ack, (trace[0]!.seq + 1) >>> 0);
});

test("G2: a peer that disappears mid-transfer: retransmissions with backoff, then ETIMEDOUT", async () => {
  const { net, client, server, link, trace } = twoHosts({ latency: ms(5) });
  server.spawn("echo", (p) => echoServer(p));
  let err = "";
  let failedAt = 0;
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 7]);
    await p.send(fd, "ping");
    await p.recv(fd, 10);
    link.partition();
    await p.send(fd, "are you there?");
    try { await p.recv(fd, 10); } catch (e) { err = (e as Error).message; failedAt = net.now(); }
  });
  await net.advance(sec(2000));
  assert.equal(err, "recv: Connection timed out");
  // tcp_retries2 = 15: about 924.6 s of exponential backoff (RTO 200 ms → 120 s cap), Linux tcp_model_timeout.
  assert.ok(failedAt > sec(900) && failedAt < sec(1000), `failed at ${failedAt}`);
  const retrans = trace.filter((s) => s.from === "client" && s.len === 14);
  assert.equal(retrans.length, 16);
  const gaps = retrans.slice(1).map((s, i) => s.at - retrans[i]!.at);
  for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i]! >= gaps[i - 1]! - 1, "backoff never shrinks");
  assert.equal(gaps[gaps.length - 1], sec(120));
});

test("C7 G4: a peer that reboots answers with RST: ECONNRESET", async () => {
  const { net, client, server } = twoHosts({ latency: ms(1) });
  server.spawn("echo", (p) => echoServer(p));
  let err = "";
  let ready = false;
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 7]);
    ready = true;
    await net.sleep(sec(5));
    await p.send(fd, "hello?");
    try { await p.recv(fd, 10); } catch (e) { err = (e as Error).message; }
  });
  await net.runUntil(() => ready);
  await net.advance(ms(100));
  net.reboot("server");
  await net.run();
  assert.equal(err, "recv: Connection reset by peer");
});

test("C7: keepalive detects a crashed peer: probes every 75 s after 2 h idle, ETIMEDOUT after 9", async () => {
  const { net, client, server, link, trace } = twoHosts({ latency: ms(1) });
  server.spawn("echo", (p) => echoServer(p));
  let err = "";
  let at = 0;
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    p.setsockopt(fd, "SOL_SOCKET", "SO_KEEPALIVE", 1);
    await p.connect(fd, ["10.0.0.2", 7]);
    link.partition();
    try { await p.recv(fd, 10); } catch (e) { err = (e as Error).message; at = net.now(); }
  });
  await net.advance(sec(7200 + 75 * 10 + 10));
  assert.equal(err, "recv: Connection timed out");
  const probes = trace.filter((s) => s.from === "client" && s.len === 0 && s.flags === ".").slice(1);
  assert.equal(probes.length, 9);
  // The probe carries SEQ = SND.UNA − 1 (C7).
  const est = trace.find((s) => s.from === "client" && s.flags === ".")!;
  assert.equal(probes[0]!.seq, (est.seq - 1) >>> 0);
  assert.ok(Math.abs(probes[0]!.at - sec(7200)) < sec(1));
  assert.equal(probes[1]!.at - probes[0]!.at, sec(75));
  assert.ok(Math.abs(at - (probes[0]!.at + 9 * sec(75))) < sec(1));
});

test("C7: keepalive with a live peer: the probe is answered and the timer resets", async () => {
  const { net, client, server } = twoHosts({ latency: ms(1) });
  server.spawn("echo", (p) => echoServer(p));
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    p.setsockopt(fd, "SOL_SOCKET", "SO_KEEPALIVE", 1);
    p.setsockopt(fd, "IPPROTO_TCP", "TCP_KEEPIDLE", 60);
    p.setsockopt(fd, "IPPROTO_TCP", "TCP_KEEPINTVL", 10);
    await p.connect(fd, ["10.0.0.2", 7]);
    await net.sleep(10 * MINUTE);
  });
  await net.advance(sec(301));
  const [c] = conns(client, 7);
  assert.equal(c!.state, TcpState.ESTABLISHED);
  assert.equal(client.counters.TcpExt.TCPKeepAlive, 5);
  assert.equal(c!.probesOut, 0);
});
