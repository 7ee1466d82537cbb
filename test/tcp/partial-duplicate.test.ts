/**
 * A segment partly below rcv.nxt on a SACK connection (the overlapping-*
 * scripts of FreeBSD's tcp-testsuite): both personalities report the
 * duplicate part as a D-SACK; FreeBSD ACKs at once (tcp_input's TF_ACKNOW
 * after trimming), Linux leaves the ACK to the delayed-ACK engine
 * (tcp_data_queue only records the D-SACK) — on this machine's kernel the
 * ACK came 42–49 ms later (real time) with the D-SACK 50:100
 * (`unshare -n python3 test/tcp/linux-partial-duplicate-probe.py`).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { personalitySysctls } from "../../src/core/personality.js";
import { injectTcp, listenOn, rawPeer } from "../helpers/vocabulary.js";

const PORT = 8080;

/** An accepted SACK connection that has received 99 bytes (read), then a 199-byte segment overlapping them; returns what the host sent. */
async function partialDuplicate(personality: "linux" | "freebsd") {
  const t = rawPeer();
  Object.assign(t.host.sysctl, personalitySysctls(personality));
  const l = listenOn(t.p, PORT);
  injectTcp(t.host, { flags: "S", port: PORT, peerPort: 40000, options: { mss: 1460, sackOk: true } });
  t.capture.expectTcp({ flags: "S.", seq: 0, ack: 1 });
  await t.net.advance(ms(10));
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1 });
  const { fd } = await t.p.accept(l);
  injectTcp(t.host, { flags: ".", seq: 1, ack: 1, data: new Uint8Array(99) });
  await t.net.advance(ms(1));
  assert.equal((await t.p.recv(fd, 1000)).length, 99, "the first 99 bytes arrived");
  await t.net.advance(ms(300)); // the first segment's ACK, whenever it leaves
  t.capture.drain();
  // Out of Linux's quick-ACK start (16 immediate ACKs): the delayed-ACK engine decides (FreeBSD has no such mode).
  if (personality === "linux") t.p.setsockopt(fd, "IPPROTO_TCP", "TCP_QUICKACK", 0);
  const at = t.net.now();
  injectTcp(t.host, { flags: ".", seq: 50, ack: 1, data: new Uint8Array(199) });
  await t.net.advance(ms(300));
  const acks = t.capture.drain().map((s) => {
    const base = s.ack - s.rack; // the peer's ISN: SACK blocks relative to it
    const flat = Array.from(s.header.sack ?? [], (x) => (x - base) | 0);
    return { after: s.at - at, ack: s.rack, sack: flat.flatMap((x, i) => (i % 2 ? [] : [[x, flat[i + 1]!]])) };
  });
  return acks;
}

test("FreeBSD personality: a partly duplicate segment is ACKed at once with the D-SACK of its old part", async () => {
  const acks = await partialDuplicate("freebsd");
  assert.equal(acks.length, 1, `one ACK: ${JSON.stringify(acks)}`);
  assert.equal(acks[0]!.after, 0, "at once (TF_ACKNOW)");
  assert.equal(acks[0]!.ack, 249, "everything acknowledged");
  assert.deepEqual(acks[0]!.sack, [[50, 100]], "the D-SACK of the duplicate part");
});

test("Linux personality: the D-SACK waits for the delayed ACK", async () => {
  const acks = await partialDuplicate("linux");
  assert.equal(acks.length, 1, `one ACK: ${JSON.stringify(acks)}`);
  assert.equal(acks[0]!.after, 40_000, "the delayed ACK at the ATO floor (TCP_ATO_MIN 40 ms; the kernel: 42–49 ms in real time)");
  assert.equal(acks[0]!.ack, 249, "everything acknowledged");
  assert.deepEqual(acks[0]!.sack, [[50, 100]], "the D-SACK of the duplicate part");
});
