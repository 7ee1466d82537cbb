/**
 * The packets of a lab run's capture point (the server's eth0 in most
 * scenarios) as the lab shows them: each with its `tcpdump -nn` line, its
 * parsed fields and its bytes, formatted once — the line and fields taken
 * from the scenario's own `packet` event for the record when it reported
 * one — plus a packet's `-v -X` decode and the pcap file of them all.
 *
 * @example
 * declare const cap: Parameters<PacketLog["collect"]>[0]; // the scenario's first capture (DemoContext.captures[0])
 * const log = new PacketLog(); // give it the scenario's `packet` events: log.event(e)
 * log.collect(cap);            // again whenever the capture grew
 * log.packets[0]?.line;        // "00:00:00.200050 IP 10.0.0.1.33602 > 10.0.0.2.9090: Flags [S], …"
 */
import type { Micros } from "../core/time.js";
import type { DemoEvent } from "../demo/events.js";
import type { Capture } from "../demo/capture.js";
import type { CaptureRecord } from "../tools/capture.js";
import { packetFields, type PacketFields } from "../tools/packet-fields.js";
import { pcapFile } from "../tools/pcap.js";
import { TcpdumpFormatter, tcpdumpLine } from "../tools/tcpdump.js";

/** One packet at the scenario's capture point (the server's eth0 in most), as the lab shows it. */
export interface LabPacket {
  /** Virtual time, µs. */
  t: Micros;
  /** `in` or `out` at the capture point. */
  dir: string;
  /** Bytes of the IP datagram. */
  length: number;
  /** The line `tcpdump -nn` prints for it. */
  line: string;
  /** Parsed header fields (the demo's JSON `packet` event fields). */
  fields: PacketFields;
  /** The datagram as captured (a private copy). */
  bytes: Uint8Array;
}

/** The capture point's packets, collected from its capture as it grows. */
export class PacketLog {
  /** The packets collected so far, in capture order. */
  readonly packets: LabPacket[] = [];
  /** The `packet` events of every capture, in order (their tcpdump line and fields are reused). */
  readonly #events: Extract<DemoEvent, { kind: "packet" }>[] = [];
  /** How many of {@link #events} were looked at. */
  #seen = 0;
  readonly #td = new TcpdumpFormatter();

  /** Notes a scenario's `packet` event (of any capture: {@link collect} matches them to the capture point's records). */
  event(e: Extract<DemoEvent, { kind: "packet" }>): void {
    this.#events.push(e);
  }

  /**
   * Converts the capture point's new records into lab packets, taking the
   * tcpdump line and fields from the scenario's own `packet` event for the
   * record (formatted once), or formatting it when there is none.
   */
  collect(cap: Capture): void {
    const recs: readonly CaptureRecord[] = cap.packets;
    const evs = this.#events;
    for (let i = this.packets.length; i < recs.length; i++) {
      const r = recs[i]!;
      let ev: (typeof evs)[number] | undefined;
      while (this.#seen < evs.length) {
        const e = evs[this.#seen++]!;
        if (e.host === cap.host && e.iface === cap.iface && e.t === r.t && e.length === r.bytes.length) { ev = e; break; }
      }
      this.packets.push(ev
        ? { t: r.t, dir: r.dir, length: r.bytes.length, line: ev.line, fields: ev.fields, bytes: r.bytes }
        : { t: r.t, dir: r.dir, length: r.bytes.length, line: this.#td.format(r.bytes, r.t), fields: packetFields(r.bytes), bytes: r.bytes });
    }
  }

  /** Packet `i` decoded as `tcpdump -nn -S -v -X` prints it: the verbose header lines, then the datagram in hex and ASCII. */
  detail(i: number): string {
    const p = this.packets[i];
    if (!p) throw new RangeError(`no packet ${i} (${this.packets.length} captured)`);
    return tcpdumpLine(p.bytes, p.t, { verbose: 1, hex: true });
  }

  /** The packets so far as a pcap file (LINKTYPE_RAW). */
  pcap(): Uint8Array {
    return pcapFile(this.packets.map((p) => ({ time: p.t, packet: p.bytes })));
  }
}
