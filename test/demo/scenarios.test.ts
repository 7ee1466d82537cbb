// Every demo scenario asserts the facts it narrates — states, queue sizes,
// fds, errnos, the packet sequence — from its structured events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { runScenario } from "./helpers.js";
import { main } from "../../src/cli/main.js";
import { captureIo } from "../../src/cli/io.js";
import type { DemoEvent } from "../../src/demo/events.js";

test("lecture: LISTEN with backlog 2, unaccepted ESTABLISHED, Recv-Q 4, overflow, accept with fds 4-7 read by threads", async () => {
  const r = await runScenario("lecture");
  const listen = r.snap("server", ms(100)).sockets.find((s) => s.state === "LISTEN")!;
  assert.deepEqual([listen.sendQ, listen.recvQ, listen.owners[0]!.fd], [2, 0, 3]);
  const a2 = r.snap("server", ms(250)).sockets.filter((s) => s.state === "ESTABLISHED");
  assert.deepEqual(a2.map((s) => [s.local, s.recvQ, s.owners.length]), [["10.0.0.2:9090", 0, 0]]);
  assert.deepEqual(r.snap("server", ms(350)).sockets.filter((s) => s.state === "ESTABLISHED").map((s) => s.recvQ), [4]);
  const over = r.snap("server", ms(2000)).sockets;
  assert.deepEqual(over.find((s) => s.state === "LISTEN")!.listen, { backlog: 2, acceptQueue: 3, synQueue: 0 });
  const client = r.snap("client", ms(2000)).sockets;
  assert.equal(client.filter((s) => s.state === "SYN_SENT").length, 1);
  // The fourth client's SYN was dropped five times for a full accept queue.
  assert.deepEqual(r.of("drop").map((e) => [e.t, e.reason]), [800050, 1800050, 2800050, 3800050, 4800050].map((t) => [t, "accept queue full"]));
  assert.deepEqual(r.calls("accept").map((e) => e.result), [4, 5, 6, 7]);
  assert.deepEqual(r.calls("recvfrom", "server").map((e) => e.result), [4, 4, 4, 4]);
  const ladder = r.of("ladder")[0]!;
  assert.equal(ladder.arrows.filter((a) => a.dropped && a.dropReason === "accept queue full").length, 5);
  assert.ok(r.out().some((l) => l.includes("server.bind(new InetSocketAddress(9090), 2);")));
});

test("udp: empty datagram echoed, 3000 bytes in 3 fragments, 65,507 in 45, 65,508 EMSGSIZE, ECONNREFUSED", async () => {
  const r = await runScenario("udp");
  const rf = r.calls("recvfrom", "client").map((e) => e.result);
  assert.deepEqual(rf, [5, 0, 9, 3000, 65507, -1]); // the last: ECONNREFUSED
  const big = r.calls("sendto", "client").filter((e) => e.errno);
  assert.deepEqual(big.map((e) => [e.result, e.errno]), [[-1, "EMSGSIZE"]]);
  const frags = (bytes: number) => r.of("packet").filter((p) => p.dir === "in" && p.fields.ip?.src === "10.0.0.1" && p.t === (bytes === 3000 ? 2545000 : 3055000)).length;
  assert.equal(frags(3000), 3);
  assert.equal(frags(65507), 45);
  const refused = r.calls("recvfrom", "client").filter((e) => e.errno);
  assert.deepEqual(refused.map((e) => e.errno), ["ECONNREFUSED"]);
  assert.ok(r.out().includes("recv: Connection refused"));
  assert.ok(r.of("packet").some((p) => p.line.includes("ICMP 10.0.0.2 udp port 9 unreachable")));
  assert.equal(r.snap("server").sockets.filter((s) => s.proto === "udp" && s.local === "0.0.0.0:7").length, 1);
});

test("handshake-and-close: SYN/SYN-ACK/ACK with ack = seq + 1 and fresh ISNs, the teardown states, CLOSING on both sides", async () => {
  const r = await runScenario("handshake-and-close");
  const tcp = r.of("packet").filter((p) => p.dir === "in" || p.dir === "out").map((p) => p.fields.tcp!).filter(Boolean);
  const syns = tcp.filter((t) => t.flags === "S");
  const synacks = tcp.filter((t) => t.flags === "S.");
  assert.equal(syns.length, 2);
  for (let i = 0; i < 2; i++) assert.equal(synacks[i]!.ack, (syns[i]!.seq + 1) >>> 0);
  assert.notEqual(syns[0]!.seq, syns[1]!.seq);
  const c = r.states("client").filter((s) => !s.includes("CLOSE->SYN_SENT"));
  assert.deepEqual(c.slice(0, 5), [
    "client SYN_SENT->ESTABLISHED", "client ESTABLISHED->FIN_WAIT1", "client FIN_WAIT1->FIN_WAIT2", "client FIN_WAIT2->TIME_WAIT",
    "client SYN_SENT->ESTABLISHED",
  ]);
  assert.ok(r.states("server").join(",").includes("server ESTABLISHED->CLOSE_WAIT,server CLOSE_WAIT->LAST_ACK,server LAST_ACK->CLOSE"));
  assert.ok(r.states("client").includes("client FIN_WAIT1->CLOSING") && r.states("server").includes("server FIN_WAIT1->CLOSING"));
  assert.equal(r.snap("client", ms(300)).sockets[0]!.state, "FIN_WAIT2");
  assert.equal(r.snap("server", ms(300)).sockets.find((s) => s.state !== "LISTEN")!.state, "CLOSE_WAIT");
  assert.equal(r.snap("client", ms(400)).sockets[0]!.state, "TIME_WAIT");
  assert.deepEqual(r.snap("server").sockets.filter((s) => s.state === "TIME_WAIT").length, 1);
});

