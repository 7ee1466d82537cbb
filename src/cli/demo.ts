/**
 * `sockstack demo [NAME] [--seed N] [--pcap FILE] [--json] [--step]
 * [--ladder] [--svg FILE] [--strace] [--lang zh]`: without NAME, lists the
 * scenarios of the registry (src/demo/registry.ts); with one, runs it on
 * the simulated network and prints the narrated transcript as text (or as
 * one JSON document). The scenarios and their narration live in src/demo
 * (browser-safe); this file only renders them.
 */
import { DemoContext, type DemoScenario } from "../demo/context.js";
import { DEMO_JSON_VERSION, type DemoEvent } from "../demo/events.js";
import type { Capture } from "../demo/capture.js";
import { dropReasonZh } from "../demo/drops.js";
import { SCENARIOS, findScenario } from "../demo/registry.js";
import type { LadderOptions } from "../tools/ladder.js";
import { ladderText } from "../tools/ladder-text.js";
import { ladderSvg } from "../tools/ladder-svg.js";
import { pcapFile } from "../tools/pcap.js";
import { pcapngFile } from "../tools/pcapng.js";
import { UsageError, parseArgs } from "./args.js";
import type { CliIo } from "./io.js";
import { DEFAULT_SEED, OutputError, openOutput, writeOutput } from "./views.js";

const USAGE = "usage: sockstack demo [NAME] [--seed N] [--pcap FILE] [--json] [--step] [--ladder] [--svg FILE] [--strace] [--lang en|zh]";

const SPEC = {
  seed: { kind: "int", min: 0, max: 0xffffffff, metavar: "N" },
  pcap: { kind: "string", metavar: "FILE" },
  svg: { kind: "string", metavar: "FILE" },
  json: { kind: "flag" },
  strace: { kind: "flag" },
  step: { kind: "flag" },
  ladder: { kind: "flag" },
  lang: { kind: "string", metavar: "LANG" },
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
    "Without NAME (or with --list), lists the scenarios and the SEEDS.md ids each shows.",
    "",
    "options:",
    `  NAME         the scenario (start with: ${SCENARIOS[0]!.name})`,
    `  --seed N     seed of every random choice: ports, ids, ISNs (default ${DEFAULT_SEED})`,
    "  --pcap FILE  also write the capture (the server's eth0, where sockstack tcpdump",
    "               captures too) to FILE: pcap, or pcapng when FILE ends in .pcapng",
    "  --json       print the whole run as one JSON document: the narration in both",
    "               languages plus every packet (parsed), TCP state change, drop,",
    "               syscall, ladder and snapshot (schema: docs/demo.md)",
    "  --step       wait for Enter before each step (only when stdin is a terminal)",
    "  --ladder     end with a ladder diagram of every connection on the wire, one",
    "               pair of columns per connection, drops and state changes marked",
    "  --svg FILE   write that ladder diagram as SVG to FILE",
    "  --strace     trace every system call (strace -f -tt lines, host first) in place",
    "               of the scenario's own syscall lines",
    "  --lang zh    narrate in Chinese (中文讲解); the tools print as the real ones do",
    "  --list       list the scenarios",
  ];
}

/**
 * Runs `sockstack demo` with `args`; resolves to the exit status.
 * @example await demoCommand(["udp", "--seed", "7"], captureIo());
 */
