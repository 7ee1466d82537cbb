/**
 * FD_CLOEXEC is a property of the fd, not of the open file (Linux): socket
 * and accept4 set it with SOCK_CLOEXEC, fcntl F_SETFD changes it, dup and
 * dup2 clear it on the new fd, F_DUPFD_CLOEXEC sets it, close forgets it
 * (a reused fd number starts without it) and fork copies it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";

const FD_CLOEXEC = 1;

test("FD_CLOEXEC belongs to the fd: SOCK_CLOEXEC, F_SETFD, dup, F_DUPFD_CLOEXEC, close, fork", async () => {
  const net = new Network({ seed: 1 });
  const h = net.addHost("h");
  const seen: Record<string, number> = {};
  h.spawn("p", async (p) => {
    const a = p.socket("AF_INET", "SOCK_STREAM|SOCK_CLOEXEC");
    const b = p.socket("AF_INET", "SOCK_STREAM");
    seen.a = p.fcntl(a, "F_GETFD");
    seen.b = p.fcntl(b, "F_GETFD");
    const d = p.dup(a);
    seen.dupOfCloexec = p.fcntl(d, "F_GETFD");
    const e = p.fcntl(b, "F_DUPFD_CLOEXEC", 0);
    seen.dupfdCloexec = p.fcntl(e, "F_GETFD");
    p.fcntl(b, "F_SETFD", FD_CLOEXEC);
    seen.bSet = p.fcntl(b, "F_GETFD");
    p.fcntl(a, "F_SETFD", 0);
    seen.aCleared = p.fcntl(a, "F_GETFD");
    const pid = p.fork(async (c) => {
      seen.childB = c.fcntl(b, "F_GETFD");
      seen.childA = c.fcntl(a, "F_GETFD");
      return 0;
    });
    await p.waitpid(pid);
    await p.close(b);
    const again = p.socket("AF_INET", "SOCK_STREAM");
    seen.reusedFd = again === b ? 1 : 0;
    seen.reused = p.fcntl(again, "F_GETFD");
  });
  await net.run();
  assert.deepEqual(seen, {
    a: FD_CLOEXEC, b: 0, dupOfCloexec: 0, dupfdCloexec: FD_CLOEXEC, bSet: FD_CLOEXEC, aCleared: 0,
    childB: FD_CLOEXEC, childA: 0, reusedFd: 1, reused: 0,
  });
});
