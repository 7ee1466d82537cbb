import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";
import { ms } from "../../src/core/time.js";
import type { LinkConfigInput } from "../../src/sim/impairments.js";

async function transfer(bytes: number, cfg: LinkConfigInput, seed = 1) {
  const net = new Network({ seed });
  const a = net.addHost("client"), b = net.addHost("server");
  net.link(a, b, { a: "10.0.0.1/24", b: "10.0.0.2/24", ...cfg });
  const src = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) src[i] = (i * 7 + (i >> 10)) & 255;
  let received = 0;
  let mismatch = -1;
  b.spawn("sink", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(fd, ["0.0.0.0", 5001]);
    p.listen(fd, 8);
    const { fd: c } = await p.accept(fd);
    for (;;) {
      const d = await p.recv(c, 65536);
      if (d.length === 0) break;
      for (let i = 0; i < d.length; i++) if (d[i] !== src[received + i] && mismatch < 0) mismatch = received + i;
      received += d.length;
    }
    await p.close(c);
  });
  a.spawn("source", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 5001]);
    let off = 0;
    while (off < bytes) off += await p.send(fd, src.subarray(off, Math.min(bytes, off + 100000)));
    await p.close(fd);
  });
  const t0 = Date.now();
  await net.run();
  return { received, mismatch, simTime: net.now(), wall: Date.now() - t0, a, b };
}

test("bulk transfer over a clean link is byte-exact", async (t) => {
  const r = await transfer(5_000_000, { latency: ms(1) });
  t.diagnostic(`5 MB: ${r.simTime / 1000} ms virtual, ${r.wall} ms real; client Tcp ${JSON.stringify(r.a.counters.Tcp)}`);
  assert.equal(r.a.counters.Tcp["RetransSegs"] ?? 0, 0); // a clean link loses nothing
  assert.equal(r.mismatch, -1);
  assert.equal(r.received, 5_000_000);
});

test("bulk transfer with loss, reordering, duplication", async (t) => {
  const r = await transfer(2_000_000, { latency: ms(2), loss: 0.05, reorder: 0.05, duplicate: 0.01 });
  t.diagnostic(`2 MB: ${r.simTime / 1000} ms virtual, ${r.wall} ms real; client Tcp ${JSON.stringify(r.a.counters.Tcp)} TcpExt ${JSON.stringify(r.a.counters.TcpExt)}`);
  assert.ok((r.a.counters.Tcp["RetransSegs"] ?? 0) > 0); // the loss happened and was repaired
  assert.equal(r.mismatch, -1);
  assert.equal(r.received, 2_000_000);
});
