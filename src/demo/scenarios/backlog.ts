/**
 * Demo `backlog`: the two queues of a listening socket (B1), drawn as
 * queues at each step. A server listens with backlog 2 and does not
 * accept. Two clients complete their handshakes; two more connect at the
 * same instant: both SYNs are answered, the first final ACK fills the
 * accept queue (Linux admits backlog + 1) and the second is dropped — that
 * connection stays SYN-RECV on the server (a request entry in the SYN
 * queue, B4) while its client believes it is ESTABLISHED and its data goes
 * unacknowledged (B2, the lecture's race). A fifth client's SYN finds the
 * queue full and is dropped; it retransmits from SYN-SENT. When the server
 * accepts, the retransmissions complete (B3). Finally
 * `tcp_abort_on_overflow = 1`: the ACK that finds the queue full is
 * answered with RST, and the client's next call fails with ECONNRESET.
 * SYN cookies (B5) have their own scenario, `syn-flood`.
 */
import { ms, sec } from "../../core/time.js";
import type { HostSnapshot } from "../../tools/snapshot.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { calls, errnoOf, twoHosts } from "../kit.js";

/** The listener on `port` and its two queues, drawn (request entries and unaccepted connections). */
export function queueLines(s: HostSnapshot, port: number): { en: string[]; zh: string[] } {
  const listener = s.sockets.find((k) => k.listen && k.localPort === port);
  const syn = s.sockets.filter((k) => k.request && k.localPort === port).map((k) => `[:${k.remotePort}]`);
  const acc = s.sockets.filter((k) => !k.request && !k.listen && k.proto === "tcp" && k.localPort === port && k.owners.length === 0 && k.state === 1).map((k) => `[:${k.remotePort}]`);
  const backlog = listener?.listen?.backlog ?? 0;
  const q = (l: string[]) => (l.length ? l.join("") : "(empty)");
  return {
    en: [
      `  SYN queue    ${q(syn).padEnd(28)} ${syn.length} half-open (request entries)`,
      `  accept queue ${q(acc).padEnd(28)} ${acc.length} of backlog ${backlog} + 1${acc.length > backlog ? ": FULL" : ""}`,
    ],
    zh: [
      `  半连接队列   ${q(syn).padEnd(28)} ${syn.length} 个半连接（请求条目）`,
      `  全连接队列   ${q(acc).padEnd(28)} ${acc.length} / backlog ${backlog} + 1${acc.length > backlog ? "：已满" : ""}`,
    ],
  };
}

