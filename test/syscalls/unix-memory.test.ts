/**
 * AF_UNIX stream queues stay within a small factor of SO_SNDBUF in memory
 * even when filled one byte at a time (small writes share buffers), and
 * coalescing never changes a byte a reader sees (issue 11 item 6).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";
import type { UnixStreamSocket } from "../../src/socket/unix-stream-socket.js";

test("AF_UNIX stream: 1-byte writes until EAGAIN fill SO_SNDBUF with few buffers; mixed writes read back exactly, earlier views intact", async () => {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  let result = "";
  h.spawn("p", async (p) => {
    const [a, b] = p.socketpair("AF_UNIX", "SOCK_STREAM");
    p.setsockopt(a, "SOL_SOCKET", "SO_SNDBUF", 16384); // doubled: 32768
    const sndbuf = p.getsockopt(a, "SOL_SOCKET", "SO_SNDBUF") as number;
    let n = 0;
    for (;;) {
      try {
        await p.send(a, new Uint8Array([n & 255]), "MSG_DONTWAIT");
        n++;
      } catch (e) {
        assert.match((e as Error).message, /Resource temporarily unavailable/);
        break;
      }
    }
    assert.equal(n, sndbuf);
    const rq = p.sock(b, "test") as UnixStreamSocket;
    assert.ok(rq.queuedChunks <= Math.ceil(sndbuf / 2048), `${rq.queuedChunks} buffers for ${n} one-byte writes`);
    const first = await p.recv(b, 10); // a view into the shared buffer
    const firstCopy = [...first];
    const all = [...first, ...await p.recvExactly(b, n - 10)];
    assert.ok(all.every((x, i) => x === (i & 255)));
    // Mixed sizes: small writes appended after a view was handed out never change it.
    const want: number[] = [];
    let k = 0;
    for (const size of [1, 700, 3, 5, 1, 511, 512, 2, 100, 2047, 1, 4096, 9]) {
      const chunk = Uint8Array.from({ length: size }, () => (k++ * 13) & 255);
      want.push(...chunk);
      await p.send(a, chunk);
    }
    const got = [...await p.recvExactly(b, want.length)];
    assert.deepEqual(got, want);
    assert.deepEqual([...first], firstCopy);
    result = "ok";
  });
  await net.run();
  assert.equal(result, "ok");
});
