/**
 * `sockstack conformance PATH… [--profile linux|freebsd]
 * [--tolerance-usecs N] [--json] [--filter GLOB] [--verbose]`: runs
 * packetdrill-format scripts (files, or every `*.pkt` under a directory)
 * against a fresh sockstack host each, in virtual time, and reports
 * passed / failed / unsupported. Exit status 0 when nothing failed, 1 when
 * a script failed, 2 on a bad command line — a path that does not exist,
 * a file that is not a `.pkt` script or a directory without any, all
 * checked before the first script runs.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { PERSONALITIES, type PersonalityName } from "../core/personality.js";
import { formatResult, formatSummary, globToRegExp, runSuite, type ScriptSource } from "../conformance/suite.js";
import { parseArgs, UsageError } from "./args.js";
import { processIo, type CliIo } from "./io.js";

const SPEC = {
  profile: { kind: "string", metavar: "linux|freebsd" },
  "tolerance-usecs": { kind: "int", min: 0 },
  json: { kind: "flag" },
  filter: { kind: "string", metavar: "GLOB" },
  verbose: { kind: "flag", short: "v" },
  help: { kind: "flag", short: "h" },
} as const;

const USAGE = "usage: sockstack conformance PATH... [--profile linux|freebsd] [--tolerance-usecs N] [--json] [--filter GLOB] [--verbose]";

/**
 * Every `*.pkt` under `p` (or `p` itself), sorted. Throws a UsageError
 * when `p` is missing, is a file that is not a `.pkt` script, or is a
 * directory without any.
 */
export function collectScripts(p: string, out: string[] = []): string[] {
  let st;
  try {
    st = statSync(p);
  } catch (e) {
    throw new UsageError(`${p}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "No such file or directory" : (e as Error).message}`);
  }
  if (st.isDirectory()) {
    const before = out.length;
    walk(p, out);
    if (out.length === before) throw new UsageError(`${p}: no packetdrill scripts (*.pkt) in this directory`);
  } else if (p.endsWith(".pkt")) out.push(p);
  else throw new UsageError(`${p}: not a packetdrill script (scripts are .pkt files)`);
  return out;
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const q = join(dir, name);
    if (statSync(q).isDirectory()) walk(q, out);
    else if (name.endsWith(".pkt")) out.push(q);
  }
}

/**
 * The command. The profile defaults to `freebsd` for paths containing a
 * `freebsd` folder, else `linux`.
 * @example await conformanceCommand(["test/pkt", "--json"]) // prints {"passed":…}
 */
export async function conformanceCommand(args: string[], io: CliIo = processIo()): Promise<number> {
  let a;
  try {
    a = parseArgs(args, SPEC);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`sockstack conformance: ${e.message}`);
      io.err(USAGE);
      return 2;
    }
    throw e;
  }
  const o = a.options;
  if (o.help) {
    io.out(USAGE);
    io.out("");
    io.out("Runs packetdrill scripts against sockstack (host 192.168.0.1, peer 192.0.2.1, port 8080) in virtual time.");
    io.out("  --profile P          host personality: linux (default) or freebsd (default for paths under freebsd/)");
    io.out("  --tolerance-usecs N  timing tolerance when a script sets none (packetdrill's default 4000)");
    io.out("  --filter GLOB        only scripts whose path matches (e.g. '*rst*')");
    io.out("  --json               {\"passed\":N,\"failed\":N,\"unsupported\":N,\"scripts\":[…]}");
    io.out("  -v, --verbose        list passing scripts too");
    return 0;
  }
  if (a.positionals.length === 0) {
    io.err("sockstack conformance: no script or directory given");
    io.err(USAGE);
    return 2;
  }
  if (o.profile !== undefined && !PERSONALITIES.includes(o.profile as PersonalityName)) {
    io.err(`sockstack conformance: unknown profile '${o.profile}' (linux or freebsd)`);
    io.err(USAGE);
    return 2;
  }
  const filter = o.filter ? globToRegExp(o.filter) : null;
  let failed = 0;
  const all = { passed: 0, failed: 0, unsupported: 0, scripts: [] as unknown[] };
  // Every path is checked before any script runs: a bad one fails at once.
  const roots: { root: string; files: string[] }[] = [];
  for (const root of a.positionals) {
    try {
      roots.push({ root, files: collectScripts(root) });
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      io.err(`sockstack conformance: ${e.message}`);
      io.err(USAGE);
      return 2;
    }
  }
  for (const { root, files: found } of roots) {
    let files = found;
    if (filter) files = files.filter((f) => filter.test(f));
    const profile = (o.profile ?? (/(^|\/)freebsd(\/|$)/.test(root) ? "freebsd" : "linux")) as PersonalityName;
    const sources: ScriptSource[] = files.map((f) => ({ path: f, text: readFileSync(f, "utf8") }));
    const s = await runSuite(sources, { personality: profile, toleranceUsecs: o["tolerance-usecs"] }, (r) => {
      if (o.json) return;
      if (r.status !== "passed" || o.verbose) io.out(formatResult(r));
    });
    all.passed += s.passed;
    all.failed += s.failed;
    all.unsupported += s.unsupported;
    all.scripts.push(...s.scripts);
    failed += s.failed;
    if (!o.json) io.out(`${root} (${profile}): ${formatSummary(s)}`);
  }
  if (o.json) io.out(JSON.stringify(all));
  return failed ? 1 : 0;
}
