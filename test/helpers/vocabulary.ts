/**
 * The TCP test vocabulary (DESIGN.md, Testing): build a state in one line,
 * play the peer with relative sequence numbers, and check the exact
 * segments that come back, in order.
 *
 * - {@link establishedPair}: two real stacks with a connected pair, the
 *   processes and fds on both sides, and the capture positioned after the
 *   handshake.
 * - {@link rawPeer}: one stack whose only link leads to the test: what it
 *   sends is captured and never answered; the test injects the peer's
 *   segments (packetdrill's model, in TypeScript).
 * - {@link listenAccept}, {@link listenOn}, {@link connectTo}: the socket
 *   skeletons.
 * - {@link injectTcp}: a segment into a host, as if from its peer, numbers
 *   relative to the connection's ISNs.
 * - `capture.expectTcp(…)` / `capture.expectNoMore()` (capture.ts).
 *
 * Everything runs on virtual time: inject, then `net.advance(…)` or
 * `net.settle()` to let timers and the far end act.
 *
 * @example
 * const t = rawPeer();
 * const l = listenOn(t.p, 8080);
 * injectTcp(t.host, { flags: "S", peerPort: 40000, port: 8080, options: { mss: 1460 } });
 * t.capture.expectTcp({ flags: "S.", seq: 0, ack: 1, options: "mss 1460" });
 * injectTcp(t.host, { flags: ".", seq: 1, ack: 1 });
 * const { fd } = await t.p.accept(l);
 */
import { Network } from "../../src/sim/network.js";
import { sec, type Micros } from "../../src/core/time.js";
import type { Host } from "../../src/host/host.js";
import type { Process } from "../../src/sys/process.js";
import type { LinkConfigInput } from "../../src/sim/impairments.js";
import type { Tcb } from "../../src/tcp/tcb.js";
import { runTaps } from "../../src/link/device.js";
import { PacketdrillTun } from "../../src/conformance/tun-device.js";
import { emitIpv4, IPPROTO_TCP } from "../../src/wire/ipv4.js";
import { ipv4 } from "../../src/wire/ipv4-address.js";
import { finalizeChecksums, Packet } from "../../src/wire/packet.js";
import { emitTcp, tcpEmitOptionsLength, TCP_SYN, type TcpEmitOptions } from "../../src/wire/tcp.js";
import { linuxTcpOptions, type TcpOptionFields } from "../../src/wire/tcp-options.js";
import { attachCapture, Capture, capturePoint, tcpFlagBits } from "./capture.js";
import { conns, twoHosts } from "./tcp.js";

/** The ISN a {@link rawPeer}'s injected SYN uses unless it names one (`isn`). */
export const PEER_ISN = 0x5eed0000;

/**
 * A socket listening on `0.0.0.0:port` (socket, bind, listen); returns its fd.
 * @example const l = listenOn(p, 9090, 2);
 */
export function listenOn(p: Process, port: number, backlog = 128): number {
  const l = p.socket("AF_INET", "SOCK_STREAM");
  p.bind(l, ["0.0.0.0", port]);
  p.listen(l, backlog);
  return l;
}

/**
 * The server skeleton: listen on `port` and accept one connection.
 * Resolves with the accepted fd, the listener's fd and the peer's address.
 * @example
 * server.spawn("echo", async (p) => {
 *   const { fd } = await listenAccept(p, 9090);
 *   await p.send(fd, await p.recv(fd, 100));
 * });
 */
export async function listenAccept(p: Process, port: number, backlog = 128): Promise<{ fd: number; lfd: number; addr: unknown }> {
  const lfd = listenOn(p, port, backlog);
  const { fd, addr } = await p.accept(lfd);
  return { fd, lfd, addr };
}

/**
 * The client skeleton: a TCP socket connected to `host:port`; resolves with its fd.
 * @example const fd = await connectTo(p, "10.0.0.2", 9090);
 */
export async function connectTo(p: Process, host: string, port: number): Promise<number> {
  const fd = p.socket("AF_INET", "SOCK_STREAM");
  await p.connect(fd, [host, port]);
  return fd;
}

/**
 * Runs the network until `work` settles (at most `timeout` of virtual
 * time) and returns its result: the way to await blocking calls of
 * program-less processes (`establishedPair`'s `cp`/`sp`, `rawPeer`'s `p`),
 * which only progress while the network runs.
 * @example
 * const echoed = drive(net, (async () => { await sp.send(sfd, await sp.recv(sfd, 100)); })());
 */
