/**
 * Node's own `tls` and `https` (and undici's fetch over https) on the
 * simulated network through sockstack/node, with a certificate generated
 * for the test by the openssl CLI (node:crypto cannot make X.509
 * certificates). TLS is OpenSSL's, so record bytes are not seed-
 * deterministic; packet sizes and times are (checked below).
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { sec } from "../../src/index.js";
import { Capture } from "../../src/tools/capture.js";
import { facadeConnector, nodeOn } from "../../src/node.js";
import { body, lossyNet, sha } from "./world.js";
import { drive } from "../helpers/vocabulary.js";

/** A self-signed RSA certificate for the name `api` (RSA: signatures of fixed size, so record sizes are too). */
let key = "", cert = "", other = "";
let noOpenssl = "";
before(() => {
  const dir = mkdtempSync(join(tmpdir(), "sockstack-tls-"));
  try {
    const gen = (name: string, cn: string) => spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, `${name}.key`), "-out", join(dir, `${name}.crt`), "-days", "2", "-subj", `/CN=${cn}`, "-addext", `subjectAltName=DNS:${cn}`], { encoding: "utf8" });
    const r = gen("api", "api");
    if (r.error || r.status !== 0) {
      noOpenssl = `the openssl CLI is needed to generate the test certificate (${r.error?.message ?? r.stderr.trim()})`;
      return;
    }
    gen("other", "other");
    key = readFileSync(join(dir, "api.key"), "utf8");
    cert = readFileSync(join(dir, "api.crt"), "utf8");
    other = readFileSync(join(dir, "other.crt"), "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});




test("tls: Node's TLS server and client over façade sockets, 200 KB echoed byte-exact under 10 % loss", async (t) => {
  if (noOpenssl) return t.skip(noOpenssl);
  const { net, client, server, link } = lossyNet(5, true);
  const { tls } = nodeOn(server);
  let serverSaw = "";
  tls.createServer({ key, cert }, (s) => {
    serverSaw = `${s.encrypted} ${s.getProtocol()} ${s.remoteAddress}`;
    s.pipe(s);
  }).listen(8443);
  const up = body(200_000, "tls");
  const c = nodeOn(client).tls.connect({ host: "api", port: 8443, ca: cert, servername: "api" });
  const got = await drive(net, new Promise<{ echo: Buffer; authorized: boolean; cn: string }>((resolve, reject) => {
    const parts: Buffer[] = [];
    c.on("secureConnect", () => c.end(up));
    c.on("data", (d: Buffer) => parts.push(d));
    c.on("end", () => resolve({ echo: Buffer.concat(parts), authorized: c.authorized, cn: String(c.getPeerCertificate().subject.CN) }));
    c.on("error", reject);
  }));
  assert.equal(got.authorized, true, "the certificate verified against the test CA");
  assert.equal(got.cn, "api");
  assert.equal(sha(got.echo), sha(up), "the echo arrived byte-exact");
  assert.equal(serverSaw, "true TLSv1.3 ::ffff:10.0.0.1", "the server (default host ::, dual stack) names the IPv4 client in its mapped form, as Node");
  assert.ok(link.stats().aToB.dropped.loss + link.stats().bToA.dropped.loss > 5, "packets were lost");
});

test("tls: a certificate the client does not trust fails as Node reports it, and new TLSSocket(facadeSocket, { isServer }) works", async (t) => {
  if (noOpenssl) return t.skip(noOpenssl);
  const { net, client, server } = lossyNet(1, false);
  // The server side built by hand: Node's TLSSocket over an accepted façade socket.
  const { net: snet, tls: stls } = nodeOn(server);
  snet.createServer((raw) => {
    const s = new stls.TLSSocket(raw, { isServer: true, key, cert });
    s.on("error", () => {});
    s.on("data", (d: Buffer) => s.end(`hello ${d}`));
  }).listen(443);
  const ctls = nodeOn(client).tls;
  const bad = await drive(net, new Promise<Error & { code?: string }>((resolve) => {
    const c = ctls.connect(443, "api", { ca: other, servername: "api" });
    c.on("secureConnect", () => resolve(new Error("connected")));
    c.on("error", resolve);
  }));
  assert.equal(bad.code, "DEPTH_ZERO_SELF_SIGNED_CERT");
  assert.equal(bad.message, "self-signed certificate");
  const ok = await drive(net, new Promise<string>((resolve, reject) => {
    const c: TLSSocket = ctls.connect(443, "api", { ca: cert, servername: "api" }, () => c.write("sim"));
    let s = "";
    c.on("data", (d: Buffer) => (s += d));
    c.on("end", () => resolve(s));
    c.on("error", reject);
  }));
  assert.equal(ok, "hello sim");
});

test("https: Node's https server and client, keep-alive, 300 KB each way under 10 % loss; fetch over https", async (t) => {
  if (noOpenssl) return t.skip(noOpenssl);
  const { net, client, server } = lossyNet(9, true);
  const down = body(300_000, "https-down"), up = body(300_000, "https-up");
  const srv = nodeOn(server).https.createServer({ key, cert }, (req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (d: Buffer) => parts.push(d));
    req.on("end", () => {
      res.setHeader("x-request-sha", sha(Buffer.concat(parts)));
      res.end(req.url === "/big" ? down : "small");
    });
  });
  srv.listen(443);
  const { https, fetch } = nodeOn(client);
  const agent = new https.Agent({ keepAlive: true, ca: cert });
  const ask = (path: string, payload: Buffer) => new Promise<{ sha: string; body: Buffer; reused: boolean }>((resolve, reject) => {
    const req = https.request({ host: "api", path, method: "POST", agent }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (d: Buffer) => parts.push(d));
      res.on("end", () => resolve({ sha: String(res.headers["x-request-sha"]), body: Buffer.concat(parts), reused: req.reusedSocket }));
    });
    req.on("error", reject);
    req.end(payload);
  });
  const [a, b] = await drive(net, (async () => [await ask("/big", up), await ask("/small", Buffer.from("x"))])());
  assert.equal(a!.sha, sha(up), "the request body arrived byte-exact");
  assert.equal(sha(a!.body), sha(down), "the response body arrived byte-exact");
  assert.equal(b!.body.toString(), "small");
  assert.equal(b!.reused, true, "the second request reused the TLS connection");
  agent.destroy();
  // undici's fetch over https: a dispatcher whose connector trusts the test certificate.
  const { Agent } = await import("undici");
  const dispatcher = new Agent({ connect: facadeConnector(nodeOn(client).net, { ca: cert }) });
  const r = await drive(net, (async () => {
    const res = await fetch("https://api/big", { method: "POST", body: "z", dispatcher });
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
  })());
  assert.equal(r.status, 200);
  assert.equal(sha(r.body), sha(down));
  await drive(net, dispatcher.close());
  const refused = await drive(net, fetch("https://api/").then(() => null, (e: Error & { cause?: Error & { code?: string } }) => e));
  assert.equal(refused?.cause?.code, "DEPTH_ZERO_SELF_SIGNED_CERT", "the default fetch trusts only the system's CAs");
  await drive(net, nodeOn(client).fetchAgent.close());
  srv.close();
});

