/**
 * H9 C7: TCP keepalive proves the peer's kernel is alive; an application
 * heartbeat proves the peer application is. A hung application keeps its
 * connection ESTABLISHED under keepalive, while the heartbeat notices; a
 * crashed peer (link partition) is noticed by both.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { sec } from "../../src/core/time.js";
import { snapshot } from "../../src/tools/snapshot.js";
import { ss } from "../../src/tools/ss.js";
import { conns } from "../helpers/tcp.js";
import { TcpState } from "../../src/tcp/tcp-state.js";
import { main, scenario } from "../../examples/heartbeat.js";
import { printed } from "./run-example.js";

test("H9 C7: a hung application: keepalive probes are answered by its kernel and the connection stays ESTABLISHED; the heartbeat detects the hang", async () => {
  const { client, server, result } = await scenario({ duration: sec(300) });
  assert.equal(result.heartbeat, "no PONG within 5000 ms (sent at 40010 ms)");
  assert.equal(result.keepalive, "", "the keepalive connection never failed");
  const [k] = conns(client, 7001);
  assert.equal(k!.state, TcpState.ESTABLISHED);
  assert.equal(k!.probesOut, 0, "every probe was answered");
  // An answered probe restarts the idle time: one probe a minute (60, 120, 180, 240 s).
  assert.equal(client.counters.TcpExt.TCPKeepAlive, 4);
  // On the server, the 4th PING sits unread in the hung application's socket, which the
  // client's close has put in CLOSE-WAIT; the keepalive connection is ESTABLISHED and idle.
  const out = ss(snapshot(server), "-tn");
  assert.match(out, /^ESTAB +0 +0 +10\.0\.0\.2:7001 /m);
  // Recv-Q 6: the 5 unread bytes and the FIN, which Linux counts until a read returns 0.
  assert.match(out, /^CLOSE-WAIT +6 +0 +10\.0\.0\.2:7002 /m);
});

test("H9 C7: a crashed peer (link partition): the heartbeat notices at the first missing PONG, keepalive after idle + 3 probes (ETIMEDOUT)", async () => {
  const { client, result } = await scenario({ crashAt: sec(35), duration: sec(300) });
  assert.equal(result.heartbeat, "no PONG within 5000 ms (sent at 40010 ms)");
  // Idle since the handshake: probes at 60, 70, 80 s unanswered, the connection dies at 90 s.
  assert.equal(result.keepalive, "recv: Connection timed out at 90 s");
  assert.equal(client.counters.TcpExt.TCPKeepAlive, 3);
  assert.equal(conns(client, 7001).length, 0);
});

test("H9 C7 example: what it prints", async () => {
  assert.equal(await printed(main), `\
the server application hangs after 3 PONGs; its host stays up:
  heartbeat (H): no PONG within 5000 ms (sent at 40010 ms)
  keepalive (K): nothing noticed; 4 probes sent
  ss -tn on the client: ESTAB 0 0 10.0.0.1:<p1> 10.0.0.2:7001
the server host is cut off at 35 s:
  heartbeat (H): no PONG within 5000 ms (sent at 40010 ms)
  keepalive (K): recv: Connection timed out at 90 s; 3 probes sent
`);
});
