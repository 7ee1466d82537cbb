/**
 * `localhost` in both families, as glibc 2.36 resolves it over Debian's
 * default /etc/hosts (localhost-linux.json, from localhost-probe.py):
 * getaddrinfo puts ::1 first while the host has IPv6 (RFC 6724 rule 6)
 * and last when IPv6 is unusable (rule 1), an AF_INET lookup gives
 * 127.0.0.1 twice (nss_files turns the ::1 line into 127.0.0.1), and the
 * `ip6-*` names and the reverse names are the table's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";
import { GaiError, getaddrinfo } from "../../src/sys/netdb.js";
import { AF_INET, AF_INET6, SOCK_STREAM } from "../../src/socket/constants.js";
import { linuxFixture } from "../helpers/linux-fixture.js";
import { nodeOn } from "../../src/node.js";
import { ADDRCONFIG as dns_ADDRCONFIG } from "node:dns";

const linux = linuxFixture(new URL("./localhost-linux.json", import.meta.url));
const NAMES: Record<number, string> = { 2: "AF_INET", 10: "AF_INET6" };
const TYPE: Record<number, string> = { 1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW" };

test("localhost: getaddrinfo's order and families, ip6-* names and the table's text, as glibc over Debian's /etc/hosts", () => {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  const p = h.createProcess("gai");
  const cases: [string, string, number, number][] = [
    ["localhost", "localhost", 0, 0], ["ip6-localhost", "ip6-localhost", 0, 0], ["ip6-loopback", "ip6-loopback", 0, 0],
    ["LOCALHOST", "LOCALHOST", 0, 0], ["ip6-allnodes", "ip6-allnodes", 0, 0], ["localhost SOCK_STREAM", "localhost", 0, SOCK_STREAM],
    ["localhost AF_INET", "localhost", AF_INET, SOCK_STREAM], ["localhost AF_INET6", "localhost", AF_INET6, SOCK_STREAM],
    ["ip6-localhost AF_INET", "ip6-localhost", AF_INET, SOCK_STREAM],
  ];
  for (const [setup, reachable] of [["IPv6 up", undefined], ["IPv6 disabled", (f: number) => f !== AF_INET6]] as const) {
    const want = linux(setup) as Record<string, unknown>;
    for (const [key, name, family, type] of cases) {
      let got: unknown;
      try {
        const r = reachable === undefined && setup === "IPv6 up"
          ? p.getaddrinfo(name, 80, family || undefined, type || undefined)
          : getaddrinfo(net.hostsFile, name, 80, { family, type }, "getaddrinfo", reachable);
        got = r.map((a) => [NAMES[a.family], TYPE[a.type], a.addr.addr]);
      } catch (e) {
        assert.ok(e instanceof GaiError, String(e));
        got = [e.errno, e.message];
      }
      assert.deepEqual(got, want[key], `${setup}: getaddrinfo ${key}`);
    }
    const rev = (a: string) => {
      const [first, ...rest] = net.hostsFile.namesOf(a);
      return [first, rest];
    };
    assert.deepEqual(rev("::1"), want["gethostbyaddr ::1"], `${setup}: the names of ::1`);
    assert.deepEqual(rev("127.0.0.1"), want["gethostbyaddr 127.0.0.1"], `${setup}: the names of 127.0.0.1`);
    assert.equal(p.gethostbyname("localhost"), want["gethostbyname localhost"], `${setup}: gethostbyname is IPv4`);
  }
  assert.ok(String(net.hostsFile).startsWith(linux("hosts") as string), "the table starts with Debian's default lines");
});

test("localhost over ::1: a client resolving localhost reaches an IPv6 server on the loopback", async () => {
  const net = new Network({ seed: 2 });
  const h = net.addHost("h");
  const p = h.createProcess("srv");
  const l = p.socket("AF_INET6", "SOCK_STREAM");
  p.setsockopt(l, "IPPROTO_IPV6", "IPV6_V6ONLY", 1);
  p.bind(l, ["::1", 8080]);
  p.listen(l, 4);
  const [ai] = p.getaddrinfo("localhost", 8080, undefined, "SOCK_STREAM");
  assert.equal(ai?.addr.addr, "::1", "the first answer is ::1");
  const c = p.socket(ai!.family === AF_INET6 ? "AF_INET6" : "AF_INET", "SOCK_STREAM");
  const conn = p.connect(c, ai!.addr);
  await net.advance(10_000);
  await conn;
  const peer = p.getpeername(c) as { addr: string; port: number };
  assert.deepEqual([peer.addr, peer.port], ["::1", 8080], "connected over ::1");
});

test("localhost in the Node façade: dns.lookup finds both lines (family 6: ::1; family 4: 127.0.0.1)", async () => {
  const net = new Network({ seed: 3 });
  const node = nodeOn(net.addHost("h"));
  // The façade's verbatim order is the table's (127.0.0.1 first), where Node over glibc gets getaddrinfo's ::1 first (docs/ipv6.md).
  const all = await node.dns.promises.lookup("localhost", { all: true, order: "ipv6first" });
  assert.deepEqual(all, [{ address: "::1", family: 6 }, { address: "127.0.0.1", family: 4 }], "both lines");
  assert.deepEqual(await node.dns.promises.lookup("localhost", { family: 6 }), { address: "::1", family: 6 }, "family 6");
  assert.deepEqual(await node.dns.promises.lookup("localhost", { family: 4 }), { address: "127.0.0.1", family: 4 }, "family 4");
});

test("a /etc/hosts without the ::1 line (dropDefault, as in many containers): localhost is 127.0.0.1 only, once for AF_INET, none for AF_INET6", () => {
  const net = new Network({ seed: 1 });
  assert.equal(net.hostsFile.dropDefault("::1"), true, "the default ::1 line is there to drop");
  assert.equal(net.hostsFile.dropDefault("0:0::1"), false, "dropped once; the address is compared in its RFC 5952 form");
  const p = net.addHost("h").createProcess("gai");
  const addrs = (family: number) => getaddrinfo(net.hostsFile, "localhost", null, { family, type: SOCK_STREAM }).map((a) => a.addr.addr);
  assert.deepEqual(addrs(0), ["127.0.0.1"], "no ::1 first: the table has no IPv6 address for localhost");
  assert.deepEqual(addrs(AF_INET), ["127.0.0.1"], "nss_files has no ::1 line to turn into a second 127.0.0.1");
  assert.throws(() => addrs(AF_INET6), (e: unknown) => e instanceof GaiError && e.code === "EAI_NONAME", "AF_INET6: no address (Node: getaddrinfo ENOTFOUND localhost, as on a machine whose /etc/hosts lacks the line)");
  assert.throws(() => p.getaddrinfo("ip6-localhost", null, 0, "SOCK_STREAM"), (e: unknown) => e instanceof GaiError && e.code === "EAI_NONAME", "the line's other names go with it");
  assert.ok(!net.hostsFile.lines().some((l) => l.addr === "::1"), "the table has no ::1 line");
});

// Checked with Node 20.20.2 over Linux 6.18 (glibc) in a fresh network namespace with Debian's
// /etc/hosts bind-mounted: `dns.lookup("localhost", { all: true, hints: dns.ADDRCONFIG })` is
// ::1, 127.0.0.1 with only lo up; 127.0.0.1 twice with an IPv4-only veth (IPv6 disabled on it);
// ::1, 127.0.0.1 once the veth has a link-local IPv6 address; family 4 or 6 with ADDRCONFIG and
// only lo: ENOTFOUND; family 6 with the IPv4-only veth: ENOTFOUND.
test("AI_ADDRCONFIG as glibc's (what Node's net.connect asks by default): only the families the host has a non-loopback address of", async () => {
  const lookups = async (mode: "lo" | "ipv4" | "ipv6") => {
    const net = new Network({ seed: 4 });
    const a = net.addHost("a"), b = net.addHost("b");
    if (mode !== "lo") net.link(a, b);
    if (mode === "ipv6") {
      a.enableIpv6();
      b.enableIpv6();
      await net.advance(5_000_000); // DAD of the link-local addresses
    }
    const dns = nodeOn(a).dns;
    const one = (o: object) => dns.promises.lookup("localhost", o).then((r) => JSON.stringify(r), (e: NodeJS.ErrnoException) => e.code);
    return [await one({ all: true, hints: dns_ADDRCONFIG }), await one({ family: 4, hints: dns_ADDRCONFIG }), await one({ family: 6, hints: dns_ADDRCONFIG }), await one({ all: true })];
  };
  const both = '[{"address":"::1","family":6},{"address":"127.0.0.1","family":4}]';
  const v4twice = '[{"address":"127.0.0.1","family":4},{"address":"127.0.0.1","family":4}]';
  assert.deepEqual(await lookups("lo"), [both, "ENOTFOUND", "ENOTFOUND", both], "only lo: no narrowing; a family asked for is not configured");
  assert.deepEqual(await lookups("ipv4"), [v4twice, '{"address":"127.0.0.1","family":4}', "ENOTFOUND", both], "IPv4 only: AF_INET (nss_files gives the ::1 line as 127.0.0.1 too); without the hint both");
  assert.deepEqual((await lookups("ipv6"))[0], both, "a link-local IPv6 address counts: both families");
});
