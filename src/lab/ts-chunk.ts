/**
 * The lab's TypeScript chunk (`lab-ts.js`): sucrase's TypeScript transform,
 * bundled apart from `lab.js` and loaded only when a TypeScript program
 * first runs (src/lab/program.ts, {@link LabTypeScript}), so the page's
 * first load does not carry it (~200 KB minified). Types are stripped, not
 * checked, and nothing else is rewritten (`disableESTransforms`): the
 * output keeps the program's lines, so a runtime error's line is the
 * TypeScript's. Publishes `globalThis.sockstackLabTs`; an IIFE with no
 * export, so it runs as a module (`import()` in the page or the Worker) or
 * as a plain script (a `node:vm` context). Node tests import this file for
 * the same effect.
 */
import { transform } from "sucrase";
import type { LabTypeScript } from "./program.js";

const ts: LabTypeScript = {
  toJavaScript: (source) => transform(source, { transforms: ["typescript"], disableESTransforms: true }).code,
};
(globalThis as { sockstackLabTs?: LabTypeScript }).sockstackLabTs = ts;
