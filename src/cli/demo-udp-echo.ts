/**
 * Demo `udp-echo`: the first scenario of `sockstack demo`. Two hosts on a
 * 5 ms link; the server runs a UDP echo service (a process making real
 * syscalls); the client pings it, sends it a few datagrams (an empty one
 * included, G6), then sends to a port nobody listens on and gets
 * `recv: Connection refused`; finally the tcpdump view of the wire.
 */
import { strerror } from "../core/errno.js";
import { SysError } from "../core/sys-error.js";
import { ms } from "../core/time.js";
import { ping } from "../host/ping.js";
import { Network } from "../sim/network.js";
import type { SockAddr } from "../socket/sockaddr.js";
import { sockaddrIn } from "../socket/sockaddr.js";
import type { Process } from "../sys/process.js";
import type { DemoContext, DemoScenario } from "./demo-scenario.js";
import { buildChain } from "./topology.js";
import { ss } from "../tools/ss.js";

const ECHO_PORT = 7; // RFC 862, the echo service
const CLOSED_PORT = 9;
const decoder = new TextDecoder();

function show(a: SockAddr | null): string {
  return a && "addr" in a ? `${a.addr}:${a.port}` : "?";
}

function quote(data: Uint8Array): string {
  return JSON.stringify(decoder.decode(data));
}

/** The `udp-echo` scenario. */
export const udpEchoDemo: DemoScenario = {
  name: "udp-echo",
  summary: "a UDP echo server, ping, an empty datagram and ECONNREFUSED, then tcpdump",
  seeds: ["G6", "H6", "E1", "E6", "I3"],
  async run(d: DemoContext): Promise<void> {
    const net = new Network({ seed: d.seed });
    d.useNetwork(net);
    const chain = buildChain(net, { hops: 0, latency: ms(5) });
    const { client, server } = chain;
    const cap = d.capture(chain.links[0]!.b, "server"); // the server's eth0, as in every demo
    d.watch(client, "client");
    d.watch(server, "server");
    const sys = (p: Process, call: string, args: (string | number)[], result: number, detail = "") =>
      d.syscall(p.kernel === client ? "client" : "server", p.name, p.pid, { call, args, result, detail });

    d.title(`sockstack demo udp-echo (seed ${d.seed})`);
    d.say(
      "Two simulated hosts joined by one link with 5 ms of one-way delay:\n" +
        "  client 10.0.0.1/24 (eth0) ---- 5 ms ---- server 10.0.0.2/24 (eth0)\n" +
        "Everything below runs in virtual time: timestamps are seconds since the\n" +
        "start of the simulation, and the same seed prints the same bytes.",
    );

    d.section("1. The server starts a UDP echo service");
    d.say(
      "A process on the server makes the same system calls a C program would:\n" +
        "socket, bind to port 7, then a loop of recvfrom and sendto (H6).",
    );
    server.spawn("udp-echo", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_DGRAM", 0);
      sys(p, "socket", ["AF_INET", "SOCK_DGRAM", 0], fd);
      p.bind(fd, sockaddrIn("0.0.0.0", ECHO_PORT));
      sys(p, "bind", [fd, `0.0.0.0:${ECHO_PORT}`], 0);
      for (;;) {
        const { data, addr } = await p.recvfrom(fd, 65535);
        sys(p, "recvfrom", [fd, 65535, 0], data.length, ` from ${show(addr)} ${quote(data)}`);
        const n = await p.sendto(fd, data, 0, addr);
        sys(p, "sendto", [fd, quote(data), data.length, 0, show(addr)], n);
      }
    });
    await net.run();

    d.section("2. The client pings the server");
    d.command("client", "ping -c 3 10.0.0.2");
    const pinged = ping(client, "10.0.0.2", { count: 3, print: (line) => d.output(line) });
    await net.run();
    const pr = await pinged;
    d.say(
      `Each echo request crosses the link once and the reply once: ${pr.rtts.length} round trips\n` +
        "of exactly 10 ms, because the link has no jitter. The server's kernel\n" +
        "answers the pings itself; the echo process is not involved.",
    );

    d.section("3. The client talks to the echo service");
    d.say(
      "A client process sends three datagrams and reads each echo. The second one\n" +
        "is empty: a UDP datagram may carry no data at all, and it still arrives\n" +
        "as a datagram of length 0 (G6). The kernel picks the client's port.",
    );
    client.spawn("udp-client", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_DGRAM", 0);
      sys(p, "socket", ["AF_INET", "SOCK_DGRAM", 0], fd);
      for (const m of ["hello", "", "sockstack"]) {
        const n = await p.sendto(fd, m, 0, ["10.0.0.2", ECHO_PORT]);
        sys(p, "sendto", [fd, JSON.stringify(m), m.length, 0, `10.0.0.2:${ECHO_PORT}`], n);
        const { data, addr } = await p.recvfrom(fd, 65535);
        sys(p, "recvfrom", [fd, 65535, 0], data.length, ` from ${show(addr)} ${quote(data)}`);
      }
      sys(p, "getsockname", [fd], 0, ` (${show(p.getsockname(fd))})`);
      await p.close(fd);
      sys(p, "close", [fd], 0);
    });
    await net.run();

    d.section("4. A datagram to a port nobody listens on");
    d.say(
      `Nothing is bound to port ${CLOSED_PORT} on the server. Its kernel answers the datagram\n` +
        "with ICMP port unreachable; on a connected UDP socket the client's kernel\n" +
        "turns that into ECONNREFUSED for the next call (E6: the call and the errno\n" +
        "text, as perror prints them).",
    );
    client.spawn("udp-client", async (p) => {
      const fd = p.socket("AF_INET", "SOCK_DGRAM", 0);
      sys(p, "socket", ["AF_INET", "SOCK_DGRAM", 0], fd);
      await p.connect(fd, ["10.0.0.2", CLOSED_PORT]);
      sys(p, "connect", [fd, `10.0.0.2:${CLOSED_PORT}`], 0);
      const n = await p.send(fd, "anyone there?");
      sys(p, "send", [fd, '"anyone there?"', 13, 0], n);
      try {
        await p.recv(fd, 100);
      } catch (e) {
        if (!(e instanceof SysError)) throw e;
        d.syscall("client", p.name, p.pid, { call: "recv", args: [fd, 100, 0], result: -1, errno: e.code, detail: ` (${strerror(e.code)})` });
        d.output(e.message); // what perror("recv") prints
      }
      await p.close(fd);
    });
    await net.run();
    const su = server.counters.Udp;
    d.say(
      `Server counters: Udp InDatagrams ${su.InDatagrams ?? 0}, OutDatagrams ${su.OutDatagrams ?? 0}, ` +
        `NoPorts ${su.NoPorts ?? 0}; Icmp OutDestUnreachs ${server.counters.Icmp.OutDestUnreachs ?? 0}.\n` +
        "The echo process is still blocked in recvfrom, waiting for the next datagram.",
    );

    d.command("server", "ss -uanp");
    for (const l of ss(d.snapshot(server), "-uanp").replace(/\n$/, "").split("\n")) d.output(l.trimEnd());

    d.section("5. What crossed the wire");
    d.command("server", "tcpdump -nn -i eth0");
    cap.stop();
    d.showCapture(cap, "tcpdump -nn -i eth0");
  },
};
