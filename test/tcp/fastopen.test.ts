/**
 * TCP Fast Open (RFC 7413, Linux's implementation; src/tcp/fastopen.ts):
 * the cookie, the keys, the client cache, the tcp_fastopen bits, data in
 * the SYN on both sides, and the fallback when the SYN's data is not
 * acknowledged.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import {
  FastOpenCache, fastOpenCookie, fastOpenKeysFromBytes, fastOpenKeysToBytes, formatFastOpenKeys, parseFastOpenKeys, synDataSpace,
} from "../../src/tcp/fastopen.js";
import { TcpState } from "../../src/tcp/tcp-state.js";
import { TCP_INFINITE_SSTHRESH } from "../../src/tcp/congestion/congestion-control.js";
import type { Host } from "../../src/host/host.js";
import { twoHosts, tcbs } from "../helpers/tcp.js";
import { POLLHUP, POLLIN, POLLOUT, POLLRDHUP } from "../../src/core/poll-events.js";
import type { PollFd } from "../../src/sys/select-poll.js";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

test("fastopen: the cookie is Linux's SipHash of the addresses (the value Google's scripts expect)", () => {
  const [key] = parseFastOpenKeys("a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4")!;
  // run_all.py's -D TFO_COOKIE=3021b9d889017eeb: client 192.0.2.1, server 192.168.0.1.
  assert.equal(hex(fastOpenCookie(key!, 0xc0000201, 0xc0a80001)), "3021b9d889017eeb");
  assert.notEqual(hex(fastOpenCookie(key!, 0xc0000202, 0xc0a80001)), "3021b9d889017eeb");
});

test("fastopen: tcp_fastopen_key text and TCP_FASTOPEN_KEY bytes round-trip; bad keys are refused", () => {
  const keys = parseFastOpenKeys("1-2-3-4,a-b-c-d")!;
  assert.equal(formatFastOpenKeys(keys), "00000001-00000002-00000003-00000004,0000000a-0000000b-0000000c-0000000d");
  assert.deepEqual(fastOpenKeysFromBytes(fastOpenKeysToBytes(keys)), keys);
  assert.equal(parseFastOpenKeys("1-2-3"), null);
  assert.equal(parseFastOpenKeys("1-2-3-4,5-6-7-8,9-a-b-c"), null);
  assert.equal(parseFastOpenKeys("1-2-3-x"), null);
  assert.equal(fastOpenKeysFromBytes(new Uint8Array(15)), null);
});

test("fastopen: the client cache keeps the MSS and cookie, moves to the experimental option once, counts SYN losses, is bounded", () => {
  const c = new FastOpenCache(2);
  const none = { len: -1, val: new Uint8Array(0), exp: false };
  c.set(1, 1400, none, false, 1, 0); // cookie request unanswered: try the experimental option next time
  assert.equal(c.get(1)!.tryExp, 1);
  c.set(1, 0, none, false, 2, 0);
  assert.equal(c.get(1)!.tryExp, 2);
  assert.equal(c.get(1)!.mss, 1400, "an MSS of 0 keeps the old one");
  c.set(1, 0, { len: 8, val: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), exp: false }, true, 0, 7);
  assert.equal(hex(c.get(1)!.cookie.val), "0102030405060708");
  assert.equal(c.get(1)!.synLoss, 1);
  assert.equal(c.get(1)!.lastSynLoss, 7);
  c.set(1, 0, none, false, 0, 8);
  assert.equal(c.get(1)!.synLoss, 0, "a SYN that got through clears the loss count");
  assert.equal(c.get(1)!.cookie.len, 8, "no cookie in a SYN-ACK keeps the cached one");
  c.set(2, 0, none, false, 0, 0);
  c.set(3, 0, none, false, 0, 0);
  assert.equal(c.size, 2);
  assert.equal(c.get(1), undefined, "the least recently updated destination goes first");
  c.flush();
  assert.equal(c.size, 0);
});

test("fastopen: the SYN carries the path MSS less 40 option bytes, bounded by the cached MSS", () => {
  assert.equal(synDataSpace(1500, 0, 0, 5000), 1420);
  assert.equal(synDataSpace(1500, 940, 0, 5000), 900);
  assert.equal(synDataSpace(1500, 0, 536, 5000), 496);
  assert.equal(synDataSpace(1500, 0, 0, 10), 10);
  assert.equal(synDataSpace(1520, 0, 0, 5000, 40), 1420, "IPv6: the 40-byte header comes off the path MTU (syn-data-mss.pkt's ipv6 run)");
});

/** A server with a Fast Open listener (TCP_FASTOPEN qlen `qlen`, 0: none) that echoes what each connection sends first. */
function tfoServer(server: Host, qlen: number, seen: string[]): void {
  server.spawn("s", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 9090]);
    if (qlen) p.setsockopt(l, "IPPROTO_TCP", "TCP_FASTOPEN", qlen);
    p.listen(l, 8);
    for (;;) {
      const { fd } = await p.accept(l);
      const d = await p.recv(fd, 100);
      seen.push(new TextDecoder().decode(d));
      await p.send(fd, d);
    }
  });
}

