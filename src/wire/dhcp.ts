/**
 * DHCP message codec (RFC 2131 §2, the BOOTP layout of RFC 951, options
 * of RFC 2132): the fixed 236-byte header, the magic cookie and the
 * options sockstack's client and server use. Unknown options are kept raw.
 */
import { readIpv4Address, writeIpv4Address, type Ipv4Address } from "./ipv4-address.js";
import { readMac, writeMac, type MacAddress } from "./ethernet.js";
import { WireError } from "./wire-error.js";

/** UDP ports: the server listens on 67, the client on 68. */
export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
/** The magic cookie 99.130.83.99 (RFC 2131 §3). */
export const DHCP_MAGIC = 0x63825363;
/** BOOTREQUEST / BOOTREPLY. */
export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
/** The broadcast flag (RFC 2131 §2, figure 2). */
export const DHCP_FLAG_BROADCAST = 0x8000;

/** DHCP message types (option 53). */
export const DHCPDISCOVER = 1;
export const DHCPOFFER = 2;
export const DHCPREQUEST = 3;
export const DHCPDECLINE = 4;
export const DHCPACK = 5;
export const DHCPNAK = 6;
export const DHCPRELEASE = 7;

/** Message type names, as dhclient logs them. */
export const DHCP_TYPE_NAMES: Record<number, string> = { 1: "DHCPDISCOVER", 2: "DHCPOFFER", 3: "DHCPREQUEST", 4: "DHCPDECLINE", 5: "DHCPACK", 6: "DHCPNAK", 7: "DHCPRELEASE", 8: "DHCPINFORM" };

/** Option codes used here (RFC 2132). */
export const OPT = {
  PAD: 0, SUBNET_MASK: 1, ROUTER: 3, DNS: 6, HOSTNAME: 12, REQUESTED_IP: 50, LEASE_TIME: 51, MSG_TYPE: 53,
  SERVER_ID: 54, PARAM_LIST: 55, MESSAGE: 56, RENEWAL_T1: 58, REBINDING_T2: 59, CLIENT_ID: 61, END: 255,
} as const;

/** A DHCP message. Addresses are numbers; times in seconds. */
export interface DhcpMessage {
  op: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: Ipv4Address;
  yiaddr: Ipv4Address;
  siaddr: Ipv4Address;
  giaddr: Ipv4Address;
  chaddr: MacAddress;
  /** Option 53, or 0 for plain BOOTP. */
  type: number;
  subnetMask?: Ipv4Address;
  routers?: Ipv4Address[];
  dns?: Ipv4Address[];
  hostName?: string;
  requestedIp?: Ipv4Address;
  leaseTime?: number;
  serverId?: Ipv4Address;
  paramList?: number[];
  message?: string;
  renewalTime?: number;
  rebindingTime?: number;
  /** Options not decoded above: code → raw value. */
  other?: Map<number, Uint8Array>;
}

const HEADER = 236;
const text = new TextDecoder();
const utf8 = new TextEncoder();

function addrs(v: Uint8Array): Ipv4Address[] {
  const out: Ipv4Address[] = [];
  for (let i = 0; i + 4 <= v.length; i += 4) out.push(readIpv4Address(v, i));
  return out;
}

function u32(v: Uint8Array): number {
  return v.length >= 4 ? ((v[0]! << 24) | (v[1]! << 16) | (v[2]! << 8) | v[3]!) >>> 0 : 0;
}