test("tls determinism: the same seed gives the same packet times, sizes and flags; the record bytes differ (OpenSSL's randomness)", async (t) => {
  if (noOpenssl) return t.skip(noOpenssl);
  const run = async () => {
    const { net, client, server, link } = lossyNet(4, true);
    const cap = Capture.onLink(link, { a: "client", b: "api" });
    nodeOn(server).tls.createServer({ key, cert }, (s) => s.end("x".repeat(50_000))).listen(443);
    const c = nodeOn(client).tls.connect({ host: "api", port: 443, ca: cert, servername: "api" });
    await drive(net, new Promise<void>((resolve, reject) => {
      c.on("data", () => {});
      c.on("end", () => resolve());
      c.on("error", reject);
    }));
    await net.advance(sec(1));
    const recs = cap.records("out");
    return { shape: recs.map((r) => `${r.t} ${r.host} ${r.bytes.length}`), bytes: recs.map((r) => Buffer.from(r.bytes).toString("hex")) };
  };
  const a = await run(), b = await run();
  assert.ok(a.shape.length > 40);
  assert.deepEqual(a.shape, b.shape, "times, directions and sizes are seed-deterministic");
  assert.notDeepEqual(a.bytes, b.bytes, "the encrypted bytes are not");
});

/**
 * The peer's FIN during the handshake, on Node over the kernel loopback and
 * on the façade: a server whose client rejects its certificate reports
 * tlsClientError and closes (it stayed in CLOSE-WAIT, and close() never
 * called back); a client whose server hangs up mid-handshake gets ECONNRESET.
 */
