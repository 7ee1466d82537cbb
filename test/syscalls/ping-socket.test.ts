/**
 * ICMPv6 ping sockets answer as Linux 6.18 did (ipv6-options-linux.json,
 * the probe's ping() part): net.ipv4.ping_group_range, the protocol
 * checks of socket(), the identifier as the socket's port, what sendto
 * accepts and what recvfrom returns.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ipv6Lan } from "../helpers/ipv6-lan.js";
import { linuxFixture, outcome, sameOutcome } from "../helpers/linux-fixture.js";
import { ms } from "../../src/core/time.js";

const linux = linuxFixture(new URL("./ipv6-options-linux.json", import.meta.url));

test("ping sockets: ping_group_range, socket()'s protocol checks, echo request and reply, sendto's errnos — as Linux", async () => {
  const { net, a } = await ipv6Lan(5);
  const p = a.createProcess("ping");
  a.sysctl.ping_group_range = [1, 0];
  sameOutcome(await outcome(() => p.close(p.socket("AF_INET6", "SOCK_DGRAM", "IPPROTO_ICMPV6"))), linux("ping socket with ping_group_range 1 0"), "the kernel's default range");
  a.sysctl.ping_group_range = [0, 0];
  sameOutcome(await outcome(() => p.close(p.socket("AF_INET6", "SOCK_DGRAM", "IPPROTO_ICMPV6"))), linux("ping socket with ping_group_range 0 0"), "group 0 allowed");
  sameOutcome(await outcome(() => p.close(p.socket("AF_INET6", "SOCK_DGRAM", "IPPROTO_ICMP"))), linux("AF_INET6 SOCK_DGRAM IPPROTO_ICMP"), "ICMP on AF_INET6");
  sameOutcome(await outcome(() => p.close(p.socket("AF_INET6", "SOCK_STREAM", "IPPROTO_ICMPV6"))), linux("AF_INET6 SOCK_STREAM IPPROTO_ICMPV6"), "a stream ping socket");
  const s = p.socket("AF_INET6", "SOCK_DGRAM", "IPPROTO_ICMPV6");
  const name = p.getsockname(s) as { addr: string; port: number; flowinfo: number; scopeId: number };
  assert.deepEqual([name.addr, name.port, name.flowinfo, name.scopeId], linux("ping getsockname unbound"), "unbound: [::]:0");
  const req = new Uint8Array([128, 0, 0, 0, 0x12, 0x34, 0, 7, ...new TextEncoder().encode("abcdefgh")]);
  sameOutcome(await outcome(() => p.sendto(s, req, 0, ["2001:db8::2", 0])), linux("ping sendto echo request"), "an echo request");
  const after = p.getsockname(s) as { addr: string; port: number };
  assert.deepEqual([after.addr, after.port !== 0], linux("ping getsockname after send (port is the id)"), "the first send chose an identifier");
  const got = p.recvfrom(s, 100);
  await net.advance(ms(20));
  const { data, addr } = await got;
  const r = addr as { addr: string; port: number; flowinfo: number; scopeId: number };
  const dv = new DataView(data.buffer, data.byteOffset, data.length);
  assert.deepEqual({
    type: data[0], code: data[1], "id is the port": dv.getUint16(4) === after.port, seq: dv.getUint16(6), data: new TextDecoder().decode(data.subarray(8)),
    len: data.length, from: [r.addr, r.port, r.flowinfo, r.scopeId],
  }, linux("ping reply"), "the reply with its ICMPv6 header, the identifier rewritten to the socket's");
  const sum = (b: Uint8Array) => {
    // The reply's checksum verifies over the pseudo-header (it is the one that came on the wire).
    let acc = 0;
    const words = [0x2001, 0x0db8, 0, 0, 0, 0, 0, 2, 0x2001, 0x0db8, 0, 0, 0, 0, 0, 1];
    for (const w of words) acc += w;
    acc += b.length + 58;
    for (let i = 0; i < b.length; i += 2) acc += (b[i]! << 8) | (b[i + 1] ?? 0);
    while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
    return acc;
  };
  assert.equal(sum(data), 0xffff, "the reply's checksum is valid");
  const hdr = (type: number, code: number) => new Uint8Array([type, code, 0, 0, 0, 1, 0, 1]);
  sameOutcome(await outcome(() => p.sendto(s, hdr(129, 0), 0, ["2001:db8::2", 0])), linux("ping sendto type 129"), "not an echo request");
  sameOutcome(await outcome(() => p.sendto(s, hdr(128, 1), 0, ["2001:db8::2", 0])), linux("ping sendto code 1"), "code 1");
  sameOutcome(await outcome(() => p.sendto(s, new Uint8Array([128, 0, 0, 0, 0, 0, 0]), 0, ["2001:db8::2", 0])), linux("ping sendto 7 bytes"), "7 bytes");
  sameOutcome(await outcome(() => p.sendto(s, req, 0, ["::ffff:10.0.0.1", 0])), linux("ping sendto mapped address"), "a mapped address");
  sameOutcome(await outcome(() => p.send(s, req)), linux("ping send unconnected"), "send without a destination");
  const bnd = p.socket("AF_INET6", "SOCK_DGRAM", "IPPROTO_ICMPV6");
  sameOutcome(await outcome(() => {
    p.bind(bnd, ["::", 4242]);
    const n = p.getsockname(bnd) as { addr: string; port: number; flowinfo: number; scopeId: number };
    return [n.addr, n.port, n.flowinfo, n.scopeId];
  }), linux("ping bind id 4242"), "bind chooses the identifier");
  const nr = p.socket("AF_INET6", "SOCK_DGRAM", "IPPROTO_ICMPV6");
  sameOutcome(await outcome(() => p.sendto(nr, req, 0, ["2001:db8:1::9", 0])), linux("ping sendto no route"), "no route");
});
