/**
 * Receive memory is held to the receive buffer (Linux sk_rmem_alloc vs
 * sk_rcvbuf, tcp_prune_queue / tcp_collapse / tcp_prune_ofo_queue): a peer
 * that knows the sequence numbers and sends gapped 1-byte segments cannot
 * grow the connection beyond its buffer; the connection still delivers
 * every byte once the holes are filled. Also: blind old data does not make
 * either end enter recovery (D-SACK-only duplicate ACKs are not loss
 * evidence).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import { writeTcpHeader } from "../../src/wire/tcp.js";
import { emitIpv4, IPPROTO_TCP } from "../../src/wire/ipv4.js";
import { Packet, finalizeChecksums } from "../../src/wire/packet.js";
import { SKB_TRUESIZE_OVERHEAD } from "../../src/core/truesize.js";
import { twoHosts, conns } from "../helpers/tcp.js";
import { snapshot } from "../../src/tools/snapshot.js";
import { ss } from "../../src/tools/ss.js";
import type { Tcb } from "../../src/tcp/tcb.js";
import { connectTo, listenOn } from "../helpers/vocabulary.js";
import { asInet4 } from "../../src/net/inet-address.js";

/** A segment from the client's address to `t` (the server end), as if the peer sent it. */
function segmentTo(t: Tcb, seq: number, data: Uint8Array, flags = 0x18): Packet {
  const head = new Uint8Array(40);
  writeTcpHeader(head, 20, t.remotePort, t.localPort, seq, t.sndUna, flags, 1000);
  emitIpv4({ src: asInet4(t.remoteAddr), dst: asInet4(t.localAddr), protocol: IPPROTO_TCP, payloadLength: 20 + data.length }, head, 0, false);
  const p = new Packet(head, data, true);
  finalizeChecksums(p);
  return p;
}

async function connected(rcvbuf?: number, clientSends = 0) {
  const h = twoHosts({ latency: ms(1) }, 1, { trace: false });
  const { net, client, server } = h;
  let got: Uint8Array[] = [];
  let reading = false;
  server.spawn("s", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    if (rcvbuf) p.setsockopt(l, "SOL_SOCKET", "SO_RCVBUF", rcvbuf);
    p.bind(l, ["0.0.0.0", 9090]);
    p.listen(l, 1);
    const { fd } = await p.accept(l);
    while (!reading) await net.sleep(ms(10));
    for (;;) {
      const d = await p.recv(fd, 1 << 20);
      if (d.length === 0) break;
      got.push(d);
    }
  });
  client.spawn("c", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 9090);
    if (clientSends) await p.send(fd, new Uint8Array(clientSends));
    await net.sleep(sec(100));
  });
  await net.advance(ms(50));
  const [srv] = conns(server, 9090) as [Tcb];
  const iface = server.ip.interfaces[1]!;
  const inject = (p: Packet) => iface.device.onReceive(p, iface.device);
  return { ...h, srv, inject, got: () => got, startReading: () => void (reading = true), reset: () => void (got = []) };
}

test("gapped 1-byte segments: receive memory stays within the buffer; collapse, prune and drops are counted; the stream is still exact", async () => {
  const { net, server, srv, inject, got, startReading } = await connected();
  const rcvbuf = srv.rcvBuf.rcvbuf;
  assert.equal(rcvbuf, 131072);
  const base = srv.rcvNxt;
  let maxMem = 0;
  // Every other byte of the first 64000 bytes of the window, in increasing order: 32000 segments.
  for (let i = 1; i < 64000; i += 2) {
    inject(segmentTo(srv, (base + i) >>> 0, new Uint8Array([i & 255])));
    maxMem = Math.max(maxMem, srv.rmemAlloc());
  }
  const x = server.counters.TcpExt;
  assert.ok(maxMem <= rcvbuf + SKB_TRUESIZE_OVERHEAD + 1, `rmem_alloc ${maxMem} ≤ rcvbuf ${rcvbuf} + one segment`);
  assert.ok(srv.ooo!.count < 32000 && srv.ooo!.count > 100, `${srv.ooo!.count} ranges kept`);
  assert.ok(x.PruneCalled! > 0 && x.RcvPruned! > 0, "tcp_prune_queue ran and could not make room");
  assert.equal(x.TCPOFODrop, 32000 - srv.ooo!.count, "every refused segment is counted");
  assert.equal(x.OfoPruned ?? 0, 0, "segments landing last do not evict earlier ones");
  // A segment *below* the queued ones makes room by pruning from the top (Linux tcp_prune_ofo_queue).
  const lastBefore = srv.ooo!.lastEnd!;
  inject(segmentTo(srv, (base + 1) >>> 0, new Uint8Array([1, 2])));
  assert.equal(x.OfoPruned, 1);
  assert.ok(srv.ooo!.lastEnd !== lastBefore, "the highest data went");
  assert.ok(srv.rmemAlloc() <= rcvbuf + SKB_TRUESIZE_OVERHEAD + 2);
  // Now the peer fills everything in order: every byte arrives once, exactly.
  startReading();
  const all = new Uint8Array(64000);
  for (let i = 0; i < all.length; i++) all[i] = i & 255;
  for (let off = 0; off < all.length; off += 1000) {
    inject(segmentTo(srv, (base + off) >>> 0, all.subarray(off, off + 1000)));
    await net.advance(ms(5));
  }
  await net.advance(ms(100));
  const bytes = Buffer.concat(got());
  assert.equal(bytes.length, 64000);
  assert.ok(bytes.equals(Buffer.from(all)), "exact stream");
  assert.equal(srv.ooo!.count, 0);
});

