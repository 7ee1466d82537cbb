// Runs the TypeScript examples of README.md and docs/getting-started.md
// exactly as written (their `from "sockstack"` import pointed at
// src/index.ts), each in its own Node process through tsx, and compares
// what each prints with the ```text block that follows it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const index = pathToFileURL(join(root, "src", "index.ts")).href;

interface Example {
  code: string;
  /** The ```text block after it (before the next ```ts block), if any. */
  expected: string | null;
  line: number;
}

/** The ```ts blocks of a Markdown file with their expected output. */
function examples(file: string): Example[] {
  const md = readFileSync(join(root, file), "utf8");
  const re = /^```(\w*)\n([\s\S]*?)^```$/gm;
  const out: Example[] = [];
  for (let m = re.exec(md); m; m = re.exec(md)) {
    const line = md.slice(0, m.index).split("\n").length;
    if (m[1] === "ts") out.push({ code: m[2]!, expected: null, line });
    else if (m[1] === "text" && out.length && out[out.length - 1]!.expected === null) out[out.length - 1]!.expected = m[2]!;
  }
  return out;
}

function run(file: string): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", file], { cwd: root, encoding: "utf8", timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function checkExamples(file: string, min: number): Promise<void> {
  const list = examples(file);
  assert.ok(list.length >= min, `${file}: expected at least ${min} ts examples, found ${list.length}`);
  const dir = mkdtempSync(join(tmpdir(), "sockstack-docs-"));
  try {
    await Promise.all(list.map(async (ex, i) => {
      const where = `${file}:${ex.line}`;
      assert.match(ex.code, /from "sockstack";/, where);
      const path = join(dir, `example-${i}.mts`);
      writeFileSync(path, ex.code.replaceAll('from "sockstack"', `from ${JSON.stringify(index)}`));
      const r = await run(path);
      assert.equal(r.stderr, "", where);
      assert.equal(r.status, 0, where);
      if (ex.expected !== null) assert.equal(r.stdout, ex.expected, where);
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("README.md: the 30-second example runs as written and prints what the README says", async () => {
  const [first] = examples("README.md");
  assert.ok(first?.expected, "README.md: the first ts example has an output block");
  await checkExamples("README.md", 1);
});

test("docs/getting-started.md: every example runs and prints its output block", async () => {
  await checkExamples("docs/getting-started.md", 4);
});

test("the examples import only public exports of src/index.ts", async () => {
  const api = (await import("./index.js")) as Record<string, unknown>;
  for (const file of ["README.md", "docs/getting-started.md"]) {
    for (const ex of examples(file)) {
      const names = /import \{([^}]*)\} from "sockstack"/.exec(ex.code)![1]!.split(",").map((s) => s.trim()).filter(Boolean);
      for (const n of names) assert.ok(n in api, `${file}:${ex.line}: ${n} is not exported by src/index.ts`);
    }
  }
});
