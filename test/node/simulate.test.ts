/**
 * simulate(): a flaky-network test in one call — the fault timeline, the
 * failure artefacts and the replay line.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ms, sec } from "../../src/index.js";
import { simulate, SimulationFailure } from "../../src/node.js";
import { Capture } from "../../src/tools/capture.js";

test("simulate: an HTTP request survives a partition the timeline heals; the result and virtual time come back", async () => {
  const r = await simulate(async ({ node, links, at, net }) => {
    node("server").http.createServer((_req, res) => res.end("through")).listen(80);
    const link = links["client-server"]!.link;
    at(ms(1), () => link.partition());
    at(sec(3), () => link.heal());
    const res = await node("client").fetch("http://server/");
    const text = await res.text();
    await node("client").fetchAgent.close();
    return { text, t: net.now() };
  }, { seed: 3 });
  assert.equal(r.text, "through");
  assert.ok(r.t > sec(3), `the exchange finished after the heal (${r.t} µs)`);
});

test("simulate: a failing body leaves the pcap, ladder, ss/netstat, strace and pending calls in one folder, and the replay line", async () => {
  const where = mkdtempSync(join(tmpdir(), "sockstack-simulate-test-"));
  const lines: string[] = [];
  try {
    const err = await simulate(async ({ node, net }) => {
      node("server").net.createServer({ pauseOnConnect: true }, () => {}).listen(7); // a server that does not read
      const c = node("client").net.connect(7, "server");
      await new Promise((r) => c.once("connect", r));
      c.write("hello");
      await net.sleep(ms(10));
      throw new Error("the assertion that failed");
    }, { seed: 42, artefacts: where, log: (l) => lines.push(l) }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof SimulationFailure);
    assert.equal(err.seed, 42);
    assert.match(err.message, /^the assertion that failed\nreplay with SOCKSTACK_SEED=42 \(artefacts in /);
    assert.equal((err.cause as Error).message, "the assertion that failed");
    assert.deepEqual(lines, [`replay with SOCKSTACK_SEED=42 (artefacts in ${err.artefacts})`]);
    const dir = err.artefacts!;
    assert.equal(dir, join(where, "seed-42"));
    const pcap = readFileSync(join(dir, "client-server.pcap"));
    assert.equal(pcap.readUInt32LE(0), 0xa1b2c3d4, "a pcap file");
    assert.ok(pcap.length > 24 + 3 * 16, "with the handshake and the data in it");
    assert.match(readFileSync(join(dir, "client-server.ladder.txt"), "utf8"), /── S seq 0 ─/, "the ladder starts with the SYN");
    assert.match(readFileSync(join(dir, "server.ss.txt"), "utf8"), /ESTAB\s+5\s/, "the server's unread 5 bytes show as Recv-Q");
    assert.match(readFileSync(join(dir, "client.netstat.txt"), "utf8"), /ESTABLISHED/);
    assert.match(readFileSync(join(dir, "strace.txt"), "utf8"), /connect\(3, \{sa_family=AF_INET, sin_port=htons\(7\)/);
    assert.ok(existsSync(join(dir, "pending.txt")));
  } finally {
    rmSync(where, { recursive: true, force: true });
  }
});

test("simulate: a body that never finishes fails after the virtual timeout, without artefacts when asked", async () => {
  const err = await simulate(() => new Promise<never>(() => {}), { seed: 5, timeout: sec(30), artefacts: false }).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof SimulationFailure);
  assert.equal(err.artefacts, null);
  assert.equal(err.message, "the test body did not finish within 30 s of virtual time\nreplay with SOCKSTACK_SEED=5");
});

test("simulate: a peer reboot mid-connection answers with RST: the client sees ECONNRESET as Node reports it", async () => {
  const code = await simulate(async ({ node, reboot }) => {
    node("server").net.createServer(() => {}).listen(7);
    const c = node("client").net.connect(7, "server");
    await new Promise((r) => c.once("connect", r));
    reboot("server");
    const e = await new Promise<Error & { code?: string; syscall?: string }>((resolve) => {
      c.on("error", resolve);
      c.write("anyone there?");
    });
    return `${e.code} ${e.syscall} ${e.message}`;
  }, { seed: 2, artefacts: false });
  assert.equal(code, "ECONNRESET read read ECONNRESET");
});

test("simulate: after a reboot the old incarnation sends nothing — its program's late writes, its FIN and its retransmissions stay in the dead kernel; the new one answers with RST", async () => {
  const lines = await simulate(async ({ node, reboot, links, net }) => {
    let old: import("node:net").Socket | null = null;
    node("server").net.createServer((s) => {
      old = s;
      s.on("error", () => {});
    }).listen(7);
    const c = node("client").net.connect(7, "server");
    c.on("error", () => {});
    await new Promise((r) => c.once("connect", r));
    await net.sleep(ms(10));
    const cap = Capture.onLink(links["client-server"]!.link, { a: "client", b: "server" });
    reboot("server");
    old!.write("from the old incarnation"); // the old program still runs, on a kernel that is gone
    old!.end();
    await net.sleep(ms(50));
    c.write("anyone there?");
    await net.sleep(sec(2));
    return cap.tcpdump({ direction: "out" });
  }, { seed: 2, artefacts: false });
  const fromServer = lines.filter((l) => / IP 10\.0\.0\.2\.7 > /.test(l));
  assert.equal(fromServer.length, 1, `one packet from the server, the new kernel's RST: ${fromServer.join(" | ")}`);
  assert.match(fromServer[0]!, /Flags \[R\]/, "the rebooted server answers the old connection with RST");
});
