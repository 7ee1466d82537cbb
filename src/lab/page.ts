/**
 * The lab's static page: `index.html` and `lab.css`, next to the bundled
 * `lab.js` that `sockstack lab` writes or serves. Self-contained: no CDN,
 * no web fonts (system monospace only), no inline script.
 */

/** File name of the bundled script the page loads. */
export const LAB_SCRIPT = "lab.js";
/** File name of the stylesheet. */
export const LAB_STYLE = "lab.css";

/** The page. Element ids are what ui.ts looks up. */
export const LAB_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sockstack lab</title>
<link rel="stylesheet" href="${LAB_STYLE}">
</head>
<body>
<header>
  <h1>sockstack lab</h1>
  <span class="sub" id="summary">the TCP/IP stack simulated in this page</span>
</header>
<section id="controls">
  <label>scenario <select id="scenario"></select></label>
  <label>narration <select id="lang"><option value="en" selected>English</option><option value="zh">中文</option></select></label>
  <button id="play" type="button">play</button>
  <button id="step" type="button" title="run to the next packet">step ▸ packet</button>
  <button id="reset" type="button">reset</button>
  <label>speed <select id="speed">
    <option value="0.1">0.1×</option>
    <option value="0.25">0.25×</option>
    <option value="0.5" selected>0.5×</option>
    <option value="1">1×</option>
    <option value="4">4×</option>
  </select></label>
  <label>seed <input id="seed" type="number" min="0" max="4294967295" value="0"></label>
  <label>ladder <select id="connection"><option value="">all connections</option></select></label>
  <button id="pcap" type="button" title="what the tcpdump pane shows, as a pcap file for Wireshark or tcpdump -r">pcap ⤓</button>
  <span id="clock">t = 0.000 s</span>
  <label class="timeline">time <input id="scrub" type="range" min="0" max="6500" step="1" value="0"> <output id="scrub-max">6500</output> ms</label>
</section>
<section id="link-controls" title="changes apply at the current instant, both directions">
  <label><b>link</b> <select id="link-pick" title="the link the controls below act on (or click a link in the topology)"><option value="" selected>every link</option></select></label>
  <label>latency <select id="latency">
    <option value="50" selected>50 µs</option>
    <option value="1000">1 ms</option>
    <option value="10000">10 ms</option>
    <option value="50000">50 ms</option>
  </select></label>
  <label>jitter <input id="jitter" type="range" min="0" max="50" step="1" value="0"> <output id="jitter-value">0 ms</output></label>
  <label>loss <input id="loss" type="range" min="0" max="20" step="0.5" value="0"> <output id="loss-value">0%</output></label>
  <label>reorder <input id="reorder" type="range" min="0" max="20" step="0.5" value="0"> <output id="reorder-value">0%</output></label>
  <label>duplicate <input id="duplicate" type="range" min="0" max="10" step="0.5" value="0"> <output id="duplicate-value">0%</output></label>
  <label>rate <select id="rate">
    <option value="0" selected>unlimited</option>
    <option value="10000000">10 Mbit/s</option>
    <option value="1000000">1 Mbit/s</option>
    <option value="100000">100 kbit/s</option>
  </select></label>
  <label>MTU <select id="mtu">
    <option value="1500" selected>1500</option>
    <option value="1280">1280</option>
    <option value="576">576</option>
  </select></label>
  <button id="partition" type="button">partition link</button>
  <button id="kill-server" type="button" title="SIGKILL every process on the server">kill the server</button>
  <button id="reboot-client" type="button" title="the client host reboots: a fresh kernel, no sockets">reboot the client</button>
