/**
 * Hosts by name (issue 12 item 11): a per-network hosts table filled by
 * addHost and the addresses links assign; `connect(fd, ["server", 80])`,
 * getaddrinfo and gethostbyname with glibc's results and errors (checked
 * with python3's socket module on Linux, glibc 2.x: `getaddrinfo("localhost",
 * 80)` gives SOCK_STREAM/6, SOCK_DGRAM/17 and SOCK_RAW/0; an unknown name is
 * `[Errno -2] Name or service not known`); automatic link addressing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";
import { GaiError, getaddrinfo, AI_PASSIVE, AI_NUMERICHOST, AI_CANONNAME } from "../../src/sys/netdb.js";
import { AF_INET, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM } from "../../src/socket/constants.js";

function gai(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof GaiError, String(e));
    return `${e.code} ${e.errno} ${e.message}`;
  }
  assert.fail("expected a GaiError");
}

test("the ten-line example: hosts by name over an automatically numbered link", async () => {
  const net = new Network({ seed: 1 });
  const client = net.addHost("client"), server = net.addHost("server");
  net.link(client, server);
  server.spawn("echo", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    p.bind(fd, ["server", 7]);
    const { data, addr } = await p.recvfrom(fd, 100);
    await p.sendto(fd, data, 0, addr);
  });
  let reply = "";
  client.spawn("client", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_DGRAM");
    await p.sendto(fd, "hello", 0, ["server", 7]);
    const { data, addr } = await p.recvfrom(fd, 100);
    reply = `${new TextDecoder().decode(data)} from ${addr && "addr" in addr ? addr.addr : "?"}`;
  });
  await net.run();
  assert.equal(reply, "hello from 10.0.0.2");
  assert.equal(client.address, "10.0.0.1");
  assert.equal(String(net.hostsFile), "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n10.0.0.1\tclient\n10.0.0.2\tserver\n");
});

test("automatic addressing takes the next free 10.X.Y.0/24 and skips subnets in use", () => {
  const net = new Network({ seed: 1 });
  const [a, b, c, d] = ["a", "b", "c", "d"].map((n) => net.addHost(n)) as [ReturnType<Network["addHost"]>, ReturnType<Network["addHost"]>, ReturnType<Network["addHost"]>, ReturnType<Network["addHost"]>];
  net.link(a, b);
  net.link(b, c, { a: "10.0.1.1/24", b: "10.0.1.2/24" });
  net.link(c, d);
  const none = net.link(a, d, { auto: false });
  assert.equal(a.ipv4Addresses().map((x) => x >>> 0).length, 1);
  assert.deepEqual(net.hostsFile.lines().slice(4), [
    { addr: "10.0.0.1", names: ["a"] },
    { addr: "10.0.0.2", names: ["b"] }, { addr: "10.0.1.1", names: ["b"] },
    { addr: "10.0.1.2", names: ["c"] }, { addr: "10.0.2.1", names: ["c"] },
    { addr: "10.0.2.2", names: ["d"] },
  ]);
  assert.equal(none.aIface.addresses.length, 0);
});

test("connect by name; an unknown name is EAI_NONAME, raised even by connect_ex (as Python)", async () => {
  const net = new Network({ seed: 1 });
  const client = net.addHost("client"), server = net.addHost("Server");
  net.link(client, server);
  net.hostsFile.add("10.0.0.2", "www.example.com", "www");
  const seen: string[] = [];
  server.spawn("httpd", async (p) => {
    const lfd = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(lfd, ["", 80]);
    p.listen(lfd);
    for (;;) {
      const { fd } = await p.accept(lfd);
      await p.close(fd);
    }
  });
  client.spawn("client", async (p) => {
    for (const name of ["server", "WWW.example.com", "localhost"]) {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      const r = await p.connect_ex(fd, [name, 80]);
      seen.push(`${name} ${r} ${r === 0 ? JSON.stringify(p.getpeername(fd)) : ""}`);
      await p.close(fd);
    }
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect_ex(fd, ["nosuchhost", 80]).catch((e: GaiError) => seen.push(`${e.code} ${e.errno} ${e.message}`));
    seen.push(p.gethostbyname("www"), p.gethostname());
  });
  await net.run({ until: 5_000_000 });
  assert.deepEqual(seen.slice(0, 2), [
    'server 0 {"family":2,"addr":"10.0.0.2","port":80}',
    'WWW.example.com 0 {"family":2,"addr":"10.0.0.2","port":80}',
  ]);
  assert.match(seen[2]!, /^localhost 111 /); // ECONNREFUSED: nothing listens on the client's loopback
  assert.deepEqual(seen.slice(3), ['EAI_NONAME -2 connect: Name or service not known (addr: no host named "nosuchhost")', "10.0.0.2", "client"]);
});

test("getaddrinfo: glibc's entries and errors", () => {
  const net = new Network({ seed: 1 });
  const a = net.addHost("a"), b = net.addHost("b");
  net.link(a, b);
  const t = net.hostsFile;
  t.add("10.0.0.1", "client4");
  const short = (r: ReturnType<typeof getaddrinfo>) => r.map((x) => [x.family, x.type, x.protocol, x.canonname, x.addr.addr, x.addr.port]);
  // python3: socket.getaddrinfo("localhost", 80) (the ::1 line's answers first: test/syscalls/localhost.test.ts)
  assert.deepEqual(short(getaddrinfo(t, "localhost", 80)).slice(3), [
    [AF_INET, SOCK_STREAM, 6, "", "127.0.0.1", 80], [AF_INET, SOCK_DGRAM, 17, "", "127.0.0.1", 80], [AF_INET, SOCK_RAW, 0, "", "127.0.0.1", 80],
  ]);
  // getaddrinfo("localhost", "echo", AF_INET): a named service, no SOCK_RAW; "http" is TCP only.
  assert.deepEqual(short(getaddrinfo(t, "b", "echo", { family: AF_INET })), [[2, 1, 6, "", "10.0.0.2", 7], [2, 2, 17, "", "10.0.0.2", 7]]);
  assert.deepEqual(short(getaddrinfo(t, "10.0.0.1", "http", { family: AF_INET })), [[2, 1, 6, "", "10.0.0.1", 80]]);
  assert.deepEqual(short(getaddrinfo(t, null, 80, { type: SOCK_STREAM, flags: AI_PASSIVE })), [[2, 1, 6, "", "0.0.0.0", 80]]);
  assert.deepEqual(short(getaddrinfo(t, null, "7", { type: SOCK_DGRAM })), [[2, 2, 17, "", "127.0.0.1", 7]]);
  assert.deepEqual(short(getaddrinfo(t, "B", 1, { type: SOCK_STREAM, flags: AI_CANONNAME })), [[2, 1, 6, "B", "10.0.0.2", 1]]);
  // The errors, as python3 prints them: [Errno -2] Name or service not known, …
  assert.equal(gai(() => getaddrinfo(t, "nosuchhost", 80)), 'EAI_NONAME -2 getaddrinfo: Name or service not known (host: no host named "nosuchhost")');
  assert.equal(gai(() => getaddrinfo(t, "localhost", "nosuchservice")), 'EAI_SERVICE -8 getaddrinfo: Servname not supported for ai_socktype (port: unknown service "nosuchservice")');
  assert.equal(gai(() => getaddrinfo(t, "localhost", "http", { type: SOCK_DGRAM })), 'EAI_SERVICE -8 getaddrinfo: Servname not supported for ai_socktype (port: unknown service "http")');
  assert.equal(gai(() => getaddrinfo(t, "localhost", 80, { family: 99 })), "EAI_FAMILY -6 getaddrinfo: ai_family not supported");
  assert.equal(gai(() => getaddrinfo(t, "localhost", 80, { family: AF_INET, type: 99 })), "EAI_SOCKTYPE -7 getaddrinfo: ai_socktype not supported");
  assert.equal(gai(() => getaddrinfo(t, "localhost", 80, { type: SOCK_STREAM, protocol: 17 })), "EAI_SOCKTYPE -7 getaddrinfo: ai_socktype not supported");
  assert.equal(gai(() => getaddrinfo(t, null, null)), "EAI_NONAME -2 getaddrinfo: Name or service not known");
  assert.equal(gai(() => getaddrinfo(t, "b", 80, { flags: AI_NUMERICHOST })), 'EAI_NONAME -2 getaddrinfo: Name or service not known (host: "b" is not a numeric address (AI_NUMERICHOST))');
  assert.equal(gai(() => getaddrinfo(t, "client4", 80, { family: 10 })), "EAI_NONAME -2 getaddrinfo: Name or service not known (host: \"client4\" has no IPv6 address)");
  assert.equal(gai(() => getaddrinfo(t, "localhost", "0x50")), 'EAI_SERVICE -8 getaddrinfo: Servname not supported for ai_socktype (port: unknown service "0x50")');
  // The Process form takes names for family and type.
  const p = a.createProcess("p");
  assert.deepEqual(p.getaddrinfo("b", 7, "AF_INET", "SOCK_DGRAM").map((x) => x.addr), [{ family: 2, addr: "10.0.0.2", port: 7 }]);
});

test("names are read live: an address added later and a rebooted host are found", () => {
  const net = new Network({ seed: 1 });
  const a = net.addHost("a"), b = net.addHost("b");
  assert.deepEqual(net.hostsFile.lookup("b"), []);
  net.link(a, b, { a: "192.168.1.1/24", b: "192.168.1.2/24" });
  b.addAddress("eth0", "192.168.1.20/24");
  assert.deepEqual(net.hostsFile.lookup("B"), [0xc0a80102, 0xc0a80114]);
  net.reboot("b");
  assert.deepEqual(net.hostsFile.lookup("b"), [0xc0a80102, 0xc0a80114]);
  assert.deepEqual(net.hostsFile.namesOf("192.168.1.20"), ["b"]);
  assert.throws(() => net.addHost("bad name"), /host name "bad name": use letters, digits/);
  assert.throws(() => net.hostsFile.add("10.0.0.300", "x"), /not an IPv4 or IPv6 address/);
});
