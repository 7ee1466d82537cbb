/**
 * The lab's page, seen from a Web Worker: the simulation and every view's
 * computation run in the Worker (the `sockstack-lab-sim` Worker of the same
 * bundle), and the page's thread only applies what changed and paints.
 *
 * {@link RemoteDom} is the {@link LabDom} the Worker hands to `startLab`:
 * each element of the page is mirrored by a {@link MirrorElement} (its
 * value, and for a `<select>` its options, kept as the browser keeps them);
 * an assignment of what the element already has is dropped, the others are
 * coalesced per element and property and posted
 * once per turn of the Worker's event loop as a compact list of
 * `[id, property, value]` writes (the views assign only what changed, so a
 * playing frame posts the clock, the status line and the view whose turn it
 * was). The page posts back its animation frames, the events the views
 * listen to (with the value of the control, its scroll position, the key,
 * and the `data-*` attributes of the element clicked and its ancestors),
 * which panes are on screen, and the values typed into its controls.
 *
 * The protocol is plain structured-clone data, so the page's end
 * (page-end.ts) and this end can be tested apart; the page's thread never
 * runs the simulation. Pure TypeScript: no DOM, no Node.
 *
 * @example
 * declare const port: RemotePort; // the Worker's global scope (its postMessage)
 * declare const init: Extract<PageMessage, { kind: "init" }>; // the page's first message
 * const dom = new RemoteDom(port, init); // main.ts then runs startLab(dom)
 * dom.getElementById("clock")!.textContent = "t = 0.000 s"; // posted to the page at the end of this turn
 */
import type { LabDom, LabElement, LabEvent } from "./ui.js";

/** An element of the page as the "init" message describes it. */
export interface RemoteElementInit {
  id: string;
  /** Lower-case tag name (`select`, `input`, `pre`, …). */
  tag: string;
  /** The control's value (`""` for elements that have none). */
  value: string;
  /** A `<select>`'s options as HTML (mirrored: the views append to some). */
  innerHTML?: string;
}

/** What the page posts to the Worker. */
export type PageMessage =
  | { kind: "init"; elements: RemoteElementInit[]; hidden: string[] }
  /** An animation frame of the page (its requestAnimationFrame time stamp). */
  | { kind: "frame"; now: number }
  /** An event on element `id` that the Worker listens to. */
  | { kind: "event"; id: string; type: string; value?: string; scrollTop?: number; clientHeight?: number; key?: string;
    /** The `data-*` attributes of the element the event happened on. */
    attrs: Record<string, string>;
    /** For each `data-*` attribute, its value on the nearest element from the target up to `id` that has it. */
    closest: Record<string, string> }
  /** A control's value changed (typing): the mirror follows, no listener runs. */
  | { kind: "value"; id: string; value: string }
  /** The ids of the elements whose pane is off screen now. */
  | { kind: "visibility"; hidden: string[] };

/** One property assignment: element id, property, value. */
export type RemoteWrite = [id: string, prop: "textContent" | "innerHTML" | "value" | "disabled" | "max" | "scrollTop" | "className", value: string | number | boolean];

/** What the Worker posts to the page. */
export type WorkerMessage =
  /** Assignments to apply in order, and whether the Worker wants the next animation frame. */
  | { kind: "writes"; writes: RemoteWrite[]; frame: boolean;
    /** The writes end a redraw of every view (paused, or waiting for input): the page applies them all now, not within its per-frame budget. */
    all?: true }
  /** The Worker listens to `type` events of element `id`. */
  | { kind: "listen"; id: string; type: string }
  /** A file to offer the user (the pcap). */
  | { kind: "download"; name: string; bytes: Uint8Array; type: string };

/** The Worker's side of the channel: its global scope's postMessage. */
export interface RemotePort {
  postMessage(msg: WorkerMessage, transfer?: unknown[]): void;
}

/** Undoes `esc` (views.ts) in an attribute value. */
const unesc = (s: string) => s.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: "<", gt: ">", quot: '"', "#39": "'", amp: "&" })[e]!);

