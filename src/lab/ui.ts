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
import { socketSamplesSvg, timeSequenceSvg } from "./plots.js";
import { describeAction, percent, type LabAction, type LabImpairments } from "./actions.js";
import { processesHtml } from "./processes.js";
import { LAB_PROGRAM_NAME, LAB_SCENARIOS, LAB_TOOL_DEFAULTS, LabSession, type LabSessionOptions, type LabTool, type LabViewPoint } from "./session.js";
import { topologySvg } from "./topology.js";
import { esc, lineNumbersHtml, narrationHtml, socketsHtml } from "./views.js";
import { ProgramError, typeScriptLoaded, type ProgramLanguage } from "./program.js";
import { findTemplate, LAB_TEMPLATES } from "./templates.js";

/** What a listener receives: the element clicked (for the tcpdump pane's lines), if any. */
export interface LabEvent {
  target?: { getAttribute?(name: string): string | null; closest?(sel: string): { getAttribute(name: string): string | null } | null } | null;
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
  /** A scrolled element's offset (the editor and its line numbers, the ladder). */
  scrollTop?: number;
  /** The element's inner height in px (the ladder's viewport). */
  clientHeight?: number;
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
  /**
   * Whether the element `id` is on screen (or near it): while playing, the
   * views off screen are not redrawn. Absent, every view counts as shown.
   */
  visible?(id: string): boolean;
  /** Calls `changed` when a view scrolls into (or out of) sight: the page redraws what came into view. */
  onVisibilityChange?(changed: () => void): void;
  /** Abandons the probes running in the Worker (their promises reject): the page plays, the probe would compete for the CPU. */
  cancelProbes?(): void;
  /**
   * The simulation's real-time budget per animation frame (ms), between
   * `min` (frames late) and `max` (frames on time). Default
   * {@link LAB_MIN_FRAME_BUDGET_MS}–{@link LAB_FRAME_BUDGET_MS}: on the
   * page's thread the simulation shares the frame with the drawing; in the
   * simulation Worker (remote-dom.ts) it has a thread to itself.
   */
  simBudgetMs?: { min: number; max: number };
  /** Where the simulation runs, as the summary line says it (default "this page"). */
  simulatedIn?: string;
  /** Called after a redraw of every view (paused, or idle waiting for input): a remote page applies that redraw as one whole. */
  drewAll?(): void;
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

/** While playing, the views other than the clock and status are redrawn at most this often (ms of real time): five times a second. */
export const LAB_REDRAW_MS = 200;

/** Real time (ms) the views may take per animation frame while playing (each view redrawn whole, so one may overrun it). */
export const LAB_VIEW_BUDGET_MS = 3;

/** Real time (ms) the simulation may take per animation frame while playing, of the 16.7 a 60 Hz frame has: at most (frames on time). */
export const LAB_FRAME_BUDGET_MS = 8;

/** … and at least (frames late: the simulation still moves, slowly). */
export const LAB_MIN_FRAME_BUDGET_MS = 2;

/** A frame that comes later than this (ms after the previous one) missed 60 Hz: the simulation's budget shrinks. */
export const LAB_LATE_FRAME_MS = 20;

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
  const linkPick = el("link-pick"), topologyOut = el("topology");
  const partition = el("partition"), killServer = el("kill-server"), rebootClient = el("reboot-client"), timelineOut = el("timeline");
  const tcpdump = el("tcpdump"), detail = el("packet-detail"), pcap = el("pcap"), tcpdumpHost = el("tcpdump-host"), tcpdumpArgs = el("tcpdump-args");
  /** False while the tcpdump pane follows the scenario's capture point (its host, `-nn -i IFACE`); true once the learner picked a host or typed arguments. */
  let tcpdumpChosen = false;
  /** How many packets the tcpdump pane shows (the pcap button's). */
  let tcpdumpShown = 0;
  const plotDir = el("plot-dir"), scenarioIn = el("scenario"), langIn = el("lang"), scrubMax = el("scrub-max");
  const toolHost = el("tool-host"), tool = el("tool"), toolArgs = el("tool-args"), toolOut = el("tool-out"), straceHost = el("strace-host"), strace = el("strace");
  const templateIn = el("template"), programIn = el("program"), programLines = el("program-lines"), programStatus = el("program-status"), runProgram = el("run-program");
  const stdinTarget = el("stdin-target"), stdinLine = el("stdin-line"), stdinSend = el("stdin-send"), stdinEof = el("stdin-eof"), procsOut = el("processes");
  templateIn.innerHTML = LAB_TEMPLATES.map((t, i) => `<option value="${esc(t.name)}"${i === 0 ? " selected" : ""}>${esc(t.name)} — ${esc(t.summary)}</option>`).join("");
  if (!templateIn.value) templateIn.value = LAB_TEMPLATES[0]!.name;
  programIn.value = LAB_TEMPLATES[0]!.code;
  const programLang = el("program-lang");
  /** The program the session runs (the run button's), or null when a scenario of the picker runs. */
  let program: string | null = null;
  /** Its language (the editor's choice when run ▸ was pressed). */
  let language: ProgramLanguage = "ts";
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
  /** The simulation's real-time budget for the next frame (ms), between LAB_MIN_FRAME_BUDGET_MS and LAB_FRAME_BUDGET_MS. */
  const budgetMin = dom.simBudgetMs?.min ?? LAB_MIN_FRAME_BUDGET_MS, budgetMax = dom.simBudgetMs?.max ?? LAB_FRAME_BUDGET_MS;
  let simBudget = budgetMax;
  let selectedPacket = -1;
  /** The decode of the ladder arrow clicked, or null (then the tcpdump line clicked shows). */
  let selectedArrow: string | null = null;

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
  /** The link the controls act on (its index in the network's links), or undefined for every link. */
  const pickedLink = (): number | undefined => (linkPick.value === "" || !Number.isInteger(Number(linkPick.value)) ? undefined : Number(linkPick.value));
  let drawnTopology = "";
  /** The topology, the picked link highlighted, and the link picker's choices (kept while the network has that link). */
  const drawTopology = () => {
    const topo = session.topology();
    const picked = pickedLink();
    if (topo.links.length === 0 && picked !== undefined) return; // the network is not built yet: keep the pick (a reset applies it)
    const keep = picked !== undefined && picked < topo.links.length ? String(picked) : "";
    const opts = `<option value=""${keep === "" ? " selected" : ""}>every link</option>` + topo.links.map((l, i) =>
      `<option value="${i}"${String(i) === keep ? " selected" : ""}>${i}: ${esc(`${l.a.host} ${l.a.iface} — ${l.b.host} ${l.b.iface}`)}</option>`).join("");
    if (given.get(linkPick) !== opts) { given.set(linkPick, opts); linkPick.innerHTML = opts; }
    linkPick.value = keep;
    const svg = topologySvg(topo, keep === "" ? {} : { selected: Number(keep) });
    if (svg !== drawnTopology) topologyOut.innerHTML = drawnTopology = svg;
  };

