/**
 * Façade gaps that Node's own test suite found (scripts/node-suite.ts),
 * each checked against Node's modules over the kernel loopback in the
 * same test: connect's `lookup` option, connect() without a port,
 * `new net.Socket({ handle })` inside interception, dgram's default host
 * for a "" / null address, a server's `_connectionKey`, libuv's poll-round
 * order of a listener and a connecting socket, `maxConnections` 0.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as realNet from "node:net";
import * as realDgram from "node:dgram";
import { Network, sec } from "../../src/index.js";
import { nodeOn } from "../../src/node.js";
import { drive } from "../helpers/vocabulary.js";

interface Mods {
  net: typeof realNet;
  dgram: typeof realDgram;
}
type Scenario = (m: Mods) => Promise<string[]>;

async function both(s: Scenario): Promise<string[]> {
  const kernel = await s({ net: realNet, dgram: realDgram });
  const net = new Network({ seed: 1 });
  const sim = await drive(net, s(nodeOn(net.addHost("h")) as unknown as Mods), sec(60));
  assert.deepEqual(sim, kernel, "the simulated host logs what Node over the kernel logs");
  return sim;
}

test("connect's lookup option is called as Node calls it; its answer is where the socket connects", async () => {
  const log = await both(async ({ net }) => {
    const log: string[] = [];
    const srv = net.createServer((s) => s.end("hi"));
    await new Promise<void>((r) => srv.listen(0, "::1", r));
    const port = (srv.address() as realNet.AddressInfo).port;
    const text = await new Promise<string>((r) => {
      const c = net.connect({
        host: "dummy", port, family: 6,
        lookup: ((host: string, opts: { family: number; hints: number; all?: boolean }, cb: (e: null, a: string, f: number) => void) => {
          log.push(`lookup ${host} ${JSON.stringify(opts)}`);
          cb(null, "::1", 6);
        }) as unknown as realNet.LookupFunction,
      } as unknown as realNet.NetConnectOpts);
      c.on("lookup", (e, a, f, h) => log.push(`'lookup' ${e} ${a} ${f} ${h}`));
      let got = "", from = "";
      c.on("connect", () => (from = `${c.remoteAddress}`));
      c.on("data", (d) => (got += d));
      c.on("close", () => r(`${got} from ${from}`));
    });
    log.push(text);
    await new Promise((r) => srv.close(r));
    return log;
  });
  assert.ok(log.includes("hi from ::1"), "connected where the custom lookup said");
});

test("connect() without a port, and dgram's default host for a '' or null address", async () => {
  await both(async ({ net, dgram }) => {
    const log: string[] = [];
    for (const f of [() => net.connect(undefined as unknown as number), () => net.connect({} as realNet.NetConnectOpts)]) {
      try {
        f();
        log.push("no throw");
      } catch (e) {
        log.push(`${(e as NodeJS.ErrnoException).code} ${(e as Error).message}`);
      }
    }
    const rx = dgram.createSocket("udp4");
    await new Promise<void>((r) => rx.bind(0, "127.0.0.1", r));
    const got = new Promise<void>((r) => {
      let n = 0;
      rx.on("message", (m) => {
        log.push(`got ${m}`);
        if (++n === 2) r();
      });
    });
    const tx = dgram.createSocket("udp4");
    tx.send("empty", rx.address().port, "");
    tx.send("null", rx.address().port, null as unknown as string);
    await got;
    rx.close();
    tx.close();
    return log;
  });
});

test("interception: new net.Socket({ handle }) stays Node's own; a listening server has Node's _connectionKey", async () => {
  const net = new Network({ seed: 1 });
  const on = nodeOn(net.addHost("h"));
  const calls: unknown[] = [];
  const s = on.run(() => new realNet.Socket({ handle: { setNoDelay: (v: unknown) => calls.push(v), close: () => {}, readStart: () => 0, readStop: () => 0 } } as unknown as realNet.SocketConstructorOpts));
  s.setNoDelay(true);
  assert.deepEqual(calls, [true], "the handle the caller passed is used, as Node does");
  const srv = on.run(() => realNet.createServer().listen(0));
  assert.equal((srv as unknown as { _connectionKey: string })._connectionKey, "6::::0", "Node's `${family}:${address}:${port}` of the listen call");
  srv.close();
});

test("dgram: sends on an unbound socket wait for its implicit bind; close() before 'listening' drops them", async () => {
  await both(async ({ dgram }) => {
    const log: string[] = [];
    const rx = dgram.createSocket("udp4");
    await new Promise<void>((r) => rx.bind(0, "127.0.0.1", r));
    rx.on("message", (m) => log.push(`got ${m}`));
    const dropped = dgram.createSocket("udp4");
    dropped.send("dropped", rx.address().port, "127.0.0.1", (e, n) => log.push(`dropped's callback ${e} ${n}`));
    dropped.close(() => log.push("dropped closed"));
    const sent = dgram.createSocket("udp4");
    await new Promise<void>((r) => sent.send("sent", rx.address().port, "127.0.0.1", (e, n) => {
      log.push(`sent's callback ${e} ${n}`);
      r();
    }));
    await new Promise<void>((r) => rx.close(r));
    sent.close();
    return log;
  });
});

test("a façade socket has Node's own 'end' listeners only (test-net-socket-no-halfopen-enforcer)", () => {
  const on = nodeOn(new Network({ seed: 1 }).addHost("h"));
  const real = new realNet.Socket({ allowHalfOpen: false }).listenerCount("end");
  assert.equal(new on.net.Socket({ allowHalfOpen: false }).listenerCount("end"), real, "the same count as Node's net.Socket");
});

test("exclusive on listen and dgram bind: in a process that is not a cluster worker it changes nothing, as Node's (a second listener on the port is EADDRINUSE either way)", async () => {
  const log = await both(async ({ net, dgram }) => {
    const out: string[] = [];
    const listen = (opts: realNet.ListenOptions) => new Promise<realNet.Server>((resolve) => {
      const s = net.createServer();
      s.on("error", (e: NodeJS.ErrnoException) => { out.push(`${JSON.stringify(opts.exclusive)}: ${e.code}`); resolve(s); });
      s.listen(opts, () => { out.push(`${JSON.stringify(opts.exclusive)}: listening`); resolve(s); });
    });
    const first = await listen({ port: 0, host: "127.0.0.1", exclusive: true });
    const port = (first.address() as realNet.AddressInfo).port;
    const second = await listen({ port, host: "127.0.0.1", exclusive: false });
    const third = await listen({ port, host: "127.0.0.1", exclusive: true });
    for (const s of [first, second, third]) if (s.listening) s.close();
    const u = dgram.createSocket("udp4");
    await new Promise<void>((r) => u.bind({ port: 0, address: "127.0.0.1", exclusive: false }, () => r()));
    out.push(`dgram exclusive false: bound ${typeof u.address().port}`);
    u.close();
    return out;
  });
  assert.deepEqual(log, ["true: listening", "false: EADDRINUSE", "true: EADDRINUSE", "dgram exclusive false: bound number"]);
});

test("poll rounds as libuv's: the server's 'connection' before the client's 'connect' at one instant, one accept per round per listener", async () => {
  const log = await both(async ({ net }) => {
    const out: string[] = [];
    const srv = net.createServer((s) => {
      out.push("server 'connection'");
      s.end("x");
    });
    srv.on("drop", () => out.push("server 'drop'"));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as realNet.AddressInfo).port;
    // One client: the listener is reported before the connecting socket in the same round.
    await new Promise<void>((r) => {
      const c = net.connect(port, "127.0.0.1", () => out.push("client 'connect'"));
      c.on("ready", () => out.push("client 'ready'"));
      c.on("data", (d) => out.push(`client 'data' ${d}`));
      c.on("close", () => r());
    });
    // Two at once: one accept in the first round, both connects, the second accept in the next round.
    await new Promise<void>((r) => {
      let n = 0;
      for (const name of ["a", "b"]) {
        const c = net.connect(port, "127.0.0.1", () => out.push(`${name} 'connect'`));
        c.resume();
        c.on("close", () => ++n === 2 && r());
      }
    });
    // maxConnections 0 is no limit in Node 20 (its check is truthiness); a full server drops in the
    // listener's round, before the client hears of its connect.
    srv.maxConnections = 0;
    const kept = await new Promise<realNet.Socket>((r) => {
      const c: realNet.Socket = net.connect(port, "127.0.0.1", () => {
        out.push("kept client 'connect'");
        r(c);
      });
      c.resume();
    });
    srv.maxConnections = 1;
    await new Promise<void>((r) => {
      const c = net.connect(port, "127.0.0.1", () => out.push("dropped client 'connect'"));
      c.resume();
      c.on("error", () => {});
      c.on("close", () => r());
    });
    kept.destroy();
    await new Promise((r) => srv.close(r));
    return out;
  });
  assert.deepEqual(log.slice(0, 2), ["server 'connection'", "client 'connect'"], "the server's event first");
});
