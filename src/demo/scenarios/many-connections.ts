/**
 * Demo `many-connections`: one server port holds far more than 65,535
 * connections (A8). A port number is 16 bits, but a connection is named
 * by its 4-tuple: the server's side (10.0.N.2, 8080) is the same for all
 * of them, and the clients' (address, port) pairs tell them apart. One
 * client address can open at most one connection per local port to
 * 10.0.N.2:8080 (64,512 with ip_local_port_range 1024–65535); two client
 * hosts open 40,000 each — 80,000 connections, every one accepted on
 * port 8080, shown by `ss -s`.
 *
 * Cost: the hosts are not watched (no state events) and nothing is
 * captured; each client keeps 500 blocking connects in flight (as a load
 * generator does, and as src/bench's million benchmark does), on links of
 * 50 µs; the system calls of the bulk are not narrated. The run takes a few
 * seconds of CPU; the views are printed from one snapshot without putting
 * 160,000 sockets into the JSON events.
 */
import { ms, sec } from "../../core/time.js";
import type { Host } from "../../host/host.js";
import { Network } from "../../sim/network.js";
import { snapshot } from "../../tools/snapshot.js";
import { ss, ssSummary } from "../../tools/ss.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { calls, errnoOf } from "../kit.js";

/** Client hosts and connections from each. */
export const MANY_CLIENTS = 2;
/** Connections each client host opens. */
export const MANY_PER_CLIENT = 40_000;

/** Connections each client keeps in flight (blocking connect() calls waiting at once). */
const LANES = 500;

