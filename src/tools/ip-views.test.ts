// ip link / ip addr / ip neigh / arp -n / bridge fdb in the formats iproute2
// and net-tools print on this machine (see the file comment of ip-views.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../sim/network.js";
import { sec } from "../core/time.js";
import { arpN, bridgeFdb, ipAddr, ipLink, ipNeigh } from "./ip-views.js";

async function scene() {
  const net = new Network({ seed: 19 });
  const a = net.addHost("a"), b = net.addHost("b");
  net.link(a, b, { kind: "ethernet", aName: "eth19-va", a: "10.219.0.1/24", b: "10.219.0.2/24", aMac: "02:00:00:00:19:01", bMac: "02:00:00:00:19:02" });
  const p = a.createProcess("u");
  const fd = p.socket("AF_INET", "SOCK_DGRAM");
  await p.sendto(fd, "hello", 0, ["10.219.0.2", 9]);
  await p.sendto(fd, "hello", 0, ["10.219.0.9", 9]);
  await net.advance(sec(0.2));
  return { net, a, b };
}

test("ip link and ip addr: loopback and an Ethernet card as iproute2 prints them (no @ifN / link-netns)", async () => {
  const { a } = await scene();
  assert.equal(ipLink(a), [
    "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000",
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
    "2: eth19-va: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000",
    "    link/ether 02:00:00:00:19:01 brd ff:ff:ff:ff:ff:ff",
  ].join("\n"));
  assert.equal(ipAddr(a), [
    "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000",
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
    "    inet 127.0.0.1/8 scope host lo",
    "       valid_lft forever preferred_lft forever",
    "2: eth19-va: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000",
    "    link/ether 02:00:00:00:19:01 brd ff:ff:ff:ff:ff:ff",
    "    inet 10.219.0.1/24 scope global eth19-va",
    "       valid_lft forever preferred_lft forever",
  ].join("\n"));
  (a.ip.interfaces[1]!.device).up = false;
  assert.match(ipLink(a), /2: eth19-va: <BROADCAST,MULTICAST> mtu 1500 qdisc noqueue state DOWN/);
});

test("ip neigh, ip -s neigh and arp -n: INCOMPLETE and REACHABLE entries as the kernel showed them", async () => {
  const { a } = await scene();
  assert.equal(ipNeigh(a), "10.219.0.9 dev eth19-va INCOMPLETE \n10.219.0.2 dev eth19-va lladdr 02:00:00:00:19:02 REACHABLE ");
  assert.equal(ipNeigh(a, { stats: true }), [
    "10.219.0.9 dev eth19-va  ref 1 used 0/60/0probes 4 INCOMPLETE ",
    "10.219.0.2 dev eth19-va lladdr 02:00:00:00:19:02  ref 1 used 0/0/0probes 4 REACHABLE ",
  ].join("\n"));
  assert.equal(arpN(a), [
    "Address                  HWtype  HWaddress           Flags Mask            Iface",
    "10.219.0.9                       (incomplete)                              eth19-va",
    "10.219.0.2               ether   02:00:00:00:19:02   C                     eth19-va",
  ].join("\n"));
  assert.equal(ipNeigh(a, { dev: "eth9" }), "");
});

test("bridge fdb: the switch's learned entries", async () => {
  const net = new Network({ seed: 1 });
  const sw = net.switch({ name: "br0" });
  const a = net.addHost("a"), b = net.addHost("b");
  net.attach(a, sw, undefined, { mac: "02:00:00:00:19:01" });
  net.attach(b, sw, undefined, { mac: "02:00:00:00:19:02" });
  const p = a.createProcess("u");
  await p.sendto(p.socket("AF_INET", "SOCK_DGRAM"), "x", 0, ["10.0.0.2", 9]);
  await net.settle();
  assert.equal(bridgeFdb(sw), "02:00:00:00:19:01 dev br0p1 master br0 \n02:00:00:00:19:02 dev br0p2 master br0 ");
});
