/**
 * Packet capture: taps on a host's interfaces (`tcpdump -i any`, or one
 * interface) or on both ends of a simulated link, an optional tcpdump
 * filter applied as packets are seen (like the kernel's BPF), and the
 * packets kept with their virtual timestamp, direction, interface and
 * host. The capture then prints as `tcpdump` text, writes pcap or pcapng
 * (one interface description block per interface, each packet's
 * direction), and feeds ladder diagrams (ladder.ts).
 *
 * A link capture sees every packet twice: `out` on the sending end when IP
 * transmits it and `in` on the receiving end when the link delivers it. A
 * packet the link loses is seen `out` only — which is how the ladder
 * finds drops. Its text and pcap views show the `out` side by default
 * (each packet once, as the senders put it on the wire).
 *
 * @example
 * const cap = Capture.onLink(link, { a: "client", b: "server", filter: "tcp port 9090" });
 * await net.advance(sec(2));
 * cap.tcpdump({ verbose: 1 });   // lines
 * writeFileSync("x.pcapng", cap.pcapng());
 */
import type { Micros } from "../core/time.js";
import type { Host } from "../host/host.js";
import type { Device, Tap, TapDirection } from "../link/device.js";
import { frameBytes, isEthernet, type FrameEndpoint, type FrameTap } from "../link/ethernet.js";
import type { Link } from "../sim/link.js";
import type { EtherLink } from "../sim/ether-link.js";
import { ETHER, ETH_P_8021Q } from "../wire/ethernet.js";
import { formatFrame } from "./tcpdump-ether.js";
import { LINKTYPE_ETHERNET, pcapFile } from "./pcap.js";
import { pcapngFile } from "./pcapng.js";
import { formatTcpdumpTime, TcpdumpFormatter, type TcpdumpOptions } from "./tcpdump.js";
import { compileFilter, type PacketPredicate } from "./tcpdump-filter.js";

/** One captured datagram. */
export interface CaptureRecord {
  /** Virtual time of the capture, µs since the start of the simulation. */
  t: Micros;
  /** `out` (sent through the interface) or `in` (received). */
  dir: TapDirection;
  /**
   * The network-layer bytes with final checksums (a private copy): the
   * whole IP datagram, or on Ethernet the frame's payload (an ARP packet,
   * an IPv4 datagram).
   */
  bytes: Uint8Array;
  /** On Ethernet interfaces: the whole frame (header first; `bytes` is a view of it). */
  frame?: Uint8Array;
  /** On Ethernet interfaces: the frame's EtherType after any 802.1Q tag (0 for an 802.3 length frame). */
  etherType?: number;
  /** Interface name (`eth0`). */
  ifName: string;
  /** Host the interface belongs to. */
  host: string;
}

/** Which records a view shows. */
export type CaptureDirection = "in" | "out" | "both";

/** Options of a capture. */
export interface CaptureOptions {
  /** A tcpdump filter expression (or a compiled one); packets it rejects are not kept. */
  filter?: string | PacketPredicate;
  /** Stop after this many packets of the default view (`tcpdump -c`; a link capture counts its `out` records). */
  count?: number;
}

/** Options of the text view. */
export interface CaptureTextOptions extends TcpdumpOptions {
  /** Records to show (default: `out` for a link capture, `both` otherwise). */
  direction?: CaptureDirection;
  /** The interface and direction after the timestamp (`eth0  Out IP …`), as `tcpdump -i any` prints them. */
  interfaces?: boolean;
  /** No timestamps (`tcpdump -t`). */
  noTime?: boolean;
  /** `-e`: print the link-layer header of Ethernet frames. */
  ether?: boolean;
}

/** A running (or stopped) capture. */
export class Capture {
  /** The kept packets in capture order. */
  readonly packets: CaptureRecord[] = [];
  readonly #filter: PacketPredicate | null;
  readonly #count: number;
  readonly #attached: { device: Device | FrameEndpoint; tap: Tap | FrameTap; frames: boolean }[] = [];
  #defaultDirection: CaptureDirection = "both";
  /** Records kept that the default view shows (what `count` limits). */
  #counted = 0;
  /** Called with each record as it is kept (live consumers: `sockstack demo --json` packet events). */
  onRecord: ((r: CaptureRecord) => void) | null = null;

  /** A capture attached to nothing yet; see {@link attach}, {@link onHost}, {@link onLink}. */
  constructor(opts: CaptureOptions = {}) {
    const f = opts.filter;
    this.#filter = f === undefined || f === "" ? null : typeof f === "string" ? compileFilter(f) : f;
    this.#count = opts.count ?? Infinity;
  }

  /**
   * Captures on every interface of `host` (loopback included, like
   * `tcpdump -i any`), or only on `iface`.
   * @example const cap = Capture.onHost(server, { iface: "eth0", filter: "port 9090" });
   */
  static onHost(host: Host, opts: CaptureOptions & { iface?: string } = {}): Capture {
    const cap = new Capture(opts);
    const ifaces = host.ip.interfaces.filter((i) => opts.iface === undefined || i.name === opts.iface);
    if (ifaces.length === 0) throw new Error(`tcpdump: ${opts.iface}: No such device exists`);
    for (const i of ifaces) cap.attach(i.device, host.name);
    return cap;
  }

