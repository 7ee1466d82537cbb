/**
 * Files, pipes, sendfile and splice answer as Linux 6.18 did
 * (files-linux.json, recorded by files-probe.py): open's errnos, reads and
 * writes by access mode, lseek and holes, O_APPEND and O_TRUNC, the
 * devices, unlink of an open file, poll and epoll on a file; the pipe's
 * pages (a write that cannot merge into the last page needs a free one),
 * EOF, EPIPE, poll bits, FIONREAD; sendfile's offset and errnos; splice
 * between TCP and a pipe, and its stop at the urgent byte.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { linuxFixture, outcome, sameOutcome } from "../helpers/linux-fixture.js";
import { twoHosts } from "../helpers/tcp.js";
import { establishedPair } from "../helpers/vocabulary.js";
import { ms } from "../../src/core/time.js";
import type { Process } from "../../src/sys/process.js";
import { lsof } from "../../src/tools/lsof.js";
import { SpinError } from "../../src/sys/spin.js";
import { snapshot } from "../../src/tools/snapshot.js";
import type { PollFd } from "../../src/sys/select-poll.js";
import { POLLIN, POLLOUT, POLLPRI } from "../../src/core/poll-events.js";

const linux = linuxFixture(new URL("./files-linux.json", import.meta.url));
const bytes = (b: Uint8Array): number[] => [...b];
const POLL_ALL_ASKED = POLLIN | POLLOUT | POLLPRI;

test("files: open, read, write, lseek, pread/pwrite, unlink and the devices — as Linux", async () => {
  const { server } = twoHosts();
  const p = server.createProcess("files");
  const d = "/tmp/probe";
  assert.equal(server.fs.mkdirs(d), null, "the test directory is created");
  const f = `${d}/f`;
  const o = (what: string, got: unknown) => sameOutcome(got, linux(what), what);
  o("open missing O_RDONLY", await outcome(() => p.open(`${d}/missing`, "O_RDONLY")));
  o("open dir O_WRONLY", await outcome(() => p.open(d, "O_WRONLY")));
  o("open dir O_RDWR", await outcome(() => p.open(d, "O_RDWR")));
  const dfd = p.open(d, "O_RDONLY");
  o("read dir fd", await outcome(() => p.read(dfd, 10)));
  o("write dir fd", await outcome(() => p.write(dfd, "x")));
  await p.close(dfd);
  o("open in missing dir O_CREAT", await outcome(() => p.open(`${d}/nodir/x`, "O_CREAT|O_WRONLY", 0o644)));
  let fd = p.open(f, "O_CREAT|O_WRONLY|O_EXCL", 0o644);
  o("open O_CREAT|O_EXCL existing", await outcome(() => p.open(f, "O_CREAT|O_WRONLY|O_EXCL", 0o644)));
  o("open file as dir", await outcome(() => p.open(`${f}/x`, "O_RDONLY")));
  o("write 5", await p.write(fd, "hello"));
  o("read O_WRONLY", await outcome(() => p.read(fd, 5)));
  o("lseek SEEK_CUR after write", p.lseek(fd, 0, "SEEK_CUR"));
  o("lseek negative", await outcome(() => p.lseek(fd, -1, "SEEK_SET")));
  o("lseek bad whence", await outcome(() => p.lseek(fd, 0, 7)));
  o("lseek past end", p.lseek(fd, 10, "SEEK_SET"));
  await p.write(fd, "!");
  o("fstat size after hole", p.fstat(fd).st_size);
  o("lseek SEEK_END", p.lseek(fd, -2, "SEEK_END"));
  await p.close(fd);
  fd = p.open(f, "O_RDONLY");
  o("read with hole", bytes(await p.read(fd, 100)));
  o("read at EOF", bytes(await p.read(fd, 100)));
  o("write O_RDONLY", await outcome(() => p.write(fd, "x")));
  o("pread 3 at 1", bytes(await p.pread(fd, 3, 1)));
  o("position after pread", p.lseek(fd, 0, "SEEK_CUR"));
  o("pread negative offset", await outcome(() => p.pread(fd, 3, -1)));
  const pfd: PollFd[] = [{ fd, events: POLL_ALL_ASKED }];
  await p.poll(pfd, 0);
  o("poll regular file", pfd[0]!.revents);
  const ep = p.epoll_create1();
  o("epoll_ctl ADD regular file", await outcome(() => p.epoll_ctl(ep, "EPOLL_CTL_ADD", fd, { events: "EPOLLIN" })));
  await p.close(fd);
  fd = p.open(f, "O_WRONLY|O_APPEND");
  p.lseek(fd, 0, "SEEK_SET");
  await p.write(fd, "AB");
  o("O_APPEND position after write", p.lseek(fd, 0, "SEEK_CUR"));
  o("pwrite O_APPEND", await p.pwrite(fd, "Z", 0));
  o("size after pwrite O_APPEND", p.fstat(fd).st_size);
  await p.close(fd);
  fd = p.open(f, "O_RDWR|O_TRUNC");
  o("size after O_TRUNC", p.fstat(fd).st_size);
  await p.write(fd, "abc");
  o("unlink open file", await outcome(() => p.unlink(f)));
  p.lseek(fd, 0, "SEEK_SET");
  o("read after unlink", bytes(await p.read(fd, 10)));
  o("open after unlink", await outcome(() => p.open(f, "O_RDONLY")));
  await p.close(fd);
  o("unlink missing", await outcome(() => p.unlink(f)));
  o("unlink dir", await outcome(() => p.unlink(d)));
  const z = p.open("/dev/zero", "O_RDONLY");
  o("read /dev/zero 5", bytes(await p.read(z, 5)));
  o("lseek /dev/zero", p.lseek(z, 100, "SEEK_SET"));
  await p.close(z);
  const n = p.open("/dev/null", "O_RDWR");
  o("write /dev/null", await p.write(n, "abc"));
  o("read /dev/null", bytes(await p.read(n, 5)));
  o("epoll_ctl ADD /dev/null", await outcome(() => p.epoll_ctl(ep, "EPOLL_CTL_ADD", n, { events: "EPOLLIN" })));
  await p.close(n);
  o("close closed fd", await outcome(() => p.close(n)));
  assert.equal(p.fcntl(p.open("/tmp/probe/g", "O_CREAT|O_RDWR"), "F_GETFL"), 0o100002, "F_GETFL of a file: O_LARGEFILE|O_RDWR, as on 64-bit Linux");
});

/** poll results as the probe records them: sorted [fd, revents] pairs of the fds with events. */
async function polled(p: Process, fds: number[]): Promise<[number, number][]> {
  const list: PollFd[] = fds.map((fd) => ({ fd, events: POLLIN | POLLOUT }));
  await p.poll(list, 0);
  return list.filter((e) => e.revents).map((e): [number, number] => [e.fd, e.revents!]);
}

