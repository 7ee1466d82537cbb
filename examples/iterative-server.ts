// seeds: H1, E6, E5, A2, A3, A4, E4
/**
 * Seed 4's first server (server.c), written with the checked calls of its
 * wrap.c: socket → bind(INADDR_ANY) → listen → accept → read/toupper/write
 * until read() returns 0 → close. One client at a time: while it serves
 * one client, the next one's connect() still succeeds — the kernel does
 * the handshake (A2) — and what it sends waits in the server's kernel
 * until the loop comes back to accept().
 *
 * A second copy of the server cannot bind the same port: wrap.c's
 * perr_exit prints `bind: Address already in use` and exits with status 1.
 *
 *     npx tsx examples/iterative-server.ts
 */
import { Network, ms, wrap, formatSockAddr, snapshot, ss, sockaddrIn, htons, htonl, inet_ntoa, INADDR_ANY, type Address, type Process } from "sockstack";
import { showScreens } from "./terminal.js";

const SERV_PORT = 9527;
const dec = new TextDecoder();
const hex = (b: number) => b.toString(16).padStart(2, "0");

/** printf: one line on the terminal. */
async function printf(p: Process, line: string): Promise<void> {
  await p.write(1, line + "\n");
}

/** server.c: serves clients one after another, forever. */
export async function server(p: Process): Promise<void> {
  const w = wrap(p);
  const lfd = w.Socket("AF_INET", "SOCK_STREAM", 0);
  // serv_addr: sin_port = htons(SERV_PORT), sin_addr.s_addr = htonl(INADDR_ANY) — every local address (E5).
  w.Bind(lfd, sockaddrIn(inet_ntoa(htonl(INADDR_ANY)), SERV_PORT));
  w.Listen(lfd, 128);
  const n = htons(SERV_PORT); // stored little-endian on x86: its bytes in memory are the port in network order
  await printf(p, `listening, lfd = ${lfd}, sin_port = htons(${SERV_PORT}) = 0x${n.toString(16)}: bytes ${hex(n & 0xff)} ${hex(n >> 8)} in memory`);
  for (;;) {
    const { fd: cfd, addr } = await w.Accept(lfd);
    await printf(p, `cfd = ${cfd}, client ${formatSockAddr(addr)}`);
    for (;;) {
      const buf = await w.Read(cfd, 1024);
      if (buf.length === 0) {
        await printf(p, "the client closed the connection (read returned 0)");
        break;
      }
      await w.Write(cfd, dec.decode(buf).toUpperCase());
    }
    await w.Close(cfd);
  }
}

/** client.c: connect, then for each line: write, read the answer (wrap.c's Readn), print it; `pause` ms between lines. The other servers' examples use it too. */
export async function client(p: Process, lines: string[], pause: number, server: Address = ["10.0.0.2", SERV_PORT]): Promise<void> {
  const w = wrap(p);
  const fd = w.Socket("AF_INET", "SOCK_STREAM", 0);
  await w.Connect(fd, server);
  await printf(p, `connected (fd ${fd})`);
  for (const line of lines) {
    await w.Write(fd, line);
    await printf(p, `sent "${line}"`);
    await printf(p, `got "${dec.decode(await w.Readn(fd, line.length))}"`); // an echo: as many bytes as sent, however they arrive
    await p.poll([], pause); // sleep
  }
  await w.Close(fd);
}

/** Two clients, the second arriving while the server serves the first; then a second server on the same port. */
export async function main(print: (line: string) => void = console.log): Promise<void> {
  const net = new Network({ seed: 1 });
  const clientHost = net.addHost("client"), serverHost = net.addHost("server");
  net.link(clientHost, serverHost, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(1) });
  const srv = serverHost.spawn("server", server, { daemon: true });
  const c1 = clientHost.spawn("client 1", (p) => client(p, ["hello", "world"], 100));
  const c2 = clientHost.spawn("client 2", async (p) => {
    await p.poll([], 50); // arrives 50 ms later, while client 1 is being served
    await client(p, ["second"], 0);
  });
  showScreens({ server: srv, "client 1": c1, "client 2": c2 }, print);
  await net.advance(ms(60));
  // Client 2 is connected and its bytes are in the server's kernel (Recv-Q), but no process owns the socket yet.
  print("   60.0 ms  ss -tnp on the server:");
  for (const line of ss(snapshot(serverHost), "-tnp").trimEnd().split("\n")) print(`             ${line.trimEnd()}`);
  await net.run();
  const copy = serverHost.spawn("server", server);
  showScreens({ "server copy": copy }, print);
  await net.run();
  print(`the copy exited with status ${copy.exitCode}`);
}

if (process.argv[1] === import.meta.filename) await main();
