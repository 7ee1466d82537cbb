/**
 * Entry point of the lab's browser bundle (`lab.js`, built by
 * `sockstack lab`). It publishes the session API as
 * `globalThis.sockstackLab` — the handle tests and the console use to run
 * the simulation headless — and, when loaded in a page (a `document`
 * exists), wires the page's views and controls: by default the simulation
 * and the views' computation run in a Worker of this same script
 * (`sockstack-lab-sim`, remote-dom.ts) and the page's thread only applies
 * what changed (page-end.ts); without Worker support, or when the Worker
 * fails before it drew anything, the page runs them itself.
 *
 * The bundle has no import or export statement left, so the same file runs
 * as a module in the page and as a plain script in a bare JavaScript
 * context (the test's `node:vm` sandbox without Node's globals).
 */
import { LAB_SCENARIOS, LabSession, runScenarioHeadless, type LabSessionOptions } from "./session.js";
import { topologySvg } from "./topology.js";
import { probeEnd, startLab, type LabDom } from "./ui.js";
import { RemoteDom, type PageMessage, type WorkerMessage } from "./remote-dom.js";
import { connectSimWorker, type PageDocument, type PageNode, type SimWorker } from "./page-end.js";

/** What the bundle publishes as `globalThis.sockstackLab`. */
export interface SockstackLabApi {
  LabSession: typeof LabSession;
  runScenarioHeadless: typeof runScenarioHeadless;
  topologySvg: typeof topologySvg;
  /** The scenario names the lab offers. */
  scenarios: string[];
}

const api: SockstackLabApi = { LabSession, runScenarioHeadless, topologySvg, scenarios: LAB_SCENARIOS.map((s) => s.name) };
/** The name of the Worker that probes where a run ends (the same bundle, loaded as a module worker). */
const PROBE_WORKER = "sockstack-lab-probe";

/** The name of the Worker that runs the simulation and computes the views (the same bundle). */
const SIM_WORKER = "sockstack-lab-sim";

/** A probe request and its answer. */
interface ProbeRequest { id: number; seed: number; opts: LabSessionOptions }
interface ProbeReply { id: number; end?: number; error?: string }

/** An element as the visibility watch sees it: its id and its pane. */
interface PageElement {
  id: string;
  closest(sel: string): PageElement | null;
}

/** The few browser members the entry uses (the project compiles without the DOM library). */
interface PageGlobals {
  sockstackLab?: SockstackLabApi;
  document?: LabDom & {
    createElement(tag: string): { href: string; download: string; click(): void };
    querySelector(sel: string): { src?: string } | null;
    querySelectorAll(sel: string): Iterable<PageElement>;
  };
  IntersectionObserver?: new (cb: (entries: { target: PageElement; isIntersecting: boolean }[]) => void, opts: { rootMargin: string }) => { observe(el: PageElement): void };
  /** A worker's name (`new Worker(url, { name })`). */
  name?: string;
  onmessage?: ((ev: { data: ProbeRequest & PageMessage }) => void) | null;
  postMessage?: (msg: ProbeReply | WorkerMessage, transfer?: unknown[]) => void;
  Worker?: new (url: string, opts: { type: "module"; name: string }) => {
    postMessage(msg: ProbeRequest | PageMessage): void;
    onmessage: ((ev: { data: ProbeReply & WorkerMessage }) => void) | null;
    onerror: ((ev: unknown) => void) | null;
    terminate(): void;
  };
  requestAnimationFrame?: LabDom["requestAnimationFrame"];
  Blob?: new (parts: Uint8Array[], opts: { type: string }) => object;
  URL?: { createObjectURL(b: object): string; revokeObjectURL(u: string): void };
}

