/**
 * Network namespaces for interop runs (Linux `ip netns`): creation with
 * loopback up and IPv6 off (no router solicitations or other stray packets
 * on the TUN device), deletion, running commands inside, and the safety
 * checks that every interop run passes: only addresses of the benchmark
 * ranges 198.18.0.0/15 (RFC 2544) and 2001:2::/48 (RFC 5180), never routed
 * on the Internet, and a namespace with no interface but `lo` and the
 * bridge's TUN device and no route beyond the TUN subnet — nothing can
 * leave it. IPv6, when a run wants it, is turned on for the TUN device
 * alone ({@link enableTunIpv6}): no link-local address, no router
 * solicitations, no router advertisements accepted.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { accessSync, constants as fsConstants } from "node:fs";
import { inPrefix, ipv4, parseIpv4Address } from "../wire/ipv4-address.js";
import { ipv6, ipv6InPrefix, parseIpv6Address } from "../wire/ipv6-address.js";

/** Names we accept for namespaces and TUN devices (no shell metacharacters, ≤ 15 chars like IFNAMSIZ). */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,14}$/;

/** The benchmark range every interop address must lie in (RFC 2544 §C.2.2). */
export const INTEROP_RANGE = { net: ipv4("198.18.0.0"), prefixLen: 15, text: "198.18.0.0/15" } as const;

/** The IPv6 benchmark range every IPv6 interop address must lie in (RFC 5180 §8). */
export const INTEROP_RANGE6 = { net: ipv6("2001:2::"), prefixLen: 48, text: "2001:2::/48" } as const;

/** Throws unless `name` is a safe namespace/interface name. */
export function checkName(name: string, what: string): void {
  if (!NAME_RE.test(name)) throw new Error(`${what} ${JSON.stringify(name)}: use 1–15 letters, digits, - or _`);
}

/**
 * Throws unless `addr` (dotted quad or IPv6 text, optional /prefix) lies
 * inside {@link INTEROP_RANGE} or {@link INTEROP_RANGE6}.
 */
export function checkInteropAddress(addr: string, what: string): void {
  const [a, p] = addr.split("/");
  if (a?.includes(":")) {
    const n6 = parseIpv6Address(a);
    const plen6 = p === undefined ? 128 : Number(p);
    if (n6 === null || !Number.isInteger(plen6) || plen6 < INTEROP_RANGE6.prefixLen || plen6 > 128) {
      throw new Error(`${what} ${addr}: must be an address (with an optional prefix of at least /${INTEROP_RANGE6.prefixLen}) inside ${INTEROP_RANGE6.text}`);
    }
    if (!ipv6InPrefix(n6, INTEROP_RANGE6.net, INTEROP_RANGE6.prefixLen)) {
      throw new Error(`${what} ${addr}: outside ${INTEROP_RANGE6.text}; sockstack interop uses only the benchmark range`);
    }
    return;
  }
  const n = parseIpv4Address(a ?? "");
  const plen = p === undefined ? 32 : Number(p);
  if (n === null || !Number.isInteger(plen) || plen < INTEROP_RANGE.prefixLen || plen > 32) {
    throw new Error(`${what} ${addr}: must be an address (with an optional prefix of at least /${INTEROP_RANGE.prefixLen}) inside ${INTEROP_RANGE.text}`);
  }
  if (!inPrefix(n, INTEROP_RANGE.net, INTEROP_RANGE.prefixLen)) {
    throw new Error(`${what} ${addr}: outside ${INTEROP_RANGE.text}; sockstack interop uses only the benchmark range`);
  }
}

function has(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/**
 * Why this machine cannot run an interop bridge, or null when it can:
 * root, `ip`, `socat` and /dev/net/tun are needed.
 */
export function interopUnavailableReason(): string | null {
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "needs root (network namespaces and TUN devices)";
  if (!has("ip")) return "needs the `ip` command (iproute2)";
  if (!has("socat")) return "needs socat (apt-get install socat)";
  try {
    accessSync("/dev/net/tun", fsConstants.R_OK | fsConstants.W_OK);
  } catch {
    return "needs /dev/net/tun";
  }
  return null;
}

/** Runs a command, returning stdout; throws with stderr on failure. */
export function run(cmd: string, args: readonly string[], timeoutMs = 10_000): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")}: ${(err.stderr ?? "").trim() || err.message}`);
  }
}

/** The argv that runs `cmd args` inside namespace `ns`. */
export function inNetns(ns: string, cmd: string, args: readonly string[] = []): [string, string[]] {
  return ["ip", ["netns", "exec", ns, cmd, ...args]];
}

/** Runs a command inside `ns` (or here, when `ns` is null), returning stdout. */
export function runIn(ns: string | null, cmd: string, args: readonly string[], timeoutMs = 10_000): string {
  if (ns === null) return run(cmd, args, timeoutMs);
  const [c, a] = inNetns(ns, cmd, args);
  return run(c, a, timeoutMs);
}

/** True when namespace `name` exists. */
export function netnsExists(name: string): boolean {
  return run("ip", ["netns", "list"]).split("\n").some((l) => l.split(" ")[0] === name);
}

/** The name of the namespace this process runs in, or null (the initial or an unnamed one). */
export function currentNetns(): string | null {
  const r = spawnSync("ip", ["netns", "identify", String(process.pid)], { encoding: "utf8" });
  const name = r.status === 0 ? r.stdout.trim() : "";
  return name || null;
}

