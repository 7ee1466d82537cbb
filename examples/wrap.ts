// seeds: E6, E2
/**
 * Seed 4's wrap.c: every socket call wrapped in a checked version with a
 * capital letter (Socket, Bind, Listen, Accept, Connect, Read, Write,
 * Close, plus Readn, Writen, Readline). When the call fails, perr_exit
 * does `perror("bind")` — the call's name and the errno's text on stderr —
 * and `exit(1)`. The other programs and hosts run on.
 *
 * Beside it, Python's `connect_ex` style (E2): the errno as a number
 * instead of an error.
 *
 *     npx tsx examples/wrap.ts
 */
import { Network, ms, wrap, ex, errnoName, type Process } from "sockstack";
import { showScreens } from "./terminal.js";

/** A server that binds port 8000 and waits for one client. */
async function server(p: Process): Promise<void> {
  const w = wrap(p);
  const lfd = w.Socket("AF_INET", "SOCK_STREAM", 0);
  w.Bind(lfd, ["0.0.0.0", 8000]);
  w.Listen(lfd, 128);
  await p.write(1, "listening on 8000\n");
  const { fd } = await w.Accept(lfd);
  await p.write(1, `accepted fd ${fd}: "${new TextDecoder().decode(await w.Readn(fd, 5))}"\n`);
}

/** A client of port `port`, with checked calls. */
async function client(p: Process, port: number): Promise<void> {
  const w = wrap(p);
  const fd = w.Socket("AF_INET", "SOCK_STREAM", 0);
  await w.Connect(fd, ["server", port]);
  await w.Writen(fd, "hello");
  await p.write(1, "sent hello\n");
}

/** Runs a server, a second copy of it, a client of a closed port, a good client; then connect_ex. */
export async function main(print: (line: string) => void = console.log): Promise<void> {
  const net = new Network({ seed: 1 });
  const clientHost = net.addHost("client"), serverHost = net.addHost("server");
  net.link(clientHost, serverHost, { latency: ms(1) });
  const programs = {
    server: serverHost.spawn("server", server),
    "server copy": serverHost.spawn("server", server),
    "client of 9000": clientHost.spawn("client", (p) => client(p, 9000)),
    "client of 8000": clientHost.spawn("client", (p) => client(p, 8000)),
  };
  showScreens(programs, print);
  const r = await net.run();
  for (const [name, prog] of Object.entries(programs)) print(`${name}: exit status ${prog.exitCode}`);
  print(`net.run() failed: ${r.failed.map((f) => `${f.host}/${f.name}[${f.pid}] status ${f.code}`).join(", ")}`);
  const e = clientHost.spawn("connect_ex", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    return ex(() => p.connect(fd, ["server", 9000]));
  });
  await net.run();
  const errno = await e.result;
  print(`connect_ex(("server", 9000)) = ${errno} (${errnoName(errno)})`);
}

if (process.argv[1] === import.meta.filename) await main();
