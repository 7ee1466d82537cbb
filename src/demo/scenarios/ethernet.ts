/**
 * Demo `ethernet`: the link layer of seed G5 — Ethernet frames and ARP on
 * a switched LAN. Three hosts on a learning switch: the first datagram to
 * a new neighbour waits in the neighbour entry (INCOMPLETE) while a
 * broadcast ARP request goes out and the unicast reply comes back; the
 * switch floods the broadcast and learns each sender's port (`bridge
 * fdb`); `tcpdump -e` shows the MAC header of every frame. The entry
 * ages REACHABLE → STALE, is used again (DELAY), re-checked with a
 * unicast probe (PROBE) and confirmed (REACHABLE). A connect() to an
 * address nobody owns sends three broadcast requests, one a second, the
 * entry goes FAILED at 3 s and the queued datagram is answered with ICMP
 * host unreachable: EHOSTUNREACH for a socket with IP_RECVERR. Finally a cable is pulled: the neighbour
 * goes STALE → DELAY → PROBE → FAILED. Last, a duplicate address: pc3
 * claims pc1's IPv6 address and duplicate address detection (RFC 4862)
 * marks it `dadfailed` (Linux's kernel has no IPv4 equivalent). The timings are those of Linux
 * 6.18 measured on a veth pair (docs/ethernet.md).
 */
import { ms, sec } from "../../core/time.js";
import type { EthernetDevice } from "../../link/ethernet.js";
import { Network } from "../../sim/network.js";
import { ipv6 } from "../../wire/ipv6-address.js";
import type { EtherLink } from "../../sim/ether-link.js";
import { Capture } from "../capture.js";
import { showFdb, type DemoContext, type DemoScenario } from "../context.js";
import { calls, errnoOf } from "../kit.js";

