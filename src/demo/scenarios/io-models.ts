/**
 * Demo `io-models`: the same echo service written six ways (seed 4's
 * servers, H1–H4, E8, D7) — iterative, a thread per connection, a process
 * per connection (fork), select, poll and epoll — each on its own port of
 * one server host, each with the same three clients: a slow one that
 * keeps its connection for 400 ms between two requests, and two that
 * arrive 10 ms later with one request each.
 *
 * What each costs is read from the system-call trace and the host
 * snapshot, not asserted: the tasks (processes and threads) the model
 * uses, the fds it holds, the system calls it makes per request, and
 * where each task waits at one instant (the calls entered and not yet
 * returned). The iterative server's head-of-line blocking shows in the
 * clients' reply times: the two late clients wait for the slow one.
 */
import { EPOLLIN } from "../../sys/epoll.js";
import { POLLIN } from "../../core/poll-events.js";
import { ms, sec } from "../../core/time.js";
import type { Process } from "../../sys/process.js";
import { FdSet, type PollFd } from "../../sys/select-poll.js";
import { straceName } from "../../sys/strace.js";
import type { SyscallEvent, SyscallRecord } from "../../sys/syscall-boundary.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { twoHosts } from "../kit.js";

/** The six servers: name, port, how it serves. */
const MODELS = [
  { name: "iterative", port: 7001, en: "iterative: accept, serve until EOF, accept the next (H1)", zh: "迭代：accept，服务到 EOF，再 accept 下一个（H1）" },
  { name: "threads", port: 7002, en: "a thread per connection (H2)", zh: "每连接一个线程（H2）" },
  { name: "forking", port: 7003, en: "a process per connection: fork, the child serves, the parent reaps (H3)", zh: "每连接一个进程：fork，子进程服务，父进程回收（H3）" },
  { name: "select", port: 7004, en: "one process, select() over an fd_set (E8)", zh: "单进程，对 fd_set 调用 select()（E8）" },
  { name: "poll", port: 7005, en: "one process, poll() over an array of pollfd (E8)", zh: "单进程，对 pollfd 数组调用 poll()（E8）" },
  { name: "epoll", port: 7006, en: "one process, epoll_wait() on an epoll instance (H4)", zh: "单进程，在 epoll 实例上 epoll_wait()（H4）" },
] as const;

/** Reads one chunk and echoes it; false at EOF (the fd is then closed). */
async function echoOnce(p: Process, fd: number): Promise<boolean> {
  const b = await p.recv(fd, 100);
  if (b.length === 0) {
    await p.close(fd);
    return false;
  }
  await p.send(fd, b);
  return true;
}

async function serveUntilEof(p: Process, fd: number): Promise<void> {
  while (await echoOnce(p, fd));
}

function listenOn(p: Process, port: number): number {
  const l = p.socket("AF_INET", "SOCK_STREAM");
  p.bind(l, ["0.0.0.0", port]);
  p.listen(l, 16);
  return l;
}

const servers: Record<(typeof MODELS)[number]["name"], (p: Process, port: number) => Promise<void>> = {
  async iterative(p, port) {
    const l = listenOn(p, port);
    for (;;) {
      const { fd } = await p.accept(l);
      await serveUntilEof(p, fd);
    }
  },
  async threads(p, port) {
    const l = listenOn(p, port);
    for (;;) {
      const { fd } = await p.accept(l);
      p.thread((t) => serveUntilEof(t, fd));
    }
  },
  async forking(p, port) {
    const l = listenOn(p, port);
    p.signal("SIGCHLD", () => void (async () => {
      while ((await p.waitpid(-1, "WNOHANG")) !== null);
    })().catch(() => {}));
    for (;;) {
      const { fd } = await p.accept(l);
      p.fork(async (c) => {
        await c.close(l);
        await serveUntilEof(c, fd);
        return 0;
      });
      await p.close(fd);
    }
  },
  async select(p, port) {
    const l = listenOn(p, port);
    const all = new FdSet();
    all.set(l);
    let maxfd = l;
    for (;;) {
      const r = all.copy();
      await p.select(maxfd + 1, r, null, null, null);
      if (r.isSet(l)) {
        const { fd } = await p.accept(l);
        all.set(fd);
        maxfd = Math.max(maxfd, fd);
      }
      for (let fd = l + 1; fd <= maxfd; fd++) if (r.isSet(fd) && !(await echoOnce(p, fd))) all.clear(fd);
    }
  },
  async poll(p, port) {
    const l = listenOn(p, port);
    const fds: PollFd[] = [{ fd: l, events: POLLIN, revents: 0 }];
    for (;;) {
      await p.poll(fds, -1);
      for (const f of [...fds]) {
        if (!f.revents) continue;
        if (f.fd === l) {
          const { fd } = await p.accept(l);
          fds.push({ fd, events: POLLIN, revents: 0 });
        } else if (!(await echoOnce(p, f.fd))) fds.splice(fds.indexOf(f), 1);
      }
    }
  },
  async epoll(p, port) {
    const l = listenOn(p, port);
    const ep = p.epoll_create1();
    p.epoll_ctl(ep, "EPOLL_CTL_ADD", l, { events: EPOLLIN });
    for (;;) {
      for (const ev of await p.epoll_wait(ep, 64, -1)) {
        if (ev.data === l) {
          const { fd } = await p.accept(l);
          p.epoll_ctl(ep, "EPOLL_CTL_ADD", fd, { events: EPOLLIN });
        } else if (!(await echoOnce(p, ev.data as number))) {
          // close() removed it from the interest list (the last reference to the socket)
        }
      }
    }
  },
};

