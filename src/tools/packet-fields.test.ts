import { test } from "node:test";
import assert from "node:assert/strict";
import { packetFields } from "./packet-fields.js";
import { emitIpv4, IPPROTO_TCP } from "../wire/ipv4.js";
import { ipv4 } from "../wire/ipv4-address.js";
import { TCP_ACK, TCP_ECE, TCP_FIN, TCP_PSH, TCP_SYN, TCP_URG, writeTcpHeader } from "../wire/tcp.js";

function segment(flags: number, options?: { tsVal: number; tsEcr: number; sack?: number[] }): Uint8Array {
  const b = new Uint8Array(80);
  const hl = writeTcpHeader(b, 20, 40000, 9090, 1, 2, flags, 502, 0, options);
  emitIpv4({ src: ipv4("10.0.0.1"), dst: ipv4("10.0.0.2"), protocol: IPPROTO_TCP, payloadLength: hl }, b, 0);
  return b.subarray(0, 20 + hl);
}

test("packet fields: TCP flags in tcpdump's letters and order, options by name (SACK blocks as pairs)", () => {
  // tcpdump's order is F S R P . U E W (print-tcp.c tcp_flag_values): the same as the tcpdump text.
  const cases: [number, string][] = [
    [TCP_SYN, "S"], [TCP_SYN | TCP_ACK, "S."], [TCP_PSH | TCP_ACK, "P."], [TCP_FIN | TCP_PSH | TCP_ACK, "FP."],
    [TCP_SYN | TCP_FIN, "FS"], [TCP_URG | TCP_ACK, ".U"], [TCP_SYN | TCP_ACK | TCP_ECE, "S.E"], [0, "none"],
  ];
  for (const [bits, letters] of cases) assert.equal(packetFields(segment(bits)).tcp?.flags, letters, `flags 0x${bits.toString(16)}`);
  const f = packetFields(segment(TCP_ACK, { tsVal: 7, tsEcr: 9, sack: [100, 200, 300, 400] })).tcp!;
  assert.deepEqual(f.options, { tsVal: 7, tsEcr: 9, sack: [[100, 200], [300, 400]] });
  assert.deepEqual([f.sport, f.dport, f.seq, f.ack, f.window, f.length], [40000, 9090, 1, 2, 502, 0]);
});
