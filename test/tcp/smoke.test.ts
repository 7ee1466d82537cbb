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
  assert.equal(got, "hello");
  // The whole exchange on 5 ms links (time µs, sender, IP length): handshake
  // with options (SYN 60, SYN-ACK 60), "hello" (52 + 5), its echo, then the
  // client's FIN, the server's FIN and the last ACK.
  assert.deepEqual(trace, [
    "0 client 60", // SYN
    "5000 server 60", // SYN-ACK
    "10000 client 52", // ACK
    "10000 client 57", // "hello"
    "15000 server 52", // ACK of "hello"
    "15000 server 57", // echo
    "20000 client 52", // ACK of the echo
    "20000 client 52", // FIN
    "25000 server 52", // FIN (with the ACK of the client's)
    "30000 client 52", // last ACK
  ]);
});
