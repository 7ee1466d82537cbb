// The simulation Worker's page mirror (remote-dom.ts) and the page's end
// (page-end.ts), tested apart and joined by an in-memory channel: select
// semantics as the browser's, writes coalesced in the order of their last
// assignment and posted once a turn, frames one at a time, events with the
// data-* attributes of the element clicked and its ancestors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { RemoteDom, type PageMessage, type WorkerMessage } from "./remote-dom.js";
import { connectSimWorker, type PageNode } from "./page-end.js";
import type { LabEvent } from "./ui.js";

const tick = () => new Promise<void>((r) => queueMicrotask(r));

function worker() {
  const posted: WorkerMessage[] = [];
  const dom = new RemoteDom({ postMessage: (m) => posted.push(m) }, {
    kind: "init",
    elements: [
      { id: "speed", tag: "select", value: "0.5", innerHTML: `<option value="0.1">0.1×</option><option value="0.5" selected="">0.5×</option>` },
      { id: "status", tag: "footer", value: "" },
      { id: "ladder", tag: "div", value: "" },
    ],
    hidden: ["ladder"],
  });
  return { dom, posted };
}

test("the mirror: a select keeps the browser's rules, writes coalesce per element and property, one post a turn", async () => {
  const { dom, posted } = worker();
  const speed = dom.getElementById("speed")!;
  assert.equal(speed.value, "0.5", "the initial value");
  speed.value = "7";
  assert.equal(speed.value, "", "a value no option has selects nothing");
  speed.innerHTML += `<option value="7">7×</option>`;
  assert.equal(speed.value, "0.5", "new options: the one marked selected");
  speed.value = "7";
  assert.equal(speed.value, "7");
  speed.innerHTML = `<option value="a&amp;b">x</option><option value="c">y</option>`;
  assert.equal(speed.value, "a&b", "no option marked: the first (its value unescaped)");
  const status = dom.getElementById("status")!;
  status.textContent = "one";
  status.textContent = "two";
  assert.equal(posted.length, 0, "nothing posted before the turn ends");
  await tick();
  assert.equal(posted.length, 1, "one post for the turn");
  const w = posted[0]!;
  assert.ok(w.kind === "writes", "a writes message");
  assert.deepEqual(w.writes.map(([id, prop, v]) => `${id}.${prop}=${String(v).slice(0, 12)}`),
    ["speed.value=7", "speed.innerHTML=<option valu", "status.textContent=two"], "the last assignment of each, in the order of the last ones");
  assert.equal(w.frame, false, "no frame asked");
  assert.equal(w.all, undefined, "not a whole redraw");
  status.textContent = "three";
  dom.drewAll();
  await tick();
  assert.deepEqual(posted[1], { kind: "writes", writes: [["status", "textContent", "three"]], frame: false, all: true }, "a whole redraw, marked");
  assert.equal(dom.visible("ladder"), false, "a pane off screen");
  assert.equal(dom.visible("status"), true);
  let changed = 0;
  dom.onVisibilityChange(() => changed++);
  dom.receive({ kind: "visibility", hidden: [] });
  assert.ok(dom.visible("ladder") && changed === 1, "visibility follows the page");
});

test("the mirror: frames are asked with the writes and run the callbacks once; events carry values and data attributes", async () => {
  const { dom, posted } = worker();
  const seen: number[] = [];
  dom.requestAnimationFrame((t) => seen.push(t));
  await tick();
  assert.deepEqual(posted, [{ kind: "writes", writes: [], frame: true }], "a frame asked");
  dom.receive({ kind: "frame", now: 16.7 });
  dom.receive({ kind: "frame", now: 33.4 });
  assert.deepEqual(seen, [16.7], "each callback runs once, at the next frame");
  const ladder = dom.getElementById("ladder")!;
  const got: LabEvent[] = [];
  ladder.addEventListener("click", (e) => got.push(e));
  ladder.addEventListener("click", () => {});
  assert.deepEqual(posted.slice(1), [{ kind: "listen", id: "ladder", type: "click" }], "listened to once per type");
  dom.receive({ kind: "event", id: "ladder", type: "click", attrs: { "data-i": "3" }, closest: { "data-i": "3", "data-pkt": "41" } });
  const target = got[0]!.target!;
  assert.equal(target.getAttribute!("data-i"), "3");
  assert.equal(target.closest!("[data-pkt]")!.getAttribute("data-pkt"), "41", "the arrow around the element clicked");
  assert.equal(target.closest!("[data-link]"), null);
  dom.receive({ kind: "event", id: "ladder", type: "scroll", scrollTop: 900, clientHeight: 500, attrs: {}, closest: {} });
  assert.deepEqual([ladder.scrollTop, ladder.clientHeight], [900, 500], "scroll position from the page");
  dom.receive({ kind: "value", id: "speed", value: "0.1" });
  assert.equal(dom.getElementById("speed")!.value, "0.1", "a typed value, without a write back");
  await tick();
  assert.equal(posted.length, 2, "nothing written back");
});

