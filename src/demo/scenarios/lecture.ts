/**
 * Demo `lecture`: the seed-0 lecture tour, the default of `sockstack demo`.
 * A server on 10.0.0.2:9090 listens with backlog 2 and does not call
 * accept(); four clients connect 200 ms apart and send "1111"; at 5 s the
 * server accepts, reading each connection in a thread of its own (the
 * lecture's Java BIO server). At each step (LECTURE_STEPS) the tour prints
 * what ss, lsof, netstat, nstat and tcpdump show on the machines: A1 listen,
 * A2 a connection nobody accepted, A3 Recv-Q 4, B2 the overflow with the
 * fourth client in SYN-SENT, A4 accept — and a ladder diagram of the fourth
 * connection, its dropped SYNs marked.
 */
import { calls } from "../kit.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { LECTURE_SEND_DELAY, LECTURE_STEPS, lectureScenario } from "../lecture-scenario.js";

/** The lecture's server, as the Java program the lecture runs would be written (shown by the scenario). */
export const LECTURE_JAVA = [
  "ServerSocket server = new ServerSocket();",
  "server.bind(new InetSocketAddress(9090), 2);      // backlog 2",
  "System.in.read();                                 // blocks: accept() is not called yet",
  "while (true) {",
  "    Socket client = server.accept();              // one connection from the accept queue",
  "    new Thread(() -> {                            // BIO: one thread per connection",
  "        byte[] buf = new byte[100];",
  "        int n = client.getInputStream().read(buf);",
  "        System.out.println(new String(buf, 0, n));",
  "    }).start();",
  "}",
];

