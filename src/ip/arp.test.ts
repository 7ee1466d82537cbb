/**
 * ARP and the neighbour table on virtual time: every NUD state and its
 * timer, with the transitions and timings measured on this machine's
 * kernel (6.18, veth pair in two namespaces; see docs/ethernet.md).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../sim/network.js";
import type { Host } from "../host/host.js";
import type { Process } from "../sys/process.js";
import { ms, sec, type Micros } from "../core/time.js";
import { EthernetDevice, type FrameHeader } from "../link/ethernet.js";
import { ETH_P_ARP, MAC_BROADCAST, formatMac } from "../wire/ethernet.js";
import { parseArp } from "../wire/arp.js";
import { formatIpv4Address, ipv4 } from "../wire/ipv4-address.js";
import type { Packet } from "../wire/packet.js";
import type { NetInterface } from "./interface.js";

interface Seen {
  t: Micros;
  line: string;
}

/** Logs the frames `dev` sends: ARP as `who-has X tell Y` / `X is-at M`, IPv4 as `ip`, with the destination MAC kind. */
function frames(net: Network, dev: EthernetDevice): Seen[] {
  const out: Seen[] = [];
  dev.frameTaps.push((h: FrameHeader, p: Packet, dir) => {
    if (dir !== "out") return;
    const to = h.dst === MAC_BROADCAST ? "bcast" : "ucast";
    if (h.etherType === ETH_P_ARP) {
      const a = parseArp(p.head);
      if ("op" in a) {
        out.push({ t: net.now(), line: a.op === 1 ? `${to} who-has ${formatIpv4Address(a.tpa)} tell ${formatIpv4Address(a.spa)}` : `${to} ${formatIpv4Address(a.spa)} is-at ${formatMac(a.sha)}` });
      }
    } else out.push({ t: net.now(), line: `${to} ip` });
  });
  return out;
}

function lan(seed = 1, sysctl = {}) {
  const net = new Network({ seed });
  const a = net.addHost("a", { sysctl }), b = net.addHost("b", { sysctl });
  const { link, aIface, bIface } = net.link(a, b, { kind: "ethernet", latency: ms(1) });
  // A sink on b so datagrams are not answered with port unreachables.
  b.spawn("sink", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(fd, ["0.0.0.0", 9]);
    for (;;) await p.recv(fd, 2000);
  }, { daemon: true });
  const sender = a.createProcess("send");
  const fd = sender.socket("AF_INET", "SOCK_DGRAM");
  const send = (n = 1, to = "10.0.0.2") => sender.sendto(fd, new Uint8Array(n), 0, [to, 9]);
  return { net, a, b, link, aIface, bIface, aDev: aIface.device as EthernetDevice, bDev: bIface.device as EthernetDevice, send, sender };
}

const state = (h: Host, iface: NetInterface, addr: string) => h.ip.arp.lookup(iface, ipv4(addr))?.state ?? "none";

test("the first datagram waits for ARP: broadcast request, unicast reply, then the datagram; a is REACHABLE, b STALE", async () => {
  const { net, a, b, aIface, bIface, aDev, bDev, send } = lan();
  const fa = frames(net, aDev), fb = frames(net, bDev);
  await send();
  assert.equal(state(a, aIface, "10.0.0.2"), "INCOMPLETE");
  await net.settle();
  assert.deepEqual(fa.map((f) => `${f.t} ${f.line}`), ["0 bcast who-has 10.0.0.2 tell 10.0.0.1", "2000 ucast ip"]);
  assert.deepEqual(fb.map((f) => `${f.t} ${f.line}`), [`1000 ucast 10.0.0.2 is-at ${formatMac(bDev.mac)}`]);
  assert.equal(state(a, aIface, "10.0.0.2"), "REACHABLE");
  assert.equal(a.ip.arp.lookup(aIface, ipv4("10.0.0.2"))!.mac, bDev.mac);
  // The request made b learn a (neigh_event_ns), unconfirmed.
  assert.equal(state(b, bIface, "10.0.0.1"), "STALE");
  assert.equal(b.counters.Udp.InDatagrams, 1);
});

