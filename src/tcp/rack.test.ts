import { test } from "node:test";
import assert from "node:assert/strict";
import { SentLog, TCP_RACK_RECOVERY_THRESH, rackUpdateReoWnd, sentAfter } from "./rack.js";
import type { TcpLayer } from "./tcp-layer.js";

/** Just enough of a TcpLayer for rackUpdateReoWnd: the sysctls. */
const layer = (tcp_recovery: number) => ({ ctx: { sysctl: { tcp_recovery } } }) as unknown as TcpLayer;

/** A log of `n` 1000-byte segments from 1, sent at `at` µs. */
function log(n: number, at = 0): SentLog {
  const l = new SentLog();
  for (let i = 0; i < n; i++) l.onSent(1 + 1000 * i, 1001 + 1000 * i, at);
  return l;
}

test("RACK_sent_after: later time wins; at the same time, the higher sequence", () => {
  assert.equal(sentAfter(2, 1, 0, 5000), true, "a later send time is after an earlier one");
  assert.equal(sentAfter(1, 1, 5000, 4000), true, "at 5000 µs vs 4000 µs the first was sent after");
  assert.equal(sentAfter(1, 1, 4000, 5000), false, "at 4000 µs vs 5000 µs the first was sent before");
});

test("SentLog: SACK tags whole segments only; a block over part of one tags nothing", () => {
  const l = log(4);
  const out: number[] = [];
  assert.equal(l.alignSack([3000, 4001], 1, 1, out), 1, "a block covering segment 3 exactly tags one segment");
  assert.deepEqual(out.slice(0, 2), [3001, 4001], "the aligned block is segment 3's edges");
  assert.equal(l.alignSack([4000, 4001], 1, 1, out), 0, "a block over part of segment 4 tags nothing");
  // A D-SACK first block (below the cumulative ACK) passes as is.
  assert.equal(l.alignSack([1, 501, 2001, 3001], 2, 1001, out), 2, "a D-SACK first block passes as is, with the block after it");
  assert.deepEqual(out.slice(0, 4), [1, 501, 2001, 3001], "both blocks come out unchanged");
});

test("SentLog: loss detection marks segments sent before the delivered one once RACK.rtt + the window passed, and reports the wait of the others", () => {
  const l = new SentLog();
  l.onSent(1, 1001, 0);
  l.onSent(1001, 2001, 10_000);
  l.onSent(2001, 3001, 20_000);
  // The third segment SACKed at 120 ms: RACK.rtt 100 ms.
  l.tagSack(2001, 3001, 120_000, 100_000, 1);
  assert.equal(l.rackRtt, 100_000, "RACK.rtt is the SACKed segment's RTT (120 − 20 ms)");
  // At 110 ms with a 5 ms window: segment 1 (sent at 0) is 110 ms old > 100 + 5 → lost; segment 2
  // (100 ms old) has 100 + 5 − 100 = 5 ms left → the reordering timer.
  const r = l.detectLoss(110_000, 5_000);
  assert.equal(l.lostSegs, 1, "segment 1, 110 ms old > 100 + 5 ms, is marked lost");
  assert.equal(r.timeout, 5_000, "segment 2 has 5 ms left: the reordering timer");
  assert.equal(l.lostBytes, 1000, "the lost bytes are segment 1's 1000");
  // Retransmitting the lost segment puts it back in the pipe and stamps it.
  l.onSent(1, 1001, 111_000);
  assert.equal(l.lostBytes, 0, "a retransmitted segment is back in the pipe");
  assert.equal(l.entry(0).time, 111_000, "the retransmission restamps the segment's send time");
  assert.equal(l.nextLost(1), -1, "no lost segment is left to retransmit");
});

