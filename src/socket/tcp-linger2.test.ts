import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../sim/network.js";

// TCP_LINGER2 as Linux 6.18 stores and reports it (checked with a Python probe on this
// machine): negative → -1, 0 → tcp_fin_timeout (60), larger values clamped to
// TCP_FIN_TIMEOUT_MAX (120 s), not to tcp_fin_timeout.
test("TCP_LINGER2: -1 for negatives, tcp_fin_timeout for 0, clamped at TCP_FIN_TIMEOUT_MAX (120 s)", async () => {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  const got: number[] = [];
  h.spawn("probe", (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    for (const v of [0, -1, -5, 59, 61, 100, 500]) {
      p.setsockopt(fd, "IPPROTO_TCP", "TCP_LINGER2", v);
      got.push(p.getsockopt(fd, "IPPROTO_TCP", "TCP_LINGER2") as number);
    }
  });
  await net.run();
  assert.deepEqual(got, [60, -1, -1, 59, 61, 100, 120]);
});
