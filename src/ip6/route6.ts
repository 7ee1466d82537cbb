/**
 * The IPv6 routing table (Linux `ip -6 route`): longest-prefix match, then
 * lowest metric, then insertion order. Connected (`proto kernel`) routes
 * come with addresses — `fe80::/64` on every interface with a link-local
 * address, each global prefix — `proto ra` routes from router
 * advertisements (the default route through a router, `expires`), and
 * static ones from the user. Linux's metrics: 256 for kernel and static
 * routes, 1024 for RA default routes.
 */
import { removeWhere } from "../core/arrays.js";
import type { Micros } from "../core/time.js";
import { formatIpv6Address, ipv6InPrefix, ipv6Mask, IN6ADDR_ANY, type Ipv6Address } from "../wire/ipv6-address.js";
import type { NetInterface } from "../ip/interface.js";
import { formatRouteMetrics, type RouteMetrics } from "../ip/route-metrics.js";

/** Where a route came from (`ip -6 route`'s proto). */
export type Route6Proto = "kernel" | "static" | "ra" | "redirect";

/** One route. */
export interface Route6 {
  /** Destination network (masked). */
  dest: Ipv6Address;
  prefixLen: number;
  /** Next hop (a link-local router address), or `::` for on-link. */
  gateway: Ipv6Address;
  iface: NetInterface;
  metric: number;
  proto: Route6Proto;
  /** When the route expires (µs, virtual time), or Infinity. */
  expires: Micros;
  /** Route MTU (`ip -6 route … mtu N`), or 0 for the device's. */
  mtu: number;
  /** The other route metrics (`mtu lock`, advmss, initcwnd, initrwnd; ip/route-metrics.ts); absent: none. */
  metrics?: RouteMetrics;
}

/** A routing decision. */
export interface Route6Result {
  route: Route6;
  iface: NetInterface;
  /** The address to resolve on the link (the gateway, or the destination). */
  nextHop: Ipv6Address;
}

/** The metric of routes a user adds (`ip -6 route add`) and of a router advertisement's default route (Linux IP6_RT_PRIO_USER). */
export const IP6_RT_PRIO_USER = 1024;
/** The metric of the prefix routes addresses bring (Linux IP6_RT_PRIO_ADDRCONF), the table's default. */
export const IP6_RT_PRIO_ADDRCONF = 256;

/** The table. Bumps `generation` on every change so caches can revalidate. */
export class Route6Table {
  readonly routes: Route6[] = [];
  /** Incremented on every change. */
  generation = 0;

  /** Adds a route (`dest` is masked); a route with the same destination, interface, gateway and metric is replaced. */
  add(r: Pick<Route6, "dest" | "prefixLen" | "iface"> & Partial<Omit<Route6, "dest" | "prefixLen" | "iface">>): Route6 {
    const route: Route6 = {
      dest: ipv6Mask(r.dest, r.prefixLen),
      prefixLen: r.prefixLen,
      gateway: r.gateway ?? IN6ADDR_ANY,
      iface: r.iface,
      metric: r.metric ?? IP6_RT_PRIO_ADDRCONF,
      proto: r.proto ?? "static",
      expires: r.expires ?? Infinity,
      mtu: r.mtu ?? r.metrics?.mtu ?? 0,
      metrics: r.metrics,
    };
    const same = this.routes.findIndex((x) => x.prefixLen === route.prefixLen && x.iface === route.iface && x.metric === route.metric &&
      ipv6InPrefix(x.dest, route.dest, 128) && ipv6InPrefix(x.gateway, route.gateway, 128));
    if (same >= 0) this.routes[same] = route;
    else this.routes.push(route);
    this.generation++;
    return route;
  }

  /** Removes routes matching the predicate; returns how many. */
  remove(pred: (r: Route6) => boolean): number {
    const n = removeWhere(this.routes, pred);
    if (n) this.generation++;
    return n;
  }

  /**
   * The best route to `dst` at `now` (expired routes are skipped), or null
   * (ENETUNREACH). `oif` restricts the lookup to one interface (a
   * link-local destination's scope, SO_BINDTODEVICE).
   */
  lookup(dst: Ipv6Address, now: Micros, oif?: NetInterface): Route6Result | null {
    let best: Route6 | null = null;
    for (const r of this.routes) {
      if (!r.iface.device.up || r.expires <= now) continue;
      if (oif && r.iface !== oif) continue;
      if (!ipv6InPrefix(dst, r.dest, r.prefixLen)) continue;
      if (!best || r.prefixLen > best.prefixLen || (r.prefixLen === best.prefixLen && r.metric < best.metric)) best = r;
    }
    if (!best) return null;
    const onLink = best.gateway.every((b) => b === 0);
    return { route: best, iface: best.iface, nextHop: onLink ? dst : best.gateway };
  }

  /**
   * `ip -6 route` style listing (`now` turns expiry times into `expires
   * Ns`). Routes a redirect made are Linux's route-cache exceptions:
   * listed by `ip -6 route show cache` (`cache` true) only, without proto.
   */
  format(now: Micros = 0, cache = false): string {
    if (cache) {
      return this.routes
        .filter((r) => r.proto === "redirect" && r.expires > now)
        .map((r) => `${formatIpv6Address(r.dest)}${r.gateway.some((b) => b !== 0) ? ` via ${formatIpv6Address(r.gateway)}` : ""} dev ${r.iface.name} metric ${r.metric} pref medium`)
        .join("\n");
    }
    return this.routes
      .filter((r) => r.expires > now && r.proto !== "redirect")
      .map((r) => {
        const dst = r.prefixLen === 0 ? "default" : `${formatIpv6Address(r.dest)}/${r.prefixLen}`;
        const via = r.gateway.some((b) => b !== 0) ? ` via ${formatIpv6Address(r.gateway)}` : "";
        const exp = Number.isFinite(r.expires) ? ` expires ${Math.floor((r.expires - now) / 1_000_000)}sec` : "";
        const mtu = r.mtu ? ` mtu ${r.metrics?.mtuLock ? "lock " : ""}${r.mtu}` : "";
        const rest = r.metrics ? formatRouteMetrics({ ...r.metrics, mtu: undefined }) : "";
        return `${dst}${via} dev ${r.iface.name} proto ${r.proto} metric ${r.metric}${exp}${mtu}${rest} pref medium`;
      })
      .join("\n");
  }
}
