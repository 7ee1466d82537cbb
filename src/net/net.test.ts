/**
 * The family-neutral network layer: address helpers, the IPv4 layer's ICMP
 * classification (Linux icmp_err_convert, tcp_v4_err, __udp4_lib_err), and
 * the TCP tables over addresses that are not IPv4 numbers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { rawPeer } from "../../test/helpers/vocabulary.js";
import { emitIpv4, IPPROTO_TCP, IPPROTO_UDP } from "../wire/ipv4.js";
import { ipv4 } from "../wire/ipv4-address.js";
import { writeTcpHeader } from "../wire/tcp.js";
import { emitUdp } from "../wire/udp.js";
import { TcpTables } from "../tcp/tables.js";
import type { Tcb } from "../tcp/tcb.js";
import {
  addrEq, addrKey, familyOf, formatInetAddress, formatInetEndpoint, isAnyAddress, netHeaderLen, parseInetAddress, type Inet6Address,
} from "./inet-address.js";
import { classifyIcmpV4, icmpErrConvert } from "./ipv4-net.js";
import { NetStack } from "./network-layer.js";

/** An IPv6-shaped address value (the IPv6 family builds these; here only to exercise the neutral paths). */
function v6(w3: number): Inet6Address {
  return { family: 10, w0: 0x20010db8, w1: 0, w2: 0, w3, key: (0x20010db8 ^ w3) | 0 };
}

test("InetAddress: IPv4 is the number, equality is by value for other families, text forms", () => {
  const a = ipv4("10.0.0.1");
  assert.equal(familyOf(a), 2);
  assert.equal(familyOf(v6(1)), 10);
  assert.ok(addrEq(a, ipv4("10.0.0.1")));
  assert.ok(addrEq(v6(1), v6(1)), "two objects for one address are equal");
  assert.ok(!addrEq(v6(1), v6(2)));
  assert.ok(!addrEq(0, v6(0)), "a number never equals an object");
  assert.equal(addrKey(0xffffffff), -1, "the key of an IPv4 address is its int32");
  assert.ok(isAnyAddress(0) && isAnyAddress({ ...v6(0), w0: 0 }) && !isAnyAddress(v6(1)));
  assert.equal(netHeaderLen(a), 20);
  assert.equal(netHeaderLen(v6(1)), 40);
  assert.equal(formatInetAddress(a), "10.0.0.1");
  assert.equal(formatInetEndpoint(a, 80), "10.0.0.1:80");
  assert.equal(parseInetAddress(2, "10.0.0.1"), a);
  // IPv6 registers its text forms (net/ipv6-net.ts); a family nobody registered parses and formats nothing.
  assert.equal(formatInetAddress(parseInetAddress(10, "::1")!), "::1");
  assert.equal(formatInetAddress(v6(1)), "2001:db8::1");
  assert.equal(parseInetAddress(99 as never, "::1"), null, "an unregistered family parses nothing");
  assert.throws(() => formatInetAddress({ ...v6(1), family: 99 } as unknown as Inet6Address), /family 99 is not registered/);
});

test("NetStack: IPv4 for numbers, IPv6 registered by the host; another family must be registered", () => {
  const { host } = rawPeer();
  const ns = host.net;
  assert.equal(ns.of(ipv4("10.0.0.1")), ns.inet);
  assert.equal(ns.byFamily(10)?.family, 10);
  assert.equal(ns.of(v6(1)), ns.byFamily(10));
  assert.equal(ns.byFamily(99 as never), undefined);
  assert.throws(() => ns.of({ ...v6(1), family: 99 } as unknown as Inet6Address), /no network layer for family 99/);
  assert.throws(() => new NetStack({ ...ns.inet, family: 10 }), /first layer is IPv4/);
  assert.equal(ns.inet.headerReserve, 20);
  assert.equal(ns.inet.minMtu, 68);
});

