/**
 * The lab page's views and controls, driving a {@link LabSession} in the
 * browser: play/pause (virtual time advanced a little every animation
 * frame, slowed by the speed factor), step to the next packet, the
 * timeline scrubber (jump to any instant: forward by running, backward by
 * deterministic replay from t = 0), reset, seed, loss and latency of the
 * link, the connection the ladder shows, and a pcap download. After each
 * advance the views are redrawn at the current instant: topology, ladder
 * (ladderSvg), the sockets' internals (queues, windows, cwnd, RTT, timers),
 * `ss` on both hosts, tcpdump of the server's eth0 — click a line for its
 * `-v -X` decode.
 *
 * The project compiles without the DOM library (the core must not lean on
 * it), so the few DOM members used here are typed by hand ({@link LabDom}).
 * The page's pacing comes from the browser's frame clock
 * (requestAnimationFrame); the simulation itself only sees virtual time.
 */
import { TcpState } from "../tcp/tcp-state.js";
import { socketSamplesSvg, timeSequenceSvg } from "./plots.js";
import type { DemoEvent } from "../demo/events.js";
import { LAB_PROGRAM_NAME, LAB_SCENARIOS, LAB_TOOL_DEFAULTS, LabSession, type LabProcess, type LabSessionOptions, type LabTool, type LabAction, type LabImpairments, type LabSocket, type LabTimedAction, type LabTopology } from "./session.js";
import { ProgramError } from "./program.js";
import { findTemplate, LAB_TEMPLATES } from "./templates.js";

/** What a listener receives: the element clicked (for the tcpdump pane's lines), if any. */
export interface LabEvent {
  target?: { getAttribute?(name: string): string | null } | null;
  /** The key pressed (keydown). */
  key?: string;
}

/** The DOM element members the lab uses. */
export interface LabElement {
  textContent: string | null;
  innerHTML: string;
  value: string;
  disabled: boolean;
  /** A range input's maximum (the timeline scrubber's). */
  max?: string;
  /** A scrolled element's offset (the editor and its line numbers). */
  scrollTop?: number;
  /** The element's class attribute. */
  className?: string;
  addEventListener(type: string, listener: (ev: LabEvent) => void): void;
}

/** The document, frame clock and download hook the lab uses. */
export interface LabDom {
  getElementById(id: string): LabElement | null;
  requestAnimationFrame(cb: (now: number) => void): void;
  /** Real time in ms (performance.now): bounds the simulation's work per frame; absent, a frame advances as far as asked. */
  now?(): number;
  /** Offers `bytes` to the user as a file named `name` (a Blob link in the page); absent, the pcap button is disabled. */
  download?(name: string, bytes: Uint8Array, type: string): void;
  /**
   * Where the run of `opts` ends (µs), learned by running it headless —
   * in a Worker in the page, so the probe costs the page's thread nothing;
   * absent (or failing), the page runs the probe itself.
   */
  probeEnd?(seed: number, opts: LabSessionOptions): Promise<number>;
  /** Abandons the probes running in the Worker (their promises reject): the page plays, the probe would compete for the CPU. */
  cancelProbes?(): void;
}

/**
 * Where the run of `opts` with `seed` ends (µs): the scenario run headless
 * to its end — or, for an interactive one, to where it first waits for input.
 * @example const end = await probeEnd(0, { scenario: "lecture" }); // 6.5 s
 */
export async function probeEnd(seed: number, opts: LabSessionOptions, cancelled?: () => boolean): Promise<number> {
  const probe = new LabSession(seed, opts);
  await probe.advanceTo(Infinity, cancelled ? { stop: cancelled } : {});
  if (cancelled?.()) throw new Error("probe cancelled");
  return probe.now();
}

