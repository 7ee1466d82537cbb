/**
 * Packet capture for the demo narration: a {@link ToolsCapture} on one
 * interface, like `tcpdump -i eth0 -w -`. Recording, filtering, tcpdump
 * text and pcap/pcapng encoding live in src/tools/capture.ts; this class
 * only fixes the one-device form the demo scenarios use.
 */
import type { Device } from "../link/device.js";
import { Capture as ToolsCapture, type CaptureRecord } from "../tools/capture.js";

/** One captured datagram (time, direction, bytes, interface, host). */
export type CapturedPacket = CaptureRecord;

/** A running capture on one device. */
export class Capture extends ToolsCapture {
  readonly #device: Device;

  /**
   * Starts capturing on `device`, which belongs to host `host`.
   * @example const cap = new Capture(chain.links[0]!.a, "client");
   */
  constructor(device: Device, readonly host: string) {
    super();
    this.#device = device;
    this.attach(device, host);
  }

  /** The interface name (`eth0`). */
  get iface(): string {
    return this.#device.name;
  }
}
