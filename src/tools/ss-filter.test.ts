// ss filter expressions (ss(8) FILTER := [ state STATE-FILTER ] [ EXPRESSION ]).
// The expected selections were taken from iproute2 6.1's ss on Linux for
// the same sockets made by python3 on 127.0.0.1 (a listener on 9090 with
// an accepted connection, a listener on 80 with one queued connection):
// each filter below selected exactly these sockets there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms } from "../core/time.js";
import { Network } from "../sim/network.js";
import { snapshot, type SocketSnapshot } from "./snapshot.js";
import { ss, ssRows } from "./ss.js";
import { connectTo } from "../../test/helpers/vocabulary.js";

async function sockets() {
  const net = new Network({ seed: 3 });
  const h = net.addHost("h");
  h.spawn("py", async (p) => {
    const ls = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(ls, ["127.0.0.1", 9090]);
    p.listen(ls, 5);
    await connectTo(p, "127.0.0.1", 9090);
    await p.accept(ls);
    const ls2 = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(ls2, ["127.0.0.1", 80]);
    p.listen(ls2, 5);
    await connectTo(p, "127.0.0.1", 80);
    await net.sleep(ms(1000));
  });
  await net.advance(ms(100));
  const snap = snapshot(h);
  const port = (s: SocketSnapshot) => s.localPort;
  const c1 = snap.sockets.find((s) => s.remotePort === 9090)!;
  const c2 = snap.sockets.find((s) => s.remotePort === 80)!;
  const role = (s: SocketSnapshot): string => {
    if (s.state === 10) return `L${port(s)}`;
    if (s === c1) return "C1";
    if (s === c2) return "C2";
    return s.localPort === 9090 ? "A1" : "A2";
  };
  return { snap, role };
}

test("ss filter forms select what the real ss selects", async () => {
  const { snap, role } = await sockets();
  const cases: [string, string][] = [
    ["dport = :9090", "C1"],
    ["( dport = :9090 or sport = :9090 )", "A1 C1 L9090"],
    ["\\( dport = :9090 or sport = :9090 \\)", "A1 C1 L9090"],
    ["sport = :http", "A2 L80"],
    ["dport = :http", "C2"],
    ["src 127.0.0.1", "A1 A2 C1 C2 L80 L9090"],
    ["src 127.0.0.1:9090", "A1 L9090"],
    ["src 127.0.0.1:http", "A2 L80"],
    ["dst 127.0.0.0/8", "A1 A2 C1 C2"],
    ["dst 127/8", "A1 A2 C1 C2"],
    ["dst inet:127.0.0.1", "A1 A2 C1 C2"],
    ["dst localhost", "A1 A2 C1 C2"],
    ["dst :9090", "C1"],
    ["dst *:9090", "C1"],
    ["dst 127.0.0.1:*", "A1 A2 C1 C2"],
    ["! sport = :9090", "A2 C1 C2 L80"],
    ["not sport = :9090", "A2 C1 C2 L80"],
    ["sport neq :9090", "A2 C1 C2 L80"],
    ["sport > :1024", "A1 C1 C2 L9090"],
    ["sport gt :1024", "A1 C1 C2 L9090"],
    ["sport leq :9090", "A1 A2 L80 L9090"],
    ["sport <= :9090", "A1 A2 L80 L9090"],
    ["sport geq :9090", "A1 C1 C2 L9090"],
    ["sport < :81", "A2 L80"],
    ["dport eq :9090", "C1"],
    ["dport == 9090", "C1"],
    ["dport = 9090", "C1"],
    ["dport :9090", "C1"],
    ["sport = inet::9090", "A1 L9090"],
    ["autobound", "C1 C2"],
    ["sport = :9090 dport > :1000", "A1"],
    ["sport = :9090 && dport > :1000", "A1"],
    ["sport = :9090 & dport > :1000", "A1"],
    ["sport = :9090 | dport = :80", "A1 C2 L9090"],
    ["sport = :9090 || dport = :80", "A1 C2 L9090"],
    ["src 127.0.0.1 and ( dport = :9090 or dport = :80 )", "C1 C2"],
    ["dport != :9090 && sport != :9090", "A2 C2 L80"],
  ];
  for (const [f, want] of cases) {
    const got = ssRows(snap, ["-tan", f]).map(role).sort().join(" ");
    assert.equal(got, want, f);
  }
  // The same filter as separate words, and options after it (GNU getopt permutes).
  assert.equal(ssRows(snap, ["-ta", "(", "dport", "=", ":9090", "or", "sport", "=", ":9090", ")", "-n"]).map(role).sort().join(" "), "A1 C1 L9090");
  // state words come first, as separate arguments.
  assert.equal(ssRows(snap, ["-tn", "state", "established", "( dport = :9090 or sport = :9090 )"]).map(role).sort().join(" "), "A1 C1");
  assert.equal(ssRows(snap, ["-tn", "exclude", "listening", "sport = :9090"]).map(role).sort().join(" "), "A1");
  assert.equal(ssRows(snap, ["-tn", "state", "listening", "state", "established", "sport = :9090"]).map(role).sort().join(" "), "A1 L9090");
  assert.equal(ss(snap, "-tn 'dport = :9090'").split("\n").length, 3); // the string form splits quotes like a shell
});

