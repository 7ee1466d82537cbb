/**
 * The IPv6 layer on virtual time: addrconf (link-local, DAD, RS), Neighbor
 * Discovery on the family-neutral NUD machine, ICMPv6 echo and errors,
 * SLAAC behind a simulated router, forwarding, Packet Too Big and path
 * MTU, source fragmentation and reassembly, extension headers — with the
 * packet sequences of this machine's kernel (src/wire/testdata/ipv6-*.pcap).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../sim/network.js";
import type { Host } from "../host/host.js";
import { ms, sec, type Micros } from "../core/time.js";
import { EthernetDevice, type FrameHeader } from "../link/ethernet.js";
import { ETH_P_IPV6, formatMac } from "../wire/ethernet.js";
import { IPV6, NEXTHDR_FRAGMENT, NEXTHDR_ICMPV6, NEXTHDR_ROUTING, NEXTHDR_DEST, parseIpv6, writeIpv6Header, type Ipv6Header } from "../wire/ipv6.js";
import { ICMPV6_ECHO_REQUEST, emitIcmpv6 } from "../wire/icmpv6.js";
import { eui64Address, formatIpv6Address, ipv6, solicitedNode, type Ipv6Address } from "../wire/ipv6-address.js";
import { Packet } from "../wire/packet.js";
import type { NetInterface } from "../ip/interface.js";
import type { Echo6Error, Echo6Reply } from "../icmp/icmp6-layer.js";

interface Seen {
  t: Micros;
  line: string;
}

const ND: Record<number, string> = { 133: "RS", 134: "RA", 135: "NS", 136: "NA", 128: "echo", 129: "reply", 1: "unreach", 2: "toobig", 3: "timex", 4: "paramprob" };

/** Logs the IPv6 frames `dev` sends: `src > dst TYPE [target]`. */
function frames(net: Network, dev: EthernetDevice): Seen[] {
  const out: Seen[] = [];
  dev.frameTaps.push((h: FrameHeader, p: Packet, dir) => {
    if (dir !== "out" || h.etherType !== ETH_P_IPV6) return;
    const b = p.bytes();
    const ip = parseIpv6(b) as Ipv6Header;
    let what = `nh${ip.nextHeader}`;
    if (ip.nextHeader === NEXTHDR_ICMPV6) {
      what = ND[b[40]!] ?? `icmp6-${b[40]}`;
      if (b[40] === 135 || b[40] === 136) what += ` ${formatIpv6Address(b.subarray(48, 64))}`;
    } else if (ip.nextHeader === NEXTHDR_FRAGMENT) what = `frag ${((b[42]! << 8) | b[43]!) & 0xfff8}${b[43]! & 1 ? "+" : ""}`;
    out.push({ t: net.now(), line: `${formatIpv6Address(ip.src)} > ${formatIpv6Address(ip.dst)} ${what}${h.dst >= 0x333300000000 && h.dst < 0x333400000000 ? ` (${formatMac(h.dst)})` : ""}` });
  });
  return out;
}

function lan(seed = 1, sysctl = {}) {
  const net = new Network({ seed });
  const a = net.addHost("a", { sysctl }), b = net.addHost("b", { sysctl });
  const { aIface, bIface } = net.link(a, b, { kind: "ethernet", latency: ms(1) });
  return { net, a, b, aIface, bIface, aDev: aIface.device as EthernetDevice, bDev: bIface.device as EthernetDevice };
}

/** Pings `dst` from `h` once; resolves with the reply or error (or null after `wait`). */
async function ping(net: Network, h: Host, dst: Ipv6Address, opts: { seq?: number; data?: Uint8Array; oif?: NetInterface; wait?: Micros } = {}): Promise<Echo6Reply | Echo6Error | string | null> {
  let got: Echo6Reply | Echo6Error | null = null;
  const id = h.icmp6.openEcho({ reply: (r) => (got ??= r), error: (e) => (got ??= e) });
  const err = h.icmp6.sendEcho(dst, id, opts.seq ?? 1, opts.data ?? new TextEncoder().encode("abcdefgh"), undefined, opts.oif);
  if (err) {
    h.icmp6.closeEcho(id);
    return err;
  }
  await net.advance(opts.wait ?? sec(2));
  h.icmp6.closeEcho(id);
  return got;
}