  /** Options of a host select, keeping the choice when that host still exists (or taking `prefer`). */
  const hostOptions = (sel: LabElement, hosts: string[], prefer?: string) => {
    const keep = prefer !== undefined && hosts.includes(prefer) ? prefer : hosts.includes(sel.value) ? sel.value : hosts.includes("server") ? "server" : hosts[0] ?? "";
    const html = hosts.map((h) => `<option value="${esc(h)}"${h === keep ? " selected" : ""}>${esc(h)}</option>`).join("");
    if (sel.innerHTML !== html) sel.innerHTML = html;
    sel.value = keep;
    return keep;
  };

  let drawnNarration = "";
  /** What the ladder, the plots and the tcpdump lines last showed (packets, choices, window): redrawn when it changed. */
  let drawnLadder = "", drawnPlots = "", drawnPackets = "";
  /** Forgets what the packet views showed: they are redrawn at the next draw. */
  const invalidate = () => { drawnLadder = drawnPlots = drawnPackets = ""; };
  /** The ladder's scroll position and height (px), from its scroll events: while playing, only the rows in view are drawn. */
  let ladderTop = 0, ladderHeight = 600;
  /** The drawn rows reach this far (px) beyond the ladder's viewport, and scrolling less than this redraws nothing. */
  const LADDER_STEP = 300;
  /** The instant and actions of the input wait the last full redraw showed ("" when it showed none). */
  let drawnWaiting = "";
  /** The frame clock's last reading. */
  let frameNow = 0;
  let drawnScrub = "";

