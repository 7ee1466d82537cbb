/**
 * The ladder diagram as a standalone SVG document (ladder.ts builds the
 * events, columns and rows; this draws them).
 */
import type { CaptureRecord } from "./capture.js";
import { LadderBuilder, ladderEvents, type LadderEvent, type LadderOptions } from "./ladder.js";
import { cells, colIndex, columns, fullLabel, isEvents, msText, rows } from "./ladder-text.js";

/** A white outline under label text, so lifelines it crosses do not strike it through. */
const HALO = ' stroke="white" stroke-width="4" paint-order="stroke"';

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * The diagram as a standalone SVG document: endpoint columns with
 * lifelines (with `lanes`, one pair per connection under a lane heading),
 * slanted arrows from send to arrival, labels above them (retransmissions
 * orange; drops red: a packet lost on the link stops mid-way at `✗`, one
 * the receiving kernel dropped ends at a `✗` on the lifeline with the
 * reason in its label), state changes as dots on the lifelines, send times
 * in ms on the left. Vertical spacing grows with the time between rows
 * (logarithmically, so a 5 s pause does not push the rest off the page).
 * @example writeFileSync("handshake.svg", ladderSvg(cap.records(), { connection: 0, title: "handshake" }));
 */
export function ladderSvg(input: readonly CaptureRecord[] | readonly LadderEvent[] | LadderBuilder, options: LadderOptions = {}): string {
  let opts = options;
  let events: readonly LadderEvent[];
  let total: number;
  /** Arrow → its number in the builder (packetIds). */
  let ids: Map<LadderEvent, number> | null = null;
  if (input instanceof LadderBuilder) {
    // A builder kept up to date as the capture grows: only the arrows drawn are built.
    const { connection, drops, relativeTime, last } = opts;
    const ix = input.indexed({ ...(connection !== undefined ? { connection } : {}), ...(drops ? { drops } : {}), ...(relativeTime ? { relativeTime } : {}), ...(last !== undefined ? { last: Math.max(1, last) } : {}) });
    events = ix.events;
    if (opts.packetIds) ids = new Map(ix.events.map((e, i) => [e, ix.index[i]!]));
    total = input.count(connection);
  } else {
    events = isEvents(input) ? input : ladderEvents(input as readonly CaptureRecord[], opts);
    total = events.length;
  }
  if (opts.last !== undefined && total > opts.last) {
    events = events.slice(Math.max(0, events.length - Math.max(1, opts.last)));
    const from = events[0]!.sent;
    const cut = `the last ${events.length.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} packets`;
    opts = { ...opts, title: opts.title ? `${opts.title} (${cut})` : cut, ...(opts.states ? { states: opts.states.filter((st) => st.t >= from) } : {}) };
  }
  const cols = columns(events, opts.lanes ?? false);
  const all = rows(events, cols, opts);
  const charW = 7.2; // monospace 12px
  const maxLabel = Math.max(10, ...events.map((e) => cells(fullLabel(e, opts))));
  const colW = Math.max(200, Math.ceil(maxLabel * charW) + 60);
  const left = 100;
  const titleH = (opts.title ? 28 : 0) + (opts.lanes ? 18 : 0);
  const top = titleH + 56;
  const xs = cols.map((_, i) => left + 40 + i * colW);
  const ys: number[] = [];
  let y = top + 20;
  all.forEach((r, i) => {
    if (i > 0) {
      const dtMs = Math.max(0, (r.t - all[i - 1]!.t) / 1000);
      y += (r.kind === "state" ? 20 : 30) + Math.min(40, 14 * Math.log10(1 + dtMs));
    }
    ys.push(y);
  });
  const slant = 16;
  const height = (ys.length ? ys[ys.length - 1]! : top) + slant + 40;
  const width = Math.ceil((xs.length ? xs[xs.length - 1]! : left) + colW / 2 + 20);
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${Math.ceil(height)}" viewBox="0 0 ${width} ${Math.ceil(height)}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="12">`);
  out.push("<defs>");
  for (const [id, color] of [["arrow", "#1f4e79"], ["arrow-retx", "#c05800"]] as const) {
    out.push(`<marker id="${id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`);
  }
  out.push("</defs>");
  out.push(`<rect x="0" y="0" width="${width}" height="${Math.ceil(height)}" fill="white"/>`);
  if (opts.title) out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${esc(opts.title)}</text>`);
  out.push(`<text x="${left - 10}" y="${top - 8}" text-anchor="end" fill="#555">ms</text>`);
  if (opts.lanes) {
    for (let i = 0; i + 1 < cols.length; i += 2) {
      out.push(`<text class="lane" x="${(xs[i]! + xs[i + 1]!) / 2}" y="${titleH + 6}" text-anchor="middle" fill="#555">connection ${cols[i]!.lane}</text>`);
    }
  }
  cols.forEach((c, i) => {
    out.push(`<text x="${xs[i]}" y="${titleH + 24}" text-anchor="middle" font-weight="bold">${esc(c.ep)}</text>`);
    out.push(`<line x1="${xs[i]}" y1="${titleH + 34}" x2="${xs[i]}" y2="${Math.ceil(height) - 16}" stroke="#888" stroke-width="1.5"/>`);
  });
  const cross = (x: number, yy: number, color: string) =>
    `<path d="M${x - 6},${yy - 6} L${x + 6},${yy + 6} M${x - 6},${yy + 6} L${x + 6},${yy - 6}" stroke="${color}" stroke-width="2.5"/>`;
  // Rows reach from a label above the arrow to its slanted end below: a margin keeps those partly in view.
  const vis = opts.visible;
  all.forEach((r, i) => {
    const y0 = ys[i]!;
    if (vis && (y0 < vis.top - 60 || y0 > vis.bottom + 60)) return;
    if (r.kind === "state") {
      const x = xs[r.col]!;
      out.push(`<g class="state">`);
      out.push(`<text x="${left - 10}" y="${y0 + 4}" text-anchor="end" fill="#999">${msText(r.t)}</text>`);
      out.push(`<circle cx="${x}" cy="${y0}" r="4" fill="#2e7d32"/>`);
      out.push(`<text x="${x + 8}" y="${y0 + 4}" fill="#2e7d32"${HALO}>${esc(r.label)}</text>`);
      out.push("</g>");
      return;
    }
    const e = r.e;
    const a = xs[colIndex(cols, e.from, e.conn)]!;
    const b = xs[colIndex(cols, e.to, e.conn)]!;
    const color = e.dropped ? "#b00020" : e.retransmission ? "#c05800" : "#1f4e79";
    const cls = e.dropped ? "drop" : e.retransmission ? "retx" : "pkt";
    const label = esc(fullLabel(e, opts));
    const id = ids?.get(e);
    out.push(id === undefined ? `<g class="${cls}">` : `<g class="${cls}" data-pkt="${id}">`);
    out.push(`<text x="${left - 10}" y="${y0 + 4}" text-anchor="end" fill="#555">${msText(e.sent)}</text>`);
    if (a === b) {
      out.push(`<text x="${a + 8}" y="${y0 + 4}" fill="${color}"${HALO}>↺ ${label}</text>`);
    } else if (e.dropped && e.dropReason === "lost") {
      const mx = (a + b) / 2;
      const my = y0 + slant / 2;
      out.push(`<line x1="${a}" y1="${y0}" x2="${mx}" y2="${my}" stroke="${color}" stroke-width="1.5" stroke-dasharray="5,3"/>`);
      out.push(cross(mx, my, color));
      out.push(`<text x="${mx}" y="${y0 - 5}" text-anchor="middle" fill="${color}"${HALO}>${label}</text>`);
    } else if (e.dropped) {
      out.push(`<line x1="${a}" y1="${y0}" x2="${b}" y2="${y0 + slant}" stroke="${color}" stroke-width="1.5" stroke-dasharray="5,3"/>`);
      out.push(cross(b, y0 + slant, color));
      out.push(`<text x="${(a + b) / 2}" y="${y0 - 2}" text-anchor="middle" fill="${color}"${HALO}>${label}</text>`);
    } else {
      const marker = e.retransmission ? "arrow-retx" : "arrow";
      out.push(`<line x1="${a}" y1="${y0}" x2="${b}" y2="${y0 + slant}" stroke="${color}" stroke-width="1.5" marker-end="url(#${marker})"/>`);
      out.push(`<text x="${(a + b) / 2}" y="${y0 - 2}" text-anchor="middle" fill="${color}"${HALO}>${label}</text>`);
    }
    out.push("</g>");
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
