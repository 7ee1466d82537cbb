/**
 * The server models of the seeds (H1–H4) and the process/thread/multiplexing
 * semantics under them (E2, E3, E5, E6, E8, C1, C2, D7, F4, F7), on a
 * two-host network with virtual time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";
import { ms, sec } from "../../src/core/time.js";
import { SysError } from "../../src/core/sys-error.js";
import type { Host } from "../../src/host/host.js";
import type { Process } from "../../src/sys/process.js";
import { EPOLLET, EPOLLEXCLUSIVE, EPOLLIN, EPOLLONESHOT } from "../../src/sys/epoll.js";
import { FdSet } from "../../src/sys/select-poll.js";
import { ex, perror, wrap } from "../../src/sys/wrappers.js";
import { htonl, htons, inet_ntop, inet_pton, ntohs, INADDR_ANY, INADDR_LOOPBACK } from "../../src/sys/inet.js";
import { TcpState } from "../../src/tcp/tcp-state.js";
import { connectTo } from "../helpers/vocabulary.js";

const text = (d: Uint8Array) => new TextDecoder().decode(d);

function twoHosts(seed = 1): { net: Network; client: Host; server: Host } {
  const net = new Network({ seed });
  const client = net.addHost("client"), server = net.addHost("server");
  net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(1) });
  return { net, client, server };
}

function listenOn(p: Process, port: number, backlog = 16): number {
  const lfd = p.socket("AF_INET", "SOCK_STREAM");
  p.setsockopt(lfd, "SOL_SOCKET", "SO_REUSEADDR", 1);
  p.bind(lfd, ["0.0.0.0", port]);
  p.listen(lfd, backlog);
  return lfd;
}

/** n clients that each send `msg-i`, read the echo, close. */
function clients(net: Network, client: Host, port: number, n: number, got: string[], gap = 0): void {
  for (let i = 0; i < n; i++) {
    client.spawn(`c${i}`, async (p) => {
      if (gap) await net.sleep(gap * i);
      const fd = await connectTo(p, "10.0.0.2", port);
      await p.sendall(fd, `msg-${i}`);
      got.push(text(await p.recvExactly(fd, `msg-${i}`.length)));
      await p.close(fd);
    });
  }
}

test("H1 iterative server: one client at a time; E6 checked calls", async () => {
  const { net, client, server } = twoHosts();
  const got: string[] = [];
  server.spawn("iter", async (p) => {
    const w = wrap(p);
    const lfd = w.Socket("AF_INET", "SOCK_STREAM", 0);
    w.Bind(lfd, ["0.0.0.0", 7000]);
    w.Listen(lfd, 8);
    for (let i = 0; i < 3; i++) {
      const { fd } = await w.Accept(lfd);
      const line = await w.Readn(fd, 5);
      await w.Writen(fd, line);
      await w.Close(fd);
    }
  });
  clients(net, client, 7000, 3, got);
  await net.run();
  assert.deepEqual(got.sort(), ["msg-0", "msg-1", "msg-2"]);
});

test("E6: a checked call prints perror's line on stderr and exits 1, as wrap.c's perr_exit; the other programs run on", async () => {
  const { net, client, server } = twoHosts();
  const first = server.spawn("first", async (p) => {
    const lfd = listenOn(p, 7001);
    const { fd } = await p.accept(lfd);
    await p.send(fd, "still serving");
  }, { daemon: true });
  let after = false;
  const second = server.spawn("second", (p) => {
    const w = wrap(p);
    const fd = w.Socket("AF_INET", "SOCK_STREAM");
    w.Bind(fd, ["0.0.0.0", 7001]);
    after = true; // never reached: Bind exited the process
  });
  let got = "";
  client.spawn("client", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 7001);
    got = text(await p.recv(fd, 100));
  });
  const r = await net.run();
  assert.equal(second.tty.output, "bind: Address already in use\n");
  assert.equal(second.exitCode, 1);
  assert.equal(after, false);
  assert.deepEqual(r.failed, [{ host: "server", name: "second", pid: second.pid, code: 1 }]);
  assert.equal((await second.exited).code, 1);
  assert.equal(got, "still serving", "the server on the same host was not disturbed");
  assert.equal(first.exitCode, 0);
  assert.equal(perror(new SysError("ECONNREFUSED", "connect")), "connect: Connection refused");
});

