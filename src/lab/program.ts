/**
 * The lab's "write your own" programs: TypeScript (or plain JavaScript) a
 * learner types in the page, run on the simulated network like a demo
 * scenario.
 *
 * TypeScript is turned into JavaScript by sucrase's TypeScript transform
 * (types stripped, not checked — the page has no type checker), which
 * lives in its own chunk, `lab-ts.js` (src/lab/ts-chunk.ts), fetched from
 * beside the page the first time a TypeScript program runs
 * ({@link loadTypeScript}): the page's first load does not carry it, and
 * nothing comes from a CDN. The transform keeps every line where it was,
 * so the lines of runtime errors and of the loop check are the
 * TypeScript's; its own syntax errors carry line and column. A program
 * in plain JavaScript ({@link ProgramLanguage} `js`) skips the chunk.
 *
 * The program sees the syscall API's objects in scope — `net` (the
 * {@link Network}), `clientHost` (10.0.0.1) and `serverHost` (10.0.0.2) on
 * a 1 ms link, `ms`, `sec`, `wrap`, `sockaddrIn`, `formatSockAddr`, `htons`,
 * `ntohs`, `htonl`, `ntohl`, `inet_ntoa`, `inet_aton`, `INADDR_ANY` — and
 * starts processes with `serverHost.spawn(name, async (p) => …)`, whose
 * `p` makes the system calls (`p.socket`, `p.bind`, `await p.accept`, …)
 * exactly as in examples/ and the README. Type names (`Process`,
 * `SockAddr`, …) may be written freely: they are erased.
 *
 * Determinism: the program runs on virtual time with the network's seed.
 * The ambient clock and timers are replaced in its scope by functions that
 * throw a clear error (`setTimeout`, `setInterval`, `setImmediate`, `Date`,
 * `performance`, `fetch`, `requestAnimationFrame`), and `Math.random`
 * draws from the network's seeded generator — this is a determinism aid,
 * not a security sandbox (the program runs in the page, with the page's
 * rights, and can reach `globalThis` on purpose).
 *
 * An infinite loop cannot freeze the page: {@link instrumentLoops} puts a
 * check in the condition of every `while`, `do … while` and `for (;;)`;
 * a loop that runs {@link LOOP_BUDGET} iterations at one instant of
 * virtual time (without the clock moving) throws a {@link ProgramError}
 * naming its line, which ends the process that ran it (exit status 1, the
 * message on its stderr). `for … of`/`for … in` loops and recursion are
 * not checked (they end on their own, or overflow the stack).
 *
 * Errors carry the program's line: a syntax error is located by compiling
 * growing prefixes of the program until the same error appears (the
 * engine's SyntaxError has no position), a runtime error from the
 * `program.js:LINE` frame of its stack (the code is compiled with
 * `//# sourceURL=program.js`).
 */
import { SysError } from "../core/sys-error.js";
import { ms, sec } from "../core/time.js";
import type { Host } from "../host/host.js";
import type { Program, SpawnOptions } from "../host/program.js";
import { INADDR_ANY } from "../constants.js";
import type { Network } from "../sim/network.js";
import { formatSockAddr, sockaddrIn } from "../socket/sockaddr.js";
import { htonl, htons, inet_aton, inet_ntoa, ntohl, ntohs } from "../sys/inet.js";
import type { Process } from "../sys/process.js";
import { wrap } from "../sys/wrappers.js";

/** Loop iterations allowed at one instant of virtual time before the program is stopped as an infinite loop. */
export const LOOP_BUDGET = 10_000_000;

/** The file name the program's frames carry in stack traces. */
export const PROGRAM_FILE = "program.js";

/** An error in the learner's program, with its line (1-based) when known, and its column (1-based) when the TypeScript transform gave one. */
export class ProgramError extends Error {
  /**
   * @param reason what went wrong (`SyntaxError: Unexpected token ';'`).
   * @param line the program's line, or null.
   * @param column the column on that line, or null.
   */
  constructor(readonly reason: string, readonly line: number | null, readonly column: number | null = null) {
    super(line === null ? reason : column === null ? `line ${line}: ${reason}` : `line ${line}:${column}: ${reason}`);
    this.name = "ProgramError";
  }
}

