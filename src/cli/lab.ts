/**
 * `sockstack lab [--port N] | --build DIR`: the web lab. The simulation
 * runs in the browser: src/lab (pure TypeScript over the core) is bundled
 * with esbuild for the browser — platform browser, ESM, and the build fails
 * if anything imports a Node built-in — next to a static index.html and
 * stylesheet, and a second script, `lab-ts.js` (sucrase's TypeScript
 * transform, ~200 KB), that the page imports only when a TypeScript
 * program first runs. `--build DIR` writes the four files (host them anywhere);
 * without it a small HTTP server on 127.0.0.1 serves them from memory
 * until interrupted. Nothing is fetched from the network: no CDN, no fonts.
 *
 * esbuild and sucrase are development dependencies. `npm run build` bundles the page
 * into dist/lab-site/, and an installed package serves those files; from a
 * source checkout (tsx, no dist/lab-site next to src/cli) the bundle is
 * built from src/lab each time the command runs.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { builtinModules } from "node:module";
import { delimiter, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { LAB_CSS, LAB_HTML, LAB_SCRIPT, LAB_STYLE } from "../lab/page.js";
import { LAB_TS_SCRIPT } from "../lab/program.js";
import { UsageError, parseArgs } from "./args.js";
import type { CliIo } from "./io.js";

const USAGE = "usage: sockstack lab [--port N] [--open] | sockstack lab --build DIR";

/** Default port of the local server. */
export const LAB_DEFAULT_PORT = 8417;

const SPEC = {
  build: { kind: "string", metavar: "DIR" },
  port: { kind: "int", min: 0, max: 65535, metavar: "N" },
  open: { kind: "flag" },
  help: { kind: "flag", short: "h" },
} as const;

function help(): string[] {
  return [
    USAGE,
    "",
    "The web lab: every demo scenario, and programs you write in TypeScript, simulated in your",
    "browser, with the topology, a live ladder diagram, sockets, plots, ss, tcpdump",
    "and strace at the current instant (play, pause, step to the next packet, scrub,",
    "seed, link controls). Works offline: the page loads nothing from the network.",
    "Details: docs/lab.md.",
    "",
    "options:",
    `  --port N     serve on http://127.0.0.1:N/ (default ${LAB_DEFAULT_PORT}; 0 picks a free port)`,
    "  --open       open the URL in the system's browser ($BROWSER, xdg-open, open or start)",
    "  --build DIR  write the page (index.html, lab.js, lab.css, lab-ts.js) to DIR instead of serving it",
  ];
}

/** The files of the page, by name (`index.html`, `lab.js`, `lab.css`, `lab-ts.js`). */
export type LabFiles = ReadonlyMap<string, string>;

/** A browser bundle's entry, `base` (`main`, `ts-chunk`) in src/lab next to this file's source, or in dist/lab. */
function labEntry(base = "main"): string {
  for (const name of [`../lab/${base}.ts`, `../lab/${base}.js`]) {
    const p = fileURLToPath(new URL(name, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error("sockstack lab: the lab sources (src/lab or dist/lab) are missing from this installation");
}

const BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith("_")));

/** esbuild, a development dependency, with the reason when it is missing. */
async function loadEsbuild(): Promise<typeof import("esbuild")> {
  try {
    return await import("esbuild");
  } catch {
    throw new Error("sockstack lab: needs esbuild to bundle the page (npm install -D esbuild in the sockstack checkout)");
  }
}

/** Bundles `entry` for the browser, minified, in `format`; fails when a module of the bundle imports a Node built-in. */
async function bundle(entry: string, format: "esm" | "iife"): Promise<string> {
  const esbuild = await loadEsbuild();
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format,
    target: "es2022",
    write: false,
    logLevel: "silent",
    minify: true,
    keepNames: true, // functions and classes keep their names (error.name, stack traces)
    legalComments: "none",
    plugins: [{
      name: "no-node-builtins",
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          const bare = args.path.replace(/^node:/, "").split("/")[0]!;
          if (!args.path.startsWith("node:") && !BUILTINS.has(bare)) return undefined;
          return { errors: [{ text: `Node built-in '${args.path}' imported by ${args.importer}: the lab runs in a browser (only src/node and src/cli may use Node)` }] };
        });
      },
    }],
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error("sockstack lab: esbuild produced no output");
  return out.text;
}

/**
 * Bundles src/lab for the browser and returns the script. Fails (rejects
 * with esbuild's error, naming the importer) when any module of the bundle
 * imports a Node built-in (`node:fs`, or `fs` without the prefix).
 * @example const js = await buildLabBundle();
 */
export async function buildLabBundle(entry: string = labEntry()): Promise<string> {
  return bundle(entry, "esm");
}

/**
 * Bundles the TypeScript chunk (`lab-ts.js`: sucrase's transform, from
 * src/lab/ts-chunk.ts), which the page imports the first time a
 * TypeScript program runs. Needs sucrase, a development dependency.
 * @example const chunk = await buildLabTsChunk();
 */
