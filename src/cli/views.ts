/**
 * `sockstack ss|netstat|lsof|nstat|tcpdump|ladder [TOOL FLAGS]
 * [--scenario NAME] [--step STEP] [--host HOST] [--seed N]`: runs a demo
 * scenario (view-scenarios.ts; default `lecture`) to a step (default: the
 * last) and prints the view with the real tool's flags passed through:
 *
 *     sockstack ss -tanpoi --step overflow
 *     sockstack netstat -natp --step connect
 *     sockstack lsof -p 1000 --step accept
 *     sockstack nstat --step overflow          # counters changed since the previous step
 *     sockstack tcpdump -nn -v 'tcp port 9090 and tcp[tcpflags] & tcp-syn != 0'
 *     sockstack tcpdump -X -c 4 -w out.pcapng
 *     sockstack ladder --svg out.svg           # or --connection 3, --list, a filter
 *
 * tcpdump and ladder capture from the start of the scenario to the step.
 * tcpdump captures where `sockstack demo` does — {@link CAPTURE_IFACE} of
 * the host looked at (`--host`, default the scenario's server), like
 * `tcpdump -i eth0` on that machine; `-i IFACE` or `-i any` picks other
 * interfaces. The ladder taps both ends of the link (it needs both to
 * find drops). The default seed is {@link DEFAULT_SEED}, the demo's.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import type { Host } from "../host/host.js";
import { Capture } from "../tools/capture.js";
import { ladderConnections } from "../tools/ladder.js";
import { ladderText } from "../tools/ladder-text.js";
import { ladderSvg } from "../tools/ladder-svg.js";
import { lsof, lsofEntries, parseLsofArgs } from "../tools/lsof.js";
import { netstat } from "../tools/netstat.js";
import { nstat } from "../tools/nstat.js";
import { snapshot, type HostSnapshot } from "../tools/snapshot.js";
import { ss } from "../tools/ss.js";
import { compileFilter, FilterSyntaxError } from "../tools/tcpdump-filter.js";
import { parseTcpdumpArgs, TcpdumpArgsError, type TcpdumpArgs } from "../tools/tcpdump-args.js";
import { straceWriter } from "../sys/strace.js";
import { UsageError } from "./args.js";
import type { CliIo } from "./io.js";
import { findStep, VIEW_SCENARIOS, type BuiltScenario, type ViewScenario, type ViewStep } from "./view-scenarios.js";

/** The seed of `sockstack demo` and of every view command unless `--seed` says otherwise. */
export const DEFAULT_SEED = 0;

/** The interface tcpdump captures on by default, on the host looked at (the demo's capture point too). */
export const CAPTURE_IFACE = "eth0";

/** The view commands. */
export type ViewTool = "ss" | "netstat" | "lsof" | "nstat" | "tcpdump" | "ladder";

/** One line per view command for `sockstack --help`. */
export const VIEW_SUMMARIES: Readonly<Record<ViewTool, string>> = {
  ss: "ss of a scenario's host at a step (sockstack ss -tanpoi --step overflow)",
  netstat: "netstat of a scenario's host (sockstack netstat -natp)",
  lsof: "lsof of a scenario's host (sockstack lsof -i)",
  nstat: "counters changed since the previous step (sockstack nstat -az)",
  tcpdump: "the scenario's packets as tcpdump prints them, with filters (-nn -v -X -e -c -w -i)",
  ladder: "a ladder diagram of the scenario's packets, text or --svg FILE",
};

