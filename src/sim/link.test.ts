import { test } from "node:test";
import assert from "node:assert/strict";
import { Scheduler } from "../core/scheduler.js";
import { Rng } from "../core/rng.js";
import { MS, SEC } from "../core/time.js";
import { IPPROTO_UDP, IPV4, emitIpv4, parseIpv4 } from "../wire/ipv4.js";
import { emitUdp, udpChecksumOk } from "../wire/udp.js";
import { ipv4 } from "../wire/ipv4-address.js";
import { Packet, finalizeChecksums } from "../wire/packet.js";
import { WireError } from "../wire/wire-error.js";
import { Link, type LinkOptions } from "./link.js";
import { DROP_REASONS, type ChannelCounters } from "./channel.js";

const SRC = ipv4("10.0.0.1");
const DST = ipv4("10.0.0.2");

/** A UDP datagram whose 4-byte payload (a separate view) carries `n`; checksums left partial unless `csum`. */
function udp(n: number, dataLen = 4, csum = false): Packet {
  const head = new Uint8Array(28);
  emitIpv4({ src: SRC, dst: DST, protocol: IPPROTO_UDP, payloadLength: 8 + dataLen, id: n & 0xffff }, head, 0, false);
  emitUdp(1000, 2000, dataLen, head, 20);
  const data = new Uint8Array(dataLen);
  new DataView(data.buffer).setUint32(0, n);
  const p = new Packet(head, data, true);
  if (csum) finalizeChecksums(p);
  return p;
}

/** The number a packet from {@link udp} carries. */
function idOf(p: Packet): number {
  const b = p.payload.length ? p.payload : p.head.subarray(28);
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
}

/** Runs the scheduler until no timer is armed (no driver needed for link tests). */
function drain(s: Scheduler, until = Infinity): void {
  for (;;) {
    const d = s.nextDeadline();
    if (d < 0 || d > until) break;
    s.setNow(d);
    s.runDue();
  }
  if (until !== Infinity) s.setNow(until);
}

interface Arrival { id: number; at: number; packet: Packet }

function setup(opts: LinkOptions = {}, seed: number | string = 1) {
  const s = new Scheduler();
  const link = new Link(s, new Rng(seed).fork("link"), opts);
  const atB: Arrival[] = [];
  const atA: Arrival[] = [];
  link.b.onReceive = (p) => atB.push({ id: idOf(p), at: s.now(), packet: p });
  link.a.onReceive = (p) => atA.push({ id: idOf(p), at: s.now(), packet: p });
  return { s, link, atB, atA };
}

/** Sends `n` packets a→b, one every `gap` µs, then drains. */
function sendMany(ctx: ReturnType<typeof setup>, n: number, gap = 100): void {
  const { s, link } = ctx;
  for (let i = 0; i < n; i++) {
    drain(s, i * gap);
    link.a.transmit(udp(i), DST);
  }
  drain(s);
}

function checkInvariant(c: ChannelCounters, inFlight = 0, held = 0): void {
  let dropped = 0;
  for (const r of DROP_REASONS) dropped += c.dropped[r];
  assert.equal(c.sent + c.duplicated, c.delivered + dropped + inFlight + held, "sent + duplicated = delivered + dropped + in flight + held");
}

test("a packet crosses the link after the latency, in a later event, with taps on both ends", () => {
  const ctx = setup({ latency: 10 * MS, aName: "eth0", bName: "eth1" });
  const { s, link, atB } = ctx;
  const log: string[] = [];
  link.a.taps.push((_p, dir, now, dev) => log.push(`${dev.name} ${dir} ${now}`));
  link.b.taps.push((_p, dir, now, dev) => log.push(`${dev.name} ${dir} ${now}`));
  link.a.transmit(udp(7), DST);
  assert.equal(atB.length, 0, "never delivered inside transmit");
  drain(s);
  assert.deepEqual(atB.map((a) => [a.id, a.at]), [[7, 10 * MS]]);
  assert.deepEqual(log, ["eth0 out 0", "eth1 in 10000"]);
  assert.equal(link.a.mtu, 1500);
  assert.equal(link.a.checksumOffload, true);
  assert.equal(link.b.peer, link.a);
  const st = link.stats();
  assert.equal(st.aToB.sent, 1);
  assert.equal(st.aToB.delivered, 1);
  assert.equal(st.aToB.deliveredBytes, 32);
  assert.equal(st.bToA.sent, 0);
});

