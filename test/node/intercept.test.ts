/**
 * Interception: code that calls Node's own `node:net`, `node:http`,
 * `node:dns`, `node:http2` and the global `fetch` — here, unmodified
 * libraries that create their own sockets (ioredis, @grpc/grpc-js) and a
 * Redis-protocol server written with `node:net` — runs on the simulated
 * host whose `run` it is called in; code outside keeps Node's real modules
 * (a real loopback server and client work meanwhile).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as realNet from "node:net";
import * as realHttp from "node:http";
import * as realDns from "node:dns";
import { createServer as namedCreateServer } from "node:net";
import { ms, sec } from "../../src/index.js";
import { simulate } from "../../src/node.js";
import { Redis } from "ioredis";
import { deterministic } from "./world.js";
import * as grpc from "@grpc/grpc-js";

/** A tiny RESP2 server (PING, SET, GET, INCR, DEL, INFO) written with Node's own net — intercepted onto the host. */
function startRespServer(port: number): realNet.Server {
  const db = new Map<string, string>();
  const bulk = (s: string | undefined) => (s === undefined ? "$-1\r\n" : `$${Buffer.byteLength(s)}\r\n${s}\r\n`);
  const server = realNet.createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const cmd = parseCommand(buf);
        if (!cmd) break;
        buf = buf.subarray(cmd.used);
        const [name, ...a] = cmd.args;
        switch (name!.toUpperCase()) {
          case "PING": sock.write("+PONG\r\n"); break;
          case "SET": db.set(a[0]!, a[1]!); sock.write("+OK\r\n"); break;
          case "GET": sock.write(bulk(db.get(a[0]!))); break;
          case "INCR": {
            const n = Number(db.get(a[0]!) ?? "0") + 1;
            db.set(a[0]!, String(n));
            sock.write(`:${n}\r\n`);
            break;
          }
          case "DEL": sock.write(`:${a.filter((k) => db.delete(k)).length}\r\n`); break;
          case "INFO": sock.write(bulk("# Server\r\nredis_version:7.0.0\r\nloading:0\r\n")); break;
          case "QUIT": sock.end("+OK\r\n"); break;
          default: sock.write(`-ERR unknown command '${name}'\r\n`);
        }
      }
    });
  });
  return server.listen(port);
}

/** One RESP array of bulk strings from the front of `b`, or null when incomplete. */
function parseCommand(b: Buffer): { args: string[]; used: number } | null {
  if (b.length === 0 || b[0] !== 0x2a) return null;
  let i = b.indexOf("\r\n");
  if (i < 0) return null;
  const n = Number(b.subarray(1, i).toString());
  let p = i + 2;
  const args: string[] = [];
  for (let k = 0; k < n; k++) {
    i = b.indexOf("\r\n", p);
    if (i < 0) return null;
    const len = Number(b.subarray(p + 1, i).toString());
    if (b.length < i + 2 + len + 2) return null;
    args.push(b.subarray(i + 2, i + 2 + len).toString());
    p = i + 2 + len + 2;
  }
  return { args, used: p };
}

test("ioredis against a RESP server, both unmodified Node code on two simulated hosts; a partition mid-pipeline heals; a peer crash and reboot resets it and ioredis reconnects; same seed, same packets", async () => {
  const r = await deterministic(21, async ({ run, links, at, net, crash, reboot }) => {
    run("server", () => startRespServer(6379));
    const redis = run("client", () => new Redis({ host: "server", port: 6379, retryStrategy: () => 500, maxRetriesPerRequest: null }));
    const log: string[] = [];
    redis.on("error", (e: Error & { code?: string }) => log.push(`error ${e.code}`));
    log.push(`ping ${await redis.ping()}`);
    const link = links["client-server"]!.link;
    at(net.now() + ms(1), () => link.partition());
    at(net.now() + sec(3), () => link.heal());
    const t0 = net.now();
    const p = redis.pipeline();
    for (let i = 0; i < 100; i++) p.incr("counter");
    const res = await p.exec();
    log.push(`pipeline ${res!.at(-1)![1]} after ${net.now() - t0 > sec(2)}`);
    await redis.set("k", "v".repeat(10_000));
    log.push(`get ${(await redis.get("k"))!.length}`);
    // The server machine dies (no RST), then comes back with a fresh kernel: its first answer to
    // the old connection is RST, ioredis reconnects and finds the (new, empty) server.
    crash("server");
    at(net.now() + sec(5), () => {
      reboot("server");
      run("server", () => startRespServer(6379));
    });
    log.push(`get after reboot ${await redis.get("counter")}`);
    redis.disconnect();
    return log;
  });
  assert.deepEqual(r.slice(0, 3), ["ping PONG", "pipeline 100 after true", "get 10000"]);
  assert.equal(r.at(-1), "get after reboot null", "the rebooted server's empty database answered");
  assert.ok(r.includes("error ECONNRESET"), `the old connection was reset: ${r.join(", ")}`);
});

