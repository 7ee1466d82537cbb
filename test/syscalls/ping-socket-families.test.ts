/**
 * Ping sockets of both families replay Linux 6.18 (ping-socket-linux.json,
 * from ping-socket-probe.py, case for case): IPv4 ping sockets beside
 * ICMPv6 ones, identifiers shared under SO_REUSEADDR (on by default) and
 * refused without it, across both families, the reply going to the socket
 * bound last, bound addresses, connect, getpeername's ENOTCONN, and ICMP
 * errors through SO_ERROR, recv and the IP_RECVERR / IPV6_RECVERR error
 * queue. The probe's topology: a — b (a router) — c, b answering for the
 * prefixes it has no route to with unreachables, a hop limit of 1 towards
 * c's prefix expiring at b.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";
import { errnoName } from "../../src/core/errno.js";
import { SysError } from "../../src/core/sys-error.js";
import { ms, sec } from "../../src/core/time.js";
import type { Process } from "../../src/sys/process.js";
import type { SockAddr } from "../../src/socket/sockaddr.js";
import { linuxFixture, outcome, sameOutcome } from "../helpers/linux-fixture.js";

const linux = linuxFixture(new URL("./ping-socket-linux.json", import.meta.url));

async function topology() {
  const net = new Network({ seed: 11 });
  const a = net.addHost("a"), b = net.addHost("b", { sysctl: { ip_forward: true, ipv6_forwarding: true } }), c = net.addHost("c");
  const ab = net.link(a, b, { kind: "ethernet", latency: ms(1), auto: false });
  const bc = net.link(b, c, { kind: "ethernet", latency: ms(1), auto: false });
  for (const h of [a, b, c]) h.enableIpv6();
  a.addAddress(ab.aIface, "10.9.0.1/24");
  a.addAddress(ab.aIface, "2001:db8::1/64");
  b.addAddress(ab.bIface, "10.9.0.2/24");
  b.addAddress(ab.bIface, "2001:db8::2/64");
  b.addAddress(bc.aIface, "10.9.9.254/24");
  b.addAddress(bc.aIface, "2001:db8:9::fe/64");
  c.addAddress(bc.bIface, "10.9.9.1/24");
  c.addAddress(bc.bIface, "2001:db8:9::1/64");
  for (const p of ["10.9.8.0/24", "10.9.9.0/24"]) a.addRoute(p, "10.9.0.2");
  for (const p of ["2001:db8:8::/64", "2001:db8:9::/64"]) a.addRoute(p, "2001:db8::2");
  // As the probe: no rate limits on b's errors.
  b.sysctl.icmp_ratelimit = 0;
  b.sysctl.icmpv6_ratelimit = 0;
  a.sysctl.ping_group_range = [0, 0];
  await net.advance(sec(3));
  return { net, a, p: a.createProcess("probe") };
}

/** The probe's reading of one error-queue entry (errqueue() in ping-socket-probe.py). */
async function errqueue(p: Process, fd: number): Promise<Record<string, unknown>> {
  const r = await p.recvmsg(fd, 200, "MSG_ERRQUEUE");
  const [cm] = r.control ?? [];
  assert.ok(cm && r.control!.length === 1, "one control message");
  const ee = cm.data as Record<string, number>;
  const name = r.addr as SockAddr & { addr: string; port: number; flowinfo?: number; scopeId?: number };
  const port = (p.getsockname(fd) as { port: number }).port;
  return {
    "payload type": r.data[0], "payload len": r.data.length, "payload id is the port": ((r.data[4]! << 8) | r.data[5]!) === port,
    name: name.family === 10 ? [name.addr, name.port, name.flowinfo, name.scopeId] : [name.addr, name.port],
    flags: r.flags, cmsg: [cm.level, cm.type],
    ee: { errno: errnoName(ee.ee_errno!), origin: ee.ee_origin, type: ee.ee_type, code: ee.ee_code, pad: ee.ee_pad, info: ee.ee_info, data: ee.ee_data },
    offender: cm.addr && "addr" in cm.addr ? cm.addr.addr : null,
  };
}

const nameOf = (n: SockAddr) => {
  const a = n as { family: number; addr: string; port: number; flowinfo?: number; scopeId?: number };
  return a.family === 10 ? [a.addr, a.port, a.flowinfo, a.scopeId] : [a.addr, a.port];
};

