/**
 * The ladder diagram's layout — columns per endpoint (or per connection's
 * endpoint in lanes mode), rows in time order, label widths in terminal
 * cells — and {@link ladderText}, the diagram as fixed-width text. The
 * events come from ladder.ts; ladder-svg.ts draws the same layout as SVG.
 */
import type { Micros } from "../core/time.js";
import type { CaptureRecord } from "./capture.js";
import { connKey, ladderEvents, type LadderEvent, type LadderOptions } from "./ladder.js";

/** A column: an endpoint, in lanes mode the endpoint within one connection. */
export interface Column {
  /** The endpoint (`10.0.0.2:9090`). */
  ep: string;
  /** Lanes mode: the connection the column belongs to. */
  conn: string | null;
  /** Lanes mode: the lane number (0-based). */
  lane: number;
}

/**
 * Columns: addresses in order of first appearance, each address's endpoints
 * together; with `lanes`, one pair per connection in order of first packet
 * (its first sender on the left).
 */
export function columns(events: readonly LadderEvent[], lanes: boolean): Column[] {
  if (lanes) {
    const out: Column[] = [];
    const seen = new Set<string>();
    for (const e of events) {
      if (seen.has(e.conn)) continue;
      const lane = seen.size;
      seen.add(e.conn);
      out.push({ ep: e.from, conn: e.conn, lane }, { ep: e.to, conn: e.conn, lane });
    }
    return out;
  }
  const byAddr = new Map<string, string[]>();
  const add = (ep: string) => {
    const addr = ep.split(":")[0]!;
    let l = byAddr.get(addr);
    if (!l) byAddr.set(addr, (l = []));
    if (!l.includes(ep)) l.push(ep);
  };
  for (const e of events) {
    add(e.from);
    add(e.to);
  }
  return [...byAddr.values()].flat().map((ep) => ({ ep, conn: null, lane: 0 }));
}

/** The column of endpoint `ep` in connection `conn`. */
export function colIndex(cols: readonly Column[], ep: string, conn: string): number {
  return cols.findIndex((c) => c.ep === ep && (c.conn === null || c.conn === conn));
}

/** A row of the diagram: an arrow, or a state change on a lifeline. */
export type Row = { kind: "arrow"; t: Micros; e: LadderEvent } | { kind: "state"; t: Micros; col: number; label: string };

/** Arrows and the state marks of their endpoints, in time order (a state before an arrow of the same instant). */
export function rows(events: readonly LadderEvent[], cols: readonly Column[], opts: LadderOptions): Row[] {
  const out: Row[] = events.map((e) => ({ kind: "arrow" as const, t: e.sent, e }));
  const conns = new Set(events.map((e) => e.conn));
  const t0 = opts.relativeTime && events.length ? events[0]!.sent : 0;
  const shared = (ep: string) => new Set(events.filter((e) => e.from === ep || e.to === ep).map((e) => e.conn)).size > 1;
  for (const s of opts.states ?? []) {
    const conn = connKey(s.endpoint, s.peer);
    if (!conns.has(conn)) continue;
    const col = colIndex(cols, s.endpoint, conn);
    if (col < 0) continue;
    const label = cols[col]!.conn === null && shared(s.endpoint) ? `${s.state} (:${s.peer.split(":")[1]})` : s.state;
    out.push({ kind: "state", t: s.t - t0, col, label });
  }
  // Stable sort by time; at one instant states first (connect() enters SYN_SENT before the SYN leaves).
  return out
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.t - b.r.t || (a.r.kind === b.r.kind ? a.i - b.i : a.r.kind === "state" ? -1 : 1))
    .map((x) => x.r);
}

/** Virtual µs as milliseconds with three decimals (`200.050`). */
export function msText(t: Micros): string {
  return (t / 1000).toFixed(3);
}

export function isEvents(x: readonly CaptureRecord[] | readonly LadderEvent[]): x is readonly LadderEvent[] {
  return x.length > 0 && "label" in x[0]!;
}

/** The label of an arrow with its drop reason (`S seq 0 ✗ accept queue full`). */
export function fullLabel(e: LadderEvent, opts: LadderOptions): string {
  if (!e.dropped || !e.dropReason) return e.label;
  if (e.dropReason === "lost") return `${e.label} ${opts.translate ? opts.translate("lost") : "lost"}`;
  return `${e.label} ✗ ${opts.translate ? opts.translate(e.dropReason) : e.dropReason}`;
}

/** Only characters below U+1100 (one UTF-16 unit and one cell each). */
const NARROW = /^[^\u1100-\uffff]*$/;

/** Display width of a string: CJK characters take two cells. */
export function cells(s: string): number {
  if (NARROW.test(s)) return s.length; // nothing wide (the usual label): one cell per character, no per-character test
  let n = 0;
  for (const ch of s) n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return n;
}

/** Splits `s` into display cells (a wide character followed by an empty cell). */
function toCells(s: string): string[] {
  const out: string[] = [];
  for (const ch of s) {
    out.push(ch);
    if (cells(ch) === 2) out.push("");
  }
  return out;
}

