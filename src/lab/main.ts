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
import { LAB_SCENARIOS, LabSession, runScenarioHeadless } from "./session.js";
import { startLab, topologySvg, type LabDom } from "./ui.js";

/** What the bundle publishes as `globalThis.sockstackLab`. */
export interface SockstackLabApi {
  LabSession: typeof LabSession;
  runScenarioHeadless: typeof runScenarioHeadless;
  topologySvg: typeof topologySvg;
  /** The scenario names the lab offers. */
  scenarios: string[];
}

const api: SockstackLabApi = { LabSession, runScenarioHeadless, topologySvg, scenarios: LAB_SCENARIOS.map((s) => s.name) };
/** The few browser members the entry uses (the project compiles without the DOM library). */
interface PageGlobals {
  sockstackLab?: SockstackLabApi;
  document?: LabDom & { createElement(tag: string): { href: string; download: string; click(): void } };
  requestAnimationFrame?: LabDom["requestAnimationFrame"];
  Blob?: new (parts: Uint8Array[], opts: { type: string }) => object;
  URL?: { createObjectURL(b: object): string; revokeObjectURL(u: string): void };
}

const g = globalThis as unknown as PageGlobals;
g.sockstackLab = api;
if (g.document && g.requestAnimationFrame) {
  const doc = g.document;
  const raf = g.requestAnimationFrame.bind(globalThis);
  const { Blob, URL } = g;
  let lastUrl: string | null = null; // revoked at the next download, once the browser has surely fetched it
  const download: LabDom["download"] = Blob && URL
    ? (name, bytes, type) => {
      if (lastUrl !== null) URL.revokeObjectURL(lastUrl);
      lastUrl = URL.createObjectURL(new Blob([bytes], { type }));
      const a = doc.createElement("a");
      a.href = lastUrl;
      a.download = name;
      a.click();
    }
    : undefined;
  startLab({ getElementById: (id) => doc.getElementById(id), requestAnimationFrame: raf, ...(download ? { download } : {}) });
}
