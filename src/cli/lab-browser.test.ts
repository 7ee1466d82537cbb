// The lab in a real browser: the page `sockstack lab` serves, loaded by
// headless Chromium (Debian's chromium-headless-shell or chromium, driven
// through playwright-core). Layout, events and downloads are the browser's
// own, not a stand-in: the views at t = 0, the timeline scrubber forward
// and back (deterministic replay), a tcpdump line decoded on click, the
// loss slider, play/pause, the pcap download, tcpdump on any host with the
// ladder and plots following it, TypeScript programs from the editor (the
// chunk fetched on first use, also from a `--build` folder hosted under a
// path), and no request leaving 127.0.0.1. The simulation runs in a
// Worker, so the page changes a frame or two after an action: every wait
// waits for a change the action causes, never for a condition already
// true before it. Skipped, with the reason, when no Chromium is installed
// (.ci/run installs chromium-headless-shell).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { createServer } from "node:http";
import { captureIo } from "./io.js";
import { labCommand, labFiles, startLabServer, type LabServer } from "./lab.js";
import { TcpdumpFormatter } from "../tools/tcpdump.js";
import { pcapRecords } from "../wire/testdata/pcap-records.js";

/** The page's document, as the functions evaluated in the browser see it (the project compiles without the DOM library). */
declare const document: { getElementById(id: string): { textContent: string | null } | null };

/** The browser binary: $SOCKSTACK_CHROMIUM, else Debian's packages. */
const CHROMIUM = [process.env.SOCKSTACK_CHROMIUM, "/usr/bin/chromium-headless-shell", "/usr/bin/chromium"].find((p) => p && existsSync(p));

/**
 * Where the run's screenshots go: $SOCKSTACK_LAB_SCREENSHOTS (docs/images
 * when the docs' pictures are refreshed), else a folder in the temp dir.
 */
const SHOTS = process.env.SOCKSTACK_LAB_SCREENSHOTS ?? join(tmpdir(), "sockstack-lab-screenshots");

let browser: Browser | null = null;
let srv: LabServer | null = null;

before(async () => {
  if (!CHROMIUM) return;
  const { chromium } = await import("playwright-core");
  srv = await startLabServer(await labFiles(), 0);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"], timeout: 30_000 });
});

after(async () => {
  await browser?.close();
  await srv?.close();
});

const skip = CHROMIUM ? false : "no Chromium (apt-get install chromium-headless-shell, or set SOCKSTACK_CHROMIUM)";

/** A fresh page on the lab, with every request and console error recorded. */
async function openLab(): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const context = await browser!.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(srv!.url);
  await page.waitForFunction(() => /LISTEN/.test(document.getElementById("ss-server")?.textContent ?? ""));
  return { page, requests, errors };
}

/**
 * Moves the timeline scrubber to `ms` and waits until the clock shows it.
 * The clock must show another instant before (a wait already true would
 * pass before the Worker redrew): a paused redraw posts the clock and
 * every view together, so once the clock shows `ms` the views do too.
 */
async function scrubTo(page: Page, ms: number): Promise<void> {
  const shown = `t = ${(ms / 1000).toFixed(3)} s`;
  assert.notEqual(await page.locator("#clock").innerText(), shown, `scrubTo(${ms}): the clock already shows it, so the wait could not see the scrub`);
  await page.locator("#scrub").fill(String(ms));
  await page.waitForFunction((want) => document.getElementById("clock")?.textContent === want, shown);
}

/** The clock's seconds. */
const clockSeconds = `Number(/t = ([\\d.]+) s/.exec(document.getElementById("clock")?.textContent ?? "")?.[1] ?? NaN)`;

const text = (page: Page, id: string) => page.locator(`#${id}`).innerText();

test("in Chromium without Worker support: the page simulates on its own thread, the same packets", { skip, timeout: 90_000 }, async () => {
  const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.addInitScript("delete globalThis.Worker");
  await page.goto(srv!.url);
  await page.waitForFunction(() => /LISTEN/.test(document.getElementById("ss-server")?.textContent ?? ""));
  assert.match(await text(page, "summary"), /simulated in this page$/, "no Worker: the page's own thread");
  await scrubTo(page, 2000);
  const inPage = await text(page, "tcpdump");
  const { page: workerPage } = await openLab();
  await scrubTo(workerPage, 2000);
  assert.equal(await text(workerPage, "tcpdump"), inPage, "the Worker and the page give the same packets");
  assert.match(await text(page, "ss-server"), /LISTEN\s+3\s+2\s+0\.0\.0\.0:9090/, "accept queue full (B2)");
  await workerPage.context().close();
  await context.close();
});

