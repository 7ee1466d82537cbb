// Golden packets captured from the Linux kernel (testdata/golden.ts): parse
// and compare with tshark's decode, re-emit byte for byte (checksums from our
// functions), and finalize checksums of split packets like the kernel.
import { test } from "node:test";
import assert from "node:assert/strict";
import { foldChecksum, pseudoHeaderSum } from "./checksum.js";
import { emitIcmp, parseIcmp, ICMP } from "./icmp.js";
import { emitIpv4, parseIpv4, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, type Ipv4Header } from "./ipv4.js";
import { formatIpv4Address } from "./ipv4-address.js";
import { EMPTY, finalizeChecksums, Packet } from "./packet.js";
import { emitTcp, parseTcp, tcpChecksum, tcpChecksumOk, tcpOptionList, tcpRawOptions, type TcpHeader } from "./tcp.js";
import { linuxTcpOptions } from "./tcp-options.js";
import { emitUdp, parseUdp, udpChecksum, udpChecksumOk } from "./udp.js";
import { WireError } from "./wire-error.js";
import { GOLDEN, type GoldenPacket } from "./testdata/golden.js";
import { fromHex } from "./testdata/hex.js";

const KIND_NUM: Record<string, number> = { eol: 0, nop: 1, mss: 2, wscale: 3, "sack-permitted": 4, sack: 5, timestamp: 8 };

function num(v: string | undefined): number | undefined {
  return v === undefined ? undefined : Number(v);
}

/** The outer header's value of a field that ICMP errors repeat for the quoted datagram. */
function outer(v: string | undefined): string | undefined {
  return v?.split(",")[0];
}

function ok<T>(r: T | WireError): T {
  if (r instanceof WireError) assert.fail(`unexpected ${r.toString()}`);
  return r;
}

function ip(g: GoldenPacket): { bytes: Uint8Array; h: Ipv4Header } {
  const bytes = fromHex(g.hex);
  return { bytes, h: ok(parseIpv4(bytes)) };
}

const isFragment = (h: Ipv4Header) => h.mf || h.fragOffset !== 0;
/** lo passes TCP/UDP with CHECKSUM_PARTIAL: the captured field is not final. */
const partial = (g: GoldenPacket, l4: "tcp" | "udp") => g.tshark[`${l4}.checksum.status`] === "0";

test("golden: fixture is complete", () => {
  assert.ok(GOLDEN.length >= 39);
  for (const name of ["syn", "syn-ack", "rst-abort", "refused-rst-ack", "udp-data", "icmp-port-unreach", "udp-frag-2", "icmp-echo-reply", "tun-sack-3"]) {
    assert.ok(GOLDEN.some((g) => g.name === name), name);
  }
});

test("golden: IPv4 headers match tshark and re-emit byte for byte", () => {
  for (const g of GOLDEN) {
    const { bytes, h } = ip(g);
    const t = g.tshark;
    assert.equal(h.totalLength, num(outer(t["ip.len"])), g.name);
    assert.equal(h.totalLength, bytes.length, g.name);
    assert.equal(h.id, parseInt(outer(t["ip.id"])!, 16), g.name);
    assert.equal(h.ttl, num(outer(t["ip.ttl"])), g.name);
    assert.equal(h.df, outer(t["ip.flags.df"]) === "1", g.name);
    assert.equal(h.mf, outer(t["ip.flags.mf"]) === "1", g.name);
    assert.equal(h.fragOffset / 8, num(outer(t["ip.frag_offset"])), g.name); // tshark 4.0: 8-byte units
    assert.equal(h.protocol, num(outer(t["ip.proto"])), g.name);
    assert.equal(h.checksum, parseInt(t["ip.checksum"]!.split(",")[0]!, 16), g.name);
    assert.equal(formatIpv4Address(h.src), t["ip.src"]!.split(",")[0], g.name);
    assert.equal(formatIpv4Address(h.dst), t["ip.dst"]!.split(",")[0], g.name);
    const out = new Uint8Array(20).fill(0xa5);
    emitIpv4({ src: h.src, dst: h.dst, protocol: h.protocol, payloadLength: h.totalLength - 20, ttl: h.ttl, tos: h.tos, id: h.id, df: h.df, mf: h.mf, fragOffset: h.fragOffset }, out, 0);
    assert.deepEqual(out, bytes.subarray(0, 20), g.name);
  }
});