/** The `lecture` scenario. */
export const lectureDemo: DemoScenario = {
  name: "lecture",
  summary: {
    en: "the lecture: listen backlog 2, connections nobody accepted, Recv-Q 4, overflow, accept, a thread per connection",
    zh: "课堂实验：backlog 为 2 的监听、无人 accept 的连接、Recv-Q 4、队列溢出、accept 与每连接一线程",
  },
  seeds: ["A1", "A2", "A3", "A4", "A5", "A6", "B1", "B2", "B3", "H2", "I1", "I2", "I3"],
  async run(d: DemoContext): Promise<void> {
    const sc = lectureScenario({ seed: d.seed, sendDelay: LECTURE_SEND_DELAY, threadPerConnection: true });
    const { net, server, client } = sc;
    d.useNetwork(net, calls(["socket", "bind", "listen", "accept", "connect", "send", "recv"]));
    d.watch(client, "client");
    d.watch(server, "server");
    const cap = d.capture(sc.link.b, "server"); // the server's eth0: what --pcap writes and sockstack tcpdump shows
    d.wire(sc.link, "client", "server"); // both ends, for the ladder
    const steps = LECTURE_STEPS;
    const at = async (i: number) => {
      const t = steps[i]!.at;
      if (t > net.now()) await net.advance(t - net.now());
    };

    d.title(`sockstack demo lecture (seed ${d.seed})`);
    d.say(
      "The lecture's experiment, on two simulated hosts joined by a 50 µs link:\n" +
        "  client 10.0.0.1/24 ---- server 10.0.0.2/24\n" +
        "The server calls socket, bind(9090), listen(fd, 2) — then blocks (on stdin\n" +
        "in the lecture) before its accept loop. Four clients connect 200 ms apart;\n" +
        "each sends \"1111\" 100 ms after connect() returns. At 5 s the server starts\n" +
        "accepting. Timestamps are virtual; the same seed prints the same output.\n" +
        "The server, as the lecture's Java program:",
      "课堂上的实验，在两台由 50 µs 链路相连的模拟主机上重演：\n" +
        "  client 10.0.0.1/24 ---- server 10.0.0.2/24\n" +
        "服务端调用 socket、bind(9090)、listen(fd, 2)，然后在进入 accept 循环之前阻塞\n" +
        "（课堂上是阻塞在标准输入上）。四个客户端每隔 200 ms 发起连接；connect() 返回\n" +
        "100 ms 后各自发送 \"1111\"。5 秒时服务端开始 accept。时间都是虚拟时间；\n" +
        "同一个种子打印出完全相同的输出。服务端写成课堂上的 Java 程序是这样的：",
    );
    for (const l of LECTURE_JAVA) d.output(`    ${l}`);

    await d.section(
      `1. The server listens (A1, B1) — t=${steps[0]!.at / 1000} ms`,
      `1. 服务端监听（A1, B1）— t=${steps[0]!.at / 1000} ms`,
    );
    await at(0);
    d.show(server, "ss -tlnp");
    d.show(server, "lsof -i");
    d.say(
      "One LISTEN socket: Send-Q shows the backlog (2), Recv-Q the accept queue (0).\nThe process owns fd 3 for it. Nothing has crossed the wire:",
      "一个 LISTEN 状态的 socket：Send-Q 显示 backlog（2），Recv-Q 显示全连接队列的长度（0）。\n进程为它持有文件描述符 3。线路上还什么都没有：",
    );
    d.tcpdumpSince(cap, "server");

    await d.section(
      `2. A client connects; the server has not called accept() (A2, A5, A6) — t=${steps[1]!.at / 1000} ms`,
      `2. 客户端连接；服务端还没有调用 accept()（A2, A5, A6）— t=${steps[1]!.at / 1000} ms`,
    );
    await at(1);
    d.show(server, "ss -tanp");
    d.show(server, "netstat -natp");
    d.show(server, "lsof -p 1000");
    d.say(
      "The kernel completed the three-way handshake inside the client's connect():\n" +
        "the connection is ESTABLISHED in the server's table although the server\n" +
        "never called accept(). It belongs to no process (no users:, netstat '-')\n" +
        "and lsof shows no fd for it. It shares the listening port 9090 (A6).\n" +
        "A connection is not a wire: it is the state and buffers both kernels keep (A5).",
      "三次握手是内核在客户端的 connect() 里完成的：尽管服务端从未调用 accept()，\n" +
        "这个连接在服务端的连接表里已经是 ESTABLISHED。它不属于任何进程（ss 没有\n" +
        "users:，netstat 显示 '-'），lsof 也看不到它的文件描述符。它和监听端口共用\n" +
        "9090（A6）。连接不是一根线：它是两边内核为它保留的状态和缓冲区（A5）。",
    );
    d.tcpdumpSince(cap, "server");

    await d.section(
      `3. The client sends "1111" (A3) — t=${steps[2]!.at / 1000} ms`,
      `3. 客户端发送 "1111"（A3）— t=${steps[2]!.at / 1000} ms`,
    );
    await at(2);
    d.show(server, "ss -tn");
    d.say(
      "The server's kernel acknowledged the 4 bytes and queued them: Recv-Q 4.\nNo program has read them; none could — nobody holds an fd for the socket.",
      "服务端内核确认了这 4 个字节并把它们放进接收队列：Recv-Q 4。\n还没有程序读取它们，也没有程序能读——没有谁持有这个 socket 的文件描述符。",
    );
    d.tcpdumpSince(cap, "server");

    await d.section(
      `4. Four clients, backlog 2: the accept queue overflows (B2) — t=${steps[3]!.at / 1000} ms`,
      `4. 四个客户端，backlog 为 2：全连接队列溢出（B2）— t=${steps[3]!.at / 1000} ms`,
    );
    const before = d.snapshot(server);
    await at(3);
    d.show(server, "ss -tanp");
    d.show(client, "ss -tanpo");
    d.show(server, "nstat   # since step 3", before);
    d.say(
      "Linux admits backlog+1 = 3 connections to the accept queue. The fourth\n" +
        "client's SYN arrived with the queue full and was dropped (ListenOverflows,\n" +
        "ListenDrops); the client sits in SYN-SENT with Send-Q 1 (its SYN) and a\n" +
        "retransmission timer, resending the SYN every second.",
      "Linux 允许 backlog+1 = 3 个连接进入全连接队列。第四个客户端的 SYN 到达时\n" +
        "队列已满，被丢弃（ListenOverflows、ListenDrops 计数）；客户端停在 SYN-SENT，\n" +
        "Send-Q 为 1（它的 SYN），带着重传定时器，每秒重发一次 SYN。",
    );
    d.tcpdumpSince(cap, "server");

    await d.section(
      `5. The server accepts; a thread per connection reads (A4, B3, H2) — t=${steps[4]!.at / 1000} ms`,
      `5. 服务端开始 accept；每个连接一个线程读取（A4, B3, H2）— t=${steps[4]!.at / 1000} ms`,
    );
    await at(4);
    d.show(server, "lsof -p 1000");
    d.show(server, "netstat -natp");
    d.say(
      "From 5 s on, accept() hands out the queued connections with the lowest free\n" +
        "fds (4, 5, 6); a thread per connection reads the bytes that were waiting.\n" +
        "With room in the queue, the fourth client's next SYN retransmission\n" +
        "completes its handshake, and it becomes fd 7. netstat now names the owner.",
      "从 5 秒起，accept() 依次取出队列中的连接，分配最小的空闲文件描述符（4、5、6）；\n" +
        "每个连接一个线程，读出早已等在那里的字节。队列有了空位，第四个客户端下一次\n" +
        "重传的 SYN 完成了握手，成为文件描述符 7。netstat 现在显示出所属的进程。",
    );
    d.tcpdumpSince(cap, "server");

    await d.section("6. The fourth connection as a ladder diagram", "6. 第四个连接的梯形图");
    d.ladder("sockstack ladder --connection 3", { connection: 3 });
    d.say(
      "Its SYN reached the server five times (0.8 s, then every second) and the\n" +
        "server's kernel dropped it each time: the accept queue was full. The sixth,\n" +
        "at 5.8 s, found room — the server had started accepting at 5 s.",
      "它的 SYN 五次到达服务端（0.8 秒，之后每秒一次），每次都被服务端内核丢弃：\n" +
        "全连接队列已满。第六次在 5.8 秒到达时有了空位——服务端 5 秒起已开始 accept。",
    );
    cap.stop();
  },
};
