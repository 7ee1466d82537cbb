/**
 * Demo `dual-stack` (E7, AF_INET6): one AF_INET6 listening socket bound to
 * `[::]:8080` accepts an IPv4 client and an IPv6 client. accept() names
 * the IPv4 peer `::ffff:10.0.0.1` (an IPv4-mapped address) and the IPv6
 * peer `2001:db8::1`; `ss` shows the listener as `*:8080` (dual stack) and
 * the IPv4 connection as `[::ffff:10.0.0.2]:8080`, as Linux's ss prints
 * them, while tcpdump shows the IPv4 client's packets as plain IPv4. Then
 * the binding rules between the families: AF_INET on 0.0.0.0:8080 is
 * EADDRINUSE beside the dual-stack socket, and an IPV6_V6ONLY socket takes
 * IPv6 only (the IPv4 client is refused).
 */
import { ms } from "../../core/time.js";
import type { Host } from "../../host/host.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { calls, errnoOf, twoHosts } from "../kit.js";

const PORT = 8080;

/** The host's one non-loopback interface, given an IPv6 address too. */
function addIpv6(h: Host, cidr: string): void {
  h.enableIpv6();
  const iface = h.ip.interfaces.find((i) => i !== h.ip.loopback)!;
  h.addAddress(iface, cidr);
}

