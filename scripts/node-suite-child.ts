// One test file of Node's own suite (test/parallel/test-*.js), unmodified,
// on a simulated host through interception: the file is required inside
// nodeOn(host).run(), so its node:net / node:http / node:dgram / node:dns
// calls reach the host's simulated kernel; its setTimeout/setInterval/Date
// run on the network's virtual clock (virtualTimers). The virtual-time driver
// runs until the simulation is idle and nothing real (a file read, a child
// process, a real timer) is pending; then the process ends as Node's test
// runner expects (common.mustCall's checks run at 'exit').
// Exit status: the test's own; 124 when VIRTUAL_LIMIT of virtual time passed.
// Usage (scripts/node-suite.ts runs it): node --import tsx scripts/node-suite-child.ts FILE
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Network } from "../src/sim/network.js";
import { sec } from "../src/core/time.js";
import { nodeOn } from "../src/node/facade/index.js";
import { virtualTimers } from "../src/node/facade/virtual-timers.js";
import { installInterception } from "../src/node/facade/intercept.js";
import { nodeLoopAlive, runLikeNode } from "../src/node/facade/liveness.js";

const VIRTUAL_LIMIT = sec(120);
const file = resolve(process.argv[2] ?? "");
const realSetTimeout = setTimeout;

const net = new Network({ seed: 1, driver: { warn: () => {} } });
// The simulated /etc/hosts has the lines of this machine's: a default line its /etc/hosts lacks
// (a container's often has no `::1 localhost`) is dropped, so that `localhost` resolves over the
// façade as in the reference run over the kernel. SOCKSTACK_SUITE_HOSTS=debian keeps Debian's.
if (process.env.SOCKSTACK_SUITE_HOSTS !== "debian") {
  let etc = "";
  try {
    etc = readFileSync("/etc/hosts", "utf8");
  } catch { /* no /etc/hosts: Debian's defaults */ }
  if (etc) {
    const lines = etc.split("\n").map((l) => l.replace(/#.*/, "").trim().split(/\s+/)).filter((f) => f.length > 1);
    for (const l of net.hostsFile.lines()) {
      if (!lines.some(([addr, ...names]) => addr === l.addr && l.names.every((n) => names.includes(n)))) net.hostsFile.dropDefault(l.addr);
    }
  }
}
const host = net.addHost("node");
const on = nodeOn(host);
installInterception();
if (process.env.SOCKSTACK_SUITE_REAL_TIMERS !== "1") virtualTimers(net);

// What is already active before the test (stdio): not the test's.
const count = (): Map<string, number> => {
  const m = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
};
const before = count();
const realWork = (): boolean => {
  for (const [k, n] of count()) if (n > (before.get(k) ?? 0)) return true;
  return false;
};

const require = createRequire(file);
on.run(() => require(file));

for (;;) {
  // As Node's loop: done when nothing referenced keeps it alive (an unref()'d server, socket or timer does not).
  await runLikeNode(net, { until: VIRTUAL_LIMIT });
  if (net.now() >= VIRTUAL_LIMIT) {
    process.stderr.write(`sockstack-suite: still running after ${VIRTUAL_LIMIT / 1e6} s of virtual time\n`);
    process.exit(124);
  }
  // Idle in virtual time. Real work (fs, child processes, real timers) may still wake it.
  const real = realWork();
  await new Promise((r) => realSetTimeout(r, real ? 5 : 0));
  if (!real && (net.scheduler.size === 0 || !nodeLoopAlive()) && !realWork()) break;
}