const addrs = (h: Host, i: NetInterface) => h.ip6.addresses(i).map((a) => `${formatIpv6Address(a.addr)}/${a.prefixLen} ${a.state}`);

test("lo has ::1 from the start; ping ::1 works without enabling IPv6 on the links", async () => {
  const { net, a } = lan();
  assert.deepEqual(addrs(a, a.ip.loopback), ["::1/128 preferred"]);
  const r = await ping(net, a, ipv6("::1"));
  assert.ok(r && typeof r === "object" && "hopLimit" in r, String(r));
  assert.equal(formatIpv6Address(r.from), "::1");
  assert.equal(a.counters.Icmp6.InEchos, 1);
  assert.equal(a.counters.Icmp6.InEchoReplies, 1);
  assert.equal(a.counters.Icmp6.OutEchoReplies, 1);
});

test("adding an IPv6 address while IPv6 is disabled is refused, as Linux (EACCES: IPv6 is disabled on this device)", () => {
  const { a } = lan();
  const eth = a.ip.interfaces.find((i) => i !== a.ip.loopback)!;
  assert.throws(() => a.addAddress(eth, "2001:db8::9/64"), /IPv6 is disabled on this device/, "a disabled link takes no IPv6 address");
  assert.deepEqual(addrs(a, eth), [], "nothing was added");
  a.addAddress(a.ip.loopback, "::2/128");
  assert.ok(addrs(a, a.ip.loopback).includes("::2/128 preferred"), "loopback stays IPv6-enabled");
  a.enableIpv6();
  a.addAddress(eth, "2001:db8::9/64");
  assert.ok(addrs(a, eth).some((x) => x.startsWith("2001:db8::9/64")), "after enableIpv6() the address is taken");
});

test("enabling IPv6: EUI-64 link-local, DAD (NS from :: to the solicited-node group, after a random delay below 1 s), then router solicitations", async () => {
  const { net, a, aIface, aDev } = lan();
  const all = frames(net, aDev);
  a.enableIpv6();
  const ll = addrs(a, aIface);
  assert.equal(ll.length, 1);
  assert.match(ll[0]!, /^fe80::[0-9a-f:]+\/64 tentative$/);
  await net.advance(sec(10));
  // MLD reports aside (test/ip6/mld.test.ts): DAD, then router solicitation.
  const fa = all.filter((f) => !f.line.includes("ff02::16"));
  assert.match(addrs(a, aIface)[0]!, /preferred$/);
  const lla = addrs(a, aIface)[0]!.split("/")[0]!;
  assert.equal(fa[0]!.line.split(" (")[0], `:: > ${formatIpv6Address(solicitedNode(ipv6(lla)))} NS ${lla}`);
  assert.ok(fa[0]!.t < sec(1), `DAD starts within router_solicitation_delay: ${fa[0]!.t}`);
  // Then the first RS one retrans_time (1 s) later, from the link-local address, and again about 4 s after.
  assert.equal(fa[1]!.line, `${lla} > ff02::2 RS (33:33:00:00:00:02)`);
  assert.equal(fa[1]!.t - fa[0]!.t, sec(1));
  assert.ok(fa[2]!.t - fa[1]!.t >= sec(3.6) && fa[2]!.t - fa[1]!.t <= sec(4), `RS interval ${fa[2]!.t - fa[1]!.t}`);
  assert.equal(a.counters.Icmp6.OutNeighborSolicits, 1);
  assert.ok(a.counters.Icmp6.OutRouterSolicits >= 2);
  assert.match(a.ip6.routes.format(), /^fe80::\/64 dev eth0 proto kernel metric 256 pref medium$/m);
});

/** Two hosts on one Ethernet link with 2001:db8::1/64 and ::2/64, DAD done. */
async function globalLan(seed = 1) {
  const l = lan(seed);
  l.a.enableIpv6();
  l.b.enableIpv6();
  l.a.addAddress(l.aIface, "2001:db8::1/64");
  l.b.addAddress(l.bIface, "2001:db8::2/64");
  await l.net.advance(sec(3));
  return l;
}

