// Replays every entry of test/fuzz-corpus/ (each crashing or hanging input the fuzzers found, or a
// hand-written reproducer of a known defect) in a worker thread under the fuzz watchdog, and checks the
// invariants. An entry marked `knownIssue` waits for that fix: it must still fail (and be explained by
// that issue); once it passes, this test fails until the mark is removed from the JSON file.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { entrySpec, type CorpusEntry } from "../src/fuzz/corpus.js";
import { KNOWN_ISSUES, classify } from "../src/fuzz/known-issues.js";
import { FuzzWorker, runWatched } from "../src/cli/fuzz.js";

const DIR = join(import.meta.dirname, "fuzz-corpus");
const HANG_MS = 2500;
const worker = new FuzzWorker();
after(() => worker.close());

const entries: CorpusEntry[] = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort()
  .map((f) => ({ ...JSON.parse(readFileSync(join(DIR, f), "utf8")), file: f }));

test("the corpus is not empty and every entry names itself after its file", () => {
  assert.ok(entries.length >= 8);
  for (const e of entries as (CorpusEntry & { file: string })[]) assert.equal(`${e.name}.json`, e.file);
});

for (const e of entries) {
  test(`corpus ${e.name}${e.knownIssue ? ` (expected to fail until ${e.knownIssue})` : ""}`, async () => {
    const out = await runWatched(worker, entrySpec(e), HANG_MS, false);
    const problems = [
      ...out.failures.map((f) => `${f.kind}: ${f.message.split("\n")[0]}`),
      ...out.uncounted.map((u) => `uncounted: ${u.count} × ${u.signature}`),
    ];
    if (!e.knownIssue) {
      assert.deepEqual(problems, [], `${e.name}: ${e.description}`);
      return;
    }
    assert.notDeepEqual(problems, [], `${e.name} passes now: its fix (${e.knownIssue}) has landed — remove "knownIssue" from test/fuzz-corpus/${e.name}.json so it stays fixed`);
    // An issue with a classifier in known-issues.ts must explain the failure; other ids are free text.
    if (KNOWN_ISSUES.some((k) => k.id === e.knownIssue)) {
      assert.ok(out.failures.some((f) => classify(f)?.id === e.knownIssue), `${e.name}: fails, but not as ${e.knownIssue} expects: ${problems.join(" | ")}`);
    }
  });
}
