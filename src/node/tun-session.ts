/**
 * A long-lived TUN bridge for the CLI (`sockstack tun up` / `down`): a
 * namespace, socat in it, and a state file `/run/sockstack/<netns>.json`
 * that `tun serve` / `tun connect` / `tun ping` read to attach a sockstack
 * host ({@link attachToSession}).
 *
 * Several clients at once: the first one takes the bridge `tun up` started
 * (sockstack address 198.18.0.2 on `sstun0`, UDP 47000 ⇄ 47001). Each
 * further one is another host with the next address (198.18.0.3, .4, …) on
 * its own point-to-point TUN device `sstun1`, `sstun2`, … and its own socat
 * (UDP 47000+2i ⇄ 47001+2i), started by the client and stopped with it.
 * The kernel keeps one address, 198.18.0.1, on every device.
 *
 * IPv6 too, unless `tun up` is told otherwise: sockstack 2001:2::2/64 (the
 * next clients 2001:2::3, ::4, …), the kernel 2001:2::1 on every device —
 * RFC 5180's benchmark range; IPv6 is turned on for the bridge's TUN
 * devices alone, without link-local addresses or router solicitations
 * (netns.ts enableTunIpv6), so nothing else in the namespace speaks it.
 *
 * Bounded in time: socat runs under `timeout`, and the detached shell that
 * runs it deletes the namespace and the state file when socat ends — after
 * `--ttl` seconds at the latest, or on `tun down`, or if socat dies.
 * `tun down` stops every process of the bridge (the shell's whole session:
 * sh, timeout, socat) and every process still running in the namespace.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { parseCidr } from "../host/host.js";
import { formatIpv4Address, parseIpv4Address, prefixMask } from "../wire/ipv4-address.js";
import { formatIpv6Address, ipv6Equal, ipv6InPrefix, parseCidr6, parseIpv6Address } from "../wire/ipv6-address.js";
import { assertSealed, checkInteropAddress, checkName, createNetns, deleteNetns, enableTunIpv6, interopUnavailableReason, netnsExists, netnsPids } from "./netns.js";
import { linkIsUp, socatArgs } from "./socat-bridge.js";
import { attachTunHost, TUN_DEFAULTS, type TunHost, type TunHostOptions } from "./tun-host.js";

/** Where session files live. */
export const STATE_DIR = "/run/sockstack";

/** A bridge set up by `tun up`. */
export interface TunSession {
  netns: string;
  /** sockstack's address with prefix. */
  addr: string;
  /** The kernel's address. */
  peer: string;
  /** sockstack's IPv6 address with prefix; absent when the bridge runs IPv4 only. */
  addr6?: string;
  /** The kernel's IPv6 address; absent when the bridge runs IPv4 only. */
  peer6?: string;
  tunName: string;
  nodePort: number;
  socatPort: number;
  mtu: number;
  /** pid of the detached shell: the leader of the session that holds timeout and socat. */
  pid: number;
  /** The shell's start time (/proc/PID/stat field 22), so a reused pid is never signalled. */
  startTime?: number;
  /** 32 random bytes (hex): the bridge's ISN/TS secret, shared by every client run (as one machine's boot keys). */
  secret?: string;
  /** When the bridge stops by itself (ms since the epoch). */
  expires: number;
}

/** Options of {@link tunUp}. */
export interface TunUpOptions {
  netns: string;
  addr?: string;
  peer?: string;
  /** IPv6 on the bridge too (default true; the addresses below imply it). */
  ipv6?: boolean;
  /** sockstack's IPv6 address with prefix (default 2001:2::2/64). */
  addr6?: string;
  /** The kernel's IPv6 address (default 2001:2::1). */
  peer6?: string;
  mtu?: number;
  /** Lifetime, seconds (default 3600). */
  ttlSeconds?: number;
}

function statePath(ns: string): string {
  return join(STATE_DIR, `${ns}.json`);
}

