/**
 * Length-prefixed framing (seed 3 "整型的大小端转换", H7): TCP is a byte
 * stream, so a message needs a boundary of its own. Each frame is a 4-byte
 * big-endian length followed by that many bytes; the receiver reads exactly
 * 4 bytes, decodes the length, then reads exactly that many — whatever the
 * segmentation on the wire.
 */
import type { Process } from "../../src/sys/process.js";

/** A 4-byte big-endian length header plus the payload, as one buffer. */
export function frame(payload: Uint8Array | string): Uint8Array {
  const body = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const out = new Uint8Array(4 + body.length);
  const len = body.length;
  // buf[0] = (len >> 24) & 0xFF; … as in the seed's C++.
  out[0] = (len >>> 24) & 0xff;
  out[1] = (len >>> 16) & 0xff;
  out[2] = (len >>> 8) & 0xff;
  out[3] = len & 0xff;
  out.set(body, 4);
  return out;
}

/** The length a 4-byte header announces. */
export function frameLength(head: Uint8Array): number {
  return ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
}

/** Sends one frame with sendall (blocking). */
export async function sendFrame(p: Process, fd: number, payload: Uint8Array | string): Promise<void> {
  await p.sendall(fd, frame(payload));
}

/**
 * Receives one frame with recvExactly: the payload, or null at a clean end
 * of stream (EOF before a header). A stream that ends inside a frame throws.
 */
export async function recvFrame(p: Process, fd: number, maxLen = 1 << 24): Promise<Uint8Array | null> {
  const head = await p.recvExactly(fd, 4);
  if (head.length === 0) return null;
  if (head.length < 4) throw new Error(`truncated header (${head.length} bytes)`);
  const n = frameLength(head);
  if (n > maxLen) throw new Error(`frame too long (${n} bytes)`);
  if (n === 0) return new Uint8Array(0);
  const body = await p.recvExactly(fd, n);
  if (body.length < n) throw new Error(`truncated frame (${body.length} of ${n} bytes)`);
  return body;
}
