/**
 * `sockstack sweep KIND TARGET --seeds A..B [--shard I/N] [--workers N]
 * [--fail-fast] [--timeout SEC] [--json] [--report FILE]` and
 * `sockstack sweep merge REPORT…`: a demo scenario (or the user's scenario
 * module), a packetdrill script or a `node:test` module run under every
 * seed of a range on worker threads (src/sweep), failing seeds printed each
 * with its replay command; `--shard I/N` runs one of N contiguous shards of
 * the range, and `merge` joins the shards' JSON reports. docs/sweep.md.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { PacketdrillArgError, parsePacketdrillArgs } from "../conformance/config.js";
import { PERSONALITIES, type PersonalityName } from "../core/personality.js";
import { findScenario, SCENARIOS } from "../demo/registry.js";
import { formatReport, mergeReports, MergeError, reportPassed, type SweepReport } from "../sweep/report.js";
import { parseSeedRange, parseShard, SeedRangeError, type SeedRange } from "../sweep/seeds.js";
import { sweep } from "../sweep/sweep.js";
import { isModulePath, type SweepTarget } from "../sweep/target.js";
import { parseArgs, UsageError } from "./args.js";
import { isGoogleTree, splitPacketdrillArgs } from "./conformance.js";
import type { CliIo } from "./io.js";

const USAGE = "usage: sockstack sweep scenario NAME|FILE | pkt FILE | test FILE  --seeds A..B [--shard I/N] [--workers N] [--fail-fast] [--json] [--report FILE]   |   sockstack sweep merge REPORT.json...";

const SPEC = {
  seeds: { kind: "string", metavar: "A..B" },
  seed: { kind: "int", min: 0, max: 0xffffffff, metavar: "N" },
  shard: { kind: "string", metavar: "I/N" },
  workers: { kind: "int", short: "j", min: 1, max: 256, metavar: "N" },
  "fail-fast": { kind: "flag" },
  timeout: { kind: "number", min: 0.001, metavar: "SEC" },
  profile: { kind: "string", metavar: "linux|freebsd" },
  json: { kind: "flag" },
  report: { kind: "string", metavar: "FILE" },
  help: { kind: "flag", short: "h" },
} as const;

const HELP = [
  USAGE,
  "",
  "Runs one target under every seed of a range on worker threads and prints the",
  "failing seeds, each with the command that replays it alone.",
  "",
  "targets:",
  `  scenario NAME   a sockstack demo scenario (${SCENARIOS.map((s) => s.name).slice(0, 4).join(", ")}, …; sockstack demo lists them):`,
  "                  fails when it throws (its checks, the driver's, an uncaught error)",
  "  scenario FILE   your module whose default export is an async function of the seed",
  "  pkt FILE        a packetdrill script, the seed as the host's: fails unless it passes",
  "                  (packetdrill options and --profile as for sockstack conformance)",
  "  test FILE       a node:test module run with SOCKSTACK_SEED=<seed> (simulate() of",
  "                  sockstack/node reads it) in a fresh worker: fails when a test fails",
  "",
  "options:",
  "  --seeds A..B    the seeds, both ends included (N alone: 1..N)",
  "  --seed N        one seed (a replay)",
  "  --shard I/N     run only the I-th of N contiguous shards of the range (1-based),",
  "                  for a CI matrix or a Kubernetes Indexed Job; merge the reports after",
  "  -j, --workers N worker threads (default: the machine's cores)",
  "  --fail-fast     start no seed after the first failure (the seeds in flight finish,",
  "                  so the lowest failing seed of the range is the one reported)",
  "  --timeout SEC   real time one seed may take before it fails as a hang (default 300)",
  "  --json          print the report as JSON instead of text",
  "  --report FILE   also write the JSON report to FILE (what merge reads)",
  "",
  "sockstack sweep merge REPORT.json...   joins the shards' reports of one sweep into one",
  "(same target, range and shard count; a missing shard is named and fails the merge).",
  "Exit status: 0 every seed passed, 1 a seed failed (or a shard is missing), 2 a bad command line.",
];

function usageError(io: CliIo, message: string): number {
  io.err(`sockstack sweep: ${message}`);
  io.err(USAGE);
  return 2;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Runs `sockstack sweep` with `args`; resolves to the exit status.
 * @example await sweepCommand(["scenario", "handshake", "--seeds", "1..20", "-j", "2"], captureIo());
 */