/** The `many-connections` scenario. */
export const manyConnectionsDemo: DemoScenario = {
  name: "many-connections",
  summary: {
    en: "80,000 connections on one server port (ss -s): the 4-tuple, not the port, names a connection",
    zh: "一个服务端端口上的 80000 个连接（ss -s）：标识连接的是四元组，而不是端口",
  },
  seeds: ["A8", "A6", "C9", "I1"],
  heavy: "80,000 handshakes: several seconds of CPU, a minute under the lab's per-instant observation",
  async run(d: DemoContext): Promise<void> {
    const net = new Network({ seed: d.seed });
    const server = net.addHost("server", { sysctl: { somaxconn: 65535, tcp_max_syn_backlog: 65535 } });
    const clients: Host[] = [];
    for (let i = 0; i < MANY_CLIENTS; i++) {
      const c = net.addHost(`client${i + 1}`);
      net.link(c, server, { a: `10.0.${i + 1}.1/24`, b: `10.0.${i + 1}.2/24`, latency: ms(0.05) });
      clients.push(c);
    }
    // Narrate the set-up calls of the first connects only: the bulk is silent (narrateSyscalls below).
    d.useNetwork(net, calls(["bind", "listen", "setrlimit", "fcntl"]));
    const total = MANY_CLIENTS * MANY_PER_CLIENT;
    d.title(`sockstack demo many-connections (seed ${d.seed})`);
    d.say(
      `One server host, ${MANY_CLIENTS} client hosts on their own links (client1 10.0.1.1, client2 10.0.2.1;\n` +
        "the server is 10.0.1.2 and 10.0.2.2). The server listens on port 8080 and\n" +
        `accepts everything. Each client opens ${MANY_PER_CLIENT.toLocaleString("en-US")} connections to it: ${total.toLocaleString("en-US")} in all, on one port.`,
      `一台服务器，${MANY_CLIENTS} 台客户端主机各有独立链路（client1 10.0.1.1、client2 10.0.2.1；\n` +
        `服务器是 10.0.1.2 和 10.0.2.2）。服务端监听 8080 端口，来者不拒。每个客户端向它发起 ${MANY_PER_CLIENT} 个连接：\n` +
        `一共 ${total} 个，全在一个端口上。`,
    );
    let accepted = 0;
    server.spawn("server", async (p) => {
      p.setrlimit("RLIMIT_NOFILE", { soft: 1 << 20, hard: 1 << 20 });
      const l = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(l, ["0.0.0.0", 8080]);
      p.listen(l, 65535);
      for (;;) {
        await p.accept(l);
        accepted++;
      }
    });
    let connected = 0;
    const refused: string[] = [];
    for (const [i, c] of clients.entries()) {
      c.sysctl.ip_local_port_range = [1024, 65535];
      c.spawn("loadgen", async (p) => {
        p.setrlimit("RLIMIT_NOFILE", { soft: 1 << 20, hard: 1 << 20 });
        let next = 0;
        await Promise.all(Array.from({ length: LANES }, async () => {
          while (next < MANY_PER_CLIENT) {
            next++;
            const fd = p.socket("AF_INET", "SOCK_STREAM");
            const e = await errnoOf(() => p.connect(fd, [`10.0.${i + 1}.2`, 8080]));
            if (e) refused.push(e);
            connected++;
          }
        }));
        await net.sleep(sec(30 * 86400)); // hold the connections: an exiting process closes its fds
      });
    }
    d.command("client1", "sysctl -w net.ipv4.ip_local_port_range='1024 65535'");
    d.output("net.ipv4.ip_local_port_range = 1024\t65535");

    await d.section("1. Opening the connections (A8)", "1. 建立连接（A8）");
    await net.advance(ms(1));
    d.narrateSyscalls(false);
    const ok = await net.runUntil(() => connected === total && accepted === total, { timeout: sec(600) });
    d.narrateSyscalls(true);
    d.say(
      `Each client keeps ${LANES} blocking connect() calls waiting at once (a thread each, as a load\n` +
        "generator does); the kernels finish the handshakes, the server's accept loop takes them. After\n" +
        `${(net.now() / 1000).toFixed(0)} ms of simulated time the server has accepted ${accepted.toLocaleString("en-US")} connections${ok ? "" : " (not all!)"}${refused.length ? `; ${refused.length} connects failed (${refused[0]})` : ""}.`,
      `每个客户端同时保持 ${LANES} 个阻塞的 connect() 调用（像压测工具那样每个一个线程）；握手由两边内核完成，\n` +
        `服务端的 accept 循环把连接取走。模拟时间过去 ${(net.now() / 1000).toFixed(0)} 毫秒后，服务端已 accept 了 ${accepted} 个连接${ok ? "" : "（没有全部完成！）"}${refused.length ? `；${refused.length} 个 connect 失败（${refused[0]}）` : ""}。`,
    );

    await d.section("2. ss -s on the server (A8, I1)", "2. 服务器上的 ss -s（A8, I1）");
    const snap = snapshot(server);
    d.command("server", "ss -s");
    d.outputText(ssSummary(snap));
    const onPort = snap.sockets.filter((s) => s.proto === "tcp" && s.localPort === 8080 && s.remotePort !== 0);
    const peers = new Set(onPort.map((s) => s.remoteAddr));
    d.command("server", "ss -tn state established '( sport = :8080 )' | wc -l");
    d.output(String(onPort.length + 1)); // with the header line, as wc counts it
    // `ss -tn` of 80,000 rows, the first three and the last: the view of a snapshot cut to those rows.
    const rows = snap.sockets.filter((s) => s.proto === "tcp" && s.remotePort !== 0);
    const part = (sockets: typeof rows) => ss({ ...snap, sockets }, "-tn").replace(/\n$/, "").split("\n");
    d.command("server", "ss -tn | sed -n '1,4p;$p'");
    d.outputText(part(rows.slice(0, 3)).join("\n"));
    d.outputText(part(rows.slice(-1)).slice(1).join("\n"));
    d.say(
      `${onPort.length.toLocaleString("en-US")} ESTABLISHED connections, every one with local port 8080 — far more than the\n` +
        `65,535 ports a 16-bit number can name. What tells them apart is the 4-tuple: (10.0.N.2, 8080,\n` +
        `client address, client port). The ${peers.size} client addresses × up to 64,512 ports each (1024–65535) give\n` +
        "the room; the server's own port never changes. Each connection costs the server memory and\n" +
        "an fd (RLIMIT_NOFILE raised to 1,048,576), not a port.",
      `${onPort.length} 个 ESTABLISHED 连接，本地端口全是 8080——远超 16 位端口号所能表示的 65535 个。\n` +
        `区分它们的是四元组：(10.0.N.2, 8080, 客户端地址, 客户端端口)。${peers.size} 个客户端地址 × 每个最多 64512 个端口\n` +
        "（1024–65535）提供了空间；服务端自己的端口始终不变。每个连接消耗服务器的内存和一个 fd\n" +
        "（RLIMIT_NOFILE 提高到 1048576），而不是一个端口。",
    );

    await d.section("3. Where the limit really is (A6, C9)", "3. 真正的上限在哪里（A6, C9）");
    // The client's side from its connection table (a full snapshot of 40,000 sockets would only cost time).
    const c1Ports: number[] = [];
    for (const t of clients[0]!.tcp.tables.connections()) if (t.remotePort === 8080) c1Ports.push(t.localPort);
    c1Ports.sort((a, b) => a - b);
    d.say(
      `client1 holds ${c1Ports.length.toLocaleString("en-US")} connections to 10.0.1.2:8080, local ports ${c1Ports[0]}–${c1Ports.at(-1)}. Towards that one\n` +
        "server address and port, a client address has 64,512 ports to use: the 64,513th connect()\n" +
        "would fail with EADDRNOTAVAIL (see `sockstack demo four-tuple`). A second address — another\n" +
        "host, or an alias on the same card — or another server port starts a fresh set of 4-tuples.",
      `client1 持有 ${c1Ports.length} 个连向 10.0.1.2:8080 的连接，本地端口 ${c1Ports[0]}–${c1Ports.at(-1)}。对这一个服务端地址和端口，\n` +
        "一个客户端地址只有 64512 个端口可用：第 64513 个 connect() 会以 EADDRNOTAVAIL 失败（见\n" +
        "`sockstack demo four-tuple`）。再加一个地址——另一台主机，或同一网卡上的别名——或另一个\n" +
        "服务端端口，就有一组全新的四元组。",
    );

    await d.section("What you just saw", "刚才看到了什么");
    d.say(
      `- One listening port, ${onPort.length.toLocaleString("en-US")} connections: a port is not used up by accept() (A6, A8).\n` +
        "- The limit of 65,535 is per (source address, destination address, destination port):\n" +
        "  the client's side runs out, not the server's.\n" +
        "- `ss -s` counts what the kernel holds; the fd limit and memory are the real server limits.",
      `- 一个监听端口，${onPort.length} 个连接：accept() 不会耗尽端口（A6, A8）。\n` +
        "- 65535 的上限是针对（源地址, 目的地址, 目的端口）的：先耗尽的是客户端，不是服务端。\n" +
        "- `ss -s` 统计的是内核持有的东西；fd 上限和内存才是服务器真正的上限。",
    );
  },
};

