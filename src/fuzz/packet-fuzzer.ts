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
import { isSysError } from "../core/sys-error.js";
import { ms, sec, type Micros } from "../core/time.js";
import type { Host } from "../host/host.js";
import { Network } from "../sim/network.js";
import type { LinkEndpoint } from "../sim/link.js";
import type { Process } from "../sys/process.js";
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
import { fixDatagramChecksums, icmpMessage, ipDatagram, mutate, randomBytes, tcpOptions, tcpSegment, udpDatagram } from "./packet-gen.js";
import { asInet4 } from "../net/inet-address.js";

const CLIENT = 0x0a000001; // 10.0.0.1
const SERVER = 0x0a000002; // 10.0.0.2
const GUARD_PORT = 5001;
const ECHO_PORT = 7;
const UDP_PORT = 53;
const BACKLOG_PORT = 8080;
const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20;

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

/** Guarded transfer pattern: byte i. */
function patternByte(i: number): number {
  return (i * 31 + 7 + (i >>> 8)) & 255;
}

function pattern(off: number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = patternByte(off + i);
  return b;
}

/** Rethrows what is not an errno: a program's own SysErrors are expected under attack, anything else is a crash. */
function errnoOnly(e: unknown): void {
  if (!isSysError(e)) throw e;
}

interface Scenario {
  net: Network;
  client: Host;
  server: Host;
  aDev: LinkEndpoint;
  bDev: LinkEndpoint;
  stop: { v: boolean };
  guard: { sent: number; received: number; mismatch: number; done: boolean; error: string | null; clientPort: number };
}

function buildScenario(seed: string, index: number, guardBytes: number): Scenario {
  const net = new Network({ seed: `packet-fuzz:${seed}:${index}`, driver: { warn: () => {} } });
  const client = net.addHost("client");
  const server = net.addHost("server");
  const { link } = net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(1) });
  const stop = { v: false };
  const guard = { sent: 0, received: 0, mismatch: -1, done: false, error: null as string | null, clientPort: 0 };

  // The guarded transfer: client → server:5001, checked byte by byte.
  server.spawn("guard-sink", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.setsockopt(l, "SOL_SOCKET", "SO_REUSEADDR", 1);
    p.bind(l, ["0.0.0.0", GUARD_PORT]);
    p.listen(l, 1);
    const { fd } = await p.accept(l);
    try {
      for (;;) {
        const d = await p.recv(fd, 65536);
        if (d.length === 0) break;
        for (let i = 0; i < d.length; i++) {
          if (d[i] !== patternByte(guard.received + i) && guard.mismatch < 0) guard.mismatch = guard.received + i;
        }
        guard.received += d.length;
      }
    } catch (e) {
      errnoOnly(e);
      guard.error = `server recv: ${errText(e)}`;
    }
    guard.done = true;
    await p.close(fd);
  });
  client.spawn("guard-source", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    try {
      await p.connect(fd, ["10.0.0.2", GUARD_PORT]);
      const name = p.getsockname(fd);
      guard.clientPort = "port" in name ? name.port : 0;
      while (guard.sent < guardBytes) {
        const n = Math.min(16384, guardBytes - guard.sent);
        await p.sendall(fd, pattern(guard.sent, n));
        guard.sent += n;
        await net.sleep(ms(2));
      }
    } catch (e) {
      errnoOnly(e);
      guard.error = `client: ${errText(e)}`;
      guard.done = true;
    }
    await p.close(fd);
  });

  // Echo victims: the attacker aims inside their windows.
  server.spawn("echo", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", ECHO_PORT]);
    p.listen(l, 16);
    for (;;) {
      let fd: number;
      try {
        ({ fd } = await p.accept(l));
      } catch (e) {
        errnoOnly(e);
        continue;
      }
      p.thread(async (t) => echoLoop(t, fd));
    }
  });
  for (let v = 0; v < 3; v++) client.spawn(`victim${v}`, async (p) => victimLoop(p, net, stop, v));

  server.spawn("udp", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(fd, ["0.0.0.0", UDP_PORT]);
    for (;;) {
      try {
        const { data, addr } = await p.recvfrom(fd, 2048);
        if (addr && data.length && data[0]! & 1) await p.sendto(fd, data.subarray(0, 16), 0, addr);
      } catch (e) {
        errnoOnly(e);
      }
    }
  });
  server.spawn("backlog", (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", BACKLOG_PORT]);
    p.listen(l, 4);
    return new Promise(() => {}); // keeps the listener open; never accepts
  });
  return { net, client, server, aDev: link.a, bDev: link.b, stop, guard };
}

