/**
 * Scenarios that froze the simulator (issue 11, "Freezes"): each one made a
 * blocking or retrying call spin — virtual time stopped and `net.run()`
 * never returned. freeze.test.ts runs them in a worker under a watchdog
 * (test/helpers/bounded.ts) and checks their results against Linux's
 * behaviour. Every scenario also bounds virtual time, so a call blocked
 * forever ends the run too. Results are plain data (structured-cloned).
 */
import { Network } from "../../src/sim/network.js";
import { ms, sec } from "../../src/core/time.js";
import { SysError } from "../../src/core/sys-error.js";
import type { Host } from "../../src/host/host.js";
import type { Process } from "../../src/sys/process.js";
import { POLLIN, POLLOUT, POLLPRI } from "../../src/core/poll-events.js";
import { FdSet, type PollFd } from "../../src/sys/select-poll.js";

const text = (d: Uint8Array): string => new TextDecoder().decode(d);

function twoHosts(): { net: Network; client: Host; server: Host } {
  const net = new Network({ seed: 1 });
  const client = net.addHost("client"), server = net.addHost("server");
  net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(1) });
  return { net, client, server };
}

/** errno name of a failed call, or "ok:<value>". */
async function outcome<T>(f: () => Promise<T> | T): Promise<string> {
  try {
    const v = await f();
    return `ok:${v instanceof Uint8Array ? text(v) : String(v)}`;
  } catch (e) {
    if (e instanceof SysError) return e.code;
    throw e;
  }
}

/** Runs the network until `done()` or `limit` of virtual time; returns whether it finished. */
async function runBounded(net: Network, done: () => boolean, limit = sec(30)): Promise<boolean> {
  return net.runUntil(done, { timeout: limit });
}

function listen(p: Process, port: number): number {
  const lfd = p.socket("AF_INET", "SOCK_STREAM");
  p.setsockopt(lfd, "SOL_SOCKET", "SO_REUSEADDR", 1);
  p.bind(lfd, ["0.0.0.0", port]);
  p.listen(lfd, 8);
  return lfd;
}

/**
 * Item 1: one urgent byte, then in-band data 100 ms later. The receiver's
 * blocking recv must sleep until the in-band data (Linux), not spin on
 * POLLPRI; reading past the mark drops the urgent byte (recv(MSG_OOB) EINVAL).
 */
export async function urgentByteThenBlockingRecv(): Promise<unknown> {
  const { net, client, server } = twoHosts();
  const r: Record<string, unknown> = {};
  server.spawn("srv", async (p) => {
    const lfd = listen(p, 9000);
    const { fd } = await p.accept(lfd);
    await net.sleep(ms(20)); // the urgent byte is there: POLLPRI set, nothing in-band
    const fds: PollFd[] = [{ fd, events: POLLIN | POLLPRI }];
    await p.poll(fds, 0);
    r.reventsBefore = fds[0]!.revents;
    r.data = text(await p.recv(fd, 10));
    r.at = net.now();
    // The read went past the urgent mark: Linux 6.18 forgot the byte (urg_data cleared), recv(MSG_OOB) is EINVAL.
    r.oob = await p.recv(fd, 1, "MSG_OOB").then(text, (e: Error) => e.message);
    r.done = true;
  });
  client.spawn("cli", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 9000]);
    await p.send(fd, "x", "MSG_OOB");
    await net.sleep(ms(100));
    await p.send(fd, "abc");
    await net.sleep(ms(50));
    await p.close(fd);
  });
  r.finished = await runBounded(net, () => r.done === true);
  return r;
}

/**
 * Item 2: connect_ex → ECONNREFUSED, again → ECONNREFUSED (a new SYN each
 * time), and once the server listens the same socket connects. Also the
 * socket's state between attempts (poll, recv, send), as on Linux 6.x.
 */
