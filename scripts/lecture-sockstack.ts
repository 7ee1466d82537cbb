// The seed-0 lecture experiment on sockstack, on one host's loopback like
// scripts/lecture-linux.sh runs it on the kernel: a server on 127.0.0.1:9090
// with backlog 2 that does not accept; four clients connect 200 ms apart and
// send "1111"; after 12 s the server accepts. Prints the same views.
// Usage: node --import tsx scripts/lecture-sockstack.ts
import { Network } from "../src/sim/network.js";
import { ms, sec } from "../src/core/time.js";
import { snapshot } from "../src/tools/snapshot.js";
import { ss } from "../src/tools/ss.js";
import { nstat } from "../src/tools/nstat.js";
import { TcpdumpFormatter } from "../src/tools/tcpdump.js";

const net = new Network({ seed: 1 });
const h = net.addHost("lecture");
const fmt = new TcpdumpFormatter();
const trace: string[] = [];
h.ip.loopback.device.taps.push((p, _dir, now) => trace.push(fmt.format(p, now)));
const out: string[] = [];
h.spawn("server", async (p) => {
  const s = p.socket("AF_INET", "SOCK_STREAM");
  p.setsockopt(s, "SOL_SOCKET", "SO_REUSEADDR", 1);
  p.bind(s, ["127.0.0.1", 9090]);
  p.listen(s, 2);
  await net.sleep(sec(12));
  for (let i = 0; i < 4; i++) {
    p.setsockopt(s, "SOL_SOCKET", "SO_RCVTIMEO", { tv_sec: 3, tv_usec: 0 });
    try {
      const { fd, addr } = await p.accept(s);
      const d = await p.recv(fd, 100);
      out.push(`accepted ${"port" in addr ? addr.port : "?"} b'${new TextDecoder().decode(d)}'`);
    } catch (e) {
      out.push(`accept ${(e as Error).message}`);
    }
  }
});
for (let i = 1; i <= 4; i++) {
  h.spawn(`client${i}`, async (p) => {
    await net.sleep(ms(500 + 200 * (i - 1)));
    const t0 = net.now();
    const c = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(c, ["127.0.0.1", 9090]);
    await p.send(c, "1111");
    out.push(`c${i} connected ${((net.now() - t0) / 1e6).toFixed(2)}`);
    await net.sleep(sec(30));
  });
}
await net.advance(sec(3.3));
const before = snapshot(h);
console.log("== ss -tanoi (before accept) ==\n" + ss(before, "-tanoi"));
console.log("== nstat ==\n" + nstat(null, before, "-az TcpExtListenOverflows TcpExtListenDrops"));
await net.advance(sec(12));
console.log("== ss -tanoi (after accept) ==\n" + ss(snapshot(h), "-tanoi"));
console.log("== program output ==\n" + out.join("\n"));
console.log("== tcpdump -nn -i lo port 9090 ==\n" + trace.join("\n"));