test("pipes: pages, EAGAIN, EOF, EPIPE, poll bits, FIONREAD, F_GETFL — as Linux", async () => {
  const { server } = twoHosts();
  const p = server.createProcess("pipes");
  const o = (what: string, got: unknown) => sameOutcome(got, linux(what), what);
  o("pipe2 bad flags", await outcome(() => p.pipe2(0x10)));
  const [r, w] = p.pipe2("O_NONBLOCK");
  assert.deepEqual([r, w], [3, 4], "the lowest free fds");
  o("F_GETPIPE_SZ", p.fcntl(r, "F_GETPIPE_SZ"));
  o("F_GETFL read end", p.fcntl(r, "F_GETFL"));
  o("F_GETFL write end", p.fcntl(w, "F_GETFL"));
  o("read empty nonblocking", await outcome(() => p.read(r, 10)));
  // The probe's fds were 4 and 5 (Python holds 3): compare revents by end.
  const ends = async () => (await polled(p, [r, w])).map(([fd, ev]) => [fd === r ? 4 : 5, ev]);
  o("poll empty pipe", await ends());
  o("write 70000 nonblocking", await p.write(w, new Uint8Array(70000)));
  o("write to full pipe", await outcome(() => p.write(w, "y")));
  o("FIONREAD full pipe", p.ioctl(r, "FIONREAD"));
  o("poll full pipe", await ends());
  o("read from write end", await outcome(() => p.read(w, 1)));
  o("write to read end", await outcome(() => p.write(r, "x")));
  o("lseek pipe", await outcome(() => p.lseek(r, 0, "SEEK_SET")));
  o("pread pipe", await outcome(() => p.pread(r, 1, 0)));
  o("read 1 from full", (await p.read(r, 1)).length);
  o("write 1 after reading 1", await outcome(() => p.write(w, "y")));
  o("write 2 after reading 1 more", [(await p.read(r, 1)).length, await outcome(() => p.write(w, "yy"))]);
  o("read 4094 then write 4096", [(await p.read(r, 4094)).length, await outcome(() => p.write(w, new Uint8Array(4096)))]);
  o("read everything", (await p.read(r, 200000)).length);
  o("write 5000 to empty pipe", await p.write(w, new Uint8Array(5000)));
  o("write 4000 after 5000", await outcome(() => p.write(w, new Uint8Array(4000))));
  o("FIONREAD after 9000", p.ioctl(r, "FIONREAD"));
  await p.close(w);
  o("poll read end, writer closed, data left", (await polled(p, [r]))[0]![1]);
  o("read rest", (await p.read(r, 20000)).length);
  o("read after writer closed", bytes(await p.read(r, 10)));
  o("poll read end, writer closed, empty", (await polled(p, [r]))[0]![1]);
  await p.close(r);
  const [r2, w2] = p.pipe();
  await p.close(r2);
  o("poll write end, reader closed", (await polled(p, [w2]))[0]![1]);
  o("write, reader closed", await outcome(() => p.write(w2, "x")));
  await p.close(w2);
  const [r3, w3] = p.pipe2("O_CLOEXEC");
  o("pipe2 O_CLOEXEC FD_CLOEXEC", p.fcntl(r3, "F_GETFD"));
  const ep = p.epoll_create1();
  o("epoll_ctl ADD pipe", await outcome(() => p.epoll_ctl(ep, "EPOLL_CTL_ADD", r3, { events: "EPOLLIN" })));
  await p.close(r3);
  await p.close(w3);
});

