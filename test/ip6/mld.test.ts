/**
 * MLDv2 (RFC 3810) as Linux 6.18 sends it: the reports of a link coming
 * up are the kernel's byte for byte (src/wire/testdata/ipv6-linkup.pcap,
 * same MACs), in the same pattern (from `::` at once and once more within
 * the unsolicited report interval, then from the link-local address when
 * DAD ends and once more), with the counters nstat showed on the kernel
 * (4 reports for the link, 2 for each later join and leave, none of the
 * neighbour's reports counted as Ip6InDiscards); a join's record is
 * CHANGE_TO_EXCLUDE, a leave's CHANGE_TO_INCLUDE; a General Query is
 * answered within its Maximum Response Delay with MODE_IS_EXCLUDE records.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Network } from "../../src/sim/network.js";
import { ms, sec } from "../../src/core/time.js";
import type { EthernetDevice, FrameHeader } from "../../src/link/ethernet.js";
import { ETH_P_IPV6 } from "../../src/wire/ethernet.js";
import { emitIcmpv6 } from "../../src/wire/icmpv6.js";
import { writeIpv6Header } from "../../src/wire/ipv6.js";
import { formatIpv6Address, ipv6 } from "../../src/wire/ipv6-address.js";
import { Packet } from "../../src/wire/packet.js";
import { pcapRecords } from "../../src/wire/testdata/pcap-records.js";
import { TcpdumpFormatter } from "../../src/tools/tcpdump.js";
import { formatFrame } from "../../src/tools/tcpdump-ether.js";

interface Report {
  t: number;
  src: string;
  records: [number, string][];
  bytes: Uint8Array;
}

/** Every MLDv2 report `dev` sends. */
function reports(net: Network, dev: EthernetDevice): Report[] {
  const out: Report[] = [];
  dev.frameTaps.push((h: FrameHeader, p: Packet, dir) => {
    if (dir !== "out" || h.etherType !== ETH_P_IPV6) return;
    const b = p.bytes();
    if (b[6] !== 0 || b[48] !== 143) return;
    const n = (b[54]! << 8) | b[55]!;
    const records: [number, string][] = [];
    for (let i = 0; i < n; i++) records.push([b[56 + 20 * i]!, formatIpv6Address(b.subarray(60 + 20 * i, 76 + 20 * i))]);
    out.push({ t: net.now(), src: formatIpv6Address(b.subarray(8, 24)), records, bytes: b.slice() });
  });
  return out;
}

function pair() {
  const net = new Network({ seed: 7 });
  const a = net.addHost("a"), b = net.addHost("b");
  const { aIface, bIface } = net.link(a, b, { kind: "ethernet", latency: ms(1), aMac: "02:00:00:00:00:01", bMac: "02:00:00:00:00:02", auto: false });
  return { net, a, b, aIface, bIface, aDev: aIface.device as EthernetDevice, bDev: bIface.device as EthernetDevice };
}

const wire = new URL("../../src/wire/testdata/", import.meta.url);

test("MLD: the link coming up — the kernel's report byte for byte, from :: and again, then from the link-local address after DAD and again; counters as nstat", async () => {
  const { net, a, b, aDev } = pair();
  const seen = reports(net, aDev);
  a.enableIpv6();
  b.enableIpv6();
  await net.advance(sec(4));
  // The kernel's first frame: 02:00:00:00:00:01's report for ff02::1:ff00:1 from ::, hop limit 1, router alert.
  const kernel = pcapRecords(new Uint8Array(readFileSync(new URL("ipv6-linkup.pcap", wire))));
  const first = kernel.find((r) => r.data[6 + 14 + 2] === 0 && r.data[11] === 1)!;
  assert.ok(first, "the capture has host 1's report");
  assert.deepEqual([...seen[0]!.bytes], [...first.data.subarray(14)], "the first report is the kernel's, byte for byte");
  const frame = new Uint8Array(first.data);
  frame.set(seen[0]!.bytes, 14);
  assert.equal(formatFrame(frame, new TcpdumpFormatter()), "IP6 :: > ff02::16: HBH ICMP6, multicast listener report v2, 1 group record(s), length 28", "as tcpdump prints it");
  assert.deepEqual(seen.map((r) => [r.src, r.records]), [
    ["::", [[4, "ff02::1:ff00:1"]]], ["::", [[4, "ff02::1:ff00:1"]]],
    ["fe80::ff:fe00:1", [[4, "ff02::1:ff00:1"]]], ["fe80::ff:fe00:1", [[4, "ff02::1:ff00:1"]]],
  ], "the kernel's pattern: two from ::, two from the link-local address (to_ex, the solicited-node group)");
  assert.equal(seen[0]!.t, 0, "the first at link up");
  assert.ok(seen[1]!.t - seen[0]!.t < sec(1), "the repeat within the unsolicited report interval (1 s)");
  const ll = a.ip6.addresses(a.ip.interfaces.find((i) => i.device === aDev)!).find((x) => x.addr[0] === 0xfe)!;
  assert.equal(ll.state, "preferred", "DAD passed");
  assert.ok(seen[3]!.t - seen[2]!.t < sec(1), "the post-DAD repeat within 1 s");
  // nstat on the kernel after the link came up: Icmp6OutMLDv2Reports 4, Icmp6OutType143 4, Ip6InDiscards 0.
  assert.equal(a.counters.Icmp6.OutMLDv2Reports, 4, "Icmp6OutMLDv2Reports");
  assert.equal(a.counters.Icmp6.OutType143, 4, "Icmp6OutType143");
  assert.equal(a.counters.Ip6.InDiscards ?? 0, 0, "the neighbour's reports to ff02::16 are dropped uncounted");
  assert.equal(a.counters.Icmp6.InMLDv2Reports ?? 0, 0, "and not delivered");
});

