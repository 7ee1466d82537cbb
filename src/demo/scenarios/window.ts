/**
 * Demo `window`: flow control (D5, D6, G3). The client sends 20,000 bytes
 * with one send() call; the kernel cuts them into MSS-sized segments
 * (1448 payload bytes: MSS 1460 minus 12 bytes of timestamp option),
 * whatever the call's size. The server set SO_RCVBUF small and does not
 * read for 2 s: its receive buffer fills, it advertises window 0, the
 * client stops and sends zero-window probes on its persist timer. When the
 * server reads, a window update restarts the transfer. The send buffer
 * keeps every byte until it is acknowledged (Send-Q).
 */
import { ms, sec } from "../../core/time.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { calls, twoHosts } from "../kit.js";

/** The `window` scenario. */
export const windowDemo: DemoScenario = {
  name: "window",
  summary: {
    en: "a slow reader: MSS segmentation, the receive window closing to 0, persist probes, the window update",
    zh: "读得慢的接收方：按 MSS 分段、接收窗口关闭到 0、零窗口探测、窗口更新",
  },
  seeds: ["D5", "D6", "G3", "C4", "D8"],
  async run(d: DemoContext): Promise<void> {
    const { net, client, server, cap } = twoHosts(d, { latency: ms(5), show: calls(["setsockopt", "send", "recv", "getsockopt"]) });
    d.title(`sockstack demo window (seed ${d.seed})`);
    d.say(
      "client 10.0.0.1 ---- 5 ms ---- server 10.0.0.2. The server sets SO_RCVBUF to 4096\n" +
        "before listen (accepted sockets inherit it), accepts, and does not read for 2 s.\n" +
        "The client sends 20,000 bytes in one send() call.",
      "client 10.0.0.1 ---- 5 ms ---- server 10.0.0.2。服务端在 listen 之前把 SO_RCVBUF 设为\n" +
        "4096（accept 得到的 socket 会继承它），accept 之后 2 秒内不读数据。客户端用一次 send()\n" +
        "发送 20000 字节。",
    );
    let got = 0;
    server.spawn("server", async (p) => {
      const lfd = p.socket("AF_INET", "SOCK_STREAM");
      p.setsockopt(lfd, "SOL_SOCKET", "SO_RCVBUF", 4096);
      p.getsockopt(lfd, "SOL_SOCKET", "SO_RCVBUF");
      p.bind(lfd, ["0.0.0.0", 9090]);
      p.listen(lfd, 8);
      const { fd } = await p.accept(lfd);
      await net.sleep(sec(2));
      for (;;) {
        const b = await p.recv(fd, 65536);
        if (b.length === 0) break;
        got += b.length;
      }
      await p.close(fd);
    });
    client.spawn("client", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      await p.connect(fd, ["10.0.0.2", 9090]);
      await p.send(fd, new Uint8Array(20000).fill(0x61));
      await net.sleep(sec(3));
      await p.close(fd);
    });

    await d.section("1. One send(), many segments (D5)", "1. 一次 send()，许多报文段（D5）");
    await net.advance(ms(60));
    d.tcpdumpSince(cap, "server", "the first data segments", 8);
    d.say(
      "send() returned 20000 at once: the bytes are in the client's send buffer (E3: a\n" +
        "return from send means buffered, not delivered). The kernel cuts them into segments\n" +
        "of 1448 bytes — the MSS of Ethernet, 1460, less 12 bytes of TCP timestamps — and\n" +
        "keeps a copy of each until it is acknowledged.",
      "send() 立即返回 20000：这些字节进了客户端的发送缓冲区（E3：send 返回只表示已缓冲，\n" +
        "不表示已送达）。内核把它们切成 1448 字节的报文段——以太网的 MSS 1460，减去 12 字节\n" +
        "的 TCP 时间戳——并为每一段保留副本，直到它被确认。",
    );

    await d.section("2. The reader does not read: window 0 (D6)", "2. 接收方不读：窗口为 0（D6）");
    await net.advance(ms(1000) - net.now());
    d.show(server, "ss -tn");
    d.show(client, "ss -tno");
    d.tcpdumpSince(cap, "server", "the window closing", 30);
    d.say(
      "The server's receive buffer filled; each ACK advertised less room (win 3 is 3 × 1024\n" +
        "bytes: the window scale negotiated in the SYNs is 10) until win 0. The client stopped\n" +
        "sending: its Send-Q holds the rest, and its timer is now `persist`: it probes the\n" +
        "zero window — a bare ACK with a sequence number one below what the peer expects,\n" +
        "which the peer must answer with its current window — at growing intervals, so that\n" +
        "a lost window update cannot deadlock the connection.",
      "服务端的接收缓冲区满了；每个 ACK 通告的空间越来越小（win 3 表示 3 × 1024 字节：SYN 中\n" +
        "协商的窗口扩大因子是 10），直到 win 0。客户端停止发送：剩下的数据在它的 Send-Q 里，\n" +
        "它的定时器变成了 `persist`：它以逐渐拉长的间隔探测零窗口——发一个序号比对方期望的小 1\n" +
        "的纯 ACK，对方必须回复当前窗口——这样即使窗口更新丢了，连接也不会死锁。",
    );

    await d.section("3. The reader reads: the window opens (D6)", "3. 接收方开始读：窗口打开（D6）");
    await net.advance(sec(3) - net.now());
    d.tcpdumpSince(cap, "server", "probes, the window update, the rest", 12);
    d.say(
      `At 2 s the server read; its kernel sent a window update and the client sent the rest.\n` +
        `The server has read ${got} bytes — every byte, in order, whatever the segment sizes were.`,
      `2 秒时服务端开始读；它的内核发出窗口更新，客户端把剩下的数据发完。\n` +
        `服务端一共读到 ${got} 字节——每个字节都按顺序到达，与报文段的大小无关。`,
    );
  },
};
