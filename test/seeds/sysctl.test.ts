/**
 * C9: the sysctls seed 2 names exist with Linux's defaults and change what
 * the stack does; `tcp_tw_recycle`, removed from Linux in 4.12, does not
 * exist here either — naming it is an error, not a silent no-op.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";
import { ms, sec } from "../../src/core/time.js";
import { runShellCommand } from "../../src/conformance/shell.js";
import { snapshot } from "../../src/tools/snapshot.js";
import { ss } from "../../src/tools/ss.js";
import type { Sysctls } from "../../src/core/sysctl.js";
import type { Process } from "../../src/sys/process.js";
import { connectTo, listenOn } from "../helpers/vocabulary.js";

function pair(clientSysctl: Partial<Sysctls> = {}, serverSysctl: Partial<Sysctls> = {}, latency = ms(1)) {
  const net = new Network({ seed: 9 });
  const client = net.addHost("client", { sysctl: clientSysctl });
  const server = net.addHost("server", { sysctl: serverSysctl });
  net.link(client, server, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency });
  return { net, client, server };
}

/** Accepts connections and never closes or reads them. */
async function holder(p: Process): Promise<void> {
  const l = listenOn(p, 9090, 8);
  for (;;) await p.accept(l);
}

test("C9: tcp_syncookies, tcp_tw_reuse, tcp_fin_timeout and the keepalive times exist with Linux's defaults", () => {
  const { client } = pair();
  const s = client.sysctl;
  assert.equal(s.tcp_syncookies, 1);
  assert.equal(s.tcp_tw_reuse, 2); // 2 = reuse for loopback connections only, the Linux default
  assert.equal(s.tcp_fin_timeout, sec(60));
  assert.equal(s.tcp_keepalive_time, sec(7200));
  assert.equal(s.tcp_keepalive_intvl, sec(75));
  assert.equal(s.tcp_keepalive_probes, 9);
  // The packetdrill shell sets them by their /proc names.
  assert.deepEqual(runShellCommand(client, "sysctl -w net.ipv4.tcp_fin_timeout=30"), { status: "ok" });
  assert.equal(client.sysctl.tcp_fin_timeout, sec(30));
});

test("C9: tcp_tw_recycle does not exist (removed in Linux 4.12): rejected by name, not silently accepted", () => {
  const { client } = pair();
  assert.equal("tcp_tw_recycle" in client.sysctl, false);
  const net = new Network();
  assert.throws(() => net.addHost("h", { sysctl: { tcp_tw_recycle: 1 } as Partial<Sysctls> }), /tcp_tw_recycle was removed in Linux 4\.12/);
  assert.throws(() => {
    (client.sysctl as unknown as Record<string, number>).tcp_tw_recycle = 1;
  }, TypeError);
  assert.equal("tcp_tw_recycle" in client.sysctl, false);
  // procps on a 6.x kernel: the key cannot be found, exit status 1 (a script line running it fails).
  assert.deepEqual(runShellCommand(client, "sysctl -w net.ipv4.tcp_tw_recycle=1"), {
    status: "failed", reason: "`sysctl -w net.ipv4.tcp_tw_recycle=1` exited with status 1: sysctl: cannot stat /proc/sys/net/ipv4/tcp_tw_recycle: No such file or directory",
  });
  assert.throws(() => net.addHost("h2", { sysctl: { tcp_no_such_thing: 1 } as Partial<Sysctls> }), /sysctl tcp_no_such_thing does not exist/);
});