test("MLD: a new address's solicited-node group is reported joined (to_ex) twice, its removal left (to_in) twice; IPv4-only hosts send none", async () => {
  const { net, a, aIface, aDev } = pair();
  const seen = reports(net, aDev);
  a.enableIpv6();
  await net.advance(sec(5));
  const before = seen.length;
  a.addAddress(aIface, "2001:db8::1:1/64");
  await net.advance(sec(3));
  const joins = seen.slice(before);
  assert.equal(joins.length, 2, "two reports for the join (nstat on the kernel: Icmp6OutMLDv2Reports 2)");
  for (const r of joins) assert.ok(r.records.some(([t, g]) => t === 4 && g === "ff02::1:ff01:1"), `to_ex ff02::1:ff01:1 in ${JSON.stringify(r.records)}`);
  assert.ok(joins.every((r) => r.src === "fe80::ff:fe00:1"), "from the link-local address");
  const mid = seen.length;
  a.ip6.addrconf.removeAddress(aIface, ipv6("2001:db8::1:1"));
  await net.advance(sec(3));
  assert.deepEqual(seen.slice(mid).map((r) => r.records), [[[3, "ff02::1:ff01:1"]], [[3, "ff02::1:ff01:1"]]], "two to_in reports for the leave");
  const quiet = pair();
  const none = reports(quiet.net, quiet.aDev);
  await quiet.net.advance(sec(5));
  assert.equal(none.length, 0, "IPv6 off (sockstack's default on links): no reports");
});

test("MLD: a General Query from a router's link-local address is answered within its Maximum Response Delay with every group, MODE_IS_EXCLUDE", async () => {
  const { net, a, b, aDev, bDev } = pair();
  const seen = reports(net, aDev);
  a.enableIpv6();
  b.enableIpv6();
  await net.advance(sec(5));
  const before = seen.length;
  // An MLDv2 General Query (28 bytes, Maximum Response Code 1000 ms) to ff02::1, hop limit 1, from b's link-local address.
  const src = ipv6("fe80::ff:fe00:2"), dst = ipv6("ff02::1");
  const q = new Uint8Array(40 + 8 + 28);
  q.set([58, 0, 5, 2, 0, 0, 1, 0], 40);
  const body = new Uint8Array(20);
  body[16] = 2; // QRV 2
  body[17] = 125; // QQIC
  emitIcmpv6(130, 0, (1000 << 16) >>> 0, q, 48, body, src, dst);
  q.set(body, 56);
  writeIpv6Header(q, 0, src, dst, 0, q.length - 40, 1, 0, 0);
  bDev.sendFrame(0x333300000001, ETH_P_IPV6, new Packet(q));
  await net.advance(sec(2));
  const answer = seen.slice(before);
  assert.equal(a.counters.Icmp6.InGroupMembQueries, 1, "Icmp6InGroupMembQueries");
  assert.equal(answer.length, 1, "one report answers it");
  assert.deepEqual(answer[0]!.records, [[2, "ff02::1:ff00:1"]], "MODE_IS_EXCLUDE for the solicited-node group (not ff02::1)");
  assert.ok(answer[0]!.t < sec(5) + ms(1001), "within the Maximum Response Delay");
});

test("MLD in tcpdump: queries (v1, v2 general and address-specific, with sources) and v2 reports with their records print as this machine's tcpdump -nn, -v and -vv", () => {
  const here = new URL("../../src/tools/testdata/", import.meta.url);
  const recs = pcapRecords(new Uint8Array(readFileSync(new URL("mld-crafted.pcap", here))));
  for (const [verbose, file] of [[0, "mld-crafted.tcpdump.txt"], [1, "mld-crafted.tcpdump-v.txt"], [2, "mld-crafted.tcpdump-vv.txt"]] as const) {
    const want = readFileSync(new URL(file, here), "utf8").split("\n").filter(Boolean);
    const td = new TcpdumpFormatter({ verbose });
    assert.deepEqual(recs.map((r) => formatFrame(r.data, td)), want, `${file} (mld-crafted.py)`);
  }
});
