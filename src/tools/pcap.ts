/**
 * Classic pcap writer (the libpcap file format, as `tcpdump -w` writes it)
 * with LINKTYPE_RAW: every record is an IPv4 datagram, no link header.
 * Produces Uint8Array chunks; writing them to a file is the caller's job
 * (node/, cli/). Packets are written with checksums final: offloaded
 * (`csumPartial`) packets are finalized first, as a NIC would have done.
 *
 * @example
 * const w = new PcapWriter();
 * chunks.push(w.header());
 * device.taps.push((p, _dir, now) => chunks.push(w.packet(p, now)));
 */
import type { Micros } from "../core/time.js";
import { gatherCopy } from "../core/bytes.js";
import type { Packet } from "../wire/packet.js";

/** LINKTYPE_RAW: raw IPv4/IPv6, no link-layer header. */
export const LINKTYPE_RAW = 101;

/** LINKTYPE_ETHERNET: Ethernet II / 802.3 frames without FCS (tcpdump's EN10MB). */
export const LINKTYPE_ETHERNET = 1;

/** The default snapshot length (tcpdump's, 262144 bytes). */
export const DEFAULT_SNAPLEN = 262144;

/** A packet to write: a Packet (finalized on write) or the datagram's bytes. */
export type PacketBytes = Packet | Uint8Array;

/** The datagram as one buffer with final checksums. */
export function datagramBytes(p: PacketBytes): Uint8Array {
  return p instanceof Uint8Array ? p : p.bytes();
}

/** Options of a pcap file. */
export interface PcapOptions {
  /** Largest number of bytes kept per packet (default 262144). */
  snaplen?: number;
  /** Added to every timestamp (µs), e.g. a wall-clock epoch for the virtual time 0 (default 0). */
  originUs?: Micros;
  /** The file's link type (default LINKTYPE_RAW; LINKTYPE_ETHERNET for frames). */
  linkType?: number;
}

/** Writes a classic pcap stream (little-endian, microsecond timestamps, magic 0xa1b2c3d4). */
export class PcapWriter {
  readonly #snaplen: number;
  readonly #origin: Micros;
  readonly #linkType: number;

  constructor(opts: PcapOptions = {}) {
    this.#snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
    this.#origin = opts.originUs ?? 0;
    this.#linkType = opts.linkType ?? LINKTYPE_RAW;
  }

  /** The 24-byte global header; write it once, first. */
  header(): Uint8Array {
    const b = new Uint8Array(24);
    const v = new DataView(b.buffer);
    v.setUint32(0, 0xa1b2c3d4, true);
    v.setUint16(4, 2, true); // version 2.4
    v.setUint16(6, 4, true);
    v.setInt32(8, 0, true); // thiszone
    v.setUint32(12, 0, true); // sigfigs
    v.setUint32(16, this.#snaplen, true);
    v.setUint32(20, this.#linkType, true);
    return b;
  }

  /** One record: 16-byte record header and the (possibly snapped) datagram. */
  packet(p: PacketBytes, time: Micros): Uint8Array {
    const data = datagramBytes(p);
    const incl = Math.min(data.length, this.#snaplen);
    const b = new Uint8Array(16 + incl);
    const v = new DataView(b.buffer);
    const t = Math.max(0, Math.round(time + this.#origin));
    v.setUint32(0, Math.floor(t / 1e6) >>> 0, true);
    v.setUint32(4, t % 1e6, true);
    v.setUint32(8, incl, true);
    v.setUint32(12, data.length, true);
    b.set(incl === data.length ? data : data.subarray(0, incl), 16);
    return b;
  }
}

/** One captured packet with its time. */
export interface CapturedPacket {
  /** Capture time in µs (virtual time). */
  time: Micros;
  packet: PacketBytes;
}

/** Concatenates chunks into one buffer (always a copy). */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  return gatherCopy(chunks);
}

/**
 * A whole pcap file of `packets`.
 * @example writeFileSync("out.pcap", pcapFile(cap.records().map((r) => ({ time: r.t, packet: r.bytes }))))
 */
export function pcapFile(packets: Iterable<CapturedPacket>, opts: PcapOptions = {}): Uint8Array {
  const w = new PcapWriter(opts);
  const chunks = [w.header()];
  for (const c of packets) chunks.push(w.packet(c.packet, c.time));
  return concatChunks(chunks);
}
