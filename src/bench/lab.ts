/**
 * The web lab's benchmarks, measured in headless Chromium (Debian's
 * chromium-headless-shell or chromium, or $SOCKSTACK_CHROMIUM, driven by
 * playwright-core; both are development dependencies, so these run from a
 * source checkout):
 *
 * - `lab-ladder`: milliseconds to draw a 10,000-packet ladder in the page as
 *   the lab draws it — `ladderSvg` of 10,000 events (ten bulk connections:
 *   data segments, their ACKs, one retransmission in fifty, a loss in
 *   ninety-seven) with the lab's window (the last LAB_LADDER_WINDOW
 *   packets), assigned to an element's innerHTML and laid out (until the
 *   browser has measured the SVG); the whole ladder's time as an extra;
 * - `lab-fps`: the frame rate the lab page (the page `sockstack lab`
 *   serves, bundled afresh from src/lab) sustains while playing the
 *   lecture at 1× (it runs 6.5 s) with every view redrawn as packets arrive:
 *   animation frames per second over the measured span, and the longest
 *   frame.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LAB_CSS, LAB_HTML, LAB_SCRIPT, LAB_STYLE } from "../lab/page.js";
import type { Measurement } from "./harness.js";
import { createServer } from "node:http";

/** The browser binary, or undefined when none is installed. */
export const LAB_CHROMIUM = [process.env.SOCKSTACK_CHROMIUM, "/usr/bin/chromium-headless-shell", "/usr/bin/chromium"].find((p) => p && existsSync(p));

