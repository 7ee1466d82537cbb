/**
 * The packet fuzzer: two hosts on a simulated link run real programs — a
 * guarded bulk transfer whose bytes are checked at the end, echo
 * "victim" connections that come and go, a UDP server, a listener nobody
 * accepts from — while an attacker hands their devices random and
 * mutated IPv4/ICMP/UDP/TCP datagrams, fragments, SYN and fragment
 * floods, blind segments and segments aimed inside the window of live
 * connections (it reads their sequence numbers from the TCBs).
 *
 * Invariants checked (see harness.ts): nothing escapes the stack, no spin
 * at one virtual instant, memory within its limits, the guarded transfer
 * byte-exact, taps can parse every packet, and — the drop audit — every
 * injected packet moves a counter, produces a reply or is taken by a
 * connection (its sequence state changes).
 *
 * A case is one fresh network; `seed` and the case index give the same
 * packets on every run. `record` keeps the injected bytes so a failing
 * case can be stored in the corpus and replayed without the generator.
 */
import { Rng } from "../core/rng.js";
import { ms, sec, type Micros } from "../core/time.js";
import type { Host } from "../host/host.js";
import { TimeWaitSock } from "../tcp/timewait.js";
import type { Tcb } from "../tcp/tcb.js";
import { TcpState } from "../tcp/tcp-state.js";
import { tcpdumpFlags } from "../tools/tcpdump.js";
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from "../wire/ipv4.js";
import { Packet } from "../wire/packet.js";
import { readU32 as r32 } from "../wire/byte-order.js";
import { parseTcpQuoteInto, TCP } from "../wire/tcp.js";
import {
  CounterAudit, DEFAULT_LIMITS, codecCheck, errText, hex, installSpinBound, memoryCheck, unhex,
  type FuzzFailure, type FuzzLimits,
} from "./harness.js";
import { fixDatagramChecksums } from "./packet-gen.js";
import { Generator } from "./packet-attacker.js";
import { GUARD_PORT, URG, buildScenario, fingerprint } from "./packet-scenario.js";

/** One step of a recorded case: packets handed to a side, then virtual time advanced. */
export interface RecordedStep {
  /** `b` = the server's device, `a` = the client's. */
  side: "a" | "b";
  /** The datagrams, hex. */
  packets: string[];
  /** Virtual time advanced after them (µs). */
  advance: Micros;
}

/** Options of {@link runPacketCase}. */
export interface PacketCaseOptions {
  seed: string;
  case: number;
  /** Packets to inject in this case (bursts and floods count each packet). */
  packets: number;
  limits?: FuzzLimits;
  /** Called before each step (the CLI's watchdog reads it). */
  progress?: (step: number) => void;
  /** Keep the injected bytes (for the corpus). */
  record?: boolean;
  /** Inject these steps instead of generating (corpus replay). */
  replay?: readonly RecordedStep[];
  /** Bytes the guarded connection carries (default 256 KiB). */
  guardBytes?: number;
  /** Clear URG and the urgent pointer of every injected TCP segment (the CLI's hang diagnosis). */
  stripUrg?: boolean;
}

/** An injected packet that moved no counter, produced no reply and changed no connection. */
export interface UncountedDrop {
  /** What kind of packet, its flags, and the state of the connection it hit. */
  signature: string;
  count: number;
  /** The first such packet, hex. */
  example: string;
}

/** What {@link runPacketCase} returns. */
export interface PacketCaseResult {
  /** Packets injected. */
  packets: number;
  /** Packets the taps parsed (injected and the hosts' own traffic). */
  parsed: number;
  failures: FuzzFailure[];
  /** The drop audit's findings by signature. */
  uncounted: UncountedDrop[];
  /** The steps, when recorded. */
  steps?: RecordedStep[];
  /** Virtual time the case ran. */
  virtualTime: Micros;
  /** Bytes the guarded connection delivered. */
  guardDelivered: number;
}

/** The quoted TCP header of an ICMP error being described. */
const quote = { srcPort: 0, dstPort: 0, seq: 0 };

