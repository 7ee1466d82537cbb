/**
 * The lab page's views that are text: HTML of one host's TCP sockets (the
 * listener's queues drawn as slots, each connection's buffers, windows,
 * cwnd, RTT and timers), of the scenario's narration, and of the editor's
 * line-number gutter — pure functions of what a lab session reports,
 * so the headless tests check them without a browser.
 *
 * @example
 * declare const sockets: Parameters<typeof socketsHtml>[0]; // LabSession.sockets("server")
 * const html = socketsHtml(sockets); // one <div class="sock"> per socket
 */
import type { DemoEvent } from "../demo/events.js";
import { TcpState } from "../tcp/tcp-state.js";
import type { LabSocket } from "./session.js";

/** `s` with `& < > "` escaped for HTML text and attribute values. */
export const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The editor's line-number gutter for `code`, the line `errLine` marked. */
export function lineNumbersHtml(code: string, errLine: number | null): string {
  const n = code.split("\n").length;
  const out: string[] = [];
  for (let i = 1; i <= n; i++) out.push(i === errLine ? `<span class="err">${i}</span>` : String(i));
  return out.join("\n");
}

const STATE_NAMES: Readonly<Record<number, string>> = {
  [TcpState.ESTABLISHED]: "ESTABLISHED", [TcpState.SYN_SENT]: "SYN-SENT", [TcpState.SYN_RECV]: "SYN-RECV",
  [TcpState.FIN_WAIT1]: "FIN-WAIT-1", [TcpState.FIN_WAIT2]: "FIN-WAIT-2", [TcpState.TIME_WAIT]: "TIME-WAIT",
  [TcpState.CLOSE]: "CLOSED", [TcpState.CLOSE_WAIT]: "CLOSE-WAIT", [TcpState.LAST_ACK]: "LAST-ACK",
  [TcpState.LISTEN]: "LISTEN", [TcpState.CLOSING]: "CLOSING",
};

/** `n` slots of which `filled` are taken, drawn as boxes (the queues seed 1 draws). */
function slots(n: number, filled: number, cls: string): string {
  const boxes: string[] = [];
  for (let i = 0; i < Math.max(n, filled); i++) boxes.push(`<span class="slot${i < filled ? ` ${cls}` : ""}${i >= n ? " over" : ""}"></span>`);
  return `<span class="slots">${boxes.join("")}</span>`;
}

/** A fill bar: `used` of `size` bytes. */
function bar(used: number, size: number): string {
  const pct = size > 0 ? Math.min(100, (used / size) * 100) : 0;
  return `<span class="bar"><span style="width:${pct.toFixed(1)}%"></span></span> ${used} / ${size} B`;
}

/**
 * The internals of `sockets` (one host's TCP sockets) as HTML: a listener
 * with its SYN queue and accept queue drawn as slots (Linux's accept queue
 * holds backlog + 1 before it counts as full), and per connection its
 * state, Recv-Q/Send-Q, receive and send buffer fill, snd.una/snd.nxt/
 * rcv.nxt and the out-of-order queue, cwnd/ssthresh,
 * RTT/RTO, the advertised and peer windows, retransmissions and the
 * running timer with its countdown.
 */
