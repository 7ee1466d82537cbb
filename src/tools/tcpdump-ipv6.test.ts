// IPv6 and ICMPv6 lines against this machine's tcpdump 4.99.3: crafted
// packets (testdata/ipv6-crafted.py writes the pcap; the .txt files are
// `tcpdump -nn [-v] -r` of it, timestamps cut) and a kernel capture from a
// veth pair (src/wire/testdata/capture-ipv6.sh).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { TcpdumpFormatter } from "./tcpdump.js";
import { formatFrame } from "./tcpdump-ether.js";
import { pcapRecords } from "../wire/testdata/pcap-records.js";

const here = new URL("./testdata/", import.meta.url);
const wire = new URL("../wire/testdata/", import.meta.url);
const lines = (u: URL) => readFileSync(u, "utf8").trimEnd().split("\n");

test("crafted IPv6/ICMPv6 packets print exactly as tcpdump -nn prints them", () => {
  const recs = pcapRecords(new Uint8Array(readFileSync(new URL("ipv6-crafted.pcap", here))));
  const want = lines(new URL("ipv6-crafted.tcpdump.txt", here));
  assert.equal(recs[0]!.linkType, 229); // LINKTYPE_IPV6
  const td = new TcpdumpFormatter();
  assert.deepEqual(recs.map((r) => td.format(r.data)), want);
});

test("crafted packets with -v: header, checksums and first lines as tcpdump -nn -v (ND option lines excepted)", () => {
  const recs = pcapRecords(new Uint8Array(readFileSync(new URL("ipv6-crafted.pcap", here))));
  // tcpdump -v continues RA/RS/NS/NA with option lines (indented); sockstack prints the first line only.
  const want = lines(new URL("ipv6-crafted.tcpdump-v.txt", here)).filter((l) => l.startsWith("IP6 "));
  const td = new TcpdumpFormatter({ verbose: 1 });
  assert.deepEqual(recs.map((r) => td.format(r.data)), want);
});

test("a kernel capture (veth, Ethernet): echo, port unreachable, source fragments, link-local UDP, ND probes", () => {
  const recs = pcapRecords(new Uint8Array(readFileSync(new URL("ipv6-veth.pcap", wire))));
  const want = lines(new URL("ipv6-veth.tcpdump.txt", wire)).map((l) => l.slice(16));
  const td = new TcpdumpFormatter();
  assert.deepEqual(recs.map((r) => formatFrame(r.data, td)), want);
  const wantV = lines(new URL("ipv6-veth.tcpdump-v.txt", wire)).filter((l) => /^\d/.test(l)).map((l) => l.slice(16));
  const tdv = new TcpdumpFormatter({ verbose: 1 });
  assert.deepEqual(recs.map((r) => formatFrame(r.data, tdv)), wantV);
});

test("the link coming up: DAD, MLDv2 reports behind a hop-by-hop header, router solicitations", () => {
  const recs = pcapRecords(new Uint8Array(readFileSync(new URL("ipv6-linkup.pcap", wire))));
  const want = lines(new URL("ipv6-linkup.tcpdump.txt", wire)).map((l) => l.slice(16));
  const td = new TcpdumpFormatter();
  assert.deepEqual(recs.map((r) => formatFrame(r.data, td)), want);
});

test("sockstack's own IPv6 traffic (SLAAC, PTB, fragments, errors) prints as this machine's tcpdump printed its pcap", async () => {
  // testdata/ipv6-sim-routed.tcpdump.txt is `tcpdump -nn -r` of this capture's pcap (timestamps cut).
  const { Network } = await import("../sim/network.js");
  const { Capture } = await import("./capture.js");
  const { ms, sec } = await import("../core/time.js");
  const { ipv6 } = await import("../wire/ipv6-address.js");
  const net = new Network({ seed: 3 });
  const a = net.addHost("a"), r = net.addHost("r", { sysctl: { ipv6_forwarding: true } }), c = net.addHost("c");
  const l1 = net.link(a, r, { kind: "ethernet", latency: ms(1) });
  const l2 = net.link(r, c, { kind: "ethernet", latency: ms(1) });
  for (const i of [l2.aIface, l2.bIface]) (i.device as { mtu: number }).mtu = 1280;
  const cap = new Capture();
  cap.attach(l1.aIface.device as never, "a");
  for (const h of [a, r, c]) h.enableIpv6();
  r.addAddress(l1.bIface, "2001:db8:1::1/64");
  r.addAddress(l2.aIface, "2001:db8:2::1/64");
  await net.advance(sec(2));
  r.ip6.ndisc.advertise(l1.bIface, { prefixes: [{ prefix: ipv6("2001:db8:1::"), prefixLen: 64 }], mtu: 1500 });
  r.ip6.ndisc.advertise(l2.aIface, { prefixes: [{ prefix: ipv6("2001:db8:2::"), prefixLen: 64 }] });
  await net.advance(sec(10));
  const cAddr = c.ip6.addresses(l2.bIface).find((x) => x.autoconf)!.addr;
  const id = a.icmp6.openEcho({ reply: () => {}, error: () => {} });
  a.icmp6.sendEcho(cAddr, id, 1, new Uint8Array(1400));
  await net.advance(sec(1));
  a.icmp6.sendEcho(cAddr, id, 2, new Uint8Array(1400));
  await net.advance(sec(1));
  a.icmp6.sendEcho(cAddr, id, 3, new Uint8Array(8), 1);
  await net.advance(sec(1));
  a.icmp6.sendEcho(ipv6("2001:db8:77::1"), id, 4, new Uint8Array(8));
  await net.advance(sec(40));
  assert.deepEqual(cap.tcpdump().map((l) => l.slice(16)), lines(new URL("ipv6-sim-routed.tcpdump.txt", here)));
});
