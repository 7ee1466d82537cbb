/**
 * IPv4: fragmentation and reassembly (also under loss and reordering),
 * forwarding limits, and malformed datagrams dropped and counted — never
 * thrown (seed G5; the brief's "bad input").
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../sim/network.js";
import { ms, sec } from "../core/time.js";
import { emitIpv4, IPPROTO_UDP } from "../wire/ipv4.js";
import { ipv4 } from "../wire/ipv4-address.js";
import { emitUdp } from "../wire/udp.js";
import { Packet, finalizeChecksums } from "../wire/packet.js";
import type { Host } from "../host/host.js";
import { FRAG_QUEUE_SIZE } from "./reassembly.js";
import { SKB_TRUESIZE_OVERHEAD } from "../core/truesize.js";

function pair(cfg = {}, seed = 1) {
  const net = new Network({ seed });
  const a = net.addHost("a"), b = net.addHost("b");
  const { link } = net.link(a, b, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(1), ...cfg });
  return { net, a, b, link };
}

async function udpRoundTrip(net: Network, a: Host, b: Host, sizes: number[]): Promise<number[]> {
  const got: number[] = [];
  b.spawn("echo", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(fd, ["0.0.0.0", 7]);
    for (;;) {
      const { data, addr } = await p.recvfrom(fd, 65535);
      await p.sendto(fd, data, 0, addr);
    }
  });
  a.spawn("client", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.setsockopt(fd, "SOL_SOCKET", "SO_RCVTIMEO", { tv_sec: 1, tv_usec: 0 });
    for (let k = 0; k < sizes.length; k++) {
      const n = sizes[k]!;
      const d = new Uint8Array(n);
      for (let i = 0; i < n; i++) d[i] = (i * 31 + k) & 255;
      await p.sendto(fd, d, 0, ["10.0.0.2", 7]);
      for (;;) {
        let data: Uint8Array;
        try {
          data = (await p.recvfrom(fd, 65535)).data;
        } catch {
          got.push(0);
          break;
        }
        // A late duplicate of an earlier reply: skip it (its pattern is another k).
        if (data.length !== n && data.length > 0 && data[0] !== (k & 255)) continue;
        let ok = data.length === n;
        for (let i = 0; ok && i < n; i++) ok = data[i] === ((i * 31 + k) & 255);
        if (!ok && data.length > 0 && data[0] !== (k & 255)) continue;
        got.push(ok ? n : -1);
        break;
      }
    }
  });
  await net.advance(sec(60));
  return got;
}

test("G5 G6: datagrams larger than the MTU are fragmented and reassembled, up to 65507 bytes", async () => {
  const { net, a, b } = pair();
  const sizes = [1472, 1473, 4000, 30000, 65507];
  assert.deepEqual(await udpRoundTrip(net, a, b, sizes), sizes);
  assert.ok(a.counters.Ip.FragCreates! > 40);
  assert.equal(b.counters.Ip.ReasmOKs, 4);
});

test("G5: reassembly under 10 % reordering and duplication is exact; under loss a datagram is lost whole", async () => {
  const { net, a, b } = pair({ reorder: 0.1, duplicate: 0.1 }, 5);
  const sizes = Array.from({ length: 20 }, (_, i) => 3000 + 997 * i);
  assert.deepEqual(await udpRoundTrip(net, a, b, sizes), sizes);
  const lossy = pair({ loss: 0.05 }, 9);
  const r = await udpRoundTrip(lossy.net, lossy.a, lossy.b, sizes);
  assert.ok(r.every((x, i) => x === sizes[i] || x === 0), "never a corrupt datagram");
  assert.ok(r.includes(0), "some datagrams lost");
  // Incomplete datagrams time out after ipfrag_time (30 s) and are counted.
  assert.ok((lossy.b.counters.Ip.ReasmFails ?? 0) + (lossy.a.counters.Ip.ReasmFails ?? 0) > 0);
  assert.equal(lossy.b.ip.reassembler.size, 0);
});

test("UDP echo over an impaired link (loss, reordering, duplication, corruption) never delivers a damaged datagram", async () => {
  const { net, a, b } = pair({ loss: 0.02, reorder: 0.05, duplicate: 0.02, corrupt: 0.05 }, 11);
  const sizes = Array.from({ length: 200 }, (_, i) => 1 + ((i * 97) % 1400));
  const r = await udpRoundTrip(net, a, b, sizes);
  assert.ok(r.every((x, i) => x === sizes[i] || x === 0));
  assert.ok(r.filter((x) => x > 0).length > 150);
  assert.ok((a.counters.Udp.InCsumErrors ?? 0) + (b.counters.Udp.InCsumErrors ?? 0) + (a.counters.Ip.InCsumErrors ?? 0) + (b.counters.Ip.InCsumErrors ?? 0) > 0, "corruption caught by checksums");
});

function udpDatagram(payload: number, opts: { id?: number; mf?: boolean; off?: number; total?: number } = {}): Uint8Array {
  const buf = new Uint8Array(20 + 8 + payload);
  emitUdp(5000, 7, payload, buf, 20);
  emitIpv4({ src: ipv4("10.0.0.1"), dst: ipv4("10.0.0.2"), protocol: IPPROTO_UDP, payloadLength: 8 + payload, id: opts.id ?? 1, mf: opts.mf, fragOffset: opts.off }, buf, 0);
  return buf;
}

test("malformed datagrams are dropped and counted, never thrown: truncated, bad checksum, bad lengths, bad version, overlapping fragments", async () => {
  const { b } = pair();
  const iface = b.ip.interfaces[1]!;
  const inject = (bytes: Uint8Array) => iface.device.onReceive(new Packet(bytes), iface.device);
  const c = b.counters;
  inject(new Uint8Array([0x45, 0, 0]));                       // truncated header
  const bad = udpDatagram(10);
  bad[10] ^= 0xff;                                             // bad header checksum
  inject(bad);
  const v6 = udpDatagram(10);
  v6[0] = 0x65;                                                // version 6 on a link without framing: IPv6's,
  inject(v6);                                                  // which is disabled on the interface (ipv6_rcv: InDiscards)
  assert.equal(c.Ip6.InDiscards, 1);
  v6[0] = 0x55;                                                // version 5: IPv4's bad version
  inject(v6);
  const long = udpDatagram(10);
  long[3] = 200;                                               // total length beyond the frame
  long[10] = long[11] = 0;
  inject(long);
  assert.equal(c.Ip.InHdrErrors, 4);
  const udpBad = udpDatagram(10);
  const p = new Packet(udpBad, undefined, true);
  finalizeChecksums(p);
  udpBad[26] ^= 0xff;                                          // bad UDP checksum
  inject(udpBad);
  assert.equal(c.Udp.InCsumErrors, 1);
  // Overlapping fragments poison the datagram (Linux ≥ 4.19).
  const whole = udpDatagram(64, { id: 77 });
  const f1 = new Uint8Array(20 + 40);
  f1.set(whole.subarray(0, 60));
  emitIpv4({ src: ipv4("10.0.0.1"), dst: ipv4("10.0.0.2"), protocol: IPPROTO_UDP, payloadLength: 40, id: 77, mf: true }, f1, 0);
  const f2 = new Uint8Array(20 + 40);
  f2.set(whole.subarray(20 + 32, 20 + 72), 20);
  emitIpv4({ src: ipv4("10.0.0.1"), dst: ipv4("10.0.0.2"), protocol: IPPROTO_UDP, payloadLength: 40, id: 77, fragOffset: 32 }, f2, 0);
  inject(f1);
  inject(f2);
  assert.equal(c.Ip.ReasmFails, 1);
  assert.equal(c.IpExt.ReasmOverlaps, 1);
  assert.equal(b.ip.reassembler.size, 0);
  // Random garbage of every length never throws.
  let seed = 1;
  for (let n = 0; n < 2000; n++) {
    const len = (seed = (seed * 1103515245 + 12345) >>> 0) % 120;
    const junk = new Uint8Array(len);
    for (let i = 0; i < len; i++) junk[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    if (len > 0) junk[0] = 0x45;
    inject(junk);
  }
});

test("forwarding: DF datagram larger than the next hop's MTU → ICMP fragmentation needed with the MTU", async () => {
  const net = new Network({ seed: 2 });
  const a = net.addHost("a"), r = net.addHost("r", { router: true }), b = net.addHost("b");
  net.link(a, r, { a: "10.0.1.1/24", b: "10.0.1.254/24", latency: ms(1) });
  net.link(r, b, { a: "10.0.2.254/24", b: "10.0.2.1/24", latency: ms(1), mtu: 1000 });
  a.addRoute("default", "10.0.1.254");
  b.addRoute("default", "10.0.2.254");
  let err = "";
  b.spawn("sink", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(fd, ["0.0.0.0", 9]);
    await p.recvfrom(fd, 65535);
  });
  a.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    await p.connect(fd, ["10.0.2.1", 9]);
    await p.send(fd, new Uint8Array(1400)); // fits a's MTU 1500: sent with DF
    await net.sleep(ms(50));
    try { await p.send(fd, new Uint8Array(70000)); } catch (e) { err = (e as Error).message; }
  });
  await net.advance(sec(1));
  assert.equal(r.counters.Icmp.OutDestUnreachs, 1);
  assert.equal(r.counters.Ip.FragFails, 1);
  assert.equal(err, "send: Message too long");
});

/** A UDP fragment from 10.0.0.1 with `len` payload bytes at `off` (bytes), in a buffer of `bufLen` bytes. */
function fragment(id: number, len: number, off: number, mf: boolean, bufLen = 20 + len): Uint8Array {
  const buf = new Uint8Array(bufLen);
  emitIpv4({ src: ipv4("10.0.0.1"), dst: ipv4("10.0.0.2"), protocol: IPPROTO_UDP, payloadLength: len, id, mf, fragOffset: off }, buf, 0);
  return bufLen === 20 + len ? buf : buf.subarray(0, 20 + len);
}

