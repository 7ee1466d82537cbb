/**
 * The kernel half of the TUN bridge: a `socat` process that creates the TUN
 * device, gives it the kernel's address, and copies each IP packet to and
 * from one UDP datagram on loopback, where a {@link UdpTunDevice} of the
 * sockstack host sits (issue 7; works without native code):
 *
 * ```
 * socat -b 65536 TUN:198.18.0.1/24,tun-name=sstun0,iff-up,iff-no-pi \
 *       UDP-DATAGRAM:127.0.0.1:<nodePort>,bind=127.0.0.1:<socatPort>
 * ```
 *
 * socat must run in the same network namespace as the Node side (their UDP
 * pair meets on that namespace's loopback) and the namespace must have IPv6
 * off before the device appears (see netns.ts). The process is wrapped in
 * `timeout`, so a bridge never outlives its time budget even when its owner
 * dies.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { checkInteropAddress, checkName, inNetns } from "./netns.js";
import { BRIDGE_LOOPBACK } from "./udp-tun-device.js";

/** Options of {@link startSocatBridge}. */
export interface SocatBridgeOptions {
  /** TUN device name (default `sstun0`). */
  tunName?: string;
  /** The kernel's address on the TUN device with prefix, e.g. `198.18.0.1/24`. */
  kernelCidr: string;
  /**
   * Point-to-point: the sockstack address at the other end. socat then
   * creates the device without an address and the kernel gets
   * `<kernel>/32 peer <pointToPoint>/32` on it (a route to that one
   * address), so several bridges share the kernel's address in one namespace.
   */
  pointToPoint?: string;
  /** Port socat binds on 127.0.0.1. */
  socatPort: number;
  /** Port the sockstack device binds on 127.0.0.1 (socat sends there). */
  nodePort: number;
  /** MTU of the TUN device (default 1500). */
  mtu?: number;
  /** The bridge stops after this many seconds at the latest (default 600). */
  ttlSeconds?: number;
  /** Run inside this namespace (`ip netns exec`); null: the current one. */
  netns?: string | null;
  /** Detach (own session, stdio ignored) so the bridge survives its starter — for `tun up`. */
  detached?: boolean;
}

/** The socat command line (without the `timeout` wrapper). */
export function socatArgs(o: SocatBridgeOptions): string[] {
  const tun = o.tunName ?? "sstun0";
  return [
    "-b", "65536",
    `TUN${o.pointToPoint ? "" : `:${o.kernelCidr}`},tun-name=${tun},iff-up,iff-no-pi`,
    `UDP-DATAGRAM:${BRIDGE_LOOPBACK}:${o.nodePort},bind=${BRIDGE_LOOPBACK}:${o.socatPort},rcvbuf=4194304,sndbuf=4194304`,
  ];
}

/** A running socat bridge. */
export class SocatBridge {
  #exited: Promise<number | null>;

  /** @internal use {@link startSocatBridge}. */
  constructor(
    readonly child: ChildProcess,
    readonly tunName: string,
    readonly netns: string | null,
    /** What socat wrote to stderr so far (for error messages). */
    readonly stderr: string[],
  ) {
    this.#exited = new Promise((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once("exit", (code) => resolve(code));
    });
  }

  /** The pid of the wrapper process (timeout → socat). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves with socat's exit code when it ends. */
  get exited(): Promise<number | null> {
    return this.#exited;
  }

  /** Stops socat (SIGTERM, then SIGKILL after 2 s); the TUN device goes with it. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const t = setTimeout(() => this.child.kill("SIGKILL"), 2000);
    await this.#exited;
    clearTimeout(t);
  }
}

/** True when interface `name` exists and is up in `ns` (or here). */
export function linkIsUp(name: string, ns: string | null): boolean {
  const [cmd, args] = ns ? inNetns(ns, "ip", ["-o", "link", "show", "dev", name]) : ["ip", ["-o", "link", "show", "dev", name]];
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return r.status === 0 && /[<,]UP[,>]/.test(r.stdout);
}

/**
 * Starts socat and waits (up to 5 s) until its TUN device is up, then sets
 * the MTU. Throws with socat's message when it fails.
 */
export async function startSocatBridge(o: SocatBridgeOptions): Promise<SocatBridge> {
  const tun = o.tunName ?? "sstun0";
  checkName(tun, "TUN device");
  checkInteropAddress(o.kernelCidr, "kernel address");
  const ttl = Math.max(1, Math.floor(o.ttlSeconds ?? 600));
  const ns = o.netns ?? null;
  const inner = ["-k", "2", String(ttl), "socat", ...socatArgs({ ...o, tunName: tun })];
  const [cmd, args] = ns ? inNetns(ns, "timeout", inner) : ["timeout", inner];
  const child = spawn(cmd, args, {
    stdio: o.detached ? "ignore" : ["ignore", "ignore", "pipe"],
    detached: o.detached ?? false,
  });
  const stderr: string[] = [];
  child.stderr?.on("data", (d: Buffer) => stderr.push(d.toString()));
  const bridge = new SocatBridge(child, tun, ns, stderr);
  const deadline = Date.now() + 5000;
  while (!linkIsUp(tun, ns)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await bridge.stop();
      throw new Error(`socat did not bring up ${tun}: ${stderr.join("").trim() || `exit code ${child.exitCode}`}`);
    }
    await delay(20);
  }
  const ipCmd = async (args: string[], what: string) => {
    const [c, a] = ns ? inNetns(ns, "ip", args) : ["ip", args];
    const r = spawnSync(c, a, { encoding: "utf8", timeout: 10_000 });
    if (r.status !== 0) {
      await bridge.stop();
      throw new Error(`cannot ${what} ${tun}: ${(r.stderr ?? "").trim()}`);
    }
  };
  if (o.pointToPoint) {
    checkInteropAddress(o.pointToPoint, "point-to-point address");
    await ipCmd(["addr", "add", `${o.kernelCidr.split("/")[0]}/32`, "peer", `${o.pointToPoint}/32`, "dev", tun], "address");
  }
  if (o.mtu && o.mtu !== 1500) await ipCmd(["link", "set", "dev", tun, "mtu", String(o.mtu)], "set the MTU of");
  if (o.detached) child.unref();
  return bridge;
}
