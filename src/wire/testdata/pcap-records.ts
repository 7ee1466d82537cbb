/** Reads the records of a classic little-endian pcap file (test fixtures). */

/** One record: its bytes and the link type of the file. */
export interface PcapRecord {
  linkType: number;
  data: Uint8Array;
}

/** The records of `file` (magic 0xa1b2c3d4, little-endian, as tcpdump -w writes on x86). */
export function pcapRecords(file: Uint8Array): PcapRecord[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (v.getUint32(0, true) !== 0xa1b2c3d4) throw new Error("not a little-endian pcap file");
  const linkType = v.getUint32(20, true);
  const out: PcapRecord[] = [];
  for (let off = 24; off + 16 <= file.length;) {
    const incl = v.getUint32(off + 8, true);
    out.push({ linkType, data: file.subarray(off + 16, off + 16 + incl) });
    off += 16 + incl;
  }
  return out;
}