/** A short description of a packet for the drop audit's signature. */
function describe(b: Uint8Array, host: Host): { sig: string; tcb: Tcb | TimeWaitSock | undefined } {
  if (b.length < 20 || b[0]! >> 4 !== 4) return { sig: "not-ipv4", tcb: undefined };
  const hl = (b[0]! & 15) * 4;
  const proto = b[9]!;
  const frag = ((b[6]! << 8) | b[7]!) & 0x3fff;
  const dst = r32(b, 16);
  const src = r32(b, 12);
  const where = host.ip.isLocalAddress(dst) ? "local" : "other";
  if (frag) return { sig: `ipv4 fragment proto ${proto} to ${where}`, tcb: undefined };
  if (proto === IPPROTO_TCP && b.length >= hl + TCP.MIN_HEADER) {
    // The fixed fields whatever the data offset and options say: the audit describes malformed segments too.
    const sport = (b[hl + TCP.SRC_PORT]! << 8) | b[hl + TCP.SRC_PORT + 1]!;
    const dport = (b[hl + TCP.DST_PORT]! << 8) | b[hl + TCP.DST_PORT + 1]!;
    const flags = b[hl + TCP.FLAGS]!;
    const t = host.tcp.tables.lookup(dst, dport, src, sport);
    const state = !t ? (host.tcp.tables.findListener(dst, dport, 0) ? "LISTEN" : "no socket") : t instanceof TimeWaitSock ? "TIME-WAIT" : TcpState[t.state];
    return { sig: `tcp [${tcpdumpFlags(flags)}] to ${where} ${state}`, tcb: t };
  }
  if (proto === IPPROTO_UDP) return { sig: `udp to ${where}`, tcb: undefined };
  if (proto === IPPROTO_ICMP && b.length > hl) {
    // An error quoting one of our TCP segments is taken by that connection (path MTU, soft error).
    const q = hl + 8;
    let tcb: Tcb | TimeWaitSock | undefined;
    if ([3, 4, 5, 11, 12].includes(b[hl]!) && b.length >= q + 20 && b[q + 9] === IPPROTO_TCP) {
      const qhl = (b[q]! & 15) * 4;
      if (parseTcpQuoteInto(b, q + qhl, quote)) tcb = host.tcp.tables.lookup(r32(b, q + 12), quote.srcPort, r32(b, q + 16), quote.dstPort);
    }
    return { sig: `icmp type ${b[hl]} code ${b[hl + 1]} to ${where}`, tcb };
  }
  return { sig: `ipv4 proto ${proto} to ${where}`, tcb: undefined };
}


/**
 * Runs one packet-fuzzing case (or replays a recorded one) and checks the
 * invariants. Never throws for a stack failure: it is returned in
 * `failures`.
 * @example
 * const r = await runPacketCase({ seed: "1", case: 0, packets: 5000 });
 * r.failures.length === 0
 */
