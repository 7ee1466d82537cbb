// IPv6 addresses, header, extension headers and ICMPv6/ND codecs, against
// glibc's inet_pton/inet_ntop (testdata/ipv6-inet-ntop.json, made on this
// machine) and packets captured from Linux on a veth pair
// (testdata/ipv6-veth.pcap, testdata/capture-ipv6.sh).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  bracketIpv6, eui64Address, formatIpv6Address, ipv6, ipv6CommonPrefixLen, ipv6InPrefix, ipv6Key, ipv6Mask, ipv6MulticastMacOf,
  ipv6Scope, isLinkLocal6, isV4Mapped, linkLocalFromMac, parseCidr6, parseIpv6Address, parseIpv6Text, solicitedNode, v4FromMapped, v4Mapped,
} from "./ipv6-address.js";
import {
  IPV6, NEXTHDR_FRAGMENT, NEXTHDR_ICMPV6, NEXTHDR_UDP, emitIpv6, ipv6ExtLength, ipv6OptionAction, newIpv6Header, parseIpv6,
  parseIpv6FragmentInto, parseIpv6Into, scanIpv6Options, writeIpv6FragmentHeader, type Ipv6Fragment, type Ipv6OptionScan,
} from "./ipv6.js";
import {
  ICMPV6_ECHO_REQUEST, ND_OPT_SOURCE_LL_ADDR, NDISC_NEIGHBOUR_SOLICITATION, emitIcmpv6, newNdOptions, parseIcmpv6, parseNdOptions,
  writeNdLinkLayerOption, writeNdMtuOption, writeNdPrefixOption,
} from "./icmpv6.js";
import { ETH_P_IPV6, formatMac } from "./ethernet.js";
import { Packet, finalizeChecksums } from "./packet.js";
import { WireError } from "./wire-error.js";
import { pcapRecords } from "./testdata/pcap-records.js";

const dir = new URL("./testdata/", import.meta.url);
const ntop = JSON.parse(readFileSync(new URL("ipv6-inet-ntop.json", dir), "utf8")) as [string, string | null][];
const frames = pcapRecords(new Uint8Array(readFileSync(new URL("ipv6-veth.pcap", dir))));
/** The IPv6 datagrams of the capture (Ethernet header stripped). */
const datagrams = frames.filter((f) => ((f.data[12]! << 8) | f.data[13]!) === ETH_P_IPV6).map((f) => f.data.subarray(14));

test("addresses: parse and format exactly as glibc inet_pton/inet_ntop on this machine", () => {
  assert.ok(ntop.length > 30);
  for (const [text, want] of ntop) {
    const a = parseIpv6Address(text);
    if (want === null) assert.equal(a, null, `inet_pton refuses ${JSON.stringify(text)}`);
    else {
      assert.ok(a, `inet_pton accepts ${JSON.stringify(text)}`);
      assert.equal(formatIpv6Address(a), want, text);
    }
  }
});

test("addresses: zones, v4-mapped, prefixes, scopes, keys", () => {
  const t = parseIpv6Text("fe80::1%eth0")!;
  assert.equal(formatIpv6Address(t.addr), "fe80::1");
  assert.equal(t.zone, "eth0");
  assert.equal(parseIpv6Text("fe80::1%"), null);
  assert.equal(bracketIpv6(t.addr, "eth0"), "[fe80::1%eth0]");
  const m = v4Mapped(0x0a000001);
  assert.equal(formatIpv6Address(m), "::ffff:10.0.0.1");
  assert.ok(isV4Mapped(m));
  assert.equal(v4FromMapped(m), 0x0a000001);
  assert.ok(!isV4Mapped(ipv6("::1")));
  assert.ok(ipv6InPrefix(ipv6("2001:db8::5"), ipv6("2001:db8::"), 64));
  assert.ok(!ipv6InPrefix(ipv6("2001:db9::5"), ipv6("2001:db8::"), 32));
  assert.ok(ipv6InPrefix(ipv6("fe80::1"), ipv6("fe80::"), 10));
  assert.ok(ipv6InPrefix(ipv6("febf::1"), ipv6("fe80::"), 10));
  assert.ok(!ipv6InPrefix(ipv6("fec0::1"), ipv6("fe80::"), 10));
  assert.equal(formatIpv6Address(ipv6Mask(ipv6("2001:db8:1:2:3:4:5:6"), 52)), "2001:db8:1::");
  assert.equal(ipv6CommonPrefixLen(ipv6("2001:db8::1"), ipv6("2001:db8::3")), 126);
  assert.equal(ipv6Scope(ipv6("::1")), 1);
  assert.equal(ipv6Scope(ipv6("fe80::1")), 2);
  assert.equal(ipv6Scope(ipv6("ff02::1")), 2);
  assert.equal(ipv6Scope(ipv6("ff05::1")), 5);
  assert.equal(ipv6Scope(ipv6("2001:db8::1")), 14);
  assert.ok(isLinkLocal6(ipv6("fe80::1")));
  assert.equal(ipv6Key(ipv6("::1")), "00000000000000000000000000000001");
  assert.deepEqual(parseCidr6("2001:db8::1/64"), { addr: ipv6("2001:db8::1"), prefixLen: 64 });
  assert.throws(() => parseCidr6("2001:db8::1/129"), TypeError);
  assert.throws(() => ipv6("1.2.3.4"), /not an IPv6 address/);
});

