/**
 * pacing.ts burstSegs against Linux 6.18's tcp_tso_segs/tcp_tso_autosize:
 * bursts are capped in bytes at sk_gso_max_size (65536 − MAX_TCP_HEADER −
 * 1 = 65343), then at sk_gso_max_segs (65535) segments — not at a fixed
 * count of segments.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { burstSegs } from "./pacing.js";
import { SK_GSO_MAX_SIZE } from "./constants.js";
import type { Tcb } from "./tcb.js";

/** The two fields burstSegs reads: min RTT (µs) and the algorithm's min_tso_segs hook. */
function tcb(minRtt: number, minTsoSegs?: () => number): Tcb {
  return { rtt: { minRtt }, cc: { minTsoSegs } } as unknown as Tcb;
}

test("burstSegs: the byte cap is sk_gso_max_size (65343): 65 segments at MSS 1000, 45 at 1448, 653 at 100", () => {
  assert.equal(SK_GSO_MAX_SIZE, 65343, "65536 − MAX_TCP_HEADER (192) − 1");
  assert.equal(burstSegs(tcb(0), Infinity, 1000), 65, "an unknown rate (~0UL) gives the byte cap");
  assert.equal(burstSegs(tcb(0), Infinity, 1448), 45, "65343 / 1448");
  assert.equal(burstSegs(tcb(0), Infinity, 100), 653, "no 45-segment cap: sk_gso_max_segs is 65535");
  // 50 MB/s on a short path: 48828 bytes per ms + the whole 65343 allowance (min_rtt < 512 µs), capped at 65343.
  assert.equal(burstSegs(tcb(100), 50_000_000, 1000), 65, "a fast short path reaches the byte cap");
});

test("burstSegs: slow or long paths: ~1 ms of the rate, the allowance halving every 512 µs of min RTT, at least min_tso_segs", () => {
  // 2 MB/s, 40 ms min RTT: 1953 bytes, no allowance (40000 >> 9 = 78 ≥ 32): 1 segment, raised to 2.
  assert.equal(burstSegs(tcb(40_000), 2_000_000, 1000), 2, "tcp_min_tso_segs (2)");
  assert.equal(burstSegs(tcb(40_000), 2_000_000, 1000, 5), 5, "the sysctl passed in");
  assert.equal(burstSegs(tcb(40_000), 2_000_000, 1000, 2), 2, "the default");
  assert.equal(burstSegs(tcb(40_000, () => 3), 2_000_000, 1000), 3, "the algorithm's min_tso_segs wins (bbr)");
  // 1 MB/s, min RTT 1 ms: 976 bytes + 65343 >> 1 (32671) = 33647 bytes: 33 segments.
  assert.equal(burstSegs(tcb(1000), 1_000_000, 1000), 33, "gso_max_size >> (min_rtt >> 9)");
});
