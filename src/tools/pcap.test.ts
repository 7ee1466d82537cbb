// pcap / pcapng writers: structure checks always; a decode by the installed
// tshark (checksums verified, nothing malformed) when there is one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseIpv4 } from "../wire/ipv4.js";
import { EMPTY, Packet } from "../wire/packet.js";
import { WireError } from "../wire/wire-error.js";
import { GOLDEN } from "../wire/testdata/golden.js";
import { fromHex } from "../wire/testdata/hex.js";
import { LINKTYPE_RAW, pcapFile, PcapWriter, type CapturedPacket } from "./pcap.js";
import { LINKTYPE_IPV4, pcapngFile, PcapngWriter, type CapturedIfPacket } from "./pcapng.js";

/**
 * The golden packets as the stack would hand them to a tap: unfragmented
 * ones split into head + payload with checksums offloaded (zeroed fields),
 * fragments flat with only the IP checksum pending.
 */
function packets(): { p: Packet; final: Uint8Array; ifName: string }[] {
  return GOLDEN.map((g) => {
    const bytes = fromHex(g.hex);
    const ip = parseIpv4(bytes, bytes.length, false);
    if (ip instanceof WireError) throw new Error(ip.toString());
    const frag = ip.mf || ip.fragOffset !== 0;
    // What the wire will carry: lo's partial TCP/UDP checksums completed (values from tshark).
    const final = bytes.slice();
    const calc = g.tshark["tcp.checksum_calculated"] ?? g.tshark["udp.checksum_calculated"];
    if (calc !== undefined && !frag) {
      const at = ip.protocol === 6 ? 36 : ip.protocol === 17 ? 26 : 54; // 54: the UDP datagram quoted by an ICMP error
      final[at] = parseInt(calc, 16) >> 8;
      final[at + 1] = parseInt(calc, 16) & 255;
    }
    const head = final.slice();
    head[10] = head[11] = 0;
    let split = bytes.length;
    if (!frag) {
      const csum = ip.protocol === 6 ? 36 : ip.protocol === 17 ? 26 : 22;
      head[csum] = head[csum + 1] = 0;
      split = ip.protocol === 6 ? 20 + ((bytes[32]! >> 4) * 4) : 28;
    }
    const p = new Packet(head.slice(0, split), split < bytes.length ? final.subarray(split) : EMPTY, true);
    return { p, final: ip.protocol === 1 ? new Packet(final.slice(), EMPTY, true).bytes() : final, ifName: g.source === "lo" ? "lo" : "tun0" };
  });
}

test("pcap: global header and records (LINKTYPE_RAW, µs timestamps, snaplen)", () => {
  const w = new PcapWriter({ snaplen: 10, originUs: 1_000_000 });
  const h = new DataView(w.header().buffer);
  assert.equal(h.byteLength, 24);
  assert.deepEqual([h.getUint32(0, true), h.getUint16(4, true), h.getUint16(6, true), h.getUint32(16, true), h.getUint32(20, true)], [0xa1b2c3d4, 2, 4, 10, LINKTYPE_RAW]);
  const rec = w.packet(new Uint8Array(30).fill(7), 2_500_001);
  const r = new DataView(rec.buffer);
  assert.deepEqual([r.getUint32(0, true), r.getUint32(4, true), r.getUint32(8, true), r.getUint32(12, true), rec.length], [3, 500_001, 10, 30, 26]);
});

test("pcap/pcapng: offloaded packets are written with final checksums", () => {
  const all = packets();
  const file = pcapFile(all.map(({ p }, i) => ({ time: i, packet: p })));
  let o = 24;
  for (const { final } of all) {
    const v = new DataView(file.buffer, o);
    const n = v.getUint32(8, true);
    assert.deepEqual(file.subarray(o + 16, o + 16 + n), final);
    o += 16 + n;
  }
  assert.equal(o, file.length);
});

