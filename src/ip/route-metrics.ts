/**
 * Route metrics (Linux RTAX_*, `ip route … advmss N mtu [lock] N initcwnd N
 * initrwnd N`), shared by the IPv4 and IPv6 routing tables: what a route
 * tells TCP about the path. sockstack models the ones TCP reads at
 * connection setup — the MSS a SYN or SYN-ACK announces (RTAX_ADVMSS), the
 * path MTU (RTAX_MTU; locked, it also ignores ICMP "fragmentation needed" /
 * "packet too big" and sends IPv4 without DF), the initial congestion window
 * (RTAX_INITCWND) and the initial receive window (RTAX_INITRWND). The others
 * `ip route` accepts (`window`, `rtt`, `rttvar`, `ssthresh`, `cwnd`,
 * `rto_min`, `quickack`, `reordering`, `hoplimit`, `features`, `congctl`,
 * `fastopen_no_cookie`) are refused by the parser with that reason.
 */

/** The modelled metrics of one route; an absent field is unset (Linux: 0, the default applies). */
export interface RouteMetrics {
  /** RTAX_MTU: the route's MTU (bytes), instead of the device's. */
  readonly mtu?: number;
  /** The MTU is locked (`mtu lock N`): path-MTU discovery leaves it alone (no DF on IPv4, ICMP PMTU ignored). */
  readonly mtuLock?: boolean;
  /** RTAX_ADVMSS: the MSS our SYN and SYN-ACK announce. */
  readonly advmss?: number;
  /** RTAX_INITCWND: the initial congestion window, in segments. */
  readonly initcwnd?: number;
  /** RTAX_INITRWND: the initial receive window, in segments of the advertised MSS. */
  readonly initrwnd?: number;
}

/** No metrics (a route as `ip route add` makes it without any). */
export const NO_METRICS: RouteMetrics = Object.freeze({});

/** Linux ip_rt_min_advmss: the smallest MSS a route's default advmss gives. */
export const IP_RT_MIN_ADVMSS = 256;

/**
 * The metrics as `ip route show` prints them after the route (iproute2's
 * order, RTAX numbering: mtu, advmss, initcwnd, initrwnd), each with a
 * leading space; "" without any.
 * @example formatRouteMetrics({ mtu: 640, mtuLock: true, advmss: 600 }) === " mtu lock 640 advmss 600"
 */
export function formatRouteMetrics(m: RouteMetrics): string {
  let s = "";
  if (m.mtu) s += ` mtu ${m.mtuLock ? "lock " : ""}${m.mtu}`;
  if (m.advmss) s += ` advmss ${m.advmss}`;
  if (m.initcwnd) s += ` initcwnd ${m.initcwnd}`;
  if (m.initrwnd) s += ` initrwnd ${m.initrwnd}`;
  return s;
}

/** The `ip route` metric keywords sockstack does not model, with Linux's meaning (the parser's refusal names it). */
export const UNMODELLED_METRICS: Readonly<Record<string, string>> = {
  window: "RTAX_WINDOW, a window clamp",
  rtt: "RTAX_RTT, a cached RTT",
  rttvar: "RTAX_RTTVAR",
  ssthresh: "RTAX_SSTHRESH",
  cwnd: "RTAX_CWND, a cwnd clamp",
  rto_min: "RTAX_RTO_MIN",
  quickack: "RTAX_QUICKACK",
  reordering: "RTAX_REORDERING",
  hoplimit: "RTAX_HOPLIMIT",
  features: "RTAX_FEATURES",
  congctl: "RTAX_CC_ALGO",
  fastopen_no_cookie: "RTAX_FASTOPEN_NO_COOKIE",
  realms: "route realms",
  expires: "route expiry",
};

/**
 * Parses the metric arguments of `ip route add|change|replace` from `args`
 * at `i` (a keyword and its value; `mtu lock N`). Returns the index after
 * them, or null when `args[i]` is no metric keyword sockstack models;
 * throws a RangeError with iproute2's message for a bad value.
 */
export function parseRouteMetric(args: readonly string[], i: number, into: { -readonly [K in keyof RouteMetrics]: RouteMetrics[K] }): number | null {
  const key = args[i];
  if (key !== "mtu" && key !== "advmss" && key !== "initcwnd" && key !== "initrwnd") return null;
  let j = i + 1;
  let lock = false;
  if (args[j] === "lock") {
    lock = true;
    j++;
  }
  const v = args[j];
  if (v === undefined || !/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new RangeError(`Error: argument "${v ?? ""}" is wrong: "${key}" value is invalid\n`);
  const n = Number(v);
  if (key === "mtu") {
    into.mtu = n;
    into.mtuLock = lock;
  } else if (key === "advmss") into.advmss = n;
  else if (key === "initcwnd") into.initcwnd = n;
  else into.initrwnd = n;
  return j + 1;
}