test("pipes: a blocking read waits for the writer, a blocking write for the reader; epoll sees both", async () => {
  const { net, server } = twoHosts();
  const p = server.createProcess("blocking");
  const [r, w] = p.pipe();
  const ep = p.epoll_create1();
  p.epoll_ctl(ep, "EPOLL_CTL_ADD", r, { events: "EPOLLIN" });
  const got = p.read(r, 100);
  const t = p.thread(async (q) => {
    await net.advance(ms(10));
    return q.write(w, "hello");
  });
  assert.equal(new TextDecoder().decode(await got), "hello", "the read returns what the writer wrote");
  assert.equal(await t.join(), 5, "the write took 5 bytes");
  assert.deepEqual(await p.epoll_wait(ep, 4, 0), [], "nothing left to read: epoll reports nothing");
  await p.write(w, new Uint8Array(65536));
  const big = p.write(w, new Uint8Array(10));
  let done = false;
  void big.then(() => (done = true));
  await net.advance(ms(5));
  assert.equal(done, false, "a blocking write to a full pipe waits");
  assert.deepEqual((await p.epoll_wait(ep, 4, 0)).map((e) => e.data), [r], "the full pipe is readable");
  assert.equal((await p.read(r, 4096)).length, 4096, "a page drained");
  assert.equal(await big, 10, "the blocked write completes once a page frees");
});

test("pipes: fork shares the ends; EOF only when every write end is closed", async () => {
  const { net, server } = twoHosts();
  const p = server.createProcess("parent");
  const [r, w] = p.pipe();
  p.fork(async (c) => {
    await c.close(r);
    await c.write(w, "from child\n");
    await c.close(w);
    return 0;
  });
  const first = await p.read(r, 100);
  assert.equal(new TextDecoder().decode(first), "from child\n", "the parent reads the child's line");
  let eof = false;
  const next = p.read(r, 100).then((d) => (eof = d.length === 0));
  await net.advance(ms(5));
  assert.equal(eof, false, "the parent's own write end keeps the pipe open");
  await p.close(w);
  await next;
  assert.equal(eof, true, "EOF once the last write end closed");
});