test("E6: a blocking wrapped call that fails exits too (Connect → connect: Connection refused, status 1)", async () => {
  const { net, client } = twoHosts();
  let after = false;
  const c = client.spawn("client", async (p) => {
    const w = wrap(p);
    const fd = w.Socket("AF_INET", "SOCK_STREAM");
    await w.Connect(fd, ["10.0.0.2", 7999]);
    after = true;
  });
  await net.run();
  assert.equal(c.tty.output, "connect: Connection refused\n");
  assert.equal(c.exitCode, 1);
  assert.equal(after, false);
  assert.deepEqual(c.process.fds, [], "exit(1) closed every fd");
});

test("H2 thread per connection: a thread blocked in recv does not block the others", async () => {
  const { net, client, server } = twoHosts();
  const got: string[] = [];
  const order: string[] = [];
  server.spawn("bio", async (p) => {
    const lfd = listenOn(p, 7002);
    for (let i = 0; i < 3; i++) {
      const { fd } = await p.accept(lfd);
      p.thread(async () => {
        const d = await p.recv(fd, 100);
        order.push(text(d));
        await p.sendall(fd, d);
        await p.close(fd);
      });
    }
    assert.equal(p.threads.length, 3);
    for (const t of p.threads) await t.join();
  });
  // Client 0 connects first but sends last: threads 1 and 2 must be served meanwhile.
  client.spawn("slow", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 7002);
    await net.sleep(ms(500));
    await p.send(fd, "slow");
    got.push(text(await p.recv(fd, 10)));
  });
  for (const m of ["a", "b"]) {
    client.spawn(m, async (p) => {
      await net.sleep(ms(10));
      const fd = await connectTo(p, "10.0.0.2", 7002);
      await p.send(fd, m);
      got.push(text(await p.recv(fd, 10)));
    });
  }
  await net.run();
  assert.deepEqual(order, ["a", "b", "slow"]);
  assert.deepEqual(got.sort(), ["a", "b", "slow"]);
});

test("H3 fork server: children serve, parent reaps; shared sockets close with their last fd", async () => {
  const { net, client, server } = twoHosts();
  const got: string[] = [];
  const reaped: number[] = [];
  let parentPid = 0;
  server.spawn("forker", async (p) => {
    parentPid = p.pid;
    p.signal("SIGCHLD", () => {
      void (async () => {
        for (;;) {
          const r = await p.waitpid(-1, 1 /* WNOHANG */).catch(() => null);
          if (!r) break;
          reaped.push(r.status);
        }
      })();
    });
    const lfd = listenOn(p, 7003);
    for (let i = 0; i < 2; i++) {
      const { fd: cfd } = await p.accept(lfd);
      p.fork(async (c) => {
        assert.equal(c.ppid, p.pid);
        await c.close(lfd); // the child closes the listening fd…
        const d = await c.recv(cfd, 100);
        await c.sendall(cfd, d);
        await c.close(cfd);
        return 7;
      });
      await p.close(cfd); // …and the parent the connection fd
    }
    await net.sleep(sec(1));
  });
  clients(net, client, 7003, 2, got, ms(5));
  await net.run();
  assert.deepEqual(got.sort(), ["msg-0", "msg-1"]);
  assert.deepEqual(reaped, [7, 7]);
  assert.ok(parentPid > 0);
});

