/**
 * `_handle` of façade sockets, servers and dgram sockets (handle.ts): the
 * members of Node's TCPWrap/UDPWrap that code outside Node touches, with
 * Node's lifetimes and results — the same script runs on Node over the
 * kernel loopback and on the simulation, and the logs must match.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as realNet from "node:net";
import * as realDgram from "node:dgram";
import { Network, ms, sec } from "../../src/index.js";
import { nodeOn } from "../../src/node.js";

type NetLike = typeof realNet;
type DgramLike = typeof realDgram;
type Out = { address?: string; family?: string; port?: number };

/** The scenario, written once against Node's API; `done` when every step has logged. */
function scenario(net: NetLike, dgram: DgramLike, host: string, log: string[], done: () => void): void {
  const h = (x: unknown) => (x === null ? "null" : typeof x);
  const server = net.createServer((conn) => conn.on("data", () => {}).on("error", () => {}));
  log.push(`server before listen: ${h((server as unknown as { _handle: unknown })._handle)}`);
  server.listen(0, host, () => {
    const sh = (server as unknown as { _handle: { fd: number; getsockname(o: Out): number } })._handle;
    const so: Out = {};
    log.push(`server handle: fd ${sh.fd >= 0 ? "≥0" : sh.fd}, getsockname ${sh.getsockname(so)} same as address(): ${so.port === (server.address() as realNet.AddressInfo).port}`);
    const port = (server.address() as realNet.AddressInfo).port;
    const fresh = new net.Socket();
    log.push(`fresh socket: ${h((fresh as unknown as { _handle: unknown })._handle)}`);
    fresh.on("error", (e: NodeJS.ErrnoException) => log.push(`write before connect: error ${e.code}`));
    fresh.write("x", (e) => log.push(`write before connect: callback ${(e as NodeJS.ErrnoException | null)?.code}`));
    const calls: string[] = [];
    const c = net.connect({ port, host, noDelay: true, keepAlive: true, keepAliveInitialDelay: 2500 });
    const ch = (c as unknown as { _handle: Record<string, (...a: unknown[]) => unknown> })._handle;
    log.push(`connecting: ${h(ch)}`);
    const nd = ch.setNoDelay!, ka = ch.setKeepAlive!;
    ch.setNoDelay = function (this: unknown, ...a: unknown[]) { calls.push(`setNoDelay(${a.join(",")})`); return nd.apply(this, a); };
    ch.setKeepAlive = function (this: unknown, ...a: unknown[]) { calls.push(`setKeepAlive(${a.join(",")})`); return ka.apply(this, a); };
    c.on("connect", () => {
      log.push(`afterConnect called ${calls.join(" ")}`);
      c.setNoDelay(true); // no change: not passed on
      c.setNoDelay(false);
      log.push(`after setNoDelay(true), setNoDelay(false): ${calls.slice(2).join(" ")}`);
      const handle = (c as unknown as { _handle: { fd: number; getsockname(o: Out): number; getpeername(o: Out): number; close(): void } })._handle;
      const local: Out = {}, peer: Out = {};
      log.push(`getsockname ${handle.getsockname(local)} = address(): ${local.port === c.localPort && local.address === c.localAddress && local.family === c.localFamily}`);
      log.push(`getpeername ${handle.getpeername(peer)} = remote: ${peer.port === port && peer.address === c.remoteAddress}`);
      log.push(`fd: ${handle.fd >= 0 ? "≥0" : handle.fd}`);
      c.on("error", (e) => {
        log.push(`after _handle.close(), write: ${e.constructor.name} "${e.message}"`);
        log.push(`fd after close: ${handle.fd}; getsockname after close: ${handle.getsockname({}) < 0 ? "an errno" : "0"}`);
        // Node never emits 'close' here: its destroy closes the handle again, whose callback never comes.
        c.on("close", () => log.push("close after _handle.close()"));
        {
          log.push(`destroyed: _handle ${h((c as unknown as { _handle: unknown })._handle)}`);
          const c2 = net.connect({ port, host }, () => {
            const own = (c2 as unknown as { _handle: { close(): void } })._handle;
            (c2 as unknown as { _handle: unknown })._handle = null; // Node's destroy then leaves this handle open: closed below
            c2.on("error", (e2: NodeJS.ErrnoException) => {
              log.push(`_handle = null, write: ${e2.code}`);
              const u = dgram.createSocket("udp4");
              const uh = (u as unknown as { _handle: { fd: number } })._handle;
              log.push(`dgram before bind: ${h(uh)} fd ${uh.fd}`);
              u.bind(0, host, () => {
                log.push(`dgram bound: fd ${uh.fd >= 0 ? "≥0" : uh.fd}`);
                u.close(() => {
                  log.push(`dgram closed: _handle ${h((u as unknown as { _handle: unknown })._handle)}, the old one's fd ${uh.fd}`);
                  own.close();
                  server.close();
                  done();
                });
              });
            });
            c2.write("y");
          });
        }
      });
      handle.close();
      c.write("after close");
    });
  });
}

test("_handle: lifetimes, addresses, fd, close, and the options afterConnect applies, as Node's over the kernel", async () => {
  const kernel: string[] = [];
  process.noDeprecation = true; // dgram's _handle is DEP0112 (the façade's getter warns as Node's, once per process)
  await new Promise<void>((resolve) => scenario(realNet, realDgram, "127.0.0.1", kernel, resolve));
  const net = new Network({ seed: 1, driver: { warn: () => {} } });
  const host = net.addHost("h");
  net.link(host, net.addHost("other"), { latency: ms(1) });
  const { net: sNet, dgram: sDgram } = nodeOn(host);
  const sim: string[] = [];
  let finished = false;
  scenario(sNet as unknown as NetLike, sDgram as unknown as DgramLike, "127.0.0.1", sim, () => (finished = true));
  assert.ok(await net.runUntil(() => finished, { timeout: sec(10) }), `the simulated run finished: ${sim.join("\n")}`);
  process.noDeprecation = false;
  assert.deepEqual(sim, kernel, "the façade's _handle behaves as Node's over the kernel");
});
