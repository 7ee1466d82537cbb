/**
 * Issue 11 "Freezes" and issue 12 items 6–7: calls that made the
 * simulation spin (virtual time stopped, `net.run()` never returned, not
 * even a real timer fired). Each scenario (freeze-scenarios.ts) runs in a
 * worker under a real-time watchdog, so a regression fails here as a
 * HangError in seconds instead of freezing the test runner; the expected
 * values are Linux 6.x's, probed on the kernel by linux-freeze-probe.py
 * (its output is quoted below).
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { BoundedRunner } from "../helpers/bounded.js";
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLPRI } from "../../src/core/poll-events.js";
import { ms } from "../../src/core/time.js";

const runner = new BoundedRunner(new URL("./freeze-scenarios.ts", import.meta.url));
after(() => runner.close());
const run = (name: string) => runner.run(name) as Promise<Record<string, unknown>>;

test("item 1: a blocking recv after an urgent byte sleeps until in-band data (no spin on POLLPRI)", async () => {
  const r = await run("urgentByteThenBlockingRecv");
  assert.equal(r.finished, true);
  assert.equal(r.reventsBefore, POLLPRI); // only the urgent byte: exceptional, not readable
  assert.equal(r.data, "abc");
  assert.ok((r.at as number) >= ms(100), `recv returned at ${String(r.at)} µs, before the in-band data`);
  assert.equal(r.oob, "recv: Invalid argument", "the urgent byte outlived its mark (Linux 6.18: EINVAL once the read passed it)");
});

test("item 2: connect_ex after ECONNREFUSED retries with a new SYN; the refused socket is disconnected", async () => {
  const r = await run("connectRetryAfterRefused");
  assert.equal(r.finished, true);
  // Linux: connect_ex → 111 every time until the server listens, then 0 on the same socket.
  const tries = r.tries as number[];
  assert.equal(tries.at(-1), 0);
  assert.ok(tries.length >= 3 && tries.slice(0, -1).every((e) => e === 111), JSON.stringify(tries));
  // Linux after a refused blocking connect: poll 0x14 (POLLOUT|POLLHUP, no POLLIN), recv ENOTCONN, send EPIPE.
  assert.equal(r.pollAfter, POLLOUT | POLLHUP);
  assert.equal(r.recvAfter, "ENOTCONN");
  assert.equal(r.sendAfter, "EPIPE");
  assert.equal(r.soError, 0);
  assert.equal(r.served, "hi");
});

test("item 2: the same retry loop against a port of the host itself (loopback)", async () => {
  const r = await run("connectRetryLocal");
  assert.equal(r.finished, true);
  const tries = r.tries as number[];
  assert.equal(tries.at(-1), 0);
  assert.ok(tries.slice(0, -1).every((e) => e === 111) && tries.length >= 2, JSON.stringify(tries));
});

test("item 2: non-blocking connect_ex after a refusal: ECONNREFUSED, then a new attempt; ECONNABORTED once SO_ERROR took the error", async () => {
  const r = await run("connectNonblockingRefused");
  assert.equal(r.finished, true);
  // Linux 6.x (Python, non-blocking): EINPROGRESS, ECONNREFUSED, EINPROGRESS, [SO_ERROR → 111] ECONNABORTED, EINPROGRESS.
  assert.deepEqual(r.seq, ["EINPROGRESS", "ECONNREFUSED", "EINPROGRESS", "ECONNABORTED", "EINPROGRESS"]);
  assert.equal(r.pollRefused, POLLOUT | POLLERR | POLLHUP);
  assert.equal(r.pollDisconnected, POLLOUT | POLLHUP);
  assert.equal(r.soError, 111);
});

test("item 3: AF_UNIX stream recv short of MSG_WAITALL / SO_RCVLOWAT: short non-blocking reads, blocking ones wait for more", async () => {
  const r = await run("unixWaitallShort");
  assert.equal(r.finished, true);
  // Linux: recv(6, MSG_WAITALL|MSG_DONTWAIT) with 3 queued → b'abc'; SO_RCVLOWAT 5 non-blocking → b'abc'.
  assert.equal(r.nbWaitall, "ok:abc");
  assert.equal(r.nbLowat, "ok:abc");
  // Blocking SO_RCVLOWAT 5 with 3 queued: waits for the next write (Linux: b'abcde' after 0.1 s).
  assert.equal(r.lowat, "abcde");
  assert.equal(r.lowatAt, ms(10));
  // MSG_PEEK|MSG_WAITALL on AF_UNIX: the first bytes, no wait for the rest (Linux stops a peek at the queue's end).
  assert.equal(r.peekWaitall, "fgh");
  assert.equal(r.waitall, "fghXY");
  assert.equal(r.waitallAt, ms(30));
  assert.equal(r.eof, "ok:");
});

test("item 3: a recv length that is not a non-negative integer is EINVAL on every socket type", async () => {
  const r = await run("recvBadLength");
  assert.equal(r.finished, true);
  for (const k of ["unixUndefined", "unixNaN", "unixFraction", "unixNegative", "unixString", "dgramUndefined", "udpUndefined", "readUndefined"]) {
    assert.equal(r[k], "EINVAL", k);
  }
  assert.equal(r.stillThere, "abc");
});

test("item 4: recvExactly(fd, huge, MSG_PEEK) on datagram sockets peeks once", async () => {
  const r = await run("recvExactlyPeekDatagram");
  assert.equal(r.finished, true);
  assert.equal(r.peeked, "hello");
  assert.equal(r.read, "hello");
  assert.equal(r.unixPeeked, "unix");
});

test("item 4: recvExactly with MSG_PEEK on streams is recv(MSG_PEEK|MSG_WAITALL), never the same bytes twice", async () => {
  const r = await run("recvExactlyPeekStream");
  assert.equal(r.finished, true);
  // Linux TCP: recv(4, MSG_PEEK|MSG_WAITALL) with 2 queued → b'abcd' once the rest arrives.
  assert.equal(r.peeked, "abcd");
  assert.ok((r.peekAt as number) >= ms(50));
  assert.equal(r.read, "abcd");
  assert.equal(r.peekEof, "ef");
  assert.equal(r.unixPeeked, "uv");
});

test("AF_UNIX listener shut for reading: accept is EINVAL, also for a blocked accept (Linux unix_accept)", async () => {
  const r = await run("unixAcceptAfterShutdown");
  assert.equal(r.finished, true);
  assert.equal(r.blocked, "EINVAL");
  assert.equal(r.after, "EINVAL");
});

test("issue 12 item 7: zero timeouts return at once — select(…, 0), {0, 0}, selectLists(…, 0), poll 0, epoll_wait 0", async () => {
  const r = await run("zeroTimeouts");
  assert.equal(r.finished, true);
  assert.equal(r.selectZero, 0);
  assert.equal(r.selectTimeval, 0);
  assert.deepEqual(r.selectLists, [[], [], []]);
  assert.equal(r.poll, 0);
  assert.equal(r.epoll, 0);
  assert.equal(r.elapsed, 0);
});

test("issue 12 item 6: poll accepts event names; an unknown name is EINVAL naming it", async () => {
  const r = await run("pollEventNames");
  assert.equal(r.finished, true);
  assert.equal(r.n, 3);
  assert.deepEqual(r.revents, [POLLIN, POLLIN | POLLOUT, POLLIN | POLLOUT]);
  assert.equal(r.bad, "EINVAL");
  assert.match(String(r.badMessage), /^poll: Invalid argument \(fds\[0\]\.events: unknown poll event name "POLLINN"; did you mean POLLIN\?\)$/);
});

test("MSG_WAITALL beyond the receive buffer completes (data is copied as it arrives, as Linux does), TCP and AF_UNIX", async () => {
  const r = await run("waitallBeyondBuffers");
  assert.equal(r.finished, true);
  assert.equal(r.tcp, 1 << 20);
  assert.equal(r.tcpOk, true);
  assert.equal(r.unix, 1 << 20);
});

test("recvLine on a datagram socket takes an empty datagram (a loop over it progresses)", async () => {
  const r = await run("recvLineEmptyDatagram");
  assert.equal(r.finished, true);
  assert.deepEqual(r.lines, ["", "a\n", "b\n"]);
});

test("ICMP echo identifiers exhausted: EAGAIN (Linux inet_autobind), not an endless search", async () => {
  assert.equal(await runner.run("echoIdsExhausted"), "socket: Resource temporarily unavailable");
});

test("issue 12 item 6: epoll_ctl events by name; an unknown name is EINVAL naming it", async () => {
  const r = await run("epollEventNames");
  assert.equal(r.finished, true);
  assert.equal(r.typo, 'epoll_ctl: Invalid argument (event.events: unknown epoll event name "EPOLLETT"; did you mean EPOLLET?)');
  assert.equal(r.otherKind, 'epoll_ctl: Invalid argument (event.events: "MSG_PEEK" is a send/recv flag, not an epoll event)');
  assert.deepEqual(r.events, [[4, POLLOUT], [3, POLLIN]]);
});

test("one SO_RCVTIMEO per call: a wake-up that does not let recv proceed does not restart the timeout", async () => {
  const r = await run("rcvtimeoOnePerCall");
  assert.equal(r.finished, true);
  assert.equal(r.result, "EAGAIN");
  assert.equal(r.at, ms(100));
});
