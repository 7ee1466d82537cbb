/**
 * IP_FREEBIND and IPV6_FREEBIND answer as Linux 6.18 did
 * (freebind-linux.json, recorded by freebind-probe.py): binding an address
 * the host does not have fails with EADDRNOTAVAIL until the option is set,
 * for TCP and UDP in both families; any non-zero value reads back as 1; the
 * two names are one flag; IPV6_FREEBIND on AF_INET is ENOPROTOOPT to set
 * and EOPNOTSUPP to get.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { linuxFixture, outcome, sameOutcome } from "../helpers/linux-fixture.js";
import { ipv6Lan } from "../helpers/ipv6-lan.js";

const linux = linuxFixture(new URL("./freebind-linux.json", import.meta.url));

test("IP_FREEBIND / IPV6_FREEBIND: bind to a non-local address, the value read back, the family checks — as Linux", async () => {
  const { a } = await ipv6Lan(5);
  const p = a.createProcess("freebind");
  for (const [fam, name, addr] of [["AF_INET", "v4", "192.0.2.7"], ["AF_INET6", "v6", "2001:db8::7"]] as const) {
    for (const [type, tname] of [["SOCK_STREAM", "tcp"], ["SOCK_DGRAM", "udp"]] as const) {
      const k = `${name} ${tname}`;
      const o = (what: string, got: unknown) => sameOutcome(got, linux(`${k} ${what}`), `${k} ${what}`);
      let s = p.socket(fam, type);
      o("bind non-local", await outcome(() => p.bind(s, [addr, 8080])));
      await p.close(s);
      s = p.socket(fam, type);
      o("IP_FREEBIND default", p.getsockopt(s, "SOL_IP", "IP_FREEBIND"));
      o("set IP_FREEBIND 1", await outcome(() => p.setsockopt(s, "SOL_IP", "IP_FREEBIND", 1)));
      o("IP_FREEBIND after set", p.getsockopt(s, "SOL_IP", "IP_FREEBIND"));
      o("bind non-local with IP_FREEBIND", await outcome(() => p.bind(s, [addr, 8080])));
      assert.equal((p.getsockname(s) as { addr: string }).addr, linux(`${k} getsockname`), `${k}: getsockname gives the non-local address`);
      if (type === "SOCK_STREAM") o("listen on non-local", await outcome(() => p.listen(s, 1)));
      await p.close(s);
      s = p.socket(fam, type);
      o("set IP_FREEBIND 5", await outcome(() => p.setsockopt(s, "SOL_IP", "IP_FREEBIND", 5)));
      o("IP_FREEBIND after 5", p.getsockopt(s, "SOL_IP", "IP_FREEBIND"));
      o("set IPV6_FREEBIND", await outcome(() => p.setsockopt(s, "SOL_IPV6", "IPV6_FREEBIND", 1)));
      o("get IPV6_FREEBIND", await outcome(() => p.getsockopt(s, "SOL_IPV6", "IPV6_FREEBIND")));
      o("IP_FREEBIND after IPV6_FREEBIND", p.getsockopt(s, "SOL_IP", "IP_FREEBIND"));
      await p.close(s);
    }
  }
  const s = p.socket("AF_INET6", "SOCK_STREAM");
  p.setsockopt(s, "SOL_IPV6", "IPV6_FREEBIND", 1);
  assert.equal(p.getsockopt(s, "SOL_IP", "IP_FREEBIND"), 1, "IPV6_FREEBIND sets the flag IP_FREEBIND reads");
  p.setsockopt(s, "SOL_IP", "IP_FREEBIND", 0);
  assert.equal(p.getsockopt(s, "SOL_IPV6", "IPV6_FREEBIND"), 0, "IP_FREEBIND 0 clears it for both names");
});
