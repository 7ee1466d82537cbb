import { test } from "node:test";
import assert from "node:assert/strict";
import { SendBuffer, SEND_BLOCK_MAX, SEND_BLOCK_MIN } from "./send-buffer.js";
import { SEND_SKB_OVERHEAD } from "./send-skbs.js";
import { sndbufPerMss } from "./autotune.js";
import { Rng } from "../core/rng.js";

function bytes(n: number, start = 0): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
}

test("an idle buffer holds no block; a tiny write allocates a small block", () => {
  const sb = new SendBuffer(1 << 20);
  assert.equal(sb.blockCount, 0);
  assert.equal(sb.allocated, 0);
  assert.equal(sb.write(bytes(1)), 1);
  assert.equal(sb.allocated, SEND_BLOCK_MIN);
  sb.acknowledge(1);
  assert.equal(sb.length, 0);
  assert.equal(sb.blockCount, 0, "fully acknowledged → block released");
});

test("growth: first block fits the write (power of two), then doubling up to 64 KiB", () => {
  const sb = new SendBuffer(1 << 24);
  sb.write(bytes(3000));
  assert.equal(sb.allocated, 4096);
  sb.write(bytes(1096));                 // fills the block exactly
  assert.equal(sb.blockCount, 1);
  sb.write(bytes(10));
  assert.equal(sb.allocated, 4096 + 8192);
  sb.write(bytes(1 << 20));
  assert.ok(sb.blockCount > 2);
  // blocks keep doubling to 64 KiB and stay there
  assert.ok(sb.allocated <= 4096 + 8192 + Math.ceil((1 << 20) / SEND_BLOCK_MAX + 3) * SEND_BLOCK_MAX);
});

test("write respects capacity and returns the short count (seed E3)", () => {
  const sb = new SendBuffer(1000);
  assert.equal(sb.write(bytes(600)), 600);
  assert.equal(sb.space(), 400);
  assert.equal(sb.write(bytes(600)), 400);
  assert.equal(sb.write(bytes(1)), 0);
  assert.equal(sb.length, 1000);
  assert.equal(sb.isWritable(), false);
  sb.acknowledge(600);
  assert.equal(sb.space(), 600);
  assert.equal(sb.isWritable(), true);    // space 600 ≥ 400/2
  sb.capacity = 100;                      // shrinking never discards
  assert.equal(sb.length, 400);
  assert.equal(sb.space(), 0);
});

test("peek returns views inside a block, copies across blocks, with correct bytes", () => {
  const sb = new SendBuffer(1 << 20);
  const data = bytes(200_000, 7);
  let off = 0;
  for (const n of [1, 100, 3000, 70000, 126899]) { sb.write(data, off, n); off += n; }
  assert.equal(sb.length, 200_000);
  for (let o = 0; o < 200_000; o += 1460) {
    const seg = sb.peek(o, 1460);
    assert.deepEqual(seg, data.subarray(o, Math.min(o + 1460, 200_000)));
  }
  const v = sb.peek(600, 100);            // inside the second block
  assert.notEqual(v.byteOffset + v.length, 0);
  const v2 = sb.peek(600, 100);
  assert.equal(v.buffer, v2.buffer, "same block, no copy");
  assert.equal(sb.peek(200_000, 10).length, 0);
  assert.equal(sb.peek(199_995, 100).length, 5);
});

test("views stay valid after acknowledge and further writes (blocks are never reused)", () => {
  const sb = new SendBuffer(4096);
  sb.write(bytes(1000, 1));
  const view = sb.peek(0, 1000);
  sb.acknowledge(1000);
  sb.write(bytes(1000, 99));
  sb.write(bytes(3000, 50));
  assert.deepEqual(view, bytes(1000, 1));
});

test("acknowledge frees blocks from the front and rejects over-acks", () => {
  const sb = new SendBuffer(1 << 22);
  for (let i = 0; i < 20; i++) sb.write(bytes(SEND_BLOCK_MAX));
  const before = sb.blockCount;
  sb.acknowledge(SEND_BLOCK_MAX * 5);
  assert.ok(sb.blockCount < before);
  assert.throws(() => sb.acknowledge(sb.length + 1), RangeError);
  assert.equal(sb.peek(0, 4).length, 4);
});

