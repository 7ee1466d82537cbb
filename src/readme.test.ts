// Runs the library example of README.md exactly as written (with its
// `from "sockstack"` import pointed at src/index.ts) and compares what it
// prints with the output block that follows it in the README.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");

function block(lang: string, from = 0): { body: string; end: number } {
  const open = readme.indexOf("```" + lang + "\n", from);
  assert.ok(open >= 0, `README.md has no \`\`\`${lang} block`);
  const start = open + 4 + lang.length;
  const close = readme.indexOf("\n```", start);
  return { body: readme.slice(start, close + 1), end: close + 4 };
}

test("README example runs as written and prints what the README says", () => {
  const code = block("ts");
  const expected = block("text", code.end);
  assert.match(code.body, /from "sockstack";/);
  const index = pathToFileURL(join(root, "src", "index.ts")).href;
  const source = code.body.replaceAll('from "sockstack"', `from ${JSON.stringify(index)}`);
  const dir = mkdtempSync(join(tmpdir(), "sockstack-readme-"));
  try {
    const file = join(dir, "readme-example.mts");
    writeFileSync(file, source);
    const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: root, encoding: "utf8", timeout: 60_000 });
    assert.equal(r.stderr, "");
    assert.equal(r.status, 0);
    assert.equal(r.stdout, expected.body);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("README example imports only public exports of src/index.ts", async () => {
  const code = block("ts").body;
  const names = /import \{([^}]*)\} from "sockstack"/.exec(code)![1]!.split(",").map((s) => s.trim()).filter(Boolean);
  const api = (await import("./index.js")) as Record<string, unknown>;
  for (const n of names) assert.ok(n in api, `${n} is not exported by src/index.ts`);
});
