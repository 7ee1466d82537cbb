/**
 * The IPv4 routing table (Linux `ip route`): longest-prefix match, then
 * lowest metric, then insertion order. Connected routes are added when an
 * address is assigned; default and static routes by the user.
 */
import { removeWhere } from "../core/arrays.js";
import { formatIpv4Address, inPrefix, prefixMask, type Ipv4Address } from "../wire/ipv4-address.js";
import type { NetInterface } from "./interface.js";
import { formatRouteMetrics, NO_METRICS, type RouteMetrics } from "./route-metrics.js";

/** One route. */
export interface Route {
  /** Destination network (masked). */
  dest: Ipv4Address;
  prefixLen: number;
  /** Next hop, or 0 for a directly connected network. */
  gateway: Ipv4Address;
  iface: NetInterface;
  /** Preferred source address, or 0 to use the interface's. */
  src: Ipv4Address;
  metric: number;
  /** `kernel` for connected routes, `static` for added ones. */
  proto: "kernel" | "static";
  /** Route metrics (`ip route … advmss 600 mtu lock 640 initcwnd 11`): what TCP reads of the path. */
  metrics: RouteMetrics;
}

/** A routing decision. */
export interface RouteResult {
  route: Route;
  iface: NetInterface;
  /** Address to hand the packet to on the link. */
  nextHop: Ipv4Address;
  /** Source address to use when the caller has none. */
  src: Ipv4Address;
  /** The route's metrics (TCP's view of the path: advmss, mtu, initcwnd, initrwnd). */
  metrics: RouteMetrics;
}

/** The table. Bumps `generation` on every change so caches can revalidate. */
export class RouteTable {
  readonly routes: Route[] = [];
  /** Incremented on every change. */
  generation = 0;

  /** Adds a route; `dest` is masked to its prefix. */
  add(r: RouteSpec): Route {
    const route = makeRoute(r);
    this.routes.push(route);
    this.generation++;
    return route;
  }

  /**
   * The route `ip route change|replace` would act on: same destination,
   * prefix length and metric (Linux fib_table_insert's match; the gateway
   * and device are what change), or undefined.
   */
  find(dest: Ipv4Address, prefixLen: number, metric = 0): Route | undefined {
    const d = (dest & prefixMask(prefixLen)) >>> 0;
    return this.routes.find((x) => x.dest === d && x.prefixLen === prefixLen && x.metric === metric);
  }

  /**
   * Replaces `old` by a new route built from `r` in its place (`ip route
   * change`): a new object, so connections holding the old one (their
   * cached route, Linux's dst) see it change at their next lookup.
   */
  replace(old: Route, r: RouteSpec): Route {
    const route = makeRoute(r);
    const i = this.routes.indexOf(old);
    if (i < 0) this.routes.push(route);
    else this.routes[i] = route;
    this.generation++;
    return route;
  }

  /** Removes routes matching the predicate; returns how many. */
  remove(pred: (r: Route) => boolean): number {
    const n = removeWhere(this.routes, pred);
    if (n) this.generation++;
    return n;
  }

  /** The best route to `dst`, or null (ENETUNREACH). */
  lookup(dst: Ipv4Address): RouteResult | null {
    let best: Route | null = null;
    for (const r of this.routes) {
      if (!r.iface.device.up) continue;
      if (!inPrefix(dst, r.dest, r.prefixLen)) continue;
      if (!best || r.prefixLen > best.prefixLen || (r.prefixLen === best.prefixLen && r.metric < best.metric)) best = r;
    }
    if (!best) return null;
    const nextHop = best.gateway || dst;
    return { route: best, iface: best.iface, nextHop, src: best.src || best.iface.sourceFor(nextHop), metrics: best.metrics };
  }

  /** `ip route` style listing. */
  format(): string {
    return this.routes
      .map((r) => {
        // iproute2 prints a host route (/32) without its prefix length.
        const dst = r.prefixLen === 0 ? "default" : r.prefixLen === 32 ? formatIpv4Address(r.dest) : `${formatIpv4Address(r.dest)}/${r.prefixLen}`;
        const via = r.gateway ? ` via ${formatIpv4Address(r.gateway)}` : "";
        const src = r.src ? ` src ${formatIpv4Address(r.src)}` : "";
        const kind = r.proto === "kernel" ? " proto kernel scope link" : "";
        const metric = r.metric ? ` metric ${r.metric}` : "";
        return `${dst}${via} dev ${r.iface.name}${kind}${src}${metric}${formatRouteMetrics(r.metrics)}`;
      })
      .join("\n");
  }
}

/** What {@link RouteTable.add} takes: a route, with metric, source, proto and metrics optional. */
export type RouteSpec = Omit<Route, "metric" | "src" | "proto" | "metrics"> & Partial<Pick<Route, "metric" | "src" | "proto" | "metrics">>;

function makeRoute(r: RouteSpec): Route {
  return {
    dest: (r.dest & prefixMask(r.prefixLen)) >>> 0,
    prefixLen: r.prefixLen,
    gateway: r.gateway,
    iface: r.iface,
    src: r.src ?? 0,
    metric: r.metric ?? 0,
    proto: r.proto ?? "static",
    metrics: r.metrics ?? NO_METRICS,
  };
}
