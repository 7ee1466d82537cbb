/**
 * The AF_INET6 socket surface beyond IPV6_V6ONLY answers as Linux 6.18 did
 * (ipv6-options-linux.json, measured by ipv6-options-probe.py between two
 * namespaces: A 2001:db8::1 and fe80::1, B 2001:db8::2 and fe80::2):
 * IPPROTO_IPV6 option defaults, ranges and errnos for UDP and TCP; the
 * traffic class and hop limit on the wire (UDP datagrams, every TCP
 * segment of a client and of a listener's connection, its SYN-ACK
 * included); sendmsg's and recvmsg's IPV6_PKTINFO / IPV6_HOPLIMIT /
 * IPV6_TCLASS; IPV6_MTU_DISCOVER's sizes; ICMPv6 errors on a UDP socket
 * (SO_ERROR, the error queue's sock_extended_err, IPV6_MTU after a Packet
 * Too Big).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";
import { SysError } from "../../src/core/sys-error.js";
import { ipv6Lan } from "../helpers/ipv6-lan.js";
import { linuxFixture, outcome, sameOutcome } from "../helpers/linux-fixture.js";
import { errnoName } from "../../src/core/errno.js";
import { ms, sec } from "../../src/core/time.js";
import { Capture } from "../../src/tools/capture.js";
import { writeIpv6Header } from "../../src/wire/ipv6.js";
import { parseIpv6Address, formatIpv6Address } from "../../src/wire/ipv6-address.js";
import type { Process } from "../../src/sys/process.js";
import type { SendControlMessage } from "../../src/socket/socket.js";

const linux = linuxFixture(new URL("./ipv6-options-linux.json", import.meta.url));
const SOL = "IPPROTO_IPV6";

async function pair() {
  const { net, a, b, aIface } = await ipv6Lan(11);
  return { net, a, b, pa: a.createProcess("probe"), pb: b.createProcess("peer"), aIndex: aIface.index };
}

const OPTIONS = ["IPV6_UNICAST_HOPS", "IPV6_TCLASS", "IPV6_MTU_DISCOVER", "IPV6_RECVERR", "IPV6_RECVPKTINFO", "IPV6_RECVHOPLIMIT", "IPV6_RECVTCLASS", "IPV6_MTU"] as const;
const SETS: [string, number[]][] = [
  ["IPV6_UNICAST_HOPS", [-2, -1, 0, 1, 255, 256]], ["IPV6_TCLASS", [-2, -1, 0, 0x28, 0x2b, 255, 256]],
  ["IPV6_MTU_DISCOVER", [-1, 0, 5, 6]], ["IPV6_RECVERR", [0, 1, 2]], ["IPV6_MTU", [0, 1279, 1280, 1400]],
];

test("IPPROTO_IPV6 options: defaults, accepted values and errnos of UDP and TCP sockets as Linux", async () => {
  const { pa } = await pair();
  for (const [kind, type] of [["udp", "SOCK_DGRAM"], ["tcp", "SOCK_STREAM"]] as const) {
    const s = pa.socket("AF_INET6", type);
    for (const name of OPTIONS) sameOutcome(await outcome(() => pa.getsockopt(s, SOL, name as string)), linux(`${kind} get ${name}`), `${kind} get ${name}`);
    for (const [name, vals] of SETS) {
      for (const v of vals) {
        const s2 = pa.socket("AF_INET6", type);
        const got = await outcome(() => {
          pa.setsockopt(s2, SOL, name, v);
          return name === "IPV6_MTU" ? undefined : pa.getsockopt(s2, SOL, name);
        });
        sameOutcome(got, linux(`${kind} set ${name} ${v}`), `${kind} set ${name} ${v}`);
        await pa.close(s2);
      }
    }
    const s4 = pa.socket("AF_INET", type);
    for (const name of ["IPV6_UNICAST_HOPS", "IPV6_TCLASS"]) {
      sameOutcome(await outcome(() => pa.setsockopt(s4, SOL, name, 1)), linux(`${kind} AF_INET set ${name}`), `${kind} AF_INET set ${name}`);
      sameOutcome(await outcome(() => pa.getsockopt(s4, SOL, name)), linux(`${kind} AF_INET get ${name}`), `${kind} AF_INET get ${name}`);
    }
  }
  const u = pa.socket("AF_INET6", "SOCK_DGRAM");
  sameOutcome(await outcome(() => pa.getsockopt(u, SOL, "IPV6_MTU")), linux("udp get IPV6_MTU unconnected"), "IPV6_MTU unconnected");
  await pa.connect(u, ["2001:db8::2", 9999]);
  sameOutcome(await outcome(() => pa.getsockopt(u, SOL, "IPV6_MTU")), linux("udp get IPV6_MTU connected"), "IPV6_MTU connected");
  sameOutcome(await outcome(() => pa.getsockopt(u, SOL, "IPV6_UNICAST_HOPS")), linux("udp get IPV6_UNICAST_HOPS connected"), "hops connected");
});

/** B's side of the probe: a UDP socket on 9999 that answers each datagram with what its control messages said. */
function udpPeer(pb: Process): void {
  const u = pb.socket("AF_INET6", "SOCK_DGRAM");
  for (const o of ["IPV6_RECVHOPLIMIT", "IPV6_RECVTCLASS", "IPV6_RECVPKTINFO"]) pb.setsockopt(u, SOL, o, 1);
  pb.bind(u, ["::", 9999]);
  void (async () => {
    for (;;) {
      const r = await pb.recvmsg(u, 4000);
      const cm: Record<string, unknown> = {};
      for (const c of r.control ?? []) {
        if (c.type === 52) cm.hoplimit = c.data;
        if (c.type === 67) cm.tclass = c.data;
        if (c.type === 50) cm.src = r.addr && "addr" in r.addr ? r.addr.addr : null;
      }
      await pb.sendto(u, JSON.stringify(cm), 0, r.addr);
    }
  })();
}

