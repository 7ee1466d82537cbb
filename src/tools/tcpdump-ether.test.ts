// tcpdump -n and -e -n lines for Ethernet frames, compared with what the
// real tcpdump printed for the same pcap (testdata/ethernet-arp.*.txt, made
// by src/wire/testdata/capture-ethernet.sh).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { formatFrame } from "./tcpdump-ether.js";
import { TcpdumpFormatter } from "./tcpdump.js";
import { pcapRecords } from "../wire/testdata/pcap-records.js";

const frames = pcapRecords(new Uint8Array(readFileSync(new URL("../wire/testdata/ethernet-arp.pcap", import.meta.url)))).map((r) => r.data);
const lines = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), "utf8").trimEnd().split("\n");

/** The LLC payload tcpdump decodes further (STP) is printed only up to its LLC header. */
const llcOnly = (s: string) => s.replace(/(ctrl 0x03): STP .*$/, "$1");

test("tcpdump -e -n: link headers, 802.1Q tags, ARP and IPv4 lines exactly as the real tcpdump prints the kernel's frames", () => {
  const want = lines("ethernet-arp.tcpdump-ent.txt");
  const td = new TcpdumpFormatter();
  assert.equal(want.length, frames.length);
  for (const [i, f] of frames.entries()) assert.equal(formatFrame(f, td, { ether: true }), llcOnly(want[i]!), `frame ${i + 1}`);
});

test("tcpdump -n: ARP lines and IPv4 lines without the link header", () => {
  const want = lines("ethernet-arp.tcpdump-nt.txt");
  const td = new TcpdumpFormatter();
  for (const [i, f] of frames.entries()) {
    if (want[i]!.startsWith("STP")) continue; // tcpdump decodes STP; sockstack prints the LLC header only
    assert.equal(formatFrame(f, td), want[i], `frame ${i + 1}`);
  }
});

test("filters on frames: arp, ether host/src/dst, ether broadcast/multicast, ether proto, vlan; IP primitives read past the link header", async () => {
  const { compileFilter } = await import("./tcpdump-filter.js");
  const pick = (expr: string) => {
    const f = compileFilter(expr);
    return frames.map((fr, i) => {
      const vlan = fr[12] === 0x81 ? 4 : 0;
      return f(fr.subarray(14 + vlan), fr.length, fr) ? i + 1 : 0;
    }).filter((i) => i > 0);
  };
  assert.deepEqual(pick("arp"), [1, 2, 5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual(pick("ether broadcast"), [1, 5, 6, 7, 10, 11]);
  assert.deepEqual(pick("ether multicast"), [1, 5, 6, 7, 10, 11, 12]);
  assert.deepEqual(pick("broadcast and not vlan"), [1, 5, 6, 7, 10]);
  assert.deepEqual(pick("ether src 02:00:00:00:19:02"), [2, 4, 8]);
  assert.deepEqual(pick("ether dst 02:00:00:00:19:02 and not arp"), [3]);
  assert.deepEqual(pick("ether host 2:0:0:0:19:2 and ip"), [3, 4]);
  assert.deepEqual(pick("ether proto 0x0800"), [3, 4]);
  assert.deepEqual(pick("ether proto \\arp and vlan 7"), [11]);
  assert.deepEqual(pick("vlan 8"), []);
  assert.deepEqual(pick("udp port 9"), [3]);
  assert.deepEqual(pick("icmp"), [4]);
  // Without a frame (raw IP capture) link primitives select nothing.
  assert.equal(compileFilter("arp or ether broadcast")(frames[2]!.subarray(14)), false);
});

test("a simulated Ethernet capture: pcap and pcapng are LINKTYPE_ETHERNET, and tcpdump -e lines equal the real tcpdump's reading of that pcap", async () => {
  const { ethernetScenario } = await import("./testdata/ethernet-scenario.js");
  const { cap } = await ethernetScenario();
  const pcap = cap.pcap();
  assert.equal(new DataView(pcap.buffer, pcap.byteOffset).getUint32(20, true), 1);
  // The real tcpdump's text for this very file (regenerate with testdata/capture-ethernet-sim.sh).
  assert.deepEqual(cap.tcpdump({ ether: true, noTime: true }), lines("ethernet-sim.tcpdump-ent.txt"));
  assert.deepEqual(pcapRecords(pcap).map((r) => r.data), cap.records().map((r) => r.frame));
  const ng = cap.pcapng();
  const idbLinkType = new DataView(ng.buffer, ng.byteOffset).getUint16(new DataView(ng.buffer, ng.byteOffset).getUint32(4, true) + 8, true);
  assert.equal(idbLinkType, 1);
  // The subnet broadcast got no port unreachable (Linux never answers a broadcast with an ICMP error).
  assert.equal(cap.tcpdump({ noTime: true }).filter((l) => l.includes("unreachable")).length, 1);
  // Filters on the capture: only the ARP frames.
  const arp = (await ethernetScenario("arp")).cap;
  assert.equal(arp.records().length, 6);
  assert.ok(arp.tcpdump({ noTime: true }).every((l) => l.startsWith("ARP, ")));
});

test("ladder diagrams of an Ethernet capture draw ARP requests and replies as arrows", async () => {
  const { ethernetScenario } = await import("./testdata/ethernet-scenario.js");
  const { ladderEvents } = await import("./ladder.js");
  const { cap } = await ethernetScenario();
  const labels = ladderEvents(cap.records()).map((e) => `${e.from} > ${e.to}: ${e.label}`);
  assert.deepEqual(labels.slice(0, 3), [
    "10.219.0.1 > 10.219.0.2: ARP who-has 10.219.0.2",
    "10.219.0.2 > 10.219.0.1: ARP 10.219.0.2 is-at 02:00:00:00:19:02",
    `${labels[2]!.split(": ")[0]}: UDP 5`,
  ]);
  assert.ok(labels.includes("10.219.0.5 > 10.219.0.5: ARP announce 10.219.0.5"));
});
