/**
 * The IPv4 layer of one host: interfaces, routing, output with
 * fragmentation, input with validation, reassembly and demultiplexing to
 * the transport protocols, and forwarding when the host is a router
 * (`ip_forward`). ICMP errors it must send (time exceeded, fragmentation
 * needed, protocol unreachable) go through {@link IpLayer.icmpErrorSender},
 * installed by the icmp module (ip/ never imports the layers above it).
 *
 * Receive path (DESIGN.md): device → {@link IpLayer.input} validates →
 * local? reassemble → protocol handler; else forward or drop.
 */
import type { StackContext } from "../core/stack-context.js";
import type { ErrnoCode } from "../core/errno.js";
import type { Device } from "../link/device.js";
import { LoopbackDevice } from "../link/loopback.js";
import { isEthernet } from "../link/ethernet.js";
import { IPV4, IPPROTO_TCP, newIpv4Header, parseIpv4, parseIpv4Into, writeIpv4Header, type Ipv4Header, IP_DF, IP_MF } from "../wire/ipv4.js";
import { INADDR_BROADCAST, INADDR_LOOPBACK, isLoopback, isMulticast, type Ipv4Address } from "../wire/ipv4-address.js";
import { EMPTY, Packet, finalizeChecksums } from "../wire/packet.js";
import { updateChecksum16 } from "../wire/checksum.js";
import { WireError } from "../wire/wire-error.js";
import { NetInterface } from "./interface.js";
import { RouteTable, type RouteResult } from "./route-table.js";
import { Reassembler } from "./reassembly.js";
import { trimPacket, type IpProtocolHandler } from "./protocol.js";
import { Arp } from "./arp.js";

/** The counters of received datagrams by ECN field (Linux IPSTATS_MIB_NOECTPKTS + ecn: IpExtInNoECTPkts…, Ip6InNoECTPkts…). */
export const IN_ECN_COUNTERS: readonly string[] = ["InNoECTPkts", "InECT1Pkts", "InECT0Pkts", "InCEPkts"];

/** Per-datagram send options. */
export interface IpSendOptions {
  ttl?: number;
  tos?: number;
  /** Set Don't Fragment. Local datagrams larger than the MTU then fail with EMSGSIZE. */
  df?: boolean;
}

/** Sends an ICMP error about `offending` (installed by icmp/). */
export type IcmpErrorSender = (type: number, code: number, info: number, offending: Packet, offendingHdr: Ipv4Header) => void;

/** The IPv4 layer. */
export class IpLayer {
  readonly interfaces: NetInterface[] = [];
  readonly routes = new RouteTable();
  readonly loopback: NetInterface;
  /** Installed by the icmp module. */
  icmpErrorSender: IcmpErrorSender | null = null;
  /** ARP and the neighbour table of the host's Ethernet interfaces. */
  readonly arp: Arp;
  /** Where IPv6 packets (version 6) received on any interface go (installed by ip6/). */
  ipv6Input: ((packet: Packet, iface: NetInterface) => void) | null = null;
  /** Told about each interface added after it was installed (ip6/ attaches its per-interface state). */
  onInterfaceAdded: ((iface: NetInterface) => void) | null = null;
  #handlers: (IpProtocolHandler | undefined)[] = [];
  #reassembler: Reassembler;
  #nextId: number;
  #local = new Set<Ipv4Address>();
  /** The parsed header of the datagram being delivered to TCP (reused per packet). */
  readonly #hdrScratch: Ipv4Header = newIpv4Header();
  #hdrBusy = false;

