/**
 * Name resolution (`<netdb.h>`): a hosts table like `/etc/hosts` — one per
 * simulated network, filled with every host's name and addresses as they
 * are assigned, plus lines you add — and the lookups programs make through
 * it: `getaddrinfo`, `gethostbyname`, and host names in address tuples
 * (`connect(fd, ["server", 80])`).
 *
 * Resolution is instantaneous and local: no DNS packets are sent and no
 * time passes (glibc with `hosts: files` in nsswitch.conf behaves the
 * same way). A DNS server is an application, not part of the kernel; the
 * Node façade brings one. Names compare case-insensitively, as glibc's
 * files backend does; failures are {@link GaiError}s with glibc's codes and
 * texts (`Name or service not known`, EAI_NONAME = −2), what Python's
 * `socket.gaierror` carries.
 */
import { AF_INET, AF_INET6, AF_UNSPEC, IPPROTO_TCP, IPPROTO_UDP, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM } from "../socket/constants.js";
import type { SockAddrIn, SockAddrIn6 } from "../socket/sockaddr.js";
import { formatIpv4Address, parseIpv4Address, type Ipv4Address } from "../wire/ipv4-address.js";
import { formatIpv6Address, parseIpv6Address } from "../wire/ipv6-address.js";

/** getaddrinfo error codes with glibc's values. */
export const EAI_CODES = {
  EAI_BADFLAGS: -1, EAI_NONAME: -2, EAI_AGAIN: -3, EAI_FAIL: -4, EAI_NODATA: -5, EAI_FAMILY: -6,
  EAI_SOCKTYPE: -7, EAI_SERVICE: -8, EAI_ADDRFAMILY: -9, EAI_MEMORY: -10, EAI_SYSTEM: -11, EAI_OVERFLOW: -12,
} as const;

/** A getaddrinfo error code name. */
export type GaiCode = keyof typeof EAI_CODES;

const GAI_TEXT: Readonly<Record<GaiCode, string>> = {
  EAI_BADFLAGS: "Bad value for ai_flags",
  EAI_NONAME: "Name or service not known",
  EAI_AGAIN: "Temporary failure in name resolution",
  EAI_FAIL: "Non-recoverable failure in name resolution",
  EAI_NODATA: "No address associated with hostname",
  EAI_FAMILY: "ai_family not supported",
  EAI_SOCKTYPE: "ai_socktype not supported",
  EAI_SERVICE: "Servname not supported for ai_socktype",
  EAI_ADDRFAMILY: "Address family for hostname not supported",
  EAI_MEMORY: "Memory allocation failure",
  EAI_SYSTEM: "System error",
  EAI_OVERFLOW: "Unknown error",
};

/**
 * gai_strerror(3): glibc's text for a getaddrinfo error.
 * @example gai_strerror("EAI_NONAME") === "Name or service not known"
 */
export function gai_strerror(code: GaiCode | number): string {
  const name = typeof code === "number" ? (Object.keys(EAI_CODES) as GaiCode[]).find((k) => EAI_CODES[k] === code) : code;
  return name ? GAI_TEXT[name] : "Unknown error";
}

/**
 * A failed name lookup (Python's `socket.gaierror`): `code` `"EAI_NONAME"`,
 * `errno` −2, `syscall` the call that looked the name up, and the message
 * `<syscall>: <gai_strerror>` plus what was looked up:
 * `connect: Name or service not known (addr: no host named "nosuch")`.
 * It is not a SysError: like Python's `connect_ex`, `connect_ex` raises it
 * rather than returning it.
 * @example new GaiError("EAI_NONAME", "getaddrinfo").message === "getaddrinfo: Name or service not known"
 */
export class GaiError extends Error {
  /** The EAI_* name. */
  readonly code: GaiCode;
  /** glibc's value (negative). */
  readonly errno: number;
  /** The call that failed. */
  readonly syscall: string;
  /** What sockstack adds (the name looked up). */
  readonly detail: string | undefined;

