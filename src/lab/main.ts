/**
 * Entry point of the lab's browser bundle (`lab.js`, built by
 * `sockstack lab`). It publishes the session API as
 * `globalThis.sockstackLab` — the handle tests and the console use to run
 * the simulation headless — and, when loaded in a page (a `document`
 * exists), wires the page's views and controls.
 *
 * The bundle has no import or export statement left, so the same file runs
 * as a module in the page and as a plain script in a bare JavaScript
 * context (the test's `node:vm` sandbox without Node's globals).
 */
import { LAB_LECTURE_END, LabSession, runLectureHeadless } from "./session.js";
import { startLab, topologySvg, type LabDom } from "./ui.js";

/** What the bundle publishes as `globalThis.sockstackLab`. */
export interface SockstackLabApi {
  LabSession: typeof LabSession;
  runLectureHeadless: typeof runLectureHeadless;
  topologySvg: typeof topologySvg;
  LAB_LECTURE_END: number;
}

const api: SockstackLabApi = { LabSession, runLectureHeadless, topologySvg, LAB_LECTURE_END };
const g = globalThis as unknown as { sockstackLab?: SockstackLabApi; document?: LabDom & object; requestAnimationFrame?: LabDom["requestAnimationFrame"] };
g.sockstackLab = api;
if (g.document && g.requestAnimationFrame) {
  const doc = g.document;
  const raf = g.requestAnimationFrame.bind(globalThis);
  startLab({ getElementById: (id) => doc.getElementById(id), requestAnimationFrame: raf });
}
