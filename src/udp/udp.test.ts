/**
 * UDP sockets (seeds G6, H6, C4, E1): Linux's errnos and limits.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../sim/network.js";
import { ms, sec } from "../core/time.js";

function host() {
  const net = new Network({ seed: 4 });
  const h = net.addHost("h");
  return { net, h };
}

const msg = (f: () => unknown): string => {
  try {
    f();
    return "ok";
  } catch (e) {
    return (e as Error).message;
  }
};

test("G6: a datagram above 65507 bytes gives EMSGSIZE; 65507 goes through", async () => {
  const { net, h } = host();
  const out: string[] = [];
  h.spawn("p", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    for (const n of [65507, 65508]) {
      try { out.push(String(await p.sendto(fd, new Uint8Array(n), 0, ["127.0.0.1", 9]))); } catch (e) { out.push((e as Error).message); }
    }
  });
  await net.run();
  assert.deepEqual(out, ["65507", "sendto: Message too long"]);
});

test("C4: SO_RCVBUF bounds the queue: datagrams beyond it are dropped and counted (RcvbufErrors)", async () => {
  const { net, h } = host();
  let received = 0;
  h.spawn("p", async (p) => {
    const r = p.socket("AF_INET", "SOCK_DGRAM");
    p.setsockopt(r, "SOL_SOCKET", "SO_RCVBUF", 4096);
    assert.equal(p.getsockopt(r, "SOL_SOCKET", "SO_RCVBUF"), 8192); // doubled, like Linux
    p.bind(r, ["127.0.0.1", 5000]);
    const s = p.socket("AF_INET", "SOCK_DGRAM");
    for (let i = 0; i < 50; i++) await p.sendto(s, "x".repeat(100), 0, ["127.0.0.1", 5000]);
    await net.sleep(ms(1));
    p.fcntl(r, "F_SETFL", 0o4000);
    for (;;) {
      try { await p.recvfrom(r, 1000); received++; } catch (e) { assert.equal((e as Error).message, "recvfrom: Resource temporarily unavailable"); break; }
    }
  });
  await net.run();
  assert.ok(received > 3 && received < 50, `received ${received}`);
  assert.equal(h.counters.Udp.RcvbufErrors, 50 - received);
});

test("bind: EADDRINUSE, SO_REUSEADDR and SO_REUSEPORT sharing, EADDRNOTAVAIL, EINVAL when bound twice", async () => {
  const { net, h } = host();
  const out: string[] = [];
  h.spawn("p", async (p) => {
    const a = p.socket("AF_INET", "SOCK_DGRAM");
    const b = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(a, ["0.0.0.0", 6000]);
    out.push(msg(() => p.bind(b, ["127.0.0.1", 6000])));
    out.push(msg(() => p.bind(a, ["0.0.0.0", 6001])));
    out.push(msg(() => p.bind(b, ["10.9.9.9", 6002])));
    const c = p.socket("AF_INET", "SOCK_DGRAM");
    const d = p.socket("AF_INET", "SOCK_DGRAM");
    for (const fd of [c, d]) p.setsockopt(fd, "SOL_SOCKET", "SO_REUSEPORT", 1);
    p.bind(c, ["0.0.0.0", 7000]);
    out.push(msg(() => p.bind(d, ["0.0.0.0", 7000])));
    const e = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(e, ["0.0.0.0", 0]);
    const port = (p.getsockname(e) as { port: number }).port;
    out.push(port >= 32768 && port <= 60999 ? "ephemeral" : `port ${port}`);
  });
  await net.run();
  assert.deepEqual(out, ["bind: Address already in use", "bind: Invalid argument", "bind: Cannot assign requested address", "ok", "ephemeral"]);
});

test("E1 H6: recvfrom reports the sender; send on an unconnected socket is EDESTADDRREQ; getpeername ENOTCONN", async () => {
  const { net, h } = host();
  const out: string[] = [];
  h.spawn("p", async (p) => {
    const a = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(a, ["127.0.0.1", 8000]);
    const b = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(b, ["127.0.0.1", 8001]);
    try { await p.send(b, "x"); } catch (e) { out.push((e as Error).message); }
    out.push(msg(() => p.getpeername(b)));
    await p.sendto(b, "hi", 0, ["127.0.0.1", 8000]);
    const { data, addr } = await p.recvfrom(a, 10);
    out.push(`${new TextDecoder().decode(data)} from ${addr && "addr" in addr ? `${addr.addr}:${addr.port}` : "?"}`);
    out.push(msg(() => p.bind(99, ["0.0.0.0", 1])));
    out.push(msg(() => p.bind(1, ["0.0.0.0", 1])));
  });
  await net.advance(sec(1));
  assert.deepEqual(out, [
    "send: Destination address required",
    "getpeername: Transport endpoint is not connected",
    "hi from 127.0.0.1:8001",
    "bind: Bad file descriptor",
    "bind: Socket operation on non-socket",
  ]);
});

test("a flood of empty datagrams is bounded by SO_RCVBUF at truesize; a tiny datagram inside a big frame is copied out, not pinning it", async () => {
  const net = new Network({ seed: 4 });
  const a = net.addHost("a"), b = net.addHost("b");
  net.link(a, b, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(1) });
  b.spawn("sink", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(fd, ["0.0.0.0", 9]);
    await net.sleep(sec(100)); // never reads
  });
  await net.advance(ms(1));
  const { emitIpv4, IPPROTO_UDP } = await import("../wire/ipv4.js");
  const { emitUdp } = await import("../wire/udp.js");
  const { Packet } = await import("../wire/packet.js");
  const { ipv4 } = await import("../wire/ipv4-address.js");
  const iface = b.ip.interfaces[1]!;
  const sock = b.udp.ports.get(9)![0]!;
  let max = 0;
  for (let i = 0; i < 100000; i++) {
    const frame = new Uint8Array(i === 0 ? 65536 : 28); // the first one sits in a 64 KiB buffer
    emitUdp(5000, 9, 0, frame, 20);
    emitIpv4({ src: ipv4("10.0.0.1"), dst: ipv4("10.0.0.2"), protocol: IPPROTO_UDP, payloadLength: 8 }, frame, 0);
    iface.device.onReceive(new Packet(frame.subarray(0, 28), undefined, true), iface.device);
    max = Math.max(max, sock.rmemAlloc);
    if (i === 0) assert.equal(sock.peek()!.data.buffer.byteLength, 0, "copied out of the 64 KiB frame");
  }
  assert.ok(max <= sock.rcvbuf + 832, `rmem_alloc ${max} ≤ SO_RCVBUF ${sock.rcvbuf} + one empty datagram`);
  assert.equal(sock.queued, Math.floor(sock.rcvbuf / 832) + 1);
  assert.equal(b.counters.Udp.RcvbufErrors, 100000 - sock.queued);
  assert.equal(b.counters.Udp.InErrors, 100000 - sock.queued);
});
