/**
 * ECN end to end (RFC 3168): a bulk transfer through a rate-limited link
 * whose AQM marks CE above a queue threshold. With ECN negotiated the
 * bottleneck signals congestion without losing a packet — the receiver
 * echoes ECE, the sender reduces (CWR) and announces it — and the tools
 * show it (ss -i `ecn ecnseen delivered_ce`, tcpdump -v `ECT(0)`/`CE`,
 * nstat IpExtInCEPkts, TcpExtTCPDeliveredCE). Without ECN the same AQM
 * drops, and the sender retransmits.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { twoHosts, conns } from "../helpers/tcp.js";
import { connectTo, listenAccept } from "../helpers/vocabulary.js";
import { snapshot } from "../../src/tools/snapshot.js";
import { ss } from "../../src/tools/ss.js";
import { tcpdumpLine } from "../../src/tools/tcpdump.js";
import type { Packet } from "../../src/wire/packet.js";

const BYTES = 400_000;

async function bulk(tcpEcn: number) {
  // 20 Mbit/s bottleneck (0.6 ms per 1500 bytes), 5 ms each way, step AQM at 8 waiting packets.
  const { net, client, server, link } = twoHosts({ latency: ms(5), rate: 20e6, aqm: { threshold: 8 } }, 1, { trace: false });
  client.sysctl.tcp_ecn = tcpEcn;
  const seenByServer: string[] = [];
  let ssClient = "";
  let ssServer = "";
  let received = 0;
  server.spawn("sink", async (p) => {
    const { fd } = await listenAccept(p, 5001, 1);
    for (;;) {
      const d = await p.recv(fd, 1 << 16);
      if (!d.length) break;
      received += d.length;
    }
    ssServer = ss(snapshot(server), "-tni");
  });
  client.spawn("source", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 5001);
    const chunk = new Uint8Array(1 << 16);
    let sent = 0;
    while (sent < BYTES) sent += await p.send(fd, chunk.subarray(0, Math.min(chunk.length, BYTES - sent)));
    await net.sleep(ms(100));
    ssClient = ss(snapshot(client), "-tni");
    await p.close(fd);
  });
  // tcpdump -v of what the server receives: keep the first CE-marked data segment.
  const flags = { cwr: 0, ece: 0 };
  link.b.taps.push((pkt: Packet, dir: string) => {
    if (dir === "out") {
      if (/Flags \[[^\]]*E/.test(tcpdumpLine(pkt))) flags.ece++;
      return;
    }
    if (seenByServer.length) return;
    const line = tcpdumpLine(pkt, net.now(), { verbose: 1 });
    if (line.includes(",CE,")) seenByServer.push(line);
  });
  link.a.taps.push((pkt: Packet, dir: string) => {
    if (dir === "out" && /Flags \[[^\]]*W/.test(tcpdumpLine(pkt))) flags.cwr++;
  });
  await net.run();
  const [ct] = conns(client, 5001);
  return { net, client, server, link, received, seenByServer, ssClient, ssServer, ct, flags };
}

test("ECN through a CE-marking bottleneck: congestion signalled without loss, one reduction per window, the tools show it", async (t) => {
  const r = await bulk(1);
  assert.equal(r.received, BYTES, "everything arrived");
  const c = r.link.aToB.stats();
  assert.ok(c.ceMarked > 0, `the AQM marked packets (${c.ceMarked})`);
  t.diagnostic(`CE-marked ${c.ceMarked}, ECE ACKs ${r.flags.ece}, CWR segments ${r.flags.cwr}, TCPDeliveredCE ${r.client.counters.TcpExt["TCPDeliveredCE"]}`);
  assert.equal(c.dropped.aqm + c.dropped.queue, 0, "no packet dropped: ECT data is marked, pure ACKs never queue");
  const cc = r.client.counters, sc = r.server.counters;
  assert.equal(cc.Tcp["RetransSegs"] ?? 0, 0, "no retransmission");
  assert.equal(sc.IpExt["InCEPkts"], c.ceMarked, "the server counted every CE packet (IpExtInCEPkts)");
  assert.ok((sc.IpExt["InECT0Pkts"] ?? 0) > 0, "and the ECT(0) ones");
  assert.ok((cc.TcpExt["TCPDeliveredCE"] ?? 0) >= c.ceMarked / 2, `ECE-acknowledged segments counted (${cc.TcpExt["TCPDeliveredCE"]})`);
  assert.ok((cc.IpExt["InNoECTPkts"] ?? 0) > 0 && !cc.IpExt["InECT0Pkts"], "the server's pure ACKs are Not-ECT");
  assert.match(r.ssClient, / ts sack ecn cubic /, "ss -i: ecn on the sender (it receives no ECT data: no ecnseen)");
  assert.match(r.ssClient, / delivered_ce:\d+ /, "ss -i: delivered_ce");
  assert.match(r.ssServer, / ts sack ecn ecnseen cubic /, "ss -i: ecn ecnseen on the receiver");
  assert.match(r.seenByServer[0] ?? "", /^\S+ IP \(tos 0x3,CE, ttl 64,[\s\S]*Flags \[[.PW]+\]/, `tcpdump -v shows CE: ${r.seenByServer[0]}`);
  // ECE rides on every ACK from the CE to the CWR; CWR on one data segment per reduction.
  assert.ok(r.flags.cwr > 0 && r.flags.ece > r.flags.cwr, `ACKs with ECE (${r.flags.ece}) outnumber data with CWR (${r.flags.cwr})`);
});

test("the same bottleneck without ECN drops instead, and the sender retransmits", async () => {
  const r = await bulk(2);
  assert.equal(r.received, BYTES, "everything arrived");
  const c = r.link.aToB.stats();
  assert.equal(c.ceMarked, 0, "nothing to mark: the data is Not-ECT");
  assert.ok(c.dropped.aqm > 0, `the AQM dropped (${c.dropped.aqm})`);
  assert.ok((r.client.counters.Tcp["RetransSegs"] ?? 0) > 0, "the sender retransmitted");
  assert.doesNotMatch(r.ssServer, / ecn/, "no ecn in ss -i");
});