test("H3 the classic fork-server bug: the parent keeps cfd, the client never sees EOF", async () => {
  const { net, client, server } = twoHosts();
  let eofAt = -1;
  server.spawn("buggy", async (p) => {
    const lfd = listenOn(p, 7004);
    const { fd: cfd } = await p.accept(lfd);
    const pid = p.fork(async (c) => {
      await c.close(lfd);
      await c.sendall(cfd, "bye");
      await c.close(cfd); // the child is done — but the parent still holds cfd
    });
    const r = await p.wait();
    assert.equal(r.pid, pid);
    await net.sleep(sec(5));
    await p.close(cfd); // only now does the connection close (FIN)
  });
  client.spawn("c", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 7004);
    assert.equal(text(await p.recv(fd, 10)), "bye");
    assert.equal((await p.recv(fd, 10)).length, 0);
    eofAt = net.now();
  });
  await net.run();
  assert.ok(eofAt > sec(5), `EOF only after the parent's close (${eofAt})`);
});

test("H4 epoll event loop (level-triggered) serves many clients", async () => {
  const { net, client, server } = twoHosts();
  const got: string[] = [];
  server.spawn("epoll", async (p) => {
    const lfd = listenOn(p, 7005);
    const ep = p.epoll_create1(0);
    p.epoll_ctl(ep, "EPOLL_CTL_ADD", lfd, { events: EPOLLIN });
    let served = 0;
    while (served < 5) {
      for (const ev of await p.epoll_wait(ep, 64, -1)) {
        if (ev.data === lfd) {
          const { fd } = await p.accept4(lfd, 0o4000 /* SOCK_NONBLOCK */);
          p.epoll_ctl(ep, "EPOLL_CTL_ADD", fd, { events: "EPOLLIN|EPOLLRDHUP" });
        } else {
          const d = await p.recv(ev.data, 100);
          if (d.length === 0) {
            p.epoll_ctl(ep, "EPOLL_CTL_DEL", ev.data);
            await p.close(ev.data);
            served++;
          } else await p.send(ev.data, d);
        }
      }
    }
  });
  clients(net, client, 7005, 5, got, ms(1));
  await net.run();
  assert.deepEqual(got.sort(), ["msg-0", "msg-1", "msg-2", "msg-3", "msg-4"]);
});

test("E8 edge-triggered starvation: without draining to EAGAIN the rest is never reported", async () => {
  const { net, client, server } = twoHosts();
  const reads: number[] = [];
  let timedOut = false;
  server.spawn("et", async (p) => {
    const lfd = listenOn(p, 7006);
    const { fd } = await p.accept4(lfd, 0o4000);
    const ep = p.epoll_create1(0);
    p.epoll_ctl(ep, "EPOLL_CTL_ADD", fd, { events: EPOLLIN | EPOLLET });
    await net.sleep(ms(50)); // 3000 bytes arrive
    assert.equal((await p.epoll_wait(ep, 8, 100)).length, 1);
    reads.push((await p.recv(fd, 1000)).length); // read only a part…
    timedOut = (await p.epoll_wait(ep, 8, 100)).length === 0; // …and ET says nothing more
    // Draining to EAGAIN is the rule:
    for (;;) {
      try {
        reads.push((await p.recv(fd, 1000)).length);
      } catch (e) {
        assert.equal((e as SysError).code, "EAGAIN");
        break;
      }
    }
  });
  client.spawn("c", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 7006);
    await p.sendall(fd, new Uint8Array(3000));
    await net.sleep(sec(1));
  });
  await net.run();
  assert.ok(timedOut);
  assert.deepEqual(reads, [1000, 1000, 1000]);
});

