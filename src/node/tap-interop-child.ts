/**
 * The inside of the TAP interop test (tap-interop.test.ts runs it with
 * `ip netns exec` in its own namespace): socat's TAP device holds the
 * kernel's 10.219.9.1/24, a real-time sockstack host 10.219.9.2/24 sits
 * behind it. The kernel connects to a sockstack echo server (the kernel
 * ARPs for sockstack), sockstack connects to a kernel echo server (sockstack
 * ARPs for the kernel); both check their bytes. Prints one JSON line.
 */
import { spawn, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRealtimeHost } from "./realtime-host.js";
import { openTapWire } from "./udp-tap-wire.js";
import { ipNeigh } from "../tools/ip-views.js";

const LOCAL = 47190, PEER = 47191;
const out: Record<string, unknown> = {};
const socat = spawn("timeout", ["60", "socat", "-b", "65536", "TUN:10.219.9.1/24,tun-type=tap,tun-name=eth19tap0,iff-up,iff-no-pi", `UDP-DATAGRAM:127.0.0.1:${LOCAL},bind=127.0.0.1:${PEER}`], { stdio: "ignore" });
const { host, driver } = createRealtimeHost({ name: "ss", seed: 19 });
const tap = await openTapWire(host, { driver, localPort: LOCAL, peerPort: PEER, cidr: "10.219.9.2/24", mac: "02:00:00:00:19:92" });
try {
  for (let i = 0; i < 50 && !/eth19tap0/.test(execFileSync("ip", ["-o", "link"], { encoding: "utf8" })); i++) await new Promise((r) => setTimeout(r, 100));
  const payload = randomBytes(200_000);
  host.spawn("echo", async (p) => {
    const l = p.socket("AF_INET", "SOCK_STREAM");
    p.bind(l, ["0.0.0.0", 7]);
    p.listen(l, 4);
    const { fd } = await p.accept(l);
    for (let d = await p.recv(fd, 65536); d.length > 0; d = await p.recv(fd, 65536)) await p.send(fd, d);
    p.close(fd);
  }, { daemon: true });
  // The kernel's client (python): connect, send, read the echo, compare.
  const py = `import socket,sys,hashlib
d=bytes.fromhex(sys.argv[1]) * 1000
s=socket.create_connection(("10.219.9.2",7),timeout=20); s.sendall(d); s.shutdown(socket.SHUT_WR)
g=b""
while True:
    x=s.recv(65536)
    if not x: break
    g+=x
print("ok" if g==d else "mismatch %d %d" % (len(g), len(d)))`;
  const chunk = payload.subarray(0, 200).toString("hex");
  const kernelClient = await new Promise<string>((resolve) => {
    const c = spawn("timeout", ["30", "python3", "-c", py, chunk], { stdio: ["ignore", "pipe", "pipe"] });
    let s = "";
    c.stdout.on("data", (b: Buffer) => (s += b.toString()));
    c.stderr.on("data", (b: Buffer) => (s += b.toString()));
    c.on("close", () => resolve(s.trim()));
  });
  out.kernelToSockstack = kernelClient;
  out.kernelNeigh = execFileSync("ip", ["neigh", "show", "10.219.9.2"], { encoding: "utf8" }).trim();
  // sockstack's client to a kernel echo server.
  const srv = spawn("timeout", ["30", "python3", "-c", `import socket
l=socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); l.bind(("10.219.9.1",8)); l.listen(1)
c,_=l.accept()
while True:
    x=c.recv(65536)
    if not x: break
    c.sendall(x)
c.close()`], { stdio: "ignore" });
  for (let i = 0; i < 100 && !execFileSync("ss", ["-Hltn", "sport = :8"], { encoding: "utf8" }).trim(); i++) await new Promise((r) => setTimeout(r, 50));
  host.ip.arp.flush(tap.iface); // make sockstack resolve the kernel itself
  const data = new Uint8Array(payload);
  const res = host.spawn("client", async (p) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.219.9.1", 8]);
    const arpState = ipNeigh(host);
    await p.send(fd, data);
    p.shutdown(fd, "SHUT_WR");
    const parts: Uint8Array[] = [];
    let n = 0;
    for (let d = await p.recv(fd, 65536); d.length > 0; d = await p.recv(fd, 65536)) {
      parts.push(d);
      n += d.length;
    }
    const got = Buffer.concat(parts);
    return { arpState, ok: n === data.length && got.equals(Buffer.from(data)) };
  });
  const r = await Promise.race([res.result, new Promise<null>((resolve) => setTimeout(() => resolve(null), 30_000))]);
  out.sockstackToKernel = r;
  srv.kill();
} catch (e) {
  out.error = String(e);
} finally {
  await tap.close();
  driver.stop();
  socat.kill();
}
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
