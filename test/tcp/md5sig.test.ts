/**
 * TCP MD5 signatures (RFC 2385; Linux TCP_MD5SIG): two simulated hosts
 * with matching keys exchange data, every segment signed (the digests
 * recomputed here with node:crypto, independently of src/core/md5.ts);
 * a wrong or missing key keeps the handshake from completing with the
 * counters Linux bumps; the option space, the kernel's own digests (a
 * capture of two Linux sockets, src/tcp/testdata/md5-kernel.pcap), tcpdump's
 * text and the setsockopt errnos measured on Linux 6.18.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ms, sec } from "../../src/core/time.js";
import { twoHosts, conns } from "../helpers/tcp.js";
import { drive } from "../helpers/vocabulary.js";
import { ipv6Lan } from "../helpers/ipv6-lan.js";
import type { Process } from "../../src/sys/process.js";
import type { Packet } from "../../src/wire/packet.js";
import { datagramBytes } from "../../src/tools/pcap.js";
import { TcpdumpFormatter } from "../../src/tools/tcpdump.js";
import { parseTcpdumpArgs } from "../../src/tools/tcpdump-args.js";
import { ss } from "../../src/tools/ss.js";
import { snapshot } from "../../src/tools/snapshot.js";
import { formatFrame } from "../../src/tools/tcpdump-ether.js";
import { pcapRecords } from "../../src/wire/testdata/pcap-records.js";
import { parseTcpOptionList } from "../../src/wire/tcp-options.js";
import { md5Digest, md5OptionOffset, md5SackLimit, TCP_MD5SIG_SIZE } from "../../src/tcp/md5sig.js";
import { synOptions } from "../../src/tcp/options-out.js";
import { tcpEmitOptionsLength } from "../../src/wire/tcp.js";
import { parseInetAddress, NET_AF_INET6, type InetAddress } from "../../src/net/inet-address.js";
import "../../src/net/ipv6-net.js";

const KEY = "secret-key";

/** The struct setsockopt takes, by name. */
function md5sig(addr: string, key: string, extra: Record<string, number> = {}) {
  return { tcpm_addr: { family: addr.includes(":") ? 10 : 2, addr }, tcpm_key: key, ...extra };
}

/** An IPv4 datagram's TCP segment: addresses, header offset, header length, payload. */
function segmentOf(b: Uint8Array) {
  const ihl = (b[0]! & 15) * 4;
  const total = (b[2]! << 8) | b[3]!;
  const src = ((b[12]! << 24) | (b[13]! << 16) | (b[14]! << 8) | b[15]!) >>> 0;
  const dst = ((b[16]! << 24) | (b[17]! << 16) | (b[18]! << 8) | b[19]!) >>> 0;
  const hl = (b[ihl + 12]! >> 4) * 4;
  return { src, dst, th: ihl, hl, flags: b[ihl + 13]!, payload: b.subarray(ihl + hl, total), tcp: b.subarray(ihl, total) };
}

/** RFC 2385 §2.0 computed with node:crypto: pseudo-header, header without options (checksum 0), payload, key. */
function nodeDigest(key: string, src: Uint8Array, dst: Uint8Array, tcp: Uint8Array, hl: number): string {
  const v6 = src.length === 16;
  const pseudo = Buffer.alloc(v6 ? 40 : 12);
  Buffer.from(src).copy(pseudo, 0);
  Buffer.from(dst).copy(pseudo, src.length);
  if (v6) {
    pseudo.writeUInt32BE(tcp.length, 32);
    pseudo.writeUInt32BE(6, 36);
  } else {
    pseudo[9] = 6;
    pseudo.writeUInt16BE(tcp.length, 10);
  }
  const th = Buffer.from(tcp.subarray(0, 20));
  th.writeUInt16BE(0, 16);
  return createHash("md5").update(pseudo).update(th).update(tcp.subarray(hl)).update(key).digest("hex");
}

