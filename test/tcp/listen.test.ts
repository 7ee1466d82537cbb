/**
 * Listen queues beyond the lecture (seeds B2, B4, B5, C5): SYN cookies, the
 * final ACK that finds the accept queue full, tcp_abort_on_overflow, closing
 * a listener, SO_REUSEPORT groups.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import { TcpState } from "../../src/tcp/tcp-state.js";
import { twoHosts, conns, tcbs } from "../helpers/tcp.js";
import { expectSegments } from "../helpers/capture.js";
import { connectTo, injectTcp, listenAccept, listenOn } from "../helpers/vocabulary.js";

test("B5: SYN cookies keep accepting when the SYN queue overflows", async () => {
  const { net, client, server, link } = twoHosts({ latency: ms(5) });
  // Hold the clients' final ACKs so requests pile up in the SYN queue (a SYN flood's effect).
  server.spawn("s", async (p) => {
    const l = listenOn(p, 9090, 4);
    const got: string[] = [];
    for (let i = 0; i < 8; i++) {
      const { fd } = await p.accept(l);
      got.push(new TextDecoder().decode(await p.recv(fd, 10)));
    }
    assert.equal(got.length, 8);
  });
  link.hold("aToB", (pk) => (pk.head[33]! & 0x02) === 0); // everything but SYNs from the clients
  let connected = 0;
  for (let i = 0; i < 8; i++) {
    client.spawn(`c${i}`, async (p) => {
      const fd = await connectTo(p, "10.0.0.2", 9090);
      connected++;
      await p.send(fd, `m${i}`);
      await net.sleep(sec(5));
    });
  }
  await net.advance(ms(50));
  const lt = tcbs(server).find((t) => t.state === TcpState.LISTEN)!;
  assert.equal(lt.lq!.synQueue.size, 5, "backlog 4: the SYN queue holds 5 requests, the rest got cookies");
  assert.equal(server.counters.TcpExt.SyncookiesSent, 3);
  link.release("aToB");
  await net.advance(sec(2));
  assert.equal(connected, 8);
  assert.equal(server.counters.TcpExt.SyncookiesRecv, 3);
});

/**
 * Backlog 1 (the accept queue admits two). A first client fills one slot;
 * then two clients connect at once: both SYNs are answered (the SYN queue is
 * not full), the first final ACK takes the last slot, the second finds the
 * queue full. With syncookies on (the default) a SYN that found the SYN queue
 * full would get a cookie instead — this test keeps the SYN queue small.
 */
function overflowScenario(abort: boolean) {
  const ctx = twoHosts({ latency: ms(5) });
  const { net, client, server } = ctx;
  server.sysctl.tcp_abort_on_overflow = abort;
  const results: string[] = [];
  let accepting = false;
  const got: string[] = [];
  server.spawn("s", async (p) => {
    const l = listenOn(p, 9090, 1);
    while (!accepting) await net.sleep(ms(100));
    for (;;) {
      const { fd } = await p.accept(l);
      got.push(new TextDecoder().decode(await p.recv(fd, 10)));
    }
  });
  for (let i = 0; i < 3; i++) {
    client.spawn(`c${i}`, async (p) => {
      await net.sleep(i === 0 ? 0 : ms(100));
      const fd = await connectTo(p, "10.0.0.2", 9090);
      await p.send(fd, `d${i}`);
      try {
        await p.recv(fd, 10);
      } catch (e) {
        results.push(`c${i} ${(e as Error).message}`);
      }
    });
  }
  return { ...ctx, results, got, accept: () => (accepting = true) };
}

