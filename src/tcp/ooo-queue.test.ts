import { test } from "node:test";
import assert from "node:assert/strict";
import { SKB_TRUESIZE_OVERHEAD } from "../core/truesize.js";
import { OooQueue } from "./ooo-queue.js";
import { Rng } from "../core/rng.js";

/** Stream byte at sequence number s (so any view can be checked). */
const byteAt = (s: number) => (s * 7 + 3) & 0xff;
function seg(seq: number, len: number): Uint8Array {
  return Uint8Array.from({ length: len }, (_, i) => byteAt((seq + i) >>> 0));
}
function blocks(q: OooQueue, max = 4, consume = true): number[][] {
  const out: number[] = [];
  const n = q.sackBlocks(out, max, consume);
  const r: number[][] = [];
  for (let i = 0; i < n; i++) r.push([out[2 * i]!, out[2 * i + 1]!]);
  return r;
}
function drainAll(q: OooQueue, rcvNxt: number): { next: number; data: number[] } {
  const data: number[] = [];
  const next = q.drain(rcvNxt, (v) => data.push(...v));
  return { next, data };
}

test("segment 3 waits until 1 and 2 arrive (seed D4)", () => {
  const q = new OooQueue();
  let rcvNxt = 1000;
  assert.equal(q.insert(3000, seg(3000, 1000)), 1000);
  assert.equal(q.bytes, 1000);
  assert.deepEqual(drainAll(q, rcvNxt).next, 1000, "nothing in order yet");
  // segment 1 arrives in order (the TCB delivers it), rcv.nxt → 2000
  rcvNxt = 2000;
  assert.equal(drainAll(q, rcvNxt).next, 2000);
  // segment 2 arrives in order: rcv.nxt → 3000, segment 3 drains
  const r = drainAll(q, 3000);
  assert.equal(r.next, 4000);
  assert.deepEqual(r.data, [...seg(3000, 1000)]);
  assert.equal(q.isEmpty, true);
  assert.equal(q.bytes, 0);
  assert.equal(q.sackCount, 0);
});

test("SACK blocks: most recent first, extend + move to front, merge, at most 4 (RFC 2018 §4)", () => {
  const q = new OooQueue();
  q.insert(2000, seg(2000, 100));
  q.insert(3000, seg(3000, 100));
  q.insert(4000, seg(4000, 100));
  assert.deepEqual(blocks(q), [[4000, 4100], [3000, 3100], [2000, 2100]]);
  q.insert(2100, seg(2100, 100));            // extends the oldest block → front
  assert.deepEqual(blocks(q), [[2000, 2200], [4000, 4100], [3000, 3100]]);
  q.insert(2200, seg(2200, 800));            // bridges 2000..3100 → merge
  assert.deepEqual(blocks(q), [[2000, 3100], [4000, 4100]]);
  assert.deepEqual(q.ranges(), [[2000, 3100], [4000, 4100]]);
  for (const s of [5000, 6000, 7000, 8000]) q.insert(s, seg(s, 10));
  assert.deepEqual(blocks(q), [[8000, 8010], [7000, 7010], [6000, 6010], [5000, 5010]]);
  assert.deepEqual(blocks(q, 3), [[8000, 8010], [7000, 7010], [6000, 6010]], "3 blocks with timestamps");
  // the queue still holds everything
  assert.equal(q.ranges().length, 6);
  // draining up to 4100 removes the covered blocks
  const r = drainAll(q, 2000);
  assert.equal(r.next, 3100);
  const r2 = drainAll(q, 4000);
  assert.equal(r2.next, 4100);
  assert.deepEqual(blocks(q).map((b) => b[0]).sort(), [5000, 6000, 7000, 8000]);
});

