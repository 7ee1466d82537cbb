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
