/**
 * A real-time sockstack host attached to the kernel through the TUN bridge:
 * host + driver + {@link UdpTunDevice} (+ the socat process, when this
 * process starts it). Used by the `tun` CLI and the interop tests.
 *
 * The host gets exactly one non-loopback interface with the given address
 * and no other route: it can reach nothing but the TUN subnet.
 */
import type { Sysctls } from "../core/sysctl.js";
import type { Host } from "../host/host.js";
import { parseCidr } from "../host/host.js";
import { checkInteropAddress } from "./netns.js";
import type { RealtimeDriver } from "./realtime-driver.js";
import { createRealtimeHost } from "./realtime-host.js";
import { startSocatBridge, type SocatBridge } from "./socat-bridge.js";
import { UdpTunDevice } from "./udp-tun-device.js";

/** Default addresses and ports (issue 7). */
export const TUN_DEFAULTS = {
  /** sockstack's address. */
  addr: "198.18.0.2/24",
  /** The kernel's address on the TUN device. */
  peer: "198.18.0.1",
  tunName: "sstun0",
  /** Port of the sockstack side of the UDP pair. */
  nodePort: 47000,
  /** Port of socat's side. */
  socatPort: 47001,
  mtu: 1500,
} as const;

/** Options of {@link attachTunHost}. */
export interface TunHostOptions {
  /** sockstack address with prefix (default 198.18.0.2/24). */
  addr?: string;
  /** The kernel's address (default 198.18.0.1); gets the same prefix on the TUN device. */
  peer?: string;
  tunName?: string;
  nodePort?: number;
  socatPort?: number;
  mtu?: number;
  /** Start socat here (default true); false when `tun up` already runs it. */
  startSocat?: boolean;
  /** Lifetime bound of a socat started here, seconds (default 600). */
  ttlSeconds?: number;
  /** Host name (default "sockstack") and RNG seed. */
  name?: string;
  seed?: number | string;
  sysctl?: Partial<Sysctls>;
}

/** A host attached to the kernel. */
export interface TunHost {
  host: Host;
  driver: RealtimeDriver;
  device: UdpTunDevice;
  /** The socat process, when started here. */
  bridge: SocatBridge | null;
  /** sockstack's address (no prefix). */
  addr: string;
  /** The kernel's address. */
  peer: string;
  /** Stops everything started here (idempotent). */
  close(): Promise<void>;
}

/**
 * Starts a host on the TUN bridge. Must run inside the namespace that holds
 * (or will hold) the TUN device.
 * @example
 * const t = await attachTunHost({});
 * try {
 *   t.host.spawn("app", async (p) => {
 *     // … the program, talking to the kernel at t.peer …
 *   });
 * } finally {
 *   await t.close();
 * }
 */
export async function attachTunHost(o: TunHostOptions = {}): Promise<TunHost> {
  const addr = o.addr ?? TUN_DEFAULTS.addr;
  const peer = o.peer ?? TUN_DEFAULTS.peer;
  checkInteropAddress(addr, "sockstack address");
  checkInteropAddress(peer, "peer address");
  const { prefixLen } = parseCidr(addr);
  const nodePort = o.nodePort ?? TUN_DEFAULTS.nodePort;
  const socatPort = o.socatPort ?? TUN_DEFAULTS.socatPort;
  const mtu = o.mtu ?? TUN_DEFAULTS.mtu;
  const tunName = o.tunName ?? TUN_DEFAULTS.tunName;
  let bridge: SocatBridge | null = null;
  if (o.startSocat ?? true) {
    bridge = await startSocatBridge({ tunName, kernelCidr: `${peer}/${prefixLen}`, nodePort, socatPort, mtu, ttlSeconds: o.ttlSeconds ?? 600 });
  }
  const { host, driver } = createRealtimeHost({ name: o.name ?? "sockstack", seed: o.seed, sysctl: o.sysctl });
  let device: UdpTunDevice;
  try {
    device = await UdpTunDevice.open({ driver, localPort: nodePort, peerPort: socatPort, name: "tun0", mtu });
  } catch (e) {
    driver.stop();
    await bridge?.stop();
    throw e;
  }
  host.addInterface(device, addr);
  let closed = false;
  return {
    host, driver, device, bridge, addr: addr.split("/")[0]!, peer,
    async close() {
      if (closed) return;
      closed = true;
      driver.stop();
      await device.close();
      await bridge?.stop();
    },
  };
}