const be32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** A listener with `serverKey` for the client (null: none) and a client with `clientKey`, capturing every datagram. */
function pair(serverKey: string | null, clientKey: string | null) {
  const h = twoHosts({ latency: ms(1) });
  const sent: Uint8Array[] = [];
  for (const end of [h.link.a, h.link.b]) end.taps.push((p: Packet, dir: string) => { if (dir === "out") sent.push(datagramBytes(p).slice()); });
  const listen = (p: Process) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    if (serverKey !== null) p.setsockopt(l, "IPPROTO_TCP", "TCP_MD5SIG", md5sig("10.0.0.1", serverKey));
    p.bind(l, ["0.0.0.0", 179]);
    p.listen(l, 8);
    return l;
  };
  const clientSocket = (p: Process) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    if (clientKey !== null) p.setsockopt(fd, "IPPROTO_TCP", "TCP_MD5SIG", md5sig("10.0.0.2", clientKey));
    return fd;
  };
  return { ...h, sent, listen, clientSocket };
}

test("TCP_MD5SIG on both sides: data both ways, every segment signed with a digest node:crypto agrees with", async () => {
  const { net, server, client: ch, sent, listen, clientSocket } = pair(KEY, KEY);
  const sp = server.createProcess("srv");
  const cp = ch.createProcess("cli");
  const lfd = listen(sp);
  const cfd = clientSocket(cp);
  const accepted = sp.accept(lfd);
  await drive(net, cp.connect(cfd, ["10.0.0.2", 179]));
  const { fd } = await drive(net, accepted);
  const big = new Uint8Array(20000).map((_, i) => i * 7);
  await drive(net, cp.send(cfd, big));
  let got = 0;
  while (got < big.length) got += (await drive(net, sp.recv(fd, 65536))).length;
  await drive(net, sp.send(fd, "reply"));
  assert.equal(new TextDecoder().decode(await drive(net, cp.recv(cfd, 100))), "reply", "the reply arrived");
  await drive(net, cp.close(cfd));
  await drive(net, sp.close(fd));
  await net.advance(sec(1));
  assert.ok(sent.length > 20, `segments seen (${sent.length})`);
  for (const [i, b] of sent.entries()) {
    const s = segmentOf(b);
    const opts = parseTcpOptionList(s.tcp.subarray(20, s.hl));
    if (!Array.isArray(opts)) assert.fail(`segment ${i}: options parse`);
    assert.deepEqual(opts.slice(0, 3).map((o) => o.kind === "unknown" ? `kind${o.type}` : o.kind), ["nop", "nop", "kind19"], `segment ${i}: nop,nop,md5 first`);
    const at = md5OptionOffset(s.tcp, 20, s.hl);
    assert.equal(hex(s.tcp.subarray(at, at + 16)), nodeDigest(KEY, be32(s.src), be32(s.dst), s.tcp, s.hl), `segment ${i}: the digest is RFC 2385's`);
    assert.ok(s.payload.length <= 1460 - 20, `segment ${i}: MSS less the 20 option bytes (${s.payload.length})`);
  }
  // GSO off (sk_gso_disable): 1440-byte segments (1460 less the signature), PSH on the write's last one only —
  // as a Linux 6.18 client sent 20000 bytes through a veth pair (src/tcp/testdata/md5-veth.tcpdump.txt).
  const data = sent.map(segmentOf).filter((s) => s.src === 0x0a000001 && s.payload.length > 0);
  assert.deepEqual(data.map((s) => s.payload.length), [...Array<number>(13).fill(1440), 1280], "the client's data segments");
  assert.deepEqual(data.map((s) => (s.flags & 0x08) !== 0), [...Array<boolean>(13).fill(false), true], "PSH on the last only");
  // The SYN and SYN-ACK: no timestamps (tcp_syn_options; tcp_synack_options gives them up for SACK).
  const syn = segmentOf(sent[0]!), synack = segmentOf(sent[1]!);
  const kinds = (s: ReturnType<typeof segmentOf>) => (parseTcpOptionList(s.tcp.subarray(20, s.hl)) as { kind: string }[]).map((o) => o.kind).join();
  assert.equal(kinds(syn), "nop,nop,unknown,mss,nop,nop,sack-permitted,nop,wscale", "the SYN as Linux's");
  assert.equal(kinds(synack), "nop,nop,unknown,mss,nop,nop,sack-permitted,nop,wscale", "the SYN-ACK as Linux's");
  assert.equal(server.counters.TcpExt["TCPMD5Failure"] ?? 0, 0, "no failure on the server");
  assert.equal(ch.counters.TcpExt["TCPMD5Failure"] ?? 0, 0, "none on the client");
});