/** A client connection with sendto(MSG_FASTOPEN); resolves to the echo. */
function tfoClient(client: Host, msg: string, out: string[]): void {
  client.spawn(`c-${msg}`, async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    const n = await p.sendto(fd, msg, "MSG_FASTOPEN", ["10.0.0.2", 9090]);
    assert.equal(n, msg.length);
    out.push(new TextDecoder().decode(await p.recv(fd, 100)));
    p.close(fd);
  });
}

test("fastopen: tcp_fastopen=3 — the first connection gets a cookie, the second's data rides in the SYN and is read before the handshake completes", async () => {
  const { net, client, server, link } = twoHosts({ latency: ms(10) });
  server.sysctl.tcp_fastopen = 3;
  client.sysctl.tcp_fastopen = 3;
  const seen: string[] = [];
  const echoes: string[] = [];
  tfoServer(server, 4, seen);
  tfoClient(client, "first", echoes);
  await net.advance(sec(1));
  assert.deepEqual(echoes, ["first"]);
  assert.equal(server.counters.TcpExt.TCPFastOpenCookieReqd, 1);
  assert.equal(client.tcp.fastopen.cache.get(0x0a000002)!.cookie.len, 8);
  // Hold the client's final ACK: the server reads the SYN's data from a child still in SYN-RECV.
  link.hold("aToB", (pk) => (pk.head[33]! & 0x12) === 0x10 && pk.head.length === 52 && seen.length === 1);
  tfoClient(client, "second", echoes);
  await net.advance(ms(15));
  assert.deepEqual(seen, ["first", "second"]);
  const child = tcbs(server).find((t) => t.state === TcpState.SYN_RECV);
  assert.ok(child, "the Fast Open child is in SYN-RECV, its data already read");
  assert.equal(child.fo!.synDataAcked, true);
  link.release("aToB");
  await net.advance(sec(1));
  assert.deepEqual(echoes, ["first", "second"]);
  assert.equal(server.counters.TcpExt.TCPFastOpenPassive, 1);
  assert.equal(client.counters.TcpExt.TCPFastOpenActive, 1);
});

