/**
 * DHCP (RFC 2131) on a switched LAN: hosts without addresses boot with
 * dhclient from a dhcpd, renew, rebind, lose their lease, get NAKs; and a
 * 20-host LAN configured by DHCP runs TCP between every pair.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../sim/network.js";
import { sec } from "../core/time.js";
import type { Host } from "./host.js";
import { dhclient, dhcpd, type DhcpClient } from "./dhcp.js";
import { Capture } from "../tools/capture.js";
import { emitDhcp, parseDhcp, DHCPREQUEST, BOOTREQUEST } from "../wire/dhcp.js";
import { WireError } from "../wire/wire-error.js";
import { echoBetweenAllPairs } from "../../test/helpers/mesh.js";

function lan(n: number, leaseTime = 3600, seed = 1) {
  const net = new Network({ seed });
  const sw = net.switch();
  const srv = net.addHost("srv");
  net.attach(srv, sw, "10.0.0.1/24");
  const server = dhcpd(srv, { range: ["10.0.0.100", "10.0.0.199"], router: "10.0.0.1", dns: ["10.0.0.1"], leaseTime });
  const hosts: Host[] = [];
  for (let i = 1; i <= n; i++) {
    const h = net.addHost(`h${i}`);
    net.attach(h, sw, null);
    hosts.push(h);
  }
  return { net, sw, srv, server, hosts };
}

test("the DHCP codec: a message re-emits byte for byte; garbage is a WireError", () => {
  const m = { op: BOOTREQUEST, xid: 0x12345678, secs: 3, flags: 0x8000, ciaddr: 0, yiaddr: 0, siaddr: 0, giaddr: 0, chaddr: 0x020000000001, type: DHCPREQUEST, requestedIp: 0x0a000064, serverId: 0x0a000001, hostName: "h1", paramList: [1, 3, 6] };
  const b = emitDhcp(m);
  const p = parseDhcp(b);
  assert.ok(!(p instanceof WireError));
  assert.deepEqual(emitDhcp(p), b);
  assert.equal(p.hostName, "h1");
  assert.equal((parseDhcp(b.subarray(0, 100)) as WireError).reason, "truncated");
  const bad = b.slice();
  bad[236] = 0;
  assert.equal((parseDhcp(bad) as WireError).reason, "bad-type");
});

test("hosts without addresses boot: DISCOVER, OFFER, REQUEST, ACK; each gets the next pool address, the prefix and a default route", async () => {
  const { net, srv, server, hosts } = lan(3);
  const cap = Capture.onHost(srv, { iface: "eth0", filter: "udp port 67 or udp port 68" });
  const clients = hosts.map((h) => dhclient(h));
  await net.runUntil(() => clients.every((c) => c.state === "BOUND"), { timeout: sec(30) });
  assert.deepEqual(hosts.map((h) => h.address), ["10.0.0.100", "10.0.0.101", "10.0.0.102"]);
  assert.equal(hosts[0]!.ip.routes.format(), [
    "127.0.0.0/8 dev lo proto kernel scope link src 127.0.0.1",
    "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.100",
    "default via 10.0.0.1 dev eth0",
  ].join("\n"));
  assert.deepEqual(clients[0]!.log, [
    "DHCPDISCOVER on eth0 to 255.255.255.255 port 67 interval 4",
    "DHCPOFFER of 10.0.0.100 from 10.0.0.1",
    "DHCPREQUEST on eth0 to 255.255.255.255 port 67 interval 4",
    "DHCPACK of 10.0.0.100 from 10.0.0.1",
    "bound to 10.0.0.100 -- renewal in 1800 seconds.",
  ]);
  assert.equal(server.log.filter((l) => l.startsWith("DHCPACK")).length, 3);
  assert.equal(cap.records().length, 12); // 4 messages × 3 clients, seen on the server's card
  // The hosts reach each other and the server by IP now.
  const p = hosts[0]!.createProcess("ping");
  const fd = p.socket("AF_INET", "SOCK_DGRAM");
  const before = hosts[2]!.counters.Udp.NoPorts ?? 0; // the other clients' broadcasts to port 67 count too, as on Linux
  await p.sendto(fd, "x", 0, ["10.0.0.102", 9]);
  await net.settle();
  assert.equal(hosts[2]!.counters.Udp.NoPorts, before + 1);
  // No port unreachable from the server for DHCP (dhcpd holds port 67), none from the clients (68).
  assert.equal(srv.counters.Udp.NoPorts ?? 0, 0);
});

test("lease life: renewal at T1 by unicast; the server gone, REBINDING at T2 by broadcast; at the end of the lease the address goes", async () => {
  const { net, server, hosts, sw } = lan(1, 100);
  const events: string[] = [];
  const c: DhcpClient = dhclient(hosts[0]!, { onEvent: (e) => events.push(`${net.now() / 1e6} ${e}`) });
  await net.runUntil(() => c.state === "BOUND", { timeout: sec(30) });
  await net.advance(sec(60));
  assert.deepEqual(events, ["0 SELECTING", "0 REQUESTING", "0 BOUND", "50 RENEWING", "50 BOUND"]);
  assert.equal(c.state, "BOUND");
  assert.ok(c.log.some((l) => l === "DHCPREQUEST on eth0 to 10.0.0.1 port 67 interval 4"));
  assert.equal(server.log.filter((l) => l.startsWith("DHCPACK")).length, 2);
  // Pull the server's cable.
  sw.ports[0]!.up = false;
  events.length = 0;
  await net.runUntil(() => c.state === "SELECTING", { timeout: sec(200) });
  // Renewed at 50 s: T1 at 100 s (unanswered), T2 = 7/8 of the lease at 137.5 s, the lease ends at 150 s.
  assert.deepEqual(events, ["100 RENEWING", "137.5 REBINDING", "150 SELECTING"]);
  assert.equal(hosts[0]!.ip.interfaceByName("eth0")!.addresses.length, 0);
  assert.ok(c.log.includes("lease of 10.0.0.100 expired"));
  assert.equal(hosts[0]!.ip.routes.routes.length, 1); // lo only
  // The server comes back: the client gets its address again.
  sw.ports[0]!.up = true;
  await net.runUntil(() => c.state === "BOUND", { timeout: sec(200) });
  assert.equal(hosts[0]!.address, "10.0.0.100");
});

test("DISCOVER retransmissions back off 4, 8, 16 s (±1 s) while no server answers; release frees the address for the next client", async () => {
  const { net, sw, hosts, server } = lan(2);
  sw.ports[0]!.up = false;
  const c = dhclient(hosts[0]!);
  await net.advance(sec(40));
  const sends = c.log.filter((l) => l.startsWith("DHCPDISCOVER"));
  assert.deepEqual(sends.map((l) => l.split(" ").pop()), ["4", "8", "16", "32"]);
  sw.ports[0]!.up = true;
  await net.runUntil(() => c.state === "BOUND", { timeout: sec(100) });
  c.release();
  await net.settle();
  assert.equal(hosts[0]!.ip.interfaceByName("eth0")!.addresses.length, 0);
  assert.ok(server.log.some((l) => l.startsWith("DHCPRELEASE of 10.0.0.100")));
  const d = dhclient(hosts[1]!);
  await net.runUntil(() => d.state === "BOUND", { timeout: sec(30) });
  assert.equal(hosts[1]!.address, "10.0.0.100");
});

test("a 20-host switched LAN configured by DHCP: TCP between every pair (190 connections), bytes echoed exactly", async () => {
  const { net, hosts } = lan(20, 3600, 7);
  const clients = hosts.map((h) => dhclient(h));
  const all = Promise.all(clients.map((c) => c.bound())); // resolves while the simulation runs
  await net.runUntil(() => clients.every((c) => c.state === "BOUND"), { timeout: sec(60) });
  assert.equal((await all).length, 20);
  assert.equal(new Set(hosts.map((h) => h.address)).size, 20);
  const r = await echoBetweenAllPairs(net, hosts, { repeat: 300, byName: true });
  assert.equal(r.length, 190);
  assert.deepEqual([...new Set(r)], ["ok"]);
});
