/**
 * The TAP-mode bridge to the Linux kernel: Ethernet frames, not IP
 * packets. `socat` creates a TAP device in a namespace and copies each
 * frame to and from one UDP datagram on loopback (as the TUN bridge does
 * for packets, socat-bridge.ts); this side is an {@link ExternalWire}
 * whose frames travel in those datagrams, so a sockstack host gets an
 * Ethernet card the kernel ARPs for:
 *
 * ```
 * socat -b 65536 TUN:10.219.9.1/24,tun-type=tap,tun-name=tap0,iff-up,iff-no-pi \
 *       UDP-DATAGRAM:127.0.0.1:<nodePort>,bind=127.0.0.1:<socatPort>
 * ```
 *
 * Frames from the kernel enter through the real-time driver
 * (`driver.inject`), at the driver's current instant.
 */
import { createSocket, type Socket } from "node:dgram";
import type { Host } from "../host/host.js";
import type { NetInterface } from "../ip/interface.js";
import { EthernetDevice } from "../link/ethernet.js";
import { ExternalWire } from "../link/external.js";
import { parseMac } from "../wire/ethernet.js";
import type { RealtimeDriver } from "./realtime-driver.js";

/** Options of {@link openTapWire}. */
export interface TapWireOptions {
  driver: RealtimeDriver;
  /** Port this side binds on 127.0.0.1. */
  localPort: number;
  /** socat's port on 127.0.0.1. */
  peerPort: number;
  /** The card's name on the host (default `eth0`), address (`10.219.9.2/24`) and MAC (default random from the host's RNG). */
  name?: string;
  cidr?: string;
  mac?: string;
}

/** An open TAP wire: the host's card and the socket. */
export interface TapWire {
  wire: ExternalWire;
  iface: NetInterface;
  /** Closes the socket; the card stays, unplugged. */
  close(): Promise<void>;
}

/**
 * Gives `host` (a real-time host, see realtime-host.ts) an Ethernet card
 * whose frames go to socat's TAP bridge over UDP on loopback.
 * @example
 * const tap = await openTapWire(host, { driver, localPort: 47190, peerPort: 47191, cidr: "10.219.9.2/24" });
 */
export async function openTapWire(host: Host, opts: TapWireOptions): Promise<TapWire> {
  const sock: Socket = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    sock.once("error", reject);
    sock.bind(opts.localPort, "127.0.0.1", () => resolve());
  });
  const rnd = host.ctx.rng.fork("tap-mac");
  const bytes = new Uint8Array(6);
  for (let i = 0; i < 6; i++) bytes[i] = rnd.below(256);
  bytes[0] = (bytes[0]! & 0xfe) | 0x02;
  const mac = opts.mac ? parseMac(opts.mac) : bytes.reduce((m, b) => m * 256 + b, 0);
  const dev = new EthernetDevice({ name: opts.name ?? "eth0", mac, scheduler: opts.driver.scheduler });
  const wire = new ExternalWire(opts.driver.scheduler, dev, { send: (frame) => sock.send(frame, opts.peerPort, "127.0.0.1") });
  dev.wire = wire;
  const iface = host.addInterface(dev, opts.cidr);
  sock.on("message", (buf: Buffer) => {
    const frame = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    opts.driver.inject(() => wire.receive(frame));
  });
  return {
    wire,
    iface,
    close: () => new Promise<void>((resolve) => {
      wire.close();
      sock.close(() => resolve());
    }),
  };
}