test("in Chromium: the lecture at t = 0, scrubbed to 2 s and back, a packet decoded", { skip, timeout: 90_000 }, async () => {
  const { page, requests, errors } = await openLab();
  assert.match(await text(page, "summary"), /simulated in a Web Worker of this page$/, "the simulation and the views' computation run in the Worker");
  assert.match(await text(page, "sockets-server"), /LISTEN 0\.0\.0\.0:9090[\s\S]*accept queue 0 of 3 \(backlog 2\)/);
  assert.match(await text(page, "topology"), /10\.0\.0\.1\/24[\s\S]*10\.0\.0\.2\/24/);

  await scrubTo(page, 2000);
  assert.match(await text(page, "ss-server"), /LISTEN\s+3\s+2\s+0\.0\.0\.0:9090/, "accept queue full (B2)");
  assert.equal(await page.locator('#sockets-server [data-accept="3"] .slot.est').count(), 3, "three filled slots in the accept queue");
  assert.match(await text(page, "sockets-server"), /full/);
  assert.match(await text(page, "sockets-client"), /SYN-SENT[\s\S]*timer on fires in \d+ ms \(\d retransmissions\)/, "the fourth client's SYN timer");
  assert.ok(await page.locator("#ladder svg .drop").count() >= 2, "the fourth client's SYN and its retransmission, dropped, in the ladder");
  assert.match(await text(page, "ladder"), /accept queue full/);
  const at2s = (await text(page, "tcpdump")).split("\n");
  assert.ok(at2s.length >= 10, `${at2s.length} packets by 2 s`);

  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, "lab-lecture-2s.png") });

  // The host-tools pane prints what the CLI prints; the strace pane every call so far.
  assert.match(await text(page, "tool-out"), /^Active Internet connections \(servers and established\)\n[\s\S]*0\.0\.0\.0:9090 +0\.0\.0\.0:\* +LISTEN +1000\/server/);
  await page.locator("#tool-host").selectOption("client");
  await page.locator("#tool").selectOption("lsof");
  // The Worker redraws what a control changed: its writes reach the page a little later. Wait for lsof's
  // "(SYN_SENT)" (netstat on the client, after the first of the two changes, prints SYN_SENT bare) and its arguments.
  await page.waitForFunction(() => /\(SYN_SENT\)/.test(document.getElementById("tool-out")?.textContent ?? "") && (document.getElementById("tool-args") as unknown as { value: string } | null)?.value === "-nP -i");
  assert.equal(await page.locator("#tool-args").inputValue(), "-nP -i");
  assert.match(await text(page, "tool-out"), /client +1003 root +3u +IPv4 .* TCP 10\.0\.0\.1:\d+->10\.0\.0\.2:9090 \(SYN_SENT\)/);
  await page.locator("#tool-args").fill("-j");
  await page.locator("#tool-args").press("Enter");
  await page.locator("#tool").focus(); // change fires on blur
  await page.waitForFunction(() => document.getElementById("tool-out")?.textContent === "lsof: illegal option character: j");
  assert.equal(await text(page, "tool-out"), "lsof: illegal option character: j", "bad arguments: the tool's one-line reason");
  assert.match(await text(page, "strace"), /^\[pid +1000\] 00:00:00\.000000 socket\(AF_INET, SOCK_STREAM, IPPROTO_IP\) = 3\n[\s\S]*listen\(3, 2\) = 0/);

  // Click the fourth line (the first client's data): its -v -X decode.
  await page.locator('#tcpdump .pkt[data-i="3"]').click();
  await page.waitForFunction(() => /length 56/.test(document.getElementById("packet-detail")?.textContent ?? ""));
  await page.locator("#packet-detail").screenshot({ path: join(SHOTS, "lab-packet-detail.png") });
  const detail = await text(page, "packet-detail");
  assert.match(detail, /^\d\d:\d\d:\d\d\.\d{6} IP \(tos 0x0, ttl 64, id \d+, offset 0, flags \[DF\], proto TCP \(6\), length 56\)/);
  assert.match(detail, /10\.0\.0\.1\.\d+ > 10\.0\.0\.2\.9090: Flags \[P\.\], cksum 0x[0-9a-f]{4} \(correct\), seq \d+:\d+, ack \d+/);
  assert.match(detail, /\n\s+0x0000: {2}4500 0038 /);
  assert.match(detail, /1111\n?$/, "the payload in the ASCII column");

  // Click an arrow of the ladder (the fourth client's SYN the full accept queue dropped): its -v -X decode.
  await page.locator("#ladder svg g.drop[data-pkt]").first().locator("text").last().click();
  await page.waitForFunction(() => /length 60/.test(document.getElementById("packet-detail")?.textContent ?? ""));
  const arrow = await text(page, "packet-detail");
  assert.match(arrow, /proto TCP \(6\), length 60\)\n\s+10\.0\.0\.1\.\d+ > 10\.0\.0\.2\.9090: Flags \[S\], cksum 0x[0-9a-f]{4} \(correct\), seq \d+,/, "the ladder arrow clicked, decoded");
  assert.match(arrow, /\n\s+0x0000: {2}4500 003c /, "in hex");
  // The sockets view: snd.una/snd.nxt/rcv.nxt and the out-of-order queue of a connection.
  assert.match(await text(page, "sockets-client"), /snd\.una 5 · snd\.nxt 5 · rcv\.nxt 1 \(relative: iss \d+, irs \d+\) · out-of-order queue empty/);

  // Back to 0.5 s: replayed from t = 0, the same first packets.
  await scrubTo(page, 500);
  const at05 = (await text(page, "tcpdump")).split("\n");
  assert.ok(at05.length > 0 && at05.length < at2s.length);
  assert.deepEqual(at05, at2s.slice(0, at05.length));
  // Step ▸ packet: exactly the next packet, the one the 2 s run had next.
  await page.locator("#step").click();
  await page.waitForFunction((n) => (document.getElementById("tcpdump")?.textContent ?? "").split("\n").length > n, at05.length);
  const stepped = (await text(page, "tcpdump")).split("\n");
  assert.ok(stepped.length > at05.length, "one step: the next packet (with any captured at the same instant)");
  assert.deepEqual(stepped, at2s.slice(0, stepped.length), "the same packets as the 2 s run had next");
  assert.equal(new Set(stepped.slice(at05.length).map((l) => l.slice(0, 15))).size, 1, "all at one instant");

  assert.deepEqual(errors, []);
  assert.deepEqual(requests.filter((u) => !u.startsWith(srv!.url)), [], "nothing fetched from elsewhere");
  // lab.js twice: the page's script, and the same script as the Worker that learns where a run ends.
  assert.deepEqual(requests.map((u) => new URL(u).pathname).sort(), ["/", "/lab.css", "/lab.js", "/lab.js"]);
  await page.context().close();
});

