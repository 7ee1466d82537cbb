/**
 * `ip [-4|-6] route add|change|replace|del|show` in the packetdrill shell,
 * on the host's routing tables, with iproute2's messages and exit codes
 * (checked on this machine's iproute2 6.x and Linux 6.18): `change` of a
 * route that does not exist fails with ENOENT's "No such file or
 * directory", `add` of one that does with "File exists", `del` of a missing
 * one with "No such process" (exit 2). Routes match on destination, prefix
 * length and metric (Linux fib_table_insert); the metrics sockstack models
 * (ip/route-metrics.ts: `advmss`, `mtu [lock]`, `initcwnd`, `initrwnd`) are
 * kept, the others refused as unsupported with what they are.
 */
import type { Host } from "../host/host.js";
import { parseCidr } from "../host/host.js";
import type { NetInterface } from "../ip/interface.js";
import { parseRouteMetric, UNMODELLED_METRICS, type RouteMetrics } from "../ip/route-metrics.js";
import { IP6_RT_PRIO_USER } from "../ip6/route6.js";
import { ipv4 } from "../wire/ipv4-address.js";
import { ipv6, parseCidr6 } from "../wire/ipv6-address.js";
import { fail, ok, ShellUnsupported, type Status } from "./shell-status.js";

/** What one `ip route` line asks for. */
interface RouteArgs {
  dest: string | null;
  via: string | null;
  dev: string | null;
  metric: number | null;
  metrics: { -readonly [K in keyof RouteMetrics]: RouteMetrics[K] };
}

function parseArgs(args: readonly string[]): RouteArgs {
  const r: RouteArgs = { dest: null, via: null, dev: null, metric: null, metrics: {} };
  for (let i = 0; i < args.length;) {
    const a = args[i]!;
    const next = parseRouteMetric(args, i, r.metrics);
    if (next !== null) {
      i = next;
      continue;
    }
    if (Object.hasOwn(UNMODELLED_METRICS, a)) {
      throw new ShellUnsupported(`ip route metric ${a} (${UNMODELLED_METRICS[a]}) is not modelled (sockstack models advmss, mtu [lock], initcwnd, initrwnd)`);
    }
    const v = args[i + 1];
    if (a === "via" || a === "dev" || a === "metric" || a === "preference" || a === "priority" || a === "proto" || a === "protocol" ||
      a === "scope" || a === "table" || a === "src" || a === "to") {
      if (v === undefined) throw new ShellUnsupported(`ip route: ${a} needs an argument`);
      if (a === "via") r.via = v === "inet" || v === "inet6" ? args[++i + 1] ?? "" : v;
      else if (a === "dev") r.dev = v;
      else if (a === "metric" || a === "preference" || a === "priority") r.metric = Number(v);
      else if (a === "to") r.dest = v;
      else if (a === "table" && v !== "main") throw new ShellUnsupported(`ip route table ${v}: only the main table is modelled`);
      else if (a === "src" || (a === "proto" && v !== "static" && v !== "boot") || (a === "scope" && v !== "link" && v !== "global")) {
        throw new ShellUnsupported(`ip route ${a} ${v} is not supported`);
      }
      i += 2;
      continue;
    }
    if (r.dest === null && !a.startsWith("-")) {
      r.dest = a;
      i++;
      continue;
    }
    throw new ShellUnsupported(`ip route argument ${a} is not supported`);
  }
  return r;
}

/**
 * Runs `ip route …` (`args` after `route`; `v6` from `-6` or an IPv6
 * destination) on `host`. Throws {@link ShellUnsupported} for what it does
 * not model.
 */
export function ipRoute(host: Host, args: readonly string[], v6Flag: boolean): Status {
  const verb = args[0] ?? "show";
  const rest = args.slice(1);
  if (verb === "show" || verb === "list" || verb === "ls") {
    if (rest.length) throw new ShellUnsupported(`\`ip route ${args.join(" ")}\`: only the whole table is listed`);
    const text = v6Flag ? host.ip6.routes.format(host.ctx.scheduler.now()) : host.ip.routes.format();
    return ok(text ? `${text}\n` : "");
  }
  if (!["add", "change", "replace", "del", "delete"].includes(verb)) throw new ShellUnsupported(`\`ip route ${verb}\` is not supported`);
  const r = parseArgs(rest);
  if (r.dest === null) return fail(1, "Error: either \"to\" is duplicate, or \"dev\" is a garbage.\n");
  const v6 = v6Flag || r.dest.includes(":") || (r.via?.includes(":") ?? false);
  let iface: NetInterface | undefined;
  if (r.dev !== null) {
    iface = host.ip.interfaceByName(r.dev);
    if (!iface) return fail(1, `Cannot find device "${r.dev}"\n`);
  }
  return v6 ? route6(host, verb, r, iface) : route4(host, verb, r, iface);
}

/**
 * What the route found (`old`, or none) means for `verb` (Linux
 * fib_table_insert / fib_table_delete): `del` removes it, or fails with
 * ESRCH; `add` of an existing route fails with EEXIST, `change` of a
 * missing one with ENOENT. Null: go on and install the route.
 */
function existing(verb: string, old: object | undefined, remove: () => void): Status | null {
  if (verb === "del" || verb === "delete") {
    if (!old) return fail(2, "RTNETLINK answers: No such process\n");
    remove();
    return ok();
  }
  if (verb === "add" && old) return fail(2, "RTNETLINK answers: File exists\n");
  if (verb === "change" && !old) return fail(2, "RTNETLINK answers: No such file or directory\n");
  return null;
}

function route4(host: Host, verb: string, r: RouteArgs, iface: NetInterface | undefined): Status {
  const table = host.ip.routes;
  const { addr, prefixLen } = r.dest === "default" ? { addr: 0, prefixLen: 0 } : parseCidr(r.dest!);
  const metric = r.metric ?? 0;
  const old = table.find(addr, prefixLen, metric);
  const done = existing(verb, old, () => table.remove((x) => x === old));
  if (done) return done;
  const gateway = r.via !== null ? ipv4(r.via) : 0;
  iface ??= gateway ? table.lookup(gateway)?.iface : undefined;
  if (!iface) return fail(2, "RTNETLINK answers: Network is unreachable\n");
  const spec = { dest: addr, prefixLen, gateway, iface, metric, metrics: { ...r.metrics } };
  if (old) table.replace(old, spec);
  else table.add(spec);
  return ok();
}

function route6(host: Host, verb: string, r: RouteArgs, iface: NetInterface | undefined): Status {
  const table = host.ip6.routes;
  const { addr, prefixLen } = parseCidr6(r.dest === "default" ? "::/0" : r.dest!.includes("/") ? r.dest! : `${r.dest}/128`);
  const metric = r.metric ?? IP6_RT_PRIO_USER;
  const now = host.ctx.scheduler.now();
  const same = (x: { dest: Uint8Array; prefixLen: number; metric: number }) =>
    x.prefixLen === prefixLen && x.metric === metric && x.dest.every((b, i) => b === addr[i]);
  const old = table.routes.find(same);
  const done = existing(verb, old, () => table.remove((x) => x === old));
  if (done) return done;
  const gateway = r.via !== null ? ipv6(r.via) : undefined;
  iface ??= gateway ? host.ip6.routes.lookup(gateway, now)?.iface : undefined;
  if (!iface) return fail(2, "RTNETLINK answers: Network is unreachable\n");
  if (old) table.remove((x) => x === old);
  table.add({ dest: addr, prefixLen, gateway, iface, metric, mtu: r.metrics.mtu ?? 0, metrics: { ...r.metrics } });
  return ok();
}
