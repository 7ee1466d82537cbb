import { test } from "node:test";
import assert from "node:assert/strict";
import { DeliveryQueue, type InFlight } from "./delivery-queue.js";
import type { Packet } from "../wire/packet.js";

const entry = (at: number, seq: number): InFlight<null> => ({ at, seq, packet: { seq } as unknown as Packet, tag: null, aux: 0, released: false });

test("DeliveryQueue pops in (at, seq) order through in-order runs, reordered pushes and interleaved pops", () => {
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const q = new DeliveryQueue<null>();
  const ref: InFlight<null>[] = [];
  let seq = 0;
  let now = 0;
  let ringPushes = 0;
  for (let step = 0; step < 5000; step++) {
    if (rnd(3) !== 0) {
      // Mostly in order (a fixed latency), sometimes earlier than the last one (reordering), sometimes a burst.
      const lastAt = ref.length ? Math.max(...ref.map((e) => e.at)) : now;
      const at = rnd(5) === 0 ? now + rnd(50) : lastAt + rnd(3);
      if (at >= lastAt) ringPushes++;
      const e = entry(at, seq++);
      q.push(e);
      ref.push(e);
    } else if (ref.length) {
      ref.sort((a, b) => a.at - b.at || a.seq - b.seq);
      assert.equal(q.peek(), ref[0], `step ${step}: peek is the earliest entry`);
      const want = ref.shift()!;
      assert.equal(q.pop(), want, `step ${step}: pop returns the earliest entry`);
      now = want.at;
    }
    assert.equal(q.size, ref.length, `step ${step}: size counts both parts`);
  }
  ref.sort((a, b) => a.at - b.at || a.seq - b.seq);
  assert.deepEqual(q.packets(), ref.map((e) => e.packet), "packets() lists the entries in delivery order");
  while (ref.length) assert.equal(q.pop(), ref.shift(), "drains in order");
  assert.equal(q.peek(), undefined, "empty at the end");
  assert.ok(ringPushes > 1000, "the test exercised the in-order ring (and with it the ring's growth)");
});