test("first packet to a neighbour: NS from the packet's source to the solicited-node group, solicited NA with override, then the echo (Linux's sequence)", async () => {
  const { net, a, b, aIface, bIface, aDev, bDev } = await globalLan();
  const fa = frames(net, aDev), fb = frames(net, bDev);
  const r = await ping(net, a, ipv6("2001:db8::2"));
  assert.ok(r && typeof r === "object" && "hopLimit" in r, String(r));
  assert.equal(r.hopLimit, 64);
  assert.deepEqual(fa.map((x) => x.line).slice(0, 2), [
    "2001:db8::1 > ff02::1:ff00:2 NS 2001:db8::2 (33:33:ff:00:00:02)",
    "2001:db8::1 > 2001:db8::2 echo",
  ]);
  assert.deepEqual(fb.map((x) => x.line).slice(0, 2), ["2001:db8::2 > 2001:db8::1 NA 2001:db8::2", "2001:db8::2 > 2001:db8::1 reply"]);
  assert.equal(a.ip6.ndisc.lookup(aIface, ipv6("2001:db8::2"))?.state, "REACHABLE");
  // b learned a from the NS (STALE) and sent its reply through that entry: DELAY, as Linux's __neigh_event_send.
  assert.equal(b.ip6.ndisc.lookup(bIface, ipv6("2001:db8::1"))?.state, "DELAY");
  assert.match(String(a.ip6.ndisc.lookup(aIface, ipv6("2001:db8::2"))), /^2001:db8::2 dev eth0 lladdr [0-9a-f:]{17} REACHABLE$/);
  // The ARP table saw nothing of it.
  assert.equal(a.ip.arp.size, 0);
});

test("NUD: after reachable time an entry in use goes DELAY → PROBE and is re-probed by unicast NS from the link-local address (as on Linux)", async () => {
  const { net, a, aIface, aDev } = await globalLan();
  await ping(net, a, ipv6("2001:db8::2"));
  const fa = frames(net, aDev);
  await net.advance(sec(50)); // past any reachable_time (15–45 s)
  assert.equal(a.ip6.ndisc.lookup(aIface, ipv6("2001:db8::2"))?.state, "STALE");
  await ping(net, a, ipv6("2001:db8::2"), { wait: sec(10) }); // STALE → DELAY → PROBE → REACHABLE
  const ns = fa.filter((x) => x.line.includes(" NS "));
  assert.ok(ns.length >= 1);
  assert.match(ns[ns.length - 1]!.line, /^fe80::[0-9a-f:]+ > 2001:db8::2 NS 2001:db8::2$/);
  assert.equal(a.ip6.ndisc.lookup(aIface, ipv6("2001:db8::2"))?.state, "REACHABLE");
});

test("an unresolvable neighbour: three multicast NS one second apart, then FAILED and ICMPv6 address unreachable to the sender", async () => {
  const { net, a, aIface, aDev } = await globalLan();
  const fa = frames(net, aDev);
  const r = await ping(net, a, ipv6("2001:db8::99"), { wait: sec(5) });
  assert.ok(r && typeof r === "object" && "type" in r, String(r));
  assert.equal(r.type, 1);
  assert.equal(r.code, 3);
  const ns = fa.filter((x) => x.line.includes(" NS "));
  assert.equal(ns.length, 3);
  assert.equal(ns[1]!.t - ns[0]!.t, sec(1));
  assert.equal(a.ip6.ndisc.lookup(aIface, ipv6("2001:db8::99"))?.state, "FAILED");
  assert.equal(a.counters.Icmp6.OutDestUnreachs, 1);
});

test("DAD conflict: the second host to claim an address marks it dadfailed and never uses it", async () => {
  const { net, a, b, aIface, bIface } = await globalLan();
  b.addAddress(bIface, "2001:db8::1/64");
  await net.advance(sec(3));
  assert.ok(addrs(b, bIface).includes("2001:db8::1/64 dadfailed"));
  assert.ok(addrs(a, aIface).includes("2001:db8::1/64 preferred"));
  assert.equal(b.ip6.isLocalAddress(ipv6("2001:db8::1")), false);
  assert.match(b.ip6.formatAddresses(bIface), /inet6 2001:db8::1\/64 scope global dadfailed tentative/);
});

