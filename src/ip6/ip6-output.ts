/**
 * IPv6 output of one host (Linux ip6_output.c): the header with Linux's
 * automatic flow labels, the path MTU (route, router advertisement,
 * device, and what Packet Too Big taught — never below 1280, expiring
 * after `mtu_expires`), and source fragmentation (ip6_fragment) unless
 * the caller forbids it (EMSGSIZE). ND messages go out through here too.
 */
import type { StackContext } from "../core/stack-context.js";
import type { ErrnoCode } from "../core/errno.js";
import type { Micros } from "../core/time.js";
import { sipKeyFromRng, siphash24, type SipKey } from "../core/siphash.js";
import type { Device } from "../link/device.js";
import type { EthernetDevice } from "../link/ethernet.js";
import { ETH_P_IPV6, type MacAddress } from "../wire/ethernet.js";
import { IPV6, IPV6_MIN_MTU, NEXTHDR_FRAGMENT, NEXTHDR_HOP, NEXTHDR_ROUTING, ipv6ExtLength, writeIpv6FragmentHeader, writeIpv6Header } from "../wire/ipv6.js";
import { ipv6Key, isMulticast6, type Ipv6Address } from "../wire/ipv6-address.js";
import { Packet, finalizeChecksums } from "../wire/packet.js";
import type { NetInterface } from "../ip/interface.js";
import type { Route6Result } from "./route6.js";
import type { Ip6Layer } from "./ip6-layer.js";

/** Per-packet send options. */
export interface Ip6SendOptions {
  hopLimit?: number;
  trafficClass?: number;
  /** A flow label (20 bits); undefined for Linux's automatic one, 0 for none. */
  flowLabel?: number;
  /** The socket's IPV6_AUTOFLOWLABEL when it set one (undefined: the auto_flowlabels default). */
  autoLabel?: boolean;
  /** IPV6_DONTFRAG: fail with EMSGSIZE rather than fragment. */
  dontFrag?: boolean;
  /** Fragment at (or, with `dontFrag`, refuse above) this size rather than the path MTU (IPV6_PMTUDISC_PROBE/INTERFACE/OMIT, IPV6_MTU). */
  mtu?: number;
}

/** A learned path MTU. */
interface PmtuEntry {
  mtu: number;
  expires: Micros;
}


const FLOW_SCRATCH = new Uint8Array(37);

/** What an MLD report changes in {@link Ip6Output.sendNd}: its hop limit and first next header. */
export interface LinkLocalSend {
  hopLimit?: number;
  nextHeader?: number;
}

/** The sending half of the IPv6 layer. */
export class Ip6Output {
  readonly ctx: StackContext;
  readonly #pmtu = new Map<string, PmtuEntry>();
  #flowKey: SipKey | null = null;
  #nextFragId = -1;

  constructor(readonly ip6: Ip6Layer) {
    this.ctx = ip6.ctx;
  }

  /** The path MTU towards `dst` through `rt` (PMTU cache, route MTU, RA MTU, device MTU). */
  pathMtu(rt: Route6Result, dst: Ipv6Address): number {
    const e = this.#pmtu.get(ipv6Key(dst));
    const now = this.ctx.scheduler.now();
    let mtu = rt.route.mtu || this.ip6.addrconf.linkMtu(rt.iface) || rt.iface.device.mtu;
    if (e) {
      if (e.expires <= now) this.#pmtu.delete(ipv6Key(dst));
      else mtu = Math.min(mtu, e.mtu);
    }
    return mtu;
  }