test("a mismatched key: the SYNs are dropped unanswered (TCPMD5Failure), connect times out", async () => {
  const { net, server, client: ch, sent, listen, clientSocket } = pair(KEY, "other-key");
  const sp = server.createProcess("srv");
  const cp = ch.createProcess("cli");
  listen(sp);
  const cfd = clientSocket(cp);
  cp.setsockopt(cfd, "IPPROTO_TCP", "TCP_SYNCNT", 2);
  await assert.rejects(drive(net, cp.connect(cfd, ["10.0.0.2", 179])), { code: "ETIMEDOUT" }, "connect fails");
  const syns = sent.filter((b) => segmentOf(b).flags === 0x02).length;
  assert.ok(syns >= 3, `the SYN and its retransmissions (${syns})`);
  assert.equal(server.counters.TcpExt["TCPMD5Failure"], syns, "each SYN failed the check");
  assert.ok(sent.every((b) => segmentOf(b).src === 0x0a000001), "the server sent nothing: no SYN-ACK, no RST");
  assert.equal(conns(server, 179).length, 0, "no connection was made");
});

test("a key on one side only: TCPMD5NotFound (unsigned SYN to a keyed listener), TCPMD5Unexpected (signed SYN to a keyless one)", async () => {
  for (const [sk, ck, counter] of [[KEY, null, "TCPMD5NotFound"], [null, KEY, "TCPMD5Unexpected"]] as const) {
    const { net, server, client: ch, sent, listen, clientSocket } = pair(sk, ck);
    const sp = server.createProcess("srv");
    const cp = ch.createProcess("cli");
    listen(sp);
    const cfd = clientSocket(cp);
    cp.setsockopt(cfd, "IPPROTO_TCP", "TCP_SYNCNT", 1);
    await assert.rejects(drive(net, cp.connect(cfd, ["10.0.0.2", 179])), { code: "ETIMEDOUT" }, `${counter}: connect fails`);
    const syns = sent.filter((b) => segmentOf(b).flags === 0x02).length;
    assert.equal(server.counters.TcpExt[counter], syns, `${counter}: every SYN counted (${syns})`);
    assert.ok(sent.every((b) => segmentOf(b).src === 0x0a000001), `${counter}: the server answered nothing`);
  }
});

test("a signed segment to a closed port gets no RST unless a listener's key verifies it", async () => {
  const { net, server, client: ch, sent, listen, clientSocket } = pair(null, KEY);
  void listen;
  const cp = ch.createProcess("cli");
  const cfd = clientSocket(cp);
  cp.setsockopt(cfd, "IPPROTO_TCP", "TCP_SYNCNT", 1);
  await assert.rejects(drive(net, cp.connect(cfd, ["10.0.0.2", 180])), { code: "ETIMEDOUT" }, "no RST: connect times out instead of ECONNREFUSED");
  assert.ok(sent.every((b) => segmentOf(b).src === 0x0a000001), "the server sent nothing");
  assert.equal(server.counters.Tcp["OutRsts"] ?? 0, 0, "no RST counted");
});

