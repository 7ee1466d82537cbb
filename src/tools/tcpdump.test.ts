// The formatter against real tcpdump: kernel captures (golden lines recorded
// from tcpdump 4.99) always; crafted and malformed packets written to a pcap
// and read back by the installed tcpdump when there is one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { internetChecksum } from "../wire/checksum.js";
import { emitIpv4, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from "../wire/ipv4.js";
import { ipv4 } from "../wire/ipv4-address.js";
import { Packet } from "../wire/packet.js";
import { linuxTcpOptions } from "../wire/tcp-options.js";
import { emitTcp, tcpChecksum, TCP_ACK, TCP_PSH, TCP_SYN, type TcpEmit } from "../wire/tcp.js";
import { GOLDEN } from "../wire/testdata/golden.js";
import { fromHex } from "../wire/testdata/hex.js";
import { pcapFile } from "./pcap.js";
import { formatTcpdumpTime, tcpdumpFlags, tcpdumpLine, TcpdumpFormatter } from "./tcpdump.js";

const A = ipv4("1.2.3.4");
const B = ipv4("5.6.7.8");

function cat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

interface IpOpts { total?: number; frag?: number; ihl?: number; ver?: number; ttl?: number; tos?: number; id?: number; src?: number; dst?: number; badSum?: boolean }

function ip(proto: number, payload: Uint8Array, o: IpOpts = {}): Uint8Array {
  const b = new Uint8Array(20 + payload.length);
  emitIpv4({ src: o.src ?? A, dst: o.dst ?? B, protocol: proto, payloadLength: payload.length, ttl: o.ttl ?? 64, tos: o.tos ?? 0, id: o.id ?? 1 }, b, 0, false);
  if (o.total !== undefined) b.set([o.total >> 8, o.total & 255], 2);
  if (o.frag !== undefined) b.set([o.frag >> 8, o.frag & 255], 6);
  if (o.ihl !== undefined || o.ver !== undefined) b[0] = ((o.ver ?? 4) << 4) | (o.ihl ?? 5);
  const c = internetChecksum(b, 0, 20);
  b.set(o.badSum ? [0xff, 0xff] : [c >> 8, c & 255], 10);
  b.set(payload, 20);
  return b;
}

function tcp(h: Partial<TcpEmit> & { flags: number }, data: Uint8Array = new Uint8Array(0), doff?: number, src = A, dst = B): Uint8Array {
  const b = new Uint8Array(60);
  const hl = emitTcp({ srcPort: 1000, dstPort: 2000, seq: 100, ack: 0, window: 1000, ...h }, b, 0);
  if (doff !== undefined) b[12] = doff << 4;
  const c = tcpChecksum(src, dst, b, 0, hl, data);
  b.set([c >> 8, c & 255], 16);
  return cat(b.subarray(0, hl), data);
}

function udp(data: Uint8Array, len = 8 + data.length, sp = 1000, dp = 2000): Uint8Array {
  return cat([sp >> 8, sp & 255, dp >> 8, dp & 255, len >> 8, len & 255, 0, 0], data);
}

const raw = (opts: number[]) => new Uint8Array(opts);
const text = (s: string) => new TextEncoder().encode(s);
const icmp = (type: number, code: number, rest: number[], body: Uint8Array = new Uint8Array(0), fixSum = false) => {
  const m = cat([type, code, 0, 0], rest, body);
  if (fixSum) {
    const c = internetChecksum(m);
    m.set([c >> 8, c & 255], 2);
  }
  return m;
};

/** Crafted packets: the normal shapes and the malformed ones tcpdump has special text for. */
function crafted(): Uint8Array[] {
  const pk: Uint8Array[] = [];
  // A connection with relative sequence numbers, SACK relative to the peer's ISN, both directions.
  const C = ipv4("10.0.0.1");
  const S = ipv4("10.0.0.2");
  const t = (h: Partial<TcpEmit> & { flags: number }, from: "c" | "s", data?: Uint8Array) =>
    ip(IPPROTO_TCP, from === "c" ? tcp({ srcPort: 47513, dstPort: 9090, ...h }, data, undefined, C, S) : tcp({ srcPort: 9090, dstPort: 47513, ...h }, data, undefined, S, C),
      from === "c" ? { src: C, dst: S } : { src: S, dst: C });
  pk.push(t({ flags: TCP_SYN, seq: 950459736, window: 64240, options: linuxTcpOptions({ mss: 1460, sackOk: true, tsVal: 4064991011, tsEcr: 0, wscale: 7 }) }, "c"));
  pk.push(t({ flags: TCP_SYN | TCP_ACK, seq: 2983131052, ack: 950459737, window: 65160, options: linuxTcpOptions({ mss: 1460, sackOk: true, tsVal: 584087531, tsEcr: 4064991011, wscale: 7 }) }, "s"));
  pk.push(t({ flags: TCP_ACK, seq: 950459737, ack: 2983131053, window: 502, options: linuxTcpOptions({ tsVal: 4064991012, tsEcr: 584087531 }) }, "c"));
  pk.push(t({ flags: TCP_ACK | TCP_PSH, seq: 950459737, ack: 2983131053, window: 502 }, "c", text("hello")));
  pk.push(t({ flags: TCP_ACK, seq: 2983131053, ack: 950459737, window: 509, options: linuxTcpOptions({ tsVal: 1, tsEcr: 2, sack: [950460737, 950461737, 950462737, 950463737] }) }, "s"));
  pk.push(t({ flags: 0x11, seq: 950459742, ack: 2983131053, window: 502 }, "c"));
  pk.push(t({ flags: 0x14, seq: 2983131053, ack: 950459743, window: 0 }, "s"));
  pk.push(t({ flags: 0x04, seq: 950459743, ack: 0, window: 0 }, "c"));
  pk.push(t({ flags: 0x52, seq: 1, ack: 0, window: 0 }, "c")); // SYN with ECE: a new conversation
  pk.push(t({ flags: 0xd2 | 0x20, seq: 7, ack: 2, window: 0, urgent: 9 }, "s"));
  // Same ports both ways: ordering by address.
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_ACK, srcPort: 5000, dstPort: 5000, seq: 10, ack: 20 }, undefined, undefined, B, A), { src: B, dst: A }));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_ACK, srcPort: 5000, dstPort: 5000, seq: 21, ack: 12 }, text("xy")), {}));
  // Malformed TCP.
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_SYN }).subarray(0, 10)));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_SYN }).subarray(0, 3)));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_SYN }).subarray(0, 16)));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_SYN }, undefined, 3)));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_SYN }, undefined, 15)));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_SYN, options: raw([2, 0, 0, 0]) })));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_SYN, options: raw([1, 1, 8, 10]) })));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_SYN, options: raw([2, 3, 5, 0]) })));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_SYN, options: raw([99, 4, 0xab, 0xcd]) })));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_SYN, options: raw([99, 2, 1, 0]) })));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_SYN, options: raw([28, 4, 0x01, 0x2d, 6, 6, 0, 0, 0, 9, 1, 1]) })));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_ACK, options: raw([1, 1, 5, 6, 0, 0, 0, 1]) })));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_ACK, options: raw([1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0]) })));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_SYN, options: raw([0, 2, 4, 5]) })));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: 0 })));
  pk.push(ip(IPPROTO_TCP, (() => { const x = tcp({ flags: TCP_ACK | TCP_PSH }, text("hello")); x[25] ^= 1; return x; })()));
  // UDP.
  pk.push(ip(IPPROTO_UDP, udp(text("abc"))));
  pk.push(ip(IPPROTO_UDP, udp(text("abc"), 5)));
  pk.push(ip(IPPROTO_UDP, udp(text("abc"), 100)));
  pk.push(ip(IPPROTO_UDP, udp(text("")).subarray(0, 4)));
  pk.push(ip(IPPROTO_UDP, udp(text("")).subarray(0, 2)));
  pk.push(ip(IPPROTO_UDP, udp(text("abc"), 3000), { frag: 0x2000 }));
  // IPv4.
  pk.push(ip(IPPROTO_UDP, udp(text("abc")), { total: 19 }));
  pk.push(ip(IPPROTO_UDP, udp(text("abc")), { total: 500 }));
  pk.push(ip(IPPROTO_UDP, udp(text("abc")), { ver: 5 }));
  pk.push(ip(IPPROTO_UDP, udp(text("abc")), { ihl: 4 }));
  pk.push(ip(IPPROTO_UDP, udp(text("abc")), { frag: 0x2000 | 185 }));
  pk.push(ip(IPPROTO_UDP, udp(text("abc")), { frag: 185 }));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_ACK }), { frag: 0xc000 }));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_SYN }), { frag: 0x2000 }));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_ACK }), { tos: 3, ttl: 0 }));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_ACK }), { tos: 0x12, id: 65535 }));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_ACK }), { tos: 0xb9 }));
  pk.push(ip(IPPROTO_TCP, tcp({ flags: TCP_ACK }), { badSum: true }));
  pk.push(ip(253, text("abcd")));
  // ICMP.
  const q = (proto: number, l4: Uint8Array, o: IpOpts = {}) => ip(proto, l4, o).subarray(0, 28);
  pk.push(ip(IPPROTO_ICMP, icmp(8, 0, [0, 5, 0, 1], fromHex("00112233445566778899"), true)));
  pk.push(ip(IPPROTO_ICMP, icmp(0, 0, [0, 5, 0, 1], fromHex("00112233445566778899"), true)));
  pk.push(ip(IPPROTO_ICMP, icmp(8, 0, [0, 5, 0, 1])));
  pk.push(ip(IPPROTO_ICMP, icmp(8, 0, []).subarray(0, 4)));
  pk.push(ip(IPPROTO_ICMP, icmp(11, 0, [0, 0, 0, 0], q(IPPROTO_UDP, udp(text("abcd")), { ttl: 1 }), true)));
  pk.push(ip(IPPROTO_ICMP, icmp(11, 1, [0, 0, 0, 0], q(IPPROTO_UDP, udp(text("abcd"))), true)));
  pk.push(ip(IPPROTO_ICMP, icmp(3, 4, [0, 0, 0x05, 0x78], q(IPPROTO_TCP, tcp({ flags: TCP_ACK | TCP_PSH }, text("0123456789"))), true)));
  pk.push(ip(IPPROTO_ICMP, icmp(3, 4, [0, 0, 0, 0], q(IPPROTO_TCP, tcp({ flags: TCP_ACK })), true)));
  pk.push(ip(IPPROTO_ICMP, icmp(3, 3, [0, 0, 0, 0], q(IPPROTO_TCP, tcp({ flags: TCP_ACK })), true)));
  pk.push(ip(IPPROTO_ICMP, icmp(3, 3, [0, 0, 0, 0], q(IPPROTO_UDP, udp(text("abcd")), { src: B, dst: A }), true)));
  pk.push(ip(IPPROTO_ICMP, icmp(3, 1, [0, 0, 0, 0], q(IPPROTO_TCP, tcp({ flags: TCP_ACK })), true)));
  pk.push(ip(IPPROTO_ICMP, icmp(3, 0, [0, 0, 0, 0], q(IPPROTO_TCP, tcp({ flags: TCP_ACK })))));
  pk.push(ip(IPPROTO_ICMP, icmp(3, 13, [0, 0, 0, 0], q(IPPROTO_TCP, tcp({ flags: TCP_ACK })), true)));
  pk.push(ip(IPPROTO_ICMP, icmp(3, 2, [0, 0, 0, 0], ip(253, text("abcdefgh")), true)));
  pk.push(ip(IPPROTO_ICMP, icmp(3, 99, [0, 0, 0, 0], q(IPPROTO_TCP, tcp({ flags: TCP_ACK })), true)));
  pk.push(ip(IPPROTO_ICMP, icmp(4, 0, [0, 0, 0, 0], q(IPPROTO_TCP, tcp({ flags: TCP_ACK })), true)));
  pk.push(ip(IPPROTO_ICMP, icmp(99, 0, [0, 0, 0, 0])));
  return pk;
}

