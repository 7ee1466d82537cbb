/**
 * The backtick commands of packetdrill scripts, as a whitelist. packetdrill
 * runs them in a shell; sockstack maps the few the scripts use onto the
 * host:
 * - `sysctl -w NAME=VALUE` (also `-q`, several assignments, `;`/`&&`
 *   chains): Linux `net.ipv4.*`/`net.core.*` names set the host sysctl;
 *   FreeBSD `net.inet.tcp.*`/`kern.ipc.*` names map onto the equivalent
 *   sysctl, or are accepted when they only restate a default sockstack
 *   already behaves like (host cache flush, blackhole 0, …);
 * - `sockstat -4 -P tcp [-p PORT] -s … | grep -c STATE | grep N`: counts
 *   the host's TCP sockets in STATE and fails unless there are N;
 * - `tcpdrop -s STATE`: drops every connection in STATE (FreeBSD's
 *   tcpdrop(8));
 * - `rm [-f] PATH…` and `dd if=… of=… bs=N count=M …` on the host's
 *   in-memory filesystem (shell-fs-commands.ts).
 * Anything else is `unsupported` — never silently passed.
 *
 * @example runShellCommand(host, "sysctl -w net.inet.tcp.sack.enable=0") // { status: "ok" }; host.sysctl.tcp_sack === false
 */
import type { Host } from "../host/host.js";
import { ethtool, grep, ipCommand, nstatCommand, setSysctlsPy, sockstat, tcCommand, tcpdrop } from "./shell-commands.js";
import { ddCommand, rmCommand } from "./shell-fs-commands.js";
import { readAny, writeAny } from "./shell-files.js";
import { OK, ShellUnsupported, fail, ok, shellEnv, unsupported, type ShellEnv, type ShellResult, type Status } from "./shell-status.js";
import { sysctlCommand } from "./shell-sysctl.js";

export { shellEnv, type ShellEnv, type ShellResult } from "./shell-status.js";

/** One simple command after expansion. */
interface SimpleCmd {
  words: string[];
  redirs: { fd: number; op: ">" | ">>" | "<" | ">&"; target: string }[];
}

interface Pipeline {
  cmds: SimpleCmd[];
  /** The source text (FreeBSD's sockstat forms are matched on it). */
  raw: string;
}

interface ListItem {
  pipeline: Pipeline;
  /** How this item joins the previous one. */
  op: ";" | "&&" | "||";
}

/**
 * Runs `command` (a backquoted line of a script) against `host`. Returns
 * ok when its exit status is 0, failed with the status and stderr
 * otherwise, unsupported (with the command) for anything not interpreted.
 */
export function runShellCommand(host: Host, command: string, env: ShellEnv = shellEnv()): ShellResult {
  let st: Status;
  try {
    st = runScriptText(host, command, env, false);
  } catch (e) {
    if (e instanceof ShellUnsupported) return unsupported(e.message);
    throw e;
  }
  if (st.code === 0) return OK;
  const err = st.err.trim();
  return { status: "failed", reason: `\`${command.trim().replace(/\s*\n\s*/g, "; ")}\` exited with status ${st.code}${err ? `: ${err}` : ""}` };
}

/** Runs shell text; the status is the last command's, as sh's. */
function runScriptText(host: Host, text: string, env: ShellEnv, fromFile: boolean): Status {
  const items = parseList(text, env);
  let last: Status = ok();
  let out = "";
  let err = "";
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (i > 0 && ((it.op === "&&" && last.code !== 0) || (it.op === "||" && last.code === 0))) continue;
    last = runPipeline(host, it.pipeline, env, fromFile);
    out += last.out;
    err += last.err;
  }
  return { code: last.code, out, err };
}

function runPipeline(host: Host, p: Pipeline, env: ShellEnv, fromFile: boolean): Status {
  // `! pipeline`: sh's negation of the pipeline's status.
  if (p.cmds[0]?.words[0] === "!") {
    const [head, ...rest] = p.cmds;
    const words = head!.words.slice(1);
    if (!words.length) throw new ShellUnsupported(`shell syntax: \`!\` without a command: \`${p.raw.trim()}\``);
    const st = runPipeline(host, { cmds: [{ words, redirs: head!.redirs }, ...rest], raw: p.raw.replace(/^\s*!\s*/, "") }, env, fromFile);
    return { ...st, code: st.code === 0 ? 1 : 0 };
  }
  const first = p.cmds[0]?.words[0];
  if (first === "sockstat") return legacy(sockstat(host, p.raw.trim()));
  if (first === "tcpdrop") return legacy(tcpdrop(host, p.cmds[0]!.words.slice(1)));
  let stdin = "";
  let st: Status = ok();
  let err = "";
  for (const c of p.cmds) {
    st = runSimple(host, c, stdin, env, fromFile);
    err += st.err;
    stdin = st.out;
  }
  return { code: st.code, out: st.out, err };
}

