// Runs every *.test.ts under src/ and test/ with Node's test runner (tsx loader).
// Usage: node scripts/run-tests.mjs [--local] [substring-filter…]
// --local leaves out the tests that create network namespaces and TUN/TAP devices with fixed
// addresses (they need root and collide when two checkouts run them at once).
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === "node_modules" || name.startsWith(".")) continue;
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const LOCAL_EXCLUDED = ["interop.test.ts", "tun-cli.test.ts", "tap-interop.test.ts"];
const local = process.argv.includes("--local");
const filters = process.argv.slice(2).filter((a) => a !== "--local");
const files = ["src", "test"].flatMap((d) => { try { return walk(d, []); } catch { return []; } })
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .filter((f) => !local || !LOCAL_EXCLUDED.some((x) => f.endsWith(x)))
  .sort();
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
// The spec reporter to the terminal; scripts/stray-output-reporter.mjs collects what tests print
// outside the runner (console.log in a test, a warning nobody captured) into a file.
const strayFile = join(mkdtempSync(join(tmpdir(), "sockstack-tests-")), "stray.json");
const r = spawnSync(process.execPath, [
  "--import", "tsx", "--test",
  "--test-reporter=spec", "--test-reporter-destination=stdout",
  `--test-reporter=${new URL("./stray-output-reporter.mjs", import.meta.url).href}`, `--test-reporter-destination=${strayFile}`,
  ...files,
], { stdio: "inherit" });
let stray = [];
try {
  stray = JSON.parse(readFileSync(strayFile, "utf8"));
} catch {
  // no report: the run itself failed
}
rmSync(dirname(strayFile), { recursive: true, force: true });
if (stray.length > 0) {
  console.error(`\n✖ ${stray.length} line(s) of stray output (tests must print nothing; use t.diagnostic):`);
  for (const l of stray.slice(0, 50)) console.error(`  ${l}`);
  process.exit(r.status || 1);
}
process.exit(r.status ?? 1);