export async function demoCommand(args: string[], io: CliIo): Promise<number> {
  let scenario: DemoScenario;
  let opts: ReturnType<typeof parseArgs<typeof SPEC>>["options"];
  let zh = false;
  try {
    const a = parseArgs(args, SPEC);
    opts = a.options;
    if (opts.help) {
      for (const l of help()) io.out(l);
      return 0;
    }
    if (opts.lang !== undefined && opts.lang !== "en" && opts.lang !== "zh") throw new UsageError(`--lang ${opts.lang}: en or zh`);
    zh = opts.lang === "zh";
    if (opts.list || a.positionals.length === 0) {
      list(io, zh);
      return 0;
    }
    if (a.positionals.length > 1) throw new UsageError(`unexpected argument '${a.positionals[1]}'`);
    if (opts.pcap === "-") throw new UsageError("--pcap -: the demo prints to standard output; write the capture to a file");
    if (opts.svg === "-") throw new UsageError("--svg -: the demo prints to standard output; write the diagram to a file");
    const name = a.positionals[0]!;
    const found = findScenario(name);
    if (!found) throw new UsageError(`no scenario '${name}' (sockstack demo lists them)`);
    scenario = found;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`sockstack demo: ${e.message}`);
    io.err(USAGE);
    return 2;
  }

  const seed = opts.seed ?? DEFAULT_SEED;
  const files: { pcap?: number; svg?: number } = {};
  for (const k of ["pcap", "svg"] as const) {
    const path = opts[k];
    if (path === undefined) continue;
    try {
      files[k] = openOutput(path); // like tcpdump -w: a bad path fails before anything runs
    } catch (e) {
      if (!(e instanceof OutputError)) throw e;
      io.err(`sockstack demo: cannot write ${e.message}`);
      return 1;
    }
  }
  const events: DemoEvent[] = [];
  const json = opts.json;
  const pause = opts.step && !json && io.waitEnter ? io.waitEnter.bind(io) : undefined;
  const ctx = new DemoContext(seed, (e) => (json ? events.push(e) : printEvent(e, io, zh)), { strace: opts.strace, lang: zh ? "zh" : "en", ...(pause ? { pause } : {}) });
  await scenario.run(ctx);
  ctx.finish();

  const translate = zh ? dropReasonZh : undefined;
  const wire = ctx.wireCapture?.packets ?? [];
  const full: LadderOptions = { drops: ctx.drops, states: ctx.states, lanes: true, ...(translate ? { translate } : {}) };
  if (opts.ladder && !json) {
    io.out("");
    io.out(zh ? "--- 梯形图：线路上的每个连接 ---" : "--- Ladder: every connection on the wire ---");
    for (const l of ladderText(wire, full).split("\n")) io.out(l);
  }
  if (json) {
    io.out(JSON.stringify({ version: DEMO_JSON_VERSION, demo: scenario.name, seed, seeds: scenario.seeds, summary: scenario.summary, events }, null, 2));
  } else {
    const next = SCENARIOS[SCENARIOS.indexOf(scenario) + 1];
    io.out("");
    if (next) io.out(zh ? `下一个：sockstack demo ${next.name}（${next.summary.zh}）；sockstack demo 列出全部场景` : `Next: sockstack demo ${next.name} (${next.summary.en}); sockstack demo lists them all`);
    else io.out(zh ? "sockstack demo 列出全部场景" : "sockstack demo lists every scenario");
  }
  if (files.svg !== undefined) writeOutput(files.svg, ladderSvg(wire, { ...full, title: `sockstack demo ${scenario.name} (seed ${seed})` }));
  if (files.pcap !== undefined) {
    const main = ctx.captures[0];
    if (!main) {
      writeOutput(files.pcap, "");
      io.err(`sockstack demo: scenario '${scenario.name}' captured nothing; no pcap written`);
      return 1;
    }
    writeOutput(files.pcap, captureFile(main, opts.pcap!));
    if (!json) io.out(zh ? `（抓包已写入 ${opts.pcap}：${main.packets.length} 个包）` : `(capture written to ${opts.pcap}: ${main.packets.length} packets)`);
  }
  return 0;
}

/** `sockstack demo`: the registry, one scenario a line. */
function list(io: CliIo, zh: boolean): void {
  const w = Math.max(...SCENARIOS.map((s) => s.name.length));
  io.out(zh ? "场景（sockstack demo NAME 运行一个）：" : "Scenarios (sockstack demo NAME runs one):");
  for (const s of SCENARIOS) io.out(`  ${s.name.padEnd(w)}  ${zh ? s.summary.zh : s.summary.en} [${s.seeds.join(" ")}]`);
  io.out(zh ? `从这里开始：sockstack demo ${SCENARIOS[0]!.name}（加 --lang zh 用中文讲解）` : `Start with: sockstack demo ${SCENARIOS[0]!.name}   (--lang zh narrates in Chinese)`);
}

/** Virtual µs → `0.005000` (seconds, 6 decimals). */
function seconds(t: number): string {
  return (t / 1e6).toFixed(6);
}

/** Prints one narration event as text. */
function printEvent(e: DemoEvent, io: CliIo, zh: boolean): void {
  switch (e.kind) {
    case "title": {
      const t = zh ? e.zh : e.text;
      io.out(t);
      io.out("=".repeat(t.length));
      return;
    }
    case "section":
      io.out("");
      io.out(`--- ${zh ? e.zh : e.text} ---`);
      return;
    case "say":
      for (const l of (zh ? e.zh : e.text).split("\n")) io.out(l);
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
    case "ladder":
    case "packet":
    case "state":
    case "drop":
    case "snapshot":
      return; // observations: JSON only (text mode shows them through the tools' views; a ladder's text follows as output)
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