test("SentLog: a retransmission splits a segment at its edges; the cumulative ACK trims and drops", () => {
  const l = log(2);
  l.onSent(1, 501, 5);
  assert.equal(l.length, 3, "a partial retransmission splits the first segment in two");
  assert.deepEqual([l.entry(0).start, l.entry(0).end, l.entry(0).retrans], [1, 501, true], "the retransmitted half is [1, 501) and marked retransmitted");
  assert.deepEqual([l.entry(1).start, l.entry(1).retrans], [501, false], "the other half is [501, …) and not retransmitted");
  const r = l.ack(701, 50, 1, { segs: 0, reord: -1, lastAckt: -1 });
  assert.equal(r.segs, 1, "the ACK of 701 acknowledges one whole entry");
  assert.equal(r.lastAckt, -1, "a retransmitted segment acknowledged: no RTT sample (FLAG_RETRANS_DATA_ACKED)");
  assert.equal(l.entry(0).start, 701, "the ACK of 701 trims the next entry to start at 701");
  l.ack(2001, 60, 1, { segs: 0, reord: -1, lastAckt: -1 });
  assert.equal(l.length, 0, "the ACK of everything empties the log");
  assert.equal(l.memoryBytes, 0, "the ring is given back when nothing is in flight");
});

test("the reordering window grows a step per D-SACK round trip, persists 16 recoveries, and stays put with tcp_recovery 0x2", () => {
  const l = log(1);
  l.dsackSeen = true;
  l.delivered = 10;
  rackUpdateReoWnd(layer(1), l, 9);
  assert.equal(l.reoWndSteps, 2, "a D-SACK in a new round trip grows the window to 2 steps");
  assert.equal(l.reoWndPersist, TCP_RACK_RECOVERY_THRESH, "the grown window persists for TCP_RACK_RECOVERY_THRESH recoveries");
  // A D-SACK within the same round trip (prior_delivered below the last change) is ignored.
  l.dsackSeen = true;
  rackUpdateReoWnd(layer(1), l, 5);
  assert.equal(l.reoWndSteps, 2, "a D-SACK in the same round trip changes nothing");
  // Once the recoveries it persists for are over, back to one step.
  l.reoWndPersist = 0;
  rackUpdateReoWnd(layer(1), l, 20);
  assert.equal(l.reoWndSteps, 1, "with no recoveries left to persist for, back to one step");
  const s = log(1);
  s.dsackSeen = true;
  s.delivered = 10;
  rackUpdateReoWnd(layer(3), s, 9);
  assert.equal(s.reoWndSteps, 1, "tcp_recovery 0x2 (static window) keeps one step");
});

test("SentLog: highestSackSeq (kept without a scan) equals a scan of the log through SACKs, splits, RTO and ACKs", () => {
  /** The reference: the end of the last SACKed entry, else snd.una. */
  const scan = (l: SentLog, una: number): number => {
    for (let i = l.length - 1; i >= 0; i--) if (l.entry(i).sacked) return l.entry(i).end;
    return una;
  };
  let seed = 12345;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const l = log(40);
  let una = 1;
  const end = 40_001;
  for (let step = 0; step < 400; step++) {
    const op = rnd(6);
    const at = una + rnd(Math.max(1, end - una));
    if (op <= 1) l.tagSack(at - ((at - 1) % 1000), at - ((at - 1) % 1000) + 1000 * (1 + rnd(3)), step, 1, end);
    else if (op === 2) l.onSent(at, Math.min(end, at + 1 + rnd(1500)), step); // a retransmission, split at its edges
    else if (op === 3 && rnd(8) === 0) l.clearSacks();
    else if (op === 4 && rnd(4) === 0) {
      una = Math.min(end, una + rnd(1700));
      l.ack(una, step, 1, { segs: 0, reord: -1, lastAckt: -1 });
    } else if (op === 5 && rnd(10) === 0) l.markAllLost();
    assert.equal(l.highestSackSeq(una), scan(l, una), `step ${step} (op ${op}): highestSackSeq must match a scan`);
    if (una === end) break;
  }
});