test("addresses: EUI-64 link-local, solicited-node group and its MAC, as Linux derives them (veth 02:00:00:00:00:01)", () => {
  // The capture's host had MAC 02:00:00:00:00:01 and link-local fe80::ff:fe00:1.
  assert.equal(formatIpv6Address(linkLocalFromMac(0x020000000001)), "fe80::ff:fe00:1");
  assert.equal(formatIpv6Address(eui64Address(ipv6("2001:db8::"), 0x001122334455)), "2001:db8::211:22ff:fe33:4455");
  const sn = solicitedNode(ipv6("fe80::ff:fe00:2"));
  assert.equal(formatIpv6Address(sn), "ff02::1:ff00:2");
  assert.equal(formatMac(ipv6MulticastMacOf(sn)), "33:33:ff:00:00:02");
  // The capture's frames to ff02::16 went to 33:33:00:00:00:16.
  assert.equal(formatMac(ipv6MulticastMacOf(ipv6("ff02::16"))), "33:33:00:00:00:16");
});

test("golden: every captured datagram's fixed header parses, and re-emits byte for byte into a 0xa5 buffer", () => {
  assert.ok(datagrams.length >= 14);
  const h = newIpv6Header();
  for (const d of datagrams) {
    assert.equal(parseIpv6Into(d, d.length, h), null);
    assert.equal(IPV6.HEADER + h.payloadLength, d.length);
    const out = new Uint8Array(40).fill(0xa5);
    emitIpv6({ ...h }, out, 0);
    assert.deepEqual(out, d.subarray(0, 40));
  }
  const echo = parseIpv6(datagrams[0]!) as ReturnType<typeof newIpv6Header>;
  assert.equal(formatIpv6Address(echo.src), "2001:db8::1");
  assert.equal(formatIpv6Address(echo.dst), "2001:db8::2");
  assert.equal(echo.flowLabel, 0x17ab2); // tcpdump -v: flowlabel 0x17ab2
  assert.equal(echo.hopLimit, 64);
  assert.equal(echo.nextHeader, NEXTHDR_ICMPV6);
});

test("golden: the fragments of a 3000-byte UDP datagram (id 0x97b3c9d1, 0|1448, 1448|1448, 2896|112)", () => {
  const frags = datagrams.filter((d) => d[6] === NEXTHDR_FRAGMENT);
  assert.equal(frags.length, 3);
  const f: Ipv6Fragment = { nextHeader: 0, offset: 0, mf: false, id: 0 };
  const seen: string[] = [];
  for (const d of frags) {
    assert.equal(ipv6ExtLength(d, 40, d.length, NEXTHDR_FRAGMENT), 8);
    parseIpv6FragmentInto(d, 40, f);
    assert.equal(f.nextHeader, NEXTHDR_UDP);
    assert.equal(f.id, 0x97b3c9d1);
    seen.push(`${f.offset}|${d.length - 48}${f.mf ? "+" : ""}`);
    const w = new Uint8Array(8).fill(0xa5);
    writeIpv6FragmentHeader(w, 0, f.nextHeader, f.offset, f.mf, f.id);
    assert.deepEqual(w, d.subarray(40, 48));
  }
  assert.deepEqual(seen, ["0|1448+", "1448|1448+", "2896|112"]);
});

test("golden: ICMPv6 checksums verify over the pseudo header; a flipped bit is bad-checksum", () => {
  let n = 0;
  for (const d of datagrams) {
    if (d[6] !== NEXTHDR_ICMPV6) continue;
    const h = parseIpv6(d) as ReturnType<typeof newIpv6Header>;
    const m = parseIcmpv6(d, 40, d.length - 40, new Uint8Array(0), h.src, h.dst);
    assert.ok(!(m instanceof WireError), String(m));
    n++;
    const bad = d.slice();
    bad[bad.length - 1]! ^= 1;
    const e = parseIcmpv6(bad, 40, bad.length - 40, new Uint8Array(0), h.src, h.dst);
    assert.ok(e instanceof WireError && e.reason === "bad-checksum");
  }
  assert.ok(n >= 10);
});

test("golden: finalizeChecksums computes the same ICMPv6 checksum Linux sent, and a correct UDP one", () => {
  const req = datagrams[0]!.slice();
  const want = (req[42]! << 8) | req[43]!;
  req[42] = req[43] = 0;
  const p = new Packet(req.subarray(0, 48), req.subarray(48), true);
  finalizeChecksums(p);
  assert.equal((p.head[42]! << 8) | p.head[43]!, want);
  // The capture's UDP datagrams carry offloaded (bad) checksums; tcpdump said what they should be: 0x901b.
  const udp = datagrams.find((d) => d[6] === NEXTHDR_UDP && d.length === 53)!.slice();
  const q = new Packet(udp, undefined, true);
  finalizeChecksums(q);
  assert.equal((q.head[46]! << 8) | q.head[47]!, 0x901b);
});

