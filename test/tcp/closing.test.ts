/**
 * Closing (seeds F1–F7, C5, C6, E4): the four-way teardown and its states,
 * half-close, RST on unread data or linger 0, TIME-WAIT and SO_REUSEADDR.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import { TcpState, stateName } from "../../src/tcp/tcp-state.js";
import { twoHosts, conns, timeWaits } from "../helpers/tcp.js";
import { connectTo, drive, establishedPair, listenAccept, listenOn } from "../helpers/vocabulary.js";
import type { Host } from "../../src/host/host.js";

function watchStates(h: Host): string[] {
  const log: string[] = [];
  h.tcp.trace = (t, _from, to) => log.push(`${t.localPort === 9090 ? "srv" : "cli"}:${stateName(to)}`);
  return log;
}

test("F1 E4: four-way teardown: FIN-WAIT-1/2, CLOSE-WAIT, LAST-ACK, TIME-WAIT for 60 s; recv returns 0", async () => {
  let cs: string[] = [], ss: string[] = [];
  const { net, client, cp, cfd, sp, sfd, lfd, capture } = await establishedPair({
    link: { latency: ms(10) },
    setup: ({ client, server }) => { cs = watchStates(client); ss = watchStates(server); },
  });
  await cp.close(cfd);
  assert.equal((await drive(net, sp.recv(sfd, 100))).length, 0);
  await net.advance(ms(100)); // CLOSE-WAIT while the application has not closed
  assert.deepEqual([cs.at(-1), ss.at(-1)], ["cli:FIN-WAIT-2", "srv:CLOSE-WAIT"]);
  await sp.close(sfd);
  await sp.close(lfd);
  await net.settle();
  capture.expectSequence([
    { from: "client", flags: "F.", seq: 1, ack: 1, at: ms(30) },
    { from: "server", flags: ".", seq: 1, ack: 2, at: ms(40) }, // a FIN before any data: ACKed at once (Linux icsk_ack.ato is still 0)
    { from: "server", flags: "F.", seq: 1, ack: 2, at: ms(140) },
    { from: "client", flags: ".", seq: 2, ack: 2, at: ms(150) },
  ]);
  capture.expectNoMore();
  assert.deepEqual(cs, ["cli:SYN-SENT", "cli:ESTABLISHED", "cli:FIN-WAIT-1", "cli:FIN-WAIT-2", "cli:TIME-WAIT"]);
  // The last CLOSED is the listener.
  assert.deepEqual(ss, ["srv:LISTEN", "srv:SYN-RECEIVED", "srv:ESTABLISHED", "srv:CLOSE-WAIT", "srv:LAST-ACK", "srv:CLOSED", "srv:CLOSED"]);
  assert.equal(conns(client, 9090).length, 0);
  assert.equal(timeWaits(client, 9090).length, 1);
  await net.advance(ms(150) + sec(60) - ms(1) - net.now()); // TIME-WAIT since the server's FIN arrived at 150 ms
  assert.equal(timeWaits(client, 9090).length, 1, "TIME-WAIT lasts 60 s");
  await net.advance(ms(2));
  assert.equal(timeWaits(client, 9090).length, 0);
  capture.expectNoMore();
});

test("F2: half-close: after shutdown(SHUT_WR) the peer reads 0 but can still send", async () => {
  const { net, cp, cfd, sp, sfd, capture } = await establishedPair({ link: { latency: ms(1) } });
  const server = (async () => {
    let req = "";
    for (;;) {
      const d = await sp.recv(sfd, 100);
      if (d.length === 0) break;
      req += new TextDecoder().decode(d);
    }
    await sp.send(sfd, `you said ${req}`);
    await sp.close(sfd);
  })();
  const client = (async () => {
    await cp.send(cfd, "hello");
    await cp.shutdown(cfd, "SHUT_WR");
    let got = "";
    for (;;) {
      const d = await cp.recv(cfd, 100);
      if (d.length === 0) break;
      got += new TextDecoder().decode(d);
    }
    return got;
  })();
  const [got] = await drive(net, Promise.all([client, server]));
  await net.advance(sec(1));
  assert.equal(got, "you said hello");
  capture.expectSequence([
    { from: "client", flags: "P.", seq: 1, ack: 1, data: "hello" },
    { from: "client", flags: "F.", seq: 6, ack: 1 },
    { from: "server", flags: ".", seq: 1, ack: 6 }, // quick ACK of the first data
    { from: "server", flags: "P.", seq: 1, ack: 7, data: "you said hello" }, // the reply carries the ACK of the FIN
    { from: "server", flags: "F.", seq: 15, ack: 7 },
    { from: "client", flags: ".", seq: 7, ack: 15 },
    { from: "client", flags: ".", seq: 7, ack: 16 },
  ]);
  capture.expectNoMore();
});

test("F5: close with unread data sends RST (seq snd.nxt, ack rcv.nxt); the peer gets ECONNRESET and stays silent", async () => {
  const { net, server, cp, cfd, sp, sfd, capture } = await establishedPair({ link: { latency: ms(1) } });
  await cp.send(cfd, "request");
  await net.settle();
  capture.expectTcp({ from: "client", flags: "P.", seq: 1, ack: 1, data: "request" });
  capture.expectTcp({ from: "server", flags: ".", seq: 1, ack: 8 });
  await sp.close(sfd); // "request" never read
  capture.expectTcp({ from: "server", flags: "R.", seq: 1, ack: 8 });
  await net.settle();
  capture.expectNoMore();
  await assert.rejects(drive(net, cp.recv(cfd, 100)), { message: "recv: Connection reset by peer" });
  assert.equal(server.counters.TcpExt.TCPAbortOnClose, 1);
});

test("C6: SO_LINGER {1, 0}: close is a hard close with RST, no FIN, no TIME-WAIT", async () => {
  const { net, client, cp, cfd, sp, sfd, capture } = await establishedPair({ link: { latency: ms(1) } });
  cp.setsockopt(cfd, "SOL_SOCKET", "SO_LINGER", { l_onoff: 1, l_linger: 0 });
  await cp.close(cfd);
  capture.expectTcp({ from: "client", flags: "R.", seq: 1, ack: 1 });
  await net.settle();
  capture.expectNoMore();
  await assert.rejects(drive(net, sp.recv(sfd, 100)), { message: "recv: Connection reset by peer" });
  assert.equal(conns(client, 9090).length, 0);
  assert.equal(timeWaits(client, 9090).length, 0);
});

test("F6 C5: a restarted server cannot bind while TIME-WAIT holds the port unless SO_REUSEADDR", async () => {
  for (const reuse of [false, true]) {
    const { net, client, server } = twoHosts({ latency: ms(1) });
    let second = "";
    server.spawn("s", async (p) => {
      const l = p.socket("AF_INET", "SOCK_STREAM");
      if (reuse) p.setsockopt(l, "SOL_SOCKET", "SO_REUSEADDR", 1);
      p.bind(l, ["0.0.0.0", 9090]);
      p.listen(l, 1);
      const { fd } = await p.accept(l);
      await p.close(fd); // the server closes first: TIME-WAIT is on the server
      await p.close(l);
      await net.sleep(ms(100));
      const l2 = p.socket("AF_INET", "SOCK_STREAM");
      if (reuse) p.setsockopt(l2, "SOL_SOCKET", "SO_REUSEADDR", 1);
      try { p.bind(l2, ["0.0.0.0", 9090]); second = "ok"; } catch (e) { second = (e as Error).message; }
      await net.sleep(sec(61));
      try { p.bind(l2, ["0.0.0.0", 9090]); second += " / later ok"; } catch (e) { second += ` / later ${(e as Error).message}`; }
    });
    client.spawn("c", async (p) => {
      const fd = await connectTo(p, "10.0.0.2", 9090);
      await p.recv(fd, 10);
      await p.close(fd);
    });
    await net.run();
    if (reuse) assert.equal(second, "ok / later bind: Invalid argument");
    else assert.equal(second, "bind: Address already in use / later ok");
  }
});

test("A10: two listeners on the same address and port: EADDRINUSE", async () => {
  const { net, server } = twoHosts();
  let err = "";
  server.spawn("s", async (p) => {
    listenOn(p, 9090, 1);
    const b = p.socket("AF_INET", "SOCK_STREAM");
    try { p.bind(b, ["0.0.0.0", 9090]); } catch (e) { err = (e as Error).message; }
  });
  await net.run();
  assert.equal(err, "bind: Address already in use");
});

test("F4: a server that never closes after the peer's FIN leaks CLOSE-WAIT sockets until EMFILE", async () => {
  const { net, client, server } = twoHosts({ latency: ms(1) });
  let err = "";
  let accepted = 0;
  server.spawn("leaky", async (p) => {
    p.rlimitNofile = 10;
    const l = listenOn(p, 9090, 16);
    try {
      for (;;) {
        const { fd } = await p.accept(l);
        accepted++;
        await p.recv(fd, 10); // reads EOF and forgets the fd
      }
    } catch (e) { err = (e as Error).message; }
    await net.sleep(sec(60));
  });
  client.spawn("c", async (p) => {
    for (let i = 0; i < 8; i++) await p.close(await connectTo(p, "10.0.0.2", 9090));
  });
  await net.advance(sec(5));
  assert.equal(err, "accept: Too many open files");
  assert.equal(accepted, 6); // fds 4..9
  // The six owned connections and the two still in the accept queue all sit in CLOSE-WAIT.
  assert.equal(conns(server, 9090).filter((t) => t.state === TcpState.CLOSE_WAIT).length, 8);
});

test("C6: SO_LINGER {1, 2}: close() blocks until the data is acknowledged, or 2 s when it cannot be", async () => {
  for (const cut of [false, true]) {
    const { net, client, server, link } = twoHosts({ latency: ms(10) });
    let blocked = -1;
    server.spawn("s", async (p) => {
      const { fd } = await listenAccept(p, 9090, 1);
      while ((await p.recv(fd, 65536)).length) { /* drain */ }
    });
    client.spawn("c", async (p) => {
      const fd = await connectTo(p, "10.0.0.2", 9090);
      p.setsockopt(fd, "SOL_SOCKET", "SO_LINGER", { l_onoff: 1, l_linger: 2 });
      if (cut) link.partition("aToB");
      await p.send(fd, new Uint8Array(5000));
      const t0 = net.now();
      await p.close(fd);
      blocked = net.now() - t0;
    });
    await net.runUntil(() => blocked >= 0, { timeout: sec(30) });
    if (cut) assert.equal(blocked, sec(2));
    else assert.ok(blocked >= ms(20) && blocked < ms(100), `blocked ${blocked} µs (one round trip)`);
  }
});