/** The options of a `<select>`'s HTML: each value, and the one marked `selected` (else the first, as the browser picks). */
function parseOptions(html: string): { values: string[]; selected: string } {
  const values: string[] = [];
  let selected: string | null = null;
  for (const m of html.matchAll(/<option\b([^>]*)>([^<]*)/g)) {
    const attrs = m[1]!;
    const v = /\bvalue="([^"]*)"/.exec(attrs);
    const value = v ? unesc(v[1]!) : unesc(m[2]!.trim());
    values.push(value);
    if (selected === null && /\bselected\b/.test(attrs)) selected = value;
  }
  return { values, selected: selected ?? values[0] ?? "" };
}

/** A page element mirrored in the Worker: what the views read back is what they (or the learner) last set. */
export class MirrorElement implements LabElement {
  #text: string | null = null;
  #html = "";
  #value: string;
  #disabled = false;
  #max: string | undefined;
  #scrollTop = 0;
  #className = "";
  /** The view's listeners, by event type. */
  readonly listeners = new Map<string, ((ev: LabEvent) => void)[]>();
  /** A `<select>`'s option values. */
  #options: string[] | null = null;
  /** The element's inner height, as the page last reported it (scroll events). */
  clientHeight = 0;

  constructor(readonly id: string, readonly tag: string, init: RemoteElementInit, readonly dom: RemoteDom) {
    this.#value = init.value;
    if (tag === "select") {
      this.#html = init.innerHTML ?? "";
      this.#options = parseOptions(this.#html).values;
    }
  }

