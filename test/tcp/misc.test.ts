/**
 * Urgent data (C8) and ICMP errors during connect (EHOSTUNREACH).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { Network } from "../../src/sim/network.js";
import { connectTo, drive, establishedPair } from "../helpers/vocabulary.js";

test("C8: send(MSG_OOB) marks the last byte urgent: recv(MSG_OOB) gets it, the stream does not; SO_OOBINLINE keeps it inline", async () => {
  for (const inline of [false, true]) {
    const { net, cp, cfd, sp, sfd, capture } = await establishedPair({
      link: { latency: ms(1) },
      beforeListen: (p, l) => { if (inline) p.setsockopt(l, "SOL_SOCKET", "SO_OOBINLINE", 1); },
    });
    await cp.send(cfd, "abc", 0x1);
    await net.advance(ms(50));
    // One segment with URG set and the urgent pointer just past the urgent byte (Linux: seq + 3).
    capture.expectTcp({ from: "client", flags: "P.U", seq: 1, ack: 1, data: "abc", urg: 3 });
    capture.expectTcp({ from: "server", flags: ".", seq: 1, ack: 4 });
    capture.expectNoMore();
    const out = [new TextDecoder().decode(await drive(net, sp.recv(sfd, 100)))];
    try {
      out.push(`oob ${new TextDecoder().decode(await sp.recv(sfd, 1, 0x1))}`);
    } catch (e) {
      out.push((e as Error).message);
    }
    if (inline) assert.deepEqual(out, ["abc", "recv: Invalid argument"]);
    else assert.deepEqual(out, ["ab", "oob c"]);
  }
});

test("G4: connect through a router that has no route to the destination fails with EHOSTUNREACH/ENETUNREACH from ICMP", async () => {
  const net = new Network({ seed: 3 });
  const a = net.addHost("a"), r = net.addHost("r", { router: true });
  net.link(a, r, { a: "10.0.1.1/24", b: "10.0.1.254/24", latency: ms(1) });
  a.addRoute("default", "10.0.1.254");
  let err = "";
  a.spawn("c", async (p) => {
    try { await connectTo(p, "192.0.2.9", 80); } catch (e) { err = (e as Error).message; }
  });
  await net.run();
  assert.equal(err, "connect: Network is unreachable");
  assert.equal(r.counters.Icmp.OutDestUnreachs, 1);
});
