/**
 * `sockstack demo [NAME] [--seed N] [--pcap FILE] [--json] [--list]`:
 * runs a narrated scenario on the simulated network and prints it as text
 * (or as one JSON document). Scenarios live in `demo-*.ts` files and are
 * listed in {@link DEMOS}; the first one is the default.
 */
import { pcapFile } from "../tools/pcap.js";
import { pcapngFile } from "../tools/pcapng.js";
import { UsageError, parseArgs } from "./args.js";
import type { Capture } from "./capture.js";
import { DEMO_JSON_VERSION, DemoContext, type DemoEvent, type DemoScenario } from "./demo-scenario.js";
import { lectureDemo } from "./demo-lecture.js";
import { udpEchoDemo } from "./demo-udp-echo.js";
import type { CliIo } from "./io.js";
import { DEFAULT_SEED, OutputError, openOutput, writeOutput } from "./views.js";

/** Every scenario, the default first. */
export const DEMOS: readonly DemoScenario[] = [lectureDemo, udpEchoDemo];

const USAGE = "usage: sockstack demo [NAME] [--seed N] [--pcap FILE] [--json] [--strace] [--list]";

const SPEC = {
  seed: { kind: "int", min: 0, max: 0xffffffff, metavar: "N" },
  pcap: { kind: "string", metavar: "FILE" },
  json: { kind: "flag" },
  strace: { kind: "flag" },
  list: { kind: "flag" },
  help: { kind: "flag", short: "h" },
} as const;

function help(): string[] {
  return [
    USAGE,
    "",
    "Runs a narrated scenario on the simulated network: real processes making",
    "syscalls, and what ss, lsof, netstat, nstat, tcpdump (and ping) show at each",
    "step, with virtual timestamps. The same seed prints the same output.",
    "",
    "options:",
    "  NAME         the scenario (default: " + DEMOS[0]!.name + "); --list shows them all",
    `  --seed N     seed of every random choice: ports, ids, ISNs (default ${DEFAULT_SEED},`,
    "               the view commands' default too)",
    "  --pcap FILE  also write the capture (the server's eth0, where sockstack tcpdump",
    "               captures too) to FILE: pcap, or pcapng when FILE ends in .pcapng",
    "               (Wireshark and tcpdump -r read both); FILE is opened first",
    "  --json       print the whole run as one JSON document instead of text: the",
    "               narration plus every packet (parsed), TCP state change, syscall",
    "               and snapshot (schema: docs/observability.md, demo --json)",
    "  --strace     trace every system call (strace -f -tt lines, host first) in place",
    "               of the scenario's own syscall lines",
    "  --list       list the scenarios",
  ];
}

/**
 * Runs `sockstack demo` with `args`; resolves to the exit status.
 * @example await demoCommand(["udp-echo", "--seed", "7"], captureIo());
 */
export async function demoCommand(args: string[], io: CliIo): Promise<number> {
  let scenario: DemoScenario;
  let opts: ReturnType<typeof parseArgs<typeof SPEC>>["options"];
  try {
    const a = parseArgs(args, SPEC);
    opts = a.options;
    if (opts.help) {
      for (const l of help()) io.out(l);
      return 0;
    }
    if (opts.list) {
      const w = Math.max(...DEMOS.map((s) => s.name.length));
      for (const s of DEMOS) io.out(`${s.name.padEnd(w)}  ${s.summary} (${s.seeds.join(" ")})`);
      return 0;
    }
    if (a.positionals.length > 1) throw new UsageError(`unexpected argument '${a.positionals[1]}'`);
    if (opts.pcap === "-") throw new UsageError("--pcap -: the demo prints to standard output; write the capture to a file");
    const name = a.positionals[0] ?? DEMOS[0]!.name;
    const found = DEMOS.find((s) => s.name === name);
    if (!found) throw new UsageError(`no scenario '${name}' (sockstack demo --list shows them)`);
    scenario = found;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`sockstack demo: ${e.message}`);
    io.err(USAGE);
    return 2;
  }

  const seed = opts.seed ?? DEFAULT_SEED;
  let pcapFd: number | undefined;
  if (opts.pcap !== undefined) {
    try {
      pcapFd = openOutput(opts.pcap); // like tcpdump -w: a bad path fails before anything runs
    } catch (e) {
      if (!(e instanceof OutputError)) throw e;
      io.err(`sockstack demo: cannot write ${e.message}`);
      return 1;
    }
  }
  const events: DemoEvent[] = [];
  const json = opts.json;
  const ctx = new DemoContext(seed, (e) => (json ? events.push(e) : printEvent(e, io)), { strace: opts.strace });
  await scenario.run(ctx);
  ctx.finish();

  if (json) {
    io.out(JSON.stringify({ version: DEMO_JSON_VERSION, demo: scenario.name, seed, seeds: scenario.seeds, events }, null, 2));
  }
  if (opts.pcap !== undefined && pcapFd !== undefined) {
    const main = ctx.captures[0];
    if (!main) {
      writeOutput(pcapFd, "");
      io.err(`sockstack demo: scenario '${scenario.name}' captured nothing; no pcap written`);
      return 1;
    }
    writeOutput(pcapFd, captureFile(main, opts.pcap));
    if (!json) io.out(`(capture written to ${opts.pcap}: ${main.packets.length} packets)`);
  }
  return 0;
}

/** Virtual µs → `0.005000` (seconds, 6 decimals). */
function seconds(t: number): string {
  return (t / 1e6).toFixed(6);
}

/** Prints one narration event as text. */
function printEvent(e: DemoEvent, io: CliIo): void {
  switch (e.kind) {
    case "title":
      io.out(e.text);
      io.out("=".repeat(e.text.length));
      return;
    case "section":
      io.out("");
      io.out(`--- ${e.text} ---`);
      return;
    case "say":
      for (const l of e.text.split("\n")) io.out(l);
      return;
    case "command":
      io.out(`${e.host}$ ${e.text}`);
      return;
    case "output":
      io.out(e.text);
      return;
    case "syscall":
      if (!e.traced) io.out(`  [${seconds(e.t)}] ${e.host} ${e.process}: ${e.text}`);
      return;
    case "strace":
      io.out(e.text);
      return;
    case "capture":
      for (const p of e.packets) io.out(p.line);
      return;
    case "packet":
    case "state":
    case "snapshot":
      return; // observations: JSON only (text mode shows them through the tools' views)
  }
}

// ---- the capture file (the writers live in src/tools) -----------------------

/**
 * The capture as a file: pcapng (with the interface name and each packet's
 * direction) when the name ends in `.pcapng`, else classic pcap.
 */
function captureFile(cap: Capture, path: string): Uint8Array {
  if (path.endsWith(".pcapng")) {
    return pcapngFile(cap.packets.map((p) => ({ time: p.t, ifName: cap.iface, packet: p.bytes, direction: p.dir })));
  }
  return pcapFile(cap.packets.map((p) => ({ time: p.t, packet: p.bytes })));
}