function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The addresses `tun up` would use, checked: inside the benchmark ranges,
 * the kernel's address in sockstack's subnet and different from it, in
 * each family. Throws with a one-line reason naming the option.
 */
export function checkSessionAddresses(o: Pick<TunUpOptions, "addr" | "peer" | "ipv6" | "addr6" | "peer6">): { addr: string; peer: string; addr6: string | null; peer6: string | null } {
  const addr = o.addr ?? TUN_DEFAULTS.addr;
  const peer = o.peer ?? TUN_DEFAULTS.peer;
  checkInteropAddress(addr, "--addr");
  checkInteropAddress(peer, "--peer");
  const { addr: a, prefixLen } = parseCidr(addr);
  const p = parseIpv4Address(peer)!;
  if (((a ^ p) & prefixMask(prefixLen)) !== 0) throw new Error(`--peer ${peer}: not in the subnet of --addr ${addr}`);
  if (a === p) throw new Error(`--peer ${peer}: the same address as --addr`);
  if (o.ipv6 === false) {
    if (o.addr6 !== undefined || o.peer6 !== undefined) throw new Error(`--${o.addr6 !== undefined ? "addr6" : "peer6"} needs IPv6 (drop --no-ipv6)`);
    return { addr, peer, addr6: null, peer6: null };
  }
  const addr6 = o.addr6 ?? TUN_DEFAULTS.addr6;
  const peer6 = o.peer6 ?? TUN_DEFAULTS.peer6;
  if (!addr6.includes(":")) throw new Error(`--addr6 ${addr6}: not an IPv6 address`);
  if (!peer6.includes(":") || peer6.includes("/")) throw new Error(`--peer6 ${peer6}: not an IPv6 address (no prefix: it takes --addr6's)`);
  checkInteropAddress(addr6, "--addr6");
  checkInteropAddress(peer6, "--peer6");
  const c6 = parseCidr6(addr6.includes("/") ? addr6 : `${addr6}/64`);
  const p6 = parseIpv6Address(peer6)!;
  if (!ipv6InPrefix(p6, c6.addr, c6.prefixLen)) throw new Error(`--peer6 ${peer6}: not in the subnet of --addr6 ${addr6}`);
  if (ipv6Equal(p6, c6.addr)) throw new Error(`--peer6 ${peer6}: the same address as --addr6`);
  return { addr, peer, addr6: `${formatIpv6Address(c6.addr)}/${c6.prefixLen}`, peer6: formatIpv6Address(p6) };
}