test("E8 EPOLLONESHOT: one report per arm, re-armed with EPOLL_CTL_MOD (two threads never share a fd)", async () => {
  const { net, client, server } = twoHosts();
  const handled: string[] = [];
  server.spawn("oneshot", async (p) => {
    const lfd = listenOn(p, 7007);
    const { fd } = await p.accept4(lfd, 0o4000);
    const ep = p.epoll_create1(0);
    p.epoll_ctl(ep, "EPOLL_CTL_ADD", fd, { events: EPOLLIN | EPOLLONESHOT });
    const worker = async (name: string) => {
      for (let i = 0; i < 2; i++) {
        const evs = await p.epoll_wait(ep, 1, 300);
        if (!evs.length) return;
        const d = await p.recv(fd, 100);
        handled.push(`${name}:${text(d)}`);
        await net.sleep(ms(20));
        p.epoll_ctl(ep, "EPOLL_CTL_MOD", fd, { events: EPOLLIN | EPOLLONESHOT });
      }
    };
    const ts = [p.thread(() => worker("t1")), p.thread(() => worker("t2"))];
    for (const t of ts) await t.join();
  });
  client.spawn("c", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 7007);
    for (const m of ["a", "b", "c"]) {
      await p.send(fd, m);
      await net.sleep(ms(50));
    }
    await net.sleep(sec(1));
  });
  await net.run();
  assert.deepEqual(handled.map((h) => h.split(":")[1]), ["a", "b", "c"]);
});

test("E8 EPOLLEXCLUSIVE: one connection wakes one of two epoll instances (no thundering herd)", async () => {
  const { net, client, server } = twoHosts();
  const woken: string[] = [];
  server.spawn("herd", async (p) => {
    const lfd = listenOn(p, 7008);
    p.fcntl(lfd, "F_SETFL", 0o4000);
    const waiters = ["w1", "w2"].map((name) => p.thread(async () => {
      const ep = p.epoll_create1(0);
      p.epoll_ctl(ep, "EPOLL_CTL_ADD", lfd, { events: EPOLLIN | EPOLLEXCLUSIVE });
      const evs = await p.epoll_wait(ep, 8, 200);
      if (evs.length) woken.push(name);
    }));
    for (const t of waiters) await t.join();
  });
  client.spawn("c", async (p) => {
    await net.sleep(ms(10));
    await p.connect(p.socket("AF_INET", "SOCK_STREAM"), ["10.0.0.2", 7008]);
    await net.sleep(sec(1));
  });
  await net.run();
  assert.equal(woken.length, 1);
});

test("E8 select: nfds = max fd + 1, blocks until readable, timeout updated; FD_SETSIZE", async () => {
  const { net, client, server } = twoHosts();
  const seen: number[] = [];
  server.spawn("sel", async (p) => {
    const lfd = listenOn(p, 7009);
    const tv = { tv_sec: 5, tv_usec: 0 };
    const r = FdSet.of(lfd, 0);
    assert.equal(await p.select(lfd + 1, r, null, null, tv), 1);
    assert.ok(r.isSet(lfd) && !r.isSet(0));
    seen.push(tv.tv_sec * 1e6 + tv.tv_usec);
    const { fd } = await p.accept(lfd);
    const [rl] = await p.selectLists([fd, 0], [], [], null);
    assert.deepEqual(rl, [fd]);
    assert.equal(text(await p.recv(fd, 10)), "x");
    const tv2 = { tv_sec: 0, tv_usec: 300_000 };
    assert.equal(await p.select(fd + 1, FdSet.of(fd), null, null, tv2), 0); // nothing more within 300 ms
  });
  client.spawn("c", async (p) => {
    await net.sleep(ms(100));
    const fd = await connectTo(p, "10.0.0.2", 7009);
    await p.send(fd, "x");
    await net.sleep(sec(1));
  });
  await net.run();
  assert.equal(seen[0], sec(5) - ms(103)); // the handshake completes (final ACK in) at 103 ms
  assert.throws(() => new FdSet().set(1024), RangeError);
});