function legacy(r: ShellResult): Status {
  if (r.status === "unsupported") throw new ShellUnsupported(r.reason);
  return r.status === "ok" ? ok() : fail(1, r.reason);
}

// ---- lexing and expansion

function parseList(text: string, env: ShellEnv): ListItem[] {
  const items: ListItem[] = [];
  let op: ListItem["op"] = ";";
  let cmds: SimpleCmd[] = [];
  let cur: SimpleCmd = { words: [], redirs: [] };
  let rawStart = 0;
  let i = 0;
  const n = text.length;
  const endCmd = () => {
    if (cur.words.length || cur.redirs.length) cmds.push(cur);
    else if (cmds.length) throw new ShellUnsupported(`shell syntax: empty command in a pipeline: \`${text.trim()}\``);
    cur = { words: [], redirs: [] };
  };
  const endPipeline = (end: number, next: ListItem["op"]) => {
    endCmd();
    if (cmds.length) items.push({ pipeline: { cmds, raw: text.slice(rawStart, end) }, op });
    else if (next !== ";") throw new ShellUnsupported(`shell syntax: \`${next}\` without a command: \`${text.trim()}\``);
    cmds = [];
    op = next;
  };
  while (i < n) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\r") { i++; continue; }
    if (c === "\\" && text[i + 1] === "\n") { i += 2; continue; }
    if (c === "\n" || c === ";") {
      endPipeline(i, ";");
      i++;
      rawStart = i;
      continue;
    }
    if (c === "#") {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    if (c === "&" && text[i + 1] === "&") { endPipeline(i, "&&"); i += 2; rawStart = i; continue; }
    if (c === "|" && text[i + 1] === "|") { endPipeline(i, "||"); i += 2; rawStart = i; continue; }
    if (c === "|") { endCmd(); i++; continue; }
    if (c === "&") throw new ShellUnsupported(`background jobs (&) are not supported: \`${text.trim()}\``);
    if (c === "(" || c === ")" || c === "{" || c === "}" && !cur.words.length) {
      throw new ShellUnsupported(`shell syntax '${c}' is not supported: \`${text.trim()}\``);
    }
    // Redirections: [n]> [n]>> < n>&m &>
    const rm = /^(\d?)(>>|>&|>|<)/.exec(text.slice(i, i + 4));
    if (rm) {
      i += rm[0].length;
      const fd = rm[1] ? Number(rm[1]) : rm[2] === "<" ? 0 : 1;
      while (text[i] === " " || text[i] === "\t") i++;
      const w = readWord(text, i, env);
      if (!w) throw new ShellUnsupported(`shell syntax: redirection without a target: \`${text.trim()}\``);
      i = w.end;
      cur.redirs.push({ fd, op: rm[2] as ">" | ">>" | "<" | ">&", target: w.word });
      continue;
    }
    const w = readWord(text, i, env);
    if (!w) throw new ShellUnsupported(`shell syntax not understood at '${text.slice(i, i + 10)}': \`${text.trim()}\``);
    i = w.end;
    // VAR=value before a command: an environment assignment.
    if (!cur.words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.word) && w.plain) {
      throw new ShellUnsupported(`shell variable assignments are not supported: \`${text.trim()}\``);
    }
    cur.words.push(w.word);
  }
  endPipeline(n, ";");
  return items;
}

const WORD_END = new Set([" ", "\t", "\r", "\n", ";", "&", "|", "<", ">", "(", ")"]);

