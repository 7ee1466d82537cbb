import { test } from "node:test";
import assert from "node:assert/strict";
import { checkInteropAddress, checkName } from "./netns.js";
import { socatArgs } from "./socat-bridge.js";
import { parseRequestHead } from "./apps/http-server.js";
import { PATTERN_PERIOD, patternBytes } from "./apps/pattern.js";
import { ipv4 } from "../wire/ipv4-address.js";
import { IsnGenerator, isnClock, tsVal } from "../tcp/isn.js";
import { Rng } from "../core/rng.js";
import { seqGt } from "../core/seq.js";
import { linkConfigFromArgs, parseDuration, parseProbability, parseRate } from "../cli/link-args.js";
import { tunCommand } from "../cli/tun.js";
import { checkSessionAddresses, slotAddress, slotAddress6 } from "./tun-session.js";
import { createSocket } from "node:dgram";
import { ms } from "../core/time.js";
import { createRealtimeHost } from "./realtime-host.js";
import { UdpTunDevice } from "./udp-tun-device.js";

test("interop addresses must lie in the benchmark range 198.18.0.0/15", () => {
  checkInteropAddress("198.18.0.2/24", "addr");
  checkInteropAddress("198.19.255.1", "addr");
  assert.throws(() => checkInteropAddress("10.0.0.1/24", "addr"), /outside 198\.18\.0\.0\/15/);
  assert.throws(() => checkInteropAddress("8.8.8.8", "peer"), /outside/);
  assert.throws(() => checkInteropAddress("198.18.0.0/8", "addr"), /prefix of at least \/15/);
  assert.throws(() => checkInteropAddress("198.18.0", "addr"), /must be an address/);
});

test("namespace and device names are checked (no shell metacharacters, IFNAMSIZ)", () => {
  checkName("ss-test_1", "namespace");
  assert.throws(() => checkName("a;rm -rf /", "namespace"));
  assert.throws(() => checkName("x".repeat(16), "namespace"));
});

test("the socat command line of the issue, on loopback only", () => {
  assert.deepEqual(socatArgs({ kernelCidr: "198.18.0.1/24", nodePort: 47000, socatPort: 47001 }), [
    "-b", "65536",
    "TUN:198.18.0.1/24,tun-name=sstun0,iff-up,iff-no-pi",
    "UDP-DATAGRAM:127.0.0.1:47000,bind=127.0.0.1:47001,rcvbuf=4194304,sndbuf=4194304",
  ]);
  // A further client's point-to-point device: no subnet on it (the /32 peer address is added after).
  assert.equal(socatArgs({ kernelCidr: "198.18.0.1/32", pointToPoint: "198.18.0.3", tunName: "sstun1", nodePort: 47002, socatPort: 47003 })[2],
    "TUN,tun-name=sstun1,iff-up,iff-no-pi");
});

test("HTTP/1.1 request heads: method, target, version, lower-cased joined fields; malformed → null", () => {
  const r = parseRequestHead("GET /bytes/10 HTTP/1.1\r\nHost: x\r\nAccept: a\r\naccept: b");
  assert.equal(r?.method, "GET");
  assert.equal(r?.target, "/bytes/10");
  assert.equal(r?.headers.get("accept"), "a, b");
  assert.equal(parseRequestHead("GET /\r\n"), null);
  assert.equal(parseRequestHead("GET / HTTP/1.1\r\nHost : x"), null); // RFC 9112 §5.1
});

test("the payload pattern has period 251·256 and matches the Python helper's formula", () => {
  const b = patternBytes(PATTERN_PERIOD + 300);
  for (let i = 0; i < b.length; i++) assert.equal(b[i], (i * 7 + Math.floor(i / 251)) & 255);
  assert.deepEqual(b.subarray(PATTERN_PERIOD), b.subarray(0, 300));
});

test("real-time ISN clock: wall-clock base (64 ns ticks, exact past 2^53 ns), TS base in ms; virtual time unchanged", () => {
  const [a, b] = [ipv4("198.18.0.2"), ipv4("198.18.0.1")];
  const virt = new IsnGenerator(new Rng(7));
  const plain = new IsnGenerator(new Rng(7));
  assert.equal(plain.isn(a, 40000, b, 80, 1234), virt.isn(a, 40000, b, 80, 1234));
  const hashOnly = (virt.isn(a, 40000, b, 80, 0) - isnClock(0)) >>> 0;
  const wall = 1_796_320_000_123_457; // µs since the epoch (2026)
  const g = new IsnGenerator(new Rng(7));
  g.setClockBase({ wallMicros: wall, monotonicMillis: 5_000_000 });
  const now = 3_000_001;
  const ref = Number(((BigInt(wall + now) * 1000n) / 64n) % 4294967296n);
  assert.equal(g.isn(a, 40000, b, 80, now), (hashOnly + ref) >>> 0);
  assert.equal(g.tsOffset(a, b), (virt.tsOffset(a, b) + 5_000_000) >>> 0);
  assert.equal(tsVal(now, g.tsOffset(a, b)), (virt.tsOffset(a, b) + 5_000_000 + 3000) >>> 0);
  // A second run of the same machine (same secret), started 2 s later, scheduler at 0 again:
  const secret = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
  const run1 = new IsnGenerator(new Rng(1));
  const run2 = new IsnGenerator(new Rng(2)); // another seed: keys come from the secret
  run1.rekey(secret);
  run2.rekey(secret);
  run1.setClockBase({ wallMicros: wall, monotonicMillis: 5_000_000 });
  run2.setClockBase({ wallMicros: wall + 2_000_000, monotonicMillis: 5_002_000 });
  assert.ok(seqGt(run2.isn(a, 40000, b, 80, 0), run1.isn(a, 40000, b, 80, 10_000)), "later run, later ISN");
  assert.ok(seqGt(tsVal(0, run2.tsOffset(a, b)), tsVal(10_000, run1.tsOffset(a, b))), "later run, later TSval");
  assert.throws(() => run1.rekey(new Uint8Array(16)), /32 bytes/);
});

