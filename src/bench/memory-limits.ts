/**
 * Memory held to the configured limits under floods (DESIGN.md principle
 * 8, issue 11 items 5 and 6). Each job runs in a child process with `gc`
 * exposed (bench/child.ts) and measures the heap the flood leaves behind:
 *
 * - `frag-flood`: one million zero-length "more fragments" packets with
 *   distinct ids, then one million 8-byte first fragments with distinct
 *   ids, into one host: reassembly memory (charged and heap) must stay
 *   ≤ ipfrag_high_thresh (4 MiB) plus a constant.
 * - `frag-expire`: 100,000 reassembly queues, then the CPU time to expire
 *   them all when ipfrag_time passes (< 0.5 s).
 * - `ooo-flood`: 300,000 gapped 1-byte segments (every other byte) from a
 *   peer that knows the sequence numbers, into a connection with the
 *   largest receive buffer (SO_RCVBUF = rmem_max, doubled: 8 MiB): the
 *   connection's memory must stay ≤ 2 × its receive buffer.
 */
import type { Measurement } from "./harness.js";
import { Network } from "../sim/network.js";
import { ms, sec } from "../core/time.js";
import { emitIpv4, IPPROTO_UDP, IPPROTO_TCP } from "../wire/ipv4.js";
import { ipv4 } from "../wire/ipv4-address.js";
import { Packet } from "../wire/packet.js";
import { TcpState } from "../tcp/tcp-state.js";
import type { Tcb } from "../tcp/tcb.js";
import { ACK } from "../tcp/segment.js";
import { writeTcpHeader } from "../wire/tcp.js";
import { asInet4 } from "../net/inet-address.js";

function pair() {
  const net = new Network({ seed: 1 });
  const a = net.addHost("a"), b = net.addHost("b");
  net.link(a, b, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(1) });
  return { net, a, b };
}

function fragment(id: number, len: number): Uint8Array {
  const buf = new Uint8Array(20 + len);
  emitIpv4({ src: ipv4("10.0.0.1"), dst: ipv4("10.0.0.2"), protocol: IPPROTO_UDP, payloadLength: len, id: id & 0xffff, mf: true, fragOffset: 0 }, buf, 0);
  buf[14] = (id >>> 16) & 255; // beyond 65536 ids: another source, 10.0.k.1 (the key includes it)
  return buf;
}

/** One million zero-length fragments, then one million 8-byte ones: reassembly memory stays bounded. */
export async function fragFlood(n: number, gc: () => void): Promise<Measurement> {
  const { b } = pair();
  const iface = b.ip.interfaces[1]!;
  gc();
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  let maxCharged = 0;
  for (let i = 0; i < n; i++) {
    const p = new Packet(fragment(i, 0), undefined, true);
    iface.device.onReceive(p, iface.device);
  }
  const queuesZero = b.ip.reassembler.size;
  for (let i = 0; i < n; i++) {
    const p = new Packet(fragment(i, 8), undefined, true);
    iface.device.onReceive(p, iface.device);
    if ((i & 1023) === 0) maxCharged = Math.max(maxCharged, b.ip.reassembler.memory);
  }
  maxCharged = Math.max(maxCharged, b.ip.reassembler.memory);
  const wall = (performance.now() - t0) / 1000;
  gc();
  const heap = process.memoryUsage().heapUsed - before;
  const c = b.counters.Ip;
  return {
    value: heap / 2 ** 20,
    extra: {
      packets: 2 * n, queues_after_zero_length: queuesZero, queues: b.ip.reassembler.size,
      charged_max_MiB: maxCharged / 2 ** 20, high_thresh_MiB: b.sysctl.ipfrag_high_thresh / 2 ** 20,
      ReasmReqds: c.ReasmReqds ?? 0, ReasmFails: c.ReasmFails ?? 0, wall_s: wall,
    },
  };
}

/**
 * `n` reassembly queues, then the CPU time to expire them all (CPU, not
 * wall: on a shared machine the wall time mostly measures the wait for a
 * core; it is reported beside it).
 */
export async function fragExpire(n: number, gc: () => void): Promise<Measurement> {
  const { net, b } = pair();
  b.sysctl.ipfrag_high_thresh = 2 ** 40;
  const iface = b.ip.interfaces[1]!;
  for (let i = 0; i < n; i++) iface.device.onReceive(new Packet(fragment(i, 8), undefined, true), iface.device);
  const queues = b.ip.reassembler.size;
  await net.advance(sec(29));
  gc(); // the creation's garbage is not the expiry's cost
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await net.advance(sec(2));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  return {
    value: (cpu.user + cpu.system) / 1e6,
    extra: { queues, left: b.ip.reassembler.size, ReasmTimeout: b.counters.Ip.ReasmTimeout ?? 0, wall_s: wall },
  };
}

/** `n` gapped 1-byte segments into a connection with the largest receive buffer. */
export async function oooFlood(n: number, gc: () => void): Promise<Measurement> {
  const { net, a, b } = pair();
  let server: Tcb | undefined;
  b.spawn("server", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.setsockopt(l, "SOL_SOCKET", "SO_RCVBUF", b.sysctl.rmem_max);
    p.bind(l, ["0.0.0.0", 80]);
    p.listen(l, 1);
    await p.accept(l);
    await net.sleep(sec(3600));
  });
  a.spawn("client", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 80]);
    await net.sleep(sec(3600));
  });
  await net.advance(ms(100));
  for (const t of b.tcp.tables.connections()) if ((t as Tcb).state === TcpState.ESTABLISHED) server = t as Tcb;
  if (!server) throw new Error("ooo-flood: no connection");
  const iface = b.ip.interfaces[1]!;
  const rcvbuf = server.rcvBuf.rcvbuf;
  gc();
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  let maxRmem = 0;
  const base = (server.rcvNxt + 1) >>> 0; // rcv.nxt itself stays a hole
  for (let i = 0; i < n; i++) {
    const seq = (base + 2 * i) >>> 0;
    const head = new Uint8Array(20 + 20 + 1);
    writeTcpHeader(head, 20, server.remotePort, server.localPort, seq, server.sndNxt, ACK, 65535);
    emitIpv4({ src: asInet4(server.remoteAddr), dst: asInet4(server.localAddr), protocol: IPPROTO_TCP, payloadLength: 21, id: i & 0xffff }, head, 0);
    head[40] = i & 255;
    iface.device.onReceive(new Packet(head, undefined, true), iface.device);
    if ((i & 1023) === 0) maxRmem = Math.max(maxRmem, server.rmemAlloc());
  }
  const wall = (performance.now() - t0) / 1000;
  gc();
  const heap = process.memoryUsage().heapUsed - before;
  const x = b.counters.TcpExt;
  return {
    value: heap / rcvbuf,
    extra: {
      segments: n, rcvbuf, heap_MB: heap / 1e6, rmem_alloc_max: maxRmem, ooo_ranges: server.ooo?.count ?? 0,
      PruneCalled: x.PruneCalled ?? 0, RcvPruned: x.RcvPruned ?? 0, OfoPruned: x.OfoPruned ?? 0, TCPOFODrop: x.TCPOFODrop ?? 0,
      TCPOFOQueue: x.TCPOFOQueue ?? 0, wall_s: wall,
    },
  };
}