</section>
<main>
  <section class="pane" id="topology-pane"><h2>topology</h2><div id="topology"></div></section>
  <section class="pane wide" id="processes-pane"><h2>processes: what each wrote to its terminal, and its stdin</h2>
    <div id="stdin-bar"><label>stdin of <select id="stdin-target"></select></label> <input id="stdin-line" type="text" size="40" aria-label="a line for stdin" placeholder="type a line, Enter sends it">
    <button id="stdin-send" type="button">send ⏎</button> <button id="stdin-eof" type="button" title="end of input (Ctrl-D)">Ctrl-D</button></div>
    <div id="processes" class="procs"></div></section>
  <section class="pane wide"><h2>narration (what <code>sockstack demo</code> prints, up to now)</h2><pre id="narration"></pre></section>
  <section class="pane wide"><h2>what you did (replayed when you scrub back)</h2><pre id="timeline"></pre></section>
  <section class="pane wide" id="ladder-pane"><h2>ladder of <span id="ladder-point" class="point">both ends of the link</span></h2><div id="ladder"></div></section>
  <section class="pane wide" id="plots-pane"><h2>plots of <select id="plot-dir"></select> at <span id="plot-point" class="point">the capture point</span></h2><div id="plots" class="plots"><div id="plot-tsg"></div><div id="plot-cwnd"></div></div></section>
  <section class="pane wide"><h2>sockets: queues, buffers, windows, timers (per host)</h2><div id="sockets" class="hosts"></div></section>
  <section class="pane wide"><h2>ss -tanpo (per host)</h2><div id="ss" class="hosts"></div></section>
  <section class="pane"><h2><select id="tool-host"></select>$
    <select id="tool"><option value="ss">ss</option><option value="netstat" selected>netstat</option><option value="lsof">lsof</option><option value="nstat">nstat</option></select>
    <input id="tool-args" type="text" size="14" value="-tanp" aria-label="arguments"></h2><pre id="tool-out"></pre></section>
  <section class="pane"><h2><select id="strace-host"></select>$ strace -f -tt (every process, virtual time)</h2><pre id="strace"></pre></section>
  <section class="pane wide"><h2><select id="tcpdump-host"></select>$ tcpdump <input id="tcpdump-args" type="text" size="40" value="-nn" aria-label="tcpdump arguments" title="-i IFACE or -i any, -v, -X, -S, -t, -e, -c N, then a filter expression (tcp port 9090, host 10.0.0.1 and not arp, …)">
    <span id="tcpdump-title">(click a line)</span></h2><pre id="tcpdump"></pre></section>
  <section class="pane wide"><h2>tcpdump -nn -S -v -X (the line clicked)</h2><pre id="packet-detail"></pre></section>
  <section class="pane wide" id="program-pane"><h2>write your own in <select id="program-lang" title="TypeScript: types are stripped (not checked) by a transform loaded the first time a TypeScript program runs"><option value="ts" selected>TypeScript</option><option value="js">JavaScript</option></select>
    (in scope: net, clientHost 10.0.0.1, serverHost 10.0.0.2, ms, sec, wrap, sockaddrIn, …) — start from
    <select id="template"></select> <button id="run-program" type="button">run ▸</button></h2>
    <div class="editor"><pre id="program-lines" aria-hidden="true"></pre><textarea id="program" spellcheck="false" wrap="off" rows="18" aria-label="program"></textarea></div>
    <pre id="program-status">(edit a template, then run it: its processes, packets and sockets fill the views below)</pre></section>
