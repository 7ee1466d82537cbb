/**
 * Scale (seeds A6, A7, A8): 100,000 connections established, used and
 * closed between two hosts; ports reused across destinations; tables empty
 * once TIME-WAIT expires.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import { twoHosts } from "../helpers/tcp.js";
import { TcpState } from "../../src/tcp/tcp-state.js";
import { connectTo, listenOn } from "../helpers/vocabulary.js";

test("A7 A8: 100,000 connections (10,000 to each of 10 server ports) established, used, closed; no leak", async (t) => {
  const { net, client, server } = twoHosts({ latency: ms(1) }, 1, { trace: false });
  const PORTS = [9001, 9002, 9003, 9004, 9005, 9006, 9007, 9008, 9009, 9010];
  const PER = Number(process.env.PER ?? 10000);
  let served = 0;
  server.spawn("server", async (p) => {
    p.rlimitNofile = 1 << 20;
    for (const port of PORTS) {
      const l = listenOn(p, port, 4096);
      void (async () => {
        for (;;) {
          const { fd } = await p.accept(l);
          void (async () => {
            const d = await p.recv(fd, 10);
            await p.send(fd, d);
            await p.recv(fd, 10); // EOF
            await p.close(fd);
            served++;
          })();
        }
      })();
    }
    await net.sleep(sec(3600));
  });
  let ok = 0;
  const localPorts = new Map<number, number>();
  client.spawn("client", async (p) => {
    p.rlimitNofile = 1 << 20;
    const one = async (port: number) => {
      const fd = await connectTo(p, "10.0.0.2", port);
      const lp = (p.getsockname(fd) as { port: number }).port;
      localPorts.set(lp, (localPorts.get(lp) ?? 0) + 1);
      await p.send(fd, "x");
      const d = await p.recv(fd, 10);
      if (d.length === 1) ok++;
      await p.close(fd);
    };
    // Keep 2,000 connections in flight at a time.
    const work: number[] = [];
    for (let i = 0; i < PER; i++) for (const port of PORTS) work.push(port);
    let next = 0;
    await Promise.all(Array.from({ length: 2000 }, async () => {
      while (next < work.length) await one(work[next++]!);
    }));
  });
  // The run takes tens of seconds of real time: one subtest per tenth, so
  // the test runner shows progress as it goes.
  const total = PORTS.length * PER;
  for (let k = 1; k <= 10; k++) {
    const goal = Math.round((total * k) / 10);
    await t.test(`${goal.toLocaleString("en")} of ${total.toLocaleString("en")} connections served`, async () => {
      await net.runUntil(() => ok >= goal && served >= goal, { timeout: sec(600) });
      assert.ok(ok >= goal && served >= goal, `ok ${ok}, served ${served}`);
    });
  }
  await t.test("every connection echoed; ports reused across destinations; nothing left after TIME-WAIT", async () => {
    assert.equal(ok, total);
    assert.equal(served, total);
    assert.ok(localPorts.size <= 28232, `local ports used: ${localPorts.size}`);
    // TIME-WAIT on the client (it closed first); then everything goes away.
    const tw = [...client.tcp.tables.connections()].filter((c) => c.state === TcpState.TIME_WAIT).length;
    assert.ok(tw > 0);
    await net.advance(sec(61));
    assert.equal(client.tcp.tables.size, 0);
    assert.equal(server.tcp.tables.size, 0);
    assert.equal(client.tcp.tables.binds.size, 0);
    assert.equal(net.scheduler.size <= 8, true, `timers left: ${net.scheduler.size}`);
  });
});

test("A6 A7: only the 4-tuple must be unique: 10 ephemeral ports serve 10 connections to each of two server ports", async () => {
  const { net, client, server } = twoHosts({ latency: ms(1) });
  client.sysctl.ip_local_port_range = [40000, 40009];
  server.spawn("server", async (p) => {
    for (const port of [9001, 9002]) {
      listenOn(p, port, 64);
    }
    await net.sleep(sec(10));
  });
  const used: Record<number, number[]> = { 9001: [], 9002: [] };
  let err = "";
  client.spawn("client", async (p) => {
    for (const port of [9001, 9002]) {
      for (let i = 0; i < 10; i++) {
        const fd = await connectTo(p, "10.0.0.2", port);
        used[port]!.push((p.getsockname(fd) as { port: number }).port);
      }
    }
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    try { await p.connect(fd, ["10.0.0.2", 9001]); } catch (e) { err = (e as Error).message; }
  });
  await net.advance(sec(1));
  const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
  const all = Array.from({ length: 10 }, (_, i) => 40000 + i);
  assert.deepEqual(sorted(used[9001]!), all);
  assert.deepEqual(sorted(used[9002]!), all);
  assert.equal(err, "connect: Cannot assign requested address");
});
