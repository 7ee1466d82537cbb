/**
 * sockstack/node's `net` against Node's own `net` over the kernel
 * loopback: each scenario runs twice, once on real sockets and once on
 * the simulated network, and must produce the same event log (half-close,
 * RST → ECONNRESET, EPIPE, ECONNREFUSED).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as realNet from "node:net";
import { Network, ms, sec } from "../../src/index.js";
import { nodeOn } from "../../src/node.js";

type NetLike = Pick<typeof realNet, "createServer" | "connect">;
interface Env {
  net: NetLike;
  /** The address servers listen on and clients connect to. */
  serverHost: string;
  /** Lets packets land (real: 50 ms of wall time; simulated: 50 ms of virtual time). */
  pause(): Promise<void>;
  /** Both sides' net modules: in the simulation server and client are different hosts. */
  serverNet: NetLike;
}
type Scenario = (env: Env) => Promise<string[]>;

async function onKernel(s: Scenario): Promise<string[]> {
  return s({ net: realNet, serverNet: realNet, serverHost: "127.0.0.1", pause: () => new Promise((r) => setTimeout(r, 50)) });
}

async function onSim(s: Scenario, seed = 1): Promise<string[]> {
  const net = new Network({ seed });
  const client = net.addHost("client"), server = net.addHost("server");
  net.link(client, server, { latency: ms(1) });
  let out: string[] | null = null;
  let err: unknown = null;
  s({ net: nodeOn(client).net as unknown as NetLike, serverNet: nodeOn(server).net as unknown as NetLike, serverHost: "10.0.0.2", pause: () => net.sleep(ms(50)) })
    .then((r) => (out = r), (e: unknown) => (err = e));
  await net.runUntil(() => out !== null || err !== null, { timeout: sec(120) });
  if (err) throw err;
  assert.ok(out, "the scenario finished");
  return out;
}

async function both(s: Scenario): Promise<string[]> {
  const kernel = await onKernel(s);
  const sim = await onSim(s);
  assert.deepEqual(sim, kernel, "the simulated run logs what Node over the kernel logs");
  return sim;
}

function errText(e: Error & { code?: string; syscall?: string }, host: string): string {
  return `${e.code} ${e.syscall} ${e.message.replace(host, "HOST")}`;
}

/** Listens on port 0 and resolves with the port. */
function listen(srv: realNet.Server, host: string): Promise<number> {
  return new Promise((r) => srv.listen(0, host, () => r((srv.address() as realNet.AddressInfo).port)));
}

test("echo: data both ways, end, close, addresses", async () => {
  const log = await both(async ({ net, serverNet, serverHost }) => {
    const log: string[] = [];
    const srv = serverNet.createServer((s) => {
      s.on("data", (d) => s.write(d.toString().toUpperCase()));
      s.on("end", () => log.push("server end"));
      s.on("close", (hadErr) => {
        log.push(`server close ${hadErr}`);
        srv.close();
      });
    });
    const srvClosed = new Promise((r) => srv.once("close", r));
    const port = await listen(srv, serverHost);
    await new Promise<void>((done) => {
      const c = net.connect(port, serverHost, () => {
        log.push(`connect ${c.remoteAddress === serverHost} ${c.remotePort === port} ${c.remoteFamily} ${c.readyState}`);
        c.write("hello");
      });
      c.on("ready", () => log.push("ready"));
      c.on("data", (d) => {
        log.push(`data ${d}`);
        c.end();
      });
      c.on("end", () => log.push("client end"));
      c.on("close", (hadErr) => {
        log.push(`client close ${hadErr} read=${c.bytesRead} written=${c.bytesWritten} ${c.readyState}`);
        done();
      });
    });
    await srvClosed;
    return log.sort();
  });
  assert.ok(log.includes("data HELLO"));
});

