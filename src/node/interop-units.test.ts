import { test } from "node:test";
import assert from "node:assert/strict";
import { checkInteropAddress, checkName } from "./netns.js";
import { socatArgs } from "./socat-bridge.js";
import { packetLine } from "./packet-line.js";
import { parseRequestHead } from "./apps/http-server.js";
import { PATTERN_PERIOD, patternBytes } from "./apps/pattern.js";
import { emitIpv4, IPPROTO_UDP } from "../wire/ipv4.js";
import { ipv4 } from "../wire/ipv4-address.js";

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
});

test("packet lines look like tcpdump -nn", () => {
  const b = new Uint8Array(20 + 8 + 5);
  emitIpv4({ src: ipv4("198.18.0.1"), dst: ipv4("198.18.0.2"), protocol: IPPROTO_UDP, payloadLength: 13, ttl: 64, tos: 0, id: 1, df: true }, b, 0, true);
  b.set([0x9c, 0x40, 0, 7, 0, 13, 0, 0], 20);
  assert.equal(packetLine(b, "in"), "In  IP 198.18.0.1.40000 > 198.18.0.2.7: UDP, length 5");
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
