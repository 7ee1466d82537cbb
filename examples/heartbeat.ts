// seeds: H9, C7
/**
 * An application-level heartbeat (seed 3 "SO_KEEPALIVE VS 应用层心跳包机制",
 * H9): every `intervalMs` the client sends PING and expects PONG within
 * `timeoutMs`. Unlike TCP keepalive, which the peer's kernel answers, a PONG
 * proves the peer *application* is alive and serving.
 *
 * The run: a client holds two connections to one server — K with
 * SO_KEEPALIVE only (TCP_KEEPIDLE 60 s, TCP_KEEPINTVL 10 s, TCP_KEEPCNT 3),
 * H with a heartbeat every 10 s (PONG due within 5 s). The server
 * application answers three heartbeats, then hangs. Once with the server
 * host up (its kernel answers every keepalive probe: K stays ESTABLISHED,
 * only the heartbeat notices), once with the server host cut off at 35 s
 * (both notice: the heartbeat at its first missing PONG, keepalive after
 * the idle time and three unanswered probes, ETIMEDOUT).
 *
 *     npx tsx examples/heartbeat.ts
 */
import { Network, ms, sec, POLLIN, snapshot, ss, type Process } from "sockstack";

const PING = "PING\n";
const PONG = "PONG\n";

/** Heartbeat settings. */
export interface HeartbeatOptions {
  intervalMs: number;
  timeoutMs: number;
  /** Current virtual time in ms (for the report). */
  now: () => number;
}

/**
 * Sends heartbeats on `fd` until a PONG is late or the connection fails;
 * then closes `fd` and returns why (`"no PONG within 5000 ms (sent at 40000 ms)"`).
 */
export async function heartbeat(p: Process, fd: number, o: HeartbeatOptions): Promise<string> {
  let why: string;
  try {
    for (;;) {
      await p.poll([], o.intervalMs);
      const sentAt = o.now();
      await p.sendall(fd, PING);
      const fds = [{ fd, events: POLLIN, revents: 0 }];
      if ((await p.poll(fds, o.timeoutMs)) === 0) {
        why = `no PONG within ${o.timeoutMs} ms (sent at ${sentAt} ms)`;
        break;
      }
      const d = await p.recvExactly(fd, PONG.length);
      if (d.length < PONG.length) {
        why = "peer closed";
        break;
      }
    }
  } catch (e) {
    why = (e as Error).message;
  }
  await p.close(fd);
  return why;
}

/** Answers `answers` PINGs with PONG, then hangs: it never reads, answers or closes again. */
export async function pongServer(p: Process, fd: number, answers: number): Promise<void> {
  for (let i = 0; i < answers; i++) {
    const d = await p.recvExactly(fd, PING.length);
    if (d.length === 0) return;
    await p.sendall(fd, PONG);
  }
  await new Promise<void>(() => {}); // stuck for good: not reading, not answering, not closing
}

/** The two connections, one server host; `crashAt` (µs) cuts the server off. Resolves to what each side learnt, with times. */
export async function scenario(o: { crashAt?: number; duration: number }) {
  const net = new Network({ seed: 1 });
  const client = net.addHost("client"), server = net.addHost("server");
  const { link } = net.link(client, server, { latency: ms(1) });
  const s = (t: number) => `${Math.round(t / 1e6)} s`;
  server.spawn("server", async (p) => {
    const lk = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(lk, ["0.0.0.0", 7001]);
    p.listen(lk, 1);
    const lh = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(lh, ["0.0.0.0", 7002]);
    p.listen(lh, 1);
    await p.accept(lk); // held, never used
    const { fd } = await p.accept(lh);
    await pongServer(p, fd, 3);
  }, { daemon: true });
  const result = { keepalive: "", heartbeat: "" };
  client.spawn("client", async (p) => {
    const k = p.socket("AF_INET", "SOCK_STREAM");
    p.setsockopt(k, "SOL_SOCKET", "SO_KEEPALIVE", 1);
    p.setsockopt(k, "IPPROTO_TCP", "TCP_KEEPIDLE", 60);
    p.setsockopt(k, "IPPROTO_TCP", "TCP_KEEPINTVL", 10);
    p.setsockopt(k, "IPPROTO_TCP", "TCP_KEEPCNT", 3);
    await p.connect(k, ["server", 7001]);
    const h = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(h, ["server", 7002]);
    const watcher = p.thread(async () => {
      try {
        const d = await p.recv(k, 100);
        result.keepalive = `recv returned ${d.length} at ${s(net.now())}`;
      } catch (e) {
        result.keepalive = `${(e as Error).message} at ${s(net.now())}`;
      }
    });
    result.heartbeat = await heartbeat(p, h, { intervalMs: 10_000, timeoutMs: 5000, now: () => Math.round(net.now() / 1000) });
    await watcher.join(); // the process (and its fd k) lives on
  }, { daemon: true });
  if (o.crashAt !== undefined) {
    await net.advance(o.crashAt);
    link.partition();
  }
  await net.advance(o.duration - net.now());
  return { net, client, server, result };
}

/** Both runs, five simulated minutes each. */
export async function main(print: (line: string) => void = console.log): Promise<void> {
  for (const crashAt of [undefined, sec(35)]) {
    print(crashAt === undefined ? "the server application hangs after 3 PONGs; its host stays up:" : "the server host is cut off at 35 s:");
    const { client, result } = await scenario({ crashAt, duration: sec(300) });
    print(`  heartbeat (H): ${result.heartbeat}`);
    print(`  keepalive (K): ${result.keepalive || "nothing noticed"}; ${client.counters.TcpExt.TCPKeepAlive} probes sent`);
    for (const line of ss(snapshot(client), "-tnH").trimEnd().split("\n").filter(Boolean)) print(`  ss -tn on the client: ${line.replace(/ +/g, " ")}`);
  }
}

if (process.argv[1] === import.meta.filename) await main();