test("interception is scoped: inside run() net and dns are the simulated host's (127.0.0.1 is its own loopback); outside, the real loopback still works; uninstalled afterwards", async () => {
  const origConnect = realNet.connect;
  const real = realHttp.createServer((_q, s) => s.end("real kernel")).listen(0, "127.0.0.1");
  await new Promise((r) => real.once("listening", r));
  const realPort = (real.address() as realNet.AddressInfo).port;
  try {
    const r = await simulate(async ({ run }) => {
      run("server", () => namedCreateServer((s) => s.end("simulated")).listen(realPort)); // an ESM named import, intercepted too
      const viaSim = await run("client", () => new Promise<string>((resolve, reject) => {
        const c = realNet.connect(realPort, "server");
        let got = "";
        c.on("data", (d) => (got += d)).on("end", () => resolve(got)).on("error", reject);
      }));
      const ownLoopback = await run("client", () => new Promise<string>((resolve) => {
        realNet.connect(realPort, "127.0.0.1").on("error", (e: Error & { code?: string }) => resolve(`${e.code} ${e.message}`));
      }));
      const lookedUp = await run("client", () => realDns.promises.lookup("server"));
      // new net.Socket() inside run() is the host's: its 127.0.0.1 is the simulated loopback (nothing listens there).
      const handMade = await run("client", () => new Promise<string>((resolve) => {
        new realNet.Socket().connect(realPort, "127.0.0.1").on("error", (e: Error & { code?: string }) => resolve(String(e.code)));
      }));
      // A socket built outside run() cannot become a simulated one: connected inside, it fails instead of reaching the real network.
      const outsider = new realNet.Socket();
      const madeOutside = await run("client", () => new Promise<string>((resolve) => {
        outsider.connect(realPort, "127.0.0.1").on("error", (e: Error & { code?: string }) => resolve(String(e.code)));
      }));
      // Outside run(), during the simulation: Node's real http client reaches the real server.
      const outside = await new Promise<string>((resolve, reject) => {
        realHttp.get(`http://127.0.0.1:${realPort}/`, (res) => {
          let b = "";
          res.on("data", (d) => (b += d)).on("end", () => resolve(b));
        }).on("error", reject);
      });
      return { viaSim, ownLoopback, lookedUp, handMade, madeOutside, outside };
    }, { seed: 22, artefacts: false });
    assert.deepEqual(r, {
      viaSim: "simulated",
      ownLoopback: `ECONNREFUSED connect ECONNREFUSED 127.0.0.1:${realPort}`,
      lookedUp: { address: "10.0.0.2", family: 4 },
      handMade: "ECONNREFUSED",
      madeOutside: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
      outside: "real kernel",
    }, "each call reached the network of its context");
    assert.equal(realNet.connect, origConnect, "simulate() put Node's net back");
  } finally {
    real.close();
  }
});

const echoService = {
  echo: {
    path: "/test.Echo/Echo",
    requestStream: false,
    responseStream: false,
    requestSerialize: (v: Buffer) => v,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (v: Buffer) => v,
    responseDeserialize: (b: Buffer) => b,
  },
  count: {
    path: "/test.Echo/Count",
    requestStream: false,
    responseStream: true,
    requestSerialize: (v: Buffer) => v,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (v: Buffer) => v,
    responseDeserialize: (b: Buffer) => b,
  },
} satisfies grpc.ServiceDefinition;

test("@grpc/grpc-js (HTTP/2) server and client, unmodified, under 10 % loss and reordering: unary calls and a server stream arrive intact; a partition healed mid-stream loses nothing; same seed, same packets", async () => {
  const r = await deterministic(23, async ({ run, links, at, net }) => {
    const server = run("server", () => {
      const s = new grpc.Server();
      s.addService(echoService, {
        echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.concat([Buffer.from("echo:"), call.request])),
        count: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
          const n = Number(call.request.toString());
          let i = 0;
          const tick = () => {
            if (i === n) return call.end();
            call.write(Buffer.from(`item ${i++} ${"x".repeat(1000)}`));
            setTimeout(tick, 20);
          };
          tick();
        },
      });
      return s;
    });
    const port = await run("server", () => new Promise<number>((res, rej) => server.bindAsync("0.0.0.0:50051", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p)))));
    const Client = grpc.makeGenericClientConstructor(echoService, "Echo");
    const client = run("client", () => new Client(`server:${port}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, (...a: unknown[]) => unknown>);
    // Calls run on the client host too: grpc-js resolves and connects lazily, in the context of the first call.
    const unary = (b: Buffer) => run("client", () => new Promise<Buffer>((res, rej) => client.echo!(b, (e: Error | null, v: Buffer) => (e ? rej(e) : res(v)))));
    const big = Buffer.alloc(200_000, 7);
    const replies = [(await unary(Buffer.from("hi"))).toString(), (await unary(big)).length];
    const link = links["client-server"]!.link;
    at(net.now() + ms(500), () => link.partition());
    at(net.now() + sec(4), () => link.heal());
    const items = await run("client", () => new Promise<string[]>((res, rej) => {
      const out: string[] = [];
      const call = client.count!(Buffer.from("100")) as grpc.ClientReadableStream<Buffer>;
      call.on("data", (d: Buffer) => out.push(d.toString().split(" ").slice(0, 2).join(" ")));
      call.on("end", () => res(out));
      call.on("error", rej);
    }));
    client.close();
    await new Promise<void>((res) => server.tryShutdown(() => res()));
    return { replies, items };
  }, { links: [["client", "server", { latency: ms(5), loss: 0.1, reorder: 0.1 }]] });
  assert.deepEqual(r.replies, ["echo:hi", 200_005]);
  assert.deepEqual(r.items, Array.from({ length: 100 }, (_, i) => `item ${i}`));
});
