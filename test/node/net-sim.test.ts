/**
 * sockstack/node's `net` on the simulated network alone: backpressure
 * from the simulated kernel buffers, idle timeouts in virtual time, the
 * server's bookkeeping, and determinism.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as nodeNet from "node:net";
import { Duplex, pipeline } from "node:stream";
import { Network, ms, sec } from "../../src/index.js";
import { nodeOn, type SimSocket } from "../../src/node.js";

function pair(seed = 1) {
  const net = new Network({ seed });
  const client = net.addHost("client"), server = net.addHost("server");
  const { link } = net.link(client, server, { latency: ms(2) });
  return { net, client, server, link, cnet: nodeOn(client).net, snet: nodeOn(server).net };
}

test("backpressure: write() turns false when the simulated buffers are full, 'drain' only after the reader resumes", async () => {
  const { net, cnet, snet } = pair();
  let serverSock = null as SimSocket | null;
  let received = 0;
  snet.createServer({ pauseOnConnect: true }, (s) => {
    serverSock = s;
    s.on("data", (d: Buffer) => (received += d.length));
  }).listen(9000);
  const c = cnet.connect(9000, "10.0.0.2");
  const chunk = Buffer.alloc(16 * 1024, 7);
  const total = 4 * 1024 * 1024;
  let written = 0, drains = 0, falses = 0;
  const fill = () => {
    while (written < total) {
      written += chunk.length;
      if (!c.write(chunk)) {
        falses++;
        return;
      }
    }
    c.end();
  };
  c.on("connect", fill);
  c.on("drain", () => {
    drains++;
    fill(); // a producer that respects backpressure, as pipe() does
  });
  await net.advance(sec(30)); // a paused reader: the window closes, the send buffer fills
  assert.ok(serverSock, "accepted");
  assert.ok(written < total, "the producer is held back");
  assert.ok(c.writableLength > 0, "bytes wait in the stream because the kernel send buffer is full");
  const inKernel = c.bytesWritten - c.writableLength;
  assert.ok(inKernel > 64 * 1024 && inKernel < 8 * 1024 * 1024, `the kernels hold a bounded amount (${inKernel} bytes)`);
  const d0 = drains;
  await net.advance(sec(30));
  assert.equal(drains, d0, "no 'drain' while the peer does not read");
  assert.equal(received, 0);
  assert.ok(falses > 0 && falses === drains + 1, "each false write() is followed by exactly one 'drain' (the last one pending)");
  serverSock!.resume();
  await net.runUntil(() => received === total, { timeout: sec(60) });
  assert.equal(received, total, "every byte arrived");
  assert.ok(drains > d0, "'drain' came after the reader resumed");
});

test("setTimeout: 'timeout' after the idle time in virtual time, re-armed by activity, socket left open", async () => {
  const { net, cnet, snet } = pair();
  const times: number[] = [];
  snet.createServer((s) => s.on("data", (d) => s.write(d))).listen(7);
  const c = cnet.connect({ port: 7, host: "server", timeout: 1000 });
  c.on("timeout", () => times.push(net.now()));
  let connectedAt = 0;
  c.on("connect", () => (connectedAt = net.now()));
  await net.advance(ms(500));
  c.write("x"); // activity at t=0.5 s pushes the deadline
  await net.advance(sec(3));
  assert.equal(times.length, 1, "one 'timeout' per idle period");
  assert.ok(times[0]! >= connectedAt + sec(1), "not before the idle time");
  assert.equal(times[0], 500_000 + 4_000 + sec(1), "1 s after the last byte (the echo's arrival at 0.504 s)");
  assert.equal(c.destroyed, false, "Node does not close a timed-out socket");
  c.setTimeout(0);
  c.destroy();
});

test("server: address, getConnections, maxConnections with 'drop', close waits for connections, EADDRINUSE", async () => {
  const { net, cnet, snet } = pair();
  const srv = snetServer(snet);
  const events: string[] = [];
  srv.maxConnections = 1;
  srv.on("drop", (d: { remoteAddress: string }) => events.push(`drop ${d.remoteAddress}`));
  srv.on("close", () => events.push(`close at ${net.now()}`));
  srv.listen(80, "10.0.0.2", () => events.push(`listening ${JSON.stringify(srv.address())}`));
  const other = snet.createServer();
  other.on("error", (e: Error & { code: string }) => events.push(`${e.code}: ${e.message}`));
  other.listen(80);
  const a = cnet.connect(80, "server");
  a.on("lookup", (err: Error | null, addr: string, fam: number, host: string) => events.push(`lookup ${err} ${addr} ${fam} ${host}`));
  await net.advance(ms(50));
  const b = cnet.connect(80, "server");
  b.on("end", () => events.push("b end"));
  b.on("close", () => events.push("b close"));
  await net.advance(ms(50));
  const n = await new Promise<number>((r) => srv.getConnections((_e, k) => r(k)));
  events.push(`connections ${n}`);
  srv.close();
  await net.advance(ms(50));
  events.push("destroying a");
  a.destroy();
  await net.advance(ms(50));
  assert.deepEqual(events, [
    'listening {"address":"10.0.0.2","family":"IPv4","port":80}',
    "EADDRINUSE: listen EADDRINUSE: address already in use :::80",
    "lookup null 10.0.0.2 4 server",
    "drop 10.0.0.1",
    "b end",
    "b close",
    "connections 1",
    "destroying a",
    "close at 152000",
  ]);
});

function snetServer(snet: ReturnType<typeof nodeOn>["net"]) {
  return snet.createServer();
}

test("unknown host: 'lookup' with ENOTFOUND then 'error', as Node's getaddrinfo failure", async () => {
  const { net, cnet } = pair();
  const log: string[] = [];
  const c = cnet.connect(80, "nowhere");
  c.on("lookup", (err: (Error & { code: string }) | null) => log.push(`lookup ${err?.code}`));
  c.on("error", (e: Error & { code: string; syscall: string; hostname: string; errno: number }) => log.push(`${e.message} ${e.code} ${e.syscall} ${e.hostname} ${e.errno}`));
  c.on("close", () => log.push("close"));
  await net.run();
  assert.deepEqual(log, ["lookup ENOTFOUND", "getaddrinfo ENOTFOUND nowhere ENOTFOUND getaddrinfo nowhere -3008", "close"]);
});

test("façade sockets are real net.Socket instances: instanceof, stream state, string encodings, pipeline", async () => {
  const { net, cnet, snet } = pair();
  const accepted: SimSocket[] = [];
  // An echo through stream.pipeline (Node's own stream plumbing checks the stream state).
  snet.createServer((s) => {
    accepted.push(s);
    pipeline(s, s, () => {});
  }).listen(7);
  const c = cnet.connect({ port: 7, host: "server" });
  assert.ok(c instanceof nodeNet.Socket, "instanceof net.Socket");
  assert.ok(c instanceof Duplex, "instanceof stream.Duplex");
  assert.equal(c.pending, true);
  assert.equal(c.readyState, "opening");
  const got: Buffer[] = [];
  c.on("data", (d: Buffer) => got.push(d));
  let closed = false;
  c.on("close", () => (closed = true));
  c.on("connect", () => {
    assert.equal(c.pending, false);
    assert.equal(c.readyState, "open");
    c.write("héllo ", "latin1"); // strings reach _write undecoded (net.Socket's decodeStrings: false)
    c.write("wörld", "utf8");
    c.end(Buffer.from("!"));
  });
  c.setTimeout(0);
  assert.equal(c.timeout, 0, "socket.timeout is the value given, as Node");
  assert.ok(await net.runUntil(() => closed, { timeout: sec(5) }));
  assert.ok(accepted[0] instanceof nodeNet.Socket, "accepted sockets too");
  assert.deepEqual(Buffer.concat(got), Buffer.concat([Buffer.from("héllo ", "latin1"), Buffer.from("wörld"), Buffer.from("!")]));
  assert.equal(c.bytesRead, Buffer.concat(got).length);
  assert.equal(c.bytesWritten, c.bytesRead);
  assert.equal(c.readyState, "closed");
});

test("socket option extensions: SO_SNDBUF/SO_RCVBUF, SO_LINGER, keepalive probes, TCP_CORK, TCP_USER_TIMEOUT, TCP_MAXSEG, TCP_CONGESTION, tcp_info, the ss line", async () => {
  const { net, cnet, snet } = pair();
  snet.createServer((s) => s.resume()).listen(80);
  const c = cnet.connect(80, "server");
  assert.throws(() => c.setsockopt("SOL_SOCKET", "SO_SNDBUF", 1), { code: "ERR_SOCKET_CLOSED" }, "before the name is looked up there is no simulated socket yet");
  assert.ok(await net.runUntil(() => !c.connecting, { timeout: sec(5) }));
  c.setsockopt("SOL_SOCKET", "SO_SNDBUF", 32768).setsockopt("SOL_SOCKET", "SO_RCVBUF", 16384);
  assert.equal(c.getsockopt("SOL_SOCKET", "SO_SNDBUF"), 65536, "Linux doubles the value set");
  assert.equal(c.getsockopt("SOL_SOCKET", "SO_RCVBUF"), 32768);
  c.setsockopt("SOL_SOCKET", "SO_LINGER", { l_onoff: 1, l_linger: 5 });
  assert.deepEqual(c.getsockopt("SOL_SOCKET", "SO_LINGER"), { l_onoff: 1, l_linger: 5 });
  c.setKeepAlive(true, 30_000).setsockopt("IPPROTO_TCP", "TCP_KEEPINTVL", 10).setsockopt("IPPROTO_TCP", "TCP_KEEPCNT", 3);
  assert.deepEqual(["TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT"].map((o) => c.getsockopt("IPPROTO_TCP", o)), [30, 10, 3]);
  c.setsockopt("IPPROTO_TCP", "TCP_CORK", 1).setsockopt("IPPROTO_TCP", "TCP_USER_TIMEOUT", 5000).setsockopt("IPPROTO_TCP", "TCP_CONGESTION", "reno");
  assert.equal(c.getsockopt("IPPROTO_TCP", "TCP_CONGESTION"), "reno");
  assert.equal(c.getsockopt("IPPROTO_TCP", "TCP_USER_TIMEOUT"), 5000);
  assert.throws(() => c.setsockopt("IPPROTO_TCP", "TCP_CONGESTION", "bbr9"), { code: "ENOENT", syscall: "setsockopt", message: "setsockopt ENOENT" });
  assert.equal(typeof c.getsockopt("IPPROTO_TCP", "TCP_MAXSEG"), "number");
  const info = c.tcpInfo();
  assert.equal(info.snd_mss, 1448, "1460 less the 12 bytes of the timestamp option, as Linux");
  assert.ok(info.rtt > 0, "an RTT sample from the handshake");
  const line = c.ss();
  assert.match(line, /^ESTAB\s+0\s+0\s+10\.0\.0\.1:\d+\s+10\.0\.0\.2:80\b/);
  assert.match(line, /reno/, "the congestion control set shows");
  assert.equal(line.split("\n")[0]!.includes("State"), false, "no header");
  c.destroy();
  assert.equal(c.ss(), "");
});