test("zero latency still delivers in a later event of the same instant, in order", () => {
  const { s, link, atB } = setup();
  for (let i = 0; i < 5; i++) link.a.transmit(udp(i), DST);
  assert.equal(atB.length, 0);
  assert.equal(s.size, 1, "one timer per direction, not one per packet");
  drain(s);
  assert.deepEqual(atB.map((a) => a.id), [0, 1, 2, 3, 4]);
  assert.deepEqual(atB.map((a) => a.at), [0, 0, 0, 0, 0]);
});

test("directions are independent", () => {
  const ctx = setup({ latency: 1 * MS, bToA: { latency: 5 * MS } });
  const { s, link, atA, atB } = ctx;
  link.a.transmit(udp(1), DST);
  link.b.transmit(udp(2), SRC);
  drain(s);
  assert.deepEqual(atB.map((a) => a.at), [1 * MS]);
  assert.deepEqual(atA.map((a) => a.at), [5 * MS]);
  assert.equal(link.aToB.config.latency, 1 * MS);
  assert.equal(link.bToA.config.latency, 5 * MS);
});

test("random loss of 5% over 10,000 packets stays within 4–6%", () => {
  const ctx = setup({ loss: 0.05 });
  sendMany(ctx, 10_000);
  const c = ctx.link.aToB.stats();
  assert.ok(c.dropped.loss >= 400 && c.dropped.loss <= 600, `lost ${c.dropped.loss}`);
  assert.equal(ctx.atB.length, 10_000 - c.dropped.loss);
  checkInvariant(c);
});

test("Gilbert-Elliott loss comes in bursts of mean length 1/p(bad→good)", () => {
  const ctx = setup({ burst: { pGoodToBad: 0.01, pBadToGood: 0.25 } });
  const n = 50_000;
  sendMany(ctx, n, 10);
  const got = new Set(ctx.atB.map((a) => a.id));
  const bursts: number[] = [];
  let run = 0;
  for (let i = 0; i < n; i++) {
    if (!got.has(i)) run++;
    else if (run) {
      bursts.push(run);
      run = 0;
    }
  }
  const mean = bursts.reduce((x, y) => x + y, 0) / bursts.length;
  assert.ok(mean > 3.5 && mean < 4.5, `mean burst ${mean}`);
  const rate = ctx.link.aToB.counters.dropped.loss / n;
  assert.ok(rate > 0.03 && rate < 0.047, `loss rate ${rate} (expected ≈ p/(p+r) = 3.85%)`);
  // Independent loss at the same rate has mean bursts near 1/(1-0.0385) ≈ 1.04.
  const indep = setup({ loss: 0.0385 });
  sendMany(indep, n, 10);
  const g2 = new Set(indep.atB.map((a) => a.id));
  let runs = 0, lost = 0;
  for (let i = 0; i < n; i++) if (!g2.has(i)) { lost++; if (i === 0 || g2.has(i - 1)) runs++; }
  assert.ok(lost / runs < 1.2, `independent loss is not bursty (${lost / runs})`);
});