export async function connectRetryAfterRefused(): Promise<unknown> {
  const { net, client, server } = twoHosts();
  const r: Record<string, unknown> = { tries: [] as number[] };
  server.spawn("late", async (p) => {
    await net.sleep(ms(100));
    const lfd = listen(p, 9001);
    const { fd } = await p.accept(lfd);
    r.served = text(await p.recv(fd, 10));
  });
  client.spawn("cli", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    const tries = r.tries as number[];
    tries.push(await p.connect_ex(fd, ["10.0.0.2", 9001]));
    const fds: PollFd[] = [{ fd, events: POLLIN | POLLOUT }];
    await p.poll(fds, 0);
    r.pollAfter = fds[0]!.revents;
    r.recvAfter = await outcome(() => p.recv(fd, 10));
    r.sendAfter = await outcome(() => p.send(fd, "z"));
    r.soError = p.getsockopt(fd, "SOL_SOCKET", "SO_ERROR");
    for (;;) {
      const e = await p.connect_ex(fd, ["10.0.0.2", 9001]);
      tries.push(e);
      if (e === 0 || tries.length > 20) break;
      await net.sleep(ms(30));
    }
    await p.send(fd, "hi");
    r.done = true;
  });
  r.finished = await runBounded(net, () => r.done === true && r.served !== undefined);
  return r;
}

/** Item 2, a refusal from the host itself (loopback): the retry loop connects once the server is up. */
export async function connectRetryLocal(): Promise<unknown> {
  const { net, server } = twoHosts();
  const r: Record<string, unknown> = { tries: [] as number[] };
  server.spawn("late", async (p) => {
    await net.sleep(ms(50));
    const lfd = listen(p, 9002);
    await p.accept(lfd);
  });
  server.spawn("cli", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    const tries = r.tries as number[];
    for (;;) {
      const e = await p.connect_ex(fd, ["127.0.0.1", 9002]);
      tries.push(e);
      if (e === 0 || tries.length > 20) break;
      await net.sleep(ms(20));
    }
    r.done = true;
  });
  r.finished = await runBounded(net, () => r.done === true);
  return r;
}

/**
 * Item 2, non-blocking: EINPROGRESS, the refusal seen by poll, then
 * connect_ex reports it (ECONNREFUSED) and disconnects; the next one starts
 * a new attempt (EINPROGRESS). With the error already taken by SO_ERROR,
 * Linux's connect gives ECONNABORTED.
 */
export async function connectNonblockingRefused(): Promise<unknown> {
  const { net, client } = twoHosts();
  const r: Record<string, unknown> = { seq: [] as string[] };
  client.spawn("cli", async (p) => {
    const seq = r.seq as string[];
    const fd = p.socket("AF_INET", "SOCK_STREAM|SOCK_NONBLOCK");
    const dst: [string, number] = ["10.0.0.2", 9003];
    const fds: PollFd[] = [{ fd, events: POLLOUT }];
    const name = (e: number): string => (e === 0 ? "0" : e === 115 ? "EINPROGRESS" : e === 111 ? "ECONNREFUSED" : e === 103 ? "ECONNABORTED" : String(e));
    seq.push(name(await p.connect_ex(fd, dst)));
    await p.poll(fds, 1000);
    r.pollRefused = fds[0]!.revents;
    seq.push(name(await p.connect_ex(fd, dst)));
    await p.poll(fds, 0);
    r.pollDisconnected = fds[0]!.revents;
    seq.push(name(await p.connect_ex(fd, dst)));
    await p.poll(fds, 1000);
    r.soError = p.getsockopt(fd, "SOL_SOCKET", "SO_ERROR");
    seq.push(name(await p.connect_ex(fd, dst)));
    seq.push(name(await p.connect_ex(fd, dst)));
    r.done = true;
  });
  r.finished = await runBounded(net, () => r.done === true);
  return r;
}

/** Item 3: AF_UNIX stream recv short of MSG_WAITALL / SO_RCVLOWAT, blocking and not. */
export async function unixWaitallShort(): Promise<unknown> {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  const r: Record<string, unknown> = {};
  h.spawn("pair", async (p) => {
    const [a, b] = p.socketpair("AF_UNIX", "SOCK_STREAM");
    await p.send(a, "abc");
    r.nbWaitall = await outcome(() => p.recv(b, 6, "MSG_WAITALL|MSG_DONTWAIT"));
    await p.send(a, "abc");
    p.setsockopt(b, "SOL_SOCKET", "SO_RCVLOWAT", 5);
    r.nbLowat = await outcome(() => p.recv(b, 6, "MSG_DONTWAIT"));
    const writer = p.thread(async () => {
      await net.sleep(ms(10));
      await p.send(a, "de");
      await net.sleep(ms(10));
      await p.send(a, "fgh");
      await net.sleep(ms(10));
      await p.send(a, "XY");
      await net.sleep(ms(10));
      await p.close(a);
    });
    await p.send(a, "abc");
    r.lowat = text(await p.recv(b, 10)); // SO_RCVLOWAT 5 with 3 queued: waits for "de"
    r.lowatAt = net.now();
    p.setsockopt(b, "SOL_SOCKET", "SO_RCVLOWAT", 1);
    r.peekWaitall = text(await p.recv(b, 10, "MSG_PEEK|MSG_WAITALL")); // nothing queued: waits for the first byte only
    r.waitall = text(await p.recv(b, 5, "MSG_WAITALL")); // "fgh" then "XY"
    r.waitallAt = net.now();
    r.eof = await outcome(() => p.recv(b, 5, "MSG_WAITALL"));
    await writer.join();
    r.done = true;
  });
  r.finished = await runBounded(net, () => r.done === true);
  return r;
}

