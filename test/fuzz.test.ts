// The CI fuzz pass: a short, deterministic run of both fuzzers (fixed seed, fixed counts) under the
// watchdog. Every failure must be one of the known open issues (src/fuzz/known-issues.ts; remove an
// entry there when its fix lands and this pass holds the fix in place), and the drop audit must find
// nothing: every injected packet moves a counter, gets a reply or is taken by a connection (item 9).
import { test } from "node:test";
import assert from "node:assert/strict";
import { runFuzzer } from "../src/cli/fuzz.js";
import { classify } from "../src/fuzz/known-issues.js";

const HANG_MS = 2500;

test("CI fuzz pass: packets (seed ci, 200,000 packets)", async () => {
  const s = await runFuzzer("packet", { seed: "ci", seconds: Infinity, limit: 200_000, perCase: 5000, hangMs: HANG_MS });
  assert.ok(s.count >= 200_000 || s.failures.some((f) => f.kind === "hang"), `only ${s.count} packets`);
  const unknown = s.failures.filter((f) => !classify(f));
  assert.deepEqual(unknown.map((f) => `${f.kind} case ${f.case}: ${f.message.split("\n")[0]}`), [],
    "new failures — replay each with: sockstack fuzz packet --seed ci --case N --per-case 5000");
  assert.deepEqual(s.uncounted.map((u) => `${u.count} × ${u.signature} e.g. ${u.example}`), [], "packets that moved no counter and got no reply");
});

test("CI fuzz pass: syscalls (seed ci, 12,000 calls)", async () => {
  const s = await runFuzzer("syscall", { seed: "ci", seconds: Infinity, limit: 12_000, perCase: 200, hangMs: HANG_MS });
  assert.ok(s.cases >= 60);
  const unknown = s.failures.filter((f) => !classify(f));
  assert.deepEqual(unknown.map((f) => `${f.kind} case ${f.case}: ${f.message.split("\n")[0]}`), [],
    "new failures — replay each with: sockstack fuzz syscall --seed ci --case N --per-case 200");
});

test("sockstack fuzz: a bounded run prints its summary and exits 0; a bad flag is a usage error", async () => {
  const { main } = await import("../src/cli/main.js");
  const { captureIo } = await import("../src/cli/io.js");
  const io = captureIo();
  assert.equal(await main(["fuzz", "syscall", "--seed", "t", "--calls", "100", "--per-case", "50"], io), 0, io.stderr.join("\n"));
  assert.match(io.stdout.join("\n"), /^fuzz syscall: seed t, \d+ cases, \d+ calls in [\d.]+ s \(\d+ calls\/s\); 0 failures$/m);
  const bad = captureIo();
  assert.equal(await main(["fuzz", "--packets", "x"], bad), 2);
  assert.match(bad.stderr[0]!, /^sockstack fuzz: --packets needs a non-negative number$/);
});