/**
 * The diagram as fixed-width text: endpoint names on top (with `lanes`, a
 * lane number above each connection's pair of columns), one line per
 * packet with its send time in ms on the left, `──── label ───▶` or
 * `◀─── label ────` between the columns; a packet lost on the link stops
 * mid-way at `✗ lost`, one the receiving kernel dropped ends in `✗` with
 * the reason after its label (`S seq 0 ✗ accept queue full`);
 * retransmissions are marked `(retx)`; state changes sit on their
 * lifeline (`├ ESTABLISHED`).
 * @example
 * ladderText(cap.records(), { connection: 0 })
 * //      ms  10.0.0.1:33602            10.0.0.2:9090
 * // 200.000       │── S seq 0 ──────────────▶│
 */
export function ladderText(input: readonly CaptureRecord[] | readonly LadderEvent[], opts: LadderOptions = {}): string {
  const events = isEvents(input) ? input : ladderEvents(input as readonly CaptureRecord[], opts);
  if (events.length === 0) return "(no packets)";
  const cols = columns(events, opts.lanes ?? false);
  const all = rows(events, cols, opts);
  const times = all.map((r) => msText(r.t));
  const timeW = Math.max(2, ...times.map((t) => t.length));
  const maxLabel = Math.max(...events.map((e) => cells(fullLabel(e, opts))));
  const maxState = Math.max(0, ...all.map((r) => (r.kind === "state" ? cells(r.label) + 3 : 0)));
  // Between two columns an arrow may run: room for the longest label; between lanes (no arrow crosses), room for names and states.
  const fit = (i: number) => Math.ceil(cols[i - 1]!.ep.length / 2) + Math.ceil(cols[i]!.ep.length / 2) + 3;
  let gap = Math.max(maxLabel + 10, maxState + 2, 16);
  for (let i = 1; i < cols.length; i++) gap = Math.max(gap, fit(i));
  const x0 = timeW + 2 + Math.ceil(cols[0]!.ep.length / 2);
  const xs = [x0];
  for (let i = 1; i < cols.length; i++) {
    const betweenLanes = cols[i]!.conn !== null && cols[i]!.lane !== cols[i - 1]!.lane;
    xs.push(xs[i - 1]! + (betweenLanes ? Math.max(fit(i), maxState + 2) : gap));
  }
  const width = Math.max(xs[xs.length - 1]! + Math.ceil(cols[cols.length - 1]!.ep.length / 2) + 1, xs[xs.length - 1]! + maxState + 1);
  const lines: string[] = [];
  const blank = () => Array<string>(width).fill(" ");
  const put = (row: string[], x: number, s: string) => {
    const c = toCells(s);
    for (let i = 0; i < c.length && x + i < row.length; i++) row[x + i] = c[i]!;
  };
  const lanes = opts.lanes ?? false;
  if (lanes) {
    const head = blank();
    for (let i = 0; i < cols.length; i += 2) {
      const mid = Math.floor((xs[i]! + xs[i + 1]!) / 2);
      const text = `connection ${cols[i]!.lane}`;
      put(head, mid - Math.floor(text.length / 2), text);
    }
    lines.push(head.join("").trimEnd());
  }
  const header = blank();
  put(header, timeW - 2, "ms");
  cols.forEach((c, i) => put(header, xs[i]! - Math.floor(c.ep.length / 2), c.ep));
  lines.push(header.join("").trimEnd());
  all.forEach((r, k) => {
    const row = blank();
    put(row, timeW - times[k]!.length, times[k]!);
    for (const x of xs) row[x] = "│";
    if (r.kind === "state") {
      put(row, xs[r.col]!, `├ ${r.label}`);
      lines.push(row.join("").replace(/\s+$/, ""));
      return;
    }
    const e = r.e;
    const a = xs[colIndex(cols, e.from, e.conn)]!;
    const b = xs[colIndex(cols, e.to, e.conn)]!;
    const label = fullLabel(e, opts);
    if (a === b) {
      put(row, a + 2, `↺ ${label}`);
    } else {
      const lo = Math.min(a, b);
      const span = Math.abs(b - a) - 1; // cells strictly between the bars
      const body = Array<string>(span).fill("─");
      for (let i = 0; i < span; i++) if (xs.includes(lo + 1 + i)) body[i] = "┼";
      const text = toCells(` ${label} `);
      const right = b > a;
      const start = right ? 2 : span - 2 - text.length;
      for (let i = 0; i < text.length; i++) body[start + i] = text[i]!;
      if (e.dropped && e.dropReason === "lost") {
        const mid = Math.floor(span / 2);
        const cross = right ? Math.max(mid, start + text.length + 1) : Math.min(mid, start - 2);
        if (right) for (let i = cross; i < span; i++) body[i] = xs.includes(lo + 1 + i) ? "│" : " ";
        else for (let i = 0; i <= cross; i++) body[i] = xs.includes(lo + 1 + i) ? "│" : " ";
        body[cross] = "✗";
      } else if (right) body[span - 1] = e.dropped ? "✗" : "▶";
      else body[0] = e.dropped ? "✗" : "◀";
      put(row, lo + 1, body.join(""));
    }
    lines.push(row.join("").trimEnd());
  });
  return lines.join("\n");
}
