/**
 * H10 F3 C6: a proxy between a client and a server on three hosts. It
 * passes half-close through, closes only when both directions ended or one
 * failed, and hard-closes a stuck pair (SO_LINGER 0) after a delay.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import { snapshot } from "../../src/tools/snapshot.js";
import { ss } from "../../src/tools/ss.js";
import { attachCapture, Capture, expectSegments } from "../helpers/capture.js";
import { OPTS, halfCloseClient, halfCloseServer, hungServer, main, naiveProxy, proxy, topology } from "../../examples/proxy.js";
import { printed } from "./run-example.js";
import { connectTo, listenOn } from "../helpers/vocabulary.js";

/** The example's topology with a trace of every TCP segment each host sends. */
function threeHosts() {
  const t = topology();
  const capture = new Capture();
  for (const h of [t.client, t.px, t.server]) {
    for (const i of h.ip.interfaces.slice(1)) attachCapture(capture, h, { device: i.device });
  }
  return { ...t, trace: capture.all, capture };
}

test("F3 H10: the proxy passes half-close through: the server reads 0, still answers, the client gets it", async () => {
  const { net, client, px, server, trace } = threeHosts();
  const seen: string[] = [], got: string[] = [], log: string[] = [];
  server.spawn("server", (p) => halfCloseServer(p, seen));
  px.spawn("proxy", (p) => proxy(p, { ...OPTS, log }));
  client.spawn("client", (p) => halfCloseClient(p, got));
  await net.run({ until: sec(5) });
  assert.deepEqual(seen, ["hello"]);
  assert.deepEqual(got, ["you said hello"]);
  assert.deepEqual(log, ["half-close c→s", "half-close s→c", "closed"]);
  // The client's FIN became the proxy's FIN to the server, and the server's FIN the proxy's FIN to the client.
  const fins = trace.filter((s) => s.flags.includes("F")).map((s) => `${s.from}:${s.dport === 9090 ? "→server" : s.sport === 9090 ? "server→" : s.dport === 8080 ? "→proxy" : "→client"}`);
  assert.deepEqual(fins, ["client:→proxy", "proxy:→server", "server:server→", "proxy:→client"]);
  assert.ok(!trace.some((s) => s.flags.includes("R")), "no reset anywhere");
  // Nothing is left in CLOSE-WAIT on the proxy; it closed the server side first, so it holds that TIME-WAIT.
  assert.equal(ss(snapshot(px), "-tan state close-wait"), "Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n");
  assert.match(ss(snapshot(px), "-tan state time-wait"), /10\.0\.2\.254:\d+ +10\.0\.2\.1:9090/);
});

test("F3: a proxy that closes both sides on the first read() = 0 breaks that client: no answer", async () => {
  const { net, client, px, server, trace } = threeHosts();
  const seen: string[] = [], got: string[] = [];
  server.spawn("server", (p) => halfCloseServer(p, seen));
  px.spawn("proxy", (p) => naiveProxy(p, OPTS));
  client.spawn("client", (p) => halfCloseClient(p, got));
  await net.run({ until: sec(5) });
  assert.deepEqual(got, [""], "EOF without the answer");
  assert.equal(seen[0], "hello");
  // The server's answer hit a closed socket on the proxy, which answered RST.
  // The server's answer (and FIN) hit the proxy's closed socket, which answered RST at seq 7: after its
  // request (1–5) and FIN (6). (Linux sends both as `R seq 7`, the answer to a segment with an ACK;
  // sockstack's first is `R. seq 7 ack 1` — see src/tcp/input-states.test.ts, FIN-WAIT-2 after close().)
  const toServer = trace.filter((s) => s.from === "proxy" && s.dport === 9090);
  expectSegments(toServer.slice(-2).map((s) => ({ ...s, flags: s.flags.replace(".", "") })), [
    { flags: "R", seq: 7, at: ms(7) },
    { flags: "R", seq: 7, at: ms(7) },
  ]);
  assert.deepEqual(toServer.map((s) => s.flags.replace(/^R\.$/, "R")), ["S", ".", "P.", "F.", "R", "R"], "SYN, ACK, the request, FIN, then the resets");
});