test("C9: tcp_fin_timeout bounds an orphaned FIN-WAIT-2 (60 s by default, 5 s when set)", async () => {
  for (const [fin, gone] of [[undefined, 60], [sec(5), 5]] as const) {
    const { net, client, server } = pair(fin ? { tcp_fin_timeout: fin } : {});
    server.spawn("s", holder);
    client.spawn("c", async (p) => {
      const fd = await connectTo(p, "10.0.0.2", 9090);
      await p.close(fd); // the server never closes: we wait in FIN-WAIT-2, orphaned
    });
    await net.advance(sec(1));
    assert.match(ss(snapshot(client), "-tnoH"), /^FIN-WAIT-2 .* timer:\(timewait,[\d.]+(sec|ms),0\)$/m);
    await net.advance(sec(gone - 2));
    assert.match(ss(snapshot(client), "-tnH"), /^FIN-WAIT-2 /m, `still there before ${gone} s`);
    await net.advance(sec(2));
    assert.equal(ss(snapshot(client), "-tnH"), "", `gone after ${gone} s`);
  }
});

test("C9 C7: tcp_keepalive_time moves the first keepalive probe (7200 s by default, 600 s when set)", async () => {
  for (const [idle, first] of [[undefined, 7200], [sec(600), 600]] as const) {
    const { net, client, server } = pair(idle ? { tcp_keepalive_time: idle } : {});
    server.spawn("s", holder);
    client.spawn("c", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_STREAM");
      p.setsockopt(fd, "SOL_SOCKET", "SO_KEEPALIVE", 1);
      await p.connect(fd, ["10.0.0.2", 9090]);
      await p.poll([], -1);
    });
    await net.advance(sec(first - 1));
    assert.equal(client.counters.TcpExt.TCPKeepAlive ?? 0, 0);
    await net.advance(sec(2));
    assert.equal(client.counters.TcpExt.TCPKeepAlive, 1, `first probe at ${first} s`);
  }
});

test("C9 B5: tcp_syncookies = 2 answers every SYN with a cookie and keeps no SYN-RECV entry; 1 (default) only on overflow", async () => {
  for (const cookies of [1, 2]) {
    const { net, client, server } = pair({}, { tcp_syncookies: cookies }, ms(10));
    server.spawn("s", holder);
    client.spawn("c", async (p) => {
      await connectTo(p, "10.0.0.2", 9090);
      await p.poll([], -1);
    });
    await net.advance(ms(15)); // the SYN-ACK is on its way back
    const synRecv = ss(snapshot(server), "-tnH state syn-recv");
    if (cookies === 1) {
      assert.match(synRecv, /^0 +0 +10\.0\.0\.2:9090 +10\.0\.0\.1:\d+ *$/m);
      assert.equal(server.counters.TcpExt.SyncookiesSent ?? 0, 0);
    } else {
      assert.equal(synRecv, "");
      assert.equal(server.counters.TcpExt.SyncookiesSent, 1);
    }
    await net.advance(ms(20));
    assert.match(ss(snapshot(server), "-tnH state established"), /10\.0\.0\.2:9090/, "the handshake completes either way");
  }
});

test("C9 F6: tcp_tw_reuse = 1 lets a new outgoing connection take a local port held by TIME-WAIT (after 1 s); 2 (default) only on loopback", async () => {
  for (const reuse of [2, 1]) {
    const { net, client, server } = pair({ tcp_tw_reuse: reuse, ip_local_port_range: [40000, 40000] });
    server.spawn("s", async (p) => {
      const l = listenOn(p, 9090, 8);
      for (;;) {
        const { fd } = await p.accept(l);
        await p.recv(fd, 10); // EOF
        await p.close(fd);
      }
    });
    let second = "";
    client.spawn("c", async (p) => {
      const a = await connectTo(p, "10.0.0.2", 9090);
      await p.close(a); // active close: TIME-WAIT holds 10.0.0.1:40000 → 10.0.0.2:9090
      await p.poll([], 2000);
      const b = p.socket("AF_INET", "SOCK_STREAM");
      try {
        await p.connect(b, ["10.0.0.2", 9090]);
        const me = p.getsockname(b);
        second = `connected from ${"port" in me ? me.port : "?"}`;
      } catch (e) {
        second = (e as Error).message;
      }
    });
    await net.advance(sec(5));
    if (reuse === 2) assert.equal(second, "connect: Cannot assign requested address");
    else assert.equal(second, "connected from 40000");
  }
});
