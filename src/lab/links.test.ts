// Per-link controls: an action names one link of a multi-link scenario (the
// heartbeat demo: a client with a link to each of two servers), changes that
// link alone, and replays from the timeline to the same packets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { describeAction } from "./actions.js";
import { LabSession } from "./session.js";
import { topologySvg } from "./topology.js";

test("a link's impairments and partition apply to that link alone, and replay to the same packets", async () => {
  const a = new LabSession(5, { scenario: "heartbeat" });
  await a.advanceTo(2_000_000);
  assert.equal(a.topology().links.length, 2, "heartbeat: one link to each server");
  await a.act({ kind: "configure", link: 1, impairments: { loss: 0.25, latencyUs: 10_000 } });
  const [l0, l1] = a.topology().links;
  assert.deepEqual([l0!.loss, l0!.latencyUs], [0, 1000], "link 0 keeps its own loss and latency");
  assert.deepEqual([l1!.loss, l1!.latencyUs, l1!.b.host], [0.25, 10_000, "hung"], "link 1 (to hung) changed");
  await a.advanceTo(20_000_000);
  await a.act({ kind: "partition", link: 0 });
  assert.ok(a.partitioned(0), "link 0 partitioned");
  assert.ok(!a.partitioned(1), "link 1 still up");
  assert.ok(!a.partitioned(), "not every link is partitioned");
  assert.deepEqual(a.topology().links.map((l) => l.partitioned), [true, false], "the topology shows which");
  await assert.rejects(a.act({ kind: "heal", link: 7 }), /no link 7 \(the network has 2\)/, "a link that does not exist");
  assert.deepEqual(a.timeline.map(describeAction), [
    "2.000 s  link 1: 10000 µs ±0 ms, loss 25.0%",
    "20.000 s  link 0 partitioned",
  ], "what you did names the link");
  await a.advanceTo(30_000_000);

  const b = new LabSession(5, { scenario: "heartbeat", timeline: a.timeline });
  await b.advanceTo(30_000_000);
  assert.deepEqual(b.tcpdumpLines(), a.tcpdumpLines(), "replayed: the same packets");
  assert.ok(b.partitioned(0) && !b.partitioned(1), "replayed: the same link partitioned");

  // The initial impairments of a session can name one link too (the page's reset with a link picked).
  const c = new LabSession(5, { scenario: "heartbeat", link: 1, impairments: { loss: 0.5 } });
  await c.advanceTo(0);
  assert.deepEqual(c.topology().links.map((l) => l.loss), [0, 0.5], "only link 1 lossy from t = 0");
});

test("the topology draws a star with its hub on the left, each link clickable, the picked one highlighted", async () => {
  const s = new LabSession(5, { scenario: "heartbeat" });
  await s.advanceTo(0);
  const svg = topologySvg(s.topology(), { selected: 1 });
  assert.equal((svg.match(/<g class="link[^"]*" data-link="\d"/g) ?? []).length, 2, "one clickable group per link");
  assert.match(svg, /<g class="link sel" data-link="1">/, "link 1 highlighted");
  assert.match(svg, /link 0: 1000 µs[\s\S]*link 1: 1000 µs/, "each link labelled with its number");
  // The client (the hub, three interfaces) is on the left; the servers share the column on its right.
  const x = (host: string) => Number(new RegExp(`<rect x="(\\d+)" y="[\\d.]+"[^>]*/>\\n<text[^>]*>${host}<`).exec(svg)?.[1]);
  assert.ok(x("client") < x("vanished"), "hub left of the spokes");
  assert.equal(x("vanished"), x("hung"), "the spokes in one column");
  const lecture = new LabSession(0);
  await lecture.advanceTo(0);
  assert.doesNotMatch(topologySvg(lecture.topology()), /<text[^>]*>link 0:/, "a single link is not numbered");
});
