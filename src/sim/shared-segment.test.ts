import { test } from "node:test";
import assert from "node:assert/strict";
import { Scheduler } from "../core/scheduler.js";
import { Rng } from "../core/rng.js";
import { MS } from "../core/time.js";
import { IPPROTO_UDP, emitIpv4 } from "../wire/ipv4.js";
import { emitUdp } from "../wire/udp.js";
import { INADDR_BROADCAST, ipv4, type Ipv4Address } from "../wire/ipv4-address.js";
import { Packet } from "../wire/packet.js";
import { SharedSegment, type SharedSegmentPort } from "./shared-segment.js";
import type { SharedSegmentOptions } from "./shared-segment.js";

const H1 = ipv4("10.0.0.1");
const H2 = ipv4("10.0.0.2");
const H3 = ipv4("10.0.0.3");
const BCAST24 = ipv4("10.0.0.255");

function udp(n: number, dst: Ipv4Address): Packet {
  const head = new Uint8Array(32);
  emitIpv4({ src: H1, dst, protocol: IPPROTO_UDP, payloadLength: 12, id: n }, head, 0, false);
  emitUdp(1, 2, 4, head, 20);
  new DataView(head.buffer).setUint32(28, n);
  return new Packet(head, undefined, true);
}

const idOf = (p: Packet) => new DataView(p.head.buffer, p.head.byteOffset).getUint32(28);

function drain(s: Scheduler): void {
  for (let d = s.nextDeadline(); d >= 0; d = s.nextDeadline()) {
    s.setNow(d);
    s.runDue();
  }
}

function lan(opts: SharedSegmentOptions = {}) {
  const s = new Scheduler();
  const seg = new SharedSegment(s, new Rng(5).fork("lan"), opts);
  const got: Record<string, { id: number; at: number; p: Packet }[]> = { d1: [], d2: [], d3: [] };
  const mk = (name: string, port: SharedSegmentPort) => {
    port.onReceive = (p, dev) => {
      assert.equal(dev, port);
      got[name]!.push({ id: idOf(p), at: s.now(), p });
    };
    return port;
  };
  // The two ways to describe an owner's addresses: a predicate, or a list.
  const d1 = mk("d1", seg.attach("eth0", (a) => a === H1 || a === BCAST24));
  const d2 = mk("d2", seg.attach("eth0", () => [H2, BCAST24]));
  const d3 = mk("d3", seg.attach("eth1", (a) => a === H3 || a === BCAST24));
  return { s, seg, d1, d2, d3, got };
}

test("a segment delivers by next hop, after its latency, with taps", () => {
  const { s, seg, d1, d2, got } = lan({ latency: 100 });
  const taps: string[] = [];
  d1.taps.push((_p, dir, now) => taps.push(`d1 ${dir} ${now}`));
  d2.taps.push((_p, dir, now) => taps.push(`d2 ${dir} ${now}`));
  d1.transmit(udp(1, H2), H2);
  d1.transmit(udp(2, ipv4("192.168.1.1")), H3); // routed via gateway H3
  d2.transmit(udp(3, H1), H1);
  drain(s);
  assert.deepEqual(got.d2!.map((x) => [x.id, x.at]), [[1, 100]]);
  assert.deepEqual(got.d3!.map((x) => x.id), [2]);
  assert.deepEqual(got.d1!.map((x) => x.id), [3]);
  assert.deepEqual(taps, ["d1 out 0", "d1 out 0", "d2 out 0", "d2 in 100", "d1 in 100"]);
  assert.equal(seg.stats().delivered, 3);
  assert.equal(d1.mtu, 1500);
  assert.equal(d1.checksumOffload, true);
  assert.deepEqual(seg.ports(), [d1, d2, seg.ports()[2]]);
});

test("a next hop nobody owns is dropped and counted", () => {
  const { s, seg, d1, got } = lan();
  d1.transmit(udp(1, ipv4("10.0.0.9")), ipv4("10.0.0.9"));
  d1.transmit(udp(2, H1), H1); // its own address: never looped back by the segment
  drain(s);
  assert.equal(got.d1!.length + got.d2!.length + got.d3!.length, 0);
  assert.equal(seg.stats().dropped.noDestination, 2);
});