/** A stand-in page element: the members page-end.ts uses. */
class Node implements PageNode {
  value?: string;
  innerHTML = "";
  textContent = "";
  scrollTop = 0;
  clientHeight = 0;
  readonly attributes: { name: string; value: string }[] = [];
  readonly listeners = new Map<string, ((ev: { target: unknown; key?: string }) => void)[]>();
  constructor(readonly id: string, readonly tagName: string, readonly parentElement: Node | null, readonly pane = false) {}
  closest(sel: string): PageNode | null {
    if (sel !== "section.pane") return null;
    return this.pane ? this : this.parentElement?.closest(sel) ?? null;
  }
  addEventListener(type: string, l: (ev: { target: unknown; key?: string }) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  fire(type: string, target: Node = this, key?: string): void {
    for (const l of this.listeners.get(type) ?? []) l({ target, ...(key !== undefined ? { key } : {}) });
  }
}

test("the page's end: describes its elements, applies writes, forwards events with the clicked element's data attributes, one frame at a time", () => {
  const pane = new Node("ladder-pane", "SECTION", null, true);
  const ladder = new Node("ladder", "DIV", pane);
  const loss = new Node("loss", "INPUT", null);
  loss.value = "0";
  const arrow = new Node("", "g", ladder);
  arrow.attributes.push({ name: "data-pkt", value: "7" });
  const label = new Node("", "text", arrow);
  const byId = new Map([ladder, loss, pane].map((n) => [n.id, n]));
  const sent: PageMessage[] = [];
  const sim = { postMessage: (m: PageMessage) => sent.push(m), onmessage: null as ((ev: { data: WorkerMessage }) => void) | null };
  const frames: ((t: number) => void)[] = [];
  let watch: ((p: PageNode, shown: boolean) => void) | null = null;
  const end = connectSimWorker({ getElementById: (id) => byId.get(id) ?? null, querySelectorAll: () => [pane, ladder, loss] }, sim, {
    requestAnimationFrame: (cb) => frames.push(cb),
    watchPanes: (f) => { watch = f; },
  });
  assert.deepEqual(sent[0], { kind: "init", hidden: [], elements: [
    { id: "ladder-pane", tag: "section", value: "" }, { id: "ladder", tag: "div", value: "" }, { id: "loss", tag: "input", value: "0" },
  ] }, "every element with an id");
  assert.equal(end.started(), false);
  sim.onmessage!({ data: { kind: "writes", writes: [["ladder", "innerHTML", "<svg/>"], ["loss", "value", "20"]], frame: true } });
  sim.onmessage!({ data: { kind: "writes", writes: [], frame: true } });
  assert.ok(end.started(), "the Worker drew");
  assert.deepEqual([ladder.innerHTML, loss.value], ["<svg/>", "20"], "writes applied");
  assert.equal(frames.length, 1, "one frame asked while one is pending");
  frames[0]!(16);
  assert.deepEqual(sent.at(-1), { kind: "frame", now: 16 });
  sim.onmessage!({ data: { kind: "listen", id: "ladder", type: "click" } });
  ladder.fire("click", label);
  assert.deepEqual(sent.at(-1), { kind: "event", id: "ladder", type: "click", attrs: {}, closest: { "data-pkt": "7" } }, "the arrow's number, from the text clicked inside it");
  loss.value = "5";
  loss.fire("input");
  assert.deepEqual(sent.at(-1), { kind: "value", id: "loss", value: "5" }, "typed values follow");
  watch!(pane, false);
  assert.deepEqual(sent.at(-1), { kind: "visibility", hidden: ["ladder-pane", "ladder"] }, "the ids of a pane off screen");
});

test("the page's end with a clock: the views' HTML parsed within a budget a frame, small writes at once, an unparsed view replaced by a newer one", () => {
  const a = new Node("a", "PRE", null), b = new Node("b", "PRE", null), clockEl = new Node("clock", "SPAN", null);
  const byId = new Map([a, b, clockEl].map((n) => [n.id, n]));
  const sim = { postMessage: () => {}, onmessage: null as ((ev: { data: WorkerMessage }) => void) | null };
  const frames: ((t: number) => void)[] = [];
  let t = 0;
  connectSimWorker({ getElementById: (id) => byId.get(id) ?? null, querySelectorAll: () => [a, b, clockEl] }, sim, {
    requestAnimationFrame: (cb) => frames.push(cb),
    now: () => (t += 3), // each reading 3 ms later: one HTML write fits the budget, the next does not
  });
  sim.onmessage!({ data: { kind: "writes", writes: [["a", "innerHTML", "A1"], ["b", "innerHTML", "B1"], ["clock", "textContent", "t = 1"]], frame: true } });
  assert.deepEqual([a.innerHTML, b.innerHTML, clockEl.textContent], ["", "", ""], "applied at the animation frame");
  frames.shift()!(16);
  assert.deepEqual([a.innerHTML, b.innerHTML, clockEl.textContent], ["A1", "", "t = 1"], "one view's HTML and the small writes; b waits");
  sim.onmessage!({ data: { kind: "writes", writes: [["b", "innerHTML", "B2"], ["a", "innerHTML", "A2"]], frame: true } });
  assert.equal(frames.length, 1, "one frame asked");
  frames.shift()!(33);
  assert.deepEqual([a.innerHTML, b.innerHTML], ["A1", "B2"], "the newer HTML of b, B1 never parsed; A2 waits");
  sim.onmessage!({ data: { kind: "writes", writes: [["clock", "textContent", "t = 2"]], frame: true, all: true } });
  assert.deepEqual([a.innerHTML, clockEl.textContent], ["A2", "t = 2"], "a whole redraw (paused): everything at once");
});
