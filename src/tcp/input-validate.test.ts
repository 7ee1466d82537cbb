/**
 * Which counters a malformed TCP segment bumps at TCP input (the header is
 * parsed by the wire codec's parseTcpInto): length and data offset first,
 * then the checksum, then the options — so a segment with a bad option and
 * a bad checksum is a checksum error, as Linux verifies the checksum before
 * it looks at options.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../sim/network.js";
import { emitIpv4, IPPROTO_TCP } from "../wire/ipv4.js";
import { ipv4 } from "../wire/ipv4-address.js";
import { EMPTY, Packet, finalizeChecksums } from "../wire/packet.js";
import { TCP, TCP_ACK, writeTcpHeader } from "../wire/tcp.js";

interface Craft {
  /** Raw option bytes (a multiple of 4). */
  options?: number[];
  /** Data-offset field override, in words. */
  doff?: number;
  badCsum?: boolean;
  /** Bytes of TCP the IP header announces (default: the header). */
  tcpLength?: number;
  /** Put the options in the payload buffer instead of the head. */
  splitOptions?: boolean;
}

function craft(o: Craft): Packet {
  const opts = new Uint8Array(o.options ?? []);
  const full = new Uint8Array(20 + 20 + opts.length);
  writeTcpHeader(full, 20, 40000, 9090, 1, 1, TCP_ACK, 1000, 0, opts);
  const tcpLength = o.tcpLength ?? 20 + opts.length;
  emitIpv4({ src: ipv4("10.0.0.1"), dst: ipv4("10.0.0.2"), protocol: IPPROTO_TCP, payloadLength: tcpLength }, full, 0, false);
  const body = full.length < 20 + tcpLength ? new Uint8Array(20 + tcpLength - full.length) : EMPTY;
  const p = o.splitOptions
    ? new Packet(full.slice(0, 40), new Uint8Array([...full.subarray(40), ...body]), true)
    : new Packet(full.slice(0, Math.min(full.length, 20 + tcpLength)), body, true);
  finalizeChecksums(p);
  if (o.doff !== undefined) p.head[20 + TCP.DATA_OFFSET] = o.doff << 4;
  if (o.badCsum) p.head[20 + TCP.CHECKSUM] ^= 0xff;
  return p;
}

function counted(o: Craft): string[] {
  const net = new Network({ seed: 1 });
  const a = net.addHost("a");
  const b = net.addHost("b");
  net.link(a, b, { a: "10.0.0.1/24", b: "10.0.0.2/24" });
  const iface = b.ip.interfaces[1]!;
  const before = b.counters.snapshot();
  iface.device.onReceive(craft(o), iface.device);
  const out: string[] = [];
  for (const group of ["Tcp", "Sockstack"] as const) {
    const now = b.counters[group] as Record<string, number>;
    const was = (before[group] ?? {}) as Record<string, number>;
    for (const k of Object.keys(now).sort()) if ((now[k] ?? 0) !== (was[k] ?? 0) && k !== "InSegs") out.push(`${group}.${k}`);
  }
  return out;
}

test("malformed headers: each is dropped and counted where it was before the codec", () => {
  assert.deepEqual(counted({ tcpLength: 12 }), ["Tcp.InErrs"], "fewer than 20 bytes");
  assert.deepEqual(counted({ doff: 4 }), ["Tcp.InErrs", "Sockstack.TcpBadDataOffset"], "data offset < 5");
  assert.deepEqual(counted({ doff: 8 }), ["Tcp.InErrs", "Sockstack.TcpBadDataOffset"], "header longer than the segment");
  assert.deepEqual(counted({ options: [1, 1, 1, 1], tcpLength: 30, splitOptions: true }), ["Tcp.InErrs", "Sockstack.TcpBadDataOffset"],
    "header within the segment but past the head buffer");
  assert.deepEqual(counted({ badCsum: true }), ["Tcp.InCsumErrors", "Tcp.InErrs"], "bad checksum");
  assert.deepEqual(counted({ options: [2, 0, 0, 0] }), ["Tcp.InErrs", "Sockstack.TcpBadOption"], "option length 0");
  assert.deepEqual(counted({ options: [1, 1, 8, 11] }), ["Tcp.InErrs", "Sockstack.TcpBadOption"], "option past the header");
  assert.deepEqual(counted({ options: [2, 0, 0, 0], badCsum: true }), ["Tcp.InCsumErrors", "Tcp.InErrs"], "bad option and bad checksum: the checksum first");
});
