import { test } from "node:test";
import assert from "node:assert/strict";
import { EMPTY } from "./packet.js";
import {
  emitTcp, newTcpHeader, parseTcp, parseTcpInto, parseTcpQuoteInto, tcpChecksum, tcpChecksumOk, tcpEmitOptionsLength, tcpOptionList,
  tcpRawOptions, writeTcpChecksum, writeTcpHeader, TCP, TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG, type TcpHeader,
} from "./tcp.js";
import {
  emitLinuxTcpOptions, emitTcpOptions, linuxTcpOptions, newTcpOptionFields, parseTcpOptions, parseTcpOptionList, tcpOptionsLength,
  OPT_EOL, OPT_NOP, type TcpOption,
} from "./tcp-options.js";
import { WireError } from "./wire-error.js";
import { fromHex, toHex } from "./testdata/hex.js";

function parsed(buf: Uint8Array, off = 0, available = buf.length - off): TcpHeader {
  const r = parseTcp(buf, off, available);
  if (r instanceof WireError) assert.fail(r.toString());
  return r;
}

function reason(r: unknown): string {
  assert.ok(r instanceof WireError, `expected a WireError, got ${JSON.stringify(r)}`);
  return r.reason;
}

/** A 20-byte header followed by `opts` (already padded), data offset set. */
function withOptions(opts: number[]): Uint8Array {
  const b = new Uint8Array(20 + opts.length);
  b.set([0x23, 0x82, 0xb9, 0x99, 0, 0, 0, 1, 0, 0, 0, 0, ((20 + opts.length) / 4) << 4, TCP_SYN, 0xfa, 0xf0]);
  b.set(opts, 20);
  return b;
}

test("flag constants are RFC 9293 / RFC 3168 bits", () => {
  assert.deepEqual([TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK, TCP_URG, TCP_ECE, TCP_CWR], [1, 2, 4, 8, 16, 32, 64, 128]);
});

test("Linux SYN layout: mss,sackOK,TS,nop,wscale — 20 bytes, packed as the kernel does", () => {
  const f = { mss: 1460, sackOk: true, tsVal: 584087531, tsEcr: 0, wscale: 7 };
  const list = linuxTcpOptions(f);
  assert.deepEqual(list.map((o) => o.kind), ["mss", "sack-permitted", "timestamp", "nop", "wscale"]);
  assert.equal(tcpOptionsLength(list), 20);
  const a = new Uint8Array(20);
  const b = new Uint8Array(20);
  assert.equal(emitTcpOptions(list, a, 0), 20);
  assert.equal(emitLinuxTcpOptions(f, b, 0), 20);
  assert.equal(emitLinuxTcpOptions(f, null, 0), 20);
  assert.equal(toHex(a), "020405b4" + "0402080a" + "22d077eb" + "00000000" + "01030307");
  assert.deepEqual(a, b);
});

test("Linux layouts without SACK/TS, and the established forms", () => {
  const cases: [Parameters<typeof linuxTcpOptions>[0], string[], string][] = [
    [{ mss: 536 }, ["mss"], "02040218"],
    [{ mss: 1460, sackOk: true, wscale: 7 }, ["mss", "nop", "nop", "sack-permitted", "nop", "wscale"], "020405b40101040201030307"],
    [{ mss: 1460, tsVal: 1, tsEcr: 2, wscale: 0 }, ["mss", "nop", "nop", "timestamp", "nop", "wscale"], "020405b40101080a000000010000000201030300"],
    [{ tsVal: 7, tsEcr: 9 }, ["nop", "nop", "timestamp"], "0101080a0000000700000009"],
    [{ tsVal: 7, tsEcr: 9, sack: [1001, 2001, 3001, 4001] }, ["nop", "nop", "timestamp", "nop", "nop", "sack"],
      "0101080a0000000700000009" + "01010512" + "000003e9000007d1" + "00000bb900000fa1"],
    [{ sack: [5, 6] }, ["nop", "nop", "sack"], "0101050a0000000500000006"],
    [{}, [], ""],
  ];
  for (const [f, kinds, hex] of cases) {
    const list = linuxTcpOptions(f);
    assert.deepEqual(list.map((o) => o.kind), kinds);
    const n = tcpOptionsLength(list);
    assert.equal(n % 4, 0);
    const a = new Uint8Array(n);
    emitTcpOptions(list, a, 0);
    assert.equal(toHex(a), hex, JSON.stringify(f));
    const b = new Uint8Array(n + 1).fill(0xa5);
    assert.equal(emitLinuxTcpOptions(f, b, 0), n);
    assert.equal(toHex(b.subarray(0, n)), hex, `fields: ${JSON.stringify(f)}`);
    assert.equal(b[n], 0xa5);
  }
});

