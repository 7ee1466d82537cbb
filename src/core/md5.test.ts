import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Md5, md5 } from "./md5.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

// RFC 1321 §A.5, the test suite of the reference implementation.
const RFC_VECTORS: readonly (readonly [string, string])[] = [
  ["", "d41d8cd98f00b204e9800998ecf8427e"],
  ["a", "0cc175b9c0f1b6a831c399e269772661"],
  ["abc", "900150983cd24fb0d6963f7d28e17f72"],
  ["message digest", "f96b697d7cb7938d525a2f31aaf161d0"],
  ["abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"],
  ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"],
  ["12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a"],
];

test("md5: the RFC 1321 test suite (§A.5)", () => {
  for (const [msg, want] of RFC_VECTORS) assert.equal(hex(md5(text(msg))), want, `MD5("${msg}")`);
});

test("md5: every length 0..300 across block and padding edges matches an independent MD5", () => {
  const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 255);
  for (let n = 0; n <= 300; n++) {
    const want = createHash("md5").update(data.subarray(0, n)).digest("hex");
    assert.equal(hex(md5(data.subarray(0, n))), want, `length ${n}`);
  }
});

test("md5: update in pieces equals one update, and reset starts over", () => {
  const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) & 255);
  const h = new Md5();
  for (const cut of [1, 7, 63, 64, 65, 200]) {
    h.reset();
    for (let i = 0; i < data.length; i += cut) h.update(data, i, Math.min(cut, data.length - i));
    assert.equal(hex(h.digest()), hex(md5(data)), `pieces of ${cut}`);
  }
  const out = new Uint8Array(20);
  h.reset().update(text("abc")).digest(out, 4);
  assert.equal(hex(out.subarray(4)), "900150983cd24fb0d6963f7d28e17f72", "digest written at an offset");
  assert.equal(h.reset().update(text("a")).hex(), "0cc175b9c0f1b6a831c399e269772661", "hex() after reset");
});
