// The filter against real tcpdump: FILTER_CORPUS (kernel-captured golden
// packets plus crafted ones) selected by each expression. The expected
// indices were recorded from `tcpdump -tt -nn -r corpus.pcap EXPR`
// (tcpdump 4.99.3 / libpcap 1.10.3); when tcpdump is installed the test
// also asks it again, so the table cannot drift from the real thing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pcapFile } from "./pcap.js";
import { compileFilter, FilterSyntaxError } from "./tcpdump-filter.js";
import { FILTER_CORPUS } from "./testdata/filter-corpus.js";

/** [expression, indices of the corpus packets tcpdump selects]. */
const TABLE: [string, number[]][] = [
  ["tcp", [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,53,55]],
  ["udp", [19,20,21,23,24,25,47,48,54]],
  ["icmp", [22,26,27,49,50,51]],
  ["ip", [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55]],
  ["host 10.0.0.1", [39,40,41,42,43,44,45]],
  ["src host 10.0.0.2", [40,44,48,50]],
  ["dst 10.0.0.3", [50,51]],
  ["src 127.0.0.1 and dst 127.0.0.1", [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27]],
  ["port 9090", [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45]],
  ["tcp port 9090", [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45]],
  ["udp port 7777", [19,20,23]],
  ["src port 40000", [19,20,21,23]],
  ["dst port 53 or src port 53", [47,48]],
  ["portrange 1000-2000", [53,54]],
  ["tcp portrange 9000-9999", [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45]],
  ["net 10.0.0.0/24", [39,40,41,42,43,44,45,46,47,48,49,50,51]],
  ["net 10.0.0", [39,40,41,42,43,44,45,46,47,48,49,50,51]],
  ["src net 10.0.0.0 mask 255.255.255.0", [39,40,41,42,43,44,45,46,48,49,50]],
  ["dst net 172.16.0.0/12", [52,53,54,55]],
  ["not tcp", [19,20,21,22,23,24,25,26,27,47,48,49,50,51,52,54]],
  ["tcp and not port 9090", [17,18,46,53,55]],
  ["host 10.0.0.1 or 10.0.0.3", [39,40,41,42,43,44,45,46,49,50,51]],
  ["port 9090 or 53", [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,47,48]],
  ["tcp or udp and host 10.0.0.2", [39,40,41,42,43,44,45,46,47,48]],
  ["tcp or (udp and host 10.0.0.2)", [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,53,55]],
  ["tcp[tcpflags] & tcp-syn != 0", [0,1,11,12,17,28,29,39,40,45]],
  ["tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn", [0,11,17,28,39,45]],
  ["tcp[13] & 2 != 0", [0,1,11,12,17,28,29,39,40,45]],
  ["tcp[13] = 0x12", [1,12,29,40]],
  ["tcp[tcpflags] & tcp-rst != 0", [16,18,44]],
  ["tcp[tcpflags] & (tcp-fin|tcp-rst) != 0", [7,9,16,18,43,44]],
  ["icmp[icmptype] == icmp-echo", [26,49]],
  ["icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply", [22,51]],
  ["icmp[0] = 3", [22,51]],
  ["less 60", [0,1,2,3,4,5,6,7,8,9,10,11,12,13,15,16,17,18,19,20,21,28,29,30,39,40,41,42,43,44,45,46,47,48,49,50,51,52,54,55]],
  ["greater 1000", [23,24,31,33,35,37,53]],
  ["len > 100 and len <= 1500", [23,24,25,31,33,35,37,53]],
  ["ip[9] = 17", [19,20,21,23,24,25,47,48,54]],
  ["ip[6:2] & 0x1fff != 0", [24,25,55]],
  ["ip[8] = 64 and tcp", [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,53,55]],
  ["udp[4:2] > 10", [19,21,23,47,48,54]],
  ["tcp[0:2] = 9090 or tcp[2:2] = 9090", [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45]],
  ["(tcp[12] >> 4) * 4 > 20", [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,28,29,30,31,32,33,34,35,36,37,38]],
  ["ip proto 47", [52]],
  ["proto 1", [22,26,27,49,50,51]],
  ["tcp[tcpflags] & (tcp-ece|tcp-cwr) != 0", [45]],
  ["tcp[tcpflags] & tcp-urg != 0", [46]],
  ["src and dst net 10.0.0.0/24", [39,40,41,42,43,44,45,46,49,50]],
  ["src or dst port 80", [46]],
  ["not (port 9090 or port 7777)", [17,18,21,22,24,25,26,27,46,47,48,49,50,51,52,53,54,55]],
  ["! icmp && ! tcp", [19,20,21,23,24,25,47,48,52,54]],
  ["tcp[20] = 0x31", [42]],
  ["ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2) != 0", [3,5,14,19,21,22,23,24,25,26,27,31,33,35,37,42,46,47,48,51,53]],
  ["tcp[100] = 0 or udp", [19,20,21,23,24,25,47,48,54]],
  ["icmp[icmptype] = icmp-echo or icmp[icmptype]=icmp-echoreply", [26,27,49,50]],
  ["src or dst host 10.0.0.3", [46,49,50,51]],
  ["udp[8:4] = 0x71756572", [47]],
  ["host 10.0.0.1 and not 10.0.0.2", []],
  ["", FILTER_CORPUS.map((_, i) => i)],
];

