/**
 * Demo `reorder`: sequence numbers let the receiver put segments back in
 * order (D4, G2). The client writes three 1000-byte pieces; the link holds
 * the first one back for 30 ms. The second and third arrive first: the
 * server's kernel keeps them in the out-of-order queue — nothing is
 * readable, recv() keeps waiting — and answers each with a duplicate ACK
 * carrying a SACK block (they have 1001-3001, they still want 1). When the
 * first arrives, all 3000 bytes become readable at once, in order.
 */
import { ms } from "../../core/time.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { calls, twoHosts } from "../kit.js";

/** The `reorder` scenario. */
export const reorderDemo: DemoScenario = {
  name: "reorder",
  summary: {
    en: "segments out of order: the out-of-order queue, duplicate ACKs with SACK, reassembly",
    zh: "乱序到达的报文段：乱序队列、带 SACK 的重复确认、重新排序组装",
  },
  seeds: ["D4", "G2"],
  async run(d: DemoContext): Promise<void> {
    const { net, client, server, link, cap } = twoHosts(d, { latency: ms(5), show: calls(["recv", "send"]) });
    d.title(`sockstack demo reorder (seed ${d.seed})`);
    d.say(
      "client 10.0.0.1 ---- 5 ms ---- server 10.0.0.2. The client sends three 1000-byte\n" +
        "pieces (TCP_NODELAY, one segment each); the link holds the first back for 30 ms.",
      "client 10.0.0.1 ---- 5 ms ---- server 10.0.0.2。客户端发送三块各 1000 字节的数据\n" +
        "（TCP_NODELAY，每块一个报文段）；链路把第一块扣留 30 ms。",
    );
    server.spawn("server", async (p) => {
      const lfd = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(lfd, ["0.0.0.0", 9090]);
      p.listen(lfd, 8);
      const { fd } = await p.accept(lfd);
      for (;;) if ((await p.recv(fd, 65536)).length === 0) break;
    });
    client.spawn("client", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      p.setsockopt(fd, "IPPROTO_TCP", "TCP_NODELAY", 1);
      await p.connect(fd, ["10.0.0.2", 9090]);
      await net.sleep(ms(100));
      let first = true;
      link.hold("aToB", (pk) => {
        const b = pk.bytes();
        const data = b.length > 52 && first;
        if (data) first = false;
        return data;
      });
      for (const ch of ["A", "B", "C"]) await p.send(fd, ch.repeat(1000));
      await net.sleep(ms(30));
      link.release("aToB");
      await net.sleep(ms(100));
      await p.close(fd);
    });

    await d.section("1. Segments 2 and 3 arrive first (D4)", "1. 第 2、3 段先到（D4）");
    await net.advance(ms(125));
    d.show(server, "ss -tn");
    d.tcpdumpSince(cap, "server", "the data");
    d.say(
      "The server's kernel holds bytes 1001-3000 in the out-of-order queue: Recv-Q is 0 —\n" +
        "nothing is readable while byte 1 is missing — and the server's recv() keeps waiting.\n" +
        "Each early segment got a duplicate ACK (ack 1: \"I still want byte 1\") with a SACK\n" +
        "block saying what did arrive, so the sender need not resend it.",
      "服务端内核把第 1001-3000 字节放在乱序队列里：Recv-Q 为 0——缺了第 1 个字节，就什么也\n" +
        "不能读——服务端的 recv() 继续等待。每个提前到达的报文段都换来一个重复确认（ack 1：\n" +
        "“我还要第 1 个字节”），其中的 SACK 块说明哪些已经收到，发送方就不必重发它们。",
    );

    await d.section("2. Segment 1 arrives: all 3000 bytes at once (G2)", "2. 第 1 段到达：3000 字节一起交付（G2）");
    await net.advance(ms(160) - net.now());
    d.tcpdumpSince(cap, "server", "the resent segment, the cumulative ACK, the held original");
    d.say(
      "The sender did not wait for the held segment: RACK (RFC 8985, Linux's loss detection)\n" +
        "saw segments sent after it delivered and, once the reordering window (a quarter of the\n" +
        "10 ms minimum RTT, plus 2 ms) had passed, resent it. The copy filled the hole: the\n" +
        "kernel moved the queued bytes behind it and acknowledged all 3000 with one cumulative\n" +
        "ACK; recv() returned them in order — the program never saw the reordering. The held\n" +
        "original, released at 140 ms, is a duplicate: only an ACK answers it.",
      "发送方没有等被扣留的那一段：RACK（RFC 8985，Linux 的丢包检测）看到在它之后发出的\n" +
        "报文段已经送达，过了乱序窗口（最小 RTT 10 ms 的四分之一，再加 2 ms）就重发了它。\n" +
        "这个副本填上了空缺：内核把排在后面的字节接上，用一个累积确认确认了全部 3000 字节；\n" +
        "recv() 按顺序把它们返回——程序根本看不到乱序。140 ms 时放出的原始报文段是重复的：\n" +
        "只换来一个 ACK。",
    );
  },
};