async function echoLoop(p: Process, fd: number): Promise<void> {
  try {
    for (;;) {
      const d = await p.recv(fd, 4096);
      if (d.length === 0) break;
      await p.send(fd, d);
    }
  } catch (e) {
    errnoOnly(e);
  }
  await p.close(fd);
}

async function victimLoop(p: Process, net: Network, stop: { v: boolean }, v: number): Promise<void> {
  let round = 0;
  while (!stop.v) {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    try {
      await p.connect(fd, ["10.0.0.2", ECHO_PORT]);
      for (let i = 0; i < 50 && !stop.v; i++) {
        await p.send(fd, pattern(round * 1000 + v, 1 + ((round + i) % 200)));
        await p.recv(fd, 4096, "MSG_DONTWAIT").catch(errnoOnly);
        await net.sleep(ms(3 + ((i * 7 + v) % 20)));
      }
    } catch (e) {
      errnoOnly(e);
      await net.sleep(ms(50));
    }
    await p.close(fd);
    round++;
  }
}

/** Live TCP connections of `host` other than the guarded one. */
function liveTcbs(host: Host, guarded: boolean): Tcb[] {
  const out: Tcb[] = [];
  for (const t of host.tcp.tables.connections()) {
    if (t instanceof TimeWaitSock) continue;
    const isGuard = t.localPort === GUARD_PORT || t.remotePort === GUARD_PORT;
    if (isGuard === guarded) out.push(t);
  }
  return out;
}

function fingerprint(t: Tcb | TimeWaitSock | undefined): string {
  if (!t) return "";
  if (t instanceof TimeWaitSock) return `tw|${t.expires}|${t.tsRecent}`;
  return `${t.softError}|${t.pmtu}|${t.state}|${t.rcvNxt}|${t.sndUna}|${t.sndNxt}|${t.sndWnd}|${t.sndWl1}|${t.sndWl2}|${t.ooo?.bytes ?? 0}|${t.ooo?.count ?? 0}|${t.urgSeq}|${t.tsRecent}|${t.rcvBuf.length}`;
}

/** The packet generator: one burst per call, aimed at one side. */
class Generator {
  readonly captured: Uint8Array[] = [];
  #ipId = 1;
  constructor(readonly rng: Rng, readonly sc: Scenario) {}

  /** Remembers a packet of victim traffic to mutate later. */
  capture(bytes: Uint8Array): void {
    if (this.captured.length >= 64) this.captured[this.rng.below(64)] = bytes;
    else this.captured.push(bytes);
  }

