/**
 * ICMPv6 redirects (RFC 4861 §8) replay Linux 6.18 (redirect-linux.json,
 * from redirect-probe.sh): a router forwarding a packet out of the
 * interface it came in on redirects its sender to the better first hop —
 * every time (no rate limit bites at 5 a second), with the target's
 * link-layer address once it knows it, quoting the packet; the host takes
 * the redirect of a ping (a route-cache entry, `ip -6 route show cache`)
 * and not that of a UDP datagram from an unbound socket. Addresses are
 * mapped: the probe's fe80::1 / fe80::2 are the routers' link-local
 * addresses here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";
import { ms, sec } from "../../src/core/time.js";
import type { EthernetDevice, FrameHeader } from "../../src/link/ethernet.js";
import { ETH_P_IPV6 } from "../../src/wire/ethernet.js";
import { formatIpv6Address, ipv6 } from "../../src/wire/ipv6-address.js";
import type { Packet } from "../../src/wire/packet.js";
import { linuxFixture } from "../helpers/linux-fixture.js";
import { readFileSync } from "node:fs";
import { pcapRecords } from "../../src/wire/testdata/pcap-records.js";
import { TcpdumpFormatter } from "../../src/tools/tcpdump.js";
import { formatFrame } from "../../src/tools/tcpdump-ether.js";

const linux = linuxFixture(new URL("./redirect-linux.json", import.meta.url));

test("redirects: r1 redirects h to r2 for a prefix behind r2; h takes a ping's redirect, not an unbound UDP socket's — as Linux", async () => {
  const net = new Network({ seed: 9 });
  const h = net.addHost("h"), r1 = net.addHost("r1", { sysctl: { ipv6_forwarding: true } }), r2 = net.addHost("r2", { sysctl: { ipv6_forwarding: true } });
  const sw = net.switch();
  const hi = net.attach(h, sw, null, { mac: "02:00:00:00:00:05" });
  const r1i = net.attach(r1, sw, null, { mac: "02:00:00:00:00:01" });
  const r2i = net.attach(r2, sw, null, { mac: "02:00:00:00:00:02" });
  for (const x of [h, r1, r2]) x.enableIpv6();
  h.addAddress(hi, "2001:db8::5/64");
  r1.addAddress(r1i, "2001:db8::1/64");
  r2.addAddress(r2i, "2001:db8::2/64");
  r2.addAddress(r2.ip.loopback, "2001:db8:2::2/64");
  await net.advance(sec(3));
  const ll = (x: typeof h, i: typeof hi) => formatIpv6Address(x.ip6.addrconf.linkLocalOf(i)!);
  const r1ll = ll(r1, r1i), r2ll = ll(r2, r2i);
  const kernelName: Record<string, string> = { [r1ll]: "fe80::1", [r2ll]: "fe80::2" };
  h.addRoute("default", r1ll, hi.name);
  r1.addRoute("2001:db8:2::/64", r2ll, r1i.name);
  await net.advance(sec(1));
  const seen: { length: number; dest: string; target: string; tllao: boolean }[] = [];
  (hi.device as EthernetDevice).frameTaps.push((fh: FrameHeader, p: Packet, dir) => {
    if (dir !== "in" || fh.etherType !== ETH_P_IPV6) return;
    const b = p.bytes();
    if (b[6] !== 58 || b[40] !== 137) return;
    seen.push({ length: b.length - 40, dest: formatIpv6Address(b.subarray(64, 80)), target: kernelName[formatIpv6Address(b.subarray(48, 64))] ?? "?", tllao: b[80] === 2 });
  });
  const r1Forw0 = r1.counters.Ip6.OutForwDatagrams ?? 0;
  const p = h.createProcess("probe");
  h.sysctl.ping_group_range = [0, 0];
  const u = p.socket("AF_INET6", "SOCK_DGRAM");
  for (let i = 0; i < 3; i++) {
    await p.sendto(u, `hello${i}`, 0, ["2001:db8:2::3", 9]);
    await net.advance(ms(200));
  }
  const ping = p.socket("AF_INET6", "SOCK_DGRAM", "IPPROTO_ICMPV6");
  await p.sendto(ping, new Uint8Array([0x80, 0, 0, 0, 0, 0, 0, 1, ...new TextEncoder().encode("ping")]), 0, ["2001:db8:2::2", 0]);
  await net.advance(ms(300));
  assert.deepEqual(seen, linux("redirects seen by h"), "each redirect h received: length, destination, target, target link-layer address");
  const via = (d: string) => {
    const rt = h.ip6.routes.lookup(ipv6(d), net.now());
    return kernelName[formatIpv6Address(rt!.nextHop)] ?? formatIpv6Address(rt!.nextHop);
  };
  assert.equal(via("2001:db8:2::3"), linux("via after: udp 2001:db8:2::3"), "a UDP datagram's redirect is not taken");
  assert.equal(via("2001:db8:2::2"), linux("via after: ping 2001:db8:2::2"), "a ping's redirect is");
  const cache = h.ip6.routes.format(net.now(), true).split("\n")[0]!.replace(r2ll, "fe80::2").replace(hi.name, "e-rdh");
  assert.equal(cache, linux("route show cache (first line)"), "ip -6 route show cache (the default route's metric, 1024 as ip -6 route add gives)");
  assert.equal(h.counters.Icmp6.InRedirects, linux("h Icmp6InRedirects"), "Icmp6InRedirects");
  assert.equal(r1.counters.Icmp6.OutRedirects, linux("r1 Icmp6OutRedirects"), "Icmp6OutRedirects");
  assert.equal((r1.counters.Ip6.OutForwDatagrams ?? 0) - r1Forw0, linux("r1 Ip6OutForwDatagrams"), "the redirected packets are still forwarded");
  assert.ok(!h.ip6.routes.format(net.now()).includes("redirect"), "ip -6 route does not list the cache entry");
});

test("redirects: a forwarding host ignores them, and accept_redirects 0 turns them off (rt6_do_redirect)", async () => {
  for (const [what, sysctl] of [["forwarding", { ipv6_forwarding: true }], ["accept_redirects 0", { ipv6_accept_redirects: false }]] as const) {
    const net = new Network({ seed: 9 });
    const h = net.addHost("h", { sysctl }), r1 = net.addHost("r1", { sysctl: { ipv6_forwarding: true } }), r2 = net.addHost("r2", { sysctl: { ipv6_forwarding: true } });
    const sw = net.switch();
    const hi = net.attach(h, sw, null), r1i = net.attach(r1, sw, null), r2i = net.attach(r2, sw, null);
    for (const x of [h, r1, r2]) x.enableIpv6();
    h.addAddress(hi, "2001:db8::5/64");
    r1.addAddress(r1i, "2001:db8::1/64"); // the sender must be on-link for r1 to redirect it
    r2.addAddress(r2.ip.loopback, "2001:db8:2::2/64");
    await net.advance(sec(3));
    const r1ll = formatIpv6Address(r1.ip6.addrconf.linkLocalOf(r1i)!), r2ll = formatIpv6Address(r2.ip6.addrconf.linkLocalOf(r2i)!);
    h.addRoute("default", r1ll, hi.name);
    r1.addRoute("2001:db8:2::/64", r2ll, r1i.name);
    await net.advance(sec(1));
    const before = h.ip6.routes.lookup(ipv6("2001:db8:2::2"), net.now())!.nextHop.slice();
    h.icmp6.sendEcho(ipv6("2001:db8:2::2"), h.icmp6.openEcho({ reply: () => {}, error: () => {} }), 1, new Uint8Array(8));
    await net.advance(ms(300));
    const after = h.ip6.routes.lookup(ipv6("2001:db8:2::2"), net.now())!.nextHop;
    assert.equal(h.counters.Icmp6.InRedirects, 1, `${what}: the redirect came`);
    assert.equal(formatIpv6Address(after), formatIpv6Address(before), `${what}: the route is unchanged`);
    assert.equal(h.ip6.routes.format(net.now(), true), "", `${what}: no cache entry`);
  }
});

test("redirects in tcpdump: the kernel's capture (redirects with and without the target's link-layer address) prints as this machine's tcpdump -nn printed it", () => {
  const recs = pcapRecords(new Uint8Array(readFileSync(new URL("./redirect-linux.pcap", import.meta.url))));
  const want = readFileSync(new URL("./redirect-linux.tcpdump.txt", import.meta.url), "utf8").split("\n").filter(Boolean);
  const td = new TcpdumpFormatter();
  assert.deepEqual(recs.map((r) => formatFrame(r.data, td)), want, "redirect-linux.tcpdump.txt");
});
