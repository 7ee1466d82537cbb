/**
 * `ref()`/`unref()` with Node's meaning: runLikeNode drives virtual time as
 * Node's event loop runs, until nothing referenced keeps it alive — so an
 * unref'd server, socket, dgram socket or timer does not keep it going,
 * and a socket's own timeout (an unref'd timer in Node) never does.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import { Network, ms, sec } from "../../src/index.js";
import { nodeLoopAlive, nodeOn, runLikeNode, virtualTimers } from "../../src/node.js";

function world() {
  const net = new Network({ seed: 1, driver: { warn: () => {} } });
  const a = net.addHost("a"), b = net.addHost("b");
  net.link(a, b, { latency: ms(1) });
  return { net, a: nodeOn(a), b: nodeOn(b) };
}

test("timers: an unref'd one does not keep the loop alive, a referenced one does", async () => {
  const { net } = world();
  const vt = virtualTimers(net);
  try {
    let fired = 0;
    setTimeout(() => fired++, 1000).unref();
    const r = await runLikeNode(net, { until: sec(60) });
    assert.equal(r.reason, "predicate", "the loop emptied");
    assert.equal(fired, 0, "the unref'd timer did not fire");
    assert.equal(net.now(), 0, "no virtual time passed");
    const t = setTimeout(() => fired++, 1000);
    t.unref();
    t.ref();
    await runLikeNode(net, { until: sec(60) });
    assert.equal(fired, 2, "ref() again: both fire (the earlier one is due first)");
    assert.equal(net.now(), 1_000_000, "at 1 s");
  } finally {
    vt.uninstall();
  }
});

test("a paused connection to an unref'd server, an unref'd 1 s timer: the loop ends before it fires (test-net-connect-paused-connection)", async () => {
  const { net, a, b } = world();
  const vt = virtualTimers(net);
  try {
    let fired = false;
    const srv = b.net.createServer((conn) => conn.unref()).listen(80).unref();
    const c = a.net.connect(80, "b").pause();
    setTimeout(() => (fired = true), 1000).unref();
    const r = await runLikeNode(net, { until: sec(60) });
    assert.equal(r.reason, "predicate", "nothing referenced is active");
    assert.equal(fired, false, "Node exits with the unref'd timer pending");
    assert.ok(!c.connecting, "the client connected first (connecting keeps the loop alive)");
    assert.ok(net.now() < 1_000_000, "before 1 s of virtual time");
    srv.ref();
    assert.ok(nodeLoopAlive(), "a referenced listening server keeps it alive");
    srv.close();
    c.destroy();
  } finally {
    vt.uninstall();
  }
});

test("a reading socket keeps the loop alive until its data comes; unref'd, it does not; a socket timeout never does", async () => {
  const run = async (unref: boolean) => {
    const { net, a, b } = world();
    const vt = virtualTimers(net);
    try {
      const got: string[] = [];
      b.net.createServer((conn) => {
        setTimeout(() => conn.end("late"), 2000).unref();
      }).listen(80).unref();
      const c = a.net.connect(80, "b");
      c.setTimeout(500_000); // an idle timeout is an unref'd timer in Node
      c.on("data", (d) => got.push(`${d} at ${net.now()}`));
      if (unref) c.unref();
      await runLikeNode(net, { until: sec(1000) });
      return { got, now: net.now() };
    } finally {
      vt.uninstall();
    }
  };
  const ref = await run(false);
  assert.deepEqual(ref.got, ["late at 2004000"], "the reading client kept the loop alive until the server's data");
  const unref = await run(true);
  assert.deepEqual(unref.got, [], "an unref'd client keeps nothing alive");
  assert.ok(unref.now < 2_000_000, "the loop ended before the data");
});

test("dgram: a bound socket keeps the loop alive unless unref'd", async () => {
  const { net, a } = world();
  const s = a.dgram.createSocket("udp4").bind(5000);
  const r1 = await runLikeNode(net, { until: sec(5) });
  assert.equal(r1.reason, "idle", "referenced: the loop stays alive (the simulation went idle)");
  s.unref();
  assert.equal(nodeLoopAlive(), false, "unref'd: nothing keeps it alive");
  s.ref();
  assert.equal(nodeLoopAlive(), true, "ref() again");
  s.close();
  assert.equal(nodeLoopAlive(), false, "closed");
});

test("interception: Node's own http server unref'd before or after listen inside run()", async () => {
  const { net, b } = world();
  const early = b.run(() => http.createServer().unref().listen(80));
  assert.equal(nodeLoopAlive(), false, "unref() before listen applies at listen, as Node");
  const late = b.run(() => http.createServer().listen(81));
  assert.equal(nodeLoopAlive(), true, "a referenced listener keeps the loop alive");
  late.unref();
  assert.equal(nodeLoopAlive(), false, "unref() after listen");
  const r = await runLikeNode(net, { until: sec(5) });
  assert.equal(r.reason, "predicate", "the loop emptied");
  early.close();
  late.close();
});

test("a write in flight keeps the loop alive even on an unref'd socket (libuv's write request is referenced), until the bytes are in the send buffer", async () => {
  const { net, a, b } = world();
  const vt = virtualTimers(net);
  try {
    let written = -1;
    b.net.createServer((conn) => {
      conn.pause(); // the window closes: the client's write waits
      setTimeout(() => conn.resume(), 3000).unref();
    }).listen(80).unref();
    const c = a.net.connect(80, "b", () => {
      c.unref();
      c.write(Buffer.alloc(4 << 20), () => (written = net.now()));
    });
    await runLikeNode(net, { until: sec(1000) });
    assert.ok(written >= sec(3), `the write completed after the reader resumed at 3 s (at ${written} µs): the pending write kept the loop alive`);
  } finally {
    vt.uninstall();
  }
});