test("impairment flags: probabilities, durations, rates; bad values are usage errors", () => {
  assert.equal(parseProbability("30%", "--loss"), 0.3);
  assert.equal(parseProbability("0.02", "--loss"), 0.02);
  assert.equal(parseDuration("10ms", "--delay"), 10_000);
  assert.equal(parseDuration("1.5s", "--delay"), 1_500_000);
  assert.equal(parseDuration("250us", "--jitter"), 250);
  assert.equal(parseDuration("7", "--delay"), 7000);
  assert.equal(parseRate("10mbit", "--rate"), 10e6);
  assert.equal(parseRate("2mbps", "--rate"), 16e6);
  assert.equal(parseRate("64000", "--rate"), 64000);
  assert.throws(() => parseProbability("150%", "--loss"), /option --loss: '150%' is not a probability/);
  assert.throws(() => parseDuration("10 parsecs", "--delay"), /option --delay: '10 parsecs' is not a duration/);
  assert.throws(() => parseRate("fast", "--rate"), /option --rate: 'fast' is not a rate/);
  assert.throws(() => parseRate("0", "--rate"), /is not a rate/);
  assert.equal(linkConfigFromArgs({}), null);
  assert.deepEqual(linkConfigFromArgs({ loss: "2%", delay: "10ms", reorder: "5%" }), { loss: 0.02, latency: 10_000, jitter: 0, reorder: 0.05, duplicate: 0, corrupt: 0, rate: 0, aqm: null });
});

test("sockstack tun: a bad impairment value prints one line with the reason, then the usage (exit 2)", async () => {
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
  let code: number;
  try {
    code = await tunCommand(["connect", "198.18.0.1", "80", "--delay", "soon"]);
  } finally {
    process.stderr.write = write;
  }
  assert.equal(code, 2);
  assert.equal(lines[0], "sockstack tun: option --delay: 'soon' is not a duration (e.g. 10ms, 1.5s, 200us; a bare number is ms)\n");
  assert.match(lines[1]!, /^usage: sockstack tun up/);
  assert.ok(lines.some((l) => l.includes("--loss P")));
});

/** Runs `sockstack tun ARGS` in-process with stderr captured (only argument checks: nothing touches the system). */
async function tunStderr(args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    return { code: await tunCommand(args), lines };
  } finally {
    process.stderr.write = write;
  }
}

test("sockstack tun: bad IPv6 arguments (up --addr6/--peer6, connect/ping HOST) → one line with the reason, then the usage (exit 2)", async () => {
  const cases: [string[], string][] = [
    [["up", "--netns", "x", "--addr6", "2001:db8::2/64"], "sockstack tun: --addr6 2001:db8::2/64: outside 2001:2::/48; sockstack interop uses only the benchmark range\n"],
    [["up", "--netns", "x", "--addr6", "198.18.0.2/24"], "sockstack tun: --addr6 198.18.0.2/24: not an IPv6 address\n"],
    [["up", "--netns", "x", "--peer6", "2001:2:0:1::1"], "sockstack tun: --peer6 2001:2:0:1::1: not in the subnet of --addr6 2001:2::2/64\n"],
    [["up", "--netns", "x", "--peer6", "2001:2::2"], "sockstack tun: --peer6 2001:2::2: the same address as --addr6\n"],
    [["up", "--netns", "x", "--peer6", "2001:2::1/64"], "sockstack tun: --peer6 2001:2::1/64: not an IPv6 address (no prefix: it takes --addr6's)\n"],
    [["up", "--netns", "x", "--addr6", "2001:2::2/40"], "sockstack tun: --addr6 2001:2::2/40: must be an address (with an optional prefix of at least /48) inside 2001:2::/48\n"],
    [["up", "--netns", "x", "--no-ipv6", "--peer6", "2001:2::9"], "sockstack tun: --peer6 needs IPv6 (drop --no-ipv6)\n"],
    [["up", "--netns", "x", "--peer", "198.18.1.1"], "sockstack tun: --peer 198.18.1.1: not in the subnet of --addr 198.18.0.2/24\n"],
    [["ping", "fe80::1"], "sockstack tun: HOST fe80::1: outside 2001:2::/48; sockstack interop uses only the benchmark range\n"],
    [["connect", "2001:2::zz", "80"], "sockstack tun: HOST 2001:2::zz: must be an address (with an optional prefix of at least /48) inside 2001:2::/48\n"],
    [["connect", "2001:2::1/64", "80"], "sockstack tun: HOST 2001:2::1/64: an address, without a prefix\n"],
  ];
  for (const [args, first] of cases) {
    const { code, lines } = await tunStderr(args);
    assert.equal(code, 2, `exit status of tun ${args.join(" ")}`);
    assert.equal(lines[0], first, `first line of tun ${args.join(" ")}`);
    assert.match(lines[1] ?? "", /^usage: sockstack tun up/, `usage follows the reason for tun ${args.join(" ")}`);
    assert.ok(lines.some((l) => l.includes("[--addr6 2001:2::2/64] [--peer6 2001:2::1] [--no-ipv6]")), "the usage shows the IPv6 options");
  }
});

