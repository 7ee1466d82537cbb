/**
 * The seed-0 lecture experiment: a server on 9090 with backlog 2 that does
 * not call accept(); four clients connect and each send "1111"; later the
 * server accepts. Seeds A1–A6, B1–B3, I1–I2.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import { TcpState } from "../../src/tcp/tcp-state.js";
import { twoHosts, conns, tcbs } from "../helpers/tcp.js";
import type { Process } from "../../src/sys/process.js";
import { connectTo } from "../helpers/vocabulary.js";

test("A1 A2 A3 A4 A6 B1 B2: backlog 2, no accept, four clients sending 1111", async () => {
  const { net, client, server, trace } = twoHosts({ latency: ms(1) });
  let srv!: Process;
  let lfd = -1;
  const accepted: { fd: number; data: string }[] = [];
  let startAccept = false;
  server.spawn("server", async (p) => {
    srv = p;
    lfd = p.socket("AF_INET", "SOCK_STREAM");
    p.setsockopt(lfd, "SOL_SOCKET", "SO_REUSEADDR", 1);
    p.bind(lfd, ["0.0.0.0", 9090]);
    p.listen(lfd, 2);
    while (!startAccept) await net.sleep(ms(100));
    for (let i = 0; i < 4; i++) {
      const { fd } = await p.accept(lfd);
      const d = await p.recv(fd, 100);
      accepted.push({ fd, data: new TextDecoder().decode(d) });
    }
  });
  const results: string[] = [];
  for (let i = 0; i < 4; i++) {
    client.spawn(`client${i + 1}`, async (p) => {
      await net.sleep(ms(10 + 100 * i));
      const fd = await connectTo(p, "10.0.0.2", 9090);
      await p.send(fd, "1111");
      results.push(`client${i + 1} connected at ${net.now() / 1000}ms`);
      await net.sleep(sec(60));
    });
  }
  await net.advance(sec(2));
  // A1: the listener, owned by fd 3 of the server process.
  assert.equal(lfd, 3);
  const lt = tcbs(server).find((t) => t.state === TcpState.LISTEN)!;
  assert.equal(lt.localPort, 9090);
  // A2/B2: backlog 2 admits 3 completed connections; the 4th client's SYN is dropped.
  const est = conns(server, 9090).filter((t) => t.state === TcpState.ESTABLISHED);
  assert.equal(est.length, 3);
  assert.equal(lt.lq!.acceptQueue.length, 3);
  // A3: each holds the 4 bytes "1111" unread (Recv-Q 4).
  assert.deepEqual(est.map((t) => t.rcvBuf.length), [4, 4, 4]);
  // A6: all share the listening port; no new port per connection.
  assert.ok(est.every((t) => t.localPort === 9090));
  // No fd for them yet (A2/A4): the server process has 0,1,2 and the listener only.
  assert.deepEqual(srv.openFds().map((f) => f.fd), [0, 1, 2, 3]);
  const c4 = conns(client, 9090).find((t) => t.state === TcpState.SYN_SENT);
  assert.ok(c4, "the fourth client is still in SYN-SENT");
  assert.ok((server.counters.TcpExt.ListenOverflows ?? 0) >= 1);
  // Its SYN is retransmitted 1 s apart (tcp_syn_linear_timeouts).
  const syns = trace.filter((s) => s.from === "client" && s.flags === "S" && s.sport === c4.localPort);
  assert.deepEqual(syns.map((s) => s.at - syns[0]!.at), [0, sec(1)]);
  assert.equal(results.length, 3);

  // B3, A4: accept now; the first connection's queued bytes are read; fds 4, 5, … appear.
  startAccept = true;
  await net.advance(sec(10));
  assert.deepEqual(accepted.map((a) => a.fd), [4, 5, 6, 7]);
  assert.deepEqual(accepted.map((a) => a.data), ["1111", "1111", "1111", "1111"]);
  assert.equal(results.length, 4);
});