test("setsockopt(TCP_MD5SIG) errnos as Linux 6.18 (unshare -n python3, struct.pack of struct tcp_md5sig)", () => {
  const { server } = twoHosts();
  const p = server.createProcess("p");
  const v4 = p.socket("AF_INET", "SOCK_STREAM");
  const v6 = p.socket("AF_INET6", "SOCK_STREAM");
  const err = (fd: number, name: string, v: unknown): string => {
    try {
      p.setsockopt(fd, "IPPROTO_TCP", name, v as never);
      return "0";
    } catch (e) {
      return (e as { code: string }).code;
    }
  };
  const cases: [number, string, unknown, string, string][] = [
    [v4, "TCP_MD5SIG", md5sig("10.0.0.2", "k"), "0", "add"],
    [v4, "TCP_MD5SIG", md5sig("10.0.0.3", ""), "ENOENT", "delete an absent key"],
    [v4, "TCP_MD5SIG", md5sig("10.0.0.2", ""), "0", "delete"],
    [v4, "TCP_MD5SIG", md5sig("10.0.0.2", ""), "ENOENT", "delete twice"],
    [v4, "TCP_MD5SIG", md5sig("10.0.0.2", "", { tcpm_keylen: 81 }), "EINVAL", "keylen 81"],
    [v4, "TCP_MD5SIG", md5sig("10.0.0.2", "k".repeat(80)), "0", "keylen 80"],
    [v4, "TCP_MD5SIG", 1, "EINVAL", "an int (optlen 4)"],
    [v4, "TCP_MD5SIG", new Uint8Array(TCP_MD5SIG_SIZE - 1), "EINVAL", "optlen 215"],
    [v4, "TCP_MD5SIG", md5sig("::1", "k"), "EINVAL", "an IPv6 address on an AF_INET socket"],
    [v4, "TCP_MD5SIG", md5sig("::ffff:10.0.0.2", "k"), "EINVAL", "a v4-mapped address on an AF_INET socket"],
    [v6, "TCP_MD5SIG", md5sig("fd00::2", "k"), "0", "IPv6 add"],
    [v6, "TCP_MD5SIG", md5sig("10.0.0.2", "k"), "EINVAL", "a sockaddr_in on an AF_INET6 socket"],
    [v6, "TCP_MD5SIG", md5sig("::ffff:10.0.0.2", "k"), "0", "v4-mapped add"],
    [v6, "TCP_MD5SIG", md5sig("fd00::9", ""), "ENOENT", "IPv6 delete an absent key"],
    [v4, "TCP_MD5SIG_EXT", md5sig("10.0.0.0", "k", { tcpm_flags: 1, tcpm_prefixlen: 24 }), "0", "prefix 24"],
    [v4, "TCP_MD5SIG_EXT", md5sig("10.0.0.0", "k", { tcpm_flags: 1, tcpm_prefixlen: 33 }), "EINVAL", "prefix 33"],
    [v4, "TCP_MD5SIG", md5sig("10.0.0.0", "k", { tcpm_flags: 1, tcpm_prefixlen: 33 }), "0", "TCP_MD5SIG ignores the prefix flag"],
    [v6, "TCP_MD5SIG_EXT", md5sig("fd00::", "k", { tcpm_flags: 1, tcpm_prefixlen: 129 }), "EINVAL", "IPv6 prefix 129"],
    [v6, "TCP_MD5SIG_EXT", md5sig("::ffff:10.0.0.0", "k", { tcpm_flags: 1, tcpm_prefixlen: 24 }), "0", "v4-mapped prefix 24"],
    [v6, "TCP_MD5SIG_EXT", md5sig("::ffff:10.0.0.0", "k", { tcpm_flags: 1, tcpm_prefixlen: 33 }), "EINVAL", "v4-mapped prefix 33"],
    [v4, "TCP_MD5SIG_EXT", md5sig("10.0.0.2", "k", { tcpm_flags: 2, tcpm_ifindex: 1 }), "EINVAL", "ifindex of a device that is no L3 master"],
    [v4, "TCP_MD5SIG_EXT", md5sig("10.0.0.2", "k", { tcpm_flags: 2, tcpm_ifindex: 0 }), "0", "ifindex flag with ifindex 0"],
    [v4, "TCP_MD5SIG_EXT", md5sig("10.0.0.0", "", { tcpm_flags: 1, tcpm_prefixlen: 16 }), "ENOENT", "delete an absent prefix"],
  ];
  for (const [fd, name, v, want, what] of cases) assert.equal(err(fd, name, v), want, what);
  // The uapi bytes: sockaddr_in at 0, keylen (u16 LE) at 130, the key at 136.
  const raw = new Uint8Array(TCP_MD5SIG_SIZE);
  raw.set([2, 0, 0, 0, 10, 0, 0, 9]);
  raw[130] = 3;
  raw.set([107, 101, 121], 136);
  assert.equal(err(v4, "TCP_MD5SIG", raw), "0", "the struct's bytes");
  raw[130] = 0;
  assert.equal(err(v4, "TCP_MD5SIG", raw), "0", "deleted through the bytes");
  assert.equal(err(v4, "TCP_MD5SIG", raw), "ENOENT", "and gone");
  for (const name of ["TCP_MD5SIG", "TCP_MD5SIG_EXT"]) {
    assert.throws(() => p.getsockopt(v4, "IPPROTO_TCP", name), { code: "ENOPROTOOPT" }, `getsockopt(${name}): ENOPROTOOPT as Linux`);
  }
});