for (const v6 of [false, true]) {
  const k = v6 ? "v6 " : "v4 ";
  const fam = v6 ? "AF_INET6" : "AF_INET";
  const proto = v6 ? "IPPROTO_ICMPV6" : "IPPROTO_ICMP";
  const any = v6 ? "::" : "0.0.0.0", own = v6 ? "2001:db8::1" : "10.9.0.1";
  const peer = v6 ? "2001:db8::2" : "10.9.0.2", unreach = v6 ? "2001:db8:8::1" : "10.9.8.1", expire = v6 ? "2001:db8:9::1" : "10.9.9.1";
  const [tReq, tRep] = v6 ? [128, 129] : [8, 0];
  const lvl = v6 ? "SOL_IPV6" : "SOL_IP", recverr = v6 ? "IPV6_RECVERR" : "IP_RECVERR";
  const req = new Uint8Array([tReq, 0, 0, 0, 0x12, 0x34, 0, 7, ...new TextEncoder().encode("abcdefgh")]);
  const hdr = (t: number, code: number) => new Uint8Array([t, code, 0, 0, 0, 1, 0, 1]);

  test(`${fam} ping sockets: socket(), send and reply, identifiers and SO_REUSEADDR, bound addresses, connect — as Linux`, async () => {
    const { net, a, p } = await topology();
    const sock = () => p.socket(fam, "SOCK_DGRAM", proto);
    a.sysctl.ping_group_range = [1, 0];
    sameOutcome(await outcome(() => p.close(sock())), linux(k + "socket with ping_group_range 1 0"), "the kernel's default range");
    a.sysctl.ping_group_range = [0, 0];
    const s = sock();
    assert.deepEqual(nameOf(p.getsockname(s)), linux(k + "getsockname unbound"), "unbound name");
    assert.equal(p.getsockopt(s, "SOL_SOCKET", "SO_REUSEADDR"), linux(k + "SO_REUSEADDR default"), "SO_REUSEADDR starts set");
    sameOutcome(await outcome(() => p.sendto(s, req, 0, [peer, 0])), linux(k + "sendto echo request"), "an echo request");
    const id = (p.getsockname(s) as { port: number }).port;
    const got = p.recvfrom(s, 100);
    await net.advance(ms(20));
    const { data, addr } = await got;
    const dv = new DataView(data.buffer, data.byteOffset, data.length);
    assert.deepEqual({
      type: data[0], code: data[1], "id is the port": dv.getUint16(4) === id, seq: dv.getUint16(6), data: new TextDecoder().decode(data.subarray(8)),
      len: data.length, from: nameOf(addr as SockAddr),
    }, linux(k + "reply"), "the reply with its header, the identifier the socket's");
    sameOutcome(await outcome(() => p.sendto(s, hdr(tRep, 0), 0, [peer, 0])), linux(k + "sendto reply type"), "not an echo request");
    sameOutcome(await outcome(() => p.sendto(s, hdr(tReq, 1), 0, [peer, 0])), linux(k + "sendto code 1"), "code 1");
    sameOutcome(await outcome(() => p.sendto(s, new Uint8Array([tReq, 0, 0, 0, 0, 0, 0]), 0, [peer, 0])), linux(k + "sendto 7 bytes"), "7 bytes");
    sameOutcome(await outcome(() => p.send(s, req)), linux(k + "send unconnected"), "no destination");
    sameOutcome(await outcome(() => p.sendto(s, req, 0, [peer, 9])), linux(k + "sendto port 9"), "a port is ignored");
    await net.advance(ms(20));

    const [a1, a2] = [sock(), sock()];
    sameOutcome(await outcome(() => p.bind(a1, [any, 4242])), linux(k + "bind 4242"), "bind an identifier");
    sameOutcome(await outcome(() => p.bind(a2, [any, 4242])), linux(k + "bind 4242 again"), "both have SO_REUSEADDR");
    const [b1, b2] = [sock(), sock()];
    p.setsockopt(b2, "SOL_SOCKET", "SO_REUSEADDR", 0);
    p.bind(b1, [any, 4243]);
    sameOutcome(await outcome(() => p.bind(b2, [any, 4243])), linux(k + "bind a held id with SO_REUSEADDR 0"), "the newcomer cleared it");
    const [c1, c2] = [sock(), sock()];
    p.setsockopt(c1, "SOL_SOCKET", "SO_REUSEADDR", 0);
    p.bind(c1, [any, 4244]);
    sameOutcome(await outcome(() => p.bind(c2, [any, 4244])), linux(k + "bind an id held with SO_REUSEADDR 0"), "the holder cleared it");
    sameOutcome(await outcome(() => p.bind(a1, [any, 4245])), linux(k + "bind twice"), "a second bind");

    const [x, y] = [sock(), sock()];
    p.bind(x, [any, 4300]);
    p.bind(y, [any, 4300]);
    await p.sendto(x, req, 0, [peer, 0]);
    await net.advance(ms(20));
    const who: Record<string, unknown> = {};
    for (const [n, fd] of [["first", x], ["last", y]] as const) {
      who[n] = await outcome(async () => (await p.recv(fd, 100, "MSG_DONTWAIT")).length);
    }
    const want = linux(k + "shared id: who gets the reply") as Record<string, unknown>;
    assert.deepEqual(who, { first: typeof want.first === "number" ? want.first : "EAGAIN", last: want.last }, "the socket bound last gets it (Linux: the other times out)");

    const l1 = sock();
    sameOutcome(await outcome(() => {
      p.bind(l1, [own, 4400]);
      return nameOf(p.getsockname(l1));
    }), linux(k + "bind to own address"), "bind to an address of the host");
    sameOutcome(await outcome(() => p.bind(sock(), [peer, 4401])), linux(k + "bind to a foreign address"), "bind to another host's address");

    const cn = sock();
    sameOutcome(await outcome(() => p.connect(cn, [peer, 0])), linux(k + "connect"), "connect");
    sameOutcome(await outcome(() => nameOf(p.getpeername(cn))), linux(k + "getpeername"), "getpeername of a connected ping socket");
    sameOutcome(await outcome(() => {
      const n = p.getsockname(cn) as { addr: string; port: number };
      return [n.addr, n.port !== 0];
    }), linux(k + "getsockname connected (port is an id)"), "connect chose the source and an identifier");
    sameOutcome(await outcome(() => p.send(cn, req)), linux(k + "send connected"), "send on the connected socket");
    const r = p.recv(cn, 100);
    await net.advance(ms(20));
    sameOutcome(await outcome(async () => (await r).length), linux(k + "recv connected len"), "its reply");
  });

  test(`${fam} ping sockets: ICMP errors — SO_ERROR, recv and the ${recverr} error queue, as Linux`, async () => {
    const { net, p } = await topology();
    const sock = () => {
      const fd = p.socket(fam, "SOCK_DGRAM", proto);
      p.fcntl(fd, "F_SETFL", "O_NONBLOCK");
      return fd;
    };
    const settle = () => net.advance(ms(50));
    const poll = async (fd: number) => {
      const fds = [{ fd, events: ["POLLIN", "POLLOUT", "POLLERR"] as ["POLLIN", "POLLOUT", "POLLERR"] }];
      await p.poll(fds, 0);
      return (fds[0] as { revents?: number }).revents ?? 0;
    };
    const errno = async (fd: number) => {
      try {
        return ((await errqueue(p, fd)).ee as { errno: string }).errno;
      } catch (e) {
        if (e instanceof SysError) return e.code;
        throw e;
      }
    };
    const eq = (fd: number) => outcome(() => errqueue(p, fd));

    const u = sock();
    await p.sendto(u, req, 0, [unreach, 0]);
    await settle();
    assert.equal(p.getsockopt(u, "SOL_SOCKET", "SO_ERROR"), linux(k + "unconnected error without RECVERR: SO_ERROR"), "unconnected: no SO_ERROR");
    sameOutcome(await outcome(() => p.recv(u, 100)), linux(k + "unconnected error without RECVERR: recv"), "unconnected: recv");

    const cu = sock();
    await p.connect(cu, [unreach, 0]);
    await p.send(cu, req);
    await settle();
    assert.equal(await poll(cu), linux(k + "connected error without RECVERR: poll"), "connected, a soft error: poll");
    sameOutcome(await outcome(() => p.recv(cu, 100)), linux(k + "connected error without RECVERR: recv"), "connected: recv");
    sameOutcome(await outcome(() => p.recv(cu, 100)), linux(k + "connected error without RECVERR: recv again"), "connected: recv again");
    sameOutcome(await eq(cu), linux(k + "connected error without RECVERR: errqueue"), "connected: no queue");

    const ce = sock();
    p.setsockopt(ce, lvl, recverr, 1);
    await p.connect(ce, [unreach, 0]);
    await p.send(ce, req);
    await settle();
    sameOutcome(await errno(ce), linux(k + "RECVERR connected: errqueue"), "a connected socket's queue");
    const be = sock();
    p.setsockopt(be, lvl, recverr, 1);
    p.bind(be, [own, 0]);
    await p.sendto(be, req, 0, [unreach, 0]);
    await settle();
    sameOutcome(await errno(be), linux(k + "RECVERR bound to own address: errqueue"), "a bound socket's queue");

    const e = sock();
    p.setsockopt(e, lvl, recverr, 1);
    assert.equal(p.getsockopt(e, lvl, recverr), linux(k + "RECVERR getsockopt"), "RECVERR reads back");
    await p.sendto(e, req, 0, [unreach, 0]);
    await settle();
    assert.equal(await poll(e), linux(k + "RECVERR unreachable: poll"), "POLLERR with an entry queued");
    sameOutcome(await eq(e), linux(k + "RECVERR unreachable: errqueue"), "the entry");
    assert.equal(p.getsockopt(e, "SOL_SOCKET", "SO_ERROR"), linux(k + "RECVERR unreachable: SO_ERROR after errqueue"), "the dequeue cleared SO_ERROR");
    sameOutcome(await eq(e), linux(k + "RECVERR unreachable: errqueue empty"), "an empty queue");
    await p.sendto(e, req, 0, [unreach, 0]);
    await settle();
    assert.equal(p.getsockopt(e, "SOL_SOCKET", "SO_ERROR"), linux(k + "RECVERR unreachable: SO_ERROR first"), "SO_ERROR set by a soft error");
    sameOutcome(await outcome(() => p.recv(e, 100)), linux(k + "RECVERR unreachable: recv after SO_ERROR"), "SO_ERROR took it");
    sameOutcome(await errno(e), linux(k + "RECVERR unreachable: errqueue after SO_ERROR"), "the entry stayed");
    await p.sendto(e, req, 0, [unreach, 0]);
    await settle();
    sameOutcome(await outcome(() => p.recv(e, 100)), linux(k + "RECVERR unreachable: recv"), "recv reports the pending error");
    sameOutcome(await errno(e), linux(k + "RECVERR unreachable: errqueue after recv"), "the entry stayed");
    p.setsockopt(e, lvl, v6 ? "IPV6_UNICAST_HOPS" : "IP_TTL", 1);
    await p.sendto(e, req, 0, [expire, 0]);
    await settle();
    sameOutcome(await eq(e), linux(k + "RECVERR time exceeded: errqueue"), "time exceeded");
    assert.equal(p.getsockopt(e, "SOL_SOCKET", "SO_ERROR"), linux(k + "RECVERR time exceeded: SO_ERROR after errqueue"), "cleared");
    p.setsockopt(e, lvl, recverr, 0);
    await p.sendto(e, req, 0, [unreach, 0]);
    await settle();
    sameOutcome(await eq(e), linux(k + "RECVERR off again: errqueue"), "RECVERR off: nothing queued");
  });
}

test("ping sockets: one identifier space for both families (an IPv6 socket cannot share an identifier an IPv4 one holds without reuse), as Linux", async () => {
  const { p } = await topology();
  const v4 = p.socket("AF_INET", "SOCK_DGRAM", "IPPROTO_ICMP"), v6 = p.socket("AF_INET6", "SOCK_DGRAM", "IPPROTO_ICMPV6");
  p.setsockopt(v4, "SOL_SOCKET", "SO_REUSEADDR", 0);
  p.bind(v4, ["0.0.0.0", 4500]);
  sameOutcome(await outcome(() => p.bind(v6, ["::", 4500])), linux("v6 bind an id an IPv4 socket holds with SO_REUSEADDR 0"), "across families");
  sameOutcome(await outcome(() => p.socket("AF_INET", "SOCK_DGRAM", "IPPROTO_ICMPV6")), linux("AF_INET SOCK_DGRAM IPPROTO_ICMPV6"), "ICMPv6 on AF_INET");
  sameOutcome(await outcome(() => p.socket("AF_INET", "SOCK_STREAM", "IPPROTO_ICMP")), linux("AF_INET SOCK_STREAM IPPROTO_ICMP"), "a stream ping socket");
});
