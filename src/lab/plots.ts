/**
 * The lab's plots over time, as SVG text: the time-sequence graph of one
 * direction of a TCP connection (Stevens' graph, what Wireshark's "Stevens"
 * and tcptrace draw) and line charts of per-socket samples (cwnd,
 * ssthresh, smoothed RTT). Pure functions over captured packet fields and
 * samples, so tests check them without a browser.
 *
 * The time-sequence graph, for the sender of a direction:
 * - each data segment is a vertical bar from its first to its last
 *   sequence number at the time it crossed the capture point; a
 *   retransmission (a range at or below the highest already sent) is
 *   drawn in orange;
 * - SYN and FIN are small ticks (they take one sequence number);
 * - the receiver's cumulative ACK is a green step line, and its window's
 *   right edge (ACK + window × 2^wscale, the scale from its SYN) a yellow one.
 * Sequence numbers are relative to the sender's ISN, as tcptrace shows them.
 *
 * @example
 * declare const packets: PlotPacket[];
 * const svg = timeSequenceSvg(packets, { src: "10.0.0.1:40000", dst: "10.0.0.2:9090" });
 */
import type { Micros } from "../core/time.js";
import type { PacketFields } from "../tools/packet-fields.js";

/** A packet the plots read: when it crossed the capture point and its parsed fields. */
export interface PlotPacket {
  t: Micros;
  fields: PacketFields;
}

/** One direction of a connection: `addr:port` of the sender and of the receiver. */
export interface PlotDirection {
  src: string;
  dst: string;
}

/** One sample of a socket's variables. */
export interface SocketSample {
  t: Micros;
  /** Congestion window, segments. */
  cwnd: number;
  /** Slow-start threshold, segments (a huge value while unset). */
  ssthresh: number;
  /** Smoothed RTT, µs (0 before the first sample). */
  srttUs: number;
}