test("E8 poll: stdin and a socket in one call; typed input wakes it (seed 2 chat client)", async () => {
  const { net, server } = twoHosts();
  let line = "";
  const p0 = server.spawn("chat", async (p) => {
    const u = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(u, ["0.0.0.0", 9999]);
    const fds = [{ fd: 0, events: EPOLLIN, revents: 0 }, { fd: u, events: EPOLLIN, revents: 0 }];
    assert.equal(await p.poll(fds, -1), 1);
    assert.equal(fds[0]!.revents, EPOLLIN);
    line = text(await p.read(0, 100));
    await p.write(1, `you said ${line}`);
  });
  void net.sleep(ms(300)).then(() => p0.tty.type("hello\n"));
  await net.run();
  assert.equal(line, "hello\n");
  assert.equal(p0.tty.output, "you said hello\n");
});

test("C1 C2 SO_RCVTIMEO: accept and recv give EAGAIN after the timeout and may be called again", async () => {
  const { net, client, server } = twoHosts();
  const log: string[] = [];
  server.spawn("timeouts", async (p) => {
    const lfd = listenOn(p, 7010);
    p.setsockopt(lfd, "SOL_SOCKET", "SO_RCVTIMEO", { tv_sec: 1, tv_usec: 0 });
    let cfd = -1;
    while (cfd < 0) {
      try {
        cfd = (await p.accept(lfd)).fd;
      } catch (e) {
        log.push(`${(e as SysError).code}@${net.now() / 1e6}`);
      }
    }
    p.setsockopt(cfd, "SOL_SOCKET", "SO_RCVTIMEO", 500); // a number is milliseconds
    log.push(`accepted@${net.now() / 1e6}`);
    await assert.rejects(p.recv(cfd, 10), (e: SysError) => e.code === "EAGAIN");
    log.push(`recv timeout@${net.now() / 1e6}`);
    log.push(text(await p.recv(cfd, 10)));
  });
  client.spawn("late", async (p) => {
    await net.sleep(ms(2500));
    const fd = await connectTo(p, "10.0.0.2", 7010);
    await net.sleep(ms(700));
    await p.send(fd, "hi");
    await net.sleep(sec(1));
  });
  await net.run();
  assert.deepEqual(log, ["EAGAIN@1", "EAGAIN@2", "accepted@2.503", "recv timeout@3.003", "hi"]);
});

test("F4 EMFILE at RLIMIT_NOFILE; accept leaves the connection queued; F7 a closed fd number is reused", async () => {
  const { net, client, server } = twoHosts();
  server.spawn("leaky", async (p) => {
    const lfd = listenOn(p, 7011);
    p.setrlimit("RLIMIT_NOFILE", { soft: 6 });
    const a = (await p.accept(lfd)).fd, b = (await p.accept(lfd)).fd;
    assert.deepEqual([lfd, a, b], [3, 4, 5]);
    await assert.rejects(p.accept(lfd), /accept: Too many open files/);
    assert.equal(await ex(() => p.socket("AF_INET", "SOCK_DGRAM")), 24);
    await p.close(a);
    const c = (await p.accept(lfd)).fd; // the third connection was still queued
    assert.equal(c, a); // F7: the old number now names another socket
    assert.throws(() => p.setrlimit("RLIMIT_NOFILE", { soft: 10, hard: 5 }), /setrlimit: Invalid argument/);
  });
  for (let i = 0; i < 3; i++) {
    client.spawn(`c${i}`, async (p) => {
      await net.sleep(ms(i));
      await p.connect(p.socket("AF_INET", "SOCK_STREAM"), ["10.0.0.2", 7011]);
      await net.sleep(sec(1));
    });
  }
  await net.run();
});

