/**
 * The Node-façade benchmarks (issue 14): the same unmodified Node code —
 * an `http` server and a keep-alive client making sequential requests, or
 * undici's `fetch` — once over sockstack/node (server and client on one
 * simulated host, through its loopback) and once over the kernel loopback
 * (Node's own `http` and undici on 127.0.0.1), in the same run. The value
 * is requests per wall second: the whole cost of Node's HTTP code plus the
 * transport underneath.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { Network } from "../sim/network.js";
import { nodeOn } from "../node/facade/index.js";
import type { Measurement } from "./harness.js";

const BODY = "x".repeat(1024);

/** n sequential GETs through `get` (one keep-alive connection); resolves when every body arrived. */
async function sequential(n: number, get: () => Promise<number>): Promise<void> {
  for (let i = 0; i < n; i++) {
    const len = await get();
    if (len !== BODY.length) throw new Error(`http bench: body of ${len} bytes`);
  }
}

/** Requests of Node's http client over one keep-alive agent. */
function httpGet(mod: { request: typeof http.request }, agent: http.Agent, host: string, port: number): () => Promise<number> {
  return () => new Promise<number>((resolve, reject) => {
    const req = mod.request({ host, port, path: "/", agent }, (res) => {
      let len = 0;
      res.on("data", (d: Buffer) => (len += d.length));
      res.on("end", () => resolve(len));
    });
    req.on("error", reject);
    req.end();
  });
}

/** `n` sequential keep-alive requests of Node's http over sockstack/node (one simulated host, loopback). */
export async function simHttp(n: number): Promise<Measurement> {
  const net = new Network({ seed: 1 });
  const host = net.addHost("h");
  const { http: shttp } = nodeOn(host);
  const srv = shttp.createServer((_req, res) => res.end(BODY)).listen(80);
  const agent = new shttp.Agent({ keepAlive: true, maxSockets: 1 });
  let done = false;
  let err: unknown = null;
  const t0 = performance.now();
  sequential(n, httpGet(shttp, agent, "127.0.0.1", 80)).then(() => (done = true), (e: unknown) => ((err = e), (done = true)));
  await net.runUntil(() => done);
  const wall = (performance.now() - t0) / 1000;
  if (err) throw err;
  if (!done) throw new Error("http bench: the simulation went idle");
  agent.destroy();
  srv.close();
  await net.advance(1_000_000);
  return { value: n / wall, extra: { requests: n, wall_s: wall, virtual_s: net.now() / 1e6 } };
}

/** The same requests over the kernel loopback. */
export async function kernelHttp(n: number): Promise<Measurement> {
  const srv = http.createServer((_req, res) => res.end(BODY));
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const t0 = performance.now();
  await sequential(n, httpGet(http, agent, "127.0.0.1", port));
  const wall = (performance.now() - t0) / 1000;
  agent.destroy();
  await new Promise<void>((r) => srv.close(() => r()));
  return { value: n / wall, extra: { requests: n, wall_s: wall } };
}

/** Why `fetch` cannot run here, or null: undici is an optional peer dependency of the package. */
export const FETCH_UNAVAILABLE: string | null = (() => {
  try {
    import.meta.resolve("undici");
    return null;
  } catch {
    return "needs undici (an optional peer dependency: npm install undici)";
  }
})();

/** `n` sequential undici fetches over sockstack/node. */
export async function simFetch(n: number): Promise<Measurement> {
  const net = new Network({ seed: 1 });
  const host = net.addHost("h");
  const { http: shttp, fetch, fetchAgent } = nodeOn(host);
  const srv = shttp.createServer((_req, res) => res.end(BODY)).listen(80);
  let done = false;
  let err: unknown = null;
  const t0 = performance.now();
  sequential(n, async () => (await (await fetch("http://127.0.0.1/")).arrayBuffer()).byteLength).then(() => (done = true), (e: unknown) => ((err = e), (done = true)));
  await net.runUntil(() => done);
  const wall = (performance.now() - t0) / 1000;
  if (err) throw err;
  if (!done) throw new Error("fetch bench: the simulation went idle");
  let closed = false;
  void fetchAgent.close().finally(() => (closed = true));
  await net.runUntil(() => closed, { timeout: 10_000_000 });
  srv.close();
  return { value: n / wall, extra: { requests: n, wall_s: wall, virtual_s: net.now() / 1e6 } };
}

/** The same fetches with undici over the kernel loopback. */
export async function kernelFetch(n: number): Promise<Measurement> {
  const undici = await import("undici");
  const srv = http.createServer((_req, res) => res.end(BODY));
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as AddressInfo).port;
  const dispatcher = new undici.Agent();
  const t0 = performance.now();
  await sequential(n, async () => (await (await undici.fetch(`http://127.0.0.1:${port}/`, { dispatcher })).arrayBuffer()).byteLength);
  const wall = (performance.now() - t0) / 1000;
  await dispatcher.close();
  await new Promise<void>((r) => srv.close(() => r()));
  return { value: n / wall, extra: { requests: n, wall_s: wall } };
}