function tcpdumpAvailable(): boolean {
  const r = spawnSync("tcpdump", ["--version"], { encoding: "utf8" });
  return r.status === 0;
}

/** Splits tcpdump output into one entry per packet (continuation lines start with blanks). */
function perPacket(out: string): string[] {
  const pk: string[] = [];
  for (const line of out.replace(/\n$/, "").split("\n")) {
    if ((line.startsWith(" ") || line.startsWith("\t")) && pk.length) pk[pk.length - 1] += `\n${line}`;
    else pk.push(line);
  }
  return pk;
}

test("golden: kernel captures print exactly like tcpdump -nn and -nn -v", () => {
  for (const source of ["lo", "tun"]) {
    const plain = new TcpdumpFormatter();
    const verbose = new TcpdumpFormatter({ verbose: 1 });
    for (const g of GOLDEN.filter((x) => x.source === source)) {
      const b = fromHex(g.hex);
      assert.equal(plain.format(b), g.tcpdump, g.name);
      assert.equal(verbose.format(b), g.tcpdumpV, g.name);
    }
  }
});

test("the brief's examples", () => {
  const td = new TcpdumpFormatter();
  const lines = crafted().slice(0, 8).map((p) => td.format(p));
  assert.equal(lines[0], "IP 10.0.0.1.47513 > 10.0.0.2.9090: Flags [S], seq 950459736, win 64240, options [mss 1460,sackOK,TS val 4064991011 ecr 0,nop,wscale 7], length 0");
  assert.equal(lines[1], "IP 10.0.0.2.9090 > 10.0.0.1.47513: Flags [S.], seq 2983131052, ack 950459737, win 65160, options [mss 1460,sackOK,TS val 584087531 ecr 4064991011,nop,wscale 7], length 0");
  assert.equal(lines[2], "IP 10.0.0.1.47513 > 10.0.0.2.9090: Flags [.], ack 1, win 502, options [nop,nop,TS val 4064991012 ecr 584087531], length 0");
  assert.equal(lines[3], "IP 10.0.0.1.47513 > 10.0.0.2.9090: Flags [P.], seq 1:6, ack 1, win 502, length 5");
  assert.equal(lines[4], "IP 10.0.0.2.9090 > 10.0.0.1.47513: Flags [.], ack 1, win 509, options [nop,nop,TS val 1 ecr 2,nop,nop,sack 2 {1001:2001}{3001:4001}], length 0");
  assert.equal(lines[5], "IP 10.0.0.1.47513 > 10.0.0.2.9090: Flags [F.], seq 6, ack 1, win 502, length 0");
  const c = crafted();
  const find = (re: RegExp) => c.map((p) => tcpdumpLine(p)).find((l) => re.test(l));
  assert.equal(find(/udp port/), "IP 1.2.3.4 > 5.6.7.8: ICMP 1.2.3.4 udp port 2000 unreachable, length 36");
  assert.equal(find(/need to frag \(/), "IP 1.2.3.4 > 5.6.7.8: ICMP 5.6.7.8 unreachable - need to frag (mtu 1400), length 36");
  assert.equal(find(/in-transit/), "IP 1.2.3.4 > 5.6.7.8: ICMP time exceeded in-transit, length 36");
  assert.equal(find(/echo request/), "IP 1.2.3.4 > 5.6.7.8: ICMP echo request, id 5, seq 1, length 18");
  assert.equal(find(/ip-proto-17$/), "IP 1.2.3.4 > 5.6.7.8: ip-proto-17");
  assert.equal(find(/bad-len/), "IP bad-len 19");
  assert.equal(find(/\[\|tcp\]/), "IP 1.2.3.4.1000 > 5.6.7.8.2000:  [|tcp]");
  assert.equal(find(/UDP, length 3$/), "IP 1.2.3.4.1000 > 5.6.7.8.2000: UDP, length 3");
});

test("crafted and malformed packets print exactly like the installed tcpdump", (t) => {
  if (!tcpdumpAvailable()) {
    t.skip("tcpdump not installed: comparison against the real tool skipped");
    return;
  }
  const pk = crafted();
  const dir = mkdtempSync(join(tmpdir(), "sockstack-tcpdump-"));
  try {
    const file = join(dir, "crafted.pcap");
    writeFileSync(file, pcapFile(pk.map((p, i) => ({ time: i * 1000, packet: p }))));
    for (const verbose of [0, 1]) {
      const r = spawnSync("tcpdump", ["-nn", "-t", ...(verbose ? ["-v"] : []), "-r", file], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      const want = perPacket(r.stdout);
      assert.equal(want.length, pk.length);
      const td = new TcpdumpFormatter({ verbose });
      pk.forEach((p, i) => assert.equal(td.format(p), want[i], `packet ${i} (-v ${verbose})`));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a Packet with offloaded checksums is printed as it will be on the wire, and not modified", () => {
  const g = GOLDEN.find((x) => x.name === "tun-sack-2")!;
  const bytes = fromHex(g.hex);
  const head = bytes.slice(0, 60);
  head[10] = head[11] = head[36] = head[37] = 0;
  const p = new Packet(head, bytes.subarray(60), true);
  const v = new TcpdumpFormatter({ verbose: 1 }).format(p);
  assert.match(v, /cksum 0x6449 \(correct\)/);
  assert.equal(p.csumPartial, true);
  assert.equal(head[36], 0);
});

test("timestamps and flags", () => {
  assert.equal(formatTcpdumpTime(0), "00:00:00.000000");
  assert.equal(formatTcpdumpTime(3_723_000_042), "01:02:03.000042");
  assert.equal(formatTcpdumpTime(25 * 3600 * 1e6 + 5), "01:00:00.000005");
  assert.equal(tcpdumpLine(crafted()[0]!, 1_000_200).slice(0, 19), "00:00:01.000200 IP ");
  assert.deepEqual([0x02, 0x12, 0x18, 0x11, 0x14, 0x10, 0x00, 0x30, 0xc2].map(tcpdumpFlags), ["S", "S.", "P.", "F.", "R.", ".", "none", ".U", "SEW"]);
});

test("formatter never throws on random bytes", () => {
  let s = 7;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 255;
  const td = new TcpdumpFormatter({ verbose: 1 });
  for (let i = 0; i < 3000; i++) {
    const b = new Uint8Array(rnd() % 80);
    for (let j = 0; j < b.length; j++) b[j] = rnd();
    if (b.length > 0 && rnd() & 1) b[0] = 0x45;
    if (b.length > 9 && rnd() & 1) b[9] = [1, 6, 17][rnd() % 3]!;
    assert.equal(typeof td.format(b), "string");
  }
});