test("the kernel's digests (a capture of two Linux 6.18 sockets with TCP_MD5SIG): recomputed byte for byte, IPv4 and IPv6", () => {
  const recs = pcapRecords(new Uint8Array(readFileSync(new URL("../../src/tcp/testdata/md5-kernel.pcap", import.meta.url))));
  assert.equal(recs[0]!.linkType, 1, "Ethernet framing (lo)");
  let v4 = 0, v6 = 0;
  const out = new Uint8Array(16);
  for (const r of recs) {
    const ip = r.data.subarray(14);
    const six = ip[0]! >> 4 === 6;
    const l4 = six ? 40 : (ip[0]! & 15) * 4;
    const len = six ? ((ip[4]! << 8) | ip[5]!) : ((ip[2]! << 8) | ip[3]!) - l4;
    const addr = (off: number): InetAddress => six
      ? parseInetAddress(NET_AF_INET6, Array.from({ length: 8 }, (_, i) => ((ip[off + 2 * i]! << 8) | ip[off + 2 * i + 1]!).toString(16)).join(":"))!
      : ((ip[off]! << 24) | (ip[off + 1]! << 16) | (ip[off + 2]! << 8) | ip[off + 3]!) >>> 0;
    const src = addr(six ? 8 : 12), dst = addr(six ? 24 : 16);
    const tcp = ip.subarray(l4, l4 + len);
    const hl = (tcp[12]! >> 4) * 4;
    const at = md5OptionOffset(tcp, 20, hl);
    assert.ok(at > 0, "every segment of the capture is signed");
    // The listener on 9002 has key "secret"; the client there used "wrong": its SYNs are the mismatch.
    const key = (tcp[2]! << 8 | tcp[3]!) === 9002 ? "wrong" : "secret";
    md5Digest(new TextEncoder().encode(key), src, dst, tcp, 0, tcp.length, tcp.subarray(hl), out, 0);
    assert.equal(hex(out), hex(tcp.subarray(at, at + 16)), `${six ? "IPv6" : "IPv4"} segment: sockstack's digest is the kernel's`);
    if (six) v6++;
    else v4++;
  }
  assert.ok(v4 >= 10 && v6 >= 10, `both families (${v4} IPv4, ${v6} IPv6)`);
});

test("tcpdump prints the option as this machine's tcpdump 4.99.3 does (no -M: can't check, the digest in hex)", () => {
  const dir = new URL("../../src/tcp/testdata/", import.meta.url);
  const recs = pcapRecords(new Uint8Array(readFileSync(new URL("md5-kernel.pcap", dir))));
  const want = readFileSync(new URL("md5-kernel.tcpdump.txt", dir), "utf8").trimEnd().split("\n");
  const td = new TcpdumpFormatter();
  assert.deepEqual(recs.map((r) => formatFrame(r.data, td)), want);
});

test("ss -i: md5keys as iproute2 6.1 prints them (the escaped secrets ahead of the table, newest key first)", () => {
  const { server } = twoHosts();
  const p = server.createProcess("p");
  const l = p.socket("AF_INET", "SOCK_STREAM");
  p.setsockopt(l, "IPPROTO_TCP", "TCP_MD5SIG", { tcpm_addr: { family: 2, addr: "127.0.0.1" }, tcpm_key: Uint8Array.from([...Buffer.from("a b,c\\d"), 1]) });
  p.setsockopt(l, "IPPROTO_TCP", "TCP_MD5SIG_EXT", md5sig("10.0.0.0", "pfx", { tcpm_flags: 1, tcpm_prefixlen: 8 }));
  p.bind(l, ["127.0.0.1", 9000]);
  p.listen(l, 128);
  // Measured (unshare -n, ss -tlni): "pfxa\040b\054c\134d\001State  Recv-Q …" and "\t bbr cwnd:10 md5keys:10.0.0.0/8=,127.0.0.1/32=".
  const out = ss(snapshot(server), "-tlni");
  assert.ok(out.startsWith("pfxa\\040b\\054c\\134d\\001State"), `the secrets first: ${JSON.stringify(out.slice(0, 40))}`);
  assert.match(out, / md5keys:10\.0\.0\.0\/8=,127\.0\.0\.1\/32=\n?$/, "the keys after the info");
  assert.ok(!ss(snapshot(server), "-tln").includes("pfx"), "without -i nothing of the keys");
});

