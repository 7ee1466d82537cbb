// Issue 11 item 9: every drop moves a counter. Each test hands the server one packet that used to be
// dropped silently and checks the counter it now moves (Linux's where Linux has one).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network, ms } from "../src/index.js";
import { ipDatagram, icmpMessage, tcpSegment } from "../src/fuzz/packet-gen.js";
import { Packet } from "../src/wire/packet.js";
import { TimeWaitSock } from "../src/tcp/timewait.js";
import type { Tcb } from "../src/tcp/tcb.js";
import { connectTo, listenOn } from "./helpers/vocabulary.js";

const CLIENT = 0x0a000001, SERVER = 0x0a000002, FAR = 0xc0a80105; // 192.168.1.5: no route back
const SYN = 0x02, RST = 0x04, ACK = 0x10;

async function setup() {
  const net = new Network({ seed: 9 });
  const client = net.addHost("client");
  const server = net.addHost("server");
  const { link } = net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(1) });
  server.spawn("srv", async (p) => {
    const l = listenOn(p, 7, 4);
    const { fd } = await p.accept(l);
    await p.recv(fd, 100);
  });
  client.spawn("cli", async (p) => {
    await connectTo(p, "10.0.0.2", 7);
    await net.sleep(ms(1000));
  });
  await net.advance(ms(20));
  const conn = [...server.tcp.tables.connections()].find((t) => !(t instanceof TimeWaitSock)) as Tcb;
  const inject = (b: Uint8Array) => link.b.receive(new Packet(b));
  const delta = (fn: () => void) => {
    const before = server.counters.snapshot();
    fn();
    const after = server.counters.snapshot();
    const moved: Record<string, number> = {};
    for (const [g, names] of Object.entries(after)) {
      for (const [n, v] of Object.entries(names)) if (v !== (before[g]![n] ?? 0)) moved[`${g}${n}`] = v - (before[g]![n] ?? 0);
    }
    return moved;
  };
  return { conn, inject, delta };
}

test("an out-of-window RST counts SockstackTcpRstOutOfWindow (RFC 5961 §3.2)", async () => {
  const { conn, inject, delta } = await setup();
  const seg = tcpSegment(CLIENT, SERVER, { sport: conn.remotePort, dport: 7, seq: (conn.rcvNxt + 0x40000000) >>> 0, ack: 0, flags: RST });
  const d = delta(() => inject(ipDatagram({ src: CLIENT, dst: SERVER, protocol: 6 }, seg)));
  assert.equal(d.SockstackTcpRstOutOfWindow, 1, JSON.stringify(d));
});

test("a RST for no socket counts SockstackTcpRstIgnored", async () => {
  const { inject, delta } = await setup();
  const seg = tcpSegment(CLIENT, SERVER, { sport: 1234, dport: 4321, seq: 1, ack: 0, flags: RST });
  const d = delta(() => inject(ipDatagram({ src: CLIENT, dst: SERVER, protocol: 6 }, seg)));
  assert.equal(d.SockstackTcpRstIgnored, 1, JSON.stringify(d));
});

test("a SYN from an unroutable source counts IpOutNoRoutes and TcpExtListenDrops (Linux tcp_conn_request)", async () => {
  const { inject, delta } = await setup();
  const seg = tcpSegment(FAR, SERVER, { sport: 1234, dport: 7, seq: 1, ack: 0, flags: SYN });
  const d = delta(() => inject(ipDatagram({ src: FAR, dst: SERVER, protocol: 6 }, seg)));
  assert.equal(d.IpOutNoRoutes, 1, JSON.stringify(d));
  assert.equal(d.TcpExtListenDrops, 1, JSON.stringify(d));
});

test("a RST that cannot be routed back counts IpOutNoRoutes", async () => {
  const { inject, delta } = await setup();
  const seg = tcpSegment(FAR, SERVER, { sport: 1234, dport: 4321, seq: 1, ack: 0, flags: ACK });
  const d = delta(() => inject(ipDatagram({ src: FAR, dst: SERVER, protocol: 6 }, seg)));
  assert.equal(d.IpOutNoRoutes, 1, JSON.stringify(d));
});

test("a segment without ACK on a connection counts SockstackTcpBadFlagsDrop", async () => {
  const { conn, inject, delta } = await setup();
  const seg = tcpSegment(CLIENT, SERVER, { sport: conn.remotePort, dport: 7, seq: conn.rcvNxt, ack: 0, flags: 0 });
  const d = delta(() => inject(ipDatagram({ src: CLIENT, dst: SERVER, protocol: 6 }, seg)));
  assert.equal(d.SockstackTcpBadFlagsDrop, 1, JSON.stringify(d));
});

test("ICMP: an unknown type counts IcmpInErrors; an echo reply nobody waits for SockstackIcmpInDiscards", async () => {
  const { inject, delta } = await setup();
  let d = delta(() => inject(ipDatagram({ src: CLIENT, dst: SERVER, protocol: 1 }, icmpMessage(140, 0, 0, new Uint8Array(4)))));
  assert.equal(d.IcmpInErrors, 1, JSON.stringify(d));
  d = delta(() => inject(ipDatagram({ src: CLIENT, dst: SERVER, protocol: 1 }, icmpMessage(0, 0, 0x12340001, new Uint8Array(4)))));
  assert.equal(d.SockstackIcmpInDiscards, 1, JSON.stringify(d));
});

test("ICMP: an error quoting a TCP socket that does not exist counts IcmpInErrors (Linux tcp_v4_err)", async () => {
  const { inject, delta } = await setup();
  const quoted = ipDatagram({ src: SERVER, dst: CLIENT, protocol: 6 }, tcpSegment(SERVER, CLIENT, { sport: 999, dport: 888, seq: 1, ack: 1, flags: ACK }));
  const d = delta(() => inject(ipDatagram({ src: CLIENT, dst: SERVER, protocol: 1 }, icmpMessage(3, 1, 0, quoted))));
  assert.equal(d.IcmpInErrors, 1, JSON.stringify(d));
});

test("a second FIN past the first (CLOSE-WAIT) counts SockstackTcpAfterFin (as new data would: dropped without an ACK)", async () => {
  const net = new Network({ seed: 9 });
  const client = net.addHost("client");
  const server = net.addHost("server");
  const { link } = net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(1) });
  server.spawn("srv", async (p) => {
    const l = listenOn(p, 7, 4);
    const { fd } = await p.accept(l);
    await p.recv(fd, 100);
    await net.sleep(ms(5000));
  });
  client.spawn("cli", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 7);
    p.shutdown(fd, "SHUT_WR");
    await net.sleep(ms(5000));
  });
  await net.advance(ms(300));
  const conn = [...server.tcp.tables.connections()].find((t) => !(t instanceof TimeWaitSock)) as Tcb;
  assert.equal(conn.finReceived, true);
  const before = server.counters.Sockstack.TcpAfterFin ?? 0;
  const seg = tcpSegment(CLIENT, SERVER, { sport: conn.remotePort, dport: 7, seq: conn.rcvNxt, ack: conn.sndNxt, flags: 0x11 });
  link.b.receive(new Packet(ipDatagram({ src: CLIENT, dst: SERVER, protocol: 6 }, seg)));
  assert.equal((server.counters.Sockstack.TcpAfterFin ?? 0) - before, 1);
});