export async function drive<T>(net: Network, work: Promise<T>, timeout: Micros = sec(3600)): Promise<T> {
  let done = false;
  work.then(() => { done = true; }, () => { done = true; });
  await net.runUntil(() => done, { timeout });
  if (!done) throw new Error(`drive: not finished after ${timeout / 1e6} s of virtual time`);
  return work;
}

/** Options of {@link establishedPair}. */
export interface PairOptions {
  /** The link between client (10.0.0.1) and server (10.0.0.2); default: twoHosts' defaults. */
  link?: LinkConfigInput;
  seed?: number;
  /** Server port (default 9090). */
  port?: number;
  /** Listen backlog (default 128). */
  backlog?: number;
  /** Called on the server's listener before listen() (setsockopt). */
  beforeListen?: (p: Process, lfd: number) => void;
  /** Called on the client's socket before connect() (setsockopt, bind). */
  beforeConnect?: (p: Process, fd: number) => void;
  /** Sysctls and other host settings, before any socket exists. */
  setup?: (hosts: { client: Host; server: Host; net: Network }) => void;
}

/**
 * Two hosts with an established connection: `cp`/`cfd` on the client
 * (10.0.0.1), `sp`/`sfd` (accepted) and `lfd` (listener) on the server
 * (10.0.0.2, `port`). The processes have no program: the test makes their
 * syscalls. The capture holds the handshake and is positioned after it.
 * @example
 * const { net, cp, cfd, sp, sfd, capture } = await establishedPair({ link: { latency: ms(5) } });
 * await cp.send(cfd, "hi");
 * await net.settle();
 * capture.expectTcp({ from: "client", flags: "P.", seq: 1, ack: 1, data: "hi" });
 * capture.expectTcp({ from: "server", flags: ".", seq: 1, ack: 3 });
 * capture.expectNoMore();
 */
export async function establishedPair(opts: PairOptions = {}) {
  const port = opts.port ?? 9090;
  const { net, client, server, link, capture, trace } = twoHosts(opts.link ?? {}, opts.seed ?? 1);
  opts.setup?.({ client, server, net });
  const cp = client.createProcess("client");
  const sp = server.createProcess("server");
  const lfd = sp.socket("AF_INET", "SOCK_STREAM");
  sp.bind(lfd, ["0.0.0.0", port]);
  opts.beforeListen?.(sp, lfd);
  sp.listen(lfd, opts.backlog ?? 128);
  const cfd = cp.socket("AF_INET", "SOCK_STREAM");
  opts.beforeConnect?.(cp, cfd);
  const connected = cp.connect(cfd, ["10.0.0.2", port]);
  await net.settle();
  await connected;
  const { fd: sfd } = await sp.accept(lfd);
  capture.drain();
  const cli = conns(client, port)[0]!, srv = conns(server, port)[0]!;
  return { net, client, server, link, capture, trace, cp, sp, cfd, sfd, lfd, port, cli, srv };
}

/** A segment to inject ({@link injectTcp}). */
export interface TcpInject {
  /** tcpdump's letters: `S`, `S.`, `.`, `P.`, `F.`, `R`, `R.`. */
  flags: string;
  /** Relative to the sender's (the peer's) ISN; default 0. */
  seq?: number;
  /** Relative to the receiving host's ISN; default 0 (ignored without `.`). */
  ack?: number;
  /** The window field (unscaled); default 65535. */
  win?: number;
  /** Payload (a string is UTF-8). */
  data?: string | Uint8Array;
  /** Options: named fields (laid out as Linux does, `linuxTcpOptions`), an ordered list, or raw bytes (see `emitTcp`). */
  options?: TcpEmitOptions | TcpOptionFields;
  /** Urgent pointer. */
  urg?: number;
  /** The host's local port (default: the connection last seen). */
  port?: number;
  /** The peer's port (default: the connection last seen). */
  peerPort?: number;
  /** For a SYN: the peer ISN to use and record (default {@link PEER_ISN}, or the one already known). */
  isn?: number;
  /** `seq`/`ack` are absolute numbers. */
  absolute?: boolean;
  /** Source address (default: the host's peer on that link); e.g. spoofed SYNs. */
  src?: string;
  /** Changes the finished datagram before delivery (corrupt a checksum, a data offset, truncate). */
  mangle?: (p: Packet) => Packet;
}

