/**
 * AF_INET6 sockets through the family-neutral network layer: TCP and UDP
 * over IPv6 (loopback and a link), sockaddr_in6 names, IPv4-mapped
 * addresses on AF_INET6 sockets, ICMPv6 port unreachable → ECONNREFUSED,
 * and ss's `[addr]:port` form.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../sim/network.js";
import { ms, sec } from "../core/time.js";
import { snapshot } from "../tools/snapshot.js";
import { ss } from "../tools/ss.js";

async function pairV6() {
  const net = new Network({ seed: 7 });
  const a = net.addHost("a"), b = net.addHost("b");
  const { aIface, bIface } = net.link(a, b, { kind: "ethernet", latency: ms(1) });
  a.enableIpv6();
  b.enableIpv6();
  a.addAddress(aIface, "2001:db8::1/64");
  b.addAddress(bIface, "2001:db8::2/64");
  await net.advance(sec(3));
  return { net, a, b };
}

test("TCP over IPv6 between two hosts: connect, accept with sockaddr_in6 names, data both ways, ss shows [addr]:port", async () => {
  const { net, a, b } = await pairV6();
  const srv = b.createProcess("srv");
  const lfd = srv.socket("AF_INET6", "SOCK_STREAM");
  srv.bind(lfd, ["::", 8080]);
  srv.listen(lfd, 16);
  const cli = a.createProcess("cli");
  const cfd = cli.socket("AF_INET6", "SOCK_STREAM");
  const conn = cli.connect(cfd, ["2001:db8::2", 8080]);
  const acc = srv.accept(lfd);
  await net.advance(ms(50));
  await conn;
  const { fd: sfd, addr } = await acc;
  assert.deepEqual(addr && { ...addr, port: 0 }, { family: 10, addr: "2001:db8::1", port: 0, flowinfo: 0, scopeId: 0 });
  assert.deepEqual(cli.getpeername(cfd), { family: 10, addr: "2001:db8::2", port: 8080, flowinfo: 0, scopeId: 0 });
  await cli.send(cfd, new TextEncoder().encode("hello over v6"));
  await net.advance(ms(50));
  assert.equal(new TextDecoder().decode(await srv.recv(sfd, 100)), "hello over v6");
  await srv.send(sfd, new TextEncoder().encode("and back"));
  await net.advance(ms(50));
  assert.equal(new TextDecoder().decode(await cli.recv(cfd, 100)), "and back");
  const text = ss(snapshot(b), "-tan");
  assert.match(text, /LISTEN\s+0\s+16\s+\*:8080\s+\*:\*/, "a dual-stack [::] listener is *:8080, as Linux ss prints it");
  assert.match(text, /ESTAB\s+0\s+0\s+\[2001:db8::2\]:8080\s+\[2001:db8::1\]:\d+/);
  // The MSS comes from the IPv6 MTU: 1500 − 40 − 20.
  assert.ok(a.counters.Ip6.OutRequests > 3 && b.counters.Ip6.InDelivers > 3);
});

test("UDP over ::1 and to a closed port: ICMPv6 port unreachable makes a connected socket's next call ECONNREFUSED", async () => {
  const { net, a } = await pairV6();
  const p = a.createProcess("p");
  const s = p.socket("AF_INET6", "SOCK_DGRAM");
  p.bind(s, ["::1", 5000]);
  const c = p.socket("AF_INET6", "SOCK_DGRAM");
  await p.sendto(c, new TextEncoder().encode("ping6"), 0, ["::1", 5000]);
  await net.advance(ms(1));
  const r = await p.recvfrom(s, 100);
  assert.equal(new TextDecoder().decode(r.data), "ping6");
  assert.equal((r.addr as { addr: string }).addr, "::1");
  const d = p.socket("AF_INET6", "SOCK_DGRAM");
  await p.connect(d, ["2001:db8::2", 9]);
  await p.send(d, new Uint8Array(4));
  await net.advance(ms(50));
  await assert.rejects(p.send(d, new Uint8Array(4)), /ECONNREFUSED|Connection refused/);
  assert.equal(a.counters.Icmp6.InDestUnreachs, 1);
});

test("dual stack: an AF_INET6 listener on :: accepts an IPv4 client, named ::ffff:a.b.c.d; an AF_INET6 client reaches IPv4 by a mapped address", async () => {
  const net = new Network({ seed: 9 });
  const a = net.addHost("a"), b = net.addHost("b");
  net.link(a, b, { kind: "ethernet", latency: ms(1) });
  const srv = b.createProcess("srv");
  const lfd = srv.socket("AF_INET6", "SOCK_STREAM");
  srv.bind(lfd, ["::", 80]);
  srv.listen(lfd, 8);
  const cli = a.createProcess("cli");
  const cfd = cli.socket("AF_INET", "SOCK_STREAM");
  const conn = cli.connect(cfd, ["10.0.0.2", 80]);
  const acc = srv.accept(lfd);
  await net.advance(ms(50));
  await conn;
  const { addr } = await acc;
  assert.equal((addr as { addr: string }).addr, "::ffff:10.0.0.1");
  const c6 = cli.socket("AF_INET6", "SOCK_STREAM");
  const conn6 = cli.connect(c6, ["::ffff:10.0.0.2", 80]);
  await net.advance(ms(50));
  await conn6;
  assert.deepEqual(cli.getpeername(c6), { family: 10, addr: "::ffff:10.0.0.2", port: 80, flowinfo: 0, scopeId: 0 });
});
