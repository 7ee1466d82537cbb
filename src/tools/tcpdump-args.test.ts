// tcpdump's command line as sockstack reads it (tcpdump-args.ts), shared by
// `sockstack tcpdump` and the lab's tcpdump pane.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseTcpdumpArgs, shellWords, TcpdumpArgsError } from "./tcpdump-args.js";

test("parseTcpdumpArgs: grouped flags, values attached or apart, the expression words", () => {
  const a = parseTcpdumpArgs(["-nnvv", "-eXSt", "-c5", "-i", "any", "tcp", "port", "9090"]);
  assert.deepEqual(a, { verbose: 2, hex: true, absoluteSeq: true, noTime: true, ether: true, count: 5, iface: "any", write: undefined, md5Secret: undefined, words: ["tcp", "port", "9090"], expression: "tcp port 9090" }, "every flag read");
  assert.equal(parseTcpdumpArgs(["-ieth0", "-w", "-"]).iface, "eth0", "-iIFACE");
  assert.equal(parseTcpdumpArgs(["-w", "-"]).write, "-", "-w -");
  assert.equal(parseTcpdumpArgs([]).expression, "", "no expression: everything");
  assert.throws(() => parseTcpdumpArgs(["-Q"]), (e: unknown) => e instanceof TcpdumpArgsError && e.message === "invalid option -- 'Q'", "an unknown flag");
  assert.throws(() => parseTcpdumpArgs(["-c", "0"]), /^TcpdumpArgsError: invalid packet count 0$/, "a count below 1");
  assert.throws(() => parseTcpdumpArgs(["-i"]), /^TcpdumpArgsError: option -i needs a value$/, "a flag without its value");
});

test("shellWords: spaces separate, quotes group", () => {
  assert.deepEqual(shellWords(`  -nn -i eth0 'tcp port 80' and "not arp"  `), ["-nn", "-i", "eth0", "tcp port 80", "and", "not arp"], "quoted words");
  assert.deepEqual(shellWords(""), [], "nothing typed");
});
