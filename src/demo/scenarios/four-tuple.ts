/**
 * Demo `four-tuple`: a connection is identified by its 4-tuple (A6). With
 * the client's ephemeral range cut to ten ports, ten connections to
 * server:9090 use them all and the eleventh connect() fails with
 * EADDRNOTAVAIL — yet ten more to server:9091 reuse the same ten local
 * ports, because only the whole 4-tuple must be unique (A7). A8, one
 * server port with more than 65,535 connections, is the scenario
 * `many-connections`.
 */
import { ms } from "../../core/time.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { calls, errnoOf, twoHosts } from "../kit.js";

/** The `four-tuple` scenario. */
export const fourTupleDemo: DemoScenario = {
  name: "four-tuple",
  summary: {
    en: "the 4-tuple: one port for every accepted connection, local ports reused across servers, EADDRNOTAVAIL",
    zh: "四元组：所有 accept 的连接共用一个端口、本地端口可在不同服务端之间复用、EADDRNOTAVAIL",
  },
  seeds: ["A6", "A7", "C9"],
  async run(d: DemoContext): Promise<void> {
    const { net, client, server } = twoHosts(d, { show: calls(["bind", "listen"]) });
    d.title(`sockstack demo four-tuple (seed ${d.seed})`);
    d.say(
      "client 10.0.0.1 ---- server 10.0.0.2. The server listens on 9090 and 9091 and accepts\n" +
        "everything. The client's ephemeral port range is cut to ten ports.",
      "client 10.0.0.1 ---- server 10.0.0.2。服务端监听 9090 和 9091，来者不拒。客户端的临时\n" +
        "端口范围被缩小到 10 个端口。",
    );
    server.spawn("server", async (p) => {
      p.setrlimit("RLIMIT_NOFILE", { soft: 1 << 20, hard: 1 << 20 });
      for (const port of [9090, 9091]) {
        const l = p.socket("AF_INET", "SOCK_STREAM");
        p.bind(l, ["0.0.0.0", port]);
        p.listen(l, 4096);
        p.thread(async (t) => {
          for (;;) await t.accept(l);
        });
      }
      await net.sleep(ms(3_600_000));
    });
    client.sysctl.ip_local_port_range = [40000, 40009];
    d.command("client", "sysctl -w net.ipv4.ip_local_port_range='40000 40009'");
    d.output("net.ipv4.ip_local_port_range = 40000\t40009");

    await d.section("1. Ten ports, eleven connections to :9090 (A6)", "1. 十个端口，十一个连向 :9090 的连接（A6）");
    let eleventh: string | null = null;
    client.spawn("client", async (p) => {
      for (let i = 0; i < 10; i++) await p.connect(p.socket("AF_INET", "SOCK_STREAM"), ["10.0.0.2", 9090]);
      eleventh = await errnoOf(() => p.connect(p.socket("AF_INET", "SOCK_STREAM"), ["10.0.0.2", 9090]));
      if (eleventh) d.output("client: connect: Cannot assign requested address");
      for (let i = 0; i < 10; i++) await p.connect(p.socket("AF_INET", "SOCK_STREAM"), ["10.0.0.2", 9091]);
      await net.sleep(ms(3_600_000));
    });
    await net.advance(ms(100));
    d.show(client, "ss -tn dport = :9090 | head -4");
    d.show(server, "ss -tn | head -4");
    d.say(
      `Ten connections used ports 40000-40009; the eleventh connect() to the same server and\n` +
        `port found no free 4-tuple: ${eleventh ?? "?"}. On the server all of them share port 9090 — an accepted\n` +
        "connection gets no new port; the peer's address and port tell them apart (A6).",
      `十个连接用掉了 40000-40009；第十一个连向同一服务端同一端口的 connect() 找不到空闲的四元组：\n` +
        `${eleventh ?? "?"}。在服务端，它们都共用 9090 端口——accept 得到的连接不会分配新端口，靠对端的地址\n` +
        "和端口区分彼此（A6）。",
    );

    await d.section("2. The same ten ports again, to :9091 (A7)", "2. 同样的十个端口，再连 :9091（A7）");
    d.show(client, "ss -tn dport = :9091 | head -4");
    const snap = d.snapshot(client);
    const ports = (dport: number) => snap.sockets.filter((k) => k.remotePort === dport).map((k) => k.localPort).sort((a, b) => a - b);
    const same = JSON.stringify(ports(9090)) === JSON.stringify(ports(9091));
    d.say(
      `The connections to 9091 reuse local ports 40000-40009 (${same ? "the very same ten" : "?"}): (10.0.0.1, 40000,\n` +
        "10.0.0.2, 9090) and (10.0.0.1, 40000, 10.0.0.2, 9091) are different connections. One\n" +
        "client can open ~28,000 connections (the default range 32768-60999) to each server\n" +
        "address and port; a server port can hold far more (sockstack demo many-connections).",
      `连向 9091 的连接复用了本地端口 40000-40009（${same ? "正是同样的十个" : "?"}）：(10.0.0.1, 40000, 10.0.0.2, 9090)\n` +
        "和 (10.0.0.1, 40000, 10.0.0.2, 9091) 是两个不同的连接。一个客户端对每个服务端地址和端口\n" +
        "都能建立约 28000 个连接（默认范围 32768-60999）；而一个服务端端口能容纳的连接远不止这些\n" +
        "（sockstack demo many-connections）。",
    );

  },
};