/** Item 3: a length that is not a non-negative integer is EINVAL, for every socket type (no NaN loop). */
export async function recvBadLength(): Promise<unknown> {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  const r: Record<string, unknown> = {};
  h.spawn("pair", async (p) => {
    const [a, b] = p.socketpair("AF_UNIX", "SOCK_STREAM");
    await p.send(a, "abc");
    const bad = p as unknown as { recv(fd: number, n: unknown, f?: unknown): Promise<Uint8Array> };
    r.unixUndefined = await outcome(() => bad.recv(b, undefined, "MSG_DONTWAIT"));
    r.unixNaN = await outcome(() => bad.recv(b, NaN));
    r.unixFraction = await outcome(() => bad.recv(b, 1.5));
    r.unixNegative = await outcome(() => bad.recv(b, -1));
    r.unixString = await outcome(() => bad.recv(b, "3"));
    const [c, d] = p.socketpair("AF_UNIX", "SOCK_DGRAM");
    await p.send(c, "x");
    r.dgramUndefined = await outcome(() => bad.recv(d, undefined, "MSG_DONTWAIT"));
    const u = p.socket("AF_INET", "SOCK_DGRAM");
    r.udpUndefined = await outcome(() => bad.recv(u, undefined, "MSG_DONTWAIT"));
    r.readUndefined = await outcome(() => (p as unknown as { read(fd: number, n: unknown): Promise<Uint8Array> }).read(b, undefined));
    r.stillThere = text(await p.recv(b, 10));
    r.done = true;
  });
  r.finished = await runBounded(net, () => r.done === true);
  return r;
}

/** Item 4: recvExactly(fd, huge, MSG_PEEK) on a datagram socket peeks once (it used to re-read the datagram forever). */
export async function recvExactlyPeekDatagram(): Promise<unknown> {
  const { net, client, server } = twoHosts();
  const r: Record<string, unknown> = {};
  server.spawn("udp", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(fd, ["0.0.0.0", 9004]);
    r.peeked = text(await p.recvExactly(fd, 1_000_000_000, "MSG_PEEK"));
    r.read = text(await p.recv(fd, 100));
    const [a, b] = p.socketpair("AF_UNIX", "SOCK_DGRAM");
    await p.send(a, "unix");
    r.unixPeeked = text(await p.recvExactly(b, 1 << 30, "MSG_PEEK"));
    r.done = true;
  });
  client.spawn("cli", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    await p.sendto(fd, "hello", 0, ["10.0.0.2", 9004]);
  });
  r.finished = await runBounded(net, () => r.done === true);
  return r;
}

/** Item 4 on streams: recvExactly with MSG_PEEK is recv(MSG_PEEK|MSG_WAITALL): TCP waits for all n bytes (Linux). */
export async function recvExactlyPeekStream(): Promise<unknown> {
  const { net, client, server } = twoHosts();
  const r: Record<string, unknown> = {};
  server.spawn("srv", async (p) => {
    const lfd = listen(p, 9005);
    const { fd } = await p.accept(lfd);
    r.peeked = text(await p.recvExactly(fd, 4, "MSG_PEEK"));
    r.peekAt = net.now();
    r.read = text(await p.recvExactly(fd, 4));
    r.peekEof = text(await p.recvExactly(fd, 4, "MSG_PEEK")); // the peer sent "ef" and closed
    const [a, b] = p.socketpair("AF_UNIX", "SOCK_STREAM");
    await p.send(a, "uv");
    r.unixPeeked = text(await p.recvExactly(b, 4, "MSG_PEEK")); // Linux stops a unix peek at the end of the queue
    r.done = true;
  });
  client.spawn("cli", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 9005]);
    await p.send(fd, "ab");
    await net.sleep(ms(50));
    await p.send(fd, "cd");
    await net.sleep(ms(50));
    await p.send(fd, "ef");
    await p.close(fd);
  });
  r.finished = await runBounded(net, () => r.done === true);
  return r;
}

