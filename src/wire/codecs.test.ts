// Checksum, address helpers, and the malformed-input behaviour of the IPv4,
// UDP and ICMP codecs (the TCP codec has tcp.test.ts; kernel bytes golden.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { foldChecksum, internetChecksum, pseudoHeaderSum, sum16, updateChecksum16 } from "./checksum.js";
import { emitIcmp, parseIcmp, isIcmpError, ICMP_DEST_UNREACH, ICMP_ECHO_REQUEST, ICMP_FRAG_NEEDED } from "./icmp.js";
import { emitIpv4, parseIpv4, writeIpv4Checksum, IPPROTO_UDP } from "./ipv4.js";
import {
  formatIpv4Address, inPrefix, ipv4, isLoopback, isMulticast, parseIpv4Address, prefixMask, readIpv4Address, writeIpv4Address,
} from "./ipv4-address.js";
import { EMPTY, Packet } from "./packet.js";
import { emitUdp, parseUdp, udpChecksum, udpChecksumOk } from "./udp.js";
import { WireError } from "./wire-error.js";
import { fromHex } from "./testdata/hex.js";

function reason(r: unknown): string {
  assert.ok(r instanceof WireError, `expected a WireError, got ${JSON.stringify(r)}`);
  return r.reason;
}

let seed = 1;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed >>> 16;
}

test("checksum: RFC 1071 §3 example", () => {
  const b = fromHex("0001 f203 f4f5 f6f7");
  assert.equal(sum16(b, 0, b.length), 0x2ddf0); // 0x00001 + 0xf203 + 0xf4f5 + 0xf6f7
  assert.equal(~foldChecksum(sum16(b, 0, b.length)) & 0xffff, 0xddf2);
  assert.equal(internetChecksum(b), 0x220d);
});

test("checksum: odd lengths pad with zero; pieces sum like the whole", () => {
  assert.equal(internetChecksum(fromHex("01")), internetChecksum(fromHex("0100")));
  for (let i = 0; i < 200; i++) {
    const n = 1 + (rnd() % 300);
    const b = new Uint8Array(n);
    for (let j = 0; j < n; j++) b[j] = rnd() & 255;
    const cut = (rnd() % n) & ~1; // pieces start at even offsets
    const whole = internetChecksum(b);
    assert.equal(foldChecksum(sum16(b, cut, n - cut, sum16(b, 0, cut))), whole);
    // The checksum written into the data makes the sum verify to 0.
    const c = new Uint8Array(n + (n & 1) + 2);
    c.set(b);
    c[c.length - 2] = whole >>> 8;
    c[c.length - 1] = whole & 255;
    assert.equal(internetChecksum(c), 0);
  }
});

test("checksum: RFC 1624 incremental update equals full recompute", () => {
  for (let i = 0; i < 500; i++) {
    const h = new Uint8Array(20);
    for (let j = 0; j < 20; j++) h[j] = rnd() & 255;
    h[0] = 0x45;
    writeIpv4Checksum(h);
    const old = internetChecksum(h, 0, 20) === 0 ? (h[10]! << 8) | h[11]! : -1;
    assert.notEqual(old, -1);
    const w = 2 + 2 * (rnd() % 4); // a word before the checksum field, not the version/IHL one (2..8)
    const oldWord = (h[w]! << 8) | h[w + 1]!;
    const newWord = rnd() & 0xffff;
    h[w] = newWord >>> 8;
    h[w + 1] = newWord & 255;
    const inc = updateChecksum16(old, oldWord, newWord);
    writeIpv4Checksum(h);
    const full = (h[10]! << 8) | h[11]!;
    // Both are valid; RFC 1624 eqn. 3 never yields the -0 (0x0000 ↔ 0xffff) ambiguity of eqn. 2 here.
    assert.equal(inc, full, `word ${w} ${oldWord.toString(16)}→${newWord.toString(16)}`);
  }
  // TTL decrement, the classic case.
  const h = fromHex("4500003c1c4640004006b1e6ac100a63ac100a0c");
  assert.equal(internetChecksum(h), 0);
  const old = (h[8]! << 8) | h[9]!;
  h[8]!--;
  const c = updateChecksum16((h[10]! << 8) | h[11]!, old, (h[8]! << 8) | h[9]!);
  h[10] = c >>> 8;
  h[11] = c & 255;
  assert.equal(internetChecksum(h), 0);
});

