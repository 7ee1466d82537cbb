/**
 * The scenarios the view commands (`sockstack ss|netstat|lsof|nstat|
 * tcpdump|ladder`) and the lecture tour run: a simulated network, its
 * hosts, the link between them, and named steps — instants of virtual
 * time at which a view is interesting.
 *
 * - `lecture` (seed 0, A1–A4, B2): `lectureScenario` from src/demo with a
 *   100 ms pause between each client's connect and its send, so A2 (an
 *   ESTABLISHED connection nobody accepted, Recv-Q 0) shows before A3
 *   (Recv-Q 4). Steps: listen, connect, data, overflow, accept.
 * - `udp-echo` (G6, H6): a UDP echo server on port 7 and a client that
 *   sends three datagrams and keeps its socket. Steps: bound, echoed.
 */
import { ms, sec, type Micros } from "../core/time.js";
import type { Host } from "../host/host.js";
import type { Link } from "../sim/link.js";
import { Network } from "../sim/network.js";
import { LECTURE_SEND_DELAY, LECTURE_STEPS, lectureScenario, type LectureOptions } from "../demo/lecture-scenario.js";

/** One named instant of a scenario. */
export interface ViewStep {
  /** Typed after `--step` (a number 1… works too). */
  readonly name: string;
  /** Virtual time of the step. */
  readonly at: Micros;
  /** What the step shows, with the SEEDS.md ids. */
  readonly summary: string;
}

/** A built scenario, nothing run yet. */
export interface BuiltScenario {
  net: Network;
  /** Hosts by name. */
  hosts: Map<string, Host>;
  /** The link between the two hosts (a: first host, b: second). */
  link: Link;
  /** Names of the link's `a` and `b` hosts. */
  linkHosts: [string, string];
}

/** A scenario the view commands can run. */
export interface ViewScenario {
  readonly name: string;
  readonly summary: string;
  /** The host views look at unless `--host` says otherwise. */
  readonly defaultHost: string;
  readonly steps: readonly ViewStep[];
  /** Builds the network (nothing runs yet); `onSyscall` hears the programs' system calls where the scenario reports them. */
  build(seed: number, onSyscall?: LectureOptions["onSyscall"]): BuiltScenario;
}

/** The seed-0 lecture situation, step by step. */
export const lectureViews: ViewScenario = {
  name: "lecture",
  summary: "server 10.0.0.2:9090 listens with backlog 2 and does not accept; four clients connect (seed 0)",
  defaultHost: "server",
  steps: LECTURE_STEPS,
  build(seed, onSyscall) {
    const sc = lectureScenario({ seed, sendDelay: LECTURE_SEND_DELAY, ...(onSyscall ? { onSyscall } : {}) });
    return { net: sc.net, hosts: new Map([["client", sc.client], ["server", sc.server]]), link: sc.link, linkHosts: ["client", "server"] };
  },
};

const ECHO_PORT = 7; // RFC 862

/** A UDP echo service and a client that keeps its socket open. */
export const udpEchoViews: ViewScenario = {
  name: "udp-echo",
  summary: "a UDP echo server on port 7 and a client that sends three datagrams (G6, H6)",
  defaultHost: "server",
  steps: [
    { name: "bound", at: ms(10), summary: "the echo server's socket is bound to port 7 (H6)" },
    { name: "echoed", at: ms(100), summary: "three datagrams echoed, an empty one included (G6)" },
  ],
  build(seed) {
    const net = new Network({ seed });
    const client = net.addHost("client");
    const server = net.addHost("server");
    const { link } = net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(5) });
    server.spawn("udp-echo", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_DGRAM", 0);
      p.bind(fd, ["0.0.0.0", ECHO_PORT]);
      for (;;) {
        const { data, addr } = await p.recvfrom(fd, 65535);
        await p.sendto(fd, data, 0, addr);
      }
    });
    client.spawn("udp-client", async (p) => {
      await net.sleep(ms(20));
      const fd = p.socket("AF_INET", "SOCK_DGRAM", 0);
      for (const m of ["hello", "", "sockstack"]) {
        await p.sendto(fd, m, 0, ["10.0.0.2", ECHO_PORT]);
        await p.recvfrom(fd, 65535);
      }
      await net.sleep(sec(3600));
    });
    return { net, hosts: new Map([["client", client], ["server", server]]), link, linkHosts: ["client", "server"] };
  },
};