test("ss filter errors say what ss says", async () => {
  const { snap } = await sockets();
  const cases: [string[], RegExp][] = [
    [["(dport = :9090)"], /^ss: an inet prefix is expected rather than "\(dport"\./],
    [["state established"], /^ss: an inet prefix is expected rather than "state"\./],
    [["dport = :9090", "state", "established"], /^ss: "state" does not look like a port\./],
    [["dport = :nosuch"], /^ss: "nosuch" does not look like a port\./],
    [["sport = :9090 or"], /^ss: bison bellows \(while parsing filter\): "syntax error!" Sorry\./],
    [["dst != 127.0.0.1"], /^ss: bison bellows/],
    [["dst 127.0.0.1/33"], /^ss: an inet prefix is expected rather than "127\.0\.0\.1\/33"\./],
    [["(", "sport = :1"], /^ss: bison bellows/],
    [["dev lo"], /^ss: the dev condition is not supported/],
    [["state", "bogus"], /^ss: wrong state name: bogus$/],
  ];
  for (const [f, re] of cases) assert.throws(() => ss(snap, ["-tan", ...f]), (e: Error) => re.test(e.message), f.join(" "));
});

// The same comparison in both families: iproute2 6.1's ss on Linux 6.18 for a dual-stack [::]:8080
// listener (L6) with an IPv6 client (C6, accepted as A6) and an IPv4 one (C4, accepted as the mapped
// A4m), and an AF_INET 0.0.0.0:8081 listener (L4), made by python3 in a network namespace.
test("ss filters on IPv6 and IPv4-mapped addresses select what the real ss selects", async () => {
  const net = new Network({ seed: 3 });
  const h = net.addHost("h");
  const p = h.createProcess("python3");
  const l6 = p.socket("AF_INET6", "SOCK_STREAM");
  p.bind(l6, ["::", 8080]);
  p.listen(l6, 5);
  const l4 = p.socket("AF_INET", "SOCK_STREAM");
  p.bind(l4, ["0.0.0.0", 8081]);
  p.listen(l4, 5);
  const c6 = p.socket("AF_INET6", "SOCK_STREAM");
  const c4 = p.socket("AF_INET", "SOCK_STREAM");
  const done = Promise.all([p.connect(c6, ["::1", 8080]), p.connect(c4, ["127.0.0.1", 8080])]);
  await net.advance(ms(10));
  await done;
  await p.accept(l6);
  await p.accept(l6);
  const snap = snapshot(h);
  const role = (s: SocketSnapshot): string => {
    if (s.state === 10) return s.family === 6 ? "L6" : "L4";
    if (s.remotePort === 8080) return s.family === 6 ? "C6" : "C4";
    return s.remoteAddr === "::1" ? "A6" : "A4m";
  };
  const cases: [string, string][] = [
    ["dst [::1]", "A6 C6"],
    ["dst [::1]:8080", "C6"],
    ["src [::1]:8080", "A6"],
    ["dst inet6:[::1]", "A6 C6"],
    ["dst ::1/128", "A6 C6"],
    ["dst [::1/128]", "A6 C6"],
    ["dst [0:0::1]", "A6 C6"],
    ["dst [::1]:http", ""],
    ["src [::]", "L6"],
    ["src [::]:8080", "L6"],
    ["src ::/0", "A4m A6 C6 L6"],
    ["src *:8080", "A4m A6 L6"],
    ["src [::ffff:127.0.0.1]", "A4m"],
    ["src [::ffff:7f00:1]", "A4m"],
    ["src ::ffff:127.0.0.0/104", "A4m"],
    ["dst 127.0.0.1", "A4m C4"],
    ["src 127.0.0.1", "A4m C4"],
    ["dst 127.0.0.0/8", "A4m C4"],
    ["src 127/8", "A4m C4"],
    ["src 0.0.0.0", "L4"],
    ["src 0/0", "A4m C4 L4"],
  ];
  for (const [f, want] of cases) {
    const got = ssRows(snap, ["-tan", f]).map(role).sort().join(" ");
    assert.equal(got, want, f);
  }
  const errors: [string, RegExp][] = [
    ["dst ::1", /^ss: an inet prefix is expected rather than ":"\./],
    ["dst inet6:::1", /^ss: an inet prefix is expected rather than ":"\./],
    ["dst [fe80::1%lo]", /^ss: an inet prefix is expected rather than "fe80::1%lo"\./],
    ["dst [zz::1]", /^ss: an inet prefix is expected rather than "zz::1"\./],
    ["src [::1/129]", /^ss: an inet prefix is expected rather than "::1\/129"\./],
    ["src inet:[::1]", /^ss: an inet prefix is expected rather than "::1"\./],
    ["dst [::1]/128", /^ss: "\/128" does not look like a port\./],
    ["dst ::ffff:127.0.0.1", /^ss: "127\.0\.0\.1" does not look like a port\./],
  ];
  for (const [f, re] of errors) assert.throws(() => ss(snap, ["-tan", f]), (e: Error) => re.test(e.message), f);
});