test("time-wait: the server's active close leaves TIME-WAIT; bind fails twice (SO_REUSEADDR on the new socket only), works after 60 s and at once with the flag on both", async () => {
  const r = await runScenario("time-wait");
  assert.deepEqual(r.snap("server", ms(200)).sockets.map((s) => [s.state, s.local, s.owners.length, s.timer?.kind]), [["TIME_WAIT", "10.0.0.2:9090", 0, "timewait"]]);
  assert.deepEqual(r.calls("bind").map((e) => [e.process.replace(/\[\d+\]/, ""), e.errno ?? "ok"]), [
    ["server-v1", "ok"], ["server-v2", "EADDRINUSE"], ["server-v2r", "EADDRINUSE"], ["server-v3", "ok"], ["server-v4", "ok"],
  ]);
  assert.ok(r.out().includes("server-v2: bind: Address already in use"));
  const last = r.snap("server").sockets;
  assert.deepEqual(last.map((s) => s.state).sort(), ["LISTEN", "TIME_WAIT"]);
});

test("backlog: queues at each step, D stuck in SYN-RECV while its client is ESTABLISHED, E in SYN-SENT, all accepted later, RST with tcp_abort_on_overflow", async () => {
  const r = await runScenario("backlog");
  const at1 = r.snap("server", ms(250)).sockets.find((s) => s.state === "LISTEN")!;
  assert.deepEqual(at1.listen, { backlog: 2, acceptQueue: 2, synQueue: 0 });
  const s2 = r.snap("server", ms(1000));
  assert.deepEqual(s2.sockets.find((s) => s.state === "LISTEN" && s.local === "0.0.0.0:9090")!.listen, { backlog: 2, acceptQueue: 3, synQueue: 1 });
  const req = s2.sockets.filter((s) => s.request);
  assert.deepEqual(req.map((s) => s.state), ["SYN_RECV"]);
  const dPort = req[0]!.peer.split(":")[1];
  const c2 = r.snap("client", ms(1000)).sockets;
  const dClient = c2.find((s) => s.local.endsWith(`:${dPort}`))!;
  assert.deepEqual([dClient.state, dClient.sendQ], ["ESTABLISHED", 4]); // connect() returned; its data is unacknowledged
  assert.deepEqual(c2.filter((s) => s.state === "SYN_SENT").map((s) => s.sendQ), [1]);
  const reasons = r.of("drop").map((e) => e.reason);
  assert.ok(reasons.filter((x) => x === "accept queue full").length >= 10);
  // At 14 s: every connection accepted — fds 4 to 8, the queues empty.
  const s3 = r.snap("server", 14_000_000);
  assert.deepEqual(s3.sockets.find((s) => s.state === "LISTEN")!.listen, { backlog: 2, acceptQueue: 0, synQueue: 0 });
  assert.deepEqual(r.calls("accept").map((e) => e.result), [4, 5, 6, 7, 8]);
  // tcp_abort_on_overflow: H's final ACK answered with RST, H's recv fails with ECONNRESET.
  const rst = r.of("packet").filter((p) => p.fields.tcp?.flags === "R" && p.fields.tcp.sport === 9091);
  assert.ok(rst.length >= 1);
  assert.deepEqual(r.calls("recvfrom", "client").filter((e) => e.errno).map((e) => [e.process.replace(/\[\d+\]/, ""), e.errno]), [["client-H", "ECONNRESET"]]);
  assert.ok(r.out().some((l) => l.startsWith("  accept queue [:") && l.endsWith("3 of backlog 2 + 1: FULL")) || r.of("say").some((e) => e.text.includes("3 of backlog 2 + 1: FULL")));
});

test("rst: ECONNREFUSED from a port with no listener, ECONNRESET after linger 0, unread data at close and a rebooted peer", async () => {
  const r = await runScenario("rst");
  assert.deepEqual(r.calls("connect").map((e) => e.errno ?? "ok"), ["ECONNREFUSED", "ok", "ok", "ok"]);
  assert.deepEqual(r.calls("recvfrom", "client").map((e) => e.errno), ["ECONNRESET", "ECONNRESET", "ECONNRESET"]);
  const flags = r.of("packet").filter((p) => p.dir === "out").map((p) => p.fields.tcp?.flags);
  assert.deepEqual(flags.filter((f) => f?.startsWith("R")), ["R.", "R.", "R.", "R"]);
  assert.ok(!flags.some((f) => f?.includes("F")), "no FIN: every end is an abort");
  assert.equal(r.calls("setsockopt")[0]!.args[2], "SO_LINGER");
  // The rebooted server has no sockets; the client had the connection ESTABLISHED before.
  assert.deepEqual(r.snap("server").sockets, []);
  assert.deepEqual(r.snap("client", 300_000).sockets.map((s) => s.state), ["ESTABLISHED"]);
  assert.deepEqual(r.out().filter((l) => l.includes(": Conn")), ["connect: Connection refused", "recv: Connection reset by peer", "recv: Connection reset by peer", "recv: Connection reset by peer"]);
});

