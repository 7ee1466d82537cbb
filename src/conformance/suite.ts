/**
 * Running many scripts and summarising them: the `--json` shape of
 * `sockstack conformance` and the text report. Pure: the caller reads the
 * files (src/cli, tests) and hands over `{ path, text }` pairs.
 *
 * @example
 * const text = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n";
 * const summary = await runSuite([{ path: "a.pkt", text }], { personality: "linux" });
 * summary.passed + summary.failed + summary.unsupported === 1
 */
import { runScript, type RunScriptOptions, type ScriptResult } from "./runner.js";

/** One script to run. */
export interface ScriptSource {
  path: string;
  text: string;
}

/** Counts and per-script results (the `--json` output). */
export interface SuiteSummary {
  passed: number;
  failed: number;
  unsupported: number;
  scripts: ScriptResult[];
}

/** Runs `sources` in order; `onResult` sees each result as it comes (progress). */
export async function runSuite(
  sources: readonly ScriptSource[],
  opts: Omit<RunScriptOptions, "path"> = {},
  onResult?: (r: ScriptResult, index: number) => void,
): Promise<SuiteSummary> {
  const s: SuiteSummary = { passed: 0, failed: 0, unsupported: 0, scripts: [] };
  for (let i = 0; i < sources.length; i++) {
    const src = sources[i]!;
    const r = await runScript(src.text, { ...opts, path: src.path });
    s[r.status]++;
    s.scripts.push(r);
    onResult?.(r, i);
  }
  return s;
}

/** One line per script: `PASS path`, `FAIL path:line: reason`, `UNSUP path:line: reason`. */
export function formatResult(r: ScriptResult): string {
  const tag = r.status === "passed" ? "PASS " : r.status === "failed" ? "FAIL " : "UNSUP";
  return r.status === "passed" ? `${tag} ${r.path}` : `${tag} ${r.path}:${r.line ?? "?"}: ${r.reason ?? ""}`;
}

/** `382 scripts: 120 passed, 200 failed, 62 unsupported`. */
export function formatSummary(s: SuiteSummary): string {
  return `${s.scripts.length} scripts: ${s.passed} passed, ${s.failed} failed, ${s.unsupported} unsupported`;
}

/**
 * A shell-style glob (`*`, `?`, `**`) as a RegExp over `/`-separated paths;
 * a pattern without `/` matches the file name anywhere.
 * @example globToRegExp("*syn*").test("a/b/rcv-syn-listen.pkt") === true
 */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") { re += ".*"; i++; }
      else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return glob.includes("/") ? new RegExp(`(^|/)${re}$`) : new RegExp(`(^|/)${re}$`);
}