  constructor(code: GaiCode, syscall: string, detail?: string) {
    super(`${syscall}: ${GAI_TEXT[code]}${detail ? ` (${detail})` : ""}`);
    this.name = "GaiError";
    this.code = code;
    this.errno = EAI_CODES[code];
    this.syscall = syscall;
    this.detail = detail;
  }
}

/** What a process needs to look names up. */
export interface Resolver {
  /** Every IPv4 address of `name` (case-insensitive), in table order; empty when unknown. */
  lookup(name: string): Ipv4Address[];
  /** Every IPv6 address of `name` (RFC 5952 text), in table order; empty when unknown or not kept. */
  lookup6?(name: string): string[];
  /**
   * The IPv4 addresses of an AF_INET-only getaddrinfo, where they differ
   * from {@link lookup}: glibc's nss_files answers an IPv4 lookup with
   * 127.0.0.1 for a name on a `::1` line (kept even when the name also has
   * a 127.0.0.1 line, so `localhost` gives it twice).
   */
  lookupAfInet?(name: string): Ipv4Address[];
}

/**
 * The lines every table starts with: Debian's default /etc/hosts (its
 * 127.0.1.1 line for the machine's own name aside).
 */
const DEFAULT_LINES: readonly { addr: Ipv4Address | string; names: readonly string[] }[] = [
  { addr: 0x7f000001, names: ["localhost"] },
  { addr: "::1", names: ["localhost", "ip6-localhost", "ip6-loopback"] },
  { addr: "ff02::1", names: ["ip6-allnodes"] },
  { addr: "ff02::2", names: ["ip6-allrouters"] },
];

/** One address of a name in a {@link HostsTable}, family-neutral (what the Node façade's `dns.lookup` answers). */
export interface HostsAddress {
  /** The address as text: `10.0.0.2`, `2001:db8::2` (RFC 5952). */
  address: string;
  family: 4 | 6;
}

/** One line of a {@link HostsTable}: an address and its names. */
export interface HostsLine {
  addr: string;
  names: string[];
}

/**
 * A hosts table: Debian's default lines (`127.0.0.1 localhost`, `::1
 * localhost ip6-localhost ip6-loopback`, `ff02::1 ip6-allnodes`, `ff02::2
 * ip6-allrouters`), then each registered host with each of its addresses,
 * then the lines added with {@link HostsTable.add}; a default line can be
 * dropped ({@link HostsTable.dropDefault}) to model a machine without it.
 * Host addresses are read live, so addresses assigned later (links,
 * `addAddress`, reboots) are found at once.
 * @example
 * const net = new Network();
 * const a = net.addHost("a"), b = net.addHost("b");
 * net.link(a, b);                       // 10.0.0.1/24 and 10.0.0.2/24
 * net.hostsFile.lookup("b");                // [0x0a000002]
 * net.hostsFile.add("10.0.0.2", "www", "www.example.com");
 * String(net.hostsFile);                    // /etc/hosts text
 */
export class HostsTable implements Resolver {
  /** Registered hosts: name → functions giving its current IPv4 and IPv6 addresses. */
  readonly #hosts = new Map<string, { name: string; addresses: () => readonly Ipv4Address[]; addresses6: () => readonly string[] }>();
  /** Added lines: an IPv4 address (number) or an IPv6 address (RFC 5952 text). */
  readonly #lines: { addr: Ipv4Address | string; names: string[] }[] = [];
  /** This table's default lines (Debian's, less those {@link HostsTable.dropDefault} removed). */
  readonly #defaults = [...DEFAULT_LINES];

  /**
   * Removes the default line of `addr` (`"::1"`, `"127.0.0.1"`,
   * `"ff02::1"`, `"ff02::2"`): a machine whose /etc/hosts lacks it (a
   * container's often has no `::1 localhost` line, so `localhost` is
   * 127.0.0.1 only). Returns false when no default line has that address.
   * @example net.hostsFile.dropDefault("::1"); net.hostsFile.lookup6("localhost") // []
   */
  dropDefault(addr: string): boolean {
    const a6 = addr.includes(":") ? parseIpv6Address(addr) : null;
    const key = a6 !== null ? formatIpv6Address(a6) : parseIpv4Address(addr);
    const i = this.#defaults.findIndex((l) => l.addr === key);
    if (i < 0) return false;
    this.#defaults.splice(i, 1);
    return true;
  }

