/**
 * The TCP chat of seed 2 in its "generations" (H5), written line by line
 * after the Python: the user types at the terminal (fd 0, read like
 * Python's `input()`), prompts and messages go to fd 1.
 *
 * - gen 1: one message each way, then close.
 * - gen 2: the server's accept() sits inside its loop, so each client gets
 *   one answer ("只能发一次信息") — its next message waits, unread.
 * - gen 3: accept once, then loop recv → reply: many messages.
 * - gen 4: the client refuses empty input ("cannot be empty") and quits on `q`.
 * - gen 5: the server stops on recv() = b"" and on errors (try/except) —
 *   here inside an accept loop, so it survives clients that leave or reset.
 */
import type { Process } from "../../src/sys/process.js";
import type { Address } from "../../src/sys/process.js";

const dec = new TextDecoder();
const lineBuffers = new WeakMap<Process, string>();

/** Python's `input(prompt).strip()`: prints the prompt, reads one line from fd 0; null at end of input. */
export async function input(p: Process, prompt: string): Promise<string | null> {
  await p.write(1, prompt);
  let buf = lineBuffers.get(p) ?? "";
  while (!buf.includes("\n")) {
    const d = await p.read(0, 1024);
    if (d.length === 0) return null;
    buf += dec.decode(d);
  }
  const nl = buf.indexOf("\n");
  lineBuffers.set(p, buf.slice(nl + 1));
  return buf.slice(0, nl).trim();
}

/** print(). */
export async function print(p: Process, line: string): Promise<void> {
  await p.write(1, line + "\n");
}

function listenOn(p: Process, port: number, reuse = false): number {
  const l = p.socket("AF_INET", "SOCK_STREAM");
  if (reuse) p.setsockopt(l, "SOL_SOCKET", "SO_REUSEADDR", 1);
  p.bind(l, ["0.0.0.0", port]);
  p.listen(l, 5);
  return l;
}

async function connectTo(p: Process, addr: Address): Promise<number> {
  const fd = p.socket("AF_INET", "SOCK_STREAM");
  await p.connect(fd, addr);
  return fd;
}

// ---- generation 1 -----------------------------------------------------------

/** gen 1 server: accept, recv one message, send one answer, close. */
export async function gen1Server(p: Process, port: number, answer: string): Promise<void> {
  const l = listenOn(p, port);
  const { fd } = await p.accept(l);
  await print(p, `from client: ${dec.decode(await p.recv(fd, 1024))}`);
  await p.send(fd, answer);
  await p.close(fd);
  await p.close(l);
}

/** gen 1 client: send one message, print the answer, close. */
export async function gen1Client(p: Process, addr: Address, message: string): Promise<void> {
  const fd = await connectTo(p, addr);
  await p.send(fd, message);
  await print(p, `from server: ${dec.decode(await p.recv(fd, 1024))}`);
  await p.close(fd);
}

// ---- generations 2 and 3 ------------------------------------------------------

/** gen 2 server: `while True: conn = accept(); recv; input(); send` — accept inside the loop. */
export async function gen2Server(p: Process, port: number): Promise<void> {
  const l = listenOn(p, port);
  for (;;) {
    const { fd } = await p.accept(l);
    await print(p, `from client: ${dec.decode(await p.recv(fd, 1024))}`);
    const reply = await input(p, "reply: ");
    if (reply === null) return;
    await p.send(fd, reply);
  }
}

/** gen 3 server: accept once, then `while True: recv; input(); send`. */
export async function gen3Server(p: Process, port: number): Promise<void> {
  const l = listenOn(p, port);
  const { fd } = await p.accept(l);
  for (;;) {
    await print(p, `from client: ${dec.decode(await p.recv(fd, 1024))}`);
    const reply = await input(p, "reply: ");
    if (reply === null) return;
    await p.send(fd, reply);
  }
}

/** gen 2/3 client: `while True: input(); send; recv; print` — no checks at all. */
export async function loopClient(p: Process, addr: Address): Promise<void> {
  const fd = await connectTo(p, addr);
  for (;;) {
    const line = await input(p, "to server: ");
    if (line === null) break;
    await p.send(fd, line);
    await print(p, `from server: ${dec.decode(await p.recv(fd, 1024))}`);
  }
  await p.close(fd);
}

// ---- generations 4 and 5 ------------------------------------------------------

/** gen 4 client: refuses empty input, quits on `q`. */
export async function gen4Client(p: Process, addr: Address): Promise<void> {
  const fd = await connectTo(p, addr);
  for (;;) {
    const line = await input(p, "to server: ");
    if (line === null) break;
    if (!line) {
      await print(p, "input cannot be empty!");
      continue;
    }
    if (line === "q") {
      await print(p, "connection closed!");
      break;
    }
    await p.send(fd, line);
    const answer = await p.recv(fd, 1024);
    if (answer.length === 0 || dec.decode(answer) === "q") break;
    await print(p, `from server: ${dec.decode(answer)}`);
  }
  await p.close(fd);
}

/**
 * gen 5 server: `recv` returning b"" ends the conversation, any error too
 * (try/except); the reply loop refuses empty input and `q` hangs up. The
 * accept loop around it keeps the server alive for the next client.
 * Serves `clients` conversations, then closes the listener.
 */
export async function gen5Server(p: Process, port: number, clients: number): Promise<void> {
  const l = listenOn(p, port, true);
  for (let served = 0; served < clients; served++) {
    const { fd } = await p.accept(l);
    try {
      conversation: for (;;) {
        const d = await p.recv(fd, 1024);
        if (d.length === 0) {
          await print(p, "client left");
          break;
        }
        await print(p, `from client: ${dec.decode(d)}`);
        for (;;) {
          const reply = await input(p, "reply: ");
          if (reply === null) break conversation;
          if (!reply) {
            await print(p, "input cannot be empty!");
            continue;
          }
          await p.send(fd, reply);
          if (reply === "q") {
            await print(p, "connection closed!");
            break conversation;
          }
          break;
        }
      }
    } catch (e) {
      await print(p, `error: ${(e as Error).message}`);
    }
    await p.close(fd);
  }
  await p.close(l);
}