/** The languages the editor takes: TypeScript (types stripped by the lazily loaded chunk) or plain JavaScript. */
export type ProgramLanguage = "ts" | "js";

/** File name of the TypeScript chunk, beside `lab.js` (built from src/lab/ts-chunk.ts). */
export const LAB_TS_SCRIPT = "lab-ts.js";

/** What the TypeScript chunk publishes as `globalThis.sockstackLabTs`. */
export interface LabTypeScript {
  /** The program without its types, line for line; throws sucrase's SyntaxError (with `loc.line`, `loc.column`) on bad syntax. */
  toJavaScript(source: string): string;
}

/** The globals the loader reads: the chunk's handle, and where this script came from. */
interface TsGlobals {
  sockstackLabTs?: LabTypeScript;
  location?: { href: string };
}

let loadingTs: Promise<LabTypeScript> | null = null;

/** True once the TypeScript transform is here (no load to wait for). */
export function typeScriptLoaded(): boolean {
  return (globalThis as TsGlobals).sockstackLabTs !== undefined;
}

/**
 * The TypeScript transform: already there (`globalThis.sockstackLabTs`, set
 * by the chunk — a Node test imports src/lab/ts-chunk.ts), or the chunk
 * `lab-ts.js` imported from beside this script (the Worker's `location` is
 * lab.js, the page's is index.html: the same folder), once. Rejects with a
 * {@link ProgramError} when it cannot be loaded (and tries again next time).
 */
export function loadTypeScript(): Promise<LabTypeScript> {
  const g = globalThis as TsGlobals;
  if (g.sockstackLabTs) return Promise.resolve(g.sockstackLabTs);
  if (loadingTs) return loadingTs;
  const base = g.location?.href;
  if (base === undefined) return Promise.reject(new ProgramError(`TypeScript is not available here: no page to load ${LAB_TS_SCRIPT} from (run the program as plain JavaScript)`, null));
  const url = new URL(LAB_TS_SCRIPT, base).href;
  loadingTs = (import(url) as Promise<unknown>).then(
    () => {
      if (!g.sockstackLabTs) throw new ProgramError(`TypeScript: ${url} loaded but did not publish the transform`, null);
      return g.sockstackLabTs;
    },
    (e: unknown) => {
      loadingTs = null;
      throw new ProgramError(`TypeScript: cannot load ${url}: ${e instanceof Error ? e.message : String(e)}`, null);
    },
  );
  return loadingTs;
}

/** The transform's syntax error as a {@link ProgramError}: `SyntaxError: Unexpected token` at its line and column. */
function tsError(e: unknown): ProgramError {
  const loc = (e as { loc?: { line?: unknown; column?: unknown } }).loc;
  if (e instanceof SyntaxError && loc && typeof loc.line === "number" && typeof loc.column === "number") {
    return new ProgramError(`SyntaxError: ${e.message.replace(/ \(\d+:\d+\)$/, "")}`, loc.line, loc.column);
  }
  return new ProgramError(e instanceof Error ? `${e.name}: ${e.message}` : String(e), null);
}

/**
 * `source` in `language` as JavaScript with the same lines: TypeScript
 * through the chunk (loaded on first use), JavaScript as it is. Rejects
 * with a {@link ProgramError} at the line and column of a syntax error.
 * @example
 * (await programJavaScript("const n = 1;", "js")) === "const n = 1;"; // "ts" strips types once lab-ts.js is loaded: "const n: number = 1;" → "const n = 1;"
 */
export async function programJavaScript(source: string, language: ProgramLanguage): Promise<string> {
  if (language === "js") return source;
  const ts = await loadTypeScript();
  try {
    return ts.toJavaScript(source);
  } catch (e) {
    throw tsError(e);
  }
}

/** A token boundary of the scanner: where code (not a string, comment, template text or regex) is. */
interface Tok {
  /** Offset in the source. */
  at: number;
  /** The token's text (an identifier, a keyword, a punctuator; strings and the like collapse to `"s"`). */
  text: string;
  /** 1-based line. */
  line: number;
}

