/**
 * Interop with the real Linux kernel (issue 7): a sockstack host on the
 * TUN bridge (socat + UdpTunDevice, real-time driver) against the kernel's
 * own stack driven by curl, Python and ss, both directions, every transfer
 * checked byte-exactly (SHA-256 of the shared pattern).
 *
 * Layout: this file runs twice. The outer run (the normal test process)
 * creates a fresh network namespace, re-runs this file inside it with
 * `ip netns exec` (so the Node side, socat and the kernel peers share the
 * namespace's loopback and TUN device), and deletes the namespace in a
 * `finally`. The inner run does the work. Without root, socat, ip or
 * /dev/net/tun the outer test is skipped with the reason.
 *
 * Safety: the namespace has only `lo` and the TUN device, no default
 * route, IPv6 off except on the TUN device (asserted before any traffic);
 * all addresses are in 198.18.0.0/24 and 2001:2::/64; every child process
 * has a timeout; the whole inner run is bounded.
 *
 * Knobs: SOCKSTACK_INTEROP_BULK_MB (default 100; 10 under impairments);
 * SOCKSTACK_INTEROP_COMPARE_MB (2, cubic), SOCKSTACK_INTEROP_COMPARE_BBR_MB
 * (6) and SOCKSTACK_INTEROP_COMPARE_ROUNDS (3): the impaired sender
 * comparison (cubic and bbr, kernel and sockstack), run in IPv4 and in IPv6.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFileSync, rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isSysError } from "../core/sys-error.js";
import { ms } from "../core/time.js";
import { Rng } from "../core/rng.js";
import type { Host } from "../host/host.js";
import { ping } from "../host/ping.js";
import type { Process } from "../sys/process.js";
import type { LinkConfigInput } from "../sim/impairments.js";
import { createNetns, deleteNetns, inNetns, interopUnavailableReason, netnsExists, assertSealed } from "./netns.js";
import { attachTunHost, TUN_DEFAULTS, type TunHost } from "./tun-host.js";
import { startEchoServer } from "./apps/echo-server.js";
import { startDiscardServer } from "./apps/discard-server.js";
import { startHttpServer } from "./apps/http-server.js";
import { sendAll, type ServerHandle } from "./apps/app-server.js";
import { PATTERN_BLOCK, patternBytes } from "./apps/pattern.js";
import { snapshot } from "../tools/snapshot.js";
import { sockaddrIn6 } from "../socket/sockaddr.js";
import { ss } from "../tools/ss.js";

const THIS_FILE = fileURLToPath(import.meta.url);
const PEER_PY = join(THIS_FILE, "../../../test/interop/kernel-peer.py");
const INNER_ENV = "SOCKSTACK_INTEROP_NETNS";
const INNER_TIMEOUT_MS = 15 * 60_000;
const KERNEL = TUN_DEFAULTS.peer;
const SOCKSTACK = TUN_DEFAULTS.addr.split("/")[0]!;
const KERNEL6 = TUN_DEFAULTS.peer6;
const SOCKSTACK6 = TUN_DEFAULTS.addr6.split("/")[0]!;

// ─── outer: create the namespace, run the inner file in it, delete it ───

if (!process.env[INNER_ENV]) {
  test("interop with the Linux kernel through a TUN bridge (in a fresh network namespace)", { timeout: INNER_TIMEOUT_MS + 30_000 }, async (t) => {
    const why = interopUnavailableReason();
    if (why) {
      t.skip(`interop tests skipped: ${why}`);
      return;
    }
    const ns = `ssit${process.pid}`.slice(0, 15);
    createNetns(ns);
    try {
      const [cmd, args] = inNetns(ns, process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", THIS_FILE]);
      // A fresh test runner in the child: drop the parent runner's context (NODE_TEST_CONTEXT makes it skip files).
      const env: NodeJS.ProcessEnv = { ...process.env, [INNER_ENV]: ns };
      for (const k of Object.keys(env)) if (k.startsWith("NODE_TEST")) delete env[k];
      const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
      const out: string[] = [];
      child.stdout.on("data", (d: Buffer) => out.push(d.toString()));
      child.stderr.on("data", (d: Buffer) => out.push(d.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), INNER_TIMEOUT_MS);
      const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      clearTimeout(timer);
      const text = out.join("");
      for (const line of text.split("\n")) if (line.trim()) t.diagnostic(line);
      assert.equal(code, 0, `inner interop run failed (exit ${code}):\n${text}`);
      const passed = Number(/ℹ pass (\d+)/.exec(text)?.[1] ?? 0);
      assert.ok(passed >= 5, `the inner run passed only ${passed} tests:\n${text}`);
    } finally {
      deleteNetns(ns);
      assert.equal(netnsExists(ns), false, `namespace ${ns} was not removed`);
    }
  });
} else {
  innerSuite(process.env[INNER_ENV]!);
}

// ─── inner: everything below runs inside the namespace ──────────────────

/** A kernel-side peer (Python, kernel sockets) with its READY line and final JSON. */
interface Peer {
  ready: Promise<void>;
  result: Promise<Record<string, unknown>>;
}