/** The processes as HTML: per process its host, name, pid and state, and its screen. */
export function processesHtml(procs: readonly LabProcess[]): string {
  if (procs.length === 0) return "<p>(no process yet)</p>";
  return procs.map((p) => {
    const state = p.running ? (p.reading ? '<span class="reading">reading stdin</span>' : "running") : `exited ${p.exitCode}`;
    const screen = p.output === "" ? `<pre id="proc-${esc(p.host)}-${p.pid}" class="empty">(nothing written)</pre>` : `<pre id="proc-${esc(p.host)}-${p.pid}">${esc(p.output)}</pre>`;
    return `<div><h3>${esc(p.host)}: ${esc(p.name)}[${p.pid}] · ${state}</h3>${screen}</div>`;
  }).join("");
}

/** The editor's line-number gutter for `code`, the line `errLine` marked. */
export function lineNumbersHtml(code: string, errLine: number | null): string {
  const n = code.split("\n").length;
  const out: string[] = [];
  for (let i = 1; i <= n; i++) out.push(i === errLine ? `<span class="err">${i}</span>` : String(i));
  return out.join("\n");
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The topology as a small SVG: hosts as boxes with their addresses, links with their impairments. */
export function topologySvg(topo: LabTopology): string {
  if (topo.hosts.length === 0) return "<p>(the scenario has not built its network yet)</p>";
  const boxW = 190, boxH = 64, gap = 170;
  const width = topo.hosts.length * boxW + (topo.hosts.length - 1) * gap + 20;
  const height = boxH + 40;
  const x = new Map<string, number>();
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="12">`];
  topo.hosts.forEach((h, i) => {
    const x0 = 10 + i * (boxW + gap);
    x.set(h.name, x0);
    out.push(`<rect x="${x0}" y="20" width="${boxW}" height="${boxH}" rx="6" fill="#eef3f8" stroke="#1f4e79"/>`);
    out.push(`<text x="${x0 + boxW / 2}" y="40" text-anchor="middle" font-weight="bold">${esc(h.name)}</text>`);
    h.interfaces.forEach((ifc, j) => {
      out.push(`<text x="${x0 + boxW / 2}" y="${58 + j * 15}" text-anchor="middle">${esc(`${ifc.name} ${ifc.cidrs.join(" ")}`)}</text>`);
    });
  });
  for (const l of topo.links) {
    const xa = x.get(l.a.host), xb = x.get(l.b.host);
    if (xa === undefined || xb === undefined) continue;
    const [from, to] = xa < xb ? [xa + boxW, xb] : [xb + boxW, xa];
    const y = 20 + boxH / 2;
    out.push(l.partitioned
      ? `<line x1="${from}" y1="${y}" x2="${to}" y2="${y}" stroke="#b03a00" stroke-width="2" stroke-dasharray="6 5"/><text x="${(from + to) / 2}" y="${y + 18}" text-anchor="middle" fill="#b03a00">partitioned</text>`
      : `<line x1="${from}" y1="${y}" x2="${to}" y2="${y}" stroke="#555" stroke-width="2"/>`);
    const label = [`${l.latencyUs} µs`];
    if (l.jitterUs) label.push(`±${l.jitterUs} µs`);
    if (l.loss) label.push(`loss ${(l.loss * 100).toFixed(1)}%`);
    if (l.duplicate) label.push(`dup ${(l.duplicate * 100).toFixed(1)}%`);
    if (l.reorder) label.push(`reorder ${(l.reorder * 100).toFixed(1)}%`);
    if (l.rate) label.push(`${l.rate / 1e6} Mbit/s`);
    if (l.mtu !== 1500) label.push(`mtu ${l.mtu}`);
    out.push(`<text x="${(from + to) / 2}" y="${y - 8}" text-anchor="middle" fill="#333">${esc(label.join(", "))}</text>`);
  }
  out.push("</svg>");
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
 * state, Recv-Q/Send-Q, receive and send buffer fill, cwnd/ssthresh,
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

/** While playing, the views other than the clock and status are redrawn at most this often (ms of real time): five times a second. */
export const LAB_REDRAW_MS = 200;

/** Real time (ms) the simulation may take per animation frame while playing, of the 16.7 a 60 Hz frame has. */
export const LAB_FRAME_BUDGET_MS = 8;

/** The most lines the tcpdump and strace panes show: the last ones. */
export const LAB_TEXT_WINDOW = 1000;

/** Latency choices of the page's select (µs), first the lecture's. */
export const LAB_LATENCIES: readonly number[] = [50, 1000, 10_000, 50_000];

/** Wires the page at `dom` to a lecture session and draws it at t = 0. */
export function startLab(dom: LabDom): void {
  const el = (id: string): LabElement => {
    const e = dom.getElementById(id);
    if (!e) throw new Error(`lab page: no element #${id}`);
    return e;
  };
  /** What each element was last given: an unchanged view is not assigned again (no relayout). */
  const given = new Map<LabElement, string>();
  const put = (e: LabElement, html: string) => { if (given.get(e) !== `h${html}`) { given.set(e, `h${html}`); e.innerHTML = html; } };
  const say = (e: LabElement, text: string) => { if (given.get(e) !== `t${text}`) { given.set(e, `t${text}`); e.textContent = text; } };
  const play = el("play"), step = el("step"), reset = el("reset"), speed = el("speed"), seedIn = el("seed"), conn = el("connection");
  const clock = el("clock"), status = el("status"), scrub = el("scrub");
  const loss = el("loss"), jitter = el("jitter"), reorder = el("reorder"), duplicate = el("duplicate"), latency = el("latency"), rate = el("rate"), mtu = el("mtu");
  const partition = el("partition"), killServer = el("kill-server"), rebootClient = el("reboot-client"), timelineOut = el("timeline");
  const tcpdump = el("tcpdump"), detail = el("packet-detail"), pcap = el("pcap");
  const plotDir = el("plot-dir"), scenarioIn = el("scenario"), langIn = el("lang"), scrubMax = el("scrub-max");
  const toolHost = el("tool-host"), tool = el("tool"), toolArgs = el("tool-args"), toolOut = el("tool-out"), straceHost = el("strace-host"), strace = el("strace");
  const templateIn = el("template"), programIn = el("program"), programLines = el("program-lines"), programStatus = el("program-status"), runProgram = el("run-program");
  const stdinTarget = el("stdin-target"), stdinLine = el("stdin-line"), stdinSend = el("stdin-send"), stdinEof = el("stdin-eof"), procsOut = el("processes");
  templateIn.innerHTML = LAB_TEMPLATES.map((t, i) => `<option value="${esc(t.name)}"${i === 0 ? " selected" : ""}>${esc(t.name)} — ${esc(t.summary)}</option>`).join("");
  if (!templateIn.value) templateIn.value = LAB_TEMPLATES[0]!.name;
  programIn.value = LAB_TEMPLATES[0]!.code;
  /** The program the session runs (the run button's), or null when a scenario of the picker runs. */
  let program: string | null = null;
  let drawnLines = "";
  /** The gutter of the editor; `scrolled` also aligns it with the text (reading scrollTop lays the page out: only on the editor's own events). */
  const drawLines = (scrolled = false) => {
    const err = session.error instanceof ProgramError && program !== null && programIn.value === program ? session.error.line : null;
    const html = lineNumbersHtml(programIn.value, err);
    if (html !== drawnLines) programLines.innerHTML = drawnLines = html;
    if (scrolled) programLines.scrollTop = programIn.scrollTop ?? 0;
  };
  scenarioIn.innerHTML = LAB_SCENARIOS.map((x, i) => `<option value="${esc(x.name)}"${i === 0 ? " selected" : ""}>${esc(x.name)} — ${esc(x.summary.en)}</option>`).join("");
  if (!scenarioIn.value) scenarioIn.value = LAB_SCENARIOS[0]!.name;
  let session = new LabSession(0);
  /** Where the run ends (µs), learned from a headless run of the same scenario and seed; Infinity until known. */
  let end = Infinity;
  let playing = false;
  let busy = false;
  let lastFrame: number | null = null;
  let drawnPackets = -1;
  let drawnConnection = "";
  let selectedPacket = -1;

  /** A control's number, or `dflt` when it is empty or not a number. */
  const num = (e: LabElement, dflt: number) => {
    const v = Number(e.value);
    return e.value !== "" && Number.isFinite(v) && v >= 0 ? v : dflt;
  };
  /** What the sliders and selects say, as link impairments (percentages → probabilities). */
  const impairments = (): LabImpairments => ({
    latencyUs: num(latency, LAB_LATENCIES[0]!),
    jitterUs: num(jitter, 0) * 1000,
    loss: Math.min(num(loss, 0), 100) / 100,
    reorder: Math.min(num(reorder, 0), 100) / 100,
    duplicate: Math.min(num(duplicate, 0), 100) / 100,
    rate: num(rate, 0),
    mtu: num(mtu, 1500) || 1500,
  });
  const pct = (p: number | undefined) => `${((p ?? 0) * 100).toFixed(1)}%`;
  const describe = (a: LabTimedAction): string => {
    const at = `${(a.t / 1e6).toFixed(3)} s`;
    const x: LabAction = a.action;
    switch (x.kind) {
      case "configure": {
        const i = x.impairments;
        return `${at}  link: ${i.latencyUs} µs ±${(i.jitterUs ?? 0) / 1000} ms, loss ${pct(i.loss)}, reorder ${pct(i.reorder)}, dup ${pct(i.duplicate)}, ${i.rate ? `${i.rate / 1e6} Mbit/s` : "no rate limit"}, mtu ${i.mtu}`;
      }
      case "partition": return `${at}  link partitioned`;
      case "heal": return `${at}  link healed`;
      case "kill": return `${at}  kill -9 every process on ${x.host}`;
      case "reboot": return `${at}  ${x.host} reboots`;
      case "stdin": return x.line === null ? `${at}  Ctrl-D on ${x.host}'s pid ${x.pid} (end of input)` : `${at}  typed into ${x.host}'s pid ${x.pid}: ${x.line}`;
    }
  };

  let drawnTopology = "";
  const drawTopology = () => {
    const svg = topologySvg(session.topology());
    if (svg !== drawnTopology) el("topology").innerHTML = drawnTopology = svg;
  };

  /** Options of a host select, keeping the choice when that host still exists. */
  const hostOptions = (sel: LabElement, hosts: string[]) => {
    const keep = hosts.includes(sel.value) ? sel.value : hosts.includes("server") ? "server" : hosts[0] ?? "";
    const html = hosts.map((h) => `<option value="${esc(h)}"${h === keep ? " selected" : ""}>${esc(h)}</option>`).join("");
    if (sel.innerHTML !== html) sel.innerHTML = html;
    sel.value = keep;
    return keep;
  };

  let drawnNarration = "";
  /** Real time (ms, the frame clock) of the last full redraw while playing. */
  let lastHeavy = -Infinity;
  /** The instant and actions of the input wait the last full redraw showed ("" when it showed none). */
  let drawnWaiting = "";
  /** The frame clock's last reading. */
  let frameNow = 0;
  const draw = () => {
    const hosts = [...session.hosts.keys()];
    say(clock, `t = ${(session.now() / 1e6).toFixed(3)} s`);
    scrub.value = String(Math.round(session.now() / 1000));
    const packets = session.packets().length;
    drawStatus(packets);
    // While playing, the views below are redrawn at most every LAB_REDRAW_MS of real time (the clock and status every frame).
    // The run went idle for input (again): show everything at once.
    const waitingNow = session.waitingForInput ? `${session.now()} ${session.timeline.length}` : "";
    if (playing && frameNow - lastHeavy < LAB_REDRAW_MS && !(waitingNow && waitingNow !== drawnWaiting)) return;
    lastHeavy = frameNow;
    drawnWaiting = waitingNow;
    drawTopology();
    const narrationKey = `${session.narration.length} ${langIn.value}`;
    if (narrationKey !== drawnNarration) {
      drawnNarration = narrationKey;
      put(el("narration"), narrationHtml(session.narration, langIn.value === "zh" ? "zh" : "en"));
    }
    say(el("summary"), `${session.scenario.name}: ${langIn.value === "zh" ? session.scenario.summary.zh : session.scenario.summary.en} — simulated in this page`);
    const procs = session.processes();
    put(procsOut, processesHtml(procs));
    const live = procs.filter((p) => p.running);
    const target = stdinTarget.value;
    const reader = live.find((p) => p.reading);
    const keep = live.some((p) => `${p.host}:${p.pid}` === target) && !(reader && session.waitingForInput) ? target : reader ? `${reader.host}:${reader.pid}` : live[0] ? `${live[0].host}:${live[0].pid}` : "";
    const opts = live.map((p) => `<option value="${p.host}:${p.pid}"${`${p.host}:${p.pid}` === keep ? " selected" : ""}>${esc(`${p.host}: ${p.name}[${p.pid}]${p.reading ? " (reading)" : ""}`)}</option>`).join("");
    if (stdinTarget.innerHTML !== opts) stdinTarget.innerHTML = opts;
    stdinTarget.value = keep;
    stdinSend.disabled = stdinEof.disabled = stdinLine.disabled = keep === "" || session.done;
    if (program !== null) {
      const e = session.error;
      programStatus.className = e ? "err" : "";
      say(programStatus, e ? (e instanceof Error ? e.message : String(e)) : session.done ? "the program ended (every client process exited)" : session.waitingForInput ? "waiting: a process reads its terminal — type a line into its stdin above" : "running on the simulated network");
    }
    drawLines();
    killServer.disabled = !hosts.includes("server") || session.done;
    rebootClient.disabled = !hosts.includes("client") || session.done;
    for (const [id, v, unit] of [["loss", loss, "%"], ["jitter", jitter, " ms"], ["reorder", reorder, "%"], ["duplicate", duplicate, "%"]] as const) {
      say(el(`${id}-value`), `${num(v, 0)}${unit}`);
    }
    say(partition, session.partitioned ? "heal link" : "partition link");
    say(timelineOut, session.timeline.length === 0 ? "(nothing done yet: sliders and buttons act at the current instant)" : session.timeline.map(describe).join("\n"));
    const t = (tool.value in LAB_TOOL_DEFAULTS ? tool.value : "netstat") as LabTool;
    const th = hostOptions(toolHost, hosts);
    try {
      say(toolOut, th ? session.tool(th, t, toolArgs.value) : "");
    } catch (e) {
      say(toolOut, `${t}: ${e instanceof Error ? e.message.replace(new RegExp(`^${t}: `), "") : String(e)}`);
    }
    const sh = hostOptions(straceHost, hosts);
    const traced = sh ? session.straceLines(sh) : [];
    say(strace, (traced.length > LAB_TEXT_WINDOW ? [`… ${traced.length - LAB_TEXT_WINDOW} earlier lines`, ...traced.slice(-LAB_TEXT_WINDOW)] : traced).join("\n"));
    put(el("ss"), hosts.map((h) => `<div><h3>${esc(h)}$ ss -tanpo</h3><pre id="ss-${esc(h)}">${esc(session.ss(h))}</pre></div>`).join(""));
    put(el("sockets"), hosts.map((h) => `<div><h3>${esc(h)}</h3><div id="sockets-${esc(h)}">${socketsHtml(session.sockets(h))}</div></div>`).join(""));
    const cp = session.capturePoint();
    say(el("tcpdump-title"), cp ? `${cp.host}$ tcpdump -nn -i ${cp.iface} (click a line)` : "tcpdump -nn (no capture yet)");
    if (packets !== drawnPackets || conn.value !== drawnConnection) {
      const conns = session.connections();
      const selected = conn.value;
      conn.innerHTML = `<option value="">all connections</option>` +
        conns.map((c, i) => `<option value="${i}"${String(i) === selected ? " selected" : ""}>${i}: ${esc(c)}</option>`).join("");
      const n = selected === "" ? undefined : Number(selected);
      put(el("ladder"), packets === 0 ? "<p>(nothing on the wire yet)</p>" : session.ladderSvg(n !== undefined && n < conns.length ? n : undefined).replace(/^<\?xml[^>]*>\n/, ""));
      const dirs = session.directions();
      const chosen = plotDir.value;
      plotDir.innerHTML = dirs.length === 0 ? `<option value="">(no TCP yet)</option>`
        : dirs.map((d) => { const v = `${d.src}>${d.dst}`; return `<option value="${esc(v)}"${v === chosen ? " selected" : ""}>${esc(`${d.src} → ${d.dst}`)}</option>`; }).join("");
      const dir = dirs.find((d) => `${d.src}>${d.dst}` === chosen) ?? dirs[0];
      put(el("plot-tsg"), dir ? timeSequenceSvg(session.packets(), dir, session.now()) : "");
      put(el("plot-cwnd"), dir ? socketSamplesSvg(session.samples(dir.src, dir.dst), `${dir.src} → ${dir.dst}`, session.now()) : "");
      // The last LAB_TEXT_WINDOW lines (the pcap has them all): thousands of lines relaid out every redraw would cost the frame rate.
      const all = session.packets(), from = Math.max(0, all.length - LAB_TEXT_WINDOW);
      const lines: string[] = from > 0 ? [`<span class="muted">… ${from} earlier packets (pcap ⤓ has every one)</span>`] : [];
      for (let i = from; i < all.length; i++) lines.push(`<span class="pkt${i === selectedPacket ? " sel" : ""}" data-i="${i}">${esc(all[i]!.line)}</span>`);
      put(tcpdump, lines.join("\n"));
      drawnPackets = packets;
      drawnConnection = conn.value;
    }
    if (selectedPacket >= packets) selectedPacket = -1;
    say(detail, selectedPacket < 0 ? "(click a tcpdump line to decode it)" : session.packetDetail(selectedPacket));
  };

  /** The status line, the scrubber's end and the buttons: every frame. */
  const drawStatus = (packets: number) => {
    const cp = session.capturePoint();
    const imp = session.impairments;
    const lossNote = imp.loss ? ` · loss ${pct(imp.loss)}` : "";
    const where = cp ? `${cp.host}'s ${cp.iface}` : "the capture point";
    const err = session.error ? ` · the scenario failed: ${String(session.error)}` : "";
    say(status, `${session.scenario.name} · seed ${session.seed}${lossNote} · ${packets} packets on ${where} · ${session.done ? "end of the run" : session.waitingForInput ? "waiting for input" : playing ? "playing" : "paused"}${err}`);
    if (session.now() > end || (end === Infinity && (session.done || session.waitingForInput))) {
      end = session.now(); // an interactive run goes on past where its probe waited
      scrub.max = String(Math.ceil(end / 1000));
      say(scrubMax, String(Math.ceil(end / 1000)));
    }
    say(play, playing ? "pause" : "play");
    play.disabled = session.done;
    step.disabled = session.done;
    pcap.disabled = !dom.download || packets === 0;
  };

  let queued: (() => Promise<unknown>) | null = null;
  /** Runs one advance at a time; `mustRun` work waits for the current one instead of being skipped (a frame is). */
  const run = (f: () => Promise<unknown>, mustRun = false) => {
    if (busy) {
      if (mustRun) queued = f;
      return;
    }
    busy = true;
    const done = () => {
      busy = false;
      const next = queued;
      queued = null;
      if (next) run(next);
      else draw();
    };
    f().then(done, (e: unknown) => { playing = false; done(); say(status, `error: ${String(e)}`); });
  };

  const frame = (now: number) => {
    if (session.done) playing = false;
    if (!playing) { lastFrame = null; draw(); probe(); return; }
    // Waiting for a typed line, the clock cannot move: keep playing, resume once the line is in.
    frameNow = now;
    if (lastFrame !== null && !busy && !session.waitingForInput) {
      const realMs = Math.min(100, now - lastFrame); // a background tab does not jump ahead
      const dt = Math.max(1, Math.round(realMs * 1000 * Number(speed.value)));
      // At most LAB_FRAME_BUDGET_MS of simulation per frame: when the run cannot keep up, its clock lags (plays slower) and the frames keep coming.
      const clock = dom.now?.bind(dom);
      const stop = clock ? (() => { const t0 = clock(); return () => clock() - t0 > LAB_FRAME_BUDGET_MS; })() : undefined;
      run(async () => {
        await session.advanceTo(session.now() + dt, stop ? { stop } : {});
        if (session.done) playing = false;
      });
    }
    else if (!busy && session.waitingForInput) draw(); // nothing to advance: still show what the typed line did
    lastFrame = now;
    dom.requestAnimationFrame(frame);
  };


  /** A new session, drawn at t = 0 (nothing run yet): `replay` a previous one (same scenario, seed, impairments and timeline), or start over from the controls. */
  const fresh = (replay?: LabSession) => {
    playing = false;
    if (replay) {
      session = new LabSession(replay.seed, { ...what(replay), impairments: replay.initialImpairments, timeline: [...replay.timeline, ...replay.pending] });
    } else {
      const seed = Number(seedIn.value);
      session = new LabSession(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff ? seed : 0, program !== null ? { program } : { scenario: scenarioIn.value || LAB_SCENARIOS[0]!.name });
    }
    drawnPackets = -1;
    selectedPacket = -1;
    drawTopology();
    draw();
  };

  /** The scenario or program `s` runs, as session options. */
  const what = (s: LabSession): LabSessionOptions => (s.scenario.name === LAB_PROGRAM_NAME && s.scenario.code !== undefined ? { program: s.scenario.code } : { scenario: s.scenario.name });

  /** The link controls show `session`'s first link as the scenario built it. */
  const syncControls = () => {
    const l = session.topology().links[0];
    if (!l) return;
    latency.value = String(l.latencyUs);
    jitter.value = String(l.jitterUs / 1000);
    loss.value = String(l.loss * 100);
    reorder.value = String(l.reorder * 100);
    duplicate.value = String(l.duplicate * 100);
    rate.value = String(l.rate);
    mtu.value = String(l.mtu);
  };

  /** Start over: the chosen scenario and seed, its own links, nothing done yet; learn where the run ends. */
  const restart = () => {
    fresh();
    const s = session;
    end = Infinity;
    run(async () => {
      await s.advanceTo(0); // what happens at t = 0: the server listens
      syncControls();
    }, true);
    probe();
  };

  /** The session whose end a probe is learning now, and how to abandon it. */
  let probing: { s: LabSession; cancel(): void } | null = null;
  /**
   * Learns where the session's run ends (the scrubber's range) by running
   * it headless — only while the page is paused: playing, the probe would
   * take CPU from the frames (and the run being played finds its end
   * itself). In the page's Worker when there is one, else on this thread
   * between frames; abandoned when play starts, started again at the next pause.
   */
  const probe = () => {
    const s = session;
    if (playing || end !== Infinity || probing?.s === s) return;
    probing?.cancel();
    let cancelled = false;
    const me = { s, cancel: () => { cancelled = true; dom.cancelProbes?.(); } };
    probing = me;
    const opts = what(s);
    (dom.probeEnd ? dom.probeEnd(s.seed, opts) : probeEnd(s.seed, opts, () => cancelled)).then((at) => {
      if (probing === me) probing = null;
      if (s === session && !cancelled && at > (end === Infinity ? -1 : end)) {
        end = at;
        scrub.max = String(Math.ceil(end / 1000));
        say(scrubMax, String(Math.ceil(end / 1000)));
      }
    }, () => { if (probing === me) probing = null; });
  };
  const stopProbe = () => {
    probing?.cancel();
    probing = null;
  };

  /** Jumps to virtual time `t` µs: forward by running on, backward by replaying the same seed and actions from t = 0 (same packets). */
  const seek = (t: number) => {
    playing = false;
    probe();
    const target = Math.max(0, Math.min(t, end));
    run(async () => {
      if (target < session.now()) fresh(session);
      await session.advanceTo(target);
    }, true);
  };

  /** Takes `action` at the current instant (recorded in the session's timeline, so scrubbing back replays it). */
  const act = (action: LabAction) => {
    run(() => session.act(action), true);
  };

  play.addEventListener("click", () => {
    if (session.done) return;
    playing = !playing;
    if (playing) {
      stopProbe();
      dom.requestAnimationFrame(frame);
    } else {
      probe();
    }
    draw();
  });
  step.addEventListener("click", () => {
    playing = false;
    run(() => session.stepPacket(), true);
  });
  scrub.addEventListener("change", () => seek(Number(scrub.value) * 1000));
  reset.addEventListener("click", restart);
  seedIn.addEventListener("change", restart);
  scenarioIn.addEventListener("change", () => { program = null; programStatus.className = ""; say(programStatus, "(edit a template, then run it: its processes, packets and sockets fill the views below)"); restart(); });
  templateIn.addEventListener("change", () => {
    const t = findTemplate(templateIn.value);
    if (t) programIn.value = t.code;
    programIn.scrollTop = 0;
    drawLines(true);
  });
  programIn.addEventListener("input", () => drawLines(true));
  programIn.addEventListener("scroll", () => drawLines(true));
  runProgram.addEventListener("click", () => {
    program = programIn.value;
    restart();
    stopProbe();
    playing = true; // run ▸ plays at the chosen speed
    dom.requestAnimationFrame(frame);
  });
  const typeLine = (line: string | null) => {
    const [host, pid] = stdinTarget.value.split(":");
    if (!host || !pid) return;
    stdinLine.value = "";
    act({ kind: "stdin", host, pid: Number(pid), line });
  };
  stdinSend.addEventListener("click", () => typeLine(stdinLine.value));
  stdinLine.addEventListener("keydown", (ev) => { if (ev.key === "Enter") typeLine(stdinLine.value); });
  stdinEof.addEventListener("click", () => typeLine(null));
  langIn.addEventListener("change", draw);
  for (const c of [loss, jitter, reorder, duplicate, latency, rate, mtu]) c.addEventListener("change", () => act({ kind: "configure", impairments: impairments() }));
  partition.addEventListener("click", () => act({ kind: session.partitioned ? "heal" : "partition" }));
  killServer.addEventListener("click", () => act({ kind: "kill", host: "server" }));
  rebootClient.addEventListener("click", () => act({ kind: "reboot", host: "client" }));
  conn.addEventListener("change", draw);
  plotDir.addEventListener("change", () => { drawnPackets = -1; draw(); });
  for (const c of [toolHost, toolArgs, straceHost]) c.addEventListener("change", draw);
  tool.addEventListener("change", () => {
    toolArgs.value = LAB_TOOL_DEFAULTS[(tool.value in LAB_TOOL_DEFAULTS ? tool.value : "netstat") as LabTool];
    draw();
  });
  tcpdump.addEventListener("click", (ev) => {
    const i = Number(ev.target?.getAttribute?.("data-i") ?? NaN);
    if (!Number.isInteger(i)) return;
    selectedPacket = i;
    drawnPackets = -1; // redraw the highlighted line
    draw();
  });
  pcap.addEventListener("click", () => {
    if (dom.download && session.packets().length > 0) dom.download(`sockstack-${session.scenario.name.replace(/\W+/g, "-")}-seed${session.seed}.pcap`, session.pcap(), "application/vnd.tcpdump.pcap");
  });
  restart();
}