test("fastopen: without the client bit (tcp_fastopen=0) MSG_FASTOPEN is EOPNOTSUPP; without the server bit the SYN's data is not taken", async () => {
  const { net, client, server } = twoHosts({ latency: ms(10) });
  client.sysctl.tcp_fastopen = 0;
  let err = "";
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    try {
      await p.sendto(fd, "x", "MSG_FASTOPEN", ["10.0.0.2", 9090]);
    } catch (e) {
      err = (e as { code: string }).code;
    }
  });
  await net.advance(ms(10));
  assert.equal(err, "EOPNOTSUPP");
  // tcp_fastopen=1 on the server (client only): a cookie request gets no cookie.
  client.sysctl.tcp_fastopen = 1;
  const seen: string[] = [];
  const echoes: string[] = [];
  tfoServer(server, 4, seen);
  tfoClient(client, "hello", echoes);
  await net.advance(sec(1));
  assert.deepEqual(echoes, ["hello"]);
  assert.equal(client.tcp.fastopen.cache.get(0x0a000002)!.cookie.len, -1);
  assert.equal(client.tcp.fastopen.cache.get(0x0a000002)!.tryExp, 1, "unanswered: the experimental option is tried next");
});

test("fastopen: fallback — SYN data the server does not acknowledge is sent again after the handshake", async () => {
  const { net, client, server } = twoHosts({ latency: ms(10) });
  server.sysctl.tcp_fastopen = 3;
  const seen: string[] = [];
  const echoes: string[] = [];
  tfoServer(server, 4, seen);
  // The client holds a cookie the server will not accept (another key).
  client.tcp.fastopen.cache.set(0x0a000002, 0, { len: 8, val: Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9), exp: false }, false, 0, 0);
  tfoClient(client, "retry-me", echoes);
  await net.advance(sec(1));
  assert.deepEqual(seen, ["retry-me"], "the server read the data once, from the retransmission");
  assert.deepEqual(echoes, ["retry-me"]);
  assert.equal(server.counters.TcpExt.TCPFastOpenPassiveFail, 1);
  assert.equal(client.counters.TcpExt.TCPFastOpenActiveFail, 1);
  assert.ok(client.counters.Tcp.RetransSegs >= 1);
  // The server's SYN-ACK carried the valid cookie: the client cached it.
  assert.notEqual(hex(client.tcp.fastopen.cache.get(0x0a000002)!.cookie.val), "0909090909090909");
});

test("fastopen: SYN data the SYN-ACK leaves unacknowledged is a loss without congestion — Loss state, retransmitted at once, cwnd and ssthresh kept (tcp_non_congestion_loss_retransmit)", async () => {
  const { net, client, server } = twoHosts({ latency: ms(10) });
  server.sysctl.tcp_fastopen = 3;
  const seen: string[] = [];
  const echoes: string[] = [];
  tfoServer(server, 4, seen);
  client.tcp.fastopen.cache.set(0x0a000002, 0, { len: 8, val: Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9), exp: false }, false, 0, 0);
  tfoClient(client, "lost-in-syn", echoes);
  // The SYN-ACK (acknowledging the SYN only) reaches the client at 20 ms; the data goes again at once.
  await net.advance(ms(20));
  const c = tcbs(client).find((t) => t.state === TcpState.ESTABLISHED);
  assert.ok(c, "the client is established");
  assert.equal(c.caState, "loss", "Loss state, as Linux's tcp_non_congestion_loss_retransmit sets");
  assert.equal(c.cwnd, 10, "cwnd not reduced");
  assert.equal(c.cc.ssthresh, TCP_INFINITE_SSTHRESH, "ssthresh unchanged");
  assert.equal(c.undoMarker, -1, "no undo of a reduction that never happened");
  assert.equal(client.counters.TcpExt.TCPFastOpenActiveFail, 1);
  assert.equal(client.counters.TcpExt.TCPSlowStartRetrans, 1, "retransmitted by the Loss state's walk of the lost marks");
  assert.equal(client.counters.Tcp.RetransSegs, 1);
  assert.equal(client.counters.TcpExt.TCPTimeouts ?? 0, 0);
  await net.advance(sec(1));
  assert.deepEqual(echoes, ["lost-in-syn"]);
  assert.equal(c.caState, "open", "the retransmission's ACK ends the episode");
  assert.equal(client.counters.TcpExt.TCPLossUndo ?? 0, 0);
});