export async function sweepCommand(args: string[], io: CliIo): Promise<number> {
  if (args[0] === "merge") return mergeCommand(args.slice(1), io);
  const split = args[0] === "pkt" ? splitPacketdrillArgs(args) : { rest: args, packetdrill: [] };
  let target: SweepTarget;
  let range: SeedRange;
  let o: ReturnType<typeof parseArgs<typeof SPEC>>["options"];
  try {
    const a = parseArgs(split.rest, SPEC);
    o = a.options;
    if (o.help) {
      for (const l of HELP) io.out(l);
      return 0;
    }
    const [kind, name, extra] = a.positionals;
    if (kind === undefined) throw new UsageError("no target given (scenario NAME, pkt FILE or test FILE)");
    if (kind !== "scenario" && kind !== "pkt" && kind !== "test") throw new UsageError(`unknown target kind '${kind}' (scenario, pkt, test or merge)`);
    if (name === undefined) throw new UsageError(`${kind}: no ${kind === "scenario" ? "scenario name or file" : "file"} given`);
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
    if (o.seeds !== undefined && o.seed !== undefined) throw new UsageError("--seeds and --seed together: give one");
    if (o.seeds === undefined && o.seed === undefined) throw new UsageError("no seeds given (--seeds A..B, or --seed N)");
    range = o.seed !== undefined ? { from: o.seed, to: o.seed } : parseSeedRange(o.seeds!);
    if (o.shard !== undefined) parseShard(o.shard);
    if (o.profile !== undefined && kind !== "pkt") throw new UsageError("--profile is for pkt targets");
    if (kind === "scenario") {
      if (isModulePath(name)) {
        if (!isFile(name)) throw new UsageError(`${name}: No such file or directory`);
      } else if (!findScenario(name)) throw new UsageError(`no scenario '${name}' (sockstack demo lists them)`);
      target = { kind, name };
    } else if (kind === "pkt") {
      if (!existsSync(name)) throw new UsageError(`${name}: No such file or directory`);
      if (!name.endsWith(".pkt") || !isFile(name)) throw new UsageError(`${name}: not a packetdrill script (a .pkt file)`);
      parsePacketdrillArgs(split.packetdrill);
      if (o.profile !== undefined && !PERSONALITIES.includes(o.profile as PersonalityName)) throw new UsageError(`unknown profile '${o.profile}' (linux or freebsd)`);
      // As sockstack conformance decides: freebsd under a freebsd folder, run_all.py's arguments in a Google tree.
      const personality = (o.profile ?? (/(^|\/)freebsd(-[a-z0-9]+)?\//.test(name) ? "freebsd" : "linux")) as PersonalityName;
      target = { kind, path: name, ...(personality !== "linux" ? { personality } : {}), ...(split.packetdrill.length ? { args: split.packetdrill } : {}), ...(isGoogleTree(name) ? { runAll: true } : {}) };
    } else {
      if (!isFile(name)) throw new UsageError(`${name}: No such file or directory`);
      target = { kind, path: name };
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof SeedRangeError) return usageError(io, e.message);
    if (e instanceof PacketdrillArgError) return usageError(io, `packetdrill option: ${e.message}`);
    throw e;
  }
  if (o.report !== undefined) {
    try {
      writeFileSync(o.report, ""); // a bad path fails now, not after the sweep
    } catch (e) {
      io.err(`sockstack sweep: cannot write ${o.report}: ${(e as Error).message}`);
      return 1;
    }
  }
  let last = performance.now();
  let done = 0;
  let failed = 0;
  let report: SweepReport;
  try {
    report = await sweep(target, {
      seeds: range,
      ...(o.shard !== undefined ? { shard: o.shard } : {}),
      ...(o.workers !== undefined ? { workers: o.workers } : {}),
      failFast: o["fail-fast"],
      ...(o.timeout !== undefined ? { timeoutMs: o.timeout * 1000 } : {}),
      onSeed: (s) => {
        done++;
        if (!s.ok) failed++;
        const now = performance.now();
        if (now - last >= 10_000) {
          last = now;
          io.err(`sweep: ${done} seeds run, ${failed} failed`);
        }
      },
    });
  } catch (e) {
    io.err(`sockstack sweep: cannot run ${target.kind === "scenario" ? target.name : target.path}: ${(e as Error).message.split("\n")[0]}`);
    return 1;
  }
  return finish(report, o.json, o.report, io);
}

function finish(report: SweepReport, json: boolean, file: string | undefined, io: CliIo): number {
  const text = JSON.stringify(report, null, 2);
  if (file !== undefined) writeFileSync(file, `${text}\n`);
  if (json) io.out(text);
  else for (const l of formatReport(report)) io.out(l);
  return reportPassed(report) ? 0 : 1;
}

const MERGE_SPEC = { json: { kind: "flag" }, report: { kind: "string", metavar: "FILE" }, help: { kind: "flag", short: "h" } } as const;

async function mergeCommand(args: string[], io: CliIo): Promise<number> {
  let reports: SweepReport[];
  let o: ReturnType<typeof parseArgs<typeof MERGE_SPEC>>["options"];
  try {
    const a = parseArgs(args, MERGE_SPEC);
    o = a.options;
    if (o.help) {
      for (const l of HELP) io.out(l);
      return 0;
    }
    if (a.positionals.length === 0) throw new UsageError("merge: no report files given");
    reports = a.positionals.map((p) => {
      let text: string;
      try {
        text = readFileSync(p, "utf8");
      } catch (e) {
        throw new UsageError(`${p}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "No such file or directory" : (e as Error).message}`);
      }
      try {
        return JSON.parse(text) as SweepReport;
      } catch {
        throw new UsageError(`${p}: not JSON (a report of sockstack sweep --report FILE)`);
      }
    });
    const merged = mergeReports(reports);
    return finish(merged, o.json, o.report, io);
  } catch (e) {
    if (e instanceof UsageError) return usageError(io, e.message);
    if (e instanceof MergeError) return usageError(io, `merge: ${e.message}`);
    throw e;
  }
}