/** A connected TCP pair: the server's accepted fd `a` and the client's fd `cfd`. */
async function tcpPair() {
  const { net, sp: s, cp: c, sfd: a, cfd } = await establishedPair({ port: 8080 });
  return { net, s, c, a, cfd };
}

test("sendfile: the offset pointer, the file position, short counts and errnos — as Linux", async () => {
  const { net, s, c, a, cfd } = await tcpPair();
  const o = (what: string, got: unknown) => sameOutcome(got, linux(what), what);
  assert.equal(s.fs.writeFile("/tmp/five", new Uint8Array(5)), null, "the file is written");
  const fd = s.open("/tmp/five", "O_RDONLY");
  const off: [number] = [0];
  o("sendfile with offset 0", await s.sendfile(a, fd, off, 5));
  assert.deepEqual(off, [5], "the offset pointer moved past the bytes sent");
  o("position after sendfile with offset", s.lseek(fd, 0, "SEEK_CUR"));
  o("sendfile without offset 3", await s.sendfile(a, fd, null, 3));
  o("position after sendfile without offset", s.lseek(fd, 0, "SEEK_CUR"));
  o("sendfile past EOF", await s.sendfile(a, fd, null, 10));
  o("sendfile at EOF", await s.sendfile(a, fd, null, 10));
  o("sendfile offset beyond EOF", await s.sendfile(a, fd, 100, 10));
  o("sendfile negative offset", await outcome(() => s.sendfile(a, fd, -1, 5)));
  await net.advance(ms(50));
  o("received by peer", (await c.recv(cfd, 100)).length);
  const [r, w] = s.pipe();
  o("sendfile from pipe", await outcome(() => s.sendfile(a, r, null, 5)));
  o("sendfile from socket", await outcome(() => s.sendfile(a, a, null, 5)));
  const wfd = s.open("/tmp/five", "O_WRONLY");
  o("sendfile from O_WRONLY file", await outcome(() => s.sendfile(a, wfd, 0, 5)));
  o("sendfile to O_RDONLY file", await outcome(() => s.sendfile(fd, fd, 0, 5)));
  const gfd = s.open("/tmp/copy", "O_CREAT|O_RDWR", 0o644);
  o("sendfile file to file", await s.sendfile(gfd, fd, 0, 5));
  o("sendfile to pipe", await s.sendfile(w, fd, 0, 5));
  o("sendfile count 0", await s.sendfile(a, fd, 0, 0));
  o("sendfile bad in_fd", await outcome(() => s.sendfile(a, 999, 0, 5)));
  const z = s.open("/dev/zero", "O_RDONLY");
  const nul = s.open("/dev/null", "O_RDONLY");
  o("sendfile /dev/zero to socket", await outcome(() => s.sendfile(a, z, null, 10)));
  o("sendfile /dev/zero with offset to socket", await outcome(() => s.sendfile(a, z, 5, 10)));
  o("sendfile /dev/null to socket", await outcome(() => s.sendfile(a, nul, null, 10)));
  o("sendfile /dev/zero to pipe", await outcome(() => s.sendfile(w, z, null, 10)));
  o("sendfile dir to socket", await outcome(() => s.sendfile(a, s.open("/tmp", "O_RDONLY"), null, 10)));
  assert.equal(s.lseek(z, 0, "SEEK_CUR"), 0, "/dev/zero's position stays 0");
  await net.advance(ms(50));
  o("received /dev/zero bytes", (await c.recv(cfd, 100)).length);
});