const COMMON = "[--scenario NAME] [--step STEP] [--host HOST] [--seed N] [--strace]";
const USAGE: Readonly<Record<ViewTool, string>> = {
  ss: `usage: sockstack ss [SS FLAGS] [FILTER] ${COMMON}`,
  netstat: `usage: sockstack netstat [NETSTAT FLAGS] ${COMMON}`,
  lsof: `usage: sockstack lsof [LSOF FLAGS] ${COMMON}`,
  nstat: `usage: sockstack nstat [-azjn] [PATTERN…] ${COMMON}`,
  tcpdump: `usage: sockstack tcpdump [-enSXtv] [-c COUNT] [-i IFACE] [-w FILE] [EXPRESSION] ${COMMON}`,
  ladder: `usage: sockstack ladder [--svg FILE] [--connection N] [--relative] [--list] [EXPRESSION] ${COMMON}`,
};

interface Common {
  scenario: ViewScenario;
  step: ViewStep;
  stepIndex: number;
  host: string;
  seed: number;
  strace: boolean;
  rest: string[];
}

/** Takes `--name VALUE` / `--name=VALUE` out of `args`. */
function takeOption(args: string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === `--${name}`) {
      if (i + 1 >= args.length) throw new UsageError(`option --${name} needs a value`);
      value = args[i + 1]!;
      args.splice(i, 2);
      i--;
    } else if (a.startsWith(`--${name}=`)) {
      value = a.slice(name.length + 3);
      args.splice(i, 1);
      i--;
    }
  }
  return value;
}

function takeFlag(args: string[], ...names: string[]): boolean {
  let found = false;
  for (let i = args.length - 1; i >= 0; i--) {
    if (names.includes(args[i]!)) {
      args.splice(i, 1);
      found = true;
    }
  }
  return found;
}

function parseCommon(argv: readonly string[]): Common {
  const rest = [...argv];
  const scName = takeOption(rest, "scenario") ?? VIEW_SCENARIOS[0]!.name;
  const scenario = VIEW_SCENARIOS.find((s) => s.name === scName);
  if (!scenario) throw new UsageError(`no scenario '${scName}' (scenarios: ${VIEW_SCENARIOS.map((s) => s.name).join(", ")})`);
  const stepSpec = takeOption(rest, "step");
  const step = stepSpec === undefined ? scenario.steps[scenario.steps.length - 1]! : findStep(scenario, stepSpec);
  if (!step) throw new UsageError(`no step '${stepSpec}' in ${scenario.name} (steps: ${scenario.steps.map((s, i) => `${i + 1} ${s.name}`).join(", ")})`);
  const host = takeOption(rest, "host") ?? scenario.defaultHost;
  const seedText = takeOption(rest, "seed");
  const seed = seedText === undefined ? DEFAULT_SEED : Number(seedText);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UsageError(`option --seed: '${seedText}' is not an integer from 0 to 4294967295`);
  const strace = takeFlag(rest, "--strace");
  return { scenario, step, stepIndex: scenario.steps.indexOf(step), host, seed, strace, rest };
}

function hostOf(b: BuiltScenario, name: string): Host {
  const h = b.hosts.get(name);
  if (!h) throw new UsageError(`no host '${name}' (hosts: ${[...b.hosts.keys()].join(", ")})`);
  return h;
}

function help(tool: ViewTool, io: CliIo): void {
  io.out(USAGE[tool]);
  io.out("");
  io.out(`${VIEW_SUMMARIES[tool]}.`);
  io.out("Runs a scenario on the simulated network to a step, then prints the view;");
  io.out("the tool's own flags are passed through.");
  if (tool === "tcpdump") io.out(`tcpdump captures on the host's ${CAPTURE_IFACE} (default: the server's), where sockstack demo captures; -i picks another.`);
  io.out("");
  io.out("  --scenario NAME  " + VIEW_SCENARIOS.map((s) => s.name).join(" | ") + ` (default ${VIEW_SCENARIOS[0]!.name})`);
  io.out("  --step STEP      a step name or number (default: the last one)");
  io.out("  --host HOST      the host to look at (default: the scenario's server)");
  io.out(`  --seed N         the network seed (default ${DEFAULT_SEED}, as sockstack demo)`);
  io.out("  --strace         also trace every system call up to the step (strace -f -tt, to stderr)");
  io.out("");
  for (const sc of VIEW_SCENARIOS) {
    io.out(`${sc.name}: ${sc.summary}`);
    sc.steps.forEach((s, i) => io.out(`  ${i + 1} ${s.name.padEnd(9)} t=${(s.at / 1e6).toFixed(3)}s  ${s.summary}`));
  }
}

