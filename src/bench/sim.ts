/**
 * The sockstack side of the benchmarks: workloads on the simulated network,
 * run by the virtual-time driver as fast as the CPU allows. Values are per
 * wall second (the stack's CPU cost) unless a benchmark is about virtual
 * time (lossy goodput) or memory.
 */
import { Network } from "../sim/network.js";
import type { Host } from "../host/host.js";
import { ms, sec } from "../core/time.js";
import { TcpState } from "../tcp/tcp-state.js";
import type { Measurement } from "./harness.js";

/** Application write/read size on both sides (the kernel side writes 64 KiB too). */
export const CHUNK = 1 << 16;

/** The address family a benchmark's sockets use: IPv4, or IPv6 (issue 18's figures). */
export type BenchFamily = "AF_INET" | "AF_INET6";

/** The server's address on a {@link pair} link, and the wildcard it binds, per family. */
const SERVER_ADDR: Record<BenchFamily, string> = { AF_INET: "10.0.0.2", AF_INET6: "fd00::2" };
const ANY_ADDR: Record<BenchFamily, string> = { AF_INET: "0.0.0.0", AF_INET6: "::" };

/**
 * Two hosts on one link: client 10.0.0.1, server 10.0.0.2; with `AF_INET6`
 * also fd00::1 and fd00::2 (IPv6 enabled, duplicate address detection done
 * before the measurement starts).
 */
async function pair(link: Parameters<Network["link"]>[2], seed = 1, family: BenchFamily = "AF_INET"): Promise<{ net: Network; client: Host; server: Host }> {
  const net = new Network({ seed });
  const client = net.addHost("client");
  const server = net.addHost("server");
  const { aIface, bIface } = net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", ...link });
  if (family === "AF_INET6") {
    client.enableIpv6();
    server.enableIpv6();
    client.addAddress(aIface, "fd00::1/64");
    server.addAddress(bIface, "fd00::2/64");
    await net.advance(sec(3)); // DAD
  }
  return { net, client, server };
}

/** Progress of a {@link startBulk} transfer (virtual times in µs). */
interface Bulk {
  received: number;
  /** When the client began connecting. */
  tStart: number;
  /** When the server had received every byte. */
  tDone: number;
}

/**
 * Starts a one-connection bulk transfer of `bytes` client → server:5001 in
 * CHUNK writes and reads; `cc` picks the client's congestion control.
 */
function startBulk(net: Network, client: Host, server: Host, bytes: number, cc?: "reno" | "cubic", serverAddr = "10.0.0.2", family: BenchFamily = "AF_INET"): Bulk {
  const src = new Uint8Array(CHUNK).fill(0x5a);
  const b: Bulk = { received: 0, tStart: 0, tDone: 0 };
  server.spawn("sink", async (p) => {
    const l = p.socket(family, "SOCK_STREAM");
    p.bind(l, [ANY_ADDR[family], 5001]);
    p.listen(l, 8);
    const { fd } = await p.accept(l);
    for (;;) {
      const d = await p.recv(fd, CHUNK);
      if (d.length === 0) break;
      b.received += d.length;
      if (b.received === bytes) b.tDone = net.now();
    }
    await p.close(fd);
  });
  client.spawn("source", async (p) => {
    const fd = p.socket(family, "SOCK_STREAM");
    if (cc) p.setsockopt(fd, "IPPROTO_TCP", "TCP_CONGESTION", cc);
    b.tStart = net.now();
    await p.connect(fd, [serverAddr, 5001]);
    let sent = 0;
    while (sent < bytes) sent += await p.send(fd, src.subarray(0, Math.min(CHUNK, bytes - sent)));
    await p.close(fd);
  });
  return b;
}

/**
 * Bulk transfer client → server over one connection on a link with `mtu`
 * (checksums skipped like `lo` when `offload`, else computed and verified).
 * Value: MB/s of wall time.
 */
export async function simThroughput(bytes: number, mtu: number, offload: boolean, family: BenchFamily = "AF_INET"): Promise<Measurement> {
  const { net, client, server } = await pair({ latency: 5, mtu, checksumOffload: offload }, 1, family);
  const b = startBulk(net, client, server, bytes, undefined, SERVER_ADDR[family], family);
  const v0 = net.now();
  const t0 = performance.now();
  const ok = await net.runUntil(() => b.received === bytes, { timeout: sec(600) });
  const wall = (performance.now() - t0) / 1000;
  if (!ok) throw new Error(`sim throughput: received ${b.received} of ${bytes}`);
  const c = client.counters;
  return {
    value: bytes / wall / 1e6,
    extra: { wall_s: wall, virtual_s: (net.now() - v0) / 1e6, segs_out: c.Tcp.OutSegs ?? 0, segs_in: c.Tcp.InSegs ?? 0 },
  };
}