const UNIX = 1; // AF_UNIX

/**
 * One process (`python3`, pid 1000, on host `server`) holding every kind
 * of fd sockstack has, made as src/tools/testdata/capture-fd-kinds.sh
 * makes them with python3 on Linux: TCP listening/connecting/accepted and
 * UDP bound/connected sockets on 127.0.0.1, an epoll instance watching
 * the listener, AF_UNIX stream (path listener, client, accepted),
 * datagram (bound, unbound), an abstract listener, stream and datagram
 * socketpairs and an autobound datagram socket — for comparing lsof, ss
 * -x and netstat -x with the real tools.
 */
export const fdKindsViews: ViewScenario = {
  name: "fd-kinds",
  summary: "one process holding every kind of fd: TCP, UDP, AF_UNIX stream/dgram/abstract/socketpair, epoll, the tty",
  defaultHost: "server",
  steps: [{ name: "open", at: ms(10), summary: "every fd open" }],
  build(seed) {
    const net = new Network({ seed });
    const client = net.addHost("client");
    const server = net.addHost("server");
    const { link } = net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: 50 });
    const un = (path: string) => ({ family: UNIX, path }) as const;
    server.spawn("python3", async (p) => {
      const ls = p.socket("AF_INET", "SOCK_STREAM");
      p.setsockopt(ls, "SOL_SOCKET", "SO_REUSEADDR", 1);
      p.bind(ls, ["127.0.0.1", 9191]);
      p.listen(ls, 2);
      const c = p.socket("AF_INET", "SOCK_STREAM");
      await p.connect(c, ["127.0.0.1", 9191]);
      await p.accept(ls);
      p.bind(p.socket("AF_INET", "SOCK_DGRAM"), ["0.0.0.0", 9192]);
      await p.connect(p.socket("AF_INET", "SOCK_DGRAM"), ["127.0.0.1", 9192]);
      const ep = p.epoll_create1(0);
      p.epoll_ctl(ep, "EPOLL_CTL_ADD", ls, { events: "EPOLLIN" });
      const xs = p.socket("AF_UNIX", "SOCK_STREAM");
      p.bind(xs, un("/tmp/ux.sock"));
      p.listen(xs, 2);
      await p.connect(p.socket("AF_UNIX", "SOCK_STREAM"), un("/tmp/ux.sock"));
      await p.accept(xs);
      p.bind(p.socket("AF_UNIX", "SOCK_DGRAM"), un("/tmp/ud.sock"));
      p.socket("AF_UNIX", "SOCK_DGRAM");
      const xab = p.socket("AF_UNIX", "SOCK_STREAM");
      p.bind(xab, un("\0abstract"));
      p.listen(xab, 1);
      p.socketpair("AF_UNIX", "SOCK_STREAM");
      p.socketpair("AF_UNIX", "SOCK_DGRAM");
      p.bind(p.socket("AF_UNIX", "SOCK_DGRAM"), un(""));
      await net.sleep(sec(3600));
    });
    return { net, hosts: new Map([["client", client], ["server", server]]), link, linkHosts: ["client", "server"] };
  },
};

/** Every scenario of the view commands, the default first. */
export const VIEW_SCENARIOS: readonly ViewScenario[] = [lectureViews, udpEchoViews, fdKindsViews];

/**
 * The step named `spec` (a name or a 1-based number), or undefined.
 * @example findStep(lectureViews, "2")?.name === "connect"
 */
export function findStep(sc: ViewScenario, spec: string): ViewStep | undefined {
  if (/^\d+$/.test(spec)) return sc.steps[Number(spec) - 1];
  return sc.steps.find((s) => s.name === spec);
}
