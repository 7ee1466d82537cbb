/**
 * The IPPROTO_IPV6 options of TCP and UDP sockets (Linux
 * do_ipv6_setsockopt / do_ipv6_getsockopt): what StreamSocket and
 * DgramSocket handle before their own options. On an AF_INET socket every
 * IPPROTO_IPV6 option is refused as Linux refuses it there (setsockopt
 * ENOPROTOOPT, getsockopt EOPNOTSUPP — ip_setsockopt / tcp_getsockopt on
 * an inet socket, measured on Linux 6.18). Values, ranges and defaults are
 * pinned by test/syscalls/ipv6-options.test.ts against
 * ipv6-options-probe.py's fixture.
 */
import { AF_INET6, SOL_IPV6 } from "./constants.js";
import { fail, intValue, type SendControlMessage } from "./socket.js";
import { SysError } from "../core/sys-error.js";
import { isAnyAddress, NET_AF_INET6, parseInetAddress, type InetAddress } from "../net/inet-address.js";
import type { UdpSendControl } from "../udp/udp-layer.js";
import type { In6Pktinfo, OptionSpec, OptionValue } from "./options.js";
import { newIpv6SockOpts, type Ipv6SockOpts } from "../udp/udp-sock.js";

/** `IPV6_PKTINFO` (<linux/in6.h>): the control message of IPV6_RECVPKTINFO, and sendmsg's source / interface choice. */
export const IPV6_PKTINFO = 50;
/** `IPV6_HOPLIMIT`: the control message of IPV6_RECVHOPLIMIT; sendmsg's hop limit for one datagram. */
export const IPV6_HOPLIMIT = 52;
/** `IPV6_TCLASS`: the option, the control message of IPV6_RECVTCLASS and sendmsg's traffic class for one datagram. */
export const IPV6_TCLASS = 67;

/** Bits of {@link Ipv6Opts.rxopt}: which control messages recvmsg returns (Linux np->rxopt). */
export const RX_PKTINFO = 1;
export const RX_HOPLIMIT = 2;
export const RX_TCLASS = 4;
export const RX_FLOWINFO = 8;
/** `IPV6_FLOWINFO` (<linux/in6.h>): the option and recvmsg's control message (traffic class and flow label). */
export const IPV6_FLOWINFO = 11;

/** `IPV6_PMTUDISC_*` (<linux/in6.h>): IPV6_MTU_DISCOVER's values. */
export const IPV6_PMTUDISC_DONT = 0;
export const IPV6_PMTUDISC_WANT = 1;
export const IPV6_PMTUDISC_DO = 2;
export const IPV6_PMTUDISC_PROBE = 3;
export const IPV6_PMTUDISC_INTERFACE = 4;
export const IPV6_PMTUDISC_OMIT = 5;

/** The IPv6 settings of one socket besides hop limit and traffic class (udp/udp-sock.ts defines them, UDP acts on them). */
export type Ipv6Opts = Ipv6SockOpts;

/** A fresh {@link Ipv6Opts} with Linux's defaults. */
export function newIpv6Opts(): Ipv6Opts {
  return newIpv6SockOpts();
}

/** What the IPv6 option handlers reach of their socket. */
export interface Ipv6OptionSocket {
  readonly family: number;
  /** Holds a local port (bound, listening, connected): IPV6_V6ONLY can no longer change. */
  readonly portBound: boolean;
  /** A stream socket: IPV6_TCLASS keeps the ECN bits TCP owns (Linux do_ipv6_setsockopt). */
  readonly stream: boolean;
  v6only: boolean;
  /** Hop limit and traffic class: TCP keeps them in its TCB, UDP in {@link opts}. */
  hopLimit: number;
  tclass: number;
  readonly opts: Ipv6Opts;
  /** The path MTU towards the connected peer, or null when not connected (IPV6_MTU: ENOTCONN). */
  connectedMtu(): number | null;
  /** The hop limit IPV6_UNICAST_HOPS −1 stands for: the connected route's, else the default (64). */
  defaultHopLimit(): number;
  /** net.ipv6.auto_flowlabels, for IPV6_AUTOFLOWLABEL's default (undefined: 1). */
  readonly autoFlowlabels?: number;
}

