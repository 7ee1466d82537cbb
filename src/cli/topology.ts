/**
 * The chain topology the CLI builds: a client, `hops` routers and a
 * server, one point-to-point link between neighbours.
 *
 * Addressing: link k (k = 0 … hops, counted from the client) is the subnet
 * 10.0.k.0/24; the host on its client side has 10.0.k.1, the host on its
 * server side 10.0.k.2. So the client is always 10.0.0.1, the server is
 * 10.0.{hops}.2, and router k answers on 10.0.{k-1}.2 (towards the client)
 * and 10.0.k.1 (towards the server). With no routers this is the two-host
 * network of the demo: client 10.0.0.1 — server 10.0.0.2.
 *
 * Routes: the client and the server send everything outside their link to
 * their router (a default route); router k sends 10.0.0.0/16 towards the
 * server and the subnets behind the client-side neighbour back towards the
 * client (longest prefix wins). A destination outside 10.0.0.0/16 gets
 * "Destination Net Unreachable" from the first router; one inside it that
 * no host has, from the last router.
 */
import { type Micros } from "../core/time.js";
import type { Host } from "../host/host.js";
import type { Network } from "../sim/network.js";
import type { Link } from "../sim/link.js";
import type { NetInterface } from "../ip/interface.js";

/** Largest router count {@link buildChain} accepts (the third octet of the addresses). */
export const MAX_HOPS = 250;

/** Conditions of every link of the chain. */
export interface ChainOptions {
  /** Number of routers between client and server (default 0). */
  hops?: number;
  /** One-way delay of each link, µs. */
  latency?: Micros;
  /** Loss probability of each link, each direction. */
  loss?: number;
  /**
   * Also IPv6: link k gets 2001:db8:k::/64 (k in hex), ::1 on its client
   * side and ::2 on its server side, with the same routes, and the
   * routers forward IPv6.
   */
  ipv6?: boolean;
}

/** The built chain. */
export interface Chain {
  client: Host;
  server: Host;
  /** r1 … rN, from the client side. */
  routers: Host[];
  /** Links from the client side: links[k] carries subnet 10.0.k.0/24. */
  links: Link[];
  /** Host name → its address on the chain (routers: the client-side one). */
  addresses: Map<string, string>;
  /** The same for IPv6 (empty without `ipv6`). */
  addresses6: Map<string, string>;
}

/**
 * Builds a client, `hops` routers and a server on `net`.
 * @example
 * const { client, server } = buildChain(new Network({ seed: 1 }), { hops: 2, latency: ms(5) });
 * // client 10.0.0.1, r1 10.0.0.2/10.0.1.1, r2 10.0.1.2/10.0.2.1, server 10.0.2.2
 */
export function buildChain(net: Network, opts: ChainOptions = {}): Chain {
  const hops = opts.hops ?? 0;
  if (!Number.isInteger(hops) || hops < 0 || hops > MAX_HOPS) throw new RangeError(`hops must be an integer in [0, ${MAX_HOPS}]`);
  const client = net.addHost("client");
  const routers: Host[] = [];
  for (let k = 1; k <= hops; k++) routers.push(net.addHost(`r${k}`, { router: true }));
  const server = net.addHost("server");
  const nodes = [client, ...routers, server];
  const links: Link[] = [];
  const ends: [NetInterface, NetInterface][] = [];
  for (let k = 0; k <= hops; k++) {
    const { link, aIface, bIface } = net.link(nodes[k]!, nodes[k + 1]!, {
      a: `10.0.${k}.1/24`,
      b: `10.0.${k}.2/24`,
      latency: opts.latency ?? 0,
      loss: opts.loss ?? 0,
    });
    links.push(link);
    ends.push([aIface, bIface]);
  }
  if (hops > 0) {
    client.addRoute("default", "10.0.0.2");
    server.addRoute("default", `10.0.${hops}.1`);
  }
  for (let k = 1; k <= hops; k++) {
    const r = routers[k - 1]!;
    if (k < hops) r.addRoute("10.0.0.0/16", `10.0.${k}.2`);
    for (let j = 0; j < k - 1; j++) r.addRoute(`10.0.${j}.0/24`, `10.0.${k - 1}.1`);
  }
  const addresses = new Map<string, string>();
  addresses.set("client", "10.0.0.1");
  routers.forEach((r, i) => addresses.set(r.name, `10.0.${i}.2`));
  addresses.set("server", `10.0.${hops}.2`);
  const addresses6 = new Map<string, string>();
  if (opts.ipv6) {
    const sub6 = (k: number) => (k === 0 ? "2001:db8::" : `2001:db8:${k.toString(16)}::`);
    for (const h of nodes) h.enableIpv6();
    for (const r of routers) r.sysctl.ipv6_forwarding = true;
    for (let k = 0; k <= hops; k++) {
      nodes[k]!.addAddress(ends[k]![0], `${sub6(k)}1/64`);
      nodes[k + 1]!.addAddress(ends[k]![1], `${sub6(k)}2/64`);
    }
    if (hops > 0) {
      client.addRoute("::/0", `${sub6(0)}2`);
      server.addRoute("::/0", `${sub6(hops)}1`);
    }
    for (let k = 1; k <= hops; k++) {
      const r = routers[k - 1]!;
      if (k < hops) r.addRoute("2001:db8::/32", `${sub6(k)}2`);
      for (let j = 0; j < k - 1; j++) r.addRoute(`${sub6(j)}/64`, `${sub6(k - 1)}1`);
    }
    addresses6.set("client", `${sub6(0)}1`);
    routers.forEach((r, i) => addresses6.set(r.name, `${sub6(i)}2`));
    addresses6.set("server", `${sub6(hops)}2`);
  }
  return { client, server, routers, links, addresses, addresses6 };
}