/** tcpdump's own flags (src/tools/tcpdump-args.ts), a bad one a usage error. */
function parseTcpdumpFlags(args: readonly string[]): TcpdumpArgs {
  try {
    return parseTcpdumpArgs(args);
  } catch (e) {
    if (e instanceof TcpdumpArgsError) throw new UsageError(e.message);
    throw e;
  }
}

/** tcpdump's capture: `-i IFACE` (default {@link CAPTURE_IFACE}) or `-i any` on the host. */
function startCapture(host: Host, iface: string, filter: string, count?: number): Capture {
  const opts = { filter, ...(count !== undefined ? { count } : {}) };
  return Capture.onHost(host, { ...opts, ...(iface === "any" ? {} : { iface }) });
}

/**
 * Opens `path` for writing before anything runs (as tcpdump -w does), so
 * a bad path fails at once; the caller writes and closes the fd.
 */
export function openOutput(path: string): number {
  try {
    return openSync(path, "w");
  } catch (e) {
    throw new OutputError(`${path}: ${(e as Error).message}`);
  }
}

/** Writes `data` to an fd from {@link openOutput} and closes it. */
export function writeOutput(fd: number, data: Uint8Array | string): void {
  try {
    writeSync(fd, typeof data === "string" ? new TextEncoder().encode(data) : data);
  } finally {
    closeSync(fd);
  }
}

/** An output file that cannot be opened (exit status 1). */
export class OutputError extends Error {}

/**
 * Runs one view command; resolves to the exit status (0; 1 when a file
 * cannot be written or lsof matched nothing, as lsof exits; 2 for a bad
 * command line).
 * @example await viewCommand("ss", ["-tanpoi", "--step", "overflow"], captureIo());
 */
