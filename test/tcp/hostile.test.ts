/**
 * Malformed and hostile segments change nothing but counters (RFC 5961,
 * RFC 9293 §3.10.7; the brief: bad input is dropped and counted).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { TcpState } from "../../src/tcp/tcp-state.js";
import { writeTcpHeader } from "../../src/wire/tcp.js";
import { emitIpv4, IPPROTO_TCP } from "../../src/wire/ipv4.js";
import { ipv4 } from "../../src/wire/ipv4-address.js";
import { Packet, finalizeChecksums } from "../../src/wire/packet.js";
import { twoHosts, conns } from "../helpers/tcp.js";
import type { Tcb } from "../../src/tcp/tcb.js";

function craft(o: { sport: number; dport: number; seq: number; ack: number; flags: number; win?: number; data?: Uint8Array; doff?: number; badCsum?: boolean }): Packet {
  const data = o.data ?? new Uint8Array(0);
  const head = new Uint8Array(40);
  writeTcpHeader(head, 20, o.sport, o.dport, o.seq, o.ack, o.flags, o.win ?? 1000);
  emitIpv4({ src: ipv4("10.0.0.1"), dst: ipv4("10.0.0.2"), protocol: IPPROTO_TCP, payloadLength: 20 + data.length }, head, 0, false);
  const p = new Packet(head, data, true);
  finalizeChecksums(p);
  if (o.doff !== undefined) head[32] = o.doff << 4;
  if (o.badCsum) head[37] ^= 0xff;
  return p;
}

test("hostile and malformed segments: bad checksum, bad data offset, out-of-window RST/SYN, blind data — only counters change", async () => {
  const { net, client, server } = twoHosts({ latency: ms(1) });
  let got = "";
  server.spawn("s", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 9090]);
    p.listen(l, 1);
    const { fd } = await p.accept(l);
    const d = await p.recv(fd, 100);
    got = new TextDecoder().decode(d);
  });
  let cfd = -1;
  let cp!: import("../../src/sys/process.js").Process;
  client.spawn("c", async (p) => {
    cp = p;
    cfd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(cfd, ["10.0.0.2", 9090]);
    await net.sleep(ms(1000));
  });
  await net.advance(ms(50));
  const [srv] = conns(server, 9090) as [Tcb];
  const [cli] = conns(client, 9090) as [Tcb];
  const iface = server.ip.interfaces[1]!;
  const inject = (p: Packet) => iface.device.onReceive(p, iface.device);
  const base = { sport: cli.localPort, dport: 9090 };
  const before = { rcvNxt: srv.rcvNxt, sndUna: srv.sndUna, q: srv.rcvBuf.length };
  const c = server.counters;
  // 1. Bad checksum.
  inject(craft({ ...base, seq: srv.rcvNxt, ack: srv.sndNxt, flags: 0x18, data: new TextEncoder().encode("EVIL"), badCsum: true }));
  assert.equal(c.Tcp.InCsumErrors, 1);
  // 2. Bad data offset (4 words < 5).
  inject(craft({ ...base, seq: srv.rcvNxt, ack: srv.sndNxt, flags: 0x10, doff: 4 }));
  assert.equal(c.Sockstack.TcpBadDataOffset, 1);
  // 3. RST out of the window: ignored. RST in the window but not exact: challenge ACK (RFC 5961 §3.2).
  inject(craft({ ...base, seq: (srv.rcvNxt + 10_000_000) >>> 0, ack: 0, flags: 0x04 }));
  inject(craft({ ...base, seq: (srv.rcvNxt + 100) >>> 0, ack: 0, flags: 0x04 }));
  assert.equal(srv.state, TcpState.ESTABLISHED);
  assert.equal(c.TcpExt.TCPChallengeACK, 1);
  // 4. SYN on an established connection: challenge ACK (RFC 5961 §4).
  inject(craft({ ...base, seq: (srv.rcvNxt + 5) >>> 0, ack: 0, flags: 0x02 }));
  assert.equal(srv.state, TcpState.ESTABLISHED);
  assert.equal(c.TcpExt.TCPSYNChallenge, 1);
  // 5. Blind data with an ACK far below snd.una − max window: dropped (RFC 5961 §5).
  inject(craft({ ...base, seq: srv.rcvNxt, ack: (srv.sndUna - 0x40000000) >>> 0, flags: 0x18, data: new TextEncoder().encode("EVIL") }));
  // 6. Data far outside the window: dropped with a duplicate ACK.
  inject(craft({ ...base, seq: (srv.rcvNxt + 0x20000000) >>> 0, ack: srv.sndNxt, flags: 0x18, data: new TextEncoder().encode("EVIL") }));
  // 7. A truncated header (IP says 30 bytes of TCP).
  const t = craft({ ...base, seq: srv.rcvNxt, ack: srv.sndNxt, flags: 0x10 });
  inject(new Packet(t.head.subarray(0, 30), undefined, false));
  assert.deepEqual({ rcvNxt: srv.rcvNxt, sndUna: srv.sndUna, q: srv.rcvBuf.length }, before);
  await cp.send(cfd, "real");
  await net.run();
  assert.equal(got, "real");
});
