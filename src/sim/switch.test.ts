/**
 * The learning switch: learning, forwarding, flooding, filtering, ageing,
 * per-port conditions and capture, the embedding port, and a 20-host
 * switched LAN with TCP between every pair.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "./network.js";
import { ms, sec } from "../core/time.js";
import type { Host } from "../host/host.js";
import type { EthernetDevice, FrameHeader } from "../link/ethernet.js";
import { ETH_P_ARP, ETH_P_IP, MAC_BROADCAST, emitEthernetFrame, formatMac, parseEthernet } from "../wire/ethernet.js";
import { ARPOP_REQUEST, emitArp, parseArp } from "../wire/arp.js";
import { ipv4 } from "../wire/ipv4-address.js";
import { WireError } from "../wire/wire-error.js";
import { echoBetweenAllPairs } from "../../test/helpers/mesh.js";

function lan(n: number, seed = 1) {
  const net = new Network({ seed });
  const sw = net.switch();
  const hosts: Host[] = [];
  for (let i = 1; i <= n; i++) {
    const h = net.addHost(`h${i}`);
    net.attach(h, sw);
    hosts.push(h);
  }
  return { net, sw, hosts };
}

const dev = (h: Host) => h.ip.interfaceByName("eth0")!.device as EthernetDevice;

async function udp(net: Network, from: Host, to: string): Promise<void> {
  const p = from.createProcess("u");
  const fd = p.socket("AF_INET", "SOCK_DGRAM");
  await p.sendto(fd, "x", 0, [to, 9]);
  await net.settle();
  p.close(fd);
}

test("automatic numbering: hosts on a switch get 10.0.0.1, .2, … of the first free /24; MACs come from the seed", () => {
  const { hosts } = lan(3);
  assert.deepEqual(hosts.map((h) => h.address), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
  const macs = hosts.map((h) => formatMac(dev(h).mac));
  assert.equal(new Set(macs).size, 3);
  assert.deepEqual(lan(3).hosts.map((h) => formatMac(dev(h).mac)), macs);
  assert.notDeepEqual(lan(3, 2).hosts.map((h) => formatMac(dev(h).mac)), macs);
  for (const m of macs) assert.match(m, /^[0-9a-f][26ae]:/); // locally administered unicast
});

test("learning: the broadcast request is flooded, the reply and the datagram go to one port; a frame for its own port is filtered", async () => {
  const { net, sw, hosts } = lan(3);
  const [h1, h2, h3] = hosts as [Host, Host, Host];
  const seen3: string[] = [];
  dev(h3).frameTaps.push((h: FrameHeader, _p, dir) => { if (dir === "in") seen3.push(h.etherType === ETH_P_ARP ? "arp" : "ip"); });
  await udp(net, h1, "10.0.0.2");
  assert.deepEqual(seen3, ["arp"]); // only the flooded request reached h3
  assert.deepEqual(sw.stats, { forwarded: 3, flooded: 1, filtered: 0, linkLocal: 0, dropped: 0 }); // reply, datagram, port unreachable
  assert.deepEqual(sw.fdb().map((e) => [formatMac(e.mac), e.port.number]).sort(), [[formatMac(dev(h1).mac), 1], [formatMac(dev(h2).mac), 2]].sort());
  // A unicast frame to a MAC learned on the ingress port is filtered.
  const ext = net.attachExternal(sw, { send: () => {} });
  const mac = 0x02aaaaaaaaaa;
  ext.receive(emitEthernetFrame(dev(h1).mac, mac, 0x88b5, new Uint8Array(46)));
  await net.settle();
  ext.receive(emitEthernetFrame(mac, 0x02bbbbbbbbbb, 0x88b5, new Uint8Array(46)));
  await net.settle();
  assert.equal(sw.stats.filtered, 1);
  assert.equal(dev(h1).stats.rx_nohandler, 1); // EtherType 0x88b5 (local experimental): no protocol takes it
});

test("ageing: an entry not refreshed for ageing_time (300 s) is forgotten; the next frame to it is flooded", async () => {
  const { net, sw, hosts } = lan(3);
  await udp(net, hosts[0]!, "10.0.0.2");
  assert.equal(sw.fdb().length, 2);
  await net.advance(sec(299));
  assert.equal(sw.fdb().length, 2);
  await net.advance(sec(20));
  // The neighbours' own probing refreshed nothing after the first minute (entries STALE, unused).
  assert.equal(sw.fdb().length, 0);
  const before = sw.stats.flooded;
  await udp(net, hosts[0]!, "10.0.0.2");
  assert.ok(sw.stats.flooded > before);
});

test("per-port conditions and capture: a slow cable delays that port only, a pulled one loses its frames; a port tap sees frames in and out", async () => {
  const net = new Network({ seed: 3 });
  const sw = net.switch();
  const a = net.addHost("a"), b = net.addHost("b"), c = net.addHost("c");
  net.attach(a, sw);
  net.attach(b, sw, undefined, { latency: ms(10) });
  net.attach(c, sw, "10.0.0.3/24", { mac: "02:00:00:00:00:0c" });
  assert.equal(formatMac(dev(c).mac), "02:00:00:00:00:0c");
  const port2 = sw.ports[1]!;
  const seen: string[] = [];
  port2.frameTaps.push((h, _p, dir) => seen.push(`${dir} ${h.etherType.toString(16)}`));
  await udp(net, a, "10.0.0.2");
  assert.deepEqual(seen, ["out 806", "in 806", "out 800", "in 800"]); // request, reply, datagram, port unreachable
  assert.equal(net.now() >= ms(40), true); // two round trips over b's 10 ms cable
  const cable = net.cables[1]!;
  cable.partition();
  await udp(net, a, "10.0.0.2");
  // The cable's a end is b's card, its b end the switch port: the datagram was lost switch → b.
  assert.equal(cable.stats().bToA.dropped.partition, 1);
  assert.equal(cable.stats().aToB.dropped.partition, 0);
});

test("the embedding port: frames out of the switch reach the sink as bytes; frames given to receive() reach the hosts (ARP answered)", async () => {
  const { net, sw, hosts } = lan(2);
  const out: Uint8Array[] = [];
  const ext = net.attachExternal(sw, { send: (f) => out.push(f) });
  const me = 0x02000000ee01;
  const req = emitArp({ op: ARPOP_REQUEST, sha: me, spa: ipv4("10.0.0.99"), tha: 0, tpa: ipv4("10.0.0.2") });
  assert.equal(ext.receive(emitEthernetFrame(MAC_BROADCAST, me, ETH_P_ARP, req)), true);
  assert.equal(ext.receive(new Uint8Array(5)), false);
  await net.settle();
  const replies = out.map((f) => parseEthernet(f)).filter((h) => !(h instanceof WireError) && h.dst === me);
  assert.equal(replies.length, 1);
  const a = parseArp(out.find((f) => (parseEthernet(f) as { dst: number }).dst === me)!, 14);
  assert.ok(!(a instanceof WireError));
  assert.equal(a.sha, dev(hosts[1]!).mac);
  assert.equal(ext.stats.malformed, 1);
  assert.equal(sw.fdb().some((e) => e.mac === me && e.port === ext.port), true);
  void ETH_P_IP;
});

test("a 20-host switched LAN: TCP between every pair (190 connections), bytes echoed exactly, ARP resolved once per pair", async () => {
  const { net, sw, hosts } = lan(20, 7);
  const r = await echoBetweenAllPairs(net, hosts, { repeat: 200 });
  assert.equal(r.length, 190);
  assert.deepEqual([...new Set(r)], ["ok"]);
  assert.equal(sw.fdb().length, 20);
  // Each host resolved each of the 19 others (as client or server side), once.
  for (const h of hosts) assert.equal(h.ip.arp.size, 19);
  assert.ok(sw.stats.forwarded > 190 * 6);
});
