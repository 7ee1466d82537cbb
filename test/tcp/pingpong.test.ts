// Interactive (pingpong) mode, Linux tcp_event_data_sent: a reply sent within
// ATO of the data it answers makes the connection interactive, so the next
// request's ACK is delayed. With Nagle on, a request written in two parts
// then waits for that delayed ACK (40 ms) — from the second request on, as
// Linux 6.18 shows on loopback (python3: write 10, write 10, read 1, 100 ms
// apart: 0.1, 48, 50, 48 … ms; with TCP_NODELAY 0.2 ms each). Before the
// fix the server stayed in quick-ACK mode for 8 requests, then inflated its
// ATO to 200 ms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { Network } from "../../src/sim/network.js";
import { connectTo, listenOn } from "../helpers/vocabulary.js";

test("a reply makes the connection interactive: the next request's first part waits for the 40 ms delayed ACK under Nagle", async () => {
  const net = new Network({ seed: 3 });
  const c = net.addHost("c");
  const s = net.addHost("s");
  net.link(c, s, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(5) });
  s.spawn("server", async (p) => {
    const l = listenOn(p, 9090, 1);
    const { fd } = await p.accept(l);
    for (;;) {
      const req = await p.recvExactly(fd, 20);
      if (req.length < 20) break;
      await p.send(fd, "k");
    }
  });
  const times: number[] = [];
  c.spawn("client", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 9090);
    for (let i = 0; i < 12; i++) {
      const t0 = net.now();
      await p.send(fd, "0123456789");
      await p.send(fd, "0123456789");
      await p.recv(fd, 1);
      times.push((net.now() - t0) / 1000);
      await net.sleep(ms(100));
    }
    await p.close(fd);
  });
  await net.run();
  assert.deepEqual(times, [20, ...Array<number>(11).fill(60)]); // 2 round trips + the 40 ms delayed ACK
});
