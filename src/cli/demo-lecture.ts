/**
 * Demo `lecture`: the seed-0 lecture tour, the default of `sockstack demo`.
 * A server on 10.0.0.2:9090 listens with backlog 2 and does not call
 * accept(); four clients connect 200 ms apart and send "1111"; at 5 s the
 * server accepts and reads. At each step (view-scenarios.ts `lecture`) the
 * tour prints what ss, lsof, netstat, nstat and tcpdump show on the
 * machines: A1 listen, A2 a connection nobody accepted, A3 Recv-Q 4, B2
 * the overflow with the fourth client in SYN-SENT, A4 accept — and a
 * ladder diagram of the fourth connection to finish.
 */
import { Capture as ToolsCapture } from "../tools/capture.js";
import { ladderText } from "../tools/ladder.js";
import { lsof } from "../tools/lsof.js";
import { netstat } from "../tools/netstat.js";
import { nstat } from "../tools/nstat.js";
import type { HostSnapshot } from "../tools/snapshot.js";
import { ss } from "../tools/ss.js";
import type { DemoContext, DemoScenario } from "./demo-scenario.js";
import { lectureViews } from "./view-scenarios.js";

/** The `lecture` scenario. */
export const lectureDemo: DemoScenario = {
  name: "lecture",
  summary: "the lecture: listen backlog 2, connections nobody accepted, Recv-Q 4, overflow, accept",
  seeds: ["A1", "A2", "A3", "A4", "A6", "B1", "B2", "B3"],
  async run(d: DemoContext): Promise<void> {
    const built = lectureViews.build(d.seed, (host, p, call, args, result) => d.syscall(host, p.name, p.pid, { call, args, result }));
    const { net } = built;
    const server = built.hosts.get("server")!;
    const client = built.hosts.get("client")!;
    d.useNetwork(net);
    d.watch(client);
    d.watch(server);
    const cap = d.capture(built.link.b, "server"); // the server's eth0: what --pcap writes and sockstack tcpdump shows
    const wire = ToolsCapture.onLink(built.link, { a: "client", b: "server" }); // both ends, for the ladder
    let shown = 0;
    const steps = lectureViews.steps;
    const at = async (i: number) => {
      const t = steps[i]!.at;
      if (t > net.now()) await net.advance(t - net.now());
    };
    const show = (host: string, snap: HostSnapshot, cmd: string, text: string) => {
      d.command(host, cmd);
      for (const l of text.replace(/\n$/, "").split("\n")) d.output(l.trimEnd());
    };
    const tcpdumpSince = () => {
      d.command("server", "tcpdump -nn -i eth0   # the packets since the last step");
      const lines = d.tcpdumpLines(cap, shown);
      shown = cap.packets.length;
      if (lines.length === 0) d.output("(nothing crossed the wire)");
      for (const l of lines) d.output(l);
    };

    d.title(`sockstack demo lecture (seed ${d.seed})`);
    d.say(
      "The lecture's experiment, on two simulated hosts joined by a 50 µs link:\n" +
        "  client 10.0.0.1/24 ---- server 10.0.0.2/24\n" +
        "The server calls socket, bind(9090), listen(fd, 2) — then blocks (on stdin\n" +
        "in the lecture) before its accept loop. Four clients connect 200 ms apart;\n" +
        "each sends \"1111\" 100 ms after connect() returns. At 5 s the server starts\n" +
        "accepting. Timestamps are virtual; the same seed prints the same output.",
    );

    d.section(`1. The server listens (A1, B1) — t=${(steps[0]!.at / 1000).toFixed(0)} ms`);
    await at(0);
    let s = d.snapshot(server);
    show("server", s, "ss -tlnp", ss(s, "-tlnp"));
    show("server", s, "lsof -i", lsof(s, "-i"));
    d.say("One LISTEN socket: Send-Q shows the backlog (2), Recv-Q the accept queue (0).\nThe process owns fd 3 for it. Nothing has crossed the wire:");
    tcpdumpSince();

    d.section(`2. A client connects; the server has not called accept() (A2, A6) — t=${steps[1]!.at / 1000} ms`);
    await at(1);
    s = d.snapshot(server);
    show("server", s, "ss -tanp", ss(s, "-tanp"));
    show("server", s, "netstat -natp", netstat(s, "-natp"));
    show("server", s, "lsof -p 1000", lsof(s, "-p 1000"));
    d.say(
      "The kernel completed the three-way handshake inside the client's connect():\n" +
        "the connection is ESTABLISHED in the server's table although the server\n" +
        "never called accept(). It belongs to no process (no users:, netstat '-')\n" +
        "and lsof shows no fd for it. It shares the listening port 9090 (A6).",
    );
    tcpdumpSince();

    d.section(`3. The client sends "1111" (A3) — t=${steps[2]!.at / 1000} ms`);
    await at(2);
    s = d.snapshot(server);
    show("server", s, "ss -tn", ss(s, "-tn"));
    d.say("The server's kernel acknowledged the 4 bytes and queued them: Recv-Q 4.\nNo program has read them; none could — nobody holds an fd for the socket.");
    tcpdumpSince();

    d.section(`4. Four clients, backlog 2: the accept queue overflows (B2) — t=${steps[3]!.at / 1000} ms`);
    const before = d.snapshot(server);
    await at(3);
    s = d.snapshot(server);
    show("server", s, "ss -tanp", ss(s, "-tanp"));
    const c = d.snapshot(client);
    show("client", c, "ss -tanpo", ss(c, "-tanpo"));
    show("server", s, "nstat   # since step 3", nstat(before, s));
    d.say(
      "Linux admits backlog+1 = 3 connections to the accept queue. The fourth\n" +
        "client's SYN arrived with the queue full and was dropped (ListenOverflows,\n" +
        "ListenDrops); the client sits in SYN-SENT with Send-Q 1 (its SYN) and a\n" +
        "retransmission timer, resending the SYN every second.",
    );
    tcpdumpSince();

    d.section(`5. The server accepts (A4, B3) — t=${steps[4]!.at / 1000} ms`);
    await at(4);
    s = d.snapshot(server);
    show("server", s, "lsof -p 1000", lsof(s, "-p 1000"));
    show("server", s, "netstat -natp", netstat(s, "-natp"));
    d.say(
      "From 5 s on, accept() hands out the queued connections with the lowest free\n" +
        "fds (4, 5, 6) and the program reads the bytes that were waiting. With room in\n" +
        "the queue, the fourth client's next SYN retransmission completes its\n" +
        "handshake, and it becomes fd 7.",
    );
    tcpdumpSince();

    d.section("6. The fourth connection as a ladder diagram");
    d.command("client", "sockstack ladder --connection 3");
    for (const l of ladderText(wire.packets, { connection: 3 }).split("\n")) d.output(l);
    d.say(
      "Its SYN reached the server five times (0.8 s, then every second) and the\n" +
        "server's kernel dropped it each time: the accept queue was full. The sixth,\n" +
        "at 5.8 s, found room — the server had started accepting at 5 s.",
    );
    wire.stop();
    cap.stop();
  },
};
