/**
 * @internal The bounds-checked byte reads and small helpers the tcpdump
 * formatters (tcpdump.ts, tcpdump-ipv6.ts) share.
 */

/** Thrown internally when a read runs past the captured bytes: tcpdump's `[|proto]`. */
export class Truncated {
  constructor(readonly proto: string) {}
}

/** Bounds-checked reads over `b[0, end)` (tcpdump's snapend). */
export class View {
  constructor(readonly b: Uint8Array, readonly end: number) {}
  has(off: number, n: number): boolean {
    return off >= 0 && off + n <= this.end;
  }
  u8(off: number, proto: string): number {
    if (!this.has(off, 1)) throw new Truncated(proto);
    return this.b[off]!;
  }
  u16(off: number, proto: string): number {
    if (!this.has(off, 2)) throw new Truncated(proto);
    return (this.b[off]! << 8) | this.b[off + 1]!;
  }
  u32(off: number, proto: string): number {
    if (!this.has(off, 4)) throw new Truncated(proto);
    return ((this.b[off]! << 24) | (this.b[off + 1]! << 16) | (this.b[off + 2]! << 8) | this.b[off + 3]!) >>> 0;
  }
}

/** @internal Hex without padding. */
export const hex = (n: number): string => n.toString(16);
/** @internal Hex padded to four digits. */
export const hex4 = (n: number): string => n.toString(16).padStart(4, "0");

/** tcpdump's `in_cksum_shouldbe`: the field value that would have been correct. */
export function shouldBe(field: number, computed: number): number {
  let s = field + computed;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s;
}