/**
 * Forwarding cost: one bulk transfer client → server through two routers
 * (client — r1 — r2 — server, three links of MTU 1500, checksums computed
 * and verified as on a real wire, each router decrementing TTL and
 * forwarding both directions). Value: segments per wall second through the
 * whole path — data segments and ACKs, each crossing three links and two
 * routers; there is no kernel counterpart in the same process (that would
 * take network namespaces).
 */
export async function simRouted(bytes: number): Promise<Measurement> {
  const net = new Network({ seed: 1 });
  const client = net.addHost("client");
  const r1 = net.addHost("r1", { router: true });
  const r2 = net.addHost("r2", { router: true });
  const server = net.addHost("server");
  const chain = [client, r1, r2, server];
  for (let k = 0; k < 3; k++) net.link(chain[k]!, chain[k + 1]!, { a: `10.0.${k}.1/24`, b: `10.0.${k}.2/24`, latency: 5, mtu: 1500, checksumOffload: false });
  client.addRoute("default", "10.0.0.2");
  server.addRoute("default", "10.0.2.1");
  r1.addRoute("10.0.2.0/24", "10.0.1.2");
  r2.addRoute("10.0.0.0/24", "10.0.1.1");
  const b = startBulk(net, client, server, bytes, undefined, "10.0.2.2");
  const t0 = performance.now();
  const ok = await net.runUntil(() => b.received === bytes, { timeout: sec(600) });
  const wall = (performance.now() - t0) / 1000;
  if (!ok) throw new Error(`sim routed: received ${b.received} of ${bytes}`);
  // Segments that crossed the whole path (both routers): data one way, ACKs the other. (The sender's OutSegs
  // would count the last ACKs still in flight when the receiver has every byte.)
  const fwd1 = r1.counters.Ip.ForwDatagrams ?? 0;
  const fwd2 = r2.counters.Ip.ForwDatagrams ?? 0;
  const segs = (fwd1 + fwd2) / 2;
  return {
    value: segs / wall,
    extra: { wall_s: wall, MB_per_s: bytes / wall / 1e6, segs_through: segs, data_segs: client.counters.Tcp.OutSegs ?? 0, us_per_segment: (wall * 1e6) / segs, virtual_s: net.now() / 1e6 },
  };
}

/**
 * `n` connections, `inflight` at a time: connect + accept + 1-byte echo +
 * close (client first), as the kernel side. Value: connections per wall second.
 */
export async function simConnectRate(n: number, inflight: number, family: BenchFamily = "AF_INET"): Promise<Measurement> {
  const { net, client, server } = await pair({ latency: 5 }, 1, family);
  // Virtual time barely moves during the run (microseconds), so the
  // client's TIME-WAITs never age: with Linux's 28,232-port range the even
  // ports run out after ~14,000 connections and every connect then scans
  // the whole range (see BENCHMARKS.md). The kernel side reuses loopback
  // TIME-WAITs older than 1 s (tcp_tw_reuse=2); here a wider range keeps
  // the search short instead.
  client.sysctl.ip_local_port_range = [1024, 65535];
  let served = 0;
  server.spawn("server", async (p) => {
    p.rlimitNofile = 1 << 20;
    const l = p.socket(family, "SOCK_STREAM");
    p.bind(l, [ANY_ADDR[family], 7]);
    p.listen(l, 4096);
    for (;;) {
      const { fd } = await p.accept(l);
      void (async () => {
        const d = await p.recv(fd, 16);
        await p.send(fd, d);
        await p.recv(fd, 16); // EOF
        await p.close(fd);
        served++;
      })();
    }
  });
  let ok = 0;
  client.spawn("client", async (p) => {
    p.rlimitNofile = 1 << 20;
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(inflight, n) }, async () => {
      while (next < n) {
        next++;
        const fd = p.socket(family, "SOCK_STREAM");
        await p.connect(fd, [SERVER_ADDR[family], 7]);
        await p.send(fd, "x");
        const d = await p.recv(fd, 16);
        if (d.length === 1) ok++;
        await p.close(fd);
      }
    }));
  });
  const v0 = net.now();
  const t0 = performance.now();
  const done = await net.runUntil(() => ok === n && served === n, { timeout: sec(3600) });
  const wall = (performance.now() - t0) / 1000;
  if (!done) throw new Error(`sim connect-rate: ${ok}/${served} of ${n}`);
  return { value: n / wall, extra: { connections: n, wall_s: wall, virtual_s: (net.now() - v0) / 1e6 } };
}