const REGEX_AFTER = new Set(["return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw", "instanceof", "yield", "await"]);

/**
 * Scans JavaScript into the tokens that matter for loops — identifiers,
 * keywords and punctuators — skipping comments, strings, template text
 * (its `${…}` code is scanned) and regular expressions. Throws a
 * {@link ProgramError} with the line of an unterminated string, comment,
 * template or regex.
 */
export function scanTokens(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0, line = 1;
  /** Brace depths at which a template's `${` was opened. */
  const templates: number[] = [];
  let depth = 0;
  const prev = () => toks[toks.length - 1];
  const regexAllowed = () => {
    const p = prev();
    if (!p) return true;
    if (/^[A-Za-z_$][\w$]*$/.test(p.text)) return REGEX_AFTER.has(p.text);
    if (/^[\d.]/.test(p.text) || p.text === '"s"') return false;
    return ![")", "]", "}"].includes(p.text);
  };
  const count = (from: number, to: number) => { for (let k = from; k < to; k++) if (src.charCodeAt(k) === 10) line++; };
  /** Template text from `i` (just after ` or }) to its end or a `${`. */
  const templateText = (startLine: number) => {
    for (;;) {
      if (i >= src.length) throw new ProgramError("SyntaxError: unterminated template literal", startLine);
      const c = src[i]!;
      if (c === "\\") { count(i, i + 2); i += 2; continue; }
      if (c === "`") { i++; return; }
      if (c === "$" && src[i + 1] === "{") { i += 2; templates.push(depth); depth++; return; }
      if (c === "\n") line++;
      i++;
    }
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === "\n") { line++; i++; continue; }
    if (c === " " || c === "\t" || c === "\r") { i++; continue; }
    if (c === "/" && src[i + 1] === "/") { while (i < src.length && src[i] !== "\n") i++; continue; }
    if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) throw new ProgramError("SyntaxError: unterminated comment", line);
      count(i, end);
      i = end + 2;
      continue;
    }
    if (c === "'" || c === '"') {
      const startLine = line;
      let k = i + 1;
      while (k < src.length && src[k] !== c && src[k] !== "\n") k += src[k] === "\\" ? 2 : 1;
      if (k >= src.length || src[k] !== c) throw new ProgramError("SyntaxError: unterminated string", startLine);
      toks.push({ at: i, text: '"s"', line: startLine });
      i = k + 1;
      continue;
    }
    if (c === "`") {
      toks.push({ at: i, text: '"s"', line });
      i++;
      templateText(line);
      continue;
    }
    if (c === "/" && regexAllowed()) {
      const startLine = line;
      let k = i + 1, cls = false;
      while (k < src.length && src[k] !== "\n" && (cls || src[k] !== "/")) {
        if (src[k] === "\\") k++;
        else if (src[k] === "[") cls = true;
        else if (src[k] === "]") cls = false;
        k++;
      }
      if (k >= src.length || src[k] !== "/") throw new ProgramError("SyntaxError: unterminated regular expression", startLine);
      k++;
      while (k < src.length && /[a-z]/i.test(src[k]!)) k++;
      toks.push({ at: i, text: '"s"', line: startLine });
      i = k;
      continue;
    }
    const word = /^[A-Za-z_$][\w$]*|^\d[\w.]*|^\.\d[\w]*/.exec(src.slice(i, i + 64));
    if (word) {
      // An identifier longer than the window: take the rest.
      let k = i + word[0].length;
      while (k < src.length && /[\w$]/.test(src[k]!)) k++;
      toks.push({ at: i, text: src.slice(i, k), line });
      i = k;
      continue;
    }
    if (c === "{") depth++;
    if (c === "}") {
      if (templates.length > 0 && templates[templates.length - 1] === depth - 1) {
        templates.pop();
        depth--;
        i++;
        templateText(line);
        continue;
      }
      depth--;
    }
    const op = src.startsWith("?.", i) ? "?." : c;
    toks.push({ at: i, text: op, line });
    i += op.length;
  }
  return toks;
}

