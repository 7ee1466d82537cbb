/**
 * Urgent data (C8) and ICMP errors during connect (EHOSTUNREACH).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import { Network } from "../../src/sim/network.js";
import { twoHosts } from "../helpers/tcp.js";

test("C8: send(MSG_OOB) marks the last byte urgent: recv(MSG_OOB) gets it, the stream does not; SO_OOBINLINE keeps it inline", async () => {
  for (const inline of [false, true]) {
    const { net, client, server } = twoHosts({ latency: ms(1) });
    const out: string[] = [];
    server.spawn("s", async (p) => {
      const l = p.socket("AF_INET", "SOCK_STREAM");
      if (inline) p.setsockopt(l, "SOL_SOCKET", "SO_OOBINLINE", 1);
      p.bind(l, ["0.0.0.0", 9090]);
      p.listen(l, 1);
      const { fd } = await p.accept(l);
      await net.sleep(ms(50));
      out.push(new TextDecoder().decode(await p.recv(fd, 100)));
      try {
        out.push(`oob ${new TextDecoder().decode(await p.recv(fd, 1, 0x1))}`);
      } catch (e) {
        out.push((e as Error).message);
      }
    });
    client.spawn("c", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      await p.connect(fd, ["10.0.0.2", 9090]);
      await p.send(fd, "abc", 0x1);
      await net.sleep(sec(1));
    });
    await net.run();
    if (inline) assert.deepEqual(out, ["abc", "recv: Invalid argument"]);
    else assert.deepEqual(out, ["ab", "oob c"]);
  }
});

test("G4: connect through a router that has no route to the destination fails with EHOSTUNREACH/ENETUNREACH from ICMP", async () => {
  const net = new Network({ seed: 3 });
  const a = net.addHost("a"), r = net.addHost("r", { router: true });
  net.link(a, r, { a: "10.0.1.1/24", b: "10.0.1.254/24", latency: ms(1) });
  a.addRoute("default", "10.0.1.254");
  let err = "";
  a.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    try { await p.connect(fd, ["192.0.2.9", 80]); } catch (e) { err = (e as Error).message; }
  });
  await net.run();
  assert.equal(err, "connect: Network is unreachable");
  assert.equal(r.counters.Icmp.OutDestUnreachs, 1);
});
