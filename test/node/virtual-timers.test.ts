/**
 * Application timers on virtual time: an HTTP exchange whose server answers
 * after a setTimeout and whose client retries with back-off, run twice with
 * the same seed, gives byte-identical pcaps; timers and packets interleave
 * in deadline order.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network, ms, pcapFile, sec } from "../../src/index.js";
import { nodeOn, virtualTimers } from "../../src/node.js";

async function exchange(seed: number): Promise<{ pcap: Uint8Array; log: string[] }> {
  const net = new Network({ seed });
  const client = net.addHost("client"), server = net.addHost("api");
  const { link } = net.link(client, server, { latency: ms(7), loss: 0.05 });
  const captured: { time: number; packet: Uint8Array }[] = [];
  link.a.taps.push((p, _d, now) => captured.push({ time: now, packet: p.bytes().slice() }));
  const vt = virtualTimers(net);
  const log: string[] = [];
  try {
    const t0 = Date.now();
    let hits = 0;
    const srv = nodeOn(server).http.createServer((req, res) => {
      hits++;
      // The first two requests are "overloaded": 503 after 250 ms; then 200 after 100 ms.
      setTimeout(() => {
        res.statusCode = hits <= 2 ? 503 : 200;
        res.end(`answer ${hits} at ${Date.now() - t0}`);
      }, hits <= 2 ? 250 : 100);
    });
    srv.listen(80);
    const { http } = nodeOn(client);
    const get = () => new Promise<{ status: number; body: string }>((resolve, reject) => {
      http.get({ host: "api", port: 80, path: "/" }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      }).on("error", reject);
    });
    const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));
    let done = false;
    void (async () => {
      for (let attempt = 0; ; attempt++) {
        const r = await get();
        log.push(`attempt ${attempt}: ${r.status} "${r.body}" client at ${Date.now() - t0} ms, virtual ${net.now() / 1000} ms`);
        if (r.status === 200) break;
        await sleep(1000 * 2 ** attempt); // exponential back-off on the virtual clock
      }
      http.globalAgent.destroy();
      srv.close();
      done = true;
    })();
    assert.equal(await net.runUntil(() => done, { timeout: sec(60) }), true);
    await net.run({ untilIdle: true });
  } finally {
    vt.uninstall();
  }
  return { pcap: pcapFile(captured), log };
}

test("same seed, same pcap: HTTP with server delays and client back-off on virtual timers", async () => {
  const wall = Date.now();
  const a = await exchange(11);
  const b = await exchange(11);
  assert.ok(Date.now() - wall < 20_000, "seconds of virtual back-off take little wall time");
  assert.equal(a.log.length, 3);
  assert.match(a.log[0]!, /^attempt 0: 503 /);
  assert.match(a.log[2]!, /^attempt 2: 200 "answer 3 at \d+"/);
  assert.deepEqual(b.log, a.log);
  assert.ok(Buffer.from(a.pcap).equals(Buffer.from(b.pcap)), "identical pcaps");
  // Date.now() and the network's clock agree (the client line shows both).
  for (const line of a.log) {
    const m = /client at (\d+(?:\.\d+)?) ms, virtual (\d+(?:\.\d+)?) ms/.exec(line)!;
    assert.equal(Math.floor(Number(m[2])), Number(m[1]));
  }
  const c = await exchange(12);
  assert.ok(!Buffer.from(c.pcap).equals(Buffer.from(a.pcap)), "another seed, other packets");
});

test("timers and packets interleave in deadline order; uninstall restores the real timers", async () => {
  const realSetTimeout = globalThis.setTimeout;
  const net = new Network({ seed: 1 });
  const a = net.addHost("a"), b = net.addHost("b");
  net.link(a, b, { latency: ms(10) });
  const vt = virtualTimers(net);
  const order: string[] = [];
  try {
    assert.notEqual(globalThis.setTimeout, realSetTimeout);
    nodeOn(b).net.createServer((s) => s.on("data", () => order.push(`data at ${net.now() / 1000}`))).listen(9);
    const c = nodeOn(a).net.connect(9, "b", () => order.push(`connect at ${net.now() / 1000}`));
    setTimeout(() => order.push(`timer 15 at ${net.now() / 1000}`), 15);
    setTimeout(() => order.push(`timer 5 at ${net.now() / 1000}`), 5);
    const iv = setInterval(() => {
      order.push(`interval at ${net.now() / 1000}`);
      c.write("x");
    }, 12);
    setTimeout(() => clearInterval(iv), 30);
    await net.advance(ms(100));
    c.destroy();
  } finally {
    vt.uninstall();
  }
  assert.equal(globalThis.setTimeout, realSetTimeout);
  assert.deepEqual(order, [
    "timer 5 at 5",
    "interval at 12",
    "timer 15 at 15",
    "connect at 20",
    "interval at 24",
    "data at 30",
    "data at 50", // Nagle: the 2nd byte waits for the 1st one's ACK (back at 40 ms)
  ]);
});

test("the Date header of a façade http server follows the virtual clock (Node's own reads a wall clock captured at load)", async () => {
  const net = new Network({ seed: 1 });
  const client = net.addHost("client"), server = net.addHost("api");
  net.link(client, server, { latency: ms(7) });
  const vt = virtualTimers(net, { epochMs: Date.UTC(2001, 0, 2, 3, 4, 5) });
  try {
    nodeOn(server).http.createServer((req, res) => {
      if (req.url === "/nodate") res.sendDate = false;
      res.end("ok");
    }).listen(80);
    const { http } = nodeOn(client);
    const get = (path: string) => new Promise<string | undefined>((resolve, reject) => {
      http.get({ host: "api", path }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.headers.date));
      }).on("error", reject);
    });
    let dates: (string | undefined)[] | null = null;
    void (async () => (dates = [await get("/"), await get("/nodate")]))();
    assert.ok(await net.runUntil(() => dates !== null, { timeout: sec(5) }));
    assert.deepEqual(dates, ["Tue, 02 Jan 2001 03:04:05 GMT", undefined]);
    http.globalAgent.destroy();
  } finally {
    vt.uninstall();
  }
});

test("a zero-delay timer set while the fake clock already stands at the network's time fires at that instant (no timer storm)", async () => {
  const net = new Network({ seed: 1, driver: { warn: () => {} } });
  const vt = virtualTimers(net);
  const fired: number[] = [];
  try {
    await net.advance(ms(3)); // the clock and the network now agree
    setTimeout(() => fired.push(net.now()), 0);
    setTimeout(() => setTimeout(() => fired.push(net.now()), 0), 2);
    await net.advance(ms(10));
  } finally {
    vt.uninstall();
  }
  assert.deepEqual(fired, [ms(3), ms(6)]);
});