/**
 * Inserts the loop check into every `while (C)` (and `do … while (C)`):
 * `while (__loop(L) && (C))`, and every `for (A; C; B)`:
 * `for (A; __loop(L) && (C); B)` (`__loop(L)` alone when C is empty),
 * where L is the loop's line. Nothing else changes and no line break is
 * added, so lines and the program's meaning stay the same.
 * @example instrumentLoops("for (;;) x++;") === "for (;__loop(1);) x++;"
 */
export function instrumentLoops(src: string): string {
  const toks = scanTokens(src);
  const inserts: { at: number; text: string }[] = [];
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.text !== "while" && t.text !== "for") continue;
    const before = toks[k - 1]?.text;
    if (before === "." || before === "?.") continue; // a property named while/for
    let open = k + 1;
    if (t.text === "for" && toks[open]?.text === "await") open++;
    if (toks[open]?.text !== "(") continue;
    // The matching ')' and the top-level ';' between.
    let d = 0, close = -1;
    const semis: number[] = [];
    for (let j = open; j < toks.length; j++) {
      const x = toks[j]!.text;
      if (x === "(" || x === "[" || x === "{") d++;
      else if (x === ")" || x === "]" || x === "}") {
        d--;
        if (d === 0) { close = j; break; }
      } else if (x === ";" && d === 1) semis.push(j);
    }
    if (close < 0) continue; // unbalanced: the compiler reports it
    const check = `__loop(${t.line})`;
    if (t.text === "while") {
      inserts.push({ at: toks[open]!.at + 1, text: `${check} && (` }, { at: toks[close]!.at, text: ")" });
    } else if (semis.length === 2) {
      const a = toks[semis[0]!]!, b = toks[semis[1]!]!;
      if (semis[1] === semis[0]! + 1) inserts.push({ at: a.at + 1, text: check });
      else inserts.push({ at: a.at + 1, text: `${check} && (` }, { at: b.at, text: ")" });
    }
  }
  inserts.sort((a, b) => a.at - b.at);
  let out = "", from = 0;
  for (const ins of inserts) {
    out += src.slice(from, ins.at) + ins.text;
    from = ins.at;
  }
  return out + src.slice(from);
}

/** What a program sees in scope: the network, its two hosts, and the syscall API's helpers. */
export interface ProgramScope {
  net: Network;
  clientHost: Host;
  serverHost: Host;
}

/** Names the program gets in scope, besides {@link ProgramScope}'s. */
const HELPERS = {
  ms, sec, wrap, sockaddrIn, formatSockAddr, htons, ntohs, htonl, ntohl, inet_ntoa, inet_aton, INADDR_ANY, SysError,
};

/** Names whose ambient versions would break determinism, shadowed by throwing stand-ins. */
const AMBIENT = ["setTimeout", "setInterval", "setImmediate", "Date", "performance", "fetch", "requestAnimationFrame"] as const;

const SCOPE_NAMES = ["net", "clientHost", "serverHost", ...Object.keys(HELPERS), "Math", ...AMBIENT, "__loop"];

/** The line of the program a stack's first `program.js:LINE` frame points at, or null. */
export function programLine(e: unknown): number | null {
  const stack = e instanceof Error ? e.stack ?? "" : "";
  const m = new RegExp(`${PROGRAM_FILE.replace(".", "\\.")}:(\\d+):\\d+`).exec(stack);
  return m ? Number(m[1]) - 1 : null; // the wrapper's first line comes before the program's
}

/** `e` as the program's error: its class and message, with its line when the stack has one. */
export function programError(e: unknown): ProgramError {
  if (e instanceof ProgramError) return e.line === null && programLine(e) !== null ? new ProgramError(e.reason, programLine(e)) : e;
  if (e instanceof SysError) return new ProgramError(e.message, programLine(e));
  if (e instanceof Error) return new ProgramError(`${e.name}: ${e.message}`, programLine(e));
  return new ProgramError(`uncaught ${String(e)}`, null);
}

type Compiled = (scope: Record<string, unknown>) => Promise<void>;

/**
 * The program wrapped as an async function of its scope: the scope's names
 * are the outer function's parameters, so the program's own declarations
 * may shadow them; the header is one line.
 */
