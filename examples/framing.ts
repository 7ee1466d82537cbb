// seeds: H7
/**
 * Length-prefixed framing (seed 3 "整型的大小端转换", H7): TCP is a byte
 * stream, so a message needs a boundary of its own. Each frame is a 4-byte
 * big-endian length followed by that many bytes; the receiver reads exactly
 * 4 bytes, decodes the length, then reads exactly that many — whatever the
 * segmentation on the wire.
 *
 * The run sends four messages twice, cut into pieces of 1 to 7 bytes with
 * TCP_NODELAY so the pieces leave as separate segments: headers split,
 * bodies split, two frames in one segment. The framed receiver gets the
 * four messages; a receiver that takes one recv() per message gets the
 * bytes glued and cut wherever the segments fell (粘包).
 *
 *     npx tsx examples/framing.ts
 */
import { Network, ms, type Process } from "sockstack";
import { showScreens } from "./terminal.js";

/** A 4-byte big-endian length header plus the payload, as one buffer. */
export function frame(payload: Uint8Array | string): Uint8Array {
  const body = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const out = new Uint8Array(4 + body.length);
  const len = body.length;
  // buf[0] = (len >> 24) & 0xFF; … as in the seed's C++.
  out[0] = (len >>> 24) & 0xff;
  out[1] = (len >>> 16) & 0xff;
  out[2] = (len >>> 8) & 0xff;
  out[3] = len & 0xff;
  out.set(body, 4);
  return out;
}

/** The length a 4-byte header announces. */
export function frameLength(head: Uint8Array): number {
  return ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
}

/** Sends one frame with sendall (blocking). */
export async function sendFrame(p: Process, fd: number, payload: Uint8Array | string): Promise<void> {
  await p.sendall(fd, frame(payload));
}

/**
 * Receives one frame with recvExactly: the payload, or null at a clean end
 * of stream (EOF before a header). A stream that ends inside a frame throws.
 */
export async function recvFrame(p: Process, fd: number, maxLen = 1 << 24): Promise<Uint8Array | null> {
  const head = await p.recvExactly(fd, 4);
  if (head.length === 0) return null;
  if (head.length < 4) throw new Error(`truncated header (${head.length} bytes)`);
  const n = frameLength(head);
  if (n > maxLen) throw new Error(`frame too long (${n} bytes)`);
  if (n === 0) return new Uint8Array(0);
  const body = await p.recvExactly(fd, n);
  if (body.length < n) throw new Error(`truncated frame (${body.length} of ${n} bytes)`);
  return body;
}

const dec = new TextDecoder();

/** Sends `bytes` in pieces of 1, 2, … 7 bytes, each its own send() and (TCP_NODELAY) its own segment, 1 ms apart. */
async function sendInPieces(p: Process, fd: number, bytes: Uint8Array): Promise<number> {
  let pieces = 0;
  for (let off = 0, n = 1; off < bytes.length; off += n, n = (n % 7) + 1) {
    await p.send(fd, bytes.subarray(off, off + n));
    await p.poll([], 1);
    pieces++;
  }
  return pieces;
}

/** The sender: connects to `port`, sends the messages as one stream (framed or not) in small pieces, closes. */
export async function sender(p: Process, port: number, messages: string[], framed: boolean): Promise<void> {
  const fd = p.socket("AF_INET", "SOCK_STREAM");
  p.setsockopt(fd, "IPPROTO_TCP", "TCP_NODELAY", 1);
  await p.connect(fd, ["server", port]);
  const chunks = messages.map((m) => (framed ? frame(m) : new TextEncoder().encode(m)));
  const stream = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  chunks.reduce((off, c) => (stream.set(c, off), off + c.length), 0);
  const pieces = await sendInPieces(p, fd, stream);
  await p.write(1, `sent ${messages.length} messages, ${stream.length} bytes, in ${pieces} send() calls\n`);
  await p.close(fd);
}

/** Listens on `port` and accepts one connection. */
async function acceptOne(p: Process, port: number): Promise<number> {
  const l = p.socket("AF_INET", "SOCK_STREAM");
  p.bind(l, ["0.0.0.0", port]);
  p.listen(l, 1);
  const { fd } = await p.accept(l);
  await p.close(l);
  return fd;
}

/** The framed receiver: recvFrame until the end of the stream. */
export async function framedReceiver(p: Process, port: number): Promise<void> {
  const fd = await acceptOne(p, port);
  for (let m = await recvFrame(p, fd); m; m = await recvFrame(p, fd)) await p.write(1, `message: "${dec.decode(m)}"\n`);
  await p.close(fd);
}

/** The naive receiver: one recv() taken for one message. */
export async function naiveReceiver(p: Process, port: number): Promise<void> {
  const fd = await acceptOne(p, port);
  await p.poll([], 10); // a busy server: what arrived meanwhile waits in the buffer
  for (let d = await p.recv(fd, 1024); d.length; d = await p.recv(fd, 1024)) await p.write(1, `"message": "${dec.decode(d)}"\n`);
  await p.close(fd);
}

/** The same four messages through the framed and the naive receiver. */
export async function main(print: (line: string) => void = console.log): Promise<void> {
  const messages = ["hello", "", "粘包 (sticky packets)", "x".repeat(40)];
  for (const framed of [true, false]) {
    print(framed ? "length-prefixed frames:" : "no framing, one recv() per message:");
    const net = new Network({ seed: 1 });
    const a = net.addHost("client"), b = net.addHost("server");
    net.link(a, b, { latency: ms(2) });
    const receiver = b.spawn("receiver", (p) => (framed ? framedReceiver(p, 9000) : naiveReceiver(p, 9000)));
    const send = a.spawn("sender", (p) => sender(p, 9000, messages, framed));
    showScreens({ receiver, sender: send }, print);
    await net.run();
  }
}

if (process.argv[1] === import.meta.filename) await main();
