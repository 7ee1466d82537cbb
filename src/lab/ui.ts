/**
 * The lab page's views and controls, driving a {@link LabSession} in the
 * browser: play/pause (virtual time advanced a little every animation
 * frame, slowed by the speed factor), step to the next packet, reset,
 * seed, and the connection the ladder shows. After each advance the views
 * are redrawn at the current instant: topology, ladder (ladderSvg), `ss`
 * on both hosts, tcpdump of the server's eth0.
 *
 * The project compiles without the DOM library (the core must not lean on
 * it), so the few DOM members used here are typed by hand ({@link LabDom}).
 * The page's pacing comes from the browser's frame clock
 * (requestAnimationFrame); the simulation itself only sees virtual time.
 */
import { LabSession, type LabTopology } from "./session.js";

/** The DOM element members the lab uses. */
export interface LabElement {
  textContent: string | null;
  innerHTML: string;
  value: string;
  disabled: boolean;
  addEventListener(type: string, listener: () => void): void;
}

/** The document and frame clock the lab uses. */
export interface LabDom {
  getElementById(id: string): LabElement | null;
  requestAnimationFrame(cb: (now: number) => void): void;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The topology as a small SVG: hosts as boxes with their addresses, links with their impairments. */
export function topologySvg(topo: LabTopology): string {
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
    out.push(`<line x1="${from}" y1="${y}" x2="${to}" y2="${y}" stroke="#555" stroke-width="2"/>`);
    const label = [`${l.latencyUs} µs`];
    if (l.jitterUs) label.push(`±${l.jitterUs} µs`);
    if (l.loss) label.push(`loss ${(l.loss * 100).toFixed(1)}%`);
    if (l.duplicate) label.push(`dup ${(l.duplicate * 100).toFixed(1)}%`);
    if (l.reorder) label.push(`reorder ${(l.reorder * 100).toFixed(1)}%`);
    if (l.rate) label.push(`${l.rate / 1e6} Mbit/s`);
    out.push(`<text x="${(from + to) / 2}" y="${y - 8}" text-anchor="middle" fill="#333">${esc(label.join(", "))}</text>`);
  }
  out.push("</svg>");
  return out.join("\n");
}

/** Wires the page at `dom` to a lecture session and draws it at t = 0. */
export function startLab(dom: LabDom): void {
  const el = (id: string): LabElement => {
    const e = dom.getElementById(id);
    if (!e) throw new Error(`lab page: no element #${id}`);
    return e;
  };
  const play = el("play"), step = el("step"), reset = el("reset"), speed = el("speed"), seedIn = el("seed"), conn = el("connection");
  const clock = el("clock"), status = el("status");
  let session = new LabSession(0);
  let playing = false;
  let busy = false;
  let lastFrame: number | null = null;
  let drawnPackets = -1;
  let drawnConnection = "";

  const draw = () => {
    clock.textContent = `t = ${(session.now() / 1e6).toFixed(3)} s`;
    el("ss-server").textContent = session.ss("server");
    el("ss-client").textContent = session.ss("client");
    const packets = session.packets().length;
    if (packets !== drawnPackets || conn.value !== drawnConnection) {
      const conns = session.connections();
      const selected = conn.value;
      conn.innerHTML = `<option value="">all connections</option>` +
        conns.map((c, i) => `<option value="${i}"${String(i) === selected ? " selected" : ""}>${i}: ${esc(c)}</option>`).join("");
      const n = selected === "" ? undefined : Number(selected);
      el("ladder").innerHTML = packets === 0 ? "<p>(nothing on the wire yet)</p>" : session.ladderSvg(n !== undefined && n < conns.length ? n : undefined).replace(/^<\?xml[^>]*>\n/, "");
      el("tcpdump").textContent = session.tcpdumpLines().join("\n");
      drawnPackets = packets;
      drawnConnection = conn.value;
    }
    status.textContent = `seed ${session.seed} · ${packets} packets on the server's eth0 · ${session.done ? "end of the run" : playing ? "playing" : "paused"}`;
    play.textContent = playing ? "pause" : "play";
    play.disabled = session.done;
    step.disabled = session.done;
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
    f().then(done, (e: unknown) => { playing = false; done(); status.textContent = `error: ${String(e)}`; });
  };

  const frame = (now: number) => {
    if (!playing) { lastFrame = null; return; }
    if (lastFrame !== null && !busy) {
      const realMs = Math.min(100, now - lastFrame); // a background tab does not jump ahead
      const dt = Math.max(1, Math.round(realMs * 1000 * Number(speed.value)));
      run(async () => {
        await session.advanceTo(session.now() + dt);
        if (session.done) playing = false;
      });
    }
    lastFrame = now;
    dom.requestAnimationFrame(frame);
  };

  const restart = () => {
    playing = false;
    const seed = Number(seedIn.value);
    session = new LabSession(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff ? seed : 0);
    drawnPackets = -1;
    el("topology").innerHTML = topologySvg(session.topology());
    draw();
    const s = session;
    run(() => s.advanceTo(0), true); // what happens at t = 0: the server listens
  };

  play.addEventListener("click", () => {
    if (session.done) return;
    playing = !playing;
    if (playing) dom.requestAnimationFrame(frame);
    draw();
  });
  step.addEventListener("click", () => {
    playing = false;
    run(() => session.stepPacket(), true);
  });
  reset.addEventListener("click", restart);
  seedIn.addEventListener("change", restart);
  conn.addEventListener("change", draw);
  restart();
}