  /**
   * The ladder (and the connection picker, the tcpdump pane's title). While
   * playing only the rows in and near its scrolled viewport are drawn (the
   * document keeps its full size: what shows is the same), so a redraw costs
   * a few rows, not LAB_LADDER_WINDOW; paused, the whole window.
   */
  const drawLadder = () => {
    const at = viewPoint();
    const point = at.point;
    const packets = point ? session.ladderCount(point) : session.packets().length;
    const top = Math.floor(ladderTop / LADDER_STEP) * LADDER_STEP - LADDER_STEP;
    const view = playing ? { top, bottom: top + ladderHeight + 3 * LADDER_STEP } : undefined;
    const key = `${at.key} ${packets} ${conn.value} ${view ? `${view.top} ${view.bottom}` : "all"}`;
    if (key === drawnLadder) return;
    drawnLadder = key;
    say(el("ladder-point"), at.ladderLabel);
    const conns = session.connections(point);
    const selected = conn.value;
    const connOpts = `<option value="">all connections</option>` +
      conns.map((c, i) => `<option value="${i}"${String(i) === selected ? " selected" : ""}>${i}: ${esc(c)}</option>`).join("");
    if (given.get(conn) !== connOpts) { given.set(conn, connOpts); conn.innerHTML = connOpts; }
    const n = selected === "" ? undefined : Number(selected);
    put(el("ladder"), packets === 0 ? `<p>(nothing ${point ? "captured there" : "on the wire"} yet)</p>` : session.ladderSvg(n !== undefined && n < conns.length ? n : undefined, view, point).replace(/^<\?xml[^>]*>\n/, ""));
  };

  /**
   * Where the ladder and the plots look: until the learner picks a host or
   * types arguments in the tcpdump pane, the scenario's own points (the
   * ladder both ends of its link, the plots its capture point); then what
   * the tcpdump pane shows (that host, its interface and filter) — the
   * panes' headings say which. Arguments tcpdump refuses keep the default.
   */
  const viewPoint = (): { point: LabViewPoint | undefined; key: string; ladderLabel: string; plotLabel: string } => {
    const cp = session.capturePoint();
    const cpText = cp ? `${cp.host}'s ${cp.iface}` : "the capture point";
    if (tcpdumpChosen && tcpdumpHost.value) {
      const point = { host: tcpdumpHost.value, args: tcpdumpArgs.value };
      try {
        const v = session.tcpdump(point.host, point.args);
        const where = `${point.host}'s ${v.iface === "any" ? "every interface" : v.iface}`;
        const label = `${where}, as the tcpdump pane shows it (tcpdump ${point.args})`;
        return { point, key: `${point.host}\0${point.args}`, ladderLabel: label, plotLabel: label };
      } catch {
        // tcpdump refuses the arguments: the pane says why; the ladder and plots keep the scenario's points.
      }
    }
    return { point: undefined, key: "", ladderLabel: "both ends of the link (pick a host in the tcpdump pane to see it from there)", plotLabel: `${cpText} (the scenario's capture point; pick a host in the tcpdump pane to see it from there)` };
  };