/** AF_UNIX listener after shutdown(SHUT_RD): accept is EINVAL (Linux), also for one already blocked. */
export async function unixAcceptAfterShutdown(): Promise<unknown> {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  const r: Record<string, unknown> = {};
  h.spawn("srv", async (p) => {
    const l = p.socket("AF_UNIX", "SOCK_STREAM");
    p.bind(l, "/tmp/l.sock");
    p.listen(l, 4);
    const t = p.thread(async () => outcome(() => p.accept(l)));
    await net.sleep(ms(10));
    p.shutdown(l, "SHUT_RD");
    r.blocked = await t.join();
    r.after = await outcome(() => p.accept(l));
    r.done = true;
  });
  r.finished = await runBounded(net, () => r.done === true);
  return r;
}

/** Item 7: select with a zero timeout returns at once, in every form (0, {0,0}); poll/epoll with 0 as well. */
export async function zeroTimeouts(): Promise<unknown> {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  const r: Record<string, unknown> = {};
  h.spawn("p", async (p) => {
    const [a] = p.socketpair("AF_UNIX", "SOCK_STREAM");
    const t0 = net.now();
    r.selectZero = await p.select(a + 1, FdSet.of(a), null, null, 0);
    r.selectTimeval = await p.select(a + 1, FdSet.of(a), null, null, { tv_sec: 0, tv_usec: 0 });
    r.selectLists = await p.selectLists([a], [], [], 0);
    r.poll = await p.poll([{ fd: a, events: POLLIN }], 0);
    const ep = p.epoll_create1();
    p.epoll_ctl(ep, "EPOLL_CTL_ADD", a, { events: "EPOLLIN" });
    r.epoll = (await p.epoll_wait(ep, 4, 0)).length;
    r.elapsed = net.now() - t0;
    r.done = true;
  });
  r.finished = await runBounded(net, () => r.done === true);
  return r;
}

/** Item 6: poll with event names matches them (it used to match nothing and wait forever). */
export async function pollEventNames(): Promise<unknown> {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  const r: Record<string, unknown> = {};
  h.spawn("p", async (p) => {
    const [a, b] = p.socketpair("AF_UNIX", "SOCK_STREAM");
    await p.send(b, "x");
    const fds: PollFd[] = [
      { fd: a, events: "POLLIN" },
      { fd: a, events: "POLLIN|POLLOUT" },
      { fd: a, events: ["POLLIN", "POLLOUT"] },
    ];
    r.n = await p.poll(fds, 1000);
    r.revents = fds.map((f) => f.revents);
    r.bad = await outcome(() => p.poll([{ fd: a, events: "POLLIN|POLLINN" }], -1));
    r.badMessage = await p.poll([{ fd: a, events: "POLLIN|POLLINN" }], -1).catch((e: Error) => e.message);
    r.done = true;
  });
  r.finished = await runBounded(net, () => r.done === true);
  return r;
}

/**
 * MSG_WAITALL for more than the receive buffer holds: Linux copies as data
 * arrives, so the window reopens and the read completes. Waiting for the
 * whole length to be queued first would block forever (TCP: zero window;
 * AF_UNIX: the writer blocked on a full queue).
 */
export async function waitallBeyondBuffers(): Promise<unknown> {
  const { net, client, server } = twoHosts();
  const r: Record<string, unknown> = {};
  const N = 1 << 20;
  server.spawn("srv", async (p) => {
    const lfd = listen(p, 9006);
    const { fd } = await p.accept(lfd);
    p.setsockopt(fd, "SOL_SOCKET", "SO_RCVBUF", 8192);
    const d = await p.recv(fd, N, "MSG_WAITALL");
    r.tcp = d.length;
    r.tcpOk = d.every((b, i) => b === (i & 0xff));
    const [a, b] = p.socketpair("AF_UNIX", "SOCK_STREAM");
    p.setsockopt(a, "SOL_SOCKET", "SO_SNDBUF", 4096);
    const w = p.thread(() => p.sendall(a, new Uint8Array(N).fill(7)));
    r.unix = (await p.recv(b, N, "MSG_WAITALL")).length;
    await w.join();
    r.done = true;
  });
  client.spawn("cli", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 9006]);
    const buf = new Uint8Array(N);
    for (let i = 0; i < N; i++) buf[i] = i & 0xff;
    await p.sendall(fd, buf);
    await p.close(fd);
  });
  r.finished = await runBounded(net, () => r.done === true, sec(120));
  return r;
}

