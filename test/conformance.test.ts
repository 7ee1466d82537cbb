// The packetdrill-script runner end to end: our own Linux scripts
// (test/pkt/linux) must pass; scripts written to be wrong
// (test/pkt/must-fail, first line `// expect: failed|unsupported LINE`) must
// fail or be unsupported at that line, so the runner cannot report a wrong
// script as passing; and the external corpus (../shared/conformance, skipped
// when absent) must pass at least the counts in test/conformance-baseline.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { collectScripts, readTreeFile } from "../src/cli/conformance.js";
import { type IpVersion, RUN_ALL_ARGS, runAllRuns } from "../src/conformance/config.js";
import { runScript } from "../src/conformance/runner.js";
import { runSuite } from "../src/conformance/suite.js";
import type { PersonalityName } from "../src/core/personality.js";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const CORPUS = process.env["SOCKSTACK_CONFORMANCE_DIR"] ?? join(HERE, "../../shared/conformance");
const BASELINE = JSON.parse(readFileSync(join(HERE, "conformance-baseline.json"), "utf8")) as
  Record<string, { folder?: string; profile: PersonalityName; toleranceUsecs?: number; runAll?: boolean; ipVersion?: IpVersion; passed: number }>;

const load = (files: string[]) => files.map((path) => ({ path, text: readFileSync(path, "utf8") }));

test("our Linux scripts (test/pkt/linux) pass", async () => {
  const s = await runSuite(load(collectScripts(join(HERE, "pkt/linux"))), { personality: "linux" });
  assert.ok(s.scripts.length >= 7);
  assert.deepEqual(s.scripts.filter((r) => r.status !== "passed"), []);
});

test("wrong scripts (test/pkt/must-fail) fail at the declared line", async () => {
  const files = collectScripts(join(HERE, "pkt/must-fail"));
  assert.ok(files.length >= 10);
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    const m = /^\/\/ expect: (failed|unsupported) (\d+)/.exec(text);
    assert.ok(m, `${f}: first line must be // expect: failed|unsupported LINE`);
    const r = await runScript(text, { path: f });
    assert.equal(r.status, m[1], `${f}: ${r.reason}`);
    assert.equal(r.line, Number(m[2]), `${f}: ${r.reason}`);
    assert.ok(r.reason && r.reason.length > 10);
  }
});

for (const [name, b] of Object.entries(BASELINE)) {
  if (name === "comment") continue;
  // An entry is a corpus folder (its key, or `folder`); runAll: a Google tree run as run_all.py runs it in
  // `ipVersion`'s run (ipv4 by default): that run's arguments, its variant selection, helper files read from the tree.
  const dir = join(CORPUS, b.folder ?? name);
  const version = b.ipVersion ?? "ipv4";
  test(`corpus ${name} (${b.profile}) passes at least ${b.passed} scripts`, { skip: existsSync(dir) ? false : `${dir} not found` }, async (t) => {
    const files = collectScripts(dir).filter((f) => !b.runAll || runAllRuns(f, version));
    const s = await runSuite(load(files), {
      personality: b.profile, toleranceUsecs: b.toleranceUsecs,
      ...(b.runAll ? { args: RUN_ALL_ARGS[version], readFile: readTreeFile } : {}),
    });
    const line = `${name}: ${s.passed} passed, ${s.failed} failed, ${s.unsupported} unsupported`;
    assert.ok(s.passed >= b.passed, `${line} — below the baseline of ${b.passed}`);
    if (s.passed > b.passed) t.diagnostic(`${line} — above the baseline; raise test/conformance-baseline.json`);
  });
}