test("duplicates: fully queued → 0 new bytes + D-SACK first in the next ACK, then gone (RFC 2883)", () => {
  const q = new OooQueue();
  q.insert(5000, seg(5000, 1000));
  q.insert(7000, seg(7000, 1000));
  blocks(q);                                  // nothing pending yet
  assert.equal(q.insert(5200, seg(5200, 300)), 0);
  assert.equal(q.hasDsack, true);
  assert.deepEqual(blocks(q, 4, false), [[5200, 5500], [5000, 6000], [7000, 8000]]);
  assert.deepEqual(blocks(q), [[5200, 5500], [5000, 6000], [7000, 8000]]);
  assert.deepEqual(blocks(q), [[5000, 6000], [7000, 8000]], "D-SACK reported once");
  // a duplicate below rcv.nxt reported by the TCB
  q.reportDuplicate(100, 200);
  assert.deepEqual(blocks(q, 1), [[100, 200]]);
  // disabled
  const off = new OooQueue(false);
  off.insert(10, seg(10, 10));
  off.insert(10, seg(10, 10));
  assert.equal(off.hasDsack, false);
});

test("partial overlaps: the earlier-starting copy wins, D-SACK covers the overlap, bytes stay exact", () => {
  const q = new OooQueue();
  q.insert(1000, seg(1000, 100));             // [1000,1100)
  assert.equal(q.insert(1050, seg(1050, 100)), 50);   // overlaps the right half
  assert.deepEqual(blocks(q), [[1050, 1100], [1000, 1150]]);
  assert.equal(q.insert(950, seg(950, 100)), 50);     // overlaps on the left: existing head trimmed
  assert.deepEqual(q.ranges(), [[950, 1150]]);
  assert.equal(q.count, 3);
  assert.equal(q.bytes, 200);
  assert.equal(q.insert(900, seg(900, 400)), 200);    // covers everything: replaces
  assert.deepEqual(q.ranges(), [[900, 1300]]);
  assert.equal(q.bytes, 400);
  const r = drainAll(q, 900);
  assert.equal(r.next, 1300);
  assert.deepEqual(r.data, [...seg(900, 400)]);
});

test("drain trims data already delivered in order and D-SACKs it", () => {
  const q = new OooQueue();
  q.insert(2000, seg(2000, 1000));
  blocks(q);
  // in-order segment [1000, 2500) was delivered by the TCB: rcv.nxt = 2500
  const r = drainAll(q, 2500);
  assert.equal(r.next, 3000);
  assert.deepEqual(r.data, [...seg(2500, 500)]);
  assert.deepEqual(blocks(q), [[2000, 2500]]);
  assert.equal(q.bytes, 0);
});

test("adjacent views of one buffer merge without copying; a small view of a big buffer is copied out", () => {
  const backing = seg(0, 8000);               // like one sender block
  const q = new OooQueue();
  q.insert(12000, backing.subarray(2000, 4000));
  q.insert(14000, backing.subarray(4000, 6000));
  q.insert(10000 + 6000, backing.subarray(6000, 8000));
  assert.equal(q.count, 1);
  assert.equal(q.truesize, 6000 + SKB_TRUESIZE_OVERHEAD);
  let got: Uint8Array | undefined;
  q.drain(12000, (v) => { got = v; });
  assert.equal(got!.buffer, backing.buffer);
  assert.equal(got!.length, 6000);
  // views of different buffers stay separate entries
  const q2 = new OooQueue();
  q2.insert(10, seg(10, 10));
  q2.insert(20, seg(20, 10));
  assert.equal(q2.count, 2);
  // a 1-byte view would pin the whole 8000-byte block: it is copied (condense)
  const q3 = new OooQueue();
  q3.insert(100, backing.subarray(100, 101));
  q3.drain(100, (v) => { got = v; });
  assert.notEqual(got!.buffer, backing.buffer);
  assert.equal(got!.buffer.byteLength, 1);
});

