/**
 * Demo `nagle`: Nagle's algorithm against the peer's delayed ACK (C3, G3).
 * A client sends requests in two small writes (a 10-byte header, then a
 * 10-byte body) and waits for a 1-byte reply. With Nagle on (the default)
 * the body may not leave while the header is unacknowledged; the server's
 * kernel delays its ACK, hoping to send it with a reply that cannot come
 * before the body does: each request waits for the delayed-ACK timer.
 * With TCP_NODELAY both writes leave at once and a request costs one round
 * trip. Then one-byte writes (a user typing): coalesced while data is in
 * flight with Nagle, one segment per byte without.
 */
import { ms } from "../../core/time.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { calls, twoHosts } from "../kit.js";

/** The `nagle` scenario. */
export const nagleDemo: DemoScenario = {
  name: "nagle",
  summary: {
    en: "small writes with and without TCP_NODELAY against delayed ACK, with timings",
    zh: "小块写入：开启与关闭 TCP_NODELAY 时和延迟确认的相互作用，附计时",
  },
  seeds: ["C3", "G3", "D8"],
  async run(d: DemoContext): Promise<void> {
    const { net, client, server, cap } = twoHosts(d, { latency: ms(5), show: calls(["setsockopt"]) });
    d.title(`sockstack demo nagle (seed ${d.seed})`);
    d.say(
      "client 10.0.0.1 ---- 5 ms ---- server 10.0.0.2 (10 ms round trip). The server answers\n" +
        "each 20-byte request with one byte. The client writes each request in two parts.",
      "client 10.0.0.1 ---- 5 ms ---- server 10.0.0.2（往返 10 ms）。服务端对每个 20 字节的请求\n" +
        "回答 1 个字节。客户端把每个请求分两次写出。",
    );
    server.spawn("server", async (p) => {
      const lfd = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(lfd, ["0.0.0.0", 9090]);
      p.listen(lfd, 8);
      for (;;) {
        const { fd } = await p.accept(lfd);
        p.thread(async (t) => {
          for (;;) {
            const req = await t.recvExactly(fd, 20).catch(() => null);
            if (!req || req.length < 20) break;
            await t.send(fd, "k");
          }
          await t.close(fd);
        });
      }
    });
    const timings: Record<string, number[]> = {};
    const run = (label: string, nodelay: boolean) =>
      client.spawn("client", async (p) => {
        const fd = p.socket("AF_INET", "SOCK_STREAM");
        if (nodelay) p.setsockopt(fd, "IPPROTO_TCP", "TCP_NODELAY", 1);
        await p.connect(fd, ["10.0.0.2", 9090]);
        const times: number[] = [];
        for (let i = 0; i < 6; i++) {
          const t0 = net.now();
          await p.send(fd, "HEADER-01\n");
          await p.send(fd, "BODY----1\n");
          await p.recv(fd, 1);
          times.push((net.now() - t0) / 1000);
          await net.sleep(ms(100));
        }
        timings[label] = times;
        d.output(`client (${label}): request times ${times.map((t) => `${t} ms`).join(", ")}`);
        await p.close(fd);
      });

    await d.section("1. Nagle on (the default): write, write, read (C3)", "1. 开启 Nagle（默认）：写、写、读（C3）");
    run("Nagle", false);
    await net.advance(ms(1000));
    d.tcpdumpSince(cap, "server", "the handshake and the first two requests", 14);
    d.say(
      "The header leaves at once. The body is small and the header is unacknowledged, so\n" +
        "Nagle holds it until the ACK comes. The first time the server ACKs at once (a new\n" +
        "connection starts in quick-ACK mode): 20 ms, two round trips. But its reply made\n" +
        "the connection interactive, and from then on its kernel delays the ACK of half a\n" +
        "request, hoping to send it with a reply that cannot come before the body does:\n" +
        "40 ms (Linux's minimum delayed-ACK time) + two round trips = 60 ms per request.\n" +
        "(Linux 6.18 on loopback, the same program in Python: 0.1 ms, then 40-50 ms each.)",
      "头部立即发出。正文很小，而头部还没有被确认，于是 Nagle 把它扣住，直到 ACK 到来。第一次\n" +
        "服务端立即确认（新连接处于快速确认模式）：20 ms，两个往返。但它的回复让连接进入了交互\n" +
        "模式，此后它的内核收到半个请求时会推迟 ACK，希望和回复一起发出——而正文不到，回复就\n" +
        "不会有：40 ms（Linux 最小的延迟确认时间）+ 两个往返 = 每个请求 60 ms。\n" +
        "（在 Linux 6.18 的回环接口上用 Python 跑同样的程序：先是 0.1 ms，之后每次 40-50 ms。）",
    );

    await d.section("2. TCP_NODELAY: each write leaves at once (C3)", "2. TCP_NODELAY：每次写立即发出（C3）");
    run("TCP_NODELAY", true);
    await net.advance(ms(1000));
    d.tcpdumpSince(cap, "server", "the first two requests", 12);
    d.say(
      `Nagle:       ${(timings["Nagle"] ?? []).map((t) => `${t} ms`).join(", ")}\n` +
        `TCP_NODELAY: ${(timings["TCP_NODELAY"] ?? []).map((t) => `${t} ms`).join(", ")}\n` +
        "With TCP_NODELAY a request costs one round trip (10 ms). The better fix is one\n" +
        "write per request (writev, or a buffer): Nagle then never has anything to hold.",
      `Nagle：       ${(timings["Nagle"] ?? []).map((t) => `${t} ms`).join("，")}\n` +
        `TCP_NODELAY： ${(timings["TCP_NODELAY"] ?? []).map((t) => `${t} ms`).join("，")}\n` +
        "开启 TCP_NODELAY 后，一个请求只花一个往返（10 ms）。更好的办法是每个请求只写一次\n" +
        "（writev，或先缓冲）：这样 Nagle 就没有什么可扣留的。",
    );

    await d.section("3. One byte at a time: coalesced (C3)", "3. 一次一个字节：被合并（C3）");
    const segs: Record<string, number> = {};
    const typing = (label: string, nodelay: boolean) =>
      client.spawn("typist", async (p) => {
        const fd = p.socket("AF_INET", "SOCK_STREAM");
        if (nodelay) p.setsockopt(fd, "IPPROTO_TCP", "TCP_NODELAY", 1);
        await p.connect(fd, ["10.0.0.2", 9090]);
        const before = cap.packets.length;
        for (const ch of "hello world, slowly typed") {
          await p.send(fd, ch);
          await net.sleep(ms(2));
        }
        await net.sleep(ms(100));
        const port = (p.getsockname(fd) as { port: number }).port;
        segs[label] = cap.packets.slice(before).filter((r) => r.dir === "in" && r.bytes.length > 52 && ((r.bytes[20]! << 8) | r.bytes[21]!) === port).length;
        await p.close(fd);
      });
    typing("Nagle", false);
    await net.advance(ms(300));
    typing("TCP_NODELAY", true);
    await net.advance(ms(300));
    d.markShown(cap);
    d.say(
      `25 one-byte writes, 2 ms apart: with Nagle they left in ${segs["Nagle"] ?? "?"} segments (one byte, then\n` +
        `whatever had accumulated each time an ACK came back); with TCP_NODELAY in ${segs["TCP_NODELAY"] ?? "?"}, one per byte\n` +
        "— each with 52 bytes of headers — and the last byte once more: a tail loss probe, sent\n" +
        "2·SRTT + 2 ms after it because the receiver was delaying its ACK (RFC 8985, as Linux).",
      `25 次单字节写入，间隔 2 ms：开启 Nagle 时它们只用了 ${segs["Nagle"] ?? "?"} 个报文段（先发一个字节，之后每收到\n` +
        `一个 ACK 就把攒下的一起发出）；开启 TCP_NODELAY 时用了 ${segs["TCP_NODELAY"] ?? "?"} 个，每字节一个——每个都带着\n` +
        "52 字节的首部——最后一个字节还多发了一次：接收方在延迟确认，于是 2·SRTT + 2 ms 后\n" +
        "发出尾部丢包探测（RFC 8985，与 Linux 相同）。",
    );
  },
};
