/**
 * A real-time sockstack host attached to the kernel through the TUN bridge:
 * host + driver + {@link UdpTunDevice} (+ the socat process, when this
 * process starts it). Used by the `tun` CLI and the interop tests.
 *
 * The host gets exactly one non-loopback interface with the given address
 * and no other route: it can reach nothing but the TUN subnet.
 */
import type { Sysctls } from "../core/sysctl.js";
import { ms } from "../core/time.js";
import { TcpState } from "../tcp/tcp-state.js";
import type { Host } from "../host/host.js";
import { parseCidr } from "../host/host.js";
import { checkInteropAddress, enableTunIpv6 } from "./netns.js";
import type { RealtimeDriver } from "./realtime-driver.js";
import { createRealtimeHost } from "./realtime-host.js";
import { startSocatBridge, type SocatBridge } from "./socat-bridge.js";
import { UdpTunDevice, type BridgeImpairments } from "./udp-tun-device.js";

/** Default addresses and ports (issue 7). */
export const TUN_DEFAULTS = {
  /** sockstack's address. */
  addr: "198.18.0.2/24",
  /** The kernel's address on the TUN device. */
  peer: "198.18.0.1",
  /** sockstack's IPv6 address, when IPv6 is on (RFC 5180's benchmark range). */
  addr6: "2001:2::2/64",
  /** The kernel's IPv6 address on the TUN device, when IPv6 is on. */
  peer6: "2001:2::1",
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
  /**
   * IPv6 across the bridge too (default false): sockstack gets `addr6`
   * (default 2001:2::2/64) beside its IPv4 address, and a socat started
   * here turns IPv6 on for the TUN device alone with `peer6` (default
   * 2001:2::1) — no link-local address, no router solicitations (netns.ts
   * enableTunIpv6). Both inside 2001:2::/48.
   */
  ipv6?: boolean;
  /** sockstack's IPv6 address with prefix (default 2001:2::2/64; implies `ipv6`). */
  addr6?: string;
  /** The kernel's IPv6 address (default 2001:2::1; implies `ipv6`). */
  peer6?: string;
  /** Start socat here (default true); false when `tun up` already runs it. */
  startSocat?: boolean;
  /**
   * A socat started here gives the kernel only `peer/32 peer addr/32` on its
   * device (a point-to-point link) instead of the subnet: how several
   * clients share one namespace, each on its own device (default false).
   * With IPv6, likewise `peer6/128 peer addr6/128`.
   */
  pointToPoint?: boolean;
  /** Lifetime bound of a socat started here, seconds (default 600). */
  ttlSeconds?: number;
  /** Host name (default "sockstack"). */
  name?: string;
  /** RNG seed (default: random, see {@link TunHost.seed}). */
  seed?: number | string;
  /** 32-byte ISN/TS secret shared by the runs of one bridge session (see realtime-host.ts). */
  secret?: Uint8Array;
  sysctl?: Partial<Sysctls>;
  /** Impairments on the sockstack side of the bridge (the simulator's link model), from the start. */
  impair?: BridgeImpairments;
  /** How long {@link TunHost.close} lets connections finish their close handshake, ms (default 3000). */
  lingerMs?: number;
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
  /** sockstack's IPv6 address (no prefix), or null without IPv6. */
  addr6: string | null;
  /** The kernel's IPv6 address, or null without IPv6. */
  peer6: string | null;
  /** The seed of the host's RNG (given or drawn at random). */
  seed: number | string;
  /**
   * Stops everything started here (idempotent), the way a Linux process
   * exit leaves the kernel to finish: first every TCP connection gets up to
   * `lingerMs` to finish its close handshake (retransmitting as needed),
   * then every queued packet is flushed to the kernel, then the device,
   * driver and socat stop. Resolves to the number of connections that had
   * not finished (0 normally).
   */
  close(): Promise<number>;
}

