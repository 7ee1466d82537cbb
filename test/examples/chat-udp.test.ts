/**
 * H6 G6: seed 2's UDP chat: recvfrom/sendto without a connection; an empty
 * line is an empty datagram that arrives; the client leaving does not
 * affect the server.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { twoHosts } from "../helpers/tcp.js";
import { main, udpClient, udpServer } from "../../examples/chat-udp.js";
import { ephemeral } from "./run-example.js";

const SCRIPT = ["hello", "hi", "", "got an empty one", "q"];
const SCREEN =
  "[client] to server: hello\n" +
  "[server] from client 10.0.0.1:<p1> (5 bytes): hello\n" +
  "[server] reply: hi\n" +
  "[client] from server 10.0.0.2:8080: hi\n" +
  "[client] to server: \n" +
  "[server] from client 10.0.0.1:<p1> (0 bytes): \n" +
  "[server] reply: got an empty one\n" +
  "[client] from server 10.0.0.2:8080: got an empty one\n" +
  "[client] to server: q\n" +
  "[server] from client 10.0.0.1:<p1> (1 bytes): q\n";

test("H6 G6 example: the chat's screen: an empty line arrives as a 0-byte datagram; after `q` the server waits on", async () => {
  let out = "";
  await main({ input: SCRIPT, echo: true, write: (t) => void (out += t) });
  assert.equal(ephemeral(out), SCREEN);
});

test("H6 G6: four datagrams each way but the last, one of them empty; two clients on one server socket, no connection", async () => {
  const { net, client, server } = twoHosts({ latency: ms(1) });
  const s = server.spawn("server", (p) => udpServer(p, 8080), { daemon: true });
  const a = client.spawn("a", (p) => udpClient(p, ["10.0.0.2", 8080]));
  a.stdin.write("one\n\nq\n");
  s.stdin.write("r1\nr2\nr3\n");
  await net.run();
  assert.equal(a.exitCode, 0);
  assert.equal(client.counters.Udp.OutDatagrams, 3);
  assert.equal(server.counters.Udp.InDatagrams, 3);
  assert.equal(server.counters.Udp.OutDatagrams, 2);
  // A second client later: the same socket answers it — nothing was torn down when the first left.
  const b = client.spawn("b", (p) => udpClient(p, ["10.0.0.2", 8080]));
  b.stdin.write("two\nq\n");
  await net.run();
  assert.match(b.stdout.text, /^to server: from server 10\.0\.0\.2:8080: r3\nto server: $/);
  assert.match(s.stdout.text, /\(0 bytes\): \n/);
  assert.equal(s.running, true);
});
