import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "./network.js";
import { ping } from "../host/ping.js";
import { ms, sec } from "../core/time.js";
import { sockaddrIn } from "../socket/sockaddr.js";

test("G6 H6: UDP echo over a link with latency, an empty datagram included", async () => {
  const net = new Network({ seed: 7 });
  const a = net.addHost("client"), b = net.addHost("server");
  net.link(a, b, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(5) });
  const got: string[] = [];
  b.spawn("echo", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(fd, sockaddrIn("0.0.0.0", 7));
    for (let i = 0; i < 3; i++) {
      const { data, addr } = await p.recvfrom(fd, 65535);
      await p.sendto(fd, data, 0, addr);
    }
  });
  a.spawn("client", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    for (const m of ["hello", "", "x".repeat(1400)]) {
      await p.sendto(fd, m, 0, ["10.0.0.2", 7]);
      const { data, addr } = await p.recvfrom(fd, 65535);
      got.push(`${new TextDecoder().decode(data).length}@${addr && "addr" in addr ? addr.addr : "?"}`);
    }
  });
  await net.run();
  assert.deepEqual(got, ["5@10.0.0.2", "0@10.0.0.2", "1400@10.0.0.2"]);
  assert.equal(net.now(), ms(30));
});

test("ping across a router, TTL expiry reported by the router", async () => {
  const net = new Network({ seed: 1 });
  const a = net.addHost("a"), r = net.addHost("r", { router: true }), b = net.addHost("b");
  net.link(a, r, { a: "10.0.1.1/24", b: "10.0.1.254/24", latency: ms(1) });
  net.link(r, b, { a: "10.0.2.254/24", b: "10.0.2.1/24", latency: ms(2) });
  a.addRoute("default", "10.0.1.254");
  b.addRoute("default", "10.0.2.254");
  const res = ping(a, "10.0.2.1", { count: 3 });
  await net.run();
  const r1 = await res;
  assert.equal(r1.received, 3);
  assert.deepEqual(r1.rtts, [ms(6), ms(6), ms(6)]);
  assert.match(r1.lines[1]!, /^64 bytes from 10\.0\.2\.1: icmp_seq=1 ttl=63 time=6\.00 ms$/);
  const res2 = ping(a, "10.0.2.1", { count: 1, ttl: 1 });
  await net.run();
  const r2 = await res2;
  assert.equal(r2.errors, 1);
  assert.match(r2.lines[1]!, /^From 10\.0\.1\.254 icmp_seq=1 Time to live exceeded$/);
  assert.equal(r.counters.Icmp.OutTimeExcds, 1);
});

test("UDP to a closed port: ICMP port unreachable → ECONNREFUSED on a connected socket", async () => {
  const net = new Network({ seed: 3 });
  const a = net.addHost("a"), b = net.addHost("b");
  net.link(a, b, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(1) });
  let err = "";
  a.spawn("c", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    await p.connect(fd, ["10.0.0.2", 9999]);
    await p.send(fd, "x");
    try {
      await p.recv(fd, 100);
    } catch (e) {
      err = (e as Error).message;
    }
  });
  await net.run();
  assert.equal(err, "recv: Connection refused");
  assert.equal(b.counters.Udp.NoPorts, 1);
});

test("SO_RCVTIMEO: a blocking recvfrom gives up with EAGAIN and can be called again (C2)", async () => {
  const net = new Network();
  const a = net.addHost("a");
  const log: string[] = [];
  a.spawn("s", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(fd, ["127.0.0.1", 5000]);
    p.setsockopt(fd, "SOL_SOCKET", "SO_RCVTIMEO", { tv_sec: 2, tv_usec: 0 });
    try { await p.recvfrom(fd, 10); } catch (e) { log.push(`${(e as Error).message} at ${net.now()}`); }
    const { data } = await p.recvfrom(fd, 10);
    log.push(`got ${data.length} at ${net.now()}`);
  });
  a.spawn("c", async (p) => {
    await net.sleep(sec(3));
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    await p.sendto(fd, "abc", 0, ["127.0.0.1", 5000]);
  });
  await net.run();
  assert.deepEqual(log, ["recvfrom: Resource temporarily unavailable at 2000000", "got 3 at 3000000"]);
});
