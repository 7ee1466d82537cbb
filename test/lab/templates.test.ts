// The lab's starting programs are the seed programs they say they are:
// each template, run by the lab on its network, gives the same packets and
// the same terminal output as the example (or the demo's lecture) it was
// taken from, run on the same network and seed. A change to one side that
// is not made to the other fails here — one program, in two places. The
// templates are TypeScript: the lab's TypeScript chunk (sucrase) is loaded
// here as the page loads it on first use.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ms, sec } from "../../src/core/time.js";
import { Capture } from "../../src/demo/capture.js";
import { DemoContext } from "../../src/demo/context.js";
import { twoHosts } from "../../src/demo/kit.js";
import { lectureScenario } from "../../src/demo/lecture-scenario.js";
import { LabSession } from "../../src/lab/session.js";
import "../../src/lab/ts-chunk.js";
import { findTemplate, LAB_TEMPLATES } from "../../src/lab/templates.js";
import { TcpdumpFormatter } from "../../src/tools/tcpdump.js";
import type { Network } from "../../src/sim/network.js";
import type { Program } from "../../src/host/program.js";
import { client as echoClient, server as echoServer } from "../../examples/iterative-server.js";
import { gen4Client, gen5Server } from "../../examples/chat-tcp.js";
import { udpClient, udpServer } from "../../examples/chat-udp.js";

const SEED = 1;

/** The template run by the lab to its end, typing `lines` one by one into whichever process reads its terminal. */
async function labRun(name: string, lines: string[] = []): Promise<{ packets: string[]; screens: string[] }> {
  const s = new LabSession(SEED, { program: findTemplate(name)!.code, language: "ts" });
  await s.advanceTo(Infinity);
  for (const line of lines) {
    assert.ok(s.waitingForInput, `${name}: waits for "${line}"`);
    const reader = s.processes().find((p) => p.reading)!;
    await s.act({ kind: "stdin", host: reader.host, pid: reader.pid, line });
    await s.advanceTo(Infinity);
  }
  if (s.error) throw s.error;
  return { packets: s.tcpdumpLines(), screens: s.processes().filter((p) => p.output !== "").map((p) => p.output) };
}

/** The network the lab runs programs on (src/demo/kit.ts, 1 ms), with the example's programs started by `start`. */
async function exampleRun(start: (hosts: { net: Network; client: import("../../src/host/host.js").Host; server: import("../../src/host/host.js").Host }) => Program<unknown>[], lines: string[] = []) {
  const d = new DemoContext(SEED, () => {});
  const { net, client, server, cap } = twoHosts(d, { latency: ms(1) });
  const progs = start({ net, client, server });
  // As the lab: run until idle or the clients exited; a line to the reader; again.
  await net.run();
  for (const line of lines) {
    const reader = progs.find((p) => p.running && [...p.process.inflight].some((r) => (r.call === "read" || r.call === "recvLine") && r.args[0] === 0));
    assert.ok(reader, `the example waits for "${line}"`);
    reader.stdin.write(`${line}\n`);
    await net.run();
  }
  return { packets: d.tcpdumpLines(cap), screens: progs.map((p) => p.tty.output).filter((o) => o !== "") };
}

test("the echo template is examples/iterative-server.ts: same packets, same screens", async () => {
  const lab = await labRun("echo");
  const ex = await exampleRun(({ client, server }) => [
    server.spawn("server", echoServer, { daemon: true }),
    client.spawn("client 1", (p) => echoClient(p, ["hello", "world"], 100)),
    client.spawn("client 2", async (p) => { await p.poll([], 50); await echoClient(p, ["second"], 0); }),
  ]);
  assert.ok(lab.packets.length > 20);
  assert.deepEqual(lab.packets, ex.packets);
  assert.deepEqual(lab.screens, ex.screens);
  assert.match(lab.screens[0]!, /sin_port = htons\(9527\) = 0x3725: bytes 25 37 in memory/);
});

test("the chat-tcp template is examples/chat-tcp.ts generation 5, typed the same lines", async () => {
  const lines = ["", "hello", "hi there", "q"];
  const lab = await labRun("chat-tcp", lines);
  const ex = await exampleRun(({ client, server }) => [
    server.spawn("server", (p) => gen5Server(p, 8080, 1)),
    client.spawn("client", (p) => gen4Client(p, ["10.0.0.2", 8080])),
  ], lines);
  assert.deepEqual(lab.packets, ex.packets);
  assert.deepEqual(lab.screens, ex.screens);
  for (const re of [/input cannot be empty!/, /from client: hello/, /from server: hi there/, /connection closed!/, /client left/]) assert.match(lab.screens.join("\n"), re);
});

test("the chat-udp template is examples/chat-udp.ts, typed the same lines", async () => {
  const lines = ["ping", "pong", "", "back", "q"];
  const lab = await labRun("chat-udp", lines);
  const ex = await exampleRun(({ client, server }) => [
    server.spawn("server", (p) => udpServer(p, 8080), { daemon: true }),
    client.spawn("client", (p) => udpClient(p, ["10.0.0.2", 8080])),
  ], lines);
  assert.deepEqual(lab.packets, ex.packets);
  assert.deepEqual(lab.screens, ex.screens);
  assert.match(lab.packets.join("\n"), /UDP, length 0/, "the empty datagram");
});

test("the backlog template is the lecture's programs (src/demo/lecture-scenario.ts): the same packets", async () => {
  const lab = await labRun("backlog");
  const lec = lectureScenario({ seed: SEED, latency: ms(1), sendDelay: ms(100) });
  const cap = new Capture(lec.link.b, "server");
  await lec.net.advance(sec(10));
  const td = new TcpdumpFormatter();
  const lecture = cap.packets.map((r) => td.format(r.bytes, r.t));
  const labBefore10s = lab.packets.slice(0, lecture.length);
  assert.ok(lecture.length > 20);
  assert.deepEqual(labBefore10s, lecture, "until the template's clients exit at 10 s");
  assert.match(lab.screens.join(""), /accepted fd 7 from 10\.0\.0\.1:\d+: "1111"/);
});

test("every template runs to its end without an error; the bulk one moves 10 MB over ten connections", async () => {
  for (const t of LAB_TEMPLATES.filter((x) => !x.interactive && x.name !== "bulk")) { // bulk: below, once
    const s = new LabSession(SEED, { program: t.code, language: "ts" });
    await s.advanceTo(Infinity);
    assert.equal(s.error, null, t.name);
    assert.ok(s.done, t.name);
  }
  const bulk = await labRun("bulk");
  assert.equal(bulk.screens.length, 1);
  assert.equal(bulk.screens[0]!.match(/: 1000000 bytes by/g)?.length, 10);
});
