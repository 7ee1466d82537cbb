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
import type { Link } from "../sim/link.js";
import { pcapFile } from "./pcap.js";
import { pcapngFile } from "./pcapng.js";
import { formatTcpdumpTime, TcpdumpFormatter, type TcpdumpOptions } from "./tcpdump.js";
import { compileFilter, type PacketPredicate } from "./tcpdump-filter.js";

/** One captured datagram. */
export interface CaptureRecord {
  /** Virtual time of the capture, µs since the start of the simulation. */
  t: Micros;
  /** `out` (sent through the interface) or `in` (received). */
  dir: TapDirection;
  /** The whole IP datagram with final checksums (a private copy). */
  bytes: Uint8Array;
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
}

/** A running (or stopped) capture. */
export class Capture {
  /** The kept packets in capture order. */
  readonly packets: CaptureRecord[] = [];
  readonly #filter: PacketPredicate | null;
  readonly #count: number;
  readonly #attached: { device: Device; tap: Tap }[] = [];
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
  static onLink(link: Link, opts: CaptureOptions & { a?: string; b?: string } = {}): Capture {
    const cap = new Capture(opts);
    cap.attach(link.a, opts.a ?? "a");
    cap.attach(link.b, opts.b ?? "b");
    cap.#defaultDirection = "out";
    return cap;
  }

  /** Starts capturing on `device` of host `host`. */
  attach(device: Device, host: string): this {
    const filter = this.#filter;
    // Packet.bytes() fills in offloaded checksums (DESIGN.md: computed
    // whenever bytes leave the process); copy, since the head may be reused.
    const tap: Tap = (p, dir, now) => {
      if (this.#counted >= this.#count) return;
      const b = p.bytes();
      if (filter !== null && !filter(b)) return;
      if (this.#defaultDirection === "both" || this.#defaultDirection === dir) this.#counted++;
      const r: CaptureRecord = { t: now, dir, bytes: b === p.head ? b.slice() : b, ifName: device.name, host };
      this.packets.push(r);
      this.onRecord?.(r);
    };
    device.taps.push(tap);
    this.#attached.push({ device, tap });
    return this;
  }

  /** Stops capturing (kept packets stay). */
  stop(): void {
    for (const { device, tap } of this.#attached) {
      const i = device.taps.indexOf(tap);
      if (i >= 0) device.taps.splice(i, 1);
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
      let text = td.format(r.bytes);
      if (opts.interfaces) text = `${r.ifName.padEnd(5)} ${r.dir === "in" ? "In " : "Out"} ${text}`;
      return opts.noTime ? text : `${formatTcpdumpTime(r.t)} ${text}`;
    });
  }

  /** A classic pcap file (LINKTYPE_RAW) of the view. */
  pcap(direction?: CaptureDirection): Uint8Array {
    return pcapFile(this.records(direction).map((r) => ({ time: r.t, packet: r.bytes })));
  }

  /**
   * A pcapng file: one interface description block per interface
   * (`host:eth0` when the capture spans several hosts) and each packet's
   * direction. Shows every record unless `direction` says otherwise.
   */
  pcapng(direction: CaptureDirection = "both"): Uint8Array {
    const hosts = new Set(this.packets.map((r) => r.host));
    const label = (r: CaptureRecord) => (hosts.size > 1 ? `${r.host}:${r.ifName}` : r.ifName);
    return pcapngFile(this.records(direction).map((r) => ({ time: r.t, ifName: label(r), packet: r.bytes, direction: r.dir })));
  }
}
