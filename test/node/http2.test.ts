/**
 * Node's own http2 (nghttp2) client and server, unmodified, over façade
 * sockets: concurrent streams byte-exact under 10 % loss and reordering,
 * the same packets for the same seed, and a peer reboot mid-stream seen
 * as Node reports a reset session.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ClientHttp2Session } from "node:http2";
import { Capture, ms } from "../../src/index.js";
import { simulate } from "../../src/node.js";
import { body, sha } from "./world.js";

async function exchange(seed: number) {
  let cap: Capture | null = null;
  const r = await simulate(async ({ node, links }) => {
    cap = Capture.onLink(links["client-server"]!.link, { a: "client", b: "server" });
    const srv = node("server").http2.createServer();
    srv.on("stream", (stream, headers) => {
      const parts: Buffer[] = [];
      stream.on("data", (d: Buffer) => parts.push(d));
      stream.on("end", () => {
        stream.respond({ ":status": 200, "x-request-sha": sha(Buffer.concat(parts)), "x-path": String(headers[":path"]) });
        stream.end(body(150_000, String(headers[":path"])));
      });
    });
    srv.listen(80);
    const session: ClientHttp2Session = node("client").http2.connect("http://server");
    const one = (path: string) => new Promise<{ path: string; status: number; reqSha: string; sha: string }>((resolve, reject) => {
      const req = session.request({ ":path": path, ":method": "POST" });
      const parts: Buffer[] = [];
      let status = 0, reqSha = "";
      req.on("response", (h) => {
        status = Number(h[":status"]);
        reqSha = String(h["x-request-sha"]);
      });
      req.on("data", (d: Buffer) => parts.push(d));
      req.on("end", () => resolve({ path, status, reqSha, sha: sha(Buffer.concat(parts)) }));
      req.on("error", reject);
      req.end(body(100_000, `up${path}`));
    });
    const out = await Promise.all(["/a", "/b", "/c", "/d"].map(one));
    await new Promise<void>((res) => session.close(() => res()));
    await new Promise<void>((res) => srv.close(() => res()));
    const st = links["client-server"]!.link.stats();
    return { out, lost: st.aToB.dropped.loss + st.bToA.dropped.loss };
  }, { seed, virtualTimers: true, artefacts: false, links: [["client", "server", { latency: ms(5), loss: 0.1, reorder: 0.1 }]] });
  return { ...r, pcap: Buffer.from(cap!.pcap()) };
}

test("http2: four concurrent POST streams on one session, 100 KB up and 150 KB down each, byte-exact under 10 % loss and reordering; same seed, same pcap", async () => {
  const a = await exchange(31);
  for (const p of ["/a", "/b", "/c", "/d"]) {
    const r = a.out.find((o) => o.path === p)!;
    assert.deepEqual(r, { path: p, status: 200, reqSha: sha(body(100_000, `up${p}`)), sha: sha(body(150_000, p)) });
  }
  assert.ok(a.lost > 10, "packets were lost");
  const b = await exchange(31);
  assert.equal(sha(b.pcap), sha(a.pcap), "byte-identical pcaps for one seed");
});

test("http2: a server reboot mid-stream resets the session: the stream fails with ECONNRESET as Node reports it", async () => {
  const r = await simulate(async ({ node, at, reboot, net }) => {
    const srv = node("server").http2.createServer();
    srv.on("stream", (stream) => {
      stream.respond({ ":status": 200 });
      const tick = () => {
        if (!stream.destroyed) stream.write(Buffer.alloc(1000), () => setTimeout(tick, 50));
      };
      tick();
    });
    srv.listen(80);
    const session = node("client").http2.connect("http://server");
    const errors: string[] = [];
    session.on("error", (e: Error & { code?: string }) => errors.push(`session ${e.code} ${e.message}`));
    let received = 0;
    const failure = await new Promise<string>((resolve) => {
      const req = session.request({ ":path": "/stream" });
      req.on("data", (d: Buffer) => (received += d.length));
      req.on("error", (e: Error & { code?: string }) => resolve(`${e.code} ${e.message}`));
      req.on("close", () => resolve(`closed ${req.rstCode}`));
      req.end();
      at(net.now() + ms(1000), () => {
        reboot("server");
      });
    });
    session.destroy();
    return { failure, errors, received };
  }, { seed: 32, virtualTimers: true, artefacts: false });
  assert.ok(r.received > 10_000, `data flowed before the reboot (${r.received} bytes)`);
  assert.equal(r.failure, "ECONNRESET read ECONNRESET");
  assert.deepEqual(r.errors, ["session ECONNRESET read ECONNRESET"]);
});
