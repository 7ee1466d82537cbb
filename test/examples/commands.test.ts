/**
 * The examples run with the one command examples/README.md gives
 * (`npx tsx examples/NAME.ts`): each file ends by calling its `main` when
 * it is the script node runs, and one of them (with chat-tcp.ts, run with
 * input in its own test) is run that way here and prints exactly what its
 * `main` prints in-process — which the example's own test checks line by
 * line: the package name resolves, the run is deterministic, nothing else
 * is printed. (A child process costs seconds of tsx start-up; one proves
 * the path for all.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, ephemeral, printed, runExample } from "./run-example.js";

/** The examples that take no input, by file name. */
const BATCH = ["iterative-server", "wrap", "bio-server", "fork-server", "select-poll-server", "epoll-server", "framing", "writers", "heartbeat", "proxy"];

for (const name of BATCH.slice(0, 1)) {
  test(`npx tsx examples/${name}.ts prints what main() prints, exit 0`, async () => {
    const mod = (await import(`../../examples/${name}.js`)) as { main: (print: (line: string) => void) => Promise<void> };
    const want = await printed(mod.main);
    const r = await runExample(name);
    assert.equal(r.stderr, "");
    assert.equal(r.status, 0);
    assert.equal(ephemeral(r.stdout), want);
  });
}

test("every example prints the same bytes twice (ports and all): virtual time and the seeded RNG only", async () => {
  for (const name of BATCH) {
    const mod = (await import(`../../examples/${name}.js`)) as { main: (print: (line: string) => void) => Promise<void> };
    const run = async () => {
      const lines: string[] = [];
      await mod.main((l) => void lines.push(l));
      return lines.join("\n");
    };
    assert.equal(await run(), await run(), name);
  }
});

test("every example file starts with its `// seeds:` line and is listed in examples/README.md with its command", () => {
  const readme = readFileSync(join(ROOT, "examples", "README.md"), "utf8");
  const files = readdirSync(join(ROOT, "examples")).filter((f) => f.endsWith(".ts"));
  for (const f of files) {
    const lines = readFileSync(join(ROOT, "examples", f), "utf8").trimEnd().split("\n");
    assert.match(lines[0]!, /^\/\/ seeds: [A-I]\d+(, [A-I]\d+)*$/, f);
    // The script's entry: `main` runs when node runs this file, not when a test imports it.
    if (f !== "terminal.ts") assert.match(lines.slice(-8).join("\n"), /^if \(process\.argv\[1\] === import\.meta\.filename\)[\s\S]*\bmain\(/m, f);
    if (f !== "terminal.ts") assert.ok(readme.includes(`npx tsx examples/${f}`), `examples/README.md runs ${f}`);
  }
  for (const name of BATCH) assert.ok(files.includes(`${name}.ts`));
});