/** The `backlog` scenario. */
export const backlogDemo: DemoScenario = {
  name: "backlog",
  summary: {
    en: "the SYN and accept queues drawn step by step: overflow, the final-ACK race in SYN-RECV, tcp_abort_on_overflow",
    zh: "逐步画出半连接队列和全连接队列：溢出、最后一个 ACK 的竞争留下 SYN-RECV、tcp_abort_on_overflow",
  },
  seeds: ["B1", "B2", "B3", "B4", "C9", "A4"],
  async run(d: DemoContext): Promise<void> {
    const { net, client, server, cap } = twoHosts(d, { show: calls(["listen", "accept", "connect", "send", "recv"]) });
    const drawQueues = (port: number) => {
      const s = d.snapshot(server);
      const q = queueLines(s, port);
      d.say(q.en.join("\n"), q.zh.join("\n"));
    };
    d.title(`sockstack demo backlog (seed ${d.seed})`);
    d.say(
      "client 10.0.0.1 ---- 1 ms ---- server 10.0.0.2. The server calls listen(fd, 2) and does\n" +
        "not call accept() until t = 10 s. Clients: A at 0.1 s, B at 0.2 s, C and D together\n" +
        "at 0.3 s, E at 0.5 s; each sends 4 bytes right after connect() returns.",
      "client 10.0.0.1 ---- 1 ms ---- server 10.0.0.2。服务端调用 listen(fd, 2)，在 t = 10 秒\n" +
        "之前不调用 accept()。客户端：A 在 0.1 秒，B 在 0.2 秒，C 和 D 同时在 0.3 秒，E 在\n" +
        "0.5 秒发起连接；connect() 一返回就各发 4 个字节。",
    );
    server.spawn("server", async (p) => {
      const lfd = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(lfd, ["0.0.0.0", 9090]);
      p.listen(lfd, 2);
      await net.sleep(sec(10));
      for (let i = 0; i < 5; i++) {
        const { fd } = await p.accept(lfd);
        p.thread(async (t) => void (await t.recv(fd, 100)));
      }
      await net.sleep(sec(3600));
    });
    const sendErr = new Map<string, string | null>();
    const connectAt = (name: string, at: number, port = 9090) =>
      client.spawn(`client-${name}`, async (p) => {
        await net.sleep(at);
        const fd = p.socket("AF_INET", "SOCK_STREAM");
        await p.connect(fd, ["10.0.0.2", port]);
        await p.send(fd, name.repeat(4));
        sendErr.set(name, await errnoOf(() => p.recv(fd, 100)));
      });
    connectAt("A", ms(100));
    connectAt("B", ms(200));
    connectAt("C", ms(300));
    connectAt("D", ms(300));
    connectAt("E", ms(500));

    await d.section("1. listen(fd, 2): two queues (B1)", "1. listen(fd, 2)：两个队列（B1）");
    await net.advance(ms(250));
    drawQueues(9090);
    d.say(
      "A and B completed their handshakes inside connect(): the kernel moved each from the\n" +
        "SYN queue to the accept queue on the final ACK. No accept() yet.",
      "A 和 B 在 connect() 里完成了三次握手：收到最后一个 ACK 时，内核把它们从半连接队列\n" +
        "移到了全连接队列。还没有 accept()。",
    );

    await d.section("2. C and D at the same instant: the final-ACK race (B2, B4)", "2. C 和 D 同时连接：最后一个 ACK 的竞争（B2, B4）");
    await net.advance(ms(1000) - net.now());
    drawQueues(9090);
    const dPort = d.snapshot(server).sockets.find((k) => k.request)?.remotePort ?? 0;
    const ePort = d.snapshot(client).sockets.find((k) => k.state === 2)?.localPort ?? 0; // SYN_SENT
    d.show(server, "ss -tan");
    d.show(client, "ss -tano");
    d.say(
      "Both SYNs found room and were answered; C's final ACK filled the accept queue\n" +
        "(backlog + 1 = 3), so D's final ACK was dropped. D stays SYN-RECV on the server — a\n" +
        "small request entry in the SYN queue (addresses, ports, ISN, options; B4), not a\n" +
        "full socket — while D's client is ESTABLISHED: connect() returned, its 4 bytes sit\n" +
        "unacknowledged in Send-Q and are retransmitted. The server resends its SYN-ACK.\n" +
        "E's SYN arrived with the queue full and was dropped: E is in SYN-SENT.",
      "两个 SYN 都有空位并得到应答；C 的最后一个 ACK 填满了全连接队列（backlog + 1 = 3），\n" +
        "于是 D 的最后一个 ACK 被丢弃。D 在服务端停留在 SYN-RECV——半连接队列里的一个小小的\n" +
        "请求条目（地址、端口、初始序号、选项；B4），而不是完整的 socket——而 D 的客户端已是\n" +
        "ESTABLISHED：connect() 已经返回，它的 4 个字节躺在 Send-Q 里得不到确认，不断重传。\n" +
        "服务端则重发 SYN-ACK。E 的 SYN 到达时队列已满，被丢弃：E 停在 SYN-SENT。",
    );
    d.tcpdumpSince(cap, "server");

    await d.section("3. The server accepts: the retransmissions complete (B3, A4)", "3. 服务端开始 accept：重传完成了连接（B3, A4）");
    await net.advance(sec(14) - net.now());
    drawQueues(9090);
    d.show(server, "lsof -p 1000");
    d.say(
      "accept() took A, B and C (fds 4, 5, 6). With room in the queue, D's next\n" +
        "retransmission completed its connection on the server and E's next SYN got its\n" +
        "SYN-ACK. Connections whose retries had run out would be gone: backlog should match\n" +
        "how fast the server accepts, so that clients fail fast and a load balancer can\n" +
        "send them elsewhere.",
      "accept() 取走了 A、B、C（文件描述符 4、5、6）。队列腾出空位后，D 的下一次重传在服务端\n" +
        "完成了连接，E 的下一个 SYN 也得到了 SYN-ACK。重试次数耗尽的连接就没了：backlog 应当和\n" +
        "服务端 accept 的速度相匹配，这样客户端能尽快失败，负载均衡器可以把它们转到别处。",
    );
    d.markShown(cap);
    d.ladder(`sockstack ladder --lanes port ${dPort} or port ${ePort}   # D and E`, { filter: `port ${dPort} or port ${ePort}`, lanes: true });

    await d.section("4. tcp_abort_on_overflow = 1: RST instead of silence (B2, C9)", "4. tcp_abort_on_overflow = 1：用 RST 代替沉默（B2, C9）");
    server.sysctl.tcp_abort_on_overflow = true;
    d.command("server", "sysctl -w net.ipv4.tcp_abort_on_overflow=1");
    d.output("net.ipv4.tcp_abort_on_overflow = 1");
    server.spawn("server2", async (p) => {
      const lfd = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(lfd, ["0.0.0.0", 9091]);
      p.listen(lfd, 1);
      await net.sleep(sec(3600));
    });
    connectAt("F", ms(10), 9091);
    connectAt("G", ms(100), 9091);
    connectAt("H", ms(100), 9091);
    await net.advance(sec(1));
    d.tcpdumpSince(cap, "server");
    d.show(server, "ss -tan");
    d.say(
      `A listener on 9091 with backlog 1 (two connections fit). F connects, then G and H at\n` +
        `once; H's final ACK finds the queue full and the server answers RST: H's connect()\n` +
        `had returned, and its next call fails with ${sendErr.get("H") ?? "?"} (Connection reset by peer).\n` +
        "The client learns at once instead of retrying into a full queue.",
      `9091 端口上的监听 socket，backlog 为 1（容得下两个连接）。F 先连接，然后 G 和 H 同时连接；\n` +
        `H 的最后一个 ACK 遇到队列已满，服务端回了 RST：H 的 connect() 已经返回，它的下一次调用\n` +
        `以 ${sendErr.get("H") ?? "?"}（Connection reset by peer）失败。客户端立刻知道，而不是对着满队列一再重试。`,
    );
  },
};
