/**
 * MD5 (RFC 1321, "The MD5 Message-Digest Algorithm"), written from the
 * RFC's description in plain TypeScript: TCP's MD5 signature option
 * (RFC 2385, tcp/md5sig.ts) digests every segment of a connection that has
 * a key, and the stack also runs in the browser, where node:crypto is not.
 *
 * The message is processed in 512-bit blocks of sixteen little-endian
 * 32-bit words (§3.4), after padding with a 1 bit, zeros to 448 mod 512
 * and the 64-bit bit length (§3.1, §3.2); the state is four words
 * A, B, C, D (§3.3). {@link Md5} is incremental (`update` as the bytes
 * come, e.g. a pseudo-header, a header, a payload in pieces, a key) and
 * allocates nothing per update: one 64-byte block buffer per instance.
 */

/**
 * T[i] = the integer part of 2^32 · |sin(i + 1)| (§3.4, i in radians),
 * computed as the RFC defines it rather than copied as a table.
 */
const T = Int32Array.from({ length: 64 }, (_, i) => Math.floor(2 ** 32 * Math.abs(Math.sin(i + 1))) | 0);

/** The per-step left rotations of rounds 1–4 (§3.4), four per round. */
const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21] as const;

/** The word index X[k] each of the 64 steps reads (§3.4: k, (1+5k), (5+3k), 7k mod 16 per round). */
const K = Uint8Array.from({ length: 64 }, (_, i) => {
  const r = i >> 4, j = i & 15;
  return r === 0 ? j : r === 1 ? (1 + 5 * j) & 15 : r === 2 ? (5 + 3 * j) & 15 : (7 * j) & 15;
});

/** An MD5 computation in progress: {@link Md5.update} the message, then {@link Md5.digest}. Reusable after `reset`. */
export class Md5 {
  #a = 0;
  #b = 0;
  #c = 0;
  #d = 0;
  /** The partial block (bytes not yet a whole 64). */
  readonly #block = new Uint8Array(64);
  readonly #x = new Int32Array(16);
  #fill = 0;
  /** Message length in bytes so far (a double: exact to 2^53). */
  #len = 0;

  constructor() {
    this.reset();
  }

  /** Starts a new message (§3.3's initial A, B, C, D). Returns this. */
  reset(): this {
    this.#a = 0x67452301;
    this.#b = 0xefcdab89 | 0;
    this.#c = 0x98badcfe | 0;
    this.#d = 0x10325476;
    this.#fill = 0;
    this.#len = 0;
    return this;
  }

  /**
   * Appends `data[off, off+len)` to the message. Returns this.
   * @example new Md5().update(new TextEncoder().encode("abc")).hex() === "900150983cd24fb0d6963f7d28e17f72"
   */
  update(data: Uint8Array, off = 0, len = data.length - off): this {
    this.#len += len;
    const blk = this.#block;
    let i = off;
    const end = off + len;
    if (this.#fill > 0) {
      const n = Math.min(64 - this.#fill, len);
      blk.set(data.subarray(i, i + n), this.#fill);
      this.#fill += n;
      i += n;
      if (this.#fill < 64) return this;
      this.#transform(blk, 0);
      this.#fill = 0;
    }
    for (; i + 64 <= end; i += 64) this.#transform(data, i);
    if (i < end) {
      blk.set(data.subarray(i, end), 0);
      this.#fill = end - i;
    }
    return this;
  }

  /**
   * Pads the message (§3.1, §3.2) and writes the 16-byte digest (A, B, C, D
   * low-order byte first, §3.5) at `out[off]`. The instance must be `reset`
   * before another message.
   */
  digest(out: Uint8Array = new Uint8Array(16), off = 0): Uint8Array {
    const bits = this.#len * 8;
    const blk = this.#block;
    let f = this.#fill;
    blk[f++] = 0x80;
    if (f > 56) {
      blk.fill(0, f, 64);
      this.#transform(blk, 0);
      f = 0;
    }
    blk.fill(0, f, 56);
    // The 64-bit length, low-order word first (§3.2).
    const lo = bits % 2 ** 32, hi = Math.floor(bits / 2 ** 32);
    for (let k = 0; k < 4; k++) {
      blk[56 + k] = (lo >>> (8 * k)) & 255;
      blk[60 + k] = (hi >>> (8 * k)) & 255;
    }
    this.#transform(blk, 0);
    const words = [this.#a, this.#b, this.#c, this.#d];
    for (let w = 0; w < 4; w++) for (let k = 0; k < 4; k++) out[off + 4 * w + k] = (words[w]! >>> (8 * k)) & 255;
    return out;
  }

  /** The digest as 32 lowercase hex digits. */
  hex(): string {
    let s = "";
    for (const b of this.digest()) s += b.toString(16).padStart(2, "0");
    return s;
  }

  /** Processes the 64-byte block at `buf[off]` (§3.4). */
  #transform(buf: Uint8Array, off: number): void {
    const x = this.#x;
    for (let j = 0; j < 16; j++) {
      const p = off + 4 * j;
      x[j] = buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24);
    }
    let a = this.#a, b = this.#b, c = this.#c, d = this.#d;
    for (let i = 0; i < 64; i++) {
      const r = i >> 4;
      // F, G, H, I of §3.4.
      const f = r === 0 ? (b & c) | (~b & d) : r === 1 ? (b & d) | (c & ~d) : r === 2 ? b ^ c ^ d : c ^ (b | ~d);
      const s = S[(r << 2) | (i & 3)]!;
      const t = (a + f + x[K[i]!]! + T[i]!) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((t << s) | (t >>> (32 - s)))) | 0;
    }
    this.#a = (this.#a + a) | 0;
    this.#b = (this.#b + b) | 0;
    this.#c = (this.#c + c) | 0;
    this.#d = (this.#d + d) | 0;
  }
}

/**
 * The MD5 digest of `data` (16 bytes).
 * @example Array.from(md5(new Uint8Array(0)), (b) => b.toString(16).padStart(2, "0")).join("") === "d41d8cd98f00b204e9800998ecf8427e"
 */
export function md5(data: Uint8Array): Uint8Array {
  return new Md5().update(data).digest();
}
