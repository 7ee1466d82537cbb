// seeds: H10, F3, F2, C6, F5
/**
 * A TCP proxy as seed 3 ("TCP 何时关闭连接") says it must be written (H10, F3, C6):
 *
 * - it passes half-close through: read() = 0 on one side → shutdown(SHUT_WR)
 *   on the other, and keeps relaying the other direction;
 * - it closes only when both sides have read 0, or one side errors (then it
 *   hard-closes both with SO_LINGER 0, so the reset reaches the other peer);
 * - a pair with no data for `idleMs` is shut down (SHUT_WR both ways) and,
 *   `hardCloseMs` later, closed with SO_LINGER {1, 0} — a hard close that
 *   sends RST instead of leaving sockets in CLOSE-WAIT / FIN-WAIT-2.
 *
 * One thread per client connection runs a poll() loop over its two sockets.
 * {@link naiveProxy} is the common wrong version: close both on the first 0.
 *
 * The run, on client 10.0.1.1 — 10.0.1.254 proxy 10.0.2.254 — 10.0.2.1
 * server: seed 3's legitimate client (connect → send → shutdown(SHUT_WR)
 * → recv until 0) through this proxy and through the naive one; then a
 * server application that hangs, which this proxy hard-closes.
 *
 *     npx tsx examples/proxy.ts
 */
import { Network, ms, sec, POLLERR, POLLHUP, POLLIN, snapshot, ss, type Address, type Process } from "sockstack";

/** Proxy settings. */
export interface ProxyOptions {
  listen: Address;
  upstream: Address;
  /** Idle time after which a pair is shut down (ms). */
  idleMs?: number;
  /** Delay between that shutdown and the hard close (ms; the seed's 5 s delay task). */
  hardCloseMs?: number;
  /** Connections to serve before returning (default: forever). */
  connections?: number;
  /** Event log (`half-close c→s`, `error …`, `idle`, `hard close`, `closed`). */
  log?: string[];
}

const linger0 = (p: Process, fd: number) => p.setsockopt(fd, "SOL_SOCKET", "SO_LINGER", { l_onoff: 1, l_linger: 0 });

/** Runs the proxy in process `p`. */
export async function proxy(p: Process, o: ProxyOptions): Promise<void> {
  const log = o.log ?? [];
  const l = p.socket("AF_INET", "SOCK_STREAM");
  p.setsockopt(l, "SOL_SOCKET", "SO_REUSEADDR", 1);
  p.bind(l, o.listen);
  p.listen(l, 16);
  const threads = [];
  for (let i = 0; i < (o.connections ?? Infinity); i++) {
    const { fd: c } = await p.accept(l);
    const s = p.socket("AF_INET", "SOCK_STREAM");
    try {
      await p.connect(s, o.upstream);
    } catch (e) {
      log.push(`upstream: ${(e as Error).message}`);
      linger0(p, c);
      await p.close(c);
      await p.close(s);
      continue;
    }
    threads.push(p.thread(() => relay(p, c, s, o, log)));
  }
  for (const t of threads) await t.join();
  await p.close(l);
}

