// The sockets view's sequence variables and out-of-order queue, read from
// the connection's TCB at the current instant (src/lab/session.ts, views.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { LabSession } from "./session.js";
import { socketsHtml } from "./views.js";

/** One client sends 200 KB to a sink over a lossy 10 Mbit/s link. */
const LOSSY = `
net.links[0].configure({ rate: 10_000_000, latency: ms(5), loss: 0.05 });
serverHost.spawn("sink", async (p) => {
  const lfd = p.socket("AF_INET", "SOCK_STREAM");
  p.bind(lfd, ["0.0.0.0", 5001]);
  p.listen(lfd, 1);
  const { fd } = await p.accept(lfd);
  while ((await p.recv(fd, 65536)).length > 0);
  await p.close(fd);
}, { daemon: true });
clientHost.spawn("sender", async (p) => {
  const fd = p.socket("AF_INET", "SOCK_STREAM");
  await p.connect(fd, ["10.0.0.2", 5001]);
  const chunk = new Uint8Array(200_000).fill(0x61);
  for (let sent = 0; sent < chunk.length;) sent += await p.send(fd, chunk.subarray(sent));
  await p.close(fd);
});
`;

test("sockets: snd.una/snd.nxt/rcv.nxt relative to the ISNs, and the receiver's out-of-order queue when a segment was lost", async () => {
  const s = new LabSession(3, { program: LOSSY });
  let sawOoo = false;
  let sawFlight = false;
  for (let t = 0; t < 3_000_000 && !s.done; t += 2000) {
    await s.advanceTo(t);
    const server = s.sockets("server").find((x) => x.localPort === 5001 && x.seq);
    const client = s.sockets("client").find((x) => x.remotePort === 5001 && x.seq);
    if (client?.seq && client.info) {
      const q = client.seq;
      assert.ok(q.sndUna <= q.sndNxt, `snd.una ${q.sndUna} ≤ snd.nxt ${q.sndNxt} at ${t} µs`);
      if (q.sndNxt > q.sndUna) sawFlight = true;
    }
    if (server?.seq && server.seq.ooo.length > 0) {
      const q = server.seq;
      assert.ok(q.ooo[0]![0] > q.rcvNxt, `the first out-of-order range starts past rcv.nxt ${q.rcvNxt}: ${JSON.stringify(q.ooo)}`);
      assert.equal(q.oooBytes, q.ooo.reduce((n, [a, b]) => n + b - a, 0), "its bytes are the ranges' lengths");
      const html = socketsHtml(s.sockets("server"));
      assert.match(html, new RegExp(`rcv\\.nxt ${q.rcvNxt} .*out-of-order queue \\[${q.ooo[0]![0]}, ${q.ooo[0]![1]}\\)`), "the view lists the ranges");
      sawOoo = true;
      break;
    }
  }
  assert.ok(sawFlight, "the sender had data in flight (snd.nxt past snd.una)");
  assert.ok(sawOoo, "a lost segment left later ones in the receiver's out-of-order queue");
  // A listener and the sockets nobody connected show no sequence space; a fresh connection starts at 1.
  const fresh = new LabSession(0);
  await fresh.advanceTo(450_000);
  const conn = fresh.sockets("client").find((x) => x.seq);
  assert.deepEqual(conn && [conn.seq!.sndUna, conn.seq!.sndNxt, conn.seq!.rcvNxt], [5, 5, 1], "the lecture's first client: its 4 bytes sent and acknowledged, nothing received");
  assert.ok(fresh.sockets("server").filter((x) => x.listen).every((x) => x.seq === undefined), "a listener has no sequence space");
  assert.match(socketsHtml(fresh.sockets("client")), /snd\.una 5 · snd\.nxt 5 · rcv\.nxt 1 .*out-of-order queue empty/);
});
