/**
 * Test helpers for TCP scenarios: a two-host network, a decoded trace of
 * every segment on the link (direction, flags, seq/ack, window, length),
 * and lookups of connections by port.
 */
import { Network } from "../../src/sim/network.js";
import type { Host } from "../../src/host/host.js";
import type { LinkConfigInput } from "../../src/sim/impairments.js";
import type { Tcb } from "../../src/tcp/tcb.js";
import { TcpState } from "../../src/tcp/tcp-state.js";
import { TimeWaitSock } from "../../src/tcp/timewait.js";
import type { Micros } from "../../src/core/time.js";

/** A decoded TCP segment seen on a link. */
export interface Seen {
  at: Micros;
  from: string;
  sport: number;
  dport: number;
  flags: string;
  seq: number;
  ack: number;
  win: number;
  len: number;
}

const FLAG_CHARS: [number, string][] = [[1, "F"], [2, "S"], [4, "R"], [8, "P"], [32, "U"], [16, "."]];

/** Decodes the TCP header of an outgoing IPv4 packet head (IP header 20 bytes). */
export function decode(head: Uint8Array, total: number, at: Micros, from: string): Seen | null {
  if (head[9] !== 6) return null;
  const o = (head[0]! & 15) * 4;
  const r32 = (i: number) => ((head[i]! << 24) | (head[i + 1]! << 16) | (head[i + 2]! << 8) | head[i + 3]!) >>> 0;
  const fl = head[o + 13]!;
  let flags = "";
  for (const [b, c] of FLAG_CHARS) if (fl & b) flags += c;
  return {
    at, from, sport: (head[o]! << 8) | head[o + 1]!, dport: (head[o + 2]! << 8) | head[o + 3]!, flags,
    seq: r32(o + 4), ack: r32(o + 8), win: (head[o + 14]! << 8) | head[o + 15]!, len: total - o - (head[o + 12]! >> 4) * 4,
  };
}

/** Two hosts on one link (client 10.0.0.1, server 10.0.0.2) with a segment trace. */
export function twoHosts(cfg: LinkConfigInput = {}, seed = 1, opts: { trace?: boolean } = {}) {
  const net = new Network({ seed });
  const client = net.addHost("client");
  const server = net.addHost("server");
  const { link } = net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", ...cfg });
  const trace: Seen[] = [];
  for (const h of opts.trace === false ? [] : [client, server]) {
    h.ip.interfaces[1]!.device.taps.push((p, dir, now) => {
      if (dir !== "out") return;
      const s = decode(p.head, p.length, now, h.name);
      if (s) trace.push(s);
    });
  }
  return { net, client, server, link, trace };
}

/** Every TCB of `h` (listeners and connections; TIME-WAIT records excluded). */
export function tcbs(h: Host): Tcb[] {
  return [...h.tcp.all()].filter((t): t is Tcb => !(t instanceof TimeWaitSock));
}

/** The live connections of `h` whose local or remote port is `port`. */
export function conns(h: Host, port: number): Tcb[] {
  return tcbs(h).filter((t) => t.state !== TcpState.LISTEN && (t.localPort === port || t.remotePort === port));
}

/** The TIME-WAIT records of `h` for `port`. */
export function timeWaits(h: Host, port: number): TimeWaitSock[] {
  return [...h.tcp.all()].filter((t): t is TimeWaitSock => t instanceof TimeWaitSock && (t.localPort === port || t.remotePort === port));
}

/** A compact `flags seq ack len` line per segment, relative to each side's first sequence number. */
export function ladder(trace: Seen[]): string[] {
  const isn = new Map<string, number>();
  return trace.map((s) => {
    const key = `${s.from}:${s.sport}`;
    if (!isn.has(key)) isn.set(key, s.seq);
    const peer = isn.get(`${s.from === "client" ? "server" : "client"}:${s.dport}`);
    const rseq = (s.seq - isn.get(key)!) >>> 0;
    const rack = peer === undefined ? s.ack : (s.ack - peer) >>> 0;
    return `${s.at / 1000}ms ${s.from} ${s.flags} ${rseq}${s.len ? `:${rseq + s.len}` : ""} ack ${s.flags.includes(".") ? rack : "-"} len ${s.len}`;
  });
}