  /**
   * A Packet Too Big about a packet to `dst` (rt6_update_pmtu): the path
   * MTU drops to `mtu`, never below 1280 (RFC 8200 §5: a smaller value
   * means "1280, and add fragment headers", which sockstack, as Linux
   * since 4.x, treats as 1280), for `mtu_expires`. Returns the new value.
   */
  updatePmtu(dst: Ipv6Address, mtu: number): number {
    const m = Math.max(IPV6_MIN_MTU, mtu);
    const rt = this.ip6.route(dst);
    const cur = rt ? this.pathMtu(rt, dst) : Infinity;
    // Linux rt6_update_pmtu: a locked route MTU (`mtu lock N`) is not lowered.
    if (m >= cur || rt?.route.metrics?.mtuLock) return cur;
    this.#pmtu.set(ipv6Key(dst), { mtu: m, expires: this.ctx.scheduler.now() + this.ctx.sysctl.ip6_rt_mtu_expires });
    return m;
  }

  /**
   * Whether a packet gets an automatic label (ip6_make_flowlabel):
   * auto_flowlabels 0 never, 3 always, 1 unless the socket turned
   * IPV6_AUTOFLOWLABEL off, 2 only when it turned it on.
   */
  wantsAutoLabel(socket: boolean | undefined): boolean {
    const mode = this.ctx.sysctl.ipv6_auto_flowlabels;
    if (mode === 0) return false;
    if (mode === 3) return true;
    return socket ?? mode === 1;
  }

