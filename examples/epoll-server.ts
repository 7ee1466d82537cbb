// seeds: H4, E8, D7
/**
 * Seed 4's epoll server (the scalable model): one process, one thread, an
 * event loop. The listening socket and every connection are registered
 * with epoll; `epoll_wait` returns only the fds that are ready — O(ready),
 * not O(watched) as select and poll (select-poll-server.ts).
 *
 * Connections are edge-triggered (EPOLLET) and non-blocking, as seed 3
 * says they must be: an edge is reported once per arrival, so the loop
 * reads until read() fails with EAGAIN — with a 4-byte buffer here, to
 * show several reads per event. A blocking fd would hang in the read
 * after the last bytes instead of returning EAGAIN.
 *
 *     npx tsx examples/epoll-server.ts
 */
import { Network, ms, wrap, SysError, EPOLLIN, EPOLLET, O_NONBLOCK, type Process } from "sockstack";
import { showScreens } from "./terminal.js";
import { client } from "./iterative-server.js"; // seed 4's client.c

const dec = new TextDecoder();

async function printf(p: Process, line: string): Promise<void> {
  await p.write(1, line + "\n");
}

/** The event loop: accept on the listener's event, echo upper-cased on a connection's, until read() = 0. */
export async function epollServer(p: Process, port: number, bufSize = 4): Promise<void> {
  const w = wrap(p);
  const lfd = w.Socket("AF_INET", "SOCK_STREAM", 0);
  w.Bind(lfd, ["0.0.0.0", port]);
  w.Listen(lfd, 128);
  const epfd = p.epoll_create(1024);
  p.epoll_ctl(epfd, "EPOLL_CTL_ADD", lfd, { events: EPOLLIN });
  for (;;) {
    const events = await p.epoll_wait(epfd, 1024, -1);
    await printf(p, `epoll_wait: ${events.length} ready (fd ${events.map((e) => e.data).join(", ")})`);
    for (const { data: fd } of events) {
      if (fd === lfd) {
        const { fd: cfd } = await w.Accept(lfd);
        p.fcntl(cfd, "F_SETFL", p.fcntl(cfd, "F_GETFL") | O_NONBLOCK);
        p.epoll_ctl(epfd, "EPOLL_CTL_ADD", cfd, { events: EPOLLIN | EPOLLET });
        await printf(p, `  accepted fd ${cfd} (non-blocking, EPOLLIN|EPOLLET)`);
        continue;
      }
      for (;;) { // edge-triggered: drain until EAGAIN
        let buf: Uint8Array;
        try {
          buf = await p.read(fd, bufSize);
        } catch (e) {
          if (!(e instanceof SysError)) throw e;
          if (e.code === "EAGAIN") {
            await printf(p, `  fd ${fd}: read: EAGAIN, drained`);
            break;
          }
          buf = new Uint8Array(0); // ECONNRESET and the like: the connection is gone, as after read() = 0
          await printf(p, `  fd ${fd}: ${e.message}`);
        }
        if (buf.length === 0) {
          p.epoll_ctl(epfd, "EPOLL_CTL_DEL", fd, null); // before close, the fd number may be reused (F7)
          await w.Close(fd);
          await printf(p, `  fd ${fd}: closed`);
          break;
        }
        await printf(p, `  fd ${fd}: read "${dec.decode(buf)}"`);
        await w.Write(fd, dec.decode(buf).toUpperCase());
      }
    }
  }
}

/** Three clients at once against the one-thread server. */
export async function main(print: (line: string) => void = console.log): Promise<void> {
  const net = new Network({ seed: 1 });
  const clientHost = net.addHost("client"), serverHost = net.addHost("server");
  net.link(clientHost, serverHost, { latency: ms(1) });
  const server = serverHost.spawn("server", (p) => epollServer(p, 9527), { daemon: true });
  const a = clientHost.spawn("a", (p) => client(p, ["hello", "world"], 100));
  const b = clientHost.spawn("b", async (p) => {
    await p.poll([], 50);
    await client(p, ["epoll"], 0);
  });
  showScreens({ server, "client a": a, "client b": b }, print);
  await net.run();
}

if (process.argv[1] === import.meta.filename) await main();