/** Creates the namespace and starts the detached bridge. Throws with a clear reason on failure. */
export async function tunUp(o: TunUpOptions): Promise<TunSession> {
  const why = interopUnavailableReason();
  if (why) throw new Error(`cannot set up a TUN bridge: ${why}`);
  checkName(o.netns, "namespace");
  const { addr, peer, addr6, peer6 } = checkSessionAddresses(o);
  const { prefixLen } = parseCidr(addr);
  if (netnsExists(o.netns)) throw new Error(`namespace ${o.netns} already exists (sockstack tun down --netns ${o.netns} removes a bridge it created)`);
  const ttl = Math.max(1, Math.floor(o.ttlSeconds ?? 3600));
  const s: Omit<TunSession, "pid"> = {
    netns: o.netns, addr, peer, ...(addr6 !== null && peer6 !== null ? { addr6, peer6 } : {}), tunName: TUN_DEFAULTS.tunName, nodePort: TUN_DEFAULTS.nodePort, socatPort: TUN_DEFAULTS.socatPort,
    mtu: o.mtu ?? TUN_DEFAULTS.mtu, expires: Date.now() + ttl * 1000,
  };
  createNetns(o.netns);
  let leader: number | undefined;
  try {
    mkdirSync(STATE_DIR, { recursive: true });
    const socat = socatArgs({ tunName: s.tunName, kernelCidr: `${peer}/${prefixLen}`, nodePort: s.nodePort, socatPort: s.socatPort }).map(q).join(" ");
    const script = `timeout -k 2 ${ttl} ip netns exec ${q(o.netns)} socat ${socat}; ip netns del ${q(o.netns)} 2>/dev/null; rm -f ${q(statePath(o.netns))}`;
    const child = spawn("sh", ["-c", script], { detached: true, stdio: "ignore" });
    child.unref();
    leader = child.pid;
    const deadline = Date.now() + 5000;
    while (!linkIsUp(s.tunName, o.netns)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error("socat did not bring up the TUN device (is another bridge using the ports?)");
      await delay(20);
    }
    if (s.addr6 !== undefined && s.peer6 !== undefined) enableTunIpv6(o.netns, s.tunName, `${s.peer6}/${s.addr6.split("/")[1]!}`);
    if (s.mtu !== 1500) spawn("ip", ["netns", "exec", o.netns, "ip", "link", "set", "dev", s.tunName, "mtu", String(s.mtu)], { stdio: "ignore" });
    assertSealed(o.netns, s.tunName);
    const session: TunSession = { ...s, pid: child.pid!, startTime: procStat(child.pid!)?.startTime, secret: randomBytes(32).toString("hex") };
    writeFileSync(statePath(o.netns), JSON.stringify(session, null, 2) + "\n", { mode: 0o600 });
    return session;
  } catch (e) {
    if (leader !== undefined) await stopProcesses(sessionPids(leader), 2000); // a half-started bridge: sh, timeout, socat
    deleteNetns(o.netns);
    throw e;
  }
}

/**
 * The session of namespace `ns`; without `ns`, the only one there is.
 * Throws when none (or several, without `ns`).
 */
export function readSession(ns?: string): TunSession {
  if (ns !== undefined) {
    checkName(ns, "namespace");
    try {
      return JSON.parse(readFileSync(statePath(ns), "utf8")) as TunSession;
    } catch {
      throw new Error(`no TUN bridge for namespace ${ns} (start one with: sockstack tun up --netns ${ns})`);
    }
  }
  const all = listSessions();
  if (all.length === 1) return all[0]!;
  if (all.length === 0) throw new Error("no TUN bridge is up (start one with: sockstack tun up --netns NAME)");
  throw new Error(`several TUN bridges are up (${all.map((x) => x.netns).join(", ")}): pass --netns NAME`);
}

/** Every session with a state file. */
export function listSessions(): TunSession[] {
  let names: string[];
  try {
    names = readdirSync(STATE_DIR).filter((n) => n.endsWith(".json"));
  } catch {
    return [];
  }
  const out: TunSession[] = [];
  for (const n of names) {
    try {
      out.push(JSON.parse(readFileSync(join(STATE_DIR, n), "utf8")) as TunSession);
    } catch { /* a half-written file: ignore */ }
  }
  return out;
}

/** The fields of /proc/PID/stat a shutdown needs, or null when the process is gone (or a zombie). */
function procStat(pid: number): { ppid: number; session: number; startTime: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // "pid (comm) S ppid pgrp session … starttime(22) …": comm may hold spaces and parentheses.
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  if (f[0] === "Z" || f[0] === "X") return null;
  return { ppid: Number(f[1]), session: Number(f[3]), startTime: Number(f[19]) };
}

/** Every live process whose session id is `sid`. */
function sessionPids(sid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const st = procStat(Number(name));
    if (st?.session === sid) out.push(Number(name));
  }
  return out;
}

/** This process and its ancestors (never signalled by `down`, which may run inside the namespace). */
function selfAndAncestors(): Set<number> {
  const out = new Set<number>();
  for (let pid = process.pid; pid > 1 && !out.has(pid); pid = procStat(pid)?.ppid ?? 0) out.add(pid);
  return out;
}

