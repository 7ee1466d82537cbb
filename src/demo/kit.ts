/**
 * What most scenarios start from: two hosts on one link — client
 * 10.0.0.1/24 (eth0) and server 10.0.0.2/24 (eth0) — watched (state
 * changes, drops), the server's eth0 captured (what `--pcap` writes and
 * `tcpdump -i eth0` shows), both ends of the link captured for ladders, and
 * the network's clock and syscall trace wired to the narration.
 */
import { SysError } from "../core/sys-error.js";
import { ms, type Micros } from "../core/time.js";
import type { Host } from "../host/host.js";
import type { Link } from "../sim/link.js";
import { Network } from "../sim/network.js";
import type { SyscallRecord } from "../sys/syscall-boundary.js";
import type { Capture } from "./capture.js";
import type { DemoContext, SyscallFilter } from "./context.js";

/** The network {@link twoHosts} builds. */
export interface TwoHosts {
  net: Network;
  client: Host;
  server: Host;
  link: Link;
  /** The server's eth0. */
  cap: Capture;
}

/** Options of {@link twoHosts}. */
export interface TwoHostsOptions {
  /** One-way latency of the link (default 1 ms). */
  latency?: Micros;
  /** Which system calls the narration shows (default: {@link calls} of the socket set-up and teardown). */
  show?: SyscallFilter;
}

/** Calls shown by default: those that create, connect, configure and end connections. */
export const SETUP_CALLS = ["socket", "bind", "listen", "accept", "connect", "shutdown", "close", "setsockopt"];

/**
 * A syscall filter showing the calls named (Process method names: `recv`,
 * `send`, `accept`), from every process or from the processes named.
 * @example const show = calls(["connect", "close"], ["client"]);
 */
export function calls(names: readonly string[], processes?: readonly string[]): SyscallFilter {
  return (r: SyscallRecord) => names.includes(r.call) && (!processes || processes.includes(r.process));
}

/**
 * Builds the two-host network of most scenarios for `d.seed`.
 * @example
 * declare const d: Parameters<typeof twoHosts>[0]; // a scenario's DemoContext
 * const { net, client, server } = twoHosts(d);
 */
export function twoHosts(d: DemoContext, opts: TwoHostsOptions = {}): TwoHosts {
  const net = new Network({ seed: d.seed });
  const client = net.addHost("client");
  const server = net.addHost("server");
  const { link } = net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: opts.latency ?? ms(1) });
  d.useNetwork(net, opts.show ?? calls(SETUP_CALLS));
  d.watch(client, "client");
  d.watch(server, "server");
  const cap = d.capture(link.b, "server");
  d.wire(link, "client", "server");
  return { net, client, server, link, cap };
}

/**
 * Runs `f` and returns the errno of the {@link SysError} it throws (or
 * null when it succeeds): programs in the scenarios meet errors on purpose.
 * @example const e = await errnoOf(() => p.connect(fd, ["10.0.0.2", 1])); // "ECONNREFUSED"
 */
export async function errnoOf(f: () => unknown): Promise<string | null> {
  try {
    await f();
    return null;
  } catch (e) {
    if (e instanceof SysError) return e.code;
    throw e;
  }
}

/** The two-line topology drawing every two-host scenario prints. */
export function topology(latency: string): { en: string; zh: string } {
  return {
    en: `Two simulated hosts joined by one link (${latency} one way):\n  client 10.0.0.1/24 (eth0) ---- server 10.0.0.2/24 (eth0)`,
    zh: `两台模拟主机，由一条链路相连（单向时延 ${latency}）：\n  client 10.0.0.1/24 (eth0) ---- server 10.0.0.2/24 (eth0)`,
  };
}
