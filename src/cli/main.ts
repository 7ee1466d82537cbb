/**
 * The `sockstack` command: `sockstack <command> [args]`.
 *
 * The dispatcher only routes: each command lives in its own file and takes
 * its arguments and a {@link CliIo}. Exit statuses follow Unix custom:
 * 0 success, 1 the command ran but failed (ping got no reply), 2 a bad
 * command line (one line saying why, then the usage line, on stderr).
 *
 * Run it without building: `node --import tsx src/cli/main.ts demo`
 * (or `npx tsx src/cli/main.ts demo`); the published binary
 * `bin/sockstack.js` runs the compiled `dist/cli/main.js`.
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { conformanceCommand } from "./conformance.js";
import { demoCommand } from "./demo.js";
import { fuzzCommand } from "./fuzz.js";
import { processIo, type CliIo } from "./io.js";
import { sweepCommand } from "./sweep.js";
import { labCommand } from "./lab.js";
import { pingCommand } from "./ping.js";
import { VIEW_SUMMARIES, viewCommand, type ViewTool } from "./views.js";

/** One subcommand of the dispatcher. */
interface Command {
  readonly name: string;
  readonly summary: string;
  run(args: string[], io: CliIo): Promise<number>;
}

const USAGE = "usage: sockstack <command> [args]   (sockstack --help lists the commands)";

const VIEWS: readonly ViewTool[] = ["ss", "netstat", "lsof", "nstat", "tcpdump", "ladder"];

const COMMANDS: readonly Command[] = [
  { name: "demo", summary: "narrated scenarios on the simulated network (sockstack demo --list)", run: demoCommand },
  ...VIEWS.map((v): Command => ({ name: v, summary: VIEW_SUMMARIES[v], run: (args, io) => viewCommand(v, args, io) })),
  { name: "lab", summary: "the web lab: the demo scenarios and your own programs simulated in a browser page (--open, --port N, --build DIR)", run: labCommand },
  { name: "ping", summary: "ping inside a simulated topology, printed like iputils ping", run: pingCommand },
  { name: "tun", summary: "bridge the stack to the Linux kernel through a TUN device", run: tunCommand },
  { name: "conformance", summary: "run packetdrill-format scripts (sockstack conformance PATH…)", run: conformanceCommand },
  { name: "sweep", summary: "a scenario, packetdrill script or test module under many seeds on worker threads, in shards (--shard I/N)", run: sweepCommand },
  { name: "bench", summary: "benchmarks, sockstack next to the kernel (npm run bench; --compare FILE)", run: benchCommand },
  { name: "fuzz", summary: "packet and syscall fuzzers checking the stack's invariants (sockstack fuzz --help)", run: fuzzCommand },
];

/**
 * Runs `sockstack` with `argv` (the arguments after the program name) and
 * resolves to the exit status. Output goes to `io` (the process's stdout
 * and stderr by default).
 * @example
 * const io = captureIo();
 * const status = await main(["ping", "-c", "2", "10.0.0.2"], io);
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.err("sockstack: no command given");
    io.err(USAGE);
    return 2;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    if (first === "help" && rest[0] !== undefined) return main([rest[0], "--help"], io);
    printHelp(io);
    return 0;
  }
  if (first === "--version" || first === "-V") {
    io.out(`sockstack ${version()}`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === first);
  if (!cmd) {
    io.err(first.startsWith("-") ? `sockstack: unknown option ${first}` : `sockstack: unknown command '${first}'`);
    io.err(USAGE);
    return 2;
  }
  return cmd.run(rest, io);
}

function printHelp(io: CliIo): void {
  io.out(`sockstack ${version()} — the Berkeley socket layer and a TCP/IP stack in TypeScript,`);
  io.out("on a deterministic simulated network.");
  io.out("");
  io.out("usage: sockstack <command> [args]");
  io.out("");
  io.out("commands:");
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  for (const c of COMMANDS) io.out(`  ${c.name.padEnd(w)}  ${c.summary}`);
  io.out("");
  io.out("options:");
  io.out("  -h, --help     this help (sockstack <command> --help for a command's)");
  io.out("  -V, --version  print the version");
}

/** The package version, read from package.json (two folders up from src/cli or dist/cli). */
export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * `sockstack bench`: loaded on demand from ./bench.js
 * (`benchCommand(args, io)`), so a build without it still runs every other
 * command.
 */
async function benchCommand(args: string[], io: CliIo): Promise<number> {
  const specifier = "./bench.js"; // a variable: the module may be absent from this build
  let mod: { benchCommand?: (args: string[], io: CliIo) => Promise<number> };
  try {
    mod = (await import(specifier)) as typeof mod;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const missing = code === "ERR_MODULE_NOT_FOUND" && String((e as Error).message).includes("bench.");
    if (!missing) throw e;
    io.err("sockstack bench: not available in this build (src/cli/bench.ts is missing)");
    return 2;
  }
  if (typeof mod.benchCommand !== "function") {
    io.err("sockstack bench: not available in this build (src/cli/bench.ts exports no benchCommand)");
    return 2;
  }
  return mod.benchCommand(args, io);
}

/**
 * `sockstack tun`: loaded on demand from ./tun.js (`tunCommand(args)`), so
 * a build without it still runs every other command.
 */
async function tunCommand(args: string[], io: CliIo): Promise<number> {
  const specifier = "./tun.js"; // a variable: the module may be absent from this build
  let mod: { tunCommand?: (args: string[]) => Promise<number> };
  try {
    mod = (await import(specifier)) as typeof mod;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const missing = code === "ERR_MODULE_NOT_FOUND" && String((e as Error).message).includes("tun.");
    if (!missing) throw e;
    io.err("sockstack tun: not available in this build (src/cli/tun.ts is missing)");
    return 2;
  }
  if (typeof mod.tunCommand !== "function") {
    io.err("sockstack tun: not available in this build (src/cli/tun.ts exports no tunCommand)");
    return 2;
  }
  return mod.tunCommand(args);
}

// `node --import tsx src/cli/main.ts …` runs the command directly.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
