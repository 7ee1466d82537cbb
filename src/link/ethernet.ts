/**
 * An Ethernet network card as the stack sees it: a {@link Device} with a
 * MAC address, MTU 1500, an optional access VLAN, and frames in and out.
 *
 * IP sends through `transmit(packet, nextHop)` as on any device; the card
 * hands the datagram to its `resolve` hook (installed by IP's ARP, which
 * finds the next hop's MAC or queues the packet while it asks), and ARP
 * calls {@link EthernetDevice.sendFrame} with the destination MAC. Frames
 * go to the card's `wire` (a simulated cable or switch port, or an
 * external sink attached by an embedder) and come back through
 * {@link EthernetDevice.receiveFrame}, which filters by destination MAC
 * (own, broadcast, multicast; everything while `promiscuous`), by VLAN,
 * and dispatches by EtherType: IPv4 to `onReceive`, IPv6 to
 * `onReceive6`, ARP to `onArp`.
 * IEEE 802.3 length frames and unknown EtherTypes are counted
 * (`rx_nohandler`, as Linux counts frames no protocol takes) and dropped.
 *
 * On the wire a frame is its header record plus the payload as a
 * {@link Packet} (the IPv4 datagram, never serialised in memory; an ARP
 * packet's 28 bytes in `head`). Bytes are built only where frames leave
 * the process: captures ({@link frameBytes}), embedders' sinks.
 *
 * Taps: `taps` see the IPv4 datagrams (like on every device, for IP-level
 * tools); `frameTaps` see every frame with its link header (tcpdump -e,
 * pcap LINKTYPE_ETHERNET, ARP).
 */
import type { Micros } from "../core/time.js";
import type { Scheduler } from "../core/scheduler.js";
import type { Ipv4Address } from "../wire/ipv4-address.js";
import type { Ipv6Address } from "../wire/ipv6-address.js";
import { ETH_P_IP, ETH_P_ARP, ETH_P_IPV6, ETHER, MAC_BROADCAST, isMulticastMac, writeEthernetHeader, type MacAddress } from "../wire/ethernet.js";
import { finalizeChecksums, type Packet } from "../wire/packet.js";
import { type Device, type Tap, type TapDirection, runTaps } from "./device.js";

/** Linux's Ethernet MTU (ETH_DATA_LEN). */
export const ETHERNET_MTU = 1500;

/** The link header of a frame in flight (the payload travels beside it as a Packet). */
export interface FrameHeader {
  dst: MacAddress;
  src: MacAddress;
  /** EtherType of the payload; 0 for an IEEE 802.3 length frame. */
  etherType: number;
  /** 802.1Q tag control information, or -1 when untagged. */
  vlanTci: number;
  /** The 802.3 length field of a length frame, else -1. */
  length: number;
}

/** An observer of frames (with their link header). */
export type FrameTap = (hdr: FrameHeader, payload: Packet, direction: TapDirection, now: Micros, where: FrameEndpoint) => void;

/** Why a frame was not taken (the simulated wire counts it). */
export type FrameDrop = "down" | "noDestination" | "partition";

/** Something frames are delivered to: a card, a switch port, an embedder's port. */
export interface FrameEndpoint {
  /** A name for views (`eth0`, `sw0 port 3`). */
  readonly name: string;
  /** Takes a frame; returns null, or why it was not taken. */
  receiveFrame(hdr: FrameHeader, payload: Packet): FrameDrop | null;
  /** Observers of frames in and out. */
  readonly frameTaps: FrameTap[];
}

/** Where a card's frames go: one end of a cable, a switch port, an embedder's sink. */
export interface FrameWire {
  /** Carries a frame sent by `from`. */
  sendFrame(from: FrameEndpoint, hdr: FrameHeader, payload: Packet): void;
  /** False while the wire may deliver corrupted frames (receivers must verify checksums). */
  readonly checksumOffload: boolean;
}

