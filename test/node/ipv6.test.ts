/**
 * The façade's IPv6 against Node's own modules over the kernel loopback
 * (`::1`): each scenario runs on real sockets and on one simulated host
 * and must log the same strings — `address()`, `remoteAddress`/`Family`,
 * the dual-stack default listener naming IPv4 peers `::ffff:127.0.0.1`,
 * `ipv6Only`, `udp6`, errors with IPv6 addresses, `dns.lookup` of
 * literals. Then what the kernel here cannot show (no name with both
 * families on this machine): lookup orders and happy eyeballs, on a
 * two-host network with global IPv6 addresses.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as realNet from "node:net";
import * as realDgram from "node:dgram";
import * as realDns from "node:dns";
import { Network, ms, sec } from "../../src/index.js";
import { nodeOn } from "../../src/node.js";
import { drive } from "../helpers/vocabulary.js";

interface Mods {
  net: typeof realNet;
  dgram: typeof realDgram;
  dns: typeof realDns;
}
type Scenario = (m: Mods) => Promise<string[]>;

async function both(s: Scenario): Promise<string[]> {
  const kernel = await s({ net: realNet, dgram: realDgram, dns: realDns });
  const net = new Network({ seed: 1 });
  const on = nodeOn(net.addHost("h"));
  const sim = await drive(net, s(on as unknown as Mods), sec(60));
  assert.deepEqual(sim, kernel, "the simulated host logs what Node over the kernel logs");
  return sim;
}

const portless = (s: string, port: number): string => s.replaceAll(String(port), "PORT");
const json = (v: unknown): string => JSON.stringify(v);

function listening(srv: realNet.Server, ...args: unknown[]): Promise<realNet.AddressInfo> {
  return new Promise((r, j) => {
    srv.once("error", j);
    srv.listen(...(args as [number]), () => r(srv.address() as realNet.AddressInfo));
  });
}

function connectLog(net: typeof realNet, opts: realNet.NetConnectOpts, port: number): Promise<string> {
  return new Promise((r) => {
    const c = net.connect(opts);
    c.on("connect", () => {
      const a = c.address() as realNet.AddressInfo;
      r(`client ${c.remoteAddress} ${c.remoteFamily} ${c.remotePort === port} ${c.localAddress} ${c.localFamily} ${a.family}`);
      c.end();
    });
    c.on("error", (e: NodeJS.ErrnoException & { address?: string; port?: number }) => r(portless(`client error ${e.code} ${e.message} ${e.address} ${e.port === port}`, port)));
    c.resume();
  });
}

test("net over ::1: the default listener is ::, dual stack; addresses and families as Node", async () => {
  const log = await both(async ({ net }) => {
    const log: string[] = [];
    const srv = net.createServer((s) => {
      log.push(`server saw ${s.remoteAddress} ${s.remoteFamily} ${s.localAddress} ${s.localFamily}`);
      s.end();
    });
    const a = await listening(srv, 0);
    log.push(`listening ${a.address} ${a.family}`);
    log.push(await connectLog(net, { port: a.port, host: "::1" }, a.port));
    log.push(await connectLog(net, { port: a.port, host: "127.0.0.1" }, a.port));
    log.push(await connectLog(net, { port: a.port, host: "::1", family: 6 }, a.port));
    await new Promise((r) => srv.close(r));
    return log;
  });
  assert.ok(log.includes("listening :: IPv6"), "Node listens on :: by default");
  assert.ok(log.includes("server saw ::ffff:127.0.0.1 IPv6 ::ffff:127.0.0.1 IPv6"), "an IPv4 client of the dual-stack listener appears mapped");
});

test("net: ipv6Only, ::1 listeners, EADDRINUSE, EADDRNOTAVAIL and ECONNREFUSED with IPv6 addresses", async () => {
  const log = await both(async ({ net }) => {
    const log: string[] = [];
    const only = net.createServer();
    const a = await listening(only, { port: 0, host: "::", ipv6Only: true });
    log.push(`ipv6Only ${a.address} ${a.family}`);
    log.push(await connectLog(net, { port: a.port, host: "127.0.0.1" }, a.port));
    log.push(await connectLog(net, { port: a.port, host: "::1" }, a.port));
    await new Promise((r) => only.close(r));
    const one = net.createServer();
    const b = await listening(one, 0, "::1");
    log.push(`::1 ${json({ ...b, port: 0 })}`);
    const dup = net.createServer();
    await listening(dup, b.port, "::1").catch((e: NodeJS.ErrnoException & { address?: string; port?: number }) => log.push(portless(`dup ${e.code} ${e.message} ${e.address} ${e.port}`, b.port)));
    await new Promise((r) => one.close(r));
    const far = net.createServer();
    await listening(far, 0, "2001:db8::2").catch((e: NodeJS.ErrnoException & { address?: string; port?: number }) => log.push(`far ${e.code} ${e.message} ${e.address} ${e.port}`));
    log.push(await connectLog(net, { port: 1, host: "::1" }, 1));
    return log;
  });
  assert.ok(log.includes("client error ECONNREFUSED connect ECONNREFUSED 127.0.0.1:PORT 127.0.0.1 true"), "an ipv6Only listener refuses IPv4");
  assert.ok(log.includes("far EADDRNOTAVAIL listen EADDRNOTAVAIL: address not available 2001:db8::2 2001:db8::2 undefined"), "port 0 is left out of the message");
});

test("dgram udp6: bind, send, rinfo, an IPv4 peer of a dual-stack socket, EINVAL across families", async () => {
  await both(async ({ dgram }) => {
    const log: string[] = [];
    const a = dgram.createSocket("udp6"), b = dgram.createSocket("udp6"), v4 = dgram.createSocket("udp4");
    await new Promise<void>((r) => a.bind(0, "::1", r));
    await new Promise<void>((r) => b.bind(0, r));
    log.push(`a ${json({ ...a.address(), port: 0 })} b ${json({ ...b.address(), port: 0 })}`);
    const got = (n: number) => new Promise<void>((r) => {
      let k = 0;
      b.on("message", (m, ri) => {
        log.push(`b got ${m} from ${ri.address} ${ri.family} ${ri.size} ${ri.port > 0}`);
        if (++k === n) r();
      });
    });
    const done = got(2);
    a.send("six", b.address().port, "::1");
    v4.send("four", b.address().port, "127.0.0.1");
    await done;
    await new Promise<void>((r) => v4.send("x", 9, "::1", (e) => {
      log.push(`udp4 to ::1: ${e?.message}`);
      r();
    }));
    await new Promise<void>((r) => a.send("x", 9, "127.0.0.1", (e) => {
      log.push(`udp6 to 127.0.0.1: ${e?.message}`);
      r();
    }));
    const o = dgram.createSocket({ type: "udp6", ipv6Only: true });
    await new Promise<void>((r) => o.bind(0, r));
    log.push(`ipv6Only ${o.address().address}`);
    for (const s of [a, b, v4, o]) s.close();
    return log;
  });
});

test("dns.lookup of IPv6 literals, families and validation as Node", async () => {
  await both(async ({ dns }) => {
    const log: string[] = [];
    const tryIt = async (what: string, f: () => Promise<unknown>) => {
      try {
        log.push(`${what} ${json(await f())}`);
      } catch (e) {
        log.push(`${what} ${(e as NodeJS.ErrnoException).code} ${(e as Error).message}`);
      }
    };
    await tryIt("::1", () => dns.promises.lookup("::1"));
    await tryIt("::1 family 4", () => dns.promises.lookup("::1", { family: 4 }));
    await tryIt("127.0.0.1 family 6 all", () => dns.promises.lookup("127.0.0.1", { family: 6, all: true }));
    // Not localhost: Node over the kernel reads this machine's /etc/hosts (test/syscalls/localhost.test.ts has glibc's answers).
    await tryIt("bad family", async () => dns.promises.lookup("x", { family: 5 as 4 }));
    await tryIt("bad order", async () => dns.promises.lookup("x", { order: "x" as "verbatim" }));
    await tryIt("cb IPv6", () => new Promise((r, j) => dns.lookup("::1", { family: "IPv6" as unknown as 6 }, (e, a, f) => (e ? j(e) : r([a, f])))));
    return log;
  });
});

function dualNet() {
  const net = new Network({ seed: 1, driver: { warn: () => {} } });
  const client = net.addHost("client"), server = net.addHost("server");
  const { aIface, bIface } = net.link(client, server, { latency: ms(2) });
  client.enableIpv6();
  server.enableIpv6();
  client.addAddress(aIface, "2001:db8::1/64");
  server.addAddress(bIface, "2001:db8::2/64");
  return { net, client, server, c: nodeOn(client), s: nodeOn(server) };
}

test("dns: a name with both families; order verbatim / ipv4first / ipv6first; resolve6; reverse of an IPv6 address", async () => {
  const { net, c } = dualNet();
  net.hostsFile.add("2001:db8::99", "v6only.example");
  const all = async (o: realDns.LookupAllOptions) => (await c.dns.promises.lookup("server", o)) as realDns.LookupAddress[];
  assert.deepEqual(await all({ all: true }), [{ address: "2001:db8::2", family: 6 }, { address: "10.0.0.2", family: 4 }], "verbatim: getaddrinfo's order, RFC 6724 rule 6 (IPv6's precedence 40 before IPv4's 35), not the table's");
  assert.deepEqual(await all({ all: true, order: "ipv4first" }), [{ address: "10.0.0.2", family: 4 }, { address: "2001:db8::2", family: 6 }], "ipv4first");
  assert.deepEqual(await all({ all: true, verbatim: false }), [{ address: "10.0.0.2", family: 4 }, { address: "2001:db8::2", family: 6 }], "verbatim: false is ipv4first");
  assert.deepEqual(await all({ all: true, order: "ipv6first" }), [{ address: "2001:db8::2", family: 6 }, { address: "10.0.0.2", family: 4 }], "ipv6first");
  net.hostsFile.add("10.0.0.2", "far.example");
  net.hostsFile.add("2001:db9::5", "far.example"); // no route to it
  assert.deepEqual(await c.dns.promises.lookup("far.example", { all: true }), [{ address: "10.0.0.2", family: 4 }, { address: "2001:db9::5", family: 6 }], "verbatim, RFC 6724 rule 1: a destination without a route comes last");
  assert.deepEqual(await all({ all: true, family: 6 }), [{ address: "2001:db8::2", family: 6 }], "family 6 only");
  assert.deepEqual(await c.dns.promises.lookup("v6only.example"), { address: "2001:db8::99", family: 6 }, "an IPv6 hosts line");
  assert.deepEqual(await c.dns.promises.resolve6("server"), ["2001:db8::2"], "AAAA from the table");
  assert.deepEqual(await c.dns.promises.reverse("2001:db8::2"), ["server"], "reverse of an IPv6 address");
  const before = realDns.getDefaultResultOrder();
  try {
    c.dns.setDefaultResultOrder("ipv4first");
    assert.equal(realDns.getDefaultResultOrder(), "ipv4first", "the default order is Node's own, process-wide setting");
    assert.deepEqual(await c.dns.promises.lookup("server"), { address: "10.0.0.2", family: 4 }, "the default order applies");
    assert.deepEqual(await c.dns.promises.lookup("server", { verbatim: true }), { address: "2001:db8::2", family: 6 }, "verbatim: true overrides it");
  } finally {
    realDns.setDefaultResultOrder(before as "verbatim");
  }
});

test("happy eyeballs: a name with both families, the first family unreachable, tries the next after the attempt timeout", async () => {
  const { net, c, s } = dualNet();
  const log: string[] = [];
  const srv = s.net.createServer((sock) => {
    log.push(`server saw ${sock.remoteAddress} ${sock.remoteFamily}`);
    sock.end();
  });
  srv.listen({ port: 80, host: "0.0.0.0" }); // IPv6 SYNs are refused: the IPv6 attempt (first, by RFC 6724) fails at once
  const done = new Promise<void>((r) => {
    const sock = c.net.connect({ port: 80, host: "server" });
    sock.on("lookup", (e, a, f) => log.push(`lookup ${e} ${a} ${f}`));
    sock.on("connectionAttempt", (a, p, f) => log.push(`attempt ${a} ${p} ${f} at ${net.now()}`));
    sock.on("connectionAttemptFailed", (a, p, f, e: Error) => log.push(`failed ${a} ${f} ${e.message}`));
    sock.on("connect", () => {
      log.push(`connected ${sock.remoteAddress} ${sock.remoteFamily} at ${net.now()} tried ${json((sock as unknown as { autoSelectFamilyAttemptedAddresses: string[] }).autoSelectFamilyAttemptedAddresses)}`);
      sock.resume();
    });
    sock.on("close", () => r());
  });
  await drive(net, done, sec(10));
  srv.close();
  assert.deepEqual(log, [
    "lookup null 2001:db8::2 6",
    "lookup null 10.0.0.2 4",
    "attempt 2001:db8::2 80 6 at 0",
    "failed 2001:db8::2 6 connect ECONNREFUSED 2001:db8::2:80",
    "attempt 10.0.0.2 80 4 at 4000",
    'connected 10.0.0.2 IPv4 at 8000 tried ["2001:db8::2:80","10.0.0.2:80"]',
    "server saw 10.0.0.1 IPv4",
  ], "Node 20's order: every 'lookup', then the attempts alternating families");

  // A blackholed first address: the attempt times out after autoSelectFamilyAttemptTimeout (virtual ms).
  const { net: net2, c: c2, s: s2 } = dualNet();
  s2.net.createServer((sock) => sock.end()).listen({ port: 80, host: "0.0.0.0" });
  net2.hostsFile.add("2001:db8::99", "dual.example"); // on the link, but nobody's: no neighbour answers
  net2.hostsFile.add("10.0.0.2", "dual.example");
  const log2: string[] = [];
  const done2 = new Promise<void>((r) => {
    const sock = c2.net.connect({ port: 80, host: "dual.example", autoSelectFamilyAttemptTimeout: 300 });
    sock.on("connectionAttemptTimeout", (a, p, f) => log2.push(`timeout ${a} ${f} at ${net2.now()}`));
    sock.on("connect", () => log2.push(`connected ${sock.remoteAddress} at ${net2.now()}`));
    sock.resume();
    sock.on("close", () => r());
  });
  await drive(net2, done2, sec(10));
  assert.deepEqual(log2, ["timeout 2001:db8::99 6 at 300000", "connected 10.0.0.2 at 304000"], "the next address after 300 ms");

  // Every address fails: an AggregateError whose code is the first error's, as Node's.
  const { net: net3, c: c3 } = dualNet();
  const err = await drive(net3, new Promise<AggregateError & { code?: string }>((r) => c3.net.connect({ port: 81, host: "server" }).on("error", r)), sec(10));
  assert.ok(err instanceof AggregateError, "an AggregateError");
  assert.equal(err.code, "ECONNREFUSED", "with the first error's code");
  assert.deepEqual((err.errors as Error[]).map((e) => e.message), ["connect ECONNREFUSED 2001:db8::2:81", "connect ECONNREFUSED 10.0.0.2:81"], "every attempt's error");

  // autoSelectFamily: false: one address, the first.
  const { net: net4, c: c4 } = dualNet();
  const err4 = await drive(net4, new Promise<Error>((r) => c4.net.connect({ port: 81, host: "server", autoSelectFamily: false }).on("error", r)), sec(10));
  assert.equal(err4.message, "connect ECONNREFUSED 2001:db8::2:81", "no happy eyeballs: the first address only (RFC 6724's first)");
});