test("link-local ping needs the interface (scope); hop limit 64, flow labels stable per flow", async () => {
  const { net, a, b, aIface, bIface, bDev } = await globalLan();
  const bll = b.ip6.linkLocalOf(bIface)!;
  const fb: number[] = [];
  bDev.frameTaps.push((h, p, dir) => {
    if (dir === "out" && h.etherType === ETH_P_IPV6) fb.push((parseIpv6(p.bytes()) as Ipv6Header).flowLabel);
  });
  const r = await ping(net, a, bll, { oif: aIface });
  assert.ok(r && typeof r === "object" && "hopLimit" in r);
  await ping(net, a, bll, { oif: aIface, seq: 2 });
  const replies = fb.filter((x) => x !== 0);
  assert.ok(replies.length >= 2);
  assert.equal(new Set(replies).size, 1, "one flow, one label");
  assert.ok(replies[0]! > 0 && replies[0]! < 1 << 20);
});

/** a — r — c: r forwards and advertises 2001:db8:1::/64 and 2001:db8:2::/64 (radvd); a and c configure themselves. */
async function routed(seed = 1, secondMtu = 1500) {
  const net = new Network({ seed });
  const a = net.addHost("a"), r = net.addHost("r", { sysctl: { ipv6_forwarding: true } }), c = net.addHost("c");
  const l1 = net.link(a, r, { kind: "ethernet", latency: ms(1) });
  const l2 = net.link(r, c, { kind: "ethernet", latency: ms(1) });
  if (secondMtu !== 1500) {
    (l2.aIface.device as EthernetDevice).mtu = secondMtu;
    (l2.bIface.device as EthernetDevice).mtu = secondMtu;
  }
  for (const h of [a, r, c]) h.enableIpv6();
  r.addAddress(l1.bIface, "2001:db8:1::1/64");
  r.addAddress(l2.aIface, "2001:db8:2::1/64");
  await net.advance(sec(2));
  r.ip6.ndisc.advertise(l1.bIface, { prefixes: [{ prefix: ipv6("2001:db8:1::"), prefixLen: 64 }] });
  r.ip6.ndisc.advertise(l2.aIface, { prefixes: [{ prefix: ipv6("2001:db8:2::"), prefixLen: 64 }] });
  await net.advance(sec(10));
  const global = (h: Host, i: NetInterface) => h.ip6.addresses(i).find((x) => x.autoconf)?.addr;
  return { net, a, r, c, aIface: l1.aIface, cIface: l2.bIface, rIn: l1.bIface, rOut: l2.aIface, aAddr: global(a, l1.aIface), cAddr: global(c, l2.bIface) };
}

test("SLAAC behind a router: the RA gives a /64 address (prefix + EUI-64), a default route via the router's link-local address, on-link route", async () => {
  const { net, a, r, aIface, rIn, aAddr } = await routed();
  assert.ok(aAddr, addrs(a, aIface).join(", "));
  assert.equal(formatIpv6Address(aAddr), formatIpv6Address(eui64Address(ipv6("2001:db8:1::"), (aIface.device as EthernetDevice).mac)));
  const routes = a.ip6.routes.format(a.ctx.scheduler.now());
  const rll = formatIpv6Address(r.ip6.linkLocalOf(rIn)!);
  assert.match(routes, new RegExp(`^default via ${rll} dev eth0 proto ra metric 1024 expires 17\\d\\dsec pref medium$`, "m"));
  assert.match(routes, /^2001:db8:1::\/64 dev eth0 proto kernel metric 256 expires 86\d\d\dsec pref medium$/m);
  assert.match(a.ip6.formatAddresses(aIface), /inet6 2001:db8:1:[0-9a-f:]+\/64 scope global dynamic \n {7}valid_lft 86\d{3}sec preferred_lft 14\d\d\dsec/);
  assert.equal(a.counters.Icmp6.InRouterAdvertisements >= 1, true);
  // The router answered a solicitation or advertised on its own; hosts stopped soliciting once they heard it.
  const before = a.counters.Icmp6.OutRouterSolicits;
  assert.ok(before >= 1);
  await net.advance(sec(120));
  assert.equal(a.counters.Icmp6.OutRouterSolicits, before);
});