test("half-close: shutdown(SHUT_WR) passed through the proxy gets the answer; the proxy that closes on read 0 loses it", async () => {
  const r = await runScenario("half-close");
  const s = r.snap("server", 12_000).sockets.filter((k) => k.state !== "LISTEN").map((k) => `${k.state} ${k.local} ${k.owners[0]?.process}`);
  assert.deepEqual(s, ["CLOSE_WAIT 10.0.0.2:8080 proxy", "FIN_WAIT1 127.0.0.1:33332 proxy", "CLOSE_WAIT 127.0.0.1:9090 backend"].map((x) => x.replace("33332", s[1]!.split(" ")[1]!.split(":")[1]!)));
  assert.deepEqual(r.snap("client", 12_000).sockets.map((k) => [k.state, k.sendQ]), [["FIN_WAIT1", 1]]);
  assert.deepEqual(r.calls("shutdown").map((e) => `${e.process.replace(/\[\d+\]/, "")} ${e.args[1]}`), ["client SHUT_WR", "proxy SHUT_WR", "proxy SHUT_WR", "client SHUT_WR"]);
  assert.deepEqual(r.out().filter((l) => l.startsWith("client: reply")), ['client: reply "got 32 bytes\\n"', 'client: reply ""']);
});

test("close-wait-leak: twelve CLOSE-WAIT fds 4-15, accept fails with EMFILE, three connections left in the accept queue", async () => {
  const r = await runScenario("close-wait-leak");
  const accepts = r.calls("accept");
  assert.deepEqual(accepts.map((e) => e.result), [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, -1]);
  assert.equal(accepts.at(-1)!.errno, "EMFILE");
  const s = r.snap("server");
  assert.equal(s.sockets.filter((k) => k.state === "CLOSE_WAIT" && k.owners.length === 1).length, 12);
  assert.equal(s.sockets.find((k) => k.state === "LISTEN")!.listen!.acceptQueue, 3);
  assert.deepEqual(s.processes[0]!.fds.map((f) => f.fd), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  assert.ok(r.snap("client", 350_000).sockets.every((k) => k.state === "FIN_WAIT2"));
  assert.ok(r.out().includes("leaky: accept: Too many open files"));
});

test("nagle: write-write-read costs 60 ms per request under Nagle once interactive (delayed ACK), 10 ms with TCP_NODELAY; one-byte writes coalesced", async () => {
  const r = await runScenario("nagle");
  const times = r.out().filter((l) => l.includes("request times"));
  assert.deepEqual(times, [
    "client (Nagle): request times 20 ms, 60 ms, 60 ms, 60 ms, 60 ms, 60 ms",
    "client (TCP_NODELAY): request times 10 ms, 10 ms, 10 ms, 10 ms, 10 ms, 10 ms",
  ]);
  assert.equal(r.calls("setsockopt").filter((e) => e.args[2] === "TCP_NODELAY").length, 2);
  const typed = r.of("say").find((e) => e.text.startsWith("25 one-byte writes"))!.text;
  const m = /left in (\d+) segments.*TCP_NODELAY in (\d+)/s.exec(typed)!;
  assert.ok(Number(m[1]) < 10, typed);
  // One per byte, plus the tail loss probe of the last one (the receiver delays its ACK 40 ms > 2·SRTT + 2 ms).
  assert.equal(Number(m[2]), 26);
});

test("window: 1448-byte segments from one send, the window closes to 0, persist timer and probes, all 20,000 bytes read in order", async () => {
  const r = await runScenario("window");
  const data = r.of("packet").filter((p) => p.dir === "in" && p.fields.tcp && p.length > 52);
  assert.ok(data.length >= 13);
  assert.ok(data.filter((p) => p.length - 52 === 1448).length >= 10, "full-sized segments carry 1448 bytes");
  assert.deepEqual(r.calls("sendto", "client").map((e) => e.result), [20000]);
  const zero = r.of("packet").filter((p) => p.dir === "out" && p.fields.tcp?.window === 0);
  assert.ok(zero.length >= 3, "win 0 advertised, re-advertised to each probe");
  const c = r.snap("client", 1_000_000).sockets[0]!;
  assert.equal(c.timer?.kind, "persist");
  assert.ok(c.sendQ > 10000);
  assert.ok(r.snap("server", 1_000_000).sockets.find((s) => s.state === "ESTABLISHED")!.recvQ > 4000);
  assert.equal(r.calls("recvfrom", "server").reduce((n, e) => n + e.result, 0), 20000);
  assert.match(r.calls("getsockopt")[0]!.text, /SO_RCVBUF, \[8192\]/); // SO_RCVBUF doubled, as Linux does
});

test("keepalive: a probe at 7200 s answered by the alive peer, RST from the rebooted one (ECONNRESET), ETIMEDOUT at 7875 s after nine probes", async () => {
  const r = await runScenario("keepalive");
  const errs = r.calls("recvfrom", "client").map((e) => [e.process.replace(/\[\d+\]/, ""), e.errno, e.t]);
  assert.deepEqual(errs, [["client-rebooted", "ECONNRESET", 7_200_004_000], ["client-crashed", "ETIMEDOUT", 7_875_002_000]]);
  const probes = r.of("packet").filter((p) => p.dir === "out" && p.t > 1_000_000 && p.fields.ip?.dst === "10.0.2.2");
  // TCP_KEEPCNT probes, 75 s apart; 75 s after the ninth the kernel gives up and resets the connection (Linux tcp_keepalive_timer).
  assert.deepEqual(probes.map((p) => p.fields.tcp!.flags), [...Array<string>(9).fill("."), "R."]);
  assert.deepEqual(probes.slice(1).map((p, i) => p.t - probes[i]!.t), Array<number>(9).fill(75_000_000));
  // The probe is one byte below snd.una.
  const first = r.of("packet").filter((p) => p.fields.ip?.dst === "10.0.1.2");
  const ack = first.find((p) => p.fields.tcp?.flags === ".")!;
  const probe = first.find((p) => p.t === 7_200_002_000)!;
  assert.equal(probe.fields.tcp!.seq, (ack.fields.tcp!.seq - 1) >>> 0);
  assert.deepEqual(r.snap("client", 100_000_000).sockets.map((s) => s.timer?.kind), ["keepalive", "keepalive", "keepalive"]);
  assert.deepEqual(r.snap("client").sockets.map((s) => s.peer), ["10.0.1.2:9090"]);
});

test("timeouts: accept fails with EAGAIN every 2 s and is called again; a silent client is dropped after 3 s", async () => {
  const r = await runScenario("timeouts");
  const acc = r.calls("accept").map((e) => [e.t, e.errno ?? e.result]);
  assert.deepEqual(acc.slice(0, 3), [[2_000_000, "EAGAIN"], [4_000_000, "EAGAIN"], [5_003_000, 4]]);
  const rcv = r.calls("recvfrom", "server");
  assert.deepEqual(rcv.map((e) => [e.t, e.errno]), [[8_003_000, "EAGAIN"]]);
  assert.deepEqual(r.calls("recvfrom", "client").map((e) => [e.t, e.result]), [[8_004_000, 0]]);
  assert.deepEqual(r.snap("server").sockets.map((s) => s.state), ["LISTEN", "TIME_WAIT"]);
});

test("syn-flood: 17 half-open requests, the client's SYNs dropped without cookies, a cookie SYN-ACK and a connection with them", async () => {
  const r = await runScenario("syn-flood");
  const s = r.snap("server", 2_000_000);
  assert.deepEqual(s.sockets.find((k) => k.state === "LISTEN")!.listen, { backlog: 16, acceptQueue: 0, synQueue: 17 });
  assert.equal(s.sockets.filter((k) => k.request && k.peer.startsWith("10.0.1.1:")).length, 17);
  assert.deepEqual(r.snap("client", 2_000_000).sockets.map((k) => k.state), ["SYN_SENT"]);
  const clientSyns = r.of("packet").filter((p) => p.dir === "in" && p.fields.tcp?.flags === "S");
  assert.deepEqual(clientSyns.map((p) => p.t), [501_000, 1_501_000, 2_501_000]);
  assert.ok(r.of("drop").filter((e) => e.host === "server" && e.reason === "SYN queue full").length >= 2);
  assert.deepEqual(r.calls("connect", "client").map((e) => e.t), [2_502_000]);
  assert.deepEqual(r.calls("accept").map((e) => e.result), [4]);
  // The cookie connection never sat in the SYN queue: the server kept no request for it.
  assert.ok(!r.of("snapshot").some((e) => e.host === "server" && e.sockets.some((k) => k.request && k.peer.startsWith("10.0.0.1:"))));
});

test("fds: fd 3 in two processes, EADDRINUSE for a second listener, a double close turns the other thread's send into EBADF, connect_ex returns 111", async () => {
  const r = await runScenario("fds");
  const s = r.snap("server", 1000);
  const fdsOf = (name: string) => s.processes.find((p) => p.name === name)!.fds.map((f) => `${f.fd}:${f.type}`);
  assert.deepEqual(fdsOf("web"), ["0:chr", "1:chr", "2:chr", "3:tcp"]);
  assert.deepEqual(fdsOf("db"), ["0:chr", "1:chr", "2:chr", "3:tcp", "4:unix", "5:unix"]);
  assert.deepEqual(r.calls("bind").map((e) => e.errno ?? "ok"), ["ok", "ok", "EADDRINUSE"]);
  const worker = r.of("syscall").filter((e) => e.process.startsWith("worker"));
  assert.deepEqual(worker.map((e) => `${e.call} ${e.result}${e.errno ? ` ${e.errno}` : ""}`), ["socket 3", "close 0", "socket 3", "close 0", "sendto -1 EBADF"]);
  assert.deepEqual(r.out().filter((l) => l.startsWith("probe:")), ["probe: connect_ex(127.0.0.1:80) = 0", "probe: connect_ex(127.0.0.1:81) = 111 (ECONNREFUSED)"]);
});

test("four-tuple: ten local ports, EADDRNOTAVAIL for the eleventh connection to :9090, the same ten ports to :9091", async () => {
  const r = await runScenario("four-tuple");
  const c = r.snap("client").sockets;
  const ports = (dport: string) => c.filter((k) => k.peer === `10.0.0.2:${dport}`).map((k) => Number(k.local.split(":")[1])).sort((a, b) => a - b);
  const range = Array.from({ length: 10 }, (_, i) => 40000 + i);
  assert.deepEqual(ports("9090"), range);
  assert.deepEqual(ports("9091"), range);
  assert.ok(r.out().includes("client: connect: Cannot assign requested address"));
  const s = r.snap("server").sockets.filter((k) => k.state === "ESTABLISHED");
  assert.equal(s.filter((k) => k.local === "10.0.0.2:9090").length, 10); // every accepted connection on the listening port
});

test("reorder: segments 2 and 3 wait in the out-of-order queue (Recv-Q 0) with SACKed duplicate ACKs; the first one releases all 3000 bytes in order", async () => {
  const r = await runScenario("reorder");
  assert.deepEqual(r.snap("server", 125_000).sockets.find((s) => s.state === "ESTABLISHED")!.recvQ, 0);
  const acks = r.of("packet").filter((p) => p.dir === "out" && p.fields.tcp?.options.sack);
  assert.deepEqual(acks.map((p) => p.fields.tcp!.options.sack!.length), [1, 1]);
  assert.ok(acks.every((p) => p.fields.tcp!.ack === acks[0]!.fields.tcp!.ack), "duplicate ACKs: the same cumulative ack");
  const reads = r.calls("recvfrom", "server");
  // RACK resends the held segment at 125 ms (reordering window 2.5 ms + 2 ms after the SACKs at 120 ms);
  // the copy fills the hole at 130 ms, before the held original (140 ms).
  assert.deepEqual(reads.map((e) => [e.t, e.result]), [[130_000, 3000]]);
  assert.match(reads[0]!.text, /"AAAA/); // in order: the first piece comes first
});

test("heartbeat: both failures found by the heartbeat 6 s after them; keepalive finds the vanished host at 7875 s and never the hung one", async () => {
  const r = await runScenario("heartbeat");
  const said = (text: string) => r.of("output").filter((e) => e.text === text).map((e) => e.t);
  assert.deepEqual(said("client H-vanished: no PONG within 3000 ms of the PING at 65 s: peer declared dead, closing"), [68_026_000]);
  assert.deepEqual(said("client H-hung: no PONG within 3000 ms of the PING at 65 s: peer declared dead, closing"), [68_026_000]);
  // Keepalive: ETIMEDOUT 7200 + 9 × 75 s after the last packet (the handshake's ACK at 2 ms).
  assert.deepEqual(said("client K-vanished: recv: Connection timed out"), [7_875_002_000]);
  assert.ok(!r.out().some((l) => l.startsWith("client K-hung:")), "the hung server's kernel answers keepalive");
  // To the vanished host: the PING at 65 s, its tail loss probe 202 ms later (2·SRTT + tcp_rto_min with one
  // segment out, RACK-TLP), then RTO retransmissions from the probe (200, 400, 800 ms), never answered. The
  // client closes at 68.026 s: its FIN waits unsent behind the lost PING (cwnd 1 in Loss), and the RTO at
  // 68.258 s re-sends only the PING, as Linux's (tcp_retransmit_skb collapses only skbs already sent).
  const toVanished = r.of("packet").filter((p) => p.fields.ip?.dst === "10.0.1.2" && p.fields.tcp?.dport === 7002 && p.t >= 65_000_000 && p.t < 69_000_000);
  assert.deepEqual(toVanished.map((p) => [p.t, p.fields.tcp!.flags]), [
    [65_026_000, "P."], [65_228_000, "P."], [65_430_000, "P."], [65_834_000, "P."], [66_642_000, "P."], [68_258_000, "P."],
  ]);
  assert.ok(!r.of("packet").some((p) => p.fields.ip?.src === "10.0.1.2" && p.t > 62_000_000), "nothing from the vanished host after 62 s");
  // The hung host's kernel ACKed the PING: 5 bytes and the FIN unread (Recv-Q 6).
  const hung = r.snap("hung", 70_000_000).sockets.find((s) => s.local === "10.0.2.2:7002")!;
  assert.deepEqual([hung.state, hung.recvQ], ["CLOSE_WAIT", 6]);
  // The keepalive probe to the hung host at 7200 s and its answer.
  const probe = r.of("packet").filter((p) => p.t > 7_000_000_000 && p.t < 7_300_000_000 && (p.fields.ip?.src === "10.0.2.2" || p.fields.ip?.dst === "10.0.2.2"));
  assert.deepEqual(probe.map((p) => `${p.fields.ip!.src} ${p.fields.tcp!.flags}`), ["10.0.2.1 .", "10.0.2.2 ."]);
  assert.deepEqual(r.snap("client").sockets.map((s) => [s.peer, s.timer?.kind]), [["10.0.2.2:7001", "keepalive"]]);
  const table = r.out().slice(r.out().indexOf("time to notice  vanished host             hung application"));
  assert.deepEqual(table.slice(1, 3), ["heartbeat (H)   6 s after the failure     6 s after the failure", "keepalive (K)   7813 s after the failure  never"]);
});

test("io-models: six servers; who waits where at 50 ms; b and c wait behind the slow client only on the iterative server; tasks, fds and syscalls", async () => {
  const r = await runScenario("io-models");
  const out = r.out();
  const from = (head: string, n: number) => out.slice(out.indexOf(head) + 1, out.indexOf(head) + 1 + n);
  assert.deepEqual(from("server      slow 1   slow 2   b        c", 6), [
    "iterative   2 ms     2 ms     396 ms   498 ms",
    "threads     2 ms     2 ms     2 ms     2 ms",
    "forking     2 ms     2 ms     2 ms     2 ms",
    "select      2 ms     2 ms     2 ms     2 ms",
    "poll        2 ms     2 ms     2 ms     2 ms",
    "epoll       2 ms     2 ms     2 ms     2 ms",
  ]);
  const waits = out.filter((l) => /^\w+\[\d+\]/.test(l)).map((l) => l.replace(/\[\d+\]/, "").replace(/thread \d+/, "thread"));
  assert.deepEqual(waits, [
    "iterative: recvfrom(4)", "threads: accept(3)", "forking: accept(3)", "select: select(7, [3 4 5 6])", "poll: poll([3 4 5 6])", "epoll: epoll_wait(4)",
    "threads thread: recvfrom(4)", "forking: recvfrom(4)", "threads thread: recvfrom(5)", "forking: recvfrom(4)", "threads thread: recvfrom(6)", "forking: recvfrom(4)",
  ].sort((a, b) => waits.indexOf(a) - waits.indexOf(b)));
  assert.equal(waits.filter((w) => w.startsWith("threads thread")).length, 3);
  assert.equal(waits.filter((w) => w === "forking: recvfrom(4)").length, 3);
  // The iterative server's late clients wait, connected, in the accept queue.
  const s = r.snap("server", 50_000);
  assert.deepEqual(s.sockets.find((k) => k.local === "0.0.0.0:7001")!.listen, { backlog: 16, acceptQueue: 2, synQueue: 0 });
  assert.deepEqual(s.sockets.filter((k) => k.local === "10.0.0.2:7001" && k.owners.length === 0).map((k) => k.recvQ), [4, 4]);
  const costs = from("server     processes threads  fds at 50 ms  syscalls  per request", 6).map((l) => l.split(/\s+/).slice(0, 4).join(" "));
  assert.deepEqual(costs, ["iterative 1 0 2", "threads 1 3 4", "forking 4 0 4", "select 1 0 4", "poll 1 0 4", "epoll 1 0 5"]);
  // Multiplexing costs an extra call per wake-up: more syscalls than the thread server's.
  const calls = Object.fromEntries(from("server     processes threads  fds at 50 ms  syscalls  per request", 6).map((l) => [l.split(/\s+/)[0], Number(l.split(/\s+/)[4])]));
  assert.ok(calls["select"]! > calls["threads"]! && calls["epoll"]! > calls["threads"]! && calls["forking"]! > calls["threads"]!, JSON.stringify(calls));
});

test("kernel-structures: SS_* beside TCP states, the socket types, a request sock then a full sock, the three queues, every timer", async () => {
  const r = await runScenario("kernel-structures");
  const out = r.out();
  const has = (s: string) => assert.ok(out.some((l) => l.includes(s)), `no line with ${s}`);
  assert.ok(out[0]!.endsWith("state SS_UNCONNECTED"));
  assert.ok(out.includes("          sock           sk_state CLOSE"));
  assert.deepEqual(out.filter((l) => l.startsWith("socket(")), [
    "socket(AF_INET, SOCK_STREAM, 0) = 4", "socket(AF_INET, SOCK_DGRAM, 0) = 4", "socket(AF_INET, SOCK_SEQPACKET, 0) = -1 ESOCKTNOSUPPORT (Socket type not supported)",
    "socket(AF_UNIX, SOCK_STREAM, 0) = 4", "socket(AF_UNIX, SOCK_DGRAM, 0) = 4",
  ]);
  has("state SS_CONNECTING");
  has("sk_state SYN_SENT");
  assert.match(out.find((l) => l.includes("SYN queue          1 request sock"))!, /\[SYN_RECV 10\.0\.0\.1:\d+, SYN-ACK timer 1000 ms\]/);
  assert.match(out.find((l) => l.includes("icsk_accept_queue  1 full sock"))!, /\[ESTABLISHED 10\.0\.0\.1:\d+, no fd\]/);
  has("sk_write_queue      30000 B: 14480 sent, not acknowledged (the retransmit queue) + 15520 not yet sent");
  has("sk_receive_queue    1448 B in order, not yet read (Recv-Q)");
  has("out_of_order_queue  11584 B in 1 block: 2897-14481");
  has("sk_receive_queue    30000 B in order, not yet read (Recv-Q)");
  const timers = out.filter((l) => / ms (client|server) /.test(l) && l.includes("retransmit"));
  assert.equal(timers.length, 8);
  // With data in flight the retransmission timer runs as RACK-TLP's tail loss probe (2·SRTT + 2 ms), as Linux's `timer:(on,…)`.
  assert.ok(timers[0]!.includes("client ESTABLISHED: retransmit 5 ms") && timers[0]!.includes("keepalive 7200 s"), timers[0]);
  assert.ok(timers.some((l) => l.includes("server ESTABLISHED") && /delayed ACK \d+ ms/.test(l)), "the server owes a delayed ACK at one of the instants");
  assert.deepEqual(r.snap("client").sockets.map((s) => [s.state, s.timer?.kind, s.owners.length]), [["TIME_WAIT", "timewait", 0]]);
});

test("ethernet: ARP request and reply before the first datagram, the switch learns two MACs, the neighbour states, an absent host, a pulled cable, a duplicate IPv6 address", async () => {
  const r = await runScenario("ethernet");
  const pk = r.of("packet");
  // Duplicate address detection: pc1's own solicitation (unanswered: the address is its), pc3's, pc1's
  // advertisement defending it; pc3's copy dadfailed, pc1's not.
  const dad = pk.filter((p) => /neighbor (solicitation|advertisement).*2001:db8::1/.test(p.etherLine ?? "")).map((p) => p.etherLine!.slice(16));
  assert.deepEqual(dad, [
    "02:00:00:00:00:01 > 33:33:ff:00:00:01, ethertype IPv6 (0x86dd), length 86: :: > ff02::1:ff00:1: ICMP6, neighbor solicitation, who has 2001:db8::1, length 32",
    "02:00:00:00:00:03 > 33:33:ff:00:00:01, ethertype IPv6 (0x86dd), length 86: :: > ff02::1:ff00:1: ICMP6, neighbor solicitation, who has 2001:db8::1, length 32",
    "02:00:00:00:00:01 > 33:33:00:00:00:01, ethertype IPv6 (0x86dd), length 86: 2001:db8::1 > ff02::1: ICMP6, neighbor advertisement, tgt is 2001:db8::1, length 32",
  ]);
  const lines = r.out();
  assert.ok(lines.includes("    inet6 2001:db8::1/64 scope global dadfailed tentative "), "pc3's copy is dadfailed");
  assert.ok(lines.includes("    inet6 2001:db8::1/64 scope global "), "pc1 keeps its address");
  const eth = pk.map((p) => p.etherLine!.slice(16));
  assert.deepEqual(eth.slice(0, 4), [
    "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 10.0.0.2 tell 10.0.0.1, length 28",
    "02:00:00:00:00:02 > 02:00:00:00:00:01, ethertype ARP (0x0806), length 42: Reply 10.0.0.2 is-at 02:00:00:00:00:02, length 28",
    "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 47: 10.0.0.1.39716 > 10.0.0.2.9999: UDP, length 5".replace("39716", eth[2]!.split(" ")[8]!.split(".")[4]!),
    "02:00:00:00:00:02 > 02:00:00:00:00:01, ethertype IPv4 (0x0800), length 75: 10.0.0.2 > 10.0.0.1: ICMP 10.0.0.2 udp port 9999 unreachable, length 41",
  ]);
  const out = r.out();
  // pc3's card took the broadcast request and nothing else.
  const pc3 = out.slice(out.indexOf("pc3$ tcpdump -e -nn -i eth0   # what pc3's card accepted") + 1).filter((l) => /^\d\d:/.test(l));
  assert.match(pc3[0]!, /ff:ff:ff:ff:ff:ff, ethertype ARP .* Request who-has 10\.0\.0\.2 tell 10\.0\.0\.1/);
  assert.ok(!/^\d\d:/.test(out[out.indexOf("pc3$ tcpdump -e -nn -i eth0   # what pc3's card accepted") + 2]!));
  assert.deepEqual(out.filter((l) => l.includes(" master sw0")).slice(0, 2), ["02:00:00:00:00:01 dev sw0p1 master sw0", "02:00:00:00:00:02 dev sw0p2 master sw0"]);
  const neigh = out.filter((l) => l.startsWith("10.0.0.2 dev eth0")).map((l) => l.trim().split(" ").at(-1));
  assert.deepEqual(neigh, ["INCOMPLETE", "REACHABLE", "STALE", "DELAY", "REACHABLE", "REACHABLE", "DELAY", "PROBE", "FAILED"]);
  assert.ok(out.includes("10.0.0.1 dev eth0 lladdr 02:00:00:00:00:01 DELAY"), "pc2 learnt pc1 from the request");
  // The TCP SYN is a 74-byte frame, sent without ARP.
  assert.ok(eth.some((l) => /IPv4 \(0x0800\), length 74: 10\.0\.0\.1\.\d+ > 10\.0\.0\.2\.80: Flags \[S\]/.test(l)));
  // The probe after DELAY is unicast, 5 s after the datagram.
  const unicast = pk.filter((p) => p.etherLine!.includes("> 02:00:00:00:00:02, ethertype ARP") && p.etherLine!.includes("Request"));
  assert.ok(unicast.length >= 4);
  // The absent host: three broadcast requests a second apart, EHOSTUNREACH after 3 s, FAILED.
  const absent = pk.filter((p) => p.line.includes("who-has 10.0.0.9"));
  assert.deepEqual(absent.slice(1).map((p, i) => p.t - absent[i]!.t), [1_000_000, 1_000_000]);
  assert.equal(absent.length, 3);
  assert.deepEqual(r.of("output").filter((e) => e.text === "probe: recv: No route to host").map((e) => e.t), [absent[0]!.t + 3_000_000]);
  assert.ok(out.includes("10.0.0.9 dev eth0 FAILED"));
  assert.ok(out.some((l) => l.endsWith("IP 10.0.0.1 > 10.0.0.1: ICMP host 10.0.0.9 unreachable, length 49")));
  // The pulled cable: the datagram, then three unicast probes 1 s apart starting 5 s later.
  const last = pk.filter((p) => p.t > 130_000_000 && !p.etherLine!.includes("IPv6")); // section 7's IPv6 frames come after
  assert.deepEqual(last.map((p) => (p.etherLine!.includes("ARP") ? "arp" : "udp")), ["udp", "arp", "arp", "arp"]);
  assert.deepEqual(last.slice(1).map((p) => p.t - last[0]!.t), [5_000_000, 6_000_000, 7_000_000]);
});

test("many-connections: 80,000 ESTABLISHED connections on server port 8080 from two client addresses, shown by ss -s; two runs, the same events", { timeout: 300_000 }, async () => {
  // Two runs through the CLI (--json) compared byte for byte: the determinism check coverage.test.ts
  // leaves to this test for a heavy scenario, without a third run of 80,000 handshakes.
  const json = async () => {
    const io = captureIo();
    assert.equal(await main(["demo", "many-connections", "--json"], io), 0, io.stderr.join("\n"));
    return io.stdout.join("\n");
  };
  const text = await json();
  assert.equal(text, await json());
  const events = (JSON.parse(text) as { events: DemoEvent[] }).events;
  for (const e of events) if (e.kind === "say" || e.kind === "section") assert.match(e.zh, /[\u4e00-\u9fff]/);
  const out = events.filter((e) => e.kind === "output").map((e) => e.text);
  assert.ok(out.includes("TCP:   80001 (estab 80000, closed 0, orphaned 0, timewait 0)"), out.join("\n"));
  assert.ok(out.includes("Total: 80001"));
  const wc = events.findIndex((e) => e.kind === "command" && e.text.endsWith("| wc -l"));
  assert.deepEqual([events[wc + 1]!.kind, events[wc + 1]!.text], ["output", "80001"]);
  const rows = out.filter((l) => l.startsWith("ESTAB"));
  assert.ok(rows.length >= 3 && rows.every((l) => /10\.0\.[12]\.2:8080\s+10\.0\.[12]\.1:\d+/.test(l)), rows.join("\n"));
  const said = events.filter((e) => e.kind === "say").map((e) => e.text).join("\n");
  assert.match(said, /server has accepted 80,000 connections\./);
  assert.match(said, /client1 holds 40,000 connections to 10\.0\.1\.2:8080/);
  assert.match(said, /80,000 ESTABLISHED connections, every one with local port 8080/);
  assert.ok(!events.some((e) => e.kind === "snapshot"), "no 160,000-socket snapshot in the JSON");
});

test("dual-stack: one AF_INET6 [::] listener accepts an IPv4 and an IPv6 client; ss shows *:8080 and [::ffff:10.0.0.2]:8080; EADDRINUSE across families; v6only refuses IPv4", async () => {
  const r = await runScenario("dual-stack");
  const s = r.snap("server").sockets;
  const estab = s.filter((k) => k.state === "ESTABLISHED").map((k) => [k.local, k.peer.replace(/:\d+$/, "")]);
  assert.deepEqual(estab, [["::ffff:10.0.0.2:8080", "::ffff:10.0.0.1"], ["2001:db8::2:8080", "2001:db8::1"]], "both connections belong to the AF_INET6 socket");
  const out = r.out().join("\n");
  assert.match(out, /LISTEN 0 +16 +\*:8080 +\*:\* +users:\(\("server",pid=1000,fd=3\)\)/, "ss prints the dual-stack wildcard as *");
  assert.match(out, /ESTAB +0 +0 +\[::ffff:10\.0\.0\.2\]:8080 +\[::ffff:10\.0\.0\.1\]:\d+ +users:\(\("server",pid=1000,fd=4\)\)/, "ss names the IPv4 connection in the mapped form");
  assert.match(out, /ESTAB +0 +0 +\[2001:db8::2\]:8080 +\[2001:db8::1\]:\d+ +users:\(\("server",pid=1000,fd=5\)\)/, "and the IPv6 one plainly");
  assert.match(out, /LISTEN 0 +16 +\[::\]:8081 +\[::\]:\*/, "a v6only wildcard is [::]");
  assert.ok(r.of("say").some((e) => e.text.includes("::ffff:10.0.0.1 and 2001:db8::1")), "the narration names both peers");
  assert.deepEqual(r.calls("accept", "server").map((e) => e.result), [4, 5], "one listener, two accepts");
  const errs = [...r.calls("bind", "server"), ...r.calls("connect", "client")].filter((e) => e.errno).map((e) => e.errno);
  assert.deepEqual(errs, ["EADDRINUSE", "ECONNREFUSED"], "AF_INET 0.0.0.0:8080 in use; IPv4 to the v6only listener refused");
  const wire = r.of("packet").filter((p) => p.dir === "in" && p.fields.tcp?.flags === "S");
  assert.ok(wire.some((p) => p.fields.ip?.src === "10.0.0.1"), "the IPv4 client's SYN is plain IPv4");
});
