/** sockstack/node's `dgram` and `dns` on the simulated network. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network, ms } from "../../src/index.js";
import { nodeOn, type RemoteInfo } from "../../src/node.js";

function pair() {
  const net = new Network({ seed: 1 });
  const client = net.addHost("client"), server = net.addHost("server");
  net.link(client, server, { latency: ms(3) });
  return { net, c: nodeOn(client), s: nodeOn(server) };
}

test("dgram: echo with bind, send overloads, rinfo, connect, close", async () => {
  const { net, c, s } = pair();
  const log: string[] = [];
  const srv = s.dgram.createSocket("udp4");
  srv.on("message", (m: Buffer, r: RemoteInfo) => {
    log.push(`server got "${m}" from ${r.address}:${r.port > 1023} size ${r.size} at ${net.now()}`);
    srv.send(m.toString().toUpperCase(), r.port, r.address);
  });
  srv.bind(5353, () => log.push(`bound ${JSON.stringify(srv.address())}`));
  const cli = c.dgram.createSocket("udp4", (m: Buffer) => log.push(`client got "${m}" at ${net.now()}`));
  cli.send("hello", 5353, "server", (err, n) => log.push(`sent ${err} ${n}`));
  await net.advance(ms(20));
  cli.send(Buffer.from("xxabcxx"), 2, 3, 5353, "10.0.0.2");
  await net.advance(ms(20));
  cli.connect(5353, "server", () => {
    log.push(`connected ${JSON.stringify(cli.remoteAddress())}`);
    cli.send(["con", "nected"]);
  });
  await net.advance(ms(20));
  // A destination on a connected socket: Node throws for send(msg, port, address, cb); send(msg, 1, "addr")
  // reads as send(msg, cb) there and does not (checked on Node 20 over the kernel).
  assert.throws(() => cli.send("x", 1, "10.0.0.2", () => {}), { code: "ERR_SOCKET_DGRAM_IS_CONNECTED" }, "a destination on a connected socket");
  assert.throws(() => c.dgram.createSocket("udp5" as "udp6"), { code: "ERR_SOCKET_BAD_TYPE" }, "an unknown socket type");
  cli.close(() => log.push("client closed"));
  srv.close();
  await net.run();
  assert.deepEqual(log, [
    'bound {"address":"0.0.0.0","family":"IPv4","port":5353}',
    "sent null 5",
    'server got "hello" from 10.0.0.1:true size 5 at 3000',
    'client got "HELLO" at 6000',
    'server got "abc" from 10.0.0.1:true size 3 at 23000',
    'client got "ABC" at 26000',
    'connected {"address":"10.0.0.2","family":"IPv4","port":5353}',
    'server got "connected" from 10.0.0.1:true size 9 at 43000',
    'client got "CONNECTED" at 46000',
    "client closed",
  ]);
});

test("dns: lookup, resolve4, reverse and promises from the hosts table; ENOTFOUND as Node", async () => {
  const { net, c } = pair();
  net.hostsFile.add("10.0.0.2", "www.example.com");
  const { dns } = c;
  assert.deepEqual(await dns.promises.lookup("server"), { address: "10.0.0.2", family: 4 });
  assert.deepEqual(await dns.promises.lookup("www.example.com", { all: true }), [{ address: "10.0.0.2", family: 4 }]);
  assert.deepEqual(await dns.promises.resolve4("client"), ["10.0.0.1"]);
  assert.deepEqual(await dns.promises.reverse("10.0.0.2"), ["server", "www.example.com"]);
  await assert.rejects(dns.promises.lookup("nope"), { code: "ENOTFOUND", syscall: "getaddrinfo", hostname: "nope", message: "getaddrinfo ENOTFOUND nope" });
  await assert.rejects(dns.promises.resolve4("nope"), { code: "ENOTFOUND", syscall: "queryA", message: "queryA ENOTFOUND nope" });
  await assert.rejects(dns.promises.lookup("server", { family: 6 }), { code: "ENOTFOUND" });
  const viaCb = await new Promise<string>((r) => dns.lookup("localhost", (err, addr, fam) => r(`${err} ${String(addr)} ${fam}`)));
  // The simulated hosts table has Debian's default localhost lines (127.0.0.1 and ::1), and getaddrinfo's RFC 6724
  // order puts ::1 first (precedence 50 over IPv4's 35) — Node 17+ on Debian answers ::1 for localhost too.
  assert.equal(viaCb, "null ::1 6", "localhost: ::1 first, as glibc orders Debian's two lines");
});

test("dgram multicast: Node's and libuv's checks as over the kernel, then ENOPROTOOPT from a simulated kernel without IP multicast", async () => {
  const realDgram = await import("node:dgram");
  type Sock = import("node:dgram").Socket;
  const outcome = (f: () => unknown): string => {
    try {
      return `ok ${String(f())}`;
    } catch (e) {
      const x = e as NodeJS.ErrnoException;
      return `${x.code} "${x.message}" ${x.errno} ${x.syscall}`;
    }
  };
  // What does not depend on the kernel's multicast: unbound (libuv has no socket yet), bad arguments, closed.
  const checks = async (s: Sock, bind: (cb: () => void) => void): Promise<string[]> => {
    const out = [
      outcome(() => s.setMulticastTTL(2)),
      outcome(() => s.setMulticastLoopback(true)),
      outcome(() => s.setMulticastInterface("0.0.0.0")),
      outcome(() => s.setMulticastInterface("nope")),
      outcome(() => (s.addMembership as (a?: string) => void)()),
      outcome(() => s.addMembership("nope")),
      outcome(() => s.setMulticastTTL(300)),
      outcome(() => s.addSourceSpecificMembership("10.0.0.1", "nope")),
      outcome(() => s.addSourceSpecificMembership(1 as unknown as string, "x")),
    ];
    await new Promise<void>((r) => bind(r));
    out.push(outcome(() => s.setMulticastTTL(300)));
    s.close();
    out.push(outcome(() => s.addMembership("224.0.0.1")));
    return out;
  };
  const real = realDgram.createSocket("udp4");
  const kernel = await checks(real, (cb) => real.bind(0, "127.0.0.1", cb));
  const { net, c } = pair();
  const sock = c.dgram.createSocket("udp4") as unknown as Sock;
  const pending = checks(sock, (cb) => sock.bind(0, cb));
  await net.run();
  assert.deepEqual(await pending, kernel, "the same outcomes as Node over the kernel");
  // Bound, on the simulated kernel: every multicast option is ENOPROTOOPT, reported as Node reports a failed option.
  const s = c.dgram.createSocket("udp4");
  let bound = false;
  s.bind(0, () => (bound = true));
  await net.runUntil(() => bound);
  assert.deepEqual([
    outcome(() => s.addMembership("224.0.0.114")),
    outcome(() => s.dropMembership("224.0.0.114", "0.0.0.0")),
    outcome(() => s.addSourceSpecificMembership("10.0.0.2", "232.1.1.1")),
    outcome(() => s.setMulticastTTL(2)),
    outcome(() => s.setMulticastLoopback(false)),
    outcome(() => s.setMulticastInterface("10.0.0.1")),
  ], [
    'ENOPROTOOPT "addMembership ENOPROTOOPT" -92 addMembership',
    'ENOPROTOOPT "dropMembership ENOPROTOOPT" -92 dropMembership',
    'ENOPROTOOPT "addSourceSpecificMembership ENOPROTOOPT" -92 addSourceSpecificMembership',
    'ENOPROTOOPT "setMulticastTTL ENOPROTOOPT" -92 setMulticastTTL',
    'ENOPROTOOPT "setMulticastLoopback ENOPROTOOPT" -92 setMulticastLoopback',
    'ENOPROTOOPT "setMulticastInterface ENOPROTOOPT" -92 setMulticastInterface',
  ], "a kernel without IP multicast");
  s.close();
});
