/**
 * SOL_SOCKET options answer as Linux does for every socket type (TCP, UDP,
 * AF_UNIX stream and datagram): the default getsockopt value, setsockopt's
 * errno, and the value read back. The expectations are Linux 6.18's,
 * measured by sol-socket-probe.py (sol-socket-linux.json). Before the
 * options moved into the Socket base class, UDP refused SO_KEEPALIVE,
 * SO_LINGER, SO_OOBINLINE and SO_RCVLOWAT, and AF_UNIX refused SO_BROADCAST,
 * SO_KEEPALIVE, SO_LINGER, SO_OOBINLINE (and SO_REUSEPORT with ENOPROTOOPT
 * instead of EOPNOTSUPP), all with ENOPROTOOPT.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Network } from "../../src/sim/network.js";
import { SysError } from "../../src/core/sys-error.js";

type Answer = { get: unknown; set: string; after?: unknown };
const LINUX = JSON.parse(readFileSync(new URL("./sol-socket-linux.json", import.meta.url), "utf8")) as Record<string, Answer>;
const KINDS: Record<string, [string, string]> = {
  tcp: ["AF_INET", "SOCK_STREAM"], udp: ["AF_INET", "SOCK_DGRAM"],
  "unix-stream": ["AF_UNIX", "SOCK_STREAM"], "unix-dgram": ["AF_UNIX", "SOCK_DGRAM"],
};

/** The value the probe sets for each option (the same as sol-socket-probe.py). */
function valueFor(name: string): unknown {
  if (name === "SO_LINGER") return { l_onoff: 1, l_linger: 5 };
  if (name === "SO_RCVTIMEO" || name === "SO_SNDTIMEO") return { tv_sec: 1, tv_usec: 0 };
  if (name === "SO_SNDBUF" || name === "SO_RCVBUF") return 10000;
  if (name === "SO_RCVLOWAT") return 7;
  if (name === "SO_PRIORITY") return 3;
  return 1;
}

/** A value as the probe prints it (structures as [a, b]). */
function norm(v: unknown): unknown {
  if (v && typeof v === "object") {
    const o = v as Record<string, number>;
    if ("l_onoff" in o) return [o.l_onoff, o.l_linger];
    if ("tv_sec" in o) return [o.tv_sec, o.tv_usec];
  }
  return v;
}

function errnoOf(e: unknown): string {
  if (e instanceof SysError) return e.code;
  throw e;
}

test("SOL_SOCKET: every option on every socket type answers as Linux 6.18 (sol-socket-linux.json)", () => {
  const net = new Network({ seed: 1 });
  const p = net.addHost("h").createProcess("probe");
  const got: Record<string, Answer> = {};
  for (const key of Object.keys(LINUX)) {
    const [kind, name] = key.split(" ") as [string, string];
    const [family, type] = KINDS[kind]!;
    const fd = p.socket(family, type);
    const r: Answer = { get: undefined, set: "" };
    try { r.get = norm(p.getsockopt(fd, "SOL_SOCKET", name)); } catch (e) { r.get = errnoOf(e); }
    try {
      p.setsockopt(fd, "SOL_SOCKET", name, valueFor(name) as never);
      r.set = "ok";
      try { r.after = norm(p.getsockopt(fd, "SOL_SOCKET", name)); } catch (e) { r.after = errnoOf(e); }
    } catch (e) { r.set = errnoOf(e); }
    p.close(fd);
    got[key] = r;
  }
  assert.deepEqual(got, LINUX);
});