test("H10 C6: an error on one side (the server resets) hard-closes the other: the client sees ECONNRESET", async () => {
  const { net, client, px, server, trace } = threeHosts();
  const got: string[] = [], log: string[] = [];
  server.spawn("server", async (p) => {
    const l = listenOn(p, 9090, 4);
    const { fd } = await p.accept(l);
    await p.recv(fd, 100);
    p.setsockopt(fd, "SOL_SOCKET", "SO_LINGER", { l_onoff: 1, l_linger: 0 });
    await p.close(fd);
  });
  px.spawn("proxy", (p) => proxy(p, { ...OPTS, log }));
  client.spawn("client", async (p) => {
    const fd = await connectTo(p, "10.0.1.254", 8080);
    await p.send(fd, "request");
    try { await p.recv(fd, 100); } catch (e) { got.push((e as Error).message); }
  });
  await net.run({ until: sec(5) });
  assert.deepEqual(log, ["error recv: Connection reset by peer"]);
  assert.deepEqual(got, ["recv: Connection reset by peer"]);
  // The server's RST (linger 0) at 6 ms; the proxy hard-closes the client side with its own at 7 ms.
  expectSegments(trace.filter((s) => s.flags.includes("R")), [
    { from: "server", flags: "R.", seq: 1, ack: 8, at: ms(6) },
    { from: "proxy", flags: "R.", seq: 1, ack: 8, at: ms(7) },
  ]);
  assert.equal(trace.at(-1)!.sport, 8080, "the proxy's RST goes to the client");
  assert.equal(ss(snapshot(px), "-tanH"), "", "hard-closed: no TIME-WAIT, no CLOSE-WAIT left on the proxy");
});

test("H10 C6: a stuck pair is shut down after the idle time and hard-closed 5 s later with RST; nothing lingers", async () => {
  const { net, client, px, server, trace } = threeHosts();
  const log: string[] = [], got: string[] = [];
  let doneAt = 0;
  server.spawn("hung", hungServer); // the application hangs: never reads, answers or closes
  px.spawn("proxy", (p) => proxy(p, { ...OPTS, log, idleMs: 30_000, hardCloseMs: 5000 }));
  client.spawn("client", async (p) => {
    await halfCloseClient(p, got);
    doneAt = net.now();
  });
  await net.advance(sec(20));
  // Mid-way: the proxy passed the client's FIN on and waits for the server, which never answers.
  assert.deepEqual(log, ["half-close c→s"]);
  // Recv-Q 6: 5 unread bytes plus the FIN, which Linux counts until the application reads the end.
  assert.match(ss(snapshot(server), "-tn"), /^CLOSE-WAIT 6 /m);
  await net.advance(sec(40));
  assert.deepEqual(log, ["half-close c→s", "idle", "hard close"]);
  const lastData = trace.filter((s) => s.len > 0).at(-1)!.at;
  const rsts = trace.filter((s) => s.from === "proxy" && s.flags.startsWith("R"));
  // The client already closed after reading the proxy's FIN, so only the server side still needs a reset.
  assert.deepEqual(rsts.map((s) => s.dport), [9090]);
  assert.ok(Math.abs(rsts[0]!.at - (lastData + sec(35))) < ms(10), `RST ${rsts[0]!.at - lastData} µs after the last data`);
  assert.deepEqual(got, [""], "the end of the stream, no answer");
  assert.ok(doneAt >= sec(30) && doneAt < sec(30) + ms(100), `the client read the end at ${doneAt} µs`);
  assert.equal(ss(snapshot(px), "-tanH state connected"), "");
  assert.equal(ss(snapshot(server), "-tnH"), "", "the reset freed the hung server's connection too");
});

test("H10 F3 C6 example: what it prints", async () => {
  assert.equal(await printed(main), `\
this proxy, a half-closing client:
  proxy: half-close c→s, half-close s→c, closed
  server read "hello"
  client got "you said hello"
the naive proxy (close both on the first read() = 0):
  server read "hello"
  client got ""
this proxy, a server that hangs (idle 30 s, hard close 5 s later):
  at 20 s, proxy: half-close c→s; server: CLOSE-WAIT 6 0 10.0.2.1:9090 10.0.2.254:<p1>
  at 60 s, proxy: half-close c→s, idle, hard close; the client read "" and the end of the stream at 30006 ms
  sockets left: proxy none, server none
`);
});
