/**
 * The "packetdrill tun" device: the one interface of a script's host
 * (192.168.0.1, or an IPv6 address in packetdrill's ipv6 flavour). Like packetdrill's TUN device it captures every packet the
 * host sends, stamped with the virtual time it left, and lets the runner
 * inject packets as if they came from the remote peer (192.0.2.1).
 *
 * @example
 * const tun = new PacketdrillTun(scheduler);
 * host.addInterface(tun, "192.168.0.1/24");
 * tun.inject(packet);                 // as if received from the wire
 * const first = tun.captured.shift(); // { packet, time }
 */
import type { Scheduler } from "../core/scheduler.js";
import type { Micros } from "../core/time.js";
import { type Device, type Tap, runTaps } from "../link/device.js";
import type { Packet } from "../wire/packet.js";

/** A packet the host sent, with the virtual time it was handed to the device. */
export interface CapturedPacket {
  readonly packet: Packet;
  readonly time: Micros;
}

/** packetdrill's default tun MTU (both families). */
export const PACKETDRILL_MTU = 1500;

/** A capture-and-inject device for the script runner. */
export class PacketdrillTun implements Device {
  readonly name = "tun0";
  /** No checksums on this link: the runner neither corrupts nor verifies. */
  readonly checksumOffload = true;
  up = true;
  readonly taps: Tap[] = [];
  onReceive: Device["onReceive"] = () => {};
  /** Packets sent by the host and not yet consumed by the runner, oldest first. */
  readonly captured: CapturedPacket[] = [];
  /**
   * The root qdisc's packet limit (`tc qdisc … pfifo limit N`), null for
   * the default. The device hands every packet on at once, so a queue never
   * builds and only a limit of 0 changes anything: every packet is dropped
   * before the wire (counted in `qdiscDrops`), as Linux's pfifo does, and
   * the sender is told (NET_XMIT_DROP: ENOBUFS from IP output; TCP enters
   * CWR and retries from its probe timer).
   */
  qdiscLimit: number | null = null;
  /** Packets the qdisc dropped. */
  qdiscDrops = 0;

  constructor(
    readonly scheduler: Scheduler,
    readonly mtu = PACKETDRILL_MTU,
  ) {}

  /** Called by IP for every packet the host sends on this interface. */
  transmit(packet: Packet): void | false {
    if (!this.up) return;
    if (this.qdiscLimit === 0) {
      this.qdiscDrops++;
      return false; // NET_XMIT_DROP: the sender learns of it
    }
    const now = this.scheduler.now();
    runTaps(this, packet, "out", now);
    this.captured.push({ packet, time: now });
  }

  /** Delivers `packet` to the host now, as if it arrived from the wire. */
  inject(packet: Packet): void {
    if (!this.up) return;
    runTaps(this, packet, "in", this.scheduler.now());
    this.onReceive(packet, this);
  }
}