test("broadcast (limited, directed) and multicast reach every other port with private heads", () => {
  const { s, seg, d1, got } = lan();
  d1.transmit(udp(1, INADDR_BROADCAST), INADDR_BROADCAST);
  d1.transmit(udp(2, BCAST24), BCAST24);
  d1.transmit(udp(3, ipv4("224.0.0.251")), ipv4("224.0.0.251"));
  drain(s);
  assert.deepEqual(got.d1, []);
  assert.deepEqual(got.d2!.map((x) => x.id), [1, 2, 3]);
  assert.deepEqual(got.d3!.map((x) => x.id), [1, 2, 3]);
  for (let i = 0; i < 3; i++) assert.notEqual(got.d2![i]!.p.head, got.d3![i]!.p.head);
  assert.equal(seg.stats().delivered, 3, "a broadcast is one packet on the wire");
});

test("a receiver modifying its copy does not affect the others", () => {
  const { s, d1, d2, d3, got } = lan();
  d2.onReceive = (p) => {
    p.head[8] = 0; // e.g. a TTL decrement while forwarding
    got.d2!.push({ id: idOf(p), at: s.now(), p });
  };
  d1.transmit(udp(1, INADDR_BROADCAST), INADDR_BROADCAST);
  drain(s);
  assert.equal(got.d3![0]!.p.head[8], 64);
  void d3;
});

test("segment impairments reuse the link knobs: loss, rate, partition, hold", () => {
  const { s, seg, d1, d2, got } = lan({ loss: 0.2 });
  for (let i = 0; i < 5000; i++) d1.transmit(udp(i, H2), H2);
  drain(s);
  const lost = seg.stats().dropped.loss;
  assert.ok(lost > 900 && lost < 1100, `lost ${lost}`);
  assert.equal(got.d2!.length, 5000 - lost);

  seg.configure({ loss: 0, rate: 8e6 }); // 1 µs per byte: a shared medium
  got.d2!.length = 0;
  got.d1!.length = 0;
  s.setNow(1 * MS);
  d1.transmit(udp(1, H2), H2); // 32 bytes
  d2.transmit(udp(2, H1), H1);
  drain(s);
  assert.equal(got.d2![0]!.at, 1 * MS + 32);
  assert.equal(got.d1![0]!.at, 1 * MS + 64, "waits for the same wire");

  seg.configure({ rate: 0 });
  seg.partition();
  d1.transmit(udp(3, H2), H2);
  drain(s);
  assert.equal(got.d2!.length, 1);
  seg.heal();
  seg.channel.hold();
  d1.transmit(udp(4, H2), H2);
  drain(s);
  assert.equal(seg.channel.heldCount, 1);
  seg.channel.release();
  drain(s);
  assert.deepEqual(got.d2!.map((x) => x.id), [1, 4]);
});

test("isolated, down and detached ports", () => {
  const { s, seg, d1, d2, d3, got } = lan();
  seg.isolate(d2);
  d1.transmit(udp(1, H2), H2);
  d2.transmit(udp(2, H1), H1);
  d1.transmit(udp(3, INADDR_BROADCAST), INADDR_BROADCAST);
  drain(s);
  assert.deepEqual(got.d1, []);
  assert.deepEqual(got.d2, []);
  assert.deepEqual(got.d3!.map((x) => x.id), [3]);
  assert.equal(seg.stats().dropped.partition, 2);
  seg.rejoin(d2);
  d3.up = false;
  d1.transmit(udp(4, H3), H3);
  drain(s);
  assert.equal(seg.stats().dropped.down, 1);
  seg.detach(d2);
  d1.transmit(udp(5, H2), H2);
  d2.transmit(udp(6, H1), H1);
  drain(s);
  assert.equal(seg.stats().dropped.noDestination, 1);
  assert.equal(seg.stats().dropped.down, 2);
  assert.equal(seg.ports().length, 2);
});

test("segment corruption turns checksum offload off on every port", () => {
  const { seg, d1, d3 } = lan();
  seg.configure({ corrupt: 0.5 });
  assert.equal(d1.checksumOffload, false);
  assert.equal(d3.checksumOffload, false);
  seg.configure({ corrupt: 0 });
  assert.equal(d1.checksumOffload, true);
});
