/**
 * Demo `half-close`: shutdown(SHUT_WR) sends FIN but keeps the socket open
 * for reading (F2): the legitimate client pattern connect → send →
 * shutdown(WR) → recv until 0, against a backend that reads until EOF and
 * then answers. Through a proxy (F3, H10): one that passes the half-close
 * (on read 0 from one side, shutdown(WR) the other; close when both
 * directions ended) delivers the answer; one that closes both sockets on
 * the first read 0 loses it.
 */
import { ms } from "../../core/time.js";
import type { Process } from "../../sys/process.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { calls, errnoOf, twoHosts } from "../kit.js";

const dec = new TextDecoder();

/** Copies `from` → `to` until read 0, then half-closes `to` (F3). */
async function pump(p: Process, from: number, to: number): Promise<void> {
  for (;;) {
    const b = await p.recv(from, 4096);
    if (b.length === 0) break;
    await p.sendall(to, b);
  }
  p.shutdown(to, "SHUT_WR");
}

/** The `half-close` scenario. */
export const halfCloseDemo: DemoScenario = {
  name: "half-close",
  summary: {
    en: "shutdown(SHUT_WR): the peer reads 0 and still answers; a proxy that passes it, one that breaks it",
    zh: "shutdown(SHUT_WR)：对端读到 0 后仍可回复；正确传递半关闭的代理与破坏它的代理",
  },
  seeds: ["F2", "F3", "H10", "E4"],
  async run(d: DemoContext): Promise<void> {
    const { net, client, server } = twoHosts(d, { show: calls(["shutdown", "close", "recv", "connect"]) });
    d.title(`sockstack demo half-close (seed ${d.seed})`);
    d.say(
      "client 10.0.0.1 ---- server 10.0.0.2. On the server: a backend on 127.0.0.1:9090 that\n" +
        "reads until end of file and then answers \"got N bytes\"; a correct proxy on :8080 and\n" +
        "a broken one on :8081, both forwarding to the backend.",
      "client 10.0.0.1 ---- server 10.0.0.2。服务端上：127.0.0.1:9090 上的后端服务，一直读到\n" +
        "文件结束，然后回答 \"got N bytes\"；:8080 上是正确的代理，:8081 上是有缺陷的代理，\n" +
        "都转发给后端。",
    );
    server.spawn("backend", async (p) => {
      const lfd = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(lfd, ["127.0.0.1", 9090]);
      p.listen(lfd, 8);
      for (;;) {
        const { fd } = await p.accept(lfd);
        p.thread(async (t) => {
          let n = 0;
          for (;;) {
            const b = await t.recv(fd, 4096);
            if (b.length === 0) break; // the client's FIN: end of the request
            n += b.length;
          }
          await net.sleep(ms(20)); // "work"
          await errnoOf(() => t.sendall(fd, `got ${n} bytes\n`));
          await t.close(fd);
        });
      }
    });
    const proxy = (name: string, port: number, correct: boolean) =>
      server.spawn(name, async (p) => {
        const lfd = p.socket("AF_INET", "SOCK_STREAM");
        p.bind(lfd, ["0.0.0.0", port]);
        p.listen(lfd, 8);
        for (;;) {
          const { fd: cfd } = await p.accept(lfd);
          const bfd = p.socket("AF_INET", "SOCK_STREAM");
          await p.connect(bfd, ["127.0.0.1", 9090]);
          if (correct) {
            // One thread per direction; each passes the half-close on; close when both ended.
            const up = p.thread((t) => pump(t, cfd, bfd));
            await pump(p, bfd, cfd);
            await up.join();
          } else {
            // The bug: on the client's end of file, close everything.
            for (;;) {
              const b = await p.recv(cfd, 4096);
              if (b.length === 0) break;
              await p.sendall(bfd, b);
            }
          }
          await p.close(cfd);
          await p.close(bfd);
        }
      });
    proxy("proxy", 8080, true);
    proxy("badproxy", 8081, false);
    const replies: string[] = [];
    const request = (port: number) =>
      client.spawn("client", async (p) => {
        const fd = p.socket("AF_INET", "SOCK_STREAM");
        await p.connect(fd, ["10.0.0.2", port]);
        await p.sendall(fd, "a request of 32 bytes, then EOF!");
        p.shutdown(fd, "SHUT_WR"); // F2: "I am done sending" — the socket still reads
        let reply = "";
        for (;;) {
          const b = await p.recv(fd, 4096);
          if (b.length === 0) break;
          reply += dec.decode(b);
        }
        replies.push(reply);
        d.output(`client: reply ${JSON.stringify(reply)}`);
        await p.close(fd);
      });

    await d.section("1. Through the correct proxy: half-close passed on (F2, F3)", "1. 经过正确的代理：半关闭被传递下去（F2, F3）");
    request(8080);
    await net.advance(ms(12));
    d.show(client, "ss -tan");
    d.show(server, "ss -tanp");
    d.say(
      "The client has shut down its sending side: its socket is in FIN-WAIT-1 (Send-Q 1:\n" +
        "the FIN, whose ACK Linux delays to send it with the answer) and still reading.\n" +
        "The proxy read 0 from the client (its client-side socket is CLOSE-WAIT) and passed\n" +
        "it on with shutdown(SHUT_WR) — the backend's socket is CLOSE-WAIT too: its recv()\n" +
        "returned 0, the request is complete, and it is working on the answer.",
      "客户端关闭了自己的发送方向：它的 socket 处于 FIN-WAIT-1（Send-Q 为 1：那个 FIN，Linux\n" +
        "推迟对它的确认，好和回答一起发出），但仍在读。代理从客户端读到 0（它面向客户端的\n" +
        "socket 是 CLOSE-WAIT），并用 shutdown(SHUT_WR) 把它传递下去——后端的 socket 也是\n" +
        "CLOSE-WAIT：它的 recv() 返回 0，请求已完整，正在计算回答。",
    );
    await net.advance(ms(200));
    d.say(
      `The answer came back through the proxy: ${JSON.stringify(replies[0] ?? "")}. Each side closed only when both\n` +
        "of its directions had ended.",
      `回答经过代理回到了客户端：${JSON.stringify(replies[0] ?? "")}。每一方都是在两个方向都结束之后才关闭。`,
    );

    await d.section("2. Through the broken proxy: the answer is lost (F3)", "2. 经过有缺陷的代理：回答丢了（F3）");
    request(8081);
    await net.advance(ms(200));
    d.say(
      `This proxy closed both sockets when it read 0 from the client. The backend still\n` +
        `answered, into a socket nobody holds — the proxy's kernel reset it — and the client\n` +
        `read end of file at once: reply ${JSON.stringify(replies[1] ?? "")}. A read of 0 means "the peer is done\n` +
        "sending\", not \"the connection is over\".",
      `这个代理一从客户端读到 0 就关闭了两个 socket。后端仍然发出了回答，但发进了一个没人持有的\n` +
        `socket——代理的内核用 RST 重置了它——而客户端立刻读到了文件结束：回答是 ${JSON.stringify(replies[1] ?? "")}。\n` +
        "读到 0 的意思是“对方不再发送了”，而不是“连接结束了”。",
    );
    d.ladder("sockstack ladder --lanes", { lanes: true });
  },
};
