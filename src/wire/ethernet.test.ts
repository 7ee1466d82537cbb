// Ethernet and ARP codecs against frames captured from this machine's
// kernel (testdata/capture-ethernet.sh) and their tshark decodes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  ETH_P_ARP, ETH_P_IP, ETHER, emitEthernetFrame, formatMac, ipv4MulticastMac, ipv6MulticastMac, isMulticastMac, localMacFrom,
  MAC_BROADCAST, newEthernetHeader, parseEthernet, parseEthernetInto, parseMac, readMac, vlanId, vlanPcp, writeEthernetHeader,
} from "./ethernet.js";
import { ARP, emitArp, newArpPacket, parseArp, parseArpInto, writeArp } from "./arp.js";
import { formatIpv4Address } from "./ipv4-address.js";
import { WireError } from "./wire-error.js";
import { pcapRecords } from "./testdata/pcap-records.js";

const dir = new URL("./testdata/", import.meta.url);
const frames = pcapRecords(new Uint8Array(readFileSync(new URL("ethernet-arp.pcap", dir))));
const tsv = readFileSync(new URL("ethernet-arp.tshark.tsv", dir), "utf8").trimEnd().split("\n");
const cols = tsv[0]!.split("\t");
const decodes = tsv.slice(1).map((l) => Object.fromEntries(l.split("\t").map((v, i) => [cols[i]!, v])) as Record<string, string>);

test("golden frames: the pcap is LINKTYPE_ETHERNET with one tshark decode per frame", () => {
  assert.equal(frames[0]!.linkType, 1);
  assert.equal(frames.length, decodes.length);
  assert.ok(frames.length >= 10);
});

test("golden frames: Ethernet headers parse as tshark decodes them, and re-emit byte for byte", () => {
  const h = newEthernetHeader();
  for (const [i, f] of frames.entries()) {
    const d = decodes[i]!;
    assert.equal(parseEthernetInto(f.data, 0, f.data.length, h), null, `frame ${i + 1}`);
    assert.equal(formatMac(h.dst), d["eth.dst"]);
    assert.equal(formatMac(h.src), d["eth.src"]);
    if (d["eth.len"]) {
      // IEEE 802.3 length frame: recognised, no EtherType.
      assert.equal(h.length, Number(d["eth.len"]));
      assert.equal(h.etherType, 0);
      continue;
    }
    assert.equal(h.length, -1);
    if (d["vlan.id"]) {
      assert.equal(vlanId(h.vlanTci), Number(d["vlan.id"]));
      assert.equal(vlanPcp(h.vlanTci), Number(d["vlan.priority"]));
      assert.equal(h.etherType, Number(d["vlan.etype"]));
      assert.equal(h.headerLength, ETHER.VLAN_HEADER);
    } else {
      assert.equal(h.etherType, Number(d["eth.type"]));
      assert.equal(h.vlanTci, -1);
    }
    const again = emitEthernetFrame(h.dst, h.src, h.etherType, f.data.subarray(h.headerLength), h.vlanTci);
    assert.deepEqual(again, f.data);
  }
});

test("golden frames: ARP packets parse as tshark decodes them and re-emit byte for byte", () => {
  let n = 0;
  for (const [i, f] of frames.entries()) {
    const d = decodes[i]!;
    if (!d["arp.opcode"]) continue;
    const h = parseEthernet(f.data);
    assert.ok(!(h instanceof WireError));
    assert.equal(h.etherType, ETH_P_ARP);
    const a = parseArp(f.data, h.headerLength);
    assert.ok(!(a instanceof WireError), `frame ${i + 1}`);
    assert.equal(a.op, Number(d["arp.opcode"]));
    assert.equal(formatMac(a.sha), d["arp.src.hw_mac"]);
    assert.equal(formatIpv4Address(a.spa), d["arp.src.proto_ipv4"]);
    assert.equal(formatMac(a.tha), d["arp.dst.hw_mac"]);
    assert.equal(formatIpv4Address(a.tpa), d["arp.dst.proto_ipv4"]);
    assert.deepEqual(emitArp(a), f.data.subarray(h.headerLength, h.headerLength + ARP.LENGTH));
    n++;
  }
  assert.ok(n >= 8);
});

test("emit into a buffer pre-filled with 0xa5 writes every byte of the header and the ARP packet", () => {
  const b = new Uint8Array(18 + 28).fill(0xa5);
  assert.equal(writeEthernetHeader(b, 0, MAC_BROADCAST, 0x020000001901, ETH_P_ARP, (3 << 13) | 7), 18);
  writeArp(b, 18, { op: 1, sha: 0x020000001901, spa: 0x0adb0701, tha: 0, tpa: 0x0adb0702 });
  assert.deepEqual(b, frames[10]!.data);
  const u = new Uint8Array(14).fill(0xa5);
  writeEthernetHeader(u, 0, 0x020000001902, 0x020000001901, ETH_P_IP);
  assert.deepEqual(u, frames[2]!.data.subarray(0, 14));
});

test("parse errors: truncated headers and tags, type/length 1501–1535, foreign ARP hardware", () => {
  const f = frames[10]!.data;
  assert.equal((parseEthernet(f.subarray(0, 13)) as WireError).reason, "truncated");
  assert.equal((parseEthernet(f.subarray(0, 16)) as WireError).reason, "truncated");
  const odd = f.slice(0, 14);
  odd[12] = 0x05;
  odd[13] = 0xfa; // 1530: neither a length nor a type
  assert.equal((parseEthernet(odd) as WireError).reason, "bad-type");
  const a = newArpPacket();
  assert.equal(parseArpInto(f, 18, 27, a)?.reason, "truncated");
  const tr = f.slice(18);
  tr[1] = 6; // IEEE 802 (token ring) hardware type
  assert.equal(parseArpInto(tr, 0, tr.length, a)?.reason, "bad-type");
});

test("MAC helpers: format/parse, group bit, multicast mappings, local random addresses", () => {
  assert.equal(parseMac("02:00:00:00:19:01"), 0x020000001901);
  assert.equal(parseMac("FF-FF-FF-FF-FF-FF"), MAC_BROADCAST);
  assert.throws(() => parseMac("02:00:00:00:19"), /bad MAC address/);
  assert.equal(formatMac(0x0180c2000000), "01:80:c2:00:00:00");
  assert.ok(isMulticastMac(MAC_BROADCAST) && isMulticastMac(0x01005e000001) && !isMulticastMac(0x020000001901));
  assert.equal(formatMac(ipv4MulticastMac(0xeffffffa)), "01:00:5e:7f:ff:fa"); // 239.255.255.250: low 23 bits
  assert.equal(formatMac(ipv6MulticastMac(0xff001902)), "33:33:ff:00:19:02"); // as in the kernel's NS above
  const m = localMacFrom(new Uint8Array([0xff, 1, 2, 3, 4, 5]));
  assert.equal(formatMac(m), "fe:01:02:03:04:05");
  const b = new Uint8Array(6);
  assert.equal(readMac(b, 0), 0);
});