test("duplication delivers extra copies with private headers", () => {
  const ctx = setup({ duplicate: 0.1 });
  sendMany(ctx, 10_000);
  const c = ctx.link.aToB.stats();
  assert.ok(c.duplicated >= 850 && c.duplicated <= 1150, `duplicated ${c.duplicated}`);
  assert.equal(ctx.atB.length, 10_000 + c.duplicated);
  // A copy arrives right after its original, same instant, own head buffer.
  let pairs = 0;
  for (let i = 1; i < ctx.atB.length; i++) {
    const x = ctx.atB[i - 1]!, y = ctx.atB[i]!;
    if (x.id === y.id) {
      pairs++;
      assert.equal(x.at, y.at);
      assert.notEqual(x.packet.head, y.packet.head);
    }
  }
  assert.equal(pairs, c.duplicated);
  checkInvariant(c);
});

test("reordering lets later packets overtake the delayed ones", () => {
  const ctx = setup({ latency: 1 * MS, reorder: 0.1 });
  sendMany(ctx, 10_000, 100);
  const c = ctx.link.aToB.stats();
  assert.ok(c.reordered >= 850 && c.reordered <= 1150, `reordered ${c.reordered}`);
  let inversions = 0;
  for (let i = 1; i < ctx.atB.length; i++) if (ctx.atB[i]!.id < ctx.atB[i - 1]!.id) inversions++;
  assert.ok(inversions > 800, `inversions ${inversions}`);
  assert.equal(ctx.atB.length, 10_000);
  // A reordered packet takes latency + reorderDelay (default: latency, ≥ 1 ms).
  const delays = ctx.atB.map((a) => a.at - a.id * 100);
  assert.ok(delays.every((d) => d === 1 * MS || d === 2 * MS));
  assert.equal(delays.filter((d) => d === 2 * MS).length, c.reordered);
});

test("jitter varies the delay within bounds but never reorders", () => {
  for (const jitterDistribution of ["uniform", "normal"] as const) {
    const ctx = setup({ latency: 20 * MS, jitter: 5 * MS, jitterDistribution });
    // Packets 1 s apart: the FIFO rule never applies, so delays are raw samples.
    sendMany(ctx, 4000, SEC);
    const d = ctx.atB.map((a) => a.at - a.id * SEC);
    const mean = d.reduce((x, y) => x + y, 0) / d.length;
    const sd = Math.sqrt(d.reduce((x, y) => x + (y - mean) ** 2, 0) / d.length);
    assert.ok(Math.abs(mean - 20 * MS) < 300, `${jitterDistribution} mean ${mean}`);
    if (jitterDistribution === "uniform") {
      assert.ok(d.every((x) => x >= 15 * MS && x <= 25 * MS));
      assert.ok(Math.abs(sd - 5 * MS / Math.sqrt(3)) < 150, `uniform sd ${sd}`);
    } else {
      assert.ok(Math.abs(sd - 5 * MS) < 250, `normal sd ${sd}`);
      assert.ok(d.some((x) => x > 30 * MS), "normal has tails");
    }
  }
  // Closely spaced packets: delays vary but order is kept.
  const ctx = setup({ latency: 20 * MS, jitter: 5 * MS });
  sendMany(ctx, 2000, 100);
  for (let i = 1; i < ctx.atB.length; i++) assert.ok(ctx.atB[i]!.id > ctx.atB[i - 1]!.id);
  assert.ok(new Set(ctx.atB.map((a) => a.at - a.id * 100)).size > 100);
});