test("randomized model check incl. > 4 GiB of total traffic", () => {
  const r = new Rng(11);
  const sb = new SendBuffer(300_000);
  let written = 0, acked = 0;
  const chunk = bytes(SEND_BLOCK_MAX * 2);
  // mostly large writes so that > 4 GiB passes quickly; bytes are (offset & 0xff)
  while (written < 4.3 * 2 ** 30) {
    const want = r.chance(0.1) ? r.range(1, 3000) : r.range(50_000, 131_072);
    const start = written & 0xff;
    const n = sb.write(chunk, start, Math.min(want, chunk.length - start));
    written += n;
    if (r.chance(0.02)) {
      const o = r.below(sb.length + 1);
      const p = sb.peek(o, 3000);
      for (let i = 0; i < p.length; i += 97) assert.equal(p[i], (acked + o + i) & 0xff);
    }
    const a = r.below(sb.length + 1);
    sb.acknowledge(a);
    acked += a;
    assert.equal(sb.length, written - acked);
  }
  assert.equal(sb.totalWritten, written);
  assert.equal(sb.totalAcked, acked);
  assert.ok(sb.blockCount <= 10);
  sb.clear();
  assert.equal(sb.length, 0);
  assert.equal(sb.blockCount, 0);
});

test("skb accounting (Linux sk_wmem_queued): payload plus 832 bytes per skb", () => {
  const sb = new SendBuffer(42000);
  assert.equal(sb.wmemQueued, 0, "an empty buffer is charged nothing");
  sb.newSkb();
  assert.equal(sb.wmemQueued, SEND_SKB_OVERHEAD, "an skb is charged before data goes in (tcp_skb_entail)");
  sb.append(bytes(1), 0, 1);
  assert.equal(sb.wmemQueued, 833, "a 1-byte write is charged 833, as Linux 6.18 shows in ss -m");
  sb.append(bytes(24999), 0, 24999);
  assert.equal(sb.skbCount, 1, "appending grows the tail skb");
  sb.newSkb();
  sb.append(bytes(25000), 0, 25000);
  assert.equal(sb.wmemQueued, 50000 + 2 * 832, "two skbs of 25000");
  assert.equal(sb.memoryFree(), false, "50000 + 1664 ≥ sk_sndbuf 42000: no new skb");
  assert.equal(sb.space(), 0, "no free space");
});

test("skb accounting: a transmission cut, full and partial acknowledgements", () => {
  const sb = new SendBuffer(42000);
  sb.newSkb();
  sb.append(bytes(25000), 0, 25000);
  sb.splitSkb(10000);                 // tso_fragment: 10000 bytes sent as one GSO packet
  assert.equal(sb.skbCount, 2, "the cut adds an skb");
  assert.equal(sb.wmemQueued, 25000 + 2 * 832);
  sb.splitSkb(10000);
  assert.equal(sb.skbCount, 2, "cutting where an skb already starts changes nothing");
  assert.equal(sb.tailSkbBytes(10000), 15000, "the unsent rest is the tail skb and takes more bytes");
  assert.equal(sb.tailSkbBytes(12000), -1, "a tail skb partly sent takes no more bytes");
  sb.acknowledge(4000);               // tcp_trim_head: the acknowledged bytes are given back, the skb stays
  assert.equal(sb.wmemQueued, 21000 + 2 * 832);
  sb.acknowledge(6000);               // the first skb is fully acknowledged and freed
  assert.equal(sb.skbCount, 1);
  assert.equal(sb.wmemQueued, 15000 + 832);
  sb.acknowledge(15000);
  assert.equal(sb.skbCount, 0, "everything acknowledged: no skb left");
  assert.equal(sb.wmemQueued, 0);
  assert.equal(sb.tailSkbBytes(0), -1, "no tail skb to append to: the writer opens a new one");
  sb.newSkb();
  sb.append(bytes(10), 0, 10);
  assert.equal(sb.wmemQueued, 10 + 832, "a new skb after an idle period");
});

