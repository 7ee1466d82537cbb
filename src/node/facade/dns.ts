/**
 * Node's `dns` over a simulated host: `lookup`, `resolve4`, `resolve6`,
 * `reverse` and their `promises` forms, answered from the network's hosts
 * table (`net.hostsFile`, the /etc/hosts every host shares: a host's IPv4
 * addresses, its global IPv6 ones, lines added with `hostsFile.add`). No DNS
 * packets are sent and no virtual time passes. `lookup` takes Node 20's
 * options — `family`, `all`, `hints`, `verbatim`, `order` — and the process's
 * default result order (`dns.setDefaultResultOrder`, Node's own setting).
 */
import * as nodeDns from "node:dns";
import { isIP } from "node:net";
import { GaiError } from "../../sys/netdb.js";
import type { FacadeContext } from "./context.js";
import { describeReceived, nodeCodeError, type NodeSystemError } from "./errors.js";

/** libuv's UV_EAI_NONAME, as Node reports it in `errno` for ENOTFOUND. */
const UV_EAI_NONAME = -3008;

function notFound(syscall: string, hostname: string): NodeSystemError {
  const e = new Error(`${syscall} ENOTFOUND ${hostname}`) as NodeSystemError & { hostname: string };
  e.errno = syscall === "getaddrinfo" ? UV_EAI_NONAME : (undefined as unknown as number);
  e.code = "ENOTFOUND";
  e.syscall = syscall;
  e.hostname = hostname;
  return e;
}

/** One address of a lookup. */
export interface LookupAddress {
  address: string;
  family: number;
}

/** The orders Node 20 knows (`dns.setDefaultResultOrder`, `lookup`'s `order`). */
export type ResultOrder = "verbatim" | "ipv4first" | "ipv6first";
const ORDERS: readonly ResultOrder[] = ["verbatim", "ipv4first", "ipv6first"];

/** The process's default result order: Node's own setting (`node:dns`), which the façade shares. */
function defaultOrder(): ResultOrder {
  const get = (nodeDns as { getDefaultResultOrder?: () => string }).getDefaultResultOrder;
  const o = get?.() ?? "verbatim";
  return (ORDERS as readonly string[]).includes(o) ? (o as ResultOrder) : "verbatim";
}

/**
 * getaddrinfo over the hosts table, as Node's `dns.lookup` sees it: an IP
 * literal is itself (whatever `family` says, as Node), a name its
 * addresses of `family` (0: both) in `order`. `verbatim` (Node 20's
 * default) is the resolver's order, which for getaddrinfo is RFC 6724's
 * destination selection as glibc applies it (usable destinations first,
 * then IPv6 before IPv4 by precedence: the simulated process's own
 * getaddrinfo, with SOCK_STREAM as Node asks); `ipv4first` and
 * `ipv6first` regroup that order by family, keeping it within each, as
 * Node's AfterGetAddrInfo does.
 * @internal
 */
export function lookupAll(ctx: FacadeContext, name: string, family: number, order: ResultOrder = defaultOrder(), hints = 0): LookupAddress[] {
  const lit = isIP(name);
  if (lit) return [{ address: name, family: lit }];
  let all: LookupAddress[];
  try {
    // `hints` are getaddrinfo's flags (Node's dns.ADDRCONFIG, V4MAPPED and ALL have glibc's values).
    const af = family === 4 ? ctx.proc.getaddrinfo(name, null, "AF_INET", "SOCK_STREAM", 0, hints) : family === 6 ? ctx.proc.getaddrinfo(name, null, "AF_INET6", "SOCK_STREAM", 0, hints) : ctx.proc.getaddrinfo(name, null, 0, "SOCK_STREAM", 0, hints);
    all = af
      .map((ai) => ({ address: ai.addr.addr as string, family: ai.family === 10 ? 6 : 4 }));
  } catch (e) {
    if (e instanceof GaiError) return []; // no such name, or none of that family
    throw e;
  }
  if (order === "ipv4first") all = [...all.filter((a) => a.family === 4), ...all.filter((a) => a.family === 6)];
  else if (order === "ipv6first") all = [...all.filter((a) => a.family === 6), ...all.filter((a) => a.family === 4)];
  return all;
}