test("checksum: pseudo header sum", () => {
  assert.equal(pseudoHeaderSum(0x7f000001, 0x7f000001, 6, 40), 0x7f00 + 1 + 0x7f00 + 1 + 6 + 40);
});

test("ipv4-address helpers", () => {
  assert.equal(parseIpv4Address("10.0.0.1"), 0x0a000001);
  assert.equal(parseIpv4Address("255.255.255.255"), 0xffffffff);
  for (const bad of ["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.x", "1..2.3", " 1.2.3.4", "1.2.3.-4", "1234.1.1.1"]) {
    assert.equal(parseIpv4Address(bad), null, bad);
  }
  assert.throws(() => ipv4("nope"), TypeError);
  assert.equal(formatIpv4Address(0xc0a80101), "192.168.1.1");
  assert.equal(formatIpv4Address(ipv4("0.0.0.0")), "0.0.0.0");
  assert.equal(prefixMask(0), 0);
  assert.equal(prefixMask(24), 0xffffff00);
  assert.equal(prefixMask(32), 0xffffffff);
  assert.ok(inPrefix(ipv4("10.1.2.3"), ipv4("10.0.0.0"), 8));
  assert.ok(!inPrefix(ipv4("11.1.2.3"), ipv4("10.0.0.0"), 8));
  assert.ok(inPrefix(ipv4("200.1.2.3"), 0, 0));
  assert.ok(inPrefix(ipv4("192.168.1.255"), ipv4("192.168.1.0"), 24));
  assert.ok(isLoopback(ipv4("127.9.9.9")) && !isLoopback(ipv4("128.0.0.1")));
  assert.ok(isMulticast(ipv4("224.0.0.1")) && isMulticast(ipv4("239.255.255.255")) && !isMulticast(ipv4("240.0.0.1")));
  const b = new Uint8Array(6).fill(0xa5);
  writeIpv4Address(b, 1, ipv4("192.168.200.7"));
  assert.deepEqual([...b], [0xa5, 192, 168, 200, 7, 0xa5]);
  assert.equal(readIpv4Address(b, 1), ipv4("192.168.200.7"));
});

/** A valid IPv4+UDP datagram with `n` data bytes. */
function udpDatagram(n: number): Uint8Array {
  const b = new Uint8Array(28 + n);
  for (let i = 0; i < n; i++) b[28 + i] = i * 7;
  emitIpv4({ src: ipv4("10.0.0.1"), dst: ipv4("10.0.0.2"), protocol: IPPROTO_UDP, payloadLength: 8 + n, id: 99, df: true }, b, 0);
  emitUdp(1234, 53, n, b, 20);
  const c = udpChecksum(ipv4("10.0.0.1"), ipv4("10.0.0.2"), b, 20, b, 28);
  b[26] = c >>> 8;
  b[27] = c & 255;
  return b;
}

test("ipv4: emit into 0xa5 writes exactly 20 bytes; round trip", () => {
  const b = new Uint8Array(24).fill(0xa5);
  assert.equal(emitIpv4({ src: 1, dst: 2, protocol: 6, payloadLength: 100, ttl: 1, tos: 0x10, id: 0xbeef, mf: true, fragOffset: 1480 }, b, 2), 20);
  assert.deepEqual([b[0], b[1], b[22], b[23]], [0xa5, 0xa5, 0xa5, 0xa5]);
  const h = parseIpv4(b.subarray(2, 22), 120);
  assert.ok(!(h instanceof WireError));
  assert.deepEqual(h, { headerLength: 20, tos: 0x10, totalLength: 120, id: 0xbeef, df: false, mf: true, fragOffset: 1480, ttl: 1, protocol: 6, checksum: (b[12]! << 8) | b[13]!, src: 1, dst: 2 });
});

test("ipv4: malformed headers give reasons, never throw", () => {
  const good = udpDatagram(4);
  assert.ok(!(parseIpv4(good) instanceof WireError));
  assert.equal(reason(parseIpv4(good.subarray(0, 19))), "truncated");
  let b = good.slice();
  b[0] = 0x65;
  assert.equal(reason(parseIpv4(b)), "bad-version");
  b = good.slice();
  b[0] = 0x44;
  assert.equal(reason(parseIpv4(b)), "bad-header-length");
  b = good.slice();
  b[0] = 0x4f; // 60-byte header in a 32-byte buffer
  assert.equal(reason(parseIpv4(b)), "truncated");
  b = good.slice();
  b[2] = 0;
  b[3] = 19; // total length < ihl
  writeIpv4Checksum(b);
  assert.equal(reason(parseIpv4(b)), "bad-total-length");
  b = good.slice();
  b[3] = 200; // longer than what exists
  writeIpv4Checksum(b);
  assert.equal(reason(parseIpv4(b)), "truncated");
  b = good.slice();
  b[8] ^= 1;
  assert.equal(reason(parseIpv4(b)), "bad-checksum");
  assert.ok(!(parseIpv4(b, b.length, false) instanceof WireError), "offloaded: not verified");
  for (let i = 0; i < 3000; i++) {
    const r = new Uint8Array(rnd() % 70);
    for (let j = 0; j < r.length; j++) r[j] = rnd() & 255;
    if (rnd() & 1) r[0] = 0x45;
    parseIpv4(r);
  }
});

