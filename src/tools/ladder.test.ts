// Ladder diagrams from link captures: golden text for a clean connection
// (handshake, data, close) and for a lossy one (a drop and its
// retransmission), the lecture's SYN retransmissions, and the SVG as a
// well-formed standalone document with the same content.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ms, sec } from "../core/time.js";
import { Network } from "../sim/network.js";
import { Capture } from "./capture.js";
import { LadderBuilder, ladderConnections, ladderEvents } from "./ladder.js";
import { ladderText } from "./ladder-text.js";
import { ladderSvg } from "./ladder-svg.js";
import { lectureScenario } from "../demo/lecture-scenario.js";
import { connectTo, listenOn } from "../../test/helpers/vocabulary.js";
import { formatInetAddress, type InetAddress } from "../net/inet-address.js";

/** A client sends "1111", then "2222" (lost on the way when `lossy`), then closes. */
async function transfer(lossy: boolean): Promise<Capture> {
  const net = new Network({ seed: 1 });
  const c = net.addHost("client");
  const s = net.addHost("server");
  const { link } = net.link(c, s, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(5) });
  const cap = Capture.onLink(link, { a: "client", b: "server" });
  s.spawn("server", async (p) => {
    const l = listenOn(p, 9090, 5);
    const { fd } = await p.accept(l);
    while ((await p.recv(fd, 100)).length > 0);
    await p.close(fd);
  });
  c.spawn("client", async (p) => {
    await net.sleep(ms(1));
    const fd = await connectTo(p, "10.0.0.2", 9090);
    await p.send(fd, "1111");
    await net.sleep(ms(50));
    if (lossy) link.partition("aToB");
    await p.send(fd, "2222");
    await net.sleep(ms(100));
    link.heal("aToB");
    await net.sleep(ms(500));
    await p.close(fd);
  });
  await net.run();
  cap.stop();
  return cap;
}

test("handshake, data and close: one arrow per packet, relative sequence numbers", async () => {
  const cap = await transfer(false);
  assert.equal(ladderText(cap.packets), [
    "     ms  10.0.0.1:54648            10.0.0.2:9090",
    "  1.000         │── S seq 0 ────────────▶│",
    "  6.000         │◀───── S. seq 0 ack 1 ──│",
    " 11.000         │── . ack 1 ────────────▶│",
    " 11.000         │── P. 1:5(4) ack 1 ────▶│",
    " 16.000         │◀──────────── . ack 5 ──│",
    " 61.000         │── P. 5:9(4) ack 1 ────▶│",
    " 66.000         │◀──────────── . ack 9 ──│",
    "661.000         │── F. seq 9 ack 1 ─────▶│",
    "666.000         │◀──── F. seq 1 ack 10 ──│",
    "671.000         │── . ack 2 ────────────▶│",
  ].join("\n"));
  const ev = ladderEvents(cap.packets);
  assert.deepEqual([ev[0]!.sent, ev[0]!.received, ev[0]!.dropped, ev[0]!.retransmission], [ms(1), ms(6), false, false]);
});

test("a lossy transfer: the lost segment stops at ✗, its retransmission is marked (retx)", async () => {
  const cap = await transfer(true);
  assert.equal(ladderText(cap.packets), [
    "     ms  10.0.0.1:54648                   10.0.0.2:9090",
    "  1.000         │── S seq 0 ───────────────────▶│",
    "  6.000         │◀──────────── S. seq 0 ack 1 ──│",
    " 11.000         │── . ack 1 ───────────────────▶│",
    " 11.000         │── P. 1:5(4) ack 1 ───────────▶│",
    " 16.000         │◀─────────────────── . ack 5 ──│",
    " 61.000         │── P. 5:9(4) ack 1 lost ─✗     │",
    "271.000         │── P. 5:9(4) ack 1 (retx) ────▶│",
    "276.000         │◀─────────────────── . ack 9 ──│",
    "661.000         │── F. seq 9 ack 1 ────────────▶│",
    "666.000         │◀─────────── F. seq 1 ack 10 ──│",
    "671.000         │── . ack 2 ───────────────────▶│",
  ].join("\n"));
  const drop = ladderEvents(cap.packets).find((e) => e.dropped)!;
  assert.deepEqual([drop.sent, drop.received, drop.label], [ms(61), null, "P. 5:9(4) ack 1"]);
  // Only one side captured: nothing can be called a drop.
  const sender = cap.packets.filter((r) => r.host === "client" && r.dir === "out");
  assert.ok(ladderEvents(sender).every((e) => !e.dropped));
});