test("B2: a final ACK that finds the accept queue full is dropped; the request stays SYN-RECV and completes later", async () => {
  const { net, client, server, trace, got, accept } = overflowScenario(false);
  await net.advance(sec(2));
  const lt = tcbs(server).find((t) => t.state === TcpState.LISTEN)!;
  assert.equal(lt.lq!.acceptQueue.length, 2);
  assert.equal(lt.lq!.synQueue.size, 1, "one connection is SYN-RECV on the server");
  // …while its client believes it is established and its data goes unacknowledged.
  assert.equal(conns(client, 9090).filter((t) => t.state === TcpState.ESTABLISHED).length, 3);
  assert.ok((server.counters.TcpExt.ListenOverflows ?? 0) >= 1);
  // The connection whose final ACK was dropped: the server retransmits its SYN-ACK after 1 s (the
  // request is still there); its client, established, retransmits its data and ACKs the SYN-ACK again.
  const stuck = trace.find((s) => s.from === "server" && s.flags === "S." && s.at === ms(1105))!.dport;
  expectSegments(trace.filter((s) => s.sport === stuck || s.dport === stuck), [
    { from: "client", flags: "S", seq: 0, at: ms(100) },
    { from: "server", flags: "S.", seq: 0, ack: 1, at: ms(105) },
    { from: "client", flags: ".", seq: 1, ack: 1, at: ms(110) }, // dropped: the accept queue is full
    { from: "client", flags: "P.", seq: 1, ack: 1, len: 2, at: ms(110) },
    // The tail loss probe (tcp/tlp.ts): 2·SRTT + tcp_rto_min for a lone segment, capped by the RTO
    // (210 ms: the RTT seen is 10 ms) — it fires when the RTO would and resends the segment; the RTO
    // then restarts from the probe (Linux tcp_send_loss_probe → tcp_rearm_rto) and backs off.
    { from: "client", flags: "P.", seq: 1, ack: 1, len: 2, at: ms(320) },
    { from: "client", flags: "P.", seq: 1, ack: 1, len: 2, at: ms(530) },
    { from: "client", flags: "P.", seq: 1, ack: 1, len: 2, at: ms(950) },
    { from: "server", flags: "S.", seq: 0, ack: 1, at: ms(1105) },
    { from: "client", flags: ".", seq: 3, ack: 1, at: ms(1110) },
    { from: "client", flags: "P.", seq: 1, ack: 1, len: 2, at: ms(1790) },
  ]);
  accept();
  await net.advance(sec(10));
  assert.deepEqual([...got].sort(), ["d0", "d1", "d2"]);
});

test("B2: tcp_abort_on_overflow = 1 answers that ACK with RST instead", async () => {
  const { net, results, trace } = overflowScenario(true);
  await net.advance(sec(3));
  const rsts = trace.filter((s) => s.flags.includes("R"));
  const port = rsts[0]!.dport;
  const client = `c${port === trace.filter((s) => s.flags === "S").at(-1)!.sport ? 2 : 1}`;
  assert.deepEqual(results, [`${client} recv: Connection reset by peer`]);
  // The final ACK that found the queue full is answered by a RST at its ack number (no ACK flag); the
  // data segment right behind it finds no request either and is answered the same way.
  expectSegments(trace.filter((s) => s.sport === port || s.dport === port), [
    { from: "client", flags: "S", seq: 0, at: ms(100) },
    { from: "server", flags: "S.", seq: 0, ack: 1, at: ms(105) },
    { from: "client", flags: ".", seq: 1, ack: 1, at: ms(110) },
    { from: "client", flags: "P.", seq: 1, ack: 1, len: 2, at: ms(110) },
    { from: "server", flags: "R", seq: 1, at: ms(115) },
    { from: "server", flags: "R", seq: 1, at: ms(115) },
  ]);
});

test("closing a listener resets the connections waiting in its accept queue", async () => {
  const { net, client, server, capture } = twoHosts({ latency: ms(1) });
  server.spawn("s", async (p) => {
    const l = listenOn(p, 9090, 8);
    await net.sleep(ms(100));
    await p.close(l);
  });
  const errs: string[] = [];
  client.spawn("c", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 9090);
    try { await p.recv(fd, 10); } catch (e) { errs.push((e as Error).message); }
  });
  await net.run();
  assert.deepEqual(errs, ["recv: Connection reset by peer"]);
  capture.expectSequence([
    { from: "client", flags: "S", seq: 0 },
    { from: "server", flags: "S.", seq: 0, ack: 1 },
    { from: "client", flags: ".", seq: 1, ack: 1, at: ms(2) },
    { from: "server", flags: "R.", seq: 1, ack: 1, at: ms(100) },
  ]);
  capture.expectNoMore();
});

