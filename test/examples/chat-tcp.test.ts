/**
 * H5: seed 2's TCP chat, generation by generation, typed at simulated
 * terminals (fd 0) and watched with ss and the packet trace.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import { snapshot } from "../../src/tools/snapshot.js";
import { ss } from "../../src/tools/ss.js";
import { twoHosts } from "../helpers/tcp.js";
import { gen1Client, gen1Server, gen2Server, gen3Server, gen4Client, gen5Server, loopClient, main, type ChatOptions } from "../../examples/chat-tcp.js";
import { runExample } from "./run-example.js";
import { expectTcp, segmentData } from "../helpers/capture.js";

const SERVER: [string, number] = ["10.0.0.2", 8080];

test("H5 gen 1: one message each way, then both close", async () => {
  const { net, client, server } = twoHosts({ latency: ms(1) });
  const s = server.spawn("server", (p) => gen1Server(p, 8080, "I am the server"));
  const c = client.spawn("client", (p) => gen1Client(p, SERVER, "I am the client"));
  await net.run();
  assert.equal(s.tty.output, "from client: I am the client\n");
  assert.equal(c.tty.output, "from server: I am the server\n");
});

test("H5 gen 2: accept() inside the loop answers once per client; the next message waits unread in Recv-Q", async () => {
  const { net, client, server } = twoHosts({ latency: ms(1) });
  const s = server.spawn("server", (p) => gen2Server(p, 8080));
  const c = client.spawn("client", (p) => loopClient(p, SERVER));
  c.tty.type("first\nsecond\n");
  s.tty.type("answer 1\nanswer 2\n");
  await net.advance(sec(5));
  assert.equal(c.tty.output, "to server: from server: answer 1\nto server: ");
  assert.equal(s.tty.output, "from client: first\nreply: ");
  // "second" was acknowledged by the server's kernel and sits in its receive buffer: the server
  // program is back in accept() and never reads it; the client blocks in recv() forever.
  const out = ss(snapshot(server), "-tn state established");
  assert.match(out, /^6 +0 +10\.0\.0\.2:8080 +10\.0\.0\.1:\d+ *$/m);
  assert.equal(c.running, true);
});

test("H5 gen 3: accept once and loop: many messages; an empty line sends nothing and both sides hang", async () => {
  const { net, client, server, trace } = twoHosts({ latency: ms(1) });
  const s = server.spawn("server", (p) => gen3Server(p, 8080));
  const c = client.spawn("client", (p) => loopClient(p, SERVER));
  c.tty.type("a\nbb\nccc\n");
  s.tty.type("1\n22\n333\n");
  await net.advance(sec(1));
  assert.equal(c.tty.output, "to server: from server: 1\nto server: from server: 22\nto server: from server: 333\nto server: ");
  const before = trace.length;
  c.tty.type("\n"); // send(b"") — TCP is a stream: nothing to send, nothing on the wire
  await net.advance(sec(60));
  assert.equal(trace.length, before);
  assert.equal(c.tty.output.endsWith("to server: to server: "), false);
  assert.equal(c.tty.output, "to server: from server: 1\nto server: from server: 22\nto server: from server: 333\nto server: ");
  assert.equal(s.tty.output, "from client: a\nreply: from client: bb\nreply: from client: ccc\nreply: ");
  assert.equal(c.running, true, "the client waits for an answer to a message that was never sent");
});

test("H5 gen 4 + 5: empty input is refused ('cannot be empty'), `q` quits; the server sees the client leave", async () => {
  const { net, client, server, trace } = twoHosts({ latency: ms(1) });
  const s = server.spawn("server", (p) => gen5Server(p, 8080, 1));
  const c = client.spawn("client", (p) => gen4Client(p, SERVER));
  c.tty.type("\n  \nhello\nq\n");
  s.tty.type("\nhi there\n");
  await net.run();
  assert.equal(c.tty.output,
    "to server: input cannot be empty!\n" +
    "to server: input cannot be empty!\n" +
    "to server: from server: hi there\n" +
    "to server: connection closed!\n");
  assert.equal(s.tty.output, "from client: hello\nreply: input cannot be empty!\nreply: client left\n");
  assert.ok(!c.running && !s.running);
  // Only "hello" and "hi there" crossed the wire: the refused lines never reached a send().
  assert.deepEqual(trace.filter((x) => x.len > 0).map((x) => `${x.from}:${x.len}`), ["client:5", "server:8"]);
});

test("H5 gen 5: the server survives a client that disconnects and one that resets (SO_LINGER 0), then serves the next", async () => {
  const { net, client, server, trace } = twoHosts({ latency: ms(1) });
  const s = server.spawn("server", (p) => gen5Server(p, 8080, 3));
  s.tty.type("hi A\nhi B\nq\n");
  const a = client.spawn("A", (p) => gen4Client(p, SERVER));
  a.tty.type("I am A\nq\n");
  const b = client.spawn("B", async (p) => {
    await p.poll([], 1000);
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, SERVER);
    await p.send(fd, "I am B");
    await p.recv(fd, 1024);
    p.setsockopt(fd, "SOL_SOCKET", "SO_LINGER", { l_onoff: 1, l_linger: 0 });
    await p.close(fd); // hard close: RST
  });
  const c = client.spawn("C", async (p) => {
    await p.poll([], 2000);
    await gen4Client(p, SERVER);
  });
  c.tty.type("I am C\n");
  await net.run();
  assert.equal(s.tty.output,
    "from client: I am A\nreply: client left\n" +
    "from client: I am B\nreply: error: recv: Connection reset by peer\n" +
    "from client: I am C\nreply: connection closed!\n");
  assert.equal(a.tty.output, "to server: from server: hi A\nto server: connection closed!\n");
  assert.equal(c.tty.output, "to server: "); // the server's "q" hangs up
  assert.ok(!b.running && !c.running && !s.running);
  // B's hard close: one RST after "I am B" (1–6) and the server's "hi B" (1–4); no FIN from B.
  const bPort = trace.find((x) => x.from === "client" && new TextDecoder().decode(segmentData(x)) === "I am B")!.sport;
  const fromB = trace.filter((x) => x.from === "client" && x.sport === bPort);
  expectTcp(fromB.at(-1), { flags: "R.", seq: 7, ack: 5 });
  assert.ok(!fromB.some((x) => x.flags.includes("F")), "no FIN from B");
  assert.equal(trace.filter((x) => x.flags.includes("R")).length, 1, "the only RST of the run");
  assert.equal(s.exitCode, 0);
});

// ---- the example as a user runs it ---------------------------------------------

/** The screen of `main` for a script of typed lines. */
async function screen(gen: ChatOptions["gen"], input: string[]): Promise<string> {
  let out = "";
  await main({ gen, input, echo: true, write: (t) => void (out += t) });
  return out;
}

