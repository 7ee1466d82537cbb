// Every demo scenario asserts the facts it narrates — states, queue sizes,
// fds, errnos, the packet sequence — from its structured events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { runScenario } from "./helpers.js";

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