test("UDP: hop limit and traffic class on the wire, sendmsg's IPV6_HOPLIMIT / IPV6_TCLASS / IPV6_PKTINFO and their errnos, as Linux", async () => {
  const { net, pa, pb, aIndex } = await pair();
  udpPeer(pb);
  const exchange = async (s: number, control: SendControlMessage[] = []) => {
    const got = outcome(async () => {
      await pa.sendmsg(s, { iov: ["x"], name: ["2001:db8::2", 9999], control });
      return JSON.parse(new TextDecoder().decode(await pa.recv(s, 1000))) as unknown;
    });
    await net.advance(ms(20));
    return got;
  };
  const s = pa.socket("AF_INET6", "SOCK_DGRAM");
  sameOutcome(await exchange(s), linux("udp default seen by peer"), "defaults");
  pa.setsockopt(s, SOL, "IPV6_UNICAST_HOPS", 7);
  pa.setsockopt(s, SOL, "IPV6_TCLASS", 0x2b);
  sameOutcome(await exchange(s), linux("udp hops 7 tclass 0x2b seen by peer"), "hops 7 tclass 0x2b");
  for (const [key, data] of [["hoplimit 3", 3], ["hoplimit -1", -1], ["hoplimit 256", 256]] as const) {
    sameOutcome(await exchange(s, [{ level: SOL, type: "IPV6_HOPLIMIT", data }]), linux(`udp cmsg ${key}`), key);
  }
  sameOutcome(await exchange(s, [{ level: SOL, type: "IPV6_TCLASS", data: 0x10 }]), linux("udp cmsg tclass 0x10"), "cmsg tclass");
  sameOutcome(await exchange(s, [{ level: SOL, type: "IPV6_TCLASS", data: 256 }]), linux("udp cmsg tclass 256"), "cmsg tclass 256");
  const u = pa.socket("AF_INET6", "SOCK_DGRAM");
  const pk = (addr: string, index: number): SendControlMessage[] => [{ level: 41, type: 50, data: { ipi6_addr: addr, ipi6_ifindex: index } }];
  sameOutcome(await exchange(u, pk("2001:db8::1", 0)), linux("udp cmsg pktinfo src 2001:db8::1"), "pktinfo src");
  sameOutcome(await exchange(u, pk("2001:db8::9", 0)), linux("udp cmsg pktinfo src 2001:db8::9 (not local)"), "pktinfo non-local src");
  sameOutcome(await exchange(u, pk("::", 99)), linux("udp cmsg pktinfo ifindex 99"), "pktinfo bad ifindex");
  sameOutcome(await exchange(u, pk("::", aIndex)), linux("udp cmsg pktinfo ifindex va"), "pktinfo ifindex");
});

