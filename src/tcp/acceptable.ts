/**
 * Segment acceptability (RFC 9293 §3.10.7.4, "first, check sequence
 * number"): the four cases of the RFC's table, as a pure function of the
 * segment's sequence number and length and the receive window. Linux's
 * additions (a segment ending at RCV.NXT, a zero window's segment at
 * exactly RCV.NXT) are the caller's, segment-arrives.ts.
 *
 * | SEG.LEN | RCV.WND | test |
 * |---|---|---|
 * | 0 | 0 | SEG.SEQ = RCV.NXT |
 * | 0 | > 0 | RCV.NXT ≤ SEG.SEQ < RCV.NXT + RCV.WND |
 * | > 0 | 0 | not acceptable |
 * | > 0 | > 0 | RCV.NXT ≤ SEG.SEQ < RCV.NXT + RCV.WND, or RCV.NXT ≤ SEG.SEQ + SEG.LEN − 1 < RCV.NXT + RCV.WND |
 */
import { seqGe, seqLt } from "../core/seq.js";

/**
 * Whether a segment of `len` sequence numbers (data plus SYN and FIN)
 * starting at `seq` is acceptable to a receiver expecting `rcvNxt` with a
 * window of `rcvWnd` bytes (modulo 2^32, RFC 9293 §3.10.7.4).
 * @example acceptable(1000, 0, 1000, 0) === true  // an empty segment at RCV.NXT, zero window
 * @example acceptable(1000, 1, 1000, 0) === false // no data fits a zero window
 */
export function acceptable(seq: number, len: number, rcvNxt: number, rcvWnd: number): boolean {
  if (rcvWnd === 0) return len === 0 && seq === rcvNxt;
  const wndEnd = (rcvNxt + rcvWnd) >>> 0;
  if (seqGe(seq, rcvNxt) && seqLt(seq, wndEnd)) return true;
  if (len === 0) return false;
  const end = (seq + len - 1) >>> 0;
  return seqGe(end, rcvNxt) && seqLt(end, wndEnd);
}
