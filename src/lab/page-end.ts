/**
 * The page's end of the simulation Worker (remote-dom.ts): the page's
 * thread describes its elements once, then only applies the Worker's
 * writes (at animation frames, the views' HTML within
 * {@link LAB_PAGE_HTML_BUDGET_MS} a frame), forwards the events the Worker listens to (with the control's
 * value, its scroll position, the key, and the `data-*` attributes of the
 * element clicked and of its ancestors), forwards typed values, animation
 * frames the Worker asks for, which panes are on screen, and saves the
 * files the Worker offers. No simulation and no view is computed here.
 *
 * The DOM members used are typed by hand (the project compiles without
 * the DOM library).
 *
 * @example
 * declare const doc: PageDocument, worker: SimWorker, raf: (cb: (t: number) => void) => void;
 * connectSimWorker(doc, worker, { requestAnimationFrame: raf });
 */
import type { PageMessage, RemoteElementInit, RemoteWrite, WorkerMessage } from "./remote-dom.js";

/** An element of the page, as this end uses it. */
export interface PageNode {
  id: string;
  tagName: string;
  value?: string;
  innerHTML: string;
  scrollTop?: number;
  clientHeight?: number;
  parentElement: PageNode | null;
  attributes?: Iterable<{ name: string; value: string }>;
  closest(sel: string): PageNode | null;
  addEventListener(type: string, listener: (ev: { target: unknown; key?: string }) => void): void;
}

/** The document, as this end uses it. */
export interface PageDocument {
  getElementById(id: string): PageNode | null;
  querySelectorAll(sel: string): Iterable<PageNode>;
}

/** The simulation Worker, as this end uses it. */
export interface SimWorker {
  postMessage(msg: PageMessage): void;
  onmessage: ((ev: { data: WorkerMessage }) => void) | null;
}

/** What else the page lends: its frame clock, a download hook, and a visibility watch on panes. */
export interface PageEndOptions {
  requestAnimationFrame(cb: (now: number) => void): void;
  download?(name: string, bytes: Uint8Array, type: string): void;
  /** Calls `changed(pane, shown)` as panes (`section.pane`) come into or leave the screen; absent, every pane counts as shown. */
  watchPanes?(changed: (pane: PageNode, shown: boolean) => void): void;
  /** Real time in ms (performance.now): bounds the views' HTML parsed per frame; absent, every write is applied as it comes. */
  now?(): number;
}

/**
 * Real time (ms) a frame of the page spends parsing the views' HTML (their
 * `innerHTML` writes) before it leaves the rest to the next frames: the
 * Worker computes the views' text cheaply, so it may send more than one
 * frame can parse and lay out. Small writes (text, values, the clock) are
 * applied at once; a view's HTML not yet applied when a newer one comes is
 * replaced by it, unparsed. Only while playing: a whole redraw (paused,
 * or waiting for input) is applied at once.
 */
export const LAB_PAGE_HTML_BUDGET_MS = 4;

/** The `data-*` attributes of `n`. */
function dataAttrs(n: PageNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of n.attributes ?? []) if (a.name.startsWith("data-")) out[a.name] = a.value;
  return out;
}

/**
 * Connects the page's elements to the simulation Worker: posts the "init"
 * message (every element with an id), then serves the Worker. Returns a
 * function that reports whether the Worker has written anything yet (the
 * page falls back to simulating itself when it has not, and it failed).
 */
