/**
 * Standard streams (issue 12 item 9): a test types into a process's fd 0
 * and reads what it wrote to fds 1 and 2, apart; the program reads fd 0
 * with read/recvLine/recvExactly and waits for it with select, poll and
 * epoll — the seed-2 chat server selects on stdin and a socket.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";
import { ms, sec } from "../../src/core/time.js";
import { SysError } from "../../src/core/sys-error.js";
import { POLLIN } from "../../src/core/poll-events.js";
import { FdSet } from "../../src/sys/select-poll.js";
import { O_NONBLOCK } from "../../src/socket/constants.js";
import { wrap } from "../../src/sys/wrappers.js";
import { lsof } from "../../src/tools/lsof.js";
import { snapshot } from "../../src/tools/snapshot.js";
import { connectTo, listenOn } from "../helpers/vocabulary.js";

const text = (d: Uint8Array) => new TextDecoder().decode(d);

function oneHost() {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  return { net, h };
}

test("stdin: read(0) gives one typed line per read (canonical mode), recvLine(0) and recvExactly(0) read it, EOF reads 0", async () => {
  const { net, h } = oneHost();
  const got: string[] = [];
  const p = h.spawn("reader", async (p) => {
    got.push(text(await p.read(0, 100)));
    got.push(await p.recvLine(0));
    got.push(text(await p.recvExactly(0, 6))); // crosses a line: two reads
    got.push(text(await p.read(0, 100)));
    got.push(text(await p.read(0, 3))); // at most n bytes of a long line
    got.push(text(await p.read(0, 100)));
    got.push(text(await p.read(0, 100))); // the partial last line, delivered by end()
    got.push(`eof:${(await p.read(0, 100)).length}`);
    got.push(`line:${JSON.stringify(await p.recvLine(0))}`);
  });
  p.stdin.write("one\ntwo\n");
  p.stdin.write("ab\ncdef\nlonger line\npart");
  assert.equal(p.stdin.pending, 32);
  await net.run();
  // "part" has no newline yet: the reader sleeps in read(0).
  assert.deepEqual(got, ["one\n", "two\n", "ab\ncde", "f\n", "lon", "ger line\n"]);
  assert.equal(p.running, true);
  p.stdin.end();
  await net.run();
  assert.deepEqual(got.slice(6), ["part", "eof:0", 'line:""']);
  assert.equal(p.exitCode, 0);
});

test("stdin: a partial line is not readable until its newline (select/poll see whole lines only)", async () => {
  const { net, h } = oneHost();
  const seen: [number, number][] = [];
  const p = h.spawn("poller", async (p) => {
    const fds = [{ fd: 0, events: POLLIN }];
    seen.push([await p.poll(fds, 0), net.now()]);
    seen.push([await p.poll(fds, -1), net.now()]);
    const r = FdSet.of(0);
    seen.push([await p.select(1, r, null, null, null), net.now()]);
    return text(await p.read(0, 100));
  });
  p.stdin.script([{ at: ms(10), data: "hel" }, { at: ms(20), data: "lo\n" }]);
  await net.run();
  assert.deepEqual(seen, [[0, 0], [1, ms(20)], [1, ms(20)]]);
  assert.equal(p.stdout.text, "");
});

test("the seed-2 chat server selects on stdin and a socket: typed lines go to the client, its messages are printed", async () => {
  const net = new Network({ seed: 1 });
  const a = net.addHost("client"), b = net.addHost("server");
  net.link(a, b, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(1) });
  const srv = b.spawn("chat-server", async (p) => {
    const l = listenOn(p, 5000, 1);
    const { fd } = await p.accept(l);
    for (;;) {
      const [r] = await p.selectLists([0, fd], [], [], null);
      if (r.includes(fd)) {
        const d = await p.recv(fd, 1024);
        if (d.length === 0) break;
        await p.write(1, `client says: ${text(d)}`);
      }
      if (r.includes(0)) {
        const line = await p.recvLine(0);
        if (line === "") {
          await p.write(2, "stdin closed\n");
          await p.close(fd);
          break;
        }
        await p.sendall(fd, line);
      }
    }
  });
  const cli = a.spawn("chat-client", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 5000);
    for (;;) {
      const line = await p.recvLine(fd);
      if (line === "") break;
      await p.write(1, `server says: ${line}`);
      await p.sendall(fd, `thanks for ${line}`);
    }
  });
  srv.stdin.script([
    { at: ms(100), data: "hello\n" },
    { at: ms(200), data: "how are you\n" },
    { at: sec(1), end: true },
  ]);
  const printed: string[] = [];
  const stop = srv.stdout.echo((l) => printed.push(l), (pid) => `[chat-server ${pid}] `);
  await net.run();
  stop();
  assert.equal(cli.stdout.text, "server says: hello\nserver says: how are you\n");
  assert.equal(srv.stdout.text, "client says: thanks for hello\nclient says: thanks for how are you\n");
  assert.equal(srv.stderr.text, "stdin closed\n");
  assert.deepEqual(printed, [`[chat-server ${srv.pid}] client says: thanks for hello`, `[chat-server ${srv.pid}] client says: thanks for how are you`]);
  assert.equal(srv.exitCode, 0);
  assert.equal(cli.exitCode, 0);
  // The chunks carry the writer and the virtual time.
  assert.deepEqual(srv.stdout.chunks.map((c) => [c.pid, c.at]), [[srv.pid, ms(100) + ms(2)], [srv.pid, ms(200) + ms(2)]]);
});

test("epoll on fd 0 reports typed lines; O_NONBLOCK on fd 0 gives EAGAIN", async () => {
  const { net, h } = oneHost();
  const log: string[] = [];
  const p = h.spawn("ep", async (p) => {
    const ep = p.epoll_create1();
    p.epoll_ctl(ep, "EPOLL_CTL_ADD", 0, { events: "EPOLLIN" });
    const evs = await p.epoll_wait(ep, 4, -1);
    log.push(`${net.now()} ${evs.map((e) => `${e.data}:${e.events}`).join()}`);
    p.fcntl(0, "F_SETFL", p.fcntl(0, "F_GETFL") | O_NONBLOCK);
    assert.equal(p.fcntl(0, "F_GETFL") & O_NONBLOCK, O_NONBLOCK);
    log.push(text(await p.read(0, 100)));
    await p.read(0, 100).catch((e: SysError) => log.push(e.message));
  });
  p.stdin.script([{ at: ms(5), data: "x\n" }]);
  await net.run();
  assert.deepEqual(log, [`${ms(5)} 0:${POLLIN}`, "x\n", "read: Resource temporarily unavailable"]);
  assert.equal(p.exitCode, 0);
});

test("stdout and stderr are captured apart; dup2(1, 2) merges them (2>&1); the screen shows both; writes to fd 0 go to stdout", async () => {
  const { net, h } = oneHost();
  const p = h.spawn("w", async (p) => {
    await p.write(1, "out 1\n");
    await p.write(2, "err 1\n");
    await p.write(0, "to fd 0\n");
    await p.dup2(1, 2);
    await p.write(2, "err 2\n");
  });
  await net.run();
  assert.equal(p.stdout.text, "out 1\nto fd 0\nerr 2\n");
  assert.deepEqual(p.stderr.lines(), ["err 1"]);
  assert.equal(p.tty.output, "out 1\nerr 1\nto fd 0\nerr 2\n");
});

test("a forked child shares its parent's streams, its writes tagged with its pid; echo prefixes by writer", async () => {
  const { net, h } = oneHost();
  let child = 0;
  const p = h.spawn("parent", async (p) => {
    await p.write(1, "parent ");
    child = p.fork(async (c) => {
      await c.write(1, "child line\n");
      return 0;
    });
    await p.wait();
    await p.write(1, "done\n");
  });
  const printed: string[] = [];
  const stop = p.stdout.echo((l) => printed.push(l), (pid) => `[${pid === p.pid ? "parent" : "child"} ${pid}] `);
  await net.run();
  stop();
  assert.equal(p.stdout.text, "parent child line\ndone\n");
  // Lines are assembled per writer, so an unfinished line of one process is not glued to another's.
  assert.deepEqual(printed, [`[child ${child}] child line`, `[parent ${p.pid}] parent done`]);
});

test("a wrap()ed call that fails prints perror's line on stderr", async () => {
  const { net, h } = oneHost();
  h.spawn("first", (p) => {
    listenOn(p, 7000);
    return new Promise(() => {});
  });
  const second = h.spawn("second", (p) => {
    const w = wrap(p);
    const fd = w.Socket("AF_INET", "SOCK_STREAM", 0);
    w.Bind(fd, ["0.0.0.0", 7000]);
  });
  await net.run(); // wrap.c's perr_exit: perror, then exit(1) — a failed program, not a crash
  assert.equal(second.exitCode, 1);
  assert.equal(second.stderr.text, "bind: Address already in use\n");
  assert.equal(second.stdout.text, "");
});

test("stdin.script: steps in order on the clock, past times at once, cancellable; write after end() throws", async () => {
  const { net, h } = oneHost();
  const lines: [string, number][] = [];
  const p = h.spawn("s", async (p) => {
    for (;;) {
      const l = await p.recvLine(0);
      if (l === "") break;
      lines.push([l, net.now()]);
    }
  });
  p.stdin.script([{ at: 0, data: "a\n" }, { at: ms(30), data: "b\n" }, { at: ms(10), data: "c\n" }]);
  const cancel = p.stdin.script([{ at: ms(50), data: "never\n" }]);
  p.stdin.script([{ at: ms(60), end: true }]);
  cancel();
  await net.run();
  assert.deepEqual(lines, [["a\n", 0], ["b\n", ms(30)], ["c\n", ms(30)]]);
  assert.equal(p.exitCode, 0);
  assert.throws(() => p.stdin.write("late\n"), /stdin: write after end\(\)/);
});

test("lsof still shows fds 0–2 as the terminal, fed or not", async () => {
  const { net, h } = oneHost();
  const p = h.spawn("tty", async (p) => {
    await p.recvLine(0);
    return new Promise(() => {});
  });
  p.stdin.write("x\n");
  await net.run();
  const out = lsof(snapshot(h), ["-p", String(p.pid)]);
  const rows = out.split("\n").filter((l) => l.includes("/dev/pts/0"));
  assert.equal(rows.length, 3, out);
  assert.match(rows[0]!, /\b0u\s+CHR\s+136,0\s+0t0\s+3 \/dev\/pts\/0/);
});