export async function buildLabTsChunk(): Promise<string> {
  try {
    await import("sucrase");
  } catch {
    throw new Error("sockstack lab: needs sucrase to bundle the TypeScript chunk (npm install in the sockstack checkout)");
  }
  return bundle(labEntry("ts-chunk"), "iife");
}

/** The page's file names: the page, its script and stylesheet, and the TypeScript chunk it loads on first use. */
const LAB_FILE_NAMES = ["index.html", LAB_SCRIPT, LAB_STYLE, LAB_TS_SCRIPT] as const;

/**
 * The page built at `npm run build` time (dist/lab-site/ beside dist/cli/),
 * or null when this installation has none (a source checkout).
 */
function prebuiltLabFiles(): LabFiles | null {
  const dir = fileURLToPath(new URL("../lab-site/", import.meta.url));
  if (!LAB_FILE_NAMES.every((f) => existsSync(join(dir, f)))) return null;
  return new Map(LAB_FILE_NAMES.map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

/**
 * index.html, lab.js, lab.css and lab-ts.js: the ones built into
 * dist/lab-site/ by `npm run build` when present (an installed package
 * needs no esbuild), else freshly bundled from src/lab.
 */
export async function labFiles(): Promise<LabFiles> {
  const prebuilt = prebuiltLabFiles();
  if (prebuilt) return prebuilt;
  const [js, ts] = await Promise.all([buildLabBundle(), buildLabTsChunk()]);
  return new Map([["index.html", LAB_HTML], [LAB_SCRIPT, js], [LAB_STYLE, LAB_CSS], [LAB_TS_SCRIPT, ts]]);
}

/** Writes the page's `files` into `dir` (created if missing); returns their paths. */
export function writeLabFiles(files: LabFiles, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return [...files].map(([name, text]) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  });
}

const TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

/** A running lab server. */
export interface LabServer {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Serves `files` on 127.0.0.1:`port` (0: a free port): GET and HEAD of
 * `/` (index.html) and of each file name; 404 otherwise, 405 for other methods.
 * @example const srv = await startLabServer(await labFiles(), 0); console.log(srv.url);
 */
export async function startLabServer(files: LabFiles, port: number): Promise<LabServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const name = path === "/" ? "index.html" : path.slice(1);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("405 method not allowed\n");
      return;
    }
    const body = files.get(name);
    if (body === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("404 not found\n");
      return;
    }
    const data = Buffer.from(body, "utf8");
    res.writeHead(200, {
      "content-type": TYPES[name.slice(name.lastIndexOf(".") + 1)] ?? "application/octet-stream",
      "content-length": data.length,
      "cache-control": "no-store",
    });
    res.end(req.method === "HEAD" ? undefined : data);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => { server.off("error", reject); resolve(); });
  });
  const addr = server.address();
  const bound = typeof addr === "object" && addr ? addr.port : port;
  return {
    url: `http://127.0.0.1:${bound}/`,
    port: bound,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A command that opens a URL in the system's browser: the program and its arguments. */
export interface BrowserCommand {
  cmd: string;
  args: string[];
}

/** What {@link browserCommand} looks at: the platform, the environment, and whether a file is an executable. */
export interface BrowserLookup {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  /** True when `path` is an executable file (default: a regular file with an x bit). */
  isExecutable?: (path: string) => boolean;
}

function executable(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isFile() && (process.platform === "win32" || (st.mode & 0o111) !== 0);
  } catch {
    return false;
  }
}

/**
 * The command that opens `url` in the system's browser, or null when none
 * is found: `$BROWSER` first (its first entry, as xdg-utils reads it), then
 * by platform — `open` on macOS, `cmd /c start "" URL` on Windows, and
 * elsewhere the first of `xdg-open`, `sensible-browser`, `x-www-browser`
 * found on `$PATH`.
 * @example
 * browserCommand("http://127.0.0.1:8417/", { platform: "darwin", env: {} }); // { cmd: "open", args: ["http://127.0.0.1:8417/"] }
 */
export function browserCommand(url: string, o: BrowserLookup): BrowserCommand | null {
  const isExe = o.isExecutable ?? executable;
  const onPath = (name: string): string | null => {
    if (isAbsolute(name)) return isExe(name) ? name : null;
    for (const dir of (o.env.PATH ?? "").split(o.platform === "win32" ? ";" : delimiter)) {
      if (dir && isExe(join(dir, name))) return join(dir, name);
    }
    return null;
  };
  const fromEnv = o.env.BROWSER?.split(o.platform === "win32" ? ";" : ":").find((b) => b.trim() !== "")?.trim();
  if (fromEnv) {
    const [prog, ...rest] = fromEnv.split(/\s+/);
    const found = onPath(prog!);
    if (found) return { cmd: found, args: rest.includes("%s") ? rest.map((a) => a.replace("%s", url)) : [...rest, url] };
  }
  if (o.platform === "darwin") return onPath("open") ? { cmd: "open", args: [url] } : null;
  if (o.platform === "win32") return { cmd: o.env.ComSpec ?? "cmd.exe", args: ["/c", "start", '""', url] };
  for (const name of ["xdg-open", "sensible-browser", "x-www-browser"]) {
    const found = onPath(name);
    if (found) return { cmd: found, args: [url] };
  }
  return null;
}