</main>
<footer id="status">loading…</footer>
<script type="module" src="${LAB_SCRIPT}"></script>
</body>
</html>
`;

/** The stylesheet. */
export const LAB_CSS = `:root { --fg: #1b1b1b; --muted: #666; --line: #ccc; --accent: #1f4e79; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: var(--fg); background: #f6f6f4; }
header { padding: 10px 16px; background: var(--accent); color: white; display: flex; gap: 16px; align-items: baseline; }
header h1 { margin: 0; font-size: 18px; }
header .sub { opacity: .85; }
#controls { padding: 8px 16px; display: flex; flex-wrap: wrap; gap: 12px; align-items: center; border-bottom: 1px solid var(--line); background: white; }
#controls input[type=number] { width: 8em; }
#clock { font-family: monospace; font-weight: bold; margin-left: auto; }
main { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; padding: 12px 16px; }
.pane { background: white; border: 1px solid var(--line); border-radius: 4px; padding: 8px 10px; min-width: 0; contain: content; }
.pane.wide { grid-column: 1 / -1; }
.pane h2 select, .pane h2 input { font: 12px monospace; }
.pane h2 .point { color: var(--fg); font-weight: bold; }
.pane h2 { margin: 0 0 6px; font-size: 13px; font-family: monospace; color: var(--muted); font-weight: normal; }
pre { margin: 0; font: 12px/1.35 monospace; overflow: auto; max-height: 22em; white-space: pre; }
#ladder { overflow: auto; max-height: 36em; }
#ladder svg { display: block; }
#ladder g[data-pkt] { cursor: pointer; }
#topology svg { display: block; max-width: 100%; }
#topology g.link { cursor: pointer; }
#link-controls { padding: 6px 16px; display: flex; flex-wrap: wrap; gap: 12px; align-items: center; border-bottom: 1px solid var(--line); background: #fbfbf9; }
#link-controls input[type=range] { width: 90px; vertical-align: middle; }
.timeline { flex-basis: 100%; display: flex; gap: 8px; align-items: center; }
.timeline input { flex: 1; }
.hosts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 10px; }
.hosts h3 { margin: 0 0 4px; font: bold 12px monospace; }
#narration { max-height: 16em; white-space: pre-wrap; }
#narration .h { font-weight: bold; color: var(--accent); }
#narration .cmd { color: #555; }
.plots { display: flex; flex-wrap: wrap; gap: 8px; }
.plots svg { display: block; max-width: 100%; height: auto; }
.pkt { cursor: pointer; }
.pkt:hover { background: #eef3f8; }
.pkt.sel { background: #ffe9a8; }
.sock { border-top: 1px solid var(--line); padding: 4px 0; font: 12px/1.5 monospace; }
.sock:first-child { border-top: 0; }
.muted { color: var(--muted); }
.warn { color: #b03a00; }
.slots { display: inline-flex; gap: 2px; vertical-align: middle; }
.slot { display: inline-block; width: 14px; height: 14px; border: 1px solid #888; background: white; }
.slot.est { background: #4f8a3c; }
.slot.syn { background: #d9a21b; }
.slot.over { border-color: #b03a00; }
.bar { display: inline-block; width: 60px; height: 8px; border: 1px solid #888; vertical-align: middle; }
.bar span { display: block; height: 100%; background: #1f4e79; }
.editor { display: flex; border: 1px solid var(--line); height: 26em; resize: vertical; overflow: hidden; }
.editor pre { margin: 0; padding: 4px 6px; text-align: right; color: var(--muted); background: #f3f3f0; user-select: none; max-height: none; overflow: hidden; min-width: 3.5em; }
.editor pre .err { color: white; background: #b03a00; }
.editor textarea { flex: 1; border: 0; padding: 4px 6px; font: 12px/1.35 monospace; resize: none; white-space: pre; overflow: auto; outline: none; }
#program-status { margin-top: 6px; white-space: pre-wrap; }
#program-status.err { color: #b03a00; }
#stdin-bar { display: flex; gap: 8px; align-items: center; margin-bottom: 6px; flex-wrap: wrap; }
.procs { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 8px; }
.procs h3 { margin: 0 0 2px; font: bold 12px monospace; }
.procs h3 .reading { color: #4f8a3c; }
.procs pre { background: #1b1b1b; color: #e6e6e6; padding: 4px 6px; min-height: 3em; max-height: 14em; white-space: pre-wrap; }
.procs pre.empty { background: none; color: var(--muted); min-height: 0; padding: 0; }
footer { padding: 6px 16px; color: var(--muted); font-size: 12px; }
`;