test("option lists round-trip, padding is zero, unknown kinds are kept in order", () => {
  const list: TcpOption[] = [
    OPT_NOP, { kind: "mss", mss: 65495 }, { kind: "unknown", type: 30, data: new Uint8Array([1, 2, 3]) },
    { kind: "wscale", shift: 14 }, { kind: "sack", blocks: [[0xfffffff0, 0x10]] }, OPT_EOL,
  ];
  const n = tcpOptionsLength(list);
  assert.equal(n, 24); // 1 + 4 + 5 + 3 + 10 + 1 = 24
  const buf = new Uint8Array(n + 2).fill(0xa5);
  assert.equal(emitTcpOptions(list, buf, 1), n);
  assert.equal(buf[0], 0xa5);
  assert.equal(buf[n + 1], 0xa5);
  const back = parseTcpOptionList(buf.subarray(1, 1 + n));
  assert.ok(!(back instanceof WireError));
  assert.deepEqual(back, list);
});

test("parse: common case without options allocates no option state", () => {
  const b = withOptions([]);
  const h = parsed(b);
  assert.equal(h.srcPort, 9090);
  assert.equal(h.dstPort, 47513);
  assert.equal(h.seq, 1);
  assert.equal(h.headerLength, 20);
  assert.equal(h.window, 64240);
  assert.equal(tcpRawOptions(h), EMPTY);
  assert.equal(h.buf, b);
  assert.equal(h.offset, 0);
  assert.deepEqual([h.mss, h.wscale, h.sackOk, h.sack, h.tsVal, h.tsEcr], [undefined, undefined, false, [], undefined, undefined]);
  assert.deepEqual(tcpOptionList(h), []);
});

test("parse: seq/ack are unsigned 32-bit", () => {
  const b = withOptions([]);
  b.set([0xff, 0xff, 0xff, 0xfe, 0x80, 0, 0, 0], 4);
  const h = parsed(b);
  assert.equal(h.seq, 0xfffffffe);
  assert.equal(h.ack, 0x80000000);
});

test("parse: all option kinds, EOL stops, bytes after EOL ignored", () => {
  const b = withOptions([2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7, 0, 2, 4, 0]);
  const h = parsed(b);
  assert.deepEqual([h.mss, h.sackOk, h.tsVal, h.tsEcr, h.wscale], [1460, true, 1, 2, 7]);
  assert.deepEqual(tcpOptionList(h).map((o) => o.kind), ["mss", "sack-permitted", "timestamp", "nop", "wscale", "eol"]);
});

