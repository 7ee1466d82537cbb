/**
 * The link layer seen from IP: a Device sends packets and delivers received
 * ones to the handler IP installs. Devices: loopback (`lo`), the simulated
 * network's link endpoints (sim/), the TUN bridge (node/).
 */
import type { Micros } from "../core/time.js";
import type { Packet } from "../wire/packet.js";
import type { Ipv4Address } from "../wire/ipv4-address.js";
import type { Ipv6Address } from "../wire/ipv6-address.js";

/** Direction of a packet as seen by a tap. */
export type TapDirection = "in" | "out";

/** A packet observer (tcpdump, pcap writers, ladder diagrams). */
export type Tap = (packet: Packet, direction: TapDirection, now: Micros, device: Device) => void;

/** A network interface's link side. */
export interface Device {
  /** Interface name: `lo`, `eth0`, … */
  readonly name: string;
  /** Link MTU in bytes (largest IP datagram). */
  readonly mtu: number;
  /**
   * True when the link neither corrupts nor checks: senders may leave
   * checksums unset (`Packet.csumPartial`), receivers need not verify them
   * (Linux `lo` and NETIF_F_HW_CSUM).
   */
  readonly checksumOffload: boolean;
  /** Administrative state; a down device drops what it is given. */
  up: boolean;
  /**
   * Sends a datagram. `nextHop` is the IP address the packet is for on this
   * link (the gateway or the destination): shared segments deliver by it;
   * point-to-point links ignore it. An IPv6 packet's next hop is its
   * 16-byte address (Ethernet resolves it with Neighbor Discovery).
   * Returns false when the device's queue discipline dropped the packet
   * before the wire (Linux NET_XMIT_DROP: the sender sees ENOBUFS).
   */
  transmit(packet: Packet, nextHop: Ipv4Address | Ipv6Address): void | false;
  /** Called by the device for each received datagram (installed by IP). */
  onReceive: (packet: Packet, device: Device) => void;
  /** Observers of every packet sent or received on this device. */
  readonly taps: Tap[];
}

/** Calls each tap of `dev` (cheap when there are none). */
export function runTaps(dev: Device, packet: Packet, dir: TapDirection, now: Micros): void {
  const taps = dev.taps;
  for (let i = 0; i < taps.length; i++) taps[i]!(packet, dir, now, dev);
}
