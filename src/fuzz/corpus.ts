/**
 * The fuzz corpus: every crashing or hanging input found, one JSON file
 * each (test/fuzz-corpus/*.json), replayed by `npm test`.
 *
 * An entry is either a syscall program (its own replay: the calls with
 * their encoded arguments), a recorded packet case (the injected bytes,
 * step by step), or — for a packet case too long to record — the
 * generator coordinates (seed, case, packets). `knownIssue` marks an entry
 * whose fix has not landed yet: the replay test then expects it to fail,
 * and fails when it passes, so the mark gets removed when the fix lands.
 */
import type { FuzzFailure } from "./harness.js";
import { runPacketCase, type RecordedStep } from "./packet-fuzzer.js";
import { generateSyscallProgram, runSyscallProgram, type SyscallProgram } from "./syscall-fuzzer.js";

/** One corpus file. */
export interface CorpusEntry {
  /** Short name (the file name without `.json`). */
  name: string;
  /** What it triggers, in a sentence. */
  description: string;
  fuzzer: "packet" | "syscall";
  /** The issue item whose fix this entry waits for (expected to fail until then), e.g. `issue11-item1`. */
  knownIssue?: string;
  /** Where it came from: `sockstack fuzz …` coordinates. */
  seed: string;
  case: number;
  /** Packet cases without `steps`: how many packets the generator makes. */
  packets?: number;
  /** Recorded packet case. */
  steps?: RecordedStep[];
  /** Syscall case: the program (generated from seed/case/calls when absent). */
  program?: SyscallProgram;
  /** Syscall case without `program`: how many calls the generator makes. */
  calls?: number;
}

/** What one case needs to run anywhere (a worker thread included): plain JSON. */
export interface CaseSpec {
  fuzzer: "packet" | "syscall";
  seed: string;
  case: number;
  /** Packets (packet fuzzer) or calls (syscall fuzzer) to generate. */
  size: number;
  steps?: RecordedStep[];
  program?: SyscallProgram;
  stripUrg?: boolean;
  record?: boolean;
}

/** The outcome of one case (plain JSON, so a worker can post it). */
export interface CaseOutcome {
  /** Packets injected or calls made. */
  count: number;
  failures: FuzzFailure[];
  /** Drop-audit findings (packet cases). */
  uncounted: { signature: string; count: number; example: string }[];
  /** Packets the taps parsed (packet cases). */
  parsed: number;
  /** Recorded steps, when asked for. */
  steps?: RecordedStep[];
}

/** Progress callbacks a case reports to (the CLI's watchdog). */
export interface CaseHooks {
  /** A packet step or a syscall op started. */
  step?(i: number): void;
  /** Syscall op `op` of actor `actor` started (-1: finished). */
  actor?(actor: number, op: number): void;
}

/** The spec that replays a corpus entry. */
export function entrySpec(e: CorpusEntry): CaseSpec {
  if (e.fuzzer === "packet") return { fuzzer: "packet", seed: e.seed, case: e.case, size: e.packets ?? 0, steps: e.steps };
  return { fuzzer: "syscall", seed: e.seed, case: e.case, size: e.calls ?? 0, program: e.program };
}

/**
 * Runs one case in this thread. A spin that never yields cannot be
 * stopped here: run it under the CLI's watchdog (`runCaseInWorker`) when
 * that matters.
 */
export async function runCase(spec: CaseSpec, hooks: CaseHooks = {}): Promise<CaseOutcome> {
  if (spec.fuzzer === "packet") {
    const r = await runPacketCase({
      seed: spec.seed, case: spec.case, packets: spec.size, replay: spec.steps, stripUrg: spec.stripUrg,
      record: spec.record, progress: hooks.step,
    });
    return { count: r.packets, failures: r.failures, uncounted: r.uncounted, parsed: r.parsed, steps: r.steps };
  }
  const prog = spec.program ?? generateSyscallProgram(spec.seed, spec.case, spec.size);
  const r = await runSyscallProgram(prog, { seed: spec.seed, case: spec.case, progress: hooks.step, actor: hooks.actor });
  return { count: r.calls, failures: r.failures, uncounted: [], parsed: 0 };
}