test("fastopen (FreeBSD personality): TCP_FASTOPEN + sendto connects; an invalid cookie for unacknowledged SYN data disables the path", async () => {
  const { net, client, server } = twoHosts({ latency: ms(10) });
  client.sysctl.tcp_personality = "freebsd";
  const echoes: string[] = [];
  server.spawn("s", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 9090]);
    p.listen(l, 8);
    for (;;) {
      const { fd } = await p.accept(l);
      await p.send(fd, await p.recv(fd, 100));
    }
  });
  const connectOnce = (msg: string) => {
    client.spawn(`c-${msg}`, async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      p.setsockopt(fd, "IPPROTO_TCP", "TCP_FASTOPEN", 1);
      assert.equal(await p.sendto(fd, msg, 0, ["10.0.0.2", 9090]), msg.length, "returns at once with the bytes queued");
      echoes.push(new TextDecoder().decode(await p.recv(fd, 100)));
      p.close(fd);
    });
  };
  // A Linux server without Fast Open: the cookie request goes unanswered, the path is disabled.
  connectOnce("one");
  await net.advance(sec(1));
  assert.deepEqual(echoes, ["one"]);
  const e = client.tcp.fastopen.cache.get(0x0a000002)!;
  assert.ok(e.disabledAt >= 0, "no cookie for a request: the path is disabled");
  // A cached cookie is used again once the path is re-enabled… but not within the disable time.
  client.tcp.fastopen.cache.set(0x0a000002, 1460, { len: 8, val: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), exp: false }, false, 0, net.now());
  assert.equal(client.tcp.fastopen.cache.get(0x0a000002)!.disabledAt, -1, "a valid cookie re-enables the path");
  connectOnce("two");
  await net.advance(sec(1));
  assert.deepEqual(echoes, ["one", "two"], "the SYN's data was not acknowledged (no Fast Open server) and went again after the handshake");
  assert.ok(client.tcp.fastopen.cache.get(0x0a000002)!.disabledAt >= 0);
});

test("fastopen: a blocking sendto(MSG_FASTOPEN) that is refused disconnects the socket, as a refused connect does (Linux __inet_stream_connect)", async () => {
  const { net, client } = twoHosts({ latency: ms(10) });
  const r: Record<string, unknown> = {};
  const code = async (f: () => unknown): Promise<string> => {
    try {
      await f();
      return "ok";
    } catch (e) {
      return (e as { code: string }).code;
    }
  };
  client.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    r.first = await code(() => p.sendto(fd, "hello", "MSG_FASTOPEN", ["10.0.0.2", 9]));
    const fds: PollFd[] = [{ fd, events: POLLIN | POLLOUT | POLLRDHUP }];
    await p.poll(fds, 0);
    r.poll = fds[0]!.revents;
    r.soError = p.getsockopt(fd, "SOL_SOCKET", "SO_ERROR");
    r.recv = await code(() => p.recv(fd, 10, "MSG_DONTWAIT"));
    r.send = await code(() => p.send(fd, "x", "MSG_NOSIGNAL"));
    r.peer = await code(() => p.getpeername(fd));
    r.again = await code(() => p.sendto(fd, "again", "MSG_FASTOPEN", ["10.0.0.2", 9]));
  });
  await net.advance(sec(1));
  // python3 on Linux 6.18, loopback, a closed port: ECONNREFUSED, poll 0x14, SO_ERROR 0, recv ENOTCONN, send EPIPE,
  // getpeername ENOTCONN, and a second sendto(MSG_FASTOPEN) makes a new attempt (ECONNREFUSED again).
  assert.deepEqual(r, { first: "ECONNREFUSED", poll: POLLOUT | POLLHUP, soError: 0, recv: "ENOTCONN", send: "EPIPE", peer: "ENOTCONN", again: "ECONNREFUSED" },
    "after the refusal the socket is like a fresh one");
});
