/**
 * How a simulation runs (issue 12 items 1–3, issue 11 item 10 and the spin
 * detector): program handles, clients and daemons, the run limit and its
 * pending list, settle(), kill(), crashing threads, and spins stopped with
 * an error that names the host, process, thread and call.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network, RunLimitError } from "../../src/sim/network.js";
import { ms, sec } from "../../src/core/time.js";
import { POLLIN, POLLOUT } from "../../src/core/poll-events.js";
import type { Process } from "../../src/sys/process.js";
import { SpinError, SpinGuard } from "../../src/sys/spin.js";
import { StuckError } from "../../src/sim/virtual-driver.js";
import { connectTo, listenOn } from "../helpers/vocabulary.js";

const text = (d: Uint8Array) => new TextDecoder().decode(d);

function twoHosts(opts: { spinLimit?: number; latency?: number } = {}) {
  const net = new Network({ seed: 1, spinLimit: opts.spinLimit });
  const client = net.addHost("client"), server = net.addHost("server");
  net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: opts.latency ?? ms(5) });
  return { net, client, server };
}

/** An echo server that loops forever, with SO_KEEPALIVE on every connection: a periodic timer per idle connection. */
async function keepaliveEcho(p: Process): Promise<never> {
  const l = listenOn(p, 7);
  for (;;) {
    const { fd } = await p.accept(l);
    p.setsockopt(fd, "SOL_SOCKET", "SO_KEEPALIVE", 1);
    const d = await p.recv(fd, 100);
    await p.send(fd, d);
    // …and keeps the connection open, idle.
  }
}

test("net.run() returns when the client exits, though a daemon's idle SO_KEEPALIVE connection keeps a timer armed; the handle carries main's return value", async () => {
  const { net, client, server } = twoHosts();
  const srv = server.spawn("echo", keepaliveEcho, { daemon: true });
  const c = client.spawn("client", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    p.setsockopt(fd, "SOL_SOCKET", "SO_KEEPALIVE", 1);
    await p.connect(fd, ["10.0.0.2", 7]);
    await p.send(fd, "ping");
    return text(await p.recv(fd, 100)); // exits without closing: the connection stays, idle
  });
  const r = await net.run();
  assert.equal(r.reason, "predicate");
  assert.equal(net.now(), ms(25), "two round trips, then the FIN sent by the client's exit lands");
  assert.equal(await c.result, "ping");
  const exit = await c.exited;
  assert.deepEqual({ code: exit.code, value: exit.value, signal: exit.signal, error: exit.error }, { code: 0, value: "ping", signal: null, error: null });
  assert.equal(c.exitCode, 0);
  assert.equal(srv.running, true, "the daemon is still serving");
  assert.ok(net.scheduler.size > 0, "timers are still armed (keepalive, TIME-WAIT…)");
});

test("net.run() with no client program runs until idle, and fails after its virtual-time limit with the pending list when a heartbeat never lets it go idle", async () => {
  const { net, client, server } = twoHosts();
  server.spawn("echo", keepaliveEcho, { daemon: true });
  server.spawn("sink", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(fd, ["0.0.0.0", 9999]);
    for (;;) await p.recv(fd, 100);
  }, { daemon: true });
  client.spawn("heartbeat", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.connect(fd, ["10.0.0.2", 9999]);
    for (;;) {
      await p.sendto(fd, "beat", 0, null);
      await p.poll([], 1000); // sleep 1 s
    }
  }, { daemon: true });
  const e = await net.run({ limit: sec(10) }).then(() => null, (x: unknown) => x);
  assert.ok(e instanceof RunLimitError, String(e));
  assert.match(e.message, /still running after 10 s of virtual time/);
  assert.match(e.message, /server\/echo\[1000\] \(daemon\)\n {4}main: blocked in accept\(3\) since t=0\.000000s/);
  assert.match(e.message, /client\/heartbeat\[1000\] \(daemon\)\n {4}main: blocked in poll\(…, 1000\) since t=10\.000000s/);
  assert.match(e.message, /at t=10\.000000s: 1 packet\(s\) in flight, 2 timer\(s\) armed, the next at t=10\.005000s$/);
  assert.equal(net.now(), sec(10));
});