  #src(): number {
    const r = this.rng;
    switch (r.below(8)) {
      case 0: return r.u32(); // anywhere, unroutable from these hosts
      case 1: return 0x0a000000 | r.range(3, 254); // on-link, nobody there
      case 2: return 0x7f000001; // martian loopback
      case 3: return 0xffffffff;
      case 4: return 0xe0000001; // multicast
      case 5: return 0; // 0.0.0.0
      default: return 0xc0a80000 | r.below(65536); // 192.168/16: no route
    }
  }

  #dst(side: "a" | "b"): number {
    const r = this.rng;
    const self = side === "b" ? SERVER : CLIENT;
    switch (r.below(10)) {
      case 0: return r.u32();
      case 1: return 0x0a0000ff; // subnet broadcast
      case 2: return 0xffffffff;
      case 3: return 0x7f000001;
      default: return self;
    }
  }

  #ports(): number {
    const r = this.rng;
    const ports = [ECHO_PORT, GUARD_PORT, UDP_PORT, BACKLOG_PORT, 0, 65535, 9, 80];
    return r.chance(0.5) ? ports[r.below(ports.length)]! : r.below(65536);
  }

  #flags(): number {
    const r = this.rng;
    const common = [SYN, ACK, RST, RST | ACK, FIN | ACK, SYN | ACK, PSH | ACK, URG | ACK, SYN | FIN, 0, FIN, URG | PSH | ACK];
    return r.chance(0.8) ? common[r.below(common.length)]! : r.below(256);
  }

  #data(max: number): Uint8Array {
    const r = this.rng;
    return r.chance(0.4) ? new Uint8Array(0) : randomBytes(r, r.range(1, max));
  }

  /** A datagram carrying `l4`, sometimes with options, a lying length or a bad checksum. */
  #ip(src: number, dst: number, proto: number, l4: Uint8Array): Uint8Array {
    const r = this.rng;
    const odd = r.chance(0.1);
    return ipDatagram({
      src, dst, protocol: proto, id: this.#ipId++ & 0xffff,
      ttl: odd ? r.below(3) : 64,
      tos: odd ? r.below(256) : 0,
      df: r.chance(0.5),
      options: odd && r.chance(0.5) ? randomBytes(r, r.range(1, 40)) : undefined,
      totalLength: odd && r.chance(0.3) ? r.below(65536) : undefined,
      badChecksum: r.chance(0.03),
    }, l4);
  }

  /** One burst for `side`: usually a handful of packets, sometimes a flood. */
  burst(side: "a" | "b", budget: number): Uint8Array[] {
    const r = this.rng;
    const out: Uint8Array[] = [];
    const kind = r.below(100);
    // Floods may overrun the case's budget a little: a flood too small to reach the limits proves nothing.
    if (kind < 2) return this.#synFlood(side, r.range(100, 2000));
    if (kind < 4) return this.#fragFlood(side, r.range(1000, 24000));
    const n = Math.min(budget, r.range(1, 12));
    for (let i = 0; i < n; i++) out.push(this.one(side));
    return out;
  }

  one(side: "a" | "b"): Uint8Array {
    const r = this.rng;
    const k = r.below(100);
    if (k < 6) return randomBytes(r, r.chance(0.5) ? r.below(64) : r.range(20, 1500));
    if (k < 12) return this.#ip(this.#src(), this.#dst(side), r.chance(0.5) ? r.below(256) : [1, 6, 17][r.below(3)]!, randomBytes(r, r.below(200)));
    if (k < 22) return this.#tcpClosed(side);
    if (k < 34) return this.#tcpBlind(side);
    if (k < 58) return this.#tcpInWindow(side);
    if (k < 64) return this.#tcpGuardOutOfWindow(side);
    if (k < 72) return this.#udp(side);
    if (k < 80) return this.#icmp(side);
    if (k < 88) return this.#fragment(side);
    if (this.captured.length) return mutate(r, this.captured[r.below(this.captured.length)]!, r.chance(0.7));
    return this.#tcpInWindow(side);
  }

  #self(side: "a" | "b"): { me: number; host: Host; peer: number } {
    return side === "b" ? { me: SERVER, host: this.sc.server, peer: CLIENT } : { me: CLIENT, host: this.sc.client, peer: SERVER };
  }

  #tcpClosed(side: "a" | "b"): Uint8Array {
    const r = this.rng;
    const { me, peer } = this.#self(side);
    const src = r.chance(0.6) ? peer : this.#src();
    const dst = r.chance(0.9) ? me : this.#dst(side);
    const seg = tcpSegment(src, dst, {
      sport: r.below(65536), dport: this.#ports(), seq: r.u32(), ack: r.u32(), flags: this.#flags(),
      window: r.below(65536), options: r.chance(0.4) ? tcpOptions(r) : undefined, data: this.#data(100),
      rawDoff: r.chance(0.05) ? r.below(16) : undefined,
    }, r.chance(0.05));
    return this.#ip(src, dst, IPPROTO_TCP, seg);
  }

  #tcpBlind(side: "a" | "b"): Uint8Array {
    const r = this.rng;
    const { host } = this.#self(side);
    const live = liveTcbs(host, false);
    const t = live.length ? live[r.below(live.length)]! : undefined;
    if (!t) return this.#tcpClosed(side);
    const seg = tcpSegment(asInet4(t.remoteAddr), asInet4(t.localAddr), {
      sport: t.remotePort, dport: t.localPort, seq: r.u32(), ack: r.u32(), flags: this.#flags(),
      window: r.below(65536), options: r.chance(0.3) ? tcpOptions(r) : undefined, data: this.#data(500), urgent: r.below(65536),
    });
    return this.#ip(asInet4(t.remoteAddr), asInet4(t.localAddr), IPPROTO_TCP, seg);
  }

  /** A segment for a victim connection with sequence and ack numbers near the live ones. */
  #tcpInWindow(side: "a" | "b"): Uint8Array {
    const r = this.rng;
    const { host } = this.#self(side);
    const live = liveTcbs(host, false);
    if (!live.length) return this.#tcpClosed(side);
    const t = live[r.below(live.length)]!;
    const wnd = Math.max(1, t.rwin?.receiveWindow(t.rcvNxt) ?? 1);
    let seq: number;
    switch (r.below(6)) {
      case 0: seq = t.rcvNxt; break;
      case 1: seq = t.rcvNxt + r.below(wnd); break;
      case 2: seq = t.rcvNxt - r.range(1, 3000); break;
      case 3: seq = t.rcvNxt + wnd + r.below(3000); break;
      case 4: seq = t.rcvNxt + r.below(8); break;
      default: seq = t.irs + r.below(3); break;
    }
    let ack: number;
    switch (r.below(5)) {
      case 0: ack = t.sndUna; break;
      case 1: ack = t.sndNxt; break;
      case 2: ack = t.sndUna + r.below(Math.max(1, (t.sndNxt - t.sndUna) >>> 0) + 2); break;
      case 3: ack = t.sndUna - r.below(200000); break;
      default: ack = t.sndNxt + r.below(100000); break;
    }
    const flags = r.chance(0.85) ? this.#flags() | (r.chance(0.7) ? ACK : 0) : r.below(256);
    const opts = t.tsOk && r.chance(0.6)
      ? Uint8Array.of(1, 1, 8, 10, ...u32b(r.chance(0.8) ? t.tsRecent + r.below(1000) : r.u32()), ...u32b(r.u32()))
      : r.chance(0.3) ? tcpOptions(r) : undefined;
    const seg = tcpSegment(asInet4(t.remoteAddr), asInet4(t.localAddr), {
      sport: t.remotePort, dport: t.localPort, seq: seq >>> 0, ack: ack >>> 0, flags,
      window: r.chance(0.1) ? 0 : r.below(65536), urgent: r.chance(0.3) ? r.below(3000) : 0,
      options: opts, data: this.#data(r.chance(0.1) ? 4000 : 1400),
    }, r.chance(0.03));
    return this.#ip(asInet4(t.remoteAddr), asInet4(t.localAddr), IPPROTO_TCP, seg);
  }

  /** At the guarded connection, only what TCP must reject: outside the window or with an impossible ACK. */
  #tcpGuardOutOfWindow(side: "a" | "b"): Uint8Array {
    const r = this.rng;
    const { host } = this.#self(side);
    const g = liveTcbs(host, true).filter((t) => t.state === TcpState.ESTABLISHED);
    if (!g.length) return this.#tcpBlind(side);
    const t = g[0]!;
    const wnd = t.rwin?.receiveWindow(t.rcvNxt) ?? 0;
    const data = this.#data(1000);
    const flags = [ACK, RST, RST | ACK, SYN, SYN | ACK, FIN | ACK, PSH | ACK, URG | ACK][r.below(8)]!;
    // Old (ending before rcv.nxt) or beyond the right edge; never at rcv.nxt.
    const old = r.chance(0.5);
    const seq = old ? (t.rcvNxt - data.length - 1 - r.below(1 << 30)) >>> 0 : (t.rcvNxt + wnd + 1 + r.below(1 << 30)) >>> 0;
    const seg = tcpSegment(asInet4(t.remoteAddr), asInet4(t.localAddr), {
      sport: t.remotePort, dport: t.localPort, seq, ack: r.chance(0.5) ? t.sndUna : r.u32(), flags, window: r.below(65536),
      data, urgent: r.below(100),
    });
    return this.#ip(asInet4(t.remoteAddr), asInet4(t.localAddr), IPPROTO_TCP, seg);
  }

  #udp(side: "a" | "b"): Uint8Array {
    const r = this.rng;
    const { me, peer } = this.#self(side);
    const src = r.chance(0.7) ? peer : this.#src();
    const dst = r.chance(0.8) ? me : this.#dst(side);
    const data = this.#data(1400);
    const mode = (["ok", "ok", "ok", "zero", "bad"] as const)[r.below(5)]!;
    const length = r.chance(0.1) ? r.below(65536) : undefined;
    return this.#ip(src, dst, IPPROTO_UDP, udpDatagram(src, dst, r.below(65536), r.chance(0.6) ? UDP_PORT : this.#ports(), data, { checksum: mode, length }));
  }

  #icmp(side: "a" | "b"): Uint8Array {
    const r = this.rng;
    const { me, peer, host } = this.#self(side);
    const src = r.chance(0.7) ? peer : this.#src();
    const dst = r.chance(0.8) ? me : this.#dst(side);
    const k = r.below(4);
    if (k === 0) return this.#ip(src, dst, IPPROTO_ICMP, icmpMessage(8, 0, r.u32(), this.#data(1000), r.chance(0.05)));
    if (k === 1) return this.#ip(src, dst, IPPROTO_ICMP, icmpMessage(r.below(256), r.below(256), r.u32(), this.#data(100), r.chance(0.1)));
    // An error quoting one of this host's own datagrams (a live connection, or random).
    const all = [...liveTcbs(host, false), ...liveTcbs(host, true)];
    const t = all.length ? all[r.below(all.length)] : undefined;
    const type = [3, 3, 3, 11, 12, 4, 5][r.below(7)]!;
    const code = type === 3 ? r.below(16) : r.below(3);
    const mtu = type === 3 && code === 4 ? [0, 68, 296, 576, 1280, 1500, 65535, r.below(65536)][r.below(8)]! : 0;
    let quoted: Uint8Array;
    if (t && r.chance(0.8)) {
      const l4 = tcpSegment(asInet4(t.localAddr), asInet4(t.remoteAddr), {
        sport: t.localPort, dport: t.remotePort, seq: r.chance(0.7) ? t.sndUna + r.below(3) : r.u32(), ack: t.rcvNxt, flags: ACK,
      });
      quoted = ipDatagram({ src: asInet4(t.localAddr), dst: asInet4(t.remoteAddr), protocol: IPPROTO_TCP }, l4);
    } else {
      const proto = [IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, r.below(256)][r.below(4)]!;
      quoted = ipDatagram({ src: me, dst: r.chance(0.5) ? peer : r.u32(), protocol: proto }, randomBytes(r, r.range(0, 40)));
    }
    if (r.chance(0.3)) quoted = quoted.subarray(0, r.below(quoted.length + 1));
    return this.#ip(src, dst, IPPROTO_ICMP, icmpMessage(type, code, mtu & 0xffff, quoted, r.chance(0.05)));
  }

  /** One fragment: of a real datagram, overlapping, zero-length, or past 64 KiB. */
  #fragment(side: "a" | "b"): Uint8Array {
    const r = this.rng;
    const { me, peer } = this.#self(side);
    const src = r.chance(0.8) ? peer : this.#src();
    const proto = [IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_TCP, r.below(256)][r.below(4)]!;
    const id = r.below(64); // few ids: fragments of one datagram meet
    const off = [0, 8, 16, 1480, r.below(8192) * 8, 65528, r.below(65536)][r.below(7)]!;
    const len = [0, 8, 16, r.below(1480), 1480][r.below(5)]!;
    return ipDatagram({ src, dst: me, protocol: proto, id, mf: r.chance(0.7), fragOffset: off, df: r.chance(0.05), badChecksum: r.chance(0.02) }, randomBytes(r, len));
  }

  #synFlood(side: "a" | "b", n: number): Uint8Array[] {
    const r = this.rng;
    const { me } = this.#self(side);
    const port = [BACKLOG_PORT, ECHO_PORT, GUARD_PORT][r.below(3)]!;
    const out: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const src = r.chance(0.5) ? 0x0a000000 | r.range(3, 254) : this.#src();
      const seg = tcpSegment(src, me, { sport: r.below(65536), dport: port, seq: r.u32(), ack: 0, flags: SYN, options: Uint8Array.of(2, 4, 5, 180, 4, 2, 3, 3, 7, 1) });
      out.push(ipDatagram({ src, dst: me, protocol: IPPROTO_TCP, id: i & 0xffff }, seg));
    }
    return out;
  }

  #fragFlood(side: "a" | "b", n: number): Uint8Array[] {
    const r = this.rng;
    const { me } = this.#self(side);
    const out: Uint8Array[] = [];
    const base = r.u32();
    for (let i = 0; i < n; i++) {
      out.push(ipDatagram({ src: (base + (i >>> 16)) >>> 0, dst: me, protocol: IPPROTO_UDP, id: i & 0xffff, mf: true, fragOffset: r.chance(0.5) ? 0 : 8 }, new Uint8Array(0)));
    }
    return out;
  }
}

function u32b(v: number): number[] {
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
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