/** The first address of `name` (as `dns.lookup` without `all`), or Node's ENOTFOUND error. @internal */
export function lookupFirst(ctx: FacadeContext, name: string, family: number, hints = 0): { address?: string; family?: number; error?: NodeSystemError } {
  const all = lookupAll(ctx, name, family, defaultOrder(), hints);
  if (all.length === 0) return { error: notFound("getaddrinfo", name) };
  return { address: all[0]!.address, family: all[0]!.family };
}

/** Options of {@link SimDns.lookup} (Node's `dns.LookupOptions`). */
export interface SimLookupOptions {
  family?: number | "IPv4" | "IPv6";
  all?: boolean;
  hints?: number;
  /** false: IPv4 first (Node's old default); true: the resolver's order. Overridden by `order`. */
  verbatim?: boolean;
  order?: ResultOrder;
}

type LookupCb = (err: NodeSystemError | null, address?: string | LookupAddress[] | null, family?: number) => void;

const HINTS = nodeDns.ADDRCONFIG | nodeDns.V4MAPPED | nodeDns.ALL;

/** Node's checks of `lookup`'s arguments: [family, all, order], or a TypeError as Node throws it. */
function lookupOptions(options: SimLookupOptions | number | undefined, promises: boolean): [number, boolean, ResultOrder, number] {
  let family = 0, all = false, order = defaultOrder(), hints = 0;
  const oneOf = (what: string, v: unknown, list: readonly unknown[]) => {
    if (!list.includes(v)) {
      const shown = list.map((x) => (typeof x === "string" ? `'${x}'` : String(x))).join(", ");
      throw nodeCodeError(TypeError, "ERR_INVALID_ARG_VALUE", `The ${what} must be one of: ${shown}. Received ${typeof v === "string" ? `'${v}'` : String(v)}`);
    }
  };
  if (typeof options === "number") {
    oneOf("argument 'family'", options, [0, 4, 6]);
    family = options;
  } else if (options !== undefined && options !== null) {
    if (typeof options !== "object") throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "options" argument must be of type object. Received ${describeReceived(options)}`);
    const o = options;
    if (o.hints != null) {
      if (typeof o.hints !== "number") throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "options.hints" property must be of type number. Received ${describeReceived(o.hints)}`);
      if (o.hints !== 0 && (o.hints & ~HINTS) !== 0) throw nodeCodeError(TypeError, "ERR_INVALID_ARG_VALUE", `The argument 'hints' is invalid. Received ${o.hints}`);
      hints = o.hints;
    }
    if (o.family != null) {
      // The callback form takes 'IPv4'/'IPv6' too (lib/dns.js); dns.promises only numbers.
      if (!promises && o.family === "IPv4") family = 4;
      else if (!promises && o.family === "IPv6") family = 6;
      else {
        oneOf("property 'options.family'", o.family, [0, 4, 6]);
        family = o.family as number;
      }
    }
    if (o.all != null) {
      if (typeof o.all !== "boolean") throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "options.all" property must be of type boolean. Received ${describeReceived(o.all)}`);
      all = o.all;
    }
    if (o.verbatim != null) {
      if (typeof o.verbatim !== "boolean") throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "options.verbatim" property must be of type boolean. Received ${describeReceived(o.verbatim)}`);
      order = o.verbatim ? "verbatim" : "ipv4first";
    }
    if (o.order != null) {
      oneOf("property 'options.order'", o.order, ORDERS);
      order = o.order;
    }
  }
  return [family, all, order, hints];
}

/** The `dns` module bound to one simulated host (what `nodeOn(host).dns` is). */
export interface SimDns {
  lookup(hostname: string, options: SimLookupOptions | number | LookupCb, cb?: LookupCb): void;
  resolve4(hostname: string, cb: (err: NodeSystemError | null, addresses?: string[]) => void): void;
  resolve6(hostname: string, cb: (err: NodeSystemError | null, addresses?: string[]) => void): void;
  resolve(hostname: string, rrtype: string | ((err: NodeSystemError | null, addresses?: string[]) => void), cb?: (err: NodeSystemError | null, addresses?: string[]) => void): void;
  reverse(ip: string, cb: (err: NodeSystemError | null, hostnames?: string[]) => void): void;
  /** The process's default result order (Node's own setting: the façade and Node share it). */
  getDefaultResultOrder(): ResultOrder;
  /** Sets the process's default result order ('verbatim', 'ipv4first', 'ipv6first'), as Node's. */
  setDefaultResultOrder(order: ResultOrder): void;
  promises: {
    lookup(hostname: string, options?: SimLookupOptions | number): Promise<LookupAddress | LookupAddress[]>;
    resolve4(hostname: string): Promise<string[]>;
    resolve6(hostname: string): Promise<string[]>;
    resolve(hostname: string, rrtype?: string): Promise<string[]>;
    reverse(ip: string): Promise<string[]>;
  };
}

