import { test } from "node:test";
import assert from "node:assert/strict";
import { SendBuffer, SEND_BLOCK_MAX, SEND_BLOCK_MIN } from "./send-buffer.js";
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
