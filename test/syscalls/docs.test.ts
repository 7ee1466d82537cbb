/**
 * docs/syscalls.md's option table is generated from src/socket/options.ts.
 * Regenerate with: UPDATE_DOCS=1 node scripts/run-tests.mjs test/syscalls/docs
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { optionsMarkdown } from "../../src/socket/options.js";
import { Process } from "../../src/sys/process.js";

const path = new URL("../../docs/syscalls.md", import.meta.url);
const BEGIN = "<!-- options:begin (generated from src/socket/options.ts) -->\n";
const END = "<!-- options:end -->";

test("docs/syscalls.md carries the option table of options.ts", () => {
  const doc = readFileSync(path, "utf8");
  const i = doc.indexOf(BEGIN), j = doc.indexOf(END);
  assert.ok(i >= 0 && j > i, "markers present");
  const fresh = doc.slice(0, i + BEGIN.length) + optionsMarkdown() + doc.slice(j);
  if (process.env.UPDATE_DOCS) writeFileSync(path, fresh);
  else assert.equal(doc, fresh, "run with UPDATE_DOCS=1 to regenerate");
});

test("docs/syscalls.md mentions every system call of Process", () => {
  const doc = readFileSync(path, "utf8");
  const internal = new Set(["constructor", "file", "openFds", "installFile", "sock", "run", "exited", "tty", "parked", "whenExited", "crash"]);
  const calls = Object.getOwnPropertyNames(Process.prototype).filter((n) => !internal.has(n));
  const missing = calls.filter((c) => !doc.includes(`\`${c}`));
  assert.deepEqual(missing, []);
});