/** The `dual-stack` scenario. */
export const dualStackDemo: DemoScenario = {
  name: "dual-stack",
  summary: {
    en: "AF_INET6 dual stack: one [::] listener accepts an IPv4 and an IPv6 client (::ffff:10.0.0.1 in accept and ss), IPV6_V6ONLY, EADDRINUSE across families",
    zh: "AF_INET6 双栈：一个 [::] 监听 socket 同时接受 IPv4 和 IPv6 客户端（accept 和 ss 中的 ::ffff:10.0.0.1）、IPV6_V6ONLY、跨协议族的 EADDRINUSE",
  },
  seeds: ["E7"],
  async run(d: DemoContext): Promise<void> {
    const { net, client, server, cap } = twoHosts(d, { show: calls(["socket", "bind", "listen", "accept", "connect", "setsockopt", "getsockopt"]) });
    addIpv6(client, "2001:db8::1/64");
    addIpv6(server, "2001:db8::2/64");
    d.title(`sockstack demo dual-stack (seed ${d.seed})`);
    d.say(
      "client 10.0.0.1 and 2001:db8::1 ---- server 10.0.0.2 and 2001:db8::2: one link, both families.",
      "client 10.0.0.1 和 2001:db8::1 ---- server 10.0.0.2 和 2001:db8::2：一条链路，两个协议族。",
    );

    await d.section("1. One AF_INET6 socket listens on [::]:8080", "1. 一个 AF_INET6 socket 监听 [::]:8080");
    const accepted: string[] = [];
    let v6only: unknown = null;
    server.spawn("server", async (p) => {
      const l = p.socket("AF_INET6", "SOCK_STREAM");
      v6only = p.getsockopt(l, "IPPROTO_IPV6", "IPV6_V6ONLY");
      p.bind(l, ["::", PORT]);
      p.listen(l, 16);
      for (;;) {
        const { addr } = await p.accept(l);
        accepted.push((addr as { addr: string }).addr);
      }
    });
    await net.advance(ms(10));
    d.say(
      `IPV6_V6ONLY is ${String(v6only)} (net.ipv6.bindv6only = 0, Linux's default): bound to [::], the socket\n` +
        "takes IPv6 and IPv4 alike. ss prints such a wildcard as * — a v6only one would be [::].",
      `IPV6_V6ONLY 为 ${String(v6only)}（net.ipv6.bindv6only = 0，Linux 的默认值）：绑定在 [::] 上的 socket\n` +
        "IPv6 和 IPv4 都接收。ss 把这样的通配地址显示为 *——若是 v6only 则显示 [::]。",
    );
    d.show(server, "ss -tlnp");

    await d.section("2. An IPv4 client and an IPv6 client connect", "2. 一个 IPv4 客户端和一个 IPv6 客户端连接");
    client.spawn("client4", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      await p.connect(fd, ["10.0.0.2", PORT]);
      await net.sleep(ms(3_600_000));
    });
    await net.advance(ms(20));
    client.spawn("client6", async (p) => {
      const fd = p.socket("AF_INET6", "SOCK_STREAM");
      await p.connect(fd, ["2001:db8::2", PORT]);
      await net.sleep(ms(3_600_000));
    });
    await net.advance(ms(20));
    d.tcpdumpSince(cap, "server");
    d.say(
      `On the wire the first client speaks plain IPv4 (IP), the second IPv6 (IP6). accept() named them\n` +
        `${accepted[0] ?? "?"} and ${accepted[1] ?? "?"}: an AF_INET6 socket names an IPv4 peer by its IPv4-mapped\n` +
        "address (::ffff:a.b.c.d, RFC 4291 §2.5.5.2), so one sockaddr_in6 type covers both.",
      `线路上第一个客户端说的是普通 IPv4（IP），第二个是 IPv6（IP6）。accept() 给出的地址是\n` +
        `${accepted[0] ?? "?"} 和 ${accepted[1] ?? "?"}：AF_INET6 socket 用 IPv4 映射地址（::ffff:a.b.c.d，RFC 4291 §2.5.5.2）\n` +
        "表示 IPv4 对端，于是一种 sockaddr_in6 就能涵盖两者。",
    );
    d.show(server, "ss -tanp");
    d.show(server, "ss -tan -4");
    d.say(
      "ss -4 lists AF_INET sockets only: on the server there are none — the IPv4 connection belongs to\n" +
        "the AF_INET6 socket. The client's side of it is an ordinary AF_INET socket:",
      "ss -4 只列出 AF_INET socket：服务端一个也没有——这条 IPv4 连接属于 AF_INET6 socket。\n" +
        "它在客户端那一侧是普通的 AF_INET socket：",
    );
    d.show(client, "ss -tan");

    await d.section("3. Binding across families", "3. 跨协议族的绑定");
    let inUse: string | null = null;
    let refused: string | null = null;
    server.spawn("server2", async (p) => {
      inUse = await errnoOf(() => p.bind(p.socket("AF_INET", "SOCK_STREAM"), ["0.0.0.0", PORT]));
      const l = p.socket("AF_INET6", "SOCK_STREAM");
      p.setsockopt(l, "IPPROTO_IPV6", "IPV6_V6ONLY", 1);
      p.bind(l, ["::", PORT + 1]);
      p.listen(l, 16);
      await net.sleep(ms(3_600_000));
    });
    await net.advance(ms(10));
    client.spawn("client4b", async (p) => {
      refused = await errnoOf(() => p.connect(p.socket("AF_INET", "SOCK_STREAM"), ["10.0.0.2", PORT + 1]));
    });
    await net.advance(ms(20));
    d.say(
      `bind(AF_INET, 0.0.0.0:${PORT}) fails with ${inUse ?? "?"}: the dual-stack [::]:${PORT} already holds IPv4's\n` +
        `0.0.0.0:${PORT}. A socket with IPV6_V6ONLY on [::]:${PORT + 1} holds IPv6 only: the IPv4 client's SYN\n` +
        `finds no listener and gets a RST (${refused ?? "?"}), and an AF_INET socket could bind 0.0.0.0:${PORT + 1} beside it.`,
      `bind(AF_INET, 0.0.0.0:${PORT}) 以 ${inUse ?? "?"} 失败：双栈的 [::]:${PORT} 已经占用了 IPv4 的 0.0.0.0:${PORT}。\n` +
        `在 [::]:${PORT + 1} 上设置了 IPV6_V6ONLY 的 socket 只占用 IPv6：IPv4 客户端的 SYN 找不到监听者，\n` +
        `收到 RST（${refused ?? "?"}），而 AF_INET socket 可以在它旁边绑定 0.0.0.0:${PORT + 1}。`,
    );
    d.show(server, "ss -tln");
  },
};