function kernelPeer(args: (string | number)[], timeoutMs = 120_000): Peer {
  const child = spawn("python3", [PEER_PY, ...args.map(String)], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    if (out.includes("READY\n")) readyResolve();
  });
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const result = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.on("exit", (code, sig) => {
      clearTimeout(timer);
      readyResolve();
      const last = out.trim().split("\n").filter((l) => l.startsWith("{")).pop();
      if (code !== 0 || !last) reject(new Error(`kernel-peer ${args.join(" ")} failed (${code ?? sig}): ${err.trim() || out}`));
      else resolve(JSON.parse(last) as Record<string, unknown>);
    });
  });
  return { ready, result };
}

function runTool(cmd: string, args: string[], timeoutMs = 60_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: "buffer", timeout: timeoutMs, maxBuffer: 512 << 20 }, (e, stdout, stderr) => {
      if (e) reject(new Error(`${cmd} ${args.join(" ")}: ${e.message} ${stderr.toString()}`));
      else resolve(stdout);
    });
  });
}

function sha256(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

/** SHA-256 of the first n bytes of the pattern, without materialising them. */
function patternSha(n: number): string {
  const h = createHash("sha256");
  for (let off = 0; off < n; off += PATTERN_BLOCK.length) h.update(PATTERN_BLOCK.subarray(0, Math.min(PATTERN_BLOCK.length, n - off)));
  return h.digest("hex");
}

/** Sends n pattern bytes on a sockstack stream socket. */
async function sendPattern(p: Process, fd: number, n: number): Promise<void> {
  for (let off = 0; off < n; off += PATTERN_BLOCK.length) {
    const k = Math.min(PATTERN_BLOCK.length, n - off);
    await sendAll(p, fd, k === PATTERN_BLOCK.length ? PATTERN_BLOCK : PATTERN_BLOCK.subarray(0, k));
  }
}

/** Reads to EOF, hashing. */
async function recvAll(p: Process, fd: number): Promise<{ n: number; sha: string }> {
  const h = createHash("sha256");
  let n = 0;
  for (;;) {
    const d = await p.recv(fd, 262144);
    if (d.length === 0) return { n, sha: h.digest("hex") };
    h.update(d);
    n += d.length;
  }
}

/** Runs `main` as a sockstack process and resolves with its result (rejects on error). */
function run<T>(host: Host, name: string, main: (p: Process) => Promise<T>): Promise<T> {
  const p = host.createProcess(name);
  return main(p).finally(() => void p.exit(0));
}

/** null when TCP works, else why not (detected at run time: socket(2) fails until src/tcp lands). */
function tcpUnavailable(host: Host): string | null {
  const p = host.createProcess("probe");
  try {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    void p.close(fd);
    return null;
  } catch (e) {
    if (isSysError(e, "ESOCKTNOSUPPORT") || isSysError(e, "EPROTONOSUPPORT") || isSysError(e, "EAFNOSUPPORT")) {
      return `TCP not available in this build: socket(AF_INET, SOCK_STREAM) → ${(e as Error).message}`;
    }
    throw e;
  } finally {
    void p.exit(0);
  }
}

const BYTE_SIZES = [0, 1, 100, 1400, 1472, 1473, 8000, 65507];

function innerSuite(ns: string): void {
  let th: TunHost;
  let noTcp: string | null = null;
  const servers: ServerHandle[] = [];

  before(async () => {
    th = await attachTunHost({ ttlSeconds: INNER_TIMEOUT_MS / 1000, seed: "interop", ipv6: true });
    assertSealed(null, TUN_DEFAULTS.tunName);
    noTcp = tcpUnavailable(th.host);
    servers.push(startEchoServer(th.host, { port: 7, proto: "udp" }));
    servers.push(startDiscardServer(th.host, { port: 9, proto: "udp" }));
    if (!noTcp) {
      servers.push(startEchoServer(th.host, { port: 7, proto: "tcp" }));
      servers.push(startDiscardServer(th.host, { port: 9, proto: "tcp" }));
      servers.push(startHttpServer(th.host, { port: 8080 }));
      servers.push(startHttpServer(th.host, { port: 8086, family: "AF_INET6" }));
      servers.push(startEchoServer(th.host, { port: 7007, proto: "tcp", family: "AF_INET6" }));
      servers.push(startDiscardServer(th.host, { port: 9009, proto: "tcp", family: "AF_INET6" }));
    }
  });

  after(async () => {
    for (const s of servers) await s.stop();
    await th?.close();
  });

  test(`the namespace ${ns} is sealed: lo and the TUN device only, no route out, IPv6 on the TUN device alone`, () => {
    assertSealed(null, TUN_DEFAULTS.tunName);
    assert.equal(th.host.ip.routes.lookup(0x08080808), null, "sockstack must have no route beyond the TUN subnet");
  });

  matrix("ideal bridge", null, Number(process.env.SOCKSTACK_INTEROP_BULK_MB ?? 100));
  ipv6Suite();
  matrix("impaired bridge: loss 2 %, delay 10 ms, reordering 5 % (each direction, sim link model)", { loss: 0.02, latency: ms(10), reorder: 0.05 },
    Number(process.env.SOCKSTACK_INTEROP_BULK_MB ?? 10));

  /** IPv6 across the ideal bridge: curl -6, Python AF_INET6 peers and ICMPv6 echo, both directions, byte-exact (issue 18 item 6). */
  function ipv6Suite(): void {
    describe("IPv6 across the bridge (2001:2::/64)", () => {
      test("ping kernel → sockstack over ICMPv6 (raw socket from Python), payload echoed exactly", async () => {
        const r = await kernelPeer(["ping", SOCKSTACK6, 3, 0.05, 2]).result;
        assert.equal(r.received, 3, JSON.stringify(r));
        assert.equal(r.exact, 3, JSON.stringify(r));
      });

      test("curl -6 → sockstack HTTP/1.1 server on an AF_INET6 socket: GET /bytes/N and POST /sha256, byte-exact", async (t) => {
        if (noTcp) return t.skip(noTcp);
        if (spawnSync("sh", ["-c", "command -v curl"]).status !== 0) return t.skip("curl is not installed");
        const base = `http://[${SOCKSTACK6}]:8086`;
        const curl = (args: string[]) => runTool("curl", ["-6", "-g", "-sS", "--max-time", "60", "--noproxy", "*", ...args], 70_000);
        const n = 2_000_000;
        assert.equal(sha256(await curl([`${base}/bytes/${n}`])), patternSha(n), "GET /bytes/N over IPv6");
        const dir = mkdtempSync(join(tmpdir(), "sockstack-interop6-"));
        try {
          const file = join(dir, "body");
          const up = patternBytes(1_000_000);
          writeFileSync(file, up);
          assert.equal((await curl(["--data-binary", `@${file}`, `${base}/sha256`])).toString(), `${sha256(up)} ${up.length}\n`, "POST /sha256 over IPv6");
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });

      test("Python AF_INET6 client → sockstack TCP echo on [::]:7007 (half-close, read to EOF), byte-exact", async (t) => {
        if (noTcp) return t.skip(noTcp);
        const r = await kernelPeer(["tcp-echo-client", SOCKSTACK6, 7007, 1_000_000]).result;
        assert.equal(r.received, 1_000_000, JSON.stringify(r));
        assert.equal(r.exact, true, JSON.stringify(r));
        assert.match(String(r.local), /^2001:2::1:\d+$/, "the kernel's side is its IPv6 address");
      });

      test("sockstack AF_INET6 TCP client → kernel Python echo server on [2001:2::1], byte-exact; kernel ss sees it", async (t) => {
        if (noTcp) return t.skip(noTcp);
        const port = 5018;
        const srv = kernelPeer(["tcp-echo-server", port, 1, KERNEL6]);
        await srv.ready;
        const n = 1_000_000;
        const r = await run(th.host, "tcp6-client", async (p) => {
          const fd = p.socket("AF_INET6", "SOCK_STREAM");
          await p.connect(fd, sockaddrIn6(KERNEL6, port));
          const local = p.getsockname(fd) as { addr: string; port: number };
          assert.equal(local.addr, SOCKSTACK6, "source address selected on the TUN device");
          const estab = new RegExp(`ESTAB\\s+\\d+\\s+\\d+\\s+\\[${KERNEL6}\\]:${port}\\s+\\[${SOCKSTACK6}\\]:${local.port}`);
          let kss = "";
          for (let i = 0; i < 30; i++) {
            kss = (await runTool("ss", ["-tanH"])).toString();
            if (estab.test(kss)) break;
            await new Promise((res) => setTimeout(res, 100));
          }
          assert.match(kss, estab, "the kernel's ss shows the IPv6 connection");
          const reading = recvAll(p, fd);
          await sendPattern(p, fd, n);
          p.shutdown(fd, "SHUT_WR");
          const got = await reading;
          await p.close(fd);
          return got;
        });
        assert.equal(r.n, n, "bytes echoed");
        assert.equal(r.sha, patternSha(n), "echo byte-exact");
        assert.equal((await srv.result).bytes, n, "the kernel server's count");
      });
    });
  }

  /**
   * sockstack's sender against the kernel's on the bridge as it is (impaired or not), in one
   * family: rounds of cubic and bbr, each round the kernel's Python sender to sockstack's
   * discard server then sockstack's client to a Python sink, alternating so that the machine's
   * load falls on both; every transfer SHA-256 checked; per-round and total figures printed.
   * Resolves to the mean rates, MB/s (bytes over summed seconds).
   */
  async function compareSenders(t: import("node:test").TestContext, o: { kernel: string; sockstack: string; discardPort: number; sinkPort: number; label: string }) {
    // bbr moves several times more per second than cubic on this path: it sends more bytes per
    // round, so that its figure is not one slow start's (and the rounds take similar times).
    const bytes = { cubic: Number(process.env.SOCKSTACK_INTEROP_COMPARE_MB ?? 2) * 1_000_000, bbr: Number(process.env.SOCKSTACK_INTEROP_COMPARE_BBR_MB ?? 6) * 1_000_000 };
    const rounds = Number(process.env.SOCKSTACK_INTEROP_COMPARE_ROUNDS ?? 3);
    const v6 = o.kernel.includes(":");
    const discard = servers.find((x) => x.proto === "tcp" && x.port === o.discardPort);
    assert.ok(discard, `a sockstack TCP discard server on port ${o.discardPort}`);
    const kernelSend = async (cc: string, n: number) => {
      const done = discard.nextDone();
      const r = await kernelPeer(["tcp-send", o.sockstack, o.discardPort, n, cc], 300_000).result;
      const rec = await done;
      assert.equal(rec.sha256In, patternSha(n), `${o.label}: kernel (${cc || "default"}) → sockstack: byte-exact`);
      return { sec: r.seconds as number, cc: String(r.cc) };
    };
    const sockstackSend = (cc: string, n: number) => {
      const sink = kernelPeer(["tcp-sink-server", o.sinkPort, 1, o.kernel], 300_000);
      return sink.ready.then(() => run(th.host, "compare-client", async (p) => {
        const fd = p.socket(v6 ? "AF_INET6" : "AF_INET", "SOCK_STREAM");
        p.setsockopt(fd, "IPPROTO_TCP", "TCP_CONGESTION", cc);
        await p.connect(fd, v6 ? sockaddrIn6(o.kernel, o.sinkPort) : [o.kernel, o.sinkPort]);
        const t0 = performance.now();
        await sendPattern(p, fd, n);
        p.shutdown(fd, "SHUT_WR");
        const reply = await recvAll(p, fd);
        const sec = (performance.now() - t0) / 1000;
        await p.close(fd);
        assert.equal((await sink.result).sha256, patternSha(n), `${o.label}: sockstack (${cc}) → kernel: byte-exact`);
        assert.ok(reply.n > 0, `${o.label}: the sink replied after EOF`);
        return { sec, cc };
      }));
    };
    const ccs = ["cubic", "bbr"] as const;
    const total = { kernel: { cubic: 0, bbr: 0 }, sockstack: { cubic: 0, bbr: 0 } };
    for (let i = 0; i < rounds; i++) {
      for (const cc of ccs) {
        const n = bytes[cc];
        const k = await kernelSend(cc, n);
        assert.equal(k.cc, cc, `${o.label}: the kernel's sender ran ${cc}`);
        const s = await sockstackSend(cc, n);
        total.kernel[cc] += k.sec;
        total.sockstack[cc] += s.sec;
        t.diagnostic(`${o.label} round ${i + 1}: kernel ${cc} ${(n / k.sec / 1e6).toFixed(2)} MB/s, sockstack ${cc} ${(n / s.sec / 1e6).toFixed(2)} MB/s (${n / 1e6} MB)`);
      }
    }
    const def = await kernelSend("", bytes.cubic);
    const rate = (cc: "cubic" | "bbr", sec: number) => (rounds * bytes[cc]) / sec / 1e6;
    const k = { cubic: rate("cubic", total.kernel.cubic), bbr: rate("bbr", total.kernel.bbr) };
    const s = { cubic: rate("cubic", total.sockstack.cubic), bbr: rate("bbr", total.sockstack.bbr) };
    t.diagnostic(`${o.label}, ${rounds} rounds of ${bytes.cubic / 1e6} MB (cubic) and ${bytes.bbr / 1e6} MB (bbr) per sender: cubic — kernel ${k.cubic.toFixed(2)} MB/s, sockstack ${s.cubic.toFixed(2)} MB/s (ratio ${(s.cubic / k.cubic).toFixed(2)}); ` +
      `bbr — kernel ${k.bbr.toFixed(2)} MB/s, sockstack ${s.bbr.toFixed(2)} MB/s (ratio ${(s.bbr / k.bbr).toFixed(2)}); the kernel's default (${def.cc}) ${(bytes.cubic / def.sec / 1e6).toFixed(2)} MB/s`);
    return { k, s };
  }

  function matrix(label: string, impair: LinkConfigInput | null, bulkMb: number): void {
    const lossy = impair !== null;
    describe(label, () => {
      before(() => {
        if (impair) th.device.impair({ toKernel: impair, fromKernel: impair }, new Rng("interop-impair"));
      });

      test("ping sockstack → kernel", async () => {
        const r = await ping(th.host, KERNEL, { count: lossy ? 20 : 3, interval: ms(50), wait: ms(1000) });
        if (lossy) assert.ok(r.received >= 14, r.lines.join("\n"));
        else assert.equal(r.received, 3, r.lines.join("\n"));
        assert.match(r.lines[1]!, /^64 bytes from 198\.18\.0\.1: icmp_seq=\d+ ttl=64 time=/);
      });

      test("ping kernel → sockstack (raw ICMP from Python), payload echoed exactly", async () => {
        const count = lossy ? 20 : 3;
        const r = await kernelPeer(["ping", SOCKSTACK, count, 0.05, 2]).result;
        if (lossy) assert.ok((r.received as number) >= count - 6, JSON.stringify(r));
        else assert.equal(r.received, count, JSON.stringify(r));
        assert.equal(r.exact, r.received);
      });

      test("Python UDP client → sockstack UDP echo, sizes 0…65507 (fragmented ones too), byte-exact", async () => {
        const r = await kernelPeer(["udp-client", SOCKSTACK, 7, lossy ? 40 : 0, lossy ? 0.3 : 2, ...BYTE_SIZES]).result;
        const results = r.results as { size: number; ok: boolean }[];
        assert.deepEqual(results.map((x) => [x.size, x.ok]), BYTE_SIZES.map((n) => [n, true]), JSON.stringify(r));
      });

      test("sockstack UDP client → kernel Python UDP echo, byte-exact; both sides' ss views", async () => {
        const port = 5007;
        // Idle limit: ideal, the server ends after the 8 datagrams anyway, so be generous (a loaded machine took > 2 s
        // between READY and the first datagram); impaired, it ends only by idling, which the test waits for.
        const srv = kernelPeer(["udp-echo-server", port, lossy ? 1000 : BYTE_SIZES.length, lossy ? 3 : 10]);
        await srv.ready;
        const seen = await run(th.host, "udp-client", async (p) => {
          const fd = p.socket("AF_INET", "SOCK_DGRAM");
          p.setsockopt(fd, "SOL_SOCKET", "SO_RCVTIMEO", lossy ? { tv_sec: 0, tv_usec: 300_000 } : { tv_sec: 10, tv_usec: 0 });
          await p.connect(fd, [KERNEL, port]);
          const local = p.getsockname(fd) as { addr: string; port: number };
          // Both views while the flow exists: the kernel's ss and sockstack's.
          const kss = (await runTool("ss", ["-uanH"])).toString();
          assert.match(kss, new RegExp(`198\\.18\\.0\\.1:${port}\\s`), kss);
          const sss = ss(snapshot(th.host), "-uan");
          assert.match(sss, new RegExp(`ESTAB\\s+0\\s+0\\s+198\\.18\\.0\\.2:${local.port}\\s+198\\.18\\.0\\.1:${port}`), sss);
          const ok: number[] = [];
          for (const n of BYTE_SIZES) {
            const msg = patternBytes(n);
            for (let attempt = 0; attempt < (lossy ? 40 : 1); attempt++) {
              await p.send(fd, msg);
              try {
                const d = await p.recv(fd, 65535);
                if (sha256(d) === sha256(msg)) {
                  ok.push(n);
                  break;
                }
              } catch (e) {
                if (!isSysError(e, "EAGAIN")) throw e;
              }
            }
          }
          await p.close(fd);
          return { ok, local };
        });
        const r = await srv.result;
        assert.deepEqual(seen.ok, BYTE_SIZES);
        assert.deepEqual(r.peers, [`198.18.0.2:${seen.local.port}`]);
      });

      test("UDP throughput through the bridge, both directions (measured, printed)", { skip: lossy ? "measured on the ideal bridge only" : false }, async (t) => {
        const n = 20_000, size = 1400;
        // kernel → sockstack discard
        const discard = servers.find((s) => s.proto === "udp" && s.port === 9)!;
        const before = discard.stats.bytesIn;
        const t0 = performance.now();
        const blast = await kernelPeer(["udp-blast", SOCKSTACK, 9, n, size]).result;
        await th.driver.sleep(ms(300));
        const got = discard.stats.bytesIn - before;
        const sec = Math.max((blast.seconds as number), (performance.now() - t0 - 300) / 1000);
        const dev = th.device.stats();
        t.diagnostic(`kernel → sockstack: ${n} × ${size} B sent in ${(blast.seconds as number).toFixed(3)} s, ${(got / size) | 0} received (${((got / sec) / 1e6).toFixed(1)} MB/s goodput); ` +
          `bridge socket rx ${dev.rxPackets} datagrams, UDP RcvbufErrors ${th.host.counters.Udp.RcvbufErrors ?? 0}`);
        // UDP has no flow control: a sender blasting at line rate loses datagrams at the TUN queue and socket buffers (as on Linux). Measure; require a working path.
        assert.ok(got >= size * 1000, `too few datagrams arrived: ${got} of ${n * size} bytes`);
        // sockstack → kernel sink
        const sink = kernelPeer(["udp-sink", 5009, 1]);
        await sink.ready;
        const msg = patternBytes(size);
        const s0 = performance.now();
        await run(th.host, "udp-blast", async (p) => {
          const fd = p.socket("AF_INET", "SOCK_DGRAM");
          for (let i = 0; i < n; i++) {
            await p.sendto(fd, msg, 0, [KERNEL, 5009]);
            if ((i & 63) === 63) await new Promise<void>((r) => setImmediate(r)); // let the bridge socket drain
          }
        });
        const sendSec = (performance.now() - s0) / 1000;
        const r = await sink.result;
        t.diagnostic(`sockstack → kernel: ${n} × ${size} B sent in ${sendSec.toFixed(3)} s, ${r.datagrams} received (${(((r.bytes as number) / Math.max(sendSec, r.seconds as number)) / 1e6).toFixed(1)} MB/s goodput)`);
        assert.ok((r.datagrams as number) >= 1000, JSON.stringify(r));
      });

      // ── TCP (skipped at run time until socket(AF_INET, SOCK_STREAM) works) ──

      const tcp = (name: string, fn: (t: import("node:test").TestContext) => Promise<void>, timeout = 180_000) =>
        test(name, { timeout }, async (t) => {
          if (noTcp) {
            t.skip(noTcp);
            return;
          }
          await fn(t);
        });

      tcp("curl → sockstack HTTP/1.1 server: GET /, GET /bytes/N (keep-alive), POST /echo and /sha256, byte-exact", async (t) => {
        if (spawnSync("sh", ["-c", "command -v curl"]).status !== 0) {
          t.skip("curl is not installed");
          return;
        }
        const base = `http://${SOCKSTACK}:8080`;
        // Impaired, a 2.5 MB echo through sockstack's sender has stalled past 60 s once in four runs
        // (RTO backoff without Linux's RACK-TLP; issue 17): allow it, and report each call's time.
        const maxTime = lossy ? 240 : 60;
        const curl = async (args: string[]) => {
          const t0 = performance.now();
          const out = await runTool("curl", ["-sS", "--max-time", String(maxTime), "--noproxy", "*", ...args], (maxTime + 10) * 1000);
          t.diagnostic(`curl ${args.filter((a) => a.startsWith("http")).join(" ")}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
          return out;
        };
        assert.equal((await curl([`${base}/`])).toString(), "hello from sockstack\n");
        const n = 3_000_000;
        const two = await curl([`${base}/bytes/${n}`, `${base}/bytes/1000`, "-w", "%{num_connects}\n"]);
        // curl prints body1, "1\n", body2, "0\n": the second request reused the connection.
        const body1 = two.subarray(0, n);
        assert.equal(sha256(body1), patternSha(n));
        assert.equal(two.subarray(n, n + 2).toString(), "1\n");
        assert.equal(sha256(two.subarray(n + 2, n + 2 + 1000)), patternSha(1000));
        assert.equal(two.subarray(n + 1002).toString(), "0\n");
        const dir = mkdtempSync(join(tmpdir(), "sockstack-interop-"));
        try {
          const file = join(dir, "body");
          const up = patternBytes(2_500_000);
          writeFileSync(file, up);
          const echoed = await curl(["--data-binary", `@${file}`, "-H", "Content-Type: application/octet-stream", `${base}/echo`]);
          assert.equal(sha256(echoed), sha256(up));
          const digest = (await curl(["--data-binary", `@${file}`, `${base}/sha256`])).toString();
          assert.equal(digest, `${sha256(up)} ${up.length}\n`);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        assert.equal((await curl(["-o", "/dev/null", "-w", "%{http_code}", `${base}/nope`])).toString(), "404");
      }, lossy ? 900_000 : 180_000);

      tcp("Python socket client → sockstack TCP echo (half-close, read to EOF), byte-exact", async () => {
        const r = await kernelPeer(["tcp-echo-client", SOCKSTACK, 7, 1_000_000]).result;
        assert.equal(r.received, 1_000_000, JSON.stringify(r));
        assert.equal(r.exact, true);
      });

      tcp("sockstack TCP client → kernel Python echo server, byte-exact; kernel ss sees sockstack's connection", async () => {
        const port = 5017;
        const srv = kernelPeer(["tcp-echo-server", port, 1]);
        await srv.ready;
        const n = 1_000_000;
        const r = await run(th.host, "tcp-client", async (p) => {
          const fd = p.socket("AF_INET", "SOCK_STREAM");
          await p.connect(fd, [KERNEL, port]);
          const local = p.getsockname(fd) as { addr: string; port: number };
          const peer = p.getpeername(fd) as { addr: string; port: number };
          assert.deepEqual([peer.addr, peer.port], [KERNEL, port]);
          // Our connect() returns on the SYN-ACK; under loss and delay the kernel may still be in
          // SYN-RECV until our ACK (or first data) arrives, so look a few times before judging.
          const estab = new RegExp(`ESTAB\\s+\\d+\\s+\\d+\\s+198\\.18\\.0\\.1:${port}\\s+198\\.18\\.0\\.2:${local.port}`);
          let kss = "";
          for (let i = 0; i < 30; i++) {
            kss = (await runTool("ss", ["-tanH"])).toString();
            if (estab.test(kss)) break;
            await new Promise((r) => setTimeout(r, 100));
          }
          assert.match(kss, estab, kss);
          const reading = recvAll(p, fd);
          await sendPattern(p, fd, n);
          p.shutdown(fd, "SHUT_WR");
          const got = await reading;
          await p.close(fd);
          return got;
        });
        assert.equal(r.n, n);
        assert.equal(r.sha, patternSha(n));
        assert.equal((await srv.result).bytes, n);
      });

      tcp(`bulk ${bulkMb} MB kernel → sockstack (Python → discard), SHA-256 checked`, async (t) => {
        const n = bulkMb * 1_000_000;
        const discard = servers.find((s) => s.proto === "tcp" && s.port === 9)!;
        const done = discard.nextDone();
        const r = await kernelPeer(["tcp-send", SOCKSTACK, 9, n], 600_000).result;
        const rec = await done;
        assert.equal(rec.bytesIn, n);
        assert.equal(rec.sha256In, r.sha256);
        assert.equal(r.sha256, patternSha(n));
        t.diagnostic(`kernel (${String(r.cc)}) → sockstack: ${bulkMb} MB in ${(r.seconds as number).toFixed(2)} s = ${(n / (r.seconds as number) / 1e6).toFixed(1)} MB/s`);
      }, 600_000);

      tcp(`bulk ${bulkMb} MB sockstack → kernel (client → Python sink, half-close, reply after EOF), SHA-256 checked`, async (t) => {
        const n = bulkMb * 1_000_000;
        const port = 5019;
        const sink = kernelPeer(["tcp-sink-server", port, 1], 600_000);
        await sink.ready;
        const t0 = performance.now();
        const reply = await run(th.host, "bulk-client", async (p) => {
          const fd = p.socket("AF_INET", "SOCK_STREAM");
          await p.connect(fd, [KERNEL, port]);
          await sendPattern(p, fd, n);
          p.shutdown(fd, "SHUT_WR");
          const chunks: Uint8Array[] = [];
          for (;;) {
            const d = await p.recv(fd, 4096);
            if (!d.length) break;
            chunks.push(d.slice());
          }
          await p.close(fd);
          return Buffer.concat(chunks).toString();
        });
        const sec = (performance.now() - t0) / 1000;
        assert.equal(reply, `${patternSha(n)} ${n}\n`);
        assert.equal((await sink.result).bytes, n);
        t.diagnostic(`sockstack → kernel: ${bulkMb} MB in ${sec.toFixed(2)} s = ${(n / sec / 1e6).toFixed(1)} MB/s`);
      }, 600_000);

      // Issue 17's throughput target: on the impaired path, sockstack's sender against the kernel's,
      // in one run, alternating so that the machine's load falls on both, with the same congestion
      // control on both sides: cubic (Linux's compiled-in default) and bbr (this machine's
      // net.ipv4.tcp_congestion_control). The target is sockstack bbr ≥ 0.9 × kernel bbr — a
      // measurement on wall-clock time, so it is printed and recorded (docs/interop.md: ten runs,
      // 0.97–1.83×), not asserted: the brief keeps speed targets out of timed tests, and one run's
      // rounds vary 2–6× with random loss. The asserts are guards against a broken sender.
      tcp("impaired throughput: sockstack sender vs the kernel's sender, cubic vs cubic and bbr vs bbr (measured, printed)", async (t) => {
        if (!lossy) return t.skip("measured on the impaired bridge only");
        const { k, s } = await compareSenders(t, { kernel: KERNEL, sockstack: SOCKSTACK, discardPort: 9, sinkPort: 5023, label: "impaired" });
        // Guards (measured this session: cubic 0.62–1.49×, bbr 0.97–1.83×).
        assert.ok(s.cubic >= 0.3 * k.cubic, `sockstack's cubic sender ${s.cubic.toFixed(2)} MB/s is below 0.3 × the kernel's ${k.cubic.toFixed(2)} MB/s`);
        assert.ok(s.bbr >= 0.5 * k.bbr, `sockstack's bbr sender ${s.bbr.toFixed(2)} MB/s is below half the kernel's bbr sender ${k.bbr.toFixed(2)} MB/s`);
      }, 900_000);

      // The same comparison over IPv6 (issue 18 item 6): the same impaired link, sockstack's AF_INET6
      // sender against the kernel's, alternating; both figures printed. The bounds are loose
      // guards, not a target: three runs measured cubic 0.80–1.09× and bbr 0.76–2.04× (docs/interop.md).
      tcp("impaired throughput over IPv6: sockstack sender vs the kernel's sender, cubic vs cubic and bbr vs bbr (measured, printed)", async (t) => {
        if (!lossy) return t.skip("measured on the impaired bridge only");
        const { k, s } = await compareSenders(t, { kernel: KERNEL6, sockstack: SOCKSTACK6, discardPort: 9009, sinkPort: 5024, label: "impaired IPv6" });
        assert.ok(s.cubic >= 0.3 * k.cubic, `IPv6: sockstack's cubic sender ${s.cubic.toFixed(2)} MB/s is below 0.3 × the kernel's ${k.cubic.toFixed(2)} MB/s`);
        assert.ok(s.bbr >= 0.5 * k.bbr, `IPv6: sockstack's bbr sender ${s.bbr.toFixed(2)} MB/s is below half the kernel's bbr sender ${k.bbr.toFixed(2)} MB/s`);
      }, 900_000);

      tcp("50 parallel Python connections → sockstack echo, each byte-exact", async () => {
        const r = await kernelPeer(["tcp-parallel", SOCKSTACK, 7, 50, 65536], 300_000).result;
        assert.equal(r.ok, 50, JSON.stringify(r));
      });

      tcp("half-close seen by the kernel: Python half-closes, sockstack still sends, then FIN", async () => {
        const r = await kernelPeer(["tcp-half-close-client", SOCKSTACK, 7]).result;
        assert.deepEqual(r, { bytes: 16, exact: true });
      });

      tcp("RST seen by the kernel: sockstack aborts (SO_LINGER 0) as server and as client → ECONNRESET", async () => {
        // sockstack server aborting an accepted connection.
        const abortPort = 2001;
        const ready = run(th.host, "abort-server", async (p) => {
          const l = p.socket("AF_INET", "SOCK_STREAM");
          p.setsockopt(l, "SOL_SOCKET", "SO_REUSEADDR", 1);
          p.bind(l, ["0.0.0.0", abortPort]);
          p.listen(l, 4);
          const { fd } = await p.accept(l);
          await p.recv(fd, 10);
          p.setsockopt(fd, "SOL_SOCKET", "SO_LINGER", { l_onoff: 1, l_linger: 0 });
          await p.close(fd);
          await p.close(l);
        });
        const r1 = await kernelPeer(["tcp-reset-client", SOCKSTACK, abortPort]).result;
        await ready;
        assert.equal(r1.end, "reset");
        // sockstack client aborting toward a kernel server.
        const port = 5021;
        const srv = kernelPeer(["tcp-expect-reset", port]);
        await srv.ready;
        await run(th.host, "abort-client", async (p) => {
          const fd = p.socket("AF_INET", "SOCK_STREAM");
          await p.connect(fd, [KERNEL, port]);
          await sendAll(p, fd, patternBytes(1000));
          await th.driver.sleep(ms(lossy ? 500 : 100));
          p.setsockopt(fd, "SOL_SOCKET", "SO_LINGER", { l_onoff: 1, l_linger: 0 });
          await p.close(fd);
        });
        const r2 = await srv.result;
        assert.equal(r2.end, "reset", JSON.stringify(r2));
      });

      tcp("TCP_MD5SIG both ways: the kernel checks sockstack's RFC 2385 signatures and sockstack the kernel's, byte-exact echo", async (t) => {
        if (lossy) return t.skip("checked on the ideal bridge");
        const key = "interop-md5-key";
        const md5 = (addr: string, k: string) => ({ tcpm_addr: { family: 2, addr }, tcpm_key: k });
        // sockstack client (key) → kernel echo server (its listener's key): every segment verified by the kernel.
        const srv = kernelPeer(["tcp-md5-echo-server", 5031, SOCKSTACK, key]);
        await srv.ready;
        const n = 300_000;
        const got = await run(th.host, "md5-client", async (p) => {
          const fd = p.socket("AF_INET", "SOCK_STREAM");
          p.setsockopt(fd, "IPPROTO_TCP", "TCP_MD5SIG", md5(KERNEL, key));
          await p.connect(fd, [KERNEL, 5031]);
          const reading = recvAll(p, fd);
          await sendPattern(p, fd, n);
          p.shutdown(fd, "SHUT_WR");
          const r = await reading;
          await p.close(fd);
          return r;
        });
        assert.equal(got.n, n, "the kernel echoed everything");
        assert.equal(got.sha, patternSha(n));
        const rs = await srv.result;
        assert.deepEqual(rs.counters, { TCPMD5NotFound: 0, TCPMD5Unexpected: 0, TCPMD5Failure: 0 }, `the kernel accepted every signature: ${JSON.stringify(rs)}`);
        // kernel client (key) → sockstack echo server with the key on its listener.
        const c0 = { ...th.host.counters.TcpExt };
        const served = run(th.host, "md5-echo", async (p) => {
          const l = p.socket("AF_INET", "SOCK_STREAM");
          p.setsockopt(l, "IPPROTO_TCP", "TCP_MD5SIG", md5(KERNEL, key));
          p.bind(l, ["0.0.0.0", 5032]);
          p.listen(l, 4);
          const { fd } = await p.accept(l);
          let total = 0;
          for (;;) {
            const d = await p.recv(fd, 65536);
            if (!d.length) break;
            total += d.length;
            await sendAll(p, fd, d);
          }
          await p.close(fd);
          await p.close(l);
          return total;
        });
        const rc = await kernelPeer(["tcp-md5-echo-client", SOCKSTACK, 5032, n, key]).result;
        assert.equal(await served, n);
        assert.equal(rc.received, n, JSON.stringify(rc));
        assert.equal(rc.exact, true);
        assert.deepEqual(rc.counters, { TCPMD5NotFound: 0, TCPMD5Unexpected: 0, TCPMD5Failure: 0 }, JSON.stringify(rc));
        for (const k of ["TCPMD5NotFound", "TCPMD5Unexpected", "TCPMD5Failure"]) {
          assert.equal(th.host.counters.TcpExt[k] ?? 0, c0[k] ?? 0, `sockstack accepted every kernel signature (${k})`);
        }
        // A wrong key: the kernel's SYNs fail sockstack's check (TCPMD5Failure), connect times out.
        const l2 = run(th.host, "md5-wrong", async (p) => {
          const l = p.socket("AF_INET", "SOCK_STREAM");
          p.setsockopt(l, "IPPROTO_TCP", "TCP_MD5SIG", md5(KERNEL, key));
          p.bind(l, ["0.0.0.0", 5033]);
          p.listen(l, 4);
          await th.driver.sleep(ms(2500));
          await p.close(l);
        });
        const bad = await kernelPeer(["tcp-md5-echo-client", SOCKSTACK, 5033, 10, "not-the-key", 2]).result;
        await l2;
        assert.equal(bad.connected, false, JSON.stringify(bad));
        assert.ok((th.host.counters.TcpExt["TCPMD5Failure"] ?? 0) > (c0["TCPMD5Failure"] ?? 0), "sockstack counted the bad signatures");
      });

      tcp("sockstack → kernel connection refused: ECONNREFUSED from the kernel's RST", async () => {
        const err = await run(th.host, "refused", async (p) => {
          const fd = p.socket("AF_INET", "SOCK_STREAM");
          try {
            await p.connect(fd, [KERNEL, 5999]);
            return "connected";
          } catch (e) {
            return (e as Error).message;
          } finally {
            await p.close(fd);
          }
        });
        assert.equal(err, "connect: Connection refused");
      });
    });
  }
}