test("pcapng: block structure (SHB, one IDB per interface, EPBs with interface ids)", () => {
  const w = new PcapngWriter();
  const shb = w.header();
  const sv = new DataView(shb.buffer);
  assert.deepEqual([sv.getUint32(0, true), sv.getUint32(8, true), sv.getUint32(4, true) === shb.length, sv.getUint32(shb.length - 4, true) === shb.length], [0x0a0d0d0a, 0x1a2b3c4d, true, true]);
  const first = w.packet("eth0", new Uint8Array(21), 5, "out");
  const fv = new DataView(first.buffer);
  assert.equal(fv.getUint32(0, true), 1); // IDB first
  const idbLen = fv.getUint32(4, true);
  assert.equal(fv.getUint16(8, true), LINKTYPE_IPV4);
  assert.equal(fv.getUint32(idbLen, true), 6); // then the EPB
  assert.equal(fv.getUint32(idbLen + 8, true), 0); // interface 0
  assert.equal(first.length % 4, 0);
  const second = w.packet("eth1", new Uint8Array(3), 6);
  assert.equal(new DataView(second.buffer).getUint32(0, true), 1);
  const third = w.packet("eth0", new Uint8Array(3), 7);
  const tv = new DataView(third.buffer);
  assert.deepEqual([tv.getUint32(0, true), tv.getUint32(8, true), w.interfaceId("eth1")], [6, 0, 1]);
});

function tsharkAvailable(): boolean {
  return spawnSync("tshark", ["--version"], { encoding: "utf8" }).status === 0;
}

const FIELDS = ["frame.number", "frame.interface_name", "frame.time_epoch", "ip.checksum.status", "tcp.checksum.status", "udp.checksum.status", "icmp.checksum.status", "_ws.malformed", "_ws.expert.severity"];

function tshark(file: string): Record<string, string>[] {
  const args = ["-r", file, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"];
  for (const f of FIELDS) args.push("-e", f);
  const r = spawnSync("tshark", args, { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.replace(/\n$/, "").split("\n").map((line) => Object.fromEntries(line.split("\t").map((v, i) => [FIELDS[i]!, v])));
}

function assertClean(rows: Record<string, string>[], n: number): void {
  assert.equal(rows.length, n);
  for (const row of rows) {
    const id = `frame ${row["frame.number"]}`;
    assert.equal(row["_ws.malformed"], "", id);
    // Expert severities: 0x00800000 = error (bad checksum, malformed). Chat/note/warn are fine.
    for (const s of row["_ws.expert.severity"]!.split(",").filter(Boolean)) assert.notEqual(Number(s), 0x00800000, id);
    for (const f of ["ip.checksum.status", "tcp.checksum.status", "udp.checksum.status", "icmp.checksum.status"]) {
      for (const s of row[f]!.split(",").filter(Boolean)) assert.equal(s, "1", `${id} ${f}`); // 1 = good
    }
    assert.notEqual(row["ip.checksum.status"], "", id);
  }
}

test("I3: tshark decodes our pcap and pcapng (files Wireshark opens) with good checksums and nothing malformed", (t) => {
  if (!tsharkAvailable()) {
    t.skip("tshark not installed: decode check skipped");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "sockstack-pcap-"));
  try {
    const pcap = join(dir, "a.pcap");
    const recs: CapturedPacket[] = packets().map(({ p }, i) => ({ time: 1_000_000 * i + 42, packet: p }));
    writeFileSync(pcap, pcapFile(recs));
    const rows = tshark(pcap);
    assertClean(rows, recs.length);
    assert.equal(rows[3]!["frame.time_epoch"], "3.000042000");

    const pcapng = join(dir, "a.pcapng");
    const nrecs: CapturedIfPacket[] = packets().map(({ p, ifName }, i) => ({ time: 1000 * i, packet: p, ifName, direction: i % 2 ? "in" : "out" }));
    writeFileSync(pcapng, pcapngFile(nrecs));
    const nrows = tshark(pcapng);
    assertClean(nrows, nrecs.length);
    assert.deepEqual([...new Set(nrows.map((r) => r["frame.interface_name"]))], ["lo", "tun0"]);
    assert.equal(nrows[5]!["frame.time_epoch"], "0.005000000");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
