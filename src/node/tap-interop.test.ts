/**
 * TAP interop with the kernel: a sockstack host on an Ethernet card whose
 * frames go through socat's TAP device (udp-tap-wire.ts) in a namespace of
 * this test's own (`eth19-tap-<pid>`, 10.219.9.0/24). The kernel ARPs for
 * sockstack and sends it 200 kB over TCP, echoed byte for byte; sockstack
 * ARPs for the kernel and does the same the other way (tap-interop-child.ts
 * runs inside the namespace). Skipped where namespaces, TAP or socat are
 * unavailable.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const NS = `eth19-tap-${process.pid}`;

function why(): string | null {
  if (process.getuid?.() !== 0) return "needs root (network namespaces)";
  if (!existsSync("/dev/net/tun")) return "no /dev/net/tun";
  for (const tool of ["socat", "python3", "ip", "ss"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  return null;
}

test("TAP bridge: the kernel and sockstack ARP for each other, then TCP byte-exact both ways", { timeout: 120_000 }, (t) => {
  const reason = why();
  if (reason) {
    t.skip(`TAP interop skipped: ${reason}`);
    return;
  }
  const sh = (args: string[]) => spawnSync("ip", args, { encoding: "utf8", timeout: 10_000 });
  if (sh(["netns", "add", NS]).status !== 0) {
    t.skip("TAP interop skipped: cannot create a network namespace");
    return;
  }
  try {
    sh(["-n", NS, "link", "set", "lo", "up"]);
    spawnSync("ip", ["netns", "exec", NS, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]);
    const child = fileURLToPath(new URL("./tap-interop-child.ts", import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith("NODE_TEST")) delete env[k];
    const r = spawnSync("timeout", ["100", "ip", "netns", "exec", NS, process.execPath, "--import", "tsx", child], { encoding: "utf8", env, timeout: 110_000 });
    const line = r.stdout.trim().split("\n").pop() ?? "";
    let res: { kernelToSockstack?: string; kernelNeigh?: string; sockstackToKernel?: { arpState: string; ok: boolean } | null; error?: string };
    try {
      res = JSON.parse(line) as typeof res;
    } catch {
      assert.fail(`the child printed no result: ${r.stdout}${r.stderr}`);
    }
    assert.equal(res.error, undefined);
    assert.equal(res.kernelToSockstack, "ok");
    assert.match(res.kernelNeigh ?? "", /^10\.219\.9\.2 dev eth19tap0 lladdr 02:00:00:00:19:92 (REACHABLE|STALE|DELAY)/);
    assert.equal(res.sockstackToKernel?.ok, true);
    assert.match(res.sockstackToKernel?.arpState ?? "", /^10\.219\.9\.1 dev eth0 lladdr [0-9a-f:]{17} REACHABLE $/);
  } finally {
    sh(["netns", "del", NS]);
  }
});
