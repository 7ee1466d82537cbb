// seeds: H5, E4
/**
 * Seed 2's TCP chat (【七】TCP协议模型), generation by generation, as the
 * Python reads — `input()` is a read of the terminal (fd 0), `print()` a
 * write to fd 1:
 *
 * - gen 1 (一代): one message each way, then close.
 * - gen 2 (二代, 只能发一次信息): the server's accept() sits inside its
 *   loop, so each client gets one answer; its next message waits, unread.
 * - gen 3 (三代): accept once, then loop recv → input() → send.
 * - gen 4 (四代): the client refuses empty input ("cannot be empty") and
 *   quits on `q`.
 * - gen 5 (五代): the server sets SO_REUSEADDR, stops on recv() = b"" and
 *   on errors (try/except) — inside an accept loop, so it survives a
 *   client that leaves or resets and serves the next.
 *
 * Run it (you type for both ends: each line goes to whichever program is
 * waiting for input; Ctrl-D ends):
 *
 *     npx tsx examples/chat-tcp.ts            # generation 5
 *     npx tsx examples/chat-tcp.ts --gen 2    # generation 2
 *     printf '\nhello\nhi there\nq\n' | npx tsx examples/chat-tcp.ts
 */
import { Network, ms, type Address, type Process } from "sockstack";
import { converse, realTerminal, type TerminalOptions } from "./terminal.js";

const dec = new TextDecoder();

/** Python's `input(prompt).strip()`: prints the prompt, reads one line of the terminal; null at the end of input (EOFError). */
export async function input(p: Process, prompt: string): Promise<string | null> {
  await p.write(1, prompt);
  const line = await p.recvLine(0);
  return line === "" ? null : line.trim();
}

/** print(). */
export async function print(p: Process, line: string): Promise<void> {
  await p.write(1, line + "\n");
}

function listenOn(p: Process, port: number, reuse = false): number {
  const server = p.socket("AF_INET", "SOCK_STREAM");
  if (reuse) p.setsockopt(server, "SOL_SOCKET", "SO_REUSEADDR", 1);
  p.bind(server, ["0.0.0.0", port]);
  p.listen(server, 5);
  return server;
}

async function connectTo(p: Process, addr: Address): Promise<number> {
  const client = p.socket("AF_INET", "SOCK_STREAM");
  await p.connect(client, addr);
  return client;
}

// ---- generation 1 -----------------------------------------------------------

/** gen 1 server: accept, recv one message, send one answer, close. */
export async function gen1Server(p: Process, port: number, answer: string): Promise<void> {
  const server = listenOn(p, port);
  const { fd: conn } = await p.accept(server);
  await print(p, `from client: ${dec.decode(await p.recv(conn, 1024))}`);
  await p.send(conn, answer);
  await p.close(conn);
  await p.close(server);
}

/** gen 1 client: send one message, print the answer, close. */
export async function gen1Client(p: Process, addr: Address, message: string): Promise<void> {
  const client = await connectTo(p, addr);
  await p.send(client, message);
  await print(p, `from server: ${dec.decode(await p.recv(client, 1024))}`);
  await p.close(client);
}

// ---- generations 2 and 3 ------------------------------------------------------

/** gen 2 server: `while True: conn = accept(); recv; input(); send` — accept inside the loop. */
export async function gen2Server(p: Process, port: number): Promise<void> {
  const server = listenOn(p, port);
  for (;;) {
    const { fd: conn } = await p.accept(server);
    await print(p, `from client: ${dec.decode(await p.recv(conn, 1024))}`);
    const reply = await input(p, "reply: ");
    if (reply === null) return;
    await p.send(conn, reply);
  }
}

/** gen 3 server: accept once, then `while True: recv; input(); send`. */
export async function gen3Server(p: Process, port: number): Promise<void> {
  const server = listenOn(p, port);
  const { fd: conn } = await p.accept(server);
  for (;;) {
    await print(p, `from client: ${dec.decode(await p.recv(conn, 1024))}`);
    const reply = await input(p, "reply: ");
    if (reply === null) return;
    await p.send(conn, reply);
  }
}