/**
 * Creates namespace `name` with `lo` up and IPv6 disabled (so a TUN device
 * created in it later sends no router solicitations; {@link enableTunIpv6}
 * turns it on for one device). Throws if it exists.
 */
export function createNetns(name: string): void {
  checkName(name, "namespace");
  run("ip", ["netns", "add", name]);
  try {
    runIn(name, "ip", ["link", "set", "lo", "up"]);
    runIn(name, "sysctl", ["-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]);
    // Bigger socket buffers for the bridge socket pair (per-namespace on recent kernels; best effort).
    spawnSync("ip", ["netns", "exec", name, "sysctl", "-qw", "net.core.rmem_max=8388608", "net.core.wmem_max=8388608"], { stdio: "ignore" });
  } catch (e) {
    deleteNetns(name);
    throw e;
  }
}

/**
 * Turns IPv6 on for the TUN device `tun` alone (namespace `ns`, null: this
 * process's) and gives the kernel's side `cidr6` (`2001:2::1/64`, inside
 * {@link INTEROP_RANGE6}, no DAD): no link-local address
 * (`addr_gen_mode` 1), no router solicitations, router advertisements
 * ignored; `all`/`default` stay disabled, so no other interface gets IPv6.
 * With `pointToPoint` (a further client's device, tun-session.ts) the
 * kernel gets `<cidr6's address>/128 peer <pointToPoint>/128` instead of
 * the subnet: a route to that one address, as the IPv4 `/32 peer` does.
 */
export function enableTunIpv6(ns: string | null, tun: string, cidr6: string, pointToPoint?: string): void {
  checkName(tun, "TUN device");
  checkInteropAddress(cidr6, "kernel IPv6 address");
  if (pointToPoint !== undefined) checkInteropAddress(pointToPoint, "point-to-point IPv6 address");
  runIn(ns, "sysctl", ["-qw", `net.ipv6.conf.${tun}.addr_gen_mode=1`, `net.ipv6.conf.${tun}.accept_ra=0`,
    `net.ipv6.conf.${tun}.router_solicitations=0`, `net.ipv6.conf.${tun}.disable_ipv6=0`]);
  const local = pointToPoint === undefined ? [cidr6] : [`${cidr6.split("/")[0]}/128`, "peer", `${pointToPoint.split("/")[0]}/128`];
  runIn(ns, "ip", ["-6", "addr", "add", ...local, "dev", tun, "nodad"]);
}

/** Deletes namespace `name` (no error when it does not exist). Returns true when one was deleted. */
export function deleteNetns(name: string): boolean {
  checkName(name, "namespace");
  const r = spawnSync("ip", ["netns", "del", name], { stdio: "ignore", timeout: 10_000 });
  return r.status === 0;
}

/**
 * Verifies that namespace `ns` (null: this process's) is sealed: its only
 * interfaces are `lo` and `tun`, every IPv4 route is the loopback's or lies
 * inside {@link INTEROP_RANGE} on `tun`, IPv6 is off for every interface
 * by default, and where it is on (`tun` only, {@link enableTunIpv6}) every
 * IPv6 route lies inside {@link INTEROP_RANGE6} or is the local multicast
 * route. Throws otherwise.
 */
export function assertSealed(ns: string | null, tun: string): void {
  const links = runIn(ns, "ip", ["-o", "link", "show"])
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split(":")[1]!.trim().split("@")[0]!);
  const stray = links.filter((l) => l !== "lo" && l !== tun);
  if (stray.length) throw new Error(`namespace not sealed: unexpected interfaces ${stray.join(", ")}`);
  const routes = runIn(ns, "ip", ["-4", "route", "show", "table", "all"]).split("\n").filter(Boolean);
  for (const r of routes) {
    const words = r.split(/\s+/);
    const devIdx = words.indexOf("dev");
    const dev = devIdx >= 0 ? words[devIdx + 1] : undefined;
    if (dev === "lo") continue;
    const kind = words[0] === "local" || words[0] === "broadcast" ? words[1]! : words[0]!;
    if (kind === "default" || dev !== tun) throw new Error(`namespace not sealed: route ${JSON.stringify(r)}`);
    checkInteropAddress(kind, "route");
  }
  const v6 = runIn(ns, "sysctl", ["-n", "net.ipv6.conf.all.disable_ipv6", "net.ipv6.conf.default.disable_ipv6"]).trim().split(/\s+/);
  if (v6.some((x) => x !== "1")) throw new Error("namespace not sealed: IPv6 is enabled by default");
  for (const r of runIn(ns, "ip", ["-6", "route", "show", "table", "all"]).split("\n").filter(Boolean)) {
    const words = r.split(/\s+/);
    const dev = words[words.indexOf("dev") + 1];
    const kind = words[0] === "local" || words[0] === "multicast" || words[0] === "anycast" ? words[1]! : words[0]!;
    if (dev === "lo" && kind === "::1") continue;
    if (kind === "default" || dev !== tun) throw new Error(`namespace not sealed: IPv6 route ${JSON.stringify(r)}`);
    if (words[0] === "multicast" && kind === "ff00::/8") continue;
    checkInteropAddress(kind, "IPv6 route");
  }
}

/** The pids of every process in namespace `name` (`ip netns pids`). */
export function netnsPids(name: string): number[] {
  checkName(name, "namespace");
  const r = spawnSync("ip", ["netns", "pids", name], { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 ? r.stdout.split("\n").filter(Boolean).map(Number) : [];
}
