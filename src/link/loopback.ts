/**
 * The loopback device `lo`: what is sent is received by the same host in a
 * later event at the same instant (like Linux's softirq hand-off), with
 * checksums offloaded and MTU 65536.
 */
import { Fifo } from "../core/fifo.js";
import { Scheduler, Timer } from "../core/scheduler.js";
import type { Packet } from "../wire/packet.js";
import { type Device, type Tap, runTaps } from "./device.js";

/** Linux `lo` MTU. */
export const LOOPBACK_MTU = 65536;

/** The loopback device. */
export class LoopbackDevice implements Device {
  readonly name = "lo";
  readonly checksumOffload = true;
  up = true;
  readonly taps: Tap[] = [];
  onReceive: Device["onReceive"] = () => {};
  readonly #queue = new Fifo<Packet>();
  #timer: Timer;

  constructor(
    readonly scheduler: Scheduler,
    readonly mtu = LOOPBACK_MTU,
  ) {
    this.#timer = new Timer(() => this.#deliver());
  }

  transmit(packet: Packet): void {
    if (!this.up) return;
    runTaps(this, packet, "out", this.scheduler.now());
    this.#queue.push(packet);
    if (!this.#timer.armed) this.scheduler.arm(this.#timer, this.scheduler.now());
  }

  #deliver(): void {
    // Deliver only what was queued before this event; packets sent while
    // delivering go in the next event (same instant), keeping order fair.
    for (let n = this.#queue.length; n > 0; n--) {
      const p = this.#queue.shift()!;
      if (!this.up) continue;
      // Like Linux, a capture on lo sees each packet once (at transmit).
      this.onReceive(p, this);
    }
    if (this.#queue.length) this.scheduler.arm(this.#timer, this.scheduler.now());
  }
}