/** recvLine over a datagram socket whose next datagram is empty: the empty one is taken (a loop over recvLine used to see "" forever). */
export async function recvLineEmptyDatagram(): Promise<unknown> {
  const { net, client, server } = twoHosts();
  const r: Record<string, unknown> = { lines: [] as string[] };
  server.spawn("udp", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(fd, ["0.0.0.0", 9007]);
    const lines = r.lines as string[];
    while (lines.length < 3) lines.push(await p.recvLine(fd));
    r.done = true;
  });
  client.spawn("cli", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    await p.sendto(fd, "", 0, ["10.0.0.2", 9007]);
    await p.sendto(fd, "a\n", 0, ["10.0.0.2", 9007]);
    await p.sendto(fd, "b\n", 0, ["10.0.0.2", 9007]);
  });
  r.finished = await runBounded(net, () => r.done === true);
  return r;
}

/** All 65535 ICMP echo identifiers in use: the next ping endpoint gets EAGAIN (the search used to loop forever). */
export async function echoIdsExhausted(): Promise<unknown> {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  for (let i = 0; i < 0xffff; i++) h.icmp.openEcho({ reply: () => {}, error: () => {} });
  try {
    h.icmp.openEcho({ reply: () => {}, error: () => {} });
    return "no error";
  } catch (e) {
    return e instanceof SysError ? e.message : String(e);
  }
}

/** epoll_ctl events by name: EPOLL* names only; an unknown one (or a name of another kind) is EINVAL naming it. */
export async function epollEventNames(): Promise<unknown> {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  const r: Record<string, unknown> = {};
  h.spawn("p", async (p) => {
    const [a, b] = p.socketpair("AF_UNIX", "SOCK_STREAM");
    const ep = p.epoll_create1();
    p.epoll_ctl(ep, "EPOLL_CTL_ADD", a, { events: "EPOLLIN|EPOLLET" });
    p.epoll_ctl(ep, "EPOLL_CTL_ADD", b, { events: ["EPOLLIN", "EPOLLOUT"] });
    const msg = (f: () => void): string => {
      try {
        f();
        return "ok";
      } catch (e) {
        return (e as Error).message;
      }
    };
    // @ts-expect-error a misspelt name: the types catch it too
    r.typo = msg(() => p.epoll_ctl(ep, "EPOLL_CTL_MOD", a, { events: "EPOLLIN|EPOLLETT" }));
    // @ts-expect-error a name of another call
    r.otherKind = msg(() => p.epoll_ctl(ep, "EPOLL_CTL_MOD", a, { events: "MSG_PEEK" }));
    await p.send(b, "x");
    r.events = (await p.epoll_wait(ep, 4, 0)).map((e) => [e.data, e.events]);
    r.done = true;
  });
  r.finished = await runBounded(net, () => r.done === true);
  return r;
}

/**
 * One SO_RCVTIMEO covers the whole call: a wake-up that does not let the
 * call proceed (here the close of the datagram peer, which wakes its
 * writers) does not restart the timeout. Linux: EAGAIN after 100 ms.
 */
export async function rcvtimeoOnePerCall(): Promise<unknown> {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  const r: Record<string, unknown> = {};
  h.spawn("p", async (p) => {
    const a = p.socket("AF_UNIX", "SOCK_DGRAM");
    const b = p.socket("AF_UNIX", "SOCK_DGRAM");
    p.bind(b, "/tmp/b.sock");
    await p.connect(a, "/tmp/b.sock");
    p.setsockopt(a, "SOL_SOCKET", "SO_RCVTIMEO", { tv_sec: 0, tv_usec: 100_000 });
    const closer = p.thread(async () => {
      await net.sleep(ms(60));
      await p.close(b);
    });
    r.result = await outcome(() => p.recv(a, 10));
    r.at = net.now();
    await closer.join();
    r.done = true;
  });
  r.finished = await runBounded(net, () => r.done === true);
  return r;
}
