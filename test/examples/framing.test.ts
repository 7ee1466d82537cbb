/**
 * H7: messages over a byte stream need framing. A 4-byte big-endian length
 * prefix survives any segmentation: one byte per segment (TCP_NODELAY), big
 * messages cut at MSS boundaries, a lossy link. A receiver that takes one
 * recv() per message does not.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import { twoHosts } from "../helpers/tcp.js";
import { frame, frameLength, main, recvFrame, sendFrame } from "../../examples/framing.js";
import { printed } from "./run-example.js";
import type { Process } from "../../src/sys/process.js";
import { connectTo, listenOn } from "../helpers/vocabulary.js";

const text = (d: Uint8Array) => new TextDecoder().decode(d);

function listen(p: Process, port: number): number {
  const l = listenOn(p, port, 4);
  return l;
}

/** A server that collects every frame of one connection until EOF. */
function frameServer(got: Uint8Array[]) {
  return async (p: Process) => {
    const l = listen(p, 9000);
    const { fd } = await p.accept(l);
    for (let f = await recvFrame(p, fd); f; f = await recvFrame(p, fd)) got.push(f);
    await p.close(fd);
  };
}

test("H7: frame() writes the length big-endian (network order), frameLength() reads it back", () => {
  const f = frame(new Uint8Array(0x010203));
  assert.deepEqual([...f.subarray(0, 4)], [0x00, 0x01, 0x02, 0x03]);
  assert.equal(frameLength(f), 0x010203);
  assert.deepEqual([...frame("hi")], [0, 0, 0, 2, 104, 105]);
});

test("H7: length-prefixed frames survive one byte per segment (TCP_NODELAY); the receiver uses recvExactly", async () => {
  const { net, client, server, trace } = twoHosts({ latency: ms(2) });
  const got: Uint8Array[] = [];
  server.spawn("s", frameServer(got));
  const msgs = ["hello", "", "world!", "x".repeat(300)];
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    p.setsockopt(fd, "IPPROTO_TCP", "TCP_NODELAY", 1);
    await p.connect(fd, ["10.0.0.2", 9000]);
    for (const m of msgs) {
      const bytes = frame(m);
      for (let i = 0; i < bytes.length; i++) {
        await p.send(fd, bytes.subarray(i, i + 1));
        if (i % 7 === 0) await p.poll([], 1); // let some bytes leave alone, others pile up
      }
    }
    await p.close(fd);
  });
  await net.run();
  assert.deepEqual(got.map(text), msgs);
  // Each 1-byte write is an skb of its own charged 833 bytes (Linux's truesize), so ~55 of them fill the
  // send buffer before the receiver's delayed ACK (1-byte segments never make it ACK at once): the writer
  // waits, and a tail loss probe re-sends the last byte. Count each byte of the stream once.
  const firsts = new Map<number, number>();
  for (const s of trace) if (s.from === "client" && s.len > 0 && !firsts.has(s.rseq)) firsts.set(s.rseq, s.len);
  const data = [...firsts.values()];
  assert.ok(data.filter((n) => n === 1).length >= 20, `many one-byte segments: ${data.join(",")}`);
  // The wire never matched message boundaries: headers and bodies were split across segments.
  const total = msgs.reduce((a, m) => a + 4 + m.length, 0);
  assert.equal(data.reduce((a, b) => a + b, 0), total, "every byte of the frames crossed the wire once (retransmissions aside)");
  assert.ok(data.length > msgs.length * 2, "more segments than messages");
});

test("H7: big frames cross MSS boundaries and several frames share a segment; a lossy link changes nothing", async () => {
  for (const loss of [0, 0.05]) {
    const { net, client, server, trace } = twoHosts({ latency: ms(5), loss }, 3);
    const got: Uint8Array[] = [];
    server.spawn("s", frameServer(got));
    const sizes = [100_000, 1, 1447, 1448, 1449, 7, 3000, 65_536];
    const payload = (n: number, k: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + k) & 0xff);
    client.spawn("c", async (p) => {
      const fd = await connectTo(p, "10.0.0.2", 9000);
      for (const [k, n] of sizes.entries()) await sendFrame(p, fd, payload(n, k));
      await p.close(fd);
    });
    await net.run({ until: sec(120) });
    assert.deepEqual(got.map((g) => g.length), sizes, `loss ${loss}`);
    got.forEach((g, k) => assert.deepEqual(g, payload(sizes[k]!, k)));
    const segs = trace.filter((s) => s.from === "client" && s.len > 0).map((s) => s.len);
    assert.ok(segs.every((n) => n <= 1448), "no segment above the MSS");
    if (loss) assert.ok(client.counters.Tcp.RetransSegs > 0, "retransmissions happened");
  }
});

test("H7: without framing, one recv() is not one message (sticky / split messages)", async () => {
  const { net, client, server } = twoHosts({ latency: ms(2) });
  const naive: string[] = [];
  server.spawn("s", async (p) => {
    const l = listen(p, 9000);
    const { fd } = await p.accept(l);
    await p.poll([], 50); // the messages pile up in the receive buffer meanwhile
    for (let d = await p.recv(fd, 8); d.length; d = await p.recv(fd, 8)) naive.push(text(d));
  });
  client.spawn("c", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 9000);
    for (const m of ["one", "two", "three", "four"]) await p.send(fd, m);
    await p.close(fd);
  });
  await net.run();
  assert.deepEqual(naive, ["onetwoth", "reefour"]);
});

test("H7 example: the four messages cut into 1–7-byte segments: the framed receiver gets each, the naive one gets glued and cut pieces", async () => {
  assert.equal(await printed(main), `\
length-prefixed frames:
    9.0 ms  [receiver] message: "hello"
   10.0 ms  [receiver] message: ""
   17.0 ms  [receiver] message: "粘包 (sticky packets)"
   25.0 ms  [sender] sent 4 messages, 84 bytes, in 21 send() calls
   26.0 ms  [receiver] message: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
no framing, one recv() per message:
   16.0 ms  [receiver] "message": "hello粘包 (sticky packets)xxxxxxxxxx"
   17.0 ms  [receiver] "message": "xxxxx"
   18.0 ms  [receiver] "message": "xxxxxx"
   19.0 ms  [receiver] "message": "xxxxxxx"
   20.0 ms  [receiver] "message": "x"
   21.0 ms  [receiver] "message": "xx"
   22.0 ms  [receiver] "message": "xxx"
   23.0 ms  [sender] sent 4 messages, 68 bytes, in 19 send() calls
   23.0 ms  [receiver] "message": "xxxx"
   24.0 ms  [receiver] "message": "xx"
`);
});