test("option space with a signature: SACK blocks 2 without timestamps, 0 with; a Fast Open cookie only if it still fits", () => {
  assert.deepEqual([md5SackLimit(false, false), md5SackLimit(true, false), md5SackLimit(false, true), md5SackLimit(true, true)], [4, 3, 2, 0],
    "tcp_established_options: (40 − TS − MD5 − 4) / 8, none below 12 bytes");
  const base = { mss: 1460, wscale: 7, sackOk: true, ts: false, tsVal: 0, tsEcr: 0, md5: true };
  const cookie = { cookie: new Uint8Array(8), exp: false };
  assert.equal(tcpEmitOptionsLength(synOptions({ ...base, fastopen: cookie })), 32, "an 8-byte cookie (12 bytes) does not fit beside MD5: left out");
  assert.equal(tcpEmitOptionsLength(synOptions({ ...base, fastopen: { cookie: new Uint8Array(0), exp: false } })), 36, "a cookie request (4 bytes) fits");
  assert.equal(tcpEmitOptionsLength(synOptions({ ...base, md5: false, fastopen: cookie })), 24, "without MD5 the cookie goes (mss, nop nop sackOK, nop wscale, FO)");
});

/** Every datagram in `sent` (IPv4 or IPv6, TCP) signed with `key`, the digest RFC 2385's; returns the TCP segments. */
function expectAllSigned(sent: readonly Uint8Array[], key: string, what: string): { flags: number; tcp: Uint8Array; src: Uint8Array }[] {
  const out: { flags: number; tcp: Uint8Array; src: Uint8Array }[] = [];
  for (const [i, b] of sent.entries()) {
    const six = b[0]! >> 4 === 6;
    if (six && b[6] !== 6) continue; // ICMPv6 (neighbour discovery)
    const l4 = six ? 40 : (b[0]! & 15) * 4;
    const end = six ? 40 + ((b[4]! << 8) | b[5]!) : (b[2]! << 8) | b[3]!;
    const src = b.subarray(six ? 8 : 12, six ? 24 : 16), dst = b.subarray(six ? 24 : 16, six ? 40 : 20);
    const tcp = b.subarray(l4, end);
    const hl = (tcp[12]! >> 4) * 4;
    const at = md5OptionOffset(tcp, 20, hl);
    assert.ok(at > 0, `${what}: segment ${i} is signed`);
    assert.equal(hex(tcp.subarray(at, at + 16)), nodeDigest(key, src, dst, tcp, hl), `${what}: segment ${i}'s digest`);
    out.push({ flags: tcp[13]!, tcp, src });
  }
  return out;
}

test("IPv6 and v4-mapped peers: AF_INET6 sockets sign with their IPv6 keys and, for IPv4 peers, their v4-mapped ones", async () => {
  const { net, a, b, aIface, bIface } = await ipv6Lan(7);
  void aIface;
  const sent: Uint8Array[] = [];
  for (const d of [aIface.device, bIface.device]) d.taps.push((p: Packet, dir: string) => { if (dir === "out") sent.push(datagramBytes(p).slice()); });
  const sp = b.createProcess("srv"), cp = a.createProcess("cli");
  const l = sp.socket("AF_INET6", "SOCK_STREAM");
  sp.setsockopt(l, "IPPROTO_TCP", "TCP_MD5SIG_EXT", md5sig("2001:db8::", KEY, { tcpm_flags: 1, tcpm_prefixlen: 64 }));
  sp.bind(l, ["::", 179]);
  sp.listen(l, 4);
  const c = cp.socket("AF_INET6", "SOCK_STREAM");
  cp.setsockopt(c, "IPPROTO_TCP", "TCP_MD5SIG", md5sig("2001:db8::2", KEY));
  const acc = sp.accept(l);
  await drive(net, cp.connect(c, ["2001:db8::2", 179]));
  const { fd } = await drive(net, acc);
  await drive(net, cp.send(c, "over IPv6"));
  assert.equal(new TextDecoder().decode(await drive(net, sp.recv(fd, 100))), "over IPv6", "data arrived");
  const segs = expectAllSigned(sent.splice(0), KEY, "IPv6");
  assert.ok(segs.length >= 4, `IPv6 segments (${segs.length})`);
  assert.equal(b.counters.TcpExt["TCPMD5NotFound"] ?? 0, 0, "the /64 prefix key covered the client");
});

