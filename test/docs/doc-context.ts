/**
 * The names a doc *fragment* may use without declaring them: a code block
 * without imports in the Markdown docs, or an `@example` in a doc comment,
 * reads like a piece of a program — `p` is the process, `host` a host,
 * `fd` a socket. The doc tests type-check every fragment with these in
 * scope (and every export of the package and of the example's own module
 * imported), so a fragment that misnames a call or an argument fails.
 * A fragment that uses any of these is type-checked only; one that needs
 * none of them also runs (test/docs/doc-blocks.ts).
 */
// Relative imports (not "sockstack"): this file is also part of the repository's own type check.
import type { Host, Link, Network, Process, Packet, Device, Rng, Clock, Micros, Sysctls, HostSnapshot } from "../../src/index.js";
import type { Capture } from "../../src/tools.js";
import type { RealtimeDriver, UdpTunDevice } from "../../src/interop.js";
import type { Scheduler } from "../../src/core/scheduler.js";
import type { Chain } from "../../src/cli/topology.js";
import type { CapturedIo, CliIo } from "../../src/cli/io.js";

declare global {
  /** The simulated network. */
  const net: Network;
  /** Hosts. */
  const host: Host, server: Host, client: Host;
  /** A point-to-point link. */
  const link: Link;
  /** The process a program runs as (`host.spawn(name, async (p) => …)`). */
  const p: Process;
  /** File descriptors: a socket, a listening socket, a connected socket, an epoll instance. */
  const fd: number, lfd: number, cfd: number, ep: number;
  /** A device and a packet. */
  const device: Device, packet: Packet;
  /** Raw IPv4 datagram bytes. */
  const bytes: Uint8Array, datagramBytes: Uint8Array;
  /** Virtual time now, a clock, an RNG, a host's sysctls. */
  const now: Micros, clock: Clock, rng: Rng, sysctls: Sysctls;
  /** Two snapshots of a host, before and after something happened. */
  const before: HostSnapshot, after: HostSnapshot;
  /** Chunks of a capture file being written. */
  const chunks: Uint8Array[];
  /** The real-time driver and the TUN bridge device (sockstack/interop). */
  const driver: RealtimeDriver, tunDevice: UdpTunDevice;
  /** The event scheduler of a network or host (src/core/scheduler.ts). */
  const scheduler: Scheduler;
  /** A packet capture (sockstack/tools). */
  const cap: Capture;
  /** Writing a file, in Node (node:fs). */
  const writeFileSync: typeof import("node:fs").writeFileSync;
  /** A program's main function (`host.spawn("name", main)`). */
  const main: (p: Process) => Promise<number>;
  /** The CLI's output sinks (src/cli/io.ts) and the ping chain topology. */
  const captureIo: () => CapturedIo, processIo: () => CliIo;
  const chain: Chain;
}
