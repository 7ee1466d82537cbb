// seeds: H2, C1, C3, C8, A2, A3, A4
/**
 * Seed 0's Java BIO server and client (SocketIOPropertites.java,
 * SocketClient.java), one thread per connection, with the lecture's
 * options: backlog 2, receive buffer 20, SO_REUSEADDR off, an accept
 * timeout (`setSoTimeout`: SO_RCVTIMEO on the listening socket), and for
 * each accepted socket keepalive off, urgent data not inline (SO_OOBINLINE
 * off, the lecture's "send a byte first" option, C8), SO_LINGER (on, 0),
 * TCP_NODELAY off.
 * The client sets a 20-byte send buffer, leaves Nagle on, and writes every
 * byte of a typed line with its own write() (no flush).
 *
 * Before each accept() the server waits for Enter (`System.in.read()`, the
 * lecture's 分水岭): the clients connect and send anyway — the kernel
 * completes their handshakes and queues their bytes (A2, A3) — and the
 * server reads them all once it accepts. With no client waiting, accept()
 * gives up after the timeout (Java: SocketTimeoutException) and the
 * server loops (C1). Typed after the accept, the client's one-byte writes
 * arrive as 1 byte, then the rest together: Nagle holds them while the
 * first is unacknowledged (C3).
 *
 *     npx tsx examples/bio-server.ts
 */
import { Network, ms, sec, SysError, type Process } from "sockstack";
import { showScreens } from "./terminal.js";

const dec = new TextDecoder();

/** System.out.println. */
async function println(p: Process, line: string): Promise<void> {
  await p.write(1, line + "\n");
}

/** SocketIOPropertites' server side. */
export const SERVER_OPTIONS = { port: 9090, backlog: 2, receiveBuffer: 20, reuseAddr: false, soTimeout: 3000 };

/** SocketIOPropertites.main: accept after Enter; one thread per client. */
export async function bioServer(p: Process): Promise<void> {
  const o = SERVER_OPTIONS;
  const server = p.socket("AF_INET", "SOCK_STREAM");
  p.setsockopt(server, "SOL_SOCKET", "SO_RCVBUF", o.receiveBuffer);
  p.setsockopt(server, "SOL_SOCKET", "SO_REUSEADDR", o.reuseAddr ? 1 : 0);
  p.bind(server, ["0.0.0.0", o.port]);
  p.listen(server, o.backlog);
  p.setsockopt(server, "SOL_SOCKET", "SO_RCVTIMEO", { tv_sec: o.soTimeout / 1000, tv_usec: 0 });
  await println(p, `server up use ${o.port}!`);
  for (;;) {
    if ((await p.read(0, 1)).length === 0) break; // System.in.read(): wait for Enter
    let client: number, port: number;
    try {
      const { fd, addr } = await p.accept(server);
      client = fd;
      port = addr.family === 2 ? addr.port : 0;
    } catch (e) {
      if (!(e instanceof SysError) || e.code !== "EAGAIN") throw e;
      await println(p, `Accept timed out (${e.message} after ${o.soTimeout} ms); accepting again`);
      continue;
    }
    await println(p, `client port: ${port}`);
    p.setsockopt(client, "SOL_SOCKET", "SO_KEEPALIVE", 0);
    p.setsockopt(client, "SOL_SOCKET", "SO_OOBINLINE", 0);
    p.setsockopt(client, "SOL_SOCKET", "SO_RCVBUF", 20);
    p.setsockopt(client, "SOL_SOCKET", "SO_SNDBUF", 20);
    p.setsockopt(client, "SOL_SOCKET", "SO_LINGER", { l_onoff: 1, l_linger: 0 });
    p.setsockopt(client, "IPPROTO_TCP", "TCP_NODELAY", 0);
    // setSoTimeout(0): read forever. (The accepted socket inherits the listener's SO_RCVTIMEO on Linux;
    // Java's accept timeout is its own poll(), so Java sockets start without one.)
    p.setsockopt(client, "SOL_SOCKET", "SO_RCVTIMEO", 0);
    p.thread(async () => {
      for (;;) {
        const data = await p.read(client, 1024);
        if (data.length > 0) {
          await println(p, `client read some data is :${data.length} val :${dec.decode(data)}`);
        } else {
          await println(p, "client readed nothing!");
          await p.close(client);
          break;
        }
      }
    });
  }
}

/** SocketClient.main: each typed line goes out one byte per write(). */
export async function bioClient(p: Process): Promise<void> {
  const client = p.socket("AF_INET", "SOCK_STREAM");
  p.setsockopt(client, "SOL_SOCKET", "SO_SNDBUF", 20);
  p.setsockopt(client, "IPPROTO_TCP", "TCP_NODELAY", 0);
  await p.connect(client, ["server", 9090]);
  for (;;) {
    const line = (await p.recvLine(0)).replace(/\n$/, "");
    if (line === "") break; // end of input: the JVM exits, the kernel closes the socket
    for (const b of new TextEncoder().encode(line)) await p.write(client, Uint8Array.of(b));
  }
  await p.close(client);
}

/** Two clients type before the server accepts; the operator presses Enter three times. */
export async function main(print: (line: string) => void = console.log): Promise<void> {
  const net = new Network({ seed: 1 });
  const clientHost = net.addHost("client"), serverHost = net.addHost("server");
  net.link(clientHost, serverHost, { latency: ms(1) });
  const server = serverHost.spawn("java", bioServer, { daemon: true });
  const c1 = clientHost.spawn("client 1", bioClient);
  const c2 = clientHost.spawn("client 2", bioClient);
  c1.stdin.script([{ at: ms(100), data: "1111\n" }, { at: sec(8), data: "333\n" }, { at: sec(9), end: true }]);
  c2.stdin.script([{ at: ms(200), data: "2222\n" }, { at: sec(10), end: true }]);
  server.stdin.script([{ at: sec(1), data: "\n" }, { at: sec(2), data: "\n" }, { at: sec(3), data: "\n" }]);
  showScreens({ server, "client 1": c1, "client 2": c2 }, print);
  await net.run();
}

if (process.argv[1] === import.meta.filename) await main();