test("corruption flips one bit of a private checksummed copy; the checksum check catches it", () => {
  const ctx = setup({ corrupt: 1 });
  const { s, link, atB } = ctx;
  assert.equal(link.a.checksumOffload, false, "no offload while corruption is configured");
  assert.equal(link.b.checksumOffload, false);
  const sent: Packet[] = [];
  const pristine: Uint8Array[] = [];
  for (let i = 0; i < 2000; i++) {
    const p = udp(i * 7919, 64);
    sent.push(p);
    const q = new Packet(p.head.slice(), p.payload.slice(), true);
    pristine.push(q.bytes());
    link.a.transmit(p, DST);
  }
  // The sender's packets are untouched (still partial, same bytes).
  for (let i = 0; i < sent.length; i++) {
    assert.equal(sent[i]!.csumPartial, true);
    assert.equal(sent[i]!.head[IPV4.CHECKSUM], 0);
  }
  drain(s);
  assert.equal(atB.length, 2000);
  assert.equal(link.aToB.counters.corrupted, 2000);
  for (const { id: _id, packet: p } of atB) {
    assert.equal(p.csumPartial, false, "a corrupted packet carries real checksums");
    assert.equal(p.payload.length, 0, "flattened");
    const idx = atB.findIndex((a) => a.packet === p);
    const want = pristine[idx]!;
    let bits = 0;
    for (let k = 0; k < want.length; k++) {
      let x = want[k]! ^ p.head[k]!;
      while (x) { bits += x & 1; x >>>= 1; }
    }
    assert.equal(bits, 1, "exactly one bit flipped");
    const ip = parseIpv4(p.head, p.length, true);
    const detected = ip instanceof WireError || !udpChecksumOk(ip.src, ip.dst, p.head, 20, p.head, 28);
    assert.ok(detected, "the receiver's checksum check detects the flip");
  }
  // Sender buffers were never modified.
  for (let i = 0; i < sent.length; i++) {
    assert.equal(idOf(sent[i]!), i * 7919 >>> 0);
  }
  // Offload comes back once corruption is off and nothing corrupted is in flight.
  link.aToB.set({ corrupt: 0 });
  assert.equal(link.a.checksumOffload, false, "b→a still corrupts");
  link.bToA.set({ corrupt: 0 });
  assert.equal(link.a.checksumOffload, true);
  assert.equal(link.b.checksumOffload, true);
});

test("offload stays off while a corrupted packet is in flight, and late partial packets get checksums", () => {
  const { s, link, atB } = setup({ latency: 10 * MS });
  link.a.transmit(udp(1), DST); // partial checksums, sent while offloaded
  link.aToB.set({ corrupt: 1 });
  link.a.transmit(udp(2), DST);
  link.aToB.set({ corrupt: 0 });
  assert.equal(link.b.checksumOffload, false, "a corrupted packet is in flight");
  drain(s);
  assert.equal(link.b.checksumOffload, true);
  assert.equal(atB[0]!.packet.csumPartial, false, "finalized on delivery to a checking receiver");
  const p = atB[0]!.packet;
  const ip = parseIpv4(p.head, p.length, true);
  assert.ok(!(ip instanceof WireError));
  assert.ok(udpChecksumOk(ip.src, ip.dst, p.head, 20, p.payload));
});

test("rate limit: serialisation delay and tail drop", () => {
  // 1 Mbit/s, 1000-byte datagrams: 8 ms each on the wire.
  const ctx = setup({ rate: 1e6, latency: 1 * MS, queuePackets: 3 });
  const { s, link, atB } = ctx;
  for (let i = 0; i < 10; i++) link.a.transmit(udp(i, 972), DST);
  assert.deepEqual(link.aToB.backlog(), { packets: 3, bytes: 3000 });
  drain(s);
  assert.deepEqual(atB.map((a) => a.id), [0, 1, 2, 3]);
  assert.deepEqual(atB.map((a) => a.at), [9, 17, 25, 33].map((x) => x * MS));
  assert.equal(link.aToB.counters.dropped.queue, 6);
  assert.deepEqual(link.aToB.backlog(), { packets: 0, bytes: 0 });
  // The queue drains: at t=40 ms the wire is free again.
  s.setNow(100 * MS);
  link.a.transmit(udp(100, 972), DST);
  link.a.transmit(udp(101, 972), DST);
  drain(s);
  assert.deepEqual(atB.slice(4).map((a) => a.at), [109 * MS, 117 * MS]);
  checkInvariant(link.aToB.stats());
});

