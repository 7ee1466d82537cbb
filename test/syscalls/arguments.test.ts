/**
 * Arguments are checked at the syscall boundary (issue 11 item 8): a value
 * of the wrong type fails at the call with a SysError naming the argument
 * (EFAULT for a bad buffer or address, EBADF for a non-integer fd, EINVAL
 * otherwise) — never a TypeError, and never an error on another host
 * later. A sweep passes every bad value JS can pass to every argument of
 * every call and checks just that.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";
import { SysError } from "../../src/core/sys-error.js";
import { GaiError } from "../../src/sys/netdb.js";
import { FdSet } from "../../src/sys/select-poll.js";
import type { Process } from "../../src/sys/process.js";
import { ms } from "../../src/core/time.js";

/** A client and a UDP echo-less receiver that records what arrives. */
function udpPair() {
  const net = new Network({ seed: 1 });
  const a = net.addHost("a"), b = net.addHost("b");
  net.link(a, b, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(1) });
  const got: Uint8Array[] = [];
  b.spawn("sink", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(fd, ["0.0.0.0", 9000]);
    for (;;) got.push((await p.recvfrom(fd, 100)).data);
  });
  return { net, a, b, got };
}

async function failure(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  assert.fail("expected the call to fail");
}

function expectSys(e: unknown, code: string, message: RegExp): void {
  assert.ok(e instanceof SysError, `expected a SysError, got ${String(e)}`);
  assert.equal(e.code, code);
  assert.match(e.message, message);
}

test("the issue's cases: bad data and flags fail at the sender's call, the receiver never sees them", async () => {
  const { net, a, got } = udpPair();
  const errors: unknown[] = [];
  let sent16 = -1;
  a.spawn("client", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    const to = ["10.0.0.2", 9000] as const;
    const bad = (f: () => unknown) => failure(f).then((e) => errors.push(e));
    // @ts-expect-error an array of buffers is not data
    await bad(() => p.sendto(fd, [new Uint8Array(3), "ab"], 0, to));
    // @ts-expect-error an ArrayBuffer is refused, as Node refuses it
    await bad(() => p.sendto(fd, new ArrayBuffer(4), 0, to));
    // @ts-expect-error flags must be a number or names
    await bad(() => p.sendto(fd, "x", {}, to));
    // @ts-expect-error null is not flags
    await bad(() => p.sendto(fd, "x", null, to));
    // @ts-expect-error no address
    errors.push(await p.connect_ex(fd, undefined));
    sent16 = await p.sendto(fd, new Uint16Array([1, 2, 3]), 0, to);
  });
  await net.run({ until: ms(100) });
  const [arr, ab, obj, nul, cx] = errors;
  expectSys(arr, "EFAULT", /^sendto: Bad address \(data: expected bytes .* got an Array\)$/);
  expectSys(ab, "EFAULT", /^sendto: Bad address \(data: .* got an ArrayBuffer \(wrap it: new Uint8Array\(buffer\)\)\)$/);
  expectSys(obj, "EINVAL", /^sendto: Invalid argument \(flags: expected a number, a name, "A\|B" or a list of names, got an object\)$/);
  expectSys(nul, "EINVAL", /^sendto: Invalid argument \(flags: .* got null\)$/);
  assert.equal(cx, 14, "connect_ex(fd, undefined) returns EFAULT");
  // A Uint16Array is its bytes: 3 elements, 6 bytes (little-endian, as the machine stores them).
  assert.equal(sent16, 6);
  assert.deepEqual(got.map((d) => [...d]), [[1, 0, 2, 0, 3, 0]]);
});

