// End to end: the command as a separate Node process, stdout, stderr and
// exit status included. It runs src/cli/main.ts through tsx (what
// `node --import tsx src/cli/main.ts` does) rather than bin/sockstack.js,
// which needs a prior `npm run build`; bin/sockstack.js only forwards
// argv to the same main(). Two spawns keep `npm test` fast.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "./main.js";
import { captureIo } from "./io.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

function sockstack(...args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
}

test("`sockstack demo` as a process prints what main() prints in-process, exit 0", async () => {
  const r = sockstack("demo", "--seed", "3");
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  const io = captureIo();
  assert.equal(await main(["demo", "--seed", "3"], io), 0);
  assert.equal(r.stdout, io.stdout.map((l) => `${l}\n`).join(""));
});

test("a bad command line exits 2 with the reason and the usage on stderr", () => {
  const r = sockstack("ping", "-c", "x", "10.0.0.2");
  assert.equal(r.status, 2);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^sockstack ping: option -c: 'x' is not a number\nusage: sockstack ping .*TARGET\n$/);
});

/** True when dist/ was built after every source file changed (`npx tsc -p tsconfig.build.json`). */
function distFresh(): boolean {
  const main = join(root, "dist", "cli", "main.js");
  if (!existsSync(main)) return false;
  const built = statSync(main).mtimeMs;
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? statSync(join(dir, e.name)).mtimeMs : 0)));
  return newest(join(root, "src")) <= built;
}

test("the built bin runs `sockstack bench` from any directory (the benchmarks are in dist/bench)", { skip: !distFresh() && "dist/ is missing or older than src/: npx tsc -p tsconfig.build.json" }, () => {
  const cwd = mkdtempSync(join(tmpdir(), "sockstack-bin-"));
  try {
    const r = spawnSync(process.execPath, [join(root, "bin", "sockstack.js"), "bench", "--list"], { cwd, encoding: "utf8", timeout: 60_000 });
    assert.equal(r.stderr, "");
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^throughput-lo +MB\/s/m);
    assert.match(r.stdout, /^memory-per-connection +B\/end/m);
    const bad = spawnSync(process.execPath, [join(root, "bin", "sockstack.js"), "bench", "nosuch"], { cwd, encoding: "utf8", timeout: 60_000 });
    assert.equal(bad.status, 2);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
