/**
 * Demo `timeouts`: SO_RCVTIMEO on a listening socket is the accept timeout
 * of Java's ServerSocket.setSoTimeout (C1): a blocking accept() gives up
 * with EAGAIN after the time and the server may call it again. On a
 * connection it is the read timeout (C2, Python's settimeout): a client
 * that connects and never sends is dropped after 3 s.
 */
import { sec } from "../../core/time.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { calls, errnoOf, topology, twoHosts } from "../kit.js";

/** The `timeouts` scenario. */
export const timeoutsDemo: DemoScenario = {
  name: "timeouts",
  summary: {
    en: "SO_RCVTIMEO: accept() gives up after 2 s and is called again; a silent client dropped after 3 s",
    zh: "SO_RCVTIMEO：accept() 2 秒后超时并重新调用；不发数据的客户端 3 秒后被断开",
  },
  seeds: ["C1", "C2", "E6"],
  async run(d: DemoContext): Promise<void> {
    const { net, client, server } = twoHosts(d, { show: calls(["setsockopt", "accept", "recv", "close", "connect"]) });
    const topo = topology("1 ms");
    d.title(`sockstack demo timeouts (seed ${d.seed})`);
    d.say(topo.en, topo.zh);
    server.spawn("server", async (p) => {
      const lfd = p.socket("AF_INET", "SOCK_STREAM");
      p.setsockopt(lfd, "SOL_SOCKET", "SO_RCVTIMEO", { tv_sec: 2, tv_usec: 0 });
      p.bind(lfd, ["0.0.0.0", 9090]);
      p.listen(lfd, 8);
      for (;;) {
        let fd = -1;
        const e = await errnoOf(async () => void (fd = (await p.accept(lfd)).fd));
        if (e) {
          d.output(`server: accept timed out (${e}), accepting again`);
          continue;
        }
        p.setsockopt(fd, "SOL_SOCKET", "SO_RCVTIMEO", { tv_sec: 3, tv_usec: 0 });
        const r = await errnoOf(() => p.recv(fd, 100));
        if (r) d.output(`server: the client sent nothing for 3 s (${r}): closing it`);
        await p.close(fd);
      }
    });
    let clientSaw = "";
    client.spawn("client", async (p) => {
      await net.sleep(sec(5));
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      await p.connect(fd, ["10.0.0.2", 9090]);
      const b = await p.recv(fd, 100); // the silent client: it never sends, and learns of the close
      clientSaw = `read ${b.length}`;
    });

    await d.section("1. accept() with a 2 s timeout (C1)", "1. 带 2 秒超时的 accept()（C1）");
    await net.advance(sec(5) - 1);
    d.say(
      "SO_RCVTIMEO on the listening socket bounds each accept(): every 2 s it fails with\n" +
        "EAGAIN (\"Resource temporarily unavailable\" — Java throws SocketTimeoutException),\n" +
        "and the loop calls it again: the server can do other work between waits.",
      "监听 socket 上的 SO_RCVTIMEO 给每次 accept() 设了上限：每 2 秒它以 EAGAIN 失败\n" +
        "（\"Resource temporarily unavailable\"——Java 抛出 SocketTimeoutException），循环再调用\n" +
        "一次：服务端可以在两次等待之间做别的事。",
    );

    await d.section("2. A client that never sends (C2)", "2. 一个从不发数据的客户端（C2）");
    await net.advance(sec(10) - net.now());
    d.say(
      `The client connected at 5 s and sent nothing. The server's recv() waited 3 s (its\n` +
        `SO_RCVTIMEO) and failed with EAGAIN; the server closed the connection and went back\n` +
        `to accept(). The client's recv() saw the FIN: ${clientSaw}. Servers use this to drop\n` +
        "clients that hold a connection without using it.",
      `客户端在 5 秒时连接，什么也没发。服务端的 recv() 等了 3 秒（它的 SO_RCVTIMEO），以 EAGAIN\n` +
        `失败；服务端关闭了连接，回到 accept()。客户端的 recv() 收到了 FIN：${clientSaw}。服务器\n` +
        "用这种办法断开那些占着连接却不用的客户端。",
    );
    d.show(server, "ss -tan");
  },
};
