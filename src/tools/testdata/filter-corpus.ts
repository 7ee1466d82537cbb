/**
 * The packets the filter tests run through both sockstack's filter and the
 * real tcpdump: every kernel-captured golden packet of src/wire/testdata
 * (127.0.0.1 and 10.9.0.x TCP, UDP, fragments, ICMP) followed by crafted
 * ones with other addresses, flags and protocols. Checksums are not
 * computed (filters do not read them).
 */
import { GOLDEN } from "../../wire/testdata/golden.js";
import { fromHex } from "../../wire/testdata/hex.js";

function ipv4(s: string): number[] {
  return s.split(".").map(Number);
}

function ip(src: string, dst: string, proto: number, payload: number[], opts: { frag?: number; id?: number } = {}): Uint8Array {
  const len = 20 + payload.length;
  const frag = opts.frag ?? 0x4000;
  const id = opts.id ?? 1;
  return new Uint8Array([0x45, 0, len >> 8, len & 255, id >> 8, id & 255, frag >> 8, frag & 255, 64, proto, 0, 0, ...ipv4(src), ...ipv4(dst), ...payload]);
}

function tcp(sport: number, dport: number, flags: number, seq: number, ack: number, data: number[] = []): number[] {
  const u32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  return [sport >> 8, sport & 255, dport >> 8, dport & 255, ...u32(seq), ...u32(ack), 0x50, flags, 0xfa, 0xf0, 0, 0, 0, 0, ...data];
}

function udp(sport: number, dport: number, data: number[] = []): number[] {
  const len = 8 + data.length;
  return [sport >> 8, sport & 255, dport >> 8, dport & 255, len >> 8, len & 255, 0, 0, ...data];
}

function icmp(type: number, code: number, rest: number[] = [0, 1, 0, 1]): number[] {
  return [type, code, 0, 0, ...rest];
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** Crafted packets: name and bytes. */
const CRAFTED: [string, Uint8Array][] = [
  ["lecture-syn", ip("10.0.0.1", "10.0.0.2", 6, tcp(33602, 9090, 0x02, 1000, 0))],
  ["lecture-syn-ack", ip("10.0.0.2", "10.0.0.1", 6, tcp(9090, 33602, 0x12, 5000, 1001))],
  ["lecture-ack", ip("10.0.0.1", "10.0.0.2", 6, tcp(33602, 9090, 0x10, 1001, 5001))],
  ["lecture-data", ip("10.0.0.1", "10.0.0.2", 6, tcp(33602, 9090, 0x18, 1001, 5001, ascii("1111")))],
  ["lecture-fin", ip("10.0.0.1", "10.0.0.2", 6, tcp(33602, 9090, 0x11, 1005, 5001))],
  ["lecture-rst", ip("10.0.0.2", "10.0.0.1", 6, tcp(9090, 33604, 0x14, 0, 1))],
  ["ecn-syn", ip("10.0.0.1", "10.0.0.2", 6, tcp(33606, 9090, 0xc2, 7, 0))],
  ["urgent", ip("10.0.0.3", "10.0.0.2", 6, tcp(4000, 80, 0x30, 7, 9, [0x41]))],
  ["dns-query", ip("192.168.1.5", "10.0.0.2", 17, udp(5353, 53, ascii("query")))],
  ["dns-answer", ip("10.0.0.2", "192.168.1.5", 17, udp(53, 5353, ascii("answer")))],
  ["ping", ip("10.0.0.3", "10.0.0.2", 1, icmp(8, 0))],
  ["pong", ip("10.0.0.2", "10.0.0.3", 1, icmp(0, 0))],
  ["host-unreach", ip("10.0.1.1", "10.0.0.3", 1, icmp(3, 1, [0, 0, 0, 0, ...ip("10.0.0.3", "10.0.9.9", 17, udp(1, 2)).subarray(0, 28)]))],
  ["gre", ip("172.16.0.1", "172.16.0.2", 47, [0, 0, 8, 0])],
  ["big", ip("10.0.1.7", "172.16.0.1", 6, tcp(2000, 8080, 0x18, 1, 1, new Array<number>(1400).fill(0x61)))],
  ["udp-range", ip("10.0.1.7", "172.16.0.1", 17, udp(1500, 1999, [1, 2, 3]))],
  ["tcp-frag-2", ip("10.0.1.7", "172.16.0.1", 6, [0, 80, 0, 80, 1, 2, 3, 4], { frag: 0x0010, id: 9 })],
];

/** Every packet of the corpus, in order (index = position in the test pcap). */
export const FILTER_CORPUS: readonly { name: string; bytes: Uint8Array }[] = [
  ...GOLDEN.map((g) => ({ name: `${g.source}:${g.name}`, bytes: fromHex(g.hex) })),
  ...CRAFTED.map(([name, bytes]) => ({ name, bytes })),
];