test("UDP: recvmsg's IPV6_PKTINFO, IPV6_HOPLIMIT and IPV6_TCLASS control messages, in Linux's order", async () => {
  const { net, pa, pb, aIndex } = await pair();
  udpPeer(pb);
  const r = pa.socket("AF_INET6", "SOCK_DGRAM");
  for (const o of ["IPV6_RECVPKTINFO", "IPV6_RECVHOPLIMIT", "IPV6_RECVTCLASS"]) pa.setsockopt(r, SOL, o, 1);
  pa.bind(r, ["::", 7000]);
  await pa.sendto(r, "x", 0, ["2001:db8::2", 9999]);
  const got = pa.recvmsg(r, 1000);
  await net.advance(ms(20));
  const m = await got;
  const want = linux("udp recvmsg cmsgs (pktinfo, hoplimit, tclass order)") as unknown[][];
  assert.equal(linux("va ifindex"), aIndex, "the interface has the probe's index (lo is 1)");
  assert.deepEqual(m.control?.map((c) => (c.type === 50 ? [c.level, c.type, c.addr && "addr" in c.addr ? c.addr.addr : "", (c.data as { ipi6_ifindex: number }).ipi6_ifindex] : [c.level, c.type, c.data])), want, "the control messages Linux gave");
  const addr = linux("udp recvmsg addr") as unknown[];
  assert.deepEqual(m.addr, { family: 10, addr: addr[0], port: addr[1], flowinfo: addr[2], scopeId: addr[3] }, "the sender's name");
});

/** The traffic class, hop limit, source and TCP flags of each IPv6 TCP segment a capture saw on `port`. */
function tcpSegments(cap: Capture, port: number): [string, number, string, string][] {
  const out: [string, number, string, string][] = [];
  for (const r of cap.packets) {
    const b = r.bytes;
    if (b[0]! >> 4 !== 6 || b[6] !== 6) continue;
    const sport = (b[40]! << 8) | b[41]!, dport = (b[42]! << 8) | b[43]!;
    if (sport !== port && dport !== port) continue;
    const tclass = ((b[0]! & 0xf) << 4) | (b[1]! >> 4);
    const f = b[53]!;
    const flags = (f & 2 ? "S" : "") + (f & 1 ? "F" : "") + (f & 4 ? "R" : "") + (f & 8 ? "P" : "") + (f & 16 ? "." : "");
    out.push([`0x${tclass.toString(16).padStart(2, "0")}`, b[7]!, formatIpv6Address(b.subarray(8, 24)), flags]);
  }
  return out;
}

/** Linux's segments summarised: for each source, the one (class, hop limit) all its segments carried, and the flags it sent. */
function summary(segs: readonly (readonly [string, number, string, string])[]): Record<string, { marks: string[]; flags: string[] }> {
  const out: Record<string, { marks: string[]; flags: string[] }> = {};
  for (const [cls, hlim, src, flags] of segs) {
    const e = (out[src] ??= { marks: [], flags: [] });
    const mark = `${cls}/${hlim}`;
    if (!e.marks.includes(mark)) e.marks.push(mark);
    if (!e.flags.includes(flags) && (flags === "S" || flags === "S.")) e.flags.push(flags);
  }
  return out;
}

