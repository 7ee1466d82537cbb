import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";
import { ms } from "../../src/core/time.js";

test("tcp echo", async () => {
  const net = new Network({ seed: 1 });
  const a = net.addHost("client"), b = net.addHost("server");
  net.link(a, b, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(5) });
  const trace: string[] = [];
  for (const h of [a, b]) h.ip.interfaces[1]!.device.taps.push((p, dir, now) => { if (dir === "out") trace.push(`${now} ${h.name} ${p.length}`); });
  let got = "";
  b.spawn("server", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(fd, ["0.0.0.0", 9090]);
    p.listen(fd, 2);
    const { fd: c } = await p.accept(fd);
    for (;;) {
      const d = await p.recv(c, 1000);
      if (d.length === 0) break;
      await p.send(c, d);
    }
    await p.close(c);
  });
  a.spawn("client", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 9090]);
    await p.send(fd, "hello");
    got = new TextDecoder().decode(await p.recv(fd, 100));
    await p.close(fd);
  });
  await net.run();
  console.log(trace.join("\n"));
  assert.equal(got, "hello");
});
