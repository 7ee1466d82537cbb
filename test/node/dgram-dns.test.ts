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
  assert.throws(() => cli.addMembership(), { code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" });
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
  assert.equal(viaCb, "null 127.0.0.1 4");
});
