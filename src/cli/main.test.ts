// In-process tests of the `sockstack` command: main(argv, io) with the
// output captured, so they run in milliseconds and need no build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "./main.js";
import { captureIo } from "./io.js";

async function run(...argv: string[]) {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

const USAGE_RE = /^usage: sockstack /;

test("--help lists every command; --version prints the package version", async () => {
  const h = await run("--help");
  assert.equal(h.code, 0);
  for (const c of ["demo", "ss", "netstat", "lsof", "nstat", "tcpdump", "ladder", "ping", "tun", "conformance", "bench"]) assert.ok(h.out.some((l) => l.startsWith(`  ${c} `)), c);
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  const v = await run("--version");
  assert.deepEqual([v.code, v.out], [0, [`sockstack ${pkg.version}`]]);
});

test("no command, an unknown command or option: one-line reason, usage line, exit 2", async () => {
  const none = await run();
  assert.equal(none.code, 2);
  assert.equal(none.err[0], "sockstack: no command given");
  assert.match(none.err[1]!, USAGE_RE);
  const bad = await run("bogus");
  assert.deepEqual([bad.code, bad.err[0], bad.out], [2, "sockstack: unknown command 'bogus'", []]);
  assert.match(bad.err[1]!, USAGE_RE);
  const opt = await run("--bogus");
  assert.deepEqual([opt.code, opt.err[0]], [2, "sockstack: unknown option --bogus"]);
});

test("conformance and bench are wired: their own usage errors, bench --list", async () => {
  const c = await run("conformance");
  assert.deepEqual([c.code, c.err[0]], [2, "sockstack conformance: no script or directory given"]);
  assert.match(c.err[1]!, /^usage: sockstack conformance PATH/);
  const b = await run("bench", "--list");
  assert.equal(b.code, 0, b.err.join("\n"));
  assert.ok(b.out.some((l) => l.startsWith("throughput-lo")));
});

test("tun without src/cli/tun.ts says it is not available", { skip: existsSync(new URL("./tun.ts", import.meta.url)) && "tun.ts exists" }, async () => {
  const r = await run("tun");
  assert.deepEqual([r.code, r.err], [2, ["sockstack tun: not available in this build (src/cli/tun.ts is missing)"]]);
});

// ---- demo -----------------------------------------------------------------

test("demo is deterministic for a seed and differs across seeds", async () => {
  // Everything repeats exactly, socket inodes (lsof's DEVICE column) included: they are numbered per host.
  const a = await run("demo", "lecture", "--seed", "7");
  const b = await run("demo", "lecture", "--seed", "7");
  const c = await run("demo", "lecture", "--seed", "8");
  assert.equal(a.code, 0);
  assert.deepEqual(a.err, []);
  assert.ok(a.out.length > 40);
  assert.deepEqual(a.out, b.out);
  assert.notDeepEqual(a.out, c.out); // the client's ephemeral port is drawn from the seed
});

test("demo udp: ping lines, the echoes (the empty one too, G6), EMSGSIZE, ECONNREFUSED", async () => {
  const { code, out } = await run("demo", "udp");
  assert.equal(code, 0);
  const at = (l: string) => {
    const i = out.indexOf(l);
    assert.ok(i >= 0, `missing line: ${l}`);
    return i;
  };
  const ping = at("PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.");
  assert.equal(out[ping + 1], "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=10.0 ms");
  at("3 packets transmitted, 3 received, 0% packet loss, time 2010ms");
  assert.ok(out.some((l) => /^ {2}\[2\.030000\] client udp-client\[\d+\]: recvfrom\(3, "", 65535, 0, \{sa_family=AF_INET, sin_port=htons\(7\), sin_addr=inet_addr\("10\.0\.0\.2"\)\}, \[16\]\) = 0$/.test(l)));
  assert.ok(out.some((l) => /server udp-echo\[\d+\]: recvfrom\(3, "hello", 65535, 0, .*\) = 5$/.test(l)));
  assert.ok(out.some((l) => / = -1 EMSGSIZE \(Message too long\)$/.test(l)));
  assert.ok(at("recv: Connection refused") > ping);
  // The capture point of every demo and of sockstack tcpdump: the server's eth0.
  const td = at("server$ tcpdump -nn -i eth0   # the packets since the last step");
  assert.match(out[td + 1]!, /^00:00:00\.005000 IP 10\.0\.0\.1 > 10\.0\.0\.2: ICMP echo request, id \d+, seq 1, length 64$/);
  assert.match(out[td + 9]!, /^00:00:02\.025000 IP 10\.0\.0\.1\.\d+ > 10\.0\.0\.2\.7: UDP, length 0$/);
  assert.equal(out.filter((l) => / IP 10\.0\.0\.2 > 10\.0\.0\.1: ICMP 10\.0\.0\.2 udp port 9 unreachable, length 49$/.test(l)).length, 1);
});

const tcpdump = ["/usr/bin/tcpdump", "/usr/sbin/tcpdump"].find((p) => existsSync(p));

test("the demo's tcpdump view is what the real tcpdump prints for its pcap", { skip: !tcpdump && "tcpdump is not installed" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockstack-pcap-"));
  try {
    const file = join(dir, "demo.pcap");
    const r = await run("demo", "lecture", "--seed", "9", "--pcap", file);
    const ours = r.out.filter((l) => /^\d\d:\d\d:\d\d\.\d{6} IP /.test(l));
    const real = spawnSync(tcpdump!, ["-nn", "-r", file], { encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
    assert.equal(real.status, 0, real.stderr);
    assert.deepEqual(ours, real.stdout.trimEnd().split("\n"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("demo --json: one JSON document with the events, both languages, the captured packets", async () => {
  const r = await run("demo", "udp", "--json", "--seed", "3");
  assert.equal(r.code, 0);
  const doc = JSON.parse(r.out.join("\n")) as { version: number; demo: string; seed: number; summary: { en: string; zh: string }; events: { t: number; kind: string; text: string; zh?: string }[] };
  assert.deepEqual([doc.version, doc.demo, doc.seed], [3, "udp", 3]);
  assert.match(doc.summary.zh, /UDP 回显/);
  assert.ok(doc.events.some((e) => e.kind === "output" && e.text === "recv: Connection refused"));
  const say = doc.events.find((e) => e.kind === "say")!;
  assert.ok(say.text.length > 0 && say.zh!.length > 0);
  assert.equal(doc.events.filter((e) => e.kind === "packet").length, r.out.length > 0 ? doc.events.filter((e) => e.kind === "packet").length : -1);
  const again = await run("demo", "udp", "--json", "--seed", "3");
  assert.deepEqual(again.out, r.out);
});

test("demo lists the scenarios; an unknown scenario and bad options", async () => {
  for (const l of [await run("demo"), await run("demo", "--list")]) {
    assert.equal(l.code, 0);
    assert.equal(l.out[0], "Scenarios (sockstack demo NAME runs one):");
    assert.match(l.out[1]!, /^ {2}lecture +the lecture: .* \[A1 A2 /);
    assert.ok(l.out.some((x) => /^ {2}time-wait +.*\[F6 C5/.test(x)));
    assert.equal(l.out.at(-1), "Start with: sockstack demo lecture   (--lang zh narrates in Chinese)");
  }
  const zh = await run("demo", "--lang", "zh");
  assert.equal(zh.out[0], "场景（sockstack demo NAME 运行一个）：");
  const u = await run("demo", "nope");
  assert.deepEqual([u.code, u.err[0]], [2, "sockstack demo: no scenario 'nope' (sockstack demo lists them)"]);
  assert.match(u.err[1]!, /^usage: sockstack demo /);
  const s = await run("demo", "lecture", "--seed", "-1");
  assert.deepEqual([s.code, s.err[0]], [2, "sockstack demo: option --seed: -1 is below the minimum 0"]);
  const lang = await run("demo", "lecture", "--lang", "fr");
  assert.deepEqual([lang.code, lang.err[0]], [2, "sockstack demo: --lang fr: en or zh"]);
});

test("demo --lang zh: the narration in Chinese, the tools' output unchanged", async () => {
  const en = await run("demo", "time-wait");
  const zh = await run("demo", "time-wait", "--lang", "zh");
  assert.equal(zh.code, 0);
  assert.ok(zh.out.includes("--- 2. 立即重启：bind 失败（F6, E6） ---"));
  assert.ok(zh.out.some((l) => l.includes("两个 socket 都设置了")));
  const tool = (o: string[]) => o.filter((l) => /^(State|TIME-WAIT|LISTEN|server-v\d: bind)/.test(l));
  assert.deepEqual(tool(zh.out), tool(en.out));
  // The ladder's drop reasons follow the language.
  const lz = await run("demo", "lecture", "--lang", "zh");
  assert.equal(lz.out.filter((l) => l.includes("✗ 全连接队列已满")).length, 5);
});

test("demo --ladder and --svg: every connection on the wire in lanes, drops and states marked", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockstack-svg-"));
  try {
    const f = join(dir, "l.svg");
    const r = await run("demo", "lecture", "--ladder", "--svg", f);
    assert.equal(r.code, 0, r.err.join("\n"));
    const i = r.out.indexOf("--- Ladder: every connection on the wire ---");
    assert.ok(i > 0);
    assert.deepEqual(r.out[i + 1]!.trim().split(/ {2,}/), ["connection 0", "connection 1", "connection 2", "connection 3"]);
    assert.equal(r.out.slice(i).filter((l) => l.includes("✗ accept queue full")).length, 5);
    const svg = readFileSync(f, "utf8");
    assert.match(svg, /^<\?xml /);
    assert.equal((svg.match(/<g class="drop">/g) ?? []).length, 5);
    assert.ok(svg.includes("sockstack demo lecture (seed 0)"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("demo --step waits before each section only when the terminal can answer", async () => {
  const io = captureIo();
  let waits = 0;
  const tty = { ...io, waitEnter: async () => void waits++ };
  assert.equal(await main(["demo", "timeouts", "--step"], tty), 0);
  assert.equal(waits, 1); // two sections: one pause between them
  const piped = await run("demo", "timeouts", "--step"); // captureIo has no terminal: no waiting
  assert.equal(piped.code, 0);
  assert.deepEqual(piped.out, (await run("demo", "timeouts")).out);
});

test("demo --pcap FILE: a pcap (or pcapng) file of the capture, the same bytes for the same seed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockstack-pcap-"));
  try {
    const f1 = join(dir, "a.pcap"), f2 = join(dir, "b.pcap"), f3 = join(dir, "c.pcapng");
    const r = await run("demo", "udp", "--pcap", f1);
    assert.equal(r.code, 0);
    assert.equal(r.out.at(-1), `(capture written to ${f1}: 110 packets)`);
    await run("demo", "udp", "--pcap", f2);
    const pcap = readFileSync(f1);
    assert.deepEqual(pcap, readFileSync(f2));
    assert.equal(pcap.readUInt32LE(0), 0xa1b2c3d4);
    assert.equal(pcap.readUInt32LE(20), 101); // LINKTYPE_RAW
    // Walk the records: 110 IPv4 datagrams (fragments included), the first an 84-byte echo request reaching the server at 5 ms.
    let off = 24, n = 0;
    while (off < pcap.length) {
      const incl = pcap.readUInt32LE(off + 8);
      if (n === 0) assert.deepEqual([pcap.readUInt32LE(off), pcap.readUInt32LE(off + 4), incl, pcap[off + 16], pcap[off + 16 + 20]], [0, 5000, 84, 0x45, 8]);
      off += 16 + incl;
      n++;
    }
    assert.equal(n, 110);
    assert.equal((await run("demo", "udp", "--json", "--pcap", f3)).code, 0);
    assert.equal(readFileSync(f3).readUInt32LE(0), 0x0a0d0d0a); // pcapng section header block
    // Standard output carries the demo's text: --pcap - is refused.
    const dash = await run("demo", "udp", "--pcap", "-");
    assert.deepEqual([dash.code, dash.err[0]], [2, "sockstack demo: --pcap -: the demo prints to standard output; write the capture to a file"]);
    // bench opens --json=FILE before running anything.
    const bench = await run("bench", "idle-timers", `--json=${join(dir, "no", "x.json")}`);
    assert.deepEqual([bench.code, bench.out, bench.err.length], [1, [], 1]);
    assert.match(bench.err[0]!, /^sockstack bench: cannot write .*x\.json: ENOENT/);
    // A path that cannot be written fails before the demo runs (tcpdump -w opens its file first).
    const bad = await run("demo", "udp", "--pcap", join(dir, "no", "such", "dir.pcap"));
    assert.deepEqual([bad.code, bad.out, bad.err.length], [1, [], 1]);
    assert.match(bad.err[0]!, /^sockstack demo: cannot write .*dir\.pcap: ENOENT: no such file or directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- ping -----------------------------------------------------------------

test("ping: exactly what iputils prints, exit 0", async () => {
  const r = await run("ping", "-c", "2", "10.0.0.2");
  assert.equal(r.code, 0);
  assert.deepEqual(r.out, [
    "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.",
    "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=10.0 ms",
    "64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=10.0 ms",
    "",
    "--- 10.0.0.2 ping statistics ---",
    "2 packets transmitted, 2 received, 0% packet loss, time 1010ms",
    "rtt min/avg/max/mdev = 10.000/10.000/10.000/0.000 ms",
  ]);
});

test("ping -6: iputils' IPv6 lines (PING a(a) N data bytes; hop limit as ttl; Time exceeded: Hop limit), no route exits 2", async () => {
  // Lines compared with iputils 20221126's ping -6 between two namespaces on Linux 6.18.
  const r = await run("ping", "-6", "-c", "2", "-s", "100", "server");
  assert.equal(r.code, 0, "the server answers");
  assert.deepEqual(r.out, [
    "PING 2001:db8::2(2001:db8::2) 100 data bytes",
    "108 bytes from 2001:db8::2: icmp_seq=1 ttl=64 time=10.0 ms",
    "108 bytes from 2001:db8::2: icmp_seq=2 ttl=64 time=10.0 ms",
    "",
    "--- 2001:db8::2 ping statistics ---",
    "2 packets transmitted, 2 received, 0% packet loss, time 1010ms",
    "rtt min/avg/max/mdev = 10.000/10.000/10.000/0.000 ms",
  ], "ping -6's lines");
  const far = await run("ping", "-6", "--hops", "2", "-t", "1", "-c", "1", "server");
  assert.equal(far.code, 1, "no reply");
  assert.deepEqual(far.out.slice(0, 2), ["PING 2001:db8:2::2(2001:db8:2::2) 56 data bytes", "From 2001:db8::2 icmp_seq=1 Time exceeded: Hop limit"], "the first router's error");
  const across = await run("ping", "-6", "--hops", "2", "-c", "1", "server");
  assert.equal(across.out[1], "64 bytes from 2001:db8:2::2: icmp_seq=1 ttl=62 time=30.0 ms", "two routers forward IPv6 and lower the hop limit");
  const none = await run("ping", "-6", "-c", "1", "2001:db9::1");
  assert.deepEqual([none.code, none.out, none.err], [2, [], ["ping: connect: Network is unreachable"]], "no route: iputils' connect error, exit 2");
});

test("ping across routers by host name: ttl and rtt show the hops; -s and --latency", async () => {
  const r = await run("ping", "--hops", "3", "-c1", "--latency", "2", "-s", "100", "server");
  assert.equal(r.code, 0);
  assert.equal(r.out[0], "PING 10.0.3.2 (10.0.3.2) 100(128) bytes of data.");
  assert.equal(r.out[1], "108 bytes from 10.0.3.2: icmp_seq=1 ttl=61 time=16.0 ms");
});

test("ping -t expiring at a router: Time to live exceeded, exit 1", async () => {
  const r = await run("ping", "--hops", "3", "-t", "2", "-c", "1", "server");
  assert.equal(r.code, 1);
  assert.equal(r.out[1], "From 10.0.1.2 icmp_seq=1 Time to live exceeded");
  assert.equal(r.out[4], "1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 20ms");
});

test("ping --loss: some replies missing, the same ones for the same seed", async () => {
  const a = await run("ping", "--loss", "30%", "-c", "20", "--seed", "5", "10.0.0.2");
  const b = await run("ping", "--loss", "0.3", "-c", "20", "--seed", "5", "10.0.0.2");
  assert.deepEqual(a.out, b.out);
  const got = a.out.filter((l) => l.startsWith("64 bytes")).length;
  assert.ok(got > 0 && got < 20, `${got} replies`);
  assert.equal(a.code, 0);
});

test("ping bad arguments: one-line reason, usage line, exit 2", async () => {
  const cases: [string[], string][] = [
    [[], "sockstack ping: missing TARGET"],
    [["-c", "x", "10.0.0.2"], "sockstack ping: option -c: 'x' is not a number"],
    [["-c"], "sockstack ping: option -c needs a value (COUNT)"],
    [["-t", "0", "10.0.0.2"], "sockstack ping: option -t: 0 is below the minimum 1"],
    [["--loss", "2", "10.0.0.2"], "sockstack ping: option --loss: '2' is not a probability (0–1, or 0%–100%)"],
    [["--hops", "999", "server"], "sockstack ping: option --hops: 999 is above the maximum 250"],
    [["a", "b"], "sockstack ping: unexpected argument 'b'"],
    [["--frobnicate", "10.0.0.2"], "sockstack ping: unknown option --frobnicate"],
  ];
  for (const [argv, msg] of cases) {
    const r = await run("ping", ...argv);
    assert.equal(r.code, 2, argv.join(" "));
    assert.equal(r.err.length, 2, argv.join(" "));
    assert.equal(r.err[0], msg);
    assert.match(r.err[1]!, /^usage: sockstack ping \[-6\] \[--seed N\] .* TARGET$/);
    assert.deepEqual(r.out, []);
  }
  const name = await run("ping", "nosuchhost");
  assert.deepEqual([name.code, name.err], [2, ["ping: nosuchhost: Name or service not known"]]);
});

test("ping --help documents the addresses", async () => {
  const r = await run("ping", "--help");
  assert.equal(r.code, 0);
  assert.match(r.out[0]!, /^usage: sockstack ping /);
  assert.ok(r.out.some((l) => l.includes("client 10.0.0.1; server 10.0.N.2")));
});

test("conformance: a file that is not a .pkt script, a missing path, a directory without scripts — exit 2 before any script runs", async () => {
  const readme = await run("conformance", "README.md");
  assert.deepEqual([readme.code, readme.out, readme.err[0]], [2, [], "sockstack conformance: README.md: not a packetdrill script (scripts are .pkt files)"]);
  assert.match(readme.err[1]!, /^usage: sockstack conformance /);
  const missing = await run("conformance", "test/pkt/linux", "no/such.pkt");
  assert.deepEqual([missing.code, missing.out, missing.err[0]], [2, [], "sockstack conformance: no/such.pkt: No such file or directory"]);
  const empty = await run("conformance", "docs");
  assert.deepEqual([empty.code, empty.err[0]], [2, "sockstack conformance: docs: no packetdrill scripts (*.pkt) in this directory"]);
});

interface JsonEvent { t: number; kind: string; text: string; host?: string; [k: string]: unknown }

test("demo --json: both scenarios emit the shared event model — packets with parsed fields, state changes, syscalls, snapshots", async () => {
  const kinds = async (name: string) => {
    const r = await run("demo", name, "--json");
    assert.equal(r.code, 0, r.err.join("\n"));
    const doc = JSON.parse(r.out.join("\n")) as { version: number; demo: string; seed: number; events: JsonEvent[] };
    assert.deepEqual([doc.version, doc.demo, doc.seed], [3, name, 0]);
    // Every event: a time, a kind, a line of text; times never go backwards.
    for (const [i, e] of doc.events.entries()) {
      assert.ok(typeof e.t === "number" && typeof e.kind === "string" && typeof e.text === "string", JSON.stringify(e));
      if (i > 0) assert.ok(e.t >= doc.events[i - 1]!.t, `time goes back at ${i}`);
    }
    return doc.events;
  };
  const lecture = await kinds("lecture");
  const echo = await kinds("udp");
  for (const evs of [lecture, echo]) for (const k of ["packet", "syscall", "snapshot", "command", "output"]) assert.ok(evs.some((e) => e.kind === k), k);

  // Packets: the capture point's records, each with tcpdump's line and the header fields.
  const syn = lecture.find((e) => e.kind === "packet") as JsonEvent & { dir: string; iface: string; fields: { ip: { src: string; dst: string; proto: string }; tcp: { dport: number; flags: string; options: { mss: number } } } };
  assert.deepEqual([syn.t, syn.host, syn.iface, syn.dir, syn.fields.ip.src, syn.fields.ip.dst, syn.fields.ip.proto], [200050, "server", "eth0", "in", "10.0.0.1", "10.0.0.2", "tcp"]);
  assert.deepEqual([syn.fields.tcp.dport, syn.fields.tcp.flags, syn.fields.tcp.options.mss], [9090, "S", 1460]);
  assert.match(syn.text, /^00:00:00\.200050 IP 10\.0\.0\.1\.33602 > 10\.0\.0\.2\.9090: Flags \[S\], /);
  const text = (await run("demo", "lecture")).out;
  const packets = lecture.filter((e) => e.kind === "packet");
  assert.deepEqual(packets.map((e) => e.text), text.filter((l) => /^\d\d:\d\d:\d\d\.\d{6} IP /.test(l)));
  const icmp = echo.find((e) => e.kind === "packet") as JsonEvent & { fields: { icmp: { type: number; id: number; seq: number } } };
  assert.deepEqual([icmp.fields.icmp.type, icmp.fields.icmp.seq], [8, 1]);
  const udp = echo.find((e) => e.kind === "packet" && (e as unknown as { fields: { udp?: unknown } }).fields.udp) as JsonEvent & { fields: { udp: { dport: number; length: number } } };
  assert.deepEqual([udp.fields.udp.dport, udp.fields.udp.length], [7, 5]);

  // TCP state changes, in order, on both hosts: the listener, the handshakes, the fourth client stuck in SYN_SENT.
  const states = lecture.filter((e) => e.kind === "state").map((e) => `${e.host} ${e.from}->${e.to}`);
  assert.equal(states[0], "server CLOSE->LISTEN");
  assert.ok(states.includes("client SYN_SENT->ESTABLISHED"));
  assert.ok(states.includes("server SYN_RECV->ESTABLISHED"));
  assert.equal(states.filter((s) => s === "client SYN_SENT->ESTABLISHED").length, 4);
  // Syscalls with structured fields (both scenarios report them the same way).
  const refused = echo.find((e) => e.kind === "syscall" && e.errno) as JsonEvent & { call: string; args: string[]; result: number; errno: string; pid: number };
  assert.deepEqual([refused.call, refused.args, refused.result, refused.errno], ["sendto", ["3", '"\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0"...', "65508", "0", '{sa_family=AF_INET, sin_port=htons(7), sin_addr=inet_addr("10.0.0.2")}', "16"], -1, "EMSGSIZE"]);
  const accepts = lecture.filter((e) => e.kind === "syscall" && e.call === "accept").map((e) => e.result);
  assert.deepEqual(accepts, [4, 5, 6, 7]);
  // Snapshots: the sockets the views printed, structured.
  const overflow = lecture.find((e) => e.kind === "snapshot" && e.host === "server" && e.t === 2_000_000) as JsonEvent & { sockets: { state: string; recvQ: number; sendQ: number; owners: unknown[] }[] };
  const listen = overflow.sockets.find((s) => s.state === "LISTEN")!;
  assert.deepEqual([listen.recvQ, listen.sendQ, overflow.sockets.filter((s) => s.state === "ESTABLISHED" && s.owners.length === 0).length], [3, 2, 3]);
});

test("demo --strace: every system call as strace -f -tt prints it, in place of the scenario's own syscall lines", async () => {
  const r = await run("demo", "udp", "--strace");
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.ok(!r.out.some((l) => l.startsWith("  [")), "the scenario's syscall lines give way to the trace");
  const at = (l: string) => {
    const i = r.out.indexOf(l);
    assert.ok(i >= 0, `missing: ${l}`);
    return i;
  };
  const sock = at("server [pid  1000] 00:00:00.000000 socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = 3");
  assert.ok(sock > r.out.indexOf("--- 1. The server starts a UDP echo service ---"));
  at('server [pid  1000] 00:00:00.000000 bind(3, {sa_family=AF_INET, sin_port=htons(7), sin_addr=inet_addr("0.0.0.0")}, 16) = 0');
  at("client [pid  1001] 00:00:03.110000 recvfrom(3, 0x..., 100, 0, NULL, NULL) = -1 ECONNREFUSED (Connection refused)");
  at("client [pid  1001] 00:00:03.120000 +++ exited with 0 +++");
  // A blocked call interrupted by other processes' lines: <unfinished ...> then <... resumed>.
  assert.ok(r.out.includes("server [pid  1000] 00:00:00.000000 recvfrom(3,  <unfinished ...>"));
  assert.ok(r.out.some((l) => l.startsWith("server [pid  1000] 00:00:02.015000 <... recvfrom resumed>\"hello\", 65535, 0, ")));
  // JSON: the same lines as strace events, and one structured syscall event per call.
  const j = await run("demo", "udp", "--strace", "--json");
  const doc = JSON.parse(j.out.join("\n")) as { events: JsonEvent[] };
  assert.deepEqual(doc.events.filter((e) => e.kind === "strace").map((e) => e.text), r.out.filter((l) => /^(client|server) \[pid /.test(l)));
  const refused = doc.events.find((e) => e.kind === "syscall" && e.errno === "ECONNREFUSED")!;
  assert.deepEqual([refused.call, refused.result, refused.traced, refused.host, refused.pid], ["recvfrom", -1, true, "client", 1001]);
  // The view commands: the trace up to the step on stderr, the view on stdout.
  const v = await run("ss", "-tln", "--step", "listen", "--strace");
  assert.equal(v.code, 0);
  assert.deepEqual(v.err, [
    "server [pid  1000] 00:00:00.000000 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3",
    'server [pid  1000] 00:00:00.000000 bind(3, {sa_family=AF_INET, sin_port=htons(9090), sin_addr=inet_addr("0.0.0.0")}, 16) = 0',
    "server [pid  1000] 00:00:00.000000 listen(3, 2) = 0",
  ]);
  assert.deepEqual(v.out, (await run("ss", "-tln", "--step", "listen")).out);
});
