/**
 * RFC 3542's sticky IPV6_PKTINFO and IPV6_HOPLIMIT replay Linux 6.18
 * (ipv6-sticky-linux.json, from ipv6-sticky-probe.py): what setsockopt
 * and getsockopt take and answer on UDP and TCP sockets, and which
 * interface and source address UDP datagrams then leave with — named by
 * role, since the two kernels may pick a different default among two
 * addresses of one prefix ("default": the plain send's source).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import type { SendControlMessage } from "../../src/socket/socket.js";
import { ipv6Lan } from "../helpers/ipv6-lan.js";
import { linuxFixture, outcome, sameOutcome } from "../helpers/linux-fixture.js";

const linux = linuxFixture(new URL("./ipv6-sticky-linux.json", import.meta.url));
const SOL = "IPPROTO_IPV6";

async function pair() {
  const { net, a, b, aIface } = await ipv6Lan(21, ["2001:db8::11/64"]);
  return { net, pa: a.createProcess("probe"), pb: b.createProcess("rx"), va: aIface.index };
}

test("sticky IPV6_PKTINFO and IPV6_HOPLIMIT: setsockopt/getsockopt on UDP and TCP sockets, as Linux", async () => {
  const { pa, va } = await pair();
  assert.equal(va, linux("va ifindex"), "the probe's interface index is sockstack's");
  for (const [type, n] of [["SOCK_DGRAM", "udp"], ["SOCK_STREAM", "tcp"]] as const) {
    const s = pa.socket("AF_INET6", type);
    const key = (k: string) => `${n} ${k}`;
    sameOutcome(await outcome(() => pa.getsockopt(s, SOL, "IPV6_PKTINFO")), linux(key("getsockopt IPV6_PKTINFO")), key("getsockopt IPV6_PKTINFO"));
    sameOutcome(await outcome(() => pa.setsockopt(s, SOL, "IPV6_PKTINFO", { ipi6_addr: "2001:db8::1", ipi6_ifindex: va })), linux(key("setsockopt IPV6_PKTINFO")), key("set"));
    sameOutcome(await outcome(() => pa.getsockopt(s, SOL, "IPV6_PKTINFO")), linux(key("getsockopt IPV6_PKTINFO after set")), key("get after set"));
    // @ts-expect-error -- an int where the struct belongs (Linux: an optlen below 20 bytes)
    sameOutcome(await outcome(() => pa.setsockopt(s, SOL, "IPV6_PKTINFO", 1)), linux(key("setsockopt IPV6_PKTINFO int")), key("an int"));
    sameOutcome(await outcome(() => pa.setsockopt(s, SOL, "IPV6_PKTINFO", { ipi6_addr: "::", ipi6_ifindex: 99 })), linux(key("setsockopt IPV6_PKTINFO ifindex 99")), key("ifindex 99"));
    sameOutcome(await outcome(() => pa.setsockopt(s, SOL, "IPV6_PKTINFO", { ipi6_addr: "2001:db8::99", ipi6_ifindex: 0 })), linux(key("setsockopt IPV6_PKTINFO foreign address")), key("a foreign address"));
    sameOutcome(await outcome(() => pa.setsockopt(s, SOL, "IPV6_HOPLIMIT", 5)), linux(key("setsockopt IPV6_HOPLIMIT 5")), key("IPV6_HOPLIMIT set"));
    sameOutcome(await outcome(() => pa.getsockopt(s, SOL, "IPV6_HOPLIMIT")), linux(key("getsockopt IPV6_HOPLIMIT")), key("IPV6_HOPLIMIT get"));
  }
});

test("sticky IPV6_PKTINFO on UDP: its interface is the way out, its address is not the source (the control message and bind are), as Linux", async () => {
  const { net, pa, pb, va } = await pair();
  const rx = pb.socket("AF_INET6", "SOCK_DGRAM");
  pb.bind(rx, ["::", 9]);
  const dst = ["2001:db8::2", 9] as [string, number];
  const sends: Record<string, unknown> = {};
  const send = async (name: string, f: () => Promise<unknown>) => {
    const r = await outcome(f);
    sends[name] = typeof r === "number" ? "sent" : r;
  };
  const sticky = (fd: number, addr: string, idx = 0) => pa.setsockopt(fd, SOL, "IPV6_PKTINFO", { ipi6_addr: addr, ipi6_ifindex: idx });
  const cmsg = (addr: string): SendControlMessage[] => [{ level: SOL, type: "IPV6_PKTINFO", data: { ipi6_addr: addr, ipi6_ifindex: 0 } }];
  await send("plain", () => pa.sendto(pa.socket("AF_INET6", "SOCK_DGRAM"), "plain", 0, dst));
  const other: Record<string, string> = { "2001:db8::1": "2001:db8::11", "2001:db8::11": "2001:db8::1" };
  for (const src of ["2001:db8::1", "2001:db8::11"]) {
    const s1 = pa.socket("AF_INET6", "SOCK_DGRAM");
    sticky(s1, src);
    await send(`sticky ${src}`, () => pa.sendto(s1, `sticky ${src}`, 0, dst));
    const s2 = pa.socket("AF_INET6", "SOCK_DGRAM");
    await send(`cmsg ${src}`, () => pa.sendmsg(s2, { iov: [`cmsg ${src}`], name: dst, control: cmsg(src) }));
    const s3 = pa.socket("AF_INET6", "SOCK_DGRAM");
    sticky(s3, other[src]!);
    await send(`cmsg ${src} over sticky`, () => pa.sendmsg(s3, { iov: [`cmsg ${src} over sticky`], name: dst, control: cmsg(src) }));
    const s4 = pa.socket("AF_INET6", "SOCK_DGRAM");
    pa.bind(s4, [src, 0]);
    sticky(s4, other[src]!);
    await send(`bound ${src}, sticky the opposite`, () => pa.sendto(s4, `bound ${src}, sticky the opposite`, 0, dst));
  }
  const f = pa.socket("AF_INET6", "SOCK_DGRAM");
  sticky(f, "2001:db8::99");
  await send("sticky foreign address", () => pa.sendto(f, "sticky foreign address", 0, dst));
  for (const [idx, name] of [[va, "va"], [99, "99"], [1, "lo"]] as const) {
    const s = pa.socket("AF_INET6", "SOCK_DGRAM");
    sticky(s, "::", idx);
    await send(`sticky ifindex ${name}`, () => pa.sendto(s, `sticky ifindex ${name}`, 0, dst));
  }
  await net.advance(ms(50));
  const seen: Record<string, string> = {};
  for (;;) {
    const r = await outcome(() => pb.recvfrom(rx, 100, "MSG_DONTWAIT"));
    if (typeof r === "string") break;
    const { data, addr } = r as { data: Uint8Array; addr: { addr: string } };
    seen[new TextDecoder().decode(data)] = addr.addr;
  }
  const plain = seen.plain!;
  assert.ok(plain, "the plain datagram arrived");
  const role = (t: string) => t.replace(/2001:db8::11/g, plain === "2001:db8::11" ? "DEFAULT" : "OTHER").replace(/2001:db8::1\b/g, plain === "2001:db8::1" ? "DEFAULT" : "OTHER").toLowerCase();
  const gotSends = Object.fromEntries(Object.entries(sends).map(([k, v]) => [role(k), v]));
  const gotSources = Object.fromEntries(Object.entries(seen).map(([k, v]) => [role(k), role(v)]));
  assert.deepEqual(gotSends, linux("sends"), "each send's outcome, by role");
  assert.deepEqual(gotSources, linux("source"), "each datagram's source, by role");
});