test("in Chromium: link controls act at the current instant and replay when scrubbed back; play advances; the pcap downloads", { skip, timeout: 90_000 }, async (t) => {
  const { page, errors } = await openLab();
  await scrubTo(page, 1000);
  await page.locator("#loss").fill("20");
  await page.waitForFunction(() => /loss 20\.0%/.test(document.getElementById("status")?.textContent ?? ""));
  assert.match(await text(page, "topology"), /loss 20\.0%/);
  assert.match(await text(page, "timeline"), /^1\.000 s {2}every link: 50 µs ±0 ms, loss 20\.0%/);
  await page.locator("#partition").click();
  await page.waitForFunction(() => /partitioned/.test(document.getElementById("timeline")?.textContent ?? ""));
  assert.equal(await text(page, "partition"), "heal link");
  await scrubTo(page, 3000);
  const before = await text(page, "tcpdump");
  assert.match(await text(page, "sockets-client"), /SYN-SENT[\s\S]*timer on/, "the fourth client retries into the partition");
  await scrubTo(page, 500); // replayed from t = 0 …
  await scrubTo(page, 3000); // … and forward again, through the same actions
  assert.equal(await text(page, "tcpdump"), before, "same seed and actions, same packets");
  assert.match(await text(page, "timeline"), /link partitioned/);
  assert.match(await text(page, "topology"), /partitioned[\s\S]*loss 20\.0%|loss 20\.0%[\s\S]*partitioned/, "the replay redraws the link as it is now");

  await page.locator("#speed").selectOption("4");
  await page.locator("#play").click();
  // The clock stood at 3 s: wait for it to move on (the run plays), then for the pause's whole redraw.
  await page.waitForFunction(`${clockSeconds} > 3.05`);
  await page.locator("#play").click(); // pause
  await page.waitForFunction(() => /· (paused|end of the run)$/.test(document.getElementById("status")?.textContent ?? ""));
  const lines = (await text(page, "tcpdump")).split("\n").length;
  assert.ok(lines > 0);

  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#pcap").click()]);
  assert.match(download.suggestedFilename(), /^sockstack-lecture-seed0\.pcap$/);
  const bytes = readFileSync((await download.path())!);
  assert.equal(bytes.readUInt32LE(0), 0xa1b2c3d4, "pcap magic");
  let off = 24, records = 0;
  while (off < bytes.length) {
    off += 16 + bytes.readUInt32LE(off + 8);
    records++;
  }
  assert.equal(off, bytes.length, "whole records");
  assert.ok(records >= lines, `${records} records, ${lines} lines shown`);
  // Decoded with the project's own parser: the records are the packets the tcpdump pane shows, line for line.
  const td = new TcpdumpFormatter();
  const file = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  let at = 24;
  const decoded = pcapRecords(file).map((r) => {
    const line = td.format(r.data, bytes.readUInt32LE(at) * 1_000_000 + bytes.readUInt32LE(at + 4)); // the record's time stamp
    at += 16 + r.data.length;
    return line;
  });
  assert.deepEqual(decoded, (await text(page, "tcpdump")).split("\n"), "the pcap's packets, decoded, are the tcpdump pane's lines");
  const tshark = ["/usr/bin/tshark"].find((p) => existsSync(p));
  if (tshark) {
    const f = join(mkdtempSync(join(tmpdir(), "sockstack-lab-pcap-")), "lab.pcap");
    writeFileSync(f, bytes);
    const r = spawnSync(tshark, ["-n", "-r", f, "-T", "fields", "-e", "tcp.flags.str"], { encoding: "utf8" });
    assert.equal(r.status, 0, `tshark reads the pcap: ${r.stderr}`);
    rmSync(join(f, ".."), { recursive: true, force: true });
    assert.equal(r.stdout.trim().split("\n").length, records, "tshark: one TCP packet per record");
  } else t.diagnostic("tshark is not installed: the pcap checked by the project's parser only");
  await page.screenshot({ path: join(SHOTS, "lab-partition-lossy.png") });

  // Reset with the loss slider at 20 %: the link loses packets from t = 0, the ladder shows them lost and their retransmissions.
  await page.locator("#reset").click();
  // The status showed loss 20 % already: wait for the reset itself (the clock back at 0), with the loss kept.
  await page.waitForFunction(() => document.getElementById("clock")?.textContent === "t = 0.000 s" && /loss 20\.0%/.test(document.getElementById("status")?.textContent ?? ""));
  await scrubTo(page, 6000);
  assert.match(await text(page, "ladder"), / lost/, "packets the lossy link lost, in the ladder");
  assert.ok(await page.locator("#ladder svg g.retx").count() > 0, "and their retransmissions");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("in Chromium: the scenario picker runs another demo scenario, narrated in either language", { skip, timeout: 90_000 }, async () => {
  const { page, errors } = await openLab();
  const names = await page.locator("#scenario option").evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
  assert.equal(names[0], "lecture");
  assert.ok(names.includes("time-wait") && names.length >= 9, names.join(" "));
  await page.locator("#scenario").selectOption("time-wait");
  await page.waitForFunction(() => /time-wait · seed 0/.test(document.getElementById("status")?.textContent ?? ""));
  // The end of the run is learned from a headless run: the scrubber's maximum.
  await page.waitForFunction(() => Number(document.getElementById("scrub-max")?.textContent) > 60_000);
  await scrubTo(page, 50);
  assert.match(await text(page, "narration"), /^sockstack demo time-wait \(seed 0\)\n[\s\S]*\[0\.004000\] server server-v1\[1000\]: close\(4\) += 0/);
  assert.match(await text(page, "ss-server"), /TIME-WAIT\s+0\s+0\s+10\.0\.0\.2:9090\s+10\.0\.0\.1:\d+\s+timer:\(timewait,\d+sec,0\)/, "F6: the server closed first");
  assert.doesNotMatch(await text(page, "narration"), /EADDRINUSE/, "only what happened so far");
  await scrubTo(page, 200);
  assert.match(await text(page, "narration"), /The side that closes first goes through TIME-WAIT/);
  assert.match(await text(page, "narration"), /bind\(3, .*\) = -1 EADDRINUSE \(Address already in use\)/, "F6: restarting at once fails");
  await page.locator("#lang").selectOption("zh");
  await page.waitForFunction(() => /[\u4e00-\u9fff]{4,}/.test(document.getElementById("narration")?.textContent ?? ""));
  assert.match(await text(page, "narration"), /[\u4e00-\u9fff]{4,}/, "Chinese narration");
  assert.match(await text(page, "narration"), /EADDRINUSE/, "tool and syscall lines stay as the tools print them");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("in Chromium: per-link controls — a link picked in the topology gets its own loss, latency and partition", { skip, timeout: 90_000 }, async () => {
  const { page, errors } = await openLab();
  await page.locator("#scenario").selectOption("heartbeat");
  await page.waitForFunction(() => /heartbeat · seed 0/.test(document.getElementById("status")?.textContent ?? ""));
  await scrubTo(page, 1000);
  assert.equal(await page.locator("#topology g[data-link]").count(), 2, "two links, each clickable");
  await page.locator('#topology g[data-link="1"] line').first().click({ force: true });
  await page.waitForFunction(() => (document.getElementById("link-pick") as unknown as { value: string } | null)?.value === "1" && (document.getElementById("latency") as unknown as { value: string } | null)?.value === "1000" && /link 1/.test(document.getElementById("partition")?.textContent ?? ""));
  assert.equal(await page.locator("#topology g.link.sel").getAttribute("data-link"), "1", "the picked link is highlighted");
  assert.equal(await page.locator("#latency").inputValue(), "1000", "the controls show link 1's latency");
  await page.locator("#loss").fill("10");
  await page.locator("#latency").selectOption("10000");
  await page.waitForFunction(() => /link 1: 10000 µs, loss 10\.0%/.test(document.getElementById("topology")?.textContent ?? "") && /link 1: 10000 µs/.test(document.getElementById("timeline")?.textContent ?? ""));
  assert.match(await text(page, "topology"), /link 0: 1000 µs(?!,)/, "link 0 untouched");
  assert.match(await text(page, "timeline"), /^1\.000 s {2}link 1: 1000 µs ±0 ms, loss 10\.0%[\s\S]*\n1\.000 s {2}link 1: 10000 µs/, "what you did names the link");
  assert.match(await text(page, "status"), /link 1 loss 10\.0%/);
  await page.locator("#partition").click();
  await page.waitForFunction(() => /link 1 partitioned/.test(document.getElementById("timeline")?.textContent ?? "") && document.getElementById("partition")?.textContent === "heal link 1");
  assert.equal(await text(page, "partition"), "heal link 1");
  // Link 0 picked from the select: its own (unimpaired) values come back into the controls.
  await page.locator("#link-pick").selectOption("0");
  await page.waitForFunction(() => (document.getElementById("loss") as unknown as { value: string } | null)?.value === "0" && document.getElementById("partition")?.textContent === "partition link 0");
  assert.equal(await text(page, "partition"), "partition link 0");
  await scrubTo(page, 500);
  await scrubTo(page, 1200); // replayed: the link actions come back at 1 s
  assert.match(await text(page, "topology"), /link 1: 10000 µs, loss 10\.0%[\s\S]*partitioned|partitioned[\s\S]*link 1: 10000 µs, loss 10\.0%/);
  await page.screenshot({ path: join(SHOTS, "lab-per-link.png") });
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("in Chromium: tcpdump on any host — the host picked, -i any, a filter, a line decoded, a bad flag explained, the pcap of the pane; the ladder and plots follow it", { skip, timeout: 90_000 }, async () => {
  const { page, errors } = await openLab();
  await scrubTo(page, 2000);
  assert.equal(await page.locator("#tcpdump-host").inputValue(), "server", "the capture point's host first");
  assert.equal(await page.locator("#tcpdump-args").inputValue(), "-nn -i eth0");
  // Until a host is picked, the ladder shows both ends of the link and the plots the capture point, and say so.
  assert.match(await text(page, "ladder-point"), /^both ends of the link \(pick a host in the tcpdump pane/);
  assert.match(await text(page, "plot-point"), /^server's eth0 \(the scenario's capture point/);
  assert.ok(await page.locator("#ladder svg g.drop").count() >= 2, "the full accept queue's drops, seen on the wire");
  const serverText = await text(page, "tcpdump");
  const server = serverText.split("\n");
  await page.locator("#tcpdump-host").selectOption("client");
  // The server's pane shows the client's SYN too: wait for the pane to be redrawn (in Worker mode a frame or two later).
  await page.waitForFunction((before) => {
    const now = (document.getElementById("tcpdump") as unknown as { innerText: string } | null)?.innerText ?? "";
    return now !== before && /^\S+ IP 10\.0\.0\.1\.\d+ > 10\.0\.0\.2\.9090: Flags \[S\]/.test(now);
  }, serverText);
  const client = (await text(page, "tcpdump")).split("\n");
  assert.equal(client.length, server.length, "the client's eth0 sees every packet of the link too");
  // The ladder and the plots follow the host picked: the client's eth0, which never sees the server's kernel drop the SYNs.
  await page.waitForFunction(() => /^client's eth0, as the tcpdump pane shows it/.test(document.getElementById("ladder-point")?.textContent ?? "") && /^client's eth0/.test(document.getElementById("plot-point")?.textContent ?? ""));
  assert.equal(await text(page, "ladder-point"), "client's eth0, as the tcpdump pane shows it (tcpdump -nn -i eth0)");
  assert.equal(await page.locator("#ladder svg g[data-pkt]").count(), client.length, "one arrow per packet the pane lists");
  assert.equal(await page.locator("#ladder svg g.drop").count(), 0, "no drop marks: the client cannot see the server's kernel drop its SYNs");
  assert.match(await page.locator("#plot-tsg").innerHTML(), /<svg/, "the time-sequence plot, drawn from the client's capture");
  assert.notDeepEqual(client, server, "at its own instants (the link's 50 µs)");
  await page.locator("#tcpdump-args").fill("-nn -i any tcp[tcpflags] & tcp-syn != 0 and src host 10.0.0.1");
  await page.locator("#tcpdump-args").press("Enter");
  await page.waitForFunction(() => /eth0 {2}Out IP/.test(document.getElementById("tcpdump")?.textContent ?? "") && /every interface/.test(document.getElementById("tcpdump-title")?.textContent ?? ""));
  const syns = (await text(page, "tcpdump")).split("\n");
  assert.ok(syns.length >= 5 && syns.every((l) => /eth0 {2}Out IP 10\.0\.0\.1\.\d+ > 10\.0\.0\.2\.9090: Flags \[S\]/.test(l)), syns.join("\n"));
  assert.match(await text(page, "tcpdump-title"), /every interface/);
  // The filter narrows the ladder too: the SYNs only.
  await page.waitForFunction((n) => /^client's every interface/.test(document.getElementById("ladder-point")?.textContent ?? "") && (document.getElementById("ladder") as unknown as { querySelectorAll(s: string): { length: number } }).querySelectorAll("svg g[data-pkt]").length === n, syns.length);
  assert.equal(await page.locator("#ladder svg g.retx").count(), syns.length - 4, "four first SYNs, the rest the fourth client's retransmissions");
  await page.locator("#ladder-pane").screenshot({ path: join(SHOTS, "lab-ladder-point.png") });
  await page.locator('#tcpdump .pkt[data-i="4"]').click();
  await page.waitForFunction(() => /0x0000: {2}4500 003c/.test(document.getElementById("packet-detail")?.textContent ?? ""));
  assert.match(await text(page, "packet-detail"), /Flags \[S\], cksum 0x[0-9a-f]+ \(correct\)/, "the fifth SYN decoded -v -X");
  await page.locator("section.pane:has(#tcpdump)").screenshot({ path: join(SHOTS, "lab-tcpdump-host.png") });
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#pcap").click()]);
  const bytes = readFileSync((await download.path())!);
  assert.equal(pcapRecords(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)).length, syns.length, "the pcap holds what the pane shows");
  await page.locator("#tcpdump-args").fill("-nn -Q");
  await page.locator("#tcpdump-args").press("Enter");
  await page.waitForFunction(() => /invalid option -- 'Q'/.test(document.getElementById("tcpdump")?.textContent ?? ""));
  await page.locator("#tcpdump-args").fill("-nn -i eth0 port 9090");
  await page.locator("#tcpdump-args").press("Enter");
  await page.waitForFunction((n) => (document.getElementById("tcpdump")?.textContent ?? "").split("\n").length === n, client.length);
  assert.deepEqual((await text(page, "tcpdump")).split("\n"), client, "port 9090 selects every packet of the lecture");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("in Chromium: write your own in TypeScript — the transform loads on first use, a TS server and client run, errors show line:column, an infinite loop is stopped, runs are deterministic", { skip, timeout: 120_000 }, async () => {
  const { page, errors, requests } = await openLab();
  const templates = await page.locator("#template option").evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
  assert.deepEqual(templates.slice(0, 4), ["echo", "backlog", "chat-tcp", "chat-udp"]);
  assert.match(await page.locator("#program").inputValue(), /^\/\/ Seed 4's iterative server[\s\S]*async function server\(p: Process\): Promise<never> \{/, "the templates are TypeScript");
  assert.equal(await page.locator("#program-lang").inputValue(), "ts");
  assert.match(await text(page, "program-lines"), /^1\n2\n3\n/);
  assert.ok(!requests.some((u) => u.endsWith("/lab-ts.js")), "the TypeScript chunk is not loaded with the page");

  // A server and a client written here, in TypeScript (an interface, annotations, a generic, `as`).
  await page.locator("#program").fill([
    "interface Greeting { text: string; times: number }",
    "const dec = new TextDecoder();",
    "const first = <T,>(xs: T[]): T => xs[0] as T;",
    "serverHost.spawn('ts-server', async (p: Process): Promise<void> => {",
    "  const lfd: number = p.socket('AF_INET', 'SOCK_STREAM');",
    "  p.bind(lfd, ['0.0.0.0', 7000]);",
    "  p.listen(lfd, 1);",
    "  const { fd } = await p.accept(lfd);",
    "  const data = await p.recv(fd, 100) as Uint8Array;",
    "  await p.write(1, `server got ${dec.decode(data)}\\n`);",
    "  await p.send(fd, dec.decode(data).toUpperCase());",
    "  await p.close(fd);",
    "}, { daemon: true });",
    "clientHost.spawn('ts-client', async (p: Process) => {",
    "  const g: Greeting = { text: first(['hello from ts', 'x']), times: 1 };",
    "  const fd = p.socket('AF_INET', 'SOCK_STREAM');",
    "  await p.connect(fd, ['10.0.0.2', 7000]);",
    "  await p.send(fd, g.text);",
    "  await p.write(1, `client got ${dec.decode(await p.recv(fd, 100))} (${g.times})\\n`);",
    "  await p.close(fd);",
    "});",
    "",
  ].join("\n"));
  await page.locator("#speed").selectOption("4");
  await page.locator("#run-program").click(); // runs and plays
  await page.waitForFunction(() => /your program .* end of the run/.test(document.getElementById("status")?.textContent ?? ""));
  assert.deepEqual(requests.filter((u) => u.endsWith("/lab-ts.js")).length, 1, "the TypeScript chunk fetched once, on the first TypeScript run");
  const ts = await text(page, "processes");
  assert.match(ts, /server: ts-server\[1000\] · exited 0\n+server got hello from ts/, ts);
  assert.match(ts, /client: ts-client\[1000\] · exited 0\n+client got HELLO FROM TS \(1\)/, ts);
  assert.match(await text(page, "program-status"), /the program ended/);

  // The echo template (TypeScript, seed 4's server and client): its screens, the ladder, ss.
  await page.locator("#template").selectOption("echo");
  await page.waitForFunction(() => /^\/\/ Seed 4's iterative server/.test((document.getElementById("program") as unknown as { value: string } | null)?.value ?? ""));
  await page.locator("#run-program").click();
  // The TS program's end showed "end of the run" already: wait for the echo's own screens.
  await page.waitForFunction(() => /end of the run/.test(document.getElementById("status")?.textContent ?? "") && /client 2\[1001\] · exited 0/.test(document.getElementById("processes")?.textContent ?? ""));
  const procs = await text(page, "processes");
  assert.match(procs, /server: server\[1000\] · running\n+listening, lfd = 3, sin_port = htons\(9527\) = 0x3725: bytes 25 37 in memory\ncfd = 4, client 10\.0\.0\.1:\d+/);
  assert.match(procs, /client: client 1\[1000\] · exited 0\n+connected \(fd 3\)\nsent "hello"\ngot "HELLO"\nsent "world"\ngot "WORLD"/);
  assert.match(procs, /client: client 2\[1001\] · exited 0\n+connected \(fd 3\)\nsent "second"\ngot "SECOND"/);
  assert.ok(await page.locator("#ladder svg line").count() > 10, "the ladder drawn from the program's packets");
  assert.match(await text(page, "ss-server"), /LISTEN\s+0\s+128\s+0\.0\.0\.0:9527/);
  const first = await text(page, "tcpdump");
  mkdirSync(SHOTS, { recursive: true });
  await page.locator("#program-pane").screenshot({ path: join(SHOTS, "lab-program.png") });

  // The same program and seed again: the same packets. Run it on seed 1 first (other ISNs, other lines),
  // so that the wait for seed 0's lines again cannot be met by what the page showed before.
  await page.locator("#seed").fill("1");
  await page.locator("#seed").press("Enter");
  await page.locator("#run-program").click();
  await page.waitForFunction((before) => {
    const now = (document.getElementById("tcpdump") as unknown as { innerText: string } | null)?.innerText ?? "";
    return now !== "" && now !== before && /seed 1 /.test(document.getElementById("status")?.textContent ?? "");
  }, first);
  await page.locator("#seed").fill("0");
  await page.locator("#seed").press("Enter");
  await page.locator("#run-program").click();
  const same = await page.waitForFunction((want) => (document.getElementById("tcpdump") as unknown as { innerText: string } | null)?.innerText === want, first, { timeout: 20_000 }).then(() => true, () => false);
  assert.ok(same, `deterministic with the seed: seed 0 again gives the same packets\n${await text(page, "tcpdump")}`);

  // A syntax error of the transform: line and column, the line marked in the gutter.
  await page.locator("#program").fill("const a: number = 1;\nserverHost.spawn('x', async (p: Process) => {\n  let y: number = ;\n});\n");
  await page.locator("#run-program").click();
  await page.waitForFunction(() => /SyntaxError/.test(document.getElementById("program-status")?.textContent ?? ""));
  assert.equal(await text(page, "program-status"), "line 3:19: SyntaxError: Unexpected token");
  assert.equal(await page.locator("#program-lines .err").innerText(), "3");
  await page.locator("#program-pane").screenshot({ path: join(SHOTS, "lab-program-error.png") });

  // The same mistake in JavaScript: the engine's own message, with its line.
  await page.locator("#program-lang").selectOption("js");
  await page.locator("#program").fill("const a = 1;\nserverHost.spawn('x', async (p) => {\n  let y = ;\n});\n");
  await page.locator("#run-program").click();
  await page.waitForFunction(() => /^line 3: SyntaxError/.test(document.getElementById("program-status")?.textContent ?? ""));
  assert.equal(await text(page, "program-status"), "line 3: SyntaxError: Unexpected token ';'");
  // Picking a template brings the editor back to TypeScript, the templates' language.
  await page.locator("#template").selectOption("backlog");
  await page.waitForFunction(() => (document.getElementById("program-lang") as unknown as { value: string } | null)?.value === "ts" && /^\/\/ The lecture's experiment/.test((document.getElementById("program") as unknown as { value: string } | null)?.value ?? ""));

  // A runtime error in a process: on its stderr, with the TypeScript's line.
  await page.locator("#program").fill("type Fd = number;\nclientHost.spawn('c', async (p: Process) => {\n  const fd: Fd = p.socket('AF_INET', 'SOCK_STREAM');\n  await p.connect(fd, ['10.0.0.2', 1]);\n});\n");
  await page.locator("#run-program").click();
  await page.waitForFunction(() => /Connection refused/.test(document.getElementById("processes")?.textContent ?? ""));
  assert.match(await text(page, "processes"), /client: c\[1000\] · exited 1\n+c\[1000\]: line 4: connect: Connection refused/);

  // An infinite loop: stopped by the loop budget, the page still answers.
  const t0 = Date.now();
  await page.locator("#program").fill("serverHost.spawn('spin', async (p: Process) => {\n  let i: number = 0;\n  while (true) i++;\n});\nclientHost.spawn('fine', async (p: Process) => { await p.write(1, 'still here\\n'); });\n");
  await page.locator("#run-program").click();
  await page.waitForFunction(() => /a loop ran 10,000,000 times/.test(document.getElementById("processes")?.textContent ?? ""));
  assert.match(await text(page, "processes"), /server: spin\[1000\] · exited 1\n+spin\[1000\]: line 3: a loop ran 10,000,000 times at t = 0\.000 ms without virtual time moving \(an infinite loop\?\): stopped/);
  await page.waitForFunction(() => /still here/.test(document.getElementById("processes")?.textContent ?? ""));
  assert.ok(Date.now() - t0 < 30_000, `stopped in ${Date.now() - t0} ms`);
  assert.equal(await page.evaluate("1 + 1"), 2, "the page answers");

  // Ambient time is refused with a clear reason.
  await page.locator("#program").fill("clientHost.spawn('t', async () => {\n  setTimeout(() => {}, 10);\n});\n");
  await page.locator("#run-program").click();
  await page.waitForFunction(() => /setTimeout is not available/.test(document.getElementById("processes")?.textContent ?? ""));
  assert.match(await text(page, "processes"), /t\[1000\]: line 2: setTimeout is not available: the simulation runs on virtual time/);
  assert.equal(requests.filter((u) => u.endsWith("/lab-ts.js")).length, 1, "still fetched once");
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("in Chromium: the `sockstack lab --build` folder hosted by a plain static server under a path runs a TypeScript program (the chunk fetched from beside lab.js)", { skip, timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "sockstack-lab-site-"));
  const io = captureIo();
  assert.equal(await labCommand(["--build", dir], io), 0, io.stderr.join("\n"));
  // Any static server: files by name from the folder, under /courses/tcp/.
  const server = createServer((req, res) => {
    const m = /^\/courses\/tcp\/([\w.-]*)$/.exec((req.url ?? "").split("?")[0]!);
    const name = m ? m[1] || "index.html" : null;
    if (!name || !existsSync(join(dir, name))) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "content-type": name.endsWith(".html") ? "text/html" : name.endsWith(".css") ? "text/css" : "text/javascript" }).end(readFileSync(join(dir, name)));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 } });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const requests: string[] = [];
    page.on("request", (r) => requests.push(new URL(r.url()).pathname));
    await page.goto(`http://127.0.0.1:${port}/courses/tcp/`);
    await page.waitForFunction(() => /LISTEN/.test(document.getElementById("ss-server")?.textContent ?? ""));
    await page.locator("#speed").selectOption("4");
    await page.locator("#run-program").click(); // the echo template, TypeScript
    await page.waitForFunction(() => /your program .* end of the run/.test(document.getElementById("status")?.textContent ?? "") && /client 2\[1001\] · exited 0/.test(document.getElementById("processes")?.textContent ?? ""));
    assert.match(await text(page, "processes"), /got "SECOND"/);
    assert.ok(requests.includes("/courses/tcp/lab-ts.js"), `the chunk fetched beside lab.js: ${requests.join(" ")}`);
    assert.ok(requests.every((p) => p.startsWith("/courses/tcp/")), `nothing from elsewhere: ${requests.join(" ")}`);
  } finally {
    await context.close();
    await new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
    rmSync(dir, { recursive: true, force: true });
  }
});

test("in Chromium: the TCP chat — each process's screen, a line typed into its stdin, replayed when scrubbed back", { skip, timeout: 90_000 }, async () => {
  const { page, errors } = await openLab();
  await page.locator("#scenario").selectOption("chat-tcp");
  await page.locator("#speed").selectOption("4");
  await page.locator("#play").click();
  await page.waitForFunction(() => /chat-tcp · seed 0 .* waiting for input/.test(document.getElementById("status")?.textContent ?? ""));
  assert.match(await text(page, "processes"), /client: client\[1000\] · reading stdin\n+to server: $/m);
  assert.match(await page.locator("#stdin-target").inputValue(), /^client:1000$/, "the reader is chosen");
  await page.locator("#stdin-line").fill("hello");
  await page.locator("#stdin-line").press("Enter");
  // While playing the views are redrawn in turn; waiting for input again, all of them at once.
  await page.waitForFunction(() => /from client: hello\nreply: /.test(document.getElementById("processes")?.textContent ?? "") && /waiting for input/.test(document.getElementById("status")?.textContent ?? ""));
  await page.waitForFunction(() => (document.getElementById("stdin-target") as unknown as { value: string } | null)?.value === "server:1000", null, { timeout: 5000 }).catch(() => {});
  assert.equal(await page.locator("#stdin-target").inputValue(), "server:1000", "now the server reads");
  await page.waitForFunction(() => /length 5/.test(document.getElementById("tcpdump")?.textContent ?? ""));
  assert.match(await text(page, "tcpdump"), /Flags \[P\.\], seq 1:6, ack 1, .*length 5/);
  await page.locator("#stdin-line").fill("hi there");
  await page.locator("#stdin-send").click();
  await page.waitForFunction(() => /from server: hi there\nto server: $/m.test(document.getElementById("processes")?.textContent ?? "") && /waiting for input/.test(document.getElementById("status")?.textContent ?? ""));
  await page.waitForFunction(() => /typed into server's pid 1000: hi there/.test(document.getElementById("timeline")?.textContent ?? ""), null, { timeout: 5000 }).catch(() => {});
  assert.match(await text(page, "timeline"), /typed into client's pid 1000: hello\n.*typed into server's pid 1000: hi there/);
  const screens = await text(page, "processes");
  const wire = await text(page, "tcpdump");
  await page.screenshot({ path: join(SHOTS, "lab-chat.png") });

  await scrubTo(page, 0); // replayed from t = 0 …
  assert.doesNotMatch(await text(page, "processes"), /hello/);
  const end = Number(await text(page, "scrub-max"));
  await page.locator("#scrub").fill(String(end)); // … and forward: the typed lines again at their instants, up to where it waits again
  await page.waitForFunction(() => /hi there/.test(document.getElementById("processes")?.textContent ?? "") && /waiting for input/.test(document.getElementById("status")?.textContent ?? ""));
  assert.equal(await text(page, "processes"), screens);
  assert.equal(await text(page, "tcpdump"), wire);

  await page.locator("#stdin-line").fill("q");
  await page.locator("#stdin-line").press("Enter");
  await page.locator("#play").click(); // scrubbing paused the clock; the line is in, time moves on
  await page.waitForFunction(() => /end of the run/.test(document.getElementById("status")?.textContent ?? ""));
  assert.match(await text(page, "processes"), /connection closed!/);
  assert.match(await text(page, "processes"), /client left/);
  assert.deepEqual(errors, []);
  await page.context().close();
});
