/**
 * The embedding surface: two separate sockstack networks joined through an
 * in-process frame relay (the example of docs/embedding.md), and a host
 * card whose frames go to an embedder.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../sim/network.js";
import { ms, sec } from "../core/time.js";
import { ETH_P_ARP, parseEthernet } from "../wire/ethernet.js";
import { WireError } from "../wire/wire-error.js";

test("two networks joined through an in-process relay: ARP across it, then a TCP echo byte for byte", async () => {
  // Network A: alice on a switch. Network B: bob on a switch. The relay carries frames between the switches.
  const netA = new Network({ seed: 1 }), netB = new Network({ seed: 2 });
  const alice = netA.addHost("alice"), bob = netB.addHost("bob");
  const swA = netA.switch(), swB = netB.switch();
  netA.attach(alice, swA, "10.1.0.1/24");
  netB.attach(bob, swB, "10.1.0.2/24");
  const toB = netB.attachExternal(swB, { send: (frame) => toA.receive(frame) });
  const toA = netA.attachExternal(swA, { send: (frame) => toB.receive(frame) });

  bob.spawn("echo", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 7]);
    p.listen(l, 1);
    const { fd } = await p.accept(l);
    for (let d = await p.recv(fd, 1000); d.length > 0; d = await p.recv(fd, 1000)) await p.send(fd, d);
  }, { daemon: true });
  const hello = alice.spawn("client", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.1.0.2", 7]);
    await p.send(fd, "hello across the relay");
    return new TextDecoder().decode(await p.recv(fd, 1000));
  });
  let done = false;
  void hello.result.then(() => { done = true; });
  // Each network keeps its own virtual clock: advance them in lockstep, 1 ms at a time.
  while (!done && netA.now() < sec(10)) {
    await netA.advance(ms(1));
    await netB.advance(ms(1));
  }
  assert.equal(await hello.result, "hello across the relay");
  assert.equal(alice.ip.arp.lookup(alice.ip.interfaceByName("eth0")!, 0x0a010002)?.state, "REACHABLE");
  assert.ok(toA.stats.sent > 4 && toB.stats.sent > 4);
  await netA.advance(ms(1)); // the last frame B sent is queued for A's next instant
  assert.equal(toA.stats.received, toB.stats.sent);
});

test("a host card attached to an embedder: the host ARPs through it, and what the embedder answers reaches IP", async () => {
  const net = new Network({ seed: 3 });
  const h = net.addHost("vm");
  const out: Uint8Array[] = [];
  const nic = net.attachExternal(h, { send: (f) => out.push(f) }, { cidr: "192.168.7.2/24", mac: "02:00:00:00:07:02" });
  assert.equal(nic.iface.name, "eth0");
  const p = h.createProcess("u");
  await p.sendto(p.socket("AF_INET", "SOCK_DGRAM"), "x", 0, ["192.168.7.1", 9]);
  await net.settle();
  const f = out[0]!;
  const eth = parseEthernet(f);
  assert.ok(!(eth instanceof WireError));
  assert.equal(eth.etherType, ETH_P_ARP);
  // The embedder answers the ARP request: the queued datagram leaves at once.
  const reply = f.slice();
  reply.set(f.subarray(6, 12), 0);                          // to the asker
  reply.set([0x02, 0, 0, 0, 7, 1], 6);                      // from 02:00:00:00:07:01
  reply[21] = 2;                                            // ARP reply
  reply.set([0x02, 0, 0, 0, 7, 1], 22);                     // sha
  reply.set([192, 168, 7, 1], 28);                          // spa
  reply.set(f.subarray(22, 32), 32);                        // tha/tpa = the asker
  assert.equal(nic.receive(reply), true);
  await net.settle();
  assert.equal(out.length, 2);
  assert.deepEqual(Array.from(out[1]!.subarray(0, 6)), [2, 0, 0, 0, 7, 1]);
  assert.equal(out[1]![23], 17); // the UDP datagram
});