test("reachable_time is base_reachable_time × [0.5, 1.5) from the seeded RNG; unused, REACHABLE turns STALE then", async () => {
  const times = new Set<number>();
  for (const seed of [1, 2, 3, 4, 5]) {
    const { net, a, aIface, send } = lan(seed);
    const rt = a.ip.arp.reachableTime;
    assert.ok(rt >= sec(15) && rt < sec(45), `reachable_time ${rt}`);
    times.add(rt);
    await send();
    await net.settle();
    const confirmed = a.ip.arp.lookup(aIface, ipv4("10.0.0.2"))!.confirmed;
    await net.runUntil(() => state(a, aIface, "10.0.0.2") !== "REACHABLE", { timeout: sec(60) });
    // Used at t=0 (> delay_first_probe_time ago): straight to STALE, exactly at confirmed + reachable_time.
    assert.equal(state(a, aIface, "10.0.0.2"), "STALE");
    assert.equal(net.now(), confirmed + rt);
  }
  assert.ok(times.size > 1, "different seeds draw different reachable times");
  // Same seed, same draw.
  assert.equal(lan(3).a.ip.arp.reachableTime, lan(3).a.ip.arp.reachableTime);
});

test("STALE + a send → DELAY (sent with the cached MAC); no confirmation for 5 s → PROBE: a unicast probe, the reply makes it REACHABLE", async () => {
  const { net, a, aIface, aDev, send } = lan();
  await send();
  await net.runUntil(() => state(a, aIface, "10.0.0.2") === "STALE", { timeout: sec(60) });
  const fa = frames(net, aDev);
  const t0 = net.now();
  await send();
  assert.equal(state(a, aIface, "10.0.0.2"), "DELAY");
  await net.runUntil(() => state(a, aIface, "10.0.0.2") === "PROBE", { timeout: sec(10) });
  assert.equal(net.now() - t0, sec(5));
  await net.settle();
  assert.equal(state(a, aIface, "10.0.0.2"), "REACHABLE");
  assert.deepEqual(fa.map((f) => `${f.t - t0} ${f.line}`), ["0 ucast ip", "5000000 ucast who-has 10.0.0.2 tell 10.0.0.1"]);
});

test("REACHABLE expiring within delay_first_probe_time of a use goes to DELAY, then re-probes (Linux 6.18 keeps an idle used entry confirmed)", async () => {
  const { net, a, aIface, aDev, send } = lan(1, { neigh_base_reachable_time: sec(2) });
  const fa = frames(net, aDev);
  await send();
  await net.settle();
  await net.runUntil(() => state(a, aIface, "10.0.0.2") !== "REACHABLE", { timeout: sec(10) });
  assert.equal(state(a, aIface, "10.0.0.2"), "DELAY");
  await net.advance(sec(30));
  // Every cycle: DELAY 5 s → one unicast probe → REACHABLE for reachable_time → DELAY …
  const probes = fa.filter((f) => f.line === "ucast who-has 10.0.0.2 tell 10.0.0.1");
  assert.ok(probes.length >= 3, `${probes.length} probes`);
  const rt = a.ip.arp.reachableTime;
  for (let i = 1; i < probes.length; i++) assert.equal(probes[i]!.t - probes[i - 1]!.t, 2000 + rt + sec(5)); // reply RTT + reachable + delay
});