  /**
   * Captures on both ends of `link`; `a` and `b` name the hosts on each end.
   * Text and pcap views show each packet once (its `out` record).
   */
  static onLink(link: Link | EtherLink, opts: CaptureOptions & { a?: string; b?: string } = {}): Capture {
    const cap = new Capture(opts);
    cap.attach(link.a as Device, opts.a ?? "a");
    cap.attach(link.b as Device, opts.b ?? "b");
    cap.#defaultDirection = "out";
    return cap;
  }

  /**
   * Starts capturing on `device` of host `host`. On an Ethernet card or a
   * switch port (anything with `frameTaps`) every frame is captured with
   * its link header (ARP included).
   */
  attach(device: Device | FrameEndpoint, host: string): this {
    const filter = this.#filter;
    if ("frameTaps" in device && (!("transmit" in device) || isEthernet(device as unknown as Device))) {
      const ftap: FrameTap = (h, p, dir, now) => {
        if (this.#counted >= this.#count) return;
        const frame = frameBytes(h, p);
        const hl = h.vlanTci >= 0 ? ETHER.VLAN_HEADER : ETHER.HEADER;
        const bytes = frame.subarray(hl);
        if (filter !== null && !filter(bytes, frame.length, frame)) return;
        if (this.#defaultDirection === "both" || this.#defaultDirection === dir) this.#counted++;
        const r: CaptureRecord = { t: now, dir, bytes, frame, etherType: h.etherType === ETH_P_8021Q ? 0 : h.etherType, ifName: device.name, host };
        this.packets.push(r);
        this.onRecord?.(r);
      };
      device.frameTaps.push(ftap);
      this.#attached.push({ device, tap: ftap, frames: true });
      return this;
    }
    const dev = device as Device;
    // Packet.bytes() fills in offloaded checksums (DESIGN.md: computed
    // whenever bytes leave the process); copy, since the head may be reused.
    const tap: Tap = (p, dir, now) => {
      if (this.#counted >= this.#count) return;
      const b = p.bytes();
      if (filter !== null && !filter(b)) return;
      if (this.#defaultDirection === "both" || this.#defaultDirection === dir) this.#counted++;
      const r: CaptureRecord = { t: now, dir, bytes: b === p.head ? b.slice() : b, ifName: dev.name, host };
      this.packets.push(r);
      this.onRecord?.(r);
    };
    dev.taps.push(tap);
    this.#attached.push({ device: dev, tap, frames: false });
    return this;
  }

  /** Stops capturing (kept packets stay). */
  stop(): void {
    for (const { device, tap, frames } of this.#attached) {
      const list = (frames ? (device as FrameEndpoint).frameTaps : (device as Device).taps) as unknown[];
      const i = list.indexOf(tap);
      if (i >= 0) list.splice(i, 1);
    }
    this.#attached.length = 0;
  }

  /** The records a view shows: `direction` or the capture's default. */
  records(direction: CaptureDirection = this.#defaultDirection): CaptureRecord[] {
    return direction === "both" ? this.packets : this.packets.filter((r) => r.dir === direction);
  }

  /**
   * The capture as `tcpdump -nn` prints it (one string per packet; with
   * `verbose` or `hex` a string has several lines).
   * @example cap.tcpdump({ hex: true })  // tcpdump -nn -X
   */
  tcpdump(opts: CaptureTextOptions = {}): string[] {
    const td = new TcpdumpFormatter(opts);
    return this.records(opts.direction).map((r) => {
      let text = r.frame ? formatFrame(r.frame, td, { ether: opts.ether }) : td.format(r.bytes);
      if (opts.interfaces) text = `${r.ifName.padEnd(5)} ${r.dir === "in" ? "In " : "Out"} ${text}`;
      return opts.noTime ? text : `${formatTcpdumpTime(r.t)} ${text}`;
    });
  }

  /**
   * A classic pcap file of the view: LINKTYPE_ETHERNET when every record
   * is an Ethernet frame, else LINKTYPE_RAW (Ethernet records then give
   * their IPv4 datagrams; other frames, such as ARP, are left out — a
   * classic pcap file has one link type; pcapng keeps them all).
   */
  pcap(direction?: CaptureDirection): Uint8Array {
    const rs = this.records(direction);
    if (rs.length > 0 && rs.every((r) => r.frame)) {
      return pcapFile(rs.map((r) => ({ time: r.t, packet: r.frame! })), { linkType: LINKTYPE_ETHERNET });
    }
    return pcapFile(rs.filter((r) => !r.frame || r.etherType === 0x0800).map((r) => ({ time: r.t, packet: r.bytes })));
  }

  /**
   * A pcapng file: one interface description block per interface
   * (`host:eth0` when the capture spans several hosts) and each packet's
   * direction. Shows every record unless `direction` says otherwise.
   */
  pcapng(direction: CaptureDirection = "both"): Uint8Array {
    const hosts = new Set(this.packets.map((r) => r.host));
    const label = (r: CaptureRecord) => (hosts.size > 1 ? `${r.host}:${r.ifName}` : r.ifName);
    return pcapngFile(this.records(direction).map((r) => ({
      time: r.t, ifName: label(r), packet: r.frame ?? r.bytes, direction: r.dir, linkType: r.frame ? LINKTYPE_ETHERNET : undefined,
    })));
  }
}
