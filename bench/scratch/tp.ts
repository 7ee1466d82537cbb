import { Network } from "../../src/sim/network.js";
const bytes = Number(process.argv[2] ?? 50e6), mtu = Number(process.argv[3] ?? 65536);
const net = new Network({ seed: 1 });
const a = net.addHost("a"), b = net.addHost("b");
net.link(a, b, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: 5, mtu });
const src = new Uint8Array(1 << 20);
let received = 0;
b.spawn("sink", async (p) => {
  const fd = p.socket("AF_INET", "SOCK_STREAM");
  p.bind(fd, ["0.0.0.0", 5001]); p.listen(fd, 8);
  const { fd: c } = await p.accept(fd);
  for (;;) { const d = await p.recv(c, 1 << 20); if (d.length === 0) break; received += d.length; }
  await p.close(c);
});
a.spawn("source", async (p) => {
  const fd = p.socket("AF_INET", "SOCK_STREAM");
  await p.connect(fd, ["10.0.0.2", 5001]);
  let off = 0;
  while (off < bytes) off += await p.send(fd, src.subarray(0, Math.min(src.length, bytes - off)));
  await p.close(fd);
});
const t0 = performance.now();
await net.run();
const dt = (performance.now() - t0) / 1000;
console.log({ received, wall: dt, MBps: received / dt / 1e6, sim: net.now(), drv: net.driver.stats() });
