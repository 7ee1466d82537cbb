/**
 * TCP options (RFC 9293 §3.1 and §3.2; MSS RFC 9293 §3.7.1, window scale and
 * timestamps RFC 7323, SACK RFC 2018): the ordered option list, its wire
 * encoding, and Linux's exact layout.
 *
 * Two representations:
 * - the named fields of {@link TcpOptionFields} (`mss`, `wscale`, `sackOk`,
 *   `sack`, `tsVal`/`tsEcr`), which the receive path reads: filled by
 *   `parseTcpInto` without allocating;
 * - the ordered {@link TcpOption} list, which keeps NOPs, EOL and unknown
 *   kinds in wire order (tcpdump prints it; the conformance runner compares
 *   it; layouts such as {@link linuxTcpOptions} produce it).
 *
 * One decoder ({@link parseTcpOptions}: fields, and the list when asked) and
 * one writer ({@link emitTcpOptions}: a list to bytes). A layout — Linux's
 * here, FreeBSD's SYN layout in `tcp/options-out.ts` — is a function from
 * fields to a list, so the bytes of each option kind are written in one place.
 */
import { readU16, readU32, writeU32 } from "./byte-order.js";
import { WireError } from "./wire-error.js";

/** Option kinds (IANA "TCP Option Kind Numbers"). */
export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WSCALE = 3;
export const TCPOPT_SACK_PERM = 4;
export const TCPOPT_SACK = 5;
export const TCPOPT_TIMESTAMP = 8;
/** TCP Fast Open cookie (RFC 7413 §4.1.1). */
export const TCPOPT_FASTOPEN = 34;
/** The experimental kind (RFC 6994), which Fast Open used before kind 34 with the magic {@link TCPOPT_FASTOPEN_MAGIC}. */
export const TCPOPT_EXP = 254;
/** The 16-bit ExID that marks kind 254 as Fast Open (Linux TCPOPT_FASTOPEN_MAGIC). */
export const TCPOPT_FASTOPEN_MAGIC = 0xf989;

/** TCP MD5 signature (RFC 2385). */
export const TCPOPT_MD5SIG = 19;
/** The digest an MD5 option is laid out with before it is signed. */
const MD5_ZERO_DIGEST = new Uint8Array(16);

/** The most option bytes a header can carry (data offset 15 → 60 − 20). */
export const TCP_MAX_OPTIONS_LENGTH = 40;

/** One option, as it appears on the wire. */
export type TcpOption =
  | { readonly kind: "eol" }
  | { readonly kind: "nop" }
  | { readonly kind: "mss"; readonly mss: number }
  | { readonly kind: "wscale"; readonly shift: number }
  | { readonly kind: "sack-permitted" }
  | { readonly kind: "sack"; readonly blocks: readonly (readonly [number, number])[] }
  | { readonly kind: "timestamp"; readonly val: number; readonly ecr: number }
  /**
   * Fast Open (RFC 7413): kind 34, or with `exp` the experimental kind 254
   * with magic 0xF989. An empty `cookie` is a cookie request.
   */
  | { readonly kind: "fastopen"; readonly cookie: Uint8Array; readonly exp: boolean }
  /** Any other kind (or a known kind with a length Linux would ignore): `data` excludes kind and length bytes. */
  | { readonly kind: "unknown"; readonly type: number; readonly data: Uint8Array };

/** Shared immutable EOL option. */
export const OPT_EOL: TcpOption = Object.freeze({ kind: "eol" });
/** Shared immutable NOP option. */
export const OPT_NOP: TcpOption = Object.freeze({ kind: "nop" });
/** Shared immutable SACK-permitted option. */
export const OPT_SACK_PERM: TcpOption = Object.freeze({ kind: "sack-permitted" });

/**
 * The options a segment carries, as named fields — the input of the Linux
 * layout ({@link linuxTcpOptions}). Absent options are `undefined`
 * (`sackOk` false, `sack` absent or empty).
 */