/** Relays one pair until both directions ended, an error, or the idle timeout. */
async function relay(p: Process, c: number, s: number, o: ProxyOptions, log: string[]): Promise<void> {
  const name = (fd: number) => (fd === c ? "c→s" : "s→c");
  const open = new Set([c, s]); // directions still open, named by their source fd
  const other = (fd: number) => (fd === c ? s : c);
  try {
    while (open.size) {
      const fds = [...open].map((fd) => ({ fd, events: POLLIN, revents: 0 }));
      const n = await p.poll(fds, o.idleMs ?? -1);
      if (n === 0) {
        log.push("idle");
        for (const fd of [c, s]) {
          try { p.shutdown(fd, "SHUT_WR"); } catch { /* already shut */ }
        }
        await p.poll([], o.hardCloseMs ?? 5000); // the delay task
        log.push("hard close");
        linger0(p, c);
        linger0(p, s);
        break;
      }
      for (const f of fds) {
        if (!(f.revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const d = await p.recv(f.fd, 65536);
        if (d.length === 0) {
          // Pass the FIN on: the peer on the other side reads 0, but may still answer (F2, F3).
          log.push(`half-close ${name(f.fd)}`);
          p.shutdown(other(f.fd), "SHUT_WR");
          open.delete(f.fd);
        } else {
          await p.sendall(other(f.fd), d);
        }
      }
    }
    if (!open.size) log.push("closed");
  } catch (e) {
    log.push(`error ${(e as Error).message}`);
    linger0(p, c);
    linger0(p, s);
  }
  await p.close(c);
  await p.close(s);
}

/** The wrong proxy: relays until either side reads 0 or fails, then closes both at once. */
export async function naiveProxy(p: Process, o: ProxyOptions): Promise<void> {
  const l = p.socket("AF_INET", "SOCK_STREAM");
  p.bind(l, o.listen);
  p.listen(l, 16);
  for (let i = 0; i < (o.connections ?? Infinity); i++) {
    const { fd: c } = await p.accept(l);
    const s = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(s, o.upstream);
    for (let done = false; !done;) {
      const fds = [{ fd: c, events: POLLIN, revents: 0 }, { fd: s, events: POLLIN, revents: 0 }];
      await p.poll(fds, -1);
      for (const f of fds) {
        if (done || !f.revents) continue;
        const d = await p.recv(f.fd, 65536).catch(() => new Uint8Array(0));
        if (d.length === 0) done = true;
        else await p.sendall(f.fd === c ? s : c, d);
      }
    }
    await p.close(c);
    await p.close(s);
  }
  await p.close(l);
}

// ---- the run ------------------------------------------------------------------

const dec = new TextDecoder();

async function readAll(p: Process, fd: number): Promise<string> {
  let s = "";
  for (let d = await p.recv(fd, 1024); d.length; d = await p.recv(fd, 1024)) s += dec.decode(d);
  return s;
}

/** client 10.0.1.1 — 10.0.1.254 proxy 10.0.2.254 — 10.0.2.1 server, 1 ms each way. */
export function topology() {
  const net = new Network({ seed: 5 });
  const client = net.addHost("client"), px = net.addHost("proxy"), server = net.addHost("server");
  net.link(client, px, { a: "10.0.1.1/24", b: "10.0.1.254/24", latency: ms(1) });
  net.link(px, server, { a: "10.0.2.254/24", b: "10.0.2.1/24", latency: ms(1) });
  return { net, client, px, server };
}

/** Server: reads the whole request (until EOF), then answers and closes. */
export async function halfCloseServer(p: Process, seen: string[]): Promise<void> {
  const l = p.socket("AF_INET", "SOCK_STREAM");
  p.bind(l, ["0.0.0.0", 9090]);
  p.listen(l, 4);
  const { fd } = await p.accept(l);
  const req = await readAll(p, fd);
  seen.push(req);
  try {
    await p.sendall(fd, `you said ${req}`);
  } catch (e) {
    seen.push((e as Error).message);
  }
  await p.close(fd);
}

/** The legitimate client of seed 3: connect → send → shutdown(SHUT_WR) → recv until 0. */
export async function halfCloseClient(p: Process, got: string[]): Promise<void> {
  const fd = p.socket("AF_INET", "SOCK_STREAM");
  await p.connect(fd, ["10.0.1.254", 8080]);
  await p.sendall(fd, "hello");
  p.shutdown(fd, "SHUT_WR");
  try {
    got.push(await readAll(p, fd));
  } catch (e) {
    got.push((e as Error).message);
  }
  await p.close(fd);
}

/** A server application that accepts, then hangs: never reads, answers or closes. */
export async function hungServer(p: Process): Promise<void> {
  const l = p.socket("AF_INET", "SOCK_STREAM");
  p.bind(l, ["0.0.0.0", 9090]);
  p.listen(l, 4);
  await p.accept(l);
  await p.poll([], 3_600_000);
}

/** The proxy's settings of the run. */
export const OPTS: ProxyOptions = { listen: ["0.0.0.0", 8080], upstream: ["10.0.2.1", 9090], connections: 1 };

/** The three runs. */
export async function main(print: (line: string) => void = console.log): Promise<void> {
  for (const naive of [false, true]) {
    const { net, client, px, server } = topology();
    const seen: string[] = [], got: string[] = [], log: string[] = [];
    server.spawn("server", (p) => halfCloseServer(p, seen));
    px.spawn("proxy", (p) => (naive ? naiveProxy(p, OPTS) : proxy(p, { ...OPTS, log })));
    client.spawn("client", (p) => halfCloseClient(p, got));
    await net.run({ until: sec(5) });
    print(naive ? "the naive proxy (close both on the first read() = 0):" : "this proxy, a half-closing client:");
    if (!naive) print(`  proxy: ${log.join(", ")}`);
    print(`  server read ${JSON.stringify(seen[0])}${seen[1] ? `, then its answer failed: ${seen[1]}` : ""}`);
    print(`  client got ${JSON.stringify(got[0])}`);
  }
  const { net, client, px, server } = topology();
  const log: string[] = [], got: string[] = [];
  let doneAt = 0;
  server.spawn("hung", hungServer, { daemon: true });
  px.spawn("proxy", (p) => proxy(p, { ...OPTS, log, idleMs: 30_000, hardCloseMs: 5000 }));
  client.spawn("client", async (p) => {
    await halfCloseClient(p, got);
    doneAt = net.now();
  });
  print("this proxy, a server that hangs (idle 30 s, hard close 5 s later):");
  await net.advance(sec(20));
  print(`  at 20 s, proxy: ${log.join(", ")}; server: ${ss(snapshot(server), "-tnH").trim().replace(/ +/g, " ")}`);
  await net.advance(sec(40));
  print(`  at 60 s, proxy: ${log.join(", ")}; the client read ${JSON.stringify(got[0])} and the end of the stream at ${doneAt / 1000} ms`);
  print(`  sockets left: proxy ${ss(snapshot(px), "-tanH state connected").trim() || "none"}, server ${ss(snapshot(server), "-tnH").trim() || "none"}`);
}

if (process.argv[1] === import.meta.filename) await main();