test("rate limit: byte-bounded queue and fractional serialisation times", () => {
  const ctx = setup({ rate: 1e9, queueBytes: 2500, queuePackets: 1000 });
  const { s, link, atB } = ctx;
  for (let i = 0; i < 6; i++) link.a.transmit(udp(i, 972), DST); // 8 µs each at 1 Gbit/s
  drain(s);
  assert.deepEqual(atB.map((a) => a.at), [8, 16, 24]);
  assert.equal(link.aToB.counters.dropped.queue, 3);
  // 100 Gbit/s: 0.08 µs per packet; 100 packets take 8 µs in total, not 100.
  const fast = setup({ rate: 100e9 });
  for (let i = 0; i < 100; i++) fast.link.a.transmit(udp(i, 972), DST);
  drain(fast.s);
  assert.equal(fast.atB.at(-1)!.at, 8);
  assert.deepEqual(fast.atB.map((a) => a.id), Array.from({ length: 100 }, (_, i) => i));
});

test("a datagram larger than the MTU is dropped and counted", () => {
  const { s, link, atB } = setup({ mtu: 576 });
  assert.equal(link.a.mtu, 576);
  link.a.transmit(udp(1, 548), DST); // exactly 576
  link.a.transmit(udp(2, 549), DST);
  drain(s);
  assert.deepEqual(atB.map((a) => a.id), [1]);
  assert.equal(link.aToB.counters.dropped.mtu, 1);
});

test("partition drops new and in-flight packets, per direction; heal restores", () => {
  const { s, link, atA, atB } = setup({ latency: 10 * MS });
  link.a.transmit(udp(1), DST);
  s.setNow(5 * MS);
  link.partition();
  link.a.transmit(udp(2), DST);
  link.b.transmit(udp(3), SRC);
  drain(s);
  assert.equal(atB.length + atA.length, 0);
  assert.equal(link.aToB.counters.dropped.partition, 2, "one at send, one in flight");
  link.heal();
  link.partition("bToA");
  link.a.transmit(udp(4), DST);
  link.b.transmit(udp(5), SRC);
  drain(s);
  assert.deepEqual(atB.map((a) => a.id), [4]);
  assert.equal(atA.length, 0);
  link.heal("bToA");
  link.b.transmit(udp(6), SRC);
  drain(s);
  assert.deepEqual(atA.map((a) => a.id), [6]);
  checkInvariant(link.aToB.stats());
  checkInvariant(link.bToA.stats());
});

test("hold keeps packets until release, which can reorder them", () => {
  const { s, link, atB } = setup({ latency: 1 * MS });
  link.aToB.hold();
  for (let i = 0; i < 4; i++) link.a.transmit(udp(i), DST);
  assert.deepEqual(link.aToB.inFlightPackets().map(idOf), [0, 1, 2, 3]);
  drain(s);
  assert.equal(atB.length, 0);
  assert.equal(link.aToB.heldCount, 4);
  assert.deepEqual(link.aToB.heldPackets().map(idOf), [0, 1, 2, 3]);
  checkInvariant(link.aToB.stats(), 0, 4);
  s.setNow(50 * MS);
  assert.equal(link.release("aToB", { reorder: true }), 4);
  assert.equal(atB.length, 0, "released packets are delivered by an event, not synchronously");
  drain(s);
  assert.deepEqual(atB.map((a) => a.id), [3, 2, 1, 0]);
  assert.ok(atB.every((a) => a.at === 50 * MS));
  assert.equal(link.aToB.holding, false);

  // A filter holds only matching packets; dropHeld loses them on demand.
  atB.length = 0;
  link.aToB.hold((p) => idOf(p) === 11);
  for (let i = 10; i < 13; i++) link.a.transmit(udp(i), DST);
  drain(s);
  assert.deepEqual(atB.map((a) => a.id), [10, 12]);
  assert.equal(link.aToB.dropHeld(), 1);
  assert.equal(link.aToB.counters.dropped.discarded, 1);
  link.aToB.release({ order: "shuffle" });
  checkInvariant(link.aToB.stats());
});