export function socketsHtml(sockets: readonly LabSocket[]): string {
  if (sockets.length === 0) return "<p>(no TCP socket)</p>";
  const out: string[] = [];
  for (const s of sockets) {
    const name = `${s.localAddr}:${s.localPort}${s.state === TcpState.LISTEN ? "" : ` ⇄ ${s.remoteAddr}:${s.remotePort}`}`;
    const who = s.owners.map((o) => `${o.name}[${o.pid}] fd ${o.fd}`).join(", ") || (s.request ? "SYN queue" : s.state === TcpState.TIME_WAIT ? "no owner" : "accept queue");
    const state = s.request ? "SYN-RECV (request sock)" : STATE_NAMES[s.state] ?? String(s.state);
    out.push(`<div class="sock" data-state="${esc(state)}"><div class="sock-head"><b>${esc(state)}</b> ${esc(name)} <span class="muted">${esc(who)}</span></div>`);
    if (s.listen) {
      const l = s.listen;
      out.push(`<div class="row">SYN queue ${l.synQueue} ${slots(0, l.synQueue, "syn")}</div>`);
      out.push(`<div class="row" data-accept="${l.acceptQueue}">accept queue ${l.acceptQueue} of ${l.backlog + 1} (backlog ${l.backlog}) ${slots(l.backlog + 1, l.acceptQueue, "est")}${l.acceptQueue > l.backlog ? ' <b class="warn">full</b>' : ""}</div>`);
    } else if (s.info) {
      const i = s.info;
      out.push(`<div class="row">Recv-Q ${s.recvQ} · Send-Q ${s.sendQ} · rcvbuf ${bar(s.mem.rmemAlloc, s.mem.rcvbuf)} · sndbuf ${bar(s.mem.wmemQueued, s.mem.sndbuf)}</div>`);
      if (s.seq) {
        const q = s.seq;
        const ooo = q.ooo.length === 0 ? "empty" : `${q.ooo.map(([a, b]) => `[${a}, ${b})`).join(" ")} (${q.oooBytes} B)`;
        const rcv = s.state === TcpState.SYN_SENT ? `rcv.nxt — <span class="muted">(relative: iss ${q.iss}; no SYN from the peer yet)</span>` : `rcv.nxt ${q.rcvNxt} <span class="muted">(relative: iss ${q.iss}, irs ${q.irs})</span>`;
        out.push(`<div class="row seq">snd.una ${q.sndUna} · snd.nxt ${q.sndNxt} · ${rcv} · out-of-order queue ${ooo}</div>`);
      }
      out.push(`<div class="row">cwnd ${i.snd_cwnd} ssthresh ${i.snd_ssthresh >= 0x7fffffff ? "∞" : i.snd_ssthresh} · rtt ${(i.rtt / 1000).toFixed(3)}/${(i.rttvar / 1000).toFixed(3)} ms · rto ${(i.rto / 1000).toFixed(0)} ms · snd_wnd ${i.snd_wnd} rcv_wnd ${i.rcv_wnd} · unacked ${i.unacked} retrans ${i.total_retrans}</div>`);
    } else {
      out.push(`<div class="row">Recv-Q ${s.recvQ} · Send-Q ${s.sendQ}</div>`);
    }
    if (s.timer) out.push(`<div class="row timer">timer ${s.timer.kind} fires in ${s.timer.expiresMs} ms (${s.timer.retrans} ${s.timer.kind === "on" ? "retransmissions" : "probes"})</div>`);
    out.push("</div>");
  }
  return out.join("\n");
}

/**
 * The narration of `events` as the text `sockstack demo` prints — titles,
 * sections, prose, commands with their output, the syscalls the scenario
 * shows — as HTML; `lang` picks the language of titles and prose (tool
 * output and syscalls stay as the tools print them).
 */
export function narrationHtml(events: readonly DemoEvent[], lang: "en" | "zh"): string {
  const out: string[] = [];
  for (const e of events) {
    switch (e.kind) {
      case "title":
        out.push(`<span class="h">${esc(lang === "zh" ? e.zh : e.text)}</span>`);
        break;
      case "section":
        out.push("", `<span class="h">--- ${esc(lang === "zh" ? e.zh : e.text)} ---</span>`);
        break;
      case "say":
        out.push(esc(lang === "zh" ? e.zh : e.text));
        break;
      case "command":
        out.push(`<span class="cmd">${esc(`${e.host}$ ${e.text}`)}</span>`);
        break;
      case "output":
        out.push(esc(e.text));
        break;
      case "syscall":
        if (!e.traced) out.push(esc(`  [${(e.t / 1e6).toFixed(6)}] ${e.host} ${e.process}: ${e.text}`));
        break;
      default:
        break;
    }
  }
  return out.join("\n");
}