/** gen 2/3 client: `while True: input(); send; recv; print` — no checks at all. */
export async function loopClient(p: Process, addr: Address): Promise<void> {
  const client = await connectTo(p, addr);
  for (;;) {
    const line = await input(p, "to server: ");
    if (line === null) break;
    await p.send(client, line);
    await print(p, `from server: ${dec.decode(await p.recv(client, 1024))}`);
  }
  await p.close(client);
}

// ---- generations 4 and 5 ------------------------------------------------------

/** gen 4 client: refuses empty input, quits on `q`. */
export async function gen4Client(p: Process, addr: Address): Promise<void> {
  const client = await connectTo(p, addr);
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
    await p.send(client, line);
    const answer = await p.recv(client, 1024);
    if (answer.length === 0 || dec.decode(answer) === "q") break;
    await print(p, `from server: ${dec.decode(answer)}`);
  }
  await p.close(client);
}

/**
 * gen 5 server: `recv` returning b"" ends the conversation, any error too
 * (try/except); the reply loop refuses empty input and `q` hangs up. The
 * accept loop around it keeps the server alive for the next client.
 * Serves `clients` conversations, then closes the listener.
 */
export async function gen5Server(p: Process, port: number, clients: number): Promise<void> {
  const server = listenOn(p, port, true);
  for (let served = 0; served < clients; served++) {
    const { fd: conn } = await p.accept(server);
    try {
      conversation: for (;;) {
        const data = await p.recv(conn, 1024);
        if (data.length === 0) {
          await print(p, "client left");
          break;
        }
        await print(p, `from client: ${dec.decode(data)}`);
        for (;;) {
          const reply = await input(p, "reply: ");
          if (reply === null) break conversation;
          if (!reply) {
            await print(p, "input cannot be empty!");
            continue;
          }
          await p.send(conn, reply);
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
    await p.close(conn);
  }
  await p.close(server);
}

// ---- running it ---------------------------------------------------------------

/** How {@link main} runs: the generation, the typed lines, the screen. */
export interface ChatOptions extends TerminalOptions {
  gen?: 1 | 2 | 3 | 4 | 5;
}

/** The chat of generation `gen` between a client (10.0.0.1) and a server (10.0.0.2:8080). */
export async function main(o: ChatOptions = {}): Promise<void> {
  const gen = o.gen ?? 5;
  const net = new Network({ seed: 1 });
  const clientHost = net.addHost("client"), serverHost = net.addHost("server");
  net.link(clientHost, serverHost, { latency: ms(1) });
  const ADDR: Address = ["server", 8080];
  const servers = {
    1: (p: Process) => gen1Server(p, 8080, "I am the server"),
    2: (p: Process) => gen2Server(p, 8080),
    3: (p: Process) => gen3Server(p, 8080),
    4: (p: Process) => gen3Server(p, 8080),
    5: (p: Process) => gen5Server(p, 8080, 1),
  };
  const clients = {
    1: (p: Process) => gen1Client(p, ADDR, "I am the client"),
    2: (p: Process) => loopClient(p, ADDR),
    3: (p: Process) => loopClient(p, ADDR),
    4: (p: Process) => gen4Client(p, ADDR),
    5: (p: Process) => gen4Client(p, ADDR),
  };
  const server = serverHost.spawn("server", servers[gen]);
  const client = clientHost.spawn("client", clients[gen]);
  await converse(net, { ...o, programs: { client, server } });
}

if (process.argv[1] === import.meta.filename) {
  const i = process.argv.indexOf("--gen");
  const gen = i > 0 ? Number(process.argv[i + 1]) : 5;
  if (![1, 2, 3, 4, 5].includes(gen)) throw new Error(`--gen takes 1 to 5, got ${process.argv[i + 1]}`);
  await main({ gen: gen as ChatOptions["gen"], ...realTerminal() });
}