test("golden: neighbour solicitation fields and options; ND options re-emit", () => {
  const ns = datagrams.find((d) => d[40] === NDISC_NEIGHBOUR_SOLICITATION)!;
  assert.ok(ns);
  assert.equal(formatIpv6Address(ns.subarray(48, 64)), "2001:db8::2");
  const o = newNdOptions();
  assert.equal(parseNdOptions(ns, 64, ns.length, o), null);
  assert.equal(formatMac(o.sllao), "02:00:00:00:00:01");
  const w = new Uint8Array(8).fill(0xa5);
  writeNdLinkLayerOption(w, 0, ND_OPT_SOURCE_LL_ADDR, o.sllao);
  assert.deepEqual(w, ns.subarray(64, 72));
  // Prefix information and MTU round-trip.
  const b = new Uint8Array(40).fill(0xa5);
  writeNdPrefixOption(b, 0, { prefixLen: 64, onLink: true, autonomous: true, validLifetime: 86400, preferredLifetime: 14400, prefix: ipv6("2001:db8:1::") });
  writeNdMtuOption(b, 32, 1400);
  assert.equal(parseNdOptions(b, 0, 40, o), null);
  assert.equal(o.mtu, 1400);
  assert.equal(o.prefixes.length, 1);
  assert.equal(formatIpv6Address(o.prefixes[0]!.prefix), "2001:db8:1::");
  assert.equal(o.prefixes[0]!.validLifetime, 86400);
  assert.ok(o.prefixes[0]!.onLink && o.prefixes[0]!.autonomous);
  // RFC 4861 §4.6: an option of length 0 invalidates the message.
  const z = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal((parseNdOptions(z, 0, 8, o) as WireError).reason, "bad-option");
});

test("emitIcmpv6: an echo request round-trips with a valid checksum", () => {
  const src = ipv6("2001:db8::1"), dst = ipv6("2001:db8::2");
  const data = new TextEncoder().encode("abcdefgh");
  const buf = new Uint8Array(8).fill(0xa5);
  emitIcmpv6(ICMPV6_ECHO_REQUEST, 0, (0x1234 << 16) | 1, buf, 0, data, src, dst);
  // The same bytes as Linux's first echo request of the capture (id 0x1234, seq 1).
  assert.deepEqual(buf, datagrams[0]!.subarray(40, 48));
  const m = parseIcmpv6(buf, 0, 8, data, src, dst);
  assert.ok(!(m instanceof WireError));
  assert.equal(m.id, 0x1234);
  assert.equal(m.seq, 1);
});

test("parseIpv6Into: truncated, wrong version and short payload are reasoned errors", () => {
  const h = newIpv6Header();
  assert.equal(parseIpv6Into(new Uint8Array(39), 39, h)!.reason, "truncated");
  const d = datagrams[0]!.slice();
  d[0] = 0x45;
  assert.equal(parseIpv6Into(d, d.length, h)!.reason, "bad-version");
  assert.equal(parseIpv6Into(datagrams[0]!, datagrams[0]!.length - 1, h)!.reason, "truncated");
});

test("scanIpv6Options: pads pass, unknown options act by their two high bits (RFC 8200 §4.2)", () => {
  const s: Ipv6OptionScan = { badOffset: 0, badType: 0, malformed: false };
  // next, len 0 (8 bytes), Pad1, PadN(2 bytes of padding)... and an unknown skip-type option 0x1e.
  const hbh = new Uint8Array([17, 0, 0x00, 0x1e, 0x00, 0x01, 0x01, 0x00]);
  scanIpv6Options(hbh, 0, 8, () => false, s);
  assert.equal(s.badOffset, -1);
  assert.ok(!s.malformed);
  const bad = new Uint8Array([17, 0, 0x01, 0x00, 0x9e, 0x00, 0x01, 0x00]);
  scanIpv6Options(bad, 0, 8, () => false, s);
  assert.equal(s.badOffset, 4);
  assert.equal(ipv6OptionAction(s.badType), 2);
  scanIpv6Options(bad, 0, 8, (t) => t === 0x9e, s);
  assert.equal(s.badOffset, -1);
  const over = new Uint8Array([17, 0, 0x01, 0x09, 0, 0, 0, 0]);
  scanIpv6Options(over, 0, 8, () => false, s);
  assert.ok(s.malformed);
  assert.deepEqual([0x00, 0x40, 0x80, 0xc0].map(ipv6OptionAction), [0, 1, 2, 3]);
});

test("sys inet_pton/inet_ntop (AF_INET6) are the same text forms as glibc: one implementation", async () => {
  const { inet_pton, inet_ntop } = await import("../sys/inet.js");
  for (const [text, want] of ntop) {
    const b = inet_pton("AF_INET6", text);
    if (want === null) assert.equal(b, null, text);
    else assert.equal(inet_ntop("AF_INET6", b!), want, text);
  }
});