test("TCP: IPV6_TCLASS (ECN bits kept) and IPV6_UNICAST_HOPS on every segment of a client, and of a listener's SYN-ACK and accepted connection, as Linux", async () => {
  const { net, a, pa, pb } = await pair();
  const cap = Capture.onHost(a);
  // B listens on 8000 and writes "hello"; A's client has tclass 0x2b (reads back 0x28) and 9 hops.
  const l = pb.socket("AF_INET6", "SOCK_STREAM");
  pb.bind(l, ["::", 8000]);
  pb.listen(l, 8);
  void pb.accept(l).then(async ({ fd }) => {
    await pb.send(fd, "hello");
    await pb.close(fd);
  });
  const c = pa.socket("AF_INET6", "SOCK_STREAM");
  pa.setsockopt(c, SOL, "IPV6_TCLASS", 0x2b);
  pa.setsockopt(c, SOL, "IPV6_UNICAST_HOPS", 9);
  assert.equal(pa.getsockopt(c, SOL, "IPV6_TCLASS"), linux("tcp client tclass 0x2b get"), "TCP keeps the ECN bits to itself");
  const conn = pa.connect(c, ["2001:db8::2", 8000]);
  await net.advance(ms(20));
  await conn;
  const rd = pa.recv(c, 10);
  await net.advance(ms(20));
  await rd;
  await pa.close(c);
  await net.advance(ms(500));
  const want = linux("tcp client tclass 0x2b hops 9 on the wire (class, hlim, src, flags)") as [string, number, string, string][];
  assert.deepEqual(summary(tcpSegments(cap, 8000)), summary(want), "every segment carries the socket's class and hop limit, the peer's its defaults");
  // A listens on 8100 with tclass 0x28 and 33 hops: the SYN-ACK and the accepted connection carry them.
  const lsn = pa.socket("AF_INET6", "SOCK_STREAM");
  pa.setsockopt(lsn, SOL, "IPV6_TCLASS", 0x28);
  pa.setsockopt(lsn, SOL, "IPV6_UNICAST_HOPS", 33);
  pa.bind(lsn, ["::", 8100]);
  pa.listen(lsn, 4);
  const acc = pa.accept(lsn);
  const bc = pb.socket("AF_INET6", "SOCK_STREAM");
  const bconn = pb.connect(bc, ["2001:db8::1", 8100]);
  await net.advance(ms(20));
  await bconn;
  const { fd } = await acc;
  assert.equal(pa.getsockopt(fd, SOL, "IPV6_TCLASS"), linux("tcp accepted tclass get"), "the accepted socket inherits the listener's class");
  assert.equal(pa.getsockopt(fd, SOL, "IPV6_UNICAST_HOPS"), linux("tcp accepted hops get"), "and its hop limit");
  await pb.send(bc, "hi");
  await net.advance(ms(20));
  await pa.recv(fd, 10);
  await pa.send(fd, "ok");
  await pa.close(fd);
  await net.advance(ms(20));
  await pb.close(bc);
  await net.advance(ms(500));
  const want2 = linux("tcp listener tclass 0x28 hops 33 on the wire (class, hlim, src, flags)") as [string, number, string, string][];
  assert.deepEqual(summary(tcpSegments(cap, 8100)), summary(want2), "the SYN-ACK and every later segment carry the listener's class and hop limit");
});

test("UDP: IPV6_MTU_DISCOVER — which sizes each mode sends, fragments or refuses (EMSGSIZE) on a 1500-byte link, as Linux", async () => {
  const { net, pa } = await pair();
  for (let v = 0; v <= 5; v++) {
    const s = pa.socket("AF_INET6", "SOCK_DGRAM");
    pa.setsockopt(s, SOL, "IPV6_MTU_DISCOVER", v);
    for (const n of [2000, 1452, 1453]) {
      const key = `udp pmtudisc ${v} send ${n} unconnected`;
      sameOutcome(await outcome(() => pa.sendto(s, new Uint8Array(n), 0, ["2001:db8::2", 9998])), linux(key), key);
    }
    await net.advance(ms(10));
  }
});

const ICMP_CASES: [number, number, number][] = [[1, 0, 0], [1, 1, 0], [1, 3, 0], [1, 4, 0], [1, 5, 0], [1, 6, 0], [2, 0, 1280], [3, 0, 0], [3, 1, 0], [4, 0, 0], [4, 1, 0], [4, 2, 0]];

/** The quote B's ICMPv6 error carries: the IPv6 header and UDP header of A's datagram and its payload. */
function quote(sport: number, payload: string): Uint8Array {
  const data = new TextEncoder().encode(payload);
  const q = new Uint8Array(48 + data.length);
  writeIpv6Header(q, 0, parseIpv6Address("2001:db8::1")!, parseIpv6Address("2001:db8::2")!, 17, 8 + data.length, 64, 0, 0);
  q[40] = sport >> 8;
  q[41] = sport & 255;
  q[42] = 9999 >> 8;
  q[43] = 9999 & 255;
  q[45] = 8 + data.length;
  q.set(data, 48);
  return q;
}