test("connect to a closed port: ECONNREFUSED as Node reports it", async () => {
  await both(async ({ net, serverNet, serverHost }) => {
    const srv = serverNet.createServer();
    const port = await listen(srv, serverHost);
    await new Promise((r) => srv.close(r)); // now nothing listens there
    return new Promise((done) => {
      const log: string[] = [];
      const c = net.connect(port, serverHost);
      c.on("connect", () => log.push("connect?!"));
      c.on("error", (e) => log.push(errText(e, `${serverHost}:${port}`), `errno ${(e as { errno?: number }).errno}`));
      c.on("close", (hadErr) => {
        log.push(`close ${hadErr}`);
        done(log);
      });
    });
  });
});

test("half-close with allowHalfOpen: the server answers after the client's FIN", async () => {
  const log = await both(async ({ net, serverNet, serverHost }) => {
    const log: string[] = [];
    const srv = serverNet.createServer({ allowHalfOpen: true }, (s) => {
      let got = "";
      s.on("data", (d) => (got += d));
      s.on("end", () => {
        log.push(`server end after "${got}" writable=${s.writable}`);
        s.end("pong");
      });
    });
    const port = await listen(srv, serverHost);
    await new Promise<void>((done) => {
      const c = net.connect({ port, host: serverHost, allowHalfOpen: true }, () => c.end("ping"));
      c.on("finish", () => log.push("client finish"));
      c.on("data", (d) => log.push(`client data ${d}`));
      c.on("end", () => log.push("client end"));
      c.on("close", () => done());
    });
    srv.close();
    return log;
  });
  assert.deepEqual(log, ["client finish", 'server end after "ping" writable=true', "client data pong", "client end"]);
});

test("without allowHalfOpen the socket ends its side when the peer's FIN arrives", async () => {
  await both(async ({ net, serverNet, serverHost }) => {
    const log: string[] = [];
    const srv = serverNet.createServer((s) => {
      s.on("end", () => log.push(`server end writableEnded=${s.writableEnded}`));
      s.on("close", () => log.push("server close"));
    });
    const port = await listen(srv, serverHost);
    await new Promise<void>((done) => {
      const c = net.connect(port, serverHost, () => c.end());
      c.on("end", () => log.push("client end"));
      c.on("close", () => done());
    });
    srv.close();
    return log;
  });
});

test("resetAndDestroy sends RST: the peer gets 'read ECONNRESET'", async () => {
  await both(async ({ net, serverNet, serverHost, pause }) => {
    const log: string[] = [];
    const srv = serverNet.createServer((s) => {
      s.once("data", () => s.resetAndDestroy());
      s.on("close", (hadErr) => log.push(`server close ${hadErr}`));
    });
    const port = await listen(srv, serverHost);
    await new Promise<void>((done) => {
      const c = net.connect(port, serverHost, () => c.write("x"));
      c.on("error", (e) => log.push(errText(e, serverHost)));
      c.on("end", () => log.push("client end?!"));
      c.on("close", (hadErr) => {
        log.push(`client close ${hadErr}`);
        done();
      });
    });
    await pause();
    srv.close();
    return log;
  });
});

test("writing to a peer that closed: EPIPE", async () => {
  await both(async ({ net, serverNet, serverHost, pause }) => {
    const log: string[] = [];
    const srv = serverNet.createServer((s) => s.destroy());
    const port = await listen(srv, serverHost);
    const c = net.connect({ port, host: serverHost, allowHalfOpen: true });
    await new Promise((r) => c.on("end", r));
    log.push("client end");
    c.write("first"); // the closed peer answers with RST
    await pause();
    await new Promise<void>((done) => {
      c.write("second", (e) => log.push(`write cb ${e ? errText(e, serverHost) : "ok"}`));
      c.on("error", (e) => log.push(`error ${errText(e, serverHost)}`));
      c.on("close", (hadErr) => {
        log.push(`close ${hadErr}`);
        done();
      });
    });
    srv.close();
    return log;
  });
});
