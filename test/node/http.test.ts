/**
 * Node's own http server and client, and undici's fetch, unmodified, over
 * the simulated network through sockstack/node: bodies arrive byte-exact
 * under 10 % loss and reordering.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { nodeOn } from "../../src/node.js";
import { body, lossyNet, sha } from "./world.js";
import { drive } from "../helpers/vocabulary.js";




for (const faults of [false, true]) {
  test(`http: Node's server and client, keep-alive, 300 KB each way${faults ? " under 10 % loss and reordering" : ""}`, async () => {
    const { net, client, server, link } = lossyNet(7, faults);
    const up = body(300_000, "up"), down = body(300_000, "down");
    const srv = nodeOn(server).http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (d: Buffer) => parts.push(d));
      req.on("end", () => {
        const got = Buffer.concat(parts);
        res.setHeader("x-request-sha", sha(got));
        res.setHeader("x-remote", `${req.socket.remoteAddress}`);
        res.end(req.url === "/big" ? down : "small");
      });
    });
    srv.listen(80);
    const { http } = nodeOn(client);
    const ask = (path: string, payload: Buffer) => new Promise<{ status: number; headers: IncomingMessage["headers"]; body: Buffer; reused: boolean }>((resolve, reject) => {
      const req = http.request({ host: "api", port: 80, path, method: "POST" }, (res) => {
        const parts: Buffer[] = [];
        res.on("data", (d: Buffer) => parts.push(d));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts), reused: req.reusedSocket }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(payload);
    });
    const r = await drive(net, (async () => [await ask("/big", up), await ask("/small", Buffer.from("hi"))])());
    assert.equal(r[0]!.status, 200);
    assert.equal(r[0]!.headers["x-request-sha"], sha(up), "the request body arrived byte-exact");
    assert.equal(r[0]!.headers["x-remote"], "::ffff:10.0.0.1", "a server listening on the default host (::, dual stack) names an IPv4 peer in its mapped form, as Node does");
    assert.equal(sha(r[0]!.body), sha(down), "the response body arrived byte-exact");
    assert.equal(r[1]!.body.toString(), "small");
    assert.equal(r[1]!.reused, true, "the second request reused the kept-alive connection");
    if (faults) assert.ok(link.stats().aToB.dropped.loss + link.stats().bToA.dropped.loss > 10, "packets were lost");
    http.globalAgent.destroy();
    await drive(net, new Promise<void>((res) => srv.close(() => res())));
  });
}

async function fetchScenario(faults: boolean) {
  const { net, client, server } = lossyNet(3, faults);
  const down = body(200_000, "fetch");
  const srv = nodeOn(server).http.createServer((req, res) => {
    res.writeHead(req.url === "/missing" ? 404 : 200, { "content-type": "application/octet-stream" });
    res.end(req.url === "/missing" ? "no" : down);
  });
  srv.listen(8080);
  const { fetch, fetchAgent } = nodeOn(client);
  const [a, b] = await drive(net, (async () => {
    const r1 = await fetch("http://api:8080/data");
    const b1 = Buffer.from(await r1.arrayBuffer());
    const r2 = await fetch("http://api:8080/missing");
    return [{ status: r1.status, type: r1.headers.get("content-type"), body: b1 }, { status: r2.status, body: Buffer.from(await r2.text()) }];
  })());
  assert.equal(a!.status, 200);
  assert.equal(a!.type, "application/octet-stream");
  assert.equal(sha(a!.body), sha(down));
  assert.equal(b!.status, 404);
  assert.equal(b!.body.toString(), "no");
  await drive(net, fetchAgent.close());
  await drive(net, new Promise<void>((res) => srv.close(() => res())));
}

// Known bug (left for the next session): undici's request write is sometimes held until the
// simulation stops (seen as a SYN retransmission at 1 s, then idle): undici waits on something
// outside virtual time around connect. It passed before undici was loaded lazily; not yet understood.
test("fetch (undici) over the façade: byte-exact body, status, headers", () => fetchScenario(false));

test("fetch (undici) over the façade under 10 % loss: byte-exact body, status, headers", () => fetchScenario(true));

test("fetch to a port nobody listens on fails with ECONNREFUSED as its cause", async () => {
  const { net, client } = lossyNet(1, false);
  const e = await drive(net, nodeOn(client).fetch("http://api:81/").then(() => null, (err: unknown) => err as Error & { cause?: Error & { code?: string } }));
  assert.ok(e instanceof TypeError, "fetch failed");
  assert.equal(e.cause?.code, "ECONNREFUSED");
  assert.equal(e.cause?.message, "connect ECONNREFUSED 10.0.0.2:81");
});

test("a façade server's response head is Node's over the kernel byte for byte, its Date line where Node puts its own (after the application's headers)", async () => {
  const realHttp = await import("node:http");
  const realNet = await import("node:net");
  type Res = import("node:http").ServerResponse;
  const styles: Record<string, (res: Res) => void> = {
    "/plain": (res) => res.end("x"),
    "/set": (res) => { res.setHeader("X-A", "1"); res.setHeader("Set-Cookie", ["a=1", "b=2"]); res.end("x"); },
    "/object": (res) => { res.writeHead(200, { "X-B": ["1", "2", "3"], "Content-Type": "text/plain" }); res.end("x"); },
    "/pairs": (res) => { res.writeHead(201, [["X-C", "1"], ["X-D", ["2", "3"]]] as unknown as string[]); res.end("x"); }, // pairs: Node accepts them, its types do not
    "/flat": (res) => { res.writeHead(202, ["X-E", "1", "X-F", "2"]); res.end("x"); },
    "/cookie": (res) => { res.setHeader("Cookie", ["c=1", "d=2"]); res.end("x"); },
    "/mixed": (res) => { res.setHeader("X-G", "1"); res.writeHead(200, { "X-H": "2" }); res.end("x"); },
    "/own-date": (res) => { res.setHeader("X-I", "1"); res.setHeader("date", "Mon, 01 Jan 2001 00:00:00 GMT"); res.end("x"); },
    "/no-date": (res) => { res.sendDate = false; res.setHeader("X-J", "1"); res.end("x"); },
  };
  const handler = (req: import("node:http").IncomingMessage, res: Res) => styles[req.url!]!(res);
  const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`;
  // Node's Date line carries the real date, the façade's the virtual one: compare them masked.
  const head = (raw: string) => raw.slice(0, raw.indexOf("\r\n\r\n")).replace(/^(Date: )(?!Mon, 01 Jan 2001).*$/gim, "$1<date>");
  const kernel: string[] = [];
  const real = realHttp.createServer(handler);
  await new Promise<void>((r) => real.listen(0, "127.0.0.1", () => r()));
  const port = (real.address() as import("node:net").AddressInfo).port;
  for (const path of Object.keys(styles)) {
    kernel.push(await new Promise<string>((resolve, reject) => {
      let raw = "";
      const s = realNet.connect(port, "127.0.0.1", () => s.end(request(path)));
      s.on("data", (d: Buffer) => (raw += d.toString("latin1")));
      s.on("end", () => resolve(head(raw)));
      s.on("error", reject);
    }));
  }
  await new Promise<void>((r) => real.close(() => r()));
  const { net, client, server } = lossyNet(5, false);
  nodeOn(server).http.createServer(handler).listen(80);
  const sim = await drive(net, (async () => {
    const out: string[] = [];
    for (const path of Object.keys(styles)) {
      out.push(await new Promise<string>((resolve, reject) => {
        let raw = "";
        const s = nodeOn(client).net.connect(80, "api", () => s.end(request(path)));
        s.on("data", (d: Buffer) => (raw += d.toString("latin1")));
        s.on("end", () => resolve(head(raw)));
        s.on("error", reject);
      }));
    }
    return out;
  })());
  assert.deepEqual(sim, kernel, "the façade's response heads differ from Node's over the kernel");
  assert.ok(kernel.some((h) => h.includes("Date: <date>")), "Node wrote its Date line");
});