/**
 * Establishes `n` idle connections from `clientHosts` client hosts (each
 * with its own link to the server) to one server host, whose `procs`
 * server processes each listen on a port of their own (80, 81, …) and
 * accept every connection; each client host runs `procs` client processes
 * too. Several processes keep each fd table small: `Process.#lowestFree`
 * scans the table linearly (see BENCHMARKS.md), which makes one process
 * with a million fds quadratic. Resolves once every connection is
 * established and accepted.
 */
export async function establishIdle(
  n: number,
  clientHosts: number,
  inflight: number,
  procs = 1,
  onProgress?: (established: number) => void,
): Promise<{ net: Network; server: Host; clients: Host[]; accepted: () => number; wall: number }> {
  const net = new Network({ seed: 1 });
  // A listen backlog larger than the connections in flight: an overflowing
  // accept queue drops the final ACKs (Linux), leaving clients ESTABLISHED
  // that the server never accepts.
  const server = net.addHost("server", { sysctl: { somaxconn: 65535, tcp_max_syn_backlog: 65535 } });
  const clients: Host[] = [];
  for (let i = 0; i < clientHosts; i++) {
    const c = net.addHost(`c${i}`);
    c.sysctl.ip_local_port_range = [1024, 65535];
    net.link(c, server, { a: `10.${i >> 8}.${i & 255}.2/30`, b: `10.${i >> 8}.${i & 255}.1/30`, latency: ms(0.05) });
    clients.push(c);
  }
  let accepted = 0;
  for (let k = 0; k < procs; k++) {
    server.spawn(`server${k}`, async (p) => {
      p.rlimitNofile = 1 << 22;
      const l = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(l, ["0.0.0.0", 80 + k]);
      p.listen(l, 65535);
      for (;;) {
        await p.accept(l);
        accepted++;
      }
    });
  }
  let connected = 0;
  const perHost = Math.ceil(n / clientHosts);
  const perProc = Math.ceil(perHost / procs);
  const lanes = Math.max(1, Math.floor(inflight / (clientHosts * procs)));
  clients.forEach((c, i) => {
    const dst = `10.${i >> 8}.${i & 255}.1`;
    for (let k = 0; k < procs; k++) {
      const count = Math.max(0, Math.min(perProc, n - i * perHost - k * perProc, perHost - k * perProc));
      if (count <= 0) continue;
      c.spawn(`client${k}`, async (p) => {
        p.rlimitNofile = 1 << 22;
        let next = 0;
        await Promise.all(Array.from({ length: Math.min(lanes, count) }, async () => {
          while (next < count) {
            const port = 80 + ((next + i) % procs);
            next++;
            const fd = p.socket("AF_INET", "SOCK_STREAM");
            await p.connect(fd, [dst, port]);
            connected++;
          }
        }));
        // Stay alive: an exiting process closes its fds (FIN → CLOSE-WAIT on the server).
        await net.sleep(sec(30 * 86400));
      });
    }
  });
  const t0 = performance.now();
  let lastReport = 0;
  const done = await net.runUntil(() => {
    if (onProgress && connected - lastReport >= 100_000) {
      lastReport = connected;
      onProgress(connected);
    }
    return connected === n && accepted === n;
  }, { timeout: sec(36000) });
  const wall = (performance.now() - t0) / 1000;
  if (!done) throw new Error(`establish: ${connected} connected, ${accepted} accepted of ${n}`);
  return { net, server, clients, accepted: () => accepted, wall };
}

/**
 * 10,000 idle connections with SO_KEEPALIVE (TCP_KEEPIDLE 60 s,
 * TCP_KEEPINTVL 10 s) on the client side, simulated for `virtualSeconds`.
 * Value: wall seconds of the simulated stretch (establishment excluded).
 */