test("UDP: ICMPv6 errors — SO_ERROR connected or not, with and without IPV6_RECVERR, the error queue's sock_extended_err, IPV6_MTU after Packet Too Big, as Linux", async () => {
  const errName = (n: number) => (n === 0 ? 0 : errnoName(n));
  for (const [type, code, info] of ICMP_CASES) {
    for (const connected of [true, false]) {
      for (const recverr of [false, true]) {
        const { net, a, pa } = await pair();
        const s = pa.socket("AF_INET6", "SOCK_DGRAM");
        if (recverr) pa.setsockopt(s, SOL, "IPV6_RECVERR", 1);
        pa.bind(s, ["2001:db8::1", 0]);
        const msg = `icmp ${type} ${code} ${info}`;
        if (connected) {
          await pa.connect(s, ["2001:db8::2", 9999]);
          await pa.send(s, msg);
        } else {
          await pa.sendto(s, msg, 0, ["2001:db8::2", 9999]);
        }
        const port = (pa.getsockname(s) as { port: number }).port;
        a.ip6.deliverIcmpError(type, code, info, parseIpv6Address("2001:db8::2")!, quote(port, msg));
        await net.advance(ms(1));
        const key = `icmp6 ${type}/${code} connected=${connected ? 1 : 0} recverr=${recverr ? 1 : 0}`;
        const want = linux(key) as Record<string, unknown>;
        const got: Record<string, unknown> = { SO_ERROR: errName(pa.getsockopt(s, "SOL_SOCKET", "SO_ERROR")) };
        try {
          const r = await pa.recvmsg(s, 100, "MSG_ERRQUEUE");
          for (const c of r.control ?? []) {
            const ee = c.data as Record<string, number>;
            got.cmsg = [c.level, c.type];
            got.ee = [errnoName(ee.ee_errno!), ee.ee_origin, ee.ee_type, ee.ee_code, ee.ee_info, ee.ee_data];
            got.offender = [c.addr?.family, c.addr && "addr" in c.addr ? c.addr.addr : ""];
          }
          got.data = new TextDecoder().decode(r.data);
          got.addr = [r.addr && "addr" in r.addr ? r.addr.addr : "", !!(r.addr && "port" in r.addr && r.addr.port)];
          got.flags = r.flags;
          got["SO_ERROR after"] = pa.getsockopt(s, "SOL_SOCKET", "SO_ERROR");
        } catch (e) {
          if (!(e instanceof SysError)) throw e;
          got.errqueue = e.code;
        }
        if (type === 2 && connected) {
          got.IPV6_MTU = pa.getsockopt(s, SOL, "IPV6_MTU");
          for (const v of [0, 1, 2, 3]) {
            pa.setsockopt(s, SOL, "IPV6_MTU_DISCOVER", v);
            got[`send 1300 pmtudisc ${v}`] = await outcome(async () => {
              await pa.send(s, new Uint8Array(1300));
            });
          }
        }
        assert.deepEqual(got, want, key);
      }
    }
  }
});

test("UDP error queue: reading it clears SO_ERROR; recv takes the pending error but leaves the entry; an empty queue is EAGAIN", async () => {
  const { net, a, pa } = await pair();
  const s = pa.socket("AF_INET6", "SOCK_DGRAM");
  pa.setsockopt(s, SOL, "IPV6_RECVERR", 1);
  await pa.connect(s, ["2001:db8::2", 9999]);
  const port = (pa.getsockname(s) as { port: number }).port;
  const from = parseIpv6Address("2001:db8::2")!;
  await pa.send(s, "icmp 1 4 0");
  a.ip6.deliverIcmpError(1, 4, 0, from, quote(port, "icmp 1 4 0"));
  await net.advance(ms(1));
  await pa.recvmsg(s, 100, "MSG_ERRQUEUE");
  assert.equal(pa.getsockopt(s, "SOL_SOCKET", "SO_ERROR"), linux("errqueue first, then SO_ERROR"), "the dequeue cleared the socket error");
  await pa.send(s, "icmp 1 4 0");
  a.ip6.deliverIcmpError(1, 4, 0, from, quote(port, "icmp 1 4 0"));
  await net.advance(ms(1));
  sameOutcome(await outcome(() => pa.recv(s, 10, "MSG_DONTWAIT")), linux("recv with pending error"), "recv reports the error");
  sameOutcome(await outcome(async () => (await pa.recvmsg(s, 100, "MSG_ERRQUEUE")).control?.length), linux("recv errqueue after recv took the error"), "the entry stayed");
  sameOutcome(await outcome(() => pa.recvmsg(s, 100, "MSG_ERRQUEUE")), linux("errqueue empty"), "empty queue");
});