test("SentLog: lost and SACKed counts match a scan of the marks through sends, SACKs, RACK scans, RTO marks (with RACK's exception), undo and ACKs", () => {
  let seed = 777;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const l = new SentLog();
  let una = 1;
  let now = 0;
  const end = 30_001;
  for (let s = 1; s < end; s += 1000) l.onSent(s, s + 1000, now);
  for (let step = 0; step < 600; step++) {
    now += 1000 + rnd(20_000);
    const op = rnd(7);
    const at = una + rnd(Math.max(1, end - una));
    const seg = at - ((at - 1) % 1000);
    if (op === 0) l.tagSack(seg, Math.min(end, seg + 1000 * (1 + rnd(3))), now, 1, end);
    else if (op === 1) l.onSent(seg, Math.min(end, seg + 1 + rnd(1500)), now);
    else if (op === 2) l.detectLoss(now, rnd(3) * 5000);
    else if (op === 3 && rnd(4) === 0) {
      l.rackRtt = rnd(2) * 40_000;
      l.timeoutMarkLost(now);
    } else if (op === 4 && rnd(6) === 0) l.unmarkLost();
    else if (op === 5 && rnd(3) === 0) {
      una = Math.min(end, una + rnd(1700));
      l.ack(una, now, 1, { segs: 0, reord: -1, lastAckt: -1 });
    }
    let lostSegs = 0, lostBytes = 0, sackedSegs = 0, sackedBytes = 0;
    for (let i = 0; i < l.length; i++) {
      const e = l.entry(i);
      const len = e.end - e.start;
      if (e.sacked) {
        sackedSegs++;
        sackedBytes += len;
      } else if (e.lost) {
        lostSegs++;
        if (!e.rtxOut) lostBytes += len;
      }
    }
    const what = `step ${step} (op ${op})`;
    assert.equal(l.lostSegs, lostSegs, `${what}: lostSegs must count the lost, un-SACKed entries`);
    assert.equal(l.lostBytes, lostBytes, `${what}: lostBytes must be the lost entries not being retransmitted`);
    assert.equal(l.sackedBytes, sackedBytes, `${what}: sackedBytes must be the SACKed entries' bytes`);
    assert.equal(l.sackedSegs, sackedSegs, `${what}: sackedSegs must count the SACKed entries`);
    if (una === end) break;
  }
});

test("SentLog: splitting a lost segment counts both halves as lost (a Fast Open SYN's data resent in MSS pieces)", () => {
  const l = new SentLog();
  l.onSent(101, 1421, 0);
  l.markAllLost();
  assert.equal(l.lostSegs, 1, "one lost entry before the resend");
  l.onSent(101, 1101, 40_000);
  l.onSent(1101, 1421, 40_000);
  assert.equal(l.length, 2, "the resend split the entry at the MSS");
  assert.equal(l.lostSegs, 2, "both halves still count as lost until SACKed or marked again");
  l.onSent(1421, 2421, 40_000);
  l.tagSack(1101, 2421, 50_000, 10_000, 101);
  assert.equal(l.lostSegs, 1, "SACKing one half leaves the other lost");
});

test("SentLog: an ACK's RTT sample is the newest segment it delivers (Linux ca_rtt_us from last_ackt)", () => {
  const l = new SentLog();
  l.onSent(1, 1001, 0);
  l.onSent(1001, 2001, 10_000);
  l.onSent(2001, 3001, 20_000);
  const r = l.ack(2001, 50_000, 1, { segs: 0, reord: -1, lastAckt: -1 });
  assert.equal(r.segs, 2, "two segments delivered");
  assert.equal(r.lastAckt, 10_000, "the second one's transmit time, not the first's");
  assert.equal(l.ack(2501, 60_000, 1, r).lastAckt, -1, "a partly acknowledged segment gives none (Linux breaks on a one-segment skb)");
});

test("a ring given back when a flight ends is reused as if fresh: only this flight's segments, nothing left from the last", () => {
  const first = new SentLog();
  for (let i = 0; i < 8; i++) first.onSent(1 + i * 100, 101 + i * 100, 10 + i);
  first.ack(801, 50, 1, { segs: 0, reord: -1, lastAckt: -1 });
  assert.equal(first.length, 0, "the whole flight acknowledged: the log is empty (its ring given back)");
  const second = new SentLog();
  second.onSent(5000, 5500, 70);
  assert.equal(second.length, 1, "a fresh flight of one segment");
  const e = second.entry(0);
  assert.deepEqual([e.start, e.end, e.time, e.sacked, e.lost, e.retrans], [5000, 5500, 70, false, false, false],
    "the reused ring holds this segment only");
  assert.equal(second.headTime, 70, "the head is this flight's segment");
  const r = second.ack(5500, 90, 1, { segs: 0, reord: -1, lastAckt: -1 });
  assert.equal(r.segs, 1, "one segment acknowledged, none from the previous flight");
  assert.equal(r.lastAckt, 70, "the RTT sample comes from this segment's send time");
});