test("forwarding: ping across the router (hop limit 63 on arrival), time exceeded for hop limit 1, no route", async () => {
  const { net, a, r, c, cAddr } = await routed();
  assert.ok(cAddr);
  const ok = await ping(net, a, cAddr);
  assert.ok(ok && typeof ok === "object" && "hopLimit" in ok, String(ok));
  assert.equal(ok.hopLimit, 63);
  assert.equal(r.counters.Ip6.OutForwDatagrams, 2);
  // Hop limit 1: the router answers time exceeded (code 0).
  let err: Echo6Error | null = null;
  const id = a.icmp6.openEcho({ reply: () => {}, error: (e) => (err = e) });
  a.icmp6.sendEcho(cAddr, id, 9, new Uint8Array(8), 1);
  await net.advance(sec(1));
  assert.ok(err);
  assert.equal((err as Echo6Error).type, 3);
  assert.equal((err as Echo6Error).code, 0);
  assert.equal(r.counters.Icmp6.OutTimeExcds, 1);
  // No route on the router: destination unreachable, no route (code 0).
  const nr = await ping(net, a, ipv6("2001:db8:99::1"));
  assert.ok(nr && typeof nr === "object" && "type" in nr);
  assert.deepEqual([nr.type, nr.code], [1, 0]);
  assert.equal(r.counters.Ip6.InNoRoutes, 1);
  // Without forwarding the router drops (InAddrErrors) and says nothing.
  r.sysctl.ipv6_forwarding = false;
  assert.equal(await ping(net, a, cAddr), null);
  assert.equal(r.counters.Ip6.InAddrErrors, 1);
  void c;
});

test("Packet Too Big: the router refuses a 1400-byte packet for a 1280 link, the sender learns the path MTU and fragments at the source; the receiver reassembles", async () => {
  const { net, a, r, c, cAddr, aIface } = await routed(1, 1280);
  assert.ok(cAddr);
  const big = new Uint8Array(1400 - 48).fill(7);
  const first = await ping(net, a, cAddr, { data: big });
  assert.ok(first && typeof first === "object" && "type" in first, String(first));
  assert.deepEqual([first.type, first.code], [2, 0]);
  assert.equal(r.counters.Icmp6.OutPktTooBigs, 1);
  assert.equal(r.counters.Ip6.InTooBigErrors, 1);
  const rt = a.ip6.route(cAddr)!;
  assert.equal(rt.iface, aIface);
  assert.equal(a.ip6.pathMtu(rt, cAddr), 1280);
  const second = await ping(net, a, cAddr, { data: big, seq: 2 });
  assert.ok(second && typeof second === "object" && "hopLimit" in second, String(second));
  assert.equal(second.data.length, big.length);
  assert.equal(a.counters.Ip6.FragOKs, 1);
  assert.equal(a.counters.Ip6.FragCreates, 2);
  assert.equal(c.counters.Ip6.ReasmOKs, 1);
  assert.equal(c.counters.Ip6.FragCreates, 2, "c's reply is fragmented at its source too (its link is 1280)");
  // Below 1280 is taken as 1280 (RFC 8200 §5).
  assert.equal(a.ip6.updatePmtu(ipv6("2001:db8:2::5"), 600), 1280);
});

/** Hands b a crafted packet from a (2001:db8::1 → ::2) whose bytes after the fixed header are `ext` (next header `nh`). */
function inject(b: Host, iface: NetInterface, nh: number, ext: Uint8Array): void {
  const p = new Uint8Array(IPV6.HEADER + ext.length);
  writeIpv6Header(p, 0, ipv6("2001:db8::1"), ipv6("2001:db8::2"), nh, ext.length, 64, 0, 0);
  p.set(ext, IPV6.HEADER);
  b.ip6.input(new Packet(p), iface);
}

