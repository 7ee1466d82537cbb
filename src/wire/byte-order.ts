/**
 * Big-endian (network byte order) reads and writes of 16- and 32-bit
 * fields, for the codecs whose headers carry them. 32-bit reads are
 * unsigned; writes take the low bits of any integer (`-1` → `ff ff ff ff`).
 * @example
 * const b = new Uint8Array(4);
 * writeU32(b, 0, 0xc0a80001);
 * readU32(b, 0) === 0xc0a80001 && readU16(b, 2) === 1;
 */

/** The 16-bit field at `b[i]`. */
export function readU16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

/** The 32-bit field at `b[i]`, unsigned. */
export function readU32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

/** Writes the low 16 bits of `v` at `b[i]`. */
export function writeU16(b: Uint8Array, i: number, v: number): void {
  b[i] = (v >>> 8) & 255;
  b[i + 1] = v & 255;
}

/** Writes the low 32 bits of `v` at `b[i]`. */
export function writeU32(b: Uint8Array, i: number, v: number): void {
  b[i] = (v >>> 24) & 255;
  b[i + 1] = (v >>> 16) & 255;
  b[i + 2] = (v >>> 8) & 255;
  b[i + 3] = v & 255;
}
