/**
 * The packet fuzzer's attacker: bursts of random and mutated IPv4, ICMP,
 * UDP and TCP datagrams, fragments, SYN and fragment floods, blind
 * segments, and segments aimed inside the window of the scenario's live
 * connections (their sequence numbers read from the TCBs) — one burst per
 * call, aimed at one side, drawn from a seeded {@link Rng}.
 */
import type { Rng } from "../core/rng.js";
import type { Host } from "../host/host.js";
import { asInet4 } from "../net/inet-address.js";
import { TcpState } from "../tcp/tcp-state.js";
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from "../wire/ipv4.js";
import { icmpMessage, ipDatagram, mutate, randomBytes, tcpOptions, tcpSegment, udpDatagram } from "./packet-gen.js";
import {
  ACK, BACKLOG_PORT, CLIENT, ECHO_PORT, FIN, GUARD_PORT, PSH, RST, SERVER, SYN, UDP_PORT, URG, liveTcbs, type Scenario,
} from "./packet-scenario.js";

/** The packet generator: one burst per call, aimed at one side. */
export class Generator {
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
