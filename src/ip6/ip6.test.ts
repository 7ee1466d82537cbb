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
import { formatIpv6Address, ipv6, solicitedNode, type Ipv6Address } from "../wire/ipv6-address.js";
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

test("enabling IPv6: EUI-64 link-local, DAD (NS from :: to the solicited-node group, after a random delay below 1 s), then router solicitations", async () => {
  const { net, a, aIface, aDev } = lan();
  const fa = frames(net, aDev);
  a.enableIpv6();
  const ll = addrs(a, aIface);
  assert.equal(ll.length, 1);
  assert.match(ll[0]!, /^fe80::[0-9a-f:]+\/64 tentative$/);
  await net.advance(sec(10));
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
