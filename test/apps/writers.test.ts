/**
 * H8: two threads writing frames to one non-blocking socket (each looping
 * over short writes: sleep 1 ms, retry) corrupt the
 * stream on short writes; one writer thread with a message queue does not.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import { O_NONBLOCK } from "../../src/socket/constants.js";
import { twoHosts } from "../helpers/tcp.js";
import { frame, frameLength } from "./framing.js";
import { WriterQueue, writeAllNonblocking } from "./writers.js";
import type { Process } from "../../src/sys/process.js";
import { listenOn } from "../helpers/vocabulary.js";

const FRAMES = 20;

/**
 * Frame k of writer w: [w, k, w, w, …]. Writer A (0xa) sends bulk frames of
 * 6000–19999 bytes, larger than the send buffer; writer B (0xb) small
 * status frames of 50–69 bytes every few milliseconds, like a heartbeat thread.
 */
function message(w: number, k: number): Uint8Array {
  const body = new Uint8Array(w === 0xa ? 6000 + ((k * 997) % 14000) : 50 + k).fill(w);
  body[1] = k;
  return frame(body);
}

interface Parsed { intact: string[]; corrupt: number }

/** Parses a whole received stream into frames; stops at the first corrupt one. */
function parse(stream: Uint8Array): Parsed {
  const intact: string[] = [];
  let off = 0;
  while (off + 4 <= stream.length) {
    const n = frameLength(stream.subarray(off, off + 4));
    const body = stream.subarray(off + 4, off + 4 + n);
    const w = body[0];
    const ok = n >= 50 && n < 20000 && body.length === n && (w === 0xa || w === 0xb) &&
      body.every((b, i) => i === 1 || b === w) && message(w!, body[1]!).length === n + 4;
    if (!ok) return { intact, corrupt: 1 };
    intact.push(`${w === 0xa ? "A" : "B"}${body[1]}`);
    off += 4 + n;
  }
  return { intact, corrupt: off === stream.length ? 0 : 1 };
}

async function run(writers: (p: Process, fd: number) => Promise<void>): Promise<Parsed & { shortWrites: number }> {
  const { net, client, server } = twoHosts({ latency: ms(2) });
  const chunks: Uint8Array[] = [];
  server.spawn("reader", async (p) => {
    const l = listenOn(p, 9000, 1);
    const { fd } = await p.accept(l);
    for (let d = await p.recv(fd, 65536); d.length; d = await p.recv(fd, 65536)) chunks.push(d.slice());
  });
  let shortWrites = 0;
  client.spawn("writer", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    p.setsockopt(fd, "SOL_SOCKET", "SO_SNDBUF", 4096);
    await p.connect(fd, ["10.0.0.2", 9000]);
    p.fcntl(fd, "F_SETFL", O_NONBLOCK);
    const send = p.send.bind(p);
    p.send = async (f, d, fl) => {
      const n = await send(f, d, fl);
      if (typeof d !== "string" && n < d.byteLength) shortWrites++;
      return n;
    };
    await writers(p, fd);
    await p.close(fd);
  });
  await net.run({ until: sec(60) });
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const stream = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    stream.set(c, o);
    o += c.length;
  }
  assert.equal(total, 2 * Array.from({ length: FRAMES }, (_, k) => message(0xa, k).length + message(0xb, k).length).reduce((a, b) => a + b, 0) / 2);
  return { ...parse(stream), shortWrites };
}

test("H8: two threads writing frames straight to one socket interleave on short writes: the stream is corrupt", async () => {
  const r = await run(async (p, fd) => {
    const writer = (w: number) => async () => {
      for (let k = 0; k < FRAMES; k++) {
        await writeAllNonblocking(p, fd, message(w, k), 1); // short write: sleep 1 ms, retry
        if (w === 0xb) await p.poll([], 3);
      }
    };
    const a = p.thread(writer(0xa), "A");
    const b = p.thread(writer(0xb), "B");
    await a.join();
    await b.join();
  });
  assert.ok(r.shortWrites > 0, "send() returned short counts");
  assert.equal(r.corrupt, 1, `corrupt after ${r.intact.length} intact frames`);
  assert.ok(r.intact.length < 2 * FRAMES);
});

test("H8: the fix — the threads queue whole messages and one writer thread sends them: every frame intact, each thread's in order", async () => {
  const r = await run(async (p, fd) => {
    const q = new WriterQueue(p, fd);
    const producer = (w: number) => async () => {
      for (let k = 0; k < FRAMES; k++) {
        q.put(message(w, k));
        await p.poll([], w === 0xb ? 3 : 1); // the producers run at their own pace, interleaved
      }
    };
    const a = p.thread(producer(0xa), "A");
    const b = p.thread(producer(0xb), "B");
    await a.join();
    await b.join();
    q.close();
    await q.done;
  });
  assert.ok(r.shortWrites > 0, "send() returned short counts here too");
  assert.equal(r.corrupt, 0);
  assert.equal(r.intact.length, 2 * FRAMES);
  const order = (w: string) => r.intact.filter((x) => x.startsWith(w)).map((x) => Number(x.slice(1)));
  assert.deepEqual(order("A"), [...Array(FRAMES).keys()]);
  assert.deepEqual(order("B"), [...Array(FRAMES).keys()]);
  // The two producers' messages alternate on the wire — interleaved by message, never inside one.
  assert.ok(r.intact.slice(0, 4).some((x) => x.startsWith("B")));
});
