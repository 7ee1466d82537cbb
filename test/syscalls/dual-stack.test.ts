/**
 * Linux's dual stack answers as Linux 6.18 does (dual-stack-linux.json,
 * measured by dual-stack-probe.py): bind conflicts between AF_INET and
 * AF_INET6 sockets on one port for seven bindings pairwise (0.0.0.0,
 * 127.0.0.1, a dual-stack [::], a v6only [::], ::1, ::ffff:127.0.0.1,
 * ::ffff:0.0.0.0) with TCP bound, TCP listening and UDP, without reuse
 * flags and with SO_REUSEADDR or SO_REUSEPORT on both; IPV6_V6ONLY and
 * net.ipv6.bindv6only; the errnos of a sockaddr of the other family and
 * of IPv4-mapped addresses; the names a dual-stack socket gives IPv4
 * peers; which listener an IPv4 SYN finds.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Network } from "../../src/sim/network.js";
import { SysError } from "../../src/core/sys-error.js";
import { ms } from "../../src/core/time.js";
import type { Host } from "../../src/host/host.js";
import type { Process } from "../../src/sys/process.js";
import type { SockAddr } from "../../src/socket/sockaddr.js";

const LINUX = JSON.parse(readFileSync(new URL("./dual-stack-linux.json", import.meta.url), "utf8")) as Record<string, unknown>;

function errnoOf(e: unknown): string {
  if (e instanceof SysError) return e.code;
  throw e;
}

/** "ok", or the errno of a call that failed. */
async function outcome(f: () => unknown): Promise<string> {
  try {
    await f();
    return "ok";
  } catch (e) {
    return errnoOf(e);
  }
}

const sin = (addr: string, port: number): SockAddr => ({ family: 2, addr, port });
const sin6 = (addr: string, port: number): SockAddr => ({ family: 10, addr, port, flowinfo: 0, scopeId: 0 });

/** A socket as the probe makes it: family "4", "6" (IPV6_V6ONLY 0) or "6only"; SO_REUSEADDR / SO_REUSEPORT by `kind`. */
function mk(p: Process, kind: string, fam: string, type: "SOCK_STREAM" | "SOCK_DGRAM"): number {
  const fd = p.socket(fam === "4" ? "AF_INET" : "AF_INET6", type);
  if (fam !== "4") p.setsockopt(fd, "IPPROTO_IPV6", "IPV6_V6ONLY", fam === "6only" ? 1 : 0);
  if (kind === "reuseaddr") p.setsockopt(fd, "SOL_SOCKET", "SO_REUSEADDR", 1);
  if (kind === "reuseport") p.setsockopt(fd, "SOL_SOCKET", "SO_REUSEPORT", 1);
  return fd;
}

test("dual stack: bind conflicts between AF_INET and AF_INET6 on one port, 441 cases, answer as Linux 6.18", async () => {
  const net = new Network({ seed: 1 });
  const p = net.addHost("h").createProcess("probe");
  const got: Record<string, string> = {};
  const want: Record<string, string> = {};
  let port = 20000;
  for (const [key, v] of Object.entries(LINUX)) {
    if (!key.startsWith("bind ")) continue;
    const [, mode, kind, s1, s2] = key.split(" ") as [string, string, string, string, string];
    const [f1, a1] = [s1.slice(0, s1.indexOf(":")), s1.slice(s1.indexOf(":") + 1)];
    const [f2, a2] = [s2.slice(0, s2.indexOf(":")), s2.slice(s2.indexOf(":") + 1)];
    const type = mode === "udp" ? "SOCK_DGRAM" : "SOCK_STREAM";
    port++;
    const fd1 = mk(p, kind, f1, type);
    p.bind(fd1, [a1, port]);
    if (mode === "tcp-listen") p.listen(fd1, 5);
    const fd2 = mk(p, kind, f2, type);
    got[key] = await outcome(() => p.bind(fd2, [a2, port]));
    want[key] = v as string;
    await p.close(fd1);
    await p.close(fd2);
  }
  assert.equal(Object.keys(want).length, 441, "the fixture has every pair");
  assert.deepEqual(got, want, "each second bind answers as on Linux");
});

