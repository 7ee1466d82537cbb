/**
 * Failures: a peer that vanishes, a peer that reboots, a port nobody
 * listens on (seeds G2, G4, C7, F5).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import { TcpState } from "../../src/tcp/tcp-state.js";
import { twoHosts, conns } from "../helpers/tcp.js";
import { connectTo, drive, establishedPair, listenOn } from "../helpers/vocabulary.js";
import type { Process } from "../../src/sys/process.js";

async function echoServer(p: Process, port = 7): Promise<void> {
  const fd = listenOn(p, port, 16);
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
  const { net, client, capture } = twoHosts({ latency: ms(1) });
  let err = "";
  client.spawn("c", async (p) => {
    try { await connectTo(p, "10.0.0.2", 9999); } catch (e) { err = (e as Error).message; }
  });
  await net.run();
  assert.equal(err, "connect: Connection refused");
  // Linux answers a SYN without ACK with <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK> (tcpdump: Flags [R.], seq 0, ack …).
  capture.expectTcp({ from: "client", flags: "S", seq: 0, at: 0 });
  capture.expectTcp({ from: "server", flags: "R.", absSeq: 0, ack: 1, win: 0, at: ms(1) });
  capture.expectNoMore();
});

test("G2: a peer that disappears mid-transfer: retransmissions with backoff, then ETIMEDOUT", async () => {
  const { net, link, cp, cfd, sp, sfd, capture } = await establishedPair({ link: { latency: ms(5) } });
  await cp.send(cfd, "ping");
  await drive(net, sp.recv(sfd, 10));
  await net.settle();
  capture.drain();
  link.partition();
  await cp.send(cfd, "are you there?");
  const failed = cp.recv(cfd, 10).then(() => "", (e: Error) => `${e.message} at ${net.now() / 1e6} s`);
  await net.advance(sec(2000));
  // First a tail loss probe (tcp/tlp.ts: 2·SRTT + tcp_rto_min for a lone segment, capped by the
  // RTO, so at 210 ms) resends the segment; the RTO restarts from it. Then tcp_retries2 = 15: the RTO
  // (210 ms after a 10 ms RTT) doubles up to the 120 s cap, and the 16th timeout (at 935.065 s, Linux
  // tcp_model_timeout's ≈ 924.6 s budget passed since the first retransmission) ends the connection.
  assert.equal(await failed, "recv: Connection timed out at 935.065 s");
  const t0 = ms(25);
  const rto = [0, 210, 210, 420, 840, 1680, 3360, 6720, 13440, 26880, 53760, 107520, 120000, 120000, 120000, 120000, 120000];
  let at = t0;
  capture.expectSequence(rto.map((d) => ({ from: "client", flags: "P.", seq: 5, ack: 1, len: 14, at: (at += ms(d)) })));
  capture.expectNoMore();
});

test("C7 G4: a peer that reboots answers with RST: ECONNRESET", async () => {
  const { net, client, server } = twoHosts({ latency: ms(1) });
  server.spawn("echo", (p) => echoServer(p));
  let err = "";
  let ready = false;
  client.spawn("c", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 7);
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
  const { net, link, cp, cfd, capture } = await establishedPair({
    link: { latency: ms(1) },
    beforeConnect: (p, fd) => p.setsockopt(fd, "SOL_SOCKET", "SO_KEEPALIVE", 1),
  });
  link.partition();
  const failed = cp.recv(cfd, 10).then(() => "", (e: Error) => `${e.message} at ${(net.now() - ms(2)) / 1e6} s`);
  await net.advance(sec(7200 + 75 * 10 + 10));
  // Idle since the handshake's ACK at 2 ms: the first probe at 2 h, then every 75 s; the ninth unanswered
  // interval ends the connection. The probe carries SEQ = SND.UNA − 1 (C7): relative 0, no data.
  assert.equal(await failed, "recv: Connection timed out at 7875 s");
  capture.expectSequence([...Array(9).keys()].map((i) => ({ from: "client", flags: ".", seq: 0, ack: 1, len: 0, at: ms(2) + sec(7200 + 75 * i) })));
  // Giving up, Linux tcp_keepalive_timer sends an active reset (tcp_send_active_reset) before tcp_write_err.
  capture.expectTcp({ from: "client", flags: "R.", seq: 1, ack: 1, at: ms(2) + sec(7875) });
  capture.expectNoMore();
});

test("C7: keepalive with a live peer: the probe is answered and the timer resets", async () => {
  const { net, client, capture } = await establishedPair({
    link: { latency: ms(1) },
    port: 7,
    beforeConnect: (p, fd) => {
      p.setsockopt(fd, "SOL_SOCKET", "SO_KEEPALIVE", 1);
      p.setsockopt(fd, "IPPROTO_TCP", "TCP_KEEPIDLE", 60);
      p.setsockopt(fd, "IPPROTO_TCP", "TCP_KEEPINTVL", 10);
    },
  });
  await net.advance(sec(301));
  // A probe (SND.UNA − 1, no data) 60 s after the last segment received; the answer, received 1 ms
  // after it left, restarts the idle time.
  for (let i = 0, at = ms(2); i < 5; i++) {
    capture.expectTcp({ from: "client", flags: ".", seq: 0, ack: 1, len: 0, at: (at += sec(60)) });
    capture.expectTcp({ from: "server", flags: ".", seq: 1, ack: 1, len: 0, at: (at += ms(1)) });
    at += ms(1);
  }
  capture.expectNoMore();
  const [c] = conns(client, 7);
  assert.equal(c!.state, TcpState.ESTABLISHED);
  assert.equal(client.counters.TcpExt.TCPKeepAlive, 5);
  assert.equal(c!.probesOut, 0);
});
