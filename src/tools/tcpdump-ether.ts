/**
 * tcpdump's text for Ethernet frames: the link header of `-e`
 * (`02:00:00:00:19:01 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: `),
 * 802.1Q tags (`vlan 7, p 3, ethertype ARP (0x0806), `), and ARP lines
 * (`ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28`) — as
 * tcpdump 4.99 prints them with `-n` (print-ether.c, print-arp.c; checked
 * against the real tcpdump reading the same pcap files, see
 * tcpdump-ether.test.ts). IPv4 payloads are printed by {@link TcpdumpFormatter}.
 * An IEEE 802.3 length frame prints as `802.3, length N: LLC, dsap …`
 * without tcpdump's decoding of the LLC payload (STP and the rest).
 */
import { ARP, ARPOP_REPLY, ARPOP_REQUEST } from "../wire/arp.js";
import { ETH_P_8021Q, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6, formatMac, readMac } from "../wire/ethernet.js";
import { formatIpv4Address, readIpv4Address } from "../wire/ipv4-address.js";
import type { TcpdumpFormatter } from "./tcpdump.js";

const ETHERTYPE_NAMES: Record<number, string> = { [ETH_P_IP]: "IPv4", [ETH_P_ARP]: "ARP", [ETH_P_8021Q]: "802.1Q", [ETH_P_IPV6]: "IPv6", 0x8035: "Reverse ARP", 0x88cc: "LLDP" };

function typeText(t: number): string {
  return `ethertype ${ETHERTYPE_NAMES[t] ?? "Unknown"} (0x${t.toString(16).padStart(4, "0")})`;
}

const ARP_OPS: Record<number, string> = { 1: "Request", 2: "Reply", 3: "Reverse Request", 4: "Reverse Reply", 8: "Inverse Request", 9: "Inverse Reply", 10: "NACK Reply" };

/**
 * An ARP packet as tcpdump prints it (without the `ARP, ` prefix that
 * tcpdump omits after a `-e` link header).
 * @example formatArp(bytes) // "Request who-has 10.0.0.2 tell 10.0.0.1, length 28"
 */
export function formatArp(b: Uint8Array, off = 0, len = b.length - off): string {
  if (len < 8) return `[|ARP]`;
  const hrd = (b[off]! << 8) | b[off + 1]!;
  const pro = (b[off + 2]! << 8) | b[off + 3]!;
  const hln = b[off + 4]!, pln = b[off + 5]!;
  const op = (b[off + 6]! << 8) | b[off + 7]!;
  if (hrd !== 1 || pro !== ETH_P_IP || hln !== 6 || pln !== 4) {
    return `${hrd === 1 ? "Ethernet" : `Unknown Hardware (${hrd})`} (len ${hln}), ${pro === ETH_P_IP ? "IPv4" : `Unknown Protocol (0x${pro.toString(16).padStart(4, "0")})`} (len ${pln}), ${ARP_OPS[op] ?? `Unknown (${op})`}, length ${len}`;
  }
  if (len < ARP.LENGTH) return `${ARP_OPS[op] ?? `Unknown (${op})`} [|ARP]`;
  const sha = readMac(b, off + ARP.SHA), spa = readIpv4Address(b, off + ARP.SPA);
  const tha = readMac(b, off + ARP.THA), tpa = readIpv4Address(b, off + ARP.TPA);
  let body: string;
  if (op === ARPOP_REQUEST) {
    body = `who-has ${formatIpv4Address(tpa)}${tha !== 0 ? ` (${formatMac(tha)})` : ""} tell ${formatIpv4Address(spa)}`;
  } else if (op === ARPOP_REPLY) {
    body = `${formatIpv4Address(spa)} is-at ${formatMac(sha)}`;
  } else {
    body = `${formatMac(tha)} at ${formatIpv4Address(tpa)}`;
  }
  return `${ARP_OPS[op] ?? `Unknown (${op})`} ${body}, length ${len}`;
}

/** Options of {@link formatFrame}. */
export interface FrameTextOptions {
  /** `-e`: print the link header. */
  ether?: boolean;
}

/**
 * One frame as `tcpdump -n` (or `-e -n`) prints it, without the timestamp.
 * @example formatFrame(bytes, new TcpdumpFormatter(), { ether: true })
 */
export function formatFrame(f: Uint8Array, td: TcpdumpFormatter, opts: FrameTextOptions = {}): string {
  if (f.length < 14) return `[|ether]`;
  const e = opts.ether === true;
  let head = e ? `${formatMac(readMac(f, 6))} > ${formatMac(readMac(f, 0))}, ` : "";
  let off = 12;
  let type = (f[12]! << 8) | f[13]!;
  if (type <= 1500) {
    const dsap = f[14] ?? 0, ssap = f[15] ?? 0, ctrl = f[16] ?? 0;
    const llc = `LLC, dsap ${sapName(dsap)} (0x${hex2(dsap & 0xfe)}) ${dsap & 1 ? "Group" : "Individual"}, ssap ${sapName(ssap)} (0x${hex2(ssap & 0xfe)}) ${ssap & 1 ? "Response" : "Command"}, ctrl 0x${hex2(ctrl)}`;
    return e ? `${head}802.3, length ${type}: ${llc}` : llc;
  }
  if (e) head += `${typeText(type)}, length ${f.length}: `;
  while (type === ETH_P_8021Q && f.length >= off + 6) {
    const tci = (f[off + 2]! << 8) | f[off + 3]!;
    off += 4;
    type = (f[off]! << 8) | f[off + 1]!;
    if (e) head += `vlan ${tci & 0xfff}, p ${tci >>> 13}${tci & 0x1000 ? ", DEI" : ""}, ${typeText(type)}, `;
  }
  const body = f.subarray(off + 2);
  if (type === ETH_P_ARP) return e ? head + formatArp(body) : `ARP, ${formatArp(body)}`;
  if (type === ETH_P_IP) {
    const t = td.format(body);
    return e ? head + (t.startsWith("IP ") ? t.slice(3) : t) : t;
  }
  if (type === ETH_P_IPV6) {
    const t = td.format(body);
    return e ? head + (t.startsWith("IP6 ") ? t.slice(4) : t) : t;
  }
  return e ? head.slice(0, -2) : `${typeText(type)}, length ${f.length}`;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

function sapName(s: number): string {
  const v = s & 0xfe;
  return v === 0x42 ? "STP" : v === 0xaa ? "SNAP" : v === 0xe0 ? "IPX" : v === 0xf0 ? "NetBeui" : v === 0 ? "Null" : "Unknown";
}