const g = globalThis as unknown as PageGlobals;
g.sockstackLab = api;
if (!g.document && g.name === PROBE_WORKER && g.postMessage) {
  // The probe worker: runs a scenario headless to its end and answers with the instant.
  const post = g.postMessage.bind(globalThis);
  g.onmessage = (ev) => {
    const { id, seed, opts } = ev.data;
    probeEnd(seed, opts).then((end) => post({ id, end }), (e: unknown) => post({ id, error: String(e) }));
  };
}
if (!g.document && g.name === SIM_WORKER && g.postMessage) {
  // The simulation Worker: the page's first message describes its elements; startLab runs here against their mirrors.
  const post = g.postMessage.bind(globalThis);
  const perf = (globalThis as unknown as { performance?: { now(): number } }).performance;
  let dom: RemoteDom | null = null;
  g.onmessage = (ev) => {
    const m = ev.data as PageMessage;
    if (dom) dom.receive(m);
    else if (m.kind === "init") {
      dom = new RemoteDom({ postMessage: post }, m, perf ? () => perf.now() : undefined);
      startLab(dom);
    }
  };
}
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
  // Probes run in a Worker of this same script, so learning where a run ends costs the page's thread nothing.
  const src = typeof doc.querySelector === "function" ? doc.querySelector('script[src$="lab.js"]')?.src : undefined;
  const W = g.Worker;
  let worker: InstanceType<NonNullable<PageGlobals["Worker"]>> | null = null;
  const waiting = new Map<number, { resolve(end: number): void; reject(e: Error): void }>();
  let nextId = 0;
  const probe: LabDom["probeEnd"] = W && src
    ? (seed, opts) => new Promise<number>((resolve, reject) => {
      if (!worker) {
        worker = new W(src, { type: "module", name: PROBE_WORKER });
        worker.onmessage = (ev) => {
          const w = waiting.get(ev.data.id);
          waiting.delete(ev.data.id);
          if (ev.data.end !== undefined) w?.resolve(ev.data.end);
          else w?.reject(new Error(ev.data.error ?? "probe failed"));
        };
        worker.onerror = () => {
          for (const w of waiting.values()) w.reject(new Error("probe worker failed"));
          waiting.clear();
        };
      }
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, seed, opts });
    })
    : undefined;
  const cancelProbes = () => {
    worker?.terminate();
    worker = null;
    for (const w of waiting.values()) w.reject(new Error("probe cancelled"));
    waiting.clear();
  };
  // Which panes are on screen (with a margin): while playing, the views off screen wait until they scroll into sight.
  const IO = g.IntersectionObserver;
  const shown = new Map<PageElement, boolean>();
  let changed: (() => void) | null = null;
  const visibility: Pick<LabDom, "visible" | "onVisibilityChange"> = IO && typeof doc.querySelectorAll === "function"
    ? (() => {
      const io = new IO((entries) => {
        for (const e of entries) shown.set(e.target, e.isIntersecting);
        changed?.();
      }, { rootMargin: "200px" });
      for (const pane of doc.querySelectorAll("section.pane")) io.observe(pane);
      return {
        visible: (id: string) => {
          const pane = (doc.getElementById(id) as unknown as PageElement | null)?.closest("section.pane");
          return pane ? shown.get(pane) ?? true : true;
        },
        onVisibilityChange: (f: () => void) => { changed = f; },
      };
    })()
    : {};
  const perf = (globalThis as unknown as { performance?: { now(): number } }).performance;
  const inPage = () => startLab({ ...visibility, getElementById: (id) => doc.getElementById(id), requestAnimationFrame: raf, ...(perf ? { now: () => perf.now() } : {}), ...(download ? { download } : {}), ...(probe ? { probeEnd: probe, cancelProbes } : {}) });
  if (W && src) {
    // The simulation in a Worker: this thread applies its writes and forwards events and frames.
    const sim = new W(src, { type: "module", name: SIM_WORKER });
    const pageDoc = doc as unknown as PageDocument;
    const end = connectSimWorker(pageDoc, sim as unknown as SimWorker, {
      requestAnimationFrame: raf,
      ...(perf ? { now: () => perf.now() } : {}),
      ...(download ? { download } : {}),
      ...(IO ? { watchPanes: (changed: (pane: PageNode, shown: boolean) => void) => {
        const io = new IO((entries) => { for (const e of entries) changed(e.target as unknown as PageNode, e.isIntersecting); }, { rootMargin: "200px" });
        for (const pane of doc.querySelectorAll("section.pane")) io.observe(pane);
      } } : {}),
    });
    sim.onerror = () => {
      // A Worker that failed before drawing anything (a browser without module Workers): simulate on this thread.
      if (end.started()) return;
      sim.terminate();
      inPage();
    };
  } else {
    inPage();
  }
}