test("a client blocked forever makes net.run() fail at the limit, naming the thread and the call it is blocked in", async () => {
  const { net, server } = twoHosts();
  server.spawn("waiter", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(fd, ["0.0.0.0", 53]);
    const t = p.thread(async (q) => {
      await q.recvfrom(fd, 512);
    });
    for (;;) await p.poll([], 60_000); // a periodic timer: the run never goes idle
    await t.join();
  });
  const e = await net.run({ limit: sec(300) }).then(() => null, (x: unknown) => x);
  assert.ok(e instanceof RunLimitError);
  assert.match(e.message, /server\/waiter\[1000\] \(client\)\n {4}main: blocked in poll\(…, 60000\) since t=300\.000000s\n {4}thread 1001: blocked in recvfrom\(3, 512\) since t=0\.000000s/);
});

test("net.settle() runs until what was sent has landed, instead of a guessed sleep", async () => {
  const { net, client, server } = twoHosts();
  const p = client.createProcess("test");
  const q = server.createProcess("test");
  const l = listenOn(q, 80);
  const fd = p.socket("AF_INET", "SOCK_STREAM");
  const connected = p.connect(fd, ["10.0.0.2", 80]);
  assert.equal(await net.settle(), ms(15), "SYN, SYN-ACK, ACK: three one-way trips of 5 ms");
  await connected;
  const { fd: cfd } = await q.accept(l);
  void p.send(fd, "hello");
  assert.equal(await net.settle(), ms(10), "the data, then its ACK");
  assert.equal(q.ioctl(cfd, "FIONREAD"), 5, "the data is in the receive queue");
  assert.equal(await net.settle(), 0, "nothing in flight: settle() returns at once");
});

test("kill() ends a blocked program at once: status 137, its fds closed (the peer sees EOF), its blocked call never returns", async () => {
  const { net, client, server } = twoHosts();
  let afterRecv = false;
  const srv = server.spawn("server", async (p) => {
    const l = listenOn(p, 80);
    const { fd } = await p.accept(l);
    await p.recv(fd, 100); // killed here
    afterRecv = true;
  });
  const c = client.spawn("client", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 80);
    return (await p.recv(fd, 100)).length; // 0: the server's kernel closed the connection
  });
  await net.advance(ms(50));
  await srv.kill();
  await net.run();
  assert.equal(srv.exitCode, 137);
  assert.equal((await srv.exited).signal, "SIGKILL");
  await assert.rejects(srv.result, /killed by SIGKILL/);
  assert.equal(afterRecv, false);
  assert.equal(await c.result, 0);
});

test("an error thrown in a thread nobody joins ends its process (status 1), and net.run() reports it", async () => {
  const { net, server } = twoHosts();
  let mainRanOn = false;
  const h = server.spawn("threads", async (p) => {
    p.thread(async () => {
      await p.poll([], 10);
      throw new Error("boom in a thread");
    });
    await p.poll([], 1000);
    mainRanOn = true;
  });
  await assert.rejects(net.run(), /server\/threads\[1000\]: boom in a thread/);
  assert.equal(h.exitCode, 1);
  assert.equal(mainRanOn, false, "the process died with its thread, as on Linux");
  assert.equal(net.now(), ms(10));
});

test("a thread's error delivered to a waiting join() is the joiner's to handle: the process lives", async () => {
  const { net, server } = twoHosts();
  const h = server.spawn("joiner", async (p) => {
    const t = p.thread(async () => {
      await p.poll([], 10);
      throw new Error("caught by join");
    });
    try {
      await t.join();
    } catch (e) {
      return (e as Error).message;
    }
  });
  await net.run();
  assert.equal(await h.result, "caught by join");
});

