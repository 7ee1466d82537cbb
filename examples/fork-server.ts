// seeds: H3, A9
/**
 * Seed 4's multi-process server (多进程并发服务器): the parent accepts and
 * forks one child per connection. The child closes the listening fd and
 * serves its client; the parent closes the connection fd and goes back
 * to accept(). A SIGCHLD handler reaps the children that exit, with
 * `waitpid(0, NULL, WNOHANG)` in a loop, so none stays a zombie.
 *
 * Each process closes exactly the fds it does not use — once: after
 * fork() the numbers are shared, and closing one twice could close a
 * socket that has reused the number (F7). lsof shows the result: the
 * parent holds the listener (fd 3), each child one connection (fd 4).
 *
 *     npx tsx examples/fork-server.ts
 */
import { Network, ms, wrap, snapshot, lsof, formatSockAddr, SysError, type Process } from "sockstack";
import { showScreens } from "./terminal.js";
import { client } from "./iterative-server.js"; // seed 4's client.c

const dec = new TextDecoder();

async function printf(p: Process, line: string): Promise<void> {
  await p.write(1, line + "\n");
}

/** wait_child(): reaps every child that has exited; none left → waitpid fails with ECHILD, the loop ends. */
async function waitChild(p: Process): Promise<void> {
  try {
    for (let r = await p.waitpid(0, "WNOHANG"); r !== null; r = await p.waitpid(0, "WNOHANG")) {
      await printf(p, `reaped child ${r.pid}, status ${r.status}`);
    }
  } catch (e) {
    if (!(e instanceof SysError && e.code === "ECHILD")) throw e;
  }
}

/** The child: serve one client (toupper echo) until it closes. */
async function serve(c: Process, cfd: number): Promise<number> {
  const w = wrap(c);
  for (;;) {
    const buf = await w.Read(cfd, 1024);
    if (buf.length === 0) {
      await printf(c, "the other side has been closed.");
      break;
    }
    await printf(c, `received ${dec.decode(buf)}`);
    await w.Write(cfd, dec.decode(buf).toUpperCase());
  }
  await w.Close(cfd);
  return 0;
}

/** The parent: accept, fork, close the connection fd, repeat. */
export async function forkServer(p: Process, port: number): Promise<void> {
  const w = wrap(p);
  const lfd = w.Socket("AF_INET", "SOCK_STREAM", 0);
  w.Bind(lfd, ["0.0.0.0", port]);
  w.Listen(lfd, 128);
  p.signal("SIGCHLD", () => void waitChild(p));
  for (;;) {
    const { fd: cfd, addr } = await w.Accept(lfd);
    const pid = p.fork(async (c) => {
      await c.close(lfd); // the child does not accept
      return serve(c, cfd);
    });
    await printf(p, `accepted ${formatSockAddr(addr)} on fd ${cfd}, forked child ${pid}`);
    await w.Close(cfd); // the child has its own reference; the connection stays open
  }
}

/** Three clients at once; lsof while they are served; the children reaped as they finish. */
export async function main(print: (line: string) => void = console.log): Promise<void> {
  const net = new Network({ seed: 1 });
  const clientHost = net.addHost("client"), serverHost = net.addHost("server");
  net.link(clientHost, serverHost, { latency: ms(1) });
  const server = serverHost.spawn("server", (p) => forkServer(p, 9527), { daemon: true });
  const clients = {
    "client a": clientHost.spawn("a", (p) => client(p, ["one", "two", "three"], 100)),
    "client b": clientHost.spawn("b", (p) => client(p, ["uno"], 100)),
    "client c": clientHost.spawn("c", (p) => client(p, ["eins", "zwei"], 100)),
  };
  showScreens({ server }, print, { pids: true });
  showScreens(clients, print);
  await net.advance(ms(50));
  print("   50.0 ms  lsof -i -a -c server:");
  for (const line of lsof(snapshot(serverHost), ["-i", "-a", "-c", "server"]).trimEnd().split("\n")) print(`             ${line.trimEnd()}`);
  await net.run();
  print(`live processes on the server: ${snapshot(serverHost).processes.map((p) => `${p.name}[${p.pid}]`).join(" ")}`);
}

if (process.argv[1] === import.meta.filename) await main();