test("a pulled cable: PROBE sends ucast_solicit unicast probes retrans_time apart, then FAILED; the next send starts INCOMPLETE with mcast_solicit broadcasts", async () => {
  const { net, a, aIface, aDev, link, send } = lan();
  await send();
  await net.runUntil(() => state(a, aIface, "10.0.0.2") === "STALE", { timeout: sec(60) });
  link.partition();
  const fa = frames(net, aDev);
  const t0 = net.now();
  await send();
  await net.runUntil(() => state(a, aIface, "10.0.0.2") === "FAILED", { timeout: sec(20) });
  assert.equal(net.now() - t0, sec(8)); // 5 s DELAY + 3 probes 1 s apart
  assert.deepEqual(fa.map((f) => `${(f.t - t0) / 1e6} ${f.line}`), [
    "0 ucast ip",
    "5 ucast who-has 10.0.0.2 tell 10.0.0.1",
    "6 ucast who-has 10.0.0.2 tell 10.0.0.1",
    "7 ucast who-has 10.0.0.2 tell 10.0.0.1",
  ]);
  fa.length = 0;
  const t1 = net.now();
  await send(100);
  await send(100);
  assert.equal(state(a, aIface, "10.0.0.2"), "INCOMPLETE");
  assert.equal(a.ip.arp.lookup(aIface, ipv4("10.0.0.2"))!.queue.length, 2);
  await net.runUntil(() => state(a, aIface, "10.0.0.2") === "FAILED", { timeout: sec(20) });
  assert.equal(net.now() - t1, sec(3)); // as measured: requests at 0, 1, 2 s, FAILED at 3 s
  assert.deepEqual(fa.map((f) => `${(f.t - t1) / 1e6} ${f.line}`), [
    "0 bcast who-has 10.0.0.2 tell 10.0.0.1",
    "1 bcast who-has 10.0.0.2 tell 10.0.0.1",
    "2 bcast who-has 10.0.0.2 tell 10.0.0.1",
  ]);
  await net.settle();
  // arp_error_report: each queued datagram got an ICMP host unreachable (to this host itself).
  assert.equal(a.counters.Icmp.OutDestUnreachs, 2);
  assert.equal(a.counters.Icmp.InDestUnreachs, 2);
  assert.equal(a.ip.arp.stats.res_failed, 2);
  assert.equal(a.ip.arp.lookup(aIface, ipv4("10.0.0.2"))!.queue.length, 0);
});

test("a TCP connect to an absent neighbour fails after 3 s with EHOSTUNREACH, as on Linux (the SYNs wait for ARP, then get host unreachable)", async () => {
  const { net, a } = lan();
  const p = a.createProcess("c");
  const fd = p.socket("AF_INET", "SOCK_STREAM");
  let err = "";
  let at = -1;
  void p.connect(fd, ["10.0.0.77", 80]).catch((e: Error) => { err = e.message; at = net.now(); });
  await net.advance(sec(4));
  assert.equal(err, "connect: No route to host");
  assert.equal(at, sec(3));
  assert.equal(a.counters.Icmp.InDestUnreachs, 3); // the SYN and its retransmissions at 1 s and 3 s
});

test("unres_qlen_bytes bounds the queue of an unresolved neighbour at truesize; the oldest packets go first (unres_discards)", async () => {
  const { net, a, aIface, send } = lan(1, { neigh_unres_qlen_bytes: 10_000 });
  for (let i = 0; i < 10; i++) await send(1000);
  const n = a.ip.arp.lookup(aIface, ipv4("10.0.0.2"))!;
  // 1028-byte datagrams charged 1028 + 832 each: 5 fit in 10,000 bytes.
  assert.equal(n.queue.length, 5);
  assert.equal(a.ip.arp.stats.unres_discards, 5);
  await net.settle();
  assert.equal(net.hosts.get("b")!.counters.Udp.InDatagrams, 5);
});

function twoNets(sysctl = {}) {
  // r has eth0 on 10.0.0.0/24 (with a) and eth1 on 10.0.1.0/24 (with c).
  const net = new Network({ seed: 9 });
  const a = net.addHost("a"), r = net.addHost("r", { router: true, sysctl }), c = net.addHost("c");
  const l1 = net.link(a, r, { kind: "ethernet", a: "10.0.0.1/24", b: "10.0.0.254/24" });
  const l2 = net.link(r, c, { kind: "ethernet", a: "10.0.1.254/24", b: "10.0.1.2/24" });
  return { net, a, r, c, l1, l2 };
}

async function ask(net: Network, from: Host, iface: NetInterface, target: string): Promise<string> {
  const p: Process = from.createProcess("ask");
  const fd = p.socket("AF_INET", "SOCK_DGRAM");
  // A datagram to `target` routed out of `iface`: make the route first.
  from.addRoute(`${target}/32`, undefined, iface.name);
  await p.sendto(fd, "x", 0, [target, 9]);
  await net.advance(sec(4));
  return from.ip.arp.lookup(iface, ipv4(target))?.state ?? "none";
}