test("spin detector: a poll loop on a level that never changes at one instant is stopped with an error naming host, process and call", async () => {
  const { net, client } = twoHosts({ spinLimit: 10_000 });
  let polls = 0;
  const h = client.spawn("spinner", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    for (;;) {
      try {
        await p.poll([{ fd, events: POLLOUT }], -1); // always writable: returns at once, changes nothing
        polls++;
      } catch {
        /* a program that swallows every error keeps spinning: the detector must still stop it */
      }
    }
  });
  const e = await net.run().then(() => null, (x: unknown) => x);
  assert.ok(e instanceof SpinError, String(e));
  assert.match(e.message, /^spin: client\/spinner\[1000\] is stuck in poll\(…, -1\) at t=0\.000000s: 10001 kernel calls or waits at this instant changed nothing/);
  assert.deepEqual([e.host, e.pid, e.tid, e.syscall], ["client", 1000, 1000, "poll"]);
  assert.equal(h.exitCode, 1);
  assert.equal(polls, 10_000);
});

test("spin detector: a thread retrying a call that fails at once (EAGAIN) is named by its tid", async () => {
  const { net, server } = twoHosts({ spinLimit: 1000 });
  server.spawn("busy", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(fd, ["0.0.0.0", 5000]);
    const t = p.thread(async (q) => {
      for (;;) {
        try {
          return await q.recv(fd, 100, "MSG_DONTWAIT");
        } catch {
          /* EAGAIN: try again, without waiting */
        }
      }
    });
    await t.join();
  });
  await assert.rejects(net.run(), /spin: server\/busy\[1000\] thread 1001 is stuck in recv\(3, 100, MSG_DONTWAIT\)/);
});

test("SpinGuard: steps without progress at one instant throw past the limit; progress or time moving starts the count again", () => {
  let now = 0;
  const g = new SpinGuard({ now: () => now }, 3);
  g.step(); g.step(); g.step();
  assert.throws(() => g.step(), (e: unknown) => e instanceof SpinError && e.steps === 4 && e.at === 0);
  g.progress();
  g.step(); g.step(); g.step();
  now = 1; // virtual time moved
  g.step(); g.step(); g.step();
  assert.equal(g.steps, 3);
  assert.throws(() => g.step(), SpinError);
});

test("spin detector: 100 MB echoed at one instant over a zero-latency link makes progress on every call and never trips it", async () => {
  const { net, client, server } = twoHosts({ spinLimit: 1000, latency: 0 });
  const MB = 1 << 20, total = 100 * MB;
  server.spawn("echo", async (p) => {
    const l = listenOn(p, 7);
    const { fd } = await p.accept(l);
    for (let d = await p.recv(fd, 65536); d.length; d = await p.recv(fd, 65536)) await p.sendall(fd, d);
    await p.close(fd);
  }, { daemon: true });
  const c = client.spawn("client", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 7);
    const chunk = new Uint8Array(MB).fill(0x61);
    let back = 0;
    const reader = p.thread(async (q) => {
      while (back < total) {
        const d = await q.recv(fd, 65536);
        if (!d.length) break;
        back += d.length;
      }
    });
    for (let sent = 0; sent < total; sent += MB) await p.sendall(fd, chunk);
    await reader.join();
    return back;
  });
  await net.run();
  assert.equal(await c.result, total);
  assert.equal(net.now(), 0, "all of it at one instant");
});

test("the driver stops a loop that keeps scheduling work for the current instant (sleep(0) forever)", async () => {
  const net = new Network({ seed: 1, driver: { maxRoundsPerInstant: 10_000 } });
  const h = net.addHost("h");
  h.spawn("sleeper", async () => {
    for (;;) await net.sleep(0);
  });
  await assert.rejects(net.run(), (e: unknown) =>
    e instanceof StuckError && /virtual time is stuck at t=0\.000000s: 10000 rounds/.test(e.message) && /h\/sleeper\[1000\] \(client\)\n {4}main: not in a system call/.test(e.message));
});

test("a program's syscalls after its process exited never return (exit_group ends every thread)", async () => {
  const { net, server } = twoHosts();
  let threadWoke = false;
  server.spawn("short", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(fd, ["0.0.0.0", 53]);
    p.thread(async (q) => {
      await q.poll([{ fd, events: POLLIN }], 100);
      threadWoke = true;
    });
    return 0;
  });
  await net.run({ untilIdle: true });
  assert.equal(threadWoke, false);
});