export function connectSimWorker(doc: PageDocument, worker: SimWorker, opts: PageEndOptions): { started(): boolean } {
  const all = [...doc.querySelectorAll("[id]")];
  const elements: RemoteElementInit[] = all.map((n) => {
    const tag = n.tagName.toLowerCase();
    return { id: n.id, tag, value: typeof n.value === "string" ? n.value : "", ...(tag === "select" ? { innerHTML: n.innerHTML } : {}) };
  });
  // Which pane holds each element: the Worker skips the views of panes off screen.
  const paneOf = new Map<PageNode, string[]>();
  for (const n of all) {
    const pane = n.closest("section.pane");
    if (!pane) continue;
    const ids = paneOf.get(pane);
    if (ids) ids.push(n.id);
    else paneOf.set(pane, [n.id]);
  }
  const hiddenPanes = new Set<PageNode>();
  const hidden = () => [...hiddenPanes].flatMap((p) => paneOf.get(p) ?? []);
  worker.postMessage({ kind: "init", elements, hidden: [] });
  opts.watchPanes?.((pane, shown) => {
    if (shown) hiddenPanes.delete(pane);
    else hiddenPanes.add(pane);
    worker.postMessage({ kind: "visibility", hidden: hidden() });
  });
  // Typed values follow into the mirror (the Worker reads a control's value when a button is pressed).
  for (const n of all) {
    if (typeof n.value !== "string") continue;
    n.addEventListener("input", () => worker.postMessage({ kind: "value", id: n.id, value: n.value ?? "" }));
  }
  let started = false;
  /** The Worker asked for a frame, and this end for an animation frame. */
  let frameWanted = false, rafAsked = false;
  /** Writes not applied yet, by `id\0prop`, in the order of their last assignment. */
  const pending = new Map<string, RemoteWrite>();
  const clock = opts.now;
  /** Applies the pending writes: in order, the HTML ones within the frame's budget (an element whose HTML waits keeps its later writes waiting too). */
  const apply = () => {
    const t0 = clock?.();
    const waiting = new Set<string>();
    for (const [k, w] of pending) {
      const [id, prop, value] = w;
      if (waiting.has(id)) continue;
      if (prop === "innerHTML" && t0 !== undefined && clock!() - t0 > LAB_PAGE_HTML_BUDGET_MS) {
        waiting.add(id);
        continue;
      }
      pending.delete(k);
      const n = doc.getElementById(id) as unknown as Record<string, unknown> | null;
      if (n) n[prop] = value;
    }
  };
  /** Applies every pending write now. */
  const applyAll = () => {
    for (const [id, prop, value] of pending.values()) {
      const n = doc.getElementById(id) as unknown as Record<string, unknown> | null;
      if (n) n[prop] = value;
    }
    pending.clear();
  };
  /** One animation frame: apply what can be, give the Worker its frame if it asked, and come again while writes wait. */
  const onFrame = (now: number) => {
    rafAsked = false;
    apply();
    if (frameWanted) {
      frameWanted = false;
      worker.postMessage({ kind: "frame", now });
    }
    if (pending.size > 0) askFrame();
  };
  const askFrame = () => {
    if (rafAsked) return;
    rafAsked = true;
    opts.requestAnimationFrame(onFrame);
  };
  worker.onmessage = (ev) => {
    const m = ev.data;
    switch (m.kind) {
      case "writes":
        started = true;
        for (const w of m.writes) {
          const k = `${w[0]}\0${w[1]}`;
          pending.delete(k); // a newer write of the same property replaces one not applied yet
          pending.set(k, w);
        }
        // A whole redraw (paused, or idle waiting for input) is applied at once, every view, as the page would draw it itself.
        if (!clock || m.all) applyAll();
        if (m.frame) frameWanted = true;
        if (pending.size > 0 || frameWanted) askFrame();
        return;
      case "listen": {
        const n = doc.getElementById(m.id);
        if (!n) return;
        n.addEventListener(m.type, (e) => {
          // The element's own data-* attributes, and for each the nearest on the way up to the listening element.
          const target = (e.target ?? n) as PageNode;
          const closest: Record<string, string> = {};
          for (let p: PageNode | null = target; p; p = p === n ? null : p.parentElement) {
            for (const [k, v] of Object.entries(dataAttrs(p))) if (!(k in closest)) closest[k] = v;
          }
          worker.postMessage({
            kind: "event", id: m.id, type: m.type, attrs: dataAttrs(target), closest,
            ...(typeof n.value === "string" ? { value: n.value } : {}),
            ...(m.type === "scroll" ? { scrollTop: n.scrollTop ?? 0, clientHeight: n.clientHeight ?? 0 } : {}),
            ...(e.key !== undefined ? { key: e.key } : {}),
          });
        });
        return;
      }
      case "download":
        opts.download?.(m.name, m.bytes, m.type);
        return;
    }
  };
  return { started: () => started };
}
