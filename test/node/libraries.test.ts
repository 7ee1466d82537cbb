/**
 * Third-party libraries nobody here wrote, unmodified, with their real
 * servers and clients on the simulated network through sockstack/node:
 * ws, express, fastify, socket.io (server and client), mqtt with the aedes
 * broker. Each runs under a fault (loss and reordering, a partition healed
 * mid-request, a peer reboot that resets the connection, a long partition
 * that trips the library's own heartbeat) and twice with one seed, which
 * must give byte-identical pcaps (application timers are virtual).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { ms, sec } from "../../src/index.js";
import type { SimulateOptions } from "../../src/node.js";
import { WebSocketServer } from "ws";
import express from "express";
import Fastify from "fastify";
import { Server as SocketIoServer } from "socket.io";
import { io as socketIoClient } from "socket.io-client";
import { Aedes } from "aedes";
import { MqttClient } from "mqtt";
import { body, deterministic, sha } from "./world.js";

const lossy: SimulateOptions = { links: [["client", "server", { latency: ms(5), loss: 0.1, reorder: 0.1 }]] };

test("ws: a WebSocketServer on Node's http server and a ws client, 200 messages echoed in order under 10 % loss and reordering, deterministic", async () => {
  const r = await deterministic(11, async ({ node, links }) => {
    const srv = node("server").http.createServer();
    const wss = new WebSocketServer({ server: srv });
    wss.on("connection", (ws) => ws.on("message", (m, binary) => ws.send(m, { binary })));
    srv.listen(80);
    const echoed = await new Promise<string[]>((resolve, reject) => {
      // nodeOn(host).WebSocket: ws's client with its createConnection hook on the façade.
      const ws = new (node("client").WebSocket)("ws://server/chat");
      const out: string[] = [];
      ws.on("open", () => {
        for (let i = 0; i < 200; i++) ws.send(i % 10 === 0 ? body(20_000, `m${i}`) : `message ${i}`);
      });
      ws.on("message", (m: Buffer, binary: boolean) => {
        out.push(binary ? sha(m) : m.toString());
        if (out.length === 200) ws.close(1000, "done");
      });
      ws.on("close", (code: number) => (code === 1000 ? resolve(out) : reject(new Error(`close ${code}`))));
      ws.on("error", reject);
    });
    await new Promise<void>((res) => wss.close(() => res()));
    await new Promise<void>((res) => srv.close(() => res()));
    const st = links["client-server"]!.link.stats();
    return { echoed, lost: st.aToB.dropped.loss + st.bToA.dropped.loss > 0 };
  }, { ...lossy, cryptoRandom: true });
  assert.equal(r.echoed.length, 200);
  r.echoed.forEach((m, i) => assert.equal(m, i % 10 === 0 ? sha(body(20_000, `m${i}`)) : `message ${i}`, `message ${i} arrived intact and in order`));
  assert.ok(r.lost, "the link lost packets");
});

test("express: a POST whose path is partitioned mid-request completes after the heal, byte-exact, deterministic", async () => {
  const up = body(200_000, "express-up");
  const r = await deterministic(12, async ({ node, links, at, net }) => {
    const app = express();
    app.use(express.raw({ type: "*/*", limit: "1mb" }));
    app.post("/upload", (req, res) => res.json({ sha: sha(req.body as Buffer), len: (req.body as Buffer).length }));
    const srv = node("server").http.createServer(app).listen(3000);
    const link = links["client-server"]!.link;
    at(ms(4), () => link.partition()); // the upload is under way: its segments vanish
    at(sec(4), () => link.heal());
    const res = await node("client").fetch("http://server:3000/upload", { method: "POST", body: up, headers: { "content-type": "application/octet-stream" } });
    const json = (await res.json()) as { sha: string; len: number };
    const t = net.now();
    await node("client").fetchAgent.close();
    await new Promise<void>((res2) => srv.close(() => res2()));
    return { status: res.status, json, afterHeal: t > sec(4) };
  });
  assert.deepEqual(r, { status: 200, json: { sha: sha(up), len: up.length }, afterHeal: true });
});