test("reassembly: zero-length 'more fragments' packets create no queue and cost nothing (Linux discard_qp)", () => {
  const { b } = pair();
  const iface = b.ip.interfaces[1]!;
  for (let id = 0; id < 5000; id++) iface.device.onReceive(new Packet(fragment(id, 0, 0, true)), iface.device);
  // An MF fragment of 7 bytes is rounded down to 0 bytes: also refused.
  iface.device.onReceive(new Packet(fragment(9999, 7, 0, true)), iface.device);
  assert.equal(b.ip.reassembler.size, 0);
  assert.equal(b.ip.reassembler.memory, 0);
  assert.equal(b.counters.Ip.ReasmReqds, 5001);
  assert.equal(b.counters.Ip.ReasmFails, 5001);
});

test("reassembly memory: queues and fragments are charged at truesize; over ipfrag_high_thresh new fragments are dropped, old queues expire after ipfrag_time", async () => {
  const { net, a, b } = pair();
  b.sysctl.ipfrag_high_thresh = 256 * 1024;
  const iface = b.ip.interfaces[1]!;
  const inject = (bytes: Uint8Array) => iface.device.onReceive(new Packet(bytes), iface.device);
  const perQueue = FRAG_QUEUE_SIZE + SKB_TRUESIZE_OVERHEAD + 28; // 8 bytes of data after a 20-byte header
  let maxMem = 0;
  for (let id = 0; id < 20000; id++) {
    inject(fragment(id, 8, 0, true));
    maxMem = Math.max(maxMem, b.ip.reassembler.memory);
  }
  const queues = b.ip.reassembler.size;
  assert.equal(queues, Math.floor(256 * 1024 / perQueue) + 1, "accepted until the charge passed the threshold");
  assert.ok(maxMem <= 256 * 1024 + perQueue, `memory ${maxMem} stays within the threshold plus one queue`);
  assert.equal(b.counters.Ip.ReasmFails, 20000 - queues, "every refused fragment is counted");
  // Over the threshold even a fragment of an existing queue is refused (Linux inet_frag_find).
  inject(fragment(0, 8, 8, false));
  assert.equal(b.counters.Ip.ReasmOKs ?? 0, 0);
  // Each queue expires ipfrag_time after it was created; then memory is free again.
  await net.advance(sec(29));
  assert.equal(b.ip.reassembler.size, queues);
  await net.advance(sec(2));
  assert.equal(b.ip.reassembler.size, 0);
  assert.equal(b.ip.reassembler.memory, 0);
  assert.equal(b.counters.Ip.ReasmTimeout, queues);
  // And datagrams reassemble again.
  const r = await udpRoundTrip(net, a, b, [3000]);
  assert.deepEqual(r, [3000]);
});

