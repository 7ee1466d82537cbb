/**
 * Demo `close-wait-leak`: a server that reads a client's request, sees
 * read() return 0 — and forgets to close (F4). Every such connection sits
 * in CLOSE-WAIT holding an fd; the client side lingers in FIN-WAIT-2 until
 * tcp_fin_timeout. With RLIMIT_NOFILE 16 the process runs out after 13
 * connections and accept() fails with EMFILE, "Too many open files",
 * while new connections keep completing in the kernel's accept queue.
 */
import { ms, sec } from "../../core/time.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { calls, errnoOf, twoHosts } from "../kit.js";

/** The `close-wait-leak` scenario. */
export const closeWaitLeakDemo: DemoScenario = {
  name: "close-wait-leak",
  summary: {
    en: "a server that never closes after the peer's FIN: CLOSE-WAIT piles up until accept fails with EMFILE",
    zh: "对端 FIN 之后从不 close 的服务器：CLOSE-WAIT 越积越多，直到 accept 报 EMFILE",
  },
  seeds: ["F4", "E6", "A4"],
  async run(d: DemoContext): Promise<void> {
    const { net, client, server } = twoHosts(d, { show: calls(["accept", "setrlimit"]) });
    d.title(`sockstack demo close-wait-leak (seed ${d.seed})`);
    d.say(
      "client 10.0.0.1 ---- server 10.0.0.2. The server runs with `ulimit -n 16` and handles\n" +
        "each client like this — read the request until read() returns 0, and then nothing:\n" +
        "    while ((n = read(cfd, buf, sizeof buf)) > 0) handle(buf, n);\n" +
        "    /* missing: close(cfd); */\n" +
        "A client connects every 100 ms, sends a line and closes.",
      "client 10.0.0.1 ---- server 10.0.0.2。服务端以 `ulimit -n 16` 运行，这样处理每个客户端——\n" +
        "读请求直到 read() 返回 0，然后什么也不做：\n" +
        "    while ((n = read(cfd, buf, sizeof buf)) > 0) handle(buf, n);\n" +
        "    /* 漏了：close(cfd); */\n" +
        "每 100 ms 有一个客户端连接，发一行数据，然后关闭。",
    );
    let acceptErr: string | null = null;
    server.spawn("leaky", async (p) => {
      p.setrlimit("RLIMIT_NOFILE", { soft: 16 });
      const lfd = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(lfd, ["0.0.0.0", 9090]);
      p.listen(lfd, 128);
      for (;;) {
        let cfd = -1;
        acceptErr = await errnoOf(async () => void (cfd = (await p.accept(lfd)).fd));
        if (acceptErr) {
          d.output(`leaky: accept: Too many open files`);
          await net.sleep(sec(3600));
          return;
        }
        while ((await p.recv(cfd, 4096)).length > 0);
        // the bug: no close(cfd)
      }
    });
    for (let i = 0; i < 15; i++) {
      client.spawn("client", async (p) => {
        await net.sleep(ms(100) * (i + 1));
        const fd = p.socket("AF_INET", "SOCK_STREAM");
        await p.connect(fd, ["10.0.0.2", 9090]);
        await p.send(fd, `request ${i}\n`);
        await p.close(fd);
      });
    }

    await d.section("1. The first connections: CLOSE-WAIT on the server (F4)", "1. 最初几个连接：服务端的 CLOSE-WAIT（F4）");
    await net.advance(ms(350));
    d.show(server, "ss -tanp");
    d.show(client, "ss -tano");
    d.say(
      "Each client closed; the server's read() returned 0 — and the program moved on. Its\n" +
        "sockets stay in CLOSE-WAIT: the kernel waits for the program's close(), which never\n" +
        "comes. The clients sit in FIN-WAIT-2 (60 s, tcp_fin_timeout, then they are gone).",
      "每个客户端都关闭了；服务端的 read() 返回了 0——然后程序就去处理下一个了。它的 socket\n" +
        "停留在 CLOSE-WAIT：内核在等程序调用 close()，而它永远不会来。客户端停在 FIN-WAIT-2\n" +
        "（60 秒，即 tcp_fin_timeout，之后消失）。",
    );

    await d.section("2. fd 15 is the last: accept() fails with EMFILE (F4, E6)", "2. fd 15 是最后一个：accept() 以 EMFILE 失败（F4, E6）");
    await net.advance(sec(2) - net.now());
    d.show(server, "lsof -p 1000");
    d.show(server, "ss -s");
    d.say(
      `fds 0-2 are the terminal, 3 the listener, 4-15 twelve leaked connections: with a limit\n` +
        `of 16 the next accept() fails with ${acceptErr ?? "?"}. The kernel still completes handshakes — the\n` +
        "new connections wait in the accept queue (Recv-Q of the LISTEN socket) — but the\n" +
        "program can take none of them: the server is dead while its process runs.",
      `fd 0-2 是终端，3 是监听 socket，4-15 是泄漏的 12 个连接：上限为 16 时，下一次 accept()\n` +
        `以 ${acceptErr ?? "?"} 失败。内核仍然在完成握手——新连接在全连接队列里等着（LISTEN socket 的\n` +
        "Recv-Q）——但程序一个也取不走：进程还在运行，服务却已经死了。",
    );
    d.show(server, "ss -tln");
  },
};
