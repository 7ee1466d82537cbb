/**
 * Demo `keepalive`: SO_KEEPALIVE with Linux's defaults — TCP_KEEPIDLE
 * 7200 s, TCP_KEEPINTVL 75 s, TCP_KEEPCNT 9 (C7) — against three idle
 * peers over two and a half simulated hours: one alive (it answers each
 * probe, the timer restarts), one crashed (silent: nine unanswered probes,
 * then ETIMEDOUT at 7200 + 9 × 75 = 7875 s), one rebooted (its new kernel
 * answers the probe with RST: ECONNRESET). A probe is an ACK whose
 * sequence number is one below snd.una, which the peer must answer.
 */
import { sec } from "../../core/time.js";
import { Network } from "../../sim/network.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { calls, errnoOf } from "../kit.js";

/** The `keepalive` scenario. */
export const keepaliveDemo: DemoScenario = {
  name: "keepalive",
  summary: {
    en: "SO_KEEPALIVE over two simulated hours: an alive, a crashed and a rebooted peer",
    zh: "两个模拟小时里的 SO_KEEPALIVE：存活、崩溃和重启的对端",
  },
  seeds: ["C7", "C9", "D8", "G2", "G4"],
  async run(d: DemoContext): Promise<void> {
    const net = new Network({ seed: d.seed });
    const client = net.addHost("client");
    const names = ["alive", "crashed", "rebooted"] as const;
    const links = names.map((n, i) => {
      const h = net.addHost(n);
      const { link } = net.link(client, h, { a: `10.0.${i + 1}.1/24`, b: `10.0.${i + 1}.2/24`, latency: 1000 });
      d.watch(h, n);
      return { host: h, link, addr: `10.0.${i + 1}.2` };
    });
    d.useNetwork(net, calls(["setsockopt", "connect", "recv"]));
    d.watch(client, "client");
    const caps = links.map((l) => d.capture(l.link.a, "client"));
    for (const l of links) d.wire(l.link, "client", l.host.name);
    d.title(`sockstack demo keepalive (seed ${d.seed})`);
    d.say(
      "One client, three servers on their own links: alive 10.0.1.2, crashed 10.0.2.2,\n" +
        "rebooted 10.0.3.2. The client connects to each with SO_KEEPALIVE on and waits in\n" +
        "recv(); nobody sends anything. At 100 s the second server's host crashes (it goes\n" +
        "silent) and the third reboots. Two and a half hours pass in well under a second.",
      "一个客户端，三台各有独立链路的服务器：alive 10.0.1.2、crashed 10.0.2.2、rebooted\n" +
        "10.0.3.2。客户端开启 SO_KEEPALIVE 连接每一台，然后阻塞在 recv() 里；谁都不发数据。\n" +
        "100 秒时第二台主机崩溃（从此沉默），第三台重启。两个半小时的模拟时间不到一秒就跑完。",
    );
    for (const l of links) {
      l.host.spawn("server", async (p) => {
        const lfd = p.socket("AF_INET", "SOCK_STREAM");
        p.bind(lfd, ["0.0.0.0", 9090]);
        p.listen(lfd, 8);
        await p.accept(lfd);
        await net.sleep(sec(100_000));
      });
    }
    const result = new Map<string, string | null>();
    for (const l of links) {
      client.spawn(`client-${l.host.name}`, async (p) => {
        const fd = p.socket("AF_INET", "SOCK_STREAM");
        p.setsockopt(fd, "SOL_SOCKET", "SO_KEEPALIVE", 1);
        await p.connect(fd, [l.addr, 9090]);
        const e = await errnoOf(() => p.recv(fd, 100));
        result.set(l.host.name, e);
        if (e) d.output(`client-${l.host.name}: recv: ${e === "ETIMEDOUT" ? "Connection timed out" : "Connection reset by peer"}`);
      });
    }

    await d.section("1. Idle connections, keepalive armed (C7, D8)", "1. 空闲的连接，keepalive 定时器已启动（C7, D8）");
    await net.advance(sec(100));
    links[1]!.link.partition();
    d.command("crashed", "# the host crashes: no answer to anything from now on");
    const rebooted = net.reboot("rebooted");
    d.watch(rebooted, "rebooted");
    d.command("rebooted", "reboot");
    d.show(client, "ss -tno");
    d.say(
      "Each socket's timer is `keepalive`: the first probe is due 7200 s after the last\n" +
        "traffic (net.ipv4.tcp_keepalive_time). Neither the crash nor the reboot sent\n" +
        "anything: without keepalive the client would wait in recv() forever.",
      "每个 socket 的定时器都是 `keepalive`：距最后一次通信 7200 秒后发出第一个探测\n" +
        "（net.ipv4.tcp_keepalive_time）。崩溃和重启都没有发出任何报文：没有 keepalive，\n" +
        "客户端会在 recv() 里永远等下去。",
    );

    await d.section("2. Two hours later: the first probes (C7)", "2. 两小时后：第一轮探测（C7）");
    await net.advance(sec(7200 + 10) - net.now());
    d.tcpdumpSince(caps[0]!, "client", "alive: the probe and its answer");
    d.tcpdumpSince(caps[2]!, "client", "rebooted: the probe and the RST");
    d.show(client, "ss -tno");
    d.say(
      "The probe is an ACK for one byte below what was acknowledged (seq snd.una − 1, no\n" +
        "data): a live kernel must answer it. The alive server's kernel did — the timer\n" +
        "restarts (ss shows the next check, 75 s on; the next probe comes 7200 s after the\n" +
        "answer). The rebooted one knows no such connection and answers\n" +
        `RST: the client's recv() failed with ${result.get("rebooted") ?? "?"}. The crashed server is silent;\n` +
        "the probes repeat every 75 s (tcp_keepalive_intvl).",
      "探测报文是一个比已确认位置小 1 的 ACK（seq 为 snd.una − 1，不带数据）：活着的内核必须\n" +
        "回应。存活的服务器内核回应了——定时器重新开始计时（ss 显示的是 75 秒后的下一次检查；\n" +
        "下一个探测在收到回应 7200 秒之后）。重启过的服务器不认识这个\n" +
        `连接，回了 RST：客户端的 recv() 以 ${result.get("rebooted") ?? "?"} 失败。崩溃的服务器毫无回音；\n` +
        "探测每 75 秒重复一次（tcp_keepalive_intvl）。",
    );

    await d.section("3. Nine probes later: ETIMEDOUT (C7)", "3. 九次探测之后：ETIMEDOUT（C7）");
    await net.advance(sec(9000) - net.now());
    d.tcpdumpSince(caps[1]!, "client", "crashed: the probes, unanswered");
    d.show(client, "ss -tno");
    d.say(
      `After 9 unanswered probes (tcp_keepalive_probes), 7200 + 9 × 75 = 7875 s after the\n` +
        `last traffic, the kernel gave up — a RST in case anyone still listens — and recv() failed with ${result.get("crashed") ?? "?"}. The alive\n` +
        "connection is still there, its next probe due at 14,400 s. Keepalive proves the peer's\n" +
        "kernel is alive — not that its application is (see sockstack demo heartbeat).",
      `9 次探测（tcp_keepalive_probes）都没有回应，在最后一次通信之后 7200 + 9 × 75 = 7875 秒，\n` +
        `内核放弃了——发出一个 RST，以防对方还在——recv() 以 ${result.get("crashed") ?? "?"} 失败。存活的连接仍在，下一次探测在第 14400 秒。\n` +
        "keepalive 只能证明对端的内核还活着——不能证明对端的应用还活着（见 sockstack demo heartbeat）。",
    );
  },
};