test("collapse merges sequence-contiguous entries into one copy; pruneTail drops from the top but never at or below the asking segment", () => {
  const q = new OooQueue();
  for (let i = 0; i < 10; i++) q.insert(1000 + i, seg(1000 + i, 1));       // one run of 10 one-byte entries
  for (let i = 0; i < 10; i++) q.insert(2000 + 2 * i, seg(2000 + 2 * i, 1)); // ten gapped entries
  assert.equal(q.count, 20);
  assert.equal(q.collapse(), 9 * SKB_TRUESIZE_OVERHEAD);
  assert.equal(q.count, 11);
  assert.deepEqual(q.ranges()[0], [1000, 1010]);
  // A segment at 2019 (above everything): nothing is dropped for it.
  assert.equal(q.pruneTail(2019, 1000, () => false), 0);
  // A segment at 2005: drop entries from the top down to 2006, one goal step (2 entries) at a time.
  let checks = 0;
  assert.equal(q.pruneTail(2005, 2 * (SKB_TRUESIZE_OVERHEAD + 1), () => ++checks === 2), 4);
  assert.equal(q.lastEnd, 2011);
  assert.equal(q.sackCount, 0, "SACK blocks forgotten");
  const out: number[] = [];
  q.drain(1000, (v) => out.push(...v));
  assert.deepEqual(out, Array.from({ length: 10 }, (_, i) => seg(1000 + i, 1)[0]));
});

test("wrap-around: ranges across 2^32 sort, SACK and drain correctly", () => {
  const q = new OooQueue();
  const rcvNxt = 0xfffffc00;                  // 1024 before the wrap
  q.insert(0x00000100, seg(0x100, 256));      // after the wrap
  q.insert(0xfffffe00, seg(0xfffffe00, 512)); // before the wrap, adjacent? ends at 0
  q.insert(0x00000000, seg(0, 256));          // bridges to 0x100
  assert.deepEqual(q.ranges(), [[0xfffffe00, 0x200]]);
  assert.equal(q.count, 3);
  assert.deepEqual(blocks(q), [[0xfffffe00, 0x200]]);
  const r = drainAll(q, 0xfffffe00);
  assert.equal(r.next, 0x200);
  assert.equal(r.data.length, 1024);
  assert.deepEqual(r.data, [...seg(0xfffffe00, 512), ...seg(0, 512)]);
  void rcvNxt;
});

test("prune drops the highest ranges and forgets SACK blocks", () => {
  const q = new OooQueue();
  for (const s of [1000, 3000, 5000, 7000]) q.insert(s, seg(s, 1000));
  assert.equal(q.prune(2500), 2000);
  assert.deepEqual(q.ranges(), [[1000, 2000], [3000, 4000]]);
  assert.equal(q.sackCount, 0);
  assert.equal(q.lastEnd, 4000);
  assert.equal(q.firstSeq, 1000);
  q.clear();
  assert.equal(q.isEmpty, true);
  assert.equal(q.firstSeq, undefined);
});

test("randomized: any arrival order reassembles the exact stream", () => {
  for (let round = 0; round < 30; round++) {
    const r = new Rng(round);
    const base = round % 2 ? 0xffff8000 : r.u32();
    const total = 20000;
    const q = new OooQueue();
    let rcvNxt = base;
    const out: number[] = [];
    for (let k = 0; k < 400 && ((rcvNxt - base) >>> 0) < total; k++) {
      const off = r.below(total);
      const len = Math.min(r.range(1, 1500), total - off);
      const s = (base + off) >>> 0;
      const delivered = (rcvNxt - base) >>> 0;
      if (off <= delivered) {
        // in order (or partly old): the TCB delivers the new part itself
        if (off + len > delivered) {
          const v = seg(s, len).subarray(delivered - off);
          out.push(...v);
          rcvNxt = (rcvNxt + v.length) >>> 0;
          rcvNxt = q.drain(rcvNxt, (v2) => out.push(...v2));
        }
      } else {
        q.insert(s, seg(s, len));
      }
      // SACK blocks never cover rcv.nxt
      const b: number[] = [];
      const n = q.sackBlocks(b, 4, false);
      for (let i = q.hasDsack ? 1 : 0; i < n; i++) assert.ok(((b[2 * i]! - rcvNxt) | 0) > 0);
    }
    const expect = [...seg(base, (rcvNxt - base) >>> 0)];
    assert.equal(out.length, expect.length);
    assert.deepEqual(out, expect);
  }
});