function checkTcpFields(g: GoldenPacket, h: TcpHeader): void {
  const t = g.tshark;
  assert.equal(h.srcPort, num(t["tcp.srcport"]), g.name);
  assert.equal(h.dstPort, num(t["tcp.dstport"]), g.name);
  assert.equal(h.seq, num(t["tcp.seq_raw"]), g.name);
  assert.equal(h.ack, num(t["tcp.ack_raw"]), g.name);
  assert.equal(h.headerLength, num(t["tcp.hdr_len"]), g.name);
  assert.equal(h.flags, parseInt(t["tcp.flags"]!, 16), g.name);
  assert.equal(h.window, num(t["tcp.window_size_value"]), g.name);
  assert.equal(h.checksum, parseInt(t["tcp.checksum"]!, 16), g.name);
  assert.equal(h.urgent, num(t["tcp.urgent_pointer"]), g.name);
  assert.equal(h.mss, num(t["tcp.options.mss_val"]), g.name);
  assert.equal(h.wscale, num(t["tcp.options.wscale.shift"]), g.name);
  assert.equal(h.sackOk, t["tcp.options.sack_perm"] !== undefined, g.name);
  assert.equal(h.tsVal, num(t["tcp.options.timestamp.tsval"]), g.name);
  assert.equal(h.tsEcr, num(t["tcp.options.timestamp.tsecr"]), g.name);
  if (t["tcp.options.sack_le"] === undefined) assert.deepEqual(h.sack, [], g.name);
  else {
    const le = t["tcp.options.sack_le"].split(",").map(Number);
    const re = t["tcp.options.sack_re"]!.split(",").map(Number);
    assert.deepEqual(h.sack, le.flatMap((l, i) => [l, re[i]]), g.name);
  }
  const kinds = tcpOptionList(h).map((o) => KIND_NUM[o.kind]);
  assert.deepEqual(kinds, t["tcp.option_kind"] ? t["tcp.option_kind"].split(",").map(Number) : [], g.name);
}

test("golden: TCP segments match tshark; emit from the repr (list and Linux layout) gives the kernel's bytes", () => {
  let n = 0;
  for (const g of GOLDEN) {
    const { bytes, h: iph } = ip(g);
    if (iph.protocol !== IPPROTO_TCP) continue;
    n++;
    const l4 = iph.totalLength - iph.headerLength;
    const h = ok(parseTcp(bytes, iph.headerLength, l4));
    checkTcpFields(g, h);
    const data = bytes.subarray(iph.headerLength + h.headerLength);
    assert.equal(data.length, num(g.tshark["tcp.len"]), g.name);
    const want = bytes.slice(iph.headerLength, iph.headerLength + h.headerLength);
    const calc = parseInt(g.tshark["tcp.checksum_calculated"]!, 16);
    want[16] = calc >>> 8;
    want[17] = calc & 255;
    // From the ordered list, from raw bytes, and from the named fields in Linux's layout.
    for (const options of [tcpOptionList(h), tcpRawOptions(h), linuxTcpOptions(h), h]) {
      const out = new Uint8Array(h.headerLength + 8).fill(0xa5);
      const hl = emitTcp({ ...h, options }, out, 4);
      assert.equal(hl, h.headerLength, g.name);
      assert.deepEqual(out.subarray(0, 4), new Uint8Array(4).fill(0xa5), `${g.name}: wrote before`);
      assert.deepEqual(out.subarray(4 + hl), new Uint8Array(4).fill(0xa5), `${g.name}: wrote after`);
      assert.equal(out[4 + 16], 0);
      assert.equal(out[4 + 17], 0);
      const c = tcpChecksum(iph.src, iph.dst, out, 4, hl, data);
      assert.equal(c, calc, `${g.name}: checksum`);
      out[4 + 16] = c >>> 8;
      out[4 + 17] = c & 255;
      assert.deepEqual(out.subarray(4, 4 + hl), want, `${g.name}: bytes`);
      assert.ok(tcpChecksumOk(iph.src, iph.dst, out, 4, hl, data), g.name);
    }
    assert.equal(tcpChecksumOk(iph.src, iph.dst, bytes, iph.headerLength, h.headerLength, data), !partial(g, "tcp"), g.name);
  }
  assert.ok(n >= 30);
});

test("golden: lo's CHECKSUM_PARTIAL field holds the folded pseudo-header sum", () => {
  let n = 0;
  for (const g of GOLDEN) {
    const { bytes, h } = ip(g);
    const l4 = h.protocol === IPPROTO_TCP ? "tcp" : h.protocol === IPPROTO_UDP ? "udp" : null;
    if (!l4 || isFragment(h) || !partial(g, l4)) continue;
    n++;
    const field = parseInt(g.tshark[`${l4}.checksum`]!, 16);
    const pseudo = ~foldChecksum(pseudoHeaderSum(h.src, h.dst, h.protocol, h.totalLength - h.headerLength)) & 0xffff;
    assert.equal(field, pseudo, g.name);
    void bytes;
  }
  assert.ok(n >= 20);
});