/** Parses a DHCP message (the UDP payload). Returns a WireError for short, non-Ethernet or cookie-less messages. */
export function parseDhcp(b: Uint8Array): DhcpMessage | WireError {
  if (b.length < HEADER + 4) return new WireError("truncated", "dhcp", `${b.length} bytes`);
  if (b[1] !== 1 || b[2] !== 6) return new WireError("bad-type", "dhcp", `htype ${b[1]} hlen ${b[2]}`);
  if (u32(b.subarray(HEADER, HEADER + 4)) !== DHCP_MAGIC) return new WireError("bad-type", "dhcp", "no magic cookie");
  const m: DhcpMessage = {
    op: b[0]!, xid: u32(b.subarray(4, 8)), secs: (b[8]! << 8) | b[9]!, flags: (b[10]! << 8) | b[11]!,
    ciaddr: readIpv4Address(b, 12), yiaddr: readIpv4Address(b, 16), siaddr: readIpv4Address(b, 20), giaddr: readIpv4Address(b, 24),
    chaddr: readMac(b, 28), type: 0,
  };
  for (let i = HEADER + 4; i < b.length;) {
    const code = b[i]!;
    if (code === OPT.PAD) { i++; continue; }
    if (code === OPT.END) break;
    if (i + 2 > b.length) return new WireError("bad-option", "dhcp", `option ${code} truncated`);
    const len = b[i + 1]!;
    if (i + 2 + len > b.length) return new WireError("bad-option", "dhcp", `option ${code} truncated`);
    const v = b.subarray(i + 2, i + 2 + len);
    i += 2 + len;
    switch (code) {
      case OPT.MSG_TYPE: m.type = v[0] ?? 0; break;
      case OPT.SUBNET_MASK: m.subnetMask = u32(v); break;
      case OPT.ROUTER: m.routers = addrs(v); break;
      case OPT.DNS: m.dns = addrs(v); break;
      case OPT.HOSTNAME: m.hostName = text.decode(v); break;
      case OPT.REQUESTED_IP: m.requestedIp = u32(v); break;
      case OPT.LEASE_TIME: m.leaseTime = u32(v); break;
      case OPT.SERVER_ID: m.serverId = u32(v); break;
      case OPT.PARAM_LIST: m.paramList = [...v]; break;
      case OPT.MESSAGE: m.message = text.decode(v); break;
      case OPT.RENEWAL_T1: m.renewalTime = u32(v); break;
      case OPT.REBINDING_T2: m.rebindingTime = u32(v); break;
      default: (m.other ??= new Map()).set(code, v.slice());
    }
  }
  return m;
}

/** Emits a DHCP message (options in RFC 2131's customary order: type first, END last; no padding to 300 bytes). */
export function emitDhcp(m: DhcpMessage): Uint8Array {
  const opts: number[] = [];
  const put = (code: number, v: Uint8Array | number[]) => { opts.push(code, v.length, ...v); };
  const a32 = (x: number) => [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255];
  if (m.type) put(OPT.MSG_TYPE, [m.type]);
  if (m.serverId !== undefined) put(OPT.SERVER_ID, a32(m.serverId));
  if (m.leaseTime !== undefined) put(OPT.LEASE_TIME, a32(m.leaseTime));
  if (m.renewalTime !== undefined) put(OPT.RENEWAL_T1, a32(m.renewalTime));
  if (m.rebindingTime !== undefined) put(OPT.REBINDING_T2, a32(m.rebindingTime));
  if (m.subnetMask !== undefined) put(OPT.SUBNET_MASK, a32(m.subnetMask));
  if (m.routers?.length) put(OPT.ROUTER, m.routers.flatMap(a32));
  if (m.dns?.length) put(OPT.DNS, m.dns.flatMap(a32));
  if (m.requestedIp !== undefined) put(OPT.REQUESTED_IP, a32(m.requestedIp));
  if (m.hostName !== undefined) put(OPT.HOSTNAME, [...utf8.encode(m.hostName)]);
  if (m.paramList?.length) put(OPT.PARAM_LIST, m.paramList);
  if (m.message !== undefined) put(OPT.MESSAGE, [...utf8.encode(m.message)]);
  for (const [code, v] of m.other ?? []) put(code, v);
  opts.push(OPT.END);
  const b = new Uint8Array(HEADER + 4 + opts.length);
  b[0] = m.op;
  b[1] = 1; // htype Ethernet
  b[2] = 6; // hlen
  b.set(a32(m.xid >>> 0), 4);
  b[8] = m.secs >>> 8; b[9] = m.secs & 255;
  b[10] = m.flags >>> 8; b[11] = m.flags & 255;
  writeIpv4Address(b, 12, m.ciaddr);
  writeIpv4Address(b, 16, m.yiaddr);
  writeIpv4Address(b, 20, m.siaddr);
  writeIpv4Address(b, 24, m.giaddr);
  writeMac(b, 28, m.chaddr);
  b.set(a32(DHCP_MAGIC), HEADER);
  b.set(opts, HEADER + 4);
  return b;
}
