// In-process tests of the view commands (sockstack ss|netstat|lsof|nstat|
// tcpdump|ladder) and of the lecture tour, the default demo.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { captureIo } from "./io.js";
import { main } from "./main.js";

async function run(...argv: string[]) {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

const tcpdump = ["/usr/bin/tcpdump", "/usr/sbin/tcpdump"].find((p) => existsSync(p));

test("sockstack ss at each lecture step: listen, connect (A2), data (A3), overflow (B2), accept (A4)", async () => {
  const listen = await run("ss", "-tlnp", "--step", "listen");
  assert.equal(listen.code, 0, listen.err.join("\n"));
  assert.deepEqual(listen.out.map((l) => l.trimEnd()), [
    "State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess",
    'LISTEN 0      2            0.0.0.0:9090      0.0.0.0:*    users:(("server",pid=1000,fd=3))',
  ]);
  const connect = await run("ss", "-tan", "--step", "2");
  assert.match(connect.out[2]!, /^ESTAB {2}0 {6}0 {11}10\.0\.0\.2:9090 {5}10\.0\.0\.1:33602\s*$/);
  const data = await run("ss", "-tn", "--step", "data");
  assert.match(data.out[1]!, /^ESTAB 4 /);
  const overflow = await run("ss", "-tanpoi", "--step", "overflow", "--host", "client");
  assert.ok(overflow.out.some((l) => /^SYN-SENT 0 {6}1 .* timer:\(on,800ms,1\)$/.test(l)), overflow.out.join("\n"));
  const accepted = await run("lsof", "-p", "1000");
  assert.match(accepted.out.at(-1)!, /^server {2}1000 root {4}7u {2}IPv4 .* TCP 10\.0\.0\.2:9090->10\.0\.0\.1:33608 \(ESTABLISHED\)$/);
  const ns = await run("netstat", "-natp", "--step", "connect");
  assert.match(ns.out[3]!, /^tcp {8}0 {6}0 10\.0\.0\.2:9090 {11}10\.0\.0\.1:33602 {10}ESTABLISHED -\s*$/);
});

test("sockstack nstat shows the counters changed since the previous step", async () => {
  const r = await run("nstat", "--step", "overflow");
  assert.equal(r.code, 0);
  assert.ok(r.out.some((l) => /^TcpExtListenOverflows +2 /.test(l)), r.out.join("\n"));
  const abs = await run("nstat", "-a", "--step", "accept");
  assert.ok(abs.out.some((l) => /^TcpPassiveOpens +4 /.test(l)), abs.out.join("\n"));
});

test("sockstack tcpdump: filters, -c, -X, -v, -i on a host, -w", async () => {
  const syns = await run("tcpdump", "-nn", "tcp[tcpflags] & tcp-syn != 0 and dst port 9090", "--step", "overflow");
  assert.equal(syns.code, 0, syns.err.join("\n"));
  assert.equal(syns.out.length, 5); // four clients' SYNs and the 4th's retransmission at 1.8 s
  assert.ok(syns.out.every((l) => / > 10\.0\.0\.2\.9090: Flags \[S\], /.test(l)));
  const two = await run("tcpdump", "-nnX", "-c", "2", "--step", "2");
  assert.equal(two.out.filter((l) => l.startsWith("00:")).length, 2);
  assert.equal(two.out[1], "\t0x0000:  4500 003c d056 4000 4006 5663 0a00 0001  E..<.V@.@.Vc....");
  const v = await run("tcpdump", "-v", "-c", "1");
  assert.match(v.out[0]!, /^00:00:00\.200050 IP \(tos 0x0, ttl 64, id \d+, offset 0, flags \[DF\], proto TCP \(6\), length 60\)$/);
  const any = await run("tcpdump", "-i", "any", "--host", "client", "--scenario", "udp-echo", "udp");
  assert.equal(any.out.length, 6);
  assert.match(any.out[0]!, /^00:00:00\.020000 eth0 {2}Out IP 10\.0\.0\.1\.\d+ > 10\.0\.0\.2\.7: UDP, length 5$/);
  const bad = await run("tcpdump", "port", "x");
  assert.deepEqual([bad.code, bad.err], [2, ["sockstack tcpdump: syntax error at 5: unknown port 'x' (sockstack knows the well-known service names only: write a number)", "  port x", "       ^"]]);
  const opt = await run("tcpdump", "-Q");
  assert.deepEqual([opt.code, opt.err[0]], [2, "sockstack tcpdump: invalid option -- 'Q'"]);
  const dev = await run("tcpdump", "-i", "eth7");
  assert.deepEqual([dev.code, dev.err[0]], [2, "sockstack tcpdump: eth7: No such device exists"]);
});

test("sockstack tcpdump -w FILE writes what tcpdump -r reads back as our text", { skip: !tcpdump && "tcpdump is not installed" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockstack-views-"));
  try {
    for (const name of ["x.pcap", "x.pcapng"]) {
      const f = join(dir, name);
      const w = await run("tcpdump", "-w", f, "port 9090");
      assert.equal(w.code, 0, w.err.join("\n"));
      assert.match(w.err[0]!, /^\d+ packets captured$/);
      const ours = await run("tcpdump", "-nn", "port 9090");
      const real = spawnSync(tcpdump!, ["-nn", "-r", f], { encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
      assert.equal(real.status, 0, real.stderr);
      const lines = real.stdout.trimEnd().split("\n");
      assert.deepEqual(ours.out, lines);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sockstack ladder: text, --list, --connection, --svg FILE", async () => {
  const list = await run("ladder", "--list");
  assert.deepEqual(list.out, [0, 2, 4, 6].map((k, i) => `${i}  10.0.0.1:${33602 + k} <-> 10.0.0.2:9090`));
  const one = await run("ladder", "--connection", "3", "--relative");
  assert.equal(one.out[0], "      ms  10.0.0.1:33608            10.0.0.2:9090");
  assert.equal(one.out[2], "1000.000         │── S seq 0 (retx) ─────▶│");
  const filtered = await run("ladder", "port", "33602", "--step", "data");
  assert.equal(filtered.out.length, 1 + 5);
  const dir = mkdtempSync(join(tmpdir(), "sockstack-ladder-"));
  try {
    const f = join(dir, "l.svg");
    const svg = await run("ladder", "--svg", f);
    assert.deepEqual([svg.code, svg.out], [0, [`(ladder diagram written to ${f})`]]);
    const doc = readFileSync(f, "utf8");
    assert.match(doc, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" /);
    assert.ok(doc.includes(">sockstack lecture — accept (seed 0)</text>"));
    assert.equal((doc.match(/<g class="retx">/g) ?? []).length, 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const bad = await run("ladder", "--connection", "9");
  assert.deepEqual([bad.code, bad.err[0]], [2, "sockstack ladder: no connection 9 (there are 4; --list shows them)"]);
});

test("view commands: --help, a bad scenario, step, host or tool flag", async () => {
  const h = await run("ss", "--help");
  assert.equal(h.code, 0);
  assert.match(h.out[0]!, /^usage: sockstack ss /);
  assert.ok(h.out.some((l) => /^ {2}4 overflow +t=2\.000s/.test(l)));
  const cases: [string[], string][] = [
    [["ss", "--scenario", "nope"], "sockstack ss: no scenario 'nope' (scenarios: lecture, udp-echo, fd-kinds)"],
    [["ss", "--step", "9"], "sockstack ss: no step '9' in lecture (steps: 1 listen, 2 connect, 3 data, 4 overflow, 5 accept)"],
    [["lsof", "--host", "router"], "sockstack lsof: no host 'router' (hosts: client, server)"],
    [["ss", "-Y"], "ss: invalid option -- 'Y'"],
    [["netstat", "--seed", "x"], "sockstack netstat: option --seed: 'x' is not an integer from 0 to 4294967295"],
  ];
  for (const [argv, msg] of cases) {
    const r = await run(...argv);
    assert.deepEqual([r.code, r.err[0]], [2, msg], argv.join(" "));
    assert.match(r.err[1]!, /^usage: sockstack /);
  }
  const udp = await run("ss", "-uanp", "--scenario", "udp-echo", "--step", "bound");
  assert.match(udp.out[1]!, /^UNCONN 0 +0 +0\.0\.0\.0:7 +0\.0\.0\.0:\* +users:\(\("udp-echo",pid=1000,fd=3\)\)$/);
});

test("sockstack demo is the lecture tour: A1 listen, A2, A3 Recv-Q 4, B2 overflow, A4 accept, a ladder", async () => {
  const r = await run("demo", "lecture");
  assert.equal(r.code, 0, r.err.join("\n"));
  const out = r.out;
  const at = (re: RegExp, from = 0) => {
    const i = out.findIndex((l, k) => k >= from && re.test(l));
    assert.ok(i >= 0, `missing ${re}`);
    return i;
  };
  assert.equal(out[0], "sockstack demo lecture (seed 0)");
  const s1 = at(/^--- 1\. The server listens/);
  at(/^LISTEN 0 +2 +0\.0\.0\.0:9090/, s1);
  at(/^\(nothing crossed the wire\)$/, s1);
  const s2 = at(/^--- 2\. A client connects/);
  at(/ESTABLISHED -$/, s2);
  const s3 = at(/^--- 3\. The client sends "1111"/);
  at(/^ESTAB 4 /, s3);
  const s4 = at(/^--- 4\. Four clients, backlog 2/);
  at(/^LISTEN 3 +2 /, s4);
  at(/^SYN-SENT 0 +1 .* timer:\(on,\d+ms,1\)$/, s4);
  at(/^TcpExtListenOverflows +2 /, s4);
  const s5 = at(/^--- 5\. The server accepts/);
  at(/^server {2}1000 root {4}7u /, s5);
  const s6 = at(/^--- 6\. The fourth connection as a ladder diagram/);
  assert.equal(out.slice(s6).filter((l) => l.includes("S seq 0 (retx)")).length, 5);
  assert.ok(s1 < s2 && s2 < s3 && s3 < s4 && s4 < s5 && s5 < s6);
  const json = await run("demo", "lecture", "--json", "--seed", "0");
  const doc = JSON.parse(json.out.join("\n")) as { demo: string; seeds: string[] };
  assert.deepEqual([doc.demo, doc.seeds.includes("B2")], ["lecture", true]);
});

test("one default seed and one capture point: the demo shows what the view commands show", async () => {
  const demo = (await run("demo", "lecture")).out;
  // Every tcpdump block of the tour, concatenated, is `sockstack tcpdump -nn` (the server's eth0, seed 0).
  const wire: string[] = [];
  demo.forEach((l, i) => {
    if (!l.startsWith("server$ tcpdump -nn -i eth0")) return;
    for (let k = i + 1; k < demo.length && /^\d\d:\d\d:/.test(demo[k]!); k++) wire.push(demo[k]!);
  });
  const td = await run("tcpdump", "-nn", "--step", "accept");
  assert.equal(td.code, 0, td.err.join("\n"));
  assert.deepEqual(wire, td.out);
  assert.ok(wire.length > 20);
  // The overflow step's ss, on the server and on the client, and lsof after accept: same ports, same values.
  const block = (cmd: string, from: number) => {
    const i = demo.indexOf(cmd, from);
    assert.ok(i >= 0, cmd);
    const end = demo.findIndex((l, k) => k > i && (/^(server|client)\$ /.test(l) || !/^(State|LISTEN|ESTAB|SYN-|COMMAND|server |Proto|tcp |Active)/.test(l)));
    return demo.slice(i + 1, end).map((l) => l.trimEnd());
  };
  const s4 = demo.findIndex((l) => l.startsWith("--- 4."));
  assert.deepEqual(block("server$ ss -tanp", s4), (await run("ss", "-tanp", "--step", "overflow")).out.map((l) => l.trimEnd()));
  assert.deepEqual(block("client$ ss -tanpo", s4), (await run("ss", "-tanpo", "--step", "overflow", "--host", "client")).out.map((l) => l.trimEnd()));
  const s5 = demo.findIndex((l) => l.startsWith("--- 5."));
  assert.deepEqual(block("server$ lsof -p 1000", s5), (await run("lsof", "-p", "1000")).out);
  // --seed moves both the same way.
  const d7 = (await run("demo", "lecture", "--seed", "7")).out;
  const ss7 = await run("ss", "-tan", "--step", "connect", "--seed", "7");
  const port = /10\.0\.0\.1:(\d+)/.exec(ss7.out[2]!)![1]!;
  assert.ok(d7.some((l) => l.includes(`10.0.0.1:${port}`)), port);
  assert.notEqual(port, /10\.0\.0\.1:(\d+)/.exec((await run("ss", "-tan", "--step", "connect")).out[2]!)![1]);
});

test("sockstack ss filters as typed in a shell: one quoted argument, the man page's form, state words, errors", async () => {
  const one = await run("ss", "-tan", "dport = :9090", "--step", "overflow", "--host", "client");
  assert.equal(one.code, 0, one.err.join("\n"));
  assert.equal(one.out.length, 5); // header + four clients (three ESTAB, one SYN-SENT)
  assert.ok(one.out.slice(1).every((l) => / 10\.0\.0\.2:9090\s*$/.test(l)), one.out.join("\n"));
  const man = await run("ss", "-tan", "( dport = :9090 or sport = :9090 )", "--step", "overflow");
  assert.equal(man.code, 0, man.err.join("\n"));
  assert.deepEqual(man.out.slice(1).map((l) => l.split(/\s+/)[0]), ["LISTEN", "ESTAB", "ESTAB", "ESTAB"]);
  const esc = await run("ss", "-tan", "\\(", "dport", "=", ":9090", "or", "sport", "=", ":9090", "\\)", "--step", "overflow");
  assert.deepEqual(esc.out, man.out);
  const st = await run("ss", "-tn", "state", "syn-sent", "dport = :9090", "--host", "client", "--step", "overflow");
  assert.equal(st.out.length, 2);
  const auto = await run("ss", "-tan", "autobound", "--host", "client", "--step", "overflow");
  assert.equal(auto.out.length, 5); // connect() picked every client port
  const svc = await run("ss", "-tan", "sport = :http or dport = :ssh");
  assert.deepEqual(svc.out.length, 1);
  // tcpdump knows the same service names.
  const named = await run("tcpdump", "-nn", "port http or port 9090", "--step", "2");
  assert.equal(named.code, 0, named.err.join("\n"));
  assert.deepEqual(named.out, (await run("tcpdump", "-nn", "port 9090", "--step", "2")).out);
  assert.equal(named.out.length, 3);
  const bad = await run("ss", "-tan", "(dport = :9090)");
  assert.deepEqual([bad.code, bad.err[0]], [2, 'ss: an inet prefix is expected rather than "(dport". (cannot parse dst/src address)']);
  const syn = await run("ss", "-tan", "dport = :9090 or");
  assert.deepEqual([syn.code, syn.err[0]], [2, 'ss: bison bellows (while parsing filter): "syntax error!" Sorry. (at the end)']);
  assert.match(syn.err[1]!, /^usage: sockstack ss /);
});

test("view commands refuse what the real tool refuses, say what sockstack lacks, and exit like the tool when nothing matches", async () => {
  const cases: [string[], string][] = [
    [["netstat", "-Q"], "netstat: invalid option -- 'Q'"],
    [["netstat", "--bogus"], "netstat: unrecognized option '--bogus'"],
    [["netstat", "-r"], "netstat: option -r is not supported by sockstack's netstat"],
    [["nstat", "-Q"], "nstat: invalid option -- 'Q'"],
    [["nstat", "--bogus"], "nstat: unrecognized option '--bogus'"],
    [["nstat", "-d", "5"], "nstat: option -d is not supported by sockstack's nstat"],
    [["lsof", "-J"], "lsof: illegal option character: J"],
    [["lsof", "-p", "abc"], "lsof: illegal process ID: abc"],
    [["lsof", "-p"], "lsof: -p not followed by a PID specification"],
    [["lsof", "/dev/pts/0"], "lsof: sockstack lists no files by name: /dev/pts/0"],
    [["ss", "-Q"], "ss: invalid option -- 'Q'"],
    [["ss", "-0"], "ss: option -0 is not supported by sockstack's ss"],
  ];
  for (const [argv, msg] of cases) {
    const r = await run(...argv);
    assert.deepEqual([r.code, r.err[0], r.out], [2, msg, []], argv.join(" "));
    assert.match(r.err[1]!, /^usage: sockstack /);
  }
  // lsof prints nothing and exits 1 when nothing matches; -Q makes that a success.
  const none = await run("lsof", "-p", "99999");
  assert.deepEqual([none.code, none.out, none.err], [1, [], []]);
  assert.equal((await run("lsof", "-p", "99999", "-Q")).code, 0);
  assert.equal((await run("lsof", "-i", ":80")).code, 1);
  assert.equal((await run("lsof", "-p", "1000")).code, 0);
  assert.deepEqual((await run("lsof", "-t", "-i")).out, ["1000"]);
  assert.equal((await run("lsof", "-c", "serv", "-a", "-i", "TCP:9090")).out.length, 1 + 5);
  // nstat patterns (fnmatch globs) and -n; netstat's no-op flags.
  assert.deepEqual((await run("nstat", "-a", "Tcp*Opens")).out, ["#kernel", "TcpPassiveOpens                 4                  0.0"]);
  assert.deepEqual((await run("nstat", "-n")).out, []);
  assert.deepEqual((await run("netstat", "-natW4v")).out, (await run("netstat", "-at")).out);
});

test("output files are opened before the scenario runs: a bad path fails at once, exit 1", async () => {
  const t = await run("tcpdump", "-w", "/no/such/dir/x.pcap");
  assert.deepEqual([t.code, t.out, t.err], [1, [], ["sockstack tcpdump: /no/such/dir/x.pcap: ENOENT: no such file or directory, open '/no/such/dir/x.pcap'"]]);
  const l = await run("ladder", "--svg", "/no/such/dir/x.svg");
  assert.deepEqual([l.code, l.out, l.err.length], [1, [], 1]);
});

// ---- every kind of fd, next to the real tools --------------------------------

const testdata = (name: string) => readFileSync(new URL(`../tools/testdata/${name}`, import.meta.url), "utf8").trimEnd().split("\n");

/**
 * What may differ between Linux and sockstack: pids, inodes, kernel
 * addresses, ephemeral ports and autobind names, fd numbers (python holds
 * /dev/null at fd 10), column widths (they follow the content) and the
 * order of the socket tables (the kernel's hash order). Everything else
 * must be the same.
 */
function normalize(lines: string[], opts: { dropFd?: boolean } = {}): string[] {
  const out = lines.map((l) => {
    let s = l
      .replace(/\bpid=\d+,fd=\d+/g, "pid=PID,fd=FD")
      .replace(/\b\d+\/python3/g, "PID/python3")
      .replace(/0x[0-9a-f]{16}/g, "0xADDR")
      .replace(/@[0-9a-f]{5}\b/g, "@AUTO")
      .replace(/127\.0\.0\.1:(?!919[12])\d+/g, "127.0.0.1:EPH")
      .replace(/\b\d{5,6}\b/g, "INODE")
      .replace(/\s+/g, " ")
      .trimEnd();
    if (opts.dropFd) s = s.replace(/^python3 INODE root \d+u /, "python3 PID root FDu ").replace(/^python3 \d+ root \d+u /, "python3 PID root FDu ");
    return s;
  });
  return [out[0]!, ...out.slice(1).sort()];
}

test("every kind of fd in lsof, ss -x and netstat -x is what the real tools print for python3's (fd-kinds scenario)", async () => {
  const lsof = await run("lsof", "-p", "1000", "--scenario", "fd-kinds");
  assert.equal(lsof.code, 0, lsof.err.join("\n"));
  // The tty fds 0-2 (python's were redirected when captured) are checked in the lecture tests.
  const ours = lsof.out.filter((l) => !l.includes("/dev/pts/0"));
  assert.deepEqual(normalize(ours, { dropFd: true }).map((l) => l.replace(/^COMMAND PID/, "COMMAND PID")), normalize(testdata("fd-kinds-lsof-p.txt"), { dropFd: true }));
  const ss = await run("ss", "-xanp", "--scenario", "fd-kinds");
  assert.deepEqual(normalize(ss.out), normalize(testdata("fd-kinds-ss-xanp.txt")));
  const ns = await run("netstat", "-anpx", "--scenario", "fd-kinds");
  // net-tools prints the UNIX header before the column names; the capture kept both.
  assert.deepEqual(normalize(ns.out.slice(1)), normalize(testdata("fd-kinds-netstat-anpx.txt").slice(1)));
  assert.equal(ns.out[0], testdata("fd-kinds-netstat-anpx.txt")[0]);
  // The peers line up: each connected unix socket's peer inode is its partner's inode.
  const rows = ss.out.slice(1).map((l) => l.split(/\s+/));
  for (const r of rows.filter((x) => x[1] === "ESTAB")) assert.ok(rows.some((q) => q[5] === r[7] && q[7] === r[5]), r.join(" "));
  // lsof -U selects the unix sockets; -i the Internet ones; the epoll row names what it watches.
  assert.equal((await run("lsof", "-U", "--scenario", "fd-kinds")).out.length, 1 + 11);
  assert.equal((await run("lsof", "-i", "--scenario", "fd-kinds")).out.length, 1 + 5);
  assert.ok(lsof.out.some((l) => /^python3 1000 root +8u +a_inode +0,16 +0 +1039 \[eventpoll:3\]$/.test(l)));
  // ss filters unix names with globs (ss -x src /tmp/*).
  const glob = await run("ss", "-xa", "src", "/tmp/*", "--scenario", "fd-kinds");
  assert.deepEqual(glob.out.slice(1).map((l) => l.split(/\s+/)[4]), ["/tmp/ux.sock", "/tmp/ux.sock", "/tmp/ud.sock"]);
});

test("tcpdump -w - writes the capture to standard output, as tcpdump does", async () => {
  const io = captureIo();
  assert.equal(await main(["tcpdump", "-w", "-", "--step", "2"], io), 0);
  assert.deepEqual(io.stdout, []);
  assert.equal(io.binary.length, 1);
  const pcap = Buffer.from(io.binary[0]!);
  assert.equal(pcap.readUInt32LE(0), 0xa1b2c3d4);
  assert.equal(io.stderr[0], "3 packets captured");
});