/** Interface counters with the names of Linux's `ip -s link` / rtnl_link_stats64. */
export interface EtherStats {
  rx_packets: number;
  rx_bytes: number;
  tx_packets: number;
  tx_bytes: number;
  /** Frames dropped by the card: sent while down or without a wire, received while down. */
  rx_dropped: number;
  tx_dropped: number;
  /** Multicast and broadcast frames received. */
  multicast: number;
  /** Frames no protocol took: 802.3 length frames, unknown EtherTypes, other VLANs. */
  rx_nohandler: number;
}

/** A fresh frame header record. */
export function newFrameHeader(dst: MacAddress, src: MacAddress, etherType: number, vlanTci = -1): FrameHeader {
  return { dst, src, etherType, vlanTci, length: -1 };
}

/**
 * The bytes of a frame as they would be on the wire (without FCS): the
 * header and the payload with its checksums final. Frames shorter than 60
 * bytes are not padded (as a Linux capture shows them on veth).
 */
export function frameBytes(hdr: FrameHeader, payload: Packet): Uint8Array {
  const hl = hdr.vlanTci >= 0 ? ETHER.VLAN_HEADER : ETHER.HEADER;
  const body = payload.bytes();
  const out = new Uint8Array(hl + body.length);
  writeEthernetHeader(out, 0, hdr.dst, hdr.src, hdr.length >= 0 ? hdr.length : hdr.etherType, hdr.vlanTci);
  out.set(body, hl);
  return out;
}

/** The length of a frame on the wire (header + payload, no FCS). */
export function frameLength(hdr: FrameHeader, payload: Packet): number {
  return (hdr.vlanTci >= 0 ? ETHER.VLAN_HEADER : ETHER.HEADER) + payload.length;
}

/** Options of an {@link EthernetDevice}. */
export interface EthernetDeviceOptions {
  /** Interface name (`eth0`). */
  name: string;
  /** The card's MAC address. */
  mac: MacAddress;
  scheduler: Scheduler;
  /** MTU (default 1500). */
  mtu?: number;
  /** Access VLAN: frames are sent tagged with this VID and only frames tagged with it are taken (default untagged). */
  vlan?: number;
}

/** An Ethernet card. */
export class EthernetDevice implements Device, FrameEndpoint {
  /** Link kind, for tools (`link/ether`). */
  readonly kind = "ether";
  readonly name: string;
  /** The card's MAC address (change with `setMac`, which tells ARP). */
  mac: MacAddress;
  mtu: number;
  /** Access VLAN ID, or -1 (untagged). */
  vlan: number;
  /** Take every frame, whatever its destination MAC (`ip link set eth0 promisc on`). */
  promiscuous = false;
  #up = true;
  readonly taps: Tap[] = [];
  readonly frameTaps: FrameTap[] = [];
  /** Where frames go; null until the card is plugged in. */
  wire: FrameWire | null = null;
  /** Received IPv4 datagrams (installed by IP). */
  onReceive: Device["onReceive"] = () => {};
  /** Received IPv6 packets (installed by IP; without it they are `rx_nohandler`). */
  onReceive6: Device["onReceive"] | null = null;
  /** Received ARP packets (installed by IP's ARP). */
  onArp: (packet: Packet, hdr: FrameHeader, dev: EthernetDevice) => void = () => {};
  /**
   * Resolves a datagram's next hop to a MAC and sends it (installed by
   * IP's ARP). Without one, transmit drops (`tx_dropped`).
   */
  resolve: ((packet: Packet, nextHop: Ipv4Address, dev: EthernetDevice) => void) | null = null;
  /** The same for IPv6 next hops (installed by IPv6's Neighbor Discovery). */
  resolve6: ((packet: Packet, nextHop: Ipv6Address, dev: EthernetDevice) => void) | null = null;
  /** Told when the card goes up or down (ARP flushes, announces). */
  onLinkChange: ((dev: EthernetDevice) => void) | null = null;
  /** Counters (`ip -s link`). */
  readonly stats: EtherStats = { rx_packets: 0, rx_bytes: 0, tx_packets: 0, tx_bytes: 0, rx_dropped: 0, tx_dropped: 0, multicast: 0, rx_nohandler: 0 };
  readonly #scheduler: Scheduler;

  constructor(opts: EthernetDeviceOptions) {
    this.name = opts.name;
    this.mac = opts.mac;
    this.mtu = opts.mtu ?? ETHERNET_MTU;
    this.vlan = opts.vlan ?? -1;
    this.#scheduler = opts.scheduler;
  }