/** The sockstack counterpart of each non-bind probe. */
async function probe(h: Host, net: Network, key: string, proto: "tcp" | "udp"): Promise<unknown> {
  const p = h.createProcess("probe");
  const type = proto === "tcp" ? "SOCK_STREAM" : "SOCK_DGRAM";
  const v6 = (only?: number) => {
    const fd = p.socket("AF_INET6", type);
    if (only !== undefined) p.setsockopt(fd, "IPPROTO_IPV6", "IPV6_V6ONLY", only);
    return fd;
  };
  const v4 = () => p.socket("AF_INET", type);
  const connect = async (fd: number, a: SockAddr | [string, number]) => {
    const c = p.connect(fd, a as never);
    c.catch(() => {});
    await net.advance(ms(10));
    return c;
  };
  const rest = key.slice(proto.length + 1);
  switch (rest) {
    case "bindv6only=0: IPV6_V6ONLY": h.sysctl.ipv6_bindv6only = false; return p.getsockopt(v6(), "IPPROTO_IPV6", "IPV6_V6ONLY");
    case "bindv6only=1: IPV6_V6ONLY": {
      h.sysctl.ipv6_bindv6only = true;
      const r = p.getsockopt(v6(), "IPPROTO_IPV6", "IPV6_V6ONLY");
      h.sysctl.ipv6_bindv6only = false;
      return r;
    }
    case "set IPV6_V6ONLY 2": return outcome(() => p.setsockopt(v6(), "IPPROTO_IPV6", "IPV6_V6ONLY", 2));
    case "IPV6_V6ONLY after setting 2": {
      const fd = v6();
      p.setsockopt(fd, "IPPROTO_IPV6", "IPV6_V6ONLY", 2);
      return p.getsockopt(fd, "IPPROTO_IPV6", "IPV6_V6ONLY");
    }
    case "set IPV6_V6ONLY after bind": {
      const fd = v6();
      p.bind(fd, ["::", 0]);
      return outcome(() => p.setsockopt(fd, "IPPROTO_IPV6", "IPV6_V6ONLY", 1));
    }
    case "set IPV6_V6ONLY after udp connect / on a new tcp socket": {
      const fd = v6();
      if (proto === "udp") await connect(fd, ["::1", 9]);
      return outcome(() => p.setsockopt(fd, "IPPROTO_IPV6", "IPV6_V6ONLY", 1));
    }
    case "AF_INET set IPV6_V6ONLY": return outcome(() => p.setsockopt(v4(), "IPPROTO_IPV6", "IPV6_V6ONLY", 1));
    case "AF_INET get IPV6_V6ONLY": return outcome(() => p.getsockopt(v4(), "IPPROTO_IPV6", "IPV6_V6ONLY"));
    case "v6only bind ::ffff:127.0.0.1": return outcome(() => p.bind(v6(1), ["::ffff:127.0.0.1", 0]));
    case "v6only bind ::ffff:0.0.0.0": return outcome(() => p.bind(v6(1), ["::ffff:0.0.0.0", 0]));
    case "v6only connect ::ffff:127.0.0.1": return outcome(() => connect(v6(1), ["::ffff:127.0.0.1", 9]));
    case "v6only connect sockaddr_in": return outcome(() => connect(v6(1), sin("127.0.0.1", 9)));
    case "AF_INET6 connect sockaddr_in": return outcome(() => connect(v6(0), sin("127.0.0.1", 9))).then((r) => (r === "ECONNREFUSED" ? "ok" : r));
    case "AF_INET6 bind sockaddr_in": return outcome(() => p.bind(v6(0), sin("127.0.0.1", 0)));
    case "AF_INET bind sockaddr_in6 ::1": return outcome(() => p.bind(v4(), sin6("::1", 0)));
    case "AF_INET bind sockaddr_in6 ::ffff:127.0.0.1": return outcome(() => p.bind(v4(), sin6("::ffff:127.0.0.1", 0)));
    case "AF_INET connect sockaddr_in6 ::1": return outcome(() => connect(v4(), sin6("::1", 9)));
    case "unbound AF_INET6 getsockname": {
      const a = p.getsockname(v6(0)) as { addr: string; port: number; flowinfo: number; scopeId: number };
      return [a.addr, a.port, a.flowinfo, a.scopeId];
    }
    case "AF_INET6 sendto sockaddr_in": return outcome(() => p.sendto(v6(0), new Uint8Array(1), 0, sin("127.0.0.1", 9)));
    case "v6only sendto sockaddr_in": return outcome(() => p.sendto(v6(1), new Uint8Array(1), 0, sin("127.0.0.1", 9)));
    case "v6only sendto ::ffff:127.0.0.1": return outcome(() => p.sendto(v6(1), new Uint8Array(1), 0, ["::ffff:127.0.0.1", 9]));
    case "AF_INET sendto sockaddr_in6 ::1": return outcome(() => p.sendto(v4(), new Uint8Array(1), 0, sin6("::1", 9)));
    case "connected to ::ffff:127.0.0.1: getsockname": case "connected to ::ffff:127.0.0.1: sendto ::1": case "connected to ::ffff:127.0.0.1: getpeername": {
      const l = v4();
      p.bind(l, ["127.0.0.1", 0]);
      if (proto === "tcp") p.listen(l, 5);
      const fd = v6(0);
      await connect(fd, ["::ffff:127.0.0.1", proto === "tcp" ? (p.getsockname(l) as { port: number }).port : 9]);
      if (rest.endsWith("getsockname")) return (p.getsockname(fd) as { addr: string }).addr;
      if (rest.endsWith("getpeername")) return (p.getpeername(fd) as { addr: string }).addr;
      return outcome(() => p.sendto(fd, new Uint8Array(1), 0, ["::1", 9]));
    }
    case "autobound by sendto ::ffff:127.0.0.1: getsockname": {
      const fd = v6(0);
      await p.sendto(fd, new Uint8Array(1), 0, ["::ffff:127.0.0.1", 9]);
      return (p.getsockname(fd) as { addr: string }).addr;
    }
    case "dual-stack recvfrom an IPv4 peer": {
      const l = v6(0);
      p.bind(l, ["::", 0]);
      const port = (p.getsockname(l) as { port: number }).port;
      await p.sendto(v4(), new Uint8Array(1), 0, ["127.0.0.1", port]);
      await net.advance(ms(1));
      const r = await p.recvfrom(l, 10);
      const a = r.addr as { addr: string; flowinfo: number; scopeId: number };
      return [a.addr, a.flowinfo, a.scopeId];
    }
    case "v6only [::] receives an IPv4 datagram": {
      const l = v6(1);
      p.bind(l, ["::", 0]);
      const port = (p.getsockname(l) as { port: number }).port;
      await p.sendto(v4(), new Uint8Array(1), 0, ["127.0.0.1", port]);
      await net.advance(ms(1));
      p.setsockopt(l, "SOL_SOCKET", "SO_RCVTIMEO", 200);
      const r = p.recvfrom(l, 10).then(() => "received", (e: unknown) => (errnoOf(e) === "EAGAIN" ? "timeout" : errnoOf(e)));
      await net.advance(ms(300));
      return r;
    }
    case "dual-stack accept an IPv4 peer": case "dual-stack accepted: getsockname": case "dual-stack accept an IPv6 peer": {
      const l = v6(0);
      p.bind(l, ["::", 0]);
      p.listen(l, 5);
      const port = (p.getsockname(l) as { port: number }).port;
      const v6peer = rest.endsWith("IPv6 peer");
      await connect(v6peer ? v6(0) : v4(), v6peer ? ["::1", port] : ["127.0.0.1", port]);
      const { fd, addr } = await p.accept(l);
      const a = addr as { addr: string; flowinfo: number; scopeId: number };
      if (v6peer) return a.addr;
      if (rest.endsWith("getsockname")) return (p.getsockname(fd) as { addr: string }).addr;
      return [a.addr, a.flowinfo, a.scopeId];
    }
    case "connect [::]: getpeername": {
      const l = v6(0);
      p.bind(l, ["::", 0]);
      p.listen(l, 5);
      const fd = v6(0);
      await connect(fd, ["::", (p.getsockname(l) as { port: number }).port]);
      return (p.getpeername(fd) as { addr: string }).addr;
    }
    case "listen on an unbound AF_INET6 socket: getsockname": {
      const fd = v6(0);
      p.listen(fd, 5);
      return (p.getsockname(fd) as { addr: string }).addr;
    }
    case "connect 127.0.0.1 to a v6only [::] listener": {
      const l = v6(1);
      p.bind(l, ["::", 0]);
      p.listen(l, 5);
      return outcome(() => connect(v4(), ["127.0.0.1", (p.getsockname(l) as { port: number }).port]));
    }
  }
  // bound <addr> connect|sendto <addr>
  const m = /^bound (\S+) (connect|sendto) (\S+)$/.exec(rest);
  if (m) {
    const fd = v6(0);
    p.bind(fd, [m[1]!, 0]);
    return outcome(() => (m[2] === "connect" ? connect(fd, [m[3]!, 9]) : p.sendto(fd, new Uint8Array(1), 0, [m[3]!, 9])))
      .then((r) => (r === "ECONNREFUSED" ? "ok" : r));
  }
  throw new Error(`no sockstack counterpart for probe "${key}"`);
}

