// The runner in packetdrill's IPv6 flavours (issue 18): the configuration
// (packetdrill's IPv6 defaults, run_all.py's ipv6 and ipv4-mapped-ipv6
// arguments and variant selection), the IPv6 and ICMPv6 packets it builds
// and reads (checksums over the RFC 8200 pseudo header), and scripts played
// end to end, FreeBSD's ICMP rules included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { finalizeConfig, parsePacketdrillArgs, RUN_ALL_ARGS, runAllRuns } from "./config.js";
import { runScript } from "./runner.js";
import { decodeSegment, encodeIcmp, encodeSegment, formatAddress, icmpTypeCode, sameAddress } from "./segment-codec.js";
import { ipv6 } from "../wire/ipv6-address.js";
import { parseIpv6, pseudoHeaderSum6 } from "../wire/ipv6.js";
import { parseIcmpv6 } from "../wire/icmpv6.js";
import { foldChecksum, sum16 } from "../wire/checksum.js";
import { WireError } from "../wire/wire-error.js";

test("ipv6: packetdrill's defaults (config.c), the /48 prefix, --netmask_ip not read", () => {
  const r = finalizeConfig([], parsePacketdrillArgs(["--ip_version=ipv6", "--netmask_ip=255.255.255.0"]));
  assert.ok(r.ok, "an ipv6 run is configured");
  const c = r.config;
  assert.equal(c.localIp, "fd3d:fa7b:d17d::1", "local: ::1 in packetdrill's ULA /48");
  assert.equal(c.remoteIp, "2001:db8::1", "remote: the documentation prefix");
  assert.equal(c.gatewayIp, "fd3d:fa7b:d17d:8888::", "gateway default");
  assert.equal(c.prefixLen, 48, "finalize_ipv6_config always takes /48");
  assert.equal(c.socketDomain, 10, "AF_INET6 sockets");
  assert.equal(c.wireFamily, 6, "IPv6 packets");
  assert.equal(c.bindIp, c.localIp, "bind names the local address itself");
});

test("ipv6: run_all.py's ipv6 arguments (header addresses replaced, MTU 1520, no CODE)", () => {
  const a = parsePacketdrillArgs(RUN_ALL_ARGS.ipv6);
  const r = finalizeConfig([{ name: "local_ip", value: "fd::1", line: 3 }], a);
  assert.ok(r.ok, "run_all.py's ipv6 command line is accepted");
  assert.equal(r.config.localIp, "fd3d:a0b:17d6::1", "the command line wins over the header; RFC 5952 text");
  assert.equal(r.config.remoteIp, "fd3d:fa7b:d17d::1", "run_all.py's remote");
  assert.equal(r.config.mtu, 1520, "--mtu=1520");
  assert.equal(r.config.defines["CODE"], undefined, "the ipv6 run defines no ICMPv4 code");
  assert.equal(r.config.defines["CMSG_LEVEL_IP"], "SOL_IPV6", "SOL_IPV6 cmsgs");
  const bad = finalizeConfig([], parsePacketdrillArgs(["--ip_version=ipv6", "--remote_ip=192.0.2.1"]));
  assert.ok(!bad.ok && /not an IPv6 address/.test(bad.reason), "an IPv4 address in an ipv6 run is refused");
});

test("ipv4-mapped-ipv6: AF_INET6 sockets on mapped addresses, IPv4 packets", () => {
  const r = finalizeConfig([], parsePacketdrillArgs(RUN_ALL_ARGS["ipv4-mapped-ipv6"]));
  assert.ok(r.ok, "the mapped run is configured");
  assert.equal(r.config.socketDomain, 10, "AF_INET6 sockets");
  assert.equal(r.config.wireFamily, 4, "IPv4 on the wire");
  assert.equal(r.config.bindIp, "::ffff:192.168.0.1", "bind to the mapped local address");
  assert.equal(r.config.connectIp, "::ffff:192.0.2.1", "connect to the mapped remote address");
});

test("run_all.py's variant selection", () => {
  assert.equal(runAllRuns("tcp/mtu_probe/basic-v6.pkt", "ipv6"), true, "*v6.pkt runs in ipv6");
  assert.equal(runAllRuns("tcp/mtu_probe/basic-v6.pkt", "ipv4"), false, "*v6.pkt only in ipv6");
  assert.equal(runAllRuns("tcp/x/y-v4.pkt", "ipv4-mapped-ipv6"), true, "*v4.pkt runs in the mapped run");
  assert.equal(runAllRuns("tcp/x/y-v4.pkt", "ipv6"), false, "*v4.pkt not in ipv6");
  assert.equal(runAllRuns("tcp/x/plain.pkt", "ipv6"), true, "other scripts run everywhere");
});

test("ICMP names per family, as packetdrill's tables", () => {
  assert.deepEqual(icmpTypeCode(6, { icmpType: "unreachable", icmpCode: "port_unreachable" }), { type: 1, code: 4 }, "ICMPv6 port unreachable");
  assert.deepEqual(icmpTypeCode(6, { icmpType: "unreachable", icmpCode: "admin_prohibited" }), { type: 1, code: 1 }, "ICMPv6 admin prohibited");
  assert.deepEqual(icmpTypeCode(6, { icmpType: "packet_too_big", icmpCode: null }), { type: 2, code: 0 }, "no code is 0");
  assert.deepEqual(icmpTypeCode(4, { icmpType: "unreachable", icmpCode: "packet_filtered" }), { type: 3, code: 13 }, "ICMPv4 packet filtered");
  assert.deepEqual(icmpTypeCode(4, { icmpType: "type_42", icmpCode: "code_7" }), { type: 42, code: 7 }, "numeric forms");
  assert.equal(icmpTypeCode(6, { icmpType: "unreachable", icmpCode: "frag_needed" }), "bad ICMP code frag_needed", "an ICMPv4 code in IPv6");
});