export interface TcpOptionFields {
  /** Maximum segment size (kind 2). */
  mss?: number | undefined;
  /** Window scale shift count (kind 3), raw (Linux clamps > 14 at the TCP layer). */
  wscale?: number | undefined;
  /** SACK permitted (kind 4). */
  sackOk?: boolean;
  /**
   * SACK blocks (kind 5) as flat edges `[left0, right0, left1, right1, …]`
   * (each block `[left, right)`), in wire order.
   */
  sack?: ArrayLike<number> | undefined;
  /** Timestamp value (kind 8); `tsEcr` is set whenever `tsVal` is. */
  tsVal?: number | undefined;
  tsEcr?: number | undefined;
  /**
   * Fast Open option (kind 34, or 254 with `exp`): written after window
   * scale, padded with two NOPs when its length is 2 mod 4 (Linux
   * tcp_options_write). An empty cookie is a cookie request.
   */
  fastopen?: { readonly cookie: Uint8Array; readonly exp: boolean } | undefined;
  /**
   * An MD5 signature option (RFC 2385, kind 19, length 18) goes first, as
   * `nop,nop,md5` with a zero digest for the signer to fill (Linux
   * tcp_options_write; tcp/md5sig.ts signs). Output only: the parser
   * leaves it unset.
   */
  md5?: boolean;
}

/**
 * The option fields as the parser fills them: every field present (one
 * hidden class), `sack` an array owned by the record, emptied and refilled
 * by each parse (so parsing allocates nothing).
 */
export interface ParsedTcpOptions extends TcpOptionFields {
  mss: number | undefined;
  wscale: number | undefined;
  sackOk: boolean;
  /** Flat SACK edges; empty when the segment carries no (well-formed) SACK option. */
  sack: number[];
  tsVal: number | undefined;
  tsEcr: number | undefined;
  /**
   * Fast Open option: the cookie's length in bytes as received (0: a cookie
   * request), or -1 when the segment carries none. The TCP layer applies
   * Linux's validity rules (even, 4–16 bytes, SYN only).
   */
  foLen: number;
  /** The Fast Open option came in the experimental form (kind 254, magic 0xF989). */
  foExp: boolean;
  /** Offset of the cookie bytes in the parsed buffer (valid while `foLen` > 0). */
  foOff: number;
}

/** The fixed length (kind + length + data) Linux requires of each known kind, 0 for variable. */
function expectedLength(kind: number): number {
  switch (kind) {
    case TCPOPT_MSS: return 4;
    case TCPOPT_WSCALE: return 3;
    case TCPOPT_SACK_PERM: return 2;
    case TCPOPT_TIMESTAMP: return 10;
    default: return 0;
  }
}

/**
 * The one decoder of option bytes: walks the options in `buf[off, end)`,
 * fills `out`'s fields (resetting them first) and, when `list` is given,
 * appends every option to it in wire order (NOPs, a final EOL and unknown
 * kinds included; bytes after EOL are padding and not listed). Returns
 * null, or a `bad-option` error when an option's length byte is missing,
 * below 2 or runs past the end.
 *
 * Like Linux `tcp_parse_options`, a known kind with the wrong length
 * (e.g. MSS of length 3) and a SACK option whose length is not 2 + 8n are
 * ignored by the fields (listed as `unknown`), not fatal; parsing stops at
 * EOL. Without `list` nothing is allocated.
 * @example
 * const out = newTcpOptionFields();
 * parseTcpOptions(new Uint8Array([1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9]), 0, 12, out); // null
 * out.tsVal === 7 && out.tsEcr === 9;
 */
