/**
 * tcpdump on any host of a lab run: every interface of every host is
 * captured from the moment the scenario hands its network over (loopback
 * included, as `tcpdump -i any` sees it), and the lab's tcpdump pane runs
 * `tcpdump ARGS` over what host HOST captured so far — `-i IFACE` or
 * `-i any`, `-v`, `-X`, `-S`, `-t`, `-e`, `-c N` and a filter expression —
 * printing the lines `sockstack tcpdump` prints. A view is formatted
 * incrementally (each packet once, in capture order, so tcpdump's relative
 * sequence numbers come out as tcpdump prints them) and kept while the
 * learner keeps the same host and arguments.
 *
 * @example
 * const caps = new HostCaptures();
 * caps.watch(net);                             // when the network is built, and as it grows
 * caps.view("client", "-nn -i eth0 tcp port 9090").lines;
 */
import type { Device } from "../link/device.js";
import type { Network } from "../sim/network.js";
import { Capture, type CaptureRecord } from "../tools/capture.js";
import { LINKTYPE_ETHERNET, pcapFile } from "../tools/pcap.js";
import { formatFrame } from "../tools/tcpdump-ether.js";
import { compileFilter } from "../tools/tcpdump-filter.js";
import { parseTcpdumpArgs, shellWords, type TcpdumpArgs } from "../tools/tcpdump-args.js";
import { formatTcpdumpTime, TcpdumpFormatter, tcpdumpLine } from "../tools/tcpdump.js";

/** `tcpdump ARGS` on one host: its packets so far and their lines. */
export interface HostTcpdumpView {
  /** The records shown, in capture order. */
  readonly records: readonly CaptureRecord[];
  /** One entry per record: its text (several lines with -v or -X). */
  readonly lines: readonly string[];
  /** The interface read (`any`, or the one named or picked). */
  readonly iface: string;
}

/** A view being kept up to date. */
interface ViewState extends HostTcpdumpView {
  records: CaptureRecord[];
  lines: string[];
  args: TcpdumpArgs;
  pred: ((b: Uint8Array, len?: number, frame?: Uint8Array) => boolean) | null;
  td: TcpdumpFormatter;
  /** The next capture record to look at. */
  from: number;
}

/** At most this many views are kept formatted (a few host/arguments pairs the learner went back and forth between). */
const KEPT_VIEWS = 8;

/** Every interface of every host of a network, captured; tcpdump views over it. */
export class HostCaptures {
  /** Every record of every host's interfaces, in capture order. */
  readonly capture = new Capture();
  readonly #attached = new Set<Device>();
  #net: Network | null = null;
  readonly #views = new Map<string, ViewState>();

  /** Starts capturing every interface of `net`'s hosts not captured yet (call again as hosts or interfaces are added). */
  watch(net: Network): void {
    this.#net = net;
    for (const [name, h] of net.hosts) {
      for (const i of h.ip.interfaces) {
        if (this.#attached.has(i.device)) continue;
        this.#attached.add(i.device);
        this.capture.attach(i.device, name);
      }
    }
  }

  /** The interfaces of `host` (its current kernel), loopback first as `ip link` lists them. */
  #ifaces(host: string): string[] {
    const h = this.#net?.hosts.get(host);
    if (!h) throw new RangeError(`no host ${host}`);
    return h.ip.interfaces.map((i) => i.name);
  }

  /**
   * `tcpdump ARGS` on `host` now (ARGS as typed: words split as a shell
   * splits them). Without `-i`, the host's first interface other than
   * loopback, as tcpdump picks. Throws what tcpdump says for a bad flag
   * (TcpdumpArgsError), a bad expression (FilterSyntaxError), an interface
   * the host does not have, or `-w` (the page's pcap button writes files).
   */
  view(host: string, args: string): HostTcpdumpView {
    const key = `${host}\0${args}`;
    let v = this.#views.get(key);
    if (!v) {
      const a = parseTcpdumpArgs(shellWords(args));
      if (a.write !== undefined) throw new Error("tcpdump: -w: the page writes no file here: pcap ⤓ downloads what this pane shows");
      const ifaces = this.#ifaces(host);
      const iface = a.iface ?? ifaces.find((n) => n !== "lo") ?? "lo";
      if (iface !== "any" && !ifaces.includes(iface)) throw new Error(`tcpdump: ${iface}: No such device exists`);
      const pred = a.expression === "" ? null : compileFilter(a.expression);
      v = { records: [], lines: [], iface, args: a, pred, td: new TcpdumpFormatter({ verbose: a.verbose, hex: a.hex, absoluteSeq: a.absoluteSeq, ...(a.md5Secret !== undefined ? { md5Secret: a.md5Secret } : {}) }), from: 0 };
      if (this.#views.size >= KEPT_VIEWS) this.#views.delete(this.#views.keys().next().value!);
      this.#views.set(key, v);
    }
    const all = this.capture.packets;
    const { args: a, pred, td, iface } = v;
    for (; v.from < all.length; v.from++) {
      if (a.count !== undefined && v.records.length >= a.count) break;
      const r = all[v.from]!;
      if (r.host !== host || (iface !== "any" && r.ifName !== iface)) continue;
      if (pred && !pred(r.bytes, r.frame?.length, r.frame)) continue;
      let text = r.frame ? formatFrame(r.frame, td, { ether: a.ether }) : td.format(r.bytes);
      if (iface === "any") text = `${r.ifName.padEnd(5)} ${r.dir === "in" ? "In " : "Out"} ${text}`;
      v.records.push(r);
      v.lines.push(a.noTime ? text : `${formatTcpdumpTime(r.t)} ${text}`);
    }
    return v;
  }

  /** Record `i` of a view decoded as `tcpdump -nn -S -v -X` prints it (an Ethernet frame from its link header's type on). */
  detail(view: HostTcpdumpView, i: number): string {
    const r = view.records[i];
    if (!r) throw new RangeError(`no packet ${i} (${view.records.length} shown)`);
    if (!r.frame) return tcpdumpLine(r.bytes, r.t, { verbose: 1, hex: true });
    return `${formatTcpdumpTime(r.t)} ${formatFrame(r.frame, new TcpdumpFormatter({ verbose: 1, hex: true }), { ether: true })}`;
  }

  /**
   * A view's packets as a classic pcap file: Ethernet frames when every one
   * is a frame (LINKTYPE_ETHERNET), else the IP datagrams (LINKTYPE_RAW;
   * frames that carry no IPv4 are left out), as `sockstack tcpdump -w` writes.
   */
  pcap(view: HostTcpdumpView): Uint8Array {
    const rs = view.records;
    if (rs.length > 0 && rs.every((r) => r.frame)) return pcapFile(rs.map((r) => ({ time: r.t, packet: r.frame! })), { linkType: LINKTYPE_ETHERNET });
    return pcapFile(rs.filter((r) => !r.frame || r.etherType === 0x0800).map((r) => ({ time: r.t, packet: r.bytes })));
  }
}
