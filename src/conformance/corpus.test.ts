// Parses every script of the external conformance corpus (../shared/conformance,
// test data that is not part of the project) and every script of our own under
// test/pkt/. The corpus is read where it lies; the test is skipped with a
// message when the folder is absent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseScript } from "./parser.js";
import type { Event, Script } from "./ast.js";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const CORPUS = process.env["SOCKSTACK_CONFORMANCE_DIR"] ?? join(HERE, "../../../shared/conformance");
const OWN = join(HERE, "../../test/pkt/parser");

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".pkt")) out.push(p);
  }
  return out;
}

function parseAll(files: readonly string[], defines: Record<string, string>): { scripts: Script[]; failures: string[] } {
  const scripts: Script[] = [];
  const failures: string[] = [];
  for (const f of files) {
    const r = parseScript(readFileSync(f, "utf8"), { defines });
    if (r.ok) scripts.push(r.script);
    else failures.push(`${f}:${r.error.line}:${r.error.column}: ${r.error.message}`);
  }
  return { scripts, failures };
}

const missing = existsSync(CORPUS) ? false : `conformance corpus not found at ${CORPUS} (set SOCKSTACK_CONFORMANCE_DIR)`;

test("every FreeBSD corpus script parses (with and without the FreeBSD symbol)", { skip: missing }, () => {
  const files = walk(join(CORPUS, "freebsd"));
  assert.equal(files.length, 382);
  const symbolSets: Record<string, string>[] = [{}, { FreeBSD: "" }];
  for (const defines of symbolSets) {
    const { scripts, failures } = parseAll(files, defines);
    assert.deepEqual(failures, []);
    for (const s of scripts) {
      assert.equal(s.options["ip_version"], "ipv4");
      assert.ok(s.events.length > 0);
    }
  }
});

test("every gVisor corpus script parses", { skip: missing }, () => {
  const files = walk(join(CORPUS, "gvisor"));
  assert.equal(files.length, 8);
  const { failures } = parseAll(files, { Linux: "" });
  assert.deepEqual(failures, []);
});

test("every Google corpus script parses with run_all.py's ipv4 defines", { skip: missing }, () => {
  const files = walk(join(CORPUS, "google"));
  assert.equal(files.length, 138);
  const defines = { Linux: "", TFO_COOKIE: "3021b9d889017eeb", CODE: "host_unreachable", CMSG_LEVEL_IP: "SOL_IP", CMSG_TYPE_RECVERR: "IP_RECVERR" };
  const { failures } = parseAll(files, defines);
  assert.deepEqual(failures, []);
});

// The FreeBSD IPv4 and gVisor suites, the corpus this parser was written for;
// the IPv6, Fast Open and Google (Linux) suites are parsed by their own issues' runs.
test("the FreeBSD and gVisor suites exercise every event type, packet protocol and time kind", { skip: missing }, () => {
  const { scripts } = parseAll([...walk(join(CORPUS, "freebsd")), ...walk(join(CORPUS, "gvisor"))], { FreeBSD: "" });
  assert.equal(scripts.length, 390);
  const seen = new Set<string>();
  const note = (e: Event): void => {
    seen.add(e.type);
    seen.add(`time:${e.time.kind}`);
    if (e.type === "packet") {
      seen.add(`${e.direction}:${e.packet.protocol}`);
      if (e.ip !== null) seen.add("ip-info");
      if (e.packet.protocol === "tcp") {
        if (e.packet.options === "any") seen.add("options:any");
        if (e.packet.seq.start === null) seen.add("seq:any");
        if (e.packet.seq.absolute) seen.add("seq:absolute");
        if (e.packet.udpEncap !== null) seen.add("udp-encap");
      }
    }
    if (e.type === "syscall" && e.errno !== null) seen.add("errno");
    if (e.type === "syscall" && e.note !== null) seen.add("note");
  };
  for (const s of scripts) s.events.forEach(note);
  for (const k of [
    "packet",
    "syscall",
    "shell",
    "code",
    "time:absolute",
    "time:relative",
    "time:any",
    "time:range",
    "inbound:tcp",
    "outbound:tcp",
    "inbound:icmp",
    "ip-info",
    "options:any",
    "seq:any",
    "seq:absolute",
    "udp-encap",
    "errno",
    "note",
  ]) {
    assert.ok(seen.has(k), `corpus construct not seen: ${k}`);
  }
});

test("our own parser scripts under test/pkt/parser parse", () => {
  const { failures, scripts } = parseAll(walk(OWN), {});
  assert.deepEqual(failures, []);
  assert.ok(scripts.length > 0);
});

test("all-constructs.pkt: the events, in order, with their lines", () => {
  const r = parseScript(readFileSync(join(OWN, "all-constructs.pkt"), "utf8"));
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  const s = r.script;
  assert.deepEqual(s.options, { tolerance_usecs: "10000", ip_version: "ipv4", mtu: "1500", define: "MSS=1460" });
  assert.deepEqual(s.initCommand, { command: "echo init", line: 11 });
  assert.deepEqual(s.cleanupCommand, { command: "echo cleanup", line: 56 });
  const summary = s.events.map((e) => {
    switch (e.type) {
      case "packet":
        return `${e.line} ${e.direction === "inbound" ? "<" : ">"} ${e.packet.protocol}`;
      case "syscall":
        return `${e.line} ${e.name}${e.endUs !== null ? ` until ${e.endUs}` : ""}${e.errno ? ` ${e.errno.name}` : ""}`;
      default:
        return `${e.line} ${e.type}`;
    }
  });
  assert.deepEqual(summary, [
    "14 socket", "15 setsockopt", "16 setsockopt", "17 bind", "18 fcntl", "19 fcntl", "20 listen",
    "22 < tcp", "23 > tcp", "24 < tcp", "25 accept", "26 code",
    "29 write", "30 > tcp", "31 > tcp", "32 < tcp", "33 > tcp", "34 poll", "35 recv", "36 sendmsg",
    "41 read until 200000", "42 < tcp", "43 > tcp",
    "46 < icmp", "47 < udp", "48 < tcp",
    "50 shell", "51 close EBADF", "52 code",
  ]);
  const syn = s.events[7]!;
  assert.ok(syn.type === "packet" && syn.packet.protocol === "tcp");
  assert.deepEqual(syn.packet.options[0], { kind: "mss", mss: 1460 });
});
