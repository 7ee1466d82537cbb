/**
 * Node's `dns` over a simulated host: `lookup`, `resolve4`, `reverse`
 * and their `promises` forms, answered from the network's hosts table
 * (`net.hostsFile`, the /etc/hosts every host shares). No DNS packets are
 * sent and no virtual time passes; IPv6 has no addresses (sockstack is
 * IPv4 only), so `family: 6` finds nothing.
 */
import { formatIpv4Address } from "../../wire/ipv4-address.js";
import { isIPv4 } from "node:net";
import type { FacadeContext } from "./context.js";
import type { NodeSystemError } from "./errors.js";

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

function addressesOf(ctx: FacadeContext, name: string, family: number): LookupAddress[] {
  if (isIPv4(name)) return family === 6 ? [] : [{ address: name, family: 4 }];
  if (family === 6) return [];
  return ctx.host.hostsFile.lookup(name).map((a) => ({ address: formatIpv4Address(a), family: 4 }));
}

/** The first address of `name`, or Node's ENOTFOUND error. @internal */
export function lookupFirst(ctx: FacadeContext, name: string, family: number): { address?: string; family?: number; error?: NodeSystemError } {
  const all = addressesOf(ctx, name, family);
  if (all.length === 0) return { error: notFound("getaddrinfo", name) };
  return { address: all[0]!.address, family: all[0]!.family };
}

/** Options of {@link SimDns.lookup} (Node's `dns.LookupOptions`). */
export interface SimLookupOptions {
  family?: number | "IPv4" | "IPv6";
  all?: boolean;
  hints?: number;
  verbatim?: boolean;
  order?: string;
}

type LookupCb = (err: NodeSystemError | null, address?: string | LookupAddress[], family?: number) => void;

function familyOf(o: SimLookupOptions | number | undefined): number {
  if (typeof o === "number") return o;
  const f = o?.family;
  if (f === "IPv4") return 4;
  if (f === "IPv6") return 6;
  return f ?? 0;
}

/** The `dns` module bound to one simulated host (what `nodeOn(host).dns` is). */
export interface SimDns {
  lookup(hostname: string, options: SimLookupOptions | number | LookupCb, cb?: LookupCb): void;
  resolve4(hostname: string, cb: (err: NodeSystemError | null, addresses?: string[]) => void): void;
  resolve(hostname: string, rrtype: string | ((err: NodeSystemError | null, addresses?: string[]) => void), cb?: (err: NodeSystemError | null, addresses?: string[]) => void): void;
  reverse(ip: string, cb: (err: NodeSystemError | null, hostnames?: string[]) => void): void;
  promises: {
    lookup(hostname: string, options?: SimLookupOptions | number): Promise<LookupAddress | LookupAddress[]>;
    resolve4(hostname: string): Promise<string[]>;
    resolve(hostname: string, rrtype?: string): Promise<string[]>;
    reverse(ip: string): Promise<string[]>;
  };
}

/** Builds the `dns` module of a façade context. Callbacks run on a later tick, as Node's. */
export function createDns(ctx: FacadeContext): SimDns {
  const lookupSync = (hostname: string, options: SimLookupOptions | number | undefined): LookupAddress[] | NodeSystemError => {
    const all = addressesOf(ctx, hostname, familyOf(options));
    return all.length ? all : notFound("getaddrinfo", hostname);
  };
  const resolve4Sync = (hostname: string): string[] | NodeSystemError => {
    if (isIPv4(hostname)) return notFound("queryA", hostname);
    const all = ctx.host.hostsFile.lookup(hostname).map(formatIpv4Address);
    return all.length ? all : notFound("queryA", hostname);
  };
  const reverseSync = (ip: string): string[] | NodeSystemError => {
    const names = ctx.host.hostsFile.namesOf(ip);
    return names.length ? names : notFound("getHostByAddr", ip);
  };
  const checkRr = (rrtype: string): void => {
    if (rrtype !== "A") {
      const e = new Error(`sockstack/node: dns.resolve(…, "${rrtype}") is not supported (only A records, from the hosts table)`) as Error & { code: string };
      e.code = "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM";
      throw e;
    }
  };
  const dns: SimDns = {
    lookup(hostname, options, cb) {
      if (typeof options === "function") {
        cb = options;
        options = undefined as unknown as SimLookupOptions;
      }
      const r = lookupSync(hostname, options);
      const all = typeof options === "object" && options?.all;
      process.nextTick(() => {
        if (!Array.isArray(r)) cb!(r);
        else if (all) cb!(null, r);
        else cb!(null, r[0]!.address, r[0]!.family);
      });
    },
    resolve4(hostname, cb) {
      const r = resolve4Sync(hostname);
      process.nextTick(() => (Array.isArray(r) ? cb(null, r) : cb(r)));
    },
    resolve(hostname, rrtype, cb) {
      if (typeof rrtype === "function") return dns.resolve4(hostname, rrtype);
      checkRr(rrtype);
      dns.resolve4(hostname, cb!);
    },
    reverse(ip, cb) {
      const r = reverseSync(ip);
      process.nextTick(() => (Array.isArray(r) ? cb(null, r) : cb(r)));
    },
    promises: {
      async lookup(hostname, options) {
        const r = lookupSync(hostname, options);
        if (!Array.isArray(r)) throw r;
        return typeof options === "object" && options?.all ? r : r[0]!;
      },
      async resolve4(hostname) {
        const r = resolve4Sync(hostname);
        if (!Array.isArray(r)) throw r;
        return r;
      },
      async resolve(hostname, rrtype = "A") {
        checkRr(rrtype);
        return dns.promises.resolve4(hostname);
      },
      async reverse(ip) {
        const r = reverseSync(ip);
        if (!Array.isArray(r)) throw r;
        return r;
      },
    },
  };
  return dns;
}
