/**
 * Malformed and hostile segments change nothing but counters (RFC 5961,
 * RFC 9293 §3.10.7; the brief: bad input is dropped and counted), and get
 * exactly the replies Linux gives: nothing, or one challenge ACK per 500 ms.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { TcpState } from "../../src/tcp/tcp-state.js";
import { Packet } from "../../src/wire/packet.js";
import { drive, establishedPair, injectTcp } from "../helpers/vocabulary.js";

test("hostile and malformed segments: bad checksum, bad data offset, out-of-window RST/SYN, blind data — only counters change", async () => {
  const { net, server, cp, cfd, sp, sfd, srv, capture } = await establishedPair({ link: { latency: ms(1) } });
  const before = { rcvNxt: srv.rcvNxt, sndUna: srv.sndUna, q: srv.rcvBuf.length };
  const c = server.counters;
  // 1. Bad checksum: dropped, counted, no reply.
  injectTcp(server, { flags: "P.", seq: 1, ack: 1, data: "EVIL", mangle: (p) => { p.head[37]! ^= 0xff; return p; } });
  assert.equal(c.Tcp.InCsumErrors, 1);
  // 2. Bad data offset (4 words < 5).
  injectTcp(server, { flags: ".", seq: 1, ack: 1, mangle: (p) => { p.head[32] = 4 << 4; return p; } });
  assert.equal(c.Sockstack.TcpBadDataOffset, 1);
  capture.expectNoMore();
  // 3. RST out of the window: ignored. RST in the window but not exact: challenge ACK (RFC 5961 §3.2).
  injectTcp(server, { flags: "R", seq: 1 + 10_000_000 });
  capture.expectNoMore();
  injectTcp(server, { flags: "R", seq: 1 + 100 });
  capture.expectTcp({ from: "server", flags: ".", seq: 1, ack: 1 });
  assert.equal(srv.state, TcpState.ESTABLISHED);
  assert.equal(c.TcpExt.TCPChallengeACK, 1);
  // 4. SYN on an established connection: a challenge (RFC 5961 §4), but within 500 ms of the last one
  //    it is not sent (Linux tcp_send_challenge_ack → __tcp_oow_rate_limited).
  injectTcp(server, { flags: "S", seq: 1 + 5 });
  assert.equal(srv.state, TcpState.ESTABLISHED);
  assert.equal(c.TcpExt.TCPSYNChallenge, 1);
  assert.equal(c.TcpExt.TCPACKSkippedChallenge, 1);
  // 5. Blind data (RFC 5961 §5): below, on a fresh connection.
  // 6. Data far outside the window: dropped with a duplicate ACK (data segments are never rate-limited).
  injectTcp(server, { flags: "P.", seq: 1 + 0x20000000, ack: 1, data: "EVIL" });
  capture.expectTcp({ from: "server", flags: ".", seq: 1, ack: 1 });
  // 7. A truncated header (IP says 30 bytes of TCP).
  injectTcp(server, { flags: ".", seq: 1, ack: 1, mangle: (p) => new Packet(p.head.subarray(0, 30), undefined, false) });
  assert.deepEqual({ rcvNxt: srv.rcvNxt, sndUna: srv.sndUna, q: srv.rcvBuf.length }, before);
  capture.expectNoMore();
  await cp.send(cfd, "real");
  assert.equal(new TextDecoder().decode(await drive(net, sp.recv(sfd, 100))), "real");
  capture.expectTcp({ from: "client", flags: "P.", seq: 1, ack: 1, data: "real" });
});

test("RFC 5961 §5: blind data with an ACK below snd.una − max window is dropped and answered by a challenge ACK", async () => {
  const { net, server, sp, sfd, srv, capture } = await establishedPair({ link: { latency: ms(1) } });
  injectTcp(server, { flags: "P.", seq: 1, ack: 1 - 0x40000000, data: "EVIL" });
  capture.expectTcp({ from: "server", flags: ".", seq: 1, ack: 1 });
  capture.expectNoMore();
  assert.equal(srv.rcvNxt, (capture.isn("10.0.0.1", srv.remotePort, "10.0.0.2", 9090)! + 1) >>> 0, "nothing accepted");
  assert.equal(server.counters.TcpExt.TCPChallengeACK, 1);
  await net.settle();
  assert.equal(sp.ioctl(sfd, "FIONREAD"), 0);
});

test("RFC 5961 §5: blind data within 500 ms of a challenge ACK gets no second one (the challenge limit applies to data too)", async () => {
  // Linux tcp_send_challenge_ack uses __tcp_oow_rate_limited, which spares no segment (checked on
  // Linux 6.18: test/tcp/linux-input-states-probe.py U — TCPACKSkippedChallenge 1, no ACK; after 500 ms, one).
  const { net, server, capture } = await establishedPair({ link: { latency: ms(1) } });
  injectTcp(server, { flags: "R", seq: 1 + 100 });
  capture.expectTcp({ from: "server", flags: ".", seq: 1, ack: 1 });
  injectTcp(server, { flags: "P.", seq: 1, ack: 1 - 0x40000000, data: "EVIL" });
  capture.expectNoMore();
  assert.equal(server.counters.TcpExt.TCPACKSkippedChallenge, 1);
  await net.advance(ms(600));
  capture.expectNoMore();
  injectTcp(server, { flags: "P.", seq: 1, ack: 1 - 0x40000000, data: "EVIL" });
  capture.expectTcp({ from: "server", flags: ".", seq: 1, ack: 1 });
  capture.expectNoMore();
});
