/**
 * Packet capture for the CLI: a tap on one interface that keeps a copy of
 * every datagram it sees, with its virtual timestamp and direction, like
 * `tcpdump -i eth0 -w -`. Formatting the packets (tcpdump lines) and
 * encoding them (pcap) belong to src/tools; this file only records them and
 * hands them over.
 */
import type { Micros } from "../core/time.js";
import type { Device, Tap, TapDirection } from "../link/device.js";

/** One captured datagram. */
export interface CapturedPacket {
  /** Virtual time of the capture, µs since the start of the simulation. */
  t: Micros;
  /** `out` (sent by the capturing host) or `in` (received). */
  dir: TapDirection;
  /** The whole IP datagram with final checksums (a private copy). */
  bytes: Uint8Array;
}

/** A running capture on one device. */
export class Capture {
  /** The packets in capture order. */
  readonly packets: CapturedPacket[] = [];
  readonly #device: Device;
  readonly #tap: Tap;

  /**
   * Starts capturing on `device`, which belongs to host `host`.
   * @example const cap = new Capture(chain.links[0].a, "client");
   */
  constructor(device: Device, readonly host: string) {
    this.#device = device;
    // Packet.bytes() fills in offloaded checksums (DESIGN.md: computed
    // whenever bytes leave the process); copy, since the head may be reused.
    this.#tap = (p, dir, now) => {
      const b = p.bytes();
      this.packets.push({ t: now, dir, bytes: b === p.head ? b.slice() : b });
    };
    device.taps.push(this.#tap);
  }

  /** The interface name (`eth0`). */
  get iface(): string {
    return this.#device.name;
  }

  /** Stops capturing (already captured packets stay). */
  stop(): void {
    const taps = this.#device.taps;
    const i = taps.indexOf(this.#tap);
    if (i >= 0) taps.splice(i, 1);
  }
}