/** An echo request (8-byte header + 8 bytes) after the extension headers, with its checksum. */
function echoAfter(ext: number[]): Uint8Array {
  const out = new Uint8Array(ext.length + 16);
  out.set(ext, 0);
  emitIcmpv6(ICMPV6_ECHO_REQUEST, 0, 0x12340001, out, ext.length, new Uint8Array(0), ipv6("2001:db8::1"), ipv6("2001:db8::2"), false);
  return out;
}

test("extension headers: type 0 routing header with segments left → parameter problem at its type (RFC 5095); with none left it is skipped", async () => {
  const { net, a, b, bIface } = await globalLan();
  const errs: Echo6Error[] = [];
  const replies: Echo6Reply[] = [];
  // Register a ping endpoint on a with the id the crafted echo uses (0x1234) — ids are taken in order from a random start, so claim it.
  let id = 0;
  while (id !== 0x1234) id = a.icmp6.openEcho({ reply: (r) => replies.push(r), error: (e) => errs.push(e) });
  // routing header: next 58, len 2 (24 bytes), type 0, segments left 1, reserved, one address.
  const rh = [58, 2, 0, 1, 0, 0, 0, 0, ...ipv6("2001:db8::9")];
  inject(b, bIface, NEXTHDR_ROUTING, echoAfter(rh));
  await net.advance(sec(1));
  // The parameter problem quotes a's echo request: it reaches the ping endpoint, code 0 (erroneous header field).
  assert.deepEqual(errs.map((e) => [e.type, e.code, e.seq]), [[4, 0, 1]]);
  assert.equal(b.counters.Icmp6.OutParmProblems, 1);
  assert.equal(b.counters.Ip6.InHdrErrors, 1);
  assert.equal(b.counters.Icmp6.OutType4, 1);
  // segments left 0: processed past, the echo is delivered (checksum offloaded: not verified on this path).
  const rh0 = [58, 2, 0, 0, 0, 0, 0, 0, ...ipv6("2001:db8::9")];
  const p = echoAfter(rh0);
  const pk = new Uint8Array(IPV6.HEADER + p.length);
  writeIpv6Header(pk, 0, ipv6("2001:db8::1"), ipv6("2001:db8::2"), NEXTHDR_ROUTING, p.length, 64, 0, 0);
  pk.set(p, IPV6.HEADER);
  b.ip6.input(new Packet(pk, undefined, true), bIface);
  await net.advance(sec(1));
  assert.equal(b.counters.Icmp6.InEchos, 1);
  assert.equal(replies.length, 1);
});

test("extension headers: unknown destination options act by their high bits (skip / discard / parameter problem code 2); unknown next header → code 1", async () => {
  const { net, b, bIface } = await globalLan();
  const opts = (type: number) => [59, 0, type, 0, 1, 2, 0, 0]; // next header 59 (none), one unknown option, PadN
  inject(b, bIface, NEXTHDR_DEST, new Uint8Array(opts(0x1e))); // 00: skip → delivered to "no next header"
  assert.equal(b.counters.Ip6.InDelivers, 1);
  inject(b, bIface, NEXTHDR_DEST, new Uint8Array(opts(0x5e))); // 01: discard silently
  assert.equal(b.counters.Ip6.InHdrErrors, 1);
  assert.equal(b.counters.Icmp6.OutParmProblems ?? 0, 0);
  inject(b, bIface, NEXTHDR_DEST, new Uint8Array(opts(0x9e))); // 10: discard + parameter problem code 2
  await net.advance(ms(10));
  assert.equal(b.counters.Icmp6.OutParmProblems, 1);
  inject(b, bIface, 253, new Uint8Array(8)); // an experimental next header nobody handles
  await net.advance(sec(1)); // (the rate limit's bucket holds 6)
  assert.equal(b.counters.Ip6.InUnknownProtos, 1);
  assert.equal(b.counters.Icmp6.OutParmProblems, 2);
});

