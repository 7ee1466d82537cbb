/**
 * Scenarios the lab runs besides `sockstack demo`'s: a program written in
 * the page ({@link programScenario}), and the lab's own entries of the
 * scenario picker built from its templates — the interactive chats
 * (`chat-tcp`, `chat-udp`: type into a process's stdin) and `bulk` (ten
 * bulk transfers, the frame-rate benchmark's workload).
 *
 * A program scenario builds the demos' two-host network (src/demo/kit.ts:
 * client 10.0.0.1, server 10.0.0.2, a 1 ms link, the server's eth0
 * captured), runs the program's top level (which spawns processes), then
 * runs the network until its client programs exit. When it goes idle with
 * a process reading its terminal, an interactive run waits for a typed
 * line ({@link LabScenarioHooks.waitInput}) and goes on; without hooks (a
 * headless run) it ends there.
 */
import { ms } from "../core/time.js";
import type { DemoContext, DemoScenario } from "../demo/context.js";
import { calls, SETUP_CALLS, twoHosts } from "../demo/kit.js";
import type { Network } from "../sim/network.js";
import { compileProgram, programJavaScript, startProgram, type ProgramLanguage } from "./program.js";
import { TEMPLATE_JS } from "./templates-js.js";

/** What the lab gives a scenario that can wait for the learner. */
export interface LabScenarioHooks {
  /** Resolves once the learner typed something (or acted): called when the run is idle and a process reads its terminal. */
  waitInput(): Promise<void>;
}

/** A scenario the lab can run interactively. */
export interface LabScenario extends DemoScenario {
  /** The program's source, for a program scenario. */
  readonly code?: string;
  /** The language of {@link code}. */
  readonly language?: ProgramLanguage;
  /** Runs with the lab's hooks (interactive); `run(d)` is the same without them. */
  runLab?(d: DemoContext, hooks: LabScenarioHooks | null): Promise<void>;
}

/** True when a process of `net` is blocked reading its terminal (fd 0). */
export function readingTerminal(net: Network): boolean {
  for (const h of net.hosts.values()) {
    for (const p of h.processes.values()) {
      for (const r of p.inflight) if ((r.call === "read" || r.call === "recvLine" || r.call === "recv") && r.args[0] === 0) return true;
    }
  }
  return false;
}

/**
 * A scenario running `code` (src/lab/program.ts; TypeScript or JavaScript
 * as `language` says) on the two-host network, named `name`. A TypeScript
 * program waits for the TypeScript chunk (loaded on first use) before its
 * network exists: virtual time starts after it, so the run is the same.
 * @example const s = programScenario("mine", "clientHost.spawn('c', (p) => p.socket('AF_INET', 'SOCK_DGRAM'));", "js");
 */
export function programScenario(name: string, code: string, language: ProgramLanguage, summary = { en: "your program on the simulated network", zh: "你的程序，运行在模拟网络上" }): LabScenario {
  const runLab = async (d: DemoContext, hooks: LabScenarioHooks | null): Promise<void> => {
    const run = compileProgram(await programJavaScript(code, language)); // a syntax error fails the run at once, with its line
    const { net, client, server } = twoHosts(d, { latency: ms(1), show: calls([...SETUP_CALLS, "sendto", "recvfrom"]) });
    d.title(`${name}: ${summary.en}`, `${name}：${summary.zh}`);
    d.say("client 10.0.0.1/24 (eth0) ---- server 10.0.0.2/24 (eth0), 1 ms one way", "client 10.0.0.1/24 (eth0) ---- server 10.0.0.2/24 (eth0)，单向时延 1 ms");
    await startProgram(run, { net, clientHost: client, serverHost: server });
    for (;;) {
      await net.run();
      if (!hooks || !readingTerminal(net)) break;
      await hooks.waitInput();
    }
    d.finish();
  };
  return { name, summary, seeds: [], code, language, run: (d) => runLab(d, null), runLab };
}

/** The templates the scenario picker runs as the lab's own scenarios. */
export const LAB_SCENARIO_TEMPLATES = ["chat-tcp", "chat-udp", "bulk"] as const;

/**
 * The lab's own scenarios, from its TypeScript templates: they run the
 * templates' JavaScript generated at development time (templates-js.ts,
 * the TypeScript chunk's output, kept in step by its test), so picking
 * one loads no chunk.
 */
export const LAB_ONLY_SCENARIOS: readonly LabScenario[] = (
  [
    ["chat-tcp", { en: "seed 2's TCP chat (gen 5): type into the client's and the server's stdin", zh: "种子 2 的 TCP 聊天（第五代）：在 client 和 server 的标准输入里打字" }],
    ["chat-udp", { en: "seed 2's UDP chat, a UDP pair: type into stdin", zh: "种子 2 的 UDP 聊天：在标准输入里打字" }],
    ["bulk", { en: "ten bulk TCP transfers sharing a 10 Mbit/s link", zh: "十条批量 TCP 传输共享一条 10 Mbit/s 链路" }],
  ] as const satisfies readonly (readonly [(typeof LAB_SCENARIO_TEMPLATES)[number], unknown])[]
).map(([name, summary]) => programScenario(name, TEMPLATE_JS[name] ?? "", "js", summary));
