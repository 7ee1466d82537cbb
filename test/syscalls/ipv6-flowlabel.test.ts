/**
 * Flow-label socket options replay Linux 6.18 (ipv6-flowlabel-linux.json,
 * from ipv6-flowlabel-probe.py): IPV6_FLOWINFO, IPV6_FLOWINFO_SEND and
 * IPV6_AUTOFLOWLABEL on UDP and TCP sockets, the labels UDP datagrams
 * carry under each auto_flowlabels mode (automatic ones compared by
 * presence and stability — their hash is sockstack's own), an explicit
 * label from sin6_flowinfo, and what the receiver's IPV6_FLOWINFO control
 * message shows.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import type { SockAddr } from "../../src/socket/sockaddr.js";
import { ipv6Lan } from "../helpers/ipv6-lan.js";
import { linuxFixture, outcome, sameOutcome } from "../helpers/linux-fixture.js";

const linux = linuxFixture(new URL("./ipv6-flowlabel-linux.json", import.meta.url));
const SOL = "IPPROTO_IPV6";

test("flow labels: IPV6_FLOWINFO / IPV6_FLOWINFO_SEND / IPV6_AUTOFLOWLABEL, auto_flowlabels 0–3, sin6_flowinfo's label, the receiver's IPV6_FLOWINFO — as Linux", async () => {
  const { net, a, b } = await ipv6Lan(13);
  const pa = a.createProcess("probe"), pb = b.createProcess("rx");
  const rx = pb.socket("AF_INET6", "SOCK_DGRAM");
  pb.setsockopt(rx, SOL, "IPV6_FLOWINFO", 1);
  pb.bind(rx, ["::", 9]);
  for (const [type, n] of [["SOCK_DGRAM", "udp"], ["SOCK_STREAM", "tcp"]] as const) {
    const s = pa.socket("AF_INET6", type);
    for (const o of ["IPV6_FLOWINFO", "IPV6_FLOWINFO_SEND", "IPV6_AUTOFLOWLABEL"] as const) {
      sameOutcome(await outcome(() => pa.getsockopt(s, SOL, o)), linux(`${n} get ${o}`), `${n} get ${o}`);
      sameOutcome(await outcome(() => pa.setsockopt(s, SOL, o, 1)), linux(`${n} set ${o} 1`), `${n} set ${o} 1`);
      sameOutcome(await outcome(() => pa.getsockopt(s, SOL, o)), linux(`${n} get ${o} after 1`), `${n} get ${o} after 1`);
      sameOutcome(await outcome(() => pa.setsockopt(s, SOL, o, 0)), linux(`${n} set ${o} 0`), `${n} set ${o} 0`);
    }
    sameOutcome(await outcome(() => pa.setsockopt(s, SOL, "IPV6_AUTOFLOWLABEL", 2)), linux(`${n} set IPV6_AUTOFLOWLABEL 2`), `${n} set IPV6_AUTOFLOWLABEL 2`);
  }
  const dst = ["2001:db8::2", 9] as [string, number];
  const sin6 = (flowinfo: number): SockAddr => ({ family: 10, addr: "2001:db8::2", port: 9, flowinfo, scopeId: 0 });
  const send = async (key: string, f: () => Promise<unknown>) => sameOutcome(await outcome(f), linux(key), key);
  const udp = () => pa.socket("AF_INET6", "SOCK_DGRAM");
  assert.equal(String(a.sysctl.ipv6_auto_flowlabels), linux("sysctl auto_flowlabels"), "auto_flowlabels default");
  let s = udp();
  await send("send auto", () => pa.sendto(s, "auto", 0, dst));
  pa.setsockopt(s, SOL, "IPV6_AUTOFLOWLABEL", 0);
  await send("send autoflowlabel 0", () => pa.sendto(s, "noauto", 0, dst));
  const s2 = udp();
  await send("sendto flowinfo 0x12345 without FLOWINFO_SEND", () => pa.sendto(s2, "fi-nosend", 0, sin6(0x12345)));
  pa.setsockopt(s2, SOL, "IPV6_FLOWINFO_SEND", 1);
  await send("sendto flowinfo 0x12345 with FLOWINFO_SEND", () => pa.sendto(s2, "fi-send", 0, sin6(0x12345)));
  await send("sendto flowinfo 0 with FLOWINFO_SEND", () => pa.sendto(s2, "fi-send0", 0, sin6(0)));
  await send("connect flowinfo 0x12345 with FLOWINFO_SEND", () => pa.connect(s2, sin6(0x12345)));
  for (const [mode, name, sockName] of [[0, "sys0", "sys0sock1"], [2, "sys2", "sys2sock1"], [3, "sys3", null]] as const) {
    a.sysctl.ipv6_auto_flowlabels = mode;
    s = udp();
    assert.equal(pa.getsockopt(s, SOL, "IPV6_AUTOFLOWLABEL"), linux(`auto_flowlabels ${mode}: get IPV6_AUTOFLOWLABEL`), `auto_flowlabels ${mode}: the socket's default`);
    await send(`send auto_flowlabels ${mode}`, () => pa.sendto(s, name, 0, dst));
    if (sockName) {
      pa.setsockopt(s, SOL, "IPV6_AUTOFLOWLABEL", 1);
      await send(`send auto_flowlabels ${mode}, socket 1`, () => pa.sendto(s, sockName, 0, dst));
    }
  }
  await net.advance(ms(20));
  const got: Record<string, number | null> = {};
  const names = new Set<number>();
  for (;;) {
    const r = await outcome(() => pb.recvmsg(rx, 100, "MSG_DONTWAIT"));
    if (typeof r === "string") break;
    const m = r as { data: Uint8Array; control?: { type: number; data: unknown }[]; addr: { flowinfo: number } };
    const fi = m.control?.find((c) => c.type === 11);
    got[new TextDecoder().decode(m.data)] = fi ? (fi.data as number) : null;
    names.add(m.addr.flowinfo);
  }
  const want = linux("received IPV6_FLOWINFO") as Record<string, number | null>;
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), "the same datagrams arrived");
  for (const [k, v] of Object.entries(want)) assert.equal(got[k] === null, v === null, `${k}: a flow label (${v}) or none`);
  assert.equal(got["fi-send"], want["fi-send"], "sin6_flowinfo's label went on the packet");
  assert.equal(got["fi-nosend"], got["fi-send0"], "one flow, one automatic label");
  assert.deepEqual([...names], linux("received sin6_flowinfo"), "the sender's sin6_flowinfo is 0");
});
