/**
 * Demo `fds`: file descriptors are per process (A9): two programs on one
 * host both get fd 3 for their first socket, after the terminal's 0, 1
 * and 2; a second listener on the same address and port fails with
 * EADDRINUSE (A10); closing an fd twice closes whatever took its number
 * in between — another thread's socket (F7); connect_ex returns the errno
 * instead of failing (E2); an AF_UNIX socketpair takes fds like any socket
 * (E7).
 */
import { ms } from "../../core/time.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { calls, errnoOf, topology, twoHosts } from "../kit.js";

/** The `fds` scenario. */
export const fdsDemo: DemoScenario = {
  name: "fds",
  summary: {
    en: "fds are per process: fd 3 twice, EADDRINUSE for a second listener, a double close hits another socket",
    zh: "文件描述符属于进程：两个进程都有 fd 3，第二个监听者 EADDRINUSE，重复 close 误关别人的 socket",
  },
  seeds: ["A9", "A10", "F7", "E2", "E7", "E6"],
  async run(d: DemoContext): Promise<void> {
    const { net, server } = twoHosts(d, { show: calls(["socket", "bind", "listen", "close", "connect_ex", "socketpair", "send"]) });
    const topo = topology("1 ms");
    d.title(`sockstack demo fds (seed ${d.seed})`);
    d.say(topo.en, topo.zh);

    await d.section("1. Two processes, both fd 3 (A9)", "1. 两个进程，都是 fd 3（A9）");
    const web = server.spawn("web", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(fd, ["0.0.0.0", 80]);
      p.listen(fd, 128);
      await net.sleep(ms(1_000_000));
    });
    void web;
    server.spawn("db", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(fd, ["127.0.0.1", 5432]);
      p.listen(fd, 128);
      const [a, b] = p.socketpair("AF_UNIX", "SOCK_STREAM");
      void a;
      void b;
      await net.sleep(ms(1_000_000));
    });
    await net.advance(ms(1));
    d.show(server, "lsof -p 1000,1001");
    d.say(
      "fd numbers belong to a process: web and db both got fd 3 for their first socket, because\n" +
        "0, 1 and 2 are stdin, stdout and stderr (the terminal) and a new fd takes the lowest\n" +
        "free number. The same number names different sockets in different processes. db's\n" +
        "socketpair(AF_UNIX) took 4 and 5: a same-host socket, no addresses, no packets (E7).",
      "文件描述符号属于进程：web 和 db 的第一个 socket 都是 fd 3，因为 0、1、2 是标准输入、\n" +
        "标准输出和标准错误（终端），新的 fd 总是取最小的空闲号。同一个号码在不同进程里指向\n" +
        "不同的 socket。db 的 socketpair(AF_UNIX) 得到了 4 和 5：本机内的 socket，没有地址，\n" +
        "也不产生数据包（E7）。",
    );

    await d.section("2. A second listener on port 80: EADDRINUSE (A10)", "2. 第二个监听 80 端口的进程：EADDRINUSE（A10）");
    server.spawn("web2", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      if (await errnoOf(() => p.bind(fd, ["0.0.0.0", 80]))) d.output("web2: bind: Address already in use");
    });
    await net.advance(ms(1));
    d.say(
      "Two sockets listening on the same address and port would leave the kernel unable to\n" +
        "tell which one an incoming SYN belongs to: bind() refuses (SO_REUSEPORT, set on both,\n" +
        "is the explicit way to share a port).",
      "如果两个 socket 监听同一个地址和端口，内核就无法判断进来的 SYN 该交给谁：bind() 拒绝了\n" +
        "（两边都设置 SO_REUSEPORT 才是共享端口的明确做法）。",
    );

    await d.section("3. close() twice: the number already names another socket (F7)", "3. close() 两次：这个号码已经指向另一个 socket（F7）");
    let victim: string | null = null;
    server.spawn("worker", async (p) => {
      const mine = p.socket("AF_INET", "SOCK_DGRAM");
      await p.close(mine); // thread 1 is done with its socket (fd 3)
      const t2 = p.thread(async (t) => {
        const logSock = t.socket("AF_INET", "SOCK_DGRAM"); // thread 2 opens its log socket: it gets fd 3 again
        await t.connect(logSock, ["127.0.0.1", 514]);
        await net.sleep(ms(10));
        victim = await errnoOf(() => t.send(logSock, "log line"));
        if (victim) d.output(`worker thread 2: send: Bad file descriptor`);
      }, "worker:2");
      await net.sleep(ms(5));
      await errnoOf(() => p.close(mine)); // the bug: thread 1 closes "its" fd 3 again
      await t2.join();
    });
    await net.advance(ms(20));
    d.say(
      `Thread 1 closed its socket, fd 3; thread 2 opened a socket and got the lowest free number:\n` +
        `3. Then thread 1 closed fd 3 "again" — and closed thread 2's socket, which failed with\n` +
        `${victim ?? "?"} on its next send. The second close did not fail. Never close an fd twice; set the\n` +
        "variable to -1 after close.",
      `线程 1 关闭了自己的 socket，fd 3；线程 2 新建一个 socket，拿到最小的空闲号：3。接着线程 1\n` +
        `“又”关闭了 fd 3——关掉的是线程 2 的 socket，线程 2 下一次 send 以 ${victim ?? "?"} 失败。而第二次\n` +
        "close 本身并没有报错。永远不要把一个 fd 关闭两次；close 之后把变量置为 -1。",
    );

    await d.section("4. connect_ex: the errno as a return value (E2)", "4. connect_ex：把 errno 作为返回值（E2）");
    server.spawn("probe", async (p) => {
      for (const port of [80, 81]) {
        const fd = p.socket("AF_INET", "SOCK_STREAM");
        const r = await p.connect_ex(fd, ["127.0.0.1", port]);
        d.output(`probe: connect_ex(127.0.0.1:${port}) = ${r}${r ? " (ECONNREFUSED)" : ""}`);
        await p.close(fd);
      }
    });
    await net.advance(ms(5));
    d.say(
      "connect_ex (Python's socket.connect_ex) returns 0 or the errno number — 111 is\n" +
        "ECONNREFUSED — instead of raising: handy for a port scan.",
      "connect_ex（Python 的 socket.connect_ex）返回 0 或 errno 的数值——111 即 ECONNREFUSED——\n" +
        "而不是抛出异常：做端口探测时很方便。",
    );
  },
};
