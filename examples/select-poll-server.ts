// seeds: E8, D7
/**
 * Seed 4's select and poll servers: one thread watches the listener and
 * every connection at once.
 *
 * - select: the fds to watch are bits of an fd_set (FD_SETSIZE = 1024,
 *   so no fd above 1023); the first argument is the highest fd + 1 (seed
 *   3: the kernel scans fds 0 … nfds−1); select overwrites the set, so the
 *   loop copies `allset` before each call; the kernel and the loop both
 *   walk every fd up to maxfd — O(n).
 * - poll: an array of { fd, events, revents } — no fd limit, no +1, still
 *   O(n): every entry is looked at on each call.
 *
 * epoll-server.ts is the O(ready) version.
 *
 *     npx tsx examples/select-poll-server.ts          # select
 *     npx tsx examples/select-poll-server.ts --poll   # poll
 */
import { Network, ms, wrap, FdSet, POLLIN, type PollFd, type Process } from "sockstack";
import { showScreens } from "./terminal.js";
import { client } from "./iterative-server.js"; // seed 4's client.c

const dec = new TextDecoder();

async function printf(p: Process, line: string): Promise<void> {
  await p.write(1, line + "\n");
}

/** Reads what `fd` has and echoes it upper-cased; false when the client has closed (the caller forgets the fd). */
async function serveOnce(p: Process, fd: number): Promise<boolean> {
  const w = wrap(p);
  const buf = await w.Read(fd, 1024);
  if (buf.length === 0) {
    await w.Close(fd);
    await printf(p, `  fd ${fd}: closed by the client`);
    return false;
  }
  await printf(p, `  fd ${fd}: "${dec.decode(buf)}"`);
  await w.Write(fd, dec.decode(buf).toUpperCase());
  return true;
}

function listenOn(p: Process, port: number): number {
  const w = wrap(p);
  const lfd = w.Socket("AF_INET", "SOCK_STREAM", 0);
  w.Bind(lfd, ["0.0.0.0", port]);
  w.Listen(lfd, 128);
  return lfd;
}

/** The select loop: allset holds the watched fds, maxfd the highest. */
export async function selectServer(p: Process, port: number): Promise<void> {
  const lfd = listenOn(p, port);
  const allset = new FdSet();
  allset.set(lfd);
  let maxfd = lfd;
  for (;;) {
    const rset = allset.copy(); // select overwrites its argument
    let nready = await p.select(maxfd + 1, rset, null, null, null);
    await printf(p, `select(nfds = ${maxfd + 1}) = ${nready}`);
    if (rset.isSet(lfd)) {
      const { fd: cfd } = await wrap(p).Accept(lfd);
      allset.set(cfd);
      if (cfd > maxfd) maxfd = cfd;
      await printf(p, `  accepted fd ${cfd}`);
      if (--nready === 0) continue;
    }
    for (let fd = lfd + 1; fd <= maxfd; fd++) { // O(n): every fd up to maxfd
      if (!rset.isSet(fd)) continue;
      if (!(await serveOnce(p, fd))) allset.clear(fd);
      if (--nready === 0) break;
    }
  }
}

/** The poll loop: an array of pollfd entries; a closed connection's entry gets fd −1 (poll skips it). */
export async function pollServer(p: Process, port: number): Promise<void> {
  const lfd = listenOn(p, port);
  const fds: PollFd[] = [{ fd: lfd, events: POLLIN, revents: 0 }];
  for (;;) {
    let nready = await p.poll(fds, -1);
    await printf(p, `poll(${fds.filter((f) => f.fd >= 0).length} fds) = ${nready}`);
    if (fds[0]!.revents! & POLLIN) {
      const { fd: cfd } = await wrap(p).Accept(lfd);
      const free = fds.find((f) => f.fd < 0);
      if (free) free.fd = cfd;
      else fds.push({ fd: cfd, events: POLLIN, revents: 0 });
      await printf(p, `  accepted fd ${cfd}`);
      if (--nready === 0) continue;
    }
    for (const f of fds.slice(1)) { // O(n): every entry
      if (f.fd < 0 || !f.revents) continue;
      if (!(await serveOnce(p, f.fd))) f.fd = -1;
      if (--nready === 0) break;
    }
  }
}

/** Three clients, two at the same instant, against the select (or poll) server. */
export async function main(print: (line: string) => void = console.log, model: "select" | "poll" = "select"): Promise<void> {
  const net = new Network({ seed: 1 });
  const clientHost = net.addHost("client"), serverHost = net.addHost("server");
  net.link(clientHost, serverHost, { latency: ms(1) });
  const server = serverHost.spawn("server", (p) => (model === "select" ? selectServer(p, 9527) : pollServer(p, 9527)), { daemon: true });
  const a = clientHost.spawn("a", (p) => client(p, ["one", "two"], 100));
  const b = clientHost.spawn("b", (p) => client(p, ["uno", "dos"], 100));
  const c = clientHost.spawn("c", async (p) => {
    await p.poll([], 300); // after a and b have gone: the server gives it the lowest free fd, 4; select still scans up to maxfd
    await client(p, ["drei"], 0);
  });
  showScreens({ server, "client a": a, "client b": b, "client c": c }, print);
  await net.run();
}

if (process.argv[1] === import.meta.filename) await main(console.log, process.argv.includes("--poll") ? "poll" : "select");
