/**
 * Demo `udp`: a UDP echo service (recvfrom/sendto, H6) and a client that
 * pings it, sends it datagrams — an empty one (G6) — then one larger than
 * the MTU, which IP fragments and reassembles (G5: UDP has no sequence
 * numbers, the IP fragment offset puts the pieces back), the largest
 * (65,507 bytes) and one byte more (EMSGSIZE); finally a datagram to a
 * port nobody listens on: ICMP port unreachable, ECONNREFUSED on the
 * connected socket, while the echo service carries on.
 */
import { ms } from "../../core/time.js";
import { ping } from "../../host/ping.js";
import type { Process } from "../../sys/process.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { errnoOf, topology, twoHosts } from "../kit.js";

const ECHO_PORT = 7; // RFC 862, the echo service
const CLOSED_PORT = 9;

/** The `udp` scenario. */
export const udpDemo: DemoScenario = {
  name: "udp",
  summary: {
    en: "UDP echo: an empty datagram, fragmentation, the 65,507-byte limit, ECONNREFUSED",
    zh: "UDP 回显：空数据报、IP 分片、65507 字节上限、ECONNREFUSED",
  },
  seeds: ["G6", "H6", "G5", "E1", "E6", "I3"],
  async run(d: DemoContext): Promise<void> {
    const { net, client, server, cap } = twoHosts(d, {
      latency: ms(5),
      show: (r) => ["socket", "bind", "connect", "sendto", "recvfrom", "send", "recv", "close"].includes(r.call) && !(r.args[1] instanceof Uint8Array && r.args[1].length > 100 && r.error === undefined),
    });
    const topo = topology("5 ms");
    d.title(`sockstack demo udp (seed ${d.seed})`);
    d.say(topo.en, topo.zh);

    await d.section("1. The server starts a UDP echo service (H6)", "1. 服务端启动 UDP 回显服务（H6）");
    d.say(
      "socket(SOCK_DGRAM), bind to port 7, then a loop of recvfrom and sendto:\nno listen, no accept, no connection — each datagram carries its sender's address.",
      "socket(SOCK_DGRAM)，绑定 7 号端口，然后循环 recvfrom、sendto：\n没有 listen，没有 accept，也没有连接——每个数据报都带着发送方的地址。",
    );
    server.spawn("udp-echo", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_DGRAM", 0);
      p.bind(fd, ["0.0.0.0", ECHO_PORT]);
      for (;;) {
        const { data, addr } = await p.recvfrom(fd, 65535);
        await p.sendto(fd, data, 0, addr);
      }
    });
    await net.run();

    await d.section("2. The client pings the server", "2. 客户端 ping 服务端");
    d.command("client", "ping -c 3 10.0.0.2");
    const pinged = ping(client, "10.0.0.2", { count: 3, print: (line) => d.output(line) });
    await net.run();
    await pinged;
    d.say(
      "Three round trips of exactly 10 ms: the link has no jitter. The server's kernel\nanswers the pings itself; the echo process is not involved.",
      "三次往返都恰好是 10 ms：链路没有抖动。ping 由服务端内核直接应答，\n回显进程并不参与。",
    );

    await d.section("3. Datagrams, an empty one included (G6)", "3. 发送数据报，包括一个空数据报（G6）");
    d.say(
      "The second datagram is empty: a UDP datagram may carry no data at all, and it\narrives as a datagram of length 0 — recvfrom returns 0, which here does not\nmean end of file (G6). The kernel picks the client's port.",
      "第二个数据报是空的：UDP 数据报可以不携带任何数据，它到达时就是长度为 0 的\n数据报——recvfrom 返回 0，在这里并不表示文件结束（G6）。客户端端口由内核分配。",
    );
    const sizes: number[] = [];
    let tooBig: string | null = null;
    client.spawn("udp-client", async (p: Process) => {
      const fd = p.socket("AF_INET", "SOCK_DGRAM", 0);
      for (const m of ["hello", "", "sockstack"]) {
        await p.sendto(fd, m, 0, ["10.0.0.2", ECHO_PORT]);
        sizes.push((await p.recvfrom(fd, 65535)).data.length);
      }
      await net.sleep(ms(500));
      await p.sendto(fd, new Uint8Array(3000), 0, ["10.0.0.2", ECHO_PORT]);
      sizes.push((await p.recvfrom(fd, 65535)).data.length);
      await net.sleep(ms(500));
      await p.sendto(fd, new Uint8Array(65507), 0, ["10.0.0.2", ECHO_PORT]);
      sizes.push((await p.recvfrom(fd, 65535)).data.length);
      tooBig = await errnoOf(() => p.sendto(fd, new Uint8Array(65508), 0, ["10.0.0.2", ECHO_PORT]));
      await p.close(fd);
    });
    await net.advance(ms(100));
    d.tcpdumpSince(cap, "server");

    await d.section("4. Larger than the MTU: IP fragments (G5)", "4. 超过 MTU：IP 分片（G5）");
    await net.advance(ms(500));
    d.tcpdumpSince(cap, "server", "the 3000-byte datagram and its echo");
    d.say(
      "The 3000-byte datagram does not fit the 1500-byte MTU: IP cuts it into fragments\n" +
        "(offsets 0, 1480, 2960 — in 8-byte units, the header's fragment offset) and the\n" +
        "receiver reassembles them before UDP sees anything. UDP itself has no sequence\n" +
        "numbers: a lost fragment loses the whole datagram.",
      "3000 字节的数据报放不进 1500 字节的 MTU：IP 把它切成分片（偏移 0、1480、2960——\n" +
        "首部的片偏移以 8 字节为单位），接收方先重组，UDP 才看得到它。UDP 本身没有序号：\n" +
        "丢一个分片，整个数据报就丢了。",
    );

    await d.section("5. The largest datagram: 65,507 bytes (G6)", "5. 最大的数据报：65507 字节（G6）");
    await net.advance(ms(500));
    d.tcpdumpSince(cap, "server", "the 65,507-byte datagram's first fragments", 4);
    d.say(
      `65,507 bytes = 65,535 (the IPv4 total length field) − 20 (IP header) − 8 (UDP header):\n` +
        `it went out in ${Math.ceil((65507 + 8) / 1480)} fragments and came back (${sizes[4] ?? "?"} bytes). One byte more and sendto fails\n` +
        `at once with ${tooBig ?? "?"} (Message too long): nothing is sent.`,
      `65507 字节 = 65535（IPv4 总长度字段）− 20（IP 首部）− 8（UDP 首部）：\n` +
        `它被分成 ${Math.ceil((65507 + 8) / 1480)} 个分片发出，又完整地回来了（${sizes[4] ?? "?"} 字节）。再多一个字节，sendto\n` +
        `立即以 ${tooBig ?? "?"}（Message too long）失败，什么也不会发出。`,
    );

    await d.section("6. A datagram to a port nobody listens on", "6. 发往无人监听端口的数据报");
    d.say(
      `Nothing is bound to port ${CLOSED_PORT}. The server's kernel answers with ICMP port\n` +
        "unreachable; on a connected UDP socket the client's kernel turns it into\n" +
        "ECONNREFUSED for the next call (E6: the call and the errno text, as perror prints).",
      `${CLOSED_PORT} 号端口上没有绑定任何 socket。服务端内核回复 ICMP 端口不可达；对于已 connect\n` +
        "的 UDP socket，客户端内核把它变成下一次调用的 ECONNREFUSED（E6：出错的调用名\n" +
        "和 errno 文本，就像 perror 打印的那样）。",
    );
    client.spawn("udp-client", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_DGRAM", 0);
      await p.connect(fd, ["10.0.0.2", CLOSED_PORT]);
      await p.send(fd, "anyone there?");
      try {
        await p.recv(fd, 100);
      } catch (e) {
        d.output((e as Error).message); // what perror("recv") prints
      }
      await p.close(fd);
    });
    await net.run();
    d.show(server, "ss -uanp");
    d.say(
      "The echo service is unaffected — still bound, blocked in recvfrom: one side's\nfailure does not touch the other (G6).",
      "回显服务不受影响——仍然绑定着，阻塞在 recvfrom 里：一方的失败不会波及另一方（G6）。",
    );
    d.tcpdumpSince(cap, "server");
  },
};