const W = 620, H = 270, L = 64, R = 16, T = 36, B = 36;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** "Nice" tick steps (1, 2, 5 × 10^k) covering `span` in about `n` steps. */
function ticks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** The frame of a plot: axes, ticks, labels; returns the open svg parts and the scales. */
function frame(title: string, x0: number, x1: number, y0: number, y1: number, yLabel: string): { out: string[]; sx: (x: number) => number; sy: (y: number) => number } {
  const sx = (x: number) => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const sy = (y: number) => H - B - ((y - y0) / (y1 - y0 || 1)) * (H - T - B);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="monospace" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="13" font-weight="bold">${esc(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#888"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#888"/>`,
  ];
  for (const v of ticks(x0, x1)) {
    out.push(`<line x1="${sx(v).toFixed(1)}" y1="${H - B}" x2="${sx(v).toFixed(1)}" y2="${H - B + 4}" stroke="#888"/>`);
    out.push(`<text x="${sx(v).toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${v}</text>`);
  }
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle" fill="#555">time (ms)</text>`);
  for (const v of ticks(y0, y1, 4)) {
    out.push(`<line x1="${L - 4}" y1="${sy(v).toFixed(1)}" x2="${W - R}" y2="${sy(v).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${L - 6}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`);
  }
  out.push(`<text x="12" y="${(T + H - B) / 2}" transform="rotate(-90 12 ${(T + H - B) / 2})" text-anchor="middle" fill="#555">${esc(yLabel)}</text>`);
  return { out, sx, sy };
}

const key = (ip: string, port: number) => `${ip}:${port}`;

/** Unsigned 32-bit difference `a - b`. */
const diff = (a: number, b: number) => (a - b) >>> 0;

/**
 * The directions (sender → receiver) that carried TCP in `packets`, in
 * order of first appearance: the client's direction of each connection
 * first (its SYN), then the server's.
 */
export function plotDirections(packets: readonly PlotPacket[]): PlotDirection[] {
  const seen = new Map<string, PlotDirection>();
  for (const p of packets) {
    const ip = p.fields.ip, tcp = p.fields.tcp;
    if (!ip || !tcp) continue;
    const d = { src: key(ip.src, tcp.sport), dst: key(ip.dst, tcp.dport) };
    const k = `${d.src}>${d.dst}`;
    if (!seen.has(k)) seen.set(k, d);
  }
  return [...seen.values()];
}

/**
 * The time-sequence graph of `dir` in `packets` (see the module comment),
 * its time axis running to `now` (µs) when given; a note when nothing was
 * sent that way.
 */
export function timeSequenceSvg(packets: readonly PlotPacket[], dir: PlotDirection, now?: Micros): string {
  let isn: number | null = null;
  let wscale = 0; // the receiver's, from its SYN
  const bars: { t: Micros; lo: number; hi: number; retx: boolean; syn: boolean; fin: boolean }[] = [];
  const acks: { t: Micros; ack: number; edge: number }[] = [];
  let maxSent = 0;
  for (const p of packets) {
    const ip = p.fields.ip, tcp = p.fields.tcp;
    if (!ip || !tcp) continue;
    const src = key(ip.src, tcp.sport), dst = key(ip.dst, tcp.dport);
    if (src === dir.src && dst === dir.dst) {
      if (isn === null) isn = tcp.flags.includes("S") ? tcp.seq : (tcp.seq - 1) >>> 0;
      const syn = tcp.flags.includes("S"), fin = tcp.flags.includes("F");
      const len = tcp.length + (syn ? 1 : 0) + (fin ? 1 : 0);
      if (len === 0) continue;
      const lo = diff(tcp.seq, isn);
      const hi = lo + len;
      bars.push({ t: p.t, lo, hi, retx: hi <= maxSent, syn, fin });
      maxSent = Math.max(maxSent, hi);
    } else if (src === dir.dst && dst === dir.src) {
      if (tcp.flags.includes("S")) wscale = tcp.options.wscale ?? 0;
      if (isn === null || !tcp.flags.includes(".")) continue;
      const ack = diff(tcp.ack, isn);
      acks.push({ t: p.t, ack, edge: ack + tcp.window * 2 ** (tcp.flags.includes("S") ? 0 : wscale) });
    }
  }
  const title = `${dir.src} → ${dir.dst}: time-sequence`;
  if (bars.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="40"><text x="8" y="24" font-family="monospace" font-size="12">${esc(title)}: nothing sent yet</text></svg>`;
  const tAll = [...bars.map((b) => b.t), ...acks.map((a) => a.t)];
  const x0 = Math.min(...tAll) / 1000, x1 = Math.max(Math.max(...tAll, now ?? 0) / 1000, x0 + 1);
  const yMax = Math.max(maxSent, ...acks.map((a) => Math.min(a.edge, maxSent * 2 + 10)), 1);
  const { out, sx, sy } = frame(title, x0, x1, 0, yMax, "relative seq");
  const step = (pts: { t: Micros; v: number }[], color: string, cls: string) => {
    if (pts.length === 0) return;
    let d = `M${sx(pts[0]!.t / 1000).toFixed(1)},${sy(pts[0]!.v).toFixed(1)}`;
    for (let i = 1; i < pts.length; i++) d += ` H${sx(pts[i]!.t / 1000).toFixed(1)} V${sy(pts[i]!.v).toFixed(1)}`;
    d += ` H${sx(x1).toFixed(1)}`;
    out.push(`<path class="${cls}" d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
  };
  step(acks.map((a) => ({ t: a.t, v: Math.min(a.edge, yMax) })), "#d9a21b", "window");
  step(acks.map((a) => ({ t: a.t, v: a.ack })), "#2e8b2e", "ack");
  for (const b of bars) {
    const x = sx(b.t / 1000).toFixed(1);
    const cls = b.retx ? "seg retx" : "seg";
    const color = b.retx ? "#c05800" : "#1f4e79";
    out.push(`<line class="${cls}" x1="${x}" y1="${sy(b.lo).toFixed(1)}" x2="${x}" y2="${sy(b.hi).toFixed(1)}" stroke="${color}" stroke-width="2"/>`);
    if (b.syn || b.fin) out.push(`<text x="${x}" y="${(sy(b.hi) - 4).toFixed(1)}" text-anchor="middle" fill="${color}">${b.syn ? "SYN" : "FIN"}</text>`);
  }
  out.push(`<text x="${W - R}" y="27" text-anchor="end"><tspan fill="#1f4e79">■ data</tspan> <tspan fill="#c05800">■ retransmitted</tspan> <tspan fill="#2e8b2e">— ack</tspan> <tspan fill="#d9a21b">— window</tspan></text>`);
  out.push("</svg>");
  return out.join("\n");
}

/**
 * A line chart of `samples` (cwnd and ssthresh in segments, smoothed RTT
 * in ms on its own scale) for the socket named `title`, the time axis
 * running to `now` (µs) when given.
 */
export function socketSamplesSvg(samples: readonly SocketSample[], title: string, now?: Micros): string {
  if (samples.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="40"><text x="8" y="24" font-family="monospace" font-size="12">${esc(title)}: no sample yet</text></svg>`;
  const x0 = samples[0]!.t / 1000, x1 = Math.max(samples[samples.length - 1]!.t / 1000, (now ?? 0) / 1000, x0 + 1);
  const finiteSsthresh = samples.map((s) => s.ssthresh).filter((v) => v < 1e6);
  const yMax = Math.max(10, ...samples.map((s) => s.cwnd), ...finiteSsthresh) * 1.1;
  const rttMax = Math.max(0.001, ...samples.map((s) => s.srttUs / 1000));
  const { out, sx, sy } = frame(`${title}: cwnd, ssthresh (segments), srtt`, x0, x1, 0, yMax, "segments");
  const line = (pts: { t: Micros; v: number }[], color: string, cls: string, dash = "") => {
    if (pts.length === 0) return;
    let d = "";
    pts.forEach((p, i) => { d += `${i === 0 ? "M" : " H"}${sx(p.t / 1000).toFixed(1)}${i === 0 ? "," : " V"}${sy(p.v).toFixed(1)}`; });
    d += ` H${sx(x1).toFixed(1)}`;
    out.push(`<path class="${cls}" d="${d}" fill="none" stroke="${color}" stroke-width="1.5"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`);
  };
  line(samples.map((s) => ({ t: s.t, v: s.cwnd })), "#1f4e79", "cwnd");
  line(samples.filter((s) => s.ssthresh < 1e6).map((s) => ({ t: s.t, v: s.ssthresh })), "#b03a00", "ssthresh", "5 4");
  line(samples.map((s) => ({ t: s.t, v: (s.srttUs / 1000 / rttMax) * yMax * 0.9 })), "#2e8b2e", "srtt", "2 3");
  out.push(`<text x="${W - R}" y="27" text-anchor="end"><tspan fill="#1f4e79">— cwnd</tspan> <tspan fill="#b03a00">- - ssthresh</tspan> <tspan fill="#2e8b2e">··· srtt (max ${rttMax.toFixed(3)} ms)</tspan></text>`);
  out.push("</svg>");
  return out.join("\n");
}