/** Reads one word from `i`: quotes, escapes, `$VAR`, `${VAR}`, `$((arithmetic))`. */
function readWord(text: string, i: number, env: ShellEnv): { word: string; end: number; plain: boolean } | null {
  let word = "";
  let plain = true;
  const start = i;
  while (i < text.length && !WORD_END.has(text[i]!)) {
    const c = text[i]!;
    if (c === "'") {
      const j = text.indexOf("'", i + 1);
      if (j < 0) throw new ShellUnsupported(`unterminated quote: \`${text.trim()}\``);
      word += text.slice(i + 1, j);
      i = j + 1;
      plain = false;
    } else if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && '"\\$`'.includes(text[i + 1] ?? "")) { word += text[i + 1]; i += 2; continue; }
        if (text[i] === "$") {
          const e = expandDollar(text, i, env);
          word += e.value;
          i = e.end;
          continue;
        }
        if (text[i] === "`") throw new ShellUnsupported(`command substitution is not supported: \`${text.trim()}\``);
        word += text[i++];
      }
      if (text[i] !== '"') throw new ShellUnsupported(`unterminated quote: \`${text.trim()}\``);
      i++;
      plain = false;
    } else if (c === "\\") {
      word += text[i + 1] ?? "";
      i += 2;
      plain = false;
    } else if (c === "$") {
      const e = expandDollar(text, i, env);
      word += e.value;
      i = e.end;
    } else if (c === "`") {
      throw new ShellUnsupported(`command substitution is not supported: \`${text.trim()}\``);
    } else {
      word += c;
      i++;
    }
  }
  return i === start ? null : { word, end: i, plain };
}

function expandDollar(text: string, i: number, env: ShellEnv): { value: string; end: number } {
  if (text.startsWith("$((", i)) {
    let depth = 0;
    let j = i + 1;
    for (; j < text.length; j++) {
      if (text[j] === "(") depth++;
      else if (text[j] === ")" && --depth === 0) break;
    }
    if (j >= text.length) throw new ShellUnsupported(`unterminated $((: \`${text.trim()}\``);
    const inner = text.slice(i + 3, j - 1);
    return { value: String(arith(inner.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_m, v: string) => variable(v, env, text)), text)), end: j + 1 };
  }
  if (text[i + 1] === "(") throw new ShellUnsupported(`command substitution is not supported: \`${text.trim()}\``);
  const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(text.slice(i));
  if (!m) return { value: "$", end: i + 1 };
  return { value: variable(m[1] ?? m[2]!, env, text), end: i + m[0].length };
}

function variable(name: string, env: ShellEnv, text: string): string {
  const v = env.vars[name];
  if (v === undefined) throw new ShellUnsupported(`shell variable $${name} is not set by the runner: \`${text.trim()}\``);
  return v;
}

/** Shell arithmetic over integers: + - * / % << >> & | ^ ~ ! ( ), decimal / 0x / 0 octal. */
export function arith(expr: string, context = expr): number {
  const toks = expr.match(/0[xX][0-9a-fA-F]+|\d+|<<|>>|[-+*/%()&|^~!]|\S/g) ?? [];
  let p = 0;
  const bad = (): never => { throw new ShellUnsupported(`arithmetic $((${expr})) not understood: \`${context.trim()}\``); };
  const prec: Record<string, number> = { "|": 1, "^": 2, "&": 3, "<<": 4, ">>": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6 };
  const unary = (): bigint => {
    const t = toks[p++];
    if (t === undefined) return bad();
    if (t === "-") return -unary();
    if (t === "+") return unary();
    if (t === "~") return ~unary();
    if (t === "!") return unary() === 0n ? 1n : 0n;
    if (t === "(") {
      const v = binary(0);
      if (toks[p++] !== ")") bad();
      return v;
    }
    if (/^0[xX]/.test(t)) return BigInt(t);
    if (/^0[0-7]+$/.test(t)) return BigInt(`0o${t.slice(1)}`);
    if (/^\d+$/.test(t)) return BigInt(t);
    return bad();
  };
  const binary = (min: number): bigint => {
    let l = unary();
    for (;;) {
      const op = toks[p];
      const pr = op === undefined ? undefined : prec[op];
      if (pr === undefined || pr <= min - 1 || pr < min) break;
      p++;
      const r = binary(pr + 1);
      switch (op) {
        case "+": l += r; break;
        case "-": l -= r; break;
        case "*": l *= r; break;
        case "/": if (r === 0n) bad(); l /= r; break;
        case "%": if (r === 0n) bad(); l %= r; break;
        case "<<": l <<= r; break;
        case ">>": l >>= r; break;
        case "&": l &= r; break;
        case "|": l |= r; break;
        case "^": l ^= r; break;
      }
      l = BigInt.asIntN(64, l);
    }
    return l;
  };
  const v = binary(0);
  if (p !== toks.length) bad();
  return Number(v);
}

// ---- commands

/** Commands found by path under these folders run as the builtin of the same name. */
const BIN_DIRS = /^\/(usr\/)?s?bin\//;