test("a down endpoint neither sends nor receives", () => {
  const { s, link, atB, atA } = setup({ latency: 1 * MS });
  link.a.up = false;
  link.a.transmit(udp(1), DST);
  link.b.transmit(udp(2), SRC);
  drain(s);
  assert.equal(atA.length + atB.length, 0);
  assert.equal(link.aToB.counters.dropped.down, 1);
  assert.equal(link.bToA.counters.dropped.down, 1);
  checkInvariant(link.aToB.stats());
  checkInvariant(link.bToA.stats());
});

test("runtime changes apply to later packets only; FIFO holds when latency drops", () => {
  const { s, link, atB } = setup({ latency: 10 * MS });
  link.a.transmit(udp(1), DST);
  link.configure({ latency: 1 * MS });
  link.a.transmit(udp(2), DST);
  drain(s);
  assert.deepEqual(atB.map((a) => [a.id, a.at]), [[1, 10 * MS], [2, 10 * MS]]);
});

const NOISY: LinkOptions = { latency: 2 * MS, jitter: 1 * MS, loss: 0.05, duplicate: 0.05, reorder: 0.05, burst: { pGoodToBad: 0.01, pBadToGood: 0.3 } };

function deliveryLog(seed: number | string): string {
  const ctx = setup(NOISY, seed);
  sendMany(ctx, 3000, 50);
  return ctx.atB.map((a) => `${a.id}@${a.at}`).join(",");
}

test("determinism: same seed → same delivery log; different seed → different", () => {
  assert.equal(deliveryLog(42), deliveryLog(42));
  assert.notEqual(deliveryLog(42), deliveryLog(43));
});

test("random streams: enabling other impairments does not change which packets are lost", () => {
  const lostWith = (opts: LinkOptions) => {
    const ctx = setup(opts, 9);
    sendMany(ctx, 5000, 10_000);
    const got = new Set(ctx.atB.map((a) => a.id));
    return Array.from({ length: 5000 }, (_, i) => i).filter((i) => !got.has(i)).join(",");
  };
  const base = lostWith({ loss: 0.05 });
  assert.equal(lostWith({ loss: 0.05, duplicate: 0.2, jitter: 500, reorder: 0.1 }), base);
  assert.notEqual(lostWith({ loss: 0.06 }), base);
});

test("invalid configuration is rejected with a clear message", () => {
  const s = new Scheduler();
  assert.throws(() => new Link(s, new Rng(1), { loss: 1.5 }), /loss must be a probability/);
  const link = new Link(s, new Rng(1));
  assert.throws(() => link.configure({ latency: -1 }), /latency must be >= 0/);
  assert.throws(() => link.aToB.set({ mtu: 10 }), /mtu/);
  assert.throws(() => link.aToB.set({ burst: { pGoodToBad: 2, pBadToGood: 0.1 } }), /burst.pGoodToBad/);
  assert.equal(link.aToB.config.latency, 0, "a rejected change leaves the config as it was");
});

test("checksumOffload: false — endpoints never offer offload; a partial packet gets its checksums on delivery", () => {
  const s = new Scheduler();
  const plain = new Link(s, new Rng(1), {});
  assert.equal(plain.a.checksumOffload, true);
  const link = new Link(s, new Rng(1), { checksumOffload: false });
  assert.equal(link.a.checksumOffload, false);
  assert.equal(link.b.checksumOffload, false);
  const got: Packet[] = [];
  link.b.onReceive = (p) => void got.push(p);
  link.a.transmit(udp(7), 0);
  drain(s);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.csumPartial, false);
  const hdr = parseIpv4(got[0]!.head, got[0]!.length, true);
  assert.ok(!(hdr instanceof WireError), "IP checksum verifies");
  assert.ok(udpChecksumOk(SRC, DST, got[0]!.head, 20, got[0]!.payload));
});