test("one segment duplicating several ranges reports the first in its D-SACK block (Linux tcp_dsack_set, then tcp_dsack_extend)", () => {
  // rcv.nxt 100; queued out of order: 200:300, 400:500, 600:700 (FreeBSD rcv-data-segments/overlapping-*)
  const q = new OooQueue(true);
  q.insert(200, seg(200, 100));
  q.insert(400, seg(400, 100));
  q.insert(600, seg(600, 100));
  blocks(q); // the ACKs of those consumed nothing (no D-SACK yet)
  // 1:800 arrives: 1:100 is below rcv.nxt (the TCB reports it), the rest is in order and covers the queue.
  q.reportDuplicate(1, 100);
  const { next } = drainAll(q, 800);
  assert.equal(next, 800);
  assert.deepEqual(blocks(q), [[1, 100]], "not the last covered range 600:700");
  // 450:700 over 400:500 and 600:700: the first overlap 450:500 is reported
  const r = new OooQueue(true);
  r.insert(400, seg(400, 100));
  r.insert(600, seg(600, 100));
  r.insert(450, seg(450, 250));
  assert.deepEqual(blocks(r)[0], [450, 500]);
});

test("a FIN beyond a hole is queued and SACKed like a byte; a repeat is D-SACKed; takeFin hands it over once rcv.nxt reaches it", () => {
  const q = new OooQueue();
  assert.equal(q.insertFin(105), true);
  assert.equal(q.isEmpty, false, "a queued FIN keeps the queue non-empty (ACK at once, drain)");
  assert.equal(q.bytes, 0);
  assert.deepEqual(blocks(q), [[105, 106]]);
  assert.equal(q.insertFin(105), false, "the same FIN again is a duplicate");
  assert.deepEqual(blocks(q), [[105, 106], [105, 106]], "D-SACK first, then the SACK block");
  q.insert(100, seg(100, 5));
  assert.deepEqual(blocks(q), [[100, 106]], "data up to the FIN joins its block");
  assert.equal(q.takeFin(100), false, "not yet in order");
  const r = drainAll(q, 100);
  assert.equal(r.next, 105);
  assert.deepEqual(blocks(q), [], "a block rcv.nxt has reached goes (Linux tcp_sack_remove); the TCB takes the FIN at once");
  assert.equal(q.takeFin(r.next), true);
  assert.equal(q.finSeq, -1);
  assert.equal(q.isEmpty, true);
});

test("data over a queued FIN's sequence number replaces it (D-SACK of the FIN); rcv.nxt passing it forgets it", () => {
  const q = new OooQueue();
  q.insertFin(105);
  q.insert(105, seg(105, 2));
  assert.equal(q.finSeq, -1);
  assert.deepEqual(blocks(q), [[105, 106], [105, 107]]);
  const p = new OooQueue();
  p.insertFin(105);
  p.insert(103, seg(103, 1)); // below the FIN: both stay
  assert.equal(p.finSeq, 105);
  assert.equal(p.takeFin(110), false, "rcv.nxt beyond the FIN: it is dropped");
  assert.equal(p.finSeq, -1);
  const c = new OooQueue();
  c.insert(200, seg(200, 10));
  c.insertFin(210);
  assert.equal(c.pruneTail(0, 1, () => true) > 0, true);
  assert.equal(c.finSeq, -1, "pruning from the tail drops the FIN first");
  c.insertFin(300);
  c.clear();
  assert.equal(c.finSeq, -1);
  assert.equal(c.isEmpty, true);
});