export async function runPacketCase(opts: PacketCaseOptions): Promise<PacketCaseResult> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const sc = buildScenario(opts.seed, opts.case, opts.guardBytes ?? 256 * 1024);
  const { net } = sc;
  installSpinBound(net, limits.maxEventsPerInstant);
  const rng = new Rng(`packet-gen:${opts.seed}:${opts.case}`);
  const gen = new Generator(rng, sc);
  const audits = { a: new CounterAudit(sc.client), b: new CounterAudit(sc.server) };
  const failures: FuzzFailure[] = [];
  const uncounted = new Map<string, UncountedDrop>();
  const steps: RecordedStep[] | undefined = opts.record ? [] : undefined;
  let parsed = 0;
  let injected = 0;
  let step = 0;
  const fail = (kind: FuzzFailure["kind"], message: string): void => {
    failures.push({ fuzzer: "packet", kind, seed: opts.seed, case: opts.case, step, message });
  };
  const seenKinds = new Set<string>();
  const failOnce = (kind: FuzzFailure["kind"], message: string): void => {
    if (seenKinds.has(kind)) return;
    seenKinds.add(kind);
    fail(kind, message);
  };
  // Taps parse every packet either host sends or receives (tcpdump text on a sample).
  let tapCount = 0;
  for (const dev of [sc.aDev, sc.bDev]) {
    dev.taps.push((p, dir) => {
      parsed++;
      const err = codecCheck(p, !p.csumPartial, (tapCount++ & 63) === 0);
      if (err) failOnce("codec", err);
      if (dir === "out" && (tapCount & 7) === 0 && p.length < 2000 && gen.captured.length < 64 + 1) {
        const b = p.bytes();
        const hl = (b[0]! & 15) * 4;
        const sport = (b[hl + TCP.SRC_PORT]! << 8) | b[hl + TCP.SRC_PORT + 1]!, dport = (b[hl + TCP.DST_PORT]! << 8) | b[hl + TCP.DST_PORT + 1]!;
        if (sport !== GUARD_PORT && dport !== GUARD_PORT) gen.capture(b.slice());
      }
    });
  }

  const runFor = async (d: Micros): Promise<boolean> => {
    try {
      await net.advance(d);
      return true;
    } catch (e) {
      fail(e instanceof Error && e.name === "SpinError" ? "spin" : "exception", `net.advance: ${errText(e)}${e instanceof Error && e.stack ? `\n${e.stack.split("\n").slice(1, 6).join("\n")}` : ""}`);
      return false;
    }
  };

  // Let the connections establish before the attack.
  let ok = await runFor(ms(50));
  const replay = opts.replay;
  const total = replay ? replay.reduce((n, s) => n + s.packets.length, 0) : opts.packets;
  while (ok && injected < total) {
    opts.progress?.(step);
    let side: "a" | "b";
    let burst: Uint8Array[];
    let advance: Micros;
    if (replay) {
      const s = replay[step];
      if (!s) break;
      side = s.side;
      burst = s.packets.map(unhex);
      advance = s.advance;
    } else {
      side = rng.chance(0.85) ? "b" : "a";
      burst = gen.burst(side, total - injected);
      advance = rng.chance(0.3) ? 0 : rng.below(ms(5));
    }
    steps?.push({ side, packets: burst.map(hex), advance });
    const dev = side === "b" ? sc.bDev : sc.aDev;
    const host = side === "b" ? sc.server : sc.client;
    const audit = audits[side];
    for (let b of burst) {
      if (opts.stripUrg) b = stripUrgent(b);
      const err = codecCheck(b, true, (injected & 255) === 0);
      if (err) failOnce("codec", err);
      const { sig, tcb } = describe(b, host);
      const fp = fingerprint(tcb);
      const before = audit.moved;
      try {
        dev.receive(new Packet(b));
      } catch (e) {
        fail("exception", `${host.name} threw receiving ${hex(b)}: ${errText(e)}${e instanceof Error && e.stack ? `\n${e.stack.split("\n").slice(1, 6).join("\n")}` : ""}`);
        ok = false;
        break;
      }
      injected++;
      if (audit.moved === before && fingerprint(tcb) === fp) {
        const u = uncounted.get(sig);
        if (u) u.count++;
        else uncounted.set(sig, { signature: sig, count: 1, example: hex(b) });
      }
    }
    if (!ok) break;
    if (advance > 0 || (step & 7) === 7) ok = await runFor(advance);
    for (const h of [sc.client, sc.server]) {
      const m = memoryCheck(h, limits);
      if (m) failOnce("memory", m);
    }
    step++;
  }
  opts.progress?.(step);
  // Let the guarded transfer finish: the victims stop, the attack is over.
  sc.stop.v = true;
  if (ok) {
    try {
      await net.runUntil(() => sc.guard.done, { timeout: sec(600) });
    } catch (e) {
      fail(e instanceof Error && e.name === "SpinError" ? "spin" : "exception", `net.runUntil: ${errText(e)}`);
      ok = false;
    }
  }
  const g = sc.guard;
  const want = opts.guardBytes ?? 256 * 1024;
  if (ok) {
    if (g.error) fail("corruption", `guarded connection failed: ${g.error} after ${g.received} of ${want} bytes`);
    else if (g.mismatch >= 0) fail("corruption", `guarded connection delivered a wrong byte at offset ${g.mismatch}`);
    else if (!g.done || g.received !== want) fail("corruption", `guarded connection delivered ${g.received} of ${want} bytes (done: ${g.done})`);
  }
  for (const h of [sc.client, sc.server]) h.shutdown();
  return {
    packets: injected,
    parsed,
    failures,
    uncounted: [...uncounted.values()],
    steps,
    virtualTime: net.now(),
    guardDelivered: g.received,
  };
}

/** A copy of a TCP datagram without URG and urgent pointer (others unchanged). */
function stripUrgent(b: Uint8Array): Uint8Array {
  if (b.length < 20 || b[9] !== IPPROTO_TCP) return b;
  const hl = (b[0]! & 15) * 4;
  if (((b[6]! << 8) | b[7]!) & 0x3fff || b.length < hl + TCP.MIN_HEADER || !(b[hl + TCP.FLAGS]! & URG)) return b;
  const c = b.slice();
  c[hl + TCP.FLAGS] = c[hl + TCP.FLAGS]! & ~URG;
  c[hl + TCP.URGENT] = 0;
  c[hl + TCP.URGENT + 1] = 0;
  fixDatagramChecksums(c);
  return c;
}

/** Re-checksums a datagram (exported for corpus tools that edit packets by hand). */
export { fixDatagramChecksums };