test("fds, lengths, addresses and timeouts: EBADF / EINVAL / EFAULT naming the argument", async () => {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  const p = h.createProcess("p");
  const fd = p.socket("AF_INET", "SOCK_STREAM|SOCK_NONBLOCK");
  const u = p.socket("AF_INET", "SOCK_DGRAM");
  // @ts-expect-error a string fd
  expectSys(await failure(() => p.close("3")), "EBADF", /^close: Bad file descriptor \(fd: expected an integer file descriptor, got the string "3"\)$/);
  expectSys(await failure(() => p.recv(fd, -1)), "EINVAL", /^recv: Invalid argument \(n: expected a byte count \(an integer ≥ 0\), got the number -1\)$/);
  // @ts-expect-error no length (the NaN spin of issue 11 item 3 starts here)
  expectSys(await failure(() => p.recv(fd, undefined, "MSG_DONTWAIT")), "EINVAL", /\(n: .* got undefined\)/);
  expectSys(await failure(() => p.connect(fd, ["10.0.0.1", 70000])), "EINVAL", /^connect: Invalid argument \(addr\[1\]: port must be 0-65535, got the number 70000\)$/);
  // @ts-expect-error a tuple of three
  expectSys(await failure(() => p.connect(fd, ["10.0.0.1", 80, 1])), "EINVAL", /addr: an address tuple is \[host, port\], got 3 elements/);
  // @ts-expect-error a number is not an address
  expectSys(await failure(() => p.connect(fd, 5)), "EFAULT", /^connect: Bad address \(addr: expected a socket address/);
  expectSys(await failure(() => p.bind(u, { family: 2, addr: "10.0.0.300", port: 1 })), "EINVAL", /addr\.addr: "10\.0\.0\.300" is not an IPv4 address/);
  // @ts-expect-error the family must be a number or a name
  expectSys(await failure(() => p.bind(u, { family: "AF_INTE", addr: "0.0.0.0", port: 1 })), "EINVAL", /addr\.family: unknown address family name "AF_INTE"; did you mean AF_INET\?/);
  // @ts-expect-error a string is not milliseconds
  expectSys(await failure(() => p.poll([{ fd, events: 1 }], "10")), "EINVAL", /^poll: Invalid argument \(timeout: expected milliseconds/);
  // @ts-expect-error not an FdSet
  expectSys(await failure(() => p.select(4, [3], null, null, 0)), "EFAULT", /^select: Bad address \(readfds: expected an FdSet or null, got an Array\)$/);
  expectSys(await failure(() => p.writev(fd, new Array(1025).fill("x"))), "EINVAL", /iov: 1025 buffers, more than UIO_MAXIOV \(1024\)/);
  // @ts-expect-error iov elements must be data
  expectSys(await failure(() => p.writev(fd, ["a", 5])), "EFAULT", /writev: Bad address \(iov\[1\]: .* got the number 5\)/);
  expectSys(await failure(() => p.epoll_wait(p.epoll_create1(), 0)), "EINVAL", /maxevents: must be positive, got 0/);
  // @ts-expect-error fork needs a function
  expectSys(await failure(() => p.fork(null)), "EINVAL", /^fork: Invalid argument \(child: expected a function, got null\)$/);
  // Lengths above Linux's MAX_RW_COUNT are cut to it (a read of 2^40 bytes is a read of what is there).
  expectSys(await failure(() => p.recv(fd, 2 ** 40)), "ENOTCONN", /^recv: Transport endpoint is not connected$/);
});

test("poll takes event names; select takes a number of seconds (0 returns at once)", async () => {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  const out: unknown[] = [];
  h.spawn("p", async (p) => {
    const [a, b] = p.socketpair("AF_UNIX", "SOCK_STREAM");
    await p.send(b, "x");
    const fds = [{ fd: a, events: "POLLIN|POLLOUT" as const }, { fd: b, events: ["POLLIN"] as const }];
    out.push(await p.poll(fds, 0), fds.map((f) => (f as { revents?: number }).revents));
    const r = FdSet.of(b);
    out.push(await p.select(b + 1, r, null, null, 0), net.now());
  });
  await net.run({ until: ms(10) });
  assert.deepEqual(out, [1, [0x1 | 0x4, 0], 0, 0]);
});

/** Values a JS caller can pass by mistake. */
const BAD: readonly unknown[] = [undefined, null, {}, [], [1, 2, 3], "MSG_NOPE", "", NaN, 1.5, -1, 2 ** 53, true, () => 0, new ArrayBuffer(2), Symbol("s"), 10n];

/** Every call with a valid argument list (on a fresh non-blocking TCP socket `fd`, a UDP socket `u`, an epoll `ep`). */
const CALLS: Record<string, (c: { fd: number; u: number; ep: number }) => unknown[]> = {
  socket: () => ["AF_INET", "SOCK_STREAM", 0],
  socketpair: () => ["AF_UNIX", "SOCK_STREAM", 0],
  bind: ({ u }) => [u, ["0.0.0.0", 0]],
  listen: ({ fd }) => [fd, 5],
  accept: ({ fd }) => [fd],
  accept4: ({ fd }) => [fd, "SOCK_NONBLOCK"],
  connect: ({ u }) => [u, ["10.0.0.2", 7]],
  connect_ex: ({ u }) => [u, ["10.0.0.2", 7]],
  send: ({ u }) => [u, "x", 0],
  sendto: ({ u }) => [u, "x", 0, ["10.0.0.2", 7]],
  sendmsg: ({ u }) => [u, { iov: ["x"], name: ["10.0.0.2", 7] }, 0],
  write: ({ u }) => [u, "x"],
  writev: ({ u }) => [u, ["x", "y"]],
  recv: ({ u }) => [u, 10, "MSG_DONTWAIT"],
  recvfrom: ({ u }) => [u, 10, "MSG_DONTWAIT"],
  recvmsg: ({ u }) => [u, 10, "MSG_DONTWAIT"],
  read: ({ fd }) => [fd, 10],
  readv: ({ fd }) => [fd, [1, 2]],
  shutdown: ({ fd }) => [fd, "SHUT_WR"],
  close: ({ fd }) => [fd],
  getsockname: ({ fd }) => [fd],
  getpeername: ({ fd }) => [fd],
  setsockopt: ({ fd }) => [fd, "SOL_SOCKET", "SO_REUSEADDR", 1],
  getsockopt: ({ fd }) => [fd, "SOL_SOCKET", "SO_REUSEADDR"],
  fcntl: ({ fd }) => [fd, "F_SETFL", "O_NONBLOCK"],
  ioctl: ({ fd }) => [fd, "FIONREAD", 0],
  dup: ({ fd }) => [fd],
  dup2: ({ fd }) => [fd, 20],
  unlink: () => ["/tmp/x"],
  sendall: ({ u }) => [u, "x", 0],
  recvExactly: ({ fd }) => [fd, 4, 0],
  recvLine: ({ fd }) => [fd, 100],
  poll: ({ fd }) => [[{ fd, events: "POLLIN" }], 0],
  select: ({ fd }) => [fd + 1, FdSet.of(fd), null, null, 0],
  selectLists: ({ fd }) => [[fd], [], [], 0],
  epoll_create: () => [1],
  epoll_create1: () => [0],
  epoll_ctl: ({ ep, fd }) => [ep, "EPOLL_CTL_ADD", fd, { events: "EPOLLIN" }],
  epoll_wait: ({ ep }) => [ep, 4, 0],
  getrlimit: () => ["RLIMIT_NOFILE"],
  setrlimit: () => ["RLIMIT_NOFILE", { soft: 1024, hard: 4096 }],
  fork: () => [async () => 0],
  waitpid: () => [-1, "WNOHANG"],
  signal: () => ["SIGCHLD", () => {}],
  thread: () => [async () => 0],
  exit: () => [0],
  getaddrinfo: () => ["b", 7, "AF_INET", "SOCK_DGRAM", 0, 0],
  gethostbyname: () => ["b"],
};

test("sweep: every bad value in every argument of every call fails with a SysError (or GaiError) at the call, nothing escapes", async () => {
  const net = new Network({ seed: 1 });
  const a = net.addHost("a"), b = net.addHost("b");
  net.link(a, b);
  b.spawn("echo", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(fd, ["0.0.0.0", 7]);
    for (;;) {
      const { data, addr } = await p.recvfrom(fd, 100);
      await p.sendto(fd, data, 0, addr);
    }
  });
  const stray: string[] = [];
  let calls = 0;
  for (const [name, argsOf] of Object.entries(CALLS)) {
    const proto = Object.getPrototypeOf(a.createProcess("probe")) as Record<string, unknown>;
    assert.equal(typeof proto[name], "function", `Process.${name}`);
    const n = argsOf({ fd: 0, u: 0, ep: 0 }).length;
    for (let i = 0; i < n; i++) {
      for (const v of BAD) {
        const p: Process = a.createProcess(`${name}-${i}`);
        const fd = p.socket("AF_INET", "SOCK_STREAM|SOCK_NONBLOCK");
        const u = p.socket("AF_INET", "SOCK_DGRAM|SOCK_NONBLOCK");
        const ep = p.epoll_create1();
        const args = argsOf({ fd, u, ep });
        args[i] = v;
        calls++;
        let outcome: Promise<unknown>;
        try {
          outcome = Promise.resolve((p as unknown as Record<string, (...x: unknown[]) => unknown>)[name]!(...args));
        } catch (e) {
          outcome = Promise.reject(e);
        }
        outcome.then(
          () => {},
          (e) => {
            if (!(e instanceof SysError) && !(e instanceof GaiError)) stray.push(`${name} arg ${i} = ${String(typeof v === "symbol" ? "symbol" : v)}: ${String(e)}`);
          },
        );
      }
    }
  }
  await net.run({ until: ms(500) });
  assert.deepEqual(stray, []);
  assert.ok(calls > 1500, `${calls} calls`);
  assert.equal(b.crashed.length, 0, "the peer host never fails because of another host's arguments");
});

test("inet_pton / inet_ntop: a non-string or non-bytes argument is EFAULT, a short buffer EINVAL naming it", async () => {
  const { inet_pton, inet_ntop } = await import("../../src/sys/inet.js");
  // @ts-expect-error a number is not text
  expectSys(await failure(() => inet_pton("AF_INET", 5)), "EFAULT", /^inet_pton: Bad address \(src: expected a string, got number\)$/);
  // @ts-expect-error an array is not bytes
  expectSys(await failure(() => inet_ntop("AF_INET", [1, 2, 3, 4])), "EFAULT", /^inet_ntop: Bad address/);
  expectSys(await failure(() => inet_ntop("AF_INET", new Uint8Array(3))), "EINVAL", /src: an IPv4 address is 4 bytes, got 3/);
});

test("the dotted-quad check of address arguments agrees with parseIpv4Address", async () => {
  const { isDottedQuad } = await import("../../src/sys/args.js");
  const { parseIpv4Address } = await import("../../src/wire/ipv4-address.js");
  const cases = ["10.0.0.1", "0.0.0.0", "255.255.255.255", "256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1..2.3", ".1.2.3", "1.2.3.", "a.b.c.d", "", "1234.1.1.1", "10.0.0.300", "001.002.003.004", "1.2.3.4 "];
  for (const c of cases) assert.equal(isDottedQuad(c), parseIpv4Address(c) !== null, c);
});
