/**
 * Demo `syn-flood`: SYN cookies (B5, C9). An attacker on its own link
 * sends 64 SYNs and never completes a handshake (the server's SYN-ACKs to
 * it are lost), filling the SYN queue of a listener with backlog 16 with
 * half-open requests. With `tcp_syncookies = 0` a legitimate client's SYN
 * is dropped (TCPReqQFullDrop) and it retries from SYN-SENT. With
 * `tcp_syncookies = 1` (Linux's default) the server answers with a SYN
 * cookie — the request's state encoded in its ISN, nothing queued — and
 * the client's final ACK, carrying the cookie back, creates the
 * connection: the server stays reachable under the flood.
 */
import { ms, sec } from "../../core/time.js";
import { Network } from "../../sim/network.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { calls, errnoOf } from "../kit.js";

/** The `syn-flood` scenario. */
export const synFloodDemo: DemoScenario = {
  name: "syn-flood",
  summary: {
    en: "a SYN flood fills the SYN queue; tcp_syncookies keeps the server reachable",
    zh: "SYN 洪泛填满半连接队列；tcp_syncookies 让服务器仍可连接",
  },
  seeds: ["B5", "B4", "C9"],
  async run(d: DemoContext): Promise<void> {
    const net = new Network({ seed: d.seed });
    const client = net.addHost("client");
    const server = net.addHost("server");
    const attacker = net.addHost("attacker");
    const { link } = net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(1) });
    const { link: alink } = net.link(attacker, server, { a: "10.0.1.1/24", b: "10.0.1.2/24", latency: ms(1) });
    d.useNetwork(net, calls(["listen", "connect", "accept"], ["server", "client"]));
    d.watch(client, "client");
    d.watch(server, "server");
    const cap = d.capture(link.b, "server");
    d.wire(link, "client", "server");
    alink.partition("bToA"); // the flood's source addresses never answer: SYN-ACKs to them are lost
    d.title(`sockstack demo syn-flood (seed ${d.seed})`);
    d.say(
      "client 10.0.0.1 ---- server 10.0.0.2 (eth0); attacker 10.0.1.1 ---- server 10.0.1.2 (eth1).\n" +
        "The server listens with backlog 16. Nothing the server sends to the attacker arrives\n" +
        "(as with spoofed source addresses). The attacker starts 64 non-blocking connect()s.",
      "client 10.0.0.1 ---- server 10.0.0.2 (eth0)；attacker 10.0.1.1 ---- server 10.0.1.2 (eth1)。\n" +
        "服务端以 backlog 16 监听。服务端发给攻击者的报文一个也到不了（就像源地址是伪造的）。\n" +
        "攻击者发起 64 个非阻塞的 connect()。",
    );
    server.sysctl.tcp_syncookies = 0;
    d.command("server", "sysctl -w net.ipv4.tcp_syncookies=0");
    d.output("net.ipv4.tcp_syncookies = 0");
    server.spawn("server", async (p) => {
      const lfd = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(lfd, ["0.0.0.0", 9090]);
      p.listen(lfd, 16);
      for (;;) await p.accept(lfd);
    });
    attacker.spawn("flood", async (p) => {
      await net.sleep(ms(100));
      for (let i = 0; i < 64; i++) {
        const fd = p.socket("AF_INET", "SOCK_STREAM|SOCK_NONBLOCK");
        await errnoOf(() => p.connect(fd, ["10.0.1.2", 9090])); // EINPROGRESS
      }
      await net.sleep(sec(3600));
    });
    let connected = -1;
    client.spawn("client", async (p) => {
      await net.sleep(ms(500));
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      await p.connect(fd, ["10.0.0.2", 9090]);
      connected = net.now();
      await net.sleep(sec(3600));
    });

    await d.section("1. The flood fills the SYN queue (B4)", "1. 洪泛填满半连接队列（B4）");
    const before = d.snapshot(server);
    await net.advance(ms(2000));
    d.show(server, "ss -tan state syn-recv | head -4");
    const s = d.snapshot(server);
    const listener = s.sockets.find((k) => k.listen)!;
    d.say(
      `The server holds ${listener.listen!.synQueue} half-open requests (SYN-RECV), retransmitting SYN-ACKs into\n` +
        "the void; the other SYNs found the queue full and were dropped.",
      `服务端持有 ${listener.listen!.synQueue} 个半连接请求（SYN-RECV），对着虚空重传 SYN-ACK；其余的 SYN\n` +
        "到达时队列已满，被丢弃。",
    );

    await d.section("2. Without SYN cookies, a real client cannot get in (B5)", "2. 没有 SYN cookies，真正的客户端进不来（B5）");
    d.show(client, "ss -tano");
    d.show(server, "nstat", before);
    d.say(
      "The client's SYN arrived at 0.501 s with the SYN queue full: dropped\n" +
        "(TCPReqQFullDrop). It waits in SYN-SENT and retransmits every second.",
      "客户端的 SYN 在 0.501 秒到达，半连接队列已满：被丢弃（TCPReqQFullDrop）。\n" +
        "它停在 SYN-SENT，每秒重传一次。",
    );
    d.tcpdumpSince(cap, "server", "eth0: the client's SYNs, unanswered");

    await d.section("3. tcp_syncookies = 1: the server answers with a cookie (B5, C9)", "3. tcp_syncookies = 1：服务端用 cookie 应答（B5, C9）");
    server.sysctl.tcp_syncookies = 1;
    d.command("server", "sysctl -w net.ipv4.tcp_syncookies=1");
    d.output("net.ipv4.tcp_syncookies = 1");
    const before2 = d.snapshot(server);
    await net.advance(ms(4000) - net.now());
    d.tcpdumpSince(cap, "server", "eth0");
    d.show(server, "nstat", before2);
    d.show(client, "ss -tan");
    d.say(
      `The client's next retransmitted SYN (at ${((connected - ms(1)) / 1e6).toFixed(3)} s) found the queue still full; the server\n` +
        "answered with a SYN cookie — the connection's parameters (MSS, a time counter, a keyed\n" +
        "hash of the addresses) encoded in its initial sequence number — and kept nothing.\n" +
        `The client's ACK brought the cookie back; the server checked it and created the\n` +
        `connection (SyncookiesRecv). connect() returned at ${connected >= 0 ? (connected / 1e6).toFixed(3) : "?"} s, under the flood.`,
      `客户端下一次重传的 SYN（${((connected - ms(1)) / 1e6).toFixed(3)} 秒）到达时队列仍然是满的；服务端用 SYN cookie 应答——把连接\n` +
        "的参数（MSS、时间计数、对地址的带密钥哈希）编码进自己的初始序号——什么也不保存。客户端\n" +
        `的 ACK 把 cookie 带了回来；服务端校验后创建了连接（SyncookiesRecv）。connect() 在\n` +
        `${connected >= 0 ? (connected / 1e6).toFixed(3) : "?"} 秒返回，洪泛之下依然可达。`,
    );
  },
};