test("reassembly: out-of-order fragments rebuild the datagram; a lone fragment times out after ip6frag_time (60 s) with time exceeded", async () => {
  const { net, a, b, bIface } = await globalLan();
  const echo = echoAfter([]);
  const data = new Uint8Array(2000).fill(0x5a);
  const whole = new Uint8Array(8 + data.length);
  whole.set(echo.subarray(0, 8));
  whole.set(data, 8);
  emitIcmpv6(ICMPV6_ECHO_REQUEST, 0, 0x12340007, whole, 0, data, ipv6("2001:db8::1"), ipv6("2001:db8::2"));
  const frag = (off: number, len: number, more: boolean, id: number) => {
    const f = new Uint8Array(8 + len);
    f[0] = 58;
    const w = off | (more ? 1 : 0);
    f[2] = w >> 8;
    f[3] = w & 255;
    f[7] = id;
    f.set(whole.subarray(off, off + len), 8);
    return f;
  };
  inject(b, bIface, NEXTHDR_FRAGMENT, frag(1024, whole.length - 1024, false, 1));
  inject(b, bIface, NEXTHDR_FRAGMENT, frag(0, 1024, true, 1));
  assert.equal(b.counters.Ip6.ReasmOKs, 1);
  assert.equal(b.counters.Icmp6.InEchos, 1);
  assert.equal(b.ip6.reassembler.size, 0);
  // A first fragment alone: 60 s later the queue expires, time exceeded (reassembly) goes back.
  inject(b, bIface, NEXTHDR_FRAGMENT, frag(0, 1024, true, 2));
  await net.advance(sec(59));
  assert.equal(b.ip6.reassembler.size, 1);
  assert.ok(b.ip6.reassembler.memory > 0);
  await net.advance(sec(2));
  assert.equal(b.ip6.reassembler.size, 0);
  assert.equal(b.counters.Ip6.ReasmTimeout, 1);
  assert.equal(b.counters.Icmp6.OutTimeExcds, 1);
  // A non-last fragment whose length is not a multiple of 8 → parameter problem (pointer 4, the payload length).
  inject(b, bIface, NEXTHDR_FRAGMENT, frag(0, 1001, true, 3));
  await net.advance(sec(1));
  assert.equal(b.counters.Icmp6.OutParmProblems, 1);
  // An atomic fragment (offset 0, M clear) is taken as it is (RFC 6946).
  inject(b, bIface, NEXTHDR_FRAGMENT, frag(0, whole.length, false, 4));
  assert.equal(b.counters.Icmp6.InEchos, 2);
  void a;
});

test("the extension-header cases Linux 6.18 answered on a veth pair: the same parameter problems (code, pointer) and counters", async () => {
  // Sent from 2001:db8::1 to ::2 in network namespaces (raw IPPROTO_RAW socket), captured with tcpdump and nstat:
  // PP code 0 @42 (type 0 RH), PP code 2 @42 (option 0x9e), nothing for 0x5e (discard) or 0x1e (skip),
  // PP code 1 @6 (next header 253), nothing for 59, nothing for a 1001-byte M fragment of an ICMPv6 *error*
  // (is_ineligible), PP code 1 @40 (a hop-by-hop header after a destination options header);
  // Ip6InHdrErrors 4, Ip6InUnknownProtos 2, Ip6InDelivers 2, Icmp6OutParmProblems 4, Ip6ReasmReqds 1.
  const { net, a, b, bIface, bDev } = await globalLan();
  await ping(net, a, ipv6("2001:db8::2")); // neighbours known on both sides, as on the veth pair
  const pps: string[] = [];
  bDev.frameTaps.push((h, p, dir) => {
    if (dir !== "out" || h.etherType !== ETH_P_IPV6) return;
    const x = p.bytes();
    if (x[6] === NEXTHDR_ICMPV6 && x[40] === 4) pps.push(`${x[41]}@${(x[44]! << 24) | (x[45]! << 16) | (x[46]! << 8) | x[47]!}`);
  });
  const before = { ...b.counters.Ip6 };
  const echo = [128, 0, 0, 0, 0x12, 0x34, 0, 1];
  inject(b, bIface, NEXTHDR_ROUTING, new Uint8Array([58, 2, 0, 1, 0, 0, 0, 0, ...ipv6("2001:db8::9"), ...echo]));
  for (const t of [0x9e, 0x5e, 0x1e]) inject(b, bIface, NEXTHDR_DEST, new Uint8Array([59, 0, t, 0, 1, 2, 0, 0]));
  inject(b, bIface, 253, new Uint8Array(8));
  inject(b, bIface, 59, new Uint8Array(0));
  const frag = new Uint8Array(8 + 1001);
  frag.set([58, 0, 0, 1, 0, 0, 0, 9]);
  inject(b, bIface, NEXTHDR_FRAGMENT, frag);
  inject(b, bIface, NEXTHDR_DEST, new Uint8Array([0, 0, 1, 4, 0, 0, 0, 0, 58, 0, 1, 4, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0]));
  await net.advance(sec(1));
  assert.deepEqual(pps, ["0@42", "2@42", "1@6", "1@40"]);
  const d = (k: string) => (b.counters.Ip6[k] ?? 0) - (before[k] ?? 0);
  assert.deepEqual([d("InHdrErrors"), d("InUnknownProtos"), d("InDelivers"), d("ReasmReqds")], [4, 2, 2, 1]);
  assert.equal(b.counters.Icmp6.OutParmProblems, 4);
});