test("Scope ids: binding and connecting to link-local addresses need an interface (EINVAL, ENODEV, EADDRNOTAVAIL, ENETUNREACH); names carry it, as Linux", async () => {
  const { net, a, b, pa, pb, aIndex } = await pair();
  assert.equal(linux("va ifindex"), aIndex, "the probe's interface index is sockstack's");
  a.addAddress(a.ip.interfaces.find((i) => i.index === aIndex)!, "fe80::1/64");
  const bIface = b.ip.interfaces.find((i) => i !== b.ip.loopback)!;
  b.addAddress(bIface, "fe80::2/64");
  await net.advance(sec(3));
  udpPeer(pb);
  const l = pb.socket("AF_INET6", "SOCK_STREAM");
  pb.bind(l, ["::", 8000]);
  pb.listen(l, 16);
  const sin6 = (addr: string, port: number, scopeId: number) => ({ family: 10 as const, addr, port, flowinfo: 0, scopeId });
  const named = (n: unknown) => n as { addr: string; scopeId: number };
  const scopes: [string, number][] = [["no scope", 0], ["scope va", aIndex], ["scope lo", 1], ["scope 99", 99]];
  for (const [kind, type] of [["udp", "SOCK_DGRAM"], ["tcp", "SOCK_STREAM"]] as const) {
    for (const [name, sid] of scopes) {
      const s = pa.socket("AF_INET6", type);
      const key = `${kind} bind fe80::1 ${name}`;
      sameOutcome(await outcome(() => {
        pa.bind(s, sin6("fe80::1", 0, sid));
        const n = named(pa.getsockname(s));
        return [n.addr, n.scopeId];
      }), linux(key), key);
      await pa.close(s);
    }
    const g = pa.socket("AF_INET6", type);
    sameOutcome(await outcome(() => {
      pa.bind(g, sin6("2001:db8::1", 0, 99));
      const n = named(pa.getsockname(g));
      return [n.addr, n.scopeId];
    }), linux(`${kind} bind 2001:db8::1 scope 99`), `${kind} global bind with a scope id`);
    const port = kind === "udp" ? 9999 : 8000;
    for (const [name, sid] of scopes.filter(([n]) => n !== "scope lo")) {
      const s = pa.socket("AF_INET6", type);
      const key = `${kind} connect fe80::2 ${name}`;
      const got = outcome(async () => {
        await pa.connect(s, sin6("fe80::2", port, sid));
        const n = named(pa.getsockname(s)), p = named(pa.getpeername(s));
        return [n.addr, n.scopeId, p.addr, p.scopeId];
      });
      await net.advance(ms(20));
      sameOutcome(await got, linux(key), key);
      await pa.close(s);
    }
    for (const [name, sid] of [["no scope", 0], ["scope lo", 1]] as const) {
      const s = pa.socket("AF_INET6", type);
      pa.bind(s, sin6("fe80::1", 0, aIndex));
      const key = `${kind} bound fe80::1%va connect fe80::2 ${name}`;
      const got = outcome(async () => {
        await pa.connect(s, sin6("fe80::2", port, sid));
        const p = named(pa.getpeername(s));
        return name === "no scope" ? [p.addr, p.scopeId] : undefined;
      });
      await net.advance(ms(20));
      sameOutcome(await got, linux(key), key);
      await pa.close(s);
    }
  }
  const u = pa.socket("AF_INET6", "SOCK_DGRAM");
  sameOutcome(await outcome(() => pa.sendto(u, "x", 0, sin6("fe80::2", 9999, 0))), linux("udp sendto fe80::2 no scope"), "sendto without a scope id");
  sameOutcome(await outcome(() => pa.sendto(u, "x", 0, sin6("fe80::2", 9999, 99))), linux("udp sendto fe80::2 scope 99"), "sendto scope 99");
  await net.advance(ms(20));
  await pa.recvfrom(u, 100); // the peer's answer to the first datagram
  await pa.sendto(u, "x", 0, sin6("fe80::2", 9999, aIndex));
  const r = pa.recvfrom(u, 100);
  await net.advance(ms(20));
  const from = named((await r).addr);
  assert.deepEqual([from.addr, from.scopeId], linux("udp recvfrom fe80::2 address"), "recvfrom names a link-local sender with its interface");
  sameOutcome(await outcome(() => pa.sendto(u, "x", 0, sin6("ff02::1", 9999, 0))), linux("udp sendto ff02::1 no scope"), "multicast without a scope id");
  sameOutcome(await outcome(() => pa.sendto(u, "x", 0, sin6("2001:db8::2", 9998, 99))), linux("udp sendto 2001:db8::2 scope 99"), "a global address ignores the scope id");
});