test("fastify: a streaming response cut by a server reboot fails on the client with ECONNRESET; the rebooted server answers the retry; deterministic", async () => {
  const r = await deterministic(13, async ({ node, reboot, at, hosts }) => {
    const start = (host: string) => {
      const app = Fastify({ serverFactory: (handler) => node(host).http.createServer(handler) });
      app.get("/stream", (_req, reply) => {
        let n = 0;
        const s = new Readable({
          read() {
            // one 1 KB chunk every 100 ms of virtual time
            setTimeout(() => this.push(n++ < 100 ? Buffer.alloc(1024, n) : null), 100);
          },
        });
        return reply.type("application/octet-stream").send(s);
      });
      app.get("/hello", async () => ({ hello: host, boot: hosts.server === node(host).ctx.host }));
      return app;
    };
    await start("server").listen({ port: 8080, host: "0.0.0.0" });
    at(sec(2), () => {
      reboot("server");
    });
    const client = node("client");
    let received = 0;
    let failure = "";
    try {
      const res = await client.fetch("http://server:8080/stream");
      for await (const chunk of res.body!) received += (chunk as Uint8Array).length;
    } catch (e) {
      const err = e as Error & { cause?: Error & { code?: string } };
      failure = `${err.message} / ${err.cause?.code} ${err.cause?.message}`;
    }
    await start("server").listen({ port: 8080, host: "0.0.0.0" }); // the new host's fastify
    const again = (await (await client.fetch("http://server:8080/hello")).json()) as object;
    await client.fetchAgent.close();
    return { received, failure, again };
  });
  assert.ok(r.received > 10_000 && r.received < 30_000, `part of the stream arrived before the reboot (${r.received} bytes)`);
  assert.equal(r.failure, "terminated / ECONNRESET read ECONNRESET");
  assert.deepEqual(r.again, { hello: "server", boot: true });
});

test("socket.io: a 90 s partition trips the client's ping timeout; it reconnects after the heal and acknowledgements flow again; deterministic", async () => {
  const r = await deterministic(14, async ({ node, links, at, net }) => {
    const hs = node("server").http.createServer();
    const ios = new SocketIoServer(hs);
    ios.on("connection", (s) => s.on("double", (x: number, ack: (y: number) => void) => ack(x * 2)));
    hs.listen(80);
    const log: string[] = [];
    const sock = socketIoClient("http://server", { agent: node("client").http.globalAgent as never, reconnectionDelay: 1000, reconnectionDelayMax: 1000, randomizationFactor: 0 });
    sock.on("disconnect", (reason) => log.push(`disconnect ${reason} at ${Math.round(net.now() / 1e6)} s`));
    await new Promise<void>((res, rej) => {
      sock.once("connect", res);
      sock.once("connect_error", rej);
    });
    // engine.io starts on HTTP long-polling (Node's http client through the agent) and upgrades to a WebSocket.
    log.push(`first transport ${sock.io.engine.transport.name}`);
    await new Promise<void>((res) => sock.io.engine.once("upgrade", () => res()));
    log.push(`upgraded to ${sock.io.engine.transport.name}`);
    log.push(`ack ${await sock.emitWithAck("double", 21)}`);
    const link = links["client-server"]!.link;
    const t0 = net.now();
    at(t0 + sec(1), () => link.partition());
    at(t0 + sec(91), () => link.heal());
    await new Promise<void>((res) => sock.once("disconnect", () => res()));
    await new Promise<void>((res) => sock.once("connect", res));
    log.push(`reconnected ${net.now() > t0 + sec(91)}`);
    log.push(`ack ${await sock.emitWithAck("double", 50)}`);
    sock.close();
    // Let the client's agent close its idle polling connections first: an http server's close()
    // closes idle connections in the order of Node's native connection list, which is sorted by a
    // real clock (uv_hrtime) — two closed at one virtual instant could swap FINs from run to run.
    await net.sleep(sec(10));
    ios.close();
    return log;
  }, { cryptoRandom: true });
  assert.deepEqual(r.slice(0, 3), ["first transport polling", "upgraded to websocket", "ack 42"]);
  assert.match(r[3]!, /^disconnect ping timeout at \d+ s$/);
  assert.deepEqual(r.slice(4), ["reconnected true", "ack 100", "disconnect io client disconnect at 92 s"]);
});

test("mqtt with the aedes broker: QoS 1 messages all delivered once under 10 % loss and reordering, deterministic", async () => {
  const r = await deterministic(15, async ({ node }) => {
    const broker = await Aedes.createBroker();
    const srv = node("server").net.createServer(broker.handle).listen(1883);
    // mqtt's own hook: a stream builder for the connection.
    const client = (id: string) => new MqttClient(() => node("client").net.connect(1883, "server") as never, { clientId: id, protocolVersion: 4, reconnectPeriod: 0, keepalive: 30 });
    const sub = client("sub"), pub = client("pub");
    const pubUp = new Promise((res) => pub.once("connect", res));
    await new Promise((res) => sub.once("connect", res));
    await sub.subscribeAsync("sensors/#", { qos: 1 });
    const got: string[] = [];
    const all = new Promise<void>((res) => sub.on("message", (topic, m) => {
      got.push(`${topic}=${sha(m).slice(0, 12)}`);
      if (got.length === 50) res();
    }));
    await pubUp;
    for (let i = 0; i < 50; i++) await pub.publishAsync(`sensors/${i}`, body(i * 100 + 1, `p${i}`), { qos: 1 });
    await all;
    await sub.endAsync();
    await pub.endAsync();
    await new Promise<void>((res) => broker.close(() => res()));
    await new Promise<void>((res) => srv.close(() => res()));
    return got;
  }, lossy);
  assert.deepEqual(r, Array.from({ length: 50 }, (_, i) => `sensors/${i}=${sha(body(i * 100 + 1, `p${i}`)).slice(0, 12)}`));
});
