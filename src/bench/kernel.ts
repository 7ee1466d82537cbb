/**
 * Kernel counterparts: the same workloads through Node's `net` over
 * 127.0.0.1 (Linux `lo`, the real TCP stack; ::1 for the IPv6 figures), in this same process — so
 * both sides pay for one JS thread's event loop, and the kernel side also
 * for libuv and the system calls.
 */
import net from "node:net";
import type { Measurement } from "./harness.js";

/** Loopback addresses of the two families (the IPv6 figures use ::1). */
const LOOPBACK = { 4: "127.0.0.1", 6: "::1" } as const;

function listen(onConn: (s: net.Socket) => void, host: string = LOOPBACK[4]): Promise<net.Server> {
  const server = net.createServer({ noDelay: true }, onConn);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: 0, host, backlog: 4096 }, () => resolve(server));
  });
}

function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * One connection, `bytes` from client to server in 64 KiB writes (with
 * back-pressure); the server counts bytes. Value: MB/s (10^6 bytes per wall second).
 * `family` 6 runs it over ::1.
 */
export async function kernelThroughput(bytes: number, family: 4 | 6 = 4): Promise<Measurement> {
  let got = 0;
  const host = LOOPBACK[family];
  const server = await listen((s) => {
    s.on("data", (d: Buffer) => void (got += d.length));
    s.on("end", () => s.end());
  }, host);
  const chunk = Buffer.alloc(1 << 16, 0x5a);
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const c = net.connect({ port: portOf(server), host }, () => {
      let sent = 0;
      const pump = (): void => {
        while (sent < bytes) {
          const n = Math.min(chunk.length, bytes - sent);
          sent += n;
          if (!c.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
            c.once("drain", pump);
            return;
          }
        }
        c.end();
      };
      pump();
    });
    c.on("error", reject);
    c.on("close", () => resolve());
    c.resume();
  });
  const wall = (performance.now() - t0) / 1000;
  await close(server);
  if (got !== bytes) throw new Error(`kernel throughput: received ${got} of ${bytes}`);
  return { value: bytes / wall / 1e6, extra: { wall_s: wall } };
}

/**
 * `n` connections, `inflight` at a time: connect, send 1 byte, read the
 * echo, close (the client closes first; the server closes on EOF).
 * Value: connections per wall second. `family` 6 runs it over ::1.
 */
export async function kernelConnectRate(n: number, inflight: number, family: 4 | 6 = 4): Promise<Measurement> {
  const host = LOOPBACK[family];
  const server = await listen((s) => {
    s.on("data", (d: Buffer) => void s.write(d));
    s.on("end", () => s.end());
    s.on("error", () => {});
  }, host);
  const port = portOf(server);
  let done = 0;
  let started = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const one = (): void => {
      started++;
      const c = net.connect({ port, host, noDelay: true }, () => void c.write("x"));
      c.once("data", () => c.end());
      c.on("error", reject);
      c.on("close", () => {
        done++;
        if (done === n) resolve();
        else if (started < n) one();
      });
    };
    for (let i = 0; i < Math.min(inflight, n); i++) one();
  });
  const wall = (performance.now() - t0) / 1000;
  await close(server);
  return { value: n / wall, extra: { connections: n, wall_s: wall } };
}

/**
 * JS heap per idle connection end of Node's own `net` (the user-space
 * half of a kernel connection: `net.Socket`, its handle and streams):
 * `n` client/server pairs established over 127.0.0.1. Needs `gc`.
 */
export async function kernelHeapPerConnection(n: number, gc: () => void): Promise<Measurement> {
  const accepted: net.Socket[] = [];
  const server = await listen((s) => void accepted.push(s));
  const port = portOf(server);
  gc();
  const before = process.memoryUsage().heapUsed;
  const clients: net.Socket[] = [];
  await new Promise<void>((resolve, reject) => {
    let up = 0;
    let i = 0;
    const next = (): void => {
      if (i >= n) return;
      i++;
      const c = net.connect({ port, host: "127.0.0.1" }, () => {
        up++;
        if (up === n) resolve();
        else next();
      });
      c.on("error", reject);
      clients.push(c);
    };
    for (let k = 0; k < 256; k++) next();
  });
  while (accepted.length < n) await new Promise((r) => setImmediate(r));
  gc();
  const after = process.memoryUsage().heapUsed;
  const per = (after - before) / (2 * n);
  for (const c of clients) c.destroy();
  for (const s of accepted) s.destroy();
  await close(server);
  return { value: per, extra: { connections: n } };
}
