import { test } from "node:test";
import assert from "node:assert/strict";
import { Scheduler } from "../core/scheduler.js";
import { Rng } from "../core/rng.js";
import { MS } from "../core/time.js";
import { foldChecksum, sum16 } from "../wire/checksum.js";
import { IPPROTO_UDP, emitIpv4 } from "../wire/ipv4.js";
import { ipv4 } from "../wire/ipv4-address.js";
import { IPV6, writeIpv6Header } from "../wire/ipv6.js";
import { Packet, finalizeChecksums } from "../wire/packet.js";
import { Link, type LinkOptions } from "./link.js";
import { ecnField, markCe, resolveLinkConfig, DEFAULT_LINK_CONFIG } from "./impairments.js";

const SRC = ipv4("10.0.0.1");
const DST = ipv4("10.0.0.2");

/** A 1000-byte UDP/IPv4 datagram with ECN field `ecn`, checksums final. */
function dgram(ecn: number): Packet {
  const head = new Uint8Array(28);
  emitIpv4({ src: SRC, dst: DST, protocol: IPPROTO_UDP, payloadLength: 980, tos: 0x20 | ecn }, head, 0, false);
  const p = new Packet(head, new Uint8Array(972), true);
  finalizeChecksums(p);
  return p;
}

function drain(s: Scheduler): void {
  for (;;) {
    const d = s.nextDeadline();
    if (d < 0) break;
    s.setNow(d);
    s.runDue();
  }
}

function setup(opts: LinkOptions) {
  const s = new Scheduler();
  const link = new Link(s, new Rng(1).fork("link"), opts);
  const got: Packet[] = [];
  link.b.onReceive = (p) => got.push(p);
  return { s, link, got };
}

test("AQM with ECN: above the threshold ECT packets are marked CE, Not-ECT ones dropped; below it nothing happens", () => {
  // 1 Mbit/s: 8 ms per 1000-byte datagram; threshold 2 waiting packets.
  const { s, link, got } = setup({ rate: 1e6, latency: 1 * MS, aqm: { threshold: 2 } });
  const sent = [2, 2, 2, 2, 0, 1, 3].map(dgram);
  // #0 goes on the wire at once, #1 and #2 wait (0, 1 ahead of them), #3 finds 2 waiting: marked;
  // #4 (Not-ECT) finds 3: dropped; #5 (ECT(1)) marked; #6 (already CE) stays CE.
  for (const p of sent) link.a.transmit(p, DST);
  drain(s);
  assert.deepEqual(got.map(ecnField), [2, 2, 2, 3, 3, 3], "ECN fields as delivered");
  const c = link.aToB.stats();
  assert.equal(c.ceMarked, 3, "three packets marked");
  assert.equal(c.dropped.aqm, 1, "the Not-ECT packet dropped by the AQM");
  assert.equal(c.dropped.queue, 0, "no tail drop");
  // The marked copy has a valid IPv4 header checksum; the sender's packet is untouched.
  assert.equal(foldChecksum(sum16(got[3]!.head, 0, 20, 0)), 0, "IPv4 header checksum of the marked packet");
  assert.equal(ecnField(sent[3]!), 2, "the sender's own packet keeps ECT(0)");
  assert.equal(got[3]!.head[1]! & 0xfc, 0x20, "DSCP bits kept");
});

test("AQM without ECN drops every signalled packet; no AQM: only the tail drop of a full queue", () => {
  const drop = setup({ rate: 1e6, aqm: { threshold: 1, ecn: false } });
  for (let i = 0; i < 4; i++) drop.link.a.transmit(dgram(2), DST);
  drain(drop.s);
  assert.equal(drop.got.length, 2, "the first on the wire and the first waiting get through");
  assert.equal(drop.link.aToB.stats().dropped.aqm, 2, "the others are dropped");
  assert.equal(drop.link.aToB.stats().ceMarked, 0, "nothing marked");
  const plain = setup({ rate: 1e6, queuePackets: 2 });
  for (let i = 0; i < 4; i++) plain.link.a.transmit(dgram(2), DST);
  drain(plain.s);
  assert.deepEqual(plain.got.map(ecnField), [2, 2, 2], "no marks without an AQM");
  assert.equal(plain.link.aToB.stats().dropped.queue, 1, "tail drop of the full queue");
});

test("markCe sets the IPv6 traffic class's ECN bits; an offloaded IPv4 header stays for the checksum pass", () => {
  const head = new Uint8Array(IPV6.HEADER + 8);
  writeIpv6Header(head, 0, new Uint8Array(16), new Uint8Array(16), IPPROTO_UDP, 8, 64, 0xa2, 0x12345);
  const p6 = new Packet(head, undefined, true);
  assert.equal(ecnField(p6), 2, "ECT(0) read from the traffic class");
  const m6 = markCe(p6);
  assert.equal(ecnField(m6), 3, "CE");
  assert.equal(((m6.head[0]! & 15) << 4) | (m6.head[1]! >> 4), 0xa3, "traffic class 0xa2 → 0xa3");
  assert.equal(((m6.head[1]! & 15) << 16) | (m6.head[2]! << 8) | m6.head[3]!, 0x12345, "flow label kept");
  const h4 = new Uint8Array(28);
  emitIpv4({ src: SRC, dst: DST, protocol: IPPROTO_UDP, payloadLength: 8, tos: 1 }, h4, 0, false);
  const m4 = markCe(new Packet(h4, undefined, true));
  assert.equal(m4.csumPartial, true, "still offloaded");
  finalizeChecksums(m4);
  assert.equal(foldChecksum(sum16(m4.head, 0, 20, 0)), 0, "checksum computed over the CE header");
  assert.equal(ecnField(m4), 3, "CE");
});

test("the AQM config is validated", () => {
  assert.throws(() => resolveLinkConfig(DEFAULT_LINK_CONFIG, { aqm: { threshold: -1 } }), /aqm.threshold must be >= 0/, "negative threshold");
  assert.deepEqual(resolveLinkConfig(DEFAULT_LINK_CONFIG, { aqm: { threshold: 5 } }).aqm, { threshold: 5, ecn: true }, "ecn defaults to true");
});
