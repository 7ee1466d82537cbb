/**
 * Two hosts on one Ethernet link with IPv6 enabled: a at 2001:db8::1 and b
 * at 2001:db8::2 (plus any `extraA` addresses on a), no automatic IPv4
 * addresses, DAD done (3 s of virtual time) — the setting of the IPv6
 * option, ping-socket and flow-label tests that replay kernel probes.
 */
import { Network } from "../../src/sim/network.js";
import { ms, sec } from "../../src/core/time.js";

/** Builds the LAN and waits out DAD; `seed` picks the run's randomness. */
export async function ipv6Lan(seed: number, extraA: readonly string[] = []) {
  const net = new Network({ seed });
  const a = net.addHost("a"), b = net.addHost("b");
  const { aIface, bIface } = net.link(a, b, { kind: "ethernet", latency: ms(1), auto: false });
  a.enableIpv6();
  b.enableIpv6();
  a.addAddress(aIface, "2001:db8::1/64");
  for (const x of extraA) a.addAddress(aIface, x);
  b.addAddress(bIface, "2001:db8::2/64");
  await net.advance(sec(3));
  return { net, a, b, aIface, bIface };
}