test("C5: SO_REUSEPORT lets several sockets listen on one port; connections are spread by 4-tuple hash", async () => {
  const { net, client, server } = twoHosts({ latency: ms(1) });
  const counts = [0, 0, 0];
  for (let w = 0; w < 3; w++) {
    server.spawn(`worker${w}`, async (p) => {
      const l = p.socket("AF_INET", "SOCK_STREAM");
      p.setsockopt(l, "SOL_SOCKET", "SO_REUSEPORT", 1);
      p.bind(l, ["0.0.0.0", 9090]);
      p.listen(l, 64);
      for (;;) {
        await p.accept(l);
        counts[w]!++;
      }
    });
  }
  client.spawn("c", async (p) => {
    for (let i = 0; i < 60; i++) await connectTo(p, "10.0.0.2", 9090);
  });
  await net.advance(sec(2));
  assert.equal(counts.reduce((a, b) => a + b, 0), 60);
  assert.ok(counts.every((n) => n >= 8), `spread: ${counts.join(",")}`);
});

/**
 * Issue 11 item 11 (Linux reqsk_timer_handler): with SYN cookies off, a SYN
 * flood from spoofed sources fills the SYN queue (backlog 128: 129
 * requests). Linux lowers the retry limit of old requests while young ones
 * are scarce, down to 2 retries: the flood's requests, created in the first
 * 129 ms, die after 1 + 2 + 4 = 7 s (at 7.000–7.129 s), so a client that
 * started at 0.5 s gets in with its SYN retransmitted at 7.5 s (RTOs 1,1,1,1,1,2 —
 * tcp_syn_linear_timeouts = 4). Before, the requests lived through all five
 * retries (63 s) and the client got in at 67.5 s.
 */
test("SYN flood without cookies: old requests make way for young ones (reqsk_timer_handler); a real client gets in at 7.5 s", async () => {
  const { net, client, server } = twoHosts({ latency: ms(1) }, 1, { trace: false });
  server.sysctl.tcp_syncookies = 0;
  server.spawn("s", async (p) => {
    await listenAccept(p, 80, 128);
  });
  let connectedAt = -1;
  client.spawn("c", async (p) => {
    await net.sleep(ms(500));
    await connectTo(p, "10.0.0.2", 80);
    connectedAt = net.now();
  });
  await net.advance(0); // the server program runs: it listens
  // One second of SYNs from absent hosts 10.0.0.10–249 (their SYN-ACKs go unanswered), one per ms.
  for (let i = 0; i < 1000; i++) {
    injectTcp(server, { flags: "S", src: `10.0.0.${10 + (i % 240)}`, peerPort: 1024 + i, port: 80, absolute: true, seq: i * 7919, win: 64240 });
    await net.advance(ms(1));
  }
  const lt = tcbs(server).find((t) => t.state === TcpState.LISTEN)!;
  assert.equal(server.counters.TcpExt.TCPReqQFullDrop, 1000 - 129 + 1, "the queue held 129 requests; the rest (and the client's first SYN) were dropped");
  await net.advance(sec(5)); // t = 6 s
  assert.equal(lt.lq!.synQueue.size, 129, "the flood's requests are still there after two SYN-ACK retries");
  await net.advance(sec(2)); // t = 8 s
  assert.equal(connectedAt, ms(7500) + ms(2), "the client's SYN at 7.5 s found room");
  await net.advance(sec(60));
  assert.equal(lt.lq!.synQueue.size, 0);
  // The same run on Linux 6.18 (scripts/linux-probes/synflood.py): connected at 7.64 s,
  // TCPReqQFullDrop 877 (871 flood SYNs + the client's 6), TCPTimeouts 393 (129 requests × 3 + the client's 6 SYN RTOs).
  assert.equal(server.counters.TcpExt.TCPReqQFullDrop, 877);
  assert.equal(server.counters.TcpExt.TCPTimeouts, 387);
  assert.equal(client.counters.TcpExt.TCPTimeouts, 6);
});
