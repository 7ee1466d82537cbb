/**
 * Demo `rst`: the four classic resets (F5, G4), each with the errno the
 * other side's program sees. (1) A SYN to a port with no listener: RST,
 * `connect: Connection refused`. (2) close() with SO_LINGER {1, 0}: a hard
 * close, RST instead of FIN (C6), and the peer's read fails with
 * ECONNRESET. (3) close() with unread data in the receive buffer: RST too
 * (Linux, RFC 2525 §2.17). (4) The peer rebooted: its new kernel knows
 * nothing of the connection and answers the next segment with RST — the
 * half-open connection is detected.
 */
import { ms } from "../../core/time.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { calls, errnoOf, topology, twoHosts } from "../kit.js";

/** The `rst` scenario. */
export const rstDemo: DemoScenario = {
  name: "rst",
  summary: {
    en: "RST in the classic cases: no listener, linger 0, unread data at close, a rebooted peer",
    zh: "RST 的几种经典情形：无人监听、linger 为 0、关闭时有未读数据、对端重启",
  },
  seeds: ["F5", "G4", "C6", "E6"],
  async run(d: DemoContext): Promise<void> {
    const { net, client, server, cap } = twoHosts(d, { show: calls(["connect", "close", "setsockopt", "recv", "send", "read"]) });
    const topo = topology("1 ms");
    d.title(`sockstack demo rst (seed ${d.seed})`);
    d.say(topo.en, topo.zh);
    const perror = (call: string, code: string | null) => {
      if (code) d.output(`${call}: ${code === "ECONNREFUSED" ? "Connection refused" : code === "ECONNRESET" ? "Connection reset by peer" : code}`);
    };
    // The server: a listener on 9090; the first connection it hard-closes, the second it closes unread, the third it keeps.
    server.spawn("server", async (p) => {
      const lfd = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(lfd, ["0.0.0.0", 9090]);
      p.listen(lfd, 8);
      for (let i = 0; i < 3; i++) {
        const { fd } = await p.accept(lfd);
        if (i === 0) {
          // (2) hard close: SO_LINGER on, 0 seconds.
          await net.sleep(ms(10));
          p.setsockopt(fd, "SOL_SOCKET", "SO_LINGER", { l_onoff: 1, l_linger: 0 });
          await p.close(fd);
        } else if (i === 1) {
          // (3) close without reading what the client sent.
          await net.sleep(ms(10));
          await p.close(fd);
        }
      }
      await net.sleep(3_600_000_000);
    });

    await d.section("1. No listener: connect() is refused (G4)", "1. 没有监听者：connect() 被拒绝（G4）");
    client.spawn("client", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      perror("connect", await errnoOf(() => p.connect(fd, ["10.0.0.2", 9999])));
      await p.close(fd);
    });
    await net.advance(ms(50));
    d.tcpdumpSince(cap, "server");
    d.say(
      "Nothing listens on port 9999: the server's kernel answers the SYN with RST (ack = the\nSYN's seq + 1) and the client's connect() fails with ECONNREFUSED.",
      "9999 端口上没有监听者：服务端内核用 RST 回应 SYN（ack = SYN 的 seq + 1），\n客户端的 connect() 以 ECONNREFUSED 失败。",
    );

    await d.section("2. SO_LINGER {1, 0}: close() sends RST (F5, C6)", "2. SO_LINGER {1, 0}：close() 发送 RST（F5, C6）");
    client.spawn("client", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      await p.connect(fd, ["10.0.0.2", 9090]);
      perror("recv", await errnoOf(() => p.recv(fd, 100)));
      await p.close(fd);
    });
    await net.advance(ms(100));
    d.tcpdumpSince(cap, "server");
    d.say(
      "Linger on with a zero timeout turns close() into an abort: the kernel throws away\n" +
        "whatever is unsent, sends RST and frees the socket at once — no FIN, no TIME-WAIT.\n" +
        "The client's blocked recv() fails with ECONNRESET.",
      "开启 linger 且超时为 0，close() 就成了中止：内核丢弃所有未发送的数据，发送 RST，\n" +
        "立即释放 socket——没有 FIN，也没有 TIME-WAIT。客户端阻塞中的 recv() 以 ECONNRESET 失败。",
    );

    await d.section("3. close() with unread data: RST (F5)", "3. 关闭时还有未读数据：RST（F5）");
    client.spawn("client", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      await p.connect(fd, ["10.0.0.2", 9090]);
      await p.send(fd, "you will never read this");
      await net.sleep(ms(50));
      perror("recv", await errnoOf(() => p.recv(fd, 100)));
      await p.close(fd);
    });
    await net.advance(ms(100));
    d.show(server, "ss -tan");
    d.tcpdumpSince(cap, "server");
    d.say(
      "The server closed a socket with 24 unread bytes in its receive buffer. Linux does\n" +
        "not pretend the data was delivered: it sends RST rather than FIN (RFC 2525 §2.17),\n" +
        "and the client learns that its data was lost (ECONNRESET).",
      "服务端关闭 socket 时，接收缓冲区里还有 24 个字节没读。Linux 不会假装数据已经送达：\n" +
        "它发送 RST 而不是 FIN（RFC 2525 §2.17），客户端由此得知它的数据丢了（ECONNRESET）。",
    );

    await d.section("4. The server reboots: a half-open connection (G4)", "4. 服务端重启：半开连接（G4）");
    client.spawn("client", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      await p.connect(fd, ["10.0.0.2", 9090]);
      await net.sleep(ms(100));
      await p.send(fd, "still there?");
      perror("recv", await errnoOf(() => p.recv(fd, 100)));
      await p.close(fd);
    });
    await net.advance(ms(50));
    d.show(client, "ss -tan");
    const rebooted = net.reboot("server");
    d.watch(rebooted, "server");
    d.command("server", "reboot");
    await net.advance(ms(150));
    d.show(rebooted, "ss -tan");
    d.tcpdumpSince(cap, "server");
    d.say(
      "The server rebooted while the connection was idle: the client still has it\n" +
        "ESTABLISHED, the new kernel has no trace of it. The client's next segment gets RST\n" +
        "— the half-open connection is detected — and its recv() fails with ECONNRESET.\n" +
        "Without traffic the client would never know: see sockstack demo keepalive.",
      "服务端在连接空闲时重启了：客户端这边连接仍是 ESTABLISHED，新内核里却没有它的任何\n" +
        "记录。客户端发出的下一个报文换来一个 RST——半开连接被发现了——它的 recv() 以\n" +
        "ECONNRESET 失败。如果没有数据往来，客户端永远不会知道：见 sockstack demo keepalive。",
    );
  },
};
