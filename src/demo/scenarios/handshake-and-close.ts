/**
 * Demo `handshake-and-close`: one connection from SYN to TIME-WAIT, drawn
 * as a ladder with the states on the lifelines. The three-way handshake
 * inside connect() with random initial sequence numbers and ack = seq + 1
 * (G1); the four-way teardown inside close() — FIN-WAIT-1/2, CLOSE-WAIT,
 * LAST-ACK, TIME-WAIT (F1); then a simultaneous close, where both sides
 * pass through CLOSING.
 */
import { ms } from "../../core/time.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { topology, twoHosts } from "../kit.js";

/** The `handshake-and-close` scenario. */
export const handshakeDemo: DemoScenario = {
  name: "handshake-and-close",
  summary: {
    en: "three-way handshake with random ISNs, four-way teardown, every TCP state on a ladder",
    zh: "三次握手（随机初始序号）、四次挥手，梯形图上标出每个 TCP 状态",
  },
  seeds: ["G1", "F1", "E4"],
  async run(d: DemoContext): Promise<void> {
    const { net, client, server, cap } = twoHosts(d, { latency: ms(10) });
    const topo = topology("10 ms");
    d.title(`sockstack demo handshake-and-close (seed ${d.seed})`);
    d.say(topo.en, topo.zh);

    server.spawn("server", async (p) => {
      const lfd = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(lfd, ["0.0.0.0", 9090]);
      p.listen(lfd, 8);
      for (let i = 0; i < 2; i++) {
        const { fd } = await p.accept(lfd);
        if (i === 0) {
          // The first connection: the server reads until 0 (the client's FIN), closes 100 ms later.
          while ((await p.recv(fd, 100)).length > 0);
          await net.sleep(ms(100));
        } else {
          await p.recv(fd, 100); // (closing with unread data would send RST: see sockstack demo rst)
          await net.sleep(ms(1000) - net.now()); // the second: both close at t = 1 s
        }
        await p.close(fd);
      }
    });

    await d.section("1. connect(): the three-way handshake (G1)", "1. connect()：三次握手（G1）");
    client.spawn("client", async (p) => {
      await net.sleep(ms(100));
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      await p.connect(fd, ["10.0.0.2", 9090]);
      await p.send(fd, "hello");
      await net.sleep(ms(100));
      await p.close(fd);
    });
    await net.advance(ms(130));
    d.tcpdumpSince(cap, "server", "the handshake");
    d.say(
      "SYN, SYN-ACK, ACK — all inside the client's connect(), which returns when the\n" +
        "SYN-ACK arrives (one round trip, 20 ms). Each side picks a random initial\n" +
        "sequence number (a fixed one would invite sequence prediction and confusion\n" +
        "with an old connection's segments); each ACK says seq + 1: the SYN takes one\n" +
        "sequence number.",
      "SYN、SYN-ACK、ACK——都发生在客户端的 connect() 里，收到 SYN-ACK 时 connect()\n" +
        "返回（一个往返，20 ms）。双方各自随机选取初始序号（固定的初始序号会招来序号\n" +
        "预测攻击，也会和旧连接的报文混淆）；每个 ACK 都是 seq + 1：SYN 本身占一个序号。",
    );

    await d.section("2. close(): the four-way teardown (F1, E4)", "2. close()：四次挥手（F1, E4）");
    await net.advance(ms(300) - net.now());
    d.show(client, "ss -tano");
    d.show(server, "ss -tano");
    d.say(
      "The client closed first: its FIN was acknowledged — 40 ms late, Linux delays the\n" +
        "ACK of a FIN hoping to send it with its own FIN — and it waits in FIN-WAIT-2 for\n" +
        "the server's FIN. The server's recv() returned 0 (E4: the peer sent FIN); the\n" +
        "socket stays in CLOSE-WAIT until the program calls close(), 100 ms later here.",
      "客户端先关闭：它的 FIN 已被确认——晚了 40 ms，Linux 推迟对 FIN 的确认，希望和\n" +
        "自己的 FIN 一起发出——它在 FIN-WAIT-2 等服务端的 FIN。服务端的 recv() 返回 0\n" +
        "（E4：对方发来了 FIN）；socket 停在 CLOSE-WAIT，直到程序调用 close()——这里是\n" +
        "100 ms 之后。",
    );
    await net.advance(ms(400) - net.now());
    d.show(client, "ss -tano");
    d.tcpdumpSince(cap, "server", "the teardown");
    d.say(
      "FIN, ACK, FIN, ACK. The server went LAST-ACK and then CLOSED when the last ACK\n" +
        "came; the client, which closed first, holds TIME-WAIT for 2·MSL (60 s on Linux)\n" +
        "so that a lost last ACK can be sent again and old segments die out.",
      "FIN、ACK、FIN、ACK。服务端进入 LAST-ACK，收到最后一个 ACK 后关闭；先关闭的客户端\n" +
        "停在 TIME-WAIT 2·MSL（Linux 上是 60 秒），以便最后一个 ACK 丢失时能重发，\n" +
        "并让旧连接的报文在网络中消失。",
    );
    d.ladder("sockstack ladder --connection 0", { connection: 0 });

    await d.section("3. Both close at once: CLOSING (F1)", "3. 双方同时关闭：CLOSING（F1）");
    client.spawn("client", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      await p.connect(fd, ["10.0.0.2", 9090]);
      await p.send(fd, "bye");
      await net.sleep(ms(1000) - net.now());
      await p.close(fd);
    });
    await net.advance(ms(2000) - net.now());
    d.say(
      "A second connection, the second ISNs (different again). Both programs call close()\n" +
        "at the same instant: each FIN crosses the other on the wire, each side receives a\n" +
        "FIN while in FIN-WAIT-1 and goes to CLOSING, then to TIME-WAIT when its own FIN is\n" +
        "acknowledged. Both ends hold TIME-WAIT.",
      "第二个连接，又是新的初始序号。两个程序在同一时刻调用 close()：两个 FIN 在线路上\n" +
        "交错而过，双方都在 FIN-WAIT-1 时收到对方的 FIN，进入 CLOSING，等自己的 FIN 被\n" +
        "确认后进入 TIME-WAIT。两端都停在 TIME-WAIT。",
    );
    d.ladder("sockstack ladder --connection 1", { connection: 1 });
    d.show(server, "ss -tan state time-wait");
  },
};
