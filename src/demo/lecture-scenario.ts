/**
 * The seed-0 lecture situation (A1–A4, B2) as a reusable scenario, the one
 * `docs/observability.md` shows next to the real tools' output
 * (`testdata/capture-lecture.sh` captures the same on the Linux kernel):
 * a server on 10.0.0.2:9090 listens with backlog 2 and does not accept;
 * four clients on 10.0.0.1 connect 200 ms apart and each sends "1111";
 * at 5 s the server starts accepting and reads every connection.
 *
 * The demo's lecture (`sockstack demo lecture`), the view commands' lecture
 * steps and the web lab all build it here, so one seed gives the same
 * packets in all three.
 *
 * @example
 * const sc = lectureScenario();
 * await sc.net.advance(ms(100));   // (1) listening
 * await sc.net.advance(ms(1400));  // (2) four clients tried; three queued
 * ss(snapshot(sc.server), "-tanpoi");
 */
import { ms, sec, type Micros } from "../core/time.js";
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
  /**
   * Read each accepted connection in a thread of its own, as the lecture's
   * Java BIO server does (`new Thread(() -> in.read(...))`), instead of in
   * the accept loop. The packets are the same.
   */
  threadPerConnection?: boolean;
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
      const read = async (q: typeof p) => {
        const data = await q.recv(fd, 100);
        sys("recv", [fd, JSON.stringify(new TextDecoder().decode(data)), 100, 0], data.length);
      };
      if (opts.threadPerConnection) p.thread(read, `server-conn-${conns.length}`);
      else await read(p);
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

/** Pause between a lecture client's connect() and its send in the demo, the views and the lab: A2 (Recv-Q 0) shows before A3 (Recv-Q 4). */
export const LECTURE_SEND_DELAY: Micros = ms(100);

/** One named instant of the lecture. */
export interface LectureStep {
  /** Its name (`sockstack ss --step listen`). */
  readonly name: string;
  /** Virtual time of the step. */
  readonly at: Micros;
  /** What the step shows, with the SEEDS.md ids. */
  readonly summary: string;
}

/** The lecture's steps: the instants the lecture looks at the machines. */
export const LECTURE_STEPS: readonly LectureStep[] = [
  { name: "listen", at: ms(100), summary: "the server listens; nothing on the wire yet (A1)" },
  { name: "connect", at: ms(250), summary: "the first client connected; the server has not called accept() (A2)" },
  { name: "data", at: ms(350), summary: "the client sent \"1111\": Recv-Q 4 in the server's kernel (A3)" },
  { name: "overflow", at: ms(2000), summary: "accept queue full (backlog 2 + 1); the fourth client is in SYN-SENT (B2)" },
  { name: "accept", at: ms(6500), summary: "the server accepted and read every connection (A4, B3)" },
];