export async function simIdleTimers(n: number, virtualSeconds: number): Promise<Measurement> {
  const { net, client, server } = await pair({ latency: ms(0.1) });
  server.spawn("server", async (p) => {
    p.rlimitNofile = 1 << 20;
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 80]);
    p.listen(l, 4096);
    for (;;) await p.accept(l);
  });
  let up = 0;
  client.spawn("client", async (p) => {
    p.rlimitNofile = 1 << 20;
    let next = 0;
    await Promise.all(Array.from({ length: 500 }, async () => {
      while (next < n) {
        next++;
        const fd = p.socket("AF_INET", "SOCK_STREAM");
        p.setsockopt(fd, "SOL_SOCKET", "SO_KEEPALIVE", 1);
        p.setsockopt(fd, "IPPROTO_TCP", "TCP_KEEPIDLE", 60);
        p.setsockopt(fd, "IPPROTO_TCP", "TCP_KEEPINTVL", 10);
        await p.connect(fd, ["10.0.0.2", 80]);
        up++;
      }
    }));
    await net.sleep(sec(virtualSeconds + 3600));
  });
  if (!(await net.runUntil(() => up === n, { timeout: sec(600) }))) throw new Error(`idle-timers: ${up} of ${n} established`);
  const probesBefore = client.counters.TcpExt.TCPKeepAlive ?? 0;
  const segsBefore = client.counters.Tcp.OutSegs ?? 0;
  const t0 = performance.now();
  await net.advance(sec(virtualSeconds));
  const wall = (performance.now() - t0) / 1000;
  let established = 0;
  for (const t of client.tcp.tables.connections()) if (t.state === TcpState.ESTABLISHED) established++;
  if (established !== n) throw new Error(`idle-timers: ${established} of ${n} still established after ${virtualSeconds} s`);
  return {
    value: wall,
    extra: {
      connections: n, virtual_s: virtualSeconds,
      client_segs: (client.counters.Tcp.OutSegs ?? 0) - segsBefore,
      keepalive_probes: (client.counters.TcpExt.TCPKeepAlive ?? 0) - probesBefore,
    },
  };
}

/**
 * A `bytes` transfer over a 100 Mbit/s link with 10 ms one-way latency
 * (20 ms RTT) and 1 % random loss on the data direction, with congestion
 * control `cc`. Value: goodput in Mbit/s of virtual time.
 */
export async function simLossy(bytes: number, cc: "reno" | "cubic", impaired = false): Promise<Measurement> {
  // impaired: issue 17's TUN-bridge path — 2 % loss, 10 ms delay, 5 % reordering, both directions.
  const bad = { loss: 0.02, reorder: 0.05 };
  const { net, client, server } = await pair(impaired ? { latency: ms(10), rate: 100e6, aToB: bad, bToA: bad } : { latency: ms(10), rate: 100e6, aToB: { loss: 0.01 } }, 7);
  // SOCKSTACK_BENCH_RECOVERY=rfc6675 measures the sender without RACK-TLP (tcp_recovery=0,
  // tcp_early_retrans=0); =R,E sets the two sysctls to R and E.
  if (process.env.SOCKSTACK_BENCH_RECOVERY === "rfc6675") {
    client.sysctl.tcp_recovery = 0;
    client.sysctl.tcp_early_retrans = 0;
  } else if (process.env.SOCKSTACK_BENCH_RECOVERY) {
    const [r, e] = process.env.SOCKSTACK_BENCH_RECOVERY.split(",").map(Number);
    client.sysctl.tcp_recovery = r!;
    client.sysctl.tcp_early_retrans = e!;
  }
  const b = startBulk(net, client, server, bytes, cc);
  const t0 = performance.now();
  const ok = await net.runUntil(() => b.received === bytes, { timeout: sec(36000) });
  const wall = (performance.now() - t0) / 1000;
  if (!ok) throw new Error(`lossy ${cc}: received ${b.received} of ${bytes}`);
  const secs = (b.tDone - b.tStart) / 1e6;
  const c = client.counters;
  return {
    value: (bytes * 8) / secs / 1e6,
    extra: {
      virtual_s: secs, wall_s: wall, retrans: c.Tcp.RetransSegs ?? 0, segs_out: c.Tcp.OutSegs ?? 0,
      timeouts: c.TcpExt.TCPTimeouts ?? 0, loss_probes: c.TcpExt.TCPLossProbes ?? 0, dsack_undo: c.TcpExt.TCPDSACKUndo ?? 0,
      recoveries: c.TcpExt.TCPSackRecovery ?? 0,
    },
  };
}