test("splice: TCP ↔ pipe, file ↔ pipe, the errnos, and the stop at the urgent byte — as Linux", async () => {
  const { net, s, c, a, cfd } = await tcpPair();
  const o = (what: string, got: unknown) => sameOutcome(got, linux(what), what);
  s.fs.writeFile("/tmp/five", new Uint8Array(5));
  const fd = s.open("/tmp/five", "O_RDONLY");
  s.lseek(fd, 5, "SEEK_SET");
  const gfd = s.open("/tmp/copy", "O_CREAT|O_RDWR", 0o644);
  await s.close(gfd);
  const [r, w] = s.pipe();
  await c.sendall(cfd, "abcdefgh");
  await net.advance(ms(50));
  o("splice socket to pipe 5", await s.splice(a, null, w, null, 5));
  o("FIONREAD pipe after splice", s.ioctl(r, "FIONREAD"));
  // The probe spliced to the peer's socket on the same host; here the pipe → socket step sends to the client.
  o("splice pipe to socket", await s.splice(r, null, a, null, 100));
  await net.advance(ms(50));
  // (Linux's 8 is these 5 plus the 3 left in the socket: the probe's peer was the splicing socket itself.)
  assert.equal(new TextDecoder().decode(await c.recv(cfd, 100)), "abcde", "the client got the 5 spliced bytes");
  assert.equal(new TextDecoder().decode(await s.recv(a, 100)), "fgh", "the 3 bytes not spliced are still queued");
  o("splice socket to socket", await outcome(() => s.splice(a, null, a, null, 3)));
  o("splice socket to pipe with offset", await outcome(() => s.splice(a, 0, w, null, 3)));
  o("splice pipe to itself", await outcome(() => s.splice(r, null, w, null, 3)));
  o("splice to read end", await outcome(() => s.splice(a, null, r, null, 3)));
  o("splice from write end", await outcome(() => s.splice(w, null, a, null, 3)));
  o("splice len 0", await s.splice(a, null, w, null, 0));
  o("splice file to pipe", await s.splice(fd, [1], w, null, 3));
  o("position after splice with offset", s.lseek(fd, 0, "SEEK_CUR"));
  o("splice pipe to file", await s.splice(r, null, s.open("/tmp/copy", "O_WRONLY"), null, 3));
  o("splice empty pipe nonblocking", await outcome(() => s.splice(r, null, a, null, 3, "SPLICE_F_NONBLOCK")));
  s.fcntl(r, "F_SETFL", "O_NONBLOCK");
  o("splice empty O_NONBLOCK pipe", await outcome(() => s.splice(r, null, a, null, 3)));
  s.fcntl(r, "F_SETFL", 0);
  // SPLICE_F_NONBLOCK does not reach the socket: an empty blocking socket blocks.
  let returned = false;
  const blocked = s.splice(a, null, w, null, 3, "SPLICE_F_NONBLOCK").then(() => (returned = true), () => (returned = true));
  await net.advance(ms(300));
  assert.equal(returned ? "returned" : "blocks", linux("splice empty socket nonblocking"), "splice empty socket nonblocking: Linux blocks");
  await c.send(cfd, "x");
  await net.advance(ms(50));
  await blocked;
  assert.equal((await s.read(r, 10)).length, 1, "the blocked splice moved the byte that came");
  await s.close(w);
  o("splice empty pipe, writer closed", await s.splice(r, null, a, null, 3));
  await s.close(r);

  // The urgent byte: 100 bytes, the last one urgent.
  await c.send(cfd, new Uint8Array(99).fill(0x75));
  await c.send(cfd, "U", "MSG_OOB");
  await net.advance(ms(50));
  const [r2, w2] = s.pipe();
  o("urgent: splice 99", await s.splice(a, null, w2, null, 99));
  o("urgent: splice 1 at the urgent byte", await s.splice(a, null, w2, null, 1));
  o("urgent: splice 1 nonblocking", await s.splice(a, null, w2, null, 1, "SPLICE_F_NONBLOCK"));
  assert.equal(new TextDecoder().decode(await s.recv(a, 1, "MSG_OOB")), linux("urgent: recv MSG_OOB"), "urgent: recv MSG_OOB gives the urgent byte");
  o("urgent: pipe holds", (await s.read(r2, 200)).length);
  await c.send(cfd, new Uint8Array(10).fill(0x76));
  await net.advance(ms(50));
  o("urgent: splice after OOB read", await s.splice(a, null, w2, null, 100));
  o("urgent: recv after the mark", (await s.recv(a, 100)).length);
  await c.send(cfd, "more");
  await net.advance(ms(50));
  assert.equal(await s.splice(a, null, w2, null, 100), 4, "past the mark, splice moves data again");
  await s.read(r2, 100);
  // SO_OOBINLINE: the urgent byte stays in the stream, and splice still stops before it.
  s.setsockopt(a, "SOL_SOCKET", "SO_OOBINLINE", 1);
  await c.send(cfd, new Uint8Array(9).fill(0x69));
  await c.send(cfd, "I", "MSG_OOB");
  await c.send(cfd, new Uint8Array(5).fill(0x6a));
  await net.advance(ms(50));
  o("inline: splice 100", await s.splice(a, null, w2, null, 100));
  o("inline: splice at the urgent byte", await s.splice(a, null, w2, null, 100));
  assert.equal(new TextDecoder().decode(await s.recv(a, 1)), linux("inline: recv 1 at the mark"), "inline: recv reads the urgent byte in the stream");
  o("inline: splice after the mark", await s.splice(a, null, w2, null, 100));
  await s.read(r2, 1000);
  await c.close(cfd);
  await net.advance(ms(50));
  o("splice socket at EOF", await s.splice(a, null, w2, null, 10));
});