  /** Administrative state (`ip link set eth0 up/down`). */
  get up(): boolean {
    return this.#up;
  }

  set up(v: boolean) {
    if (v === this.#up) return;
    this.#up = v;
    this.onLinkChange?.(this);
  }

  /** Offload while the wire cannot corrupt (see sim/link.ts). */
  get checksumOffload(): boolean {
    return this.wire?.checksumOffload ?? true;
  }

  /** IP's send: resolve the next hop's MAC (ARP for IPv4, ND for IPv6), then {@link sendFrame}. */
  transmit(packet: Packet, nextHop: Ipv4Address | Ipv6Address): void {
    if (typeof nextHop !== "number") {
      if (!this.#up || !this.resolve6) this.stats.tx_dropped++;
      else this.resolve6(packet, nextHop, this);
      return;
    }
    if (!this.#up || !this.resolve) {
      this.stats.tx_dropped++;
      return;
    }
    this.resolve(packet, nextHop, this);
  }

  /** Sends `payload` to `dst` as EtherType `etherType` (tagged with the access VLAN, if any). */
  sendFrame(dst: MacAddress, etherType: number, payload: Packet): void {
    this.sendHeader(newFrameHeader(dst, this.mac, etherType, this.vlan >= 0 ? this.vlan : -1), payload);
  }

  /** Sends a frame with a ready header (embedders, bridges). */
  sendHeader(hdr: FrameHeader, payload: Packet): void {
    if (!this.#up || !this.wire) {
      this.stats.tx_dropped++;
      return;
    }
    const now = this.#scheduler.now();
    if ((hdr.etherType === ETH_P_IP || hdr.etherType === ETH_P_IPV6) && this.taps.length) runTaps(this, payload, "out", now);
    const ft = this.frameTaps;
    for (let i = 0; i < ft.length; i++) ft[i]!(hdr, payload, "out", now, this);
    this.stats.tx_packets++;
    this.stats.tx_bytes += frameLength(hdr, payload);
    this.wire.sendFrame(this, hdr, payload);
  }

  /** A frame from the wire. */
  receiveFrame(hdr: FrameHeader, payload: Packet): FrameDrop | null {
    const s = this.stats;
    if (!this.#up) {
      s.rx_dropped++;
      return "down";
    }
    const group = isMulticastMac(hdr.dst);
    // Not for us (a switch flooding an unknown unicast): the NIC filters it (PACKET_OTHERHOST never reaches IP).
    if (!group && hdr.dst !== this.mac && !this.promiscuous) return null;
    s.rx_packets++;
    s.rx_bytes += frameLength(hdr, payload);
    if (group) s.multicast++;
    const now = this.#scheduler.now();
    const ft = this.frameTaps;
    for (let i = 0; i < ft.length; i++) ft[i]!(hdr, payload, "in", now, this);
    const vid = hdr.vlanTci >= 0 ? hdr.vlanTci & 0xfff : -1;
    if (vid !== this.vlan || hdr.length >= 0) {
      s.rx_nohandler++;
      return null;
    }
    if (!group && hdr.dst !== this.mac) return null; // promiscuous: seen by taps, not for IP
    if (hdr.etherType === ETH_P_IP || (hdr.etherType === ETH_P_IPV6 && this.onReceive6)) {
      if (payload.csumPartial && !this.checksumOffload) finalizeChecksums(payload);
      if (this.taps.length) runTaps(this, payload, "in", now);
      if (hdr.etherType === ETH_P_IP) this.onReceive(payload, this);
      else this.onReceive6!(payload, this);
    } else if (hdr.etherType === ETH_P_ARP) {
      this.onArp(payload, hdr, this);
    } else {
      s.rx_nohandler++;
    }
    return null;
  }
}

/** True when `d` is an Ethernet card. */
export function isEthernet(d: Device): d is EthernetDevice {
  return (d as Partial<EthernetDevice>).kind === "ether";
}

/** The broadcast MAC, re-exported for ARP. */
export { MAC_BROADCAST };