test("TIME-WAIT ACKs and a connection's RST are signed (tcp_v4_timewait_ack, tcp_v4_send_reset)", async () => {
  const { net, server, client: ch, link, sent, listen, clientSocket } = pair(KEY, KEY);
  const sp = server.createProcess("srv"), cp = ch.createProcess("cli");
  const lfd = listen(sp);
  let cfd = clientSocket(cp);
  let acc = sp.accept(lfd);
  await drive(net, cp.connect(cfd, ["10.0.0.2", 179]));
  let { fd } = await drive(net, acc);
  await drive(net, cp.close(cfd));
  await net.advance(ms(10));
  // The client's ACK of the server's FIN is lost: the FIN comes again and the TIME-WAIT record answers it.
  link.aToB.hold();
  await drive(net, sp.close(fd));
  await net.advance(sec(2));
  link.aToB.dropHeld();
  link.aToB.release();
  const fromClient = expectAllSigned(sent.splice(0), KEY, "close").filter((s) => s.src[3] === 1);
  const lastAcks = fromClient.filter((s) => s.flags === 0x10);
  assert.ok(lastAcks.length >= 3, `the ACK of the FIN and the TIME-WAIT record's ACKs of its retransmissions (${lastAcks.length} ACKs)`);
  // A close with unread data: the server's RST.
  cfd = clientSocket(cp);
  acc = sp.accept(lfd);
  await drive(net, cp.connect(cfd, ["10.0.0.2", 179]));
  ({ fd } = await drive(net, acc));
  await drive(net, cp.send(cfd, "never read"));
  await net.advance(ms(10));
  await drive(net, sp.close(fd));
  await net.advance(ms(10));
  const rsts = expectAllSigned(sent.splice(0), KEY, "reset").filter((s) => s.flags & 0x04);
  assert.equal(rsts.length, 1, "one RST, signed");
  assert.equal(server.counters.TcpExt["TCPMD5Failure"] ?? 0, 0, "no failure on the server");
  assert.equal(ch.counters.TcpExt["TCPMD5Failure"] ?? 0, 0, "the client accepted the signed RST");
});

test("an AF_INET6 socket's v4-mapped key signs its IPv4 connection", async () => {
  const { net, server, client: ch, sent, listen } = pair(KEY, null);
  const sp = server.createProcess("srv"), cp = ch.createProcess("cli");
  const lfd = listen(sp);
  const c = cp.socket("AF_INET6", "SOCK_STREAM");
  cp.setsockopt(c, "IPPROTO_TCP", "TCP_MD5SIG", md5sig("::ffff:10.0.0.2", KEY));
  const acc = sp.accept(lfd);
  await drive(net, cp.connect(c, ["::ffff:10.0.0.2", 179]));
  await drive(net, acc);
  const segs = expectAllSigned(sent.splice(0), KEY, "v4-mapped");
  assert.ok(segs.length >= 3, `the handshake, signed (${segs.length})`);
});

test("tcpdump -M SECRET checks the signatures as tcpdump 4.99.3 does: md5 valid, md5  (invalid) under another key", () => {
  const dir = new URL("../../src/tcp/testdata/", import.meta.url);
  const recs = pcapRecords(new Uint8Array(readFileSync(new URL("md5-kernel.pcap", dir))));
  const want = readFileSync(new URL("md5-kernel.tcpdump-M-secret.txt", dir), "utf8").trimEnd().split("\n");
  const args = parseTcpdumpArgs(["-nn", "-M", "secret"]);
  assert.equal(args.md5Secret, "secret", "-M takes the secret");
  const td = new TcpdumpFormatter({ md5Secret: args.md5Secret! });
  assert.deepEqual(recs.map((r) => formatFrame(r.data, td)), want);
});

test("a signed segment to a closed port: a RST, signed, when a listener on its source port has a key that verifies it (tcp_v4_send_reset)", async () => {
  const { net, client: ch, sent, listen, server } = pair(KEY, null);
  const sp = server.createProcess("srv"), cp = ch.createProcess("cli");
  listen(sp); // port 179, key for 10.0.0.1
  const fd = cp.socket("AF_INET", "SOCK_STREAM");
  cp.setsockopt(fd, "IPPROTO_TCP", "TCP_MD5SIG", md5sig("10.0.0.2", KEY));
  cp.bind(fd, ["0.0.0.0", 179]); // BGP: both ends on 179; the server has nothing on 180
  await assert.rejects(drive(net, cp.connect(fd, ["10.0.0.2", 180])), { code: "ECONNREFUSED" }, "refused by a RST the client accepted");
  const rsts = expectAllSigned(sent.splice(0), KEY, "closed port").filter((s) => s.flags & 0x04);
  assert.equal(rsts.length, 1, "one signed RST");
});
