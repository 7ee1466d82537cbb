// Runs a demo scenario into its events, with small accessors for the facts tests assert.
import assert from "node:assert/strict";
import { DemoContext } from "../../src/demo/context.js";
import type { DemoEvent } from "../../src/demo/events.js";
import { findScenario } from "../../src/demo/registry.js";

/** Events of one kind. */
export type Ev<K extends DemoEvent["kind"]> = DemoEvent extends infer E ? E extends { kind: infer EK } ? K extends EK ? E & { kind: K } : never : never : never;

/** A scenario's run: its events and accessors. */
export interface Run {
  events: DemoEvent[];
  of<K extends DemoEvent["kind"]>(kind: K): Ev<K>[];
  /** `host from->to` for every TCP state change, in order. */
  states(host?: string): string[];
  /** Syscalls named `call` (Linux name), optionally from one host. */
  calls(call: string, host?: string): Ev<"syscall">[];
  /** The last snapshot of `host` at or before `t` (default: the last). */
  snap(host: string, t?: number): Ev<"snapshot">;
  /** The output lines. */
  out(): string[];
}

/** Runs scenario `name` with `seed` and collects its events. */
export async function runScenario(name: string, seed = 0): Promise<Run> {
  const s = findScenario(name);
  assert.ok(s, `no scenario ${name}`);
  const events: DemoEvent[] = [];
  const d = new DemoContext(seed, (e) => events.push(e));
  await s.run(d);
  d.finish();
  const of = <K extends DemoEvent["kind"]>(kind: K) => events.filter((e): e is Ev<K> => e.kind === kind);
  return {
    events,
    of,
    states: (host) => of("state").filter((e) => !host || e.host === host).map((e) => `${e.host} ${e.from}->${e.to}`),
    calls: (call, host) => of("syscall").filter((e) => e.call === call && (!host || e.host === host)),
    snap: (host, t = Infinity) => {
      const l = of("snapshot").filter((e) => e.host === host && e.t <= t);
      assert.ok(l.length > 0, `no snapshot of ${host} by ${t}`);
      return l[l.length - 1]!;
    },
    out: () => of("output").map((e) => e.text),
  };
}