  /**
   * Registers a host by name; `addresses` (IPv4) and `addresses6` (IPv6,
   * as text) are read at each lookup. A name registered again replaces the
   * earlier entry (a rebooted host).
   */
  addHost(name: string, addresses: () => readonly Ipv4Address[], addresses6: () => readonly string[] = () => []): void {
    this.#hosts.set(name.toLowerCase(), { name, addresses, addresses6 });
  }

  /**
   * Adds a line, as in /etc/hosts: an IPv4 or IPv6 address and one or more
   * names (aliases). A malformed address or name throws a TypeError (configuration).
   * @example net.hostsFile.add("10.0.0.2", "www.example.com", "www");
   */
  add(addr: string, ...names: string[]): void {
    let a: Ipv4Address | string;
    if (addr.includes(":")) {
      const a6 = parseIpv6Address(addr);
      if (a6 === null) throw new TypeError(`hosts: not an IPv4 or IPv6 address: ${JSON.stringify(addr)}`);
      a = formatIpv6Address(a6);
    } else {
      const a4 = parseIpv4Address(addr);
      if (a4 === null) throw new TypeError(`hosts: not an IPv4 or IPv6 address: ${JSON.stringify(addr)}`);
      a = a4;
    }
    if (names.length === 0) throw new TypeError(`hosts: a line needs at least one name (${addr})`);
    for (const n of names) {
      if (typeof n !== "string" || !/^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/.test(n)) throw new TypeError(`hosts: not a host name: ${JSON.stringify(n)}`);
    }
    this.#lines.push({ addr: a, names: [...names] });
  }

  /** Every IPv6 address of `name` in table order (no duplicates); empty when unknown. */
  lookup6(name: string): string[] {
    const out: string[] = [];
    for (const a of this.lookupInet(name)) if (a.family === 6) out.push(a.address);
    return out;
  }

  /** Removes the lines added for `name` (not a registered host's own entry). */
  remove(name: string): void {
    const k = name.toLowerCase();
    for (let i = this.#lines.length - 1; i >= 0; i--) {
      const l = this.#lines[i]!;
      l.names = l.names.filter((n) => n.toLowerCase() !== k);
      if (l.names.length === 0) this.#lines.splice(i, 1);
    }
  }

  /** Every IPv4 address of `name` in table order (no duplicates); empty when unknown. */
  lookup(name: string): Ipv4Address[] {
    const out: Ipv4Address[] = [];
    for (const a of this.lookupInet(name)) if (a.family === 4) out.push(parseIpv4Address(a.address)!);
    return out;
  }

