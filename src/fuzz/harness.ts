/**
 * What both fuzzers share: the failure record, the invariant bounds, the
 * drop audit (every packet a host receives moves a counter or produces a
 * reply), the memory check, the spin bound on the virtual clock, and the
 * codec check the taps run on every packet.
 *
 * Pure TypeScript: the real-time watchdog that catches a synchronous or
 * microtask spin (which no code on the same thread can interrupt) lives in
 * the CLI (`src/cli/fuzz.ts`), which runs cases in a worker thread and
 * reads their progress from shared memory.
 */
import { SysError } from "../core/sys-error.js";
import { GaiError } from "../sys/netdb.js";
import type { Counters, CounterGroup } from "../core/counters.js";
import type { Host } from "../host/host.js";
import type { Network } from "../sim/network.js";
import { TimeWaitSock } from "../tcp/timewait.js";
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, parseIpv4 } from "../wire/ipv4.js";
import { parseIcmp } from "../wire/icmp.js";
import { parseTcp, tcpOptionList } from "../wire/tcp.js";
import { parseUdp } from "../wire/udp.js";
import { parseTcpOptionList } from "../wire/tcp-options.js";
import { WireError } from "../wire/wire-error.js";
import type { Packet } from "../wire/packet.js";
import { tcpdumpLine } from "../tools/tcpdump.js";
import { formatInetAddress, type InetAddress } from "../net/inet-address.js";

/** Which fuzzer found a failure. */
export type FuzzerName = "packet" | "syscall";

/**
 * The invariant a failure broke:
 * - `exception`: an error escaped the stack (out of `net.run()`, out of a
 *   device's receive path, or a timer) — not a SysError of the caller's own call;
 * - `type-escape`: a syscall threw something other than a SysError (a
 *   TypeError for an argument of the wrong type: issue 11 item 8);
 * - `hang`: the case made no progress for the watchdog's real-time bound
 *   (set by the CLI's watchdog; a synchronous or microtask spin);
 * - `spin`: more events or wake-ups at one virtual instant than the bound;
 * - `memory`: a queue holds more than its limit allows;
 * - `corruption`: the guarded connection's bytes arrived altered or incomplete;
 * - `uncounted`: a received packet moved no counter and produced no reply;
 * - `codec`: a wire codec or tcpdump threw on a packet.
 */
export type FailureKind = "exception" | "type-escape" | "hang" | "spin" | "memory" | "corruption" | "uncounted" | "codec";

/** One broken invariant, with what it takes to replay it. */
export interface FuzzFailure {
  fuzzer: FuzzerName;
  kind: FailureKind;
  seed: string;
  /** Case index within the seed. */
  case: number;
  /** Step within the case (packet bursts or syscall ops), when known. */
  step?: number;
  message: string;
}

/** Bounds of the invariants (defaults in {@link DEFAULT_LIMITS}). */
export interface FuzzLimits {
  /** Timer events plus wake-ups at one virtual instant before it counts as a spin. */
  maxEventsPerInstant: number;
  /** Reassembly memory allowed above `ipfrag_high_thresh`. */
  reassemblySlack: number;
  /**
   * The least memory one fragment or queued segment can honestly cost
   * (Linux: an sk_buff's truesize is never below ~768 bytes; 256 is a
   * generous floor): a queue of n entries charged less than n × this is
   * under-counted, however few payload bytes it holds.
   */
  minEntryCost: number;
  /** A connection's queues may hold up to this multiple of its receive buffer (issue 11: 2×). */
  rcvbufFactor: number;
}

/** The invariant bounds used unless a caller overrides them. */
export const DEFAULT_LIMITS: FuzzLimits = {
  maxEventsPerInstant: 200_000,
  reassemblySlack: 256 * 1024,
  minEntryCost: 256,
  rcvbufFactor: 2,
};

/** Thrown by the spin bound; carries the instant and the counts. */
export class SpinError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpinError";
  }
}

/**
 * Installs the spin bound on a network: counts timer events and wake-ups
 * at the current virtual instant and throws a {@link SpinError} (out of
 * `net.run()`) once they pass `limit`. Catches spins that go through the
 * scheduler or the driver; a synchronous loop or a microtask chain that
 * never yields is caught by the CLI's real-time watchdog instead.
 */
export function installSpinBound(net: Network, limit: number): void {
  const s = net.scheduler;
  const d = net.driver;
  let at = -1;
  let count = 0;
  const bump = (n: number): void => {
    const now = s.now();
    if (now !== at) {
      at = now;
      count = 0;
    }
    count += n;
    if (count > limit) {
      count = 0;
      throw new SpinError(`spin: more than ${limit} timer events and wake-ups at t=${(now / 1e6).toFixed(6)}s without the clock moving`);
    }
  };
  const runDue = s.runDue.bind(s);
  s.runDue = () => {
    const n = runDue();
    if (n) bump(n);
    return n;
  };
  const notify = d.notifyWake.bind(d);
  d.notifyWake = () => {
    notify();
    bump(1);
  };
}

/** Counters every received packet moves whatever its fate: they prove nothing about accounting. */
function isTally(c: Counters, g: CounterGroup, name: string): boolean {
  if (g === c.Ip) return name === "InReceives" || name === "InDelivers";
  if (g === c.Tcp) return name === "InSegs";
  if (g === c.Icmp) return name.startsWith("In") && name !== "InErrors" && name !== "InCsumErrors";
  if (g === c.IcmpMsg) return name.startsWith("In");
  if (g === c.IpExt) return name.startsWith("In") && name !== "InNoRoutes" && name !== "InTruncatedPkts" && name !== "InCsumErrors";
  if (g === c.Ip6) return /^In(NoECT|ECT0|ECT1|CE)Pkts$/.test(name);
  return false;
}

