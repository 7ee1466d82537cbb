// seeds: H8, E3
/**
 * Several writers on one socket (seed 3 "多线程读写同一套接字", H8). Each
 * writer loops over short writes of a non-blocking socket (E3: send() may
 * take less than asked); between two of its send() calls another thread
 * may send, so the bytes of two frames interleave and the stream is
 * corrupt — a lock around each send() does not help. The fix: the writers
 * put whole messages in a queue and one thread alone writes the socket.
 *
 * The run: thread A sends 20 bulk frames of 6,000–19,999 bytes, thread B
 * 20 small status frames of 50–69 bytes every 3 ms, through a 4 KiB send
 * buffer; the reader parses the length-prefixed stream (framing.ts).
 *
 *     npx tsx examples/writers.ts
 */
import { Network, ms, sec, O_NONBLOCK, POLLOUT, SysError, type Process } from "sockstack";
import { frame, frameLength } from "./framing.js";

/**
 * Writes all of `data` to a non-blocking socket: send() what fits; after a
 * short write or EAGAIN wait — for POLLOUT, or `retryMs` milliseconds when
 * given (the "sleep and retry" loop) — and repeat. Another thread may run
 * at every `await`. Returns how many send() calls took less than asked.
 */
export async function writeAllNonblocking(p: Process, fd: number, data: Uint8Array, retryMs = 0): Promise<number> {
  let off = 0, short = 0;
  while (off < data.length) {
    let n = 0;
    try {
      n = await p.send(fd, data.subarray(off));
    } catch (e) {
      if (!(e instanceof SysError && e.code === "EAGAIN")) throw e;
    }
    off += n;
    if (off < data.length) {
      short++;
      await p.poll(retryMs ? [] : [{ fd, events: POLLOUT, revents: 0 }], retryMs || -1);
    }
  }
  return short;
}

/** A message queue with a single writer thread draining it to `fd`. */
export class WriterQueue {
  #queue: Uint8Array[] = [];
  #wake: (() => void) | null = null;
  #closed = false;
  /** Short writes the writer met (it finishes each message before the next). */
  shortWrites = 0;
  readonly done: Promise<void>;

  constructor(readonly p: Process, readonly fd: number) {
    this.done = this.#run();
  }

  /** Queues a whole message (any thread). */
  put(msg: Uint8Array): void {
    this.#queue.push(msg);
    this.#wake?.();
  }

  /** No more messages: the writer drains the queue and stops. */
  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async #run(): Promise<void> {
    for (;;) {
      const m = this.#queue.shift();
      if (m) {
        this.shortWrites += await writeAllNonblocking(this.p, this.fd, m);
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = null;
    }
  }
}

/** Frames per writer. */
export const FRAMES = 20;

/**
 * Frame k of writer w (0xa or 0xb): [w, k, w, w, …]. Writer A sends bulk
 * frames of 6000–19999 bytes, larger than the send buffer; writer B small
 * status frames of 50–69 bytes, like a heartbeat thread.
 */
export function message(w: number, k: number): Uint8Array {
  const body = new Uint8Array(w === 0xa ? 6000 + ((k * 997) % 14000) : 50 + k).fill(w);
  body[1] = k;
  return frame(body);
}

/** What the reader made of the stream: the intact frames in order (`A0`, `B0`, …), and whether it hit a corrupt one. */
export interface Parsed {
  intact: string[];
  corrupt: boolean;
  /** Where the first corrupt frame starts (bytes into the stream). */
  at: number;
}

/** Parses a whole received stream into frames; stops at the first corrupt one. */
export function parse(stream: Uint8Array): Parsed {
  const intact: string[] = [];
  let off = 0;
  while (off + 4 <= stream.length) {
    const n = frameLength(stream.subarray(off, off + 4));
    const body = stream.subarray(off + 4, off + 4 + n);
    const w = body[0];
    const ok = n >= 50 && n < 20000 && body.length === n && (w === 0xa || w === 0xb) &&
      body.every((b, i) => i === 1 || b === w) && message(w!, body[1]!).length === n + 4;
    if (!ok) return { intact, corrupt: true, at: off };
    intact.push(`${w === 0xa ? "A" : "B"}${body[1]}`);
    off += 4 + n;
  }
  return { intact, corrupt: off !== stream.length, at: off };
}

/** Two threads each sending their frames straight to the socket (sleep 1 ms and retry after a short write). */
export async function directWriters(p: Process, fd: number): Promise<number> {
  let short = 0;
  const writer = (w: number) => async () => {
    for (let k = 0; k < FRAMES; k++) {
      short += await writeAllNonblocking(p, fd, message(w, k), 1);
      if (w === 0xb) await p.poll([], 3);
    }
  };
  const a = p.thread(writer(0xa), "A");
  const b = p.thread(writer(0xb), "B");
  await a.join();
  await b.join();
  return short;
}

/** The two threads queue whole messages; one writer thread sends them. */
export async function queuedWriters(p: Process, fd: number): Promise<number> {
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
  return q.shortWrites;
}

/** Runs `writers` on a non-blocking socket with a 4 KiB send buffer; the reader parses everything it received. */
export async function exchange(writers: (p: Process, fd: number) => Promise<number>): Promise<Parsed & { shortWrites: number; bytes: number }> {
  const net = new Network({ seed: 1 });
  const a = net.addHost("client"), b = net.addHost("server");
  net.link(a, b, { latency: ms(2) });
  const chunks: Uint8Array[] = [];
  b.spawn("reader", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 9000]);
    p.listen(l, 1);
    const { fd } = await p.accept(l);
    for (let d = await p.recv(fd, 65536); d.length; d = await p.recv(fd, 65536)) chunks.push(d.slice());
  });
  const w = a.spawn("writer", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    p.setsockopt(fd, "SOL_SOCKET", "SO_SNDBUF", 4096);
    await p.connect(fd, ["server", 9000]);
    p.fcntl(fd, "F_SETFL", O_NONBLOCK);
    const short = await writers(p, fd);
    await p.close(fd);
    return short;
  });
  await net.run({ until: sec(60) });
  const stream = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((off, c) => (stream.set(c, off), off + c.length), 0);
  return { ...parse(stream), shortWrites: await w.result, bytes: stream.length };
}

/** Both ways, side by side. */
export async function main(print: (line: string) => void = console.log): Promise<void> {
  for (const [title, writers] of [["two threads writing the socket", directWriters], ["two threads, one message queue, one writer thread", queuedWriters]] as const) {
    const r = await exchange(writers);
    print(`${title}: ${r.shortWrites} short writes, ${r.bytes} bytes received`);
    print(`  ${r.intact.length} intact frames: ${r.intact.join(" ")}`);
    print(r.corrupt ? `  then a corrupt frame at byte ${r.at}: the two threads' bytes are interleaved` : "  the whole stream parsed");
  }
}

if (process.argv[1] === import.meta.filename) await main();