  /**
   * Linux's automatic flow label (ip6_make_flowlabel with
   * auto_flowlabels 1): a keyed hash of the flow's addresses, next header
   * and first four upper-layer bytes (ports; ICMPv6 type and code), 20
   * bits, never 0 — the same label for every packet of a flow.
   */
  autoFlowLabel(src: Ipv6Address, dst: Ipv6Address, nextHeader: number, l4: Uint8Array, l4off: number): number {
    if (this.ctx.sysctl.ipv6_auto_flowlabels === 0) return 0;
    this.#flowKey ??= sipKeyFromRng(this.ip6.random());
    const b = FLOW_SCRATCH;
    b.set(src, 0);
    b.set(dst, 16);
    b[32] = nextHeader;
    for (let i = 0; i < 4; i++) b[33 + i] = l4off + i < l4.length ? l4[l4off + i]! : 0;
    const h = siphash24(this.#flowKey, b);
    return (h & 0xfffff) || 1;
  }

  // ── output ───────────────────────────────────────────────────────────

  /**
   * Sends a packet. `head` starts with 40 bytes reserved for the IPv6
   * header, then the upper-layer header (its checksum left 0 — filled
   * when bytes leave an offloading link); `payload` follows (a view, not
   * copied). Returns null, or the errno of a local failure (`EMSGSIZE`:
   * too big with `dontFrag`, or beyond 65535 bytes of payload).
   */
  output(rt: Route6Result, src: Ipv6Address, dst: Ipv6Address, nextHeader: number, head: Uint8Array, payload: Uint8Array, opts: Ip6SendOptions = {}): ErrnoCode | null {
    const c = this.ctx.counters;
    c.inc(c.Ip6, "OutRequests");
    const plen = head.length + payload.length - IPV6.HEADER;
    if (plen > 65535) {
      c.inc(c.Ip6, "OutDiscards");
      return "EMSGSIZE";
    }
    const hop = opts.hopLimit ?? (isMulticast6(dst) ? 1 : this.ip6.hopLimit(rt.iface));
    const flow = opts.flowLabel ?? (this.wantsAutoLabel(opts.autoLabel) ? this.autoFlowLabel(src, dst, nextHeader, head, IPV6.HEADER) : 0);
    writeIpv6Header(head, 0, src, dst, nextHeader, plen, hop, opts.trafficClass ?? 0, flow);
    const packet = new Packet(head, payload, true);
    const total = packet.length;
    if (isMulticast6(dst)) c.inc(c.Ip6, "OutMcastPkts");
    const mtu = opts.mtu ?? this.pathMtu(rt, dst);
    if (total > mtu) {
      if (opts.dontFrag) {
        c.inc(c.Ip6, "FragFails");
        return "EMSGSIZE";
      }
      this.#fragmentAndSend(packet, rt, mtu);
      return null;
    }
    c.inc(c.Ip6, "OutOctets", total);
    // Dropped by the device's qdisc (Linux NET_XMIT_DROP → net_xmit_errno: ENOBUFS to the sender).
    if (this.transmit(rt.iface.device, packet, rt.nextHop) === false) return "ENOBUFS";
    return null;
  }

  /** Hands a finished packet to the device; false when its qdisc dropped it. */
  transmit(dev: Device, p: Packet, nextHop: Ipv6Address): boolean {
    if (this.ip6.halted) return true;
    if (!dev.checksumOffload) finalizeChecksums(p);
    this.ctx.counters.inc(this.ctx.counters.Ip6, "OutTransmits");
    return dev.transmit(p, nextHop) !== false;
  }

  /**
   * Sends an ND message built in `b` (40 bytes reserved, ICMPv6 ready)
   * from `src` to `dst` on `dev`, straight to `mac` (or to `dst`'s
   * multicast MAC when `mac` < 0, or through the table): hop limit 255,
   * no flow label (Linux's ndisc_send_skb). MLD reports use it too, with
   * hop limit 1 and their hop-by-hop header (`o`).
   */
  sendNd(iface: NetInterface, dev: EthernetDevice, b: Uint8Array, src: Ipv6Address, dst: Ipv6Address, mac: MacAddress, o: LinkLocalSend = {}): void {
    if (this.ip6.halted) return;
    writeIpv6Header(b, 0, src, dst, o.nextHeader ?? 58, b.length - IPV6.HEADER, o.hopLimit ?? 255, 0, 0);
    const c = this.ctx.counters;
    c.inc(c.Ip6, "OutRequests");
    if (isMulticast6(dst)) c.inc(c.Ip6, "OutMcastPkts");
    c.inc(c.Ip6, "OutOctets", b.length);
    c.inc(c.Ip6, "OutTransmits");
    const p = new Packet(b);
    if (mac >= 0) dev.sendFrame(mac, ETH_P_IPV6, p);
    else this.ip6.ndisc.output(iface, dev, p, dst);
  }

  /** Source fragmentation (ip6_fragment): a fragment header after the unfragmentable part, 8-byte multiples. */
  #fragmentAndSend(packet: Packet, rt: Route6Result, mtu: number): void {
    const c = this.ctx.counters;
    finalizeChecksums(packet);
    const flat = packet.bytes();
    // The unfragmentable part: the fixed header and any hop-by-hop / routing headers (RFC 8200 §4.5).
    let nhOff = 6;
    let off: number = IPV6.HEADER;
    let nh = flat[6]!;
    while (nh === NEXTHDR_HOP || nh === NEXTHDR_ROUTING) {
      const l = ipv6ExtLength(flat, off, flat.length, nh);
      if (l < 0) break;
      nhOff = off;
      nh = flat[off]!;
      off += l;
    }
    const unfrag = off;
    const dataLen = flat.length - unfrag;
    const per = (mtu - unfrag - 8) & ~7;
    if (per <= 0) {
      c.inc(c.Ip6, "FragFails");
      return;
    }
    if (this.#nextFragId < 0) this.#nextFragId = this.ip6.random().u32();
    const id = this.#nextFragId;
    this.#nextFragId = (id + 1) >>> 0;
    c.inc(c.Ip6, "FragOKs");
    for (let o = 0; o < dataLen; o += per) {
      const n = Math.min(per, dataLen - o);
      const frag = new Uint8Array(unfrag + 8 + n);
      frag.set(flat.subarray(0, unfrag), 0);
      frag[nhOff] = NEXTHDR_FRAGMENT;
      writeIpv6FragmentHeader(frag, unfrag, nh, o, o + n < dataLen, id);
      frag.set(flat.subarray(unfrag + o, unfrag + o + n), unfrag + 8);
      const plen = frag.length - IPV6.HEADER;
      frag[4] = plen >>> 8;
      frag[5] = plen & 255;
      c.inc(c.Ip6, "FragCreates");
      c.inc(c.Ip6, "OutOctets", frag.length);
      this.transmit(rt.iface.device, new Packet(frag), rt.nextHop);
    }
  }
}
