/**
 * One `tcpdump -nn`-style line per packet, for the `tun` CLI's `--tcpdump`
 * view of the sockstack side of the bridge. A stop-gap until src/tools has
 * the real tcpdump formatter: IPv4 with ICMP echo/errors, UDP and TCP
 * (flags, seq, ack, win, length), fragments.
 */
import type { TapDirection } from "../link/device.js";
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, parseIpv4 } from "../wire/ipv4.js";
import { formatIpv4Address } from "../wire/ipv4-address.js";
import { WireError } from "../wire/wire-error.js";

const TCP_FLAGS: [number, string][] = [[0x02, "S"], [0x01, "F"], [0x04, "R"], [0x08, "P"], [0x20, "U"], [0x40, "E"], [0x80, "W"]];

/**
 * Formats a whole IPv4 datagram (checksums final), prefixed with `In`/`Out`
 * as `tcpdump -i any` does.
 * @example packetLine(bytes, "in") // "In  IP 198.18.0.1.40000 > 198.18.0.2.7: UDP, length 5"
 */
export function packetLine(b: Uint8Array, dir: TapDirection): string {
  const pre = dir === "in" ? "In  IP " : "Out IP ";
  const h = parseIpv4(b, b.length, false);
  if (h instanceof WireError) return `${pre}[${h.reason}] length ${b.length}`;
  const src = formatIpv4Address(h.src), dst = formatIpv4Address(h.dst);
  const o = h.headerLength;
  const l4 = h.totalLength - o;
  if (h.fragOffset !== 0) return `${pre}${src} > ${dst}: ip-proto-${h.protocol} (frag ${h.id}:${l4}@${h.fragOffset}${h.mf ? "+" : ""})`;
  const u16 = (i: number) => (b[o + i]! << 8) | b[o + i + 1]!;
  const u32 = (i: number) => ((b[o + i]! << 24) | (b[o + i + 1]! << 16) | (b[o + i + 2]! << 8) | b[o + i + 3]!) >>> 0;
  const frag = h.mf ? ` (frag ${h.id}:${l4}@0+)` : "";
  if (h.protocol === IPPROTO_UDP && b.length >= o + 8) {
    return `${pre}${src}.${u16(0)} > ${dst}.${u16(2)}: UDP, length ${u16(4) - 8}${frag}`;
  }
  if (h.protocol === IPPROTO_TCP && b.length >= o + 20) {
    const flagsByte = b[o + 13]!;
    let flags = TCP_FLAGS.filter(([m]) => flagsByte & m).map(([, c]) => c).join("");
    if (flagsByte & 0x10) flags += ".";
    const doff = (b[o + 12]! >> 4) * 4;
    const len = l4 - doff;
    const ack = flagsByte & 0x10 ? `, ack ${u32(8)}` : "";
    return `${pre}${src}.${u16(0)} > ${dst}.${u16(2)}: Flags [${flags || "none"}], seq ${u32(4)}${len > 0 ? `:${(u32(4) + len) >>> 0}` : ""}${ack}, win ${u16(14)}, length ${len}`;
  }
  if (h.protocol === IPPROTO_ICMP && b.length >= o + 8) {
    const type = b[o]!, code = b[o + 1]!;
    if (type === 8 || type === 0) return `${pre}${src} > ${dst}: ICMP echo ${type === 8 ? "request" : "reply"}, id ${u16(4)}, seq ${u16(6)}, length ${l4}`;
    if (type === 3) return `${pre}${src} > ${dst}: ICMP unreachable (code ${code}), length ${l4}`;
    if (type === 11) return `${pre}${src} > ${dst}: ICMP time exceeded (code ${code}), length ${l4}`;
    return `${pre}${src} > ${dst}: ICMP type ${type} code ${code}, length ${l4}`;
  }
  return `${pre}${src} > ${dst}: ip-proto-${h.protocol} ${l4}`;
}