/**
 * Starts `c` detached from the lab (the browser outlives it). Resolves once
 * it started (a `$BROWSER` that is the browser itself runs on); rejects
 * when it cannot start. A launcher that then exits non-zero (xdg-open with
 * no browser configured) is reported through `failed`.
 */
function launchDetached(c: BrowserCommand, failed: (why: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(c.cmd, c.args, { detached: true, stdio: "ignore", windowsVerbatimArguments: true });
    child.once("error", reject);
    child.once("spawn", () => {
      child.once("exit", (code) => { if (code) failed(`exited with status ${code}`); });
      child.unref();
      resolve();
    });
  });
}

/** What {@link labCommand} uses from the machine (tests pass their own: nothing is launched, nothing waits for a signal). */
export interface LabCommandDeps {
  /** Finds the browser command (default {@link browserCommand} on this platform and environment). */
  findBrowser?: (url: string) => BrowserCommand | null;
  /** Runs it (default: spawned detached); rejects when it cannot start, calls `failed` when it fails later. */
  launch?: (c: BrowserCommand, failed: (why: string) => void) => Promise<void>;
  /** Resolves when serving should stop (default: SIGINT or SIGTERM). */
  stopped?: (srv: LabServer) => Promise<void>;
}

/** Until SIGINT or SIGTERM. */
function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => { process.off("SIGINT", stop); process.off("SIGTERM", stop); resolve(); };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/**
 * Runs `sockstack lab` with `args`; resolves to the exit status. Serving
 * runs until SIGINT or SIGTERM.
 * @example await labCommand(["--build", "out/lab"], captureIo());
 */
export async function labCommand(args: string[], io: CliIo, deps: LabCommandDeps = {}): Promise<number> {
  let opts: ReturnType<typeof parseArgs<typeof SPEC>>["options"];
  try {
    const a = parseArgs(args, SPEC);
    opts = a.options;
    if (opts.help) {
      for (const l of help()) io.out(l);
      return 0;
    }
    if (a.positionals.length > 0) throw new UsageError(`unexpected argument '${a.positionals[0]}'`);
    if (opts.build !== undefined && opts.port !== undefined) throw new UsageError("--build writes files and serves nothing: drop --port");
    if (opts.build !== undefined && opts.open) throw new UsageError("--build writes files and serves nothing: drop --open");
    if (opts.build === "") throw new UsageError("--build: empty directory name");
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`sockstack lab: ${e.message}`);
    io.err(USAGE);
    return 2;
  }
  let files: LabFiles;
  try {
    files = await labFiles();
  } catch (e) {
    io.err(e instanceof Error ? e.message : String(e));
    return 1;
  }
  if (opts.build !== undefined) {
    const dir = opts.build;
    try {
      writeLabFiles(files, dir);
    } catch (e) {
      io.err(`sockstack lab: cannot write ${dir}: ${(e as Error).message}`);
      return 1;
    }
    io.out(`sockstack lab: wrote ${[...files.keys()].join(", ")} to ${dir}`);
    return 0;
  }
  let srv: LabServer;
  try {
    srv = await startLabServer(files, opts.port ?? LAB_DEFAULT_PORT);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === "EADDRINUSE" ? "Address already in use" : code === "EACCES" ? "Permission denied" : (e as Error).message;
    io.err(`sockstack lab: cannot listen on 127.0.0.1:${opts.port ?? LAB_DEFAULT_PORT}: ${why}`);
    return 1;
  }
  io.out(`sockstack lab: serving on ${srv.url}  (Ctrl-C to stop)`);
  if (opts.open) {
    const find = deps.findBrowser ?? ((url: string) => browserCommand(url, { platform: process.platform, env: process.env }));
    const c = find(srv.url);
    if (!c) {
      io.err(`sockstack lab: --open: no browser launcher found (set $BROWSER, or install xdg-utils); open ${srv.url} yourself`);
    } else {
      const failed = (why: string) => io.err(`sockstack lab: --open: ${c.cmd}: ${why}; open ${srv.url} yourself`);
      try {
        await (deps.launch ?? launchDetached)(c, failed);
      } catch (e) {
        failed((e as NodeJS.ErrnoException).code === "ENOENT" ? "No such file or directory" : (e as Error).message);
      }
    }
  }
  await (deps.stopped ?? untilSignal)(srv);
  await srv.close();
  return 0;
}