test("reassembly expiry is per queue: each queue dies ipfrag_time after its creation, no scan", async () => {
  const { net, b } = pair();
  b.sysctl.ipfrag_time = sec(10);
  const iface = b.ip.interfaces[1]!;
  const inject = (bytes: Uint8Array) => iface.device.onReceive(new Packet(bytes), iface.device);
  for (let k = 0; k < 5; k++) {
    for (let i = 0; i < 100; i++) inject(fragment(k * 100 + i, 16, 0, true));
    await net.advance(sec(1));
  }
  assert.equal(b.ip.reassembler.size, 500);
  await net.advance(sec(5)); // t = 10 s: the first batch (created at 0) is gone
  assert.equal(b.ip.reassembler.size, 400);
  await net.advance(sec(2)); // t = 12 s
  assert.equal(b.ip.reassembler.size, 200);
  await net.advance(sec(3));
  assert.equal(b.ip.reassembler.size, 0);
  assert.equal(b.counters.Ip.ReasmTimeout, 500);
});

test("reassembly: a small fragment inside a big buffer is copied out and charged for what it keeps", () => {
  const { b } = pair();
  const iface = b.ip.interfaces[1]!;
  iface.device.onReceive(new Packet(fragment(1, 8, 0, true, 65536)), iface.device);
  assert.equal(b.ip.reassembler.size, 1);
  assert.ok(b.ip.reassembler.memory < 2048, `charged ${b.ip.reassembler.memory}`);
  // A fragment wholly inside data already queued is a duplicate: dropped alone, the queue lives.
  iface.device.onReceive(new Packet(fragment(1, 8, 0, true)), iface.device);
  assert.equal(b.ip.reassembler.size, 1);
  assert.equal(b.counters.Ip.ReasmFails ?? 0, 0);
});
