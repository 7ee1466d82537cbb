/**
 * The syscall trace (issue 12 item 12): strace -f -tt lines from the
 * syscall boundary, in the formats strace prints on Linux (checked against
 * strace 6 tracing the same calls from Python on this machine).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";
import { ms } from "../../src/core/time.js";
import { POLLIN } from "../../src/core/poll-events.js";
import { formatStrace, straceString, straceTime, straceWriter } from "../../src/sys/strace.js";
import type { SyscallEvent } from "../../src/sys/syscall-boundary.js";
import { connectTo } from "../helpers/vocabulary.js";

test("net.strace(straceWriter(…)): a whole network's calls with arguments, results, errno, virtual time, <unfinished ...> and resumed lines", async () => {
  const net = new Network({ seed: 1 });
  const client = net.addHost("client"), server = net.addHost("server");
  net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(5) });
  const lines: string[] = [];
  const w = straceWriter((l) => lines.push(l), { host: true });
  net.strace(w);
  server.spawn("echo", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.setsockopt(l, "SOL_SOCKET", "SO_REUSEADDR", 1);
    p.bind(l, ["0.0.0.0", 9090]);
    p.listen(l, 5);
    const { fd } = await p.accept(l);
    const ep = p.epoll_create1("EPOLL_CLOEXEC");
    p.epoll_ctl(ep, "EPOLL_CTL_ADD", fd, { events: "EPOLLIN" });
    await p.epoll_wait(ep, 10, -1);
    const d = await p.recv(fd, 1024);
    await p.send(fd, d);
    await p.close(fd);
  }, { daemon: true });
  client.spawn("client", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 9090);
    await p.send(fd, "hello\n");
    const fds = [{ fd, events: POLLIN }];
    await p.poll(fds, 1000);
    await p.recv(fd, 100);
    const u = p.socket("AF_INET", "SOCK_DGRAM");
    await p.sendto(u, "x\0\x01", 0, ["10.0.0.2", 9]);
    const c2 = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect_ex(c2, ["10.0.0.2", 1]);
    p.shutdown(fd, "SHUT_WR");
    await p.close(fd);
    return 0;
  });
  await net.run();
    w.flush();
  assert.deepEqual(lines, [
    "server [pid  1000] 00:00:00.000000 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3",
    "server [pid  1000] 00:00:00.000000 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
    'server [pid  1000] 00:00:00.000000 bind(3, {sa_family=AF_INET, sin_port=htons(9090), sin_addr=inet_addr("0.0.0.0")}, 16) = 0',
    "server [pid  1000] 00:00:00.000000 listen(3, 5) = 0",
    "server [pid  1000] 00:00:00.000000 accept(3,  <unfinished ...>",
    "client [pid  1000] 00:00:00.000000 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3",
    'client [pid  1000] 00:00:00.000000 connect(3, {sa_family=AF_INET, sin_port=htons(9090), sin_addr=inet_addr("10.0.0.2")}, 16) = 0',
    'client [pid  1000] 00:00:00.010000 sendto(3, "hello\\n", 6, 0, NULL, 0) = 6',
    "client [pid  1000] 00:00:00.010000 poll([{fd=3, events=POLLIN}], 1, 1000 <unfinished ...>",
    'server [pid  1000] 00:00:00.015000 <... accept resumed>{sa_family=AF_INET, sin_port=htons(54648), sin_addr=inet_addr("10.0.0.1")}, [16]) = 4',
    "server [pid  1000] 00:00:00.015000 epoll_create1(EPOLL_CLOEXEC) = 5",
    "server [pid  1000] 00:00:00.015000 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLIN, data={u32=4, u64=4}}) = 0",
    "server [pid  1000] 00:00:00.015000 epoll_wait(5, [{events=EPOLLIN, data={u32=4, u64=4}}], 10, -1) = 1",
    'server [pid  1000] 00:00:00.015000 recvfrom(4, "hello\\n", 1024, 0, NULL, NULL) = 6',
    'server [pid  1000] 00:00:00.015000 sendto(4, "hello\\n", 6, 0, NULL, 0) = 6',
    "server [pid  1000] 00:00:00.015000 close(4) = 0",
    "server [pid  1000] 00:00:00.015000 +++ exited with 0 +++",
    "client [pid  1000] 00:00:00.020000 <... poll resumed>) = 1 ([{fd=3, revents=POLLIN}])",
    'client [pid  1000] 00:00:00.020000 recvfrom(3, "hello\\n", 100, 0, NULL, NULL) = 6',
    "client [pid  1000] 00:00:00.020000 socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = 4",
    'client [pid  1000] 00:00:00.020000 sendto(4, "x\\0\\1", 3, 0, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("10.0.0.2")}, 16) = 3',
    "client [pid  1000] 00:00:00.020000 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 5",
    'client [pid  1000] 00:00:00.020000 connect(5, {sa_family=AF_INET, sin_port=htons(1), sin_addr=inet_addr("10.0.0.2")}, 16) = -1 ECONNREFUSED (Connection refused)',
    "client [pid  1000] 00:00:00.030000 shutdown(3, SHUT_WR) = 0",
    "client [pid  1000] 00:00:00.030000 close(3) = 0",
    "client [pid  1000] 00:00:00.030000 +++ exited with 0 +++",
  ]);
});

test("host.strace: a thread's calls carry its tid; a killed process ends with +++ killed by SIGKILL +++; failures show errno and text", async () => {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  const events: SyscallEvent[] = [];
  const stop = h.strace((ev) => events.push(ev));
  const prog = h.spawn("app", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    const t = p.thread(async (q) => {
      try { q.bind(fd, ["10.9.9.9", 80]); } catch { /* EADDRNOTAVAIL */ }
      await q.recvfrom(fd, 512);
    });
    await t.join();
  });
  await net.advance(ms(3));
  await prog.kill();
  stop();
  const lines = events.map((e) => formatStrace(e)).filter(Boolean);
  assert.deepEqual(lines, [
    "[pid  1000] 00:00:00.000000 socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = 3",
    '[pid  1001] 00:00:00.000000 bind(3, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("10.9.9.9")}, 16) = -1 EADDRNOTAVAIL (Cannot assign requested address)',
    "[pid  1000] 00:00:00.003000 +++ killed by SIGKILL +++",
  ]);
  assert.deepEqual(events.filter((e) => e.kind === "enter").map((e) => e.kind === "enter" && `${e.rec.tid} ${e.rec.call}`), ["1001 recvfrom"]);
});