/** Builds the `dns` module of a façade context. Callbacks run on a later tick, as Node's. */
export function createDns(ctx: FacadeContext): SimDns {
  // Node's lookup: a falsy hostname answers null (or [] with all) without a lookup.
  const lookupSync = (hostname: unknown, options: SimLookupOptions | number | undefined, promises: boolean): { all: boolean; family: number; r: LookupAddress[] | NodeSystemError | null } => {
    if (hostname && typeof hostname !== "string") throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "hostname" argument must be of type string. Received ${describeReceived(hostname)}`);
    const [family, all, order, hints] = lookupOptions(options, promises);
    if (!hostname) return { all, family, r: null };
    const r = lookupAll(ctx, hostname as string, family, order, hints);
    return { all, family, r: r.length ? r : notFound("getaddrinfo", hostname as string) };
  };
  const resolveSync = (hostname: string, family: 4 | 6): string[] | NodeSystemError => {
    const syscall = family === 4 ? "queryA" : "queryAaaa";
    if (isIP(hostname)) return notFound(syscall, hostname);
    const all = ctx.host.hostsFile.lookupInet(hostname).filter((a) => a.family === family).map((a) => a.address);
    return all.length ? all : notFound(syscall, hostname);
  };
  const reverseSync = (ip: string): string[] | NodeSystemError => {
    const names = ctx.host.hostsFile.namesOf(ip);
    return names.length ? names : notFound("getHostByAddr", ip);
  };
  const rrFamily = (rrtype: string): 4 | 6 => {
    if (rrtype === "A") return 4;
    if (rrtype === "AAAA") return 6;
    const e = new Error(`sockstack/node: dns.resolve(…, "${rrtype}") is not supported (only A and AAAA records, from the hosts table)`) as Error & { code: string };
    e.code = "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM";
    throw e;
  };
  const later = <T>(r: T[] | NodeSystemError, cb: (err: NodeSystemError | null, v?: T[]) => void): void => {
    process.nextTick(() => (Array.isArray(r) ? cb(null, r) : cb(r)));
  };
  const settle = <T>(r: T[] | NodeSystemError): Promise<T[]> => (Array.isArray(r) ? Promise.resolve(r) : Promise.reject(r));
  const dns: SimDns = {
    lookup(hostname, options, cb) {
      if (typeof options === "function") {
        cb = options;
        options = undefined as unknown as SimLookupOptions;
      }
      if (typeof cb !== "function") throw nodeCodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "callback" argument must be of type function. Received ${describeReceived(cb)}`);
      const { all, family, r } = lookupSync(hostname, options, false);
      process.nextTick(() => {
        if (r === null) cb!(null, all ? [] : null, family || 4);
        else if (!Array.isArray(r)) cb!(r);
        else if (all) cb!(null, r);
        else cb!(null, r[0]!.address, r[0]!.family);
      });
    },
    resolve4: (hostname, cb) => later(resolveSync(hostname, 4), cb),
    resolve6: (hostname, cb) => later(resolveSync(hostname, 6), cb),
    resolve(hostname, rrtype, cb) {
      if (typeof rrtype === "function") return dns.resolve4(hostname, rrtype);
      later(resolveSync(hostname, rrFamily(rrtype)), cb!);
    },
    reverse: (ip, cb) => later(reverseSync(ip), cb),
    getDefaultResultOrder: defaultOrder,
    setDefaultResultOrder: (order) => nodeDns.setDefaultResultOrder(order as "verbatim"),
    promises: {
      lookup(hostname, options) {
        const { all, family, r } = lookupSync(hostname, options, true);
        if (r === null) return Promise.resolve(all ? [] : { address: null as unknown as string, family: family || 4 });
        if (!Array.isArray(r)) return Promise.reject(r);
        return Promise.resolve(all ? r : r[0]!);
      },
      resolve4: async (hostname) => settle(resolveSync(hostname, 4)),
      resolve6: async (hostname) => settle(resolveSync(hostname, 6)),
      resolve: async (hostname, rrtype = "A") => settle(resolveSync(hostname, rrFamily(rrtype))),
      reverse: async (ip) => settle(reverseSync(ip)),
    },
  };
  return dns;
}