/** The `ethernet` scenario. */
export const ethernetDemo: DemoScenario = {
  name: "ethernet",
  summary: {
    en: "Ethernet and ARP on a switched LAN: the first packet waits for ARP, the switch learns, neighbour states, an absent host (EHOSTUNREACH), a pulled cable, a duplicate address",
    zh: "交换式局域网上的以太网与 ARP：首个包等待 ARP、交换机学习、邻居状态、不存在的主机（EHOSTUNREACH）、拔掉网线、重复地址",
  },
  seeds: ["G5", "E6"],
  async run(d: DemoContext): Promise<void> {
    const net = new Network({ seed: d.seed });
    const sw = net.switch();
    const names = ["pc1", "pc2", "pc3"];
    const hosts = names.map((n, i) => {
      const h = net.addHost(n);
      net.attach(h, sw, `10.0.0.${i + 1}/24`, { latency: ms(0.5), mac: `02:00:00:00:00:0${i + 1}` });
      return h;
    });
    const [pc1, pc2, pc3] = hosts as [typeof hosts[0], typeof hosts[0], typeof hosts[0]];
    d.useNetwork(net, calls(["connect", "sendto", "setsockopt"]));
    for (const [i, h] of hosts.entries()) d.watch(h, names[i]);
    const dev = (h: typeof pc1) => h.ip.interfaces.find((i) => i.name === "eth0")!.device as EthernetDevice;
    const cap1 = d.capture(dev(pc1), "pc1");
    const cap3 = new Capture(dev(pc3), "pc3"); // not an event source: shown once, below
    d.wire({ a: dev(pc1), b: dev(pc2) }, "pc1", "pc2");
    d.title(`sockstack demo ethernet (seed ${d.seed})`);
    d.say(
      "A LAN: three hosts plugged into one learning switch (sw0), each with an Ethernet card:\n" +
        "  pc1 10.0.0.1 02:00:00:00:00:01 ─┐\n" +
        "  pc2 10.0.0.2 02:00:00:00:00:02 ─┼─ sw0\n" +
        "  pc3 10.0.0.3 02:00:00:00:00:03 ─┘\n" +
        "IP knows addresses; the cards only deliver frames to MAC addresses. ARP (RFC 826) finds the\n" +
        "MAC of an address on the LAN; the neighbour table remembers it.",
      "一个局域网：三台主机插在同一台学习型交换机（sw0）上，每台一块以太网卡：\n" +
        "  pc1 10.0.0.1 02:00:00:00:00:01 ─┐\n" +
        "  pc2 10.0.0.2 02:00:00:00:00:02 ─┼─ sw0\n" +
        "  pc3 10.0.0.3 02:00:00:00:00:03 ─┘\n" +
        "IP 只认地址；网卡只按 MAC 地址投递帧。ARP（RFC 826）负责查出局域网上某个地址的 MAC，\n" +
        "邻居表把它记下来。",
    );
    d.show(pc1, "ip neigh");
    showFdb(d, sw);

    await d.section("1. The first datagram waits for ARP (G5)", "1. 第一个数据报要等 ARP（G5）");
    const p1 = pc1.createProcess("app");
    const u = p1.socket("AF_INET", "SOCK_DGRAM");
    await p1.sendto(u, "hello", 0, ["10.0.0.2", 9999]);
    await net.advance(ms(0.2));
    d.show(pc1, "ip neigh");
    d.say(
      "sendto() returned at once, but nothing IP has left pc1: the datagram waits in the\n" +
        "INCOMPLETE neighbour entry for 10.0.0.2 (up to unres_qlen_bytes) while an ARP request is\n" +
        "out — broadcast, since pc1 does not know whom to ask.",
      "sendto() 立刻返回了，但还没有任何 IP 包离开 pc1：数据报在 10.0.0.2 那个 INCOMPLETE 邻居表项里\n" +
        "排队（最多 unres_qlen_bytes），同时一个 ARP 请求已经发出——广播，因为 pc1 不知道该问谁。",
    );
    await net.advance(ms(10));
    d.tcpdumpSince(cap1, "pc1", "the request, the reply, then the datagram", undefined, true);
    d.command("pc3", "tcpdump -e -nn -i eth0   # what pc3's card accepted");
    for (const l of d.tcpdumpLines(cap3, 0, true)) d.output(l);
    d.show(pc1, "ip neigh");
    d.show(pc2, "ip neigh");
    d.show(pc3, "ip neigh");
    d.say(
      "The request went to ff:ff:ff:ff:ff:ff (EtherType ARP 0x0806, 42 bytes: 14 of header, 28 of\n" +
        "ARP): every card on the LAN took it, pc3's too. Only pc2 owns 10.0.0.2: it answered with a\n" +
        "unicast reply and, since the request was for it, learnt pc1's MAC on the way (STALE: known,\n" +
        "not confirmed; it used the entry at once for its ICMP, so it shows DELAY). pc3 learnt nothing — a request for someone else creates no entry.\n" +
        "pc1's entry is REACHABLE (confirmed by the reply) and the queued datagram left (EtherType\n" +
        "IPv4 0x0800); pc2 had no UDP socket on 9999 and answered with an ICMP port unreachable,\n" +
        "straight to pc1's MAC.",
      "请求发往 ff:ff:ff:ff:ff:ff（EtherType ARP 0x0806，42 字节：14 字节帧头加 28 字节 ARP）：局域网上每块网卡\n" +
        "都收下了，包括 pc3 的。只有 pc2 拥有 10.0.0.2：它用单播应答，并且因为请求是问它的，顺便记下了 pc1 的\n" +
        "MAC（STALE：已知，但未确认；它马上用这个表项发了 ICMP，所以显示为 DELAY）。pc3 什么也没记——问别人的请求不会创建表项。pc1 的表项是 REACHABLE\n" +
        "（被应答确认），排队的数据报随即发出（EtherType IPv4 0x0800）；pc2 的 9999 端口没有 UDP socket，\n" +
        "于是回了一个 ICMP 端口不可达，直接发往 pc1 的 MAC。",
    );

    await d.section("2. The switch learns (G5)", "2. 交换机的学习（G5）");
    showFdb(d, sw);
    d.say(
      "A switch learns from source addresses: the request taught it that 02:…:01 is behind port 1,\n" +
        "the reply that 02:…:02 is behind port 2. A frame to an unknown MAC, or to broadcast, is\n" +
        "flooded out of every port; a frame to a learnt MAC goes out of one port only — pc3 never saw\n" +
        "the reply, the datagram or the ICMP. pc3 is not in the table: it has sent nothing yet.\n" +
        "Entries age out after 300 s without traffic.",
      "交换机从源地址学习：请求让它知道 02:…:01 在 1 号端口后面，应答让它知道 02:…:02 在 2 号端口后面。\n" +
        "发往未知 MAC 或广播地址的帧会从所有端口泛洪；发往已学到的 MAC 的帧只从一个端口出去——pc3\n" +
        "从没见过那个应答、数据报和 ICMP。pc3 不在表里：它还什么都没发过。表项 300 秒没有流量就会老化。",
    );

    await d.section("3. A TCP connection, frame by frame (G5)", "3. 一个 TCP 连接，逐帧来看（G5）");
    let accepted = false;
    pc2.spawn("server", async (p) => {
      const l = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(l, ["0.0.0.0", 80]);
      p.listen(l, 8);
      const { fd } = await p.accept(l);
      accepted = true;
      await p.recv(fd, 100);
      await net.sleep(sec(100_000));
    });
    pc1.spawn("client", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      await p.connect(fd, ["10.0.0.2", 80]);
      await p.send(fd, "GET /\r\n");
      await net.sleep(sec(100_000));
    });
    await net.runUntil(() => accepted);
    await net.advance(ms(50));
    d.tcpdumpSince(cap1, "pc1", "no ARP this time: the entry is REACHABLE", undefined, true);
    d.say(
      "Each line starts with the Ethernet header: source MAC > destination MAC, the EtherType\n" +
        "(IPv4), the frame length (the IP datagram + 14). The SYN is 74 bytes: 14 + 20 (IP) + 40\n" +
        "(TCP with its options). No ARP: the neighbour entry answered from the cache.",
      "每一行都以以太网帧头开始：源 MAC > 目的 MAC、EtherType（IPv4）、帧长（IP 数据报 + 14）。SYN 有\n" +
        "74 字节：14 + 20（IP）+ 40（带选项的 TCP）。没有 ARP：邻居表项直接从缓存给出了答案。",
    );

    await d.section("4. The entry ages: STALE, DELAY, PROBE, REACHABLE", "4. 表项老化：STALE、DELAY、PROBE、REACHABLE");
    const quiet = pc1.createProcess("quiet");
    await net.advance(sec(60));
    d.show(pc1, "ip -s neigh");
    d.say(
      "REACHABLE lasts base_reachable_time (30 s) × a random factor between 0.5 and 1.5; after\n" +
        "that the entry is STALE: the MAC is kept but no longer trusted. Nothing is sent for that.",
      "REACHABLE 的有效期是 base_reachable_time（30 秒）乘以 0.5 到 1.5 之间的随机因子；过期后表项变为\n" +
        "STALE：MAC 还保留着，但不再被信任。这一步不发任何报文。",
    );
    const before = cap1.packets.length;
    d.markShown(cap1);
    const q = quiet.socket("AF_INET", "SOCK_DGRAM");
    await quiet.sendto(q, "again", 0, ["10.0.0.2", 9999]);
    await net.advance(ms(1));
    d.show(pc1, "ip neigh");
    await net.advance(sec(6));
    d.tcpdumpSince(cap1, "pc1", "the datagram at once, then 5 s later a unicast probe", undefined, true);
    d.show(pc1, "ip neigh");
    const probe = cap1.packets.slice(before).find((p) => p.etherType === 0x0806);
    d.say(
      "A STALE entry is still used: the datagram left at once to the cached MAC and the entry went\n" +
        "DELAY — a chance for upper layers to confirm the neighbour. Nothing confirmed it in\n" +
        `delay_first_probe_time (5 s), so the entry went PROBE and sent a unicast ARP request${probe ? ` (at\n${(probe.t / 1e6).toFixed(3)} s` : " ("}, to pc2's MAC, not broadcast); the reply made it REACHABLE again. pc2's entry\n` +
        "for pc1 had gone the same way (DELAY since its ICMP) and probed too.",
      "STALE 的表项仍可使用：数据报立即发往缓存的 MAC，表项进入 DELAY——给上层协议一个确认邻居的机会。\n" +
        `delay_first_probe_time（5 秒）内没有得到确认，表项进入 PROBE，发出一个单播 ARP 请求${probe ? `（在 ${(probe.t / 1e6).toFixed(3)} 秒，` : "（"}发往\n` +
        "pc2 的 MAC，不是广播）；应答使它重新变为 REACHABLE。pc2 关于 pc1 的表项也走了同样的路（发 ICMP 后进入 DELAY），\n" +
        "也发出了探测。",
    );

    await d.section("5. An address nobody owns: FAILED, host unreachable (G5, E6)", "5. 无人拥有的地址：FAILED、主机不可达（G5, E6）");
    let err: string | null = "?";
    let tried = 0;
    let failedAt = 0;
    pc1.spawn("probe", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_DGRAM");
      p.setsockopt(fd, "SOL_IP", "IP_RECVERR", 1);
      await p.connect(fd, ["10.0.0.9", 9999]);
      tried = net.now();
      await p.send(fd, "anyone there?");
      err = await errnoOf(() => p.recv(fd, 100));
      failedAt = net.now();
      if (err) d.output(`probe: recv: ${err === "EHOSTUNREACH" ? "No route to host" : err}`);
    });
    const lo = new Capture(pc1.ip.loopback.device, "pc1");
    await net.advance(ms(1500));
    d.show(pc1, "arp -n");
    await net.advance(sec(3));
    d.tcpdumpSince(cap1, "pc1", "three broadcast requests, one a second; no answer", undefined, true);
    d.command("pc1", "tcpdump -nn -i lo   # the error pc1's kernel reports to itself");
    for (const l of d.tcpdumpLines(lo)) d.output(l);
    lo.stop();
    d.show(pc1, "ip neigh");
    d.say(
      "The datagram waited in the INCOMPLETE entry (`arp -n` shows `(incomplete)`) while pc1 broadcast\n" +
        "mcast_solicit = 3 requests, retrans_time (1 s) apart. Nobody answered: 3 s after the first the\n" +
        "entry went FAILED and each queued packet was answered with an ICMP host unreachable — from\n" +
        `pc1 to itself. The socket asked for errors (IP_RECVERR, as ping does): recv() failed with ${err ?? "?"}\n` +
        `after ${((failedAt - tried) / 1e6).toFixed(3)} s — "No route to host", though the route was fine: the neighbour was missing.\n` +
        "Without IP_RECVERR Linux does not report a host unreachable to a UDP socket at all (a soft\n" +
        "error: the recv() just waits). A TCP connect() to 10.0.0.9 fails the same way: EHOSTUNREACH\n" +
        "after 3 s (3.08 s measured on Linux 6.18, whose timers run a little late).",
      "数据报在 INCOMPLETE 表项里等待（`arp -n` 显示 `(incomplete)`），同时 pc1 以 retrans_time（1 秒）为间隔\n" +
        "广播了 mcast_solicit = 3 个请求。无人应答：第一个请求 3 秒后表项变为 FAILED，每个排队的包都被回以\n" +
        `ICMP 主机不可达——由 pc1 发给它自己。这个 socket 要求接收错误（IP_RECVERR，ping 就是这么做的）：recv()\n` +
        `在 ${((failedAt - tried) / 1e6).toFixed(3)} 秒后以 ${err ?? "?"} 失败——"No route to host"，其实路由没问题：缺的是邻居。\n` +
        "没有 IP_RECVERR 时，Linux 根本不会把主机不可达报告给 UDP socket（这是软错误：recv() 会一直等）。\n" +
        "向 10.0.0.9 发起 TCP connect() 也以同样方式失败：3 秒后 EHOSTUNREACH（在 Linux 6.18 上实测 3.08 秒，\n" +
        "它的定时器会稍微晚一点触发）。",
    );

    await d.section("6. A cable is pulled: STALE → DELAY → PROBE → FAILED", "6. 拔掉网线：STALE → DELAY → PROBE → FAILED");
    const cable = dev(pc2).wire as EtherLink;
    await net.advance(sec(60));
    d.markShown(cap1);
    cable.partition();
    d.command("pc2", "# the cable between pc2 and the switch is pulled");
    await quiet.sendto(q, "anyone?", 0, ["10.0.0.2", 9999]);
    for (const dt of [ms(1), sec(5.5), sec(8.5)]) {
      await net.advance(dt);
      d.show(pc1, "ip neigh");
    }
    d.tcpdumpSince(cap1, "pc1", "the datagram, then three unicast probes that nobody answers", undefined, true);
    d.say(
      "The entry was STALE (quiet for a minute); the datagram was sent to the cached MAC — the\n" +
        "switch still knew the port, so the frame went into the pulled cable. DELAY for 5 s, then\n" +
        "PROBE: ucast_solicit = 3 unicast requests, 1 s apart, no reply, and the entry is FAILED:\n" +
        "the next packet to 10.0.0.2 starts over with a broadcast request.",
      "表项是 STALE（安静了一分钟）；数据报发往缓存的 MAC——交换机仍记得那个端口，于是帧被送进了\n" +
        "拔掉的网线。DELAY 5 秒，然后 PROBE：ucast_solicit = 3 个单播请求，间隔 1 秒，无人应答，表项变为\n" +
        "FAILED：下一个发往 10.0.0.2 的包会从广播请求重新开始。",
    );

    await d.section("7. A duplicate address is detected (IPv6 DAD)", "7. 检测到重复地址（IPv6 DAD）");
    const eth0 = (h: typeof pc1) => h.ip.interfaces.find((i) => i.name === "eth0")!;
    const showAddrs = (h: typeof pc1, name: string) => {
      d.command(name, "ip -6 addr show dev eth0");
      for (const l of h.ip6.formatAddresses(eth0(h)).split("\n")) d.output(l);
    };
    d.markShown(cap1);
    pc1.enableIpv6();
    pc3.enableIpv6();
    await net.advance(sec(3));
    pc1.ip6.addAddress(eth0(pc1), ipv6("2001:db8::1"), 64);
    d.command("pc1", "ip -6 addr add 2001:db8::1/64 dev eth0");
    await net.advance(sec(3));
    d.markShown(cap1);
    pc3.ip6.addAddress(eth0(pc3), ipv6("2001:db8::1"), 64);
    d.command("pc3", "ip -6 addr add 2001:db8::1/64 dev eth0   # the same address");
    await net.advance(sec(3));
    d.tcpdumpSince(cap1, "pc1", "pc3's duplicate address detection and pc1's answer", undefined, true);
    showAddrs(pc1, "pc1");
    showAddrs(pc3, "pc3");
    d.say(
      "Before it uses a new IPv6 address a host asks the LAN whether anyone has it (RFC 4862 DAD): a\n" +
        "neighbour solicitation from :: (it has no address yet) to the address's solicited-node\n" +
        "multicast group. pc1 owns 2001:db8::1 and answers with a neighbour advertisement to all nodes;\n" +
        "pc3 marks its copy `dadfailed` and never uses it — pc1 keeps working. IPv4 has no such check\n" +
        "in the Linux kernel: a duplicate IPv4 address is found only by a user-space `arping -D` (as\n" +
        "DHCP clients and NetworkManager run it), and two hosts that share one simply steal each\n" +
        "other's traffic whenever their ARP replies overwrite the neighbours' entries.",
      "主机在使用一个新的 IPv6 地址之前，会先问局域网上是否有人已经占用（RFC 4862 重复地址检测，DAD）：\n" +
        "从 ::（它还没有地址）向该地址的请求节点组播组发出邻居请求。pc1 拥有 2001:db8::1，于是向所有节点\n" +
        "回以邻居通告；pc3 把自己的这个地址标记为 `dadfailed`，永远不会使用它——pc1 照常工作。Linux 内核对\n" +
        "IPv4 没有这种检查：重复的 IPv4 地址只能由用户态的 `arping -D` 发现（DHCP 客户端和 NetworkManager\n" +
        "会运行它）；共用一个地址的两台主机只会在各自的 ARP 应答覆盖邻居表项时互相抢走流量。",
    );

    await d.section("What you just saw", "刚才看到了什么");
    d.say(
      "- An Ethernet frame: destination MAC, source MAC, EtherType (0x0806 ARP, 0x0800 IPv4), the\n" +
        "  payload; `tcpdump -e` prints the header (G5).\n" +
        "- ARP: a broadcast request `who-has 10.0.0.2 tell 10.0.0.1`, a unicast reply `is-at`; packets\n" +
        "  wait in the INCOMPLETE entry meanwhile.\n" +
        "- The neighbour table's states: INCOMPLETE → REACHABLE → STALE → DELAY → PROBE → REACHABLE\n" +
        "  or FAILED; an absent host costs 3 s and ends in ICMP host unreachable (EHOSTUNREACH).\n" +
        "- A switch learns source MACs per port and floods broadcasts and unknown destinations.\n" +
        "- A duplicate IPv6 address is found by DAD before use (`dadfailed`); IPv4 needs `arping -D`.",
      "- 以太网帧：目的 MAC、源 MAC、EtherType（0x0806 ARP，0x0800 IPv4）、载荷；`tcpdump -e` 会打印帧头（G5）。\n" +
        "- ARP：广播请求 `who-has 10.0.0.2 tell 10.0.0.1`，单播应答 `is-at`；其间数据包在 INCOMPLETE 表项里等待。\n" +
        "- 邻居表的状态：INCOMPLETE → REACHABLE → STALE → DELAY → PROBE → REACHABLE 或 FAILED；\n" +
        "  不存在的主机要耗费 3 秒，最终得到 ICMP 主机不可达（EHOSTUNREACH）。\n" +
        "- 交换机按端口学习源 MAC，对广播和未知目的地址泛洪。\n" +
        "- 重复的 IPv6 地址在使用前就会被 DAD 发现（`dadfailed`）；IPv4 则需要 `arping -D`。",
    );
  },
};