/** SIGTERM to `pids`, up to `graceMs` for them to end, then SIGKILL. Returns the pids that were alive. */
async function stopProcesses(pids: number[], graceMs: number): Promise<number[]> {
  const alive = pids.filter((p) => procStat(p) !== null);
  for (const p of alive) {
    try {
      process.kill(p, "SIGTERM");
    } catch { /* gone */ }
  }
  const deadline = Date.now() + graceMs;
  while (alive.some((p) => procStat(p) !== null) && Date.now() < deadline) await delay(20);
  for (const p of alive) {
    if (procStat(p) === null) continue;
    try {
      process.kill(p, "SIGKILL");
    } catch { /* gone */ }
  }
  while (alive.some((p) => procStat(p) !== null) && Date.now() < deadline + 2000) await delay(20);
  return alive;
}

/**
 * Stops the bridge of `ns` and removes the namespace and state file, and
 * returns what it did. In order: the processes running in the namespace
 * (clients such as `tun serve`, and whatever else was started there) get
 * SIGTERM — the topmost first, so a client still closes its connections
 * and its own socat through the bridge — then the bridge itself: every
 * process of the detached shell's session (sh, timeout, socat; `timeout`
 * runs in a process group of its own, so signalling the shell's group is
 * not enough). Whatever outlives its grace period gets SIGKILL. Resolves
 * when all of them are gone.
 */
export async function tunDown(ns: string): Promise<string[]> {
  checkName(ns, "namespace");
  const did: string[] = [];
  let session: TunSession | null = null;
  try {
    session = JSON.parse(readFileSync(statePath(ns), "utf8")) as TunSession;
  } catch { /* no state: still remove the namespace if it exists */ }
  const leader = session ? procStat(session.pid) : null;
  const ours = leader && leader.session === session!.pid && (session!.startTime === undefined || leader.startTime === session!.startTime);
  const bridge = new Set(ours ? sessionPids(session!.pid) : []);
  const spare = selfAndAncestors();
  if (netnsExists(ns)) {
    const inNs = netnsPids(ns).filter((p) => !bridge.has(p) && !spare.has(p));
    const set = new Set(inNs);
    const roots = inNs.filter((p) => !set.has(procStat(p)?.ppid ?? 0));
    const first = await stopProcesses(roots, 5000);
    const rest = await stopProcesses(inNs.filter((p) => !roots.includes(p)), 2000);
    const n = first.length + rest.length;
    if (n) did.push(`stopped ${n} process${n > 1 ? "es" : ""} running in the namespace (pids ${[...first, ...rest].join(", ")})`);
  }
  if (bridge.size) {
    // Re-read: the session may have changed while the clients stopped (timeout killed, sh cleaning up).
    const stopped = await stopProcesses(ours ? sessionPids(session!.pid) : [], 3000);
    if (stopped.length) did.push(`stopped the bridge (sh, timeout, socat: pids ${stopped.join(", ")})`);
  }
  if (deleteNetns(ns)) did.push(`deleted namespace ${ns}`);
  rmSync(statePath(ns), { force: true });
  return did;
}

/** How many clients can share one bridge (the first on `tun up`'s device, the others on their own). */
export const MAX_BRIDGE_CLIENTS = 16;

/** Options of {@link attachToSession}: those of {@link attachTunHost} a client chooses. */
export type SessionAttachOptions = Pick<TunHostOptions, "seed" | "impair" | "lingerMs" | "sysctl" | "name"> & {
  /** Lifetime bound of the socat a secondary client starts, seconds (default 600). */
  ttlSeconds?: number;
};

/** A host attached to a session's bridge, and which slot it took (0: `tun up`'s device). */
export interface SessionHost extends TunHost {
  slot: number;
  tunName: string;
}

/**
 * The sockstack address of client slot `i` (0 is the session's own): the
 * session address + i, skipping the kernel's address; null past the subnet.
 */
