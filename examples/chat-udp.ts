// seeds: H6, G6
/**
 * Seed 2's UDP chat (【六】基于UDP的套接字, 【八】UDP协议模型): no listen, no
 * accept, no connect — the server binds and answers whoever the last
 * datagram came from (`recvfrom` gives the address, `sendto` uses it).
 *
 * What the seed points out, and the run shows:
 * - an empty line is sent as an empty datagram, and the server receives
 *   it (TCP's `send(b"")` sends nothing, so the TCP chat hangs there);
 * - one side going away does not affect the other: the client quits and
 *   the server, which holds no connection, waits for the next datagram.
 *
 * Run it (you type for both ends; `q` ends the client):
 *
 *     npx tsx examples/chat-udp.ts
 *     printf 'hello\nhi\n\ngot an empty one\nq\n' | npx tsx examples/chat-udp.ts
 */
import { Network, ms, formatSockAddr, type Address, type Process } from "sockstack";
import { converse, realTerminal, type TerminalOptions } from "./terminal.js";

const dec = new TextDecoder();

/** Python's `input(prompt)`: the prompt, then one line of the terminal; null at the end of input. */
async function input(p: Process, prompt: string): Promise<string | null> {
  await p.write(1, prompt);
  const line = await p.recvLine(0);
  return line === "" ? null : line.replace(/\n$/, "");
}

/** The server: `bind`, then `recvfrom` → print → `input()` → `sendto` the sender, forever. */
export async function udpServer(p: Process, port: number): Promise<void> {
  const server = p.socket("AF_INET", "SOCK_DGRAM");
  p.bind(server, ["0.0.0.0", port]);
  for (;;) {
    const { data, addr } = await p.recvfrom(server, 1024);
    await p.write(1, `from client ${formatSockAddr(addr!)} (${data.length} bytes): ${dec.decode(data)}\n`);
    if (dec.decode(data) === "q") continue; // that client left; the server goes on
    const reply = await input(p, "reply: ");
    if (reply === null) break;
    await p.sendto(server, reply, 0, addr);
  }
  await p.close(server);
}

/** The client: `input()` → `sendto` → `recvfrom` → print, until `q`. */
export async function udpClient(p: Process, server: Address): Promise<void> {
  const client = p.socket("AF_INET", "SOCK_DGRAM");
  for (;;) {
    const line = await input(p, "to server: ");
    if (line === null) break;
    await p.sendto(client, line, 0, server);
    if (line === "q") break;
    const { data, addr } = await p.recvfrom(client, 1024);
    await p.write(1, `from server ${formatSockAddr(addr!)}: ${dec.decode(data)}\n`);
  }
  await p.close(client);
}

/** The chat between a client (10.0.0.1) and a server (10.0.0.2:8080) over UDP. */
export async function main(o: TerminalOptions = {}): Promise<void> {
  const net = new Network({ seed: 1 });
  const clientHost = net.addHost("client"), serverHost = net.addHost("server");
  net.link(clientHost, serverHost, { latency: ms(1) });
  const server = serverHost.spawn("server", (p) => udpServer(p, 8080), { daemon: true });
  const client = clientHost.spawn("client", (p) => udpClient(p, ["server", 8080]));
  await converse(net, { ...o, programs: { client, server } });
}

if (process.argv[1] === import.meta.filename) await main(realTerminal());
