/**
 * H9 C7: TCP keepalive proves the peer's kernel is alive; an application
 * heartbeat proves the peer application is. A hung application keeps its
 * connection ESTABLISHED under keepalive, while the heartbeat notices; a
 * crashed peer (link partition) is noticed by both.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import { snapshot } from "../../src/tools/snapshot.js";
import { ss } from "../../src/tools/ss.js";
import { twoHosts, conns } from "../helpers/tcp.js";
import { TcpState } from "../../src/tcp/tcp-state.js";
import { heartbeat, pongServer } from "./heartbeat.js";
import { connectTo, listenOn } from "../helpers/vocabulary.js";

/**
 * Two connections from client to server: K (port 7001) with keepalive only
 * (idle 60 s, interval 10 s, 3 probes) and H (port 7002) with a heartbeat
 * every 10 s (PONG due within 5 s). The server answers 3 heartbeats, then
 * its application hangs.
 */
function setup() {
  const { net, client, server, link, trace } = twoHosts({ latency: ms(1) });
  server.spawn("server", async (p) => {
    const lk = listenOn(p, 7001, 1);
    const lh = listenOn(p, 7002, 1);
    await p.accept(lk); // held, never used
    const { fd } = await p.accept(lh);
    await pongServer(p, fd, 3);
  });
  const result = { keepalive: "", heartbeat: "" };
  client.spawn("client", async (p) => {
    const k = p.socket("AF_INET", "SOCK_STREAM");
    p.setsockopt(k, "SOL_SOCKET", "SO_KEEPALIVE", 1);
    p.setsockopt(k, "IPPROTO_TCP", "TCP_KEEPIDLE", 60);
    p.setsockopt(k, "IPPROTO_TCP", "TCP_KEEPINTVL", 10);
    p.setsockopt(k, "IPPROTO_TCP", "TCP_KEEPCNT", 3);
    await p.connect(k, ["10.0.0.2", 7001]);
    const h = await connectTo(p, "10.0.0.2", 7002);
    const watcher = p.thread(async () => {
      try {
        const d = await p.recv(k, 100);
        result.keepalive = `recv ${d.length} at ${Math.round(net.now() / 1e6)} s`;
      } catch (e) {
        result.keepalive = `${(e as Error).message} at ${Math.round(net.now() / 1e6)} s`;
      }
    });
    result.heartbeat = await heartbeat(p, h, { intervalMs: 10_000, timeoutMs: 5000, now: () => Math.round(net.now() / 1000) });
    await watcher.join(); // the process (and its fd k) lives on
  });
  return { net, client, server, link, trace, result };
}

test("H9 C7: a hung application: keepalive probes are answered by its kernel and the connection stays ESTABLISHED; the heartbeat detects the hang", async () => {
  const { net, client, server, trace, result } = setup();
  await net.advance(sec(300));
  assert.equal(result.heartbeat, "no PONG within 5000 ms (sent at 40010 ms)");
  assert.equal(result.keepalive, "", "the keepalive connection never failed");
  const [k] = conns(client, 7001);
  assert.equal(k!.state, TcpState.ESTABLISHED);
  assert.equal(k!.probesOut, 0, "every probe was answered");
  // An answered probe restarts the idle time: one probe a minute (60, 120, 180, 240 s).
  assert.equal(client.counters.TcpExt.TCPKeepAlive, 4);
  const probes = trace.filter((s) => s.from === "client" && s.dport === 7001 && s.len === 0 && s.flags === ".");
  const answers = trace.filter((s) => s.from === "server" && s.sport === 7001 && s.flags === ".");
  assert.ok(answers.length >= probes.length - 1, "the server kernel ACKs each probe");
  // On the server, the 4th PING sits unread in the hung application's socket, which the
  // client's close has put in CLOSE-WAIT; the keepalive connection is ESTABLISHED and idle.
  const out = ss(snapshot(server), "-tn");
  assert.match(out, /^ESTAB +0 +0 +10\.0\.0\.2:7001 /m);
  // Recv-Q 6: the 5 unread bytes and the FIN, which Linux counts until a read returns 0.
  assert.match(out, /^CLOSE-WAIT +6 +0 +10\.0\.0\.2:7002 /m);
});

test("H9 C7: a crashed peer (link partition): the heartbeat notices at the first missing PONG, keepalive after idle + 3 probes (ETIMEDOUT)", async () => {
  const { net, link, result } = setup();
  await net.advance(sec(35));
  link.partition();
  await net.advance(sec(300));
  assert.equal(result.heartbeat, "no PONG within 5000 ms (sent at 40010 ms)");
  // Idle since the handshake: probes at 60, 70, 80 s unanswered, the connection dies at 90 s.
  assert.equal(result.keepalive, "recv: Connection timed out at 90 s");
});
