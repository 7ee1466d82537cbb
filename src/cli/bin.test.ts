// End to end: the command as a separate Node process, stdout, stderr and
// exit status included. It runs src/cli/main.ts through tsx (what
// `node --import tsx src/cli/main.ts` does) rather than bin/sockstack.js,
// which needs a prior `npm run build`; bin/sockstack.js only forwards
// argv to the same main(). Two spawns keep `npm test` fast.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
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
