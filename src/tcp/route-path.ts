/**
 * What TCP reads of a connection's route (Linux dst_mtu, dst_metric_advmss,
 * tcp_init_cwnd, RTAX_INITRWND): the path MTU — the route's `mtu` metric,
 * else the device's (IPv6: lowered by its PMTU cache) — the MSS a SYN or
 * SYN-ACK announces, and the initial windows (ip/route-metrics.ts).
 */
import type { NetRoute, NetworkLayer } from "../net/network-layer.js";
import { TCP_INIT_CWND } from "./congestion/congestion-control.js";
import { IP_MAX_MTU, TCP_MAX_ADV_MSS } from "./constants.js";

/** The path MTU of a new connection over `rt` (Linux dst_mtu, at most IP_MAX_MTU); 1500 without a route. */
export function routePathMtu(net: NetworkLayer, rt: NetRoute | null): number {
  return rt ? Math.min(net.routeMtu(rt), IP_MAX_MTU) : 1500;
}

/**
 * The MSS to announce over `rt` (Linux dst_metric_advmss): the route's
 * `advmss` metric, else the path MTU less the IP and TCP headers (at most
 * 65535 − 40); TCP_MAXSEG lowers it further (the caller's).
 */
export function routeAdvMss(net: NetworkLayer, rt: NetRoute | null): number {
  const m = rt?.metrics.advmss;
  if (m) return Math.min(m, TCP_MAX_ADV_MSS);
  return Math.min(routePathMtu(net, rt) - net.headerReserve - 20, TCP_MAX_ADV_MSS);
}

/** The initial congestion window over `rt` (Linux tcp_init_cwnd): the route's `initcwnd`, else TCP_INIT_CWND. */
export function routeInitCwnd(rt: NetRoute | null): number {
  return rt?.metrics.initcwnd || TCP_INIT_CWND;
}

/** The route's `initrwnd` (segments; 0: none — tcp_select_initial_window's init_rcv_wnd). */
export function routeInitRwnd(rt: NetRoute | null): number {
  return rt?.metrics.initrwnd ?? 0;
}