test("many tiny in-order segments the reader does not take are collapsed, not dropped, while the window allows them", async () => {
  const { server, srv, inject } = await connected();
  const base = srv.rcvNxt;
  for (let i = 0; i < 5000; i++) inject(segmentTo(srv, (base + i) >>> 0, new Uint8Array([i & 255])));
  assert.equal(srv.rcvBuf.length, 5000, "all queued");
  assert.ok(srv.rmemAlloc() <= srv.rcvBuf.rcvbuf + SKB_TRUESIZE_OVERHEAD + 1);
  const x = server.counters.TcpExt;
  assert.ok(x.PruneCalled! > 0);
  assert.equal(x.TCPRcvQDrop ?? 0, 0);
  const d = srv.rcvBuf.peek(5000);
  for (let i = 0; i < 5000; i++) assert.equal(d[i], i & 255);
  // ss -m shows sk_rmem_alloc (the truesize), as Linux does: more than the 5000 bytes of Recv-Q.
  const line = ss(snapshot(server), "-tnm state established");
  assert.match(line, new RegExp(`^5000 .*\\n\\t skmem:\\(r${srv.rmemAlloc()},rb131072,`, "m"), line);
  assert.ok(srv.rmemAlloc() > 5000);
});

test("3,000 blind old-data segments during a two-way bulk transfer: D-SACK duplicate ACKs cause no recovery at either end", async () => {
  const { net, client, server } = twoHosts({ latency: ms(2), rate: 100e6 }, 3, { trace: false });
  const N = 3 * 1024 * 1024;
  const sent = new Uint8Array(N);
  for (let i = 0; i < N; i++) sent[i] = (i * 7) & 255;
  let srvGot = 0, cliGot = 0;
  const pump = async (p: import("../../src/sys/process.js").Process, fd: number, count: (n: number) => void) => {
    const send = (async () => {
      for (let off = 0; off < N; off += 65536) await p.send(fd, sent.subarray(off, off + 65536));
    })();
    for (;;) {
      const d = await p.recv(fd, 1 << 20);
      if (d.length === 0) break;
      count(d.length);
    }
    await send;
  };
  server.spawn("s", async (p) => {
    const l = listenOn(p, 9090, 1);
    const { fd } = await p.accept(l);
    await pump(p, fd, (n) => { srvGot += n; if (srvGot === N) p.shutdown(fd, "SHUT_WR"); });
  });
  client.spawn("c", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 9090);
    await pump(p, fd, (n) => { cliGot += n; if (cliGot === N) p.shutdown(fd, "SHUT_WR"); });
  });
  await net.advance(ms(30));
  const [srv] = conns(server, 9090) as [Tcb];
  const [cli] = conns(client, 9090) as [Tcb];
  // An off-path attacker replays 100 bytes of old data at each end every 0.1 ms: 1,500 per end.
  for (let k = 0; k < 1500; k++) {
    for (const [h, t] of [[server, srv], [client, cli]] as const) {
      if (((t.rcvNxt - t.irs) >>> 0) < 2000) continue;
      const iface = h.ip.interfaces[1]!;
      iface.device.onReceive(segmentTo(t, (t.rcvNxt - 1500) >>> 0, new Uint8Array(100), 0x10), iface.device);
    }
    await net.advance(100);
  }
  await net.advance(sec(5));
  assert.equal(srvGot, N);
  assert.equal(cliGot, N);
  for (const h of [client, server]) {
    const x = h.counters.TcpExt;
    assert.ok((x.TCPDSACKRecv ?? 0) > 1000, `${h.name} received the D-SACKs (${x.TCPDSACKRecv})`);
    assert.equal(x.TCPDSACKIgnoredDubious, x.TCPDSACKRecv, "nothing was retransmitted: every D-SACK is dubious (Linux tcp_dsack_seen)");
    assert.equal((x.TCPSackRecovery ?? 0) + (x.TCPRenoRecovery ?? 0), 0, `${h.name}: no recovery episode`);
    assert.equal(x.TCPDSACKUndo ?? 0, 0);
    assert.equal(h.counters.Tcp.RetransSegs ?? 0, 0, `${h.name}: nothing retransmitted`);
  }
});

test("old data gets one D-SACK duplicate ACK per segment, old pure ACKs are rate-limited — the counters of Linux 6.18 (scripts/linux-probes/oow-data.py)", async () => {
  const { net, client, server, srv, inject, startReading } = await connected(undefined, 5000);
  startReading();
  await net.advance(ms(300));
  assert.equal(srv.bytesReceived, 5000);
  const snap = () => ({ ...server.counters.Tcp, ...server.counters.TcpExt, ...Object.fromEntries(Object.entries(client.counters.TcpExt).map(([k, v]) => [`peer${k}`, v])) });
  let before = snap();
  for (let i = 0; i < 200; i++) inject(segmentTo(srv, (srv.rcvNxt - 1500) >>> 0, new Uint8Array(100), 0x10));
  await net.advance(ms(500));
  let after = snap();
  const d = (k: string) => ((after as Record<string, number>)[k] ?? 0) - ((before as Record<string, number>)[k] ?? 0);
  assert.equal(d("OutSegs"), 200);
  assert.equal(d("DelayedACKLost"), 200);
  assert.equal(d("TCPDSACKOldSent"), 200);
  assert.equal(d("peerTCPDSACKRecv"), 200);
  assert.equal(d("peerTCPDSACKIgnoredDubious"), 200);
  before = snap();
  for (let i = 0; i < 200; i++) inject(segmentTo(srv, (srv.rcvNxt - 100000) >>> 0, new Uint8Array(0), 0x10));
  await net.advance(ms(100));
  after = snap();
  assert.equal(d("OutSegs"), 1);
  assert.equal(d("TCPACKSkippedSeq"), 199);
});
