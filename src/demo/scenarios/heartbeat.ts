/**
 * Demo `heartbeat`: an application heartbeat beside TCP keepalive (H9,
 * C7). One client holds two connections to each of two servers: `K`
 * with SO_KEEPALIVE at Linux's defaults (tcp_keepalive_time 7200 s,
 * tcp_keepalive_intvl 75 s, tcp_keepalive_probes 9), `H` with a PING every
 * 5 s that must be answered by a PONG within 3 s. At 62 s the first
 * server's host vanishes (a crash, a pulled cable: the link is
 * partitioned, nothing answers any more) and the second server's
 * application hangs (its process stops reading; its kernel is fine).
 *
 * The heartbeat notices both at 68 s — the first missing PONG. Keepalive
 * notices the vanished host only 7200 + 9 × 75 = 7875 s after the last
 * traffic (ETIMEDOUT, more than two hours), and never notices the hung
 * application: its kernel answers every probe.
 */
import { POLLIN } from "../../core/poll-events.js";
import { ms, sec } from "../../core/time.js";
import type { Process } from "../../sys/process.js";
import { Network } from "../../sim/network.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { calls, errnoOf } from "../kit.js";

/** Heartbeat period and PONG deadline (ms). */
const PERIOD = 5000;
const DEADLINE = 3000;
/** When the first server's host vanishes and the second's application hangs. */
const FAILURE = sec(62);