  get textContent(): string | null { return this.#text; }
  set textContent(v: string | null) { if (v !== this.#text) { this.#text = v; this.dom.write(this.id, "textContent", v ?? ""); } }
  get innerHTML(): string { return this.#html; }
  set innerHTML(v: string) {
    if (v === this.#html) return;
    this.#html = v;
    if (this.#options) {
      const o = parseOptions(v);
      this.#options = o.values;
      this.#value = o.selected; // the browser selects the option marked selected, else the first
    }
    this.dom.write(this.id, "innerHTML", v);
  }
  get value(): string { return this.#value; }
  set value(v: string) {
    if (v === this.#value) return;
    // A select given a value none of its options has selects nothing: its value reads "".
    this.#value = this.#options && !this.#options.includes(v) ? "" : v;
    this.dom.write(this.id, "value", v);
  }
  get disabled(): boolean { return this.#disabled; }
  set disabled(v: boolean) { if (v !== this.#disabled) { this.#disabled = v; this.dom.write(this.id, "disabled", v); } }
  get max(): string | undefined { return this.#max; }
  set max(v: string | undefined) { if (v !== this.#max) { this.#max = v; this.dom.write(this.id, "max", v ?? ""); } }
  get scrollTop(): number { return this.#scrollTop; }
  set scrollTop(v: number) { this.#scrollTop = v; this.dom.write(this.id, "scrollTop", v); }
  get className(): string { return this.#className; }
  set className(v: string) { if (v !== this.#className) { this.#className = v; this.dom.write(this.id, "className", v); } }

  addEventListener(type: string, listener: (ev: LabEvent) => void): void {
    const list = this.listeners.get(type);
    if (list) list.push(listener);
    else {
      this.listeners.set(type, [listener]);
      this.dom.port.postMessage({ kind: "listen", id: this.id, type });
    }
  }

  /** The page reported the control's value (typed, picked): the mirror takes it without writing it back. */
  took(value: string): void {
    this.#value = value;
  }

  /** The page reported the scroll position. */
  scrolled(top: number, height: number | undefined): void {
    this.#scrollTop = top;
    if (height !== undefined) this.clientHeight = height;
  }
}

/** The {@link LabDom} of the simulation Worker: the page's elements mirrored, writes posted, frames and events received. */
export class RemoteDom implements LabDom {
  readonly #elements = new Map<string, MirrorElement>();
  /** Pending writes by `id\0prop` (insertion order = order of the last assignment). */
  readonly #writes = new Map<string, RemoteWrite>();
  #flushing = false;
  #frameCbs: ((now: number) => void)[] = [];
  #wantFrame = false;
  #all = false;
  #hidden: Set<string>;
  #onVisibility: (() => void) | null = null;
  /** Real time (ms) in the Worker, for the simulation's per-frame budget. */
  readonly now?: () => number;
  /** The simulation's per-frame budget (ms): the Worker's thread does nothing else, so it may take most of a frame. */
  readonly simBudgetMs = { min: 1, max: 12 };
  /** Where the simulation runs (the summary line says it). */
  readonly simulatedIn = "a Web Worker of this page";

  constructor(readonly port: RemotePort, init: Extract<PageMessage, { kind: "init" }>, clock?: () => number) {
    for (const e of init.elements) this.#elements.set(e.id, new MirrorElement(e.id, e.tag, e, this));
    this.#hidden = new Set(init.hidden);
    if (clock) this.now = clock;
  }

  getElementById(id: string): LabElement | null {
    return this.#elements.get(id) ?? null;
  }

  requestAnimationFrame(cb: (now: number) => void): void {
    this.#frameCbs.push(cb);
    this.#wantFrame = true;
    this.#schedule();
  }

  visible(id: string): boolean {
    return !this.#hidden.has(id);
  }

  onVisibilityChange(changed: () => void): void {
    this.#onVisibility = changed;
  }

  /** A redraw of every view ended: the writes of this turn go as one whole (the page applies them at once). */
  drewAll(): void {
    this.#all = true;
    this.#schedule();
  }

  download(name: string, bytes: Uint8Array, type: string): void {
    const copy = bytes.slice(); // its own buffer, handed over (transferred), not copied again
    this.port.postMessage({ kind: "download", name, bytes: copy, type }, [copy.buffer]);
  }

  /** Records an assignment; posted with the others of this turn. */
  write(id: string, prop: RemoteWrite[1], value: RemoteWrite[2]): void {
    const k = `${id}\0${prop}`;
    this.#writes.delete(k);
    this.#writes.set(k, [id, prop, value]);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    queueMicrotask(() => this.flush());
  }

  /** Posts the pending writes (and a frame request) now. */
  flush(): void {
    this.#flushing = false;
    if (this.#writes.size === 0 && !this.#wantFrame) return;
    const writes = [...this.#writes.values()];
    this.#writes.clear();
    const frame = this.#wantFrame, all = this.#all;
    this.#wantFrame = this.#all = false;
    this.port.postMessage({ kind: "writes", writes, frame, ...(all ? { all } : {}) });
  }

  /** Handles a message of the page. */
  receive(msg: PageMessage): void {
    switch (msg.kind) {
      case "init": return; // taken by the constructor
      case "frame": {
        const cbs = this.#frameCbs;
        this.#frameCbs = [];
        for (const cb of cbs) cb(msg.now);
        return;
      }
      case "value":
        this.#elements.get(msg.id)?.took(msg.value);
        return;
      case "visibility":
        this.#hidden = new Set(msg.hidden);
        this.#onVisibility?.();
        return;
      case "event": {
        const e = this.#elements.get(msg.id);
        if (!e) return;
        if (msg.value !== undefined) e.took(msg.value);
        if (msg.scrollTop !== undefined) e.scrolled(msg.scrollTop, msg.clientHeight);
        const attr = (rec: Record<string, string>) => (name: string) => rec[name] ?? null;
        const ev: LabEvent = {
          target: {
            getAttribute: attr(msg.attrs),
            // Only `[data-…]` selectors: what the views ask for (the arrow, the line, the link clicked).
            closest: (sel: string) => {
              const m = /^\[([\w-]+)\]$/.exec(sel);
              const v = m ? msg.closest[m[1]!] : undefined;
              return v === undefined ? null : { getAttribute: (n: string) => (n === m![1] ? v : null) };
            },
          },
          ...(msg.key !== undefined ? { key: msg.key } : {}),
        };
        for (const l of e.listeners.get(msg.type) ?? []) l(ev);
        return;
      }
    }
  }
}