test("arp_ignore 0 answers for any local address (weak host); 1 only for the receiving interface's", async () => {
  {
    const { net, a, r, l1 } = twoNets();
    assert.equal(await ask(net, a, l1.aIface, "10.0.1.254"), "REACHABLE"); // r's eth1 address, asked on eth0
    assert.equal(r.sysctl.arp_ignore, 0);
  }
  {
    const { net, a, l1 } = twoNets({ arp_ignore: 1 });
    assert.equal(await ask(net, a, l1.aIface, "10.0.1.254"), "FAILED");
    assert.equal(await ask(net, a, l1.aIface, "10.0.0.254"), "REACHABLE");
  }
});

test("proxy_arp answers for an address routed through another interface, after a random delay below proxy_delay", async () => {
  {
    const { net, a, l1 } = twoNets();
    assert.equal(await ask(net, a, l1.aIface, "10.0.1.2"), "FAILED"); // off by default
  }
  const { net, a, r, l1 } = twoNets({ proxy_arp: true });
  const fr = frames(net, l1.bIface.device as EthernetDevice);
  assert.equal(await ask(net, a, l1.aIface, "10.0.1.2"), "REACHABLE");
  assert.equal(a.ip.arp.lookup(l1.aIface, ipv4("10.0.1.2"))!.mac, (l1.bIface.device as EthernetDevice).mac);
  const reply = fr.find((f) => f.line.startsWith("ucast 10.0.1.2 is-at"))!;
  assert.ok(reply.t > ms(1) && reply.t < ms(1) + r.sysctl.neigh_proxy_delay, `reply at ${reply.t}`);
  // Not for the interface the target lies behind.
  const { net: n2, c: c2, l2 } = twoNets({ proxy_arp: true });
  assert.equal(await ask(n2, c2, l2.bIface, "10.0.1.3"), "FAILED");
});

test("arp_notify 1: a gratuitous ARP on a new address and on link up; a gratuitous ARP overrides a cached MAC inside locktime", async () => {
  const { net, a, b, aIface, bIface, bDev, send } = lan(1, { arp_notify: 1 });
  await send();
  await net.settle();
  const fb = frames(net, bDev);
  b.addAddress(bIface, "10.0.0.3/24");
  bDev.up = false;
  bDev.up = true;
  await net.settle();
  assert.deepEqual(fb.map((f) => f.line), [
    "bcast who-has 10.0.0.3 tell 10.0.0.3",
    "bcast who-has 10.0.0.2 tell 10.0.0.2",
    "bcast who-has 10.0.0.3 tell 10.0.0.3",
  ]);
  // Existing entries are updated (arp_accept 0 creates none for 10.0.0.3).
  assert.equal(state(a, aIface, "10.0.0.3"), "none");
  // A new MAC announced gratuitously replaces the cached one at once (locktime does not hold a GARP back).
  const oldMac = bDev.mac;
  bDev.mac = oldMac + 1;
  bDev.up = false;
  bDev.up = true;
  await net.settle();
  const n = a.ip.arp.lookup(aIface, ipv4("10.0.0.2"))!;
  assert.equal(n.mac, oldMac + 1);
  assert.equal(n.state, "STALE");
});

test("gc_thresh3 bounds the table: FAILED entries are collected to make room; a full table drops the packet (table_fulls)", async () => {
  const { net, a, aIface, send } = lan(1, { neigh_gc_thresh1: 2, neigh_gc_thresh2: 3, neigh_gc_thresh3: 4 });
  for (let i = 10; i < 14; i++) await send(1, `10.0.0.${i}`);
  assert.equal(a.ip.arp.size, 4);
  await send(1, "10.0.0.20"); // all four INCOMPLETE and fresh: nothing to collect
  assert.equal(a.ip.arp.stats.table_fulls, 1);
  assert.equal(state(a, aIface, "10.0.0.20"), "none");
  await net.advance(sec(4)); // all FAILED
  await send(1, "10.0.0.20");
  assert.equal(state(a, aIface, "10.0.0.20"), "INCOMPLETE");
  assert.ok(a.ip.arp.stats.forced_gc_runs >= 2);
  // The periodic collector removes FAILED entries while the table is above gc_thresh1.
  await net.advance(sec(60));
  assert.ok(a.ip.arp.size <= 2, `size ${a.ip.arp.size}`);
  assert.ok(a.ip.arp.stats.periodic_gc_runs >= 1);
});