export function parseTcpOptions(buf: Uint8Array, off: number, end: number, out: ParsedTcpOptions, list: TcpOption[] | null = null): WireError | null {
  out.mss = undefined;
  out.wscale = undefined;
  out.sackOk = false;
  out.foLen = -1;
  out.foExp = false;
  // (Setting an array's length is a runtime call in V8: only when there is something to drop.)
  if (out.sack.length !== 0) out.sack.length = 0;
  // The layout of nearly every established segment (Linux, and ours):
  // NOP, NOP, timestamps — decoded without the loop.
  if (list === null && end - off === 12 && buf[off] === TCPOPT_NOP && buf[off + 1] === TCPOPT_NOP && buf[off + 2] === TCPOPT_TIMESTAMP && buf[off + 3] === 10) {
    out.tsVal = readU32(buf, off + 4);
    out.tsEcr = readU32(buf, off + 8);
    return null;
  }
  out.tsVal = undefined;
  out.tsEcr = undefined;
  let i = off;
  while (i < end) {
    const kind = buf[i]!;
    if (kind === TCPOPT_EOL) {
      list?.push(OPT_EOL);
      break;
    }
    if (kind === TCPOPT_NOP) {
      list?.push(OPT_NOP);
      i++;
      continue;
    }
    if (i + 1 >= end) return new WireError("bad-option", "tcp", `kind ${kind} without length`);
    const len = buf[i + 1]!;
    if (len < 2 || i + len > end) return new WireError("bad-option", "tcp", `kind ${kind} length ${len}`);
    const want = expectedLength(kind);
    let known = want === 0 || len === want;
    if (known) {
      switch (kind) {
        case TCPOPT_MSS:
          out.mss = readU16(buf, i + 2);
          list?.push({ kind: "mss", mss: out.mss });
          break;
        case TCPOPT_WSCALE:
          out.wscale = buf[i + 2]!;
          list?.push({ kind: "wscale", shift: out.wscale });
          break;
        case TCPOPT_SACK_PERM:
          out.sackOk = true;
          list?.push(OPT_SACK_PERM);
          break;
        case TCPOPT_TIMESTAMP:
          out.tsVal = readU32(buf, i + 2);
          out.tsEcr = readU32(buf, i + 6);
          list?.push({ kind: "timestamp", val: out.tsVal, ecr: out.tsEcr });
          break;
        case TCPOPT_FASTOPEN:
          out.foLen = len - 2;
          out.foExp = false;
          out.foOff = i + 2;
          list?.push({ kind: "fastopen", cookie: buf.slice(i + 2, i + len), exp: false });
          break;
        case TCPOPT_EXP:
          // Kind 254 is Fast Open only with its magic (Linux tcp_parse_options); any other ExID is unknown.
          if (len >= 4 && readU16(buf, i + 2) === TCPOPT_FASTOPEN_MAGIC) {
            out.foLen = len - 4;
            out.foExp = true;
            out.foOff = i + 4;
            list?.push({ kind: "fastopen", cookie: buf.slice(i + 4, i + len), exp: true });
          } else known = false;
          break;
        case TCPOPT_SACK:
          if (len > 2 && (len - 2) % 8 === 0) {
            const s = out.sack;
            if (s.length !== 0) s.length = 0; // a second SACK option replaces the first, as in Linux
            for (let j = i + 2; j < i + len; j += 4) s.push(readU32(buf, j));
            if (list) {
              const blocks: [number, number][] = [];
              for (let j = 0; j < s.length; j += 2) blocks.push([s[j]!, s[j + 1]!]);
              list.push({ kind: "sack", blocks });
            }
          } else known = false;
          break;
        default:
          known = false;
      }
    }
    if (!known) list?.push({ kind: "unknown", type: kind, data: buf.subarray(i + 2, i + len) });
    i += len;
  }
  return null;
}

/** A {@link ParsedTcpOptions} with every option absent, to be filled by {@link parseTcpOptions}. */
export function newTcpOptionFields(): ParsedTcpOptions {
  return { mss: undefined, wscale: undefined, sackOk: false, sack: [], tsVal: undefined, tsEcr: undefined, foLen: -1, foExp: false, foOff: 0 };
}

/**
 * Decodes the options in `bytes` (the raw option area, e.g.
 * `tcpRawOptions(h)`) into the ordered list ({@link parseTcpOptions} with
 * a list). Malformed lengths give `bad-option`.
 * @example
 * import { WireError } from "./wire-error.js";
 * const list = parseTcpOptionList(new Uint8Array([2, 4, 5, 180, 1, 1, 4, 2, 0, 0])); // mss 1460, nop, nop, sackOK, eol, padding
 * (list instanceof WireError ? "" : list.map((o) => o.kind).join()) === "mss,nop,nop,sack-permitted,eol";
 */
export function parseTcpOptionList(bytes: Uint8Array): TcpOption[] | WireError {
  const list: TcpOption[] = [];
  return parseTcpOptions(bytes, 0, bytes.length, newTcpOptionFields(), list) ?? list;
}

// ---- writing: the bytes of each kind are written here and nowhere else ----
// Each writer puts one option at `b[i]` and returns the index after it; with
// `b` null it only measures (the layouts size a header with the same code).