test("an Ethernet frame of EtherType IPv4 carrying version 6 is IPv4's bad version, not IPv6's", async () => {
  const { b, bDev } = await globalLan();
  const p = new Uint8Array(48);
  writeIpv6Header(p, 0, ipv6("2001:db8::1"), ipv6("2001:db8::2"), 59, 8, 64, 0, 0);
  const before = b.counters.Ip6.InReceives ?? 0;
  bDev.receiveFrame({ dst: bDev.mac, src: 2, etherType: 0x0800, vlanTci: -1, length: -1 }, new Packet(p));
  assert.equal(b.counters.Ip.InHdrErrors, 1);
  assert.equal(b.counters.Ip6.InReceives ?? 0, before);
});

test("nstat names the IPv6 counters as Linux's /proc/net/snmp6 (Ip6*, Icmp6*), in its order", async () => {
  const { snapshot } = await import("../tools/snapshot.js");
  const { nstat } = await import("../tools/nstat.js");
  const { net, a } = lan();
  const before = snapshot(a);
  await ping(net, a, ipv6("::1"));
  const text = nstat(before, snapshot(a));
  const names = text.split("\n").slice(1).map((l) => l.split(/\s+/)[0]).filter((n) => n && /^(Ip6|Icmp6)/.test(n));
  assert.deepEqual(names, [
    "Ip6InReceives", "Ip6InDelivers", "Ip6OutRequests", "Ip6InOctets", "Ip6OutOctets", "Ip6InNoECTPkts", "Ip6OutTransmits",
    "Icmp6InMsgs", "Icmp6OutMsgs", "Icmp6InEchos", "Icmp6InEchoReplies", "Icmp6OutEchos", "Icmp6OutEchoReplies",
    "Icmp6InType128", "Icmp6OutType128", "Icmp6InType129", "Icmp6OutType129",
  ]);
});

test("a host that was shut down (crash, reboot) sends no IPv6 packet any more: neither data nor neighbour discovery", async () => {
  const { net, a, b, bDev } = await globalLan();
  const fb = frames(net, bDev);
  assert.ok(await ping(net, b, ipv6("2001:db8::1")), "b reaches a before the crash");
  assert.ok(fb.length > 0, "b's frames seen before the crash");
  const before = fb.length;
  b.shutdown();
  // The old incarnation's stack still exists in memory (its programs may still call it): nothing leaves.
  await ping(net, b, ipv6("2001:db8::1"));
  await ping(net, b, ipv6("2001:db8::99")); // would need neighbour discovery
  await net.advance(sec(30));
  assert.deepEqual(fb.slice(before), [], "no IPv6 frame from the halted host");
  assert.ok(a.ip6.isLocalAddress(ipv6("2001:db8::1")), "the peer is unaffected");
});