function select(expr: string): number[] {
  const f = compileFilter(expr);
  const out: number[] = [];
  FILTER_CORPUS.forEach((p, i) => {
    if (f(p.bytes)) out.push(i);
  });
  return out;
}

test("filters select the packets tcpdump selects", () => {
  assert.ok(TABLE.length >= 30);
  for (const [expr, want] of TABLE) assert.deepEqual(select(expr), want, expr);
});

test("and/or have equal precedence, left to right; not binds tightest", () => {
  assert.deepEqual(select("tcp or udp and host 10.0.0.2"), select("(tcp or udp) and host 10.0.0.2"));
  assert.notDeepEqual(select("tcp or udp and host 10.0.0.2"), select("tcp or (udp and host 10.0.0.2)"));
  assert.deepEqual(select("not tcp and host 10.0.0.2"), select("(not tcp) and host 10.0.0.2"));
});

test("a load past the captured bytes rejects the packet, like a BPF program returning 0", () => {
  const syn = FILTER_CORPUS.find((p) => p.name === "lecture-syn")!.bytes;
  assert.equal(compileFilter("tcp[100] = 0 or tcp")(syn), false);
  assert.equal(compileFilter("tcp or tcp[100] = 0")(syn), true); // short-circuit: the load never runs
  assert.equal(compileFilter("tcp")(syn.subarray(0, 8)), false); // protocol byte not captured
  assert.equal(compileFilter("less 40")(syn, 40), true); // len is the wire length when given
  assert.equal(compileFilter("less 40")(syn, 41), false);
});

test("bad expressions: a FilterSyntaxError with the position, as tcpdump rejects them", () => {
  const cases: [string, number, RegExp][] = [
    ["port", 4, /expected a port number, found the end of the expression/],
    ["port x", 5, /unknown port 'x'/],
    ["10.0.0.1", 0, /needs a qualifier/],
    ["host foo", 5, /unknown host 'foo'/],
    ["tcp[13] & 2", 11, /expected a comparison/],
    ["net 10.0.0.1/24", 4, /non-network bits set in "10\.0\.0\.1"/],
    ["host 10.0.0.1 and", 17, /unexpected end/],
    ["(tcp", 4, /expected '\)'/],
    ["tcp[13:3] = 1", 7, /data size must be 1, 2, or 4/],
    ["icmp port 3", 10, /'port' is not valid for 'icmp'/],
    ["ether host 1.2.3.4", 11, /expected a MAC address/],
    ["arp host 10.0.0.1", 4, /'arp host' is not supported/],
    ["tcp[0] / 0 = 1", 7, /division by zero/],
    ["port 99999", 5, /illegal port number 99999 > 65535/],
    ["tcp port 80 )", 12, /unexpected '\)'/],
    ["host 10.0.0.1 @", 14, /unexpected character '@'/],
  ];
  for (const [expr, pos, re] of cases) {
    assert.throws(() => compileFilter(expr), (e: unknown) => {
      assert.ok(e instanceof FilterSyntaxError, expr);
      assert.equal(e.position, pos, `${expr}: ${e.message}`);
      assert.match(e.message, re, expr);
      assert.match(e.message, /^syntax error at \d+: /);
      return true;
    });
  }
  const e = (() => { try { compileFilter("port x"); } catch (x) { return x as FilterSyntaxError; } })()!;
  assert.equal(e.caret(), "port x\n     ^");
});

const tcpdump = ["/usr/bin/tcpdump", "/usr/sbin/tcpdump"].find((p) => existsSync(p));

test("the recorded table is what the installed tcpdump selects", { skip: !tcpdump && "tcpdump is not installed" }, () => {
  const dir = mkdtempSync(join(tmpdir(), "sockstack-filter-"));
  try {
    const file = join(dir, "corpus.pcap");
    writeFileSync(file, pcapFile(FILTER_CORPUS.map((p, i) => ({ time: i * 1e6, packet: p.bytes }))));
    for (const [expr, want] of TABLE) {
      const r = spawnSync(tcpdump!, ["-tt", "-nn", "-r", file, expr], { encoding: "utf8" });
      assert.equal(r.status, 0, `${expr}: ${r.stderr}`);
      const got = r.stdout.split("\n").filter(Boolean).map((l) => Number(l.split(".")[0]));
      assert.deepEqual(got, want, expr);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