/**
 * Counts, per host, the counter increments that say what happened to a
 * packet (everything but the per-packet tallies such as `InReceives` and
 * `InSegs`); a reply moves `OutRequests`. The drop audit reads the count
 * before and after handing a host one packet. It sums the counters rather
 * than watching `Counters.inc`, because the hottest ones are written as
 * named stores at their sites (core/counters.ts).
 */
export class CounterAudit {
  readonly #groups: readonly [CounterGroup, (name: string) => boolean][];
  constructor(readonly host: Host) {
    const c = host.counters;
    const groups = Object.values(c).filter((g): g is CounterGroup => typeof g === "object" && g !== null);
    this.#groups = groups.map((g) => [g, (name: string) => isTally(c, g, name)]);
  }

  /** The sum of every counter that is not a mere tally (it only grows). */
  get moved(): number {
    let n = 0;
    for (const [g, tally] of this.#groups) {
      for (const name in g) if (!tally(name)) n += g[name]!;
    }
    return n;
  }
}

/**
 * Parses a packet with every codec a tap would use — IPv4, TCP with its
 * option list, UDP, ICMP — and formats it as tcpdump does. Returns an
 * error message when any of them threw (they must return reasoned errors).
 */
export function codecCheck(p: Packet | Uint8Array, verifyChecksums: boolean, withTcpdump: boolean): string | null {
  try {
    // The headers lie in `head` (a Packet keeps IP and transport headers there); the length counts both parts.
    const head = p instanceof Uint8Array ? p : p.head;
    const length = p.length;
    const body = p instanceof Uint8Array ? head.subarray(0, 0) : p.payload;
    const ip = parseIpv4(head, length, false);
    if (!(ip instanceof WireError)) {
      const l4 = ip.headerLength;
      const avail = Math.min(ip.totalLength, length) - l4;
      if (ip.fragOffset === 0 && avail >= 0 && head.length >= l4) {
        if (ip.protocol === IPPROTO_TCP) {
          const t = parseTcp(head, l4, avail);
          if (!(t instanceof WireError)) {
            tcpOptionList(t);
            parseTcpOptionList(head.subarray(l4 + 20, l4 + t.headerLength));
          }
        } else if (ip.protocol === IPPROTO_UDP) {
          parseUdp(head, l4, avail);
        } else if (ip.protocol === IPPROTO_ICMP) {
          parseIcmp(head, l4, Math.min(head.length, l4 + avail) - l4, body, verifyChecksums);
        }
      }
    }
    if (withTcpdump) tcpdumpLine(p, 0, { verbose: 1, hex: true });
    return null;
  } catch (e) {
    return `codec threw on ${hex(p instanceof Uint8Array ? p : p.head)}: ${errText(e)}`;
  }
}

/**
 * The memory invariants of one host, checked against its sysctls:
 * reassembly within `ipfrag_high_thresh` (plus slack) however its
 * fragments are counted, and every TCP connection's queues within
 * `rcvbufFactor` × its receive buffer, counting each queued segment at
 * least `minEntryCost`. Returns a description of the first violation.
 */
export function memoryCheck(host: Host, limits: FuzzLimits): string | null {
  const high = host.sysctl.ipfrag_high_thresh;
  const r = host.ip.reassembler;
  const charged = Math.max(r.memory, r.size * limits.minEntryCost);
  if (charged > high + limits.reassemblySlack) {
    return `${host.name}: reassembly holds ${r.size} queues charged ${r.memory} bytes (at least ${charged} at ${limits.minEntryCost} bytes a queue) > ipfrag_high_thresh ${high} + ${limits.reassemblySlack}`;
  }
  for (const t of host.tcp.tables.connections()) {
    if (t instanceof TimeWaitSock) continue;
    const ooo = t.ooo;
    const oooCost = ooo ? Math.max(ooo.bytes, ooo.count * limits.minEntryCost) : 0;
    const rcvbuf = t.rcvBuf.rcvbuf;
    const held = t.rcvBuf.length + oooCost;
    if (held > limits.rcvbufFactor * rcvbuf + 65536) {
      return `${host.name}: connection ${addr(t.localAddr)}:${t.localPort}→${addr(t.remoteAddr)}:${t.remotePort} holds ${t.rcvBuf.length} bytes in order and ${ooo?.count ?? 0} out-of-order segments (${ooo?.bytes ?? 0} bytes, at least ${oooCost} charged) > ${limits.rcvbufFactor} × rcvbuf ${rcvbuf}`;
    }
  }
  for (const u of host.udp.socks()) {
    const q = u.queued;
    if (q * limits.minEntryCost > limits.rcvbufFactor * u.rcvbuf + 65536) {
      return `${host.name}: a UDP socket holds ${q} datagrams > ${limits.rcvbufFactor} × rcvbuf ${u.rcvbuf}`;
    }
  }
  return null;
}

/**
 * True for the errors a syscall may legitimately throw: a SysError (errno),
 * or a GaiError when an address names a host that does not resolve (what
 * Python's socket.gaierror is for the same call).
 */
export function isErrno(e: unknown): boolean {
  return e instanceof SysError || e instanceof GaiError;
}

/** A one-line description of a thrown value. */
export function errText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/** Lowercase hex of bytes. */
export function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, "0");
  return s;
}

/** Bytes of a hex string (odd or bad digits give a TypeError: corpus files are ours). */
export function unhex(s: string): Uint8Array {
  if (s.length % 2 || /[^0-9a-f]/i.test(s)) throw new TypeError(`bad hex string ${s.slice(0, 20)}…`);
  const b = new Uint8Array(s.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return b;
}

function addr(a: InetAddress): string {
  return formatInetAddress(a);
}