test("getaddrinfo: a name's IPv6 and IPv4 addresses in glibc's RFC 6724 order — IPv6 first on a dual-stack host, IPv4 first where IPv6 is unreachable", async () => {
  const net = new Network({ seed: 3 });
  const dual = net.addHost("dual"), v4host = net.addHost("v4host"), peer = net.addHost("peer");
  const l1 = net.link(dual, peer, { kind: "ethernet", auto: false });
  const l2 = net.link(v4host, peer, { kind: "ethernet", auto: false });
  dual.enableIpv6();
  dual.addAddress(l1.aIface, "2001:db8::1/64");
  dual.addAddress(l1.aIface, "10.9.0.1/24");
  v4host.addAddress(l2.aIface, "10.9.0.1/24");
  await net.advance(sec(3));
  net.hostsFile.add("10.9.0.2", "both");
  net.hostsFile.add("2001:db8::2", "both");
  net.hostsFile.add("2001:db8::2", "both4first");
  net.hostsFile.add("10.9.0.2", "both4first");
  net.hostsFile.add("10.9.0.2", "v4only");
  const typeName: Record<number, string> = { 1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW" };
  for (const [h, key] of [[dual, "getaddrinfo on a dual-stack host"], [v4host, "getaddrinfo on an IPv4-only host"]] as const) {
    const p = h.createProcess("gai");
    const want = linux(key) as Record<string, unknown>;
    for (const name of ["both", "both4first"]) {
      const got = p.getaddrinfo(name, 80).map((ai) => [ai.family === 10 ? "AF_INET6" : "AF_INET", typeName[ai.type], ai.addr.addr]);
      assert.deepEqual(got, want[name], `${key}: ${name}`);
    }
    assert.deepEqual(p.getaddrinfo("both", 80, "AF_INET6", "SOCK_STREAM").map((ai) => ai.addr.addr), want["both AF_INET6"], `${key}: AF_INET6`);
    assert.deepEqual(p.getaddrinfo("v4only", 80, "AF_INET6", "SOCK_STREAM", 0, 0x8).map((ai) => ai.addr.addr), want["v4only AF_INET6 AI_V4MAPPED"], `${key}: AI_V4MAPPED`);
    // Linux's answer for AF_INET6 without AI_V4MAPPED came from its DNS fallback (EAI_AGAIN); with hosts: files only it is EAI_NONAME.
    assert.throws(() => p.getaddrinfo("v4only", 80, "AF_INET6"), /Name or service not known/, `${key}: a name without an IPv6 address`);
  }
});

test("Scope ids: a connection accepted from a link-local peer names it with its arrival interface and answers through it", async () => {
  const { net, a, b, pa, pb, aIndex } = await pair();
  a.addAddress(a.ip.interfaces.find((i) => i.index === aIndex)!, "fe80::1/64");
  const bIface = b.ip.interfaces.find((i) => i !== b.ip.loopback)!;
  b.addAddress(bIface, "fe80::2/64");
  await net.advance(sec(3));
  const l = pb.socket("AF_INET6", "SOCK_STREAM");
  pb.bind(l, ["::", 8200]);
  pb.listen(l, 4);
  const acc = pb.accept(l);
  const c = pa.socket("AF_INET6", "SOCK_STREAM");
  const conn = pa.connect(c, { family: 10, addr: "fe80::2", port: 8200, flowinfo: 0, scopeId: aIndex });
  await net.advance(ms(20));
  await conn;
  const { fd, addr } = await acc;
  assert.deepEqual(addr && "scopeId" in addr ? [addr.addr, addr.scopeId] : null, ["fe80::1", bIface.index], "accept names the peer with the interface it came in on");
  assert.deepEqual(pb.getsockname(fd), { family: 10, addr: "fe80::2", port: 8200, flowinfo: 0, scopeId: bIface.index }, "and the local end too");
  await pb.send(fd, "hi");
  const r = pa.recv(c, 10);
  await net.advance(ms(20));
  assert.equal(new TextDecoder().decode(await r), "hi", "data flows back through that interface");
});