/** setsockopt at IPPROTO_IPV6; false when `o` is not an IPv6 option (the caller goes on). */
export function setIpv6Option(s: Ipv6OptionSocket, o: OptionSpec, value: OptionValue): boolean {
  if (o.level !== SOL_IPV6) return false;
  const sc = "setsockopt";
  if (s.family !== AF_INET6) fail("ENOPROTOOPT", sc);
  if (o.name === "IPV6_PKTINFO") {
    // RFC 3542 sticky pktinfo (do_ipv6_setsockopt): stored as given; sk_dev_equal_l3scope passes any index without an l3mdev.
    const p = value as unknown as In6Pktinfo;
    const a = parseInetAddress(NET_AF_INET6, p.ipi6_addr);
    if (a === null) throw new SysError("EINVAL", sc, `optval: ipi6_addr is not an IPv6 address: ${JSON.stringify(p.ipi6_addr)}`);
    s.opts.stickyIfindex = p.ipi6_ifindex;
    s.opts.stickyAddr = p.ipi6_addr;
    return true;
  }
  // Linux has no IPV6_HOPLIMIT socket option (ENOPROTOOPT): only the control message.
  if (o.name === "IPV6_HOPLIMIT") return false;
  const v = intValue(value, sc);
  const o6 = s.opts;
  const flag = (bit: number) => {
    o6.rxopt = v !== 0 ? o6.rxopt | bit : o6.rxopt & ~bit;
  };
  switch (o.name) {
    case "IPV6_V6ONLY":
      // Linux do_ipv6_setsockopt: only before the socket has a port (inet_num).
      if (s.portBound) fail("EINVAL", sc);
      s.v6only = v !== 0;
      return true;
    case "IPV6_UNICAST_HOPS":
      if (v < -1 || v > 255) fail("EINVAL", sc);
      s.hopLimit = v;
      return true;
    case "IPV6_TCLASS": {
      if (v < -1 || v > 255) fail("EINVAL", sc);
      const t = v === -1 ? 0 : v;
      // TCP's ECN bits are its own (Linux: val &= ~INET_ECN_MASK; val |= np->tclass & INET_ECN_MASK).
      s.tclass = s.stream ? (t & ~3) | (s.tclass & 3) : t;
      return true;
    }
    case "IPV6_MTU_DISCOVER":
      if (v < IPV6_PMTUDISC_DONT || v > IPV6_PMTUDISC_OMIT) fail("EINVAL", sc);
      o6.pmtudisc = v;
      return true;
    case "IPV6_MTU":
      if (v !== 0 && v < 1280) fail("EINVAL", sc);
      o6.mtu = v;
      return true;
    case "IPV6_RECVERR": o6.recverr = v !== 0; return true;
    case "IPV6_RECVPKTINFO": flag(RX_PKTINFO); return true;
    case "IPV6_RECVHOPLIMIT": flag(RX_HOPLIMIT); return true;
    case "IPV6_RECVTCLASS": flag(RX_TCLASS); return true;
    case "IPV6_FLOWINFO": flag(RX_FLOWINFO); return true;
    case "IPV6_FLOWINFO_SEND": o6.sndflow = v !== 0; return true;
    case "IPV6_AUTOFLOWLABEL": o6.autoflowlabel = v !== 0; return true;
  }
  return false;
}