/**
 * Delivers a TCP segment to `host` as if its peer had sent it, through
 * the host's captured device (twoHosts, establishedPair, rawPeer).
 * `seq` is relative to the peer's ISN and `ack` to the host's, both learned
 * from the SYNs of that connection (an injected SYN sets the peer's);
 * the connection is the one named by `port`/`peerPort` or else the last
 * one the host sent on. Runs synchronously: the host's immediate replies
 * are in the capture when it returns.
 * @example
 * injectTcp(server, { flags: "R", seq: 1 + 100 });   // a RST inside the window, not at rcv.nxt
 * capture.expectTcp({ from: "server", flags: ".", seq: 1, ack: 1 }); // the challenge ACK
 */
export function injectTcp(host: Host, seg: TcpInject): Packet {
  const base = capturePoint(host);
  const pt = seg.src === undefined ? base : { ...base, peer: seg.src };
  const port = seg.port ?? pt.last?.[0];
  const peerPort = seg.peerPort ?? pt.last?.[1];
  if (port === undefined || peerPort === undefined) throw new Error(`injectTcp: name port and peerPort (no connection seen on ${host.name} yet)`);
  base.last = [port, peerPort];
  const flags = tcpFlagBits(seg.flags);
  const cap = pt.capture;
  let peerIsn = cap.isn(pt.peer, peerPort, pt.local, port);
  if (flags & TCP_SYN && (peerIsn === undefined || seg.isn !== undefined)) {
    peerIsn = seg.isn ?? PEER_ISN;
    cap.learnIsn(pt.peer, peerPort, pt.local, port, peerIsn);
  }
  const hostIsn = cap.isn(pt.local, port, pt.peer, peerPort);
  const abs = seg.absolute === true;
  const seq = abs ? seg.seq ?? 0 : (peerIsn ?? 0) + (seg.seq ?? 0);
  if (!abs && seg.flags.includes(".") && hostIsn === undefined) {
    throw new Error(`injectTcp: ${host.name} has sent no SYN on ${port}>${peerPort}; a relative ack needs one (or pass absolute: true)`);
  }
  const ack = abs ? seg.ack ?? 0 : (hostIsn ?? 0) + (seg.ack ?? 0);
  const data = typeof seg.data === "string" ? new TextEncoder().encode(seg.data) : seg.data ?? new Uint8Array(0);
  const o = seg.options;
  const options: TcpEmitOptions | undefined = o === undefined || o instanceof Uint8Array || Array.isArray(o) ? o as TcpEmitOptions | undefined : linuxTcpOptions(o as TcpOptionFields);
  const head = new Uint8Array(20 + 20 + tcpEmitOptionsLength(options));
  const hl = emitTcp({ srcPort: peerPort, dstPort: port, seq: seq >>> 0, ack: ack >>> 0, flags, window: seg.win ?? 65535, urgent: seg.urg, options }, head, 20);
  emitIpv4({ src: ipv4(pt.peer), dst: ipv4(pt.local), protocol: IPPROTO_TCP, payloadLength: hl + data.length, df: true }, head, 0, false);
  let p = new Packet(head, data, true);
  finalizeChecksums(p);
  if (seg.mangle) p = seg.mangle(p);
  const now = host.ctx.scheduler.now();
  runTaps(pt.device, p, "in", now);
  pt.device.onReceive(p, pt.device);
  return p;
}

/** Options of {@link rawPeer}. */
export interface RawPeerOptions {
  seed?: number;
  /** The link MTU (default 1500). */
  mtu?: number;
}

/**
 * One host ("host", 10.0.0.2) whose only interface leads to the test: it
 * answers nobody but the segments the test injects (from 10.0.0.1, see
 * {@link injectTcp}); what it sends is in `capture`. `p` is a process
 * without a program for the test's syscalls.
 * @example
 * const { net, host, p, capture } = rawPeer();
 * const fd = p.socket("AF_INET", "SOCK_STREAM");
 * void p.connect(fd, ["10.0.0.1", 80]).catch(() => {});
 * await net.advance(0);
 * capture.expectTcp({ flags: "S", seq: 0 });
 */
export function rawPeer(opts: RawPeerOptions = {}) {
  const net = new Network({ seed: opts.seed ?? 1, driver: { warn: () => {} } });
  const host = net.addHost("host");
  const device = new PacketdrillTun(net.scheduler, opts.mtu);
  host.addInterface(device, "10.0.0.2/24");
  const capture = new Capture();
  attachCapture(capture, host, { device, peer: "10.0.0.1" });
  const p = host.createProcess("test");
  /** The host's connection on `port` (its only one). */
  const conn = (port: number): Tcb | undefined => conns(host, port)[0];
  return { net, host, p, capture, device, conn };
}