test("an inbound IPv6 segment carries its TCP checksum and decodes back", () => {
  const src = ipv6("2001:db8::1");
  const dst = ipv6("fd3d:fa7b:d17d::1");
  const spec = { flags: "P.", seq: { start: 1, end: 101, len: 100, absolute: false }, ack: 1, win: 512, urg: null, options: [], ports: null, udpEncap: null } as never;
  const p = encodeSegment(spec, { src, dst, srcPort: 47000, dstPort: 8080, seq: 1001, ack: 7, tos: 0x28, ttl: 3, flowLabel: 0x12345, options: [{ kind: "nop" }, { kind: "nop" }] });
  const bytes = p.bytes();
  const ip = parseIpv6(bytes);
  assert.ok(!(ip instanceof WireError), "a valid IPv6 header");
  assert.equal(ip.hopLimit, 3, "hop limit from (hlim N)");
  assert.equal(ip.flowLabel, 0x12345, "flow label");
  let acc = pseudoHeaderSum6(src, dst, 6, ip.payloadLength);
  acc = sum16(bytes, 40, ip.payloadLength, acc);
  assert.equal(foldChecksum(acc), 0, "the TCP checksum over the IPv6 pseudo header verifies");
  const seg = decodeSegment(p);
  assert.ok(seg && !(seg instanceof WireError), "decodes");
  assert.ok(sameAddress(seg.src, src) && sameAddress(seg.dst, dst), "addresses round-trip");
  assert.equal(formatAddress(seg.dst), "fd3d:fa7b:d17d::1", "text form");
  assert.equal(seg.len, 100, "payload length");
  assert.equal(seg.tos, 0x28, "traffic class");
  assert.equal(seg.ttl, 3, "hop limit");
});

test("an inbound ICMPv6 Packet Too Big quotes the host's segment, checksum and MTU in place", () => {
  const peer = ipv6("2001:db8::1");
  const host = ipv6("fd3d:fa7b:d17d::1");
  const p = encodeIcmp({ src: peer, dst: host, type: 2, code: 0, mtu: 1280, quoteSrcPort: 8080, quoteDstPort: 47000, quoteSeq: 0xdeadbeef, quotePayload: 10, ttl: 64, tos: 0 });
  const b = p.bytes();
  assert.equal(b.length, 40 + 8 + 40 + 8 + 10, "outer header, ICMPv6 header, quoted header, 8 TCP bytes, payload");
  const m = parseIcmpv6(b, 40, b.length - 40, new Uint8Array(0), peer, host, true);
  assert.ok(!(m instanceof WireError), "the ICMPv6 checksum verifies");
  assert.equal(m.type, 2, "Packet Too Big");
  assert.equal(m.word, 1280, "the 32-bit MTU");
  // The quoted header claims the whole segment (20 + 10 bytes), of which 8 + 10 are quoted, as packetdrill builds it.
  const q = parseIpv6(b.subarray(48), 40 + 30);
  assert.ok(!(q instanceof WireError), "the quoted header parses");
  assert.ok(sameAddress(q.src, host) && sameAddress(q.dst, peer), "the quote is the host's packet to the peer");
  assert.equal((b[88]! << 8) | b[89]!, 8080, "quoted source port");
  assert.equal(((b[92]! << 24) | (b[93]! << 16) | (b[94]! << 8) | b[95]!) >>> 0, 0xdeadbeef, "quoted sequence number");
});

const BSD_CONNECT = `--ip_version=ipv6
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) win 65535 <mss 1440,nop,wscale 6,sackOK,TS val 100 ecr 0>
`;

test("FreeBSD personality: an ICMPv6 error must quote a sequence number in [snd_una, snd_max), even in SYN-SENT", async () => {
  const text = `${BSD_CONNECT}+.1 < icmp unreachable admin_prohibited [1:1(0)]
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
+0 < icmp unreachable admin_prohibited [0:0(0)]
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0
`;
  const r = await runScript(text, { personality: "freebsd" });
  assert.equal(r.status, "passed", `tcp_ctlinput's window and icmp_may_rst: ${r.reason}`);
});

test("FreeBSD personality: a host unreachable in SYN-SENT is a soft error, not a failed connect", async () => {
  const text = `${BSD_CONNECT}+.1 < icmp unreachable address_unreachable [0:0(0)]
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
`;
  const r = await runScript(text, { personality: "freebsd" });
  assert.equal(r.status, "passed", `tcp_notify keeps it soft: ${r.reason}`);
  const linux = await runScript(text.replace("win 65535 <mss 1440,nop,wscale 6,sackOK,TS val 100 ecr 0>", "<...>"), { personality: "linux" });
  assert.equal(linux.status, "failed", "Linux makes it a hard error in SYN-SENT (tcp_v6_err)");
  assert.match(linux.reason ?? "", /expected \[0\], got \[113\]/, "EHOSTUNREACH on Linux");
});
