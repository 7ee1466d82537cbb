/**
 * `sockstack tun` end to end, as a user runs it, against the kernel's own
 * clients and servers (issue 11 items 12–15): `tun up` (in-process), then
 * real CLI processes inside the namespace —
 * - two `serve`s at once (the second takes 198.18.0.3 on its own device,
 *   with impairment flags), used by kernel clients;
 * - three `tun connect`s in a row to one kernel listener that greets and
 *   closes first: each must deliver its final FIN (the kernel ends in
 *   TIME-WAIT, never FIN-WAIT-2), the two with `--seed 7` reuse one source
 *   port and must get through the kernel's TIME-WAIT with one SYN (later
 *   ISN and TSval: real clocks), the one without draws its own seed;
 * - IPv6 (issue 18): a Python AF_INET6 client of a dual-stack `serve`,
 *   the kernel's ICMPv6 echo to it, `tun ping 2001:2::1`, and `tun connect`
 *   to a kernel IPv6 listener (our FIN delivered, kernel in TIME-WAIT);
 * - `tun down`: every process of the bridge and of the namespace is gone
 *   when it returns, and `serve --ss` printed TCP sockets on its way out.
 *
 * Skipped with the reason where the machine cannot create namespaces and
 * TUN devices (root, ip, socat, /dev/net/tun). The namespace is deleted in
 * a `finally`; every child process is bounded. Costs about 15–25 s of wall
 * time on a loaded 2-core machine, mostly Node start-ups of the CLI.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { seqGt } from "../core/seq.js";
import { deleteNetns, interopUnavailableReason, netnsExists, netnsPids } from "./netns.js";
import { tunDown, tunUp } from "./tun-session.js";

const ROOT = join(fileURLToPath(import.meta.url), "../../..");
const MAIN = join(ROOT, "src/cli/main.ts");
const KERNEL_PORT = 5000;
const PEER_PY = join(ROOT, "test/interop/kernel-peer.py");

/** A child process with its output collected and a way to wait for a line. */
interface Child {
  proc: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
  waitFor(stream: "out" | "err", re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

function start(cmd: string, args: string[], timeoutMs: number): Child {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("NODE_TEST")) delete env[k];
  const proc = spawn(cmd, args, { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
  let out = "", err = "";
  const waiters: (() => void)[] = [];
  const poke = () => waiters.splice(0).forEach((w) => w());
  proc.stdout.on("data", (d: Buffer) => ((out += d.toString()), poke()));
  proc.stderr.on("data", (d: Buffer) => ((err += d.toString()), poke()));
  proc.stdin.on("error", () => {});
  const killer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const exit = new Promise<number | null>((resolve) => proc.on("exit", (c) => (clearTimeout(killer), poke(), resolve(c))));
  let exited = false;
  void exit.then(() => (exited = true));
  return {
    proc, exit, out: () => out, err: () => err,
    waitFor(stream, re, ms = 30_000) {
      return new Promise((resolve, reject) => {
        const t0 = Date.now();
        const check = () => {
          const m = re.exec(stream === "out" ? out : err);
          if (m) return resolve(m);
          if (exited || Date.now() - t0 > ms) return reject(new Error(`${args.join(" ")}: no ${re} on std${stream} (${exited ? "exited" : "timed out"})\nstdout: ${out}\nstderr: ${err}`));
          waiters.push(check);
          setTimeout(poke, 200).unref();
        };
        check();
      });
    },
  };
}

/** `sockstack …` inside namespace `ns`. */
const cli = (ns: string, args: string[], timeoutMs = 120_000) => start("ip", ["netns", "exec", ns, process.execPath, "--import", "tsx", MAIN, ...args], timeoutMs);
/** python3 -c … inside `ns`. */
const py = (ns: string, code: string, args: (string | number)[], timeoutMs = 120_000) => start("ip", ["netns", "exec", ns, "python3", "-c", code, ...args.map(String)], timeoutMs);

/** A kernel TCP server that greets each of `n` clients and closes first (so the kernel ends in TIME-WAIT). */
const GREETER = `
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.1", int(sys.argv[1]))); s.listen(8)
print("READY", flush=True)
for i in range(int(sys.argv[2])):
    c, a = s.accept(); c.sendall(b"hi\\n"); c.close()
`;

/** A kernel TCP client: sends N pattern bytes, half-closes, reads to EOF; prints "<sent> <received>". */
const CLIENT = `
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
n = int(sys.argv[3]); s.sendall(bytes(i & 255 for i in range(n))); s.shutdown(socket.SHUT_WR)
got = b""
while True:
    d = s.recv(65536)
    if not d: break
    got += d
print(n, len(got), got == bytes(i & 255 for i in range(n)), flush=True)
`;

/** The same against a discard server: the reply is empty. */
const DISCARD_CLIENT = CLIENT.replace("got == bytes(i & 255 for i in range(n))", "got == b\"\"");

/** Live (not zombie) pid? */
function alive(pid: number): boolean {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = st.slice(st.lastIndexOf(")") + 2, st.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Every live process whose session id is `sid`. */
function sessionMembers(sid: number): number[] {
  const r = spawnSync("ps", ["-e", "-o", "pid=,sid=,stat="], { encoding: "utf8" });
  return r.stdout.split("\n").map((l) => l.trim().split(/\s+/)).filter((f) => Number(f[1]) === sid && !f[2]?.startsWith("Z")).map((f) => Number(f[0]));
}

test("sockstack tun with kernel peers: two servers at once, reconnects through TIME-WAIT, every final FIN delivered, down stops every process", { timeout: 480_000 }, async (t) => {
  const why = interopUnavailableReason();
  if (why) {
    t.skip(`TUN CLI tests skipped: ${why}`);
    return;
  }
  const ns = `sscli${process.pid}`.slice(0, 15);
  const children: Child[] = [];
  const keep = <C extends Child>(c: C) => (children.push(c), c);
  const t0 = performance.now();
  try {
    const session = await tunUp({ netns: ns, ttlSeconds: 900 });
    const bridge = sessionMembers(session.pid);
    assert.ok(bridge.length >= 3, `sh, timeout and socat run in the bridge's session: ${bridge.join(", ")}`);

    // ── 15: two servers on one bridge; impairment flags on the second ──
    // Started together: which one gets the first slot is a race, so look at both banners.
    const echo = keep(cli(ns, ["tun", "serve", "echo", "7", "--ss", "--timeout", "600"], 470_000));
    const other = keep(cli(ns, ["tun", "serve", "discard", "9", "--timeout", "600", "--loss", "3%", "--delay", "5ms", "--reorder", "2%"], 470_000));
    await echo.waitFor("out", /echo server on tcp port 7/, 60_000);
    await other.waitFor("out", /discard server on tcp port 9/, 60_000);
    const banner = /^sockstack (198\.18\.0\.\d) on (sstun\d) ⇄ kernel 198\.18\.0\.1(?: \(client 2 of the bridge: 198\.18\.0\.2 is taken\))? \(IPv6 (2001:2::\d) ⇄ 2001:2::1\); seed (\d+)(; impairments each way: .*)?\n/;
    const [be, bo] = [banner.exec(echo.err()), banner.exec(other.err())];
    assert.ok(be && bo, `${echo.err()}\n${other.err()}`);
    assert.deepEqual([be[1], be[2], bo[1], bo[2]].sort(), ["198.18.0.2", "198.18.0.3", "sstun0", "sstun1"]);
    assert.equal(be[3], be[1] === "198.18.0.2" ? "2001:2::2" : "2001:2::3", "each client's IPv6 address goes with its IPv4 one");
    assert.equal(bo[3], bo[1] === "198.18.0.2" ? "2001:2::2" : "2001:2::3", "each client's IPv6 address goes with its IPv4 one");
    assert.ok((be[1] === "198.18.0.3") === echo.err().includes("(client 2 of the bridge"));
    assert.equal(be[5], undefined);
    assert.equal(bo[5], "; impairments each way: loss 3%, delay 5ms, reorder 2%");
    const [c1, c2] = [keep(py(ns, CLIENT, [be[1]!, 7, 300_000])), keep(py(ns, DISCARD_CLIENT, [bo[1]!, 9, 300_000]))];
    assert.equal((await c1.waitFor("out", /^\d+ \d+ \w+/))[0], "300000 300000 True");
    assert.equal((await c2.waitFor("out", /^\d+ \d+ \w+/))[0], "300000 0 True");

    // ── 13 + 14: four connects to a kernel server that closes first ──
    const greeter = keep(py(ns, GREETER, [KERNEL_PORT, 3]));
    await greeter.waitFor("out", /READY/);
    const runs: { seed: number; port: number; isn: number; tsval: number; addr: string }[] = [];
    for (const seedArgs of [["--seed", "7"], ["--seed", "7"], []]) {
      const c = keep(cli(ns, ["tun", "connect", "198.18.0.1", String(KERNEL_PORT), "--tcpdump", ...seedArgs]));
      await c.waitFor("out", /hi\n/);
      // stdin ends only after the kernel's FIN arrived: our FIN is the last packet of the connection.
      await c.waitFor("err", /In {2}IP 198\.18\.0\.1\.5000 > [\d.]+: Flags \[F\.\]/);
      c.proc.stdin.end();
      assert.equal(await c.exit, 0, c.err());
      const err = c.err();
      const head = /^sockstack (198\.18\.0\.\d+) on sstun\d+ .*; seed (\d+)\n/.exec(err);
      assert.ok(head, err);
      const syns = [...err.matchAll(/Out IP [\d.]+\.(\d+) > 198\.18\.0\.1\.5000: Flags \[S\], seq (\d+), .*TS val (\d+) ecr 0/g)];
      assert.equal(syns.length, 1, `one SYN, no retry:\n${err}`);
      assert.doesNotMatch(err, /Flags \[R/, "no RST either way");
      assert.match(err, /Out IP [\d.]+ > 198\.18\.0\.1\.5000: Flags \[F\.\]/, "our FIN went out");
      const port = Number(syns[0]![1]);
      runs.push({ addr: head[1]!, seed: Number(head[2]), port, isn: Number(syns[0]![2]), tsval: Number(syns[0]![3]) });
      // The kernel got our FIN: its end of the connection is in TIME-WAIT, not FIN-WAIT-2.
      const kss = spawnSync("ip", ["netns", "exec", ns, "ss", "-tanH", `( sport = :${KERNEL_PORT} and dport = :${port} )`], { encoding: "utf8" }).stdout;
      assert.match(kss, /^TIME-WAIT /, `kernel side after run ${runs.length}:\n${kss}\n${err}`);
    }
    const [r1, r2, r3] = runs as [typeof runs[0], typeof runs[0], typeof runs[0]];
    assert.equal(r1.addr, "198.18.0.4", "two servers hold .2 and .3: the connects take the next address");
    assert.deepEqual([r1.seed, r2.seed], [7, 7]);
    assert.equal(r2.port, r1.port, "the same seed picks the same source port: the kernel still has the 4-tuple in TIME-WAIT");
    assert.ok(seqGt(r2.isn, r1.isn), `ISN grows between runs (${r1.isn} → ${r2.isn})`);
    assert.ok(seqGt(r2.tsval, r1.tsval), `TSval grows between runs (${r1.tsval} → ${r2.tsval})`);
    const drawn = [r3.seed, Number(be[4]), Number(bo[4])];
    assert.equal(new Set(drawn).size, 3, `without --seed each run draws its own: ${drawn.join(", ")}`);
    t.diagnostic(`connect runs (seed, port, ISN, TSval): ${runs.map((r) => `${r.seed}/${r.port}/${r.isn}/${r.tsval}`).join("  ")}`);

    // ── IPv6 through the CLI (issue 18): kernel clients to the dual-stack servers, ICMPv6 echo both ways, tun connect to [2001:2::1] ──
    const c6 = keep(py(ns, CLIENT, [be[3]!, 7, 200_000]));
    assert.equal((await c6.waitFor("out", /^\d+ \d+ \w+/))[0], "200000 200000 True", "Python AF_INET6 client → tun serve echo, byte-exact");
    const p6 = keep(start("ip", ["netns", "exec", ns, "python3", PEER_PY, "ping", be[3]!, "3", "0.05", "2"], 60_000));
    assert.equal(await p6.exit, 0, p6.err());
    const pr = JSON.parse(p6.out().trim().split("\n").pop()!) as { received: number; exact: number };
    assert.deepEqual([pr.received, pr.exact], [3, 3], `the kernel's ICMPv6 echo requests to ${be[3]} answered exactly: ${p6.out()}`);
    const tp = keep(cli(ns, ["tun", "ping", "2001:2::1", "-c", "2"]));
    assert.equal(await tp.exit, 0, tp.err());
    assert.match(tp.out(), /^PING 2001:2::1\(2001:2::1\) 56 data bytes\n64 bytes from 2001:2::1: icmp_seq=1 ttl=64 time=[\d.]+ ms\n64 bytes from 2001:2::1: icmp_seq=2 ttl=64 /, tp.out());
    assert.match(tp.out(), /2 packets transmitted, 2 received, 0% packet loss/, tp.out());
    assert.match(tp.err(), /^sockstack 198\.18\.0\.4 on sstun2 .*\(IPv6 2001:2::4 ⇄ 2001:2::1\)/, "a further client gets the next address in both families");
    const greeter6 = keep(py(ns, GREETER.replace("socket.socket()", "socket.socket(socket.AF_INET6)").replace('"198.18.0.1"', '"2001:2::1"'), [KERNEL_PORT + 1, 1]));
    await greeter6.waitFor("out", /READY/);
    const c6c = keep(cli(ns, ["tun", "connect", "2001:2::1", String(KERNEL_PORT + 1), "--tcpdump"]));
    await c6c.waitFor("out", /hi\n/);
    await c6c.waitFor("err", /In {2}IP6 2001:2::1\.5001 > 2001:2::4\.\d+: Flags \[F\.\]/);
    c6c.proc.stdin.end();
    assert.equal(await c6c.exit, 0, c6c.err());
    assert.match(c6c.err(), /Out IP6 2001:2::4\.\d+ > 2001:2::1\.5001: Flags \[F\.\]/, "our FIN went out over IPv6");
    const kss6 = spawnSync("ip", ["netns", "exec", ns, "ss", "-6tanH", `( sport = :${KERNEL_PORT + 1} )`], { encoding: "utf8" }).stdout;
    assert.match(kss6, /^TIME-WAIT +0 +0 +\[2001:2::1\]:5001 +\[2001:2::4\]:\d+/, `the kernel's ss -6 after tun connect:\n${kss6}`);

    // ── 12: down stops everything ──
    const inNs = netnsPids(ns);
    assert.ok(inNs.length >= 4, `servers, the second server's socat and timeout, the bridge's socat: ${inNs.join(", ")}`);
    const did = await tunDown(ns);
    assert.match(did.join("; "), /stopped \d+ process(es)? running in the namespace .*; stopped the bridge \(sh, timeout, socat: pids .*\); deleted namespace/);
    const survivors = [...inNs, ...bridge].filter(alive);
    assert.deepEqual(survivors, [], `processes of the bridge that survived down: ${survivors.map((p) => spawnSync("ps", ["-o", "pid,stat,args", "-p", String(p)], { encoding: "utf8" }).stdout).join("")}`);
    assert.equal(netnsExists(ns), false);
    assert.equal(await echo.exit, 0);
    assert.equal(await other.exit, 0);
    // serve --ss printed the TCP sockets on its way out: the dual-stack listener on [::] (ss prints *:7, as Linux's does).
    assert.match(echo.out(), /stopping: terminated\n-- echo\/tcp:7: 2 connections .*\nNetid +State +Recv-Q +Send-Q .*\ntcp +LISTEN +0 +128 +\*:7 /);
    t.diagnostic(`tun CLI scenario: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill("SIGKILL");
    await tunDown(ns).catch(() => []);
    deleteNetns(ns);
    assert.equal(netnsExists(ns), false, `namespace ${ns} was not removed`);
  }
});
