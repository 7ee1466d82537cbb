/**
 * The embedding surface: a frame wire whose far end is outside the
 * simulation — a WebSocket relay, an emulator's network card, another
 * sockstack network, a TAP device. Frames sent to it are serialised
 * (checksums final) and handed to the embedder's `send`; frames the
 * embedder passes to {@link ExternalWire.receive} are parsed and delivered
 * to the attached card or switch port in a later event at the current
 * instant (never re-entrantly inside `receive`).
 *
 * @example
 * const sw = net.switch();
 * const out: Uint8Array[] = [];                                   // or a WebSocket's send
 * const port = net.attachExternal(sw, { send: (frame) => out.push(frame) });
 * port.receive(bytes);                                            // a frame from outside, Ethernet header first
 */
import { Timer, type Scheduler } from "../core/scheduler.js";
import { ETH_P_IP, newEthernetHeader, parseEthernetInto } from "../wire/ethernet.js";
import { EMPTY, Packet } from "../wire/packet.js";
import { frameBytes, type FrameEndpoint, type FrameHeader, type FrameWire } from "./ethernet.js";

/** What an embedder provides: where the stack's frames go. */
export interface FrameSink {
  /** Called with each frame the attached card or port sends (a fresh buffer, Ethernet header first, no FCS). */
  send(frame: Uint8Array): void;
}

/** Counters of an {@link ExternalWire}. */
export interface ExternalWireStats {
  /** Frames handed to the sink. */
  sent: number;
  /** Frames passed to receive() and delivered. */
  received: number;
  /** Frames passed to receive() that were not Ethernet (`truncated`, `bad-type`). */
  malformed: number;
  /** Frames dropped because the receive queue was full. */
  overruns: number;
}

/** Frames receive() may queue before the next delivery event (Linux's default txqueuelen). */
export const EXTERNAL_QUEUE_MAX = 1000;

/** A frame wire to the outside world. */
export class ExternalWire implements FrameWire {
  /** Embedder-side frames are not simulated: no corruption, checksums are always final on the way out. */
  readonly checksumOffload = true;
  readonly stats: ExternalWireStats = { sent: 0, received: 0, malformed: 0, overruns: 0 };
  readonly #queue: { hdr: FrameHeader; p: Packet }[] = [];
  readonly #timer: Timer;
  #closed = false;

  constructor(
    readonly scheduler: Scheduler,
    /** The card or switch port on the simulated side. */
    readonly endpoint: FrameEndpoint,
    readonly sink: FrameSink,
  ) {
    this.#timer = new Timer(() => this.#deliver());
  }

  /** The simulated side sends: serialise and hand to the sink. */
  sendFrame(_from: FrameEndpoint, hdr: FrameHeader, payload: Packet): void {
    if (this.#closed) return;
    this.stats.sent++;
    this.sink.send(frameBytes(hdr, payload));
  }

  /**
   * A frame from outside (Ethernet header first; a trailing FCS must be
   * stripped by the caller). Returns false when it was dropped (malformed,
   * queue full, detached). The bytes are copied.
   */
  receive(frame: Uint8Array): boolean {
    if (this.#closed) return false;
    const h = newEthernetHeader();
    if (parseEthernetInto(frame, 0, frame.length, h)) {
      this.stats.malformed++;
      return false;
    }
    if (this.#queue.length >= EXTERNAL_QUEUE_MAX) {
      this.stats.overruns++;
      return false;
    }
    const body = frame.slice(h.headerLength);
    // An IPv4 payload is trimmed to its total length (Ethernet pads short frames to 60 bytes).
    let data = body;
    if (h.etherType === ETH_P_IP && body.length >= 4) {
      const total = (body[2]! << 8) | body[3]!;
      if (total >= 20 && total < body.length) data = body.subarray(0, total);
    }
    const hdr: FrameHeader = { dst: h.dst, src: h.src, etherType: h.etherType, vlanTci: h.vlanTci, length: h.length };
    this.#queue.push({ hdr, p: new Packet(data, EMPTY, false) });
    if (!this.#timer.armed) this.scheduler.arm(this.#timer, this.scheduler.now());
    return true;
  }

  /** Detaches: nothing more is sent or received. */
  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
    this.scheduler.disarm(this.#timer);
  }

  #deliver(): void {
    const q = this.#queue.splice(0);
    for (const { hdr, p } of q) {
      this.stats.received++;
      this.endpoint.receiveFrame(hdr, p);
    }
  }
}
