/**
 * ss and netstat in both families, against iproute2 ss and net-tools
 * netstat on Linux 6.18 (testdata/dual-stack-views.txt, captured by
 * testdata/capture-dual-stack.py): the same sockets — a dual-stack [::]
 * listener (`*:8080`), a v6only one (`[::]:8081`), an AF_INET one, an IPv4
 * and an IPv6 client of the first, two AF_INET6 UDP sockets — give the
 * same lines for `ss -tan`, `-4`, `-6`, `ss -uan`, `netstat -tan`, `-4`,
 * `-6` and `netstat -uan`. Rows are compared as sets within each family:
 * the order inside one kernel hash table is Linux's hashing, not a rule.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Network } from "../sim/network.js";
import { ms } from "../core/time.js";
import { snapshot } from "./snapshot.js";
import { ss } from "./ss.js";
import { netstat } from "./netstat.js";

const LINUX = new Map<string, string[]>();
{
  let cur = "";
  for (const line of readFileSync(new URL("./testdata/dual-stack-views.txt", import.meta.url), "utf8").split("\n")) {
    if (line.startsWith("$ ")) LINUX.set((cur = line.slice(2)), []);
    else if (cur && line !== "") LINUX.get(cur)!.push(line.trimEnd());
  }
}

test("ss and netstat in both families print what iproute2 ss and net-tools netstat print (Linux 6.18)", async () => {
  const net = new Network({ seed: 5 });
  const h = net.addHost("h");
  const p = h.createProcess("python3");
  const l = p.socket("AF_INET6", "SOCK_STREAM");
  p.bind(l, ["::", 8080]);
  p.listen(l, 5);
  const l2 = p.socket("AF_INET6", "SOCK_STREAM");
  p.setsockopt(l2, "IPPROTO_IPV6", "IPV6_V6ONLY", 1);
  p.bind(l2, ["::", 8081]);
  p.listen(l2, 5);
  const l3 = p.socket("AF_INET", "SOCK_STREAM");
  p.bind(l3, ["0.0.0.0", 8082]);
  p.listen(l3, 5);
  const c4 = p.socket("AF_INET", "SOCK_STREAM");
  p.bind(c4, ["127.0.0.1", 40000]);
  const c6 = p.socket("AF_INET6", "SOCK_STREAM");
  p.bind(c6, ["::1", 40001]);
  const a = p.connect(c4, ["127.0.0.1", 8080]);
  const b = p.connect(c6, ["::1", 8080]);
  await net.advance(ms(10));
  await a;
  await b;
  await p.accept(l);
  await p.accept(l);
  const u = p.socket("AF_INET6", "SOCK_DGRAM");
  p.bind(u, ["::", 5353]);
  const u2 = p.socket("AF_INET6", "SOCK_DGRAM");
  p.setsockopt(u2, "IPPROTO_IPV6", "IPV6_V6ONLY", 1);
  p.bind(u2, ["::", 5354]);
  const snap = snapshot(h);
  // Within a family the kernel's hash order is not ours: compare headers exactly, rows as sorted sets per family.
  const norm = (lines: string[], v6: (l: string) => boolean) => {
    const [head, ...rows] = lines.map((x) => x.trimEnd());
    return { head, v4: rows.filter((r) => !v6(r)).sort(), v6: rows.filter(v6).sort() };
  };
  let checked = 0;
  for (const [cmd, want] of LINUX) {
    const [tool, ...args] = cmd.split(" ");
    if (args.includes("-tanp") || args.includes("-ta")) continue; // pids and service names differ by construction
    const got = (tool === "ss" ? ss(snap, args) : netstat(snap, args)).split("\n").filter((x) => x !== "");
    const isV6 = tool === "ss" ? (r: string) => /\[|\*:/.test(r.split(/\s+/)[3] ?? "") : (r: string) => /^(tcp6|udp6)/.test(r);
    const g = tool === "netstat" ? { ...norm(got.slice(1), isV6), head: got.slice(0, 2).join("\n") } : norm(got, isV6);
    const w = tool === "netstat" ? { ...norm(want.slice(1), isV6), head: want.slice(0, 2).join("\n") } : norm(want, isV6);
    if (tool === "netstat") {
      g.head = got.slice(0, 2).map((x) => x.trimEnd()).join("\n");
      w.head = want.slice(0, 2).map((x) => x.trimEnd()).join("\n");
    }
    assert.deepEqual(g, w, `${cmd}: as Linux prints it`);
    checked++;
  }
  assert.equal(checked, 10, "every captured view but the two with pids and names was compared");
});

// net-tools netstat 2.10 on Linux 6.18 for a listener and a connection on
// 2001:db8:1234:5678:9abc:def0:1234:5678 (port 8080, client port 45678) and a listener on [::1]:9:
// without -W the address is cut so that ADDRESS:PORT fits its 23 columns.
test("netstat cuts long IPv6 addresses to their 23 columns unless -W, as net-tools does", async () => {
  const net = new Network({ seed: 5 });
  const h = net.addHost("h");
  const A = "2001:db8:1234:5678:9abc:def0:1234:5678";
  h.addAddress("lo", `${A}/128`);
  const p = h.createProcess("python3");
  const l = p.socket("AF_INET6", "SOCK_STREAM");
  p.bind(l, [A, 8080]);
  p.listen(l, 5);
  const l2 = p.socket("AF_INET6", "SOCK_STREAM");
  p.bind(l2, ["::1", 9]);
  p.listen(l2, 1);
  const c = p.socket("AF_INET6", "SOCK_STREAM");
  p.bind(c, [A, 45678]);
  const done = p.connect(c, [A, 8080]);
  await net.advance(ms(10));
  await done;
  await p.accept(l);
  const rows = (args: string) => netstat(snapshot(h), args).split("\n").slice(2).filter((x) => x !== "").map((x) => x.trimEnd()).sort();
  assert.deepEqual(rows("-tan"), [
    "tcp6       0      0 2001:db8:1234:567:45678 2001:db8:1234:5678:8080 ESTABLISHED",
    "tcp6       0      0 2001:db8:1234:5678:8080 2001:db8:1234:567:45678 ESTABLISHED",
    "tcp6       0      0 2001:db8:1234:5678:8080 :::*                    LISTEN",
    "tcp6       0      0 ::1:9                   :::*                    LISTEN",
  ].sort(), "netstat -tan");
  assert.deepEqual(rows("-tanW"), [
    `tcp6       0      0 ${A}:45678 ${A}:8080 ESTABLISHED`,
    `tcp6       0      0 ${A}:8080 ${A}:45678 ESTABLISHED`,
    `tcp6       0      0 ${A}:8080 :::*                    LISTEN`,
    "tcp6       0      0 ::1:9                   :::*                    LISTEN",
  ].sort(), "netstat -tanW");
});