/** getsockopt at IPPROTO_IPV6; undefined when `o` is not an IPv6 option. */
export function getIpv6Option(s: Ipv6OptionSocket, o: OptionSpec): OptionValue | undefined {
  if (o.level !== SOL_IPV6) return undefined;
  if (s.family !== AF_INET6) fail("EOPNOTSUPP", "getsockopt");
  const o6 = s.opts;
  switch (o.name) {
    case "IPV6_V6ONLY": return s.v6only ? 1 : 0;
    case "IPV6_UNICAST_HOPS": return s.hopLimit >= 0 ? s.hopLimit : s.defaultHopLimit();
    case "IPV6_TCLASS": return s.tclass;
    case "IPV6_MTU_DISCOVER": return o6.pmtudisc;
    case "IPV6_MTU": {
      const m = s.connectedMtu();
      if (m === null) fail("ENOTCONN", "getsockopt");
      return m;
    }
    case "IPV6_RECVERR": return o6.recverr ? 1 : 0;
    case "IPV6_RECVPKTINFO": return o6.rxopt & RX_PKTINFO ? 1 : 0;
    case "IPV6_RECVHOPLIMIT": return o6.rxopt & RX_HOPLIMIT ? 1 : 0;
    case "IPV6_RECVTCLASS": return o6.rxopt & RX_TCLASS ? 1 : 0;
    case "IPV6_FLOWINFO": return o6.rxopt & RX_FLOWINFO ? 1 : 0;
    case "IPV6_FLOWINFO_SEND": return o6.sndflow ? 1 : 0;
    // ip6_autoflowlabel: the socket's choice, else on for auto_flowlabels 1 (opt-out) and 3 (forced).
    case "IPV6_AUTOFLOWLABEL": return (o6.autoflowlabel ?? (s.autoFlowlabels === undefined || s.autoFlowlabels === 1 || s.autoFlowlabels === 3)) ? 1 : 0;
  }
  return undefined;
}

const CMSG_TYPES: Readonly<Record<string, number>> = { IPV6_PKTINFO, IPV6_HOPLIMIT, IPV6_TCLASS };

/**
 * sendmsg's IPPROTO_IPV6 control messages on an AF_INET6 datagram socket
 * (Linux ip6_datagram_send_ctl): IPV6_PKTINFO chooses the source (a local
 * address, else EINVAL) and the interface (ENODEV when there is none of
 * that index), IPV6_HOPLIMIT and IPV6_TCLASS one datagram's values
 * (−1–255, else EINVAL; −1 is the socket's value); another type at this
 * level is EINVAL; other levels are not this function's.
 */
export function ipv6SendControl(
  control: readonly SendControlMessage[], isLocal: (a: InetAddress) => boolean, hasIface: (index: number) => boolean, syscall: string,
): UdpSendControl {
  const out: UdpSendControl = {};
  for (const m of control) {
    const level = typeof m.level === "string" ? (m.level === "IPPROTO_IPV6" || m.level === "SOL_IPV6" ? SOL_IPV6 : -1) : m.level;
    if (level !== SOL_IPV6) continue;
    const type = typeof m.type === "string" ? CMSG_TYPES[m.type] : m.type;
    const d = m.data;
    switch (type) {
      case IPV6_PKTINFO: {
        if (typeof d !== "object" || d === null) throw new SysError("EINVAL", syscall, "control: IPV6_PKTINFO takes { ipi6_addr, ipi6_ifindex }");
        const idx = d.ipi6_ifindex ?? 0;
        if (!Number.isInteger(idx) || idx < 0) throw new SysError("EINVAL", syscall, `control: ipi6_ifindex must be an interface index, got ${String(idx)}`);
        if (idx && !hasIface(idx)) fail("ENODEV", syscall);
        if (idx) out.ifindex = idx;
        const a = parseInetAddress(NET_AF_INET6, d.ipi6_addr ?? "::");
        if (a === null) throw new SysError("EINVAL", syscall, `control: ipi6_addr is not an IPv6 address: ${String(d.ipi6_addr)}`);
        if (!isAnyAddress(a)) {
          if (!isLocal(a)) fail("EINVAL", syscall);
          out.src = a;
        }
        break;
      }
      case IPV6_HOPLIMIT: case IPV6_TCLASS: {
        if (typeof d !== "number" || !Number.isInteger(d) || d < -1 || d > 255) fail("EINVAL", syscall);
        // −1: the socket's own value (Linux udpv6_sendmsg: ipc6.hlimit / ipc6.tclass < 0).
        if (d === -1) break;
        if (type === IPV6_HOPLIMIT) out.hopLimit = d;
        else out.tclass = d;
        break;
      }
      default:
        throw new SysError("EINVAL", syscall, `control: unknown IPPROTO_IPV6 control message type ${String(m.type)}`);
    }
  }
  return out;
}
