/**
 * The scenario registry: every `sockstack demo` scenario with its name,
 * one-line summary (English and Chinese) and the SEEDS.md ids it shows.
 * Browser-safe (no Node built-ins): the CLI prints from it and the web lab
 * can use it as its menu.
 *
 * @example
 * const s = findScenario("time-wait");
 * const events: DemoEvent[] = [];
 * await s!.run(new DemoContext(0, (e) => events.push(e)));
 */
import type { DemoScenario } from "./context.js";
import { backlogDemo } from "./scenarios/backlog.js";
import { closeWaitLeakDemo } from "./scenarios/close-wait-leak.js";
import { halfCloseDemo } from "./scenarios/half-close.js";
import { handshakeDemo } from "./scenarios/handshake-and-close.js";
import { lectureDemo } from "./scenarios/lecture.js";
import { nagleDemo } from "./scenarios/nagle.js";
import { rstDemo } from "./scenarios/rst.js";
import { timeWaitDemo } from "./scenarios/time-wait.js";
import { udpDemo } from "./scenarios/udp.js";

/** Every scenario, the default (`lecture`) first. */
export const SCENARIOS: readonly DemoScenario[] = [
  lectureDemo,
  backlogDemo,
  handshakeDemo,
  timeWaitDemo,
  rstDemo,
  halfCloseDemo,
  closeWaitLeakDemo,
  nagleDemo,
  udpDemo,
];

/** The scenario named `name`, or undefined. */
export function findScenario(name: string): DemoScenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

/** Every seed id some scenario shows, sorted. */
export function scenarioSeedIds(): string[] {
  return [...new Set(SCENARIOS.flatMap((s) => s.seeds))].sort();
}
