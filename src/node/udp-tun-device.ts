/**
 * The TUN bridge device: a sockstack {@link Device} whose wire is a UDP
 * socket on loopback, paired with `socat` which moves each datagram to and
 * from the kernel's TUN device (one IP packet per UDP datagram, no headers
 * added — `iff-no-pi`). No native code: socat owns /dev/net/tun.
 *
 * ```
 * kernel (curl, python, ss)           socat                      this device (sockstack host)
 *   198.18.0.1 ── tun ── TUN:… ⇄ UDP-DATAGRAM:127.0.0.1:P ⇄ 127.0.0.1:P ── UdpTunDevice ── 198.18.0.2
 * ```
 *
 * Checksums are always complete on this wire (DESIGN.md principle 4:
 * computed whenever bytes leave the process): `checksumOffload` is false,
 * so IP fills them in on output and verifies them on input.
 *
 * Impairments: optional {@link Channel}s — the simulator's own link model
 * (loss, delay, jitter, reordering, duplication, corruption, rate) — sit on
 * the sockstack side, one per direction, driven by the host's scheduler,
 * i.e. in real time under the {@link RealtimeDriver}. Without impairments
 * packets bypass them entirely (no timer, no copy).
 *
 * Safety: the socket binds and sends to 127.0.0.1 only; run it inside the
 * network namespace that holds the TUN device (see netns.ts).
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import type { Rng } from "../core/rng.js";
import type { Micros } from "../core/time.js";
import { type Device, type Tap, runTaps } from "../link/device.js";
import { Channel, type ChannelCounters, type DropReason } from "../sim/channel.js";
import type { LinkConfigInput } from "../sim/impairments.js";
import type { Ipv4Address } from "../wire/ipv4-address.js";
import { Packet } from "../wire/packet.js";
import type { RealtimeDriver } from "./realtime-driver.js";

/** The only address the bridge socket uses. */
export const BRIDGE_LOOPBACK = "127.0.0.1";

/** Options of {@link UdpTunDevice.open}. */
export interface UdpTunDeviceOptions {
  /** The driver of the host this device is attached to. */
  driver: RealtimeDriver;
  /** Local UDP port the device binds (socat sends here). */
  localPort: number;
  /** socat's UDP port (the device sends here). */
  peerPort: number;
  /** Interface name (default `"tun0"`). */
  name?: string;
  /** MTU: must match the kernel TUN device's (default 1500). */
  mtu?: number;
  /** Socket buffer sizes in bytes (default 4 MiB; capped by the kernel's rmem_max/wmem_max). */
  socketBuffer?: number;
}

/** Traffic counters of the device. */
export interface UdpTunDeviceStats {
  txPackets: number;
  txBytes: number;
  rxPackets: number;
  rxBytes: number;
  /** Datagrams the UDP socket failed to send (socat gone, buffer full). */
  txErrors: number;
  /** Datagrams dropped on receive (device down). */
  rxDropped: number;
}

/** Impairments per direction (each a simulator link configuration). */
export interface BridgeImpairments {
  /** Applied to packets sockstack sends to the kernel. */
  toKernel?: LinkConfigInput;
  /** Applied to packets the kernel sends to sockstack. */
  fromKernel?: LinkConfigInput;
}

/** A sockstack device bridged to a kernel TUN device through socat (see the file comment). */
export class UdpTunDevice implements Device {
  readonly name: string;
  readonly mtu: number;
  /** Bytes leave the process here: checksums always computed and verified. */
  readonly checksumOffload = false;
  up = true;
  readonly taps: Tap[] = [];
  onReceive: Device["onReceive"] = () => {};
  readonly #driver: RealtimeDriver;
  readonly #sock: UdpSocket;
  readonly #peerPort: number;
  #toKernel: Channel<null> | null = null;
  #fromKernel: Channel<null> | null = null;
  #closed = false;
  readonly #stats: UdpTunDeviceStats = { txPackets: 0, txBytes: 0, rxPackets: 0, rxBytes: 0, txErrors: 0, rxDropped: 0 };
  /** Datagrams handed to the UDP socket whose send has not completed yet. */
  #pending = 0;
  /** Resolvers of {@link flush} waiting for {@link #pending} to reach 0. */
  #drained: (() => void)[] = [];
  readonly #onSent = (err: Error | null) => {
    if (err) this.#stats.txErrors++;
    if (--this.#pending === 0) for (const r of this.#drained.splice(0)) r();
  };

