/**
 * A long-lived TUN bridge for the CLI (`sockstack tun up` / `down`): a
 * namespace, socat in it, and a state file `/run/sockstack/<netns>.json`
 * that `tun serve` / `tun connect` read to attach a sockstack host.
 *
 * Bounded in time: socat runs under `timeout`, and the detached shell that
 * runs it deletes the namespace and the state file when socat ends — after
 * `--ttl` seconds at the latest, or on `tun down`, or if socat dies.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { parseCidr } from "../host/host.js";
import { assertSealed, checkInteropAddress, checkName, createNetns, deleteNetns, interopUnavailableReason, netnsExists } from "./netns.js";
import { linkIsUp, socatArgs } from "./socat-bridge.js";
import { TUN_DEFAULTS } from "./tun-host.js";

/** Where session files live. */
export const STATE_DIR = "/run/sockstack";

/** A bridge set up by `tun up`. */
export interface TunSession {
  netns: string;
  /** sockstack's address with prefix. */
  addr: string;
  /** The kernel's address. */
  peer: string;
  tunName: string;
  nodePort: number;
  socatPort: number;
  mtu: number;
  /** pid of the detached shell (its process group holds socat). */
  pid: number;
  /** When the bridge stops by itself (ms since the epoch). */
  expires: number;
}

/** Options of {@link tunUp}. */
export interface TunUpOptions {
  netns: string;
  addr?: string;
  peer?: string;
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

/** Creates the namespace and starts the detached bridge. Throws with a clear reason on failure. */
export async function tunUp(o: TunUpOptions): Promise<TunSession> {
  const why = interopUnavailableReason();
  if (why) throw new Error(`cannot set up a TUN bridge: ${why}`);
  checkName(o.netns, "namespace");
  const addr = o.addr ?? TUN_DEFAULTS.addr;
  const peer = o.peer ?? TUN_DEFAULTS.peer;
  checkInteropAddress(addr, "--addr");
  checkInteropAddress(peer, "--peer");
  const { prefixLen } = parseCidr(addr);
  if (netnsExists(o.netns)) throw new Error(`namespace ${o.netns} already exists (sockstack tun down --netns ${o.netns} removes a bridge it created)`);
  const ttl = Math.max(1, Math.floor(o.ttlSeconds ?? 3600));
  const s: Omit<TunSession, "pid"> = {
    netns: o.netns, addr, peer, tunName: TUN_DEFAULTS.tunName, nodePort: TUN_DEFAULTS.nodePort, socatPort: TUN_DEFAULTS.socatPort,
    mtu: o.mtu ?? TUN_DEFAULTS.mtu, expires: Date.now() + ttl * 1000,
  };
  createNetns(o.netns);
  try {
    mkdirSync(STATE_DIR, { recursive: true });
    const socat = socatArgs({ tunName: s.tunName, kernelCidr: `${peer}/${prefixLen}`, nodePort: s.nodePort, socatPort: s.socatPort }).map(q).join(" ");
    const script = `timeout -k 2 ${ttl} ip netns exec ${q(o.netns)} socat ${socat}; ip netns del ${q(o.netns)} 2>/dev/null; rm -f ${q(statePath(o.netns))}`;
    const child = spawn("sh", ["-c", script], { detached: true, stdio: "ignore" });
    child.unref();
    const deadline = Date.now() + 5000;
    while (!linkIsUp(s.tunName, o.netns)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error("socat did not bring up the TUN device (is another bridge using the ports?)");
      await delay(20);
    }
    if (s.mtu !== 1500) spawn("ip", ["netns", "exec", o.netns, "ip", "link", "set", "dev", s.tunName, "mtu", String(s.mtu)], { stdio: "ignore" });
    assertSealed(o.netns, s.tunName);
    const session: TunSession = { ...s, pid: child.pid! };
    writeFileSync(statePath(o.netns), JSON.stringify(session, null, 2) + "\n");
    return session;
  } catch (e) {
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

/** Stops the bridge of `ns` and removes the namespace and state file. Returns what it did. */
export function tunDown(ns: string): string[] {
  checkName(ns, "namespace");
  const did: string[] = [];
  let session: TunSession | null = null;
  try {
    session = JSON.parse(readFileSync(statePath(ns), "utf8")) as TunSession;
  } catch { /* no state: still remove the namespace if it exists */ }
  if (session) {
    try {
      process.kill(-session.pid, "SIGTERM"); // the detached shell's process group: sh, timeout, socat
      did.push(`stopped the bridge (process group ${session.pid})`);
    } catch { /* already gone */ }
  }
  if (deleteNetns(ns)) did.push(`deleted namespace ${ns}`);
  rmSync(statePath(ns), { force: true });
  return did;
}