test("skb accounting: writable (POLLOUT, a blocked writer's wakeup) at free space ≥ half the queued memory", () => {
  // blocking-write.pkt's state after the ACK of 30000 (Linux 6.18): sk_sndbuf 42000, two skbs of 5000 and 25000
  // unacknowledged: 31664 charged, 10336 free < 15832 — the writer sleeps on; after the ACK of 36001 (the 5000-byte
  // skb freed, 1000 bytes trimmed) 24832 are charged, 17168 ≥ 12416 and it wakes.
  const sb = new SendBuffer(42000);
  sb.newSkb();
  sb.append(bytes(5000), 0, 5000);
  sb.newSkb();
  sb.append(bytes(25000), 0, 25000);
  assert.equal(sb.wmemQueued, 31664);
  assert.equal(sb.memoryFree(), true, "below sk_sndbuf a new skb could be queued");
  assert.equal(sb.isWritable(), false, "but free space 10336 < 31664 / 2: not writable");
  sb.acknowledge(6000);
  assert.equal(sb.wmemQueued, 24832);
  assert.equal(sb.isWritable(), true, "17168 ≥ 24832 / 2: writable");
  // The threshold itself: writable exactly while queued ≤ two thirds of the capacity.
  const t = new SendBuffer(3 * 832 + 3);
  t.newSkb();
  t.append(bytes(2 * 832 + 2 - 832), 0, 2 * 832 + 2 - 832);
  assert.equal(t.wmemQueued, 2 * 832 + 2);
  assert.equal(t.isWritable(), true, "free 833 ≥ 1666 / 2");
  t.append(bytes(1), 0, 1);
  assert.equal(t.isWritable(), false, "free 832 < 1667 / 2");
});

test("skb accounting: write() respects the charged memory; a buffer without skbs counts payload only", () => {
  const sb = new SendBuffer(4608);    // SOCK_MIN_SNDBUF
  sb.newSkb();
  assert.equal(sb.write(bytes(10000)), 4608 - 832, "write() takes at most capacity − charged memory");
  const bsd = new SendBuffer(4608);
  assert.equal(bsd.write(bytes(10000)), 4608, "no skb opened (FreeBSD personality): sb_hiwat counts payload");
  assert.equal(bsd.wmemQueued, 4608);
  assert.equal(bsd.skbCount, 0);
});

test("skb accounting: a transmission stays inside its skb (Linux sends one skb at a time)", () => {
  const sb = new SendBuffer(1 << 20);
  sb.newSkb();
  sb.append(bytes(5000), 0, 5000);
  sb.newSkb();
  sb.append(bytes(25000), 0, 25000);
  assert.equal(sb.skbLimit(0, 10000), 5000, "a 10-segment burst from the first skb stops at its end");
  assert.equal(sb.skbLimit(5000, 10000), 10000, "the last skb runs to the write end");
  assert.equal(sb.skbLimit(3000, 1000), 1000, "a shorter length is kept");
  const plain = new SendBuffer(1 << 20);
  plain.write(bytes(3000));
  assert.equal(plain.skbLimit(0, 2000), 2000, "no skbs kept: no limit");
});

test("tcp_sndbuf_expand's memory per MSS: roundup_pow_of_two(mss + 192 + 320) + 256", () => {
  assert.equal(sndbufPerMss(1460), 2304, "MSS 1460: 2048 + 256");
  assert.equal(sndbufPerMss(1000), 2304, "MSS 1000");
  assert.equal(sndbufPerMss(1537), 4352, "MSS 1537 needs 2049 bytes: 4096 + 256");
  assert.equal(sndbufPerMss(65483), 131328, "loopback MSS: 131072 + 256");
});

test("blocks of 2–8 KiB share slabs but are never contiguous; a small block keeps a buffer of its own", () => {
  const a = new SendBuffer(1 << 20), b = new SendBuffer(1 << 20);
  assert.equal(a.write(bytes(2048, 1)), 2048, "a takes a full 2 KiB block");
  assert.equal(b.write(bytes(2048, 7)), 2048, "b takes a full 2 KiB block");
  const va = a.peek(0, 2048), vb = b.peek(0, 2048);
  assert.deepEqual(va, bytes(2048, 1), "a's bytes are its own");
  assert.deepEqual(vb, bytes(2048, 7), "b's bytes are its own (not overwritten by a neighbour in the slab)");
  assert.equal(va.length, 2048, "a whole block comes back as one view");
  if (va.buffer === vb.buffer) {
    assert.ok(va.byteOffset + va.length !== vb.byteOffset && vb.byteOffset + vb.length !== va.byteOffset,
      "two blocks in one slab are never adjacent (the receiver would coalesce their views)");
  }
  // One connection's next block, cut right after its first one in the same slab: still a gap.
  a.write(bytes(10));
  const first = a.peek(2040, 8), next = a.peek(2048, 10);
  assert.ok(first.buffer !== next.buffer || first.byteOffset + first.length !== next.byteOffset,
    "a connection's consecutive blocks are not contiguous in one buffer");
  const small = new SendBuffer(1 << 20);
  small.write(bytes(100));
  assert.equal(small.peek(0, 100).buffer.byteLength, SEND_BLOCK_MIN,
    "a block under 2 KiB is an ArrayBuffer of its own (condense decides on the buffer's size)");
});
