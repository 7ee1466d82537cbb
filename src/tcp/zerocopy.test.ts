import { test } from "node:test";
import assert from "node:assert/strict";
import { SO_EE_CODE_ZEROCOPY_COPIED, SO_EE_ORIGIN_ZEROCOPY, ZeroCopySock } from "./zerocopy.js";

test("each MSG_ZEROCOPY send gets the next id; acknowledged ranges merge into the unread notification", () => {
  const z = new ZeroCopySock();
  z.begin(1000, false);
  z.end(1000, 1000);
  z.begin(2000, false);
  z.end(2000, 1000);
  assert.equal(z.acked(999), false, "nothing completes before all of a range is acknowledged");
  assert.equal(z.acked(1000), true, "id 0 completes");
  assert.equal(z.acked(2000), true, "id 1 completes");
  assert.equal(z.errQueue.length, 1, "1 follows 0 in the unread notification: merged");
  const e = z.errQueue[0]!;
  assert.deepEqual([e.ee_origin, e.ee_code, e.ee_info, e.ee_data], [SO_EE_ORIGIN_ZEROCOPY, SO_EE_CODE_ZEROCOPY_COPIED, 0, 1], "range [0, 1], copied");
});

test("a send that queued nothing takes its id back; an open send never completes", () => {
  const z = new ZeroCopySock();
  z.begin(0, false);
  z.end(0, 0);
  assert.equal(z.key, 0, "the id was given back");
  z.begin(500, false);
  assert.equal(z.acked(500), false, "still open: the sendmsg holds its reference");
  z.end(500, 500);
  assert.equal(z.acked(500), true, "completes once the call returned");
  assert.equal(z.errQueue[0]!.ee_info, 0, "id 0");
});

test("a send joining the previous send's unsent record extends its range", () => {
  const z = new ZeroCopySock();
  z.begin(100, false);
  z.end(100, 100);
  z.begin(200, z.lastEndsAt(100));
  z.end(200, 100);
  z.acked(200);
  assert.deepEqual([z.errQueue[0]!.ee_info, z.errQueue[0]!.ee_data], [0, 1], "one range, ids 0 and 1");
});