/**
 * TCP connections of `host` that still have something to send or to be
 * acknowledged: every state but LISTEN, TIME-WAIT and CLOSED (FIN-WAIT-2
 * counts too: the peer's FIN still needs our ACK).
 */
export function unfinishedConnections(host: Host): number {
  let n = 0;
  for (const c of host.tcp.tables.connections()) {
    if (c.state !== TcpState.TIME_WAIT && c.state !== TcpState.CLOSE && c.state !== TcpState.LISTEN) n++;
  }
  return n;
}

/**
 * Starts a host on the TUN bridge. Must run inside the namespace that holds
 * (or will hold) the TUN device. Throws the bind error (`code` EADDRINUSE)
 * when another client holds `nodePort`.
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
  const v6 = o.ipv6 || o.addr6 !== undefined || o.peer6 !== undefined;
  const addr6 = v6 ? o.addr6 ?? TUN_DEFAULTS.addr6 : null;
  const peer6 = v6 ? o.peer6 ?? TUN_DEFAULTS.peer6 : null;
  if (addr6 !== null) checkInteropAddress(addr6, "sockstack IPv6 address");
  if (peer6 !== null) checkInteropAddress(peer6, "peer IPv6 address");
  const { prefixLen } = parseCidr(addr);
  const nodePort = o.nodePort ?? TUN_DEFAULTS.nodePort;
  const socatPort = o.socatPort ?? TUN_DEFAULTS.socatPort;
  const mtu = o.mtu ?? TUN_DEFAULTS.mtu;
  const tunName = o.tunName ?? TUN_DEFAULTS.tunName;
  const lingerMs = o.lingerMs ?? 3000;
  const { host, driver, seed } = createRealtimeHost({ name: o.name ?? "sockstack", seed: o.seed, secret: o.secret, sysctl: o.sysctl });
  let device: UdpTunDevice | null = null;
  let bridge: SocatBridge | null = null;
  try {
    // The UDP port first: binding it is what claims a bridge slot (see tun-session.ts).
    device = await UdpTunDevice.open({ driver, localPort: nodePort, peerPort: socatPort, name: "tun0", mtu });
    if (o.startSocat ?? true) {
      const ip = addr.split("/")[0]!;
      bridge = await startSocatBridge({
        tunName, nodePort, socatPort, mtu, ttlSeconds: o.ttlSeconds ?? 600,
        ...(o.pointToPoint ? { kernelCidr: `${peer}/32`, pointToPoint: ip } : { kernelCidr: `${peer}/${prefixLen}` }),
      });
      if (addr6 !== null && peer6 !== null) {
        if (o.pointToPoint) enableTunIpv6(null, tunName, `${peer6}/128`, addr6.split("/")[0]);
        else enableTunIpv6(null, tunName, `${peer6}/${addr6.split("/")[1] ?? "64"}`);
      }
    }
  } catch (e) {
    driver.stop();
    await device?.close();
    await bridge?.stop();
    throw e;
  }
  const dev = device;
  const iface = host.addInterface(dev, addr);
  if (addr6 !== null) {
    host.enableIpv6();
    host.addAddress(iface, addr6.includes("/") ? addr6 : `${addr6}/64`);
  }
  if (o.impair) dev.impair(o.impair, host.ctx.rng.fork("tun-impair"));
  let closing: Promise<number> | null = null;
  const close = async (): Promise<number> => {
    let left = 0;
    try {
      const deadline = performance.now() + lingerMs;
      while ((left = unfinishedConnections(host)) > 0 && performance.now() < deadline) await driver.sleep(ms(10));
      await dev.flush(Math.max(200, deadline - performance.now()));
    } finally {
      driver.stop();
      await dev.close();
      await bridge?.stop();
    }
    return left;
  };
  return {
    host, driver, device: dev, bridge, addr: addr.split("/")[0]!, peer, addr6: addr6?.split("/")[0] ?? null, peer6, seed,
    close: () => (closing ??= close()),
  };
}