test("leftward drops and relative times", async () => {
  const net = new Network({ seed: 2 });
  const c = net.addHost("client");
  const s = net.addHost("server");
  const { link } = net.link(c, s, { a: "10.0.0.1/24", b: "10.0.0.2/24", latency: ms(5) });
  const cap = Capture.onLink(link, { a: "client", b: "server" });
  link.partition("bToA"); // the SYN-ACK is lost; the server retransmits it
  s.spawn("server", async (p) => {
    const l = listenOn(p, 9090, 5);
    await p.accept(l);
  });
  c.spawn("client", async (p) => {
    await net.sleep(ms(100));
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    const done = p.connect(fd, ["10.0.0.2", 9090]);
    await net.sleep(ms(10));
    link.heal("bToA");
    await done;
  });
  await net.run();
  const text = ladderText(cap.packets, { relativeTime: true }).split("\n");
  assert.match(text[1]!, /^ +0\.000 +│── S seq 0 ─+▶│$/);
  assert.match(text[2]!, /^ +5\.000 +│ +✗─+ S\. seq 0 ack 1 lost ──│$/);
  assert.match(text[3]!, /^1000\.000 +│── S seq 0 \(retx\) ─+▶│$/); // the client gave up waiting first
  assert.match(text[4]!, /│◀─+ S\. seq 0 ack 1 \(retx\) ──│$/);
});

test("the lecture: one column per endpoint, connections listed, the 4th client's SYN retransmitted", async () => {
  const sc = lectureScenario();
  const cap = Capture.onLink(sc.link, { a: "client", b: "server" });
  await sc.net.advance(sec(7));
  const conns = ladderConnections(cap.packets);
  assert.equal(conns.length, 4);
  assert.match(conns[0]!, /^10\.0\.0\.1:\d+ <-> 10\.0\.0\.2:9090$/);
  const all = ladderText(cap.packets).split("\n");
  assert.match(all[0]!, /^ {6}ms {2}10\.0\.0\.1:\d+ {11}10\.0\.0\.1:\d+ .* 10\.0\.0\.2:9090$/);
  assert.equal(all.filter((l) => l.includes("S seq 0 (retx)")).length, 5); // 1.8, 2.8, 3.8, 4.8, 5.8 s
  assert.ok(all.every((l) => !l.includes("✗"))); // the server dropped them, not the link
  const fourth = ladderText(cap.packets, { connection: 3 }).split("\n");
  assert.equal(fourth.length, 1 + 6 + 4); // header, 6 SYNs, SYN-ACK, ACK, data, ACK
  assert.deepEqual(ladderText(cap.packets, { filter: "port 1" }), "(no packets)");
  assert.deepEqual(ladderEvents(cap.packets, { connection: 9 }), []);
});

/** A minimal XML well-formedness check: balanced tags, quoted attributes, escaped text. */
function checkXml(s: string): string[] {
  const tags: string[] = [];
  const stack: string[] = [];
  const body = s.replace(/^<\?xml[^?]*\?>\s*/, "");
  const re = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<&]*(?:&[a-z]+;[^"<&]*)*")*)\s*(\/?)>|([^<]+)/g;
  let consumed = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    assert.equal(m.index, consumed, `unparsable XML at ${m.index}: ${body.slice(consumed, consumed + 40)}`);
    consumed = re.lastIndex;
    if (m[5] !== undefined) {
      assert.ok(!/&(?!(amp|lt|gt|quot|apos);)/.test(m[5]), `bad entity in ${m[5]}`);
      continue;
    }
    const [, close, name, , selfClose] = m;
    if (close) assert.equal(stack.pop(), name);
    else {
      tags.push(name!);
      if (!selfClose) stack.push(name!);
    }
  }
  assert.equal(consumed, body.length);
  assert.deepEqual(stack, []);
  return tags;
}