export function slotAddress(s: Pick<TunSession, "addr" | "peer">, i: number): string | null {
  const { addr, prefixLen } = parseCidr(s.addr);
  const peer = parseIpv4Address(s.peer);
  const mask = prefixMask(prefixLen);
  const net = (addr & mask) >>> 0;
  const bcast = (net | ~mask) >>> 0;
  let a = addr;
  for (let k = 0; k < i; k++) {
    a = (a + 1) >>> 0;
    if (a === peer) a = (a + 1) >>> 0;
  }
  return a > net && a < bcast ? formatIpv4Address(a) : null;
}

/**
 * The sockstack IPv6 address of client slot `i`, as {@link slotAddress}:
 * the session's + i, skipping the kernel's; null past the subnet or when
 * the session runs IPv4 only.
 */
export function slotAddress6(s: Pick<TunSession, "addr6" | "peer6">, i: number): string | null {
  if (s.addr6 === undefined || s.peer6 === undefined) return null;
  const { addr, prefixLen } = parseCidr6(s.addr6);
  const peer = parseIpv6Address(s.peer6)!;
  const a = Uint8Array.from(addr);
  const inc = () => {
    for (let b = 15; b >= 0; b--) if (++a[b]! <= 255) return; else a[b] = 0;
  };
  for (let k = 0; k < i; k++) {
    inc();
    if (ipv6Equal(a, peer)) inc();
  }
  return ipv6InPrefix(a, addr, prefixLen) ? formatIpv6Address(a) : null;
}

function isInUse(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err.code === "EADDRINUSE" || /busy|in use/i.test(err.message ?? "");
}

/**
 * Attaches a real-time host to the bridge of session `s`, in the first free
 * client slot (see the file comment); must run inside the namespace. The
 * ISN/TS secret is the session's, so successive runs behave like processes
 * of one machine (tcp/isn.ts).
 * @example const th = await attachToSession(readSession("ss1"), { seed: 7 });
 */
export async function attachToSession(s: TunSession, o: SessionAttachOptions = {}): Promise<SessionHost> {
  const secret = s.secret ? Buffer.from(s.secret, "hex") : undefined;
  const common: TunHostOptions = { peer: s.peer, peer6: s.peer6, mtu: s.mtu, secret, seed: o.seed, impair: o.impair, lingerMs: o.lingerMs, sysctl: o.sysctl, name: o.name };
  try {
    const th = await attachTunHost({ ...common, startSocat: false, addr: s.addr, addr6: s.addr6, tunName: s.tunName, nodePort: s.nodePort, socatPort: s.socatPort });
    return Object.assign(th, { slot: 0, tunName: s.tunName });
  } catch (e) {
    if (!isInUse(e)) throw e;
  }
  const prefixLen = parseCidr(s.addr).prefixLen;
  const stem = s.tunName.replace(/\d+$/, "");
  for (let i = 1; i < MAX_BRIDGE_CLIENTS; i++) {
    const addr = slotAddress(s, i);
    if (addr === null) break;
    const a6 = slotAddress6(s, i);
    if (s.addr6 !== undefined && a6 === null) break;
    const tunName = `${stem}${i}`;
    try {
      const th = await attachTunHost({
        ...common, addr: `${addr}/${prefixLen}`, addr6: a6 === null ? undefined : `${a6}/${s.addr6!.split("/")[1]!}`, tunName, nodePort: s.nodePort + 2 * i, socatPort: s.socatPort + 2 * i,
        startSocat: true, pointToPoint: true, ttlSeconds: o.ttlSeconds ?? 600,
      });
      return Object.assign(th, { slot: i, tunName });
    } catch (e) {
      if (!isInUse(e)) throw e;
    }
  }
  throw new Error(`all client slots of the bridge in namespace ${s.netns} are in use (at most ${MAX_BRIDGE_CLIENTS} serve/connect/ping at once): stop one, or start another bridge with sockstack tun up --netns OTHER`);
}