test("udp: length too big/small, truncated, bad checksum, zero checksum", () => {
  const good = udpDatagram(5);
  const src = ipv4("10.0.0.1");
  const dst = ipv4("10.0.0.2");
  assert.ok(!(parseUdp(good, 20, 13) instanceof WireError));
  assert.ok(udpChecksumOk(src, dst, good, 20, good, 28));
  assert.equal(reason(parseUdp(good, 20, 7)), "truncated");
  assert.equal(reason(parseUdp(good.subarray(0, 27), 20, 13)), "truncated");
  let b = good.slice();
  b[25] = 7;
  assert.equal(reason(parseUdp(b, 20, 13)), "bad-length");
  b = good.slice();
  b[25] = 14;
  assert.equal(reason(parseUdp(b, 20, 13)), "bad-length");
  b = good.slice();
  b[30] ^= 0x80;
  assert.ok(!udpChecksumOk(src, dst, b, 20, b, 28));
  b[26] = b[27] = 0;
  assert.ok(udpChecksumOk(src, dst, b, 20, b, 28), "0 = no checksum (RFC 768)");
  // A computed 0 is sent as 0xffff: find a datagram whose sum folds to 0.
  const z = new Uint8Array(10);
  emitUdp(0, 0, 2, z, 0);
  const s = foldChecksum(sum16(z, 0, 8, pseudoHeaderSum(0, 0, IPPROTO_UDP, 10)));
  z[8] = s >>> 8; // choose the data so that the total sum is 0xffff
  z[9] = s & 255;
  assert.equal(udpChecksum(0, 0, z, 0, z, 8), 0xffff);
});

test("icmp: truncated, bad checksum, emit into 0xa5, error classification", () => {
  const body = fromHex("0102030405");
  const b = new Uint8Array(15).fill(0xa5);
  assert.equal(emitIcmp({ type: ICMP_ECHO_REQUEST, code: 0, id: 5, seq: 1 }, b, 1, body), 8);
  assert.equal(b[0], 0xa5);
  assert.equal(b[9], 0xa5);
  const m = parseIcmp(b, 1, 8, body);
  assert.ok(!(m instanceof WireError));
  assert.deepEqual([m.type, m.id, m.seq], [8, 5, 1]);
  assert.equal(reason(parseIcmp(b, 1, 7, EMPTY)), "truncated");
  assert.equal(reason(parseIcmp(b, 1, 8, fromHex("0102030406"))), "bad-checksum");
  assert.ok(!(parseIcmp(b, 1, 8, fromHex("0102030406"), false) instanceof WireError));
  const f = new Uint8Array(8);
  emitIcmp({ type: ICMP_DEST_UNREACH, code: ICMP_FRAG_NEEDED, mtu: 1400 }, f, 0, EMPTY);
  const fm = parseIcmp(f, 0, 8, EMPTY);
  assert.ok(!(fm instanceof WireError));
  assert.equal(fm.mtu, 1400);
  assert.deepEqual([0, 3, 4, 5, 8, 11, 12].map(isIcmpError), [false, true, true, true, false, true, true]);
});

test("packet: bytes() concatenates head and payload; byteAt spans both", () => {
  const p = new Packet(fromHex("0102"), fromHex("0304"));
  assert.deepEqual([...p.bytes()], [1, 2, 3, 4]);
  assert.deepEqual([0, 1, 2, 3].map((i) => p.byteAt(i)), [1, 2, 3, 4]);
  const q = p.clone();
  q.head[0] = 9;
  assert.equal(p.head[0], 1);
  q.flattenInPlace();
  assert.deepEqual([...q.head], [9, 2, 3, 4]);
  assert.equal(q.payload.length, 0);
});
