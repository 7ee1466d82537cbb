/**
 * `sockstack conformance PATH… [--profile linux|freebsd]
 * [--tolerance-usecs N] [--json] [--filter GLOB] [--verbose] [--run-all]
 * [packetdrill options]`: runs packetdrill-format scripts (files, or every
 * `*.pkt` under a directory) against a fresh sockstack host each, in
 * virtual time, and reports passed / failed / unsupported, in total and
 * per folder. packetdrill's own options (`--ip_version=ipv4`,
 * `--tolerance_usecs=…`, `-D NAME=VALUE`, …, see conformance/config.ts)
 * are handed to every script as its command line. A Google-layout tree
 * (a `common/defaults.sh` beside or above the scripts) is run as Google's
 * run_all.py runs it (`--run-all` forces this): each script gets
 * run_all.py's arguments for the ip version given with `--ip_version`
 * (ipv4 by default; ipv6 and ipv4-mapped-ipv6 as run_all.py's other
 * runs), and only the scripts run_all.py runs in that version (`*v6.pkt`
 * only in ipv6, `*v4.pkt` not in ipv6). When the tree holds a
 * `LINUX-RESULTS.tsv` (path and one pass/fail/n-a column per ip version),
 * the report adds how many of the scripts Linux passes in that run
 * sockstack passes too. Exit status 0 when nothing failed, 1 when a script failed, 2 on
 * a bad command line — a path that does not exist, a file that is not a
 * `.pkt` script or a directory without any, all checked before the first
 * script runs.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import {
  IP_VERSIONS, type IpVersion, PacketdrillArgError, packetdrillOptionTakesValue, parsePacketdrillArgs, RUN_ALL_ARGS, runAllRuns,
} from "../conformance/config.js";
import type { ScriptResult } from "../conformance/runner.js";
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
  "run-all": { kind: "flag" },
  help: { kind: "flag", short: "h" },
} as const;

const USAGE = "usage: sockstack conformance PATH... [--profile linux|freebsd] [--tolerance-usecs N] [--json] [--filter GLOB] [--verbose] [--run-all] [packetdrill options]";

/**
 * Splits packetdrill's options (`--ip_version=ipv4`, `--mtu 1520`, `-D X=1`,
 * `-DX=1`, `--define X=1`) off a sockstack command line.
 * @example splitPacketdrillArgs(["dir", "--mtu=1520", "-D", "X=1", "--json"]) // { rest: ["dir", "--json"], packetdrill: ["--mtu=1520", "-D", "X=1"] }
 */
export function splitPacketdrillArgs(args: readonly string[]): { rest: string[]; packetdrill: string[] } {
  const rest: string[] = [];
  const pd: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") { rest.push(...args.slice(i)); break; }
    if (a.startsWith("-D")) {
      pd.push(a);
      if (a === "-D" && i + 1 < args.length) pd.push(args[++i]!);
      continue;
    }
    const m = /^--([a-z_0-9]+)(=.*)?$/.exec(a);
    // sockstack's own options win a name clash (--verbose).
    const takes = m && !(m[1]! in SPEC) ? packetdrillOptionTakesValue(m[1]!) : undefined;
    if (m && takes !== undefined) {
      pd.push(a);
      if (takes && m[2] === undefined && i + 1 < args.length) pd.push(args[++i]!);
      continue;
    }
    rest.push(a);
  }
  return { rest, packetdrill: pd };
}

/**
 * Whether `root` is (inside) a Google packetdrill tree: a folder at or
 * above it (up to four levels) holds `common/defaults.sh`, the file the
 * scripts run as `../common/defaults.sh`.
 */
export function isGoogleTree(root: string): boolean {
  let dir = resolve(root);
  try {
    if (!statSync(dir).isDirectory()) dir = dirname(dir);
  } catch {
    return false;
  }
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, "common", "defaults.sh")) || existsSync(join(dir, "tcp", "common", "defaults.sh"))) return true;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return false;
}

/**
 * Linux's results for a Google tree: `LINUX-RESULTS.tsv` at or above
 * `root` (a header `path<TAB>ipv4<TAB>ipv6<TAB>…`, then one row per script
 * path relative to the file's folder, each column pass / fail / n-a).
 * Returns the absolute path → result map for `version`, or null when there
 * is no such file or column.
 */