  private constructor(opts: UdpTunDeviceOptions, sock: UdpSocket) {
    this.name = opts.name ?? "tun0";
    this.mtu = opts.mtu ?? 1500;
    this.#driver = opts.driver;
    this.#sock = sock;
    this.#peerPort = opts.peerPort;
    sock.on("message", (buf: Buffer) => this.#onDatagram(buf));
    // A send to a port nobody listens on yields ICMP port unreachable on loopback → an async error: count, don't crash.
    sock.on("error", () => this.#stats.txErrors++);
  }

  /**
   * Binds the bridge socket on 127.0.0.1:`localPort`.
   * @example const dev = await UdpTunDevice.open({ driver, localPort: 47000, peerPort: 47001 });
   */
  static async open(opts: UdpTunDeviceOptions): Promise<UdpTunDevice> {
    const size = opts.socketBuffer ?? 4 << 20;
    const sock = createSocket({ type: "udp4", recvBufferSize: size, sendBufferSize: size });
    await new Promise<void>((resolve, reject) => {
      sock.once("error", reject);
      sock.bind(opts.localPort, BRIDGE_LOOPBACK, () => {
        sock.off("error", reject);
        resolve();
      });
    });
    return new UdpTunDevice(opts, sock);
  }

  /** A copy of the traffic counters. */
  stats(): UdpTunDeviceStats {
    return { ...this.#stats };
  }

  /** The channel impairing sockstack → kernel, if impairments are on. */
  get toKernel(): Channel<null> | null {
    return this.#toKernel;
  }

  /** The channel impairing kernel → sockstack, if impairments are on. */
  get fromKernel(): Channel<null> | null {
    return this.#fromKernel;
  }

  /**
   * Switches impairments on (or changes them), using the simulator's link
   * model. `rng` seeds the random decisions (fork it from the host's).
   * The channels' MTU is the device's.
   * @example tunDevice.impair({ toKernel: { loss: 0.02, latency: ms(10), reorder: 0.05 }, fromKernel: { loss: 0.02 } }, rng)
   */
  impair(cfg: BridgeImpairments, rng: Rng): void {
    const sched = this.#driver.scheduler;
    const base: LinkConfigInput = { mtu: this.mtu };
    if (cfg.toKernel) {
      if (!this.#toKernel) this.#toKernel = new Channel<null>(sched, rng.fork("tun:toKernel"), base, (p) => this.#send(p));
      this.#toKernel.set(cfg.toKernel);
    }
    if (cfg.fromKernel) {
      if (!this.#fromKernel) this.#fromKernel = new Channel<null>(sched, rng.fork("tun:fromKernel"), base, (p) => this.#deliver(p));
      this.#fromKernel.set(cfg.fromKernel);
    }
  }

  /** Channel counters of both directions (null where not impaired). */
  impairmentStats(): { toKernel: ChannelCounters | null; fromKernel: ChannelCounters | null } {
    return { toKernel: this.#toKernel?.stats() ?? null, fromKernel: this.#fromKernel?.stats() ?? null };
  }

  /** Sends an IP datagram to the kernel (through the impairment channel when on). */
  transmit(packet: Packet, _nextHop: Ipv4Address): void {
    if (!this.up || this.#closed) return;
    runTaps(this, packet, "out", this.#now());
    if (this.#toKernel) this.#toKernel.send(packet, null);
    else this.#send(packet);
  }

  /** Packets not yet handed to the kernel: in the impairment channel toward it, or in the UDP socket's send queue. */
  get queued(): number {
    const ch = this.#toKernel;
    return this.#pending + (ch ? ch.inFlight + ch.backlog().packets : 0);
  }

  /**
   * Resolves when every packet transmitted so far has left: the impairment
   * channel toward the kernel is empty (its timers run on the driver, which
   * must be running) and the UDP socket has completed every send. Resolves
   * false when `timeoutMs` passes first. Call it before {@link close}:
   * closing drops what is still queued.
   * @example
   * declare const dev: UdpTunDevice; // given: a device opened earlier
   * if (!(await dev.flush(1000))) console.error("some packets were still queued");
   * await dev.close();
   */
  async flush(timeoutMs = 2000): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    const ch = this.#toKernel;
    while (ch && ch.inFlight + ch.backlog().packets > 0) {
      if (performance.now() >= deadline || !this.#driver.running) return false; // a stopped driver fires no channel timer
      await this.#driver.sleep(1000); // channel deliveries are stack timers: poll at 1 ms
    }
    if (this.#pending === 0) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = await Promise.race([
      new Promise<boolean>((r) => this.#drained.push(() => r(true))),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), Math.max(0, deadline - performance.now())))),
    ]);
    clearTimeout(timer);
    return done;
  }

  /** Closes the bridge socket (dropping what is still queued: {@link flush} first); the device stays down. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.up = false;
    return new Promise<void>((resolve) => this.#sock.close(() => resolve()));
  }

  #now(): Micros {
    return this.#driver.scheduler.now();
  }

  #send(packet: Packet): null {
    if (this.#closed) return null;
    const bytes = packet.bytes(); // fills in checksums; one copy when the payload is separate
    const st = this.#stats;
    st.txPackets++;
    st.txBytes += bytes.length;
    this.#pending++;
    this.#sock.send(bytes, this.#peerPort, BRIDGE_LOOPBACK, this.#onSent);
    return null;
  }

  #onDatagram(buf: Buffer): void {
    const st = this.#stats;
    st.rxPackets++;
    st.rxBytes += buf.length;
    if (!this.up) {
      st.rxDropped++;
      return;
    }
    // A plain Uint8Array view over Node's buffer (Buffer#slice does not copy; Packet.clone relies on slice copying).
    const packet = new Packet(new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
    this.#driver.inject(() => {
      if (this.#fromKernel) this.#fromKernel.send(packet, null);
      else this.#deliver(packet);
    });
  }

  #deliver(packet: Packet): DropReason | null {
    if (!this.up) {
      this.#stats.rxDropped++;
      return "down";
    }
    runTaps(this, packet, "in", this.#now());
    this.onReceive(packet, this);
    return null;
  }
}