  /**
   * The IPv4 addresses of an AF_INET-only lookup: {@link lookup}'s, plus
   * 127.0.0.1 for each `::1` line naming `name` (glibc nss_files; not
   * deduplicated, as glibc gives it).
   */
  lookupAfInet(name: string): Ipv4Address[] {
    const k = name.toLowerCase();
    const out = this.lookup(name);
    const loop6 = [...this.#defaults, ...this.#lines].filter((l) => l.addr === "::1" && l.names.some((n) => n.toLowerCase() === k));
    for (let i = 0; i < loop6.length; i++) out.push(0x7f000001);
    return out;
  }

  /**
   * Every address of `name`, IPv4 and IPv6, in table order (no
   * duplicates): the default lines (`localhost`: 127.0.0.1 and ::1), then
   * a registered host's IPv4 addresses and its IPv6 ones, then added lines
   * in the order added.
   */
  lookupInet(name: string): HostsAddress[] {
    const k = name.toLowerCase();
    const out: HostsAddress[] = [];
    const push = (address: string, family: 4 | 6) => {
      if (!out.some((o) => o.address === address)) out.push({ address, family });
    };
    for (const l of this.#defaults) {
      if (l.names.includes(k)) push(typeof l.addr === "number" ? formatIpv4Address(l.addr) : l.addr, typeof l.addr === "number" ? 4 : 6);
    }
    const h = this.#hosts.get(k);
    if (h) {
      for (const a of h.addresses()) push(formatIpv4Address(a), 4);
      for (const a of h.addresses6()) push(a, 6);
    }
    for (const l of this.#lines) {
      if (l.names.some((n) => n.toLowerCase() === k)) push(typeof l.addr === "number" ? formatIpv4Address(l.addr) : l.addr, typeof l.addr === "number" ? 4 : 6);
    }
    return out;
  }

  /** The names of `addr` (host names first, then added lines), for reverse lookups; IPv4 or IPv6. */
  namesOf(addr: string | Ipv4Address): string[] {
    let key: Ipv4Address | string | null;
    if (typeof addr === "string" && addr.includes(":")) {
      const a6 = parseIpv6Address(addr);
      key = a6 === null ? null : formatIpv6Address(a6);
    } else key = typeof addr === "string" ? parseIpv4Address(addr) : addr;
    if (key === null) return [];
    const out: string[] = [];
    for (const l of this.#defaults) if (l.addr === key) out.push(...l.names);
    for (const h of this.#hosts.values()) {
      if (typeof key === "number" ? h.addresses().includes(key) : h.addresses6().includes(key)) out.push(h.name);
    }
    for (const l of this.#lines) if (l.addr === key) out.push(...l.names);
    return out;
  }

  /** The table as lines (what {@link HostsTable.toString} prints). */
  lines(): HostsLine[] {
    const out: HostsLine[] = this.#defaults.map((l) => ({ addr: typeof l.addr === "number" ? formatIpv4Address(l.addr) : l.addr, names: [...l.names] }));
    for (const h of this.#hosts.values()) {
      for (const a of h.addresses()) out.push({ addr: formatIpv4Address(a), names: [h.name] });
      for (const a of h.addresses6()) out.push({ addr: a, names: [h.name] });
    }
    for (const l of this.#lines) out.push({ addr: typeof l.addr === "number" ? formatIpv4Address(l.addr) : l.addr, names: [...l.names] });
    return out;
  }

  /** /etc/hosts text: `10.0.0.2\tserver`, one line per address. */
  toString(): string {
    return this.lines().map((l) => `${l.addr}\t${l.names.join(" ")}\n`).join("");
  }
}

// ---- getaddrinfo ---------------------------------------------------------

/** getaddrinfo flags (glibc values). */
export const AI_PASSIVE = 0x1;
export const AI_CANONNAME = 0x2;
export const AI_NUMERICHOST = 0x4;
export const AI_V4MAPPED = 0x8;
export const AI_ALL = 0x10;
export const AI_ADDRCONFIG = 0x20;
export const AI_NUMERICSERV = 0x400;
const AI_KNOWN = AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_V4MAPPED | AI_ALL | AI_ADDRCONFIG | AI_NUMERICSERV;

/** One result of getaddrinfo (Python's `(family, type, proto, canonname, sockaddr)` as an object). */
export interface AddrInfo {
  family: number;
  type: number;
  protocol: number;
  /** The official name with AI_CANONNAME, else "". */
  canonname: string;
  addr: SockAddrIn | SockAddrIn6;
}

/**
 * The services getaddrinfo knows by name (a few lines of /etc/services):
 * name → port and the protocols it is listed for.
 */
export const SERVICES: Readonly<Record<string, { port: number; tcp: boolean; udp: boolean }>> = {
  echo: { port: 7, tcp: true, udp: true },
  discard: { port: 9, tcp: true, udp: true },
  daytime: { port: 13, tcp: true, udp: true },
  chargen: { port: 19, tcp: true, udp: true },
  ftp: { port: 21, tcp: true, udp: false },
  ssh: { port: 22, tcp: true, udp: false },
  telnet: { port: 23, tcp: true, udp: false },
  smtp: { port: 25, tcp: true, udp: false },
  domain: { port: 53, tcp: true, udp: true },
  http: { port: 80, tcp: true, udp: false },
  pop3: { port: 110, tcp: true, udp: false },
  ntp: { port: 123, tcp: false, udp: true },
  imap2: { port: 143, tcp: true, udp: false },
  https: { port: 443, tcp: true, udp: true },
};

/** Options of {@link getaddrinfo} after host and port. */
export interface GetaddrinfoHints {
  family?: number;
  type?: number;
  protocol?: number;
  flags?: number;
}

const TYPES: readonly [number, number][] = [[SOCK_STREAM, IPPROTO_TCP], [SOCK_DGRAM, IPPROTO_UDP], [SOCK_RAW, 0]];

/**
 * getaddrinfo(3) over a hosts table, with glibc's results and errors:
 * one entry per address and socket type (SOCK_STREAM/TCP, SOCK_DGRAM/UDP,
 * SOCK_RAW/0 when `type` is 0 and the port is numeric; the protocols a
 * named service is listed for otherwise). `host` null gives 127.0.0.1, or
 * 0.0.0.0 with AI_PASSIVE; dotted quads are used as they are. Throws a
 * {@link GaiError}: EAI_NONAME for an unknown name (or no host and no
 * port), EAI_SERVICE for an unknown service name or a port outside
 * 0–65535, EAI_FAMILY, EAI_SOCKTYPE, EAI_BADFLAGS. Both families: a name's
 * IPv6 and IPv4 addresses in RFC 6724 order as glibc sorts them
 * ({@link rfc6724Order}, `reachable` telling which destinations the
 * calling host can use), IPv6 literals, AF_INET6 with AI_V4MAPPED /
 * AI_ALL; `host` null with AF_INET6 is ::1 (:: with AI_PASSIVE);
 * AI_ADDRCONFIG (`addrconfig` telling which families the calling host has
 * a non-loopback address of) narrows an AF_UNSPEC lookup to the one
 * family the host has, as glibc does.
 * @example getaddrinfo(net.hostsFile, "server", 80, { type: SOCK_STREAM })[0].addr // { family: 2, addr: "10.0.0.2", port: 80 }
 */
export function getaddrinfo(
  resolver: Resolver, host: string | null | undefined, port: number | string | null | undefined,
  hints: GetaddrinfoHints = {}, syscall = "getaddrinfo", reachable?: (family: number, addr: string) => boolean,
  addrconfig?: () => { ipv4: boolean; ipv6: boolean },
): AddrInfo[] {
  let family = hints.family ?? AF_UNSPEC;
  const type = hints.type ?? 0, protocol = hints.protocol ?? 0, flags = hints.flags ?? 0;
  const num = (v: unknown, what: string) => {
    if (typeof v !== "number" || !Number.isInteger(v)) throw new GaiError(what === "flags" ? "EAI_BADFLAGS" : what === "family" ? "EAI_FAMILY" : "EAI_SOCKTYPE", syscall, `${what}: expected an integer, got ${String(v)}`);
  };
  num(family, "family");
  num(type, "type");
  num(protocol, "protocol");
  num(flags, "flags");
  if (flags & ~AI_KNOWN || (flags & AI_CANONNAME && host == null)) throw new GaiError("EAI_BADFLAGS", syscall);
  if (family !== AF_UNSPEC && family !== AF_INET && family !== 10) throw new GaiError("EAI_FAMILY", syscall);
  if (type !== 0 && type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_RAW) throw new GaiError("EAI_SOCKTYPE", syscall);
  // glibc: a type with another type's protocol (SOCK_STREAM + IPPROTO_UDP) is EAI_SOCKTYPE; SOCK_RAW takes any protocol.
  let types = TYPES
    .filter(([t, pr]) => (type === 0 || t === type) && (protocol === 0 || pr === protocol || (t === SOCK_RAW && type === SOCK_RAW)))
    .map(([t, pr]): [number, number] => [t, t === SOCK_RAW ? protocol : pr]);
  if (types.length === 0) throw new GaiError("EAI_SOCKTYPE", syscall);
  if (host == null && port == null) throw new GaiError("EAI_NONAME", syscall);
  // AI_ADDRCONFIG as glibc: only the families the host has a non-loopback address of (when it has
  // one of each, or none at all, both); a family asked for that it has none of: no answer.
  if (flags & AI_ADDRCONFIG && addrconfig) {
    const seen = addrconfig();
    if (family === AF_UNSPEC && (seen.ipv4 || seen.ipv6)) {
      if (seen.ipv4 !== seen.ipv6) family = seen.ipv4 ? AF_INET : AF_INET6;
    } else if ((family === AF_INET && !seen.ipv4) || (family === AF_INET6 && !seen.ipv6)) {
      throw new GaiError("EAI_NONAME", syscall, `AI_ADDRCONFIG: the host has no ${family === AF_INET ? "IPv4" : "IPv6"} address besides loopback`);
    }
  }
  // The service.
  let p = 0;
  if (typeof port === "number") {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new GaiError("EAI_SERVICE", syscall, `port: ${port} is not in 0-65535`);
    p = port;
  } else if (typeof port === "string") {
    if (/^\d+$/.test(port)) {
      p = Number(port);
      if (p > 65535) throw new GaiError("EAI_SERVICE", syscall, `port: ${port} is not in 0-65535`);
    } else {
      if (flags & AI_NUMERICSERV) throw new GaiError("EAI_NONAME", syscall, `port: "${port}" is not a number (AI_NUMERICSERV)`);
      const s = Object.hasOwn(SERVICES, port) ? SERVICES[port]! : undefined;
      types = types.filter(([t]) => t !== SOCK_RAW && s !== undefined && (t === SOCK_STREAM ? s.tcp : s.udp));
      if (!s || types.length === 0) throw new GaiError("EAI_SERVICE", syscall, `port: unknown service "${port}"`);
      p = s.port;
    }
  } else if (port != null) {
    throw new GaiError("EAI_SERVICE", syscall, `port: expected a number or a service name, got ${typeof port}`);
  }
  // The host: its addresses of each family, then in RFC 6724 order.
  let v4: Ipv4Address[] = [];
  let v6: string[] = [];
  let canon = "";
  if (host == null) {
    if (family === AF_INET6) v6 = [flags & AI_PASSIVE ? "::" : "::1"];
    else v4 = [flags & AI_PASSIVE ? 0 : 0x7f000001];
  } else if (typeof host !== "string") throw new GaiError("EAI_NONAME", syscall, `host: expected a string, got ${typeof host}`);
  else {
    const n = parseIpv4Address(host);
    const n6 = n === null && host.includes(":") ? parseIpv6Address(host) : null;
    canon = host;
    if (n !== null) v4 = [n];
    else if (n6 !== null) v6 = [formatIpv6Address(n6)];
    else {
      if (flags & AI_NUMERICHOST) throw new GaiError("EAI_NONAME", syscall, `host: "${host}" is not a numeric address (AI_NUMERICHOST)`);
      v4 = family === AF_INET && resolver.lookupAfInet ? resolver.lookupAfInet(host) : resolver.lookup(host);
      v6 = family === AF_INET ? [] : (resolver.lookup6?.(host) ?? []);
      if (v4.length === 0 && v6.length === 0) throw new GaiError("EAI_NONAME", syscall, `host: no host named "${host}"`);
    }
    if (family === AF_INET && v4.length === 0) throw new GaiError(n6 !== null ? "EAI_ADDRFAMILY" : "EAI_NONAME", syscall, `host: "${host}" has no IPv4 address`);
    if (family === AF_INET6) {
      // AI_V4MAPPED: IPv4 addresses as ::ffff:a.b.c.d when there is no IPv6 one (all of them with AI_ALL).
      const mapped = flags & AI_V4MAPPED && (v6.length === 0 || flags & AI_ALL) ? v4.map((a) => `::ffff:${formatIpv4Address(a)}`) : [];
      if (v6.length === 0 && mapped.length === 0) throw new GaiError(n !== null ? "EAI_ADDRFAMILY" : "EAI_NONAME", syscall, `host: "${host}" has no IPv6 address`);
      v6 = [...v6, ...mapped];
      v4 = [];
    }
  }
  const dests: { family: number; addr: string }[] = [
    ...v6.map((a) => ({ family: AF_INET6, addr: a })), ...v4.map((a) => ({ family: AF_INET, addr: formatIpv4Address(a) })),
  ];
  const ordered = dests.length > 1 ? rfc6724Order(dests, reachable) : dests;
  const out: AddrInfo[] = [];
  for (const d of ordered) {
    for (const [t, pr] of types) {
      const addr: SockAddrIn | SockAddrIn6 = d.family === AF_INET6 ? { family: AF_INET6, addr: d.addr, port: p, flowinfo: 0, scopeId: 0 } : { family: AF_INET, addr: d.addr, port: p };
      out.push({ family: d.family, type: t, protocol: pr, canonname: flags & AI_CANONNAME && out.length === 0 ? canon : "", addr });
    }
  }
  return out;
}

/** RFC 6724 §2.1's default policy table: prefix → precedence (the label is not needed for the rules applied). */
const POLICY: readonly [string, number, number][] = [
  ["::1", 128, 50], ["::", 0, 40], ["::ffff:0:0", 96, 35], ["2002::", 16, 30], ["2001::", 32, 5], ["fc00::", 7, 3], ["::", 96, 1], ["fec0::", 10, 1], ["3ffe::", 16, 1],
];

/** The precedence of a destination (IPv4 as its mapped form), by the longest matching prefix of the policy table. */
function precedence(d: { family: number; addr: string }): number {
  const b = parseIpv6Address(d.family === AF_INET ? `::ffff:${d.addr}` : d.addr)!;
  let best = -1, prec = 0;
  for (const [pfx, len, p] of POLICY) {
    const pb = parseIpv6Address(pfx)!;
    let ok = len > best;
    for (let i = 0; ok && i < len; i++) if (((b[i >> 3]! ^ pb[i >> 3]!) >> (7 - (i & 7))) & 1) ok = false;
    if (ok) {
      best = len;
      prec = p;
    }
  }
  return prec;
}

/**
 * Destination address selection as glibc's getaddrinfo applies RFC 6724
 * (rfc3484_sort): rule 1, usable destinations (a route and a source
 * address: glibc connects a UDP socket to each) before unusable ones; rule
 * 6, higher precedence first (the default policy table: native IPv6 40
 * before IPv4 35); otherwise the table's order (rule 10). Rules 2–5 and
 * 7–9 (scope, deprecated sources, labels, longest prefix) are not applied.
 */
export function rfc6724Order<D extends { family: number; addr: string }>(dests: readonly D[], reachable?: (family: number, addr: string) => boolean): D[] {
  const key = dests.map((d, i) => ({ d, i, usable: reachable ? reachable(d.family, d.addr.startsWith("::ffff:") ? d.addr.slice(7) : d.addr) : true, prec: precedence(d) }));
  key.sort((x, y) => (x.usable === y.usable ? 0 : x.usable ? -1 : 1) || y.prec - x.prec || x.i - y.i);
  return key.map((k) => k.d);
}

/**
 * gethostbyname(3) in Python's form: the first IPv4 address of `name` as
 * a dotted quad (a dotted quad is returned as it is); EAI_NONAME
 * {@link GaiError} when unknown.
 * @example gethostbyname(net.hostsFile, "server") === "10.0.0.2"
 */
export function gethostbyname(resolver: Resolver, name: string, syscall = "gethostbyname"): string {
  if (typeof name !== "string") throw new GaiError("EAI_NONAME", syscall, `name: expected a string, got ${typeof name}`);
  if (parseIpv4Address(name) !== null) return name;
  const a = resolver.lookup(name);
  if (a.length === 0) throw new GaiError("EAI_NONAME", syscall, `no host named "${name}"`);
  return formatIpv4Address(a[0]!);
}