test("tls: a FIN during the handshake closes the connection on both sides as Node over the kernel does (no CLOSE-WAIT left, server.close calls back)", async (t) => {
  if (noOpenssl) return t.skip(noOpenssl);
  const realTls = await import("node:tls");
  const realNet = await import("node:net");
  type Mods = { tls: typeof realTls; net: typeof realNet };
  const scenario = async (m: Mods, host: string, settle: (p: Promise<void>) => Promise<void>): Promise<string[]> => {
    const log: string[] = [];
    // 1. the client rejects the server's certificate and closes
    const srv = m.tls.createServer({ key, cert }, (s) => s.end("hi"));
    const serverSaw = new Promise<void>((r) => srv.on("tlsClientError", (e: Error & { code?: string }) => {
      log.push(`server tlsClientError ${e.code} ${e.message}`);
      r();
    }));
    await settle(new Promise<void>((r) => srv.listen(0, r)));
    const port = (srv.address() as { port: number }).port;
    await settle(new Promise<void>((r) => {
      const c = m.tls.connect({ port, host, ca: other, servername: "api" });
      c.on("error", (e: Error & { code?: string }) => log.push(`client error ${e.code}`));
      c.on("close", () => r());
    }).then(() => serverSaw));
    await settle(new Promise<void>((r) => srv.close(() => {
      log.push("server closed");
      r();
    })));
    // 2. the server hangs up after the ClientHello
    const raw = m.net.createServer((s) => s.once("data", () => s.end()));
    await settle(new Promise<void>((r) => raw.listen(0, r)));
    const rport = (raw.address() as { port: number }).port;
    await settle(new Promise<void>((r) => {
      const c = m.tls.connect({ port: rport, host, ca: cert, servername: "api" });
      c.on("error", (e: Error & { code?: string }) => log.push(`client error ${e.code} ${e.message}`));
      c.on("close", () => r());
    }));
    await settle(new Promise<void>((r) => raw.close(() => r())));
    return log;
  };
  const kernel = await scenario({ tls: realTls, net: realNet }, "127.0.0.1", (p) => p);
  const { net, client, server } = lossyNet(8, false);
  // Each side's modules on its host: servers on "api", clients on "client".
  const s = nodeOn(server), c = nodeOn(client);
  const sim = await scenario({
    tls: { ...realTls, createServer: s.tls.createServer, connect: c.tls.connect } as typeof realTls,
    net: { ...realNet, createServer: s.net.createServer as unknown as typeof realNet.createServer } as typeof realNet,
  }, "api", (p) => drive(net, p, sec(60)));
  assert.deepEqual(kernel, [
    "client error DEPTH_ZERO_SELF_SIGNED_CERT",
    "server tlsClientError ECONNRESET socket hang up",
    "server closed",
    "client error ECONNRESET Client network socket disconnected before secure TLS connection was established",
  ]);
  assert.deepEqual(sim, kernel);
});

test("http2 over TLS (ALPN h2): Node's secure http2 server and client over façade sockets, 100 KB byte-exact under 10 % loss", async (t) => {
  if (noOpenssl) return t.skip(noOpenssl);
  const { net, client, server } = lossyNet(9, true);
  const srv = nodeOn(server).http2.createSecureServer({ key, cert });
  srv.on("stream", (stream) => {
    const sock = stream.session!.socket as TLSSocket;
    stream.respond({ ":status": 200, "x-alpn": String(sock.alpnProtocol) });
    stream.end(body(100_000, "h2s"));
  });
  srv.listen(443);
  const session = nodeOn(client).http2.connect("https://api", { ca: cert });
  const r = await drive(net, new Promise<{ alpn: string; sha: string }>((resolve, reject) => {
    const req = session.request({ ":path": "/" });
    const parts: Buffer[] = [];
    let alpn = "";
    req.on("response", (h) => (alpn = String(h["x-alpn"])));
    req.on("data", (d: Buffer) => parts.push(d));
    req.on("end", () => resolve({ alpn, sha: sha(Buffer.concat(parts)) }));
    req.on("error", reject);
    req.end();
  }), sec(120));
  assert.deepEqual(r, { alpn: "h2", sha: sha(body(100_000, "h2s")) });
  await drive(net, new Promise<void>((res) => session.close(() => res())));
  await drive(net, new Promise<void>((res) => srv.close(() => res())), sec(120));
});

test("wss: nodeOn(host).WebSocket (ws's client) to a ws server on a façade https server, through Node's TLS", async (t) => {
  if (noOpenssl) return t.skip(noOpenssl);
  const { WebSocketServer } = await import("ws");
  const { net, client, server } = lossyNet(10, true);
  const srv = nodeOn(server).https.createServer({ key, cert });
  const wss = new WebSocketServer({ server: srv });
  wss.on("connection", (ws) => ws.on("message", (m: Buffer) => ws.send(`secure ${m}`)));
  srv.listen(443);
  const got = await drive(net, new Promise<string>((resolve, reject) => {
    const ws = new (nodeOn(client).WebSocket)("wss://api/", { ca: cert });
    ws.on("open", () => ws.send("hello"));
    ws.on("message", (m: Buffer) => {
      ws.close();
      resolve(m.toString());
    });
    ws.on("error", reject);
  }), sec(60));
  assert.equal(got, "secure hello");
  wss.close();
  await drive(net, new Promise<void>((res) => srv.close(() => res())), sec(60));
});