test("tun session addresses: IPv6 by default (2001:2::2/64 ⇄ 2001:2::1), canonical text, --no-ipv6 turns it off", () => {
  assert.deepEqual(checkSessionAddresses({}), { addr: "198.18.0.2/24", peer: "198.18.0.1", addr6: "2001:2::2/64", peer6: "2001:2::1" });
  assert.deepEqual(checkSessionAddresses({ addr6: "2001:2:0:0::a", peer6: "2001:2:0::0:b" }), { addr: "198.18.0.2/24", peer: "198.18.0.1", addr6: "2001:2::a/64", peer6: "2001:2::b" });
  assert.deepEqual(checkSessionAddresses({ ipv6: false }), { addr: "198.18.0.2/24", peer: "198.18.0.1", addr6: null, peer6: null });
});

test("bridge client slots in IPv6: the session address + i, skipping the kernel's; none past the subnet or without IPv6", () => {
  const s = { addr6: "2001:2::2/64", peer6: "2001:2::1" };
  assert.equal(slotAddress6(s, 0), "2001:2::2");
  assert.equal(slotAddress6(s, 1), "2001:2::3");
  assert.equal(slotAddress6({ addr6: "2001:2::2/64", peer6: "2001:2::3" }, 1), "2001:2::4");
  assert.equal(slotAddress6({ addr6: "2001:2::ff/120", peer6: "2001:2::1" }, 1), null, "past a /120: null");
  assert.equal(slotAddress6({ addr6: "2001:2::fe/64", peer6: "2001:2::1" }, 3), "2001:2::101", "carries into the next byte");
  assert.equal(slotAddress6({}, 1), null);
});

test("bridge client slots: the session address, then the next ones, skipping the kernel's; none past the subnet", () => {
  const s = { addr: "198.18.0.2/24", peer: "198.18.0.1" };
  assert.equal(slotAddress(s, 0), "198.18.0.2");
  assert.equal(slotAddress(s, 1), "198.18.0.3");
  assert.equal(slotAddress({ addr: "198.18.0.2/24", peer: "198.18.0.3" }, 1), "198.18.0.4");
  assert.equal(slotAddress({ addr: "198.18.0.253/24", peer: "198.18.0.1" }, 2), null);
});

test("UdpTunDevice.flush: what waits in the impairment channel and the socket reaches the peer before close (no root needed)", async () => {
  const peer = createSocket("udp4");
  await new Promise<void>((r) => peer.bind(0, "127.0.0.1", r));
  const got: string[] = [];
  peer.on("message", (m) => got.push(m.subarray(28).toString())); // IPv4 + UDP headers, then the payload
  const { host, driver } = createRealtimeHost({ seed: 1, driver: { ref: false } });
  const dev = await UdpTunDevice.open({ driver, localPort: 0, peerPort: peer.address().port });
  try {
    host.addInterface(dev, "198.18.0.2/24");
    dev.impair({ toKernel: { latency: ms(40) } }, new Rng(1));
    const p = host.createProcess("sender");
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    for (let i = 0; i < 5; i++) await p.sendto(fd, `datagram ${i}`, 0, ["198.18.0.1", 9]);
    assert.equal(dev.queued, 5, "all five still on the simulated wire");
    assert.equal(await dev.flush(2000), true);
    assert.equal(dev.queued, 0);
  } finally {
    await dev.close();
    driver.stop();
  }
  const deadline = performance.now() + 2000;
  while (got.length < 5 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  peer.close();
  assert.deepEqual(got, [0, 1, 2, 3, 4].map((i) => `datagram ${i}`));
  assert.equal(await dev.flush(10), true, "flush after close has nothing to wait for");
});
