// tcpdump on any host of a lab run (host-tcpdump.ts): the capture point's
// view is the demo's, another host sees its own side, -i any/lo, filters,
// -c, errors as tcpdump words them, a view kept up to date as the run goes
// equal to one formatted at the end, and its pcap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LabSession } from "./session.js";
import { TcpdumpFormatter } from "../tools/tcpdump.js";
import { pcapRecords } from "../wire/testdata/pcap-records.js";

test("tcpdump on the server's eth0 is the capture point's (the demo's lines); the client sees the same packets from its side", async () => {
  const s = new LabSession(0);
  await s.advanceTo(2_000_000);
  const server = s.tcpdump("server", "-nn -i eth0");
  assert.deepEqual(server.lines, s.tcpdumpLines(), "the capture point's lines");
  assert.equal(server.iface, "eth0");
  assert.equal(s.tcpdump("server", "-nn").iface, "eth0", "no -i: the first interface other than lo");
  const client = s.tcpdump("client", "-nn");
  assert.equal(client.lines.length, server.lines.length, "a point-to-point link: every packet seen at both ends");
  const strip = (l: string) => l.slice(16); // without the time stamp: the 50 µs link shifts it
  assert.deepEqual(client.lines.map(strip), server.lines.map(strip), "the same packets, as tcpdump prints them at the other end");
  const any = s.tcpdump("client", "-nn -i any");
  assert.match(any.lines[0]!, /^\d\d:\d\d:\d\d\.\d{6} eth0 {2}Out IP 10\.0\.0\.1\.\d+ > 10\.0\.0\.2\.9090: Flags \[S\]/, "-i any: the interface and direction");
  const syns = s.tcpdump("client", "-nn tcp[tcpflags] & tcp-syn != 0 and src host 10.0.0.1").lines;
  assert.ok(syns.length >= 5 && syns.every((l) => /Flags \[S\]/.test(l)), `the clients' SYNs only (${syns.length})`);
  assert.equal(s.tcpdump("server", "-c 3").lines.length, 3, "-c 3");
  assert.match(s.tcpdump("server", "-t -v -c 1").lines[0]!, /^IP \(tos 0x0, ttl 64, id \d+, offset 0, flags \[DF\], proto TCP \(6\), length 60\)\n {4}10\.0\.0\.1/, "-t -v");
  assert.match(s.tcpdump("server", "-X -c 1").lines[0]!, /\n\t0x0000: {2}4500 003c/, "-X");
  assert.throws(() => s.tcpdump("server", "-Q"), /^TcpdumpArgsError: invalid option -- 'Q'$/, "an unknown flag");
  assert.throws(() => s.tcpdump("server", "-i eth7"), /^Error: tcpdump: eth7: No such device exists$/, "an interface the host lacks");
  assert.throws(() => s.tcpdump("server", "port x"), /unknown port 'x'/, "a bad expression");
  assert.throws(() => s.tcpdump("server", "-w out.pcap"), /pcap ⤓/, "-w: the page's button writes files");
  assert.match(s.tcpdumpDetail("client", "-nn", 0), /^\d\d:\d\d:\d\d\.\d{6} IP \(tos 0x0[\s\S]*\n\t0x0000: {2}4500 003c/, "a line decoded -v -X");
});

test("a view kept up to date as the run goes equals the same view formatted at the end; loopback traffic on lo; the pcap of a view", async () => {
  const LOOP = `
clientHost.spawn("echo", async (p) => {
  const l = p.socket("AF_INET", "SOCK_STREAM");
  p.bind(l, ["127.0.0.1", 7]);
  p.listen(l, 1);
  const { fd } = await p.accept(l);
  await p.send(fd, await p.recv(fd, 100));
  await p.close(fd);
}, { daemon: true });
clientHost.spawn("c", async (p) => {
  const fd = p.socket("AF_INET", "SOCK_STREAM");
  await p.connect(fd, ["127.0.0.1", 7]);
  await p.send(fd, new TextEncoder().encode("ping"));
  await p.recv(fd, 100);
  await p.close(fd);
});
clientHost.spawn("w", async (p) => {
  const fd = p.socket("AF_INET", "SOCK_STREAM");
  try { await p.connect(fd, ["10.0.0.2", 9]); } catch {}
});`;
  const a = new LabSession(1, { program: LOOP });
  for (let t = 0; !a.done; t += 100) {
    await a.advanceTo(t);
    a.tcpdump("client", "-nn -i any"); // formatted a little at a time
  }
  const b = new LabSession(1, { program: LOOP });
  await b.advanceTo(Infinity);
  assert.deepEqual(a.tcpdump("client", "-nn -i any").lines, b.tcpdump("client", "-nn -i any").lines, "incremental = at once");
  const lo = b.tcpdump("client", "-nn -i lo").lines;
  assert.ok(lo.length >= 8 && lo.every((l) => / IP 127\.0\.0\.1\.\d+ > 127\.0\.0\.1\.\d+: /.test(l)), `loopback traffic on lo (${lo.length} packets)`);
  assert.equal(lo.filter((l) => /Flags \[P\.\], seq 1:5, ack \d+, .*length 4$/.test(l)).length, 2, "the 4-byte ping and its echo");
  const eth = b.tcpdump("client", "-nn -i eth0").lines;
  assert.ok(eth.length === 2 && /Flags \[S\]/.test(eth[0]!) && /Flags \[R\.\]/.test(eth[1]!), `eth0: the SYN to port 9 and its RST (${eth.join(" | ")})`);
  const pcap = b.tcpdumpPcap("client", "-nn -i lo");
  const td = new TcpdumpFormatter();
  const view = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  let at = 24;
  const decoded = pcapRecords(pcap).map((r) => {
    const line = td.format(r.data, view.getUint32(at, true) * 1_000_000 + view.getUint32(at + 4, true));
    at += 16 + r.data.length;
    return line;
  });
  assert.deepEqual(decoded, lo, "the pcap's packets are the view's");
});

test("the ladder and the plots at a point picked in the tcpdump pane: that host's packets, its interface and filter; the wire and the capture point without one", async () => {
  const s = new LabSession(0);
  await s.advanceTo(2_000_000);
  const client = { host: "client", args: "-nn -i eth0" };
  const server = { host: "server", args: "-nn -i eth0" };
  assert.equal(s.ladderCount(client), s.tcpdump("client", client.args).lines.length, "one arrow per packet the client's eth0 saw");
  assert.deepEqual(s.connections(client), s.connections(), "the same four connections as on the wire");
  const drops = (svg: string) => (svg.match(/<g class="[^"]*\bdrop\b/g) ?? []).length;
  assert.ok(drops(s.ladderSvg()) >= 2, "the wire's ladder marks the SYNs the full accept queue dropped");
  assert.equal(drops(s.ladderSvg(undefined, undefined, server)), drops(s.ladderSvg()), "so does the server's eth0, where they arrived");
  assert.equal(drops(s.ladderSvg(undefined, undefined, client)), 0, "the client never sees them dropped");
  const syns = { host: "client", args: "-nn tcp[tcpflags] & tcp-syn != 0 and src host 10.0.0.1" };
  assert.equal(s.ladderCount(syns), s.tcpdump("client", syns.args).lines.length, "the filter narrows the ladder");
  assert.match(s.ladderPacketDetail(0, syns), /Flags \[S\], cksum 0x[0-9a-f]+ \(correct\)/, "an arrow of the point decoded");
  // The plots: the client's packets at the client's times, the capture point's at the server's.
  assert.equal(s.plotPackets(client).length, s.ladderCount(client));
  assert.deepEqual(s.plotPackets(server).map((p) => p.t), s.packets().map((p) => p.t), "the server's eth0 is the capture point");
  assert.notDeepEqual(s.plotPackets(client).map((p) => p.t), s.plotPackets(server).map((p) => p.t), "the client sees them at its own instants");
  assert.deepEqual(s.directions(client), s.directions(), "the same directions");
  assert.throws(() => s.ladderCount({ host: "client", args: "-Q" }), /invalid option -- 'Q'/, "tcpdump's refusal");
  // Kept up to date as the run goes on.
  const before = s.ladderCount(client);
  await s.advanceTo(6_000_000);
  assert.ok(s.ladderCount(client) > before && s.ladderCount(client) === s.tcpdump("client", client.args).lines.length);
});
