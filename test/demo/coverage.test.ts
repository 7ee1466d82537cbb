// Every behaviour of ../shared/SEEDS.md is shown by at least one demo
// scenario (the registry's seed ids) or example (the `// seeds: H1, E6`
// header of each file under examples/), or is listed with its reason in
// docs/tour.md's "not covered" section with its reason. Each scenario's transcript is deterministic: two
// runs, the same bytes (the JSON events, from which the text is printed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SCENARIOS, scenarioSeedIds } from "../../src/demo/registry.js";
import type { DemoEvent } from "../../src/demo/events.js";
import { main } from "../../src/cli/main.js";
import { captureIo } from "../../src/cli/io.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** SEEDS.md: $SOCKSTACK_SEEDS, else shared/SEEDS.md beside the checkout or one level up (worktrees). */
function seedsFile(): string | null {
  const env = process.env["SOCKSTACK_SEEDS"];
  if (env) return env;
  for (const p of [join(ROOT, "../shared/SEEDS.md"), join(ROOT, "../../shared/SEEDS.md")]) if (existsSync(p)) return p;
  return null;
}

/** The ids a `// seeds: H1, E6` (or `# seeds:`) header names, in every file under examples/. */
export function exampleSeedIds(dir = join(ROOT, "examples")): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const head = readFileSync(p, "utf8").split("\n").slice(0, 5).join("\n");
        const m = /^\s*(?:\/\/|#)\s*seeds:\s*([A-I]\d+(?:\s*,\s*[A-I]\d+)*)/m.exec(head);
        if (m) out.set(p.slice(ROOT.length + 1), m[1]!.split(/\s*,\s*/));
      }
    }
  };
  walk(dir);
  return out;
}

/** The ids docs/tour.md lists under its "not covered" heading, each with the rest of its line (the reason). */
export function notCovered(file = join(ROOT, "docs/tour.md")): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(file)) return out;
  let inside = false;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (/^#+ /.test(line)) inside = /not covered/i.test(line);
    else if (inside) for (const m of line.matchAll(/\b([A-I]\d+)\b/g)) out.set(m[1]!, line);
  }
  return out;
}

const seeds = seedsFile();

test("every SEEDS.md id is shown by a scenario or an example, or docs/tour.md says why not", { skip: !seeds && "SEEDS.md not found (set SOCKSTACK_SEEDS)" }, (t) => {
  const ids = [...readFileSync(seeds!, "utf8").matchAll(/^- \*\*([A-I]\d+)\*\*/gm)].map((m) => m[1]!);
  assert.ok(ids.length >= 60, `read ${ids.length} ids from ${seeds}`);
  const covered = new Set(scenarioSeedIds());
  for (const list of exampleSeedIds().values()) for (const id of list) covered.add(id);
  const excused = notCovered();
  // An id may be listed there and still be partly shown (E7: AF_UNIX in `fds`, AF_INET6 missing): the line says what is missing.
  for (const [id, line] of excused) {
    assert.ok(line.replace(/\b[A-I]\d+\b/g, "").replace(/[-*:|,\s]/g, "").length > 10, `docs/tour.md gives no reason for ${id}: ${line}`);
  }
  const missing = ids.filter((id) => !covered.has(id) && !excused.has(id));
  if (!existsSync(join(ROOT, "examples")) || !existsSync(join(ROOT, "docs/tour.md"))) {
    // examples/ and docs/tour.md (issue 15 items 3 and 5) come from their own branch: until both are here, say what is left.
    t.skip(`examples/ or docs/tour.md missing; not yet covered: ${missing.join(" ")}`);
    return;
  }
  assert.deepEqual(missing, [], "ids no scenario or example shows and docs/tour.md does not excuse");
  // Every id a scenario claims exists in SEEDS.md.
  for (const s of SCENARIOS) for (const id of s.seeds) assert.ok(ids.includes(id), `${s.name}: unknown seed id ${id}`);
});

for (const s of SCENARIOS) {
  // The text transcript is a function of the events (src/cli/demo.ts printEvent), so two runs
  // with --json giving the same bytes show the text repeats too: two runs, not four (many-connections
  // opens 80,000 connections per run).
  // A heavy scenario (many-connections) is run twice by its own test in scenarios.test.ts, which checks this too.
  const skip = s.heavy ? `heavy (${s.heavy}): test/demo/scenarios.test.ts compares its two runs` : false;
  test(`demo ${s.name}: two runs give the same events, byte for byte; every narration event has its Chinese`, { timeout: 300_000, skip }, async () => {
    const json = async () => {
      const io = captureIo();
      assert.equal(await main(["demo", s.name, "--seed", "5", "--json"], io), 0, io.stderr.join("\n"));
      return io.stdout.join("\n");
    };
    const a = await json();
    assert.equal(a, await json());
    const ev = (JSON.parse(a) as { events: DemoEvent[] }).events;
    assert.ok(ev.length > 0);
    for (const e of ev) if (e.kind === "say" || e.kind === "section") assert.ok(/[\u4e00-\u9fff]/.test(e.zh), `${s.name}: no Chinese for "${e.text.slice(0, 40)}"`);
  });
}

test("every scenario docs/tour.md, docs/tour.zh.md and docs/demo.md name exists", () => {
  const names = new Set(SCENARIOS.map((s) => s.name));
  for (const f of ["docs/tour.md", "docs/tour.zh.md", "docs/demo.md"]) {
    const text = readFileSync(join(ROOT, f), "utf8");
    const named = new Set<string>();
    for (const m of text.matchAll(/sockstack demo ([a-z][a-z0-9-]*)/g)) named.add(m[1]!);
    // Table cells: "scenario `x`", "scenarios `x`, `y`", "场景 `x`、`y`".
    for (const m of text.matchAll(/(?:scenarios?|场景) ((?:`[a-z0-9-]+`(?:[^`|]{0,40}?(?:, |、|，))?)+)/g)) {
      for (const n of m[1]!.matchAll(/`([a-z0-9-]+)`/g)) named.add(n[1]!);
    }
    const missing = [...named].filter((n) => !names.has(n));
    assert.deepEqual(missing, [], `${f} names scenarios that do not exist`);
  }
});