export async function viewCommand(tool: ViewTool, argv: string[], io: CliIo): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    help(tool, io);
    return 0;
  }
  const fail = (msg: string): number => {
    io.err(`sockstack ${tool}: ${msg}`);
    io.err(USAGE[tool]);
    return 2;
  };
  let flushTrace = (): void => {};
  try {
    const c = parseCommon(argv);
    const built = c.scenario.build(c.seed);
    const host = hostOf(built, c.host);
    // --strace: the scenario's system calls, as strace -f -tt prints them, on stderr (where strace writes).
    if (c.strace) {
      const w = straceWriter((line) => io.err(line), { host: true });
      built.net.strace(w);
      flushTrace = () => w.flush();
    }
    const advanceTo = async (t: number) => {
      if (t > built.net.now()) await built.net.advance(t - built.net.now());
    };
    switch (tool) {
      case "ss":
      case "netstat":
      case "lsof": {
        await advanceTo(c.step.at);
        const snap = snapshot(host);
        if (tool === "lsof") {
          // lsof prints nothing and exits 1 when nothing matches (0 with -Q).
          const o = parseLsofArgs(c.rest);
          printText(lsof(snap, c.rest), io);
          return lsofEntries(snap, o).length === 0 && !o.ignoreFailed ? 1 : 0;
        }
        printText(tool === "ss" ? ss(snap, c.rest) : netstat(snap, c.rest), io);
        return 0;
      }
      case "nstat": {
        let before: HostSnapshot | null = null;
        if (c.stepIndex > 0) {
          await advanceTo(c.scenario.steps[c.stepIndex - 1]!.at);
          before = snapshot(host);
        }
        await advanceTo(c.step.at);
        printText(nstat(before, snapshot(host), c.rest), io);
        return 0;
      }
      case "tcpdump": {
        const f = parseTcpdumpFlags(c.rest);
        const expr = f.words.join(" ");
        compileFilter(expr); // report a bad expression before running anything
        const cap = startCapture(host, f.iface ?? CAPTURE_IFACE, expr, f.count);
        // -w - writes the capture to standard output, as tcpdump does.
        const toStdout = f.write === "-";
        if (toStdout && !io.bytes) throw new UsageError("-w -: this output cannot take binary data");
        const out = f.write === undefined || toStdout ? undefined : openOutput(f.write);
        await advanceTo(c.step.at);
        cap.stop();
        if (f.write !== undefined) {
          const data = f.write.endsWith(".pcapng") ? cap.pcapng() : cap.pcap();
          if (toStdout) io.bytes!(data);
          else writeOutput(out!, data);
          io.err(`${cap.records().length} packets captured`);
          return 0;
        }
        for (const p of cap.tcpdump({ verbose: f.verbose, hex: f.hex, absoluteSeq: f.absoluteSeq, noTime: f.noTime, ether: f.ether, interfaces: f.iface === "any", ...(f.md5Secret !== undefined ? { md5Secret: f.md5Secret } : {}) })) {
          for (const l of p.split("\n")) io.out(l);
        }
        return 0;
      }
      case "ladder": {
        const rest = [...c.rest];
        const svg = takeOption(rest, "svg");
        const connText = takeOption(rest, "connection");
        const relative = takeFlag(rest, "--relative");
        const list = takeFlag(rest, "--list");
        const bad = rest.find((a) => a.startsWith("-"));
        if (bad) throw new UsageError(`unknown option ${bad}`);
        const expr = rest.join(" ");
        compileFilter(expr);
        let connection: number | undefined;
        if (connText !== undefined) {
          connection = Number(connText);
          if (!Number.isInteger(connection) || connection < 0) throw new UsageError(`option --connection: '${connText}' is not a connection number (0, 1, …; --list shows them)`);
        }
        const out = svg === undefined || svg === "-" || list ? undefined : openOutput(svg);
        const cap = Capture.onLink(built.link, { filter: expr, a: built.linkHosts[0], b: built.linkHosts[1] });
        await advanceTo(c.step.at);
        cap.stop();
        if (list) {
          ladderConnections(cap.packets).forEach((k, i) => io.out(`${i}  ${k}`));
          return 0;
        }
        if (connection !== undefined && connection >= ladderConnections(cap.packets).length) {
          throw new UsageError(`no connection ${connection} (there are ${ladderConnections(cap.packets).length}; --list shows them)`);
        }
        const opts = { relativeTime: relative, ...(connection !== undefined ? { connection } : {}) };
        if (svg === undefined) {
          printText(ladderText(cap.packets, opts), io);
          return 0;
        }
        const doc = ladderSvg(cap.packets, { ...opts, title: `sockstack ${c.scenario.name} — ${c.step.name} (seed ${c.seed})` });
        if (svg === "-") {
          printText(doc, io);
          return 0;
        }
        writeOutput(out!, doc);
        io.out(`(ladder diagram written to ${svg})`);
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message);
    if (e instanceof OutputError) {
      io.err(`sockstack ${tool}: ${e.message}`);
      return 1;
    }
    if (e instanceof FilterSyntaxError) {
      io.err(`sockstack ${tool}: ${e.message}`);
      for (const l of e.caret().split("\n")) io.err(`  ${l}`);
      return 2;
    }
    if (e instanceof TypeError && /^(ss|lsof|netstat|nstat|tcpdump): /.test(e.message)) {
      io.err(e.message);
      io.err(USAGE[tool]);
      return 2;
    }
    if (e instanceof Error && e.message.startsWith("tcpdump: ")) return fail(e.message.slice(9));
    throw e;
  } finally {
    flushTrace();
  }
}

/** Prints a tool's text, one line per call, without the final newline's empty line. */
function printText(text: string, io: CliIo): void {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (const l of lines) io.out(l);
}
