/**
 * Closing (seeds F1–F7, C5, C6, E4): the four-way teardown and its states,
 * half-close, RST on unread data or linger 0, TIME-WAIT and SO_REUSEADDR.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import { TcpState, stateName } from "../../src/tcp/tcp-state.js";
import { twoHosts, conns, ladder, timeWaits } from "../helpers/tcp.js";
import type { Host } from "../../src/host/host.js";

function watchStates(h: Host): string[] {
  const log: string[] = [];
  h.tcp.trace = (t, _from, to) => log.push(`${t.localPort === 9090 ? "srv" : "cli"}:${stateName(to)}`);
  return log;
}

test("F1 E4: four-way teardown: FIN-WAIT-1/2, CLOSE-WAIT, LAST-ACK, TIME-WAIT for 60 s; recv returns 0", async () => {
  const { net, client, server, trace } = twoHosts({ latency: ms(10) });
  const cs = watchStates(client);
  const ss = watchStates(server);
  let eof = -1;
  server.spawn("s", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 9090]);
    p.listen(l, 1);
    const { fd } = await p.accept(l);
    eof = (await p.recv(fd, 100)).length;
    await net.sleep(ms(100)); // CLOSE-WAIT while the application has not closed
    await p.close(fd);
  });
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 9090]);
    await p.close(fd);
  });
  await net.advance(sec(1));
  assert.equal(eof, 0);
  assert.deepEqual(cs, ["cli:SYN-SENT", "cli:ESTABLISHED", "cli:FIN-WAIT-1", "cli:FIN-WAIT-2", "cli:TIME-WAIT"]);
  // The last CLOSED is the listener, closed when the server process exits.
  assert.deepEqual(ss, ["srv:LISTEN", "srv:SYN-RECEIVED", "srv:ESTABLISHED", "srv:CLOSE-WAIT", "srv:LAST-ACK", "srv:CLOSED", "srv:CLOSED"]);
  assert.equal(conns(client, 9090).length, 0);
  assert.equal(timeWaits(client, 9090).length, 1);
  await net.advance(sec(60));
  assert.equal(timeWaits(client, 9090).length, 0);
  const l = ladder(trace);
  assert.match(l.join("\n"), /client F\. 1 ack 1/);
  assert.match(l.join("\n"), /server F\. 1 ack 2/);
});

test("F2: half-close: after shutdown(SHUT_WR) the peer reads 0 but can still send", async () => {
  const { net, client, server } = twoHosts({ latency: ms(1) });
  let got = "";
  server.spawn("s", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 9090]);
    p.listen(l, 1);
    const { fd } = await p.accept(l);
    let req = "";
    for (;;) {
      const d = await p.recv(fd, 100);
      if (d.length === 0) break;
      req += new TextDecoder().decode(d);
    }
    await p.send(fd, `you said ${req}`);
    await p.close(fd);
  });
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 9090]);
    await p.send(fd, "hello");
    p.shutdown(fd, "SHUT_WR");
    for (;;) {
      const d = await p.recv(fd, 100);
      if (d.length === 0) break;
      got += new TextDecoder().decode(d);
    }
    await p.close(fd);
  });
  await net.run();
  assert.equal(got, "you said hello");
});

test("F5: close with unread data sends RST; the peer gets ECONNRESET", async () => {
  const { net, client, server, trace } = twoHosts({ latency: ms(1) });
  let err = "";
  server.spawn("s", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 9090]);
    p.listen(l, 1);
    const { fd } = await p.accept(l);
    await net.sleep(ms(50));
    await p.close(fd); // "request" never read
  });
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 9090]);
    await p.send(fd, "request");
    try { await p.recv(fd, 100); } catch (e) { err = (e as Error).message; }
  });
  await net.run();
  assert.equal(err, "recv: Connection reset by peer");
  assert.ok(trace.some((s) => s.from === "server" && s.flags === "R."));
  assert.equal(server.counters.TcpExt.TCPAbortOnClose, 1);
});

test("C6: SO_LINGER {1, 0}: close is a hard close with RST, no TIME-WAIT", async () => {
  const { net, client, server, trace } = twoHosts({ latency: ms(1) });
  let err = "";
  server.spawn("s", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 9090]);
    p.listen(l, 1);
    const { fd } = await p.accept(l);
    try { await p.recv(fd, 100); } catch (e) { err = (e as Error).message; }
  });
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 9090]);
    p.setsockopt(fd, "SOL_SOCKET", "SO_LINGER", { l_onoff: 1, l_linger: 0 });
    await p.close(fd);
  });
  await net.run();
  assert.equal(err, "recv: Connection reset by peer");
  assert.ok(trace.some((s) => s.from === "client" && s.flags.startsWith("R")));
  assert.equal(conns(client, 9090).length, 0);
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
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      await p.connect(fd, ["10.0.0.2", 9090]);
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
    const a = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(a, ["0.0.0.0", 9090]);
    p.listen(a, 1);
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
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 9090]);
    p.listen(l, 16);
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
    for (let i = 0; i < 8; i++) {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      await p.connect(fd, ["10.0.0.2", 9090]);
      await p.close(fd);
    }
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
      const l = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(l, ["0.0.0.0", 9090]);
      p.listen(l, 1);
      const { fd } = await p.accept(l);
      while ((await p.recv(fd, 65536)).length) { /* drain */ }
    });
    client.spawn("c", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      await p.connect(fd, ["10.0.0.2", 9090]);
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
