/**
 * What a sweep runs under each seed, and what "fails" means for each kind:
 *
 * - `scenario NAME`: a `sockstack demo` scenario of the registry (src/demo),
 *   run with `DemoContext(seed)`; a module path instead of a name (`./my.ts`)
 *   is the user's own scenario: its default export, a function of the seed
 *   (or a `DemoScenario`). It fails when it throws or rejects — the
 *   scenario's own checks, the driver's (a program that spins, a stall),
 *   a `SysError` nobody caught;
 * - `pkt FILE`: a packetdrill script, played by the conformance runner with
 *   the seed as the host's seed; it fails unless the verdict is `passed`
 *   (`failed` and `unsupported` both fail: a script the runner cannot play
 *   has not passed);
 * - `test FILE`: a `node:test` module run under `SOCKSTACK_SEED=<seed>`
 *   (what `simulate()` of `sockstack/node` and any code reading the variable
 *   seed from) in a fresh worker thread; it fails when a test fails (the
 *   module's exit status, as `node --test FILE` would report it).
 *
 * Each failing seed comes with the command that replays it alone.
 */
import type { PersonalityName } from "../core/personality.js";

/** A sweep's target (plain data: it is sent to the worker threads). */
export type SweepTarget =
  | { readonly kind: "scenario"; readonly name: string }
  | {
    readonly kind: "pkt";
    readonly path: string;
    readonly personality?: PersonalityName;
    /** packetdrill's command line for the script (`--mtu=1520`, `-D X=1`). */
    readonly args?: readonly string[];
    /** Prepend the arguments of Google's run_all.py (a Google tree, as `sockstack conformance` decides). */
    readonly runAll?: boolean;
  }
  | { readonly kind: "test"; readonly path: string };

/** The kinds, as typed on the command line. */
export const TARGET_KINDS = ["scenario", "pkt", "test"] as const;

/** Whether a scenario name is a module path (the user's scenario) rather than a registry name. */
export function isModulePath(name: string): boolean {
  return name.includes("/") || /\.(m|c)?[jt]s$/.test(name);
}

/** Whether running the target needs the tsx loader (a TypeScript module). */
export function needsTsx(t: SweepTarget): boolean {
  const file = t.kind === "scenario" ? (isModulePath(t.name) ? t.name : "") : t.kind === "test" ? t.path : "";
  return /\.(m|c)?ts$/.test(file);
}

/** One line naming the target: `scenario handshake`, `pkt a/b.pkt (freebsd)`. */
export function describeTarget(t: SweepTarget): string {
  switch (t.kind) {
    case "scenario": return `scenario ${t.name}`;
    case "pkt": {
      const notes = [t.personality && t.personality !== "linux" ? t.personality : "", t.runAll ? "run_all.py ipv4 arguments" : ""].filter(Boolean);
      return `pkt ${t.path}${t.args?.length ? ` ${t.args.join(" ")}` : ""}${notes.length ? ` (${notes.join(", ")})` : ""}`;
    }
    case "test": return `test ${t.path}`;
  }
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellWord(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`;
}

/**
 * The command that replays `seed` alone.
 * @example replayCommand({ kind: "scenario", name: "handshake" }, 7) // "sockstack demo handshake --seed 7"
 * @example replayCommand({ kind: "test", path: "a.test.ts" }, 7)      // "SOCKSTACK_SEED=7 node --import tsx --test a.test.ts"
 */
export function replayCommand(t: SweepTarget, seed: number): string {
  switch (t.kind) {
    case "scenario":
      return isModulePath(t.name) ? `sockstack sweep scenario ${shellWord(t.name)} --seed ${seed}` : `sockstack demo ${shellWord(t.name)} --seed ${seed}`;
    case "pkt": {
      const profile = t.personality && t.personality !== "linux" ? ` --profile ${t.personality}` : "";
      const args = t.args?.length ? ` ${t.args.map(shellWord).join(" ")}` : "";
      return `sockstack sweep pkt ${shellWord(t.path)} --seed ${seed}${profile}${args}`;
    }
    case "test":
      return `SOCKSTACK_SEED=${seed} node ${needsTsx(t) ? "--import tsx " : ""}--test ${shellWord(t.path)}`;
  }
}