/** The `heartbeat` scenario. */
export const heartbeatDemo: DemoScenario = {
  name: "heartbeat",
  summary: {
    en: "an application heartbeat vs SO_KEEPALIVE: a vanished host found in 6 s vs 7875 s, a hung application found only by the heartbeat",
    zh: "应用层心跳与 SO_KEEPALIVE：消失的主机，心跳 6 秒发现、keepalive 7875 秒；挂死的应用只有心跳能发现",
  },
  seeds: ["H9", "C7", "C9", "D8"],
  async run(d: DemoContext): Promise<void> {
    const net = new Network({ seed: d.seed });
    const client = net.addHost("client");
    const servers = ["vanished", "hung"].map((name, i) => {
      const host = net.addHost(name);
      const { link } = net.link(client, host, { a: `10.0.${i + 1}.1/24`, b: `10.0.${i + 1}.2/24`, latency: ms(1) });
      return { name, host, link, addr: `10.0.${i + 1}.2` };
    });
    d.useNetwork(net, calls(["setsockopt", "connect", "close"]));
    d.watch(client, "client");
    for (const s of servers) d.watch(s.host, s.name);
    const caps = servers.map((s) => d.capture(s.link.a, "client"));
    for (const s of servers) d.wire(s.link, "client", s.name);
    d.title(`sockstack demo heartbeat (seed ${d.seed})`);
    d.say(
      "One client, two servers on their own links: vanished 10.0.1.2 and hung 10.0.2.2. Each server\n" +
        "listens on 7001 (held idle) and 7002 (answers PING with PONG). To each one the client opens\n" +
        "K — port 7001, SO_KEEPALIVE on, Linux's defaults — and H — port 7002, an application\n" +
        `heartbeat: PING every ${PERIOD / 1000} s, a PONG due within ${DEADLINE / 1000} s, else the peer is declared dead.`,
      "一个客户端，两台各有独立链路的服务器：vanished 10.0.1.2 和 hung 10.0.2.2。每台服务器监听 7001\n" +
        "（连上后闲置）和 7002（收到 PING 回 PONG）。客户端对每台各开两个连接：K——7001 端口，开启\n" +
        "SO_KEEPALIVE，用 Linux 默认参数；H——7002 端口，应用层心跳：每 " + `${PERIOD / 1000} 秒一个 PING，${DEADLINE / 1000} 秒内必须收到 PONG，\n` +
        "否则认定对端已死。",
    );
    let hang = false;
    for (const s of servers) {
      s.host.spawn("server", async (p) => {
        const lk = p.socket("AF_INET", "SOCK_STREAM");
        p.bind(lk, ["0.0.0.0", 7001]);
        p.listen(lk, 8);
        const lh = p.socket("AF_INET", "SOCK_STREAM");
        p.bind(lh, ["0.0.0.0", 7002]);
        p.listen(lh, 8);
        await p.accept(lk); // held, never used
        const { fd } = await p.accept(lh);
        for (;;) {
          await p.poll([{ fd, events: POLLIN, revents: 0 }], -1);
          if (hang) await net.sleep(sec(1_000_000)); // stuck: no more reading, answering or closing
          const ping = await p.recvExactly(fd, 5);
          if (ping.length < 5) return;
          await p.sendall(fd, "PONG\n");
        }
      });
    }
    const detected = new Map<string, { t: number; why: string }>();
    const heartbeat = async (p: Process, fd: number, name: string) => {
      for (;;) {
        await p.poll([], PERIOD);
        const sentAt = net.now();
        await p.sendall(fd, "PING\n");
        const fds = [{ fd, events: POLLIN, revents: 0 }];
        if ((await p.poll(fds, DEADLINE)) === 0) {
          const why = `no PONG within ${DEADLINE} ms of the PING at ${(sentAt / 1e6).toFixed(0)} s`;
          detected.set(`H ${name}`, { t: net.now(), why });
          d.output(`client H-${name}: ${why}: peer declared dead, closing`);
          break;
        }
        await p.recvExactly(fd, 5);
      }
      await p.close(fd);
    };
    for (const s of servers) {
      client.spawn(`K-${s.name}`, async (p) => {
        const fd = p.socket("AF_INET", "SOCK_STREAM");
        p.setsockopt(fd, "SOL_SOCKET", "SO_KEEPALIVE", 1);
        await p.connect(fd, [s.addr, 7001]);
        const e = await errnoOf(() => p.recv(fd, 100));
        detected.set(`K ${s.name}`, { t: net.now(), why: e ?? "EOF" });
        d.output(`client K-${s.name}: recv: ${e === "ETIMEDOUT" ? "Connection timed out" : e ?? "returned 0"}`);
      });
      client.spawn(`H-${s.name}`, async (p) => {
        const fd = p.socket("AF_INET", "SOCK_STREAM");
        await p.connect(fd, [s.addr, 7002]);
        await heartbeat(p, fd, s.name);
      });
    }

    await d.section("1. Both mechanisms armed (H9, C7, D8)", "1. 两种机制都已就位（H9, C7, D8）");
    await net.advance(sec(11));
    d.tcpdumpSince(caps[0]!, "client", "to vanished: the handshakes, then two heartbeats", 12);
    d.show(client, "ss -tno");
    d.say(
      "K carries nothing: its only timer is `keepalive`, first probe due 7200 s after the last\n" +
        "packet. H sends 5 bytes every 5 s and reads 5 back — ten bytes of application traffic that\n" +
        "keep proving the server program itself is running and answering.",
      "K 上什么都不传：它唯一的定时器是 `keepalive`，第一次探测在最后一个包之后 7200 秒。H 每 5 秒发\n" +
        "5 个字节、收回 5 个字节——这十个字节的应用流量不断证明服务端程序本身还在运行、还在应答。",
    );

    await d.section("2. 62 s: a host vanishes, an application hangs", "2. 62 秒：一台主机消失，一个应用挂死");
    await net.advance(FAILURE - net.now());
    d.markShown(caps[0]!);
    d.markShown(caps[1]!);
    servers[0]!.link.partition();
    d.command("vanished", "# power cut: the host answers nothing from now on (the link is partitioned)");
    hang = true;
    d.command("hung", "# the server process stops reading its socket (a deadlock, a GC pause, an infinite loop)");
    d.say(
      "Neither failure sends a single packet: no FIN, no RST. Without a probe or a request the\n" +
        "client cannot tell a dead peer from a quiet one.",
      "两种故障都不会发出任何报文：没有 FIN，也没有 RST。不去探测、不发请求，客户端就分不清\n" +
        "对端是死了还是只是安静。",
    );

    await d.section("3. 68 s: the heartbeat notices both (H9)", "3. 68 秒：心跳发现了两者（H9）");
    await net.advance(sec(70) - net.now());
    d.tcpdumpSince(caps[0]!, "client", "to vanished: PINGs retransmitted, no PONG");
    d.tcpdumpSince(caps[1]!, "client", "to hung: the PING is ACKed by the kernel, no PONG", 6);
    d.show(servers[1]!.host, "ss -tn");
    d.show(client, "ss -tno");
    const hv = detected.get("H vanished"), hh = detected.get("H hung");
    d.say(
      `The PING at 65 s got no PONG by ${hv ? (hv.t / 1e6).toFixed(0) : "?"} s from vanished and by ${hh ? (hh.t / 1e6).toFixed(0) : "?"} s from hung: both\n` +
        "declared dead 6 s after the failure, and H closed. The two look different on the wire: the\n" +
        "vanished host ACKs nothing, so the PING is retransmitted (timer `on`); the hung host's\n" +
        "kernel ACKs the PING — it waits in the server's Recv-Q, unread (6: five bytes and the FIN of\n" +
        "H's close). K, meanwhile, saw nothing\n" +
        "at all: its keepalive timer still counts down towards 7200 s.",
      `65 秒发出的 PING，vanished 到 ${hv ? (hv.t / 1e6).toFixed(0) : "?"} 秒、hung 到 ${hh ? (hh.t / 1e6).toFixed(0) : "?"} 秒都没回 PONG：故障发生 6 秒后两者都被判定为\n` +
        "死亡，H 关闭了连接。线上两者的样子不同：消失的主机什么都不 ACK，于是 PING 被重传（定时器 `on`）；\n" +
        "挂死的主机内核照常 ACK 了 PING——它躺在服务端的 Recv-Q 里，没人读（6：五个字节加上 H 关闭时的 FIN）。而 K 什么都没察觉：\n" +
        "它的 keepalive 定时器仍在向 7200 秒倒数。",
    );

    await d.section("4. Two hours later: keepalive (C7)", "4. 两小时后：keepalive（C7）");
    await net.advance(sec(7300) - net.now());
    d.markShown(caps[0]!);
    d.tcpdumpSince(caps[1]!, "client", "to hung: the keepalive probe at 7200 s and the kernel's answer", 12);
    d.show(client, "ss -tno");
    await net.advance(sec(8000) - net.now());
    d.show(client, "ss -tno");
    const kv = detected.get("K vanished");
    d.say(
      "At 7200 s after its last packet K probed both servers (an ACK for snd.una − 1). The hung\n" +
        "server's kernel answered — as far as TCP knows that peer is healthy, and it will stay so for\n" +
        `as long as the host runs. The vanished one answered none of the 9 probes, 75 s apart: at\n` +
        `${kv ? (kv.t / 1e6).toFixed(0) : "?"} s recv() failed with ${kv?.why ?? "?"} — 7200 + 9 × 75 = 7875 s after the last traffic.`,
      "在最后一个包之后 7200 秒，K 向两台服务器都发出了探测（一个确认 snd.una − 1 的 ACK）。挂死的服务器\n" +
        "内核作了应答——在 TCP 看来这个对端很健康，只要主机还在运行就一直如此。消失的主机对间隔 75 秒的\n" +
        `9 次探测都没有回应：在 ${kv ? (kv.t / 1e6).toFixed(0) : "?"} 秒 recv() 以 ${kv?.why ?? "?"} 失败——最后一次通信之后 7200 + 9 × 75 = 7875 秒。`,
    );

    await d.section("What you just saw", "刚才看到了什么");
    const row = (k: string) => {
      const e = detected.get(k);
      return (e ? `${(e.t / 1e6 - FAILURE / 1e6).toFixed(0)} s after the failure` : "never").padEnd(26);
    };
    d.output("time to notice  vanished host             hung application");
    d.output(`heartbeat (H)   ${row("H vanished")}${row("H hung")}`.trimEnd());
    d.output(`keepalive (K)   ${row("K vanished")}${row("K hung")}`.trimEnd());
    d.say(
      `- A heartbeat finds a dead peer within one period plus its deadline (${PERIOD / 1000} + ${DEADLINE / 1000} s here), and a hung\n` +
        "  application too: only an answer from the program proves the program is alive (H9).\n" +
        "- Keepalive finds a vanished host after tcp_keepalive_time + tcp_keepalive_probes ×\n" +
        "  tcp_keepalive_intvl (7875 s by default; TCP_KEEPIDLE/INTVL/CNT shorten it per socket), and\n" +
        "  a hung application never: the kernel answers its probes (C7).\n" +
        "- Keepalive costs the application nothing and also keeps NAT and firewall entries alive;\n" +
        "  protocols that must notice failures quickly (chat, RPC, databases) add their own heartbeat.",
      `- 心跳在一个周期加上应答时限内（这里是 ${PERIOD / 1000} + ${DEADLINE / 1000} 秒）发现死去的对端，也能发现挂死的应用：\n` +
        "  只有程序自己的回答才能证明程序还活着（H9）。\n" +
        "- keepalive 要在 tcp_keepalive_time + tcp_keepalive_probes × tcp_keepalive_intvl 之后才发现消失的主机\n" +
        "  （默认 7875 秒；可用 TCP_KEEPIDLE/INTVL/CNT 为单个 socket 缩短），而挂死的应用它永远发现不了：\n" +
        "  内核会回应它的探测（C7）。\n" +
        "- keepalive 不需要应用做任何事，还能让 NAT 和防火墙的表项保持有效；必须尽快发现故障的协议\n" +
        "  （聊天、RPC、数据库）都会加上自己的心跳。",
    );
  },
};
