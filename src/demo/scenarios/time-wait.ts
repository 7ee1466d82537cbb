/**
 * Demo `time-wait`: a server that closes its connections first keeps each
 * one in TIME-WAIT for 60 s (F6); restarting it fails in bind() with
 * EADDRINUSE — even with SO_REUSEADDR on the new socket, because on Linux
 * the TIME-WAIT socket must have had the flag too (it inherits it; checked
 * on Linux 6.18: both sockets need it). A minute later the bind works.
 * A server that sets SO_REUSEADDR before every bind restarts at once (C5).
 */
import { ms, sec } from "../../core/time.js";
import type { Host } from "../../host/host.js";
import type { Network } from "../../sim/network.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { errnoOf, topology, twoHosts } from "../kit.js";

/** One server generation: bind (with or without SO_REUSEADDR); if that works, serve one client and close it first. */
async function serverRun(d: DemoContext, net: Network, server: Host, name: string, reuse: boolean): Promise<string | null> {
  let err: string | null = null;
  server.spawn(name, async (p) => {
    const lfd = p.socket("AF_INET", "SOCK_STREAM");
    if (reuse) p.setsockopt(lfd, "SOL_SOCKET", "SO_REUSEADDR", 1);
    err = await errnoOf(() => p.bind(lfd, ["0.0.0.0", 9090]));
    if (err) {
      d.output(`${name}: bind: Address already in use`);
      return;
    }
    p.listen(lfd, 8);
    const { fd } = await p.accept(lfd);
    await p.recv(fd, 100);
    await p.send(fd, "bye\n");
    await p.close(fd); // the server closes first: the active close, TIME-WAIT is on this side
    await p.close(lfd);
  });
  await net.advance(ms(1));
  return err;
}

/** The `time-wait` scenario. */
export const timeWaitDemo: DemoScenario = {
  name: "time-wait",
  summary: {
    en: "restart a server: EADDRINUSE while TIME-WAIT holds the port, SO_REUSEADDR on both sockets",
    zh: "重启服务器：TIME-WAIT 占着端口时 bind 报 EADDRINUSE，两个 socket 都设 SO_REUSEADDR 才行",
  },
  seeds: ["F6", "C5", "E6"],
  async run(d: DemoContext): Promise<void> {
    const { net, client, server } = twoHosts(d);
    const topo = topology("1 ms");
    d.title(`sockstack demo time-wait (seed ${d.seed})`);
    d.say(topo.en, topo.zh);
    const clientRun = () =>
      client.spawn("client", async (p) => {
        const fd = p.socket("AF_INET", "SOCK_STREAM");
        await p.connect(fd, ["10.0.0.2", 9090]);
        await p.send(fd, "hi\n");
        while ((await p.recv(fd, 100)).length > 0);
        await p.close(fd);
      });

    await d.section("1. The server closes first: TIME-WAIT is on its side (F6)", "1. 服务端先关闭：TIME-WAIT 留在服务端（F6）");
    await serverRun(d, net, server, "server-v1", false);
    clientRun();
    await net.advance(ms(100));
    d.show(server, "ss -tano");
    d.say(
      "The side that closes first goes through TIME-WAIT. Here it is the server: its\n" +
        "program has exited, but the kernel keeps 10.0.0.2:9090 <-> 10.0.0.1 for 2·MSL\n" +
        "(60 s on Linux), owned by no process.",
      "先关闭的一方要经过 TIME-WAIT。这里是服务端：程序已经退出，但内核仍为\n" +
        "10.0.0.2:9090 <-> 10.0.0.1 这个连接保留 2·MSL（Linux 上 60 秒），它不属于任何进程。",
    );

    await d.section("2. Restart at once: bind fails (F6, E6)", "2. 立即重启：bind 失败（F6, E6）");
    await serverRun(d, net, server, "server-v2", false);
    await serverRun(d, net, server, "server-v2r", true);
    d.say(
      "bind(9090) fails with EADDRINUSE, as wrap.c's perror prints it. Setting SO_REUSEADDR\n" +
        "on the new socket alone does not help on Linux: the TIME-WAIT socket inherited\n" +
        "the old socket's flags, and the old server never set it (Linux 6.18 checked:\n" +
        "the bind succeeds only when both sockets have SO_REUSEADDR).",
      "bind(9090) 以 EADDRINUSE 失败，就像 wrap.c 里 perror 打印的那样。在 Linux 上只给新\n" +
        "socket 设置 SO_REUSEADDR 没有用：TIME-WAIT socket 继承了旧 socket 的选项，而旧的\n" +
        "服务端从没设置过它（已在 Linux 6.18 上验证：只有两个 socket 都设置了\n" +
        "SO_REUSEADDR，bind 才会成功）。",
    );

    await d.section("3. Wait a minute and it works (F6)", "3. 等一分钟就好了（F6）");
    await net.advance(sec(60));
    d.show(server, "ss -tan state time-wait");
    await serverRun(d, net, server, "server-v3", true);
    clientRun();
    await net.advance(ms(100));
    d.say(
      "After 60 s the TIME-WAIT entry is gone and bind succeeds. This server sets\n" +
        "SO_REUSEADDR before bind — its TIME-WAIT sockets will carry the flag.",
      "60 秒后 TIME-WAIT 表项消失，bind 成功。这一次服务端在 bind 之前设置了\n" +
        "SO_REUSEADDR——它留下的 TIME-WAIT socket 也会带着这个选项。",
    );
    d.show(server, "ss -tano state time-wait");

    await d.section("4. With SO_REUSEADDR on both: restart at once (C5)", "4. 两边都有 SO_REUSEADDR：立即重启（C5）");
    await serverRun(d, net, server, "server-v4", true);
    d.show(server, "ss -tlnp");
    d.say(
      "The new server binds while the old connection still sits in TIME-WAIT: set\n" +
        "SO_REUSEADDR before every bind of a server. (Not on a client: reusing an address\n" +
        "and port whose previous incarnation is in TIME-WAIT risks its old segments.)",
      "旧连接还停在 TIME-WAIT，新的服务端就绑定成功了：服务器每次 bind 之前都应设置\n" +
        "SO_REUSEADDR。（客户端不要这样做：复用一个上一个连接还在 TIME-WAIT 的地址和端口，\n" +
        "可能收到旧连接迟到的报文。）",
    );
  },
};