function putKind(b: Uint8Array | null, i: number, kind: number): number {
  if (b) b[i] = kind;
  return i + 1;
}

function putMss(b: Uint8Array | null, i: number, mss: number): number {
  if (b) {
    b[i] = TCPOPT_MSS;
    b[i + 1] = 4;
    b[i + 2] = mss >>> 8;
    b[i + 3] = mss & 255;
  }
  return i + 4;
}

function putWscale(b: Uint8Array | null, i: number, shift: number): number {
  if (b) {
    b[i] = TCPOPT_WSCALE;
    b[i + 1] = 3;
    b[i + 2] = shift;
  }
  return i + 3;
}

function putSackPerm(b: Uint8Array | null, i: number): number {
  if (b) {
    b[i] = TCPOPT_SACK_PERM;
    b[i + 1] = 2;
  }
  return i + 2;
}

function putTimestamp(b: Uint8Array | null, i: number, val: number, ecr: number): number {
  if (b) {
    b[i] = TCPOPT_TIMESTAMP;
    b[i + 1] = 10;
    writeU32(b, i + 2, val);
    writeU32(b, i + 6, ecr);
  }
  return i + 10;
}

/** SACK with the blocks of flat `edges` (`[left0, right0, left1, right1, …]`). */
function putSack(b: Uint8Array | null, i: number, edges: ArrayLike<number>): number {
  const n = edges.length >> 1;
  if (b) {
    b[i] = TCPOPT_SACK;
    b[i + 1] = 2 + 8 * n;
    for (let k = 0; k < 2 * n; k++) writeU32(b, i + 2 + 4 * k, edges[k]!);
  }
  return i + 2 + 8 * n;
}

/**
 * Fast Open: kind 34 (`exp` false) or kind 254 with the magic 0xF989, then
 * the cookie. No padding here (the layouts pad).
 */
function putFastOpen(b: Uint8Array | null, i: number, cookie: Uint8Array, exp: boolean): number {
  const len = (exp ? 4 : 2) + cookie.length;
  if (b) {
    b[i] = exp ? TCPOPT_EXP : TCPOPT_FASTOPEN;
    b[i + 1] = len;
    if (exp) {
      b[i + 2] = TCPOPT_FASTOPEN_MAGIC >>> 8;
      b[i + 3] = TCPOPT_FASTOPEN_MAGIC & 255;
    }
    b.set(cookie, i + len - cookie.length);
  }
  return i + len;
}

function putUnknown(b: Uint8Array | null, i: number, type: number, data: Uint8Array): number {
  if (b) {
    b[i] = type;
    b[i + 1] = 2 + data.length;
    b.set(data, i + 2);
  }
  return i + 2 + data.length;
}

/** Zero (EOL) padding from `i` to a multiple of 4 after `off`; the index after it. */
function pad(b: Uint8Array | null, off: number, i: number): number {
  while ((i - off) & 3) i = putKind(b, i, TCPOPT_EOL);
  return i;
}

/**
 * Writes `list` at `buf[off]` in order, then zero padding to a multiple of
 * 4. Returns the bytes written; with `buf` null, only the length
 * ({@link tcpOptionsLength}).
 * @example
 * const buf = new Uint8Array(12);
 * emitTcpOptions(linuxTcpOptions({ tsVal: 7, tsEcr: 9 }), buf, 0) === 12; // nop,nop,TS
 */
export function emitTcpOptions(list: readonly TcpOption[], buf: Uint8Array | null, off: number): number {
  let i = off;
  for (let k = 0; k < list.length; k++) {
    const o = list[k]!;
    switch (o.kind) {
      case "eol": i = putKind(buf, i, TCPOPT_EOL); break;
      case "nop": i = putKind(buf, i, TCPOPT_NOP); break;
      case "mss": i = putMss(buf, i, o.mss); break;
      case "wscale": i = putWscale(buf, i, o.shift); break;
      case "sack-permitted": i = putSackPerm(buf, i); break;
      case "timestamp": i = putTimestamp(buf, i, o.val, o.ecr); break;
      case "sack": i = putSack(buf, i, o.blocks.flat()); break; // lists are the tools' form: allocating is fine
      case "fastopen": i = putFastOpen(buf, i, o.cookie, o.exp); break;
      case "unknown": i = putUnknown(buf, i, o.type, o.data); break;
    }
  }
  return pad(buf, off, i) - off;
}

