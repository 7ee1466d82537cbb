/**
 * Test helpers for TCP scenarios: a two-host network with a capture of
 * every segment on the link (decoded by the wire codec, see capture.ts),
 * and lookups of connections by port. The scripted vocabulary
 * (`establishedPair`, `listenAccept`, `injectTcp`, `rawPeer`) is in
 * vocabulary.ts.
 */
import { Network } from "../../src/sim/network.js";
import type { Host } from "../../src/host/host.js";
import type { LinkConfigInput } from "../../src/sim/impairments.js";
import type { Tcb } from "../../src/tcp/tcb.js";
import { TcpState } from "../../src/tcp/tcp-state.js";
import { TimeWaitSock } from "../../src/tcp/timewait.js";
import type { Micros } from "../../src/core/time.js";
import type { Packet } from "../../src/wire/packet.js";
import { attachCapture, Capture, type Seen } from "./capture.js";

export type { Seen } from "./capture.js";

/**
 * Decodes an outgoing TCP datagram through the wire codec (null for
 * anything else). Sequence numbers are relative only through a
 * {@link Capture}; this standalone form reports them absolute.
 */
export function decode(p: Packet, at: Micros, from: string): Seen | null {
  return new Capture().decode(p, at, from);
}

/**
 * Two hosts on one link (client 10.0.0.1, server 10.0.0.2) with a capture
 * of every segment either sends (`trace` is `capture.all`).
 * `opts.trace: false` records nothing (bulk transfers; `injectTcp` still works).
 */
export function twoHosts(cfg: LinkConfigInput = {}, seed = 1, opts: { trace?: boolean } = {}) {
  const net = new Network({ seed });
  const client = net.addHost("client");
  const server = net.addHost("server");
  const { link } = net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", ...cfg });
  const capture = new Capture();
  for (const h of [client, server]) attachCapture(capture, h, { record: opts.trace !== false });
  return { net, client, server, link, trace: capture.all, capture };
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

/** A compact `flags seq ack len` line per segment, relative to each side's ISN. */
export function ladder(trace: Seen[]): string[] {
  return trace.map((s) => `${s.at / 1000}ms ${s.from} ${s.flags} ${s.rseq}${s.len ? `:${s.rseq + s.len}` : ""} ack ${s.flags.includes(".") ? s.rack : "-"} len ${s.len}`);
}