test("dual stack: IPV6_V6ONLY, bindv6only, sockaddrs of the other family, mapped addresses and peer names answer as Linux 6.18", async () => {
  const net = new Network({ seed: 2 });
  const h = net.addHost("h");
  const got: Record<string, unknown> = {};
  const want: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(LINUX)) {
    if (key.startsWith("bind ")) continue;
    const proto = key.startsWith("tcp ") ? "tcp" : "udp";
    got[key] = await probe(h, net, key, proto);
    want[key] = v;
  }
  assert.ok(Object.keys(want).length > 50, "the fixture has the option and address probes");
  assert.deepEqual(got, want, "each probe answers as on Linux");
});

test("dual stack: an IPv4 SYN prefers an AF_INET wildcard listener to a dual-stack [::] one on the same port (Linux compute_score)", async () => {
  const net = new Network({ seed: 3 });
  const h = net.addHost("h");
  const p = h.createProcess("srv");
  const l6 = p.socket("AF_INET6", "SOCK_STREAM");
  const l4 = p.socket("AF_INET", "SOCK_STREAM");
  for (const fd of [l6, l4]) p.setsockopt(fd, "SOL_SOCKET", "SO_REUSEPORT", 1);
  p.bind(l6, ["::", 8000]);
  p.bind(l4, ["0.0.0.0", 8000]);
  p.listen(l6, 5);
  p.listen(l4, 5);
  const c4 = p.socket("AF_INET", "SOCK_STREAM");
  const c6 = p.socket("AF_INET6", "SOCK_STREAM");
  const a = p.connect(c4, ["127.0.0.1", 8000]);
  const b = p.connect(c6, ["::1", 8000]);
  await net.advance(ms(10));
  await a;
  await b;
  p.setsockopt(l4, "SOL_SOCKET", "SO_RCVTIMEO", 1);
  p.setsockopt(l6, "SOL_SOCKET", "SO_RCVTIMEO", 1);
  const from4 = await p.accept(l4);
  const from6 = await p.accept(l6);
  assert.equal((from4.addr as { addr: string }).addr, "127.0.0.1", "the IPv4 client went to the AF_INET listener");
  assert.equal((from6.addr as { addr: string }).addr, "::1", "the IPv6 client went to the AF_INET6 listener");
});
