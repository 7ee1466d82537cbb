import { test } from "node:test";
import assert from "node:assert/strict";
import { foldChecksum, sum16 } from "./checksum.js";

/** RFC 1071 the slow way: one big-endian word at a time. */
function reference(buf: Uint8Array, off: number, len: number): number {
  let acc = 0;
  for (let i = 0; i < len; i += 2) acc += (buf[off + i]! << 8) | (i + 1 < len ? buf[off + i + 1]! : 0);
  return foldChecksum(acc);
}

test("sum16: the 32-bit word path (aligned, ≥ 64 bytes) folds to the same checksum as the byte path", () => {
  const buf = new Uint8Array(70000);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 131 + (i >> 9) * 7) & 255;
  for (const off of [0, 1, 2, 3, 4, 6, 8, 100]) {
    for (const len of [0, 1, 63, 64, 65, 66, 67, 1448, 1449, 65483, 65536]) {
      assert.equal(foldChecksum(sum16(buf, off, len)), reference(buf, off, len), `off ${off} len ${len}`);
    }
  }
  // All-ones data: many carries.
  const ff = new Uint8Array(65536).fill(0xff);
  assert.equal(foldChecksum(sum16(ff, 0, ff.length)), reference(ff, 0, ff.length));
  // A view at an aligned byteOffset inside a larger buffer, plus an accumulator carried in.
  const view = buf.subarray(4096, 4096 + 1448);
  assert.equal(foldChecksum(sum16(view, 0, view.length, 0x1234)), foldChecksum(0x1234 + sum16(buf, 4096, 1448)));
});

test("sum16: pieces (header, then a payload view) sum like the whole", () => {
  const whole = new Uint8Array(1500);
  for (let i = 0; i < whole.length; i++) whole[i] = (i * 37) & 255;
  const head = whole.slice(0, 52);
  const payload = whole.subarray(52);
  assert.equal(foldChecksum(sum16(payload, 0, payload.length, sum16(head, 0, 52))), reference(whole, 0, whole.length));
});

test("sum16: alternating buffers (the cached word view follows the buffer) and a buffer whose length is not a multiple of 4", () => {
  const a = new Uint8Array(4099);
  const b = new Uint8Array(2051);
  for (let i = 0; i < a.length; i++) a[i] = (i * 29 + 3) & 255;
  for (let i = 0; i < b.length; i++) b[i] = (i * 53 + 11) & 255;
  for (let k = 0; k < 4; k++) {
    assert.equal(foldChecksum(sum16(a, 4, 4095)), reference(a, 4, 4095));
    assert.equal(foldChecksum(sum16(b, 0, 2051)), reference(b, 0, 2051));
    const tail = b.subarray(1024);
    assert.equal(foldChecksum(sum16(tail, 0, tail.length)), reference(b, 1024, 1027));
  }
});