/** What a model cost, from the trace and the snapshot. */
interface Cost {
  tasks: Set<number>;
  processes: Set<number>;
  syscalls: number;
  waits: string[];
  fds: number;
}

/** The `io-models` scenario. */
export const ioModelsDemo: DemoScenario = {
  name: "io-models",
  summary: {
    en: "one echo service six ways — iterative, threads, fork, select, poll, epoll — with what each costs and the iterative server's head-of-line blocking",
    zh: "同一个回显服务的六种写法——迭代、线程、fork、select、poll、epoll——各自的开销，以及迭代服务器的队头阻塞",
  },
  seeds: ["H1", "H2", "H3", "H4", "E8", "D7", "A2"],
  async run(d: DemoContext): Promise<void> {
    const { net, client, server } = twoHosts(d, { show: () => false });
    d.title(`sockstack demo io-models (seed ${d.seed})`);
    d.say(
      "client 10.0.0.1 ---- server 10.0.0.2 (1 ms one way). The server host runs the same echo\n" +
        "service six times, written six ways:\n" +
        MODELS.map((m) => `  :${m.port}  ${m.name.padEnd(9)}  ${m.en}`).join("\n"),
      "client 10.0.0.1 ---- server 10.0.0.2（单向 1 毫秒）。服务器主机上把同一个回显服务运行了六份，\n" +
        "用六种方式写成：\n" +
        MODELS.map((m) => `  :${m.port}  ${m.name.padEnd(9)}  ${m.zh}`).join("\n"),
    );
    d.say(
      "Each gets the same three clients: `slow` connects at 0 ms, sends a line, and sends a second one\n" +
        "400 ms later before closing; `b` and `c` connect at 10 ms, send one line each, read the echo,\n" +
        "and close 100 ms later. Every system call of the servers is counted.",
      "每个服务都迎来同样的三个客户端：`slow` 在 0 毫秒连接、发一行，400 毫秒后再发第二行然后关闭；\n" +
        "`b` 和 `c` 在 10 毫秒连接，各发一行、读回显，100 毫秒后关闭。服务端的每个系统调用都被计数。",
    );
    // The cost ledger: every server-side call, by model (the process name; forked children keep it).
    const costs = new Map<string, Cost>(MODELS.map((m) => [m.name, { tasks: new Set(), processes: new Set(), syscalls: 0, waits: [], fds: 0 }]));
    const pending = new Map<string, SyscallRecord>();
    const key = (r: SyscallRecord) => `${r.pid}/${r.tid}`;
    const stop = net.strace((ev: SyscallEvent) => {
      if (ev.kind === "exited") return;
      const r = ev.rec;
      if (r.host !== "server") return;
      const c = costs.get(r.process);
      if (!c) return;
      if (ev.kind === "enter") {
        pending.set(key(r), r);
        return;
      }
      pending.delete(key(r));
      c.syscalls++;
      c.tasks.add(r.tid);
      c.processes.add(r.pid);
    });
    for (const m of MODELS) server.spawn(m.name, (p) => servers[m.name](p, m.port));
    const replies = new Map<string, number>();
    for (const m of MODELS) {
      const one = (who: string, delay: number, lines: number, hold: number) =>
        client.spawn(`${who}-${m.port}`, async (p) => {
          await net.sleep(ms(delay));
          const fd = p.socket("AF_INET", "SOCK_STREAM");
          await p.connect(fd, ["10.0.0.2", m.port]);
          for (let i = 0; i < lines; i++) {
            if (i > 0) await net.sleep(ms(hold));
            const sent = net.now();
            await p.send(fd, `${who} ${i + 1}\n`);
            await p.recv(fd, 100);
            replies.set(`${m.name} ${who} ${i + 1}`, net.now() - sent);
          }
          if (lines === 1) await net.sleep(ms(hold));
          await p.close(fd);
        });
      one("slow", 0, 2, 400);
      one("b", 10, 1, 100);
      one("c", 10, 1, 100);
    }

    await d.section("1. 50 ms: who waits where (D7)", "1. 50 毫秒：谁在哪里等待（D7）");
    await net.advance(ms(50));
    const snap = d.show(server, "ss -ltn");
    d.show(server, "ss -tnp state established '( sport = :7001 or sport = :7002 or sport = :7003 )'");
    for (const r of [...pending.values()].sort((a, b) => a.tid - b.tid)) {
      const c = costs.get(r.process);
      if (c) c.waits.push(`${r.tid === r.pid ? `${r.process}[${r.pid}]` : `${r.process}[${r.pid}] thread ${r.tid}`}: ${waitText(r)}`);
    }
    for (const m of MODELS) {
      const procs = snap.processes.filter((p) => p.name === m.name);
      costs.get(m.name)!.fds = procs.reduce((n, p) => n + p.fds.filter((f) => f.fd > 2).length, 0);
    }
    d.command("server", "# the system calls each server's tasks are blocked in (from the trace)");
    for (const m of MODELS) for (const w of costs.get(m.name)!.waits) d.output(w);
    const listen7001 = snap.sockets.find((s) => s.localPort === 7001 && s.listen);
    d.say(
      "Every blocked call sleeps on a wait queue: a socket's, or — for select, poll and epoll — the\n" +
        "queues of all the sockets watched at once. The iterative server sits in recvfrom() on the slow\n" +
        `client's socket; b and c completed their handshakes anyway (the kernel does that) and wait in\n` +
        `its accept queue (Recv-Q ${listen7001?.listen?.acceptQueue ?? "?"} on 7001), their requests unread. The thread server has one\n` +
        "thread per client blocked in recvfrom() and its main thread in accept(); the fork server the\n" +
        "same with processes. select, poll and epoll: one task, one call, every socket at once.",
      "每个阻塞的调用都睡在某个等待队列上：一个 socket 的，或者——对 select、poll、epoll 来说——同时睡在\n" +
        "所有被监视 socket 的队列上。迭代服务器卡在 slow 客户端 socket 的 recvfrom() 里；b 和 c 的握手照样\n" +
        `完成了（这是内核做的），它们在 accept 队列里等着（7001 的 Recv-Q 为 ${listen7001?.listen?.acceptQueue ?? "?"}），请求没人读。线程服务器\n` +
        "为每个客户端开了一个阻塞在 recvfrom() 的线程，主线程在 accept() 里；fork 服务器用进程做同样的事。\n" +
        "select、poll 和 epoll：一个任务、一个调用，同时等所有 socket。",
    );

    await d.section("2. Reply times: head-of-line blocking (H1)", "2. 回复时间：队头阻塞（H1）");
    await net.advance(sec(2));
    stop();
    d.command("client", "# time from send() to the echo, per server and client");
    d.output("server      slow 1   slow 2   b        c");
    const t = (k: string) => {
      const v = replies.get(k);
      return (v === undefined ? "-" : `${(v / 1000).toFixed(0)} ms`).padEnd(9);
    };
    for (const m of MODELS) d.output(`${m.name.padEnd(12)}${t(`${m.name} slow 1`)}${t(`${m.name} slow 2`)}${t(`${m.name} b 1`)}${t(`${m.name} c 1`)}`.trimEnd());
    const hb = ((replies.get("iterative b 1") ?? 0) / 1000).toFixed(0);
    const hc = ((replies.get("iterative c 1") ?? 0) / 1000).toFixed(0);
    d.say(
      `Everywhere an echo takes one round trip (2 ms) — except b and c on the iterative server: b\n` +
        `waited ${hb} ms, until slow closed, and c ${hc} ms, until b closed too. One slow client stalls everyone\n` +
        "behind it: the iterative server is correct only when each client is quick.",
      `所有地方的回显都只需一个往返（2 毫秒）——只有迭代服务器上的 b 和 c 例外：b 等了 ${hb} 毫秒，直到 slow\n` +
        `关闭；c 等了 ${hc} 毫秒，直到 b 也关闭。一个慢客户端让后面所有人都停下：迭代服务器只有在每个客户端\n` +
        "都很快时才算正确。",
    );

    await d.section("3. What each model costs (H1–H4, E8)", "3. 每种模型的开销（H1–H4, E8）");
    d.output("server     processes threads  fds at 50 ms  syscalls  per request");
    for (const m of MODELS) {
      const c = costs.get(m.name)!;
      const threads = c.tasks.size - c.processes.size;
      d.output(`${m.name.padEnd(11)}${String(c.processes.size).padEnd(10)}${String(threads).padEnd(9)}${String(c.fds).padEnd(14)}${String(c.syscalls).padEnd(10)}${(c.syscalls / 4).toFixed(1)}`);
    }
    d.say(
      "Four requests reached each server (slow's two, b's, c's). The thread and fork servers spend a\n" +
        "task per connection — memory and scheduling for each, and fork pays for a process, a copied fd\n" +
        "table and reaping (SIGCHLD, waitpid). select and poll use one task but make one extra call per\n" +
        "wake-up and, in the kernel, look at every watched fd each time (select is capped at FD_SETSIZE\n" +
        "1024 and nfds = max fd + 1). epoll registers each fd once (epoll_ctl) and epoll_wait returns\n" +
        "only the ready ones. The iterative server is the cheapest — and the only one that made b and c wait.",
      "每个服务器都收到四个请求（slow 两个，b、c 各一个）。线程和 fork 服务器每个连接花一个任务——各自\n" +
        "都要内存和调度，fork 还要付出一个进程、一份复制的 fd 表和回收（SIGCHLD、waitpid）的代价。select 和\n" +
        "poll 只用一个任务，但每次唤醒多一次调用，而且内核每次都要查看所有被监视的 fd（select 受 FD_SETSIZE\n" +
        "1024 的限制，nfds = 最大 fd + 1）。epoll 对每个 fd 只注册一次（epoll_ctl），epoll_wait 只返回就绪的。\n" +
        "迭代服务器最便宜——也是唯一让 b 和 c 等待的。",
    );

    await d.section("What you just saw", "刚才看到了什么");
    d.say(
      "- The kernel accepts connections before the program does: an iterative server's waiting clients\n" +
        "  sit in the accept queue, connected, unanswered (A2, H1).\n" +
        "- Concurrency by tasks (threads H2, processes H3): simple code, one blocked task per connection.\n" +
        "- Concurrency by multiplexing (select, poll E8; epoll H4): one task waits on many wait queues\n" +
        "  at once (D7) and serves whichever socket is ready.",
      "- 内核先于程序接受连接：迭代服务器门外的客户端都在 accept 队列里，已连接、无人应答（A2, H1）。\n" +
        "- 用任务实现并发（线程 H2、进程 H3）：代码简单，每个连接一个阻塞的任务。\n" +
        "- 用多路复用实现并发（select、poll E8；epoll H4）：一个任务同时等在多个等待队列上（D7），\n" +
        "  哪个 socket 就绪就服务哪个。",
    );
  },
};

/** A blocked call as strace would show it entering: `recvfrom(4, …)`, `select(7, [3 4 5 6], …)`. */
function waitText(r: SyscallRecord): string {
  const name = straceName(r.call);
  const a = r.args;
  switch (r.call) {
    case "accept":
    case "recv":
      return `${name}(${String(a[0])})`;
    case "select":
      return `${name}(${String(a[0])}, [${(a[1] as FdSet).fds().join(" ")}])`;
    case "poll":
      return `${name}([${(a[0] as PollFd[]).map((f) => f.fd).join(" ")}])`;
    case "epoll_wait":
      return `${name}(${String(a[0])})`;
    default:
      return `${name}()`;
  }
}