function wrapSource(body: string): string {
  return `(function ({ ${SCOPE_NAMES.join(", ")} }) { return async function program() { "use strict";\n${body}\n}; })\n//# sourceURL=${PROGRAM_FILE}`;
}

/** Indirect eval: the code runs in the global scope, not this module's. */
const evalGlobal = globalThis.eval as (code: string) => unknown;

/**
 * Where a syntax error is: the first line `n` such that the program's
 * first `n` lines fail with the same message (later lines cannot cause an
 * error that shows in an earlier prefix), or the last line when the error
 * is about the end of the input.
 */
function syntaxErrorLine(src: string, message: string): number | null {
  const lines = src.split("\n");
  if (/end of input/i.test(message)) return lines.length;
  let acc = "";
  for (let n = 1; n <= lines.length; n++) {
    acc += (n > 1 ? "\n" : "") + lines[n - 1];
    try {
      evalGlobal(`(async function () { "use strict";\n${acc}\n})`);
    } catch (e) {
      if (e instanceof SyntaxError && e.message === message) return n;
    }
  }
  return null;
}

/**
 * Compiles `source` (checked and instrumented, not run). Throws a
 * {@link ProgramError} with the line of a syntax error.
 * @example const run = compileProgram("serverHost.spawn('x', (p) => p.socket('AF_INET', 'SOCK_DGRAM'));");
 */
export function compileProgram(source: string): Compiled {
  const instrumented = instrumentLoops(source);
  try {
    const outer = evalGlobal(wrapSource(instrumented)) as (scope: Record<string, unknown>) => () => Promise<void>;
    return (scope) => outer(scope)();
  } catch (e) {
    if (e instanceof SyntaxError) throw new ProgramError(`SyntaxError: ${e.message}`, syntaxErrorLine(source, e.message));
    throw e;
  }
}

const ambientStandIn = (name: string) => {
  const f = () => {
    throw new ProgramError(`${name} is not available: the simulation runs on virtual time (use await net.sleep(ms(100)) or p.poll([], 100), and net.now())`, null);
  };
  return new Proxy(f, { get: () => f(), construct: () => f() });
};

/**
 * Runs a compiled program's top level on `scope`: its processes start
 * (the top level returns once it has spawned them). Processes it spawns
 * report their uncaught errors on their stderr with the program's line.
 * Rejects with a {@link ProgramError} when the top level itself fails.
 */
export async function startProgram(run: Compiled, scope: ProgramScope): Promise<void> {
  const { net } = scope;
  let at = -1, n = 0;
  const loop = (line: number): boolean => {
    const now = net.now();
    if (now !== at) { at = now; n = 0; }
    if (++n > LOOP_BUDGET) {
      n = 0;
      throw new ProgramError(`a loop ran ${LOOP_BUDGET.toLocaleString("en-US")} times at t = ${(now / 1000).toFixed(3)} ms without virtual time moving (an infinite loop?): stopped`, line);
    }
    return true;
  };
  const rng = net.rng.fork("program:Math.random");
  const math = Object.create(Math) as Math;
  Object.defineProperty(math, "random", { value: () => rng.float() });
  const guard = (host: Host): Host => {
    const spawn = host.spawn.bind(host);
    const reported = <T>(name: string, main: (p: Process) => Promise<T> | T) => async (p: Process): Promise<T> => {
      try {
        return await main(p);
      } catch (e) {
        const err = programError(e);
        await p.write(2, `${name}[${p.pid}]: ${err.message}\n`).catch(() => {});
        throw err;
      }
    };
    // This host's own spawn (the scenario built it): a program's uncaught error goes to its stderr with the line.
    Object.defineProperty(host, "spawn", {
      configurable: true,
      value: <T>(name: string, main: (p: Process) => Promise<T> | T, opts?: SpawnOptions): Program<T> => spawn(name, reported(name, main), opts),
    });
    return host;
  };
  const values: Record<string, unknown> = {
    net, clientHost: guard(scope.clientHost), serverHost: guard(scope.serverHost), ...HELPERS, Math: math, __loop: loop,
  };
  for (const a of AMBIENT) values[a] = ambientStandIn(a);
  try {
    await run(values);
  } catch (e) {
    throw programError(e);
  }
}