  const hostNames = () => [...session.hosts.keys()];
  /**
   * The views below the status line, each assigning its elements only when
   * what they show changed. Paused, a draw runs them all; playing, it runs
   * them in turn within LAB_VIEW_BUDGET_MS per frame, a whole round at most
   * every LAB_REDRAW_MS (so no frame pays for every view at once).
   */
  const views: { id: string; draw: () => void }[] = [
    { id: "topology", draw: drawTopology },
    { id: "narration", draw: () => { // the narration, redrawn only when it grows (or the language changes)
      const narrationKey = `${session.narration.length} ${langIn.value}`;
      if (narrationKey !== drawnNarration) {
        drawnNarration = narrationKey;
        put(el("narration"), narrationHtml(session.narration, langIn.value === "zh" ? "zh" : "en"));
      }
      say(el("summary"), `${session.scenario.name}: ${langIn.value === "zh" ? session.scenario.summary.zh : session.scenario.summary.en} — simulated in ${dom.simulatedIn ?? "this page"}`);
    } },
    { id: "processes", draw: () => { // the processes, their screens, the stdin bar, the program's status
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
        say(programStatus, e ? (e instanceof Error ? e.message : String(e)) : session.done ? "the program ended (every client process exited)" : session.waitingForInput ? "waiting: a process reads its terminal — type a line into its stdin above" : session.net === null && language === "ts" && !typeScriptLoaded() ? "loading the TypeScript transform (lab-ts.js, the first time only)…" : "running on the simulated network");
      }
      drawLines();
    } },
    { id: "timeline", draw: () => { // the buttons, the sliders' values, "what you did"
      const hosts = hostNames();
      killServer.disabled = !hosts.includes("server") || session.done;
      rebootClient.disabled = !hosts.includes("client") || session.done;
      for (const [id, v, unit] of [["loss", loss, "%"], ["jitter", jitter, " ms"], ["reorder", reorder, "%"], ["duplicate", duplicate, "%"]] as const) {
        say(el(`${id}-value`), `${num(v, 0)}${unit}`);
      }
      const which = pickedLink() === undefined ? (session.topology().links.length > 1 ? "every link" : "link") : `link ${pickedLink()}`;
      say(partition, `${session.partitioned(pickedLink()) ? "heal" : "partition"} ${which}`);
      say(timelineOut, session.timeline.length === 0 ? "(nothing done yet: sliders and buttons act at the current instant)" : session.timeline.map(describeAction).join("\n"));
    } },
    { id: "tool-out", draw: () => { // ss, netstat, lsof or nstat on the host picked
      const t = (tool.value in LAB_TOOL_DEFAULTS ? tool.value : "netstat") as LabTool;
      const th = hostOptions(toolHost, hostNames());
      try {
        say(toolOut, th ? session.tool(th, t, toolArgs.value) : "");
      } catch (e) {
        say(toolOut, `${t}: ${e instanceof Error ? e.message.replace(new RegExp(`^${t}: `), "") : String(e)}`);
      }
    } },
    { id: "strace", draw: () => { // strace of the host picked: its last LAB_TEXT_WINDOW lines
      const sh = hostOptions(straceHost, hostNames());
      const traced = sh ? session.straceLines(sh) : [];
      say(strace, (traced.length > LAB_TEXT_WINDOW ? [`… ${traced.length - LAB_TEXT_WINDOW} earlier lines`, ...traced.slice(-LAB_TEXT_WINDOW)] : traced).join("\n"));
    } },
    { id: "ss", draw: () => put(el("ss"), hostNames().map((h) => `<div><h3>${esc(h)}$ ss -tanpo</h3><pre id="ss-${esc(h)}">${esc(session.ss(h))}</pre></div>`).join("")) },
    { id: "sockets", draw: () => put(el("sockets"), hostNames().map((h) => `<div><h3>${esc(h)}</h3><div id="sockets-${esc(h)}">${socketsHtml(session.sockets(h))}</div></div>`).join("")) },
    { id: "ladder", draw: drawLadder },
    { id: "plots", draw: () => { // the plots of the direction picked, at the point the tcpdump pane shows (or the capture point)
      const at = viewPoint();
      const pkts = session.plotPackets(at.point);
      const key = `${at.key} ${pkts.length} ${plotDir.value}`;
      if (key === drawnPlots) return;
      drawnPlots = key;
      say(el("plot-point"), at.plotLabel);
      const dirs = session.directions(at.point);
      const chosen = plotDir.value;
      plotDir.innerHTML = dirs.length === 0 ? `<option value="">(no TCP yet)</option>`
        : dirs.map((d) => { const v = `${d.src}>${d.dst}`; return `<option value="${esc(v)}"${v === chosen ? " selected" : ""}>${esc(`${d.src} → ${d.dst}`)}</option>`; }).join("");
      const dir = dirs.find((d) => `${d.src}>${d.dst}` === chosen) ?? dirs[0];
      put(el("plot-tsg"), dir ? timeSequenceSvg(pkts, dir, session.now()) : "");
      put(el("plot-cwnd"), dir ? socketSamplesSvg(session.samples(dir.src, dir.dst), `${dir.src} → ${dir.dst}`, session.now()) : "");
    } },
    { id: "tcpdump", draw: () => { // tcpdump ARGS on the host picked: the last LAB_TEXT_WINDOW packets (the pcap has them all: thousands of lines relaid out every redraw would cost the frame rate)
      const cp = session.capturePoint();
      if (!tcpdumpChosen && cp) tcpdumpArgs.value = `-nn -i ${cp.iface}`; // the scenario's capture point, until the learner picks
      const host = hostOptions(tcpdumpHost, hostNames(), tcpdumpChosen ? undefined : cp?.host);
      let view;
      try {
        view = host ? session.tcpdump(host, tcpdumpArgs.value) : null;
      } catch (e) {
        tcpdumpShown = 0;
        drawnPackets = "";
        say(el("tcpdump-title"), "");
        put(tcpdump, `<span class="warn">${esc(e instanceof Error ? e.message : String(e))}</span>`);
        return;
      }
      const all = view?.lines ?? [];
      tcpdumpShown = all.length;
      const key = `${host} ${tcpdumpArgs.value} ${all.length} ${selectedPacket}`;
      if (key === drawnPackets) return;
      drawnPackets = key;
      say(el("tcpdump-title"), view ? `(${view.iface === "any" ? "every interface" : view.iface}; click a line)` : "(no host yet)");
      const from = Math.max(0, all.length - LAB_TEXT_WINDOW);
      const lines: string[] = from > 0 ? [`<span class="muted">… ${from} earlier packets (pcap ⤓ has every one)</span>`] : [];
      for (let i = from; i < all.length; i++) lines.push(`<span class="pkt${i === selectedPacket ? " sel" : ""}" data-i="${i}">${esc(all[i]!)}</span>`);
      put(tcpdump, lines.join("\n"));
    } },
    { id: "packet-detail", draw: () => { // the packet clicked (a tcpdump line or a ladder arrow), decoded
      if (selectedPacket >= tcpdumpShown) selectedPacket = -1;
      say(detail, selectedArrow !== null ? selectedArrow : selectedPacket < 0 ? "(click a tcpdump line or a ladder arrow to decode it)" : session.tcpdumpDetail(tcpdumpHost.value, tcpdumpArgs.value, selectedPacket));
    } },
  ];
  /** The next view a playing frame redraws, and when its round started (the frame clock). */
  let nextView = 0, roundStart = -Infinity;

  const draw = () => {
    say(clock, `t = ${(session.now() / 1e6).toFixed(3)} s`);
    const at = String(Math.round(session.now() / 1000));
    if (at !== drawnScrub) scrub.value = drawnScrub = at;
    drawStatus(session.packets().length);
    // The run went idle for input (again): show everything at once.
    const waitingNow = session.waitingForInput ? `${session.now()} ${session.timeline.length}` : "";
    if (!playing || (waitingNow && waitingNow !== drawnWaiting)) {
      drawnWaiting = waitingNow;
      for (const v of views) v.draw();
      nextView = 0;
      dom.drewAll?.();
      return;
    }
    if (nextView === 0) {
      if (frameNow - roundStart < LAB_REDRAW_MS) return;
      roundStart = frameNow;
    }
    const t0 = dom.now?.();
    do {
      const v = views[nextView]!;
      nextView = (nextView + 1) % views.length;
      if (dom.visible && !dom.visible(v.id)) continue; // off screen: redrawn when it comes into view
      v.draw();
      if (t0 === undefined || dom.now!() - t0 >= LAB_VIEW_BUDGET_MS) break;
    } while (nextView !== 0);
  };

  /** The status line, the scrubber's end and the buttons: every frame. */
  const drawStatus = (packets: number) => {
    const cp = session.capturePoint();
    const links = session.topology().links;
    const lossNote = links.map((l, i) => (l.loss ? ` · ${links.length > 1 ? `link ${i} ` : ""}loss ${percent(l.loss)}` : "")).join("");
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
    pcap.disabled = !dom.download || tcpdumpShown === 0;
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
    if (lastFrame !== null) {
      // The simulation's share of a frame adapts: a late frame (the page missed 60 Hz) takes a third off, a frame on time gives back half a millisecond.
      if (now - lastFrame > LAB_LATE_FRAME_MS) simBudget = Math.max(budgetMin, simBudget * (2 / 3));
      else simBudget = Math.min(budgetMax, simBudget + 0.5);
    }
    if (lastFrame !== null && !busy && !session.waitingForInput) {
      const realMs = Math.min(100, now - lastFrame); // a background tab does not jump ahead
      const dt = Math.max(1, Math.round(realMs * 1000 * Number(speed.value)));
      // At most simBudget ms of simulation per frame: when the run cannot keep up, its clock lags (plays slower) and the frames keep coming.
      const clock = dom.now?.bind(dom);
      const budget = simBudget;
      const stop = clock ? (() => { const t0 = clock(); return () => clock() - t0 > budget; })() : undefined;
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
  const fresh = (replay?: LabSession, link?: { impairments: LabImpairments; link: number | undefined }) => {
    playing = false;
    if (replay) {
      session = new LabSession(replay.seed, { ...what(replay), impairments: replay.initialImpairments, ...(replay.initialLink === undefined ? {} : { link: replay.initialLink }), timeline: [...replay.timeline, ...replay.pending] });
    } else {
      const seed = Number(seedIn.value);
      session = new LabSession(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff ? seed : 0, { ...(program !== null ? { program, language } : { scenario: scenarioIn.value || LAB_SCENARIOS[0]!.name }), ...(link ? { impairments: link.impairments, ...(link.link === undefined ? {} : { link: link.link }) } : {}) });
    }
    invalidate();
    selectedPacket = -1;
    selectedArrow = null;
    drawTopology();
    draw();
  };

  /** The scenario or program `s` runs, as session options. */
  const what = (s: LabSession): LabSessionOptions => (s.scenario.name === LAB_PROGRAM_NAME && s.scenario.code !== undefined ? { program: s.scenario.code, language: s.scenario.language ?? "js" } : { scenario: s.scenario.name });

  /** The link controls show the picked link as it is now (the first link when every link is picked). */
  const syncControls = () => {
    const l = session.topology().links[pickedLink() ?? 0];
    if (!l) return;
    // A value the select does not offer (the bulk scenario's 5 ms) is added as a choice, so the control shows the link as it is.
    const choose = (sel: LabElement, v: number, label: string) => {
      sel.value = String(v);
      if (sel.value !== String(v)) {
        sel.innerHTML += `<option value="${v}">${esc(label)}</option>`;
        sel.value = String(v);
      }
    };
    choose(latency, l.latencyUs, l.latencyUs >= 1000 ? `${l.latencyUs / 1000} ms` : `${l.latencyUs} µs`);
    jitter.value = String(l.jitterUs / 1000);
    loss.value = String(l.loss * 100);
    reorder.value = String(l.reorder * 100);
    duplicate.value = String(l.duplicate * 100);
    choose(rate, l.rate, l.rate >= 1e6 ? `${l.rate / 1e6} Mbit/s` : `${l.rate / 1000} kbit/s`);
    choose(mtu, l.mtu, String(l.mtu));
  };

  /** Start over: the chosen scenario and seed, its own links, nothing done yet; learn where the run ends. */
  const restart = (keepLink = false) => {
    fresh(undefined, keepLink ? { impairments: impairments(), link: pickedLink() } : undefined);
    say(scrubMax, "…"); // until the probe (or the run) finds where it ends
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
  reset.addEventListener("click", () => restart(true)); // the link the controls show, from t = 0
  seedIn.addEventListener("change", () => restart());
  scenarioIn.addEventListener("change", () => { program = null; linkPick.value = ""; tcpdumpChosen = false; programStatus.className = ""; say(programStatus, "(edit a template, then run it: its processes, packets and sockets fill the views below)"); restart(); });
  templateIn.addEventListener("change", () => {
    const t = findTemplate(templateIn.value);
    if (t) {
      programIn.value = t.code;
      programLang.value = "ts"; // the templates are TypeScript
    }
    programIn.scrollTop = 0;
    drawLines(true);
  });
  programIn.addEventListener("input", () => drawLines(true));
  programIn.addEventListener("scroll", () => drawLines(true));
  runProgram.addEventListener("click", () => {
    program = programIn.value;
    language = programLang.value === "js" ? "js" : "ts";
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
  /** `link` (the picked link, or none: every link) as an action's field. */
  const onLink = (link = pickedLink()) => (link === undefined ? {} : { link });
  for (const c of [loss, jitter, reorder, duplicate, latency, rate, mtu]) c.addEventListener("change", () => act({ kind: "configure", impairments: impairments(), ...onLink() }));
  partition.addEventListener("click", () => act({ kind: session.partitioned(pickedLink()) ? "heal" : "partition", ...onLink() }));
  /** Another link picked (the select, or a click on the topology): the controls show that link's impairments. */
  const linkPicked = () => { drawTopology(); syncControls(); draw(); };
  linkPick.addEventListener("change", linkPicked);
  topologyOut.addEventListener("click", (ev) => {
    const i = Number(ev.target?.closest?.("[data-link]")?.getAttribute("data-link") ?? NaN);
    if (!Number.isInteger(i)) return;
    linkPick.value = String(i);
    linkPicked();
  });
  killServer.addEventListener("click", () => act({ kind: "kill", host: "server" }));
  rebootClient.addEventListener("click", () => act({ kind: "reboot", host: "client" }));
  conn.addEventListener("change", draw);
  const ladderOut = el("ladder");
  // A view scrolled into sight while playing is drawn now, not at its next turn.
  dom.onVisibilityChange?.(() => {
    if (!playing) return;
    for (const v of views) if (dom.visible?.(v.id) !== false) v.draw();
  });
  ladderOut.addEventListener("click", (ev) => {
    const g = ev.target?.closest?.("[data-pkt]");
    const i = Number(g?.getAttribute("data-pkt") ?? NaN);
    if (!Number.isInteger(i)) return;
    selectedArrow = session.ladderPacketDetail(i, viewPoint().point);
    draw();
  });
  ladderOut.addEventListener("scroll", () => {
    ladderTop = ladderOut.scrollTop ?? 0;
    ladderHeight = ladderOut.clientHeight || ladderHeight;
    if (playing) drawLadder(); // the rows now in view, at once
  });
  plotDir.addEventListener("change", () => { invalidate(); draw(); });
  for (const c of [toolHost, toolArgs, straceHost]) c.addEventListener("change", draw);
  tool.addEventListener("change", () => {
    toolArgs.value = LAB_TOOL_DEFAULTS[(tool.value in LAB_TOOL_DEFAULTS ? tool.value : "netstat") as LabTool];
    draw();
  });
  tcpdump.addEventListener("click", (ev) => {
    const i = Number(ev.target?.getAttribute?.("data-i") ?? NaN);
    if (!Number.isInteger(i)) return;
    selectedPacket = i;
    selectedArrow = null;
    invalidate(); // redraw the highlighted line
    draw();
  });
  /** The learner picked a host or typed arguments: the pane shows that from now on (until another scenario is picked). */
  const tcpdumpPicked = () => {
    tcpdumpChosen = true;
    selectedPacket = -1;
    invalidate();
    draw();
  };
  tcpdumpHost.addEventListener("change", tcpdumpPicked);
  tcpdumpArgs.addEventListener("change", tcpdumpPicked);
  tcpdumpArgs.addEventListener("keydown", (ev) => { if (ev.key === "Enter") tcpdumpPicked(); });
  pcap.addEventListener("click", () => {
    // What the tcpdump pane shows, every packet of it (the pane shows the last LAB_TEXT_WINDOW).
    if (dom.download && tcpdumpShown > 0) dom.download(`sockstack-${session.scenario.name.replace(/\W+/g, "-")}-seed${session.seed}.pcap`, session.tcpdumpPcap(tcpdumpHost.value, tcpdumpArgs.value), "application/vnd.tcpdump.pcap");
  });
  restart();
}