function resolvable(pkg: string): boolean {
  try {
    import.meta.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why the lab benchmarks cannot run here, or null. They bundle src/lab's
 * TypeScript sources afresh with esbuild and drive Chromium through
 * playwright-core, both development dependencies: they run from a source
 * checkout (`npm run bench`), not from the installed package's dist/.
 */
export const LAB_UNAVAILABLE: string | null = !import.meta.url.endsWith(".ts")
  ? "needs a source checkout (npm run bench): the page is bundled from src/lab"
  : !resolvable("esbuild") || !resolvable("playwright-core")
    ? "needs esbuild and playwright-core (development dependencies: npm install in a clone)"
    : !LAB_CHROMIUM
      ? "no Chromium (apt-get install chromium-headless-shell)"
      : null;

async function bundle(contents: string): Promise<string> {
  const esbuild = await import("esbuild");
  const r = await esbuild.build({
    stdin: { contents, resolveDir: fileURLToPath(new URL(".", import.meta.url)), loader: "ts" },
    bundle: true, write: false, logLevel: "silent", platform: "browser", format: "iife", target: "es2022", minify: true,
  });
  return r.outputFiles[0]!.text;
}

async function withBrowser<T>(fn: (b: import("playwright-core").Browser) => Promise<T>): Promise<T> {
  if (!LAB_CHROMIUM) throw new Error("no Chromium (apt-get install chromium-headless-shell, or set SOCKSTACK_CHROMIUM)");
  const { chromium } = await import("playwright-core");
  const b = await chromium.launch({ executablePath: LAB_CHROMIUM, args: ["--no-sandbox"], timeout: 30_000 });
  try {
    return await fn(b);
  } finally {
    await b.close();
  }
}

/** The ladder's events, built in the page: `n` arrows of ten bulk connections. */
const LADDER_ENTRY = `
import { ladderSvg } from "../tools/ladder-svg.ts";
import { LAB_LADDER_WINDOW } from "../lab/session.ts";
globalThis.benchLadder = (n, whole) => {
  const events = [];
  const seq = new Array(10).fill(1);
  for (let i = 0; i < n; i++) {
    const c = i % 10, t = i * 100, client = "10.0.0.1:" + (40000 + c), server = "10.0.0.2:9090";
    const conn = client + " " + server;
    if ((i / 10 | 0) % 3 === 2) {
      events.push({ sent: t, received: t + 50, from: server, to: client, label: ". ack " + seq[c], dropped: false, retransmission: false, conn });
    } else {
      const retx = i % 50 === 7;
      const s = retx ? Math.max(1, seq[c] - 1448) : seq[c];
      if (!retx) seq[c] += 1448;
      events.push({ sent: t, received: i % 97 === 3 ? null : t + 50, from: client, to: server, label: "P. " + s + ":" + (s + 1448) + "(1448) ack 1" + (retx ? " (retx)" : ""),
        dropped: i % 97 === 3, ...(i % 97 === 3 ? { dropReason: "lost" } : {}), retransmission: retx, conn });
    }
  }
  const el = document.createElement("div");
  document.body.replaceChildren(el);
  const t0 = performance.now();
  const svg = ladderSvg(events, whole ? { lanes: true } : { lanes: true, last: LAB_LADDER_WINDOW });
  const t1 = performance.now();
  el.innerHTML = svg;
  const h = el.querySelector("svg").getBoundingClientRect().height; // forces layout
  const t2 = performance.now();
  return { svgMs: t1 - t0, domMs: t2 - t1, totalMs: t2 - t0, bytes: svg.length, height: h, arrows: el.querySelectorAll("line").length };
};`;

/** Milliseconds to draw an `n`-packet ladder in the page (ladderSvg + innerHTML + layout). */
export async function labLadder(n: number): Promise<Measurement> {
  const js = await bundle(LADDER_ENTRY);
  return withBrowser(async (b) => {
    const page = await b.newPage();
    await page.goto("about:blank");
    await page.addScriptTag({ content: js });
    const draw = (whole: boolean) => page.evaluate(([k, w]) => (globalThis as unknown as { benchLadder(n: number, w: boolean): Record<string, number> }).benchLadder(k, w), [n, whole] as [number, boolean]);
    const lab = await draw(false);
    const whole = await draw(true);
    return {
      value: lab.totalMs!,
      extra: {
        packets: n, "ladderSvg ms": lab.svgMs!.toFixed(0), "innerHTML+layout ms": lab.domMs!.toFixed(0), "svg bytes": lab.bytes!,
        "whole ladder ms": whole.totalMs!.toFixed(0), "whole: ladderSvg ms": whole.svgMs!.toFixed(0), "whole: svg bytes": whole.bytes!,
      },
    };
  });
}

/** Serves `files` (path → body and type) on 127.0.0.1, a free port. */
async function serve(files: Map<string, [string, string]>): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const f = files.get((req.url ?? "/").split("?")[0]!);
    if (!f) res.writeHead(404).end();
    else res.writeHead(200, { "content-type": `${f[1]}; charset=utf-8` }).end(f[0]);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const a = server.address();
  return { url: `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}/`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** Options of {@link labFps}. */
export interface LabFpsOptions {
  /** The scenario played (default `lecture`; `bulk` is ten bulk connections). */
  scenario?: string;
  /** False: the page has no Worker, so it simulates (and probes where the run ends) on its own thread (what the Worker saves). */
  worker?: boolean;
}

/**
 * Frames per second the lab page sustains playing `o.scenario` at 1× for
 * `seconds` of real time, measured from the moment it is picked (so the
 * probe that learns where the run ends overlaps the measurement).
 */
export async function labFps(seconds: number, o: LabFpsOptions = {}): Promise<Measurement> {
  const scenario = o.scenario ?? "lecture";
  const js = await bundle(`import "../lab/main.ts";`);
  // Served over HTTP as `sockstack lab` serves it: the page's probe Worker loads the same script from the same origin.
  const srv = await serve(new Map([["/", [LAB_HTML, "text/html"]], [`/${LAB_SCRIPT}`, [js, "text/javascript"]], [`/${LAB_STYLE}`, [LAB_CSS, "text/css"]]]));
  return withBrowser(async (b) => {
    const page = await b.newPage({ viewport: { width: 1400, height: 1000 } });
    if (o.worker === false) await page.addInitScript("delete globalThis.Worker");
    await page.goto(srv.url);
    await page.waitForFunction(() => /LISTEN/.test((globalThis as unknown as { document: { getElementById(i: string): { textContent: string } | null } }).document.getElementById("ss-server")?.textContent ?? ""));
    // A string, not a function: tsx's transform would wrap named functions in a helper the page lacks.
    const frames = (ms: number) => page.evaluate<{ frames: number; span: number; worst: number; clock: string }>(`new Promise((resolve) => {
      let first = -1, last = -1, frames = 0, worst = 0;
      function tick(t) {
        if (first < 0) first = t;
        else { worst = Math.max(worst, t - last); frames++; }
        last = t;
        if (t - first < ${ms}) requestAnimationFrame(tick);
        else resolve({ frames, span: t - first, worst, clock: document.getElementById("clock")?.textContent ?? "" });
      }
      requestAnimationFrame(tick);
    })`);

    const idle = await frames(2000); // the same page paused: what the browser gives on this machine
    await page.locator("#speed").selectOption("1");
    if (scenario !== "lecture") await page.locator("#scenario").selectOption(scenario);
    // CPU time (not wall time, so less hostage to the machine's load): the page's main thread, and the renderer process (the Worker's thread in it too).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    const cpu = async () => {
      const m = new Map((await cdp.send("Performance.getMetrics")).metrics.map((x) => [x.name, x.value]));
      return { thread: m.get("ThreadTime") ?? NaN, process: m.get("ProcessTime") ?? NaN };
    };
    const cpu0 = await cpu();
    await page.locator("#play").click();
    const r = await frames(seconds * 1000);
    const cpu1 = await cpu();
    const status = await page.locator("#status").innerText();
    const packets = /(\d+) packets/.exec(status)?.[1] ?? "?";
    return {
      value: (r.frames * 1000) / r.span,
      extra: {
        scenario, frames: r.frames, "span s": (r.span / 1000).toFixed(2), "worst frame ms": r.worst.toFixed(1), "lab clock": r.clock, packets,
        "paused page fps": ((idle.frames * 1000) / idle.span).toFixed(1),
        // Share of one core while playing: what the page's thread needs to draw, and the whole renderer (+ the simulation Worker).
        "main thread CPU %": ((100 * (cpu1.thread - cpu0.thread) * 1000) / r.span).toFixed(0),
        "renderer CPU %": ((100 * (cpu1.process - cpu0.process) * 1000) / r.span).toFixed(0), simulation: o.worker === false ? "page thread" : "worker",
      },
    };
  }).finally(() => srv.close());
}
