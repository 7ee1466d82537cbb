// Capture: taps, filters, virtual timestamps, directions; its tcpdump text
// (also -X) and pcap/pcapng checked by reading them back with the real
// tcpdump when it is installed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ms } from "../core/time.js";
import { fromHex } from "../wire/testdata/hex.js";
import { GOLDEN } from "../wire/testdata/golden.js";
import { Capture } from "./capture.js";
import { lectureScenario } from "../demo/lecture-scenario.js";
import { hexDump, TcpdumpFormatter } from "./tcpdump.js";

const tcpdump = ["/usr/bin/tcpdump", "/usr/sbin/tcpdump"].find((p) => existsSync(p));

test("hexDump is tcpdump -X's dump (even and odd lengths)", () => {
  const syn = fromHex(GOLDEN.find((g) => g.name === "syn")!.hex);
  assert.equal(hexDump(syn), [
    "\t0x0000:  4500 003c 24fc 4000 4006 17be 7f00 0001  E..<$.@.@.......",
    "\t0x0010:  7f00 0001 b999 2382 f806 59d5 0000 0000  ......#...Y.....",
    "\t0x0020:  a002 faf0 fe30 0000 0204 05b4 0402 080a  .....0..........",
    "\t0x0030:  fae2 49bf 0000 0000 0103 030a            ..I.........",
  ].join("\n"));
  const closed = fromHex(GOLDEN.find((g) => g.name === "udp-closed-port")!.hex);
  assert.equal(hexDump(closed).split("\n")[2], "\t0x0020:  6479 2068 6f6d 65                        dy.home");
  const td = new TcpdumpFormatter({ hex: true });
  assert.equal(td.format(closed, 0).split("\n")[0], "00:00:00.000000 IP 127.0.0.1.40000 > 127.0.0.1.9998: UDP, length 11");
});

async function lecture(filter?: string) {
  const sc = lectureScenario();
  const link = Capture.onLink(sc.link, { a: "client", b: "server", filter });
  const host = Capture.onHost(sc.server, { iface: "eth0", filter });
  await sc.net.advance(ms(1500));
  link.stop();
  host.stop();
  return { sc, link, host };
}

test("a link capture sees each packet out at the sender and in at the receiver; the dropped SYN only out", async () => {
  const { link } = await lecture("tcp");
  const out = link.records("out");
  const inn = link.records("in");
  // 3 clients × (SYN, SYN-ACK, ACK, data, ACK) + the 4th client's SYN and its retransmission at 1.8 s (not yet).
  assert.equal(out.length, 16);
  assert.equal(inn.length, 16); // the 4th SYN arrives; the server drops it (accept queue full), not the link
  assert.deepEqual(out.slice(0, 3).map((r) => [r.t, r.host, r.dir]), [[ms(200), "client", "out"], [ms(200) + 50, "server", "out"], [ms(200) + 100, "client", "out"]]);
  assert.deepEqual(inn[0]!.t, ms(200) + 50);
  assert.equal(link.tcpdump().length, 16); // a link's text view shows the out side
  assert.equal(link.tcpdump({ direction: "both" }).length, 32);
});

test("filters apply as packets are captured; -c stops keeping", async () => {
  const { link } = await lecture("tcp[tcpflags] & tcp-syn != 0 and dst port 9090");
  assert.equal(link.records("out").length, 4); // the four clients' SYNs
  const sc = lectureScenario();
  const two = Capture.onLink(sc.link, { count: 2 });
  await sc.net.advance(ms(1500));
  assert.deepEqual(two.records("out").length, 2); // SYN and SYN-ACK (the SYN's "in" record too)
  assert.equal(two.packets.length, 3);
  assert.throws(() => Capture.onHost(sc.server, { iface: "eth9" }), /tcpdump: eth9: No such device exists/);
});

test("I3: tcpdump -nn text with virtual timestamps, -i any style prefixes, -t", async () => {
  const { host } = await lecture("port 9090");
  const lines = host.tcpdump({ interfaces: true });
  assert.match(lines[0]!, /^00:00:00\.200050 eth0 {2}In {2}IP 10\.0\.0\.1\.\d+ > 10\.0\.0\.2\.9090: Flags \[S\], seq \d+, win 64240, options \[mss 1460,sackOK,TS val \d+ ecr 0,nop,wscale 10\], length 0$/);
  assert.match(lines[1]!, /^00:00:00\.200050 eth0 {2}Out IP 10\.0\.0\.2\.9090 > 10\.0\.0\.1\.\d+: Flags \[S\.\], seq \d+, ack \d+, win 65160, /);
  assert.match(host.tcpdump({ noTime: true })[0]!, /^IP 10\.0\.0\.1\./);
});

test("I3: pcap and pcapng read back by tcpdump print what the capture prints", { skip: !tcpdump && "tcpdump is not installed" }, async () => {
  const { link } = await lecture();
  const dir = mkdtempSync(join(tmpdir(), "sockstack-capture-"));
  try {
    const f1 = join(dir, "a.pcap");
    const f2 = join(dir, "a.pcapng");
    writeFileSync(f1, link.pcap());
    writeFileSync(f2, link.pcapng());
    const env = { ...process.env, TZ: "UTC" };
    for (const flags of [["-nn"], ["-nn", "-v"], ["-nn", "-X"]]) {
      const real = spawnSync(tcpdump!, [...flags, "-r", f1], { encoding: "utf8", env });
      assert.equal(real.status, 0, real.stderr);
      const ours = link.tcpdump({ verbose: flags.includes("-v") ? 1 : 0, hex: flags.includes("-X") });
      assert.deepEqual(ours.join("\n").split("\n"), real.stdout.trimEnd().split("\n"), flags.join(" "));
    }
    // pcapng: every record (both ends), one interface per host end, the direction of each.
    const ng = spawnSync(tcpdump!, ["-nn", "-r", f2], { encoding: "utf8", env });
    assert.equal(ng.status, 0, ng.stderr);
    assert.equal(ng.stdout.trimEnd().split("\n").length, link.packets.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pcapng has one interface description block per host end, and direction flags", async () => {
  const { link } = await lecture("tcp");
  const ng = link.pcapng();
  const dv = new DataView(ng.buffer, ng.byteOffset, ng.byteLength);
  const names: string[] = [];
  let flags = 0;
  for (let o = 0; o < ng.length; o += dv.getUint32(o + 4, true)) {
    const type = dv.getUint32(o, true);
    if (type === 1) {
      // IDB: options start at o + 16; the first is if_name (code 2).
      assert.equal(dv.getUint16(o + 16, true), 2);
      const n = dv.getUint16(o + 18, true);
      names.push(new TextDecoder().decode(ng.subarray(o + 20, o + 20 + n)));
    }
    if (type === 6) flags++;
  }
  assert.deepEqual(names, ["client:eth0", "server:eth0"]);
  assert.equal(flags, link.packets.length);
});