/**
 * Bytes the options take in the header: the sum of their lengths rounded
 * up to a multiple of 4 (RFC 9293 §3.1: the header ends on a 32-bit
 * boundary; padding is zero).
 * @example tcpOptionsLength(linuxTcpOptions({ tsVal: 1, tsEcr: 0 })) === 12
 */
export function tcpOptionsLength(list: readonly TcpOption[]): number {
  return emitTcpOptions(list, null, 0);
}

/**
 * Writes the options Linux (`tcp_options_write`) sends for the given
 * fields, in its exact order and padding, at `buf[off]` (with `buf` null,
 * only measures). Returns the length. The layout:
 * - `nop,nop,md5` (20 bytes, a zero digest) first when `md5`;
 * - `mss` (4 bytes) first;
 * - timestamps: with `sackOk` packed as `sackOK,TS` (kind 4 len 2 then
 *   kind 8 len 10), otherwise `nop,nop,TS`;
 * - `sackOk` without timestamps: `nop,nop,sackOK`;
 * - window scale: `nop,wscale`;
 * - SACK blocks: `nop,nop,sack …`;
 * - Fast Open: `FO cookie` (kind 34) or `FOEXP cookie` (254), then
 *   `nop,nop` when its length is 2 mod 4.
 * So a SYN is `mss,sackOK,TS,nop,wscale` and an established ACK
 * `nop,nop,TS,nop,nop,sack …`. Every group is a multiple of 4 bytes. No
 * list is built: this is the output path's layout.
 * @example
 * const buf = new Uint8Array(20);
 * emitLinuxTcpOptions({ mss: 1460, sackOk: true, tsVal: 1, tsEcr: 0, wscale: 7 }, buf, 0) === 20;
 */
export function emitLinuxTcpOptions(f: TcpOptionFields, buf: Uint8Array | null, off: number): number {
  let i = off;
  if (f.md5) i = putUnknown(buf, putKind(buf, putKind(buf, i, TCPOPT_NOP), TCPOPT_NOP), TCPOPT_MD5SIG, MD5_ZERO_DIGEST);
  if (f.mss !== undefined) i = putMss(buf, i, f.mss);
  if (f.tsVal !== undefined) {
    if (f.sackOk) i = putSackPerm(buf, i);
    else i = putKind(buf, putKind(buf, i, TCPOPT_NOP), TCPOPT_NOP);
    i = putTimestamp(buf, i, f.tsVal, f.tsEcr ?? 0);
  } else if (f.sackOk) {
    i = putSackPerm(buf, putKind(buf, putKind(buf, i, TCPOPT_NOP), TCPOPT_NOP));
  }
  if (f.wscale !== undefined) i = putWscale(buf, putKind(buf, i, TCPOPT_NOP), f.wscale);
  const s = f.sack;
  if (s !== undefined && s.length >= 2) {
    i = putKind(buf, putKind(buf, i, TCPOPT_NOP), TCPOPT_NOP);
    i = putSack(buf, i, s);
  }
  const fo = f.fastopen;
  if (fo !== undefined) {
    const start = i;
    i = putFastOpen(buf, i, fo.cookie, fo.exp);
    if (((i - start) & 3) === 2) i = putKind(buf, putKind(buf, i, TCPOPT_NOP), TCPOPT_NOP);
  }
  return i - off;
}

/**
 * The Linux layout of {@link emitLinuxTcpOptions} as the ordered option
 * list (tools and tests; allocates).
 * @example linuxTcpOptions({ mss: 1460, sackOk: true, tsVal: 1, tsEcr: 0, wscale: 7 }).map((o) => o.kind).join() === "mss,sack-permitted,timestamp,nop,wscale"
 */
export function linuxTcpOptions(f: TcpOptionFields): TcpOption[] {
  const bytes = new Uint8Array(emitLinuxTcpOptions(f, null, 0));
  emitLinuxTcpOptions(f, bytes, 0);
  const list = parseTcpOptionList(bytes);
  return list instanceof WireError ? [] : list; // (the layout writes well-formed options)
}
