/**
 * What a queued packet really costs — Linux's skb *truesize* — for the
 * queues that charge memory against a limit (IP reassembly against
 * `ipfrag_high_thresh`, TCP receive and out-of-order queues against
 * `sk_rcvbuf`). DESIGN.md principle 8: a queue charges bookkeeping and the
 * buffer an entry retains, not only its payload bytes, so a flood of tiny
 * packets is bounded by the same knob as a flood of big ones.
 *
 * Linux: `SKB_TRUESIZE(X) = X + SKB_DATA_ALIGN(sizeof(struct sk_buff)) +
 * SKB_DATA_ALIGN(sizeof(struct skb_shared_info))` = X + 256 + 320 on
 * x86_64, plus the rounding of the head allocation: a small packet received
 * over `lo` is charged about 840 bytes (measured on this project's kernel,
 * 6.18, for an empty UDP datagram). sockstack charges 832 per queued entry
 * plus its bytes; that also covers what an entry costs the JS heap (its
 * record, the `Uint8Array` view, the buffer it keeps and the slot in its
 * queue: about 600 bytes for a 1-byte TCP segment, measured with
 * `--expose-gc`, see docs/memory.md).
 */

/** Bookkeeping charged per queued packet (Linux's truesize of a small packet on lo, less its bytes). */
export const SKB_TRUESIZE_OVERHEAD = 832;

/**
 * Views shorter than this are copied out of a much larger buffer before
 * being queued for long ({@link condense}); longer views keep their buffer.
 */
export const CONDENSE_MAX = 1024;

/** Slack a small view may leave unused in its buffer before it is copied. */
export const CONDENSE_SLACK = 256;

/**
 * The truesize charged for a queued packet holding `len` payload bytes.
 * @example skbTruesize(0) === 832
 */
export function skbTruesize(len: number): number {
  return len + SKB_TRUESIZE_OVERHEAD;
}

/**
 * A small view that would pin a much larger buffer (a 1-byte segment
 * inside a sender's 64 KiB block, a fragment inside a big injected frame)
 * is copied into a buffer of its own, so what the queue charges is what it
 * keeps alive (Linux `skb_condense`, and `tcp_collapse` copying small skbs
 * into compact ones). Views of `CONDENSE_MAX` bytes or more, and views that
 * nearly fill their buffer, are returned as they are.
 * @example condense(new Uint8Array(65536).subarray(10, 11)).buffer.byteLength === 1
 */
export function condense(view: Uint8Array): Uint8Array {
  if (view.length < CONDENSE_MAX && view.buffer.byteLength > view.length + CONDENSE_SLACK) return view.slice();
  return view;
}
