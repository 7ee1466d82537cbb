/**
 * AF_UNIX sockets have no protocol-level options: setsockopt and getsockopt
 * at any level but SOL_SOCKET are EOPNOTSUPP on Linux 6.18, whatever the
 * option (known, unknown, another protocol's) and the socket type — measured
 * with python3 in a fresh `unshare -n` namespace (stream and datagram:
 * IP_TTL, IP_TOS, IP_FREEBIND, IP option 999, IPV6_V6ONLY, IPV6 option 999,
 * TCP_NODELAY, UDP level, SOL_RAW level all ENOTSUP = EOPNOTSUPP; SOL_SOCKET
 * option 999 ENOPROTOOPT). freebind-linux.json recorded the same for
 * IP_FREEBIND.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";
import { linuxFixture, outcome, sameOutcome } from "../helpers/linux-fixture.js";

const freebind = linuxFixture(new URL("./freebind-linux.json", import.meta.url));

test("AF_UNIX: options at SOL_IP / SOL_IPV6 / SOL_TCP / other levels are EOPNOTSUPP to set and get, as Linux", async () => {
  const net = new Network({ seed: 3 });
  const p = net.addHost("h").createProcess("u");
  const cases: [string | number, string | number][] = [
    ["SOL_IP", "IP_TTL"], ["SOL_IP", "IP_TOS"], ["SOL_IP", "IP_FREEBIND"], [0, 999], ["SOL_IPV6", "IPV6_V6ONLY"], [41, 999],
    ["SOL_TCP", "TCP_NODELAY"], [17, 1], [255, 1],
  ];
  for (const type of ["SOCK_STREAM", "SOCK_DGRAM"] as const) {
    const s = p.socket("AF_UNIX", type);
    for (const [level, name] of cases) {
      const what = `${type} ${level} ${name}`;
      sameOutcome(await outcome(() => p.setsockopt(s, level, name, 1)), "EOPNOTSUPP", `${what}: setsockopt`);
      sameOutcome(await outcome(() => p.getsockopt(s, level, name)), "EOPNOTSUPP", `${what}: getsockopt`);
    }
    sameOutcome(await outcome(() => p.setsockopt(s, "SOL_IP", "IP_FREEBIND", 1)), freebind("unix set IP_FREEBIND"), `${type}: set IP_FREEBIND (fixture)`);
    sameOutcome(await outcome(() => p.getsockopt(s, "SOL_IP", "IP_FREEBIND")), freebind("unix get IP_FREEBIND"), `${type}: get IP_FREEBIND (fixture)`);
    sameOutcome(await outcome(() => p.setsockopt(s, "SOL_SOCKET", 999, 1)), "ENOPROTOOPT", `${type}: an unknown SOL_SOCKET option stays ENOPROTOOPT`);
    assert.equal(p.getsockopt(s, "SOL_SOCKET", "SO_RCVBUF"), 212992, `${type}: SOL_SOCKET options still work on AF_UNIX`);
    await p.close(s);
  }
});
