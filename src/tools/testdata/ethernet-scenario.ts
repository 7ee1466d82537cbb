/**
 * A small Ethernet scenario for the capture tests: a host ARPs for a
 * neighbour, sends UDP and gets a port unreachable, asks for an absent
 * address three times, announces a new address (arp_notify), and sends a
 * broadcast datagram — all captured on its card.
 */
import { Network } from "../../sim/network.js";
import { Capture } from "../capture.js";
import { sec } from "../../core/time.js";

/** Runs the scenario; returns the network and the capture of host a's eth0. */
export async function ethernetScenario(filter?: string): Promise<{ net: Network; cap: Capture }> {
  const net = new Network({ seed: 19 });
  const a = net.addHost("a", { sysctl: { arp_notify: 1 } }), b = net.addHost("b");
  net.link(a, b, { kind: "ethernet", a: "10.219.0.1/24", b: "10.219.0.2/24", aMac: "02:00:00:00:19:01", bMac: "02:00:00:00:19:02" });
  const cap = Capture.onHost(a, { iface: "eth0", filter });
  const p = a.createProcess("u");
  const fd = p.socket("AF_INET", "SOCK_DGRAM");
  p.setsockopt(fd, "SOL_SOCKET", "SO_BROADCAST", 1);
  await p.sendto(fd, "hello", 0, ["10.219.0.2", 9]);
  await net.settle();
  await p.sendto(fd, "x", 0, ["10.219.0.9", 9]);
  await net.advance(sec(4));
  a.addAddress("eth0", "10.219.0.5/24");
  await p.sendto(fd, "all", 0, ["10.219.0.255", 9]);
  await net.settle();
  return { net, cap };
}