test("IPv4 ICMP errors: Linux's icmp_err_convert for every unreachable code; PMTU and ignored kinds", () => {
  const want = [
    "ENETUNREACH", "EHOSTUNREACH", "ENOPROTOOPT", "ECONNREFUSED", "EMSGSIZE", "EOPNOTSUPP", "ENETUNREACH", "EHOSTDOWN",
    "ENONET", "ENETUNREACH", "EHOSTUNREACH", "ENETUNREACH", "EHOSTUNREACH", "EHOSTUNREACH", "EHOSTUNREACH", "EHOSTUNREACH",
  ];
  assert.deepEqual(want.map((_, code) => icmpErrConvert(3, code)), want);
  assert.equal(icmpErrConvert(11, 0), "EHOSTUNREACH");
  assert.equal(icmpErrConvert(12, 0), "EPROTO");
  const base = { mtu: 0, from: 1, quoted: { src: 2, dst: 3 } as never, quotedL4: new Uint8Array(8) };
  assert.equal(classifyIcmpV4({ ...base, type: 3, code: 4, mtu: 1400 }).kind, "pmtu");
  assert.equal(classifyIcmpV4({ ...base, type: 4, code: 0 }).kind, "ignore");
  assert.equal(classifyIcmpV4({ ...base, type: 5, code: 1 }).kind, "ignore");
  const e = classifyIcmpV4({ ...base, type: 3, code: 3 });
  assert.deepEqual([e.kind, e.errno, e.quotedSrc, e.quotedDst], ["error", "ECONNREFUSED", 2, 3]);
});

/** The quote of a datagram the host sent: its IPv4 header and the first 8 transport bytes. */
function quote(src: number, dst: number, protocol: number, l4: Uint8Array): Uint8Array {
  const q = new Uint8Array(20 + l4.length);
  q.set(l4, 20);
  emitIpv4({ src, dst, protocol, payloadLength: l4.length }, q, 0);
  return q;
}

test("TCP: host-unknown (code 7) fails connect() with EHOSTDOWN, as tcp_v4_err's icmp_err_convert (was EHOSTUNREACH)", async () => {
  const { net, host, p, conn } = rawPeer();
  const fd = p.socket("AF_INET", "SOCK_STREAM");
  let err = "";
  void p.connect(fd, ["10.0.0.1", 80]).catch((e: Error) => { err = e.message; });
  await net.advance(0);
  const t = host.tcp.tables.connections().next().value as Tcb;
  const l4 = new Uint8Array(20);
  writeTcpHeader(l4, 0, t.localPort, 80, t.iss, 0, 0x02, 64240);
  host.ip.deliverIcmpError(3, 7, 0, ipv4("10.0.0.1"), quote(ipv4("10.0.0.2"), ipv4("10.0.0.1"), IPPROTO_TCP, l4.subarray(0, 8)));
  await net.advance(0);
  assert.equal(err, "connect: Host is down");
  assert.equal(conn(80), undefined);
});

test("UDP: a redirect or source quench about a connected socket's datagram sets no error (__udp4_lib_err); unreachable does", async () => {
  const { net, host, p } = rawPeer();
  const fd = p.socket("AF_INET", "SOCK_DGRAM");
  await p.bind(fd, ["0.0.0.0", 5000]);
  await p.connect(fd, ["10.0.0.1", 53]);
  const l4 = new Uint8Array(8);
  emitUdp(5000, 53, 0, l4, 0);
  const q = quote(ipv4("10.0.0.2"), ipv4("10.0.0.1"), IPPROTO_UDP, l4);
  const soError = () => p.getsockopt(fd, "SOL_SOCKET", "SO_ERROR");
  host.ip.deliverIcmpError(5, 1, 0, ipv4("10.0.0.1"), q);
  host.ip.deliverIcmpError(4, 0, 0, ipv4("10.0.0.1"), q);
  await net.advance(0);
  assert.equal(soError(), 0);
  host.ip.deliverIcmpError(3, 3, 0, ipv4("10.0.0.1"), q);
  assert.equal(soError(), 111, "ECONNREFUSED");
});

/**
 * SO_ERROR after one ICMP error about a UDP socket's datagram, as Linux 6.18
 * on this machine gave it: a veth pair of namespaces, the peer answering the
 * datagram with a crafted ICMP message from a raw socket (type, code) for a
 * connected and an unconnected socket, without and with IP_RECVERR.
 * Each row: [type, code, connected no recverr, connected recverr, unconnected no recverr, unconnected recverr].
 */
const LINUX_UDP_ICMP: readonly [number, number, string, string, string, string][] = [
  [3, 0, "0", "ENETUNREACH", "0", "ENETUNREACH"],
  [3, 1, "0", "EHOSTUNREACH", "0", "EHOSTUNREACH"],
  [3, 2, "ENOPROTOOPT", "ENOPROTOOPT", "0", "ENOPROTOOPT"],
  [3, 3, "ECONNREFUSED", "ECONNREFUSED", "0", "ECONNREFUSED"],
  [3, 4, "EMSGSIZE", "EMSGSIZE", "0", "EMSGSIZE"],
  [3, 10, "EHOSTUNREACH", "EHOSTUNREACH", "0", "EHOSTUNREACH"],
  [3, 13, "EHOSTUNREACH", "EHOSTUNREACH", "0", "EHOSTUNREACH"],
  [11, 0, "0", "EHOSTUNREACH", "0", "EHOSTUNREACH"],
  [12, 0, "EPROTO", "EPROTO", "0", "EPROTO"],
];