test("SVG: a well-formed standalone document with a column per endpoint and an arrow per packet", async () => {
  const cap = await transfer(true);
  const svg = ladderSvg(cap.packets, { title: "lossy <transfer>" });
  assert.match(svg, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+" viewBox="0 0 \d+ \d+"/);
  const tags = checkXml(svg);
  assert.equal(tags[0], "svg");
  assert.equal(tags.filter((t) => t === "g").length, 11);
  assert.equal((svg.match(/<g class="drop">/g) ?? []).length, 1);
  assert.equal((svg.match(/<g class="retx">/g) ?? []).length, 1);
  assert.equal((svg.match(/marker-end=/g) ?? []).length, 10); // every delivered packet has an arrowhead
  assert.ok(svg.includes(">lossy &lt;transfer&gt;</text>"));
  for (const ep of ["10.0.0.1:54648", "10.0.0.2:9090"]) assert.ok(svg.includes(`>${ep}</text>`), ep);
  for (const l of ["S seq 0", "S. seq 0 ack 1", "P. 5:9(4) ack 1 (retx)", "F. seq 1 ack 10"]) assert.ok(svg.includes(`>${l}</text>`), l);
});

test("SVG: `last` draws only the last N packets, titled with how many were left out", async () => {
  const cap = await transfer(true);
  const all = ladderEvents(cap.packets);
  const svg = ladderSvg(cap.packets, { last: 3 });
  checkXml(svg);
  assert.ok(svg.includes(`>the last 3 of ${all.length} packets</text>`));
  for (const e of all.slice(-3)) assert.ok(svg.includes(`>${e.label}</text>`), e.label);
  assert.ok(!svg.includes(`>${all[0]!.label}</text>`), "the first packet is left out");
  assert.equal(ladderSvg(cap.packets, { last: all.length }), ladderSvg(cap.packets), "nothing left out: the whole ladder, untitled");
});

const xmllint = ["/usr/bin/xmllint"].find((p) => existsSync(p));

test("SVG passes xmllint", { skip: !xmllint && "xmllint is not installed" }, async () => {
  const sc = lectureScenario();
  const cap = Capture.onLink(sc.link, { a: "client", b: "server" });
  await sc.net.advance(sec(7));
  const dir = mkdtempSync(join(tmpdir(), "sockstack-ladder-"));
  try {
    const f = join(dir, "l.svg");
    writeFileSync(f, ladderSvg(cap.packets, { title: "lecture" }));
    const r = spawnSync(xmllint!, ["--noout", f], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("kernel drops carry their reason, state changes sit on the lifelines, lanes give each connection its columns (text and SVG)", async () => {
  const sc = lectureScenario({ sendDelay: ms(100) });
  const cap = Capture.onLink(sc.link, { a: "client", b: "server" });
  // What the demo context records: every SYN the server dropped for a full accept queue, and the states.
  const drops: { t: number; bytes: Uint8Array; reason: string }[] = [];
  let last: { t: number; bytes: Uint8Array } | null = null;
  sc.link.b.taps.push((p, dir, now) => {
    if (dir === "in") last = { t: now, bytes: p.bytes().slice() };
  });
  const inc = sc.server.counters.inc.bind(sc.server.counters);
  sc.server.counters.inc = (g, n, k) => {
    inc(g, n, k);
    if (n === "ListenOverflows" && last) drops.push({ ...last, reason: "accept queue full" });
  };
  const states: { t: number; endpoint: string; peer: string; state: string }[] = [];
  for (const h of [sc.client, sc.server]) {
    h.tcp.trace = (t, _from, to) => {
      const a = (x: InetAddress) => formatInetAddress(x);
      states.push({ t: sc.net.now(), endpoint: `${a(t.localAddr)}:${t.localPort}`, peer: `${a(t.remoteAddr)}:${t.remotePort}`, state: ["", "ESTABLISHED", "SYN_SENT", "SYN_RECV"][to] ?? String(to) });
    };
  }
  await sc.net.advance(sec(7));
  const text = ladderText(cap.packets, { connection: 3, drops, states }).split("\n");
  assert.equal(text.filter((l) => l.endsWith("✗ accept queue full ────✗│") || /✗ accept queue full ─+✗│$/.test(l)).length, 5);
  assert.ok(text.some((l) => /^ +800\.000 +├ SYN_SENT +│$/.test(l)), text.join("\n"));
  assert.ok(text.some((l) => /├ ESTABLISHED$/.test(l)));
  const ev = ladderEvents(cap.packets, { connection: 3, drops });
  assert.deepEqual(ev.filter((e) => e.dropped).map((e) => e.dropReason), Array<string>(5).fill("accept queue full"));
  // Translated reasons (--lang zh), CJK characters two cells wide: the lifelines stay aligned.
  const zh = ladderText(cap.packets, { connection: 3, drops, translate: () => "全连接队列已满" }).split("\n");
  const bar = (l: string) => [...l].reduce((w, ch) => w + (/[\u4e00-\u9fff]/.test(ch) ? 2 : 1), 0);
  assert.equal(new Set(zh.slice(1).map(bar)).size, 1);
  // Lanes: four connections, eight columns, a lane heading per pair.
  const lanes = ladderText(cap.packets, { lanes: true }).split("\n");
  assert.deepEqual(lanes[0]!.trim().split(/ {2,}/), ["connection 0", "connection 1", "connection 2", "connection 3"]);
  assert.equal(lanes[1]!.split("10.0.0.2:9090").length - 1, 4);
  const svg = ladderSvg(cap.packets, { lanes: true, drops, states });
  assert.equal((svg.match(/<text class="lane"/g) ?? []).length, 4);
  assert.equal((svg.match(/<g class="drop">/g) ?? []).length, 5);
  assert.ok((svg.match(/<g class="state">/g) ?? []).length >= 8);
  assert.ok(svg.includes("S seq 0 (retx) ✗ accept queue full"));
});

test("LadderBuilder: fed as the capture grows, it gives at every step what ladderEvents gives for the whole capture so far; `last` and `visible` draw less of the same SVG", async () => {
  const sc = lectureScenario({ sendDelay: ms(100) });
  sc.net.links[0]!.configure({ loss: 0.2 });
  const cap = Capture.onLink(sc.link, { a: "client", b: "server" });
  const b = new LadderBuilder();
  const perConn = new LadderBuilder();
  let steps = 0;
  for (let t = 0; t <= 7000; t += 50) {
    await sc.net.advance(ms(50));
    b.add(cap.packets);
    perConn.add(cap.packets);
    steps++;
    assert.deepEqual(b.events(), ladderEvents(cap.packets), `all connections at ${t} ms`);
    assert.deepEqual([...b.connections()], ladderConnections(cap.packets), `connections at ${t} ms`);
    if (t % 1000 === 0) {
      for (let c = 0; c < b.connections().length; c++) {
        assert.deepEqual(perConn.events({ connection: c, relativeTime: true }), ladderEvents(cap.packets, { connection: c, relativeTime: true }), `connection ${c} at ${t} ms`);
        assert.equal(perConn.count(c), ladderEvents(cap.packets, { connection: c }).length, `count of connection ${c}`);
      }
    }
  }
  const all = ladderEvents(cap.packets);
  assert.ok(steps > 100 && all.length > 20, "the run was fed in many steps");
  assert.ok(all.some((e) => e.dropped && e.dropReason === "lost"), "the lossy link lost some packets (drawn as drops)");
  assert.ok(all.some((e) => e.retransmission), "and some were retransmitted");
  assert.deepEqual(b.events({ last: 5 }), all.slice(-5), "last: the last five arrows");
  // The SVG from the builder is the SVG from the records.
  assert.equal(ladderSvg(b, { lanes: true, last: 10 }), ladderSvg(cap.packets, { lanes: true, last: 10 }), "builder and records draw the same window");
  // visible: only the rows near those y coordinates, in a document of the same size with the same columns.
  const whole = ladderSvg(b, { lanes: true });
  const part = ladderSvg(b, { lanes: true, visible: { top: 300, bottom: 700 } });
  const size = (svg: string) => /<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg)?.slice(1);
  assert.deepEqual(size(part), size(whole), "the same document size");
  const groups = (svg: string) => svg.split("\n").filter((l) => /^<g class=/.test(l)).length;
  assert.ok(groups(part) > 0 && groups(part) < groups(whole) / 2, `a few rows drawn (${groups(part)} of ${groups(whole)})`);
  const lines = new Set(whole.split("\n"));
  for (const l of part.split("\n")) assert.ok(lines.has(l), `every line drawn is a line of the whole ladder: ${l}`);
  const times = [...part.matchAll(/<text x="\d+" y="([\d.]+)" text-anchor="end" fill="#(?:555|999)">\d/g)];
  assert.ok(times.length > 0, "rows with their send time drawn");
  for (const m of times) {
    const y = Number(m[1]);
    assert.ok(y >= 300 - 60 && y <= 700 + 64, `a row at y ${y} is near the visible range`);
  }
});