test("lsof lists files and pipe ends as lsof 4.95 prints them: REG with size, DIR, CHR, FIFO pipe, (deleted)", async () => {
  const { server } = twoHosts();
  const p = server.createProcess("files");
  const [r, w] = p.pipe();
  const f = p.open("/tmp/f", "O_CREAT|O_RDWR");
  await p.write(f, "hello");
  const ro = p.open("/tmp/f", "O_RDONLY");
  const z = p.open("/dev/zero", "O_RDONLY");
  const n = p.open("/dev/null", "O_WRONLY");
  const d = p.open("/tmp", "O_RDONLY");
  p.unlink("/tmp/f");
  const text = lsof(snapshot(server), `-p ${p.pid}`);
  const rows = text.split("\n").slice(1).filter((l) => / [3-9][rwu] /.test(l)).map((l) => l.trim().split(/\s+/).slice(3).join(" "));
  assert.deepEqual(rows, [
    `${r}r FIFO 0,15 0t0 ${p.fstat(r).st_ino} pipe`,
    `${w}w FIFO 0,15 0t0 ${p.fstat(w).st_ino} pipe`,
    `${f}u REG 254,0 5 ${p.fstat(f).st_ino} /tmp/f (deleted)`,
    `${ro}r REG 254,0 5 ${p.fstat(ro).st_ino} /tmp/f (deleted)`,
    `${z}r CHR 1,5 0t0 4 /dev/zero`,
    `${n}w CHR 1,3 0t0 3 /dev/null`,
    `${d}r DIR 254,0 4096 ${p.fstat(d).st_ino} /tmp`,
  ], `lsof's rows for the files and pipe ends:\n${text}`);
});

test("sendfile: a 200 kB file crosses a blocking socket intact (64 KiB chunks); a non-blocking socket takes what fits, then EAGAIN", async () => {
  const { net, s, c, a, cfd } = await tcpPair();
  const data = new Uint8Array(200_000).map((_, i) => (i * 7 + (i >> 8)) & 0xff);
  s.fs.writeFile("/tmp/big", data);
  const fd = s.open("/tmp/big", "O_RDONLY");
  const got: Uint8Array[] = [];
  let n = 0;
  const reader = c.thread(async (q) => {
    while (n < data.length) {
      const d = await q.recv(cfd, 65536);
      if (d.length === 0) break;
      got.push(d);
      n += d.length;
    }
  });
  const sending = s.sendfile(a, fd, null, data.length);
  await net.advance(ms(500));
  assert.equal(await sending, data.length, "a blocking sendfile sends the whole file");
  assert.equal(s.lseek(fd, 0, "SEEK_CUR"), data.length, "the position moved to the end");
  await reader.join();
  const all = new Uint8Array(n);
  let o = 0;
  for (const g of got) {
    all.set(g, o);
    o += g.length;
  }
  assert.deepEqual(all, data, "the peer received the file's bytes in order");

  s.fcntl(a, "F_SETFL", "O_NONBLOCK");
  s.setsockopt(a, "SOL_SOCKET", "SO_SNDBUF", 16384); // a fixed, small send buffer (autotuning grew it)
  const off: [number] = [0];
  const first = await s.sendfile(a, fd, off, data.length);
  assert.ok(first > 0 && first < data.length, `a non-blocking socket takes part of the file (took ${first})`);
  assert.equal(off[0], first, "the offset pointer moved by what was sent");
  await assert.rejects(s.sendfile(a, fd, off, data.length), /Resource temporarily unavailable/, "a full send buffer: EAGAIN");
  assert.equal(off[0], first, "EAGAIN leaves the offset");
});