test("strace's string and time formats", () => {
  assert.equal(straceString("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), '"GET / HTTP/1.1\\r\\nHost: example.co"...');
  assert.equal(straceString(new Uint8Array([0, 0x31, 1, 255, 0x22, 0x5c])), '"\\0001\\1\\377\\"\\\\"');
  assert.equal(straceTime(12 * 3600e6 + 200_100), "12:00:00.200100");
});

test("strace lines of the file calls: openat, pwrite64, pread64, lseek, newfstatat, pipe2, sendfile with its offset, splice — as strace 6 prints them", async () => {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  const lines: string[] = [];
  h.strace((ev: SyscallEvent) => {
    const l = formatStrace(ev, { pids: false });
    // Without the time column (strace pads `=` to column 40 of the whole line): one space before `=`.
    if (l) lines.push(l.slice(l.indexOf(" ") + 1).replace(/ +=/, " ="));
  });
  h.spawn("files", async (p) => {
    const [r, w] = p.pipe();
    const fd = p.open("/tmp/st", "O_RDWR|O_CREAT|O_TRUNC|O_CLOEXEC", 0o644);
    await p.write(fd, "hello");
    await p.pread(fd, 3, 1);
    await p.pwrite(fd, "Z", 0);
    p.lseek(fd, 0, "SEEK_SET");
    p.fstat(fd);
    await p.sendfile(w, fd, [0], 5);
    await p.sendfile(w, fd, null, 2);
    await p.splice(r, null, w, null, 0, "SPLICE_F_MORE");
    assert.throws(() => p.open("/tmp/none", 0), /No such file or directory/, "open of a missing file fails");
    return 0;
  });
  await net.run();
  assert.deepEqual(lines.slice(0, 10), [
    "pipe2([3, 4], 0) = 0",
    'openat(AT_FDCWD, "/tmp/st", O_RDWR|O_CREAT|O_TRUNC|O_CLOEXEC, 0644) = 5',
    'write(5, "hello", 5) = 5',
    'pread64(5, "ell", 3, 1) = 3',
    'pwrite64(5, "Z", 1, 0) = 1',
    "lseek(5, 0, SEEK_SET) = 0",
    'newfstatat(5, "", {st_mode=S_IFREG|0644, st_size=5, ...}, AT_EMPTY_PATH) = 0',
    "sendfile(4, 5, [0] => [5], 5) = 5",
    "sendfile(4, 5, NULL, 2) = 2",
    "splice(3, NULL, 4, NULL, 0, SPLICE_F_MORE) = 0",
  ], `the trace:\n${lines.join("\n")}`);
  assert.match(lines[10]!, /^openat\(AT_FDCWD, "\/tmp\/none", O_RDONLY\) += -1 ENOENT \(No such file or directory\)$/, "a failed open");
});