test("parse: the established layout NOP,NOP,TS (fast path) gives the timestamps and clears every other field", () => {
  const out = newTcpOptionFields();
  const syn = new Uint8Array([2, 4, 0x05, 0xb4, 4, 2, 3, 3, 7, 1, 1, 1]);
  assert.equal(parseTcpOptions(syn, 0, syn.length, out), null);
  assert.deepEqual([out.mss, out.sackOk, out.wscale, out.tsVal], [1460, true, 7, undefined]);
  const sack = new Uint8Array([1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2]);
  assert.equal(parseTcpOptions(sack, 0, sack.length, out), null);
  assert.deepEqual(out.sack, [1, 2]);
  const est = new Uint8Array([1, 1, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 9]);
  assert.equal(parseTcpOptions(est, 0, est.length, out), null);
  assert.deepEqual([out.mss, out.wscale, out.sackOk, out.sack, out.tsVal, out.tsEcr], [undefined, undefined, false, [], 0xdeadbeef, 9]);
  // Same bytes with a bad timestamp length are not the fast path: a malformed option.
  const bad = new Uint8Array([1, 1, 8, 11, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.ok(parseTcpOptions(bad, 0, bad.length, out) instanceof WireError);
});

test("parse: known kinds with wrong lengths are ignored like Linux, SACK needs 2+8n", () => {
  const b = withOptions([2, 3, 5, 3, 2, 5, 6, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  const h = parsed(b);
  assert.equal(h.mss, undefined);
  assert.equal(h.wscale, undefined);
  assert.deepEqual(h.sack, []);
  assert.deepEqual(tcpOptionList(h).map((o) => (o.kind === "unknown" ? `?${o.type}` : o.kind)), ["?2", "?3", "?5", "nop", "nop", "nop", "nop", "nop"]);
});

test("parse errors: truncated, bad-data-offset, bad-option — never throw", () => {
  const b = withOptions([2, 4, 0x05, 0xb4]);
  assert.equal(reason(parseTcp(b.subarray(0, 19), 0, 19)), "truncated");
  assert.equal(reason(parseTcp(b, 0, 19)), "truncated");
  assert.equal(reason(parseTcp(b, 6, b.length)), "truncated");
  // Data offset < 5.
  for (const doff of [0, 1, 4]) {
    const x = b.slice();
    x[12] = doff << 4;
    assert.equal(reason(parseTcp(x, 0, x.length)), "bad-data-offset");
  }
  // Header longer than the segment.
  const long = b.slice();
  long[12] = 15 << 4;
  assert.equal(reason(parseTcp(long, 0, long.length)), "bad-data-offset");
  // Header within the segment but not within buf (options split across buffers).
  assert.equal(reason(parseTcp(b.subarray(0, 22), 0, 100)), "truncated");
  // Option lengths: 0, 1, past the end, missing length byte.
  for (const opts of [[2, 0, 0, 0], [8, 1, 0, 0], [1, 1, 8, 10], [1, 1, 1, 2]]) {
    const x = withOptions(opts);
    assert.equal(reason(parseTcp(x, 0, x.length)), "bad-option", JSON.stringify(opts));
    assert.ok(parseTcpOptionList(x.subarray(20)) instanceof WireError);
  }
});

test("parse never throws on random bytes", () => {
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 255;
  for (let i = 0; i < 5000; i++) {
    const n = rnd() % 64;
    const b = new Uint8Array(n);
    for (let j = 0; j < n; j++) b[j] = rnd();
    const r = parseTcp(b, 0, n + (rnd() & 3));
    if (!(r instanceof WireError)) tcpOptionList(r);
  }
});

test("emit: writes exactly the header, pads options, rejects > 40 bytes of options", () => {
  const list = [{ kind: "mss", mss: 1460 }, { kind: "wscale", shift: 7 }] as const;
  const buf = new Uint8Array(40).fill(0xa5);
  const hl = emitTcp({ srcPort: 1, dstPort: 2, seq: 0xffffffff, ack: 5, flags: TCP_SYN | TCP_ACK | TCP_ECE, window: 1000, urgent: 3, options: list }, buf, 2);
  assert.equal(hl, 28);
  assert.equal(buf[1], 0xa5);
  assert.equal(buf[30], 0xa5);
  assert.equal(toHex(buf.subarray(2, 30)), "00010002ffffffff0000000570520" + "3e8" + "00000003" + "020405b4" + "03030700");
  const h = parsed(buf.subarray(2, 30));
  assert.equal(h.flags, TCP_SYN | TCP_ACK | TCP_ECE);
  assert.deepEqual([h.mss, h.wscale, h.urgent], [1460, 7, 3]);
  assert.throws(() => emitTcp({ srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: 0, window: 0, options: linuxTcpOptions({ tsVal: 1, sack: [1, 2, 3, 4, 5, 6, 7, 8] }) }, new Uint8Array(80), 0), RangeError);
  assert.throws(() => emitTcp({ srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: 0, window: 0, options: new Uint8Array(3) }, new Uint8Array(80), 0), RangeError);
  assert.equal(tcpEmitOptionsLength(undefined), 0);
  assert.equal(tcpEmitOptionsLength(linuxTcpOptions({ tsVal: 1, tsEcr: 1, sack: [1, 2, 3, 4, 5, 6] })), 40);
});

test("checksum: computed over pseudo header, header and split data; verified; corruption detected", () => {
  const src = 0x0a090002;
  const dst = 0x0a090001;
  const data = new TextEncoder().encode("hello, world!"); // odd length
  const head = new Uint8Array(32);
  const hl = emitTcp({ srcPort: 40001, dstPort: 9090, seq: 1, ack: 2, flags: TCP_ACK | TCP_PSH, window: 502, options: linuxTcpOptions({ tsVal: 5, tsEcr: 6 }) }, head, 0);
  const c = tcpChecksum(src, dst, head, 0, hl, data);
  writeTcpChecksum(head, 0, c);
  assert.ok(tcpChecksumOk(src, dst, head, 0, hl, data));
  // The same segment flat in one buffer.
  const flat = new Uint8Array(hl + data.length);
  flat.set(head.subarray(0, hl));
  flat.set(data, hl);
  assert.ok(tcpChecksumOk(src, dst, flat, 0, hl, flat, hl));
  flat[hl + 3] ^= 0x10;
  assert.ok(!tcpChecksumOk(src, dst, flat, 0, hl, flat, hl));
  assert.ok(!tcpChecksumOk(src, dst + 1, head, 0, hl, data));
  assert.ok(!tcpChecksumOk(src, dst, head, 0, hl, data, 0, data.length - 1));
  assert.equal(fromHex("00 01").length, 2);
});

test("parseTcpInto fills a reused record without allocating state, and matches parseTcp", () => {
  const out = newTcpHeader();
  const sackArray = out.sack;
  const a = withOptions([1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4]);
  assert.equal(parseTcpInto(a, 0, a.length, out), null);
  assert.deepEqual(out.sack, [1, 2, 3, 4]);
  assert.equal(out.sack, sackArray, "the SACK edges are refilled in the record's own array");
  assert.deepEqual({ ...out }, { ...parsed(a) });
  const b = withOptions([2, 4, 0x05, 0xb4]);
  assert.equal(parseTcpInto(b, 0, b.length, out), null);
  assert.deepEqual([out.mss, out.sack.length, out.headerLength, out.buf], [1460, 0, 24, b]);
  const c = withOptions([]);
  assert.equal(parseTcpInto(c, 0, c.length, out), null);
  assert.deepEqual([out.mss, out.sackOk, out.tsVal, out.headerLength], [undefined, false, undefined, 20]);
});

test("parseTcpInto: on bad-option the fixed fields and header length are filled (checksum first, then the option error)", () => {
  const x = withOptions([2, 0, 0, 0]);
  const out = newTcpHeader();
  assert.equal(reason(parseTcpInto(x, 0, x.length, out)), "bad-option");
  assert.deepEqual([out.srcPort, out.dstPort, out.seq, out.flags, out.headerLength], [9090, 47513, 1, TCP_SYN, 24]);
});

test("the named offsets are the header's layout", () => {
  const buf = new Uint8Array(20);
  writeTcpHeader(buf, 0, 0x0102, 0x0304, 0x05060708, 0x090a0b0c, 0x3f, 0x0d0e, 0x1112);
  assert.deepEqual([buf[TCP.SRC_PORT], buf[TCP.DST_PORT], buf[TCP.SEQ], buf[TCP.ACK], buf[TCP.DATA_OFFSET], buf[TCP.FLAGS], buf[TCP.WINDOW], buf[TCP.URGENT]],
    [1, 3, 5, 9, 0x50, 0x3f, 0x0d, 0x11]);
  const q = { srcPort: 0, dstPort: 0, seq: 0 };
  assert.equal(parseTcpQuoteInto(buf.subarray(0, TCP.QUOTE), 0, q), true);
  assert.deepEqual(q, { srcPort: 0x0102, dstPort: 0x0304, seq: 0x05060708 });
  assert.equal(parseTcpQuoteInto(buf.subarray(0, 7), 0, q), false);
});