test("golden: UDP datagrams match tshark and re-emit", () => {
  let n = 0;
  for (const g of GOLDEN) {
    const { bytes, h: iph } = ip(g);
    if (iph.protocol !== IPPROTO_UDP || isFragment(iph)) continue;
    n++;
    const u = ok(parseUdp(bytes, 20, iph.totalLength - 20));
    assert.equal(u.srcPort, num(g.tshark["udp.srcport"]), g.name);
    assert.equal(u.dstPort, num(g.tshark["udp.dstport"]), g.name);
    assert.equal(u.length, num(g.tshark["udp.length"]), g.name);
    assert.equal(u.checksum, parseInt(g.tshark["udp.checksum"]!, 16), g.name);
    const data = bytes.subarray(28);
    const out = new Uint8Array(12).fill(0xa5);
    assert.equal(emitUdp(u.srcPort, u.dstPort, data.length, out, 2), 8);
    assert.deepEqual([out[0], out[1], out[10], out[11]], [0xa5, 0xa5, 0xa5, 0xa5]);
    const c = udpChecksum(iph.src, iph.dst, out, 2, data);
    assert.equal(c, parseInt(g.tshark["udp.checksum_calculated"]!, 16), g.name);
    out[8] = c >>> 8;
    out[9] = c & 255;
    assert.ok(udpChecksumOk(iph.src, iph.dst, out, 2, data));
    const want = bytes.slice(20, 28);
    want[6] = c >>> 8;
    want[7] = c & 255;
    assert.deepEqual(out.subarray(2, 10), want, g.name);
  }
  assert.equal(n, 3);
});

test("golden: ICMP messages match tshark and re-emit", () => {
  let n = 0;
  for (const g of GOLDEN) {
    const { bytes, h: iph } = ip(g);
    if (iph.protocol !== IPPROTO_ICMP) continue;
    n++;
    const m = ok(parseIcmp(bytes, 20, iph.totalLength - 20, EMPTY));
    assert.equal(m.type, num(g.tshark["icmp.type"]), g.name);
    assert.equal(m.code, num(g.tshark["icmp.code"]), g.name);
    assert.equal(m.checksum, parseInt(g.tshark["icmp.checksum"]!, 16), g.name);
    if (g.tshark["icmp.seq"] !== undefined) assert.equal(m.seq, num(g.tshark["icmp.seq"]), g.name);
    const body = bytes.subarray(20 + ICMP.HEADER);
    const out = new Uint8Array(ICMP.HEADER + 2).fill(0xa5);
    const echo = m.type === 0 || m.type === 8;
    emitIcmp(echo ? { type: m.type, code: m.code, id: m.id, seq: m.seq } : { type: m.type, code: m.code }, out, 1, body);
    assert.equal(out[0], 0xa5);
    assert.equal(out[9], 0xa5);
    assert.deepEqual(out.subarray(1, 9), bytes.subarray(20, 28), g.name);
  }
  assert.equal(n, 3);
});

test("golden: finalizeChecksums on a head+payload split gives the kernel's final bytes", () => {
  let n = 0;
  for (const g of GOLDEN) {
    const { bytes, h: iph } = ip(g);
    if (isFragment(iph)) continue;
    let l4h: number;
    const want = bytes.slice();
    if (iph.protocol === IPPROTO_TCP) {
      l4h = ok(parseTcp(bytes, 20, iph.totalLength - 20)).headerLength;
      const c = parseInt(g.tshark["tcp.checksum_calculated"]!, 16);
      want[36] = c >>> 8;
      want[37] = c & 255;
    } else if (iph.protocol === IPPROTO_UDP) {
      l4h = 8;
      const c = parseInt(g.tshark["udp.checksum_calculated"]!, 16);
      want[26] = c >>> 8;
      want[27] = c & 255;
    } else {
      l4h = 8;
    }
    for (const split of [20 + l4h, bytes.length]) {
      const head = bytes.slice(0, split);
      // Scribble on the checksum fields: finalize must overwrite them.
      head[10] = head[11] = 0x5a;
      const csum = iph.protocol === IPPROTO_TCP ? 36 : iph.protocol === IPPROTO_UDP ? 26 : 22;
      head[csum] = head[csum + 1] = 0x5a;
      const p = new Packet(head, split < bytes.length ? bytes.subarray(split) : EMPTY, true);
      assert.deepEqual(p.bytes(), want, `${g.name} split ${split}`);
      assert.equal(p.csumPartial, false);
      n++;
    }
  }
  assert.ok(n >= 60);
});

test("golden: a final packet is left untouched by finalizeChecksums", () => {
  const g = GOLDEN.find((x) => x.name === "tun-sack-3")!;
  const bytes = fromHex(g.hex);
  const p = new Packet(bytes.slice(), EMPTY, false);
  p.head[36] ^= 0xff; // a corrupted checksum must stay corrupted
  finalizeChecksums(p);
  assert.notDeepEqual(p.head, bytes);
});