test("a RST leaves the data received before it readable: read gives the data, then ECONNRESET, then 0 (Linux tcp_reset, checked on 6.18)", async () => {
  const { net, client, server } = twoHosts({ latency: ms(5) });
  const reads: string[] = [];
  server.spawn("s", async (p) => {
    const { fd } = await listenAccept(p, 9090);
    await net.sleep(ms(100)); // the data and then the RST arrive while nobody reads
    for (let i = 0; i < 3; i++) {
      try {
        reads.push(new TextDecoder().decode(await p.recv(fd, 512)) || "EOF");
      } catch (e) {
        reads.push((e as { code: string }).code);
      }
    }
  });
  client.spawn("c", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 9090);
    await p.send(fd, "0123456789");
    await net.sleep(ms(20));
    p.setsockopt(fd, "SOL_SOCKET", "SO_LINGER", { l_onoff: 1, l_linger: 0 });
    p.close(fd);
  });
  await net.advance(sec(1));
  assert.deepEqual(reads, ["0123456789", "ECONNRESET", "EOF"]);
});

test("after the peer's FIN, a RST (CLOSE-WAIT) leaves reads at end of stream; EPIPE is for the next send (Linux tests SOCK_DONE before sk_err in tcp_recvmsg; checked on 6.18)", async () => {
  const { net, client, server } = twoHosts({ latency: ms(5) });
  const got: string[] = [];
  const rec = async (what: string, op: () => Promise<unknown>): Promise<void> => {
    try {
      const r = await op();
      got.push(`${what} ${r instanceof Uint8Array ? r.length : String(r)}`);
    } catch (e) {
      got.push(`${what} ${(e as { code: string }).code}`);
    }
  };
  server.spawn("s", async (p) => {
    const { fd } = await listenAccept(p, 9090);
    await p.close(fd); // FIN: the client goes to CLOSE-WAIT
  });
  client.spawn("c", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 9090);
    await net.sleep(ms(50));
    await rec("send", () => p.send(fd, "1")); // the closed server answers the data with RST
    await net.sleep(ms(50));
    await rec("recv", () => p.recv(fd, 10));
    await rec("recv", () => p.recv(fd, 10));
    await rec("send", () => p.send(fd, "1", "MSG_NOSIGNAL"));
  });
  await net.advance(sec(1));
  assert.deepEqual(got, ["send 1", "recv 0", "recv 0", "send EPIPE"], "Linux: send 1, recv b'', recv b'', send EPIPE");
});
