// Interactive (pingpong) mode, Linux tcp_event_data_sent: a reply sent within
// ATO of the data it answers makes the connection interactive, so the next
// request's ACK is delayed. With Nagle on, a request written in two parts
// then waits for that delayed ACK (40 ms) — from the second request on, as
// Linux 6.18 shows on loopback (python3: write 10, write 10, read 1, 100 ms
// apart: 0.1, 48, 50, 48 … ms; with TCP_NODELAY 0.2 ms each). Before the
// fix the server stayed in quick-ACK mode for 8 requests, then inflated its
// ATO to 200 ms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { Network } from "../../src/sim/network.js";
import { connectTo, injectTcp, listenOn, rawPeer } from "../helpers/vocabulary.js";

test("a reply makes the connection interactive: the next request's first part waits for the 40 ms delayed ACK under Nagle", async () => {
  const net = new Network({ seed: 3 });
  const c = net.addHost("c");
  const s = net.addHost("s");
  net.link(c, s, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(5) });
  s.spawn("server", async (p) => {
    const l = listenOn(p, 9090, 1);
    const { fd } = await p.accept(l);
    for (;;) {
      const req = await p.recvExactly(fd, 20);
      if (req.length < 20) break;
      await p.send(fd, "k");
    }
  });
  const times: number[] = [];
  c.spawn("client", async (p) => {
    const fd = await connectTo(p, "10.0.0.2", 9090);
    for (let i = 0; i < 12; i++) {
      const t0 = net.now();
      await p.send(fd, "0123456789");
      await p.send(fd, "0123456789");
      await p.recv(fd, 1);
      times.push((net.now() - t0) / 1000);
      await net.sleep(ms(100));
    }
    await p.close(fd);
  });
  await net.run();
  assert.deepEqual(times, [20, ...Array<number>(11).fill(60)]); // 2 round trips + the 40 ms delayed ACK
});

/**
 * The accepted side of a raw-peer handshake (peer MSS 1000, no options but
 * the MSS), with the peer's window closed when `zeroWindow`.
 */
async function accepted(zeroWindow: boolean) {
  const t = rawPeer();
  const l = listenOn(t.p, 8080);
  injectTcp(t.host, { flags: "S", port: 8080, peerPort: 40000, options: { mss: 1000 } });
  t.capture.expectTcp({ flags: "S.", seq: 0, ack: 1 });
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1, win: zeroWindow ? 0 : 65535 });
  const { fd } = await t.p.accept(l);
  return { ...t, fd, tcb: t.conn(8080)! };
}

test("an ACK riding on data spends a quick ACK as a pure one does (Linux tcp_event_ack_sent → tcp_dec_quickack_mode)", async () => {
  // Pure: the peer's first data gets a quick (immediate) pure ACK.
  const pure = await accepted(false);
  injectTcp(pure.host, { flags: "P.", seq: 1, ack: 1, data: "x".repeat(100) });
  pure.capture.expectTcp({ flags: ".", seq: 1, ack: 101, len: 0 });
  const afterPure = pure.tcb.quickAcks;
  // Riding: our write waits behind the peer's zero window; the peer's first data opens the
  // window, and our data goes out carrying the ACK of it — no pure ACK follows.
  const ride = await accepted(true);
  await ride.p.send(ride.fd, "y".repeat(50));
  injectTcp(ride.host, { flags: "P.", seq: 1, ack: 1, win: 65535, data: "x".repeat(100) });
  ride.capture.expectTcp({ flags: "P.", seq: 1, ack: 101, len: 50 });
  await ride.net.advance(ms(1));
  assert.equal(ride.capture.pending().length, 0, "no pure ACK after the data that carried it");
  assert.ok(afterPure > 0, "quick ACKs are left after the first (the budget is rcv_wnd / 2 MSS)");
  assert.equal(ride.tcb.quickAcks, afterPure, "the ACK on data spent one quick ACK, as the pure ACK did");
});
