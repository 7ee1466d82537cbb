import { test } from "node:test";
import assert from "node:assert/strict";
import { SackScoreboard } from "./sack-scoreboard.js";

const MSS = 1000;

test("update merges blocks, counts newly SACKed bytes, advance trims", () => {
  const sb = new SackScoreboard(MSS);
  const una = 1000, max = 11000;
  let r = sb.update(una, una, max, [3000, 4000, 5000, 6000], 2);
  assert.equal(r.newlySacked, 2000);
  r = sb.update(una, una, max, [3500, 5000], 1);          // bridges
  assert.equal(r.newlySacked, 1000);
  assert.deepEqual(sb.ranges(), [[3000, 6000]]);
  assert.equal(sb.sackedBytes, 3000);
  r = sb.update(una, una, max, [3000, 6000], 1);
  assert.equal(r.newlySacked, 0);
  assert.equal(sb.isSacked(3000), true);
  assert.equal(sb.isSacked(6000), false);
  sb.advance(4000);
  assert.deepEqual(sb.ranges(), [[4000, 6000]]);
  assert.equal(sb.sackedBytes, 2000);
  sb.advance(7000);
  assert.equal(sb.isEmpty, true);
  assert.equal(sb.sackedBytes, 0);
});

test("invalid blocks are ignored; D-SACK detected (RFC 2883 §4)", () => {
  const sb = new SackScoreboard(MSS);
  let r = sb.update(5000, 5000, 9000, [9000, 9500], 1);   // beyond snd.max
  assert.equal(r.newlySacked, 0);
  r = sb.update(5000, 5000, 9000, [3000, 4000, 6000, 7000], 2);  // first block below ACK
  assert.equal(r.dsack, true);
  assert.deepEqual([r.dsackStart, r.dsackEnd], [3000, 4000]);
  assert.equal(r.newlySacked, 1000);
  r = sb.update(5000, 5000, 9000, [6200, 6400, 6000, 7000], 2); // first inside second
  assert.equal(r.dsack, true);
  assert.equal(r.newlySacked, 0);
  r = sb.update(5000, 5000, 9000, [7000, 6000], 1);       // inverted
  assert.equal(r.newlySacked, 0);
  assert.equal(r.dsack, false);
});

test("IsLost: 3 SACKed segments above, or > 2·SMSS SACKed bytes above (DupThresh 3)", () => {
  const sb = new SackScoreboard(MSS);
  const una = 0;
  sb.update(una, una, 10000, [1000, 2000], 1);
  assert.equal(sb.isLost(0), false);
  sb.update(una, una, 10000, [3000, 4000], 1);
  assert.equal(sb.isLost(0), false);                       // 2 ranges, 2000 bytes
  sb.update(una, una, 10000, [5000, 5500], 1);
  assert.equal(sb.isLost(0), true);                        // 3 discontiguous ranges
  assert.equal(sb.isLost(2000), false);                    // above it: 2 ranges, 1500 bytes
  assert.equal(sb.isLost(4000), false);
  assert.equal(sb.lostBelow(), 1000);
  const b = new SackScoreboard(MSS);
  b.update(0, 0, 10000, [1000, 3001], 1);                  // one range, > 2·SMSS
  assert.equal(b.isLost(0), true);
  assert.equal(b.isLost(1500), false, "SACKed bytes are never lost");
});

test("pipe (RFC 6675 SetPipe) and NextSeg", () => {
  const sb = new SackScoreboard(MSS);
  // 10 segments in flight [0, 10000); segment 0 lost, 1..3 SACKed
  sb.update(0, 0, 10000, [1000, 4000], 1);
  assert.equal(sb.pipe(0, 10000, 0), 6000);                // 0 lost, 4..9 in flight
  assert.equal(sb.nextSeg(0, 0), 0);
  assert.equal(sb.holeLength(0, MSS), 1000);
  // retransmit segment 0: HighRxt = 1000 → counted again
  assert.equal(sb.pipe(0, 10000, 1000), 7000);
  assert.equal(sb.nextSeg(0, 1000), -1, "nothing else lost");
  assert.equal(sb.nextSeg(0, 1000, false), -1, "no hole below HighSACK beyond HighRxt");
  // another hole at 4000 with SACKs above it
  sb.update(0, 0, 10000, [5000, 8000], 1);
  assert.equal(sb.nextSeg(0, 1000), 4000);
  assert.equal(sb.holeLength(4000, 1460), 1000);
  assert.equal(sb.pipe(0, 10000, 1000), 1000 + 2000);      // retransmitted seg 0 + 8000..10000
});

test("wrap-around: ranges and pipe across 2^32", () => {
  const sb = new SackScoreboard(MSS);
  const una = 0xfffff000;                                  // 4096 before the wrap
  const max = (una + 10000) >>> 0;
  sb.update(una, una, max, [0xfffff800, 0x00000400, 0x00000800, 0x00000c00], 2);
  assert.deepEqual(sb.ranges(), [[0xfffff800, 0x400], [0x800, 0xc00]]);
  assert.equal(sb.sackedBytes, 0x800 + 0x400 + 0x400);
  assert.equal(sb.isSacked(0xffffffff), true);
  assert.equal(sb.isSacked(0x500), false);
  assert.equal(sb.nextSeg(una, una), una);                  // 3072 bytes SACKed above > 2·SMSS
  sb.advance(0x200);
  assert.deepEqual(sb.ranges(), [[0x200, 0x400], [0x800, 0xc00]]);
});
