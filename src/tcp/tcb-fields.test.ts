/**
 * tcb-accessors.ts is generated from the field lists of tcb-fields.ts.
 * Regenerate with: UPDATE_GENERATED=1 node scripts/run-tests.mjs tcb-fields
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tcbAccessorsSource } from "./tcb-fields.js";

test("tcb-accessors.ts is what tcbAccessorsSource() generates from the lists", () => {
  const path = fileURLToPath(new URL("./tcb-accessors.ts", import.meta.url));
  const fresh = tcbAccessorsSource();
  if (process.env.UPDATE_GENERATED) writeFileSync(path, fresh);
  assert.equal(readFileSync(path, "utf8"), fresh, "stale: run UPDATE_GENERATED=1 node scripts/run-tests.mjs tcb-fields");
});
