/**
 * Byte-buffer helpers shared by the layers above (socket send paths, pcap).
 */

/**
 * `chunks` back to back in one buffer. A single chunk is returned as it is
 * (no copy): for reads whose pieces the caller owns. `total` is the summed
 * length when the caller has it already.
 * @example joinBytes([new Uint8Array([1, 2]), new Uint8Array([3])]).join() === "1,2,3"
 */
export function joinBytes(chunks: readonly Uint8Array[], total = -1): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  if (total < 0) {
    total = 0;
    for (const c of chunks) total += c.length;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * One fresh buffer holding `chunks` back to back: always a copy, so the
 * caller may reuse its buffers at once (the one copy of a datagram send).
 * `total` is the summed length when the caller has it already.
 * @example gatherCopy([new Uint8Array([1, 2]), new Uint8Array([3])]).join() === "1,2,3"
 */
export function gatherCopy(chunks: readonly Uint8Array[], total = -1): Uint8Array {
  return chunks.length === 1 ? chunks[0]!.slice() : joinBytes(chunks, total);
}