test("H5 example, gen 5: typed lines go to whoever reads the terminal; empty input refused, `q` quits, the server sees the client leave", async () => {
  assert.equal(await screen(5, ["", "hello", "hi there", "q"]),
    "[client] to server: \n" +
    "[client] input cannot be empty!\n" +
    "[client] to server: hello\n" +
    "[server] from client: hello\n" +
    "[server] reply: hi there\n" +
    "[client] from server: hi there\n" +
    "[client] to server: q\n" +
    "[client] connection closed!\n" +
    "[server] client left\n");
});

test("H5 example, gen 2: the second message is never read (accept inside the loop); the example says who blocks where", async () => {
  assert.equal(await screen(2, ["a", "b", "c"]),
    "[client] to server: a\n" +
    "[server] from client: a\n" +
    "[server] reply: b\n" +
    "[client] from server: b\n" +
    "[client] to server: c\n" +
    "(no one reads the terminal: client blocked in recv(3, 1024); server blocked in accept(3))\n");
});

test("H5 example, gen 1 and the end of input: no typing needed; Ctrl-D ends the gen 3 server, whose exit the client reads as b\"\"", async () => {
  assert.equal(await screen(1, []), "[server] from client: I am the client\n[client] from server: I am the server\n");
  // gen 3's client does not check for b"" (E4): it prints an empty answer, then its own input ends too.
  assert.equal(await screen(3, ["x"]),
    "[client] to server: x\n[server] from client: x\n[server] reply: \n" +
    "[client] from server: \n[client] to server: \n");
});

test("H5 example: `npx tsx examples/chat-tcp.ts` with piped input prints the same screen, exit 0", async () => {
  const r = await runExample("chat-tcp", ["--gen", "5"], "\nhello\nhi there\nq\n");
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  assert.equal(r.stdout, await screen(5, ["", "hello", "hi there", "q"]));
});
