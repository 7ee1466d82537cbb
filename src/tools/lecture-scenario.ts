/**
 * The seed-0 lecture situation (A1–A4, B2) as a reusable scenario, the one
 * `docs/observability.md` shows next to the real tools' output
 * (`testdata/capture-lecture.sh` captures the same on the Linux kernel):
 * a server on 10.0.0.2:9090 listens with backlog 2 and does not accept;
 * four clients on 10.0.0.1 connect 200 ms apart and each sends "1111";
 * at 5 s the server starts accepting and reads every connection.
 *
 * @example
 * const sc = lectureScenario();
 * await sc.net.advance(ms(100));   // (1) listening
 * await sc.net.advance(ms(1400));  // (2) four clients tried; three queued
 * ss(snapshot(sc.server), "-tanpoi");
 */
import { ms, sec } from "../core/time.js";
import type { Host } from "../host/host.js";
import { Network } from "../sim/network.js";
import type { Link } from "../sim/link.js";

/** The scenario's network and hosts. */
export interface LectureScenario {
  net: Network;
  server: Host;
  client: Host;
  link: Link;
  /** Virtual time at which the server starts accepting (µs). */
  acceptAt: number;
}

/** Options of {@link lectureScenario}. */
export interface LectureOptions {
  seed?: number;
  /** One-way link latency (µs), default 50 µs (a veth pair's order of magnitude). */
  latency?: number;
  clients?: number;
  /**
   * Pause between a client's connect() returning and its send (µs,
   * default 0), so the connection can be seen ESTABLISHED with an empty
   * Recv-Q before "1111" arrives (A2 before A3, as the lecture tour shows).
   */
  sendDelay?: number;
  /**
   * Told of each system call the programs make, after it returns
   * (`host` is "client" or "server"): the demo narrates them.
   */
  onSyscall?: (host: string, process: { name: string; pid: number }, call: string, args: (string | number)[], result: number) => void;
}

/** Builds the scenario; nothing runs until the caller advances time. */
export function lectureScenario(opts: LectureOptions = {}): LectureScenario {
  const net = new Network({ seed: opts.seed ?? 0 });
  const client = net.addHost("client");
  const server = net.addHost("server");
  const { link } = net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: opts.latency ?? 50 });
  const acceptAt = sec(5);
  const n = opts.clients ?? 4;
  const say = opts.onSyscall ?? (() => {});
  server.spawn("server", async (p) => {
    const sys = (call: string, args: (string | number)[], result: number) => say("server", p, call, args, result);
    const lfd = p.socket("AF_INET", "SOCK_STREAM");
    sys("socket", ["AF_INET", "SOCK_STREAM", 0], lfd);
    p.bind(lfd, ["0.0.0.0", 9090]);
    sys("bind", [lfd, "0.0.0.0:9090"], 0);
    p.listen(lfd, 2);
    sys("listen", [lfd, 2], 0);
    await net.sleep(acceptAt - net.now()); // "blocked on stdin" before the accept loop (A2)
    const conns: number[] = [];
    while (conns.length < n) {
      const { fd, addr } = await p.accept(lfd);
      sys("accept", [lfd, addr && "port" in addr ? `${addr.addr}:${addr.port}` : "?"], fd);
      conns.push(fd);
      const data = await p.recv(fd, 100);
      sys("recv", [fd, JSON.stringify(new TextDecoder().decode(data)), 100, 0], data.length);
    }
    await net.sleep(sec(3600));
  });
  for (let i = 0; i < n; i++) {
    client.spawn("client", async (p) => {
      const sys = (call: string, args: (string | number)[], result: number) => say("client", p, call, args, result);
      await net.sleep(ms(200) * (i + 1));
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      sys("socket", ["AF_INET", "SOCK_STREAM", 0], fd);
      await p.connect(fd, ["10.0.0.2", 9090]);
      sys("connect", [fd, "10.0.0.2:9090"], 0);
      if (opts.sendDelay) await net.sleep(opts.sendDelay);
      const sent = await p.send(fd, "1111");
      sys("send", [fd, '"1111"', 4, 0], sent);
      await net.sleep(sec(3600));
    });
  }
  return { net, server, client, link, acceptAt };
}
