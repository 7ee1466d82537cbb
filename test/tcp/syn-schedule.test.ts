/**
 * The active open's SYN retransmissions and time limit, by personality:
 * Linux (tcp_syn_retries with tcp_syn_linear_timeouts: SYNs 1 s apart five
 * times, then doubling; no TCP_KEEPINIT) and FreeBSD (tcp_timer_rexmt:
 * 1 s × tcp_backoff + rexmit_slop, TCP_KEEPINIT / net.inet.tcp.keepinit
 * ending the attempt with ETIMEDOUT) — against a raw peer that never answers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec, type Micros } from "../../src/core/time.js";
import { personalitySysctls } from "../../src/core/personality.js";
import { rawPeer } from "../helpers/vocabulary.js";
import { tcpOptionList } from "../../src/wire/tcp.js";

/** Connects to a peer that never answers; returns the SYNs' send times (s) within `span` and how connect() ended. */
async function synTimes(personality: "linux" | "freebsd", span: Micros, keepInitSecs?: number, dropOptions = false) {
  const t = rawPeer();
  Object.assign(t.host.sysctl, personalitySysctls(personality));
  t.host.sysctl.tcp_rexmit_drop_options = dropOptions;
  const fd = t.p.socket("AF_INET", "SOCK_STREAM");
  if (keepInitSecs !== undefined) t.p.setsockopt(fd, "IPPROTO_TCP", "TCP_KEEPINIT", keepInitSecs);
  let outcome = "pending";
  let endedAt = -1;
  void t.p.connect(fd, ["10.0.0.1", 8080]).then(() => (outcome = "connected"), (e: Error) => {
    outcome = e.message;
    endedAt = t.net.now() / 1e6;
  });
  await t.net.advance(span);
  const sent = t.capture.drain();
  const at = sent.filter((s) => s.flags.includes("S")).map((s) => Math.round(s.at / 1000) / 1000);
  const options = sent.filter((s) => s.flags.includes("S")).map((s) => tcpOptionList(s.header).map((o) => o.kind).filter((k) => k !== "nop" && k !== "eol").join(","));
  return { at, outcome, endedAt, resets: sent.filter((s) => s.flags.includes("R")).length, options };
}

test("FreeBSD personality: SYNs at 0, 1, 3.2, 7.4, 15.6, 31.8, 64, 128, … s (1 s × 2^n + 200 ms slop, at most 64 s)", async () => {
  const r = await synTimes("freebsd", sec(400), 363);
  assert.deepEqual(r.at, [0, 1, 3.2, 7.4, 15.6, 31.8, 64, 128, 192, 256, 320], "FreeBSD's SYN schedule (snd-syn-rtx-max-number)");
  assert.equal(r.outcome, "connect: Connection timed out", "TCP_KEEPINIT 363 s ends it");
  assert.equal(r.endedAt, 363, "at 363 s");
});

test("FreeBSD personality: net.inet.tcp.keepinit (75 s) and TCP_KEEPINIT end the attempt with ETIMEDOUT, no RST", async () => {
  const dflt = await synTimes("freebsd", sec(80));
  assert.equal(dflt.outcome, "connect: Connection timed out", "the 75 s default limit");
  assert.equal(dflt.endedAt, 75, "at 75 s after connect()");
  const five = await synTimes("freebsd", sec(10), 5);
  assert.deepEqual(five.at, [0, 1, 3.2], "SYNs before the limit");
  assert.equal(five.outcome, "connect: Connection timed out", "TCP_KEEPINIT 5 s");
  assert.equal(five.endedAt, 5, "at 5 s");
  assert.equal(dflt.resets + five.resets, 0, "no RST from SYN-SENT (tcp_drop sends one only after a SYN was received)");
});

test("FreeBSD personality: rexmit_drop_options — from the third retransmission the SYN announces the MSS alone", async () => {
  const r = await synTimes("freebsd", sec(10), undefined, true);
  const full = "mss,wscale,sack-permitted,timestamp";
  assert.deepEqual(r.options, [full, full, full, "mss"], "SYNs at 0, 1, 3.2 s with every option, at 7.4 s the MSS only");
  const off = await synTimes("freebsd", sec(10));
  assert.deepEqual(off.options, [full, full, full, full], "without the sysctl every SYN keeps its options");
});

test("Linux personality: SYN schedule unchanged (1 s five times, then doubling) and TCP_KEEPINIT does not exist (ENOPROTOOPT)", async () => {
  const r = await synTimes("linux", sec(20));
  assert.deepEqual(r.at, [0, 1, 2, 3, 4, 5, 7, 11, 19], "tcp_syn_linear_timeouts = 4, then the RTO doubles");
  const t = rawPeer();
  const fd = t.p.socket("AF_INET", "SOCK_STREAM");
  assert.throws(() => t.p.setsockopt(fd, "IPPROTO_TCP", "TCP_KEEPINIT", 5), /Protocol not available/, "setsockopt(TCP_KEEPINIT) on Linux");
  assert.throws(() => t.p.getsockopt(fd, "IPPROTO_TCP", "TCP_KEEPINIT"), /Protocol not available/, "getsockopt(TCP_KEEPINIT) on Linux");
  await t.net.advance(ms(1));
});