test("E2 _ex forms, E3 sendall/recvExactly, E5 byte order and inet_pton/ntop", async () => {
  const { net, client } = twoHosts();
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    assert.equal(await p.connect_ex(fd, ["10.0.0.2", 1]), 111);
    assert.equal(await ex(() => p.bind(p.socket("AF_INET", "SOCK_STREAM"), ["10.9.9.9", 0])), 99);
  });
  await net.run();
  assert.equal(htons(9090), 0x8223);
  assert.equal(ntohs(htons(80)), 80);
  assert.equal(htonl(INADDR_LOOPBACK), 0x0100007f);
  assert.equal(INADDR_ANY, 0);
  assert.deepEqual([...inet_pton("AF_INET", "10.0.0.1")!], [10, 0, 0, 1]);
  assert.equal(inet_pton("AF_INET", "10.0.0.256"), null);
  assert.equal(inet_ntop("AF_INET6", inet_pton("AF_INET6", "2001:db8:0:0:1:0:0:1")!), "2001:db8::1:0:0:1");
  assert.equal(inet_ntop("AF_INET6", inet_pton("AF_INET6", "::ffff:10.0.0.1")!), "::ffff:10.0.0.1");
  assert.equal(inet_ntop("AF_INET6", inet_pton("AF_INET6", "::")!), "::");
  assert.throws(() => inet_pton(99, "x"), /inet_pton: Address family not supported/);
});

test("E7 AF_UNIX stream echo between two processes; ss-style queues; E4 EOF", async () => {
  const net = new Network({ seed: 2 });
  const h = net.addHost("h");
  const got: string[] = [];
  h.spawn("server", async (p) => {
    const lfd = p.socket("AF_UNIX", "SOCK_STREAM");
    p.bind(lfd, "/run/echo.sock");
    p.listen(lfd, 4);
    const { fd } = await p.accept(lfd);
    for (;;) {
      const d = await p.recv(fd, 4);
      if (d.length === 0) break;
      await p.sendall(fd, d);
    }
    await p.close(fd);
    await p.close(lfd);
    p.unlink("/run/echo.sock");
  });
  h.spawn("client", async (p) => {
    const fd = p.socket("AF_UNIX", "SOCK_STREAM");
    await p.connect(fd, "/run/echo.sock");
    await p.sendall(fd, "hello world");
    p.shutdown(fd, "SHUT_WR");
    let all = "";
    for (;;) {
      const d = await p.recv(fd, 100);
      if (d.length === 0) break;
      all += text(d);
    }
    got.push(all);
  });
  await net.run();
  assert.deepEqual(got, ["hello world"]);
  assert.deepEqual(h.unix.entries(), []);
});

test("E7 AF_UNIX datagrams: a full receiver blocks the sender until it reads; nothing is lost", async () => {
  const net = new Network({ seed: 2 });
  const h = net.addHost("h");
  const got: number[] = [];
  h.spawn("rx", async (p) => {
    const fd = p.socket("AF_UNIX", "SOCK_DGRAM");
    p.bind(fd, "/tmp/rx");
    await net.sleep(ms(100));
    for (let i = 0; i < 20; i++) got.push((await p.recv(fd, 10))[0]!);
  });
  h.spawn("tx", async (p) => {
    await net.sleep(ms(1));
    const fd = p.socket("AF_UNIX", "SOCK_DGRAM");
    await p.connect(fd, "/tmp/rx");
    for (let i = 0; i < 20; i++) await p.send(fd, new Uint8Array([i]));
  });
  await net.run();
  assert.deepEqual(got, [...Array(20).keys()]);
});

test("dup/dup2 share the open file: the connection stays up until the last fd closes", async () => {
  const { net, client, server } = twoHosts();
  server.spawn("s", async (p) => {
    const lfd = listenOn(p, 7012);
    const { fd } = await p.accept(lfd);
    const d = p.dup(fd);
    assert.equal(await p.dup2(fd, 10), 10);
    await p.close(fd);
    await p.close(d);
    assert.equal(await p.send(10, "still"), 5);
    await p.close(10);
  });
  let got = "";
  client.spawn("c", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 7012);
    got = text(await p.recv(fd, 10));
    assert.equal((await p.recv(fd, 10)).length, 0);
  });
  await net.run();
  assert.equal(got, "still");
  void TcpState;
});
