import { test } from "node:test";
import assert from "node:assert/strict";
import { SKB_TRUESIZE_OVERHEAD } from "../core/truesize.js";
import { RecvBuffer, winFromSpace, spaceFromWin } from "./recv-buffer.js";

const b = (s: string) => new TextEncoder().encode(s);
const str = (u: Uint8Array) => new TextDecoder().decode(u);

test("push keeps references and extends a chunk continued in the same buffer; read returns a view when one chunk suffices", () => {
  const rb = new RecvBuffer(131072);
  const backing = b("hello world");
  rb.push(backing.subarray(0, 5));
  rb.push(backing.subarray(5));            // continues the last chunk in its buffer: one chunk (tcp_try_coalesce)
  rb.push(new Uint8Array(0));
  assert.equal(rb.chunkCount, 1);
  rb.push(b("!"));                         // another buffer: a second chunk
  assert.equal(rb.length, 12);
  assert.equal(rb.chunkCount, 2);
  assert.equal(rb.truesize, 12 + 2 * SKB_TRUESIZE_OVERHEAD, "bytes plus the skb overhead per chunk");
  const r = rb.read(3);
  assert.equal(str(r), "hel");
  assert.equal(r.buffer, backing.buffer, "a view, not a copy");
  const r1 = rb.read(5);
  assert.equal(str(r1), "lo wo");
  assert.equal(r1.buffer, backing.buffer, "still one chunk: a view");
  const r2 = rb.read(4);                   // spans two chunks → copy
  assert.equal(str(r2), "rld!");
  assert.notEqual(r2.buffer, backing.buffer);
  assert.equal(rb.length, 0);
  assert.equal(rb.truesize, 0);
  assert.equal(rb.read(10).length, 0);
});

test("collapse copies many small chunks into one (Linux tcp_collapse)", () => {
  const rb = new RecvBuffer(131072);
  for (let i = 0; i < 100; i++) rb.push(new Uint8Array([i]));
  rb.skip(10);
  assert.equal(rb.truesize, 90 + 90 * SKB_TRUESIZE_OVERHEAD);
  assert.equal(rb.collapse(), 89 * SKB_TRUESIZE_OVERHEAD);
  assert.equal(rb.truesize, 90 + SKB_TRUESIZE_OVERHEAD);
  assert.deepEqual([...rb.read(3)], [10, 11, 12]);
  assert.equal(rb.length, 87);
});

test("readInto / peek / peekInto / skip / clear", () => {
  const rb = new RecvBuffer(1000);
  for (const s of ["ab", "cde", "f", "ghij"]) rb.push(b(s));
  assert.equal(str(rb.peek(4)), "abcd");
  assert.equal(rb.length, 10, "peek does not consume");
  const dst = new Uint8Array(6).fill(0x2e);
  assert.equal(rb.peekInto(dst, 1, 4, 3), 4);
  assert.equal(str(dst), ".defg.");
  assert.equal(rb.readInto(dst, 0, 6), 6);
  assert.equal(str(dst), "abcdef");
  assert.equal(rb.skip(2), 2);
  assert.equal(str(rb.read(10)), "ij");
  rb.push(b("xyz"));
  assert.equal(rb.clear(), 3);
  assert.equal(rb.length, 0);
  assert.equal(rb.readInto(dst, 0, 6), 0);
});

test("many small chunks: the queue compacts and stays correct", () => {
  const rb = new RecvBuffer(1 << 20);
  let expect = "";
  let got = "";
  for (let i = 0; i < 5000; i++) {
    const s = String(i % 10).repeat((i % 7) + 1);
    rb.push(b(s));
    expect += s;
    if (i % 3 === 0) got += str(rb.read(5));
  }
  got += str(rb.read(rb.length));
  assert.equal(got, expect);
});

test("Linux window math: tcp_win_from_space with scaling_ratio 128 (= tcp_adv_win_scale 1)", () => {
  assert.equal(winFromSpace(131072), 65536);
  assert.equal(winFromSpace(-5), 0);
  assert.equal(spaceFromWin(65536), 131072);
  const rb = new RecvBuffer(131072);
  assert.equal(rb.fullSpace(), 65536);
  assert.equal(rb.tcpSpace(), 65536);
  rb.push(new Uint8Array(1000));
  assert.equal(rb.tcpSpace(), 64536);       // each queued byte costs one window byte
  assert.equal(rb.tcpSpace(536), 64000);    // plus the out-of-order queue
  rb.push(new Uint8Array(70000));
  assert.ok(rb.tcpSpace() < 0);
});