function runSimple(host: Host, c: SimpleCmd, stdin: string, env: ShellEnv, fromFile: boolean): Status {
  for (const r of c.redirs) {
    if (r.op === "<") {
      const t = readAny(host, env, r.target);
      if (t === null) return fail(1, `${r.target}: No such file or directory`);
      stdin = t;
    }
  }
  let st: Status = c.words.length ? command(host, c.words, stdin, env, fromFile) : ok();
  // Output redirections, left to right (`> /dev/null 2>&1`, `2>/dev/null`).
  let outTo: string | null = null;
  let errTo: string | null = null;
  let outAppend = false;
  for (const r of c.redirs) {
    if (r.op === "<") continue;
    if (r.op === ">&") {
      if (r.target === "1" && r.fd === 2) errTo = outTo ?? "&1";
      else if (r.target === "2" && r.fd === 1) outTo = errTo ?? "&2";
      else throw new ShellUnsupported(`redirection ${r.fd}>&${r.target} is not supported`);
      continue;
    }
    if (r.fd === 1) { outTo = r.target; outAppend = r.op === ">>"; }
    else if (r.fd === 2) errTo = r.target;
    else throw new ShellUnsupported(`redirection of fd ${r.fd} is not supported`);
  }
  let out = st.out;
  let err = st.err;
  if (errTo === "&1") { out += err; err = ""; }
  if (outTo === "&2") { err += out; out = ""; }
  if (errTo !== null && errTo !== "&1") {
    if (errTo !== "/dev/null") {
      const w = writeAny(host, env, errTo, err, false, fromFile);
      if (w.code !== 0) return w;
    }
    err = "";
  }
  if (outTo !== null && outTo !== "&2") {
    const w = writeAny(host, env, outTo, out, outAppend, fromFile);
    if (w.code !== 0) return { code: w.code, out: "", err: err + w.err };
    out = "";
  }
  st = { code: st.code, out, err };
  return st;
}

function command(host: Host, words: string[], stdin: string, env: ShellEnv, fromFile: boolean): Status {
  let name = words[0]!;
  const args = words.slice(1);
  if (BIN_DIRS.test(name)) name = name.replace(BIN_DIRS, "");
  else if (name.includes("/")) return runFile(host, name, args, env);
  switch (name) {
    case "true":
    case ":":
      return ok();
    case "false":
      return fail(1, "");
    case "sysctl":
      return sysctlCommand(host, env, args, fromFile);
    case "echo": {
      let nl = true;
      let a = args;
      if (a[0] === "-n") { nl = false; a = a.slice(1); }
      return ok(a.join(" ") + (nl ? "\n" : ""));
    }
    case "cat": {
      if (!args.length) return ok(stdin);
      let out = "";
      for (const f of args) {
        const t = readAny(host, env, f);
        if (t === null) return { code: 1, out, err: `cat: ${f}: No such file or directory\n` };
        out += t;
      }
      return ok(out);
    }
    case "grep":
      return grep(host, env, args, stdin);
    case "nstat":
      return nstatCommand(host, env, args);
    case "ip":
      return ipCommand(host, args);
    case "tc":
      return tcCommand(env, args);
    case "rm":
      return rmCommand(host, args);
    case "dd":
      return ddCommand(host, args, stdin);
    case "chmod":
      return ok();
    case "ethtool":
      return ethtool(env, args);
  }
  throw new ShellUnsupported(`shell command \`${words.join(" ")}\` is not supported`);
}

/** A helper file run by path: a shell script is interpreted; `set_sysctls.py` is Google's helper, by name. */
function runFile(host: Host, path: string, args: string[], env: ShellEnv): Status {
  const text = readAny(host, env, path);
  if (text === null) return fail(127, `sh: ${path}: No such file or directory`);
  const shebang = /^#![ \t]*(\S+)(?:[ \t]+(\S+))?/.exec(text)?.slice(1).filter(Boolean).join(" ") ?? "";
  if (/python/.test(shebang)) {
    if (/(^|\/)set_sysctls\.py$/.test(path)) return setSysctlsPy(host, env, args);
    throw new ShellUnsupported(`python helper ${path} is not interpreted (only set_sysctls.py is known)`);
  }
  if (shebang && !/(^|\/)(ba|da)?sh$/.test(shebang)) throw new ShellUnsupported(`${path}: interpreter ${shebang} is not supported`);
  if (args.length) throw new ShellUnsupported(`${path}: arguments to shell scripts are not supported`);
  if (env.depth >= 8) return fail(1, `${path}: scripts nested too deeply`);
  env.depth++;
  try {
    return runScriptText(host, text, env, true);
  } finally {
    env.depth--;
  }
}