test("a blocked pipe read wakes when the writer closes, a blocked splice when data comes; nothing spins", async () => {
  const { net, s, c, a, cfd } = await tcpPair();
  const [r, w] = s.pipe();
  let eof = -1;
  const reading = s.thread(async (q) => (eof = (await q.read(r, 10)).length));
  await net.advance(ms(10));
  assert.equal(eof, -1, "the read waits");
  await s.close(w);
  await net.advance(ms(1));
  await reading.join();
  assert.equal(eof, 0, "EOF when the only writer closed");
  const [r2, w2] = s.pipe();
  let moved = -1;
  const splicing = s.thread(async (q) => (moved = await q.splice(a, null, w2, null, 100)));
  await net.advance(ms(100));
  assert.equal(moved, -1, "splice from an empty blocking socket waits");
  await c.send(cfd, "abc");
  await net.advance(ms(50));
  await splicing.join();
  assert.equal(moved, 3, "the bytes that came were spliced");
  assert.equal(new TextDecoder().decode(await s.read(r2, 10)), "abc", "they are in the pipe");
  await c.close(cfd);
  await net.advance(ms(50));
  assert.equal(await s.splice(a, null, w2, null, 100), 0, "end of stream: 0");
});

test("a program that retries splice at the urgent byte (the loop Linux once ran in the kernel) is stopped by the spin detector", async () => {
  const { net, s, c, a, cfd } = await tcpPair();
  await c.send(cfd, new Uint8Array(9));
  await c.send(cfd, "U", "MSG_OOB");
  await net.advance(ms(50));
  const [, w] = s.pipe();
  let calls = 0;
  s.thread(async (q) => {
    for (;;) if ((await q.splice(a, null, w, null, 100)) === 0 && ++calls > 1e6) return; // 9 bytes, then 0 forever
  });
  const e = await net.run().then(() => null, (x: unknown) => x);
  assert.ok(e instanceof SpinError, `the loop is reported as a spin: ${String(e)}`);
  assert.match(e.message, /is stuck in splice\(/, "the spin names splice");
  assert.ok(calls > 0 && calls < 1e6, `the loop was stopped (${calls} calls returned 0)`);
});

test("splice from other sockets — a UDP datagram per call, cut to the length; AF_UNIX stream bytes and EOF — as Linux", async () => {
  const { net, s, c } = await tcpPair();
  const o = (what: string, got: unknown) => sameOutcome(got, linux(what), what);
  const [r, w] = s.pipe();
  const u = s.socket("AF_INET", "SOCK_DGRAM");
  s.bind(u, ["10.0.0.2", 7000]);
  const v = c.socket("AF_INET", "SOCK_DGRAM");
  await c.sendto(v, "hello", 0, ["10.0.0.2", 7000]);
  await c.sendto(v, "world!", 0, ["10.0.0.2", 7000]);
  await net.advance(ms(50));
  o("udp: splice 100", await s.splice(u, null, w, null, 100));
  o("udp: splice 3 of a 6-byte datagram", await s.splice(u, null, w, null, 3));
  let returned = false;
  void s.splice(u, null, w, null, 3, "SPLICE_F_NONBLOCK").then(() => (returned = true), () => (returned = true));
  await net.advance(ms(300));
  assert.equal(returned ? "returned" : "blocks", linux("udp: splice empty nonblocking socket"), "udp: an empty blocking socket blocks despite SPLICE_F_NONBLOCK");
  assert.equal(new TextDecoder().decode(await s.read(r, 100)), linux("udp: pipe holds"), "udp: the pipe holds the datagrams, the second cut to 3 bytes");
  const [x, y] = s.socketpair("AF_UNIX", "SOCK_STREAM");
  await s.send(y, "abcdef");
  o("unix: splice 4", await s.splice(x, null, w, null, 4));
  await s.close(y);
  o("unix: splice after peer closed", await s.splice(x, null, w, null, 4));
  o("unix: splice at EOF", await s.splice(x, null, w, null, 4));
});
