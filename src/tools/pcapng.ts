/**
 * pcapng writer (draft-ietf-opsawg-pcapng): a Section Header Block, one
 * Interface Description Block per interface (if_name, LINKTYPE_IPV4,
 * if_tsresol 6 = microseconds), and Enhanced Packet Blocks carrying the
 * interface id and, when known, the direction (epb_flags). Produces
 * Uint8Array chunks; file I/O is the caller's.
 *
 * @example
 * const w = new PcapngWriter();
 * chunks.push(w.header());
 * chunks.push(w.packet("eth0", packet, now, "out")); // the first packet of eth0 also carries its IDB
 */
import type { Micros } from "../core/time.js";
import { concatChunks, datagramBytes, DEFAULT_SNAPLEN, type PacketBytes } from "./pcap.js";

/**
 * LINKTYPE_IPV4 (228): raw IPv4, no link header. pcapng files use it rather
 * than LINKTYPE_RAW (101) because libpcap ≤ 1.10.4 refuses a second
 * LINKTYPE_RAW interface ("an interface has a type 101 different from the
 * type of the first interface": it compares the first IDB's DLT_RAW with
 * the next IDB's 101). Wireshark and tcpdump read 228 as IPv4.
 */
export const LINKTYPE_IPV4 = 228;

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const EPB = 0x00000006;
const OPT_ENDOFOPT = 0;
const OPT_SHB_USERAPPL = 4;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_EPB_FLAGS = 2;

const utf8 = new TextEncoder();

/** An option: code and value bytes. */
type Opt = [code: number, value: Uint8Array];

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function optionsLength(opts: readonly Opt[]): number {
  if (opts.length === 0) return 0;
  let n = 4; // opt_endofopt
  for (const [, v] of opts) n += 4 + pad4(v.length);
  return n;
}

/** A block: type, total length, body, options, total length again. */
function block(type: number, body: Uint8Array, opts: readonly Opt[]): Uint8Array {
  const len = 12 + body.length + optionsLength(opts);
  const b = new Uint8Array(len);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, len, true);
  b.set(body, 8);
  let o = 8 + body.length;
  if (opts.length > 0) {
    for (const [code, val] of opts) {
      v.setUint16(o, code, true);
      v.setUint16(o + 2, val.length, true);
      b.set(val, o + 4);
      o += 4 + pad4(val.length);
    }
    v.setUint32(o, OPT_ENDOFOPT, true);
    o += 4;
  }
  v.setUint32(o, len, true);
  return b;
}

/** Options of a pcapng stream. */
export interface PcapngOptions {
  /** Largest number of bytes kept per packet (default 262144). */
  snaplen?: number;
  /** Added to every timestamp (µs) (default 0). */
  originUs?: Micros;
  /** shb_userappl (default "sockstack"). */
  application?: string;
}

/** Writes a pcapng stream with one interface per device name. */
export class PcapngWriter {
  readonly #snaplen: number;
  readonly #origin: Micros;
  readonly #app: string;
  readonly #ids = new Map<string, number>();

  constructor(opts: PcapngOptions = {}) {
    this.#snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
    this.#origin = opts.originUs ?? 0;
    this.#app = opts.application ?? "sockstack";
  }

  /** The Section Header Block; write it once, first. */
  header(): Uint8Array {
    const body = new Uint8Array(16);
    const v = new DataView(body.buffer);
    v.setUint32(0, 0x1a2b3c4d, true); // byte-order magic
    v.setUint16(4, 1, true); // version 1.0
    v.setUint16(6, 0, true);
    v.setBigInt64(8, -1n, true); // section length unknown
    return block(SHB, body, [[OPT_SHB_USERAPPL, utf8.encode(this.#app)]]);
  }

  /** The interface id of `name`, or undefined before its first packet / {@link interfaceBlock}. */
  interfaceId(name: string): number | undefined {
    return this.#ids.get(name);
  }

  /**
   * Declares interface `name` and returns its Interface Description Block
   * (empty when already declared). {@link packet} calls it as needed.
   */
  interfaceBlock(name: string, linkType = LINKTYPE_IPV4): Uint8Array {
    if (this.#ids.has(name)) return new Uint8Array(0);
    this.#ids.set(name, this.#ids.size);
    const body = new Uint8Array(8);
    const v = new DataView(body.buffer);
    v.setUint16(0, linkType, true);
    v.setUint16(2, 0, true);
    v.setUint32(4, this.#snaplen, true);
    return block(IDB, body, [[OPT_IF_NAME, utf8.encode(name)], [OPT_IF_TSRESOL, new Uint8Array([6])]]);
  }

  /**
   * An Enhanced Packet Block for a packet seen on interface `ifName` at
   * `time` µs, preceded by the interface's IDB the first time it is seen.
   * `direction` sets epb_flags (inbound/outbound). `linkType` is the
   * interface's (LINKTYPE_IPV4 by default; LINKTYPE_ETHERNET, 1, for frames),
   * used when its IDB is written.
   */
  packet(ifName: string, p: PacketBytes, time: Micros, direction?: "in" | "out", linkType?: number): Uint8Array {
    const idb = this.interfaceBlock(ifName, linkType);
    const id = this.#ids.get(ifName)!;
    const data = datagramBytes(p);
    const incl = Math.min(data.length, this.#snaplen);
    const body = new Uint8Array(20 + pad4(incl));
    const v = new DataView(body.buffer);
    const t = BigInt(Math.max(0, Math.round(time + this.#origin)));
    v.setUint32(0, id, true);
    v.setUint32(4, Number(t >> 32n), true);
    v.setUint32(8, Number(t & 0xffffffffn), true);
    v.setUint32(12, incl, true);
    v.setUint32(16, data.length, true);
    body.set(incl === data.length ? data : data.subarray(0, incl), 20);
    const opts: Opt[] = [];
    if (direction !== undefined) {
      const f = new Uint8Array(4);
      new DataView(f.buffer).setUint32(0, direction === "in" ? 1 : 2, true);
      opts.push([OPT_EPB_FLAGS, f]);
    }
    const epb = block(EPB, body, opts);
    return idb.length === 0 ? epb : concatChunks([idb, epb]);
  }
}

/** One captured packet on a named interface. */
export interface CapturedIfPacket {
  time: Micros;
  ifName: string;
  packet: PacketBytes;
  direction?: "in" | "out";
  /** The interface's link type (default LINKTYPE_IPV4). */
  linkType?: number;
}

/** A whole pcapng file of `packets`. */
export function pcapngFile(packets: Iterable<CapturedIfPacket>, opts: PcapngOptions = {}): Uint8Array {
  const w = new PcapngWriter(opts);
  const chunks = [w.header()];
  for (const c of packets) chunks.push(w.packet(c.ifName, c.packet, c.time, c.direction, c.linkType));
  return concatChunks(chunks);
}
