/**
 * The kernel's side of a socket (seeds 0 and 1): a connection is state in
 * both kernels (A5); fds are per process (A9); the socket object and the
 * protocol layers under it (D1), generic socket states vs TCP states (D2),
 * socket types (D3).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ms, sec, HOUR } from "../../src/core/time.js";
import { snapshot } from "../../src/tools/snapshot.js";
import { ss } from "../../src/tools/ss.js";
import { lsof } from "../../src/tools/lsof.js";
import { StreamSocket } from "../../src/socket/stream-socket.js";
import { stateName } from "../../src/tcp/tcp-state.js";
import type { Process } from "../../src/sys/process.js";
import { twoHosts } from "../helpers/tcp.js";
import { connectTo, listenOn } from "../helpers/vocabulary.js";

const text = (d: Uint8Array) => new TextDecoder().decode(d);

async function echoOnce(p: Process, port: number): Promise<void> {
  const l = listenOn(p, port, 4);
  const { fd } = await p.accept(l);
  for (let d = await p.recv(fd, 100); d.length; d = await p.recv(fd, 100)) await p.sendall(fd, d);
  await p.close(fd);
}

test("A5: after the handshake both kernels hold the connection (state, buffers); idle, nothing crosses the wire — even a cut wire goes unnoticed", async () => {
  const { net, client, server, link, trace } = twoHosts({ latency: ms(1) });
  server.spawn("server", (p) => echoOnce(p, 9090));
  const got: string[] = [];
  let talk = false;
  client.spawn("client", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 9090);
    while (!talk) await p.poll([], 60_000);
    await p.sendall(fd, "still there?");
    got.push(text(await p.recvExactly(fd, 12)));
    await p.close(fd);
  });
  await net.advance(ms(100));
  assert.equal(trace.length, 3, "SYN, SYN-ACK, ACK");
  // Each kernel has a socket entry with a state, both addresses, and its own buffers.
  for (const [h, local, peer] of [[client, "10.0.0.1", "10.0.0.2:9090"], [server, "10.0.0.2:9090", "10.0.0.1"]] as const) {
    const out = ss(snapshot(h), "-tnmo state established");
    assert.match(out, new RegExp(`^0 +0 +${local.replaceAll(".", "\\.")}:?\\d* +${peer.replaceAll(".", "\\.")}:?\\d* *\\n\\t skmem:\\(r0,rb\\d+,t0,tb\\d+,`, "m"), `${h.name}:\n${out}`);
    assert.doesNotMatch(out, /timer:/, "no timer runs on an idle connection without keepalive");
  }
  // An hour of silence: no packet at all — the "connection" is the two kernels' memory of each other.
  link.partition();
  await net.advance(HOUR);
  link.heal();
  assert.equal(trace.length, 3);
  assert.equal(ss(snapshot(client), "-tnH state established").split("\n").filter(Boolean).length, 1);
  talk = true;
  await net.advance(sec(120));
  assert.deepEqual(got, ["still there?"]);
});

test("A9: fds are per process: two processes each get fd 3 for their first socket; 0, 1, 2 are the terminal", async () => {
  const { net, server } = twoHosts();
  const fds: number[] = [];
  const procs = ["one", "two"].map((name, i) => server.spawn(name, async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    fds.push(fd);
    p.bind(fd, ["0.0.0.0", 9000 + i]);
    p.listen(fd, 1);
    await p.write(1, `${name} got fd ${fd}\n`);
    await p.accept(fd);
  }));
  await net.advance(ms(1));
  assert.deepEqual(fds, [3, 3]);
  assert.equal(procs[0]!.tty.output, "one got fd 3\n");
  assert.equal(procs[1]!.tty.output, "two got fd 3\n");
  const snap = snapshot(server);
  for (const p of procs) {
    const ps = snap.processes.find((x) => x.pid === p.pid)!;
    assert.deepEqual(ps.fds.map((f) => `${f.fd}:${f.kind}${f.path}`), ["0:chr/dev/pts/0", "1:chr/dev/pts/0", "2:chr/dev/pts/0", "3:sock"]);
  }
  // Two different sockets behind the same number.
  const lines = lsof(snap, "-i").split("\n").filter((l) => / 3u /.test(l));
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^one +\d+ .* 3u +IPv4 .*TCP \*:9000 \(LISTEN\)$/);
  assert.match(lines[1]!, /^two +\d+ .* 3u +IPv4 .*TCP \*:9001 \(LISTEN\)$/);
});

test("D1: socket() gives a user-facing socket (the fd's file) over a kernel sock: generic, inet and TCP options are its layers", async () => {
  const { net, client } = twoHosts();
  client.spawn("c", (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM", 0);
    const file = p.file(fd);
    assert.ok(file instanceof StreamSocket, "the fd refers to the socket object");
    assert.equal(stateName(file.t.state), "CLOSED", "…which owns a TCP control block (the sock)");
    // Generic socket layer (SOL_SOCKET): type, protocol, family, buffers.
    assert.equal(p.getsockopt(fd, "SOL_SOCKET", "SO_TYPE"), 1); // SOCK_STREAM
    assert.equal(p.getsockopt(fd, "SOL_SOCKET", "SO_PROTOCOL"), 6); // IPPROTO_TCP
    assert.equal(p.getsockopt(fd, "SOL_SOCKET", "SO_DOMAIN"), 2); // AF_INET
    // inet layer (IPPROTO_IP): addresses, ports, TTL.
    assert.equal(p.getsockopt(fd, "IPPROTO_IP", "IP_TTL"), 64);
    assert.deepEqual(p.getsockname(fd), { family: 2, addr: "0.0.0.0", port: 0 });
    // TCP layer (IPPROTO_TCP): MSS, congestion control, windows.
    assert.equal(p.getsockopt(fd, "IPPROTO_TCP", "TCP_MAXSEG"), 536);
    assert.equal(p.getsockopt(fd, "IPPROTO_TCP", "TCP_CONGESTION"), "cubic");
  });
  await net.run();
});

test("D2: the generic socket state (SS_UNCONNECTED/CONNECTING/CONNECTED/DISCONNECTING) is not the TCP state (eleven of them)", async () => {
  const { net, client, server } = twoHosts({ latency: ms(5) });
  const seen: string[] = [];
  let lfdState = "";
  let tw = "";
  server.spawn("s", async (p) => {
    const l = listenOn(p, 9090, 1);
    const ls = p.file(l) as StreamSocket;
    lfdState = `${ls.socketState}/${stateName(ls.t.state)}`;
    const { fd } = await p.accept(l);
    await p.recv(fd, 10);
    await p.poll([], 500);
    await p.close(fd);
  });
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    const s = p.file(fd) as StreamSocket;
    const note = () => seen.push(`${s.socketState}/${stateName(s.t.state)}`);
    note();
    const connecting = p.connect(fd, ["10.0.0.2", 9090]);
    note();
    await connecting;
    note();
    p.shutdown(fd, "SHUT_WR");
    note();
    await p.poll([], 100);
    note(); // the FIN is acknowledged
    await p.poll([], 500);
    note(); // the server closed too: TIME-WAIT is handed to a timewait record (Linux tcp_time_wait → tcp_done)
    tw = ss(snapshot(client), "-tanH");
    const peerClosed = await p.recv(fd, 10);
    assert.equal(peerClosed.length, 0);
  });
  await net.run();
  assert.equal(lfdState, "SS_UNCONNECTED/LISTEN");
  assert.deepEqual(seen, [
    "SS_UNCONNECTED/CLOSED",
    "SS_CONNECTING/SYN-SENT",
    "SS_CONNECTED/ESTABLISHED",
    "SS_DISCONNECTING/FIN-WAIT-1",
    "SS_DISCONNECTING/FIN-WAIT-2",
    "SS_UNCONNECTED/CLOSED",
  ]);
  assert.match(tw, /^TIME-WAIT 0 +0 +10\.0\.0\.1:\d+ +10\.0\.0\.2:9090 *$/m);
  // A UDP socket has generic states and no TCP state at all.
  const u = client.createProcess("u");
  const fd = u.socket("AF_INET", "SOCK_DGRAM");
  const us = u.file(fd) as { socketState: string };
  assert.equal(us.socketState, "SS_UNCONNECTED");
  await u.connect(fd, ["10.0.0.2", 53]);
  assert.equal(us.socketState, "SS_CONNECTED");
});

test("D3: socket types: stream and datagram (AF_INET, AF_UNIX); AF_INET6 too; raw and seqpacket are not implemented, with Linux's errnos and a line in the docs", async () => {
  const { net, client, server } = twoHosts({ latency: ms(1) });
  const got: string[] = [];
  server.spawn("s", async (p) => {
    const l = listenOn(p, 9090, 1);
    const { fd } = await p.accept(l);
    await p.poll([], 20);
    got.push(`stream: ${text(await p.recv(fd, 100))}`); // two sends, one read: a byte stream
    const u = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(u, ["0.0.0.0", 9091]);
    await p.poll([], 20);
    got.push(`dgram: ${text((await p.recvfrom(u, 100)).data)}`); // one datagram per read
    got.push(`dgram: ${text((await p.recvfrom(u, 100)).data)}`);
  });
  client.spawn("c", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 9090);
    await p.send(fd, "ab");
    await p.send(fd, "cd");
    await p.poll([], 25);
    const u = p.socket("AF_INET", "SOCK_DGRAM");
    await p.sendto(u, "ab", 0, ["10.0.0.2", 9091]);
    await p.sendto(u, "cd", 0, ["10.0.0.2", 9091]);
    // AF_UNIX: both types, same host.
    for (const [type, n] of [["SOCK_STREAM", 1], ["SOCK_DGRAM", 2]] as const) {
      const [a, b] = p.socketpair("AF_UNIX", type);
      assert.equal(p.getsockopt(a, "SOL_SOCKET", "SO_TYPE"), n);
      assert.equal(p.getsockopt(a, "SOL_SOCKET", "SO_DOMAIN"), 1);
      await p.send(a, "x");
      got.push(`unix ${type}: ${text(await p.recv(b, 10))}`);
    }
    const err = (f: () => unknown) => {
      try { f(); return "ok"; } catch (e) { return (e as Error).message; }
    };
    got.push(`raw: ${err(() => p.socket("AF_INET", "SOCK_RAW", "IPPROTO_ICMP"))}`);
    got.push(`seqpacket: ${err(() => p.socket("AF_INET", "SOCK_SEQPACKET"))}`);
    got.push(`unix seqpacket: ${err(() => p.socket("AF_UNIX", "SOCK_SEQPACKET"))}`);
    got.push(`inet6: ${err(() => p.socket("AF_INET6", "SOCK_STREAM"))}`); // AF_INET6 exists (src/ip6, issue 18)
  });
  await net.run();
  assert.deepEqual(got.sort(), [
    "dgram: ab",
    "dgram: cd",
    "inet6: ok",
    "raw: socket: Socket type not supported",
    "seqpacket: socket: Socket type not supported",
    "stream: abcd",
    "unix SOCK_DGRAM: x",
    "unix SOCK_STREAM: x",
    "unix seqpacket: socket: Socket type not supported",
  ]);
  const docs = readFileSync(new URL("../../docs/syscalls.md", import.meta.url), "utf8");
  const socketRow = docs.split("\n").find((l) => l.startsWith("| `socket` |"))!;
  assert.match(socketRow, /SOCK_SEQPACKET\/SOCK_RAW on AF_INET\/AF_INET6 are not implemented \(ESOCKTNOSUPPORT/, "the socket row names what is not implemented");
  assert.match(docs, /no SOCK_SEQPACKET/);
});