  constructor(readonly ctx: StackContext) {
    this.#nextId = ctx.rng.below(65536);
    this.#reassembler = new Reassembler(ctx, (reason, firstHeader, firstData) => {
      // RFC 792: time exceeded (reassembly) only when the first fragment arrived.
      if (reason !== "timeout" || !firstHeader || !firstData || !this.icmpErrorSender) return;
      const hdr = parseIpv4(firstHeader, firstHeader.length + firstData.length, false);
      if (hdr instanceof WireError) return;
      this.icmpErrorSender(11, 1, 0, new Packet(firstHeader, firstData), hdr);
    });
    this.arp = new Arp({
      ctx,
      interfaces: this.interfaces,
      isLocalAddress: (a) => this.isLocalAddress(a),
      lookupRoute: (d) => this.routes.lookup(d),
      // arp_error_report: ICMP host unreachable to the sender of each packet that could not be resolved.
      hostUnreachable: (p, h) => this.icmpErrorSender?.(3, 1, 0, p, h),
    });
    this.loopback = this.addInterface(new LoopbackDevice(ctx.scheduler));
    this.addAddress(this.loopback, INADDR_LOOPBACK, 8);
  }

  /** Stops the reassembly timer (host power-off). */
  shutdownTimers(): void {
    this.#reassembler.stop();
    this.arp.stop();
  }

  #halted = false;

  /**
   * The kernel is gone (its host crashed or was rebooted: Network.reboot
   * hands its devices to the new incarnation): timers stop and nothing
   * more leaves — a program of the old incarnation that still writes, or a
   * TCP timer it arms, sends no packet on the new one's links.
   */
  halt(): void {
    this.#halted = true;
    this.shutdownTimers();
  }

  /** The reassembly engine (for tests and tools). */
  get reassembler(): Reassembler {
    return this.#reassembler;
  }

  /** Attaches a device as a new interface (ifindex = position + 1). */
  addInterface(device: Device): NetInterface {
    const iface = new NetInterface(this.interfaces.length + 1, device);
    this.interfaces.push(iface);
    if (isEthernet(device)) {
      // The EtherType tells the families apart: an IPv4 frame goes to IPv4 whatever its version nibble says.
      device.onReceive = (p) => this.input(p, iface, true);
      device.onReceive6 = (p) => this.#input6(p, iface);
      this.arp.attach(iface, device);
    } else device.onReceive = (p) => this.input(p, iface);
    this.onInterfaceAdded?.(iface);
    return iface;
  }

  /** The interface with this name, or undefined. */
  interfaceByName(name: string): NetInterface | undefined {
    return this.interfaces.find((i) => i.name === name);
  }

  /** Assigns `addr/prefixLen` to `iface` and adds the connected route. */
  addAddress(iface: NetInterface, addr: Ipv4Address, prefixLen: number): void {
    iface.addresses.push({ addr, prefixLen });
    this.#local.add(addr);
    this.routes.add({ dest: addr, prefixLen, gateway: 0, iface, src: addr, proto: "kernel" });
    this.arp.addressAdded(iface, addr);
  }

  /**
   * Removes `addr` from `iface` with its connected route (`ip addr del`);
   * false when the interface does not have it.
   */
  removeAddress(iface: NetInterface, addr: Ipv4Address): boolean {
    const i = iface.addresses.findIndex((x) => x.addr === addr);
    if (i < 0) return false;
    iface.addresses.splice(i, 1);
    if (!this.interfaces.some((x) => x.hasAddress(addr))) this.#local.delete(addr);
    this.routes.remove((r) => r.iface === iface && r.proto === "kernel" && r.src === addr);
    return true;
  }

  /** Registers the handler of an IP protocol number. */
  register(protocol: number, handler: IpProtocolHandler): void {
    this.#handlers[protocol] = handler;
  }

  /** True when `a` is an address of this host (any interface, or 127/8 — Linux's weak host model). */
  isLocalAddress(a: Ipv4Address): boolean {
    return this.#local.has(a) || isLoopback(a);
  }

  /**
   * Chooses how to reach `dst`: local addresses go through `lo` (Linux's
   * `local` table), others by longest-prefix match. Returns null when there
   * is no route (ENETUNREACH).
   */
  route(dst: Ipv4Address): RouteResult | null {
    if (this.isLocalAddress(dst)) {
      const route = this.routes.routes.find((r) => r.iface === this.loopback)!;
      return { route, iface: this.loopback, nextHop: dst, src: isLoopback(dst) ? INADDR_LOOPBACK : dst, metrics: route.metrics };
    }
    return this.routes.lookup(dst);
  }

  /** Allocates an IP identification value. */
  nextId(): number {
    const id = this.#nextId;
    this.#nextId = (id + 1) & 0xffff;
    return id;
  }

  /**
   * Sends a datagram. `head` must start with {@link IPV4.MIN_HEADER} bytes
   * reserved for the IP header, followed by the transport header (its
   * checksum field left 0); `payload` is the transport data (a view, not
   * copied). Returns null on success or the errno of a local failure
   * (`EMSGSIZE` for an oversized DF datagram, `ENETUNREACH`).
   */
  output(rt: RouteResult, src: Ipv4Address, dst: Ipv4Address, protocol: number, head: Uint8Array, payload: Uint8Array, opts?: IpSendOptions): ErrnoCode | null {
    return this.outputWith(
      rt, src, dst, protocol, head, payload,
      opts?.ttl ?? this.ctx.sysctl.ip_default_ttl, opts?.tos ?? 0, opts?.df ?? false,
    );
  }

  /**
   * {@link output} with the options as plain arguments (`ttl` already
   * resolved): the per-segment path of TCP, which allocates no options
   * object.
   */
  outputWith(
    rt: RouteResult, src: Ipv4Address, dst: Ipv4Address, protocol: number, head: Uint8Array, payload: Uint8Array,
    ttl: number, tos: number, df: boolean,
  ): ErrnoCode | null {
    const ip = this.ctx.counters.Ip;
    ip.OutRequests = (ip.OutRequests ?? 0) + 1; // a named store: see input()
    const dev = rt.iface.device;
    const total = head.length + payload.length;
    if (total > 65535) return "EMSGSIZE";
    writeIpv4Header(head, 0, src, dst, protocol, total - IPV4.MIN_HEADER, ttl, tos, this.nextId(), df ? IP_DF : 0);
    const packet = new Packet(head, payload, true);
    // Linux ip_finish_output: the route's MTU (an `mtu` metric below the device's) is what fragments.
    if (total > dev.mtu || (rt.metrics.mtu !== undefined && total > rt.metrics.mtu)) {
      if (df) return "EMSGSIZE";
      this.#fragmentAndSend(packet, rt);
      return null;
    }
    if (this.#halted) return null;
    if (!dev.checksumOffload) finalizeChecksums(packet);
    // Dropped by the device's qdisc (Linux NET_XMIT_DROP → net_xmit_errno: ENOBUFS to the sender).
    if (dev.transmit(packet, rt.nextHop) === false) return "ENOBUFS";
    return null;
  }

  /** An IPv6 packet (an Ethernet frame of EtherType IPv6), for ip6/ — dropped (rx_nohandler's IP twin) without it. */
  #input6(packet: Packet, iface: NetInterface): void {
    if (this.ipv6Input) this.ipv6Input(packet, iface);
    else this.ctx.counters.inc(this.ctx.counters.Sockstack, "Ip6NoHandler");
  }

  /**
   * Processes a datagram received on `iface`. Never throws on bad input.
   * On links without framing (loopback, point-to-point, TUN) the version
   * nibble picks the family, as Linux's tun does: version 6 goes to ip6/;
   * `ipv4Only` (an Ethernet frame of EtherType IPv4) keeps it here.
   */
  input(packet: Packet, iface: NetInterface, ipv4Only = false): void {
    const c = this.ctx.counters;
    if (!ipv4Only && packet.head.length > 0 && packet.head[0]! >> 4 === 6 && this.ipv6Input) {
      this.ipv6Input(packet, iface);
      return;
    }
    // Per-packet counters are named stores (one inline cache per site): c.inc's store keyed by a
    // string is megamorphic and costs ~15× more (BENCHMARKS.md, "Round two, session 6").
    const ipc = c.Ip;
    ipc.InReceives = (ipc.InReceives ?? 0) + 1;
    // Linux ip_rcv_core: every datagram with a plausible header is counted by its ECN field (RFC 3168 §5).
    const h0 = packet.head;
    if (h0.length >= 20 && h0[0]! >> 4 === 4 && (h0[0]! & 15) >= 5) {
      const ecn = h0[1]! & 3;
      if (ecn === 0) c.IpExt.InNoECTPkts = (c.IpExt.InNoECTPkts ?? 0) + 1;
      else c.inc(c.IpExt, IN_ECN_COUNTERS[ecn]!);
    }
    // TCP keeps nothing of the header: it gets a per-layer scratch record;
    // every other path (reassembly, forwarding, UDP, ICMP, errors) a copy.
    const scratch = this.#hdrBusy ? newIpv4Header() : this.#hdrScratch;
    const err = parseIpv4Into(packet.head, packet.length, !packet.csumPartial, scratch);
    if (err) {
      if (err.reason === "truncated") c.inc(c.Ip, "InTruncatedPkts");
      else if (err.reason === "bad-checksum") c.inc(c.Ip, "InCsumErrors");
      c.inc(c.Ip, "InHdrErrors");
      return;
    }
    if (scratch.protocol === IPPROTO_TCP && !scratch.mf && scratch.fragOffset === 0) {
      const dst = scratch.dst;
      if (this.isLocalAddress(dst) || dst === INADDR_BROADCAST || iface.isBroadcast(dst)) {
        if (scratch.totalLength < packet.length) trimPacket(packet, scratch.totalLength);
        const handler = this.#handlers[IPPROTO_TCP];
        if (handler) {
          ipc.InDelivers = (ipc.InDelivers ?? 0) + 1;
          const outer = this.#hdrBusy;
          this.#hdrBusy = true;
          handler.input(packet, scratch, iface);
          this.#hdrBusy = outer;
          return;
        }
      }
    }
    const hdr: Ipv4Header = { ...scratch };
    if (hdr.totalLength < packet.length) trimPacket(packet, hdr.totalLength);
    const dst = hdr.dst;
    const local = this.isLocalAddress(dst) || dst === INADDR_BROADCAST || iface.isBroadcast(dst);
    if (!local) {
      if (isMulticast(dst)) {
        c.inc(c.Ip, "InDiscards");
        return;
      }
      this.#forward(packet, hdr);
      return;
    }
    let p = packet;
    let h: Ipv4Header = hdr;
    if (hdr.mf || hdr.fragOffset !== 0) {
      const whole = this.#reassembler.add(packet, hdr);
      if (!whole) return;
      const h2 = parseIpv4(whole.head, whole.length, false);
      if (h2 instanceof WireError) {
        c.inc(c.Ip, "InHdrErrors");
        return;
      }
      p = whole;
      h = h2;
      // Transport checksums of a reassembled datagram must be verified: keep csumPartial only for the IP header.
      p.csumPartial = packet.csumPartial;
    }
    const handler = this.#handlers[h.protocol];
    if (!handler) {
      c.inc(c.Ip, "InUnknownProtos");
      this.icmpErrorSender?.(3, 2, 0, p, h);
      return;
    }
    c.inc(c.Ip, "InDelivers");
    handler.input(p, h, iface);
  }

  /** Delivers an ICMP error to the protocol of the quoted datagram. */
  deliverIcmpError(type: number, code: number, mtu: number, from: Ipv4Address, quoted: Uint8Array): void {
    const c = this.ctx.counters;
    const hdr = parseIpv4(quoted, quoted.length, false);
    // Linux icmp_unreach / icmp_socket_deliver: a quote that is not an IP header plus 8 bytes is an ICMP InErrors.
    if (hdr instanceof WireError && hdr.reason !== "truncated") {
      c.inc(c.Icmp, "InErrors");
      return;
    }
    // Linux accepts a quote truncated to the header + 8 bytes: parse with what is there.
    const h = hdr instanceof WireError ? parseIpv4(quoted, 65535, false) : hdr;
    if (h instanceof WireError || quoted.length < h.headerLength + 8) {
      c.inc(c.Icmp, "InErrors");
      return;
    }
    const handler = this.#handlers[h.protocol];
    if (!handler?.icmpError) {
      c.inc(c.Sockstack, "IcmpInDiscards"); // Linux: no err_handler for the protocol, no counter
      return;
    }
    handler.icmpError({ type, code, mtu, from, quoted: h, quotedL4: quoted.subarray(h.headerLength) });
  }

  #forward(packet: Packet, hdr: Ipv4Header): void {
    const c = this.ctx.counters;
    if (!this.ctx.sysctl.ip_forward) {
      c.inc(c.Ip, "InAddrErrors");
      return;
    }
    if (hdr.ttl <= 1) {
      c.inc(c.Ip, "InHdrErrors");
      this.icmpErrorSender?.(11, 0, 0, packet, hdr);
      return;
    }
    const rt = this.routes.lookup(hdr.dst);
    if (!rt) {
      c.inc(c.Ip, "OutNoRoutes");
      this.icmpErrorSender?.(3, 0, 0, packet, hdr);
      return;
    }
    // Copy the header part (other holders of this packet — a duplicating link — must not see our TTL change).
    const out = packet.clone();
    const h = out.head;
    const oldWord = (h[8]! << 8) | h[9]!;
    h[8] = hdr.ttl - 1;
    if (!out.csumPartial) {
      const cs = updateChecksum16((h[10]! << 8) | h[11]!, oldWord, (h[8]! << 8) | h[9]!);
      h[10] = cs >>> 8;
      h[11] = cs & 255;
    }
    c.inc(c.Ip, "ForwDatagrams");
    const dev = rt.iface.device;
    if (out.length > dev.mtu) {
      if (hdr.df) {
        c.inc(c.Ip, "FragFails");
        this.icmpErrorSender?.(3, 4, dev.mtu, packet, hdr);
        return;
      }
      this.#fragmentAndSend(out, rt);
      return;
    }
    if (this.#halted) return;
    if (!dev.checksumOffload) finalizeChecksums(out);
    dev.transmit(out, rt.nextHop);
  }

  /** RFC 791 fragmentation: cuts a datagram into MTU-sized pieces (copies, a rare path). */
  #fragmentAndSend(packet: Packet, rt: RouteResult): void {
    const c = this.ctx.counters;
    finalizeChecksums(packet); // the transport checksum covers the whole datagram
    const dev = rt.iface.device;
    const flat = packet.bytes();
    const hl = (flat[0]! & 0x0f) * 4;
    const ff = (flat[6]! << 8) | flat[7]!;
    const baseOffset = (ff & 0x1fff) * 8;
    const lastHasMf = (ff & IP_MF) !== 0;
    const dataLen = flat.length - hl;
    const per = (Math.min(dev.mtu, rt.metrics.mtu || Infinity) - hl) & ~7;
    if (per <= 0) {
      c.inc(c.Ip, "FragFails");
      return;
    }
    c.inc(c.Ip, "FragOKs");
    for (let off = 0; off < dataLen; off += per) {
      const n = Math.min(per, dataLen - off);
      const frag = new Uint8Array(hl + n);
      frag.set(flat.subarray(0, hl), 0); // Linux copies options only into the first fragment when not "copied"; we emit none.
      frag.set(flat.subarray(hl + off, hl + off + n), hl);
      const total = hl + n;
      frag[2] = total >>> 8;
      frag[3] = total & 255;
      const more = off + n < dataLen || lastHasMf;
      const word = (ff & IP_DF) | (more ? IP_MF : 0) | (((baseOffset + off) >>> 3) & 0x1fff);
      frag[6] = word >>> 8;
      frag[7] = word & 255;
      const fp = new Packet(frag, EMPTY, true);
      finalizeChecksums(fp);
      c.inc(c.Ip, "FragCreates");
      if (!this.#halted) dev.transmit(fp, rt.nextHop);
    }
  }
}
