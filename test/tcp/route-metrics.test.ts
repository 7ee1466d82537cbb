/**
 * Route metrics on the simulator (ip/route-metrics.ts, tcp/route-path.ts):
 * what the host API and the packetdrill shell's `ip route` set, how
 * `ip route show` prints it, and what TCP does with a locked MTU (IPv4
 * without DF, as Linux ip_dont_fragment) and with a changed one. The
 * packet-level behaviour is in test/pkt/linux/route-*.pkt and mtu-*.pkt.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../../src/core/time.js";
import { ipCommand } from "../../src/conformance/shell-commands.js";
import { ShellUnsupported } from "../../src/conformance/shell-status.js";
import { establishedPair } from "../helpers/vocabulary.js";

/** The DF bit of an IPv4 datagram's header. */
const df = (head: Uint8Array) => (head[6]! & 0x40) !== 0;

test("a locked route MTU: the MSS follows it and the segments leave without DF; unlocked, with DF", async () => {
  for (const lock of [true, false]) {
    const { net, cp, cfd, capture, cli } = await establishedPair({
      link: { latency: ms(1) },
      setup: ({ client }) => client.addRoute("10.0.0.2/32", undefined, "eth0", { mtu: 1000, mtuLock: lock, advmss: 900 }),
    });
    assert.equal(cli.pmtu, 1000, "the path MTU is the route's mtu metric, not the device's 1500");
    assert.equal(cli.advMss, 900, "the SYN announced the route's advmss");
    await cp.send(cfd, new Uint8Array(3000));
    await net.advance(ms(20));
    const data = capture.all.filter((s) => s.from === "client" && s.len > 0);
    assert.ok(data.length >= 4, `the 3000 bytes left in segments of at most 960 (${data.map((s) => s.len)})`);
    assert.ok(data.every((s) => s.len <= 960), `every segment fits the route MTU 1000 (${data.map((s) => s.len)})`);
    assert.ok(data.every((s) => df(s.packet.head) === !lock), `DF is ${lock ? "clear under the lock" : "set without it"}`);
  }
});

test("ip route change of the route in use: the write under way keeps the old MSS (Linux's cached dst), the next one has the new", async () => {
  const { net, cp, cfd, capture, cli, client } = await establishedPair({
    link: { latency: ms(1) },
    setup: ({ client }) => client.addRoute("10.0.0.2/32", undefined, "eth0", { mtu: 1000 }),
  });
  assert.equal(cli.mss, 948, "MSS from the route's MTU 1000 (less 40 of headers and 12 of timestamps)");
  assert.equal(ipCommand(client, ["route", "change", "10.0.0.2", "dev", "eth0", "mtu", "1200"]).code, 0, "ip route change succeeds");
  await cp.send(cfd, new Uint8Array(2000));
  await net.advance(ms(20));
  await cp.send(cfd, new Uint8Array(2000));
  await net.advance(ms(20));
  const lens = capture.all.filter((s) => s.from === "client" && s.len > 0).map((s) => s.len);
  assert.deepEqual(lens, [948, 948, 104, 1148, 852], "the first write at the old MSS 948, the second at the new 1148");
});

test("ip route: add/change/del with iproute2's errors, metrics printed as ip route show does, the unmodelled ones refused", async () => {
  const { client } = await establishedPair();
  const ip = (...a: string[]) => ipCommand(client, a);
  assert.deepEqual(ip("route", "change", "192.0.2.9", "dev", "eth0"), { code: 2, out: "", err: "RTNETLINK answers: No such file or directory\n" }, "change of a missing route");
  assert.equal(ip("route", "add", "192.0.2.9", "via", "10.0.0.2", "advmss", "600", "mtu", "lock", "640", "initcwnd", "11", "initrwnd", "7").code, 0, "add with metrics");
  assert.deepEqual(ip("route", "add", "192.0.2.9", "dev", "eth0"), { code: 2, out: "", err: "RTNETLINK answers: File exists\n" }, "add of an existing route");
  const show = ip("route", "show").out;
  // As this machine's iproute2 prints it (less its trailing space): RTAX order, host routes without /32.
  assert.match(show, /^192\.0\.2\.9 via 10\.0\.0\.2 dev eth0 mtu lock 640 advmss 600 initcwnd 11 initrwnd 7$/m, show);
  assert.equal(ip("route", "replace", "192.0.2.9", "via", "10.0.0.2", "mtu", "1500").code, 0, "replace");
  assert.match(ip("route", "show").out, /^192\.0\.2\.9 via 10\.0\.0\.2 dev eth0 mtu 1500$/m, "replace dropped the other metrics");
  assert.deepEqual(ip("route", "add", "192.0.2.10", "dev", "nosuch"), { code: 1, out: "", err: "Cannot find device \"nosuch\"\n" }, "unknown device");
  assert.equal(ip("route", "del", "192.0.2.9").code, 0, "del");
  assert.deepEqual(ip("route", "del", "192.0.2.9"), { code: 2, out: "", err: "RTNETLINK answers: No such process\n" }, "del of a missing route");
  for (const m of ["rto_min", "quickack", "window"]) {
    assert.throws(() => ip("route", "add", "192.0.2.11", "dev", "eth0", m, "1"), (e: unknown) => e instanceof ShellUnsupported && e.message.includes(m), `${m} is refused as unsupported`);
  }
  assert.equal(ip("-6", "route", "add", "2001:db8::1", "dev", "eth0", "advmss", "1200", "mtu", "lock", "1300").code, 0, "an IPv6 route with metrics");
  const r6 = client.ip6.routes.routes.find((r) => r.prefixLen === 128 && r.metrics?.advmss === 1200);
  assert.ok(r6 && r6.mtu === 1300 && r6.metrics?.mtuLock, "the IPv6 route keeps its MTU, lock and advmss");
});