test("UDP: which ICMP errors set SO_ERROR — hard ones on connected sockets, every one under IP_RECVERR (Linux's answers)", async () => {
  const errnoNum: Record<string, number> = { "0": 0, ENETUNREACH: 101, EHOSTUNREACH: 113, ENOPROTOOPT: 92, ECONNREFUSED: 111, EMSGSIZE: 90, EPROTO: 71 };
  for (const [type, code, ...want] of LINUX_UDP_ICMP) {
    let i = 0;
    for (const connected of [true, false]) {
      for (const recverr of [false, true]) {
        const { net, host, p } = rawPeer();
        const fd = p.socket("AF_INET", "SOCK_DGRAM");
        if (recverr) p.setsockopt(fd, "SOL_IP", "IP_RECVERR", 1);
        await p.bind(fd, ["0.0.0.0", 5000]);
        if (connected) await p.connect(fd, ["10.0.0.1", 53]);
        const l4 = new Uint8Array(8);
        emitUdp(5000, 53, 0, l4, 0);
        host.ip.deliverIcmpError(type, code, type === 3 && code === 4 ? 1400 : 0, ipv4("10.0.0.1"), quote(ipv4("10.0.0.2"), ipv4("10.0.0.1"), IPPROTO_UDP, l4));
        await net.advance(0);
        const w = want[i++]!;
        assert.equal(p.getsockopt(fd, "SOL_SOCKET", "SO_ERROR"), errnoNum[w], `type ${type} code ${code} connected=${connected} recverr=${recverr}: ${w}`);
      }
    }
  }
});

test("UDP: IP_MTU_DISCOVER IP_PMTUDISC_DONT makes fragmentation needed no error; values past IP_PMTUDISC_OMIT are EINVAL", async () => {
  const { net, host, p } = rawPeer();
  const fd = p.socket("AF_INET", "SOCK_DGRAM");
  assert.equal(p.getsockopt(fd, "SOL_IP", "IP_MTU_DISCOVER"), 1, "IP_PMTUDISC_WANT by default");
  assert.throws(() => p.setsockopt(fd, "SOL_IP", "IP_MTU_DISCOVER", 6), /setsockopt: Invalid argument/, "6 is past IP_PMTUDISC_OMIT");
  p.setsockopt(fd, "SOL_IP", "IP_MTU_DISCOVER", 0);
  await p.bind(fd, ["0.0.0.0", 5000]);
  await p.connect(fd, ["10.0.0.1", 53]);
  const l4 = new Uint8Array(8);
  emitUdp(5000, 53, 0, l4, 0);
  host.ip.deliverIcmpError(3, 4, 1400, ipv4("10.0.0.1"), quote(ipv4("10.0.0.2"), ipv4("10.0.0.1"), IPPROTO_UDP, l4));
  await net.advance(0);
  assert.equal(p.getsockopt(fd, "SOL_SOCKET", "SO_ERROR"), 0, "no EMSGSIZE with path-MTU discovery off");
});

test("TCP tables: demux, listener choice and bind conflicts over addresses that are objects (equal by value, not identity)", () => {
  const tables = new TcpTables();
  const mk = (local: Inet6Address | number, lport: number, remote: Inet6Address | number, rport: number) =>
    ({ localAddr: local, localPort: lport, remoteAddr: remote, remotePort: rport, hashed: false }) as unknown as Tcb;
  const a = mk(v6(1), 80, v6(2), 4000);
  const b = mk(v6(1), 80, v6(3), 4000);
  const c = mk(ipv4("10.0.0.1"), 80, ipv4("10.0.0.2"), 4000);
  for (const t of [a, b, c]) tables.insert(t);
  assert.equal(tables.lookup(v6(1), 80, v6(2), 4000), a);
  assert.equal(tables.lookup(v6(1), 80, v6(3), 4000), b);
  assert.equal(tables.lookup(ipv4("10.0.0.1"), 80, ipv4("10.0.0.2"), 4000), c);
  assert.equal(tables.lookup(v6(9), 80, v6(2), 4000), undefined);
  // Two addresses with one key are told apart by value.
  const clash: Inet6Address = { ...v6(7), key: v6(2).key };
  assert.equal(tables.lookup(v6(1), 80, clash, 4000), undefined);
  tables.remove(a);
  assert.equal(tables.lookup(v6(1), 80, v6(2), 4000), undefined);
  assert.equal(tables.lookup(v6(1), 80, v6(3), 4000), b);
});