export function linuxResults(root: string, version: IpVersion): Map<string, string> | null {
  let dir = resolve(root);
  try {
    if (!statSync(dir).isDirectory()) dir = dirname(dir);
  } catch {
    return null;
  }
  for (let i = 0; i < 5; i++) {
    const f = join(dir, "LINUX-RESULTS.tsv");
    if (existsSync(f)) {
      const lines = readFileSync(f, "utf8").split("\n").filter((l) => l.trim());
      const head = lines[0]!.split("\t");
      const col = head.indexOf(version);
      if (head[0] !== "path" || col < 0) return null;
      const out = new Map<string, string>();
      for (const l of lines.slice(1)) {
        const cells = l.split("\t");
        out.set(join(dir, cells[0]!), cells[col] ?? "");
      }
      return out;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** Reads a file of a script tree, null when it does not exist. */
export function readTreeFile(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** Per-folder counts (folders relative to `root`), sorted by folder. */
export function folderTable(root: string, results: readonly ScriptResult[]): { folder: string; passed: number; failed: number; unsupported: number }[] {
  const by = new Map<string, { folder: string; passed: number; failed: number; unsupported: number }>();
  const base = statSync(root).isDirectory() ? root : dirname(root);
  for (const r of results) {
    const folder = relative(base, dirname(r.path)) || ".";
    let row = by.get(folder);
    if (!row) by.set(folder, (row = { folder, passed: 0, failed: 0, unsupported: 0 }));
    row[r.status]++;
  }
  return [...by.values()].sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0));
}

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
 * `freebsd` folder (or `freebsd-…`: `freebsd-fastopen`, `freebsd-ipv6`), else `linux`.
 * @example await conformanceCommand(["test/pkt", "--json"]) // prints {"passed":…}
 */
export async function conformanceCommand(args: string[], io: CliIo = processIo()): Promise<number> {
  let a;
  const split = splitPacketdrillArgs(args);
  try {
    a = parseArgs(split.rest, SPEC);
    parsePacketdrillArgs(split.packetdrill);
  } catch (e) {
    if (e instanceof PacketdrillArgError) {
      io.err(`sockstack conformance: packetdrill option: ${e.message}`);
      io.err(USAGE);
      return 2;
    }
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
    io.out("Runs packetdrill scripts against sockstack (host 192.168.0.1, peer 192.0.2.1, port 8080; with --ip_version=ipv6");
    io.out("fd3d:fa7b:d17d::1 and 2001:db8::1) in virtual time.");
    io.out("  --profile P          host personality: linux (default) or freebsd (default for paths under freebsd/ or freebsd-*/)");
    io.out("  --tolerance-usecs N  timing tolerance when a script sets none (packetdrill's default 4000)");
    io.out("  --filter GLOB        only scripts whose path matches (e.g. '*rst*')");
    io.out("  --json               {\"passed\":N,\"failed\":N,\"unsupported\":N,\"scripts\":[…]}");
    io.out("  -v, --verbose        list passing scripts too, and the knobs a failing script's helpers set that sockstack ignores");
    io.out("  --run-all            give every script the arguments of Google's run_all.py for --ip_version (ipv4 by default,");
    io.out("                       ipv6, ipv4-mapped-ipv6) and run only the scripts run_all.py runs in it; the default for a");
    io.out("                       Google tree (a common/defaults.sh at or above PATH)");
    io.out("  packetdrill options  --ip_version=ipv4 --local_ip=A --remote_ip=A --mtu=N --tolerance_usecs=N -D NAME=VALUE …:");
    io.out("                       the command line of every script; it overrides the scripts' header options");
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
  const ipArg = parsePacketdrillArgs(split.packetdrill).options["ip_version"];
  const version: IpVersion = IP_VERSIONS.includes(ipArg as IpVersion) ? (ipArg as IpVersion) : "ipv4";
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
    const profile = (o.profile ?? (/(^|\/)freebsd(-[a-z0-9]+)?(\/|$)/.test(root) ? "freebsd" : "linux")) as PersonalityName;
    const google = o["run-all"] || isGoogleTree(root);
    // run_all.py's variant selection: *v6.pkt only in ipv6, *v4.pkt only in ipv4 and ipv4-mapped-ipv6.
    if (google) files = files.filter((f) => runAllRuns(f, version));
    const pdArgs = [...(google ? RUN_ALL_ARGS[version] : []), ...split.packetdrill];
    const sources: ScriptSource[] = files.map((f) => ({ path: f, text: readFileSync(f, "utf8") }));
    const s = await runSuite(sources, { personality: profile, toleranceUsecs: o["tolerance-usecs"], args: pdArgs, readFile: readTreeFile }, (r) => {
      if (o.json) return;
      if (r.status !== "passed" || o.verbose) io.out(formatResult(r));
      if (o.verbose && r.notes) for (const n of r.notes) io.out(`      note: ${n}`);
    });
    all.passed += s.passed;
    all.failed += s.failed;
    all.unsupported += s.unsupported;
    all.scripts.push(...s.scripts);
    failed += s.failed;
    if (!o.json) {
      const rows = folderTable(root, s.scripts);
      if (rows.length > 1) {
        const w = Math.max(6, ...rows.map((r) => r.folder.length));
        io.out(`${"folder".padEnd(w)}  passed  failed  unsupported`);
        for (const r of rows) io.out(`${r.folder.padEnd(w)}  ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${String(r.unsupported).padStart(11)}`);
      }
      io.out(`${root} (${profile}${google ? `, run_all.py ${version} arguments` : ""}): ${formatSummary(s)}`);
      const linux = google ? linuxResults(root, version) : null;
      if (linux) {
        const linuxPass = s.scripts.filter((r) => linux.get(resolve(r.path)) === "pass");
        const both = linuxPass.filter((r) => r.status === "passed").length;
        const extra = s.scripts.filter((r) => r.status === "passed" && linux.get(resolve(r.path)) !== "pass").length;
        io.out(`Linux passes ${linuxPass.length} of these in its ${version} run (LINUX-RESULTS.tsv); sockstack passes ${both} of them${extra ? ` and ${extra} that Linux fails` : ""}`);
      }
    }
  }
  if (o.json) io.out(JSON.stringify(all));
  return failed ? 1 : 0;
}
