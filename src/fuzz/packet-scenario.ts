/**
 * The packet fuzzer's network: two hosts on a 1 ms link running real
 * programs — a guarded bulk transfer (client → server:5001, its bytes
 * checked at the end), echo "victim" connections that come and go, a UDP
 * server, a listener nobody accepts from — and the helpers that read their
 * connections (which are live, what state they are in).
 */
import { isSysError } from "../core/sys-error.js";
import { ms } from "../core/time.js";
import type { Host } from "../host/host.js";
import { Network } from "../sim/network.js";
import type { LinkEndpoint } from "../sim/link.js";
import type { Process } from "../sys/process.js";
import { TimeWaitSock } from "../tcp/timewait.js";
import type { Tcb } from "../tcp/tcb.js";
import { errText } from "./harness.js";

export const CLIENT = 0x0a000001; // 10.0.0.1
export const SERVER = 0x0a000002; // 10.0.0.2
export const GUARD_PORT = 5001;
export const ECHO_PORT = 7;
export const UDP_PORT = 53;
export const BACKLOG_PORT = 8080;
export const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20;

/** Guarded transfer pattern: byte i. */
export function patternByte(i: number): number {
  return (i * 31 + 7 + (i >>> 8)) & 255;
}

export function pattern(off: number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = patternByte(off + i);
  return b;
}

/** Rethrows what is not an errno: a program's own SysErrors are expected under attack, anything else is a crash. */
export function errnoOnly(e: unknown): void {
  if (!isSysError(e)) throw e;
}

export interface Scenario {
  net: Network;
  client: Host;
  server: Host;
  aDev: LinkEndpoint;
  bDev: LinkEndpoint;
  stop: { v: boolean };
  guard: { sent: number; received: number; mismatch: number; done: boolean; error: string | null; clientPort: number };
}

export function buildScenario(seed: string, index: number, guardBytes: number): Scenario {
  const net = new Network({ seed: `packet-fuzz:${seed}:${index}`, driver: { warn: () => {} } });
  const client = net.addHost("client");
  const server = net.addHost("server");
  const { link } = net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(1) });
  const stop = { v: false };
  const guard = { sent: 0, received: 0, mismatch: -1, done: false, error: null as string | null, clientPort: 0 };

  // The guarded transfer: client → server:5001, checked byte by byte.
  server.spawn("guard-sink", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.setsockopt(l, "SOL_SOCKET", "SO_REUSEADDR", 1);
    p.bind(l, ["0.0.0.0", GUARD_PORT]);
    p.listen(l, 1);
    const { fd } = await p.accept(l);
    try {
      for (;;) {
        const d = await p.recv(fd, 65536);
        if (d.length === 0) break;
        for (let i = 0; i < d.length; i++) {
          if (d[i] !== patternByte(guard.received + i) && guard.mismatch < 0) guard.mismatch = guard.received + i;
        }
        guard.received += d.length;
      }
    } catch (e) {
      errnoOnly(e);
      guard.error = `server recv: ${errText(e)}`;
    }
    guard.done = true;
    await p.close(fd);
  });
  client.spawn("guard-source", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    try {
      await p.connect(fd, ["10.0.0.2", GUARD_PORT]);
      const name = p.getsockname(fd);
      guard.clientPort = "port" in name ? name.port : 0;
      while (guard.sent < guardBytes) {
        const n = Math.min(16384, guardBytes - guard.sent);
        await p.sendall(fd, pattern(guard.sent, n));
        guard.sent += n;
        await net.sleep(ms(2));
      }
    } catch (e) {
      errnoOnly(e);
      guard.error = `client: ${errText(e)}`;
      guard.done = true;
    }
    await p.close(fd);
  });

  // Echo victims: the attacker aims inside their windows.
  server.spawn("echo", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", ECHO_PORT]);
    p.listen(l, 16);
    for (;;) {
      let fd: number;
      try {
        ({ fd } = await p.accept(l));
      } catch (e) {
        errnoOnly(e);
        continue;
      }
      p.thread(async (t) => echoLoop(t, fd));
    }
  });
  for (let v = 0; v < 3; v++) client.spawn(`victim${v}`, async (p) => victimLoop(p, net, stop, v));

  server.spawn("udp", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(fd, ["0.0.0.0", UDP_PORT]);
    for (;;) {
      try {
        const { data, addr } = await p.recvfrom(fd, 2048);
        if (addr && data.length && data[0]! & 1) await p.sendto(fd, data.subarray(0, 16), 0, addr);
      } catch (e) {
        errnoOnly(e);
      }
    }
  });
  server.spawn("backlog", (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", BACKLOG_PORT]);
    p.listen(l, 4);
    return new Promise(() => {}); // keeps the listener open; never accepts
  });
  return { net, client, server, aDev: link.a, bDev: link.b, stop, guard };
}

async function echoLoop(p: Process, fd: number): Promise<void> {
  try {
    for (;;) {
      const d = await p.recv(fd, 4096);
      if (d.length === 0) break;
      await p.send(fd, d);
    }
  } catch (e) {
    errnoOnly(e);
  }
  await p.close(fd);
}

async function victimLoop(p: Process, net: Network, stop: { v: boolean }, v: number): Promise<void> {
  let round = 0;
  while (!stop.v) {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    try {
      await p.connect(fd, ["10.0.0.2", ECHO_PORT]);
      for (let i = 0; i < 50 && !stop.v; i++) {
        await p.send(fd, pattern(round * 1000 + v, 1 + ((round + i) % 200)));
        await p.recv(fd, 4096, "MSG_DONTWAIT").catch(errnoOnly);
        await net.sleep(ms(3 + ((i * 7 + v) % 20)));
      }
    } catch (e) {
      errnoOnly(e);
      await net.sleep(ms(50));
    }
    await p.close(fd);
    round++;
  }
}

/** Live TCP connections of `host` other than the guarded one. */
export function liveTcbs(host: Host, guarded: boolean): Tcb[] {
  const out: Tcb[] = [];
  for (const t of host.tcp.tables.connections()) {
    if (t instanceof TimeWaitSock) continue;
    const isGuard = t.localPort === GUARD_PORT || t.remotePort === GUARD_PORT;
    if (isGuard === guarded) out.push(t);
  }
  return out;
}

export function fingerprint(t: Tcb | TimeWaitSock | undefined): string {
  if (!t) return "";
  if (t instanceof TimeWaitSock) return `tw|${t.expires}|${t.tsRecent}`;
  return `${t.softError}|${t.pmtu}|${t.state}|${t.rcvNxt}|${t.sndUna}|${t.sndNxt}|${t.sndWnd}|${t.sndWl1}|${t.sndWl2}|${t.ooo?.bytes ?? 0}|${t.ooo?.count ?? 0}|${t.urgSeq}|${t.tsRecent}|${t.rcvBuf.length}`;
}
